/* test-threads.c: owner contexts, cross-thread cleanup and signal delivery
 *
 * The interleavings are forced with main-loop handshakes: the main thread is
 * inside g_main_loop_run() (so it holds the global default context and no
 * other thread can acquire it) when a worker thread acts.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "test-common.h"

#define SERVICE(m) RESMGR_SERVICE (m)

/* Starts @func on a new thread from inside the main loop, so that the main
 * thread is known to own the default context while the thread runs. */
typedef struct
{
  GThreadFunc  func;
  gpointer     data;
  GThread     *thread;
} Starter;

static gboolean
start_thread_cb (gpointer user_data)
{
  Starter *s = user_data;

  s->thread = g_thread_new ("test-worker", s->func, s->data);
  return G_SOURCE_REMOVE;
}

static GThread *
run_loop_with_thread (GMainLoop   *loop,
                      GThreadFunc  func,
                      gpointer     data)
{
  Starter s = { func, data, NULL };

  g_idle_add (start_thread_cb, &s);
  g_main_loop_run (loop);
  g_assert_nonnull (s.thread);

  return s.thread;
}

static void
quit_on_removed (ResmgrManager *manager,
                 const char    *id,
                 gpointer       user_data)
{
  g_main_loop_quit (user_data);
}

/* 1. last unref of a component on a worker thread */

typedef struct
{
  TestComponent *comp;
} UnrefData;

static gpointer
unref_thread (gpointer data)
{
  UnrefData *ud = data;

  g_object_unref (ud->comp);
  return NULL;
}

static void
test_unref_on_worker (void)
{
  g_autoptr(ResmgrManager) manager = resmgr_manager_new ();
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(ResmgrStats) stats = NULL;
  Recorder *rec = recorder_new ();
  UnrefData ud;
  gboolean finalized;
  GThread *thread;

  g_test_summary ("A component whose last reference is dropped on a worker thread, "
                  "while the owner thread runs its loop, is cleaned on the owner thread");

  ud.comp = test_component_new (&finalized);
  register_component (SERVICE (manager), ud.comp, "owner");
  track_item (SERVICE (manager), ud.comp, RESMGR_RESOURCE_TYPE_MEMORY, RESMGR_PRIORITY_DEFAULT, rec, "a");
  track_item (SERVICE (manager), ud.comp, RESMGR_RESOURCE_TYPE_WORKER, RESMGR_PRIORITY_DEFAULT, rec, "b");
  g_signal_connect (manager, "component-removed", G_CALLBACK (quit_on_removed), loop);

  thread = run_loop_with_thread (loop, unref_thread, &ud);
  g_thread_join (thread);

  g_assert_true (finalized);
  g_assert_cmpuint (recorder_len (rec), ==, 2);
  g_assert_cmpstr (g_ptr_array_index (rec->names, 0), ==, "b");
  g_assert_cmpstr (g_ptr_array_index (rec->names, 1), ==, "a");
  g_assert_true (recorder_thread (rec, 0) == g_thread_self ());
  g_assert_true (recorder_thread (rec, 1) == g_thread_self ());

  stats = resmgr_service_dup_stats (SERVICE (manager));
  g_assert_cmpuint (resmgr_stats_get_n_components (stats), ==, 0);
  g_assert_cmpuint (resmgr_stats_get_n_resources (stats), ==, 0);
  g_assert_cmpuint (resmgr_stats_get_total_released (stats), ==, 2);

  recorder_free (rec);
}

/* 2. cleanup_component (sync) from a worker thread */

typedef struct
{
  ResmgrManager       *manager;
  TestComponent       *comp;
  GMainLoop           *loop;
  ResmgrCleanupReport *report;
  GError              *error;
  GThread             *callback_thread;
} CleanupData;

static gpointer
cleanup_sync_thread (gpointer data)
{
  CleanupData *cd = data;

  cd->report = resmgr_service_cleanup_component (SERVICE (cd->manager), G_OBJECT (cd->comp),
                                                 &cd->error);
  g_main_loop_quit (cd->loop);
  return NULL;
}

