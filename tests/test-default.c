/* test-default.c: resmgr_service_get_default ()
 *
 * In its own executable: the default service is process-wide.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "test-common.h"

#define N_THREADS 8

typedef struct
{
  GMutex         mutex;
  GCond          cond;
  guint          n_waiting;
  gboolean       go;
  ResmgrService *results[N_THREADS];
} Barrier;

typedef struct
{
  Barrier *barrier;
  guint    index;
} ThreadData;

static gpointer
get_default_thread (gpointer data)
{
  ThreadData *td = data;
  Barrier *b = td->barrier;
  ResmgrService *service;

  g_mutex_lock (&b->mutex);
  b->n_waiting++;
  g_cond_broadcast (&b->cond);
  while (!b->go)
    g_cond_wait (&b->cond, &b->mutex);
  g_mutex_unlock (&b->mutex);

  service = resmgr_service_get_default ();
  b->results[td->index] = service;

  return NULL;
}

static void
test_default_threads (void)
{
  Barrier b = { 0 };
  ThreadData td[N_THREADS];
  GThread *threads[N_THREADS];
  ResmgrService *main_service;

  g_test_summary ("resmgr_service_get_default () called from 8 threads released at "
                  "once returns the same ResmgrManager everywhere, never NULL");

  g_mutex_init (&b.mutex);
  g_cond_init (&b.cond);

  for (guint i = 0; i < N_THREADS; i++)
    {
      td[i].barrier = &b;
      td[i].index = i;
      threads[i] = g_thread_new ("get-default", get_default_thread, &td[i]);
    }

  /* wait until all are parked, then release them together */
  g_mutex_lock (&b.mutex);
  while (b.n_waiting < N_THREADS)
    g_cond_wait (&b.cond, &b.mutex);
  b.go = TRUE;
  g_cond_broadcast (&b.cond);
  g_mutex_unlock (&b.mutex);

  for (guint i = 0; i < N_THREADS; i++)
    g_thread_join (threads[i]);

  g_assert_nonnull (b.results[0]);
  g_assert_true (RESMGR_IS_MANAGER (b.results[0]));
  for (guint i = 1; i < N_THREADS; i++)
    g_assert_true (b.results[i] == b.results[0]);

  main_service = resmgr_service_get_default ();
  g_assert_true (main_service == b.results[0]);

  /* owned by the library: still alive, and the owner context is the global
   * default context whichever thread created it */
  g_assert_cmpint (G_OBJECT (main_service)->ref_count, >=, 1);
  g_assert_true (resmgr_manager_get_context (RESMGR_MANAGER (main_service)) == g_main_context_default ());

  g_mutex_clear (&b.mutex);
  g_cond_clear (&b.cond);
}

static void
test_default_usable (void)
{
  ResmgrService *service = resmgr_service_get_default ();
  g_autoptr(ResmgrStats) stats = NULL;
  Recorder *rec = recorder_new ();
  TestComponent *comp = test_component_new (NULL);

  g_test_summary ("The default service tracks and cleans like any manager, and "
                  "get_default () keeps returning it");

  register_component (service, comp, "default-user");
  track_item (service, comp, RESMGR_RESOURCE_TYPE_MEMORY, RESMGR_PRIORITY_DEFAULT, rec, "x");
  g_object_unref (comp);
  assert_recorded (rec, "x");

  stats = resmgr_service_dup_stats (service);
  g_assert_cmpuint (resmgr_stats_get_n_resources (stats), ==, 0);
  g_assert_true (resmgr_service_get_default () == service);

  recorder_free (rec);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  /* first: nothing may have created the default service yet */
  g_test_add_func ("/Resmgr/Default/threads", test_default_threads);
  g_test_add_func ("/Resmgr/Default/usable", test_default_usable);

  return g_test_run ();
}
