/* test-owner-context.c: the owner-context contract (docs/threading.md) seen
 * from outside
 *
 * Only the public API (<resmgr.h>), linked against the shared library, as
 * an application would use it. Every interleaving is forced with GMutex /
 * GCond handshakes; deadlines (a short wait-timeout or shutdown timeout)
 * only make a wait end, outcomes are asserted, never durations. Every
 * cleanup, destroy notify and signal handler records the thread it ran on.
 *
 * A watchdog aborts a test that hangs, naming it, instead of letting the
 * test runner kill a silent process.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <string.h>

#include <resmgr.h>

#define SERVICE(m) RESMGR_SERVICE (m)

static GThread *main_thread;

/* Watchdog {{{ */

static GMutex watchdog_mutex;
static GCond watchdog_cond;
static const char *watchdog_name;
static GThread *watchdog_thread;
static gboolean watchdog_stop_requested;

static gpointer
watchdog_func (gpointer data)
{
  gint64 deadline = g_get_monotonic_time () + GPOINTER_TO_UINT (data) * G_TIME_SPAN_SECOND;

  g_mutex_lock (&watchdog_mutex);
  while (!watchdog_stop_requested)
    if (!g_cond_wait_until (&watchdog_cond, &watchdog_mutex, deadline))
      g_error ("watchdog: “%s” still running after %u s: it hung",
               watchdog_name, GPOINTER_TO_UINT (data));
  g_mutex_unlock (&watchdog_mutex);

  return NULL;
}

/* A guard, not a synchronisation: @what must finish in @seconds. */
static void
watchdog_start (const char *what,
                guint       seconds)
{
  g_assert_null (watchdog_thread);
  watchdog_name = what;
  watchdog_stop_requested = FALSE;
  watchdog_thread = g_thread_new ("watchdog", watchdog_func, GUINT_TO_POINTER (seconds));
}

static void
watchdog_stop (void)
{
  g_mutex_lock (&watchdog_mutex);
  watchdog_stop_requested = TRUE;
  g_cond_signal (&watchdog_cond);
  g_mutex_unlock (&watchdog_mutex);
  g_thread_join (g_steal_pointer (&watchdog_thread));
}

/* }}} */

/* Handshake flags {{{ */

typedef struct
{
  GMutex mutex;
  GCond  cond;
  guint  flags;
} Sync;

static void
sync_init (Sync *s)
{
  g_mutex_init (&s->mutex);
  g_cond_init (&s->cond);
  s->flags = 0;
}

static void
sync_clear (Sync *s)
{
  g_mutex_clear (&s->mutex);
  g_cond_clear (&s->cond);
}

static void
sync_set (Sync  *s,
          guint  flag)
{
  g_mutex_lock (&s->mutex);
  s->flags |= flag;
  g_cond_broadcast (&s->cond);
  g_mutex_unlock (&s->mutex);
}

static gboolean
sync_is_set (Sync  *s,
             guint  flag)
{
  gboolean set;

  g_mutex_lock (&s->mutex);
  set = (s->flags & flag) != 0;
  g_mutex_unlock (&s->mutex);

  return set;
}

/* Waits until one of @flags is set; returns the flags set among them. */
static guint
sync_wait_any (Sync  *s,
               guint  flags)
{
  guint got;

  g_mutex_lock (&s->mutex);
  while ((s->flags & flags) == 0)
    g_cond_wait (&s->cond, &s->mutex);
  got = s->flags & flags;
  g_mutex_unlock (&s->mutex);

  return got;
}

/* }}} */

/* A log of what ran where {{{ */

/* Counts per (tag, thread): cheap to add to and to count, however long a
 * test runs. */
typedef struct
{
  char    *tag;
  GThread *thread;
} LogKey;

typedef struct
{
  GMutex      mutex;
  GHashTable *counts; /* LogKey* → guint* */
} Log;

static guint
log_key_hash (gconstpointer data)
{
  const LogKey *k = data;

  return g_str_hash (k->tag) ^ g_direct_hash (k->thread);
}

static gboolean
log_key_equal (gconstpointer a,
               gconstpointer b)
{
  const LogKey *ka = a, *kb = b;

  return ka->thread == kb->thread && strcmp (ka->tag, kb->tag) == 0;
}

static void
log_key_free (gpointer data)
{
  LogKey *k = data;

  g_free (k->tag);
  g_free (k);
}

static Log *
log_new (void)
{
  Log *log = g_new0 (Log, 1);

  g_mutex_init (&log->mutex);
  log->counts = g_hash_table_new_full (log_key_hash, log_key_equal, log_key_free, g_free);

  return log;
}

static void
log_free (Log *log)
{
  g_hash_table_unref (log->counts);
  g_mutex_clear (&log->mutex);
  g_free (log);
}

static void
log_add (Log        *log,
         const char *tag)
{
  LogKey key = { (char *) tag, g_thread_self () };
  guint *count;

  g_mutex_lock (&log->mutex);
  count = g_hash_table_lookup (log->counts, &key);
  if (count == NULL)
    {
      LogKey *k = g_new (LogKey, 1);

      k->tag = g_strdup (tag);
      k->thread = key.thread;
      count = g_new0 (guint, 1);
      g_hash_table_insert (log->counts, k, count);
    }
  (*count)++;
  g_mutex_unlock (&log->mutex);
}

/* Entries whose tag starts with @prefix (NULL: all) that ran on @thread
 * (NULL: anywhere); with @not_on, those that did NOT run on @thread. */
static guint
log_count_full (Log        *log,
                const char *prefix,
                GThread    *thread,
                gboolean    not_on)
{
  GHashTableIter iter;
  gpointer key, value;
  guint n = 0;

  g_mutex_lock (&log->mutex);
  g_hash_table_iter_init (&iter, log->counts);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      LogKey *k = key;

      if (prefix != NULL && !g_str_has_prefix (k->tag, prefix))
        continue;
      if (thread != NULL && ((k->thread == thread) == not_on))
        continue;
      n += *(guint *) value;
    }
  g_mutex_unlock (&log->mutex);

  return n;
}

#define log_count(log, prefix)             log_count_full ((log), (prefix), NULL, FALSE)
#define log_count_on(log, prefix, thread)  log_count_full ((log), (prefix), (thread), FALSE)
#define log_count_off(log, prefix, thread) log_count_full ((log), (prefix), (thread), TRUE)

/* Iterates @context (blocking) until @n entries with @prefix were logged. */
static void
iterate_until_logged (GMainContext *context,
                      Log          *log,
                      const char   *prefix,
                      guint         n)
{
  while (log_count (log, prefix) < n)
    g_main_context_iteration (context, TRUE);
}

static void
drain (GMainContext *context)
{
  while (g_main_context_iteration (context, FALSE))
    ;
}

/* }}} */

/* Items: owned data whose destroy notify logs its tag {{{ */

typedef struct
{
  Log  *log;
  char *tag;
} Item;

static Item *
item_new (Log        *log,
          const char *tag)
{
  Item *item = g_new0 (Item, 1);

  item->log = log;
  item->tag = g_strdup (tag);

  return item;
}

static void
item_free (Item *item)
{
  g_free (item->tag);
  g_free (item);
}

static void
item_destroy (gpointer data)
{
  Item *item = data;

  log_add (item->log, item->tag);
  item_free (item);
}

/* ResmgrCleanupFunc for track_resource: @resource is the Item. */
static gboolean
item_resource_cleanup (gpointer   resource,
                       gpointer   user_data,
                       GError   **error)
{
  item_destroy (resource);

  return TRUE;
}

static guint64
track_item (ResmgrService *service,
            gpointer       component,
            int            priority,
            gsize          size,
            Log           *log,
            const char    *tag)
{
  g_autoptr(GError) error = NULL;
  guint64 id;

  id = resmgr_service_track_data (service, component, RESMGR_RESOURCE_TYPE_MEMORY, tag, size,
                                  priority, item_new (log, tag), item_destroy, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (id, !=, 0);

  return id;
}

static void
register_component (ResmgrService *service,
                    gpointer       component,
                    const char    *id)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (resmgr_service_register_component (service, component, id, &error));
  g_assert_no_error (error);
}

static gboolean
is_tracked (ResmgrService *service,
            guint64        id)
{
  g_autoptr(ResmgrHandle) handle = resmgr_service_lookup (service, id, NULL);

  return handle != NULL;
}

static guint64
n_resources (ResmgrService *service)
{
  g_autoptr(ResmgrStats) stats = resmgr_service_dup_stats (service);

  return resmgr_stats_get_n_resources (stats);
}

static guint64
total_bytes (ResmgrService *service)
{
  g_autoptr(ResmgrStats) stats = resmgr_service_dup_stats (service);

  return resmgr_stats_get_total_bytes (stats);
}

/* }}} */

/* A component whose dispose can be held {{{ */

#define OC_TYPE_COMPONENT (oc_component_get_type ())
G_DECLARE_FINAL_TYPE (OcComponent, oc_component, OC, COMPONENT, GObject)

struct _OcComponent
{
  GObject  parent_instance;

  /* Called after chaining up dispose: the service was already told. */
  void   (*after_dispose) (gpointer data);
  gpointer after_dispose_data;
};

G_DEFINE_FINAL_TYPE (OcComponent, oc_component, G_TYPE_OBJECT)

static void
oc_component_dispose (GObject *object)
{
  OcComponent *self = OC_COMPONENT (object);
  void (*after) (gpointer) = g_steal_pointer (&self->after_dispose);

  G_OBJECT_CLASS (oc_component_parent_class)->dispose (object);

  if (after != NULL)
    after (self->after_dispose_data);
}

static void
oc_component_class_init (OcComponentClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = oc_component_dispose;
}

static void
oc_component_init (OcComponent *self)
{
}

static OcComponent *
oc_component_new (void)
{
  return g_object_new (OC_TYPE_COMPONENT, NULL);
}

/* }}} */

/* Signal handlers that log the thread they ran on {{{ */

typedef struct
{
  Log       *log;
  Sync      *sync;      /* if set: a handler off the main thread blocks (see HOLD_*) */
  guint      off_main_flag;
  guint      go_flag;
  GPtrArray *reports;   /* ResmgrCleanupReport, for cleanup-finished */
  GPtrArray *report_threads;
} Signals;

static void
signal_seen (Signals    *sig,
             const char *tag)
{
  log_add (sig->log, tag);

  /* Were the library to emit on a worker, hold the worker here, in the
   * middle of its emission, while the main thread acts. */
  if (sig->sync != NULL && g_thread_self () != main_thread)
    {
      sync_set (sig->sync, sig->off_main_flag);
      sync_wait_any (sig->sync, sig->go_flag);
    }
}

static void
on_tracked (ResmgrService *service,
            ResmgrHandle  *handle,
            Signals       *sig)
{
  signal_seen (sig, "sig:resource-tracked");
}

static void
on_released (ResmgrService *service,
             ResmgrHandle  *handle,
             Signals       *sig)
{
  signal_seen (sig, "sig:resource-released");
}

static void
on_registered (ResmgrService *service,
               const char    *id,
               Signals       *sig)
{
  signal_seen (sig, "sig:component-registered");
}

static void
on_removed (ResmgrService *service,
            const char    *id,
            Signals       *sig)
{
  signal_seen (sig, "sig:component-removed");
}

static void
on_cleanup_finished (ResmgrService       *service,
                     ResmgrCleanupReport *report,
                     Signals             *sig)
{
  if (sig->reports != NULL)
    {
      g_ptr_array_add (sig->reports, resmgr_cleanup_report_ref (report));
      g_ptr_array_add (sig->report_threads, g_thread_self ());
    }
  signal_seen (sig, "sig:cleanup-finished");
}

static void
signals_connect (Signals       *sig,
                 ResmgrManager *manager,
                 Log           *log)
{
  memset (sig, 0, sizeof *sig);
  sig->log = log;
  sig->reports = g_ptr_array_new_with_free_func ((GDestroyNotify) resmgr_cleanup_report_unref);
  sig->report_threads = g_ptr_array_new ();

  g_signal_connect (manager, "resource-tracked", G_CALLBACK (on_tracked), sig);
  g_signal_connect (manager, "resource-released", G_CALLBACK (on_released), sig);
  g_signal_connect (manager, "component-registered", G_CALLBACK (on_registered), sig);
  g_signal_connect (manager, "component-removed", G_CALLBACK (on_removed), sig);
  g_signal_connect (manager, "cleanup-finished", G_CALLBACK (on_cleanup_finished), sig);
}

