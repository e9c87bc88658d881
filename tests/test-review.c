/* test-review.c: failing tests for threading bugs found in review
 *
 * Each bug is reproduced in a subprocess (g_test_trap_subprocess), so that
 * a crash, an abort or a deadlock fails that test only. Inside the
 * subprocess, warnings and criticals are counted instead of aborting, so
 * that the test can assert what happened (and, under ASan, the memory
 * error that follows is reported). Interleavings are forced with
 * GMutex/GCond handshakes, never sleeps.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>

#include "test-common.h"

#define SERVICE(m) RESMGR_SERVICE (m)
#define SUBPROCESS_TIMEOUT (10 * G_USEC_PER_SEC)

/* Log counting {{{ */

static gint n_warnings;
static gint n_criticals;
static GMutex log_lock;
static GString *log_text;

static GLogWriterOutput
counting_writer (GLogLevelFlags   log_level,
                 const GLogField *fields,
                 gsize            n_fields,
                 gpointer         user_data)
{
  const char *message = NULL;

  for (gsize i = 0; i < n_fields; i++)
    if (g_strcmp0 (fields[i].key, "MESSAGE") == 0)
      message = fields[i].value;

  if (log_level & G_LOG_LEVEL_WARNING)
    g_atomic_int_inc (&n_warnings);
  if (log_level & G_LOG_LEVEL_CRITICAL)
    g_atomic_int_inc (&n_criticals);

  if (log_level & (G_LOG_LEVEL_WARNING | G_LOG_LEVEL_CRITICAL))
    {
      g_mutex_lock (&log_lock);
      g_string_append_printf (log_text, "%s\n", message ? message : "(no message)");
      g_mutex_unlock (&log_lock);
    }

  return g_log_writer_default (log_level, fields, n_fields, user_data);
}

/* In a subprocess: count warnings and criticals instead of aborting. */
static void
count_logs (void)
{
  log_text = g_string_new (NULL);
  g_log_set_always_fatal (G_LOG_FATAL_MASK);
  g_log_set_writer_func (counting_writer, NULL, NULL);
}

static void
assert_no_warnings (void)
{
  if (g_atomic_int_get (&n_warnings) + g_atomic_int_get (&n_criticals) > 0)
    g_error ("%d warning(s) and %d critical(s) were logged:\n%s",
             g_atomic_int_get (&n_warnings), g_atomic_int_get (&n_criticals), log_text->str);
}

/* }}} */

/* Handshake {{{ */

typedef struct
{
  GMutex mutex;
  GCond  cond;
  int    stage;
} Handshake;

static void
hs_init (Handshake *hs)
{
  g_mutex_init (&hs->mutex);
  g_cond_init (&hs->cond);
  hs->stage = 0;
}

static void
hs_clear (Handshake *hs)
{
  g_mutex_clear (&hs->mutex);
  g_cond_clear (&hs->cond);
}

static void
hs_set (Handshake *hs,
        int        stage)
{
  g_mutex_lock (&hs->mutex);
  hs->stage = stage;
  g_cond_broadcast (&hs->cond);
  g_mutex_unlock (&hs->mutex);
}

static void
hs_wait (Handshake *hs,
         int        stage)
{
  g_mutex_lock (&hs->mutex);
  while (hs->stage < stage)
    g_cond_wait (&hs->cond, &hs->mutex);
  g_mutex_unlock (&hs->mutex);
}

/* }}} */

/* 1. Manager dispose while a component runs its weak notifies {{{
 *
 * g_object_run_dispose() (or gtk_window_destroy()) on thread B takes the
 * component's weak-ref list out of its qdata and then calls the notifies;
 * the component's GWeakRefs are only cleared after that. If the manager's
 * last reference is dropped on thread A meanwhile, its dispose upgrades the
 * component's GWeakRef (succeeds), calls g_object_weak_unref() (finds
 * nothing: "couldn't find weak ref") and drops the notify's Component
 * reference. Then the notify fires on B and drops it again: Component is
 * freed twice / used after free.
 */

typedef struct
{
  Handshake      hs;
  TestComponent *comp;
} DisposeRace;

/* Registered before the manager's notify, so it runs first. */
static void
blocking_weak_notify (gpointer  data,
                      GObject  *where_the_object_was)
{
  DisposeRace *dr = data;

  hs_set (&dr->hs, 1);   /* B is inside the component's weak notifies */
  hs_wait (&dr->hs, 2);  /* until A's manager dispose is over */
}