static void
test_cleanup_sync_from_worker (void)
{
  g_autoptr(ResmgrManager) manager = resmgr_manager_new ();
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(TestComponent) comp = test_component_new (NULL);
  g_autofree char *id = NULL;
  Recorder *rec = recorder_new ();
  CleanupData cd = { 0 };
  GThread *thread;

  g_test_summary ("cleanup_component called on a worker thread while the owner runs "
                  "its loop: the cleanups run on the owner thread, the report is "
                  "returned to the caller");

  register_component (SERVICE (manager), comp, "owner");
  track_item (SERVICE (manager), comp, RESMGR_RESOURCE_TYPE_MEMORY, RESMGR_PRIORITY_DEFAULT, rec, "mem");
  track_item (SERVICE (manager), comp, RESMGR_RESOURCE_TYPE_TIMER, RESMGR_PRIORITY_DEFAULT, rec, "timer");
  add_item_cleanup (SERVICE (manager), comp, RESMGR_PRIORITY_DEFAULT, rec, "bad", TRUE);

  cd.manager = manager;
  cd.comp = comp;
  cd.loop = loop;
  thread = run_loop_with_thread (loop, cleanup_sync_thread, &cd);
  g_thread_join (thread);

  g_assert_no_error (cd.error);
  g_assert_nonnull (cd.report);
  g_assert_cmpstr (resmgr_cleanup_report_get_scope (cd.report), ==, "owner");
  g_assert_cmpuint (resmgr_cleanup_report_get_released (cd.report), ==, 2);
  g_assert_cmpuint (resmgr_cleanup_report_get_failed (cd.report), ==, 1);
  g_assert_cmpuint (resmgr_cleanup_report_get_n_failures (cd.report), ==, 1);
  g_assert_cmpuint (resmgr_cleanup_report_get_n_phases (cd.report), ==, 3);

  g_assert_cmpuint (recorder_len (rec), ==, 3);
  g_assert_cmpstr (g_ptr_array_index (rec->names, 0), ==, "timer");
  g_assert_cmpstr (g_ptr_array_index (rec->names, 1), ==, "bad");
  g_assert_cmpstr (g_ptr_array_index (rec->names, 2), ==, "mem");
  for (guint i = 0; i < 3; i++)
    g_assert_true (recorder_thread (rec, i) == g_thread_self ());

  id = resmgr_service_dup_component_id (SERVICE (manager), G_OBJECT (comp));
  g_assert_cmpstr (id, ==, "owner");

  resmgr_cleanup_report_unref (cd.report);
  recorder_free (rec);
}

/* 3. cleanup_component_async from a worker with its own context */

static void
cleanup_async_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  CleanupData *cd = user_data;

  g_assert_true (RESMGR_IS_SERVICE (source));
  cd->callback_thread = g_thread_self ();
  cd->report = resmgr_service_cleanup_component_finish (RESMGR_SERVICE (source), result, &cd->error);
}

static gpointer
cleanup_async_thread (gpointer data)
{
  CleanupData *cd = data;
  GMainContext *context = g_main_context_new ();

  g_main_context_push_thread_default (context);

  resmgr_service_cleanup_component_async (SERVICE (cd->manager), G_OBJECT (cd->comp), NULL,
                                          cleanup_async_cb, cd);
  while (cd->callback_thread == NULL)
    g_main_context_iteration (context, TRUE);

  g_main_context_pop_thread_default (context);
  g_main_context_unref (context);

  g_main_loop_quit (cd->loop);
  return GINT_TO_POINTER (1);
}

