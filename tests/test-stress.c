/* test-stress.c: random track / release / cleanup / component drops from
 * several threads, checked against a model
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "test-common.h"

#define SERVICE(m) RESMGR_SERVICE (m)
#define N_WORKERS 4
#define MAX_COMPONENTS 3

typedef struct
{
  ResmgrManager *manager;
  GMainLoop     *loop;
  GThread       *main_thread;
  gint           n_running;

  /* atomic counters of what the service called */
  gint           n_data_destroyed;
  gint           n_object_cleanups;
  gint           n_object_user_data_destroyed;
  gint           n_signal_tracked;
  gint           n_signal_released;
  gint           n_signal_registered;
  gint           n_signal_removed;
  gint           n_signal_wrong_thread;
} Shared;

typedef struct
{
  guint64     id;
  guint       comp;     /* index in Worker.comps */
  TestObject *object;   /* NULL for owned data */
  gsize       size;
} Live;

typedef struct
{
  Shared        *shared;
  guint          index;
  guint          n_ops;
  guint32        seed;
  GThread       *thread;

  TestComponent *comps[MAX_COMPONENTS];
  GArray        *live;        /* Live */
  GPtrArray     *graveyard;   /* TestObject of dropped components, kept alive */
  GArray        *dead_ids;    /* guint64 */

  /* the model */
  guint64        tracked_data;
  guint64        tracked_objects;
  guint64        released;
  guint64        lost;
  guint          n_components;
} Worker;

static void
data_destroy (gpointer data)
{
  Shared *shared = data;

  g_atomic_int_inc (&shared->n_data_destroyed);
}

static gboolean
object_cleanup (gpointer   resource,
                gpointer   user_data,
                GError   **error)
{
  Shared *shared = user_data;

  g_assert_true (TEST_IS_OBJECT (resource));
  g_atomic_int_inc (&shared->n_object_cleanups);
  return TRUE;
}

static void
object_user_data_destroy (gpointer data)
{
  Shared *shared = data;

  g_atomic_int_inc (&shared->n_object_user_data_destroyed);
}

static void
check_thread (Shared *shared)
{
  if (g_thread_self () != shared->main_thread)
    g_atomic_int_inc (&shared->n_signal_wrong_thread);
}

static void
on_tracked (ResmgrManager *manager, ResmgrHandle *handle, Shared *shared)
{
  check_thread (shared);
  g_atomic_int_inc (&shared->n_signal_tracked);
}

static void
on_released (ResmgrManager *manager, ResmgrHandle *handle, Shared *shared)
{
  check_thread (shared);
  g_atomic_int_inc (&shared->n_signal_released);
}

static void
on_registered (ResmgrManager *manager, const char *id, Shared *shared)
{
  check_thread (shared);
  g_atomic_int_inc (&shared->n_signal_registered);
}

static void
on_removed (ResmgrManager *manager, const char *id, Shared *shared)
{
  check_thread (shared);
  g_atomic_int_inc (&shared->n_signal_removed);
}

static guint
pick_component (Worker *w,
                GRand  *rand)
{
  guint start = g_rand_int_range (rand, 0, MAX_COMPONENTS);

  for (guint k = 0; k < MAX_COMPONENTS; k++)
    {
      guint c = (start + k) % MAX_COMPONENTS;

      if (w->comps[c] != NULL)
        return c;
    }

  /* none alive: make one */
  w->comps[start] = test_component_new (NULL);
  register_component (SERVICE (w->shared->manager), w->comps[start], NULL);
  w->n_components++;
  return start;
}

/* @dead: the resource is known to be gone now (released by this thread,
 * cleaned synchronously or finalized); not when its component was only
 * dropped, since that cleanup is dispatched and may not have run yet */
static void
remove_live (Worker   *w,
             guint     index,
             gboolean  dead)
{
  Live *l = &g_array_index (w->live, Live, index);

  if (dead)
    g_array_append_val (w->dead_ids, l->id);
  g_array_remove_index_fast (w->live, index);
}

/* All live resources of component @c count as released; their objects are
 * kept alive until the end so the outcome does not depend on timing. */
