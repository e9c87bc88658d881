/* test-demo-resources.c: what the demo says about itself
 *
 * The Resources tab's empty states and lists, its memory plot's axes, and
 * the description line above each tab of the window: checked through
 * widget properties (label texts, visibility), never pixels. Needs a
 * display (run under Xvfb: `xvfb-run -a`); without one it is skipped.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <string.h>

#include "test-common-gtk.h"

#include "demo-memory-plot.h"
#include "demo-resources-tab.h"
#include "demo-window.h"

static gboolean have_display;

/* Helpers {{{ */

/* The first GtkLabel under @widget whose text is @text, or NULL. */
static GtkWidget *
find_label (GtkWidget  *widget,
            const char *text)
{
  if (GTK_IS_LABEL (widget) && g_strcmp0 (gtk_label_get_text (GTK_LABEL (widget)), text) == 0)
    return widget;

  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_label (child, text);

      if (found != NULL)
        return found;
    }

  return NULL;
}

/* Every GtkLabel under @widget with the CSS class @css_class. */
static void
collect_labels (GtkWidget  *widget,
                const char *css_class,
                GPtrArray  *labels)
{
  if (GTK_IS_LABEL (widget) && gtk_widget_has_css_class (widget, css_class))
    g_ptr_array_add (labels, widget);

  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    collect_labels (child, css_class, labels);
}

static GtkWidget *
present (GtkWidget *child)
{
  GtkWidget *window = gtk_window_new ();

  gtk_window_set_default_size (GTK_WINDOW (window), 1120, 760);
  gtk_window_set_child (GTK_WINDOW (window), child);
  gtk_window_present (GTK_WINDOW (window));

  return window;
}

static gboolean
has_items (gpointer data)
{
  return g_list_model_get_n_items (data) > 0;
}

static gboolean
is_mapped (gpointer data)
{
  return gtk_widget_get_mapped (data);
}

/* }}} */

static void
test_history_empty_state (void)
{
  ResmgrService *service = resmgr_service_get_default ();
  g_autoptr(TestComponent) component = test_component_new (NULL);
  g_autoptr(ResmgrCleanupReport) report = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GObject) item = NULL;
  g_autofree char *id = NULL;
  GtkWidget *window, *tab, *empty, *title;
  GListModel *history;

  g_test_summary ("The Resources tab's cleanup history says what will appear and how "
                  "before any cleanup; after one it lists the report's line instead");

  if (!have_display)
    {
      g_test_skip ("no display");
      return;
    }

  tab = demo_resources_tab_new ();
  window = present (tab);
  wait_for (is_mapped, tab, "the tab to be mapped");
  history = demo_resources_controller_get_history (demo_resources_tab_get_controller (tab));

  title = find_label (tab, "No cleanups yet");
  g_assert_nonnull (title);
  empty = gtk_widget_get_parent (title);
  g_assert_true (gtk_widget_get_visible (empty));
  g_assert_true (gtk_widget_is_visible (title));
  /* The explanation says how to make one happen. */
  g_assert_nonnull (strstr (gtk_label_get_text (GTK_LABEL (gtk_widget_get_next_sibling (title))),
                            "New window"));
  g_assert_cmpuint (g_list_model_get_n_items (history), ==, 0);

  g_assert_true (resmgr_service_register_component (service, G_OBJECT (component), NULL, &error));
  g_assert_no_error (error);
  id = resmgr_service_dup_component_id (service, G_OBJECT (component));
  report = resmgr_service_cleanup_component (service, G_OBJECT (component), &error);
  g_assert_no_error (error);
  wait_for (has_items, history, "the cleanup in the history");

  g_assert_false (gtk_widget_get_visible (empty));
  g_assert_false (gtk_widget_is_visible (title));
  g_assert_true (gtk_widget_get_visible (gtk_widget_get_prev_sibling (empty)));
  item = g_list_model_get_item (history, 0);
  g_assert_nonnull (strstr (gtk_string_object_get_string (GTK_STRING_OBJECT (item)), id));

  gtk_window_destroy (GTK_WINDOW (window));
}

/* How many lines of @history are about @scope. */
static guint
count_entries (GListModel *history,
               const char *scope)
{
  g_autofree char *needle = g_strdup_printf ("  %s\n", scope);
  guint n = 0;

  for (guint i = 0; i < g_list_model_get_n_items (history); i++)
    {
      g_autoptr(GtkStringObject) item = g_list_model_get_item (history, i);

      g_test_message ("history %u: %s", i, gtk_string_object_get_string (item));
      if (strstr (gtk_string_object_get_string (item), needle) != NULL)
        n++;
    }

  return n;
}

