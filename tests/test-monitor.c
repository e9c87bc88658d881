/* test-monitor.c: ResmgrMonitor: leak detection, memory growth with a fake
 * sampler, cleanup report history, JSON, and the list models (contents and
 * batching of items-changed)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <json-glib/json-glib.h>

#include "test-common.h"
#include "resmgr-monitor-private.h"

#define SERVICE(m) RESMGR_SERVICE (m)

static void
iterate (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

/* A monitor that only samples when told to. */
static ResmgrMonitor *
monitor_new (ResmgrManager *manager)
{
  ResmgrMonitor *monitor = g_object_new (RESMGR_TYPE_MONITOR,
                                         "service", manager,
                                         "interval", 0,
                                         NULL);

  g_assert_true (resmgr_monitor_get_service (monitor) == SERVICE (manager));
  g_assert_true (resmgr_monitor_get_context (monitor) == resmgr_manager_get_context (manager));
  return monitor;
}

/* What ::leak-detected delivered */
typedef struct
{
  guint      n_emissions;
  GArray    *kinds;   /* ResmgrLeakKind, one per handle */
  GPtrArray *ids;     /* guint64 as pointers would truncate on 32 bits: keep handles */
} LeakLog;

static void
on_leak_detected (ResmgrMonitor  *monitor,
                  ResmgrLeakKind  kind,
                  GPtrArray      *handles,
                  LeakLog        *log)
{
  /* On the thread that owns the monitor's context (here the main thread,
   * for the global default context), never on a worker. */
  g_assert_true (_resmgr_context_is_owned_here (resmgr_monitor_get_context (monitor)));
  g_assert_cmpuint (handles->len, >, 0);
  log->n_emissions++;
  for (guint i = 0; i < handles->len; i++)
    {
      g_array_append_val (log->kinds, kind);
      g_ptr_array_add (log->ids, resmgr_handle_ref (g_ptr_array_index (handles, i)));
    }
}

static void
leak_log_init (LeakLog *log)
{
  log->n_emissions = 0;
  log->kinds = g_array_new (FALSE, FALSE, sizeof (ResmgrLeakKind));
  log->ids = g_ptr_array_new_with_free_func ((GDestroyNotify) resmgr_handle_unref);
}

static void
leak_log_clear (LeakLog *log)
{
  g_array_unref (log->kinds);
  g_ptr_array_unref (log->ids);
}

static guint64
leak_log_id (LeakLog *log,
             guint    index)
{
  return resmgr_handle_get_id (g_ptr_array_index (log->ids, index));
}

static gboolean
leaks_contain (GPtrArray *leaks,
               guint64    id)
{
  for (guint i = 0; i < leaks->len; i++)
    if (resmgr_handle_get_id (g_ptr_array_index (leaks, i)) == id)
      return TRUE;
  return FALSE;
}

static void
mark_process_lifetime (ResmgrManager *manager,
                       guint64        id)
{
  GVariantDict dict;
  g_autoptr(GError) error = NULL;

  g_variant_dict_init (&dict, NULL);
  g_variant_dict_insert (&dict, "process-lifetime", "b", TRUE);
  g_assert_true (resmgr_service_set_metadata (SERVICE (manager), id, g_variant_dict_end (&dict), &error));
  g_assert_no_error (error);
}

/* Leaks */

static void
test_leak_orphaned (void)
{
  g_autoptr(ResmgrManager) manager = resmgr_manager_new ();
  g_autoptr(ResmgrMonitor) monitor = monitor_new (manager);
  g_autoptr(TestComponent) comp = test_component_new (NULL);
  g_autoptr(TestComponent) other = test_component_new (NULL);
  g_autoptr(GPtrArray) leaks = NULL;
  Recorder *rec = recorder_new ();
  LeakLog log;
  guint64 a, b, lifetime, c;

  g_test_summary ("A resource still tracked after its component was removed is an "
                  "orphan: reported once by ::leak-detected, always by check_leaks; "
                  "process-lifetime resources and other components are not");

  leak_log_init (&log);
  g_signal_connect (monitor, "leak-detected", G_CALLBACK (on_leak_detected), &log);

  register_component (SERVICE (manager), comp, "Orphaning");
  register_component (SERVICE (manager), other, "Other");
  a = track_item (SERVICE (manager), comp, RESMGR_RESOURCE_TYPE_MEMORY, RESMGR_PRIORITY_DEFAULT, rec, "a");
  b = track_item (SERVICE (manager), comp, RESMGR_RESOURCE_TYPE_FILE, RESMGR_PRIORITY_DEFAULT, rec, "b");
  lifetime = track_item (SERVICE (manager), comp, RESMGR_RESOURCE_TYPE_CUSTOM, RESMGR_PRIORITY_DEFAULT, rec, "lifetime");
  c = track_item (SERVICE (manager), other, RESMGR_RESOURCE_TYPE_MEMORY, RESMGR_PRIORITY_DEFAULT, rec, "c");
  mark_process_lifetime (manager, lifetime);

  leaks = resmgr_monitor_check_leaks (monitor);
  g_assert_cmpuint (leaks->len, ==, 0);
  g_assert_cmpuint (log.n_emissions, ==, 0);
  g_clear_pointer (&leaks, g_ptr_array_unref);

  /* The service forgetting a component that still owns resources is what
   * the monitor guards against; a correct manager never does it, so the
   * signal is emitted by hand. */
  resmgr_service_notify_component_removed (SERVICE (manager), "Orphaning");

  leaks = resmgr_monitor_check_leaks (monitor);
  g_assert_cmpuint (leaks->len, ==, 2);
  g_assert_true (leaks_contain (leaks, a));
  g_assert_true (leaks_contain (leaks, b));
  g_assert_false (leaks_contain (leaks, lifetime));
  g_assert_false (leaks_contain (leaks, c));
  g_assert_cmpuint (log.n_emissions, ==, 1);
  g_assert_cmpuint (log.ids->len, ==, 2);
  g_assert_cmpint (g_array_index (log.kinds, ResmgrLeakKind, 0), ==, RESMGR_LEAK_KIND_ORPHANED);
  g_assert_cmpint (g_array_index (log.kinds, ResmgrLeakKind, 1), ==, RESMGR_LEAK_KIND_ORPHANED);
  g_clear_pointer (&leaks, g_ptr_array_unref);

  /* Known leaks are not signalled again */
  leaks = resmgr_monitor_check_leaks (monitor);
  g_assert_cmpuint (leaks->len, ==, 2);
  g_assert_cmpuint (log.n_emissions, ==, 1);
  g_clear_pointer (&leaks, g_ptr_array_unref);

  /* Released: no longer a leak */
  g_assert_true (resmgr_service_release (SERVICE (manager), a, NULL));
  leaks = resmgr_monitor_check_leaks (monitor);
  g_assert_cmpuint (leaks->len, ==, 1);
  g_assert_cmpuint (resmgr_handle_get_id (g_ptr_array_index (leaks, 0)), ==, b);
  g_clear_pointer (&leaks, g_ptr_array_unref);

  leak_log_clear (&log);
  g_clear_object (&comp);
  g_clear_object (&other);
  recorder_free (rec);
}

static void
test_leak_stale (void)
{
  g_autoptr(ResmgrManager) manager = resmgr_manager_new ();
  g_autoptr(ResmgrMonitor) monitor = monitor_new (manager);
  g_autoptr(GPtrArray) leaks = NULL;
  const ResmgrObservedResource ghost = {
    .id = G_GUINT64_CONSTANT (0x7fff00000001), .component_id = "Gone", .name = "ghost",
    .size = 16, .created = g_get_monotonic_time (), .priority = 20,
    .type = RESMGR_RESOURCE_TYPE_MEMORY, .state = RESMGR_RESOURCE_STATE_ACTIVE,
  };
  LeakLog log;

  g_test_summary ("A candidate leak the service no longer knows (its release signal was "
                  "missed) is forgotten, not reported");

  leak_log_init (&log);
  g_signal_connect (monitor, "leak-detected", G_CALLBACK (on_leak_detected), &log);

  /* A tracking event for an id that the service never had (as when the
   * release event of a racing thread came first) */
  resmgr_service_notify_resource_tracked (SERVICE (manager), &ghost);
  resmgr_service_notify_component_removed (SERVICE (manager), "Gone");

  leaks = resmgr_monitor_check_leaks (monitor);
  g_assert_cmpuint (leaks->len, ==, 0);
  g_assert_cmpuint (log.n_emissions, ==, 0);

  /* and it is gone from the lists */
  g_assert_cmpuint (g_list_model_get_n_items (resmgr_monitor_get_resources (monitor)), ==, 0);
  iterate ();
  g_assert_cmpuint (g_list_model_get_n_items (resmgr_monitor_get_resources (monitor)), ==, 0);
  g_assert_cmpuint (g_list_model_get_n_items (resmgr_monitor_get_components (monitor)), ==, 0);

  leak_log_clear (&log);
}