static void
signals_disconnect (Signals       *sig,
                    ResmgrManager *manager)
{
  g_signal_handlers_disconnect_by_data (manager, sig);
  g_ptr_array_unref (sig->reports);
  g_ptr_array_unref (sig->report_threads);
}

/* }}} */

/* An owner thread: its own context, pushed as its thread-default {{{
 *
 * It runs what the main thread hands it (owner_call / owner_post), with its
 * context pushed, and between two of those it is blocked, not iterating.
 * owner_run_loop makes it iterate its context until owner_quit_loop.
 */

typedef struct _Owner Owner;
typedef void (*OwnerFunc) (Owner   *owner,
                           gpointer data);

struct _Owner
{
  GThread      *thread;
  GMainContext *context;
  GMainLoop    *loop;

  GMutex        mutex;
  GCond         cond;
  OwnerFunc     func;
  gpointer      data;
  guint         n_posted;
  guint         n_done;
  gboolean      quit;
  gboolean      loop_running;
};

static gpointer
owner_thread_func (gpointer user_data)
{
  Owner *o = user_data;

  g_main_context_push_thread_default (o->context);

  g_mutex_lock (&o->mutex);
  for (;;)
    {
      OwnerFunc func;
      gpointer data;

      while (o->func == NULL && !o->quit)
        g_cond_wait (&o->cond, &o->mutex);
      if (o->func == NULL)
        break;

      func = g_steal_pointer (&o->func);
      data = o->data;
      g_mutex_unlock (&o->mutex);

      func (o, data);

      g_mutex_lock (&o->mutex);
      o->n_done++;
      g_cond_broadcast (&o->cond);
    }
  g_mutex_unlock (&o->mutex);

  g_main_context_pop_thread_default (o->context);

  return NULL;
}

static Owner *
owner_new (const char *name)
{
  Owner *o = g_new0 (Owner, 1);

  g_mutex_init (&o->mutex);
  g_cond_init (&o->cond);
  o->context = g_main_context_new ();
  o->loop = g_main_loop_new (o->context, FALSE);
  o->thread = g_thread_new (name, owner_thread_func, o);

  return o;
}

/* Hands @func to the owner thread; returns at once. */
static void
owner_post (Owner     *o,
            OwnerFunc  func,
            gpointer   data)
{
  g_mutex_lock (&o->mutex);
  /* One at a time. */
  while (o->n_done != o->n_posted)
    g_cond_wait (&o->cond, &o->mutex);
  o->func = func;
  o->data = data;
  o->n_posted++;
  g_cond_broadcast (&o->cond);
  g_mutex_unlock (&o->mutex);
}

/* Waits until what was posted ran. */
static void
owner_wait (Owner *o)
{
  g_mutex_lock (&o->mutex);
  while (o->n_done != o->n_posted)
    g_cond_wait (&o->cond, &o->mutex);
  g_mutex_unlock (&o->mutex);
}

static void
owner_call (Owner     *o,
            OwnerFunc  func,
            gpointer   data)
{
  owner_post (o, func, data);
  owner_wait (o);
}

static gboolean
loop_running_cb (gpointer data)
{
  Owner *o = data;

  g_mutex_lock (&o->mutex);
  o->loop_running = TRUE;
  g_cond_broadcast (&o->cond);
  g_mutex_unlock (&o->mutex);

  return G_SOURCE_REMOVE;
}

static void
run_loop_func (Owner    *o,
               gpointer  data)
{
  GSource *source = g_idle_source_new ();

  g_source_set_callback (source, loop_running_cb, o, NULL);
  g_source_attach (source, o->context);
  g_source_unref (source);

  g_main_loop_run (o->loop);

  g_mutex_lock (&o->mutex);
  o->loop_running = FALSE;
  g_mutex_unlock (&o->mutex);
}

/* Makes the owner thread iterate its context; returns once it does. */
static void
owner_run_loop (Owner *o)
{
  owner_post (o, run_loop_func, NULL);

  g_mutex_lock (&o->mutex);
  while (!o->loop_running)
    g_cond_wait (&o->cond, &o->mutex);
  g_mutex_unlock (&o->mutex);
}

static void
owner_quit_loop (Owner *o)
{
  g_main_loop_quit (o->loop);
  owner_wait (o);
}

static void
iterate_func (Owner    *o,
              gpointer  data)
{
  drain (o->context);
}

static void
owner_free (Owner *o)
{
  g_mutex_lock (&o->mutex);
  o->quit = TRUE;
  g_cond_broadcast (&o->cond);
  g_mutex_unlock (&o->mutex);
  g_thread_join (o->thread);

  /* Whatever it was still asked to run. */
  drain (o->context);
  g_main_loop_unref (o->loop);
  g_main_context_unref (o->context);
  g_mutex_clear (&o->mutex);
  g_cond_clear (&o->cond);
  g_free (o);
}

/* }}} */

/* 1. The main thread's synchronous calls never hang beside a worker {{{ */

enum {
  HOLD_IN_DISPOSE      = 1 << 0, /* the worker is inside c2's dispose, after the service was told */
  HOLD_CLEANUP_OFF_MAIN = 1 << 1, /* c2's cleanup runs on the worker (a bug): held there */
  HOLD_IN_RELEASE      = 1 << 2, /* the worker is inside the cleanup of its own release () */
  HOLD_SIGNAL_OFF_MAIN = 1 << 3, /* a handler runs on the worker (a bug): held there */
  HOLD_GO              = 1 << 4,
  HOLD_WORKER_DONE     = 1 << 5,
};

typedef struct
{
  Sync          sync;
  Log          *log;
  ResmgrService *service;
  OcComponent  *c2;      /* the worker's to drop */
  guint64       x;       /* the worker's own resource to release */
} Hold;

static gboolean
hold_cleanup (gpointer   resource,
              gpointer   user_data,
              GError   **error)
{
  Hold *h = user_data;

  log_add (h->log, "c2");
  if (g_thread_self () != main_thread)
    {
      sync_set (&h->sync, HOLD_CLEANUP_OFF_MAIN);
      sync_wait_any (&h->sync, HOLD_GO);
    }

  return TRUE;
}

static void
hold_after_dispose (gpointer data)
{
  Hold *h = data;

  sync_set (&h->sync, HOLD_IN_DISPOSE);
  sync_wait_any (&h->sync, HOLD_GO);
}

static gpointer
drop_c2_thread (gpointer data)
{
  Hold *h = data;

  g_object_unref (g_steal_pointer (&h->c2));
  sync_set (&h->sync, HOLD_WORKER_DONE);

  return NULL;
}

/* c1: three items of the main thread; c2: two cleanups, dropped on a worker
 * that is held inside c2's dispose (or inside c2's cleanup, would it run
 * there). */
static OcComponent *
hold_setup (Hold          *h,
            ResmgrService *service,
            Log           *log)
{
  OcComponent *c1 = oc_component_new ();
  g_autoptr(GError) error = NULL;

  memset (h, 0, sizeof *h);
  sync_init (&h->sync);
  h->log = log;
  h->service = service;

  register_component (service, c1, "c1");
  for (guint i = 0; i < 3; i++)
    track_item (service, c1, RESMGR_PRIORITY_DEFAULT, 8, log, "c1");

  h->c2 = oc_component_new ();
  register_component (service, h->c2, "c2");
  for (guint i = 0; i < 2; i++)
    {
      resmgr_service_add_cleanup (service, G_OBJECT (h->c2), "c2", RESMGR_PRIORITY_DEFAULT,
                                  hold_cleanup, h, NULL, &error);
      g_assert_no_error (error);
    }
  h->c2->after_dispose = hold_after_dispose;
  h->c2->after_dispose_data = h;

  return c1;
}

static void
test_hang_cleanup_beside_unref (void)
{
  g_autoptr(ResmgrManager) manager = resmgr_manager_new ();
  ResmgrService *service = SERVICE (manager);
  g_autoptr(ResmgrCleanupReport) report = NULL;
  g_autoptr(GError) error = NULL;
  Log *log = log_new ();
  OcComponent *c1;
  GThread *worker;
  Hold h;

  g_test_summary ("Issue 9 item 1: the main thread, outside any main loop, cleans its "
                  "component c1 while a worker is in the middle of dropping the last "
                  "reference of c2 (held inside c2's dispose): the call returns with "
                  "c1's three cleanups run on the main thread; c2's cleanups did not "
                  "run on the worker, they wait for the main thread to iterate");
  watchdog_start ("hang/cleanup-beside-unref", 60);

  c1 = hold_setup (&h, service, log);
  worker = g_thread_new ("drop-c2", drop_c2_thread, &h);
  sync_wait_any (&h.sync, HOLD_IN_DISPOSE | HOLD_CLEANUP_OFF_MAIN);

  report = resmgr_service_cleanup_component (service, G_OBJECT (c1), &error);
  g_assert_no_error (error);
  g_assert_nonnull (report);
  g_assert_cmpuint (resmgr_cleanup_report_get_released (report), ==, 3);
  g_assert_true (resmgr_cleanup_report_is_clean (report));
  g_assert_cmpuint (log_count_on (log, "c1", main_thread), ==, 3);
  g_assert_cmpuint (log_count (log, "c1"), ==, 3);

  /* Nothing of c2 ran on the worker, nor anywhere yet: the main thread did
   * not iterate. */
  g_assert_false (sync_is_set (&h.sync, HOLD_CLEANUP_OFF_MAIN));
  g_assert_cmpuint (log_count (log, "c2"), ==, 0);

  sync_set (&h.sync, HOLD_GO);
  g_thread_join (worker);
  g_assert_cmpuint (log_count (log, "c2"), ==, 0);

  iterate_until_logged (NULL, log, "c2", 2);
  drain (NULL);
  g_assert_cmpuint (log_count_on (log, "c2", main_thread), ==, 2);
  g_assert_cmpuint (log_count (log, "c2"), ==, 2);
  g_assert_cmpuint (n_resources (service), ==, 0);

  g_object_unref (c1);
  drain (NULL);
  sync_clear (&h.sync);
  log_free (log);
  watchdog_stop ();
}

static void
test_hang_shutdown_beside_unref (void)
{
  g_autoptr(ResmgrManager) manager = resmgr_manager_new ();
  ResmgrService *service = SERVICE (manager);
  g_autoptr(ResmgrCleanupReport) report = NULL;
  g_autoptr(GError) error = NULL;
  Log *log = log_new ();
  OcComponent *c1;
  GThread *worker;
  Hold h;

  g_test_summary ("Issue 9 item 1: resmgr_service_shutdown (svc, 2000) from the main "
                  "thread, outside any main loop, while a worker is in the middle of "
                  "dropping the last reference of c2: returns in time, clean, with "
                  "every cleanup (c1's and c2's) run once, on the main thread");
  watchdog_start ("hang/shutdown-beside-unref", 60);

  c1 = hold_setup (&h, service, log);
  worker = g_thread_new ("drop-c2", drop_c2_thread, &h);
  sync_wait_any (&h.sync, HOLD_IN_DISPOSE | HOLD_CLEANUP_OFF_MAIN);

  report = resmgr_service_shutdown (service, 2000, &error);
  g_assert_no_error (error);
  g_assert_nonnull (report);
  g_assert_false (resmgr_cleanup_report_get_timed_out (report));
  g_assert_true (resmgr_cleanup_report_is_clean (report));
  g_assert_cmpuint (resmgr_cleanup_report_get_leftovers (report)->len, ==, 0);
  g_assert_cmpuint (log_count_on (log, "c1", main_thread), ==, 3);
  g_assert_cmpuint (log_count (log, "c1"), ==, 3);
  /* c2 was still tracked: the shutdown cleaned it, on the main thread. */
  g_assert_cmpuint (resmgr_cleanup_report_get_released (report), ==, 5);
  g_assert_cmpuint (log_count_on (log, "c2", main_thread), ==, 2);
  g_assert_false (sync_is_set (&h.sync, HOLD_CLEANUP_OFF_MAIN));

  sync_set (&h.sync, HOLD_GO);
  g_thread_join (worker);

  /* c2's dispatched disposal finds nothing left: no cleanup runs twice. */
  drain (NULL);
  g_assert_cmpuint (log_count (log, "c2"), ==, 2);
  g_assert_cmpuint (log_count (log, "c1"), ==, 3);
  g_assert_cmpuint (n_resources (service), ==, 0);

  g_object_unref (c1);
  drain (NULL);
  sync_clear (&h.sync);
  log_free (log);
  watchdog_stop ();
}

static gboolean
release_hold_cleanup (gpointer   resource,
                      gpointer   user_data,
                      GError   **error)
{
  Hold *h = user_data;

  log_add (h->log, "x");
  sync_set (&h->sync, HOLD_IN_RELEASE);
  sync_wait_any (&h->sync, HOLD_GO);

  return TRUE;
}

