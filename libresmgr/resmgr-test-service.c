/* resmgr-test-service.c: a recording, fault-injecting service for tests
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifndef _GNU_SOURCE
# define _GNU_SOURCE /* pthread_getname_np () */
#endif
#include <pthread.h>
#include <time.h>

#include "resmgr-private.h"
#include "resmgr-test-service.h"

/**
 * ResmgrTestService:
 *
 * A [iface@Resmgr.Service] for the tests of an application's controllers:
 * it forwards every call to a real [class@Resmgr.Manager] of its own (so
 * cleanups, priorities, owner contexts and reports are the real ones),
 * records each call, and fails on request.
 *
 * What it records ([method@Resmgr.TestService.dup_calls]) is one
 * [class@Resmgr.TestCall] per call that changes the service or names a
 * resource (`register_component`, `track_data`, `track_object`,
 * `track_resource`, `add_cleanup`, `set_metadata`, `release`, `lookup`,
 * `cleanup_component`, `shutdown`, `cleanup_phase`), and one with the method
 * `"cleanup"` each time a resource's cleanup (or an owned data's destroy
 * notify) runs: with its name, type, effective priority and the thread that
 * ran it, so the order of a cleanup and its threads can be checked. Reads
 * (`dup_handles`, `dup_stats`, `is_shutting_down`, …) are forwarded but not
 * recorded: coordinators read at will, and a test checks what was done.
 *
 * The faults it injects:
 *
 * - [method@Resmgr.TestService.fail_next]: the next calls of a method fail
 *   with a given error, before they reach the manager (the next N tracks
 *   refused, a registration refused, a release refused, …);
 * - [method@Resmgr.TestService.fail_cleanup]: the cleanup of a named
 *   resource fails (after running, so the test itself leaks nothing);
 * - [method@Resmgr.TestService.overrun_cleanup]: the cleanup of a named
 *   resource takes longer than the deadline it runs under;
 * - [method@Resmgr.TestService.set_shutting_down]: the service says it is
 *   shutting down and refuses registrations and tracks;
 * - an owner context that is never iterated: components created while
 *   [method@Resmgr.TestService.get_context] is the thread-default context
 *   are owned by it, and it runs only when the test steps it with
 *   [method@Resmgr.TestService.step] or
 *   [method@Resmgr.TestService.run_until_idle], one dispatch at a time.
 *
 * The checks ([method@Resmgr.TestService.check_no_leaks],
 * [method@Resmgr.TestService.check_cleanup_order],
 * [func@Resmgr.test_check_handles]) fail with a %RESMGR_TEST_ERROR whose
 * message says what differs; in C the macros `resmgr_assert_no_leaks()`,
 * `resmgr_assert_cleanup_order()` and `resmgr_assert_handles()` fail a GTest
 * test with that message, like `g_assert_*`.
 *
 * A [class@Resmgr.Monitor] follows a test service like a manager: the
 * service reports the manager's events to its own observers.
 *
 * ## Thread safety
 *
 * Every method may be called from any thread, like the service methods.
 * Records and faults are guarded by one lock, never held while a cleanup,
 * a destroy notify or the manager runs. [method@Resmgr.TestService.step] and
 * [method@Resmgr.TestService.run_until_idle] iterate the service's context
 * on the calling thread: call them from one thread at a time.
 *
 * Since: 0.1
 */

/**
 * ResmgrTestCall:
 *
 * One call a [class@Resmgr.TestService] recorded: immutable, readable from
 * any thread.
 *
 * Since: 0.1
 */

/**
 * resmgr_test_error_quark:
 *
 * The error domain of the failed checks of a [class@Resmgr.TestService]
 * ([error@Resmgr.TestError]).
 *
 * Returns: the quark of %RESMGR_TEST_ERROR
 *
 * Since: 0.1
 */
/* Not G_DEFINE_QUARK: see resmgr_error_quark (). */
GQuark
resmgr_test_error_quark (void)
{
  static gsize quark;

  if (g_once_init_enter (&quark))
    g_once_init_leave (&quark, g_quark_from_static_string ("resmgr-test-error-quark"));

  return (GQuark) quark;
}

/* ResmgrTestCall {{{ */

struct _ResmgrTestCall
{
  GObject  parent_instance;

  /* Read-only after construction: */
  char    *method;
  char    *component_id;
  char    *name;
  int      type;
  int      priority;
  guint64  id;
  GError  *error;
  char    *thread_name;
  gboolean on_test_thread;
  gboolean on_owner;
};

G_DEFINE_FINAL_TYPE (ResmgrTestCall, resmgr_test_call, G_TYPE_OBJECT)

static void
resmgr_test_call_finalize (GObject *object)
{
  ResmgrTestCall *self = RESMGR_TEST_CALL (object);

  g_free (self->method);
  g_free (self->component_id);
  g_free (self->name);
  g_clear_error (&self->error);
  g_free (self->thread_name);

  G_OBJECT_CLASS (resmgr_test_call_parent_class)->finalize (object);
}

static void
resmgr_test_call_class_init (ResmgrTestCallClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = resmgr_test_call_finalize;
}

static void
resmgr_test_call_init (ResmgrTestCall *self)
{
  self->type = -1;
  self->priority = RESMGR_PRIORITY_DEFAULT;
}

/**
 * resmgr_test_call_get_method:
 * @self: a recorded call
 *
 * Returns which method of the service the call was, or `"cleanup"`.
 *
 * Returns: the method: a vfunc name of [iface@Resmgr.Service] such as
 *   `"track_data"` or `"release"`, or `"cleanup"` for a resource's cleanup
 *
 * Since: 0.1
 */
const char *
resmgr_test_call_get_method (ResmgrTestCall *self)
{
  g_return_val_if_fail (RESMGR_IS_TEST_CALL (self), NULL);
  return self->method;
}

/**
 * resmgr_test_call_get_component_id:
 * @self: a recorded call
 *
 * Returns the id of the component the call was about.
 *
 * Returns: (nullable): the id of the component the call was about, or
 *   %NULL if none (or it was not registered)
 *
 * Since: 0.1
 */
const char *
resmgr_test_call_get_component_id (ResmgrTestCall *self)
{
  g_return_val_if_fail (RESMGR_IS_TEST_CALL (self), NULL);
  return self->component_id;
}

/**
 * resmgr_test_call_get_name:
 * @self: a recorded call
 *
 * Returns the name of the resource the call named.
 *
 * Returns: (nullable): the resource's name; for `register_component`, the
 *   id asked for
 *
 * Since: 0.1
 */
const char *
resmgr_test_call_get_name (ResmgrTestCall *self)
{
  g_return_val_if_fail (RESMGR_IS_TEST_CALL (self), NULL);
  return self->name;
}

/**
 * resmgr_test_call_get_resource_type:
 * @self: a recorded call
 *
 * Returns the type of the resource the call named.
 *
 * Returns: the resource's [enum@Resmgr.ResourceType], or -1 when the call
 *   names no resource
 *
 * Since: 0.1
 */
int
resmgr_test_call_get_resource_type (ResmgrTestCall *self)
{
  g_return_val_if_fail (RESMGR_IS_TEST_CALL (self), -1);
  return self->type;
}

/**
 * resmgr_test_call_get_priority:
 * @self: a recorded call
 *
 * Returns the cleanup priority of the resource the call named.
 *
 * Returns: the priority as passed to a track (%RESMGR_PRIORITY_DEFAULT
 *   included); the priority in effect for `release`, `lookup` and
 *   `cleanup`; %RESMGR_PRIORITY_DEFAULT when the call has none
 *
 * Since: 0.1
 */
int
resmgr_test_call_get_priority (ResmgrTestCall *self)
{
  g_return_val_if_fail (RESMGR_IS_TEST_CALL (self), RESMGR_PRIORITY_DEFAULT);
  return self->priority;
}

/**
 * resmgr_test_call_get_id:
 * @self: a recorded call
 *
 * Returns the id of the resource the call named or created.
 *
 * Returns: the id of the resource the call named or created, 0 if none
 *
 * Since: 0.1
 */
guint64
resmgr_test_call_get_id (ResmgrTestCall *self)
{
  g_return_val_if_fail (RESMGR_IS_TEST_CALL (self), 0);
  return self->id;
}

/**
 * resmgr_test_call_get_error:
 * @self: a recorded call
 *
 * Returns the error the call failed with.
 *
 * Returns: (nullable) (transfer none): the error the call failed with (an
 *   injected one, or the manager's), or %NULL if it succeeded
 *
 * Since: 0.1
 */
