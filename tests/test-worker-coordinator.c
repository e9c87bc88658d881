/* test-worker-coordinator.c: ResmgrWorker and ResmgrWorkerCoordinator
 *
 * Interleavings are forced with GMutex/GCond handshakes between the test
 * (main thread, owner of the global default context) and the jobs; there
 * are no sleeps. The only time bound asserted is that a blocking
 * cancel_all with a short timeout returns, having abandoned a stuck job.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <string.h>

#include "test-common.h"
#include "fake-gjs.h"

#define SERVICE(m) RESMGR_SERVICE (m)

/* Fixture-ish helpers {{{ */

typedef struct
{
  ResmgrManager           *manager;
  TestComponent           *comp;
  gboolean                 comp_finalized;
  ResmgrWorkerCoordinator *coord;
  GThread                 *main_thread;
} Env;

static void
env_init (Env *env)
{
  g_autoptr(GError) error = NULL;

  env->main_thread = g_thread_self ();
  env->manager = resmgr_manager_new ();
  env->comp = test_component_new (&env->comp_finalized);
  env->coord = resmgr_worker_coordinator_new (SERVICE (env->manager));
  g_assert_true (resmgr_coordinator_bind (RESMGR_COORDINATOR (env->coord), G_OBJECT (env->comp),
                                          NULL, &error));
  g_assert_no_error (error);
}

static void
env_clear (Env *env)
{
  /* Everything a test runs is over here, so all of it goes now. */
  g_clear_object (&env->comp);
  g_assert_true (env->comp_finalized);
  g_clear_object (&env->coord);
  g_clear_object (&env->manager);
}

static void
iterate_pending (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

/* A job's completion, as its callback saw it. */
typedef struct
{
  GThread  *main_thread;
  gint      done;          /* atomic */
  gpointer  result;
  GError   *error;
  guint     n_active_at_callback;
  ResmgrWorkerState state_at_callback;
  ResmgrWorker *worker;    /* not referenced; set by the test */
} Outcome;

static void
outcome_clear (Outcome *o)
{
  g_clear_error (&o->error);
}

static void
outcome_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  Outcome *o = user_data;

  g_assert_true (g_thread_self () == o->main_thread);
  g_assert_true (RESMGR_IS_WORKER_COORDINATOR (source));
  g_assert_false (g_atomic_int_get (&o->done));
  o->result = resmgr_worker_coordinator_run_finish (RESMGR_WORKER_COORDINATOR (source), result, &o->error);
  o->n_active_at_callback = resmgr_worker_coordinator_get_n_active (RESMGR_WORKER_COORDINATOR (source));
  if (o->worker != NULL)
    o->state_at_callback = resmgr_worker_get_state (o->worker);
  g_atomic_int_set (&o->done, 1);
}

/* A gate that jobs wait at: they announce they started, then wait until the
 * test opens the gate (or, for cooperative jobs, until they are cancelled). */
typedef struct
{
  GMutex   mutex;
  GCond    cond;
  guint    n_started;
  guint    n_returned;
  gboolean open;
  gboolean cooperative;     /* return when cancelled */
  guint    n_ran;           /* job functions entered */
  /* for the abandoned-job test */
  gint     user_data_destroyed;
  gint     result_destroyed;
  gint     worker_finalized;
} Gate;

static void
gate_init (Gate *g, gboolean cooperative)
{
  memset (g, 0, sizeof *g);
  g_mutex_init (&g->mutex);
  g_cond_init (&g->cond);
  g->cooperative = cooperative;
}

static void
gate_clear (Gate *g)
{
  g_mutex_clear (&g->mutex);
  g_cond_clear (&g->cond);
}

static void
gate_wait_started (Gate *g,
                   guint n)
{
  g_mutex_lock (&g->mutex);
  while (g->n_started < n)
    g_cond_wait (&g->cond, &g->mutex);
  g_mutex_unlock (&g->mutex);
}

static void
gate_open (Gate *g)
{
  g_mutex_lock (&g->mutex);
  g->open = TRUE;
  g_cond_broadcast (&g->cond);
  g_mutex_unlock (&g->mutex);
}

static void
gate_wake_cb (GCancellable *cancellable,
              gpointer      data)
{
  Gate *g = data;

  g_mutex_lock (&g->mutex);
  g_cond_broadcast (&g->cond);
  g_mutex_unlock (&g->mutex);
}

/* Returns g_strdup ("opened"), or NULL with G_IO_ERROR_CANCELLED. */
static gpointer
gate_job (ResmgrWorker  *worker,
          GCancellable  *cancellable,
          gpointer       user_data,
          GError       **error)
{
  Gate *g = user_data;
  gulong id = 0;
  gboolean cancelled = FALSE;

  if (g->cooperative)
    id = g_cancellable_connect (cancellable, G_CALLBACK (gate_wake_cb), g, NULL);

  g_mutex_lock (&g->mutex);
  g->n_ran++;
  g->n_started++;
  g_cond_broadcast (&g->cond);
  while (!g->open && !(cancelled = g->cooperative && g_cancellable_is_cancelled (cancellable)))
    g_cond_wait (&g->cond, &g->mutex);
  g->n_returned++;
  g_cond_broadcast (&g->cond);
  g_mutex_unlock (&g->mutex);

  if (id != 0)
    g_cancellable_disconnect (cancellable, id);

  if (cancelled)
    {
      g_cancellable_set_error_if_cancelled (cancellable, error);
      return NULL;
    }

  return g_strdup ("opened");
}

static void
count_destroy (gpointer data)
{
  g_atomic_int_inc ((gint *) data);
}

/* user_data_destroy of gate jobs: counts, under the gate's lock */
static void
late_user_data_destroy (gpointer data)
{
  Gate *g = data;

  g_mutex_lock (&g->mutex);
  g->user_data_destroyed++;
  g_cond_broadcast (&g->cond);
  g_mutex_unlock (&g->mutex);
}

/* }}} */

/* run: result, states, tracking {{{ */

static void
record_state_cb (GObject    *object,
                 GParamSpec *pspec,
                 gpointer    user_data)
{
  GArray *states = user_data;
  ResmgrWorkerState state = resmgr_worker_get_state (RESMGR_WORKER (object));

  g_array_append_val (states, state);
}

static guint
count_worker_handles (ResmgrCoordinator *coord,
                      const char        *name)
{
  g_autoptr(GPtrArray) handles = resmgr_coordinator_dup_handles (coord);
  guint n = 0;

  for (guint i = 0; i < handles->len; i++)
    {
      ResmgrHandle *h = g_ptr_array_index (handles, i);

      if (resmgr_handle_get_resource_type (h) == RESMGR_RESOURCE_TYPE_WORKER &&
          g_strcmp0 (resmgr_handle_get_name (h), name) == 0)
        n++;
    }

  return n;
}

static void
test_run_result (void)
{
  Env env = { 0 };
  Gate g;
  Outcome o = { 0 };
  g_autoptr(ResmgrWorker) worker = NULL;
  g_autoptr(GArray) states = g_array_new (FALSE, FALSE, sizeof (ResmgrWorkerState));
  gint user_data_destroyed = 0;
  ResmgrWorkerState state;
  g_autofree char *name = NULL;

  g_test_summary ("A job's result arrives through run_finish on the owner thread; the worker "
                  "is tracked as a WORKER resource while it runs, goes QUEUED/RUNNING → "
                  "FINISHED, and is released after.");

  env_init (&env);
  gate_init (&g, FALSE);
  o.main_thread = env.main_thread;

  worker = resmgr_worker_coordinator_run (env.coord, "answer", gate_job, &g, NULL, g_free,
                                          outcome_cb, &o);
  g_assert_nonnull (worker);
  o.worker = worker;
  g_signal_connect (worker, "notify::state", G_CALLBACK (record_state_cb), states);
  g_assert_cmpstr (resmgr_worker_get_name (worker), ==, "answer");
  g_object_get (worker, "name", &name, "state", &state, NULL);
  g_assert_cmpstr (name, ==, "answer");
  g_assert_true (state == RESMGR_WORKER_STATE_QUEUED || state == RESMGR_WORKER_STATE_RUNNING);
  g_assert_cmpuint (resmgr_worker_coordinator_get_n_active (env.coord), ==, 1);

  gate_wait_started (&g, 1);
  g_assert_cmpint (resmgr_worker_get_state (worker), ==, RESMGR_WORKER_STATE_RUNNING);
  g_assert_false (resmgr_worker_is_done (worker));
  g_assert_cmpuint (count_worker_handles (RESMGR_COORDINATOR (env.coord), "answer"), ==, 1);
  {
    g_autoptr(GPtrArray) workers = resmgr_worker_coordinator_dup_workers (env.coord);
    g_autoptr(GPtrArray) handles = resmgr_coordinator_dup_handles (RESMGR_COORDINATOR (env.coord));
    guint64 worker_id = 0;

    g_assert_cmpuint (workers->len, ==, 1);
    g_assert_true (g_ptr_array_index (workers, 0) == worker);
    /* the worker knows the id it is tracked under */
    for (guint i = 0; i < handles->len; i++)
      if (resmgr_handle_get_resource_type (g_ptr_array_index (handles, i)) == RESMGR_RESOURCE_TYPE_WORKER)
        worker_id = resmgr_handle_get_id (g_ptr_array_index (handles, i));
    g_assert_cmpuint (worker_id, !=, 0);
    g_assert_cmpuint (resmgr_worker_get_id (worker), ==, worker_id);
  }

  gate_open (&g);
  iterate_until (NULL, &o.done);

  g_assert_no_error (o.error);
  g_assert_cmpstr (o.result, ==, "opened");
  g_assert_cmpuint (o.n_active_at_callback, ==, 0);
  g_assert_cmpint (o.state_at_callback, ==, RESMGR_WORKER_STATE_FINISHED);
  g_assert_true (resmgr_worker_is_done (worker));
  g_assert_cmpuint (count_worker_handles (RESMGR_COORDINATOR (env.coord), "answer"), ==, 0);
  g_assert_cmpint (resmgr_worker_get_run_time (worker), >, 0);
  g_assert_null (resmgr_worker_dup_error (worker));
  g_assert_cmpuint (states->len, >=, 1);
  g_assert_cmpint (g_array_index (states, ResmgrWorkerState, states->len - 1), ==, RESMGR_WORKER_STATE_FINISHED);
  for (guint i = 1; i < states->len; i++)
    g_assert_cmpint (g_array_index (states, ResmgrWorkerState, i - 1), <, g_array_index (states, ResmgrWorkerState, i));
  g_assert_cmpint (user_data_destroyed, ==, 0);

  g_free (o.result);
  outcome_clear (&o);
  gate_clear (&g);
  g_clear_object (&worker);
  env_clear (&env);
}

