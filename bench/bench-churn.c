/* bench-churn.c: cost per tracked resource, resmgr against the thinnest GLib tracker
 *
 * C components, each owning R resources, N = C·R. Resource k = c·R + r is a
 * small heap object holding k, tracked as owned data whose destroy notify
 * counts the cleanup, checks its order and frees it; type by k % 4, size
 * 16·(1 + k % 8) bytes, priority ((7·k) % 11)·10.
 *
 * Workloads:
 *   churn    register all, then drop the components (g_object_unref) in
 *            creation order; each one's resources are cleaned inline, higher
 *            priority first, newest first within one priority.
 *   release  register all, release every resource explicitly in creation
 *            order, then drop the (now empty) components.
 *
 * Peers:
 *   resmgr              resmgr_service_register_component () and
 *                       resmgr_service_track_data () on a ResmgrManager;
 *   resmgr-coordinator  one ResmgrCoordinator per component, bound to it
 *                       and owned by it (dropped at its finalize), as a
 *                       controller does; resmgr_coordinator_track_data () and
 *                       resmgr_coordinator_release ();
 *   resmgr+monitor      resmgr with a ResmgrMonitor attached (see --monitor);
 *   glib-floor          glib-floor.c: GHashTable under a GMutex,
 *                       g_object_weak_ref (), a sort at cleanup.
 *
 * Every pass verifies: cleanups = N, order right (per component in churn,
 * creation order in release), each component cleaned inline by its unref,
 * nothing left tracked, no component left. One cold pass per variant comes
 * first: it is the warm-up (its times are discarded) and it measures memory
 * (glibc mallinfo2 in-use delta, uordblks + hblkhd, and VmRSS delta between
 * before registration and full registration, after malloc_trim (0)). Then
 * --passes timed passes, the variants of one set interleaved (the order
 * rotates every pass); the medians are reported.
 *
 * Output: JSON lines on stdout, nothing else. Without --suite, one line per
 * (peer, workload, size):
 *   ns_per_resource                  create+register + destroy (churn), or
 *                                    create+register + release + drop (release)
 *   create_register_ns_per_resource  creating the components and resources,
 *                                    registering and tracking them
 *   destroy_ns_per_resource          everything after that until no
 *                                    component is left
 *   ns_per_op                        release workload: the explicit release
 *                                    calls only, per release; null for churn
 * Each figure is the median over the timed passes, divided by N.
 *
 * --suite prints the lines of issue 13 instead, each named, each a ratio to
 * a baseline measured in the same run, with the issue's target (see
 * bench/README.md): churn/release × service/coordinator × R = 1, 10, 100;
 * one component at three sizes; two threads against one; the monitor
 * attached against not. --quick runs them at small sizes (CI).
 *
 * --monitor also runs the resmgr peer with a ResmgrMonitor attached (its
 * list models asked for and watched, default sampling interval), interleaved
 * with the plain one; the main context is iterated once after registration
 * and once after the teardown, inside the timed region, so the batched list
 * updates (every item listed, then unlisted) are paid for in the figures.
 * Those lines carry "monitor":true.
 *
 * Timing never fails the run; exit status 1 means a pass failed verification.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <glib-object.h>

#include <malloc.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifndef BENCH_NO_RESMGR
# include <resmgr.h>
#endif

#include "glib-floor.h"

/* ---------------------------------------------------------------------- */
/* The component: a plain GObject with a type name of its own; on the     */
/* coordinator path it owns its coordinator, as a controller does.         */

#define BENCH_TYPE_COMPONENT (bench_component_get_type ())
G_DECLARE_FINAL_TYPE (BenchComponent, bench_component, BENCH, COMPONENT, GObject)

struct _BenchComponent
{
  GObject  parent_instance;
  GObject *coordinator;       /* owned; NULL but on the coordinator path */
};

G_DEFINE_FINAL_TYPE (BenchComponent, bench_component, G_TYPE_OBJECT)

static void
bench_component_finalize (GObject *object)
{
  BenchComponent *self = BENCH_COMPONENT (object);

  g_clear_object (&self->coordinator);

  G_OBJECT_CLASS (bench_component_parent_class)->finalize (object);
}

static void
bench_component_class_init (BenchComponentClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = bench_component_finalize;
}

static void
bench_component_init (BenchComponent *self)
{
}

/* ---------------------------------------------------------------------- */
/* Resources and the cleanup checker (one per pass, and per thread).       */

typedef enum
{
  PHASE_CHURN,     /* cleanups come from component drops */
  PHASE_RELEASE,   /* cleanups come from explicit releases, in creation order */
} Phase;

typedef struct
{
  guint64  R;
  Phase    phase;
  guint64  cleanups;
  gboolean ok;
  guint    n_complaints;
  /* churn: the component being dropped, and the last cleanup seen in it */
  guint64  expect_component;
  gboolean have_last;
  int      last_priority;
  guint64  last_k;
  /* release: the next k expected */
  guint64  expect_k;
} Check;

typedef struct
{
  guint64  k;
  Check   *check;
} BenchResource;

static void
check_init (Check   *check,
            guint64  R)
{
  memset (check, 0, sizeof *check);
  check->R = R;
  check->ok = TRUE;
  check->phase = PHASE_CHURN;
}

static inline int
priority_of (guint64 k)
{
  return (int) ((7 * k) % 11) * 10;
}

static inline gsize
size_of (guint64 k)
{
  return 16 * (1 + k % 8);
}

G_GNUC_PRINTF (2, 3)
static void
complain (Check      *check,
          const char *format,
          ...)
{
  va_list args;

  check->ok = FALSE;
  if (check->n_complaints++ >= 10)
    return;
  va_start (args, format);
  vfprintf (stderr, format, args);
  va_end (args);
  fputc ('\n', stderr);
}

static void
bench_resource_destroy (gpointer data)
{
  BenchResource *res = data;
  Check *check = res->check;
  guint64 k = res->k;

  check->cleanups++;

  if (check->phase == PHASE_RELEASE)
    {
      if (k != check->expect_k)
        complain (check, "release: cleanup of k=%" G_GUINT64_FORMAT ", expected %" G_GUINT64_FORMAT,
                  k, check->expect_k);
      check->expect_k = k + 1;
    }
  else
    {
      guint64 c = k / check->R;
      int priority = priority_of (k);

      if (c != check->expect_component)
        complain (check, "churn: cleanup of k=%" G_GUINT64_FORMAT " (component %" G_GUINT64_FORMAT
                  ") while dropping component %" G_GUINT64_FORMAT,
                  k, c, check->expect_component);
      else if (check->have_last &&
               (priority > check->last_priority ||
                (priority == check->last_priority && k >= check->last_k)))
        complain (check, "churn: component %" G_GUINT64_FORMAT ": cleanup of k=%" G_GUINT64_FORMAT
                  " (priority %d) after k=%" G_GUINT64_FORMAT " (priority %d)",
                  c, k, priority, check->last_k, check->last_priority);
      check->have_last = TRUE;
      check->last_priority = priority;
      check->last_k = k;
    }

  g_free (res);
}

