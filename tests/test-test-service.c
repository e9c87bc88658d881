/* test-test-service.c: ResmgrTestService, the public test double: its
 * records, its faults, its stepped context and its assertions' messages
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "test-common.h"

#define SERVICE(s) RESMGR_SERVICE (s)

static ResmgrTestCall *
call_at (ResmgrTestService *ts,
         guint              index)
{
  ResmgrTestCall *call = resmgr_test_service_dup_call (ts, index);

  g_assert_nonnull (call);
  return call;
}

static gboolean
counting_cleanup (gpointer   resource,
                  gpointer   user_data,
                  GError   **error)
{
  g_atomic_int_inc ((gint *) user_data);
  return TRUE;
}

static guint64
add_counting_cleanup (ResmgrTestService *ts,
                      gpointer           component,
                      const char        *name,
                      int                priority,
                      gint              *count)
{
  g_autoptr(GError) error = NULL;
  guint64 id = resmgr_service_add_cleanup (SERVICE (ts), G_OBJECT (component), name, priority,
                                           counting_cleanup, count, NULL, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (id, !=, 0);
  return id;
}

/* Records {{{ */

typedef struct
{
  ResmgrTestService *ts;
  TestComponent     *comp;
  Recorder          *rec;
} TrackData;

static gpointer
track_thread (gpointer data)
{
  TrackData *td = data;

  track_item (SERVICE (td->ts), td->comp, RESMGR_RESOURCE_TYPE_FILE, RESMGR_PRIORITY_DEFAULT,
              td->rec, "from-thread");
  return NULL;
}

static void
test_records (void)
{
  g_autoptr(ResmgrTestService) ts = resmgr_test_service_new ();
  g_autoptr(TestComponent) comp = test_component_new (NULL);
  g_autoptr(ResmgrCleanupReport) report = NULL;
  g_autoptr(GPtrArray) calls = NULL;
  g_autoptr(ResmgrTestCall) call = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) order = NULL;
  g_autofree char *methods = NULL;
  Recorder *rec = recorder_new ();
  TrackData td = { ts, comp, rec };
  GThread *thread;
  guint64 id;

  g_test_summary ("Each call is recorded with its method, component, resource, outcome "
                  "and thread; each cleanup as it runs, with its priority in effect and "
                  "whether it ran on its owner; reads are not recorded");

  register_component (SERVICE (ts), comp, "rec");
  id = track_item (SERVICE (ts), comp, RESMGR_RESOURCE_TYPE_MEMORY, RESMGR_PRIORITY_DEFAULT,
                   rec, "buf");
  thread = g_thread_new ("tracker", track_thread, &td);
  g_thread_join (thread);
  g_assert_false (resmgr_service_release (SERVICE (ts), 999999, &error));
  g_assert_error (error, RESMGR_ERROR, RESMGR_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_strfreev (resmgr_service_dup_component_ids (SERVICE (ts)));
  g_ptr_array_unref (resmgr_service_dup_handles (SERVICE (ts), NULL));

  methods = resmgr_test_service_dup_methods (ts);
  g_assert_cmpstr (methods, ==, "register_component,track_data,track_data,release");
  g_assert_cmpuint (resmgr_test_service_get_n_calls (ts), ==, 4);
  g_assert_cmpuint (resmgr_test_service_count_calls (ts, "track_data"), ==, 2);
  g_assert_null (resmgr_test_service_dup_call (ts, 4));

  calls = resmgr_test_service_dup_calls (ts);
  g_assert_cmpuint (calls->len, ==, 4);
  call = g_object_ref (g_ptr_array_index (calls, 1));
  g_assert_cmpstr (resmgr_test_call_get_method (call), ==, "track_data");
  g_assert_cmpstr (resmgr_test_call_get_component_id (call), ==, "rec");
  g_assert_cmpstr (resmgr_test_call_get_name (call), ==, "buf");
  g_assert_cmpint (resmgr_test_call_get_resource_type (call), ==, RESMGR_RESOURCE_TYPE_MEMORY);
  g_assert_cmpint (resmgr_test_call_get_priority (call), ==, RESMGR_PRIORITY_DEFAULT);
  g_assert_cmpuint (resmgr_test_call_get_id (call), ==, id);
  g_assert_true (resmgr_test_call_get_on_test_thread (call));
  g_assert_true (resmgr_test_call_get_on_owner (call));
  g_assert_null (resmgr_test_call_get_error (call));
  g_clear_object (&call);

  call = call_at (ts, 2);
  g_assert_cmpstr (resmgr_test_call_get_thread_name (call), ==, "tracker");
  g_assert_false (resmgr_test_call_get_on_test_thread (call));
  g_assert_false (resmgr_test_call_get_on_owner (call));
  g_clear_object (&call);

  call = call_at (ts, 3);
  g_assert_null (resmgr_test_call_get_component_id (call));
  g_assert_cmpint (resmgr_test_call_get_resource_type (call), ==, -1);
  g_assert_error ((GError *) resmgr_test_call_get_error (call), RESMGR_ERROR, RESMGR_ERROR_NOT_FOUND);
  g_clear_object (&call);

  resmgr_test_service_clear_calls (ts);
  g_assert_cmpuint (resmgr_test_service_get_n_calls (ts), ==, 0);

  report = resmgr_service_cleanup_component (SERVICE (ts), G_OBJECT (comp), &error);
  g_assert_no_error (error);
  order = resmgr_test_service_dup_cleanup_order (ts, "rec");
  g_assert_cmpstrv (order, ((const char *[]) { "from-thread", "buf", NULL }));
  call = call_at (ts, 1);
  g_assert_cmpstr (resmgr_test_call_get_method (call), ==, "cleanup");
  g_assert_cmpint (resmgr_test_call_get_priority (call), ==, 40);
  g_assert_true (resmgr_test_call_get_on_owner (call));
  resmgr_assert_no_leaks (ts, NULL);

  recorder_free (rec);
}