const GError *
resmgr_test_call_get_error (ResmgrTestCall *self)
{
  g_return_val_if_fail (RESMGR_IS_TEST_CALL (self), NULL);
  return self->error;
}

/**
 * resmgr_test_call_get_thread_name:
 * @self: a recorded call
 *
 * Returns the name of the thread that made the call.
 *
 * Returns: the name of the thread that made the call (the name given to
 *   g_thread_new(), the program's name for the main thread)
 *
 * Since: 0.1
 */
const char *
resmgr_test_call_get_thread_name (ResmgrTestCall *self)
{
  g_return_val_if_fail (RESMGR_IS_TEST_CALL (self), NULL);
  return self->thread_name;
}

/**
 * resmgr_test_call_get_on_test_thread:
 * @self: a recorded call
 *
 * Returns whether the call was made on the test's thread.
 *
 * Returns: whether the call was made on the thread that created the
 *   service (normally the test's)
 *
 * Since: 0.1
 */
gboolean
resmgr_test_call_get_on_test_thread (ResmgrTestCall *self)
{
  g_return_val_if_fail (RESMGR_IS_TEST_CALL (self), FALSE);
  return self->on_test_thread;
}

/**
 * resmgr_test_call_get_on_owner:
 * @self: a recorded call
 *
 * Returns whether the call was made on the owner context's thread.
 *
 * Returns: whether the calling thread owned the owner context of the
 *   call's component then (see `docs/threading.md`): a `"cleanup"` must
 *   always say %TRUE; %FALSE for a call about no component
 *
 * Since: 0.1
 */
gboolean
resmgr_test_call_get_on_owner (ResmgrTestCall *self)
{
  g_return_val_if_fail (RESMGR_IS_TEST_CALL (self), FALSE);
  return self->on_owner;
}

/* }}} */

/* The records and faults, shared with the wrapped cleanups, which may
 * outlive the service (the manager runs what is left when it goes). */
typedef struct
{
  gatomicrefcount  ref_count;
  GThread         *test_thread;  /* read-only */

  GMutex           mutex;
  /* Protected by mutex: */
  GPtrArray       *calls;        /* ResmgrTestCall* */
  GQueue           refusals;     /* Refusal* */
  GHashTable      *fail_cleanup; /* name → GError* */
  GHashTable      *overrun;      /* set of names */
  GHashTable      *owners;       /* component id → GMainContext* (ref) */
  gboolean         shutting_down;
} Core;

typedef struct
{
  char   *method;
  guint   n;
  GError *error;
} Refusal;

struct _ResmgrTestService
{
  GObject        parent_instance;

  /* Read-only after construction: */
  ResmgrManager *manager;
  GMainContext  *context;
  Core          *core;
  guint          observer_id;
};

static void resmgr_test_service_iface_init (ResmgrServiceInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (ResmgrTestService, resmgr_test_service, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (RESMGR_TYPE_SERVICE, resmgr_test_service_iface_init))

#define MANAGER(self) RESMGR_SERVICE ((self)->manager)

/* Core {{{ */

static void
refusal_free (Refusal *r)
{
  g_free (r->method);
  g_clear_error (&r->error);
  g_free (r);
}

static Core *
core_new (void)
{
  Core *core = g_new0 (Core, 1);

  g_atomic_ref_count_init (&core->ref_count);
  core->test_thread = g_thread_self ();
  g_mutex_init (&core->mutex);
  core->calls = g_ptr_array_new_with_free_func (g_object_unref);
  g_queue_init (&core->refusals);
  core->fail_cleanup = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                              (GDestroyNotify) g_error_free);
  core->overrun = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  core->owners = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                        (GDestroyNotify) g_main_context_unref);

  return core;
}

static Core *
core_ref (Core *core)
{
  g_atomic_ref_count_inc (&core->ref_count);
  return core;
}

static void
core_unref (Core *core)
{
  if (!g_atomic_ref_count_dec (&core->ref_count))
    return;

  g_ptr_array_unref (core->calls);
  g_queue_clear_full (&core->refusals, (GDestroyNotify) refusal_free);
  g_hash_table_unref (core->fail_cleanup);
  g_hash_table_unref (core->overrun);
  g_hash_table_unref (core->owners);
  g_mutex_clear (&core->mutex);
  g_free (core);
}

static ResmgrTestCall *
call_new (Core       *core,
          const char *method,
          const char *component_id,
          const char *name,
          int         type,
          int         priority)
{
  ResmgrTestCall *call = g_object_new (RESMGR_TYPE_TEST_CALL, NULL);
  char thread_name[64] = "";

  call->method = g_strdup (method);
  call->component_id = g_strdup (component_id);
  call->name = g_strdup (name);
  call->type = type;
  call->priority = priority;
#ifdef __GLIBC__
  pthread_getname_np (pthread_self (), thread_name, sizeof thread_name);
#endif
  call->thread_name = g_strdup (thread_name);
  call->on_test_thread = g_thread_self () == core->test_thread;

  if (component_id != NULL)
    {
      GMainContext *owner;

      g_mutex_lock (&core->mutex);
      owner = g_hash_table_lookup (core->owners, component_id);
      if (owner != NULL)
        g_main_context_ref (owner);
      g_mutex_unlock (&core->mutex);
      if (owner != NULL)
        {
          call->on_owner = _resmgr_context_is_owned_here (owner);
          g_main_context_unref (owner);
        }
    }

  return call;
}

/* Records @call (taking it) with its outcome. */
static void
core_record (Core           *core,
             ResmgrTestCall *call,
             guint64         id,
             const GError   *error)
{
  call->id = id;
  if (error != NULL)
    call->error = g_error_copy (error);
  g_mutex_lock (&core->mutex);
  g_ptr_array_add (core->calls, call);
  g_mutex_unlock (&core->mutex);
}

static gboolean
method_matches (const char *refused,
                const char *method)
{
  if (g_str_equal (refused, method))
    return TRUE;
  return g_str_equal (refused, "track") &&
         (g_str_equal (method, "track_data") || g_str_equal (method, "track_object") ||
          g_str_equal (method, "track_resource") || g_str_equal (method, "add_cleanup"));
}

/* Whether @method must fail now (an injected refusal, or the shutting-down
 * state for registrations and tracks); sets @error if so. */
static gboolean
core_refuses (Core        *core,
              const char  *method,
              GError     **error)
{
  gboolean refused = FALSE;

  g_mutex_lock (&core->mutex);
  for (GList *l = core->refusals.head; l != NULL; l = l->next)
    {
      Refusal *r = l->data;

      if (method_matches (r->method, method))
        {
          g_propagate_error (error, g_error_copy (r->error));
          if (--r->n == 0)
            {
              g_queue_delete_link (&core->refusals, l);
              refusal_free (r);
            }
          refused = TRUE;
          break;
        }
    }
  if (!refused && core->shutting_down &&
      (method_matches ("track", method) || g_str_equal (method, "register_component")))
    {
      g_set_error (error, RESMGR_ERROR, RESMGR_ERROR_SHUTTING_DOWN,
                   "The test service refuses %s: it is shutting down "
                   "(resmgr_test_service_set_shutting_down ())", method);
      refused = TRUE;
    }
  g_mutex_unlock (&core->mutex);

  return refused;
}

/* }}} */

/* Wrapped cleanups {{{
 *
 * Every cleanup and owned data's destroy notify given to the manager is
 * wrapped: the wrapper records a "cleanup" call, applies the cleanup faults
 * of its name, and calls the original.
 */

typedef struct
{
  Core               *core;
  char               *component_id;
  char               *name;
  ResmgrResourceType  type;
  int                 priority;     /* in effect */
  guint64             id;           /* atomic: set after the track */
  ResmgrManager      *manager;      /* not referenced: only read while it runs us */

  gpointer            data;         /* owned data */
  GDestroyNotify      destroy;
  ResmgrCleanupFunc   cleanup;      /* or a cleanup */
  gpointer            user_data;
  GDestroyNotify      user_data_destroy;
} Wrap;

static Wrap *
wrap_new (ResmgrTestService  *self,
          GObject            *component,
          ResmgrResourceType  type,
          const char         *name,
          int                 priority)
{
  Wrap *w = g_new0 (Wrap, 1);

  w->core = core_ref (self->core);
  w->component_id = resmgr_service_dup_component_id (MANAGER (self), component);
  w->name = g_strdup (name);
  w->type = type;
  w->priority = priority == RESMGR_PRIORITY_DEFAULT ?
                resmgr_resource_type_get_default_priority (type) : priority;
  w->manager = self->manager;

  return w;
}

static void
wrap_free (Wrap *w)
{
  core_unref (w->core);
  g_free (w->component_id);
  g_free (w->name);
  g_free (w);
}