static void
test_notify_by_hand (void)
{
  g_autoptr(ResmgrManager) manager = resmgr_manager_new ();
  g_autoptr(ResmgrMonitor) monitor = monitor_new (manager);
  GListModel *resources = resmgr_monitor_get_resources (monitor);
  GListModel *components = resmgr_monitor_get_components (monitor);
  ResmgrObservedResource res = {
    .id = G_GUINT64_CONSTANT (0x7ffe00000001), .component_id = "Hand", .name = "by hand",
    .size = 32, .created = g_get_monotonic_time (), .priority = 20,
    .type = RESMGR_RESOURCE_TYPE_MEMORY, .state = RESMGR_RESOURCE_STATE_ACTIVE,
  };

  g_test_summary ("The five notify functions, as a service of one's own calls them, are "
                  "what the monitor follows: a component and its resource appear, the "
                  "release takes the resource away, the removal the component");

  resmgr_service_notify_component_registered (SERVICE (manager), "Hand");
  resmgr_service_notify_resource_tracked (SERVICE (manager), &res);
  iterate ();
  g_assert_cmpuint (g_list_model_get_n_items (components), ==, 1);
  g_assert_cmpuint (g_list_model_get_n_items (resources), ==, 1);
  {
    g_autoptr(ResmgrMonitorResource) item = g_list_model_get_item (resources, 0);

    g_assert_cmpuint (resmgr_monitor_resource_get_id (item), ==, res.id);
  }

  res.state = RESMGR_RESOURCE_STATE_RELEASED;
  resmgr_service_notify_resource_released (SERVICE (manager), &res);
  iterate ();
  g_assert_cmpuint (g_list_model_get_n_items (resources), ==, 0);

  /* A resource with no component (what gjs 1.74 sends, as it cannot write
   * the struct's strings) is refused, and adds no component of its own. */
  res.component_id = NULL;
  g_test_expect_message ("Resmgr", G_LOG_LEVEL_CRITICAL, "*component_id != NULL*");
  resmgr_service_notify_resource_tracked (SERVICE (manager), &res);
  g_test_assert_expected_messages ();
  g_test_expect_message ("Resmgr", G_LOG_LEVEL_CRITICAL, "*component_id != NULL*");
  resmgr_service_notify_resource_released (SERVICE (manager), &res);
  g_test_assert_expected_messages ();
  iterate ();
  g_assert_cmpuint (g_list_model_get_n_items (resources), ==, 0);
  g_assert_cmpuint (g_list_model_get_n_items (components), ==, 1);
  res.component_id = "Hand";

  resmgr_service_notify_component_removed (SERVICE (manager), "Hand");
  iterate ();
  g_assert_cmpuint (g_list_model_get_n_items (components), ==, 0);
}

static void
emit_cleanup_finished (ResmgrManager *manager,
                       const char    *scope)
{
  ResmgrCleanupReport *report = _resmgr_cleanup_report_new (scope);

  _resmgr_cleanup_report_finish (report);
  resmgr_service_notify_cleanup_finished (SERVICE (manager), report);
  resmgr_cleanup_report_unref (report);
}

static void
test_leak_worker_outlived_owner (void)
{
  g_autoptr(ResmgrManager) manager = resmgr_manager_new ();
  g_autoptr(ResmgrMonitor) monitor = monitor_new (manager);
  g_autoptr(TestComponent) comp = test_component_new (NULL);
  g_autoptr(GPtrArray) leaks = NULL;
  Recorder *rec = recorder_new ();
  LeakLog log;
  guint64 worker, memory, late_worker, lifetime_worker;

  g_test_summary ("A worker tracked before its component's cleanup and still tracked "
                  "after it is a leak; workers tracked after the cleanup, other types "
                  "and process-lifetime workers are not");

  leak_log_init (&log);
  g_signal_connect (monitor, "leak-detected", G_CALLBACK (on_leak_detected), &log);

  register_component (SERVICE (manager), comp, "Workers");
  worker = track_item (SERVICE (manager), comp, RESMGR_RESOURCE_TYPE_WORKER, RESMGR_PRIORITY_DEFAULT, rec, "worker");
  memory = track_item (SERVICE (manager), comp, RESMGR_RESOURCE_TYPE_MEMORY, RESMGR_PRIORITY_DEFAULT, rec, "memory");
  lifetime_worker = track_item (SERVICE (manager), comp, RESMGR_RESOURCE_TYPE_WORKER, RESMGR_PRIORITY_DEFAULT, rec, "lifetime");
  mark_process_lifetime (manager, lifetime_worker);

  /* The component's cleanup finished (emitted by hand: the manager's cleanup
   * would have released the worker) */
  emit_cleanup_finished (manager, "Workers");
  late_worker = track_item (SERVICE (manager), comp, RESMGR_RESOURCE_TYPE_WORKER, RESMGR_PRIORITY_DEFAULT, rec, "late");

  leaks = resmgr_monitor_check_leaks (monitor);
  g_assert_cmpuint (leaks->len, ==, 1);
  g_assert_cmpuint (resmgr_handle_get_id (g_ptr_array_index (leaks, 0)), ==, worker);
  g_assert_cmpint (resmgr_handle_get_state (g_ptr_array_index (leaks, 0)), ==, RESMGR_RESOURCE_STATE_ACTIVE);
  g_assert_cmpuint (log.n_emissions, ==, 1);
  g_assert_cmpint (g_array_index (log.kinds, ResmgrLeakKind, 0), ==, RESMGR_LEAK_KIND_WORKER_OUTLIVED_OWNER);
  g_assert_cmpuint (leak_log_id (&log, 0), ==, worker);
  g_assert_false (leaks_contain (leaks, memory));
  g_assert_false (leaks_contain (leaks, late_worker));
  g_clear_pointer (&leaks, g_ptr_array_unref);

  /* A shutdown counts as a cleanup of every component */
  emit_cleanup_finished (manager, "shutdown");
  leaks = resmgr_monitor_check_leaks (monitor);
  g_assert_cmpuint (leaks->len, ==, 2);
  g_assert_true (leaks_contain (leaks, late_worker));
  g_assert_cmpuint (log.n_emissions, ==, 2);
  g_assert_cmpuint (leak_log_id (&log, 1), ==, late_worker);
  g_clear_pointer (&leaks, g_ptr_array_unref);

  leak_log_clear (&log);
  g_clear_object (&comp);
  recorder_free (rec);
}

static gint64
fake_clock (gpointer user_data)
{
  return g_get_monotonic_time () + *(gint64 *) user_data;
}

static void
test_leak_too_old (void)
{
  g_autoptr(ResmgrManager) manager = resmgr_manager_new ();
  g_autoptr(ResmgrMonitor) monitor = monitor_new (manager);
  g_autoptr(TestComponent) comp = test_component_new (NULL);
  g_autoptr(GPtrArray) leaks = NULL;
  Recorder *rec = recorder_new ();
  gint64 offset = 0;
  LeakLog log;
  guint64 old, lifetime;

  g_test_summary ("Resources older than age-threshold are leaks, process-lifetime ones "
                  "are not; a threshold of 0 disables the check");

  leak_log_init (&log);
  g_signal_connect (monitor, "leak-detected", G_CALLBACK (on_leak_detected), &log);
  _resmgr_monitor_set_clock (monitor, fake_clock, &offset);
  resmgr_monitor_set_age_threshold (monitor, 10);
  g_assert_cmpuint (resmgr_monitor_get_age_threshold (monitor), ==, 10);

  register_component (SERVICE (manager), comp, "Aging");
  old = track_item (SERVICE (manager), comp, RESMGR_RESOURCE_TYPE_TIMER, RESMGR_PRIORITY_DEFAULT, rec, "old");
  lifetime = track_item (SERVICE (manager), comp, RESMGR_RESOURCE_TYPE_TIMER, RESMGR_PRIORITY_DEFAULT, rec, "lifetime");
  mark_process_lifetime (manager, lifetime);

  leaks = resmgr_monitor_check_leaks (monitor);
  g_assert_cmpuint (leaks->len, ==, 0);
  g_clear_pointer (&leaks, g_ptr_array_unref);

  /* an hour later */
  offset = G_GINT64_CONSTANT (3600) * G_USEC_PER_SEC;
  leaks = resmgr_monitor_check_leaks (monitor);
  g_assert_cmpuint (leaks->len, ==, 1);
  g_assert_cmpuint (resmgr_handle_get_id (g_ptr_array_index (leaks, 0)), ==, old);
  g_assert_cmpuint (log.n_emissions, ==, 1);
  g_assert_cmpint (g_array_index (log.kinds, ResmgrLeakKind, 0), ==, RESMGR_LEAK_KIND_TOO_OLD);
  g_clear_pointer (&leaks, g_ptr_array_unref);

  /* check off: no longer a leak; on again: reported again */
  resmgr_monitor_set_age_threshold (monitor, 0);
  leaks = resmgr_monitor_check_leaks (monitor);
  g_assert_cmpuint (leaks->len, ==, 0);
  g_clear_pointer (&leaks, g_ptr_array_unref);
  resmgr_monitor_set_age_threshold (monitor, 10);
  leaks = resmgr_monitor_check_leaks (monitor);
  g_assert_cmpuint (leaks->len, ==, 1);
  g_assert_cmpuint (log.n_emissions, ==, 2);
  g_clear_pointer (&leaks, g_ptr_array_unref);

  leak_log_clear (&log);
  g_clear_object (&comp);
  recorder_free (rec);
}

static void
test_leak_none_after_cleanup (void)
{
  g_autoptr(ResmgrManager) manager = resmgr_manager_new ();
  g_autoptr(ResmgrMonitor) monitor = monitor_new (manager);
  g_autoptr(TestComponent) comp = test_component_new (NULL);
  g_autoptr(GPtrArray) leaks = NULL;
  g_autoptr(ResmgrCleanupReport) report = NULL;
  Recorder *rec = recorder_new ();
  LeakLog log;

  g_test_summary ("A real cleanup and a real disposal leave nothing to report, and the "
                  "monitor keeps their reports");

  leak_log_init (&log);
  g_signal_connect (monitor, "leak-detected", G_CALLBACK (on_leak_detected), &log);

  register_component (SERVICE (manager), comp, "Clean");
  track_item (SERVICE (manager), comp, RESMGR_RESOURCE_TYPE_WORKER, RESMGR_PRIORITY_DEFAULT, rec, "w");
  track_item (SERVICE (manager), comp, RESMGR_RESOURCE_TYPE_MEMORY, RESMGR_PRIORITY_DEFAULT, rec, "m");

  report = resmgr_service_cleanup_component (SERVICE (manager), G_OBJECT (comp), NULL);
  g_assert_nonnull (report);
  track_item (SERVICE (manager), comp, RESMGR_RESOURCE_TYPE_WORKER, RESMGR_PRIORITY_DEFAULT, rec, "w2");
  leaks = resmgr_monitor_check_leaks (monitor);
  g_assert_cmpuint (leaks->len, ==, 0);
  g_clear_pointer (&leaks, g_ptr_array_unref);

  g_clear_object (&comp);
  leaks = resmgr_monitor_check_leaks (monitor);
  g_assert_cmpuint (leaks->len, ==, 0);
  g_assert_cmpuint (log.n_emissions, ==, 0);
  assert_recorded (rec, "w,m,w2");

  g_assert_cmpuint (resmgr_monitor_get_n_reports (monitor), ==, 2);

  leak_log_clear (&log);
  recorder_free (rec);
}