/* }}} */

/* Faults {{{ */

static void
test_fail_next (void)
{
  g_autoptr(ResmgrTestService) ts = resmgr_test_service_new ();
  g_autoptr(TestComponent) comp = test_component_new (NULL);
  g_autoptr(TestComponent) other = test_component_new (NULL);
  g_autoptr(GError) refusal = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_NO_SPACE, "disk full");
  g_autoptr(GError) error = NULL;
  g_autoptr(ResmgrTestCall) call = NULL;
  gint count = 0;
  guint64 id;

  g_test_summary ("fail_next refuses the next N calls of a method (\"track\": any track) "
                  "with the error given, before the manager sees them; then calls work");

  resmgr_test_service_fail_next (ts, "register_component", 1, NULL);
  g_assert_false (resmgr_service_register_component (SERVICE (ts), G_OBJECT (other), "o", &error));
  g_assert_error (error, RESMGR_ERROR, RESMGR_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  register_component (SERVICE (ts), comp, "f");
  resmgr_test_service_fail_next (ts, "track", 2, refusal);
  id = resmgr_service_add_cleanup (SERVICE (ts), G_OBJECT (comp), "a", 50, counting_cleanup,
                                   &count, NULL, &error);
  g_assert_cmpuint (id, ==, 0);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE);
  g_clear_error (&error);
  id = resmgr_service_track_resource (SERVICE (ts), G_OBJECT (comp), RESMGR_RESOURCE_TYPE_CUSTOM,
                                      "b", 0, 50, &count, counting_cleanup, &count, NULL, &error);
  g_assert_cmpuint (id, ==, 0);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE);
  g_clear_error (&error);
  call = call_at (ts, 3);
  g_assert_cmpstr (resmgr_test_call_get_method (call), ==, "track_resource");
  g_assert_cmpstr (resmgr_test_call_get_error (call)->message, ==, "disk full");

  /* The third goes through; nothing of the refused ones is tracked. */
  id = add_counting_cleanup (ts, comp, "c", 50, &count);
  {
    g_autoptr(GPtrArray) handles = resmgr_service_dup_handles (SERVICE (ts), "f");

    resmgr_assert_handles (handles, "c", NULL);
  }

  /* clear_faults drops what is still queued */
  resmgr_test_service_fail_next (ts, "release", 1, NULL);
  resmgr_test_service_clear_faults (ts);
  g_assert_true (resmgr_service_release (SERVICE (ts), id, &error));
  g_assert_no_error (error);
  g_assert_cmpint (count, ==, 1);
  resmgr_assert_no_leaks (ts, NULL);
}

