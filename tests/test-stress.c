/* test-stress.c: random track / release / cleanup / component drops from
 * several threads, checked against a model
 *
 * Besides the main manager, a second one with a short wait-timeout holds
 * components whose owner is a worker's private context, which nobody
 * iterates while another thread cleans them: those cleanups always time
 * out, whatever the scheduling, so the model stays exact.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "test-common.h"

#define SERVICE(m) RESMGR_SERVICE (m)
#define N_WORKERS 4
#define MAX_COMPONENTS 3
#define N_STUCK_ITEMS 3
#define OTHER_WAIT_TIMEOUT_MS 20

typedef struct
{
  ResmgrManager *manager;
  ResmgrManager *other;       /* short wait-timeout; components owned by workers' contexts */
  GMainLoop     *loop;
  GThread       *main_thread;
  gint           n_running;

  /* atomic counters of what the service called */
  gint           n_data_destroyed;
  gint           n_data_destroyed_off_main;
  gint           n_object_cleanups;
  gint           n_object_cleanups_off_main;
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
  GThread       *self;        /* g_thread_self () of the worker, set by itself */
  GMainContext  *own_context; /* owner of its components on the other manager */
  guint64        other_id;    /* a resource of the other manager, for foreign releases */

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
  guint64        released_here_data;    /* release () on this worker: runs here */
  guint64        released_here_objects;
  guint64        stuck_tracked;         /* on the other manager */
  gint           stuck_destroyed;       /* atomic */
  gint           stuck_destroyed_elsewhere; /* atomic: on a thread not its owner */
  guint          n_timed_out;
} Worker;

static void
data_destroy (gpointer data)
{
  Shared *shared = data;

  g_atomic_int_inc (&shared->n_data_destroyed);
  if (g_thread_self () != shared->main_thread)
    g_atomic_int_inc (&shared->n_data_destroyed_off_main);
}

/* Owned data of a worker's component on the other manager: destroyed on
 * the worker, its owner, never elsewhere. */
static void
stuck_data_destroy (gpointer data)
{
  Worker *w = data;

  g_atomic_int_inc (&w->stuck_destroyed);
  if (g_thread_self () != w->self)
    g_atomic_int_inc (&w->stuck_destroyed_elsewhere);
}