/* ---------------------------------------------------------------------- */
/* Peers.                                                                 */

typedef struct
{
  const char *name;
  gpointer  (*create)             (void);
  void      (*destroy)            (gpointer ctx);
  gboolean  (*register_component) (gpointer ctx, BenchComponent *component, Check *check);
  guint64   (*track)              (gpointer ctx, BenchComponent *component, guint64 k,
                                   gpointer data, GDestroyNotify destroy, Check *check);
  gboolean  (*release)            (gpointer ctx, BenchComponent *component, guint64 id,
                                   Check *check);
  guint64   (*n_resources)        (gpointer ctx);
  guint64   (*n_components)       (gpointer ctx);
  /* optional: run what the peer dispatched to the main context (timed) */
  void      (*flush)              (gpointer ctx);
  gboolean    monitor;
} Peer;

/* glib-floor */

static gpointer
floor_create (void)
{
  return glib_floor_new ();
}

static void
floor_destroy (gpointer ctx)
{
  glib_floor_free (ctx);
}

static gboolean
floor_register_component (gpointer ctx, BenchComponent *component, Check *check)
{
  return glib_floor_register_component (ctx, G_OBJECT (component));
}

static guint64
floor_track (gpointer ctx, BenchComponent *component, guint64 k,
             gpointer data, GDestroyNotify destroy, Check *check)
{
  return glib_floor_track (ctx, G_OBJECT (component), priority_of (k), data, destroy);
}

static gboolean
floor_release (gpointer ctx, BenchComponent *component, guint64 id, Check *check)
{
  return glib_floor_release (ctx, id);
}

static guint64
floor_n_resources (gpointer ctx)
{
  return glib_floor_get_n_resources (ctx);
}

static guint64
floor_n_components (gpointer ctx)
{
  return glib_floor_get_n_components (ctx);
}

static const Peer floor_peer = {
  "glib-floor",
  floor_create, floor_destroy, floor_register_component, floor_track,
  floor_release, floor_n_resources, floor_n_components,
};

#ifndef BENCH_NO_RESMGR

/* resmgr */

static const ResmgrResourceType resource_types[4] = {
  RESMGR_RESOURCE_TYPE_CUSTOM,
  RESMGR_RESOURCE_TYPE_MEMORY,
  RESMGR_RESOURCE_TYPE_FILE,
  RESMGR_RESOURCE_TYPE_WIDGET,
};

/* ctx is the ResmgrManager made by resmgr_create (); a plain C cast keeps the
 * checked interface cast (g_type_check_instance_cast) out of the timings: a
 * caller would cast once, not per call. The same for the coordinator a
 * component holds. */
#define SERVICE(ctx) ((ResmgrService *) (ctx))
#define COORDINATOR(component) ((ResmgrCoordinator *) (component)->coordinator)

static void
report_error (Check *check, const char *what, GError *error)
{
  complain (check, "resmgr: %s: %s", what, error ? error->message : "(no error set)");
  g_clear_error (&error);
}

static gpointer
resmgr_create (void)
{
  ResmgrManager *manager = resmgr_manager_new ();

  g_assert (RESMGR_IS_SERVICE (manager));
  return manager;
}

static void
resmgr_destroy (gpointer ctx)
{
  g_object_unref (ctx);
}

static gboolean
resmgr_register_component (gpointer ctx, BenchComponent *component, Check *check)
{
  GError *error = NULL;

  if (!resmgr_service_register_component (SERVICE (ctx), G_OBJECT (component), NULL, &error))
    {
      report_error (check, "register_component", error);
      return FALSE;
    }
  return TRUE;
}

static guint64
resmgr_track (gpointer ctx, BenchComponent *component, guint64 k,
              gpointer data, GDestroyNotify destroy, Check *check)
{
  GError *error = NULL;
  guint64 id;

  id = resmgr_service_track_data (SERVICE (ctx), G_OBJECT (component),
                                  resource_types[k % 4], NULL, size_of (k),
                                  priority_of (k), data, destroy, &error);
  if (G_UNLIKELY (id == 0))
    report_error (check, "track_data", error);
  return id;
}

static gboolean
resmgr_release (gpointer ctx, BenchComponent *component, guint64 id, Check *check)
{
  GError *error = NULL;

  if (G_UNLIKELY (!resmgr_service_release (SERVICE (ctx), id, &error)))
    {
      report_error (check, "release", error);
      return FALSE;
    }
  return TRUE;
}

static guint64
resmgr_n_resources (gpointer ctx)
{
  g_autoptr (ResmgrStats) stats = resmgr_service_dup_stats (SERVICE (ctx));

  return stats ? resmgr_stats_get_n_resources (stats) : G_MAXUINT64;
}

static guint64
resmgr_n_components (gpointer ctx)
{
  g_autoptr (ResmgrStats) stats = resmgr_service_dup_stats (SERVICE (ctx));

  return stats ? resmgr_stats_get_n_components (stats) : G_MAXUINT64;
}

static const Peer resmgr_peer = {
  "resmgr",
  resmgr_create, resmgr_destroy, resmgr_register_component, resmgr_track,
  resmgr_release, resmgr_n_resources, resmgr_n_components,
};

/* resmgr through ResmgrCoordinator: the component owns one, bound to it. */

static gboolean
coordinator_register_component (gpointer ctx, BenchComponent *component, Check *check)
{
  ResmgrCoordinator *coordinator = resmgr_coordinator_new (SERVICE (ctx));
  GError *error = NULL;

  if (!resmgr_coordinator_bind (coordinator, G_OBJECT (component), NULL, &error))
    {
      report_error (check, "coordinator_bind", error);
      g_object_unref (coordinator);
      return FALSE;
    }
  component->coordinator = G_OBJECT (coordinator);
  return TRUE;
}

