/* outsider.c: the owner-context contract, checked against the *installed*
 * resmgr, compiled with `pkg-config --cflags --libs resmgr-1` by run.sh.
 *
 * Public API only. The owner (the main thread) is blocked in g_thread_join
 * or simply not iterating while workers drop last references, track, emit
 * and ask for cleanups: nothing may run on the workers, nothing may hang.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <string.h>

#include <resmgr.h>

typedef struct
{
  GMutex   mutex;
  GPtrArray *threads; /* GThread* that ran a cleanup or handler, in order */
} Log;

static void
log_thread (Log *log)
{
  g_mutex_lock (&log->mutex);
  g_ptr_array_add (log->threads, g_thread_self ());
  g_mutex_unlock (&log->mutex);
}

static guint
log_count (Log *log)
{
  guint n;

  g_mutex_lock (&log->mutex);
  n = log->threads->len;
  g_mutex_unlock (&log->mutex);

  return n;
}

static gboolean
log_cleanup (gpointer   resource,
             gpointer   user_data,
             GError   **error)
{
  log_thread (user_data);
  return TRUE;
}

static Log *
log_new (void)
{
  Log *log = g_new0 (Log, 1);

  g_mutex_init (&log->mutex);
  log->threads = g_ptr_array_new ();

  return log;
}

static void
log_free (Log *log)
{
  g_ptr_array_unref (log->threads);
  g_mutex_clear (&log->mutex);
  g_free (log);
}

