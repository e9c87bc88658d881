/* resmgr-monitor.c
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <json-glib/json-glib.h>

#include "resmgr-monitor-private.h"

/**
 * ResmgrMonitor:
 *
 * Watches a [iface@Resmgr.Service]: samples the memory of the process and
 * the service's stats into a bounded history, detects leaks and memory
 * growth, keeps the latest cleanup reports, and offers a live
 * [iface@Gio.ListModel] of components and one of tracked resources for a
 * list view.
 *
 * ## What it knows
 *
 * When it is created, the monitor takes a snapshot of the service
 * ([method@Resmgr.Service.dup_handles],
 * [method@Resmgr.Service.dup_component_ids]); from then on it follows the
 * service through an observer ([method@Resmgr.Service.add_observer]), for a
 * [class@Resmgr.Manager] and any other service alike. (A service that
 * cannot enumerate gives an empty snapshot: the monitor then knows what was
 * tracked after it was created; a service that notifies nothing only gives
 * the snapshot.) The observer builds no [struct@Resmgr.Handle] and emits no
 * signal per resource: the monitor's records are updated on the thread of
 * each event under the monitor's own short lock, so a monitor can stay
 * attached under load; `bench/bench-churn --monitor` measures the cost.
 *
 * ## Sampling
 *
 * Every [property@Resmgr.Monitor:interval] milliseconds (0: only when
 * [method@Resmgr.Monitor.sample_now] is called) the monitor records the
 * memory of the process (by default the resident set size, see
 * [method@Resmgr.Monitor.set_sampler]) and the service's stats, keeping the
 * last [property@Resmgr.Monitor:history-size] samples, then runs a leak
 * check. When the memory grew by more than
 * [property@Resmgr.Monitor:growth-threshold] bytes between the oldest and
 * the newest sample, [signal@Resmgr.Monitor::memory-growth] is emitted —
 * once, when the growth crosses the threshold; it is emitted again only
 * after the growth fell back below it.
 *
 * ## Leaks
 *
 * [method@Resmgr.Monitor.check_leaks] reports resources that are still
 * tracked although
 * - their component was removed ([enum@Resmgr.LeakKind.ORPHANED]);
 * - they are workers tracked before their component was cleaned up, or
 *   before a shutdown ([enum@Resmgr.LeakKind.WORKER_OUTLIVED_OWNER]);
 * - they are older than [property@Resmgr.Monitor:age-threshold] seconds
 *   ([enum@Resmgr.LeakKind.TOO_OLD]).
 * Resources whose metadata has `"process-lifetime": <true>` are never
 * reported. Each candidate is confirmed with [method@Resmgr.Service.lookup]
 * (which also gives its current state and metadata).
 *
 * ## Lists
 *
 * [method@Resmgr.Monitor.get_components] and
 * [method@Resmgr.Monitor.get_resources] return list models whose items are
 * [class@Resmgr.MonitorComponent] and [class@Resmgr.MonitorResource]
 * objects. Changes are collected as they come and applied from one idle
 * source on the monitor's context: one [signal@Gio.ListModel::items-changed]
 * per list and batch, and a resource tracked and released within one batch
 * never shows up. The lists cost nothing until they are first asked for.
 * Resources are listed in tracking order; components in the order the
 * monitor first saw them. A removed component stays listed while it still
 * holds resources.
 *
 * ## Thread safety
 *
 * The monitor's context is the owner context of its service
 * ([method@Resmgr.Manager.get_context] for a [class@Resmgr.Manager], else
 * the thread-default context at creation). Its signals, property
 * notifications of [property@Resmgr.Monitor:rss] and
 * [property@Resmgr.Monitor:growth], list changes and item notifications are
 * all delivered there and only there: inline when the calling thread owns
 * that context (it iterates it, pushed it as its thread-default, or it is
 * the global default context and this is the main thread), else when the
 * owner next iterates it; never on a worker thread, even while the owner
 * is blocked (see `docs/threading.md`). List changes are always applied
 * from an idle source there, one batch at a time.
 *
 * [method@Resmgr.Monitor.sample_now], [method@Resmgr.Monitor.check_leaks],
 * [method@Resmgr.Monitor.report_to_json] and the getters of samples,
 * reports and figures may be called from any thread. The list models and
 * their items must only be used on the monitor's context, like any
 * [iface@Gio.ListModel]. Property setters and
 * [method@Resmgr.Monitor.set_sampler] should be called on the monitor's
 * context (their notifications are emitted by the caller). The sampler is
 * called from whichever thread samples, with no lock held; it may call
 * into the service but must not call [method@Resmgr.Monitor.set_sampler].
 *
 * Since: 0.1
 */

/* Internals {{{ */

/* A component as the monitor sees it. Referenced by the table of live
 * components, each record of its resources, core->comp_dirty while queued
 * and the components list while listed. Its fields are protected by
 * core->mutex. */
typedef struct
{
  gatomicrefcount         ref_count;
  char                   *id;
  ResmgrComponentState    state;
  guint64                 n_resources;
  guint64                 bytes;
  guint                   n_leaks;
  guint64                 cleaned_seq;   /* seq of its last cleanup, 0: none */
  ResmgrMonitorComponent *item;          /* strong, made on demand while listed */
  guint                   dirty : 1;     /* in core->comp_dirty */
  guint                   listed : 1;
} Comp;

enum {
  REC_PENDING  = 1 << 0,   /* in core->pending, not listed yet */
  REC_LISTED   = 1 << 1,   /* in the resources list */
  REC_DEAD     = 1 << 2,   /* released: no longer in the index */
  REC_DIRTY    = 1 << 3,   /* listed, in core->dirty */
  REC_LIFETIME = 1 << 4,   /* process-lifetime: never a leak */
};

/* One resource tracked since the monitor was attached. The handle of the
 * tracking event is not kept: handles are made again from these fields
 * when asked for, and the item of a listed record only when a view asks for
 * that row. */
typedef struct
{
  guint64                id;             /* the key of core->index */
  guint64                seq;            /* order of the tracking event */
  Comp                  *comp;           /* strong */
  char                  *name;
  ResmgrMonitorResource *item;           /* strong, made on demand while listed */
  gint64                 created;
  gsize                  size;
  gint16                 priority;
  guint8                 type;           /* ResmgrResourceType */
  guint8                 state;          /* ResmgrResourceState */
  guint8                 leak;           /* ResmgrLeakKind */
  guint8                 flags;
} Record;

typedef struct
{
  gint64  time;
  guint64 rss;
  guint64 n_resources;
  guint64 bytes;
  guint   n_components;
} Sample;

typedef struct
{
  gint64               time;
  ResmgrCleanupReport *report;
} ReportEntry;

typedef struct _Slab Slab;
typedef struct _IndexEntry IndexEntry;

/* A growable array of records, pushed to inline on every event. */
typedef struct
{
  Record **data;
  guint    len;
  guint    size;
} RecVec;

static inline void
recvec_push (RecVec *vec,
             Record *rec)
{
  if (G_UNLIKELY (vec->len == vec->size))
    {
      vec->size = MAX (64, vec->size * 2);
      vec->data = g_renew (Record *, vec->data, vec->size);
    }
  vec->data[vec->len++] = rec;
}

/* The state the service's observer works on. It is refcounted apart from
 * the GObject: an observer callback runs on the thread of each event, maybe
 * while the monitor is disposed, and the observer keeps the core alive
 * until its last call is over. Nothing of the monitor's own is emitted from there: records are
 * updated under core->mutex and the flush is dispatched to the context. */
typedef struct
{
  gatomicrefcount     ref_count;

  /* Read-only after construction: */
  GMainContext       *context;
  ResmgrMonitorList  *components_list;   /* borrowed: the monitor owns them, */
  ResmgrMonitorList  *resources_list;    /* used until core->disposed */
  ResmgrMonitorClock  clock;
  gpointer            clock_data;

  GMutex              mutex;

  /* Protected by mutex: */
  gboolean            disposed;
  gboolean            lists_wanted;
  GHashTable         *released_during_snapshot;   /* guint64 *, while taking it */
  GHashTable         *removed_during_snapshot;    /* component ids, same */
  IndexEntry         *index;             /* live records by id (the store) */
  guint               index_mask;
  guint               n_records;
  Slab               *partial;           /* slabs with free slots */
  GHashTable         *early_releases;   /* guint64 *, released before heard tracked */
  GHashTable         *comps;             /* id -> Comp (strong), live components */
  Comp               *last_comp;         /* lookup cache, borrowed from comps */
  RecVec              pending;           /* to be listed, tracking order */
  guint               n_pending_dead;
  RecVec              dirty;             /* listed and changed or dead */
  GPtrArray          *comp_dirty;        /* Comp (strong) */
  GSource            *flush_source;
  guint64             seq;
  guint64             shutdown_seq;
  GArray             *reports;           /* ReportEntry */
  guint               report_history_size;
  GArray             *samples;           /* Sample, oldest first */
  guint               history_size;
  guint64             growth_threshold;
  guint               age_threshold;     /* seconds, 0: off */
  guint64             rss;
  guint64             growth;
  gboolean            growth_above;
  guint               interval;
} Core;


#define N_LEAK_KINDS (RESMGR_LEAK_KIND_TOO_OLD + 1)

static gint64
default_clock (gpointer user_data)
{
  return g_get_monotonic_time ();
}

static inline gint64
core_now (Core *core)
{
  return core->clock (core->clock_data);
}

/* The record store {{{
 *
 * Records are allocated from slabs and found by id through an open
 * addressing index, both owned by the core and used under its mutex: a
 * track costs no malloc and a release no free (the GHashTable and g_new
 * store cost about twice as many instructions per event, most of them in
 * malloc, free and the table's resizes).
 *
 * A slab is SLAB_SIZE bytes aligned to SLAB_SIZE, so the slab of a record
 * is its address rounded down. Slabs with free records are on a list; an
 * empty slab is freed unless it is the only one with free records. */

#define SLAB_SIZE 16384

typedef union _Slot Slot;
union _Slot
{
  Record  rec;
  Slot   *next_free;
};

struct _Slab
{
  Slab  *prev;        /* in core->partial, while it has free slots */
  Slab  *next;
  Slot  *free;        /* freed slots of this slab */
  guint  n_used;
  guint  n_fresh;     /* slots never handed out, at the end */
  Slot   slots[];
};

#define SLAB_SLOTS ((SLAB_SIZE - sizeof (Slab)) / sizeof (Slot))

static inline Slab *
slab_of (Record *rec)
{
  return (Slab *) ((guintptr) rec & ~(guintptr) (SLAB_SIZE - 1));
}

static void
slab_unlink (Core *core,
             Slab *slab)
{
  if (slab->prev != NULL)
    slab->prev->next = slab->next;
  else
    core->partial = slab->next;
  if (slab->next != NULL)
    slab->next->prev = slab->prev;
  slab->prev = slab->next = NULL;
}

static void
slab_push (Core *core,
           Slab *slab)
{
  slab->prev = NULL;
  slab->next = core->partial;
  if (core->partial != NULL)
    core->partial->prev = slab;
  core->partial = slab;
}

/* Uninitialised memory for one record. */
static Record *
record_alloc_locked (Core *core)
{
  Slab *slab = core->partial;
  Slot *slot;

  if (G_UNLIKELY (slab == NULL))
    {
      slab = g_aligned_alloc (1, SLAB_SIZE, SLAB_SIZE);
      slab->prev = slab->next = NULL;
      slab->free = NULL;
      slab->n_used = 0;
      slab->n_fresh = SLAB_SLOTS;
      core->partial = slab;
    }

  if (slab->free != NULL)
    {
      slot = slab->free;
      slab->free = slot->next_free;
    }
  else
    slot = &slab->slots[SLAB_SLOTS - slab->n_fresh--];

  if (++slab->n_used == SLAB_SLOTS)
    slab_unlink (core, slab);

  return &slot->rec;
}