/* Memory growth */

typedef struct
{
  guint64 rss;
  guint   n_calls;
} FakeSampler;

static guint64
fake_sampler (gpointer user_data)
{
  FakeSampler *s = user_data;

  s->n_calls++;
  return s->rss;
}

typedef struct
{
  guint   n_emissions;
  guint64 growth;
  guint   n_sampled;
  guint   n_rss_notifies;
} GrowthLog;

static void
on_memory_growth (ResmgrMonitor *monitor,
                  guint64        growth,
                  gint64         window,
                  GrowthLog     *log)
{
  g_assert_cmpint (window, >=, 0);
  log->n_emissions++;
  log->growth = growth;
}

static void
on_sampled (ResmgrMonitor *monitor,
            GrowthLog     *log)
{
  log->n_sampled++;
}

static void
on_notify_rss (GObject    *object,
               GParamSpec *pspec,
               GrowthLog  *log)
{
  log->n_rss_notifies++;
}

static void
sample (ResmgrMonitor *monitor,
        FakeSampler   *sampler,
        guint64        rss)
{
  sampler->rss = rss;
  resmgr_monitor_sample_now (monitor);
}

static void
test_growth (void)
{
  g_autoptr(ResmgrManager) manager = resmgr_manager_new ();
  g_autoptr(ResmgrMonitor) monitor = monitor_new (manager);
  g_autoptr(TestComponent) comp = test_component_new (NULL);
  Recorder *rec = recorder_new ();
  FakeSampler sampler = { 0, 0 };
  GrowthLog log = { 0, };
  guint64 rss, n_resources, bytes;
  guint n_components;
  gint64 t0, t1;

  g_test_summary ("memory-growth is emitted when the growth over the sample history "
                  "crosses the threshold, once until it falls back; samples record "
                  "the sampler's value and the service's stats");

  resmgr_monitor_set_sampler (monitor, fake_sampler, &sampler, NULL);
  resmgr_monitor_set_history_size (monitor, 4);
  resmgr_monitor_set_growth_threshold (monitor, 1000);
  g_assert_cmpuint (resmgr_monitor_get_growth_threshold (monitor), ==, 1000);
  g_signal_connect (monitor, "memory-growth", G_CALLBACK (on_memory_growth), &log);
  g_signal_connect (monitor, "sampled", G_CALLBACK (on_sampled), &log);
  g_signal_connect (monitor, "notify::rss", G_CALLBACK (on_notify_rss), &log);

  register_component (SERVICE (manager), comp, "Sampled");
  track_item (SERVICE (manager), comp, RESMGR_RESOURCE_TYPE_MEMORY, RESMGR_PRIORITY_DEFAULT, rec, "m");

  sample (monitor, &sampler, 100);
  sample (monitor, &sampler, 500);
  sample (monitor, &sampler, 900);
  g_assert_cmpuint (resmgr_monitor_get_growth (monitor), ==, 800);
  g_assert_cmpuint (log.n_emissions, ==, 0);

  sample (monitor, &sampler, 1200);   /* 1200 - 100 = 1100 > 1000 */
  g_assert_cmpuint (log.n_emissions, ==, 1);
  g_assert_cmpuint (log.growth, ==, 1100);
  g_assert_cmpuint (resmgr_monitor_get_rss (monitor), ==, 1200);

  sample (monitor, &sampler, 1500);   /* window 500..1500: 1000, not above */
  g_assert_cmpuint (resmgr_monitor_get_growth (monitor), ==, 1000);
  g_assert_cmpuint (log.n_emissions, ==, 1);
  sample (monitor, &sampler, 2000);   /* window 900..2000: 1100, crosses again */
  g_assert_cmpuint (log.n_emissions, ==, 2);
  sample (monitor, &sampler, 2300);   /* 1200..2300: 1100, still above: no new emission */
  g_assert_cmpuint (log.n_emissions, ==, 2);

  g_assert_cmpuint (sampler.n_calls, ==, 7);
  g_assert_cmpuint (log.n_sampled, ==, 7);
  g_assert_cmpuint (log.n_rss_notifies, ==, 7);
  g_assert_cmpuint (resmgr_monitor_get_n_samples (monitor), ==, 4);
  g_assert_true (resmgr_monitor_get_sample (monitor, 0, &t0, &rss, &n_resources, &bytes, &n_components));
  g_assert_cmpuint (rss, ==, 1200);
  g_assert_cmpuint (n_resources, ==, 1);
  g_assert_cmpuint (n_components, ==, 1);
  g_assert_cmpuint (bytes, ==, 16);   /* track_item () tracks 16 bytes */
  g_assert_true (resmgr_monitor_get_sample (monitor, 3, &t1, &rss, NULL, NULL, NULL));
  g_assert_cmpuint (rss, ==, 2300);
  g_assert_cmpint (t1, >=, t0);
  g_assert_false (resmgr_monitor_get_sample (monitor, 4, NULL, NULL, NULL, NULL, NULL));

  /* threshold 0: never */
  resmgr_monitor_set_growth_threshold (monitor, 0);
  sample (monitor, &sampler, 100);
  sample (monitor, &sampler, 100000);
  g_assert_cmpuint (log.n_emissions, ==, 2);

  g_clear_object (&comp);
  recorder_free (rec);
}

static void
test_default_sampler (void)
{
  g_autoptr(ResmgrManager) manager = resmgr_manager_new ();
  g_autoptr(ResmgrMonitor) monitor = monitor_new (manager);

  g_test_summary ("The default sampler reads a plausible resident set size");

  resmgr_monitor_sample_now (monitor);
  g_assert_cmpuint (resmgr_monitor_get_n_samples (monitor), ==, 1);
#ifdef __linux__
  g_assert_cmpuint (resmgr_monitor_get_rss (monitor), >, 1024 * 1024);
#endif
}

static gpointer
sample_thread (gpointer data)
{
  resmgr_monitor_sample_now (data);

  return NULL;
}

static void
test_growth_from_thread (void)
{
  g_autoptr(ResmgrManager) manager = resmgr_manager_new ();
  g_autoptr(ResmgrMonitor) monitor = monitor_new (manager);
  FakeSampler sampler = { 0, 0 };
  GrowthLog log = { 0, };
  GThread *thread;

  g_test_summary ("Sampled from another thread while the monitor's context is owned "
                  "elsewhere, the signals arrive on the monitor's context");

  resmgr_monitor_set_sampler (monitor, fake_sampler, &sampler, NULL);
  resmgr_monitor_set_growth_threshold (monitor, 10);
  g_signal_connect (monitor, "memory-growth", G_CALLBACK (on_memory_growth), &log);
  g_signal_connect (monitor, "sampled", G_CALLBACK (on_sampled), &log);

  sample (monitor, &sampler, 100);
  g_assert_cmpuint (log.n_sampled, ==, 1);

  /* This thread owns the context: the other thread must queue. */
  g_assert_true (g_main_context_acquire (NULL));
  sampler.rss = 1000;
  thread = g_thread_new ("sampler", sample_thread, monitor);
  g_thread_join (thread);
  g_assert_cmpuint (log.n_sampled, ==, 1);
  g_assert_cmpuint (log.n_emissions, ==, 0);
  iterate ();
  g_main_context_release (NULL);
  g_assert_cmpuint (log.n_sampled, ==, 2);
  g_assert_cmpuint (log.n_emissions, ==, 1);
  g_assert_cmpuint (log.growth, ==, 900);
}

/* Signals of a worker's events while the owner is blocked */

typedef struct
{
  GThread       *owner;
  guint          n_sampled;
  guint          n_growth;
  guint          n_rss;
  guint          n_leaks;
  guint          n_items_changed;
  guint          n_off_owner;   /* emissions on another thread */

  ResmgrManager *manager;
  ResmgrMonitor *monitor;
  TestComponent *comp;
  FakeSampler   *sampler;
  Recorder      *rec;
  GMutex         mutex;
  GCond          cond;
  gboolean       done;
} Blocked;

static void
blocked_note (Blocked *b,
              guint   *counter)
{
  (*counter)++;
  if (g_thread_self () != b->owner)
    b->n_off_owner++;
}

static void
blocked_sampled_cb (ResmgrMonitor *monitor,
                    Blocked       *b)
{
  blocked_note (b, &b->n_sampled);
}

static void
blocked_growth_cb (ResmgrMonitor *monitor,
                   guint64        growth,
                   gint64         window,
                   Blocked       *b)
{
  blocked_note (b, &b->n_growth);
}

static void
blocked_rss_cb (GObject    *object,
                GParamSpec *pspec,
                Blocked    *b)
{
  blocked_note (b, &b->n_rss);
}

static void
blocked_leak_cb (ResmgrMonitor  *monitor,
                 ResmgrLeakKind  kind,
                 GPtrArray      *handles,
                 Blocked        *b)
{
  blocked_note (b, &b->n_leaks);
}

static void
blocked_items_changed_cb (GListModel *list,
                          guint       position,
                          guint       removed,
                          guint       added,
                          Blocked    *b)
{
  blocked_note (b, &b->n_items_changed);
}

static gpointer
blocked_worker (gpointer data)
{
  Blocked *b = data;
  g_autoptr(GPtrArray) leaks = NULL;
  guint64 id;

  /* Events of every kind, all on this thread. */
  track_item (SERVICE (b->manager), b->comp, RESMGR_RESOURCE_TYPE_MEMORY, RESMGR_PRIORITY_DEFAULT, b->rec, "w1");
  id = track_item (SERVICE (b->manager), b->comp, RESMGR_RESOURCE_TYPE_FILE, RESMGR_PRIORITY_DEFAULT, b->rec, "w2");
  g_assert_true (resmgr_service_release (SERVICE (b->manager), id, NULL));
  b->sampler->rss = 100;
  resmgr_monitor_sample_now (b->monitor);
  b->sampler->rss = 5000;
  resmgr_monitor_sample_now (b->monitor);
  leaks = resmgr_monitor_check_leaks (b->monitor);
  g_assert_cmpuint (leaks->len, >, 0);

  g_mutex_lock (&b->mutex);
  b->done = TRUE;
  g_cond_broadcast (&b->cond);
  g_mutex_unlock (&b->mutex);

  return NULL;
}