/* }}} */

/* progress {{{ */

#define N_STEPS 10

typedef struct
{
  GMutex    mutex;
  GCond     cond;
  guint     acked;         /* progress steps seen */
  guint     acked_message; /* message steps seen */
  GArray   *seen;        /* double, owner thread only */
  GPtrArray *messages;   /* owner thread only */
  GThread  *main_thread;
  gboolean  off_thread;  /* a notification came on another thread */
} Progress;

static gpointer
stepping_job (ResmgrWorker  *worker,
              GCancellable  *cancellable,
              gpointer       user_data,
              GError       **error)
{
  Progress *p = user_data;

  for (guint i = 1; i <= N_STEPS; i++)
    {
      g_autofree char *message = g_strdup_printf ("step %u", i);

      resmgr_worker_set_message (worker, message);
      resmgr_worker_set_progress (worker, (double) i / N_STEPS);

      /* Wait until the owner thread saw this step's progress and message. */
      g_mutex_lock (&p->mutex);
      while (p->acked < i || p->acked_message < i)
        g_cond_wait (&p->cond, &p->mutex);
      g_mutex_unlock (&p->mutex);
    }

  return GUINT_TO_POINTER (N_STEPS);
}

static void
progress_cb (GObject    *object,
             GParamSpec *pspec,
             gpointer    user_data)
{
  Progress *p = user_data;
  double value;

  if (g_thread_self () != p->main_thread)
    p->off_thread = TRUE;

  g_object_get (object, "progress", &value, NULL);
  g_array_append_val (p->seen, value);

  g_mutex_lock (&p->mutex);
  p->acked = (guint) (value * N_STEPS + 0.5);
  g_cond_broadcast (&p->cond);
  g_mutex_unlock (&p->mutex);
}

static void
message_cb (GObject    *object,
            GParamSpec *pspec,
            gpointer    user_data)
{
  Progress *p = user_data;

  char *message;

  if (g_thread_self () != p->main_thread)
    p->off_thread = TRUE;
  message = resmgr_worker_dup_message (RESMGR_WORKER (object));
  g_ptr_array_add (p->messages, message);

  g_mutex_lock (&p->mutex);
  p->acked_message = (guint) g_ascii_strtoull (message + strlen ("step "), NULL, 10);
  g_cond_broadcast (&p->cond);
  g_mutex_unlock (&p->mutex);
}

static void
test_progress_in_order (void)
{
  Env env = { 0 };
  Progress p = { 0 };
  Outcome o = { 0 };
  g_autoptr(ResmgrWorker) worker = NULL;

  g_test_summary ("Progress and messages set on the job's thread are notified on the owner "
                  "thread, each value, in the order set (the job waits for each one to be seen).");

  env_init (&env);
  g_mutex_init (&p.mutex);
  g_cond_init (&p.cond);
  p.seen = g_array_new (FALSE, FALSE, sizeof (double));
  p.messages = g_ptr_array_new_with_free_func (g_free);
  p.main_thread = o.main_thread = env.main_thread;

  worker = resmgr_worker_coordinator_run (env.coord, "stepper", stepping_job, &p, NULL, NULL,
                                          outcome_cb, &o);
  g_signal_connect (worker, "notify::progress", G_CALLBACK (progress_cb), &p);
  g_signal_connect (worker, "notify::message", G_CALLBACK (message_cb), &p);
  iterate_until (NULL, &o.done);

  g_assert_no_error (o.error);
  g_assert_cmpuint (GPOINTER_TO_UINT (o.result), ==, N_STEPS);
  g_assert_false (p.off_thread);
  g_assert_cmpuint (p.seen->len, ==, N_STEPS);
  for (guint i = 0; i < N_STEPS; i++)
    g_assert_cmpfloat_with_epsilon (g_array_index (p.seen, double, i), (double) (i + 1) / N_STEPS, 1e-9);
  g_assert_cmpuint (p.messages->len, ==, N_STEPS);
  g_assert_cmpstr (g_ptr_array_index (p.messages, 0), ==, "step 1");
  g_assert_cmpstr (g_ptr_array_index (p.messages, N_STEPS - 1), ==, "step 10");
  g_assert_cmpfloat (resmgr_worker_get_progress (worker), ==, 1.0);

  g_array_unref (p.seen);
  g_ptr_array_unref (p.messages);
  g_mutex_clear (&p.mutex);
  g_cond_clear (&p.cond);
  outcome_clear (&o);
  g_clear_object (&worker);
  env_clear (&env);
}

#define N_FAST 20000

static gpointer
fast_progress_job (ResmgrWorker  *worker,
                   GCancellable  *cancellable,
                   gpointer       user_data,
                   GError       **error)
{
  for (guint i = 1; i <= N_FAST; i++)
    resmgr_worker_set_progress (worker, (double) i / N_FAST);

  return NULL;
}

static void
test_progress_coalesced (void)
{
  Env env = { 0 };
  Progress p = { 0 };
  Outcome o = { 0 };
  g_autoptr(ResmgrWorker) worker = NULL;

  g_test_summary ("Progress set faster than the owner context runs is coalesced (at most one "
                  "pending notification per worker) and never seen going backwards; the last "
                  "value is delivered.");

  env_init (&env);
  g_mutex_init (&p.mutex);
  g_cond_init (&p.cond);
  p.seen = g_array_new (FALSE, FALSE, sizeof (double));
  p.messages = g_ptr_array_new_with_free_func (g_free);
  p.main_thread = o.main_thread = env.main_thread;

  worker = resmgr_worker_coordinator_run (env.coord, "fast", fast_progress_job, NULL, NULL, NULL,
                                          outcome_cb, &o);
  g_signal_connect (worker, "notify::progress", G_CALLBACK (progress_cb), &p);
  iterate_until (NULL, &o.done);

  g_assert_no_error (o.error);
  g_assert_null (o.result);   /* NULL without error is a valid result */
  g_assert_cmpint (resmgr_worker_get_state (worker), ==, RESMGR_WORKER_STATE_FINISHED);
  g_assert_false (p.off_thread);
  g_assert_cmpuint (p.seen->len, >=, 1);
  g_assert_cmpuint (p.seen->len, <=, N_FAST);
  /* A handler reads the current value, which may already be the one the
   * next (pending) notification is for: equal neighbours are possible. */
  for (guint i = 1; i < p.seen->len; i++)
    g_assert_cmpfloat (g_array_index (p.seen, double, i - 1), <=, g_array_index (p.seen, double, i));
  g_assert_cmpfloat (g_array_index (p.seen, double, p.seen->len - 1), ==, 1.0);
  g_test_message ("%u updates seen as %u notifications", N_FAST, p.seen->len);

  g_array_unref (p.seen);
  g_ptr_array_unref (p.messages);
  g_mutex_clear (&p.mutex);
  g_cond_clear (&p.cond);
  outcome_clear (&o);
  g_clear_object (&worker);
  env_clear (&env);
}

/* }}} */

/* cancel, fail {{{ */