static void
record_dealloc_locked (Core   *core,
                       Record *rec)
{
  Slab *slab = slab_of (rec);
  Slot *slot = (Slot *) rec;

  if (slab->n_used-- == SLAB_SLOTS)
    slab_push (core, slab);
  slot->next_free = slab->free;
  slab->free = slot;

  if (slab->n_used == 0 && (slab->prev != NULL || slab->next != NULL))
    {
      slab_unlink (core, slab);
      g_aligned_free (slab);
    }
}

static void
slabs_free (Core *core)
{
  /* Only at teardown, when every record was freed: all slabs are empty,
   * and only the last one can be left. */
  while (core->partial != NULL)
    {
      Slab *slab = core->partial;

      g_assert (slab->n_used == 0);
      slab_unlink (core, slab);
      g_aligned_free (slab);
    }
}

/* The index: id → record, linear probing, no tombstones (removal shifts
 * the following entries back). */
struct _IndexEntry
{
  guint64  id;
  Record  *rec;   /* NULL: empty */
};

#define INDEX_MIN_SIZE 64

/* Resource ids are a component serial in the upper 32 bits and a sequence
 * number in the lower ones: mix the bits (the finaliser of MurmurHash3). */
static inline guint
id_hash64 (guint64 v)
{
  v ^= v >> 33;
  v *= G_GUINT64_CONSTANT (0xff51afd7ed558ccd);
  v ^= v >> 33;
  v *= G_GUINT64_CONSTANT (0xc4ceb9fe1a85ec53);
  v ^= v >> 33;

  return (guint) v;
}

static void
index_resize (Core  *core,
              guint  size)
{
  IndexEntry *old = core->index;
  guint old_size = core->index_mask + 1;

  core->index = g_new0 (IndexEntry, size);
  core->index_mask = size - 1;
  for (guint i = 0; old != NULL && i < old_size; i++)
    if (old[i].rec != NULL)
      {
        guint j = id_hash64 (old[i].id) & core->index_mask;

        while (core->index[j].rec != NULL)
          j = (j + 1) & core->index_mask;
        core->index[j] = old[i];
      }
  g_free (old);
}

/* The entry of @id, or the empty one where it would go. */
static inline IndexEntry *
index_find (Core    *core,
            guint64  id)
{
  guint i = id_hash64 (id) & core->index_mask;

  while (core->index[i].rec != NULL && core->index[i].id != id)
    i = (i + 1) & core->index_mask;

  return &core->index[i];
}

static inline Record *
record_lookup_locked (Core    *core,
                      guint64  id)
{
  return index_find (core, id)->rec;
}

/* @entry: empty, from index_find () */
static inline void
index_insert (Core       *core,
              IndexEntry *entry,
              Record     *rec)
{
  entry->id = rec->id;
  entry->rec = rec;
  if (G_UNLIKELY (++core->n_records * 4 > (core->index_mask + 1) * 3))
    index_resize (core, (core->index_mask + 1) * 2);
}

static void
index_remove (Core    *core,
              guint64  id)
{
  guint mask = core->index_mask;
  guint i = index_find (core, id) - core->index, j = i;

  g_assert (core->index[i].rec != NULL);
  for (;;)
    {
      guint k;

      j = (j + 1) & mask;
      if (core->index[j].rec == NULL)
        break;
      /* The entry at j may move to i unless its home k lies cyclically
       * in (i, j]. */
      k = id_hash64 (core->index[j].id) & mask;
      if (i <= j ? (i < k && k <= j) : (i < k || k <= j))
        continue;
      core->index[i] = core->index[j];
      i = j;
    }
  core->index[i].rec = NULL;

  /* Shrunk only when far below a full table, to a half-full one: the
   * walk over the old table is paid once per 16x drop, not per halving. */
  if (G_UNLIKELY (--core->n_records * 16 < mask + 1 && mask + 1 > INDEX_MIN_SIZE))
    index_resize (core, MAX ((mask + 1) / 8, INDEX_MIN_SIZE));
}

/* }}} */

/* For the tables of ids of the rare paths */
static guint
id_hash (gconstpointer key)
{
  return id_hash64 (*(const guint64 *) key);
}

static gboolean
id_equal (gconstpointer a,
          gconstpointer b)
{
  return *(const guint64 *) a == *(const guint64 *) b;
}


static Comp *
comp_new (const char *id)
{
  Comp *comp = g_new0 (Comp, 1);

  g_atomic_ref_count_init (&comp->ref_count);
  comp->id = g_strdup (id);

  return comp;
}

static inline Comp *
comp_ref (Comp *comp)
{
  g_atomic_ref_count_inc (&comp->ref_count);

  return comp;
}

/* Under core->mutex the item is always NULL (the flush takes it when the
 * component leaves the list): only memory is freed. */
static void
comp_unref (gpointer data)
{
  Comp *comp = data;

  if (g_atomic_ref_count_dec (&comp->ref_count))
    {
      g_clear_object (&comp->item);
      g_free (comp->id);
      g_free (comp);
    }
}

static gboolean flush_cb (gpointer data);
static void     core_unref (gpointer data);

static Core *
core_ref (Core *core)
{
  g_atomic_ref_count_inc (&core->ref_count);

  return core;
}

static void
schedule_flush_locked (Core *core)
{
  if (core->flush_source != NULL || core->disposed)
    return;

  core->flush_source = g_idle_source_new ();
  g_source_set_priority (core->flush_source, G_PRIORITY_DEFAULT_IDLE);
  g_source_set_static_name (core->flush_source, "[resmgr] monitor lists");
  g_source_set_callback (core->flush_source, flush_cb, core_ref (core), core_unref);
  g_source_attach (core->flush_source, core->context);
}

/* Queue a component for the next flush, when the lists are in use. */
static void
comp_touch_locked (Core *core,
                   Comp *comp)
{
  if (!core->lists_wanted || comp->dirty)
    return;

  comp->dirty = TRUE;
  g_ptr_array_add (core->comp_dirty, comp_ref (comp));
  schedule_flush_locked (core);
}

static Comp *
comp_get_locked (Core       *core,
                 const char *id)
{
  Comp *comp;

  if (id == NULL)
    id = "";

  if (core->last_comp != NULL && strcmp (core->last_comp->id, id) == 0)
    return core->last_comp;

  comp = g_hash_table_lookup (core->comps, id);
  if (comp == NULL)
    {
      comp = comp_new (id);
      g_hash_table_insert (core->comps, comp->id, comp);
      comp_touch_locked (core, comp);
    }
  core->last_comp = comp;

  return comp;
}

/* Frees memory only: handles and components run no callbacks, and only a
 * listed record has an item, which the flush takes before freeing it (the
 * item is unreffed here only at teardown). */
static void
record_free_locked (Core   *core,
                    Record *rec)
{
  g_clear_object (&rec->item);
  g_free (rec->name);
  comp_unref (rec->comp);
  record_dealloc_locked (core, rec);
}

/* A handle with what the monitor knows (no metadata) */
static ResmgrHandle *
record_dup_handle_locked (const Record *rec)
{
  return _resmgr_handle_new (rec->id, rec->type, rec->name, rec->comp->id, rec->size,
                             rec->priority, rec->created, rec->state, NULL);
}

static void
record_mark_dirty_locked (Core   *core,
                          Record *rec)
{
  if ((rec->flags & (REC_LISTED | REC_DIRTY)) != REC_LISTED)
    return;

  rec->flags |= REC_DIRTY;
  recvec_push (&core->dirty, rec);
  schedule_flush_locked (core);
}

static void
record_set_leak_locked (Core           *core,
                        Record         *rec,
                        ResmgrLeakKind  kind)
{
  if (rec->leak == kind)
    return;

  if (rec->leak != RESMGR_LEAK_KIND_NONE)
    rec->comp->n_leaks--;
  if (kind != RESMGR_LEAK_KIND_NONE)
    rec->comp->n_leaks++;
  rec->leak = kind;
  comp_touch_locked (core, rec->comp);
  record_mark_dirty_locked (core, rec);
}

static void
compact_pending_locked (Core *core)
{
  guint j = 0;

  for (guint i = 0; i < core->pending.len; i++)
    {
      Record *rec = core->pending.data[i];

      if (rec->flags & REC_DEAD)
        record_free_locked (core, rec);
      else
        core->pending.data[j++] = rec;
    }
  core->pending.len = j;
  core->n_pending_dead = 0;
}

/* The resource is gone from the service: forget it. */
static void
record_forget_locked (Core                *core,
                      Record              *rec,
                      ResmgrResourceState  state)
{
  Comp *comp = rec->comp;

  index_remove (core, rec->id);
  comp->n_resources--;
  comp->bytes -= rec->size;
  if (rec->leak != RESMGR_LEAK_KIND_NONE)
    comp->n_leaks--;
  comp_touch_locked (core, comp);

  rec->flags |= REC_DEAD;
  rec->state = state;
  if (rec->flags & REC_LISTED)
    {
      record_mark_dirty_locked (core, rec);
    }
  else if (rec->flags & REC_PENDING)
    {
      /* Freed at the next flush; compacted early if no flush comes (a
       * context that is not iterated), so dead entries stay bounded. */
      core->n_pending_dead++;
      if (core->n_pending_dead >= 1024 && core->n_pending_dead * 2 >= core->pending.len)
        compact_pending_locked (core);
    }
  else
    {
      record_free_locked (core, rec);
    }
}

static gboolean
metadata_is_process_lifetime (GVariant *metadata)
{
  gboolean value = FALSE;

  return metadata != NULL &&
         g_variant_is_of_type (metadata, G_VARIANT_TYPE_VARDICT) &&
         g_variant_lookup (metadata, "process-lifetime", "b", &value) &&
         value;
}


static Core *
core_new (GMainContext *context)
{
  Core *core = g_new0 (Core, 1);

  g_atomic_ref_count_init (&core->ref_count);
  g_mutex_init (&core->mutex);
  core->context = g_main_context_ref (context);
  core->clock = default_clock;
  index_resize (core, INDEX_MIN_SIZE);
  core->comps = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, comp_unref);
  core->comp_dirty = g_ptr_array_new ();
  core->reports = g_array_new (FALSE, FALSE, sizeof (ReportEntry));
  core->samples = g_array_new (FALSE, FALSE, sizeof (Sample));

  return core;
}

static void
core_unref (gpointer data)
{
  Core *core = data;
  Record *rec;

  if (!g_atomic_ref_count_dec (&core->ref_count))
    return;

  g_assert (core->flush_source == NULL);

  /* Dead records live in pending or dirty only; live ones in the index. */
  for (guint i = 0; i < core->pending.len; i++)
    {
      rec = core->pending.data[i];
      if (rec->flags & REC_DEAD)
        record_free_locked (core, rec);
    }
  for (guint i = 0; i < core->dirty.len; i++)
    {
      rec = core->dirty.data[i];
      if (rec->flags & REC_DEAD)
        record_free_locked (core, rec);
    }
  for (guint i = 0; i <= core->index_mask; i++)
    if ((rec = core->index[i].rec) != NULL)
      record_free_locked (core, rec);
  g_free (core->index);
  slabs_free (core);
  g_clear_pointer (&core->early_releases, g_hash_table_unref);
  for (guint i = 0; i < core->comp_dirty->len; i++)
    comp_unref (g_ptr_array_index (core->comp_dirty, i));
  g_hash_table_unref (core->comps);
  g_free (core->pending.data);
  g_free (core->dirty.data);
  g_ptr_array_unref (core->comp_dirty);
  for (guint i = 0; i < core->reports->len; i++)
    resmgr_cleanup_report_unref (g_array_index (core->reports, ReportEntry, i).report);
  g_array_unref (core->reports);
  g_array_unref (core->samples);
  g_main_context_unref (core->context);
  g_mutex_clear (&core->mutex);
  g_free (core);
}

