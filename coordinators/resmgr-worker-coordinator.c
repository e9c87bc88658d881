/* resmgr-worker-coordinator.c
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifdef HAVE_DLADDR
# ifndef _GNU_SOURCE
#  define _GNU_SOURCE
# endif
# include <dlfcn.h>
#endif

#include <string.h>

#include "resmgr-private.h"
#include "resmgr-worker-coordinator.h"
#include "resmgr-worker-private.h"

/**
 * ResmgrWorkerCoordinator:
 *
 * A [class@Resmgr.Coordinator] that runs and owns background jobs.
 *
 * [method@Resmgr.WorkerCoordinator.run] queues a job function on the
 * coordinator's bounded thread pool ([property@Resmgr.WorkerCoordinator:pool-size]
 * threads) and returns its [class@Resmgr.Worker]: an object with the job's
 * name, state, progress, message and error, all notified on the owner
 * context so a widget can bind to them. The job gets the worker (to report
 * progress) and a #GCancellable of its own; its result or error is
 * delivered GAsyncResult-style with
 * [method@Resmgr.WorkerCoordinator.run_finish].
 *
 * ```c
 * static gpointer
 * hash_file (ResmgrWorker *worker, GCancellable *cancellable,
 *            gpointer user_data, GError **error)
 * {
 *   for (gsize done = 0; done < size; done += chunk)
 *     {
 *       if (g_cancellable_set_error_if_cancelled (cancellable, error))
 *         return NULL;
 *       …
 *       resmgr_worker_set_progress (worker, (double) done / size);
 *     }
 *   return g_strdup (checksum);
 * }
 *
 * g_autoptr(ResmgrWorker) worker =
 *   resmgr_worker_coordinator_run (self->workers, "hash foo.iso", hash_file,
 *                                  g_strdup (path), g_free, g_free,
 *                                  hash_done, g_object_ref (self));
 * ```
 *
 * The same jobs in the form bindings can call:
 * [method@Resmgr.WorkerCoordinator.run_job_async] takes the job as a
 * #GClosure (a Python function) and returns its result as a #GValue with
 * [method@Resmgr.WorkerCoordinator.run_job_finish]. GJS cannot run
 * JavaScript off its main thread: a JavaScript job is refused with an
 * error; a GJS application runs a program as a job instead, with
 * [method@Resmgr.WorkerCoordinator.run_subprocess_async].
 *
 * Each worker is tracked in the service as a %RESMGR_RESOURCE_TYPE_WORKER
 * resource of the bound component (its cleanup cancels it) and released
 * when the job is over. The coordinator's own cleanup runs at the
 * priority of workers, before everything else the component owns: it
 * cancels every job and waits for them, at most
 * [property@Resmgr.WorkerCoordinator:cancel-timeout] (or until the
 * service's shutdown deadline, whichever comes first), so nothing a job
 * still uses is freed under it.
 *
 * ## Cancellation and abandoned jobs
 *
 * [method@Resmgr.WorkerCoordinator.cancel_all] cancels cooperatively:
 * queued jobs become %RESMGR_WORKER_STATE_CANCELLED without running,
 * running ones are cancelled and waited for. C has no safe way to kill a
 * thread, so a job that does not return within the timeout is *abandoned*
 * instead of hanging the caller: its worker becomes
 * %RESMGR_WORKER_STATE_ABANDONED, it is returned in the list of abandoned
 * workers (name and [method@Resmgr.Worker.get_run_time]), and its
 * completion callback is invoked right away with %RESMGR_ERROR_TIMED_OUT.
 * When the job finally returns, its result is freed with `result_destroy`
 * and its `user_data` with `user_data_destroy`, on the job's thread; nothing
 * else happens. The job's thread holds only reference-counted state shared
 * with the coordinator (never the coordinator itself), so the coordinator,
 * the component and the service may all be gone by then. Disposing the
 * coordinator never waits for an abandoned job: the thread finishes alone.
 *
 * ## Refused jobs
 *
 * Running a job needs a bound coordinator whose service accepts tracking.
 * Otherwise [method@Resmgr.WorkerCoordinator.run] returns %NULL, runs
 * nothing, calls `user_data_destroy`, and the callback receives the
 * error: %RESMGR_ERROR_INVALID_ARGUMENT when not bound,
 * %RESMGR_ERROR_NOT_FOUND when the component is disposed,
 * %RESMGR_ERROR_SHUTTING_DOWN once the service shuts down.
 *
 * ## After a cleanup
 *
 * Nothing reaches the component as success after its cleanup (or after
 * [method@Resmgr.WorkerCoordinator.cancel_all]): every job run before it
 * whose outcome had not been delivered yet is delivered as
 * %G_IO_ERROR_CANCELLED (its worker ends %RESMGR_WORKER_STATE_CANCELLED and
 * its result is freed with `result_destroy`), whatever the job returned,
 * also if it had returned just before the cleanup. An abandoned job keeps
 * its %RESMGR_ERROR_TIMED_OUT. Jobs run after the cleanup are not affected.
 *
 * ## Thread safety
 *
 * Every method may be called from any thread; the rules are those of
 * docs/threading.md. A job's progress, completion (final state, release
 * of its resource, `user_data_destroy`), `notify::n-active` and
 * [signal@Resmgr.WorkerCoordinator::all-idle] happen on the owner context
 * ([method@Resmgr.Coordinator.get_context]): inline when the calling
 * thread owns it, else dispatched there, never on a pool thread and never
 * by acquiring the owner context from another thread. While the owner
 * thread is blocked or does not iterate, outcomes wait for it. The
 * completion callback of [method@Resmgr.WorkerCoordinator.run] is invoked
 * on the thread-default main context of the thread that called run (the
 * owner context when run is called there, as it normally is), as with any
 * #GTask. No lock is held while a job function, a callback, a destroy
 * notify or a signal handler runs, so any of them may call back into the
 * coordinator.
 *
 * The component's cleanup (its last unref on any thread,
 * [method@Resmgr.Coordinator.cleanup_all], a shutdown) runs on the owner
 * context: from another thread it waits for the owner, see
 * docs/threading.md. Do not call the blocking
 * [method@Resmgr.WorkerCoordinator.cancel_all] from a job function of the
 * same coordinator (it would wait for itself until the timeout), nor from
 * a thread that a job waits for.
 *
 * Since: 0.1
 */

/* A job's progress through the pool. */
typedef enum {
  PHASE_QUEUED,   /* in shared->pending */
  PHASE_RUNNING,  /* taken by a pool thread */
  PHASE_RETURNED, /* the function returned (or never ran); outcome stored */
} JobPhase;

typedef struct _Shared Shared;

/* The task data of a job's GTask, read by run_finish. */
typedef struct
{
  guint          epoch;          /* shared->epoch when it was run */
  GDestroyNotify result_destroy;
} Delivery;

/* One job. Referenced by shared->jobs until it is settled or abandoned, by
 * its pool thread while that runs it, and by a pending completion idle. */
typedef struct
{
  gatomicrefcount  ref_count;

  /* Read-only after construction: */
  ResmgrWorker    *worker;
  ResmgrJobFunc    func;
  GDestroyNotify   result_destroy;

  /* Protected by shared->mutex: */
  JobPhase         phase;
  guint            epoch;    /* shared->epoch when it was run */
  gboolean         abandoned;
  gboolean         settled;
  gboolean         completion_scheduled;
  gpointer         user_data;
  GDestroyNotify   user_data_destroy;
  gpointer         result;
  GError          *error;
  GTask           *task;     /* owner side only; NULL once completed */
  guint64          id;       /* the WORKER resource; 0 once released */
} Job;

/* What the coordinator and its pool threads share. The pool threads hold
 * this (never the coordinator): each pool task is a *token*, a reference
 * to it, that runs its pending jobs one after the other until none is
 * left. At most pool_size tokens of a coordinator are out at once, which
 * is its concurrency limit; the threads come from one process-wide pool. */
struct _Shared
{
  gatomicrefcount  ref_count;

  /* Read-only after construction: */
  GWeakRef         coordinator;

  /* Protected by mutex: */
  GMutex           mutex;
  GCond            cond;           /* broadcast when a running job returns */
  GMainContext    *context;        /* the owner context, from the first run */
  GQueue           pending;        /* Job *, not referenced (jobs holds them) */
  GPtrArray       *jobs;           /* Job *, neither settled nor abandoned */
  gboolean         closed;         /* coordinator disposed */
  guint            epoch;          /* bumped by every cancel_all and cleanup */
  GPtrArray       *waiters;        /* CancelWait *, async cancel_all in progress */
  gboolean         n_active_dirty;
  gboolean         went_idle;
  gboolean         publish_pending;
  guint            n_tokens;       /* pool tasks out */
  guint            max_tokens;     /* the pool size */
};

typedef struct
{
  /* Read-only after construction: */
  Shared      *shared;

  /* Atomic: */
  guint        pool_size;
  guint        cancel_timeout;
} ResmgrWorkerCoordinatorPrivate;

G_DEFINE_TYPE_WITH_PRIVATE (ResmgrWorkerCoordinator, resmgr_worker_coordinator, RESMGR_TYPE_COORDINATOR)

#define PRIV(self) ((ResmgrWorkerCoordinatorPrivate *) resmgr_worker_coordinator_get_instance_private (self))

#define DEFAULT_CANCEL_TIMEOUT_MS 5000

enum {
  PROP_0,
  PROP_N_ACTIVE,
  PROP_POOL_SIZE,
  PROP_CANCEL_TIMEOUT,
  N_PROPS
};

