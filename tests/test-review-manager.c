/* test-review-manager.c: review of the manager's owner-context rework
 *
 * Each case runs in a subprocess (g_test_trap_subprocess), so that an abort
 * or a hang fails that case only. Interleavings are forced with
 * GMutex/GCond handshakes. A deadline of the library (wait-timeout, a
 * shutdown's timeout) is the mechanism under test in some cases: the tests
 * wait for it to *have passed* through handshakes and never assert how long
 * anything took. Handshake waits are bounded only so that a fixed library
 * (which may legitimately not reach the awaited stage) cannot hang a test.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "test-common.h"
#include "resmgr-private.h"

#define SERVICE(m) RESMGR_SERVICE (m)
#define SUBPROCESS_TIMEOUT (20 * G_USEC_PER_SEC)
/* Only a safety net against hanging on a fixed library, never a timing. */
#define SAFETY_US (4 * G_USEC_PER_SEC)

/* Handshake {{{ */

typedef struct
{
  GMutex mutex;
  GCond  cond;
  int    stage;
} Handshake;

static void
hs_init (Handshake *hs)
{
  g_mutex_init (&hs->mutex);
  g_cond_init (&hs->cond);
  hs->stage = 0;
}

static void
hs_clear (Handshake *hs)
{
  g_mutex_clear (&hs->mutex);
  g_cond_clear (&hs->cond);
}

static void
hs_set (Handshake *hs,
        int        stage)
{
  g_mutex_lock (&hs->mutex);
  hs->stage = MAX (hs->stage, stage);
  g_cond_broadcast (&hs->cond);
  g_mutex_unlock (&hs->mutex);
}

/* Returns TRUE if @stage was reached, FALSE if the safety net expired. */
static gboolean
hs_wait_bounded (Handshake *hs,
                 int        stage)
{
  gint64 end = g_get_monotonic_time () + SAFETY_US;
  gboolean reached;

  g_mutex_lock (&hs->mutex);
  while (hs->stage < stage)
    if (!g_cond_wait_until (&hs->cond, &hs->mutex, end))
      break;
  reached = hs->stage >= stage;
  g_mutex_unlock (&hs->mutex);

  return reached;
}

/* }}} */

/* Reports seen by an observer (any thread) {{{ */

typedef struct
{
  GMutex     mutex;
  GPtrArray *reports; /* ResmgrCleanupReport, referenced */
} Reports;

static void
reports_cleanup_finished (gpointer             data,
                          ResmgrCleanupReport *report)
{
  Reports *r = data;

  g_mutex_lock (&r->mutex);
  g_ptr_array_add (r->reports, resmgr_cleanup_report_ref (report));
  g_mutex_unlock (&r->mutex);
}

static void
reports_init (Reports       *r,
              ResmgrManager *manager)
{
  static const ResmgrObserverFuncs funcs = { .cleanup_finished = reports_cleanup_finished };

  g_mutex_init (&r->mutex);
  r->reports = g_ptr_array_new_with_free_func ((GDestroyNotify) resmgr_cleanup_report_unref);
  _resmgr_manager_add_observer (manager, &funcs, r, NULL);
}

/* Sum of released over the reports whose scope is @scope " (late)". */
static guint
reports_late_released (Reports    *r,
                       const char *scope)
{
  g_autofree char *late = g_strdup_printf ("%s (late)", scope);
  guint n = 0;

  g_mutex_lock (&r->mutex);
  for (guint i = 0; i < r->reports->len; i++)
    {
      ResmgrCleanupReport *report = g_ptr_array_index (r->reports, i);

      if (g_strcmp0 (resmgr_cleanup_report_get_scope (report), late) == 0)
        n += resmgr_cleanup_report_get_released (report);
    }
  g_mutex_unlock (&r->mutex);

  return n;
}

static void
reports_clear (Reports *r)
{
  g_ptr_array_unref (r->reports);
  g_mutex_clear (&r->mutex);
}

/* }}} */

