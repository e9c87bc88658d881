/* resmgr-application-shutdown.c
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <string.h>

#include <json-glib/json-glib.h>

#include "resmgr-gtk-private.h"

/**
 * ResmgrApplicationShutdown:
 *
 * The ordered, explicit shutdown of a #GtkApplication, attached with one
 * call:
 *
 * ```c
 * static void
 * my_app_startup (GApplication *app)
 * {
 *   G_APPLICATION_CLASS (my_app_parent_class)->startup (app);
 *   resmgr_application_attach (GTK_APPLICATION (app), NULL);
 * }
 * ```
 *
 * From then on the application is held while a job of any controller
 * ([class@Resmgr.Controller]) runs, and when its last window is asked to
 * close, the window stays and the shutdown runs, phase by phase, each
 * with its own deadline ([method@Resmgr.ApplicationShutdown.set_phase_timeout]):
 *
 * 1. %RESMGR_SHUTDOWN_PHASE_WORKERS: the jobs of every controller are
 *    cancelled and awaited; a job that does not stop in time is
 *    abandoned and named in the report;
 * 2. %RESMGR_SHUTDOWN_PHASE_SOURCES: the controllers' timers, sources and
 *    signal handlers (priority 90 and up) are removed;
 * 3. %RESMGR_SHUTDOWN_PHASE_GL: their GL objects (priority 80 and up) are
 *    deleted, while the windows and their GL contexts still exist;
 * 4. %RESMGR_SHUTDOWN_PHASE_WINDOWS: the windows are destroyed (a
 *    controller bound to a tab is cleaned up at the tab's destruction);
 * 5. %RESMGR_SHUTDOWN_PHASE_REST: widgets and everything else, of every
 *    component, in priority order, with [method@Resmgr.Service.shutdown];
 * 6. %RESMGR_SHUTDOWN_PHASE_VERIFY: the check that nothing is left.
 *
 * A phase that overruns its deadline is reported and the shutdown goes
 * on; asking to close again while it runs does not start a second one.
 * Then the report is logged (structured logging, domain `Resmgr`, with
 * the fields `RESMGR_SHUTDOWN_CLEAN` and `RESMGR_SHUTDOWN_REPORT`, the
 * JSON), written as JSON to the file named by the `RESMGR_REPORT`
 * environment variable or [method@Resmgr.ApplicationShutdown.set_report_path],
 * handed out with [signal@Resmgr.ApplicationShutdown::shutdown-finished],
 * and the application is released: with no window left it quits. No exit
 * hook is installed, anywhere.
 *
 * ## Thread safety
 *
 * A shutdown object belongs to the thread of its application's main
 * context (the GTK thread): call its methods there. Its phases, signals
 * and report are run, emitted and built there only. Controllers of other
 * contexts are handled without running anything of theirs on this
 * thread: their jobs are cancelled from here (cancelling is thread-safe),
 * their busy changes and cleanup reports are dispatched to this context
 * (see `docs/threading.md`), and their other resources are cleaned on
 * their own contexts in the last phase, by [method@Resmgr.Service.shutdown].
 *
 * A job that does not stop in time is reported with its own
 * %RESMGR_RESOURCE_TYPE_WORKER resource (its id, creation time and
 * priority), also when other jobs have the same name.
 *
 * Since: 0.1
 */

#define N_PHASES     (RESMGR_SHUTDOWN_PHASE_DONE + 1)
/* How long past a phase's deadline an asynchronous step may still report
 * before the shutdown goes on without it. */
#define GRACE_MS     1000
#define QUARK_NAME   "resmgr-application-shutdown"

static const guint default_timeouts[N_PHASES] = {
  [RESMGR_SHUTDOWN_PHASE_WORKERS] = 5000,
  [RESMGR_SHUTDOWN_PHASE_SOURCES] = 1000,
  [RESMGR_SHUTDOWN_PHASE_GL]      = 2000,
  [RESMGR_SHUTDOWN_PHASE_WINDOWS] = 2000,
  [RESMGR_SHUTDOWN_PHASE_REST]    = 5000,
  [RESMGR_SHUTDOWN_PHASE_VERIFY]  = 1000,
};

static const char * const phase_names[N_PHASES] = {
  [RESMGR_SHUTDOWN_PHASE_NONE]    = "none",
  [RESMGR_SHUTDOWN_PHASE_WORKERS] = "workers",
  [RESMGR_SHUTDOWN_PHASE_SOURCES] = "sources",
  [RESMGR_SHUTDOWN_PHASE_GL]      = "gl",
  [RESMGR_SHUTDOWN_PHASE_WINDOWS] = "windows",
  [RESMGR_SHUTDOWN_PHASE_REST]    = "rest",
  [RESMGR_SHUTDOWN_PHASE_VERIFY]  = "verify",
  [RESMGR_SHUTDOWN_PHASE_DONE]    = "done",
};

typedef struct
{
  ResmgrShutdownPhase phase;
  gint64              started;   /* monotonic µs */
  gint64              deadline;  /* monotonic µs */
  gint64              duration;
  guint               timeout_ms;
  gboolean            overran;
} PhaseRecord;

struct _ResmgrApplicationShutdown
{
  GObject              parent_instance;

  /* Read-only after construction: */
  GWeakRef             application;
  ResmgrService       *service;
  GMainContext        *context;
  gulong               busy_changed_id;
  gulong               cleaned_up_id;

  /* Owner thread only: */
  guint                timeouts[N_PHASES];
  char                *report_path;
  ResmgrShutdownPhase  phase;
  GArray              *records;        /* PhaseRecord */
  ResmgrCleanupReport *report;         /* being built, then final */
  GPtrArray           *abandoned;      /* char * */
  gboolean             holding_busy;
  gboolean             holding_shutdown;
  gboolean             busy_idle_pending;
  guint                pending;        /* asynchronous steps of the phase */
  guint                generation;     /* bumped at each phase */
  GSource             *timer;
  gint64               started;
};

G_DEFINE_FINAL_TYPE (ResmgrApplicationShutdown, resmgr_application_shutdown, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_APPLICATION,
  PROP_SERVICE,
  PROP_PHASE,
  PROP_REPORT_PATH,
  N_PROPS
};

