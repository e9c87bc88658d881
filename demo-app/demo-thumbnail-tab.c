/* demo-thumbnail-tab.c
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "demo-thumbnail-tab.h"
#include "demo-tab-util.h"

/**
 * DemoThumbnailTab:
 *
 * The Thumbnails tab: a folder chooser, a Cancel button, the memory budget
 * (KiB) and a grid of the thumbnails (or of the errors of the images that
 * failed). It builds widgets, binds them to its
 * [class@DemoThumbnailController] and forwards clicks; the controller,
 * bound to the tab with resmgr_controller_bind_widget(), does the work and
 * is cleaned up on the main loop right after the tab's destruction.
 *
 * GTK thread only.
 */

struct _DemoThumbnailTab
{
  GtkWidget     parent_instance;

  DemoTabParts  parts;
};

G_DEFINE_FINAL_TYPE (DemoThumbnailTab, demo_thumbnail_tab, GTK_TYPE_WIDGET)

/* Actions {{{ */

static void
folder_chosen (GtkWidget *tab,
               GFile     *folder)
{
  demo_thumbnail_controller_load (demo_thumbnail_tab_get_controller (tab), folder);
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
  GtkWidget *failed = gtk_label_new ("Could not be decoded\n(the tooltip says why)");
  GtkWidget *label = gtk_label_new (NULL);

  gtk_widget_set_size_request (picture, DEMO_THUMBNAIL_SIZE, DEMO_THUMBNAIL_SIZE);
  gtk_picture_set_can_shrink (GTK_PICTURE (picture), TRUE);
  gtk_picture_set_content_fit (GTK_PICTURE (picture), GTK_CONTENT_FIT_SCALE_DOWN);
  /* In the picture's place when the image failed. */
  gtk_widget_set_size_request (failed, DEMO_THUMBNAIL_SIZE, DEMO_THUMBNAIL_SIZE);
  gtk_label_set_justify (GTK_LABEL (failed), GTK_JUSTIFY_CENTER);
  gtk_label_set_wrap (GTK_LABEL (failed), TRUE);
  gtk_widget_add_css_class (failed, "dim-label");
  gtk_widget_set_visible (failed, FALSE);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_MIDDLE);
  gtk_label_set_max_width_chars (GTK_LABEL (label), 16);
  gtk_box_append (GTK_BOX (cell), picture);
  gtk_box_append (GTK_BOX (cell), failed);
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
  GtkWidget *failed = gtk_widget_get_next_sibling (picture);
  GtkWidget *label = gtk_widget_get_next_sibling (failed);
  const char *error = demo_thumbnail_get_error (thumbnail);

  gtk_label_set_label (GTK_LABEL (label), demo_thumbnail_get_name (thumbnail));
  gtk_widget_set_tooltip_text (cell, error != NULL ? error : demo_thumbnail_get_path (thumbnail));
  gtk_widget_set_visible (picture, error == NULL);
  gtk_widget_set_visible (failed, error != NULL);
  if (error != NULL)
    gtk_widget_add_css_class (label, "error");

  demo_tab_bind_item (item, thumbnail, "texture", picture, "paintable");
}

static void
cell_unbind_cb (GtkSignalListItemFactory *factory,
                GtkListItem              *item,
                gpointer                  user_data)
{
  GtkWidget *cell = gtk_list_item_get_child (item);
  GtkWidget *picture = gtk_widget_get_first_child (cell);
  GtkWidget *label = gtk_widget_get_last_child (cell);

  demo_tab_unbind_item (item);
  gtk_picture_set_paintable (GTK_PICTURE (picture), NULL);
  gtk_widget_remove_css_class (label, "error");
  gtk_widget_set_tooltip_text (cell, NULL);
}

/* }}} */

/* Construction {{{ */