static guint
forget_component_resources (Worker *w,
                            guint   c)
{
  guint n = 0;

  for (guint i = w->live->len; i > 0; i--)
    {
      Live *l = &g_array_index (w->live, Live, i - 1);

      if (l->comp != c)
        continue;
      if (l->object != NULL)
        g_ptr_array_add (w->graveyard, l->object);
      w->released++;
      n++;
      remove_live (w, i - 1, FALSE);
    }

  return n;
}

static gpointer
worker_thread (gpointer data)
{
  Worker *w = data;
  ResmgrService *service = SERVICE (w->shared->manager);
  GRand *rand = g_rand_new_with_seed (w->seed);

  for (guint op = 0; op < w->n_ops; op++)
    {
      guint dice = g_rand_int_range (rand, 0, 100);
      g_autoptr(GError) error = NULL;

      if (dice < 30)
        {
          /* track owned data */
          guint c = pick_component (w, rand);
          Live l = { 0 };

          l.comp = c;
          l.size = g_rand_int_range (rand, 0, 4096);
          l.id = resmgr_service_track_data (service, G_OBJECT (w->comps[c]),
                                            g_rand_int_range (rand, 0, RESMGR_N_RESOURCE_TYPES),
                                            "data", l.size,
                                            g_rand_boolean (rand) ? RESMGR_PRIORITY_DEFAULT
                                                                  : g_rand_int_range (rand, 0, 200),
                                            w->shared, data_destroy, &error);
          g_assert_no_error (error);
          g_assert_cmpuint (l.id, !=, 0);
          g_array_append_val (w->live, l);
          w->tracked_data++;
        }
      else if (dice < 40)
        {
          /* track a watched object */
          guint c = pick_component (w, rand);
          Live l = { 0 };

          l.comp = c;
          l.object = test_object_new (NULL);
          l.size = 64;
          l.id = resmgr_service_track_object (service, G_OBJECT (w->comps[c]),
                                              RESMGR_RESOURCE_TYPE_WORKER, "object", l.size,
                                              RESMGR_PRIORITY_DEFAULT, G_OBJECT (l.object),
                                              object_cleanup, w->shared, object_user_data_destroy,
                                              &error);
          g_assert_no_error (error);
          g_assert_cmpuint (l.id, !=, 0);
          g_array_append_val (w->live, l);
          w->tracked_objects++;
        }
      else if (dice < 65)
        {
          /* release */
          if (w->live->len > 0)
            {
              guint i = g_rand_int_range (rand, 0, w->live->len);
              Live l = g_array_index (w->live, Live, i);
              gboolean ok;

              ok = resmgr_service_release (service, l.id, &error);
              g_assert_no_error (error);
              g_assert_true (ok);
              w->released++;
              remove_live (w, i, TRUE);
              g_clear_object (&l.object);
            }
        }
      else if (dice < 70)
        {
          /* a watched object dies on its own */
          for (guint i = 0; i < w->live->len; i++)
            {
              Live l = g_array_index (w->live, Live, i);

              if (l.object == NULL)
                continue;
              remove_live (w, i, TRUE);
              g_object_unref (l.object);
              w->lost++;
              break;
            }
        }
      else if (dice < 75)
        {
          /* drop a component: its cleanup is dispatched to the main thread */
          guint c = g_rand_int_range (rand, 0, MAX_COMPONENTS);

          if (w->comps[c] != NULL)
            {
              forget_component_resources (w, c);
              g_clear_object (&w->comps[c]);
            }
        }
      else if (dice < 80)
        {
          /* a new component */
          for (guint c = 0; c < MAX_COMPONENTS; c++)
            if (w->comps[c] == NULL)
              {
                w->comps[c] = test_component_new (NULL);
                register_component (service, w->comps[c], NULL);
                w->n_components++;
                break;
              }
        }
      else if (dice < 83)
        {
          /* synchronous cleanup, dispatched to the main thread */
          guint c = pick_component (w, rand);
          g_autoptr(ResmgrCleanupReport) report = NULL;
          guint n;

          /* the objects stay referenced by the live list until forgotten */
          n = 0;
          for (guint i = 0; i < w->live->len; i++)
            if (g_array_index (w->live, Live, i).comp == c)
              n++;

          report = resmgr_service_cleanup_component (service, G_OBJECT (w->comps[c]), &error);
          g_assert_no_error (error);
          g_assert_nonnull (report);
          g_assert_cmpuint (resmgr_cleanup_report_get_released (report), ==, n);
          g_assert_cmpuint (resmgr_cleanup_report_get_failed (report), ==, 0);
          g_assert_cmpuint (resmgr_cleanup_report_get_lost (report), ==, 0);

          /* released: objects can go now */
          for (guint i = w->live->len; i > 0; i--)
            {
              Live l = g_array_index (w->live, Live, i - 1);

              if (l.comp != c)
                continue;
              w->released++;
              remove_live (w, i - 1, TRUE);
              g_clear_object (&l.object);
            }
        }
      else if (dice < 90)
        {
          /* lookup */
          if (w->live->len > 0)
            {
              Live l = g_array_index (w->live, Live, g_rand_int_range (rand, 0, w->live->len));
              g_autoptr(ResmgrHandle) handle = resmgr_service_lookup (service, l.id, &error);

              g_assert_no_error (error);
              g_assert_cmpuint (resmgr_handle_get_id (handle), ==, l.id);
              g_assert_cmpuint (resmgr_handle_get_size (handle), ==, l.size);
              g_assert_cmpint (resmgr_handle_get_state (handle), ==, RESMGR_RESOURCE_STATE_ACTIVE);
            }
        }
      else
        {
          /* releasing a dead id touches nothing */
          if (w->dead_ids->len > 0)
            {
              guint64 id = g_array_index (w->dead_ids, guint64,
                                          g_rand_int_range (rand, 0, w->dead_ids->len));

              g_assert_false (resmgr_service_release (service, id, &error));
              g_assert_error (error, RESMGR_ERROR, RESMGR_ERROR_NOT_FOUND);
            }
        }
    }

  /* drop everything that is left */
  for (guint c = 0; c < MAX_COMPONENTS; c++)
    if (w->comps[c] != NULL)
      {
        forget_component_resources (w, c);
        g_clear_object (&w->comps[c]);
      }
  g_assert_cmpuint (w->live->len, ==, 0);

  g_rand_free (rand);

  if (g_atomic_int_dec_and_test (&w->shared->n_running))
    g_main_loop_quit (w->shared->loop);

  return NULL;
}