enum {
  SIGNAL_PHASE_STARTED,
  SIGNAL_SHUTDOWN_FINISHED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void run_phase (ResmgrApplicationShutdown *self,
                       ResmgrShutdownPhase        phase);

/* Helpers {{{ */

static PhaseRecord *
current_record (ResmgrApplicationShutdown *self)
{
  if (self->records->len == 0)
    return NULL;
  return &g_array_index (self->records, PhaseRecord, self->records->len - 1);
}

static gboolean
past_deadline (ResmgrApplicationShutdown *self)
{
  PhaseRecord *rec = current_record (self);

  return rec != NULL && g_get_monotonic_time () > rec->deadline;
}

static void
clear_timer (ResmgrApplicationShutdown *self)
{
  if (self->timer != NULL)
    {
      g_source_destroy (self->timer);
      g_clear_pointer (&self->timer, g_source_unref);
    }
}

/* A later step on our own context (the next phase, from an idle so that
 * what a phase queued is dispatched in between; the deadline timer),
 * always deferred, from the owner thread. Running something on the owner
 * context from another thread goes through _resmgr_dispatch (). */
static GSource *
attach_source (ResmgrApplicationShutdown *self,
               GSource                   *source,
               const char                *name,
               GSourceFunc                func)
{
  g_source_set_static_name (source, name);
  g_source_set_callback (source, func, _resmgr_weak_ref_new (self), _resmgr_weak_ref_free);
  g_source_attach (source, self->context);

  return source;
}

/* The live controllers of our service that our context owns. */
static GPtrArray *
dup_local_controllers (ResmgrApplicationShutdown *self)
{
  GPtrArray *controllers = _resmgr_controller_dup_live (self->service);

  for (guint i = controllers->len; i > 0; i--)
    {
      ResmgrController *controller = g_ptr_array_index (controllers, i - 1);
      ResmgrCoordinator *coordinator = resmgr_controller_get_resources (controller);

      if (!resmgr_coordinator_is_bound (coordinator) ||
          resmgr_coordinator_get_context (coordinator) != self->context)
        g_ptr_array_remove_index (controllers, i - 1);
    }

  return controllers;
}

static ResmgrHandle *
synthetic_handle (ResmgrResourceType   type,
                  const char          *name,
                  const char          *component_id,
                  int                  priority)
{
  return _resmgr_handle_new (0, type, name, component_id ? component_id : "", 0, priority,
                             g_get_monotonic_time (), RESMGR_RESOURCE_STATE_FAILED, NULL);
}

/* }}} */

/* Holding the application {{{ */

static void
set_hold (ResmgrApplicationShutdown *self,
          gboolean                  *holding,
          gboolean                   hold)
{
  g_autoptr(GtkApplication) app = g_weak_ref_get (&self->application);

  if (*holding == hold)
    return;
  *holding = hold;
  if (app == NULL)
    return;
  if (hold)
    g_application_hold (G_APPLICATION (app));
  else
    g_application_release (G_APPLICATION (app));
}

static void
update_busy_hold (ResmgrApplicationShutdown *self)
{
  g_autoptr(GPtrArray) controllers = NULL;
  gboolean busy = FALSE;

  if (self->phase != RESMGR_SHUTDOWN_PHASE_DONE)
    {
      controllers = _resmgr_controller_dup_live (self->service);
      for (guint i = 0; i < controllers->len && !busy; i++)
        busy = resmgr_controller_get_busy (g_ptr_array_index (controllers, i));
    }

  set_hold (self, &self->holding_busy, busy);
}

static gboolean
busy_idle_cb (gpointer data)
{
  ResmgrApplicationShutdown *self = g_weak_ref_get (data);

  if (self != NULL)
    {
      self->busy_idle_pending = FALSE;
      update_busy_hold (self);
      g_object_unref (self);
    }

  return G_SOURCE_REMOVE;
}

/* Emitted on the controller's owner context, which may not be ours. */
static void
busy_changed_cb (GObject                   *registry,
                 ResmgrController          *controller,
                 gboolean                   busy,
                 ResmgrApplicationShutdown *self)
{
  if (resmgr_controller_get_service (controller) != self->service)
    return;

  if (_resmgr_context_is_owned_here (self->context))
    {
      update_busy_hold (self);
      return;
    }

  /* Another context: our owner looks again (the flag is only a hint; one
   * dispatch too many is harmless). */
  if (!g_atomic_int_compare_and_exchange (&self->busy_idle_pending, FALSE, TRUE))
    return;
  _resmgr_dispatch (self->context, G_PRIORITY_DEFAULT, "[resmgr] application busy",
                    busy_idle_cb, _resmgr_weak_ref_new (self), _resmgr_weak_ref_free);
}

/* Owner thread only. */
static void
merge_cleaned_up (ResmgrApplicationShutdown *self,
                  ResmgrCleanupReport       *report)
{
  if (self->report == NULL ||
      self->phase == RESMGR_SHUTDOWN_PHASE_NONE ||
      self->phase == RESMGR_SHUTDOWN_PHASE_DONE)
    return;

  _resmgr_cleanup_report_end_phase (self->report);
  _resmgr_cleanup_report_merge (self->report, report);
}

typedef struct
{
  GWeakRef             shutdown;
  ResmgrCleanupReport *report;
} CleanedUpMerge;

static void
cleaned_up_merge_free (gpointer data)
{
  CleanedUpMerge *m = data;

  g_weak_ref_clear (&m->shutdown);
  resmgr_cleanup_report_unref (m->report);
  g_free (m);
}

static gboolean
cleaned_up_merge_cb (gpointer data)
{
  CleanedUpMerge *m = data;
  ResmgrApplicationShutdown *self = g_weak_ref_get (&m->shutdown);

  if (self != NULL)
    {
      merge_cleaned_up (self, m->report);
      g_object_unref (self);
    }

  return G_SOURCE_REMOVE;
}

/* A controller cleaned while the shutdown runs (at its tab's destruction):
 * its report is part of ours. Emitted on the controller's owner context:
 * the report is merged on ours. */
static void
cleaned_up_cb (GObject                   *registry,
               ResmgrController          *controller,
               ResmgrCleanupReport       *report,
               ResmgrApplicationShutdown *self)
{
  CleanedUpMerge *m;

  if (resmgr_controller_get_service (controller) != self->service)
    return;

  if (_resmgr_context_is_owned_here (self->context))
    {
      merge_cleaned_up (self, report);
      return;
    }

  m = g_new0 (CleanedUpMerge, 1);
  g_weak_ref_init (&m->shutdown, self);
  m->report = resmgr_cleanup_report_ref (report);
  _resmgr_dispatch (self->context, G_PRIORITY_DEFAULT, "[resmgr] application cleaned-up",
                    cleaned_up_merge_cb, m, cleaned_up_merge_free);
}

/* }}} */

/* Phases {{{ */

static void
begin_phase (ResmgrApplicationShutdown *self,
             ResmgrShutdownPhase        phase)
{
  PhaseRecord rec = { 0 };

  rec.phase = phase;
  rec.started = g_get_monotonic_time ();
  rec.timeout_ms = self->timeouts[phase];
  rec.deadline = rec.started + (gint64) rec.timeout_ms * 1000;
  g_array_append_val (self->records, rec);

  self->phase = phase;
  self->generation++;
  self->pending = 0;

  g_debug ("Shutdown phase “%s” (deadline %u ms)", phase_names[phase], rec.timeout_ms);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PHASE]);
  g_signal_emit (self, signals[SIGNAL_PHASE_STARTED], 0, phase);
}

static void
end_phase (ResmgrApplicationShutdown *self,
           gboolean                   overran)
{
  PhaseRecord *rec = current_record (self);
  gint64 now = g_get_monotonic_time ();

  clear_timer (self);
  _resmgr_cleanup_report_end_phase (self->report);

  rec->duration = now - rec->started;
  /* The asynchronous phases (workers, rest) enforce their deadline in the
   * step they wait for, and overrun when it does not report in time. */
  rec->overran = overran || (rec->phase != RESMGR_SHUTDOWN_PHASE_WORKERS &&
                             rec->phase != RESMGR_SHUTDOWN_PHASE_REST &&
                             now > rec->deadline);
  if (rec->overran)
    g_log_structured (G_LOG_DOMAIN, G_LOG_LEVEL_MESSAGE,
                      "RESMGR_SHUTDOWN_PHASE", phase_names[rec->phase],
                      "MESSAGE", "Shutdown phase “%s” overran its deadline of %u ms (%.3f s); going on",
                      phase_names[rec->phase], rec->timeout_ms, rec->duration / (double) G_USEC_PER_SEC);
}

static gboolean
next_phase_cb (gpointer data)
{
  ResmgrApplicationShutdown *self = g_weak_ref_get (data);

  if (self != NULL)
    {
      run_phase (self, self->phase + 1);
      g_object_unref (self);
    }

  return G_SOURCE_REMOVE;
}

/* Ends the current phase and runs the next from an idle, so that what the
 * phase queued on the main context (notifications, completions) is
 * dispatched in between. */
