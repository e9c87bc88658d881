/* resmgr-manager.c
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "resmgr-private.h"

/**
 * ResmgrManager:
 *
 * The thread-safe implementation of [iface@Resmgr.Service].
 *
 * [func@Resmgr.Service.get_default] returns the process-wide manager,
 * created on first use from any thread; [ctor@Resmgr.Manager.new] makes an
 * isolated one for tests and plug-ins. No exit hook is ever installed:
 * cleanup happens when components are disposed, when
 * [method@Resmgr.Service.cleanup_component] is called, and at
 * [method@Resmgr.Service.shutdown].
 *
 * Resources are kept per component, in creation order, in one compact array
 * (no allocation per resource on the track path unless it has a name,
 * metadata or a watched object). A resource id is the component's serial
 * number in the upper 32 bits and the resource's sequence number within the
 * component in the lower 32 bits, so a release finds its entry without a
 * global hash lookup. Cleanup sorts once, by priority then creation order.
 *
 * ## Thread safety
 *
 * Every method may be called from any thread. The tables of components
 * are split into shards, each under its own mutex, so that threads working
 * on their own components rarely meet on a lock; component ids are under
 * one more mutex, taken only to register and to drop a component. Each
 * component's resources are under the component's own mutex, and the
 * counters are atomic. No lock is held while
 * a cleanup, a destroy notify or a signal handler runs.
 *
 * Work for an owner context runs inline only on the thread that owns it
 * (it iterates it, pushed it as its thread-default, or it is the global
 * default context and this is the main thread); from any other thread it
 * is dispatched there, never run on the calling thread to help. So:
 *
 * - a component's cleanups run on its owner context, also when its last
 *   reference is dropped on a worker (they then wait for the owner to
 *   iterate); an explicit [method@Resmgr.Service.release] runs its cleanup
 *   on the calling thread;
 * - signals are emitted on the manager's owner context: inline on its
 *   owner, else queued in order and emitted when the owner iterates;
 * - a synchronous call from another thread waits with a deadline
 *   ([property@Resmgr.Manager:wait-timeout], or the shutdown's) and fails
 *   with %RESMGR_ERROR_TIMED_OUT rather than hang; the owner thread never
 *   waits for its own context.
 *
 * Cleanup functions may call any method of the manager. See the threading
 * guide (`docs/threading.md`) for the whole contract.
 *
 * Since: 0.1
 */

typedef enum {
  KIND_DATA,
  KIND_OBJECT,
  KIND_CALLBACK,
} EntryKind;

typedef enum {
  ENTRY_LIVE,
  ENTRY_CLAIMED, /* picked by a running cleanup, not yet run */
  ENTRY_DEAD,
} EntryState;

typedef struct
{
  char           *name;
  GVariant       *metadata;
  gpointer        user_data;
  GDestroyNotify  user_data_destroy;
  GWeakRef        object; /* KIND_OBJECT only */
} EntryExtra;

typedef struct
{
  guint64     order;    /* global creation order */
  gpointer    data;     /* KIND_DATA */
  gpointer    func;     /* GDestroyNotify or ResmgrCleanupFunc */
  EntryExtra *extra;
  gsize       size;
  gint64      created;
  guint32     seq;
  gint16      priority;
  guint8      type;
  guint8      kind : 2;
  guint8      state : 2;
} Entry;

typedef struct _Component Component;
typedef struct _ManagerRef ManagerRef;

struct _Component
{
  gatomicrefcount  ref_count;

  /* Read-only after registration: */
  guint32          serial;
  char            *id;
  GObject         *object;  /* only a table key, never dereferenced */
  GMainContext    *context;

  /* Protected by mutex: */
  GMutex           mutex;
  ResmgrManager   *manager; /* NULL once the manager let go of it */
  Entry           *entries; /* ascending seq */
  guint            n_entries;
  guint            entries_room;
  guint32          next_seq;
  guint            n_live;  /* LIVE and CLAIMED entries */
  guint            cleaning;
  guint            disposed : 1;
  guint            finished : 1; /* its disposal cleanup ran */
  guint            retired : 1;  /* out of its shard: its ids are unknown */
  guint32          count[RESMGR_N_RESOURCE_TYPES]; /* at most n_live */
  guint64          bytes[RESMGR_N_RESOURCE_TYPES];
  guint            peak;    /* of n_live */

  /* Atomic: the outcomes of its resources */
  guint64          released;
  guint64          failed;
  guint64          lost;

  char             id_storage[]; /* id points here */
};

typedef struct
{
  Component *comp;
  guint64    order;
  guint32    seq;
  gint16     priority;
} Claim;

typedef struct
{
  guint    signal_id;
  gpointer arg;
} Event;

/* Written by every track and release, from any thread: one cache line of
 * their own, so that two threads tracking on their own components move one
 * line between them, not also the line of the fields every operation only
 * reads (shutting_down, the tables, the context). Atomic. */
typedef struct
{
  guint64 next_order;
  guint64 cur_resources;
  guint64 cur_bytes;
  guint64 peak_resources;
  guint64 peak_bytes;
  guint64 total_released;
  guint64 total_failed;
  guint64 total_lost;
} Counters;

#define COUNTERS_ALIGNMENT 64
G_STATIC_ASSERT (sizeof (Counters) == COUNTERS_ALIGNMENT);

/* One shard of the component tables. A component is in the by_serial table
 * of shard (serial % N_SHARDS), the one a release by id looks in, and in the
 * by_object table of the shard its object's address hashes to, the one a
 * track looks in; the two may differ. Each shard has a cache line of its own
 * (the shards are one aligned allocation): two threads on their own
 * components take two different mutexes on two different lines, unless
 * their components happen to share a shard. */
#define N_SHARDS 16

typedef struct
{
  GMutex      lock;
  GHashTable *by_serial;  /* serial → Component* (owned) */
  GHashTable *by_object;  /* GObject* → Component* (borrowed) */
  guint64     retired_tracked; /* tracked by its components now gone */
} Shard;

#define SHARD_ALIGNMENT 64
G_STATIC_ASSERT (sizeof (Shard) <= SHARD_ALIGNMENT);

struct _ResmgrManager
{
  GObject       parent_instance;

  /* Read-only after construction: */
  GMainContext *context;
  ManagerRef   *weak_self;

  /* Its observers (resmgr-observer.c) */
  ResmgrObserverSlot observer_slot;

  /* The component tables, N_SHARDS of them (the pointer is read-only
   * after construction). Lock order: ids_lock, then shards by index, then
   * component mutexes. */
  Shard        *shards;

  /* Protected by ids_lock: */
  GMutex        ids_lock;
  GHashTable   *ids;         /* id → Component* (borrowed) */
  GHashTable   *id_counters; /* GType → last number given */

  /* Atomic: */
  guint         n_components;
  guint         peak_components;

  /* Protected by event_mutex: */
  GMutex        event_mutex;
  GArray       *events;
  GSource      *event_source;

  /* Atomic: */
  int           wait_timeout_ms;
  int           shutting_down;
  int           in_shutdown;
  gint64        deadline;

  Counters     *counters; /* the pointer is read-only after construction */
};