enum {
  SIGNAL_ALL_IDLE,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

/* Jobs and shared state {{{ */

static Job *
job_ref (Job *job)
{
  g_atomic_ref_count_inc (&job->ref_count);
  return job;
}

static void
job_unref (gpointer data)
{
  Job *job = data;

  if (g_atomic_ref_count_dec (&job->ref_count))
    {
      /* Normally settled or abandoned before the last reference goes, so
       * nothing is left here. Only a completion idle destroyed unrun (its
       * owner context went away) leaves its outcome: free it, undelivered. */
      if (G_UNLIKELY (job->task != NULL || job->id != 0))
        g_debug ("Job “%s” is freed without its outcome delivered: its owner context is gone",
                 resmgr_worker_get_name (job->worker));
      if (job->result != NULL && job->result_destroy != NULL)
        job->result_destroy (job->result);
      if (job->user_data_destroy != NULL)
        job->user_data_destroy (job->user_data);
      g_clear_object (&job->task);
      g_clear_error (&job->error);
      g_object_unref (job->worker);
      g_free (job);
    }
}

static Shared *
shared_ref (Shared *shared)
{
  g_atomic_ref_count_inc (&shared->ref_count);
  return shared;
}

static void
shared_unref (gpointer data)
{
  Shared *shared = data;

  if (g_atomic_ref_count_dec (&shared->ref_count))
    {
      g_assert (g_queue_is_empty (&shared->pending));
      g_ptr_array_unref (shared->jobs);
      g_ptr_array_unref (shared->waiters);
      g_clear_pointer (&shared->context, g_main_context_unref);
      g_weak_ref_clear (&shared->coordinator);
      g_mutex_clear (&shared->mutex);
      g_cond_clear (&shared->cond);
      g_free (shared);
    }
}

static Shared *
shared_new (ResmgrWorkerCoordinator *self)
{
  Shared *shared = g_new0 (Shared, 1);

  g_atomic_ref_count_init (&shared->ref_count);
  g_weak_ref_init (&shared->coordinator, self);
  g_mutex_init (&shared->mutex);
  g_cond_init (&shared->cond);
  g_queue_init (&shared->pending);
  shared->jobs = g_ptr_array_new ();
  shared->waiters = g_ptr_array_new ();

  return shared;
}

/* Takes @job out of the active set; returns the set's reference, to drop
 * with no lock held. */
static Job *
shared_steal_job_locked (Shared *shared,
                         Job    *job)
{
  guint index;

  if (!g_ptr_array_find (shared->jobs, job, &index))
    return NULL;

  /* Keeps the order of run (dup_workers). */
  g_ptr_array_remove_index (shared->jobs, index);
  shared->n_active_dirty = TRUE;
  if (shared->jobs->len == 0)
    shared->went_idle = TRUE;

  return job;
}

/* Emits notify::n-active and ::all-idle as needed. Owner context only. */
static void
shared_flush (Shared *shared)
{
  ResmgrWorkerCoordinator *self;
  gboolean notify, went_idle;
  guint n_active;

  g_mutex_lock (&shared->mutex);
  notify = shared->n_active_dirty;
  went_idle = shared->went_idle;
  n_active = shared->jobs->len;
  shared->n_active_dirty = FALSE;
  shared->went_idle = FALSE;
  g_mutex_unlock (&shared->mutex);

  if (!notify && !went_idle)
    return;

  if ((self = g_weak_ref_get (&shared->coordinator)) == NULL)
    return;

  if (notify)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ACTIVE]);
  /* A job queued meanwhile: the set is not idle any more. */
  if (went_idle && n_active == 0)
    g_signal_emit (self, signals[SIGNAL_ALL_IDLE], 0);

  g_object_unref (self);
}

static gboolean
shared_publish_cb (gpointer data)
{
  Shared *shared = data;

  g_mutex_lock (&shared->mutex);
  shared->publish_pending = FALSE;
  g_mutex_unlock (&shared->mutex);

  shared_flush (shared);

  return G_SOURCE_REMOVE;
}

/* Delivers n-active changes on the owner context: now if this thread owns
 * it (_resmgr_context_is_owned_here: never by acquiring it), else from (at
 * most one) idle dispatched there. Call with no lock held. */
static void
shared_publish (Shared *shared)
{
  GMainContext *context;
  gboolean need_idle;

  g_mutex_lock (&shared->mutex);
  context = shared->context ? g_main_context_ref (shared->context) : NULL;
  g_mutex_unlock (&shared->mutex);

  if (context == NULL)
    return;

  if (_resmgr_context_is_owned_here (context))
    {
      shared_flush (shared);
      g_main_context_unref (context);
      return;
    }

  g_mutex_lock (&shared->mutex);
  need_idle = (shared->n_active_dirty || shared->went_idle) && !shared->publish_pending;
  if (need_idle)
    shared->publish_pending = TRUE;
  g_mutex_unlock (&shared->mutex);

  /* Not owned here, so this never runs inline. */
  if (need_idle)
    _resmgr_dispatch (context, G_PRIORITY_DEFAULT, "[resmgr] worker coordinator notify",
                      shared_publish_cb, shared_ref (shared), shared_unref);

  g_main_context_unref (context);
}

/* }}} */

/* Completion on the owner context {{{ */

static GError *
cancelled_by_cleanup_error (ResmgrWorker *worker)
{
  return g_error_new (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                      "Job “%s” was cancelled: cancel_all or the cleanup of its component "
                      "came before its outcome was delivered",
                      resmgr_worker_get_name (worker));
}

/* Delivers the outcome of a returned job: final state, release of its
 * resource, n-active, user_data_destroy, then the task. Owner context only;
 * idempotent. A job run before the last cancel_all or cleanup is delivered
 * as G_IO_ERROR_CANCELLED, whatever it returned. */
static void
settle_job (Shared *shared,
            Job    *job)
{
  ResmgrWorkerState state;
  GTask *task;
  guint64 id;
  gpointer result, user_data;
  GDestroyNotify user_data_destroy;
  GError *error;
  gboolean voided;
  Job *stolen;

  g_mutex_lock (&shared->mutex);
  if (job->settled || job->abandoned || job->phase != PHASE_RETURNED)
    {
      g_mutex_unlock (&shared->mutex);
      return;
    }
  job->settled = TRUE;
  /* A cancel_all or a cleanup of the component came after the job was
   * run: whatever it returned, it is delivered as cancelled. */
  voided = job->epoch != shared->epoch;
  task = g_steal_pointer (&job->task);
  id = job->id;
  job->id = 0;
  result = g_steal_pointer (&job->result);
  error = g_steal_pointer (&job->error);
  user_data = g_steal_pointer (&job->user_data);
  user_data_destroy = g_steal_pointer (&job->user_data_destroy);
  stolen = shared_steal_job_locked (shared, job);
  g_mutex_unlock (&shared->mutex);

  if (voided && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      if (result != NULL && job->result_destroy != NULL)
        job->result_destroy (result);
      result = NULL;
      g_clear_error (&error);
      error = cancelled_by_cleanup_error (job->worker);
    }

  if (error == NULL)
    state = RESMGR_WORKER_STATE_FINISHED;
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    state = RESMGR_WORKER_STATE_CANCELLED;
  else
    state = RESMGR_WORKER_STATE_FAILED;

  _resmgr_worker_complete (job->worker, state, error);

  /* The resource is gone already if the component's cleanup released it. */
  if (id != 0)
    resmgr_coordinator_release (RESMGR_COORDINATOR (g_task_get_source_object (task)), id, NULL);

  shared_publish (shared);

  if (user_data_destroy != NULL)
    user_data_destroy (user_data);

  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, result, job->result_destroy);
  g_object_unref (task);

  if (stolen != NULL)
    job_unref (stolen);
}

typedef struct
{
  Shared *shared;
  Job    *job;
} Completion;

static gboolean
completion_cb (gpointer data)
{
  Completion *c = data;

  settle_job (c->shared, c->job);

  return G_SOURCE_REMOVE;
}

static void
completion_free (gpointer data)
{
  Completion *c = data;

  job_unref (c->job);
  shared_unref (c->shared);
  g_free (c);
}

/* Settles @job on its owner context: inline when this thread owns it,
 * else from an idle dispatched there (never by acquiring it from a pool
 * thread). Call with no lock. */
static void
schedule_completion (Shared *shared,
                     Job    *job)
{
  Completion *c = g_new0 (Completion, 1);

  c->shared = shared_ref (shared);
  c->job = job_ref (job);
  _resmgr_dispatch (_resmgr_worker_get_context (job->worker), G_PRIORITY_DEFAULT,
                    "[resmgr] worker completion", completion_cb, c, completion_free);
}

/* }}} */

/* The pool thread {{{ */

static void wake_async_waiters (Shared *shared);

/* Runs the next pending job of @shared on this pool thread; FALSE (and
 * the token given back) when there is none. */
static gboolean
run_next_job (Shared *shared)
{
  GCancellable *cancellable;
  gpointer user_data, result = NULL;
  GDestroyNotify user_data_destroy = NULL, result_destroy;
  GError *error = NULL;
  gboolean abandoned;
  Job *job;

  g_mutex_lock (&shared->mutex);
  if ((job = g_queue_pop_head (&shared->pending)) != NULL)
    {
      job_ref (job);
      job->phase = PHASE_RUNNING;
      user_data = job->user_data;
    }
  else
    shared->n_tokens--;
  g_mutex_unlock (&shared->mutex);

  /* Nothing (left) to run: the jobs were run, or cancelled before they
   * started. */
  if (job == NULL)
    return FALSE;

  cancellable = resmgr_worker_get_cancellable (job->worker);
  result_destroy = job->result_destroy;

  if (g_cancellable_is_cancelled (cancellable))
    {
      g_set_error (&error, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                   "Job “%s” was cancelled before it started",
                   resmgr_worker_get_name (job->worker));
    }
  else
    {
      _resmgr_worker_started (job->worker);
      result = job->func (job->worker, cancellable, user_data, &error);
      _resmgr_worker_returned (job->worker);
      if (result != NULL && error != NULL)
        {
          g_critical ("Job “%s” returned both a result and an error; ignoring the result",
                      resmgr_worker_get_name (job->worker));
          if (result_destroy != NULL)
            result_destroy (result);
          result = NULL;
        }
      /* As GTask's check-cancellable: a job whose cancellable was
       * cancelled while it ran ends cancelled, whatever it returned. */
      if (g_cancellable_is_cancelled (cancellable) &&
          !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          if (result != NULL && result_destroy != NULL)
            result_destroy (result);
          result = NULL;
          g_clear_error (&error);
          g_set_error (&error, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                       "Job “%s” was cancelled", resmgr_worker_get_name (job->worker));
        }
    }

  g_mutex_lock (&shared->mutex);
  job->phase = PHASE_RETURNED;
  abandoned = job->abandoned;
  if (abandoned)
    {
      /* Nobody waits for it any more: free it all here, on this thread. */
      user_data_destroy = g_steal_pointer (&job->user_data_destroy);
      job->user_data = NULL;
    }
  else
    {
      job->result = result;
      job->error = error;
      result = NULL;
      error = NULL;
      job->completion_scheduled = TRUE;
    }
  g_cond_broadcast (&shared->cond);
  g_mutex_unlock (&shared->mutex);

  if (!abandoned)
    schedule_completion (shared, job);

  /* After the completion was dispatched: an async cancel_all waiting for
   * this job then sees it settled first. */
  wake_async_waiters (shared);

  if (result != NULL && result_destroy != NULL)
    result_destroy (result);
  g_clear_error (&error);

  job_unref (job);

  /* Last, so that a caller waiting for it knows the job left nothing. */
  if (user_data_destroy != NULL)
    user_data_destroy (user_data);

  return TRUE;
}

