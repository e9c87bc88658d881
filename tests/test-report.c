/* test-report.c: ResmgrCleanupReport, its accessors and its JSON form
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <string.h>

#include <json-glib/json-glib.h>

#include "test-common.h"

#define SERVICE(m) RESMGR_SERVICE (m)

/* Parses @json and returns its root object (owned by the returned parser). */
static JsonParser *
parse_report (const char  *json,
              JsonObject **root)
{
  g_autoptr(GError) error = NULL;
  JsonParser *parser = json_parser_new ();
  JsonNode *node;

  g_assert_nonnull (json);
  json_parser_load_from_data (parser, json, -1, &error);
  g_assert_no_error (error);

  node = json_parser_get_root (parser);
  g_assert_nonnull (node);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (node));
  *root = json_node_get_object (node);

  return parser;
}

static gint64
member_int (JsonObject *object,
            const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL)
    g_error ("JSON member \"%s\" missing", name);
  g_assert_true (JSON_NODE_HOLDS_VALUE (node));
  return json_node_get_int (node);
}

static const char *
member_string (JsonObject *object,
               const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL)
    g_error ("JSON member \"%s\" missing", name);
  g_assert_true (JSON_NODE_HOLDS_VALUE (node));
  return json_node_get_string (node);
}

static JsonArray *
member_array (JsonObject *object,
              const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL)
    g_error ("JSON member \"%s\" missing", name);
  g_assert_true (JSON_NODE_HOLDS_ARRAY (node));
  return json_node_get_array (node);
}

/* A report with two phases and one failure */
static ResmgrCleanupReport *
make_report (ResmgrManager  *manager,
             const char     *component_id,
             const char     *failing_name,
             Recorder       *rec,
             guint64        *failing_id)
{
  g_autoptr(TestComponent) comp = test_component_new (NULL);
  g_autoptr(GError) error = NULL;
  ResmgrCleanupReport *report;

  register_component (SERVICE (manager), comp, component_id);
  track_item (SERVICE (manager), comp, RESMGR_RESOURCE_TYPE_WORKER, RESMGR_PRIORITY_DEFAULT, rec, "w1");
  track_item (SERVICE (manager), comp, RESMGR_RESOURCE_TYPE_WORKER, RESMGR_PRIORITY_DEFAULT, rec, "w2");
  track_item (SERVICE (manager), comp, RESMGR_RESOURCE_TYPE_MEMORY, RESMGR_PRIORITY_DEFAULT, rec, "m1");
  *failing_id = add_item_cleanup (SERVICE (manager), comp, 20, rec, failing_name, TRUE);

  report = resmgr_service_cleanup_component (SERVICE (manager), G_OBJECT (comp), &error);
  g_assert_no_error (error);
  g_assert_nonnull (report);

  return report;
}

