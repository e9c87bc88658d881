/* handoff-selftest.c: one correctly synchronised hand-off per GLib
 * primitive that glib-tsan-shim.c models
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Usage: handoff-selftest SCENARIO | --list
 *
 * In each scenario a thread writes a plain variable, hands it over through
 * one GLib primitive the way GLib documents it, and another thread reads
 * it. tests/tsan/run.sh runs every scenario twice: under the shim it must
 * give no report (the annotation is sufficient), without the shim it is
 * expected to give one (the annotation is needed; GLib's own
 * synchronisation is invisible to ThreadSanitizer). Real-time order is
 * forced with relaxed atomics, which create no happens-before edge.
 */

#include <gio/gio.h>
#include <string.h>

static int payload;
static int flag;

static void
flag_set (int *f)
{
  __atomic_store_n (f, 1, __ATOMIC_RELAXED);
}

static void
flag_wait (int *f)
{
  while (!__atomic_load_n (f, __ATOMIC_RELAXED))
    g_thread_yield ();
}

/* GMutex */
static GMutex mutex;

static gpointer
mutex_writer (gpointer data)
{
  g_mutex_lock (&mutex);
  payload = 1;
  g_mutex_unlock (&mutex);
  flag_set (&flag);
  return NULL;
}

static void
scenario_mutex (void)
{
  GThread *t = g_thread_new ("w", mutex_writer, NULL);

  flag_wait (&flag);
  g_mutex_lock (&mutex);
  g_assert_cmpint (payload, ==, 1);
  g_mutex_unlock (&mutex);
  g_thread_join (t);
}

/* GRecMutex, taken recursively */
static GRecMutex rec_mutex;

static gpointer
rec_mutex_writer (gpointer data)
{
  g_rec_mutex_lock (&rec_mutex);
  g_rec_mutex_lock (&rec_mutex);
  payload = 1;
  g_rec_mutex_unlock (&rec_mutex);
  g_rec_mutex_unlock (&rec_mutex);
  flag_set (&flag);
  return NULL;
}

static void
scenario_rec_mutex (void)
{
  GThread *t = g_thread_new ("w", rec_mutex_writer, NULL);

  flag_wait (&flag);
  g_rec_mutex_lock (&rec_mutex);
  g_assert_cmpint (payload, ==, 1);
  g_rec_mutex_unlock (&rec_mutex);
  g_thread_join (t);
}

/* GRWLock: writer then reader */
static GRWLock rw_lock;

static gpointer
rw_lock_writer (gpointer data)
{
  g_rw_lock_writer_lock (&rw_lock);
  payload = 1;
  g_rw_lock_writer_unlock (&rw_lock);
  flag_set (&flag);
  return NULL;
}

static void
scenario_rw_lock (void)
{
  GThread *t = g_thread_new ("w", rw_lock_writer, NULL);

  flag_wait (&flag);
  g_rw_lock_reader_lock (&rw_lock);
  g_assert_cmpint (payload, ==, 1);
  g_rw_lock_reader_unlock (&rw_lock);
  g_thread_join (t);
}

/* GCond: the waiter reads what the signaller wrote before signalling */
static GCond cond;
static gboolean cond_done;

static gpointer
cond_signaller (gpointer data)
{
  payload = 1;
  g_mutex_lock (&mutex);
  cond_done = TRUE;
  g_cond_signal (&cond);
  g_mutex_unlock (&mutex);
  return NULL;
}

static void
scenario_cond (void)
{
  GThread *t = g_thread_new ("w", cond_signaller, NULL);

  g_mutex_lock (&mutex);
  while (!cond_done)
    g_cond_wait (&cond, &mutex);
  g_mutex_unlock (&mutex);
  g_assert_cmpint (payload, ==, 1);
  g_thread_join (t);
}

/* g_once_init_enter / leave: the fast path of a second thread */
static gsize once_value;

static gpointer
once_initializer (gpointer data)
{
  if (g_once_init_enter (&once_value))
    {
      payload = 1;
      g_once_init_leave (&once_value, 1);
    }
  flag_set (&flag);
  return NULL;
}

static void
scenario_once (void)
{
  GThread *t = g_thread_new ("w", once_initializer, NULL);

  flag_wait (&flag);
  if (g_once_init_enter (&once_value))
    g_assert_not_reached ();
  g_assert_cmpint (payload, ==, 1);
  g_thread_join (t);
}

/* g_atomic_ref_count_dec: the last owner frees */
typedef struct
{
  gatomicrefcount ref_count;
  int             value;
} Counted;

