/* demo-checksum-tab.c
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "demo-checksum-tab.h"
#include "demo-tab-util.h"

/**
 * DemoChecksumTab:
 *
 * The Checksums tab: a folder chooser, a Cancel button, a progress bar per
 * running job and one for the whole run, and the results in a column view.
 * It builds widgets, binds them to its [class@DemoChecksumController] and
 * forwards clicks; the controller, bound to the tab with
 * resmgr_controller_bind_widget(), does the work and is cleaned up at the
 * tab's unrealize.
 *
 * GTK thread only.
 */

struct _DemoChecksumTab
{
  GtkWidget     parent_instance;

  DemoTabParts  parts;
};

G_DEFINE_FINAL_TYPE (DemoChecksumTab, demo_checksum_tab, GTK_TYPE_WIDGET)

/* Actions {{{ */

/* The run's progress is weighted by size: say so, or "12%" beside "21 of
 * 26 files hashed" reads as a mistake. */
static gboolean
format_progress (GBinding     *binding,
                 const GValue *from,
                 GValue       *to,
                 gpointer      user_data)
{
  g_value_take_string (to, g_strdup_printf ("%.0f%% of the bytes", g_value_get_double (from) * 100));
  return TRUE;
}

static void
folder_chosen (GtkWidget *tab,
               GFile     *folder)
{
  demo_checksum_controller_start (demo_checksum_tab_get_controller (tab), folder);
}

/* }}} */

/* Per-job progress rows {{{ */

static void
worker_setup_cb (GtkSignalListItemFactory *factory,
                 GtkListItem              *item,
                 gpointer                  user_data)
{
  GtkWidget *row = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *label = gtk_label_new (NULL);
  GtkWidget *bar = gtk_progress_bar_new ();

  gtk_label_set_xalign (GTK_LABEL (label), 0.0);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_MIDDLE);
  gtk_label_set_width_chars (GTK_LABEL (label), 32);
  gtk_label_set_max_width_chars (GTK_LABEL (label), 32);
  gtk_widget_set_hexpand (bar, TRUE);
  gtk_widget_set_valign (bar, GTK_ALIGN_CENTER);
  gtk_box_append (GTK_BOX (row), label);
  gtk_box_append (GTK_BOX (row), bar);
  gtk_list_item_set_child (item, row);
}

static void
worker_bind_cb (GtkSignalListItemFactory *factory,
                GtkListItem              *item,
                gpointer                  user_data)
{
  ResmgrWorker *worker = gtk_list_item_get_item (item);
  GtkWidget *row = gtk_list_item_get_child (item);
  GtkWidget *label = gtk_widget_get_first_child (row);
  GtkWidget *bar = gtk_widget_get_next_sibling (label);

  gtk_label_set_label (GTK_LABEL (label), resmgr_worker_get_name (worker));
  demo_tab_bind_item (item, worker, "progress", bar, "fraction");
}

static void
worker_unbind_cb (GtkSignalListItemFactory *factory,
                  GtkListItem              *item,
                  gpointer                  user_data)
{
  demo_tab_unbind_item (item);
}

/* }}} */

/* Result columns {{{ */

typedef enum {
  COLUMN_NAME,
  COLUMN_SIZE,
  COLUMN_CHECKSUM,
} Column;

static void
result_setup_cb (GtkSignalListItemFactory *factory,
                 GtkListItem              *item,
                 gpointer                  user_data)
{
  Column column = GPOINTER_TO_INT (user_data);
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), column == COLUMN_SIZE ? 1.0 : 0.0);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  if (column == COLUMN_CHECKSUM)
    gtk_widget_add_css_class (label, "monospace");
  else if (column == COLUMN_SIZE)
    gtk_widget_add_css_class (label, "numeric");
  gtk_list_item_set_child (item, label);
}