static gpointer
run_dispose_thread (gpointer data)
{
  DisposeRace *dr = data;

  g_object_run_dispose (G_OBJECT (dr->comp));
  return NULL;
}

static void
test_manager_dispose_vs_run_dispose_subprocess (void)
{
  DisposeRace dr;
  ResmgrManager *manager;
  g_autoptr(GError) error = NULL;
  GThread *thread;

  count_logs ();
  hs_init (&dr.hs);
  dr.comp = test_component_new (NULL);
  manager = resmgr_manager_new ();

  g_object_weak_ref (G_OBJECT (dr.comp), blocking_weak_notify, &dr);
  g_assert_true (resmgr_service_register_component (SERVICE (manager), G_OBJECT (dr.comp),
                                                    "victim", &error));
  g_assert_no_error (error);

  thread = g_thread_new ("run-dispose", run_dispose_thread, &dr);
  hs_wait (&dr.hs, 1);

  /* Thread A (this one) drops the manager's last reference now. */
  g_object_unref (manager);

  hs_set (&dr.hs, 2);
  g_thread_join (thread);

  g_object_unref (dr.comp);
  hs_clear (&dr.hs);

  /* g_object_weak_unref() from the manager's dispose found nothing: the
   * notify's Component reference was dropped twice. */
  assert_no_warnings ();
}

