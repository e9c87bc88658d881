/* test-manager.c: ResmgrManager on one thread: components, tracking,
 * handles, release, cleanup order, failures, re-entrancy, stats
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "test-common.h"
#include "resmgr-private.h"

#define SERVICE(m) RESMGR_SERVICE (m)

static ResmgrStats *
dup_stats (ResmgrManager *manager)
{
  ResmgrStats *stats = resmgr_service_dup_stats (SERVICE (manager));

  g_assert_nonnull (stats);
  return stats;
}

/* Components */

static void
test_register_explicit_id (void)
{
  g_autoptr(ResmgrManager) manager = resmgr_manager_new ();
  g_autoptr(TestComponent) comp = test_component_new (NULL);
  g_autoptr(TestComponent) other = test_component_new (NULL);
  g_autofree char *id = NULL;
  g_autofree char *none = NULL;
  g_autoptr(ResmgrStats) stats = NULL;

  g_test_summary ("A component registered with an id is known by that id; an "
                  "unregistered object has no id");

  register_component (SERVICE (manager), comp, "HashController-3");

  id = resmgr_service_dup_component_id (SERVICE (manager), G_OBJECT (comp));
  g_assert_cmpstr (id, ==, "HashController-3");

  none = resmgr_service_dup_component_id (SERVICE (manager), G_OBJECT (other));
  g_assert_null (none);

  stats = dup_stats (manager);
  g_assert_cmpuint (resmgr_stats_get_n_components (stats), ==, 1);
}

static void
test_register_auto_id (void)
{
  g_autoptr(ResmgrManager) manager = resmgr_manager_new ();
  g_autoptr(TestNamedComponent) a = g_object_new (TEST_TYPE_NAMED_COMPONENT, NULL);
  g_autoptr(TestNamedComponent) b = g_object_new (TEST_TYPE_NAMED_COMPONENT, NULL);
  g_autoptr(TestComponent) c = test_component_new (NULL);
  g_autofree char *id_a = NULL;
  g_autofree char *id_b = NULL;
  g_autofree char *id_c = NULL;

  g_test_summary ("A NULL id names the component <TypeName>-<n>, n counting per "
                  "type name from 1");

  register_component (SERVICE (manager), a, NULL);
  register_component (SERVICE (manager), b, NULL);
  register_component (SERVICE (manager), c, NULL);

  id_a = resmgr_service_dup_component_id (SERVICE (manager), G_OBJECT (a));
  id_b = resmgr_service_dup_component_id (SERVICE (manager), G_OBJECT (b));
  id_c = resmgr_service_dup_component_id (SERVICE (manager), G_OBJECT (c));
  g_assert_cmpstr (id_a, ==, "TestNamedComponent-1");
  g_assert_cmpstr (id_b, ==, "TestNamedComponent-2");
  g_assert_true (g_str_has_prefix (id_c, "TestComponent-"));
}

static void
test_register_twice (void)
{
  g_autoptr(ResmgrManager) manager = resmgr_manager_new ();
  g_autoptr(TestComponent) comp = test_component_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *id = NULL;
  g_autoptr(ResmgrStats) stats = NULL;
  gboolean ok;

  g_test_summary ("Registering the same object twice fails with INVALID_ARGUMENT "
                  "and keeps the first registration");

  register_component (SERVICE (manager), comp, "first");

  ok = resmgr_service_register_component (SERVICE (manager), G_OBJECT (comp), "second", &error);
  g_assert_error (error, RESMGR_ERROR, RESMGR_ERROR_INVALID_ARGUMENT);
  g_assert_false (ok);
  g_clear_error (&error);

  ok = resmgr_service_register_component (SERVICE (manager), G_OBJECT (comp), NULL, &error);
  g_assert_error (error, RESMGR_ERROR, RESMGR_ERROR_INVALID_ARGUMENT);
  g_assert_false (ok);

  id = resmgr_service_dup_component_id (SERVICE (manager), G_OBJECT (comp));
  g_assert_cmpstr (id, ==, "first");

  stats = dup_stats (manager);
  g_assert_cmpuint (resmgr_stats_get_n_components (stats), ==, 1);
}

static void
test_register_duplicate_id (void)
{
  g_autoptr(ResmgrManager) manager = resmgr_manager_new ();
  TestComponent *a = test_component_new (NULL);
  g_autoptr(TestComponent) b = test_component_new (NULL);
  g_autoptr(TestComponent) c = test_component_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *id_b = NULL;
  g_autofree char *id_c = NULL;
  gboolean ok;

  g_test_summary ("An id used by a live component is refused with INVALID_ARGUMENT; "
                  "it is free again once that component is gone");

  register_component (SERVICE (manager), a, "Tab-1");

  ok = resmgr_service_register_component (SERVICE (manager), G_OBJECT (b), "Tab-1", &error);
  g_assert_error (error, RESMGR_ERROR, RESMGR_ERROR_INVALID_ARGUMENT);
  g_assert_false (ok);
  g_clear_error (&error);

  id_b = resmgr_service_dup_component_id (SERVICE (manager), G_OBJECT (b));
  g_assert_null (id_b);

  g_object_unref (a);

  register_component (SERVICE (manager), c, "Tab-1");
  id_c = resmgr_service_dup_component_id (SERVICE (manager), G_OBJECT (c));
  g_assert_cmpstr (id_c, ==, "Tab-1");
}

static void
test_register_not_registered (void)
{
  g_autoptr(ResmgrManager) manager = resmgr_manager_new ();
  g_autoptr(TestComponent) comp = test_component_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(ResmgrCleanupReport) report = NULL;
  Recorder *rec = recorder_new ();
  Item *item = item_new (rec, "data");
  guint64 id;

  g_test_summary ("Tracking for, or cleaning, an object that is not a registered "
                  "component fails with NOT_FOUND and takes nothing");

  id = resmgr_service_track_data (SERVICE (manager), G_OBJECT (comp), RESMGR_RESOURCE_TYPE_MEMORY,
                                  "data", 8, RESMGR_PRIORITY_DEFAULT, item, item_destroy, &error);
  g_assert_error (error, RESMGR_ERROR, RESMGR_ERROR_NOT_FOUND);
  g_assert_cmpuint (id, ==, 0);
  g_assert_cmpuint (recorder_len (rec), ==, 0);
  g_clear_error (&error);

  report = resmgr_service_cleanup_component (SERVICE (manager), G_OBJECT (comp), &error);
  g_assert_error (error, RESMGR_ERROR, RESMGR_ERROR_NOT_FOUND);
  g_assert_null (report);

  /* the caller still owns the data */
  item_destroy (item);
  g_assert_cmpuint (recorder_len (rec), ==, 1);
  recorder_free (rec);
}

static void
test_register_weak (void)
{
  g_autoptr(ResmgrManager) manager = resmgr_manager_new ();
  g_autoptr(ResmgrStats) stats = NULL;
  gboolean finalized;
  TestComponent *comp = test_component_new (&finalized);

  g_test_summary ("The service holds components weakly: registering does not keep "
                  "a component alive, and a dropped component is unregistered");

  register_component (SERVICE (manager), comp, "weak");
  g_object_unref (comp);
  g_assert_true (finalized);

  stats = dup_stats (manager);
  g_assert_cmpuint (resmgr_stats_get_n_components (stats), ==, 0);
  g_assert_cmpuint (resmgr_stats_get_peak_components (stats), ==, 1);
}

/* Owned data */

static void
test_track_owned_data (void)
{
  g_autoptr(ResmgrManager) manager = resmgr_manager_new ();
  g_autoptr(TestComponent) comp = test_component_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(ResmgrStats) stats = NULL;
  Recorder *rec = recorder_new ();
  guint64 id;
  gboolean ok;

  g_test_summary ("Owned data: the destroy notify runs exactly once, at release, "
                  "on the calling thread");

  register_component (SERVICE (manager), comp, "owner");
  id = track_item (SERVICE (manager), comp, RESMGR_RESOURCE_TYPE_MEMORY,
                   RESMGR_PRIORITY_DEFAULT, rec, "data");
  g_assert_cmpuint (recorder_len (rec), ==, 0);

  ok = resmgr_service_release (SERVICE (manager), id, &error);
  g_assert_no_error (error);
  g_assert_true (ok);
  g_assert_cmpuint (recorder_count (rec, "data"), ==, 1);
  g_assert_true (recorder_thread (rec, 0) == g_thread_self ());

  /* component cleanup and component finalization do not call it again */
  g_clear_pointer (&stats, resmgr_stats_free);
  g_clear_object (&comp);
  g_assert_cmpuint (recorder_len (rec), ==, 1);

  stats = dup_stats (manager);
  g_assert_cmpuint (resmgr_stats_get_total_tracked (stats), ==, 1);
  g_assert_cmpuint (resmgr_stats_get_total_released (stats), ==, 1);
  g_assert_cmpuint (resmgr_stats_get_n_resources (stats), ==, 0);

  recorder_free (rec);
}