static gboolean
has_entry_for (gpointer data)
{
  gpointer *args = data;

  return count_entries (args[0], args[1]) > 0;
}

static void
test_history_one_entry_per_tab (void)
{
  g_autofree char *id = NULL;
  GtkWidget *window, *tab, *other, *box;
  ResmgrController *controller;
  GListModel *history;

  g_test_summary ("Closing a window whose tab's controller owned something adds one line "
                  "to the cleanup history for that controller, with what it released, "
                  "not a second one for its component's disposal");

  if (!have_display)
    {
      g_test_skip ("no display");
      return;
    }

  tab = demo_resources_tab_new ();
  window = present (tab);
  wait_for (is_mapped, tab, "the tab to be mapped");
  history = demo_resources_controller_get_history (demo_resources_tab_get_controller (tab));

  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  controller = g_object_new (TEST_TYPE_WORKER_CONTROLLER, NULL);
  id = g_strdup (resmgr_controller_get_id (controller));
  resmgr_controller_bind_widget (controller, box);
  g_assert_cmpuint (resmgr_coordinator_track_data (resmgr_controller_get_resources (controller),
                                                   RESMGR_RESOURCE_TYPE_MEMORY, "buffer", 64,
                                                   RESMGR_PRIORITY_DEFAULT, g_malloc (64), g_free,
                                                   NULL), !=, 0);
  g_object_unref (controller);
  other = present (box);
  wait_for (is_mapped, box, "the other window's tab to be mapped");

  gtk_window_destroy (GTK_WINDOW (other));
  wait_for (has_entry_for, (gpointer[]) { history, id }, "the controller's cleanup in the history");
  while (g_main_context_iteration (NULL, FALSE))
    ;

  g_assert_cmpuint (count_entries (history, id), ==, 1);

  gtk_window_destroy (GTK_WINDOW (window));
}

static void
test_leak_alert (void)
{
  ResmgrService *service = resmgr_service_get_default ();
  g_autoptr(TestComponent) component = test_component_new (NULL);
  g_autoptr(GPtrArray) handles = g_ptr_array_new_with_free_func ((GDestroyNotify) resmgr_handle_unref);
  g_autoptr(GError) error = NULL;
  g_autoptr(GObject) item = NULL;
  g_autofree char *expected = NULL;
  g_autofree char *id = NULL;
  GtkWidget *window, *tab, *title;
  GListModel *leaks;
  ResmgrMonitor *monitor;
  guint64 resource;

  g_test_summary ("A leak the monitor reports (its leak-detected signal: kind, then "
                  "handles) becomes a line naming the resource by its number within its "
                  "component, and the reason; the empty state goes");

  if (!have_display)
    {
      g_test_skip ("no display");
      return;
    }

  tab = demo_resources_tab_new ();
  window = present (tab);
  wait_for (is_mapped, tab, "the tab to be mapped");
  monitor = demo_resources_controller_get_monitor (demo_resources_tab_get_controller (tab));
  leaks = demo_resources_controller_get_leaks (demo_resources_tab_get_controller (tab));
  title = find_label (tab, "No leaks found");
  g_assert_nonnull (title);
  g_assert_true (gtk_widget_is_visible (title));

  g_assert_true (resmgr_service_register_component (service, G_OBJECT (component), NULL, &error));
  id = resmgr_service_dup_component_id (service, G_OBJECT (component));
  resource = resmgr_service_track_data (service, G_OBJECT (component), RESMGR_RESOURCE_TYPE_MEMORY,
                                        "kept too long", 64, RESMGR_PRIORITY_DEFAULT,
                                        g_malloc (64), g_free, &error);
  g_assert_no_error (error);
  g_ptr_array_add (handles, resmgr_service_lookup (service, resource, &error));
  g_assert_no_error (error);

  /* As a leak check would report it: the first of its component. */
  g_signal_emit_by_name (monitor, "leak-detected", RESMGR_LEAK_KIND_TOO_OLD, handles);

  g_assert_cmpuint (g_list_model_get_n_items (leaks), ==, 1);
  item = g_list_model_get_item (leaks, 0);
  expected = g_strdup_printf ("memory “kept too long” #1 of %s\n64 bytes · older than the age threshold", id);
  g_assert_cmpstr (gtk_string_object_get_string (GTK_STRING_OBJECT (item)), ==, expected);
  g_assert_false (gtk_widget_is_visible (title));

  gtk_window_destroy (GTK_WINDOW (window));
  g_clear_object (&component);
}