static GtkWidget *
build (GtkWidget *tab)
{
  DemoThumbnailTab *self = DEMO_THUMBNAIL_TAB (tab);
  DemoThumbnailController *controller = demo_thumbnail_tab_get_controller (tab);
  GtkWidget *box, *header, *spinner, *budget_label, *budget, *status;
  GtkWidget *scroll, *grid;
  GtkListItemFactory *factory;
  GtkSelectionModel *selection;

  box = demo_tab_build_top (&self->parts, "Choose a Folder of Images", "_Load", folder_chosen,
                            &header, &spinner, &status);
  budget_label = gtk_label_new_with_mnemonic ("_Budget (KiB, 0 = no limit)");
  budget = gtk_spin_button_new_with_range (0, 1024 * 1024, 64);
  gtk_label_set_mnemonic_widget (GTK_LABEL (budget_label), budget);
  gtk_widget_set_hexpand (spinner, TRUE);
  gtk_widget_set_halign (spinner, GTK_ALIGN_START);
  gtk_box_append (GTK_BOX (header), budget_label);
  gtk_box_append (GTK_BOX (header), budget);
  gtk_box_append (GTK_BOX (box), status);

  factory = gtk_signal_list_item_factory_new ();
  g_signal_connect (factory, "setup", G_CALLBACK (cell_setup_cb), NULL);
  g_signal_connect (factory, "bind", G_CALLBACK (cell_bind_cb), NULL);
  g_signal_connect (factory, "unbind", G_CALLBACK (cell_unbind_cb), NULL);
  selection = GTK_SELECTION_MODEL (gtk_no_selection_new (
    g_object_ref (demo_thumbnail_controller_get_thumbnails (controller))));
  grid = gtk_grid_view_new (selection, factory);
  gtk_grid_view_set_max_columns (GTK_GRID_VIEW (grid), 12);
  scroll = gtk_scrolled_window_new ();
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroll), grid);
  gtk_widget_set_vexpand (scroll, TRUE);
  gtk_box_append (GTK_BOX (box),
                  demo_list_or_empty_new (demo_thumbnail_controller_get_thumbnails (controller), scroll,
                                          demo_empty_state_new ("No thumbnails yet",
                                                                "Press Choose Folder… and pick a folder of "
                                                                "images. Set a budget first to see the oldest "
                                                                "thumbnails evicted when it is exceeded.")));

  g_object_bind_property_full (controller, "budget", budget, "value",
                               G_BINDING_SYNC_CREATE | G_BINDING_BIDIRECTIONAL,
                               bytes_to_kib, kib_to_bytes, NULL, NULL);

  return box;
}

static void
demo_thumbnail_tab_constructed (GObject *object)
{
  DemoThumbnailTab *self = DEMO_THUMBNAIL_TAB (object);

  G_OBJECT_CLASS (demo_thumbnail_tab_parent_class)->constructed (object);

  demo_tab_construct (&self->parts, GTK_WIDGET (self),
                      demo_thumbnail_controller_new (self->parts.service), build);
}

static void
demo_thumbnail_tab_dispose (GObject *object)
{
  demo_tab_dispose (&DEMO_THUMBNAIL_TAB (object)->parts);

  G_OBJECT_CLASS (demo_thumbnail_tab_parent_class)->dispose (object);
}

static void
demo_thumbnail_tab_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  demo_tab_get_property (&DEMO_THUMBNAIL_TAB (object)->parts, object, prop_id, value, pspec);
}

static void
demo_thumbnail_tab_set_property (GObject      *object,
                                 guint         prop_id,
                                 const GValue *value,
                                 GParamSpec   *pspec)
{
  demo_tab_set_property (&DEMO_THUMBNAIL_TAB (object)->parts, object, prop_id, value, pspec);
}

static void
demo_thumbnail_tab_class_init (DemoThumbnailTabClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = demo_thumbnail_tab_constructed;
  object_class->dispose = demo_thumbnail_tab_dispose;
  object_class->get_property = demo_thumbnail_tab_get_property;
  object_class->set_property = demo_thumbnail_tab_set_property;

  /* DemoThumbnailTab:service (construct-only, %NULL for the default
   * service) and DemoThumbnailTab:controller (read-only). */
  demo_tab_class_setup (GTK_WIDGET_CLASS (klass), DEMO_TYPE_THUMBNAIL_CONTROLLER);
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
  return DEMO_THUMBNAIL_CONTROLLER (DEMO_THUMBNAIL_TAB (tab)->parts.controller);
}

/* }}} */
