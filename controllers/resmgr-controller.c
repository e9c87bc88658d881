/* resmgr-controller.c
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "resmgr.h"
#include "resmgr-private.h"

/**
 * ResmgrController:
 *
 * The base class of an application's controllers: the object that does
 * the real work behind a tab (runs jobs, owns GL objects, timers, files)
 * while the tab only builds widgets and forwards user actions.
 *
 * At construction a controller creates its coordinator through the virtual
 * [vfunc@Resmgr.Controller.create_coordinator] (a plain
 * [class@Resmgr.Coordinator] by default; a controller that runs jobs
 * returns a [class@Resmgr.WorkerCoordinator], one that draws GL a
 * `ResmgrGLCoordinator` of the GTK library) and binds it to itself with a
 * readable id,
 * `"<TypeName>-<n>"`. Everything the controller owns is tracked through
 * [property@Resmgr.Controller:resources].
 *
 * ```c
 * struct _HashController { ResmgrController parent_instance; };
 * G_DEFINE_FINAL_TYPE (HashController, hash_controller, RESMGR_TYPE_CONTROLLER)
 *
 * static ResmgrCoordinator *
 * hash_controller_create_coordinator (ResmgrController *controller,
 *                                     ResmgrService    *service)
 * {
 *   return RESMGR_COORDINATOR (resmgr_worker_coordinator_new (service));
 * }
 *
 * void
 * hash_controller_hash (HashController *self, GFile *file)
 * {
 *   ResmgrWorkerCoordinator *workers =
 *     resmgr_controller_get_worker_coordinator (RESMGR_CONTROLLER (self));
 *   g_autoptr(ResmgrWorker) worker =
 *     resmgr_worker_coordinator_run (workers, "hash", hash_file, g_object_ref (file),
 *                                    g_object_unref, g_free, hash_done, g_object_ref (self));
 * }
 * ```
 *
 * ## Cleanup
 *
 * [method@Resmgr.Controller.cleanup] releases everything the controller
 * owns, in priority order, on its owner context, and returns the report.
 * It runs once: later calls return the same report. It also runs when the
 * controller is disposed before it was called: inline when the disposing
 * thread owns the owner context; else the controller stays alive until
 * the owner context runs its cleanup and the rest of its dispose (see
 * "Thread safety"). [signal@Resmgr.Controller::cleaned-up] hands the
 * report out, on the owner context. The controller stays usable
 * afterwards: what it tracks later is cleaned when it is disposed.
 *
 * ## Bound to a widget
 *
 * The base class needs only GLib: a controller is tested without a
 * display. The GTK library (`resmgr-gtk-1`) adds
 * `resmgr_controller_bind_widget ()`, which ties the controller to the
 * widget that shows it, so that a tab needs no resource code at all.
 *
 * ## Busy and status
 *
 * [property@Resmgr.Controller:busy] is %TRUE while a job of its worker
 * coordinator is active, and [property@Resmgr.Controller:status] is a
 * line of text the controller sets for its user. Both are notified on the
 * owner context, even when set from a job's thread, so a tab binds them to
 * a spinner, buttons and a label with g_object_bind_property().
 *
 * ## Thread safety
 *
 * A controller belongs to the thread-default main context of the thread
 * that makes it (the global default context, so the main thread, for
 * code that pushed none): its owner context. Its cleanup, its
 * [signal@Resmgr.Controller::cleaned-up] signal, the notifications of
 * [property@Resmgr.Controller:busy] and [property@Resmgr.Controller:status]
 * and the end of its dispose run there, never on another thread; see
 * `docs/threading.md`.
 *
 * [method@Resmgr.Controller.set_status],
 * [method@Resmgr.Controller.dup_status], [method@Resmgr.Controller.get_busy],
 * [method@Resmgr.Controller.is_cleaned_up],
 * [method@Resmgr.Controller.dup_report] and the getters may be called from
 * any thread. So may [method@Resmgr.Controller.cleanup]:
 *
 * - on the owner thread it runs inline, and never waits (a call made from
 *   inside the cleanup itself returns an empty report);
 * - from another thread it is dispatched to the owner context and the
 *   caller waits, at most until the running shutdown's deadline, else
 *   [property@Resmgr.Manager:wait-timeout]. When the owner runs the
 *   cleanup meanwhile for its own reasons (its dispose, its tab's
 *   destruction), the waiter gets that report. When the owner does not run
 *   it in time, the call returns a report that has timed out, cleaned
 *   nothing and lists what stays tracked, with the reason; the cleanup
 *   can be asked for again later. Two owner threads cleaning each other's
 *   controllers at the same moment both time out instead of deadlocking.
 *
 * Dropping the last reference, or g_object_run_dispose(), on a thread
 * that does not own the context does not clean up there: the controller
 * stays alive until its owner context is next iterated, which runs the
 * cleanup, emits [signal@Resmgr.Controller::cleaned-up] and finishes the
 * dispose. A controller whose owner context is never iterated again keeps
 * its resources tracked (a shutdown reports them).
 *
 * Since: 0.1
 */

