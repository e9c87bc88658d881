/* demo-scenario.c
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <errno.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "demo-checksum-tab.h"
#include "demo-gl-tab.h"
#include "demo-resources-tab.h"
#include "demo-scenario.h"
#include "demo-thumbnail-tab.h"

/* The smoke scenario drives every tab through its controller, as a user
 * would through the buttons, on sample files it makes itself; then it
 * closes the window, which runs the application's ordered shutdown.
 *
 * Steps are polled from one timeout source: each starts an action, then
 * waits (up to its own timeout) until a condition holds. A failed step is
 * reported and the scenario goes straight to closing the window, so the
 * shutdown report is always printed.
 *
 * Each step may take STEP_TIMEOUT_MS, multiplied by the environment
 * variable RESMGR_DEMO_TIMEOUT_SCALE (a positive number, default 1) for runs
 * under a slow tool: RESMGR_DEMO_TIMEOUT_SCALE=20 under valgrind memcheck.
 * The limit only stops a hung step; no step asserts how long it took. */

#define POLL_MS         20
#define STEP_TIMEOUT_MS 60000

typedef struct _Step Step;

struct _DemoScenario
{
  char        *name;
  char        *screenshots_dir;
  char        *folder;        /* sample files, removed at the end */
  char        *images;
  char        *expected_name; /* a file whose SHA-256 we know */
  char        *expected_sum;

  DemoWindow  *window;        /* weak */
  GtkWidget   *second;        /* weak: the extra window */
  guint        source;
  guint        step;
  gint64       step_started;
  gint64       step_timeout_us; /* STEP_TIMEOUT_MS, scaled */
  gboolean     started;
  gboolean     failed;

  guint        checksum_finished;
  gboolean     checksum_cancelled;
  guint        thumbnail_finished;
  guint64      frames_before;
  guint        screenshot;
};

struct _Step
{
  const char *name;
  gboolean  (*start) (DemoScenario *self);
  gboolean  (*done)  (DemoScenario *self);
};

static void
say (DemoScenario *self,
     const char   *format,
     ...) G_GNUC_PRINTF (2, 3);

static void
say (DemoScenario *self,
     const char   *format,
     ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  g_printerr ("scenario %s: %s\n", self->name, message);
}

static gboolean
fail (DemoScenario *self,
      const char   *format,
      ...) G_GNUC_PRINTF (2, 3);

static gboolean
fail (DemoScenario *self,
      const char   *format,
      ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  g_printerr ("scenario %s: FAILED: %s\n", self->name, message);
  self->failed = TRUE;

  return FALSE;
}

static guint64
get_u64 (gpointer    object,
         const char *property)
{
  g_auto(GValue) value = G_VALUE_INIT;
  g_auto(GValue) u64 = G_VALUE_INIT;

  g_value_init (&u64, G_TYPE_UINT64);
  g_object_get_property (object, property, &value);
  if (G_VALUE_HOLDS_DOUBLE (&value))
    return (guint64) g_value_get_double (&value);
  if (!g_value_transform (&value, &u64))
    return 0;

  return g_value_get_uint64 (&u64);
}

static GtkWidget *
tab (DemoScenario *self,
     DemoTab       which)
{
  return demo_window_get_tab (self->window, which);
}

/* Sample data {{{ */

static gboolean
write_file (const char  *path,
            gsize        size,
            guint32      seed,
            char       **checksum,
            GError     **error)
{
  g_autofree guchar *data = g_malloc (size);
  guint32 x = seed * 2654435761u + 1;

  for (gsize i = 0; i < size; i++)
    {
      x ^= x << 13;
      x ^= x >> 17;
      x ^= x << 5;
      data[i] = x & 0xff;
    }

  if (checksum != NULL)
    *checksum = g_compute_checksum_for_data (G_CHECKSUM_SHA256, data, size);

  return g_file_set_contents (path, (const char *) data, size, error);
}

static gboolean
write_image (const char  *path,
             int          width,
             int          height,
             guint        hue,
             GError     **error)
{
  g_autoptr(GdkPixbuf) pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, width, height);
  guchar *pixels = gdk_pixbuf_get_pixels (pixbuf);
  int stride = gdk_pixbuf_get_rowstride (pixbuf);

  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      {
        guchar *p = pixels + y * stride + x * 3;

        p[0] = (x * 255 / width + hue * 40) & 0xff;
        p[1] = (y * 255 / height) & 0xff;
        p[2] = ((x ^ y) + hue * 90) & 0xff;
      }

  return gdk_pixbuf_save (pixbuf, path, "png", error, NULL);
}

