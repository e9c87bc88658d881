/* test-shutdown.c: resmgr_service_shutdown and its async form
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <string.h>

#include "test-common.h"
#include "mock-service.h"

#define SERVICE(m) RESMGR_SERVICE (m)

static void
assert_phase (ResmgrCleanupReport *report,
              guint                index,
              int                  priority,
              guint                released,
              guint                failed,
              guint                lost)
{
  guint r = G_MAXUINT, f = G_MAXUINT, l = G_MAXUINT;
  gint64 duration = -1;

  g_assert_cmpuint (index, <, resmgr_cleanup_report_get_n_phases (report));
  g_assert_cmpint (resmgr_cleanup_report_get_phase (report, index, &r, &f, &l, &duration), ==, priority);
  g_assert_cmpuint (r, ==, released);
  g_assert_cmpuint (f, ==, failed);
  g_assert_cmpuint (l, ==, lost);
  g_assert_cmpint (duration, >=, 0);
}

static void
assert_clean_report (ResmgrCleanupReport *report)
{
  GPtrArray *leftovers;

  g_assert_nonnull (report);
  g_assert_cmpstr (resmgr_cleanup_report_get_scope (report), ==, "shutdown");
  leftovers = resmgr_cleanup_report_get_leftovers (report);
  g_assert_true (leftovers == NULL || leftovers->len == 0);
  g_assert_false (resmgr_cleanup_report_get_timed_out (report));
  g_assert_cmpuint (resmgr_cleanup_report_get_n_failures (report), ==, 0);
  g_assert_true (resmgr_cleanup_report_is_clean (report));
  g_assert_cmpint (resmgr_cleanup_report_get_duration (report), >=, 0);
}

/* Global order across components */

static void
test_shutdown_global_order (void)
{
  g_autoptr(ResmgrManager) manager = resmgr_manager_new ();
  g_autoptr(TestComponent) a = test_component_new (NULL);
  g_autoptr(TestComponent) b = test_component_new (NULL);
  g_autoptr(TestComponent) c = test_component_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(ResmgrCleanupReport) report = NULL;
  g_autoptr(ResmgrStats) stats = NULL;
  Recorder *rec = recorder_new ();

  g_test_summary ("shutdown cleans all components in global priority order: all "
                  "priority-100 resources of all components newest first, then 90, ...; "
                  "one report phase per priority, descending, with the right counts");

  register_component (SERVICE (manager), a, "A");
  register_component (SERVICE (manager), b, "B");
  register_component (SERVICE (manager), c, "C");

  track_item (SERVICE (manager), a, RESMGR_RESOURCE_TYPE_WORKER, RESMGR_PRIORITY_DEFAULT, rec, "A-w1");
  track_item (SERVICE (manager), b, RESMGR_RESOURCE_TYPE_MEMORY, RESMGR_PRIORITY_DEFAULT, rec, "B-m1");
  track_item (SERVICE (manager), c, RESMGR_RESOURCE_TYPE_TIMER, RESMGR_PRIORITY_DEFAULT, rec, "C-t1");
  track_item (SERVICE (manager), b, RESMGR_RESOURCE_TYPE_WORKER, RESMGR_PRIORITY_DEFAULT, rec, "B-w1");
  track_item (SERVICE (manager), a, RESMGR_RESOURCE_TYPE_TIMER, RESMGR_PRIORITY_DEFAULT, rec, "A-t1");
  track_item (SERVICE (manager), c, RESMGR_RESOURCE_TYPE_WORKER, RESMGR_PRIORITY_DEFAULT, rec, "C-w1");
  track_item (SERVICE (manager), a, RESMGR_RESOURCE_TYPE_MEMORY, RESMGR_PRIORITY_DEFAULT, rec, "A-m1");
  track_item (SERVICE (manager), b, RESMGR_RESOURCE_TYPE_SOURCE, RESMGR_PRIORITY_DEFAULT, rec, "B-s1");
  track_item (SERVICE (manager), c, RESMGR_RESOURCE_TYPE_GL_OBJECT, RESMGR_PRIORITY_DEFAULT, rec, "C-gl1");
  track_item (SERVICE (manager), a, RESMGR_RESOURCE_TYPE_WORKER, RESMGR_PRIORITY_DEFAULT, rec, "A-w2");
  add_item_cleanup (SERVICE (manager), b, 100, rec, "B-cb100", FALSE);
  track_item (SERVICE (manager), c, RESMGR_RESOURCE_TYPE_MEMORY, 90, rec, "C-m90");

  report = resmgr_service_shutdown (SERVICE (manager), 5000, &error);
  g_assert_no_error (error);
  assert_clean_report (report);

  assert_recorded (rec,
                   "B-cb100,A-w2,C-w1,B-w1,A-w1,"
                   "C-m90,B-s1,A-t1,C-t1,"
                   "C-gl1,"
                   "A-m1,B-m1");

  g_assert_cmpuint (resmgr_cleanup_report_get_released (report), ==, 12);
  g_assert_cmpuint (resmgr_cleanup_report_get_failed (report), ==, 0);
  g_assert_cmpuint (resmgr_cleanup_report_get_lost (report), ==, 0);
  g_assert_cmpuint (resmgr_cleanup_report_get_n_phases (report), ==, 4);
  assert_phase (report, 0, 100, 5, 0, 0);
  assert_phase (report, 1, 90, 4, 0, 0);
  assert_phase (report, 2, 80, 1, 0, 0);
  assert_phase (report, 3, 20, 2, 0, 0);

  stats = resmgr_service_dup_stats (SERVICE (manager));
  g_assert_cmpuint (resmgr_stats_get_n_resources (stats), ==, 0);
  g_assert_cmpuint (resmgr_stats_get_total_released (stats), ==, 12);

  /* dropping the components afterwards calls nothing again */
  g_clear_object (&a);
  g_clear_object (&b);
  g_clear_object (&c);
  g_assert_cmpuint (recorder_len (rec), ==, 12);
  g_assert_cmpuint (rec->n_user_data_destroyed, ==, 1);

  recorder_free (rec);
}

/* Deadline and refusal, checked from inside a cleanup */

typedef struct
{
  ResmgrManager *manager;
  TestComponent *comp;
  Recorder      *rec;
  gint64         deadline;
  gboolean       shutting_down;
  guint64        late_id;
  GError        *late_error;
  gboolean       late_register_ok;
  GError        *late_register_error;
} InsideShutdown;