static void
test_fail_cleanup (void)
{
  g_autoptr(ResmgrTestService) ts = resmgr_test_service_new ();
  g_autoptr(TestComponent) comp = test_component_new (NULL);
  g_autoptr(GError) injected = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_BUSY, "device busy");
  g_autoptr(GError) error = NULL;
  g_autoptr(ResmgrCleanupReport) report = NULL;
  const GError *failure = NULL;
  Recorder *rec = recorder_new ();
  gint count = 0;

  g_test_summary ("fail_cleanup makes a named resource's cleanup fail with the error "
                  "given: the real cleanup still runs, the report lists the failure, the "
                  "other cleanups run; owned data's destroy notify is not affected");

  register_component (SERVICE (ts), comp, "fc");
  add_counting_cleanup (ts, comp, "flaky", 70, &count);
  add_counting_cleanup (ts, comp, "fine", 60, &count);
  track_item (SERVICE (ts), comp, RESMGR_RESOURCE_TYPE_MEMORY, RESMGR_PRIORITY_DEFAULT, rec, "data");
  resmgr_test_service_fail_cleanup (ts, "flaky", injected);
  resmgr_test_service_fail_cleanup (ts, "data", NULL);

  report = resmgr_service_cleanup_component (SERVICE (ts), G_OBJECT (comp), &error);
  g_assert_no_error (error);
  g_assert_cmpint (count, ==, 2);
  assert_recorded (rec, "data");
  g_assert_cmpuint (resmgr_cleanup_report_get_n_failures (report), ==, 1);
  g_assert_cmpstr (resmgr_handle_get_name (resmgr_cleanup_report_get_failure (report, 0)), ==, "flaky");
  failure = resmgr_cleanup_report_get_failure_error (report, 0);
  g_assert_error ((GError *) failure, G_IO_ERROR, G_IO_ERROR_BUSY);
  resmgr_assert_cleanup_order (ts, "fc", "flaky", "fine", "data", NULL);
  resmgr_assert_no_leaks (ts, "fc");
  recorder_free (rec);
}

static void
test_overrun (void)
{
  g_autoptr(ResmgrTestService) ts = resmgr_test_service_new ();
  g_autoptr(TestComponent) comp = test_component_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(ResmgrCleanupReport) report = NULL;
  gint64 running = 0;
  gint count = 0;

  g_test_summary ("overrun_cleanup makes a named cleanup outlast the deadline it runs "
                  "under: the shutdown reports it as an overrun, with its run time past "
                  "the deadline, and the cleanup itself still ran");

  register_component (SERVICE (ts), comp, "slow");
  add_counting_cleanup (ts, comp, "slowpoke", 70, &count);
  resmgr_test_service_overrun_cleanup (ts, "slowpoke");

  report = resmgr_service_shutdown (SERVICE (ts), 20, &error);
  g_assert_no_error (error);
  g_assert_cmpint (count, ==, 1);
  g_assert_cmpuint (resmgr_cleanup_report_get_n_overruns (report), ==, 1);
  g_assert_cmpstr (resmgr_handle_get_name (resmgr_cleanup_report_get_overrun (report, 0, &running)), ==, "slowpoke");
  g_assert_cmpint (running, >, 0);
  g_assert_true (resmgr_service_is_shutting_down (SERVICE (ts)));
}

