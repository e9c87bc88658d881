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
 * Every pass verifies: cleanups = N, order right (per component in churn,
 * creation order in release), each component cleaned inline by its unref,
 * nothing left tracked, no component left. One cold pass measures memory
 * (glibc mallinfo2 in-use delta, uordblks + hblkhd, and VmRSS delta between
 * before registration and full registration, after malloc_trim (0)), then
 * --passes timed passes; the medians are reported.
 *
 * Output: one JSON line per (peer, workload, size) on stdout, nothing else.
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
 * --monitor also runs the resmgr peer with a ResmgrMonitor attached (its
 * list models asked for and watched, default sampling interval), interleaved
 * with the plain one; the main context is iterated once after registration
 * and once after the teardown, inside the timed region, so the batched list
 * updates (every item listed, then unlisted) are paid for in the figures.
 * Those lines carry "monitor":true.
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
/* The component: a plain GObject with a type name of its own.            */

#define BENCH_TYPE_COMPONENT (bench_component_get_type ())
G_DECLARE_FINAL_TYPE (BenchComponent, bench_component, BENCH, COMPONENT, GObject)

struct _BenchComponent
{
  GObject parent_instance;
};

G_DEFINE_FINAL_TYPE (BenchComponent, bench_component, G_TYPE_OBJECT)

static void
bench_component_class_init (BenchComponentClass *klass)
{
}

static void
bench_component_init (BenchComponent *self)
{
}

/* ---------------------------------------------------------------------- */
/* Resources and the cleanup checker.                                     */

typedef struct
{
  guint64 k;
} BenchResource;

typedef enum
{
  PHASE_CHURN,     /* cleanups come from component drops */
  PHASE_RELEASE,   /* cleanups come from explicit releases, in creation order */
} Phase;

static struct
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
} check;

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

