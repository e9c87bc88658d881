/* test-resource-view.c: the live resource view and the GTK Inspector page
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "test-common-gtk.h"

static const char *test_binary;
/* Asked once: after a failed gtk_init_check (), GTK 4 answers TRUE to the
 * next call with no display, and a widget made then crashes. */
static gboolean have_display;

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

/* The first GtkLabel under @widget whose text matches @pattern, or NULL. */
static GtkWidget *
find_label_matching (GtkWidget  *widget,
                     const char *pattern)
{
  if (GTK_IS_LABEL (widget) && g_regex_match_simple (pattern, gtk_label_get_text (GTK_LABEL (widget)), 0, 0))
    return widget;

  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_label_matching (child, pattern);

      if (found != NULL)
        return found;
    }

  return NULL;
}

static gboolean
shows_first_id (gpointer view)
{
  return find_label (view, "#1") != NULL;
}

static void
test_view_follows_monitor (void)
{
  g_autoptr(ResmgrManager) manager = resmgr_manager_new ();
  g_autoptr(GObject) component = g_object_new (G_TYPE_OBJECT, NULL);
  g_autoptr(ResmgrMonitor) monitor = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *tooltip = NULL;
  g_autofree char *id_text = NULL;
  GtkWidget *window, *view, *id_label, *since_label;
  GListModel *resources;
  guint64 id;

  g_test_summary ("A ResmgrResourceView shows its monitor's lists: a resource tracked "
                  "after the view was built appears in the monitor's resource model it shows, "
                  "its id in short form (its number within its component), whole in the tooltip, "
                  "and when it was tracked as a local time");

  if (!have_display)
    {
      g_test_skip ("no display");
      return;
    }

  g_assert_true (resmgr_service_register_component (RESMGR_SERVICE (manager), component, "Viewed-1", &error));
  monitor = resmgr_monitor_new (RESMGR_SERVICE (manager));
  view = resmgr_resource_view_new (monitor);
  g_assert_true (resmgr_resource_view_get_monitor (RESMGR_RESOURCE_VIEW (view)) == monitor);

  window = gtk_window_new ();
  gtk_window_set_child (GTK_WINDOW (window), view);
  gtk_window_present (GTK_WINDOW (window));

  id = resmgr_service_track_data (RESMGR_SERVICE (manager), component, RESMGR_RESOURCE_TYPE_MEMORY,
                                  "shown", 64, RESMGR_PRIORITY_DEFAULT, g_malloc (64), g_free, &error);
  g_assert_cmpuint (id, !=, 0);
  resources = resmgr_monitor_get_resources (monitor);
  while (g_list_model_get_n_items (resources) == 0)
    g_main_context_iteration (NULL, TRUE);

  {
    g_autoptr(ResmgrMonitorResource) item = g_list_model_get_item (resources, 0);

    g_assert_cmpstr (resmgr_monitor_resource_get_name (item), ==, "shown");
    g_assert_cmpstr (resmgr_monitor_resource_get_component (item), ==, "Viewed-1");
  }

  /* The id in short form, the first of its component; the whole id in
   * the tooltip. */
  wait_for (shows_first_id, view, "the view to show the id");
  id_label = find_label (view, "#1");
  tooltip = g_strdup_printf ("Resource id %" G_GUINT64_FORMAT " (0x%" G_GINT64_MODIFIER "x)", id, id);
  g_assert_cmpstr (gtk_widget_get_tooltip_text (id_label), ==, tooltip);
  g_assert_null (find_label (view, id_text = g_strdup_printf ("%" G_GUINT64_FORMAT, id)));
  /* When it was tracked, as a local time: an age would go stale. */
  since_label = find_label_matching (view, "^[0-9]{2}:[0-9]{2}:[0-9]{2}$");
  g_assert_nonnull (since_label);
  g_assert_true (g_str_has_prefix (gtk_widget_get_tooltip_text (since_label), "Tracked at "));

  gtk_window_destroy (GTK_WINDOW (window));
  g_clear_object (&component);
}

static void
test_inspector_page (void)
{
  GIOExtension *extension;
  GtkWidget *page;
  g_autofree char *title = NULL;

  g_test_summary ("resmgr_inspector_page_register adds a page to the gtk-inspector-page "
                  "extension point, once, whose widget has a title and takes an object");

  if (!have_display)
    {
      g_test_skip ("no display");
      return;
    }

  resmgr_inspector_page_register ();
  resmgr_inspector_page_register ();

  extension = g_io_extension_point_get_extension_by_name (g_io_extension_point_lookup ("gtk-inspector-page"),
                                                          "resmgr");
  g_assert_nonnull (extension);
  g_assert_true (g_type_is_a (g_io_extension_get_type (extension), GTK_TYPE_WIDGET));

  page = g_object_ref_sink (g_object_new (g_io_extension_get_type (extension), NULL));
  g_object_set (page, "object", page, NULL);
  g_object_get (page, "title", &title, NULL);
  g_assert_cmpstr (title, ==, "Resources (resmgr)");
  g_object_set (page, "object", NULL, NULL);
  g_object_unref (page);
}