static void
test_shutting_down (void)
{
  g_autoptr(ResmgrTestService) ts = resmgr_test_service_new ();
  g_autoptr(TestComponent) comp = test_component_new (NULL);
  g_autoptr(TestComponent) late = test_component_new (NULL);
  g_autoptr(GError) error = NULL;
  gint count = 0;

  g_test_summary ("set_shutting_down: the service says so and refuses registrations and "
                  "tracks with SHUTTING_DOWN, as a real shutdown does; unset, it works");

  register_component (SERVICE (ts), comp, "sd");
  resmgr_test_service_set_shutting_down (ts, TRUE);
  g_assert_true (resmgr_service_is_shutting_down (SERVICE (ts)));
  g_assert_cmpuint (resmgr_service_add_cleanup (SERVICE (ts), G_OBJECT (comp), "x", 50,
                                                counting_cleanup, &count, NULL, &error), ==, 0);
  g_assert_error (error, RESMGR_ERROR, RESMGR_ERROR_SHUTTING_DOWN);
  g_clear_error (&error);
  g_assert_false (resmgr_service_register_component (SERVICE (ts), G_OBJECT (late), NULL, &error));
  g_assert_error (error, RESMGR_ERROR, RESMGR_ERROR_SHUTTING_DOWN);
  g_clear_error (&error);

  resmgr_test_service_set_shutting_down (ts, FALSE);
  g_assert_false (resmgr_service_is_shutting_down (SERVICE (ts)));
  add_counting_cleanup (ts, comp, "x", 50, &count);
  g_clear_object (&comp);
  g_assert_cmpint (count, ==, 1);
}

/* }}} */

/* The stepped owner context {{{ */

static void
test_stepped_context (void)
{
  g_autoptr(ResmgrTestService) ts = resmgr_test_service_new ();
  TestComponent *comp = test_component_new (NULL);
  g_autoptr(TestComponent) stuck = test_component_new (NULL);
  g_autoptr(ResmgrCleanupReport) report = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(ResmgrTestCall) call = NULL;
  g_auto(GStrv) order = NULL;
  GMainContext *context = resmgr_test_service_get_context (ts);
  gint count = 0;

  g_test_summary ("Components created while the service's context is the thread-default "
                  "are owned by it: their cleanup waits until the test steps it, then runs "
                  "on the stepping thread, as their owner, in priority order; one never "
                  "stepped is reported by the shutdown with that reason");

  g_assert_true (resmgr_test_service_get_manager (ts) != NULL);
  resmgr_manager_set_wait_timeout (resmgr_test_service_get_manager (ts), 50);

  g_main_context_push_thread_default (context);
  register_component (SERVICE (ts), comp, "stepped");
  register_component (SERVICE (ts), stuck, "stuck");
  g_main_context_pop_thread_default (context);
  add_counting_cleanup (ts, comp, "low", 10, &count);
  add_counting_cleanup (ts, comp, "high", 90, &count);
  add_counting_cleanup (ts, stuck, "never", 50, &count);

  /* The last reference goes on a thread that does not own the context. */
  g_object_unref (comp);
  g_assert_cmpint (count, ==, 0);
  order = resmgr_test_service_dup_cleanup_order (ts, NULL);
  g_assert_cmpuint (g_strv_length (order), ==, 0);

  g_assert_true (resmgr_test_service_step (ts));
  g_assert_cmpint (count, ==, 2);
  resmgr_assert_cleanup_order (ts, "stepped", "high", "low", NULL);
  call = call_at (ts, resmgr_test_service_get_n_calls (ts) - 1);
  g_assert_cmpstr (resmgr_test_call_get_name (call), ==, "low");
  g_assert_true (resmgr_test_call_get_on_owner (call));
  g_assert_true (resmgr_test_call_get_on_test_thread (call));
  resmgr_test_service_run_until_idle (ts);
  g_assert_false (resmgr_test_service_step (ts));

  /* Never stepped: left over, with the reason. */
  report = resmgr_service_shutdown (SERVICE (ts), 50, &error);
  g_assert_no_error (error);
  g_assert_cmpint (count, ==, 2);
  g_assert_cmpuint (resmgr_cleanup_report_get_leftovers (report)->len, ==, 1);
  g_assert_nonnull (strstr (resmgr_cleanup_report_get_leftover_reason (report, 0), "not iterated"));

  /* Stepped at last, it cleans its component. */
  resmgr_test_service_run_until_idle (ts);
  g_clear_object (&stuck);
  resmgr_test_service_run_until_idle (ts);
  g_assert_cmpint (count, ==, 3);
}

