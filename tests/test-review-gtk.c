/* test-review-gtk.c: failing tests for bugs found in review of the GTK/GL
 * layers (controllers/, coordinators/resmgr-gl-*.c)
 *
 * Interleavings are forced with handshakes. A test whose failure mode is a
 * deadlock runs its body in a subprocess with a time limit, so the bug shows
 * as a failed test instead of a hung suite. GTK/GL tests skip without a
 * display (run under `xvfb-run -a`).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <epoxy/gl.h>
#include <gtk/gtk.h>

#include "test-common-gtk.h"

static gboolean have_display;

/* A time limit for subprocess bodies; generous for ASan. */
#define SUBPROCESS_TIMEOUT_US (20 * G_USEC_PER_SEC)

#define TEST_TYPE_REVIEW_CONTROLLER (test_review_controller_get_type ())
G_DECLARE_FINAL_TYPE (TestReviewController, test_review_controller, TEST, REVIEW_CONTROLLER, ResmgrController)
struct _TestReviewController { ResmgrController parent_instance; };
G_DEFINE_FINAL_TYPE (TestReviewController, test_review_controller, RESMGR_TYPE_CONTROLLER)
static void test_review_controller_class_init (TestReviewControllerClass *klass) { }
static void test_review_controller_init (TestReviewController *self) { }

/* Controller: cleanup on a thread vs. the tab's destroy {{{ */

static gpointer
cleanup_thread (gpointer data)
{
  ResmgrController *controller = data;
  ResmgrCleanupReport *report = resmgr_controller_cleanup (controller);

  resmgr_cleanup_report_unref (report);
  g_object_unref (controller);

  return NULL;
}

static void
controller_destroy_during_thread_cleanup_body (void)
{
  g_autoptr(ResmgrManager) manager = NULL;
  g_autoptr(GMainContext) owner = g_main_context_new ();
  g_autoptr(GError) error = NULL;
  ResmgrController *controller;
  guint64 handle = 0;
  GtkWidget *tab;
  GThread *thread;

  /* The owner context, held by this (the GTK) thread as g_application_run()
   * holds the default one. */
  g_main_context_push_thread_default (owner);
  g_assert_true (g_main_context_acquire (owner));

  manager = resmgr_manager_new ();
  controller = g_object_new (TEST_TYPE_REVIEW_CONTROLLER, "service", manager, NULL);
  handle = resmgr_coordinator_track_data (resmgr_controller_get_resources (controller),
                                          RESMGR_RESOURCE_TYPE_MEMORY, "buffer", 16,
                                          RESMGR_PRIORITY_DEFAULT, g_strdup ("x"), g_free, &error);
  g_assert_cmpuint (handle, !=, 0);
  g_assert_no_error (error);

  tab = g_object_ref_sink (gtk_label_new ("tab"));
  resmgr_controller_bind_widget (controller, tab);

  /* Nothing queued on the owner context before the thread starts: the
   * handshake below then sees the thread's dispatch and nothing else. */
  while (g_main_context_iteration (owner, FALSE))
    ;
  g_assert_false (g_main_context_pending (owner));

  /* A thread cleans the controller: "cleanup may be called from any thread;
   * it is dispatched to the owner context and waits". */
  thread = g_thread_new ("cleanup", cleanup_thread, g_object_ref (controller));

  /* Handshake: the thread's request reached the owner context, so the
   * thread is inside resmgr_controller_cleanup(), waiting for us. */
  while (!g_main_context_pending (owner))
    g_thread_yield ();

  /* Meanwhile the tab goes. Its ::destroy handler used to call
   * resmgr_controller_cleanup() on the owner thread, which waited on the
   * controller's GCond for the thread, which waited for the owner context:
   * deadlock. Now ::destroy neither cleans nor waits: it schedules the
   * cleanup on the owner context, and the owner's next iteration cleans,
   * once, which wakes the thread. */
  g_object_run_dispose (G_OBJECT (tab));
  g_assert_false (resmgr_controller_is_cleaned_up (controller));
  while (g_main_context_iteration (owner, FALSE))
    ;
  g_assert_true (resmgr_controller_is_cleaned_up (controller));

  g_thread_join (thread);
  while (g_main_context_iteration (owner, FALSE))
    ;

  g_assert_true (resmgr_controller_is_cleaned_up (controller));
  g_object_unref (controller);
  g_object_unref (tab);
  while (g_main_context_iteration (owner, FALSE))
    ;
  g_main_context_release (owner);
  g_main_context_pop_thread_default (owner);
}

