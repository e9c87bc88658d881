/* demo-checksum-tab.c
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "demo-checksum-tab.h"

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
  GtkWidget               parent_instance;

  /* Read-only after construction: */
  ResmgrService          *service;
  DemoChecksumController *controller;
  GtkWidget              *box;

  /* GTK thread only: */
  GtkFileChooserNative   *chooser;
};

G_DEFINE_FINAL_TYPE (DemoChecksumTab, demo_checksum_tab, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_SERVICE,
  PROP_CONTROLLER,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

#define BINDING_KEY "demo-checksum-tab-binding"

/* Actions {{{ */

static void
chooser_response_cb (GtkNativeDialog *dialog,
                     int              response,
                     DemoChecksumTab *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) folder = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));

      if (folder != NULL)
        demo_checksum_controller_start (self->controller, folder);
    }

  gtk_native_dialog_destroy (dialog);
  g_clear_object (&self->chooser);
}

static void
choose_clicked_cb (GtkButton       *button,
                   DemoChecksumTab *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  if (self->chooser != NULL)
    return;

  self->chooser = gtk_file_chooser_native_new ("Choose a Folder to Hash",
                                               GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                               GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER,
                                               "_Hash", "_Cancel");
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->chooser), TRUE);
  g_signal_connect (self->chooser, "response", G_CALLBACK (chooser_response_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

static void
cancel_clicked_cb (GtkButton       *button,
                   DemoChecksumTab *self)
{
  demo_checksum_controller_cancel (self->controller);
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
  GBinding *binding;

  gtk_label_set_label (GTK_LABEL (label), resmgr_worker_get_name (worker));
  binding = g_object_bind_property (worker, "progress", bar, "fraction", G_BINDING_SYNC_CREATE);
  g_object_set_data_full (G_OBJECT (item), BINDING_KEY, g_object_ref (binding), g_object_unref);
}

static void
worker_unbind_cb (GtkSignalListItemFactory *factory,
                  GtkListItem              *item,
                  gpointer                  user_data)
{
  GBinding *binding = g_object_steal_data (G_OBJECT (item), BINDING_KEY);

  if (binding != NULL)
    {
      g_binding_unbind (binding);
      g_object_unref (binding);
    }
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
build (DemoChecksumTab *self)
{
  GtkWidget *box, *header, *choose, *cancel, *spinner, *status, *total;
  GtkWidget *running, *workers_scroll, *workers_view, *results_scroll, *results_view;
  GtkListItemFactory *factory;
  GtkSelectionModel *selection;

  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  gtk_widget_set_margin_top (box, 12);
  gtk_widget_set_margin_bottom (box, 12);
  gtk_widget_set_margin_start (box, 12);
  gtk_widget_set_margin_end (box, 12);

  header = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  choose = gtk_button_new_with_mnemonic ("_Choose Folder…");
  cancel = gtk_button_new_with_mnemonic ("C_ancel");
  spinner = gtk_spinner_new ();
  status = gtk_label_new (NULL);
  gtk_label_set_xalign (GTK_LABEL (status), 0.0);
  gtk_label_set_ellipsize (GTK_LABEL (status), PANGO_ELLIPSIZE_END);
  gtk_widget_set_hexpand (status, TRUE);
  gtk_box_append (GTK_BOX (header), choose);
  gtk_box_append (GTK_BOX (header), cancel);
  gtk_box_append (GTK_BOX (header), spinner);
  gtk_box_append (GTK_BOX (header), status);
  gtk_box_append (GTK_BOX (box), header);

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
    g_object_ref (demo_checksum_controller_get_workers (self->controller))));
  workers_view = gtk_list_view_new (selection, factory);
  workers_scroll = gtk_scrolled_window_new ();
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (workers_scroll), workers_view);
  gtk_scrolled_window_set_min_content_height (GTK_SCROLLED_WINDOW (workers_scroll), 96);
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (workers_scroll),
                                  GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  gtk_box_append (GTK_BOX (box), workers_scroll);

  selection = GTK_SELECTION_MODEL (gtk_single_selection_new (
    g_object_ref (demo_checksum_controller_get_results (self->controller))));
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
  gtk_box_append (GTK_BOX (box), results_scroll);

  g_signal_connect (choose, "clicked", G_CALLBACK (choose_clicked_cb), self);
  g_signal_connect (cancel, "clicked", G_CALLBACK (cancel_clicked_cb), self);

  g_object_bind_property (self->controller, "busy", choose, "sensitive",
                          G_BINDING_SYNC_CREATE | G_BINDING_INVERT_BOOLEAN);
  g_object_bind_property (self->controller, "busy", cancel, "sensitive", G_BINDING_SYNC_CREATE);
  g_object_bind_property (self->controller, "busy", spinner, "spinning", G_BINDING_SYNC_CREATE);
  g_object_bind_property (self->controller, "status", status, "label", G_BINDING_SYNC_CREATE);
  g_object_bind_property (self->controller, "progress", total, "fraction", G_BINDING_SYNC_CREATE);

  return box;
}

static void
demo_checksum_tab_constructed (GObject *object)
{
  DemoChecksumTab *self = DEMO_CHECKSUM_TAB (object);

  G_OBJECT_CLASS (demo_checksum_tab_parent_class)->constructed (object);

  self->controller = demo_checksum_controller_new (self->service);
  resmgr_controller_bind_widget (RESMGR_CONTROLLER (self->controller), GTK_WIDGET (self));

  self->box = build (self);
  gtk_widget_set_parent (self->box, GTK_WIDGET (self));
}

static void
demo_checksum_tab_dispose (GObject *object)
{
  DemoChecksumTab *self = DEMO_CHECKSUM_TAB (object);

  if (self->chooser != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->chooser, self);
      gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
      g_clear_object (&self->chooser);
    }
  g_clear_pointer (&self->box, gtk_widget_unparent);
  /* The binding holds its own reference until the tab's ::destroy, which
   * the chain-up emits. */
  g_clear_object (&self->controller);
  g_clear_object (&self->service);

  G_OBJECT_CLASS (demo_checksum_tab_parent_class)->dispose (object);
}

static void
demo_checksum_tab_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  DemoChecksumTab *self = DEMO_CHECKSUM_TAB (object);

  switch (prop_id)
    {
    case PROP_SERVICE:
      g_value_set_object (value, self->service);
      break;
    case PROP_CONTROLLER:
      g_value_set_object (value, self->controller);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
demo_checksum_tab_set_property (GObject      *object,
                                guint         prop_id,
                                const GValue *value,
                                GParamSpec   *pspec)
{
  DemoChecksumTab *self = DEMO_CHECKSUM_TAB (object);

  switch (prop_id)
    {
    case PROP_SERVICE:
      self->service = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
demo_checksum_tab_class_init (DemoChecksumTabClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = demo_checksum_tab_constructed;
  object_class->dispose = demo_checksum_tab_dispose;
  object_class->get_property = demo_checksum_tab_get_property;
  object_class->set_property = demo_checksum_tab_set_property;

  /**
   * DemoChecksumTab:service:
   *
   * The service the tab's controller tracks through; %NULL (the default)
   * for the default service.
   */
  properties[PROP_SERVICE] =
    g_param_spec_object ("service", NULL, NULL, RESMGR_TYPE_SERVICE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                         G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * DemoChecksumTab:controller:
   *
   * The tab's controller.
   */
  properties[PROP_CONTROLLER] =
    g_param_spec_object ("controller", NULL, NULL, DEMO_TYPE_CHECKSUM_CONTROLLER,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
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
  return DEMO_CHECKSUM_TAB (tab)->controller;
}

/* }}} */
