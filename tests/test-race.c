/* test-race.c: forced races between two threads on the same resources.
 * Each round releases both threads together through a GCond barrier; the
 * outcome of a round may go either way, the invariants may not.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "test-common.h"

#define SERVICE(m) RESMGR_SERVICE (m)

typedef struct
{
  GMutex mutex;
  GCond  cond;
  guint  n_parties;
  guint  n_arrived;
  guint  generation;
} Barrier;

static void
barrier_init (Barrier *b,
              guint    n_parties)
{
  g_mutex_init (&b->mutex);
  g_cond_init (&b->cond);
  b->n_parties = n_parties;
  b->n_arrived = 0;
  b->generation = 0;
}

static void
barrier_clear (Barrier *b)
{
  g_mutex_clear (&b->mutex);
  g_cond_clear (&b->cond);
}

static void
barrier_wait (Barrier *b)
{
  guint generation;

  g_mutex_lock (&b->mutex);
  generation = b->generation;
  if (++b->n_arrived == b->n_parties)
    {
      b->n_arrived = 0;
      b->generation++;
      g_cond_broadcast (&b->cond);
    }
  else
    {
      while (generation == b->generation)
        g_cond_wait (&b->cond, &b->mutex);
    }
  g_mutex_unlock (&b->mutex);
}

static guint
n_rounds (void)
{
  return g_test_thorough () ? 5000 : 300;
}

static void
count_destroy (gpointer data)
{
  g_atomic_int_inc ((gint *) data);
}

/* 1. two threads release the same ids */

#define N_IDS 8

typedef struct
{
  ResmgrManager *manager;
  Barrier        barrier;
  guint64        ids[N_IDS];
  gint           wins[2][N_IDS];
  gboolean       done;
} ReleaseRace;

static void
release_all (ReleaseRace *rr,
             guint        who)
{
  for (guint k = 0; k < N_IDS; k++)
    {
      /* the two threads walk the ids in opposite directions */
      guint i = who == 0 ? k : N_IDS - 1 - k;
      g_autoptr(GError) error = NULL;

      if (resmgr_service_release (SERVICE (rr->manager), rr->ids[i], &error))
        {
          g_assert_no_error (error);
          rr->wins[who][i] = 1;
        }
      else
        {
          g_assert_error (error, RESMGR_ERROR, RESMGR_ERROR_NOT_FOUND);
          rr->wins[who][i] = 0;
        }
    }
}

static gpointer
release_race_thread (gpointer data)
{
  ReleaseRace *rr = data;

  for (;;)
    {
      barrier_wait (&rr->barrier);   /* round ready */
      if (rr->done)
        break;
      release_all (rr, 1);
      barrier_wait (&rr->barrier);   /* round done */
    }

  return NULL;
}

static void
test_release_race (void)
{
  g_autoptr(ResmgrManager) manager = resmgr_manager_new ();
  g_autoptr(TestComponent) comp = test_component_new (NULL);
  g_autoptr(ResmgrStats) stats = NULL;
  ReleaseRace rr = { 0 };
  gint destroyed = 0;
  guint rounds = n_rounds ();
  GThread *thread;

  g_test_summary ("Two threads release the same ids at once: each id is released by "
                  "exactly one of them, the other gets NOT_FOUND, the destroy notify "
                  "runs once");

  rr.manager = manager;
  barrier_init (&rr.barrier, 2);
  register_component (SERVICE (manager), comp, "owner");
  thread = g_thread_new ("release-race", release_race_thread, &rr);

  for (guint r = 0; r < rounds; r++)
    {
      g_autoptr(GError) error = NULL;

      for (guint i = 0; i < N_IDS; i++)
        {
          rr.ids[i] = resmgr_service_track_data (SERVICE (manager), G_OBJECT (comp),
                                                 RESMGR_RESOURCE_TYPE_MEMORY, "x", 1,
                                                 RESMGR_PRIORITY_DEFAULT, &destroyed,
                                                 count_destroy, &error);
          g_assert_no_error (error);
        }

      barrier_wait (&rr.barrier);
      release_all (&rr, 0);
      barrier_wait (&rr.barrier);

      for (guint i = 0; i < N_IDS; i++)
        g_assert_cmpint (rr.wins[0][i] + rr.wins[1][i], ==, 1);
      g_assert_cmpint (g_atomic_int_get (&destroyed), ==, (r + 1) * N_IDS);
    }

  rr.done = TRUE;
  barrier_wait (&rr.barrier);
  g_thread_join (thread);
  barrier_clear (&rr.barrier);

  stats = resmgr_service_dup_stats (SERVICE (manager));
  g_assert_cmpuint (resmgr_stats_get_total_released (stats), ==, rounds * N_IDS);
  g_assert_cmpuint (resmgr_stats_get_n_resources (stats), ==, 0);
}

