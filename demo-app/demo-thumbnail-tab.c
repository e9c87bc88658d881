/* demo-thumbnail-tab.c
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "demo-thumbnail-tab.h"

/**
 * DemoThumbnailTab:
 *
 * The Thumbnails tab: a folder chooser, a Cancel button, the memory budget
 * (KiB) and a grid of the thumbnails (or of the errors of the images that
 * failed). It builds widgets, binds them to its
 * [class@DemoThumbnailController] and forwards clicks; the controller,
 * bound to the tab with resmgr_controller_bind_widget(), does the work and
 * is cleaned up at the tab's unrealize.
 *
 * GTK thread only.
 */

struct _DemoThumbnailTab
{
  GtkWidget                parent_instance;

  /* Read-only after construction: */
  ResmgrService           *service;
  DemoThumbnailController *controller;
  GtkWidget               *box;

  /* GTK thread only: */
  GtkFileChooserNative    *chooser;
};

G_DEFINE_FINAL_TYPE (DemoThumbnailTab, demo_thumbnail_tab, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_SERVICE,
  PROP_CONTROLLER,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

#define BINDING_KEY "demo-thumbnail-tab-binding"

/* Actions {{{ */

static void
chooser_response_cb (GtkNativeDialog  *dialog,
                     int               response,
                     DemoThumbnailTab *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) folder = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));

      if (folder != NULL)
        demo_thumbnail_controller_load (self->controller, folder);
    }

  gtk_native_dialog_destroy (dialog);
  g_clear_object (&self->chooser);
}

static void
choose_clicked_cb (GtkButton        *button,
                   DemoThumbnailTab *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  if (self->chooser != NULL)
    return;

  self->chooser = gtk_file_chooser_native_new ("Choose a Folder of Images",
                                               GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                               GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER,
                                               "_Load", "_Cancel");
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->chooser), TRUE);
  g_signal_connect (self->chooser, "response", G_CALLBACK (chooser_response_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

static void
cancel_clicked_cb (GtkButton        *button,
                   DemoThumbnailTab *self)
{
  demo_thumbnail_controller_cancel (self->controller);
}

static gboolean
bytes_to_kib (GBinding     *binding,
              const GValue *from,
              GValue       *to,
              gpointer      user_data)
{
  g_value_set_double (to, (double) (g_value_get_uint64 (from) / 1024));
  return TRUE;
}

static gboolean
kib_to_bytes (GBinding     *binding,
              const GValue *from,
              GValue       *to,
              gpointer      user_data)
{
  double kib = g_value_get_double (from);

  g_value_set_uint64 (to, kib > 0 ? (guint64) kib * 1024 : 0);
  return TRUE;
}

/* }}} */

/* Grid cells {{{ */

static void
cell_setup_cb (GtkSignalListItemFactory *factory,
               GtkListItem              *item,
               gpointer                  user_data)
{
  GtkWidget *cell = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4);
  GtkWidget *picture = gtk_picture_new ();
  GtkWidget *label = gtk_label_new (NULL);

  gtk_widget_set_size_request (picture, DEMO_THUMBNAIL_SIZE, DEMO_THUMBNAIL_SIZE);
  gtk_picture_set_can_shrink (GTK_PICTURE (picture), TRUE);
  gtk_picture_set_content_fit (GTK_PICTURE (picture), GTK_CONTENT_FIT_SCALE_DOWN);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_MIDDLE);
  gtk_label_set_max_width_chars (GTK_LABEL (label), 16);
  gtk_box_append (GTK_BOX (cell), picture);
  gtk_box_append (GTK_BOX (cell), label);
  gtk_list_item_set_child (item, cell);
}