static void
test_cancel_mid_run (void)
{
  Env env = { 0 };
  Gate g;
  Outcome o = { 0 };
  g_autoptr(ResmgrWorker) worker = NULL;
  g_autoptr(GError) error = NULL;

  g_test_summary ("A running job cancelled through its worker goes CANCELLING, returns "
                  "G_IO_ERROR_CANCELLED and ends CANCELLED, with the error in the error "
                  "property and from run_finish; user_data_destroy runs once.");

  env_init (&env);
  gate_init (&g, TRUE);
  o.main_thread = env.main_thread;

  worker = resmgr_worker_coordinator_run (env.coord, "cancel-me", gate_job, &g, late_user_data_destroy,
                                          g_free, outcome_cb, &o);
  o.worker = worker;
  gate_wait_started (&g, 1);

  resmgr_worker_cancel (worker);
  g_assert_cmpint (resmgr_worker_get_state (worker), ==, RESMGR_WORKER_STATE_CANCELLING);
  g_assert_true (g_cancellable_is_cancelled (resmgr_worker_get_cancellable (worker)));

  iterate_until (NULL, &o.done);
  g_assert_error (o.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (o.result);
  g_assert_cmpint (o.state_at_callback, ==, RESMGR_WORKER_STATE_CANCELLED);
  g_object_get (worker, "error", &error, NULL);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpuint (g.n_returned, ==, 1);
  g_assert_cmpint (g.user_data_destroyed, ==, 1);

  /* Cancelling a finished worker does nothing. */
  resmgr_worker_cancel (worker);
  g_assert_cmpint (resmgr_worker_get_state (worker), ==, RESMGR_WORKER_STATE_CANCELLED);

  outcome_clear (&o);
  gate_clear (&g);
  g_clear_object (&worker);
  env_clear (&env);
}

static gpointer
failing_job (ResmgrWorker  *worker,
             GCancellable  *cancellable,
             gpointer       user_data,
             GError       **error)
{
  resmgr_worker_set_message (worker, "about to fail");
  g_set_error (error, TEST_ERROR, 7, "boom in %s", resmgr_worker_get_name (worker));
  return NULL;
}

static void
test_failed (void)
{
  Env env = { 0 };
  Outcome o = { 0 };
  g_autoptr(ResmgrWorker) worker = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;
  gint destroyed = 0;
  ResmgrWorkerState state;

  g_test_summary ("A job that fails with a GError ends FAILED; the error is in the error "
                  "property and run_finish returns it; user_data_destroy runs once.");

  env_init (&env);
  o.main_thread = env.main_thread;

  worker = resmgr_worker_coordinator_run (env.coord, "doomed", failing_job, &destroyed, count_destroy,
                                          NULL, outcome_cb, &o);
  o.worker = worker;
  iterate_until (NULL, &o.done);

  g_assert_error (o.error, TEST_ERROR, 7);
  g_assert_cmpstr (o.error->message, ==, "boom in doomed");
  g_assert_cmpint (o.state_at_callback, ==, RESMGR_WORKER_STATE_FAILED);
  g_object_get (worker, "error", &error, "state", &state, "message", &message, NULL);
  g_assert_error (error, TEST_ERROR, 7);
  g_assert_cmpint (state, ==, RESMGR_WORKER_STATE_FAILED);
  g_assert_cmpstr (message, ==, "about to fail");
  g_assert_cmpint (g_atomic_int_get (&destroyed), ==, 1);

  outcome_clear (&o);
  g_clear_object (&worker);
  env_clear (&env);
}

/* }}} */

/* cancel_all {{{ */

static void
test_cancel_all_queued (void)
{
  Env env = { 0 };
  Gate g;
  Outcome o[3] = { { 0 } };
  ResmgrWorker *w[3];
  g_autoptr(GPtrArray) abandoned = NULL;

  g_test_summary ("cancel_all with one job running and two queued (pool of 1): the running "
                  "one is cancelled and waited for, the queued ones become CANCELLED without "
                  "running; everything is final when a blocking cancel_all returns on the owner "
                  "thread, and nothing is abandoned.");

  env_init (&env);
  gate_init (&g, TRUE);
  resmgr_worker_coordinator_set_pool_size (env.coord, 1);
  g_assert_cmpuint (resmgr_worker_coordinator_get_pool_size (env.coord), ==, 1);

  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *name = g_strdup_printf ("job-%u", i);

      o[i].main_thread = env.main_thread;
      w[i] = resmgr_worker_coordinator_run (env.coord, name, gate_job, &g, NULL, g_free,
                                            outcome_cb, &o[i]);
      o[i].worker = w[i];
    }
  gate_wait_started (&g, 1);
  g_assert_cmpuint (resmgr_worker_coordinator_get_n_active (env.coord), ==, 3);

  /* The main thread owns the default context anyway; holding it too (as a
   * running main loop does) changes nothing. */
  g_assert_true (g_main_context_acquire (NULL));
  abandoned = resmgr_worker_coordinator_cancel_all (env.coord, 10000);
  g_assert_cmpuint (abandoned->len, ==, 0);
  for (guint i = 0; i < 3; i++)
    g_assert_cmpint (resmgr_worker_get_state (w[i]), ==, RESMGR_WORKER_STATE_CANCELLED);
  g_assert_cmpuint (resmgr_worker_coordinator_get_n_active (env.coord), ==, 0);
  g_assert_cmpuint (count_worker_handles (RESMGR_COORDINATOR (env.coord), "job-1"), ==, 0);
  g_main_context_release (NULL);

  for (guint i = 0; i < 3; i++)
    {
      iterate_until (NULL, &o[i].done);
      g_assert_error (o[i].error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
      outcome_clear (&o[i]);
    }
  g_assert_cmpuint (g.n_ran, ==, 1);
  g_assert_cmpint (resmgr_worker_get_run_time (w[1]), ==, 0);
  g_assert_cmpint (resmgr_worker_get_run_time (w[0]), >, 0);

  iterate_pending ();
  for (guint i = 0; i < 3; i++)
    g_object_unref (w[i]);
  gate_clear (&g);
  env_clear (&env);
}

/* The stuck job of the abandoned test: ignores cancellation, waits for the
 * gate, then returns a result whose destroy is counted. */

static void
late_result_destroy (gpointer data)
{
  Gate *g = *(Gate **) data;

  g_atomic_int_inc (&g->result_destroyed);
  g_free (data);
}

static gpointer
stuck_job (ResmgrWorker  *worker,
           GCancellable  *cancellable,
           gpointer       user_data,
           GError       **error)
{
  Gate *g = user_data;
  Gate **result;

  g_assert_false (g->cooperative);
  g_free (gate_job (worker, cancellable, g, error));

  /* Touch the worker late, as a real job might: ignored, harmless. */
  resmgr_worker_set_progress (worker, 1.0);
  resmgr_worker_set_message (worker, "done, too late");

  result = g_new (Gate *, 1);
  *result = g;
  return result;
}

static void
worker_finalized_cb (gpointer data)
{
  g_atomic_int_set ((gint *) data, 1);
}

static void
set_flag_weak_notify (gpointer  data,
                      GObject  *where_the_object_was)
{
  *(gboolean *) data = TRUE;
}

static void
test_cancel_all_abandoned (void)
{
  Env env = { 0 };
  Gate g;
  Outcome o = { 0 };
  ResmgrWorker *worker;
  GPtrArray *abandoned;
  g_autoptr(GError) error = NULL;
  gboolean coord_finalized = FALSE, manager_finalized = FALSE;
  gint64 start;

  g_test_summary ("A job that ignores cancellation is reported abandoned by cancel_all (name, "
                  "run time, TIMED_OUT to its callback) instead of hanging; after the coordinator, "
                  "its component and the service are finalized, the job is released and its late "
                  "completion only destroys its result and user_data, on its own thread.");

  env_init (&env);
  gate_init (&g, FALSE);
  o.main_thread = env.main_thread;

  worker = resmgr_worker_coordinator_run (env.coord, "stuck", stuck_job, &g, late_user_data_destroy,
                                          late_result_destroy, outcome_cb, &o);
  g_object_set_data_full (G_OBJECT (worker), "finalized-flag", &g.worker_finalized, worker_finalized_cb);
  gate_wait_started (&g, 1);

  start = g_get_monotonic_time ();
  abandoned = resmgr_worker_coordinator_cancel_all (env.coord, 50);
  /* Returned, and within a generous bound of the 50 ms timeout. */
  g_assert_cmpint (g_get_monotonic_time () - start, <, 30 * G_USEC_PER_SEC);

  g_assert_cmpuint (abandoned->len, ==, 1);
  g_assert_true (g_ptr_array_index (abandoned, 0) == worker);
  g_assert_cmpstr (resmgr_worker_get_name (worker), ==, "stuck");
  g_assert_cmpint (resmgr_worker_get_state (worker), ==, RESMGR_WORKER_STATE_ABANDONED);
  g_assert_cmpint (resmgr_worker_get_run_time (worker), >, 0);
  error = resmgr_worker_dup_error (worker);
  g_assert_error (error, RESMGR_ERROR, RESMGR_ERROR_TIMED_OUT);
  g_assert_nonnull (strstr (error->message, "stuck"));
  g_assert_cmpuint (resmgr_worker_coordinator_get_n_active (env.coord), ==, 0);
  g_assert_cmpuint (count_worker_handles (RESMGR_COORDINATOR (env.coord), "stuck"), ==, 0);

  iterate_until (NULL, &o.done);
  g_assert_error (o.error, RESMGR_ERROR, RESMGR_ERROR_TIMED_OUT);
  g_assert_nonnull (strstr (o.error->message, "stuck"));
  g_assert_null (o.result);
  iterate_pending ();

  /* Drop everything: the abandoned job must not keep any of it alive. */
  g_ptr_array_unref (abandoned);
  g_object_unref (worker);
  g_object_weak_ref (G_OBJECT (env.coord), set_flag_weak_notify, &coord_finalized);
  g_object_weak_ref (G_OBJECT (env.manager), set_flag_weak_notify, &manager_finalized);
  g_clear_object (&env.comp);
  g_assert_true (env.comp_finalized);
  g_clear_object (&env.coord);
  g_assert_true (coord_finalized);
  g_clear_object (&env.manager);
  g_assert_true (manager_finalized);

  g_mutex_lock (&g.mutex);
  g_assert_cmpint (g.user_data_destroyed, ==, 0);
  g_mutex_unlock (&g.mutex);
  g_assert_cmpint (g_atomic_int_get (&g.result_destroyed), ==, 0);

  /* Let the job return late, and wait for its user_data_destroy, the last
   * thing its thread does for it. */
  gate_open (&g);
  g_mutex_lock (&g.mutex);
  while (g.user_data_destroyed == 0)
    g_cond_wait (&g.cond, &g.mutex);
  g_mutex_unlock (&g.mutex);
  iterate_pending ();

  g_assert_cmpint (g.user_data_destroyed, ==, 1);
  g_assert_cmpint (g_atomic_int_get (&g.result_destroyed), ==, 1);
  g_assert_cmpint (g_atomic_int_get (&g.worker_finalized), ==, 1);
  g_assert_cmpint (g_atomic_int_get (&o.done), ==, 1);

  outcome_clear (&o);
  gate_clear (&g);
}

typedef struct
{
  gint       done;
  GPtrArray *abandoned;
  GError    *error;
} AsyncCancel;

static void
cancel_all_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  AsyncCancel *ac = user_data;

  ac->abandoned = resmgr_worker_coordinator_cancel_all_finish (RESMGR_WORKER_COORDINATOR (source),
                                                               result, &ac->error);
  g_atomic_int_set (&ac->done, 1);
}

