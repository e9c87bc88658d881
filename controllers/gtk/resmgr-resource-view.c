/* resmgr-resource-view.c
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "resmgr-gtk-private.h"

/**
 * ResmgrResourceView:
 *
 * A live view of a [class@Resmgr.Monitor]: its components (id, state,
 * resources, bytes, leaks) and its resources (id, component, type, name,
 * bytes, since when, state) in two [class@Gtk.ColumnView]s. It only shows: the
 * lists are the monitor's, updated in batches on its context.
 *
 * A resource's id is shown as its number within its component ("#12",
 * beside the component's id); the tooltip has the whole id. Sizes are
 * shown in kB or MB, with the byte count in the tooltip.
 *
 * The same view is the resmgr page of the GTK Inspector
 * (`GTK_DEBUG=interactive`), registered when libresmgr-gtk-1 is loaded
 * (see [func@ResmgrGtk.inspector_page_register]).
 *
 * Since: 0.1
 */
struct _ResmgrResourceView
{
  GtkWidget      parent_instance;

  ResmgrMonitor *monitor;
  GtkWidget     *box;
};

G_DEFINE_FINAL_TYPE (ResmgrResourceView, resmgr_resource_view, GTK_TYPE_WIDGET)

static void
setup_label (GtkSignalListItemFactory *factory,
             GtkListItem              *item)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_list_item_set_child (item, label);
}

/* A resource id in short form. A manager's ids hold the component's serial
 * in their upper 32 bits and the resource's number within the component
 * in the lower ones (see resmgr-manager.c): beside the Component column the
 * number within it, "#12", says which one it is. Ids of other forms are
 * shown whole. */
static char *
format_resource_id (guint64 id)
{
  if (id >> 32 != 0)
    return g_strdup_printf ("#%u", (guint) (id & G_MAXUINT32));

  return g_strdup_printf ("%" G_GUINT64_FORMAT, id);
}

/* Shows any property of the row as text: resource ids in short form,
 * sizes in kB or MB, creation times as the local time. The tooltip has the whole value
 * (cells are ellipsized), and the full id. */
static void
bind_property_text (GtkSignalListItemFactory *factory,
                    GtkListItem              *item,
                    const char               *property)
{
  GObject *object = gtk_list_item_get_item (item);
  GtkWidget *label = gtk_list_item_get_child (item);
  GParamSpec *pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (object), property);
  g_auto(GValue) value = G_VALUE_INIT;
  g_auto(GValue) text = G_VALUE_INIT;
  g_autofree char *tooltip = NULL;

  if (pspec == NULL)
    return;

  g_value_init (&value, pspec->value_type);
  g_object_get_property (object, property, &value);
  g_value_init (&text, G_TYPE_STRING);
  if (G_VALUE_HOLDS_INT64 (&value) && g_str_equal (property, "created"))
    {
      /* A row is bound once: an age would go stale, the time it was
       * tracked does not. */
      gint64 age = g_get_monotonic_time () - g_value_get_int64 (&value);
      g_autoptr(GDateTime) now = g_date_time_new_now_local ();
      g_autoptr(GDateTime) created = g_date_time_add (now, -MAX (age, 0));

      g_value_take_string (&text, g_date_time_format (created, "%H:%M:%S"));
      tooltip = g_date_time_format (created, "Tracked at %H:%M:%S.%f");
    }
  else if (G_VALUE_HOLDS_UINT64 (&value) && g_str_equal (property, "bytes"))
    {
      g_value_take_string (&text, g_format_size (g_value_get_uint64 (&value)));
      tooltip = g_strdup_printf ("%" G_GUINT64_FORMAT " bytes", g_value_get_uint64 (&value));
    }
  else if (RESMGR_IS_MONITOR_RESOURCE (object) && g_str_equal (property, "id"))
    {
      guint64 id = g_value_get_uint64 (&value);

      g_value_take_string (&text, format_resource_id (id));
      tooltip = g_strdup_printf ("Resource id %" G_GUINT64_FORMAT " (0x%" G_GINT64_MODIFIER "x)", id, id);
    }
  else if (!g_value_transform (&value, &text))
    g_value_set_static_string (&text, "");
  gtk_label_set_text (GTK_LABEL (label), g_value_get_string (&text));
  gtk_widget_set_tooltip_text (label, tooltip != NULL ? tooltip : g_value_get_string (&text));
}