/* }}} */

/* The service's observer (on the thread of each event) {{{
 *
 * Each only updates the core under its mutex and maybe attaches the flush
 * source (see resmgr_service_add_observer ()). */

static void
observed_component_registered (gpointer    data,
                               const char *id)
{
  Core *core = data;

  g_mutex_lock (&core->mutex);
  /* Removed components are not in the table: this makes a new entry (or
   * finds the one made by an earlier tracking event). */
  if (!core->disposed)
    comp_get_locked (core, id);
  g_mutex_unlock (&core->mutex);
}

static void
observed_component_removed (gpointer    data,
                            const char *id)
{
  Core *core = data;
  Comp *comp;

  g_mutex_lock (&core->mutex);
  comp = core->disposed ? NULL : g_hash_table_lookup (core->comps, id);
  if (G_UNLIKELY (core->removed_during_snapshot != NULL))
    g_hash_table_add (core->removed_during_snapshot, g_strdup (id));
  if (comp != NULL)
    {
      /* Its records keep it; a new component with the same id gets a new
       * entry. */
      g_hash_table_steal (core->comps, id);
      if (core->last_comp == comp)
        core->last_comp = NULL;
      comp->state = RESMGR_COMPONENT_STATE_REMOVED;
      comp_touch_locked (core, comp);
      comp_unref (comp);
    }
  g_mutex_unlock (&core->mutex);
}

static void
record_add_locked (Core                         *core,
                   const ResmgrObservedResource *res,
                   gboolean                      process_lifetime)
{
  IndexEntry *entry = index_find (core, res->id);
  Record *rec;

  if (entry->rec != NULL)
    return;
  if (G_UNLIKELY (core->early_releases != NULL) &&
      g_hash_table_remove (core->early_releases, &res->id))
    return;

  rec = record_alloc_locked (core);
  rec->id = res->id;
  rec->seq = ++core->seq;
  rec->comp = comp_ref (comp_get_locked (core, res->component_id));
  rec->name = g_strdup (res->name);
  rec->item = NULL;
  rec->created = res->created;
  rec->size = res->size;
  rec->priority = res->priority;
  rec->type = res->type;
  rec->state = res->state;
  rec->leak = RESMGR_LEAK_KIND_NONE;
  rec->flags = G_UNLIKELY (process_lifetime) ? REC_LIFETIME : 0;
  index_insert (core, entry, rec);

  rec->comp->n_resources++;
  rec->comp->bytes += res->size;
  comp_touch_locked (core, rec->comp);

  if (core->lists_wanted)
    {
      rec->flags |= REC_PENDING;
      recvec_push (&core->pending, rec);
      schedule_flush_locked (core);
    }
}

static void
record_add_handle_locked (Core         *core,
                          ResmgrHandle *handle)
{
  ResmgrObservedResource res = {
    .id = resmgr_handle_get_id (handle),
    .component_id = resmgr_handle_get_component_id (handle),
    .name = resmgr_handle_get_name (handle),
    .size = resmgr_handle_get_size (handle),
    .created = resmgr_handle_get_created (handle),
    .priority = resmgr_handle_get_priority (handle),
    .type = resmgr_handle_get_resource_type (handle),
    .state = resmgr_handle_get_state (handle),
  };

  record_add_locked (core, &res, metadata_is_process_lifetime (resmgr_handle_get_metadata (handle)));
}

static void
release_locked (Core                *core,
                guint64              id,
                ResmgrResourceState  state)
{
  Record *rec = core->disposed ? NULL : record_lookup_locked (core, id);

  if (rec != NULL)
    record_forget_locked (core, rec, state);
  else if (!core->disposed)
    {
      /* Events of different threads may come in any order: a cleanup on
       * one thread may report the release of a resource that another
       * thread tracked but did not report yet. Remember it for that
       * report; what is never matched is dropped at the next leak check. */
      if (core->early_releases == NULL)
        core->early_releases = g_hash_table_new_full (id_hash, id_equal, g_free, NULL);
      g_hash_table_add (core->early_releases, g_memdup2 (&id, sizeof id));
    }
  if (G_UNLIKELY (core->released_during_snapshot != NULL))
    g_hash_table_add (core->released_during_snapshot, g_memdup2 (&id, sizeof id));
}

static void
observed_cleanup_finished (gpointer             data,
                           ResmgrCleanupReport *report)
{
  const char *scope = resmgr_cleanup_report_get_scope (report);
  ResmgrCleanupReport *dropped_one = NULL;
  g_autoptr(GArray) dropped = NULL;
  Core *core = data;
  guint64 seq;

  g_mutex_lock (&core->mutex);
  if (core->disposed)
    {
      g_mutex_unlock (&core->mutex);
      return;
    }

  seq = ++core->seq;
  if (g_strcmp0 (scope, "shutdown") == 0)
    {
      GHashTableIter iter;
      gpointer value;

      core->shutdown_seq = seq;
      g_hash_table_iter_init (&iter, core->comps);
      while (g_hash_table_iter_next (&iter, NULL, &value))
        {
          Comp *comp = value;

          comp->cleaned_seq = seq;
          if (comp->state == RESMGR_COMPONENT_STATE_ACTIVE)
            comp->state = RESMGR_COMPONENT_STATE_CLEANED;
          comp_touch_locked (core, comp);
        }
    }
  else if (scope != NULL)
    {
      Comp *comp = comp_get_locked (core, scope);

      comp->cleaned_seq = seq;
      if (comp->state == RESMGR_COMPONENT_STATE_ACTIVE)
        comp->state = RESMGR_COMPONENT_STATE_CLEANED;
      comp_touch_locked (core, comp);
    }

  if (core->report_history_size > 0)
    {
      ReportEntry entry = { core_now (core), resmgr_cleanup_report_ref (report) };

      g_array_append_val (core->reports, entry);
      if (core->reports->len == core->report_history_size + 1)
        {
          /* The usual case, one in, one out: no array for it. */
          dropped_one = g_array_index (core->reports, ReportEntry, 0).report;
          g_array_remove_index (core->reports, 0);
        }
      else if (core->reports->len > core->report_history_size)
        {
          guint n = core->reports->len - core->report_history_size;

          dropped = g_array_sized_new (FALSE, FALSE, sizeof (ReportEntry), n);
          g_array_append_vals (dropped, core->reports->data, n);
          g_array_remove_range (core->reports, 0, n);
        }
    }
  g_mutex_unlock (&core->mutex);

  g_clear_pointer (&dropped_one, resmgr_cleanup_report_unref);
  for (guint i = 0; dropped != NULL && i < dropped->len; i++)
    resmgr_cleanup_report_unref (g_array_index (dropped, ReportEntry, i).report);
}

static void
observed_resource_tracked (gpointer                      data,
                           const ResmgrObservedResource *resource)
{
  Core *core = data;

  g_mutex_lock (&core->mutex);
  if (!core->disposed)
    record_add_locked (core, resource, FALSE);   /* no metadata yet */
  g_mutex_unlock (&core->mutex);
}

static void
observed_resource_released (gpointer                      data,
                            const ResmgrObservedResource *resource)
{
  Core *core = data;

  g_mutex_lock (&core->mutex);
  release_locked (core, resource->id, resource->state);
  g_mutex_unlock (&core->mutex);
}

static const ResmgrObserverFuncs observer_funcs = {
  observed_component_registered,
  observed_component_removed,
  observed_resource_tracked,
  observed_resource_released,
  observed_cleanup_finished,
};

/* }}} */

/* What the service tracked before the monitor was attached. Called after
 * the handlers were connected: what is released or removed between the
 * snapshot and its merge is remembered and left out. */
static void
core_take_snapshot (Core          *core,
                    ResmgrService *service)
{
  g_autoptr(GPtrArray) handles = NULL;
  g_auto(GStrv) ids = NULL;
  g_autoptr(GHashTable) released = NULL;
  g_autoptr(GHashTable) removed = NULL;

  g_mutex_lock (&core->mutex);
  core->released_during_snapshot = g_hash_table_new_full (id_hash, id_equal, g_free, NULL);
  core->removed_during_snapshot = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_mutex_unlock (&core->mutex);

  /* No lock held: the service takes its own. */
  ids = resmgr_service_dup_component_ids (service);
  handles = resmgr_service_dup_handles (service, NULL);

  g_mutex_lock (&core->mutex);
  released = g_steal_pointer (&core->released_during_snapshot);
  removed = g_steal_pointer (&core->removed_during_snapshot);
  for (guint i = 0; ids != NULL && ids[i] != NULL; i++)
    if (!g_hash_table_contains (removed, ids[i]))
      comp_get_locked (core, ids[i]);
  for (guint i = 0; handles != NULL && i < handles->len; i++)
    {
      ResmgrHandle *handle = g_ptr_array_index (handles, i);
      guint64 id = resmgr_handle_get_id (handle);

      if (!g_hash_table_contains (released, &id) &&
          !g_hash_table_contains (removed, resmgr_handle_get_component_id (handle)))
        record_add_handle_locked (core, handle);
    }
  g_mutex_unlock (&core->mutex);
}

/* }}} */

/* Lists (on the monitor's context) {{{ */

typedef struct
{
  Core      *core;
  GPtrArray *dropped;   /* items to unref out of the lock */
} Gone;

/* Removes the entries for which @is_gone is TRUE from @entries, keeping
 * the order of the others, and hands each to @forget. Returns the position
 * of the first one removed (entries->len if none). */
static guint
compact_entries (GPtrArray *entries,
                 gboolean (*is_gone) (gpointer entry),
                 void     (*forget) (gpointer entry, Gone *gone),
                 Gone      *gone)
{
  guint first = entries->len, j;

  for (guint i = 0; i < entries->len; i++)
    if (is_gone (g_ptr_array_index (entries, i)))
      {
        first = i;
        break;
      }

  j = first;
  for (guint i = first; i < entries->len; i++)
    {
      gpointer entry = g_ptr_array_index (entries, i);

      if (is_gone (entry))
        forget (entry, gone);
      else
        g_ptr_array_index (entries, j++) = entry;
    }
  g_ptr_array_set_size (entries, j);

  return first;
}

static gboolean
record_is_gone (gpointer entry)
{
  return (((Record *) entry)->flags & REC_DEAD) != 0;
}

static void
record_forget_listed (gpointer  entry,
                      Gone     *gone)
{
  Record *rec = entry;

  if (rec->item != NULL)
    g_ptr_array_add (gone->dropped, g_steal_pointer (&rec->item));
  record_free_locked (gone->core, rec);
}

static void
comp_forget_listed (gpointer  entry,
                    Gone     *gone)
{
  Comp *comp = entry;

  if (comp->item != NULL)
    g_ptr_array_add (gone->dropped, g_steal_pointer (&comp->item));
  comp_unref (comp);   /* the list's */
}

static gboolean
comp_is_gone (gpointer entry)
{
  return !((Comp *) entry)->listed;
}

static inline gboolean
comp_should_be_listed (Comp *comp)
{
  return comp->state != RESMGR_COMPONENT_STATE_REMOVED || comp->n_resources > 0;
}

/* Applies the changes collected since the last flush to the lists: one
 * ::items-changed per list. Runs on the monitor's context. */