static gboolean
inside_shutdown_cleanup (gpointer   resource,
                         gpointer   user_data,
                         GError   **error)
{
  InsideShutdown *is = user_data;
  g_autoptr(TestComponent) late = test_component_new (NULL);
  Item *item = item_new (is->rec, "late");

  is->deadline = resmgr_service_get_deadline (RESMGR_SERVICE (is->manager));
  is->shutting_down = resmgr_service_is_shutting_down (RESMGR_SERVICE (is->manager));

  is->late_id = resmgr_service_track_data (RESMGR_SERVICE (is->manager), G_OBJECT (is->comp),
                                           RESMGR_RESOURCE_TYPE_MEMORY, "late", 0,
                                           RESMGR_PRIORITY_DEFAULT, item, item_destroy,
                                           &is->late_error);
  if (is->late_id == 0)
    item_free (item);  /* still ours */

  is->late_register_ok = resmgr_service_register_component (RESMGR_SERVICE (is->manager),
                                                            G_OBJECT (late), "late",
                                                            &is->late_register_error);

  recorder_push (is->rec, "inside");
  return TRUE;
}

static void
test_shutdown_deadline (void)
{
  g_autoptr(ResmgrManager) manager = resmgr_manager_new ();
  g_autoptr(TestComponent) comp = test_component_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(ResmgrCleanupReport) report = NULL;
  Recorder *rec = recorder_new ();
  InsideShutdown is = { 0 };
  gint64 before, after;
  const guint timeout_ms = 5000;

  g_test_summary ("During shutdown, get_deadline () is the monotonic time of start + "
                  "timeout, is_shutting_down () is TRUE, and tracking or registering "
                  "from a cleanup is refused with SHUTTING_DOWN, taking nothing");

  g_assert_false (resmgr_service_is_shutting_down (SERVICE (manager)));

  register_component (SERVICE (manager), comp, "owner");
  is.manager = manager;
  is.comp = comp;
  is.rec = rec;
  g_assert_cmpuint (resmgr_service_add_cleanup (SERVICE (manager), G_OBJECT (comp), "inside",
                                                RESMGR_PRIORITY_DEFAULT, inside_shutdown_cleanup,
                                                &is, NULL, &error), !=, 0);
  g_assert_no_error (error);

  before = g_get_monotonic_time ();
  report = resmgr_service_shutdown (SERVICE (manager), timeout_ms, &error);
  after = g_get_monotonic_time ();
  g_assert_no_error (error);
  assert_clean_report (report);

  g_assert_cmpuint (recorder_count (rec, "inside"), ==, 1);
  g_assert_true (is.shutting_down);
  g_assert_cmpint (is.deadline, >, 0);
  g_assert_cmpint (is.deadline, >=, before + (gint64) timeout_ms * 1000);
  g_assert_cmpint (is.deadline, <=, after + (gint64) timeout_ms * 1000);

  g_assert_cmpuint (is.late_id, ==, 0);
  g_assert_error (is.late_error, RESMGR_ERROR, RESMGR_ERROR_SHUTTING_DOWN);
  g_clear_error (&is.late_error);
  g_assert_false (is.late_register_ok);
  g_assert_error (is.late_register_error, RESMGR_ERROR, RESMGR_ERROR_SHUTTING_DOWN);
  g_clear_error (&is.late_register_error);
  g_assert_cmpuint (recorder_count (rec, "late"), ==, 0);

  g_assert_true (resmgr_service_is_shutting_down (SERVICE (manager)));
  recorder_free (rec);
}

/* After shutdown */

static void
test_shutdown_refuses_new (void)
{
  g_autoptr(ResmgrManager) manager = resmgr_manager_new ();
  g_autoptr(TestComponent) comp = test_component_new (NULL);
  g_autoptr(TestComponent) late = test_component_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(ResmgrCleanupReport) report = NULL;
  g_autoptr(ResmgrCleanupReport) second = NULL;
  g_autoptr(ResmgrStats) stats = NULL;
  g_autofree char *late_id = NULL;
  Recorder *rec = recorder_new ();
  Item *item = item_new (rec, "refused");
  guint64 id;
  gboolean ok;

  g_test_summary ("After shutdown: register and track fail with SHUTTING_DOWN; a "
                  "second shutdown returns an empty, clean report");

  register_component (SERVICE (manager), comp, "owner");
  track_item (SERVICE (manager), comp, RESMGR_RESOURCE_TYPE_FILE, RESMGR_PRIORITY_DEFAULT, rec, "file");

  report = resmgr_service_shutdown (SERVICE (manager), 1000, &error);
  g_assert_no_error (error);
  assert_clean_report (report);
  g_assert_cmpuint (resmgr_cleanup_report_get_released (report), ==, 1);
  assert_recorded (rec, "file");

  ok = resmgr_service_register_component (SERVICE (manager), G_OBJECT (late), "late", &error);
  g_assert_error (error, RESMGR_ERROR, RESMGR_ERROR_SHUTTING_DOWN);
  g_assert_false (ok);
  g_clear_error (&error);
  late_id = resmgr_service_dup_component_id (SERVICE (manager), G_OBJECT (late));
  g_assert_null (late_id);

  id = resmgr_service_track_data (SERVICE (manager), G_OBJECT (comp), RESMGR_RESOURCE_TYPE_MEMORY,
                                  "refused", 0, RESMGR_PRIORITY_DEFAULT, item, item_destroy, &error);
  g_assert_error (error, RESMGR_ERROR, RESMGR_ERROR_SHUTTING_DOWN);
  g_assert_cmpuint (id, ==, 0);
  g_clear_error (&error);
  g_assert_cmpuint (recorder_count (rec, "refused"), ==, 0);

  second = resmgr_service_shutdown (SERVICE (manager), 1000, &error);
  g_assert_no_error (error);
  assert_clean_report (second);
  g_assert_cmpuint (resmgr_cleanup_report_get_released (second), ==, 0);

  stats = resmgr_service_dup_stats (SERVICE (manager));
  g_assert_cmpuint (resmgr_stats_get_total_tracked (stats), ==, 1);
  g_assert_cmpuint (resmgr_stats_get_n_resources (stats), ==, 0);

  g_clear_object (&comp);
  g_assert_cmpuint (recorder_len (rec), ==, 1);

  item_destroy (item);  /* still ours */
  recorder_free (rec);
}