static void
pool_thread_func (gpointer data,
                  gpointer unused)
{
  Shared *shared = data;

  while (run_next_job (shared))
    ;

  shared_unref (shared);
}

/* One pool for every coordinator, never freed: a coordinator's pool size
 * is the number of its tokens out (see Shared). A pool per coordinator
 * was freed by its last thread, inside GLib, after the coordinator went. */
static GThreadPool *
process_pool (void)
{
  static GThreadPool *pool;

  if (g_once_init_enter (&pool))
    g_once_init_leave (&pool, g_thread_pool_new (pool_thread_func, NULL, -1, FALSE, NULL));

  return pool;
}

/* Hands @n tokens of @shared (already counted in n_tokens) to the pool.
 * Returns FALSE, with those not pushed given back, if no thread could be
 * made. */
static gboolean
push_tokens (Shared  *shared,
             guint    n,
             GError **error)
{
  for (guint i = 0; i < n; i++)
    if (!g_thread_pool_push (process_pool (), shared_ref (shared), error))
      {
        shared_unref (shared);
        g_mutex_lock (&shared->mutex);
        shared->n_tokens -= n - i;
        g_mutex_unlock (&shared->mutex);
        return FALSE;
      }

  return TRUE;
}

/* }}} */

/* Cancelling {{{
 *
 * cancel_all is three steps: begin (bump the epoch, so every job run
 * before is delivered as cancelled; fail the queued jobs; cancel the
 * running ones), wait for the running ones to return, end (abandon those
 * still running at the deadline; settle the returned ones inline when
 * this thread owns the owner context). The blocking form waits on
 * shared->cond, for the pool threads only: never for a main context, which
 * it neither acquires nor iterates. The async form waits on nothing: the
 * pool threads dispatch a check to the caller's context as jobs return,
 * and a timeout source there ends the wait.
 */

typedef struct
{
  GPtrArray *all;      /* Job * (referenced): the active jobs at begin */
  GPtrArray *running;  /* Job * (borrowed from all): running at begin */
  guint      timeout_ms;
  gboolean   keep_handles; /* the component's cleanup runs the WORKER resources
                            * of abandoned jobs: leave them tracked */
} CancelOp;

static void
cancel_op_free (CancelOp *op)
{
  g_ptr_array_unref (op->running);
  g_ptr_array_unref (op->all);
  g_free (op);
}

static GError *
abandoned_error (ResmgrWorker *worker,
                 guint         timeout_ms)
{
  return g_error_new (RESMGR_ERROR, RESMGR_ERROR_TIMED_OUT,
                      "Job “%s” did not stop within %u ms of being cancelled "
                      "(running for %.3f s) and was abandoned",
                      resmgr_worker_get_name (worker), timeout_ms,
                      resmgr_worker_get_run_time (worker) / (double) G_USEC_PER_SEC);
}

static CancelOp *
cancel_all_begin (ResmgrWorkerCoordinator *self,
                  guint                    timeout_ms)
{
  Shared *shared = PRIV (self)->shared;
  g_autoptr(GPtrArray) never_started = g_ptr_array_new ();
  CancelOp *op = g_new0 (CancelOp, 1);
  Job *job;

  op->all = g_ptr_array_new_with_free_func (job_unref);
  op->running = g_ptr_array_new ();
  op->timeout_ms = timeout_ms;

  g_mutex_lock (&shared->mutex);
  shared->epoch++;
  for (guint i = 0; i < shared->jobs->len; i++)
    g_ptr_array_add (op->all, job_ref (g_ptr_array_index (shared->jobs, i)));
  while ((job = g_queue_pop_head (&shared->pending)) != NULL)
    {
      job->phase = PHASE_RETURNED;
      job->error = g_error_new (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                "Job “%s” was cancelled before it started",
                                resmgr_worker_get_name (job->worker));
      job->completion_scheduled = TRUE;
      g_ptr_array_add (never_started, job);
    }
  for (guint i = 0; i < op->all->len; i++)
    {
      job = g_ptr_array_index (op->all, i);
      if (job->phase == PHASE_RUNNING)
        g_ptr_array_add (op->running, job);
    }
  g_mutex_unlock (&shared->mutex);

  /* Outside the lock: ::cancelled handlers are user code. */
  for (guint i = 0; i < op->running->len; i++)
    resmgr_worker_cancel (((Job *) g_ptr_array_index (op->running, i))->worker);
  for (guint i = 0; i < never_started->len; i++)
    {
      job = g_ptr_array_index (never_started, i);
      g_cancellable_cancel (resmgr_worker_get_cancellable (job->worker));
      schedule_completion (shared, job);
    }

  return op;
}

static gboolean
cancel_op_running_locked (CancelOp *op)
{
  for (guint i = 0; i < op->running->len; i++)
    {
      Job *job = g_ptr_array_index (op->running, i);

      if (job->phase == PHASE_RUNNING && !job->abandoned)
        return TRUE;
    }

  return FALSE;
}

/* Abandons what still runs, delivers their TIMED_OUT, and settles the
 * returned jobs inline if this thread owns the owner context (else their
 * completions, already dispatched, settle them there). Returns the
 * abandoned workers. */
static GPtrArray *
cancel_all_end (ResmgrWorkerCoordinator *self,
                CancelOp                *op)
{
  Shared *shared = PRIV (self)->shared;
  g_autoptr(GPtrArray) to_abandon = g_ptr_array_new_with_free_func (job_unref);
  GPtrArray *abandoned = g_ptr_array_new_with_free_func (g_object_unref);
  GMainContext *context = NULL;
  Job *job;

  g_mutex_lock (&shared->mutex);
  if (shared->context != NULL)
    context = g_main_context_ref (shared->context);
  for (guint i = 0; i < op->running->len; i++)
    {
      job = g_ptr_array_index (op->running, i);
      if (job->phase == PHASE_RUNNING && !job->abandoned)
        {
          Job *stolen;

          job->abandoned = TRUE;
          if ((stolen = shared_steal_job_locked (shared, job)) != NULL)
            g_ptr_array_add (to_abandon, stolen);
        }
    }
  g_mutex_unlock (&shared->mutex);

  for (guint i = 0; i < to_abandon->len; i++)
    {
      GTask *task;
      guint64 id;
      GError *err;

      job = g_ptr_array_index (to_abandon, i);

      g_mutex_lock (&shared->mutex);
      task = g_steal_pointer (&job->task);
      id = job->id;
      job->id = 0;
      g_mutex_unlock (&shared->mutex);

      err = abandoned_error (job->worker, op->timeout_ms);
      g_debug ("%s", err->message);
      _resmgr_worker_complete (job->worker, RESMGR_WORKER_STATE_ABANDONED, err);
      if (id != 0 && !op->keep_handles)
        resmgr_coordinator_release (RESMGR_COORDINATOR (self), id, NULL);
      g_ptr_array_add (abandoned, g_object_ref (job->worker));
      /* The task delivers on its own context, from here or later. */
      if (task != NULL)
        {
          g_task_return_error (task, err);
          g_object_unref (task);
        }
      else
        g_error_free (err);
    }

  if (to_abandon->len > 0)
    shared_publish (shared);

  if (context != NULL && _resmgr_context_is_owned_here (context))
    for (guint i = 0; i < op->all->len; i++)
      settle_job (shared, g_ptr_array_index (op->all, i));

  g_clear_pointer (&context, g_main_context_unref);

  return abandoned;
}

/* The blocking form: waits on shared->cond for the pool threads, until
 * @timeout_ms (G_MAXUINT: no limit), then abandons. */
static GPtrArray *
cancel_all_blocking (ResmgrWorkerCoordinator *self,
                     guint                    timeout_ms,
                     gboolean                 keep_handles)
{
  Shared *shared = PRIV (self)->shared;
  CancelOp *op;
  GPtrArray *abandoned;
  gint64 deadline;

  deadline = timeout_ms == G_MAXUINT ? -1 : g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  op = cancel_all_begin (self, timeout_ms);
  op->keep_handles = keep_handles;

  g_mutex_lock (&shared->mutex);
  while (cancel_op_running_locked (op))
    {
      if (deadline < 0)
        g_cond_wait (&shared->cond, &shared->mutex);
      else if (!g_cond_wait_until (&shared->cond, &shared->mutex, deadline))
        break;
    }
  g_mutex_unlock (&shared->mutex);

  abandoned = cancel_all_end (self, op);
  cancel_op_free (op);

  return abandoned;
}

/* An async cancel_all in progress. Every callback runs on the task's
 * context; the pool threads only dispatch checks there. */
typedef struct
{
  gatomicrefcount  ref_count;
  GTask           *task;
  CancelOp        *op;
  GSource         *timeout_source;     /* task context only */
  GSource         *cancel_source;      /* task context only */
  gboolean         finished;           /* task context only */
  gboolean         check_pending;      /* protected by shared->mutex */
} CancelWait;

static CancelWait *
cancel_wait_ref (CancelWait *w)
{
  g_atomic_ref_count_inc (&w->ref_count);
  return w;
}

static void
cancel_wait_unref (gpointer data)
{
  CancelWait *w = data;

  if (g_atomic_ref_count_dec (&w->ref_count))
    {
      g_assert (w->timeout_source == NULL && w->cancel_source == NULL);
      g_clear_pointer (&w->op, cancel_op_free);
      g_clear_object (&w->task);
      g_free (w);
    }
}

