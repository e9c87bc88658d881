/* resmgr-worker.c
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "resmgr-private.h"
#include "resmgr-worker-private.h"

/**
 * ResmgrWorker:
 *
 * One background job run by a [class@Resmgr.WorkerCoordinator], as a user
 * interface sees it: a name, a [enum@Resmgr.WorkerState], a progress
 * fraction, a status message and, once it failed, an error.
 *
 * Every property is notified on the worker's *owner context* (the context
 * of the coordinator that runs it, [method@Resmgr.Coordinator.get_context]),
 * never from the job's thread, so a widget can bind to it directly:
 *
 * ```c
 * g_object_bind_property (worker, "progress", progress_bar, "fraction",
 *                         G_BINDING_SYNC_CREATE);
 * ```
 *
 * The job reports through [method@Resmgr.Worker.set_progress] and
 * [method@Resmgr.Worker.set_message] from its own thread. The values are
 * stored under the worker's lock and one notification per worker at most is
 * pending on the owner context: updates made faster than the owner context
 * runs are coalesced, so the owner sees a subsequence of the values set, in
 * the order they were set (a progress that only grows is seen growing).
 *
 * ## Thread safety
 *
 * All getters may be called from any thread and return a consistent
 * snapshot. [method@Resmgr.Worker.set_progress],
 * [method@Resmgr.Worker.set_message] and [method@Resmgr.Worker.cancel] may
 * be called from any thread, usually the job's. Notifications
 * (`notify::state`, `notify::progress`, …) are only emitted on the owner
 * context, with no lock held: inline when the calling thread owns that
 * context (see docs/threading.md), else from an idle dispatched there —
 * never on the job's thread, and never by acquiring the owner context from
 * another thread. Handlers may call any method of the worker or of its
 * coordinator. Once the worker reached a final state
 * ([method@Resmgr.Worker.is_done]) later progress and messages are ignored:
 * an abandoned job that keeps reporting changes nothing.
 *
 * Since: 0.1
 */

struct _ResmgrWorker
{
  GObject            parent_instance;

  /* Read-only after construction: */
  char              *name;
  GMainContext      *context;
  GCancellable      *cancellable;

  /* Atomic, set once right after the worker is tracked: */
  guint64            id;

  /* Protected by mutex: */
  GMutex             mutex;
  ResmgrWorkerState  state;
  double             progress;
  char              *message;
  GError            *error;
  gint64             started;      /* monotonic µs; 0 = never started */
  gint64             ended;        /* monotonic µs; 0 = not returned yet */
  guint              dirty;        /* 1 << PROP_* still to notify */
  gboolean           idle_pending; /* a notify idle is attached */
};