typedef enum {
  CLEANUP_NONE,
  CLEANUP_RUNNING,
  CLEANUP_DONE,
} CleanupState;

typedef struct
{
  /* Read-only after construction: */
  ResmgrService     *service;
  ResmgrCoordinator *coordinator;
  GMainContext      *context;      /* the owner context */
  gulong             n_active_id;
  gulong             shutdown_id;  /* on service */
  ResmgrCoordinator *n_active_source; /* the worker coordinator n_active_id is on */

  /* Atomic: */
  int                busy;

  /* Protected by mutex: */
  GMutex             mutex;
  GPtrArray         *facets;        /* ResmgrCoordinator, more coordinators of ours */
  GCond              cond;
  CleanupState       cleanup_state; /* written on the owner thread only */
  ResmgrCleanupReport *report;
  char              *status;
  gboolean           status_idle_pending;
} ResmgrControllerPrivate;

G_DEFINE_ABSTRACT_TYPE_WITH_PRIVATE (ResmgrController, resmgr_controller, G_TYPE_OBJECT)

#define PRIV(self) ((ResmgrControllerPrivate *) resmgr_controller_get_instance_private (self))

enum {
  PROP_0,
  PROP_SERVICE,
  PROP_RESOURCES,
  PROP_ID,
  PROP_BUSY,
  PROP_STATUS,
  N_PROPS
};

enum {
  SIGNAL_CLEANED_UP,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

/* Busy {{{ */

static void
set_busy (ResmgrController *self,
          gboolean          busy)
{
  ResmgrControllerPrivate *priv = PRIV (self);

  if (!g_atomic_int_compare_and_exchange (&priv->busy, !busy, !!busy))
    return;

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
}

/* Emitted on the owner context by the worker coordinator. */
static void
n_active_changed_cb (ResmgrWorkerCoordinator *workers,
                     GParamSpec              *pspec,
                     ResmgrController        *self)
{
  set_busy (self, resmgr_worker_coordinator_get_n_active (workers) > 0);
}

/* }}} */

/* Status {{{ */

static gboolean
status_notify_cb (gpointer data)
{
  ResmgrController *self = g_weak_ref_get (data);

  if (self != NULL)
    {
      ResmgrControllerPrivate *priv = PRIV (self);

      g_mutex_lock (&priv->mutex);
      priv->status_idle_pending = FALSE;
      g_mutex_unlock (&priv->mutex);

      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATUS]);
      g_object_unref (self);
    }

  return G_SOURCE_REMOVE;
}

/* }}} */

/* Cleanup {{{
 *
 * The cleanup runs on the owner context only, so its state machine has one
 * writer: NONE → RUNNING → DONE, on the owner thread.
 *
 * - On the owner thread it runs inline (a nested call made from inside it,
 *   or by a second thread that also owns the context, gets an empty
 *   report: what it cleans is not done yet, and the owner never waits).
 * - From any other thread it is requested through the dispatcher and the
 *   caller waits on priv->cond for DONE, until the service's deadline. If
 *   the owner runs the cleanup for its own reasons meanwhile (its dispose,
 *   its tab's destruction), the waiter is woken by that run and its own
 *   request, when the owner reaches it, finds the work done. If the owner
 *   does not get there in time, the request is abandoned (it will not run
 *   later) and the caller gets a timed-out report that lists what stays
 *   tracked, and why.
 *
 * The owner thread never iterates its context to wait and never waits for
 * another thread here: no nested dispatch of unrelated sources in the
 * middle of a dispose, no deadlock with a thread waiting for the owner.
 */

static ResmgrCleanupReport *
empty_report (ResmgrController *self)
{
  ResmgrCleanupReport *report = _resmgr_cleanup_report_new (resmgr_controller_get_id (self));

  _resmgr_cleanup_report_finish (report);
  return report;
}

/* Owner context only. */
static void
emit_cleaned_up (ResmgrController    *self,
                 ResmgrCleanupReport *report)
{
  g_signal_emit (self, signals[SIGNAL_CLEANED_UP], 0, report);
}

/* Whether the service holds nothing of ours. */
static gboolean
owns_nothing (ResmgrController *self)
{
  g_autoptr(ResmgrStats) stats = resmgr_coordinator_dup_stats (PRIV (self)->coordinator);

  return resmgr_stats_get_n_resources (stats) == 0;
}

/* Runs the cleanup (once), inline. Owner context only. @if_owning: only
 * ask the service when it still holds something of ours (after its
 * shutdown, which cleaned it: an empty cleanup's report is nobody's news). */