/* 2. a watched object's last unref races with its release or cleanup */

typedef struct
{
  gboolean  finalized;
  gint      n_cleanups;
  gint      n_user_data_destroyed;
  gint      cleanup_saw_dead;
} ObjState;

static gboolean
obj_cleanup (gpointer   resource,
             gpointer   user_data,
             GError   **error)
{
  ObjState *st = user_data;

  g_atomic_int_inc (&st->n_cleanups);
  if (resource == NULL || G_OBJECT (resource)->ref_count < 1 || st->finalized)
    g_atomic_int_inc (&st->cleanup_saw_dead);
  return TRUE;
}

static void
obj_user_data_destroy (gpointer data)
{
  ObjState *st = data;

  g_atomic_int_inc (&st->n_user_data_destroyed);
}

typedef struct
{
  ResmgrManager *manager;
  Barrier        barrier;
  TestObject    *objects[N_IDS];
  gboolean       done;
} UnrefRace;

static gpointer
unref_race_thread (gpointer data)
{
  UnrefRace *ur = data;

  for (;;)
    {
      barrier_wait (&ur->barrier);
      if (ur->done)
        break;
      for (guint i = 0; i < N_IDS; i++)
        g_clear_object (&ur->objects[i]);
      barrier_wait (&ur->barrier);
    }

  return NULL;
}

static void
run_unref_race (gboolean use_cleanup_component)
{
  g_autoptr(ResmgrManager) manager = resmgr_manager_new ();
  g_autoptr(TestComponent) comp = test_component_new (NULL);
  g_autoptr(ResmgrStats) stats = NULL;
  UnrefRace ur = { 0 };
  guint rounds = n_rounds ();
  guint64 total_cleanups = 0;
  GThread *thread;

  ur.manager = manager;
  barrier_init (&ur.barrier, 2);
  register_component (SERVICE (manager), comp, "owner");
  thread = g_thread_new ("unref-race", unref_race_thread, &ur);

  for (guint r = 0; r < rounds; r++)
    {
      ObjState states[N_IDS] = { 0 };
      guint64 ids[N_IDS];

      for (guint i = 0; i < N_IDS; i++)
        {
          g_autoptr(GError) error = NULL;

          ur.objects[i] = test_object_new (&states[i].finalized);
          ids[i] = resmgr_service_track_object (SERVICE (manager), G_OBJECT (comp),
                                                RESMGR_RESOURCE_TYPE_WORKER, "obj", 1,
                                                RESMGR_PRIORITY_DEFAULT, G_OBJECT (ur.objects[i]),
                                                obj_cleanup, &states[i], obj_user_data_destroy,
                                                &error);
          g_assert_no_error (error);
        }

      barrier_wait (&ur.barrier);
      if (use_cleanup_component)
        {
          g_autoptr(GError) error = NULL;
          g_autoptr(ResmgrCleanupReport) report = NULL;

          /* the main thread does not run a loop: the cleanup runs inline */
          report = resmgr_service_cleanup_component (SERVICE (manager), G_OBJECT (comp), &error);
          g_assert_no_error (error);
          g_assert_cmpuint (resmgr_cleanup_report_get_failed (report), ==, 0);
        }
      else
        {
          for (guint i = 0; i < N_IDS; i++)
            {
              g_autoptr(GError) error = NULL;

              if (!resmgr_service_release (SERVICE (manager), ids[i], &error))
                g_assert_error (error, RESMGR_ERROR, RESMGR_ERROR_NOT_FOUND);
            }
        }
      barrier_wait (&ur.barrier);

      for (guint i = 0; i < N_IDS; i++)
        {
          g_assert_true (states[i].finalized);
          g_assert_cmpint (states[i].n_cleanups, <=, 1);
          g_assert_cmpint (states[i].cleanup_saw_dead, ==, 0);
          g_assert_cmpint (states[i].n_user_data_destroyed, ==, 1);
          total_cleanups += states[i].n_cleanups;
        }
    }

  ur.done = TRUE;
  barrier_wait (&ur.barrier);
  g_thread_join (thread);
  barrier_clear (&ur.barrier);

  stats = resmgr_service_dup_stats (SERVICE (manager));
  g_test_message ("%" G_GUINT64_FORMAT " of %u cleanups ran", total_cleanups, rounds * N_IDS);
  g_assert_cmpuint (resmgr_stats_get_n_resources (stats), ==, 0);
  g_assert_cmpuint (resmgr_stats_get_total_tracked (stats), ==, rounds * N_IDS);
  g_assert_cmpuint (resmgr_stats_get_total_released (stats) + resmgr_stats_get_total_lost (stats),
                    ==, rounds * N_IDS);
  g_assert_cmpuint (resmgr_stats_get_total_released (stats), ==, total_cleanups);
}

