/* resmgr-observer.c: the any-thread event feed of a service
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "resmgr-private.h"

/**
 * resmgr_service_add_observer: (skip)
 * @self: a service
 * @funcs: the callbacks, copied
 * @data: passed to each callback
 * @destroy: (nullable): frees @data once the observer was removed and no
 *   call is running any more
 *
 * Attaches an observer to @self: a set of plain functions that hear every
 * event of the service (components registered and removed, resources
 * tracked and released, cleanups finished) **on the thread where it
 * happens**, right after it happened, with no lock of the service held.
 *
 * ## Observer or signals
 *
 * The service's signals ([signal@Resmgr.Service::resource-tracked] and the
 * others) report the same events to application code: on the service's
 * owner context, queued from other threads, with a [struct@Resmgr.Handle]
 * per resource, usable from any language. That costs a handle and a signal
 * emission (GLib's global signal lock, a closure call) per event, about a
 * microsecond per tracked and released resource with one handler
 * connected, twice what the tracking itself costs. An observer is the cheap
 * feed for code that keeps a mirror of the whole service under its own lock,
 * like [class@Resmgr.Monitor]: nothing is allocated per event and nothing
 * waits for the owner context. It is a C API (language bindings use the
 * signals).
 *
 * ## Rules for the callbacks
 *
 * They must be short, thread-safe and must not call into the service:
 * updating the observer's own state under its own short lock is the
 * intended use; anything else is dispatched to a context. Events of one
 * thread arrive in the order they happened on it; events of different
 * threads may interleave in any order (a cleanup on one thread racing with
 * a track on another can report the release of a resource before its
 * tracking). Pointers in the arguments are valid only during the call.
 *
 * ## For service implementations
 *
 * A service reports its events with [method@Resmgr.Service.notify_resource_tracked]
 * and the other `notify` functions, with no lock held. They cost one
 * atomic load while no observer is attached to any service.
 *
 * Returns: an id (never 0) for [method@Resmgr.Service.remove_observer]
 *
 * Since: 0.1
 */

/* The observers of a service are an immutable, refcounted set in its qdata,
 * replaced as a whole under observers_mutex when one is added or removed;
 * an event takes a reference to the set (g_object_dup_qdata ()) while it
 * calls them. n_observed counts the services that have a set: while it is
 * 0, notifying costs one relaxed load. A service's events load it after
 * dropping the lock under which the event happened, so an observer added
 * before someone else read that state under the same lock (the monitor's
 * snapshot) sees every later event. */

typedef struct
{
  gatomicrefcount      ref_count;
  guint                id;
  int                  removed;   /* atomic */
  ResmgrObserverFuncs  funcs;
  gpointer             data;
  GDestroyNotify       destroy;
} Observer;

typedef struct
{
  gatomicrefcount  ref_count;
  guint            n;
  Observer        *observers[];
} ObserverSet;

int _resmgr_n_observed;

static GMutex observers_mutex;
static guint  next_observer_id;

static GQuark
observers_quark (void)
{
  static GQuark quark;

  if (G_UNLIKELY (quark == 0))
    quark = g_quark_from_static_string ("resmgr-service-observers");

  return quark;
}

static Observer *
observer_ref (Observer *o)
{
  g_atomic_ref_count_inc (&o->ref_count);
  return o;
}

static void
observer_unref (Observer *o)
{
  if (g_atomic_ref_count_dec (&o->ref_count))
    {
      if (o->destroy != NULL)
        o->destroy (o->data);
      g_free (o);
    }
}

static gpointer
set_dup (gpointer data,
         gpointer user_data)
{
  ObserverSet *set = data;

  if (set != NULL)
    g_atomic_ref_count_inc (&set->ref_count);

  return set;
}

/* Never with a lock held: may run a destroy notify. */
static void
set_unref (gpointer data)
{
  ObserverSet *set = data;

  if (set != NULL && g_atomic_ref_count_dec (&set->ref_count))
    {
      for (guint i = 0; i < set->n; i++)
        observer_unref (set->observers[i]);
      g_free (set);
    }
}

/* The set of a service finalized with observers still attached. */
static void
set_finalized (gpointer data)
{
  g_atomic_int_dec_and_test (&_resmgr_n_observed);
  set_unref (data);
}