static gpointer
ref_count_owner (gpointer data)
{
  Counted *c = data;

  c->value = 1;
  g_assert_false (g_atomic_ref_count_dec (&c->ref_count));
  flag_set (&flag);
  return NULL;
}

static void
scenario_ref_count (void)
{
  Counted *c = g_new0 (Counted, 1);
  GThread *t;

  g_atomic_ref_count_init (&c->ref_count);
  g_atomic_ref_count_inc (&c->ref_count);
  t = g_thread_new ("w", ref_count_owner, c);
  flag_wait (&flag);
  g_assert_true (g_atomic_ref_count_dec (&c->ref_count));
  g_assert_cmpint (c->value, ==, 1);
  g_free (c);
  g_thread_join (t);
}

/* g_object_unref: finalize on the thread of the last unref */
typedef struct
{
  GObject parent_instance;
  int     value;
} SelftestObject;

typedef GObjectClass SelftestObjectClass;

static GType selftest_object_get_type (void);
G_DEFINE_TYPE (SelftestObject, selftest_object, G_TYPE_OBJECT)

static void
selftest_object_finalize (GObject *object)
{
  g_assert_cmpint (((SelftestObject *) object)->value, ==, 1);
  ((SelftestObject *) object)->value = 2;
  G_OBJECT_CLASS (selftest_object_parent_class)->finalize (object);
}

static void
selftest_object_class_init (SelftestObjectClass *klass)
{
  klass->finalize = selftest_object_finalize;
}

static void
selftest_object_init (SelftestObject *self)
{
}

static gpointer
object_owner (gpointer data)
{
  SelftestObject *obj = data;

  obj->value = 1;
  g_object_unref (obj);
  flag_set (&flag);
  return NULL;
}

static void
scenario_object_unref (void)
{
  SelftestObject *obj = g_object_new (selftest_object_get_type (), NULL);
  GThread *t;

  g_object_ref (obj);
  t = g_thread_new ("w", object_owner, obj);
  flag_wait (&flag);
  g_object_unref (obj);
  g_thread_join (t);
}

/* g_object_unref with a dispose that hands a new reference to another
 * thread, which drops it while the disposing unref still runs: finalize
 * then runs on the disposing thread, after the other thread's drop. */
typedef struct
{
  GObject parent_instance;
  int     value;
  int     handed;
} ResurrectObject;

typedef GObjectClass ResurrectObjectClass;

static GType resurrect_object_get_type (void);
G_DEFINE_TYPE (ResurrectObject, resurrect_object, G_TYPE_OBJECT)

static ResurrectObject *resurrected;
static int resurrect_dropped;  /* not in the object: set after our unref */

static void
resurrect_object_dispose (GObject *object)
{
  ResurrectObject *self = (ResurrectObject *) object;

  if (!self->handed)
    {
      self->handed = TRUE;
      __atomic_store_n (&resurrected, g_object_ref (self), __ATOMIC_RELAXED);
      flag_wait (&resurrect_dropped);   /* the other thread has let go */
      return;
    }
  G_OBJECT_CLASS (resurrect_object_parent_class)->dispose (object);
}

static void
resurrect_object_finalize (GObject *object)
{
  g_assert_cmpint (((ResurrectObject *) object)->value, ==, 1);
  G_OBJECT_CLASS (resurrect_object_parent_class)->finalize (object);
}

static void
resurrect_object_class_init (ResurrectObjectClass *klass)
{
  klass->dispose = resurrect_object_dispose;
  klass->finalize = resurrect_object_finalize;
}

static void
resurrect_object_init (ResurrectObject *self)
{
}

static gpointer
resurrect_disposer (gpointer data)
{
  g_object_unref (data);  /* the last reference: dispose resurrects */
  return NULL;
}

static void
scenario_object_resurrect (void)
{
  ResurrectObject *obj = g_object_new (resurrect_object_get_type (), NULL);
  ResurrectObject *handed;
  GThread *t = g_thread_new ("w", resurrect_disposer, obj);

  while ((handed = __atomic_load_n (&resurrected, __ATOMIC_RELAXED)) == NULL)
    g_thread_yield ();
  handed->value = 1;
  g_object_unref (handed);          /* not the last: the disposer's is */
  flag_set (&resurrect_dropped);
  g_thread_join (t);
}

/* GCancellable: cancel publishes, is_cancelled observes */
static gpointer
canceller (gpointer data)
{
  payload = 1;
  g_cancellable_cancel (data);
  return NULL;
}