static void
test_controller_destroy_during_thread_cleanup (void)
{
  g_test_summary ("A bound controller is cleaned from a worker thread while its tab is "
                  "destroyed on the owner thread: the tab's destroy must not block the owner "
                  "context the thread's cleanup is dispatched to (controller.c run_cleanup "
                  "waited on its GCond on the owner thread: deadlock); the destroy only "
                  "schedules the cleanup, the owner's next iteration runs it once and the "
                  "thread returns");

  if (!have_display)
    {
      g_test_skip ("no display (run under Xvfb)");
      return;
    }

  if (g_test_subprocess ())
    {
      controller_destroy_during_thread_cleanup_body ();
      return;
    }

  g_test_trap_subprocess (NULL, SUBPROCESS_TIMEOUT_US, G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed ();
}

/* }}} */

/* GL coordinator: an unbalanced end_frame() leaves the mutex locked {{{ */

static void
gl_end_frame_unbalanced_body (void)
{
  g_autoptr(ResmgrManager) manager = resmgr_manager_new ();
  g_autoptr(ResmgrGLCoordinator) coord = resmgr_gl_coordinator_new (RESMGR_SERVICE (manager));

  g_test_expect_message ("ResmgrGtk", G_LOG_LEVEL_CRITICAL, "*frame_depth > 0*");
  resmgr_gl_coordinator_end_frame (coord);
  g_test_assert_expected_messages ();

  /* The g_return_if_fail() returned with priv->mutex held: any later call
   * that locks it deadlocks. */
  g_assert_cmpuint (resmgr_gl_coordinator_get_n_pending (coord), ==, 0);
  g_assert_false (resmgr_gl_coordinator_is_in_frame (coord));
}

static void
test_gl_end_frame_unbalanced (void)
{
  g_test_summary ("resmgr_gl_coordinator_end_frame() without begin_frame() is a programming "
                  "error reported with a critical; it must not leave the coordinator's mutex "
                  "locked (gl-coordinator.c end_frame: g_return_if_fail under the lock)");

  if (g_test_subprocess ())
    {
      gl_end_frame_unbalanced_body ();
      return;
    }

  g_test_trap_subprocess (NULL, SUBPROCESS_TIMEOUT_US, G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed ();
}

/* }}} */

/* GL coordinator: re-creation goes to the realizing area only {{{ */

static gboolean
area_ready (gpointer data)
{
  GtkGLArea *area = data;

  return gtk_widget_get_realized (GTK_WIDGET (area)) &&
         (gtk_gl_area_get_context (area) != NULL || gtk_gl_area_get_error (area) != NULL);
}

typedef struct
{
  GtkGLArea    *a, *b;
  GdkGLContext *old_a, *old_b;   /* compared only, not dereferenced */
} TwoAreas;

static gboolean
both_moved (gpointer data)
{
  TwoAreas *t = data;

  return area_ready (t->a) && area_ready (t->b) &&
         gtk_gl_area_get_context (t->a) != t->old_a &&
         gtk_gl_area_get_context (t->b) != t->old_b;
}

static guint
create_vao (GdkGLContext  *context,
            gpointer       user_data,
            GError       **error)
{
  guint vao = 0;

  g_assert_true (gdk_gl_context_get_current () == context);
  glGenVertexArrays (1, &vao);
  glBindVertexArray (vao);
  glBindVertexArray (0);

  return vao;
}

static void
test_gl_recreate_per_area (void)
{
  g_autoptr(ResmgrManager) manager = NULL;
  g_autoptr(ResmgrGLCoordinator) coord = NULL;
  guint64 ha, hb;
  g_autoptr(ResmgrCleanupReport) report = NULL;
  g_autoptr(GError) error = NULL;
  TestComponent *comp;
  GtkWidget *w1, *w2, *box, *a, *b;
  TwoAreas t = { 0 };

  g_test_summary ("Two attached GL areas move together to another window: each area's "
                  "re-creatable vertex array must be rebuilt in that area's new context, not "
                  "all of them in the context of whichever area realizes first "
                  "(gl-coordinator.c on_area_realize)");

  if (!have_display)
    {
      g_test_skip ("no display (run under Xvfb)");
      return;
    }

  w1 = gtk_window_new ();
  gtk_window_set_default_size (GTK_WINDOW (w1), 64, 64);
  box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);
  a = gtk_gl_area_new ();
  b = gtk_gl_area_new ();
  gtk_widget_set_size_request (a, 16, 16);
  gtk_widget_set_size_request (b, 16, 16);
  gtk_box_append (GTK_BOX (box), a);
  gtk_box_append (GTK_BOX (box), b);
  gtk_window_set_child (GTK_WINDOW (w1), box);
  gtk_window_present (GTK_WINDOW (w1));
  wait_for (area_ready, a, "area A");
  wait_for (area_ready, b, "area B");
  if (gtk_gl_area_get_error (GTK_GL_AREA (a)) != NULL)
    {
      g_test_skip_printf ("No GL: %s", gtk_gl_area_get_error (GTK_GL_AREA (a))->message);
      gtk_window_destroy (GTK_WINDOW (w1));
      return;
    }

  manager = resmgr_manager_new ();
  comp = test_component_new (NULL);
  coord = resmgr_gl_coordinator_new (RESMGR_SERVICE (manager));
  g_assert_true (resmgr_coordinator_bind (RESMGR_COORDINATOR (coord), G_OBJECT (comp), "TwoAreas", &error));
  g_assert_no_error (error);
  resmgr_gl_coordinator_attach_area (coord, GTK_GL_AREA (a));
  resmgr_gl_coordinator_attach_area (coord, GTK_GL_AREA (b));

  ha = resmgr_gl_coordinator_track_recreatable (coord, gtk_gl_area_get_context (GTK_GL_AREA (a)),
                                                RESMGR_GL_OBJECT_VERTEX_ARRAY, 0, "vao A",
                                                create_vao, NULL, NULL, &error);
  g_assert_no_error (error);
  hb = resmgr_gl_coordinator_track_recreatable (coord, gtk_gl_area_get_context (GTK_GL_AREA (b)),
                                                RESMGR_GL_OBJECT_VERTEX_ARRAY, 0, "vao B",
                                                create_vao, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (resmgr_gl_coordinator_get_context_for (coord, ha) == gtk_gl_area_get_context (GTK_GL_AREA (a)));
  g_assert_true (resmgr_gl_coordinator_get_context_for (coord, hb) == gtk_gl_area_get_context (GTK_GL_AREA (b)));

  /* Move both areas (their box) to a second window. */
  t.a = GTK_GL_AREA (a);
  t.b = GTK_GL_AREA (b);
  t.old_a = gtk_gl_area_get_context (t.a);
  t.old_b = gtk_gl_area_get_context (t.b);
  w2 = gtk_window_new ();
  gtk_window_set_default_size (GTK_WINDOW (w2), 64, 64);
  gtk_window_present (GTK_WINDOW (w2));
  g_object_ref (box);
  gtk_window_set_child (GTK_WINDOW (w1), NULL);
  gtk_window_set_child (GTK_WINDOW (w2), box);
  g_object_unref (box);
  wait_for (both_moved, &t, "both areas to realize in the second window");

  g_assert_cmpuint (resmgr_gl_coordinator_get_name (coord, ha), !=, 0);
  g_assert_cmpuint (resmgr_gl_coordinator_get_name (coord, hb), !=, 0);
  /* Each in its own area's context. */
  g_assert_true (resmgr_gl_coordinator_get_context_for (coord, ha) == gtk_gl_area_get_context (t.a));
  g_assert_true (resmgr_gl_coordinator_get_context_for (coord, hb) == gtk_gl_area_get_context (t.b));

  report = resmgr_coordinator_cleanup_all (RESMGR_COORDINATOR (coord), &error);
  g_assert_no_error (error);
  g_object_unref (comp);
  gtk_window_destroy (GTK_WINDOW (w2));
  gtk_window_destroy (GTK_WINDOW (w1));
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

/* }}} */

int
main (int   argc,
      char *argv[])
{
  g_setenv ("GTK_A11Y", "none", FALSE);

  g_test_init (&argc, &argv, NULL);
  /* Report every failing test, not only the first. */
  g_test_set_nonfatal_assertions ();
  have_display = gtk_init_check ();

  g_test_add_func ("/Resmgr/ReviewGtk/controller/destroy-during-thread-cleanup",
                   test_controller_destroy_during_thread_cleanup);
  g_test_add_func ("/Resmgr/ReviewGtk/gl-coordinator/end-frame-unbalanced",
                   test_gl_end_frame_unbalanced);
  g_test_add_func ("/Resmgr/ReviewGtk/gl-coordinator/recreate-per-area",
                   test_gl_recreate_per_area);

  return g_test_run ();
}