static void
test_signals_owner_blocked (void)
{
  g_autoptr(ResmgrManager) manager = resmgr_manager_new ();
  g_autoptr(ResmgrMonitor) monitor = monitor_new (manager);
  g_autoptr(TestComponent) comp = test_component_new (NULL);
  FakeSampler sampler = { 0, 0 };
  Blocked b = { 0 };
  GListModel *resources;
  GThread *thread;

  g_test_summary ("A worker tracks, releases, samples and checks leaks while the owner of the "
                  "monitor's context is blocked (neither iterating nor holding it): no signal, "
                  "notification or list change is emitted on the worker; all of them arrive on "
                  "the owner thread when it iterates");

  b.owner = g_thread_self ();
  b.manager = manager;
  b.monitor = monitor;
  b.sampler = &sampler;
  b.rec = recorder_new ();
  g_mutex_init (&b.mutex);
  g_cond_init (&b.cond);

  resmgr_monitor_set_sampler (monitor, fake_sampler, &sampler, NULL);
  resmgr_monitor_set_growth_threshold (monitor, 1000);
  g_signal_connect (monitor, "sampled", G_CALLBACK (blocked_sampled_cb), &b);
  g_signal_connect (monitor, "memory-growth", G_CALLBACK (blocked_growth_cb), &b);
  g_signal_connect (monitor, "notify::rss", G_CALLBACK (blocked_rss_cb), &b);
  g_signal_connect (monitor, "leak-detected", G_CALLBACK (blocked_leak_cb), &b);
  resources = resmgr_monitor_get_resources (monitor);
  g_signal_connect (resources, "items-changed", G_CALLBACK (blocked_items_changed_cb), &b);

  /* A component the service forgot while it still owns a resource (emitted
   * by hand, as in test_leak_orphaned): that resource is an orphan, which
   * the worker's leak check finds. */
  register_component (SERVICE (manager), comp, "Blocked");
  b.comp = comp;
  track_item (SERVICE (manager), comp, RESMGR_RESOURCE_TYPE_MEMORY, RESMGR_PRIORITY_DEFAULT, b.rec, "orphan");
  resmgr_service_notify_component_removed (SERVICE (manager), "Blocked");
  iterate ();
  b.n_items_changed = 0;

  /* The owner waits on the GCond: it does not iterate, nor hold, the
   * context while the worker works. */
  thread = g_thread_new ("events", blocked_worker, &b);
  g_mutex_lock (&b.mutex);
  while (!b.done)
    g_cond_wait (&b.cond, &b.mutex);
  g_mutex_unlock (&b.mutex);
  g_thread_join (thread);

  g_assert_cmpuint (b.n_off_owner, ==, 0);
  g_assert_cmpuint (b.n_sampled, ==, 0);
  g_assert_cmpuint (b.n_growth, ==, 0);
  g_assert_cmpuint (b.n_rss, ==, 0);
  g_assert_cmpuint (b.n_leaks, ==, 0);
  g_assert_cmpuint (b.n_items_changed, ==, 0);

  iterate ();
  g_assert_cmpuint (b.n_off_owner, ==, 0);
  g_assert_cmpuint (b.n_sampled, ==, 2);
  g_assert_cmpuint (b.n_growth, ==, 1);
  g_assert_cmpuint (b.n_rss, ==, 2);
  g_assert_cmpuint (b.n_leaks, ==, 1);
  g_assert_cmpuint (b.n_items_changed, >=, 1);
  g_assert_cmpuint (g_list_model_get_n_items (resources), ==, 2);   /* orphan, w1 */

  g_clear_object (&comp);
  iterate ();
  recorder_free (b.rec);
  g_mutex_clear (&b.mutex);
  g_cond_clear (&b.cond);
}

/* Reports */

static void
test_report_history (void)
{
  g_autoptr(ResmgrManager) manager = resmgr_manager_new ();
  g_autoptr(ResmgrMonitor) monitor = monitor_new (manager);
  g_autoptr(TestComponent) a = test_component_new (NULL);
  g_autoptr(TestComponent) b = test_component_new (NULL);
  g_autoptr(ResmgrCleanupReport) report = NULL;
  Recorder *rec = recorder_new ();
  gint64 time = 0;

  g_test_summary ("Cleanup reports are kept, bounded by report-history-size, oldest "
                  "dropped first");

  resmgr_monitor_set_report_history_size (monitor, 2);
  g_assert_cmpuint (resmgr_monitor_get_report_history_size (monitor), ==, 2);
  register_component (SERVICE (manager), a, "A");
  register_component (SERVICE (manager), b, "B");
  track_item (SERVICE (manager), a, RESMGR_RESOURCE_TYPE_MEMORY, RESMGR_PRIORITY_DEFAULT, rec, "a");

  g_clear_pointer (&report, resmgr_cleanup_report_unref);
  report = resmgr_service_cleanup_component (SERVICE (manager), G_OBJECT (a), NULL);
  g_clear_pointer (&report, resmgr_cleanup_report_unref);
  report = resmgr_service_cleanup_component (SERVICE (manager), G_OBJECT (b), NULL);
  g_clear_pointer (&report, resmgr_cleanup_report_unref);
  report = resmgr_service_cleanup_component (SERVICE (manager), G_OBJECT (a), NULL);
  g_clear_pointer (&report, resmgr_cleanup_report_unref);

  g_assert_cmpuint (resmgr_monitor_get_n_reports (monitor), ==, 2);
  report = resmgr_monitor_dup_report (monitor, 0, &time);
  g_assert_cmpstr (resmgr_cleanup_report_get_scope (report), ==, "B");
  g_assert_cmpint (time, >, 0);
  g_clear_pointer (&report, resmgr_cleanup_report_unref);
  report = resmgr_monitor_dup_report (monitor, 1, NULL);
  g_assert_cmpstr (resmgr_cleanup_report_get_scope (report), ==, "A");
  g_clear_pointer (&report, resmgr_cleanup_report_unref);
  g_assert_null (resmgr_monitor_dup_report (monitor, 2, NULL));

  resmgr_monitor_set_report_history_size (monitor, 1);
  g_assert_cmpuint (resmgr_monitor_get_n_reports (monitor), ==, 1);
  resmgr_monitor_set_report_history_size (monitor, 0);
  g_assert_cmpuint (resmgr_monitor_get_n_reports (monitor), ==, 0);

  g_clear_object (&a);
  g_clear_object (&b);
  recorder_free (rec);
}

/* JSON */

static void
test_json (void)
{
  g_autoptr(ResmgrManager) manager = resmgr_manager_new ();
  g_autoptr(ResmgrMonitor) monitor = monitor_new (manager);
  g_autoptr(TestComponent) comp = test_component_new (NULL);
  g_autoptr(GPtrArray) leaks = NULL;
  g_autoptr(ResmgrCleanupReport) report = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *json = NULL;
  g_autofree char *pretty = NULL;
  Recorder *rec = recorder_new ();
  FakeSampler sampler = { 4096, 0 };
  JsonObject *root, *memory, *leak, *comp_obj;
  JsonArray *array;
  guint64 id;

  g_test_summary ("report_to_json writes settings, samples, stats, components, leaks "
                  "with their kind, and the kept cleanup reports");

  resmgr_monitor_set_sampler (monitor, fake_sampler, &sampler, NULL);
  register_component (SERVICE (manager), comp, "Json");
  id = track_item (SERVICE (manager), comp, RESMGR_RESOURCE_TYPE_MEMORY, RESMGR_PRIORITY_DEFAULT, rec, "leaky");
  report = resmgr_service_cleanup_component (SERVICE (manager), G_OBJECT (comp), NULL);
  id = track_item (SERVICE (manager), comp, RESMGR_RESOURCE_TYPE_MEMORY, RESMGR_PRIORITY_DEFAULT, rec, "leaky");
  resmgr_monitor_sample_now (monitor);
  resmgr_service_notify_component_removed (SERVICE (manager), "Json");
  leaks = resmgr_monitor_check_leaks (monitor);
  g_assert_cmpuint (leaks->len, ==, 1);

  json = resmgr_monitor_report_to_json (monitor, FALSE);
  pretty = resmgr_monitor_report_to_json (monitor, TRUE);
  g_assert_nonnull (strchr (pretty, '\n'));
  g_assert_null (strchr (json, '\n'));
  g_assert_true (json_parser_load_from_data (parser, json, -1, &error));
  g_assert_no_error (error);
  root = json_node_get_object (json_parser_get_root (parser));

  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (root, "settings"), "interval_ms"), ==, 0);
  memory = json_object_get_object_member (root, "memory");
  g_assert_cmpint (json_object_get_int_member (memory, "rss"), ==, 4096);
  array = json_object_get_array_member (memory, "samples");
  g_assert_cmpuint (json_array_get_length (array), ==, 1);
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (array, 0), "resources"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (root, "stats"), "total_tracked"), ==, 2);

  array = json_object_get_array_member (root, "components");
  g_assert_cmpuint (json_array_get_length (array), ==, 1);
  comp_obj = json_array_get_object_element (array, 0);
  g_assert_cmpstr (json_object_get_string_member (comp_obj, "id"), ==, "Json");
  g_assert_cmpstr (json_object_get_string_member (comp_obj, "state"), ==, "removed");
  g_assert_cmpint (json_object_get_int_member (comp_obj, "resources"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (comp_obj, "leaks"), ==, 1);

  array = json_object_get_array_member (root, "leaks");
  g_assert_cmpuint (json_array_get_length (array), ==, 1);
  leak = json_array_get_object_element (array, 0);
  g_assert_cmpint (json_object_get_int_member (leak, "id"), ==, (gint64) id);
  g_assert_cmpstr (json_object_get_string_member (leak, "kind"), ==, "orphaned");
  g_assert_cmpstr (json_object_get_string_member (leak, "name"), ==, "leaky");
  g_assert_cmpstr (json_object_get_string_member (leak, "type"), ==, "memory");
  g_assert_cmpint (json_object_get_int_member (leak, "age_us"), >=, 0);

  array = json_object_get_array_member (root, "reports");
  g_assert_cmpuint (json_array_get_length (array), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (json_array_get_object_element (array, 0), "report"), "scope"), ==, "Json");

  g_clear_object (&comp);
  recorder_free (rec);
}

