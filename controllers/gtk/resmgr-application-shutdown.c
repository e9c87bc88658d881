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
 * From then on the application is held while a job of any component of
 * the service runs (it tracks a %RESMGR_RESOURCE_TYPE_WORKER resource),
 * and when its last window is asked to close, the window stays and the shutdown runs, phase by phase, each
 * with its own deadline ([method@ResmgrGtk.ApplicationShutdown.set_phase_timeout]):
 *
 * 1. %RESMGR_SHUTDOWN_PHASE_WORKERS: a cleanup phase of the service down
 *    to priority 100: the jobs of every component are cancelled and
 *    awaited; a job that does not stop in time is abandoned and named in
 *    the report;
 * 2. %RESMGR_SHUTDOWN_PHASE_SOURCES: down to priority 90: timers, sources
 *    and signal handlers are removed;
 * 3. %RESMGR_SHUTDOWN_PHASE_GL: down to just above widgets (61): GL
 *    objects are deleted, while the windows and their GL contexts still
 *    exist;
 * 4. %RESMGR_SHUTDOWN_PHASE_WINDOWS: the windows are destroyed, and the
 *    phase waits until the controllers bound to their tabs
 *    ([func@ResmgrGtk.controller_bind_widget]) are cleaned up, on their
 *    owner contexts, right after the tabs' destruction;
 * 5. %RESMGR_SHUTDOWN_PHASE_REST: widgets and everything else, of every
 *    component, in priority order, with [method@Resmgr.Service.shutdown];
 * 6. %RESMGR_SHUTDOWN_PHASE_VERIFY: the check that nothing is left.
 *
 * A phase that overruns its deadline is reported and the shutdown goes
 * on; asking to close again while it runs does not start a second one.
 * Then the report is logged (structured logging, domain `Resmgr`, with
 * the fields `RESMGR_SHUTDOWN_CLEAN` and `RESMGR_SHUTDOWN_REPORT`, the
 * JSON), written as JSON to the file named by the `RESMGR_REPORT`
 * environment variable or [method@ResmgrGtk.ApplicationShutdown.set_report_path],
 * handed out with [signal@ResmgrGtk.ApplicationShutdown::shutdown-finished],
 * and the application is released: with no window left it quits. No exit
 * hook is installed, anywhere.
 *
 * ## Thread safety
 *
 * A shutdown object belongs to the thread of its application's main
 * context (the GTK thread): call its methods there. Its phases, signals
 * and report are run, emitted and built there only. Each cleaning phase
 * is one [method@Resmgr.Service.cleanup_phase_async] (the last one
 * [method@Resmgr.Service.shutdown_async]) over every component of the
 * service: components of other contexts are cleaned on their own
 * contexts, nothing of theirs runs on this thread (see
 * `docs/threading.md`).
 *
 * A job that does not stop in time is reported with its own
 * %RESMGR_RESOURCE_TYPE_WORKER resource (its id, creation time and
 * priority), also when other jobs have the same name.
 *
 * Since: 0.1
 */

#define N_PHASES     (RESMGR_SHUTDOWN_PHASE_DONE + 1)
/* How long past a phase's deadline its operation may still report before
 * the shutdown goes on without it (and the phase counts as overrun). */
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