static gpointer
track_release_thread (gpointer data)
{
  Hold *h = data;
  g_autoptr(GError) error = NULL;
  OcComponent *cw = h->c2;

  /* Tracked on the worker: resource-tracked has a handler. */
  h->x = resmgr_service_add_cleanup (h->service, G_OBJECT (cw), "x", RESMGR_PRIORITY_DEFAULT,
                                     release_hold_cleanup, h, NULL, &error);
  g_assert_no_error (error);
  /* Released on the worker: its cleanup runs here (the caller asked for it,
   * now) and is held inside; resource-released has a handler. */
  g_assert_true (resmgr_service_release (h->service, h->x, &error));
  g_assert_no_error (error);

  sync_set (&h->sync, HOLD_WORKER_DONE);

  return NULL;
}

static void
test_hang_cleanup_beside_signals (void)
{
  g_autoptr(ResmgrManager) manager = resmgr_manager_new ();
  ResmgrService *service = SERVICE (manager);
  g_autoptr(ResmgrCleanupReport) report = NULL;
  g_autoptr(ResmgrCleanupReport) report2 = NULL;
  g_autoptr(GError) error = NULL;
  Log *log = log_new ();
  Signals sig;
  OcComponent *c1, *cw;
  GThread *worker;
  Hold h;

  g_test_summary ("Issue 9 item 1: the main thread, outside any main loop, cleans c1 "
                  "while a worker tracks and releases on the same manager with handlers "
                  "connected to its signals (the worker held inside its release): the "
                  "call returns with c1's cleanups on the main thread; every signal "
                  "handler ran on the main thread, none on the worker; the released "
                  "resource's cleanup ran on the worker (release runs on the caller)");
  watchdog_start ("hang/cleanup-beside-signals", 60);

  memset (&h, 0, sizeof h);
  sync_init (&h.sync);
  h.log = log;
  h.service = service;

  c1 = oc_component_new ();
  register_component (service, c1, "c1");
  for (guint i = 0; i < 3; i++)
    track_item (service, c1, RESMGR_PRIORITY_DEFAULT, 8, log, "c1");
  cw = oc_component_new ();
  register_component (service, cw, "cw");
  h.c2 = cw;

  signals_connect (&sig, manager, log);
  sig.sync = &h.sync;
  sig.off_main_flag = HOLD_SIGNAL_OFF_MAIN;
  sig.go_flag = HOLD_GO;

  worker = g_thread_new ("track-release", track_release_thread, &h);
  sync_wait_any (&h.sync, HOLD_IN_RELEASE | HOLD_SIGNAL_OFF_MAIN);

  report = resmgr_service_cleanup_component (service, G_OBJECT (c1), &error);
  g_assert_no_error (error);
  g_assert_nonnull (report);
  g_assert_cmpuint (resmgr_cleanup_report_get_released (report), ==, 3);
  g_assert_cmpuint (log_count_on (log, "c1", main_thread), ==, 3);

  sync_set (&h.sync, HOLD_GO);
  g_thread_join (worker);
  g_assert_cmpuint (log_count_on (log, "x", worker), ==, 1);
  g_assert_false (sync_is_set (&h.sync, HOLD_SIGNAL_OFF_MAIN));

  /* The worker's two signals were queued for the main thread. */
  drain (NULL);
  /* c1: 3 released + 1 cleanup-finished; x: tracked + released */
  g_assert_cmpuint (log_count (log, "sig:resource-tracked"), ==, 1);
  g_assert_cmpuint (log_count (log, "sig:resource-released"), ==, 4);
  g_assert_cmpuint (log_count (log, "sig:cleanup-finished"), ==, 1);
  g_assert_cmpuint (log_count_off (log, "sig:", main_thread), ==, 0);

  /* The worker ran nothing of the main thread's, and left nothing. */
  report2 = resmgr_service_cleanup_component (service, G_OBJECT (cw), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (resmgr_cleanup_report_get_released (report2), ==, 0);

  g_object_unref (c1);
  g_object_unref (cw);
  drain (NULL);
  g_assert_cmpuint (log_count (log, "sig:component-removed"), ==, 2);
  g_assert_cmpuint (log_count_off (log, "sig:", main_thread), ==, 0);
  signals_disconnect (&sig, manager);
  sync_clear (&h.sync);
  log_free (log);
  watchdog_stop ();
}

/* A worker that tracks, releases and drops components continuously, at
 * most CHURN_AHEAD cycles ahead of the main thread's calls: what it queues
 * for the main thread (signals, disposals) must not outgrow what the main
 * thread can run, or draining would never end. */
#define CHURN_AHEAD 8

typedef struct
{
  ResmgrService *service;
  Log           *log;
  GMutex         mutex;
  GCond          cond;
  gboolean       stop;
  guint          ticks;      /* calls of the main thread */
  guint          n_dropped;  /* components dropped with 2 items left */
  guint          n_released;
} Churn;

static gboolean
churn_wait_turn (Churn *c)
{
  gboolean go_on;

  g_mutex_lock (&c->mutex);
  while (!c->stop && c->n_dropped >= c->ticks + CHURN_AHEAD)
    g_cond_wait (&c->cond, &c->mutex);
  go_on = !c->stop;
  g_mutex_unlock (&c->mutex);

  return go_on;
}

static void
churn_tick (Churn    *c,
            gboolean  stop)
{
  g_mutex_lock (&c->mutex);
  c->ticks++;
  c->stop |= stop;
  g_cond_signal (&c->cond);
  g_mutex_unlock (&c->mutex);
}

static gpointer
churn_thread (gpointer data)
{
  Churn *c = data;

  while (churn_wait_turn (c))
    {
      OcComponent *comp = oc_component_new ();
      g_autoptr(GError) error = NULL;
      guint64 id;

      /* Registered here: owned by the global default context, so by the
       * main thread, not by this worker. */
      register_component (c->service, comp, NULL);
      id = track_item (c->service, comp, RESMGR_PRIORITY_DEFAULT, 16, c->log, "w-released");
      track_item (c->service, comp, RESMGR_PRIORITY_DEFAULT, 16, c->log, "w-dropped");
      track_item (c->service, comp, RESMGR_PRIORITY_DEFAULT, 16, c->log, "w-dropped");

      g_assert_true (resmgr_service_release (c->service, id, &error));
      g_assert_no_error (error);
      c->n_released++;

      /* The last reference, on this worker. */
      g_object_unref (comp);

      g_mutex_lock (&c->mutex);
      c->n_dropped++;
      g_mutex_unlock (&c->mutex);
    }

  return NULL;
}

static void
test_hang_cleanup_loop (void)
{
  g_autoptr(ResmgrManager) manager = resmgr_manager_new ();
  ResmgrService *service = SERVICE (manager);
  guint n = g_test_thorough () ? 20000 : 2000;
  Log *log = log_new ();
  Signals sig;
  Churn churn;
  GThread *worker;

  g_test_summary ("Issue 9 item 1: 2000 synchronous cleanups (20000 thorough) of the main "
                  "thread's own components, outside any main loop, beside a worker that "
                  "tracks, releases and drops components continuously with signal "
                  "handlers connected: no call hangs (watchdog), each cleans its two "
                  "items on the main thread; the worker's dropped components are cleaned "
                  "on the main thread when it iterates; every signal on the main thread");
  watchdog_start ("hang/cleanup-loop", 120);

  signals_connect (&sig, manager, log);
  memset (&churn, 0, sizeof churn);
  g_mutex_init (&churn.mutex);
  g_cond_init (&churn.cond);
  churn.service = service;
  churn.log = log;
  worker = g_thread_new ("churn", churn_thread, &churn);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(ResmgrCleanupReport) report = NULL;
      g_autoptr(GError) error = NULL;
      OcComponent *comp = oc_component_new ();

      register_component (service, comp, NULL);
      track_item (service, comp, RESMGR_PRIORITY_DEFAULT, 4, log, "m");
      track_item (service, comp, RESMGR_PRIORITY_DEFAULT, 4, log, "m");

      report = resmgr_service_cleanup_component (service, G_OBJECT (comp), &error);
      g_assert_no_error (error);
      g_assert_nonnull (report);
      g_assert_cmpuint (resmgr_cleanup_report_get_released (report), ==, 2);
      g_assert_cmpuint (resmgr_cleanup_report_get_leftovers (report)->len, ==, 0);
      g_object_unref (comp);
      churn_tick (&churn, FALSE);

      if (i % 16 == 15)
        drain (NULL);
    }

  churn_tick (&churn, TRUE);
  g_thread_join (worker);
  g_mutex_clear (&churn.mutex);
  g_cond_clear (&churn.cond);
  g_test_message ("%u cleanups beside %u dropped worker components", n, churn.n_dropped);

  iterate_until_logged (NULL, log, "w-dropped", 2 * churn.n_dropped);
  drain (NULL);

  g_assert_cmpuint (log_count (log, "m"), ==, 2 * n);
  g_assert_cmpuint (log_count_off (log, "m", main_thread), ==, 0);
  g_assert_cmpuint (log_count (log, "w-dropped"), ==, 2 * churn.n_dropped);
  g_assert_cmpuint (log_count_off (log, "w-dropped", main_thread), ==, 0);
  g_assert_cmpuint (log_count_on (log, "w-released", worker), ==, churn.n_released);
  g_assert_cmpuint (log_count (log, "w-released"), ==, churn.n_released);

  g_assert_cmpuint (log_count (log, "sig:resource-tracked"), ==, 2 * n + 3 * churn.n_dropped);
  g_assert_cmpuint (log_count (log, "sig:resource-released"), ==, 2 * n + 3 * churn.n_dropped);
  g_assert_cmpuint (log_count (log, "sig:component-registered"), ==, n + churn.n_dropped);
  g_assert_cmpuint (log_count (log, "sig:component-removed"), ==, n + churn.n_dropped);
  g_assert_cmpuint (log_count_off (log, "sig:", main_thread), ==, 0);
  g_assert_cmpuint (n_resources (service), ==, 0);

  signals_disconnect (&sig, manager);
  log_free (log);
  watchdog_stop ();
}

/* }}} */

/* 2. Nothing runs on a foreign thread {{{ */

typedef struct
{
  Sync         sync;
  OcComponent *comp; /* handed to the worker */
  guint        n_handed;
  guint        n_dropped;
  gboolean     quit;
} Dropper;

enum {
  DROP_HANDED  = 1 << 0,
};

static gpointer
dropper_thread (gpointer data)
{
  Dropper *d = data;

  g_mutex_lock (&d->sync.mutex);
  for (;;)
    {
      OcComponent *comp;

      while (d->n_handed == d->n_dropped && !d->quit)
        g_cond_wait (&d->sync.cond, &d->sync.mutex);
      if (d->n_handed == d->n_dropped)
        break;
      comp = g_steal_pointer (&d->comp);
      g_mutex_unlock (&d->sync.mutex);

      g_object_unref (comp);

      g_mutex_lock (&d->sync.mutex);
      d->n_dropped++;
      g_cond_broadcast (&d->sync.cond);
    }
  g_mutex_unlock (&d->sync.mutex);

  return NULL;
}

static void
test_foreign_last_unref (void)
{
  g_autoptr(ResmgrManager) manager = resmgr_manager_new ();
  ResmgrService *service = SERVICE (manager);
  Log *log = log_new ();
  Signals sig;
  Dropper d;
  GThread *worker;

  g_test_summary ("Issue 9 item 2: a worker drops a component's last reference between "
                  "two g_main_context_iteration () calls of the owner (the main thread): "
                  "before the owner iterates, its cleanup did not run; after, it ran on "
                  "the owner; 100 of 100 cleanups (and component-removed signals) on the "
                  "owner thread, none on the worker");
  watchdog_start ("foreign-thread/last-unref", 60);

  memset (&d, 0, sizeof d);
  sync_init (&d.sync);
  signals_connect (&sig, manager, log);
  worker = g_thread_new ("dropper", dropper_thread, &d);

  for (guint i = 0; i < 100; i++)
    {
      OcComponent *comp = oc_component_new ();

      register_component (service, comp, NULL);
      track_item (service, comp, RESMGR_PRIORITY_DEFAULT, 1, log, "item");
      drain (NULL);

      g_mutex_lock (&d.sync.mutex);
      d.comp = comp;
      d.n_handed++;
      g_cond_broadcast (&d.sync.cond);
      while (d.n_dropped != d.n_handed)
        g_cond_wait (&d.sync.cond, &d.sync.mutex);
      g_mutex_unlock (&d.sync.mutex);

      /* Dropped on the worker; the owner has not iterated since. */
      g_assert_cmpuint (log_count (log, "item"), ==, i);
      g_assert_cmpuint (n_resources (service), ==, 1);

      iterate_until_logged (NULL, log, "item", i + 1);
      iterate_until_logged (NULL, log, "sig:component-removed", i + 1);
    }

  g_mutex_lock (&d.sync.mutex);
  d.quit = TRUE;
  g_cond_broadcast (&d.sync.cond);
  g_mutex_unlock (&d.sync.mutex);
  g_thread_join (worker);
  drain (NULL);

  g_assert_cmpuint (log_count_on (log, "item", main_thread), ==, 100);
  g_assert_cmpuint (log_count_off (log, "item", main_thread), ==, 0);
  g_assert_cmpuint (log_count (log, "sig:component-removed"), ==, 100);
  g_assert_cmpuint (log_count_off (log, "sig:", main_thread), ==, 0);
  g_assert_cmpuint (n_resources (service), ==, 0);

  signals_disconnect (&sig, manager);
  sync_clear (&d.sync);
  log_free (log);
  watchdog_stop ();
}