/* Lists */

typedef struct
{
  guint n_emissions;
  guint position;
  guint removed;
  guint added;
} ChangeLog;

static void
on_items_changed (GListModel *model,
                  guint       position,
                  guint       removed,
                  guint       added,
                  ChangeLog  *log)
{
  log->n_emissions++;
  log->position = position;
  log->removed = removed;
  log->added = added;
}

static ResmgrMonitorResource *
resource_at (ResmgrMonitor *monitor,
             guint          position)
{
  ResmgrMonitorResource *item = g_list_model_get_item (resmgr_monitor_get_resources (monitor), position);

  g_assert_nonnull (item);
  g_object_unref (item);   /* the list keeps it */
  return item;
}

static ResmgrMonitorComponent *
component_at (ResmgrMonitor *monitor,
              guint          position)
{
  ResmgrMonitorComponent *item = g_list_model_get_item (resmgr_monitor_get_components (monitor), position);

  g_assert_nonnull (item);
  g_object_unref (item);
  return item;
}

static void
test_list_contents (void)
{
  g_autoptr(ResmgrManager) manager = resmgr_manager_new ();
  g_autoptr(ResmgrMonitor) monitor = monitor_new (manager);
  g_autoptr(TestComponent) a = test_component_new (NULL);
  g_autoptr(TestComponent) b = test_component_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *component = NULL;
  g_autofree char *type_name = NULL;
  g_autofree char *name = NULL;
  g_autofree char *state_name = NULL;
  Recorder *rec = recorder_new ();
  GListModel *resources, *components;
  ResmgrMonitorResource *r;
  ResmgrMonitorComponent *c;
  guint64 id0, id1, id2, pid, bytes;
  gint64 age;
  guint64 before;

  g_test_summary ("The lists hold the resources and components with the properties a "
                  "column view shows, resources tracked before the lists were asked "
                  "for included, and follow releases and removals");

  register_component (SERVICE (manager), a, "A");
  id0 = resmgr_service_track_data (SERVICE (manager), G_OBJECT (a), RESMGR_RESOURCE_TYPE_MEMORY,
                                   "buffer", 4096, RESMGR_PRIORITY_DEFAULT, item_new (rec, "buffer"),
                                   item_destroy, &error);
  g_assert_no_error (error);

  /* asked for after the first resource: it is listed too */
  resources = resmgr_monitor_get_resources (monitor);
  components = resmgr_monitor_get_components (monitor);
  g_assert_true (g_list_model_get_item_type (resources) == RESMGR_TYPE_MONITOR_RESOURCE);
  g_assert_true (g_list_model_get_item_type (components) == RESMGR_TYPE_MONITOR_COMPONENT);
  g_object_get (monitor, "resources", &resources, NULL);
  g_object_unref (resources);
  g_assert_cmpuint (g_list_model_get_n_items (resources), ==, 0);

  register_component (SERVICE (manager), b, "B");
  id1 = track_item (SERVICE (manager), a, RESMGR_RESOURCE_TYPE_WORKER, RESMGR_PRIORITY_DEFAULT, rec, "w");
  id2 = track_item (SERVICE (manager), b, RESMGR_RESOURCE_TYPE_GL_OBJECT, 85, rec, "tex");
  iterate ();

  g_assert_cmpuint (g_list_model_get_n_items (resources), ==, 3);
  g_assert_null (g_list_model_get_item (resources, 3));
  r = resource_at (monitor, 0);
  g_object_get (r, "id", &pid, "component", &component, "type-name", &type_name,
                "name", &name, "bytes", &bytes, "age", &age, "state-name", &state_name, NULL);
  g_assert_cmpuint (pid, ==, id0);
  g_assert_cmpstr (component, ==, "A");
  /* The names are the enums' nicks. */
  g_assert_cmpstr (type_name, ==, "memory");
  g_assert_cmpstr (name, ==, "buffer");
  g_assert_cmpuint (bytes, ==, 4096);
  g_assert_cmpint (age, >=, 0);
  g_assert_cmpstr (state_name, ==, "active");
  g_assert_cmpuint (resmgr_monitor_resource_get_bytes (r), ==, bytes);
  g_assert_cmpint (resmgr_monitor_resource_get_created (r), >, 0);
  g_assert_cmpint (resmgr_monitor_resource_get_age (r), >=, 0);
  g_assert_cmpint (resmgr_monitor_resource_get_state (r), ==, RESMGR_RESOURCE_STATE_ACTIVE);
  g_assert_cmpint (resmgr_monitor_resource_get_leak (r), ==, RESMGR_LEAK_KIND_NONE);
  g_assert_cmpuint (resmgr_monitor_resource_get_id (resource_at (monitor, 1)), ==, id1);
  g_assert_cmpint (resmgr_monitor_resource_get_resource_type (resource_at (monitor, 1)), ==, RESMGR_RESOURCE_TYPE_WORKER);
  r = resource_at (monitor, 2);
  g_assert_cmpuint (resmgr_monitor_resource_get_id (r), ==, id2);
  g_assert_cmpstr (resmgr_monitor_resource_get_component (r), ==, "B");
  g_assert_cmpint (resmgr_monitor_resource_get_priority (r), ==, 85);
  g_assert_cmpuint (resmgr_handle_get_id (resmgr_monitor_resource_get_handle (r)), ==, id2);

  g_assert_cmpuint (g_list_model_get_n_items (components), ==, 2);
  c = component_at (monitor, 0);
  g_assert_cmpstr (resmgr_monitor_component_get_id (c), ==, "A");
  g_assert_cmpuint (resmgr_monitor_component_get_n_resources (c), ==, 2);
  g_assert_cmpuint (resmgr_monitor_component_get_bytes (c), ==, 4096 + 16);
  g_assert_cmpint (resmgr_monitor_component_get_state (c), ==, RESMGR_COMPONENT_STATE_ACTIVE);
  c = component_at (monitor, 1);
  g_assert_cmpstr (resmgr_monitor_component_get_id (c), ==, "B");
  g_assert_cmpuint (resmgr_monitor_component_get_n_resources (c), ==, 1);

  /* release: the row goes, the component's count follows */
  g_assert_true (resmgr_service_release (SERVICE (manager), id0, NULL));
  iterate ();
  g_assert_cmpuint (g_list_model_get_n_items (resources), ==, 2);
  g_assert_cmpuint (resmgr_monitor_resource_get_id (resource_at (monitor, 0)), ==, id1);
  c = component_at (monitor, 0);
  g_assert_cmpuint (resmgr_monitor_component_get_n_resources (c), ==, 1);
  g_assert_cmpuint (resmgr_monitor_component_get_bytes (c), ==, 16);

  /* cleanup: state "cleaned" */
  g_object_get (c, "n-resources", &before, NULL);
  g_assert_cmpuint (before, ==, 1);
  g_clear_pointer (&component, g_free);
  resmgr_cleanup_report_unref (resmgr_service_cleanup_component (SERVICE (manager), G_OBJECT (a), NULL));
  iterate ();
  g_assert_cmpint (resmgr_monitor_component_get_state (c), ==, RESMGR_COMPONENT_STATE_CLEANED);
  g_assert_cmpuint (resmgr_monitor_component_get_n_resources (c), ==, 0);
  g_assert_cmpuint (g_list_model_get_n_items (resources), ==, 1);

  /* disposal: the component and its resources go */
  g_clear_object (&b);
  iterate ();
  g_assert_cmpuint (g_list_model_get_n_items (resources), ==, 0);
  g_assert_cmpuint (g_list_model_get_n_items (components), ==, 1);
  g_assert_cmpstr (resmgr_monitor_component_get_id (component_at (monitor, 0)), ==, "A");

  g_clear_object (&a);
  iterate ();
  g_assert_cmpuint (g_list_model_get_n_items (components), ==, 0);
  recorder_free (rec);
}

/* Enough resources for several slabs of records and index resizes both
 * ways, released in a scattered order: the lists, counts and leak check
 * stay exact. */
