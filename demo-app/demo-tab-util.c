/* demo-tab-util.c
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "demo-tab-util.h"

/*
 * The tabs of the worker controllers ([class@DemoChecksumTab],
 * [class@DemoThumbnailTab]) are built the same way: a controller made at
 * construction for the tab's service and bound to the tab with
 * resmgr_controller_bind_widget(), a box of widgets under a header with a
 * folder chooser button, a Cancel button, a spinner and a status label bound
 * to the controller. These helpers are that common part; each tab adds its
 * own widgets.
 *
 * Every tab of the window gets its page from demo_tab_page_new(): a line
 * saying what resmgr does there, above the tab. Lists that start empty
 * show an empty state (demo_empty_state_new()) until they have items.
 *
 * GTK thread only.
 */

#define BINDING_KEY "demo-tab-binding"

/* Properties {{{ */

void
demo_tab_class_setup (GtkWidgetClass *widget_class,
                      GType           controller_type)
{
  GObjectClass *object_class = G_OBJECT_CLASS (widget_class);

  /* <Tab>:service: the service the tab's controller tracks through; %NULL
   * (the default) for the default service. */
  g_object_class_install_property (object_class, DEMO_TAB_PROP_SERVICE,
    g_param_spec_object ("service", NULL, NULL, RESMGR_TYPE_SERVICE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                         G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY));

  /* <Tab>:controller: the tab's controller. */
  g_object_class_install_property (object_class, DEMO_TAB_PROP_CONTROLLER,
    g_param_spec_object ("controller", NULL, NULL, controller_type,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY));

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

void
demo_tab_get_property (DemoTabParts *parts,
                       GObject      *object,
                       guint         prop_id,
                       GValue       *value,
                       GParamSpec   *pspec)
{
  switch (prop_id)
    {
    case DEMO_TAB_PROP_SERVICE:
      g_value_set_object (value, parts->service);
      break;
    case DEMO_TAB_PROP_CONTROLLER:
      g_value_set_object (value, parts->controller);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

void
demo_tab_set_property (DemoTabParts *parts,
                       GObject      *object,
                       guint         prop_id,
                       const GValue *value,
                       GParamSpec   *pspec)
{
  switch (prop_id)
    {
    case DEMO_TAB_PROP_SERVICE:
      parts->service = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

/* }}} */

/* Life cycle {{{ */

/* From the tab's constructed(): takes @controller (made for
 * parts->service), binds it to @tab, and makes @tab the parent of what
 * @build returns. */
void
demo_tab_construct (DemoTabParts *parts,
                    GtkWidget    *tab,
                    gpointer      controller,
                    GtkWidget  *(*build) (GtkWidget *tab))
{
  parts->tab = tab;
  parts->controller = controller;
  resmgr_controller_bind_widget (RESMGR_CONTROLLER (parts->controller), tab);

  parts->box = build (tab);
  gtk_widget_set_parent (parts->box, tab);
}

/* From the tab's dispose(), before chaining up. */
void
demo_tab_dispose (DemoTabParts *parts)
{
  if (parts->chooser != NULL)
    {
      g_signal_handlers_disconnect_by_data (parts->chooser, parts);
      gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (parts->chooser));
      g_clear_object (&parts->chooser);
    }
  g_clear_pointer (&parts->box, gtk_widget_unparent);
  /* The binding holds its own reference until the tab's ::destroy, which
   * the chain-up emits. */
  g_clear_object (&parts->controller);
  g_clear_object (&parts->service);
}

/* }}} */

/* Header {{{ */

static void
chooser_response_cb (GtkNativeDialog *dialog,
                     int              response,
                     DemoTabParts    *parts)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) folder = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));

      if (folder != NULL)
        parts->folder_chosen (parts->tab, folder);
    }

  gtk_native_dialog_destroy (dialog);
  g_clear_object (&parts->chooser);
}

static void
choose_clicked_cb (GtkButton    *button,
                   DemoTabParts *parts)
{
  GtkRoot *root = gtk_widget_get_root (parts->tab);

  if (parts->chooser != NULL)
    return;

  parts->chooser = gtk_file_chooser_native_new (parts->chooser_title,
                                                GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                                GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER,
                                                parts->chooser_accept, "_Cancel");
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (parts->chooser), TRUE);
  g_signal_connect (parts->chooser, "response", G_CALLBACK (chooser_response_cb), parts);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (parts->chooser));
}

static void
cancel_clicked_cb (GtkButton    *button,
                   DemoTabParts *parts)
{
  demo_jobs_controller_cancel (parts->controller);
}

/* Makes the tab's box (with margins) and its header: a "Choose Folder…"
 * button that runs a folder chooser (@chooser_title, @chooser_accept) and
 * gives the chosen folder to @folder_chosen, a Cancel button, and a spinner;
 * and a status label, not placed yet. The buttons and the spinner follow
 * the controller's busy, the label its status.
 *
 * Returns: the box, with the header in it */