static guint64
coordinator_track (gpointer ctx, BenchComponent *component, guint64 k,
                   gpointer data, GDestroyNotify destroy, Check *check)
{
  GError *error = NULL;
  guint64 id;

  id = resmgr_coordinator_track_data (COORDINATOR (component),
                                      resource_types[k % 4], NULL, size_of (k),
                                      priority_of (k), data, destroy, &error);
  if (G_UNLIKELY (id == 0))
    report_error (check, "coordinator_track_data", error);
  return id;
}

static gboolean
coordinator_release (gpointer ctx, BenchComponent *component, guint64 id, Check *check)
{
  GError *error = NULL;

  if (G_UNLIKELY (!resmgr_coordinator_release (COORDINATOR (component), id, &error)))
    {
      report_error (check, "coordinator_release", error);
      return FALSE;
    }
  return TRUE;
}

static const Peer resmgr_coordinator_peer = {
  "resmgr-coordinator",
  resmgr_create, resmgr_destroy, coordinator_register_component, coordinator_track,
  coordinator_release, resmgr_n_resources, resmgr_n_components,
};

/* resmgr with a ResmgrMonitor attached: one pass runs at a time, so the
 * monitor of the current manager is kept here. */

static ResmgrMonitor *bench_monitor;
static guint64 bench_items_changed;

static void
bench_items_changed_cb (GListModel *model,
                        guint       position,
                        guint       removed,
                        guint       added,
                        gpointer    user_data)
{
  bench_items_changed++;
}

static gpointer
resmgr_monitor_create (void)
{
  gpointer ctx = resmgr_create ();

  g_assert (bench_monitor == NULL);
  bench_monitor = resmgr_monitor_new (SERVICE (ctx));
  g_signal_connect (resmgr_monitor_get_resources (bench_monitor), "items-changed",
                    G_CALLBACK (bench_items_changed_cb), NULL);
  g_signal_connect (resmgr_monitor_get_components (bench_monitor), "items-changed",
                    G_CALLBACK (bench_items_changed_cb), NULL);
  return ctx;
}

static void
resmgr_monitor_destroy (gpointer ctx)
{
  /* a resource still listed was counted as left by resmgr_monitor_n_resources () */
  g_clear_object (&bench_monitor);
  resmgr_destroy (ctx);
}

/* the pass left nothing tracked: the list must be empty again too */
static guint64
resmgr_monitor_n_resources (gpointer ctx)
{
  guint64 n = resmgr_n_resources (ctx);

  return n + g_list_model_get_n_items (resmgr_monitor_get_resources (bench_monitor));
}

static void
resmgr_monitor_flush (gpointer ctx)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static const Peer resmgr_monitor_peer = {
  "resmgr",
  resmgr_monitor_create, resmgr_monitor_destroy, resmgr_register_component, resmgr_track,
  resmgr_release, resmgr_monitor_n_resources, resmgr_n_components,
  resmgr_monitor_flush, TRUE,
};

#endif /* !BENCH_NO_RESMGR */

/* ---------------------------------------------------------------------- */
/* Measurement helpers.                                                   */

static inline gint64
now_ns (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (gint64) ts.tv_sec * G_GINT64_CONSTANT (1000000000) + ts.tv_nsec;
}

/* CPU time of the whole process (all its threads), ns. */
static gint64
process_cpu_ns (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (gint64) ts.tv_sec * G_GINT64_CONSTANT (1000000000) + ts.tv_nsec;
}

/* Bytes in use from malloc: main-arena chunks plus mmapped ones (large arrays). */
static gint64
heap_in_use (void)
{
#ifdef HAVE_MALLINFO2
  struct mallinfo2 mi = mallinfo2 ();

  return (gint64) mi.uordblks + (gint64) mi.hblkhd;
#else
  struct mallinfo mi = mallinfo ();

  return (gint64) (unsigned) mi.uordblks + (gint64) (unsigned) mi.hblkhd;
#endif
}

static gint64
rss_bytes (void)
{
  char line[256];
  gint64 kb = -1;
  FILE *f = fopen ("/proc/self/status", "r");

  if (f == NULL)
    return -1;
  while (fgets (line, sizeof line, f))
    if (strncmp (line, "VmRSS:", 6) == 0)
      {
        kb = g_ascii_strtoll (line + 6, NULL, 10);
        break;
      }
  fclose (f);
  return kb < 0 ? -1 : kb * 1024;
}

/* ---------------------------------------------------------------------- */
/* One pass.                                                              */

typedef enum
{
  WORKLOAD_CHURN,
  WORKLOAD_RELEASE,
} Workload;

static const char *workload_names[] = { "churn", "release" };

typedef struct
{
  gint64   total_ns;          /* everything timed */
  gint64   create_register_ns;
  gint64   destroy_ns;        /* release (if any) + drop */
  gint64   release_ns;        /* release workload only */
  gint64   cpu_ns;            /* run_threads_pass () only: CPU time, all threads */
  gint64   heap_delta;        /* cold pass only */
  gint64   rss_delta;         /* cold pass only */
  gboolean ok;
} PassResult;

/* The work of one pass on a tracker made by the caller: create and register
 * C components of R resources, release them (release workload), drop the
 * components; verified through @check. On the calling thread, with its
 * thread-default context as the components' owner context. */
