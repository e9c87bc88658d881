/* resmgr-controller-gtk.c: a ResmgrController bound to the widget that shows it
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "resmgr-gtk-private.h"

/* The binding lives in the controller's qdata; GTK thread only. */
typedef struct
{
  ResmgrController *controller; /* the widget's reference */
  GtkWidget        *widget;     /* not referenced: it holds us */
  gulong            destroy_id;
} Binding;

static GQuark
binding_quark (void)
{
  static GQuark quark;

  if (G_UNLIKELY (quark == 0))
    quark = g_quark_from_static_string ("resmgr-widget-binding");

  return quark;
}

static void controller_disposed_cb (gpointer  data,
                                    GObject  *where_the_object_was);

/* Lets go of the widget. @from_dispose: called from the controller's weak
 * notify, which must not touch the weak reference list. */
static void
binding_unbind (Binding  *b,
                gboolean  from_dispose)
{
  ResmgrController *controller = b->controller;

  g_clear_signal_handler (&b->destroy_id, b->widget);
  g_object_set_qdata (G_OBJECT (controller), binding_quark (), NULL);
  if (!from_dispose)
    g_object_weak_unref (G_OBJECT (controller), controller_disposed_cb, b);
  g_free (b);

  /* The widget's reference to the controller. From its weak notify this is
   * not the last one: only g_object_run_dispose () disposes an object that
   * is still referenced, and it holds a reference of its own meanwhile. */
  g_object_unref (controller);
}

/* Disposed before its widget (g_object_run_dispose ()): let go of it. */
static void
controller_disposed_cb (gpointer  data,
                        GObject  *where_the_object_was)
{
  binding_unbind (data, TRUE);
}

static void
widget_destroy_cb (GtkWidget *widget,
                   Binding   *b)
{
  g_autoptr(ResmgrCleanupReport) report = NULL;
  ResmgrController *controller = g_object_ref (b->controller);

  /* Emitted from the widget's dispose: it is out of any window, so
   * unrealized, and a box has unparented its children already. Unrealize
   * was not the end (a move to another window unrealizes too); this is.
   * GL objects are deleted through the context the GL coordinator kept for
   * them (its doc: "The life of an attached area"). A no-op if the
   * controller was cleaned already. */
  report = resmgr_controller_cleanup (controller);
  binding_unbind (b, FALSE);
  g_object_unref (controller);
}

/**
 * resmgr_controller_bind_widget:
 * @controller: a controller
 * @widget: the widget that shows the controller, normally a tab
 *
 * Ties the controller's life to @widget's: @widget holds a reference to
 * the controller, and the controller is cleaned up
 * ([method@Resmgr.Controller.cleanup]) when @widget is destroyed (its
 * `GtkWidget::destroy`, emitted when its last reference goes or by
 * gtk_window_destroy() on its window), then let go of.
 *
 * Unrealize is not the end of a widget's life: GTK unrealizes a widget
 * that moves to another window (reparenting, a notebook tab detached and
 * dropped in another window's notebook) and realizes it again there. The
 * controller lives through that, with its workers, timers and GL objects.
 * For a #GtkGLArea inside @widget given to
 * [method@Resmgr.GLCoordinator.attach_area], the GL coordinator deletes the
 * container objects (vertex arrays, framebuffers, queries) at the area's
 * unrealize, in their own context, and re-creates those tracked with
 * [method@Resmgr.GLCoordinator.track_recreatable] in the new context at
 * its next realize; shareable objects (textures, buffers, …) carry over
 * with their names. At destruction the controller's GL objects are deleted
 * through the area's last context, which the coordinator keeps for them,
 * while the display is open.
 *
 * A controller is bound to one widget at most. GTK thread only, and a
 * controller bound to a widget must not be disposed from another thread.
 *
 * Since: 0.1
 */
void
resmgr_controller_bind_widget (ResmgrController *controller,
                               GtkWidget        *widget)
{
  Binding *b;

  g_return_if_fail (RESMGR_IS_CONTROLLER (controller));
  g_return_if_fail (GTK_IS_WIDGET (widget));
  g_return_if_fail (g_object_get_qdata (G_OBJECT (controller), binding_quark ()) == NULL);

  b = g_new0 (Binding, 1);
  /* The widget's reference, dropped when it is destroyed. */
  b->controller = g_object_ref (controller);
  b->widget = widget;
  b->destroy_id = g_signal_connect (widget, "destroy", G_CALLBACK (widget_destroy_cb), b);
  g_object_weak_ref (G_OBJECT (controller), controller_disposed_cb, b);
  g_object_set_qdata (G_OBJECT (controller), binding_quark (), b);
}

/**
 * resmgr_controller_get_widget:
 * @controller: a controller
 *
 * Gets the widget the controller is bound to
 * ([func@ResmgrGtk.controller_bind_widget]), until it is destroyed. GTK
 * thread only.
 *
 * Returns: (transfer none) (nullable): the widget, or %NULL
 *
 * Since: 0.1
 */
GtkWidget *
resmgr_controller_get_widget (ResmgrController *controller)
{
  Binding *b;

  g_return_val_if_fail (RESMGR_IS_CONTROLLER (controller), NULL);

  b = g_object_get_qdata (G_OBJECT (controller), binding_quark ());

  return b != NULL ? b->widget : NULL;
}

/**
 * resmgr_controller_get_gl_coordinator:
 * @controller: a controller
 *
 * Gets the controller's GL coordinator: the one its
 * [vfunc@Resmgr.Controller.create_coordinator] made, or a facet made on
 * first use and bound to the same component
 * ([method@Resmgr.Controller.get_facet]), so a controller can decode
 * textures in worker jobs and draw them. Make it on the GTK thread.
 *
 * Returns: (transfer none) (nullable): the GL coordinator
 *
 * Since: 0.1
 */
ResmgrGLCoordinator *
resmgr_controller_get_gl_coordinator (ResmgrController *controller)
{
  g_return_val_if_fail (RESMGR_IS_CONTROLLER (controller), NULL);

  return (ResmgrGLCoordinator *) resmgr_controller_get_facet (controller, RESMGR_TYPE_GL_COORDINATOR);
}