static void
test_cleanup_async_from_worker (void)
{
  g_autoptr(ResmgrManager) manager = resmgr_manager_new ();
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(TestComponent) comp = test_component_new (NULL);
  Recorder *rec = recorder_new ();
  CleanupData cd = { 0 };
  GThread *thread;

  g_test_summary ("cleanup_component_async from a worker thread: cleanups run on the "
                  "owner thread, the callback in the caller's thread-default context");

  register_component (SERVICE (manager), comp, "owner");
  track_item (SERVICE (manager), comp, RESMGR_RESOURCE_TYPE_MEMORY, RESMGR_PRIORITY_DEFAULT, rec, "m1");
  track_item (SERVICE (manager), comp, RESMGR_RESOURCE_TYPE_MEMORY, RESMGR_PRIORITY_DEFAULT, rec, "m2");

  cd.manager = manager;
  cd.comp = comp;
  cd.loop = loop;
  thread = run_loop_with_thread (loop, cleanup_async_thread, &cd);
  g_assert_true (cd.callback_thread == thread);
  g_thread_join (thread);

  g_assert_no_error (cd.error);
  g_assert_nonnull (cd.report);
  g_assert_cmpstr (resmgr_cleanup_report_get_scope (cd.report), ==, "owner");
  g_assert_cmpuint (resmgr_cleanup_report_get_released (cd.report), ==, 2);
  g_assert_true (resmgr_cleanup_report_is_clean (cd.report));

  assert_recorded (rec, "m2,m1");
  g_assert_true (recorder_thread (rec, 0) == g_thread_self ());
  g_assert_true (recorder_thread (rec, 1) == g_thread_self ());

  resmgr_cleanup_report_unref (cd.report);
  recorder_free (rec);
}

/* 4. cleanup_component_async on the owner thread */

static void
cleanup_async_main_cb (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  CleanupData *cd = user_data;

  cd->callback_thread = g_thread_self ();
  cd->report = resmgr_service_cleanup_component_finish (RESMGR_SERVICE (source), result, &cd->error);
  g_main_loop_quit (cd->loop);
}

static void
test_cleanup_async_main (void)
{
  g_autoptr(ResmgrManager) manager = resmgr_manager_new ();
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(TestComponent) comp = test_component_new (NULL);
  g_autoptr(TestComponent) unknown = test_component_new (NULL);
  Recorder *rec = recorder_new ();
  CleanupData cd = { 0 };

  g_test_summary ("cleanup_component_async on the owner thread: the callback comes "
                  "from the main loop, never from inside the call; unknown component "
                  "fails with NOT_FOUND through _finish");

  register_component (SERVICE (manager), comp, "owner");
  add_item_cleanup (SERVICE (manager), comp, 7, rec, "bad", TRUE);
  track_item (SERVICE (manager), comp, RESMGR_RESOURCE_TYPE_FILE, RESMGR_PRIORITY_DEFAULT, rec, "file");

  cd.manager = manager;
  cd.comp = comp;
  cd.loop = loop;
  resmgr_service_cleanup_component_async (SERVICE (manager), G_OBJECT (comp), NULL,
                                          cleanup_async_main_cb, &cd);
  g_assert_null (cd.callback_thread);
  g_main_loop_run (loop);

  g_assert_true (cd.callback_thread == g_thread_self ());
  g_assert_no_error (cd.error);
  g_assert_nonnull (cd.report);
  g_assert_cmpuint (resmgr_cleanup_report_get_released (cd.report), ==, 1);
  g_assert_cmpuint (resmgr_cleanup_report_get_failed (cd.report), ==, 1);
  assert_recorded (rec, "file,bad");
  g_clear_pointer (&cd.report, resmgr_cleanup_report_unref);

  cd.callback_thread = NULL;
  resmgr_service_cleanup_component_async (SERVICE (manager), G_OBJECT (unknown), NULL,
                                          cleanup_async_main_cb, &cd);
  g_main_loop_run (loop);
  g_assert_error (cd.error, RESMGR_ERROR, RESMGR_ERROR_NOT_FOUND);
  g_assert_null (cd.report);
  g_clear_error (&cd.error);

  recorder_free (rec);
}

/* 5. signals: inline on the owner thread, queued from workers */

typedef struct
{
  GMutex      mutex;
  GPtrArray  *events;   /* char * */
  GPtrArray  *threads;
  GPtrArray  *handles;  /* ResmgrHandle * of resource-released */
  GMainLoop  *loop;
  guint       n_finished;
} SignalLog;