static void resmgr_manager_service_iface_init (ResmgrServiceInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (ResmgrManager, resmgr_manager, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (RESMGR_TYPE_SERVICE,
                                                      resmgr_manager_service_iface_init))

enum {
  SIGNAL_COMPONENT_REGISTERED,
  SIGNAL_COMPONENT_REMOVED,
  SIGNAL_RESOURCE_TRACKED,
  SIGNAL_RESOURCE_RELEASED,
  SIGNAL_CLEANUP_FINISHED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

#define ATOMIC_ADD(p, v) __atomic_add_fetch ((p), (v), __ATOMIC_RELAXED)
#define ATOMIC_SUB(p, v) __atomic_sub_fetch ((p), (v), __ATOMIC_RELAXED)
#define ATOMIC_LOAD(p)   __atomic_load_n ((p), __ATOMIC_RELAXED)

#define MAX_CLEANUP_ROUNDS 16

/* In the service's virtual functions: @service is a manager, the interface
 * being the manager's, and resmgr_service_*() checked it already; a
 * checked cast costs as much as a release's own work in a debug build. */
#define SELF(service) ((ResmgrManager *) (service))

/* Components {{{ */

static Component *
component_ref (Component *comp)
{
  g_atomic_ref_count_inc (&comp->ref_count);
  return comp;
}

static void
component_unref (Component *comp)
{
  if (g_atomic_ref_count_dec (&comp->ref_count))
    {
      /* Entries left here were already taken by whoever claimed them. */
      g_assert (comp->n_live == 0);
      g_free (comp->entries);
      g_main_context_unref (comp->context);
      g_mutex_clear (&comp->mutex);
      g_free (comp);
    }
}

static inline guint64
make_id (const Component *comp,
         guint32          seq)
{
  return ((guint64) comp->serial << 32) | seq;
}

static inline Shard *
shard_for_serial (ResmgrManager *self,
                  guint32        serial)
{
  return &self->shards[serial % N_SHARDS];
}

static inline Shard *
shard_for_object (ResmgrManager *self,
                  gconstpointer  object)
{
  guintptr p = (guintptr) object;

  /* Objects are allocated 16-byte aligned: the bits above those. */
  return &self->shards[((p >> 4) ^ (p >> 12)) % N_SHARDS];
}

/* Locks @a and @b, the same shard or two, in index order. */
static void
lock_shards (Shard *a,
             Shard *b)
{
  if (a > b)
    {
      Shard *t = a;
      a = b;
      b = t;
    }
  g_mutex_lock (&a->lock);
  if (b != a)
    g_mutex_lock (&b->lock);
}

static void
unlock_shards (Shard *a,
               Shard *b)
{
  g_mutex_unlock (&a->lock);
  if (b != a)
    g_mutex_unlock (&b->lock);
}

/* Returns the registered component of @object, or NULL; @shard is its
 * shard, locked. */
static inline Component *
lookup_object_locked (Shard   *shard,
                      GObject *object)
{
  return g_hash_table_lookup (shard->by_object, object);
}

/* Returns the entry with @seq that is not dead, or NULL. */
static Entry *
find_entry_locked (Component *comp,
                   guint32    seq)
{
  Entry *e = comp->entries;
  guint n = comp->n_entries;
  guint lo = 0, hi = n;

  if (n == 0)
    return NULL;

  /* Until the array is compacted, the sequence number is the index. */
  if (seq >= e[0].seq && seq - e[0].seq < n && e[seq - e[0].seq].seq == seq)
    lo = seq - e[0].seq;
  else
    {
      while (lo < hi)
        {
          guint mid = lo + (hi - lo) / 2;

          if (e[mid].seq < seq)
            lo = mid + 1;
          else
            hi = mid;
        }
      if (lo >= n || e[lo].seq != seq)
        return NULL;
    }

  return e[lo].state == ENTRY_DEAD ? NULL : &e[lo];
}

static void
compact_locked (Component *comp)
{
  Entry *e = comp->entries;
  guint n = comp->n_entries;
  guint j = 0;

  if (comp->cleaning > 0)
    return;

  if (comp->n_live == 0)
    {
      comp->n_entries = 0;
      return;
    }

  if (n - comp->n_live < 64 || n - comp->n_live < comp->n_live)
    return;

  for (guint i = 0; i < n; i++)
    if (e[i].state != ENTRY_DEAD)
      e[j++] = e[i];
  comp->n_entries = j;
}

/* Marks @entry dead and returns a copy the caller now owns. */
static Entry
take_entry_locked (Component *comp,
                   Entry     *entry)
{
  Entry taken = *entry;

  comp->count[entry->type]--;
  comp->bytes[entry->type] -= entry->size;
  entry->state = ENTRY_DEAD;
  entry->extra = NULL;
  entry->data = NULL;
  comp->n_live--;
  compact_locked (comp);

  return taken;
}

/* Looks up the component a resource id belongs to and returns it locked.
 * It is not referenced: it stays valid while its mutex is held (whoever
 * drops the table's reference takes that mutex after removing it from the
 * table), so take a reference before unlocking to use it afterwards. */
static Component *
lock_component_for_id (ResmgrManager *self,
                       guint64        id)
{
  guint32 serial = (guint32) (id >> 32);
  Shard *shard = shard_for_serial (self, serial);
  Component *comp;

  g_mutex_lock (&shard->lock);
  comp = g_hash_table_lookup (shard->by_serial, GUINT_TO_POINTER (serial));
  if (comp != NULL)
    g_mutex_lock (&comp->mutex);
  g_mutex_unlock (&shard->lock);

  return comp;
}

static void
unlock_component (Component *comp)
{
  g_mutex_unlock (&comp->mutex);
}

/* }}} */

/* Watching for finalization {{{
 *
 * A weak notify or a GWeakRef tells that an object was *disposed*; only its
 * qdata being destroyed tells that it was *finalized*. Each watched object
 * gets one qdata entry listing (manager, id) pairs; it is only touched with
 * a strong reference to the object held, or from its finalization.
 */

typedef struct
{
  GWeakRef      manager;      /* registered by address: a Watch never moves */
  gconstpointer manager_addr; /* compared only, never dereferenced */
  guint64       id;
} Watch;

static GMutex watchers_lock;

static GQuark
watchers_quark (void)
{
  static gsize quark;

  if (g_once_init_enter (&quark))
    g_once_init_leave (&quark, g_quark_from_static_string ("resmgr-watchers"));

  return (GQuark) quark;
}

static void manager_watched_finalized (ResmgrManager *self,
                                       guint64        id);

static void
watch_free (gpointer data)
{
  Watch *w = data;

  g_weak_ref_clear (&w->manager);
  g_free (w);
}

static void
watchers_finalized (gpointer data)
{
  GPtrArray *watches = data;

  for (guint i = 0; i < watches->len; i++)
    {
      Watch *w = g_ptr_array_index (watches, i);
      ResmgrManager *manager = g_weak_ref_get (&w->manager);

      if (manager != NULL)
        {
          manager_watched_finalized (manager, w->id);
          g_object_unref (manager);
        }
    }

  g_ptr_array_unref (watches);
}

static void
watch_object (GObject       *object,
              ResmgrManager *self,
              guint64        id)
{
  GPtrArray *watches;
  Watch *w = g_new0 (Watch, 1);

  g_weak_ref_init (&w->manager, self);
  w->manager_addr = self;
  w->id = id;

  g_mutex_lock (&watchers_lock);
  watches = g_object_get_qdata (object, watchers_quark ());
  if (watches == NULL)
    {
      watches = g_ptr_array_new_with_free_func (watch_free);
      g_object_set_qdata_full (object, watchers_quark (), watches, watchers_finalized);
    }
  g_ptr_array_add (watches, w);
  g_mutex_unlock (&watchers_lock);
}

/* @object must be held strongly by the caller. */
static void
unwatch_object (GObject       *object,
                ResmgrManager *self,
                guint64        id)
{
  GPtrArray *watches;
  Watch *found = NULL;

  g_mutex_lock (&watchers_lock);
  watches = g_object_get_qdata (object, watchers_quark ());
  for (guint i = 0; watches != NULL && i < watches->len; i++)
    {
      Watch *w = g_ptr_array_index (watches, i);

      /* By address, taking no reference: a reference dropped here could be
       * another manager's last, whose dispose would take this lock again.
       * A stale watch of a dead manager at our address would only have
       * found nothing: removing it is harmless. */
      if (w->id == id && w->manager_addr == self)
        {
          found = g_ptr_array_steal_index_fast (watches, i);
          break;
        }
    }
  g_mutex_unlock (&watchers_lock);

  if (found != NULL)
    watch_free (found);
}

/* }}} */

/* Counters {{{
 *
 * Counts and bytes per type live in each component, under its mutex; the
 * totals of what is tracked now, the peaks and the outcomes are atomic, and
 * a cleanup adds its outcomes up in a Tally before applying them once.
 */

typedef struct
{
  guint64 resources;
  guint64 bytes;
  guint64 released;
  guint64 failed;
  guint64 lost;
} Tally;

static inline void
raise_peak (guint64 *peak,
            guint64  value)
{
  guint64 cur = ATOMIC_LOAD (peak);

  while (value > cur &&
         !__atomic_compare_exchange_n (peak, &cur, value, TRUE,
                                       __ATOMIC_RELAXED, __ATOMIC_RELAXED))
    ;
}

static inline void
raise_peak_uint (guint *peak,
                 guint  value)
{
  guint cur = ATOMIC_LOAD (peak);

  while (value > cur &&
         !__atomic_compare_exchange_n (peak, &cur, value, TRUE,
                                       __ATOMIC_RELAXED, __ATOMIC_RELAXED))
    ;
}

static inline void
count_tracked_locked (ResmgrManager *self,
                      Component     *comp,
                      const Entry   *e)
{
  comp->count[e->type]++;
  comp->bytes[e->type] += e->size;
  comp->peak = MAX (comp->peak, comp->n_live);

  raise_peak (&self->counters->peak_resources, ATOMIC_ADD (&self->counters->cur_resources, 1));
  if (e->size > 0)
    raise_peak (&self->counters->peak_bytes, ATOMIC_ADD (&self->counters->cur_bytes, e->size));
}

static inline void
tally_add (Tally               *tally,
           const Entry         *e,
           ResmgrResourceState  state)
{
  tally->resources++;
  tally->bytes += e->size;

  if (state == RESMGR_RESOURCE_STATE_RELEASED)
    tally->released++;
  else if (state == RESMGR_RESOURCE_STATE_FAILED)
    tally->failed++;
  else
    tally->lost++;
}

/* The component's own outcome counters; @comp is locked or referenced. */
static inline void
count_outcome (Component           *comp,
               ResmgrResourceState  state)
{
  if (state == RESMGR_RESOURCE_STATE_RELEASED)
    ATOMIC_ADD (&comp->released, 1);
  else if (state == RESMGR_RESOURCE_STATE_FAILED)
    ATOMIC_ADD (&comp->failed, 1);
  else
    ATOMIC_ADD (&comp->lost, 1);
}

static void
tally_apply (ResmgrManager *self,
             const Tally   *tally)
{
  if (tally->resources == 0)
    return;

  ATOMIC_SUB (&self->counters->cur_resources, tally->resources);
  if (tally->bytes > 0)
    ATOMIC_SUB (&self->counters->cur_bytes, tally->bytes);
  if (tally->released > 0)
    ATOMIC_ADD (&self->counters->total_released, tally->released);
  if (tally->failed > 0)
    ATOMIC_ADD (&self->counters->total_failed, tally->failed);
  if (tally->lost > 0)
    ATOMIC_ADD (&self->counters->total_lost, tally->lost);
}

/* A coarse monotonic clock (same base as g_get_monotonic_time ()): creation
 * times are for ages and reports, millisecond resolution is plenty, and it
 * costs a fraction of a precise reading on the track path. */
static inline gint64
coarse_monotonic_time (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC_COARSE, &ts);

  return (gint64) ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000;
}

/* }}} */

/* Signals on the owner context {{{ */

static void
event_free_arg (guint    signal_id,
                gpointer arg)
{
  if (signal_id == signals[SIGNAL_RESOURCE_TRACKED] ||
      signal_id == signals[SIGNAL_RESOURCE_RELEASED])
    resmgr_handle_unref (arg);
  else if (signal_id == signals[SIGNAL_CLEANUP_FINISHED])
    resmgr_cleanup_report_unref (arg);
  else
    g_free (arg);
}

/* Called on the owner of the manager's context, with no lock held. */
static void
flush_events (ResmgrManager *self)
{
  g_autoptr(GArray) events = NULL;
  GSource *source;

  g_mutex_lock (&self->event_mutex);
  events = g_steal_pointer (&self->events);
  source = g_steal_pointer (&self->event_source);
  g_mutex_unlock (&self->event_mutex);

  if (source != NULL)
    {
      g_source_destroy (source);
      g_source_unref (source);
    }

  for (guint i = 0; events != NULL && i < events->len; i++)
    {
      Event *ev = &g_array_index (events, Event, i);

      g_signal_emit (self, ev->signal_id, 0, ev->arg);
      event_free_arg (ev->signal_id, ev->arg);
    }
}

static gboolean
flush_events_cb (gpointer data)
{
  ResmgrManager *self = g_weak_ref_get (data);

  if (self != NULL)
    {
      flush_events (self);
      g_object_unref (self);
    }

  return G_SOURCE_REMOVE;
}

static inline gboolean
has_handlers (ResmgrManager *self,
              guint          signal)
{
  return g_signal_has_handler_pending (self, signals[signal], 0, TRUE);
}

/* Emits now when this thread owns the manager's context (see
 * resmgr-dispatch-private.h), else queues, in order, for the owner. Takes
 * ownership of @arg. Must be called with no lock held. */
static void
emit_event (ResmgrManager *self,
            guint          signal,
            gpointer       arg)
{
  guint signal_id = signals[signal];

  if (_resmgr_context_is_owned_here (self->context))
    {
      flush_events (self);
      g_signal_emit (self, signal_id, 0, arg);
      event_free_arg (signal_id, arg);
      return;
    }

  g_mutex_lock (&self->event_mutex);
  if (self->events == NULL)
    self->events = g_array_new (FALSE, FALSE, sizeof (Event));
  g_array_append_val (self->events, ((Event) { signal_id, arg }));
  if (self->event_source == NULL)
    {
      self->event_source = g_idle_source_new ();
      g_source_set_priority (self->event_source, G_PRIORITY_DEFAULT);
      g_source_set_static_name (self->event_source, "[resmgr] manager signals");
      g_source_set_callback (self->event_source, flush_events_cb,
                             _resmgr_weak_ref_new (self), _resmgr_weak_ref_free);
      g_source_attach (self->event_source, self->context);
    }
  g_mutex_unlock (&self->event_mutex);
}

/* }}} */

/* Handles {{{ */

static ResmgrHandle *
handle_for_entry (const Component     *comp,
                  const Entry         *e,
                  ResmgrResourceState  state)
{
  return _resmgr_handle_new (make_id (comp, e->seq), e->type,
                             e->extra ? e->extra->name : NULL,
                             comp->id, e->size, e->priority, e->created, state,
                             e->extra ? e->extra->metadata : NULL);
}

static void
extra_free (EntryExtra *extra)
{
  if (extra == NULL)
    return;

  g_free (extra->name);
  g_clear_pointer (&extra->metadata, g_variant_unref);
  g_weak_ref_clear (&extra->object);
  if (extra->user_data_destroy != NULL)
    extra->user_data_destroy (extra->user_data);
  g_free (extra);
}

/* }}} */

/* Running cleanups {{{
 *
 * A cleanup operation (an Op) is a component cleanup, a disposal or a
 * shutdown. Its claims run on the owner context of their component (see
 * resmgr-dispatch-private.h), inline when the calling thread owns that
 * context, else in a Unit dispatched there that the caller waits for with a
 * deadline (synchronous forms) or continues from (asynchronous forms). The
 * Op's report is written under op->mutex by whichever thread runs a claim;
 * the thread that finishes the Op takes the report out, and outcomes that
 * arrive after that (a cleanup that overran the deadline) go to a second,
 * "late" report, emitted when the late cleanup finished.
 */

/* Runs the cleanup of an entry taken out of its component, with no lock
 * held, and frees what the entry owned. */
static ResmgrResourceState
run_entry (ResmgrManager  *self,
           guint64         id,
           Entry          *e,
           GError        **error)
{
  ResmgrResourceState state = RESMGR_RESOURCE_STATE_RELEASED;
  ResmgrCleanupFunc cleanup = e->func;
  GError *local_error = NULL;

  switch ((EntryKind) e->kind)
    {
    case KIND_DATA:
      ((GDestroyNotify) e->func) (e->data);
      break;

    case KIND_OBJECT:
      {
        GObject *object = g_weak_ref_get (&e->extra->object);

        if (object == NULL)
          {
            /* Disposed, maybe finalizing right now: it is not ours to touch. */
            state = RESMGR_RESOURCE_STATE_LOST;
            break;
          }

        unwatch_object (object, self, id);
        if (cleanup != NULL && !cleanup (object, e->extra->user_data, &local_error))
          state = RESMGR_RESOURCE_STATE_FAILED;
        g_object_unref (object);
      }
      break;

    case KIND_CALLBACK:
      if (!cleanup (e->data, e->extra->user_data, &local_error))
        state = RESMGR_RESOURCE_STATE_FAILED;
      break;

    default:
      g_assert_not_reached ();
    }

  /* A cleanup that finds its resource already gone with its context (a GL
   * container object of a destroyed context) says so: lost, not failed. */
  if (state == RESMGR_RESOURCE_STATE_FAILED &&
      g_error_matches (local_error, RESMGR_ERROR, RESMGR_ERROR_CONTEXT_LOST))
    {
      g_debug ("Resource %" G_GUINT64_FORMAT " was lost: %s", id, local_error->message);
      g_clear_error (&local_error);
      state = RESMGR_RESOURCE_STATE_LOST;
    }

  if (state == RESMGR_RESOURCE_STATE_FAILED && local_error == NULL)
    g_set_error (&local_error, RESMGR_ERROR, RESMGR_ERROR_CLEANUP_FAILED,
                 "Cleanup of resource %" G_GUINT64_FORMAT " failed without saying why", id);

  if (local_error != NULL)
    g_propagate_error (error, local_error);

  return state;
}

/* Finishes a resource that was taken: signal, observers, counters, frees.
 * @comp is referenced by the caller. */
static void
entry_done (ResmgrManager        *self,
            Component            *comp,
            Entry                *e,
            ResmgrResourceState   state,
            gboolean              notify,
            Tally                *tally)
{
  gboolean observed = _resmgr_service_observed ();
  char *name = NULL;

  tally_add (tally, e, state);
  count_outcome (comp, state);

  if (notify)
    emit_event (self, SIGNAL_RESOURCE_RELEASED, handle_for_entry (comp, e, state));

  if (observed && e->extra != NULL)
    name = g_steal_pointer (&e->extra->name);
  extra_free (e->extra);

  if (observed)
    {
      ResmgrObservedResource res = {
        make_id (comp, e->seq), comp->id, name, e->size, e->created,
        e->priority, e->type, state,
      };

      _resmgr_notify_resource_released (&self->observer_slot, &res);
      g_free (name);
    }
}

static int
claim_compare (gconstpointer a,
               gconstpointer b)
{
  const Claim *ca = a, *cb = b;

  if (ca->priority != cb->priority)
    return ca->priority > cb->priority ? -1 : 1;
  if (ca->order != cb->order)
    return ca->order > cb->order ? -1 : 1;
  return 0;
}

/* Few enough claims for an insertion sort, and for a buffer on the stack
 * in clean_component_rounds (). */
#define SMALL_CLAIMS 16

/* Sorts @n claims by priority, highest first, keeping their order within a
 * priority: an insertion sort, stable. */
static void
insertion_sort_claims (Claim *c,
                       guint  n)
{
  for (guint i = 1; i < n; i++)
    {
      Claim tmp = c[i];
      guint j = i;

      for (; j > 0 && c[j - 1].priority < tmp.priority; j--)
        c[j] = c[j - 1];
      c[j] = tmp;
    }
}

/* Claims the live entries of @comp of priority @floor or higher, newest
 * first, adding them to @claims. */
static void
claim_locked (Component *comp,
              int        floor,
              GArray    *claims)
{
  Entry *e = comp->entries;

  /* Reserve room for all of them at once. */
  if (claims->len == 0 && comp->n_live > 0)
    {
      g_array_set_size (claims, comp->n_live);
      g_array_set_size (claims, 0);
    }

  for (guint i = comp->n_entries; i-- > 0; )
    if (e[i].state == ENTRY_LIVE && e[i].priority >= floor)
      {
        Claim c = { comp, e[i].order, e[i].seq, e[i].priority };

        e[i].state = ENTRY_CLAIMED;
        g_array_append_val (claims, c);
      }
}

/* Claims every live entry of @comp into @out, which has room for
 * comp->n_live, in cleanup order: priority highest first, newest first
 * within a priority. Returns how many. Placed where they belong as they are
 * claimed (a counting sort over the entries), so no scratch array. */
static guint
claim_all_sorted_locked (Component *comp,
                         Claim     *out)
{
  Entry *e = comp->entries;
  guint n_entries = comp->n_entries;
  guint n = 0;
  guint *starts;

  if (comp->n_live <= SMALL_CLAIMS)
    {
      for (guint i = n_entries; i-- > 0; )
        if (e[i].state == ENTRY_LIVE)
          {
            out[n++] = (Claim) { comp, e[i].order, e[i].seq, e[i].priority };
            e[i].state = ENTRY_CLAIMED;
          }
      insertion_sort_claims (out, n);
      return n;
    }

  starts = g_new0 (guint, RESMGR_PRIORITY_MAX + 2);
  for (guint i = 0; i < n_entries; i++)
    if (e[i].state == ENTRY_LIVE)
      starts[RESMGR_PRIORITY_MAX - e[i].priority + 1]++;
  for (guint p = 1; p <= RESMGR_PRIORITY_MAX + 1; p++)
    starts[p] += starts[p - 1];

  for (guint i = n_entries; i-- > 0; )
    if (e[i].state == ENTRY_LIVE)
      {
        out[starts[RESMGR_PRIORITY_MAX - e[i].priority]++] =
          (Claim) { comp, e[i].order, e[i].seq, e[i].priority };
        e[i].state = ENTRY_CLAIMED;
        n++;
      }
  g_free (starts);

  return n;
}

/* Gives claims that were not run back: they are live again. Only touches
 * entries still claimed (an entry released meanwhile is dead, and a claim
 * is only ever made on a live entry, so a claimed entry among @claims is
 * ours, as long as the caller's run still owns them: see Run).
 *
 * A component whose disposal cleanup already ran (it skipped what we had
 * claimed) would keep what we give back forever: it is added to @orphans
 * (referenced), for adopt_orphans () to clean again on its owner once no
 * lock is held. */
static void
unclaim (const Claim *claims,
         guint        n,
         GPtrArray   *orphans)
{
  for (guint i = 0; i < n; i++)
    {
      const Claim *c = &claims[i];
      gboolean orphaned = FALSE;
      Entry *e;

      g_mutex_lock (&c->comp->mutex);
      e = find_entry_locked (c->comp, c->seq);
      if (e != NULL && e->state == ENTRY_CLAIMED)
        {
          e->state = ENTRY_LIVE;
          orphaned = c->comp->finished;
        }
      g_mutex_unlock (&c->comp->mutex);

      if (orphaned && (orphans->len == 0 || g_ptr_array_index (orphans, orphans->len - 1) != c->comp))
        g_ptr_array_add (orphans, component_ref (c->comp));
    }
}

static GPtrArray *
orphans_new (void)
{
  return g_ptr_array_new ();
}

static void adopt_orphans (ResmgrManager *self,
                           GPtrArray     *orphans);

typedef struct _Run Run;

typedef struct
{
  gatomicrefcount      ref_count;
  ResmgrManager       *manager;
  gint64               deadline; /* monotonic µs at which no claim starts any more, or -1 */
  int                  expired;  /* atomic */
  gboolean             quiet;    /* nobody wants a report: none is kept */

  /* Protected by mutex (taken before a component's mutex, never after): */
  GMutex               mutex;
  char                *scope;
  ResmgrCleanupReport *report;   /* NULL once taken out by op_finish () */
  ResmgrCleanupReport *late;     /* outcomes after that */
  GHashTable          *stuck;    /* GMainContext* whose Unit was abandoned */
  Run                 *runs;     /* the run_claims () of this Op running now, linked by next */
} Op;

/* One run_claims (): its claims and the one it runs now, registered on
 * its Op so that a waiter at the deadline names that one as an overrun and
 * gives back what is behind it (that run's claims, no other's). Lives on
 * run_claims ()'s stack; fields protected by the Op's mutex. */
struct _Run
{
  Run         *next;
  const Claim *claims;
  guint        n;
  guint        pos;        /* index of the one running (or the last one run) */
  Component   *running_comp;
  const Entry *running;    /* the entry whose cleanup runs now, or NULL */
  gint64       running_since;
  gboolean     overran;    /* running was reported as an overrun */
  gboolean     given_back; /* the rest of claims was given back */
};

/* An Op of the caller's own (clean_component_here ()), on its stack: no
 * other thread ever sees it (no Unit refers to it). Without a report
 * (@quiet) it records nothing. @scope is borrowed: an Op on the stack
 * never makes a late report. */
static void
op_init_here (Op            *op,
              ResmgrManager *self,
              const char    *scope,
              gboolean       quiet)
{
  memset (op, 0, sizeof (Op));
  g_atomic_ref_count_init (&op->ref_count);
  op->manager = self;
  op->deadline = -1;
  op->quiet = quiet;
  g_mutex_init (&op->mutex);
  op->scope = (char *) scope;
  if (!quiet)
    op->report = _resmgr_cleanup_report_new (scope);
}

static void
op_clear_here (Op *op)
{
  g_assert (op->runs == NULL && op->late == NULL && op->stuck == NULL);
  g_clear_pointer (&op->report, resmgr_cleanup_report_unref);
  g_mutex_clear (&op->mutex);
}

static Op *
op_new (ResmgrManager *self,
        const char    *scope,
        gint64         deadline)
{
  Op *op = g_new0 (Op, 1);

  g_atomic_ref_count_init (&op->ref_count);
  op->manager = g_object_ref (self);
  op->deadline = deadline;
  g_mutex_init (&op->mutex);
  op->scope = g_strdup (scope);
  op->report = _resmgr_cleanup_report_new (scope);

  return op;
}

static Op *
op_ref (Op *op)
{
  g_atomic_ref_count_inc (&op->ref_count);
  return op;
}

static void
op_unref (Op *op)
{
  if (op != NULL && g_atomic_ref_count_dec (&op->ref_count))
    {
      g_clear_pointer (&op->report, resmgr_cleanup_report_unref);
      g_clear_pointer (&op->late, resmgr_cleanup_report_unref);
      g_clear_pointer (&op->stuck, g_hash_table_unref);
      g_assert (op->runs == NULL);
      g_mutex_clear (&op->mutex);
      g_free (op->scope);
      g_object_unref (op->manager);
      g_free (op);
    }
}

static gboolean
op_expired (Op *op)
{
  if (g_atomic_int_get (&op->expired))
    return TRUE;

  if (op->deadline >= 0 && coarse_monotonic_time () > op->deadline)
    {
      g_atomic_int_set (&op->expired, TRUE);
      return TRUE;
    }

  return FALSE;
}

/* Called by a waiter whose Unit was abandoned before it started. */
static void
op_mark_stuck (Op           *op,
               GMainContext *context)
{
  g_atomic_int_set (&op->expired, TRUE);

  g_mutex_lock (&op->mutex);
  if (op->stuck == NULL)
    op->stuck = g_hash_table_new (NULL, NULL);
  g_hash_table_add (op->stuck, context);
  g_mutex_unlock (&op->mutex);
}

/* At the deadline, for a waiter whose Unit still runs (and for the async
 * shutdown's timeout, whose stepper may run a batch inline elsewhere): no
 * claim starts any more; each running cleanup is named as an overrun and
 * what is queued behind it is given back. */
static void
op_overrun (Op *op)
{
  g_autoptr(GPtrArray) orphans = orphans_new ();

  g_atomic_int_set (&op->expired, TRUE);

  g_mutex_lock (&op->mutex);
  for (Run *run = op->runs; run != NULL; run = run->next)
    {
      if (run->running != NULL && op->report != NULL && !run->overran)
        {
          _resmgr_cleanup_report_add_overrun (op->report,
                                              handle_for_entry (run->running_comp, run->running,
                                                                RESMGR_RESOURCE_STATE_ACTIVE),
                                              coarse_monotonic_time () - run->running_since);
          run->overran = TRUE;
        }
      if (!run->given_back)
        {
          guint next = run->running != NULL ? run->pos + 1 : run->pos;

          if (next < run->n)
            unclaim (run->claims + next, run->n - next, orphans);
          run->given_back = TRUE;
        }
    }
  g_mutex_unlock (&op->mutex);

  adopt_orphans (op->manager, orphans);
}

/* Records the outcome of a claim that ran, in the report or, once that was
 * taken out, in the late report. */
static void
op_record (Op                  *op,
           Run                 *run,
           Component           *comp,
           const Entry         *e,
           ResmgrResourceState  state,
           GError              *error,
           gint64               started)
{
  ResmgrCleanupReport *report;

  if (op->quiet)
    {
      /* Nothing to record, and nobody else sees this Op (see op_init_here ()). */
      run->running = NULL;
      g_clear_error (&error);
      return;
    }

  g_mutex_lock (&op->mutex);

  report = op->report;
  if (report == NULL)
    {
      if (op->late == NULL)
        {
          g_autofree char *scope = g_strdup_printf ("%s (late)", op->scope);

          op->late = _resmgr_cleanup_report_new (scope);
        }
      report = op->late;
    }
  else if (!run->overran && op->deadline >= 0 && started <= op->deadline &&
           coarse_monotonic_time () > op->deadline)
    {
      /* Run inline, it outlasted the deadline: an overrun all the same. */
      _resmgr_cleanup_report_add_overrun (report, handle_for_entry (comp, e, RESMGR_RESOURCE_STATE_ACTIVE),
                                          coarse_monotonic_time () - started);
    }

  run->running = NULL;
  run->overran = FALSE;

  _resmgr_cleanup_report_begin_phase (report, e->priority);
  if (state == RESMGR_RESOURCE_STATE_RELEASED)
    _resmgr_cleanup_report_add_released (report);
  else if (state == RESMGR_RESOURCE_STATE_FAILED)
    _resmgr_cleanup_report_add_failure (report, handle_for_entry (comp, e, state), g_steal_pointer (&error));
  else
    _resmgr_cleanup_report_add_lost (report);

  g_mutex_unlock (&op->mutex);

  g_clear_error (&error);
}

static void
op_end_phase (Op *op)
{
  g_mutex_lock (&op->mutex);
  if (op->report != NULL)
    _resmgr_cleanup_report_end_phase (op->report);
  else if (op->late != NULL)
    _resmgr_cleanup_report_end_phase (op->late);
  g_mutex_unlock (&op->mutex);
}

static void emit_cleanup_finished (ResmgrManager       *self,
                                   ResmgrCleanupReport *report);

/* After a Unit: a late report is complete once its Unit ended. */
static void
op_flush_late (Op *op)
{
  ResmgrCleanupReport *late = NULL;

  g_mutex_lock (&op->mutex);
  if (op->report == NULL)
    late = g_steal_pointer (&op->late);
  g_mutex_unlock (&op->mutex);

  if (late != NULL)
    {
      _resmgr_cleanup_report_finish (late);
      g_info ("%s: %u cleanup(s) finished after the deadline (%u failed)",
              resmgr_cleanup_report_get_scope (late),
              resmgr_cleanup_report_get_released (late) + resmgr_cleanup_report_get_failed (late) +
              resmgr_cleanup_report_get_lost (late),
              resmgr_cleanup_report_get_failed (late));
      emit_cleanup_finished (op->manager, late);
      resmgr_cleanup_report_unref (late);
    }
}

/* Runs @n claims in order, on the calling thread, which owns their
 * context. When @bounded (a Unit some other thread waits for), stops at
 * the Op's deadline and gives back what it did not run; unbounded runs are
 * the caller's own contexts, which cost no wait. */
static void
run_claims (ResmgrManager *self,
            Op            *op,
            const Claim   *claims,
            guint          n,
            gboolean       bounded)
{
  gboolean notify = has_handlers (self, SIGNAL_RESOURCE_RELEASED);
  g_autoptr(GPtrArray) orphans = NULL; /* made when needed: seldom */
  Tally tally = { 0 };
  Run run = { NULL, claims, n, 0, NULL, NULL, 0, FALSE, FALSE };

  g_mutex_lock (&op->mutex);
  run.next = op->runs;
  op->runs = &run;
  g_mutex_unlock (&op->mutex);

  for (guint i = 0; i < n; i++)
    {
      const Claim *c = &claims[i];
      ResmgrResourceState state;
      GError *error = NULL;
      Entry *e, taken;
      gint64 started;

      /* Given back at the deadline by a waiter (see op_overrun ()), or,
       * for a Unit someone waits for, the deadline passed: stop here. */
      g_mutex_lock (&op->mutex);
      if (!run.given_back && bounded && op_expired (op))
        {
          orphans = orphans_new ();
          unclaim (claims + i, n - i, orphans);
          run.given_back = TRUE;
        }
      if (run.given_back)
        {
          g_mutex_unlock (&op->mutex);
          break;
        }
      g_mutex_unlock (&op->mutex);

      g_mutex_lock (&c->comp->mutex);
      e = find_entry_locked (c->comp, c->seq);
      if (e == NULL || e->state != ENTRY_CLAIMED)
        {
          /* Released by someone else meanwhile (maybe by an earlier cleanup),
           * or given back at the deadline. */
          g_mutex_unlock (&c->comp->mutex);
          continue;
        }
      taken = take_entry_locked (c->comp, e);
      g_mutex_unlock (&c->comp->mutex);

      started = coarse_monotonic_time ();
      g_mutex_lock (&op->mutex);
      run.pos = i;
      run.running_comp = c->comp;
      run.running = &taken;
      run.running_since = started;
      g_mutex_unlock (&op->mutex);

      state = run_entry (self, make_id (c->comp, c->seq), &taken, &error);
      op_record (op, &run, c->comp, &taken, state, error, started);
      entry_done (self, c->comp, &taken, state, notify, &tally);
    }

  g_mutex_lock (&op->mutex);
  for (Run **link = &op->runs; *link != NULL; link = &(*link)->next)
    if (*link == &run)
      {
        *link = run.next;
        break;
      }
  g_mutex_unlock (&op->mutex);

  tally_apply (self, &tally);
  if (orphans != NULL)
    adopt_orphans (self, orphans);
}

/* Cleans everything @comp owns, in rounds until nothing is left (a cleanup
 * may track more for the same component). On its owner context. */
static void
clean_component_rounds (ResmgrManager *self,
                        Op            *op,
                        Component     *comp)
{
  Claim small[SMALL_CLAIMS];
  g_autofree Claim *large = NULL;
  Claim *claims = small;
  guint room = SMALL_CLAIMS;

  for (guint round = 0; round < MAX_CLEANUP_ROUNDS && !op_expired (op); round++)
    {
      guint n;

      g_mutex_lock (&comp->mutex);
      if (comp->n_live > room)
        {
          g_free (large);
          room = comp->n_live;
          claims = large = g_new (Claim, room);
        }
      n = claim_all_sorted_locked (comp, claims);
      if (n > 0)
        comp->cleaning++;
      g_mutex_unlock (&comp->mutex);

      if (n == 0)
        break;

      run_claims (self, op, claims, n, TRUE);
      op_end_phase (op);

      g_mutex_lock (&comp->mutex);
      comp->cleaning--;
      compact_locked (comp);
      g_mutex_unlock (&comp->mutex);
    }
}

/* Takes the report out of @op, listing what @comps still own (live) of
 * priority @floor or higher as leftovers, with the reason when the Op
 * knows it. */
static ResmgrCleanupReport *
op_finish (Op         *op,
           Component **comps,
           guint       n_comps,
           int         floor)
{
  gboolean expired = g_atomic_int_get (&op->expired);
  ResmgrCleanupReport *report;

  if (op->quiet)
    return NULL;

  g_mutex_lock (&op->mutex);
  report = g_steal_pointer (&op->report);
  for (guint i = 0; i < n_comps; i++)
    {
      Component *comp = comps[i];
      g_autofree char *reason = NULL;

      if (op->stuck != NULL && g_hash_table_contains (op->stuck, comp->context))
        {
          g_autofree char *where = _resmgr_context_describe (comp->context);

          reason = g_strdup_printf ("its owner context (%s) was not iterated before the deadline", where);
        }
      else if (expired)
        reason = g_strdup ("the deadline passed before its cleanup ran");

      g_mutex_lock (&comp->mutex);
      for (guint j = 0; j < comp->n_entries; j++)
        {
          Entry *e = &comp->entries[j];

          /* Claimed entries belong to another cleanup that runs them. */
          if (e->state == ENTRY_LIVE && e->priority >= floor)
            _resmgr_cleanup_report_add_leftover_with_reason (report,
                                                             handle_for_entry (comp, e, RESMGR_RESOURCE_STATE_ACTIVE),
                                                             reason);
        }
      g_mutex_unlock (&comp->mutex);
    }
  g_mutex_unlock (&op->mutex);

  _resmgr_cleanup_report_set_timed_out (report, expired);
  _resmgr_cleanup_report_finish (report);

  return report;
}

/* A unit of work on one owner context: a component's rounds, or a batch of
 * a shutdown's claims. */
typedef struct _Unit Unit;

struct _Unit
{
  gatomicrefcount  ref_count;
  Op              *op;
  ResmgrCall      *call;
  Component       *comp;   /* a component cleanup (referenced), or NULL */
  GArray          *claims; /* a batch: Claim, each holding a component reference */
  void           (*then) (Unit *unit); /* after it ran, on the owner, no lock */
  gpointer         then_data;
  GDestroyNotify   then_data_free;
  GSource         *source; /* attached to the owner context, or NULL if it ran inline */
};

static Unit *
unit_new (Op          *op,
          Component   *comp,
          const Claim *claims,
          guint        n)
{
  Unit *unit = g_new0 (Unit, 1);

  g_atomic_ref_count_init (&unit->ref_count);
  unit->op = op_ref (op);
  unit->call = _resmgr_call_new ();
  if (comp != NULL)
    unit->comp = component_ref (comp);
  if (claims != NULL)
    {
      unit->claims = g_array_sized_new (FALSE, FALSE, sizeof (Claim), n);
      g_array_append_vals (unit->claims, claims, n);
      for (guint i = 0; i < n; i++)
        component_ref (claims[i].comp);
    }

  return unit;
}

static Unit *
unit_ref (Unit *unit)
{
  g_atomic_ref_count_inc (&unit->ref_count);
  return unit;
}

static void
unit_unref (gpointer data)
{
  Unit *unit = data;

  if (unit != NULL && g_atomic_ref_count_dec (&unit->ref_count))
    {
      if (unit->claims != NULL)
        {
          for (guint i = 0; i < unit->claims->len; i++)
            component_unref (g_array_index (unit->claims, Claim, i).comp);
          g_array_unref (unit->claims);
        }
      if (unit->then_data_free != NULL)
        unit->then_data_free (unit->then_data);
      g_clear_pointer (&unit->source, g_source_unref);
      g_clear_pointer (&unit->comp, component_unref);
      _resmgr_call_unref (unit->call);
      op_unref (unit->op);
      g_free (unit);
    }
}

static gboolean
unit_run_cb (gpointer data)
{
  Unit *unit = data;
  ResmgrManager *self = unit->op->manager;

  /* Abandoned by its waiter: what it would have cleaned stays tracked. */
  if (!_resmgr_call_begin (unit->call))
    return G_SOURCE_REMOVE;

  if (unit->comp != NULL)
    clean_component_rounds (self, unit->op, unit->comp);
  else
    {
      run_claims (self, unit->op, (Claim *) (gpointer) unit->claims->data, unit->claims->len, TRUE);
      op_end_phase (unit->op);
    }

  _resmgr_call_end (unit->call);
  op_flush_late (unit->op);

  if (unit->then != NULL)
    unit->then (unit);

  return G_SOURCE_REMOVE;
}

/* Hands @unit (a new reference is taken) to the owner of @context: runs it
 * now when this thread owns it (returns TRUE), else attaches it there. */
static gboolean
unit_dispatch (Unit         *unit,
               GMainContext *context,
               const char   *name)
{
  /* Kept so that an abandoned unit can be dropped at once: it holds the
   * Op, so the manager, until its source goes. */
  unit->source = _resmgr_dispatch_source (context, G_PRIORITY_HIGH, name,
                                          unit_run_cb, unit_ref (unit), unit_unref);

  return unit->source == NULL;
}

/* The waiter gave @unit up before it started: its claims go back, and its
 * source (with the Unit, the Op and the manager it holds) goes now rather
 * than when, if ever, the owner iterates. Not on the owner, no lock held. */
static void
unit_abandoned (Unit         *unit,
                GMainContext *context)
{
  op_mark_stuck (unit->op, context);

  if (unit->claims != NULL)
    {
      g_autoptr(GPtrArray) orphans = orphans_new ();

      unclaim ((Claim *) (gpointer) unit->claims->data, unit->claims->len, orphans);
      adopt_orphans (unit->op->manager, orphans);
    }

  if (unit->source != NULL)
    g_source_destroy (unit->source);
}

/* Runs @unit on @context: inline when this thread owns it, else there,
 * waiting until @deadline (monotonic µs, -1: no limit). Returns the state
 * of the call at the end: DONE, ABANDONED (it never ran, and never will),
 * or RUNNING (it overran the deadline). */
static ResmgrCallState
run_unit_sync (Op           *op,
               GMainContext *context,
               Unit         *unit,
               gint64        deadline)
{
  ResmgrCallState state;

  if (unit_dispatch (unit, context, "[resmgr] cleanup on owner context"))
    return RESMGR_CALL_DONE;

  state = _resmgr_call_wait (unit->call, deadline);
  if (state == RESMGR_CALL_ABANDONED)
    unit_abandoned (unit, context);
  else if (state == RESMGR_CALL_RUNNING)
    op_overrun (op);

  return state;
}

static GPtrArray *
dup_components (ResmgrManager *self)
{
  GPtrArray *comps = g_ptr_array_new_with_free_func ((GDestroyNotify) component_unref);

  for (guint i = 0; i < N_SHARDS; i++)
    {
      Shard *shard = &self->shards[i];
      GHashTableIter iter;
      gpointer value;

      g_mutex_lock (&shard->lock);
      g_hash_table_iter_init (&iter, shard->by_serial);
      while (g_hash_table_iter_next (&iter, NULL, &value))
        g_ptr_array_add (comps, component_ref (value));
      g_mutex_unlock (&shard->lock);
    }

  return comps;
}

/* }}} */

/* Component disposal {{{ */

static void
emit_cleanup_finished (ResmgrManager       *self,
                       ResmgrCleanupReport *report)
{
  if (_resmgr_service_observed ())
    _resmgr_notify_cleanup_finished (&self->observer_slot, report);
  if (has_handlers (self, SIGNAL_CLEANUP_FINISHED))
    emit_event (self, SIGNAL_CLEANUP_FINISHED, resmgr_cleanup_report_ref (report));
}

/* Cleans all @comp owns, on its owner context, with no deadline. Returns
 * its report, or NULL when @quiet (nobody wants one). */
static ResmgrCleanupReport *
clean_component_here (ResmgrManager *self,
                      Component     *comp,
                      gboolean       quiet)
{
  ResmgrCleanupReport *report;
  Op op;

  op_init_here (&op, self, comp->id, quiet);
  clean_component_rounds (self, &op, comp);
  report = op_finish (&op, &comp, 1, 0);
  op_clear_here (&op);

  return report;
}

/* Whether anybody would see a cleanup-finished report now. */
static gboolean
wants_cleanup_report (ResmgrManager *self)
{
  return _resmgr_service_observed () || has_handlers (self, SIGNAL_CLEANUP_FINISHED);
}

void (*_resmgr_manager_test_disposal_hook) (const char *component_id);

/* On the component's owner context. */
static void
finish_disposed_component (ResmgrManager *self,
                           Component     *comp)
{
  ResmgrCleanupReport *report = clean_component_here (self, comp, !wants_cleanup_report (self));
  Shard *shard = shard_for_serial (self, comp->serial);
  gboolean removed = FALSE;
  gboolean given_back = FALSE;

  if (G_UNLIKELY (_resmgr_manager_test_disposal_hook != NULL))
    _resmgr_manager_test_disposal_hook (comp->id);

  /* One step under its shard's lock: out of the table (its ids unknown
   * from now on, its count retired), and finished: from now on nobody
   * cleans it again by itself, what another operation gives back to it
   * later is an orphan (see unclaim ()). What it gave back since the
   * cleanup above claimed (skipping its claims) came before finished, so
   * unclaim () did not make it an orphan: it is live, and ours to hand on. */
  g_mutex_lock (&shard->lock);
  if (g_hash_table_lookup (shard->by_serial, GUINT_TO_POINTER (comp->serial)) == comp)
    {
      g_hash_table_steal (shard->by_serial, GUINT_TO_POINTER (comp->serial));
      ATOMIC_SUB (&self->n_components, 1);
      removed = TRUE;
    }
  g_mutex_lock (&comp->mutex);
  comp->finished = TRUE;
  for (guint i = 0; comp->n_live > 0 && i < comp->n_entries && !given_back; i++)
    given_back = comp->entries[i].state == ENTRY_LIVE;
  if (removed)
    {
      comp->retired = TRUE;
      shard->retired_tracked += comp->next_seq - 1;
    }
  g_mutex_unlock (&comp->mutex);
  g_mutex_unlock (&shard->lock);

  /* A disposal with nothing left to clean (the component was cleaned
   * before, or never owned anything) is nobody's news: a controller's
   * cleanup would otherwise be followed by an empty report of its own. */
  if (report != NULL)
    {
      if (!_resmgr_cleanup_report_is_empty (report))
        emit_cleanup_finished (self, report);
      resmgr_cleanup_report_unref (report);
    }

  if (removed && _resmgr_service_observed ())
    _resmgr_notify_component_removed (&self->observer_slot, comp->id);
  if (removed && has_handlers (self, SIGNAL_COMPONENT_REMOVED))
    emit_event (self, SIGNAL_COMPONENT_REMOVED, g_strdup (comp->id));

  /* Cleaned as an orphan, after this disposal's own report: its claims
   * make sure each is run once, and what is still claimed comes back
   * through unclaim (), which sees finished now. */
  if (given_back)
    {
      g_autoptr(GPtrArray) orphans = orphans_new ();

      g_ptr_array_add (orphans, component_ref (comp));
      adopt_orphans (self, orphans);
    }

  /* The table's reference, dropped last: the report and the signals above
   * still read comp->id. */
  if (removed)
    component_unref (comp);
}

/* One weak reference to the manager, shared by every pending disposal: on
 * GLib 2.74 initialising and clearing a GWeakRef walks the object's list of
 * them, so one per disposal made draining n disposals O(n²). */
struct _ManagerRef
{
  gatomicrefcount ref_count;
  GWeakRef        manager;
};

static ManagerRef *
manager_ref_ref (ManagerRef *ref)
{
  g_atomic_ref_count_inc (&ref->ref_count);
  return ref;
}

static void
manager_ref_unref (ManagerRef *ref)
{
  if (g_atomic_ref_count_dec (&ref->ref_count))
    {
      g_weak_ref_clear (&ref->manager);
      g_free (ref);
    }
}

typedef struct
{
  ManagerRef *manager;
  Component  *comp;
} DisposedData;

static gboolean
finish_disposed_cb (gpointer data)
{
  DisposedData *dd = data;
  ResmgrManager *self = g_weak_ref_get (&dd->manager->manager);

  /* Without a manager there is nothing left: its dispose cleaned it all. */
  if (self != NULL)
    {
      finish_disposed_component (self, dd->comp);
      g_object_unref (self);
    }

  return G_SOURCE_REMOVE;
}

static void
disposed_data_free (gpointer data)
{
  DisposedData *dd = data;

  manager_ref_unref (dd->manager);
  component_unref (dd->comp);
  g_free (dd);
}

/* Cleans, on their owners, disposed components that were given back
 * claims after their disposal cleanup ran. Frees @orphans' references; no
 * lock may be held (it may run the cleanups inline). */
static void
adopt_orphans (ResmgrManager *self,
               GPtrArray     *orphans)
{
  for (guint i = 0; i < orphans->len; i++)
    {
      Component *comp = g_ptr_array_index (orphans, i);
      DisposedData *dd = g_new0 (DisposedData, 1);

      dd->manager = manager_ref_ref (self->weak_self);
      dd->comp = comp; /* the reference taken by unclaim () */
      _resmgr_dispatch (comp->context, G_PRIORITY_HIGH, "[resmgr] given back to a disposed component",
                        finish_disposed_cb, dd, disposed_data_free);
    }
  g_ptr_array_set_size (orphans, 0);
}

/* Fires when the component starts being disposed, on any thread. Its
 * cleanup runs on its owner context: right here when this thread owns it,
 * else when the owner iterates it (never on this thread to help). */
static void
component_disposed (gpointer  data,
                    GObject  *where_the_object_was)
{
  Component *comp = data;
  ResmgrManager *self;

  g_mutex_lock (&comp->mutex);
  comp->disposed = TRUE;
  self = comp->manager ? g_object_ref (comp->manager) : NULL;
  g_mutex_unlock (&comp->mutex);

  if (self != NULL)
    {
      Shard *shard = shard_for_object (self, comp->object);

      g_mutex_lock (&self->ids_lock);
      g_mutex_lock (&shard->lock);
      if (lookup_object_locked (shard, comp->object) == comp)
        {
          g_hash_table_remove (shard->by_object, comp->object);
          g_hash_table_remove (self->ids, comp->id);
        }
      g_mutex_unlock (&shard->lock);
      g_mutex_unlock (&self->ids_lock);

      /* What _resmgr_dispatch () would do inline, without its closure:
       * this thread owns the context and holds the manager. */
      if (_resmgr_context_is_owned_here (comp->context))
        finish_disposed_component (self, comp);
      else
        {
          DisposedData *dd = g_new0 (DisposedData, 1);

          dd->manager = manager_ref_ref (self->weak_self);
          dd->comp = component_ref (comp);
          _resmgr_dispatch (comp->context, G_PRIORITY_HIGH, "[resmgr] disposed component cleanup",
                            finish_disposed_cb, dd, disposed_data_free);
        }

      g_object_unref (self);
    }

  /* The reference held for this notify. */
  component_unref (comp);
}

/* }}} */

/* ResmgrService implementation {{{ */

static gboolean
refuse_if_shutting_down (ResmgrManager  *self,
                         GError        **error)
{
  if (g_atomic_int_get (&self->shutting_down))
    {
      g_set_error_literal (error, RESMGR_ERROR, RESMGR_ERROR_SHUTTING_DOWN,
                           "The resource manager is shutting down and refuses new resources");
      return TRUE;
    }
  return FALSE;
}

/* Component serials, so resource ids, are unique in the process: an id
 * given to another manager is unknown here, never somebody else's. */
static guint32
next_component_serial (void)
{
  static guint serial;
  guint s;

  do
    s = (guint) g_atomic_int_add ((int *) &serial, 1) + 1;
  while (G_UNLIKELY (s == 0));

  return s;
}

static gboolean
resmgr_manager_register_component (ResmgrService  *service,
                                   GObject        *object,
                                   const char     *id,
                                   GError        **error)
{
  ResmgrManager *self = SELF (service);
  guint32 serial;
  Shard *object_shard, *serial_shard;
  Component *comp, *existing;
  gsize id_len;
  guint n_components;

  if (refuse_if_shutting_down (self, error))
    return FALSE;

  /* Both of its shards are held from the check to the insertion, so that
   * one object is never registered twice and its serial is known before
   * its object is (an id a track on it returns is then always known to a
   * release); its id is checked and added under ids_lock. A registration
   * that fails leaves a serial unused, which is harmless. */
  serial = next_component_serial ();
  object_shard = shard_for_object (self, object);
  serial_shard = shard_for_serial (self, serial);
  g_mutex_lock (&self->ids_lock);
  lock_shards (object_shard, serial_shard);

  if ((existing = lookup_object_locked (object_shard, object)) != NULL)
    {
      g_set_error (error, RESMGR_ERROR, RESMGR_ERROR_INVALID_ARGUMENT,
                   "%s %p is already registered as component “%s”",
                   G_OBJECT_TYPE_NAME (object), object, existing->id);
      unlock_shards (object_shard, serial_shard);
      g_mutex_unlock (&self->ids_lock);
      return FALSE;
    }

  if (id != NULL)
    {
      if (g_hash_table_contains (self->ids, id))
        {
          g_set_error (error, RESMGR_ERROR, RESMGR_ERROR_INVALID_ARGUMENT,
                       "A component with id “%s” is already registered", id);
          unlock_shards (object_shard, serial_shard);
          g_mutex_unlock (&self->ids_lock);
          return FALSE;
        }
      id_len = strlen (id);
      comp = g_malloc0 (sizeof (Component) + id_len + 1);
      memcpy (comp->id_storage, id, id_len + 1);
    }
  else
    {
      /* "<TypeName>-<n>", formatted by hand: this is on the path of every
       * component, and printf is a good part of its cost. */
      GType type = G_OBJECT_TYPE (object);
      const char *type_name = g_type_name (type);
      gsize type_len = strlen (type_name);
      gpointer key = GSIZE_TO_POINTER (type);
      guint n = GPOINTER_TO_UINT (g_hash_table_lookup (self->id_counters, key));
      char digits[16], *p;

      comp = NULL;
      do
        {
          guint v = ++n;

          p = digits + sizeof digits;
          *--p = '\0';
          do
            *--p = (char) ('0' + v % 10);
          while ((v /= 10) != 0);
          id_len = type_len + 1 + (gsize) (digits + sizeof digits - 1 - p);
          comp = g_realloc (comp, sizeof (Component) + id_len + 1);
          memcpy (comp->id_storage, type_name, type_len);
          comp->id_storage[type_len] = '-';
          memcpy (comp->id_storage + type_len + 1, p, (gsize) (digits + sizeof digits - p));
        }
      while (g_hash_table_contains (self->ids, comp->id_storage));
      g_hash_table_insert (self->id_counters, key, GUINT_TO_POINTER (n));
      memset (comp, 0, sizeof (Component));
    }

  g_atomic_ref_count_init (&comp->ref_count);
  g_mutex_init (&comp->mutex);
  comp->serial = serial;
  comp->id = comp->id_storage;
  comp->object = object;
  comp->context = g_main_context_ref_thread_default ();
  comp->manager = self;
  comp->next_seq = 1;

  g_hash_table_insert (serial_shard->by_serial, GUINT_TO_POINTER (comp->serial), comp);
  g_hash_table_insert (object_shard->by_object, object, comp);
  g_hash_table_insert (self->ids, comp->id, comp);
  n_components = ATOMIC_ADD (&self->n_components, 1);
  raise_peak_uint (&self->peak_components, n_components);

  unlock_shards (object_shard, serial_shard);
  g_mutex_unlock (&self->ids_lock);

  /* The caller holds @object, so it cannot be disposed concurrently here. */
  g_object_weak_ref (object, component_disposed, component_ref (comp));

  if (_resmgr_service_observed ())
    _resmgr_notify_component_registered (&self->observer_slot, comp->id);

  if (has_handlers (self, SIGNAL_COMPONENT_REGISTERED))
    emit_event (self, SIGNAL_COMPONENT_REGISTERED, g_strdup (comp->id));

  return TRUE;
}

/* @name is the caller's (@proto->extra may be freed by a concurrent release
 * as soon as the entry is published). */
/* For @object, or for the record @held (a coordinator's, see
 * _resmgr_manager_hold_component ()): its state, checked under its lock,
 * says whether the component is alive, with no table lookup. */
static guint64
track_entry (ResmgrManager  *self,
             GObject        *object,
             Component      *held,
             const char     *name,
             Entry          *proto,
             GError        **error)
{
  Component *comp;
  gboolean observe;
  guint64 id;

  if (refuse_if_shutting_down (self, error))
    return 0;

  if (held != NULL)
    {
      comp = held;
      g_mutex_lock (&comp->mutex);
    }
  else
    {
      Shard *shard = shard_for_object (self, object);

      g_mutex_lock (&shard->lock);
      comp = lookup_object_locked (shard, object);
      if (comp == NULL)
        {
          g_mutex_unlock (&shard->lock);
          g_set_error (error, RESMGR_ERROR, RESMGR_ERROR_NOT_FOUND,
                       "%s %p is not a registered component",
                       G_OBJECT_TYPE_NAME (object), object);
          return 0;
        }

      g_mutex_lock (&comp->mutex);
      g_mutex_unlock (&shard->lock);
    }

  /* Checked again under the component lock: a shutdown that started sets
   * the flag before it claims this component's entries. A held record
   * whose manager let go of it is as good as disposed. */
  if (G_UNLIKELY (comp->disposed || comp->next_seq == G_MAXUINT32 ||
                  comp->manager != self ||
                  g_atomic_int_get (&self->shutting_down)))
    {
      if (g_atomic_int_get (&self->shutting_down))
        g_set_error_literal (error, RESMGR_ERROR, RESMGR_ERROR_SHUTTING_DOWN,
                             "The resource manager is shutting down and refuses new resources");
      else if (comp->disposed || comp->manager != self)
        g_set_error (error, RESMGR_ERROR, RESMGR_ERROR_NOT_FOUND,
                     "Component “%s” is being disposed", comp->id);
      else
        g_set_error (error, RESMGR_ERROR, RESMGR_ERROR_INVALID_ARGUMENT,
                     "Component “%s” has used up its resource ids", comp->id);
      g_mutex_unlock (&comp->mutex);
      return 0;
    }

  proto->seq = comp->next_seq++;
  proto->order = ATOMIC_ADD (&self->counters->next_order, 1);
  proto->state = ENTRY_LIVE;
  if (G_UNLIKELY (comp->n_entries == comp->entries_room))
    {
      /* Room for one first: most components hold a handful. */
      comp->entries_room = comp->entries_room == 0 ? 1 : comp->entries_room * 2;
      comp->entries = g_renew (Entry, comp->entries, comp->entries_room);
    }
  comp->entries[comp->n_entries++] = *proto;
  comp->n_live++;
  id = make_id (comp, proto->seq);

  count_tracked_locked (self, comp, proto);

  /* Looked for under the lock (see resmgr-observer.c); comp->id must stay
   * valid for the observers. */
  observe = _resmgr_service_observed ();
  if (observe)
    component_ref (comp);

  if (G_UNLIKELY (has_handlers (self, SIGNAL_RESOURCE_TRACKED)))
    {
      ResmgrHandle *handle = handle_for_entry (comp, proto, RESMGR_RESOURCE_STATE_ACTIVE);

      g_mutex_unlock (&comp->mutex);
      emit_event (self, SIGNAL_RESOURCE_TRACKED, handle);
    }
  else
    g_mutex_unlock (&comp->mutex);

  if (observe)
    {
      ResmgrObservedResource res = {
        id, comp->id, name, proto->size, proto->created,
        proto->priority, proto->type, RESMGR_RESOURCE_STATE_ACTIVE,
      };

      _resmgr_notify_resource_tracked (&self->observer_slot, &res);
      component_unref (comp);
    }

  return id;
}

static inline int
effective_priority (ResmgrResourceType type,
                    int                priority)
{
  return priority == RESMGR_PRIORITY_DEFAULT ? resmgr_resource_type_get_default_priority (type) : priority;
}

static EntryExtra *
extra_new (const char *name)
{
  EntryExtra *extra = g_new0 (EntryExtra, 1);

  extra->name = g_strdup (name);

  return extra;
}

static guint64
track_data_impl (ResmgrManager       *self,
                 GObject             *component,
                 Component           *held,
                 ResmgrResourceType   type,
                 const char          *name,
                 gsize                size,
                 int                  priority,
                 gpointer             data,
                 GDestroyNotify       destroy,
                 GError             **error)
{
  Entry e = {
    .data = data,
    .func = destroy,
    .extra = name ? extra_new (name) : NULL,
    .size = size,
    .created = coarse_monotonic_time (),
    .priority = effective_priority (type, priority),
    .type = type,
    .kind = KIND_DATA,
  };
  guint64 id = track_entry (self, component, held, name, &e, error);

  if (id == 0)
    extra_free (e.extra);

  return id;
}

static guint64
track_object_impl (ResmgrManager       *self,
                   GObject             *component,
                   Component           *held,
                   ResmgrResourceType   type,
                   const char          *name,
                   gsize                size,
                   int                  priority,
                   GObject             *object,
                   ResmgrCleanupFunc    cleanup,
                   gpointer             user_data,
                   GDestroyNotify       user_data_destroy,
                   GError             **error)
{
  EntryExtra *extra = extra_new (name);
  Entry e = {
    .func = cleanup,
    .extra = extra,
    .size = size,
    .created = coarse_monotonic_time (),
    .priority = effective_priority (type, priority),
    .type = type,
    .kind = KIND_OBJECT,
  };
  guint64 id;

  g_weak_ref_init (&extra->object, object);
  extra->user_data = user_data;
  extra->user_data_destroy = user_data_destroy;

  id = track_entry (self, component, held, name, &e, error);
  if (id == 0)
    {
      /* Nothing taken: the caller keeps user_data. */
      extra->user_data_destroy = NULL;
      extra_free (extra);
      return 0;
    }

  /* After the entry exists; a concurrent release that already ran leaves a
   * stale watch behind, which only finds nothing when the object goes. */
  watch_object (object, self, id);

  return id;
}

static guint64
track_resource_impl (ResmgrManager       *self,
                     GObject             *component,
                     Component           *held,
                     ResmgrResourceType   type,
                     const char          *name,
                     gsize                size,
                     int                  priority,
                     gpointer             resource,
                     ResmgrCleanupFunc    cleanup,
                     gpointer             user_data,
                     GDestroyNotify       user_data_destroy,
                     GError             **error)
{
  EntryExtra *extra = extra_new (name);
  Entry e = {
    .data = resource,
    .func = cleanup,
    .extra = extra,
    .size = size,
    .created = coarse_monotonic_time (),
    .priority = effective_priority (type, priority),
    .type = type,
    .kind = KIND_CALLBACK,
  };
  guint64 id;

  extra->user_data = user_data;
  extra->user_data_destroy = user_data_destroy;

  id = track_entry (self, component, held, name, &e, error);
  if (id == 0)
    {
      /* Nothing taken: the caller keeps user_data. */
      extra->user_data_destroy = NULL;
      extra_free (extra);
    }

  return id;
}

static guint64
resmgr_manager_track_data (ResmgrService       *service,
                           GObject             *component,
                           ResmgrResourceType   type,
                           const char          *name,
                           gsize                size,
                           int                  priority,
                           gpointer             data,
                           GDestroyNotify       destroy,
                           GError             **error)
{
  return track_data_impl (SELF (service), component, NULL, type, name, size, priority,
                          data, destroy, error);
}

static guint64
resmgr_manager_track_object (ResmgrService       *service,
                             GObject             *component,
                             ResmgrResourceType   type,
                             const char          *name,
                             gsize                size,
                             int                  priority,
                             GObject             *object,
                             ResmgrCleanupFunc    cleanup,
                             gpointer             user_data,
                             GDestroyNotify       user_data_destroy,
                             GError             **error)
{
  return track_object_impl (SELF (service), component, NULL, type, name, size, priority,
                            object, cleanup, user_data, user_data_destroy, error);
}

static guint64
resmgr_manager_track_resource (ResmgrService       *service,
                               GObject             *component,
                               ResmgrResourceType   type,
                               const char          *name,
                               gsize                size,
                               int                  priority,
                               gpointer             resource,
                               ResmgrCleanupFunc    cleanup,
                               gpointer             user_data,
                               GDestroyNotify       user_data_destroy,
                               GError             **error)
{
  return track_resource_impl (SELF (service), component, NULL, type, name, size, priority,
                              resource, cleanup, user_data, user_data_destroy, error);
}

/* A coordinator's record of its component {{{
 *
 * A ResmgrCoordinator on a manager holds a reference on the record of its
 * component and tracks and releases through it: no table lookup, no
 * upgrade of a weak reference to the component on every track. The record
 * stands for the component as well as the weak reference did: it is never
 * reused for another object, and its state, read under its lock, says
 * whether the component was disposed (the weak notify sets it before the
 * component's cleanup claims anything). */

ResmgrComponentRecord *
_resmgr_manager_hold_component (ResmgrManager *self,
                                GObject       *component)
{
  Shard *shard = shard_for_object (self, component);
  Component *comp;

  g_mutex_lock (&shard->lock);
  comp = lookup_object_locked (shard, component);
  if (comp != NULL)
    component_ref (comp);
  g_mutex_unlock (&shard->lock);

  return (ResmgrComponentRecord *) comp;
}

void
_resmgr_component_record_unref (ResmgrComponentRecord *record)
{
  component_unref ((Component *) record);
}

/* Valid while the record is held. */
const char *
_resmgr_component_record_get_id (ResmgrComponentRecord *record)
{
  return ((Component *) record)->id;
}

guint64
_resmgr_manager_track_data_held (ResmgrManager          *self,
                                 ResmgrComponentRecord  *record,
                                 ResmgrResourceType      type,
                                 const char             *name,
                                 gsize                   size,
                                 int                     priority,
                                 gpointer                data,
                                 GDestroyNotify          destroy,
                                 GError                **error)
{
  return track_data_impl (self, NULL, (Component *) record, type, name, size, priority,
                          data, destroy, error);
}

guint64
_resmgr_manager_track_object_held (ResmgrManager          *self,
                                   ResmgrComponentRecord  *record,
                                   ResmgrResourceType      type,
                                   const char             *name,
                                   gsize                   size,
                                   int                     priority,
                                   GObject                *object,
                                   ResmgrCleanupFunc       cleanup,
                                   gpointer                user_data,
                                   GDestroyNotify          user_data_destroy,
                                   GError                **error)
{
  return track_object_impl (self, NULL, (Component *) record, type, name, size, priority,
                            object, cleanup, user_data, user_data_destroy, error);
}

guint64
_resmgr_manager_track_resource_held (ResmgrManager          *self,
                                     ResmgrComponentRecord  *record,
                                     ResmgrResourceType      type,
                                     const char             *name,
                                     gsize                   size,
                                     int                     priority,
                                     gpointer                resource,
                                     ResmgrCleanupFunc       cleanup,
                                     gpointer                user_data,
                                     GDestroyNotify          user_data_destroy,
                                     GError                **error)
{
  return track_resource_impl (self, NULL, (Component *) record, type, name, size, priority,
                              resource, cleanup, user_data, user_data_destroy, error);
}

/* }}} */

static guint64
resmgr_manager_add_cleanup (ResmgrService      *service,
                            GObject            *component,
                            const char         *name,
                            int                 priority,
                            ResmgrCleanupFunc   cleanup,
                            gpointer            user_data,
                            GDestroyNotify      user_data_destroy,
                            GError            **error)
{
  return resmgr_manager_track_resource (service, component, RESMGR_RESOURCE_TYPE_CUSTOM, name, 0,
                                        priority, NULL, cleanup, user_data, user_data_destroy,
                                        error);
}

static gboolean
not_found (GError  **error,
           guint64   id)
{
  g_set_error (error, RESMGR_ERROR, RESMGR_ERROR_NOT_FOUND,
               "No resource with id %" G_GUINT64_FORMAT " is tracked (unknown or already released)",
               id);
  return FALSE;
}

static gboolean
resmgr_manager_set_metadata (ResmgrService  *service,
                             guint64         id,
                             GVariant       *metadata,
                             GError        **error)
{
  ResmgrManager *self = SELF (service);
  Component *comp;
  GVariant *old = NULL;
  Entry *e;

  /* Sunk first: a floating value is ours on every path, failures included. */
  if (metadata != NULL)
    g_variant_ref_sink (metadata);

  comp = lock_component_for_id (self, id);
  if (comp == NULL || (e = find_entry_locked (comp, (guint32) id)) == NULL)
    {
      if (comp != NULL)
        unlock_component (comp);
      g_clear_pointer (&metadata, g_variant_unref);
      return not_found (error, id);
    }

  if (e->extra == NULL)
    e->extra = extra_new (NULL);
  old = e->extra->metadata;
  e->extra->metadata = metadata;
  unlock_component (comp);

  g_clear_pointer (&old, g_variant_unref);

  return TRUE;
}

/* With @held (a coordinator's record), only a resource of that component
 * is released: the check and the release are one step, under the
 * component's lock, and no table is looked at. A retired record's ids are
 * unknown, as they are to the table. */
static gboolean
release_impl (ResmgrManager  *self,
              guint64         id,
              Component      *held,
              GError        **error)
{
  Component *comp;
  ResmgrResourceState state;
  GError *local_error = NULL;
  Tally tally = { 0 };
  gboolean notify;
  Entry *e, taken;

  if (held != NULL)
    {
      if ((guint32) (id >> 32) != held->serial)
        goto not_found;
      comp = held;
      g_mutex_lock (&comp->mutex);
      if (comp->retired)
        {
          unlock_component (comp);
          goto not_found;
        }
    }
  else if ((comp = lock_component_for_id (self, id)) == NULL)
    goto not_found;

  if ((e = find_entry_locked (comp, (guint32) id)) == NULL)
    {
      unlock_component (comp);
      goto not_found;
    }

  taken = take_entry_locked (comp, e);

  /* Owned data without listeners: nothing after the destroy needs comp.
   * Observers are looked for under the lock (see resmgr-observer.c). */
  notify = has_handlers (self, SIGNAL_RESOURCE_RELEASED);
  if (taken.kind == KIND_DATA && !notify && !_resmgr_service_observed ())
    {
      count_outcome (comp, RESMGR_RESOURCE_STATE_RELEASED);
      g_mutex_unlock (&comp->mutex);
      ((GDestroyNotify) taken.func) (taken.data);
      extra_free (taken.extra);
      tally_add (&tally, &taken, RESMGR_RESOURCE_STATE_RELEASED);
      tally_apply (self, &tally);
      return TRUE;
    }

  component_ref (comp);
  g_mutex_unlock (&comp->mutex);

  state = run_entry (self, id, &taken, &local_error);
  entry_done (self, comp, &taken, state, notify, &tally);
  tally_apply (self, &tally);
  component_unref (comp);

  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }

  return TRUE;

not_found:
  if (held == NULL)
    return not_found (error, id);
  g_set_error (error, RESMGR_ERROR, RESMGR_ERROR_NOT_FOUND,
               "Resource %" G_GUINT64_FORMAT " is not held by component “%s”", id, held->id);
  return FALSE;
}