static void
advance (ResmgrApplicationShutdown *self,
         gboolean                   overran)
{
  end_phase (self, overran);
  g_source_unref (attach_source (self, g_idle_source_new (), "[resmgr] shutdown phase", next_phase_cb));
}

/* The deadline of an asynchronous phase passed (plus grace). */
static gboolean
phase_timer_cb (gpointer data)
{
  ResmgrApplicationShutdown *self = g_weak_ref_get (data);

  if (self != NULL)
    {
      g_clear_pointer (&self->timer, g_source_unref);
      g_log_structured (G_LOG_DOMAIN, G_LOG_LEVEL_MESSAGE,
                        "RESMGR_SHUTDOWN_PHASE", phase_names[self->phase],
                        "MESSAGE", "Shutdown phase “%s”: %u step(s) did not report in time",
                        phase_names[self->phase], self->pending);
      self->pending = 0;
      advance (self, TRUE);
      g_object_unref (self);
    }

  return G_SOURCE_REMOVE;
}

static void
start_phase_timer (ResmgrApplicationShutdown *self)
{
  guint timeout = self->timeouts[self->phase] + GRACE_MS;

  clear_timer (self);
  self->timer = attach_source (self, g_timeout_source_new (timeout), "[resmgr] shutdown deadline",
                               phase_timer_cb);
}

/* Workers: cancel_all_async on every worker coordinator. */

/* Abandoned workers are reported with their own WORKER resource: every
 * entry is keyed by the resource id, never by the job's display name (jobs
 * may share one). The worker ↔ id pairs are taken before cancelling. */
typedef struct
{
  ResmgrApplicationShutdown *self;       /* a reference */
  guint                      generation;
  char                      *component_id;
  GHashTable                *handles;    /* id (guint64 *) → the ACTIVE WORKER handle */
  guint                      timeout_ms;
} WorkersCall;

static void
workers_call_free (WorkersCall *call)
{
  g_object_unref (call->self);
  g_free (call->component_id);
  g_hash_table_unref (call->handles);
  g_free (call);
}

/* Snapshots the WORKER resources of @workers, by id: an abandoned worker
 * finds its own entry with resmgr_worker_get_id (), whatever its name. */
static void
workers_call_snapshot (WorkersCall             *call,
                       ResmgrWorkerCoordinator *workers)
{
  g_autoptr(GPtrArray) handles = resmgr_coordinator_dup_handles (RESMGR_COORDINATOR (workers));

  for (guint j = 0; j < handles->len; j++)
    {
      ResmgrHandle *h = g_ptr_array_index (handles, j);
      guint64 *id;

      if (resmgr_handle_get_resource_type (h) != RESMGR_RESOURCE_TYPE_WORKER ||
          resmgr_handle_get_state (h) != RESMGR_RESOURCE_STATE_ACTIVE)
        continue;

      id = g_new (guint64, 1);
      *id = resmgr_handle_get_id (h);
      g_hash_table_insert (call->handles, id, resmgr_handle_ref (h));
    }
}

/* The report entry of an abandoned worker: its own resource, failed. */
static ResmgrHandle *
workers_call_steal_handle (WorkersCall  *call,
                           ResmgrWorker *worker)
{
  guint64 id = resmgr_worker_get_id (worker);
  gpointer key = NULL, value = NULL;
  ResmgrHandle *handle;

  if (id == 0 || !g_hash_table_steal_extended (call->handles, &id, &key, &value))
    /* Run after the snapshot: not known to us. */
    return synthetic_handle (RESMGR_RESOURCE_TYPE_WORKER, resmgr_worker_get_name (worker),
                             call->component_id,
                             resmgr_resource_type_get_default_priority (RESMGR_RESOURCE_TYPE_WORKER));

  handle = _resmgr_handle_copy_with_state (value, RESMGR_RESOURCE_STATE_FAILED);
  g_free (key);
  resmgr_handle_unref (value);

  return handle;
}

static void
workers_cancelled_cb (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  WorkersCall *call = user_data;
  ResmgrApplicationShutdown *self = call->self;
  g_autoptr(GPtrArray) abandoned = NULL;
  g_autoptr(GError) error = NULL;
  guint n_abandoned = 0;

  abandoned = resmgr_worker_coordinator_cancel_all_finish (RESMGR_WORKER_COORDINATOR (source), result, &error);

  /* On the owner thread, with no wait: the jobs that returned are settled
   * now (final state, completion delivered) within this phase; one that
   * was queued or started meanwhile is cancelled, or abandoned at once. */
  {
    g_autoptr(GPtrArray) late = resmgr_worker_coordinator_cancel_all (RESMGR_WORKER_COORDINATOR (source), 0);

    if (abandoned == NULL)
      abandoned = g_steal_pointer (&late);
    else
      for (guint i = 0; i < late->len; i++)
        g_ptr_array_add (abandoned, g_object_ref (g_ptr_array_index (late, i)));
  }

  if (self->phase != RESMGR_SHUTDOWN_PHASE_DONE && self->report != NULL)
    {
      GHashTableIter iter;
      gpointer value;

      for (guint i = 0; abandoned != NULL && i < abandoned->len; i++)
        {
          ResmgrWorker *worker = g_ptr_array_index (abandoned, i);
          const char *name = resmgr_worker_get_name (worker);
          ResmgrHandle *handle = workers_call_steal_handle (call, worker);
          GError *err;

          g_autofree char *resource = resmgr_handle_get_id (handle) != 0
            ? g_strdup_printf ("resource %" G_GUINT64_FORMAT, resmgr_handle_get_id (handle))
            : g_strdup ("run after the shutdown started");

          err = g_error_new (RESMGR_ERROR, RESMGR_ERROR_TIMED_OUT,
                             "Job “%s” (%s) of %s did not stop within %u ms of being cancelled "
                             "(running for %.3f s) and was abandoned",
                             name, resource, call->component_id, call->timeout_ms,
                             resmgr_worker_get_run_time (worker) / (double) G_USEC_PER_SEC);
          _resmgr_cleanup_report_begin_phase (self->report, resmgr_handle_get_priority (handle));
          _resmgr_cleanup_report_add_failure (self->report, handle, err);
          g_ptr_array_add (self->abandoned, g_strdup_printf ("%s: %s", call->component_id, name));
          n_abandoned++;
        }

      /* The others stopped, and their WORKER resources were released. */
      g_hash_table_iter_init (&iter, call->handles);
      while (g_hash_table_iter_next (&iter, NULL, &value))
        {
          _resmgr_cleanup_report_begin_phase (self->report, resmgr_handle_get_priority (value));
          _resmgr_cleanup_report_add_released (self->report);
        }
      _resmgr_cleanup_report_end_phase (self->report);

      if (n_abandoned > 0)
        g_log_structured (G_LOG_DOMAIN, G_LOG_LEVEL_MESSAGE,
                          "MESSAGE", "Shutdown: %u job(s) of %s did not stop within %u ms and were abandoned",
                          n_abandoned, call->component_id, call->timeout_ms);
    }

  if (error != NULL)
    g_debug ("Cancelling the jobs of %s: %s", call->component_id, error->message);

  if (self->phase == RESMGR_SHUTDOWN_PHASE_WORKERS && call->generation == self->generation &&
      self->pending > 0 && --self->pending == 0)
    advance (self, FALSE);

  workers_call_free (call);
}