static void
test_report_boxed (void)
{
  g_autoptr(ResmgrManager) manager = resmgr_manager_new ();
  ResmgrCleanupReport *report, *copy;
  Recorder *rec = recorder_new ();
  GValue value = G_VALUE_INIT;
  guint64 failing_id;

  g_test_summary ("ResmgrCleanupReport is a reference-counted boxed type whose "
                  "accessors agree with each other");

  g_assert_true (G_TYPE_IS_BOXED (RESMGR_TYPE_CLEANUP_REPORT));

  report = make_report (manager, "Boxed-1", "bad", rec, &failing_id);

  g_assert_true (resmgr_cleanup_report_ref (report) == report);
  resmgr_cleanup_report_unref (report);

  copy = g_boxed_copy (RESMGR_TYPE_CLEANUP_REPORT, report);
  g_assert_cmpstr (resmgr_cleanup_report_get_scope (copy), ==, "Boxed-1");
  g_boxed_free (RESMGR_TYPE_CLEANUP_REPORT, copy);

  g_value_init (&value, RESMGR_TYPE_CLEANUP_REPORT);
  g_value_set_boxed (&value, report);
  g_assert_cmpstr (resmgr_cleanup_report_get_scope (g_value_get_boxed (&value)), ==, "Boxed-1");
  g_value_unset (&value);

  /* totals are the sums of the phases */
  {
    guint sum_r = 0, sum_f = 0, sum_l = 0;
    int last_priority = G_MAXINT;

    for (guint i = 0; i < resmgr_cleanup_report_get_n_phases (report); i++)
      {
        guint r, f, l;
        int p = resmgr_cleanup_report_get_phase (report, i, &r, &f, &l, NULL);

        g_assert_cmpint (p, <, last_priority);
        last_priority = p;
        sum_r += r;
        sum_f += f;
        sum_l += l;
      }
    g_assert_cmpuint (sum_r, ==, resmgr_cleanup_report_get_released (report));
    g_assert_cmpuint (sum_f, ==, resmgr_cleanup_report_get_failed (report));
    g_assert_cmpuint (sum_l, ==, resmgr_cleanup_report_get_lost (report));
  }
  g_assert_cmpuint (resmgr_cleanup_report_get_released (report), ==, 3);
  g_assert_cmpuint (resmgr_cleanup_report_get_failed (report), ==, 1);
  g_assert_cmpuint (resmgr_cleanup_report_get_n_phases (report), ==, 2);
  g_assert_cmpint (resmgr_cleanup_report_get_duration (report), >=, 0);
  g_assert_false (resmgr_cleanup_report_get_timed_out (report));
  g_assert_false (resmgr_cleanup_report_is_clean (report));

  resmgr_cleanup_report_unref (report);
  recorder_free (rec);
}

static void
check_report_json (ResmgrCleanupReport *report,
                   const char          *json,
                   const char          *scope,
                   const char          *failing_name,
                   guint64              failing_id)
{
  g_autoptr(JsonParser) parser = NULL;
  JsonObject *root;
  JsonArray *phases, *failures, *leftovers;
  JsonObject *phase, *failure;
  const char *message;
  const GError *error = NULL;

  parser = parse_report (json, &root);

  g_assert_cmpstr (member_string (root, "scope"), ==, scope);
  g_assert_true (json_object_has_member (root, "timed_out"));
  g_assert_false (json_object_get_boolean_member (root, "timed_out"));

  phases = member_array (root, "phases");
  g_assert_cmpuint (json_array_get_length (phases), ==, 2);

  phase = json_array_get_object_element (phases, 0);
  g_assert_cmpint (member_int (phase, "priority"), ==, 100);
  g_assert_cmpint (member_int (phase, "released"), ==, 2);
  g_assert_cmpint (member_int (phase, "failed"), ==, 0);
  g_assert_cmpint (member_int (phase, "lost"), ==, 0);

  phase = json_array_get_object_element (phases, 1);
  g_assert_cmpint (member_int (phase, "priority"), ==, 20);
  g_assert_cmpint (member_int (phase, "released"), ==, 1);
  g_assert_cmpint (member_int (phase, "failed"), ==, 1);
  g_assert_cmpint (member_int (phase, "lost"), ==, 0);

  failures = member_array (root, "failures");
  g_assert_cmpuint (json_array_get_length (failures), ==, 1);
  failure = json_array_get_object_element (failures, 0);
  error = resmgr_cleanup_report_get_failure_error (report, 0);
  message = member_string (failure, "message");
  g_assert_cmpstr (message, ==, error->message);
  g_assert_nonnull (strstr (message, failing_name));
  g_assert_cmpstr (member_string (failure, "name"), ==, failing_name);
  g_assert_cmpint (member_int (failure, "id"), ==, (gint64) failing_id);

  leftovers = member_array (root, "leftovers");
  g_assert_cmpuint (json_array_get_length (leftovers), ==, 0);
}