static void
test_manager_dispose_vs_run_dispose (void)
{
  g_test_summary ("The manager's dispose racing with g_object_run_dispose() of a "
                  "component on another thread must neither call g_object_weak_unref() "
                  "on a notify that is already firing nor drop the notify's reference twice");

  g_test_trap_subprocess ("/Resmgr/Review/manager/dispose-vs-run-dispose/subprocess", SUBPROCESS_TIMEOUT, G_TEST_SUBPROCESS_INHERIT_STDOUT | G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed ();
}

/* }}} */

/* 2. A bound callback released between tracking and g_source_attach {{{
 *
 * bound_attach() tracks the source first and attaches it after. Any
 * release of that resource in between (another thread's cleanup, shutdown,
 * or the tracked-signal handler) runs source_cleanup on a source that is
 * not attached yet: g_source_destroy() marks it destroyed, and then
 * g_source_attach() fails with a critical (!SOURCE_DESTROYED (source)).
 */

typedef struct
{
  ResmgrService *service;
  guint64        id;
  Handshake      hs;
} ReleaseRace;

static gpointer
release_thread (gpointer data)
{
  ReleaseRace *rr = data;
  g_autoptr(GError) error = NULL;

  hs_wait (&rr->hs, 1);
  g_assert_true (resmgr_service_release (rr->service, rr->id, &error));
  g_assert_no_error (error);
  hs_set (&rr->hs, 2);

  return NULL;
}

/* Runs on the tracking thread (it can acquire the manager's context), after
 * the entry exists and before bound_attach() attaches the source. */
static void
on_resource_tracked (ResmgrService *service,
                     ResmgrHandle  *handle,
                     ReleaseRace   *rr)
{
  if (g_strcmp0 (resmgr_handle_get_name (handle), "bound-idle") != 0)
    return;

  rr->id = resmgr_handle_get_id (handle);
  hs_set (&rr->hs, 1);  /* let the other thread release it */
  hs_wait (&rr->hs, 2); /* released */
}

static gboolean
never_called (GObject  *target,
              gpointer  user_data)
{
  g_assert_not_reached ();
  return G_SOURCE_REMOVE;
}

static void
count_destroy (gpointer data)
{
  g_atomic_int_inc ((gint *) data);
}

static void
test_bound_attach_vs_release_subprocess (void)
{
  ReleaseRace rr;
  ResmgrManager *manager;
  ResmgrCoordinator *coordinator;
  TestComponent *comp;
  g_autoptr(GError) error = NULL;
  guint64 handle;
  GThread *thread;
  gint destroyed = 0;

  count_logs ();
  hs_init (&rr.hs);
  manager = resmgr_manager_new ();
  rr.service = SERVICE (manager);
  comp = test_component_new (NULL);
  coordinator = resmgr_coordinator_new (SERVICE (manager));
  g_assert_true (resmgr_coordinator_bind (coordinator, G_OBJECT (comp), "comp", &error));
  g_assert_no_error (error);

  g_signal_connect (manager, "resource-tracked", G_CALLBACK (on_resource_tracked), &rr);
  thread = g_thread_new ("release", release_thread, &rr);

  handle = resmgr_coordinator_idle_add (coordinator, "bound-idle", NULL, never_called,
                                        &destroyed, count_destroy);
  g_thread_join (thread);
  g_assert_cmpuint (handle, ==, rr.id); /* tracked, then released at once */

  /* The callback was released before it could run: destroyed exactly once,
   * and without g_source_attach() complaining about a destroyed source. */
  g_assert_cmpint (g_atomic_int_get (&destroyed), ==, 1);

  g_signal_handlers_disconnect_by_func (manager, on_resource_tracked, &rr);
  g_object_unref (comp);
  g_object_unref (coordinator);
  g_object_unref (manager);
  hs_clear (&rr.hs);

  assert_no_warnings ();
}

static void
test_bound_attach_vs_release (void)
{
  g_test_summary ("A bound idle callback released between being tracked and being "
                  "attached must not make g_source_attach() fail on a destroyed source");

  g_test_trap_subprocess ("/Resmgr/Review/coordinator/bound-attach-vs-release/subprocess", SUBPROCESS_TIMEOUT, G_TEST_SUBPROCESS_INHERIT_STDOUT | G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed ();
}

/* }}} */

/* 3. unwatch_object drops a possibly-last manager reference under the
 *    global watchers_lock {{{
 *
 * unwatch_object() upgrades the GWeakRef of every watch with the same id to
 * compare managers, and drops that reference with watchers_lock held.
 * Resource ids of different managers collide (serial 1, seq 1 in each new
 * manager). If another thread drops its reference to the *other* manager
 * meanwhile, the g_clear_object() under watchers_lock is the last unref:
 * that manager's dispose runs its cleanups under the lock, reaches
 * unwatch_object() for the same object, and locks watchers_lock again:
 * self-deadlock.
 *
 * The window (between g_weak_ref_get() and g_clear_object()) has no hook,
 * so the test interposes g_weak_ref_get() (the static library is linked
 * into this executable) to park the thread there, with a handshake.
 */

static gpointer (*real_weak_ref_get) (GWeakRef *weak_ref);
static gpointer hook_object;      /* park when this object is returned ... */
static GThread *hook_thread;      /* ... on this thread */
static Handshake hook_hs;

gpointer
g_weak_ref_get (GWeakRef *weak_ref)
{
  gpointer object;

  if (G_UNLIKELY (real_weak_ref_get == NULL))
    real_weak_ref_get = dlsym (RTLD_NEXT, "g_weak_ref_get");

  object = real_weak_ref_get (weak_ref);

  if (object != NULL &&
      g_atomic_pointer_get (&hook_object) == object &&
      g_thread_self () == g_atomic_pointer_get (&hook_thread) &&
      g_atomic_pointer_compare_and_exchange (&hook_object, object, NULL))
    {
      hs_set (&hook_hs, 1);  /* holding a strong ref inside unwatch_object */
      hs_wait (&hook_hs, 2); /* the other thread dropped its reference */
    }

  return object;
}

static gboolean
ok_cleanup (gpointer   resource,
            gpointer   user_data,
            GError   **error)
{
  return TRUE;
}

static gpointer
drop_manager_thread (gpointer data)
{
  hs_wait (&hook_hs, 1);
  g_object_unref (data); /* not the last: the parked thread holds one */
  hs_set (&hook_hs, 2);

  return NULL;
}

static void
test_unwatch_last_unref_subprocess (void)
{
  ResmgrManager *m1, *m2;
  TestComponent *c1, *c2;
  TestObject *object;
  g_autoptr(GError) error = NULL;
  guint64 id1, id2;
  GThread *thread;

  count_logs ();
  hs_init (&hook_hs);

  m1 = resmgr_manager_new ();
  m2 = resmgr_manager_new ();
  c1 = test_component_new (NULL);
  c2 = test_component_new (NULL);
  object = test_object_new (NULL);

  g_assert_true (resmgr_service_register_component (SERVICE (m1), G_OBJECT (c1), NULL, &error));
  g_assert_true (resmgr_service_register_component (SERVICE (m2), G_OBJECT (c2), NULL, &error));

  /* Watched by m2 first, so m2's watch comes first in the object's list. */
  id2 = resmgr_service_track_object (SERVICE (m2), G_OBJECT (c2), RESMGR_RESOURCE_TYPE_CUSTOM,
                                     "w2", 0, RESMGR_PRIORITY_DEFAULT, G_OBJECT (object),
                                     ok_cleanup, NULL, NULL, &error);
  g_assert_no_error (error);
  id1 = resmgr_service_track_object (SERVICE (m1), G_OBJECT (c1), RESMGR_RESOURCE_TYPE_CUSTOM,
                                     "w1", 0, RESMGR_PRIORITY_DEFAULT, G_OBJECT (object),
                                     ok_cleanup, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (id1, !=, id2); /* ids are unique in the process */

  thread = g_thread_new ("drop-m2", drop_manager_thread, m2);
  g_atomic_pointer_set (&hook_thread, g_thread_self ());
  g_atomic_pointer_set (&hook_object, m2);

  /* unwatch_object (object, m1, id) walks past m2's watch. */
  g_assert_true (resmgr_service_release (SERVICE (m1), id1, &error));
  g_assert_no_error (error);
  /* An unwatch_object () that takes no reference never parks: let the other
   * thread drop m2 now (its last reference, outside any of our locks). */
  if (g_atomic_pointer_compare_and_exchange (&hook_object, m2, NULL))
    hs_set (&hook_hs, 1);
  g_thread_join (thread);

  g_object_unref (object);
  g_object_unref (c1);
  g_object_unref (c2);
  g_object_unref (m1);
  hs_clear (&hook_hs);

  assert_no_warnings ();
}

static void
test_unwatch_last_unref (void)
{
  g_test_summary ("Dropping the last reference to another manager inside "
                  "unwatch_object() must not run its dispose under watchers_lock "
                  "(self-deadlock)");

  g_test_trap_subprocess ("/Resmgr/Review/manager/unwatch-last-unref/subprocess", SUBPROCESS_TIMEOUT, G_TEST_SUBPROCESS_INHERIT_STDOUT | G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed ();
}

/* }}} */

/* 4. A refused bound callback leaks its user_data {{{ */

static void
test_bound_refused_destroys_subprocess (void)
{
  ResmgrManager *manager;
  ResmgrCoordinator *coordinator;
  TestComponent *comp;
  g_autoptr(GError) error = NULL;
  ResmgrCleanupReport *report;
  guint64 handle;
  gint destroyed = 0;

  count_logs ();
  manager = resmgr_manager_new ();
  comp = test_component_new (NULL);
  coordinator = resmgr_coordinator_new (SERVICE (manager));
  g_assert_true (resmgr_coordinator_bind (coordinator, G_OBJECT (comp), "comp", &error));

  report = resmgr_service_shutdown (SERVICE (manager), 1000, &error);
  g_assert_no_error (error);
  resmgr_cleanup_report_unref (report);

  handle = resmgr_coordinator_idle_add (coordinator, "refused", NULL, never_called,
                                        &destroyed, count_destroy);
  g_assert_cmpuint (handle, ==, 0);
  g_assert_cmpint (g_atomic_int_get (&n_warnings), ==, 1); /* the documented refusal warning */

  /* (destroy destroy) (scope notified): user_data was handed over. */
  g_assert_cmpint (destroyed, ==, 1);

  g_object_unref (comp);
  g_object_unref (coordinator);
  g_object_unref (manager);
}

static void
test_bound_refused_destroys (void)
{
  g_test_summary ("A bound callback refused at shutdown still frees its user_data "
                  "with its destroy notify, as the run of a refused job does");

  g_test_trap_subprocess ("/Resmgr/Review/coordinator/bound-refused-destroys/subprocess", SUBPROCESS_TIMEOUT, G_TEST_SUBPROCESS_INHERIT_STDOUT | G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed ();
}

/* }}} */

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  /* Each bug fails its own test; the others still run. */
  if (!g_test_subprocess ())
    g_test_set_nonfatal_assertions ();

  g_test_add_func ("/Resmgr/Review/manager/dispose-vs-run-dispose", test_manager_dispose_vs_run_dispose);
  g_test_add_func ("/Resmgr/Review/manager/dispose-vs-run-dispose/subprocess", test_manager_dispose_vs_run_dispose_subprocess);
  g_test_add_func ("/Resmgr/Review/manager/unwatch-last-unref", test_unwatch_last_unref);
  g_test_add_func ("/Resmgr/Review/manager/unwatch-last-unref/subprocess", test_unwatch_last_unref_subprocess);
  g_test_add_func ("/Resmgr/Review/coordinator/bound-attach-vs-release", test_bound_attach_vs_release);
  g_test_add_func ("/Resmgr/Review/coordinator/bound-attach-vs-release/subprocess", test_bound_attach_vs_release_subprocess);
  g_test_add_func ("/Resmgr/Review/coordinator/bound-refused-destroys", test_bound_refused_destroys);
  g_test_add_func ("/Resmgr/Review/coordinator/bound-refused-destroys/subprocess", test_bound_refused_destroys_subprocess);

  return g_test_run ();
}