static gboolean
resmgr_manager_release (ResmgrService  *service,
                        guint64         id,
                        GError        **error)
{
  return release_impl (SELF (service), id, NULL, error);
}

/* For ResmgrCoordinator: releases @id only if the component of @record
 * holds it, else fails with RESMGR_ERROR_NOT_FOUND; without making a
 * handle. */
gboolean
_resmgr_manager_release_held (ResmgrManager          *self,
                              ResmgrComponentRecord  *record,
                              guint64                 id,
                              GError                **error)
{
  return release_impl (self, id, (Component *) record, error);
}

static ResmgrHandle *
resmgr_manager_lookup (ResmgrService  *service,
                       guint64         id,
                       GError        **error)
{
  ResmgrManager *self = SELF (service);
  Component *comp = lock_component_for_id (self, id);
  ResmgrResourceState state = RESMGR_RESOURCE_STATE_ACTIVE;
  GObject *object = NULL;
  ResmgrHandle *handle;
  Entry *e;

  if (comp == NULL)
    {
      not_found (error, id);
      return NULL;
    }

  if ((e = find_entry_locked (comp, (guint32) id)) == NULL)
    {
      unlock_component (comp);
      not_found (error, id);
      return NULL;
    }

  if (e->kind == KIND_OBJECT && (object = g_weak_ref_get (&e->extra->object)) == NULL)
    state = RESMGR_RESOURCE_STATE_DISPOSED;
  handle = handle_for_entry (comp, e, state);
  unlock_component (comp);

  /* Possibly the last reference: never under our lock. */
  g_clear_object (&object);

  return handle;
}