static void
cell_bind_cb (GtkSignalListItemFactory *factory,
              GtkListItem              *item,
              gpointer                  user_data)
{
  DemoThumbnail *thumbnail = gtk_list_item_get_item (item);
  GtkWidget *cell = gtk_list_item_get_child (item);
  GtkWidget *picture = gtk_widget_get_first_child (cell);
  GtkWidget *label = gtk_widget_get_next_sibling (picture);
  const char *error = demo_thumbnail_get_error (thumbnail);
  GBinding *binding;

  gtk_label_set_label (GTK_LABEL (label), demo_thumbnail_get_name (thumbnail));
  gtk_widget_set_tooltip_text (cell, error != NULL ? error : demo_thumbnail_get_path (thumbnail));
  if (error != NULL)
    gtk_widget_add_css_class (label, "error");

  binding = g_object_bind_property (thumbnail, "texture", picture, "paintable", G_BINDING_SYNC_CREATE);
  g_object_set_data_full (G_OBJECT (item), BINDING_KEY, g_object_ref (binding), g_object_unref);
}

static void
cell_unbind_cb (GtkSignalListItemFactory *factory,
                GtkListItem              *item,
                gpointer                  user_data)
{
  GBinding *binding = g_object_steal_data (G_OBJECT (item), BINDING_KEY);
  GtkWidget *cell = gtk_list_item_get_child (item);
  GtkWidget *picture = gtk_widget_get_first_child (cell);
  GtkWidget *label = gtk_widget_get_next_sibling (picture);

  if (binding != NULL)
    {
      g_binding_unbind (binding);
      g_object_unref (binding);
    }
  gtk_picture_set_paintable (GTK_PICTURE (picture), NULL);
  gtk_widget_remove_css_class (label, "error");
  gtk_widget_set_tooltip_text (cell, NULL);
}

/* }}} */

/* Construction {{{ */

static GtkWidget *
build (DemoThumbnailTab *self)
{
  GtkWidget *box, *header, *choose, *cancel, *spinner, *budget_label, *budget, *status;
  GtkWidget *scroll, *grid;
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
  budget_label = gtk_label_new_with_mnemonic ("_Budget (KiB, 0 = none)");
  budget = gtk_spin_button_new_with_range (0, 1024 * 1024, 64);
  gtk_label_set_mnemonic_widget (GTK_LABEL (budget_label), budget);
  status = gtk_label_new (NULL);
  gtk_label_set_xalign (GTK_LABEL (status), 0.0);
  gtk_label_set_ellipsize (GTK_LABEL (status), PANGO_ELLIPSIZE_END);
  gtk_box_append (GTK_BOX (header), choose);
  gtk_box_append (GTK_BOX (header), cancel);
  gtk_widget_set_hexpand (spinner, TRUE);
  gtk_widget_set_halign (spinner, GTK_ALIGN_START);
  gtk_box_append (GTK_BOX (header), spinner);
  gtk_box_append (GTK_BOX (header), budget_label);
  gtk_box_append (GTK_BOX (header), budget);
  gtk_box_append (GTK_BOX (box), header);
  gtk_box_append (GTK_BOX (box), status);

  factory = gtk_signal_list_item_factory_new ();
  g_signal_connect (factory, "setup", G_CALLBACK (cell_setup_cb), NULL);
  g_signal_connect (factory, "bind", G_CALLBACK (cell_bind_cb), NULL);
  g_signal_connect (factory, "unbind", G_CALLBACK (cell_unbind_cb), NULL);
  selection = GTK_SELECTION_MODEL (gtk_no_selection_new (
    g_object_ref (demo_thumbnail_controller_get_thumbnails (self->controller))));
  grid = gtk_grid_view_new (selection, factory);
  gtk_grid_view_set_max_columns (GTK_GRID_VIEW (grid), 12);
  scroll = gtk_scrolled_window_new ();
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroll), grid);
  gtk_widget_set_vexpand (scroll, TRUE);
  gtk_box_append (GTK_BOX (box), scroll);

  g_signal_connect (choose, "clicked", G_CALLBACK (choose_clicked_cb), self);
  g_signal_connect (cancel, "clicked", G_CALLBACK (cancel_clicked_cb), self);

  g_object_bind_property (self->controller, "busy", choose, "sensitive",
                          G_BINDING_SYNC_CREATE | G_BINDING_INVERT_BOOLEAN);
  g_object_bind_property (self->controller, "busy", cancel, "sensitive", G_BINDING_SYNC_CREATE);
  g_object_bind_property (self->controller, "busy", spinner, "spinning", G_BINDING_SYNC_CREATE);
  g_object_bind_property (self->controller, "status", status, "label", G_BINDING_SYNC_CREATE);
  g_object_bind_property_full (self->controller, "budget", budget, "value",
                               G_BINDING_SYNC_CREATE | G_BINDING_BIDIRECTIONAL,
                               bytes_to_kib, kib_to_bytes, NULL, NULL);

  return box;
}