typedef struct
{
  ResmgrService *service;
  Log           *log;
} Tracker;

static gpointer
track_and_drop_thread (gpointer data)
{
  Tracker *t = data;
  OcComponent *comp = oc_component_new ();
  guint64 ids[50];

  register_component (t->service, comp, NULL);
  for (guint i = 0; i < 50; i++)
    ids[i] = track_item (t->service, comp, RESMGR_PRIORITY_DEFAULT, 10, t->log, "item");
  for (guint i = 0; i < 50; i += 2)
    g_assert_true (resmgr_service_release (t->service, ids[i], NULL));
  g_object_unref (comp);

  return NULL;
}

static void
test_foreign_signals_while_joining (void)
{
  g_autoptr(ResmgrManager) manager = resmgr_manager_new ();
  ResmgrService *service = SERVICE (manager);
  Log *log = log_new ();
  Tracker t = { service, log };
  Signals sig;
  GThread *worker;

  g_test_summary ("Issue 9 item 2: a worker registers, tracks 50, releases 25 and drops "
                  "its component while the main thread (the manager's owner) is blocked "
                  "in g_thread_join (): no signal handler ran by then; when the main "
                  "thread iterates, every one runs there, in full, none on the worker; "
                  "the 25 released on the worker ran there, the 25 left on the main thread");
  watchdog_start ("foreign-thread/signals-while-joining", 60);

  signals_connect (&sig, manager, log);
  worker = g_thread_new ("tracker", track_and_drop_thread, &t);
  g_thread_join (worker);

  g_assert_cmpuint (log_count (log, "sig:"), ==, 0);
  g_assert_cmpuint (log_count_on (log, "item", worker), ==, 25);
  g_assert_cmpuint (log_count (log, "item"), ==, 25);

  iterate_until_logged (NULL, log, "sig:component-removed", 1);
  drain (NULL);

  g_assert_cmpuint (log_count (log, "sig:component-registered"), ==, 1);
  g_assert_cmpuint (log_count (log, "sig:resource-tracked"), ==, 50);
  g_assert_cmpuint (log_count (log, "sig:resource-released"), ==, 50);
  g_assert_cmpuint (log_count (log, "sig:cleanup-finished"), ==, 1);
  g_assert_cmpuint (log_count (log, "sig:component-removed"), ==, 1);
  g_assert_cmpuint (log_count_off (log, "sig:", main_thread), ==, 0);
  g_assert_cmpuint (log_count_on (log, "item", main_thread), ==, 25);
  g_assert_cmpuint (log_count (log, "item"), ==, 50);

  signals_disconnect (&sig, manager);
  log_free (log);
  watchdog_stop ();
}

typedef struct
{
  GMainLoop           *loop;
  ResmgrCleanupReport *report;
  GError              *error;
  GThread             *thread;
} AsyncResult;

static void
cleanup_async_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      data)
{
  AsyncResult *r = data;

  r->thread = g_thread_self ();
  r->report = resmgr_service_cleanup_component_finish (RESMGR_SERVICE (source), result, &r->error);
  g_main_loop_quit (r->loop);
}

typedef struct
{
  ResmgrService *service;
  Log           *log;
  OcComponent   *comp;
  guint64        ids[3];
  char          *id;
} OwnedSetup;

static void
owned_setup_func (Owner    *o,
                  gpointer  data)
{
  OwnedSetup *s = data;

  s->comp = oc_component_new ();
  register_component (s->service, s->comp, s->id);
  for (guint i = 0; i < G_N_ELEMENTS (s->ids); i++)
    s->ids[i] = track_item (s->service, s->comp, RESMGR_PRIORITY_DEFAULT, 100, s->log, "owned");
}

/* Drops the component on its owner, with its context pushed. */
static void
owned_drop_func (Owner    *o,
                 gpointer  data)
{
  OwnedSetup *s = data;

  g_clear_object (&s->comp);
  drain (o->context);
}

static void
test_foreign_cleanup_async (void)
{
  g_autoptr(ResmgrManager) manager = resmgr_manager_new ();
  ResmgrService *service = SERVICE (manager);
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  Log *log = log_new ();
  AsyncResult r = { loop };
  OwnedSetup s = { service, log, NULL, { 0 }, "owned-by-worker" };
  OcComponent *comp;
  Owner *owner;

  g_test_summary ("Issue 9 item 2: cleanup_component_async from the main loop: for a "
                  "component of the main thread the cleanups run on the main thread (no "
                  "GTask pool thread); for one owned by another thread's context they "
                  "run on that owner thread; the callback runs on the caller's thread");
  watchdog_start ("foreign-thread/cleanup-async", 60);

  comp = oc_component_new ();
  register_component (service, comp, "main-owned");
  for (guint i = 0; i < 3; i++)
    track_item (service, comp, RESMGR_PRIORITY_DEFAULT, 100, log, "main");

  resmgr_service_cleanup_component_async (service, G_OBJECT (comp), NULL, cleanup_async_cb, &r);
  g_main_loop_run (loop);
  g_assert_no_error (r.error);
  g_assert_nonnull (r.report);
  g_assert_true (r.thread == main_thread);
  g_assert_cmpuint (resmgr_cleanup_report_get_released (r.report), ==, 3);
  g_assert_cmpuint (log_count_on (log, "main", main_thread), ==, 3);
  g_assert_cmpuint (log_count (log, "main"), ==, 3);
  g_clear_pointer (&r.report, resmgr_cleanup_report_unref);

  owner = owner_new ("owner");
  owner_call (owner, owned_setup_func, &s);
  owner_run_loop (owner);

  resmgr_service_cleanup_component_async (service, G_OBJECT (s.comp), NULL, cleanup_async_cb, &r);
  g_main_loop_run (loop);
  g_assert_no_error (r.error);
  g_assert_nonnull (r.report);
  g_assert_true (r.thread == main_thread);
  g_assert_cmpuint (resmgr_cleanup_report_get_released (r.report), ==, 3);
  g_assert_cmpuint (log_count_on (log, "owned", owner->thread), ==, 3);
  g_assert_cmpuint (log_count (log, "owned"), ==, 3);
  g_clear_pointer (&r.report, resmgr_cleanup_report_unref);

  owner_quit_loop (owner);
  owner_call (owner, owned_drop_func, &s);
  owner_free (owner);
  g_object_unref (comp);
  drain (NULL);
  g_assert_cmpuint (n_resources (service), ==, 0);
  log_free (log);
  watchdog_stop ();
}

/* }}} */

/* 3. An owner that does not iterate {{{ */

static void
assert_still_tracked (ResmgrService *service,
                      OwnedSetup    *s)
{
  for (guint i = 0; i < G_N_ELEMENTS (s->ids); i++)
    {
      g_autoptr(ResmgrHandle) handle = resmgr_service_lookup (service, s->ids[i], NULL);

      g_assert_nonnull (handle);
      g_assert_cmpstr (resmgr_handle_get_component_id (handle), ==, s->id);
      g_assert_cmpint (resmgr_handle_get_state (handle), ==, RESMGR_RESOURCE_STATE_ACTIVE);
    }
}

static void
owned_cleanup_func (Owner    *o,
                    gpointer  data)
{
  OwnedSetup *s = data;
  g_autoptr(ResmgrCleanupReport) report = NULL;
  g_autoptr(GError) error = NULL;

  report = resmgr_service_cleanup_component (s->service, G_OBJECT (s->comp), &error);
  g_assert_no_error (error);
  g_assert_nonnull (report);
  g_assert_cmpuint (resmgr_cleanup_report_get_released (report), ==, G_N_ELEMENTS (s->ids));
  g_assert_true (resmgr_cleanup_report_is_clean (report));
}

static void
check_abandoned_then_owner_cleans (ResmgrService *service,
                                   Owner         *owner,
                                   OwnedSetup    *s,
                                   Log           *log)
{
  /* Not cleaned, still tracked, counted. */
  g_assert_cmpuint (log_count (log, "owned"), ==, 0);
  assert_still_tracked (service, s);
  g_assert_cmpuint (n_resources (service), ==, 3);
  g_assert_cmpuint (total_bytes (service), ==, 300);

  /* The owner iterates now: the abandoned cleanup does not run late. */
  owner_call (owner, iterate_func, NULL);
  g_assert_cmpuint (log_count (log, "owned"), ==, 0);
  assert_still_tracked (service, s);
  g_assert_cmpuint (n_resources (service), ==, 3);

  /* The owner cleans its own component: inline, exactly once. */
  owner_call (owner, owned_cleanup_func, s);
  g_assert_cmpuint (log_count_on (log, "owned", owner->thread), ==, 3);
  g_assert_cmpuint (log_count (log, "owned"), ==, 3);
  g_assert_cmpuint (n_resources (service), ==, 0);
  g_assert_cmpuint (total_bytes (service), ==, 0);

  owner_call (owner, iterate_func, NULL);
  owner_call (owner, owned_drop_func, s);
  g_assert_cmpuint (log_count (log, "owned"), ==, 3);
}

static void
test_stuck_owner_cleanup (void)
{
  g_autoptr(ResmgrManager) manager = resmgr_manager_new ();
  ResmgrService *service = SERVICE (manager);
  g_autoptr(ResmgrCleanupReport) report = NULL;
  g_autoptr(GError) error = NULL;
  Log *log = log_new ();
  OwnedSetup s = { service, log, NULL, { 0 }, "stuck-owner-sync" };
  Owner *owner;

  g_test_summary ("Owner not iterating: a component owned by another thread's context, "
                  "that thread blocked; cleanup_component from the main thread with "
                  "wait-timeout 200 ms fails with TIMED_OUT naming the component; no "
                  "destroy notify ran, resources still tracked and counted; when the "
                  "owner iterates later the abandoned cleanup does not run; the owner's "
                  "own cleanup then cleans each resource exactly once, on the owner");
  watchdog_start ("stuck-owner/cleanup", 60);

  resmgr_manager_set_wait_timeout (manager, 200);
  owner = owner_new ("stuck-owner");
  owner_call (owner, owned_setup_func, &s);

  /* The owner is blocked now, between two calls: it does not iterate. */
  report = resmgr_service_cleanup_component (service, G_OBJECT (s.comp), &error);
  g_assert_null (report);
  g_assert_error (error, RESMGR_ERROR, RESMGR_ERROR_TIMED_OUT);
  g_assert_nonnull (strstr (error->message, s.id));
  g_assert_nonnull (strstr (error->message, "owner context"));

  check_abandoned_then_owner_cleans (service, owner, &s, log);

  owner_free (owner);
  log_free (log);
  watchdog_stop ();
}

static void
test_stuck_owner_cleanup_async (void)
{
  g_autoptr(ResmgrManager) manager = resmgr_manager_new ();
  ResmgrService *service = SERVICE (manager);
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  Log *log = log_new ();
  OwnedSetup s = { service, log, NULL, { 0 }, "stuck-owner-async" };
  AsyncResult r = { loop };
  Owner *owner;

  g_test_summary ("Owner not iterating, asynchronous form: cleanup_component_async of "
                  "a component whose owner thread is blocked, wait-timeout 200 ms: the "
                  "callback (on the main thread) gets TIMED_OUT naming the component; "
                  "nothing cleaned, nothing cleaned later when the owner iterates; the "
                  "owner's own cleanup cleans each resource once");
  watchdog_start ("stuck-owner/cleanup-async", 60);

  resmgr_manager_set_wait_timeout (manager, 200);
  owner = owner_new ("stuck-owner");
  owner_call (owner, owned_setup_func, &s);

  resmgr_service_cleanup_component_async (service, G_OBJECT (s.comp), NULL, cleanup_async_cb, &r);
  g_main_loop_run (loop);
  g_assert_true (r.thread == main_thread);
  g_assert_null (r.report);
  g_assert_error (r.error, RESMGR_ERROR, RESMGR_ERROR_TIMED_OUT);
  g_assert_nonnull (strstr (r.error->message, s.id));
  g_clear_error (&r.error);

  check_abandoned_then_owner_cleans (service, owner, &s, log);

  owner_free (owner);
  drain (NULL);
  log_free (log);
  watchdog_stop ();
}