/* }}} */

/* Asynchronous forms and the monitor {{{ */

static void
got_report (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  GError **slot = user_data;
  ResmgrCleanupReport *report = NULL;
  GError *error = NULL;

  report = resmgr_service_cleanup_component_finish (RESMGR_SERVICE (source), result, &error);
  g_clear_pointer (&report, resmgr_cleanup_report_unref);
  *slot = error != NULL ? error : g_error_new_literal (TEST_ERROR, 0, "done");
}

static void
test_async (void)
{
  g_autoptr(ResmgrTestService) ts = resmgr_test_service_new ();
  g_autoptr(TestComponent) comp = test_component_new (NULL);
  g_autoptr(ResmgrMonitor) monitor = NULL;
  GListModel *resources;
  GError *result = NULL;
  gint count = 0;

  g_test_summary ("The asynchronous cleanup is forwarded and recorded, and refused on "
                  "request; a monitor follows the test service through its observers");

  monitor = g_object_new (RESMGR_TYPE_MONITOR, "service", ts, "interval", 0, NULL);
  resources = resmgr_monitor_get_resources (monitor); /* follows from now on */
  register_component (SERVICE (ts), comp, "as");
  add_counting_cleanup (ts, comp, "a", 50, &count);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_cmpuint (g_list_model_get_n_items (resources), ==, 1);

  resmgr_test_service_fail_next (ts, "cleanup_component", 1, NULL);
  resmgr_service_cleanup_component_async (SERVICE (ts), G_OBJECT (comp), NULL, got_report, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_error (result, RESMGR_ERROR, RESMGR_ERROR_INVALID_ARGUMENT);
  g_clear_error (&result);
  g_assert_cmpint (count, ==, 0);

  resmgr_service_cleanup_component_async (SERVICE (ts), G_OBJECT (comp), NULL, got_report, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_error (result, TEST_ERROR, 0);
  g_clear_error (&result);
  g_assert_cmpint (count, ==, 1);
  g_assert_cmpuint (resmgr_test_service_count_calls (ts, "cleanup_component"), ==, 2);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_cmpuint (g_list_model_get_n_items (resources), ==, 0);
  g_assert_cmpuint (resmgr_monitor_get_n_reports (monitor), ==, 1);
}

/* }}} */

/* The checks and the assertions' messages {{{ */

static void
test_checks (void)
{
  g_autoptr(ResmgrTestService) ts = resmgr_test_service_new ();
  g_autoptr(TestComponent) comp = test_component_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) handles = NULL;
  gint count = 0;
  guint64 kept;

  g_test_summary ("The checks say TRUE when all is as expected, else fail with "
                  "RESMGR_TEST_ERROR_CHECK_FAILED saying what differs; process-lifetime "
                  "resources are no leaks");

  register_component (SERVICE (ts), comp, "chk");
  add_counting_cleanup (ts, comp, "first", 90, &count);
  kept = add_counting_cleanup (ts, comp, "cache", 50, &count);

  g_assert_false (resmgr_test_service_check_no_leaks (ts, "chk", &error));
  g_assert_error (error, RESMGR_TEST_ERROR, RESMGR_TEST_ERROR_CHECK_FAILED);
  g_assert_nonnull (strstr (error->message, "chk still holds 2 resources:"));
  g_assert_nonnull (strstr (error->message, "custom \"cache\" (id "));
  g_clear_error (&error);
  g_assert_true (resmgr_test_service_check_no_leaks (ts, "nobody", &error));
  g_assert_no_error (error);

  handles = resmgr_service_dup_handles (SERVICE (ts), "chk");
  g_assert_true (resmgr_test_check_handles (handles, (const char *[]) { "cache", "first", NULL }, &error));
  g_assert_false (resmgr_test_check_handles (handles, (const char *[]) { "first", "gone", NULL }, &error));
  g_assert_error (error, RESMGR_TEST_ERROR, RESMGR_TEST_ERROR_CHECK_FAILED);
  g_assert_nonnull (strstr (error->message, "missing:    \"gone\""));
  g_assert_nonnull (strstr (error->message, "unexpected: custom \"cache\""));
  g_clear_error (&error);
  /* What gjs 1.74 makes of a JS array of handles: NULL elements. */
  g_ptr_array_add (handles, NULL);
  g_assert_false (resmgr_test_check_handles (handles, (const char *[]) { "cache", "first", NULL }, &error));
  g_assert_error (error, RESMGR_ERROR, RESMGR_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "Handle 2 of 3 given to resmgr_test_check_handles () is NULL"));
  g_clear_error (&error);
  g_ptr_array_steal_index (handles, 2);

  g_assert_true (resmgr_service_set_metadata (SERVICE (ts), kept,
                                              g_variant_new_parsed ("{'process-lifetime': <true>}"),
                                              &error));
  g_assert_no_error (error);
  g_assert_cmpuint (resmgr_test_service_count_calls (ts, "set_metadata"), ==, 1);
  g_assert_false (resmgr_test_service_check_no_leaks (ts, NULL, &error));
  g_assert_nonnull (strstr (error->message, "the service still holds 1 resource:\n  custom \"first\""));
  g_assert_nonnull (strstr (error->message, ", of chk), tracked "));
  g_clear_error (&error);

  g_assert_false (resmgr_test_service_check_cleanup_order (ts, NULL, (const char *[]) { "first", "cache", NULL }, &error));
  g_assert_nonnull (strstr (error->message, "ran:      none of them"));
  g_assert_nonnull (strstr (error->message, "never cleaned: \"first\""));
  g_clear_error (&error);
  g_clear_object (&comp);
  g_assert_true (resmgr_test_service_check_cleanup_order (ts, NULL, (const char *[]) { "first", "cache", NULL }, &error));
  g_assert_no_error (error);
}