/* The wrapped user_data's destroy notify. */
static void
wrap_destroy (gpointer data)
{
  Wrap *w = data;

  if (w->user_data_destroy != NULL)
    w->user_data_destroy (w->user_data);
  wrap_free (w);
}

static gint64
coarse_now (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC_COARSE, &ts);

  return (gint64) ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000;
}

/* Runs the cleanup faults of @w; returns FALSE with @error if it must fail. */
static gboolean
wrap_begin (Wrap     *w,
            gboolean  can_fail,
            GError  **error)
{
  ResmgrTestCall *call = call_new (w->core, "cleanup", w->component_id, w->name,
                                   w->type, w->priority);
  GError *failure = NULL;
  gboolean overrun;

  g_mutex_lock (&w->core->mutex);
  if (can_fail && w->name != NULL)
    {
      const GError *e = g_hash_table_lookup (w->core->fail_cleanup, w->name);

      if (e != NULL)
        failure = g_error_copy (e);
    }
  overrun = w->name != NULL && g_hash_table_contains (w->core->overrun, w->name);
  g_mutex_unlock (&w->core->mutex);

  core_record (w->core, call, __atomic_load_n (&w->id, __ATOMIC_ACQUIRE), failure);

  if (overrun)
    {
      /* Longer than the deadline in effect: the running operation's, or a
       * synchronous wait's. The manager is alive: it is running us. */
      gint64 deadline = resmgr_service_get_deadline (RESMGR_SERVICE (w->manager));
      gint64 now;

      if (deadline <= 0)
        deadline = g_get_monotonic_time () + (gint64) resmgr_manager_get_wait_timeout (w->manager) * 1000;
      /* Past it on the manager's coarse clock too, which lags by a tick. */
      while ((now = coarse_now ()) <= deadline)
        g_usleep (MAX (deadline - now, 1000));
    }

  if (failure != NULL)
    {
      g_propagate_error (error, failure);
      return FALSE;
    }
  return TRUE;
}

static void
wrap_data_destroy (gpointer data)
{
  Wrap *w = data;

  wrap_begin (w, FALSE, NULL); /* owned data cannot fail: its destroy has no error */
  w->destroy (w->data);
  wrap_free (w);
}

static gboolean
wrap_cleanup (gpointer   resource,
              gpointer   user_data,
              GError   **error)
{
  Wrap *w = user_data;
  GError *failure = NULL;
  gboolean ok;

  wrap_begin (w, TRUE, &failure);
  /* The real cleanup runs all the same: an injected failure must not leak. */
  ok = w->cleanup (resource, w->user_data, failure != NULL ? NULL : error);
  if (failure != NULL)
    {
      g_propagate_error (error, failure);
      return FALSE;
    }
  return ok;
}

/* }}} */

/* ResmgrService {{{ */

static ResmgrTestCall *
component_call (ResmgrTestService  *self,
                const char         *method,
                GObject            *component,
                const char         *name,
                int                 type,
                int                 priority)
{
  g_autofree char *component_id = component != NULL ?
    resmgr_service_dup_component_id (MANAGER (self), component) : NULL;

  return call_new (self->core, method, component_id, name, type, priority);
}

/* A call about resource @id, described by the manager's handle. */
static ResmgrTestCall *
id_call (ResmgrTestService *self,
         const char        *method,
         guint64            id)
{
  g_autoptr(ResmgrHandle) handle = resmgr_service_lookup (MANAGER (self), id, NULL);

  if (handle == NULL)
    return call_new (self->core, method, NULL, NULL, -1, RESMGR_PRIORITY_DEFAULT);
  return call_new (self->core, method, resmgr_handle_get_component_id (handle),
                   resmgr_handle_get_name (handle), resmgr_handle_get_resource_type (handle),
                   resmgr_handle_get_priority (handle));
}

static gboolean
test_register_component (ResmgrService  *service,
                         GObject        *component,
                         const char     *id,
                         GError        **error)
{
  ResmgrTestService *self = RESMGR_TEST_SERVICE (service);
  ResmgrTestCall *call;
  GError *local_error = NULL;
  gboolean ok = FALSE;

  if (!core_refuses (self->core, "register_component", &local_error))
    ok = resmgr_service_register_component (MANAGER (self), component, id, &local_error);

  if (ok)
    {
      char *assigned = resmgr_service_dup_component_id (MANAGER (self), component);

      /* The owner is the registering thread's thread-default, as the
       * manager has it. */
      g_mutex_lock (&self->core->mutex);
      g_hash_table_replace (self->core->owners, g_strdup (assigned),
                            g_main_context_ref_thread_default ());
      g_mutex_unlock (&self->core->mutex);
      call = call_new (self->core, "register_component", assigned, id, -1, RESMGR_PRIORITY_DEFAULT);
      g_free (assigned);
    }
  else
    call = call_new (self->core, "register_component", NULL, id, -1, RESMGR_PRIORITY_DEFAULT);
  core_record (self->core, call, 0, local_error);

  if (local_error != NULL)
    g_propagate_error (error, local_error);
  return ok;
}

/* Records a track: refused, or done by @track, which returns the id. */
static guint64
record_track (ResmgrTestService *self,
              ResmgrTestCall    *call,
              Wrap              *w,
              guint64            id,
              GError            *local_error,
              GError           **error)
{
  if (id != 0)
    __atomic_store_n (&w->id, id, __ATOMIC_RELEASE);
  core_record (self->core, call, id, local_error);
  if (local_error != NULL)
    g_propagate_error (error, local_error);
  return id;
}

static guint64
test_track_data (ResmgrService       *service,
                 GObject             *component,
                 ResmgrResourceType   type,
                 const char          *name,
                 gsize                size,
                 int                  priority,
                 gpointer             data,
                 GDestroyNotify       destroy,
                 GError             **error)
{
  ResmgrTestService *self = RESMGR_TEST_SERVICE (service);
  ResmgrTestCall *call = component_call (self, "track_data", component, name, type, priority);
  GError *local_error = NULL;
  Wrap *w = wrap_new (self, component, type, name, priority);
  guint64 id = 0;

  w->data = data;
  w->destroy = destroy;
  if (!core_refuses (self->core, "track_data", &local_error))
    id = resmgr_service_track_data (MANAGER (self), component, type, name, size, priority,
                                    w, wrap_data_destroy, &local_error);
  if (id == 0)
    {
      record_track (self, call, w, 0, local_error, error);
      wrap_free (w);
      return 0;
    }
  return record_track (self, call, w, id, local_error, error);
}

static guint64
test_track_object (ResmgrService       *service,
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
  ResmgrTestService *self = RESMGR_TEST_SERVICE (service);
  ResmgrTestCall *call = component_call (self, "track_object", component, name, type, priority);
  GError *local_error = NULL;
  Wrap *w = wrap_new (self, component, type, name, priority);
  guint64 id = 0;

  w->cleanup = cleanup;
  w->user_data = user_data;
  w->user_data_destroy = user_data_destroy;
  if (!core_refuses (self->core, "track_object", &local_error))
    id = resmgr_service_track_object (MANAGER (self), component, type, name, size, priority,
                                      object, cleanup != NULL ? wrap_cleanup : NULL, w,
                                      wrap_destroy, &local_error);
  if (id == 0)
    {
      record_track (self, call, w, 0, local_error, error);
      wrap_free (w); /* the caller keeps its user_data */
      return 0;
    }
  return record_track (self, call, w, id, local_error, error);
}

static guint64
test_track_resource (ResmgrService       *service,
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
  ResmgrTestService *self = RESMGR_TEST_SERVICE (service);
  ResmgrTestCall *call = component_call (self, "track_resource", component, name, type, priority);
  GError *local_error = NULL;
  Wrap *w = wrap_new (self, component, type, name, priority);
  guint64 id = 0;

  w->cleanup = cleanup;
  w->user_data = user_data;
  w->user_data_destroy = user_data_destroy;
  if (!core_refuses (self->core, "track_resource", &local_error))
    id = resmgr_service_track_resource (MANAGER (self), component, type, name, size, priority,
                                        resource, wrap_cleanup, w, wrap_destroy, &local_error);
  if (id == 0)
    {
      record_track (self, call, w, 0, local_error, error);
      wrap_free (w);
      return 0;
    }
  return record_track (self, call, w, id, local_error, error);
}