static void
pass_body (const Peer *peer,
           gpointer    ctx,
           Workload    workload,
           guint64     C,
           guint64     R,
           Check      *check,
           gboolean    measure_memory,
           PassResult *res)
{
  guint64 N = C * R;
  BenchComponent **components = g_new0 (BenchComponent *, C);
  guint64 *ids = g_new0 (guint64, N);
  gint64 heap0 = 0, rss0 = 0;
  gint64 t0, t1, t2, t3;
  guint64 c, r, k;

  if (measure_memory)
    {
      malloc_trim (0);
      heap0 = heap_in_use ();
      rss0 = rss_bytes ();
    }

  /* create + register */
  t0 = now_ns ();
  for (c = 0, k = 0; c < C; c++)
    {
      BenchComponent *component = g_object_new (BENCH_TYPE_COMPONENT, NULL);

      components[c] = component;
      if (G_UNLIKELY (!peer->register_component (ctx, component, check)))
        complain (check, "%s: component %" G_GUINT64_FORMAT " not registered", peer->name, c);
      for (r = 0; r < R; r++, k++)
        {
          BenchResource *resource = g_new (BenchResource, 1);

          resource->k = k;
          resource->check = check;
          ids[k] = peer->track (ctx, component, k, resource, bench_resource_destroy, check);
          if (G_UNLIKELY (ids[k] == 0))
            {
              complain (check, "%s: k=%" G_GUINT64_FORMAT " not tracked", peer->name, k);
              g_free (resource);
            }
        }
    }
  if (peer->flush != NULL)
    peer->flush (ctx);
  t1 = now_ns ();

  if (measure_memory)
    {
      res->heap_delta = heap_in_use () - heap0;
      res->rss_delta = rss_bytes () - rss0;
    }

  /* explicit releases, creation order */
  t2 = t1;
  if (workload == WORKLOAD_RELEASE)
    {
      check->phase = PHASE_RELEASE;
      for (k = 0; k < N; k++)
        if (G_UNLIKELY (!peer->release (ctx, components[k / R], ids[k], check)))
          complain (check, "%s: release of k=%" G_GUINT64_FORMAT " failed", peer->name, k);
      t2 = now_ns ();
      if (check->cleanups != N)
        complain (check, "%s: %" G_GUINT64_FORMAT " cleanups after releasing %" G_GUINT64_FORMAT,
                  peer->name, check->cleanups, N);
      check->phase = PHASE_CHURN;
      check->expect_component = G_MAXUINT64;  /* no cleanup may come from a drop now */
    }

  /* drop the components, creation order; each must be cleaned inline */
  for (c = 0; c < C; c++)
    {
      if (workload == WORKLOAD_CHURN)
        {
          check->expect_component = c;
          check->have_last = FALSE;
        }
      g_object_unref (components[c]);
      if (workload == WORKLOAD_CHURN && G_UNLIKELY (check->cleanups != (c + 1) * R))
        complain (check, "%s: %" G_GUINT64_FORMAT " cleanups after dropping component %" G_GUINT64_FORMAT
                  ", expected %" G_GUINT64_FORMAT,
                  peer->name, check->cleanups, c, (c + 1) * R);
    }
  if (peer->flush != NULL)
    peer->flush (ctx);
  t3 = now_ns ();

  if (check->cleanups != N)
    complain (check, "%s: %" G_GUINT64_FORMAT " cleanups, expected %" G_GUINT64_FORMAT,
              peer->name, check->cleanups, N);

  res->create_register_ns = t1 - t0;
  res->release_ns = t2 - t1;
  res->destroy_ns = t3 - t1;
  res->total_ns = t3 - t0;

  g_free (components);
  g_free (ids);
}