static void
add_column (GtkColumnView *view,
            const char    *title,
            const char    *property,
            gboolean       expand)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();
  GtkColumnViewColumn *column;

  g_signal_connect (factory, "setup", G_CALLBACK (setup_label), NULL);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_property_text), (gpointer) property);
  column = gtk_column_view_column_new (title, factory);
  gtk_column_view_column_set_expand (column, expand);
  gtk_column_view_column_set_resizable (column, TRUE);
  gtk_column_view_append_column (view, column);
  g_object_unref (column);
}

static GtkWidget *
scrolled (GtkWidget *child)
{
  GtkWidget *window = gtk_scrolled_window_new ();

  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (window), child);
  gtk_widget_set_vexpand (window, TRUE);
  gtk_widget_set_hexpand (window, TRUE);

  return window;
}

static void
resmgr_resource_view_dispose (GObject *object)
{
  ResmgrResourceView *self = RESMGR_RESOURCE_VIEW (object);

  g_clear_pointer (&self->box, gtk_widget_unparent);
  g_clear_object (&self->monitor);

  G_OBJECT_CLASS (resmgr_resource_view_parent_class)->dispose (object);
}

/* A GtkWidget subclass does not expand for its children by default: the
 * view expands as its lists do, so a vertical box (the inspector page, an
 * app's tab) gives them its height instead of their natural 2 rows. */
static void
resmgr_resource_view_compute_expand (GtkWidget *widget,
                                     gboolean  *hexpand,
                                     gboolean  *vexpand)
{
  ResmgrResourceView *self = RESMGR_RESOURCE_VIEW (widget);

  *hexpand = self->box != NULL && gtk_widget_compute_expand (self->box, GTK_ORIENTATION_HORIZONTAL);
  *vexpand = self->box != NULL && gtk_widget_compute_expand (self->box, GTK_ORIENTATION_VERTICAL);
}