static void
test_cancel_all_async (void)
{
  Env env = { 0 };
  Gate coop, stuck;
  Outcome o_coop = { 0 }, o_stuck = { 0 };
  g_autoptr(ResmgrWorker) w_coop = NULL;
  ResmgrWorker *w_stuck;
  AsyncCancel ac = { 0 };

  g_test_summary ("cancel_all_async keeps the owner context running while it waits: the "
                  "cooperative job's cancellation is delivered, the stuck one is returned as "
                  "abandoned by cancel_all_finish.");

  env_init (&env);
  gate_init (&coop, TRUE);
  gate_init (&stuck, FALSE);
  o_coop.main_thread = o_stuck.main_thread = env.main_thread;

  w_coop = resmgr_worker_coordinator_run (env.coord, "coop", gate_job, &coop, NULL, g_free,
                                          outcome_cb, &o_coop);
  o_coop.worker = w_coop;
  w_stuck = resmgr_worker_coordinator_run (env.coord, "stuck-async", stuck_job, &stuck,
                                           late_user_data_destroy, late_result_destroy,
                                           outcome_cb, &o_stuck);
  gate_wait_started (&coop, 1);
  gate_wait_started (&stuck, 1);

  resmgr_worker_coordinator_cancel_all_async (env.coord, 100, NULL, cancel_all_cb, &ac);
  iterate_until (NULL, &ac.done);
  iterate_until (NULL, &o_coop.done);
  iterate_until (NULL, &o_stuck.done);

  g_assert_no_error (ac.error);
  g_assert_cmpuint (ac.abandoned->len, ==, 1);
  g_assert_true (g_ptr_array_index (ac.abandoned, 0) == w_stuck);
  g_assert_cmpint (resmgr_worker_get_state (w_stuck), ==, RESMGR_WORKER_STATE_ABANDONED);
  g_assert_cmpint (resmgr_worker_get_state (w_coop), ==, RESMGR_WORKER_STATE_CANCELLED);
  g_assert_error (o_coop.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_error (o_stuck.error, RESMGR_ERROR, RESMGR_ERROR_TIMED_OUT);
  g_assert_cmpuint (resmgr_worker_coordinator_get_n_active (env.coord), ==, 0);
  g_ptr_array_unref (ac.abandoned);
  g_object_unref (w_stuck);

  gate_open (&stuck);
  g_mutex_lock (&stuck.mutex);
  while (stuck.user_data_destroyed == 0)
    g_cond_wait (&stuck.cond, &stuck.mutex);
  g_mutex_unlock (&stuck.mutex);
  g_assert_cmpint (g_atomic_int_get (&stuck.result_destroyed), ==, 1);

  iterate_pending ();
  outcome_clear (&o_coop);
  outcome_clear (&o_stuck);
  gate_clear (&coop);
  gate_clear (&stuck);
  g_clear_object (&w_coop);
  env_clear (&env);
}

/* }}} */

/* many jobs {{{ */

#define N_MANY 200

typedef struct
{
  gint     running;
  gint     max_running;
  gint     n_done;
  gint     n_bad;
  GThread *main_thread;
} Many;

static Many *many;

static gpointer
square_job (ResmgrWorker  *worker,
            GCancellable  *cancellable,
            gpointer       user_data,
            GError       **error)
{
  Many *m = many;
  guint64 k = GPOINTER_TO_UINT (user_data);
  guint64 *result = g_new (guint64, 1);
  int now = g_atomic_int_add (&m->running, 1) + 1;
  int max;

  while (now > (max = g_atomic_int_get (&m->max_running)) &&
         !g_atomic_int_compare_and_exchange (&m->max_running, max, now))
    ;

  resmgr_worker_set_progress (worker, 0.5);
  *result = k * k;

  g_atomic_int_add (&m->running, -1);
  return result;
}

static void
square_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  Many *m = many;
  guint64 k = GPOINTER_TO_UINT (user_data);
  g_autoptr(GError) error = NULL;
  guint64 *value;

  g_assert_true (g_thread_self () == m->main_thread);
  value = resmgr_worker_coordinator_run_finish (RESMGR_WORKER_COORDINATOR (source), result, &error);
  g_assert_no_error (error);
  g_assert_nonnull (value);
  if (*value != k * k)
    g_atomic_int_inc (&m->n_bad);
  g_free (value);
  g_atomic_int_inc (&m->n_done);
}

static void
count_all_idle (ResmgrWorkerCoordinator *coord,
                gpointer                 user_data)
{
  g_assert_cmpuint (resmgr_worker_coordinator_get_n_active (coord), ==, 0);
  (*(guint *) user_data)++;
}

static void
test_many_jobs (void)
{
  Env env = { 0 };
  Many m = { 0 };
  guint n_idle = 0;

  g_test_summary ("200 short jobs through a pool of 2: never more than 2 run at once, every "
                  "one finishes with its own correct result, n-active ends at 0.");

  env_init (&env);
  m.main_thread = env.main_thread;
  resmgr_worker_coordinator_set_pool_size (env.coord, 2);
  many = &m;
  g_signal_connect (env.coord, "all-idle", G_CALLBACK (count_all_idle), &n_idle);

  for (guint i = 0; i < N_MANY; i++)
    {
      g_autofree char *name = g_strdup_printf ("square-%u", i);
      ResmgrWorker *w = resmgr_worker_coordinator_run (env.coord, name, square_job,
                                                       GUINT_TO_POINTER (i), NULL, g_free,
                                                       square_done_cb, GUINT_TO_POINTER (i));

      g_object_unref (w);
    }

  while (g_atomic_int_get (&m.n_done) < N_MANY)
    g_main_context_iteration (NULL, TRUE);

  g_assert_cmpint (m.n_bad, ==, 0);
  g_assert_cmpint (g_atomic_int_get (&m.max_running), <=, 2);
  g_assert_cmpint (g_atomic_int_get (&m.max_running), >=, 1);
  g_assert_cmpuint (resmgr_worker_coordinator_get_n_active (env.coord), ==, 0);
  iterate_pending ();
  g_assert_cmpuint (n_idle, >=, 1);

  many = NULL;
  env_clear (&env);
}

/* }}} */

/* cleanup of the component {{{ */

typedef struct
{
  Gate *gate;
  guint n_jobs;
  gint  buffer_freed;
} CleanupCheck;

static void
buffer_destroy (gpointer data)
{
  CleanupCheck *cc = data;

  /* MEMORY (20) goes after WORKER (100): every job has returned. */
  g_mutex_lock (&cc->gate->mutex);
  g_assert_cmpuint (cc->gate->n_returned, ==, cc->n_jobs);
  g_mutex_unlock (&cc->gate->mutex);
  g_atomic_int_inc (&cc->buffer_freed);
}

static void
run_cleanup_test (gboolean by_unref)
{
  Env env = { 0 };
  Gate g;
  Outcome o[3] = { { 0 } };
  ResmgrWorker *w[3];
  CleanupCheck cc = { &g, 3, 0 };
  guint64 buffer = 0;
  g_autoptr(GError) error = NULL;

  env_init (&env);
  gate_init (&g, TRUE);
  resmgr_worker_coordinator_set_pool_size (env.coord, 3);

  buffer = resmgr_coordinator_track_data (RESMGR_COORDINATOR (env.coord), RESMGR_RESOURCE_TYPE_MEMORY,
                                          "shared buffer", 64, RESMGR_PRIORITY_DEFAULT, &cc,
                                          buffer_destroy, &error);
  g_assert_cmpuint (buffer, !=, 0);
  g_assert_no_error (error);

  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *name = g_strdup_printf ("loop-%u", i);

      o[i].main_thread = env.main_thread;
      w[i] = resmgr_worker_coordinator_run (env.coord, name, gate_job, &g, NULL, g_free,
                                            outcome_cb, &o[i]);
    }
  gate_wait_started (&g, 3);

  if (by_unref)
    {
      g_clear_object (&env.comp);
      g_assert_true (env.comp_finalized);
    }
  else
    {
      g_autoptr(ResmgrCleanupReport) report = NULL;

      report = resmgr_coordinator_cleanup_all (RESMGR_COORDINATOR (env.coord), &error);
      g_assert_no_error (error);
      g_assert_cmpuint (resmgr_cleanup_report_get_n_failures (report), ==, 0);
      g_assert_true (resmgr_cleanup_report_is_clean (report));
    }

  /* Inline on this thread: the jobs were cancelled and waited for before
   * the buffer went. */
  g_assert_cmpint (g_atomic_int_get (&cc.buffer_freed), ==, 1);
  g_assert_cmpuint (g.n_returned, ==, 3);
  for (guint i = 0; i < 3; i++)
    g_assert_cmpint (resmgr_worker_get_state (w[i]), ==, RESMGR_WORKER_STATE_CANCELLED);
  g_assert_cmpuint (resmgr_worker_coordinator_get_n_active (env.coord), ==, 0);

  for (guint i = 0; i < 3; i++)
    {
      iterate_until (NULL, &o[i].done);
      g_assert_error (o[i].error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
      outcome_clear (&o[i]);
      g_object_unref (w[i]);
    }

  iterate_pending ();
  gate_clear (&g);
  env_clear (&env);
}

static void
test_cleanup_component_unref (void)
{
  g_test_summary ("Dropping the last reference of the component while jobs run cancels the "
                  "jobs and waits for them (WORKER priority) before anything else it owns is "
                  "freed.");
  run_cleanup_test (TRUE);
}

static void
test_cleanup_all (void)
{
  g_test_summary ("resmgr_coordinator_cleanup_all while jobs run cancels the jobs and waits "
                  "for them before anything else the component owns is freed; the report is "
                  "clean.");
  run_cleanup_test (FALSE);
}