static void
result_bind_cb (GtkSignalListItemFactory *factory,
                GtkListItem              *item,
                gpointer                  user_data)
{
  Column column = GPOINTER_TO_INT (user_data);
  DemoChecksumResult *result = gtk_list_item_get_item (item);
  GtkLabel *label = GTK_LABEL (gtk_list_item_get_child (item));
  const char *error = demo_checksum_result_get_error (result);

  switch (column)
    {
    case COLUMN_NAME:
      gtk_label_set_label (label, demo_checksum_result_get_name (result));
      gtk_widget_set_tooltip_text (GTK_WIDGET (label), demo_checksum_result_get_path (result));
      break;
    case COLUMN_SIZE:
      {
        g_autofree char *size = g_format_size (demo_checksum_result_get_size (result));

        gtk_label_set_label (label, size);
      }
      break;
    case COLUMN_CHECKSUM:
      gtk_label_set_label (label, error != NULL ? error : demo_checksum_result_get_checksum (result));
      gtk_widget_set_tooltip_text (GTK_WIDGET (label), error);
      if (error != NULL)
        gtk_widget_add_css_class (GTK_WIDGET (label), "error");
      break;
    default:
      g_assert_not_reached ();
    }
}

static void
result_unbind_cb (GtkSignalListItemFactory *factory,
                  GtkListItem              *item,
                  gpointer                  user_data)
{
  GtkWidget *label = gtk_list_item_get_child (item);

  gtk_widget_remove_css_class (label, "error");
  gtk_widget_set_tooltip_text (label, NULL);
}

static void
add_column (GtkColumnView *view,
            const char    *title,
            Column         column,
            gboolean       expand)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();
  g_autoptr(GtkColumnViewColumn) view_column = NULL;

  g_signal_connect (factory, "setup", G_CALLBACK (result_setup_cb), GINT_TO_POINTER (column));
  g_signal_connect (factory, "bind", G_CALLBACK (result_bind_cb), GINT_TO_POINTER (column));
  g_signal_connect (factory, "unbind", G_CALLBACK (result_unbind_cb), GINT_TO_POINTER (column));

  view_column = gtk_column_view_column_new (title, factory);
  gtk_column_view_column_set_expand (view_column, expand);
  gtk_column_view_column_set_resizable (view_column, TRUE);
  gtk_column_view_append_column (view, view_column);
}

/* }}} */

/* Construction {{{ */

static GtkWidget *
build (GtkWidget *tab)
{
  DemoChecksumTab *self = DEMO_CHECKSUM_TAB (tab);
  DemoChecksumController *controller = demo_checksum_tab_get_controller (tab);
  GtkWidget *box, *header, *spinner, *status, *total;
  GtkWidget *running, *workers_scroll, *workers_view, *workers_empty, *results_scroll, *results_view;
  GtkListItemFactory *factory;
  GtkSelectionModel *selection;

  box = demo_tab_build_top (&self->parts, "Choose a Folder to Hash", "_Hash", folder_chosen,
                            &header, &spinner, &status);
  gtk_widget_set_hexpand (status, TRUE);
  gtk_box_append (GTK_BOX (header), status);

  total = gtk_progress_bar_new ();
  gtk_progress_bar_set_show_text (GTK_PROGRESS_BAR (total), TRUE);
  gtk_box_append (GTK_BOX (box), total);

  running = gtk_label_new ("Running jobs");
  gtk_label_set_xalign (GTK_LABEL (running), 0.0);
  gtk_widget_add_css_class (running, "heading");
  gtk_box_append (GTK_BOX (box), running);

  factory = gtk_signal_list_item_factory_new ();
  g_signal_connect (factory, "setup", G_CALLBACK (worker_setup_cb), NULL);
  g_signal_connect (factory, "bind", G_CALLBACK (worker_bind_cb), NULL);
  g_signal_connect (factory, "unbind", G_CALLBACK (worker_unbind_cb), NULL);
  selection = GTK_SELECTION_MODEL (gtk_no_selection_new (
    g_object_ref (demo_checksum_controller_get_workers (controller))));
  workers_view = gtk_list_view_new (selection, factory);
  workers_scroll = gtk_scrolled_window_new ();
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (workers_scroll), workers_view);
  gtk_scrolled_window_set_min_content_height (GTK_SCROLLED_WINDOW (workers_scroll), 96);
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (workers_scroll),
                                  GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  workers_empty = demo_empty_state_new ("No jobs running",
                                       "While a folder is hashed, each file's worker job shows "
                                       "its progress here.");
  gtk_widget_set_size_request (workers_empty, -1, 96);
  gtk_box_append (GTK_BOX (box),
                  demo_list_or_empty_new (demo_checksum_controller_get_workers (controller),
                                          workers_scroll, workers_empty));

  selection = GTK_SELECTION_MODEL (gtk_single_selection_new (
    g_object_ref (demo_checksum_controller_get_results (controller))));
  gtk_single_selection_set_autoselect (GTK_SINGLE_SELECTION (selection), FALSE);
  gtk_single_selection_set_can_unselect (GTK_SINGLE_SELECTION (selection), TRUE);
  results_view = gtk_column_view_new (selection);
  gtk_column_view_set_show_column_separators (GTK_COLUMN_VIEW (results_view), TRUE);
  add_column (GTK_COLUMN_VIEW (results_view), "Name", COLUMN_NAME, FALSE);
  add_column (GTK_COLUMN_VIEW (results_view), "Size", COLUMN_SIZE, FALSE);
  add_column (GTK_COLUMN_VIEW (results_view), "SHA-256 or Error", COLUMN_CHECKSUM, TRUE);
  results_scroll = gtk_scrolled_window_new ();
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (results_scroll), results_view);
  gtk_widget_set_vexpand (results_scroll, TRUE);
  gtk_box_append (GTK_BOX (box),
                  demo_list_or_empty_new (demo_checksum_controller_get_results (controller), results_scroll,
                                          demo_empty_state_new ("No checksums yet",
                                                                "Press Choose Folder… and pick a folder: the "
                                                                "SHA-256 of each of its files, or the error "
                                                                "that stopped it, is listed here.")));

  g_object_bind_property (controller, "progress", total, "fraction", G_BINDING_SYNC_CREATE);
  g_object_bind_property_full (controller, "progress", total, "text", G_BINDING_SYNC_CREATE,
                               format_progress, NULL, NULL, NULL);

  return box;
}