static void
test_plot_axes (void)
{
  ResmgrService *service = resmgr_service_get_default ();
  g_autoptr(ResmgrMonitor) monitor = resmgr_monitor_new (service);
  g_autoptr(GPtrArray) titles = g_ptr_array_new ();
  g_autoptr(GPtrArray) values = g_ptr_array_new ();
  g_autoptr(GRegex) axis = g_regex_new ("^(Resident memory|Tracked by resmgr) \\((kB|MB|GB)\\)$", 0, 0, NULL);
  GtkWidget *window, *plot;

  g_test_summary ("The memory plot has one labelled axis per quantity, each title naming "
                  "the quantity and its unit, and shows the latest value of each");

  if (!have_display)
    {
      g_test_skip ("no display");
      return;
    }

  plot = demo_memory_plot_new (monitor);
  window = present (plot);
  collect_labels (plot, "heading", titles);
  collect_labels (plot, "numeric", values);

  g_assert_cmpuint (titles->len, ==, 2);
  g_assert_cmpuint (values->len, ==, 2);
  for (guint i = 0; i < 2; i++)
    {
      const char *title = gtk_label_get_text (g_ptr_array_index (titles, i));

      g_test_message ("axis %u: %s", i, title);
      g_assert_true (g_regex_match (axis, title, 0, NULL));
      g_assert_cmpstr (gtk_label_get_text (g_ptr_array_index (values, i)), ==, "no sample yet");
    }
  g_assert_true (g_str_has_prefix (gtk_label_get_text (g_ptr_array_index (titles, 0)), "Resident memory"));
  g_assert_true (g_str_has_prefix (gtk_label_get_text (g_ptr_array_index (titles, 1)), "Tracked by resmgr"));

  resmgr_monitor_sample_now (monitor);
  for (guint i = 0; i < 2; i++)
    {
      const char *title = gtk_label_get_text (g_ptr_array_index (titles, i));
      const char *value = gtk_label_get_text (g_ptr_array_index (values, i));
      g_autofree char *unit = g_strndup (strrchr (title, '(') + 1, strlen (strrchr (title, '(')) - 2);

      g_test_message ("%s: %s", title, value);
      g_assert_true (g_str_has_prefix (value, "now "));
      /* The value is in the axis's unit. */
      g_assert_true (g_str_has_suffix (value, unit));
    }

  gtk_window_destroy (GTK_WINDOW (window));
}

static void
test_window_descriptions (void)
{
  DemoWindow *window;

  g_test_summary ("Each tab of the demo window has a visible line above it saying what "
                  "resmgr does there, which is also the tab's accessible description");

  if (!have_display)
    {
      g_test_skip ("no display");
      return;
    }

  window = demo_window_new (NULL);
  gtk_window_present (GTK_WINDOW (window));

  for (DemoTab tab = 0; tab < DEMO_N_TABS; tab++)
    {
      GtkWidget *page = demo_window_get_page (window, tab);
      GtkWidget *label = gtk_widget_get_first_child (page);
      const char *description = demo_tab_get_description (tab);

      g_test_message ("%s: %s", demo_tab_get_name (tab), description);
      g_assert_true (GTK_IS_LABEL (label));
      g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (label)), ==, description);
      g_assert_cmpuint (strlen (description), >, 0);
      g_assert_true (gtk_widget_get_parent (demo_window_get_tab (window, tab)) == page);
      demo_window_show_tab (window, tab);
      wait_for (is_mapped, label, "the description to be shown");
    }

  gtk_window_destroy (GTK_WINDOW (window));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  have_display = gtk_init_check ();

  g_test_add_func ("/Demo/Resources/history-empty-state", test_history_empty_state);
  g_test_add_func ("/Demo/Resources/history-one-entry-per-tab", test_history_one_entry_per_tab);
  g_test_add_func ("/Demo/Resources/leak-alert", test_leak_alert);
  g_test_add_func ("/Demo/Resources/plot-axes", test_plot_axes);
  g_test_add_func ("/Demo/Window/descriptions", test_window_descriptions);

  return g_test_run ();
}
