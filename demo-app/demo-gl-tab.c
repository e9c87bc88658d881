/* demo-gl-tab.c
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "demo-gl-tab.h"

/**
 * DemoGLTab:
 *
 * The GL view tab: a [class@Gtk.GLArea] drawn by a [class@Demo.GLController],
 * buttons that forward to it, and labels bound to its properties. No GL
 * and no resource code here: the controller, bound to the tab, owns it all
 * (the GL objects and the jobs that decode the chosen image into its
 * texture) and is cleaned up on the main loop right after the tab's
 * destruction.
 *
 * "Choose Image…" runs a file chooser and hands the file to the
 * controller, which decodes it in a worker job (the progress bar and Cancel
 * follow the job) and puts it on the polygon.
 *
 * "Move to new window" takes the area out of the tab and into a window of
 * its own (the area is unrealized and realized again, so the controller's
 * container objects are re-created in the new context); "Move back" puts it
 * back and destroys that window. Closing the window moves the area back
 * too. If the tab goes away while the area is out, the window goes with it.
 */

struct _DemoGLTab
{
  GtkWidget             parent_instance;

  DemoGLController     *controller;
  GtkWidget            *area;            /* ours: it moves between parents */
  GtkWidget            *slot;            /* where the area lives in the tab */
  GtkWidget            *placeholder;
  GtkWidget            *move_button;
  GtkWidget            *texture_label;
  GtkFileChooserNative *chooser;         /* while choosing an image */

  GtkWidget            *window;          /* the area's own window, while detached */
  gulong                window_destroy_id;
  gulong                window_close_id;
};

G_DEFINE_FINAL_TYPE (DemoGLTab, demo_gl_tab, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_CONTROLLER,
  PROP_DETACHED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* Moving the area {{{ */

/* Puts the area into the slot, out of wherever it is. */
static void
put_area_in_slot (DemoGLTab *self)
{
  GtkWidget *parent = gtk_widget_get_parent (self->area);

  if (parent == self->slot)
    return;
  if (self->window != NULL && gtk_window_get_child (GTK_WINDOW (self->window)) == self->area)
    gtk_window_set_child (GTK_WINDOW (self->window), NULL);
  else if (parent != NULL)
    gtk_widget_unparent (self->area);

  gtk_widget_set_visible (self->placeholder, FALSE);
  gtk_box_append (GTK_BOX (self->slot), self->area);
}

/* Forgets the window, whatever happens to it next. */
static GtkWidget *
steal_window (DemoGLTab *self)
{
  GtkWidget *window = g_steal_pointer (&self->window);

  if (window != NULL)
    {
      g_clear_signal_handler (&self->window_destroy_id, window);
      g_clear_signal_handler (&self->window_close_id, window);
    }

  return window;
}

/* Destroyed by someone else (an application closing all its windows):
 * the area comes home. */
static void
on_window_destroy (GtkWidget *window,
                   DemoGLTab *self)
{
  put_area_in_slot (self);
  steal_window (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DETACHED]);
}

/* Closed by the user: the area comes home and the window goes as usual. */
static gboolean
on_window_close_request (GtkWindow *window,
                         DemoGLTab *self)
{
  put_area_in_slot (self);
  steal_window (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DETACHED]);

  return FALSE;
}

/**
 * demo_gl_tab_move_to_window:
 * @tab: a GL tab
 *
 * Moves the GL area out of the tab into a new window. Does nothing when it
 * is out already.
 */
void
demo_gl_tab_move_to_window (DemoGLTab *tab)
{
  GtkWidget *window;

  g_return_if_fail (DEMO_IS_GL_TAB (tab));

  if (tab->window != NULL)
    return;

  window = gtk_window_new ();
  gtk_window_set_title (GTK_WINDOW (window), "GL view");
  gtk_window_set_default_size (GTK_WINDOW (window), 320, 320);

  /* Out of the slot (unrealized there, with its context), into the
   * window (realized with a new context when the window shows). */
  gtk_box_remove (GTK_BOX (tab->slot), tab->area);
  gtk_widget_set_visible (tab->placeholder, TRUE);
  gtk_window_set_child (GTK_WINDOW (window), tab->area);

  tab->window = window;
  tab->window_destroy_id = g_signal_connect (window, "destroy", G_CALLBACK (on_window_destroy), tab);
  tab->window_close_id = g_signal_connect (window, "close-request", G_CALLBACK (on_window_close_request), tab);

  g_object_notify_by_pspec (G_OBJECT (tab), properties[PROP_DETACHED]);
  gtk_window_present (GTK_WINDOW (window));
}

/**
 * demo_gl_tab_move_back:
 * @tab: a GL tab
 *
 * Puts the GL area back into the tab and destroys the window it was in.
 * Does nothing when it is in the tab.
 */
void
demo_gl_tab_move_back (DemoGLTab *tab)
{
  GtkWidget *window;

  g_return_if_fail (DEMO_IS_GL_TAB (tab));

  if (tab->window == NULL)
    return;

  /* Out of the window while it is alive (the area unrealizes with its
   * context there), then the window goes. Notified once the window is
   * forgotten: :detached is FALSE by then. */
  put_area_in_slot (tab);
  window = steal_window (tab);
  g_object_notify_by_pspec (G_OBJECT (tab), properties[PROP_DETACHED]);
  gtk_window_destroy (GTK_WINDOW (window));
}

/**
 * demo_gl_tab_get_detached:
 * @tab: a GL tab
 *
 * Returns: whether the GL area is in a window of its own
 */
gboolean
demo_gl_tab_get_detached (DemoGLTab *tab)
{
  g_return_val_if_fail (DEMO_IS_GL_TAB (tab), FALSE);

  return tab->window != NULL;
}

/**
 * demo_gl_tab_get_window:
 * @tab: a GL tab
 *
 * Returns: (transfer none) (nullable): the window the GL area is in while
 *   detached
 */
GtkWindow *
demo_gl_tab_get_window (DemoGLTab *tab)
{
  g_return_val_if_fail (DEMO_IS_GL_TAB (tab), NULL);

  return tab->window ? GTK_WINDOW (tab->window) : NULL;
}

/* }}} */

/* Widgets {{{ */

static void
chooser_response_cb (GtkNativeDialog *dialog,
                     int              response,
                     DemoGLTab       *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));

      if (file != NULL)
        demo_gl_controller_load_image (self->controller, file);
    }

  gtk_native_dialog_destroy (dialog);
  g_clear_object (&self->chooser);
}