static gboolean
object_cleanup (gpointer   resource,
                gpointer   user_data,
                GError   **error)
{
  Shared *shared = user_data;

  g_assert_true (TEST_IS_OBJECT (resource));
  g_atomic_int_inc (&shared->n_object_cleanups);
  if (g_thread_self () != shared->main_thread)
    g_atomic_int_inc (&shared->n_object_cleanups_off_main);
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

/* A component of the other manager owned by this worker's private context:
 * cleaned from this thread while it does not own that context (it neither
 * pushed nor iterates it), the call times out and cleans nothing; its
 * abandoned cleanup never runs later; then the worker, as the owner, cleans
 * it inline. */
static void
stuck_owner_cleanup (Worker *w)
{
  ResmgrService *other = SERVICE (w->shared->other);
  g_autoptr(TestComponent) comp = test_component_new (NULL);
  g_autoptr(ResmgrCleanupReport) report = NULL;
  g_autoptr(GError) error = NULL;
  guint64 ids[N_STUCK_ITEMS];
  gint destroyed = g_atomic_int_get (&w->stuck_destroyed);

  g_main_context_push_thread_default (w->own_context);
  register_component (other, comp, NULL);
  g_main_context_pop_thread_default (w->own_context);

  for (guint i = 0; i < N_STUCK_ITEMS; i++)
    {
      ids[i] = resmgr_service_track_data (other, G_OBJECT (comp), RESMGR_RESOURCE_TYPE_MEMORY,
                                          "stuck", 8, RESMGR_PRIORITY_DEFAULT, w,
                                          stuck_data_destroy, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (ids[i], !=, 0);
      w->stuck_tracked++;
    }

  report = resmgr_service_cleanup_component (other, G_OBJECT (comp), &error);
  g_assert_null (report);
  g_assert_error (error, RESMGR_ERROR, RESMGR_ERROR_TIMED_OUT);
  g_clear_error (&error);
  w->n_timed_out++;

  /* Nothing cleaned; still tracked; and not by id on the main manager. */
  g_assert_cmpint (g_atomic_int_get (&w->stuck_destroyed), ==, destroyed);
  for (guint i = 0; i < N_STUCK_ITEMS; i++)
    {
      g_autoptr(ResmgrHandle) handle = resmgr_service_lookup (other, ids[i], &error);

      g_assert_no_error (error);
      g_assert_cmpint (resmgr_handle_get_state (handle), ==, RESMGR_RESOURCE_STATE_ACTIVE);
      g_assert_false (resmgr_service_release (SERVICE (w->shared->manager), ids[i], &error));
      g_assert_error (error, RESMGR_ERROR, RESMGR_ERROR_NOT_FOUND);
      g_clear_error (&error);
    }

  /* The owner now: the abandoned cleanup does not run when it iterates;
   * its own cleanup runs inline, once. */
  g_main_context_push_thread_default (w->own_context);
  while (g_main_context_iteration (w->own_context, FALSE))
    ;
  g_assert_cmpint (g_atomic_int_get (&w->stuck_destroyed), ==, destroyed);

  report = resmgr_service_cleanup_component (other, G_OBJECT (comp), &error);
  g_assert_no_error (error);
  g_assert_nonnull (report);
  g_assert_cmpuint (resmgr_cleanup_report_get_released (report), ==, N_STUCK_ITEMS);
  g_assert_cmpint (g_atomic_int_get (&w->stuck_destroyed), ==, destroyed + N_STUCK_ITEMS);

  /* Disposed here, its owner: nothing left to clean. */
  g_clear_object (&comp);
  g_main_context_pop_thread_default (w->own_context);
  g_assert_cmpint (g_atomic_int_get (&w->stuck_destroyed), ==, destroyed + N_STUCK_ITEMS);
}

static gpointer
worker_thread (gpointer data)
{
  Worker *w = data;
  ResmgrService *service = SERVICE (w->shared->manager);
  GRand *rand = g_rand_new_with_seed (w->seed);

  w->self = g_thread_self ();

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
              /* release () runs the cleanup on the calling thread */
              if (l.object != NULL)
                w->released_here_objects++;
              else
                w->released_here_data++;
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
          /* drop a component (the last reference, on this worker): its
           * cleanup is dispatched to the main thread, never run here */
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
      else if (dice < 95)
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
      else if (dice < 97)
        {
          /* ids of one manager are unknown to the other: NOT_FOUND, and
           * nothing of either is touched */
          g_assert_false (resmgr_service_release (service, w->other_id, &error));
          g_assert_error (error, RESMGR_ERROR, RESMGR_ERROR_NOT_FOUND);
          g_clear_error (&error);

          if (w->live->len > 0)
            {
              Live l = g_array_index (w->live, Live, g_rand_int_range (rand, 0, w->live->len));
              g_autoptr(ResmgrHandle) handle = NULL;

              g_assert_false (resmgr_service_release (SERVICE (w->shared->other), l.id, &error));
              g_assert_error (error, RESMGR_ERROR, RESMGR_ERROR_NOT_FOUND);
              g_clear_error (&error);

              handle = resmgr_service_lookup (service, l.id, &error);
              g_assert_no_error (error);
              g_assert_cmpint (resmgr_handle_get_state (handle), ==, RESMGR_RESOURCE_STATE_ACTIVE);
            }
        }
      else if (dice < 99)
        {
          /* oversize: refused, nothing taken (data_destroy is not called,
           * the model's counts stay exact) */
          guint c = pick_component (w, rand);
          gsize size = g_rand_boolean (rand) ? (gsize) -1 : (gsize) G_MAXSSIZE + 1;
          g_autoptr(TestObject) object = test_object_new (NULL);

          g_assert_cmpuint (resmgr_service_track_data (service, G_OBJECT (w->comps[c]),
                                                       RESMGR_RESOURCE_TYPE_MEMORY, "oversize",
                                                       size, RESMGR_PRIORITY_DEFAULT, w->shared,
                                                       data_destroy, &error), ==, 0);
          g_assert_error (error, RESMGR_ERROR, RESMGR_ERROR_INVALID_ARGUMENT);
          g_clear_error (&error);

          g_assert_cmpuint (resmgr_service_track_object (service, G_OBJECT (w->comps[c]),
                                                         RESMGR_RESOURCE_TYPE_WORKER, "oversize",
                                                         size, RESMGR_PRIORITY_DEFAULT,
                                                         G_OBJECT (object), object_cleanup,
                                                         w->shared, object_user_data_destroy,
                                                         &error), ==, 0);
          g_assert_error (error, RESMGR_ERROR, RESMGR_ERROR_INVALID_ARGUMENT);
        }
      else
        {
          /* a cleanup from a thread that does not own the component's
           * context, with a short wait-timeout */
          stuck_owner_cleanup (w);
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

  g_assert_true (resmgr_service_release (SERVICE (w->shared->other), w->other_id, NULL));

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
  g_autoptr(ResmgrManager) other = resmgr_manager_new ();
  g_autoptr(TestComponent) other_comp = test_component_new (NULL);
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(ResmgrStats) stats = NULL;
  Shared shared = { 0 };
  Worker workers[N_WORKERS] = { 0 };
  guint n_ops = g_test_thorough () ? 50000 : 2000;
  guint64 tracked_data = 0, tracked_objects = 0, released = 0, lost = 0;
  guint64 released_here_data = 0, released_here_objects = 0, stuck_tracked = 0;
  guint n_components = 0, n_timed_out = 0;

  g_test_summary ("4 threads do random track / release / lookup / cleanup / component "
                  "drops (last unref on the worker), releases with another manager's ids, "
                  "oversize tracks, and cleanups from a thread that does not own the "
                  "component's context (short wait-timeout: they time out, then the owner "
                  "cleans), while the main thread runs the loop; the final stats, "
                  "callbacks, signals and the threads they ran on match the model");

  shared.manager = manager;
  shared.other = other;
  resmgr_manager_set_wait_timeout (other, OTHER_WAIT_TIMEOUT_MS);
  register_component (SERVICE (other), other_comp, "other");
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
      workers[i].own_context = g_main_context_new ();
      workers[i].other_id = resmgr_service_track_data (SERVICE (other), G_OBJECT (other_comp),
                                                       RESMGR_RESOURCE_TYPE_MEMORY, "foreign", 1,
                                                       RESMGR_PRIORITY_DEFAULT, &shared,
                                                       data_destroy, NULL);
      g_assert_cmpuint (workers[i].other_id, !=, 0);
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
      released_here_data += workers[i].released_here_data;
      released_here_objects += workers[i].released_here_objects;
      stuck_tracked += workers[i].stuck_tracked;
      n_timed_out += workers[i].n_timed_out;
      g_assert_cmpint (g_atomic_int_get (&workers[i].stuck_destroyed), ==, workers[i].stuck_tracked);
      g_assert_cmpint (g_atomic_int_get (&workers[i].stuck_destroyed_elsewhere), ==, 0);
    }
  g_test_message ("tracked %" G_GUINT64_FORMAT " data + %" G_GUINT64_FORMAT " objects, "
                  "released %" G_GUINT64_FORMAT ", lost %" G_GUINT64_FORMAT ", %u components, "
                  "%u timed-out cleanups",
                  tracked_data, tracked_objects, released, lost, n_components, n_timed_out);
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

  /* The workers' foreign-id resources of the other manager were released
   * (on the workers) too: N_WORKERS more. */
  g_assert_cmpuint (g_atomic_int_get (&shared.n_data_destroyed), ==, tracked_data + N_WORKERS);
  /* Only what a worker released itself ran on a worker: the cleanups of
   * components dropped on a worker, or cleaned from one, ran on the main
   * thread. */
  g_assert_cmpuint (g_atomic_int_get (&shared.n_data_destroyed_off_main), ==,
                    released_here_data + N_WORKERS);
  g_assert_cmpuint (g_atomic_int_get (&shared.n_object_cleanups_off_main), ==,
                    released_here_objects);
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

  /* The other manager: every stuck component was cleaned by its owner,
   * once; only the "other" component is left, empty. */
  g_clear_pointer (&stats, resmgr_stats_free);
  stats = resmgr_service_dup_stats (SERVICE (other));
  g_assert_cmpuint (resmgr_stats_get_total_tracked (stats), ==, stuck_tracked + N_WORKERS);
  g_assert_cmpuint (resmgr_stats_get_total_released (stats), ==, stuck_tracked + N_WORKERS);
  g_assert_cmpuint (resmgr_stats_get_n_resources (stats), ==, 0);
  g_assert_cmpuint (resmgr_stats_get_n_components (stats), ==, 1);

  for (guint i = 0; i < N_WORKERS; i++)
    {
      /* whatever abandoned cleanups were attached to it: they run nothing */
      while (g_main_context_iteration (workers[i].own_context, FALSE))
        ;
      g_main_context_unref (workers[i].own_context);
      g_assert_cmpint (g_atomic_int_get (&workers[i].stuck_destroyed), ==, workers[i].stuck_tracked);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Resmgr/Stress/threads", test_stress);

  return g_test_run ();
}
