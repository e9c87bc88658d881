/* test-coordinator.c: ResmgrCoordinator, against the recording test service
 * (the exact service calls) and against the real ResmgrManager (handles,
 * reports, stats, helpers, owner-bound callbacks, checkpoints, subclasses)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <string.h>

#include "test-common.h"

#define SERVICE(m) RESMGR_SERVICE (m)

/* Helpers {{{ */

static void
count_destroy (gpointer data)
{
  g_atomic_int_inc ((gint *) data);
}

static ResmgrCoordinator *
bound_coordinator (ResmgrService *service,
                   gpointer       component,
                   const char    *id)
{
  ResmgrCoordinator *coord = resmgr_coordinator_new (service);
  g_autoptr(GError) error = NULL;

  g_assert_true (resmgr_coordinator_bind (coord, G_OBJECT (component), id, &error));
  g_assert_no_error (error);
  g_assert_true (resmgr_coordinator_is_bound (coord));

  return coord;
}

static gboolean
handles_contain (ResmgrCoordinator *coord,
                 guint64            id)
{
  g_autoptr(GPtrArray) handles = resmgr_coordinator_dup_handles (coord);

  for (guint i = 0; i < handles->len; i++)
    if (resmgr_handle_get_id (g_ptr_array_index (handles, i)) == id)
      return TRUE;

  return FALSE;
}

/* The handle of a resource the coordinator's component holds. */
static ResmgrHandle *
lookup (ResmgrCoordinator *coord,
        guint64            id)
{
  g_autoptr(GError) error = NULL;
  ResmgrHandle *handle = resmgr_coordinator_lookup (coord, id, &error);

  g_assert_no_error (error);
  g_assert_nonnull (handle);

  return handle;
}

static guint
n_handles (ResmgrCoordinator *coord)
{
  g_autoptr(GPtrArray) handles = resmgr_coordinator_dup_handles (coord);

  return handles->len;
}

static void
assert_call (ResmgrTestService *mock,
             guint              index,
             const char        *method,
             const char        *component_id,
             int                type,
             int                priority,
             const char        *name)
{
  g_autoptr(ResmgrTestCall) call = resmgr_test_service_dup_call (mock, index);

  g_assert_nonnull (call);
  g_assert_cmpstr (resmgr_test_call_get_method (call), ==, method);
  g_assert_cmpstr (resmgr_test_call_get_component_id (call), ==, component_id);
  g_assert_cmpint (resmgr_test_call_get_resource_type (call), ==, type);
  g_assert_cmpint (resmgr_test_call_get_priority (call), ==, priority);
  g_assert_cmpstr (resmgr_test_call_get_name (call), ==, name);
}

static guint64
call_id (ResmgrTestService *mock,
         guint              index)
{
  g_autoptr(ResmgrTestCall) call = resmgr_test_service_dup_call (mock, index);

  g_assert_nonnull (call);
  return resmgr_test_call_get_id (call);
}

/* The number of resources the service tracks now */
static guint
n_entries (ResmgrTestService *mock)
{
  g_autoptr(GPtrArray) handles = resmgr_service_dup_handles (RESMGR_SERVICE (mock), NULL);

  return handles->len;
}

/* The next call of @method fails with RESMGR_ERROR / @code */
static void
fail_next (ResmgrTestService *mock,
           const char        *method,
           ResmgrError        code)
{
  g_autoptr(GError) error = g_error_new (RESMGR_ERROR, code, "%s refused by the test", method);

  resmgr_test_service_fail_next (mock, method, 1, error);
}

static gboolean
ok_cleanup (gpointer   resource,
            gpointer   user_data,
            GError   **error)
{
  g_atomic_int_inc ((gint *) user_data);
  return TRUE;
}

typedef struct
{
  gint cleaned;
  gint destroyed;
} Counts;

static gboolean
counts_cleanup (gpointer   resource,
                gpointer   user_data,
                GError   **error)
{
  g_assert_true (G_IS_OBJECT (resource));
  ((Counts *) user_data)->cleaned++;
  return TRUE;
}

static void
counts_destroy (gpointer user_data)
{
  ((Counts *) user_data)->destroyed++;
}

/* Finds the phase of @priority in @report, -1 if none */
static int
find_phase (ResmgrCleanupReport *report,
            int                  priority,
            guint               *released)
{
  for (guint i = 0; i < resmgr_cleanup_report_get_n_phases (report); i++)
    {
      guint r = 0, f = 0, l = 0;

      if (resmgr_cleanup_report_get_phase (report, i, &r, &f, &l, NULL) == priority)
        {
          if (released)
            *released = r;
          return (int) i;
        }
    }

  return -1;
}

/* }}} */

/* Against the mock: the exact service calls {{{ */

static void
test_mock_bind (void)
{
  g_autoptr(ResmgrTestService) mock = resmgr_test_service_new ();
  g_autoptr(TestComponent) comp = test_component_new (NULL);
  g_autoptr(ResmgrCoordinator) coord = NULL;
  g_autoptr(ResmgrCleanupReport) report = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *calls = NULL;

  g_test_summary ("bind registers the component, then adds the coordinator's own "
                  "cleanup at the class cleanup priority (50 for the base class)");

  coord = resmgr_coordinator_new (SERVICE (mock));
  g_assert_false (resmgr_coordinator_is_bound (coord));
  g_assert_null (resmgr_coordinator_get_component_id (coord));
  g_assert_true (resmgr_coordinator_get_service (coord) == SERVICE (mock));

  g_assert_true (resmgr_coordinator_bind (coord, G_OBJECT (comp), "mock-a", &error));
  g_assert_no_error (error);

  calls = resmgr_test_service_dup_methods (mock);
  g_assert_cmpstr (calls, ==, "register_component,add_cleanup");
  assert_call (mock, 0, "register_component", "mock-a", -1, -1, "mock-a");
  assert_call (mock, 1, "add_cleanup", "mock-a", RESMGR_RESOURCE_TYPE_CUSTOM, 50,
               "ResmgrCoordinator cleanup");

  g_assert_cmpstr (resmgr_coordinator_get_component_id (coord), ==, "mock-a");
  g_assert_true (resmgr_coordinator_get_context (coord) == g_main_context_default ());
  {
    g_autoptr(GObject) c = resmgr_coordinator_dup_component (coord);
    g_assert_true (c == G_OBJECT (comp));
  }
  /* The handles are the service's: the own cleanup is one of its entries. */
  g_assert_cmpuint (n_handles (coord), ==, 1);

  report = resmgr_coordinator_cleanup_all (coord, &error);
  g_assert_no_error (error);
  g_assert_nonnull (report);
  resmgr_assert_no_leaks (mock, "mock-a");
}

static void
test_mock_bind_auto_id (void)
{
  g_autoptr(ResmgrTestService) mock = resmgr_test_service_new ();
  g_autoptr(TestNamedComponent) comp = g_object_new (TEST_TYPE_NAMED_COMPONENT, NULL);
  g_autoptr(ResmgrCoordinator) coord = NULL;
  g_autoptr(ResmgrCleanupReport) report = NULL;

  g_test_summary ("bind with a NULL id takes the id the service assigned");

  coord = bound_coordinator (SERVICE (mock), comp, NULL);
  assert_call (mock, 0, "register_component", "TestNamedComponent-1", -1, -1, NULL);
  g_assert_cmpstr (resmgr_coordinator_get_component_id (coord), ==, "TestNamedComponent-1");

  report = resmgr_coordinator_cleanup_all (coord, NULL);
  g_assert_nonnull (report);
}

