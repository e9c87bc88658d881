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

/* The observers of a service are an immutable, refcounted set in the
 * service's slot, replaced as a whole under observers_mutex (and the slot's
 * own mutex) when one is added or removed; an event takes a reference to
 * the set under the slot's mutex while it calls them. The slot is found in
 * the service's qdata, made at the first observer; a service on a hot path
 * (the manager) embeds its own (_resmgr_observer_slot_init ()) and passes it
 * to the _resmgr_notify_* () functions, which saves the qdata lookup per
 * event. n_observed counts the services that have a set: while it is 0,
 * notifying costs one relaxed load. A service's events load it after
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
slot_quark (void)
{
  static GQuark quark;

  if (G_UNLIKELY (quark == 0))
    quark = g_quark_from_static_string ("resmgr-service-observer-slot");

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

/* Never with a lock held: drops the set of a service being finalized with
 * observers still attached. */
static void
slot_drop_set (ResmgrObserverSlot *slot)
{
  ObserverSet *set = g_steal_pointer (&slot->set);

  if (set != NULL)
    {
      g_atomic_int_dec_and_test (&_resmgr_n_observed);
      set_unref (set);
    }
}

/* The qdata of a service that has no slot of its own. */
static void
slot_free (gpointer data)
{
  ResmgrObserverSlot *slot = data;

  slot_drop_set (slot);
  g_mutex_clear (&slot->mutex);
  g_free (slot);
}

void
_resmgr_observer_slot_init (ResmgrObserverSlot *slot,
                            gpointer            service)
{
  g_mutex_init (&slot->mutex);
  slot->set = NULL;

  g_mutex_lock (&observers_mutex);
  g_object_set_qdata (service, slot_quark (), slot);
  g_mutex_unlock (&observers_mutex);
}

/* At the service's finalization: nobody can add an observer any more. */
void
_resmgr_observer_slot_clear (ResmgrObserverSlot *slot)
{
  slot_drop_set (slot);
  g_mutex_clear (&slot->mutex);
}

/* Under observers_mutex. */
static ResmgrObserverSlot *
slot_get_locked (ResmgrService *self,
                 gboolean       create)
{
  ResmgrObserverSlot *slot = g_object_get_qdata (G_OBJECT (self), slot_quark ());

  if (slot == NULL && create)
    {
      slot = g_new0 (ResmgrObserverSlot, 1);
      g_mutex_init (&slot->mutex);
      g_object_set_qdata_full (G_OBJECT (self), slot_quark (), slot, slot_free);
    }

  return slot;
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
set_replace_locked (ResmgrObserverSlot *slot,
                    ObserverSet        *set)
{
  ObserverSet *old;

  g_mutex_lock (&slot->mutex);
  old = slot->set;
  slot->set = set;
  g_mutex_unlock (&slot->mutex);

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
  ResmgrObserverSlot *slot;
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
  slot = slot_get_locked (self, TRUE);
  old = slot->set;
  n = old != NULL ? old->n : 0;
  set = set_new (n + 1);
  for (guint i = 0; i < n; i++)
    set->observers[i] = observer_ref (old->observers[i]);
  set->observers[n] = o;
  if (++next_observer_id == 0)
    ++next_observer_id;
  id = o->id = next_observer_id;
  old = set_replace_locked (slot, set);
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
  ResmgrObserverSlot *slot;
  Observer *found = NULL;

  g_return_if_fail (RESMGR_IS_SERVICE (self));
  g_return_if_fail (observer_id != 0);

  g_mutex_lock (&observers_mutex);
  slot = slot_get_locked (self, FALSE);
  cur = slot != NULL ? slot->set : NULL;
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
      old = set_replace_locked (slot, set);
    }
  g_mutex_unlock (&observers_mutex);

  if (found == NULL)
    g_critical ("%s: no observer with id %u on service %p", G_STRFUNC, observer_id, self);

  set_unref (old);
}

static inline ObserverSet *
set_get (ResmgrObserverSlot *slot)
{
  ObserverSet *set;

  if (G_LIKELY (!_resmgr_service_observed ()) || slot == NULL)
    return NULL;

  g_mutex_lock (&slot->mutex);
  set = slot->set;
  if (set != NULL)
    g_atomic_ref_count_inc (&set->ref_count);
  g_mutex_unlock (&slot->mutex);

  return set;
}

static inline ResmgrObserverSlot *
slot_of (ResmgrService *self)
{
  if (G_LIKELY (!_resmgr_service_observed ()))
    return NULL;

  return g_object_get_qdata (G_OBJECT (self), slot_quark ());
}

#define FOREACH_OBSERVER(set, o, member) \
  for (guint i_ = 0; i_ < (set)->n; i_++) \
    if (((o) = (set)->observers[i_])->funcs.member != NULL && \
        !g_atomic_int_get (&(o)->removed))

#define NOTIFY(slot, member, ...) \
  G_STMT_START { \
    ObserverSet *set_ = set_get (slot); \
    Observer *o_; \
    \
    if (set_ != NULL) \
      { \
        FOREACH_OBSERVER (set_, o_, member) \
          o_->funcs.member (o_->data, __VA_ARGS__); \
        set_unref (set_); \
      } \
  } G_STMT_END

/* Unchecked, for the manager's hot paths: with its own slot. */
void
_resmgr_notify_component_registered (ResmgrObserverSlot *slot,
                                     const char *component_id)
{
  NOTIFY (slot, component_registered, component_id);
}

void
_resmgr_notify_component_removed (ResmgrObserverSlot *slot,
                                  const char *component_id)
{
  NOTIFY (slot, component_removed, component_id);
}

void
_resmgr_notify_resource_tracked (ResmgrObserverSlot           *slot,
                                 const ResmgrObservedResource *resource)
{
  NOTIFY (slot, resource_tracked, resource);
}

void
_resmgr_notify_resource_released (ResmgrObserverSlot           *slot,
                                  const ResmgrObservedResource *resource)
{
  NOTIFY (slot, resource_released, resource);
}

void
_resmgr_notify_cleanup_finished (ResmgrObserverSlot  *slot,
                                 ResmgrCleanupReport *report)
{
  NOTIFY (slot, cleanup_finished, report);
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

  _resmgr_notify_component_registered (slot_of (self), component_id);
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

  _resmgr_notify_component_removed (slot_of (self), component_id);
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
  g_return_if_fail (resource->component_id != NULL);

  _resmgr_notify_resource_tracked (slot_of (self), resource);
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
  g_return_if_fail (resource->component_id != NULL);

  _resmgr_notify_resource_released (slot_of (self), resource);
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

  _resmgr_notify_cleanup_finished (slot_of (self), report);
}