/* Each runs itself in a subprocess that ends in a failed assertion, and
 * checks the message a developer sees. */
static void
leaky_test (void)
{
  if (!g_test_subprocess ())
    {
      g_test_summary ("resmgr_assert_no_leaks fails like g_assert_* and names each leftover with its type, name, id, priority and age");
      g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
      g_test_trap_assert_failed ();
      g_test_trap_assert_stderr ("*ERROR:*test-test-service.c:*:leaky_test: assertion failed "
                                 "(resmgr_assert_no_leaks (ts, \"HashController-1\")): "
                                 "component HashController-1 still holds 2 resources:\n"
                                 "  worker \"hash /etc/hosts\" (id *, priority 100), tracked * ms ago\n"
                                 "  timer \"progress tick\" (id *, priority 90), tracked * ms ago*");
      return;
    }
  g_autoptr(ResmgrTestService) ts = resmgr_test_service_new ();
  g_autoptr(TestComponent) comp = test_component_new (NULL);
  Recorder *rec = recorder_new ();

  register_component (SERVICE (ts), comp, "HashController-1");
  track_item (SERVICE (ts), comp, RESMGR_RESOURCE_TYPE_WORKER, RESMGR_PRIORITY_DEFAULT, rec, "hash /etc/hosts");
  track_item (SERVICE (ts), comp, RESMGR_RESOURCE_TYPE_TIMER, RESMGR_PRIORITY_DEFAULT, rec, "progress tick");
  resmgr_assert_no_leaks (ts, "HashController-1");
}