static gboolean
start_workers_cb (gpointer data)
{
  Worker *workers = data;

  for (guint i = 0; i < N_WORKERS; i++)
    workers[i].thread = g_thread_new ("stress", worker_thread, &workers[i]);

  return G_SOURCE_REMOVE;
}

static void
test_stress (void)
{
  g_autoptr(ResmgrManager) manager = resmgr_manager_new ();
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(ResmgrStats) stats = NULL;
  Shared shared = { 0 };
  Worker workers[N_WORKERS] = { 0 };
  guint n_ops = g_test_thorough () ? 50000 : 2000;
  guint64 tracked_data = 0, tracked_objects = 0, released = 0, lost = 0;
  guint n_components = 0;

  g_test_summary ("4 threads do random track / release / lookup / cleanup / component "
                  "drops on their own components while the main thread runs the loop; "
                  "the final stats, callbacks and signals match the model");

  shared.manager = manager;
  shared.loop = loop;
  shared.main_thread = g_thread_self ();
  shared.n_running = N_WORKERS;

  g_signal_connect (manager, "resource-tracked", G_CALLBACK (on_tracked), &shared);
  g_signal_connect (manager, "resource-released", G_CALLBACK (on_released), &shared);
  g_signal_connect (manager, "component-registered", G_CALLBACK (on_registered), &shared);
  g_signal_connect (manager, "component-removed", G_CALLBACK (on_removed), &shared);

  for (guint i = 0; i < N_WORKERS; i++)
    {
      workers[i].shared = &shared;
      workers[i].index = i;
      workers[i].n_ops = n_ops;
      workers[i].seed = g_test_rand_int ();
      workers[i].live = g_array_new (FALSE, FALSE, sizeof (Live));
      workers[i].graveyard = g_ptr_array_new_with_free_func (g_object_unref);
      workers[i].dead_ids = g_array_new (FALSE, FALSE, sizeof (guint64));
    }

  /* start the workers from inside the loop: the main thread owns the
   * default context the whole time they run, so everything dispatched to
   * it (cleanups, signals) runs on the main thread */
  g_idle_add (start_workers_cb, workers);
  g_main_loop_run (loop);
  for (guint i = 0; i < N_WORKERS; i++)
    g_thread_join (workers[i].thread);

  /* dispatched cleanups and queued signals */
  while (g_main_context_iteration (NULL, FALSE))
    ;

  for (guint i = 0; i < N_WORKERS; i++)
    {
      tracked_data += workers[i].tracked_data;
      tracked_objects += workers[i].tracked_objects;
      released += workers[i].released;
      lost += workers[i].lost;
      n_components += workers[i].n_components;
    }
  g_test_message ("tracked %" G_GUINT64_FORMAT " data + %" G_GUINT64_FORMAT " objects, "
                  "released %" G_GUINT64_FORMAT ", lost %" G_GUINT64_FORMAT ", %u components",
                  tracked_data, tracked_objects, released, lost, n_components);
  g_assert_cmpuint (released + lost, ==, tracked_data + tracked_objects);

  stats = resmgr_service_dup_stats (SERVICE (manager));
  g_assert_cmpuint (resmgr_stats_get_total_tracked (stats), ==, tracked_data + tracked_objects);
  g_assert_cmpuint (resmgr_stats_get_total_released (stats), ==, released);
  g_assert_cmpuint (resmgr_stats_get_total_lost (stats), ==, lost);
  g_assert_cmpuint (resmgr_stats_get_total_failed (stats), ==, 0);
  g_assert_cmpuint (resmgr_stats_get_n_resources (stats), ==, 0);
  g_assert_cmpuint (resmgr_stats_get_total_bytes (stats), ==, 0);
  g_assert_cmpuint (resmgr_stats_get_n_components (stats), ==, 0);
  for (guint t = 0; t < RESMGR_N_RESOURCE_TYPES; t++)
    {
      g_assert_cmpuint (resmgr_stats_get_count (stats, t), ==, 0);
      g_assert_cmpuint (resmgr_stats_get_bytes (stats, t), ==, 0);
    }
  /* dropped components stay registered until their dispatched cleanup ran */
  g_assert_cmpuint (resmgr_stats_get_peak_components (stats), <=, n_components);
  g_assert_cmpuint (resmgr_stats_get_peak_components (stats), >=, 1);
  g_assert_cmpuint (resmgr_stats_get_peak_resources (stats), <=, tracked_data + tracked_objects);

  g_assert_cmpuint (g_atomic_int_get (&shared.n_data_destroyed), ==, tracked_data);
  g_assert_cmpuint (g_atomic_int_get (&shared.n_object_cleanups), ==, tracked_objects - lost);
  g_assert_cmpuint (g_atomic_int_get (&shared.n_object_user_data_destroyed), ==, tracked_objects);

  g_assert_cmpint (g_atomic_int_get (&shared.n_signal_wrong_thread), ==, 0);
  g_assert_cmpuint (g_atomic_int_get (&shared.n_signal_tracked), ==, tracked_data + tracked_objects);
  g_assert_cmpuint (g_atomic_int_get (&shared.n_signal_released), ==, tracked_data + tracked_objects);
  g_assert_cmpuint (g_atomic_int_get (&shared.n_signal_registered), ==, n_components);
  g_assert_cmpuint (g_atomic_int_get (&shared.n_signal_removed), ==, n_components);

  for (guint i = 0; i < N_WORKERS; i++)
    {
      /* released objects of dropped components: nothing happens now */
      g_ptr_array_unref (workers[i].graveyard);
      g_array_unref (workers[i].live);
      g_array_unref (workers[i].dead_ids);
    }
  g_assert_cmpuint (g_atomic_int_get (&shared.n_object_cleanups), ==, tracked_objects - lost);

  g_clear_pointer (&stats, resmgr_stats_free);
  stats = resmgr_service_dup_stats (SERVICE (manager));
  g_assert_cmpuint (resmgr_stats_get_total_lost (stats), ==, lost);
  g_assert_cmpuint (resmgr_stats_get_total_released (stats), ==, released);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Resmgr/Stress/threads", test_stress);

  return g_test_run ();
}