/* Ends the wait: on the task's context. */
static void
cancel_wait_finish (CancelWait *w,
                    gboolean    interrupted)
{
  ResmgrWorkerCoordinator *self = g_task_get_source_object (w->task);
  Shared *shared = PRIV (self)->shared;
  gboolean listed;
  GTask *task;

  if (w->finished)
    return;
  w->finished = TRUE;

  g_mutex_lock (&shared->mutex);
  listed = g_ptr_array_remove (shared->waiters, w);
  g_mutex_unlock (&shared->mutex);
  /* The list's reference; our caller holds another. */
  if (listed)
    cancel_wait_unref (w);

  if (w->timeout_source != NULL)
    {
      g_source_destroy (w->timeout_source);
      g_clear_pointer (&w->timeout_source, g_source_unref);
    }
  if (w->cancel_source != NULL)
    {
      g_source_destroy (w->cancel_source);
      g_clear_pointer (&w->cancel_source, g_source_unref);
    }

  task = g_object_ref (w->task);
  if (interrupted)
    {
      GError *error = NULL;

      /* The jobs stay cancelled; none is abandoned. */
      g_cancellable_set_error_if_cancelled (g_task_get_cancellable (task), &error);
      g_task_return_error (task, error);
    }
  else
    g_task_return_pointer (task, cancel_all_end (self, w->op), (GDestroyNotify) g_ptr_array_unref);
  g_object_unref (task);
}

static gboolean
cancel_wait_check_cb (gpointer data)
{
  CancelWait *w = data;
  ResmgrWorkerCoordinator *self = g_task_get_source_object (w->task);
  Shared *shared = PRIV (self)->shared;
  gboolean running;

  g_mutex_lock (&shared->mutex);
  w->check_pending = FALSE;
  running = cancel_op_running_locked (w->op);
  g_mutex_unlock (&shared->mutex);

  if (!running)
    cancel_wait_finish (w, FALSE);

  return G_SOURCE_REMOVE;
}

static gboolean
cancel_wait_timeout_cb (gpointer data)
{
  cancel_wait_finish (data, FALSE);
  return G_SOURCE_REMOVE;
}

static gboolean
cancel_wait_cancelled_cb (GCancellable *cancellable,
                          gpointer      data)
{
  cancel_wait_finish (data, TRUE);
  return G_SOURCE_REMOVE;
}

/* Called by a pool thread when a job returned, with no lock held: each
 * async cancel_all gets (at most one pending) check on its context. */
static void
wake_async_waiters (Shared *shared)
{
  g_autoptr(GPtrArray) wake = NULL;

  g_mutex_lock (&shared->mutex);
  for (guint i = 0; i < shared->waiters->len; i++)
    {
      CancelWait *w = g_ptr_array_index (shared->waiters, i);

      if (w->check_pending)
        continue;
      w->check_pending = TRUE;
      if (wake == NULL)
        wake = g_ptr_array_new ();
      g_ptr_array_add (wake, cancel_wait_ref (w));
    }
  g_mutex_unlock (&shared->mutex);

  for (guint i = 0; wake != NULL && i < wake->len; i++)
    {
      CancelWait *w = g_ptr_array_index (wake, i);

      _resmgr_dispatch (g_task_get_context (w->task), G_PRIORITY_DEFAULT,
                        "[resmgr] cancel_all_async check", cancel_wait_check_cb,
                        w, cancel_wait_unref);
    }
}

/* }}} */

/* ResmgrCoordinator {{{ */

/* The cleanup of a worker's WORKER resource, when the component is cleaned
 * while the job is active. The coordinator's own cleanup, one priority
 * higher, already cancelled every job and waited for it: a job abandoned
 * there fails here, so that the report names its own resource; one still
 * active (released alone, or tracked meanwhile) is cancelled. */
static gboolean
worker_resource_cleanup (gpointer   resource,
                         gpointer   user_data,
                         GError   **error)
{
  ResmgrWorker *worker = resource;

  if (resmgr_worker_get_state (worker) == RESMGR_WORKER_STATE_ABANDONED)
    {
      g_set_error (error, RESMGR_ERROR, RESMGR_ERROR_TIMED_OUT,
                   "Job “%s” (resource %" G_GUINT64_FORMAT ") did not stop when cancelled "
                   "(running for %.3f s) and was abandoned",
                   resmgr_worker_get_name (worker), resmgr_worker_get_id (worker),
                   resmgr_worker_get_run_time (worker) / (double) G_USEC_PER_SEC);
      return FALSE;
    }

  resmgr_worker_cancel (worker);

  return TRUE;
}

static gboolean
resmgr_worker_coordinator_cleanup (ResmgrCoordinator  *coordinator,
                                   GError            **error)
{
  ResmgrWorkerCoordinator *self = RESMGR_WORKER_COORDINATOR (coordinator);
  ResmgrService *service = resmgr_coordinator_get_service (coordinator);
  guint timeout_ms = resmgr_worker_coordinator_get_cancel_timeout (self);
  g_autoptr(GPtrArray) abandoned = NULL;
  gint64 deadline;

  if (service != NULL && (deadline = resmgr_service_get_deadline (service)) != 0)
    {
      gint64 left_ms = (deadline - g_get_monotonic_time ()) / 1000;

      timeout_ms = (guint) CLAMP (left_ms, 0, (gint64) timeout_ms);
    }

  /* On the owner context (the service runs component cleanups there):
   * every job is final when this returns, and any outcome not delivered
   * yet is delivered as cancelled. */
  abandoned = cancel_all_blocking (self, timeout_ms, TRUE);
  if (abandoned->len > 0)
    g_debug ("%u job(s) did not stop within %u ms and were abandoned", abandoned->len, timeout_ms);

  /* The WORKER resources of the abandoned jobs, still tracked, fail in the
   * same cleanup, one priority lower (see worker_resource_cleanup ()). */
  return RESMGR_COORDINATOR_CLASS (resmgr_worker_coordinator_parent_class)->cleanup (coordinator, error);
}

/* }}} */

/* GObject {{{ */

static void
resmgr_worker_coordinator_dispose (GObject *object)
{
  ResmgrWorkerCoordinatorPrivate *priv = PRIV (RESMGR_WORKER_COORDINATOR (object));

  /* Every job that is not over holds a reference to us through its task,
   * so here only abandoned ones can be left (or g_object_run_dispose()
   * was used): refuse new jobs. */
  g_mutex_lock (&priv->shared->mutex);
  priv->shared->closed = TRUE;
  g_mutex_unlock (&priv->shared->mutex);

  G_OBJECT_CLASS (resmgr_worker_coordinator_parent_class)->dispose (object);
}

static void
resmgr_worker_coordinator_finalize (GObject *object)
{
  ResmgrWorkerCoordinatorPrivate *priv = PRIV (RESMGR_WORKER_COORDINATOR (object));

  /* Never waits: an abandoned job's thread finishes alone, holding only
   * the shared state. Tokens still out (of jobs cancelled before they
   * started) find nothing to do. */
  shared_unref (priv->shared);

  G_OBJECT_CLASS (resmgr_worker_coordinator_parent_class)->finalize (object);
}