static guint64
test_add_cleanup (ResmgrService      *service,
                  GObject            *component,
                  const char         *name,
                  int                 priority,
                  ResmgrCleanupFunc   cleanup,
                  gpointer            user_data,
                  GDestroyNotify      user_data_destroy,
                  GError            **error)
{
  ResmgrTestService *self = RESMGR_TEST_SERVICE (service);
  ResmgrTestCall *call = component_call (self, "add_cleanup", component, name,
                                         RESMGR_RESOURCE_TYPE_CUSTOM, priority);
  GError *local_error = NULL;
  Wrap *w = wrap_new (self, component, RESMGR_RESOURCE_TYPE_CUSTOM, name, priority);
  guint64 id = 0;

  w->cleanup = cleanup;
  w->user_data = user_data;
  w->user_data_destroy = user_data_destroy;
  if (!core_refuses (self->core, "add_cleanup", &local_error))
    id = resmgr_service_add_cleanup (MANAGER (self), component, name, priority,
                                     wrap_cleanup, w, wrap_destroy, &local_error);
  if (id == 0)
    {
      record_track (self, call, w, 0, local_error, error);
      wrap_free (w);
      return 0;
    }
  return record_track (self, call, w, id, local_error, error);
}

static gboolean
test_set_metadata (ResmgrService  *service,
                   guint64         id,
                   GVariant       *metadata,
                   GError        **error)
{
  ResmgrTestService *self = RESMGR_TEST_SERVICE (service);
  ResmgrTestCall *call = id_call (self, "set_metadata", id);
  GError *local_error = NULL;
  gboolean ok = FALSE;

  if (!core_refuses (self->core, "set_metadata", &local_error))
    ok = resmgr_service_set_metadata (MANAGER (self), id, metadata, &local_error);
  else if (metadata != NULL)
    g_variant_unref (g_variant_ref_sink (metadata));
  core_record (self->core, call, id, local_error);
  if (local_error != NULL)
    g_propagate_error (error, local_error);
  return ok;
}

static gboolean
test_release (ResmgrService  *service,
              guint64         id,
              GError        **error)
{
  ResmgrTestService *self = RESMGR_TEST_SERVICE (service);
  ResmgrTestCall *call = id_call (self, "release", id);
  GError *local_error = NULL;
  gboolean ok = FALSE;

  /* Recorded before the manager runs the cleanup: "release,cleanup". */
  if (core_refuses (self->core, "release", &local_error))
    {
      core_record (self->core, call, id, local_error);
      g_propagate_error (error, local_error);
      return FALSE;
    }
  g_mutex_lock (&self->core->mutex);
  call->id = id;
  g_ptr_array_add (self->core->calls, g_object_ref (call));
  g_mutex_unlock (&self->core->mutex);

  ok = resmgr_service_release (MANAGER (self), id, &local_error);
  if (local_error != NULL)
    {
      /* Set when the call returns (under the lock only against a
       * concurrent copy of the records). */
      g_mutex_lock (&self->core->mutex);
      call->error = g_error_copy (local_error);
      g_mutex_unlock (&self->core->mutex);
      g_propagate_error (error, local_error);
    }
  g_object_unref (call);
  return ok;
}

static ResmgrHandle *
test_lookup (ResmgrService  *service,
             guint64         id,
             GError        **error)
{
  ResmgrTestService *self = RESMGR_TEST_SERVICE (service);
  ResmgrTestCall *call = id_call (self, "lookup", id);
  GError *local_error = NULL;
  ResmgrHandle *handle = NULL;

  if (!core_refuses (self->core, "lookup", &local_error))
    handle = resmgr_service_lookup (MANAGER (self), id, &local_error);
  core_record (self->core, call, id, local_error);
  if (local_error != NULL)
    g_propagate_error (error, local_error);
  return handle;
}

static ResmgrCleanupReport *
test_cleanup_component (ResmgrService  *service,
                        GObject        *component,
                        GError        **error)
{
  ResmgrTestService *self = RESMGR_TEST_SERVICE (service);
  ResmgrTestCall *call = component_call (self, "cleanup_component", component, NULL, -1,
                                         RESMGR_PRIORITY_DEFAULT);
  ResmgrCleanupReport *report = NULL;

  if (core_refuses (self->core, "cleanup_component", error))
    {
      core_record (self->core, call, 0, error ? *error : NULL);
      return NULL;
    }
  core_record (self->core, call, 0, NULL);
  report = resmgr_service_cleanup_component (MANAGER (self), component, error);
  return report;
}

/* The async forms: a task of ours around the manager's. */
static void
forward_done (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  GTask *task = user_data;
  GError *error = NULL;
  ResmgrCleanupReport *report;
  gpointer tag = g_task_get_source_tag (task);

  if (tag == resmgr_service_cleanup_component_async)
    report = resmgr_service_cleanup_component_finish (RESMGR_SERVICE (source), result, &error);
  else if (tag == resmgr_service_shutdown_async)
    report = resmgr_service_shutdown_finish (RESMGR_SERVICE (source), result, &error);
  else
    report = resmgr_service_cleanup_phase_finish (RESMGR_SERVICE (source), result, &error);

  if (report != NULL)
    g_task_return_pointer (task, report, (GDestroyNotify) resmgr_cleanup_report_unref);
  else
    g_task_return_error (task, error);
  g_object_unref (task);
}

/* Records an async call; returns the task, or NULL if it was refused (and
 * then completed with the error). */
static GTask *
begin_async (ResmgrTestService   *self,
             const char          *method,
             ResmgrTestCall      *call,
             gpointer             tag,
             GCancellable        *cancellable,
             GAsyncReadyCallback  callback,
             gpointer             user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  GError *error = NULL;

  g_task_set_source_tag (task, tag);
  if (core_refuses (self->core, method, &error))
    {
      core_record (self->core, call, 0, error);
      g_task_return_error (task, error);
      g_object_unref (task);
      return NULL;
    }
  core_record (self->core, call, 0, NULL);
  return task;
}

static void
test_cleanup_component_async (ResmgrService       *service,
                              GObject             *component,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  ResmgrTestService *self = RESMGR_TEST_SERVICE (service);
  ResmgrTestCall *call = component_call (self, "cleanup_component", component, NULL, -1,
                                         RESMGR_PRIORITY_DEFAULT);
  GTask *task = begin_async (self, "cleanup_component", call,
                             resmgr_service_cleanup_component_async,
                             cancellable, callback, user_data);

  if (task != NULL)
    resmgr_service_cleanup_component_async (MANAGER (self), component, cancellable,
                                            forward_done, task);
}

static ResmgrCleanupReport *
test_finish (ResmgrService  *service,
             GAsyncResult   *result,
             GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, service), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static ResmgrCleanupReport *
test_shutdown (ResmgrService  *service,
               guint           timeout_ms,
               GError        **error)
{
  ResmgrTestService *self = RESMGR_TEST_SERVICE (service);
  ResmgrTestCall *call = call_new (self->core, "shutdown", NULL, NULL, -1, RESMGR_PRIORITY_DEFAULT);

  if (core_refuses (self->core, "shutdown", error))
    {
      core_record (self->core, call, 0, error ? *error : NULL);
      return NULL;
    }
  core_record (self->core, call, 0, NULL);
  return resmgr_service_shutdown (MANAGER (self), timeout_ms, error);
}

static void
test_shutdown_async (ResmgrService       *service,
                     guint                timeout_ms,
                     GCancellable        *cancellable,
                     GAsyncReadyCallback  callback,
                     gpointer             user_data)
{
  ResmgrTestService *self = RESMGR_TEST_SERVICE (service);
  ResmgrTestCall *call = call_new (self->core, "shutdown", NULL, NULL, -1, RESMGR_PRIORITY_DEFAULT);
  GTask *task = begin_async (self, "shutdown", call, resmgr_service_shutdown_async,
                             cancellable, callback, user_data);

  if (task != NULL)
    resmgr_service_shutdown_async (MANAGER (self), timeout_ms, cancellable, forward_done, task);
}

static ResmgrCleanupReport *
test_cleanup_phase (ResmgrService  *service,
                    int             min_priority,
                    guint           timeout_ms,
                    GError        **error)
{
  ResmgrTestService *self = RESMGR_TEST_SERVICE (service);
  ResmgrTestCall *call = call_new (self->core, "cleanup_phase", NULL, NULL, -1, min_priority);

  if (core_refuses (self->core, "cleanup_phase", error))
    {
      core_record (self->core, call, 0, error ? *error : NULL);
      return NULL;
    }
  core_record (self->core, call, 0, NULL);
  return resmgr_service_cleanup_phase (MANAGER (self), min_priority, timeout_ms, error);
}