static void
test_stuck_owner_shutdown (void)
{
  g_autoptr(ResmgrManager) manager = resmgr_manager_new ();
  ResmgrService *service = SERVICE (manager);
  g_autoptr(ResmgrCleanupReport) report = NULL;
  g_autoptr(GError) error = NULL;
  Log *log = log_new ();
  OwnedSetup s = { service, log, NULL, { 0 }, "stuck-owner-shutdown" };
  OcComponent *mine;
  GPtrArray *leftovers;
  Owner *owner;

  g_test_summary ("Owner not iterating, shutdown (200 ms) from the main thread: the "
                  "report lists exactly the stuck component's three resources as "
                  "leftovers, each with a reason naming its owner context; the main "
                  "thread's own resources (cleaned after the stuck batch, past the "
                  "deadline) are released on the main thread; nothing of the stuck "
                  "owner runs later; the owner can still clean its component itself");
  watchdog_start ("stuck-owner/shutdown", 60);

  owner = owner_new ("stuck-owner");
  owner_call (owner, owned_setup_func, &s);

  /* Lower priority than the stuck owner's: they come after its batch. */
  mine = oc_component_new ();
  register_component (service, mine, "mine");
  track_item (service, mine, 10, 1, log, "mine");
  track_item (service, mine, 10, 1, log, "mine");

  report = resmgr_service_shutdown (service, 200, &error);
  g_assert_no_error (error);
  g_assert_nonnull (report);
  g_assert_true (resmgr_cleanup_report_get_timed_out (report));
  g_assert_cmpuint (resmgr_cleanup_report_get_released (report), ==, 2);
  g_assert_cmpuint (resmgr_cleanup_report_get_n_overruns (report), ==, 0);
  g_assert_cmpuint (log_count_on (log, "mine", main_thread), ==, 2);
  g_assert_cmpuint (log_count (log, "mine"), ==, 2);

  leftovers = resmgr_cleanup_report_get_leftovers (report);
  g_assert_cmpuint (leftovers->len, ==, 3);
  for (guint i = 0; i < leftovers->len; i++)
    {
      ResmgrHandle *handle = g_ptr_array_index (leftovers, i);
      const char *reason = resmgr_cleanup_report_get_leftover_reason (report, i);
      gboolean known = FALSE;

      g_assert_cmpstr (resmgr_handle_get_component_id (handle), ==, s.id);
      for (guint j = 0; j < G_N_ELEMENTS (s.ids); j++)
        known |= resmgr_handle_get_id (handle) == s.ids[j];
      g_assert_true (known);
      g_assert_nonnull (reason);
      g_assert_nonnull (strstr (reason, "owner context"));
    }

  check_abandoned_then_owner_cleans (service, owner, &s, log);

  owner_free (owner);
  g_object_unref (mine);
  drain (NULL);
  log_free (log);
  watchdog_stop ();
}

/* A shutdown from a worker while the main thread, owner of the global
 * default context, is blocked joining that worker. */
typedef struct
{
  ResmgrService       *service;
  ResmgrCleanupReport *report;
  GError              *error;
} ShutdownCall;

static gpointer
shutdown_thread (gpointer data)
{
  ShutdownCall *c = data;

  c->report = resmgr_service_shutdown (c->service, 200, &c->error);

  return NULL;
}

static void
test_stuck_main_shutdown_from_worker (void)
{
  g_autoptr(ResmgrManager) manager = resmgr_manager_new ();
  ResmgrService *service = SERVICE (manager);
  g_autoptr(ResmgrCleanupReport) report = NULL;
  g_autoptr(ResmgrCleanupReport) own = NULL;
  g_autoptr(GError) error = NULL;
  ShutdownCall call = { service };
  Log *log = log_new ();
  OcComponent *comp;
  GPtrArray *leftovers;
  guint64 ids[2];
  guint n_signals;
  Signals sig;

  g_test_summary ("A worker shuts the manager down (200 ms) while the main thread, owner "
                  "of the global default context, is blocked in g_thread_join (): the "
                  "shutdown returns timed out, the main thread's resources are leftovers "
                  "whose reason names the global default context, nothing ran on the "
                  "worker; the report's signal is emitted on the main thread when it "
                  "iterates; the abandoned batch never runs; the main thread's own "
                  "cleanup then cleans each resource once, on the main thread");
  watchdog_start ("stuck-owner/main-joins-shutdown", 60);

  signals_connect (&sig, manager, log);
  comp = oc_component_new ();
  register_component (service, comp, "main-comp");
  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    ids[i] = track_item (service, comp, RESMGR_PRIORITY_DEFAULT, 1, log, "main");
  n_signals = log_count (log, "sig:");

  g_thread_join (g_thread_new ("shutdown", shutdown_thread, &call));
  report = g_steal_pointer (&call.report);
  g_assert_no_error (call.error);
  g_assert_nonnull (report);

  g_assert_true (resmgr_cleanup_report_get_timed_out (report));
  g_assert_cmpuint (resmgr_cleanup_report_get_released (report), ==, 0);
  g_assert_cmpuint (log_count (log, "main"), ==, 0);
  leftovers = resmgr_cleanup_report_get_leftovers (report);
  g_assert_cmpuint (leftovers->len, ==, 2);
  for (guint i = 0; i < leftovers->len; i++)
    {
      const char *reason = resmgr_cleanup_report_get_leftover_reason (report, i);
      guint64 id = resmgr_handle_get_id (g_ptr_array_index (leftovers, i));

      g_assert_true (id == ids[0] || id == ids[1]);
      g_assert_nonnull (reason);
      g_assert_nonnull (strstr (reason, "global default main context"));
    }
  /* Queued for the main thread, not emitted on the worker. */
  g_assert_cmpuint (log_count (log, "sig:"), ==, n_signals);

  iterate_until_logged (NULL, log, "sig:cleanup-finished", 1);
  drain (NULL);
  g_assert_true (g_ptr_array_index (sig.reports, 0) == report);
  g_assert_cmpuint (log_count (log, "main"), ==, 0);
  g_assert_true (is_tracked (service, ids[0]));
  g_assert_true (is_tracked (service, ids[1]));

  own = resmgr_service_cleanup_component (service, G_OBJECT (comp), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (resmgr_cleanup_report_get_released (own), ==, 2);
  g_assert_cmpuint (log_count_on (log, "main", main_thread), ==, 2);
  g_assert_cmpuint (log_count (log, "main"), ==, 2);
  g_assert_cmpuint (log_count_off (log, "sig:", main_thread), ==, 0);

  g_object_unref (comp);
  drain (NULL);
  g_assert_cmpuint (log_count (log, "main"), ==, 2);
  signals_disconnect (&sig, manager);
  log_free (log);
  watchdog_stop ();
}

/* Two owners, each blocked in a synchronous cleanup of the other's
 * component: neither iterates, both time out instead of deadlocking. */
typedef struct
{
  OwnedSetup *target;   /* the other owner's component */
  Sync       *sync;
  GError     *error;
  gboolean    got_report;
} CrossCall;

enum {
  CROSS_A_CALLING = 1 << 0,
  CROSS_B_CALLING = 1 << 1,
};

static void
cross_cleanup_func (Owner    *o,
                    gpointer  data)
{
  CrossCall *c = data;
  ResmgrCleanupReport *report;

  report = resmgr_service_cleanup_component (c->target->service, G_OBJECT (c->target->comp),
                                             &c->error);
  c->got_report = report != NULL;
  g_clear_pointer (&report, resmgr_cleanup_report_unref);
}

static void
test_stuck_owner_cross_cleanup (void)
{
  g_autoptr(ResmgrManager) manager = resmgr_manager_new ();
  ResmgrService *service = SERVICE (manager);
  Log *log = log_new ();
  OwnedSetup sa = { service, log, NULL, { 0 }, "cross-a" };
  OwnedSetup sb = { service, log, NULL, { 0 }, "cross-b" };
  CrossCall ca = { &sb }, cb = { &sa };
  Owner *a, *b;

  g_test_summary ("Two owner threads synchronously clean each other's component at the "
                  "same moment (neither iterates while it waits): both calls fail with "
                  "TIMED_OUT naming the other's component instead of deadlocking; nothing "
                  "was cleaned, and each owner then cleans its own component once");
  watchdog_start ("stuck-owner/cross-cleanup", 60);

  resmgr_manager_set_wait_timeout (manager, 200);
  a = owner_new ("owner-a");
  b = owner_new ("owner-b");
  owner_call (a, owned_setup_func, &sa);
  owner_call (b, owned_setup_func, &sb);

  owner_post (a, cross_cleanup_func, &ca);
  owner_post (b, cross_cleanup_func, &cb);
  owner_wait (a);
  owner_wait (b);

  g_assert_false (ca.got_report);
  g_assert_error (ca.error, RESMGR_ERROR, RESMGR_ERROR_TIMED_OUT);
  g_assert_nonnull (strstr (ca.error->message, "cross-b"));
  g_assert_false (cb.got_report);
  g_assert_error (cb.error, RESMGR_ERROR, RESMGR_ERROR_TIMED_OUT);
  g_assert_nonnull (strstr (cb.error->message, "cross-a"));
  g_clear_error (&ca.error);
  g_clear_error (&cb.error);

  g_assert_cmpuint (log_count (log, "owned"), ==, 0);
  g_assert_cmpuint (n_resources (service), ==, 6);

  /* The abandoned calls do not run when the owners iterate. */
  owner_call (a, iterate_func, NULL);
  owner_call (b, iterate_func, NULL);
  g_assert_cmpuint (log_count (log, "owned"), ==, 0);

  owner_call (a, owned_cleanup_func, &sa);
  owner_call (b, owned_cleanup_func, &sb);
  g_assert_cmpuint (log_count_on (log, "owned", a->thread), ==, 3);
  g_assert_cmpuint (log_count_on (log, "owned", b->thread), ==, 3);
  g_assert_cmpuint (log_count (log, "owned"), ==, 6);

  owner_call (a, owned_drop_func, &sa);
  owner_call (b, owned_drop_func, &sb);
  owner_free (a);
  owner_free (b);
  drain (NULL);
  g_assert_cmpuint (n_resources (service), ==, 0);
  log_free (log);
  watchdog_stop ();
}

/* A cleanup on an owner thread that synchronously cleans a component of
 * the main thread, while the main thread waits for it: the main thread's
 * call ends at its deadline with the running cleanup as an overrun; the
 * nested call, with a later deadline, is run by the main thread when it
 * iterates again; the overrun's outcome arrives as a late report. */
typedef struct
{
  ResmgrService *service;
  Log           *log;
  OcComponent   *theirs;   /* owned by the owner thread */
  OcComponent   *mine;     /* owned by the main thread */
  GError        *nested_error;
  gboolean       nested_report;
  guint64        before[2];
  guint64        nested;
  guint64        after[2];
} Nested;

static gboolean
nested_cleanup (gpointer   resource,
                gpointer   user_data,
                GError   **error)
{
  Nested *n = user_data;
  ResmgrCleanupReport *report;

  log_add (n->log, "nested");
  /* The main thread waits for us (until its own deadline, 1 s): ours is
   * much later, so the main thread gets to run it once it stopped waiting
   * (a wait that started keeps its deadline). */
  resmgr_manager_set_wait_timeout (RESMGR_MANAGER (n->service), 30000);
  report = resmgr_service_cleanup_component (n->service, G_OBJECT (n->mine), &n->nested_error);
  n->nested_report = report != NULL;
  g_clear_pointer (&report, resmgr_cleanup_report_unref);

  return TRUE;
}

static void
nested_setup_func (Owner    *o,
                   gpointer  data)
{
  Nested *n = data;
  g_autoptr(GError) error = NULL;

  n->theirs = oc_component_new ();
  register_component (n->service, n->theirs, "theirs");
  for (guint i = 0; i < 2; i++)
    n->before[i] = track_item (n->service, n->theirs, 50, 1, n->log, "theirs-behind");
  n->nested = resmgr_service_add_cleanup (n->service, G_OBJECT (n->theirs), "the-nested", 50,
                                          nested_cleanup, n, NULL, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < 2; i++)
    n->after[i] = track_item (n->service, n->theirs, 50, 1, n->log, "theirs-ahead");
}

static void
nested_drop_func (Owner    *o,
                  gpointer  data)
{
  Nested *n = data;

  g_clear_object (&n->theirs);
  drain (o->context);
}

static void
test_cleanup_overrun_nested (void)
{
  g_autoptr(ResmgrManager) manager = resmgr_manager_new ();
  ResmgrService *service = SERVICE (manager);
  g_autoptr(ResmgrCleanupReport) report = NULL;
  g_autoptr(GError) error = NULL;
  Log *log = log_new ();
  Nested n = { service, log };
  ResmgrCleanupReport *late;
  GPtrArray *leftovers;
  ResmgrHandle *overrun;
  gint64 running_us = 0;
  Signals sig;
  Owner *owner;

  g_test_summary ("cleanup_component from the main thread of a component of an owner "
                  "thread (iterating) whose cleanup synchronously cleans a component of "
                  "the main thread: no deadlock; the main thread's call returns at its "
                  "deadline with a timed-out report naming the running cleanup as the "
                  "overrun, the ones behind it as leftovers (still tracked); when the "
                  "main thread iterates it runs the nested cleanup (its owner), the "
                  "nested call succeeds, and a '<component> (late)' report records the "
                  "overrun's completion, both reports on the main thread");
  watchdog_start ("cleanup/overrun-nested", 60);

  signals_connect (&sig, manager, log);
  resmgr_manager_set_wait_timeout (manager, 1000);

  n.mine = oc_component_new ();
  register_component (service, n.mine, "mine");
  track_item (service, n.mine, RESMGR_PRIORITY_DEFAULT, 1, log, "mine");

  owner = owner_new ("nested-owner");
  owner_call (owner, nested_setup_func, &n);
  owner_run_loop (owner);

  report = resmgr_service_cleanup_component (service, G_OBJECT (n.theirs), &error);
  g_assert_no_error (error);
  g_assert_nonnull (report);
  g_assert_cmpstr (resmgr_cleanup_report_get_scope (report), ==, "theirs");
  g_assert_true (resmgr_cleanup_report_get_timed_out (report));
  g_assert_cmpuint (resmgr_cleanup_report_get_released (report), ==, 2);
  g_assert_cmpuint (log_count_on (log, "theirs-ahead", owner->thread), ==, 2);

  g_assert_cmpuint (resmgr_cleanup_report_get_n_overruns (report), ==, 1);
  overrun = resmgr_cleanup_report_get_overrun (report, 0, &running_us);
  g_assert_cmpuint (resmgr_handle_get_id (overrun), ==, n.nested);
  g_assert_cmpstr (resmgr_handle_get_name (overrun), ==, "the-nested");
  g_assert_cmpstr (resmgr_handle_get_component_id (overrun), ==, "theirs");
  g_assert_cmpint (running_us, >, 0);

  leftovers = resmgr_cleanup_report_get_leftovers (report);
  g_assert_cmpuint (leftovers->len, ==, 2);
  for (guint i = 0; i < leftovers->len; i++)
    {
      guint64 id = resmgr_handle_get_id (g_ptr_array_index (leftovers, i));

      g_assert_true (id == n.before[0] || id == n.before[1]);
      g_assert_nonnull (resmgr_cleanup_report_get_leftover_reason (report, i));
      g_assert_true (is_tracked (service, id));
    }

  /* The main thread iterates: it runs the nested cleanup of "mine" (its
   * own component), the nested call returns, the overrun ends late. */
  iterate_until_logged (NULL, log, "sig:cleanup-finished", 3);
  drain (NULL);
  g_assert_cmpuint (log_count_on (log, "mine", main_thread), ==, 1);
  g_assert_cmpuint (log_count (log, "mine"), ==, 1);
  g_assert_no_error (n.nested_error);
  g_assert_true (n.nested_report);

  g_assert_cmpuint (sig.reports->len, ==, 3);
  g_assert_true (g_ptr_array_index (sig.reports, 0) == report);
  g_assert_cmpstr (resmgr_cleanup_report_get_scope (g_ptr_array_index (sig.reports, 1)), ==, "mine");
  g_assert_cmpuint (resmgr_cleanup_report_get_released (g_ptr_array_index (sig.reports, 1)), ==, 1);
  late = g_ptr_array_index (sig.reports, 2);
  g_assert_cmpstr (resmgr_cleanup_report_get_scope (late), ==, "theirs (late)");
  g_assert_cmpuint (resmgr_cleanup_report_get_released (late), ==, 1);
  g_assert_cmpuint (resmgr_cleanup_report_get_leftovers (late)->len, ==, 0);
  for (guint i = 0; i < sig.report_threads->len; i++)
    g_assert_true (g_ptr_array_index (sig.report_threads, i) == main_thread);

  /* What was given back at the deadline is still tracked, not run late. */
  g_assert_cmpuint (log_count (log, "theirs-behind"), ==, 0);
  g_assert_true (is_tracked (service, n.before[0]));
  g_assert_true (is_tracked (service, n.before[1]));
  g_assert_cmpuint (log_count (log, "nested"), ==, 1);

  owner_quit_loop (owner);
  owner_call (owner, nested_drop_func, &n);
  g_assert_cmpuint (log_count_on (log, "theirs-behind", owner->thread), ==, 2);
  owner_free (owner);

  g_object_unref (n.mine);
  drain (NULL);
  g_assert_cmpuint (log_count (log, "mine"), ==, 1);
  g_assert_cmpuint (n_resources (service), ==, 0);
  g_assert_cmpuint (log_count_off (log, "sig:", main_thread), ==, 0);

  signals_disconnect (&sig, manager);
  log_free (log);
  watchdog_stop ();
}

/* The async forms with a cancellable, for an owner that is blocked: the
 * documentation says cancelling stops the wait. The wait-timeout (or the
 * shutdown's) is an hour away; if the callback has not come when the
 * grace source fires, the library did not stop the wait: the test is
 * marked incomplete and ends by letting the owner iterate. The grace
 * period only tells the two outcomes apart, no duration is asserted. */
#define CANCEL_GRACE_S 3

typedef struct
{
  GMainLoop           *loop;
  ResmgrCleanupReport *report;
  GError              *error;
  GThread             *thread;
  gboolean             done;
  gboolean             gave_up;
} CancelResult;

static void
cancel_cleanup_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      data)
{
  CancelResult *r = data;

  r->thread = g_thread_self ();
  r->done = TRUE;
  r->report = resmgr_service_cleanup_component_finish (RESMGR_SERVICE (source), result, &r->error);
  g_main_loop_quit (r->loop);
}