static ResmgrCleanupReport *
run_cleanup_here_full (ResmgrController *self,
                       gboolean          if_owning)
{
  ResmgrControllerPrivate *priv = PRIV (self);
  ResmgrCleanupReport *report = NULL;
  g_autoptr(GError) error = NULL;

  g_mutex_lock (&priv->mutex);
  if (priv->cleanup_state == CLEANUP_DONE)
    {
      report = resmgr_cleanup_report_ref (priv->report);
      g_mutex_unlock (&priv->mutex);
      return report;
    }
  if (priv->cleanup_state == CLEANUP_RUNNING)
    {
      /* Called again from inside the cleanup: what it is cleaning now is
       * not done yet; say so with an empty report rather than wait for
       * ourselves. */
      g_mutex_unlock (&priv->mutex);
      return empty_report (self);
    }
  priv->cleanup_state = CLEANUP_RUNNING;
  g_mutex_unlock (&priv->mutex);

  /* Through the service, not the coordinator: in dispose the coordinator's
   * GWeakRef to us already reads NULL, but we are still registered. We own
   * the component's context, so the service runs it inline. */
  if (resmgr_coordinator_is_bound (priv->coordinator) &&
      !(if_owning && owns_nothing (self)))
    report = resmgr_service_cleanup_component (priv->service, G_OBJECT (self), &error);
  if (report == NULL)
    {
      if (error != NULL)
        g_debug ("Cleanup of %s %p: %s", G_OBJECT_TYPE_NAME (self), self, error->message);
      report = empty_report (self);
    }

  g_mutex_lock (&priv->mutex);
  priv->report = resmgr_cleanup_report_ref (report);
  priv->cleanup_state = CLEANUP_DONE;
  /* Threads waiting in run_cleanup_remote (). */
  g_cond_broadcast (&priv->cond);
  g_mutex_unlock (&priv->mutex);

  emit_cleaned_up (self, report);

  return report;
}

static ResmgrCleanupReport *
run_cleanup_here (ResmgrController *self)
{
  return run_cleanup_here_full (self, FALSE);
}

/* The deadline of a thread waiting for the owner: the running shutdown's,
 * else the manager's wait timeout (as the manager's own waits). */
static gint64
wait_deadline (ResmgrController *self)
{
  ResmgrService *service = PRIV (self)->service;
  gint64 deadline = resmgr_service_get_deadline (service);
  guint timeout_ms = RESMGR_MANAGER_DEFAULT_WAIT_TIMEOUT;

  if (deadline > 0)
    return deadline;
  if (RESMGR_IS_MANAGER (service))
    timeout_ms = resmgr_manager_get_wait_timeout (RESMGR_MANAGER (service));

  return g_get_monotonic_time () + (gint64) timeout_ms * 1000;
}

/* What a waiter that gave up returns: nothing was cleaned by it; what the
 * controller still tracks is listed, with the reason. */
static ResmgrCleanupReport *
timed_out_report (ResmgrController *self,
                  gboolean          overrun)
{
  ResmgrControllerPrivate *priv = PRIV (self);
  ResmgrCleanupReport *report = _resmgr_cleanup_report_new (resmgr_controller_get_id (self));
  g_autofree char *where = _resmgr_context_describe (priv->context);
  g_autofree char *reason = NULL;
  g_autoptr(GPtrArray) handles = NULL;

  if (overrun)
    reason = g_strdup_printf ("the controller's cleanup was still running on its owner context (%s) "
                              "at the deadline", where);
  else
    reason = g_strdup_printf ("its owner context (%s) was not iterated before the deadline", where);

  if (resmgr_coordinator_is_bound (priv->coordinator))
    handles = resmgr_coordinator_dup_handles (priv->coordinator);
  for (guint i = 0; handles != NULL && i < handles->len; i++)
    _resmgr_cleanup_report_add_leftover_with_reason (report,
                                                     resmgr_handle_ref (g_ptr_array_index (handles, i)),
                                                     reason);
  _resmgr_cleanup_report_set_timed_out (report, TRUE);
  _resmgr_cleanup_report_finish (report);

  g_debug ("Cleanup of %s %p requested from another thread: %s",
           G_OBJECT_TYPE_NAME (self), self, reason);

  return report;
}

typedef struct
{
  GWeakRef    controller;
  ResmgrCall *call;
} CleanupRequest;

static void
cleanup_request_free (gpointer data)
{
  CleanupRequest *request = data;

  g_weak_ref_clear (&request->controller);
  _resmgr_call_unref (request->call);
  g_free (request);
}

/* On the owner context. */
static gboolean
cleanup_request_cb (gpointer data)
{
  CleanupRequest *request = data;
  ResmgrController *self;

  /* The waiter gave up (or the owner's own run already woke it). */
  if (!_resmgr_call_begin (request->call))
    return G_SOURCE_REMOVE;

  /* NULL: disposal is under way, and the dispose (on this context) cleans. */
  if ((self = g_weak_ref_get (&request->controller)) != NULL)
    {
      resmgr_cleanup_report_unref (run_cleanup_here (self));
      g_object_unref (self);
    }
  _resmgr_call_end (request->call);

  return G_SOURCE_REMOVE;
}