static void
test_shutdown_failure (void)
{
  g_autoptr(ResmgrManager) manager = resmgr_manager_new ();
  g_autoptr(TestComponent) comp = test_component_new (NULL);
  g_autoptr(TestObject) object = test_object_new (NULL);
  g_autoptr(TestObject) disposed = test_object_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(ResmgrCleanupReport) report = NULL;
  GPtrArray *leftovers;
  const GError *failure_error = NULL;
  ResmgrHandle *failure;
  Recorder *rec = recorder_new ();

  g_test_summary ("A failing cleanup and a disposed watched object during shutdown: "
                  "the report has the failure and the loss, the others still ran, "
                  "nothing is left over");

  register_component (SERVICE (manager), comp, "owner");
  track_item (SERVICE (manager), comp, RESMGR_RESOURCE_TYPE_MEMORY, RESMGR_PRIORITY_DEFAULT, rec, "mem");
  add_item_cleanup (SERVICE (manager), comp, RESMGR_PRIORITY_DEFAULT, rec, "bad", TRUE);
  g_assert_cmpuint (resmgr_service_track_object (SERVICE (manager), G_OBJECT (comp), RESMGR_RESOURCE_TYPE_WIDGET,
                                                 "window", 0, RESMGR_PRIORITY_DEFAULT, G_OBJECT (object),
                                                 item_cleanup, item_new (rec, "window"), item_free,
                                                 &error), !=, 0);
  g_assert_no_error (error);
  g_assert_cmpuint (resmgr_service_track_object (SERVICE (manager), G_OBJECT (comp), RESMGR_RESOURCE_TYPE_WIDGET,
                                                 "disposed", 0, RESMGR_PRIORITY_DEFAULT, G_OBJECT (disposed),
                                                 item_cleanup, item_new (rec, "disposed"), item_free,
                                                 &error), !=, 0);
  g_assert_no_error (error);
  g_object_run_dispose (G_OBJECT (disposed));

  report = resmgr_service_shutdown (SERVICE (manager), 5000, &error);
  g_assert_no_error (error);
  g_assert_nonnull (report);

  assert_recorded (rec, "window,bad,mem");
  g_assert_cmpuint (rec->n_user_data_destroyed, ==, 3);

  g_assert_cmpuint (resmgr_cleanup_report_get_released (report), ==, 2);
  g_assert_cmpuint (resmgr_cleanup_report_get_failed (report), ==, 1);
  g_assert_cmpuint (resmgr_cleanup_report_get_lost (report), ==, 1);
  g_assert_cmpuint (resmgr_cleanup_report_get_n_failures (report), ==, 1);
  failure = resmgr_cleanup_report_get_failure (report, 0);
  failure_error = resmgr_cleanup_report_get_failure_error (report, 0);
  g_assert_cmpstr (resmgr_handle_get_name (failure), ==, "bad");
  g_assert_true (g_error_matches (failure_error, TEST_ERROR, 42));
  g_assert_false (resmgr_cleanup_report_is_clean (report));
  g_assert_false (resmgr_cleanup_report_get_timed_out (report));
  leftovers = resmgr_cleanup_report_get_leftovers (report);
  g_assert_true (leftovers == NULL || leftovers->len == 0);

  g_assert_cmpuint (resmgr_cleanup_report_get_n_phases (report), ==, 3);
  assert_phase (report, 0, 60, 1, 0, 1);
  assert_phase (report, 1, 50, 0, 1, 0);
  assert_phase (report, 2, 20, 1, 0, 0);

  recorder_free (rec);
}

/* Async */

typedef struct
{
  GMainLoop           *loop;
  ResmgrCleanupReport *report;
  GError              *error;
  GThread             *thread;
} AsyncData;

static void
shutdown_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  AsyncData *ad = user_data;

  ad->thread = g_thread_self ();
  ad->report = resmgr_service_shutdown_finish (RESMGR_SERVICE (source), result, &ad->error);
  g_main_loop_quit (ad->loop);
}

typedef struct
{
  ResmgrManager *manager;
  AsyncData     *ad;
} StartShutdown;

static gboolean
start_shutdown_cb (gpointer data)
{
  StartShutdown *ss = data;

  /* the main thread owns the default context while the shutdown starts */
  resmgr_service_shutdown_async (SERVICE (ss->manager), 5000, NULL, shutdown_cb, ss->ad);
  g_assert_null (ss->ad->thread);
  return G_SOURCE_REMOVE;
}

static void
test_shutdown_async (void)
{
  g_autoptr(ResmgrManager) manager = resmgr_manager_new ();
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(TestComponent) a = test_component_new (NULL);
  g_autoptr(TestComponent) b = test_component_new (NULL);
  Recorder *rec = recorder_new ();
  AsyncData ad = { loop, NULL, NULL, NULL };
  StartShutdown ss = { manager, &ad };

  g_test_summary ("shutdown_async started from the main loop: cleans in global order "
                  "on the owner thread, the callback runs from the main loop and "
                  "_finish returns a clean report");

  register_component (SERVICE (manager), a, "A");
  register_component (SERVICE (manager), b, "B");
  track_item (SERVICE (manager), a, RESMGR_RESOURCE_TYPE_MEMORY, RESMGR_PRIORITY_DEFAULT, rec, "A-m");
  track_item (SERVICE (manager), b, RESMGR_RESOURCE_TYPE_WORKER, RESMGR_PRIORITY_DEFAULT, rec, "B-w");
  track_item (SERVICE (manager), a, RESMGR_RESOURCE_TYPE_WORKER, RESMGR_PRIORITY_DEFAULT, rec, "A-w");
  track_item (SERVICE (manager), b, RESMGR_RESOURCE_TYPE_MEMORY, RESMGR_PRIORITY_DEFAULT, rec, "B-m");

  g_idle_add (start_shutdown_cb, &ss);
  g_main_loop_run (loop);

  g_assert_true (ad.thread == g_thread_self ());
  g_assert_no_error (ad.error);
  assert_clean_report (ad.report);
  g_assert_cmpuint (resmgr_cleanup_report_get_released (ad.report), ==, 4);
  g_assert_cmpuint (resmgr_cleanup_report_get_n_phases (ad.report), ==, 2);
  assert_phase (ad.report, 0, 100, 2, 0, 0);
  assert_phase (ad.report, 1, 20, 2, 0, 0);

  assert_recorded (rec, "A-w,B-w,B-m,A-m");
  for (guint i = 0; i < recorder_len (rec); i++)
    g_assert_true (recorder_thread (rec, i) == g_thread_self ());

  g_assert_true (resmgr_service_is_shutting_down (SERVICE (manager)));

  resmgr_cleanup_report_unref (ad.report);
  recorder_free (rec);
}