static void
test_list_many (void)
{
  enum { N_COMPONENTS = 3, PER_COMPONENT = 700 };
  g_autoptr(ResmgrManager) manager = resmgr_manager_new ();
  g_autoptr(ResmgrMonitor) monitor = monitor_new (manager);
  g_autoptr(GPtrArray) leaks = NULL;
  g_autoptr(GArray) kept = g_array_new (FALSE, FALSE, sizeof (guint64));
  TestComponent *components[N_COMPONENTS];
  guint64 ids[N_COMPONENTS][PER_COMPONENT];
  Recorder *rec = recorder_new ();
  GListModel *resources, *list;
  guint n_left;

  g_test_summary ("Thousands of resources, tracked and released in a scattered order "
                  "with the lists in use, leave the lists and counts exact");

  resources = resmgr_monitor_get_resources (monitor);
  list = resmgr_monitor_get_components (monitor);
  for (guint c = 0; c < N_COMPONENTS; c++)
    {
      g_autofree char *id = g_strdup_printf ("C%u", c);

      components[c] = test_component_new (NULL);
      register_component (SERVICE (manager), components[c], id);
    }
  /* interleaved, so that no slab or index run belongs to one component */
  for (guint i = 0; i < PER_COMPONENT; i++)
    for (guint c = 0; c < N_COMPONENTS; c++)
      ids[c][i] = track_item (SERVICE (manager), components[c], RESMGR_RESOURCE_TYPE_MEMORY,
                              RESMGR_PRIORITY_DEFAULT, rec, "r");
  iterate ();
  g_assert_cmpuint (g_list_model_get_n_items (resources), ==, N_COMPONENTS * PER_COMPONENT);

  /* release two of every three, some before the lists saw them */
  for (guint i = 0; i < PER_COMPONENT; i++)
    for (guint c = 0; c < N_COMPONENTS; c++)
      {
        guint j = (i * 3) % PER_COMPONENT;   /* 3 is prime to 700: a permutation */

        if ((j + c) % 3 != 0)
          g_assert_true (resmgr_service_release (SERVICE (manager), ids[c][j], NULL));
      }
  for (guint i = 0; i < PER_COMPONENT; i++)
    for (guint c = 0; c < N_COMPONENTS; c++)
      if ((i + c) % 3 == 0)
        g_array_append_val (kept, ids[c][i]);
  iterate ();

  /* what is left, in tracking order */
  g_assert_cmpuint (g_list_model_get_n_items (resources), ==, kept->len);
  for (guint i = 0; i < kept->len; i++)
    g_assert_cmpuint (resmgr_monitor_resource_get_id (resource_at (monitor, i)), ==,
                      g_array_index (kept, guint64, i));
  n_left = 0;
  for (guint c = 0; c < N_COMPONENTS; c++)
    {
      ResmgrMonitorComponent *item = component_at (monitor, c);
      guint n = 0;

      for (guint i = 0; i < PER_COMPONENT; i++)
        n += (i + c) % 3 == 0;
      g_assert_cmpuint (resmgr_monitor_component_get_n_resources (item), ==, n);
      g_assert_cmpuint (resmgr_monitor_component_get_bytes (item), ==, n * 16);
      n_left += n;
    }
  g_assert_cmpuint (n_left, ==, kept->len);

  /* the records still follow their ids: dropping one component orphans
   * nothing, its resources go */
  g_clear_object (&components[1]);
  iterate ();
  leaks = resmgr_monitor_check_leaks (monitor);
  g_assert_cmpuint (leaks->len, ==, 0);
  g_assert_cmpuint (g_list_model_get_n_items (list), ==, N_COMPONENTS - 1);

  g_clear_object (&components[0]);
  g_clear_object (&components[2]);
  iterate ();
  g_assert_cmpuint (g_list_model_get_n_items (resources), ==, 0);
  g_assert_cmpuint (g_list_model_get_n_items (list), ==, 0);
  recorder_free (rec);
}

typedef struct
{
  guint n_state;
  guint n_leak;
} NotifyLog;

static void
on_item_notify (GObject    *object,
                GParamSpec *pspec,
                NotifyLog  *log)
{
  if (g_str_equal (pspec->name, "state"))
    log->n_state++;
  else if (g_str_equal (pspec->name, "leak"))
    log->n_leak++;
}

static void
test_list_batching (void)
{
  g_autoptr(ResmgrManager) manager = resmgr_manager_new ();
  g_autoptr(ResmgrMonitor) monitor = monitor_new (manager);
  g_autoptr(TestComponent) comp = test_component_new (NULL);
  g_autoptr(GPtrArray) leaks = NULL;
  Recorder *rec = recorder_new ();
  ChangeLog log = { 0, }, comp_log = { 0, };
  NotifyLog notify_log = { 0, };
  GListModel *resources, *components;
  ResmgrMonitorResource *first, *leaked;
  guint64 ids[5], more[2], transient;
  guint i;

  g_test_summary ("Changes reach the list in one items-changed per batch (per idle of "
                  "the monitor's context), items keep their identity, a resource "
                  "tracked and released within a batch causes no change, leak flags "
                  "are notified on the items");

  resources = resmgr_monitor_get_resources (monitor);
  components = resmgr_monitor_get_components (monitor);
  g_signal_connect (resources, "items-changed", G_CALLBACK (on_items_changed), &log);
  g_signal_connect (components, "items-changed", G_CALLBACK (on_items_changed), &comp_log);

  register_component (SERVICE (manager), comp, "Batch");
  for (i = 0; i < 5; i++)
    ids[i] = track_item (SERVICE (manager), comp, RESMGR_RESOURCE_TYPE_MEMORY, RESMGR_PRIORITY_DEFAULT, rec, "r");
  g_assert_cmpuint (log.n_emissions, ==, 0);
  g_assert_cmpuint (g_list_model_get_n_items (resources), ==, 0);
  iterate ();
  g_assert_cmpuint (log.n_emissions, ==, 1);
  g_assert_cmpuint (log.position, ==, 0);
  g_assert_cmpuint (log.removed, ==, 0);
  g_assert_cmpuint (log.added, ==, 5);
  g_assert_cmpuint (comp_log.n_emissions, ==, 1);
  g_assert_cmpuint (comp_log.added, ==, 1);
  first = resource_at (monitor, 0);

  /* two releases and two tracks: one change, from the first removed row on */
  g_assert_true (resmgr_service_release (SERVICE (manager), ids[1], NULL));
  g_assert_true (resmgr_service_release (SERVICE (manager), ids[3], NULL));
  more[0] = track_item (SERVICE (manager), comp, RESMGR_RESOURCE_TYPE_FILE, RESMGR_PRIORITY_DEFAULT, rec, "f");
  more[1] = track_item (SERVICE (manager), comp, RESMGR_RESOURCE_TYPE_FILE, RESMGR_PRIORITY_DEFAULT, rec, "f");
  iterate ();
  g_assert_cmpuint (log.n_emissions, ==, 2);
  g_assert_cmpuint (log.position, ==, 1);
  g_assert_cmpuint (log.removed, ==, 4);
  g_assert_cmpuint (log.added, ==, 4);
  g_assert_cmpuint (g_list_model_get_n_items (resources), ==, 5);
  g_assert_true (resource_at (monitor, 0) == first);
  g_assert_cmpuint (resmgr_monitor_resource_get_id (resource_at (monitor, 1)), ==, ids[2]);
  g_assert_cmpuint (resmgr_monitor_resource_get_id (resource_at (monitor, 2)), ==, ids[4]);
  g_assert_cmpuint (resmgr_monitor_resource_get_id (resource_at (monitor, 3)), ==, more[0]);
  g_assert_cmpuint (resmgr_monitor_resource_get_id (resource_at (monitor, 4)), ==, more[1]);
  /* the component's counts changed, the list of components did not */
  g_assert_cmpuint (comp_log.n_emissions, ==, 1);
  g_assert_cmpuint (resmgr_monitor_component_get_n_resources (component_at (monitor, 0)), ==, 5);

  /* tracked and released in one batch: nothing */
  transient = track_item (SERVICE (manager), comp, RESMGR_RESOURCE_TYPE_MEMORY, RESMGR_PRIORITY_DEFAULT, rec, "t");
  g_assert_true (resmgr_service_release (SERVICE (manager), transient, NULL));
  iterate ();
  g_assert_cmpuint (log.n_emissions, ==, 2);

  /* a leak flag: a notification on the item, no items-changed */
  leaked = resource_at (monitor, 2);
  g_signal_connect (leaked, "notify", G_CALLBACK (on_item_notify), &notify_log);
  resmgr_service_notify_component_removed (SERVICE (manager), "Batch");
  leaks = resmgr_monitor_check_leaks (monitor);
  g_assert_cmpuint (leaks->len, ==, 5);
  g_assert_cmpuint (notify_log.n_leak, ==, 0);
  iterate ();
  g_assert_cmpuint (notify_log.n_leak, ==, 1);
  g_assert_cmpint (resmgr_monitor_resource_get_leak (leaked), ==, RESMGR_LEAK_KIND_ORPHANED);
  g_assert_cmpuint (log.n_emissions, ==, 2);
  g_assert_cmpuint (resmgr_monitor_component_get_n_leaks (component_at (monitor, 0)), ==, 5);
  g_assert_cmpint (resmgr_monitor_component_get_state (component_at (monitor, 0)), ==, RESMGR_COMPONENT_STATE_REMOVED);

  /* many changes, still one emission */
  for (i = 0; i < 1000; i++)
    track_item (SERVICE (manager), comp, RESMGR_RESOURCE_TYPE_MEMORY, RESMGR_PRIORITY_DEFAULT, rec, "bulk");
  iterate ();
  g_assert_cmpuint (log.n_emissions, ==, 3);
  g_assert_cmpuint (log.position, ==, 5);
  g_assert_cmpuint (log.added, ==, 1000);

  g_clear_object (&comp);
  iterate ();
  g_assert_cmpuint (g_list_model_get_n_items (resources), ==, 0);
  g_assert_cmpuint (log.n_emissions, ==, 4);
  g_assert_cmpuint (log.position, ==, 0);
  g_assert_cmpuint (log.removed, ==, 1005);
  recorder_free (rec);
}

/* Threads */

typedef struct
{
  ResmgrManager *manager;
  GObject       *component;
  guint          n;
  guint          keep;   /* resources left tracked at the end */
} TrackerData;

static gpointer
tracker_thread (gpointer data)
{
  TrackerData *td = data;
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (guint64));

  for (guint i = 0; i < td->n; i++)
    {
      guint64 id = resmgr_service_track_data (SERVICE (td->manager), td->component,
                                              RESMGR_RESOURCE_TYPE_MEMORY, NULL, 8,
                                              RESMGR_PRIORITY_DEFAULT, g_malloc (8), g_free, NULL);

      g_assert_cmpuint (id, !=, 0);
      g_array_append_val (ids, id);
      if (i % 3 == 2)
        {
          guint64 victim = g_array_index (ids, guint64, 0);

          g_array_remove_index_fast (ids, 0);
          g_assert_true (resmgr_service_release (SERVICE (td->manager), victim, NULL));
        }
    }
  td->keep = ids->len;

  return NULL;
}

