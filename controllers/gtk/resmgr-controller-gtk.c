/* resmgr-controller-gtk.c: a ResmgrController bound to the widget that shows it
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "resmgr-gtk-private.h"

/* Deferred cleanups {{{
 *
 * A bound widget's ::destroy does not clean its controller there: it is
 * emitted from inside the widget's dispose, after a subclass's dispose tore
 * its children down (a cleanup would notify into freed labels), and a
 * widget made in a binding is disposed when its wrapper is freed: in GJS
 * inside the garbage collector, where no JavaScript may run; in PyGObject
 * with the GIL held, so a cleanup waiting for Python jobs waits in vain.
 * ::destroy only lets go of the widget and hands the cleanup to the
 * controller's owner context, through the dispatcher, never inline: it runs
 * when the owner next iterates, after the dispose finished, with a
 * reference on the controller until then.
 *
 * The application shutdown's windows phase collects the cleanups that the
 * windows it destroys defer, and waits for them (with its deadline) to
 * merge their reports.
 */

typedef enum {
  DEFERRED_PENDING,
  DEFERRED_RUNNING,    /* on the owner: too late to cancel */
  DEFERRED_DONE,
  DEFERRED_CANCELLED,  /* the controller was bound again before it ran */
} DeferredState;

typedef struct
{
  ResmgrDeferredCleanupDone func;
  gpointer                  data;
  GDestroyNotify            destroy;
  GMainContext             *context;
  ResmgrCleanupReport      *report;  /* set when it is called */
} Waiter;

struct _ResmgrDeferredCleanup
{
  gatomicrefcount   ref_count;

  /* Owner context only (the run), or the last unref: */
  ResmgrController *controller;  /* a reference, until it ran */

  /* Protected by mutex: */
  GMutex            mutex;
  DeferredState     state;
  ResmgrCleanupReport *report;   /* of the run, if it cleaned */
  Waiter           *waiter;
};

static GQuark
deferred_quark (void)
{
  static GQuark quark;

  if (G_UNLIKELY (quark == 0))
    quark = g_quark_from_static_string ("resmgr-deferred-cleanup");

  return quark;
}

/* GTK thread only: where the application shutdown collects them. */
static GPtrArray *collector;

ResmgrDeferredCleanup *
_resmgr_deferred_cleanup_ref (ResmgrDeferredCleanup *self)
{
  g_atomic_ref_count_inc (&self->ref_count);

  return self;
}

static void
waiter_free (gpointer data)
{
  Waiter *w = data;

  if (w->destroy != NULL)
    w->destroy (w->data);
  g_clear_pointer (&w->report, resmgr_cleanup_report_unref);
  g_main_context_unref (w->context);
  g_free (w);
}

void
_resmgr_deferred_cleanup_unref (ResmgrDeferredCleanup *self)
{
  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;

  /* Normally the last reference is the qdata's, after the run dropped the
   * controller. The source cannot be destroyed unrun by its context going
   * away: the controller's coordinator and its component record hold that
   * context, so an owner that never iterates keeps the controller, as
   * docs/threading.md says. */
  g_clear_object (&self->controller);
  g_clear_pointer (&self->report, resmgr_cleanup_report_unref);
  g_clear_pointer (&self->waiter, waiter_free);
  g_mutex_clear (&self->mutex);
  g_free (self);
}

static gboolean
waiter_call_cb (gpointer data)
{
  Waiter *w = data;

  w->func (w->report, w->data);

  return G_SOURCE_REMOVE;
}

/* Hands @report (nullable) to the waiter, on its context. No lock held. */
static void
waiter_notify (Waiter              *w,
               ResmgrCleanupReport *report)
{
  if (w == NULL)
    return;

  w->report = report != NULL ? resmgr_cleanup_report_ref (report) : NULL;
  _resmgr_dispatch (w->context, G_PRIORITY_HIGH, "[resmgr] deferred controller cleanup done",
                    waiter_call_cb, w, waiter_free);
}