static void
test_shutdown_async_refuses_at_once (void)
{
  g_autoptr(ResmgrManager) manager = resmgr_manager_new ();
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(TestComponent) comp = test_component_new (NULL);
  g_autoptr(TestComponent) late = test_component_new (NULL);
  g_autoptr(GError) error = NULL;
  Recorder *rec = recorder_new ();
  AsyncData ad = { loop, NULL, NULL, NULL };
  Item *item = item_new (rec, "refused");
  guint64 id;
  gboolean ok;

  g_test_summary ("shutdown_async refuses new tracking and registration from the "
                  "moment it is called, not only once its worker got going");

  register_component (SERVICE (manager), comp, "owner");
  track_item (SERVICE (manager), comp, RESMGR_RESOURCE_TYPE_MEMORY, RESMGR_PRIORITY_DEFAULT, rec, "m");

  resmgr_service_shutdown_async (SERVICE (manager), 5000, NULL, shutdown_cb, &ad);
  g_assert_true (resmgr_service_is_shutting_down (SERVICE (manager)));

  id = resmgr_service_track_data (SERVICE (manager), G_OBJECT (comp), RESMGR_RESOURCE_TYPE_MEMORY, "refused",
                                  0, RESMGR_PRIORITY_DEFAULT, item, item_destroy, &error);
  g_assert_error (error, RESMGR_ERROR, RESMGR_ERROR_SHUTTING_DOWN);
  g_assert_cmpuint (id, ==, 0);
  g_clear_error (&error);

  ok = resmgr_service_register_component (SERVICE (manager), G_OBJECT (late), NULL, &error);
  g_assert_error (error, RESMGR_ERROR, RESMGR_ERROR_SHUTTING_DOWN);
  g_assert_false (ok);

  g_main_loop_run (loop);
  g_assert_no_error (ad.error);
  assert_clean_report (ad.report);
  g_assert_cmpuint (resmgr_cleanup_report_get_released (ad.report), ==, 1);
  assert_recorded (rec, "m");

  item_destroy (item);  /* still ours */
  resmgr_cleanup_report_unref (ad.report);
  recorder_free (rec);
}

/* Components owned by other threads */

typedef struct
{
  ResmgrManager *manager;
  Recorder      *rec;
  GMutex         mutex;
  GCond          cond;
  int            stage;        /* 0 start, 1 registered, 2 go on */
  gboolean       run_loop;     /* run the loop, or block until stage 2 */
  GMainContext  *context;
  GMainLoop     *loop;
  TestComponent *comp;
  const char    *prefix;
} OwnerThread;

static gboolean
quit_loop_cb (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
}

static gpointer
owner_thread_func (gpointer data)
{
  OwnerThread *ot = data;
  g_autofree char *name_t = g_strdup_printf ("%s-t", ot->prefix);
  g_autofree char *name_m = g_strdup_printf ("%s-m", ot->prefix);

  ot->context = g_main_context_new ();
  ot->loop = g_main_loop_new (ot->context, FALSE);
  g_main_context_push_thread_default (ot->context);

  ot->comp = test_component_new (NULL);
  register_component (SERVICE (ot->manager), ot->comp, ot->prefix);
  track_item (SERVICE (ot->manager), ot->comp, RESMGR_RESOURCE_TYPE_TIMER, RESMGR_PRIORITY_DEFAULT,
              ot->rec, name_t);
  track_item (SERVICE (ot->manager), ot->comp, RESMGR_RESOURCE_TYPE_MEMORY, RESMGR_PRIORITY_DEFAULT,
              ot->rec, name_m);

  g_mutex_lock (&ot->mutex);
  ot->stage = 1;
  g_cond_broadcast (&ot->cond);
  if (!ot->run_loop)
    {
      /* stuck: holds its context without iterating it */
      while (ot->stage < 2)
        g_cond_wait (&ot->cond, &ot->mutex);
    }
  g_mutex_unlock (&ot->mutex);

  if (ot->run_loop)
    g_main_loop_run (ot->loop);

  /* whatever was dispatched here runs now */
  while (g_main_context_iteration (ot->context, FALSE))
    ;
  g_clear_object (&ot->comp);
  while (g_main_context_iteration (ot->context, FALSE))
    ;

  g_main_context_pop_thread_default (ot->context);
  return NULL;
}

static GThread *
owner_thread_start (OwnerThread   *ot,
                    ResmgrManager *manager,
                    Recorder      *rec,
                    const char    *prefix,
                    gboolean       run_loop)
{
  GThread *thread;

  ot->manager = manager;
  ot->rec = rec;
  ot->prefix = prefix;
  ot->run_loop = run_loop;
  g_mutex_init (&ot->mutex);
  g_cond_init (&ot->cond);

  thread = g_thread_new (prefix, owner_thread_func, ot);

  g_mutex_lock (&ot->mutex);
  while (ot->stage < 1)
    g_cond_wait (&ot->cond, &ot->mutex);
  g_mutex_unlock (&ot->mutex);

  return thread;
}

static void
owner_thread_finish (OwnerThread *ot,
                     GThread     *thread)
{
  if (ot->run_loop)
    g_main_context_invoke (ot->context, quit_loop_cb, ot->loop);

  g_mutex_lock (&ot->mutex);
  ot->stage = 2;
  g_cond_broadcast (&ot->cond);
  g_mutex_unlock (&ot->mutex);

  g_thread_join (thread);

  g_main_loop_unref (ot->loop);
  g_main_context_unref (ot->context);
  g_mutex_clear (&ot->mutex);
  g_cond_clear (&ot->cond);
}

static void
test_shutdown_other_thread (void)
{
  g_autoptr(ResmgrManager) manager = resmgr_manager_new ();
  g_autoptr(TestComponent) main_comp = test_component_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(ResmgrCleanupReport) report = NULL;
  Recorder *rec = recorder_new ();
  OwnerThread ot = { 0 };
  GThread *thread;

  g_test_summary ("shutdown cleans a component owned by another thread's context on "
                  "that thread, waits for it, and keeps the global priority order "
                  "across threads");

  register_component (SERVICE (manager), main_comp, "M");
  track_item (SERVICE (manager), main_comp, RESMGR_RESOURCE_TYPE_WORKER, RESMGR_PRIORITY_DEFAULT, rec, "M-w");
  track_item (SERVICE (manager), main_comp, RESMGR_RESOURCE_TYPE_MEMORY, RESMGR_PRIORITY_DEFAULT, rec, "M-m");

  /* registers W, tracks W-t (90) and W-m (20, newer than M-m) */
  thread = owner_thread_start (&ot, manager, rec, "W", TRUE);

  report = resmgr_service_shutdown (SERVICE (manager), 10000, &error);
  g_assert_no_error (error);
  assert_clean_report (report);
  g_assert_cmpuint (resmgr_cleanup_report_get_released (report), ==, 4);

  /* each on its owner thread */
  g_assert_cmpuint (recorder_len (rec), ==, 4);
  for (guint i = 0; i < 4; i++)
    {
      const char *name = g_ptr_array_index (rec->names, i);
      GThread *expected = name[0] == 'W' ? thread : g_thread_self ();

      g_assert_true (recorder_thread (rec, i) == expected);
    }
  assert_recorded (rec, "M-w,W-t,W-m,M-m");

  owner_thread_finish (&ot, thread);
  g_assert_cmpuint (recorder_len (rec), ==, 4);
  recorder_free (rec);
}