static void
test_cleanup_abandoned_reported (void)
{
  Env env = { 0 };
  Gate g;
  Outcome o = { 0 };
  ResmgrWorker *worker;
  g_autoptr(ResmgrCleanupReport) report = NULL;
  g_autoptr(GError) error = NULL;
  const GError *failure = NULL;

  g_test_summary ("A component cleanup whose job does not stop within cancel-timeout does not "
                  "hang: the worker is abandoned and the report records a TIMED_OUT failure "
                  "naming it.");

  env_init (&env);
  gate_init (&g, FALSE);
  o.main_thread = env.main_thread;
  resmgr_worker_coordinator_set_cancel_timeout (env.coord, 20);
  g_assert_cmpuint (resmgr_worker_coordinator_get_cancel_timeout (env.coord), ==, 20);

  worker = resmgr_worker_coordinator_run (env.coord, "hog", stuck_job, &g, late_user_data_destroy,
                                          late_result_destroy, outcome_cb, &o);
  gate_wait_started (&g, 1);

  report = resmgr_coordinator_cleanup_all (RESMGR_COORDINATOR (env.coord), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (resmgr_cleanup_report_get_n_failures (report), ==, 1);
  failure = resmgr_cleanup_report_get_failure_error (report, 0);
  g_assert_error ((GError *) failure, RESMGR_ERROR, RESMGR_ERROR_TIMED_OUT);
  g_assert_nonnull (strstr (failure->message, "“hog”"));
  g_assert_cmpint (resmgr_worker_get_state (worker), ==, RESMGR_WORKER_STATE_ABANDONED);

  iterate_until (NULL, &o.done);
  g_assert_error (o.error, RESMGR_ERROR, RESMGR_ERROR_TIMED_OUT);
  g_object_unref (worker);

  gate_open (&g);
  g_mutex_lock (&g.mutex);
  while (g.user_data_destroyed == 0)
    g_cond_wait (&g.cond, &g.mutex);
  g_mutex_unlock (&g.mutex);

  iterate_pending ();
  outcome_clear (&o);
  gate_clear (&g);
  env_clear (&env);
}

/* }}} */

/* n-active and all-idle {{{ */

typedef struct
{
  GArray  *values;   /* guint */
  guint    n_idle;
  GThread *main_thread;
  gboolean off_thread;
} Active;

static void
n_active_cb (GObject    *object,
             GParamSpec *pspec,
             gpointer    user_data)
{
  Active *a = user_data;
  guint n;

  if (g_thread_self () != a->main_thread)
    a->off_thread = TRUE;
  g_object_get (object, "n-active", &n, NULL);
  g_array_append_val (a->values, n);
}

static void
all_idle_cb (ResmgrWorkerCoordinator *coord,
             gpointer                 user_data)
{
  Active *a = user_data;

  if (g_thread_self () != a->main_thread)
    a->off_thread = TRUE;
  g_assert_cmpuint (resmgr_worker_coordinator_get_n_active (coord), ==, 0);
  a->n_idle++;
}

static void
test_n_active (void)
{
  Env env = { 0 };
  Gate g;
  Outcome o[3] = { { 0 } };
  Active a = { 0 };

  g_test_summary ("n-active counts queued and running jobs and is notified on the owner "
                  "thread as it rises and falls; all-idle is emitted once, on the owner "
                  "thread, when it drops to 0.");

  env_init (&env);
  gate_init (&g, FALSE);
  a.values = g_array_new (FALSE, FALSE, sizeof (guint));
  a.main_thread = env.main_thread;
  resmgr_worker_coordinator_set_pool_size (env.coord, 1);
  g_signal_connect (env.coord, "notify::n-active", G_CALLBACK (n_active_cb), &a);
  g_signal_connect (env.coord, "all-idle", G_CALLBACK (all_idle_cb), &a);

  for (guint i = 0; i < 3; i++)
    {
      o[i].main_thread = env.main_thread;
      g_object_unref (resmgr_worker_coordinator_run (env.coord, "gated", gate_job, &g, NULL,
                                                     g_free, outcome_cb, &o[i]));
    }
  g_assert_cmpuint (resmgr_worker_coordinator_get_n_active (env.coord), ==, 3);
  while (a.values->len == 0 || g_array_index (a.values, guint, a.values->len - 1) != 3)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (a.n_idle, ==, 0);

  gate_open (&g);
  for (guint i = 0; i < 3; i++)
    {
      iterate_until (NULL, &o[i].done);
      g_free (o[i].result);
      outcome_clear (&o[i]);
    }
  iterate_pending ();

  g_assert_false (a.off_thread);
  g_assert_cmpuint (a.n_idle, ==, 1);
  g_assert_cmpuint (g_array_index (a.values, guint, a.values->len - 1), ==, 0);
  /* Seen rising to 3, then falling 2, 1, 0 as each outcome is delivered. */
  g_assert_cmpuint (a.values->len, >=, 4);
  for (guint i = a.values->len - 3; i < a.values->len; i++)
    g_assert_cmpuint (g_array_index (a.values, guint, i), ==, g_array_index (a.values, guint, i - 1) - 1);

  g_array_unref (a.values);
  gate_clear (&g);
  env_clear (&env);
}

/* }}} */

/* refused jobs {{{ */

static gpointer
never_job (ResmgrWorker  *worker,
           GCancellable  *cancellable,
           gpointer       user_data,
           GError       **error)
{
  g_assert_not_reached ();
  return NULL;
}

static void
test_refused_unbound (void)
{
  g_autoptr(ResmgrManager) manager = resmgr_manager_new ();
  g_autoptr(ResmgrWorkerCoordinator) coord = resmgr_worker_coordinator_new (SERVICE (manager));
  Outcome o = { 0 };
  gint destroyed = 0;
  ResmgrWorker *worker;

  g_test_summary ("Running a job on an unbound coordinator returns NULL, runs nothing, calls "
                  "user_data_destroy and delivers RESMGR_ERROR_INVALID_ARGUMENT to the callback.");

  o.main_thread = g_thread_self ();
  worker = resmgr_worker_coordinator_run (coord, "orphan", never_job, &destroyed, count_destroy,
                                          NULL, outcome_cb, &o);
  g_assert_null (worker);
  g_assert_cmpint (destroyed, ==, 1);
  iterate_until (NULL, &o.done);
  g_assert_error (o.error, RESMGR_ERROR, RESMGR_ERROR_INVALID_ARGUMENT);
  g_assert_cmpuint (resmgr_worker_coordinator_get_n_active (coord), ==, 0);
  outcome_clear (&o);
}

static void
test_refused_shutdown (void)
{
  Env env = { 0 };
  Outcome o = { 0 };
  gint destroyed = 0;
  ResmgrWorker *worker;
  g_autoptr(ResmgrCleanupReport) report = NULL;
  g_autoptr(GError) error = NULL;

  g_test_summary ("After the service shut down, run returns NULL, runs nothing, calls "
                  "user_data_destroy and delivers RESMGR_ERROR_SHUTTING_DOWN to the callback.");

  env_init (&env);
  o.main_thread = env.main_thread;
  report = resmgr_service_shutdown (SERVICE (env.manager), 5000, &error);
  g_assert_no_error (error);

  worker = resmgr_worker_coordinator_run (env.coord, "late", never_job, &destroyed, count_destroy,
                                          NULL, outcome_cb, &o);
  g_assert_null (worker);
  g_assert_cmpint (destroyed, ==, 1);
  iterate_until (NULL, &o.done);
  g_assert_error (o.error, RESMGR_ERROR, RESMGR_ERROR_SHUTTING_DOWN);
  outcome_clear (&o);

  env_clear (&env);
}

/* }}} */

/* The owner-context contract (issue 9) {{{ */

/* Outcomes of many jobs, and whether each arrived after the cleanup. */
typedef struct
{
  GThread  *main_thread;
  guint     n_jobs;
  guint     drop_at;         /* drop the component when this many arrived */
  TestComponent *comp;       /* the test's reference, dropped in a callback */
  gboolean  cleaned;         /* the component's cleanup ran */
  guint     n_done;
  guint     n_success;
  guint     n_cancelled;
  guint     n_success_after_cleanup;
  guint     n_off_thread;
} Fleet;

static gpointer
quick_job (ResmgrWorker  *worker,
           GCancellable  *cancellable,
           gpointer       user_data,
           GError       **error)
{
  return g_strdup ("done");
}

static void
fleet_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  Fleet *f = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *value = NULL;

  if (g_thread_self () != f->main_thread)
    f->n_off_thread++;
  value = resmgr_worker_coordinator_run_finish (RESMGR_WORKER_COORDINATOR (source), result, &error);
  f->n_done++;
  if (error == NULL)
    {
      g_assert_cmpstr (value, ==, "done");
      f->n_success++;
      if (f->cleaned)
        f->n_success_after_cleanup++;
    }
  else
    {
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
      g_assert_null (value);
      f->n_cancelled++;
    }

  if (f->n_done == f->drop_at && f->comp != NULL)
    {
      /* The last reference: its cleanup runs now, inline on this (the
       * owner) thread. */
      g_clear_object (&f->comp);
      g_assert_true (f->cleaned);
    }
}

static void
set_cleaned (gpointer data)
{
  Fleet *f = data;

  g_assert_true (g_thread_self () == f->main_thread);
  f->cleaned = TRUE;
}

static void
test_no_success_after_cleanup (void)
{
  Env env = { 0 };
  Fleet f = { 0 };
  guint64 marker = 0;
  g_autoptr(GError) error = NULL;

  g_test_summary ("500 jobs, the component dropped (last unref, on the owner thread) when half "
                  "of the outcomes arrived: every job gets exactly one outcome, on the owner "
                  "thread, and none of those that arrive after the component's cleanup is a "
                  "success: they are G_IO_ERROR_CANCELLED.");

  env_init (&env);
  f.main_thread = env.main_thread;
  f.n_jobs = 500;
  f.drop_at = f.n_jobs / 2;
  resmgr_worker_coordinator_set_pool_size (env.coord, 4);

  /* At the highest priority, before the WORKER entries: it marks the
   * start of the cleanup. Outcomes delivered from inside the cleanup (as
   * GTask may do) count as after it. */
  marker = resmgr_coordinator_track_data (RESMGR_COORDINATOR (env.coord), RESMGR_RESOURCE_TYPE_MEMORY,
                                          "cleaned marker", 0, RESMGR_PRIORITY_MAX, &f,
                                          set_cleaned, &error);
  g_assert_cmpuint (marker, !=, 0);
  g_assert_no_error (error);

  for (guint i = 0; i < f.n_jobs; i++)
    g_object_unref (resmgr_worker_coordinator_run (env.coord, "quick", quick_job, NULL, NULL,
                                                   g_free, fleet_cb, &f));

  f.comp = g_steal_pointer (&env.comp);
  while (f.n_done < f.n_jobs)
    g_main_context_iteration (NULL, TRUE);
  iterate_pending ();

  g_test_message ("%u successes, %u cancelled, %u successes after the cleanup",
                  f.n_success, f.n_cancelled, f.n_success_after_cleanup);
  g_assert_true (f.cleaned);
  g_assert_true (env.comp_finalized);
  g_assert_cmpuint (f.n_done, ==, f.n_jobs);
  g_assert_cmpuint (f.n_off_thread, ==, 0);
  g_assert_cmpuint (f.n_success_after_cleanup, ==, 0);
  g_assert_cmpuint (f.n_success + f.n_cancelled, ==, f.n_jobs);
  g_assert_cmpuint (f.n_success, >=, f.drop_at - 1);
  g_assert_cmpuint (resmgr_worker_coordinator_get_n_active (env.coord), ==, 0);

  g_clear_object (&env.coord);
  g_clear_object (&env.manager);
}