GtkWidget *
demo_tab_build_top (DemoTabParts       *parts,
                    const char         *chooser_title,
                    const char         *chooser_accept,
                    DemoTabFolderFunc   folder_chosen,
                    GtkWidget         **header,
                    GtkWidget         **spinner,
                    GtkWidget         **status)
{
  GtkWidget *box, *choose, *cancel;

  parts->chooser_title = chooser_title;
  parts->chooser_accept = chooser_accept;
  parts->folder_chosen = folder_chosen;

  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  gtk_widget_set_margin_top (box, 12);
  gtk_widget_set_margin_bottom (box, 12);
  gtk_widget_set_margin_start (box, 12);
  gtk_widget_set_margin_end (box, 12);

  *header = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  choose = gtk_button_new_with_mnemonic ("_Choose Folder…");
  cancel = gtk_button_new_with_mnemonic ("C_ancel");
  *spinner = gtk_spinner_new ();
  *status = gtk_label_new (NULL);
  gtk_label_set_xalign (GTK_LABEL (*status), 0.0);
  gtk_label_set_ellipsize (GTK_LABEL (*status), PANGO_ELLIPSIZE_END);
  gtk_box_append (GTK_BOX (*header), choose);
  gtk_box_append (GTK_BOX (*header), cancel);
  gtk_box_append (GTK_BOX (*header), *spinner);
  gtk_box_append (GTK_BOX (box), *header);

  g_signal_connect (choose, "clicked", G_CALLBACK (choose_clicked_cb), parts);
  g_signal_connect (cancel, "clicked", G_CALLBACK (cancel_clicked_cb), parts);

  g_object_bind_property (parts->controller, "busy", choose, "sensitive",
                          G_BINDING_SYNC_CREATE | G_BINDING_INVERT_BOOLEAN);
  g_object_bind_property (parts->controller, "busy", cancel, "sensitive", G_BINDING_SYNC_CREATE);
  g_object_bind_property (parts->controller, "busy", *spinner, "spinning", G_BINDING_SYNC_CREATE);
  g_object_bind_property (parts->controller, "status", *status, "label", G_BINDING_SYNC_CREATE);

  return box;
}

/* }}} */

/* List items {{{ */

/* Binds @source's @source_property to @target's @target_property for as long
 * as @item is bound. */
void
demo_tab_bind_item (GtkListItem *item,
                    gpointer     source,
                    const char  *source_property,
                    gpointer     target,
                    const char  *target_property)
{
  GBinding *binding = g_object_bind_property (source, source_property, target, target_property,
                                              G_BINDING_SYNC_CREATE);

  g_object_set_data_full (G_OBJECT (item), BINDING_KEY, g_object_ref (binding), g_object_unref);
}

void
demo_tab_unbind_item (GtkListItem *item)
{
  GBinding *binding = g_object_steal_data (G_OBJECT (item), BINDING_KEY);

  if (binding != NULL)
    {
      g_binding_unbind (binding);
      g_object_unref (binding);
    }
}

/* }}} */

/* Pages and empty states {{{ */

/* A notebook page: one line saying what resmgr does in @tab, above it.
 * The tab stays free of it (the GL tab is built elsewhere) and the line is
 * the tab's accessible description. */
GtkWidget *
demo_tab_page_new (GtkWidget  *tab,
                   const char *description)
{
  GtkWidget *page = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *label = gtk_label_new (description);

  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_xalign (GTK_LABEL (label), 0.0);
  gtk_widget_add_css_class (label, "dim-label");
  gtk_widget_set_margin_top (label, 12);
  gtk_widget_set_margin_start (label, 12);
  gtk_widget_set_margin_end (label, 12);
  gtk_widget_set_vexpand (tab, TRUE);
  gtk_box_append (GTK_BOX (page), label);
  gtk_box_append (GTK_BOX (page), tab);
  gtk_accessible_update_relation (GTK_ACCESSIBLE (tab),
                                  GTK_ACCESSIBLE_RELATION_DESCRIBED_BY, label, NULL,
                                  -1);

  return page;
}

/* What a list shows while it has nothing: @title, and under it
 * @explanation (what will appear, how to make it happen). */
GtkWidget *
demo_empty_state_new (const char *title,
                      const char *explanation)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  GtkWidget *heading = gtk_label_new (title);
  GtkWidget *text = gtk_label_new (explanation);

  gtk_widget_add_css_class (heading, "heading");
  gtk_widget_add_css_class (heading, "dim-label");
  gtk_label_set_wrap (GTK_LABEL (text), TRUE);
  gtk_label_set_justify (GTK_LABEL (text), GTK_JUSTIFY_CENTER);
  gtk_label_set_max_width_chars (GTK_LABEL (text), 36);
  gtk_widget_add_css_class (text, "dim-label");
  gtk_box_append (GTK_BOX (box), heading);
  gtk_box_append (GTK_BOX (box), text);
  gtk_widget_set_valign (box, GTK_ALIGN_CENTER);
  gtk_widget_set_margin_start (box, 12);
  gtk_widget_set_margin_end (box, 12);
  gtk_widget_set_margin_top (box, 6);
  gtk_widget_set_margin_bottom (box, 6);

  return box;
}

static void
list_or_empty_update (GtkWidget  *holder,
                      guint       position,
                      guint       removed,
                      guint       added,
                      GListModel *model)
{
  GtkWidget *list = gtk_widget_get_first_child (holder);
  GtkWidget *empty = gtk_widget_get_next_sibling (list);
  gboolean has_items = g_list_model_get_n_items (model) > 0;

  gtk_widget_set_visible (list, has_items);
  gtk_widget_set_visible (empty, !has_items);
}

/* @list (showing @model) while @model has items, else @empty_state, in
 * the space @list would take. */
GtkWidget *
demo_list_or_empty_new (GListModel *model,
                        GtkWidget  *list,
                        GtkWidget  *empty_state)
{
  GtkWidget *holder = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);

  gtk_widget_set_vexpand (empty_state, gtk_widget_get_vexpand (list));

  gtk_box_append (GTK_BOX (holder), list);
  gtk_box_append (GTK_BOX (holder), empty_state);
  g_signal_connect_object (model, "items-changed", G_CALLBACK (list_or_empty_update),
                           holder, G_CONNECT_SWAPPED);
  list_or_empty_update (holder, 0, 0, 0, model);

  return holder;
}

/* }}} */