/* The last step of a watched object that was not released first. */
static void
manager_watched_finalized (ResmgrManager *self,
                           guint64        id)
{
  Component *comp = lock_component_for_id (self, id);
  Tally tally = { 0 };
  Entry *e, taken;

  if (comp == NULL)
    return;

  e = find_entry_locked (comp, (guint32) id);
  if (e == NULL || e->kind != KIND_OBJECT)
    {
      unlock_component (comp);
      return;
    }

  taken = take_entry_locked (comp, e);
  component_ref (comp);
  g_mutex_unlock (&comp->mutex);

  entry_done (self, comp, &taken, RESMGR_RESOURCE_STATE_FINALIZED,
              has_handlers (self, SIGNAL_RESOURCE_RELEASED), &tally);
  tally_apply (self, &tally);
  component_unref (comp);
}

static Component *
ref_component (ResmgrManager  *self,
               GObject        *object,
               GError        **error)
{
  Shard *shard = shard_for_object (self, object);
  Component *comp;

  g_mutex_lock (&shard->lock);
  comp = lookup_object_locked (shard, object);
  if (comp != NULL)
    component_ref (comp);
  g_mutex_unlock (&shard->lock);

  if (comp == NULL)
    g_set_error (error, RESMGR_ERROR, RESMGR_ERROR_NOT_FOUND,
                 "%s %p is not a registered component",
                 G_OBJECT_TYPE_NAME (object), object);

  return comp;
}

