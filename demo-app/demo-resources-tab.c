/* demo-resources-tab.c
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "demo-memory-plot.h"
#include "demo-resources-tab.h"
#include "demo-tab-util.h"

/* Widgets only: the monitor and everything it keeps belong to the
 * controller. */

static void
setup_label (GtkSignalListItemFactory *factory,
             GtkListItem              *item)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_list_item_set_child (item, label);
}

static void
bind_string (GtkSignalListItemFactory *factory,
             GtkListItem              *item)
{
  gtk_label_set_text (GTK_LABEL (gtk_list_item_get_child (item)),
                      gtk_string_object_get_string (gtk_list_item_get_item (item)));
}

static GtkWidget *
scrolled_list (GListModel *strings)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();
  GtkWidget *window = gtk_scrolled_window_new ();

  g_signal_connect (factory, "setup", G_CALLBACK (setup_label), NULL);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_string), NULL);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (window),
                                 gtk_list_view_new (GTK_SELECTION_MODEL (gtk_no_selection_new (g_object_ref (strings))),
                                                    factory));
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
  GtkWidget *tab, *totals, *paned, *side;

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
  gtk_box_append (GTK_BOX (side),
                  demo_list_or_empty_new (leaks, scrolled_list (leaks),
                                          demo_empty_state_new ("No leaks found",
                                                                "At every sample the monitor looks for "
                                                                "resources still tracked after their "
                                                                "component went, workers that outlived "
                                                                "their owner's cleanup and, with an age "
                                                                "limit set above, resources older than it. "
                                                                "They are listed here.")));

  paned = gtk_paned_new (GTK_ORIENTATION_HORIZONTAL);
  gtk_paned_set_start_child (GTK_PANED (paned), resmgr_resource_view_new (monitor));
  gtk_paned_set_end_child (GTK_PANED (paned), side);
  gtk_paned_set_position (GTK_PANED (paned), 740);
  gtk_paned_set_shrink_end_child (GTK_PANED (paned), FALSE);
  gtk_paned_set_resize_end_child (GTK_PANED (paned), FALSE);
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