static void
test_threads (void)
{
  g_autoptr(ResmgrManager) manager = resmgr_manager_new ();
  g_autoptr(ResmgrMonitor) monitor = monitor_new (manager);
  GObject *components[4];
  TrackerData data[4];
  GThread *threads[4];
  GListModel *resources;
  guint expected = 0, n = g_test_thorough () ? 20000 : 2000;
  guint i;

  g_test_summary ("Threads tracking and releasing while the main thread runs the "
                  "monitor's context, checks leaks and samples: the list ends up "
                  "with exactly the resources still tracked");

  resources = resmgr_monitor_get_resources (monitor);
  for (i = 0; i < G_N_ELEMENTS (threads); i++)
    {
      g_autofree char *id = g_strdup_printf ("T%u", i);

      components[i] = G_OBJECT (test_component_new (NULL));
      register_component (SERVICE (manager), components[i], id);
      data[i] = (TrackerData) { manager, components[i], n, 0 };
      threads[i] = g_thread_new ("tracker", tracker_thread, &data[i]);
    }
  for (i = 0; i < 50; i++)
    {
      g_autoptr(GPtrArray) leaks = NULL;

      g_main_context_iteration (NULL, FALSE);
      leaks = resmgr_monitor_check_leaks (monitor);
      g_assert_cmpuint (leaks->len, ==, 0);
      resmgr_monitor_sample_now (monitor);
      g_thread_yield ();
    }
  for (i = 0; i < G_N_ELEMENTS (threads); i++)
    {
      g_thread_join (threads[i]);
      expected += data[i].keep;
    }
  iterate ();
  g_assert_cmpuint (g_list_model_get_n_items (resources), ==, expected);
  g_assert_cmpuint (g_list_model_get_n_items (resmgr_monitor_get_components (monitor)), ==, 4);

  for (i = 0; i < G_N_ELEMENTS (threads); i++)
    g_object_unref (components[i]);
  iterate ();
  g_assert_cmpuint (g_list_model_get_n_items (resources), ==, 0);
  g_assert_cmpuint (g_list_model_get_n_items (resmgr_monitor_get_components (monitor)), ==, 0);
}

static void
test_dispose (void)
{
  g_autoptr(ResmgrManager) manager = resmgr_manager_new ();
  g_autoptr(TestComponent) comp = test_component_new (NULL);
  ResmgrMonitor *monitor = monitor_new (manager);
  Recorder *rec = recorder_new ();
  GListModel *resources;

  g_test_summary ("A monitor dropped with changes pending leaves no source behind; its "
                  "lists may outlive it; the service's signals no longer reach it");

  resources = g_object_ref (resmgr_monitor_get_resources (monitor));
  g_object_add_weak_pointer (G_OBJECT (monitor), (gpointer *) &monitor);
  register_component (SERVICE (manager), comp, "D");
  track_item (SERVICE (manager), comp, RESMGR_RESOURCE_TYPE_MEMORY, RESMGR_PRIORITY_DEFAULT, rec, "x");
  g_object_unref (monitor);
  g_assert_null (monitor);
  track_item (SERVICE (manager), comp, RESMGR_RESOURCE_TYPE_MEMORY, RESMGR_PRIORITY_DEFAULT, rec, "y");
  iterate ();
  g_assert_cmpuint (g_list_model_get_n_items (resources), ==, 0);
  g_object_unref (resources);
  g_clear_object (&comp);
  recorder_free (rec);
}

static void
drop_monitor_cb (GListModel     *resources,
                 guint           position,
                 guint           removed,
                 guint           added,
                 ResmgrMonitor **monitor)
{
  g_clear_object (monitor);
}

static void
test_list_monitor_dropped_in_handler (void)
{
  g_autoptr(ResmgrManager) manager = resmgr_manager_new ();
  g_autoptr(TestComponent) comp = test_component_new (NULL);
  ResmgrMonitor *monitor = monitor_new (manager);
  Recorder *rec = recorder_new ();
  ChangeLog comp_log = { 0, };
  GListModel *components;

  g_test_summary ("A handler of the resources list's items-changed may drop the last "
                  "reference to the monitor (a view closed when its list changes): the "
                  "same batch still reaches the components list, which is freed after it");

  g_signal_connect (resmgr_monitor_get_resources (monitor), "items-changed",
                    G_CALLBACK (drop_monitor_cb), &monitor);
  components = resmgr_monitor_get_components (monitor);
  g_signal_connect (components, "items-changed", G_CALLBACK (on_items_changed), &comp_log);
  g_object_add_weak_pointer (G_OBJECT (components), (gpointer *) &components);

  /* One batch that changes both lists: the resources list is emitted first. */
  register_component (SERVICE (manager), comp, "Dropped");
  track_item (SERVICE (manager), comp, RESMGR_RESOURCE_TYPE_MEMORY, RESMGR_PRIORITY_DEFAULT, rec, "x");
  iterate ();

  g_assert_null (monitor);
  g_assert_cmpuint (comp_log.n_emissions, ==, 1);
  g_assert_cmpuint (comp_log.added, ==, 1);
  g_assert_null (components);
  g_clear_object (&comp);
  recorder_free (rec);
}

static void
test_snapshot (void)
{
  g_autoptr(ResmgrManager) manager = resmgr_manager_new ();
  g_autoptr(ResmgrMonitor) monitor = NULL;
  g_autoptr(TestComponent) a = test_component_new (NULL);
  g_autoptr(TestComponent) b = test_component_new (NULL);
  g_autoptr(GPtrArray) leaks = NULL;
  Recorder *rec = recorder_new ();
  GListModel *resources, *components;
  guint64 early[3], late;

  g_test_summary ("A monitor created late knows what the service already tracked (from "
                  "its snapshot), lists it before what comes later, and finds its leaks");

  register_component (SERVICE (manager), a, "Early");
  register_component (SERVICE (manager), b, "Empty");
  early[0] = track_item (SERVICE (manager), a, RESMGR_RESOURCE_TYPE_MEMORY, RESMGR_PRIORITY_DEFAULT, rec, "e0");
  early[1] = track_item (SERVICE (manager), a, RESMGR_RESOURCE_TYPE_WORKER, RESMGR_PRIORITY_DEFAULT, rec, "e1");
  early[2] = track_item (SERVICE (manager), a, RESMGR_RESOURCE_TYPE_FILE, RESMGR_PRIORITY_DEFAULT, rec, "e2");
  mark_process_lifetime (manager, early[2]);

  monitor = monitor_new (manager);
  resources = resmgr_monitor_get_resources (monitor);
  components = resmgr_monitor_get_components (monitor);
  late = track_item (SERVICE (manager), a, RESMGR_RESOURCE_TYPE_MEMORY, RESMGR_PRIORITY_DEFAULT, rec, "late");
  iterate ();

  g_assert_cmpuint (g_list_model_get_n_items (resources), ==, 4);
  g_assert_cmpuint (resmgr_monitor_resource_get_id (resource_at (monitor, 0)), ==, early[0]);
  g_assert_cmpstr (resmgr_monitor_resource_get_name (resource_at (monitor, 1)), ==, "e1");
  g_assert_cmpuint (resmgr_monitor_resource_get_id (resource_at (monitor, 3)), ==, late);
  g_assert_cmpuint (g_list_model_get_n_items (components), ==, 2);
  g_assert_cmpstr (resmgr_monitor_component_get_id (component_at (monitor, 0)), ==, "Early");
  g_assert_cmpuint (resmgr_monitor_component_get_n_resources (component_at (monitor, 0)), ==, 4);
  g_assert_cmpstr (resmgr_monitor_component_get_id (component_at (monitor, 1)), ==, "Empty");
  g_assert_cmpuint (resmgr_monitor_component_get_n_resources (component_at (monitor, 1)), ==, 0);

  /* the snapshot's process-lifetime metadata is honoured */
  emit_cleanup_finished (manager, "Early");
  leaks = resmgr_monitor_check_leaks (monitor);
  g_assert_cmpuint (leaks->len, ==, 1);
  g_assert_cmpuint (resmgr_handle_get_id (g_ptr_array_index (leaks, 0)), ==, early[1]);
  g_clear_pointer (&leaks, g_ptr_array_unref);
  resmgr_service_notify_component_removed (SERVICE (manager), "Early");
  leaks = resmgr_monitor_check_leaks (monitor);
  g_assert_cmpuint (leaks->len, ==, 3);
  g_assert_false (leaks_contain (leaks, early[2]));

  g_clear_object (&a);
  g_clear_object (&b);
  iterate ();
  g_assert_cmpuint (g_list_model_get_n_items (resources), ==, 0);
  g_assert_cmpuint (g_list_model_get_n_items (components), ==, 0);
  recorder_free (rec);
}


/* The race of test_leak_stale, for real: an observer added before the
 * monitor's holds the tracking thread between the manager's tracking and
 * the monitor hearing of it, while the main thread cleans the component. */
typedef struct
{
  GMutex   mutex;
  GCond    cond;
  gboolean hold;
  gboolean holding;
} Gate;

static void
gate_tracked (gpointer                      data,
              const ResmgrObservedResource *res)
{
  Gate *gate = data;

  g_mutex_lock (&gate->mutex);
  gate->holding = TRUE;
  g_cond_broadcast (&gate->cond);
  while (gate->hold)
    g_cond_wait (&gate->cond, &gate->mutex);
  gate->holding = FALSE;
  g_mutex_unlock (&gate->mutex);
}

typedef struct
{
  ResmgrManager *manager;
  GObject       *component;
  guint64        id;
} RaceTrack;

static gpointer
race_track_thread (gpointer data)
{
  RaceTrack *rt = data;

  rt->id = resmgr_service_track_data (SERVICE (rt->manager), rt->component,
                                      RESMGR_RESOURCE_TYPE_MEMORY, "racer", 8,
                                      RESMGR_PRIORITY_DEFAULT, g_malloc (8), g_free, NULL);

  return NULL;
}