static void
run_workers (ResmgrApplicationShutdown *self)
{
  g_autoptr(GPtrArray) controllers = _resmgr_controller_dup_live (self->service);
  guint timeout_ms = self->timeouts[RESMGR_SHUTDOWN_PHASE_WORKERS];

  for (guint i = 0; i < controllers->len; i++)
    {
      ResmgrController *controller = g_ptr_array_index (controllers, i);
      ResmgrWorkerCoordinator *workers = resmgr_controller_get_worker_coordinator (controller);
      WorkersCall *call;

      if (workers == NULL || !resmgr_coordinator_is_bound (RESMGR_COORDINATOR (workers)))
        continue;

      call = g_new0 (WorkersCall, 1);
      call->self = g_object_ref (self);
      call->generation = self->generation;
      call->component_id = g_strdup (resmgr_controller_get_id (controller));
      call->handles = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free,
                                             (GDestroyNotify) resmgr_handle_unref);
      call->timeout_ms = timeout_ms;
      workers_call_snapshot (call, workers);

      self->pending++;
      resmgr_worker_coordinator_cancel_all_async (workers, timeout_ms, NULL, workers_cancelled_cb, call);
    }

  if (self->pending == 0)
    advance (self, FALSE);
  else
    start_phase_timer (self);
}

/* Sources and GL: release what the controllers own down to @floor. */

typedef struct
{
  ResmgrCoordinator *coordinator;
  ResmgrHandle      *handle;
} Item;

static void
item_clear (gpointer data)
{
  Item *item = data;

  g_clear_object (&item->coordinator);
  g_clear_pointer (&item->handle, resmgr_handle_unref);
}

/* Priority first, then newest first (the service's order). */
static int
item_compare (gconstpointer a,
              gconstpointer b)
{
  const ResmgrHandle *ha = ((const Item *) a)->handle;
  const ResmgrHandle *hb = ((const Item *) b)->handle;
  int pa = resmgr_handle_get_priority (ha), pb = resmgr_handle_get_priority (hb);
  gint64 ca, cb;
  guint64 ia, ib;

  if (pa != pb)
    return pa > pb ? -1 : 1;
  ca = resmgr_handle_get_created (ha);
  cb = resmgr_handle_get_created (hb);
  if (ca != cb)
    return ca > cb ? -1 : 1;
  ia = resmgr_handle_get_id (ha);
  ib = resmgr_handle_get_id (hb);
  return ia > ib ? -1 : ia < ib ? 1 : 0;
}

static gboolean
release_down_to (ResmgrApplicationShutdown *self,
                 int                        floor)
{
  g_autoptr(GPtrArray) controllers = dup_local_controllers (self);
  g_autoptr(GArray) items = g_array_new (FALSE, TRUE, sizeof (Item));
  gboolean overran = FALSE;

  g_array_set_clear_func (items, item_clear);

  for (guint i = 0; i < controllers->len; i++)
    {
      ResmgrCoordinator *coordinator = resmgr_controller_get_resources (g_ptr_array_index (controllers, i));
      g_autoptr(GPtrArray) handles = resmgr_coordinator_dup_handles (coordinator);

      for (guint j = 0; j < handles->len; j++)
        {
          ResmgrHandle *h = g_ptr_array_index (handles, j);

          if (resmgr_handle_get_priority (h) >= floor &&
              resmgr_handle_get_state (h) == RESMGR_RESOURCE_STATE_ACTIVE)
            {
              Item item = { g_object_ref (coordinator), resmgr_handle_ref (h) };

              g_array_append_val (items, item);
            }
        }
    }

  g_array_sort (items, item_compare);

  for (guint i = 0; i < items->len; i++)
    {
      Item *item = &g_array_index (items, Item, i);
      g_autoptr(GError) error = NULL;

      if (past_deadline (self))
        {
          overran = TRUE;
          g_log_structured (G_LOG_DOMAIN, G_LOG_LEVEL_MESSAGE,
                            "MESSAGE", "Shutdown phase “%s”: deadline passed with %u resource(s) left "
                            "for the last phase",
                            phase_names[self->phase], items->len - i);
          break;
        }

      _resmgr_cleanup_report_begin_phase (self->report, resmgr_handle_get_priority (item->handle));
      if (resmgr_coordinator_release (item->coordinator, item->handle, &error))
        _resmgr_cleanup_report_add_released (self->report);
      else if (!g_error_matches (error, RESMGR_ERROR, RESMGR_ERROR_NOT_FOUND))
        _resmgr_cleanup_report_add_failure (self->report,
                                            _resmgr_handle_copy_with_state (item->handle, RESMGR_RESOURCE_STATE_FAILED),
                                            g_steal_pointer (&error));
    }
  _resmgr_cleanup_report_end_phase (self->report);

  return overran;
}

static void
run_sources (ResmgrApplicationShutdown *self)
{
  gboolean overran;

  overran = release_down_to (self, resmgr_resource_type_get_default_priority (RESMGR_RESOURCE_TYPE_SOURCE));
  advance (self, overran);
}

static void
run_gl (ResmgrApplicationShutdown *self)
{
  g_autoptr(GPtrArray) controllers = NULL;
  gboolean overran;

  overran = release_down_to (self, resmgr_resource_type_get_default_priority (RESMGR_RESOURCE_TYPE_GL_OBJECT));

  /* Released names are deleted in batches: now, with the contexts alive. */
  controllers = dup_local_controllers (self);
  for (guint i = 0; i < controllers->len; i++)
    {
      ResmgrController *controller = g_ptr_array_index (controllers, i);
      ResmgrGLCoordinator *gl = resmgr_controller_get_gl_coordinator (controller);
      g_autoptr(GError) error = NULL;

      if (gl == NULL || resmgr_gl_coordinator_get_n_pending (gl) == 0)
        continue;
      if (!resmgr_gl_coordinator_flush (gl, &error))
        {
          _resmgr_cleanup_report_begin_phase (self->report, resmgr_resource_type_get_default_priority (RESMGR_RESOURCE_TYPE_GL_OBJECT));
          _resmgr_cleanup_report_add_failure (self->report,
                                              synthetic_handle (RESMGR_RESOURCE_TYPE_GL_OBJECT, "glDelete",
                                                                resmgr_controller_get_id (controller),
                                                                resmgr_resource_type_get_default_priority (RESMGR_RESOURCE_TYPE_GL_OBJECT)),
                                              g_steal_pointer (&error));
          _resmgr_cleanup_report_end_phase (self->report);
        }
    }

  advance (self, overran);
}

static void
run_windows (ResmgrApplicationShutdown *self)
{
  g_autoptr(GtkApplication) app = g_weak_ref_get (&self->application);
  GList *windows = NULL;

  if (app != NULL)
    windows = g_list_copy_deep (gtk_application_get_windows (app), (GCopyFunc) g_object_ref, NULL);

  for (GList *l = windows; l != NULL; l = l->next)
    gtk_window_destroy (l->data);
  g_list_free_full (windows, g_object_unref);

  advance (self, FALSE);
}

typedef struct
{
  ResmgrApplicationShutdown *self;       /* a reference */
  guint                      generation;
} RestCall;

static void
rest_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  RestCall *call = user_data;
  ResmgrApplicationShutdown *self = call->self;
  g_autoptr(ResmgrCleanupReport) report = NULL;
  g_autoptr(GError) error = NULL;

  report = resmgr_service_shutdown_finish (RESMGR_SERVICE (source), result, &error);

  if (self->phase != RESMGR_SHUTDOWN_PHASE_DONE && self->report != NULL)
    {
      if (report != NULL)
        {
          _resmgr_cleanup_report_end_phase (self->report);
          _resmgr_cleanup_report_merge (self->report, report);
        }
      else
        g_log_structured (G_LOG_DOMAIN, G_LOG_LEVEL_MESSAGE,
                          "MESSAGE", "Shutdown of the resource service failed: %s", error->message);
    }

  if (self->phase == RESMGR_SHUTDOWN_PHASE_REST && call->generation == self->generation &&
      self->pending > 0 && --self->pending == 0)
    advance (self, report != NULL && resmgr_cleanup_report_get_timed_out (report));

  g_object_unref (call->self);
  g_free (call);
}