static void
test_cleanup_phase_async (ResmgrService       *service,
                          int                  min_priority,
                          guint                timeout_ms,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  ResmgrTestService *self = RESMGR_TEST_SERVICE (service);
  ResmgrTestCall *call = call_new (self->core, "cleanup_phase", NULL, NULL, -1, min_priority);
  GTask *task = begin_async (self, "cleanup_phase", call, resmgr_service_cleanup_phase_async,
                             cancellable, callback, user_data);

  if (task != NULL)
    resmgr_service_cleanup_phase_async (MANAGER (self), min_priority, timeout_ms,
                                        cancellable, forward_done, task);
}

static gboolean
test_is_shutting_down (ResmgrService *service)
{
  ResmgrTestService *self = RESMGR_TEST_SERVICE (service);
  gboolean ret;

  g_mutex_lock (&self->core->mutex);
  ret = self->core->shutting_down;
  g_mutex_unlock (&self->core->mutex);

  return ret || resmgr_service_is_shutting_down (MANAGER (self));
}

static gint64
test_get_deadline (ResmgrService *service)
{
  return resmgr_service_get_deadline (MANAGER (RESMGR_TEST_SERVICE (service)));
}

static ResmgrStats *
test_dup_stats (ResmgrService *service)
{
  return resmgr_service_dup_stats (MANAGER (RESMGR_TEST_SERVICE (service)));
}

static char *
test_dup_component_id (ResmgrService *service,
                       GObject       *component)
{
  return resmgr_service_dup_component_id (MANAGER (RESMGR_TEST_SERVICE (service)), component);
}

static GPtrArray *
test_dup_handles (ResmgrService *service,
                  const char    *component_id)
{
  return resmgr_service_dup_handles (MANAGER (RESMGR_TEST_SERVICE (service)), component_id);
}

static char **
test_dup_component_ids (ResmgrService *service)
{
  return resmgr_service_dup_component_ids (MANAGER (RESMGR_TEST_SERVICE (service)));
}

static ResmgrStats *
test_dup_component_stats (ResmgrService *service,
                          const char    *component_id)
{
  return resmgr_service_dup_component_stats (MANAGER (RESMGR_TEST_SERVICE (service)), component_id);
}

static void
resmgr_test_service_iface_init (ResmgrServiceInterface *iface)
{
  iface->register_component = test_register_component;
  iface->track_data = test_track_data;
  iface->track_object = test_track_object;
  iface->track_resource = test_track_resource;
  iface->add_cleanup = test_add_cleanup;
  iface->set_metadata = test_set_metadata;
  iface->release = test_release;
  iface->lookup = test_lookup;
  iface->cleanup_component = test_cleanup_component;
  iface->cleanup_component_async = test_cleanup_component_async;
  iface->cleanup_component_finish = test_finish;
  iface->shutdown = test_shutdown;
  iface->shutdown_async = test_shutdown_async;
  iface->shutdown_finish = test_finish;
  iface->is_shutting_down = test_is_shutting_down;
  iface->get_deadline = test_get_deadline;
  iface->dup_stats = test_dup_stats;
  iface->dup_component_id = test_dup_component_id;
  iface->dup_handles = test_dup_handles;
  iface->dup_component_ids = test_dup_component_ids;
  iface->cleanup_phase = test_cleanup_phase;
  iface->cleanup_phase_async = test_cleanup_phase_async;
  iface->cleanup_phase_finish = test_finish;
  iface->dup_component_stats = test_dup_component_stats;
}

/* }}} */

/* The manager's events, reported as ours {{{ */

#define WITH_SELF(data, stmt)                                   \
  G_STMT_START {                                                \
    ResmgrService *self_ = g_weak_ref_get (data);               \
    if (self_ != NULL)                                          \
      {                                                         \
        stmt;                                                   \
        g_object_unref (self_);                                 \
      }                                                         \
  } G_STMT_END

static void
on_component_registered (gpointer data, const char *component_id)
{
  WITH_SELF (data, resmgr_service_notify_component_registered (self_, component_id));
}

static void
on_component_removed (gpointer data, const char *component_id)
{
  WITH_SELF (data, resmgr_service_notify_component_removed (self_, component_id));
}

static void
on_resource_tracked (gpointer data, const ResmgrObservedResource *resource)
{
  WITH_SELF (data, resmgr_service_notify_resource_tracked (self_, resource));
}

static void
on_resource_released (gpointer data, const ResmgrObservedResource *resource)
{
  WITH_SELF (data, resmgr_service_notify_resource_released (self_, resource));
}

static void
on_cleanup_finished (gpointer data, ResmgrCleanupReport *report)
{
  WITH_SELF (data, resmgr_service_notify_cleanup_finished (self_, report));
}

static const ResmgrObserverFuncs forward_funcs = {
  on_component_registered,
  on_component_removed,
  on_resource_tracked,
  on_resource_released,
  on_cleanup_finished,
};

/* }}} */

static void
resmgr_test_service_dispose (GObject *object)
{
  ResmgrTestService *self = RESMGR_TEST_SERVICE (object);

  if (self->observer_id != 0)
    {
      resmgr_service_remove_observer (MANAGER (self), self->observer_id);
      self->observer_id = 0;
    }

  G_OBJECT_CLASS (resmgr_test_service_parent_class)->dispose (object);
}

static void
resmgr_test_service_finalize (GObject *object)
{
  ResmgrTestService *self = RESMGR_TEST_SERVICE (object);

  /* Whatever is left tracked is dropped by the manager (wrapped destroy
   * notifies keep the core alive until then). */
  g_clear_object (&self->manager);
  /* Run what the manager left queued on our context (nothing runs any
   * more: its sources only drop their data). */
  while (g_main_context_iteration (self->context, FALSE))
    ;
  g_main_context_unref (self->context);
  core_unref (self->core);

  G_OBJECT_CLASS (resmgr_test_service_parent_class)->finalize (object);
}

static void
resmgr_test_service_class_init (ResmgrTestServiceClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = resmgr_test_service_dispose;
  object_class->finalize = resmgr_test_service_finalize;
}

static void
resmgr_test_service_init (ResmgrTestService *self)
{
  self->core = core_new ();
  self->context = g_main_context_new ();
  self->manager = resmgr_manager_new ();
  self->observer_id = resmgr_service_add_observer (MANAGER (self), &forward_funcs,
                                                   _resmgr_weak_ref_new (self),
                                                   _resmgr_weak_ref_free);
}

/**
 * resmgr_test_service_new:
 *
 * Makes a test service with a new [class@Resmgr.Manager] of its own
 * (created on the calling thread: its signals are delivered on the
 * calling thread's thread-default context) and a new, unused
 * [struct@GLib.MainContext] (see [method@Resmgr.TestService.get_context]).
 * The calling thread is the *test thread* of the records.
 *
 * Returns: (transfer full): a new test service
 *
 * Since: 0.1
 */
ResmgrTestService *
resmgr_test_service_new (void)
{
  return g_object_new (RESMGR_TYPE_TEST_SERVICE, NULL);
}

/**
 * resmgr_test_service_get_manager:
 * @self: a test service
 *
 * The manager the service forwards to: set its wait timeout with
 * [method@Resmgr.Manager.set_wait_timeout] to make the deadlines of a test
 * short.
 *
 * Returns: (transfer none): the manager
 *
 * Since: 0.1
 */
ResmgrManager *
resmgr_test_service_get_manager (ResmgrTestService *self)
{
  g_return_val_if_fail (RESMGR_IS_TEST_SERVICE (self), NULL);
  return self->manager;
}

/**
 * resmgr_test_service_get_context:
 * @self: a test service
 *
 * A main context only the test runs: make it the thread-default context
 * (g_main_context_push_thread_default()) while creating a controller, and
 * the controller is owned by it; pop it again, and nothing of the
 * controller runs until the test calls [method@Resmgr.TestService.step]
 * or [method@Resmgr.TestService.run_until_idle]. Never stepped, it is an
 * owner that never iterates: a shutdown reports that controller's
 * resources as left over, with that reason.
 *
 * Returns: (transfer none): the service's context
 *
 * Since: 0.1
 */
GMainContext *
resmgr_test_service_get_context (ResmgrTestService *self)
{
  g_return_val_if_fail (RESMGR_IS_TEST_SERVICE (self), NULL);
  return self->context;
}

/**
 * resmgr_test_service_step:
 * @self: a test service
 *
 * Runs one iteration of the service's context on the calling thread,
 * without blocking: what was dispatched to the components it owns (a
 * cleanup, a job's completion, a timer) runs now, on this thread.
 *
 * Returns: whether anything ran
 *
 * Since: 0.1
 */
gboolean
resmgr_test_service_step (ResmgrTestService *self)
{
  g_return_val_if_fail (RESMGR_IS_TEST_SERVICE (self), FALSE);
  return g_main_context_iteration (self->context, FALSE);
}