/* Called once the work is done: nothing left tracked, no component left. */
static void
verify_empty_and_destroy (const Peer *peer,
                          gpointer    ctx,
                          Check      *check,
                          guint64     N)
{
  guint64 left_resources = peer->n_resources (ctx);
  guint64 left_components = peer->n_components (ctx);

  if (left_resources != 0 || left_components != 0)
    complain (check, "%s: left after the pass: %" G_GUINT64_FORMAT " resources, %" G_GUINT64_FORMAT
              " components", peer->name, left_resources, left_components);

  peer->destroy (ctx);
  if (check->cleanups != N)
    complain (check, "%s: %" G_GUINT64_FORMAT " cleanups after freeing the tracker, expected %"
              G_GUINT64_FORMAT, peer->name, check->cleanups, N);

  /* Anything dispatched to a main context instead of inline would show up
   * here; it is already counted as a failure above. */
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static PassResult
run_pass (const Peer *peer,
          Workload    workload,
          guint64     C,
          guint64     R,
          gboolean    measure_memory)
{
  PassResult res = { 0, };
  gpointer ctx = peer->create ();
  Check check;

  check_init (&check, R);
  pass_body (peer, ctx, workload, C, R, &check, measure_memory, &res);
  verify_empty_and_destroy (peer, ctx, &check, C * R);
  res.ok = check.ok;

  return res;
}

/* Threads: each thread makes its own GMainContext, pushes it as its
 * thread-default (so it owns its components: their cleanups run inline on
 * it), and runs the release workload on its own C components of one shared
 * tracker. Timed from before the first thread is made until all joined. */

typedef struct
{
  const Peer *peer;
  gpointer    ctx;
  guint64     C, R;
  Check       check;
  PassResult  res;
} ThreadJob;

static gpointer
thread_job_run (gpointer data)
{
  ThreadJob *job = data;
  GMainContext *context = g_main_context_new ();

  g_main_context_push_thread_default (context);
  pass_body (job->peer, job->ctx, WORKLOAD_RELEASE, job->C, job->R, &job->check, FALSE, &job->res);
  while (g_main_context_iteration (context, FALSE))
    ;
  g_main_context_pop_thread_default (context);
  g_main_context_unref (context);

  return NULL;
}

static PassResult
run_threads_pass (const Peer *peer,
                  guint       n_threads,
                  guint64     C,           /* in all */
                  guint64     R)
{
  PassResult res = { 0, };
  ThreadJob *jobs = g_new0 (ThreadJob, n_threads);
  GThread **threads = g_new0 (GThread *, n_threads);
  gpointer ctx = peer->create ();
  Check total;
  gint64 t0, t1, cpu0, cpu1;
  guint i;

  check_init (&total, R);
  for (i = 0; i < n_threads; i++)
    {
      jobs[i].peer = peer;
      jobs[i].ctx = ctx;
      jobs[i].C = C / n_threads;
      jobs[i].R = R;
      check_init (&jobs[i].check, R);
    }

  cpu0 = process_cpu_ns ();
  t0 = now_ns ();
  for (i = 0; i < n_threads; i++)
    threads[i] = g_thread_new ("bench-worker", thread_job_run, &jobs[i]);
  for (i = 0; i < n_threads; i++)
    g_thread_join (threads[i]);
  t1 = now_ns ();
  cpu1 = process_cpu_ns ();

  for (i = 0; i < n_threads; i++)
    {
      total.cleanups += jobs[i].check.cleanups;
      total.ok = total.ok && jobs[i].check.ok;
    }
  verify_empty_and_destroy (peer, ctx, &total, (C / n_threads) * n_threads * R);

  res.total_ns = t1 - t0;
  res.cpu_ns = cpu1 - cpu0;
  res.ok = total.ok;
  g_free (jobs);
  g_free (threads);

  return res;
}

/* The machine's own two-thread scaling, for the threads line: the same
 * total of pure CPU work (no memory, no lock) as two independent chains of
 * xorshift steps, both on one thread or one chain per thread. What two
 * threads gain over one here is what the machine gives at this moment
 * (idle cores or not); a tracker cannot scale better than that. */

#define CPU_CHAINS 2

typedef struct
{
  guint64 steps;
  guint64 seed;
  guint64 result;
} CpuChain;

static guint64
cpu_chain (guint64 x, guint64 steps)
{
  for (guint64 i = 0; i < steps; i++)
    {
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
    }
  return x;
}

static gpointer
cpu_chain_run (gpointer data)
{
  CpuChain *chain = data;

  chain->result = cpu_chain (chain->seed, chain->steps);
  return NULL;
}

/* The chains' results, computed once (see suite_threads ()): each pass
 * must find the same. */
static guint64 cpu_expected[CPU_CHAINS];

static PassResult
run_cpu_pass (guint   n_threads,
              guint64 steps)          /* per chain */
{
  PassResult res = { 0, };
  CpuChain chains[CPU_CHAINS];
  GThread *threads[CPU_CHAINS];
  gint64 t0, t1;

  for (guint c = 0; c < CPU_CHAINS; c++)
    chains[c] = (CpuChain) { steps, 0x9E3779B97F4A7C15ull + c, 0 };

  t0 = now_ns ();
  if (n_threads == 1)
    for (guint c = 0; c < CPU_CHAINS; c++)
      cpu_chain_run (&chains[c]);
  else
    {
      for (guint c = 0; c < CPU_CHAINS; c++)
        threads[c] = g_thread_new ("bench-cpu", cpu_chain_run, &chains[c]);
      for (guint c = 0; c < CPU_CHAINS; c++)
        g_thread_join (threads[c]);
    }
  t1 = now_ns ();

  res.total_ns = t1 - t0;
  res.ok = TRUE;
  for (guint c = 0; c < CPU_CHAINS; c++)
    res.ok = res.ok && chains[c].result == cpu_expected[c];

  return res;
}

/* ---------------------------------------------------------------------- */
/* Variants, interleaved.                                                 */

typedef struct
{
  /* what */
  const Peer *peer;
  Workload    workload;
  guint64     C, R;
  guint       n_threads;      /* 0: one pass on this thread; else run_threads_pass () */
  guint64     cpu_steps;      /* not 0: run_cpu_pass () instead, on n_threads */
  /* results */
  PassResult  cold;
  gint64     *total, *create_register, *destroy, *release, *cpu;
  double      m_total, m_create_register, m_destroy, m_release, m_cpu;   /* medians, ns */
  gboolean    ok;
} Variant;

static int
compare_gint64 (gconstpointer a, gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

  return x < y ? -1 : x > y;
}

static double
median_ns (gint64 *values, guint n)
{
  qsort (values, n, sizeof *values, compare_gint64);
  if (n % 2)
    return values[n / 2];
  return (values[n / 2 - 1] + values[n / 2]) / 2.0;
}

static PassResult
variant_run_once (const Variant *v,
                  gboolean       measure_memory)
{
  if (v->cpu_steps > 0)
    return run_cpu_pass (v->n_threads, v->cpu_steps);
  if (v->n_threads > 0)
    return run_threads_pass (v->peer, v->n_threads, v->C, v->R);
  return run_pass (v->peer, v->workload, v->C, v->R, measure_memory);
}

/* One cold pass each (warm-up, memory), then @passes timed passes, the
 * variants in turn, the first one rotating every pass; medians in m_*. */
static gboolean
run_variants (Variant *variants,
              guint    n,
              guint    passes)
{
  gboolean all_ok = TRUE;
  guint i, j;

  for (j = 0; j < n; j++)
    {
      Variant *v = &variants[j];

      v->total = g_new0 (gint64, passes);
      v->create_register = g_new0 (gint64, passes);
      v->destroy = g_new0 (gint64, passes);
      v->release = g_new0 (gint64, passes);
      v->cpu = g_new0 (gint64, passes);
      v->cold = variant_run_once (v, TRUE);
      v->ok = v->cold.ok;
    }

  for (i = 0; i < passes; i++)
    for (j = 0; j < n; j++)
      {
        Variant *v = &variants[(i + j) % n];
        PassResult pr = variant_run_once (v, FALSE);

        v->total[i] = pr.total_ns;
        v->create_register[i] = pr.create_register_ns;
        v->destroy[i] = pr.destroy_ns;
        v->release[i] = pr.release_ns;
        v->cpu[i] = pr.cpu_ns;
        v->ok = v->ok && pr.ok;
      }

  for (j = 0; j < n; j++)
    {
      Variant *v = &variants[j];

      v->m_total = median_ns (v->total, passes);
      v->m_create_register = median_ns (v->create_register, passes);
      v->m_destroy = median_ns (v->destroy, passes);
      v->m_release = median_ns (v->release, passes);
      v->m_cpu = median_ns (v->cpu, passes);
      g_clear_pointer (&v->cpu, g_free);
      g_clear_pointer (&v->total, g_free);
      g_clear_pointer (&v->create_register, g_free);
      g_clear_pointer (&v->destroy, g_free);
      g_clear_pointer (&v->release, g_free);
      all_ok = all_ok && v->ok;
    }

  return all_ok;
}

/* ---------------------------------------------------------------------- */
/* Per-peer lines (without --suite).                                      */

static void
print_result (const Variant *v, guint passes)
{
  double N = (double) (v->C * v->R);
  char ns_per_op[64];

  if (v->workload == WORKLOAD_RELEASE)
    g_snprintf (ns_per_op, sizeof ns_per_op, "%.1f", v->m_release / N);
  else
    g_strlcpy (ns_per_op, "null", sizeof ns_per_op);

  printf ("{\"peer\":\"%s\",\"workload\":\"%s\",\"components\":%" G_GUINT64_FORMAT
          ",\"resources_per_component\":%" G_GUINT64_FORMAT
          ",\"resources\":%" G_GUINT64_FORMAT ",\"passes\":%u"
          ",\"ns_per_resource\":%.1f,\"create_register_ns_per_resource\":%.1f"
          ",\"destroy_ns_per_resource\":%.1f,\"ns_per_op\":%s"
          ",\"bytes_per_resource\":%.1f,\"rss_bytes_per_resource\":%.1f"
          "%s,\"verified\":%s}\n",
          v->peer->name, workload_names[v->workload], v->C, v->R, v->C * v->R, passes,
          v->m_total / N, v->m_create_register / N, v->m_destroy / N, ns_per_op,
          v->cold.heap_delta / N, v->cold.rss_delta / N,
          v->peer->monitor ? ",\"monitor\":true" : "",
          v->ok ? "true" : "false");
  fflush (stdout);
}

static gboolean
run_set (const Peer **peers, guint n_peers, Workload workload,
         guint64 C, guint64 R, guint passes)
{
  Variant *variants = g_new0 (Variant, n_peers);
  gboolean all_ok;
  guint p;

  for (p = 0; p < n_peers; p++)
    {
      variants[p].peer = peers[p];
      variants[p].workload = workload;
      variants[p].C = C;
      variants[p].R = R;
    }
  all_ok = run_variants (variants, n_peers, passes);
  for (p = 0; p < n_peers; p++)
    print_result (&variants[p], passes);
  g_free (variants);

  return all_ok;
}

/* ---------------------------------------------------------------------- */
/* The suite of issue 13: named lines, each a ratio to a baseline of the   */
/* same run, with the issue's target ("target_op": the ratio must be <= or */
/* >= "target"). Timing never fails the run.                               */

#ifndef BENCH_NO_RESMGR

static const char *
json_bool (gboolean b)
{
  return b ? "true" : "false";
}

static double
safe_ratio (double a, double b)
{
  return b > 0 ? a / b : 0.0;
}

/* churn and release, service and coordinator paths, against the floor */
static gboolean
suite_paths (guint64 N, guint passes)
{
  static const guint64 Rs[] = { 1, 10, 100 };
  static const Workload workloads[] = { WORKLOAD_CHURN, WORKLOAD_RELEASE };
  gboolean all_ok = TRUE;

  for (guint w = 0; w < G_N_ELEMENTS (workloads); w++)
    for (guint s = 0; s < G_N_ELEMENTS (Rs); s++)
      {
        Variant v[3] = { { 0, } };
        const Peer *peers[3] = { &resmgr_peer, &resmgr_coordinator_peer, &floor_peer };
        guint64 R = Rs[s], C = MAX (N / R, 1);
        double n = (double) (C * R);
        const Variant *fl = &v[2];

        for (guint p = 0; p < 3; p++)
          {
            v[p].peer = peers[p];
            v[p].workload = workloads[w];
            v[p].C = C;
            v[p].R = R;
          }
        all_ok &= run_variants (v, 3, passes);

        for (guint p = 0; p < 2; p++)
          {
            double ratio = safe_ratio (v[p].m_total, fl->m_total);
            double bytes_ratio = safe_ratio (v[p].cold.heap_delta, fl->cold.heap_delta);
            char op[160] = "";

            if (workloads[w] == WORKLOAD_RELEASE)
              g_snprintf (op, sizeof op,
                          ",\"release_ns_per_op\":%.1f,\"floor_release_ns_per_op\":%.1f",
                          v[p].m_release / n, fl->m_release / n);

            printf ("{\"name\":\"%s.%s.r%" G_GUINT64_FORMAT "\",\"workload\":\"%s\",\"path\":\"%s\""
                    ",\"components\":%" G_GUINT64_FORMAT ",\"resources_per_component\":%" G_GUINT64_FORMAT
                    ",\"resources\":%" G_GUINT64_FORMAT ",\"passes\":%u"
                    ",\"ns_per_resource\":%.1f,\"floor_ns_per_resource\":%.1f"
                    ",\"create_register_ns_per_resource\":%.1f,\"floor_create_register_ns_per_resource\":%.1f"
                    ",\"destroy_ns_per_resource\":%.1f,\"floor_destroy_ns_per_resource\":%.1f%s"
                    ",\"ratio\":%.3f,\"target\":1.2,\"target_op\":\"<=\",\"meets_target\":%s"
                    ",\"bytes_per_resource\":%.1f,\"floor_bytes_per_resource\":%.1f"
                    ",\"bytes_ratio\":%.3f,\"bytes_target\":1.0,\"bytes_meets_target\":%s"
                    ",\"verified\":%s}\n",
                    workload_names[workloads[w]], p == 0 ? "service" : "coordinator", R,
                    workload_names[workloads[w]], p == 0 ? "service" : "coordinator",
                    C, R, C * R, passes,
                    v[p].m_total / n, fl->m_total / n,
                    v[p].m_create_register / n, fl->m_create_register / n,
                    v[p].m_destroy / n, fl->m_destroy / n, op,
                    ratio, json_bool (ratio <= 1.2),
                    v[p].cold.heap_delta / n, fl->cold.heap_delta / n,
                    bytes_ratio, json_bool (bytes_ratio <= 1.0),
                    json_bool (v[p].ok && fl->ok));
            fflush (stdout);
          }
      }

  return all_ok;
}

/* one component holding sizes[0] < sizes[1] < sizes[2] resources (churn:
 * its cleanup when it is dropped), resmgr and the floor, all interleaved */
static gboolean
suite_scale (const guint64 sizes[3], guint passes)
{
  Variant v[6] = { { 0, } };
  gboolean all_ok;
  double per[2][3];

  for (guint s = 0; s < 3; s++)
    for (guint p = 0; p < 2; p++)
      {
        Variant *x = &v[s * 2 + p];

        x->peer = p == 0 ? &resmgr_peer : &floor_peer;
        x->workload = WORKLOAD_CHURN;
        x->C = 1;
        x->R = sizes[s];
      }
  all_ok = run_variants (v, 6, passes);

  for (guint s = 0; s < 3; s++)
    {
      const Variant *r = &v[s * 2], *fl = &v[s * 2 + 1];

      per[0][s] = r->m_destroy / sizes[s];
      per[1][s] = fl->m_destroy / sizes[s];
      printf ("{\"name\":\"cleanup-scale.n%" G_GUINT64_FORMAT "\",\"workload\":\"churn\",\"components\":1"
              ",\"resources\":%" G_GUINT64_FORMAT ",\"passes\":%u"
              ",\"cleanup_ns_per_resource\":%.1f,\"floor_cleanup_ns_per_resource\":%.1f"
              ",\"ratio_to_floor\":%.3f"
              ",\"track_ns_per_resource\":%.1f,\"floor_track_ns_per_resource\":%.1f"
              ",\"bytes_per_resource\":%.1f,\"floor_bytes_per_resource\":%.1f"
              ",\"verified\":%s}\n",
              sizes[s], sizes[s], passes, per[0][s], per[1][s],
              safe_ratio (per[0][s], per[1][s]),
              r->m_create_register / sizes[s], fl->m_create_register / sizes[s],
              (double) r->cold.heap_delta / sizes[s], (double) fl->cold.heap_delta / sizes[s],
              json_bool (r->ok && fl->ok));
    }
  {
    double ratio = safe_ratio (per[0][2], per[0][0]);

    printf ("{\"name\":\"cleanup-scale\",\"workload\":\"churn\",\"components\":1"
            ",\"small\":%" G_GUINT64_FORMAT ",\"large\":%" G_GUINT64_FORMAT ",\"passes\":%u"
            ",\"small_cleanup_ns_per_resource\":%.1f,\"large_cleanup_ns_per_resource\":%.1f"
            ",\"ratio\":%.3f,\"target\":1.3,\"target_op\":\"<=\",\"meets_target\":%s"
            ",\"floor_ratio\":%.3f,\"verified\":%s}\n",
            sizes[0], sizes[2], passes, per[0][0], per[0][2],
            ratio, json_bool (ratio <= 1.3), safe_ratio (per[1][2], per[1][0]),
            json_bool (all_ok));
  }
  fflush (stdout);

  return all_ok;
}

/* two threads on their own components against one thread doing the same
 * total (release workload, N resources in all, R per component) */
static gboolean
suite_threads (guint64 N, guint64 R, guint passes)
{
  Variant v[6] = { { 0, } };
  guint64 C = MAX (N / R / 2, 1) * 2;
  /* About the time of the one-thread release workload per chain pair. */
  guint64 steps = N * 50;
  gboolean all_ok;
  double ratio, floor_ratio, machine_ratio;

  for (guint c = 0; c < CPU_CHAINS; c++)
    cpu_expected[c] = cpu_chain (0x9E3779B97F4A7C15ull + c, steps);

  for (guint p = 0; p < 3; p++)
    for (guint t = 0; t < 2; t++)
      {
        Variant *x = &v[p * 2 + t];

        x->peer = p == 0 ? &resmgr_peer : &floor_peer;
        x->workload = WORKLOAD_RELEASE;
        x->C = C;
        x->R = R;
        x->n_threads = t + 1;
        x->cpu_steps = p == 2 ? steps : 0;
      }
  all_ok = run_variants (v, 6, passes);

  /* throughput ratio: two threads' resources per second over one's */
  ratio = safe_ratio (v[0].m_total, v[1].m_total);
  floor_ratio = safe_ratio (v[2].m_total, v[3].m_total);
  machine_ratio = safe_ratio (v[4].m_total, v[5].m_total);
  printf ("{\"name\":\"threads\",\"workload\":\"release\",\"threads\":2"
          ",\"components\":%" G_GUINT64_FORMAT ",\"resources_per_component\":%" G_GUINT64_FORMAT
          ",\"resources\":%" G_GUINT64_FORMAT ",\"passes\":%u,\"processors\":%u"
          ",\"one_thread_ns_per_resource\":%.1f,\"two_threads_ns_per_resource\":%.1f"
          ",\"ratio\":%.3f,\"target\":1.6,\"target_op\":\">=\",\"meets_target\":%s"
          ",\"floor_one_thread_ns_per_resource\":%.1f,\"floor_two_threads_ns_per_resource\":%.1f"
          ",\"floor_ratio\":%.3f"
          ",\"machine_one_thread_ms\":%.1f,\"machine_two_threads_ms\":%.1f"
          ",\"machine_ratio\":%.3f,\"ratio_to_machine\":%.3f,\"floor_ratio_to_machine\":%.3f"
          ",\"one_thread_cpu_ns_per_resource\":%.1f,\"two_threads_cpu_ns_per_resource\":%.1f"
          ",\"cpu_cost_ratio\":%.3f,\"floor_cpu_cost_ratio\":%.3f"
          ",\"verified\":%s}\n",
          C, R, C * R, passes, g_get_num_processors (),
          v[0].m_total / (C * R), v[1].m_total / (C * R),
          ratio, json_bool (ratio >= 1.6),
          v[2].m_total / (C * R), v[3].m_total / (C * R),
          floor_ratio,
          v[4].m_total / 1e6, v[5].m_total / 1e6,
          machine_ratio, safe_ratio (ratio, machine_ratio), safe_ratio (floor_ratio, machine_ratio),
          v[0].m_cpu / (C * R), v[1].m_cpu / (C * R),
          safe_ratio (v[1].m_cpu, v[0].m_cpu), safe_ratio (v[3].m_cpu, v[2].m_cpu),
          json_bool (all_ok));
  fflush (stdout);

  return all_ok;
}

/* the monitor attached, its lists watched, against not attached */
static gboolean
suite_monitor (guint64 N, guint64 R, guint passes)
{
  Variant v[2] = { { 0, } };
  guint64 C = MAX (N / R, 1);
  double n = (double) (C * R), ratio;
  gboolean all_ok;

  v[0].peer = &resmgr_monitor_peer;
  v[1].peer = &resmgr_peer;
  for (guint p = 0; p < 2; p++)
    {
      v[p].workload = WORKLOAD_CHURN;
      v[p].C = C;
      v[p].R = R;
    }
  bench_items_changed = 0;
  all_ok = run_variants (v, 2, passes);
  if (bench_items_changed == 0)
    {
      g_printerr ("resmgr+monitor: the lists never changed\n");
      all_ok = v[0].ok = FALSE;
    }

  ratio = safe_ratio (v[0].m_total, v[1].m_total);
  printf ("{\"name\":\"monitor\",\"workload\":\"churn\""
          ",\"components\":%" G_GUINT64_FORMAT ",\"resources_per_component\":%" G_GUINT64_FORMAT
          ",\"resources\":%" G_GUINT64_FORMAT ",\"passes\":%u"
          ",\"ns_per_resource\":%.1f,\"baseline_ns_per_resource\":%.1f"
          ",\"ratio\":%.3f,\"target\":1.5,\"target_op\":\"<=\",\"meets_target\":%s"
          ",\"bytes_per_resource\":%.1f,\"baseline_bytes_per_resource\":%.1f"
          ",\"verified\":%s}\n",
          C, R, C * R, passes, v[0].m_total / n, v[1].m_total / n,
          ratio, json_bool (ratio <= 1.5),
          v[0].cold.heap_delta / n, v[1].cold.heap_delta / n,
          json_bool (all_ok));
  fflush (stdout);

  return all_ok;
}

/* @only: NULL for every group, else "paths", "scale", "threads" or
 * "monitor": one group, to repeat it (its lines as in the whole run). */
static gboolean
run_suite (gboolean quick, int passes, const char *only)
{
  static const guint64 full_scale[3] = { 10000, 100000, 1000000 };
  static const guint64 quick_scale[3] = { 100, 1000, 10000 };
  guint p = passes > 0 ? (guint) passes : quick ? 3 : 5;
  gboolean ok = TRUE;

#define RUNS(group) (only == NULL || strcmp (only, group) == 0)
  if (RUNS ("paths"))
    ok &= suite_paths (quick ? 1000 : 100000, p);
  if (RUNS ("scale"))
    ok &= suite_scale (quick ? quick_scale : full_scale, p);
  if (RUNS ("threads"))
    ok &= suite_threads (quick ? 10000 : 100000, 10, p);
  if (RUNS ("monitor"))
    ok &= suite_monitor (quick ? 1000 : 100000, 10, p);
#undef RUNS

  return ok;
}

#endif /* !BENCH_NO_RESMGR */

int
main (int    argc,
      char **argv)
{
  gint64 opt_components = 1000, opt_resources = 100;
  int opt_passes = 0;
  char *opt_mode = NULL, *opt_peer = NULL;
  gboolean opt_scale = FALSE;
  gboolean opt_monitor = FALSE;
  gboolean opt_suite = FALSE;
  gboolean opt_quick = FALSE;
  char *opt_only = NULL;
  GOptionEntry entries[] = {
    { "suite", 0, 0, G_OPTION_ARG_NONE, &opt_suite, "Print the named lines of issue 13 (see bench/README.md); other options but --passes and --quick are ignored", NULL },
    { "quick", 'q', 0, G_OPTION_ARG_NONE, &opt_quick, "With --suite: small sizes, 3 passes (seconds; for CI)", NULL },
    { "only", 0, 0, G_OPTION_ARG_STRING, &opt_only, "With --suite: only the lines of GROUP (paths, scale, threads or monitor)", "GROUP" },
    { "components", 'c', 0, G_OPTION_ARG_INT64, &opt_components, "Number of components C (default 1000)", "C" },
    { "resources", 'r', 0, G_OPTION_ARG_INT64, &opt_resources, "Resources per component R (default 100)", "R" },
    { "passes", 'p', 0, G_OPTION_ARG_INT, &opt_passes, "Timed passes (default 5, 3 with --quick; median reported)", "N" },
    { "mode", 'm', 0, G_OPTION_ARG_STRING, &opt_mode, "Workload: churn, release or all (default all)", "MODE" },
    { "scale", 's', 0, G_OPTION_ARG_NONE, &opt_scale, "Run N = 10^4, 10^5 and 10^6 (C = 100, 1000, 10000; R = 100)", NULL },
    { "peer", 0, 0, G_OPTION_ARG_STRING, &opt_peer, "resmgr, resmgr-coordinator, glib-floor or all (default all)", "PEER" },
    { "monitor", 0, 0, G_OPTION_ARG_NONE, &opt_monitor, "Also run resmgr with a ResmgrMonitor and its list models attached (lines with \"monitor\":true)", NULL },
    { NULL }
  };
  g_autoptr (GOptionContext) octx = g_option_context_new ("- resmgr churn benchmark");
  g_autoptr (GError) error = NULL;
  const Peer *peers[4];
  guint n_peers = 0;
  gboolean do_churn, do_release, all_ok = TRUE;
  guint64 sizes[3][2];
  guint n_sizes, s;

  g_option_context_add_main_entries (octx, entries, NULL);
  if (!g_option_context_parse (octx, &argc, &argv, &error))
    {
      g_printerr ("bench-churn: %s\n", error->message);
      return 2;
    }

  if (opt_components < 1 || opt_resources < 1 || opt_passes < 0 ||
      (guint64) opt_components * (guint64) opt_resources > G_GUINT64_CONSTANT (1) << 32)
    {
      g_printerr ("bench-churn: --components, --resources and --passes must be positive\n");
      return 2;
    }

  if (opt_suite)
    {
#ifndef BENCH_NO_RESMGR
      all_ok = run_suite (opt_quick, opt_passes, opt_only);
      g_free (opt_only);
      g_free (opt_mode);
      g_free (opt_peer);
      return all_ok ? 0 : 1;
#else
      g_printerr ("bench-churn: --suite needs resmgr\n");
      return 2;
#endif
    }
  if (opt_passes == 0)
    opt_passes = opt_quick ? 3 : 5;

  if (opt_mode == NULL || g_str_equal (opt_mode, "all"))
    do_churn = do_release = TRUE;
  else if (g_str_equal (opt_mode, "churn"))
    do_churn = TRUE, do_release = FALSE;
  else if (g_str_equal (opt_mode, "release"))
    do_churn = FALSE, do_release = TRUE;
  else
    {
      g_printerr ("bench-churn: unknown --mode '%s' (churn, release or all)\n", opt_mode);
      return 2;
    }

  if (opt_peer == NULL || g_str_equal (opt_peer, "all"))
    {
#ifndef BENCH_NO_RESMGR
      peers[n_peers++] = &resmgr_peer;
      peers[n_peers++] = &resmgr_coordinator_peer;
      if (opt_monitor)
        peers[n_peers++] = &resmgr_monitor_peer;
#endif
      peers[n_peers++] = &floor_peer;
    }
#ifndef BENCH_NO_RESMGR
  else if (g_str_equal (opt_peer, "resmgr"))
    {
      peers[n_peers++] = &resmgr_peer;
      if (opt_monitor)
        peers[n_peers++] = &resmgr_monitor_peer;
    }
  else if (g_str_equal (opt_peer, "resmgr-coordinator"))
    peers[n_peers++] = &resmgr_coordinator_peer;
#endif
  else if (g_str_equal (opt_peer, "glib-floor"))
    peers[n_peers++] = &floor_peer;
  else
    {
      g_printerr ("bench-churn: unknown --peer '%s' (resmgr, resmgr-coordinator, glib-floor or all)\n",
                  opt_peer);
      return 2;
    }

  if (opt_scale)
    {
      sizes[0][0] = 100;   sizes[0][1] = 100;
      sizes[1][0] = 1000;  sizes[1][1] = 100;
      sizes[2][0] = 10000; sizes[2][1] = 100;
      n_sizes = 3;
    }
  else
    {
      sizes[0][0] = opt_components;
      sizes[0][1] = opt_resources;
      n_sizes = 1;
    }

  for (s = 0; s < n_sizes; s++)
    {
      if (do_churn)
        all_ok &= run_set (peers, n_peers, WORKLOAD_CHURN, sizes[s][0], sizes[s][1], opt_passes);
      if (do_release)
        all_ok &= run_set (peers, n_peers, WORKLOAD_RELEASE, sizes[s][0], sizes[s][1], opt_passes);
    }

  g_free (opt_mode);
  g_free (opt_peer);

  return all_ok ? 0 : 1;
}