static void
test_mock_track (void)
{
  g_autoptr(ResmgrTestService) mock = resmgr_test_service_new ();
  g_autoptr(TestComponent) comp = test_component_new (NULL);
  g_autoptr(TestObject) obj = test_object_new (NULL);
  g_autoptr(ResmgrCoordinator) coord = NULL;
  g_autoptr(ResmgrHandle) h_data = NULL;
  g_autoptr(ResmgrHandle) h_obj = NULL;
  g_autoptr(ResmgrHandle) h_res = NULL;
  guint64 id_data, id_obj, id_res;
  g_autoptr(ResmgrCleanupReport) report = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *calls = NULL;
  Counts counts = { 0, 0 };
  gint destroyed = 0;
  gboolean res_finalized = FALSE;
  TestObject *res = test_object_new (&res_finalized);

  g_test_summary ("track_data, track_object and track call track_data, track_object and "
                  "track_resource of the service with the type, name and priority given");

  coord = bound_coordinator (SERVICE (mock), comp, "mock-t");
  resmgr_test_service_clear_calls (mock);

  id_data = resmgr_coordinator_track_data (coord, RESMGR_RESOURCE_TYPE_MEMORY, "buf", 64, 33,
                                           &destroyed, count_destroy, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (id_data, !=, 0);
  id_obj = resmgr_coordinator_track_object (coord, RESMGR_RESOURCE_TYPE_WIDGET, "win", 8,
                                            RESMGR_PRIORITY_DEFAULT, G_OBJECT (obj),
                                            counts_cleanup, &counts, counts_destroy, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (id_obj, !=, 0);
  id_res = resmgr_coordinator_track (coord, RESMGR_RESOURCE_TYPE_CUSTOM, "thing", 4, res, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (id_res, !=, 0);

  calls = resmgr_test_service_dup_methods (mock);
  g_assert_cmpstr (calls, ==, "track_data,track_object,track_resource");
  assert_call (mock, 0, "track_data", "mock-t", RESMGR_RESOURCE_TYPE_MEMORY, 33, "buf");
  assert_call (mock, 1, "track_object", "mock-t", RESMGR_RESOURCE_TYPE_WIDGET,
               RESMGR_PRIORITY_DEFAULT, "win");
  assert_call (mock, 2, "track_resource", "mock-t", RESMGR_RESOURCE_TYPE_CUSTOM,
               RESMGR_PRIORITY_DEFAULT, "thing");

  /* The ids are the service's; handles are the service's, on request. */
  g_assert_cmpuint (id_data, ==, call_id (mock, 0));
  g_assert_cmpuint (id_obj, ==, call_id (mock, 1));
  g_assert_cmpuint (id_res, ==, call_id (mock, 2));
  h_data = lookup (coord, id_data);
  h_obj = lookup (coord, id_obj);
  h_res = lookup (coord, id_res);
  g_assert_cmpint (resmgr_handle_get_priority (h_data), ==, 33);
  g_assert_cmpint (resmgr_handle_get_priority (h_obj), ==, 60);
  g_assert_cmpint (resmgr_handle_get_priority (h_res), ==, 50);
  g_assert_cmpstr (resmgr_handle_get_name (h_data), ==, "buf");
  g_assert_cmpstr (resmgr_handle_get_component_id (h_obj), ==, "mock-t");
  g_assert_cmpuint (resmgr_handle_get_size (h_data), ==, 64);
  g_assert_cmpuint (n_handles (coord), ==, 3 + 1); /* and the own cleanup */

  resmgr_test_service_clear_calls (mock);
  report = resmgr_coordinator_cleanup_all (coord, &error);
  g_assert_no_error (error);
  g_assert_nonnull (report);
  /* One service call, then the cleanups it ran, in priority order, on
   * the owner (this thread, inline). */
  calls = (g_free (calls), resmgr_test_service_dup_methods (mock));
  g_assert_cmpstr (calls, ==, "cleanup_component,cleanup,cleanup,cleanup,cleanup");
  assert_call (mock, 0, "cleanup_component", "mock-t", -1, -1, NULL);
  assert_call (mock, 1, "cleanup", "mock-t", RESMGR_RESOURCE_TYPE_WIDGET, 60, "win");
  resmgr_assert_cleanup_order (mock, "mock-t", "win", "thing", "ResmgrCoordinator cleanup", "buf", NULL);
  {
    g_autoptr(ResmgrTestCall) call = resmgr_test_service_dup_call (mock, 4);

    g_assert_cmpuint (resmgr_test_call_get_id (call), ==, id_data);
    g_assert_true (resmgr_test_call_get_on_owner (call));
    g_assert_true (resmgr_test_call_get_on_test_thread (call));
    g_assert_null (resmgr_test_call_get_error (call));
  }

  g_assert_cmpint (destroyed, ==, 1);
  g_assert_cmpint (counts.cleaned, ==, 1);
  g_assert_cmpint (counts.destroyed, ==, 1);
  g_assert_true (res_finalized); /* the default cleanup_resource unreffed it */
  g_assert_cmpuint (n_handles (coord), ==, 0);
  resmgr_assert_no_leaks (mock, NULL);
}

static void
test_mock_release (void)
{
  g_autoptr(ResmgrTestService) mock = resmgr_test_service_new ();
  g_autoptr(TestComponent) comp = test_component_new (NULL);
  g_autoptr(ResmgrCoordinator) coord = NULL;
  g_autoptr(ResmgrCleanupReport) report = NULL;
  g_autoptr(GError) error = NULL;
  gint destroyed = 0;
  guint64 id;

  g_test_summary ("release looks the id up and calls release of the service with it; an "
                  "id the component does not hold fails with NOT_FOUND and releases nothing");

  coord = bound_coordinator (SERVICE (mock), comp, "mock-r");
  id = resmgr_coordinator_track_data (coord, RESMGR_RESOURCE_TYPE_MEMORY, "buf", 1,
                                      RESMGR_PRIORITY_DEFAULT, &destroyed, count_destroy, NULL);
  g_assert_cmpuint (id, !=, 0);
  resmgr_test_service_clear_calls (mock);

  g_assert_true (resmgr_coordinator_release (coord, id, &error));
  g_assert_no_error (error);
  /* Calls naming a resource by id carry its priority in effect. */
  {
    g_autofree char *calls = resmgr_test_service_dup_methods (mock);
    g_assert_cmpstr (calls, ==, "lookup,release,cleanup");
  }
  assert_call (mock, 0, "lookup", "mock-r", RESMGR_RESOURCE_TYPE_MEMORY, 20, "buf");
  assert_call (mock, 1, "release", "mock-r", RESMGR_RESOURCE_TYPE_MEMORY, 20, "buf");
  assert_call (mock, 2, "cleanup", "mock-r", RESMGR_RESOURCE_TYPE_MEMORY, 20, "buf");
  g_assert_cmpuint (call_id (mock, 1), ==, id);
  g_assert_cmpint (destroyed, ==, 1);
  g_assert_false (handles_contain (coord, id));

  /* Again: not held any more */
  g_assert_false (resmgr_coordinator_release (coord, id, &error));
  g_assert_error (error, RESMGR_ERROR, RESMGR_ERROR_NOT_FOUND);
  g_assert_cmpuint (resmgr_test_service_count_calls (mock, "release"), ==, 1);
  g_assert_cmpint (destroyed, ==, 1);

  report = resmgr_coordinator_cleanup_all (coord, NULL);
  g_assert_nonnull (report);
}

static void
test_mock_bind_twice (void)
{
  g_autoptr(ResmgrTestService) mock = resmgr_test_service_new ();
  g_autoptr(TestComponent) comp = test_component_new (NULL);
  g_autoptr(TestComponent) other = test_component_new (NULL);
  g_autoptr(ResmgrCoordinator) coord = NULL;
  g_autoptr(ResmgrCleanupReport) report = NULL;
  g_autoptr(GError) error = NULL;

  g_test_summary ("Binding a bound coordinator fails with INVALID_ARGUMENT and calls "
                  "no service method");

  coord = bound_coordinator (SERVICE (mock), comp, "mock-b");
  resmgr_test_service_clear_calls (mock);

  g_assert_false (resmgr_coordinator_bind (coord, G_OBJECT (other), "mock-b2", &error));
  g_assert_error (error, RESMGR_ERROR, RESMGR_ERROR_INVALID_ARGUMENT);
  g_assert_cmpuint (resmgr_test_service_get_n_calls (mock), ==, 0);
  g_assert_cmpstr (resmgr_coordinator_get_component_id (coord), ==, "mock-b");

  report = resmgr_coordinator_cleanup_all (coord, NULL);
  g_assert_nonnull (report);
}

static int run_dispose_freed;

static void
count_free (gpointer data)
{
  run_dispose_freed++;
  g_free (data);
}

static void
test_bind_joins_registration (void)
{
  g_autoptr(ResmgrManager) manager = resmgr_manager_new ();
  TestComponent *comp = test_component_new (NULL);
  g_autoptr(ResmgrCoordinator) first = resmgr_coordinator_new (RESMGR_SERVICE (manager));
  g_autoptr(ResmgrCoordinator) second = resmgr_coordinator_new (RESMGR_SERVICE (manager));
  g_autoptr(ResmgrCoordinator) other_id = resmgr_coordinator_new (RESMGR_SERVICE (manager));
  g_autoptr(ResmgrStats) stats = NULL;
  g_autoptr(GError) error = NULL;
  Recorder *rec = recorder_new ();

  g_test_summary ("Several coordinators of one component: the second bind joins the "
                  "registration (same id, one component), another id is refused, and the "
                  "component's disposal cleans what both tracked in one priority order");

  g_assert_true (resmgr_coordinator_bind (first, G_OBJECT (comp), "joined", &error));
  g_assert_no_error (error);
  g_assert_true (resmgr_coordinator_bind (second, G_OBJECT (comp), NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (resmgr_coordinator_get_component_id (second), ==, "joined");
  g_assert_false (resmgr_coordinator_bind (other_id, G_OBJECT (comp), "another", &error));
  g_assert_error (error, RESMGR_ERROR, RESMGR_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  stats = resmgr_service_dup_stats (RESMGR_SERVICE (manager));
  g_assert_cmpuint (resmgr_stats_get_n_components (stats), ==, 1);

  (void) (resmgr_coordinator_track_data (first, RESMGR_RESOURCE_TYPE_MEMORY, "m", 0,
                                                   RESMGR_PRIORITY_DEFAULT, item_new (rec, "first-memory"),
                                                   item_destroy, &error));
  (void) (resmgr_coordinator_track_data (second, RESMGR_RESOURCE_TYPE_WORKER, "w", 0,
                                                   RESMGR_PRIORITY_DEFAULT, item_new (rec, "second-worker"),
                                                   item_destroy, &error));
  g_assert_no_error (error);

  /* On the owner thread (this one): cleaned inline at the last unref. */
  g_object_unref (comp);
  assert_recorded (rec, "second-worker,first-memory");
  recorder_free (rec);
}

static void
test_bind_run_disposed (void)
{
  g_autoptr(ResmgrManager) manager = resmgr_manager_new ();
  TestComponent *comp = test_component_new (NULL);
  g_autoptr(ResmgrCoordinator) coord = NULL;
  guint64 handle = 0;
  g_autoptr(GPtrArray) handles = NULL;
  g_autoptr(GError) error = NULL;

  g_test_summary ("GLib 2.74 cannot tell a component disposed with g_object_run_dispose "
                  "but still referenced from a live one: binding succeeds, and since its "
                  "final unref runs dispose (and so weak notifies) again, what it owns is "
                  "cleaned then, exactly once");

  g_object_run_dispose (G_OBJECT (comp));

  coord = resmgr_coordinator_new (SERVICE (manager));
  g_assert_true (resmgr_coordinator_bind (coord, G_OBJECT (comp), "run-disposed", &error));
  g_assert_no_error (error);

  run_dispose_freed = 0;
  handle = resmgr_coordinator_track_data (coord, RESMGR_RESOURCE_TYPE_MEMORY, "buf", 8,
                                          RESMGR_PRIORITY_DEFAULT, g_malloc (8), count_free,
                                          &error);
  g_assert_no_error (error);
  g_assert_cmpuint (handle, !=, 0);
  g_assert_cmpint (run_dispose_freed, ==, 0);

  g_object_unref (comp);
  g_assert_cmpint (run_dispose_freed, ==, 1);
  handles = resmgr_coordinator_dup_handles (coord);
  g_assert_cmpuint (handles->len, ==, 0);
}

static void iterate_pending (void);

static gpointer
unref_thread (gpointer data)
{
  g_object_unref (data);
  return NULL;
}

static void
test_record_after_disposal (void)
{
  g_autoptr(ResmgrManager) manager = resmgr_manager_new ();
  TestComponent *comp = test_component_new (NULL);
  TestComponent *disposed = test_component_new (NULL);
  g_autoptr(ResmgrCoordinator) coord = bound_coordinator (SERVICE (manager), comp, "pending");
  g_autoptr(ResmgrCoordinator) coord2 = bound_coordinator (SERVICE (manager), disposed, "run-dispose");
  g_autoptr(GError) error = NULL;
  int destroyed = 0, refused = 0;
  guint64 a, b;

  g_test_summary ("A coordinator on a manager tracks through its component's record: once "
                  "the component's disposal started (last unref on another thread, its "
                  "cleanup still waiting for the owner; or g_object_run_dispose), a track is "
                  "refused with NOT_FOUND and takes nothing; a resource it holds can still be "
                  "released by id until the disposal cleanup ran, and none after");

  a = resmgr_coordinator_track_data (coord, RESMGR_RESOURCE_TYPE_MEMORY, "a", 1,
                                     RESMGR_PRIORITY_DEFAULT, &destroyed, count_destroy, &error);
  g_assert_no_error (error);
  b = resmgr_coordinator_track_data (coord, RESMGR_RESOURCE_TYPE_MEMORY, "b", 1,
                                     RESMGR_PRIORITY_DEFAULT, &destroyed, count_destroy, &error);
  g_assert_no_error (error);

  /* The last reference goes on a worker: the cleanup waits for this
   * thread, the owner, to iterate. */
  g_thread_join (g_thread_new ("unref", unref_thread, comp));
  g_assert_cmpint (destroyed, ==, 0);

  g_assert_cmpuint (resmgr_coordinator_track_data (coord, RESMGR_RESOURCE_TYPE_MEMORY, "late", 1,
                                                   RESMGR_PRIORITY_DEFAULT, &refused,
                                                   count_destroy, &error), ==, 0);
  g_assert_error (error, RESMGR_ERROR, RESMGR_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_cmpint (refused, ==, 0);

  g_assert_true (resmgr_coordinator_release (coord, a, &error));
  g_assert_no_error (error);
  g_assert_cmpint (destroyed, ==, 1);

  iterate_pending ();
  g_assert_cmpint (destroyed, ==, 2);
  g_assert_false (resmgr_coordinator_release (coord, b, &error));
  g_assert_error (error, RESMGR_ERROR, RESMGR_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_cmpuint (resmgr_coordinator_track_data (coord, RESMGR_RESOURCE_TYPE_MEMORY, "later", 1,
                                                   RESMGR_PRIORITY_DEFAULT, &refused,
                                                   count_destroy, &error), ==, 0);
  g_assert_error (error, RESMGR_ERROR, RESMGR_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* Disposed but still referenced: refused as well. */
  destroyed = 0;
  a = resmgr_coordinator_track_data (coord2, RESMGR_RESOURCE_TYPE_MEMORY, "a", 1,
                                     RESMGR_PRIORITY_DEFAULT, &destroyed, count_destroy, &error);
  g_assert_no_error (error);
  g_object_run_dispose (G_OBJECT (disposed));
  g_assert_cmpint (destroyed, ==, 1);
  g_assert_cmpuint (resmgr_coordinator_track_data (coord2, RESMGR_RESOURCE_TYPE_MEMORY, "late", 1,
                                                   RESMGR_PRIORITY_DEFAULT, &refused,
                                                   count_destroy, &error), ==, 0);
  g_assert_error (error, RESMGR_ERROR, RESMGR_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (resmgr_coordinator_release (coord2, a, &error));
  g_assert_error (error, RESMGR_ERROR, RESMGR_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_object_unref (disposed);

  g_assert_cmpint (refused, ==, 0);
}

static void
test_record_not_reused (void)
{
  g_autoptr(ResmgrManager) manager = resmgr_manager_new ();
  TestComponent *comp = test_component_new (NULL);
  g_autoptr(ResmgrCoordinator) coord = bound_coordinator (SERVICE (manager), comp, "old");
  g_autoptr(ResmgrCoordinator) fresh_coord = NULL;
  g_autoptr(GPtrArray) others = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GError) error = NULL;
  TestComponent *fresh = NULL;
  guintptr old_address = (guintptr) comp;
  int refused = 0;
  guint64 id;

  g_test_summary ("A coordinator whose component is gone never tracks onto, nor releases "
                  "from, a new component at the same address: its record is not reused");

  g_object_unref (comp);

  /* Most often the very next object of that size takes the address. */
  for (guint i = 0; i < 64 && fresh == NULL; i++)
    {
      TestComponent *other = test_component_new (NULL);

      g_ptr_array_add (others, other);
      if ((guintptr) other == old_address)
        fresh = other;
    }
  if (fresh == NULL)
    fresh = g_ptr_array_index (others, 0);
  fresh_coord = bound_coordinator (SERVICE (manager), fresh, "new");
  id = resmgr_coordinator_track_data (fresh_coord, RESMGR_RESOURCE_TYPE_MEMORY, "mine", 1,
                                      RESMGR_PRIORITY_DEFAULT, &refused, count_destroy, &error);
  g_assert_no_error (error);

  g_assert_cmpuint (resmgr_coordinator_track_data (coord, RESMGR_RESOURCE_TYPE_MEMORY, "stray", 1,
                                                   RESMGR_PRIORITY_DEFAULT, &refused,
                                                   count_destroy, &error), ==, 0);
  g_assert_error (error, RESMGR_ERROR, RESMGR_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (resmgr_coordinator_release (coord, id, &error));
  g_assert_error (error, RESMGR_ERROR, RESMGR_ERROR_NOT_FOUND);
  g_clear_error (&error);

  g_assert_cmpint (refused, ==, 0);
  g_assert_cmpuint (n_handles (fresh_coord), ==, 2); /* its own cleanup and "mine" */
  g_assert_cmpstr (resmgr_coordinator_get_component_id (coord), ==, "old");
}

static void
test_mock_bind_refused (void)
{
  g_autoptr(ResmgrTestService) mock = resmgr_test_service_new ();
  g_autoptr(TestComponent) comp = test_component_new (NULL);
  g_autoptr(ResmgrCoordinator) coord = NULL;
  g_autoptr(GError) error = NULL;

  g_test_summary ("A registration the service refuses is passed on; the coordinator "
                  "stays unbound and adds no cleanup");

  fail_next (mock, "register_component", RESMGR_ERROR_SHUTTING_DOWN);
  coord = resmgr_coordinator_new (SERVICE (mock));
  g_assert_false (resmgr_coordinator_bind (coord, G_OBJECT (comp), "mock-x", &error));
  g_assert_error (error, RESMGR_ERROR, RESMGR_ERROR_SHUTTING_DOWN);
  g_assert_false (resmgr_coordinator_is_bound (coord));
  g_assert_cmpuint (resmgr_test_service_count_calls (mock, "add_cleanup"), ==, 0);
}

static void
test_mock_track_fails (void)
{
  g_autoptr(ResmgrTestService) mock = resmgr_test_service_new ();
  g_autoptr(TestComponent) comp = test_component_new (NULL);
  g_autoptr(TestObject) obj = test_object_new (NULL);
  g_autoptr(ResmgrCoordinator) coord = NULL;
  g_autoptr(ResmgrCleanupReport) report = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  GSource *source;
  guint64 handle;
  gint destroyed = 0, cleaned = 0;

  g_test_summary ("A service call told to fail gives 0 with its error; the "
                  "caller's destroy notify is not called and it keeps its resource");

  coord = bound_coordinator (SERVICE (mock), comp, "mock-f");

  fail_next (mock, "track_data", RESMGR_ERROR_SHUTTING_DOWN);
  handle = resmgr_coordinator_track_data (coord, RESMGR_RESOURCE_TYPE_MEMORY, "buf", 1,
                                          RESMGR_PRIORITY_DEFAULT, &destroyed, count_destroy, &error);
  g_assert_cmpuint (handle, ==, 0);
  g_assert_error (error, RESMGR_ERROR, RESMGR_ERROR_SHUTTING_DOWN);
  g_clear_error (&error);
  g_assert_cmpint (destroyed, ==, 0);

  fail_next (mock, "track_object", RESMGR_ERROR_CLEANUP_IN_PROGRESS);
  handle = resmgr_coordinator_track_object (coord, RESMGR_RESOURCE_TYPE_WIDGET, "win", 0,
                                            RESMGR_PRIORITY_DEFAULT, G_OBJECT (obj),
                                            ok_cleanup, &cleaned, count_destroy, &error);
  g_assert_cmpuint (handle, ==, 0);
  g_assert_error (error, RESMGR_ERROR, RESMGR_ERROR_CLEANUP_IN_PROGRESS);
  g_clear_error (&error);
  g_assert_cmpint (destroyed, ==, 0);
  g_assert_cmpint (cleaned, ==, 0);

  source = g_idle_source_new ();
  fail_next (mock, "track_resource", RESMGR_ERROR_SHUTTING_DOWN);
  handle = resmgr_coordinator_track (coord, RESMGR_RESOURCE_TYPE_SOURCE, "idle", 0, source, &error);
  g_assert_cmpuint (handle, ==, 0);
  g_assert_error (error, RESMGR_ERROR, RESMGR_ERROR_SHUTTING_DOWN);
  g_clear_error (&error);
  g_assert_false (g_source_is_destroyed (source));
  g_source_unref (source);

  fail_next (mock, "track_resource", RESMGR_ERROR_SHUTTING_DOWN);
  handle = resmgr_coordinator_track (coord, RESMGR_RESOURCE_TYPE_WORKER, "c", 0, cancellable, &error);
  g_assert_cmpuint (handle, ==, 0);
  g_assert_error (error, RESMGR_ERROR, RESMGR_ERROR_SHUTTING_DOWN);
  g_clear_error (&error);
  g_assert_false (g_cancellable_is_cancelled (cancellable));

  g_assert_cmpuint (n_handles (coord), ==, 1); /* the own cleanup */

  /* The failed calls were made, and nothing was left in the service. */
  g_assert_cmpuint (resmgr_test_service_count_calls (mock, "track_data"), ==, 1);
  g_assert_cmpuint (resmgr_test_service_count_calls (mock, "track_object"), ==, 1);
  g_assert_cmpuint (resmgr_test_service_count_calls (mock, "track_resource"), ==, 2);
  g_assert_cmpuint (n_entries (mock), ==, 1); /* the own cleanup */

  report = resmgr_coordinator_cleanup_all (coord, NULL);
  g_assert_nonnull (report);
  g_assert_cmpint (destroyed, ==, 0);
}

static void
test_mock_release_fails (void)
{
  g_autoptr(ResmgrTestService) mock = resmgr_test_service_new ();
  g_autoptr(TestComponent) comp = test_component_new (NULL);
  g_autoptr(ResmgrCoordinator) coord = NULL;
  guint64 handle = 0;
  g_autoptr(ResmgrCleanupReport) report = NULL;
  g_autoptr(GError) error = NULL;
  gint destroyed = 0;

  g_test_summary ("A release the service refuses is passed on and the resource stays held");

  coord = bound_coordinator (SERVICE (mock), comp, "mock-rf");
  handle = resmgr_coordinator_track_data (coord, RESMGR_RESOURCE_TYPE_MEMORY, "buf", 1,
                                          RESMGR_PRIORITY_DEFAULT, &destroyed, count_destroy, NULL);
  fail_next (mock, "release", RESMGR_ERROR_CLEANUP_IN_PROGRESS);
  g_assert_false (resmgr_coordinator_release (coord, handle, &error));
  g_assert_error (error, RESMGR_ERROR, RESMGR_ERROR_CLEANUP_IN_PROGRESS);
  g_assert_cmpint (destroyed, ==, 0);
  g_assert_true (handles_contain (coord, handle));

  report = resmgr_coordinator_cleanup_all (coord, NULL);
  g_assert_nonnull (report);
  g_assert_cmpint (destroyed, ==, 1);
}

static void
test_mock_own_cleanup_refused (void)
{
  g_autoptr(ResmgrTestService) mock = resmgr_test_service_new ();
  g_autoptr(TestComponent) comp = test_component_new (NULL);
  g_autoptr(ResmgrCoordinator) coord = NULL;
  guint64 handle = 0;
  g_autoptr(ResmgrCleanupReport) report = NULL;
  g_autoptr(GError) error = NULL;
  gint destroyed = 0;

  g_test_summary ("When the service refuses the own cleanup at bind, the next track "
                  "adds it again");

  fail_next (mock, "add_cleanup", RESMGR_ERROR_SHUTTING_DOWN);
  coord = resmgr_coordinator_new (SERVICE (mock));
  g_assert_true (resmgr_coordinator_bind (coord, G_OBJECT (comp), "mock-oc", &error));
  g_assert_no_error (error);
  resmgr_assert_no_leaks (mock, NULL);

  handle = resmgr_coordinator_track_data (coord, RESMGR_RESOURCE_TYPE_MEMORY, "buf", 1,
                                          RESMGR_PRIORITY_DEFAULT, &destroyed, count_destroy, NULL);
  g_assert_cmpuint (handle, !=, 0);
  {
    g_autofree char *calls = resmgr_test_service_dup_methods (mock);
    g_assert_cmpstr (calls, ==, "register_component,add_cleanup,add_cleanup,track_data");
  }
  g_assert_cmpuint (n_entries (mock), ==, 2);

  report = resmgr_coordinator_cleanup_all (coord, NULL);
  g_assert_nonnull (report);
}

/* }}} */

/* Against ResmgrManager: tracking, reports, stats {{{ */

static void
test_manager_track_release (void)
{
  g_autoptr(ResmgrManager) manager = resmgr_manager_new ();
  g_autoptr(TestComponent) comp = test_component_new (NULL);
  g_autoptr(ResmgrCoordinator) coord = NULL;
  guint64 a = 0;
  guint64 b = 0;
  guint64 c = 0;
  g_autoptr(GPtrArray) handles = NULL;
  g_autoptr(ResmgrCleanupReport) report = NULL;
  g_autoptr(GError) error = NULL;
  gint destroyed = 0;

  g_test_summary ("Tracks return ascending ids, handles are made on request and listed "
                  "oldest first by dup_handles; release by id frees the resource, and "
                  "another component's coordinator cannot release it");

  coord = bound_coordinator (SERVICE (manager), comp, "ctl");
  a = resmgr_coordinator_track_data (coord, RESMGR_RESOURCE_TYPE_MEMORY, "a", 10,
                                     RESMGR_PRIORITY_DEFAULT, &destroyed, count_destroy, &error);
  g_assert_no_error (error);
  b = resmgr_coordinator_track_data (coord, RESMGR_RESOURCE_TYPE_FILE, "b", 20, 45,
                                     &destroyed, count_destroy, &error);
  g_assert_no_error (error);
  c = resmgr_coordinator_track_data (coord, RESMGR_RESOURCE_TYPE_MEMORY, "c", 30,
                                     RESMGR_PRIORITY_DEFAULT, &destroyed, count_destroy, &error);
  g_assert_no_error (error);

  g_assert_cmpuint (a, <, b);
  g_assert_cmpuint (b, <, c);
  {
    g_autoptr(ResmgrHandle) ha = lookup (coord, a);
    g_autoptr(ResmgrHandle) hb = lookup (coord, b);

    g_assert_cmpstr (resmgr_handle_get_component_id (ha), ==, "ctl");
    g_assert_cmpint (resmgr_handle_get_priority (ha), ==, 20);
    g_assert_cmpint (resmgr_handle_get_priority (hb), ==, 45);
    g_assert_cmpint (resmgr_handle_get_resource_type (hb), ==, RESMGR_RESOURCE_TYPE_FILE);
  }

  handles = resmgr_coordinator_dup_handles (coord);
  g_assert_cmpuint (handles->len, ==, 4);
  /* The own cleanup, registered at bind, is the component's oldest entry. */
  g_assert_cmpstr (resmgr_handle_get_name (g_ptr_array_index (handles, 0)), ==, "ResmgrCoordinator cleanup");
  g_assert_cmpstr (resmgr_handle_get_name (g_ptr_array_index (handles, 1)), ==, "a");
  g_assert_cmpstr (resmgr_handle_get_name (g_ptr_array_index (handles, 2)), ==, "b");
  g_assert_cmpstr (resmgr_handle_get_name (g_ptr_array_index (handles, 3)), ==, "c");
  g_clear_pointer (&handles, g_ptr_array_unref);

  g_assert_true (resmgr_coordinator_release (coord, b, &error));
  g_assert_no_error (error);
  g_assert_cmpint (destroyed, ==, 1);
  g_assert_false (handles_contain (coord, b));
  g_assert_cmpuint (n_handles (coord), ==, 3);

  /* Another coordinator cannot release it */
  {
    g_autoptr(TestComponent) comp2 = test_component_new (NULL);
    g_autoptr(ResmgrCoordinator) coord2 = bound_coordinator (SERVICE (manager), comp2, "ctl2");
    g_autoptr(ResmgrCleanupReport) report2 = NULL;

    g_assert_false (resmgr_coordinator_release (coord2, a, &error));
    g_assert_error (error, RESMGR_ERROR, RESMGR_ERROR_NOT_FOUND);
    g_clear_error (&error);
    g_assert_cmpint (destroyed, ==, 1);
    report2 = resmgr_coordinator_cleanup_all (coord2, NULL);
  }

  report = resmgr_coordinator_cleanup_all (coord, &error);
  g_assert_no_error (error);
  g_assert_cmpint (destroyed, ==, 3);
  g_assert_cmpuint (n_handles (coord), ==, 0);
}

static void
test_manager_cleanup_report (void)
{
  g_autoptr(ResmgrManager) manager = resmgr_manager_new ();
  g_autoptr(TestComponent) comp = test_component_new (NULL);
  g_autoptr(ResmgrCoordinator) coord = NULL;
  g_autoptr(ResmgrCleanupReport) report = NULL;
  g_autoptr(GError) error = NULL;
  gint destroyed = 0;
  guint released = 0;

  g_test_summary ("cleanup_all releases everything with the coordinator's own cleanup, "
                  "and reports it by phase");

  coord = bound_coordinator (SERVICE (manager), comp, "ctl");
  for (int i = 0; i < 3; i++)
    {
      guint64 h =
        resmgr_coordinator_track_data (coord, RESMGR_RESOURCE_TYPE_MEMORY, "m", 1,
                                       RESMGR_PRIORITY_DEFAULT, &destroyed, count_destroy, NULL);
      g_assert_cmpuint (h, !=, 0);
    }
  {
    guint64 h =
      resmgr_coordinator_track_data (coord, RESMGR_RESOURCE_TYPE_TIMER, "t", 0,
                                     RESMGR_PRIORITY_DEFAULT, &destroyed, count_destroy, NULL);
    g_assert_cmpuint (h, !=, 0);
  }

  report = resmgr_coordinator_cleanup_all (coord, &error);
  g_assert_no_error (error);
  g_assert_nonnull (report);
  g_assert_cmpstr (resmgr_cleanup_report_get_scope (report), ==, "ctl");
  /* 4 resources + the own cleanup */
  g_assert_cmpuint (resmgr_cleanup_report_get_released (report), ==, 5);
  g_assert_cmpuint (resmgr_cleanup_report_get_failed (report), ==, 0);
  g_assert_true (resmgr_cleanup_report_is_clean (report));
  g_assert_cmpint (find_phase (report, 20, &released), >=, 0);
  g_assert_cmpuint (released, ==, 3);
  g_assert_cmpint (find_phase (report, 90, &released), >=, 0);
  g_assert_cmpuint (released, ==, 1);
  g_assert_cmpint (find_phase (report, 50, &released), >=, 0);
  g_assert_cmpuint (released, ==, 1);
  g_assert_cmpint (destroyed, ==, 4);

  {
    g_autoptr(ResmgrStats) stats = resmgr_coordinator_dup_stats (coord);
    /* The component's counters, from the service: the own cleanup is one
     * of its entries too. */
    g_assert_cmpuint (resmgr_stats_get_n_resources (stats), ==, 0);
    g_assert_cmpuint (resmgr_stats_get_total_tracked (stats), ==, 4 + 1);
    g_assert_cmpuint (resmgr_stats_get_total_released (stats), ==, 4 + 1);
    g_assert_cmpuint (resmgr_stats_get_peak_resources (stats), ==, 4 + 1);
  }
}

static void
test_manager_not_bound (void)
{
  g_autoptr(ResmgrManager) manager = resmgr_manager_new ();
  g_autoptr(ResmgrCoordinator) coord = resmgr_coordinator_new (SERVICE (manager));
  g_autoptr(GError) error = NULL;
  gint destroyed = 0;

  g_test_summary ("An unbound coordinator refuses to track and clean with INVALID_ARGUMENT");

  g_assert_cmpuint (resmgr_coordinator_track_data (coord, RESMGR_RESOURCE_TYPE_MEMORY, "m", 1,
                                                   RESMGR_PRIORITY_DEFAULT, &destroyed,
                                                   count_destroy, &error), ==, 0);
  g_assert_error (error, RESMGR_ERROR, RESMGR_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_cmpint (destroyed, ==, 0);

  g_assert_null (resmgr_coordinator_cleanup_all (coord, &error));
  g_assert_error (error, RESMGR_ERROR, RESMGR_ERROR_INVALID_ARGUMENT);
}

static void
test_manager_stats (void)
{
  g_autoptr(ResmgrManager) manager = resmgr_manager_new ();
  g_autoptr(TestComponent) comp = test_component_new (NULL);
  g_autoptr(TestComponent) other = test_component_new (NULL);
  g_autoptr(ResmgrCoordinator) coord = NULL;
  g_autoptr(ResmgrCoordinator) coord2 = NULL;
  guint64 m1 = 0;
  guint64 m2 = 0;
  guint64 f1 = 0;
  guint64 o1 = 0;
  g_autoptr(ResmgrStats) stats = NULL;
  g_autoptr(ResmgrCleanupReport) report = NULL;
  g_autoptr(ResmgrCleanupReport) report2 = NULL;
  gint destroyed = 0;

  g_test_summary ("dup_stats counts this component's resources per type and bytes, and "
                  "its totals, not other components'");

  coord = bound_coordinator (SERVICE (manager), comp, "ctl");
  coord2 = bound_coordinator (SERVICE (manager), other, "other");
  m1 = resmgr_coordinator_track_data (coord, RESMGR_RESOURCE_TYPE_MEMORY, "m1", 100,
                                      RESMGR_PRIORITY_DEFAULT, &destroyed, count_destroy, NULL);
  m2 = resmgr_coordinator_track_data (coord, RESMGR_RESOURCE_TYPE_MEMORY, "m2", 50,
                                      RESMGR_PRIORITY_DEFAULT, &destroyed, count_destroy, NULL);
  f1 = resmgr_coordinator_track_data (coord, RESMGR_RESOURCE_TYPE_FILE, "f1", 7,
                                      RESMGR_PRIORITY_DEFAULT, &destroyed, count_destroy, NULL);
  o1 = resmgr_coordinator_track_data (coord2, RESMGR_RESOURCE_TYPE_MEMORY, "o1", 1000,
                                      RESMGR_PRIORITY_DEFAULT, &destroyed, count_destroy, NULL);
  g_assert_true (m1 != 0 && f1 != 0 && o1 != 0);
  g_assert_true (resmgr_coordinator_release (coord, m2, NULL));

  stats = resmgr_coordinator_dup_stats (coord);
  g_assert_cmpuint (resmgr_stats_get_count (stats, RESMGR_RESOURCE_TYPE_MEMORY), ==, 1);
  g_assert_cmpuint (resmgr_stats_get_bytes (stats, RESMGR_RESOURCE_TYPE_MEMORY), ==, 100);
  g_assert_cmpuint (resmgr_stats_get_count (stats, RESMGR_RESOURCE_TYPE_FILE), ==, 1);
  g_assert_cmpuint (resmgr_stats_get_bytes (stats, RESMGR_RESOURCE_TYPE_FILE), ==, 7);
  /* The own cleanup is a CUSTOM entry of 0 bytes. */
  g_assert_cmpuint (resmgr_stats_get_count (stats, RESMGR_RESOURCE_TYPE_CUSTOM), ==, 1);
  g_assert_cmpuint (resmgr_stats_get_n_resources (stats), ==, 2 + 1);
  g_assert_cmpuint (resmgr_stats_get_total_bytes (stats), ==, 107);
  g_assert_cmpuint (resmgr_stats_get_n_components (stats), ==, 1);
  g_assert_cmpuint (resmgr_stats_get_total_tracked (stats), ==, 3 + 1);
  g_assert_cmpuint (resmgr_stats_get_total_released (stats), ==, 1);
  g_assert_cmpuint (resmgr_stats_get_total_failed (stats), ==, 0);
  g_assert_cmpuint (resmgr_stats_get_peak_resources (stats), ==, 3 + 1);

  /* The coordinator's stats are the service's, per component. */
  {
    g_autoptr(ResmgrStats) direct = resmgr_service_dup_component_stats (SERVICE (manager), "ctl");

    g_assert_cmpuint (resmgr_stats_get_n_resources (direct), ==, resmgr_stats_get_n_resources (stats));
    g_assert_cmpuint (resmgr_stats_get_total_bytes (direct), ==, resmgr_stats_get_total_bytes (stats));
    g_assert_cmpuint (resmgr_stats_get_total_released (direct), ==, 1);
  }

  report = resmgr_coordinator_cleanup_all (coord, NULL);
  report2 = resmgr_coordinator_cleanup_all (coord2, NULL);
  g_assert_cmpint (destroyed, ==, 4);
}

static gboolean
fail_cleanup (gpointer   resource,
              gpointer   user_data,
              GError   **error)
{
  (*(int *) user_data)++;
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_BUSY, "%s is busy", (const char *) resource);
  return FALSE;
}

static void
test_manager_track_resource_fails (void)
{
  g_autoptr(ResmgrManager) manager = resmgr_manager_new ();
  g_autoptr(TestComponent) comp = test_component_new (NULL);
  g_autoptr(ResmgrCoordinator) coord = NULL;
  g_autoptr(ResmgrCleanupReport) report = NULL;
  const GError *failure = NULL;
  ResmgrHandle *failed;
  guint64 id;
  int calls = 0;
  int destroyed = 0;

  g_test_summary ("track_resource's cleanup may fail: the report names the resource with "
                  "its error, it runs once, and the other resources are still freed");

  coord = bound_coordinator (SERVICE (manager), comp, "ctl");
  id = resmgr_coordinator_track_resource (coord, RESMGR_RESOURCE_TYPE_FILE, "lock", 1,
                                          RESMGR_PRIORITY_DEFAULT, (gpointer) "the lock file",
                                          fail_cleanup, &calls, NULL, NULL);
  g_assert_cmpuint (id, !=, 0);
  g_assert_cmpuint (resmgr_coordinator_track_data (coord, RESMGR_RESOURCE_TYPE_MEMORY, "m", 8,
                                                   10, &destroyed,
                                                   count_destroy, NULL), !=, 0);

  report = resmgr_coordinator_cleanup_all (coord, NULL);
  g_assert_cmpint (calls, ==, 1);
  g_assert_cmpint (destroyed, ==, 1);
  g_assert_cmpuint (resmgr_cleanup_report_get_n_failures (report), ==, 1);
  failed = resmgr_cleanup_report_get_failure (report, 0);
  failure = resmgr_cleanup_report_get_failure_error (report, 0);
  g_assert_cmpuint (resmgr_handle_get_id (failed), ==, id);
  g_assert_cmpstr (resmgr_handle_get_name (failed), ==, "lock");
  g_assert_error (failure, G_IO_ERROR, G_IO_ERROR_BUSY);
  g_assert_cmpstr (failure->message, ==, "the lock file is busy");
}

/* }}} */

/* Helpers for what a controller owns {{{ */

static gboolean
never_called (gpointer data)
{
  g_assert_not_reached ();
  return G_SOURCE_REMOVE;
}

static void
test_track_source (void)
{
  g_autoptr(ResmgrManager) manager = resmgr_manager_new ();
  g_autoptr(TestComponent) comp = test_component_new (NULL);
  g_autoptr(ResmgrCoordinator) coord = NULL;
  g_autoptr(ResmgrHandle) handle = NULL;
  g_autoptr(ResmgrCleanupReport) report = NULL;
  g_autoptr(GError) error = NULL;
  GSource *source;
  guint64 id;

  g_test_summary ("A GSource tracked with track as a SOURCE resource: priority 90, "
                  "destroyed (and its reference dropped) at cleanup by the class's cleanup");

  coord = bound_coordinator (SERVICE (manager), comp, "ctl");
  source = g_timeout_source_new_seconds (3600);
  g_source_set_callback (source, never_called, NULL, NULL);
  g_source_attach (source, NULL);

  id = resmgr_coordinator_track (coord, RESMGR_RESOURCE_TYPE_SOURCE, "tick", 0,
                                 g_source_ref (source), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (id, !=, 0);
  handle = lookup (coord, id);
  g_assert_cmpint (resmgr_handle_get_resource_type (handle), ==, RESMGR_RESOURCE_TYPE_SOURCE);
  g_assert_cmpint (resmgr_handle_get_priority (handle), ==, 90);
  g_assert_cmpstr (resmgr_handle_get_name (handle), ==, "tick");

  report = resmgr_coordinator_cleanup_all (coord, &error);
  g_assert_no_error (error);
  g_assert_true (g_source_is_destroyed (source));
  g_assert_cmpuint (n_handles (coord), ==, 0);
  g_source_unref (source);
}

static void
on_notify (GObject    *object,
           GParamSpec *pspec,
           gpointer    data)
{
}

static void
test_helper_signal_handler (void)
{
  g_autoptr(ResmgrManager) manager = resmgr_manager_new ();
  g_autoptr(TestComponent) comp = test_component_new (NULL);
  g_autoptr(TestObject) obj = test_object_new (NULL);
  g_autoptr(ResmgrCoordinator) coord = NULL;
  guint64 handle = 0;
  g_autoptr(ResmgrCleanupReport) report = NULL;
  g_autoptr(GError) error = NULL;
  gulong handler;

  g_test_summary ("track_signal_handler: the handler is disconnected at cleanup");

  coord = bound_coordinator (SERVICE (manager), comp, "ctl");
  handler = g_signal_connect (obj, "notify", G_CALLBACK (on_notify), NULL);

  handle = resmgr_coordinator_track_signal_handler (coord, obj, handler, "notify", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (handle, !=, 0);
  {
    g_autoptr(ResmgrHandle) h = lookup (coord, handle);

    g_assert_cmpint (resmgr_handle_get_resource_type (h), ==, RESMGR_RESOURCE_TYPE_SOURCE);
  }
  g_assert_true (g_signal_handler_is_connected (obj, handler));

  report = resmgr_coordinator_cleanup_all (coord, &error);
  g_assert_no_error (error);
  g_assert_false (g_signal_handler_is_connected (obj, handler));
  g_assert_cmpuint (n_handles (coord), ==, 0);
}

static void
test_helper_signal_handler_instance_dies (void)
{
  g_autoptr(ResmgrManager) manager = resmgr_manager_new ();
  g_autoptr(TestComponent) comp = test_component_new (NULL);
  g_autoptr(ResmgrCoordinator) coord = NULL;
  guint64 handle = 0;
  g_autoptr(ResmgrCleanupReport) report = NULL;
  g_autoptr(GError) error = NULL;
  gboolean finalized = FALSE;
  TestObject *obj = test_object_new (&finalized);
  gulong handler;

  g_test_summary ("track_signal_handler: when the other object dies first, the entry "
                  "is forgotten and the coordinator's handles drop it");

  coord = bound_coordinator (SERVICE (manager), comp, "ctl");
  handler = g_signal_connect (obj, "notify", G_CALLBACK (on_notify), NULL);
  handle = resmgr_coordinator_track_signal_handler (coord, obj, handler, "notify", &error);
  g_assert_no_error (error);
  g_assert_true (handles_contain (coord, handle));

  g_object_unref (obj);
  g_assert_true (finalized);
  g_assert_false (handles_contain (coord, handle));

  report = resmgr_coordinator_cleanup_all (coord, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (n_handles (coord), ==, 0);
  {
    g_autoptr(ResmgrStats) stats = resmgr_coordinator_dup_stats (coord);
    g_assert_cmpuint (resmgr_stats_get_total_lost (stats), ==, 1);
  }
}

static void
test_track_cancellable (void)
{
  g_autoptr(ResmgrManager) manager = resmgr_manager_new ();
  g_autoptr(TestComponent) comp = test_component_new (NULL);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(ResmgrCoordinator) coord = NULL;
  g_autoptr(ResmgrHandle) handle = NULL;
  g_autoptr(ResmgrCleanupReport) report = NULL;
  g_autoptr(GError) error = NULL;
  guint released = 0;

  g_test_summary ("A reference to a GCancellable tracked with track as a WORKER resource: "
                  "priority 100, cancelled at cleanup by the class's cleanup");

  coord = bound_coordinator (SERVICE (manager), comp, "ctl");
  handle = lookup (coord, resmgr_coordinator_track (coord, RESMGR_RESOURCE_TYPE_WORKER, "op", 0,
                                                    g_object_ref (cancellable), &error));
  g_assert_no_error (error);
  g_assert_cmpint (resmgr_handle_get_resource_type (handle), ==, RESMGR_RESOURCE_TYPE_WORKER);
  g_assert_cmpint (resmgr_handle_get_priority (handle), ==, 100);
  g_assert_false (g_cancellable_is_cancelled (cancellable));

  report = resmgr_coordinator_cleanup_all (coord, &error);
  g_assert_no_error (error);
  g_assert_true (g_cancellable_is_cancelled (cancellable));
  g_assert_cmpint (find_phase (report, 100, &released), >=, 0);
  g_assert_cmpuint (released, ==, 1);
}

static void
test_track_gobject (void)
{
  g_autoptr(ResmgrManager) manager = resmgr_manager_new ();
  g_autoptr(TestComponent) comp = test_component_new (NULL);
  g_autoptr(ResmgrCoordinator) coord = NULL;
  g_autoptr(ResmgrHandle) handle = NULL;
  g_autoptr(ResmgrCleanupReport) report = NULL;
  g_autoptr(GError) error = NULL;
  gboolean finalized = FALSE;
  TestObject *obj = test_object_new (&finalized);
  gpointer weak = obj;

  g_test_summary ("A reference to a GObject tracked with track as a WIDGET resource is "
                  "dropped at cleanup by the class's cleanup");

  g_object_add_weak_pointer (G_OBJECT (obj), &weak);
  coord = bound_coordinator (SERVICE (manager), comp, "ctl");
  handle = lookup (coord, resmgr_coordinator_track (coord, RESMGR_RESOURCE_TYPE_WIDGET, "obj", 12,
                                                    g_object_ref (obj), &error));
  g_assert_no_error (error);
  g_assert_cmpstr (resmgr_handle_get_name (handle), ==, "obj");
  g_assert_cmpuint (resmgr_handle_get_size (handle), ==, 12);
  g_object_unref (obj); /* the tracked reference keeps it */
  g_assert_nonnull (weak);
  g_assert_false (finalized);

  report = resmgr_coordinator_cleanup_all (coord, &error);
  g_assert_no_error (error);
  g_assert_null (weak);
  g_assert_true (finalized);
}

/* }}} */

/* Callbacks bound to their owner {{{ */

typedef struct
{
  gint      calls;
  gint      destroyed;
  GObject  *last_target;
  GThread  *thread;
  gint      stop_at;   /* timeout: return REMOVE at this call */
  gint      done;
} CallData;

static gboolean
bound_cb (GObject  *target,
          gpointer  user_data)
{
  CallData *d = user_data;

  g_assert_true (G_IS_OBJECT (target));
  d->last_target = target;
  d->thread = g_thread_self ();
  d->calls++;
  g_atomic_int_set (&d->done, 1);

  return d->stop_at > 0 && d->calls < d->stop_at ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

static void
call_data_destroy (gpointer user_data)
{
  CallData *d = user_data;

  g_atomic_int_inc (&d->destroyed);
}

static void
iterate_pending (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static void
test_bound_idle (void)
{
  g_autoptr(ResmgrManager) manager = resmgr_manager_new ();
  g_autoptr(TestComponent) comp = test_component_new (NULL);
  g_autoptr(TestObject) target = test_object_new (NULL);
  g_autoptr(ResmgrCoordinator) coord = NULL;
  guint64 handle = 0;
  guint64 handle2 = 0;
  g_autoptr(ResmgrCleanupReport) report = NULL;
  CallData d = { 0, }, d2 = { 0, };

  g_test_summary ("idle_add calls the callback once with the target (the component when "
                  "NULL), then forgets its handle and frees the data");

  coord = bound_coordinator (SERVICE (manager), comp, "ctl");
  handle = resmgr_coordinator_idle_add (coord, "idle", G_OBJECT (target), bound_cb, &d,
                                        call_data_destroy);
  g_assert_cmpuint (handle, !=, 0);
  g_assert_true (handles_contain (coord, handle));
  handle2 = resmgr_coordinator_idle_add (coord, "idle2", NULL, bound_cb, &d2, call_data_destroy);
  g_assert_cmpuint (handle2, !=, 0);

  iterate_until (NULL, &d.done);
  iterate_until (NULL, &d2.done);
  iterate_pending ();
  g_assert_cmpint (d.calls, ==, 1);
  g_assert_true (d.last_target == G_OBJECT (target));
  g_assert_true (d.thread == g_thread_self ());
  g_assert_cmpint (d.destroyed, ==, 1);
  g_assert_cmpint (d2.calls, ==, 1);
  g_assert_true (d2.last_target == G_OBJECT (comp));
  g_assert_cmpint (d2.destroyed, ==, 1);
  g_assert_false (handles_contain (coord, handle));
  g_assert_false (handles_contain (coord, handle2));

  report = resmgr_coordinator_cleanup_all (coord, NULL);
}

static void
test_bound_idle_cleanup (void)
{
  g_autoptr(ResmgrManager) manager = resmgr_manager_new ();
  g_autoptr(TestComponent) comp = test_component_new (NULL);
  g_autoptr(ResmgrCoordinator) coord = NULL;
  guint64 handle = 0;
  g_autoptr(ResmgrCleanupReport) report = NULL;
  g_autoptr(GError) error = NULL;
  CallData d = { 0, };

  g_test_summary ("An idle callback is removed when the component is cleaned: it never "
                  "runs after cleanup_all, and its data is freed");

  coord = bound_coordinator (SERVICE (manager), comp, "ctl");
  handle = resmgr_coordinator_idle_add (coord, "idle", NULL, bound_cb, &d, call_data_destroy);
  g_assert_cmpuint (handle, !=, 0);

  report = resmgr_coordinator_cleanup_all (coord, &error);
  g_assert_no_error (error);
  iterate_pending ();
  g_assert_cmpint (d.calls, ==, 0);
  g_assert_cmpint (d.destroyed, ==, 1);
  g_assert_cmpuint (n_handles (coord), ==, 0);
}

static void
test_bound_idle_target_dead (void)
{
  g_autoptr(ResmgrManager) manager = resmgr_manager_new ();
  g_autoptr(TestComponent) comp = test_component_new (NULL);
  g_autoptr(ResmgrCoordinator) coord = NULL;
  guint64 handle = 0;
  g_autoptr(ResmgrCleanupReport) report = NULL;
  gboolean finalized = FALSE;
  TestObject *target = test_object_new (&finalized);
  CallData d = { 0, };

  g_test_summary ("An idle callback whose target died first is not called, and removed");

  coord = bound_coordinator (SERVICE (manager), comp, "ctl");
  handle = resmgr_coordinator_idle_add (coord, "idle", G_OBJECT (target), bound_cb, &d,
                                        call_data_destroy);
  g_assert_cmpuint (handle, !=, 0);
  g_object_unref (target);
  g_assert_true (finalized);

  iterate_pending ();
  g_assert_cmpint (d.calls, ==, 0);
  g_assert_cmpint (d.destroyed, ==, 1);
  g_assert_false (handles_contain (coord, handle));

  report = resmgr_coordinator_cleanup_all (coord, NULL);
}

/* The library logs with G_LOG_USE_STRUCTURED, which g_test_expect_message ()
 * does not intercept in GLib 2.74: the warnings are checked on the stderr of
 * a subprocess instead, where warnings are made non-fatal. */
static void
refused_after_shutdown_child (void)
{
  g_autoptr(ResmgrManager) manager = resmgr_manager_new ();
  g_autoptr(TestComponent) comp = test_component_new (NULL);
  g_autoptr(ResmgrCoordinator) coord = NULL;
  g_autoptr(ResmgrCleanupReport) report = NULL;
  g_autoptr(GError) error = NULL;
  guint64 handle;
  CallData d = { 0, };

  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);

  coord = bound_coordinator (SERVICE (manager), comp, "ctl");
  report = resmgr_service_shutdown (SERVICE (manager), 1000, &error);
  g_assert_no_error (error);
  g_assert_nonnull (report);

  handle = resmgr_coordinator_idle_add (coord, "late-idle", NULL, bound_cb, &d, call_data_destroy);
  g_assert_cmpuint (handle, ==, 0);
  handle = resmgr_coordinator_timeout_add (coord, "late-timeout", 1, NULL, bound_cb, &d,
                                           call_data_destroy);
  g_assert_cmpuint (handle, ==, 0);
  handle = resmgr_coordinator_invoke (coord, "late-invoke", NULL, bound_cb, &d, call_data_destroy);
  g_assert_cmpuint (handle, ==, 0);

  iterate_pending ();
  g_assert_cmpint (d.calls, ==, 0);
  g_assert_cmpuint (n_handles (coord), ==, 0);
}

static void
test_bound_refused_after_shutdown (void)
{
  g_test_summary ("After resmgr_service_shutdown an owner-bound callback (idle, timeout, "
                  "invoke) is refused with a warning that names it, and 0 is returned");

  if (g_test_subprocess ())
    {
      refused_after_shutdown_child ();
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stderr ("*WARNING*Refusing idle callback*late-idle*shutting down*"
                             "*WARNING*Refusing timeout callback*late-timeout*shutting down*"
                             "*WARNING*Refusing invoke callback*late-invoke*shutting down*");
}

static void
test_bound_timeout (void)
{
  g_autoptr(ResmgrManager) manager = resmgr_manager_new ();
  g_autoptr(TestComponent) comp = test_component_new (NULL);
  g_autoptr(ResmgrCoordinator) coord = NULL;
  guint64 handle = 0;
  g_autoptr(ResmgrCleanupReport) report = NULL;
  CallData d = { 0, };

  g_test_summary ("timeout_add fires repeatedly until the callback returns "
                  "G_SOURCE_REMOVE; then its handle is gone from dup_handles");

  d.stop_at = 3;
  coord = bound_coordinator (SERVICE (manager), comp, "ctl");
  handle = resmgr_coordinator_timeout_add (coord, "tick", 1, NULL, bound_cb, &d, call_data_destroy);
  g_assert_cmpuint (handle, !=, 0);

  while (d.calls < 3)
    {
      g_main_context_iteration (NULL, TRUE);
      if (d.calls < 3)
        g_assert_true (handles_contain (coord, handle));
    }
  iterate_pending ();
  g_assert_cmpint (d.calls, ==, 3);
  g_assert_cmpint (d.destroyed, ==, 1);
  g_assert_false (handles_contain (coord, handle));

  report = resmgr_coordinator_cleanup_all (coord, NULL);
  g_assert_cmpint (d.calls, ==, 3);
}

static void
test_bound_invoke_owner (void)
{
  g_autoptr(ResmgrManager) manager = resmgr_manager_new ();
  g_autoptr(TestComponent) comp = test_component_new (NULL);
  g_autoptr(ResmgrCoordinator) coord = NULL;
  g_autoptr(ResmgrCleanupReport) report = NULL;
  guint64 handle;
  CallData d = { 0, };

  g_test_summary ("invoke from the owner thread runs the callback right away, then frees "
                  "its data, and returns no handle");

  coord = bound_coordinator (SERVICE (manager), comp, "ctl");
  handle = resmgr_coordinator_invoke (coord, "now", NULL, bound_cb, &d, call_data_destroy);
  g_assert_cmpuint (handle, ==, 0);
  g_assert_cmpint (d.calls, ==, 1);
  g_assert_true (d.last_target == G_OBJECT (comp));
  g_assert_true (d.thread == g_thread_self ());
  g_assert_cmpint (d.destroyed, ==, 1);
  g_assert_cmpuint (n_handles (coord), ==, 1); /* the own cleanup */

  report = resmgr_coordinator_cleanup_all (coord, NULL);
}

typedef struct
{
  ResmgrCoordinator *coord;
  CallData          *d;
  guint64            handle;
} InvokeThread;

static gpointer
invoke_thread (gpointer data)
{
  InvokeThread *it = data;

  it->handle = resmgr_coordinator_invoke (it->coord, "later", NULL, bound_cb, it->d,
                                          call_data_destroy);

  return NULL;
}

static void
test_bound_invoke_thread (void)
{
  g_autoptr(ResmgrManager) manager = resmgr_manager_new ();
  g_autoptr(TestComponent) comp = test_component_new (NULL);
  g_autoptr(ResmgrCoordinator) coord = NULL;
  g_autoptr(ResmgrCleanupReport) report = NULL;
  CallData d = { 0, };
  InvokeThread it = { 0, };
  GThread *thread;

  g_test_summary ("invoke from another thread, while the owner thread owns the context, "
                  "runs the callback on the owner thread");

  coord = bound_coordinator (SERVICE (manager), comp, "ctl");
  it.coord = coord;
  it.d = &d;

  /* The owner thread owns its context: the other thread cannot run it inline. */
  g_assert_true (g_main_context_acquire (NULL));
  thread = g_thread_new ("invoker", invoke_thread, &it);
  g_thread_join (thread);
  g_assert_cmpint (d.calls, ==, 0);
  g_assert_cmpuint (it.handle, !=, 0);

  iterate_until (NULL, &d.done);
  iterate_pending ();
  g_main_context_release (NULL);

  g_assert_cmpint (d.calls, ==, 1);
  g_assert_true (d.thread == g_thread_self ());
  g_assert_true (d.last_target == G_OBJECT (comp));
  g_assert_cmpint (d.destroyed, ==, 1);
  g_assert_false (handles_contain (coord, it.handle));

  report = resmgr_coordinator_cleanup_all (coord, NULL);
}

static gpointer
invoke_continue_thread (gpointer data)
{
  InvokeThread *it = data;

  /* bound_cb returns G_SOURCE_CONTINUE until its 1000th call. */
  it->handle = resmgr_coordinator_invoke (it->coord, "continue", NULL, bound_cb, it->d,
                                          call_data_destroy);

  return NULL;
}

static void
test_bound_invoke_continue_once (void)
{
  g_autoptr(ResmgrManager) manager = resmgr_manager_new ();
  g_autoptr(TestComponent) comp = test_component_new (NULL);
  g_autoptr(ResmgrCoordinator) coord = NULL;
  g_autoptr(ResmgrCleanupReport) report = NULL;
  CallData d = { 0, };
  InvokeThread it = { 0, };
  GThread *thread;

  g_test_summary ("invoke from another thread whose function returns G_SOURCE_CONTINUE: the "
                  "function runs exactly once, on the owner thread when it iterates (never on "
                  "the invoking thread, though nobody held the owner context), then its data "
                  "is freed once and its handle forgotten");

  coord = bound_coordinator (SERVICE (manager), comp, "ctl");
  d.stop_at = 1000;
  it.coord = coord;
  it.d = &d;

  /* Blocked in join, not holding its context: the invoker must not take it. */
  thread = g_thread_new ("invoker", invoke_continue_thread, &it);
  g_thread_join (thread);
  g_assert_cmpint (d.calls, ==, 0);
  g_assert_cmpuint (it.handle, !=, 0);
  g_assert_true (handles_contain (coord, it.handle));

  iterate_until (NULL, &d.done);
  iterate_pending ();
  g_assert_cmpint (d.calls, ==, 1);
  g_assert_true (d.thread == g_thread_self ());
  g_assert_true (d.last_target == G_OBJECT (comp));
  g_assert_cmpint (d.destroyed, ==, 1);
  g_assert_false (handles_contain (coord, it.handle));

  /* From the owner thread: inline, once, whatever it returns. */
  memset (&d, 0, sizeof d);
  d.stop_at = 1000;
  g_assert_cmpuint (resmgr_coordinator_invoke (coord, "inline", NULL, bound_cb, &d, call_data_destroy), ==, 0);
  iterate_pending ();
  g_assert_cmpint (d.calls, ==, 1);
  g_assert_cmpint (d.destroyed, ==, 1);

  report = resmgr_coordinator_cleanup_all (coord, NULL);
}

typedef struct
{
  ResmgrCoordinator *coord;
  CallData          *invoked;
  CallData          *idled;
  guint64            invoke_handle;
  guint64            idle_handle;
} PendingThread;

static gpointer
pending_thread (gpointer data)
{
  PendingThread *pt = data;

  pt->invoke_handle = resmgr_coordinator_invoke (pt->coord, "pending-invoke", NULL, bound_cb,
                                                 pt->invoked, call_data_destroy);
  pt->idle_handle = resmgr_coordinator_idle_add (pt->coord, "pending-idle", NULL, bound_cb,
                                                 pt->idled, call_data_destroy);

  return NULL;
}

static void
test_bound_pending_after_cleanup (void)
{
  g_autoptr(ResmgrManager) manager = resmgr_manager_new ();
  g_autoptr(TestComponent) comp = test_component_new (NULL);
  g_autoptr(ResmgrCoordinator) coord = NULL;
  g_autoptr(ResmgrCleanupReport) report = NULL;
  g_autoptr(GError) error = NULL;
  CallData invoked = { 0, }, idled = { 0, };
  PendingThread pt = { 0, };
  GThread *thread;

  g_test_summary ("An invoke and an idle callback added from another thread, still pending "
                  "when the owner cleans the component: neither function is ever called, and "
                  "each one's data is freed exactly once");

  coord = bound_coordinator (SERVICE (manager), comp, "ctl");
  pt.coord = coord;
  pt.invoked = &invoked;
  pt.idled = &idled;

  thread = g_thread_new ("pending", pending_thread, &pt);
  g_thread_join (thread);
  g_assert_cmpuint (pt.invoke_handle, !=, 0);
  g_assert_cmpuint (pt.idle_handle, !=, 0);
  g_assert_cmpuint (n_handles (coord), ==, 2 + 1); /* and the own cleanup */

  /* On the owner thread, before it iterated. */
  report = resmgr_coordinator_cleanup_all (coord, &error);
  g_assert_no_error (error);
  g_assert_true (resmgr_cleanup_report_is_clean (report));
  g_assert_cmpint (invoked.destroyed, ==, 1);
  g_assert_cmpint (idled.destroyed, ==, 1);

  iterate_pending ();
  g_assert_cmpint (invoked.calls, ==, 0);
  g_assert_cmpint (idled.calls, ==, 0);
  g_assert_cmpint (invoked.destroyed, ==, 1);
  g_assert_cmpint (idled.destroyed, ==, 1);
  g_assert_cmpuint (n_handles (coord), ==, 0);

}

/* }}} */

/* Checkpoints {{{ */

static void
test_checkpoint_diff (void)
{
  g_autoptr(ResmgrManager) manager = resmgr_manager_new ();
  g_autoptr(TestComponent) comp = test_component_new (NULL);
  g_autoptr(ResmgrCoordinator) coord = NULL;
  guint64 old = 0;
  guint64 kept = 0;
  guint64 n1 = 0;
  guint64 n2 = 0;
  g_autoptr(ResmgrCheckpoint) cp = NULL;
  g_autoptr(GPtrArray) gained = NULL;
  g_autoptr(GArray) lost = NULL;
  g_autoptr(ResmgrCleanupReport) report = NULL;
  gint destroyed = 0;
  ResmgrHandle *h;

  g_test_summary ("diff since a checkpoint: gained are the resources tracked since (with "
                  "names, types, sizes), lost the ids of the ones released since");

  coord = bound_coordinator (SERVICE (manager), comp, "ctl");
  old = resmgr_coordinator_track_data (coord, RESMGR_RESOURCE_TYPE_MEMORY, "old", 5,
                                       RESMGR_PRIORITY_DEFAULT, &destroyed, count_destroy, NULL);
  kept = resmgr_coordinator_track_data (coord, RESMGR_RESOURCE_TYPE_MEMORY, "kept", 6,
                                        RESMGR_PRIORITY_DEFAULT, &destroyed, count_destroy, NULL);
  cp = resmgr_coordinator_checkpoint (coord);

  n1 = resmgr_coordinator_track_data (coord, RESMGR_RESOURCE_TYPE_FILE, "new-file", 100,
                                      RESMGR_PRIORITY_DEFAULT, &destroyed, count_destroy, NULL);
  n2 = resmgr_coordinator_track_data (coord, RESMGR_RESOURCE_TYPE_CUSTOM, "new-custom", 200,
                                      RESMGR_PRIORITY_DEFAULT, &destroyed, count_destroy, NULL);
  g_assert_cmpuint (kept, !=, 0);
  g_assert_true (resmgr_coordinator_release (coord, old, NULL));

  resmgr_coordinator_diff (coord, cp, &gained, &lost);
  g_assert_cmpuint (gained->len, ==, 2);
  h = g_ptr_array_index (gained, 0);
  g_assert_cmpuint (resmgr_handle_get_id (h), ==, n1);
  g_assert_cmpstr (resmgr_handle_get_name (h), ==, "new-file");
  g_assert_cmpint (resmgr_handle_get_resource_type (h), ==, RESMGR_RESOURCE_TYPE_FILE);
  g_assert_cmpuint (resmgr_handle_get_size (h), ==, 100);
  h = g_ptr_array_index (gained, 1);
  g_assert_cmpuint (resmgr_handle_get_id (h), ==, n2);
  g_assert_cmpstr (resmgr_handle_get_name (h), ==, "new-custom");
  g_assert_cmpint (resmgr_handle_get_resource_type (h), ==, RESMGR_RESOURCE_TYPE_CUSTOM);
  g_assert_cmpuint (resmgr_handle_get_size (h), ==, 200);

  g_assert_cmpuint (lost->len, ==, 1);
  g_assert_cmpuint (g_array_index (lost, guint64, 0), ==, old);

  /* A checkpoint is shared by reference (a binding copies the boxed
   * value): the second holder diffs against the same snapshot. */
  {
    ResmgrCheckpoint *shared = resmgr_checkpoint_ref (cp);
    g_autoptr(GPtrArray) gained2 = NULL;
    g_autoptr(GArray) lost2 = NULL;

    g_clear_pointer (&cp, resmgr_checkpoint_unref);
    resmgr_coordinator_diff (coord, shared, &gained2, &lost2);
    g_assert_cmpuint (gained2->len, ==, 2);
    g_assert_cmpuint (lost2->len, ==, 1);
    resmgr_checkpoint_unref (shared);
  }

  report = resmgr_coordinator_cleanup_all (coord, NULL);
  g_assert_cmpint (destroyed, ==, 4);
}

static void
test_checkpoint_process_lifetime (void)
{
  g_autoptr(ResmgrManager) manager = resmgr_manager_new ();
  g_autoptr(TestComponent) comp = test_component_new (NULL);
  g_autoptr(ResmgrCoordinator) coord = NULL;
  guint64 cache = 0;
  guint64 leak = 0;
  g_autoptr(ResmgrHandle) looked = NULL;
  g_autoptr(ResmgrCheckpoint) cp = NULL;
  g_autoptr(GPtrArray) gained = NULL;
  g_autoptr(ResmgrCleanupReport) report = NULL;
  g_autoptr(GError) error = NULL;
  gboolean flag = FALSE;
  GVariant *metadata;
  gint destroyed = 0;

  g_test_summary ("A process-lifetime resource is left out of the gained resources, and "
                  "its metadata says \"process-lifetime\": true");

  coord = bound_coordinator (SERVICE (manager), comp, "ctl");
  cp = resmgr_coordinator_checkpoint (coord);
  cache = resmgr_coordinator_track_data (coord, RESMGR_RESOURCE_TYPE_MEMORY, "cache", 1,
                                         RESMGR_PRIORITY_DEFAULT, &destroyed, count_destroy, NULL);
  leak = resmgr_coordinator_track_data (coord, RESMGR_RESOURCE_TYPE_MEMORY, "leak", 1,
                                        RESMGR_PRIORITY_DEFAULT, &destroyed, count_destroy, NULL);
  g_assert_false (resmgr_coordinator_is_process_lifetime (coord, cache));
  g_assert_true (resmgr_coordinator_mark_process_lifetime (coord, cache, &error));
  g_assert_no_error (error);
  g_assert_true (resmgr_coordinator_is_process_lifetime (coord, cache));
  g_assert_false (resmgr_coordinator_is_process_lifetime (coord, leak));

  resmgr_coordinator_diff (coord, cp, &gained, NULL);
  g_assert_cmpuint (gained->len, ==, 1);
  g_assert_cmpstr (resmgr_handle_get_name (g_ptr_array_index (gained, 0)), ==, "leak");

  looked = resmgr_service_lookup (SERVICE (manager), cache, &error);
  g_assert_no_error (error);
  g_assert_nonnull (looked);
  metadata = resmgr_handle_get_metadata (looked);
  g_assert_nonnull (metadata);
  g_assert_true (g_variant_lookup (metadata, "process-lifetime", "b", &flag));
  g_assert_true (flag);

  report = resmgr_coordinator_cleanup_all (coord, NULL);
  g_assert_cmpint (destroyed, ==, 2);

  /* No longer held: marking fails */
  g_assert_false (resmgr_coordinator_mark_process_lifetime (coord, leak, &error));
  g_assert_error (error, RESMGR_ERROR, RESMGR_ERROR_NOT_FOUND);
}

/* }}} */

/* Subclasses {{{ */

#define TEST_TYPE_COORDINATOR (test_coordinator_get_type ())
G_DECLARE_FINAL_TYPE (TestCoordinator, test_coordinator, TEST, COORDINATOR, ResmgrCoordinator)

struct _TestCoordinator
{
  ResmgrCoordinator  parent_instance;
  GPtrArray         *cleaned;  /* the resources given to cleanup_resource */
  GArray            *types;
  guint              n_cleanups;
};

G_DEFINE_FINAL_TYPE (TestCoordinator, test_coordinator, RESMGR_TYPE_COORDINATOR)

#define TEST_CLEANUP_PRIORITY 77

static gboolean
test_coordinator_cleanup_resource (ResmgrCoordinator   *coord,
                                   ResmgrResourceType   type,
                                   gpointer             resource,
                                   GError             **error)
{
  TestCoordinator *self = TEST_COORDINATOR (coord);

  g_ptr_array_add (self->cleaned, resource);
  g_array_append_val (self->types, type);

  return TRUE;
}

static gboolean
test_coordinator_cleanup (ResmgrCoordinator  *coord,
                          GError            **error)
{
  TEST_COORDINATOR (coord)->n_cleanups++;

  return TRUE;
}

static void
test_coordinator_finalize (GObject *object)
{
  TestCoordinator *self = TEST_COORDINATOR (object);

  g_ptr_array_unref (self->cleaned);
  g_array_unref (self->types);

  G_OBJECT_CLASS (test_coordinator_parent_class)->finalize (object);
}

static void
test_coordinator_class_init (TestCoordinatorClass *klass)
{
  ResmgrCoordinatorClass *coord_class = RESMGR_COORDINATOR_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = test_coordinator_finalize;
  coord_class->cleanup_resource = test_coordinator_cleanup_resource;
  coord_class->cleanup = test_coordinator_cleanup;
  coord_class->cleanup_priority = TEST_CLEANUP_PRIORITY;
}

static void
test_coordinator_init (TestCoordinator *self)
{
  self->cleaned = g_ptr_array_new ();
  self->types = g_array_new (FALSE, FALSE, sizeof (ResmgrResourceType));
}

static TestCoordinator *
test_coordinator_new_bound (ResmgrService *service,
                            gpointer       component)
{
  TestCoordinator *self = g_object_new (TEST_TYPE_COORDINATOR, "service", service, NULL);
  g_autoptr(GError) error = NULL;

  g_assert_true (resmgr_coordinator_bind (RESMGR_COORDINATOR (self), component, "sub", &error));
  g_assert_no_error (error);

  return self;
}

static void
test_subclass_mock_bind (void)
{
  g_autoptr(ResmgrTestService) mock = resmgr_test_service_new ();
  g_autoptr(TestComponent) comp = test_component_new (NULL);
  g_autoptr(TestCoordinator) coord = NULL;
  g_autoptr(ResmgrCleanupReport) report = NULL;

  g_test_summary ("A subclass's own cleanup is added at bind at its cleanup_priority");

  coord = test_coordinator_new_bound (SERVICE (mock), comp);
  assert_call (mock, 1, "add_cleanup", "sub", RESMGR_RESOURCE_TYPE_CUSTOM,
               TEST_CLEANUP_PRIORITY, "TestCoordinator cleanup");
  report = resmgr_coordinator_cleanup_all (RESMGR_COORDINATOR (coord), NULL);
  g_assert_cmpuint (coord->n_cleanups, ==, 1);
}

static void
test_subclass_cleanup_resource (void)
{
  g_autoptr(ResmgrManager) manager = resmgr_manager_new ();
  g_autoptr(TestComponent) comp = test_component_new (NULL);
  g_autoptr(TestCoordinator) coord = NULL;
  guint64 h1 = 0;
  guint64 h2 = 0;
  g_autoptr(ResmgrCleanupReport) report = NULL;
  g_autoptr(GError) error = NULL;
  static int res1, res2;

  g_test_summary ("A subclass overriding cleanup_resource frees the resources of "
                  "resmgr_coordinator_track, by type, on release and at cleanup");

  coord = test_coordinator_new_bound (SERVICE (manager), comp);
  h1 = resmgr_coordinator_track (RESMGR_COORDINATOR (coord), RESMGR_RESOURCE_TYPE_GL_OBJECT,
                                 "tex", 64, &res1, &error);
  g_assert_no_error (error);
  h2 = resmgr_coordinator_track (RESMGR_COORDINATOR (coord), RESMGR_RESOURCE_TYPE_FILE,
                                 "fd", 0, &res2, &error);
  g_assert_no_error (error);
  {
    g_autoptr(ResmgrHandle) handle = lookup (RESMGR_COORDINATOR (coord), h1);

    g_assert_cmpint (resmgr_handle_get_priority (handle), ==, 80);
  }

  g_assert_true (resmgr_coordinator_release (RESMGR_COORDINATOR (coord), h2, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (coord->cleaned->len, ==, 1);
  g_assert_true (g_ptr_array_index (coord->cleaned, 0) == &res2);
  g_assert_cmpint (g_array_index (coord->types, ResmgrResourceType, 0), ==, RESMGR_RESOURCE_TYPE_FILE);

  report = resmgr_coordinator_cleanup_all (RESMGR_COORDINATOR (coord), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (coord->cleaned->len, ==, 2);
  g_assert_true (g_ptr_array_index (coord->cleaned, 1) == &res1);
  g_assert_cmpint (g_array_index (coord->types, ResmgrResourceType, 1), ==, RESMGR_RESOURCE_TYPE_GL_OBJECT);
  g_assert_true (resmgr_cleanup_report_is_clean (report));
}

static void
test_subclass_cleanup_phase (void)
{
  g_autoptr(ResmgrManager) manager = resmgr_manager_new ();
  g_autoptr(TestComponent) comp = test_component_new (NULL);
  g_autoptr(TestCoordinator) coord = NULL;
  g_autoptr(ResmgrCleanupReport) report = NULL;
  g_autoptr(ResmgrCleanupReport) report2 = NULL;
  g_autoptr(ResmgrCleanupReport) report3 = NULL;
  guint64 h = 0;
  g_autoptr(GError) error = NULL;
  guint released = 0;
  gint destroyed = 0;

  g_test_summary ("The subclass's cleanup runs at cleanup_all at its cleanup_priority "
                  "(its own report phase), and again at a later cleanup_all after "
                  "tracking more");

  coord = test_coordinator_new_bound (SERVICE (manager), comp);
  g_assert_cmpuint (coord->n_cleanups, ==, 0);

  report = resmgr_coordinator_cleanup_all (RESMGR_COORDINATOR (coord), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (coord->n_cleanups, ==, 1);
  g_assert_cmpint (find_phase (report, TEST_CLEANUP_PRIORITY, &released), >=, 0);
  g_assert_cmpuint (released, ==, 1);
  g_assert_cmpuint (resmgr_cleanup_report_get_released (report), ==, 1);

  h = resmgr_coordinator_track_data (RESMGR_COORDINATOR (coord), RESMGR_RESOURCE_TYPE_MEMORY,
                                     "m", 1, RESMGR_PRIORITY_DEFAULT, &destroyed, count_destroy, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (h, !=, 0);
  report2 = resmgr_coordinator_cleanup_all (RESMGR_COORDINATOR (coord), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (coord->n_cleanups, ==, 2);
  g_assert_cmpint (destroyed, ==, 1);
  g_assert_cmpint (find_phase (report2, TEST_CLEANUP_PRIORITY, &released), >=, 0);
  g_assert_cmpuint (released, ==, 1);
  g_assert_cmpint (find_phase (report2, 20, &released), >=, 0);
  g_assert_cmpuint (released, ==, 1);
  /* Phases are in descending priority: 77 before 20 */
  g_assert_cmpint (find_phase (report2, TEST_CLEANUP_PRIORITY, NULL), <, find_phase (report2, 20, NULL));

  /* Nothing tracked since: a third cleanup has nothing to run */
  report3 = resmgr_coordinator_cleanup_all (RESMGR_COORDINATOR (coord), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (resmgr_cleanup_report_get_released (report3), ==, 0);
}

/* }}} */

/* Allocations per track {{{ */

#if defined(HAVE_MALLINFO2) && !defined(__SANITIZE_ADDRESS__)
#include <malloc.h>

#define N_ALLOC_TRACKS 10000

static gboolean
never_fails_cleanup (gpointer   resource,
                     gpointer   user_data,
                     GError   **error)
{
  return TRUE;
}

static gsize
heap_in_use (void)
{
  return mallinfo2 ().uordblks;
}
#endif

static void
test_alloc_per_track (void)
{
#if defined(HAVE_MALLINFO2) && !defined(__SANITIZE_ADDRESS__)
  g_autoptr(ResmgrManager) manager = resmgr_manager_new ();
  g_autoptr(TestComponent) direct = test_component_new (NULL);
  g_autoptr(TestComponent) comp = test_component_new (NULL);
  g_autoptr(ResmgrCoordinator) coord = NULL;
  g_autoptr(ResmgrCleanupReport) report = NULL;
  g_autoptr(GError) error = NULL;
  guint64 *ids = g_new0 (guint64, 2 * N_ALLOC_TRACKS);
  g_autofree GObject **objects = g_new0 (GObject *, N_ALLOC_TRACKS);
  gsize before, service_bytes, coordinator_bytes;
  static int resource;

  g_test_summary ("Tracking through the coordinator allocates nothing per resource beyond "
                  "the service's own entry: N typed tracks (class cleanup) through the "
                  "coordinator grow the heap no more than N tracks of the same shape "
                  "straight through resmgr_service_track_resource() (mallinfo2 deltas)");

  g_assert_true (resmgr_service_register_component (SERVICE (manager), G_OBJECT (direct), "direct", &error));
  g_assert_no_error (error);
  coord = bound_coordinator (SERVICE (manager), comp, "facade");

  /* Both components' entry arrays grow the same way (same count, same
   * names): only what the coordinator adds differs. */
  before = heap_in_use ();
  for (guint i = 0; i < N_ALLOC_TRACKS; i++)
    {
      ids[i] = resmgr_service_track_resource (SERVICE (manager), G_OBJECT (direct),
                                              RESMGR_RESOURCE_TYPE_CUSTOM, "r", 0,
                                              RESMGR_PRIORITY_DEFAULT, &resource,
                                              never_fails_cleanup, coord, NULL, NULL);
      g_assert_cmpuint (ids[i], !=, 0);
    }
  service_bytes = heap_in_use () - before;

  /* The resources themselves are the caller's, made beforehand. */
  for (guint i = 0; i < N_ALLOC_TRACKS; i++)
    objects[i] = g_object_new (G_TYPE_OBJECT, NULL);

  before = heap_in_use ();
  for (guint i = 0; i < N_ALLOC_TRACKS; i++)
    {
      ids[N_ALLOC_TRACKS + i] = resmgr_coordinator_track (coord, RESMGR_RESOURCE_TYPE_CUSTOM, "r", 0, objects[i], NULL);
      g_assert_cmpuint (ids[N_ALLOC_TRACKS + i], !=, 0);
    }
  coordinator_bytes = heap_in_use () - before;

  g_test_message ("bytes per track: service %.1f, coordinator %.1f",
                  (double) service_bytes / N_ALLOC_TRACKS, (double) coordinator_bytes / N_ALLOC_TRACKS);
  if (service_bytes < N_ALLOC_TRACKS * sizeof (guint64))
    {
      g_test_skip ("mallinfo2() does not see this process's allocations (valgrind?)");
    }
  else
    {
      /* Slack: N bytes in all (1 per track) for what is not per track:
       * the façade's component also holds its own cleanup's entry, so its
       * entry array may reach a growth step at another count. Anything
       * allocated per track would cost tens of bytes each (the old
       * coordinator's wrapper alone was 96, its handle 80 more). */
      g_assert_cmpuint (coordinator_bytes, <=, service_bytes + N_ALLOC_TRACKS);
    }

  report = resmgr_coordinator_cleanup_all (coord, NULL);
  g_clear_pointer (&report, resmgr_cleanup_report_unref);
  report = resmgr_service_cleanup_component (SERVICE (manager), G_OBJECT (direct), NULL);
  g_free (ids);
#else
  g_test_skip ("mallinfo2() is unavailable or meaningless here (AddressSanitizer)");
#endif
}

/* }}} */

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Resmgr/Coordinator/mock/bind", test_mock_bind);
  g_test_add_func ("/Resmgr/Coordinator/mock/bind-auto-id", test_mock_bind_auto_id);
  g_test_add_func ("/Resmgr/Coordinator/mock/bind-twice", test_mock_bind_twice);
  g_test_add_func ("/Resmgr/Coordinator/bind/joins-registration", test_bind_joins_registration);
  g_test_add_func ("/Resmgr/Coordinator/mock/bind-refused", test_mock_bind_refused);
  g_test_add_func ("/Resmgr/Coordinator/mock/track", test_mock_track);
  g_test_add_func ("/Resmgr/Coordinator/mock/release", test_mock_release);
  g_test_add_func ("/Resmgr/Coordinator/mock/release-fails", test_mock_release_fails);
  g_test_add_func ("/Resmgr/Coordinator/mock/track-fails", test_mock_track_fails);
  g_test_add_func ("/Resmgr/Coordinator/mock/own-cleanup-refused", test_mock_own_cleanup_refused);

  g_test_add_func ("/Resmgr/Coordinator/manager/track-release", test_manager_track_release);
  g_test_add_func ("/Resmgr/Coordinator/manager/cleanup-report", test_manager_cleanup_report);
  g_test_add_func ("/Resmgr/Coordinator/manager/not-bound", test_manager_not_bound);
  g_test_add_func ("/Resmgr/Coordinator/manager/stats", test_manager_stats);
  g_test_add_func ("/Resmgr/Coordinator/manager/track-resource-fails", test_manager_track_resource_fails);

  g_test_add_func ("/Resmgr/Coordinator/track/source", test_track_source);
  g_test_add_func ("/Resmgr/Coordinator/helper/signal-handler", test_helper_signal_handler);
  g_test_add_func ("/Resmgr/Coordinator/helper/signal-handler-instance-dies",
                   test_helper_signal_handler_instance_dies);
  g_test_add_func ("/Resmgr/Coordinator/track/cancellable", test_track_cancellable);
  g_test_add_func ("/Resmgr/Coordinator/track/gobject", test_track_gobject);

  g_test_add_func ("/Resmgr/Coordinator/bound/idle", test_bound_idle);
  g_test_add_func ("/Resmgr/Coordinator/bound/idle-cleanup", test_bound_idle_cleanup);
  g_test_add_func ("/Resmgr/Coordinator/bound/idle-target-dead", test_bound_idle_target_dead);
  g_test_add_func ("/Resmgr/Coordinator/bound/refused-after-shutdown", test_bound_refused_after_shutdown);
  g_test_add_func ("/Resmgr/Coordinator/bound/timeout", test_bound_timeout);
  g_test_add_func ("/Resmgr/Coordinator/bound/invoke-owner", test_bound_invoke_owner);
  g_test_add_func ("/Resmgr/Coordinator/bound/invoke-thread", test_bound_invoke_thread);
  g_test_add_func ("/Resmgr/Coordinator/bound/invoke-continue-once", test_bound_invoke_continue_once);
  g_test_add_func ("/Resmgr/Coordinator/bound/pending-after-cleanup", test_bound_pending_after_cleanup);

  g_test_add_func ("/Resmgr/Coordinator/checkpoint/diff", test_checkpoint_diff);
  g_test_add_func ("/Resmgr/Coordinator/checkpoint/process-lifetime", test_checkpoint_process_lifetime);

  g_test_add_func ("/Resmgr/Coordinator/subclass/mock-bind", test_subclass_mock_bind);
  g_test_add_func ("/Resmgr/Coordinator/subclass/cleanup-resource", test_subclass_cleanup_resource);
  g_test_add_func ("/Resmgr/Coordinator/subclass/cleanup-phase", test_subclass_cleanup_phase);

  g_test_add_func ("/Resmgr/Coordinator/manager/bind-run-disposed", test_bind_run_disposed);
  g_test_add_func ("/Resmgr/Coordinator/manager/record-after-disposal", test_record_after_disposal);
  g_test_add_func ("/Resmgr/Coordinator/manager/record-not-reused", test_record_not_reused);
  g_test_add_func ("/Resmgr/Coordinator/manager/alloc-per-track", test_alloc_per_track);

  return g_test_run ();
}