static void
cancel_shutdown_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      data)
{
  CancelResult *r = data;

  r->thread = g_thread_self ();
  r->done = TRUE;
  r->report = resmgr_service_shutdown_finish (RESMGR_SERVICE (source), result, &r->error);
  g_main_loop_quit (r->loop);
}

static gboolean
cancel_grace_cb (gpointer data)
{
  CancelResult *r = data;

  r->gave_up = TRUE;
  g_main_loop_quit (r->loop);

  return G_SOURCE_REMOVE;
}

/* Runs the loop until the callback came or the grace period passed;
 * returns TRUE if the callback came. */
static gboolean
run_until_cancelled (CancelResult *r)
{
  guint grace = g_timeout_add_seconds (CANCEL_GRACE_S, cancel_grace_cb, r);

  g_main_loop_run (r->loop);
  if (!r->gave_up)
    g_source_remove (grace);

  return r->done;
}

static void
test_stuck_owner_cleanup_async_cancelled (void)
{
  g_autoptr(ResmgrManager) manager = resmgr_manager_new ();
  ResmgrService *service = SERVICE (manager);
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  Log *log = log_new ();
  OwnedSetup s = { service, log, NULL, { 0 }, "stuck-owner-cancelled" };
  CancelResult r = { loop };
  Owner *owner;

  g_test_summary ("cleanup_component_async of a component whose owner is blocked, with "
                  "the wait-timeout an hour away, then the cancellable is cancelled: "
                  "'cancelling it only stops the wait' (gi-docgen) means the callback "
                  "runs on the caller's thread with G_IO_ERROR_CANCELLED without waiting "
                  "for the owner; nothing was cleaned; each resource is cleaned once by "
                  "the owner later");
  watchdog_start ("stuck-owner/cleanup-async-cancelled", 60);

  resmgr_manager_set_wait_timeout (manager, 3600 * 1000);
  owner = owner_new ("stuck-owner");
  owner_call (owner, owned_setup_func, &s);

  resmgr_service_cleanup_component_async (service, G_OBJECT (s.comp), cancellable,
                                          cancel_cleanup_cb, &r);
  g_cancellable_cancel (cancellable);

  /* Cancelling only stops the wait: the callback comes at once. */
  g_assert_true (run_until_cancelled (&r));
  g_assert_true (r.thread == main_thread);
  g_assert_null (r.report);
  g_assert_error (r.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&r.error);
  g_assert_cmpuint (log_count (log, "owned"), ==, 0);
  assert_still_tracked (service, &s);
  /* The cancelled request was abandoned: it does not run when the owner
   * iterates; the owner's own cleanup cleans each resource once. */
  owner_call (owner, iterate_func, NULL);
  g_assert_cmpuint (log_count (log, "owned"), ==, 0);
  owner_call (owner, owned_cleanup_func, &s);
  g_assert_cmpuint (log_count_on (log, "owned", owner->thread), ==, 3);
  g_assert_cmpuint (log_count (log, "owned"), ==, 3);

  owner_call (owner, owned_drop_func, &s);
  owner_free (owner);
  drain (NULL);
  g_assert_cmpuint (n_resources (service), ==, 0);
  log_free (log);
  watchdog_stop ();
}

static void
test_stuck_owner_shutdown_async_cancelled (void)
{
  g_autoptr(ResmgrManager) manager = resmgr_manager_new ();
  ResmgrService *service = SERVICE (manager);
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  Log *log = log_new ();
  OwnedSetup s = { service, log, NULL, { 0 }, "stuck-owner-shutdown-cancelled" };
  CancelResult r = { loop };
  Owner *owner;

  g_test_summary ("shutdown_async with a component whose owner is blocked, deadline an "
                  "hour away, then the cancellable is cancelled: 'cancelling it only "
                  "stops the wait, not the shutdown' (gi-docgen) means the callback runs "
                  "on the caller's thread with G_IO_ERROR_CANCELLED without waiting for "
                  "the owner; nothing of the stuck owner was cleaned");
  watchdog_start ("stuck-owner/shutdown-async-cancelled", 60);

  owner = owner_new ("stuck-owner");
  owner_call (owner, owned_setup_func, &s);

  resmgr_service_shutdown_async (service, 3600 * 1000, cancellable, cancel_shutdown_cb, &r);
  g_cancellable_cancel (cancellable);

  /* Cancelling only stops the wait: the callback comes at once. */
  g_assert_true (run_until_cancelled (&r));
  g_assert_true (r.thread == main_thread);
  g_assert_null (r.report);
  g_assert_error (r.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&r.error);
  g_assert_cmpuint (log_count (log, "owned"), ==, 0);
  /* The shutdown goes on: the owner cleans its batch when it iterates,
   * each resource exactly once, on the owner. */
  owner_call (owner, iterate_func, NULL);
  g_assert_cmpuint (log_count_on (log, "owned", owner->thread), ==, 3);
  g_assert_cmpuint (log_count (log, "owned"), ==, 3);

  owner_call (owner, owned_drop_func, &s);
  owner_free (owner);
  drain (NULL);
  g_assert_cmpuint (n_resources (service), ==, 0);
  log_free (log);
  watchdog_stop ();
}

/* }}} */

/* 4. A cleanup that overruns the shutdown deadline {{{ */

enum {
  OVERRUN_ENTERED = 1 << 0,
  OVERRUN_GO      = 1 << 1,
};

typedef struct
{
  ResmgrService *service;
  Log           *log;
  Sync           sync;
  OcComponent   *comp;
  guint64        before[2]; /* tracked first: cleaned after the blocker */
  guint64        blocker;
  guint64        after[2];  /* tracked last: cleaned before the blocker */
} Overrun;