static void
test_shutdown_timeout (void)
{
  g_autoptr(ResmgrManager) manager = resmgr_manager_new ();
  g_autoptr(TestComponent) main_comp = test_component_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(ResmgrCleanupReport) report = NULL;
  g_autoptr(GString) names = g_string_new (NULL);
  Recorder *rec = recorder_new ();
  OwnerThread ot = { 0 };
  GPtrArray *leftovers;
  GThread *thread;

  g_test_summary ("A component whose owner thread does not iterate its context: "
                  "shutdown returns at the deadline with timed_out and that "
                  "component's resources as leftovers; each is still cleaned exactly "
                  "once later");

  register_component (SERVICE (manager), main_comp, "M");
  track_item (SERVICE (manager), main_comp, RESMGR_RESOURCE_TYPE_MEMORY, RESMGR_PRIORITY_DEFAULT, rec, "M-m");

  thread = owner_thread_start (&ot, manager, rec, "S", FALSE);

  report = resmgr_service_shutdown (SERVICE (manager), 200, &error);
  g_assert_no_error (error);
  g_assert_nonnull (report);
  g_assert_true (resmgr_cleanup_report_get_timed_out (report));
  g_assert_false (resmgr_cleanup_report_is_clean (report));

  leftovers = resmgr_cleanup_report_get_leftovers (report);
  g_assert_nonnull (leftovers);
  for (guint i = 0; i < leftovers->len; i++)
    {
      ResmgrHandle *handle = g_ptr_array_index (leftovers, i);

      g_assert_cmpstr (resmgr_handle_get_component_id (handle), ==, "S");
      g_string_append_printf (names, "%s;", resmgr_handle_get_name (handle));
    }
  /* S-t (90) could not run, so neither could S-m */
  g_assert_cmpuint (leftovers->len, ==, 2);
  g_assert_nonnull (strstr (names->str, "S-t;"));
  g_assert_nonnull (strstr (names->str, "S-m;"));

  g_assert_cmpuint (recorder_count (rec, "S-t"), ==, 0);
  g_assert_cmpuint (recorder_count (rec, "S-m"), ==, 0);

  /* unblock: whatever is still tracked is cleaned once, late */
  owner_thread_finish (&ot, thread);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_cmpuint (recorder_count (rec, "S-t"), ==, 1);
  g_assert_cmpuint (recorder_count (rec, "S-m"), ==, 1);
  g_assert_cmpuint (recorder_count (rec, "M-m"), <=, 1);

  g_clear_object (&main_comp);
  g_assert_cmpuint (recorder_count (rec, "M-m"), ==, 1);
  recorder_free (rec);
}

/* Async shutdown at its deadline */

static void
test_shutdown_async_stuck_owner (void)
{
  g_autoptr(ResmgrManager) manager = resmgr_manager_new ();
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(TestComponent) main_comp = test_component_new (NULL);
  Recorder *rec = recorder_new ();
  AsyncData ad = { loop, NULL, NULL, NULL };
  OwnerThread ot = { 0 };
  GPtrArray *leftovers;
  GThread *thread;

  g_test_summary ("shutdown_async with an owner that never iterates: the deadline "
                  "source on the caller's context ends it, the stuck component's "
                  "resources are leftovers whose reason names its context, the "
                  "caller's own lower-priority batch still ran, on the caller's "
                  "thread, and nothing ran on the stuck thread");

  register_component (SERVICE (manager), main_comp, "M");
  track_item (SERVICE (manager), main_comp, RESMGR_RESOURCE_TYPE_MEMORY, RESMGR_PRIORITY_DEFAULT, rec, "M-m");
  thread = owner_thread_start (&ot, manager, rec, "S", FALSE);

  resmgr_service_shutdown_async (SERVICE (manager), 200, NULL, shutdown_cb, &ad);
  g_main_loop_run (loop);

  g_assert_no_error (ad.error);
  g_assert_nonnull (ad.report);
  g_assert_true (ad.thread == g_thread_self ());
  g_assert_true (resmgr_cleanup_report_get_timed_out (ad.report));
  g_assert_cmpuint (resmgr_cleanup_report_get_n_overruns (ad.report), ==, 0);
  leftovers = resmgr_cleanup_report_get_leftovers (ad.report);
  g_assert_cmpuint (leftovers->len, ==, 2);
  for (guint i = 0; i < leftovers->len; i++)
    {
      g_assert_cmpstr (resmgr_handle_get_component_id (g_ptr_array_index (leftovers, i)), ==, "S");
      g_assert_nonnull (strstr (resmgr_cleanup_report_get_leftover_reason (ad.report, i), "not iterated"));
    }
  g_assert_cmpuint (resmgr_cleanup_report_get_released (ad.report), ==, 1);
  g_assert_cmpuint (recorder_count (rec, "M-m"), ==, 1);
  g_assert_true (recorder_thread (rec, 0) == g_thread_self ());
  g_assert_cmpuint (recorder_count (rec, "S-t"), ==, 0);

  /* The stuck thread goes on: the abandoned batch does not run late; its
   * component's disposal on its own thread cleans its resources once. */
  owner_thread_finish (&ot, thread);
  g_assert_cmpuint (recorder_count (rec, "S-t"), ==, 1);
  g_assert_cmpuint (recorder_count (rec, "S-m"), ==, 1);
  for (guint i = 0; i < recorder_len (rec); i++)
    if (((const char *) g_ptr_array_index (rec->names, i))[0] == 'S')
      g_assert_true (recorder_thread (rec, i) == thread);

  resmgr_cleanup_report_unref (ad.report);
  recorder_free (rec);
}

typedef struct
{
  GMutex   mutex;
  GCond    cond;
  int      stage; /* 1: the slow cleanup started; 2: let it return */
  GThread *thread;
} Slow;

static gboolean
slow_cleanup (gpointer   resource,
              gpointer   user_data,
              GError   **error)
{
  Slow *slow = user_data;

  g_mutex_lock (&slow->mutex);
  slow->thread = g_thread_self ();
  slow->stage = 1;
  g_cond_broadcast (&slow->cond);
  while (slow->stage < 2)
    g_cond_wait (&slow->cond, &slow->mutex);
  g_mutex_unlock (&slow->mutex);

  return TRUE;
}

static void
collect_report_cb (ResmgrService       *service,
                   ResmgrCleanupReport *report,
                   gpointer             user_data)
{
  g_ptr_array_add (user_data, resmgr_cleanup_report_ref (report));
}

