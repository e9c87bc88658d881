/* test-demo-gl.c: the demo's GL view tab and its controller, with real GL
 *
 * Each test shows a DemoGLTab (its controller tracking through a private
 * ResmgrManager) in a window under the display (Xvfb in CI) and drives it
 * through the controller and the tab's own API. Nothing of GL is mocked:
 * that a name is alive or gone is asserted with glIs* from a live context
 * of the display. Names freed in the share group can be handed out again to
 * GTK's renderer at its next frame, so the checks that follow a deletion
 * are made before the main loop runs again (after a tab's destruction:
 * right after the iteration that ran its controller's cleanup, which comes
 * ahead of GTK's frame). Without a display, or without
 * GL 3.3 (or GL ES 3.0), every test is skipped.
 *
 * The texture on the polygon is decoded from real PNG files, written at
 * the start, in a worker job of the same controller. To hold a decode in
 * the middle, a test has it read a FIFO: the job reads the bytes written so
 * far, then blocks until the test writes the rest or closes its end (which
 * it does from the ::cancelled handler of the job's cancellable, so a
 * cancelled job wakes up, sees the cancellation and returns).
 *
 * No sleeps: the tests iterate the main loop until a condition holds.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <epoxy/gl.h>
#include <glib/gstdio.h>
#include <gtk/gtk.h>

#include "test-common.h"

#include "demo-gl-controller.h"
#include "demo-gl-tab.h"

static gboolean have_display;
static char *images;   /* the folder of the test images */

/* The images: name, size. */
#define IMAGE_A        "first.png"
#define IMAGE_A_WIDTH  96
#define IMAGE_A_HEIGHT 64
#define IMAGE_B        "second.png"
#define IMAGE_B_WIDTH  80
#define IMAGE_B_HEIGHT 120
#define IMAGE_BROKEN   "broken.png"

/* Test images {{{ */

/* Bright (the centre of the drawn scene is told from the clear colour by
 * its red), with a gradient. */
static void
write_png (const char *dir,
           const char *name,
           int         width,
           int         height)
{
  g_autoptr(GdkPixbuf) pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, width, height);
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr(GError) error = NULL;
  guchar *pixels = gdk_pixbuf_get_pixels (pixbuf);
  int stride = gdk_pixbuf_get_rowstride (pixbuf);

  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      {
        guchar *p = pixels + y * stride + x * 3;

        p[0] = 200 + x * 55 / width;
        p[1] = y * 255 / height;
        p[2] = 120;
      }

  gdk_pixbuf_save (pixbuf, path, "png", &error, NULL);
  g_assert_no_error (error);
}

static char *
write_images (void)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp ("test-demo-gl-XXXXXX", &error);
  g_autofree char *broken = NULL;

  g_assert_no_error (error);
  write_png (dir, IMAGE_A, IMAGE_A_WIDTH, IMAGE_A_HEIGHT);
  write_png (dir, IMAGE_B, IMAGE_B_WIDTH, IMAGE_B_HEIGHT);
  broken = g_build_filename (dir, IMAGE_BROKEN, NULL);
  g_file_set_contents (broken, "this is not a PNG", -1, &error);
  g_assert_no_error (error);

  return dir;
}

static void
remove_images (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);

      g_unlink (path);
    }
  g_rmdir (dir);
}

/* }}} */

/* Waiting {{{ */