static ObserverSet *
set_new (guint n)
{
  ObserverSet *set = g_malloc (sizeof (ObserverSet) + n * sizeof (Observer *));

  g_atomic_ref_count_init (&set->ref_count);
  set->n = n;

  return set;
}

/* Under observers_mutex; returns the old set, to unref after unlocking. */
static ObserverSet *
set_replace_locked (ResmgrService *self,
                    ObserverSet   *set)
{
  ObserverSet *old = g_object_steal_qdata (G_OBJECT (self), observers_quark ());

  if (set != NULL)
    g_object_set_qdata_full (G_OBJECT (self), observers_quark (), set, set_finalized);
  if (old == NULL && set != NULL)
    g_atomic_int_inc (&_resmgr_n_observed);
  else if (old != NULL && set == NULL)
    g_atomic_int_dec_and_test (&_resmgr_n_observed);

  return old;
}

guint
resmgr_service_add_observer (ResmgrService             *self,
                             const ResmgrObserverFuncs *funcs,
                             gpointer                   data,
                             GDestroyNotify             destroy)
{
  ObserverSet *set, *old;
  Observer *o;
  guint n, id;

  g_return_val_if_fail (RESMGR_IS_SERVICE (self), 0);
  g_return_val_if_fail (funcs != NULL, 0);

  o = g_new0 (Observer, 1);
  g_atomic_ref_count_init (&o->ref_count);
  o->funcs = *funcs;
  o->data = data;
  o->destroy = destroy;

  g_mutex_lock (&observers_mutex);
  old = g_object_get_qdata (G_OBJECT (self), observers_quark ());
  n = old != NULL ? old->n : 0;
  set = set_new (n + 1);
  for (guint i = 0; i < n; i++)
    set->observers[i] = observer_ref (old->observers[i]);
  set->observers[n] = o;
  if (++next_observer_id == 0)
    ++next_observer_id;
  id = o->id = next_observer_id;
  old = set_replace_locked (self, set);
  g_mutex_unlock (&observers_mutex);

  set_unref (old);

  return id;
}

/**
 * resmgr_service_remove_observer: (skip)
 * @self: a service
 * @observer_id: an id returned by [method@Resmgr.Service.add_observer]
 *
 * Detaches an observer. Once this returned, an event that happens after it
 * (on this thread, or ordered after it by some synchronisation) no longer
 * calls it; an event racing with it on another thread still may. The
 * observer's destroy notify runs once no call is running any more, on
 * whichever thread finishes the last one (or this one), with no lock held.
 * May be called from any thread, also from the observer's own callbacks.
 *
 * C only, as [method@Resmgr.Service.add_observer] is: bindings connect to
 * the service's signals, and disconnect from them.
 *
 * Since: 0.1
 */
void
resmgr_service_remove_observer (ResmgrService *self,
                                guint          observer_id)
{
  ObserverSet *cur, *set = NULL, *old = NULL;
  Observer *found = NULL;

  g_return_if_fail (RESMGR_IS_SERVICE (self));
  g_return_if_fail (observer_id != 0);

  g_mutex_lock (&observers_mutex);
  cur = g_object_get_qdata (G_OBJECT (self), observers_quark ());
  for (guint i = 0; cur != NULL && i < cur->n; i++)
    if (cur->observers[i]->id == observer_id)
      found = cur->observers[i];
  if (found != NULL)
    {
      guint j = 0;

      /* Sets held by running events still list it: the flag stops them. */
      g_atomic_int_set (&found->removed, TRUE);
      if (cur->n > 1)
        {
          set = set_new (cur->n - 1);
          for (guint i = 0; i < cur->n; i++)
            if (cur->observers[i] != found)
              set->observers[j++] = observer_ref (cur->observers[i]);
        }
      old = set_replace_locked (self, set);
    }
  g_mutex_unlock (&observers_mutex);

  if (found == NULL)
    g_critical ("%s: no observer with id %u on service %p", G_STRFUNC, observer_id, self);

  set_unref (old);
}

static inline ObserverSet *
set_get (gpointer self)
{
  if (G_LIKELY (!_resmgr_service_observed ()))
    return NULL;

  return g_object_dup_qdata (self, observers_quark (), set_dup, NULL);
}

#define FOREACH_OBSERVER(set, o, member) \
  for (guint i_ = 0; i_ < (set)->n; i_++) \
    if (((o) = (set)->observers[i_])->funcs.member != NULL && \
        !g_atomic_int_get (&(o)->removed))