static void
test_unref_vs_release (void)
{
  g_test_summary ("A watched object's last unref on one thread races with its release "
                  "on another: the cleanup runs at most once and only on a live object, "
                  "user_data_destroy exactly once, released + lost == tracked");
  run_unref_race (FALSE);
}

static void
test_unref_vs_cleanup (void)
{
  g_test_summary ("A watched object's last unref on one thread races with "
                  "cleanup_component on another: same invariants");
  run_unref_race (TRUE);
}

/* 3. a component's last unref races with releases of its resources */

typedef struct
{
  ResmgrManager *manager;
  Barrier        barrier;
  TestComponent *comp;
  gboolean       done;
} DisposeRace;

static gpointer
dispose_race_thread (gpointer data)
{
  DisposeRace *dr = data;

  for (;;)
    {
      barrier_wait (&dr->barrier);
      if (dr->done)
        break;
      g_clear_object (&dr->comp);  /* cleans inline: this thread can acquire the context */
      barrier_wait (&dr->barrier);
    }

  return NULL;
}

static void
test_dispose_vs_release (void)
{
  g_autoptr(ResmgrManager) manager = resmgr_manager_new ();
  g_autoptr(ResmgrStats) stats = NULL;
  DisposeRace dr = { 0 };
  guint rounds = n_rounds ();
  gint destroyed = 0;
  GThread *thread;

  g_test_summary ("A component's last unref on one thread races with releases of its "
                  "resources on another: every destroy notify runs exactly once, the "
                  "component is removed");

  dr.manager = manager;
  barrier_init (&dr.barrier, 2);
  thread = g_thread_new ("dispose-race", dispose_race_thread, &dr);

  for (guint r = 0; r < rounds; r++)
    {
      guint64 ids[N_IDS];

      dr.comp = test_component_new (NULL);
      register_component (SERVICE (manager), dr.comp, NULL);
      for (guint i = 0; i < N_IDS; i++)
        {
          g_autoptr(GError) error = NULL;

          ids[i] = resmgr_service_track_data (SERVICE (manager), G_OBJECT (dr.comp),
                                              RESMGR_RESOURCE_TYPE_MEMORY, "x", 1,
                                              RESMGR_PRIORITY_DEFAULT, &destroyed,
                                              count_destroy, &error);
          g_assert_no_error (error);
        }

      barrier_wait (&dr.barrier);
      for (guint i = N_IDS; i > 0; i--)
        {
          g_autoptr(GError) error = NULL;

          if (!resmgr_service_release (SERVICE (manager), ids[i - 1], &error))
            g_assert_error (error, RESMGR_ERROR, RESMGR_ERROR_NOT_FOUND);
        }
      barrier_wait (&dr.barrier);

      /* flush anything dispatched to the main context */
      while (g_main_context_iteration (NULL, FALSE))
        ;
      g_assert_cmpint (g_atomic_int_get (&destroyed), ==, (r + 1) * N_IDS);
    }

  dr.done = TRUE;
  barrier_wait (&dr.barrier);
  g_thread_join (thread);
  barrier_clear (&dr.barrier);

  while (g_main_context_iteration (NULL, FALSE))
    ;
  stats = resmgr_service_dup_stats (SERVICE (manager));
  g_assert_cmpuint (resmgr_stats_get_n_components (stats), ==, 0);
  g_assert_cmpuint (resmgr_stats_get_n_resources (stats), ==, 0);
  g_assert_cmpuint (resmgr_stats_get_total_released (stats), ==, rounds * N_IDS);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Resmgr/Race/release-vs-release", test_release_race);
  g_test_add_func ("/Resmgr/Race/unref-vs-release", test_unref_vs_release);
  g_test_add_func ("/Resmgr/Race/unref-vs-cleanup", test_unref_vs_cleanup);
  g_test_add_func ("/Resmgr/Race/dispose-vs-release", test_dispose_vs_release);

  return g_test_run ();
}