static void
on_choose_clicked (GtkButton *button,
                   DemoGLTab *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();

  if (self->chooser != NULL)
    return;

  gtk_file_filter_set_name (filter, "Images");
  gtk_file_filter_add_pixbuf_formats (filter);
  self->chooser = gtk_file_chooser_native_new ("Choose an Image for the Texture",
                                               GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                               GTK_FILE_CHOOSER_ACTION_OPEN, "_Open", "_Cancel");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (self->chooser), filter);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->chooser), TRUE);
  g_signal_connect (self->chooser, "response", G_CALLBACK (chooser_response_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

static void
on_cancel_clicked (GtkButton *button,
                   DemoGLTab *self)
{
  demo_gl_controller_cancel_load (self->controller);
}

static void
on_texture_size (DemoGLController *controller,
                 GParamSpec       *pspec,
                 DemoGLTab        *self)
{
  guint width = demo_gl_controller_get_texture_width (controller);
  guint height = demo_gl_controller_get_texture_height (controller);
  g_autofree char *text = width > 0 ? g_strdup_printf ("Texture: %u×%u", width, height)
                                    : g_strdup ("Texture: none");

  gtk_label_set_label (GTK_LABEL (self->texture_label), text);
}

static void
on_reallocate_clicked (GtkButton *button,
                       DemoGLTab *self)
{
  demo_gl_controller_reallocate (self->controller);
}

static void
on_move_clicked (GtkButton *button,
                 DemoGLTab *self)
{
  if (demo_gl_tab_get_detached (self))
    demo_gl_tab_move_back (self);
  else
    demo_gl_tab_move_to_window (self);
}

static void
on_render_clicked (GtkButton *button,
                   DemoGLTab *self)
{
  demo_gl_controller_render_frames (self->controller, 100);
}

static gboolean
format_uint (GBinding     *binding,
             const GValue *from,
             GValue       *to,
             gpointer      user_data)
{
  g_value_take_string (to, g_strdup_printf (user_data, g_value_get_uint (from)));
  return TRUE;
}

static gboolean
format_bytes (GBinding     *binding,
              const GValue *from,
              GValue       *to,
              gpointer      user_data)
{
  g_autofree char *size = g_format_size (g_value_get_uint64 (from));

  g_value_take_string (to, g_strdup_printf (user_data, size));
  return TRUE;
}

static gboolean
format_move_label (GBinding     *binding,
                   const GValue *from,
                   GValue       *to,
                   gpointer      user_data)
{
  g_value_set_string (to, g_value_get_boolean (from) ? "Move back" : "Move to new window");
  return TRUE;
}

static GtkWidget *
stat_label (DemoGLTab             *self,
            const char            *property,
            GBindingTransformFunc  transform,
            const char            *format)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_widget_add_css_class (label, "numeric");
  g_object_bind_property_full (self->controller, property, label, "label", G_BINDING_SYNC_CREATE,
                               transform, NULL, (gpointer) format, NULL);

  return label;
}

static void
build_ui (DemoGLTab *self)
{
  GtkWidget *box, *buttons, *stats, *button, *check, *status, *progress;

  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  gtk_widget_set_margin_top (box, 12);
  gtk_widget_set_margin_bottom (box, 12);
  gtk_widget_set_margin_start (box, 12);
  gtk_widget_set_margin_end (box, 12);
  gtk_widget_set_parent (box, GTK_WIDGET (self));

  self->slot = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  gtk_widget_set_vexpand (self->slot, TRUE);
  gtk_widget_set_hexpand (self->slot, TRUE);
  gtk_box_append (GTK_BOX (box), self->slot);

  self->placeholder = gtk_label_new ("The GL view is in its own window.");
  gtk_widget_add_css_class (self->placeholder, "dim-label");
  gtk_widget_set_vexpand (self->placeholder, TRUE);
  gtk_widget_set_visible (self->placeholder, FALSE);
  gtk_box_append (GTK_BOX (self->slot), self->placeholder);
  gtk_box_append (GTK_BOX (self->slot), self->area);

  buttons = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  gtk_box_append (GTK_BOX (box), buttons);

  button = gtk_button_new_with_mnemonic ("Choose _Image…");
  gtk_widget_set_tooltip_text (button, "Decode an image file in a worker job and put it on the polygon");
  g_signal_connect (button, "clicked", G_CALLBACK (on_choose_clicked), self);
  gtk_box_append (GTK_BOX (buttons), button);

  button = gtk_button_new_with_mnemonic ("C_ancel");
  g_object_bind_property (self->controller, "busy", button, "sensitive", G_BINDING_SYNC_CREATE);
  g_signal_connect (button, "clicked", G_CALLBACK (on_cancel_clicked), self);
  gtk_box_append (GTK_BOX (buttons), button);

  progress = gtk_progress_bar_new ();
  gtk_widget_set_valign (progress, GTK_ALIGN_CENTER);
  gtk_widget_set_size_request (progress, 80, -1);
  g_object_bind_property (self->controller, "decode-progress", progress, "fraction", G_BINDING_SYNC_CREATE);
  g_object_bind_property (self->controller, "busy", progress, "visible", G_BINDING_SYNC_CREATE);
  gtk_box_append (GTK_BOX (buttons), progress);

  button = gtk_button_new_with_mnemonic ("_Reallocate");
  gtk_widget_set_tooltip_text (button, "Release the buffers and make new ones");
  g_signal_connect (button, "clicked", G_CALLBACK (on_reallocate_clicked), self);
  gtk_box_append (GTK_BOX (buttons), button);

  self->move_button = gtk_button_new ();
  g_object_bind_property_full (self, "detached", self->move_button, "label", G_BINDING_SYNC_CREATE,
                               format_move_label, NULL, NULL, NULL);
  g_signal_connect (self->move_button, "clicked", G_CALLBACK (on_move_clicked), self);
  gtk_box_append (GTK_BOX (buttons), self->move_button);

  button = gtk_button_new_with_mnemonic ("Render _100 frames");
  g_signal_connect (button, "clicked", G_CALLBACK (on_render_clicked), self);
  gtk_box_append (GTK_BOX (buttons), button);

  check = gtk_check_button_new_with_mnemonic ("_Animate");
  g_object_bind_property (self->controller, "animate", check, "active",
                          G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);
  gtk_box_append (GTK_BOX (buttons), check);

  stats = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 18);
  gtk_box_append (GTK_BOX (box), stats);
  gtk_box_append (GTK_BOX (stats), stat_label (self, "frames-rendered", format_uint, "Frames: %u"));
  gtk_box_append (GTK_BOX (stats), stat_label (self, "n-gl-objects", format_uint, "GL objects: %u"));
  gtk_box_append (GTK_BOX (stats), stat_label (self, "gl-bytes", format_bytes, "GL memory: %s"));
  gtk_box_append (GTK_BOX (stats), stat_label (self, "recreations", format_uint, "Re-created: %u"));
  gtk_box_append (GTK_BOX (stats), stat_label (self, "reallocations", format_uint, "Reallocated: %u"));
  self->texture_label = gtk_label_new (NULL);
  gtk_widget_add_css_class (self->texture_label, "numeric");
  g_signal_connect_object (self->controller, "notify::texture-width", G_CALLBACK (on_texture_size), self, 0);
  g_signal_connect_object (self->controller, "notify::texture-height", G_CALLBACK (on_texture_size), self, 0);
  on_texture_size (self->controller, NULL, self);
  gtk_box_append (GTK_BOX (stats), self->texture_label);

  status = gtk_label_new (NULL);
  gtk_label_set_xalign (GTK_LABEL (status), 0);
  gtk_label_set_ellipsize (GTK_LABEL (status), PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (status, "dim-label");
  g_object_bind_property (self->controller, "status", status, "label", G_BINDING_SYNC_CREATE);
  gtk_box_append (GTK_BOX (box), status);
}

/* }}} */

/* GObject {{{ */

static void
demo_gl_tab_constructed (GObject *object)
{
  DemoGLTab *self = DEMO_GL_TAB (object);

  G_OBJECT_CLASS (demo_gl_tab_parent_class)->constructed (object);

  if (self->controller == NULL)
    self->controller = demo_gl_controller_new ();

  self->area = g_object_ref_sink (gtk_gl_area_new ());
  gtk_gl_area_set_required_version (GTK_GL_AREA (self->area), 3, 3);
  gtk_widget_set_hexpand (self->area, TRUE);
  gtk_widget_set_vexpand (self->area, TRUE);
  gtk_widget_set_size_request (self->area, 160, 160);

  resmgr_controller_bind_widget (RESMGR_CONTROLLER (self->controller), GTK_WIDGET (self));
  demo_gl_controller_attach_area (self->controller, GTK_GL_AREA (self->area));

  build_ui (self);
}

static void
demo_gl_tab_dispose (GObject *object)
{
  DemoGLTab *self = DEMO_GL_TAB (object);
  GtkWidget *window = steal_window (self);
  GtkWidget *child;

  if (self->chooser != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->chooser, self);
      gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
      g_clear_object (&self->chooser);
    }

  /* Detached: the window goes with the tab, after the area left it. */
  if (window != NULL)
    {
      if (gtk_window_get_child (GTK_WINDOW (window)) == self->area)
        gtk_window_set_child (GTK_WINDOW (window), NULL);
      gtk_window_destroy (GTK_WINDOW (window));
    }

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);
  g_clear_object (&self->area);

  G_OBJECT_CLASS (demo_gl_tab_parent_class)->dispose (object);
}