static void
test_finished_before_cleanup (void)
{
  Env env = { 0 };
  Gate g;
  Outcome o[4] = { { 0 } };
  ResmgrWorker *w[4];
  g_autoptr(ResmgrCleanupReport) report = NULL;
  g_autoptr(GError) error = NULL;

  g_test_summary ("Jobs that returned a result just before the component's cleanup, their "
                  "outcome not delivered yet (the owner did not iterate): the cleanup settles "
                  "them as CANCELLED (worker state and callback), on the owner thread; none "
                  "gets its success.");

  env_init (&env);
  gate_init (&g, FALSE);
  resmgr_worker_coordinator_set_pool_size (env.coord, 4);

  for (guint i = 0; i < 4; i++)
    {
      o[i].main_thread = env.main_thread;
      w[i] = resmgr_worker_coordinator_run (env.coord, "finisher", gate_job, &g, NULL, g_free,
                                            outcome_cb, &o[i]);
      o[i].worker = w[i];
    }
  gate_wait_started (&g, 4);
  gate_open (&g);
  g_mutex_lock (&g.mutex);
  while (g.n_returned < 4)
    g_cond_wait (&g.cond, &g.mutex);
  g_mutex_unlock (&g.mutex);

  /* Every job returned "opened" (or is about to); none was delivered. */
  for (guint i = 0; i < 4; i++)
    g_assert_false (g_atomic_int_get (&o[i].done));

  report = resmgr_coordinator_cleanup_all (RESMGR_COORDINATOR (env.coord), &error);
  g_assert_no_error (error);
  g_assert_true (resmgr_cleanup_report_is_clean (report));

  for (guint i = 0; i < 4; i++)
    {
      g_autoptr(GError) werror = resmgr_worker_dup_error (w[i]);

      /* Final when the cleanup returned (it ran inline on the owner). */
      g_assert_cmpint (resmgr_worker_get_state (w[i]), ==, RESMGR_WORKER_STATE_CANCELLED);
      g_assert_error (werror, G_IO_ERROR, G_IO_ERROR_CANCELLED);
      iterate_until (NULL, &o[i].done);
      g_assert_error (o[i].error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
      g_assert_null (o[i].result);
      g_assert_cmpint (o[i].state_at_callback, ==, RESMGR_WORKER_STATE_CANCELLED);
      outcome_clear (&o[i]);
      g_object_unref (w[i]);
    }
  g_assert_cmpuint (resmgr_worker_coordinator_get_n_active (env.coord), ==, 0);

  /* Jobs run after the cleanup succeed again. */
  {
    Outcome after = { 0 };
    g_autoptr(ResmgrWorker) worker = NULL;

    after.main_thread = env.main_thread;
    worker = resmgr_worker_coordinator_run (env.coord, "after", gate_job, &g, NULL, g_free,
                                            outcome_cb, &after);
    iterate_until (NULL, &after.done);
    g_assert_no_error (after.error);
    g_assert_cmpstr (after.result, ==, "opened");
    g_free (after.result);
  }

  iterate_pending ();
  gate_clear (&g);
  env_clear (&env);
}

static void
test_completion_owner_blocked (void)
{
  Env env = { 0 };
  Gate g;
  Outcome first = { 0 }, second = { 0 };
  g_autoptr(ResmgrWorker) w1 = NULL;
  g_autoptr(ResmgrWorker) w2 = NULL;

  g_test_summary ("A job completes while the owner thread is blocked (not iterating its "
                  "context): nothing of its outcome is delivered on the pool thread (state, "
                  "callback); it is delivered on the owner thread when that iterates.");

  env_init (&env);
  gate_init (&g, FALSE);
  /* One thread: the second job starts once the pool thread is completely
   * done with the first (its completion dispatched). */
  resmgr_worker_coordinator_set_pool_size (env.coord, 1);
  first.main_thread = second.main_thread = env.main_thread;

  w1 = resmgr_worker_coordinator_run (env.coord, "first", quick_job, NULL, NULL, g_free,
                                      outcome_cb, &first);
  first.worker = w1;
  w2 = resmgr_worker_coordinator_run (env.coord, "second", gate_job, &g, NULL, g_free,
                                      outcome_cb, &second);
  second.worker = w2;

  /* Blocked here, not iterating: the pool thread finished "first". */
  gate_wait_started (&g, 1);
  g_assert_false (g_atomic_int_get (&first.done));
  g_assert_cmpint (resmgr_worker_get_state (w1), ==, RESMGR_WORKER_STATE_RUNNING);
  g_assert_cmpuint (resmgr_worker_coordinator_get_n_active (env.coord), ==, 2);

  iterate_until (NULL, &first.done);  /* outcome_cb asserts the owner thread */
  g_assert_no_error (first.error);
  g_assert_cmpstr (first.result, ==, "done");
  g_assert_cmpint (first.state_at_callback, ==, RESMGR_WORKER_STATE_FINISHED);
  g_free (first.result);

  gate_open (&g);
  iterate_until (NULL, &second.done);
  g_assert_no_error (second.error);
  g_free (second.result);

  iterate_pending ();
  outcome_clear (&first);
  outcome_clear (&second);
  gate_clear (&g);
  env_clear (&env);
}

typedef struct
{
  GThread  *main_thread;
  GThread  *ran_on;
  gint      n_runs;
} CleanupThread;

static void
record_cleanup_thread (gpointer data)
{
  CleanupThread *ct = data;

  ct->ran_on = g_thread_self ();
  g_atomic_int_inc (&ct->n_runs);
}

static gpointer
drop_last_ref_thread (gpointer data)
{
  g_object_unref (data);
  return NULL;
}

static void
test_last_unref_on_worker (void)
{
  Env env = { 0 };
  Gate g;
  Outcome o = { 0 };
  CleanupThread ct = { 0 };
  g_autoptr(ResmgrWorker) worker = NULL;
  guint64 marker = 0;
  g_autoptr(GError) error = NULL;
  GThread *thread;

  g_test_summary ("The last reference of a worker coordinator's component is dropped on "
                  "another thread while the owner thread is blocked: the cleanups (cancelling "
                  "the jobs, then the rest) wait for the owner and run on it when it iterates, "
                  "never on the dropping thread.");

  env_init (&env);
  gate_init (&g, TRUE);
  o.main_thread = ct.main_thread = env.main_thread;

  marker = resmgr_coordinator_track_data (RESMGR_COORDINATOR (env.coord), RESMGR_RESOURCE_TYPE_MEMORY,
                                          "marker", 0, RESMGR_PRIORITY_DEFAULT, &ct,
                                          record_cleanup_thread, &error);
  g_assert_cmpuint (marker, !=, 0);
  g_assert_no_error (error);
  worker = resmgr_worker_coordinator_run (env.coord, "cooperative", gate_job, &g, NULL, g_free,
                                          outcome_cb, &o);
  o.worker = worker;
  gate_wait_started (&g, 1);

  /* Blocked in g_thread_join: the owner does not iterate meanwhile. */
  thread = g_thread_new ("last-unref", drop_last_ref_thread, g_steal_pointer (&env.comp));
  g_thread_join (thread);
  g_assert_true (env.comp_finalized);

  g_assert_cmpint (g_atomic_int_get (&ct.n_runs), ==, 0);
  g_assert_false (g_cancellable_is_cancelled (resmgr_worker_get_cancellable (worker)));
  g_assert_cmpint (resmgr_worker_get_state (worker), ==, RESMGR_WORKER_STATE_RUNNING);
  g_assert_false (g_atomic_int_get (&o.done));

  iterate_until (NULL, &o.done);
  iterate_pending ();
  g_assert_cmpint (g_atomic_int_get (&ct.n_runs), ==, 1);
  g_assert_true (ct.ran_on == env.main_thread);
  g_assert_error (o.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (o.state_at_callback, ==, RESMGR_WORKER_STATE_CANCELLED);
  g_assert_cmpuint (resmgr_worker_coordinator_get_n_active (env.coord), ==, 0);

  outcome_clear (&o);
  gate_clear (&g);
  g_clear_object (&worker);
  marker = 0;
  g_clear_object (&env.coord);
  g_clear_object (&env.manager);
}

typedef struct
{
  ResmgrWorkerCoordinator *coord;
  GPtrArray               *abandoned;
} ForeignCancel;

static gpointer
cancel_all_thread_func (gpointer data)
{
  ForeignCancel *fc = data;

  fc->abandoned = resmgr_worker_coordinator_cancel_all (fc->coord, G_MAXUINT);
  return NULL;
}

static void
test_cancel_all_foreign_thread (void)
{
  Env env = { 0 };
  Gate g;
  Outcome o = { 0 };
  ForeignCancel fc = { 0 };
  g_autoptr(ResmgrWorker) worker = NULL;
  GThread *thread;

  g_test_summary ("The blocking cancel_all called from another thread while the owner thread "
                  "is blocked returns once the job returned, without acquiring or iterating "
                  "the owner context: the outcome (final state, callback) follows on the owner "
                  "thread when it iterates, as CANCELLED.");

  env_init (&env);
  gate_init (&g, TRUE);
  o.main_thread = env.main_thread;
  fc.coord = env.coord;

  worker = resmgr_worker_coordinator_run (env.coord, "coop", gate_job, &g, NULL, g_free,
                                          outcome_cb, &o);
  o.worker = worker;
  gate_wait_started (&g, 1);

  thread = g_thread_new ("canceller", cancel_all_thread_func, &fc);
  g_thread_join (thread);
  g_assert_cmpuint (fc.abandoned->len, ==, 0);
  g_assert_cmpuint (g.n_returned, ==, 1);
  /* Not settled on the cancelling thread. */
  g_assert_false (g_atomic_int_get (&o.done));
  g_assert_cmpint (resmgr_worker_get_state (worker), ==, RESMGR_WORKER_STATE_CANCELLING);
  g_assert_cmpuint (resmgr_worker_coordinator_get_n_active (env.coord), ==, 1);

  iterate_until (NULL, &o.done);
  g_assert_error (o.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (o.state_at_callback, ==, RESMGR_WORKER_STATE_CANCELLED);
  g_assert_cmpuint (resmgr_worker_coordinator_get_n_active (env.coord), ==, 0);

  iterate_pending ();
  g_ptr_array_unref (fc.abandoned);
  outcome_clear (&o);
  gate_clear (&g);
  g_clear_object (&worker);
  env_clear (&env);
}

static void
test_cancel_all_async_no_thread (void)
{
  Env env = { 0 };
  Gate coop;
  Outcome o = { 0 };
  AsyncCancel ac = { 0 };
  g_autoptr(ResmgrWorker) worker = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  GMainContext *context = g_main_context_new ();

  g_test_summary ("cancel_all_async waits on no thread: started from a thread-default "
                  "context, its result comes when that context iterates after the job "
                  "returned, and a cancelled wait returns G_IO_ERROR_CANCELLED without "
                  "abandoning anything.");

  env_init (&env);
  gate_init (&coop, TRUE);
  o.main_thread = env.main_thread;

  worker = resmgr_worker_coordinator_run (env.coord, "coop", gate_job, &coop, NULL, g_free,
                                          outcome_cb, &o);
  gate_wait_started (&coop, 1);

  /* A wait that is cancelled first: the job stays cancelled. */
  g_main_context_push_thread_default (context);
  g_cancellable_cancel (cancellable);
  resmgr_worker_coordinator_cancel_all_async (env.coord, G_MAXUINT, cancellable, cancel_all_cb, &ac);
  iterate_until (context, &ac.done);
  g_assert_error (ac.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (ac.abandoned);
  g_clear_error (&ac.error);

  /* A wait without limit: ends when the (cooperative) job returned. */
  ac.done = 0;
  resmgr_worker_coordinator_cancel_all_async (env.coord, G_MAXUINT, NULL, cancel_all_cb, &ac);
  iterate_until (context, &ac.done);
  g_main_context_pop_thread_default (context);
  g_assert_no_error (ac.error);
  g_assert_cmpuint (ac.abandoned->len, ==, 0);
  g_assert_cmpuint (coop.n_returned, ==, 1);
  g_ptr_array_unref (ac.abandoned);

  iterate_until (NULL, &o.done);
  g_assert_error (o.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);

  iterate_pending ();
  g_main_context_unref (context);
  outcome_clear (&o);
  gate_clear (&coop);
  g_clear_object (&worker);
  env_clear (&env);
}

/* }}} */

/* stress {{{ */

static void
test_stress_cancel_race (void)
{
  guint rounds = g_test_thorough () ? 500 : 50;

  g_test_summary ("Jobs that finish while cancel_all runs (from the owner thread) are each "
                  "delivered exactly once, whatever the interleaving.");

  for (guint r = 0; r < rounds; r++)
    {
      Env env = { 0 };
      Outcome o[4] = { { 0 } };
      g_autoptr(GPtrArray) abandoned = NULL;

      env_init (&env);
      resmgr_worker_coordinator_set_pool_size (env.coord, 2);
      for (guint i = 0; i < 4; i++)
        {
          o[i].main_thread = env.main_thread;
          g_object_unref (resmgr_worker_coordinator_run (env.coord, "racer", fast_progress_job,
                                                         NULL, NULL, NULL, outcome_cb, &o[i]));
        }
      abandoned = resmgr_worker_coordinator_cancel_all (env.coord, G_MAXUINT);
      g_assert_cmpuint (abandoned->len, ==, 0);
      for (guint i = 0; i < 4; i++)
        {
          iterate_until (NULL, &o[i].done);
          /* None was delivered before cancel_all: all are cancelled. */
          g_assert_error (o[i].error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
          outcome_clear (&o[i]);
        }
      iterate_pending ();
      g_assert_cmpuint (resmgr_worker_coordinator_get_n_active (env.coord), ==, 0);
      env_clear (&env);
    }
}

/* }}} */

/* Closure jobs (run_job_async) {{{ */

/* What a test closure job does; its closure's data. */
typedef enum {
  JOB_RETURN_STRING,   /* progress 0.5, then the string "done" */
  JOB_RETURN_ERROR,    /* a GError boxed in the value */
  JOB_SET_NOTHING,     /* leaves the return value alone, as a raising binding does */
  JOB_WAIT_CANCELLED,  /* waits at the gate until cancelled, then returns "late" anyway */
} JobKind;

typedef struct
{
  JobKind  kind;
  Gate    *gate;
  GThread *thread;      /* where it ran */
  gint     finalized;   /* atomic: closure finalize notifications */
} JobSpec;

static void
job_marshal (GClosure     *closure,
             GValue       *return_value,
             guint         n_param_values,
             const GValue *param_values,
             gpointer      invocation_hint,
             gpointer      marshal_data)
{
  JobSpec *spec = closure->data;
  ResmgrWorker *worker;
  GCancellable *cancellable;
  GValue *value;

  g_assert_cmpuint (n_param_values, ==, 2);
  worker = g_value_get_object (&param_values[0]);
  cancellable = g_value_get_object (&param_values[1]);
  g_assert_true (RESMGR_IS_WORKER (worker));
  g_assert_true (resmgr_worker_get_cancellable (worker) == cancellable);
  g_assert_true (G_VALUE_HOLDS (return_value, G_TYPE_VALUE));
  spec->thread = g_thread_self ();

  value = g_new0 (GValue, 1);
  switch (spec->kind)
    {
    case JOB_RETURN_STRING:
      resmgr_worker_set_progress (worker, 0.5);
      g_value_init (value, G_TYPE_STRING);
      g_value_set_static_string (value, "done");
      break;
    case JOB_RETURN_ERROR:
      g_value_init (value, G_TYPE_ERROR);
      g_value_take_boxed (value, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "no file"));
      break;
    case JOB_SET_NOTHING:
      g_free (value);
      return;
    case JOB_WAIT_CANCELLED:
      spec->gate->cooperative = TRUE;
      g_free (gate_job (worker, cancellable, spec->gate, NULL));
      g_value_init (value, G_TYPE_STRING);
      g_value_set_static_string (value, "late");
      break;
    }
  g_value_take_boxed (return_value, value);
}

static void
job_finalized (gpointer  data,
               GClosure *closure)
{
  g_atomic_int_inc (&((JobSpec *) data)->finalized);
}

static GClosure *
job_closure_new (JobSpec *spec)
{
  GClosure *closure = g_closure_new_simple (sizeof (GClosure), spec);

  g_closure_set_marshal (closure, job_marshal);
  g_closure_add_finalize_notifier (closure, spec, job_finalized);

  return closure;
}

/* A closure job's completion, as its callback saw it. */
typedef struct
{
  gint          done;   /* atomic */
  GValue       *value;
  GError       *error;
  ResmgrWorker *worker; /* not referenced */
  ResmgrWorkerState state_at_callback;
} JobOutcome;

static void
job_outcome_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  JobOutcome *o = user_data;

  g_assert_false (g_atomic_int_get (&o->done));
  o->value = resmgr_worker_coordinator_run_job_finish (RESMGR_WORKER_COORDINATOR (source), result, &o->error);
  if (o->worker != NULL)
    o->state_at_callback = resmgr_worker_get_state (o->worker);
  g_atomic_int_set (&o->done, 1);
}

static void
job_outcome_clear (JobOutcome *o)
{
  if (o->value != NULL)
    {
      g_value_unset (o->value);
      g_free (o->value);
    }
  g_clear_error (&o->error);
}

static void
test_job_value (void)
{
  Env env = { 0 };
  JobSpec spec = { JOB_RETURN_STRING };
  JobOutcome o = { 0 };
  g_autoptr(ResmgrWorker) worker = NULL;
  GClosure *closure;

  g_test_summary ("A closure job runs on a pool thread with its worker and cancellable; its "
                  "GValue is what run_job_finish returns, the worker ends FINISHED with the "
                  "progress it set, and the closure is freed once, when the job is over.");

  env_init (&env);
  closure = job_closure_new (&spec);  /* floating: the coordinator takes it */
  worker = resmgr_worker_coordinator_run_job_async (env.coord, "value", closure, NULL,
                                                    job_outcome_cb, &o);
  o.worker = worker;
  g_assert_nonnull (worker);
  iterate_until (NULL, &o.done);

  g_assert_no_error (o.error);
  g_assert_nonnull (o.value);
  g_assert_true (G_VALUE_HOLDS_STRING (o.value));
  g_assert_cmpstr (g_value_get_string (o.value), ==, "done");
  g_assert_true (spec.thread != env.main_thread);
  g_assert_cmpint (o.state_at_callback, ==, RESMGR_WORKER_STATE_FINISHED);
  g_assert_cmpfloat (resmgr_worker_get_progress (worker), ==, 0.5);
  g_assert_cmpint (g_atomic_int_get (&spec.finalized), ==, 1);
  g_assert_cmpuint (resmgr_worker_coordinator_get_n_active (env.coord), ==, 0);

  job_outcome_clear (&o);
  g_clear_object (&worker);
  env_clear (&env);
  g_assert_cmpint (g_atomic_int_get (&spec.finalized), ==, 1);
}

static void
test_job_failures (void)
{
  Env env = { 0 };

  g_test_summary ("A closure job that returns a GError fails with it; one that sets no value "
                  "(a binding's exception) fails with G_IO_ERROR_FAILED; each closure is "
                  "freed once.");

  env_init (&env);
  for (guint i = 0; i < 2; i++)
    {
      JobSpec spec = { i == 0 ? JOB_RETURN_ERROR : JOB_SET_NOTHING };
      JobOutcome o = { 0 };
      GClosure *closure = job_closure_new (&spec);  /* floating, taken */
      g_autoptr(ResmgrWorker) worker =
        resmgr_worker_coordinator_run_job_async (env.coord, "fails", closure, NULL,
                                                 job_outcome_cb, &o);

      o.worker = worker;
      iterate_until (NULL, &o.done);
      g_assert_null (o.value);
      if (i == 0)
        g_assert_error (o.error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
      else
        {
          g_assert_error (o.error, G_IO_ERROR, G_IO_ERROR_FAILED);
          g_assert_nonnull (strstr (o.error->message, "“fails”"));
        }
      g_assert_cmpint (o.state_at_callback, ==, RESMGR_WORKER_STATE_FAILED);
      g_assert_cmpint (g_atomic_int_get (&spec.finalized), ==, 1);
      job_outcome_clear (&o);
    }
  env_clear (&env);
}

static void
test_job_cancelled_returns_value (void)
{
  Env env = { 0 };
  JobSpec spec = { JOB_WAIT_CANCELLED };
  JobOutcome o = { 0 };
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(ResmgrWorker) worker = NULL;
  GClosure *closure;
  Gate g;

  g_test_summary ("A closure job cancelled through the caller's GCancellable while it runs, "
                  "that returns a value anyway, ends CANCELLED with G_IO_ERROR_CANCELLED "
                  "(GTask's check-cancellable); its value and closure are freed.");

  env_init (&env);
  gate_init (&g, TRUE);
  spec.gate = &g;
  closure = job_closure_new (&spec);  /* floating: the coordinator takes it */
  worker = resmgr_worker_coordinator_run_job_async (env.coord, "cancel-me", closure, cancellable,
                                                    job_outcome_cb, &o);
  o.worker = worker;
  gate_wait_started (&g, 1);
  g_cancellable_cancel (cancellable);
  iterate_until (NULL, &o.done);

  g_assert_null (o.value);
  g_assert_error (o.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (o.state_at_callback, ==, RESMGR_WORKER_STATE_CANCELLED);
  g_assert_true (g_cancellable_is_cancelled (resmgr_worker_get_cancellable (worker)));
  g_assert_cmpint (g_atomic_int_get (&spec.finalized), ==, 1);

  job_outcome_clear (&o);
  gate_clear (&g);
  g_clear_object (&worker);
  env_clear (&env);
}

static void
test_job_javascript_refused (void)
{
  Env env = { 0 };
  JobOutcome o = { 0 };
  g_autoptr(ResmgrWorker) worker = NULL;
  g_autoptr(ResmgrStats) stats = NULL;
  GClosure *closure;

  g_test_summary ("A closure marshalled by GJS's library (a JavaScript function) is refused: "
                  "no worker, the callback gets RESMGR_ERROR_INVALID_ARGUMENT naming the job "
                  "and saying why, nothing is tracked and the closure is never invoked.");

  env_init (&env);
  closure = fake_gjs_closure_new ();
  g_closure_ref (closure);
  g_closure_sink (closure);
  worker = resmgr_worker_coordinator_run_job_async (env.coord, "js", closure, NULL,
                                                    job_outcome_cb, &o);
  g_assert_null (worker);
  iterate_until (NULL, &o.done);
  g_assert_error (o.error, RESMGR_ERROR, RESMGR_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (o.error->message, "“js”"));
  g_assert_nonnull (strstr (o.error->message, "JavaScript"));
  g_assert_null (o.value);
  /* Only our reference is left: the coordinator dropped its own. */
  g_assert_cmpuint (closure->ref_count, ==, 1);
  g_closure_unref (closure);

  stats = resmgr_coordinator_dup_stats (RESMGR_COORDINATOR (env.coord));
  g_assert_cmpuint (resmgr_stats_get_count (stats, RESMGR_RESOURCE_TYPE_WORKER), ==, 0);
  g_assert_cmpuint (resmgr_worker_coordinator_get_n_active (env.coord), ==, 0);

  job_outcome_clear (&o);
  env_clear (&env);
}

static gpointer
returns_after_cancel_job (ResmgrWorker  *worker,
                          GCancellable  *cancellable,
                          gpointer       user_data,
                          GError       **error)
{
  Gate *g = user_data;

  g_free (gate_job (worker, cancellable, g, error));
  g_clear_error (error);

  return g_strdup ("ignored");
}

static void
test_cancel_check_cancellable (void)
{
  Env env = { 0 };
  Outcome o = { 0 };
  g_autoptr(ResmgrWorker) worker = NULL;
  Gate g;

  g_test_summary ("A C job cancelled through its worker that returns a result anyway ends "
                  "CANCELLED with G_IO_ERROR_CANCELLED, as GTask's check-cancellable; the "
                  "result is freed with result_destroy.");

  env_init (&env);
  gate_init (&g, TRUE);
  o.main_thread = env.main_thread;
  worker = resmgr_worker_coordinator_run (env.coord, "stubborn", returns_after_cancel_job, &g, NULL,
                                          g_free, outcome_cb, &o);
  o.worker = worker;
  gate_wait_started (&g, 1);
  resmgr_worker_cancel (worker);
  iterate_until (NULL, &o.done);

  g_assert_null (o.result);
  g_assert_error (o.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (o.state_at_callback, ==, RESMGR_WORKER_STATE_CANCELLED);

  outcome_clear (&o);
  gate_clear (&g);
  g_clear_object (&worker);
  env_clear (&env);
}

static void
record_message_cb (ResmgrWorker *worker,
                   GParamSpec   *pspec,
                   gpointer      data)
{
  g_ptr_array_add (data, resmgr_worker_dup_message (worker));
}

static void
test_subprocess_output (void)
{
  Env env = { 0 };
  JobOutcome o = { 0 };
  g_autoptr(ResmgrWorker) worker = NULL;
  g_autoptr(GPtrArray) messages = g_ptr_array_new_with_free_func (g_free);
  const char *argv[] = { "/bin/sh", "-c",
                         "echo progress 0.5; echo message half way; echo one; echo two", NULL };

  g_test_summary ("A subprocess job's 'progress' and 'message' lines set the worker's; the "
                  "other lines are its result, a string; it ends FINISHED.");

  env_init (&env);
  worker = resmgr_worker_coordinator_run_subprocess_async (env.coord, "sh", argv, NULL,
                                                           job_outcome_cb, &o);
  o.worker = worker;
  g_signal_connect (worker, "notify::message", G_CALLBACK (record_message_cb), messages);
  iterate_until (NULL, &o.done);

  g_assert_no_error (o.error);
  g_assert_true (G_VALUE_HOLDS_STRING (o.value));
  g_assert_cmpstr (g_value_get_string (o.value), ==, "one\ntwo\n");
  g_assert_cmpint (o.state_at_callback, ==, RESMGR_WORKER_STATE_FINISHED);
  g_assert_cmpfloat (resmgr_worker_get_progress (worker), ==, 0.5);
  g_assert_cmpuint (messages->len, >=, 1);
  g_assert_cmpstr (g_ptr_array_index (messages, messages->len - 1), ==, "half way");

  job_outcome_clear (&o);
  g_clear_object (&worker);
  env_clear (&env);
}

static void
test_subprocess_failures (void)
{
  Env env = { 0 };
  const char *exits[] = { "/bin/sh", "-c", "echo partial; exit 3", NULL };
  const char *missing[] = { "/nonexistent/resmgr-test-program", NULL };
  const char * const *argvs[] = { exits, missing };

  g_test_summary ("A subprocess job fails (FAILED, an error naming the job and the program) "
                  "when the program exits with a status other than 0 or cannot start.");

  env_init (&env);
  for (guint i = 0; i < G_N_ELEMENTS (argvs); i++)
    {
      JobOutcome o = { 0 };
      g_autoptr(ResmgrWorker) worker =
        resmgr_worker_coordinator_run_subprocess_async (env.coord, "failing", argvs[i], NULL,
                                                        job_outcome_cb, &o);

      o.worker = worker;
      iterate_until (NULL, &o.done);
      g_assert_nonnull (o.error);
      g_assert_null (o.value);
      g_assert_nonnull (strstr (o.error->message, "“failing”"));
      g_assert_nonnull (strstr (o.error->message, argvs[i][0]));
      if (i == 0)
        {
          g_assert_error (o.error, G_IO_ERROR, G_IO_ERROR_FAILED);
          g_assert_nonnull (strstr (o.error->message, "status 3"));
        }
      g_assert_cmpint (o.state_at_callback, ==, RESMGR_WORKER_STATE_FAILED);
      job_outcome_clear (&o);
    }
  env_clear (&env);
}

static void
note_progress_cb (ResmgrWorker *worker,
                  GParamSpec   *pspec,
                  gpointer      data)
{
  g_atomic_int_set ((gint *) data, 1);
}

static void
test_subprocess_cancel_kills (void)
{
  Env env = { 0 };
  JobOutcome o = { 0 };
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(ResmgrWorker) worker = NULL;
  gint started = 0;
  /* Would run for ten minutes: only killing it ends the job. */
  const char *argv[] = { "/bin/sh", "-c", "echo progress 0.1; exec sleep 600", NULL };

  g_test_summary ("Cancelling a subprocess job through the caller's GCancellable kills the "
                  "program; the job ends CANCELLED with G_IO_ERROR_CANCELLED.");

  env_init (&env);
  worker = resmgr_worker_coordinator_run_subprocess_async (env.coord, "sleeper", argv, cancellable,
                                                           job_outcome_cb, &o);
  o.worker = worker;
  g_signal_connect (worker, "notify::progress", G_CALLBACK (note_progress_cb), &started);
  iterate_until (NULL, &started);
  g_cancellable_cancel (cancellable);
  iterate_until (NULL, &o.done);

  g_assert_error (o.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (o.state_at_callback, ==, RESMGR_WORKER_STATE_CANCELLED);

  job_outcome_clear (&o);
  g_clear_object (&worker);
  env_clear (&env);
}

/* }}} */

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Resmgr/WorkerCoordinator/run/result", test_run_result);
  g_test_add_func ("/Resmgr/WorkerCoordinator/run/failed", test_failed);
  g_test_add_func ("/Resmgr/WorkerCoordinator/run/many-jobs", test_many_jobs);
  g_test_add_func ("/Resmgr/WorkerCoordinator/run/refused-unbound", test_refused_unbound);
  g_test_add_func ("/Resmgr/WorkerCoordinator/run/refused-shutdown", test_refused_shutdown);
  g_test_add_func ("/Resmgr/WorkerCoordinator/progress/in-order", test_progress_in_order);
  g_test_add_func ("/Resmgr/WorkerCoordinator/progress/coalesced", test_progress_coalesced);
  g_test_add_func ("/Resmgr/WorkerCoordinator/cancel/mid-run", test_cancel_mid_run);
  g_test_add_func ("/Resmgr/WorkerCoordinator/cancel-all/queued", test_cancel_all_queued);
  g_test_add_func ("/Resmgr/WorkerCoordinator/cancel-all/abandoned", test_cancel_all_abandoned);
  g_test_add_func ("/Resmgr/WorkerCoordinator/cancel-all/async", test_cancel_all_async);
  g_test_add_func ("/Resmgr/WorkerCoordinator/cleanup/component-unref", test_cleanup_component_unref);
  g_test_add_func ("/Resmgr/WorkerCoordinator/cleanup/cleanup-all", test_cleanup_all);
  g_test_add_func ("/Resmgr/WorkerCoordinator/cleanup/abandoned-reported", test_cleanup_abandoned_reported);
  g_test_add_func ("/Resmgr/WorkerCoordinator/n-active", test_n_active);
  g_test_add_func ("/Resmgr/WorkerCoordinator/contract/no-success-after-cleanup", test_no_success_after_cleanup);
  g_test_add_func ("/Resmgr/WorkerCoordinator/contract/finished-before-cleanup", test_finished_before_cleanup);
  g_test_add_func ("/Resmgr/WorkerCoordinator/contract/completion-owner-blocked", test_completion_owner_blocked);
  g_test_add_func ("/Resmgr/WorkerCoordinator/contract/last-unref-on-worker", test_last_unref_on_worker);
  g_test_add_func ("/Resmgr/WorkerCoordinator/contract/cancel-all-foreign-thread", test_cancel_all_foreign_thread);
  g_test_add_func ("/Resmgr/WorkerCoordinator/contract/cancel-all-async-no-thread", test_cancel_all_async_no_thread);
  g_test_add_func ("/Resmgr/WorkerCoordinator/stress/cancel-race", test_stress_cancel_race);
  g_test_add_func ("/Resmgr/WorkerCoordinator/cancel/check-cancellable", test_cancel_check_cancellable);
  g_test_add_func ("/Resmgr/WorkerCoordinator/job/value", test_job_value);
  g_test_add_func ("/Resmgr/WorkerCoordinator/job/failures", test_job_failures);
  g_test_add_func ("/Resmgr/WorkerCoordinator/job/cancelled-returns-value", test_job_cancelled_returns_value);
  g_test_add_func ("/Resmgr/WorkerCoordinator/job/javascript-refused", test_job_javascript_refused);
  g_test_add_func ("/Resmgr/WorkerCoordinator/program-job/output", test_subprocess_output);
  g_test_add_func ("/Resmgr/WorkerCoordinator/program-job/failures", test_subprocess_failures);
  g_test_add_func ("/Resmgr/WorkerCoordinator/program-job/cancel-kills", test_subprocess_cancel_kills);

  return g_test_run ();
}