G_GNUC_PRINTF (1, 2)
static void
complain (const char *format,
          ...)
{
  va_list args;

  check.ok = FALSE;
  if (check.n_complaints++ >= 10)
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
  guint64 k = res->k;

  check.cleanups++;

  if (check.phase == PHASE_RELEASE)
    {
      if (k != check.expect_k)
        complain ("release: cleanup of k=%" G_GUINT64_FORMAT ", expected %" G_GUINT64_FORMAT,
                  k, check.expect_k);
      check.expect_k = k + 1;
    }
  else
    {
      guint64 c = k / check.R;
      int priority = priority_of (k);

      if (c != check.expect_component)
        complain ("churn: cleanup of k=%" G_GUINT64_FORMAT " (component %" G_GUINT64_FORMAT
                  ") while dropping component %" G_GUINT64_FORMAT,
                  k, c, check.expect_component);
      else if (check.have_last &&
               (priority > check.last_priority ||
                (priority == check.last_priority && k >= check.last_k)))
        complain ("churn: component %" G_GUINT64_FORMAT ": cleanup of k=%" G_GUINT64_FORMAT
                  " (priority %d) after k=%" G_GUINT64_FORMAT " (priority %d)",
                  c, k, priority, check.last_k, check.last_priority);
      check.have_last = TRUE;
      check.last_priority = priority;
      check.last_k = k;
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
  gboolean  (*register_component) (gpointer ctx, GObject *component);
  guint64   (*track)              (gpointer ctx, GObject *component, guint64 k,
                                   gpointer data, GDestroyNotify destroy);
  gboolean  (*release)            (gpointer ctx, guint64 id);
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
floor_register_component (gpointer ctx, GObject *component)
{
  return glib_floor_register_component (ctx, component);
}

static guint64
floor_track (gpointer ctx, GObject *component, guint64 k,
             gpointer data, GDestroyNotify destroy)
{
  return glib_floor_track (ctx, component, priority_of (k), data, destroy);
}

static gboolean
floor_release (gpointer ctx, guint64 id)
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
 * caller would cast once, not per call. */
#define SERVICE(ctx) ((ResmgrService *) (ctx))

static void
report_error (const char *what, GError *error)
{
  complain ("resmgr: %s: %s", what, error ? error->message : "(no error set)");
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
resmgr_register_component (gpointer ctx, GObject *component)
{
  GError *error = NULL;

  if (!resmgr_service_register_component (SERVICE (ctx), component, NULL, &error))
    {
      report_error ("register_component", error);
      return FALSE;
    }
  return TRUE;
}

static guint64
resmgr_track (gpointer ctx, GObject *component, guint64 k,
              gpointer data, GDestroyNotify destroy)
{
  GError *error = NULL;
  guint64 id;

  id = resmgr_service_track_data (SERVICE (ctx), component,
                                  resource_types[k % 4], NULL, size_of (k),
                                  priority_of (k), data, destroy, &error);
  if (G_UNLIKELY (id == 0))
    report_error ("track_data", error);
  return id;
}

static gboolean
resmgr_release (gpointer ctx, guint64 id)
{
  GError *error = NULL;

  if (G_UNLIKELY (!resmgr_service_release (SERVICE (ctx), id, &error)))
    {
      report_error ("release", error);
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
  GListModel *resources = resmgr_monitor_get_resources (bench_monitor);

  /* the pass left nothing tracked: the list must be empty again */
  if (g_list_model_get_n_items (resources) != 0)
    complain ("resmgr+monitor: %u resources still listed", g_list_model_get_n_items (resources));
  g_clear_object (&bench_monitor);
  resmgr_destroy (ctx);
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
  resmgr_release, resmgr_n_resources, resmgr_n_components,
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
  gint64   create_register_ns;
  gint64   destroy_ns;        /* release (if any) + drop */
  gint64   release_ns;        /* release workload only */
  gint64   heap_delta;        /* cold pass only */
  gint64   rss_delta;         /* cold pass only */
  gboolean ok;
} PassResult;

static PassResult
run_pass (const Peer *peer,
          Workload    workload,
          guint64     C,
          guint64     R,
          gboolean    measure_memory)
{
  PassResult res = { 0, };
  guint64 N = C * R;
  GObject **components = g_new0 (GObject *, C);
  guint64 *ids = g_new0 (guint64, N);
  gpointer ctx = peer->create ();
  gint64 heap0 = 0, rss0 = 0;
  gint64 t0, t1, t2, t3;
  guint64 c, r, k, left_resources, left_components;

  memset (&check, 0, sizeof check);
  check.R = R;
  check.ok = TRUE;
  check.phase = PHASE_CHURN;

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
      GObject *component = g_object_new (BENCH_TYPE_COMPONENT, NULL);

      components[c] = component;
      if (G_UNLIKELY (!peer->register_component (ctx, component)))
        complain ("%s: component %" G_GUINT64_FORMAT " not registered", peer->name, c);
      for (r = 0; r < R; r++, k++)
        {
          BenchResource *resource = g_new (BenchResource, 1);

          resource->k = k;
          ids[k] = peer->track (ctx, component, k, resource, bench_resource_destroy);
          if (G_UNLIKELY (ids[k] == 0))
            {
              complain ("%s: k=%" G_GUINT64_FORMAT " not tracked", peer->name, k);
              g_free (resource);
            }
        }
    }
  if (peer->flush != NULL)
    peer->flush (ctx);
  t1 = now_ns ();

  if (measure_memory)
    {
      res.heap_delta = heap_in_use () - heap0;
      res.rss_delta = rss_bytes () - rss0;
    }

  /* explicit releases, creation order */
  t2 = t1;
  if (workload == WORKLOAD_RELEASE)
    {
      check.phase = PHASE_RELEASE;
      for (k = 0; k < N; k++)
        if (G_UNLIKELY (!peer->release (ctx, ids[k])))
          complain ("%s: release of k=%" G_GUINT64_FORMAT " failed", peer->name, k);
      t2 = now_ns ();
      if (check.cleanups != N)
        complain ("%s: %" G_GUINT64_FORMAT " cleanups after releasing %" G_GUINT64_FORMAT,
                  peer->name, check.cleanups, N);
      check.phase = PHASE_CHURN;
      check.expect_component = G_MAXUINT64;  /* no cleanup may come from a drop now */
    }

  /* drop the components, creation order; each must be cleaned inline */
  for (c = 0; c < C; c++)
    {
      if (workload == WORKLOAD_CHURN)
        {
          check.expect_component = c;
          check.have_last = FALSE;
        }
      g_object_unref (components[c]);
      if (workload == WORKLOAD_CHURN && G_UNLIKELY (check.cleanups != (c + 1) * R))
        complain ("%s: %" G_GUINT64_FORMAT " cleanups after dropping component %" G_GUINT64_FORMAT
                  ", expected %" G_GUINT64_FORMAT,
                  peer->name, check.cleanups, c, (c + 1) * R);
    }
  if (peer->flush != NULL)
    peer->flush (ctx);
  t3 = now_ns ();

  /* nothing left */
  if (check.cleanups != N)
    complain ("%s: %" G_GUINT64_FORMAT " cleanups, expected %" G_GUINT64_FORMAT,
              peer->name, check.cleanups, N);
  left_resources = peer->n_resources (ctx);
  left_components = peer->n_components (ctx);
  if (left_resources != 0 || left_components != 0)
    complain ("%s: left after the pass: %" G_GUINT64_FORMAT " resources, %" G_GUINT64_FORMAT
              " components", peer->name, left_resources, left_components);

  peer->destroy (ctx);
  if (check.cleanups != N)
    complain ("%s: %" G_GUINT64_FORMAT " cleanups after freeing the tracker, expected %"
              G_GUINT64_FORMAT, peer->name, check.cleanups, N);

  /* Anything dispatched to a main context instead of inline would show up
   * here; it is already counted as a failure above. */
  while (g_main_context_iteration (NULL, FALSE))
    ;

  res.create_register_ns = t1 - t0;
  res.release_ns = t2 - t1;
  res.destroy_ns = t3 - t1;
  res.ok = check.ok;

  g_free (components);
  g_free (ids);
  return res;
}

/* ---------------------------------------------------------------------- */
/* Driver.                                                                */

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

typedef struct
{
  const Peer *peer;
  PassResult  cold;
  gint64     *total, *create_register, *destroy, *release;
  gboolean    ok;
} PeerRun;

static void
print_result (const PeerRun *run, Workload workload, guint64 C, guint64 R, guint passes)
{
  double N = (double) (C * R);
  gint64 *t = g_memdup2 (run->total, passes * sizeof (gint64));
  double total = median_ns (t, passes) / N;
  double cr = median_ns (run->create_register, passes) / N;
  double de = median_ns (run->destroy, passes) / N;
  char ns_per_op[64];

  g_free (t);
  if (workload == WORKLOAD_RELEASE)
    g_snprintf (ns_per_op, sizeof ns_per_op, "%.1f", median_ns (run->release, passes) / N);
  else
    g_strlcpy (ns_per_op, "null", sizeof ns_per_op);

  printf ("{\"peer\":\"%s\",\"workload\":\"%s\",\"components\":%" G_GUINT64_FORMAT
          ",\"resources_per_component\":%" G_GUINT64_FORMAT
          ",\"resources\":%" G_GUINT64_FORMAT ",\"passes\":%u"
          ",\"ns_per_resource\":%.1f,\"create_register_ns_per_resource\":%.1f"
          ",\"destroy_ns_per_resource\":%.1f,\"ns_per_op\":%s"
          ",\"bytes_per_resource\":%.1f,\"rss_bytes_per_resource\":%.1f"
          "%s,\"verified\":%s}\n",
          run->peer->name, workload_names[workload], C, R, C * R, passes,
          total, cr, de, ns_per_op,
          run->cold.heap_delta / N, run->cold.rss_delta / N,
          run->peer->monitor ? ",\"monitor\":true" : "",
          run->ok ? "true" : "false");
  fflush (stdout);
}

static gboolean
run_set (const Peer **peers, guint n_peers, Workload workload,
         guint64 C, guint64 R, guint passes)
{
  PeerRun *runs = g_new0 (PeerRun, n_peers);
  gboolean all_ok = TRUE;
  guint i, p;

  for (p = 0; p < n_peers; p++)
    {
      runs[p].peer = peers[p];
      runs[p].total = g_new0 (gint64, passes);
      runs[p].create_register = g_new0 (gint64, passes);
      runs[p].destroy = g_new0 (gint64, passes);
      runs[p].release = g_new0 (gint64, passes);
      runs[p].cold = run_pass (peers[p], workload, C, R, TRUE);
      runs[p].ok = runs[p].cold.ok;
    }

  /* Timed passes, peers interleaved so that drift hits both alike. */
  for (i = 0; i < passes; i++)
    for (p = 0; p < n_peers; p++)
      {
        PassResult pr = run_pass (peers[p], workload, C, R, FALSE);

        runs[p].total[i] = pr.create_register_ns + pr.destroy_ns;
        runs[p].create_register[i] = pr.create_register_ns;
        runs[p].destroy[i] = pr.destroy_ns;
        runs[p].release[i] = pr.release_ns;
        runs[p].ok = runs[p].ok && pr.ok;
      }

  for (p = 0; p < n_peers; p++)
    {
      print_result (&runs[p], workload, C, R, passes);
      all_ok = all_ok && runs[p].ok;
      g_free (runs[p].total);
      g_free (runs[p].create_register);
      g_free (runs[p].destroy);
      g_free (runs[p].release);
    }
  g_free (runs);

  return all_ok;
}

int
main (int    argc,
      char **argv)
{
  gint64 opt_components = 1000, opt_resources = 100;
  int opt_passes = 5;
  char *opt_mode = NULL, *opt_peer = NULL;
  gboolean opt_scale = FALSE;
  gboolean opt_monitor = FALSE;
  GOptionEntry entries[] = {
    { "components", 'c', 0, G_OPTION_ARG_INT64, &opt_components, "Number of components C (default 1000)", "C" },
    { "resources", 'r', 0, G_OPTION_ARG_INT64, &opt_resources, "Resources per component R (default 100)", "R" },
    { "passes", 'p', 0, G_OPTION_ARG_INT, &opt_passes, "Timed passes (default 5; median reported)", "N" },
    { "mode", 'm', 0, G_OPTION_ARG_STRING, &opt_mode, "Workload: churn, release or all (default all)", "MODE" },
    { "scale", 's', 0, G_OPTION_ARG_NONE, &opt_scale, "Run N = 10^4, 10^5 and 10^6 (C = 100, 1000, 10000; R = 100)", NULL },
    { "peer", 0, 0, G_OPTION_ARG_STRING, &opt_peer, "resmgr, glib-floor or all (default all)", "PEER" },
    { "monitor", 0, 0, G_OPTION_ARG_NONE, &opt_monitor, "Also run resmgr with a ResmgrMonitor and its list models attached (lines with \"monitor\":true)", NULL },
    { NULL }
  };
  g_autoptr (GOptionContext) octx = g_option_context_new ("- resmgr churn benchmark");
  g_autoptr (GError) error = NULL;
  const Peer *peers[3];
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

  if (opt_components < 1 || opt_resources < 1 || opt_passes < 1 ||
      (guint64) opt_components * (guint64) opt_resources > G_GUINT64_CONSTANT (1) << 32)
    {
      g_printerr ("bench-churn: --components, --resources and --passes must be positive\n");
      return 2;
    }

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
#endif
  else if (g_str_equal (opt_peer, "glib-floor"))
    peers[n_peers++] = &floor_peer;
  else
    {
      g_printerr ("bench-churn: unknown --peer '%s' (resmgr, glib-floor or all)\n", opt_peer);
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