/* How long a synchronous call from a thread that does not own the
 * component's context waits for that context: the running shutdown's
 * deadline, else the manager's wait timeout. */
static gint64
wait_deadline (ResmgrManager *self)
{
  gint64 deadline = __atomic_load_n (&self->deadline, __ATOMIC_RELAXED);

  if (deadline > 0)
    return deadline;

  return g_get_monotonic_time () + (gint64) g_atomic_int_get (&self->wait_timeout_ms) * 1000;
}

static void
set_not_iterated_error (GError     **error,
                        Component   *comp,
                        gint64       waited_us)
{
  g_autofree char *where = _resmgr_context_describe (comp->context);

  g_set_error (error, RESMGR_ERROR, RESMGR_ERROR_TIMED_OUT,
               "Cleanup of component “%s” did not run: its owner context (%s) was not "
               "iterated within %" G_GINT64_FORMAT " ms; its resources stay tracked",
               comp->id, where, MAX (waited_us, 0) / 1000);
}

static ResmgrCleanupReport *
resmgr_manager_cleanup_component (ResmgrService  *service,
                                  GObject        *object,
                                  GError        **error)
{
  ResmgrManager *self = SELF (service);
  ResmgrCleanupReport *report = NULL;
  ResmgrCallState state;
  gint64 started, deadline;
  Component *comp;
  Unit *unit;
  Op *op;

  if ((comp = ref_component (self, object, error)) == NULL)
    return NULL;

  op = op_new (self, comp->id, -1);
  unit = unit_new (op, comp, NULL, 0);
  started = g_get_monotonic_time ();
  deadline = wait_deadline (self);
  state = run_unit_sync (op, comp->context, unit, deadline);

  if (state == RESMGR_CALL_ABANDONED)
    set_not_iterated_error (error, comp, g_get_monotonic_time () - started);
  else
    report = op_finish (op, &comp, 1, 0);

  unit_unref (unit);
  op_unref (op);
  component_unref (comp);

  if (report != NULL)
    emit_cleanup_finished (self, report);

  return report;
}