/* From a thread that does not own the context: request the cleanup there
 * and wait for it (whoever runs it) until the deadline. */
static ResmgrCleanupReport *
run_cleanup_remote (ResmgrController *self)
{
  ResmgrControllerPrivate *priv = PRIV (self);
  ResmgrCleanupReport *report = NULL;
  CleanupRequest *request;
  ResmgrCall *call;
  gboolean overrun;
  gint64 deadline;

  g_mutex_lock (&priv->mutex);
  if (priv->cleanup_state == CLEANUP_DONE)
    report = resmgr_cleanup_report_ref (priv->report);
  g_mutex_unlock (&priv->mutex);
  if (report != NULL)
    return report;

  call = _resmgr_call_new ();
  request = g_new0 (CleanupRequest, 1);
  g_weak_ref_init (&request->controller, self);
  request->call = _resmgr_call_ref (call);
  deadline = wait_deadline (self);
  _resmgr_dispatch (priv->context, G_PRIORITY_HIGH, "[resmgr] controller cleanup",
                    cleanup_request_cb, request, cleanup_request_free);

  g_mutex_lock (&priv->mutex);
  while (priv->cleanup_state != CLEANUP_DONE)
    if (!g_cond_wait_until (&priv->cond, &priv->mutex, deadline))
      break;
  if (priv->cleanup_state == CLEANUP_DONE)
    report = resmgr_cleanup_report_ref (priv->report);
  overrun = priv->cleanup_state == CLEANUP_RUNNING;
  g_mutex_unlock (&priv->mutex);

  /* Done (maybe by the owner's own run) or not: the request has nothing
   * left to do if it did not start yet. */
  _resmgr_call_abandon (call);
  _resmgr_call_unref (call);

  if (report == NULL)
    report = timed_out_report (self, overrun);

  return report;
}

static ResmgrCleanupReport *
run_cleanup (ResmgrController *self)
{
  if (_resmgr_context_is_owned_here (PRIV (self)->context))
    return run_cleanup_here (self);

  return run_cleanup_remote (self);
}

/* }}} */

/* GObject {{{ */

static ResmgrCoordinator *
resmgr_controller_real_create_coordinator (ResmgrController *self,
                                           ResmgrService    *service)
{
  return resmgr_coordinator_new (service);
}

/* On the owner context: the service's shutdown cleaned what we owned. */
static gboolean
shutdown_cleanup_cb (gpointer data)
{
  ResmgrController *self = g_weak_ref_get (data);

  if (self != NULL)
    {
      resmgr_cleanup_report_unref (run_cleanup_here_full (self, TRUE));
      g_object_unref (self);
    }

  return G_SOURCE_REMOVE;
}

/* On the service's owner context. After its shutdown, a controller is
 * cleaned up: its cleanup runs on our owner context, so that ::cleaned-up
 * tells the application, and is_cleaned_up () is true. It asks the
 * service only for what the shutdown left (a stuck owner's leftovers):
 * else every controller would add an empty report after the shutdown's. */
static void
service_cleanup_finished_cb (ResmgrService       *service,
                             ResmgrCleanupReport *report,
                             gpointer             data)
{
  ResmgrController *self;

  if (g_strcmp0 (resmgr_cleanup_report_get_scope (report), "shutdown") != 0 ||
      (self = g_weak_ref_get (data)) == NULL)
    return;

  if (!resmgr_controller_is_cleaned_up (self))
    _resmgr_dispatch (PRIV (self)->context, G_PRIORITY_DEFAULT, "[resmgr] controller cleanup after shutdown",
                      shutdown_cleanup_cb, _resmgr_weak_ref_new (self), _resmgr_weak_ref_free);
  g_object_unref (self);
}