static void
drain_default (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static void
run_in_subprocess (const char *path)
{
  g_autofree char *sub = g_strdup_printf ("%s/subprocess", path);

  g_test_trap_subprocess (sub, SUBPROCESS_TIMEOUT, G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed ();
}

/* Confirmations of correct behaviour {{{ */

/* 1. Sync cleanup from a foreign thread, overrun: named, the queued entry
 * given back and listed, the late outcome reported once it returns; every
 * cleanup ran on the owner thread. */

typedef struct
{
  ResmgrManager       *manager;
  TestComponent       *comp;
  Handshake            hs; /* 1: slow started; 2: A returned */
  ResmgrCleanupReport *report;
  GError              *error;
  GThread             *owner;
  GThread             *ran_on;
  gint                 returned;
} SyncOverrun;

static gboolean
sync_overrun_slow (gpointer   resource,
                   gpointer   user_data,
                   GError   **error)
{
  SyncOverrun *so = user_data;

  so->ran_on = g_thread_self ();
  hs_set (&so->hs, 1);
  g_assert_true (hs_wait_bounded (&so->hs, 2));

  return TRUE;
}

static gpointer
sync_overrun_caller (gpointer data)
{
  SyncOverrun *so = data;

  so->report = resmgr_service_cleanup_component (SERVICE (so->manager), G_OBJECT (so->comp), &so->error);
  g_atomic_int_set (&so->returned, TRUE);
  hs_set (&so->hs, 2);
  g_main_context_wakeup (NULL);

  return NULL;
}

static void
test_sync_overrun_late_subprocess (void)
{
  SyncOverrun so = { 0 };
  Recorder *rec = recorder_new ();
  Reports reports;
  GThread *caller;
  ResmgrHandle *h;

  hs_init (&so.hs);
  so.owner = g_thread_self ();
  so.manager = resmgr_manager_new ();
  reports_init (&reports, so.manager);
  resmgr_manager_set_wait_timeout (so.manager, 100);
  so.comp = test_component_new (NULL);
  register_component (SERVICE (so.manager), so.comp, "slow-comp");
  add_item_cleanup (SERVICE (so.manager), so.comp, 10, rec, "queued", FALSE);
  g_assert_cmpuint (resmgr_service_add_cleanup (SERVICE (so.manager), G_OBJECT (so.comp), "slow", 10,
                                                sync_overrun_slow, &so, NULL, NULL), !=, 0);

  caller = g_thread_new ("cleanup-caller", sync_overrun_caller, &so);
  iterate_until (NULL, &so.returned);
  g_thread_join (caller);
  drain_default ();

  g_assert_no_error (so.error);
  g_assert_nonnull (so.report);
  g_assert_true (so.ran_on == so.owner);
  g_assert_true (resmgr_cleanup_report_get_timed_out (so.report));
  g_assert_cmpuint (resmgr_cleanup_report_get_n_overruns (so.report), ==, 1);
  h = resmgr_cleanup_report_get_overrun (so.report, 0, NULL);
  g_assert_cmpstr (resmgr_handle_get_name (h), ==, "slow");
  g_assert_cmpuint (resmgr_cleanup_report_get_leftovers (so.report)->len, ==, 1);
  g_assert_cmpuint (recorder_count (rec, "queued"), ==, 0);
  /* The overrun's outcome: in the report if it returned before it was
   * taken, else in the late report; here it returned after. */
  g_assert_cmpuint (resmgr_cleanup_report_get_released (so.report) +
                    reports_late_released (&reports, "slow-comp"), ==, 1);

  /* Given back, so a later cleanup runs it, on the owner. */
  resmgr_cleanup_report_unref (so.report);
  so.report = resmgr_service_cleanup_component (SERVICE (so.manager), G_OBJECT (so.comp), &so.error);
  g_assert_no_error (so.error);
  g_assert_cmpuint (resmgr_cleanup_report_get_released (so.report), ==, 1);
  g_assert_cmpuint (recorder_count (rec, "queued"), ==, 1);
  g_assert_true (recorder_thread (rec, 0) == so.owner);

  resmgr_cleanup_report_unref (so.report);
  g_object_unref (so.comp);
  g_object_unref (so.manager);
  drain_default ();
  reports_clear (&reports);
  recorder_free (rec);
  hs_clear (&so.hs);
}

static void
test_sync_overrun_late (void)
{
  g_test_summary ("A synchronous cleanup from another thread that overruns names the "
                  "overrun, gives back what was queued, and reports the late outcome");
  run_in_subprocess ("/Resmgr/ReviewManager/cleanup/sync-overrun-late");
}

/* 2. Async shutdown with an owner that never iterates: the task returns at
 * the deadline with the resource as a leftover (not iterated), nothing runs
 * on a foreign thread, and a later iteration of that owner runs nothing. */

typedef struct
{
  ResmgrCleanupReport *report;
  GError              *error;
  gint                 returned;
} AsyncResultData;

static void
async_result_done (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  AsyncResultData *ard = user_data;

  ard->report = resmgr_service_shutdown_finish (SERVICE (source), result, &ard->error);
  g_atomic_int_set (&ard->returned, TRUE);
}

static void
test_shutdown_async_stuck_owner_subprocess (void)
{
  GMainContext *ctx_b = g_main_context_new ();
  ResmgrManager *manager = resmgr_manager_new ();
  Recorder *rec = recorder_new ();
  AsyncResultData ard = { 0 };
  TestComponent *stuck, *mine;
  const char *reason;

  stuck = test_component_new (NULL);
  g_main_context_push_thread_default (ctx_b);
  register_component (SERVICE (manager), stuck, "stuck");
  g_main_context_pop_thread_default (ctx_b);
  add_item_cleanup (SERVICE (manager), stuck, 500, rec, "stuck-r", FALSE);

  mine = test_component_new (NULL);
  register_component (SERVICE (manager), mine, "mine");
  add_item_cleanup (SERVICE (manager), mine, 100, rec, "mine-r", FALSE);

  resmgr_service_shutdown_async (SERVICE (manager), 50, NULL, async_result_done, &ard);
  iterate_until (NULL, &ard.returned);

  g_assert_no_error (ard.error);
  g_assert_nonnull (ard.report);
  g_assert_true (resmgr_cleanup_report_get_timed_out (ard.report));
  g_assert_cmpuint (resmgr_cleanup_report_get_released (ard.report), ==, 1);
  g_assert_cmpuint (resmgr_cleanup_report_get_leftovers (ard.report)->len, ==, 1);
  reason = resmgr_cleanup_report_get_leftover_reason (ard.report, 0);
  g_assert_nonnull (reason);
  g_assert_nonnull (strstr (reason, "was not iterated before the deadline"));
  assert_recorded (rec, "mine-r");

  /* The abandoned batch never runs, even when the owner comes back. */
  while (g_main_context_iteration (ctx_b, FALSE))
    ;
  assert_recorded (rec, "mine-r");

  resmgr_cleanup_report_unref (ard.report);
  g_object_unref (mine);
  g_object_unref (stuck);
  g_object_unref (manager);
  drain_default ();
  while (g_main_context_iteration (ctx_b, FALSE))
    ;
  g_main_context_unref (ctx_b);
  recorder_free (rec);
}

static void
test_shutdown_async_stuck_owner (void)
{
  g_test_summary ("An async shutdown returns at its deadline with a stuck owner's resources "
                  "as leftovers and never runs them later");
  run_in_subprocess ("/Resmgr/ReviewManager/shutdown-async/stuck-owner");
}

/* }}} */

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  if (!g_test_subprocess ())
    g_test_set_nonfatal_assertions ();

#define ADD(path, func) \
  g_test_add_func (path, func); \
  g_test_add_func (path "/subprocess", func ## _subprocess)

  /* Confirmations of correct behaviour. */
  ADD ("/Resmgr/ReviewManager/cleanup/sync-overrun-late", test_sync_overrun_late);
  ADD ("/Resmgr/ReviewManager/shutdown-async/stuck-owner", test_shutdown_async_stuck_owner);

#undef ADD

  return g_test_run ();
}
