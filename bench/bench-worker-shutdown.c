/* bench-worker-shutdown.c: how fast cancel_all stops K running workers
 *
 * K workers (default 64, pool sized K) each loop on ~1 ms of work (a busy
 * loop on g_get_monotonic_time ()) and check cancellation between
 * iterations. Once all K signalled that they run (GCond handshake), the
 * clock starts; the implementation cancels everything, and the clock stops
 * when every job function has returned.
 *
 *   resmgr      a ResmgrWorkerCoordinator (pool-size K) bound to a
 *               component of an isolated ResmgrManager;
 *               resmgr_worker_coordinator_cancel_all () from the owner
 *               thread, which returns once every job returned (and, being
 *               on the owner thread, with every worker final, its resource
 *               released and its task completed).
 *   glib-floor  the same jobs on a plain GThreadPool (max K threads) with
 *               one shared GCancellable: g_cancellable_cancel (), then wait
 *               on a GCond until the last job returned.
 *
 * Each pass verifies that every job returned, observed its cancellation,
 * and (resmgr) that nothing was abandoned. One warm-up pass, then
 * --repetitions timed passes; the median, min and max are reported.
 *
 * Output: one JSON line per implementation on stdout, nothing else:
 *   {"peer": "resmgr" | "glib-floor", "workload": "worker-shutdown",
 *    "workers": K, "work_us": 1000, "repetitions": R, "shutdown_ms": median,
 *    "shutdown_ms_min": …, "shutdown_ms_max": …, "verified": true}
 * Exits 1 if a pass failed verification.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <gio/gio.h>

#include <stdio.h>
#include <stdlib.h>

#include <resmgr.h>

static int opt_workers = 64;
static int opt_repetitions = 21;
static int opt_work_us = 1000;
static char *opt_peer = NULL;

/* What the jobs of one pass share with the driver. */
typedef struct
{
  GMutex  mutex;
  GCond   cond;
  guint   n_started;
  guint   n_returned;
  guint   n_saw_cancel;
} Pass;

static void
pass_init (Pass *p)
{
  g_mutex_init (&p->mutex);
  g_cond_init (&p->cond);
  p->n_started = p->n_returned = p->n_saw_cancel = 0;
}

static void
pass_clear (Pass *p)
{
  g_mutex_clear (&p->mutex);
  g_cond_clear (&p->cond);
}

static void
pass_wait (Pass  *p,
           guint *counter,
           guint  n)
{
  g_mutex_lock (&p->mutex);
  while (*counter < n)
    g_cond_wait (&p->cond, &p->mutex);
  g_mutex_unlock (&p->mutex);
}

/* The work: ~opt_work_us of busy loop per iteration, cancellation checked
 * between iterations. */
static void
work_until_cancelled (Pass         *p,
                      GCancellable *cancellable)
{
  gboolean saw_cancel;

  g_mutex_lock (&p->mutex);
  p->n_started++;
  g_cond_broadcast (&p->cond);
  g_mutex_unlock (&p->mutex);

  while (!g_cancellable_is_cancelled (cancellable))
    {
      gint64 end = g_get_monotonic_time () + opt_work_us;
      volatile guint64 x = 0;

      while (g_get_monotonic_time () < end)
        x++;
    }
  saw_cancel = g_cancellable_is_cancelled (cancellable);

  g_mutex_lock (&p->mutex);
  p->n_returned++;
  if (saw_cancel)
    p->n_saw_cancel++;
  g_cond_broadcast (&p->cond);
  g_mutex_unlock (&p->mutex);
}

static int
compare_double (const void *a,
                const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y ? 1 : 0;
}

static void
report (const char *peer,
        GArray     *times_ms,
        gboolean    verified)
{
  double *t = (double *) (gpointer) times_ms->data;
  guint n = times_ms->len;
  double median;

  qsort (t, n, sizeof (double), compare_double);
  median = n % 2 ? t[n / 2] : (t[n / 2 - 1] + t[n / 2]) / 2;

  printf ("{\"peer\": \"%s\", \"workload\": \"worker-shutdown\", \"workers\": %d, "
          "\"work_us\": %d, \"repetitions\": %u, \"shutdown_ms\": %.3f, "
          "\"shutdown_ms_min\": %.3f, \"shutdown_ms_max\": %.3f, \"verified\": %s}\n",
          peer, opt_workers, opt_work_us, n, median, t[0], t[n - 1],
          verified ? "true" : "false");
  fflush (stdout);
}

/* resmgr {{{ */

static gpointer
resmgr_job (ResmgrWorker  *worker,
            GCancellable  *cancellable,
            gpointer       user_data,
            GError       **error)
{
  work_until_cancelled (user_data, cancellable);
  g_cancellable_set_error_if_cancelled (cancellable, error);
  return NULL;
}