/* The first GtkColumnView under @widget that is drawn (the visible stack
 * page's list), or NULL. */
static GtkWidget *
find_mapped_column_view (GtkWidget *widget)
{
  if (GTK_IS_COLUMN_VIEW (widget) && gtk_widget_get_mapped (widget))
    return widget;

  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_mapped_column_view (child);

      if (found != NULL)
        return found;
    }

  return NULL;
}

static void
test_inspector_page_fills (void)
{
  GIOExtension *extension;
  GtkWidget *window, *stack, *page, *list, *scrolled_window;
  int page_height, list_height;

  g_test_summary ("The inspector page, built as GTK 4.8's inspector builds its pages "
                  "(g_object_new of the gtk-inspector-page extension's type, added to a "
                  "GtkStack), gives most of its height to the resource list");

  if (!have_display)
    {
      g_test_skip ("no display");
      return;
    }

  resmgr_inspector_page_register ();
  extension = g_io_extension_point_get_extension_by_name (g_io_extension_point_lookup ("gtk-inspector-page"),
                                                          "resmgr");
  g_assert_nonnull (extension);

  page = g_object_new (g_io_extension_get_type (extension), NULL);
  stack = gtk_stack_new ();
  gtk_stack_add_titled (GTK_STACK (stack), page, "resmgr", "Resources (resmgr)");
  window = gtk_window_new ();
  gtk_window_set_default_size (GTK_WINDOW (window), 640, 480);
  gtk_window_set_child (GTK_WINDOW (window), stack);
  gtk_window_present (GTK_WINDOW (window));

  while ((list = find_mapped_column_view (page)) == NULL || gtk_widget_get_height (page) == 0)
    g_main_context_iteration (NULL, TRUE);

  scrolled_window = gtk_widget_get_ancestor (list, GTK_TYPE_SCROLLED_WINDOW);
  g_assert_nonnull (scrolled_window);
  page_height = gtk_widget_get_height (page);
  list_height = gtk_widget_get_height (scrolled_window);
  g_test_message ("page %d px, resource list %d px", page_height, list_height);
  /* The stack switcher above the list takes a line; the list the rest. */
  g_assert_cmpint (page_height, >=, 300);
  g_assert_cmpint (list_height * 4, >=, page_height * 3);

  gtk_window_destroy (GTK_WINDOW (window));
}

static void
test_no_display (void)
{
  g_auto(GStrv) envp = g_get_environ ();
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr(GError) error = NULL;
  const char *argv[] = { test_binary, "--tap",
                         "-p", "/Resmgr/ResourceView/follows-monitor",
                         "-p", "/Resmgr/ResourceView/inspector-page",
                         "-p", "/Resmgr/ResourceView/inspector-page-fills", NULL };
  int status = 0;

  g_test_summary ("When the display cannot be opened (as under heavy load in a suite run), every "
                  "GTK subtest skips and none builds a widget: GTK 4 answers TRUE to a second "
                  "gtk_init_check () after a failed first one, with no display");

  /* The same subtests in a child whose display cannot be opened. */
  envp = g_environ_setenv (envp, "GDK_BACKEND", "x11", TRUE);
  envp = g_environ_setenv (envp, "DISPLAY", "", TRUE);
  envp = g_environ_unsetenv (envp, "WAYLAND_DISPLAY");
  g_spawn_sync (NULL, (char **) argv, envp, G_SPAWN_DEFAULT, NULL, NULL,
                &out, &err, &status, &error);
  g_assert_no_error (error);
  g_test_message ("child output:\n%s%s", out, err);

  g_assert_true (g_spawn_check_wait_status (status, NULL));
  g_assert_nonnull (strstr (out, "/Resmgr/ResourceView/follows-monitor # SKIP no display"));
  g_assert_nonnull (strstr (out, "/Resmgr/ResourceView/inspector-page # SKIP no display"));
  g_assert_nonnull (strstr (out, "/Resmgr/ResourceView/inspector-page-fills # SKIP no display"));
}

int
main (int    argc,
      char **argv)
{
  test_binary = argv[0];
  g_test_init (&argc, &argv, NULL);

  have_display = gtk_init_check ();

  g_test_add_func ("/Resmgr/ResourceView/follows-monitor", test_view_follows_monitor);
  g_test_add_func ("/Resmgr/ResourceView/inspector-page", test_inspector_page);
  g_test_add_func ("/Resmgr/ResourceView/inspector-page-fills", test_inspector_page_fills);
  g_test_add_func ("/Resmgr/ResourceView/no-display", test_no_display);

  return g_test_run ();
}