typedef struct
{
  ResmgrShutdownPhase phase;
  gint64              started;   /* monotonic µs */
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
  gulong               tracked_id;
  gulong               released_id;
  gulong               cleanup_finished_id;

  /* Owner thread only: */
  guint                timeouts[N_PHASES];
  char                *report_path;
  ResmgrShutdownPhase  phase;
  GArray              *records;        /* PhaseRecord */
  ResmgrCleanupReport *report;         /* the phases' reports merged, then final */
  GPtrArray           *abandoned;      /* char * */
  gboolean             holding_busy;
  gboolean             holding_shutdown;
  int                  busy_idle_pending; /* atomic */
  guint                generation;     /* bumped at each phase */
  GSource             *timer;
  gboolean             destroying_windows;
  guint                n_deferred;     /* windows phase: tab cleanups not over */
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

static const char *
phase_name (ResmgrShutdownPhase phase)
{
  return _resmgr_enum_nick (RESMGR_TYPE_SHUTDOWN_PHASE, phase);
}

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

/* Busy: a job of some component runs, as the service counts WORKER
 * resources (one per active job). */
static void
update_busy_hold (ResmgrApplicationShutdown *self)
{
  g_autoptr(ResmgrStats) stats = resmgr_service_dup_stats (self->service);
  gboolean busy = self->phase != RESMGR_SHUTDOWN_PHASE_DONE &&
                  resmgr_stats_get_count (stats, RESMGR_RESOURCE_TYPE_WORKER) > 0;

  set_hold (self, &self->holding_busy, busy);
}

static gboolean
busy_idle_cb (gpointer data)
{
  ResmgrApplicationShutdown *self = g_weak_ref_get (data);

  if (self != NULL)
    {
      g_atomic_int_set (&self->busy_idle_pending, FALSE);
      update_busy_hold (self);
      g_object_unref (self);
    }

  return G_SOURCE_REMOVE;
}

/* Emitted on the service's owner context, which may not be ours. */
static void
resource_changed_cb (ResmgrService             *service,
                     ResmgrHandle              *handle,
                     ResmgrApplicationShutdown *self)
{
  if (resmgr_handle_get_resource_type (handle) != RESMGR_RESOURCE_TYPE_WORKER)
    return;

  if (_resmgr_context_is_owned_here (self->context))
    {
      update_busy_hold (self);
      return;
    }

  /* Our owner looks again (one dispatch too many is harmless). */
  if (g_atomic_int_compare_and_exchange (&self->busy_idle_pending, FALSE, TRUE))
    _resmgr_dispatch (self->context, G_PRIORITY_DEFAULT, "[resmgr] application busy",
                      busy_idle_cb, _resmgr_weak_ref_new (self), _resmgr_weak_ref_free);
}

/* A component cleaned while its window is destroyed (one disposed with a
 * widget that held it): its report is part of ours. (The controllers bound
 * to tabs are cleaned after that, on their owner contexts: run_windows ()
 * waits for them.) */
static void
cleanup_finished_cb (ResmgrService             *service,
                     ResmgrCleanupReport       *report,
                     ResmgrApplicationShutdown *self)
{
  if (self->destroying_windows && _resmgr_context_is_owned_here (self->context))
    _resmgr_cleanup_report_merge (self->report, report);
}

/* }}} */

/* Phases {{{ */

static PhaseRecord *
current_record (ResmgrApplicationShutdown *self)
{
  return &g_array_index (self->records, PhaseRecord, self->records->len - 1);
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

/* Ends the current phase, merging its report, and runs the next from an
 * idle, so that what the phase queued on the main context (notifications,
 * completions) is dispatched in between. */
static void
advance (ResmgrApplicationShutdown *self,
         ResmgrCleanupReport       *report,
         gboolean                   overran)
{
  PhaseRecord *rec = current_record (self);
  GSource *idle;

  clear_timer (self);
  if (report != NULL)
    _resmgr_cleanup_report_merge (self->report, report);

  rec->duration = g_get_monotonic_time () - rec->started;
  rec->overran = overran || rec->duration > (gint64) (rec->timeout_ms + GRACE_MS) * 1000;
  if (rec->overran)
    g_log_structured (G_LOG_DOMAIN, G_LOG_LEVEL_MESSAGE,
                      "RESMGR_SHUTDOWN_PHASE", phase_name (rec->phase),
                      "MESSAGE", "Shutdown phase “%s” overran its deadline of %u ms (%.3f s); going on",
                      phase_name (rec->phase), rec->timeout_ms, rec->duration / (double) G_USEC_PER_SEC);

  self->generation++;
  idle = g_idle_source_new ();
  g_source_set_static_name (idle, "[resmgr] shutdown phase");
  g_source_set_callback (idle, next_phase_cb, _resmgr_weak_ref_new (self), _resmgr_weak_ref_free);
  g_source_attach (idle, self->context);
  g_source_unref (idle);
}

/* The service did not answer by the deadline plus grace. */
static gboolean
phase_timer_cb (gpointer data)
{
  ResmgrApplicationShutdown *self = g_weak_ref_get (data);

  if (self != NULL)
    {
      g_clear_pointer (&self->timer, g_source_unref);
      advance (self, NULL, TRUE);
      g_object_unref (self);
    }

  return G_SOURCE_REMOVE;
}

typedef struct
{
  ResmgrApplicationShutdown *self;       /* a reference */
  guint                      generation;
} PhaseCall;

static PhaseCall *
phase_call_new (ResmgrApplicationShutdown *self)
{
  PhaseCall *call = g_new0 (PhaseCall, 1);

  call->self = g_object_ref (self);
  call->generation = self->generation;

  return call;
}

static void
phase_call_free (gpointer data)
{
  PhaseCall *call = data;

  g_object_unref (call->self);
  g_free (call);
}

/* Ends the phase at @timeout_ms from now, overrun, if it is not over. */
static void
start_timer (ResmgrApplicationShutdown *self,
             guint                      timeout_ms)
{
  self->timer = g_timeout_source_new (timeout_ms);
  g_source_set_static_name (self->timer, "[resmgr] shutdown deadline");
  g_source_set_callback (self->timer, phase_timer_cb, _resmgr_weak_ref_new (self), _resmgr_weak_ref_free);
  g_source_attach (self->timer, self->context);
}

/* The jobs abandoned in the workers phase fail on their own WORKER
 * resources: those are the names. */
static void
collect_abandoned (ResmgrApplicationShutdown *self,
                   ResmgrCleanupReport       *report)
{
  for (guint i = 0; i < resmgr_cleanup_report_get_n_failures (report); i++)
    {
      const GError *error = resmgr_cleanup_report_get_failure_error (report, i);
      ResmgrHandle *h = resmgr_cleanup_report_get_failure (report, i);

      if (resmgr_handle_get_resource_type (h) == RESMGR_RESOURCE_TYPE_WORKER &&
          g_error_matches (error, RESMGR_ERROR, RESMGR_ERROR_TIMED_OUT))
        g_ptr_array_add (self->abandoned, g_strdup_printf ("%s: %s", resmgr_handle_get_component_id (h),
                                                           resmgr_handle_get_name (h)));
    }
}

static void
phase_done_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  PhaseCall *call = user_data;
  ResmgrApplicationShutdown *self = call->self;
  g_autoptr(ResmgrCleanupReport) report = NULL;
  g_autoptr(GError) error = NULL;

  if (self->phase == RESMGR_SHUTDOWN_PHASE_REST)
    report = resmgr_service_shutdown_finish (RESMGR_SERVICE (source), result, &error);
  else
    report = resmgr_service_cleanup_phase_finish (RESMGR_SERVICE (source), result, &error);

  if (report == NULL)
    g_log_structured (G_LOG_DOMAIN, G_LOG_LEVEL_MESSAGE,
                      "MESSAGE", "Shutdown phase “%s”: %s", phase_name (self->phase), error->message);
  else if (self->phase == RESMGR_SHUTDOWN_PHASE_WORKERS)
    collect_abandoned (self, report);

  /* Late, after the phase was given up: the shutdown went on. */
  if (call->generation == self->generation)
    advance (self, report, FALSE);

  phase_call_free (call);
}

/* A phase run by the service: down to @floor, or its shutdown (@floor < 0). */
static void
run_service_phase (ResmgrApplicationShutdown *self,
                   int                        floor)
{
  guint timeout_ms = self->timeouts[self->phase];
  PhaseCall *call = phase_call_new (self);

  start_timer (self, timeout_ms + GRACE_MS);

  if (floor < 0)
    resmgr_service_shutdown_async (self->service, timeout_ms, NULL, phase_done_cb, call);
  else
    resmgr_service_cleanup_phase_async (self->service, floor, timeout_ms, NULL, phase_done_cb, call);
}

/* The cleanup of a controller bound to a tab of a window we destroyed. */
static void
tab_cleanup_done (ResmgrCleanupReport *report,
                  gpointer             data)
{
  PhaseCall *call = data;
  ResmgrApplicationShutdown *self = call->self;

  /* Late, after the phase's deadline: the shutdown went on. */
  if (call->generation != self->generation)
    return;

  if (report != NULL)
    _resmgr_cleanup_report_merge (self->report, report);
  if (--self->n_deferred == 0)
    advance (self, NULL, FALSE);
}

/* Destroys the windows, then waits until the controllers bound to their
 * tabs are cleaned: a bound widget's ::destroy only schedules that cleanup
 * on the controller's owner context (resmgr_controller_bind_widget ()).
 * Ours runs it when this returns to the main loop; another one when its
 * owner iterates, or the phase's deadline passes first (the rest phase
 * then cleans or reports what they still own). */
static void
run_windows (ResmgrApplicationShutdown *self)
{
  g_autoptr(GtkApplication) app = g_weak_ref_get (&self->application);
  g_autoptr(GPtrArray) deferred = g_ptr_array_new_with_free_func ((GDestroyNotify) _resmgr_deferred_cleanup_unref);
  GPtrArray *previous;
  GList *windows = NULL;

  if (app != NULL)
    windows = g_list_copy_deep (gtk_application_get_windows (app), (GCopyFunc) g_object_ref, NULL);

  /* The windows, and their tabs, go when our references do. */
  previous = _resmgr_deferred_cleanups_set_collector (deferred);
  self->destroying_windows = TRUE;
  for (GList *l = windows; l != NULL; l = l->next)
    gtk_window_destroy (l->data);
  g_list_free_full (windows, g_object_unref);
  self->destroying_windows = FALSE;
  _resmgr_deferred_cleanups_set_collector (previous);

  if (deferred->len == 0)
    {
      advance (self, NULL, FALSE);
      return;
    }

  start_timer (self, self->timeouts[self->phase]);
  self->n_deferred = deferred->len;
  for (guint i = 0; i < deferred->len; i++)
    _resmgr_deferred_cleanup_notify (g_ptr_array_index (deferred, i), tab_cleanup_done,
                                     phase_call_new (self), phase_call_free);
}

/* What the service still tracks that no phase listed (a phase ran late, or
 * not at all) is a leftover too. */
static gboolean
handle_listed (GPtrArray    *handles,
               ResmgrHandle *handle)
{
  for (guint i = 0; i < handles->len; i++)
    if (resmgr_handle_get_id (g_ptr_array_index (handles, i)) == resmgr_handle_get_id (handle))
      return TRUE;
  return FALSE;
}

static void
run_verify (ResmgrApplicationShutdown *self)
{
  GPtrArray *leftovers = resmgr_cleanup_report_get_leftovers (self->report);
  g_autoptr(GPtrArray) handles = resmgr_service_dup_handles (self->service, NULL);
  g_autoptr(ResmgrCleanupReport) unlisted = _resmgr_cleanup_report_new ("verify");

  for (guint i = 0; i < handles->len; i++)
    if (!handle_listed (leftovers, g_ptr_array_index (handles, i)))
      _resmgr_cleanup_report_add_leftover (unlisted, resmgr_handle_ref (g_ptr_array_index (handles, i)));
  _resmgr_cleanup_report_finish (unlisted);

  advance (self, unlisted, FALSE);
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

  json = resmgr_application_shutdown_to_json (self, self->report_path != NULL && self->report_path[0] != '\0');
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

      if (!g_file_set_contents (self->report_path, json, -1, &error))
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
  PhaseRecord rec = { phase, g_get_monotonic_time (), 0, self->timeouts[phase], FALSE };

  if (phase == RESMGR_SHUTDOWN_PHASE_DONE)
    {
      finish (self);
      return;
    }

  g_array_append_val (self->records, rec);
  self->phase = phase;
  g_debug ("Shutdown phase “%s” (deadline %u ms)", phase_name (phase), rec.timeout_ms);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PHASE]);
  g_signal_emit (self, signals[SIGNAL_PHASE_STARTED], 0, phase);

  switch (phase)
    {
    case RESMGR_SHUTDOWN_PHASE_WORKERS:
      run_service_phase (self, resmgr_resource_type_get_default_priority (RESMGR_RESOURCE_TYPE_WORKER));
      break;
    case RESMGR_SHUTDOWN_PHASE_SOURCES:
      run_service_phase (self, resmgr_resource_type_get_default_priority (RESMGR_RESOURCE_TYPE_SOURCE));
      break;
    case RESMGR_SHUTDOWN_PHASE_GL:
      /* GL objects, and what must go with them while their contexts live
       * (a GL coordinator's batched deletions): everything above widgets. */
      run_service_phase (self, resmgr_resource_type_get_default_priority (RESMGR_RESOURCE_TYPE_WIDGET) + 1);
      break;
    case RESMGR_SHUTDOWN_PHASE_WINDOWS:
      run_windows (self);
      break;
    case RESMGR_SHUTDOWN_PHASE_REST:
      run_service_phase (self, -1);
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

  if (self->service != NULL)
    {
      g_clear_signal_handler (&self->tracked_id, self->service);
      g_clear_signal_handler (&self->released_id, self->service);
      g_clear_signal_handler (&self->cleanup_finished_id, self->service);
    }
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

  G_OBJECT_CLASS (resmgr_application_shutdown_parent_class)->constructed (object);

  if (self->service == NULL)
    self->service = g_object_ref (resmgr_service_get_default ());

  self->tracked_id = g_signal_connect (self->service, "resource-tracked",
                                       G_CALLBACK (resource_changed_cb), self);
  self->released_id = g_signal_connect (self->service, "resource-released",
                                        G_CALLBACK (resource_changed_cb), self);
  self->cleanup_finished_id = g_signal_connect (self->service, "cleanup-finished",
                                                G_CALLBACK (cleanup_finished_cb), self);
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
 * [func@ResmgrGtk.application_attach].
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
 * Sets [property@ResmgrGtk.ApplicationShutdown:report-path].
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
 * Gets [property@ResmgrGtk.ApplicationShutdown:report-path].
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
 * Gets [property@ResmgrGtk.ApplicationShutdown:phase].
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
 * [method@ResmgrGtk.ApplicationShutdown.get_phase_record].
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
 * Serialises the shutdown as a JSON object with the members `version`,
 * `kind` (`"application-shutdown"`), `application`
 * (its id, or null), `clean`, `phases` (the shutdown's phases in the order
 * they ran, each with `name`, `started_us` (from the start of the
 * shutdown), `duration_us`, `deadline_ms` and `overran`), `abandoned` (the
 * names of [method@ResmgrGtk.ApplicationShutdown.dup_abandoned]) and
 * `report` (the merged cleanup report, as
 * [method@Resmgr.CleanupReport.to_json] writes it, or null before the
 * shutdown finished).
 *
 * ## Version
 *
 * The `version` member is the version of the report format, an integer,
 * 1 for this release, as in [method@Resmgr.CleanupReport.to_json]. The
 * JSON Schema `docs/report.schema.json` describes every member of this
 * version (`$defs/application-shutdown`), and `docs/reports.md` explains
 * how to read them. The version changes whenever a member is added,
 * removed or changes its meaning.
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
  g_autoptr(GtkApplication) app = NULL;
  const char *app_id = NULL;

  g_return_val_if_fail (RESMGR_IS_APPLICATION_SHUTDOWN (self), NULL);

  if ((app = g_weak_ref_get (&self->application)) != NULL)
    app_id = g_application_get_application_id (G_APPLICATION (app));

  builder = json_builder_new ();
  _resmgr_json_begin_document (builder, "application-shutdown");

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
      json_builder_add_string_value (builder, phase_name (rec->phase));
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
    _resmgr_cleanup_report_add_json (self->report, builder);
  else
    json_builder_add_null_value (builder);

  json_builder_end_object (builder);

  return _resmgr_json_builder_to_data (builder, pretty);
}

/* }}} */