/**
 * resmgr_test_service_run_until_idle:
 * @self: a test service
 *
 * Steps the service's context until nothing is ready to run.
 *
 * Returns: the number of iterations that ran something
 *
 * Since: 0.1
 */
guint
resmgr_test_service_run_until_idle (ResmgrTestService *self)
{
  guint n = 0;

  g_return_val_if_fail (RESMGR_IS_TEST_SERVICE (self), 0);

  while (g_main_context_iteration (self->context, FALSE))
    n++;

  return n;
}

/* Records {{{ */

/**
 * resmgr_test_service_dup_calls:
 * @self: a test service
 *
 * Returns every call recorded so far.
 *
 * Returns: (transfer container) (element-type ResmgrTestCall): the calls
 *   recorded so far, oldest first
 *
 * Since: 0.1
 */
GPtrArray *
resmgr_test_service_dup_calls (ResmgrTestService *self)
{
  GPtrArray *calls;

  g_return_val_if_fail (RESMGR_IS_TEST_SERVICE (self), NULL);

  g_mutex_lock (&self->core->mutex);
  calls = g_ptr_array_new_full (self->core->calls->len, g_object_unref);
  for (guint i = 0; i < self->core->calls->len; i++)
    g_ptr_array_add (calls, g_object_ref (g_ptr_array_index (self->core->calls, i)));
  g_mutex_unlock (&self->core->mutex);

  return calls;
}

/**
 * resmgr_test_service_get_n_calls:
 * @self: a test service
 *
 * Returns how many calls were recorded so far.
 *
 * Returns: the number of calls recorded so far
 *
 * Since: 0.1
 */
guint
resmgr_test_service_get_n_calls (ResmgrTestService *self)
{
  guint n;

  g_return_val_if_fail (RESMGR_IS_TEST_SERVICE (self), 0);

  g_mutex_lock (&self->core->mutex);
  n = self->core->calls->len;
  g_mutex_unlock (&self->core->mutex);

  return n;
}

/**
 * resmgr_test_service_dup_call:
 * @self: a test service
 * @index: the index of a recorded call, from 0
 *
 * Returns one recorded call.
 *
 * Returns: (transfer full) (nullable): the call, or %NULL if fewer were
 *   recorded
 *
 * Since: 0.1
 */
ResmgrTestCall *
resmgr_test_service_dup_call (ResmgrTestService *self,
                              guint              index)
{
  ResmgrTestCall *call = NULL;

  g_return_val_if_fail (RESMGR_IS_TEST_SERVICE (self), NULL);

  g_mutex_lock (&self->core->mutex);
  if (index < self->core->calls->len)
    call = g_object_ref (g_ptr_array_index (self->core->calls, index));
  g_mutex_unlock (&self->core->mutex);

  return call;
}

/**
 * resmgr_test_service_count_calls:
 * @self: a test service
 * @method: a method name, as [method@Resmgr.TestCall.get_method] has it
 *
 * Counts the recorded calls of one method.
 *
 * Returns: how many calls of @method were recorded
 *
 * Since: 0.1
 */
guint
resmgr_test_service_count_calls (ResmgrTestService *self,
                                 const char        *method)
{
  guint n = 0;

  g_return_val_if_fail (RESMGR_IS_TEST_SERVICE (self), 0);
  g_return_val_if_fail (method != NULL, 0);

  g_mutex_lock (&self->core->mutex);
  for (guint i = 0; i < self->core->calls->len; i++)
    if (g_str_equal (((ResmgrTestCall *) g_ptr_array_index (self->core->calls, i))->method, method))
      n++;
  g_mutex_unlock (&self->core->mutex);

  return n;
}

/**
 * resmgr_test_service_dup_methods:
 * @self: a test service
 *
 * The methods recorded, in order, joined with commas: a one-line summary
 * to compare with a string, such as `"register_component,add_cleanup"`.
 *
 * Returns: (transfer full): the methods
 *
 * Since: 0.1
 */
char *
resmgr_test_service_dup_methods (ResmgrTestService *self)
{
  GString *s = g_string_new (NULL);

  g_return_val_if_fail (RESMGR_IS_TEST_SERVICE (self), NULL);

  g_mutex_lock (&self->core->mutex);
  for (guint i = 0; i < self->core->calls->len; i++)
    {
      if (i > 0)
        g_string_append_c (s, ',');
      g_string_append (s, ((ResmgrTestCall *) g_ptr_array_index (self->core->calls, i))->method);
    }
  g_mutex_unlock (&self->core->mutex);

  return g_string_free (s, FALSE);
}

static GPtrArray *
dup_cleanups (ResmgrTestService *self,
              const char        *component_id)
{
  GPtrArray *cleanups = g_ptr_array_new_with_free_func (g_object_unref);

  g_mutex_lock (&self->core->mutex);
  for (guint i = 0; i < self->core->calls->len; i++)
    {
      ResmgrTestCall *call = g_ptr_array_index (self->core->calls, i);

      if (g_str_equal (call->method, "cleanup") &&
          (component_id == NULL || g_strcmp0 (call->component_id, component_id) == 0))
        g_ptr_array_add (cleanups, g_object_ref (call));
    }
  g_mutex_unlock (&self->core->mutex);

  return cleanups;
}

/**
 * resmgr_test_service_dup_cleanup_order:
 * @self: a test service
 * @component_id: (nullable): a component id, or %NULL for all
 *
 * The names of the resources whose cleanup ran, in the order they ran (an
 * unnamed one as `""`).
 *
 * Returns: (transfer full) (array zero-terminated=1): the names
 *
 * Since: 0.1
 */
char **
resmgr_test_service_dup_cleanup_order (ResmgrTestService *self,
                                       const char        *component_id)
{
  g_autoptr(GPtrArray) cleanups = NULL;
  GStrvBuilder *builder;
  char **names;

  g_return_val_if_fail (RESMGR_IS_TEST_SERVICE (self), NULL);

  cleanups = dup_cleanups (self, component_id);
  builder = g_strv_builder_new ();
  for (guint i = 0; i < cleanups->len; i++)
    {
      const char *name = ((ResmgrTestCall *) g_ptr_array_index (cleanups, i))->name;

      g_strv_builder_add (builder, name != NULL ? name : "");
    }
  names = g_strv_builder_end (builder);
  g_strv_builder_unref (builder);

  return names;
}

/**
 * resmgr_test_service_clear_calls:
 * @self: a test service
 *
 * Forgets the calls recorded so far.
 *
 * Since: 0.1
 */
void
resmgr_test_service_clear_calls (ResmgrTestService *self)
{
  g_autoptr(GPtrArray) old = NULL;

  g_return_if_fail (RESMGR_IS_TEST_SERVICE (self));

  g_mutex_lock (&self->core->mutex);
  old = g_steal_pointer (&self->core->calls);
  self->core->calls = g_ptr_array_new_with_free_func (g_object_unref);
  g_mutex_unlock (&self->core->mutex);
}

/* }}} */

/* Faults {{{ */

/**
 * resmgr_test_service_fail_next:
 * @self: a test service
 * @method: a method of [iface@Resmgr.Service] (`"register_component"`,
 *   `"track_data"`, `"track_object"`, `"track_resource"`, `"add_cleanup"`,
 *   `"set_metadata"`, `"release"`, `"lookup"`, `"cleanup_component"`,
 *   `"shutdown"`, `"cleanup_phase"`), or `"track"` for any of the four
 *   that track
 * @n: how many of the next calls of @method fail
 * @error: (nullable): the error they fail with; %NULL for
 *   %RESMGR_ERROR_INVALID_ARGUMENT
 *
 * Makes the next @n calls of @method fail with @error, before they reach
 * the manager; the call is recorded with the error. Refusals are queued
 * in the order given: the first that matches a call is used.
 *
 * Since: 0.1
 */
void
resmgr_test_service_fail_next (ResmgrTestService *self,
                               const char        *method,
                               guint              n,
                               const GError      *error)
{
  Refusal *r;

  g_return_if_fail (RESMGR_IS_TEST_SERVICE (self));
  g_return_if_fail (method != NULL);
  g_return_if_fail (n > 0);

  r = g_new0 (Refusal, 1);
  r->method = g_strdup (method);
  r->n = n;
  r->error = error != NULL ? g_error_copy (error) :
    g_error_new (RESMGR_ERROR, RESMGR_ERROR_INVALID_ARGUMENT,
                 "%s refused by resmgr_test_service_fail_next ()", method);
  g_mutex_lock (&self->core->mutex);
  g_queue_push_tail (&self->core->refusals, r);
  g_mutex_unlock (&self->core->mutex);
}