static void
resmgr_resource_view_class_init (ResmgrResourceViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = resmgr_resource_view_dispose;
  widget_class->compute_expand = resmgr_resource_view_compute_expand;
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
resmgr_resource_view_init (ResmgrResourceView *self)
{
}

/**
 * resmgr_resource_view_new:
 * @monitor: the monitor to show
 *
 * Creates a view of @monitor's components and resources.
 *
 * Returns: (transfer floating): a new view
 *
 * Since: 0.1
 */
GtkWidget *
resmgr_resource_view_new (ResmgrMonitor *monitor)
{
  ResmgrResourceView *self;
  GtkWidget *components, *resources, *stack, *switcher;

  g_return_val_if_fail (RESMGR_IS_MONITOR (monitor), NULL);

  self = g_object_new (RESMGR_TYPE_RESOURCE_VIEW, NULL);
  self->monitor = g_object_ref (monitor);

  resources = gtk_column_view_new (GTK_SELECTION_MODEL (gtk_no_selection_new (g_object_ref (resmgr_monitor_get_resources (monitor)))));
  add_column (GTK_COLUMN_VIEW (resources), "Id", "id", FALSE);
  add_column (GTK_COLUMN_VIEW (resources), "Component", "component", FALSE);
  add_column (GTK_COLUMN_VIEW (resources), "Type", "type-name", FALSE);
  add_column (GTK_COLUMN_VIEW (resources), "Name", "name", TRUE);
  add_column (GTK_COLUMN_VIEW (resources), "Bytes", "bytes", FALSE);
  add_column (GTK_COLUMN_VIEW (resources), "Since", "created", FALSE);
  add_column (GTK_COLUMN_VIEW (resources), "State", "state-name", FALSE);

  components = gtk_column_view_new (GTK_SELECTION_MODEL (gtk_no_selection_new (g_object_ref (resmgr_monitor_get_components (monitor)))));
  add_column (GTK_COLUMN_VIEW (components), "Component", "id", TRUE);
  add_column (GTK_COLUMN_VIEW (components), "State", "state-name", FALSE);
  add_column (GTK_COLUMN_VIEW (components), "Resources", "n-resources", FALSE);
  add_column (GTK_COLUMN_VIEW (components), "Bytes", "bytes", FALSE);
  add_column (GTK_COLUMN_VIEW (components), "Leaks", "n-leaks", FALSE);

  stack = gtk_stack_new ();
  gtk_stack_add_titled (GTK_STACK (stack), scrolled (resources), "resources", "Resources");
  gtk_stack_add_titled (GTK_STACK (stack), scrolled (components), "components", "Components");
  switcher = gtk_stack_switcher_new ();
  gtk_stack_switcher_set_stack (GTK_STACK_SWITCHER (switcher), GTK_STACK (stack));
  gtk_widget_set_halign (switcher, GTK_ALIGN_CENTER);

  self->box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  gtk_box_append (GTK_BOX (self->box), switcher);
  gtk_box_append (GTK_BOX (self->box), stack);
  gtk_widget_set_parent (self->box, GTK_WIDGET (self));

  return GTK_WIDGET (self);
}

/**
 * resmgr_resource_view_get_monitor:
 * @self: a view
 *
 * Gets the monitor the view shows.
 *
 * Returns: (transfer none): the monitor
 *
 * Since: 0.1
 */
ResmgrMonitor *
resmgr_resource_view_get_monitor (ResmgrResourceView *self)
{
  g_return_val_if_fail (RESMGR_IS_RESOURCE_VIEW (self), NULL);

  return self->monitor;
}

/* The GTK Inspector page {{{ */

#define RESMGR_TYPE_INSPECTOR_PAGE (resmgr_inspector_page_get_type ())
G_DECLARE_FINAL_TYPE (ResmgrInspectorPage, resmgr_inspector_page, RESMGR, INSPECTOR_PAGE, GtkBox)

/* The inspector sets "object" and reads "title"; the page shows the
 * default service whatever the object. */
struct _ResmgrInspectorPage
{
  GtkBox   parent_instance;

  GObject *object;
};

G_DEFINE_FINAL_TYPE (ResmgrInspectorPage, resmgr_inspector_page, GTK_TYPE_BOX)

enum {
  PAGE_PROP_0,
  PAGE_PROP_TITLE,
  PAGE_PROP_OBJECT,
  PAGE_N_PROPS
};

static void
resmgr_inspector_page_get_property (GObject    *object,
                                    guint       prop_id,
                                    GValue     *value,
                                    GParamSpec *pspec)
{
  ResmgrInspectorPage *self = RESMGR_INSPECTOR_PAGE (object);

  switch (prop_id)
    {
    case PAGE_PROP_TITLE:
      g_value_set_static_string (value, "Resources (resmgr)");
      break;
    case PAGE_PROP_OBJECT:
      g_value_set_object (value, self->object);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
resmgr_inspector_page_set_property (GObject      *object,
                                    guint         prop_id,
                                    const GValue *value,
                                    GParamSpec   *pspec)
{
  ResmgrInspectorPage *self = RESMGR_INSPECTOR_PAGE (object);

  switch (prop_id)
    {
    case PAGE_PROP_OBJECT:
      g_set_object (&self->object, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
resmgr_inspector_page_dispose (GObject *object)
{
  g_clear_object (&RESMGR_INSPECTOR_PAGE (object)->object);

  G_OBJECT_CLASS (resmgr_inspector_page_parent_class)->dispose (object);
}

static void
resmgr_inspector_page_class_init (ResmgrInspectorPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = resmgr_inspector_page_get_property;
  object_class->set_property = resmgr_inspector_page_set_property;
  object_class->dispose = resmgr_inspector_page_dispose;

  g_object_class_install_property (object_class, PAGE_PROP_TITLE,
    g_param_spec_string ("title", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (object_class, PAGE_PROP_OBJECT,
    g_param_spec_object ("object", NULL, NULL, G_TYPE_OBJECT,
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));
}

static void
resmgr_inspector_page_init (ResmgrInspectorPage *self)
{
  g_autoptr(ResmgrMonitor) monitor = resmgr_monitor_new (resmgr_service_get_default ());

  gtk_orientable_set_orientation (GTK_ORIENTABLE (self), GTK_ORIENTATION_VERTICAL);
  gtk_box_append (GTK_BOX (self), resmgr_resource_view_new (monitor));
}

/* GTK 4.8's inspector builds its pages once, when its window is made: it
 * registers the "gtk-inspector-page" extension point (whoever comes first
 * creates it, the other gets the same one), loads its modules, then makes
 * one widget per extension and adds it to its top stack. With
 * GTK_DEBUG=interactive that window is made by gtk_init (), which PyGObject
 * calls when Gtk is imported and GtkApplication in its startup, before the
 * application's own startup handler: before any resmgr-gtk code runs. So
 * the extension is registered as soon as the library is loaded (below),
 * and an inspector window that exists already gets the page added to it.
 * Both on first use, nothing for the application to call. */
static void
inspector_page_implement (void)
{
  static gsize implemented;

  if (g_once_init_enter (&implemented))
    {
      GIOExtensionPoint *point = g_io_extension_point_register ("gtk-inspector-page");

      g_io_extension_point_set_required_type (point, GTK_TYPE_WIDGET);
      g_io_extension_point_implement ("gtk-inspector-page", RESMGR_TYPE_INSPECTOR_PAGE, "resmgr", 10);
      g_once_init_leave (&implemented, 1);
    }
}

/* The inspector's top stack is the one its header's GtkStackSwitcher shows
 * (pages "objects", "global", …); another stack with the same page names
 * holds a header button per page, shown with the page. */
static void
find_inspector_stacks (GtkWidget  *widget,
                       GtkStack  **top,
                       GPtrArray  *button_stacks)
{
  if (GTK_IS_STACK_SWITCHER (widget))
    {
      GtkStack *stack = gtk_stack_switcher_get_stack (GTK_STACK_SWITCHER (widget));

      if (stack != NULL && gtk_stack_get_child_by_name (stack, "objects") != NULL)
        *top = stack;
    }
  else if (GTK_IS_STACK (widget)
           && gtk_stack_get_child_by_name (GTK_STACK (widget), "objects") != NULL
           && gtk_stack_get_child_by_name (GTK_STACK (widget), "global") != NULL)
    g_ptr_array_add (button_stacks, widget);

  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    find_inspector_stacks (child, top, button_stacks);
}

/* Adds the page to an inspector window made before the extension was
 * registered, as the inspector would have. Returns whether it has one. */
static gboolean
inspector_window_add_page (GtkWidget *inspector)
{
  g_autoptr(GPtrArray) button_stacks = g_ptr_array_new ();
  GtkStack *top = NULL;

  find_inspector_stacks (inspector, &top, button_stacks);
  if (top == NULL)
    return FALSE; /* not the GTK 4 inspector we know: leave it */
  if (gtk_stack_get_child_by_name (top, "resmgr") != NULL)
    return TRUE;

  for (guint i = 0; i < button_stacks->len; i++)
    {
      GtkStack *stack = g_ptr_array_index (button_stacks, i);

      if (stack != top)
        gtk_stack_add_named (stack, gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0), "resmgr");
    }
  gtk_stack_add_titled (top, g_object_new (RESMGR_TYPE_INSPECTOR_PAGE, NULL), "resmgr", "Resources (resmgr)");

  return TRUE;
}

static void
inspector_page_add_to_open_inspectors (void)
{
  GType inspector_type = g_type_from_name ("GtkInspectorWindow");
  g_autoptr(GList) toplevels = NULL;

  if (inspector_type == 0 || !gtk_is_initialized ())
    return;

  toplevels = gtk_window_list_toplevels ();
  for (GList *l = toplevels; l != NULL; l = l->next)
    if (G_TYPE_CHECK_INSTANCE_TYPE (l->data, inspector_type))
      inspector_window_add_page (l->data);
}

static gboolean
add_to_open_inspectors_idle (gpointer data)
{
  inspector_page_add_to_open_inspectors ();

  return G_SOURCE_REMOVE;
}

/* Runs when libresmgr-gtk-1 is loaded: at the start of a C program linked
 * to it, or at a binding's first use of a ResmgrGtk symbol (GObject
 * introspection opens the library lazily). Registers types only; GTK
 * windows are touched from the main context, if GTK is up already. */
__attribute__((constructor)) static void
resmgr_inspector_page_on_load (void)
{
  inspector_page_implement ();
  if (gtk_is_initialized ())
    g_idle_add_full (G_PRIORITY_DEFAULT, add_to_open_inspectors_idle, NULL, NULL);
}

/**
 * resmgr_inspector_page_register:
 *
 * Makes sure the GTK Inspector (`GTK_DEBUG=interactive` or Ctrl+Shift+I)
 * has a "Resources (resmgr)" page, a [class@ResmgrGtk.ResourceView] of the
 * default service.
 *
 * Applications need not call it: the page is registered when
 * libresmgr-gtk-1 is loaded (at the start of a C program linked to it; in
 * Python or JavaScript at the first use of anything in the `ResmgrGtk`
 * namespace), and added to an inspector window that GTK made before
 * (with `GTK_DEBUG=interactive`, GTK makes it in gtk_init(), which
 * PyGObject runs when `Gtk` is imported, and #GtkApplication at startup
 * before the application's handler). This call does the same
 * at once, for an inspector opened in between. Safe to call more than
 * once; from the main thread.
 *
 * Since: 0.1
 */
void
resmgr_inspector_page_register (void)
{
  inspector_page_implement ();
  inspector_page_add_to_open_inspectors ();
}

/* }}} */