static void
test_shutdown_async_overrun (void)
{
  g_autoptr(ResmgrManager) manager = resmgr_manager_new ();
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(GPtrArray) reports = g_ptr_array_new_with_free_func ((GDestroyNotify) resmgr_cleanup_report_unref);
  g_autoptr(GError) error = NULL;
  Recorder *rec = recorder_new ();
  AsyncData ad = { loop, NULL, NULL, NULL };
  OwnerThread ot = { 0 };
  Slow slow = { 0 };
  ResmgrCleanupReport *late = NULL;
  ResmgrHandle *overrun;
  gint64 running = 0;
  GThread *thread;

  g_test_summary ("shutdown_async with a cleanup that blocks past the deadline on its "
                  "owner thread: the report names the overrun with its component and "
                  "run time, counts what ran before it in the same batch, lists what "
                  "was behind it as leftovers; when it returns, a 'shutdown (late)' "
                  "report records it");

  g_mutex_init (&slow.mutex);
  g_cond_init (&slow.cond);
  g_signal_connect (manager, "cleanup-finished", G_CALLBACK (collect_report_cb), reports);

  /* S-t (90) then S-m (20) are tracked by the thread; the slow one (50)
   * runs between them, in the same batch. */
  thread = owner_thread_start (&ot, manager, rec, "S", TRUE);
  g_assert_cmpuint (resmgr_service_add_cleanup (SERVICE (manager), G_OBJECT (ot.comp), "slow", 50,
                                                slow_cleanup, &slow, NULL, &error), !=, 0);
  g_assert_no_error (error);

  resmgr_service_shutdown_async (SERVICE (manager), 200, NULL, shutdown_cb, &ad);
  g_main_loop_run (loop);

  g_assert_no_error (ad.error);
  g_assert_true (resmgr_cleanup_report_get_timed_out (ad.report));
  g_assert_false (resmgr_cleanup_report_is_clean (ad.report));
  g_assert_cmpuint (resmgr_cleanup_report_get_released (ad.report), ==, 1); /* S-t */
  g_assert_cmpuint (resmgr_cleanup_report_get_n_overruns (ad.report), ==, 1);
  overrun = resmgr_cleanup_report_get_overrun (ad.report, 0, &running);
  g_assert_cmpstr (resmgr_handle_get_name (overrun), ==, "slow");
  g_assert_cmpstr (resmgr_handle_get_component_id (overrun), ==, "S");
  g_assert_cmpint (running, >, 0);
  g_assert_cmpuint (resmgr_cleanup_report_get_leftovers (ad.report)->len, ==, 1);
  g_assert_cmpstr (resmgr_handle_get_name (g_ptr_array_index (resmgr_cleanup_report_get_leftovers (ad.report), 0)), ==, "S-m");
  g_assert_nonnull (resmgr_cleanup_report_get_leftover_reason (ad.report, 0));

  g_mutex_lock (&slow.mutex);
  g_assert_cmpint (slow.stage, ==, 1);
  g_assert_true (slow.thread == thread);
  slow.stage = 2;
  g_cond_broadcast (&slow.cond);
  g_mutex_unlock (&slow.mutex);

  /* The late report is emitted on the manager's context (ours). */
  while (late == NULL)
    {
      g_main_context_iteration (NULL, TRUE);
      for (guint i = 0; i < reports->len; i++)
        if (g_strcmp0 (resmgr_cleanup_report_get_scope (g_ptr_array_index (reports, i)), "shutdown (late)") == 0)
          late = g_ptr_array_index (reports, i);
    }
  g_assert_cmpuint (resmgr_cleanup_report_get_released (late), ==, 1);
  g_assert_cmpuint (resmgr_cleanup_report_get_leftovers (late)->len, ==, 0);

  owner_thread_finish (&ot, thread);
  /* S-m was given back at the deadline, and cleaned once with its component. */
  g_assert_cmpuint (recorder_count (rec, "S-m"), ==, 1);
  g_assert_cmpuint (recorder_count (rec, "S-t"), ==, 1);

  g_mutex_clear (&slow.mutex);
  g_cond_clear (&slow.cond);
  resmgr_cleanup_report_unref (ad.report);
  recorder_free (rec);
}

/* Cleanup phases */