static void
demo_gl_tab_finalize (GObject *object)
{
  DemoGLTab *self = DEMO_GL_TAB (object);

  g_clear_object (&self->controller);

  G_OBJECT_CLASS (demo_gl_tab_parent_class)->finalize (object);
}

static void
demo_gl_tab_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  DemoGLTab *self = DEMO_GL_TAB (object);

  switch (prop_id)
    {
    case PROP_CONTROLLER:
      g_value_set_object (value, self->controller);
      break;
    case PROP_DETACHED:
      g_value_set_boolean (value, demo_gl_tab_get_detached (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
demo_gl_tab_set_property (GObject      *object,
                          guint         prop_id,
                          const GValue *value,
                          GParamSpec   *pspec)
{
  DemoGLTab *self = DEMO_GL_TAB (object);

  switch (prop_id)
    {
    case PROP_CONTROLLER:
      self->controller = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
demo_gl_tab_class_init (DemoGLTabClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = demo_gl_tab_constructed;
  object_class->dispose = demo_gl_tab_dispose;
  object_class->finalize = demo_gl_tab_finalize;
  object_class->get_property = demo_gl_tab_get_property;
  object_class->set_property = demo_gl_tab_set_property;

  /**
   * DemoGLTab:controller:
   *
   * The controller that draws the area; made by the tab when not given
   * (tests give one of their own service).
   */
  properties[PROP_CONTROLLER] =
    g_param_spec_object ("controller", NULL, NULL,
                         DEMO_TYPE_GL_CONTROLLER,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * DemoGLTab:detached:
   *
   * Whether the GL area is in a window of its own.
   */
  properties[PROP_DETACHED] =
    g_param_spec_boolean ("detached", NULL, NULL,
                          FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "gltab");
}

static void
demo_gl_tab_init (DemoGLTab *self)
{
}

/**
 * demo_gl_tab_new:
 *
 * Creates the GL view tab and its controller, bound to it.
 *
 * Returns: (transfer floating): a new tab
 */
GtkWidget *
demo_gl_tab_new (void)
{
  return g_object_new (DEMO_TYPE_GL_TAB, NULL);
}

/**
 * demo_gl_tab_get_controller:
 * @tab: a GL tab
 *
 * Returns: (transfer none): the tab's controller
 */
DemoGLController *
demo_gl_tab_get_controller (DemoGLTab *tab)
{
  g_return_val_if_fail (DEMO_IS_GL_TAB (tab), NULL);

  return tab->controller;
}

/**
 * demo_gl_tab_get_area:
 * @tab: a GL tab
 *
 * Returns: (transfer none): the tab's GL area, wherever it is shown
 */
GtkGLArea *
demo_gl_tab_get_area (DemoGLTab *tab)
{
  g_return_val_if_fail (DEMO_IS_GL_TAB (tab), NULL);

  return GTK_GL_AREA (tab->area);
}

/* }}} */