static void
signal_log_push (SignalLog  *log,
                 char       *event)
{
  g_mutex_lock (&log->mutex);
  g_ptr_array_add (log->events, event);
  g_ptr_array_add (log->threads, g_thread_self ());
  g_mutex_unlock (&log->mutex);
}

static void
on_registered (ResmgrManager *manager,
               const char    *id,
               SignalLog     *log)
{
  signal_log_push (log, g_strdup_printf ("registered:%s", id));
}

static void
on_removed (ResmgrManager *manager,
            const char    *id,
            SignalLog     *log)
{
  signal_log_push (log, g_strdup_printf ("removed:%s", id));
  if (log->loop != NULL)
    g_main_loop_quit (log->loop);
}

static void
on_tracked (ResmgrManager *manager,
            ResmgrHandle  *handle,
            SignalLog     *log)
{
  g_assert_nonnull (handle);
  g_assert_cmpint (resmgr_handle_get_state (handle), ==, RESMGR_RESOURCE_STATE_ACTIVE);
  signal_log_push (log, g_strdup_printf ("tracked:%s", resmgr_handle_get_name (handle)));
}

static void
on_released (ResmgrManager *manager,
             ResmgrHandle  *handle,
             SignalLog     *log)
{
  g_assert_nonnull (handle);
  signal_log_push (log, g_strdup_printf ("released:%s:%s", resmgr_handle_get_name (handle),
                                         state_name (resmgr_handle_get_state (handle))));
  g_mutex_lock (&log->mutex);
  g_ptr_array_add (log->handles, resmgr_handle_ref (handle));
  g_mutex_unlock (&log->mutex);
}

static void
on_finished (ResmgrManager       *manager,
             ResmgrCleanupReport *report,
             SignalLog           *log)
{
  g_assert_nonnull (report);
  signal_log_push (log, g_strdup_printf ("finished:%s:%u", resmgr_cleanup_report_get_scope (report),
                                         resmgr_cleanup_report_get_released (report)));
  log->n_finished++;
}

static SignalLog *
signal_log_new (ResmgrManager *manager)
{
  SignalLog *log = g_new0 (SignalLog, 1);

  g_mutex_init (&log->mutex);
  log->events = g_ptr_array_new_with_free_func (g_free);
  log->threads = g_ptr_array_new ();
  log->handles = g_ptr_array_new_with_free_func ((GDestroyNotify) resmgr_handle_unref);

  g_signal_connect (manager, "component-registered", G_CALLBACK (on_registered), log);
  g_signal_connect (manager, "component-removed", G_CALLBACK (on_removed), log);
  g_signal_connect (manager, "resource-tracked", G_CALLBACK (on_tracked), log);
  g_signal_connect (manager, "resource-released", G_CALLBACK (on_released), log);
  g_signal_connect (manager, "cleanup-finished", G_CALLBACK (on_finished), log);

  return log;
}

static void
signal_log_free (SignalLog *log)
{
  g_ptr_array_unref (log->events);
  g_ptr_array_unref (log->threads);
  g_ptr_array_unref (log->handles);
  g_mutex_clear (&log->mutex);
  g_free (log);
}

static char *
signal_log_join (SignalLog *log)
{
  GString *str = g_string_new (NULL);

  g_mutex_lock (&log->mutex);
  for (guint i = 0; i < log->events->len; i++)
    {
      if (i > 0)
        g_string_append_c (str, ' ');
      g_string_append (str, g_ptr_array_index (log->events, i));
    }
  g_mutex_unlock (&log->mutex);

  return g_string_free (str, FALSE);
}

static guint
signal_log_len (SignalLog *log)
{
  guint len;

  g_mutex_lock (&log->mutex);
  len = log->events->len;
  g_mutex_unlock (&log->mutex);

  return len;
}