G_DEFINE_FINAL_TYPE (ResmgrWorker, resmgr_worker, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_NAME,
  PROP_STATE,
  PROP_PROGRESS,
  PROP_MESSAGE,
  PROP_ERROR,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* The order in which pending notifications are emitted: the state last, so
 * a handler of notify::state sees the final progress and error. */
static const guint notify_order[] = { PROP_PROGRESS, PROP_MESSAGE, PROP_ERROR, PROP_STATE };

static inline gboolean
state_is_final (ResmgrWorkerState state)
{
  return state >= RESMGR_WORKER_STATE_FINISHED;
}

/* Notifications {{{ */

/* Emits what is pending. Owner context only, no lock held. */
static void
worker_flush (ResmgrWorker *self)
{
  guint dirty;

  g_mutex_lock (&self->mutex);
  dirty = self->dirty;
  self->dirty = 0;
  g_mutex_unlock (&self->mutex);

  if (dirty == 0)
    return;

  for (guint i = 0; i < G_N_ELEMENTS (notify_order); i++)
    if (dirty & (1u << notify_order[i]))
      g_object_notify_by_pspec (G_OBJECT (self), properties[notify_order[i]]);
}

static gboolean
worker_notify_cb (gpointer data)
{
  ResmgrWorker *self = g_weak_ref_get (data);

  if (self != NULL)
    {
      /* Cleared before flushing: an update made while the handlers run
       * schedules a new idle. */
      g_mutex_lock (&self->mutex);
      self->idle_pending = FALSE;
      g_mutex_unlock (&self->mutex);

      worker_flush (self);
      g_object_unref (self);
    }

  return G_SOURCE_REMOVE;
}

/* Delivers the pending notifications: now if this thread owns the owner
 * context (_resmgr_context_is_owned_here: never by acquiring it), else
 * from (at most one) idle dispatched there. Call with no lock. */
static void
worker_publish (ResmgrWorker *self)
{
  gboolean need_idle;

  if (_resmgr_context_is_owned_here (self->context))
    {
      worker_flush (self);
      return;
    }

  g_mutex_lock (&self->mutex);
  need_idle = self->dirty != 0 && !self->idle_pending;
  if (need_idle)
    self->idle_pending = TRUE;
  g_mutex_unlock (&self->mutex);

  /* Not owned here, so this never runs inline. */
  if (need_idle)
    _resmgr_dispatch (self->context, G_PRIORITY_DEFAULT, "[resmgr] worker notify",
                      worker_notify_cb, _resmgr_weak_ref_new (self), _resmgr_weak_ref_free);
}

/* }}} */

/* Internal API {{{ */

ResmgrWorker *
_resmgr_worker_new (const char   *name,
                    GMainContext *context)
{
  ResmgrWorker *self = g_object_new (RESMGR_TYPE_WORKER, "name", name, NULL);

  if (context != NULL)
    {
      g_main_context_unref (self->context);
      self->context = g_main_context_ref (context);
    }

  return self;
}

GMainContext *
_resmgr_worker_get_context (ResmgrWorker *self)
{
  return self->context;
}

void
_resmgr_worker_started (ResmgrWorker *self)
{
  gboolean changed = FALSE;

  g_mutex_lock (&self->mutex);
  self->started = g_get_monotonic_time ();
  if (self->state == RESMGR_WORKER_STATE_QUEUED)
    {
      self->state = RESMGR_WORKER_STATE_RUNNING;
      self->dirty |= 1u << PROP_STATE;
      changed = TRUE;
    }
  g_mutex_unlock (&self->mutex);

  if (changed)
    worker_publish (self);
}

void
_resmgr_worker_returned (ResmgrWorker *self)
{
  g_mutex_lock (&self->mutex);
  self->ended = g_get_monotonic_time ();
  g_mutex_unlock (&self->mutex);
}

void
_resmgr_worker_complete (ResmgrWorker      *self,
                         ResmgrWorkerState  state,
                         const GError      *error)
{
  GError *old_error = NULL;
  gboolean changed = FALSE;

  g_return_if_fail (state_is_final (state));

  g_mutex_lock (&self->mutex);
  if (!state_is_final (self->state))
    {
      self->state = state;
      self->dirty |= 1u << PROP_STATE;
      if (error != NULL)
        {
          old_error = self->error;
          self->error = g_error_copy (error);
          self->dirty |= 1u << PROP_ERROR;
        }
      changed = TRUE;
    }
  g_mutex_unlock (&self->mutex);

  g_clear_error (&old_error);

  /* Also flushes progress and messages that were still pending. */
  if (changed)
    worker_publish (self);
}

/* }}} */

/* GObject {{{ */

static void
resmgr_worker_finalize (GObject *object)
{
  ResmgrWorker *self = RESMGR_WORKER (object);

  g_free (self->name);
  g_free (self->message);
  g_clear_error (&self->error);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_mutex_clear (&self->mutex);

  G_OBJECT_CLASS (resmgr_worker_parent_class)->finalize (object);
}

static void
resmgr_worker_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  ResmgrWorker *self = RESMGR_WORKER (object);

  switch (prop_id)
    {
    case PROP_NAME:
      g_value_set_string (value, self->name);
      break;
    case PROP_STATE:
      g_value_set_enum (value, resmgr_worker_get_state (self));
      break;
    case PROP_PROGRESS:
      g_value_set_double (value, resmgr_worker_get_progress (self));
      break;
    case PROP_MESSAGE:
      g_value_take_string (value, resmgr_worker_dup_message (self));
      break;
    case PROP_ERROR:
      g_value_take_boxed (value, resmgr_worker_dup_error (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
resmgr_worker_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  ResmgrWorker *self = RESMGR_WORKER (object);

  switch (prop_id)
    {
    case PROP_NAME:
      g_free (self->name);
      self->name = g_value_dup_string (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
resmgr_worker_class_init (ResmgrWorkerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = resmgr_worker_finalize;
  object_class->get_property = resmgr_worker_get_property;
  object_class->set_property = resmgr_worker_set_property;

  /**
   * ResmgrWorker:name:
   *
   * The name of the job, as given to
   * [method@Resmgr.WorkerCoordinator.run]; shown in reports and in the
   * error of an abandoned job. Set at construction.
   *
   * Since: 0.1
   */
  properties[PROP_NAME] =
    g_param_spec_string ("name", NULL, NULL,
                         NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                         G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * ResmgrWorker:state:
   *
   * Where the job is in its life. Notified on the owner context; the final
   * states (finished, failed, cancelled, abandoned) never change again.
   *
   * Since: 0.1
   */
  properties[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL,
                       RESMGR_TYPE_WORKER_STATE,
                       RESMGR_WORKER_STATE_QUEUED,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * ResmgrWorker:progress:
   *
   * The fraction of the work done, from 0 to 1, as last reported by the
   * job with [method@Resmgr.Worker.set_progress]. Notified on the owner
   * context, coalesced, in the order the values were set.
   *
   * Since: 0.1
   */
  properties[PROP_PROGRESS] =
    g_param_spec_double ("progress", NULL, NULL,
                         0.0, 1.0, 0.0,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * ResmgrWorker:message:
   *
   * A short human-readable status of the job, as last reported with
   * [method@Resmgr.Worker.set_message], or %NULL. Notified on the owner
   * context.
   *
   * Since: 0.1
   */
  properties[PROP_MESSAGE] =
    g_param_spec_string ("message", NULL, NULL,
                         NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * ResmgrWorker:error:
   *
   * The error of a job that failed, was cancelled (%G_IO_ERROR_CANCELLED)
   * or was abandoned (%RESMGR_ERROR_TIMED_OUT); %NULL otherwise. Set
   * together with the final state, notified on the owner context.
   *
   * Since: 0.1
   */
  properties[PROP_ERROR] =
    g_param_spec_boxed ("error", NULL, NULL,
                        G_TYPE_ERROR,
                        G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
resmgr_worker_init (ResmgrWorker *self)
{
  g_mutex_init (&self->mutex);
  self->state = RESMGR_WORKER_STATE_QUEUED;
  self->cancellable = g_cancellable_new ();
  self->context = g_main_context_ref_thread_default ();
}

/* }}} */

/* Public API {{{ */

/**
 * resmgr_worker_get_name:
 * @self: a worker
 *
 * Gets the name of the job.
 *
 * Returns: (nullable): the name
 *
 * Since: 0.1
 */
const char *
resmgr_worker_get_name (ResmgrWorker *self)
{
  g_return_val_if_fail (RESMGR_IS_WORKER (self), NULL);

  return self->name;
}

/**
 * resmgr_worker_get_id:
 * @self: a worker
 *
 * Gets the id of the resource under which its worker coordinator tracks
 * the job: the id reports, handles and the monitor show for it. Two jobs of
 * the same name have different ids.
 *
 * Returns: the resource id, or 0 if the job was never tracked
 *
 * Since: 0.1
 */
guint64
resmgr_worker_get_id (ResmgrWorker *self)
{
  g_return_val_if_fail (RESMGR_IS_WORKER (self), 0);

  return __atomic_load_n (&self->id, __ATOMIC_ACQUIRE);
}

void
_resmgr_worker_set_id (ResmgrWorker *self,
                       guint64       id)
{
  __atomic_store_n (&self->id, id, __ATOMIC_RELEASE);
}

/**
 * resmgr_worker_get_state:
 * @self: a worker
 *
 * Gets the current state. From a thread other than the owner's, the value
 * may be newer than the last `notify::state` emitted.
 *
 * Returns: the state
 *
 * Since: 0.1
 */
ResmgrWorkerState
resmgr_worker_get_state (ResmgrWorker *self)
{
  ResmgrWorkerState state;

  g_return_val_if_fail (RESMGR_IS_WORKER (self), RESMGR_WORKER_STATE_QUEUED);

  g_mutex_lock (&self->mutex);
  state = self->state;
  g_mutex_unlock (&self->mutex);

  return state;
}

/**
 * resmgr_worker_get_progress:
 * @self: a worker
 *
 * Gets the fraction of the work done, as last reported by the job.
 *
 * Returns: a value from 0 to 1
 *
 * Since: 0.1
 */
double
resmgr_worker_get_progress (ResmgrWorker *self)
{
  double progress;

  g_return_val_if_fail (RESMGR_IS_WORKER (self), 0.0);

  g_mutex_lock (&self->mutex);
  progress = self->progress;
  g_mutex_unlock (&self->mutex);

  return progress;
}

/**
 * resmgr_worker_dup_message:
 * @self: a worker
 *
 * Gets the status message last reported by the job.
 *
 * Returns: (transfer full) (nullable): a copy of the message, or %NULL
 *
 * Since: 0.1
 */
char *
resmgr_worker_dup_message (ResmgrWorker *self)
{
  char *message;

  g_return_val_if_fail (RESMGR_IS_WORKER (self), NULL);

  g_mutex_lock (&self->mutex);
  message = g_strdup (self->message);
  g_mutex_unlock (&self->mutex);

  return message;
}

/**
 * resmgr_worker_dup_error:
 * @self: a worker
 *
 * Gets the error of a job that failed, was cancelled or was abandoned.
 *
 * Returns: (transfer full) (nullable): a copy of the error, or %NULL
 *
 * Since: 0.1
 */
GError *
resmgr_worker_dup_error (ResmgrWorker *self)
{
  GError *error;

  g_return_val_if_fail (RESMGR_IS_WORKER (self), NULL);

  g_mutex_lock (&self->mutex);
  error = self->error ? g_error_copy (self->error) : NULL;
  g_mutex_unlock (&self->mutex);

  return error;
}

/**
 * resmgr_worker_get_run_time:
 * @self: a worker
 *
 * Gets how long the job function has run: from its start until it
 * returned, or until now while it still runs (an abandoned job keeps
 * counting until it really returns).
 *
 * Returns: the run time in microseconds; 0 if the job never started
 *
 * Since: 0.1
 */
gint64
resmgr_worker_get_run_time (ResmgrWorker *self)
{
  gint64 started, ended;

  g_return_val_if_fail (RESMGR_IS_WORKER (self), 0);

  g_mutex_lock (&self->mutex);
  started = self->started;
  ended = self->ended;
  g_mutex_unlock (&self->mutex);

  if (started == 0)
    return 0;

  return (ended != 0 ? ended : g_get_monotonic_time ()) - started;
}

/**
 * resmgr_worker_get_cancellable:
 * @self: a worker
 *
 * Gets the cancellable that the job receives. Cancelling it directly stops
 * the job as [method@Resmgr.Worker.cancel] does, except that the state
 * does not pass through %RESMGR_WORKER_STATE_CANCELLING.
 *
 * Returns: (transfer none): the cancellable
 *
 * Since: 0.1
 */
GCancellable *
resmgr_worker_get_cancellable (ResmgrWorker *self)
{
  g_return_val_if_fail (RESMGR_IS_WORKER (self), NULL);

  return self->cancellable;
}

/**
 * resmgr_worker_is_done:
 * @self: a worker
 *
 * Checks whether the worker reached a final state: finished, failed,
 * cancelled or abandoned.
 *
 * Returns: %TRUE when the worker is done
 *
 * Since: 0.1
 */
gboolean
resmgr_worker_is_done (ResmgrWorker *self)
{
  return state_is_final (resmgr_worker_get_state (self));
}

/**
 * resmgr_worker_cancel:
 * @self: a worker
 *
 * Asks the job to stop: a queued or running worker moves to
 * %RESMGR_WORKER_STATE_CANCELLING and its cancellable is cancelled. A
 * queued job then never runs; a running one is expected to notice and
 * return (its final state is %RESMGR_WORKER_STATE_CANCELLED when it
 * returns %G_IO_ERROR_CANCELLED). Does nothing once the worker is done.
 *
 * May be called from any thread. The cancellable's `::cancelled` handlers
 * run on the calling thread, with no lock of resmgr held.
 *
 * Since: 0.1
 */
void
resmgr_worker_cancel (ResmgrWorker *self)
{
  gboolean cancel = FALSE, changed = FALSE;

  g_return_if_fail (RESMGR_IS_WORKER (self));

  g_mutex_lock (&self->mutex);
  if (!state_is_final (self->state))
    {
      cancel = TRUE;
      if (self->state != RESMGR_WORKER_STATE_CANCELLING)
        {
          self->state = RESMGR_WORKER_STATE_CANCELLING;
          self->dirty |= 1u << PROP_STATE;
          changed = TRUE;
        }
    }
  g_mutex_unlock (&self->mutex);

  if (cancel)
    g_cancellable_cancel (self->cancellable);
  if (changed)
    worker_publish (self);
}

/**
 * resmgr_worker_set_progress:
 * @self: a worker
 * @fraction: the fraction of the work done, from 0 to 1 (clamped)
 *
 * Reports progress. Called by the job, from its thread (any thread is
 * fine): the value is stored at once and `notify::progress` follows on the
 * owner context. Ignored once the worker is done.
 *
 * Since: 0.1
 */
void
resmgr_worker_set_progress (ResmgrWorker *self,
                            double        fraction)
{
  gboolean changed = FALSE;

  g_return_if_fail (RESMGR_IS_WORKER (self));

  fraction = CLAMP (fraction, 0.0, 1.0);

  g_mutex_lock (&self->mutex);
  if (!state_is_final (self->state) && self->progress != fraction)
    {
      self->progress = fraction;
      self->dirty |= 1u << PROP_PROGRESS;
      changed = TRUE;
    }
  g_mutex_unlock (&self->mutex);

  if (changed)
    worker_publish (self);
}

/**
 * resmgr_worker_set_message:
 * @self: a worker
 * @message: (nullable): a short status message
 *
 * Reports a status message. Called by the job, from its thread (any
 * thread is fine): the value is stored at once and `notify::message`
 * follows on the owner context. Ignored once the worker is done.
 *
 * Since: 0.1
 */
void
resmgr_worker_set_message (ResmgrWorker *self,
                           const char   *message)
{
  char *old = NULL;
  gboolean changed = FALSE;

  g_return_if_fail (RESMGR_IS_WORKER (self));

  g_mutex_lock (&self->mutex);
  if (!state_is_final (self->state) && g_strcmp0 (self->message, message) != 0)
    {
      old = self->message;
      self->message = g_strdup (message);
      self->dirty |= 1u << PROP_MESSAGE;
      changed = TRUE;
    }
  g_mutex_unlock (&self->mutex);

  g_free (old);

  if (changed)
    worker_publish (self);
}

/* }}} */