static gboolean
blocking_cleanup (gpointer   resource,
                  gpointer   user_data,
                  GError   **error)
{
  Overrun *o = user_data;

  sync_set (&o->sync, OVERRUN_ENTERED);
  sync_wait_any (&o->sync, OVERRUN_GO);
  log_add (o->log, "blocker");

  return TRUE;
}

static void
overrun_setup_func (Owner    *owner,
                    gpointer  data)
{
  Overrun *o = data;
  g_autoptr(GError) error = NULL;

  o->comp = oc_component_new ();
  register_component (o->service, o->comp, "overrun-comp");
  /* One priority, one owner: one batch, run newest first. */
  for (guint i = 0; i < 2; i++)
    o->before[i] = track_item (o->service, o->comp, 50, 1, o->log, "behind");
  o->blocker = resmgr_service_add_cleanup (o->service, G_OBJECT (o->comp), "the-blocker", 50,
                                           blocking_cleanup, o, NULL, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < 2; i++)
    o->after[i] = track_item (o->service, o->comp, 50, 1, o->log, "ahead");
}

static void
overrun_drop_func (Owner    *owner,
                   gpointer  data)
{
  Overrun *o = data;

  g_clear_object (&o->comp);
  drain (owner->context);
}

static void
test_shutdown_overrun (void)
{
  g_autoptr(ResmgrManager) manager = resmgr_manager_new ();
  ResmgrService *service = SERVICE (manager);
  g_autoptr(ResmgrCleanupReport) report = NULL;
  g_autoptr(GError) error = NULL;
  Log *log = log_new ();
  Overrun o = { service, log };
  ResmgrCleanupReport *late;
  GPtrArray *leftovers;
  ResmgrHandle *overrun;
  gint64 running_us = 0;
  Signals sig;
  Owner *owner;

  g_test_summary ("Issue 9 item 5: a cleanup on another owner thread blocks past the "
                  "shutdown deadline: the report is timed out and names exactly one "
                  "overrun (that resource, its component, running_us > 0); the two "
                  "cleanups of the batch that ran before it are released, the two behind "
                  "it are leftovers with a reason and stay tracked; once it returns a "
                  "'shutdown (late)' report arrives through cleanup-finished on the main "
                  "thread; every resource is accounted for exactly once");
  watchdog_start ("shutdown/overrun", 60);

  sync_init (&o.sync);
  signals_connect (&sig, manager, log);
  owner = owner_new ("overrun-owner");
  owner_call (owner, overrun_setup_func, &o);
  owner_run_loop (owner);

  /* The deadline is long enough for the owner (iterating) to start the
   * batch; the blocker then holds it past the deadline. */
  report = resmgr_service_shutdown (service, 1000, &error);
  g_assert_no_error (error);
  g_assert_nonnull (report);
  g_assert_true (sync_is_set (&o.sync, OVERRUN_ENTERED));

  g_assert_true (resmgr_cleanup_report_get_timed_out (report));
  g_assert_cmpuint (resmgr_cleanup_report_get_released (report), ==, 2);
  g_assert_cmpuint (resmgr_cleanup_report_get_failed (report), ==, 0);
  g_assert_cmpuint (resmgr_cleanup_report_get_lost (report), ==, 0);
  g_assert_cmpuint (log_count_on (log, "ahead", owner->thread), ==, 2);
  g_assert_cmpuint (log_count (log, "behind"), ==, 0);

  g_assert_cmpuint (resmgr_cleanup_report_get_n_overruns (report), ==, 1);
  overrun = resmgr_cleanup_report_get_overrun (report, 0, &running_us);
  g_assert_nonnull (overrun);
  g_assert_cmpuint (resmgr_handle_get_id (overrun), ==, o.blocker);
  g_assert_cmpstr (resmgr_handle_get_name (overrun), ==, "the-blocker");
  g_assert_cmpstr (resmgr_handle_get_component_id (overrun), ==, "overrun-comp");
  g_assert_cmpint (running_us, >, 0);

  leftovers = resmgr_cleanup_report_get_leftovers (report);
  g_assert_cmpuint (leftovers->len, ==, 2);
  for (guint i = 0; i < leftovers->len; i++)
    {
      ResmgrHandle *handle = g_ptr_array_index (leftovers, i);
      guint64 id = resmgr_handle_get_id (handle);

      g_assert_true (id == o.before[0] || id == o.before[1]);
      g_assert_nonnull (resmgr_cleanup_report_get_leftover_reason (report, i));
      g_assert_true (is_tracked (service, id));
    }
  g_assert_cmpuint (resmgr_handle_get_id (g_ptr_array_index (leftovers, 0)), !=,
                    resmgr_handle_get_id (g_ptr_array_index (leftovers, 1)));

  /* Accounted once: released + overrun + leftovers = tracked. */
  g_assert_cmpuint (resmgr_cleanup_report_get_released (report) +
                    resmgr_cleanup_report_get_failed (report) +
                    resmgr_cleanup_report_get_lost (report) +
                    resmgr_cleanup_report_get_n_overruns (report) +
                    leftovers->len, ==, 5);

  /* The shutdown report itself, on the main thread. */
  g_assert_cmpuint (sig.reports->len, ==, 1);
  g_assert_true (sig.reports->pdata[0] == report);

  /* The blocker returns now: its outcome is late. */
  sync_set (&o.sync, OVERRUN_GO);
  iterate_until_logged (NULL, log, "sig:cleanup-finished", 2);
  g_assert_cmpuint (sig.reports->len, ==, 2);
  g_assert_true (g_ptr_array_index (sig.report_threads, 1) == main_thread);
  late = g_ptr_array_index (sig.reports, 1);
  g_assert_cmpstr (resmgr_cleanup_report_get_scope (late), ==, "shutdown (late)");
  g_assert_cmpuint (resmgr_cleanup_report_get_released (late), ==, 1);
  g_assert_cmpuint (resmgr_cleanup_report_get_failed (late), ==, 0);
  g_assert_cmpuint (resmgr_cleanup_report_get_leftovers (late)->len, ==, 0);
  g_assert_cmpuint (log_count_on (log, "blocker", owner->thread), ==, 1);
  g_assert_false (is_tracked (service, o.blocker));

  /* What was given back is still tracked, and nothing ran it late. */
  g_assert_cmpuint (log_count (log, "behind"), ==, 0);
  g_assert_true (is_tracked (service, o.before[0]));
  g_assert_true (is_tracked (service, o.before[1]));
  g_assert_cmpuint (n_resources (service), ==, 2);

  /* Its owner lets the component go: the leftovers are cleaned there, once. */
  owner_quit_loop (owner);
  owner_call (owner, overrun_drop_func, &o);
  g_assert_cmpuint (log_count_on (log, "behind", owner->thread), ==, 2);
  g_assert_cmpuint (log_count (log, "ahead"), ==, 2);
  g_assert_cmpuint (log_count (log, "blocker"), ==, 1);
  g_assert_cmpuint (n_resources (service), ==, 0);
  drain (NULL);
  g_assert_cmpuint (log_count_off (log, "sig:", main_thread), ==, 0);

  owner_free (owner);
  signals_disconnect (&sig, manager);
  sync_clear (&o.sync);
  log_free (log);
  watchdog_stop ();
}

/* }}} */

/* 5. No false leftovers when a cleanup disposes another component {{{ */

typedef struct
{
  Log         *log;
  OcComponent *victim;
} Disposer;

static gboolean
dispose_victim_cleanup (gpointer   resource,
                        gpointer   user_data,
                        GError   **error)
{
  Disposer *d = user_data;

  log_add (d->log, "disposer");
  /* Its last reference: its disposal starts here, inside the shutdown. */
  g_clear_object (&d->victim);

  return TRUE;
}

static void
test_shutdown_no_false_leftovers (void)
{
  g_autoptr(ResmgrManager) manager = resmgr_manager_new ();
  ResmgrService *service = SERVICE (manager);
  g_autoptr(ResmgrCleanupReport) report = NULL;
  g_autoptr(GError) error = NULL;
  Log *log = log_new ();
  Disposer d = { log, NULL };
  OcComponent *disposer;
  Signals sig;
  g_autofree char *victim_id = NULL;
  gboolean saw_victim_report = FALSE;

  g_test_summary ("Issue 9 item 6: a cleanup run by the shutdown drops the last "
                  "reference of another component; that component's disposal lists no "
                  "leftovers (the shutdown is cleaning them): it cleaned nothing itself, "
                  "so it emits no cleanup-finished report of its own; no report has "
                  "leftovers, the shutdown report is clean and each resource is cleaned "
                  "exactly once");
  watchdog_start ("shutdown/no-false-leftovers", 60);

  signals_connect (&sig, manager, log);

  disposer = oc_component_new ();
  register_component (service, disposer, "disposer");
  resmgr_service_add_cleanup (service, G_OBJECT (disposer), "dispose-victim", 500,
                              dispose_victim_cleanup, &d, NULL, &error);
  g_assert_no_error (error);

  d.victim = oc_component_new ();
  register_component (service, d.victim, "victim");
  victim_id = g_strdup ("victim");
  for (guint i = 0; i < 3; i++)
    track_item (service, d.victim, 20, 1, log, "victim");

  report = resmgr_service_shutdown (service, 5000, &error);
  g_assert_no_error (error);
  g_assert_nonnull (report);
  drain (NULL);

  g_assert_null (d.victim);
  g_assert_cmpuint (log_count (log, "disposer"), ==, 1);
  g_assert_cmpuint (log_count_on (log, "victim", main_thread), ==, 3);
  g_assert_cmpuint (log_count (log, "victim"), ==, 3);

  g_assert_false (resmgr_cleanup_report_get_timed_out (report));
  g_assert_cmpuint (resmgr_cleanup_report_get_released (report), ==, 4);
  g_assert_cmpuint (resmgr_cleanup_report_get_leftovers (report)->len, ==, 0);
  g_assert_cmpuint (resmgr_cleanup_report_get_n_overruns (report), ==, 0);
  g_assert_true (resmgr_cleanup_report_is_clean (report));

  for (guint i = 0; i < sig.reports->len; i++)
    {
      ResmgrCleanupReport *r = g_ptr_array_index (sig.reports, i);

      g_assert_cmpuint (resmgr_cleanup_report_get_leftovers (r)->len, ==, 0);
      g_assert_true (resmgr_cleanup_report_is_clean (r));
      if (g_strcmp0 (resmgr_cleanup_report_get_scope (r), victim_id) == 0)
        saw_victim_report = TRUE;
    }
  /* Its disposal found all of it claimed by the shutdown: an empty
   * report, not emitted (a false leftover would have made it non-empty,
   * emitted, and failed the loop above). */
  g_assert_false (saw_victim_report);
  g_assert_cmpuint (n_resources (service), ==, 0);
  g_assert_cmpuint (log_count_off (log, "sig:", main_thread), ==, 0);

  g_object_unref (disposer);
  drain (NULL);
  signals_disconnect (&sig, manager);
  log_free (log);
  watchdog_stop ();
}

/* }}} */

/* 6. Ids are unique in the process {{{ */