static void
test_signals_inline (void)
{
  g_autoptr(ResmgrManager) manager = resmgr_manager_new ();
  g_autoptr(TestObject) window = test_object_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(ResmgrCleanupReport) report = NULL;
  g_autofree char *events = NULL;
  Recorder *rec = recorder_new ();
  SignalLog *log = signal_log_new (manager);
  TestComponent *comp = test_component_new (NULL);
  TestObject *gone = test_object_new (NULL);
  guint64 id;

  g_test_summary ("On the owner thread, outside any loop, all five signals are emitted "
                  "inline, in order, with the right arguments and states");

  g_assert_true (resmgr_manager_get_context (manager) == g_main_context_default ());

  register_component (SERVICE (manager), comp, "C");
  g_assert_cmpuint (signal_log_len (log), ==, 1);

  id = track_item (SERVICE (manager), comp, RESMGR_RESOURCE_TYPE_MEMORY, RESMGR_PRIORITY_DEFAULT, rec, "mem");
  g_assert_cmpuint (signal_log_len (log), ==, 2);

  g_assert_true (resmgr_service_release (SERVICE (manager), id, NULL));
  g_assert_cmpuint (signal_log_len (log), ==, 3);
  g_assert_cmpuint (log->handles->len, ==, 1);
  g_assert_cmpuint (resmgr_handle_get_id (g_ptr_array_index (log->handles, 0)), ==, id);

  add_item_cleanup (SERVICE (manager), comp, RESMGR_PRIORITY_DEFAULT, rec, "bad", TRUE);
  resmgr_service_track_object (SERVICE (manager), G_OBJECT (comp), RESMGR_RESOURCE_TYPE_WIDGET, "window",
                               0, RESMGR_PRIORITY_DEFAULT, G_OBJECT (window), item_cleanup,
                               item_new (rec, "window"), item_free, &error);
  g_assert_no_error (error);
  resmgr_service_track_object (SERVICE (manager), G_OBJECT (comp), RESMGR_RESOURCE_TYPE_WORKER, "gone",
                               0, RESMGR_PRIORITY_DEFAULT, G_OBJECT (gone), item_cleanup,
                               item_new (rec, "gone"), item_free, &error);
  g_assert_no_error (error);
  g_object_unref (gone);   /* finalized first */
  g_object_run_dispose (G_OBJECT (window));  /* disposed, alive: lost at cleanup */

  report = resmgr_service_cleanup_component (SERVICE (manager), G_OBJECT (comp), &error);
  g_assert_no_error (error);
  g_object_unref (comp);

  /* the dispose of the component may or may not report an empty cleanup */
  events = signal_log_join (log);
  if (!g_str_equal (events,
                    "registered:C "
                    "tracked:mem released:mem:released "
                    "tracked:bad tracked:window tracked:gone released:gone:finalized "
                    "released:window:lost released:bad:failed "
                    "finished:C:0 "
                    "finished:C:0 "
                    "removed:C"))
    g_assert_cmpstr (events, ==,
                     "registered:C "
                     "tracked:mem released:mem:released "
                     "tracked:bad tracked:window tracked:gone released:gone:finalized "
                     "released:window:lost released:bad:failed "
                     "finished:C:0 "
                     "removed:C");
  for (guint i = 0; i < log->threads->len; i++)
    g_assert_true (g_ptr_array_index (log->threads, i) == g_thread_self ());

  signal_log_free (log);
  recorder_free (rec);
}

typedef struct
{
  ResmgrManager *manager;
  Recorder      *rec;
  GMainLoop     *loop;
} WorkerSignals;