static void
demo_thumbnail_tab_constructed (GObject *object)
{
  DemoThumbnailTab *self = DEMO_THUMBNAIL_TAB (object);

  G_OBJECT_CLASS (demo_thumbnail_tab_parent_class)->constructed (object);

  self->controller = demo_thumbnail_controller_new (self->service);
  resmgr_controller_bind_widget (RESMGR_CONTROLLER (self->controller), GTK_WIDGET (self));

  self->box = build (self);
  gtk_widget_set_parent (self->box, GTK_WIDGET (self));
}

static void
demo_thumbnail_tab_dispose (GObject *object)
{
  DemoThumbnailTab *self = DEMO_THUMBNAIL_TAB (object);

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

  G_OBJECT_CLASS (demo_thumbnail_tab_parent_class)->dispose (object);
}

static void
demo_thumbnail_tab_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  DemoThumbnailTab *self = DEMO_THUMBNAIL_TAB (object);

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
demo_thumbnail_tab_set_property (GObject      *object,
                                 guint         prop_id,
                                 const GValue *value,
                                 GParamSpec   *pspec)
{
  DemoThumbnailTab *self = DEMO_THUMBNAIL_TAB (object);

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
demo_thumbnail_tab_class_init (DemoThumbnailTabClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = demo_thumbnail_tab_constructed;
  object_class->dispose = demo_thumbnail_tab_dispose;
  object_class->get_property = demo_thumbnail_tab_get_property;
  object_class->set_property = demo_thumbnail_tab_set_property;

  /**
   * DemoThumbnailTab:service:
   *
   * The service the tab's controller tracks through; %NULL (the default)
   * for the default service.
   */
  properties[PROP_SERVICE] =
    g_param_spec_object ("service", NULL, NULL, RESMGR_TYPE_SERVICE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                         G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * DemoThumbnailTab:controller:
   *
   * The tab's controller.
   */
  properties[PROP_CONTROLLER] =
    g_param_spec_object ("controller", NULL, NULL, DEMO_TYPE_THUMBNAIL_CONTROLLER,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
demo_thumbnail_tab_init (DemoThumbnailTab *self)
{
}

/**
 * demo_thumbnail_tab_new:
 *
 * Creates the Thumbnails tab and its controller, on the default service.
 *
 * Returns: (transfer floating): the tab
 */
GtkWidget *
demo_thumbnail_tab_new (void)
{
  return g_object_new (DEMO_TYPE_THUMBNAIL_TAB, NULL);
}

/**
 * demo_thumbnail_tab_get_controller:
 * @tab: a #DemoThumbnailTab, as made by demo_thumbnail_tab_new()
 *
 * Returns: (transfer none): the tab's controller
 */
DemoThumbnailController *
demo_thumbnail_tab_get_controller (GtkWidget *tab)
{
  g_return_val_if_fail (DEMO_IS_THUMBNAIL_TAB (tab), NULL);
  return DEMO_THUMBNAIL_TAB (tab)->controller;
}

/* }}} */
