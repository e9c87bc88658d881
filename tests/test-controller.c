/* test-controller.c: ResmgrController, alone and bound to a tab
 *
 * The GTK tests need a display (run under Xvfb: scripts/run-tests.sh
 * starts one, or `xvfb-run -a`); without one they are skipped. The GL
 * assertions need a working GdkGLContext and are skipped without one.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <string.h>

#include <epoxy/gl.h>

#include "test-common-gtk.h"

static gboolean have_display;

/* g_cond_wait () with a deadline: a wait that never ends is a named
 * failure, not a test killed by the runner's timeout. */
static void
cond_wait_or_fail (GCond      *cond,
                   GMutex     *mutex,
                   const char *what)
{
  if (!g_cond_wait_until (cond, mutex, g_get_monotonic_time () + 60 * G_TIME_SPAN_SECOND))
    g_error ("Still waiting after 60 s for %s", what);
}

/* Test controllers, one per coordinator kind {{{ */

#define TEST_TYPE_PLAIN_CONTROLLER (test_plain_controller_get_type ())
G_DECLARE_FINAL_TYPE (TestPlainController, test_plain_controller, TEST, PLAIN_CONTROLLER, ResmgrController)
struct _TestPlainController { ResmgrController parent_instance; };
G_DEFINE_FINAL_TYPE (TestPlainController, test_plain_controller, RESMGR_TYPE_CONTROLLER)
static void test_plain_controller_class_init (TestPlainControllerClass *klass) { }
static void test_plain_controller_init (TestPlainController *self) { }

/* Only used where the automatic id is checked. */
#define TEST_TYPE_NAMED_CONTROLLER (test_named_controller_get_type ())
G_DECLARE_FINAL_TYPE (TestNamedController, test_named_controller, TEST, NAMED_CONTROLLER, ResmgrController)
struct _TestNamedController { ResmgrController parent_instance; };
G_DEFINE_FINAL_TYPE (TestNamedController, test_named_controller, RESMGR_TYPE_CONTROLLER)
static void test_named_controller_class_init (TestNamedControllerClass *klass) { }
static void test_named_controller_init (TestNamedController *self) { }


/* }}} */

/* Helpers {{{ */

typedef struct
{
  ResmgrManager    *manager;
  Recorder         *rec;
  ResmgrController *controller;   /* weak pointer once handed to a tab */
  GtkWidget        *tab;          /* not referenced */
  GtkWidget        *area;         /* the GL tab's area, or NULL */
  GtkWidget        *window;
  gboolean          gl_ok;
  guint             gl_texture;
  guint             gl_buffer;
  gboolean          cleaned_while_realized;
  gboolean          area_unrealize_checked;
  gboolean          names_alive_at_area_unrealize;
  guint             n_cleaned_up;
  GThread          *cleaned_up_thread;   /* where ::cleaned-up ran last */
  gboolean          idle_ran;            /* the unrelated idle of the owner */
  gboolean          idle_ran_in_cleanup; /* ... while a cleanup ran */
} Fixture;

/* A Condition for wait_for (): the fixture's weak pointer was cleared. */
static gboolean
controller_gone (gpointer data)
{
  Fixture *f = data;

  return f->controller == NULL;
}

static ResmgrController *
controller_new (GType          type,
                ResmgrManager *manager)
{
  return g_object_new (type, "service", manager, NULL);
}