static gpointer
signals_worker_thread (gpointer data)
{
  WorkerSignals *ws = data;
  TestComponent *comp = test_component_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(ResmgrCleanupReport) report = NULL;
  guint64 a;

  register_component (SERVICE (ws->manager), comp, "W");
  a = track_item (SERVICE (ws->manager), comp, RESMGR_RESOURCE_TYPE_MEMORY, RESMGR_PRIORITY_DEFAULT, ws->rec, "a");
  track_item (SERVICE (ws->manager), comp, RESMGR_RESOURCE_TYPE_FILE, RESMGR_PRIORITY_DEFAULT, ws->rec, "b");
  g_assert_true (resmgr_service_release (SERVICE (ws->manager), a, &error));
  g_assert_no_error (error);

  /* dispatched to the owner (main) thread; we wait for it */
  report = resmgr_service_cleanup_component (SERVICE (ws->manager), G_OBJECT (comp), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (resmgr_cleanup_report_get_released (report), ==, 1);

  track_item (SERVICE (ws->manager), comp, RESMGR_RESOURCE_TYPE_WORKER, RESMGR_PRIORITY_DEFAULT, ws->rec, "c");
  g_object_unref (comp);  /* last reference, on this thread */

  return NULL;
}

static void
test_signals_from_worker (void)
{
  g_autoptr(ResmgrManager) manager = resmgr_manager_new ();
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autofree char *events = NULL;
  Recorder *rec = recorder_new ();
  SignalLog *log = signal_log_new (manager);
  WorkerSignals ws = { manager, rec, loop };
  GThread *thread;

  g_test_summary ("Signals caused by a worker thread (register, track, release, "
                  "cleanup, last unref) are emitted only on the owner thread, in order");

  log->loop = loop;
  thread = run_loop_with_thread (loop, signals_worker_thread, &ws);
  g_thread_join (thread);

  /* flush anything still queued */
  while (g_main_context_iteration (NULL, FALSE))
    ;

  /* the cleanup at dispose may or may not emit cleanup-finished */
  events = signal_log_join (log);
  if (!g_str_equal (events,
                    "registered:W tracked:a tracked:b released:a:released "
                    "released:b:released finished:W:1 "
                    "tracked:c released:c:released finished:W:1 "
                    "removed:W"))
    g_assert_cmpstr (events, ==,
                     "registered:W tracked:a tracked:b released:a:released "
                     "released:b:released finished:W:1 "
                     "tracked:c released:c:released "
                     "removed:W");
  for (guint i = 0; i < log->threads->len; i++)
    g_assert_true (g_ptr_array_index (log->threads, i) == g_thread_self ());

  /* "a" was released on the worker thread itself (release runs on the caller),
   * "b" and "c" on the owner thread */
  g_assert_cmpuint (recorder_len (rec), ==, 3);
  g_assert_cmpstr (g_ptr_array_index (rec->names, 0), ==, "a");
  g_assert_true (recorder_thread (rec, 0) == thread);
  g_assert_cmpstr (g_ptr_array_index (rec->names, 1), ==, "b");
  g_assert_true (recorder_thread (rec, 1) == g_thread_self ());
  g_assert_cmpstr (g_ptr_array_index (rec->names, 2), ==, "c");
  g_assert_true (recorder_thread (rec, 2) == g_thread_self ());

  signal_log_free (log);
  recorder_free (rec);
}

/* 6. a component owned by a worker thread's context */

typedef struct
{
  ResmgrManager *manager;
  Recorder      *rec;
  GMutex         mutex;
  GCond          cond;
  TestComponent *comp;       /* handed to the main thread */
  GMainContext  *context;
  GMainLoop     *loop;
  gboolean       ready;
} OwnerThread;

static gpointer
owner_thread_func (gpointer data)
{
  OwnerThread *ot = data;

  ot->context = g_main_context_new ();
  ot->loop = g_main_loop_new (ot->context, FALSE);
  g_main_context_push_thread_default (ot->context);

  g_mutex_lock (&ot->mutex);
  ot->comp = test_component_new (NULL);
  register_component (SERVICE (ot->manager), ot->comp, "worker-owned");
  track_item (SERVICE (ot->manager), ot->comp, RESMGR_RESOURCE_TYPE_MEMORY, RESMGR_PRIORITY_DEFAULT,
              ot->rec, "first");
  ot->ready = TRUE;
  g_cond_signal (&ot->cond);
  g_mutex_unlock (&ot->mutex);

  g_main_loop_run (ot->loop);

  g_main_context_pop_thread_default (ot->context);
  return NULL;
}

static gboolean
stop_owner_loop (gpointer   resource,
                 gpointer   data,
                 GError   **error)
{
  OwnerThread *ot = data;

  recorder_push (ot->rec, "stopper");
  g_main_loop_quit (ot->loop);
  return TRUE;
}

static void
test_worker_owned_component (void)
{
  g_autoptr(ResmgrManager) manager = resmgr_manager_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(ResmgrCleanupReport) report = NULL;
  g_autoptr(ResmgrStats) stats = NULL;
  Recorder *rec = recorder_new ();
  OwnerThread ot = { 0 };
  GThread *thread;
  Item *item;
  guint64 id;

  g_test_summary ("A component registered on a worker thread with its own context: "
                  "cleanup_component and the last unref from the main thread run its "
                  "cleanups on that worker thread");

  ot.manager = manager;
  ot.rec = rec;
  g_mutex_init (&ot.mutex);
  g_cond_init (&ot.cond);

  thread = g_thread_new ("owner", owner_thread_func, &ot);
  g_mutex_lock (&ot.mutex);
  while (!ot.ready)
    g_cond_wait (&ot.cond, &ot.mutex);
  g_mutex_unlock (&ot.mutex);

  /* the worker holds its context (pushed, running): the cleanup is dispatched */
  report = resmgr_service_cleanup_component (SERVICE (manager), G_OBJECT (ot.comp), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (resmgr_cleanup_report_get_released (report), ==, 1);
  g_assert_cmpuint (recorder_count (rec, "first"), ==, 1);
  g_assert_true (recorder_thread (rec, 0) == thread);

  /* track from the main thread; the last unref here is cleaned there */
  item = item_new (rec, "second");
  id = resmgr_service_track_data (SERVICE (manager), G_OBJECT (ot.comp), RESMGR_RESOURCE_TYPE_MEMORY,
                                  "second", 0, RESMGR_PRIORITY_DEFAULT, item, item_destroy, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (id, !=, 0);
  /* the lowest-priority cleanup stops the worker's loop */
  g_assert_cmpuint (resmgr_service_add_cleanup (SERVICE (manager), G_OBJECT (ot.comp), "stopper", 0,
                                                stop_owner_loop, &ot, NULL, &error), !=, 0);
  g_assert_no_error (error);

  g_clear_object (&ot.comp);
  g_thread_join (thread);

  g_assert_cmpuint (recorder_count (rec, "second"), ==, 1);
  g_assert_cmpuint (recorder_count (rec, "stopper"), ==, 1);
  assert_recorded (rec, "first,second,stopper");
  for (guint i = 0; i < recorder_len (rec); i++)
    g_assert_true (recorder_thread (rec, i) == thread);

  /* signals queued for the main context */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  stats = resmgr_service_dup_stats (SERVICE (manager));
  g_assert_cmpuint (resmgr_stats_get_n_components (stats), ==, 0);
  g_assert_cmpuint (resmgr_stats_get_n_resources (stats), ==, 0);

  g_main_loop_unref (ot.loop);
  g_main_context_unref (ot.context);
  g_mutex_clear (&ot.mutex);
  g_cond_clear (&ot.cond);
  recorder_free (rec);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Resmgr/Threads/unref-on-worker", test_unref_on_worker);
  g_test_add_func ("/Resmgr/Threads/cleanup-sync-from-worker", test_cleanup_sync_from_worker);
  g_test_add_func ("/Resmgr/Threads/cleanup-async-from-worker", test_cleanup_async_from_worker);
  g_test_add_func ("/Resmgr/Threads/cleanup-async-main", test_cleanup_async_main);
  g_test_add_func ("/Resmgr/Threads/signals-inline", test_signals_inline);
  g_test_add_func ("/Resmgr/Threads/signals-from-worker", test_signals_from_worker);
  g_test_add_func ("/Resmgr/Threads/worker-owned-component", test_worker_owned_component);

  return g_test_run ();
}