static void
run_rest (ResmgrApplicationShutdown *self)
{
  RestCall *call = g_new0 (RestCall, 1);

  call->self = g_object_ref (self);
  call->generation = self->generation;
  self->pending = 1;
  resmgr_service_shutdown_async (self->service, self->timeouts[RESMGR_SHUTDOWN_PHASE_REST], NULL,
                                 rest_done_cb, call);
  start_phase_timer (self);
}

static gboolean
handle_listed (GPtrArray    *leftovers,
               ResmgrHandle *handle)
{
  for (guint i = 0; i < leftovers->len; i++)
    if (resmgr_handle_get_id (g_ptr_array_index (leftovers, i)) == resmgr_handle_get_id (handle))
      return TRUE;
  return FALSE;
}

static void
run_verify (ResmgrApplicationShutdown *self)
{
  g_autoptr(ResmgrStats) stats = NULL;
  g_autoptr(GPtrArray) controllers = _resmgr_controller_dup_live (self->service);
  GPtrArray *leftovers = resmgr_cleanup_report_get_leftovers (self->report);
  g_autoptr(GPtrArray) local = dup_local_controllers (self);
  guint64 tracked;

  /* The service cleaned what the controllers still owned; mark them
   * cleaned (their reports, empty unless something was added meanwhile,
   * are merged through ::cleaned-up). */
  for (guint i = 0; i < local->len; i++)
    {
      ResmgrController *controller = g_ptr_array_index (local, i);

      if (!resmgr_controller_is_cleaned_up (controller))
        resmgr_cleanup_report_unref (resmgr_controller_cleanup (controller));
    }
  stats = resmgr_service_dup_stats (self->service);
  tracked = resmgr_stats_get_n_resources (stats);

  /* What the controllers still hold that the service's verification did
   * not list (it ran late, or not at all). */
  for (guint i = 0; i < controllers->len; i++)
    {
      ResmgrCoordinator *coordinator = resmgr_controller_get_resources (g_ptr_array_index (controllers, i));
      g_autoptr(GPtrArray) handles = resmgr_coordinator_dup_handles (coordinator);

      for (guint j = 0; j < handles->len; j++)
        {
          ResmgrHandle *h = g_ptr_array_index (handles, j);

          if (resmgr_handle_get_state (h) == RESMGR_RESOURCE_STATE_ACTIVE && !handle_listed (leftovers, h))
            _resmgr_cleanup_report_add_leftover (self->report, resmgr_handle_ref (h));
        }
    }

  if (tracked > leftovers->len)
    g_log_structured (G_LOG_DOMAIN, G_LOG_LEVEL_MESSAGE,
                      "MESSAGE", "Shutdown: the service still tracks %" G_GUINT64_FORMAT " resource(s)",
                      tracked);

  end_phase (self, FALSE);
  run_phase (self, RESMGR_SHUTDOWN_PHASE_DONE);
}

static void
finish (ResmgrApplicationShutdown *self)
{
  g_autofree char *json = NULL;
  gboolean overran = FALSE;
  gboolean clean;

  for (guint i = 0; i < self->records->len; i++)
    overran |= g_array_index (self->records, PhaseRecord, i).overran;

  _resmgr_cleanup_report_set_timed_out (self->report,
                                        overran || resmgr_cleanup_report_get_timed_out (self->report));
  _resmgr_cleanup_report_finish (self->report);
  self->phase = RESMGR_SHUTDOWN_PHASE_DONE;
  clean = resmgr_cleanup_report_is_clean (self->report);

  json = resmgr_application_shutdown_to_json (self, FALSE);
  g_log_structured (G_LOG_DOMAIN, clean ? G_LOG_LEVEL_INFO : G_LOG_LEVEL_MESSAGE,
                    "RESMGR_SHUTDOWN_CLEAN", clean ? "true" : "false",
                    "RESMGR_SHUTDOWN_REPORT", json,
                    "MESSAGE", "Shutdown %s in %.3f s: %u released, %u failed, %u lost, %u left, "
                    "%u abandoned job(s)%s",
                    clean ? "clean" : "NOT clean",
                    (g_get_monotonic_time () - self->started) / (double) G_USEC_PER_SEC,
                    resmgr_cleanup_report_get_released (self->report),
                    resmgr_cleanup_report_get_failed (self->report),
                    resmgr_cleanup_report_get_lost (self->report),
                    resmgr_cleanup_report_get_leftovers (self->report)->len,
                    self->abandoned->len,
                    overran ? ", a phase overran its deadline" : "");

  if (self->report_path != NULL && self->report_path[0] != '\0')
    {
      g_autoptr(GError) error = NULL;

      if (!resmgr_application_shutdown_write_report (self, self->report_path, &error))
        g_log_structured (G_LOG_DOMAIN, G_LOG_LEVEL_MESSAGE,
                          "MESSAGE", "Cannot write the shutdown report: %s", error->message);
    }

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PHASE]);
  g_signal_emit (self, signals[SIGNAL_SHUTDOWN_FINISHED], 0, self->report);

  /* With no window left, the application quits. */
  set_hold (self, &self->holding_busy, FALSE);
  set_hold (self, &self->holding_shutdown, FALSE);
}

static void
run_phase (ResmgrApplicationShutdown *self,
           ResmgrShutdownPhase        phase)
{
  if (phase == RESMGR_SHUTDOWN_PHASE_DONE)
    {
      finish (self);
      return;
    }

  begin_phase (self, phase);

  switch (phase)
    {
    case RESMGR_SHUTDOWN_PHASE_WORKERS:
      run_workers (self);
      break;
    case RESMGR_SHUTDOWN_PHASE_SOURCES:
      run_sources (self);
      break;
    case RESMGR_SHUTDOWN_PHASE_GL:
      run_gl (self);
      break;
    case RESMGR_SHUTDOWN_PHASE_WINDOWS:
      run_windows (self);
      break;
    case RESMGR_SHUTDOWN_PHASE_REST:
      run_rest (self);
      break;
    case RESMGR_SHUTDOWN_PHASE_VERIFY:
      run_verify (self);
      break;
    case RESMGR_SHUTDOWN_PHASE_NONE:
    case RESMGR_SHUTDOWN_PHASE_DONE:
    default:
      g_assert_not_reached ();
    }
}

/* }}} */

/* Windows {{{ */

static gboolean
close_request_cb (GtkWindow                 *window,
                  ResmgrApplicationShutdown *self)
{
  g_autoptr(GtkApplication) app = NULL;
  GList *windows;

  switch (self->phase)
    {
    case RESMGR_SHUTDOWN_PHASE_NONE:
      break;
    case RESMGR_SHUTDOWN_PHASE_DONE:
      return FALSE;
    default:
      /* Running: the window goes in its phase. */
      return TRUE;
    }

  if ((app = g_weak_ref_get (&self->application)) == NULL)
    return FALSE;

  windows = gtk_application_get_windows (app);
  for (GList *l = windows; l != NULL; l = l->next)
    if (l->data != (gpointer) window)
      return FALSE; /* not the last one */

  resmgr_application_shutdown_start (self);

  return TRUE;
}

static void
window_added_cb (GtkApplication            *app,
                 GtkWindow                 *window,
                 ResmgrApplicationShutdown *self)
{
  g_signal_connect_object (window, "close-request", G_CALLBACK (close_request_cb), self, 0);
}

/* }}} */

/* GObject {{{ */