static void
test_ids_foreign_manager (void)
{
  g_autoptr(ResmgrManager) m1 = resmgr_manager_new ();
  g_autoptr(ResmgrManager) m2 = resmgr_manager_new ();
  g_autoptr(GError) error = NULL;
  Log *log = log_new ();
  OcComponent *c1 = oc_component_new ();
  OcComponent *c2 = oc_component_new ();
  guint64 ids1[4], ids2[4];

  g_test_summary ("Issue 9 item 7: two managers issue different ids; releasing (or "
                  "looking up, or setting metadata on) one manager's id on the other "
                  "fails with NOT_FOUND and touches none of its resources");

  register_component (SERVICE (m1), c1, "same-id");
  register_component (SERVICE (m2), c2, "same-id");
  for (guint i = 0; i < G_N_ELEMENTS (ids1); i++)
    {
      ids1[i] = track_item (SERVICE (m1), c1, RESMGR_PRIORITY_DEFAULT, 1, log, "m1");
      ids2[i] = track_item (SERVICE (m2), c2, RESMGR_PRIORITY_DEFAULT, 1, log, "m2");
    }

  for (guint i = 0; i < G_N_ELEMENTS (ids1); i++)
    for (guint j = 0; j < G_N_ELEMENTS (ids2); j++)
      g_assert_cmpuint (ids1[i], !=, ids2[j]);

  for (guint i = 0; i < G_N_ELEMENTS (ids1); i++)
    {
      g_autoptr(ResmgrHandle) handle = NULL;

      g_assert_false (resmgr_service_release (SERVICE (m2), ids1[i], &error));
      g_assert_error (error, RESMGR_ERROR, RESMGR_ERROR_NOT_FOUND);
      g_clear_error (&error);
      g_assert_false (resmgr_service_release (SERVICE (m1), ids2[i], &error));
      g_assert_error (error, RESMGR_ERROR, RESMGR_ERROR_NOT_FOUND);
      g_clear_error (&error);

      handle = resmgr_service_lookup (SERVICE (m2), ids1[i], &error);
      g_assert_null (handle);
      g_assert_error (error, RESMGR_ERROR, RESMGR_ERROR_NOT_FOUND);
      g_clear_error (&error);

      g_assert_false (resmgr_service_set_metadata (SERVICE (m2), ids1[i],
                                                   g_variant_new ("a{sv}", NULL), &error));
      g_assert_error (error, RESMGR_ERROR, RESMGR_ERROR_NOT_FOUND);
      g_clear_error (&error);
    }

  g_assert_cmpuint (log_count (log, NULL), ==, 0);
  g_assert_cmpuint (n_resources (SERVICE (m1)), ==, 4);
  g_assert_cmpuint (n_resources (SERVICE (m2)), ==, 4);
  for (guint i = 0; i < G_N_ELEMENTS (ids1); i++)
    {
      g_assert_true (is_tracked (SERVICE (m1), ids1[i]));
      g_assert_true (is_tracked (SERVICE (m2), ids2[i]));
    }

  /* Each manager releases its own. */
  g_assert_true (resmgr_service_release (SERVICE (m2), ids2[0], &error));
  g_assert_no_error (error);
  g_assert_cmpuint (log_count (log, "m2"), ==, 1);
  g_assert_cmpuint (log_count (log, "m1"), ==, 0);

  g_object_unref (c1);
  g_object_unref (c2);
  drain (NULL);
  g_assert_cmpuint (log_count (log, "m1"), ==, 4);
  g_assert_cmpuint (log_count (log, "m2"), ==, 4);
  log_free (log);
}

/* }}} */

/* 7. Sizes above G_MAXSSIZE are refused {{{ */

static void
count_user_data_destroy (gpointer data)
{
  g_atomic_int_inc ((int *) data);
}

static void
test_sizes_oversize (void)
{
  g_autoptr(ResmgrManager) manager = resmgr_manager_new ();
  ResmgrService *service = SERVICE (manager);
  Log *log = log_new ();
  OcComponent *comp = oc_component_new ();
  GObject *watched = g_object_new (G_TYPE_OBJECT, NULL);
  const gsize bad[] = { (gsize) -1, (gsize) G_MAXSSIZE + 1 };
  int n_user_data_destroyed = 0;
  guint64 id;

  g_test_summary ("Issue 9 item 8: track_data, track_object and track_resource with a "
                  "size of (gsize) -1 or G_MAXSSIZE + 1 fail with INVALID_ARGUMENT and "
                  "take nothing (no destroy notify, stats unchanged); G_MAXSSIZE is "
                  "accepted and counted as such");

  register_component (service, comp, "sizes");
  track_item (service, comp, RESMGR_PRIORITY_DEFAULT, 7, log, "small");

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      Item *item;

      item = item_new (log, "refused");
      id = resmgr_service_track_data (service, G_OBJECT (comp), RESMGR_RESOURCE_TYPE_MEMORY,
                                      "big", bad[i], RESMGR_PRIORITY_DEFAULT, item,
                                      item_destroy, &error);
      g_assert_cmpuint (id, ==, 0);
      g_assert_error (error, RESMGR_ERROR, RESMGR_ERROR_INVALID_ARGUMENT);
      g_clear_error (&error);
      item_free (item);

      id = resmgr_service_track_object (service, G_OBJECT (comp), RESMGR_RESOURCE_TYPE_CUSTOM,
                                        "big", bad[i], RESMGR_PRIORITY_DEFAULT, watched, NULL,
                                        &n_user_data_destroyed, count_user_data_destroy, &error);
      g_assert_cmpuint (id, ==, 0);
      g_assert_error (error, RESMGR_ERROR, RESMGR_ERROR_INVALID_ARGUMENT);
      g_clear_error (&error);

      item = item_new (log, "refused");
      id = resmgr_service_track_resource (service, G_OBJECT (comp), RESMGR_RESOURCE_TYPE_FILE,
                                          "big", bad[i], RESMGR_PRIORITY_DEFAULT, item,
                                          item_resource_cleanup, &n_user_data_destroyed,
                                          count_user_data_destroy, &error);
      g_assert_cmpuint (id, ==, 0);
      g_assert_error (error, RESMGR_ERROR, RESMGR_ERROR_INVALID_ARGUMENT);
      g_clear_error (&error);
      item_free (item);
    }

  g_assert_cmpuint (log_count (log, NULL), ==, 0);
  g_assert_cmpint (n_user_data_destroyed, ==, 0);
  g_assert_cmpuint (n_resources (service), ==, 1);
  g_assert_cmpuint (total_bytes (service), ==, 7);

  /* G_MAXSSIZE is fine, for each form (one at a time: totals are 64 bits). */
  {
    g_autoptr(GError) error = NULL;

    id = resmgr_service_track_data (service, G_OBJECT (comp), RESMGR_RESOURCE_TYPE_MEMORY,
                                    "max", G_MAXSSIZE, RESMGR_PRIORITY_DEFAULT,
                                    item_new (log, "max-data"), item_destroy, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (id, !=, 0);
    g_assert_cmpuint (total_bytes (service), ==, (guint64) G_MAXSSIZE + 7);
    g_assert_true (resmgr_service_release (service, id, &error));
    g_assert_cmpuint (log_count (log, "max-data"), ==, 1);

    id = resmgr_service_track_object (service, G_OBJECT (comp), RESMGR_RESOURCE_TYPE_CUSTOM,
                                      "max", G_MAXSSIZE, RESMGR_PRIORITY_DEFAULT, watched, NULL,
                                      &n_user_data_destroyed, count_user_data_destroy, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (id, !=, 0);
    g_assert_cmpuint (total_bytes (service), ==, (guint64) G_MAXSSIZE + 7);
    g_assert_true (resmgr_service_release (service, id, &error));
    g_assert_cmpint (n_user_data_destroyed, ==, 1);

    id = resmgr_service_track_resource (service, G_OBJECT (comp), RESMGR_RESOURCE_TYPE_FILE,
                                        "max", G_MAXSSIZE, RESMGR_PRIORITY_DEFAULT,
                                        item_new (log, "max-resource"), item_resource_cleanup,
                                        &n_user_data_destroyed, count_user_data_destroy, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (id, !=, 0);
    g_assert_cmpuint (total_bytes (service), ==, (guint64) G_MAXSSIZE + 7);
    g_assert_true (resmgr_service_release (service, id, &error));
    g_assert_cmpuint (log_count (log, "max-resource"), ==, 1);
    g_assert_cmpint (n_user_data_destroyed, ==, 2);
  }

  g_assert_cmpuint (n_resources (service), ==, 1);
  g_assert_cmpuint (total_bytes (service), ==, 7);
  g_assert_cmpuint (log_count (log, "refused"), ==, 0);

  g_object_unref (comp);
  g_object_unref (watched);
  drain (NULL);
  g_assert_cmpuint (log_count (log, "small"), ==, 1);
  log_free (log);
}

/* }}} */

/* 8. set_metadata on an unknown id does not leak {{{ */

static void
test_metadata_not_found (void)
{
  g_autoptr(ResmgrManager) manager = resmgr_manager_new ();
  ResmgrService *service = SERVICE (manager);
  g_autoptr(GError) error = NULL;
  Log *log = log_new ();
  OcComponent *comp = oc_component_new ();
  GVariant *floating, *owned;
  guint64 id, unknown;

  g_test_summary ("set_metadata on an unknown id fails with NOT_FOUND; a floating value "
                  "is sunk and dropped (no leak: checked by LSan), a value the caller "
                  "owns is left to the caller; the known path still attaches metadata");

  register_component (service, comp, "meta");
  id = track_item (service, comp, RESMGR_PRIORITY_DEFAULT, 1, log, "meta");
  g_assert_true (resmgr_service_release (service, id, NULL));
  unknown = id; /* released: unknown now */

  /* A floating value, with one extra reference of ours to observe it. */
  floating = g_variant_ref (g_variant_new ("a{sv}", NULL));
  g_assert_true (g_variant_is_floating (floating));
  g_assert_false (resmgr_service_set_metadata (service, unknown, floating, &error));
  g_assert_error (error, RESMGR_ERROR, RESMGR_ERROR_NOT_FOUND);
  g_clear_error (&error);
  /* It took the floating reference (sank and dropped it); ours remains. */
  g_assert_false (g_variant_is_floating (floating));
  g_variant_unref (floating);

  /* A floating value without any other reference: must not leak. */
  g_assert_false (resmgr_service_set_metadata (service, unknown,
                                               g_variant_new ("a{sv}", NULL), &error));
  g_assert_error (error, RESMGR_ERROR, RESMGR_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* A value we own: still ours after the failure. */
  owned = g_variant_ref_sink (g_variant_new_parsed ("{'k': <1>}"));
  g_assert_false (resmgr_service_set_metadata (service, unknown, owned, &error));
  g_assert_error (error, RESMGR_ERROR, RESMGR_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_cmpstr (g_variant_get_type_string (owned), ==, "a{sv}");

  /* The success path, with the same owned value. */
  id = track_item (service, comp, RESMGR_PRIORITY_DEFAULT, 1, log, "meta");
  g_assert_true (resmgr_service_set_metadata (service, id, owned, &error));
  g_assert_no_error (error);
  {
    g_autoptr(ResmgrHandle) handle = resmgr_service_lookup (service, id, &error);

    g_assert_no_error (error);
    g_assert_true (g_variant_equal (resmgr_handle_get_metadata (handle), owned));
  }
  g_variant_unref (owned);

  g_object_unref (comp);
  drain (NULL);
  g_assert_cmpuint (log_count (log, "meta"), ==, 2);
  log_free (log);
}

/* }}} */

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  main_thread = g_thread_self ();

  g_test_add_func ("/Resmgr/OwnerContext/hang/cleanup-beside-unref", test_hang_cleanup_beside_unref);
  g_test_add_func ("/Resmgr/OwnerContext/hang/shutdown-beside-unref", test_hang_shutdown_beside_unref);
  g_test_add_func ("/Resmgr/OwnerContext/hang/cleanup-beside-signals", test_hang_cleanup_beside_signals);
  g_test_add_func ("/Resmgr/OwnerContext/hang/cleanup-loop", test_hang_cleanup_loop);
  g_test_add_func ("/Resmgr/OwnerContext/foreign-thread/last-unref", test_foreign_last_unref);
  g_test_add_func ("/Resmgr/OwnerContext/foreign-thread/signals-while-joining", test_foreign_signals_while_joining);
  g_test_add_func ("/Resmgr/OwnerContext/foreign-thread/cleanup-async", test_foreign_cleanup_async);
  g_test_add_func ("/Resmgr/OwnerContext/stuck-owner/cleanup", test_stuck_owner_cleanup);
  g_test_add_func ("/Resmgr/OwnerContext/stuck-owner/cleanup-async", test_stuck_owner_cleanup_async);
  g_test_add_func ("/Resmgr/OwnerContext/stuck-owner/cleanup-async-cancelled", test_stuck_owner_cleanup_async_cancelled);
  g_test_add_func ("/Resmgr/OwnerContext/stuck-owner/shutdown", test_stuck_owner_shutdown);
  g_test_add_func ("/Resmgr/OwnerContext/stuck-owner/shutdown-async-cancelled", test_stuck_owner_shutdown_async_cancelled);
  g_test_add_func ("/Resmgr/OwnerContext/stuck-owner/cross-cleanup", test_stuck_owner_cross_cleanup);
  g_test_add_func ("/Resmgr/OwnerContext/stuck-owner/main-joins-shutdown", test_stuck_main_shutdown_from_worker);
  g_test_add_func ("/Resmgr/OwnerContext/cleanup/overrun-nested", test_cleanup_overrun_nested);
  g_test_add_func ("/Resmgr/OwnerContext/shutdown/overrun", test_shutdown_overrun);
  g_test_add_func ("/Resmgr/OwnerContext/shutdown/no-false-leftovers", test_shutdown_no_false_leftovers);
  g_test_add_func ("/Resmgr/OwnerContext/ids/foreign-manager", test_ids_foreign_manager);
  g_test_add_func ("/Resmgr/OwnerContext/sizes/oversize", test_sizes_oversize);
  g_test_add_func ("/Resmgr/OwnerContext/metadata/not-found", test_metadata_not_found);

  return g_test_run ();
}