static void
scenario_cancellable (void)
{
  GCancellable *c = g_cancellable_new ();
  GThread *t = g_thread_new ("w", canceller, c);

  while (!g_cancellable_is_cancelled (c))
    g_thread_yield ();
  g_assert_cmpint (payload, ==, 1);
  g_thread_join (t);
  g_object_unref (c);
}

/* g_cancellable_connect on an already cancelled cancellable */
static void
connected_cb (GCancellable *c,
              gpointer      data)
{
  g_assert_cmpint (payload, ==, 1);
}

static gpointer
canceller_flag (gpointer data)
{
  payload = 1;
  g_cancellable_cancel (data);
  flag_set (&flag);
  return NULL;
}

static void
scenario_cancellable_connect (void)
{
  GCancellable *c = g_cancellable_new ();
  GThread *t = g_thread_new ("w", canceller_flag, c);

  flag_wait (&flag);
  g_cancellable_disconnect (c, g_cancellable_connect (c, G_CALLBACK (connected_cb), NULL, NULL));
  g_thread_join (t);
  g_object_unref (c);
}

/* Main-context hand-offs: a worker writes, a callback on the main thread
 * reads. */
static GMainLoop *loop;

static gboolean
read_and_quit_cb (gpointer data)
{
  g_assert_cmpint (payload, ==, 1);
  g_main_loop_quit (loop);
  return G_SOURCE_REMOVE;
}

static void
read_and_quit_once_cb (gpointer data)
{
  read_and_quit_cb (data);
}

static gpointer
idle_add_worker (gpointer data)
{
  payload = 1;
  g_idle_add (read_and_quit_cb, NULL);
  return NULL;
}

static gpointer
idle_add_once_worker (gpointer data)
{
  payload = 1;
  g_idle_add_once (read_and_quit_once_cb, NULL);
  return NULL;
}

static gpointer
timeout_add_worker (gpointer data)
{
  payload = 1;
  g_timeout_add (1, read_and_quit_cb, NULL);
  return NULL;
}

static gpointer
source_attach_worker (gpointer data)
{
  GSource *source = g_idle_source_new ();

  g_source_set_callback (source, read_and_quit_cb, NULL, NULL);
  payload = 1;  /* after set_callback, before attach: still ordered */
  g_source_attach (source, NULL);
  g_source_unref (source);
  return NULL;
}

static int loop_running;

static gboolean
loop_running_cb (gpointer data)
{
  flag_set (&loop_running);
  return G_SOURCE_REMOVE;
}

static gpointer
invoke_worker (gpointer data)
{
  /* Only while the main thread owns the context does invoke attach a
   * source (else it runs the function here). */
  flag_wait (&loop_running);
  payload = 1;
  g_main_context_invoke (NULL, read_and_quit_cb, NULL);
  return NULL;
}

static void
run_main_loop_scenario (GThreadFunc worker)
{
  GThread *t;

  loop = g_main_loop_new (NULL, FALSE);
  g_idle_add (loop_running_cb, NULL);
  t = g_thread_new ("w", worker, NULL);
  g_main_loop_run (loop);
  g_thread_join (t);
  g_main_loop_unref (loop);
}

static void scenario_idle_add (void)      { run_main_loop_scenario (idle_add_worker); }
static void scenario_idle_add_once (void) { run_main_loop_scenario (idle_add_once_worker); }
static void scenario_timeout_add (void)   { run_main_loop_scenario (timeout_add_worker); }
static void scenario_source_attach (void) { run_main_loop_scenario (source_attach_worker); }
static void scenario_invoke (void)        { run_main_loop_scenario (invoke_worker); }

/* The destroy notify of a source, run on another thread after the
 * callback ran on the main thread. */
static int notified;

static gboolean
write_and_continue_cb (gpointer data)
{
  payload = 1;
  flag_set (&flag);
  return G_SOURCE_CONTINUE;
}

static void
notify_reads (gpointer data)
{
  g_assert_cmpint (payload, ==, 1);
  flag_set (&notified);
}

static gpointer
destroyer (gpointer data)
{
  flag_wait (&flag);
  g_source_destroy (data);
  return NULL;
}

static void
scenario_destroy_notify (void)
{
  GSource *source = g_idle_source_new ();
  GThread *t;

  g_source_set_callback (source, write_and_continue_cb, NULL, notify_reads);
  g_source_attach (source, NULL);
  t = g_thread_new ("w", destroyer, source);
  while (!__atomic_load_n (&notified, __ATOMIC_RELAXED))
    g_main_context_iteration (NULL, FALSE);
  g_thread_join (t);
  g_source_unref (source);
}