static void
test_phase_floor (void)
{
  g_autoptr(ResmgrManager) manager = resmgr_manager_new ();
  g_autoptr(TestComponent) a = test_component_new (NULL);
  g_autoptr(TestComponent) b = test_component_new (NULL);
  g_autoptr(TestComponent) c = test_component_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(ResmgrCleanupReport) report = NULL;
  g_autoptr(ResmgrCleanupReport) rest = NULL;
  g_autoptr(ResmgrStats) stats = NULL;
  g_auto(GStrv) ids = NULL;
  Recorder *rec = recorder_new ();

  g_test_summary ("cleanup_phase down to a priority cleans, across components, only the "
                  "resources at or above the floor, in global priority order (newest first "
                  "within a priority); the components stay registered with the rest, new "
                  "tracking is not refused, and a later shutdown cleans the rest");

  register_component (SERVICE (manager), a, "A");
  register_component (SERVICE (manager), b, "B");
  register_component (SERVICE (manager), c, "C");

  track_item (SERVICE (manager), a, RESMGR_RESOURCE_TYPE_WORKER, RESMGR_PRIORITY_DEFAULT, rec, "A-w");
  track_item (SERVICE (manager), b, RESMGR_RESOURCE_TYPE_SOURCE, RESMGR_PRIORITY_DEFAULT, rec, "B-s");
  track_item (SERVICE (manager), c, RESMGR_RESOURCE_TYPE_GL_OBJECT, RESMGR_PRIORITY_DEFAULT, rec, "C-gl");
  track_item (SERVICE (manager), a, RESMGR_RESOURCE_TYPE_MEMORY, RESMGR_PRIORITY_DEFAULT, rec, "A-m");
  track_item (SERVICE (manager), b, RESMGR_RESOURCE_TYPE_WORKER, RESMGR_PRIORITY_DEFAULT, rec, "B-w");
  track_item (SERVICE (manager), c, RESMGR_RESOURCE_TYPE_MEMORY, 90, rec, "C-m90");
  track_item (SERVICE (manager), b, RESMGR_RESOURCE_TYPE_GL_OBJECT, RESMGR_PRIORITY_DEFAULT, rec, "B-gl");
  track_item (SERVICE (manager), c, RESMGR_RESOURCE_TYPE_FILE, RESMGR_PRIORITY_DEFAULT, rec, "C-f");
  add_item_cleanup (SERVICE (manager), b, RESMGR_PRIORITY_DEFAULT, rec, "B-cb", FALSE);
  track_item (SERVICE (manager), a, RESMGR_RESOURCE_TYPE_TIMER, 79, rec, "A-t79");

  report = resmgr_service_cleanup_phase (SERVICE (manager), 80, 5000, &error);
  g_assert_no_error (error);
  g_assert_nonnull (report);

  assert_recorded (rec, "B-w,A-w,C-m90,B-s,B-gl,C-gl");
  g_assert_cmpstr (resmgr_cleanup_report_get_scope (report), ==, "cleanup phase down to priority 80");
  g_assert_cmpuint (resmgr_cleanup_report_get_n_phases (report), ==, 3);
  assert_phase (report, 0, 100, 2, 0, 0);
  assert_phase (report, 1, 90, 2, 0, 0);
  assert_phase (report, 2, 80, 2, 0, 0);
  g_assert_cmpuint (resmgr_cleanup_report_get_leftovers (report)->len, ==, 0);
  g_assert_false (resmgr_cleanup_report_get_timed_out (report));
  g_assert_true (resmgr_cleanup_report_is_clean (report));

  /* What is below the floor stays, with its components. */
  stats = resmgr_service_dup_stats (SERVICE (manager));
  g_assert_cmpuint (resmgr_stats_get_n_resources (stats), ==, 4);
  ids = resmgr_service_dup_component_ids (SERVICE (manager));
  g_assert_cmpuint (g_strv_length (ids), ==, 3);
  g_assert_false (resmgr_service_is_shutting_down (SERVICE (manager)));
  g_assert_cmpint (resmgr_service_get_deadline (SERVICE (manager)), ==, 0);
  track_item (SERVICE (manager), c, RESMGR_RESOURCE_TYPE_WORKER, RESMGR_PRIORITY_DEFAULT, rec, "C-w");

  /* A phase with nothing at its floor cleans nothing. */
  g_clear_pointer (&report, resmgr_cleanup_report_unref);
  report = resmgr_service_cleanup_phase (SERVICE (manager), RESMGR_PRIORITY_MAX, 5000, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (resmgr_cleanup_report_get_n_phases (report), ==, 0);
  g_assert_true (resmgr_cleanup_report_is_clean (report));

  rest = resmgr_service_shutdown (SERVICE (manager), 5000, &error);
  g_assert_no_error (error);
  assert_clean_report (rest);
  assert_recorded (rec, "B-w,A-w,C-m90,B-s,B-gl,C-gl,C-w,A-t79,B-cb,C-f,A-m");

  g_clear_object (&a);
  g_clear_object (&b);
  g_clear_object (&c);
  g_assert_cmpuint (recorder_len (rec), ==, 11);
  recorder_free (rec);
}

static void
test_phase_stuck_owner (void)
{
  g_autoptr(ResmgrManager) manager = resmgr_manager_new ();
  g_autoptr(TestComponent) main_comp = test_component_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(ResmgrCleanupReport) report = NULL;
  Recorder *rec = recorder_new ();
  OwnerThread ot = { 0 };
  GPtrArray *leftovers;
  GThread *thread;

  g_test_summary ("A cleanup phase that reaches a component whose owner thread holds its "
                  "context without iterating it ends at its deadline: timed out, that "
                  "component's resources at or above the floor named as leftovers (not "
                  "those below), nothing of it run on another thread, the caller's own "
                  "batch run on the caller's thread; the owner cleans them once later");

  register_component (SERVICE (manager), main_comp, "M");
  track_item (SERVICE (manager), main_comp, RESMGR_RESOURCE_TYPE_WORKER, RESMGR_PRIORITY_DEFAULT, rec, "M-w");
  track_item (SERVICE (manager), main_comp, RESMGR_RESOURCE_TYPE_GL_OBJECT, RESMGR_PRIORITY_DEFAULT, rec, "M-gl");

  /* S: S-t (90) and S-m (20), on a thread that does not iterate. */
  thread = owner_thread_start (&ot, manager, rec, "S", FALSE);

  report = resmgr_service_cleanup_phase (SERVICE (manager), 90, 200, &error);
  g_assert_no_error (error);
  g_assert_nonnull (report);
  g_assert_true (resmgr_cleanup_report_get_timed_out (report));
  g_assert_false (resmgr_cleanup_report_is_clean (report));
  g_assert_cmpuint (resmgr_cleanup_report_get_released (report), ==, 1);

  leftovers = resmgr_cleanup_report_get_leftovers (report);
  g_assert_cmpuint (leftovers->len, ==, 1);
  g_assert_cmpstr (resmgr_handle_get_component_id (g_ptr_array_index (leftovers, 0)), ==, "S");
  g_assert_cmpstr (resmgr_handle_get_name (g_ptr_array_index (leftovers, 0)), ==, "S-t");
  g_assert_nonnull (strstr (resmgr_cleanup_report_get_leftover_reason (report, 0), "not iterated"));

  assert_recorded (rec, "M-w");
  g_assert_true (recorder_thread (rec, 0) == g_thread_self ());
  g_assert_false (resmgr_service_is_shutting_down (SERVICE (manager)));

  /* The stuck thread goes on: the abandoned batch does not run late; its
   * component's disposal there cleans both of its resources, once. */
  owner_thread_finish (&ot, thread);
  g_assert_cmpuint (recorder_count (rec, "S-t"), ==, 1);
  g_assert_cmpuint (recorder_count (rec, "S-m"), ==, 1);
  for (guint i = 0; i < recorder_len (rec); i++)
    if (((const char *) g_ptr_array_index (rec->names, i))[0] == 'S')
      g_assert_true (recorder_thread (rec, i) == thread);
  g_assert_cmpuint (recorder_count (rec, "M-gl"), ==, 0);

  g_clear_object (&main_comp);
  g_assert_cmpuint (recorder_count (rec, "M-gl"), ==, 1);
  recorder_free (rec);
}

static void
phase_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  AsyncData *ad = user_data;

  ad->thread = g_thread_self ();
  ad->report = resmgr_service_cleanup_phase_finish (RESMGR_SERVICE (source), result, &ad->error);
  g_main_loop_quit (ad->loop);
}