static void
resmgr_controller_constructed (GObject *object)
{
  ResmgrController *self = RESMGR_CONTROLLER (object);
  ResmgrControllerPrivate *priv = PRIV (self);
  g_autoptr(GError) error = NULL;

  G_OBJECT_CLASS (resmgr_controller_parent_class)->constructed (object);

  if (priv->service == NULL)
    priv->service = g_object_ref (resmgr_service_get_default ());

  priv->coordinator = RESMGR_CONTROLLER_GET_CLASS (self)->create_coordinator (self, priv->service);
  if (priv->coordinator == NULL || !RESMGR_IS_COORDINATOR (priv->coordinator))
    {
      g_critical ("%s::create_coordinator returned no coordinator; using a plain one",
                  G_OBJECT_TYPE_NAME (self));
      g_clear_object (&priv->coordinator);
      priv->coordinator = resmgr_coordinator_new (priv->service);
    }
  else if (resmgr_coordinator_get_service (priv->coordinator) != priv->service)
    g_warning ("%s::create_coordinator made a coordinator of another service",
               G_OBJECT_TYPE_NAME (self));

  if (!resmgr_coordinator_bind (priv->coordinator, object, NULL, &error))
    g_warning ("Cannot bind the coordinator of %s %p: %s",
               G_OBJECT_TYPE_NAME (self), self, error->message);

  if (RESMGR_IS_WORKER_COORDINATOR (priv->coordinator))
    {
      priv->n_active_source = priv->coordinator;
      priv->n_active_id = g_signal_connect (priv->coordinator, "notify::n-active",
                                            G_CALLBACK (n_active_changed_cb), self);
    }

  /* Data: a weak reference, the handler may run on another thread. */
  priv->shutdown_id = g_signal_connect_data (priv->service, "cleanup-finished",
                                             G_CALLBACK (service_cleanup_finished_cb),
                                             _resmgr_weak_ref_new (self),
                                             (GClosureNotify) (void (*) (void)) _resmgr_weak_ref_free, 0);
}

/* The dispose of a controller disposed on another thread, finished on the
 * owner context: runs its cleanup there, then drops the reference that
 * kept it alive (its dispose then runs again, and completes, here). */
static gboolean
dispose_on_owner_cb (gpointer data)
{
  ResmgrController *self = data;

  resmgr_cleanup_report_unref (run_cleanup_here (self));

  return G_SOURCE_REMOVE;
}

static void
resmgr_controller_dispose (GObject *object)
{
  ResmgrController *self = RESMGR_CONTROLLER (object);
  ResmgrControllerPrivate *priv = PRIV (self);
  gboolean cleaned;

  g_mutex_lock (&priv->mutex);
  cleaned = priv->cleanup_state != CLEANUP_NONE;
  g_mutex_unlock (&priv->mutex);

  /* Disposed on a thread that does not own our context (a worker dropped
   * the last reference): the cleanup, ::cleaned-up, the notifications and
   * everything else of dispose belong to the owner. Keep the object alive
   * with a reference handed to the owner context and return without
   * chaining up: chaining up would destroy our signal handlers and fire
   * the service's weak notify on this thread. When the owner has run the
   * cleanup it drops that reference, and dispose runs again, to the end,
   * on the owner thread (GObject allows a dispose to run more than once
   * and an object to be referenced from it). A controller whose owner
   * context is never iterated again stays alive, its resources tracked:
   * nothing of it runs on this thread to help. */
  if (!_resmgr_context_is_owned_here (priv->context))
    {
      _resmgr_dispatch (priv->context, G_PRIORITY_HIGH, "[resmgr] controller disposal",
                        dispose_on_owner_cb, g_object_ref (self), g_object_unref);
      return;
    }

  /* On the owner thread: inline, once. */
  if (!cleaned && priv->coordinator != NULL)
    resmgr_cleanup_report_unref (run_cleanup_here (self));

  if (priv->n_active_id != 0)
    g_clear_signal_handler (&priv->n_active_id, priv->n_active_source);
  /* Not busy any more, as far as the application is concerned. */
  set_busy (self, FALSE);

  if (priv->shutdown_id != 0)
    g_clear_signal_handler (&priv->shutdown_id, priv->service);

  G_OBJECT_CLASS (resmgr_controller_parent_class)->dispose (object);
}

static void
resmgr_controller_finalize (GObject *object)
{
  ResmgrControllerPrivate *priv = PRIV (RESMGR_CONTROLLER (object));

  g_clear_object (&priv->coordinator);
  g_clear_pointer (&priv->facets, g_ptr_array_unref);
  g_clear_object (&priv->service);
  g_clear_pointer (&priv->context, g_main_context_unref);
  g_clear_pointer (&priv->report, resmgr_cleanup_report_unref);
  g_free (priv->status);
  g_mutex_clear (&priv->mutex);
  g_cond_clear (&priv->cond);

  G_OBJECT_CLASS (resmgr_controller_parent_class)->finalize (object);
}