static void
core_flush (Core *core)
{
  g_autoptr(GPtrArray) dropped = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) notify_resources = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) notify_components = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(ResmgrMonitorList) resources_list = NULL;
  g_autoptr(ResmgrMonitorList) components_list = NULL;
  Gone gone = { core, dropped };
  RecVec *pending, *dirty;
  GPtrArray *comp_dirty, *entries;
  GSource *source;
  guint r_old_len, r_pos, r_len, c_old_len, c_pos, c_len;
  guint n_gone = 0;

  g_mutex_lock (&core->mutex);
  source = g_steal_pointer (&core->flush_source);
  if (!core->lists_wanted || core->disposed)
    {
      g_mutex_unlock (&core->mutex);
      g_clear_pointer (&source, g_source_unref);
      return;
    }

  /* Kept until both are emitted: a handler of the first may drop the last
   * reference to the monitor, which owns them, and a monitor may be
   * disposed on another thread once the lock is released. */
  resources_list = g_object_ref (core->resources_list);
  components_list = g_object_ref (core->components_list);

  /* The queues are emptied in place (all under the lock), keeping their
   * memory for the next batch. */
  pending = &core->pending;
  dirty = &core->dirty;
  comp_dirty = core->comp_dirty;
  core->n_pending_dead = 0;

  /* Resources: changed and removed rows, then the new ones at the end. */
  entries = _resmgr_monitor_list_get_entries (resources_list);
  r_old_len = entries->len;
  for (guint i = 0; i < dirty->len; i++)
    {
      Record *rec = dirty->data[i];

      rec->flags &= ~REC_DIRTY;
      if (rec->flags & REC_DEAD)
        n_gone++;
      else if (rec->item != NULL)
        {
          g_autoptr(ResmgrHandle) handle = NULL;

          if (resmgr_monitor_resource_get_state (rec->item) != rec->state)
            handle = record_dup_handle_locked (rec);
          if (_resmgr_monitor_resource_update (rec->item, handle, rec->state, rec->leak))
            g_ptr_array_add (notify_resources, g_object_ref (rec->item));
        }
    }
  r_pos = r_old_len;
  if (n_gone > 0)
    r_pos = compact_entries (entries, record_is_gone, record_forget_listed, &gone);
  r_len = entries->len;
  g_ptr_array_set_size (entries, r_len + pending->len);
  for (guint i = 0; i < pending->len; i++)
    {
      Record *rec = pending->data[i];

      if (rec->flags & REC_DEAD)
        {
          record_free_locked (core, rec);
          continue;
        }
      rec->flags = (rec->flags & ~REC_PENDING) | REC_LISTED;
      entries->pdata[r_len++] = rec;
    }
  g_ptr_array_set_size (entries, r_len);

  /* Components: after the records, whose release may have dropped the
   * last resource of a removed component. */
  entries = _resmgr_monitor_list_get_entries (components_list);
  c_old_len = entries->len;
  n_gone = 0;
  for (guint i = 0; i < comp_dirty->len; i++)
    {
      Comp *comp = g_ptr_array_index (comp_dirty, i);

      comp->dirty = FALSE;
      if (!comp->listed)
        continue;
      if (!comp_should_be_listed (comp))
        {
          comp->listed = FALSE;
          n_gone++;
        }
      else if (comp->item != NULL &&
               _resmgr_monitor_component_update (comp->item, comp->state, comp->n_resources,
                                                 comp->bytes, comp->n_leaks))
        g_ptr_array_add (notify_components, g_object_ref (comp->item));
    }
  c_pos = c_old_len;
  if (n_gone > 0)
    c_pos = compact_entries (entries, comp_is_gone, comp_forget_listed, &gone);
  for (guint i = 0; i < comp_dirty->len; i++)
    {
      Comp *comp = g_ptr_array_index (comp_dirty, i);

      if (!comp->listed && comp_should_be_listed (comp))
        {
          comp->listed = TRUE;
          g_ptr_array_add (entries, comp_ref (comp));
        }
      comp_unref (comp);   /* comp_dirty's */
    }
  c_len = entries->len;
  pending->len = 0;
  dirty->len = 0;
  g_ptr_array_set_size (comp_dirty, 0);
  g_mutex_unlock (&core->mutex);

  g_clear_pointer (&source, g_source_unref);

  /* Out of the lock: the lists are only changed here, on this context. */
  _resmgr_monitor_list_items_changed (resources_list, r_pos, r_old_len - r_pos, r_len - r_pos);
  _resmgr_monitor_list_items_changed (components_list, c_pos, c_old_len - c_pos, c_len - c_pos);
  for (guint i = 0; i < notify_resources->len; i++)
    _resmgr_monitor_resource_notify (g_ptr_array_index (notify_resources, i));
  for (guint i = 0; i < notify_components->len; i++)
    _resmgr_monitor_component_notify (g_ptr_array_index (notify_components, i));
}

/* The items of the lists, made when a view first asks for them. */
static gpointer
resource_item_func (gpointer entry,
                    gpointer user_data)
{
  Core *core = user_data;
  Record *rec = entry;
  gpointer item;

  g_mutex_lock (&core->mutex);
  if (rec->item == NULL)
    {
      g_autoptr(ResmgrHandle) handle = record_dup_handle_locked (rec);

      rec->item = _resmgr_monitor_resource_new (handle, rec->state, rec->leak);
    }
  item = g_object_ref (rec->item);
  g_mutex_unlock (&core->mutex);

  return item;
}

static gpointer
component_item_func (gpointer entry,
                     gpointer user_data)
{
  Core *core = user_data;
  Comp *comp = entry;
  gpointer item;

  g_mutex_lock (&core->mutex);
  if (comp->item == NULL)
    comp->item = _resmgr_monitor_component_new (comp->id, comp->state, comp->n_resources,
                                                comp->bytes, comp->n_leaks);
  item = g_object_ref (comp->item);
  g_mutex_unlock (&core->mutex);

  return item;
}

static gboolean
flush_cb (gpointer data)
{
  core_flush (data);

  return G_SOURCE_REMOVE;
}

static int
compare_records_by_seq (gconstpointer a,
                        gconstpointer b)
{
  const Record *x = *(const Record **) a;
  const Record *y = *(const Record **) b;

  return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* The first call fills the lists with what the monitor knows. */
static void
core_want_lists (Core *core)
{
  GHashTableIter iter;
  gpointer value;
  Record *rec;

  g_mutex_lock (&core->mutex);
  if (core->lists_wanted)
    {
      g_mutex_unlock (&core->mutex);
      return;
    }

  core->lists_wanted = TRUE;
  g_hash_table_iter_init (&iter, core->comps);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    comp_touch_locked (core, value);
  for (guint i = 0; i <= core->index_mask; i++)
    if ((rec = core->index[i].rec) != NULL)
      {
        rec->flags |= REC_PENDING;
        recvec_push (&core->pending, rec);
        comp_touch_locked (core, rec->comp);
      }
  if (core->pending.len > 1)
    qsort (core->pending.data, core->pending.len, sizeof (Record *), compare_records_by_seq);
  schedule_flush_locked (core);
  g_mutex_unlock (&core->mutex);
}

/* }}} */

/* The monitor {{{ */

struct _ResmgrMonitor
{
  GObject               parent_instance;

  /* Read-only after construction: */
  ResmgrService        *service;
  Core                 *core;
  guint                 observer_id;

  /* Owner context (set by setters, read by sample_now under core->mutex): */
  ResmgrMonitorSampler  sampler;
  gpointer              sampler_data;
  GDestroyNotify        sampler_destroy;
  GSource              *timer;
  gboolean              constructed;
  ResmgrMonitorList    *components_list;
  ResmgrMonitorList    *resources_list;
};

enum {
  PROP_0,
  PROP_SERVICE,
  PROP_INTERVAL,
  PROP_HISTORY_SIZE,
  PROP_REPORT_HISTORY_SIZE,
  PROP_GROWTH_THRESHOLD,
  PROP_AGE_THRESHOLD,
  PROP_RSS,
  PROP_GROWTH,
  PROP_COMPONENTS,
  PROP_RESOURCES,
  N_PROPS
};

enum {
  SIGNAL_MEMORY_GROWTH,
  SIGNAL_LEAK_DETECTED,
  SIGNAL_SAMPLED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (ResmgrMonitor, resmgr_monitor, G_TYPE_OBJECT)

/* Emissions on the monitor's context {{{ */

typedef struct
{
  GWeakRef   ref;
  gboolean   notify_rss;
  gboolean   notify_growth;
  gboolean   sampled;
  gboolean   memory_growth;
  guint64    growth;
  gint64     window;
  GPtrArray *leaks[N_LEAK_KINDS];   /* ResmgrHandle, new leaks per kind */
} Emission;

static void
emission_free (gpointer data)
{
  Emission *e = data;

  g_weak_ref_clear (&e->ref);
  for (guint i = 0; i < N_LEAK_KINDS; i++)
    g_clear_pointer (&e->leaks[i], g_ptr_array_unref);
  g_free (e);
}

static void
emission_run (ResmgrMonitor *self,
              Emission      *e)
{
  if (e->notify_rss)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RSS]);
  if (e->notify_growth)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_GROWTH]);
  if (e->memory_growth)
    g_signal_emit (self, signals[SIGNAL_MEMORY_GROWTH], 0, e->growth, e->window);
  for (guint i = 0; i < N_LEAK_KINDS; i++)
    if (e->leaks[i] != NULL && e->leaks[i]->len > 0)
      g_signal_emit (self, signals[SIGNAL_LEAK_DETECTED], 0, (ResmgrLeakKind) i, e->leaks[i]);
  if (e->sampled)
    g_signal_emit (self, signals[SIGNAL_SAMPLED], 0);
}

static gboolean
emission_cb (gpointer data)
{
  Emission *e = data;
  ResmgrMonitor *self = g_weak_ref_get (&e->ref);

  if (self != NULL)
    {
      emission_run (self, e);
      g_object_unref (self);
    }

  return G_SOURCE_REMOVE;
}

/* Emits on the monitor's context, through the one dispatcher: inline when
 * this thread owns it (docs/threading.md), else when the owner iterates
 * it; never by acquiring it from another thread. Takes @e. Called with no
 * lock held. */
static void
emit_on_context (ResmgrMonitor *self,
                 Emission      *e)
{
  g_weak_ref_init (&e->ref, self);
  _resmgr_dispatch (self->core->context, G_PRIORITY_DEFAULT, "[resmgr] monitor signals",
                    emission_cb, e, emission_free);
}

/* }}} */

static gboolean
timer_cb (gpointer data)
{
  ResmgrMonitor *self = g_weak_ref_get (data);
  g_autoptr(GPtrArray) leaks = NULL;

  if (self == NULL)
    return G_SOURCE_REMOVE;

  resmgr_monitor_sample_now (self);
  leaks = resmgr_monitor_check_leaks (self);
  g_object_unref (self);

  return G_SOURCE_CONTINUE;
}

static void
restart_timer (ResmgrMonitor *self)
{
  guint interval;

  if (self->timer != NULL)
    {
      g_source_destroy (self->timer);
      g_clear_pointer (&self->timer, g_source_unref);
    }

  g_mutex_lock (&self->core->mutex);
  interval = self->core->disposed ? 0 : self->core->interval;
  g_mutex_unlock (&self->core->mutex);

  if (interval == 0)
    return;

  self->timer = g_timeout_source_new (interval);
  g_source_set_static_name (self->timer, "[resmgr] monitor sampling");
  g_source_set_callback (self->timer, timer_cb, _resmgr_weak_ref_new (self), _resmgr_weak_ref_free);
  g_source_attach (self->timer, self->core->context);
}