static gboolean
make_samples (DemoScenario  *self,
              GError       **error)
{
  g_autofree char *link = NULL;
  g_autofree char *broken = NULL;

  self->folder = g_dir_make_tmp ("resmgr-demo-XXXXXX", error);
  if (self->folder == NULL)
    return FALSE;

  for (guint i = 0; i < 24; i++)
    {
      g_autofree char *name = g_strdup_printf ("sample-%02u.bin", i);
      g_autofree char *path = g_build_filename (self->folder, name, NULL);
      g_autofree char *sum = NULL;

      if (!write_file (path, 4096 + i * 37 * 1024, i, i == 3 ? &sum : NULL, error))
        return FALSE;
      if (i == 3)
        {
          self->expected_name = g_strdup (name);
          self->expected_sum = g_steal_pointer (&sum);
        }
    }

  /* Big enough that a cancel lands while its job runs. */
  {
    g_autofree char *path = g_build_filename (self->folder, "large.bin", NULL);

    if (!write_file (path, 48 * 1024 * 1024, 99, NULL, error))
      return FALSE;
  }

  /* Unreadable: the checksum tab must show its error, not crash. */
  link = g_build_filename (self->folder, "dangling-link", NULL);
  if (symlink ("does-not-exist", link) != 0)
    {
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno), "symlink: %s", g_strerror (errno));
      return FALSE;
    }

  self->images = g_build_filename (self->folder, "images", NULL);
  if (g_mkdir (self->images, 0700) != 0)
    {
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno), "mkdir: %s", g_strerror (errno));
      return FALSE;
    }
  for (guint i = 0; i < 12; i++)
    {
      g_autofree char *name = g_strdup_printf ("image-%02u.png", i);
      g_autofree char *path = g_build_filename (self->images, name, NULL);

      if (!write_image (path, 256 + 64 * i, 192 + 48 * i, i, error))
        return FALSE;
    }
  broken = g_build_filename (self->images, "broken.png", NULL);

  return g_file_set_contents (broken, "this is not a PNG", -1, error);
}

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        remove_tree (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

/* }}} */

/* Steps {{{ */

static void
on_checksum_finished (DemoScenario *self,
                      gboolean      cancelled)
{
  self->checksum_finished++;
  self->checksum_cancelled = cancelled;
}

static void
on_thumbnail_finished (DemoScenario *self,
                       gboolean      cancelled)
{
  self->thumbnail_finished++;
}

static gboolean
checksums_start (DemoScenario *self)
{
  DemoChecksumController *controller = demo_checksum_tab_get_controller (tab (self, DEMO_TAB_CHECKSUMS));
  g_autoptr(GFile) folder = g_file_new_for_path (self->folder);

  demo_window_show_tab (self->window, DEMO_TAB_CHECKSUMS);
  g_signal_connect_swapped (controller, "finished", G_CALLBACK (on_checksum_finished), self);
  demo_checksum_controller_start (controller, folder);

  return TRUE;
}

static gboolean
checksums_done (DemoScenario *self)
{
  DemoChecksumController *controller = demo_checksum_tab_get_controller (tab (self, DEMO_TAB_CHECKSUMS));
  GListModel *results;
  gboolean found = FALSE;

  if (self->checksum_finished < 1)
    return FALSE;

  if (self->checksum_cancelled)
    return fail (self, "the checksum run says it was cancelled");

  results = demo_checksum_controller_get_results (controller);
  for (guint i = 0; i < g_list_model_get_n_items (results); i++)
    {
      g_autoptr(GObject) result = g_list_model_get_item (results, i);
      g_autofree char *name = NULL;
      g_autofree char *checksum = NULL;

      g_object_get (result, "name", &name, "checksum", &checksum, NULL);
      if (g_strcmp0 (name, self->expected_name) == 0)
        {
          if (g_strcmp0 (checksum, self->expected_sum) != 0)
            return fail (self, "SHA-256 of %s is %s, expected %s", name, checksum, self->expected_sum);
          found = TRUE;
        }
    }

  if (!found)
    return fail (self, "no checksum result for %s", self->expected_name);
  if (get_u64 (controller, "n-failed") < 1)
    return fail (self, "the dangling link was not reported as failed");

  say (self, "checksums: %" G_GUINT64_FORMAT " files, %" G_GUINT64_FORMAT " failed (with their error), SHA-256 verified",
       get_u64 (controller, "n-files"), get_u64 (controller, "n-failed"));

  return TRUE;
}

static gboolean
checksums_cancel_start (DemoScenario *self)
{
  DemoChecksumController *controller = demo_checksum_tab_get_controller (tab (self, DEMO_TAB_CHECKSUMS));
  g_autoptr(GFile) folder = g_file_new_for_path (self->folder);

  demo_checksum_controller_start (controller, folder);

  return TRUE;
}

static gboolean
checksums_cancel_done (DemoScenario *self)
{
  DemoChecksumController *controller = demo_checksum_tab_get_controller (tab (self, DEMO_TAB_CHECKSUMS));

  /* Cancel once the jobs run (the large file keeps one busy). */
  if (self->checksum_finished < 2)
    {
      if (resmgr_controller_get_busy (RESMGR_CONTROLLER (controller)) &&
          g_list_model_get_n_items (demo_checksum_controller_get_workers (controller)) > 0)
        demo_checksum_controller_cancel (controller);
      return FALSE;
    }

  if (!self->checksum_cancelled)
    return fail (self, "the second checksum run finished without being cancelled");

  say (self, "checksums: a run cancelled mid-way stopped its jobs");

  return TRUE;
}

static gboolean
thumbnails_start (DemoScenario *self)
{
  DemoThumbnailController *controller = demo_thumbnail_tab_get_controller (tab (self, DEMO_TAB_THUMBNAILS));
  g_autoptr(GFile) folder = g_file_new_for_path (self->images);

  demo_window_show_tab (self->window, DEMO_TAB_THUMBNAILS);
  g_signal_connect_swapped (controller, "finished", G_CALLBACK (on_thumbnail_finished), self);
  /* Room for a few thumbnails only: the rest is evicted, oldest first. */
  g_object_set (controller, "budget", (guint64) 160 * 1024, NULL);
  demo_thumbnail_controller_load (controller, folder);

  return TRUE;
}

static gboolean
thumbnails_done (DemoScenario *self)
{
  DemoThumbnailController *controller = demo_thumbnail_tab_get_controller (tab (self, DEMO_TAB_THUMBNAILS));

  if (self->thumbnail_finished < 1)
    return FALSE;

  if (get_u64 (controller, "n-failed") < 1)
    return fail (self, "the broken image was not reported as failed");
  if (get_u64 (controller, "n-evicted") < 1)
    return fail (self, "nothing was evicted under a 160 KiB budget");
  if (get_u64 (controller, "bytes") > 160 * 1024)
    return fail (self, "thumbnails hold %" G_GUINT64_FORMAT " bytes, over the budget", get_u64 (controller, "bytes"));

  say (self, "thumbnails: %" G_GUINT64_FORMAT " loaded, %" G_GUINT64_FORMAT " failed, %" G_GUINT64_FORMAT " evicted, %" G_GUINT64_FORMAT " bytes kept",
       get_u64 (controller, "n-loaded"), get_u64 (controller, "n-failed"),
       get_u64 (controller, "n-evicted"), get_u64 (controller, "bytes"));

  return TRUE;
}

static DemoGLController *
gl_controller (DemoScenario *self)
{
  return demo_gl_tab_get_controller (DEMO_GL_TAB (tab (self, DEMO_TAB_GL)));
}

/* The GL view's texture: one of the sample images, decoded in a job of the
 * GL controller itself. */
#define GL_IMAGE        "image-02.png"
#define GL_IMAGE_WIDTH  (256 + 64 * 2)
#define GL_IMAGE_HEIGHT (192 + 48 * 2)

static gboolean
gl_show_start (DemoScenario *self)
{
  g_autofree char *path = g_build_filename (self->images, GL_IMAGE, NULL);
  g_autoptr(GFile) image = g_file_new_for_path (path);

  demo_window_show_tab (self->window, DEMO_TAB_GL);
  demo_gl_controller_load_image (gl_controller (self), image);

  return TRUE;
}

static gboolean
gl_show_done (DemoScenario *self)
{
  DemoGLController *controller = gl_controller (self);

  if (get_u64 (controller, "n-gl-objects") == 0 || demo_gl_controller_get_texture_width (controller) == 0)
    return FALSE;

  if (demo_gl_controller_get_texture_width (controller) != GL_IMAGE_WIDTH ||
      demo_gl_controller_get_texture_height (controller) != GL_IMAGE_HEIGHT)
    return fail (self, "the GL texture is %u×%u, %s is %u×%u",
                 demo_gl_controller_get_texture_width (controller),
                 demo_gl_controller_get_texture_height (controller),
                 GL_IMAGE, GL_IMAGE_WIDTH, GL_IMAGE_HEIGHT);
  say (self, "GL view: %s decoded in a job of the GL controller, uploaded as a %u×%u texture of the same component",
       GL_IMAGE, GL_IMAGE_WIDTH, GL_IMAGE_HEIGHT);

  self->frames_before = get_u64 (gl_controller (self), "frames-rendered");
  demo_gl_controller_render_frames (gl_controller (self), 60);

  return TRUE;
}

static gboolean
gl_frames_done (DemoScenario *self)
{
  if (get_u64 (gl_controller (self), "frames-rendered") < self->frames_before + 60)
    return FALSE;

  say (self, "GL view: %" G_GUINT64_FORMAT " GL objects, %" G_GUINT64_FORMAT " frames rendered",
       get_u64 (gl_controller (self), "n-gl-objects"), get_u64 (gl_controller (self), "frames-rendered"));

  return TRUE;
}

static gboolean
gl_move_start (DemoScenario *self)
{
  demo_gl_controller_reallocate (gl_controller (self));
  demo_gl_tab_move_to_window (DEMO_GL_TAB (tab (self, DEMO_TAB_GL)));

  return TRUE;
}

static gboolean
gl_move_done (DemoScenario *self)
{
  gboolean detached = FALSE;

  g_object_get (tab (self, DEMO_TAB_GL), "detached", &detached, NULL);
  if (!detached || get_u64 (gl_controller (self), "n-gl-objects") == 0)
    return FALSE;

  demo_gl_tab_move_back (DEMO_GL_TAB (tab (self, DEMO_TAB_GL)));

  return TRUE;
}

static gboolean
gl_back_done (DemoScenario *self)
{
  gboolean detached = TRUE;

  g_object_get (tab (self, DEMO_TAB_GL), "detached", &detached, NULL);
  if (detached || get_u64 (gl_controller (self), "recreations") < 1)
    return FALSE;

  self->frames_before = get_u64 (gl_controller (self), "frames-rendered");
  demo_gl_controller_render_frames (gl_controller (self), 10);

  return TRUE;
}

static gboolean
gl_after_move_done (DemoScenario *self)
{
  if (get_u64 (gl_controller (self), "frames-rendered") < self->frames_before + 10)
    return FALSE;

  say (self, "GL view: reallocated, moved to a window and back (%" G_GUINT64_FORMAT " re-creations), renders again",
       get_u64 (gl_controller (self), "recreations"));

  return TRUE;
}

static gboolean
resources_start (DemoScenario *self)
{
  demo_window_show_tab (self->window, DEMO_TAB_RESOURCES);
  resmgr_monitor_sample_now (demo_resources_controller_get_monitor (demo_resources_tab_get_controller (tab (self, DEMO_TAB_RESOURCES))));

  return TRUE;
}

static gboolean
resources_done (DemoScenario *self)
{
  DemoResourcesController *controller = demo_resources_tab_get_controller (tab (self, DEMO_TAB_RESOURCES));
  ResmgrMonitor *monitor = demo_resources_controller_get_monitor (controller);
  g_autoptr(GPtrArray) leaks = NULL;

  if (g_list_model_get_n_items (resmgr_monitor_get_resources (monitor)) == 0 ||
      g_list_model_get_n_items (resmgr_monitor_get_components (monitor)) == 0)
    return FALSE;

  leaks = resmgr_monitor_check_leaks (monitor);
  if (leaks->len > 0)
    return fail (self, "the monitor reports %u leaked resource(s)", leaks->len);

  say (self, "resources: %u components, %u resources listed, no leak",
       g_list_model_get_n_items (resmgr_monitor_get_components (monitor)),
       g_list_model_get_n_items (resmgr_monitor_get_resources (monitor)));

  return TRUE;
}

/* Returns FALSE while the window has not drawn yet (poll again), TRUE once
 * the screenshot is saved or failed for good. @suffix (or NULL) tells
 * apart two screenshots of one tab. */
static gboolean
save_screenshot (DemoScenario *self,
                 DemoTab       which,
                 const char   *suffix)
{
  GtkWidget *widget = GTK_WIDGET (self->window);
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (widget);
  g_autoptr(GtkSnapshot) snapshot = gtk_snapshot_new ();
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree char *file = NULL;
  g_autofree char *path = NULL;
  GskRenderer *renderer = gtk_native_get_renderer (gtk_widget_get_native (widget));

  gdk_paintable_snapshot (paintable, GDK_SNAPSHOT (snapshot), width, height);
  node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
  /* Not drawn yet (a busy machine): try again at the next poll. */
  if (node == NULL || renderer == NULL)
    return FALSE;

  texture = gsk_renderer_render_texture (renderer, node, &GRAPHENE_RECT_INIT (0, 0, width, height));
  file = g_strdup_printf ("tab-%u-%s%s%s.png", which, demo_tab_get_name (which),
                          suffix != NULL ? "-" : "", suffix != NULL ? suffix : "");
  g_strdelimit (file, " ", '-');
  path = g_build_filename (self->screenshots_dir, file, NULL);
  if (!gdk_texture_save_to_png (texture, path))
    {
      fail (self, "cannot save %s", path);
      return TRUE;
    }

  say (self, "screenshot of the %s tab: %s", demo_tab_get_name (which), path);

  return TRUE;
}

static gboolean
screenshots_start (DemoScenario *self)
{
  self->screenshot = 0;
  if (self->screenshots_dir != NULL)
    {
      g_mkdir_with_parents (self->screenshots_dir, 0755);
      demo_window_show_tab (self->window, 0);
    }
  self->step_started = g_get_monotonic_time ();

  return TRUE;
}

static gboolean
screenshots_done (DemoScenario *self)
{
  if (self->screenshots_dir == NULL || self->screenshot >= DEMO_N_TABS)
    return TRUE;

  /* Give the shown tab a few frames to lay out and draw. */
  if (g_get_monotonic_time () - self->step_started < 300 * 1000)
    return FALSE;

  if (!save_screenshot (self, self->screenshot, NULL))
    return FALSE;
  if (++self->screenshot < DEMO_N_TABS)
    {
      demo_window_show_tab (self->window, self->screenshot);
      self->step_started = g_get_monotonic_time ();
    }

  return self->screenshot >= DEMO_N_TABS;
}

static gboolean
second_window_start (DemoScenario *self)
{
  GtkApplication *application = gtk_window_get_application (GTK_WINDOW (self->window));

  self->second = GTK_WIDGET (demo_window_new (application));
  g_object_add_weak_pointer (G_OBJECT (self->second), (gpointer *) &self->second);
  gtk_window_present (GTK_WINDOW (self->second));

  return TRUE;
}

static gboolean
second_window_done (DemoScenario *self)
{
  if (self->second != NULL && !gtk_widget_get_mapped (self->second))
    return FALSE;

  if (self->second != NULL)
    gtk_window_destroy (GTK_WINDOW (self->second));

  return TRUE;
}

static gboolean
second_window_closed (DemoScenario *self)
{
  if (self->second != NULL)
    return FALSE;

  say (self, "a second window was opened and closed; its controllers were cleaned up");

  return TRUE;
}

/* The Resources tab once more, now that the second window's controllers
 * were cleaned up: its cleanup history has their reports. */
static gboolean
history_screenshot_start (DemoScenario *self)
{
  if (self->screenshots_dir != NULL)
    demo_window_show_tab (self->window, DEMO_TAB_RESOURCES);

  return TRUE;
}

static gboolean
history_screenshot_done (DemoScenario *self)
{
  DemoResourcesController *controller = demo_resources_tab_get_controller (tab (self, DEMO_TAB_RESOURCES));

  if (self->screenshots_dir == NULL)
    return TRUE;
  if (g_list_model_get_n_items (demo_resources_controller_get_history (controller)) == 0)
    return FALSE;
  if (g_get_monotonic_time () - self->step_started < 300 * 1000)
    return FALSE;

  return save_screenshot (self, DEMO_TAB_RESOURCES, "after-cleanups");
}

static const Step steps[] = {
  { "checksums",          checksums_start,        checksums_done },
  { "checksums-cancel",   checksums_cancel_start, checksums_cancel_done },
  { "thumbnails",         thumbnails_start,       thumbnails_done },
  { "gl-show",            gl_show_start,          gl_show_done },
  { "gl-frames",          NULL,                   gl_frames_done },
  { "gl-move",            gl_move_start,          gl_move_done },
  { "gl-back",            NULL,                   gl_back_done },
  { "gl-after-move",      NULL,                   gl_after_move_done },
  { "resources",          resources_start,        resources_done },
  { "screenshots",        screenshots_start,      screenshots_done },
  { "second-window",      second_window_start,    second_window_done },
  { "second-window-gone", NULL,                   second_window_closed },
  { "history-screenshot", history_screenshot_start, history_screenshot_done },
};

/* }}} */

static void
finish (DemoScenario *self)
{
  g_clear_handle_id (&self->source, g_source_remove);

  say (self, "%s; closing the window (ordered shutdown)", self->failed ? "failed" : "all steps done");
  if (self->window != NULL)
    gtk_window_close (GTK_WINDOW (self->window));
}

static gboolean
poll_cb (gpointer data)
{
  DemoScenario *self = data;

  if (self->window == NULL)
    {
      fail (self, "the window went away");
      self->source = 0;
      return G_SOURCE_REMOVE;
    }

  while (self->step < G_N_ELEMENTS (steps))
    {
      const Step *step = &steps[self->step];

      if (!self->started)
        {
          self->started = TRUE;
          self->step_started = g_get_monotonic_time ();
          if (step->start != NULL && !step->start (self))
            break;
        }

      if (!step->done (self))
        {
          if (self->failed)
            break;
          if (g_get_monotonic_time () - self->step_started > self->step_timeout_us)
            {
              fail (self, "step %s did not finish in %" G_GINT64_FORMAT " s", step->name,
                    self->step_timeout_us / G_USEC_PER_SEC);
              break;
            }
          return G_SOURCE_CONTINUE;
        }

      self->step++;
      self->started = FALSE;
    }

  self->source = 0;
  finish (self);

  return G_SOURCE_REMOVE;
}

/* STEP_TIMEOUT_MS times $RESMGR_DEMO_TIMEOUT_SCALE, in microseconds. */
static gint64
step_timeout_us (void)
{
  const char *value = g_getenv ("RESMGR_DEMO_TIMEOUT_SCALE");
  double scale = 1.0;

  if (value != NULL && *value != '\0')
    {
      char *end = NULL;
      double parsed = g_ascii_strtod (value, &end);

      if (end != NULL && *end == '\0' && parsed > 0.0 && parsed <= 1000.0)
        scale = parsed;
      else
        g_printerr ("resmgr-demo: ignoring RESMGR_DEMO_TIMEOUT_SCALE=%s (a number in (0, 1000] is expected)\n",
                    value);
    }

  return (gint64) (STEP_TIMEOUT_MS * 1000.0 * scale);
}

DemoScenario *
demo_scenario_new (const char  *name,
                   const char  *screenshots_dir,
                   GError     **error)
{
  g_autoptr(DemoScenario) self = NULL;

  if (g_strcmp0 (name, "smoke") != 0)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "Unknown scenario “%s” (known: smoke)", name);
      return NULL;
    }

  self = g_new0 (DemoScenario, 1);
  self->name = g_strdup (name);
  self->step_timeout_us = step_timeout_us ();
  self->screenshots_dir = g_strdup (screenshots_dir);

  if (!make_samples (self, error))
    return NULL;

  return g_steal_pointer (&self);
}

void
demo_scenario_run (DemoScenario *self,
                   DemoWindow   *window)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (DEMO_IS_WINDOW (window));

  say (self, "sample files in %s", self->folder);
  self->window = window;
  g_object_add_weak_pointer (G_OBJECT (window), (gpointer *) &self->window);
  self->source = g_timeout_add (POLL_MS, poll_cb, self);
}

gboolean
demo_scenario_succeeded (DemoScenario *self)
{
  g_return_val_if_fail (self != NULL, FALSE);

  return !self->failed && self->step == G_N_ELEMENTS (steps);
}

void
demo_scenario_free (DemoScenario *self)
{
  if (self == NULL)
    return;

  g_clear_handle_id (&self->source, g_source_remove);
  if (self->window != NULL)
    g_object_remove_weak_pointer (G_OBJECT (self->window), (gpointer *) &self->window);
  if (self->second != NULL)
    g_object_remove_weak_pointer (G_OBJECT (self->second), (gpointer *) &self->second);
  if (self->folder != NULL)
    remove_tree (self->folder);
  g_free (self->name);
  g_free (self->screenshots_dir);
  g_free (self->folder);
  g_free (self->images);
  g_free (self->expected_name);
  g_free (self->expected_sum);
  g_free (self);
}
