/* negative-control.c: planted data races that the TSan run must report
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A test-only program, built with -fsanitize=thread and run under
 * glib-tsan-shim.so exactly like the test suite. Each planted race goes
 * through a GLib primitive that the shim annotates, but on the wrong side
 * of it, so a shim that over-synchronised (an edge GLib does not give)
 * would hide it. tests/tsan/run.sh requires one report naming each
 * planted_race_* function; if one is missing, the stage fails.
 *
 * Real-time order is forced with relaxed atomics, which ThreadSanitizer
 * sees but which create no happens-before edge, so every race is reported
 * deterministically whatever the scheduling.
 */

#include <gio/gio.h>

/* A relaxed flag: orders in time, not in happens-before. */
static void
flag_set (int *flag)
{
  __atomic_store_n (flag, 1, __ATOMIC_RELAXED);
}

static void
flag_wait (int *flag)
{
  while (!__atomic_load_n (flag, __ATOMIC_RELAXED))
    g_thread_yield ();
}

/* 1. Two threads, two different mutexes, one variable. */

static GMutex mutex_a, mutex_b;
static int counter;
static int counter_written;

static gpointer
planted_race_other_mutex_thread (gpointer data)
{
  flag_wait (&counter_written);
  g_mutex_lock (&mutex_b);
  counter++;
  g_mutex_unlock (&mutex_b);
  return NULL;
}

static void __attribute__((noinline))
planted_race_two_mutexes (void)
{
  GThread *thread = g_thread_new ("planted-1", planted_race_other_mutex_thread, NULL);

  g_mutex_lock (&mutex_a);
  counter++;
  g_mutex_unlock (&mutex_a);
  flag_set (&counter_written);
  g_thread_join (thread);
}

/* 2. A worker writes after it handed the value to the main context: the
 * write is not ordered before the callback's read. */

static int late_value;
static int late_written;

static gboolean
planted_race_after_idle_cb (gpointer data)
{
  GMainLoop *loop = data;

  flag_wait (&late_written);
  g_assert_cmpint (late_value, ==, 42);   /* the racy read */
  g_main_loop_quit (loop);
  return G_SOURCE_REMOVE;
}

static gpointer
planted_race_after_idle_thread (gpointer data)
{
  GMainLoop *loop = data;
  GSource *source = g_idle_source_new ();

  g_source_set_callback (source, planted_race_after_idle_cb, loop, NULL);
  g_source_attach (source, g_main_loop_get_context (loop));
  g_source_unref (source);
  late_value = 42;                        /* too late: after the hand-off */
  flag_set (&late_written);
  return NULL;
}

static void __attribute__((noinline))
planted_race_after_idle (void)
{
  GMainLoop *loop = g_main_loop_new (NULL, FALSE);
  GThread *thread = g_thread_new ("planted-2", planted_race_after_idle_thread, loop);

  g_main_loop_run (loop);
  g_thread_join (thread);
  g_main_loop_unref (loop);
}

/* 3. A thread-pool item changed after it was pushed. */

typedef struct
{
  int value;
  int written;
  int done;
} Item;

static void
planted_race_pool_func (gpointer data,
                        gpointer user_data)
{
  Item *item = data;

  flag_wait (&item->written);
  g_assert_cmpint (item->value, ==, 7);   /* the racy read */
  flag_set (&item->done);
}

static void __attribute__((noinline))
planted_race_after_push (void)
{
  GThreadPool *pool = g_thread_pool_new (planted_race_pool_func, NULL, 1, FALSE, NULL);
  Item *item = g_new0 (Item, 1);

  g_thread_pool_push (pool, item, NULL);
  item->value = 7;                        /* too late: after the push */
  flag_set (&item->written);
  flag_wait (&item->done);
  g_thread_pool_free (pool, FALSE, TRUE);
  g_free (item);
}

/* 4. An object's field written after its owner dropped its reference while
 * another thread still uses the object: a reference drop that is not the
 * last one gives no edge to the other holder. */

typedef struct
{
  int value;
  int dropped;
  GObject *object;
} Shared;

static gpointer
planted_race_ref_drop_thread (gpointer data)
{
  Shared *shared = data;

  flag_wait (&shared->dropped);
  shared->value++;                        /* the racy write */
  g_object_unref (shared->object);        /* the last reference */
  return NULL;
}

static void __attribute__((noinline))
planted_race_ref_drop (void)
{
  Shared *shared = g_new0 (Shared, 1);
  GThread *thread;

  shared->object = g_object_new (G_TYPE_OBJECT, NULL);
  g_object_ref (shared->object);
  thread = g_thread_new ("planted-4", planted_race_ref_drop_thread, shared);
  g_object_unref (shared->object);        /* not the last one */
  shared->value++;                        /* after our drop: not ordered */
  flag_set (&shared->dropped);
  /* Joining orders everything from here on; the race above is done. */
  g_thread_join (thread);
  g_free (shared);
}

int
main (int    argc,
      char **argv)
{
  planted_race_two_mutexes ();
  planted_race_after_idle ();
  planted_race_after_push ();
  planted_race_ref_drop ();
  g_print ("negative-control: 4 planted races ran\n");
  return 0;
}