/* GLib's own bookkeeping in the context, freed by the last unref of a
 * source on another thread than the one that attached it: the attach of
 * the first source of a priority allocates a list node in the context,
 * the last unref of the last source of that priority frees it. The
 * attaching worker stops right after GLib's attach returned, before the
 * shim's g_source_attach () goes on (as the scheduler may stop it; the
 * shim calls glib_tsan_shim_attach_returned () there). Meanwhile the main
 * thread dispatches the source; while its destroy notify runs, the worker
 * drops its reference, so the main thread's unref is the last. */
static int attached, in_notify, unreffed;
static GSource *stopped_source;

void glib_tsan_shim_attach_returned (GSource *source);

static void
stop_attach_until_notify (GSource *source)
{
  if (source != __atomic_load_n (&stopped_source, __ATOMIC_RELAXED))
    return;
  flag_set (&attached);
  flag_wait (&in_notify);
}

static gboolean
nothing_cb (gpointer data)
{
  return G_SOURCE_REMOVE;
}

static void
notify_waits_for_unref (gpointer data)
{
  flag_set (&in_notify);
  flag_wait (&unreffed);
  flag_set (&flag);
}

static gpointer
stopped_attacher (gpointer data)
{
  GSource *source = g_idle_source_new ();

  /* A priority no other source has: its list node is allocated here. */
  g_source_set_priority (source, G_PRIORITY_HIGH - 42);
  g_source_set_callback (source, nothing_cb, NULL, notify_waits_for_unref);
  __atomic_store_n (&stopped_source, source, __ATOMIC_RELAXED);
  g_source_attach (source, NULL);
  flag_set (&attached);  /* (without the shim, nothing stopped us) */
  g_source_unref (source);
  flag_set (&unreffed);
  return NULL;
}

static void
scenario_source_last_unref (void)
{
  GThread *t = g_thread_new ("w", stopped_attacher, NULL);

  /* Not iterating while the worker attaches (GLib would wake an owner
   * through an eventfd, which ThreadSanitizer sees). Without the shim
   * nothing stops the worker; the main thread's unref may then not be the
   * last, and the scenario may give no report. */
  flag_wait (&attached);
  while (!__atomic_load_n (&flag, __ATOMIC_RELAXED))
    g_main_context_iteration (NULL, FALSE);
  g_thread_join (t);
}

/* Two attaches on two threads: the first worker's attach grows the
 * context's source table (realloc inside GLib) and stops there, before
 * the shim's g_source_attach () goes on; the second worker then attaches
 * enough sources to grow the table again (realloc of the first worker's
 * block). The shim runs attaches one at a time: the second waits until
 * the first goes on (its stop ends after a while when nobody comes). */
static GMainContext *attach_context;
static GSource *growing_source;
static int first_stopped, second_done;

static void
attach_idles (guint n)
{
  for (guint i = 0; i < n; i++)
    {
      GSource *source = g_idle_source_new ();

      g_source_attach (source, attach_context);
      g_source_unref (source);
    }
}

static gpointer
first_attacher (gpointer data)
{
  GSource *source = g_idle_source_new ();

  /* GLib's table starts with 8 slots and grows at the 8th entry. */
  attach_idles (7);
  __atomic_store_n (&growing_source, source, __ATOMIC_RELAXED);
  g_source_attach (source, attach_context);
  flag_set (&first_stopped);  /* (without the shim, nothing stopped us) */
  g_source_unref (source);
  return NULL;
}

static gpointer
second_attacher (gpointer data)
{
  flag_wait (&first_stopped);
  /* ... and at the 16th. */
  attach_idles (16);
  flag_set (&second_done);
  return NULL;
}

static void
stop_growing_attach (GSource *source)
{
  gint64 end = g_get_monotonic_time () + G_USEC_PER_SEC;

  if (source != __atomic_load_n (&growing_source, __ATOMIC_RELAXED))
    return;
  flag_set (&first_stopped);
  while (!__atomic_load_n (&second_done, __ATOMIC_RELAXED) && g_get_monotonic_time () < end)
    g_thread_yield ();
}

static void
scenario_two_attaches (void)
{
  GThread *first, *second;

  attach_context = g_main_context_new ();
  first = g_thread_new ("w1", first_attacher, NULL);
  second = g_thread_new ("w2", second_attacher, NULL);
  g_thread_join (first);
  g_thread_join (second);
  g_main_context_unref (attach_context);
}

