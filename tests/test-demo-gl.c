/* test-demo-gl.c: the demo's GL view tab and its controller, with real GL
 *
 * Each test shows a DemoGLTab (its controller tracking through a private
 * ResmgrManager) in a window under the display (Xvfb in CI) and drives it
 * through the controller and the tab's own API. Nothing of GL is mocked:
 * that a name is alive or gone is asserted with glIs* from a live context
 * of the display. Names freed in the share group can be handed out again to
 * GTK's renderer at its next frame, so the checks that follow a deletion
 * are made before the main loop runs again. Without a display, or without
 * GL 3.3 (or GL ES 3.0), every test is skipped.
 *
 * No sleeps: the tests iterate the main loop until a condition holds.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <epoxy/gl.h>
#include <gtk/gtk.h>

#include "demo-gl-controller.h"
#include "demo-gl-tab.h"

static gboolean have_display;

/* Waiting {{{ */

typedef gboolean (*Condition) (gpointer data);

static gboolean
wake_cb (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

/* Iterates the default context until @cond holds. The periodic source only
 * lets the guard against a hang be checked: nothing waits on it. */
static void
wait_for (Condition   cond,
          gpointer    data,
          const char *what)
{
  gint64 deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
  guint id = g_timeout_add (100, wake_cb, NULL);

  while (!cond (data))
    {
      g_main_context_iteration (NULL, TRUE);
      if (g_get_monotonic_time () > deadline)
        g_error ("Timed out waiting for %s", what);
    }
  g_source_remove (id);
}

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

  g_clear_object (&object);
  return object == NULL;
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

/* Shows a GL tab; FALSE (and the test skipped) without GL 3.3. */
static gboolean
fixture_open (Fixture *f)
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

  return TRUE;
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
  g_assert_cmpuint (demo_gl_controller_get_gl_bytes (f.controller), >=, 128 * 128 * 4 + 256 * 256 * 4);

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

  g_test_summary ("reallocate makes new buffers and a new texture, and deletes the old ones "
                  "at once: the old names are gone for GL, the new ones are live and drawn.");

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
  g_assert_cmpuint (tex, !=, old_tex);

  /* Before the main loop runs again (GTK could reuse a freed name). */
  g_assert_false (alive_in (context, DEMO_GL_OBJECT_VERTEX_BUFFER, old_vbo));
  g_assert_false (alive_in (context, DEMO_GL_OBJECT_INDEX_BUFFER, old_ebo));
  g_assert_false (alive_in (context, DEMO_GL_OBJECT_TEXTURE, old_tex));
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

static void
test_move_window (void)
{
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
  demo_gl_tab_move_to_window (f.tab);
  g_assert_true (demo_gl_tab_get_detached (f.tab));
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
    resmgr_coordinator_release (coordinator, g_ptr_array_index (handles, i), NULL);
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

  g_test_summary ("Destroying the window cleans the controller up at the tab's destruction "
                  "(nothing lost or failed; the names are gone for a second area's context), "
                  "then the tab, a detached window and the controller go.");

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

  g_assert_cmpuint (c.n_cleaned_up, ==, 1);
  g_assert_false (c.area_realized);
  g_assert_nonnull (c.report);
  g_assert_true (resmgr_cleanup_report_is_clean (c.report));
  g_assert_cmpuint (resmgr_cleanup_report_get_failed (c.report), ==, 0);
  g_assert_cmpuint (resmgr_cleanup_report_get_lost (c.report), ==, 0);
  g_assert_cmpuint (resmgr_cleanup_report_get_released (c.report), >=, DEMO_GL_N_OBJECTS);

  /* Before the main loop runs again. */
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
                  "a tab that never showed cleans it up at its destruction.");

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
  g_assert_true (weak_ref_cleared (&controller_ref));
  g_weak_ref_clear (&controller_ref);
}

/* }}} */

int
main (int   argc,
      char *argv[])
{
  /* No accessibility bus in CI; GTK would warn. */
  g_setenv ("GTK_A11Y", "none", FALSE);

  g_test_init (&argc, &argv, NULL);
  have_display = gtk_init_check ();

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

  return g_test_run ();
}
