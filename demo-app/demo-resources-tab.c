/* demo-resources-tab.c
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "demo-memory-plot.h"
#include "demo-resources-tab.h"
#include "demo-tab-util.h"

/* Widgets only: the monitor and everything it keeps belong to the
 * controller. */

/* A row of a side list: an entry of two lines, ellipsized when the side
 * is narrow, all of it in the tooltip. */
static GtkWidget *
entry_row_new (gpointer item,
               gpointer user_data)
{
  const char *text = gtk_string_object_get_string (item);
  GtkWidget *label = gtk_label_new (text);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_widget_set_tooltip_text (label, text);
  gtk_widget_set_margin_top (label, 3);
  gtk_widget_set_margin_bottom (label, 3);

  return label;
}

/* A GtkListBox rather than a GtkListView: the newest entry is inserted
 * first, and a list view keeps the rows it showed in view, so the newest
 * would be scrolled out of sight. The lists keep 50 entries at most. */
static GtkWidget *
scrolled_list (GListModel *strings)
{
  GtkWidget *window = gtk_scrolled_window_new ();
  GtkWidget *list = gtk_list_box_new ();

  gtk_list_box_set_selection_mode (GTK_LIST_BOX (list), GTK_SELECTION_NONE);
  gtk_list_box_bind_model (GTK_LIST_BOX (list), strings, entry_row_new, NULL, NULL);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (window), list);
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (window), GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  gtk_widget_set_vexpand (window, TRUE);

  return window;
}

/* A heading over one of the side lists. */
static GtkWidget *
heading_new (const char *text)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_widget_add_css_class (label, "heading");

  return label;
}

/* "Report resources older than [N] s": the monitor's age threshold, so a
 * user can see a leak alert without writing a leak. */
static GtkWidget *
age_threshold_new (ResmgrMonitor *monitor)
{
  GtkWidget *row = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *label = gtk_label_new_with_mnemonic ("Also report resources older _than");
  GtkWidget *spin = gtk_spin_button_new_with_range (0, 24 * 3600, 5);
  GtkWidget *unit = gtk_label_new ("s");

  gtk_label_set_mnemonic_widget (GTK_LABEL (label), spin);
  gtk_editable_set_width_chars (GTK_EDITABLE (spin), 4);
  gtk_widget_set_tooltip_text (spin, "The monitor's age threshold: resources tracked for longer "
                                     "are reported as leaks (0: none are)");
  g_object_bind_property (monitor, "age-threshold", spin, "value",
                          G_BINDING_SYNC_CREATE | G_BINDING_BIDIRECTIONAL);
  gtk_box_append (GTK_BOX (row), label);
  gtk_box_append (GTK_BOX (row), spin);
  gtk_box_append (GTK_BOX (row), unit);

  return row;
}

GtkWidget *
demo_resources_tab_new (void)
{
  g_autoptr(DemoResourcesController) controller = demo_resources_controller_new ();
  ResmgrMonitor *monitor = demo_resources_controller_get_monitor (controller);
  GListModel *history = demo_resources_controller_get_history (controller);
  GListModel *leaks = demo_resources_controller_get_leaks (controller);
  GtkWidget *tab, *totals, *paned, *side, *leaks_empty;

  tab = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  gtk_widget_set_margin_start (tab, 12);
  gtk_widget_set_margin_end (tab, 12);
  gtk_widget_set_margin_top (tab, 12);
  gtk_widget_set_margin_bottom (tab, 12);

  totals = gtk_label_new (NULL);
  gtk_label_set_xalign (GTK_LABEL (totals), 0);
  gtk_label_set_wrap (GTK_LABEL (totals), TRUE);
  g_object_bind_property (controller, "totals", totals, "label", G_BINDING_SYNC_CREATE);
  gtk_box_append (GTK_BOX (tab), totals);

  gtk_box_append (GTK_BOX (tab), demo_memory_plot_new (monitor));

  side = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  gtk_widget_set_margin_start (side, 6);
  gtk_box_append (GTK_BOX (side), heading_new ("Cleanup history"));
  gtk_box_append (GTK_BOX (side),
                  demo_list_or_empty_new (history, scrolled_list (history),
                                          demo_empty_state_new ("No cleanups yet",
                                                                "The report of each cleanup appears here: "
                                                                "what was released, failed or lost, and how "
                                                                "long it took. Press New window, then close "
                                                                "that window: its tabs' controllers are "
                                                                "cleaned up.")));
  gtk_box_append (GTK_BOX (side), heading_new ("Leak alerts"));
  gtk_box_append (GTK_BOX (side), age_threshold_new (monitor));
  /* Without leaks, the history gets the height. */
  leaks_empty = demo_empty_state_new ("No leaks found",
                                      "At every sample the monitor looks for resources still "
                                      "tracked after their component went, workers that outlived "
                                      "their owner's cleanup and, with an age limit set above, "
                                      "resources older than it. They are listed here.");
  gtk_box_append (GTK_BOX (side), demo_list_or_empty_new (leaks, scrolled_list (leaks), leaks_empty));
  gtk_widget_set_vexpand (leaks_empty, FALSE);

  paned = gtk_paned_new (GTK_ORIENTATION_HORIZONTAL);
  gtk_paned_set_start_child (GTK_PANED (paned), resmgr_resource_view_new (monitor));
  gtk_paned_set_end_child (GTK_PANED (paned), side);
  gtk_paned_set_position (GTK_PANED (paned), 740);
  gtk_paned_set_shrink_end_child (GTK_PANED (paned), FALSE);
  gtk_widget_set_vexpand (paned, TRUE);
  gtk_box_append (GTK_BOX (tab), paned);

  /* The tab holds the controller from here on; remember it for the
   * scenario and the tests (borrowed, as long as the tab). */
  resmgr_controller_bind_widget (RESMGR_CONTROLLER (controller), tab);
  g_object_set_data (G_OBJECT (tab), "demo-controller", controller);

  return tab;
}

DemoResourcesController *
demo_resources_tab_get_controller (GtkWidget *tab)
{
  g_return_val_if_fail (GTK_IS_WIDGET (tab), NULL);

  return g_object_get_data (G_OBJECT (tab), "demo-controller");
}