static void
demo_checksum_tab_constructed (GObject *object)
{
  DemoChecksumTab *self = DEMO_CHECKSUM_TAB (object);

  G_OBJECT_CLASS (demo_checksum_tab_parent_class)->constructed (object);

  demo_tab_construct (&self->parts, GTK_WIDGET (self),
                      demo_checksum_controller_new (self->parts.service), build);
}

static void
demo_checksum_tab_dispose (GObject *object)
{
  demo_tab_dispose (&DEMO_CHECKSUM_TAB (object)->parts);

  G_OBJECT_CLASS (demo_checksum_tab_parent_class)->dispose (object);
}

static void
demo_checksum_tab_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  demo_tab_get_property (&DEMO_CHECKSUM_TAB (object)->parts, object, prop_id, value, pspec);
}

static void
demo_checksum_tab_set_property (GObject      *object,
                                guint         prop_id,
                                const GValue *value,
                                GParamSpec   *pspec)
{
  demo_tab_set_property (&DEMO_CHECKSUM_TAB (object)->parts, object, prop_id, value, pspec);
}

static void
demo_checksum_tab_class_init (DemoChecksumTabClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = demo_checksum_tab_constructed;
  object_class->dispose = demo_checksum_tab_dispose;
  object_class->get_property = demo_checksum_tab_get_property;
  object_class->set_property = demo_checksum_tab_set_property;

  /* DemoChecksumTab:service (construct-only, %NULL for the default
   * service) and DemoChecksumTab:controller (read-only). */
  demo_tab_class_setup (GTK_WIDGET_CLASS (klass), DEMO_TYPE_CHECKSUM_CONTROLLER);
}

static void
demo_checksum_tab_init (DemoChecksumTab *self)
{
}

/**
 * demo_checksum_tab_new:
 *
 * Creates the Checksums tab and its controller, on the default service.
 *
 * Returns: (transfer floating): the tab
 */
GtkWidget *
demo_checksum_tab_new (void)
{
  return g_object_new (DEMO_TYPE_CHECKSUM_TAB, NULL);
}

/**
 * demo_checksum_tab_get_controller:
 * @tab: a #DemoChecksumTab, as made by demo_checksum_tab_new()
 *
 * Returns: (transfer none): the tab's controller
 */
DemoChecksumController *
demo_checksum_tab_get_controller (GtkWidget *tab)
{
  g_return_val_if_fail (DEMO_IS_CHECKSUM_TAB (tab), NULL);
  return DEMO_CHECKSUM_CONTROLLER (DEMO_CHECKSUM_TAB (tab)->parts.controller);
}

/* }}} */