/* On the controller's owner context. */
static gboolean
deferred_run_cb (gpointer data)
{
  ResmgrDeferredCleanup *self = data;
  g_autoptr(ResmgrController) controller = g_steal_pointer (&self->controller);
  g_autoptr(ResmgrCleanupReport) report = NULL;
  gboolean run;
  Waiter *waiter;

  g_mutex_lock (&self->mutex);
  run = self->state == DEFERRED_PENDING;
  if (run)
    self->state = DEFERRED_RUNNING;
  g_mutex_unlock (&self->mutex);

  /* Idempotent: a controller cleaned meanwhile (explicitly, at its dispose,
   * after a service shutdown) is not cleaned again, and its old report is
   * nobody's news. */
  if (run && !resmgr_controller_is_cleaned_up (controller))
    report = resmgr_controller_cleanup (controller);

  g_mutex_lock (&self->mutex);
  if (run)
    self->state = DEFERRED_DONE;
  if (report != NULL)
    self->report = resmgr_cleanup_report_ref (report);
  waiter = g_steal_pointer (&self->waiter);
  g_mutex_unlock (&self->mutex);

  waiter_notify (waiter, report);

  /* Then our reference goes, maybe the last one: here, on the owner
   * thread, where the controller's dispose belongs. */
  return G_SOURCE_REMOVE;
}

/* Takes over the reference on @controller. GTK thread. */
static void
defer_cleanup (ResmgrController *controller)
{
  ResmgrDeferredCleanup *self = g_new0 (ResmgrDeferredCleanup, 1);
  GMainContext *context = resmgr_coordinator_get_context (resmgr_controller_get_resources (controller));

  g_atomic_ref_count_init (&self->ref_count);
  g_mutex_init (&self->mutex);
  self->state = DEFERRED_PENDING;
  self->controller = controller;

  /* So that binding it again cancels it. The controller holds it until the
   * next binding or its finalize (after the run, which drops the
   * controller reference: no cycle is left). */
  g_object_set_qdata_full (G_OBJECT (controller), deferred_quark (),
                           _resmgr_deferred_cleanup_ref (self),
                           (GDestroyNotify) _resmgr_deferred_cleanup_unref);
  if (collector != NULL)
    g_ptr_array_add (collector, _resmgr_deferred_cleanup_ref (self));

  /* An unbound coordinator (the service was shutting down when the
   * controller was made) has no context: the cleanup then runs on the
   * global default context, and resmgr_controller_cleanup () dispatches it
   * to the controller's owner from there. */
  _resmgr_dispatch_later (context, G_PRIORITY_HIGH, "[resmgr] bound widget's controller cleanup",
                          deferred_run_cb, self, (GDestroyNotify) _resmgr_deferred_cleanup_unref);
}

/* Bound again before the deferred cleanup started: it does not run (one
 * that started on another owner thread finishes). GTK thread. */
static void
cancel_deferred_cleanup (ResmgrController *controller)
{
  ResmgrDeferredCleanup *self = g_object_steal_qdata (G_OBJECT (controller), deferred_quark ());
  Waiter *waiter = NULL;

  if (self == NULL)
    return;

  g_mutex_lock (&self->mutex);
  if (self->state == DEFERRED_PENDING)
    {
      self->state = DEFERRED_CANCELLED;
      waiter = g_steal_pointer (&self->waiter);
    }
  g_mutex_unlock (&self->mutex);

  waiter_notify (waiter, NULL);
  _resmgr_deferred_cleanup_unref (self);
}

GPtrArray *
_resmgr_deferred_cleanups_set_collector (GPtrArray *array)
{
  GPtrArray *previous = collector;

  collector = array;

  return previous;
}

void
_resmgr_deferred_cleanup_notify (ResmgrDeferredCleanup     *self,
                                 ResmgrDeferredCleanupDone  func,
                                 gpointer                   data,
                                 GDestroyNotify             destroy)
{
  Waiter *w = g_new0 (Waiter, 1);
  gboolean over;

  w->func = func;
  w->data = data;
  w->destroy = destroy;
  w->context = g_main_context_ref_thread_default ();

  g_mutex_lock (&self->mutex);
  over = self->state == DEFERRED_DONE || self->state == DEFERRED_CANCELLED;
  if (over)
    w->report = self->report != NULL ? resmgr_cleanup_report_ref (self->report) : NULL;
  else
    self->waiter = w;
  g_mutex_unlock (&self->mutex);

  /* Over already (it ran on another owner thread, or was cancelled). */
  if (over)
    {
      w->func (w->report, w->data);
      waiter_free (w);
    }
}