static void
test_report_json (void)
{
  g_autoptr(ResmgrManager) manager = resmgr_manager_new ();
  g_autofree char *compact = NULL;
  g_autofree char *pretty = NULL;
  ResmgrCleanupReport *report;
  Recorder *rec = recorder_new ();
  guint64 failing_id;

  g_test_summary ("to_json (compact and pretty) parses back with json-glib and has "
                  "scope, phases (priority, counts), failures (id, name, message), "
                  "leftovers and timed_out");

  report = make_report (manager, "Json-1", "bad", rec, &failing_id);

  compact = resmgr_cleanup_report_to_json (report, FALSE);
  pretty = resmgr_cleanup_report_to_json (report, TRUE);
  g_test_message ("%s", pretty);
  g_assert_null (strchr (compact, '\n'));
  g_assert_nonnull (strchr (pretty, '\n'));

  check_report_json (report, compact, "Json-1", "bad", failing_id);
  check_report_json (report, pretty, "Json-1", "bad", failing_id);

  resmgr_cleanup_report_unref (report);
  recorder_free (rec);
}

static void
test_report_json_escaping (void)
{
  g_autoptr(ResmgrManager) manager = resmgr_manager_new ();
  g_autofree char *json = NULL;
  ResmgrCleanupReport *report;
  Recorder *rec = recorder_new ();
  const char *scope = "Tab \"quoted\" \\ back\tslash — ünïcode";
  const char *name = "bad\n\"name\"";
  guint64 failing_id;

  g_test_summary ("Strings with quotes, backslashes, control characters and UTF-8 "
                  "survive the JSON round trip");

  report = make_report (manager, scope, name, rec, &failing_id);
  json = resmgr_cleanup_report_to_json (report, FALSE);
  check_report_json (report, json, scope, name, failing_id);

  resmgr_cleanup_report_unref (report);
  recorder_free (rec);
}

static void
test_report_json_shutdown (void)
{
  g_autoptr(ResmgrManager) manager = resmgr_manager_new ();
  g_autoptr(TestComponent) comp = test_component_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(ResmgrCleanupReport) report = NULL;
  g_autoptr(JsonParser) parser = NULL;
  g_autofree char *json = NULL;
  Recorder *rec = recorder_new ();
  JsonObject *root;
  JsonArray *phases;

  g_test_summary ("A clean shutdown report serialises with scope \"shutdown\", its "
                  "phases, no failures and no leftovers");

  register_component (SERVICE (manager), comp, "owner");
  track_item (SERVICE (manager), comp, RESMGR_RESOURCE_TYPE_GL_OBJECT, RESMGR_PRIORITY_DEFAULT, rec, "tex");

  report = resmgr_service_shutdown (SERVICE (manager), 1000, &error);
  g_assert_no_error (error);
  json = resmgr_cleanup_report_to_json (report, TRUE);
  parser = parse_report (json, &root);

  g_assert_cmpstr (member_string (root, "scope"), ==, "shutdown");
  phases = member_array (root, "phases");
  g_assert_cmpuint (json_array_get_length (phases), ==, 1);
  g_assert_cmpint (member_int (json_array_get_object_element (phases, 0), "priority"), ==, 80);
  g_assert_cmpint (member_int (json_array_get_object_element (phases, 0), "released"), ==, 1);
  g_assert_cmpuint (json_array_get_length (member_array (root, "failures")), ==, 0);
  g_assert_cmpuint (json_array_get_length (member_array (root, "leftovers")), ==, 0);
  g_assert_false (json_object_get_boolean_member (root, "timed_out"));

  recorder_free (rec);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Resmgr/Report/boxed", test_report_boxed);
  g_test_add_func ("/Resmgr/Report/json", test_report_json);
  g_test_add_func ("/Resmgr/Report/json-escaping", test_report_json_escaping);
  g_test_add_func ("/Resmgr/Report/json-shutdown", test_report_json_shutdown);

  return g_test_run ();
}