static void
resmgr_worker_coordinator_get_property (GObject    *object,
                                        guint       prop_id,
                                        GValue     *value,
                                        GParamSpec *pspec)
{
  ResmgrWorkerCoordinator *self = RESMGR_WORKER_COORDINATOR (object);

  switch (prop_id)
    {
    case PROP_N_ACTIVE:
      g_value_set_uint (value, resmgr_worker_coordinator_get_n_active (self));
      break;
    case PROP_POOL_SIZE:
      g_value_set_uint (value, resmgr_worker_coordinator_get_pool_size (self));
      break;
    case PROP_CANCEL_TIMEOUT:
      g_value_set_uint (value, resmgr_worker_coordinator_get_cancel_timeout (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
resmgr_worker_coordinator_set_property (GObject      *object,
                                        guint         prop_id,
                                        const GValue *value,
                                        GParamSpec   *pspec)
{
  ResmgrWorkerCoordinator *self = RESMGR_WORKER_COORDINATOR (object);

  switch (prop_id)
    {
    case PROP_POOL_SIZE:
      resmgr_worker_coordinator_set_pool_size (self, g_value_get_uint (value));
      break;
    case PROP_CANCEL_TIMEOUT:
      resmgr_worker_coordinator_set_cancel_timeout (self, g_value_get_uint (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
resmgr_worker_coordinator_class_init (ResmgrWorkerCoordinatorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  ResmgrCoordinatorClass *coordinator_class = RESMGR_COORDINATOR_CLASS (klass);

  object_class->dispose = resmgr_worker_coordinator_dispose;
  object_class->finalize = resmgr_worker_coordinator_finalize;
  object_class->get_property = resmgr_worker_coordinator_get_property;
  object_class->set_property = resmgr_worker_coordinator_set_property;

  coordinator_class->cleanup = resmgr_worker_coordinator_cleanup;
  /* Before the WORKER resources: cancel them all, then wait once. */
  coordinator_class->cleanup_priority = resmgr_resource_type_get_default_priority (RESMGR_RESOURCE_TYPE_WORKER) + 1;

  /**
   * ResmgrWorkerCoordinator:n-active:
   *
   * The number of jobs that are queued, running or being cancelled (not
   * counting abandoned ones). It drops when a job's outcome has been
   * delivered. Notified on the owner context.
   *
   * Since: 0.1
   */
  properties[PROP_N_ACTIVE] =
    g_param_spec_uint ("n-active", NULL, NULL,
                       0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * ResmgrWorkerCoordinator:pool-size:
   *
   * The most jobs that run at the same time; more wait in the queue, in
   * order. Defaults to the number of processors. Changing it takes effect
   * for the next jobs to start.
   *
   * Since: 0.1
   */
  properties[PROP_POOL_SIZE] =
    g_param_spec_uint ("pool-size", NULL, NULL,
                       1, G_MAXINT, g_get_num_processors (),
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * ResmgrWorkerCoordinator:cancel-timeout:
   *
   * How long, in milliseconds, the coordinator's cleanup waits for
   * cancelled jobs before it abandons them. At service shutdown the wait
   * also ends at the shutdown deadline, if that comes first.
   *
   * Since: 0.1
   */
  properties[PROP_CANCEL_TIMEOUT] =
    g_param_spec_uint ("cancel-timeout", NULL, NULL,
                       0, G_MAXUINT, DEFAULT_CANCEL_TIMEOUT_MS,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * ResmgrWorkerCoordinator::all-idle:
   * @self: the coordinator
   *
   * Emitted on the owner context when the number of active jobs
   * ([property@Resmgr.WorkerCoordinator:n-active]) dropped to zero. Not
   * emitted if a new job was queued before the owner context got to it.
   *
   * Since: 0.1
   */
  signals[SIGNAL_ALL_IDLE] =
    g_signal_new ("all-idle",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);
}

static void
resmgr_worker_coordinator_init (ResmgrWorkerCoordinator *self)
{
  ResmgrWorkerCoordinatorPrivate *priv = PRIV (self);

  priv->pool_size = g_get_num_processors ();
  priv->cancel_timeout = DEFAULT_CANCEL_TIMEOUT_MS;
  priv->shared = shared_new (self);
  priv->shared->max_tokens = priv->pool_size;
}

/* }}} */

/* Public API {{{ */

static ResmgrWorker *run_internal    (ResmgrWorkerCoordinator  *self,
                                      const char               *name,
                                      ResmgrJobFunc             func,
                                      gpointer                  user_data,
                                      GDestroyNotify            user_data_destroy,
                                      GDestroyNotify            result_destroy,
                                      GError                   *refusal,
                                      GAsyncReadyCallback       callback,
                                      gpointer                  callback_data,
                                      gpointer                  source_tag);
static gpointer      finish_internal (ResmgrWorkerCoordinator  *self,
                                      GAsyncResult             *result,
                                      GError                  **error);

/**
 * resmgr_worker_coordinator_new:
 * @service: (nullable): the service to track through, or %NULL for the
 *   default service
 *
 * Creates a worker coordinator; bind it to its component with
 * [method@Resmgr.Coordinator.bind] before running jobs.
 *
 * Returns: (transfer full): a new worker coordinator
 *
 * Since: 0.1
 */
ResmgrWorkerCoordinator *
resmgr_worker_coordinator_new (ResmgrService *service)
{
  g_return_val_if_fail (service == NULL || RESMGR_IS_SERVICE (service), NULL);

  return g_object_new (RESMGR_TYPE_WORKER_COORDINATOR, "service", service, NULL);
}

/**
 * resmgr_worker_coordinator_run: (skip)
 * @self: a worker coordinator
 * @name: the job's name, for the user interface and reports
 * @func: (scope notified) (closure user_data) (destroy user_data_destroy):
 *   the job, run on a thread of the pool
 * @user_data: data for @func
 * @user_data_destroy: (nullable): frees @user_data, once, after @func
 *   returned (on the owner context; on the job's thread if the job was
 *   abandoned), or at once if the job is refused or never started
 * @result_destroy: (nullable) (scope forever): frees a result that is not
 *   taken by [method@Resmgr.WorkerCoordinator.run_finish], including the
 *   late result of an abandoned job
 * @callback: (nullable) (scope async) (closure callback_data): called once
 *   the job is over, refused, or abandoned
 * @callback_data: data for @callback; it must stay valid until @callback
 *   was called (hold a reference, or a #GWeakRef)
 *
 * Queues @func on the coordinator's thread pool and returns the worker
 * that shows its progress. The job gets the worker and the worker's own
 * #GCancellable; it reports progress with
 * [method@Resmgr.Worker.set_progress] and returns a result or an error.
 *
 * The worker is tracked as a %RESMGR_RESOURCE_TYPE_WORKER resource of the
 * bound component until the job is over. When the job returned, on the
 * owner context (never on the pool thread): the worker takes its final
 * state (finished, failed, or cancelled if the error is
 * %G_IO_ERROR_CANCELLED or the worker's cancellable was cancelled by the
 * time the job returned, as #GTask:check-cancellable does), the resource is released, `n-active` drops,
 * `user_data_destroy` runs, then @callback is invoked (from the
 * thread-default main context of the caller of this function, as any
 * #GTask) — call [method@Resmgr.WorkerCoordinator.run_finish] there. A
 * %NULL result with no error is a valid result.
 *
 * If the component is cleaned up (or
 * [method@Resmgr.WorkerCoordinator.cancel_all] is called) before the
 * outcome was delivered, the outcome is %G_IO_ERROR_CANCELLED, whatever the
 * job returned: see "After a cleanup" in the class documentation.
 *
 * A refused job (see the class documentation) returns %NULL and @callback
 * gets the error.
 *
 * This is the C form: the job is a function pointer and its result a bare
 * pointer, which bindings cannot return. Python and JavaScript use
 * [method@Resmgr.WorkerCoordinator.run_job_async], the same jobs with a
 * #GClosure and a #GValue result.
 *
 * Returns: (transfer full) (nullable): the worker, or %NULL if the job was
 *   refused
 *
 * Since: 0.1
 */
ResmgrWorker *
resmgr_worker_coordinator_run (ResmgrWorkerCoordinator *self,
                               const char              *name,
                               ResmgrJobFunc            func,
                               gpointer                 user_data,
                               GDestroyNotify           user_data_destroy,
                               GDestroyNotify           result_destroy,
                               GAsyncReadyCallback      callback,
                               gpointer                 callback_data)
{
  g_return_val_if_fail (RESMGR_IS_WORKER_COORDINATOR (self), NULL);
  g_return_val_if_fail (func != NULL, NULL);

  return run_internal (self, name, func, user_data, user_data_destroy, result_destroy,
                       NULL, callback, callback_data, resmgr_worker_coordinator_run);
}

/* run () and run_job_async (): @refusal, if set, refuses the job with
 * that error (taken); @source_tag tells the finish functions apart. */
static ResmgrWorker *
run_internal (ResmgrWorkerCoordinator *self,
              const char              *name,
              ResmgrJobFunc            func,
              gpointer                 user_data,
              GDestroyNotify           user_data_destroy,
              GDestroyNotify           result_destroy,
              GError                  *refusal,
              GAsyncReadyCallback      callback,
              gpointer                 callback_data,
              gpointer                 source_tag)
{
  ResmgrWorkerCoordinatorPrivate *priv;
  Shared *shared;
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  ResmgrWorker *worker = NULL;
  guint64 id = 0;
  GMainContext *context;
  Delivery *delivery;
  gboolean closed, need_token;
  Job *job;

  priv = PRIV (self);
  shared = priv->shared;

  task = g_task_new (self, NULL, callback, callback_data);
  g_task_set_source_tag (task, source_tag);
  g_task_set_name (task, name);

  g_mutex_lock (&shared->mutex);
  closed = shared->closed;
  g_mutex_unlock (&shared->mutex);

  context = resmgr_coordinator_get_context (RESMGR_COORDINATOR (self));

  if (refusal != NULL)
    error = refusal;
  else if (closed)
    g_set_error (&error, RESMGR_ERROR, RESMGR_ERROR_NOT_FOUND,
                 "Cannot run job “%s”: %s %p is disposed", name, G_OBJECT_TYPE_NAME (self), self);
  else if (!resmgr_coordinator_is_bound (RESMGR_COORDINATOR (self)) || context == NULL)
    g_set_error (&error, RESMGR_ERROR, RESMGR_ERROR_INVALID_ARGUMENT,
                 "Cannot run job “%s”: %s %p is not bound to a component",
                 name, G_OBJECT_TYPE_NAME (self), self);
  else
    {
      worker = _resmgr_worker_new (name, context);
      id = resmgr_coordinator_track_object (RESMGR_COORDINATOR (self),
                                            RESMGR_RESOURCE_TYPE_WORKER, name, 0,
                                            RESMGR_PRIORITY_DEFAULT, G_OBJECT (worker),
                                            worker_resource_cleanup,
                                            NULL, NULL, &error);
    }

  if (id == 0)
    {
      if (error == NULL)
        g_set_error (&error, RESMGR_ERROR, RESMGR_ERROR_NOT_FOUND,
                     "Cannot run job “%s”: it could not be tracked", name);
      g_clear_object (&worker);
      if (user_data_destroy != NULL)
        user_data_destroy (user_data);
      g_task_return_error (task, g_steal_pointer (&error));
      return NULL;
    }

  _resmgr_worker_set_id (worker, id);

  job = g_new0 (Job, 1);
  g_atomic_ref_count_init (&job->ref_count);
  job->worker = g_object_ref (worker);
  job->func = func;
  job->result_destroy = result_destroy;
  job->phase = PHASE_QUEUED;
  job->user_data = user_data;
  job->user_data_destroy = user_data_destroy;
  delivery = g_new0 (Delivery, 1);
  delivery->result_destroy = result_destroy;
  g_task_set_task_data (task, delivery, g_free);
  job->task = g_steal_pointer (&task);
  job->id = id;

  g_mutex_lock (&shared->mutex);
  if (shared->context == NULL)
    shared->context = g_main_context_ref (context);
  job->epoch = shared->epoch;
  delivery->epoch = shared->epoch;
  g_queue_push_tail (&shared->pending, job);
  g_ptr_array_add (shared->jobs, job);  /* takes the reference */
  shared->n_active_dirty = TRUE;
  /* A token of ours is out and will pop this job, or one more may go. */
  need_token = shared->n_tokens < shared->max_tokens;
  if (need_token)
    shared->n_tokens++;
  g_mutex_unlock (&shared->mutex);

  shared_publish (shared);

  if (need_token && !push_tokens (shared, 1, &error))
    {
      /* No thread could be made: fail the job if no token took it. */
      g_mutex_lock (&shared->mutex);
      if (g_queue_remove (&shared->pending, job))
        {
          job->phase = PHASE_RETURNED;
          job->error = g_steal_pointer (&error);
          job->completion_scheduled = TRUE;
        }
      else
        job = NULL;
      g_mutex_unlock (&shared->mutex);
      if (job != NULL)
        schedule_completion (shared, job);
    }

  return worker;
}

/**
 * resmgr_worker_coordinator_run_finish: (skip)
 * @self: a worker coordinator
 * @result: the result given to the callback
 * @error: return location for a #GError
 *
 * Gets the outcome of a job started with
 * [method@Resmgr.WorkerCoordinator.run]: the job's result, or its error
 * (%G_IO_ERROR_CANCELLED when it was cancelled, %RESMGR_ERROR_TIMED_OUT
 * when it was abandoned, the refusal errors of the class documentation).
 *
 * A job whose outcome is delivered after a cleanup of its component or a
 * [method@Resmgr.WorkerCoordinator.cancel_all] that came after the job was
 * run gets %G_IO_ERROR_CANCELLED here, never its result (which is freed
 * with `result_destroy`), even if it had returned successfully before the
 * cleanup; only an abandoned job keeps %RESMGR_ERROR_TIMED_OUT. A job
 * whose cancellable was cancelled by the time it returned gets
 * %G_IO_ERROR_CANCELLED too, as with #GTask:check-cancellable.
 *
 * The C form; bindings use [method@Resmgr.WorkerCoordinator.run_job_finish].
 *
 * Returns: (transfer full) (nullable): the result; free it as the
 *   `result_destroy` given to run would
 *
 * Since: 0.1
 */
gpointer
resmgr_worker_coordinator_run_finish (ResmgrWorkerCoordinator  *self,
                                      GAsyncResult             *result,
                                      GError                  **error)
{
  g_return_val_if_fail (RESMGR_IS_WORKER_COORDINATOR (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == resmgr_worker_coordinator_run, NULL);

  return finish_internal (self, result, error);
}

static gpointer
finish_internal (ResmgrWorkerCoordinator  *self,
                 GAsyncResult             *result,
                 GError                  **error)
{
  Shared *shared;
  Delivery *delivery;
  GError *local_error = NULL;
  gpointer value;
  gboolean voided;

  shared = PRIV (self)->shared;
  delivery = g_task_get_task_data (G_TASK (result));
  value = g_task_propagate_pointer (G_TASK (result), &local_error);

  /* Settled before a cancel_all or cleanup, delivered after it (a task
   * whose callback waited for the next iteration, or for another
   * context): delivered as cancelled all the same. An abandoned job keeps
   * its TIMED_OUT; a refused job (no delivery) its error. */
  g_mutex_lock (&shared->mutex);
  voided = delivery != NULL && delivery->epoch != shared->epoch;
  g_mutex_unlock (&shared->mutex);

  if (voided &&
      !g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED) &&
      !g_error_matches (local_error, RESMGR_ERROR, RESMGR_ERROR_TIMED_OUT))
    {
      const char *name = g_task_get_name (G_TASK (result));

      if (value != NULL && delivery->result_destroy != NULL)
        delivery->result_destroy (value);
      value = NULL;
      g_clear_error (&local_error);
      local_error = g_error_new (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                 "Job “%s” was cancelled: cancel_all or the cleanup of its "
                                 "component came before its outcome was delivered",
                                 name ? name : "");
    }

  if (local_error != NULL)
    g_propagate_error (error, local_error);

  return value;
}

/* Jobs as closures (bindings) {{{ */

/* What a closure job's ResmgrJobFunc gets as its data. */
typedef struct
{
  GClosure     *closure;      /* referenced and sunk */
  GCancellable *cancellable;  /* the caller's, or NULL */
} ClosureJob;

static void
closure_job_free (gpointer data)
{
  ClosureJob *cj = data;

  g_closure_unref (cj->closure);
  g_clear_object (&cj->cancellable);
  g_free (cj);
}

static void
closure_job_value_free (gpointer data)
{
  GValue *value = data;

  g_value_unset (value);
  g_free (value);
}

static void
closure_job_cancelled_cb (GCancellable *cancellable,
                          gpointer      worker)
{
  resmgr_worker_cancel (worker);
}

/* Set as the return value before the closure runs: a closure that leaves
 * it there set nothing (a Python or JavaScript exception: the binding
 * logged it and returned). */
static GValue no_value_set = G_VALUE_INIT;

/* The ResmgrJobFunc of a closure job, on a pool thread. */
static gpointer
closure_job_func (ResmgrWorker  *worker,
                  GCancellable  *cancellable,
                  gpointer       user_data,
                  GError       **error)
{
  ClosureJob *cj = user_data;
  GValue params[2] = { G_VALUE_INIT, G_VALUE_INIT };
  GValue ret = G_VALUE_INIT;
  const GValue *value;
  GValue *result = NULL;
  gulong handler = 0;

  /* Connected here, on the job's thread, while the job holds the worker;
   * disconnected before it returns (never from a ::cancelled handler). */
  if (cj->cancellable != NULL)
    handler = g_cancellable_connect (cj->cancellable, G_CALLBACK (closure_job_cancelled_cb),
                                     worker, NULL);

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    goto out;

  g_value_init (&params[0], RESMGR_TYPE_WORKER);
  g_value_set_object (&params[0], worker);
  g_value_init (&params[1], G_TYPE_CANCELLABLE);
  g_value_set_object (&params[1], cancellable);
  g_value_init (&ret, G_TYPE_VALUE);
  g_value_set_static_boxed (&ret, &no_value_set);

  g_closure_invoke (cj->closure, &ret, G_N_ELEMENTS (params), params, NULL);

  value = g_value_get_boxed (&ret);
  if (value == &no_value_set)
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                 "Job “%s” returned no value: its function raised an exception "
                 "(see the log above)", resmgr_worker_get_name (worker));
  else if (value != NULL && G_VALUE_HOLDS (value, G_TYPE_ERROR))
    {
      const GError *returned = g_value_get_boxed (value);

      if (returned != NULL)
        g_propagate_error (error, g_error_copy (returned));
      else
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                     "Job “%s” failed with a NULL error", resmgr_worker_get_name (worker));
    }
  else if (value != NULL && G_IS_VALUE (value))
    {
      result = g_new0 (GValue, 1);
      g_value_init (result, G_VALUE_TYPE (value));
      g_value_copy (value, result);
    }

  g_value_unset (&ret);
  g_value_unset (&params[1]);
  g_value_unset (&params[0]);

out:
  if (handler != 0)
    g_cancellable_disconnect (cj->cancellable, handler);

  return result;
}

/* GJS runs JavaScript on its main thread only; a JS function called on
 * another thread is refused by GJS with a critical, and returns nothing.
 * Its closures are marshalled by a function of libgjs: that is how we
 * recognise them, with no dependency on GJS. */
static gboolean
closure_is_javascript (GClosure *closure)
{
#ifdef HAVE_DLADDR
  Dl_info info;
  const char *base;

  if (closure->marshal == NULL ||
      !dladdr ((void *) closure->marshal, &info) ||
      info.dli_fname == NULL)
    return FALSE;

  base = strrchr (info.dli_fname, '/');
  base = base != NULL ? base + 1 : info.dli_fname;

  return g_str_has_prefix (base, "libgjs.");
#else
  return FALSE;
#endif
}

/**
 * resmgr_worker_coordinator_run_job_async:
 * @self: a worker coordinator
 * @name: the job's name, for the user interface and reports
 * @job: the job, run on a thread of the pool: it is called with the
 *   [class@Resmgr.Worker] and the worker's #GCancellable and returns a
 *   #GValue (any value, or none); a floating closure is taken
 * @cancellable: (nullable): cancels the job, as
 *   [method@Resmgr.Worker.cancel] does
 * @callback: (nullable) (scope async) (closure user_data): called on the
 *   thread-default main context of the caller once the job is over,
 *   refused, or abandoned
 * @user_data: data for @callback
 *
 * Runs @job on the coordinator's thread pool, as
 * [method@Resmgr.WorkerCoordinator.run] does, in the form bindings can
 * call: the job is a #GClosure, its result a #GValue. Finish with
 * [method@Resmgr.WorkerCoordinator.run_job_finish].
 *
 * ```python
 * def hash_file(worker, cancellable):
 *     for i, chunk in enumerate(chunks):
 *         if cancellable.is_cancelled():
 *             return None            # the job ends CANCELLED anyway
 *         …
 *         worker.set_progress((i + 1) / len(chunks))
 *     return digest                  # any Python value
 *
 * worker = workers.run_job_async("hash", hash_file, None, done)
 * worker.connect("notify::progress", …)   # on the main loop
 *
 * def done(workers, result):
 *     try:
 *         digest = workers.run_job_finish(result)
 *     except GLib.Error as e: …
 * ```
 *
 * The job runs on a pool thread (a Python job takes the GIL there, as
 * PyGObject does for any closure). It reports progress with
 * [method@Resmgr.Worker.set_progress]; the worker's properties are
 * notified on the owner context. Its outcome:
 *
 * - a value (including none): the worker ends
 *   %RESMGR_WORKER_STATE_FINISHED and the finish function returns it. A
 *   Python job returns what a #GValue holds (a number, a string, a
 *   #GObject, a #GVariant); any other Python object wrapped as
 *   `GObject.Value (GObject.TYPE_PYOBJECT, obj)` (PyGObject cannot
 *   convert it on its own; an `int` beyond 32 bits needs
 *   `GObject.TYPE_INT64` the same way);
 * - a #GError boxed in the value (in Python, `return GLib.Error (…)`):
 *   %RESMGR_WORKER_STATE_FAILED with that error;
 * - no value set, because the function raised an exception (the binding
 *   logs it): %RESMGR_WORKER_STATE_FAILED with %G_IO_ERROR_FAILED;
 * - whatever it returned, if the worker's cancellable was cancelled by the
 *   time it returned (by @cancellable, [method@Resmgr.Worker.cancel],
 *   [method@Resmgr.WorkerCoordinator.cancel_all] or the component's
 *   cleanup): %RESMGR_WORKER_STATE_CANCELLED and %G_IO_ERROR_CANCELLED, as
 *   #GTask does with #GTask:check-cancellable.
 *
 * Cancellation, abandonment, refusal and "after a cleanup" follow the
 * class documentation. @job is released once the job is over: on the owner
 * context, or on the job's thread if it was abandoned.
 *
 * ## JavaScript
 *
 * GJS runs JavaScript on its main thread only, so a JavaScript function
 * cannot be a job: it is refused (the worker is %NULL and @callback gets
 * %RESMGR_ERROR_INVALID_ARGUMENT) instead of being called on a pool thread.
 * A GJS application runs its heavy work off the main thread as a program
 * owned by the coordinator, with
 * [method@Resmgr.WorkerCoordinator.run_subprocess_async] (the program may
 * be a `gjs` script), and keeps its callbacks in JavaScript.
 *
 * Returns: (transfer full) (nullable): the worker, or %NULL if the job was
 *   refused
 *
 * Since: 0.1
 */
ResmgrWorker *
resmgr_worker_coordinator_run_job_async (ResmgrWorkerCoordinator *self,
                                         const char              *name,
                                         GClosure                *job,
                                         GCancellable            *cancellable,
                                         GAsyncReadyCallback      callback,
                                         gpointer                 user_data)
{
  ClosureJob *cj;
  GError *refusal = NULL;

  g_return_val_if_fail (RESMGR_IS_WORKER_COORDINATOR (self), NULL);
  g_return_val_if_fail (job != NULL, NULL);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), NULL);

  cj = g_new0 (ClosureJob, 1);
  cj->closure = g_closure_ref (job);
  g_closure_sink (job);
  cj->cancellable = cancellable != NULL ? g_object_ref (cancellable) : NULL;

  if (closure_is_javascript (job))
    refusal = g_error_new (RESMGR_ERROR, RESMGR_ERROR_INVALID_ARGUMENT,
                           "Cannot run job “%s”: its function is JavaScript, and GJS runs "
                           "JavaScript on the main thread only; run the work in C or in a "
                           "subprocess (see the documentation of "
                           "resmgr_worker_coordinator_run_job_async)", name);

  return run_internal (self, name, closure_job_func, cj, closure_job_free,
                       closure_job_value_free, refusal, callback, user_data,
                       resmgr_worker_coordinator_run_job_async);
}

/**
 * resmgr_worker_coordinator_run_job_finish:
 * @self: a worker coordinator
 * @result: the result given to the callback
 * @error: return location for a #GError
 *
 * Gets the outcome of a job started with
 * [method@Resmgr.WorkerCoordinator.run_job_async] or
 * [method@Resmgr.WorkerCoordinator.run_subprocess_async]: the value it returned,
 * or its error (%G_IO_ERROR_CANCELLED when it was cancelled,
 * %RESMGR_ERROR_TIMED_OUT when it was abandoned, the error it returned or
 * %G_IO_ERROR_FAILED when it raised, the refusal errors of the class
 * documentation).
 *
 * Returns: (transfer full) (nullable): the job's value, or %NULL if it
 *   returned none or failed (then @error is set)
 *
 * Since: 0.1
 */
GValue *
resmgr_worker_coordinator_run_job_finish (ResmgrWorkerCoordinator  *self,
                                          GAsyncResult             *result,
                                          GError                  **error)
{
  g_return_val_if_fail (RESMGR_IS_WORKER_COORDINATOR (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == resmgr_worker_coordinator_run_job_async, NULL);

  return finish_internal (self, result, error);
}

/* }}} */

/* Subprocess jobs (for GJS, and any program) {{{ */

typedef struct
{
  char         **argv;
  GCancellable  *cancellable;  /* the caller's, or NULL */
} SubprocessJob;

static void
subprocess_job_free (gpointer data)
{
  SubprocessJob *sj = data;

  g_strfreev (sj->argv);
  g_clear_object (&sj->cancellable);
  g_free (sj);
}

static void
subprocess_job_cancelled_cb (GCancellable *cancellable,
                             gpointer      process)
{
  g_subprocess_force_exit (process);
}

/* The ResmgrJobFunc of a subprocess job, on a pool thread: runs the
 * process, turns its "progress" and "message" lines into the worker's,
 * keeps the other lines as the result; cancelling the worker kills it. */
static gpointer
subprocess_job_func (ResmgrWorker  *worker,
                     GCancellable  *cancellable,
                     gpointer       user_data,
                     GError       **error)
{
  SubprocessJob *sj = user_data;
  const char *name = resmgr_worker_get_name (worker);
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GDataInputStream) lines = NULL;
  g_autoptr(GString) output = g_string_new (NULL);
  g_autoptr(GError) local_error = NULL;
  GValue *result;
  gulong handler, caller_handler = 0;
  char *line;

  /* As for closure jobs: the caller's cancellable cancels the worker. */
  if (sj->cancellable != NULL)
    caller_handler = g_cancellable_connect (sj->cancellable, G_CALLBACK (closure_job_cancelled_cb),
                                            worker, NULL);
  process = g_subprocess_newv ((const char * const *) sj->argv, G_SUBPROCESS_FLAGS_STDOUT_PIPE,
                               &local_error);
  if (process == NULL)
    {
      if (caller_handler != 0)
        g_cancellable_disconnect (sj->cancellable, caller_handler);
      g_set_error (error, local_error->domain, local_error->code,
                   "Job “%s” could not start “%s”: %s", name, sj->argv[0], local_error->message);
      return NULL;
    }

  /* Runs at once if already cancelled; never from here on after the
   * disconnect below (this thread is no ::cancelled handler). */
  handler = g_cancellable_connect (cancellable, G_CALLBACK (subprocess_job_cancelled_cb),
                                   process, NULL);

  lines = g_data_input_stream_new (g_subprocess_get_stdout_pipe (process));
  while ((line = g_data_input_stream_read_line_utf8 (lines, NULL, cancellable, &local_error)) != NULL)
    {
      if (g_str_has_prefix (line, "progress "))
        resmgr_worker_set_progress (worker, g_ascii_strtod (line + strlen ("progress "), NULL));
      else if (g_str_has_prefix (line, "message "))
        resmgr_worker_set_message (worker, line + strlen ("message "));
      else
        {
          g_string_append (output, line);
          g_string_append_c (output, '\n');
        }
      g_free (line);
    }

  g_cancellable_disconnect (cancellable, handler);
  if (caller_handler != 0)
    g_cancellable_disconnect (sj->cancellable, caller_handler);

  if (local_error != NULL)
    g_subprocess_force_exit (process);
  /* Reaped in any case: no zombie outlives the job. */
  g_subprocess_wait (process, NULL, NULL);

  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;
  if (!g_subprocess_get_successful (process))
    {
      if (g_subprocess_get_if_exited (process))
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                     "Job “%s”: “%s” exited with status %d", name, sj->argv[0],
                     g_subprocess_get_exit_status (process));
      else
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                     "Job “%s”: “%s” was killed by signal %d", name, sj->argv[0],
                     g_subprocess_get_term_sig (process));
      return NULL;
    }

  result = g_new0 (GValue, 1);
  g_value_init (result, G_TYPE_STRING);
  g_value_take_string (result, g_string_free (g_steal_pointer (&output), FALSE));

  return result;
}

/**
 * resmgr_worker_coordinator_run_subprocess_async:
 * @self: a worker coordinator
 * @name: the job's name, for the user interface and reports
 * @argv: (array zero-terminated=1) (element-type filename): the program
 *   and its arguments, as for g_subprocess_newv()
 * @cancellable: (nullable): cancels the job, as
 *   [method@Resmgr.Worker.cancel] does
 * @callback: (nullable) (scope async) (closure user_data): called on the
 *   thread-default main context of the caller once the job is over,
 *   refused, or abandoned
 * @user_data: data for @callback
 *
 * Runs a program as a job of the coordinator: the way a GJS application
 * runs work off its main thread (see
 * [method@Resmgr.WorkerCoordinator.run_job_async]), and a plain way for
 * any application to own a subprocess through a controller.
 *
 * A thread of the pool starts the program with its standard output piped
 * and reads it line by line: a line `progress <fraction>` sets the
 * worker's progress (a C-locale number from 0 to 1), a line
 * `message <text>` its message; the other lines, in order, are the job's
 * result, a string. The output must be UTF-8. Finish with
 * [method@Resmgr.WorkerCoordinator.run_job_finish]: the job fails if the
 * program cannot start or does not exit with status 0.
 *
 * Cancelling the worker (through @cancellable,
 * [method@Resmgr.Worker.cancel], [method@Resmgr.WorkerCoordinator.cancel_all],
 * the controller's cleanup or the application's shutdown) kills the
 * program (%SIGKILL); the job ends %RESMGR_WORKER_STATE_CANCELLED. The
 * program is always waited for, so none outlives its job.
 *
 * ```js
 * const worker = workers.run_subprocess_async('hash foo.iso',
 *     ['gjs', '-m', hashScript, path], null, (source, result) => {
 *         const digest = source.run_job_finish(result);
 *     });
 * worker.bind_property('progress', progressBar, 'fraction', GObject.BindingFlags.SYNC_CREATE);
 * ```
 *
 * Returns: (transfer full) (nullable): the worker, or %NULL if the job was
 *   refused
 *
 * Since: 0.1
 */
ResmgrWorker *
resmgr_worker_coordinator_run_subprocess_async (ResmgrWorkerCoordinator *self,
                                                const char              *name,
                                                const char * const      *argv,
                                                GCancellable            *cancellable,
                                                GAsyncReadyCallback      callback,
                                                gpointer                 user_data)
{
  SubprocessJob *sj;

  g_return_val_if_fail (RESMGR_IS_WORKER_COORDINATOR (self), NULL);
  g_return_val_if_fail (argv != NULL && argv[0] != NULL, NULL);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), NULL);

  sj = g_new0 (SubprocessJob, 1);
  sj->argv = g_strdupv ((char **) argv);
  sj->cancellable = cancellable != NULL ? g_object_ref (cancellable) : NULL;

  return run_internal (self, name, subprocess_job_func, sj, subprocess_job_free,
                       closure_job_value_free, NULL, callback, user_data,
                       resmgr_worker_coordinator_run_job_async);
}

/* }}} */

/**
 * resmgr_worker_coordinator_cancel_all:
 * @self: a worker coordinator
 * @timeout_ms: how long to wait for running jobs, in milliseconds;
 *   %G_MAXUINT waits without limit
 *
 * Cancels every job and waits for them. Queued jobs become
 * %RESMGR_WORKER_STATE_CANCELLED without running. Running jobs are
 * cancelled and waited for until @timeout_ms; those still running then
 * are abandoned (see the class documentation) and returned, instead of
 * hanging the caller. Every job run before this call whose outcome was not
 * delivered yet is delivered as %G_IO_ERROR_CANCELLED.
 *
 * The wait is for the pool threads only: this never acquires nor iterates
 * the owner context. Called on the owner thread (the one that owns the
 * owner context, see docs/threading.md), every job that was active is
 * final when the call ends (its state, `n-active` and its resource are
 * updated, and its task completed (the callback may still be dispatched in
 * the next main loop iteration, as #GTask does)). From another thread
 * those updates follow on the owner context, when its owner iterates it.
 *
 * Returns: (transfer container) (element-type ResmgrWorker): the abandoned
 *   workers, possibly none
 *
 * Since: 0.1
 */
GPtrArray *
resmgr_worker_coordinator_cancel_all (ResmgrWorkerCoordinator *self,
                                      guint                    timeout_ms)
{
  g_return_val_if_fail (RESMGR_IS_WORKER_COORDINATOR (self), NULL);

  return cancel_all_blocking (self, timeout_ms, FALSE);
}

/**
 * resmgr_worker_coordinator_cancel_all_async:
 * @self: a worker coordinator
 * @timeout_ms: how long to wait for running jobs, in milliseconds;
 *   %G_MAXUINT waits without limit
 * @cancellable: (nullable): stops the wait early; the jobs stay cancelled
 *   but none is abandoned
 * @callback: (scope async) (closure user_data): called when done
 * @user_data: data for @callback
 *
 * The asynchronous form of [method@Resmgr.WorkerCoordinator.cancel_all]:
 * cancels every job at once and waits without occupying any thread: the
 * pool threads signal the calling thread's thread-default main context as
 * jobs return, and a timeout source there abandons what still runs at
 * @timeout_ms. The calling context keeps running (and delivers the
 * outcomes of the jobs as they return); @callback is invoked there. Finish
 * with [method@Resmgr.WorkerCoordinator.cancel_all_finish].
 *
 * Since: 0.1
 */
void
resmgr_worker_coordinator_cancel_all_async (ResmgrWorkerCoordinator *self,
                                            guint                    timeout_ms,
                                            GCancellable            *cancellable,
                                            GAsyncReadyCallback      callback,
                                            gpointer                 user_data)
{
  Shared *shared;
  CancelWait *w;
  gboolean running;

  g_return_if_fail (RESMGR_IS_WORKER_COORDINATOR (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  shared = PRIV (self)->shared;

  w = g_new0 (CancelWait, 1);
  g_atomic_ref_count_init (&w->ref_count);
  w->task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (w->task, resmgr_worker_coordinator_cancel_all_async);

  w->op = cancel_all_begin (self, timeout_ms);

  /* Listed before looking: a job returning from here on wakes us. */
  g_mutex_lock (&shared->mutex);
  running = cancel_op_running_locked (w->op);
  if (running)
    g_ptr_array_add (shared->waiters, cancel_wait_ref (w));
  g_mutex_unlock (&shared->mutex);

  if (!running)
    cancel_wait_finish (w, FALSE);
  else if (cancellable != NULL && g_cancellable_is_cancelled (cancellable))
    cancel_wait_finish (w, TRUE);
  else
    {
      GMainContext *context = g_task_get_context (w->task);

      if (timeout_ms != G_MAXUINT)
        {
          w->timeout_source = g_timeout_source_new (timeout_ms);
          g_source_set_static_name (w->timeout_source, "[resmgr] cancel_all_async deadline");
          g_source_set_callback (w->timeout_source, cancel_wait_timeout_cb,
                                 cancel_wait_ref (w), cancel_wait_unref);
          g_source_attach (w->timeout_source, context);
        }
      if (cancellable != NULL)
        {
          /* A source rather than a ::cancelled handler: it runs on the
           * task's context, and removing it never waits for a handler. */
          w->cancel_source = g_cancellable_source_new (cancellable);
          g_source_set_static_name (w->cancel_source, "[resmgr] cancel_all_async cancelled");
          g_source_set_callback (w->cancel_source, G_SOURCE_FUNC (cancel_wait_cancelled_cb),
                                 cancel_wait_ref (w), cancel_wait_unref);
          g_source_attach (w->cancel_source, context);
        }
    }

  cancel_wait_unref (w);
}

/**
 * resmgr_worker_coordinator_cancel_all_finish:
 * @self: a worker coordinator
 * @result: the result given to the callback
 * @error: return location for a #GError
 *
 * Finishes [method@Resmgr.WorkerCoordinator.cancel_all_async].
 *
 * Returns: (transfer container) (element-type ResmgrWorker): the abandoned
 *   workers, possibly none; %NULL with %G_IO_ERROR_CANCELLED if the wait
 *   was cancelled
 *
 * Since: 0.1
 */
GPtrArray *
resmgr_worker_coordinator_cancel_all_finish (ResmgrWorkerCoordinator  *self,
                                             GAsyncResult             *result,
                                             GError                  **error)
{
  g_return_val_if_fail (RESMGR_IS_WORKER_COORDINATOR (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == resmgr_worker_coordinator_cancel_all_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * resmgr_worker_coordinator_get_n_active:
 * @self: a worker coordinator
 *
 * Gets the number of jobs queued, running or being cancelled, not counting
 * abandoned ones.
 *
 * Returns: the number of active jobs
 *
 * Since: 0.1
 */
guint
resmgr_worker_coordinator_get_n_active (ResmgrWorkerCoordinator *self)
{
  Shared *shared;
  guint n;

  g_return_val_if_fail (RESMGR_IS_WORKER_COORDINATOR (self), 0);

  shared = PRIV (self)->shared;
  g_mutex_lock (&shared->mutex);
  n = shared->jobs->len;
  g_mutex_unlock (&shared->mutex);

  return n;
}

/**
 * resmgr_worker_coordinator_get_pool_size:
 * @self: a worker coordinator
 *
 * Gets the most jobs that run at the same time.
 *
 * Returns: the size of the thread pool
 *
 * Since: 0.1
 */
guint
resmgr_worker_coordinator_get_pool_size (ResmgrWorkerCoordinator *self)
{
  g_return_val_if_fail (RESMGR_IS_WORKER_COORDINATOR (self), 0);

  return g_atomic_int_get (&PRIV (self)->pool_size);
}

/**
 * resmgr_worker_coordinator_set_pool_size:
 * @self: a worker coordinator
 * @pool_size: the most jobs that run at the same time, at least 1
 *
 * Sets [property@Resmgr.WorkerCoordinator:pool-size]. Call it on the owner
 * context (it notifies there).
 *
 * Since: 0.1
 */
void
resmgr_worker_coordinator_set_pool_size (ResmgrWorkerCoordinator *self,
                                         guint                    pool_size)
{
  ResmgrWorkerCoordinatorPrivate *priv;
  g_autoptr(GError) error = NULL;
  guint more = 0;

  g_return_if_fail (RESMGR_IS_WORKER_COORDINATOR (self));
  g_return_if_fail (pool_size >= 1 && pool_size <= G_MAXINT);

  priv = PRIV (self);
  if ((guint) g_atomic_int_exchange (&priv->pool_size, pool_size) == pool_size)
    return;

  /* A larger size starts the queued jobs it now allows; a smaller one
   * takes effect as the tokens out come back. */
  g_mutex_lock (&priv->shared->mutex);
  priv->shared->max_tokens = pool_size;
  if (pool_size > priv->shared->n_tokens)
    more = MIN (pool_size - priv->shared->n_tokens, priv->shared->pending.length);
  priv->shared->n_tokens += more;
  g_mutex_unlock (&priv->shared->mutex);

  if (more > 0 && !push_tokens (priv->shared, more, &error))
    g_warning ("Could not start more jobs of %s %p: %s",
               G_OBJECT_TYPE_NAME (self), self, error->message);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_POOL_SIZE]);
}

/**
 * resmgr_worker_coordinator_get_cancel_timeout:
 * @self: a worker coordinator
 *
 * Gets how long the coordinator's cleanup waits for cancelled jobs.
 *
 * Returns: the timeout in milliseconds
 *
 * Since: 0.1
 */
guint
resmgr_worker_coordinator_get_cancel_timeout (ResmgrWorkerCoordinator *self)
{
  g_return_val_if_fail (RESMGR_IS_WORKER_COORDINATOR (self), 0);

  return g_atomic_int_get (&PRIV (self)->cancel_timeout);
}

/**
 * resmgr_worker_coordinator_set_cancel_timeout:
 * @self: a worker coordinator
 * @timeout_ms: the timeout in milliseconds
 *
 * Sets [property@Resmgr.WorkerCoordinator:cancel-timeout]. Call it on the
 * owner context (it notifies there).
 *
 * Since: 0.1
 */
void
resmgr_worker_coordinator_set_cancel_timeout (ResmgrWorkerCoordinator *self,
                                              guint                    timeout_ms)
{
  g_return_if_fail (RESMGR_IS_WORKER_COORDINATOR (self));

  if ((guint) g_atomic_int_exchange (&PRIV (self)->cancel_timeout, timeout_ms) == timeout_ms)
    return;

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CANCEL_TIMEOUT]);
}

/**
 * resmgr_worker_coordinator_dup_workers:
 * @self: a worker coordinator
 *
 * Gets the active workers (queued, running or being cancelled), in the
 * order they were run.
 *
 * Returns: (transfer container) (element-type ResmgrWorker): the workers
 *
 * Since: 0.1
 */
GPtrArray *
resmgr_worker_coordinator_dup_workers (ResmgrWorkerCoordinator *self)
{
  GPtrArray *workers;
  Shared *shared;

  g_return_val_if_fail (RESMGR_IS_WORKER_COORDINATOR (self), NULL);

  shared = PRIV (self)->shared;
  workers = g_ptr_array_new_with_free_func (g_object_unref);
  g_mutex_lock (&shared->mutex);
  for (guint i = 0; i < shared->jobs->len; i++)
    g_ptr_array_add (workers, g_object_ref (((Job *) g_ptr_array_index (shared->jobs, i))->worker));
  g_mutex_unlock (&shared->mutex);

  return workers;
}

/* }}} */