/* }}} */

/* Binding {{{ */

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
 * notify, which must not touch the weak reference list. Returns the
 * widget's reference to the controller. */
static ResmgrController *
binding_unbind (Binding  *b,
                gboolean  from_dispose)
{
  ResmgrController *controller = b->controller;

  g_clear_signal_handler (&b->destroy_id, b->widget);
  g_object_set_qdata (G_OBJECT (controller), binding_quark (), NULL);
  if (!from_dispose)
    g_object_weak_unref (G_OBJECT (controller), controller_disposed_cb, b);
  g_free (b);

  return controller;
}

/* Disposed before its widget (g_object_run_dispose ()): let go of it. The
 * widget's reference is not the last one: only g_object_run_dispose ()
 * disposes an object that is still referenced, and it holds a reference of
 * its own meanwhile. */
static void
controller_disposed_cb (gpointer  data,
                        GObject  *where_the_object_was)
{
  g_object_unref (binding_unbind (data, TRUE));
}

/* Emitted from the widget's dispose: it is out of any window, so
 * unrealized, and a subclass's dispose may have torn its children down
 * already. Unrealize was not the end (a move to another window unrealizes
 * too); this is. Let go of the widget, and clean the controller on its
 * owner context once this dispose is over, never here. GL objects are
 * deleted then through the context the GL coordinator kept for them (its
 * doc: "The life of an attached area"). */
static void
widget_destroy_cb (GtkWidget *widget,
                   Binding   *b)
{
  defer_cleanup (binding_unbind (b, FALSE));
}

/**
 * resmgr_controller_bind_widget:
 * @controller: a controller
 * @widget: the widget that shows the controller, normally a tab
 *
 * Ties the controller's life to @widget's: @widget holds a reference to
 * the controller, and when @widget is destroyed (its `GtkWidget::destroy`,
 * emitted when its last reference goes or by gtk_window_destroy() on its
 * window) it lets go of the controller, which is then cleaned up
 * ([method@Resmgr.Controller.cleanup]) on its owner context.
 *
 * The cleanup never runs inside `::destroy`: it runs from the owner
 * context's main loop when it next iterates (at a high priority, before
 * redraws and input), after @widget's dispose is over. So a subclass whose
 * dispose tears its children down before chaining up is never notified by
 * a cleanup it started, and a widget made in Python or JavaScript, whose
 * `::destroy` comes when its wrapper is freed (PyGObject: with the GIL
 * held; GJS: inside a garbage collection, where JavaScript cannot run),
 * gets a cleanup that runs the controller's Python or JavaScript cleanups
 * and waits for its Python jobs on the main loop. The controller stays
 * alive until then. An owner context that is not iterated any more keeps
 * it, and its resources tracked (a shutdown reports them). The ordered
 * application shutdown ([func@ResmgrGtk.application_attach]) waits for the
 * cleanups of the windows it destroys.
 *
 * Binding the controller to a widget again before that cleanup ran
 * cancels it: the new widget's destruction cleans it. A controller cleaned
 * meanwhile (explicitly, or at its dispose) is not cleaned twice.
 *
 * Unrealize is not the end of a widget's life: GTK unrealizes a widget
 * that moves to another window (reparenting, a notebook tab detached and
 * dropped in another window's notebook) and realizes it again there. The
 * controller lives through that, with its workers, timers and GL objects.
 * For a #GtkGLArea inside @widget given to
 * [method@ResmgrGtk.GLCoordinator.attach_area], the GL coordinator deletes the
 * container objects (vertex arrays, framebuffers, queries) at the area's
 * unrealize, in their own context, and re-creates those tracked with
 * [method@ResmgrGtk.GLCoordinator.track_recreatable] in the new context at
 * its next realize; shareable objects (textures, buffers, …) carry over
 * with their names. At destruction the controller's GL objects are deleted
 * through the area's last context, which the coordinator keeps for them,
 * while the display is open.
 *
 * A controller is bound to one widget at most. GTK thread only, and a
 * controller bound to a widget must not be disposed from another thread.
 * Its owner context may be another thread's: the cleanup runs there.
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

  cancel_deferred_cleanup (controller);

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

/* }}} */