/* The asynchronous cleanup of one component: its Unit runs on the owner
 * context and completes the task from there; a timeout source and the
 * cancellable's source on the caller's context end the wait. No thread
 * waits. Who completes is settled by one atomic state. */
typedef enum {
  JOB_WAITING,   /* the task has not returned */
  JOB_RETURNED,  /* the task returned; nothing more to do */
  JOB_DETACHED,  /* returned as cancelled while the cleanup ran: its end emits the report */
} JobState;

typedef struct
{
  GTask      *task;
  Op         *op;
  Component  *comp;
  ResmgrCall *call;        /* the Unit's; the Unit itself holds the task */
  GSource    *unit_source; /* the Unit's, NULL if it ran inline */
  GSource    *timeout;
  GSource    *cancelled;
  gint64      started;
  int         state;   /* atomic JobState */
} CleanupJob;

static void
cleanup_job_free (gpointer data)
{
  CleanupJob *job = data;

  if (job->timeout != NULL)
    {
      g_source_destroy (job->timeout);
      g_source_unref (job->timeout);
    }
  if (job->cancelled != NULL)
    {
      g_source_destroy (job->cancelled);
      g_source_unref (job->cancelled);
    }
  g_clear_pointer (&job->unit_source, g_source_unref);
  _resmgr_call_unref (job->call);
  op_unref (job->op);
  component_unref (job->comp);
  g_free (job);
}

static void
cleanup_job_release_sources (CleanupJob *job)
{
  /* They hold the task: let go of them now. */
  g_source_destroy (job->timeout);
  if (job->cancelled != NULL)
    g_source_destroy (job->cancelled);
}

static ResmgrCleanupReport *
cleanup_job_finish (CleanupJob *job)
{
  ResmgrCleanupReport *report = op_finish (job->op, &job->comp, 1, 0);

  emit_cleanup_finished (job->op->manager, report);

  return report;
}

/* On the owner, after the Unit ran. */
static void
cleanup_job_then (Unit *unit)
{
  GTask *task = unit->then_data;
  CleanupJob *job = g_task_get_task_data (task);

  if (g_atomic_int_compare_and_exchange (&job->state, JOB_WAITING, JOB_RETURNED))
    {
      cleanup_job_release_sources (job);
      g_task_return_pointer (task, cleanup_job_finish (job), (GDestroyNotify) resmgr_cleanup_report_unref);
    }
  else if (g_atomic_int_get (&job->state) == JOB_DETACHED)
    {
      /* The caller stopped waiting: the report still comes, as a signal. */
      resmgr_cleanup_report_unref (cleanup_job_finish (job));
    }
}

/* On the caller's context, at the deadline or when cancelled. */
static void
cleanup_job_end_wait (GTask    *task,
                      gboolean  cancelled)
{
  CleanupJob *job = g_task_get_task_data (task);
  ResmgrCallState state;

  if (g_atomic_int_get (&job->state) != JOB_WAITING)
    return;

  state = _resmgr_call_abandon (job->call);

  if (state == RESMGR_CALL_ABANDONED)
    {
      GError *error = NULL;

      if (!g_atomic_int_compare_and_exchange (&job->state, JOB_WAITING, JOB_RETURNED))
        return;
      cleanup_job_release_sources (job);
      if (cancelled)
        g_set_error (&error, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                     "Cleanup of component “%s” was cancelled before it started; "
                     "its resources stay tracked", job->comp->id);
      else
        set_not_iterated_error (&error, job->comp, g_get_monotonic_time () - job->started);
      /* Dropped now, with the task it holds, rather than when (if ever) the
       * owner iterates. */
      op_mark_stuck (job->op, job->comp->context);
      if (job->unit_source != NULL)
        g_source_destroy (job->unit_source);
      g_task_return_error (task, error);
      return;
    }

  if (cancelled)
    {
      /* Started (or done, its end about to complete us): only stop waiting. */
      if (g_atomic_int_compare_and_exchange (&job->state, JOB_WAITING, JOB_DETACHED))
        {
          cleanup_job_release_sources (job);
          g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                   "Stopped waiting for the cleanup of component “%s”; "
                                   "it goes on, its report comes with cleanup-finished",
                                   job->comp->id);
        }
      return;
    }

  /* The deadline, with the cleanup running (or just done): report now. */
  if (!g_atomic_int_compare_and_exchange (&job->state, JOB_WAITING, JOB_RETURNED))
    return;
  cleanup_job_release_sources (job);
  if (state == RESMGR_CALL_RUNNING)
    op_overrun (job->op);
  g_task_return_pointer (task, cleanup_job_finish (job), (GDestroyNotify) resmgr_cleanup_report_unref);
}

static gboolean
cleanup_job_timeout_cb (gpointer data)
{
  cleanup_job_end_wait (data, FALSE);

  return G_SOURCE_REMOVE;
}

static gboolean
cleanup_job_cancelled_cb (GCancellable *cancellable,
                          gpointer      data)
{
  cleanup_job_end_wait (data, TRUE);

  return G_SOURCE_REMOVE;
}