static void
test_track_owned_data_component_cleanup (void)
{
  g_autoptr(ResmgrManager) manager = resmgr_manager_new ();
  g_autoptr(TestComponent) comp = test_component_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(ResmgrCleanupReport) report = NULL;
  g_autoptr(ResmgrCleanupReport) report2 = NULL;
  g_autofree char *id = NULL;
  Recorder *rec = recorder_new ();
  guint64 rid;

  g_test_summary ("Owned data: cleanup_component calls the destroy notify once; "
                  "the component stays registered and can track again");

  register_component (SERVICE (manager), comp, "owner");
  track_item (SERVICE (manager), comp, RESMGR_RESOURCE_TYPE_MEMORY,
              RESMGR_PRIORITY_DEFAULT, rec, "data");

  report = resmgr_service_cleanup_component (SERVICE (manager), G_OBJECT (comp), &error);
  g_assert_no_error (error);
  g_assert_nonnull (report);
  g_assert_cmpstr (resmgr_cleanup_report_get_scope (report), ==, "owner");
  g_assert_cmpuint (resmgr_cleanup_report_get_released (report), ==, 1);
  g_assert_cmpuint (resmgr_cleanup_report_get_failed (report), ==, 0);
  g_assert_true (resmgr_cleanup_report_is_clean (report));
  g_assert_cmpuint (recorder_count (rec, "data"), ==, 1);

  /* still registered */
  id = resmgr_service_dup_component_id (SERVICE (manager), G_OBJECT (comp));
  g_assert_cmpstr (id, ==, "owner");

  /* a second cleanup has nothing to do */
  report2 = resmgr_service_cleanup_component (SERVICE (manager), G_OBJECT (comp), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (resmgr_cleanup_report_get_released (report2), ==, 0);
  g_assert_cmpuint (recorder_count (rec, "data"), ==, 1);

  /* and it can track again */
  rid = track_item (SERVICE (manager), comp, RESMGR_RESOURCE_TYPE_MEMORY,
                    RESMGR_PRIORITY_DEFAULT, rec, "again");
  g_assert_cmpuint (rid, !=, 0);
  g_clear_object (&comp);
  g_assert_cmpuint (recorder_count (rec, "again"), ==, 1);
  g_assert_cmpuint (recorder_len (rec), ==, 2);

  recorder_free (rec);
}

static void
on_component_removed (ResmgrManager *manager,
                      const char    *id,
                      gpointer       user_data)
{
  recorder_push (user_data, id);
}

static void
test_track_owned_data_component_unref (void)
{
  g_autoptr(ResmgrManager) manager = resmgr_manager_new ();
  g_autoptr(ResmgrStats) stats = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(ResmgrHandle) handle = NULL;
  Recorder *rec = recorder_new ();
  Recorder *removed = recorder_new ();
  gboolean finalized;
  TestComponent *comp = test_component_new (&finalized);
  guint64 id;

  g_test_summary ("Owned data: dropping the last reference of the component on its "
                  "owner thread cleans up inline, once, and removes the component");

  g_signal_connect (manager, "component-removed", G_CALLBACK (on_component_removed), removed);

  register_component (SERVICE (manager), comp, "owner");
  id = track_item (SERVICE (manager), comp, RESMGR_RESOURCE_TYPE_MEMORY,
                   RESMGR_PRIORITY_DEFAULT, rec, "a");
  track_item (SERVICE (manager), comp, RESMGR_RESOURCE_TYPE_FILE,
              RESMGR_PRIORITY_DEFAULT, rec, "b");

  g_object_unref (comp);
  g_assert_true (finalized);

  /* the main thread could acquire the owner context: inline */
  g_assert_cmpuint (recorder_count (rec, "a"), ==, 1);
  g_assert_cmpuint (recorder_count (rec, "b"), ==, 1);
  g_assert_cmpuint (recorder_len (rec), ==, 2);
  g_assert_true (recorder_thread (rec, 0) == g_thread_self ());
  g_assert_cmpuint (recorder_len (removed), ==, 1);
  g_assert_cmpuint (recorder_count (removed, "owner"), ==, 1);

  handle = resmgr_service_lookup (SERVICE (manager), id, &error);
  g_assert_error (error, RESMGR_ERROR, RESMGR_ERROR_NOT_FOUND);
  g_assert_null (handle);

  stats = dup_stats (manager);
  g_assert_cmpuint (resmgr_stats_get_n_resources (stats), ==, 0);
  g_assert_cmpuint (resmgr_stats_get_n_components (stats), ==, 0);
  g_assert_cmpuint (resmgr_stats_get_total_released (stats), ==, 2);

  recorder_free (rec);
  recorder_free (removed);
}

static void
collect_report_cb (ResmgrService       *service,
                   ResmgrCleanupReport *report,
                   GPtrArray           *reports)
{
  g_ptr_array_add (reports, resmgr_cleanup_report_ref (report));
}

static void
observe_report (gpointer             data,
                ResmgrCleanupReport *report)
{
  g_ptr_array_add (data, resmgr_cleanup_report_ref (report));
}

/* "<scope>:<released>" of each report, space-separated. */
static char *
join_reports (GPtrArray *reports)
{
  GString *str = g_string_new (NULL);

  for (guint i = 0; i < reports->len; i++)
    g_string_append_printf (str, "%s%s:%u", i > 0 ? " " : "",
                            resmgr_cleanup_report_get_scope (g_ptr_array_index (reports, i)),
                            resmgr_cleanup_report_get_released (g_ptr_array_index (reports, i)));

  return g_string_free (str, FALSE);
}

static void
test_dispose_reports_what_it_cleaned (void)
{
  static const ResmgrObserverFuncs funcs = { .cleanup_finished = observe_report };
  g_autoptr(ResmgrManager) manager = resmgr_manager_new ();
  g_autoptr(GPtrArray) reports = g_ptr_array_new_with_free_func ((GDestroyNotify) resmgr_cleanup_report_unref);
  g_autoptr(GPtrArray) observed = g_ptr_array_new_with_free_func ((GDestroyNotify) resmgr_cleanup_report_unref);
  g_autofree char *joined = NULL;
  g_autofree char *joined_observed = NULL;
  ResmgrService *service = SERVICE (manager);
  Recorder *rec = recorder_new ();
  TestComponent *cleaned = test_component_new (NULL);
  TestComponent *owning = test_component_new (NULL);
  TestComponent *empty = test_component_new (NULL);
  TestComponent *again = test_component_new (NULL);
  g_autoptr(GError) error = NULL;
  guint observer_id;

  g_test_summary ("A component's disposal is reported (cleanup-finished, observers) when it "
                  "cleaned something: one cleaned before and disposed with nothing tracked "
                  "since has one report, its cleanup's; one disposed with resources has the "
                  "disposal's; one that never owned anything none; one that tracked more "
                  "after its cleanup has both");

  g_signal_connect (manager, "cleanup-finished", G_CALLBACK (collect_report_cb), reports);
  observer_id = resmgr_service_add_observer (service, &funcs, observed, NULL);

  register_component (service, cleaned, "cleaned");
  register_component (service, owning, "owning");
  register_component (service, empty, "empty");
  register_component (service, again, "again");
  track_item (service, cleaned, RESMGR_RESOURCE_TYPE_MEMORY, RESMGR_PRIORITY_DEFAULT, rec, "c1");
  track_item (service, owning, RESMGR_RESOURCE_TYPE_MEMORY, RESMGR_PRIORITY_DEFAULT, rec, "o1");
  track_item (service, owning, RESMGR_RESOURCE_TYPE_FILE, RESMGR_PRIORITY_DEFAULT, rec, "o2");
  track_item (service, again, RESMGR_RESOURCE_TYPE_MEMORY, RESMGR_PRIORITY_DEFAULT, rec, "a1");

  resmgr_cleanup_report_unref (resmgr_service_cleanup_component (service, G_OBJECT (cleaned), &error));
  g_assert_no_error (error);
  resmgr_cleanup_report_unref (resmgr_service_cleanup_component (service, G_OBJECT (again), &error));
  g_assert_no_error (error);
  track_item (service, again, RESMGR_RESOURCE_TYPE_MEMORY, RESMGR_PRIORITY_DEFAULT, rec, "a2");

  g_object_unref (cleaned);
  g_object_unref (owning);
  g_object_unref (empty);
  g_object_unref (again);
  while (g_main_context_iteration (NULL, FALSE))
    ;

  assert_recorded (rec, "c1,a1,o2,o1,a2");
  joined = join_reports (reports);
  g_assert_cmpstr (joined, ==, "cleaned:1 again:1 owning:2 again:1");
  joined_observed = join_reports (observed);
  g_assert_cmpstr (joined_observed, ==, joined);

  resmgr_service_remove_observer (service, observer_id);
  recorder_free (rec);
}

static void
test_track_after_shutdown (void)
{
  g_autoptr(ResmgrManager) manager = resmgr_manager_new ();
  g_autoptr(TestComponent) comp = test_component_new (NULL);
  g_autoptr(TestComponent) late = test_component_new (NULL);
  g_autoptr(TestObject) object = test_object_new (NULL);
  g_autoptr(ResmgrCleanupReport) report = NULL;
  g_autoptr(GError) error = NULL;
  Recorder *rec = recorder_new ();
  Item *item = item_new (rec, "data");
  Item *user = item_new (rec, "user");
  Item *user2 = item_new (rec, "user2");
  guint64 id;
  gboolean ok;

  g_test_summary ("After shutdown, tracking is refused with SHUTTING_DOWN and the "
                  "caller still owns the data and user data");

  register_component (SERVICE (manager), comp, "owner");
  report = resmgr_service_shutdown (SERVICE (manager), 1000, &error);
  g_assert_no_error (error);
  g_assert_nonnull (report);
  g_assert_true (resmgr_service_is_shutting_down (SERVICE (manager)));

  id = resmgr_service_track_data (SERVICE (manager), G_OBJECT (comp), RESMGR_RESOURCE_TYPE_MEMORY,
                                  "data", 8, RESMGR_PRIORITY_DEFAULT, item, item_destroy, &error);
  g_assert_error (error, RESMGR_ERROR, RESMGR_ERROR_SHUTTING_DOWN);
  g_assert_cmpuint (id, ==, 0);
  g_clear_error (&error);

  id = resmgr_service_track_object (SERVICE (manager), G_OBJECT (comp), RESMGR_RESOURCE_TYPE_WIDGET,
                                    "object", 0, RESMGR_PRIORITY_DEFAULT, G_OBJECT (object),
                                    item_cleanup, user, item_free, &error);
  g_assert_error (error, RESMGR_ERROR, RESMGR_ERROR_SHUTTING_DOWN);
  g_assert_cmpuint (id, ==, 0);
  g_clear_error (&error);

  id = resmgr_service_add_cleanup (SERVICE (manager), G_OBJECT (comp), "cleanup",
                                   RESMGR_PRIORITY_DEFAULT, item_cleanup, user2, item_free, &error);
  g_assert_error (error, RESMGR_ERROR, RESMGR_ERROR_SHUTTING_DOWN);
  g_assert_cmpuint (id, ==, 0);
  g_clear_error (&error);

  ok = resmgr_service_register_component (SERVICE (manager), G_OBJECT (late), NULL, &error);
  g_assert_error (error, RESMGR_ERROR, RESMGR_ERROR_SHUTTING_DOWN);
  g_assert_false (ok);

  /* nothing was taken */
  g_assert_cmpuint (recorder_len (rec), ==, 0);
  g_assert_cmpuint (rec->n_user_data_destroyed, ==, 0);
  g_clear_object (&comp);
  g_assert_cmpuint (recorder_len (rec), ==, 0);
  g_assert_cmpuint (rec->n_user_data_destroyed, ==, 0);

  item_destroy (item);
  item_free (user);
  item_free (user2);
  recorder_free (rec);
}

/* Watched objects */

typedef struct
{
  Recorder   *rec;
  TestObject *expected;
  TestObject *test_ref;   /* the test's own reference, dropped in the cleanup */
  gboolean   *finalized;
  guint       n_calls;
  guint       refcount_seen;
  gboolean    alive_after_drop;
} WatchData;

static gboolean
watch_cleanup (gpointer   resource,
               gpointer   user_data,
               GError   **error)
{
  WatchData *wd = user_data;

  wd->n_calls++;
  g_assert_true (resource == (gpointer) wd->expected);
  g_assert_true (TEST_IS_OBJECT (resource));
  wd->refcount_seen = g_atomic_int_get (&G_OBJECT (resource)->ref_count);

  /* drop the test's own reference: the temporary strong reference of the
   * service must keep the object alive until the cleanup returns */
  g_clear_object (&wd->test_ref);
  wd->alive_after_drop = !*wd->finalized;
  g_assert_cmpuint (g_atomic_int_get (&G_OBJECT (resource)->ref_count), >, 0);

  recorder_push (wd->rec, "watched");
  return TRUE;
}

static void
watch_data_destroy (gpointer data)
{
  WatchData *wd = data;

  recorder_push (wd->rec, "user-data-destroy");
}

static void
test_track_watched_released (void)
{
  g_autoptr(ResmgrManager) manager = resmgr_manager_new ();
  g_autoptr(TestComponent) comp = test_component_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(ResmgrStats) stats = NULL;
  Recorder *rec = recorder_new ();
  WatchData wd = { 0 };
  gboolean finalized;
  TestObject *object = test_object_new (&finalized);
  guint64 id;
  gboolean ok;

  g_test_summary ("A watched object released first: its cleanup is called once with "
                  "the object, alive thanks to a temporary strong reference; then "
                  "user_data_destroy runs once");

  wd.rec = rec;
  wd.expected = object;
  wd.test_ref = object;
  wd.finalized = &finalized;

  register_component (SERVICE (manager), comp, "owner");
  id = resmgr_service_track_object (SERVICE (manager), G_OBJECT (comp), RESMGR_RESOURCE_TYPE_WORKER,
                                    "worker", 64, RESMGR_PRIORITY_DEFAULT, G_OBJECT (object),
                                    watch_cleanup, &wd, watch_data_destroy, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (id, !=, 0);

  /* held weakly */
  g_assert_cmpuint (G_OBJECT (object)->ref_count, ==, 1);

  ok = resmgr_service_release (SERVICE (manager), id, &error);
  g_assert_no_error (error);
  g_assert_true (ok);

  g_assert_cmpuint (wd.n_calls, ==, 1);
  g_assert_cmpuint (wd.refcount_seen, >=, 2);
  g_assert_true (wd.alive_after_drop);
  /* the temporary reference was dropped after the call */
  g_assert_true (finalized);
  g_assert_cmpuint (recorder_count (rec, "user-data-destroy"), ==, 1);
  /* order: cleanup, then user_data_destroy */
  g_assert_cmpstr (g_ptr_array_index (rec->names, 0), ==, "watched");

  /* the component's cleanup does not call it again */
  g_clear_object (&comp);
  g_assert_cmpuint (wd.n_calls, ==, 1);
  g_assert_cmpuint (recorder_count (rec, "user-data-destroy"), ==, 1);

  stats = dup_stats (manager);
  g_assert_cmpuint (resmgr_stats_get_total_released (stats), ==, 1);
  g_assert_cmpuint (resmgr_stats_get_total_lost (stats), ==, 0);

  recorder_free (rec);
}

static void
test_track_watched_cleanup (void)
{
  g_autoptr(ResmgrManager) manager = resmgr_manager_new ();
  g_autoptr(TestComponent) comp = test_component_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(ResmgrCleanupReport) report = NULL;
  Recorder *rec = recorder_new ();
  WatchData wd = { 0 };
  gboolean finalized;
  TestObject *object = test_object_new (&finalized);
  guint64 id;

  g_test_summary ("A watched object still alive at component cleanup gets its cleanup "
                  "called once with a strong reference");

  wd.rec = rec;
  wd.expected = object;
  wd.test_ref = object;
  wd.finalized = &finalized;

  register_component (SERVICE (manager), comp, "owner");
  id = resmgr_service_track_object (SERVICE (manager), G_OBJECT (comp), RESMGR_RESOURCE_TYPE_WIDGET,
                                    "window", 0, RESMGR_PRIORITY_DEFAULT, G_OBJECT (object),
                                    watch_cleanup, &wd, watch_data_destroy, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (id, !=, 0);

  report = resmgr_service_cleanup_component (SERVICE (manager), G_OBJECT (comp), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (resmgr_cleanup_report_get_released (report), ==, 1);
  g_assert_cmpuint (resmgr_cleanup_report_get_lost (report), ==, 0);
  g_assert_cmpuint (wd.n_calls, ==, 1);
  g_assert_true (wd.alive_after_drop);
  g_assert_true (finalized);
  g_assert_cmpuint (recorder_count (rec, "user-data-destroy"), ==, 1);

  recorder_free (rec);
}

static void
test_track_watched_finalized (void)
{
  g_autoptr(ResmgrManager) manager = resmgr_manager_new ();
  g_autoptr(TestComponent) comp = test_component_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(ResmgrStats) stats = NULL;
  g_autoptr(ResmgrHandle) handle = NULL;
  g_autoptr(ResmgrCleanupReport) report = NULL;
  Recorder *rec = recorder_new ();
  WatchData wd = { 0 };
  gboolean finalized;
  TestObject *object = test_object_new (&finalized);
  guint64 id;
  gboolean ok;

  g_test_summary ("A watched object finalized first: no cleanup call, lookup gives "
                  "NOT_FOUND, stats count it lost, user_data_destroy runs once");

  wd.rec = rec;
  wd.expected = object;
  wd.finalized = &finalized;

  register_component (SERVICE (manager), comp, "owner");
  id = resmgr_service_track_object (SERVICE (manager), G_OBJECT (comp), RESMGR_RESOURCE_TYPE_WORKER,
                                    "worker", 100, RESMGR_PRIORITY_DEFAULT, G_OBJECT (object),
                                    watch_cleanup, &wd, watch_data_destroy, &error);
  g_assert_no_error (error);

  g_object_unref (object);
  g_assert_true (finalized);
  g_assert_cmpuint (wd.n_calls, ==, 0);
  g_assert_cmpuint (recorder_count (rec, "user-data-destroy"), ==, 1);

  handle = resmgr_service_lookup (SERVICE (manager), id, &error);
  g_assert_error (error, RESMGR_ERROR, RESMGR_ERROR_NOT_FOUND);
  g_assert_null (handle);
  g_clear_error (&error);

  stats = dup_stats (manager);
  g_assert_cmpuint (resmgr_stats_get_total_tracked (stats), ==, 1);
  g_assert_cmpuint (resmgr_stats_get_total_lost (stats), ==, 1);
  g_assert_cmpuint (resmgr_stats_get_total_released (stats), ==, 0);
  g_assert_cmpuint (resmgr_stats_get_n_resources (stats), ==, 0);
  g_assert_cmpuint (resmgr_stats_get_total_bytes (stats), ==, 0);
  g_assert_cmpuint (resmgr_stats_get_count (stats, RESMGR_RESOURCE_TYPE_WORKER), ==, 0);

  /* release is NOT_FOUND, cleanup of the component has nothing to do */
  ok = resmgr_service_release (SERVICE (manager), id, &error);
  g_assert_error (error, RESMGR_ERROR, RESMGR_ERROR_NOT_FOUND);
  g_assert_false (ok);
  g_clear_error (&error);

  report = resmgr_service_cleanup_component (SERVICE (manager), G_OBJECT (comp), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (resmgr_cleanup_report_get_released (report), ==, 0);
  g_assert_cmpuint (wd.n_calls, ==, 0);
  g_assert_cmpuint (recorder_count (rec, "user-data-destroy"), ==, 1);

  recorder_free (rec);
}

static void
test_track_watched_disposed (void)
{
  g_autoptr(ResmgrManager) manager = resmgr_manager_new ();
  g_autoptr(TestComponent) comp = test_component_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(ResmgrStats) stats = NULL;
  g_autoptr(ResmgrStats) stats2 = NULL;
  g_autoptr(ResmgrHandle) handle = NULL;
  g_autoptr(ResmgrHandle) handle2 = NULL;
  Recorder *rec = recorder_new ();
  WatchData wd = { 0 };
  gboolean finalized;
  TestObject *object = test_object_new (&finalized);
  guint64 id;

  g_test_summary ("g_object_run_dispose on a watched object that stays alive: lookup "
                  "says DISPOSED; after its last unref, NOT_FOUND; lost once, no cleanup");

  wd.rec = rec;
  wd.expected = object;
  wd.finalized = &finalized;

  register_component (SERVICE (manager), comp, "owner");
  id = resmgr_service_track_object (SERVICE (manager), G_OBJECT (comp), RESMGR_RESOURCE_TYPE_WIDGET,
                                    "window", 0, RESMGR_PRIORITY_DEFAULT, G_OBJECT (object),
                                    watch_cleanup, &wd, watch_data_destroy, &error);
  g_assert_no_error (error);

  g_object_run_dispose (G_OBJECT (object));
  g_assert_false (finalized);
  g_assert_cmpuint (test_object_get_n_disposes (object), ==, 1);

  handle = resmgr_service_lookup (SERVICE (manager), id, &error);
  g_assert_no_error (error);
  g_assert_nonnull (handle);
  g_assert_cmpint (resmgr_handle_get_state (handle), ==, RESMGR_RESOURCE_STATE_DISPOSED);
  g_assert_cmpuint (resmgr_handle_get_id (handle), ==, id);
  g_assert_cmpuint (wd.n_calls, ==, 0);

  g_object_unref (object);
  g_assert_true (finalized);

  handle2 = resmgr_service_lookup (SERVICE (manager), id, &error);
  g_assert_error (error, RESMGR_ERROR, RESMGR_ERROR_NOT_FOUND);
  g_assert_null (handle2);
  g_clear_error (&error);

  g_assert_cmpuint (wd.n_calls, ==, 0);
  g_assert_cmpuint (recorder_count (rec, "user-data-destroy"), ==, 1);

  stats = dup_stats (manager);
  g_assert_cmpuint (resmgr_stats_get_total_lost (stats), ==, 1);
  g_assert_cmpuint (resmgr_stats_get_n_resources (stats), ==, 0);

  g_clear_object (&comp);
  stats2 = dup_stats (manager);
  g_assert_cmpuint (resmgr_stats_get_total_lost (stats2), ==, 1);
  g_assert_cmpuint (resmgr_stats_get_total_released (stats2), ==, 0);
  g_assert_cmpuint (wd.n_calls, ==, 0);
  g_assert_cmpuint (recorder_count (rec, "user-data-destroy"), ==, 1);

  recorder_free (rec);
}

static void
test_track_watched_disposed_cleanup (void)
{
  g_autoptr(ResmgrManager) manager = resmgr_manager_new ();
  g_autoptr(TestComponent) comp = test_component_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(ResmgrStats) stats = NULL;
  g_autoptr(ResmgrHandle) handle = NULL;
  g_autoptr(ResmgrCleanupReport) report = NULL;
  Recorder *rec = recorder_new ();
  WatchData wd = { 0 };
  gboolean finalized;
  TestObject *object = test_object_new (&finalized);
  guint64 id;

  g_test_summary ("A watched object disposed but alive at component cleanup: its "
                  "cleanup is not called, the report and stats count it lost, "
                  "its later finalization changes nothing");

  wd.rec = rec;
  wd.expected = object;
  wd.finalized = &finalized;

  register_component (SERVICE (manager), comp, "owner");
  id = resmgr_service_track_object (SERVICE (manager), G_OBJECT (comp), RESMGR_RESOURCE_TYPE_WIDGET,
                                    "window", 0, RESMGR_PRIORITY_DEFAULT, G_OBJECT (object),
                                    watch_cleanup, &wd, watch_data_destroy, &error);
  g_assert_no_error (error);
  track_item (SERVICE (manager), comp, RESMGR_RESOURCE_TYPE_MEMORY, RESMGR_PRIORITY_DEFAULT,
              rec, "buffer");

  g_object_run_dispose (G_OBJECT (object));

  report = resmgr_service_cleanup_component (SERVICE (manager), G_OBJECT (comp), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (wd.n_calls, ==, 0);
  g_assert_cmpuint (resmgr_cleanup_report_get_lost (report), ==, 1);
  g_assert_cmpuint (resmgr_cleanup_report_get_released (report), ==, 1);
  g_assert_cmpuint (resmgr_cleanup_report_get_failed (report), ==, 0);
  g_assert_cmpuint (recorder_count (rec, "buffer"), ==, 1);
  g_assert_cmpuint (recorder_count (rec, "user-data-destroy"), ==, 1);

  handle = resmgr_service_lookup (SERVICE (manager), id, &error);
  g_assert_error (error, RESMGR_ERROR, RESMGR_ERROR_NOT_FOUND);
  g_assert_null (handle);
  g_clear_error (&error);

  g_object_unref (object);
  g_assert_true (finalized);
  g_assert_cmpuint (wd.n_calls, ==, 0);
  g_assert_cmpuint (recorder_count (rec, "user-data-destroy"), ==, 1);

  stats = dup_stats (manager);
  g_assert_cmpuint (resmgr_stats_get_total_lost (stats), ==, 1);
  g_assert_cmpuint (resmgr_stats_get_total_released (stats), ==, 1);
  g_assert_cmpuint (resmgr_stats_get_n_resources (stats), ==, 0);

  recorder_free (rec);
}

static gboolean
null_resource_cleanup (gpointer   resource,
                       gpointer   user_data,
                       GError   **error)
{
  Item *item = user_data;

  g_assert_null (resource);
  recorder_push (item->rec, item->name);
  return TRUE;
}

static void
test_enumerate (void)
{
  g_autoptr(ResmgrManager) manager = resmgr_manager_new ();
  g_autoptr(TestComponent) a = test_component_new (NULL);
  g_autoptr(TestComponent) b = test_component_new (NULL);
  g_autoptr(TestComponent) watched = test_component_new (NULL);
  g_autoptr(GPtrArray) all = NULL;
  g_autoptr(GPtrArray) only_b = NULL;
  g_autoptr(GPtrArray) after = NULL;
  g_auto(GStrv) ids = NULL;
  g_autoptr(GError) error = NULL;
  guint64 ida, idb1, idb2;

  g_test_summary ("dup_handles lists every tracked resource, per component in creation "
                  "order, with a watched object disposed but alive shown as DISPOSED; "
                  "dup_component_ids lists components in registration order");

  register_component (SERVICE (manager), a, "A");
  register_component (SERVICE (manager), b, "B");
  ida = resmgr_service_track_data (SERVICE (manager), G_OBJECT (a), RESMGR_RESOURCE_TYPE_MEMORY, "a1", 8,
                                   RESMGR_PRIORITY_DEFAULT, g_malloc (8), g_free, &error);
  g_assert_no_error (error);
  idb1 = resmgr_service_track_data (SERVICE (manager), G_OBJECT (b), RESMGR_RESOURCE_TYPE_FILE, "b1", 16,
                                    RESMGR_PRIORITY_DEFAULT, g_malloc (8), g_free, &error);
  g_assert_no_error (error);
  idb2 = resmgr_service_track_object (SERVICE (manager), G_OBJECT (b), RESMGR_RESOURCE_TYPE_WIDGET, "b2", 0,
                                      RESMGR_PRIORITY_DEFAULT, G_OBJECT (watched), NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_object_run_dispose (G_OBJECT (watched));

  ids = resmgr_service_dup_component_ids (SERVICE (manager));
  g_assert_cmpuint (g_strv_length (ids), ==, 2);
  g_assert_cmpstr (ids[0], ==, "A");
  g_assert_cmpstr (ids[1], ==, "B");

  all = resmgr_service_dup_handles (SERVICE (manager), NULL);
  g_assert_cmpuint (all->len, ==, 3);
  g_assert_cmpuint (resmgr_handle_get_id (g_ptr_array_index (all, 0)), ==, ida);
  g_assert_cmpuint (resmgr_handle_get_id (g_ptr_array_index (all, 1)), ==, idb1);
  g_assert_cmpuint (resmgr_handle_get_id (g_ptr_array_index (all, 2)), ==, idb2);
  g_assert_cmpint (resmgr_handle_get_state (g_ptr_array_index (all, 1)), ==, RESMGR_RESOURCE_STATE_ACTIVE);
  g_assert_cmpint (resmgr_handle_get_state (g_ptr_array_index (all, 2)), ==, RESMGR_RESOURCE_STATE_DISPOSED);

  only_b = resmgr_service_dup_handles (SERVICE (manager), "B");
  g_assert_cmpuint (only_b->len, ==, 2);
  g_assert_cmpstr (resmgr_handle_get_component_id (g_ptr_array_index (only_b, 0)), ==, "B");

  g_assert_true (resmgr_service_release (SERVICE (manager), idb1, &error));
  after = resmgr_service_dup_handles (SERVICE (manager), "B");
  g_assert_cmpuint (after->len, ==, 1);
  g_assert_cmpuint (resmgr_handle_get_id (g_ptr_array_index (after, 0)), ==, idb2);
}

static void
test_track_add_cleanup (void)
{
  g_autoptr(ResmgrManager) manager = resmgr_manager_new ();
  g_autoptr(TestComponent) comp = test_component_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(ResmgrHandle) handle = NULL;
  Recorder *rec = recorder_new ();
  guint64 id;
  gboolean ok;

  g_test_summary ("add_cleanup: a CUSTOM resource whose callback gets NULL, is called "
                  "once, and whose user_data_destroy runs once");

  register_component (SERVICE (manager), comp, "owner");
  id = resmgr_service_add_cleanup (SERVICE (manager), G_OBJECT (comp), "cb", RESMGR_PRIORITY_DEFAULT,
                                   null_resource_cleanup, item_new (rec, "cb"), item_free, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (id, !=, 0);

  handle = resmgr_service_lookup (SERVICE (manager), id, &error);
  g_assert_no_error (error);
  g_assert_cmpint (resmgr_handle_get_resource_type (handle), ==, RESMGR_RESOURCE_TYPE_CUSTOM);
  g_assert_cmpint (resmgr_handle_get_priority (handle), ==, 50);
  g_assert_cmpstr (resmgr_handle_get_name (handle), ==, "cb");

  ok = resmgr_service_release (SERVICE (manager), id, &error);
  g_assert_no_error (error);
  g_assert_true (ok);
  g_assert_cmpuint (recorder_count (rec, "cb"), ==, 1);
  g_assert_cmpuint (rec->n_user_data_destroyed, ==, 1);

  g_clear_object (&comp);
  g_assert_cmpuint (recorder_count (rec, "cb"), ==, 1);
  g_assert_cmpuint (rec->n_user_data_destroyed, ==, 1);

  recorder_free (rec);
}

/* Handles */

static void
test_handle_fields (void)
{
  g_autoptr(ResmgrManager) manager = resmgr_manager_new ();
  g_autoptr(TestComponent) comp = test_component_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(ResmgrHandle) handle = NULL;
  g_autoptr(ResmgrHandle) handle2 = NULL;
  Recorder *rec = recorder_new ();
  gint64 before, after;
  guint64 id, id2;

  g_test_summary ("lookup returns a handle with the id, type, name, component id, "
                  "size, priority (default and override), creation time, ACTIVE state");

  register_component (SERVICE (manager), comp, "Viewer-1");

  before = g_get_monotonic_time ();
  id = resmgr_service_track_data (SERVICE (manager), G_OBJECT (comp), RESMGR_RESOURCE_TYPE_GL_OBJECT,
                                  "texture", 4096, RESMGR_PRIORITY_DEFAULT,
                                  item_new (rec, "texture"), item_destroy, &error);
  g_assert_no_error (error);
  after = g_get_monotonic_time ();

  handle = resmgr_service_lookup (SERVICE (manager), id, &error);
  g_assert_no_error (error);
  g_assert_nonnull (handle);
  g_assert_cmpuint (resmgr_handle_get_id (handle), ==, id);
  g_assert_cmpint (resmgr_handle_get_resource_type (handle), ==, RESMGR_RESOURCE_TYPE_GL_OBJECT);
  g_assert_cmpstr (resmgr_handle_get_name (handle), ==, "texture");
  g_assert_cmpstr (resmgr_handle_get_component_id (handle), ==, "Viewer-1");
  g_assert_cmpuint (resmgr_handle_get_size (handle), ==, 4096);
  g_assert_cmpint (resmgr_handle_get_priority (handle), ==, 80);
  g_assert_cmpint (resmgr_handle_get_state (handle), ==, RESMGR_RESOURCE_STATE_ACTIVE);
  /* monotonic µs, same base as g_get_monotonic_time (); the service may read
   * a coarse clock (CLOCK_MONOTONIC_COARSE ticks at 1-10 ms), so allow it to
   * lag the precise reading taken before the call by up to 10 ms */
  g_assert_cmpint (resmgr_handle_get_created (handle), >=, before - 10 * 1000);
  g_assert_cmpint (resmgr_handle_get_created (handle), <=, after);
  g_assert_null (resmgr_handle_get_metadata (handle));

  id2 = resmgr_service_track_data (SERVICE (manager), G_OBJECT (comp), RESMGR_RESOURCE_TYPE_GL_OBJECT,
                                   "fbo", 0, 777, item_new (rec, "fbo"), item_destroy, &error);
  g_assert_no_error (error);
  handle2 = resmgr_service_lookup (SERVICE (manager), id2, &error);
  g_assert_no_error (error);
  g_assert_cmpint (resmgr_handle_get_priority (handle2), ==, 777);
  g_assert_cmpuint (resmgr_handle_get_size (handle2), ==, 0);

  /* a handle is a snapshot: it outlives the resource */
  g_clear_object (&comp);
  g_assert_cmpuint (recorder_len (rec), ==, 2);
  g_assert_cmpuint (resmgr_handle_get_id (handle), ==, id);
  g_assert_cmpstr (resmgr_handle_get_name (handle), ==, "texture");
  g_assert_cmpint (resmgr_handle_get_state (handle), ==, RESMGR_RESOURCE_STATE_ACTIVE);

  recorder_free (rec);
}

static void
test_handle_default_priorities (void)
{
  static const struct { ResmgrResourceType type; int priority; } table[] = {
    { RESMGR_RESOURCE_TYPE_WORKER, 100 },
    { RESMGR_RESOURCE_TYPE_TIMER, 90 },
    { RESMGR_RESOURCE_TYPE_SOURCE, 90 },
    { RESMGR_RESOURCE_TYPE_GL_OBJECT, 80 },
    { RESMGR_RESOURCE_TYPE_WIDGET, 60 },
    { RESMGR_RESOURCE_TYPE_CUSTOM, 50 },
    { RESMGR_RESOURCE_TYPE_FILE, 40 },
    { RESMGR_RESOURCE_TYPE_MEMORY, 20 },
  };
  g_autoptr(ResmgrManager) manager = resmgr_manager_new ();
  g_autoptr(TestComponent) comp = test_component_new (NULL);
  Recorder *rec = recorder_new ();

  g_test_summary ("RESMGR_PRIORITY_DEFAULT picks the type's default priority, for "
                  "every type; the bounds 0 and RESMGR_PRIORITY_MAX are accepted");

  G_STATIC_ASSERT (G_N_ELEMENTS (table) == RESMGR_N_RESOURCE_TYPES);

  register_component (SERVICE (manager), comp, "owner");

  for (guint i = 0; i < G_N_ELEMENTS (table); i++)
    {
      g_autoptr(ResmgrHandle) handle = NULL;
      g_autoptr(GError) error = NULL;
      guint64 id;

      g_assert_cmpint (resmgr_resource_type_get_default_priority (table[i].type), ==, table[i].priority);

      id = track_item (SERVICE (manager), comp, table[i].type, RESMGR_PRIORITY_DEFAULT, rec, "x");
      handle = resmgr_service_lookup (SERVICE (manager), id, &error);
      g_assert_no_error (error);
      g_assert_cmpint (resmgr_handle_get_resource_type (handle), ==, table[i].type);
      g_assert_cmpint (resmgr_handle_get_priority (handle), ==, table[i].priority);
    }

  for (int p = 0; p <= RESMGR_PRIORITY_MAX; p += RESMGR_PRIORITY_MAX)
    {
      g_autoptr(ResmgrHandle) handle = NULL;
      g_autoptr(GError) error = NULL;
      guint64 id;

      id = track_item (SERVICE (manager), comp, RESMGR_RESOURCE_TYPE_MEMORY, p, rec, "bound");
      handle = resmgr_service_lookup (SERVICE (manager), id, &error);
      g_assert_no_error (error);
      g_assert_cmpint (resmgr_handle_get_priority (handle), ==, p);
    }

  g_clear_object (&comp);
  g_assert_cmpuint (recorder_len (rec), ==, G_N_ELEMENTS (table) + 2);
  recorder_free (rec);
}

static void
test_handle_metadata (void)
{
  g_autoptr(ResmgrManager) manager = resmgr_manager_new ();
  g_autoptr(TestComponent) comp = test_component_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(ResmgrHandle) before = NULL;
  g_autoptr(ResmgrHandle) after = NULL;
  g_autoptr(GVariantDict) dict = NULL;
  Recorder *rec = recorder_new ();
  GVariant *metadata;
  const char *path = NULL;
  gint32 width = 0;
  guint64 id;
  gboolean ok;

  g_test_summary ("set_metadata attaches an a{sv} (floating reference sunk) shown by "
                  "later handles; earlier handles are immutable snapshots");

  register_component (SERVICE (manager), comp, "owner");
  id = track_item (SERVICE (manager), comp, RESMGR_RESOURCE_TYPE_FILE, RESMGR_PRIORITY_DEFAULT,
                   rec, "file");

  before = resmgr_service_lookup (SERVICE (manager), id, &error);
  g_assert_no_error (error);

  /* floating */
  ok = resmgr_service_set_metadata (SERVICE (manager), id,
                                    g_variant_new_parsed ("{'path': <'/tmp/x'>, 'width': <int32 640>}"),
                                    &error);
  g_assert_no_error (error);
  g_assert_true (ok);

  after = resmgr_service_lookup (SERVICE (manager), id, &error);
  g_assert_no_error (error);
  metadata = resmgr_handle_get_metadata (after);
  g_assert_nonnull (metadata);
  g_assert_true (g_variant_is_of_type (metadata, G_VARIANT_TYPE_VARDICT));
  dict = g_variant_dict_new (metadata);
  g_assert_true (g_variant_dict_lookup (dict, "path", "&s", &path));
  g_assert_cmpstr (path, ==, "/tmp/x");
  g_assert_true (g_variant_dict_lookup (dict, "width", "i", &width));
  g_assert_cmpint (width, ==, 640);

  g_assert_null (resmgr_handle_get_metadata (before));

  /* unknown id */
  metadata = g_variant_ref_sink (g_variant_new_parsed ("@a{sv} {}"));
  ok = resmgr_service_set_metadata (SERVICE (manager), id + 1000, metadata, &error);
  g_assert_error (error, RESMGR_ERROR, RESMGR_ERROR_NOT_FOUND);
  g_assert_false (ok);
  g_variant_unref (metadata);

  g_clear_object (&comp);
  recorder_free (rec);
}

static void
test_handle_boxed (void)
{
  g_autoptr(ResmgrManager) manager = resmgr_manager_new ();
  g_autoptr(TestComponent) comp = test_component_new (NULL);
  g_autoptr(GError) error = NULL;
  Recorder *rec = recorder_new ();
  ResmgrHandle *handle, *copy;
  GValue value = G_VALUE_INIT;
  guint64 id;

  g_test_summary ("ResmgrHandle is a reference-counted boxed type");

  g_assert_true (G_TYPE_IS_BOXED (RESMGR_TYPE_HANDLE));
  g_assert_true (G_TYPE_IS_BOXED (RESMGR_TYPE_STATS));
  g_assert_true (G_TYPE_IS_BOXED (RESMGR_TYPE_CLEANUP_REPORT));
  g_assert_true (G_TYPE_IS_ENUM (RESMGR_TYPE_RESOURCE_TYPE));
  g_assert_true (G_TYPE_IS_ENUM (RESMGR_TYPE_RESOURCE_STATE));
  g_assert_true (G_TYPE_IS_INTERFACE (RESMGR_TYPE_SERVICE));
  g_assert_true (g_type_is_a (RESMGR_TYPE_MANAGER, RESMGR_TYPE_SERVICE));

  register_component (SERVICE (manager), comp, "owner");
  id = track_item (SERVICE (manager), comp, RESMGR_RESOURCE_TYPE_MEMORY, RESMGR_PRIORITY_DEFAULT,
                   rec, "x");
  handle = resmgr_service_lookup (SERVICE (manager), id, &error);
  g_assert_no_error (error);

  g_assert_true (resmgr_handle_ref (handle) == handle);
  resmgr_handle_unref (handle);

  copy = g_boxed_copy (RESMGR_TYPE_HANDLE, handle);
  g_assert_nonnull (copy);
  g_assert_cmpuint (resmgr_handle_get_id (copy), ==, id);
  g_assert_cmpstr (resmgr_handle_get_name (copy), ==, "x");
  g_boxed_free (RESMGR_TYPE_HANDLE, copy);

  g_value_init (&value, RESMGR_TYPE_HANDLE);
  g_value_set_boxed (&value, handle);
  g_assert_cmpuint (resmgr_handle_get_id (g_value_get_boxed (&value)), ==, id);
  g_value_unset (&value);

  g_assert_cmpuint (resmgr_handle_get_id (handle), ==, id);
  resmgr_handle_unref (handle);

  g_clear_object (&comp);
  recorder_free (rec);
}

static gint
cmp_guint64 (gconstpointer a,
             gconstpointer b)
{
  guint64 x = *(const guint64 *) a;
  guint64 y = *(const guint64 *) b;

  return x < y ? -1 : x > y ? 1 : 0;
}

static void
test_handle_ids_unique (void)
{
  g_autoptr(ResmgrManager) manager = resmgr_manager_new ();
  g_autoptr(TestComponent) comp = test_component_new (NULL);
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (guint64));
  Recorder *rec = recorder_new ();
  guint n = g_test_thorough () ? 20000 : 2000;

  g_test_summary ("Ids are never 0 and never reused, across releases, component "
                  "cleanups and new components");

  register_component (SERVICE (manager), comp, "owner");

  for (guint i = 0; i < n; i++)
    {
      guint64 id = track_item (SERVICE (manager), comp, RESMGR_RESOURCE_TYPE_MEMORY,
                               RESMGR_PRIORITY_DEFAULT, rec, "x");

      g_assert_cmpuint (id, !=, 0);
      g_array_append_val (ids, id);

      if (i % 3 == 0)
        g_assert_true (resmgr_service_release (SERVICE (manager), id, NULL));

      if (i % 500 == 499)
        {
          /* drop the component with what it owns, start a new one */
          g_clear_object (&comp);
          comp = test_component_new (NULL);
          register_component (SERVICE (manager), comp, NULL);
        }
    }

  g_clear_object (&comp);
  g_assert_cmpuint (recorder_len (rec), ==, n);

  g_array_sort (ids, cmp_guint64);
  for (guint i = 1; i < ids->len; i++)
    g_assert_cmpuint (g_array_index (ids, guint64, i - 1), <, g_array_index (ids, guint64, i));

  recorder_free (rec);
}

/* Release */

static void
test_release_twice (void)
{
  g_autoptr(ResmgrManager) manager = resmgr_manager_new ();
  g_autoptr(TestComponent) comp = test_component_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(ResmgrStats) before = NULL;
  g_autoptr(ResmgrStats) after = NULL;
  g_autoptr(ResmgrHandle) other_handle = NULL;
  Recorder *rec = recorder_new ();
  guint64 id, other;
  gboolean ok;

  g_test_summary ("Releasing twice: the second call returns FALSE with NOT_FOUND and "
                  "touches nothing else (other resources, stats)");

  register_component (SERVICE (manager), comp, "owner");
  id = track_item (SERVICE (manager), comp, RESMGR_RESOURCE_TYPE_MEMORY, RESMGR_PRIORITY_DEFAULT,
                   rec, "first");
  other = track_item (SERVICE (manager), comp, RESMGR_RESOURCE_TYPE_FILE, RESMGR_PRIORITY_DEFAULT,
                      rec, "other");

  ok = resmgr_service_release (SERVICE (manager), id, &error);
  g_assert_no_error (error);
  g_assert_true (ok);
  before = dup_stats (manager);

  ok = resmgr_service_release (SERVICE (manager), id, &error);
  g_assert_error (error, RESMGR_ERROR, RESMGR_ERROR_NOT_FOUND);
  g_assert_false (ok);

  g_assert_cmpuint (recorder_count (rec, "first"), ==, 1);
  g_assert_cmpuint (recorder_count (rec, "other"), ==, 0);

  other_handle = resmgr_service_lookup (SERVICE (manager), other, NULL);
  g_assert_nonnull (other_handle);
  g_assert_cmpint (resmgr_handle_get_state (other_handle), ==, RESMGR_RESOURCE_STATE_ACTIVE);

  after = dup_stats (manager);
  g_assert_cmpuint (resmgr_stats_get_n_resources (after), ==, resmgr_stats_get_n_resources (before));
  g_assert_cmpuint (resmgr_stats_get_n_resources (after), ==, 1);
  g_assert_cmpuint (resmgr_stats_get_total_bytes (after), ==, resmgr_stats_get_total_bytes (before));
  g_assert_cmpuint (resmgr_stats_get_total_released (after), ==, resmgr_stats_get_total_released (before));
  g_assert_cmpuint (resmgr_stats_get_total_released (after), ==, 1);
  g_assert_cmpuint (resmgr_stats_get_total_failed (after), ==, 0);
  g_assert_cmpuint (resmgr_stats_get_total_lost (after), ==, 0);
  g_assert_cmpuint (resmgr_stats_get_total_tracked (after), ==, 2);

  g_clear_object (&comp);
  g_assert_cmpuint (recorder_count (rec, "other"), ==, 1);
  g_assert_cmpuint (recorder_count (rec, "first"), ==, 1);
  recorder_free (rec);
}

static void
test_release_unknown (void)
{
  g_autoptr(ResmgrManager) manager = resmgr_manager_new ();
  g_autoptr(ResmgrManager) other_manager = resmgr_manager_new ();
  g_autoptr(TestComponent) comp = test_component_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(ResmgrHandle) handle = NULL;
  Recorder *rec = recorder_new ();
  guint64 id;
  gboolean ok;

  g_test_summary ("Releasing or looking up an id that was never given out is NOT_FOUND; "
                  "an id of one manager means nothing to another");

  ok = resmgr_service_release (SERVICE (manager), 12345678, &error);
  g_assert_error (error, RESMGR_ERROR, RESMGR_ERROR_NOT_FOUND);
  g_assert_false (ok);
  g_clear_error (&error);

  ok = resmgr_service_release (SERVICE (manager), G_MAXUINT64, &error);
  g_assert_error (error, RESMGR_ERROR, RESMGR_ERROR_NOT_FOUND);
  g_assert_false (ok);
  g_clear_error (&error);

  handle = resmgr_service_lookup (SERVICE (manager), 0, &error);
  g_assert_error (error, RESMGR_ERROR, RESMGR_ERROR_NOT_FOUND);
  g_assert_null (handle);
  g_clear_error (&error);

  register_component (SERVICE (manager), comp, "owner");
  id = track_item (SERVICE (manager), comp, RESMGR_RESOURCE_TYPE_MEMORY, RESMGR_PRIORITY_DEFAULT,
                   rec, "x");
  ok = resmgr_service_release (SERVICE (other_manager), id, &error);
  g_assert_error (error, RESMGR_ERROR, RESMGR_ERROR_NOT_FOUND);
  g_assert_false (ok);
  g_assert_cmpuint (recorder_len (rec), ==, 0);

  g_clear_object (&comp);
  g_assert_cmpuint (recorder_len (rec), ==, 1);
  recorder_free (rec);
}

static void
test_release_failing (void)
{
  g_autoptr(ResmgrManager) manager = resmgr_manager_new ();
  g_autoptr(TestComponent) comp = test_component_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(ResmgrHandle) handle = NULL;
  g_autoptr(ResmgrStats) stats = NULL;
  Recorder *rec = recorder_new ();
  guint64 id;
  gboolean ok;

  g_test_summary ("A release whose cleanup fails returns FALSE with that error; the "
                  "resource is gone anyway and counted as failed");

  register_component (SERVICE (manager), comp, "owner");
  id = add_item_cleanup (SERVICE (manager), comp, RESMGR_PRIORITY_DEFAULT, rec, "bad", TRUE);

  ok = resmgr_service_release (SERVICE (manager), id, &error);
  g_assert_error (error, TEST_ERROR, 42);
  g_assert_cmpstr (error->message, ==, "cleanup of bad failed on purpose");
  g_assert_false (ok);
  g_clear_error (&error);
  g_assert_cmpuint (recorder_count (rec, "bad"), ==, 1);
  g_assert_cmpuint (rec->n_user_data_destroyed, ==, 1);

  handle = resmgr_service_lookup (SERVICE (manager), id, &error);
  g_assert_error (error, RESMGR_ERROR, RESMGR_ERROR_NOT_FOUND);
  g_assert_null (handle);
  g_clear_error (&error);

  stats = dup_stats (manager);
  g_assert_cmpuint (resmgr_stats_get_total_failed (stats), ==, 1);
  g_assert_cmpuint (resmgr_stats_get_n_resources (stats), ==, 0);

  g_clear_object (&comp);
  g_assert_cmpuint (recorder_count (rec, "bad"), ==, 1);
  recorder_free (rec);
}

/* Cleanup order */

static void
test_cleanup_order (void)
{
  g_autoptr(ResmgrManager) manager = resmgr_manager_new ();
  g_autoptr(TestComponent) comp = test_component_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(ResmgrCleanupReport) report = NULL;
  g_autofree char *order = NULL;
  Recorder *rec = recorder_new ();
  int priority;
  guint released, failed, lost;
  gint64 duration;

  g_test_summary ("Within a component: higher priority first, reverse creation order "
                  "within a priority; report phases in descending priority");

  register_component (SERVICE (manager), comp, "owner");

  /* created in an order unrelated to the priorities */
  track_item (SERVICE (manager), comp, RESMGR_RESOURCE_TYPE_MEMORY, RESMGR_PRIORITY_DEFAULT, rec, "mem1");
  track_item (SERVICE (manager), comp, RESMGR_RESOURCE_TYPE_WORKER, RESMGR_PRIORITY_DEFAULT, rec, "worker1");
  track_item (SERVICE (manager), comp, RESMGR_RESOURCE_TYPE_GL_OBJECT, RESMGR_PRIORITY_DEFAULT, rec, "gl1");
  track_item (SERVICE (manager), comp, RESMGR_RESOURCE_TYPE_TIMER, RESMGR_PRIORITY_DEFAULT, rec, "timer1");
  track_item (SERVICE (manager), comp, RESMGR_RESOURCE_TYPE_MEMORY, RESMGR_PRIORITY_DEFAULT, rec, "mem2");
  track_item (SERVICE (manager), comp, RESMGR_RESOURCE_TYPE_SOURCE, RESMGR_PRIORITY_DEFAULT, rec, "source1");
  track_item (SERVICE (manager), comp, RESMGR_RESOURCE_TYPE_WORKER, RESMGR_PRIORITY_DEFAULT, rec, "worker2");
  track_item (SERVICE (manager), comp, RESMGR_RESOURCE_TYPE_FILE, RESMGR_PRIORITY_DEFAULT, rec, "file1");
  track_item (SERVICE (manager), comp, RESMGR_RESOURCE_TYPE_WIDGET, RESMGR_PRIORITY_DEFAULT, rec, "widget1");
  add_item_cleanup (SERVICE (manager), comp, RESMGR_PRIORITY_DEFAULT, rec, "custom1", FALSE);
  track_item (SERVICE (manager), comp, RESMGR_RESOURCE_TYPE_TIMER, RESMGR_PRIORITY_DEFAULT, rec, "timer2");
  track_item (SERVICE (manager), comp, RESMGR_RESOURCE_TYPE_GL_OBJECT, RESMGR_PRIORITY_DEFAULT, rec, "gl2");
  track_item (SERVICE (manager), comp, RESMGR_RESOURCE_TYPE_MEMORY, RESMGR_PRIORITY_DEFAULT, rec, "mem3");

  report = resmgr_service_cleanup_component (SERVICE (manager), G_OBJECT (comp), &error);
  g_assert_no_error (error);

  order = recorder_join (rec);
  g_assert_cmpstr (order, ==,
                   "worker2,worker1,"
                   "timer2,source1,timer1,"
                   "gl2,gl1,"
                   "widget1,"
                   "custom1,"
                   "file1,"
                   "mem3,mem2,mem1");

  g_assert_cmpuint (resmgr_cleanup_report_get_released (report), ==, 13);
  g_assert_cmpuint (resmgr_cleanup_report_get_n_phases (report), ==, 7);

  {
    static const struct { int priority; guint released; } expected[] = {
      { 100, 2 }, { 90, 3 }, { 80, 2 }, { 60, 1 }, { 50, 1 }, { 40, 1 }, { 20, 3 },
    };

    for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
      {
        priority = resmgr_cleanup_report_get_phase (report, i, &released, &failed, &lost, &duration);
        g_assert_cmpint (priority, ==, expected[i].priority);
        g_assert_cmpuint (released, ==, expected[i].released);
        g_assert_cmpuint (failed, ==, 0);
        g_assert_cmpuint (lost, ==, 0);
        g_assert_cmpint (duration, >=, 0);
      }
  }

  g_clear_object (&comp);
  g_assert_cmpuint (recorder_len (rec), ==, 13);
  recorder_free (rec);
}

static void
test_cleanup_priority_override (void)
{
  g_autoptr(ResmgrManager) manager = resmgr_manager_new ();
  g_autoptr(TestComponent) comp = test_component_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(ResmgrCleanupReport) report = NULL;
  g_autofree char *order = NULL;
  Recorder *rec = recorder_new ();

  g_test_summary ("A per-resource priority and an add_cleanup priority override the "
                  "type's default in the cleanup order");

  register_component (SERVICE (manager), comp, "owner");

  track_item (SERVICE (manager), comp, RESMGR_RESOURCE_TYPE_WORKER, RESMGR_PRIORITY_DEFAULT, rec, "worker");   /* 100 */
  track_item (SERVICE (manager), comp, RESMGR_RESOURCE_TYPE_MEMORY, 500, rec, "urgent-mem");                   /* 500 */
  add_item_cleanup (SERVICE (manager), comp, 0, rec, "last-cb", FALSE);                                        /* 0 */
  track_item (SERVICE (manager), comp, RESMGR_RESOURCE_TYPE_WORKER, 10, rec, "lazy-worker");                  /* 10 */
  add_item_cleanup (SERVICE (manager), comp, 95, rec, "cb95", FALSE);                                          /* 95 */
  track_item (SERVICE (manager), comp, RESMGR_RESOURCE_TYPE_TIMER, 100, rec, "timer100");                     /* 100 */
  add_item_cleanup (SERVICE (manager), comp, RESMGR_PRIORITY_MAX, rec, "first-cb", FALSE);                     /* 1000 */

  report = resmgr_service_cleanup_component (SERVICE (manager), G_OBJECT (comp), &error);
  g_assert_no_error (error);

  order = recorder_join (rec);
  g_assert_cmpstr (order, ==, "first-cb,urgent-mem,timer100,worker,cb95,lazy-worker,last-cb");

  g_assert_cmpuint (resmgr_cleanup_report_get_n_phases (report), ==, 6);
  g_assert_cmpint (resmgr_cleanup_report_get_phase (report, 0, NULL, NULL, NULL, NULL), ==, 1000);
  g_assert_cmpint (resmgr_cleanup_report_get_phase (report, 5, NULL, NULL, NULL, NULL), ==, 0);

  recorder_free (rec);
}

static void
test_cleanup_failure_in_the_middle (void)
{
  g_autoptr(ResmgrManager) manager = resmgr_manager_new ();
  g_autoptr(TestComponent) comp = test_component_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(ResmgrCleanupReport) report = NULL;
  g_autoptr(ResmgrStats) stats = NULL;
  Recorder *rec = recorder_new ();
  const GError *failure_error = NULL;
  ResmgrHandle *failure;
  guint64 ids[10];
  guint released, failed, lost;

  g_test_summary ("One failing cleanup among ten: the report has one failure with "
                  "its GError and handle, nine released, all ten ran");

  register_component (SERVICE (manager), comp, "owner");

  for (guint i = 0; i < 10; i++)
    {
      g_autofree char *name = g_strdup_printf ("cb%u", i);
      ids[i] = add_item_cleanup (SERVICE (manager), comp, RESMGR_PRIORITY_DEFAULT, rec, name, i == 5);
    }

  report = resmgr_service_cleanup_component (SERVICE (manager), G_OBJECT (comp), &error);
  g_assert_no_error (error);
  g_assert_nonnull (report);

  g_assert_cmpuint (recorder_len (rec), ==, 10);
  for (guint i = 0; i < 10; i++)
    {
      g_autofree char *name = g_strdup_printf ("cb%u", i);
      g_assert_cmpuint (recorder_count (rec, name), ==, 1);
    }
  g_assert_cmpuint (rec->n_user_data_destroyed, ==, 10);

  g_assert_cmpuint (resmgr_cleanup_report_get_released (report), ==, 9);
  g_assert_cmpuint (resmgr_cleanup_report_get_failed (report), ==, 1);
  g_assert_cmpuint (resmgr_cleanup_report_get_lost (report), ==, 0);
  g_assert_cmpuint (resmgr_cleanup_report_get_n_failures (report), ==, 1);
  g_assert_false (resmgr_cleanup_report_is_clean (report));

  failure = resmgr_cleanup_report_get_failure (report, 0);
  failure_error = resmgr_cleanup_report_get_failure_error (report, 0);
  g_assert_nonnull (failure);
  g_assert_nonnull (failure_error);
  g_assert_true (g_error_matches (failure_error, TEST_ERROR, 42));
  g_assert_cmpstr (failure_error->message, ==, "cleanup of cb5 failed on purpose");
  g_assert_cmpuint (resmgr_handle_get_id (failure), ==, ids[5]);
  g_assert_cmpstr (resmgr_handle_get_name (failure), ==, "cb5");
  g_assert_cmpstr (resmgr_handle_get_component_id (failure), ==, "owner");
  g_assert_cmpint (resmgr_handle_get_state (failure), ==, RESMGR_RESOURCE_STATE_FAILED);

  g_assert_cmpuint (resmgr_cleanup_report_get_n_phases (report), ==, 1);
  g_assert_cmpint (resmgr_cleanup_report_get_phase (report, 0, &released, &failed, &lost, NULL), ==, 50);
  g_assert_cmpuint (released, ==, 9);
  g_assert_cmpuint (failed, ==, 1);
  g_assert_cmpuint (lost, ==, 0);

  stats = dup_stats (manager);
  g_assert_cmpuint (resmgr_stats_get_total_failed (stats), ==, 1);
  g_assert_cmpuint (resmgr_stats_get_total_released (stats), ==, 9);
  g_assert_cmpuint (resmgr_stats_get_n_resources (stats), ==, 0);

  recorder_free (rec);
}

/* Re-entrancy */

typedef struct
{
  ResmgrManager *manager;
  TestComponent *being_cleaned;
  TestComponent *other;
  TestComponent *third;
  Recorder      *rec;
  guint64        sibling_id;  /* a resource of @other to release */
  guint64        lookup_id;   /* a resource to look up */
  guint64        new_id;      /* tracked by the cleanup on @other */
  guint64        inner_id;    /* tracked by the cleanup on @being_cleaned */
  ResmgrCleanupReport *third_report;
  gboolean       ran;
} Reenter;

static gboolean
reentrant_cleanup (gpointer   resource,
                   gpointer   user_data,
                   GError   **error)
{
  Reenter *r = user_data;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(ResmgrHandle) handle = NULL;
  gboolean ok;

  r->ran = TRUE;

  /* track on another component */
  r->new_id = resmgr_service_track_data (RESMGR_SERVICE (r->manager), G_OBJECT (r->other),
                                         RESMGR_RESOURCE_TYPE_MEMORY, "new-on-other", 1,
                                         RESMGR_PRIORITY_DEFAULT, item_new (r->rec, "new-on-other"),
                                         item_destroy, &local_error);
  g_assert_no_error (local_error);
  g_assert_cmpuint (r->new_id, !=, 0);

  /* release a resource of another component */
  ok = resmgr_service_release (RESMGR_SERVICE (r->manager), r->sibling_id, &local_error);
  g_assert_no_error (local_error);
  g_assert_true (ok);

  /* look something up */
  handle = resmgr_service_lookup (RESMGR_SERVICE (r->manager), r->lookup_id, &local_error);
  g_assert_no_error (local_error);
  g_assert_cmpstr (resmgr_handle_get_name (handle), ==, "keep-on-other");

  /* clean up a third component */
  r->third_report = resmgr_service_cleanup_component (RESMGR_SERVICE (r->manager),
                                                      G_OBJECT (r->third), &local_error);
  g_assert_no_error (local_error);
  g_assert_nonnull (r->third_report);

  /* track onto the component being cleaned: cleaned in a further round */
  r->inner_id = resmgr_service_track_data (RESMGR_SERVICE (r->manager), G_OBJECT (r->being_cleaned),
                                           RESMGR_RESOURCE_TYPE_MEMORY, "inner", 1,
                                           RESMGR_PRIORITY_DEFAULT, item_new (r->rec, "inner"),
                                           item_destroy, &local_error);
  g_assert_no_error (local_error);
  g_assert_cmpuint (r->inner_id, !=, 0);

  recorder_push (r->rec, "reentrant");
  return TRUE;
}

static void
test_cleanup_reentrant (void)
{
  g_autoptr(ResmgrManager) manager = resmgr_manager_new ();
  g_autoptr(TestComponent) a = test_component_new (NULL);
  g_autoptr(TestComponent) b = test_component_new (NULL);
  g_autoptr(TestComponent) c = test_component_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(ResmgrCleanupReport) report = NULL;
  g_autoptr(ResmgrHandle) new_handle = NULL;
  g_autoptr(ResmgrHandle) inner_handle = NULL;
  g_autoptr(ResmgrHandle) lookup_handle = NULL;
  g_autoptr(ResmgrStats) stats = NULL;
  Recorder *rec = recorder_new ();
  Reenter r = { 0 };
  guint64 id;

  g_test_summary ("A cleanup that tracks on another component, releases, looks up, "
                  "cleans a third component and tracks onto the component being "
                  "cleaned: no deadlock, and the new resource is cleaned in the same call");

  register_component (SERVICE (manager), a, "A");
  register_component (SERVICE (manager), b, "B");
  register_component (SERVICE (manager), c, "C");

  r.manager = manager;
  r.being_cleaned = a;
  r.other = b;
  r.third = c;
  r.rec = rec;
  r.sibling_id = track_item (SERVICE (manager), b, RESMGR_RESOURCE_TYPE_MEMORY,
                             RESMGR_PRIORITY_DEFAULT, rec, "sibling-on-other");
  r.lookup_id = track_item (SERVICE (manager), b, RESMGR_RESOURCE_TYPE_MEMORY,
                            RESMGR_PRIORITY_DEFAULT, rec, "keep-on-other");
  track_item (SERVICE (manager), c, RESMGR_RESOURCE_TYPE_FILE, RESMGR_PRIORITY_DEFAULT, rec, "on-third");

  track_item (SERVICE (manager), a, RESMGR_RESOURCE_TYPE_MEMORY, RESMGR_PRIORITY_DEFAULT, rec, "a-mem");
  id = resmgr_service_add_cleanup (SERVICE (manager), G_OBJECT (a), "reentrant", RESMGR_PRIORITY_DEFAULT,
                                   reentrant_cleanup, &r, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (id, !=, 0);

  report = resmgr_service_cleanup_component (SERVICE (manager), G_OBJECT (a), &error);
  g_assert_no_error (error);
  g_assert_true (r.ran);

  /* A: reentrant, a-mem, and the inner resource were cleaned */
  g_assert_cmpuint (recorder_count (rec, "reentrant"), ==, 1);
  g_assert_cmpuint (recorder_count (rec, "a-mem"), ==, 1);
  g_assert_cmpuint (recorder_count (rec, "inner"), ==, 1);
  g_assert_cmpuint (resmgr_cleanup_report_get_released (report), ==, 3);
  g_assert_cmpuint (resmgr_cleanup_report_get_failed (report), ==, 0);
  inner_handle = resmgr_service_lookup (SERVICE (manager), r.inner_id, &error);
  g_assert_error (error, RESMGR_ERROR, RESMGR_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* B: the sibling was released, the others remain */
  g_assert_cmpuint (recorder_count (rec, "sibling-on-other"), ==, 1);
  g_assert_cmpuint (recorder_count (rec, "keep-on-other"), ==, 0);
  g_assert_cmpuint (recorder_count (rec, "new-on-other"), ==, 0);
  new_handle = resmgr_service_lookup (SERVICE (manager), r.new_id, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (resmgr_handle_get_component_id (new_handle), ==, "B");
  lookup_handle = resmgr_service_lookup (SERVICE (manager), r.lookup_id, &error);
  g_assert_no_error (error);

  /* C was cleaned from inside */
  g_assert_cmpuint (recorder_count (rec, "on-third"), ==, 1);
  g_assert_cmpstr (resmgr_cleanup_report_get_scope (r.third_report), ==, "C");
  g_assert_cmpuint (resmgr_cleanup_report_get_released (r.third_report), ==, 1);
  g_clear_pointer (&r.third_report, resmgr_cleanup_report_unref);

  stats = dup_stats (manager);
  g_assert_cmpuint (resmgr_stats_get_n_resources (stats), ==, 2);
  g_assert_cmpuint (resmgr_stats_get_total_tracked (stats), ==, 7);
  g_assert_cmpuint (resmgr_stats_get_total_released (stats), ==, 5);

  g_clear_object (&b);
  g_assert_cmpuint (recorder_count (rec, "new-on-other"), ==, 1);
  g_assert_cmpuint (recorder_count (rec, "keep-on-other"), ==, 1);

  recorder_free (rec);
}

typedef struct
{
  ResmgrManager *manager;
  Recorder      *rec;
  guint64        victim;
  gboolean       release_ok;
  GError        *release_error;
} ReleaseSibling;

static gboolean
release_sibling_cleanup (gpointer   resource,
                         gpointer   user_data,
                         GError   **error)
{
  ReleaseSibling *rs = user_data;

  rs->release_ok = resmgr_service_release (RESMGR_SERVICE (rs->manager), rs->victim,
                                           &rs->release_error);
  recorder_push (rs->rec, "releaser");
  return TRUE;
}

static void
test_cleanup_release_sibling (void)
{
  g_autoptr(ResmgrManager) manager = resmgr_manager_new ();
  g_autoptr(TestComponent) comp = test_component_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(ResmgrCleanupReport) report = NULL;
  Recorder *rec = recorder_new ();
  ReleaseSibling rs = { 0 };

  g_test_summary ("A cleanup that releases another resource of the component being "
                  "cleaned: that resource's destroy notify still runs exactly once");

  register_component (SERVICE (manager), comp, "owner");
  rs.manager = manager;
  rs.rec = rec;
  rs.victim = track_item (SERVICE (manager), comp, RESMGR_RESOURCE_TYPE_MEMORY,
                          RESMGR_PRIORITY_DEFAULT, rec, "victim");
  add_item_cleanup (SERVICE (manager), comp, RESMGR_PRIORITY_DEFAULT, rec, "custom", FALSE);
  g_assert_cmpuint (resmgr_service_add_cleanup (SERVICE (manager), G_OBJECT (comp), "releaser", 100,
                                                release_sibling_cleanup, &rs, NULL, &error), !=, 0);
  g_assert_no_error (error);

  report = resmgr_service_cleanup_component (SERVICE (manager), G_OBJECT (comp), &error);
  g_assert_no_error (error);

  g_assert_cmpuint (recorder_count (rec, "releaser"), ==, 1);
  g_assert_cmpuint (recorder_count (rec, "custom"), ==, 1);
  g_assert_cmpuint (recorder_count (rec, "victim"), ==, 1);
  /* Either the release won (TRUE) or the cleanup already owned it (NOT_FOUND) */
  if (!rs.release_ok)
    g_assert_error (rs.release_error, RESMGR_ERROR, RESMGR_ERROR_NOT_FOUND);
  else
    g_assert_no_error (rs.release_error);
  g_clear_error (&rs.release_error);

  g_clear_object (&comp);
  g_assert_cmpuint (recorder_count (rec, "victim"), ==, 1);
  g_assert_cmpuint (recorder_len (rec), ==, 3);
  recorder_free (rec);
}

/* Stats */

static void
test_stats (void)
{
  g_autoptr(ResmgrManager) manager = resmgr_manager_new ();
  g_autoptr(TestComponent) a = test_component_new (NULL);
  g_autoptr(TestComponent) b = test_component_new (NULL);
  g_autoptr(TestObject) object = test_object_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(ResmgrStats) s0 = NULL;
  g_autoptr(ResmgrStats) s1 = NULL;
  g_autoptr(ResmgrStats) s2 = NULL;
  g_autoptr(ResmgrStats) copy = NULL;
  Recorder *rec = recorder_new ();
  guint64 id_mem1, id_fail, id_obj;

  g_test_summary ("Stats: count and bytes per type, totals, components, tracked / "
                  "released / failed / lost totals and peaks");

  s0 = dup_stats (manager);
  g_assert_cmpuint (resmgr_stats_get_n_resources (s0), ==, 0);
  g_assert_cmpuint (resmgr_stats_get_n_components (s0), ==, 0);
  g_assert_cmpuint (resmgr_stats_get_total_tracked (s0), ==, 0);
  for (guint t = 0; t < RESMGR_N_RESOURCE_TYPES; t++)
    {
      g_assert_cmpuint (resmgr_stats_get_count (s0, t), ==, 0);
      g_assert_cmpuint (resmgr_stats_get_bytes (s0, t), ==, 0);
    }

  register_component (SERVICE (manager), a, "A");
  register_component (SERVICE (manager), b, "B");

  id_mem1 = resmgr_service_track_data (SERVICE (manager), G_OBJECT (a), RESMGR_RESOURCE_TYPE_MEMORY,
                                       "m1", 1000, RESMGR_PRIORITY_DEFAULT, item_new (rec, "m1"),
                                       item_destroy, &error);
  g_assert_no_error (error);
  resmgr_service_track_data (SERVICE (manager), G_OBJECT (b), RESMGR_RESOURCE_TYPE_MEMORY,
                             "m2", 24, RESMGR_PRIORITY_DEFAULT, item_new (rec, "m2"),
                             item_destroy, &error);
  g_assert_no_error (error);
  resmgr_service_track_data (SERVICE (manager), G_OBJECT (b), RESMGR_RESOURCE_TYPE_GL_OBJECT,
                             "tex", 4096, RESMGR_PRIORITY_DEFAULT, item_new (rec, "tex"),
                             item_destroy, &error);
  g_assert_no_error (error);
  id_obj = resmgr_service_track_object (SERVICE (manager), G_OBJECT (a), RESMGR_RESOURCE_TYPE_WIDGET,
                                        "win", 300, RESMGR_PRIORITY_DEFAULT, G_OBJECT (object),
                                        item_cleanup, item_new (rec, "win"), item_free, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (id_obj, !=, 0);
  id_fail = add_item_cleanup (SERVICE (manager), a, RESMGR_PRIORITY_DEFAULT, rec, "bad", TRUE);

  s1 = dup_stats (manager);
  g_assert_cmpuint (resmgr_stats_get_n_resources (s1), ==, 5);
  g_assert_cmpuint (resmgr_stats_get_total_bytes (s1), ==, 1000 + 24 + 4096 + 300);
  g_assert_cmpuint (resmgr_stats_get_n_components (s1), ==, 2);
  g_assert_cmpuint (resmgr_stats_get_count (s1, RESMGR_RESOURCE_TYPE_MEMORY), ==, 2);
  g_assert_cmpuint (resmgr_stats_get_bytes (s1, RESMGR_RESOURCE_TYPE_MEMORY), ==, 1024);
  g_assert_cmpuint (resmgr_stats_get_count (s1, RESMGR_RESOURCE_TYPE_GL_OBJECT), ==, 1);
  g_assert_cmpuint (resmgr_stats_get_bytes (s1, RESMGR_RESOURCE_TYPE_GL_OBJECT), ==, 4096);
  g_assert_cmpuint (resmgr_stats_get_count (s1, RESMGR_RESOURCE_TYPE_WIDGET), ==, 1);
  g_assert_cmpuint (resmgr_stats_get_bytes (s1, RESMGR_RESOURCE_TYPE_WIDGET), ==, 300);
  g_assert_cmpuint (resmgr_stats_get_count (s1, RESMGR_RESOURCE_TYPE_CUSTOM), ==, 1);
  g_assert_cmpuint (resmgr_stats_get_bytes (s1, RESMGR_RESOURCE_TYPE_CUSTOM), ==, 0);
  g_assert_cmpuint (resmgr_stats_get_count (s1, RESMGR_RESOURCE_TYPE_WORKER), ==, 0);
  g_assert_cmpuint (resmgr_stats_get_total_tracked (s1), ==, 5);
  g_assert_cmpuint (resmgr_stats_get_peak_resources (s1), ==, 5);
  g_assert_cmpuint (resmgr_stats_get_peak_bytes (s1), ==, 5420);
  g_assert_cmpuint (resmgr_stats_get_peak_components (s1), ==, 2);

  /* a snapshot does not change afterwards */
  g_assert_true (resmgr_service_release (SERVICE (manager), id_mem1, NULL));
  g_assert_false (resmgr_service_release (SERVICE (manager), id_fail, NULL));
  g_clear_object (&object);  /* lost */
  g_assert_cmpuint (resmgr_stats_get_n_resources (s1), ==, 5);

  s2 = dup_stats (manager);
  g_assert_cmpuint (resmgr_stats_get_n_resources (s2), ==, 2);
  g_assert_cmpuint (resmgr_stats_get_total_bytes (s2), ==, 24 + 4096);
  g_assert_cmpuint (resmgr_stats_get_count (s2, RESMGR_RESOURCE_TYPE_MEMORY), ==, 1);
  g_assert_cmpuint (resmgr_stats_get_bytes (s2, RESMGR_RESOURCE_TYPE_MEMORY), ==, 24);
  g_assert_cmpuint (resmgr_stats_get_count (s2, RESMGR_RESOURCE_TYPE_WIDGET), ==, 0);
  g_assert_cmpuint (resmgr_stats_get_bytes (s2, RESMGR_RESOURCE_TYPE_WIDGET), ==, 0);
  g_assert_cmpuint (resmgr_stats_get_count (s2, RESMGR_RESOURCE_TYPE_CUSTOM), ==, 0);
  g_assert_cmpuint (resmgr_stats_get_total_tracked (s2), ==, 5);
  g_assert_cmpuint (resmgr_stats_get_total_released (s2), ==, 1);
  g_assert_cmpuint (resmgr_stats_get_total_failed (s2), ==, 1);
  g_assert_cmpuint (resmgr_stats_get_total_lost (s2), ==, 1);
  g_assert_cmpuint (resmgr_stats_get_peak_resources (s2), ==, 5);
  g_assert_cmpuint (resmgr_stats_get_peak_bytes (s2), ==, 5420);

  copy = resmgr_stats_copy (s2);
  g_assert_cmpuint (resmgr_stats_get_n_resources (copy), ==, 2);
  g_assert_cmpuint (resmgr_stats_get_total_bytes (copy), ==, 4120);
  g_assert_cmpuint (resmgr_stats_get_peak_components (copy), ==, 2);

  g_clear_pointer (&s2, resmgr_stats_free);
  g_clear_object (&a);
  g_clear_object (&b);
  s2 = dup_stats (manager);
  g_assert_cmpuint (resmgr_stats_get_n_resources (s2), ==, 0);
  g_assert_cmpuint (resmgr_stats_get_total_bytes (s2), ==, 0);
  g_assert_cmpuint (resmgr_stats_get_n_components (s2), ==, 0);
  g_assert_cmpuint (resmgr_stats_get_total_released (s2), ==, 3);
  g_assert_cmpuint (resmgr_stats_get_peak_components (s2), ==, 2);
  g_assert_cmpuint (resmgr_stats_get_peak_resources (s2), ==, 5);

  recorder_free (rec);
}

/* More re-entrancy and lifetime corners */

static void
count_destroy (gpointer data)
{
  (*(guint *) data)++;
}

static void
test_component_run_dispose (void)
{
  g_autoptr(ResmgrManager) manager = resmgr_manager_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(ResmgrStats) stats = NULL;
  g_autofree char *id = NULL;
  Recorder *rec = recorder_new ();
  Recorder *removed = recorder_new ();
  gboolean finalized;
  TestComponent *comp = test_component_new (&finalized);
  Item *item = item_new (rec, "late");
  guint64 rid;

  g_test_summary ("g_object_run_dispose on a component that stays alive cleans what "
                  "it owns and removes it; tracking on it afterwards is NOT_FOUND");

  g_signal_connect (manager, "component-removed", G_CALLBACK (on_component_removed), removed);
  register_component (SERVICE (manager), comp, "disposable");
  track_item (SERVICE (manager), comp, RESMGR_RESOURCE_TYPE_MEMORY, RESMGR_PRIORITY_DEFAULT, rec, "owned");

  g_object_run_dispose (G_OBJECT (comp));
  g_assert_false (finalized);
  assert_recorded (rec, "owned");
  assert_recorded (removed, "disposable");

  id = resmgr_service_dup_component_id (SERVICE (manager), G_OBJECT (comp));
  g_assert_null (id);

  rid = resmgr_service_track_data (SERVICE (manager), G_OBJECT (comp), RESMGR_RESOURCE_TYPE_MEMORY,
                                   "late", 0, RESMGR_PRIORITY_DEFAULT, item, item_destroy, &error);
  g_assert_error (error, RESMGR_ERROR, RESMGR_ERROR_NOT_FOUND);
  g_assert_cmpuint (rid, ==, 0);

  g_object_unref (comp);
  g_assert_true (finalized);
  assert_recorded (rec, "owned");
  g_assert_cmpuint (recorder_len (removed), ==, 1);

  stats = dup_stats (manager);
  g_assert_cmpuint (resmgr_stats_get_n_components (stats), ==, 0);
  g_assert_cmpuint (resmgr_stats_get_n_resources (stats), ==, 0);

  item_destroy (item);  /* still ours */
  recorder_free (rec);
  recorder_free (removed);
}

typedef struct
{
  Recorder      *rec;
  TestComponent *comp;   /* the last reference */
} Holder;

static void
holder_destroy (gpointer data)
{
  Holder *h = data;

  recorder_push (h->rec, "holder");
  g_clear_object (&h->comp);   /* disposes the component from inside a destroy notify */
}

static void
test_destroy_drops_component (void)
{
  g_autoptr(ResmgrManager) manager = resmgr_manager_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(ResmgrStats) stats = NULL;
  Recorder *rec = recorder_new ();
  gboolean finalized;
  Holder h = { rec, test_component_new (&finalized) };
  guint64 id;

  g_test_summary ("A destroy notify that drops the last reference of its own "
                  "component: the component's other resources are cleaned, once, no "
                  "deadlock");

  register_component (SERVICE (manager), h.comp, "held");
  track_item (SERVICE (manager), h.comp, RESMGR_RESOURCE_TYPE_MEMORY, RESMGR_PRIORITY_DEFAULT, rec, "other");
  id = resmgr_service_track_data (SERVICE (manager), G_OBJECT (h.comp), RESMGR_RESOURCE_TYPE_CUSTOM,
                                  "holder", 0, RESMGR_PRIORITY_DEFAULT, &h, holder_destroy, &error);
  g_assert_no_error (error);

  g_assert_true (resmgr_service_release (SERVICE (manager), id, &error));
  g_assert_no_error (error);
  g_assert_true (finalized);
  assert_recorded (rec, "holder,other");

  stats = dup_stats (manager);
  g_assert_cmpuint (resmgr_stats_get_n_components (stats), ==, 0);
  g_assert_cmpuint (resmgr_stats_get_n_resources (stats), ==, 0);
  g_assert_cmpuint (resmgr_stats_get_total_released (stats), ==, 2);

  recorder_free (rec);
}

typedef struct
{
  ResmgrManager *manager;
  guint          n_destroyed;
  guint64        released_id;
  gboolean       release_ok;
  guint64        tracked_in_handler;
} HandlerData;

static void
release_on_tracked (ResmgrManager *manager,
                    ResmgrHandle  *handle,
                    HandlerData   *hd)
{
  g_autoptr(GError) error = NULL;

  if (g_strcmp0 (resmgr_handle_get_name (handle), "released-by-handler") != 0)
    return;

  hd->released_id = resmgr_handle_get_id (handle);
  hd->release_ok = resmgr_service_release (RESMGR_SERVICE (manager), hd->released_id, &error);
  g_assert_no_error (error);
}

static void
track_on_registered (ResmgrManager *manager,
                     const char    *id,
                     HandlerData   *hd)
{
  TestComponent *comp;
  g_autoptr(GError) error = NULL;

  /* find the component through the id: the test registered it as "reg" */
  comp = g_object_get_data (G_OBJECT (manager), "test-component");
  g_assert_cmpstr (id, ==, "reg");
  hd->tracked_in_handler = resmgr_service_track_data (RESMGR_SERVICE (manager), G_OBJECT (comp),
                                                      RESMGR_RESOURCE_TYPE_MEMORY, "from-handler", 0,
                                                      RESMGR_PRIORITY_DEFAULT, &hd->n_destroyed,
                                                      count_destroy, &error);
  g_assert_no_error (error);
}

static void
test_signal_handlers_reenter (void)
{
  g_autoptr(ResmgrManager) manager = resmgr_manager_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(ResmgrHandle) handle = NULL;
  TestComponent *comp = test_component_new (NULL);
  HandlerData hd = { manager, 0, 0, FALSE, 0 };
  guint64 id;

  g_test_summary ("Signal handlers may call back into the service: a component-registered "
                  "handler tracks, a resource-tracked handler releases what was just tracked");

  g_object_set_data (G_OBJECT (manager), "test-component", comp);
  g_signal_connect (manager, "component-registered", G_CALLBACK (track_on_registered), &hd);
  g_signal_connect (manager, "resource-tracked", G_CALLBACK (release_on_tracked), &hd);

  register_component (SERVICE (manager), comp, "reg");
  g_assert_cmpuint (hd.tracked_in_handler, !=, 0);

  id = resmgr_service_track_data (SERVICE (manager), G_OBJECT (comp), RESMGR_RESOURCE_TYPE_MEMORY,
                                  "released-by-handler", 0, RESMGR_PRIORITY_DEFAULT,
                                  &hd.n_destroyed, count_destroy, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (id, !=, 0);
  g_assert_cmpuint (hd.released_id, ==, id);
  g_assert_true (hd.release_ok);
  g_assert_cmpuint (hd.n_destroyed, ==, 1);

  handle = resmgr_service_lookup (SERVICE (manager), id, &error);
  g_assert_error (error, RESMGR_ERROR, RESMGR_ERROR_NOT_FOUND);
  g_clear_error (&error);

  g_object_set_data (G_OBJECT (manager), "test-component", NULL);
  g_object_unref (comp);
  g_assert_cmpuint (hd.n_destroyed, ==, 2);
}

typedef struct
{
  ResmgrManager *manager;
  guint64        own_id;
  guint          n_calls;
  GError        *error;
  gboolean       ok;
} SelfRelease;

static gboolean
self_release_cleanup (gpointer   resource,
                      gpointer   user_data,
                      GError   **error)
{
  SelfRelease *sr = user_data;

  sr->n_calls++;
  sr->ok = resmgr_service_release (RESMGR_SERVICE (sr->manager), sr->own_id, &sr->error);
  return TRUE;
}

static void
test_release_self_from_cleanup (void)
{
  g_autoptr(ResmgrManager) manager = resmgr_manager_new ();
  g_autoptr(TestComponent) comp = test_component_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(ResmgrCleanupReport) report = NULL;
  SelfRelease sr = { manager, 0, 0, NULL, FALSE };

  g_test_summary ("A cleanup that releases its own id (during release and during "
                  "cleanup_component) is not called again and gets an error");

  register_component (SERVICE (manager), comp, "owner");

  sr.own_id = resmgr_service_add_cleanup (SERVICE (manager), G_OBJECT (comp), "self",
                                          RESMGR_PRIORITY_DEFAULT, self_release_cleanup, &sr,
                                          NULL, &error);
  g_assert_no_error (error);
  g_assert_true (resmgr_service_release (SERVICE (manager), sr.own_id, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (sr.n_calls, ==, 1);
  g_assert_false (sr.ok);
  g_assert_true (g_error_matches (sr.error, RESMGR_ERROR, RESMGR_ERROR_NOT_FOUND) ||
                 g_error_matches (sr.error, RESMGR_ERROR, RESMGR_ERROR_CLEANUP_IN_PROGRESS));
  g_clear_error (&sr.error);

  sr.n_calls = 0;
  sr.own_id = resmgr_service_add_cleanup (SERVICE (manager), G_OBJECT (comp), "self",
                                          RESMGR_PRIORITY_DEFAULT, self_release_cleanup, &sr,
                                          NULL, &error);
  g_assert_no_error (error);
  report = resmgr_service_cleanup_component (SERVICE (manager), G_OBJECT (comp), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (sr.n_calls, ==, 1);
  g_assert_false (sr.ok);
  g_assert_true (g_error_matches (sr.error, RESMGR_ERROR, RESMGR_ERROR_NOT_FOUND) ||
                 g_error_matches (sr.error, RESMGR_ERROR, RESMGR_ERROR_CLEANUP_IN_PROGRESS));
  g_clear_error (&sr.error);
  g_assert_cmpuint (resmgr_cleanup_report_get_released (report), ==, 1);
}

static void
test_watched_twice (void)
{
  g_autoptr(ResmgrManager) manager = resmgr_manager_new ();
  g_autoptr(TestComponent) a = test_component_new (NULL);
  g_autoptr(TestComponent) b = test_component_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(ResmgrStats) stats = NULL;
  Recorder *rec = recorder_new ();
  gboolean finalized;
  TestObject *object = test_object_new (&finalized);
  guint64 ids[3];

  g_test_summary ("One object watched three times (twice by one component, once by "
                  "another): independent entries; its finalization drops all three");

  register_component (SERVICE (manager), a, "A");
  register_component (SERVICE (manager), b, "B");
  for (guint i = 0; i < 3; i++)
    {
      ids[i] = resmgr_service_track_object (SERVICE (manager), G_OBJECT (i < 2 ? a : b),
                                            RESMGR_RESOURCE_TYPE_WIDGET, "w", 10, RESMGR_PRIORITY_DEFAULT,
                                            G_OBJECT (object), item_cleanup, item_new (rec, "w"),
                                            item_free, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (ids[i], !=, 0);
    }
  g_assert_cmpuint (ids[0], !=, ids[1]);

  /* release one of them: only its cleanup runs */
  g_assert_true (resmgr_service_release (SERVICE (manager), ids[1], &error));
  g_assert_no_error (error);
  g_assert_cmpuint (recorder_count (rec, "w"), ==, 1);
  g_assert_cmpuint (rec->n_user_data_destroyed, ==, 1);
  g_assert_false (finalized);

  g_object_unref (object);
  g_assert_true (finalized);
  g_assert_cmpuint (recorder_count (rec, "w"), ==, 1);
  g_assert_cmpuint (rec->n_user_data_destroyed, ==, 3);

  stats = dup_stats (manager);
  g_assert_cmpuint (resmgr_stats_get_total_released (stats), ==, 1);
  g_assert_cmpuint (resmgr_stats_get_total_lost (stats), ==, 2);
  g_assert_cmpuint (resmgr_stats_get_n_resources (stats), ==, 0);

  recorder_free (rec);
}

static gboolean
counting_cleanup (gpointer   resource,
                  gpointer   user_data,
                  GError   **error)
{
  (*(guint *) user_data)++;
  return TRUE;
}

static void
test_manager_finalized_first (void)
{
  ResmgrManager *manager = resmgr_manager_new ();
  gboolean finalized;
  TestComponent *comp = test_component_new (&finalized);
  TestObject *object = test_object_new (NULL);
  guint n_destroyed = 0;
  guint n_cleanups = 0;
  g_autoptr(GError) error = NULL;

  g_test_summary ("A manager dropped while its components and watched objects live: "
                  "later disposal of those must not touch the freed manager; "
                  "destroy notifies run at most once");

  register_component (SERVICE (manager), comp, "orphan");
  resmgr_service_track_data (SERVICE (manager), G_OBJECT (comp), RESMGR_RESOURCE_TYPE_MEMORY, "x", 0,
                             RESMGR_PRIORITY_DEFAULT, &n_destroyed, count_destroy, &error);
  g_assert_no_error (error);
  resmgr_service_track_object (SERVICE (manager), G_OBJECT (comp), RESMGR_RESOURCE_TYPE_WIDGET, "o", 0,
                               RESMGR_PRIORITY_DEFAULT, G_OBJECT (object), counting_cleanup,
                               &n_cleanups, NULL, &error);
  g_assert_no_error (error);

  g_object_unref (manager);
  g_assert_cmpuint (n_destroyed, <=, 1);

  g_object_unref (object);
  g_object_unref (comp);
  g_assert_true (finalized);
  /* exactly once: nobody else can call it any more */
  g_assert_cmpuint (n_destroyed, ==, 1);
  g_assert_cmpuint (n_cleanups, <=, 1);
}

/* Bad arguments: each runs in a subprocess, since criticals are fatal */

static void
test_bad_args (void)
{
  static const char *cases[] = {
    "null-service",
    "null-component",
    "track-bad-type",
    "track-bad-priority",
    "track-object-null-object",
    "add-cleanup-null-func",
    "set-metadata-not-vardict",
    "error-already-set",
  };

  g_test_summary ("Programming errors (NULL service or object, bad enum or priority, "
                  "wrong variant type, error already set) raise a critical and "
                  "take nothing");

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/Resmgr/Manager/bad-args/subprocess/%s", cases[i]);

      g_test_message ("case %s", cases[i]);
      g_test_trap_subprocess (path, 0, G_TEST_SUBPROCESS_DEFAULT);
      g_test_trap_assert_failed ();
      g_test_trap_assert_stderr ("*CRITICAL*");
    }
}

static void
bad_args_subprocess (gconstpointer data)
{
  const char *which = data;
  g_autoptr(ResmgrManager) manager = NULL;
  g_autoptr(TestComponent) comp = NULL;
  g_autoptr(GError) error = NULL;
  int dummy = 0;

  if (!g_test_subprocess ())
    {
      g_test_skip ("only run as a subprocess of /Resmgr/Manager/bad-args");
      return;
    }

  manager = resmgr_manager_new ();
  comp = test_component_new (NULL);
  register_component (SERVICE (manager), comp, "owner");

  if (g_str_equal (which, "null-service"))
    resmgr_service_track_data (NULL, G_OBJECT (comp), RESMGR_RESOURCE_TYPE_MEMORY, "x", 0,
                               RESMGR_PRIORITY_DEFAULT, &dummy, NULL, &error);
  else if (g_str_equal (which, "null-component"))
    resmgr_service_track_data (SERVICE (manager), NULL, RESMGR_RESOURCE_TYPE_MEMORY, "x", 0,
                               RESMGR_PRIORITY_DEFAULT, &dummy, NULL, &error);
  else if (g_str_equal (which, "track-bad-type"))
    resmgr_service_track_data (SERVICE (manager), G_OBJECT (comp), (ResmgrResourceType) 99, "x", 0,
                               RESMGR_PRIORITY_DEFAULT, &dummy, NULL, &error);
  else if (g_str_equal (which, "track-bad-priority"))
    resmgr_service_track_data (SERVICE (manager), G_OBJECT (comp), RESMGR_RESOURCE_TYPE_MEMORY, "x", 0,
                               RESMGR_PRIORITY_MAX + 1, &dummy, NULL, &error);
  else if (g_str_equal (which, "track-object-null-object"))
    resmgr_service_track_object (SERVICE (manager), G_OBJECT (comp), RESMGR_RESOURCE_TYPE_WIDGET, "x", 0,
                                 RESMGR_PRIORITY_DEFAULT, NULL, item_cleanup, NULL, NULL, &error);
  else if (g_str_equal (which, "add-cleanup-null-func"))
    resmgr_service_add_cleanup (SERVICE (manager), G_OBJECT (comp), "x", RESMGR_PRIORITY_DEFAULT,
                                NULL, NULL, NULL, &error);
  else if (g_str_equal (which, "set-metadata-not-vardict"))
    {
      guint64 id = resmgr_service_track_data (SERVICE (manager), G_OBJECT (comp),
                                              RESMGR_RESOURCE_TYPE_MEMORY, "x", 0,
                                              RESMGR_PRIORITY_DEFAULT, &dummy, NULL, &error);
      g_assert_no_error (error);
      resmgr_service_set_metadata (SERVICE (manager), id, g_variant_new_int32 (3), &error);
    }
  else if (g_str_equal (which, "error-already-set"))
    {
      error = g_error_new_literal (TEST_ERROR, 1, "already set");
      resmgr_service_release (SERVICE (manager), 1234, &error);
    }
  else
    g_assert_not_reached ();

  /* Only reached when no critical was raised */
  g_test_message ("no critical for %s", which);
}

/* Observers (resmgr_service_add_observer) */

typedef struct
{
  GMutex     mutex;
  GString   *log;          /* one word per event */
  GArray    *tracked;      /* guint64 */
  GArray    *released;     /* guint64 */
  GArray    *states;       /* ResmgrResourceState of each release */
  guint      n_destroyed;
  GThread   *destroy_thread;
  /* for the interleaving test */
  gboolean   block;        /* resource_tracked waits until released */
  gboolean   in_call;
  gboolean   call_done;
  GCond      cond;
} ObserverLog;

static void
observer_log_init (ObserverLog *log)
{
  memset (log, 0, sizeof *log);
  g_mutex_init (&log->mutex);
  g_cond_init (&log->cond);
  log->log = g_string_new (NULL);
  log->tracked = g_array_new (FALSE, FALSE, sizeof (guint64));
  log->released = g_array_new (FALSE, FALSE, sizeof (guint64));
  log->states = g_array_new (FALSE, FALSE, sizeof (ResmgrResourceState));
}

static void
observer_log_clear (ObserverLog *log)
{
  g_string_free (log->log, TRUE);
  g_array_unref (log->tracked);
  g_array_unref (log->released);
  g_array_unref (log->states);
  g_mutex_clear (&log->mutex);
  g_cond_clear (&log->cond);
}

static void
observer_log_word (ObserverLog *log,
                   const char  *format,
                   ...) G_GNUC_PRINTF (2, 3);

static void
observer_log_word (ObserverLog *log,
                   const char  *format,
                   ...)
{
  va_list args;

  if (log->log->len > 0)
    g_string_append_c (log->log, ' ');
  va_start (args, format);
  g_string_append_vprintf (log->log, format, args);
  va_end (args);
}

static void
obs_registered (gpointer    data,
                const char *component_id)
{
  ObserverLog *log = data;

  g_mutex_lock (&log->mutex);
  observer_log_word (log, "registered:%s", component_id);
  g_mutex_unlock (&log->mutex);
}

static void
obs_removed (gpointer    data,
             const char *component_id)
{
  ObserverLog *log = data;

  g_mutex_lock (&log->mutex);
  observer_log_word (log, "removed:%s", component_id);
  g_mutex_unlock (&log->mutex);
}

static void
obs_tracked (gpointer                      data,
             const ResmgrObservedResource *res)
{
  ObserverLog *log = data;

  g_assert_cmpint (res->state, ==, RESMGR_RESOURCE_STATE_ACTIVE);
  g_assert_cmpint (res->created, >, 0);

  g_mutex_lock (&log->mutex);
  observer_log_word (log, "tracked:%s/%s/%s/%" G_GSIZE_FORMAT "/%d",
                     res->component_id, res->name ? res->name : "-",
                     _resmgr_enum_nick (RESMGR_TYPE_RESOURCE_TYPE, res->type), res->size, res->priority);
  g_array_append_val (log->tracked, res->id);
  if (log->block)
    {
      log->in_call = TRUE;
      g_cond_broadcast (&log->cond);
      while (log->block)
        g_cond_wait (&log->cond, &log->mutex);
      log->in_call = FALSE;
      log->call_done = TRUE;
      g_cond_broadcast (&log->cond);
    }
  g_mutex_unlock (&log->mutex);
}

static void
obs_released (gpointer                      data,
              const ResmgrObservedResource *res)
{
  ObserverLog *log = data;

  g_mutex_lock (&log->mutex);
  observer_log_word (log, "released:%s/%s", res->component_id, res->name ? res->name : "-");
  g_array_append_val (log->released, res->id);
  g_array_append_val (log->states, res->state);
  g_mutex_unlock (&log->mutex);
}

static void
obs_cleanup_finished (gpointer             data,
                      ResmgrCleanupReport *report)
{
  ObserverLog *log = data;

  g_mutex_lock (&log->mutex);
  observer_log_word (log, "cleaned:%s", resmgr_cleanup_report_get_scope (report));
  g_mutex_unlock (&log->mutex);
}

static void
obs_destroy (gpointer data)
{
  ObserverLog *log = data;

  g_mutex_lock (&log->mutex);
  log->n_destroyed++;
  log->destroy_thread = g_thread_self ();
  g_cond_broadcast (&log->cond);
  g_mutex_unlock (&log->mutex);
}

static const ResmgrObserverFuncs test_observer_funcs = {
  obs_registered, obs_removed, obs_tracked, obs_released, obs_cleanup_finished,
};

static void
on_any_resource_signal (ResmgrService *service,
                        ResmgrHandle  *handle,
                        guint         *n)
{
  (*n)++;
}

static void
test_observer_events (void)
{
  g_autoptr(ResmgrManager) manager = resmgr_manager_new ();
  g_autoptr(TestComponent) comp = test_component_new (NULL);
  g_autoptr(ResmgrCleanupReport) report = NULL;
  Recorder *rec = recorder_new ();
  ObserverLog log, other;
  guint observer_id, other_id, n_signals = 0;
  guint64 a, b, c, d;

  g_test_summary ("An observer is called for registration, tracking (with the right id, "
                  "component, name, type, size and priority), release (with the final "
                  "state), cleanup and removal, in order; the GObject signals are still "
                  "emitted beside it; after removal it is no longer called and its "
                  "destroy notify ran once");

  observer_log_init (&log);
  observer_log_init (&other);
  g_signal_connect (manager, "resource-tracked", G_CALLBACK (on_any_resource_signal), &n_signals);
  g_signal_connect (manager, "resource-released", G_CALLBACK (on_any_resource_signal), &n_signals);

  observer_id = resmgr_service_add_observer (RESMGR_SERVICE (manager), &test_observer_funcs, &log, obs_destroy);
  other_id = resmgr_service_add_observer (RESMGR_SERVICE (manager), &test_observer_funcs, &other, obs_destroy);
  g_assert_cmpuint (observer_id, !=, 0);
  g_assert_cmpuint (other_id, !=, observer_id);

  register_component (RESMGR_SERVICE (manager), comp, "Observed");
  a = track_item (RESMGR_SERVICE (manager), comp, RESMGR_RESOURCE_TYPE_MEMORY, 30, rec, "a");
  b = resmgr_service_track_data (RESMGR_SERVICE (manager), G_OBJECT (comp), RESMGR_RESOURCE_TYPE_FILE,
                                 NULL, 64, 50, g_malloc (1), g_free, NULL);
  c = track_item (RESMGR_SERVICE (manager), comp, RESMGR_RESOURCE_TYPE_CUSTOM, 10, rec, "c");
  g_assert_cmpuint (b, !=, 0);

  /* the second observer goes: only the first one hears from now on */
  resmgr_service_remove_observer (RESMGR_SERVICE (manager), other_id);
  g_assert_cmpuint (other.n_destroyed, ==, 1);
  g_assert_true (other.destroy_thread == g_thread_self ());

  g_assert_true (resmgr_service_release (RESMGR_SERVICE (manager), b, NULL));
  g_assert_true (resmgr_service_release (RESMGR_SERVICE (manager), a, NULL));
  report = resmgr_service_cleanup_component (RESMGR_SERVICE (manager), G_OBJECT (comp), NULL);
  d = track_item (RESMGR_SERVICE (manager), comp, RESMGR_RESOURCE_TYPE_MEMORY, 20, rec, "d");
  g_clear_object (&comp);

  g_assert_cmpstr (other.log->str, ==,
                   "registered:Observed tracked:Observed/a/memory/16/30 "
                   "tracked:Observed/-/file/64/50 tracked:Observed/c/custom/16/10");
  g_assert_cmpstr (log.log->str, ==,
                   "registered:Observed tracked:Observed/a/memory/16/30 "
                   "tracked:Observed/-/file/64/50 tracked:Observed/c/custom/16/10 "
                   "released:Observed/- released:Observed/a "
                   "released:Observed/c cleaned:Observed "
                   "tracked:Observed/d/memory/16/20 "
                   "released:Observed/d cleaned:Observed removed:Observed");
  g_assert_cmpuint (log.tracked->len, ==, 4);
  g_assert_cmpuint (g_array_index (log.tracked, guint64, 0), ==, a);
  g_assert_cmpuint (g_array_index (log.tracked, guint64, 1), ==, b);
  g_assert_cmpuint (g_array_index (log.tracked, guint64, 2), ==, c);
  g_assert_cmpuint (g_array_index (log.tracked, guint64, 3), ==, d);
  g_assert_cmpuint (log.released->len, ==, 4);
  g_assert_cmpuint (g_array_index (log.released, guint64, 0), ==, b);
  g_assert_cmpuint (g_array_index (log.released, guint64, 1), ==, a);
  g_assert_cmpuint (g_array_index (log.released, guint64, 2), ==, c);
  g_assert_cmpuint (g_array_index (log.released, guint64, 3), ==, d);
  for (guint i = 0; i < log.states->len; i++)
    g_assert_cmpint (g_array_index (log.states, ResmgrResourceState, i), ==, RESMGR_RESOURCE_STATE_RELEASED);
  /* the signals were emitted as before: 4 tracked, 4 released */
  g_assert_cmpuint (n_signals, ==, 8);
  assert_recorded (rec, "a,c,d");

  /* removed: not called any more, destroyed once */
  resmgr_service_remove_observer (RESMGR_SERVICE (manager), observer_id);
  g_assert_cmpuint (log.n_destroyed, ==, 1);
  comp = test_component_new (NULL);
  register_component (RESMGR_SERVICE (manager), comp, "Unobserved");
  track_item (RESMGR_SERVICE (manager), comp, RESMGR_RESOURCE_TYPE_MEMORY, 20, rec, "e");
  g_clear_object (&comp);
  g_assert_cmpuint (log.tracked->len, ==, 4);
  g_assert_cmpuint (log.released->len, ==, 4);
  g_assert_cmpuint (log.n_destroyed, ==, 1);
  g_assert_cmpuint (other.n_destroyed, ==, 1);

  observer_log_clear (&log);
  observer_log_clear (&other);
  recorder_free (rec);
}

static void
test_observer_kinds (void)
{
  g_autoptr(ResmgrManager) manager = resmgr_manager_new ();
  g_autoptr(TestComponent) comp = test_component_new (NULL);
  g_autoptr(GError) error = NULL;
  Recorder *rec = recorder_new ();
  TestObject *object = test_object_new (NULL);
  ObserverLog log;
  guint observer_id;
  guint64 watched, failing;

  g_test_summary ("An observer hears the final state of a release: finalized for a "
                  "watched object that went while tracked, failed for a failing cleanup");

  observer_log_init (&log);
  observer_id = resmgr_service_add_observer (RESMGR_SERVICE (manager), &test_observer_funcs, &log, obs_destroy);
  register_component (RESMGR_SERVICE (manager), comp, "Kinds");
  watched = resmgr_service_track_object (RESMGR_SERVICE (manager), G_OBJECT (comp),
                                         RESMGR_RESOURCE_TYPE_WIDGET, "obj", 0,
                                         RESMGR_PRIORITY_DEFAULT, G_OBJECT (object),
                                         NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  failing = add_item_cleanup (RESMGR_SERVICE (manager), comp, RESMGR_PRIORITY_DEFAULT, rec, "fail", TRUE);

  g_object_unref (object);   /* finalized while tracked */
  g_assert_false (resmgr_service_release (RESMGR_SERVICE (manager), failing, NULL));

  g_assert_cmpuint (log.released->len, ==, 2);
  g_assert_cmpuint (g_array_index (log.released, guint64, 0), ==, watched);
  g_assert_cmpint (g_array_index (log.states, ResmgrResourceState, 0), ==, RESMGR_RESOURCE_STATE_FINALIZED);
  g_assert_cmpuint (g_array_index (log.released, guint64, 1), ==, failing);
  g_assert_cmpint (g_array_index (log.states, ResmgrResourceState, 1), ==, RESMGR_RESOURCE_STATE_FAILED);

  resmgr_service_remove_observer (RESMGR_SERVICE (manager), observer_id);
  g_clear_object (&comp);
  observer_log_clear (&log);
  recorder_free (rec);
}

typedef struct
{
  ResmgrManager *manager;
  GObject       *component;
  ObserverLog   *log;
  guint64        first, second;
} ObserverThreadData;

static gpointer
observer_tracker_thread (gpointer data)
{
  ObserverThreadData *td = data;

  /* blocks in the observer until the main thread let it go */
  td->first = resmgr_service_track_data (RESMGR_SERVICE (td->manager), td->component,
                                         RESMGR_RESOURCE_TYPE_MEMORY, NULL, 8,
                                         RESMGR_PRIORITY_DEFAULT, g_malloc (8), g_free, NULL);
  /* after the removal: not observed */
  td->second = resmgr_service_track_data (RESMGR_SERVICE (td->manager), td->component,
                                          RESMGR_RESOURCE_TYPE_MEMORY, NULL, 8,
                                          RESMGR_PRIORITY_DEFAULT, g_malloc (8), g_free, NULL);
  g_assert_true (resmgr_service_release (RESMGR_SERVICE (td->manager), td->second, NULL));

  return NULL;
}

static void
test_observer_remove_from_thread (void)
{
  g_autoptr(ResmgrManager) manager = resmgr_manager_new ();
  g_autoptr(TestComponent) comp = test_component_new (NULL);
  ObserverThreadData td = { 0, };
  ObserverLog log;
  GThread *thread;
  guint observer_id;

  g_test_summary ("An observer removed while one of its calls runs on another thread: "
                  "removal returns without waiting, the running call finishes with "
                  "valid data, the destroy notify runs only after it (on that thread), "
                  "and later events of that thread do not call it");

  observer_log_init (&log);
  register_component (RESMGR_SERVICE (manager), comp, "Racing");
  observer_id = resmgr_service_add_observer (RESMGR_SERVICE (manager), &test_observer_funcs, &log, obs_destroy);

  log.block = TRUE;
  td = (ObserverThreadData) { manager, G_OBJECT (comp), &log, 0, 0 };
  thread = g_thread_new ("observed-tracker", observer_tracker_thread, &td);

  /* wait until the thread is inside the observer */
  g_mutex_lock (&log.mutex);
  while (!log.in_call)
    g_cond_wait (&log.cond, &log.mutex);
  g_mutex_unlock (&log.mutex);

  /* remove it from here while the call runs: returns at once */
  resmgr_service_remove_observer (RESMGR_SERVICE (manager), observer_id);
  g_mutex_lock (&log.mutex);
  g_assert_true (log.in_call);
  g_assert_cmpuint (log.n_destroyed, ==, 0);

  /* let the call finish: the destroy notify follows on that thread */
  log.block = FALSE;
  g_cond_broadcast (&log.cond);
  while (log.n_destroyed == 0)
    g_cond_wait (&log.cond, &log.mutex);
  g_assert_true (log.call_done);
  g_mutex_unlock (&log.mutex);

  g_thread_join (thread);
  g_assert_true (log.destroy_thread == thread);
  g_assert_cmpuint (log.n_destroyed, ==, 1);
  g_assert_cmpuint (td.first, !=, 0);
  g_assert_cmpuint (td.second, !=, 0);
  g_assert_cmpuint (log.tracked->len, ==, 1);
  g_assert_cmpuint (g_array_index (log.tracked, guint64, 0), ==, td.first);
  g_assert_cmpuint (log.released->len, ==, 0);

  g_clear_object (&comp);
  g_assert_cmpuint (log.released->len, ==, 0);
  observer_log_clear (&log);
}

typedef struct
{
  ResmgrManager *manager;
  guint          observer_id;
  guint          n_calls;
} SelfRemoving;

static void
self_removing_tracked (gpointer                      data,
                       const ResmgrObservedResource *res)
{
  SelfRemoving *sr = data;

  sr->n_calls++;
  resmgr_service_remove_observer (RESMGR_SERVICE (sr->manager), sr->observer_id);
}

static void
test_observer_remove_self (void)
{
  g_autoptr(ResmgrManager) manager = resmgr_manager_new ();
  g_autoptr(TestComponent) comp = test_component_new (NULL);
  static const ResmgrObserverFuncs funcs = { .resource_tracked = self_removing_tracked };
  Recorder *rec = recorder_new ();
  SelfRemoving sr = { manager, 0, 0 };

  g_test_summary ("An observer may remove itself from its own callback; NULL members "
                  "are skipped");

  register_component (RESMGR_SERVICE (manager), comp, "Self");
  sr.observer_id = resmgr_service_add_observer (RESMGR_SERVICE (manager), &funcs, &sr, NULL);
  track_item (RESMGR_SERVICE (manager), comp, RESMGR_RESOURCE_TYPE_MEMORY, 20, rec, "x");
  track_item (RESMGR_SERVICE (manager), comp, RESMGR_RESOURCE_TYPE_MEMORY, 20, rec, "y");
  g_assert_cmpuint (sr.n_calls, ==, 1);

  g_clear_object (&comp);
  recorder_free (rec);
}

typedef struct
{
  ResmgrManager *manager;
  GObject       *component;
  guint          n;
  gint          *stop;
} ChurnData;

static gpointer
observer_churn_thread (gpointer data)
{
  ChurnData *cd = data;

  for (guint i = 0; i < cd->n && !g_atomic_int_get (cd->stop); i++)
    {
      guint64 id = resmgr_service_track_data (RESMGR_SERVICE (cd->manager), cd->component,
                                              RESMGR_RESOURCE_TYPE_MEMORY, NULL, 8,
                                              RESMGR_PRIORITY_DEFAULT, g_malloc (8), g_free, NULL);

      g_assert_cmpuint (id, !=, 0);
      g_assert_true (resmgr_service_release (RESMGR_SERVICE (cd->manager), id, NULL));
    }

  return NULL;
}

static void
test_observer_add_remove_stress (void)
{
  g_autoptr(ResmgrManager) manager = resmgr_manager_new ();
  g_autoptr(TestComponent) comp = test_component_new (NULL);
  guint n = g_test_thorough () ? 200000 : 20000;
  GThread *threads[3];
  ChurnData cd;
  gint stop = FALSE;

  g_test_summary ("Observers added and removed while threads track and release: each "
                  "destroy notify runs exactly once, no call reaches a destroyed one");

  register_component (RESMGR_SERVICE (manager), comp, "Stress");
  cd = (ChurnData) { manager, G_OBJECT (comp), n, &stop };
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    threads[i] = g_thread_new ("observer-churn", observer_churn_thread, &cd);

  for (guint round = 0; round < 200; round++)
    {
      ObserverLog log;
      guint id;

      observer_log_init (&log);
      id = resmgr_service_add_observer (RESMGR_SERVICE (manager), &test_observer_funcs, &log, obs_destroy);
      g_thread_yield ();
      resmgr_service_remove_observer (RESMGR_SERVICE (manager), id);

      /* the last running call (if any) drops the last reference */
      g_mutex_lock (&log.mutex);
      while (log.n_destroyed == 0)
        g_cond_wait (&log.cond, &log.mutex);
      g_assert_cmpuint (log.n_destroyed, ==, 1);
      g_mutex_unlock (&log.mutex);
      observer_log_clear (&log);
    }

  g_atomic_int_set (&stop, TRUE);
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    g_thread_join (threads[i]);
  g_clear_object (&comp);
}

/* A disposal racing a give-back
 *
 * A component's disposal cleanup skips what another operation claimed, then
 * marks the component finished: what that operation gives back from then on
 * is an orphan, cleaned on the owner again (see unclaim ()). What it gave
 * back *between* the two was neither: live in a component nobody cleans any
 * more (a leak, and component_unref () asserting n_live == 0). Forced with
 * the test hook that runs in that window:
 *
 *   thread A (owns ctx_a)                 main thread (owns the default context)
 *   shutdown: claims a1 (ctx_a), m1
 *   runs a1 inline: CLAIMED ───────────►  drops "window"'s last reference: its
 *     waits for IN_WINDOW                 disposal runs here, skips m1 (claimed)
 *                           ◄───────────  hook: IN_WINDOW, waits for RETURNED
 *   m1's context is not iterated (main is
 *   in the hook) and the deadline passed:
 *   m1 given back; returns: RETURNED ───►  hook returns: "window" is finished
 */

enum {
  WINDOW_CLAIMED = 1,
  WINDOW_IN_WINDOW,
  WINDOW_RETURNED,
};

typedef struct
{
  ResmgrManager       *manager;
  TestComponent       *trigger; /* owned by ctx_a */
  GMainContext        *ctx_a;
  Recorder            *rec;
  ResmgrCleanupReport *report;  /* the shutdown's */
  GError              *error;
  GMutex               mutex;
  GCond                cond;
  int                  stage;
  guint                n_hooked;
} DisposalWindow;

static DisposalWindow *disposal_window;

/* Says that @reached (if not 0), then waits for @until (if not 0);
 * bounded only so that a broken handshake fails instead of hanging. */
static void
disposal_window_step (DisposalWindow *dw,
                      int             reached,
                      int             until)
{
  gint64 end = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;

  g_mutex_lock (&dw->mutex);
  dw->stage = MAX (dw->stage, reached);
  g_cond_broadcast (&dw->cond);
  while (dw->stage < until)
    if (!g_cond_wait_until (&dw->cond, &dw->mutex, end))
      g_error ("Handshake: stage %d never came", until);
  g_mutex_unlock (&dw->mutex);
}

/* In "window"'s disposal, between its claims and finished. */
static void
disposal_window_hook (const char *component_id)
{
  /* Once: the orphan's cleanup runs the hook again. */
  if (g_strcmp0 (component_id, "window") == 0 && disposal_window->n_hooked++ == 0)
    disposal_window_step (disposal_window, WINDOW_IN_WINDOW, WINDOW_RETURNED);
}

/* a1's destroy notify, on thread A, in the shutdown's first batch: the
 * shutdown claimed everything before. */
static void
disposal_window_a1 (gpointer data)
{
  recorder_push (((DisposalWindow *) data)->rec, "a1");
  disposal_window_step (data, WINDOW_CLAIMED, WINDOW_IN_WINDOW);
}

static gpointer
disposal_window_thread (gpointer data)
{
  DisposalWindow *dw = data;

  g_main_context_push_thread_default (dw->ctx_a);
  dw->report = resmgr_service_shutdown (SERVICE (dw->manager), 1, &dw->error);
  g_clear_object (&dw->trigger); /* its disposal runs here, with nothing left */
  g_main_context_pop_thread_default (dw->ctx_a);
  disposal_window_step (dw, WINDOW_RETURNED, 0);

  return NULL;
}

/* The test proper, in a subprocess: the hook is global, and without the
 * fix the process aborts. */
static void
disposal_window_run (void)
{
  DisposalWindow dw = { 0 };
  g_autoptr(GPtrArray) reports = g_ptr_array_new_with_free_func ((GDestroyNotify) resmgr_cleanup_report_unref);
  g_autoptr(ResmgrStats) stats = NULL;
  g_autofree char *joined = NULL;
  ResmgrCleanupReport *orphan;
  TestComponent *window;
  GThread *thread;

  g_mutex_init (&dw.mutex);
  g_cond_init (&dw.cond);
  dw.rec = recorder_new ();
  dw.manager = resmgr_manager_new ();
  dw.ctx_a = g_main_context_new ();
  disposal_window = &dw;
  _resmgr_manager_test_disposal_hook = disposal_window_hook;
  g_signal_connect (dw.manager, "cleanup-finished", G_CALLBACK (collect_report_cb), reports);

  dw.trigger = test_component_new (NULL);
  g_main_context_push_thread_default (dw.ctx_a);
  register_component (SERVICE (dw.manager), dw.trigger, "trigger");
  g_main_context_pop_thread_default (dw.ctx_a);
  g_assert_cmpuint (resmgr_service_track_data (SERVICE (dw.manager), G_OBJECT (dw.trigger),
                                               RESMGR_RESOURCE_TYPE_WORKER, "a1", 0, RESMGR_PRIORITY_DEFAULT,
                                               &dw, disposal_window_a1, NULL), !=, 0);

  window = test_component_new (NULL);
  register_component (SERVICE (dw.manager), window, "window");
  add_item_cleanup (SERVICE (dw.manager), window, 10, dw.rec, "m1", FALSE);

  thread = g_thread_new ("shutdown", disposal_window_thread, &dw);
  disposal_window_step (&dw, 0, WINDOW_CLAIMED);
  g_assert_true (recorder_thread (dw.rec, 0) == thread); /* a1, on ctx_a's owner */
  g_object_unref (window); /* the disposal, and the hook, run here */
  g_thread_join (thread);
  while (g_main_context_iteration (NULL, FALSE))
    ;

  g_assert_no_error (dw.error);
  g_assert_nonnull (dw.report);
  g_assert_true (resmgr_cleanup_report_get_timed_out (dw.report));
  g_assert_cmpuint (resmgr_cleanup_report_get_leftovers (dw.report)->len, ==, 1);

  /* Each cleanup ran once, on its owner: m1 on this thread, as an orphan,
   * after the shutdown gave it back. */
  assert_recorded (dw.rec, "a1,m1");
  g_assert_true (recorder_thread (dw.rec, 1) == g_thread_self ());

  /* The shutdown's report, then the orphan's: m1 released, nothing left. */
  joined = join_reports (reports);
  g_assert_cmpstr (joined, ==, "shutdown:1 window:1");
  orphan = g_ptr_array_index (reports, 1);
  g_assert_cmpuint (resmgr_cleanup_report_get_failed (orphan), ==, 0);
  g_assert_cmpuint (resmgr_cleanup_report_get_leftovers (orphan)->len, ==, 0);

  stats = dup_stats (dw.manager);
  g_assert_cmpuint (resmgr_stats_get_n_resources (stats), ==, 0);
  g_assert_cmpuint (resmgr_stats_get_total_released (stats), ==, 2);

  _resmgr_manager_test_disposal_hook = NULL;
  resmgr_cleanup_report_unref (dw.report);
  g_object_unref (dw.manager);
  g_main_context_unref (dw.ctx_a);
  recorder_free (dw.rec);
  g_cond_clear (&dw.cond);
  g_mutex_clear (&dw.mutex);
}

static void
test_disposal_window (void)
{
  g_test_summary ("Claims given back by a shutdown past its deadline while a disposal "
                  "finishes (after its claims, before it is marked finished) are cleaned "
                  "once, on the owner, and reported: no leak, no n_live assertion");

  if (g_test_subprocess ())
    {
      disposal_window_run ();
      return;
    }

  g_test_trap_subprocess (NULL, 60 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed ();
}

int
main (int   argc,
      char *argv[])
{
  static const char *bad_cases[] = {
    "null-service",
    "null-component",
    "track-bad-type",
    "track-bad-priority",
    "track-object-null-object",
    "add-cleanup-null-func",
    "set-metadata-not-vardict",
    "error-already-set",
  };

  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Resmgr/Manager/register/explicit-id", test_register_explicit_id);
  g_test_add_func ("/Resmgr/Manager/register/auto-id", test_register_auto_id);
  g_test_add_func ("/Resmgr/Manager/register/twice", test_register_twice);
  g_test_add_func ("/Resmgr/Manager/register/duplicate-id", test_register_duplicate_id);
  g_test_add_func ("/Resmgr/Manager/register/not-registered", test_register_not_registered);
  g_test_add_func ("/Resmgr/Manager/register/weak", test_register_weak);

  g_test_add_func ("/Resmgr/Manager/track/owned-data", test_track_owned_data);
  g_test_add_func ("/Resmgr/Manager/track/owned-data-component-cleanup", test_track_owned_data_component_cleanup);
  g_test_add_func ("/Resmgr/Manager/track/owned-data-component-unref", test_track_owned_data_component_unref);
  g_test_add_func ("/Resmgr/Manager/dispose/reports-what-it-cleaned", test_dispose_reports_what_it_cleaned);
  g_test_add_func ("/Resmgr/Manager/track/after-shutdown", test_track_after_shutdown);
  g_test_add_func ("/Resmgr/Manager/track/watched-released", test_track_watched_released);
  g_test_add_func ("/Resmgr/Manager/track/watched-cleanup", test_track_watched_cleanup);
  g_test_add_func ("/Resmgr/Manager/track/watched-finalized", test_track_watched_finalized);
  g_test_add_func ("/Resmgr/Manager/track/watched-disposed", test_track_watched_disposed);
  g_test_add_func ("/Resmgr/Manager/track/watched-disposed-cleanup", test_track_watched_disposed_cleanup);
  g_test_add_func ("/Resmgr/Manager/track/add-cleanup", test_track_add_cleanup);
  g_test_add_func ("/Resmgr/Manager/enumerate", test_enumerate);

  g_test_add_func ("/Resmgr/Manager/handle/fields", test_handle_fields);
  g_test_add_func ("/Resmgr/Manager/handle/default-priorities", test_handle_default_priorities);
  g_test_add_func ("/Resmgr/Manager/handle/metadata", test_handle_metadata);
  g_test_add_func ("/Resmgr/Manager/handle/boxed", test_handle_boxed);
  g_test_add_func ("/Resmgr/Manager/handle/ids-unique", test_handle_ids_unique);

  g_test_add_func ("/Resmgr/Manager/release/twice", test_release_twice);
  g_test_add_func ("/Resmgr/Manager/release/unknown", test_release_unknown);
  g_test_add_func ("/Resmgr/Manager/release/failing", test_release_failing);

  g_test_add_func ("/Resmgr/Manager/cleanup/order", test_cleanup_order);
  g_test_add_func ("/Resmgr/Manager/cleanup/priority-override", test_cleanup_priority_override);
  g_test_add_func ("/Resmgr/Manager/cleanup/failure-in-the-middle", test_cleanup_failure_in_the_middle);
  g_test_add_func ("/Resmgr/Manager/cleanup/reentrant", test_cleanup_reentrant);
  g_test_add_func ("/Resmgr/Manager/cleanup/release-sibling", test_cleanup_release_sibling);

  g_test_add_func ("/Resmgr/Manager/stats", test_stats);

  g_test_add_func ("/Resmgr/Manager/lifetime/component-run-dispose", test_component_run_dispose);
  g_test_add_func ("/Resmgr/Manager/lifetime/destroy-drops-component", test_destroy_drops_component);
  g_test_add_func ("/Resmgr/Manager/lifetime/signal-handlers-reenter", test_signal_handlers_reenter);
  g_test_add_func ("/Resmgr/Manager/lifetime/release-self-from-cleanup", test_release_self_from_cleanup);
  g_test_add_func ("/Resmgr/Manager/lifetime/watched-twice", test_watched_twice);
  g_test_add_func ("/Resmgr/Manager/lifetime/manager-finalized-first", test_manager_finalized_first);
  g_test_add_func ("/Resmgr/Manager/lifetime/disposal-window", test_disposal_window);

  g_test_add_func ("/Resmgr/Manager/observer/events", test_observer_events);
  g_test_add_func ("/Resmgr/Manager/observer/final-states", test_observer_kinds);
  g_test_add_func ("/Resmgr/Manager/observer/remove-from-thread", test_observer_remove_from_thread);
  g_test_add_func ("/Resmgr/Manager/observer/remove-self", test_observer_remove_self);
  g_test_add_func ("/Resmgr/Manager/observer/add-remove-under-load", test_observer_add_remove_stress);

  g_test_add_func ("/Resmgr/Manager/bad-args", test_bad_args);
  for (guint i = 0; i < G_N_ELEMENTS (bad_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/Resmgr/Manager/bad-args/subprocess/%s", bad_cases[i]);
      g_test_add_data_func (path, bad_cases[i], bad_args_subprocess);
    }

  return g_test_run ();
}