static void
drain_default_context (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

/* 1. A worker drops the last reference while the owner is in g_thread_join. */

static gpointer
drop_thread (gpointer data)
{
  g_object_unref (data);
  return NULL;
}

static void
test_last_unref_on_worker (void)
{
  g_autoptr(ResmgrManager) manager = resmgr_manager_new ();
  ResmgrService *service = RESMGR_SERVICE (manager);
  GObject *comp = g_object_new (G_TYPE_OBJECT, NULL);
  Log *log = log_new ();

  g_test_summary ("Installed library: a worker drops a component's last reference while "
                  "the owner is blocked in g_thread_join; its cleanups run on the owner "
                  "when it iterates, never on the worker");

  g_assert_true (resmgr_service_register_component (service, comp, "outsider-1", NULL));
  for (guint i = 0; i < 10; i++)
    g_assert_cmpuint (resmgr_service_add_cleanup (service, comp, "c", RESMGR_PRIORITY_DEFAULT,
                                                  log_cleanup, log, NULL, NULL), !=, 0);

  g_thread_join (g_thread_new ("drop", drop_thread, comp));
  g_assert_cmpuint (log_count (log), ==, 0);

  drain_default_context ();
  g_assert_cmpuint (log_count (log), ==, 10);
  for (guint i = 0; i < 10; i++)
    g_assert_true (g_ptr_array_index (log->threads, i) == g_thread_self ());

  log_free (log);
}

/* 2. A worker asks for the cleanup of a component of a blocked owner. */

typedef struct
{
  ResmgrService       *service;
  GObject             *comp;
  ResmgrCleanupReport *report;
  GError              *error;
} CleanupCall;

static gpointer
cleanup_thread (gpointer data)
{
  CleanupCall *call = data;

  call->report = resmgr_service_cleanup_component (call->service, call->comp, &call->error);
  return NULL;
}

static void
test_cleanup_from_worker_owner_blocked (void)
{
  g_autoptr(ResmgrManager) manager = resmgr_manager_new ();
  g_autoptr(GObject) comp = g_object_new (G_TYPE_OBJECT, NULL);
  g_autoptr(ResmgrCleanupReport) report = NULL;
  CleanupCall call = { RESMGR_SERVICE (manager), NULL, NULL, NULL };
  Log *log = log_new ();

  g_test_summary ("Installed library: a worker's synchronous cleanup of a component whose "
                  "owner is blocked waiting for that worker fails with TIMED_OUT naming "
                  "the component, and cleans nothing; the owner then cleans it inline");

  resmgr_manager_set_wait_timeout (manager, 100);
  call.comp = comp;
  g_assert_true (resmgr_service_register_component (call.service, comp, "outsider-2", NULL));
  g_assert_cmpuint (resmgr_service_add_cleanup (call.service, comp, "c", RESMGR_PRIORITY_DEFAULT,
                                                log_cleanup, log, NULL, NULL), !=, 0);

  g_thread_join (g_thread_new ("cleaner", cleanup_thread, &call));
  g_assert_null (call.report);
  g_assert_error (call.error, RESMGR_ERROR, RESMGR_ERROR_TIMED_OUT);
  g_assert_nonnull (strstr (call.error->message, "outsider-2"));
  g_clear_error (&call.error);
  g_assert_cmpuint (log_count (log), ==, 0);

  /* The abandoned request does not run when the owner iterates. */
  drain_default_context ();
  g_assert_cmpuint (log_count (log), ==, 0);

  report = resmgr_service_cleanup_component (call.service, comp, NULL);
  g_assert_nonnull (report);
  g_assert_true (resmgr_cleanup_report_is_clean (report));
  g_assert_cmpuint (log_count (log), ==, 1);
  g_assert_true (g_ptr_array_index (log->threads, 0) == g_thread_self ());

  log_free (log);
}

/* 3. Signals of work done on a worker while the owner is blocked. */

static void
on_tracked (ResmgrService *service,
            ResmgrHandle  *handle,
            gpointer       user_data)
{
  log_thread (user_data);
}

typedef struct
{
  ResmgrService *service;
  GObject       *comp;
} TrackCall;

static gboolean
null_cleanup (gpointer   resource,
              gpointer   user_data,
              GError   **error)
{
  return TRUE;
}

static gpointer
track_thread_null (gpointer data)
{
  TrackCall *tc = data;

  for (guint i = 0; i < 50; i++)
    {
      guint64 id = resmgr_service_add_cleanup (tc->service, tc->comp, "t", RESMGR_PRIORITY_DEFAULT,
                                               null_cleanup, NULL, NULL, NULL);

      g_assert_cmpuint (id, !=, 0);
      g_assert_true (resmgr_service_release (tc->service, id, NULL));
    }

  return NULL;
}

static void
test_signals_while_owner_blocked (void)
{
  g_autoptr(ResmgrManager) manager = resmgr_manager_new ();
  g_autoptr(GObject) comp = g_object_new (G_TYPE_OBJECT, NULL);
  TrackCall tc = { RESMGR_SERVICE (manager), NULL };
  Log *log = log_new ();

  g_test_summary ("Installed library: a worker tracks and releases while the owner is "
                  "blocked in g_thread_join; every resource-tracked handler runs on the "
                  "owner thread afterwards, in order, none on the worker");

  tc.comp = comp;
  g_assert_true (resmgr_service_register_component (tc.service, comp, "outsider-3", NULL));
  g_signal_connect (manager, "resource-tracked", G_CALLBACK (on_tracked), log);

  g_thread_join (g_thread_new ("tracker", track_thread_null, &tc));
  g_assert_cmpuint (log_count (log), ==, 0);

  drain_default_context ();
  g_assert_cmpuint (log_count (log), ==, 50);
  for (guint i = 0; i < 50; i++)
    g_assert_true (g_ptr_array_index (log->threads, i) == g_thread_self ());

  log_free (log);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Resmgr/Installed/last-unref-on-worker", test_last_unref_on_worker);
  g_test_add_func ("/Resmgr/Installed/cleanup-from-worker-owner-blocked", test_cleanup_from_worker_owner_blocked);
  g_test_add_func ("/Resmgr/Installed/signals-while-owner-blocked", test_signals_while_owner_blocked);

  return g_test_run ();
}