static void
resmgr_manager_cleanup_component_async (ResmgrService       *service,
                                        GObject             *object,
                                        GCancellable        *cancellable,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data)
{
  ResmgrManager *self = SELF (service);
  g_autoptr(GTask) task = g_task_new (service, cancellable, callback, user_data);
  GError *error = NULL;
  CleanupJob *job;
  Component *comp;
  gint64 deadline;
  Unit *unit;

  g_task_set_source_tag (task, resmgr_manager_cleanup_component_async);
  /* We decide what a cancellation means (see cleanup_job_end_wait ()). */
  g_task_set_check_cancellable (task, FALSE);

  if ((comp = ref_component (self, object, &error)) == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  job = g_new0 (CleanupJob, 1);
  job->task = task;
  job->comp = comp;
  job->op = op_new (self, comp->id, -1);
  unit = unit_new (job->op, comp, NULL, 0);
  job->call = _resmgr_call_ref (unit->call);
  job->started = g_get_monotonic_time ();
  job->state = JOB_WAITING;
  g_task_set_task_data (task, job, cleanup_job_free);

  /* The unit holds the task until it ran (or was dropped unrun). */
  unit->then = cleanup_job_then;
  unit->then_data = g_object_ref (task);
  unit->then_data_free = g_object_unref;

  deadline = wait_deadline (self);
  job->timeout = g_timeout_source_new (MAX (deadline - job->started, 0) / 1000);
  g_source_set_static_name (job->timeout, "[resmgr] cleanup_component_async deadline");
  g_source_set_callback (job->timeout, cleanup_job_timeout_cb, g_object_ref (task), g_object_unref);
  g_source_attach (job->timeout, g_task_get_context (task));

  if (cancellable != NULL)
    {
      job->cancelled = g_cancellable_source_new (cancellable);
      g_source_set_static_name (job->cancelled, "[resmgr] cleanup_component_async cancellable");
      g_source_set_callback (job->cancelled, G_SOURCE_FUNC (cleanup_job_cancelled_cb),
                             g_object_ref (task), g_object_unref);
      g_source_attach (job->cancelled, g_task_get_context (task));
    }

  /* Inline when this thread owns the component's context: the task then
   * returns in a later iteration of the caller's context, as GTask does. */
  if (!unit_dispatch (unit, comp->context, "[resmgr] cleanup on owner context"))
    job->unit_source = g_source_ref (unit->source);
  unit_unref (unit);
}

static ResmgrCleanupReport *
resmgr_manager_cleanup_component_finish (ResmgrService  *service,
                                         GAsyncResult   *result,
                                         GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, service), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* Cleanup phases and shutdown {{{
 *
 * One engine: a cleanup phase claims what every component owns at a
 * priority floor or above; a shutdown is "refuse new work, then the phase
 * down to priority 0".
 *
 * One global order: priority first, then newest first, whoever owns it.
 * Consecutive claims of components sharing an owner context run as one
 * Unit there. The synchronous form waits for each Unit until the deadline;
 * the asynchronous one chains them (each Unit continues with the next from
 * its owner's thread) with a timeout source on the caller's context.
 *
 * Async stepping is exclusive: one thread at a time hands out batches
 * (job->stepping), either the caller, a Unit's continuation on its owner,
 * or the timeout. At the deadline the timeout takes over: it names what
 * runs (a pending Unit's or a stepper's inline batch) as overruns, gives
 * back what is queued, and returns the report; a stepper still inside a
 * batch records what it finishes as late and stops.
 */

typedef struct
{
  gatomicrefcount  ref_count;
  ResmgrManager   *manager;
  Op              *op;
  int              floor;  /* the lowest priority claimed */
  GPtrArray       *comps;  /* Component, referenced */
  GArray          *claims; /* Claim, sorted */

  /* Protected by mutex: */
  GMutex           mutex;
  guint            next;   /* first claim not handed to a Unit */
  Unit            *pending;
  GMainContext    *pending_context;
  gboolean         stepping;  /* a thread hands out batches now */
  gboolean         timed_out; /* the async deadline passed */
  gboolean         finished;

  /* Async only: */
  GTask           *task;
  GSource         *timeout;
  GSource         *cancelled;
  int              returned; /* atomic: the task returned */
} ShutdownJob;

static ShutdownJob *
shutdown_job_ref (ShutdownJob *job)
{
  g_atomic_ref_count_inc (&job->ref_count);
  return job;
}

static void
shutdown_job_unref (gpointer data)
{
  ShutdownJob *job = data;

  if (g_atomic_ref_count_dec (&job->ref_count))
    {
      g_clear_pointer (&job->pending, unit_unref);
      if (job->timeout != NULL)
        {
          g_source_destroy (job->timeout);
          g_source_unref (job->timeout);
        }
      if (job->cancelled != NULL)
        {
          g_source_destroy (job->cancelled);
          g_source_unref (job->cancelled);
        }
      g_clear_object (&job->task);
      g_array_unref (job->claims);
      g_ptr_array_unref (job->comps);
      op_unref (job->op);
      g_mutex_clear (&job->mutex);
      g_object_unref (job->manager);
      g_free (job);
    }
}

/* Starts a cleanup phase down to @floor (a shutdown when @shutdown: new
 * work is refused first): claims, sorts. NULL if a phase or a shutdown is
 * running. */
static ShutdownJob *
shutdown_job_new (ResmgrManager  *self,
                  gboolean        shutdown,
                  int             floor,
                  guint           timeout_ms,
                  GError        **error)
{
  g_autofree char *scope = NULL;
  ShutdownJob *job;
  gint64 deadline;

  if (!g_atomic_int_compare_and_exchange (&self->in_shutdown, FALSE, TRUE))
    {
      g_set_error_literal (error, RESMGR_ERROR, RESMGR_ERROR_CLEANUP_IN_PROGRESS,
                           "A shutdown or cleanup phase of this resource manager is already running");
      return NULL;
    }

  /* Set before any component is claimed, so that a track racing with us
   * either lands before the claim or sees the flag (see track_entry). */
  if (shutdown)
    g_atomic_int_set (&self->shutting_down, TRUE);
  deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;
  __atomic_store_n (&self->deadline, deadline, __ATOMIC_RELAXED);

  scope = shutdown ? g_strdup ("shutdown") : g_strdup_printf ("cleanup phase down to priority %d", floor);
  job = g_new0 (ShutdownJob, 1);
  g_atomic_ref_count_init (&job->ref_count);
  g_mutex_init (&job->mutex);
  job->manager = g_object_ref (self);
  job->op = op_new (self, scope, deadline);
  job->floor = floor;
  job->comps = dup_components (self);
  job->claims = g_array_new (FALSE, FALSE, sizeof (Claim));

  for (guint i = 0; i < job->comps->len; i++)
    {
      Component *comp = g_ptr_array_index (job->comps, i);

      g_mutex_lock (&comp->mutex);
      claim_locked (comp, floor, job->claims);
      comp->cleaning++;
      g_mutex_unlock (&comp->mutex);
    }

  if (job->claims->len > 1)
    qsort (job->claims->data, job->claims->len, sizeof (Claim), claim_compare);

  return job;
}

/* The end of the next batch starting at @start. */
static guint
batch_end (ShutdownJob *job,
           guint        start)
{
  Claim *claims = (Claim *) (gpointer) job->claims->data;
  guint end = start + 1;

  while (end < job->claims->len && claims[end].comp->context == claims[start].comp->context)
    end++;

  return end;
}

static void
give_back (ResmgrManager *self,
           const Claim   *claims,
           guint          n)
{
  g_autoptr(GPtrArray) orphans = orphans_new ();

  unclaim (claims, n, orphans);
  adopt_orphans (self, orphans);
}

/* Gives back what no Unit ran, verifies, and returns the report; NULL if
 * another thread finished the job first. */
static ResmgrCleanupReport *
shutdown_job_finish (ShutdownJob *job)
{
  ResmgrManager *self = job->manager;
  ResmgrCleanupReport *report;
  guint next;

  g_mutex_lock (&job->mutex);
  if (job->finished)
    {
      g_mutex_unlock (&job->mutex);
      return NULL;
    }
  job->finished = TRUE;
  next = job->next;
  job->next = job->claims->len;
  g_mutex_unlock (&job->mutex);

  if (next < job->claims->len)
    give_back (self, (Claim *) (gpointer) job->claims->data + next, job->claims->len - next);

  for (guint i = 0; i < job->comps->len; i++)
    {
      Component *comp = g_ptr_array_index (job->comps, i);

      g_mutex_lock (&comp->mutex);
      comp->cleaning--;
      compact_locked (comp);
      g_mutex_unlock (&comp->mutex);
    }

  report = op_finish (job->op, (Component **) job->comps->pdata, job->comps->len, job->floor);

  __atomic_store_n (&self->deadline, 0, __ATOMIC_RELAXED);
  g_atomic_int_set (&self->in_shutdown, FALSE);

  g_debug ("%s finished: %u released, %u failed, %u lost, %u overran, %u left, %s",
           resmgr_cleanup_report_get_scope (report),
           resmgr_cleanup_report_get_released (report),
           resmgr_cleanup_report_get_failed (report),
           resmgr_cleanup_report_get_lost (report),
           resmgr_cleanup_report_get_n_overruns (report),
           resmgr_cleanup_report_get_leftovers (report)->len,
           resmgr_cleanup_report_get_timed_out (report) ? "timed out" : "in time");

  emit_cleanup_finished (self, report);

  return report;
}

static ResmgrCleanupReport *
run_phase_sync (ResmgrManager  *self,
                gboolean        shutdown,
                int             floor,
                guint           timeout_ms,
                GError        **error)
{
  ResmgrCleanupReport *report;
  ShutdownJob *job;

  if ((job = shutdown_job_new (self, shutdown, floor, timeout_ms, error)) == NULL)
    return NULL;

  /* After the deadline, no more waiting: the batches of contexts this
   * thread owns still run (they cost no wait), the others are given back. */
  while (job->next < job->claims->len)
    {
      guint start = job->next, end = batch_end (job, start);
      Claim *first = &g_array_index (job->claims, Claim, start);
      GMainContext *context = first->comp->context;

      if (_resmgr_context_is_owned_here (context))
        {
          run_claims (self, job->op, first, end - start, FALSE);
          op_end_phase (job->op);
        }
      else if (op_expired (job->op))
        give_back (self, first, end - start);
      else
        {
          Unit *unit = unit_new (job->op, NULL, first, end - start);

          run_unit_sync (job->op, context, unit, job->op->deadline);
          unit_unref (unit);
        }

      job->next = end;
    }

  report = shutdown_job_finish (job);
  shutdown_job_unref (job);

  return report;
}

static ResmgrCleanupReport *
resmgr_manager_shutdown (ResmgrService  *service,
                         guint           timeout_ms,
                         GError        **error)
{
  return run_phase_sync (SELF (service), TRUE, 0, timeout_ms, error);
}

static ResmgrCleanupReport *
resmgr_manager_cleanup_phase (ResmgrService  *service,
                              int             min_priority,
                              guint           timeout_ms,
                              GError        **error)
{
  return run_phase_sync (SELF (service), FALSE, min_priority, timeout_ms, error);
}

static void
shutdown_job_release_sources (ShutdownJob *job)
{
  if (job->timeout != NULL)
    g_source_destroy (job->timeout);
  if (job->cancelled != NULL)
    g_source_destroy (job->cancelled);
}

static void
shutdown_complete (ShutdownJob *job)
{
  ResmgrCleanupReport *report = shutdown_job_finish (job);

  if (report == NULL)
    return;

  shutdown_job_release_sources (job);
  if (g_atomic_int_compare_and_exchange (&job->returned, FALSE, TRUE))
    g_task_return_pointer (job->task, report, (GDestroyNotify) resmgr_cleanup_report_unref);
  else
    resmgr_cleanup_report_unref (report); /* emitted with cleanup-finished */
}

static void shutdown_unit_then (Unit *unit);

/* Hands out batches from job->next, if no other thread does: inline while
 * this thread owns their context, else hands the next one to its owner
 * (whose continuation steps on) and returns. Completes the job when all
 * were handed out and none is pending. */
static void
shutdown_step (ShutdownJob *job)
{
  g_mutex_lock (&job->mutex);
  if (job->finished || job->stepping)
    {
      g_mutex_unlock (&job->mutex);
      return;
    }
  job->stepping = TRUE;

  for (;;)
    {
      Unit *unit = NULL;
      GMainContext *context;
      gboolean owned, expired;
      guint start, end;
      Claim *first;

      /* Locked here. */
      if (job->finished)
        {
          job->stepping = FALSE;
          g_mutex_unlock (&job->mutex);
          return;
        }
      start = job->next;
      if (start >= job->claims->len)
        break;
      end = batch_end (job, start);
      first = &g_array_index (job->claims, Claim, start);
      context = first->comp->context;
      owned = _resmgr_context_is_owned_here (context);
      expired = job->timed_out || op_expired (job->op);
      job->next = end;

      if (owned)
        {
          g_mutex_unlock (&job->mutex);
          run_claims (job->manager, job->op, first, end - start, FALSE);
          op_end_phase (job->op);
          op_flush_late (job->op);
          g_mutex_lock (&job->mutex);
          continue;
        }

      if (expired)
        {
          /* No more waiting after the deadline (see resmgr_manager_shutdown ()). */
          g_mutex_unlock (&job->mutex);
          give_back (job->manager, first, end - start);
          g_mutex_lock (&job->mutex);
          continue;
        }

      unit = unit_new (job->op, NULL, first, end - start);
      unit->then = shutdown_unit_then;
      unit->then_data = shutdown_job_ref (job);
      unit->then_data_free = shutdown_job_unref;
      job->pending = unit_ref (unit);
      job->pending_context = context;
      job->stepping = FALSE;
      g_mutex_unlock (&job->mutex);

      unit_dispatch (unit, context, "[resmgr] shutdown on owner context");
      unit_unref (unit);
      return;
    }

  /* All handed out, and nothing pending (only the stepper hands out). */
  job->stepping = FALSE;
  g_mutex_unlock (&job->mutex);

  shutdown_complete (job);
}

/* On the owner of a Unit's context, after it ran. */
static void
shutdown_unit_then (Unit *unit)
{
  ShutdownJob *job = unit->then_data;
  gboolean go_on;

  g_mutex_lock (&job->mutex);
  go_on = !job->finished && job->pending == unit;
  if (go_on)
    g_clear_pointer (&job->pending, unit_unref);
  g_mutex_unlock (&job->mutex);

  if (go_on)
    shutdown_step (job);
}

/* On the caller's context, at the deadline. */
static gboolean
shutdown_timeout_cb (gpointer data)
{
  ShutdownJob *job = data;
  Unit *pending;
  GMainContext *context;
  gboolean stepping;

  g_mutex_lock (&job->mutex);
  if (job->finished)
    {
      g_mutex_unlock (&job->mutex);
      return G_SOURCE_REMOVE;
    }
  /* Under the lock: a stepper that takes it next sees it, whatever the
   * coarse clock says. */
  job->timed_out = TRUE;
  g_atomic_int_set (&job->op->expired, TRUE);
  pending = g_steal_pointer (&job->pending);
  context = job->pending_context;
  stepping = job->stepping;
  g_mutex_unlock (&job->mutex);

  if (pending != NULL && _resmgr_call_abandon (pending->call) == RESMGR_CALL_ABANDONED)
    unit_abandoned (pending, context);
  g_clear_pointer (&pending, unit_unref);

  /* Whatever runs now (a Unit's batch or a stepper's inline one) is named
   * as an overrun, what is queued behind it given back. */
  op_overrun (job->op);

  if (stepping)
    /* Another thread is inside a batch of its own context: end here; it
     * stops at its next step, what it finishes is reported late. */
    shutdown_complete (job);
  else
    /* This thread's own batches still run, the others are given back. */
    shutdown_step (job);

  return G_SOURCE_REMOVE;
}

/* Cancelling only stops the wait: the phase goes on, its report comes
 * with cleanup-finished. */
static gboolean
shutdown_cancelled_cb (GCancellable *cancellable,
                       gpointer      data)
{
  ShutdownJob *job = data;

  if (g_atomic_int_compare_and_exchange (&job->returned, FALSE, TRUE))
    g_task_return_new_error (job->task, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                             "Stopped waiting for the %s; it goes on, its report "
                             "comes with cleanup-finished", job->op->scope);

  return G_SOURCE_REMOVE;
}

static void
run_phase_async (ResmgrManager       *self,
                 gboolean             shutdown,
                 int                  floor,
                 guint                timeout_ms,
                 GCancellable        *cancellable,
                 GAsyncReadyCallback  callback,
                 gpointer             user_data,
                 gpointer             source_tag)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  GError *error = NULL;
  ShutdownJob *job;

  g_task_set_source_tag (task, source_tag);
  /* We decide what a cancellation means (see shutdown_cancelled_cb ()). */
  g_task_set_check_cancellable (task, FALSE);

  if ((job = shutdown_job_new (self, shutdown, floor, timeout_ms, &error)) == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  job->task = g_object_ref (task);
  job->timeout = g_timeout_source_new (timeout_ms);
  g_source_set_static_name (job->timeout, "[resmgr] shutdown deadline");
  g_source_set_callback (job->timeout, shutdown_timeout_cb, shutdown_job_ref (job), shutdown_job_unref);
  g_source_attach (job->timeout, g_task_get_context (task));

  if (cancellable != NULL)
    {
      job->cancelled = g_cancellable_source_new (cancellable);
      g_source_set_static_name (job->cancelled, "[resmgr] shutdown cancellable");
      g_source_set_callback (job->cancelled, G_SOURCE_FUNC (shutdown_cancelled_cb),
                             shutdown_job_ref (job), shutdown_job_unref);
      g_source_attach (job->cancelled, g_task_get_context (task));
    }

  shutdown_step (job);
  shutdown_job_unref (job);
}

static void
resmgr_manager_shutdown_async (ResmgrService       *service,
                               guint                timeout_ms,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  run_phase_async (SELF (service), TRUE, 0, timeout_ms, cancellable, callback, user_data,
                   resmgr_manager_shutdown_async);
}

static ResmgrCleanupReport *
resmgr_manager_shutdown_finish (ResmgrService  *service,
                                GAsyncResult   *result,
                                GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, service), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == resmgr_manager_shutdown_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
resmgr_manager_cleanup_phase_async (ResmgrService       *service,
                                    int                  min_priority,
                                    guint                timeout_ms,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  run_phase_async (SELF (service), FALSE, min_priority, timeout_ms, cancellable, callback,
                   user_data, resmgr_manager_cleanup_phase_async);
}

static ResmgrCleanupReport *
resmgr_manager_cleanup_phase_finish (ResmgrService  *service,
                                     GAsyncResult   *result,
                                     GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, service), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == resmgr_manager_cleanup_phase_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* }}} */

static gboolean
resmgr_manager_is_shutting_down (ResmgrService *service)
{
  return g_atomic_int_get (&SELF (service)->shutting_down);
}

static gint64
resmgr_manager_get_deadline (ResmgrService *service)
{
  return __atomic_load_n (&SELF (service)->deadline, __ATOMIC_RELAXED);
}

static ResmgrStats *
resmgr_manager_dup_stats (ResmgrService *service)
{
  ResmgrManager *self = SELF (service);
  ResmgrStats *stats = g_new0 (ResmgrStats, 1);

  /* Every shard held at once: a component retiring moves its count from
   * the live ones to its shard's retired ones, which the sum must see on
   * one side only. */
  for (guint s = 0; s < N_SHARDS; s++)
    g_mutex_lock (&self->shards[s].lock);
  for (guint s = 0; s < N_SHARDS; s++)
    {
      Shard *shard = &self->shards[s];
      GHashTableIter iter;
      gpointer value;

      stats->total_tracked += shard->retired_tracked;
      g_hash_table_iter_init (&iter, shard->by_serial);
      while (g_hash_table_iter_next (&iter, NULL, &value))
        {
          Component *comp = value;

          g_mutex_lock (&comp->mutex);
          for (guint i = 0; i < RESMGR_N_RESOURCE_TYPES; i++)
            {
              stats->count[i] += comp->count[i];
              stats->bytes[i] += comp->bytes[i];
            }
          stats->total_tracked += comp->next_seq - 1;
          g_mutex_unlock (&comp->mutex);
        }
    }
  stats->n_components = ATOMIC_LOAD (&self->n_components);
  stats->peak_components = ATOMIC_LOAD (&self->peak_components);
  for (guint s = N_SHARDS; s > 0; s--)
    g_mutex_unlock (&self->shards[s - 1].lock);

  stats->total_released = ATOMIC_LOAD (&self->counters->total_released);
  stats->total_failed = ATOMIC_LOAD (&self->counters->total_failed);
  stats->total_lost = ATOMIC_LOAD (&self->counters->total_lost);
  stats->peak_resources = ATOMIC_LOAD (&self->counters->peak_resources);
  stats->peak_bytes = ATOMIC_LOAD (&self->counters->peak_bytes);

  return stats;
}

static ResmgrStats *
resmgr_manager_dup_component_stats (ResmgrService *service,
                                    const char    *component_id)
{
  ResmgrManager *self = SELF (service);
  ResmgrStats *stats = g_new0 (ResmgrStats, 1);
  Component *comp = NULL;

  /* The newest component with that id: a disposed one may still be
   * cleaning while a new one took its id. */
  for (guint s = 0; s < N_SHARDS; s++)
    {
      Shard *shard = &self->shards[s];
      GHashTableIter iter;
      gpointer value;

      g_mutex_lock (&shard->lock);
      g_hash_table_iter_init (&iter, shard->by_serial);
      while (g_hash_table_iter_next (&iter, NULL, &value))
        {
          Component *c = value;

          if (strcmp (c->id, component_id) == 0 && (comp == NULL || c->serial > comp->serial))
            {
              g_clear_pointer (&comp, component_unref);
              comp = component_ref (c);
            }
        }
      g_mutex_unlock (&shard->lock);
    }

  if (comp != NULL)
    {
      g_mutex_lock (&comp->mutex);
      for (guint i = 0; i < RESMGR_N_RESOURCE_TYPES; i++)
        stats->count[i] = comp->count[i];
      memcpy (stats->bytes, comp->bytes, sizeof stats->bytes);
      stats->total_tracked = comp->next_seq - 1;
      stats->peak_resources = comp->peak;
      g_mutex_unlock (&comp->mutex);
      stats->total_released = ATOMIC_LOAD (&comp->released);
      stats->total_failed = ATOMIC_LOAD (&comp->failed);
      stats->total_lost = ATOMIC_LOAD (&comp->lost);
      stats->n_components = stats->peak_components = 1;
      component_unref (comp);
    }

  /* Bytes are not followed per component over time: the peak is now. */
  stats->peak_bytes = resmgr_stats_get_total_bytes (stats);

  return stats;
}

static char *
resmgr_manager_dup_component_id (ResmgrService *service,
                                 GObject       *object)
{
  ResmgrManager *self = SELF (service);
  Shard *shard = shard_for_object (self, object);
  Component *comp;
  char *id = NULL;

  g_mutex_lock (&shard->lock);
  if ((comp = lookup_object_locked (shard, object)) != NULL)
    id = g_strdup (comp->id);
  g_mutex_unlock (&shard->lock);

  return id;
}

static int
compare_components_by_serial (gconstpointer a,
                              gconstpointer b)
{
  const Component *ca = *(Component **) a, *cb = *(Component **) b;

  return ca->serial < cb->serial ? -1 : ca->serial > cb->serial;
}

/* A snapshot of the components, in registration order. */
static GPtrArray *
dup_components_sorted (ResmgrManager *self)
{
  GPtrArray *comps = dup_components (self);

  g_ptr_array_sort (comps, compare_components_by_serial);

  return comps;
}

static GPtrArray *
resmgr_manager_dup_handles (ResmgrService *service,
                            const char    *component_id)
{
  ResmgrManager *self = SELF (service);
  g_autoptr(GPtrArray) comps = dup_components_sorted (self);
  GPtrArray *handles = g_ptr_array_new_with_free_func ((GDestroyNotify) resmgr_handle_unref);
  g_autoptr(GPtrArray) objects = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; i < comps->len; i++)
    {
      Component *comp = g_ptr_array_index (comps, i);

      if (component_id != NULL && g_strcmp0 (comp->id, component_id) != 0)
        continue;

      g_mutex_lock (&comp->mutex);
      for (guint j = 0; j < comp->n_entries; j++)
        {
          Entry *e = &comp->entries[j];
          ResmgrResourceState state = RESMGR_RESOURCE_STATE_ACTIVE;

          if (e->state == ENTRY_DEAD)
            continue;
          if (e->kind == KIND_OBJECT)
            {
              GObject *object = g_weak_ref_get (&e->extra->object);

              if (object == NULL)
                state = RESMGR_RESOURCE_STATE_DISPOSED;
              else
                g_ptr_array_add (objects, object); /* unreffed after unlocking */
            }
          g_ptr_array_add (handles, handle_for_entry (comp, e, state));
        }
      g_mutex_unlock (&comp->mutex);
    }

  return handles;
}

static char **
resmgr_manager_dup_component_ids (ResmgrService *service)
{
  ResmgrManager *self = SELF (service);
  g_autoptr(GPtrArray) comps = dup_components_sorted (self);
  GStrvBuilder *builder = g_strv_builder_new ();
  char **ids;

  for (guint i = 0; i < comps->len; i++)
    {
      Component *comp = g_ptr_array_index (comps, i);
      gboolean disposed;

      g_mutex_lock (&comp->mutex);
      disposed = comp->disposed;
      g_mutex_unlock (&comp->mutex);
      if (!disposed)
        g_strv_builder_add (builder, comp->id);
    }

  ids = g_strv_builder_end (builder);
  g_strv_builder_unref (builder);

  return ids;
}

static void
resmgr_manager_service_iface_init (ResmgrServiceInterface *iface)
{
  iface->register_component = resmgr_manager_register_component;
  iface->track_data = resmgr_manager_track_data;
  iface->track_object = resmgr_manager_track_object;
  iface->track_resource = resmgr_manager_track_resource;
  iface->add_cleanup = resmgr_manager_add_cleanup;
  iface->set_metadata = resmgr_manager_set_metadata;
  iface->release = resmgr_manager_release;
  iface->lookup = resmgr_manager_lookup;
  iface->cleanup_component = resmgr_manager_cleanup_component;
  iface->cleanup_component_async = resmgr_manager_cleanup_component_async;
  iface->cleanup_component_finish = resmgr_manager_cleanup_component_finish;
  iface->shutdown = resmgr_manager_shutdown;
  iface->shutdown_async = resmgr_manager_shutdown_async;
  iface->shutdown_finish = resmgr_manager_shutdown_finish;
  iface->cleanup_phase = resmgr_manager_cleanup_phase;
  iface->cleanup_phase_async = resmgr_manager_cleanup_phase_async;
  iface->cleanup_phase_finish = resmgr_manager_cleanup_phase_finish;
  iface->is_shutting_down = resmgr_manager_is_shutting_down;
  iface->get_deadline = resmgr_manager_get_deadline;
  iface->dup_stats = resmgr_manager_dup_stats;
  iface->dup_component_id = resmgr_manager_dup_component_id;
  iface->dup_handles = resmgr_manager_dup_handles;
  iface->dup_component_ids = resmgr_manager_dup_component_ids;
  iface->dup_component_stats = resmgr_manager_dup_component_stats;
}

/* }}} */

/* GObject {{{ */

typedef struct
{
  ResmgrManager *manager;
  Component     *comp;
} DisposeData;

static gboolean
dispose_component_cb (gpointer data)
{
  DisposeData *dd = data;
  ResmgrCleanupReport *report = clean_component_here (dd->manager, dd->comp, FALSE);

  if (resmgr_cleanup_report_get_released (report) + resmgr_cleanup_report_get_failed (report) > 0)
    g_debug ("Manager disposed with resources of “%s” still tracked: cleaned %u",
             dd->comp->id, resmgr_cleanup_report_get_released (report) + resmgr_cleanup_report_get_failed (report));
  resmgr_cleanup_report_unref (report);

  return G_SOURCE_REMOVE;
}

static void
dispose_data_free (gpointer data)
{
  DisposeData *dd = data;

  component_unref (dd->comp);
  g_object_unref (dd->manager);
  g_free (dd);
}

static void
resmgr_manager_dispose (GObject *object)
{
  ResmgrManager *self = RESMGR_MANAGER (object);
  g_autoptr(GPtrArray) comps = g_ptr_array_new_with_free_func ((GDestroyNotify) component_unref);
  g_autoptr(GArray) events = NULL;
  GSource *source;

  /* Let go of every component; dispose may run more than once if a
   * component's weak notify resurrected us for a moment. */
  g_mutex_lock (&self->ids_lock);
  for (guint s = 0; s < N_SHARDS; s++)
    {
      Shard *shard = &self->shards[s];
      GHashTableIter iter;
      gpointer value;

      g_mutex_lock (&shard->lock);
      g_hash_table_iter_init (&iter, shard->by_serial);
      while (g_hash_table_iter_next (&iter, NULL, &value))
        {
          Component *comp = value;

          g_mutex_lock (&comp->mutex);
          comp->retired = TRUE;
          shard->retired_tracked += comp->next_seq - 1;
          g_mutex_unlock (&comp->mutex);
          g_ptr_array_add (comps, comp);
          g_hash_table_iter_steal (&iter);
          ATOMIC_SUB (&self->n_components, 1);
        }
      g_hash_table_remove_all (shard->by_object);
      g_mutex_unlock (&shard->lock);
    }
  g_hash_table_remove_all (self->ids);
  g_mutex_unlock (&self->ids_lock);

  for (guint i = 0; i < comps->len; i++)
    {
      Component *comp = g_ptr_array_index (comps, i);
      DisposeData *dd;

      g_mutex_lock (&comp->mutex);
      comp->manager = NULL;
      g_mutex_unlock (&comp->mutex);

      /* The weak notify stays: removing it would race with a
       * g_object_run_dispose () on another thread, which takes the list out
       * before calling the notifies while GWeakRefs still resolve. With no
       * manager the notify only drops its reference to this record. */

      /* Nothing may outlive the manager without its cleanup, and the
       * cleanup runs on the owner context like any other: here if this
       * thread owns it, else there (the job keeps us alive until then). */
      dd = g_new0 (DisposeData, 1);
      dd->manager = g_object_ref (self);
      dd->comp = component_ref (comp);
      _resmgr_dispatch (comp->context, G_PRIORITY_HIGH, "[resmgr] manager disposal cleanup",
                        dispose_component_cb, dd, dispose_data_free);
    }

  g_mutex_lock (&self->event_mutex);
  events = g_steal_pointer (&self->events);
  source = g_steal_pointer (&self->event_source);
  g_mutex_unlock (&self->event_mutex);

  if (source != NULL)
    {
      g_source_destroy (source);
      g_source_unref (source);
    }
  for (guint i = 0; events != NULL && i < events->len; i++)
    event_free_arg (g_array_index (events, Event, i).signal_id, g_array_index (events, Event, i).arg);

  G_OBJECT_CLASS (resmgr_manager_parent_class)->dispose (object);
}

static void
resmgr_manager_finalize (GObject *object)
{
  ResmgrManager *self = RESMGR_MANAGER (object);

  for (guint s = 0; s < N_SHARDS; s++)
    {
      g_hash_table_unref (self->shards[s].by_object);
      g_hash_table_unref (self->shards[s].by_serial);
      g_mutex_clear (&self->shards[s].lock);
    }
  g_aligned_free (self->shards);
  g_hash_table_unref (self->ids);
  g_hash_table_unref (self->id_counters);
  g_mutex_clear (&self->ids_lock);
  g_mutex_clear (&self->event_mutex);
  g_main_context_unref (self->context);
  manager_ref_unref (self->weak_self);
  _resmgr_observer_slot_clear (&self->observer_slot);
  g_aligned_free (self->counters);

  G_OBJECT_CLASS (resmgr_manager_parent_class)->finalize (object);
}

enum {
  PROP_0,
  PROP_WAIT_TIMEOUT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
resmgr_manager_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  ResmgrManager *self = RESMGR_MANAGER (object);

  switch (prop_id)
    {
    case PROP_WAIT_TIMEOUT:
      g_value_set_uint (value, resmgr_manager_get_wait_timeout (self));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
resmgr_manager_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  ResmgrManager *self = RESMGR_MANAGER (object);

  switch (prop_id)
    {
    case PROP_WAIT_TIMEOUT:
      resmgr_manager_set_wait_timeout (self, g_value_get_uint (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
resmgr_manager_class_init (ResmgrManagerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = resmgr_manager_dispose;
  object_class->finalize = resmgr_manager_finalize;
  object_class->get_property = resmgr_manager_get_property;
  object_class->set_property = resmgr_manager_set_property;

  /**
   * ResmgrManager:wait-timeout:
   *
   * How long, in milliseconds, a synchronous
   * [method@Resmgr.Service.cleanup_component] called from a thread that
   * does not own the component's context waits for that context to run
   * the cleanup (the asynchronous form gives up after the same time).
   * When it passes first, the call fails with %RESMGR_ERROR_TIMED_OUT and
   * the component's resources stay tracked. During a shutdown the
   * shutdown's deadline applies instead.
   *
   * Since: 0.1
   */
  properties[PROP_WAIT_TIMEOUT] =
    g_param_spec_uint ("wait-timeout", NULL, NULL,
                       0, G_MAXINT, RESMGR_MANAGER_DEFAULT_WAIT_TIMEOUT,
                       G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[SIGNAL_COMPONENT_REGISTERED] = g_signal_lookup ("component-registered", RESMGR_TYPE_SERVICE);
  signals[SIGNAL_COMPONENT_REMOVED] = g_signal_lookup ("component-removed", RESMGR_TYPE_SERVICE);
  signals[SIGNAL_RESOURCE_TRACKED] = g_signal_lookup ("resource-tracked", RESMGR_TYPE_SERVICE);
  signals[SIGNAL_RESOURCE_RELEASED] = g_signal_lookup ("resource-released", RESMGR_TYPE_SERVICE);
  signals[SIGNAL_CLEANUP_FINISHED] = g_signal_lookup ("cleanup-finished", RESMGR_TYPE_SERVICE);
}

static void
resmgr_manager_init (ResmgrManager *self)
{
  self->wait_timeout_ms = RESMGR_MANAGER_DEFAULT_WAIT_TIMEOUT;
  self->weak_self = g_new0 (ManagerRef, 1);
  g_atomic_ref_count_init (&self->weak_self->ref_count);
  g_weak_ref_init (&self->weak_self->manager, self);
  g_mutex_init (&self->ids_lock);
  g_mutex_init (&self->event_mutex);
  _resmgr_observer_slot_init (&self->observer_slot, self);
  self->shards = g_aligned_alloc0 (N_SHARDS, SHARD_ALIGNMENT, SHARD_ALIGNMENT);
  for (guint s = 0; s < N_SHARDS; s++)
    {
      g_mutex_init (&self->shards[s].lock);
      self->shards[s].by_object = g_hash_table_new (NULL, NULL);
      self->shards[s].by_serial = g_hash_table_new (NULL, NULL);
    }
  self->ids = g_hash_table_new (g_str_hash, g_str_equal);
  self->id_counters = g_hash_table_new (NULL, NULL);
  self->counters = g_aligned_alloc0 (1, sizeof (Counters), COUNTERS_ALIGNMENT);
}

static ResmgrManager *
manager_new_for_context (GMainContext *context)
{
  ResmgrManager *self = g_object_new (RESMGR_TYPE_MANAGER, NULL);

  self->context = context;

  return self;
}

/**
 * resmgr_manager_new:
 *
 * Creates an isolated manager, for tests and plug-ins. Its owner context,
 * where its signals are emitted, is the thread-default main context of the
 * calling thread.
 *
 * Returns: (transfer full): a new manager
 *
 * Since: 0.1
 */
ResmgrManager *
resmgr_manager_new (void)
{
  return manager_new_for_context (g_main_context_ref_thread_default ());
}

/**
 * resmgr_manager_get_context:
 * @self: a manager
 *
 * Gets the manager's owner context, where its signals are emitted.
 *
 * Returns: (transfer none): the owner context
 *
 * Since: 0.1
 */
GMainContext *
resmgr_manager_get_context (ResmgrManager *self)
{
  g_return_val_if_fail (RESMGR_IS_MANAGER (self), NULL);

  return self->context;
}

/**
 * resmgr_manager_get_wait_timeout:
 * @self: a manager
 *
 * Gets [property@Resmgr.Manager:wait-timeout].
 *
 * Returns: the wait timeout in milliseconds
 *
 * Since: 0.1
 */
guint
resmgr_manager_get_wait_timeout (ResmgrManager *self)
{
  g_return_val_if_fail (RESMGR_IS_MANAGER (self), 0);

  return (guint) g_atomic_int_get (&self->wait_timeout_ms);
}

/**
 * resmgr_manager_set_wait_timeout:
 * @self: a manager
 * @timeout_ms: the new timeout, in milliseconds
 *
 * Sets [property@Resmgr.Manager:wait-timeout]. May be called from any
 * thread; a wait that already started keeps its deadline.
 *
 * Since: 0.1
 */
void
resmgr_manager_set_wait_timeout (ResmgrManager *self,
                                 guint          timeout_ms)
{
  g_return_if_fail (RESMGR_IS_MANAGER (self));
  g_return_if_fail (timeout_ms <= G_MAXINT);

  if ((guint) g_atomic_int_get (&self->wait_timeout_ms) == timeout_ms)
    return;

  g_atomic_int_set (&self->wait_timeout_ms, (int) timeout_ms);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_WAIT_TIMEOUT]);
}

/**
 * resmgr_service_get_default:
 *
 * Gets the process-wide service, a [class@Resmgr.Manager] created on the
 * first call, from whichever thread makes it (creation is atomic). Its owner
 * context is the global default main context. It is never missing and never
 * destroyed: there is nothing to initialise first and no exit hook; shut it
 * down explicitly with [method@Resmgr.Service.shutdown].
 *
 * Returns: (transfer none): the default service
 *
 * Since: 0.1
 */
ResmgrService *
resmgr_service_get_default (void)
{
  static ResmgrService *default_service;

  if (g_once_init_enter (&default_service))
    g_once_init_leave (&default_service,
                       RESMGR_SERVICE (manager_new_for_context (g_main_context_ref (g_main_context_default ()))));

  return default_service;
}

/* }}} */