static void
iterate_pending (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static gboolean
weak_ref_cleared (gpointer data)
{
  GObject *object = g_weak_ref_get (data);
  gboolean cleared = object == NULL;

  g_clear_object (&object);
  return cleared;
}

static gboolean
area_ready (gpointer data)
{
  GtkGLArea *area = data;

  return gtk_widget_get_realized (GTK_WIDGET (area)) &&
         (gtk_gl_area_get_context (area) != NULL || gtk_gl_area_get_error (area) != NULL);
}

typedef struct
{
  DemoGLController *controller;
  guint             frames;
} FramesWait;

static gboolean
frames_done (gpointer data)
{
  FramesWait *w = data;

  return demo_gl_controller_get_frames_pending (w->controller) == 0 &&
         demo_gl_controller_get_frames_rendered (w->controller) >= w->frames;
}

static gboolean
frames_reached (gpointer data)
{
  FramesWait *w = data;

  return demo_gl_controller_get_frames_rendered (w->controller) >= w->frames;
}

/* Asks for @n frames and waits until they are drawn. */
static void
render_and_wait (DemoGLController *controller,
                 guint             n)
{
  FramesWait w = { controller, demo_gl_controller_get_frames_rendered (controller) + n };

  demo_gl_controller_render_frames (controller, n);
  wait_for (frames_done, &w, "frames to be rendered");
}

typedef struct
{
  DemoGLController *controller;
  guint             recreations;
} RecreationsWait;

static gboolean
recreated (gpointer data)
{
  RecreationsWait *w = data;

  return demo_gl_controller_get_recreations (w->controller) >= w->recreations;
}

static gboolean
decode_over (gpointer data)
{
  return demo_gl_controller_get_decode_worker (data) == NULL;
}

/* Loads the test image @name and waits until its decode is over and its
 * texture, @width wide, is shown. */
static void
load_and_wait (DemoGLController *controller,
               const char       *name,
               guint             width)
{
  g_autofree char *path = g_build_filename (images, name, NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);

  demo_gl_controller_load_image (controller, file);
  g_assert_nonnull (demo_gl_controller_get_decode_worker (controller));
  g_assert_true (demo_gl_controller_get_image (controller) == file);
  wait_for (decode_over, controller, "the image to be decoded");
  g_assert_cmpuint (demo_gl_controller_get_texture_width (controller), ==, width);
}

/* }}} */

/* GL checks {{{ */

static gboolean
is_alive (DemoGLObject object,
          guint        name)
{
  switch (object)
    {
    case DEMO_GL_OBJECT_PROGRAM:
      return glIsProgram (name);
    case DEMO_GL_OBJECT_VERTEX_BUFFER:
    case DEMO_GL_OBJECT_INDEX_BUFFER:
      return glIsBuffer (name);
    case DEMO_GL_OBJECT_TEXTURE:
      return glIsTexture (name);
    case DEMO_GL_OBJECT_RENDERBUFFER:
      return glIsRenderbuffer (name);
    case DEMO_GL_OBJECT_VERTEX_ARRAY:
      return glIsVertexArray (name);
    case DEMO_GL_OBJECT_FRAMEBUFFER:
      return glIsFramebuffer (name);
    default:
      g_assert_not_reached ();
    }
}

/* Whether @name is an object of its kind for @context. */
static gboolean
alive_in (GdkGLContext *context,
          DemoGLObject  object,
          guint         name)
{
  gboolean alive;

  gdk_gl_context_make_current (context);
  alive = name != 0 && is_alive (object, name);
  g_assert_cmphex (glGetError (), ==, GL_NO_ERROR);
  gdk_gl_context_clear_current ();

  return alive;
}

static const DemoGLObject shareable[] = {
  DEMO_GL_OBJECT_PROGRAM,
  DEMO_GL_OBJECT_VERTEX_BUFFER,
  DEMO_GL_OBJECT_INDEX_BUFFER,
  DEMO_GL_OBJECT_TEXTURE,
  DEMO_GL_OBJECT_RENDERBUFFER,
};

/* }}} */

/* Fixture: a window with a GL tab {{{ */

typedef struct
{
  ResmgrManager    *manager;
  GtkWidget        *window;
  DemoGLTab        *tab;          /* borrowed: the window's */
  DemoGLController *controller;   /* ours */
  GtkGLArea        *area;         /* borrowed: the tab's */
} Fixture;

static GtkWidget *
window_new (void)
{
  GtkWidget *window = gtk_window_new ();

  gtk_window_set_default_size (GTK_WINDOW (window), 200, 200);
  gtk_window_present (GTK_WINDOW (window));

  return window;
}

static gboolean
controller_ready (gpointer data)
{
  Fixture *f = data;

  return demo_gl_controller_get_ready (f->controller) || gtk_gl_area_get_error (f->area) != NULL;
}

/* Shows a GL tab, with the first test image as its texture if
 * @with_image; FALSE (and the test skipped) without GL 3.3. */
static gboolean
fixture_open_full (Fixture  *f,
                   gboolean  with_image)
{
  static gboolean reported;
  GdkGLContext *context;
  int major, minor;

  memset (f, 0, sizeof *f);
  if (!have_display)
    {
      g_test_skip ("No display (run under Xvfb)");
      return FALSE;
    }

  f->manager = resmgr_manager_new ();
  f->controller = g_object_new (DEMO_TYPE_GL_CONTROLLER,
                                "service", f->manager,
                                "animate", FALSE,
                                NULL);
  f->tab = g_object_new (DEMO_TYPE_GL_TAB, "controller", f->controller, NULL);
  g_assert_true (demo_gl_tab_get_controller (f->tab) == f->controller);
  f->area = demo_gl_tab_get_area (f->tab);
  f->window = window_new ();
  gtk_window_set_child (GTK_WINDOW (f->window), GTK_WIDGET (f->tab));
  wait_for (area_ready, f->area, "the GL area to realize");

  if (gtk_gl_area_get_error (f->area) != NULL)
    {
      g_test_skip_printf ("No GL context: %s", gtk_gl_area_get_error (f->area)->message);
      return FALSE;
    }

  context = gtk_gl_area_get_context (f->area);
  gdk_gl_context_get_version (context, &major, &minor);
  if (major * 10 + minor < (gdk_gl_context_get_use_es (context) ? 30 : 33))
    {
      g_test_skip_printf ("GL %s%d.%d: the GL view needs GL 3.3 or GL ES 3.0",
                          gdk_gl_context_get_use_es (context) ? "ES " : "", major, minor);
      return FALSE;
    }

  if (!reported)
    {
      /* Once: which GL the tests ran against. */
      gtk_gl_area_make_current (f->area);
      g_test_message ("%s, GL %s%d.%d: %s, %s", G_OBJECT_TYPE_NAME (context),
                      gdk_gl_context_get_use_es (context) ? "ES " : "",
                      major, minor, glGetString (GL_RENDERER), glGetString (GL_VERSION));
      gdk_gl_context_clear_current ();
      reported = TRUE;
    }

  wait_for (controller_ready, f, "the scene to be built");
  g_assert_true (demo_gl_controller_get_ready (f->controller));

  /* A texture on the polygon, decoded from a real file. */
  if (with_image)
    load_and_wait (f->controller, IMAGE_A, IMAGE_A_WIDTH);

  return TRUE;
}

static gboolean
fixture_open (Fixture *f)
{
  return fixture_open_full (f, TRUE);
}

static GdkGLContext *
area_context (Fixture *f)
{
  return gtk_gl_area_get_context (f->area);
}

static guint64
n_tracked (ResmgrManager *manager)
{
  g_autoptr(ResmgrStats) stats = resmgr_service_dup_stats (RESMGR_SERVICE (manager));
  guint64 n = resmgr_stats_get_n_resources (stats);

  /* Named, for the log of a failure. */
  if (n > 0)
    {
      g_auto(GStrv) ids = resmgr_service_dup_component_ids (RESMGR_SERVICE (manager));

      for (guint i = 0; ids != NULL && ids[i] != NULL; i++)
        {
          g_autoptr(GPtrArray) handles = resmgr_service_dup_handles (RESMGR_SERVICE (manager), ids[i]);

          for (guint j = 0; handles != NULL && j < handles->len; j++)
            g_test_message ("still tracked: %s “%s”", ids[i],
                            resmgr_handle_get_name (g_ptr_array_index (handles, j)));
        }
    }

  return n;
}

static guint64
n_gl_tracked (ResmgrManager *manager)
{
  g_autoptr(ResmgrStats) stats = resmgr_service_dup_stats (RESMGR_SERVICE (manager));

  return resmgr_stats_get_count (stats, RESMGR_RESOURCE_TYPE_GL_OBJECT);
}

/* Closes whatever is still open and checks that the controller went, and
 * that it left nothing tracked. */
static void
fixture_close (Fixture *f)
{
  GWeakRef controller_ref;

  if (f->manager == NULL)
    return;

  g_weak_ref_init (&controller_ref, f->controller);
  g_clear_object (&f->controller);
  if (f->window != NULL)
    gtk_window_destroy (GTK_WINDOW (f->window));
  f->window = NULL;
  iterate_pending ();
  wait_for (weak_ref_cleared, &controller_ref, "the controller to be finalized");
  g_weak_ref_clear (&controller_ref);

  g_assert_cmpuint (n_tracked (f->manager), ==, 0);
  g_clear_object (&f->manager);
}

/* }}} */

/* Tests {{{ */

static void
test_realize (void)
{
  Fixture f;
  GdkGLContext *context;
  g_autoptr(ResmgrStats) stats = NULL;

  g_test_summary ("At the area's realize the controller builds its scene; every object is "
                  "tracked by its GL coordinator, with sizes, and is a live GL object.");

  if (!fixture_open (&f))
    {
      fixture_close (&f);
      return;
    }

  context = area_context (&f);
  for (guint i = 0; i < DEMO_GL_N_OBJECTS; i++)
    {
      guint name = demo_gl_controller_get_gl_name (f.controller, i);

      g_assert_cmpuint (name, !=, 0);
      g_assert_true (alive_in (context, i, name));
    }

  g_assert_cmpuint (demo_gl_controller_get_n_gl_objects (f.controller), >=, DEMO_GL_N_OBJECTS);
  g_assert_cmpuint (demo_gl_controller_get_gl_bytes (f.controller), >=, IMAGE_A_WIDTH * IMAGE_A_HEIGHT * 4 + 256 * 256 * 4);

  /* What the properties say is what the service holds for the controller. */
  stats = resmgr_coordinator_dup_stats (resmgr_controller_get_resources (RESMGR_CONTROLLER (f.controller)));
  g_assert_cmpuint (resmgr_stats_get_count (stats, RESMGR_RESOURCE_TYPE_GL_OBJECT), ==,
                    demo_gl_controller_get_n_gl_objects (f.controller));
  g_assert_cmpuint (resmgr_stats_get_bytes (stats, RESMGR_RESOURCE_TYPE_GL_OBJECT), ==,
                    demo_gl_controller_get_gl_bytes (f.controller));
  g_assert_true (resmgr_controller_get_widget (RESMGR_CONTROLLER (f.controller)) == GTK_WIDGET (f.tab));

  fixture_close (&f);
}

static void
test_render_frames (void)
{
  Fixture f;
  guint before, pooled;

  g_test_summary ("render_frames (n) draws at least n more frames from the frame clock and "
                  "counts them; the per-frame buffer comes from the pool.");

  if (!fixture_open (&f))
    {
      fixture_close (&f);
      return;
    }

  before = demo_gl_controller_get_frames_rendered (f.controller);
  render_and_wait (f.controller, 5);
  g_assert_cmpuint (demo_gl_controller_get_frames_rendered (f.controller), >=, before + 5);
  g_assert_cmpuint (demo_gl_controller_get_frames_pending (f.controller), ==, 0);

  /* The scene's objects and the per-frame buffer kept idle in the pool. */
  pooled = demo_gl_controller_get_n_gl_objects (f.controller);
  g_assert_cmpuint (pooled, ==, DEMO_GL_N_OBJECTS + 1);

  /* Recycled: more frames make no more objects. */
  render_and_wait (f.controller, 5);
  g_assert_cmpuint (demo_gl_controller_get_n_gl_objects (f.controller), ==, pooled);

  fixture_close (&f);
}

static void
test_reallocate (void)
{
  Fixture f;
  GdkGLContext *context;
  guint old_vbo, old_ebo, old_tex, vbo, ebo, tex, program;

  g_test_summary ("reallocate makes new buffers and deletes the old ones at once: the old "
                  "names are gone for GL, the new ones are live and drawn; the image's "
                  "texture stays.");

  if (!fixture_open (&f))
    {
      fixture_close (&f);
      return;
    }
  render_and_wait (f.controller, 1);

  context = area_context (&f);
  program = demo_gl_controller_get_gl_name (f.controller, DEMO_GL_OBJECT_PROGRAM);
  old_vbo = demo_gl_controller_get_gl_name (f.controller, DEMO_GL_OBJECT_VERTEX_BUFFER);
  old_ebo = demo_gl_controller_get_gl_name (f.controller, DEMO_GL_OBJECT_INDEX_BUFFER);
  old_tex = demo_gl_controller_get_gl_name (f.controller, DEMO_GL_OBJECT_TEXTURE);

  demo_gl_controller_reallocate (f.controller);
  g_assert_cmpuint (demo_gl_controller_get_reallocations (f.controller), ==, 1);

  vbo = demo_gl_controller_get_gl_name (f.controller, DEMO_GL_OBJECT_VERTEX_BUFFER);
  ebo = demo_gl_controller_get_gl_name (f.controller, DEMO_GL_OBJECT_INDEX_BUFFER);
  tex = demo_gl_controller_get_gl_name (f.controller, DEMO_GL_OBJECT_TEXTURE);
  g_assert_cmpuint (vbo, !=, old_vbo);
  g_assert_cmpuint (ebo, !=, old_ebo);
  g_assert_cmpuint (tex, ==, old_tex);

  /* Before the main loop runs again (GTK could reuse a freed name). */
  g_assert_false (alive_in (context, DEMO_GL_OBJECT_VERTEX_BUFFER, old_vbo));
  g_assert_false (alive_in (context, DEMO_GL_OBJECT_INDEX_BUFFER, old_ebo));
  g_assert_true (alive_in (context, DEMO_GL_OBJECT_VERTEX_BUFFER, vbo));
  g_assert_true (alive_in (context, DEMO_GL_OBJECT_INDEX_BUFFER, ebo));
  g_assert_true (alive_in (context, DEMO_GL_OBJECT_TEXTURE, tex));
  g_assert_cmpuint (demo_gl_controller_get_gl_name (f.controller, DEMO_GL_OBJECT_PROGRAM), ==, program);
  g_assert_cmpuint (resmgr_gl_coordinator_get_n_pending (resmgr_controller_get_gl_coordinator (RESMGR_CONTROLLER (f.controller))), ==, 0);
  /* The scene and no pooled buffer (the pool was emptied). */
  g_assert_cmpuint (demo_gl_controller_get_n_gl_objects (f.controller), ==, DEMO_GL_N_OBJECTS);

  /* The vertex array follows the new buffers (a GL error would warn). */
  render_and_wait (f.controller, 2);

  /* Again and again: the objects do not pile up. */
  for (guint i = 0; i < 10; i++)
    {
      demo_gl_controller_reallocate (f.controller);
      render_and_wait (f.controller, 1);
      g_assert_cmpuint (demo_gl_controller_get_n_gl_objects (f.controller), ==, DEMO_GL_N_OBJECTS + 1);
    }
  g_assert_cmpuint (demo_gl_controller_get_reallocations (f.controller), ==, 11);
  g_assert_cmpuint (demo_gl_controller_get_gl_bytes (f.controller), <, 1024 * 1024);

  fixture_close (&f);
}

static guint64
n_timers (DemoGLController *controller)
{
  g_autoptr(ResmgrStats) stats = resmgr_coordinator_dup_stats (resmgr_controller_get_resources (RESMGR_CONTROLLER (controller)));

  return resmgr_stats_get_count (stats, RESMGR_RESOURCE_TYPE_TIMER);
}

static void
test_animate (void)
{
  Fixture f;
  FramesWait w;

  g_test_summary ("While animating, the frame clock drives frames through a tick tracked as "
                  "a timer; the tick goes when nothing is to be drawn.");

  if (!fixture_open (&f))
    {
      fixture_close (&f);
      return;
    }
  render_and_wait (f.controller, 1);
  g_assert_cmpuint (n_timers (f.controller), ==, 0);

  demo_gl_controller_set_animate (f.controller, TRUE);
  g_assert_cmpuint (n_timers (f.controller), ==, 1);
  w = (FramesWait) { f.controller, demo_gl_controller_get_frames_rendered (f.controller) + 5 };
  wait_for (frames_reached, &w, "animated frames");
  g_assert_cmpuint (n_timers (f.controller), ==, 1);

  demo_gl_controller_set_animate (f.controller, FALSE);
  g_assert_cmpuint (n_timers (f.controller), ==, 0);

  /* Left animating: the tick is cleaned up with the rest. */
  demo_gl_controller_set_animate (f.controller, TRUE);
  fixture_close (&f);
}

/* The centre of the offscreen image after a frame: the textured polygon,
 * not the clear colour. With @context current. */
static void
assert_scene_drawn (Fixture      *f,
                    GdkGLContext *context)
{
  guint fbo = demo_gl_controller_get_gl_name (f->controller, DEMO_GL_OBJECT_FRAMEBUFFER);
  guint8 pixel[4] = { 0, };
  GLint previous = 0;

  gdk_gl_context_make_current (context);
  glGetIntegerv (GL_READ_FRAMEBUFFER_BINDING, &previous);
  glBindFramebuffer (GL_READ_FRAMEBUFFER, fbo);
  glReadPixels (128, 128, 1, 1, GL_RGBA, GL_UNSIGNED_BYTE, pixel);
  glBindFramebuffer (GL_READ_FRAMEBUFFER, previous);
  g_assert_cmphex (glGetError (), ==, GL_NO_ERROR);
  gdk_gl_context_clear_current ();

  /* clear colour: (20, 23, 31) */
  g_assert_cmpuint (pixel[0], >, 60);
  g_assert_cmpuint (pixel[3], ==, 255);
}

/* notify::detached: what a bound label reads at that moment. */
static void
detached_notified_cb (DemoGLTab  *tab,
                      GParamSpec *pspec,
                      int        *seen)
{
  *seen = demo_gl_tab_get_detached (tab);
}

static void
test_move_window (void)
{
  int seen = -1;
  Fixture f;
  guint names[G_N_ELEMENTS (shareable)];
  GdkGLContext *first, *second;
  GtkWindow *detached;
  GWeakRef window_ref;
  RecreationsWait rw;

  g_test_summary ("Moving the area to a new window and back re-creates the vertex array and "
                  "the framebuffer in each new context (handles valid, objects usable); the "
                  "shareable objects keep their names; frames render after each move.");

  if (!fixture_open (&f))
    {
      fixture_close (&f);
      return;
    }
  render_and_wait (f.controller, 1);
  first = area_context (&f);
  assert_scene_drawn (&f, first);
  for (guint i = 0; i < G_N_ELEMENTS (shareable); i++)
    names[i] = demo_gl_controller_get_gl_name (f.controller, shareable[i]);
  g_assert_cmpuint (demo_gl_controller_get_recreations (f.controller), ==, 0);
  g_assert_false (demo_gl_tab_get_detached (f.tab));

  /* Out */
  g_signal_connect (f.tab, "notify::detached", G_CALLBACK (detached_notified_cb), &seen);
  demo_gl_tab_move_to_window (f.tab);
  g_assert_true (demo_gl_tab_get_detached (f.tab));
  g_assert_cmpint (seen, ==, TRUE);
  detached = demo_gl_tab_get_window (f.tab);
  g_assert_nonnull (detached);
  g_assert_true (gtk_widget_get_root (GTK_WIDGET (f.area)) == GTK_ROOT (detached));
  rw = (RecreationsWait) { f.controller, 1 };
  wait_for (recreated, &rw, "the container objects to be re-created");
  g_assert_cmpuint (demo_gl_controller_get_recreations (f.controller), ==, 1);

  second = area_context (&f);
  g_assert_true (second != first);
  for (guint i = 0; i < G_N_ELEMENTS (shareable); i++)
    {
      g_assert_cmpuint (demo_gl_controller_get_gl_name (f.controller, shareable[i]), ==, names[i]);
      g_assert_true (alive_in (second, shareable[i], names[i]));
    }
  g_assert_true (alive_in (second, DEMO_GL_OBJECT_VERTEX_ARRAY,
                           demo_gl_controller_get_gl_name (f.controller, DEMO_GL_OBJECT_VERTEX_ARRAY)));
  g_assert_true (alive_in (second, DEMO_GL_OBJECT_FRAMEBUFFER,
                           demo_gl_controller_get_gl_name (f.controller, DEMO_GL_OBJECT_FRAMEBUFFER)));
  render_and_wait (f.controller, 2);
  assert_scene_drawn (&f, second);

  /* And back: the window goes. */
  g_weak_ref_init (&window_ref, detached);
  demo_gl_tab_move_back (f.tab);
  g_assert_false (demo_gl_tab_get_detached (f.tab));
  g_assert_cmpint (seen, ==, FALSE);
  g_assert_null (demo_gl_tab_get_window (f.tab));
  g_assert_true (gtk_widget_get_root (GTK_WIDGET (f.area)) == GTK_ROOT (f.window));
  rw.recreations = 2;
  wait_for (recreated, &rw, "the container objects to be re-created again");
  wait_for (weak_ref_cleared, &window_ref, "the detached window to be finalized");
  g_weak_ref_clear (&window_ref);

  for (guint i = 0; i < G_N_ELEMENTS (shareable); i++)
    {
      g_assert_cmpuint (demo_gl_controller_get_gl_name (f.controller, shareable[i]), ==, names[i]);
      g_assert_true (alive_in (area_context (&f), shareable[i], names[i]));
    }
  render_and_wait (f.controller, 2);
  assert_scene_drawn (&f, area_context (&f));
  g_assert_cmpuint (demo_gl_controller_get_n_gl_objects (f.controller), ==, DEMO_GL_N_OBJECTS + 1);

  fixture_close (&f);
}

static void
test_close_detached (void)
{
  Fixture f;
  GWeakRef window_ref;
  RecreationsWait rw;

  g_test_summary ("Closing the detached window puts the area back into the tab, where it "
                  "draws again.");

  if (!fixture_open (&f))
    {
      fixture_close (&f);
      return;
    }

  demo_gl_tab_move_to_window (f.tab);
  rw = (RecreationsWait) { f.controller, 1 };
  wait_for (recreated, &rw, "the container objects to be re-created");

  g_weak_ref_init (&window_ref, demo_gl_tab_get_window (f.tab));
  gtk_window_close (demo_gl_tab_get_window (f.tab));
  g_assert_false (demo_gl_tab_get_detached (f.tab));
  g_assert_true (gtk_widget_get_root (GTK_WIDGET (f.area)) == GTK_ROOT (f.window));
  rw.recreations = 2;
  wait_for (recreated, &rw, "the container objects to be re-created again");
  wait_for (weak_ref_cleared, &window_ref, "the detached window to be finalized");
  g_weak_ref_clear (&window_ref);
  render_and_wait (f.controller, 1);
  assert_scene_drawn (&f, area_context (&f));

  fixture_close (&f);
}

static void
test_cleanup_explicit (void)
{
  Fixture f;
  g_autoptr(ResmgrCleanupReport) report = NULL;
  guint names[G_N_ELEMENTS (shareable)];
  RecreationsWait rw;
  FramesWait fw;
  GdkGLContext *context;

  g_test_summary ("An explicit cleanup while the area shows deletes everything at once; the "
                  "area still draws (empty), and a cleaned-up controller builds nothing "
                  "again, even when its area is realized again.");

  if (!fixture_open (&f))
    {
      fixture_close (&f);
      return;
    }
  render_and_wait (f.controller, 1);
  for (guint i = 0; i < G_N_ELEMENTS (shareable); i++)
    names[i] = demo_gl_controller_get_gl_name (f.controller, shareable[i]);

  report = resmgr_controller_cleanup (RESMGR_CONTROLLER (f.controller));
  g_assert_true (resmgr_cleanup_report_is_clean (report));
  g_assert_cmpuint (resmgr_cleanup_report_get_lost (report), ==, 0);
  g_assert_false (demo_gl_controller_get_ready (f.controller));
  g_assert_cmpuint (demo_gl_controller_get_n_gl_objects (f.controller), ==, 0);
  g_assert_cmpuint (demo_gl_controller_get_gl_name (f.controller, DEMO_GL_OBJECT_TEXTURE), ==, 0);
  context = area_context (&f);
  for (guint i = 0; i < G_N_ELEMENTS (shareable); i++)
    g_assert_false (alive_in (context, shareable[i], names[i]));
  g_assert_cmpuint (n_tracked (f.manager), ==, 0);

  /* Nothing more on request. */
  demo_gl_controller_render_frames (f.controller, 2);
  g_assert_cmpuint (demo_gl_controller_get_frames_pending (f.controller), ==, 0);
  demo_gl_controller_reallocate (f.controller);
  g_assert_cmpuint (demo_gl_controller_get_reallocations (f.controller), ==, 0);
  g_assert_cmpuint (n_tracked (f.manager), ==, 0);

  /* Realized again elsewhere: nothing is rebuilt, the area draws empty. */
  fw = (FramesWait) { f.controller, demo_gl_controller_get_frames_rendered (f.controller) + 1 };
  demo_gl_tab_move_to_window (f.tab);
  wait_for (area_ready, f.area, "the GL area to realize in its window");
  wait_for (frames_reached, &fw, "the detached area to draw");
  demo_gl_tab_move_back (f.tab);
  wait_for (area_ready, f.area, "the GL area to realize in the tab");
  rw = (RecreationsWait) { f.controller, 0 };
  g_assert_true (recreated (&rw));
  g_assert_cmpuint (demo_gl_controller_get_recreations (f.controller), ==, 0);
  g_assert_false (demo_gl_controller_get_ready (f.controller));
  g_assert_cmpuint (n_tracked (f.manager), ==, 0);

  fixture_close (&f);
}

static int
compare_priority (gconstpointer a,
                  gconstpointer b)
{
  const ResmgrHandle *ha = *(ResmgrHandle * const *) a;
  const ResmgrHandle *hb = *(ResmgrHandle * const *) b;

  return resmgr_handle_get_priority (hb) - resmgr_handle_get_priority (ha);
}

static void
test_released_behind (void)
{
  Fixture f;
  ResmgrCoordinator *coordinator;
  g_autoptr(GPtrArray) handles = NULL;
  g_autoptr(GError) error = NULL;

  g_test_summary ("Everything released behind the controller's back (as the application "
                  "shutdown's source and GL phases do, handle by handle): the frames that "
                  "follow draw nothing, make nothing and raise no GL error.");

  if (!fixture_open (&f))
    {
      fixture_close (&f);
      return;
    }
  demo_gl_controller_set_animate (f.controller, TRUE);
  render_and_wait (f.controller, 2);

  coordinator = resmgr_controller_get_resources (RESMGR_CONTROLLER (f.controller));
  handles = resmgr_coordinator_dup_handles (coordinator);
  g_assert_cmpuint (handles->len, >=, DEMO_GL_N_OBJECTS + 1);
  /* In the shutdown's order: higher priorities first. */
  g_ptr_array_sort (handles, compare_priority);
  for (guint i = 0; i < handles->len; i++)
    resmgr_coordinator_release (coordinator, resmgr_handle_get_id (g_ptr_array_index (handles, i)), NULL);
  g_assert_true (resmgr_gl_coordinator_flush (RESMGR_GL_COORDINATOR (coordinator), &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n_gl_tracked (f.manager), ==, 0);
  g_assert_cmpuint (n_timers (f.controller), ==, 0);

  /* Not ticking any more: frames only when asked. They draw with no GL
   * error (that would warn) and make no GL object. */
  render_and_wait (f.controller, 3);
  g_assert_cmpuint (n_gl_tracked (f.manager), ==, 0);
  demo_gl_controller_reallocate (f.controller);
  g_assert_cmpuint (n_gl_tracked (f.manager), ==, 0);

  fixture_close (&f);
}

typedef struct
{
  GWeakRef             area;
  guint                n_cleaned_up;
  gboolean             area_realized;
  ResmgrCleanupReport *report;
} CleanedUp;

static void
cleaned_up_cb (ResmgrController    *controller,
               ResmgrCleanupReport *report,
               CleanedUp           *c)
{
  g_autoptr(GtkGLArea) area = g_weak_ref_get (&c->area);

  c->n_cleaned_up++;
  /* At the tab's destruction, not at its unrealize: the area (inside the
   * tab, or in its own window) is unrealized or gone by then. */
  c->area_realized = area != NULL && gtk_widget_get_realized (GTK_WIDGET (area));
  c->report = resmgr_cleanup_report_ref (report);
}

static void
test_destroy_window (gconstpointer data)
{
  gboolean detached = GPOINTER_TO_INT (data);
  Fixture f;
  guint names[G_N_ELEMENTS (shareable)];
  CleanedUp c = { 0, };
  GtkWidget *checker, *checker_area;
  GdkGLContext *check_context;
  GWeakRef controller_ref, tab_ref, window_ref;

  g_test_summary ("Destroying the window cleans the controller up after the tab's "
                  "destruction, when the main loop next iterates, not inside it (nothing lost "
                  "or failed; the names are gone for a second area's context after that "
                  "iteration), then the tab, a detached window and the controller go.");

  if (!fixture_open (&f))
    {
      fixture_close (&f);
      return;
    }

  /* A second window, whose context checks the share group afterwards. */
  checker = window_new ();
  checker_area = gtk_gl_area_new ();
  gtk_gl_area_set_required_version (GTK_GL_AREA (checker_area), 3, 3);
  gtk_window_set_child (GTK_WINDOW (checker), checker_area);
  wait_for (area_ready, checker_area, "the checking GL area to realize");
  check_context = gtk_gl_area_get_context (GTK_GL_AREA (checker_area));
  g_assert_nonnull (check_context);

  g_weak_ref_init (&window_ref, NULL);
  if (detached)
    {
      RecreationsWait rw = { f.controller, 1 };

      demo_gl_tab_move_to_window (f.tab);
      wait_for (recreated, &rw, "the container objects to be re-created");
      g_weak_ref_set (&window_ref, demo_gl_tab_get_window (f.tab));
    }
  render_and_wait (f.controller, 2);

  for (guint i = 0; i < G_N_ELEMENTS (shareable); i++)
    {
      names[i] = demo_gl_controller_get_gl_name (f.controller, shareable[i]);
      g_assert_true (alive_in (check_context, shareable[i], names[i]));
    }

  g_weak_ref_init (&c.area, f.area);
  g_signal_connect (f.controller, "cleaned-up", G_CALLBACK (cleaned_up_cb), &c);
  g_weak_ref_init (&controller_ref, f.controller);
  g_weak_ref_init (&tab_ref, f.tab);
  g_clear_object (&f.controller);

  gtk_window_destroy (GTK_WINDOW (f.window));
  f.window = NULL;

  /* Not inside the tab's destruction: the names are still there. */
  g_assert_cmpuint (c.n_cleaned_up, ==, 0);
  for (guint i = 0; i < G_N_ELEMENTS (shareable); i++)
    g_assert_true (alive_in (check_context, shareable[i], names[i]));

  /* When the main loop next iterates, ahead of GTK's next frame: one
   * source at a time (GLib dispatches the most urgent ready ones in an
   * iteration), checked right after the one that cleaned. */
  for (guint i = 0; c.n_cleaned_up == 0 && i < 100; i++)
    g_main_context_iteration (NULL, FALSE);
  g_assert_cmpuint (c.n_cleaned_up, ==, 1);
  g_assert_false (c.area_realized);
  g_assert_nonnull (c.report);
  g_assert_true (resmgr_cleanup_report_is_clean (c.report));
  g_assert_cmpuint (resmgr_cleanup_report_get_failed (c.report), ==, 0);
  g_assert_cmpuint (resmgr_cleanup_report_get_lost (c.report), ==, 0);
  g_assert_cmpuint (resmgr_cleanup_report_get_released (c.report), >=, DEMO_GL_N_OBJECTS);

  /* Before the main loop runs again (GTK could reuse a freed name). */
  for (guint i = 0; i < G_N_ELEMENTS (shareable); i++)
    g_assert_false (alive_in (check_context, shareable[i], names[i]));

  iterate_pending ();
  wait_for (weak_ref_cleared, &tab_ref, "the tab to be finalized");
  wait_for (weak_ref_cleared, &controller_ref, "the controller to be finalized");
  wait_for (weak_ref_cleared, &window_ref, "the detached window to be finalized");
  g_weak_ref_clear (&tab_ref);
  g_weak_ref_clear (&controller_ref);
  g_weak_ref_clear (&window_ref);
  g_weak_ref_clear (&c.area);
  g_assert_cmpuint (c.n_cleaned_up, ==, 1);
  g_assert_cmpuint (n_tracked (f.manager), ==, 0);

  gtk_window_destroy (GTK_WINDOW (checker));
  iterate_pending ();
  resmgr_cleanup_report_unref (c.report);
  g_clear_object (&f.manager);
}

static void
test_tab_new (void)
{
  GtkWidget *tab;
  DemoGLController *controller;
  GWeakRef controller_ref;

  g_test_summary ("demo_gl_tab_new () makes its controller (default service) and binds it; "
                  "a tab that never showed cleans it up after its destruction, when the main "
                  "loop runs.");

  if (!have_display)
    {
      g_test_skip ("No display (run under Xvfb)");
      return;
    }

  tab = g_object_ref_sink (demo_gl_tab_new ());
  controller = demo_gl_tab_get_controller (DEMO_GL_TAB (tab));
  g_assert_true (DEMO_IS_GL_CONTROLLER (controller));
  g_assert_true (resmgr_controller_get_widget (RESMGR_CONTROLLER (controller)) == tab);
  g_assert_nonnull (resmgr_controller_get_gl_coordinator (RESMGR_CONTROLLER (controller)));
  g_assert_false (demo_gl_controller_get_ready (controller));
  g_assert_false (demo_gl_tab_get_detached (DEMO_GL_TAB (tab)));

  g_weak_ref_init (&controller_ref, controller);
  g_object_unref (tab);
  /* Kept for its cleanup, which runs when the main loop does. */
  g_assert_false (weak_ref_cleared (&controller_ref));
  g_assert_false (resmgr_controller_is_cleaned_up (RESMGR_CONTROLLER (controller)));
  iterate_pending ();
  g_assert_true (weak_ref_cleared (&controller_ref));
  g_weak_ref_clear (&controller_ref);
}

/* }}} */

/* Images decoded in the controller's worker jobs {{{ */

/* The handle of the controller's texture, from the service's list of its
 * component's handles. */
static ResmgrHandle *
find_texture_handle (DemoGLController *controller,
                     GPtrArray        *handles)
{
  ResmgrGLCoordinator *gl = resmgr_controller_get_gl_coordinator (RESMGR_CONTROLLER (controller));
  guint texture = demo_gl_controller_get_gl_name (controller, DEMO_GL_OBJECT_TEXTURE);

  for (guint i = 0; i < handles->len; i++)
    {
      ResmgrHandle *handle = g_ptr_array_index (handles, i);

      if (resmgr_handle_get_resource_type (handle) == RESMGR_RESOURCE_TYPE_GL_OBJECT &&
          resmgr_gl_coordinator_get_name (gl, resmgr_handle_get_id (handle)) == texture)
        return handle;
    }

  return NULL;
}

static guint
count_type (GPtrArray          *handles,
            ResmgrResourceType  type)
{
  guint n = 0;

  for (guint i = 0; i < handles->len; i++)
    if (resmgr_handle_get_resource_type (g_ptr_array_index (handles, i)) == type)
      n++;

  return n;
}

/* The texture's size as GL sees it (desktop GL: ES 3.0 cannot ask). */
static void
assert_texture_size (Fixture *f,
                     guint    width,
                     guint    height)
{
  GdkGLContext *context = area_context (f);
  guint texture = demo_gl_controller_get_gl_name (f->controller, DEMO_GL_OBJECT_TEXTURE);
  g_autoptr(GPtrArray) handles = NULL;
  ResmgrHandle *handle;
  GLint w = 0, h = 0;

  g_assert_cmpuint (demo_gl_controller_get_texture_width (f->controller), ==, width);
  g_assert_cmpuint (demo_gl_controller_get_texture_height (f->controller), ==, height);

  handles = resmgr_service_dup_handles (RESMGR_SERVICE (f->manager),
                                        resmgr_controller_get_id (RESMGR_CONTROLLER (f->controller)));
  handle = find_texture_handle (f->controller, handles);
  g_assert_nonnull (handle);
  g_assert_cmpuint (resmgr_handle_get_size (handle), ==, width * height * 4);

  if (gdk_gl_context_get_use_es (context))
    return;
  gdk_gl_context_make_current (context);
  glBindTexture (GL_TEXTURE_2D, texture);
  glGetTexLevelParameteriv (GL_TEXTURE_2D, 0, GL_TEXTURE_WIDTH, &w);
  glGetTexLevelParameteriv (GL_TEXTURE_2D, 0, GL_TEXTURE_HEIGHT, &h);
  glBindTexture (GL_TEXTURE_2D, 0);
  g_assert_cmphex (glGetError (), ==, GL_NO_ERROR);
  gdk_gl_context_clear_current ();
  g_assert_cmpint (w, ==, width);
  g_assert_cmpint (h, ==, height);
}

static void
test_image_none (void)
{
  Fixture f;
  g_autoptr(GPtrArray) handles = NULL;

  g_test_summary ("Before any image the scene has no texture and no job: frames draw the "
                  "polygon untextured, with no GL error.");

  if (!fixture_open_full (&f, FALSE))
    {
      fixture_close (&f);
      return;
    }

  render_and_wait (f.controller, 2);
  assert_scene_drawn (&f, area_context (&f));
  g_assert_cmpuint (demo_gl_controller_get_gl_name (f.controller, DEMO_GL_OBJECT_TEXTURE), ==, 0);
  g_assert_cmpuint (demo_gl_controller_get_texture_width (f.controller), ==, 0);
  g_assert_null (demo_gl_controller_get_image (f.controller));
  handles = resmgr_service_dup_handles (RESMGR_SERVICE (f.manager),
                                        resmgr_controller_get_id (RESMGR_CONTROLLER (f.controller)));
  g_assert_cmpuint (count_type (handles, RESMGR_RESOURCE_TYPE_WORKER), ==, 0);
  g_assert_cmpuint (count_type (handles, RESMGR_RESOURCE_TYPE_GL_OBJECT), ==, DEMO_GL_N_OBJECTS);

  fixture_close (&f);
}

static void
test_image_before_realize (void)
{
  g_autoptr(ResmgrManager) manager = resmgr_manager_new ();
  g_autoptr(DemoGLController) controller = NULL;
  g_autofree char *path = g_build_filename (images, IMAGE_A, NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  GtkWidget *window, *tab;
  GWeakRef controller_ref;

  g_test_summary ("An image decoded before the area is realized waits, and is uploaded when "
                  "the scene is built.");

  if (!have_display)
    {
      g_test_skip ("No display (run under Xvfb)");
      return;
    }

  controller = g_object_new (DEMO_TYPE_GL_CONTROLLER, "service", manager, "animate", FALSE, NULL);
  tab = g_object_new (DEMO_TYPE_GL_TAB, "controller", controller, NULL);
  demo_gl_controller_load_image (controller, file);
  wait_for (decode_over, controller, "the image to be decoded");
  g_assert_false (demo_gl_controller_get_ready (controller));
  g_assert_cmpuint (demo_gl_controller_get_texture_width (controller), ==, 0);
  g_assert_cmpuint (n_gl_tracked (manager), ==, 0);

  window = window_new ();
  gtk_window_set_child (GTK_WINDOW (window), tab);
  wait_for (area_ready, demo_gl_tab_get_area (DEMO_GL_TAB (tab)), "the GL area to realize");
  if (!demo_gl_controller_get_ready (controller))
    g_test_skip ("No GL 3.3 scene");
  else
    {
      g_assert_cmpuint (demo_gl_controller_get_texture_width (controller), ==, IMAGE_A_WIDTH);
      g_assert_cmpuint (demo_gl_controller_get_texture_height (controller), ==, IMAGE_A_HEIGHT);
      g_assert_cmpuint (demo_gl_controller_get_gl_name (controller, DEMO_GL_OBJECT_TEXTURE), !=, 0);
    }

  g_weak_ref_init (&controller_ref, controller);
  g_clear_object (&controller);
  gtk_window_destroy (GTK_WINDOW (window));
  iterate_pending ();
  wait_for (weak_ref_cleared, &controller_ref, "the controller to be finalized");
  g_weak_ref_clear (&controller_ref);
  g_assert_cmpuint (n_tracked (manager), ==, 0);
}

static void
test_image_texture (void)
{
  Fixture f;
  g_autoptr(GPtrArray) handles = NULL;
  g_autofree char *status = NULL;
  guint first, n_objects;

  g_test_summary ("An image file is decoded in a worker job of the controller and uploaded "
                  "as a texture of the decoded image's size; a second image replaces it; a "
                  "file that does not decode leaves the texture and says why.");

  if (!fixture_open (&f))
    {
      fixture_close (&f);
      return;
    }

  /* The fixture loaded the first image. */
  assert_texture_size (&f, IMAGE_A_WIDTH, IMAGE_A_HEIGHT);
  first = demo_gl_controller_get_gl_name (f.controller, DEMO_GL_OBJECT_TEXTURE);
  g_assert_true (alive_in (area_context (&f), DEMO_GL_OBJECT_TEXTURE, first));
  render_and_wait (f.controller, 1);
  assert_scene_drawn (&f, area_context (&f));
  n_objects = demo_gl_controller_get_n_gl_objects (f.controller);

  /* The job is over: its worker went from the component. */
  handles = resmgr_service_dup_handles (RESMGR_SERVICE (f.manager),
                                        resmgr_controller_get_id (RESMGR_CONTROLLER (f.controller)));
  g_assert_cmpuint (count_type (handles, RESMGR_RESOURCE_TYPE_WORKER), ==, 0);
  g_assert_false (resmgr_controller_get_busy (RESMGR_CONTROLLER (f.controller)));

  /* Another image: another texture, the first one released. */
  load_and_wait (f.controller, IMAGE_B, IMAGE_B_WIDTH);
  assert_texture_size (&f, IMAGE_B_WIDTH, IMAGE_B_HEIGHT);
  g_assert_cmpuint (demo_gl_controller_get_n_gl_objects (f.controller), ==, n_objects);
  render_and_wait (f.controller, 1);

  /* Not an image: an error in the status, the texture stays. */
  load_and_wait (f.controller, IMAGE_BROKEN, IMAGE_B_WIDTH);
  assert_texture_size (&f, IMAGE_B_WIDTH, IMAGE_B_HEIGHT);
  status = resmgr_controller_dup_status (RESMGR_CONTROLLER (f.controller));
  g_assert_nonnull (strstr (status, IMAGE_BROKEN));

  fixture_close (&f);
}

/* Decoding from a FIFO: the test holds the writing end. */
typedef struct
{
  char  *path;
  GFile *file;
  int    fd;
} Fifo;

static void
fifo_open (Fifo *fifo)
{
  fifo->path = g_build_filename (images, "held.png", NULL);
  g_unlink (fifo->path);
  g_assert_cmpint (mkfifo (fifo->path, 0600), ==, 0);
  /* Read-write: never blocks, and the job's open for reading does not
   * block either. */
  fifo->fd = open (fifo->path, O_RDWR | O_CLOEXEC);
  g_assert_cmpint (fifo->fd, >=, 0);
  fifo->file = g_file_new_for_path (fifo->path);
}

static void
fifo_write (Fifo       *fifo,
            const char *data,
            gsize       size)
{
  while (size > 0)
    {
      gssize n = write (fifo->fd, data, size);

      if (n < 0 && errno == EINTR)
        continue;
      g_assert_cmpint (n, >, 0);
      data += n;
      size -= n;
    }
}

/* The end of the data: the job reads what is left, then end of file. */
static void
fifo_close_writer (Fifo *fifo)
{
  if (fifo->fd >= 0)
    close (fifo->fd);
  fifo->fd = -1;
}

static void
fifo_clear (Fifo *fifo)
{
  fifo_close_writer (fifo);
  g_unlink (fifo->path);
  g_clear_pointer (&fifo->path, g_free);
  g_clear_object (&fifo->file);
}

/* ::cancelled of the job's cancellable, on the cancelling thread: the job
 * is blocked in a read, this wakes it up (it sees the cancellation). */
static void
wake_job_cb (GCancellable *cancellable,
             Fifo         *fifo)
{
  fifo_close_writer (fifo);
}

static gboolean
worker_has_read (gpointer data)
{
  g_autofree char *message = resmgr_worker_dup_message (data);

  return message != NULL;
}

/* Starts decoding image B through @fifo and waits until the job has read
 * its first bytes and waits for more: the decode is in the middle. */
static ResmgrWorker *
start_held_decode (Fixture *f,
                   Fifo    *fifo,
                   char   **contents,
                   gsize   *length)
{
  g_autofree char *path = g_build_filename (images, IMAGE_B, NULL);
  g_autoptr(GError) error = NULL;
  ResmgrWorker *worker;

  g_file_get_contents (path, contents, length, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (*length, >, 64);

  fifo_open (fifo);
  demo_gl_controller_load_image (f->controller, fifo->file);
  worker = g_object_ref (demo_gl_controller_get_decode_worker (f->controller));
  fifo_write (fifo, *contents, 64);
  wait_for (worker_has_read, worker, "the job to read the first bytes");
  g_assert_cmpint (resmgr_worker_get_state (worker), ==, RESMGR_WORKER_STATE_RUNNING);
  g_assert_true (resmgr_controller_get_busy (RESMGR_CONTROLLER (f->controller)));

  return worker;
}

static void
test_image_one_component (void)
{
  Fixture f;
  Fifo fifo = { NULL, NULL, -1 };
  g_autoptr(ResmgrWorker) worker = NULL;
  g_autoptr(GPtrArray) handles = NULL;
  g_autofree char *contents = NULL;
  ResmgrController *controller;
  ResmgrHandle *texture = NULL;
  const char *id;
  gsize length = 0;
  guint n_workers = 0;

  g_test_summary ("One component owns the controller's decoding job and its GL texture: the "
                  "service lists both under the controller's id while the job runs; the job "
                  "ends with a texture of the image's size.");

  if (!fixture_open (&f))
    {
      fixture_close (&f);
      return;
    }
  controller = RESMGR_CONTROLLER (f.controller);
  id = resmgr_controller_get_id (controller);

  worker = start_held_decode (&f, &fifo, &contents, &length);

  /* Both coordinators are facets of the one registration. */
  g_assert_cmpstr (resmgr_coordinator_get_component_id (RESMGR_COORDINATOR (resmgr_controller_get_worker_coordinator (controller))), ==, id);
  g_assert_cmpstr (resmgr_coordinator_get_component_id (RESMGR_COORDINATOR (resmgr_controller_get_gl_coordinator (controller))), ==, id);

  handles = resmgr_service_dup_handles (RESMGR_SERVICE (f.manager), id);
  g_assert_nonnull (handles);
  for (guint i = 0; i < handles->len; i++)
    {
      ResmgrHandle *handle = g_ptr_array_index (handles, i);

      g_assert_cmpstr (resmgr_handle_get_component_id (handle), ==, id);
      if (resmgr_handle_get_resource_type (handle) == RESMGR_RESOURCE_TYPE_WORKER)
        {
          g_assert_cmpstr (resmgr_handle_get_name (handle), ==, resmgr_worker_get_name (worker));
          n_workers++;
        }
    }
  g_assert_cmpuint (n_workers, ==, 1);
  texture = find_texture_handle (f.controller, handles);
  g_assert_nonnull (texture);
  g_assert_cmpuint (resmgr_handle_get_size (texture), ==, IMAGE_A_WIDTH * IMAGE_A_HEIGHT * 4);
  g_assert_cmpuint (count_type (handles, RESMGR_RESOURCE_TYPE_GL_OBJECT), >=, DEMO_GL_N_OBJECTS);

  /* The rest of the image: the job finishes, the texture follows. */
  fifo_write (&fifo, contents + 64, length - 64);
  fifo_close_writer (&fifo);
  wait_for (decode_over, f.controller, "the held image to be decoded");
  g_assert_cmpint (resmgr_worker_get_state (worker), ==, RESMGR_WORKER_STATE_FINISHED);
  assert_texture_size (&f, IMAGE_B_WIDTH, IMAGE_B_HEIGHT);

  fifo_clear (&fifo);
  fixture_close (&f);
}

static void
test_image_close_while_decoding (gconstpointer data)
{
  gboolean shutdown = GPOINTER_TO_INT (data);
  Fixture f;
  Fifo fifo = { NULL, NULL, -1 };
  g_autoptr(ResmgrWorker) worker = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  gsize length = 0;
  guint texture;
  GdkGLContext *context;

  g_test_summary (shutdown
                  ? "A service shutdown while a decode runs cancels the job (it ends "
                    "CANCELLED), uploads nothing and leaves no GL object."
                  : "Closing the tab while a decode runs cancels the job in the controller's "
                    "cleanup (it ends CANCELLED), uploads nothing into the cleaned controller "
                    "and leaves no GL object.");

  if (!fixture_open (&f))
    {
      fixture_close (&f);
      return;
    }
  texture = demo_gl_controller_get_gl_name (f.controller, DEMO_GL_OBJECT_TEXTURE);
  context = g_object_ref (area_context (&f));

  worker = start_held_decode (&f, &fifo, &contents, &length);
  g_signal_connect (resmgr_worker_get_cancellable (worker), "cancelled", G_CALLBACK (wake_job_cb), &fifo);

  if (shutdown)
    {
      g_autoptr(ResmgrCleanupReport) report = resmgr_service_shutdown (RESMGR_SERVICE (f.manager), 10000, &error);

      g_assert_no_error (error);
      g_assert_true (resmgr_cleanup_report_is_clean (report));
    }
  else
    {
      g_autoptr(ResmgrCleanupReport) report = NULL;

      /* The window goes: the tab's destruction has the controller
       * cleaned up at the main loop's next iteration. */
      gtk_window_destroy (GTK_WINDOW (f.window));
      f.window = NULL;
      g_assert_false (resmgr_controller_is_cleaned_up (RESMGR_CONTROLLER (f.controller)));
      for (guint i = 0; !resmgr_controller_is_cleaned_up (RESMGR_CONTROLLER (f.controller)) && i < 100; i++)
        g_main_context_iteration (NULL, FALSE);
      g_assert_true (resmgr_controller_is_cleaned_up (RESMGR_CONTROLLER (f.controller)));
      report = resmgr_controller_dup_report (RESMGR_CONTROLLER (f.controller));
      g_assert_true (resmgr_cleanup_report_is_clean (report));
    }

  /* The job saw the cancellation when its read woke up. */
  g_assert_cmpint (fifo.fd, ==, -1);
  g_assert_cmpint (resmgr_worker_get_state (worker), ==, RESMGR_WORKER_STATE_CANCELLED);
  /* Before the main loop runs again: the texture is deleted, nothing new. */
  g_assert_false (alive_in (context, DEMO_GL_OBJECT_TEXTURE, texture));
  g_assert_cmpuint (n_gl_tracked (f.manager), ==, 0);

  /* Whatever the job's outcome does when it arrives, it uploads nothing. */
  iterate_pending ();
  g_assert_null (demo_gl_controller_get_decode_worker (f.controller));
  g_assert_cmpuint (demo_gl_controller_get_gl_name (f.controller, DEMO_GL_OBJECT_TEXTURE), ==, 0);
  g_assert_cmpuint (demo_gl_controller_get_texture_width (f.controller), ==, 0);
  g_assert_cmpuint (n_gl_tracked (f.manager), ==, 0);
  g_assert_cmpuint (n_tracked (f.manager), ==, 0);

  g_object_unref (context);
  fifo_clear (&fifo);
  fixture_close (&f);
}

/* }}} */

int
main (int   argc,
      char *argv[])
{
  int status;

  /* No accessibility bus in CI; GTK would warn. */
  g_setenv ("GTK_A11Y", "none", FALSE);

  g_test_init (&argc, &argv, NULL);
  have_display = gtk_init_check ();
  images = write_images ();

  g_test_add_func ("/Demo/GL/tab-new", test_tab_new);
  g_test_add_func ("/Demo/GL/realize", test_realize);
  g_test_add_func ("/Demo/GL/render-frames", test_render_frames);
  g_test_add_func ("/Demo/GL/reallocate", test_reallocate);
  g_test_add_func ("/Demo/GL/animate", test_animate);
  g_test_add_func ("/Demo/GL/move/to-window-and-back", test_move_window);
  g_test_add_func ("/Demo/GL/move/close-detached", test_close_detached);
  g_test_add_func ("/Demo/GL/cleanup/explicit", test_cleanup_explicit);
  g_test_add_func ("/Demo/GL/cleanup/released-behind", test_released_behind);
  g_test_add_data_func ("/Demo/GL/destroy/attached", GINT_TO_POINTER (FALSE), test_destroy_window);
  g_test_add_data_func ("/Demo/GL/destroy/detached", GINT_TO_POINTER (TRUE), test_destroy_window);
  g_test_add_func ("/Demo/GL/image/none", test_image_none);
  g_test_add_func ("/Demo/GL/image/texture", test_image_texture);
  g_test_add_func ("/Demo/GL/image/before-realize", test_image_before_realize);
  g_test_add_func ("/Demo/GL/image/one-component", test_image_one_component);
  g_test_add_data_func ("/Demo/GL/image/close-while-decoding", GINT_TO_POINTER (FALSE),
                        test_image_close_while_decoding);
  g_test_add_data_func ("/Demo/GL/image/shutdown-while-decoding", GINT_TO_POINTER (TRUE),
                        test_image_close_while_decoding);

  status = g_test_run ();

  remove_images (images);
  g_free (images);

  return status;
}