/* g_main_context_acquire / release: ownership passes the data along */
static gpointer
context_owner (gpointer data)
{
  g_assert_true (g_main_context_acquire (data));
  payload = 1;
  g_main_context_release (data);
  flag_set (&flag);
  return NULL;
}

static void
scenario_context_acquire (void)
{
  GMainContext *context = g_main_context_new ();
  GThread *t = g_thread_new ("w", context_owner, context);

  flag_wait (&flag);
  g_assert_true (g_main_context_acquire (context));
  g_assert_cmpint (payload, ==, 1);
  g_main_context_release (context);
  g_thread_join (t);
  g_main_context_unref (context);
}

/* GThreadPool: push, then the pool function runs */
typedef struct
{
  int value;
  int done;
} Item;

static void
pool_func (gpointer data,
           gpointer user_data)
{
  Item *item = data;

  g_assert_cmpint (item->value, ==, 1);
  g_assert_true (user_data == &payload);
  flag_set (&item->done);
}

static void
scenario_thread_pool (void)
{
  GThreadPool *pool = g_thread_pool_new (pool_func, &payload, 1, FALSE, NULL);
  Item *item = g_new0 (Item, 1);

  item->value = 1;
  g_thread_pool_push (pool, item, NULL);
  /* Waits for the item to have run (the edge checked here). */
  g_thread_pool_free (pool, FALSE, TRUE);
  g_assert_true (item->done);
  g_free (item);
}

/* GTask: run in a thread, result read in the callback on the main thread */
typedef struct
{
  int input;
  int output;
} TaskData;

static void
task_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  TaskData *td = task_data;

  g_assert_cmpint (td->input, ==, 1);
  td->output = 2;
  g_task_return_pointer (task, td, NULL);
}

static void
task_done (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  TaskData *td = g_task_propagate_pointer (G_TASK (result), NULL);

  g_assert_cmpint (td->output, ==, 2);
  g_main_loop_quit (loop);
}

static void
scenario_task (void)
{
  TaskData *td = g_new0 (TaskData, 1);
  GTask *task;

  loop = g_main_loop_new (NULL, FALSE);
  task = g_task_new (NULL, NULL, task_done, NULL);
  td->input = 1;
  g_task_set_task_data (task, td, g_free);
  g_task_run_in_thread (task, task_thread);
  g_object_unref (task);
  g_main_loop_run (loop);
  g_main_loop_unref (loop);
}

/* Called by the shim inside its g_source_attach (), for every attach of
 * the process, on any thread, right after GLib's attach returned. */
void
glib_tsan_shim_attach_returned (GSource *source)
{
  stop_attach_until_notify (source);
  stop_growing_attach (source);
}

static const struct
{
  const char *name;
  void (*func) (void);
} scenarios[] = {
  { "mutex", scenario_mutex },
  { "rec-mutex", scenario_rec_mutex },
  { "rw-lock", scenario_rw_lock },
  { "cond", scenario_cond },
  { "once", scenario_once },
  { "ref-count", scenario_ref_count },
  { "object-unref", scenario_object_unref },
  { "object-resurrect", scenario_object_resurrect },
  { "cancellable", scenario_cancellable },
  { "cancellable-connect", scenario_cancellable_connect },
  { "idle-add", scenario_idle_add },
  { "idle-add-once", scenario_idle_add_once },
  { "timeout-add", scenario_timeout_add },
  { "source-attach", scenario_source_attach },
  { "invoke", scenario_invoke },
  { "destroy-notify", scenario_destroy_notify },
  { "source-last-unref", scenario_source_last_unref },
  { "two-attaches", scenario_two_attaches },
  { "context-acquire", scenario_context_acquire },
  { "thread-pool", scenario_thread_pool },
  { "task", scenario_task },
};

int
main (int    argc,
      char **argv)
{
  if (argc == 2 && strcmp (argv[1], "--list") == 0)
    {
      for (gsize i = 0; i < G_N_ELEMENTS (scenarios); i++)
        g_print ("%s\n", scenarios[i].name);
      return 0;
    }

  for (gsize i = 0; argc == 2 && i < G_N_ELEMENTS (scenarios); i++)
    if (strcmp (argv[1], scenarios[i].name) == 0)
      {
        scenarios[i].func ();
        return 0;
      }

  g_printerr ("usage: handoff-selftest SCENARIO | --list\n");
  return 2;
}