#define NOTIFY(self, member, ...) \
  G_STMT_START { \
    ObserverSet *set_ = set_get (self); \
    Observer *o_; \
    \
    if (set_ != NULL) \
      { \
        FOREACH_OBSERVER (set_, o_, member) \
          o_->funcs.member (o_->data, __VA_ARGS__); \
        set_unref (set_); \
      } \
  } G_STMT_END

/* Unchecked, for the manager's hot paths. */
void
_resmgr_notify_component_registered (gpointer    service,
                                     const char *component_id)
{
  NOTIFY (service, component_registered, component_id);
}

void
_resmgr_notify_component_removed (gpointer    service,
                                  const char *component_id)
{
  NOTIFY (service, component_removed, component_id);
}

void
_resmgr_notify_resource_tracked (gpointer                      service,
                                 const ResmgrObservedResource *resource)
{
  NOTIFY (service, resource_tracked, resource);
}

void
_resmgr_notify_resource_released (gpointer                      service,
                                  const ResmgrObservedResource *resource)
{
  NOTIFY (service, resource_released, resource);
}

void
_resmgr_notify_cleanup_finished (gpointer             service,
                                 ResmgrCleanupReport *report)
{
  NOTIFY (service, cleanup_finished, report);
}

/**
 * resmgr_service_notify_component_registered:
 * @self: a service
 * @component_id: the id of the registered component
 *
 * Tells the observers of @self (see [method@Resmgr.Service.add_observer])
 * that a component was registered. For service implementations; call it
 * with no lock held.
 *
 * Since: 0.1
 */
void
resmgr_service_notify_component_registered (ResmgrService *self,
                                            const char    *component_id)
{
  g_return_if_fail (RESMGR_IS_SERVICE (self));
  g_return_if_fail (component_id != NULL);

  _resmgr_notify_component_registered (self, component_id);
}

/**
 * resmgr_service_notify_component_removed:
 * @self: a service
 * @component_id: the id of the component the service forgot
 *
 * Tells the observers of @self that a disposed component was forgotten.
 * For service implementations; call it with no lock held.
 *
 * Since: 0.1
 */
void
resmgr_service_notify_component_removed (ResmgrService *self,
                                         const char    *component_id)
{
  g_return_if_fail (RESMGR_IS_SERVICE (self));
  g_return_if_fail (component_id != NULL);

  _resmgr_notify_component_removed (self, component_id);
}

/**
 * resmgr_service_notify_resource_tracked:
 * @self: a service
 * @resource: the resource, state %RESMGR_RESOURCE_STATE_ACTIVE
 *
 * Tells the observers of @self that a resource was tracked. For service
 * implementations; call it with no lock held.
 *
 * Since: 0.1
 */
void
resmgr_service_notify_resource_tracked (ResmgrService                *self,
                                        const ResmgrObservedResource *resource)
{
  g_return_if_fail (RESMGR_IS_SERVICE (self));
  g_return_if_fail (resource != NULL);

  _resmgr_notify_resource_tracked (self, resource);
}

/**
 * resmgr_service_notify_resource_released:
 * @self: a service
 * @resource: the resource, in its final state
 *
 * Tells the observers of @self that a resource stopped being tracked
 * (released, failed, lost or finalized). For service implementations; call
 * it with no lock held.
 *
 * Since: 0.1
 */
void
resmgr_service_notify_resource_released (ResmgrService                *self,
                                         const ResmgrObservedResource *resource)
{
  g_return_if_fail (RESMGR_IS_SERVICE (self));
  g_return_if_fail (resource != NULL);

  _resmgr_notify_resource_released (self, resource);
}

/**
 * resmgr_service_notify_cleanup_finished:
 * @self: a service
 * @report: the report of the cleanup or shutdown
 *
 * Tells the observers of @self that a component cleanup or a shutdown
 * finished. For service implementations; call it with no lock held.
 *
 * Since: 0.1
 */
void
resmgr_service_notify_cleanup_finished (ResmgrService       *self,
                                        ResmgrCleanupReport *report)
{
  g_return_if_fail (RESMGR_IS_SERVICE (self));
  g_return_if_fail (report != NULL);

  _resmgr_notify_cleanup_finished (self, report);
}