static void
resmgr_application_shutdown_dispose (GObject *object)
{
  ResmgrApplicationShutdown *self = RESMGR_APPLICATION_SHUTDOWN (object);
  GObject *registry = _resmgr_controller_get_registry ();

  g_clear_signal_handler (&self->busy_changed_id, registry);
  g_clear_signal_handler (&self->cleaned_up_id, registry);
  clear_timer (self);
  set_hold (self, &self->holding_busy, FALSE);
  set_hold (self, &self->holding_shutdown, FALSE);

  G_OBJECT_CLASS (resmgr_application_shutdown_parent_class)->dispose (object);
}

static void
resmgr_application_shutdown_finalize (GObject *object)
{
  ResmgrApplicationShutdown *self = RESMGR_APPLICATION_SHUTDOWN (object);

  g_weak_ref_clear (&self->application);
  g_clear_object (&self->service);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_clear_pointer (&self->report, resmgr_cleanup_report_unref);
  g_array_unref (self->records);
  g_ptr_array_unref (self->abandoned);
  g_free (self->report_path);

  G_OBJECT_CLASS (resmgr_application_shutdown_parent_class)->finalize (object);
}

static void
resmgr_application_shutdown_get_property (GObject    *object,
                                          guint       prop_id,
                                          GValue     *value,
                                          GParamSpec *pspec)
{
  ResmgrApplicationShutdown *self = RESMGR_APPLICATION_SHUTDOWN (object);

  switch (prop_id)
    {
    case PROP_APPLICATION:
      g_value_take_object (value, g_weak_ref_get (&self->application));
      break;
    case PROP_SERVICE:
      g_value_set_object (value, self->service);
      break;
    case PROP_PHASE:
      g_value_set_enum (value, self->phase);
      break;
    case PROP_REPORT_PATH:
      g_value_set_string (value, self->report_path);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
resmgr_application_shutdown_set_property (GObject      *object,
                                          guint         prop_id,
                                          const GValue *value,
                                          GParamSpec   *pspec)
{
  ResmgrApplicationShutdown *self = RESMGR_APPLICATION_SHUTDOWN (object);

  switch (prop_id)
    {
    case PROP_APPLICATION:
      g_weak_ref_set (&self->application, g_value_get_object (value));
      break;
    case PROP_SERVICE:
      self->service = g_value_dup_object (value);
      break;
    case PROP_REPORT_PATH:
      resmgr_application_shutdown_set_report_path (self, g_value_get_string (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
resmgr_application_shutdown_constructed (GObject *object)
{
  ResmgrApplicationShutdown *self = RESMGR_APPLICATION_SHUTDOWN (object);
  GObject *registry = _resmgr_controller_get_registry ();

  G_OBJECT_CLASS (resmgr_application_shutdown_parent_class)->constructed (object);

  if (self->service == NULL)
    self->service = g_object_ref (resmgr_service_get_default ());

  self->busy_changed_id = g_signal_connect (registry, "busy-changed", G_CALLBACK (busy_changed_cb), self);
  self->cleaned_up_id = g_signal_connect (registry, "cleaned-up", G_CALLBACK (cleaned_up_cb), self);
}

static void
resmgr_application_shutdown_class_init (ResmgrApplicationShutdownClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = resmgr_application_shutdown_constructed;
  object_class->dispose = resmgr_application_shutdown_dispose;
  object_class->finalize = resmgr_application_shutdown_finalize;
  object_class->get_property = resmgr_application_shutdown_get_property;
  object_class->set_property = resmgr_application_shutdown_set_property;

  /**
   * ResmgrApplicationShutdown:application:
   *
   * The application, held weakly.
   *
   * Since: 0.1
   */
  properties[PROP_APPLICATION] =
    g_param_spec_object ("application", NULL, NULL,
                         GTK_TYPE_APPLICATION,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * ResmgrApplicationShutdown:service:
   *
   * The service whose controllers and resources are shut down; %NULL at
   * construction selects the default service.
   *
   * Since: 0.1
   */
  properties[PROP_SERVICE] =
    g_param_spec_object ("service", NULL, NULL,
                         RESMGR_TYPE_SERVICE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * ResmgrApplicationShutdown:phase:
   *
   * The phase the shutdown is in.
   *
   * Since: 0.1
   */
  properties[PROP_PHASE] =
    g_param_spec_enum ("phase", NULL, NULL,
                       RESMGR_TYPE_SHUTDOWN_PHASE, RESMGR_SHUTDOWN_PHASE_NONE,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * ResmgrApplicationShutdown:report-path:
   *
   * Where the JSON report is written when the shutdown finishes; %NULL
   * for nowhere. Defaults to the value of the `RESMGR_REPORT` environment
   * variable.
   *
   * Since: 0.1
   */
  properties[PROP_REPORT_PATH] =
    g_param_spec_string ("report-path", NULL, NULL,
                         NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * ResmgrApplicationShutdown::phase-started:
   * @self: the shutdown
   * @phase: the phase
   *
   * Emitted when a phase starts.
   *
   * Since: 0.1
   */
  signals[SIGNAL_PHASE_STARTED] =
    g_signal_new ("phase-started",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, RESMGR_TYPE_SHUTDOWN_PHASE);

  /**
   * ResmgrApplicationShutdown::shutdown-finished:
   * @self: the shutdown
   * @report: what the shutdown did, all phases merged
   *
   * Emitted once the shutdown finished, after the report was logged and
   * written, before the application is released.
   *
   * Since: 0.1
   */
  signals[SIGNAL_SHUTDOWN_FINISHED] =
    g_signal_new ("shutdown-finished",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, RESMGR_TYPE_CLEANUP_REPORT | G_SIGNAL_TYPE_STATIC_SCOPE);
}

static void
resmgr_application_shutdown_init (ResmgrApplicationShutdown *self)
{
  g_weak_ref_init (&self->application, NULL);
  self->context = g_main_context_ref_thread_default ();
  memcpy (self->timeouts, default_timeouts, sizeof self->timeouts);
  self->records = g_array_new (FALSE, TRUE, sizeof (PhaseRecord));
  self->abandoned = g_ptr_array_new_with_free_func (g_free);
  self->report_path = g_strdup (g_getenv ("RESMGR_REPORT"));
}

/* }}} */

/* Public API {{{ */

/**
 * resmgr_application_attach:
 * @application: a #GtkApplication
 * @service: (nullable): the service to shut down, or %NULL for the default
 *   service
 *
 * Attaches the ordered shutdown to @application (see the class
 * documentation): call it once, in `startup` or before running the
 * application, on its main thread. Calling it again returns the same
 * object.
 *
 * Returns: (transfer none): the shutdown, owned by @application
 *
 * Since: 0.1
 */
ResmgrApplicationShutdown *
resmgr_application_attach (GtkApplication *application,
                           ResmgrService  *service)
{
  ResmgrApplicationShutdown *self;

  g_return_val_if_fail (GTK_IS_APPLICATION (application), NULL);
  g_return_val_if_fail (service == NULL || RESMGR_IS_SERVICE (service), NULL);

  if ((self = resmgr_application_get_shutdown (application)) != NULL)
    {
      if (service != NULL && service != self->service)
        g_critical ("%s %p is attached to another resource service already",
                    G_OBJECT_TYPE_NAME (application), application);
      return self;
    }

  self = g_object_new (RESMGR_TYPE_APPLICATION_SHUTDOWN,
                       "application", application,
                       "service", service,
                       NULL);
  g_object_set_data_full (G_OBJECT (application), QUARK_NAME, self, g_object_unref);

  /* The inspector (GTK_DEBUG=interactive) gets a live resource page. */
  resmgr_inspector_page_register ();

  for (GList *l = gtk_application_get_windows (application); l != NULL; l = l->next)
    window_added_cb (application, l->data, self);
  g_signal_connect_object (application, "window-added", G_CALLBACK (window_added_cb), self, 0);

  update_busy_hold (self);

  return self;
}

/**
 * resmgr_application_get_shutdown:
 * @application: a #GtkApplication
 *
 * Gets the shutdown attached to @application with
 * [func@Resmgr.application_attach].
 *
 * Returns: (transfer none) (nullable): the shutdown, or %NULL
 *
 * Since: 0.1
 */
ResmgrApplicationShutdown *
resmgr_application_get_shutdown (GtkApplication *application)
{
  g_return_val_if_fail (GTK_IS_APPLICATION (application), NULL);

  return g_object_get_data (G_OBJECT (application), QUARK_NAME);
}

/**
 * resmgr_shutdown_phase_to_string:
 * @phase: a phase
 *
 * Gets the name of @phase, as used in the JSON report: `"workers"`,
 * `"sources"`, `"gl"`, `"windows"`, `"rest"`, `"verify"`.
 *
 * Returns: the name
 *
 * Since: 0.1
 */
const char *
resmgr_shutdown_phase_to_string (ResmgrShutdownPhase phase)
{
  g_return_val_if_fail (phase <= RESMGR_SHUTDOWN_PHASE_DONE, NULL);

  return phase_names[phase];
}

/**
 * resmgr_application_shutdown_dup_application:
 * @self: a shutdown
 *
 * Gets the application, if it is still alive.
 *
 * Returns: (transfer full) (nullable): the application
 *
 * Since: 0.1
 */
GtkApplication *
resmgr_application_shutdown_dup_application (ResmgrApplicationShutdown *self)
{
  g_return_val_if_fail (RESMGR_IS_APPLICATION_SHUTDOWN (self), NULL);

  return g_weak_ref_get (&self->application);
}

/**
 * resmgr_application_shutdown_get_service:
 * @self: a shutdown
 *
 * Gets the service that is shut down.
 *
 * Returns: (transfer none): the service
 *
 * Since: 0.1
 */
ResmgrService *
resmgr_application_shutdown_get_service (ResmgrApplicationShutdown *self)
{
  g_return_val_if_fail (RESMGR_IS_APPLICATION_SHUTDOWN (self), NULL);

  return self->service;
}

/**
 * resmgr_application_shutdown_set_phase_timeout:
 * @self: a shutdown
 * @phase: a phase from %RESMGR_SHUTDOWN_PHASE_WORKERS to
 *   %RESMGR_SHUTDOWN_PHASE_VERIFY
 * @timeout_ms: its deadline, in milliseconds from its start
 *
 * Sets the deadline of a phase. For the workers phase it is how long
 * cancelled jobs are waited for before they are abandoned; for the last
 * phase the deadline given to [method@Resmgr.Service.shutdown]; for the
 * others, the phase stops releasing when it has passed and leaves the rest
 * to the last phase. An overrun is reported, and the shutdown goes on.
 *
 * Since: 0.1
 */
void
resmgr_application_shutdown_set_phase_timeout (ResmgrApplicationShutdown *self,
                                               ResmgrShutdownPhase        phase,
                                               guint                      timeout_ms)
{
  g_return_if_fail (RESMGR_IS_APPLICATION_SHUTDOWN (self));
  g_return_if_fail (phase > RESMGR_SHUTDOWN_PHASE_NONE && phase < RESMGR_SHUTDOWN_PHASE_DONE);

  self->timeouts[phase] = timeout_ms;
}

/**
 * resmgr_application_shutdown_get_phase_timeout:
 * @self: a shutdown
 * @phase: a phase
 *
 * Gets the deadline of a phase.
 *
 * Returns: the deadline, in milliseconds
 *
 * Since: 0.1
 */
guint
resmgr_application_shutdown_get_phase_timeout (ResmgrApplicationShutdown *self,
                                               ResmgrShutdownPhase        phase)
{
  g_return_val_if_fail (RESMGR_IS_APPLICATION_SHUTDOWN (self), 0);
  g_return_val_if_fail (phase <= RESMGR_SHUTDOWN_PHASE_DONE, 0);

  return self->timeouts[phase];
}

/**
 * resmgr_application_shutdown_set_report_path:
 * @self: a shutdown
 * @path: (nullable) (type filename): where to write the JSON report, or
 *   %NULL
 *
 * Sets [property@Resmgr.ApplicationShutdown:report-path].
 *
 * Since: 0.1
 */
void
resmgr_application_shutdown_set_report_path (ResmgrApplicationShutdown *self,
                                             const char                *path)
{
  g_return_if_fail (RESMGR_IS_APPLICATION_SHUTDOWN (self));

  if (g_strcmp0 (self->report_path, path) == 0)
    return;
  g_free (self->report_path);
  self->report_path = g_strdup (path);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_REPORT_PATH]);
}

/**
 * resmgr_application_shutdown_get_report_path:
 * @self: a shutdown
 *
 * Gets [property@Resmgr.ApplicationShutdown:report-path].
 *
 * Returns: (nullable) (type filename): the path
 *
 * Since: 0.1
 */
const char *
resmgr_application_shutdown_get_report_path (ResmgrApplicationShutdown *self)
{
  g_return_val_if_fail (RESMGR_IS_APPLICATION_SHUTDOWN (self), NULL);

  return self->report_path;
}

/**
 * resmgr_application_shutdown_start:
 * @self: a shutdown
 *
 * Starts the shutdown now, as closing the last window does (for a "Quit"
 * action). It runs asynchronously on the main context; a second call, or
 * a call after it finished, does nothing.
 *
 * Since: 0.1
 */
void
resmgr_application_shutdown_start (ResmgrApplicationShutdown *self)
{
  g_return_if_fail (RESMGR_IS_APPLICATION_SHUTDOWN (self));

  if (self->phase != RESMGR_SHUTDOWN_PHASE_NONE)
    return;

  set_hold (self, &self->holding_shutdown, TRUE);
  self->started = g_get_monotonic_time ();
  self->report = _resmgr_cleanup_report_new ("shutdown");

  run_phase (self, RESMGR_SHUTDOWN_PHASE_WORKERS);
}

/**
 * resmgr_application_shutdown_get_phase:
 * @self: a shutdown
 *
 * Gets [property@Resmgr.ApplicationShutdown:phase].
 *
 * Returns: the current phase
 *
 * Since: 0.1
 */
ResmgrShutdownPhase
resmgr_application_shutdown_get_phase (ResmgrApplicationShutdown *self)
{
  g_return_val_if_fail (RESMGR_IS_APPLICATION_SHUTDOWN (self), RESMGR_SHUTDOWN_PHASE_NONE);

  return self->phase;
}

/**
 * resmgr_application_shutdown_is_running:
 * @self: a shutdown
 *
 * Checks whether the shutdown started and did not finish yet.
 *
 * Returns: %TRUE while it runs
 *
 * Since: 0.1
 */
gboolean
resmgr_application_shutdown_is_running (ResmgrApplicationShutdown *self)
{
  g_return_val_if_fail (RESMGR_IS_APPLICATION_SHUTDOWN (self), FALSE);

  return self->phase != RESMGR_SHUTDOWN_PHASE_NONE && self->phase != RESMGR_SHUTDOWN_PHASE_DONE;
}

/**
 * resmgr_application_shutdown_is_holding:
 * @self: a shutdown
 *
 * Checks whether the application is held, because a controller's job is
 * active or the shutdown runs.
 *
 * Returns: %TRUE if the application is held
 *
 * Since: 0.1
 */
gboolean
resmgr_application_shutdown_is_holding (ResmgrApplicationShutdown *self)
{
  g_return_val_if_fail (RESMGR_IS_APPLICATION_SHUTDOWN (self), FALSE);

  return self->holding_busy || self->holding_shutdown;
}

/**
 * resmgr_application_shutdown_get_report:
 * @self: a shutdown
 *
 * Gets the report, once the shutdown finished: every phase merged (the
 * cleanup phases per priority, the abandoned jobs as failures with
 * %RESMGR_ERROR_TIMED_OUT, the leftovers, `timed_out` if a phase overran).
 *
 * Returns: (transfer none) (nullable): the report, or %NULL before the end
 *
 * Since: 0.1
 */
ResmgrCleanupReport *
resmgr_application_shutdown_get_report (ResmgrApplicationShutdown *self)
{
  g_return_val_if_fail (RESMGR_IS_APPLICATION_SHUTDOWN (self), NULL);

  return self->phase == RESMGR_SHUTDOWN_PHASE_DONE ? self->report : NULL;
}

/**
 * resmgr_application_shutdown_get_n_phases:
 * @self: a shutdown
 *
 * Gets the number of phases that started, for
 * [method@Resmgr.ApplicationShutdown.get_phase_record].
 *
 * Returns: the number of phases run so far
 *
 * Since: 0.1
 */
guint
resmgr_application_shutdown_get_n_phases (ResmgrApplicationShutdown *self)
{
  g_return_val_if_fail (RESMGR_IS_APPLICATION_SHUTDOWN (self), 0);

  return self->records->len;
}

/**
 * resmgr_application_shutdown_get_phase_record:
 * @self: a shutdown
 * @index: the index of a phase, in the order they ran
 * @started_us: (out) (optional): when it started, in µs from the start of
 *   the shutdown
 * @duration_us: (out) (optional): how long it took
 * @overran: (out) (optional): whether it overran its deadline
 *
 * Gets what a phase did.
 *
 * Returns: the phase
 *
 * Since: 0.1
 */
ResmgrShutdownPhase
resmgr_application_shutdown_get_phase_record (ResmgrApplicationShutdown *self,
                                              guint                      index,
                                              gint64                    *started_us,
                                              gint64                    *duration_us,
                                              gboolean                  *overran)
{
  PhaseRecord *rec;

  g_return_val_if_fail (RESMGR_IS_APPLICATION_SHUTDOWN (self), RESMGR_SHUTDOWN_PHASE_NONE);
  g_return_val_if_fail (index < self->records->len, RESMGR_SHUTDOWN_PHASE_NONE);

  rec = &g_array_index (self->records, PhaseRecord, index);
  if (started_us != NULL)
    *started_us = rec->started - self->started;
  if (duration_us != NULL)
    *duration_us = rec->duration;
  if (overran != NULL)
    *overran = rec->overran;

  return rec->phase;
}

/**
 * resmgr_application_shutdown_dup_abandoned:
 * @self: a shutdown
 *
 * Gets the jobs abandoned in the workers phase, each as
 * `"<component id>: <job name>"`.
 *
 * Returns: (transfer full): the names, possibly none
 *
 * Since: 0.1
 */
char **
resmgr_application_shutdown_dup_abandoned (ResmgrApplicationShutdown *self)
{
  GStrvBuilder *builder;
  char **result;

  g_return_val_if_fail (RESMGR_IS_APPLICATION_SHUTDOWN (self), NULL);

  builder = g_strv_builder_new ();
  for (guint i = 0; i < self->abandoned->len; i++)
    g_strv_builder_add (builder, g_ptr_array_index (self->abandoned, i));
  result = g_strv_builder_end (builder);
  g_strv_builder_unref (builder);

  return result;
}

/**
 * resmgr_application_shutdown_to_json:
 * @self: a shutdown
 * @pretty: whether to indent the output
 *
 * Serialises the shutdown as a JSON object with the members `application`
 * (its id, or null), `clean`, `phases` (the shutdown's phases in the order
 * they ran, each with `name`, `started_us` (from the start of the
 * shutdown), `duration_us`, `deadline_ms` and `overran`), `abandoned` (the
 * names of [method@Resmgr.ApplicationShutdown.dup_abandoned]) and
 * `report` (the merged cleanup report, as
 * [method@Resmgr.CleanupReport.to_json] writes it, or null before the
 * shutdown started).
 *
 * Returns: (transfer full): a JSON string
 *
 * Since: 0.1
 */
char *
resmgr_application_shutdown_to_json (ResmgrApplicationShutdown *self,
                                     gboolean                   pretty)
{
  g_autoptr(JsonBuilder) builder = NULL;
  g_autoptr(JsonGenerator) generator = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GtkApplication) app = NULL;
  const char *app_id = NULL;

  g_return_val_if_fail (RESMGR_IS_APPLICATION_SHUTDOWN (self), NULL);

  if ((app = g_weak_ref_get (&self->application)) != NULL)
    app_id = g_application_get_application_id (G_APPLICATION (app));

  builder = json_builder_new ();
  json_builder_begin_object (builder);

  json_builder_set_member_name (builder, "application");
  if (app_id != NULL)
    json_builder_add_string_value (builder, app_id);
  else
    json_builder_add_null_value (builder);

  json_builder_set_member_name (builder, "clean");
  json_builder_add_boolean_value (builder, self->phase == RESMGR_SHUTDOWN_PHASE_DONE &&
                                           resmgr_cleanup_report_is_clean (self->report));

  json_builder_set_member_name (builder, "phases");
  json_builder_begin_array (builder);
  for (guint i = 0; i < self->records->len; i++)
    {
      const PhaseRecord *rec = &g_array_index (self->records, PhaseRecord, i);

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "name");
      json_builder_add_string_value (builder, phase_names[rec->phase]);
      json_builder_set_member_name (builder, "started_us");
      json_builder_add_int_value (builder, rec->started - self->started);
      json_builder_set_member_name (builder, "duration_us");
      json_builder_add_int_value (builder, rec->duration);
      json_builder_set_member_name (builder, "deadline_ms");
      json_builder_add_int_value (builder, rec->timeout_ms);
      json_builder_set_member_name (builder, "overran");
      json_builder_add_boolean_value (builder, rec->overran);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);

  json_builder_set_member_name (builder, "abandoned");
  json_builder_begin_array (builder);
  for (guint i = 0; i < self->abandoned->len; i++)
    json_builder_add_string_value (builder, g_ptr_array_index (self->abandoned, i));
  json_builder_end_array (builder);

  json_builder_set_member_name (builder, "report");
  if (self->report != NULL && self->phase == RESMGR_SHUTDOWN_PHASE_DONE)
    {
      g_autofree char *report_json = resmgr_cleanup_report_to_json (self->report, FALSE);

      json_builder_add_value (builder, json_from_string (report_json, NULL));
    }
  else
    json_builder_add_null_value (builder);

  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  generator = json_generator_new ();
  json_generator_set_pretty (generator, pretty);
  json_generator_set_root (generator, root);

  return json_generator_to_data (generator, NULL);
}

/**
 * resmgr_application_shutdown_write_report:
 * @self: a shutdown
 * @path: (type filename): the file to write
 * @error: return location for a #GError
 *
 * Writes [method@Resmgr.ApplicationShutdown.to_json] to @path
 * (atomically, replacing it).
 *
 * Returns: %TRUE on success
 *
 * Since: 0.1
 */
gboolean
resmgr_application_shutdown_write_report (ResmgrApplicationShutdown  *self,
                                          const char                 *path,
                                          GError                    **error)
{
  g_autofree char *json = NULL;

  g_return_val_if_fail (RESMGR_IS_APPLICATION_SHUTDOWN (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  json = resmgr_application_shutdown_to_json (self, TRUE);

  return g_file_set_contents (path, json, -1, error);
}

/* }}} */