/**
 * resmgr_test_service_fail_cleanup:
 * @self: a test service
 * @name: the name of a resource (any component)
 * @error: (nullable): the error its cleanup fails with; %NULL for
 *   %RESMGR_ERROR_CLEANUP_FAILED
 *
 * Makes the cleanup of every resource named @name fail with @error, from
 * now until [method@Resmgr.TestService.clear_faults]: the real cleanup
 * still runs (the test leaks nothing), then the manager is told it failed,
 * and reports it as a failure with @error. Only cleanups can fail: the
 * destroy notify of owned data (track_data) is not affected.
 *
 * Since: 0.1
 */
void
resmgr_test_service_fail_cleanup (ResmgrTestService *self,
                                  const char        *name,
                                  const GError      *error)
{
  GError *copy;

  g_return_if_fail (RESMGR_IS_TEST_SERVICE (self));
  g_return_if_fail (name != NULL);

  copy = error != NULL ? g_error_copy (error) :
    g_error_new (RESMGR_ERROR, RESMGR_ERROR_CLEANUP_FAILED,
                 "The cleanup of %s failed (resmgr_test_service_fail_cleanup ())", name);
  g_mutex_lock (&self->core->mutex);
  g_hash_table_replace (self->core->fail_cleanup, g_strdup (name), copy);
  g_mutex_unlock (&self->core->mutex);
}

/**
 * resmgr_test_service_overrun_cleanup:
 * @self: a test service
 * @name: the name of a resource (any component)
 *
 * Makes the cleanup of every resource named @name outlast the deadline it
 * runs under, from now until [method@Resmgr.TestService.clear_faults]:
 * before running, it waits until the deadline of the running shutdown or
 * cleanup phase has passed, or, outside of those, the manager's wait
 * timeout (set a short one with [method@Resmgr.Manager.set_wait_timeout]).
 * The manager then reports it as an overrun.
 *
 * Since: 0.1
 */
void
resmgr_test_service_overrun_cleanup (ResmgrTestService *self,
                                     const char        *name)
{
  g_return_if_fail (RESMGR_IS_TEST_SERVICE (self));
  g_return_if_fail (name != NULL);

  g_mutex_lock (&self->core->mutex);
  g_hash_table_add (self->core->overrun, g_strdup (name));
  g_mutex_unlock (&self->core->mutex);
}

/**
 * resmgr_test_service_set_shutting_down:
 * @self: a test service
 * @shutting_down: whether the service behaves as shutting down
 *
 * While set, [method@Resmgr.Service.is_shutting_down] returns %TRUE and
 * registrations and tracks fail with %RESMGR_ERROR_SHUTTING_DOWN, as during
 * a real shutdown; nothing is cleaned. Unset, the service works again.
 *
 * Since: 0.1
 */
void
resmgr_test_service_set_shutting_down (ResmgrTestService *self,
                                       gboolean           shutting_down)
{
  g_return_if_fail (RESMGR_IS_TEST_SERVICE (self));

  g_mutex_lock (&self->core->mutex);
  self->core->shutting_down = !!shutting_down;
  g_mutex_unlock (&self->core->mutex);
}

/**
 * resmgr_test_service_clear_faults:
 * @self: a test service
 *
 * Forgets every fault: queued refusals, failing and overrunning cleanups,
 * the shutting-down state.
 *
 * Since: 0.1
 */
void
resmgr_test_service_clear_faults (ResmgrTestService *self)
{
  GQueue refusals;

  g_return_if_fail (RESMGR_IS_TEST_SERVICE (self));

  g_mutex_lock (&self->core->mutex);
  refusals = self->core->refusals;
  g_queue_init (&self->core->refusals);
  g_hash_table_remove_all (self->core->fail_cleanup);
  g_hash_table_remove_all (self->core->overrun);
  self->core->shutting_down = FALSE;
  g_mutex_unlock (&self->core->mutex);
  g_queue_clear_full (&refusals, (GDestroyNotify) refusal_free);
}

/* }}} */

/* Checks and assertions {{{ */

static void
describe_handle (GString      *s,
                 ResmgrHandle *handle,
                 gboolean      with_component)
{
  /* Creation times are the manager's coarse clock: so is now. */
  gint64 age = MAX (coarse_now () - resmgr_handle_get_created (handle), 0);

  g_string_append_printf (s, "%s \"%s\" (id %" G_GUINT64_FORMAT ", priority %d",
                          _resmgr_enum_nick (RESMGR_TYPE_RESOURCE_TYPE,
                                             resmgr_handle_get_resource_type (handle)),
                          resmgr_handle_get_name (handle) ? resmgr_handle_get_name (handle) : "",
                          resmgr_handle_get_id (handle), resmgr_handle_get_priority (handle));
  if (with_component)
    g_string_append_printf (s, ", of %s", resmgr_handle_get_component_id (handle));
  g_string_append_printf (s, "), tracked %.1f ms ago", age / 1000.0);
}

static gboolean
is_process_lifetime (ResmgrHandle *handle)
{
  GVariant *metadata = resmgr_handle_get_metadata (handle);
  gboolean marked = FALSE;

  return metadata != NULL &&
         g_variant_lookup (metadata, "process-lifetime", "b", &marked) && marked;
}

/**
 * resmgr_test_service_check_no_leaks:
 * @self: a test service
 * @component_id: (nullable): a component id, or %NULL for the whole service
 * @error: return location for a #GError
 *
 * Checks that the component (or any component) holds nothing, leaving out
 * resources marked process-lifetime
 * ([method@Resmgr.Coordinator.mark_process_lifetime]).
 *
 * Returns: %TRUE if nothing is held, else %FALSE with
 *   %RESMGR_TEST_ERROR_CHECK_FAILED naming each leftover with its type,
 *   name, id, priority and age
 *
 * Since: 0.1
 */