static void
test_phase_async_other_thread (void)
{
  g_autoptr(ResmgrManager) manager = resmgr_manager_new ();
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(TestComponent) main_comp = test_component_new (NULL);
  g_autoptr(GError) error = NULL;
  Recorder *rec = recorder_new ();
  AsyncData ad = { loop, NULL, NULL, NULL };
  OwnerThread ot = { 0 };
  GThread *thread;

  g_test_summary ("cleanup_phase_async hands its batches from owner to owner in global "
                  "priority order, each on its owner thread, down to the floor only, and "
                  "completes on the caller's context; a second phase while it runs is "
                  "refused");

  register_component (SERVICE (manager), main_comp, "M");
  track_item (SERVICE (manager), main_comp, RESMGR_RESOURCE_TYPE_WORKER, RESMGR_PRIORITY_DEFAULT, rec, "M-w");
  track_item (SERVICE (manager), main_comp, RESMGR_RESOURCE_TYPE_GL_OBJECT, RESMGR_PRIORITY_DEFAULT, rec, "M-gl");
  track_item (SERVICE (manager), main_comp, RESMGR_RESOURCE_TYPE_MEMORY, RESMGR_PRIORITY_DEFAULT, rec, "M-m");
  /* W: W-t (90) and W-m (20), on a thread that runs its loop. */
  thread = owner_thread_start (&ot, manager, rec, "W", TRUE);

  resmgr_service_cleanup_phase_async (SERVICE (manager), 80, 10000, NULL, phase_cb, &ad);
  g_assert_null (resmgr_service_cleanup_phase (SERVICE (manager), 0, 10000, &error));
  g_assert_error (error, RESMGR_ERROR, RESMGR_ERROR_CLEANUP_IN_PROGRESS);
  g_main_loop_run (loop);

  g_assert_no_error (ad.error);
  g_assert_nonnull (ad.report);
  g_assert_true (ad.thread == g_thread_self ());
  g_assert_true (resmgr_cleanup_report_is_clean (ad.report));
  g_assert_cmpuint (resmgr_cleanup_report_get_released (ad.report), ==, 3);
  assert_recorded (rec, "M-w,W-t,M-gl");
  g_assert_true (recorder_thread (rec, 0) == g_thread_self ());
  g_assert_true (recorder_thread (rec, 1) == thread);
  g_assert_true (recorder_thread (rec, 2) == g_thread_self ());

  owner_thread_finish (&ot, thread);
  g_assert_cmpuint (recorder_count (rec, "W-m"), ==, 1);
  g_assert_cmpuint (recorder_count (rec, "M-m"), ==, 0);
  g_clear_object (&main_comp);
  g_assert_cmpuint (recorder_count (rec, "M-m"), ==, 1);

  resmgr_cleanup_report_unref (ad.report);
  recorder_free (rec);
}

static void
test_phase_default_implementation (void)
{
  g_autoptr(ResmgrTestService) inner = resmgr_test_service_new ();
  g_autoptr(MockService) mock = mock_service_new (inner);
  g_autoptr(TestComponent) a = test_component_new (NULL);
  g_autoptr(TestComponent) b = test_component_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(ResmgrCleanupReport) report = NULL;
  const GError *failure = NULL;
  Recorder *rec = recorder_new ();

  g_test_summary ("A service that does not implement cleanup_phase gets the interface's "
                  "default: what dup_handles lists at or above the floor is released "
                  "through release, across components, highest priority first and newest "
                  "first, a failure recorded with its error, the rest left tracked");

  register_component (SERVICE (mock), a, "A");
  register_component (SERVICE (mock), b, "B");
  /* Within a priority, newest first: by creation time, then by id, and a
   * later component's ids are higher; so B's resources are tracked last. */
  track_item (SERVICE (mock), a, RESMGR_RESOURCE_TYPE_WORKER, 100, rec, "A-w");
  track_item (SERVICE (mock), a, RESMGR_RESOURCE_TYPE_TIMER, 90, rec, "A-t");
  track_item (SERVICE (mock), b, RESMGR_RESOURCE_TYPE_SOURCE, 90, rec, "B-s");
  track_item (SERVICE (mock), a, RESMGR_RESOURCE_TYPE_MEMORY, 20, rec, "A-m");
  track_item (SERVICE (mock), b, RESMGR_RESOURCE_TYPE_WORKER, 100, rec, "B-w");
  add_item_cleanup (SERVICE (mock), a, 95, rec, "A-cb95", TRUE);
  resmgr_test_service_clear_calls (inner);

  report = resmgr_service_cleanup_phase (SERVICE (mock), 90, 5000, &error);
  g_assert_no_error (error);
  g_assert_nonnull (report);

  assert_recorded (rec, "B-w,A-w,A-cb95,B-s,A-t");
  g_assert_cmpuint (resmgr_test_service_count_calls (inner, "release"), ==, 5);
  resmgr_assert_cleanup_order (inner, NULL, "B-w", "A-w", "A-cb95", "B-s", "A-t", NULL);
  {
    g_autoptr(GPtrArray) left = resmgr_service_dup_handles (SERVICE (mock), NULL);

    resmgr_assert_handles (left, "A-m", NULL);
  }
  g_assert_cmpstr (resmgr_cleanup_report_get_scope (report), ==, "cleanup phase down to priority 90");
  g_assert_cmpuint (resmgr_cleanup_report_get_n_phases (report), ==, 3);
  assert_phase (report, 0, 100, 2, 0, 0);
  assert_phase (report, 1, 95, 0, 1, 0);
  assert_phase (report, 2, 90, 2, 0, 0);
  g_assert_cmpuint (resmgr_cleanup_report_get_n_failures (report), ==, 1);
  g_assert_cmpstr (resmgr_handle_get_name (resmgr_cleanup_report_get_failure (report, 0)), ==, "A-cb95");
  failure = resmgr_cleanup_report_get_failure_error (report, 0);
  g_assert_error ((GError *) failure, TEST_ERROR, 42);
  g_assert_false (resmgr_cleanup_report_get_timed_out (report));

  g_clear_object (&a);
  g_clear_object (&b);
  recorder_free (rec);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Resmgr/Shutdown/global-order", test_shutdown_global_order);
  g_test_add_func ("/Resmgr/Shutdown/deadline", test_shutdown_deadline);
  g_test_add_func ("/Resmgr/Shutdown/refuses-new", test_shutdown_refuses_new);
  g_test_add_func ("/Resmgr/Shutdown/failure", test_shutdown_failure);
  g_test_add_func ("/Resmgr/Shutdown/async", test_shutdown_async);
  g_test_add_func ("/Resmgr/Shutdown/other-thread", test_shutdown_other_thread);
  g_test_add_func ("/Resmgr/Shutdown/timeout", test_shutdown_timeout);
  g_test_add_func ("/Resmgr/Shutdown/async-refuses-at-once", test_shutdown_async_refuses_at_once);
  g_test_add_func ("/Resmgr/Shutdown/async-stuck-owner", test_shutdown_async_stuck_owner);
  g_test_add_func ("/Resmgr/Shutdown/async-overrun", test_shutdown_async_overrun);
  g_test_add_func ("/Resmgr/Shutdown/phase/floor", test_phase_floor);
  g_test_add_func ("/Resmgr/Shutdown/phase/stuck-owner", test_phase_stuck_owner);
  g_test_add_func ("/Resmgr/Shutdown/phase/async-other-thread", test_phase_async_other_thread);
  g_test_add_func ("/Resmgr/Shutdown/phase/default-implementation", test_phase_default_implementation);

  return g_test_run ();
}