static void
test_leak_stale_race (void)
{
  static const ResmgrObserverFuncs gate_funcs = { .resource_tracked = gate_tracked };
  g_autoptr(ResmgrManager) manager = resmgr_manager_new ();
  g_autoptr(ResmgrMonitor) monitor = NULL;
  g_autoptr(TestComponent) comp = test_component_new (NULL);
  g_autoptr(ResmgrCleanupReport) report = NULL;
  g_autoptr(GPtrArray) leaks = NULL;
  gint64 offset = 0;
  RaceTrack rt;
  GThread *thread;
  LeakLog log;
  Gate gate;
  guint gate_id;

  g_test_summary ("A release the monitor hears before the tracking (a cleanup racing "
                  "with a track on another thread) cancels that tracking when it comes: "
                  "no record, no listed item, no leak");

  g_mutex_init (&gate.mutex);
  g_cond_init (&gate.cond);
  gate.hold = TRUE;
  gate.holding = FALSE;
  gate_id = resmgr_service_add_observer (RESMGR_SERVICE (manager), &gate_funcs, &gate, NULL);
  monitor = monitor_new (manager);
  leak_log_init (&log);
  g_signal_connect (monitor, "leak-detected", G_CALLBACK (on_leak_detected), &log);
  _resmgr_monitor_set_clock (monitor, fake_clock, &offset);
  resmgr_monitor_set_age_threshold (monitor, 10);
  register_component (SERVICE (manager), comp, "Racing");
  g_assert_cmpuint (g_list_model_get_n_items (resmgr_monitor_get_resources (monitor)), ==, 0);

  rt = (RaceTrack) { manager, G_OBJECT (comp), 0 };
  thread = g_thread_new ("racing-tracker", race_track_thread, &rt);

  /* tracked by the manager, not heard of by the monitor yet */
  g_mutex_lock (&gate.mutex);
  while (!gate.holding)
    g_cond_wait (&gate.cond, &gate.mutex);
  g_mutex_unlock (&gate.mutex);

  /* the cleanup releases it: the monitor hears the release first */
  report = resmgr_service_cleanup_component (SERVICE (manager), G_OBJECT (comp), NULL);
  g_assert_cmpuint (resmgr_cleanup_report_get_released (report), ==, 1);

  g_mutex_lock (&gate.mutex);
  gate.hold = FALSE;
  g_cond_broadcast (&gate.cond);
  g_mutex_unlock (&gate.mutex);
  g_thread_join (thread);
  g_assert_cmpuint (rt.id, !=, 0);

  /* then the tracking: matched with the release, never listed */
  iterate ();
  g_assert_cmpuint (g_list_model_get_n_items (resmgr_monitor_get_resources (monitor)), ==, 0);

  /* an hour later it would be too old, had it been kept */
  offset = G_GINT64_CONSTANT (3600) * G_USEC_PER_SEC;
  leaks = resmgr_monitor_check_leaks (monitor);
  g_assert_cmpuint (leaks->len, ==, 0);
  g_assert_cmpuint (log.n_emissions, ==, 0);
  iterate ();
  g_assert_cmpuint (log.n_emissions, ==, 0);
  g_assert_cmpuint (g_list_model_get_n_items (resmgr_monitor_get_resources (monitor)), ==, 0);

  resmgr_service_remove_observer (RESMGR_SERVICE (manager), gate_id);
  g_clear_object (&comp);
  leak_log_clear (&log);
  g_mutex_clear (&gate.mutex);
  g_cond_clear (&gate.cond);
}

static void
test_other_service (void)
{
  g_autoptr(ResmgrTestService) test_service = resmgr_test_service_new ();
  g_autoptr(ResmgrMonitor) monitor = NULL;
  g_autoptr(TestComponent) comp = test_component_new (NULL);
  g_autoptr(ResmgrCleanupReport) report = NULL;
  g_autoptr(GPtrArray) leaks = NULL;
  ResmgrService *service = RESMGR_SERVICE (test_service);
  Recorder *rec = recorder_new ();
  GListModel *resources, *components;
  guint64 ids[3];

  g_test_summary ("A service that is not a manager (the test service, which emits no "
                  "signal and reports its manager's events to its own observers) is "
                  "followed like a manager, through the observer it notifies: lists, "
                  "component states, reports and leaks");

  monitor = g_object_new (RESMGR_TYPE_MONITOR, "service", test_service, "interval", 0, NULL);
  g_assert_true (resmgr_monitor_get_context (monitor) == g_main_context_default ());
  resources = resmgr_monitor_get_resources (monitor);
  components = resmgr_monitor_get_components (monitor);

  register_component (service, comp, "Mocked");
  ids[0] = track_item (service, comp, RESMGR_RESOURCE_TYPE_MEMORY, 20, rec, "m0");
  ids[1] = track_item (service, comp, RESMGR_RESOURCE_TYPE_WORKER, 100, rec, "m1");
  ids[2] = track_item (service, comp, RESMGR_RESOURCE_TYPE_FILE, 40, rec, "m2");
  g_assert_true (resmgr_service_release (service, ids[0], NULL));
  iterate ();

  g_assert_cmpuint (g_list_model_get_n_items (resources), ==, 2);
  g_assert_cmpuint (resmgr_monitor_resource_get_id (resource_at (monitor, 0)), ==, ids[1]);
  g_assert_cmpstr (resmgr_monitor_resource_get_name (resource_at (monitor, 1)), ==, "m2");
  g_assert_cmpstr (resmgr_monitor_resource_get_component (resource_at (monitor, 1)), ==, "Mocked");
  g_assert_cmpuint (g_list_model_get_n_items (components), ==, 1);
  g_assert_cmpstr (resmgr_monitor_component_get_id (component_at (monitor, 0)), ==, "Mocked");
  g_assert_cmpuint (resmgr_monitor_component_get_n_resources (component_at (monitor, 0)), ==, 2);
  g_assert_cmpuint (resmgr_monitor_component_get_bytes (component_at (monitor, 0)), ==, 32);

  /* its cleanup: the report is kept, the component is cleaned, the list empty */
  report = resmgr_service_cleanup_component (service, G_OBJECT (comp), NULL);
  g_assert_nonnull (report);
  iterate ();
  g_assert_cmpuint (resmgr_monitor_get_n_reports (monitor), ==, 1);
  g_assert_cmpuint (g_list_model_get_n_items (resources), ==, 0);
  g_assert_cmpint (resmgr_monitor_component_get_state (component_at (monitor, 0)), ==,
                   RESMGR_COMPONENT_STATE_CLEANED);

  /* a worker tracked before the next cleanup and still there after it */
  ids[0] = track_item (service, comp, RESMGR_RESOURCE_TYPE_WORKER, 100, rec, "late");
  resmgr_service_notify_cleanup_finished (service, report);
  leaks = resmgr_monitor_check_leaks (monitor);
  g_assert_cmpuint (leaks->len, ==, 1);
  g_assert_cmpuint (resmgr_handle_get_id (g_ptr_array_index (leaks, 0)), ==, ids[0]);

  /* disposed: its resource is dropped, the component removed from the list */
  g_clear_object (&comp);
  iterate ();
  g_assert_cmpuint (g_list_model_get_n_items (resources), ==, 0);
  g_assert_cmpuint (g_list_model_get_n_items (components), ==, 0);
  recorder_free (rec);
}

static void
test_properties (void)
{
  g_autoptr(ResmgrManager) manager = resmgr_manager_new ();
  g_autoptr(ResmgrMonitor) monitor = resmgr_monitor_new (SERVICE (manager));
  g_autoptr(ResmgrMonitor) dflt = resmgr_monitor_new (NULL);
  guint interval, history, reports, age;
  guint64 growth_threshold;

  g_test_summary ("Defaults and setters of the monitor's properties; NULL watches the "
                  "default service");

  g_assert_true (resmgr_monitor_get_service (dflt) == resmgr_service_get_default ());
  g_object_get (monitor, "interval", &interval, "history-size", &history,
                "report-history-size", &reports, "growth-threshold", &growth_threshold,
                "age-threshold", &age, NULL);
  g_assert_cmpuint (interval, ==, 1000);
  g_assert_cmpuint (history, ==, 120);
  g_assert_cmpuint (reports, ==, 32);
  g_assert_cmpuint (growth_threshold, ==, 64 * 1024 * 1024);
  g_assert_cmpuint (age, ==, 0);

  g_object_set (monitor, "interval", 0, "history-size", 10, "age-threshold", 5, NULL);
  g_assert_cmpuint (resmgr_monitor_get_interval (monitor), ==, 0);
  g_assert_cmpuint (resmgr_monitor_get_history_size (monitor), ==, 10);
  g_assert_cmpuint (resmgr_monitor_get_age_threshold (monitor), ==, 5);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Resmgr/Monitor/notify/by-hand", test_notify_by_hand);
  g_test_add_func ("/Resmgr/Monitor/properties", test_properties);
  g_test_add_func ("/Resmgr/Monitor/leaks/orphaned", test_leak_orphaned);
  g_test_add_func ("/Resmgr/Monitor/leaks/stale", test_leak_stale);
  g_test_add_func ("/Resmgr/Monitor/leaks/worker-outlived-owner", test_leak_worker_outlived_owner);
  g_test_add_func ("/Resmgr/Monitor/leaks/too-old", test_leak_too_old);
  g_test_add_func ("/Resmgr/Monitor/leaks/none-after-cleanup", test_leak_none_after_cleanup);
  g_test_add_func ("/Resmgr/Monitor/growth/threshold", test_growth);
  g_test_add_func ("/Resmgr/Monitor/growth/default-sampler", test_default_sampler);
  g_test_add_func ("/Resmgr/Monitor/growth/from-thread", test_growth_from_thread);
  g_test_add_func ("/Resmgr/Monitor/signals/owner-blocked", test_signals_owner_blocked);
  g_test_add_func ("/Resmgr/Monitor/reports/history", test_report_history);
  g_test_add_func ("/Resmgr/Monitor/json", test_json);
  g_test_add_func ("/Resmgr/Monitor/list/contents", test_list_contents);
  g_test_add_func ("/Resmgr/Monitor/list/batching", test_list_batching);
  g_test_add_func ("/Resmgr/Monitor/list/many", test_list_many);
  g_test_add_func ("/Resmgr/Monitor/list/monitor-dropped-in-handler", test_list_monitor_dropped_in_handler);
  g_test_add_func ("/Resmgr/Monitor/threads", test_threads);
  g_test_add_func ("/Resmgr/Monitor/dispose", test_dispose);
  g_test_add_func ("/Resmgr/Monitor/snapshot", test_snapshot);
  g_test_add_func ("/Resmgr/Monitor/leaks/stale-race", test_leak_stale_race);
  g_test_add_func ("/Resmgr/Monitor/other-service", test_other_service);

  return g_test_run ();
}