static void
resmgr_controller_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  ResmgrController *self = RESMGR_CONTROLLER (object);

  switch (prop_id)
    {
    case PROP_SERVICE:
      g_value_set_object (value, resmgr_controller_get_service (self));
      break;
    case PROP_RESOURCES:
      g_value_set_object (value, resmgr_controller_get_resources (self));
      break;
    case PROP_ID:
      g_value_set_string (value, resmgr_controller_get_id (self));
      break;
    case PROP_BUSY:
      g_value_set_boolean (value, resmgr_controller_get_busy (self));
      break;
    case PROP_STATUS:
      g_value_take_string (value, resmgr_controller_dup_status (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
resmgr_controller_set_property (GObject      *object,
                                guint         prop_id,
                                const GValue *value,
                                GParamSpec   *pspec)
{
  ResmgrControllerPrivate *priv = PRIV (RESMGR_CONTROLLER (object));

  switch (prop_id)
    {
    case PROP_SERVICE:
      priv->service = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
resmgr_controller_class_init (ResmgrControllerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = resmgr_controller_constructed;
  object_class->dispose = resmgr_controller_dispose;
  object_class->finalize = resmgr_controller_finalize;
  object_class->get_property = resmgr_controller_get_property;
  object_class->set_property = resmgr_controller_set_property;

  klass->create_coordinator = resmgr_controller_real_create_coordinator;

  /**
   * ResmgrController:service:
   *
   * The service the controller tracks through; %NULL at construction
   * selects the default service.
   *
   * Since: 0.1
   */
  properties[PROP_SERVICE] =
    g_param_spec_object ("service", NULL, NULL,
                         RESMGR_TYPE_SERVICE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * ResmgrController:resources:
   *
   * The controller's coordinator, made by
   * [vfunc@Resmgr.Controller.create_coordinator] and bound to the
   * controller: everything the controller owns is tracked through it.
   *
   * Since: 0.1
   */
  properties[PROP_RESOURCES] =
    g_param_spec_object ("resources", NULL, NULL,
                         RESMGR_TYPE_COORDINATOR,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  /**
   * ResmgrController:id:
   *
   * The controller's component id in the service, `"<TypeName>-<n>"`.
   *
   * Since: 0.1
   */
  properties[PROP_ID] =
    g_param_spec_string ("id", NULL, NULL,
                         NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  /**
   * ResmgrController:busy:
   *
   * Whether a job of the controller's worker coordinator is queued,
   * running or being cancelled. Notified on the owner context.
   *
   * Since: 0.1
   */
  properties[PROP_BUSY] =
    g_param_spec_boolean ("busy", NULL, NULL,
                          FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * ResmgrController:status:
   *
   * A line of text about what the controller does, for its user; set with
   * [method@Resmgr.Controller.set_status] from any thread, notified on the
   * owner context.
   *
   * Since: 0.1
   */
  properties[PROP_STATUS] =
    g_param_spec_string ("status", NULL, NULL,
                         NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * ResmgrController::cleaned-up:
   * @self: the controller
   * @report: what the cleanup did
   *
   * Emitted on the owner context once the controller's cleanup ran
   * (explicitly, at its widget's destruction, or at its
   * dispose, also when the last reference was dropped on another thread).
   * Never emitted on another thread.
   *
   * Since: 0.1
   */
  signals[SIGNAL_CLEANED_UP] =
    g_signal_new ("cleaned-up",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  G_STRUCT_OFFSET (ResmgrControllerClass, cleaned_up),
                  NULL, NULL, NULL,
                  G_TYPE_NONE, 1,
                  RESMGR_TYPE_CLEANUP_REPORT | G_SIGNAL_TYPE_STATIC_SCOPE);
}

static void
resmgr_controller_init (ResmgrController *self)
{
  ResmgrControllerPrivate *priv = PRIV (self);

  g_mutex_init (&priv->mutex);
  g_cond_init (&priv->cond);
  priv->context = g_main_context_ref_thread_default ();
}

/* }}} */

/* Public API {{{ */

/**
 * resmgr_controller_get_resources:
 * @self: a controller
 *
 * Gets the controller's coordinator, through which it tracks what it owns.
 *
 * Returns: (transfer none): the coordinator
 *
 * Since: 0.1
 */
ResmgrCoordinator *
resmgr_controller_get_resources (ResmgrController *self)
{
  g_return_val_if_fail (RESMGR_IS_CONTROLLER (self), NULL);

  return PRIV (self)->coordinator;
}

/**
 * resmgr_controller_get_facet:
 * @self: a controller
 * @coordinator_type: a type derived from [class@Resmgr.Coordinator]
 *
 * Gets the controller's coordinator of @coordinator_type: the one made by
 * [vfunc@Resmgr.Controller.create_coordinator] if it is of that type, else
 * a *facet*: a coordinator of that type made on first use and bound to the
 * controller's component too. So one controller owns any mix of resources
 * (worker jobs, GL objects, plain resources) through one registration: its
 * cleanup releases all of them together, in one priority order.
 *
 * A facet is made on the controller's owner thread (its owner context is
 * the coordinator's); once made, it may be got from any thread.
 *
 * Returns: (transfer none) (nullable): the coordinator, or %NULL if it
 *   cannot be made (called off the owner thread before it exists, or the
 *   service refused: shutting down)
 *
 * Since: 0.1
 */
ResmgrCoordinator *
resmgr_controller_get_facet (ResmgrController *self,
                             GType             coordinator_type)
{
  ResmgrControllerPrivate *priv;
  g_autoptr(ResmgrCoordinator) facet = NULL;
  g_autoptr(GError) error = NULL;

  g_return_val_if_fail (RESMGR_IS_CONTROLLER (self), NULL);
  g_return_val_if_fail (g_type_is_a (coordinator_type, RESMGR_TYPE_COORDINATOR), NULL);

  priv = PRIV (self);
  if (G_TYPE_CHECK_INSTANCE_TYPE (priv->coordinator, coordinator_type))
    return priv->coordinator;

  g_mutex_lock (&priv->mutex);
  for (guint i = 0; priv->facets != NULL && i < priv->facets->len; i++)
    if (G_TYPE_CHECK_INSTANCE_TYPE (g_ptr_array_index (priv->facets, i), coordinator_type))
      {
        ResmgrCoordinator *found = g_ptr_array_index (priv->facets, i);

        g_mutex_unlock (&priv->mutex);
        return found;
      }
  g_mutex_unlock (&priv->mutex);

  /* Made and bound where its callbacks and cleanups belong. */
  g_return_val_if_fail (_resmgr_context_is_owned_here (priv->context), NULL);

  facet = g_object_new (coordinator_type, "service", priv->service, NULL);
  if (!resmgr_coordinator_bind (facet, G_OBJECT (self), NULL, &error))
    {
      g_warning ("Cannot add a %s to %s “%s”: %s", g_type_name (coordinator_type),
                 G_OBJECT_TYPE_NAME (self), resmgr_controller_get_id (self), error->message);
      return NULL;
    }

  if (RESMGR_IS_WORKER_COORDINATOR (facet) && priv->n_active_id == 0)
    {
      priv->n_active_source = facet;
      priv->n_active_id = g_signal_connect (facet, "notify::n-active",
                                            G_CALLBACK (n_active_changed_cb), self);
    }

  g_mutex_lock (&priv->mutex);
  if (priv->facets == NULL)
    priv->facets = g_ptr_array_new_with_free_func (g_object_unref);
  g_ptr_array_add (priv->facets, g_object_ref (facet));
  g_mutex_unlock (&priv->mutex);

  return facet;
}

/**
 * resmgr_controller_get_worker_coordinator:
 * @self: a controller
 *
 * Gets the controller's worker coordinator: the one
 * [vfunc@Resmgr.Controller.create_coordinator] made, or a facet made on
 * first use ([method@Resmgr.Controller.get_facet]).
 *
 * Returns: (transfer none) (nullable): the worker coordinator
 *
 * Since: 0.1
 */
ResmgrWorkerCoordinator *
resmgr_controller_get_worker_coordinator (ResmgrController *self)
{
  g_return_val_if_fail (RESMGR_IS_CONTROLLER (self), NULL);

  return (ResmgrWorkerCoordinator *) resmgr_controller_get_facet (self, RESMGR_TYPE_WORKER_COORDINATOR);
}

/**
 * resmgr_controller_get_service:
 * @self: a controller
 *
 * Gets the service the controller tracks through.
 *
 * Returns: (transfer none): the service
 *
 * Since: 0.1
 */
ResmgrService *
resmgr_controller_get_service (ResmgrController *self)
{
  g_return_val_if_fail (RESMGR_IS_CONTROLLER (self), NULL);

  return PRIV (self)->service;
}

/**
 * resmgr_controller_get_id:
 * @self: a controller
 *
 * Gets the controller's component id, `"<TypeName>-<n>"`.
 *
 * Returns: (nullable): the id, or %NULL if the controller could not be
 *   bound (the service was shutting down)
 *
 * Since: 0.1
 */
const char *
resmgr_controller_get_id (ResmgrController *self)
{
  g_return_val_if_fail (RESMGR_IS_CONTROLLER (self), NULL);

  if (PRIV (self)->coordinator == NULL)
    return NULL;
  return resmgr_coordinator_get_component_id (PRIV (self)->coordinator);
}

/**
 * resmgr_controller_cleanup:
 * @self: a controller
 *
 * Releases everything the controller owns, in priority order, on its owner
 * context, and emits [signal@Resmgr.Controller::cleaned-up] there.
 * Idempotent: it runs once, and later calls return the same report. A call
 * made from inside the cleanup itself returns an empty report.
 *
 * On the owner thread the cleanup runs inline. From another thread it is
 * dispatched to the owner context and this call waits for it until the
 * running shutdown's deadline, else [property@Resmgr.Manager:wait-timeout];
 * if the owner did not run it by then, the returned report has timed out
 * ([method@Resmgr.CleanupReport.get_timed_out]), cleaned nothing and lists
 * what stays tracked as leftovers, with the reason, and the controller is
 * not cleaned up (the request is dropped; call again later).
 *
 * Returns: (transfer full): the report
 *
 * Since: 0.1
 */
ResmgrCleanupReport *
resmgr_controller_cleanup (ResmgrController *self)
{
  g_return_val_if_fail (RESMGR_IS_CONTROLLER (self), NULL);

  return run_cleanup (self);
}

/**
 * resmgr_controller_is_cleaned_up:
 * @self: a controller
 *
 * Checks whether the controller's cleanup ran.
 *
 * Returns: %TRUE once [method@Resmgr.Controller.cleanup] finished
 *
 * Since: 0.1
 */
gboolean
resmgr_controller_is_cleaned_up (ResmgrController *self)
{
  ResmgrControllerPrivate *priv;
  gboolean done;

  g_return_val_if_fail (RESMGR_IS_CONTROLLER (self), FALSE);

  priv = PRIV (self);
  g_mutex_lock (&priv->mutex);
  done = priv->cleanup_state == CLEANUP_DONE;
  g_mutex_unlock (&priv->mutex);

  return done;
}

/**
 * resmgr_controller_dup_report:
 * @self: a controller
 *
 * Gets the report of the controller's cleanup, if it ran.
 *
 * Returns: (transfer full) (nullable): the report, or %NULL
 *
 * Since: 0.1
 */
ResmgrCleanupReport *
resmgr_controller_dup_report (ResmgrController *self)
{
  ResmgrControllerPrivate *priv;
  ResmgrCleanupReport *report;

  g_return_val_if_fail (RESMGR_IS_CONTROLLER (self), NULL);

  priv = PRIV (self);
  g_mutex_lock (&priv->mutex);
  report = priv->report ? resmgr_cleanup_report_ref (priv->report) : NULL;
  g_mutex_unlock (&priv->mutex);

  return report;
}

/**
 * resmgr_controller_get_busy:
 * @self: a controller
 *
 * Gets [property@Resmgr.Controller:busy]. Any thread.
 *
 * Returns: %TRUE while a job of the controller is active
 *
 * Since: 0.1
 */
gboolean
resmgr_controller_get_busy (ResmgrController *self)
{
  g_return_val_if_fail (RESMGR_IS_CONTROLLER (self), FALSE);

  return g_atomic_int_get (&PRIV (self)->busy);
}

/**
 * resmgr_controller_dup_status:
 * @self: a controller
 *
 * Gets [property@Resmgr.Controller:status]. Any thread.
 *
 * Returns: (transfer full) (nullable): the status
 *
 * Since: 0.1
 */
char *
resmgr_controller_dup_status (ResmgrController *self)
{
  ResmgrControllerPrivate *priv;
  char *status;

  g_return_val_if_fail (RESMGR_IS_CONTROLLER (self), NULL);

  priv = PRIV (self);
  g_mutex_lock (&priv->mutex);
  status = g_strdup (priv->status);
  g_mutex_unlock (&priv->mutex);

  return status;
}

/**
 * resmgr_controller_set_status:
 * @self: a controller
 * @status: (nullable): the new status
 *
 * Sets [property@Resmgr.Controller:status], from any thread (a job's too).
 * The value is stored at once; `notify::status` follows on the owner
 * context: inline when called on the thread that owns it, else dispatched
 * there (several changes made meanwhile notify once).
 *
 * Since: 0.1
 */
void
resmgr_controller_set_status (ResmgrController *self,
                              const char       *status)
{
  ResmgrControllerPrivate *priv;
  gboolean owned, dispatch = FALSE;

  g_return_if_fail (RESMGR_IS_CONTROLLER (self));

  priv = PRIV (self);
  owned = _resmgr_context_is_owned_here (priv->context);

  g_mutex_lock (&priv->mutex);
  if (g_strcmp0 (priv->status, status) == 0)
    {
      g_mutex_unlock (&priv->mutex);
      return;
    }
  g_free (priv->status);
  priv->status = g_strdup (status);
  if (!owned)
    {
      /* One dispatch notifies for all the changes made until it runs. */
      dispatch = !priv->status_idle_pending;
      priv->status_idle_pending = TRUE;
    }
  g_mutex_unlock (&priv->mutex);

  if (owned)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATUS]);
  else if (dispatch)
    _resmgr_dispatch (priv->context, G_PRIORITY_DEFAULT, "[resmgr] controller status",
                      status_notify_cb, _resmgr_weak_ref_new (self), _resmgr_weak_ref_free);
}

/**
 * resmgr_controller_set_status_printf:
 * @self: a controller
 * @format: a printf() format
 * @...: its arguments
 *
 * Sets [property@Resmgr.Controller:status] to a formatted string; see
 * [method@Resmgr.Controller.set_status], which bindings call with a string
 * they formatted (this varargs form is C only).
 *
 * Since: 0.1
 */
void
resmgr_controller_set_status_printf (ResmgrController *self,
                                     const char       *format,
                                     ...)
{
  g_autofree char *status = NULL;
  va_list args;

  g_return_if_fail (RESMGR_IS_CONTROLLER (self));
  g_return_if_fail (format != NULL);

  va_start (args, format);
  status = g_strdup_vprintf (format, args);
  va_end (args);

  resmgr_controller_set_status (self, status);
}

/* }}} */