static gboolean
run_resmgr (void)
{
  g_autoptr(ResmgrManager) manager = resmgr_manager_new ();
  g_autoptr(GObject) component = g_object_new (G_TYPE_OBJECT, NULL);
  g_autoptr(ResmgrWorkerCoordinator) coord = resmgr_worker_coordinator_new (RESMGR_SERVICE (manager));
  g_autoptr(GArray) times = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GError) error = NULL;
  gboolean verified = TRUE;
  guint K = (guint) opt_workers;

  if (!resmgr_coordinator_bind (RESMGR_COORDINATOR (coord), component, "bench", &error))
    g_error ("bind: %s", error->message);
  resmgr_worker_coordinator_set_pool_size (coord, K);

  for (int rep = -1; rep < opt_repetitions; rep++)
    {
      g_autoptr(GPtrArray) workers = g_ptr_array_new_with_free_func (g_object_unref);
      g_autoptr(GPtrArray) abandoned = NULL;
      Pass p;
      gint64 t0, t1;
      gboolean ok;

      pass_init (&p);
      for (guint i = 0; i < K; i++)
        g_ptr_array_add (workers, resmgr_worker_coordinator_run (coord, "spin", resmgr_job, &p,
                                                                 NULL, NULL, NULL, NULL));
      pass_wait (&p, &p.n_started, K);

      t0 = g_get_monotonic_time ();
      abandoned = resmgr_worker_coordinator_cancel_all (coord, 60 * 1000);
      t1 = g_get_monotonic_time ();

      ok = abandoned->len == 0 && p.n_returned == K && p.n_saw_cancel == K &&
           resmgr_worker_coordinator_get_n_active (coord) == 0;
      for (guint i = 0; i < K && ok; i++)
        ok = resmgr_worker_get_state (g_ptr_array_index (workers, i)) == RESMGR_WORKER_STATE_CANCELLED;
      if (!ok)
        {
          g_printerr ("resmgr pass %d failed verification: returned %u, saw cancel %u, abandoned %u\n",
                      rep, p.n_returned, p.n_saw_cancel, abandoned->len);
          verified = FALSE;
        }

      while (g_main_context_iteration (NULL, FALSE))
        ;
      pass_clear (&p);

      if (rep >= 0)
        {
          double ms = (t1 - t0) / 1000.0;
          g_array_append_val (times, ms);
        }
    }

  report ("resmgr", times, verified);

  return verified;
}

/* }}} */

/* glib-floor {{{ */

typedef struct
{
  Pass         *pass;
  GCancellable *cancellable;
} FloorPass;

static void
floor_job (gpointer data,
           gpointer user_data)
{
  FloorPass *fp = data;

  work_until_cancelled (fp->pass, fp->cancellable);
}

static gboolean
run_floor (void)
{
  g_autoptr(GArray) times = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GError) error = NULL;
  gboolean verified = TRUE;
  guint K = (guint) opt_workers;
  GThreadPool *pool;

  pool = g_thread_pool_new (floor_job, NULL, (int) K, FALSE, &error);
  g_assert_no_error (error);

  for (int rep = -1; rep < opt_repetitions; rep++)
    {
      Pass p;
      FloorPass fp = { &p, g_cancellable_new () };
      gint64 t0, t1;

      pass_init (&p);
      for (guint i = 0; i < K; i++)
        g_thread_pool_push (pool, &fp, NULL);
      pass_wait (&p, &p.n_started, K);

      t0 = g_get_monotonic_time ();
      g_cancellable_cancel (fp.cancellable);
      pass_wait (&p, &p.n_returned, K);
      t1 = g_get_monotonic_time ();

      if (p.n_returned != K || p.n_saw_cancel != K)
        {
          g_printerr ("glib-floor pass %d failed verification\n", rep);
          verified = FALSE;
        }

      /* The jobs' last unlock may still be under way on their threads. */
      g_mutex_lock (&p.mutex);
      g_mutex_unlock (&p.mutex);
      g_object_unref (fp.cancellable);
      pass_clear (&p);

      if (rep >= 0)
        {
          double ms = (t1 - t0) / 1000.0;
          g_array_append_val (times, ms);
        }
    }

  g_thread_pool_free (pool, FALSE, TRUE);
  report ("glib-floor", times, verified);

  return verified;
}

/* }}} */

int
main (int   argc,
      char *argv[])
{
  const GOptionEntry entries[] = {
    { "workers", 'k', 0, G_OPTION_ARG_INT, &opt_workers, "Number of workers, pool sized to match (default 64)", "K" },
    { "repetitions", 'r', 0, G_OPTION_ARG_INT, &opt_repetitions, "Timed passes (default 21)", "R" },
    { "work-us", 0, 0, G_OPTION_ARG_INT, &opt_work_us, "Work per iteration between cancellation checks, µs (default 1000)", "US" },
    { "peer", 'p', 0, G_OPTION_ARG_STRING, &opt_peer, "resmgr, glib-floor or all (default all)", "PEER" },
    { NULL }
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new ("- time to stop K running workers");
  g_autoptr(GError) error = NULL;
  gboolean ok = TRUE, all;

  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }
  if (opt_workers < 1 || opt_repetitions < 1 || opt_work_us < 1)
    {
      g_printerr ("--workers, --repetitions and --work-us must be positive\n");
      return 2;
    }

  all = opt_peer == NULL || g_str_equal (opt_peer, "all");
  if (all || g_str_equal (opt_peer, "glib-floor"))
    ok &= run_floor ();
  if (all || g_str_equal (opt_peer, "resmgr"))
    ok &= run_resmgr ();

  g_free (opt_peer);

  return ok ? 0 : 1;
}