static void
iterate_pending (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static void
cleaned_up_cb (ResmgrController    *controller,
               ResmgrCleanupReport *report,
               Fixture             *f)
{
  f->n_cleaned_up++;
  f->cleaned_up_thread = g_thread_self ();
  /* Unrealize is not the end of a tab (it may move to another window):
   * a bound controller is cleaned at the tab's destruction, once the tab
   * is unrealized. */
  if (f->tab != NULL && gtk_widget_get_realized (f->tab))
    f->cleaned_while_realized = TRUE;
}

static void
area_realize_cb (GtkGLArea *area,
                 Fixture   *f)
{
  ResmgrGLCoordinator *gl = resmgr_controller_get_gl_coordinator (f->controller);
  guint64 tex, buf;
  g_autoptr(GError) error = NULL;
  GdkGLContext *context;

  gtk_gl_area_make_current (area);
  if (gtk_gl_area_get_error (area) != NULL || (context = gtk_gl_area_get_context (area)) == NULL)
    return;

  glGenTextures (1, &f->gl_texture);
  glBindTexture (GL_TEXTURE_2D, f->gl_texture);
  glBindTexture (GL_TEXTURE_2D, 0);
  glGenBuffers (1, &f->gl_buffer);
  glBindBuffer (GL_ARRAY_BUFFER, f->gl_buffer);
  glBindBuffer (GL_ARRAY_BUFFER, 0);
  g_assert_true (glIsTexture (f->gl_texture));
  g_assert_true (glIsBuffer (f->gl_buffer));

  tex = resmgr_gl_coordinator_track (gl, context, RESMGR_GL_OBJECT_TEXTURE, f->gl_texture, 64, "texture", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (tex, !=, 0);
  buf = resmgr_gl_coordinator_track (gl, context, RESMGR_GL_OBJECT_BUFFER, f->gl_buffer, 64, "buffer", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (buf, !=, 0);
  f->gl_ok = TRUE;
}

/* Connected to the area: runs before the area's class handler drops its
 * context. */
static void
area_unrealize_cb (GtkGLArea *area,
                   Fixture   *f)
{
  f->area_unrealize_checked = TRUE;
  if (!f->gl_ok)
    return;

  gtk_gl_area_make_current (area);
  f->names_alive_at_area_unrealize = glIsTexture (f->gl_texture) && glIsBuffer (f->gl_buffer);
}

/* Builds a tab as an application would: widgets, and the controller bound
 * to it; the tab holds the only reference to the controller. */
static GtkWidget *
build_tab (Fixture *f,
           GType    type)
{
  GtkWidget *tab = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  ResmgrController *controller = controller_new (type, f->manager);

  f->controller = controller;
  f->tab = tab;
  g_object_add_weak_pointer (G_OBJECT (controller), (gpointer *) &f->controller);
  g_signal_connect (controller, "cleaned-up", G_CALLBACK (cleaned_up_cb), f);

  gtk_box_append (GTK_BOX (tab), gtk_label_new ("a tab"));
  if (type == TEST_TYPE_GL_CONTROLLER)
    {
      f->area = gtk_gl_area_new ();
      gtk_widget_set_size_request (f->area, 32, 32);
      g_signal_connect (f->area, "realize", G_CALLBACK (area_realize_cb), f);
      g_signal_connect (f->area, "unrealize", G_CALLBACK (area_unrealize_cb), f);
      resmgr_gl_coordinator_attach_area (resmgr_controller_get_gl_coordinator (controller),
                                         GTK_GL_AREA (f->area));
      gtk_box_append (GTK_BOX (tab), f->area);
    }

  resmgr_controller_bind_widget (controller, tab);
  g_object_unref (controller);

  return tab;
}

static void
track_items (Fixture *f)
{
  ResmgrCoordinator *coordinator = resmgr_controller_get_resources (f->controller);
  guint64 h1 = 0;
  guint64 h2 = 0;
  g_autoptr(GError) error = NULL;

  h1 = resmgr_coordinator_track_data (coordinator, RESMGR_RESOURCE_TYPE_MEMORY, "memory", 16,
                                      RESMGR_PRIORITY_DEFAULT, item_new (f->rec, "memory"),
                                      item_destroy, &error);
  g_assert_cmpuint (h1, !=, 0);
  g_assert_no_error (error);
  h2 = resmgr_coordinator_track_data (coordinator, RESMGR_RESOURCE_TYPE_CUSTOM, "custom", 0,
                                      RESMGR_PRIORITY_DEFAULT, item_new (f->rec, "custom"),
                                      item_destroy, &error);
  g_assert_cmpuint (h2, !=, 0);
  g_assert_no_error (error);
}

static void
fixture_init (Fixture *f)
{
  memset (f, 0, sizeof *f);
  f->manager = resmgr_manager_new ();
  f->rec = recorder_new ();
}

static void
fixture_clear (Fixture *f)
{
  g_autoptr(ResmgrStats) stats = resmgr_service_dup_stats (RESMGR_SERVICE (f->manager));

  g_assert_cmpuint (resmgr_stats_get_n_resources (stats), ==, 0);
  g_assert_null (f->controller);
  recorder_free (f->rec);
  g_clear_object (&f->manager);
}

static gboolean
need_display (void)
{
  if (!have_display)
    g_test_skip ("no display (run under Xvfb)");
  return have_display;
}

/* }}} */

/* Without a widget {{{ */

static void
test_construct (void)
{
  Fixture f;
  ResmgrController *plain, *named, *workers, *gl;

  g_test_summary ("Each controller makes its coordinator through create_coordinator, "
                  "binds it with a readable id, and the typed getters match");

  fixture_init (&f);
  plain = controller_new (TEST_TYPE_PLAIN_CONTROLLER, f.manager);
  named = controller_new (TEST_TYPE_NAMED_CONTROLLER, f.manager);
  workers = controller_new (TEST_TYPE_WORKER_CONTROLLER, f.manager);
  gl = controller_new (TEST_TYPE_GL_CONTROLLER, f.manager);

  g_assert_true (G_TYPE_CHECK_INSTANCE_TYPE (resmgr_controller_get_resources (plain), RESMGR_TYPE_COORDINATOR));
  /* The one create_coordinator made, when it is of the type asked. */
  g_assert_true ((gpointer) resmgr_controller_get_worker_coordinator (workers) == resmgr_controller_get_resources (workers));
  g_assert_true ((gpointer) resmgr_controller_get_gl_coordinator (gl) == resmgr_controller_get_resources (gl));

  g_assert_cmpstr (resmgr_controller_get_id (named), ==, "TestNamedController-1");
  g_assert_true (resmgr_coordinator_is_bound (resmgr_controller_get_resources (named)));
  g_assert_true (resmgr_controller_get_service (named) == RESMGR_SERVICE (f.manager));

  {
    g_autoptr(ResmgrCoordinator) resources = NULL;
    g_autofree char *id = NULL;

    g_object_get (named, "resources", &resources, "id", &id, NULL);
    g_assert_true (resources == resmgr_controller_get_resources (named));
    g_assert_cmpstr (id, ==, "TestNamedController-1");
  }

  g_assert_false (resmgr_controller_get_busy (workers));
  g_object_unref (plain);
  g_object_unref (named);
  g_object_unref (workers);
  g_object_unref (gl);
  fixture_clear (&f);
}

static void
test_cleanup_twice (void)
{
  Fixture f;
  g_autoptr(ResmgrCleanupReport) r1 = NULL;
  g_autoptr(ResmgrCleanupReport) r2 = NULL;
  g_autoptr(ResmgrCleanupReport) r3 = NULL;

  g_test_summary ("cleanup runs once in priority order; later calls return the same report; "
                  "::cleaned-up is emitted once");

  fixture_init (&f);
  f.controller = controller_new (TEST_TYPE_PLAIN_CONTROLLER, f.manager);
  g_object_add_weak_pointer (G_OBJECT (f.controller), (gpointer *) &f.controller);
  g_signal_connect (f.controller, "cleaned-up", G_CALLBACK (cleaned_up_cb), &f);
  track_items (&f);

  g_assert_false (resmgr_controller_is_cleaned_up (f.controller));
  g_assert_null (resmgr_controller_dup_report (f.controller));
  r1 = resmgr_controller_cleanup (f.controller);
  assert_recorded (f.rec, "custom,memory");
  g_assert_cmpuint (resmgr_cleanup_report_get_released (r1), >=, 2);
  g_assert_true (resmgr_cleanup_report_is_clean (r1));
  g_assert_cmpstr (resmgr_cleanup_report_get_scope (r1), ==, resmgr_controller_get_id (f.controller));

  r2 = resmgr_controller_cleanup (f.controller);
  g_assert_true (r1 == r2);
  r3 = resmgr_controller_dup_report (f.controller);
  g_assert_true (r1 == r3);
  g_assert_true (resmgr_controller_is_cleaned_up (f.controller));
  g_assert_cmpuint (f.n_cleaned_up, ==, 1);
  assert_recorded (f.rec, "custom,memory");

  g_object_unref (f.controller);
  fixture_clear (&f);
}

static void
test_dispose_cleans (void)
{
  Fixture f;

  g_test_summary ("A controller disposed without cleanup is cleaned at dispose, "
                  "emits ::cleaned-up, and is finalized");

  fixture_init (&f);
  f.controller = controller_new (TEST_TYPE_PLAIN_CONTROLLER, f.manager);
  g_object_add_weak_pointer (G_OBJECT (f.controller), (gpointer *) &f.controller);
  g_signal_connect (f.controller, "cleaned-up", G_CALLBACK (cleaned_up_cb), &f);
  track_items (&f);

  g_object_unref (f.controller);
  g_assert_null (f.controller);
  assert_recorded (f.rec, "custom,memory");
  g_assert_cmpuint (f.n_cleaned_up, ==, 1);
  fixture_clear (&f);
}

/* Blocks until a source is attached to @context by another thread (or one
 * is ready already), without dispatching anything: the handshake "the
 * other thread's dispatch reached the owner context". */
static void
wait_for_dispatch (GMainContext *context)
{
  g_assert_true (g_main_context_acquire (context));
  while (!g_main_context_pending (context))
    {
      GPollFD fds[32];
      int max_priority, timeout, n;

      g_main_context_prepare (context, &max_priority);
      n = g_main_context_query (context, max_priority, &timeout, fds, G_N_ELEMENTS (fds));
      g_assert_cmpint (n, <=, G_N_ELEMENTS (fds));
      /* Woken by the attach (g_source_attach () wakes the context up). */
      g_poll (fds, n, -1);
      g_main_context_check (context, max_priority, fds, n);
    }
  g_main_context_release (context);
}

/* A thread that drops a reference and says so; the owner waits on the
 * GCond, not iterating, as an owner blocked on something else. */
typedef struct
{
  GMutex            mutex;
  GCond             cond;
  ResmgrController *controller;
  ResmgrCleanupReport *report;
  gint              done;   /* atomic */
} ThreadCall;

static void
thread_call_init (ThreadCall       *call,
                  ResmgrController *controller)
{
  memset (call, 0, sizeof *call);
  g_mutex_init (&call->mutex);
  g_cond_init (&call->cond);
  call->controller = controller;
}

static void
thread_call_clear (ThreadCall *call)
{
  g_clear_pointer (&call->report, resmgr_cleanup_report_unref);
  g_mutex_clear (&call->mutex);
  g_cond_clear (&call->cond);
}

static void
thread_call_finish (ThreadCall *call)
{
  g_mutex_lock (&call->mutex);
  g_atomic_int_set (&call->done, TRUE);
  g_cond_broadcast (&call->cond);
  g_mutex_unlock (&call->mutex);
  /* An owner in iterate_until () looks again. */
  g_main_context_wakeup (NULL);
}

/* Blocks the owner until the thread is done: no iteration meanwhile. */
static void
thread_call_wait (ThreadCall *call)
{
  g_mutex_lock (&call->mutex);
  while (!call->done)
    cond_wait_or_fail (&call->cond, &call->mutex, "the thread's call to end");
  g_mutex_unlock (&call->mutex);
}

static gpointer
unref_thread (gpointer data)
{
  ThreadCall *call = data;

  g_object_unref (call->controller);
  thread_call_finish (call);

  return NULL;
}

static gpointer
cleanup_thread (gpointer data)
{
  ThreadCall *call = data;

  call->report = resmgr_controller_cleanup (call->controller);
  thread_call_finish (call);

  return NULL;
}

static void
test_dispose_other_thread (void)
{
  Fixture f;
  GThread *thread;
  ThreadCall call;

  g_test_summary ("The last unref on a worker while the owner (the main thread) is blocked: "
                  "nothing runs on the worker; the cleanups and ::cleaned-up run on the owner "
                  "thread when it iterates, and the controller is then disposed there");

  fixture_init (&f);
  f.controller = controller_new (TEST_TYPE_PLAIN_CONTROLLER, f.manager);
  g_object_add_weak_pointer (G_OBJECT (f.controller), (gpointer *) &f.controller);
  g_signal_connect (f.controller, "cleaned-up", G_CALLBACK (cleaned_up_cb), &f);
  track_items (&f);
  iterate_pending ();

  /* The owner is blocked on the GCond (neither iterating nor holding its
   * context) while the worker drops the last reference. */
  thread_call_init (&call, f.controller);
  thread = g_thread_new ("unref", unref_thread, &call);
  thread_call_wait (&call);
  g_thread_join (thread);

  /* Nothing ran on the worker, and the controller is not disposed yet. */
  g_assert_cmpuint (recorder_len (f.rec), ==, 0);
  g_assert_cmpuint (f.n_cleaned_up, ==, 0);
  g_assert_nonnull (f.controller);

  wait_for (controller_gone, &f, "the controller to be finalized on the owner");
  assert_recorded (f.rec, "custom,memory");
  g_assert_true (recorder_thread (f.rec, 0) == g_thread_self ());
  g_assert_true (recorder_thread (f.rec, 1) == g_thread_self ());
  g_assert_cmpuint (f.n_cleaned_up, ==, 1);
  g_assert_true (f.cleaned_up_thread == g_thread_self ());
  iterate_pending ();
  thread_call_clear (&call);
  fixture_clear (&f);
}

static gboolean
unrelated_idle_cb (gpointer data)
{
  Fixture *f = data;

  f->idle_ran = TRUE;
  return G_SOURCE_REMOVE;
}

/* A cleanup of the controller that notes whether the unrelated idle ran
 * before it (that is, in a nested iteration of the dispose). */
static gboolean
note_idle_cleanup (gpointer   resource,
                   gpointer   user_data,
                   GError   **error)
{
  Fixture *f = user_data;

  recorder_push (f->rec, "noted");
  f->idle_ran_in_cleanup = f->idle_ran;
  return TRUE;
}

typedef enum {
  OWNER_RUN_DISPOSE,
  OWNER_CLEANUP,
} OwnerAction;

static void
test_owner_cleans_while_thread_cleans (gconstpointer data)
{
  OwnerAction action = GPOINTER_TO_INT (data);
  g_autoptr(GMainContext) owner = g_main_context_new ();
  g_autoptr(ResmgrCleanupReport) owner_report = NULL;
  g_autoptr(GError) error = NULL;
  ResmgrController *controller;
  ThreadCall call;
  GThread *thread;
  Fixture f;

  g_test_summary ("A worker cleans the controller (dispatched to the owner, waiting) while "
                  "the owner disposes or cleans it itself: the owner runs the cleanup inline "
                  "without iterating its context (an unrelated idle of the owner does not run "
                  "meanwhile), without waiting for the worker, and the worker gets the owner's "
                  "report without the owner iterating; ::cleaned-up once, on the owner");

  g_main_context_push_thread_default (owner);
  fixture_init (&f);
  controller = controller_new (TEST_TYPE_PLAIN_CONTROLLER, f.manager);
  f.controller = controller;
  g_object_add_weak_pointer (G_OBJECT (controller), (gpointer *) &f.controller);
  g_signal_connect (controller, "cleaned-up", G_CALLBACK (cleaned_up_cb), &f);
  track_items (&f);
  resmgr_service_add_cleanup (RESMGR_SERVICE (f.manager), G_OBJECT (controller), "noted",
                              RESMGR_PRIORITY_DEFAULT, note_idle_cleanup, &f, NULL, &error);
  g_assert_no_error (error);
  while (g_main_context_iteration (owner, FALSE))
    ;
  g_assert_false (g_main_context_pending (owner));

  thread_call_init (&call, g_object_ref (controller));
  thread = g_thread_new ("cleanup", cleanup_thread, &call);

  /* The worker's request is queued on the owner context. */
  wait_for_dispatch (owner);
  {
    GSource *idle = g_idle_source_new ();

    g_source_set_callback (idle, unrelated_idle_cb, &f, NULL);
    g_source_attach (idle, owner);
    g_source_unref (idle);
  }

  if (action == OWNER_RUN_DISPOSE)
    g_object_run_dispose (G_OBJECT (controller));
  else
    owner_report = resmgr_controller_cleanup (controller);

  /* Ran inline, here, with no nested iteration. */
  g_assert_cmpuint (recorder_len (f.rec), ==, 3);
  for (guint i = 0; i < 3; i++)
    g_assert_true (recorder_thread (f.rec, i) == g_thread_self ());
  g_assert_false (f.idle_ran_in_cleanup);
  g_assert_false (f.idle_ran);
  g_assert_cmpuint (f.n_cleaned_up, ==, 1);
  g_assert_true (f.cleaned_up_thread == g_thread_self ());
  g_assert_true (resmgr_controller_is_cleaned_up (controller));

  /* The worker got the report without the owner iterating. */
  thread_call_wait (&call);
  g_thread_join (thread);
  g_assert_nonnull (call.report);
  g_assert_false (resmgr_cleanup_report_get_timed_out (call.report));
  {
    g_autoptr(ResmgrCleanupReport) stored = resmgr_controller_dup_report (controller);

    g_assert_true (call.report == stored);
    if (owner_report != NULL)
      g_assert_true (owner_report == stored);
  }
  g_assert_cmpuint (resmgr_cleanup_report_get_released (call.report), >=, 3);

  /* The owner iterates again: the idle runs now; the worker's request
   * finds nothing to do. */
  while (g_main_context_iteration (owner, FALSE))
    ;
  g_assert_true (f.idle_ran);
  g_assert_cmpuint (f.n_cleaned_up, ==, 1);
  g_assert_cmpuint (recorder_len (f.rec), ==, 3);

  g_object_unref (call.controller);
  g_object_unref (controller);
  while (g_main_context_iteration (owner, FALSE))
    ;
  thread_call_clear (&call);
  fixture_clear (&f);
  g_main_context_pop_thread_default (owner);
}

static void
test_cleanup_from_thread (void)
{
  Fixture f;
  GThread *thread;
  ThreadCall call;

  g_test_summary ("cleanup called on a worker is dispatched to the owner: the cleanups and "
                  "::cleaned-up run on the owner thread when it iterates, and the worker gets "
                  "the report");

  fixture_init (&f);
  f.controller = controller_new (TEST_TYPE_PLAIN_CONTROLLER, f.manager);
  g_object_add_weak_pointer (G_OBJECT (f.controller), (gpointer *) &f.controller);
  g_signal_connect (f.controller, "cleaned-up", G_CALLBACK (cleaned_up_cb), &f);
  track_items (&f);

  thread_call_init (&call, f.controller);
  thread = g_thread_new ("cleanup", cleanup_thread, &call);
  iterate_until (NULL, &call.done);
  g_thread_join (thread);

  assert_recorded (f.rec, "custom,memory");
  g_assert_true (recorder_thread (f.rec, 0) == g_thread_self ());
  g_assert_true (recorder_thread (f.rec, 1) == g_thread_self ());
  g_assert_cmpuint (f.n_cleaned_up, ==, 1);
  g_assert_true (f.cleaned_up_thread == g_thread_self ());
  g_assert_false (resmgr_cleanup_report_get_timed_out (call.report));
  g_assert_cmpuint (resmgr_cleanup_report_get_released (call.report), >=, 2);
  g_assert_true (resmgr_controller_is_cleaned_up (f.controller));

  g_object_unref (f.controller);
  iterate_pending ();
  thread_call_clear (&call);
  fixture_clear (&f);
}

static void
test_cleanup_from_thread_times_out (void)
{
  g_autoptr(ResmgrCleanupReport) report = NULL;
  GThread *thread;
  ThreadCall call;
  GPtrArray *leftovers;
  Fixture f;

  g_test_summary ("cleanup called on a worker while the owner is blocked waiting for that "
                  "worker: the worker gives up at the deadline with a timed-out report that "
                  "cleaned nothing and lists what stays tracked with the reason; the request "
                  "does not run later; the owner can clean afterwards");

  fixture_init (&f);
  resmgr_manager_set_wait_timeout (f.manager, 20);
  g_assert_cmpuint (resmgr_manager_get_wait_timeout (f.manager), ==, 20);
  f.controller = controller_new (TEST_TYPE_PLAIN_CONTROLLER, f.manager);
  g_object_add_weak_pointer (G_OBJECT (f.controller), (gpointer *) &f.controller);
  g_signal_connect (f.controller, "cleaned-up", G_CALLBACK (cleaned_up_cb), &f);
  track_items (&f);
  iterate_pending ();

  /* The owner waits for the worker, which waits for the owner. */
  thread_call_init (&call, f.controller);
  thread = g_thread_new ("cleanup", cleanup_thread, &call);
  thread_call_wait (&call);
  g_thread_join (thread);

  g_assert_true (resmgr_cleanup_report_get_timed_out (call.report));
  g_assert_cmpuint (resmgr_cleanup_report_get_released (call.report), ==, 0);
  leftovers = resmgr_cleanup_report_get_leftovers (call.report);
  g_assert_cmpuint (leftovers->len, ==, 2 + 1); /* and the coordinator's own cleanup */
  for (guint i = 0; i < leftovers->len; i++)
    g_assert_nonnull (strstr (resmgr_cleanup_report_get_leftover_reason (call.report, i),
                              "was not iterated"));
  g_assert_false (resmgr_controller_is_cleaned_up (f.controller));
  g_assert_cmpuint (recorder_len (f.rec), ==, 0);
  g_assert_cmpuint (f.n_cleaned_up, ==, 0);

  /* The abandoned request does not run when the owner iterates. */
  iterate_pending ();
  g_assert_cmpuint (recorder_len (f.rec), ==, 0);
  g_assert_false (resmgr_controller_is_cleaned_up (f.controller));

  report = resmgr_controller_cleanup (f.controller);
  assert_recorded (f.rec, "custom,memory");
  g_assert_false (resmgr_cleanup_report_get_timed_out (report));
  g_assert_cmpuint (f.n_cleaned_up, ==, 1);

  g_object_unref (f.controller);
  iterate_pending ();
  thread_call_clear (&call);
  fixture_clear (&f);
}

static gpointer
cleanup_unref_thread (gpointer data)
{
  ThreadCall *call = data;

  call->report = resmgr_controller_cleanup (call->controller);
  /* Maybe the last reference: then the dispose finishes on the owner. */
  g_object_unref (call->controller);
  thread_call_finish (call);

  return NULL;
}

static void
test_cleanup_stress (void)
{
  guint n = g_test_thorough () ? 2000 : 100;

  g_test_summary ("Stress: a worker cleans a controller and drops its reference while the "
                  "owner cleans, disposes, drops its own reference or does nothing, in every "
                  "interleaving the scheduler gives: each cleanup runs once, on the owner "
                  "thread, ::cleaned-up once, on the owner, and the worker never times out");

  for (guint i = 0; i < n; i++)
    {
      Fixture f;
      ThreadCall call;
      GThread *thread;
      ResmgrController *controller;
      guint action = g_test_rand_int_range (0, 4);

      fixture_init (&f);
      controller = controller_new (TEST_TYPE_PLAIN_CONTROLLER, f.manager);
      f.controller = controller;
      g_object_add_weak_pointer (G_OBJECT (controller), (gpointer *) &f.controller);
      g_signal_connect (controller, "cleaned-up", G_CALLBACK (cleaned_up_cb), &f);
      track_items (&f);

      thread_call_init (&call, g_object_ref (controller));
      thread = g_thread_new ("stress", cleanup_unref_thread, &call);

      switch (action)
        {
        case 0:
          resmgr_cleanup_report_unref (resmgr_controller_cleanup (controller));
          g_object_unref (controller);
          break;
        case 1:
          g_object_run_dispose (G_OBJECT (controller));
          g_object_unref (controller);
          break;
        case 2:
          g_object_unref (controller);
          break;
        default:
          /* Nothing until the worker is done. */
          break;
        }

      iterate_until (NULL, &call.done);
      g_thread_join (thread);
      if (action == 3)
        g_object_unref (controller);
      wait_for (controller_gone, &f, "the controller to be finalized on the owner");
      iterate_pending ();

      assert_recorded (f.rec, "custom,memory");
      g_assert_true (recorder_thread (f.rec, 0) == g_thread_self ());
      g_assert_true (recorder_thread (f.rec, 1) == g_thread_self ());
      g_assert_cmpuint (f.n_cleaned_up, ==, 1);
      g_assert_true (f.cleaned_up_thread == g_thread_self ());
      g_assert_nonnull (call.report);
      g_assert_false (resmgr_cleanup_report_get_timed_out (call.report));

      thread_call_clear (&call);
      fixture_clear (&f);
    }
}

/* }}} */

/* Bound to a tab {{{ */

static void
wait_realized (GtkWidget *widget)
{
  gint64 end = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  while (!gtk_widget_get_realized (widget) && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (gtk_widget_get_realized (widget));
  /* Let a first frame happen. */
  iterate_pending ();
}

static void
test_tab_window_destroyed (gconstpointer data)
{
  GType type = ((GType (*) (void)) data) ();
  Fixture f;

  g_test_summary ("A controller bound to a tab is cleaned after the tab's destruction when the "
                  "window is destroyed, when the main loop next runs (not inside ::destroy), not "
                  "at its unrealize (its shareable GL names are still there when the area "
                  "unrealizes), and finalized then");

  if (!need_display ())
    return;

  fixture_init (&f);
  f.window = gtk_window_new ();
  gtk_window_set_child (GTK_WINDOW (f.window), build_tab (&f, type));
  track_items (&f);
  gtk_window_present (GTK_WINDOW (f.window));
  wait_realized (f.tab);
  if (f.area != NULL)
    wait_realized (f.area);

  if (type == TEST_TYPE_WORKER_CONTROLLER)
    g_assert_nonnull (resmgr_controller_get_worker_coordinator (f.controller));

  g_assert_false (resmgr_controller_is_cleaned_up (f.controller));
  g_assert_true (resmgr_controller_get_widget (f.controller) == f.tab);

  gtk_window_destroy (GTK_WINDOW (f.window));
  f.tab = NULL;

  /* Never inside the tab's destruction: it let go of the controller,
   * which is kept for its cleanup until the main loop runs again. */
  g_assert_cmpuint (f.n_cleaned_up, ==, 0);
  g_assert_cmpuint (recorder_len (f.rec), ==, 0);
  g_assert_nonnull (f.controller);
  g_assert_null (resmgr_controller_get_widget (f.controller));

  iterate_pending ();
  g_assert_cmpuint (f.n_cleaned_up, ==, 1);
  g_assert_false (f.cleaned_while_realized);
  assert_recorded (f.rec, "custom,memory");
  /* The tab is gone, and with it the controller. */
  g_assert_null (f.controller);

  if (f.area != NULL)
    {
      g_assert_true (f.area_unrealize_checked);
      if (f.gl_ok)
        {
          g_assert_true (f.names_alive_at_area_unrealize);
          g_test_message ("GL checked: texture %u and buffer %u alive at the area's unrealize "
                          "(their deletion at destruction: test-widget-move)",
                          f.gl_texture, f.gl_buffer);
        }
      else
        g_test_message ("GL unavailable: the GL names were not checked");
    }

  fixture_clear (&f);
}

static void
test_tab_never_realized (void)
{
  Fixture f;
  GtkWidget *tab;

  g_test_summary ("A tab that is never realized cleans its controller after its destruction, "
                  "when the main loop next runs");

  if (!need_display ())
    return;

  fixture_init (&f);
  tab = g_object_ref_sink (build_tab (&f, TEST_TYPE_PLAIN_CONTROLLER));
  track_items (&f);
  g_assert_cmpuint (recorder_len (f.rec), ==, 0);

  g_object_unref (tab);
  f.tab = NULL;
  g_assert_cmpuint (recorder_len (f.rec), ==, 0);
  g_assert_cmpuint (f.n_cleaned_up, ==, 0);
  iterate_pending ();
  assert_recorded (f.rec, "custom,memory");
  g_assert_cmpuint (f.n_cleaned_up, ==, 1);
  g_assert_false (f.cleaned_while_realized);
  g_assert_null (f.controller);
  fixture_clear (&f);
}

static void
test_controller_disposed_first (void)
{
  Fixture f;
  GtkWidget *tab;
  ResmgrController *controller;

  g_test_summary ("A controller disposed before its tab cleans up, lets go of the tab, and "
                  "is finalized while the tab lives on");

  if (!need_display ())
    return;

  fixture_init (&f);
  tab = g_object_ref_sink (build_tab (&f, TEST_TYPE_PLAIN_CONTROLLER));
  track_items (&f);

  controller = g_object_ref (f.controller);
  g_object_run_dispose (G_OBJECT (controller));
  assert_recorded (f.rec, "custom,memory");
  g_assert_cmpuint (f.n_cleaned_up, ==, 1);
  g_assert_null (resmgr_controller_get_widget (controller));
  g_object_unref (controller);
  g_assert_null (f.controller);

  /* The tab goes later: nothing more happens. */
  g_object_unref (tab);
  g_assert_cmpuint (f.n_cleaned_up, ==, 1);
  assert_recorded (f.rec, "custom,memory");
  fixture_clear (&f);
}


/* A tab whose dispose tears its children down before chaining up (as GTK's
 * own widgets do), and whose controller's cleanup notifies into them. */
#define TEST_TYPE_TAB (test_tab_get_type ())
G_DECLARE_FINAL_TYPE (TestTab, test_tab, TEST, TAB, GtkWidget)

struct _TestTab
{
  GtkWidget  parent_instance;
  GtkWidget *status;     /* a child label */
  Recorder  *rec;
};

G_DEFINE_FINAL_TYPE (TestTab, test_tab, GTK_TYPE_WIDGET)

static void
test_tab_dispose (GObject *object)
{
  TestTab *self = TEST_TAB (object);

  recorder_push (self->rec, "tab-dispose");
  g_clear_pointer (&self->status, gtk_widget_unparent);
  G_OBJECT_CLASS (test_tab_parent_class)->dispose (object);
  recorder_push (self->rec, "tab-disposed");
}

static void
test_tab_finalize (GObject *object)
{
  recorder_push (TEST_TAB (object)->rec, "tab-finalized");

  G_OBJECT_CLASS (test_tab_parent_class)->finalize (object);
}

static void
test_tab_class_init (TestTabClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = test_tab_dispose;
  G_OBJECT_CLASS (klass)->finalize = test_tab_finalize;
  gtk_widget_class_set_layout_manager_type (GTK_WIDGET_CLASS (klass), GTK_TYPE_BIN_LAYOUT);
}

static void
test_tab_init (TestTab *self)
{
  self->status = gtk_label_new (NULL);
  gtk_widget_set_parent (self->status, GTK_WIDGET (self));
}

/* Into the label: a critical (fatal in the tests) once it is gone. */
static void
tab_status_cb (ResmgrController *controller,
               GParamSpec       *pspec,
               TestTab          *self)
{
  g_autofree char *status = resmgr_controller_dup_status (controller);

  gtk_label_set_label (GTK_LABEL (self->status), status);
}

typedef struct
{
  ResmgrController *controller;  /* not referenced: it runs our cleanup */
  Recorder         *rec;
} StatusItem;

/* A cleanup of the controller that tells its user, through :status. */
static void
status_item_destroy (gpointer data)
{
  StatusItem *item = data;

  recorder_push (item->rec, "cleanup");
  resmgr_controller_set_status (item->controller, "closed");
  g_free (item);
}

static void
test_tab_dispose_clears_children (void)
{
  Fixture f;
  TestTab *tab;
  GtkWidget *window;
  StatusItem *item;
  g_autoptr(GError) error = NULL;

  g_test_summary ("A tab subclass whose dispose frees its children before chaining up, bound "
                  "to a controller whose cleanup notifies into those children: the cleanup "
                  "runs after the tab's dispose (here after its finalize), when the main loop "
                  "runs again, never from inside it; nothing reaches the freed label");

  if (!need_display ())
    return;

  fixture_init (&f);
  tab = g_object_new (TEST_TYPE_TAB, NULL);
  tab->rec = f.rec;
  f.controller = controller_new (TEST_TYPE_PLAIN_CONTROLLER, f.manager);
  g_object_add_weak_pointer (G_OBJECT (f.controller), (gpointer *) &f.controller);
  g_signal_connect (f.controller, "cleaned-up", G_CALLBACK (cleaned_up_cb), &f);
  g_signal_connect_object (f.controller, "notify::status", G_CALLBACK (tab_status_cb), tab, 0);
  item = g_new0 (StatusItem, 1);
  item->controller = f.controller;
  item->rec = f.rec;
  g_assert_cmpuint (resmgr_coordinator_track_data (resmgr_controller_get_resources (f.controller),
                                                   RESMGR_RESOURCE_TYPE_CUSTOM, "status item", 0,
                                                   RESMGR_PRIORITY_DEFAULT, item, status_item_destroy,
                                                   &error), !=, 0);
  g_assert_no_error (error);
  resmgr_controller_bind_widget (f.controller, GTK_WIDGET (tab));
  g_object_unref (f.controller);

  resmgr_controller_set_status (f.controller, "open");
  g_assert_cmpstr (gtk_label_get_label (GTK_LABEL (tab->status)), ==, "open");

  window = gtk_window_new ();
  gtk_window_set_child (GTK_WINDOW (window), GTK_WIDGET (tab));
  gtk_window_destroy (GTK_WINDOW (window));
  assert_recorded (f.rec, "tab-dispose,tab-disposed,tab-finalized");
  g_assert_cmpuint (f.n_cleaned_up, ==, 0);

  iterate_pending ();
  assert_recorded (f.rec, "tab-dispose,tab-disposed,tab-finalized,cleanup");
  g_assert_cmpuint (f.n_cleaned_up, ==, 1);
  g_assert_null (f.controller);
  fixture_clear (&f);
}

/* The owner of a controller bound to a tab is another thread, whose loop
 * is blocked (it waits for the test) when the tab is destroyed. */
typedef struct
{
  Fixture          *f;
  GMainContext     *context;
  GMutex            mutex;
  GCond             cond;
  ResmgrController *controller;  /* handed to the test */
  gboolean          go;
  GThread          *thread;
} Owner;

static gboolean
keep_ticking (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

static gpointer
owner_thread (gpointer data)
{
  Owner *o = data;
  gint64 end;
  GSource *tick;

  g_main_context_push_thread_default (o->context);

  g_mutex_lock (&o->mutex);
  o->controller = controller_new (TEST_TYPE_PLAIN_CONTROLLER, o->f->manager);
  o->f->controller = o->controller;
  g_signal_connect (o->controller, "cleaned-up", G_CALLBACK (cleaned_up_cb), o->f);
  track_items (o->f);
  g_cond_broadcast (&o->cond);
  while (!o->go)
    cond_wait_or_fail (&o->cond, &o->mutex, "the test to let the owner iterate");
  g_mutex_unlock (&o->mutex);

  /* Its loop runs again: until the controller's cleanup ran, woken at
   * least every 10 ms, with a deadline. */
  tick = g_timeout_source_new (10);
  g_source_set_callback (tick, keep_ticking, NULL, NULL);
  g_source_attach (tick, o->context);
  end = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  while (o->f->n_cleaned_up == 0 && g_get_monotonic_time () < end)
    g_main_context_iteration (o->context, TRUE);
  /* What the cleanup dispatched (the controller's disposal, its last
   * reference dropped by the deferred cleanup, ran inline here). */
  while (g_main_context_iteration (o->context, FALSE))
    ;
  g_source_destroy (tick);
  g_source_unref (tick);

  g_main_context_pop_thread_default (o->context);

  return NULL;
}

static void
test_tab_owner_not_iterating (void)
{
  Fixture f;
  Owner o = { &f, };
  GtkWidget *tab;
  GWeakRef controller_ref;

  g_test_summary ("A controller whose owner context is another thread's, bound to a tab: "
                  "the tab's destruction (on the GTK thread, while the owner's loop is blocked) "
                  "cleans nothing and does not wait; the cleanup runs on the owner thread when "
                  "its loop iterates again, once, and the controller is finalized there");

  if (!need_display ())
    return;

  fixture_init (&f);
  /* A wait for the owner would end here, as a failure, not at 10 s. */
  resmgr_manager_set_wait_timeout (f.manager, 100);
  o.context = g_main_context_new ();
  g_mutex_init (&o.mutex);
  g_cond_init (&o.cond);

  g_mutex_lock (&o.mutex);
  o.thread = g_thread_new ("owner", owner_thread, &o);
  while (o.controller == NULL)
    cond_wait_or_fail (&o.cond, &o.mutex, "the owner to make its controller");
  g_mutex_unlock (&o.mutex);

  /* The owner keeps no reference: the tab holds the only one. */
  tab = g_object_ref_sink (gtk_box_new (GTK_ORIENTATION_VERTICAL, 0));
  resmgr_controller_bind_widget (o.controller, tab);
  g_weak_ref_init (&controller_ref, o.controller);
  g_object_unref (o.controller);

  g_object_unref (tab);
  iterate_pending ();
  g_assert_cmpuint (f.n_cleaned_up, ==, 0);
  g_assert_cmpuint (recorder_len (f.rec), ==, 0);
  {
    g_autoptr(ResmgrController) alive = g_weak_ref_get (&controller_ref);

    g_assert_nonnull (alive);
    g_assert_false (resmgr_controller_is_cleaned_up (alive));
  }

  g_mutex_lock (&o.mutex);
  o.go = TRUE;
  g_cond_broadcast (&o.cond);
  g_mutex_unlock (&o.mutex);
  g_thread_join (o.thread);

  g_assert_cmpuint (f.n_cleaned_up, ==, 1);
  g_assert_true (f.cleaned_up_thread == o.thread);
  assert_recorded (f.rec, "custom,memory");
  g_assert_true (recorder_thread (f.rec, 0) == o.thread);
  g_assert_true (recorder_thread (f.rec, 1) == o.thread);
  g_assert_null (g_weak_ref_get (&controller_ref));
  g_weak_ref_clear (&controller_ref);
  f.controller = NULL;

  g_main_context_unref (o.context);
  g_mutex_clear (&o.mutex);
  g_cond_clear (&o.cond);
  fixture_clear (&f);
}

static void
test_tab_rebound_or_cleaned (gconstpointer data)
{
  gboolean rebind = GPOINTER_TO_INT (data);
  Fixture f;
  GtkWidget *tab, *tab2 = NULL;
  ResmgrController *controller;
  g_autoptr(ResmgrCleanupReport) report = NULL;

  g_test_summary (rebind
                  ? "A controller bound to a second widget before the cleanup deferred by the "
                    "first one's destruction ran is not cleaned by it; the second widget's "
                    "destruction cleans it, once"
                  : "A controller cleaned explicitly before the cleanup deferred by its tab's "
                    "destruction ran is not cleaned again: one ::cleaned-up, each cleanup once");

  if (!need_display ())
    return;

  fixture_init (&f);
  tab = g_object_ref_sink (build_tab (&f, TEST_TYPE_PLAIN_CONTROLLER));
  track_items (&f);
  controller = g_object_ref (f.controller);

  g_object_unref (tab);
  f.tab = NULL;
  g_assert_cmpuint (f.n_cleaned_up, ==, 0);

  if (rebind)
    {
      tab2 = g_object_ref_sink (gtk_box_new (GTK_ORIENTATION_VERTICAL, 0));
      resmgr_controller_bind_widget (controller, tab2);
      iterate_pending ();
      g_assert_cmpuint (f.n_cleaned_up, ==, 0);
      g_assert_cmpuint (recorder_len (f.rec), ==, 0);
      g_assert_true (resmgr_controller_get_widget (controller) == tab2);
      g_object_unref (tab2);
      g_assert_cmpuint (f.n_cleaned_up, ==, 0);
    }
  else
    {
      report = resmgr_controller_cleanup (controller);
      g_assert_cmpuint (f.n_cleaned_up, ==, 1);
      assert_recorded (f.rec, "custom,memory");
    }

  g_object_unref (controller);
  g_assert_nonnull (f.controller);
  iterate_pending ();
  g_assert_cmpuint (f.n_cleaned_up, ==, 1);
  assert_recorded (f.rec, "custom,memory");
  g_assert_null (f.controller);
  fixture_clear (&f);
}

/* }}} */

/* Cleanup reports {{{ */

typedef enum {
  REPORTS_TAB,      /* bound to a tab, its window destroyed */
  REPORTS_CLEANUP,  /* cleaned explicitly, then its last reference dropped */
  REPORTS_DISPOSE,  /* its last reference dropped */
  REPORTS_EMPTY,    /* owned nothing, its last reference dropped */
} ReportsMode;

static void
collect_report_cb (ResmgrService       *service,
                   ResmgrCleanupReport *report,
                   GPtrArray           *reports)
{
  g_ptr_array_add (reports, resmgr_cleanup_report_ref (report));
}

static void
keep_cleaned_up_report_cb (ResmgrController     *controller,
                           ResmgrCleanupReport  *report,
                           ResmgrCleanupReport **out)
{
  g_assert_null (*out);
  *out = resmgr_cleanup_report_ref (report);
}

static void
test_one_report_per_cleanup (gconstpointer data)
{
  ReportsMode mode = GPOINTER_TO_INT (data);
  g_autoptr(GPtrArray) reports = g_ptr_array_new_with_free_func ((GDestroyNotify) resmgr_cleanup_report_unref);
  g_autoptr(ResmgrCleanupReport) kept = NULL;
  g_autoptr(ResmgrCleanupReport) cleaned = NULL;
  g_autofree char *id = NULL;
  ResmgrMonitor *monitor;
  guint n_items = mode == REPORTS_EMPTY ? 0 : 2;
  Fixture f;

  g_test_summary ("A controller's cleanup is reported once, with what it released, to "
                  "::cleanup-finished and to a monitor's history: bound to a tab whose "
                  "window is destroyed, cleaned explicitly then dropped, or only dropped; "
                  "its component's disposal, with nothing left to clean, adds no second, "
                  "empty report");

  if (mode == REPORTS_TAB && !need_display ())
    return;

  fixture_init (&f);
  monitor = resmgr_monitor_new (RESMGR_SERVICE (f.manager));
  g_signal_connect (f.manager, "cleanup-finished", G_CALLBACK (collect_report_cb), reports);

  if (mode == REPORTS_TAB)
    {
      f.window = gtk_window_new ();
      gtk_window_set_child (GTK_WINDOW (f.window), build_tab (&f, TEST_TYPE_PLAIN_CONTROLLER));
    }
  else
    {
      f.controller = controller_new (TEST_TYPE_PLAIN_CONTROLLER, f.manager);
      g_object_add_weak_pointer (G_OBJECT (f.controller), (gpointer *) &f.controller);
    }
  id = g_strdup (resmgr_controller_get_id (f.controller));
  g_signal_connect (f.controller, "cleaned-up", G_CALLBACK (keep_cleaned_up_report_cb), &cleaned);
  if (mode != REPORTS_EMPTY)
    track_items (&f);

  switch (mode)
    {
    case REPORTS_TAB:
      gtk_window_present (GTK_WINDOW (f.window));
      wait_realized (f.tab);
      gtk_window_destroy (GTK_WINDOW (f.window));
      f.tab = NULL;
      break;
    case REPORTS_CLEANUP:
      resmgr_cleanup_report_unref (resmgr_controller_cleanup (f.controller));
      iterate_pending ();
      g_assert_cmpuint (reports->len, ==, 1);
      g_object_unref (f.controller);
      break;
    case REPORTS_DISPOSE:
    case REPORTS_EMPTY:
      g_object_unref (f.controller);
      break;
    default:
      g_assert_not_reached ();
    }
  iterate_pending ();
  g_assert_null (f.controller);
  if (mode != REPORTS_EMPTY)
    assert_recorded (f.rec, "custom,memory");

  for (guint i = 0; i < reports->len; i++)
    g_test_message ("report %u: %s, %u released", i,
                    resmgr_cleanup_report_get_scope (g_ptr_array_index (reports, i)),
                    resmgr_cleanup_report_get_released (g_ptr_array_index (reports, i)));
  g_assert_cmpuint (reports->len, ==, 1);
  g_assert_cmpstr (resmgr_cleanup_report_get_scope (g_ptr_array_index (reports, 0)), ==, id);
  /* The controller's own report, with what it tracked (and what its
   * coordinator tracks for itself). */
  g_assert_true (g_ptr_array_index (reports, 0) == cleaned);
  g_assert_cmpuint (resmgr_cleanup_report_get_released (cleaned), >=, n_items);
  g_assert_true (resmgr_cleanup_report_is_clean (cleaned));

  g_assert_cmpuint (resmgr_monitor_get_n_reports (monitor), ==, 1);
  kept = resmgr_monitor_dup_report (monitor, 0, NULL);
  g_assert_true (kept == g_ptr_array_index (reports, 0));

  g_signal_handlers_disconnect_by_func (f.manager, collect_report_cb, reports);
  g_object_unref (monitor);
  fixture_clear (&f);
}

/* "<scope>:<released>" of each report, space-separated. */
static char *
join_reports (GPtrArray *reports)
{
  GString *str = g_string_new (NULL);

  for (guint i = 0; i < reports->len; i++)
    g_string_append_printf (str, "%s%s:%u", i > 0 ? " " : "",
                            resmgr_cleanup_report_get_scope (g_ptr_array_index (reports, i)),
                            resmgr_cleanup_report_get_released (g_ptr_array_index (reports, i)));

  return g_string_free (str, FALSE);
}

static void
test_reports_after_shutdown (void)
{
  g_autoptr(GPtrArray) reports = g_ptr_array_new_with_free_func ((GDestroyNotify) resmgr_cleanup_report_unref);
  g_autoptr(ResmgrCleanupReport) report = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *joined = NULL;
  ResmgrController *empty;
  Fixture f;

  g_test_summary ("After a service shutdown that cleaned everything, each controller's "
                  "cleanup runs (::cleaned-up, is_cleaned_up) but adds no empty report "
                  "after the shutdown's");

  fixture_init (&f);
  g_signal_connect (f.manager, "cleanup-finished", G_CALLBACK (collect_report_cb), reports);
  f.controller = controller_new (TEST_TYPE_PLAIN_CONTROLLER, f.manager);
  g_object_add_weak_pointer (G_OBJECT (f.controller), (gpointer *) &f.controller);
  g_signal_connect (f.controller, "cleaned-up", G_CALLBACK (cleaned_up_cb), &f);
  track_items (&f);
  empty = controller_new (TEST_TYPE_PLAIN_CONTROLLER, f.manager);
  g_signal_connect (empty, "cleaned-up", G_CALLBACK (cleaned_up_cb), &f);

  report = resmgr_service_shutdown (RESMGR_SERVICE (f.manager), 5000, &error);
  g_assert_no_error (error);
  g_assert_true (resmgr_cleanup_report_is_clean (report));
  assert_recorded (f.rec, "custom,memory");
  iterate_pending ();

  g_assert_cmpuint (f.n_cleaned_up, ==, 2);
  g_assert_true (resmgr_controller_is_cleaned_up (f.controller));
  g_assert_true (resmgr_controller_is_cleaned_up (empty));
  g_object_unref (empty);
  g_object_unref (f.controller);
  iterate_pending ();

  joined = join_reports (reports);
  g_assert_cmpstr (joined, ==, "shutdown:4");

  g_signal_handlers_disconnect_by_func (f.manager, collect_report_cb, reports);
  fixture_clear (&f);
}

static void
test_reports_after_stuck_shutdown (void)
{
  g_autoptr(GPtrArray) reports = g_ptr_array_new_with_free_func ((GDestroyNotify) resmgr_cleanup_report_unref);
  g_autoptr(ResmgrCleanupReport) report = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *expected = NULL;
  g_autofree char *joined = NULL;
  g_autofree char *id = NULL;
  Fixture f;
  Owner o = { &f, };

  g_test_summary ("A service shutdown that leaves a controller's resources tracked (its "
                  "owner thread did not iterate): when the owner iterates, the controller's "
                  "cleanup cleans them there and reports it, once");

  fixture_init (&f);
  g_signal_connect (f.manager, "cleanup-finished", G_CALLBACK (collect_report_cb), reports);
  o.context = g_main_context_new ();
  g_mutex_init (&o.mutex);
  g_cond_init (&o.cond);

  g_mutex_lock (&o.mutex);
  o.thread = g_thread_new ("owner", owner_thread, &o);
  while (o.controller == NULL)
    cond_wait_or_fail (&o.cond, &o.mutex, "the owner to make its controller");
  g_mutex_unlock (&o.mutex);
  id = g_strdup (resmgr_controller_get_id (o.controller));

  /* The owner waits for o.go: nothing of it runs before the deadline. */
  report = resmgr_service_shutdown (RESMGR_SERVICE (f.manager), 100, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (resmgr_cleanup_report_get_leftovers (report)->len, ==, 3);
  g_assert_cmpuint (recorder_len (f.rec), ==, 0);
  iterate_pending ();

  g_mutex_lock (&o.mutex);
  o.go = TRUE;
  g_cond_broadcast (&o.cond);
  g_mutex_unlock (&o.mutex);
  g_thread_join (o.thread);
  iterate_pending ();

  g_assert_cmpuint (f.n_cleaned_up, ==, 1);
  g_assert_true (f.cleaned_up_thread == o.thread);
  assert_recorded (f.rec, "custom,memory");
  g_assert_true (recorder_thread (f.rec, 0) == o.thread);
  expected = g_strdup_printf ("shutdown:0 %s:3", id);
  joined = join_reports (reports);
  g_assert_cmpstr (joined, ==, expected);

  /* The owner thread is gone: its context is ours now, for the last
   * reference. */
  g_main_context_push_thread_default (o.context);
  g_object_unref (o.controller);
  g_main_context_pop_thread_default (o.context);
  f.controller = NULL;

  g_signal_handlers_disconnect_by_func (f.manager, collect_report_cb, reports);
  g_main_context_unref (o.context);
  g_mutex_clear (&o.mutex);
  g_cond_clear (&o.cond);
  fixture_clear (&f);
}

/* }}} */

/* Busy and status {{{ */

typedef struct
{
  GMutex    mutex;
  GCond     cond;
  gboolean  started;
  gboolean  go;
  GThread  *main_thread;
  GPtrArray *events;    /* char *, main thread only */
  gboolean  off_thread; /* a notify arrived on another thread */
  gint      done;
} Busy;

static gpointer
status_job (ResmgrWorker  *worker,
            GCancellable  *cancellable,
            gpointer       user_data,
            GError       **error)
{
  ResmgrController *controller = user_data;
  Busy *b = g_object_get_data (G_OBJECT (controller), "busy");

  resmgr_controller_set_status (controller, "working");

  g_mutex_lock (&b->mutex);
  b->started = TRUE;
  g_cond_broadcast (&b->cond);
  while (!b->go)
    cond_wait_or_fail (&b->cond, &b->mutex, "the test to let the job go");
  g_mutex_unlock (&b->mutex);

  resmgr_controller_set_status_printf (controller, "done %d", 42);

  return NULL;
}

static void
busy_notify_cb (ResmgrController *controller,
                GParamSpec       *pspec,
                Busy             *b)
{
  if (g_thread_self () != b->main_thread)
    b->off_thread = TRUE;
  g_ptr_array_add (b->events, g_strdup_printf ("busy=%d", resmgr_controller_get_busy (controller)));
}

static void
status_notify_cb (ResmgrController *controller,
                  GParamSpec       *pspec,
                  Busy             *b)
{
  g_autofree char *status = resmgr_controller_dup_status (controller);

  if (g_thread_self () != b->main_thread)
    b->off_thread = TRUE;
  g_ptr_array_add (b->events, g_strdup_printf ("status=%s", status));
}

static void
job_done_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  Busy *b = user_data;
  g_autoptr(GError) error = NULL;

  resmgr_worker_coordinator_run_finish (RESMGR_WORKER_COORDINATOR (source), result, &error);
  g_assert_no_error (error);
  g_atomic_int_set (&b->done, TRUE);
}

static void
test_busy_status (void)
{
  Fixture f;
  Busy b = { 0 };
  g_autoptr(ResmgrWorker) worker = NULL;
  g_autofree char *joined = NULL;
  GtkWidget *label = NULL;

  g_test_summary ("busy and status are notified on the main thread, even when the status is "
                  "set from a job's thread, and can be bound to widgets");

  fixture_init (&f);
  g_mutex_init (&b.mutex);
  g_cond_init (&b.cond);
  b.main_thread = g_thread_self ();
  b.events = g_ptr_array_new_with_free_func (g_free);

  f.controller = controller_new (TEST_TYPE_WORKER_CONTROLLER, f.manager);
  g_object_add_weak_pointer (G_OBJECT (f.controller), (gpointer *) &f.controller);
  g_object_set_data (G_OBJECT (f.controller), "busy", &b);
  g_signal_connect (f.controller, "notify::busy", G_CALLBACK (busy_notify_cb), &b);
  g_signal_connect (f.controller, "notify::status", G_CALLBACK (status_notify_cb), &b);

  if (have_display)
    {
      label = g_object_ref_sink (gtk_label_new (NULL));
      g_object_bind_property (f.controller, "status", label, "label", G_BINDING_DEFAULT);
    }

  worker = resmgr_worker_coordinator_run (resmgr_controller_get_worker_coordinator (f.controller),
                                          "status job", status_job, f.controller, NULL, NULL,
                                          job_done_cb, &b);
  g_assert_nonnull (worker);

  /* Notified from the main loop (this thread does not own the context
   * outside of it). */
  iterate_pending ();
  g_assert_true (resmgr_controller_get_busy (f.controller));

  g_mutex_lock (&b.mutex);
  while (!b.started)
    cond_wait_or_fail (&b.cond, &b.mutex, "the job to start on a pool thread");
  g_mutex_unlock (&b.mutex);

  /* The value is there at once; the notification waits for the main loop. */
  {
    g_autofree char *status = resmgr_controller_dup_status (f.controller);
    g_assert_cmpstr (status, ==, "working");
  }
  iterate_pending ();
  if (label != NULL)
    g_assert_cmpstr (gtk_label_get_label (GTK_LABEL (label)), ==, "working");

  g_mutex_lock (&b.mutex);
  b.go = TRUE;
  g_cond_broadcast (&b.cond);
  g_mutex_unlock (&b.mutex);

  iterate_until (NULL, &b.done);
  iterate_pending ();

  g_assert_false (resmgr_controller_get_busy (f.controller));
  g_assert_false (b.off_thread);
  g_ptr_array_add (b.events, NULL);
  joined = g_strjoinv (",", (char **) b.events->pdata);
  g_assert_cmpstr (joined, ==, "busy=1,status=working,status=done 42,busy=0");
  if (label != NULL)
    g_assert_cmpstr (gtk_label_get_label (GTK_LABEL (label)), ==, "done 42");

  /* Set on the owner thread: notified inline. */
  g_ptr_array_set_size (b.events, b.events->len - 1); /* the NULL */
  resmgr_controller_set_status (f.controller, "idle");
  g_assert_cmpstr (g_ptr_array_index (b.events, b.events->len - 1), ==, "status=idle");

  g_clear_object (&label);
  g_clear_object (&worker);
  g_object_unref (f.controller);
  iterate_pending ();
  fixture_clear (&f);
  g_ptr_array_unref (b.events);
  g_mutex_clear (&b.mutex);
  g_cond_clear (&b.cond);
}

/* }}} */

/* Facets: workers, GL objects and plain resources in one controller {{{ */

typedef struct
{
  GMutex    mutex;
  GCond     cond;
  gboolean  started;
  Recorder *rec;
} Blocker;

/* Runs until cancelled: a job its controller's cleanup must stop first. */
static gpointer
until_cancelled_job (ResmgrWorker  *worker,
                     GCancellable  *cancellable,
                     gpointer       user_data,
                     GError       **error)
{
  Blocker *b = user_data;

  g_mutex_lock (&b->mutex);
  b->started = TRUE;
  g_cond_broadcast (&b->cond);
  g_mutex_unlock (&b->mutex);

  while (!g_cancellable_is_cancelled (cancellable))
    g_usleep (1000);
  recorder_push (b->rec, "job");
  g_cancellable_set_error_if_cancelled (cancellable, error);

  return NULL;
}

static void
job_cancelled_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  g_assert_null (resmgr_worker_coordinator_run_finish (RESMGR_WORKER_COORDINATOR (source), result, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  *(gboolean *) user_data = TRUE;
}

static void
test_facets_mixed (void)
{
  Fixture f;
  Blocker b = { 0 };
  ResmgrWorkerCoordinator *workers;
  ResmgrGLCoordinator *gl;
  g_autoptr(ResmgrWorker) worker = NULL;
  g_autoptr(ResmgrCleanupReport) report = NULL;
  g_autoptr(GError) error = NULL;
  gboolean job_done = FALSE;

  g_test_summary ("A plain controller gets a worker and a GL coordinator on first use, both "
                  "bound to its one component: its cleanup stops the job first, then "
                  "releases what the GL facet tracks, then its plain resources, in one "
                  "report; busy follows the worker facet");

  fixture_init (&f);
  g_mutex_init (&b.mutex);
  g_cond_init (&b.cond);
  b.rec = f.rec;
  f.controller = controller_new (TEST_TYPE_PLAIN_CONTROLLER, f.manager);

  workers = resmgr_controller_get_worker_coordinator (f.controller);
  gl = resmgr_controller_get_gl_coordinator (f.controller);
  g_assert_nonnull (workers);
  g_assert_nonnull (gl);
  g_assert_true ((gpointer) workers != resmgr_controller_get_resources (f.controller));
  g_assert_true (resmgr_controller_get_worker_coordinator (f.controller) == workers);
  g_assert_true (resmgr_controller_get_gl_coordinator (f.controller) == gl);
  g_assert_true (resmgr_controller_get_facet (f.controller, RESMGR_TYPE_COORDINATOR) ==
                 resmgr_controller_get_resources (f.controller));
  g_assert_cmpstr (resmgr_coordinator_get_component_id (RESMGR_COORDINATOR (workers)), ==,
                   resmgr_controller_get_id (f.controller));
  g_assert_cmpstr (resmgr_coordinator_get_component_id (RESMGR_COORDINATOR (gl)), ==,
                   resmgr_controller_get_id (f.controller));

  /* One resource through each facet. */
  (void) (resmgr_coordinator_track_data (RESMGR_COORDINATOR (gl), RESMGR_RESOURCE_TYPE_GL_OBJECT,
                                                   "texture", 0, RESMGR_PRIORITY_DEFAULT,
                                                   item_new (f.rec, "gl"), item_destroy, &error));
  g_assert_no_error (error);
  (void) (resmgr_coordinator_track_data (resmgr_controller_get_resources (f.controller),
                                                   RESMGR_RESOURCE_TYPE_MEMORY, "buffer", 0,
                                                   RESMGR_PRIORITY_DEFAULT, item_new (f.rec, "plain"),
                                                   item_destroy, &error));
  g_assert_no_error (error);
  worker = resmgr_worker_coordinator_run (workers, "until cancelled", until_cancelled_job, &b, NULL,
                                          NULL, job_cancelled_cb, &job_done);
  g_mutex_lock (&b.mutex);
  while (!b.started)
    cond_wait_or_fail (&b.cond, &b.mutex, "the job to start on a pool thread");
  g_mutex_unlock (&b.mutex);
  iterate_pending ();
  g_assert_true (resmgr_controller_get_busy (f.controller));

  report = resmgr_controller_cleanup (f.controller);
  g_assert_true (resmgr_cleanup_report_is_clean (report));
  assert_recorded (f.rec, "job,gl,plain");
  iterate_until (NULL, &job_done);
  iterate_pending ();
  g_assert_false (resmgr_controller_get_busy (f.controller));

  g_clear_object (&worker);
  g_clear_object (&f.controller);
  iterate_pending ();
  g_mutex_clear (&b.mutex);
  g_cond_clear (&b.cond);
  fixture_clear (&f);
}

/* }}} */

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  have_display = gtk_init_check ();

  g_test_add_func ("/Resmgr/Controller/construct", test_construct);
  g_test_add_func ("/Resmgr/Controller/facets/mixed", test_facets_mixed);
  g_test_add_func ("/Resmgr/Controller/cleanup/twice", test_cleanup_twice);
  g_test_add_func ("/Resmgr/Controller/cleanup/at-dispose", test_dispose_cleans);
  g_test_add_func ("/Resmgr/Controller/cleanup/dispose-other-thread", test_dispose_other_thread);
  g_test_add_func ("/Resmgr/Controller/cleanup/from-thread", test_cleanup_from_thread);
  g_test_add_func ("/Resmgr/Controller/cleanup/from-thread/times-out", test_cleanup_from_thread_times_out);
  g_test_add_data_func ("/Resmgr/Controller/cleanup/from-thread/owner-disposes",
                        GINT_TO_POINTER (OWNER_RUN_DISPOSE), test_owner_cleans_while_thread_cleans);
  g_test_add_data_func ("/Resmgr/Controller/cleanup/from-thread/owner-cleans",
                        GINT_TO_POINTER (OWNER_CLEANUP), test_owner_cleans_while_thread_cleans);
  g_test_add_func ("/Resmgr/Controller/cleanup/from-thread/stress", test_cleanup_stress);
  g_test_add_data_func ("/Resmgr/Controller/tab/window-destroyed/plain",
                        test_plain_controller_get_type, test_tab_window_destroyed);
  g_test_add_data_func ("/Resmgr/Controller/tab/window-destroyed/worker",
                        test_worker_controller_get_type, test_tab_window_destroyed);
  g_test_add_data_func ("/Resmgr/Controller/tab/window-destroyed/gl",
                        test_gl_controller_get_type, test_tab_window_destroyed);
  g_test_add_func ("/Resmgr/Controller/tab/never-realized", test_tab_never_realized);
  g_test_add_func ("/Resmgr/Controller/tab/controller-disposed-first", test_controller_disposed_first);
  g_test_add_func ("/Resmgr/Controller/tab/dispose-clears-children", test_tab_dispose_clears_children);
  g_test_add_func ("/Resmgr/Controller/tab/owner-not-iterating", test_tab_owner_not_iterating);
  g_test_add_data_func ("/Resmgr/Controller/tab/rebound-before-cleanup", GINT_TO_POINTER (TRUE),
                        test_tab_rebound_or_cleaned);
  g_test_add_data_func ("/Resmgr/Controller/tab/cleaned-before-deferred-cleanup", GINT_TO_POINTER (FALSE),
                        test_tab_rebound_or_cleaned);
  g_test_add_func ("/Resmgr/Controller/busy-status", test_busy_status);
  g_test_add_func ("/Resmgr/Controller/reports/after-shutdown", test_reports_after_shutdown);
  g_test_add_func ("/Resmgr/Controller/reports/after-stuck-shutdown", test_reports_after_stuck_shutdown);
  g_test_add_data_func ("/Resmgr/Controller/reports/one-per-cleanup/tab",
                        GINT_TO_POINTER (REPORTS_TAB), test_one_report_per_cleanup);
  g_test_add_data_func ("/Resmgr/Controller/reports/one-per-cleanup/cleanup-then-unref",
                        GINT_TO_POINTER (REPORTS_CLEANUP), test_one_report_per_cleanup);
  g_test_add_data_func ("/Resmgr/Controller/reports/one-per-cleanup/unref",
                        GINT_TO_POINTER (REPORTS_DISPOSE), test_one_report_per_cleanup);
  g_test_add_data_func ("/Resmgr/Controller/reports/one-per-cleanup/empty",
                        GINT_TO_POINTER (REPORTS_EMPTY), test_one_report_per_cleanup);

  return g_test_run ();
}