gboolean
resmgr_test_service_check_no_leaks (ResmgrTestService  *self,
                                    const char         *component_id,
                                    GError            **error)
{
  g_autoptr(GPtrArray) handles = NULL;
  g_autoptr(GPtrArray) leaks = g_ptr_array_new ();
  g_autoptr(GString) s = NULL;

  g_return_val_if_fail (RESMGR_IS_TEST_SERVICE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  handles = resmgr_service_dup_handles (MANAGER (self), component_id);
  for (guint i = 0; i < handles->len; i++)
    if (!is_process_lifetime (g_ptr_array_index (handles, i)))
      g_ptr_array_add (leaks, g_ptr_array_index (handles, i));
  if (leaks->len == 0)
    return TRUE;

  s = g_string_new (NULL);
  if (component_id != NULL)
    g_string_append_printf (s, "component %s still holds %u resource%s:", component_id,
                            leaks->len, leaks->len == 1 ? "" : "s");
  else
    g_string_append_printf (s, "the service still holds %u resource%s:",
                            leaks->len, leaks->len == 1 ? "" : "s");
  for (guint i = 0; i < leaks->len; i++)
    {
      g_string_append (s, "\n  ");
      describe_handle (s, g_ptr_array_index (leaks, i), component_id == NULL);
    }
  g_set_error_literal (error, RESMGR_TEST_ERROR, RESMGR_TEST_ERROR_CHECK_FAILED, s->str);

  return FALSE;
}

static gboolean
strv_contains (const char * const *names,
               const char         *name)
{
  return name != NULL && g_strv_contains (names, name);
}

/**
 * resmgr_test_service_check_cleanup_order:
 * @self: a test service
 * @component_id: (nullable): a component id, or %NULL for every component
 * @names: (array zero-terminated=1): resource names, in the order their
 *   cleanups must have run
 * @error: return location for a #GError
 *
 * Checks the order of the cleanups recorded so far: those of resources
 * named in @names (other resources are left out) must have run exactly in
 * the order of @names, each once.
 *
 * Returns: %TRUE if they did, else %FALSE with
 *   %RESMGR_TEST_ERROR_CHECK_FAILED giving both orders, with each cleaned
 *   resource's type and priority
 *
 * Since: 0.1
 */
gboolean
resmgr_test_service_check_cleanup_order (ResmgrTestService   *self,
                                         const char          *component_id,
                                         const char * const  *names,
                                         GError             **error)
{
  g_autoptr(GPtrArray) cleanups = NULL;
  g_autoptr(GPtrArray) seen = g_ptr_array_new ();
  g_autoptr(GString) s = NULL;
  gboolean same;
  guint n = names ? g_strv_length ((char **) names) : 0;

  g_return_val_if_fail (RESMGR_IS_TEST_SERVICE (self), FALSE);
  g_return_val_if_fail (names != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  cleanups = dup_cleanups (self, component_id);
  for (guint i = 0; i < cleanups->len; i++)
    {
      ResmgrTestCall *call = g_ptr_array_index (cleanups, i);

      if (strv_contains (names, call->name))
        g_ptr_array_add (seen, call);
    }

  same = seen->len == n;
  for (guint i = 0; same && i < n; i++)
    same = g_str_equal (((ResmgrTestCall *) g_ptr_array_index (seen, i))->name, names[i]);
  if (same)
    return TRUE;

  s = g_string_new ("the cleanups did not run in the expected order");
  if (component_id != NULL)
    g_string_append_printf (s, " (component %s)", component_id);
  g_string_append (s, "\n  expected: ");
  for (guint i = 0; i < n; i++)
    g_string_append_printf (s, "%s\"%s\"", i > 0 ? ", " : "", names[i]);
  g_string_append (s, "\n  ran:      ");
  if (seen->len == 0)
    g_string_append (s, "none of them");
  for (guint i = 0; i < seen->len; i++)
    {
      ResmgrTestCall *call = g_ptr_array_index (seen, i);

      g_string_append_printf (s, "%s%s \"%s\" (priority %d)", i > 0 ? ", " : "",
                              _resmgr_enum_nick (RESMGR_TYPE_RESOURCE_TYPE, call->type),
                              call->name, call->priority);
    }
  for (guint i = 0; i < n; i++)
    {
      gboolean ran = FALSE;

      for (guint j = 0; j < seen->len && !ran; j++)
        ran = g_str_equal (((ResmgrTestCall *) g_ptr_array_index (seen, j))->name, names[i]);
      if (!ran)
        g_string_append_printf (s, "\n  never cleaned: \"%s\"", names[i]);
    }
  g_set_error_literal (error, RESMGR_TEST_ERROR, RESMGR_TEST_ERROR_CHECK_FAILED, s->str);

  return FALSE;
}

/**
 * resmgr_test_check_handles:
 * @handles: (element-type ResmgrHandle): handles, for example what
 *   [method@Resmgr.Coordinator.diff] says a component gained since a
 *   checkpoint
 * @names: (array zero-terminated=1): the names expected, in any order
 * @error: return location for a #GError
 *
 * Checks that @handles are exactly the resources named in @names: a
 * checkpoint diff equal to an expected set.
 *
 * Returns: %TRUE if they are, else %FALSE with
 *   %RESMGR_TEST_ERROR_CHECK_FAILED naming what is missing and each
 *   unexpected resource with its type, name, id, priority and age; with
 *   %RESMGR_ERROR_INVALID_ARGUMENT if an element of @handles is %NULL
 *
 * Since: 0.1
 */
gboolean
resmgr_test_check_handles (GPtrArray           *handles,
                           const char * const  *names,
                           GError             **error)
{
  g_autoptr(GPtrArray) unexpected = g_ptr_array_new ();
  g_autoptr(GPtrArray) missing = g_ptr_array_new ();
  g_autofree gboolean *matched = NULL;
  g_autoptr(GString) s = NULL;
  guint n;

  g_return_val_if_fail (handles != NULL, FALSE);
  g_return_val_if_fail (names != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  /* A binding that lost the elements (gjs 1.74 passes a GPtrArray of
   * boxed records as NULLs) gets an error, not a mismatch of empty names. */
  for (guint i = 0; i < handles->len; i++)
    if (g_ptr_array_index (handles, i) == NULL)
      {
        g_set_error (error, RESMGR_ERROR, RESMGR_ERROR_INVALID_ARGUMENT,
                     "Handle %u of %u given to resmgr_test_check_handles () is NULL",
                     i, handles->len);
        return FALSE;
      }

  /* A multiset match: each name matches one handle. */
  n = g_strv_length ((char **) names);
  matched = g_new0 (gboolean, n);
  for (guint i = 0; i < handles->len; i++)
    {
      ResmgrHandle *handle = g_ptr_array_index (handles, i);
      gboolean found = FALSE;

      for (guint j = 0; j < n && !found; j++)
        if (!matched[j] && g_strcmp0 (resmgr_handle_get_name (handle), names[j]) == 0)
          matched[j] = found = TRUE;
      if (!found)
        g_ptr_array_add (unexpected, handle);
    }
  for (guint j = 0; j < n; j++)
    if (!matched[j])
      g_ptr_array_add (missing, (gpointer) names[j]);
  if (unexpected->len == 0 && missing->len == 0)
    return TRUE;

  s = g_string_new ("the resources are not the expected ones");
  for (guint i = 0; i < missing->len; i++)
    g_string_append_printf (s, "\n  missing:    \"%s\"", (char *) g_ptr_array_index (missing, i));
  for (guint i = 0; i < unexpected->len; i++)
    {
      g_string_append (s, "\n  unexpected: ");
      describe_handle (s, g_ptr_array_index (unexpected, i), TRUE);
    }
  g_set_error_literal (error, RESMGR_TEST_ERROR, RESMGR_TEST_ERROR_CHECK_FAILED, s->str);

  return FALSE;
}

static void
assertion_failed (const char *domain,
                  const char *file,
                  int         line,
                  const char *func,
                  const char *expr,
                  GError     *error)
{
  g_autofree char *message = g_strdup_printf ("assertion failed (%s): %s", expr, error->message);

  g_error_free (error);
  g_assertion_message (domain, file, line, func, message);
}

static GStrv
collect_names (const char *first_name,
               va_list     args)
{
  GStrvBuilder *builder = g_strv_builder_new ();
  GStrv names;

  for (const char *name = first_name; name != NULL; name = va_arg (args, const char *))
    g_strv_builder_add (builder, name);
  names = g_strv_builder_end (builder);
  g_strv_builder_unref (builder);

  return names;
}

/**
 * resmgr_test_assertion_no_leaks: (skip)
 * @domain: (nullable): the log domain
 * @file: the source file
 * @line: the line
 * @func: the function
 * @expr: the assertion, as written
 * @service: a test service
 * @component_id: (nullable): a component id, or %NULL for the whole service
 *
 * The function behind `resmgr_assert_no_leaks()`: call the macro.
 *
 * Since: 0.1
 */
void
resmgr_test_assertion_no_leaks (const char        *domain,
                                const char        *file,
                                int                line,
                                const char        *func,
                                const char        *expr,
                                ResmgrTestService *service,
                                const char        *component_id)
{
  GError *error = NULL;

  if (!resmgr_test_service_check_no_leaks (service, component_id, &error))
    assertion_failed (domain, file, line, func, expr, error);
}

/**
 * resmgr_test_assertion_cleanup_order: (skip)
 * @domain: (nullable): the log domain
 * @file: the source file
 * @line: the line
 * @func: the function
 * @expr: the assertion, as written
 * @service: a test service
 * @component_id: (nullable): a component id, or %NULL for every component
 * @first_name: the first resource name
 * @...: more names, then %NULL
 *
 * The function behind `resmgr_assert_cleanup_order()`: call the macro.
 *
 * Since: 0.1
 */
void
resmgr_test_assertion_cleanup_order (const char        *domain,
                                     const char        *file,
                                     int                line,
                                     const char        *func,
                                     const char        *expr,
                                     ResmgrTestService *service,
                                     const char        *component_id,
                                     const char        *first_name,
                                     ...)
{
  g_auto(GStrv) names = NULL;
  GError *error = NULL;
  va_list args;

  va_start (args, first_name);
  names = collect_names (first_name, args);
  va_end (args);

  if (!resmgr_test_service_check_cleanup_order (service, component_id,
                                                (const char * const *) names, &error))
    assertion_failed (domain, file, line, func, expr, error);
}

/**
 * resmgr_test_assertion_handles: (skip)
 * @domain: (nullable): the log domain
 * @file: the source file
 * @line: the line
 * @func: the function
 * @expr: the assertion, as written
 * @handles: (element-type ResmgrHandle): handles
 * @first_name: (nullable): the first expected name, or %NULL for none
 * @...: more names, then %NULL
 *
 * The function behind `resmgr_assert_handles()`: call the macro.
 *
 * Since: 0.1
 */
void
resmgr_test_assertion_handles (const char *domain,
                               const char *file,
                               int         line,
                               const char *func,
                               const char *expr,
                               GPtrArray  *handles,
                               const char *first_name,
                               ...)
{
  g_auto(GStrv) names = NULL;
  GError *error = NULL;
  va_list args;

  va_start (args, first_name);
  names = collect_names (first_name, args);
  va_end (args);

  if (!resmgr_test_check_handles (handles, (const char * const *) names, &error))
    assertion_failed (domain, file, line, func, expr, error);
}

/* }}} */