static guint64
read_rss (void)
{
  char buf[128];
  ssize_t n;
  int fd;
  const char *p;
  guint64 pages;
  long page_size;

  fd = open ("/proc/self/statm", O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return 0;
  n = read (fd, buf, sizeof buf - 1);
  close (fd);
  if (n <= 0)
    return 0;
  buf[n] = '\0';

  /* "size resident shared text lib data dt", in pages */
  p = strchr (buf, ' ');
  if (p == NULL)
    return 0;
  pages = g_ascii_strtoull (p + 1, NULL, 10);
  page_size = sysconf (_SC_PAGESIZE);

  return pages * (guint64) (page_size > 0 ? page_size : 4096);
}

static void
resmgr_monitor_constructed (GObject *object)
{
  ResmgrMonitor *self = RESMGR_MONITOR (object);
  g_autoptr(GMainContext) context = NULL;
  Core *core = self->core;

  G_OBJECT_CLASS (resmgr_monitor_parent_class)->constructed (object);

  if (self->service == NULL)
    self->service = g_object_ref (resmgr_service_get_default ());

  if (RESMGR_IS_MANAGER (self->service))
    context = g_main_context_ref (resmgr_manager_get_context (RESMGR_MANAGER (self->service)));
  else
    context = g_main_context_ref_thread_default ();

  /* The context was a placeholder until the service was known. */
  g_main_context_unref (core->context);
  core->context = g_steal_pointer (&context);

  self->observer_id = resmgr_service_add_observer (self->service, &observer_funcs,
                                                   core_ref (core), core_unref);

  /* The lists keep the core (and so the records they show) alive; the
   * core does not keep them. */
  self->components_list = _resmgr_monitor_list_new (RESMGR_TYPE_MONITOR_COMPONENT,
                                                    component_item_func, comp_unref,
                                                    core_ref (core), core_unref);
  self->resources_list = _resmgr_monitor_list_new (RESMGR_TYPE_MONITOR_RESOURCE,
                                                   resource_item_func, NULL,
                                                   core_ref (core), core_unref);
  core->components_list = self->components_list;
  core->resources_list = self->resources_list;

  core_take_snapshot (core, self->service);

  self->constructed = TRUE;
  restart_timer (self);
}

static void
resmgr_monitor_dispose (GObject *object)
{
  ResmgrMonitor *self = RESMGR_MONITOR (object);
  GSource *flush_source;

  g_mutex_lock (&self->core->mutex);
  self->core->disposed = TRUE;
  flush_source = g_steal_pointer (&self->core->flush_source);
  g_mutex_unlock (&self->core->mutex);

  if (flush_source != NULL)
    {
      g_source_destroy (flush_source);
      g_source_unref (flush_source);
    }

  if (self->timer != NULL)
    {
      g_source_destroy (self->timer);
      g_clear_pointer (&self->timer, g_source_unref);
    }

  if (self->service != NULL)
    {
      if (self->observer_id != 0)
        {
          resmgr_service_remove_observer (self->service, self->observer_id);
          self->observer_id = 0;
        }
      g_clear_object (&self->service);
    }

  /* A list kept by someone else stays as it is now. */
  g_clear_object (&self->components_list);
  g_clear_object (&self->resources_list);

  G_OBJECT_CLASS (resmgr_monitor_parent_class)->dispose (object);
}

static void
resmgr_monitor_finalize (GObject *object)
{
  ResmgrMonitor *self = RESMGR_MONITOR (object);

  if (self->sampler_destroy != NULL)
    self->sampler_destroy (self->sampler_data);
  core_unref (self->core);

  G_OBJECT_CLASS (resmgr_monitor_parent_class)->finalize (object);
}

static void
resmgr_monitor_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  ResmgrMonitor *self = RESMGR_MONITOR (object);

  switch (prop_id)
    {
    case PROP_SERVICE:
      g_value_set_object (value, self->service);
      break;
    case PROP_INTERVAL:
      g_value_set_uint (value, resmgr_monitor_get_interval (self));
      break;
    case PROP_HISTORY_SIZE:
      g_value_set_uint (value, resmgr_monitor_get_history_size (self));
      break;
    case PROP_REPORT_HISTORY_SIZE:
      g_value_set_uint (value, resmgr_monitor_get_report_history_size (self));
      break;
    case PROP_GROWTH_THRESHOLD:
      g_value_set_uint64 (value, resmgr_monitor_get_growth_threshold (self));
      break;
    case PROP_AGE_THRESHOLD:
      g_value_set_uint (value, resmgr_monitor_get_age_threshold (self));
      break;
    case PROP_RSS:
      g_value_set_uint64 (value, resmgr_monitor_get_rss (self));
      break;
    case PROP_GROWTH:
      g_value_set_uint64 (value, resmgr_monitor_get_growth (self));
      break;
    case PROP_COMPONENTS:
      g_value_set_object (value, resmgr_monitor_get_components (self));
      break;
    case PROP_RESOURCES:
      g_value_set_object (value, resmgr_monitor_get_resources (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
resmgr_monitor_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  ResmgrMonitor *self = RESMGR_MONITOR (object);

  switch (prop_id)
    {
    case PROP_SERVICE:
      self->service = g_value_dup_object (value);
      break;
    case PROP_INTERVAL:
      resmgr_monitor_set_interval (self, g_value_get_uint (value));
      break;
    case PROP_HISTORY_SIZE:
      resmgr_monitor_set_history_size (self, g_value_get_uint (value));
      break;
    case PROP_REPORT_HISTORY_SIZE:
      resmgr_monitor_set_report_history_size (self, g_value_get_uint (value));
      break;
    case PROP_GROWTH_THRESHOLD:
      resmgr_monitor_set_growth_threshold (self, g_value_get_uint64 (value));
      break;
    case PROP_AGE_THRESHOLD:
      resmgr_monitor_set_age_threshold (self, g_value_get_uint (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
resmgr_monitor_class_init (ResmgrMonitorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = resmgr_monitor_constructed;
  object_class->dispose = resmgr_monitor_dispose;
  object_class->finalize = resmgr_monitor_finalize;
  object_class->get_property = resmgr_monitor_get_property;
  object_class->set_property = resmgr_monitor_set_property;

  /**
   * ResmgrMonitor:service:
   *
   * The service the monitor watches (the default service if not set).
   *
   * Since: 0.1
   */
  properties[PROP_SERVICE] =
    g_param_spec_object ("service", NULL, NULL, RESMGR_TYPE_SERVICE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                         G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * ResmgrMonitor:interval:
   *
   * Milliseconds between two automatic samples (each followed by a leak
   * check); 0 samples only on [method@Resmgr.Monitor.sample_now].
   *
   * Since: 0.1
   */
  properties[PROP_INTERVAL] =
    g_param_spec_uint ("interval", NULL, NULL, 0, G_MAXUINT, 1000,
                       G_PARAM_READWRITE | G_PARAM_CONSTRUCT |
                       G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * ResmgrMonitor:history-size:
   *
   * How many samples are kept; the growth is measured over them.
   *
   * Since: 0.1
   */
  properties[PROP_HISTORY_SIZE] =
    g_param_spec_uint ("history-size", NULL, NULL, 2, G_MAXUINT16, 120,
                       G_PARAM_READWRITE | G_PARAM_CONSTRUCT |
                       G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * ResmgrMonitor:report-history-size:
   *
   * How many cleanup reports ([signal@Resmgr.Service::cleanup-finished])
   * are kept, newest last; 0 keeps none.
   *
   * Since: 0.1
   */
  properties[PROP_REPORT_HISTORY_SIZE] =
    g_param_spec_uint ("report-history-size", NULL, NULL, 0, G_MAXUINT16, 32,
                       G_PARAM_READWRITE | G_PARAM_CONSTRUCT |
                       G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * ResmgrMonitor:growth-threshold:
   *
   * Growth of the memory over the sample history, in bytes, above which
   * [signal@Resmgr.Monitor::memory-growth] is emitted; 0 disables it.
   *
   * Since: 0.1
   */
  properties[PROP_GROWTH_THRESHOLD] =
    g_param_spec_uint64 ("growth-threshold", NULL, NULL, 0, G_MAXUINT64, 64 * 1024 * 1024,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT |
                         G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * ResmgrMonitor:age-threshold:
   *
   * Age in seconds above which a tracked resource is reported as a leak
   * ([enum@Resmgr.LeakKind.TOO_OLD]); 0 disables the check.
   *
   * Since: 0.1
   */
  properties[PROP_AGE_THRESHOLD] =
    g_param_spec_uint ("age-threshold", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READWRITE | G_PARAM_CONSTRUCT |
                       G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * ResmgrMonitor:rss:
   *
   * The memory of the process in bytes at the last sample (0 before).
   *
   * Since: 0.1
   */
  properties[PROP_RSS] =
    g_param_spec_uint64 ("rss", NULL, NULL, 0, G_MAXUINT64, 0,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * ResmgrMonitor:growth:
   *
   * The growth of the memory between the oldest and the newest sample, in
   * bytes (0 when it shrank).
   *
   * Since: 0.1
   */
  properties[PROP_GROWTH] =
    g_param_spec_uint64 ("growth", NULL, NULL, 0, G_MAXUINT64, 0,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * ResmgrMonitor:components:
   *
   * The live list of components, see [method@Resmgr.Monitor.get_components].
   *
   * Since: 0.1
   */
  properties[PROP_COMPONENTS] =
    g_param_spec_object ("components", NULL, NULL, G_TYPE_LIST_MODEL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * ResmgrMonitor:resources:
   *
   * The live list of resources, see [method@Resmgr.Monitor.get_resources].
   *
   * Since: 0.1
   */
  properties[PROP_RESOURCES] =
    g_param_spec_object ("resources", NULL, NULL, G_TYPE_LIST_MODEL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * ResmgrMonitor::memory-growth:
   * @self: the monitor
   * @growth: the growth in bytes between the oldest and the newest sample
   * @window: the time between those samples, in microseconds
   *
   * Emitted on the monitor's context when the growth of the memory over
   * the sample history crosses [property@Resmgr.Monitor:growth-threshold].
   * It is emitted again only after the growth fell back below the
   * threshold.
   *
   * Since: 0.1
   */
  signals[SIGNAL_MEMORY_GROWTH] =
    g_signal_new ("memory-growth",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, G_TYPE_UINT64, G_TYPE_INT64);

  /**
   * ResmgrMonitor::leak-detected:
   * @self: the monitor
   * @kind: why these resources are leaks
   * @handles: (element-type ResmgrHandle): the newly detected leaks, as
   *   returned by [method@Resmgr.Service.lookup]
   *
   * Emitted on the monitor's context by a leak check that found leaks it
   * had not reported before (once per kind). A resource is reported again
   * only if it stopped being a leak, or became one of another kind, in
   * between.
   *
   * Since: 0.1
   */
  signals[SIGNAL_LEAK_DETECTED] =
    g_signal_new ("leak-detected",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, RESMGR_TYPE_LEAK_KIND, G_TYPE_PTR_ARRAY);

  /**
   * ResmgrMonitor::sampled:
   * @self: the monitor
   *
   * Emitted on the monitor's context after a sample was added to the
   * history (for example to redraw a plot).
   *
   * Since: 0.1
   */
  signals[SIGNAL_SAMPLED] =
    g_signal_new ("sampled",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);
}

static void
resmgr_monitor_init (ResmgrMonitor *self)
{
  /* The real context is set in constructed (), once the service is known;
   * the construct properties below set fields of the core first. */
  g_autoptr(GMainContext) context = g_main_context_ref_thread_default ();

  self->core = core_new (context);
  self->core->history_size = 120;
  self->core->report_history_size = 32;
  self->core->growth_threshold = 64 * 1024 * 1024;
  self->core->interval = 1000;
}

/**
 * resmgr_monitor_new:
 * @service: (nullable): the service to watch, or %NULL for the default one
 *
 * Creates a monitor of @service. It starts sampling every
 * [property@Resmgr.Monitor:interval] milliseconds (1000 by default) on the
 * service's context, which must be iterated for that.
 *
 * Returns: (transfer full): a new monitor
 *
 * Since: 0.1
 */
ResmgrMonitor *
resmgr_monitor_new (ResmgrService *service)
{
  g_return_val_if_fail (service == NULL || RESMGR_IS_SERVICE (service), NULL);

  return g_object_new (RESMGR_TYPE_MONITOR, "service", service, NULL);
}

/**
 * resmgr_monitor_get_service:
 * @self: a monitor
 *
 * Gets the watched service.
 *
 * Returns: (transfer none): the service
 *
 * Since: 0.1
 */
ResmgrService *
resmgr_monitor_get_service (ResmgrMonitor *self)
{
  g_return_val_if_fail (RESMGR_IS_MONITOR (self), NULL);

  return self->service;
}

/**
 * resmgr_monitor_get_context:
 * @self: a monitor
 *
 * Gets the context where the monitor's signals are emitted and its lists
 * are updated: the owner context of its service.
 *
 * Returns: (transfer none): the context
 *
 * Since: 0.1
 */
GMainContext *
resmgr_monitor_get_context (ResmgrMonitor *self)
{
  g_return_val_if_fail (RESMGR_IS_MONITOR (self), NULL);

  return self->core->context;
}

#define CORE_GET(self, field) \
  G_STMT_START { \
    g_mutex_lock (&(self)->core->mutex); \
    value = (self)->core->field; \
    g_mutex_unlock (&(self)->core->mutex); \
  } G_STMT_END

/* Sets a core field; TRUE when it changed. */
#define CORE_SET(self, field, new_value) \
  ({ \
    gboolean changed_; \
    g_mutex_lock (&(self)->core->mutex); \
    changed_ = (self)->core->field != (new_value); \
    (self)->core->field = (new_value); \
    g_mutex_unlock (&(self)->core->mutex); \
    changed_; \
  })

/**
 * resmgr_monitor_get_interval:
 * @self: a monitor
 *
 * Gets [property@Resmgr.Monitor:interval].
 *
 * Returns: the sampling interval in milliseconds, 0 when off
 *
 * Since: 0.1
 */
guint
resmgr_monitor_get_interval (ResmgrMonitor *self)
{
  guint value;

  g_return_val_if_fail (RESMGR_IS_MONITOR (self), 0);

  CORE_GET (self, interval);

  return value;
}

/**
 * resmgr_monitor_set_interval:
 * @self: a monitor
 * @interval_ms: milliseconds between samples, 0 for none
 *
 * Sets [property@Resmgr.Monitor:interval] and restarts the sampling timer.
 *
 * Since: 0.1
 */
void
resmgr_monitor_set_interval (ResmgrMonitor *self,
                             guint          interval_ms)
{
  g_return_if_fail (RESMGR_IS_MONITOR (self));

  if (!CORE_SET (self, interval, interval_ms))
    return;

  /* During construction the timer is started by constructed (). */
  if (self->constructed)
    restart_timer (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_INTERVAL]);
}

/**
 * resmgr_monitor_get_history_size:
 * @self: a monitor
 *
 * Gets [property@Resmgr.Monitor:history-size].
 *
 * Returns: how many samples are kept
 *
 * Since: 0.1
 */
guint
resmgr_monitor_get_history_size (ResmgrMonitor *self)
{
  guint value;

  g_return_val_if_fail (RESMGR_IS_MONITOR (self), 0);

  CORE_GET (self, history_size);

  return value;
}

/**
 * resmgr_monitor_set_history_size:
 * @self: a monitor
 * @history_size: how many samples to keep, at least 2
 *
 * Sets [property@Resmgr.Monitor:history-size]; the oldest samples beyond it
 * are dropped.
 *
 * Since: 0.1
 */
void
resmgr_monitor_set_history_size (ResmgrMonitor *self,
                                 guint          history_size)
{
  gboolean changed;

  g_return_if_fail (RESMGR_IS_MONITOR (self));
  g_return_if_fail (history_size >= 2);

  g_mutex_lock (&self->core->mutex);
  changed = self->core->history_size != history_size;
  self->core->history_size = history_size;
  if (self->core->samples->len > history_size)
    g_array_remove_range (self->core->samples, 0, self->core->samples->len - history_size);
  g_mutex_unlock (&self->core->mutex);

  if (changed)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HISTORY_SIZE]);
}

/**
 * resmgr_monitor_get_report_history_size:
 * @self: a monitor
 *
 * Gets [property@Resmgr.Monitor:report-history-size].
 *
 * Returns: how many cleanup reports are kept
 *
 * Since: 0.1
 */
guint
resmgr_monitor_get_report_history_size (ResmgrMonitor *self)
{
  guint value;

  g_return_val_if_fail (RESMGR_IS_MONITOR (self), 0);

  CORE_GET (self, report_history_size);

  return value;
}

/**
 * resmgr_monitor_set_report_history_size:
 * @self: a monitor
 * @report_history_size: how many cleanup reports to keep
 *
 * Sets [property@Resmgr.Monitor:report-history-size]; the oldest reports
 * beyond it are dropped.
 *
 * Since: 0.1
 */
void
resmgr_monitor_set_report_history_size (ResmgrMonitor *self,
                                        guint          report_history_size)
{
  g_autoptr(GArray) dropped = NULL;
  gboolean changed;
  Core *core;

  g_return_if_fail (RESMGR_IS_MONITOR (self));

  core = self->core;
  g_mutex_lock (&core->mutex);
  changed = core->report_history_size != report_history_size;
  core->report_history_size = report_history_size;
  if (core->reports->len > report_history_size)
    {
      guint n = core->reports->len - report_history_size;

      dropped = g_array_sized_new (FALSE, FALSE, sizeof (ReportEntry), n);
      g_array_append_vals (dropped, core->reports->data, n);
      g_array_remove_range (core->reports, 0, n);
    }
  g_mutex_unlock (&core->mutex);

  for (guint i = 0; dropped != NULL && i < dropped->len; i++)
    resmgr_cleanup_report_unref (g_array_index (dropped, ReportEntry, i).report);
  if (changed)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_REPORT_HISTORY_SIZE]);
}

/**
 * resmgr_monitor_get_growth_threshold:
 * @self: a monitor
 *
 * Gets [property@Resmgr.Monitor:growth-threshold].
 *
 * Returns: the threshold in bytes, 0 when off
 *
 * Since: 0.1
 */
guint64
resmgr_monitor_get_growth_threshold (ResmgrMonitor *self)
{
  guint64 value;

  g_return_val_if_fail (RESMGR_IS_MONITOR (self), 0);

  CORE_GET (self, growth_threshold);

  return value;
}

/**
 * resmgr_monitor_set_growth_threshold:
 * @self: a monitor
 * @threshold: bytes, 0 to disable
 *
 * Sets [property@Resmgr.Monitor:growth-threshold].
 *
 * Since: 0.1
 */
void
resmgr_monitor_set_growth_threshold (ResmgrMonitor *self,
                                     guint64        threshold)
{
  g_return_if_fail (RESMGR_IS_MONITOR (self));

  if (CORE_SET (self, growth_threshold, threshold))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_GROWTH_THRESHOLD]);
}

/**
 * resmgr_monitor_get_age_threshold:
 * @self: a monitor
 *
 * Gets [property@Resmgr.Monitor:age-threshold].
 *
 * Returns: the threshold in seconds, 0 when off
 *
 * Since: 0.1
 */
guint
resmgr_monitor_get_age_threshold (ResmgrMonitor *self)
{
  guint value;

  g_return_val_if_fail (RESMGR_IS_MONITOR (self), 0);

  CORE_GET (self, age_threshold);

  return value;
}

/**
 * resmgr_monitor_set_age_threshold:
 * @self: a monitor
 * @seconds: the age above which a resource is a leak, 0 to disable
 *
 * Sets [property@Resmgr.Monitor:age-threshold].
 *
 * Since: 0.1
 */
void
resmgr_monitor_set_age_threshold (ResmgrMonitor *self,
                                  guint          seconds)
{
  g_return_if_fail (RESMGR_IS_MONITOR (self));

  if (CORE_SET (self, age_threshold, seconds))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_AGE_THRESHOLD]);
}

/**
 * resmgr_monitor_get_rss:
 * @self: a monitor
 *
 * Gets [property@Resmgr.Monitor:rss].
 *
 * Returns: the memory in bytes at the last sample
 *
 * Since: 0.1
 */
guint64
resmgr_monitor_get_rss (ResmgrMonitor *self)
{
  guint64 value;

  g_return_val_if_fail (RESMGR_IS_MONITOR (self), 0);

  CORE_GET (self, rss);

  return value;
}

/**
 * resmgr_monitor_get_growth:
 * @self: a monitor
 *
 * Gets [property@Resmgr.Monitor:growth].
 *
 * Returns: the growth in bytes over the sample history
 *
 * Since: 0.1
 */
guint64
resmgr_monitor_get_growth (ResmgrMonitor *self)
{
  guint64 value;

  g_return_val_if_fail (RESMGR_IS_MONITOR (self), 0);

  CORE_GET (self, growth);

  return value;
}

/**
 * resmgr_monitor_set_sampler:
 * @self: a monitor
 * @sampler: (nullable) (scope notified) (closure user_data) (destroy user_data_destroy):
 *   the function measuring the memory of the process, or %NULL for the
 *   default (the resident set size)
 * @user_data: data for @sampler
 * @user_data_destroy: (nullable): frees @user_data when the sampler is
 *   replaced or the monitor finalized
 *
 * Replaces the function that measures the memory, for example to sample
 * something else than the resident set size, or to drive the monitor from
 * a test.
 *
 * Since: 0.1
 */
void
resmgr_monitor_set_sampler (ResmgrMonitor        *self,
                            ResmgrMonitorSampler  sampler,
                            gpointer              user_data,
                            GDestroyNotify        user_data_destroy)
{
  GDestroyNotify old_destroy;
  gpointer old_data;

  g_return_if_fail (RESMGR_IS_MONITOR (self));

  g_mutex_lock (&self->core->mutex);
  old_destroy = self->sampler_destroy;
  old_data = self->sampler_data;
  self->sampler = sampler;
  self->sampler_data = user_data;
  self->sampler_destroy = user_data_destroy;
  g_mutex_unlock (&self->core->mutex);

  if (old_destroy != NULL)
    old_destroy (old_data);
}

void
_resmgr_monitor_set_clock (ResmgrMonitor      *self,
                           ResmgrMonitorClock  clock,
                           gpointer            user_data)
{
  g_mutex_lock (&self->core->mutex);
  self->core->clock = clock != NULL ? clock : default_clock;
  self->core->clock_data = user_data;
  g_mutex_unlock (&self->core->mutex);
}

/**
 * resmgr_monitor_sample_now:
 * @self: a monitor
 *
 * Takes a sample now: the memory of the process and the stats of the
 * service. Emits [signal@Resmgr.Monitor::memory-growth] if the growth
 * over the history crossed the threshold, then
 * [signal@Resmgr.Monitor::sampled], on the monitor's context. Does not run
 * a leak check (the periodic timer does both).
 *
 * May be called from any thread.
 *
 * Since: 0.1
 */
void
resmgr_monitor_sample_now (ResmgrMonitor *self)
{
  g_autoptr(ResmgrStats) stats = NULL;
  ResmgrMonitorSampler sampler;
  gpointer sampler_data;
  Emission *e;
  Sample sample = { 0, };
  const Sample *oldest;
  gboolean above;
  Core *core;

  g_return_if_fail (RESMGR_IS_MONITOR (self));

  core = self->core;
  g_mutex_lock (&core->mutex);
  sampler = self->sampler;
  sampler_data = self->sampler_data;
  g_mutex_unlock (&core->mutex);

  sample.rss = sampler != NULL ? sampler (sampler_data) : read_rss ();
  if (self->service != NULL)
    stats = resmgr_service_dup_stats (self->service);
  if (stats != NULL)
    {
      sample.n_resources = resmgr_stats_get_n_resources (stats);
      sample.bytes = resmgr_stats_get_total_bytes (stats);
      sample.n_components = resmgr_stats_get_n_components (stats);
    }

  e = g_new0 (Emission, 1);
  e->sampled = TRUE;

  g_mutex_lock (&core->mutex);
  sample.time = core_now (core);
  if (core->samples->len >= core->history_size)
    g_array_remove_range (core->samples, 0, core->samples->len - core->history_size + 1);
  g_array_append_val (core->samples, sample);
  oldest = &g_array_index (core->samples, Sample, 0);

  e->growth = sample.rss > oldest->rss ? sample.rss - oldest->rss : 0;
  e->window = sample.time - oldest->time;
  e->notify_rss = core->rss != sample.rss;
  e->notify_growth = core->growth != e->growth;
  core->rss = sample.rss;
  core->growth = e->growth;
  above = core->growth_threshold > 0 && e->growth > core->growth_threshold;
  e->memory_growth = above && !core->growth_above;
  core->growth_above = above;
  g_mutex_unlock (&core->mutex);

  emit_on_context (self, e);
}

/**
 * resmgr_monitor_get_n_samples:
 * @self: a monitor
 *
 * Gets the number of samples in the history.
 *
 * Returns: the number of samples, at most
 *   [property@Resmgr.Monitor:history-size]
 *
 * Since: 0.1
 */
guint
resmgr_monitor_get_n_samples (ResmgrMonitor *self)
{
  guint n;

  g_return_val_if_fail (RESMGR_IS_MONITOR (self), 0);

  g_mutex_lock (&self->core->mutex);
  n = self->core->samples->len;
  g_mutex_unlock (&self->core->mutex);

  return n;
}

/**
 * resmgr_monitor_get_sample:
 * @self: a monitor
 * @index: the index of the sample, 0 for the oldest
 * @time: (out) (optional): when it was taken, monotonic microseconds
 * @rss: (out) (optional): the memory of the process in bytes
 * @n_resources: (out) (optional): the resources tracked by the service
 * @bytes: (out) (optional): their total size in bytes
 * @n_components: (out) (optional): the registered components
 *
 * Gets one sample of the history.
 *
 * Returns: %TRUE if @index is valid
 *
 * Since: 0.1
 */
gboolean
resmgr_monitor_get_sample (ResmgrMonitor *self,
                           guint          index,
                           gint64        *time,
                           guint64       *rss,
                           guint64       *n_resources,
                           guint64       *bytes,
                           guint         *n_components)
{
  Sample sample;
  gboolean ok;

  g_return_val_if_fail (RESMGR_IS_MONITOR (self), FALSE);

  g_mutex_lock (&self->core->mutex);
  ok = index < self->core->samples->len;
  if (ok)
    sample = g_array_index (self->core->samples, Sample, index);
  g_mutex_unlock (&self->core->mutex);

  if (!ok)
    return FALSE;
  if (time != NULL)
    *time = sample.time;
  if (rss != NULL)
    *rss = sample.rss;
  if (n_resources != NULL)
    *n_resources = sample.n_resources;
  if (bytes != NULL)
    *bytes = sample.bytes;
  if (n_components != NULL)
    *n_components = sample.n_components;

  return TRUE;
}

typedef struct
{
  guint64        id;
  ResmgrLeakKind kind;
} Candidate;

static ResmgrLeakKind
classify_locked (Core   *core,
                 Record *rec,
                 gint64  now,
                 gint64  max_age)
{
  if (rec->flags & REC_LIFETIME)
    return RESMGR_LEAK_KIND_NONE;
  if (rec->comp->state == RESMGR_COMPONENT_STATE_REMOVED)
    return RESMGR_LEAK_KIND_ORPHANED;
  if (rec->type == RESMGR_RESOURCE_TYPE_WORKER &&
      (rec->seq < rec->comp->cleaned_seq || rec->seq < core->shutdown_seq))
    return RESMGR_LEAK_KIND_WORKER_OUTLIVED_OWNER;
  if (max_age > 0 && now - rec->created > max_age)
    return RESMGR_LEAK_KIND_TOO_OLD;

  return RESMGR_LEAK_KIND_NONE;
}

/**
 * resmgr_monitor_check_leaks:
 * @self: a monitor
 *
 * Looks for leaks among the resources the monitor knows (see
 * [enum@Resmgr.LeakKind]), confirming each with
 * [method@Resmgr.Service.lookup]: a candidate the service no longer knows
 * is forgotten, one marked `"process-lifetime"` is skipped. Emits
 * [signal@Resmgr.Monitor::leak-detected] for leaks not reported before and
 * updates the [property@Resmgr.MonitorResource:leak] of the listed items.
 *
 * May be called from any thread; it must not be called with a lock held
 * that a cleanup of the service could take.
 *
 * Returns: (transfer container) (element-type ResmgrHandle): all current
 *   leaks, fresh handles from the service
 *
 * Since: 0.1
 */
GPtrArray *
resmgr_monitor_check_leaks (ResmgrMonitor *self)
{
  g_autoptr(GArray) candidates = NULL;
  GPtrArray *result;
  Emission *e;
  Core *core;
  gint64 now, max_age;

  g_return_val_if_fail (RESMGR_IS_MONITOR (self), NULL);

  core = self->core;
  result = g_ptr_array_new_with_free_func ((GDestroyNotify) resmgr_handle_unref);
  candidates = g_array_new (FALSE, FALSE, sizeof (Candidate));

  g_mutex_lock (&core->mutex);
  /* A tracking report is not delayed that long: these never come. */
  g_clear_pointer (&core->early_releases, g_hash_table_unref);
  now = core_now (core);
  max_age = (gint64) core->age_threshold * G_USEC_PER_SEC;
  for (guint i = 0; i <= core->index_mask; i++)
    {
      Record *rec = core->index[i].rec;
      Candidate cand;

      if (rec == NULL)
        continue;
      cand = (Candidate) { rec->id, classify_locked (core, rec, now, max_age) };
      if (cand.kind != RESMGR_LEAK_KIND_NONE)
        g_array_append_val (candidates, cand);
      else
        record_set_leak_locked (core, rec, RESMGR_LEAK_KIND_NONE);
    }
  g_mutex_unlock (&core->mutex);

  if (candidates->len == 0 || self->service == NULL)
    return result;

  e = g_new0 (Emission, 1);
  for (guint i = 0; i < candidates->len; i++)
    {
      const Candidate *cand = &g_array_index (candidates, Candidate, i);
      g_autoptr(GError) error = NULL;
      g_autoptr(ResmgrHandle) handle = NULL;
      Record *rec;

      /* No lock held: the service takes its own. */
      handle = resmgr_service_lookup (self->service, cand->id, &error);

      g_mutex_lock (&core->mutex);
      rec = record_lookup_locked (core, cand->id);
      if (rec == NULL)
        {
          /* released meanwhile */
        }
      else if (handle == NULL)
        {
          /* The service forgot it and its release was never matched (an
           * early release dropped by an earlier leak check): drop it. */
          if (g_error_matches (error, RESMGR_ERROR, RESMGR_ERROR_NOT_FOUND))
            record_forget_locked (core, rec, RESMGR_RESOURCE_STATE_RELEASED);
        }
      else
        {
          if (rec->state != resmgr_handle_get_state (handle))
            {
              rec->state = resmgr_handle_get_state (handle);
              record_mark_dirty_locked (core, rec);
            }

          if (metadata_is_process_lifetime (resmgr_handle_get_metadata (handle)))
            {
              rec->flags |= REC_LIFETIME;
              record_set_leak_locked (core, rec, RESMGR_LEAK_KIND_NONE);
            }
          else
            {
              if (rec->leak != cand->kind)
                {
                  record_set_leak_locked (core, rec, cand->kind);
                  if (e->leaks[cand->kind] == NULL)
                    e->leaks[cand->kind] = g_ptr_array_new_with_free_func ((GDestroyNotify) resmgr_handle_unref);
                  g_ptr_array_add (e->leaks[cand->kind], resmgr_handle_ref (handle));
                }
              g_ptr_array_add (result, g_steal_pointer (&handle));
            }
        }
      g_mutex_unlock (&core->mutex);
    }

  emit_on_context (self, e);

  return result;
}

/**
 * resmgr_monitor_get_n_reports:
 * @self: a monitor
 *
 * Gets the number of cleanup reports kept.
 *
 * Returns: the number of reports, at most
 *   [property@Resmgr.Monitor:report-history-size]
 *
 * Since: 0.1
 */
guint
resmgr_monitor_get_n_reports (ResmgrMonitor *self)
{
  guint n;

  g_return_val_if_fail (RESMGR_IS_MONITOR (self), 0);

  g_mutex_lock (&self->core->mutex);
  n = self->core->reports->len;
  g_mutex_unlock (&self->core->mutex);

  return n;
}

/**
 * resmgr_monitor_dup_report:
 * @self: a monitor
 * @index: the index of the report, 0 for the oldest
 * @time: (out) (optional): when the monitor received it, monotonic
 *   microseconds
 *
 * Gets one cleanup report of the history.
 *
 * Returns: (transfer full) (nullable): the report, or %NULL if @index is
 *   out of range
 *
 * Since: 0.1
 */
ResmgrCleanupReport *
resmgr_monitor_dup_report (ResmgrMonitor *self,
                           guint          index,
                           gint64        *time)
{
  ResmgrCleanupReport *report = NULL;

  g_return_val_if_fail (RESMGR_IS_MONITOR (self), NULL);

  g_mutex_lock (&self->core->mutex);
  if (index < self->core->reports->len)
    {
      ReportEntry *entry = &g_array_index (self->core->reports, ReportEntry, index);

      report = resmgr_cleanup_report_ref (entry->report);
      if (time != NULL)
        *time = entry->time;
    }
  g_mutex_unlock (&self->core->mutex);

  return report;
}

/**
 * resmgr_monitor_get_components:
 * @self: a monitor
 *
 * Gets the live list of the components the monitor knows. Items are
 * [class@Resmgr.MonitorComponent]; a removed component stays while it still
 * holds resources. The first call fills the list from the next iteration of
 * the monitor's context on.
 *
 * Use it on the monitor's context only.
 *
 * Returns: (transfer none): a list model of [class@Resmgr.MonitorComponent]
 *
 * Since: 0.1
 */
GListModel *
resmgr_monitor_get_components (ResmgrMonitor *self)
{
  g_return_val_if_fail (RESMGR_IS_MONITOR (self), NULL);

  if (self->components_list == NULL)
    return NULL;
  core_want_lists (self->core);

  return G_LIST_MODEL (self->components_list);
}

/**
 * resmgr_monitor_get_resources:
 * @self: a monitor
 *
 * Gets the live list of the resources the monitor knows and that were not
 * released yet, in tracking order (the snapshot taken at creation first).
 * Items are
 * [class@Resmgr.MonitorResource]. Changes are batched: one
 * [signal@Gio.ListModel::items-changed] per iteration of the monitor's
 * context that saw changes. The first call fills the list from the next
 * iteration on.
 *
 * Use it on the monitor's context only.
 *
 * Returns: (transfer none): a list model of [class@Resmgr.MonitorResource]
 *
 * Since: 0.1
 */
GListModel *
resmgr_monitor_get_resources (ResmgrMonitor *self)
{
  g_return_val_if_fail (RESMGR_IS_MONITOR (self), NULL);

  if (self->resources_list == NULL)
    return NULL;
  core_want_lists (self->core);

  return G_LIST_MODEL (self->resources_list);
}

/* JSON {{{ */

typedef struct
{
  char                 *id;
  ResmgrComponentState  state;
  guint64               n_resources;
  guint64               bytes;
  guint                 n_leaks;
} CompCopy;

typedef struct
{
  ResmgrHandle   *handle;
  ResmgrLeakKind  kind;
} LeakCopy;

static void
comp_copy_clear (gpointer data)
{
  g_free (((CompCopy *) data)->id);
}

static void
leak_copy_clear (gpointer data)
{
  resmgr_handle_unref (((LeakCopy *) data)->handle);
}

static void
report_entry_clear (gpointer data)
{
  resmgr_cleanup_report_unref (((ReportEntry *) data)->report);
}

static void
add_comp_copy (GArray     *comps,
               GHashTable *seen,
               Comp       *comp)
{
  CompCopy copy;

  if (!g_hash_table_add (seen, comp))
    return;

  copy.id = g_strdup (comp->id);
  copy.state = comp->state;
  copy.n_resources = comp->n_resources;
  copy.bytes = comp->bytes;
  copy.n_leaks = comp->n_leaks;
  g_array_append_val (comps, copy);
}

static int
compare_comp_copies (gconstpointer a,
                     gconstpointer b)
{
  return strcmp (((const CompCopy *) a)->id, ((const CompCopy *) b)->id);
}

static int
compare_leak_copies (gconstpointer a,
                     gconstpointer b)
{
  guint64 x = resmgr_handle_get_id (((const LeakCopy *) a)->handle);
  guint64 y = resmgr_handle_get_id (((const LeakCopy *) b)->handle);

  return x < y ? -1 : x > y;
}

static void
add_member_uint (JsonBuilder *builder,
                 const char  *name,
                 guint64      value)
{
  json_builder_set_member_name (builder, name);
  json_builder_add_int_value (builder, (gint64) MIN (value, (guint64) G_MAXINT64));
}

/**
 * resmgr_monitor_report_to_json:
 * @self: a monitor
 * @pretty: whether to indent the output
 *
 * Serialises what the monitor knows as one JSON object:
 * - `version` and `kind` (`"monitor-report"`): see below;
 * - `settings`: interval, history sizes and thresholds;
 * - `memory`: `rss`, `growth` and the `samples` (`time`, `rss`,
 *   `resources`, `bytes`, `components`);
 * - `stats`: the service's stats now;
 * - `components`: id, state, resources, bytes and leaks of each component
 *   the monitor knows, by id;
 * - `leaks`: the resources the last leak check reported, with their
 *   `kind` and `age_us`, by id;
 * - `reports`: the cleanup reports kept (`time` and the `report` as
 *   [method@Resmgr.CleanupReport.to_json] writes it), oldest first.
 *
 * It does not run a leak check; call [method@Resmgr.Monitor.check_leaks]
 * first for a fresh one. May be called from any thread.
 *
 * ## Version
 *
 * The `version` member is the version of the report format, an integer,
 * 1 for this release, as in [method@Resmgr.CleanupReport.to_json]. The
 * JSON Schema `docs/report.schema.json` describes every member of this
 * version (`$defs/monitor-report`), and `docs/reports.md` explains how to
 * read them. The version changes whenever a member is added, removed or
 * changes its meaning.
 *
 * Returns: (transfer full): the JSON text
 *
 * Since: 0.1
 */
char *
resmgr_monitor_report_to_json (ResmgrMonitor *self,
                               gboolean       pretty)
{
  g_autoptr(JsonBuilder) builder = NULL;
  g_autoptr(GArray) samples = NULL;
  g_autoptr(GArray) reports = NULL;
  g_autoptr(GArray) comps = NULL;
  g_autoptr(GArray) leaks = NULL;
  g_autoptr(GHashTable) seen = NULL;
  g_autoptr(ResmgrStats) stats = NULL;
  GHashTableIter iter;
  gpointer value;
  guint interval, history_size, report_history_size, age_threshold;
  guint64 growth_threshold, rss, growth;
  gint64 now;
  Core *core;

  g_return_val_if_fail (RESMGR_IS_MONITOR (self), NULL);

  core = self->core;
  reports = g_array_new (FALSE, FALSE, sizeof (ReportEntry));
  g_array_set_clear_func (reports, report_entry_clear);
  comps = g_array_new (FALSE, FALSE, sizeof (CompCopy));
  g_array_set_clear_func (comps, comp_copy_clear);
  leaks = g_array_new (FALSE, FALSE, sizeof (LeakCopy));
  g_array_set_clear_func (leaks, leak_copy_clear);
  seen = g_hash_table_new (NULL, NULL);

  /* Copy under the lock, serialise after. */
  g_mutex_lock (&core->mutex);
  now = core_now (core);
  interval = core->interval;
  history_size = core->history_size;
  report_history_size = core->report_history_size;
  growth_threshold = core->growth_threshold;
  age_threshold = core->age_threshold;
  rss = core->rss;
  growth = core->growth;
  samples = g_array_copy (core->samples);
  for (guint i = 0; i < core->reports->len; i++)
    {
      ReportEntry entry = g_array_index (core->reports, ReportEntry, i);

      resmgr_cleanup_report_ref (entry.report);
      g_array_append_val (reports, entry);
    }
  g_hash_table_iter_init (&iter, core->comps);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    add_comp_copy (comps, seen, value);
  for (guint i = 0; i <= core->index_mask; i++)
    {
      Record *rec = core->index[i].rec;

      if (rec == NULL)
        continue;
      if (rec->comp->state == RESMGR_COMPONENT_STATE_REMOVED)
        add_comp_copy (comps, seen, rec->comp);
      if (rec->leak != RESMGR_LEAK_KIND_NONE)
        {
          LeakCopy copy = { record_dup_handle_locked (rec), rec->leak };

          g_array_append_val (leaks, copy);
        }
    }
  g_mutex_unlock (&core->mutex);

  g_array_sort (comps, compare_comp_copies);
  g_array_sort (leaks, compare_leak_copies);
  if (self->service != NULL)
    stats = resmgr_service_dup_stats (self->service);

  builder = json_builder_new ();
  _resmgr_json_begin_document (builder, "monitor-report");

  json_builder_set_member_name (builder, "settings");
  json_builder_begin_object (builder);
  add_member_uint (builder, "interval_ms", interval);
  add_member_uint (builder, "history_size", history_size);
  add_member_uint (builder, "report_history_size", report_history_size);
  add_member_uint (builder, "growth_threshold", growth_threshold);
  add_member_uint (builder, "age_threshold_s", age_threshold);
  json_builder_end_object (builder);

  json_builder_set_member_name (builder, "memory");
  json_builder_begin_object (builder);
  add_member_uint (builder, "rss", rss);
  add_member_uint (builder, "growth", growth);
  json_builder_set_member_name (builder, "samples");
  json_builder_begin_array (builder);
  for (guint i = 0; i < samples->len; i++)
    {
      const Sample *s = &g_array_index (samples, Sample, i);

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "time");
      json_builder_add_int_value (builder, s->time);
      add_member_uint (builder, "rss", s->rss);
      add_member_uint (builder, "resources", s->n_resources);
      add_member_uint (builder, "bytes", s->bytes);
      add_member_uint (builder, "components", s->n_components);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  json_builder_end_object (builder);

  json_builder_set_member_name (builder, "stats");
  if (stats != NULL)
    {
      json_builder_begin_object (builder);
      add_member_uint (builder, "resources", resmgr_stats_get_n_resources (stats));
      add_member_uint (builder, "bytes", resmgr_stats_get_total_bytes (stats));
      add_member_uint (builder, "components", resmgr_stats_get_n_components (stats));
      add_member_uint (builder, "total_tracked", resmgr_stats_get_total_tracked (stats));
      add_member_uint (builder, "total_released", resmgr_stats_get_total_released (stats));
      add_member_uint (builder, "total_failed", resmgr_stats_get_total_failed (stats));
      add_member_uint (builder, "total_lost", resmgr_stats_get_total_lost (stats));
      add_member_uint (builder, "peak_resources", resmgr_stats_get_peak_resources (stats));
      add_member_uint (builder, "peak_bytes", resmgr_stats_get_peak_bytes (stats));
      add_member_uint (builder, "peak_components", resmgr_stats_get_peak_components (stats));
      json_builder_end_object (builder);
    }
  else
    json_builder_add_null_value (builder);

  json_builder_set_member_name (builder, "components");
  json_builder_begin_array (builder);
  for (guint i = 0; i < comps->len; i++)
    {
      const CompCopy *c = &g_array_index (comps, CompCopy, i);

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "id");
      json_builder_add_string_value (builder, c->id);
      json_builder_set_member_name (builder, "state");
      json_builder_add_string_value (builder, _resmgr_enum_nick (RESMGR_TYPE_COMPONENT_STATE, c->state));
      add_member_uint (builder, "resources", c->n_resources);
      add_member_uint (builder, "bytes", c->bytes);
      add_member_uint (builder, "leaks", c->n_leaks);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);

  json_builder_set_member_name (builder, "leaks");
  json_builder_begin_array (builder);
  for (guint i = 0; i < leaks->len; i++)
    {
      const LeakCopy *l = &g_array_index (leaks, LeakCopy, i);
      const char *name = resmgr_handle_get_name (l->handle);

      json_builder_begin_object (builder);
      add_member_uint (builder, "id", resmgr_handle_get_id (l->handle));
      json_builder_set_member_name (builder, "kind");
      json_builder_add_string_value (builder, _resmgr_enum_nick (RESMGR_TYPE_LEAK_KIND, l->kind));
      json_builder_set_member_name (builder, "component");
      json_builder_add_string_value (builder, resmgr_handle_get_component_id (l->handle));
      json_builder_set_member_name (builder, "type");
      json_builder_add_string_value (builder, _resmgr_enum_nick (RESMGR_TYPE_RESOURCE_TYPE, resmgr_handle_get_resource_type (l->handle)));
      json_builder_set_member_name (builder, "name");
      if (name != NULL)
        json_builder_add_string_value (builder, name);
      else
        json_builder_add_null_value (builder);
      add_member_uint (builder, "bytes", resmgr_handle_get_size (l->handle));
      json_builder_set_member_name (builder, "state");
      json_builder_add_string_value (builder, _resmgr_enum_nick (RESMGR_TYPE_RESOURCE_STATE, resmgr_handle_get_state (l->handle)));
      json_builder_set_member_name (builder, "age_us");
      json_builder_add_int_value (builder, MAX (0, now - resmgr_handle_get_created (l->handle)));
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);

  json_builder_set_member_name (builder, "reports");
  json_builder_begin_array (builder);
  for (guint i = 0; i < reports->len; i++)
    {
      const ReportEntry *entry = &g_array_index (reports, ReportEntry, i);

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "time");
      json_builder_add_int_value (builder, entry->time);
      json_builder_set_member_name (builder, "report");
      _resmgr_cleanup_report_add_json (entry->report, builder);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);

  json_builder_end_object (builder);

  return _resmgr_json_builder_to_data (builder, pretty);
}

/* }}} */

/* }}} */