static void
misordered_test (void)
{
  if (!g_test_subprocess ())
    {
      g_test_summary ("resmgr_assert_cleanup_order fails with the expected order and the order the cleanups ran in, with types and priorities");
      g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
      g_test_trap_assert_failed ();
      g_test_trap_assert_stderr ("*ERROR:*test-test-service.c:*:misordered_test: assertion failed "
                                 "(resmgr_assert_cleanup_order (ts, \"HashController-1\", "
                                 "\"progress tick\", \"hash /etc/hosts\", \"buffer\", NULL)): "
                                 "the cleanups did not run in the expected order (component HashController-1)\n"
                                 "  expected: \"progress tick\", \"hash /etc/hosts\", \"buffer\"\n"
                                 "  ran:      worker \"hash /etc/hosts\" (priority 100), "
                                 "timer \"progress tick\" (priority 90), memory \"buffer\" (priority 20)*");
      return;
    }
  g_autoptr(ResmgrTestService) ts = resmgr_test_service_new ();
  TestComponent *comp = test_component_new (NULL);
  Recorder *rec = recorder_new ();

  register_component (SERVICE (ts), comp, "HashController-1");
  track_item (SERVICE (ts), comp, RESMGR_RESOURCE_TYPE_MEMORY, RESMGR_PRIORITY_DEFAULT, rec, "buffer");
  track_item (SERVICE (ts), comp, RESMGR_RESOURCE_TYPE_TIMER, RESMGR_PRIORITY_DEFAULT, rec, "progress tick");
  track_item (SERVICE (ts), comp, RESMGR_RESOURCE_TYPE_WORKER, RESMGR_PRIORITY_DEFAULT, rec, "hash /etc/hosts");
  g_object_unref (comp);
  resmgr_assert_cleanup_order (ts, "HashController-1", "progress tick", "hash /etc/hosts", "buffer", NULL);
}

static void
handles_test (void)
{
  if (!g_test_subprocess ())
    {
      g_test_summary ("resmgr_assert_handles fails with what is missing and each unexpected resource");
      g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
      g_test_trap_assert_failed ();
      g_test_trap_assert_stderr ("*ERROR:*test-test-service.c:*:handles_test: assertion failed "
                                 "(resmgr_assert_handles (gained, \"digest\", NULL)): "
                                 "the resources are not the expected ones\n"
                                 "  missing:    \"digest\"\n"
                                 "  unexpected: file \"/etc/hosts\" (id *, priority 40, of HashController-1), "
                                 "tracked * ms ago*");
      return;
    }
  g_autoptr(ResmgrTestService) ts = resmgr_test_service_new ();
  g_autoptr(TestComponent) comp = test_component_new (NULL);
  g_autoptr(GPtrArray) gained = NULL;
  Recorder *rec = recorder_new ();

  register_component (SERVICE (ts), comp, "HashController-1");
  track_item (SERVICE (ts), comp, RESMGR_RESOURCE_TYPE_FILE, RESMGR_PRIORITY_DEFAULT, rec, "/etc/hosts");
  gained = resmgr_service_dup_handles (SERVICE (ts), "HashController-1");
  resmgr_assert_handles (gained, "digest", NULL);
}

/* }}} */

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Resmgr/TestService/records", test_records);
  g_test_add_func ("/Resmgr/TestService/fault/fail-next", test_fail_next);
  g_test_add_func ("/Resmgr/TestService/fault/fail-cleanup", test_fail_cleanup);
  g_test_add_func ("/Resmgr/TestService/fault/overrun", test_overrun);
  g_test_add_func ("/Resmgr/TestService/fault/shutting-down", test_shutting_down);
  g_test_add_func ("/Resmgr/TestService/stepped-context", test_stepped_context);
  g_test_add_func ("/Resmgr/TestService/async-and-monitor", test_async);
  g_test_add_func ("/Resmgr/TestService/checks", test_checks);
  g_test_add_func ("/Resmgr/TestService/assert/no-leaks", leaky_test);
  g_test_add_func ("/Resmgr/TestService/assert/cleanup-order", misordered_test);
  g_test_add_func ("/Resmgr/TestService/assert/handles", handles_test);

  return g_test_run ();
}
