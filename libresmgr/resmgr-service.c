/* resmgr-service.c
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "resmgr-private.h"

/* The usual service is a ResmgrManager: for it, the interface check and
 * lookup (as costly as a release's own work) are one compare. */
#define IS_MANAGER(self) \
  ((self) != NULL && G_TYPE_FROM_INSTANCE (self) == RESMGR_TYPE_MANAGER)
#define IS_SERVICE(self) (IS_MANAGER (self) || RESMGR_IS_SERVICE (self))

static ResmgrServiceInterface *
get_iface (ResmgrService *self)
{
  static ResmgrServiceInterface *manager_iface;
  ResmgrServiceInterface *iface;

  if (G_TYPE_FROM_INSTANCE (self) != RESMGR_TYPE_MANAGER)
    return RESMGR_SERVICE_GET_IFACE (self);

  if (G_UNLIKELY ((iface = g_atomic_pointer_get (&manager_iface)) == NULL))
    {
      iface = RESMGR_SERVICE_GET_IFACE (self);
      g_atomic_pointer_set (&manager_iface, iface);
    }

  return iface;
}

/**
 * ResmgrService:
 *
 * The contract between resource owners and the service that tracks their
 * resources: register a component, track owned data or a watched object,
 * add a cleanup callback, release by id, clean up a component, shut down,
 * get stats and look up handles.
 *
 * Coordinators only use this interface, so tests can hand them a mock.
 * The implementation every application uses is [class@Resmgr.Manager];
 * [func@Resmgr.Service.get_default] returns the process-wide one.
 *
 * A *component* is a #GObject that owns resources, held weakly by the
 * service. When it is disposed, whatever it still owns is cleaned up on its
 * owner context, the thread-default #GMainContext of the thread that
 * registered it. Resources are cleaned highest priority first and, within
 * one priority, newest first.
 *
 * ## Thread safety
 *
 * Every method may be called from any thread. No lock of the service is
 * held while a cleanup function, a destroy notify or a signal handler runs,
 * so those may call back into the service: track, release, look up, clean
 * up another component.
 *
 * A component's cleanups run on its owner context, never on the thread
 * that happened to drop its last reference or ask for its cleanup: inline
 * when the calling thread owns that context, else when the owner iterates
 * it. [method@Resmgr.Service.release] is the exception: it runs the
 * cleanup of that one resource on the calling thread, now. Signals are
 * emitted on the service's owner context only. Synchronous calls that wait
 * for another thread's context do so with a deadline and fail with
 * %RESMGR_ERROR_TIMED_OUT rather than hang. The whole contract:
 * `docs/threading.md`.
 *
 * Since: 0.1
 */

G_DEFINE_INTERFACE (ResmgrService, resmgr_service, G_TYPE_OBJECT)

/* The default cleanup phase {{{ */

/* The order of every cleanup: priority first, then newest first. */
static int
handle_cleanup_order (gconstpointer a,
                      gconstpointer b)
{
  ResmgrHandle *ha = *(ResmgrHandle **) a, *hb = *(ResmgrHandle **) b;
  int pa = resmgr_handle_get_priority (ha), pb = resmgr_handle_get_priority (hb);
  gint64 ca = resmgr_handle_get_created (ha), cb = resmgr_handle_get_created (hb);
  guint64 ia = resmgr_handle_get_id (ha), ib = resmgr_handle_get_id (hb);

  if (pa != pb)
    return pa > pb ? -1 : 1;
  if (ca != cb)
    return ca > cb ? -1 : 1;
  return ia > ib ? -1 : ia < ib;
}

/* For any service: what dup_handles () lists at @min_priority or above,
 * released in cleanup order with release (), on the calling thread (a
 * service that knows its components' owner contexts overrides this, as
 * the manager does). */
static ResmgrCleanupReport *
resmgr_service_real_cleanup_phase (ResmgrService  *self,
                                   int             min_priority,
                                   guint           timeout_ms,
                                   GError        **error)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;
  g_autofree char *scope = g_strdup_printf ("cleanup phase down to priority %d", min_priority);
  ResmgrCleanupReport *report = _resmgr_cleanup_report_new (scope);
  g_autoptr(GPtrArray) handles = resmgr_service_dup_handles (self, NULL);
  gboolean timed_out = FALSE;

  for (guint i = handles->len; i > 0; i--)
    {
      ResmgrHandle *h = g_ptr_array_index (handles, i - 1);

      if (resmgr_handle_get_priority (h) < min_priority ||
          resmgr_handle_get_state (h) != RESMGR_RESOURCE_STATE_ACTIVE)
        g_ptr_array_remove_index (handles, i - 1);
    }
  g_ptr_array_sort (handles, handle_cleanup_order);

  for (guint i = 0; i < handles->len; i++)
    {
      ResmgrHandle *h = g_ptr_array_index (handles, i);
      g_autoptr(GError) local_error = NULL;

      if (!timed_out && g_get_monotonic_time () > deadline)
        timed_out = TRUE;
      if (timed_out)
        {
          _resmgr_cleanup_report_add_leftover_with_reason (report, resmgr_handle_ref (h),
                                                           "the deadline passed before its cleanup ran");
          continue;
        }

      _resmgr_cleanup_report_begin_phase (report, resmgr_handle_get_priority (h));
      if (get_iface (self)->release (self, resmgr_handle_get_id (h), &local_error))
        _resmgr_cleanup_report_add_released (report);
      else if (!g_error_matches (local_error, RESMGR_ERROR, RESMGR_ERROR_NOT_FOUND))
        /* (NOT_FOUND: released by someone else meanwhile.) */
        _resmgr_cleanup_report_add_failure (report,
                                            _resmgr_handle_copy_with_state (h, RESMGR_RESOURCE_STATE_FAILED),
                                            g_steal_pointer (&local_error));
    }

  _resmgr_cleanup_report_set_timed_out (report, timed_out);
  _resmgr_cleanup_report_finish (report);

  return report;
}

static void
resmgr_service_real_cleanup_phase_async (ResmgrService       *self,
                                         int                  min_priority,
                                         guint                timeout_ms,
                                         GCancellable        *cancellable,
                                         GAsyncReadyCallback  callback,
                                         gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  GError *error = NULL;
  ResmgrCleanupReport *report;

  g_task_set_source_tag (task, resmgr_service_real_cleanup_phase_async);
  g_task_set_check_cancellable (task, FALSE);

  /* The releases run on the calling thread anyway: no thread to occupy. */
  report = get_iface (self)->cleanup_phase (self, min_priority, timeout_ms, &error);
  if (report != NULL)
    g_task_return_pointer (task, report, (GDestroyNotify) resmgr_cleanup_report_unref);
  else
    g_task_return_error (task, error);
}

static ResmgrCleanupReport *
resmgr_service_real_cleanup_phase_finish (ResmgrService  *self,
                                          GAsyncResult   *result,
                                          GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* }}} */

static void
resmgr_service_default_init (ResmgrServiceInterface *iface)
{
  iface->cleanup_phase = resmgr_service_real_cleanup_phase;
  iface->cleanup_phase_async = resmgr_service_real_cleanup_phase_async;
  iface->cleanup_phase_finish = resmgr_service_real_cleanup_phase_finish;

  /**
   * ResmgrService::component-registered:
   * @self: the service
   * @component_id: the id of the new component
   *
   * Emitted on the service's owner context after a component was
   * registered.
   *
   * Since: 0.1
   */
  g_signal_new ("component-registered",
                G_TYPE_FROM_INTERFACE (iface),
                G_SIGNAL_RUN_LAST,
                0, NULL, NULL, NULL,
                G_TYPE_NONE, 1, G_TYPE_STRING);

  /**
   * ResmgrService::component-removed:
   * @self: the service
   * @component_id: the id of the component
   *
   * Emitted on the service's owner context after a disposed component's
   * remaining resources were cleaned up and it was forgotten.
   *
   * Since: 0.1
   */
  g_signal_new ("component-removed",
                G_TYPE_FROM_INTERFACE (iface),
                G_SIGNAL_RUN_LAST,
                0, NULL, NULL, NULL,
                G_TYPE_NONE, 1, G_TYPE_STRING);

  /**
   * ResmgrService::resource-tracked:
   * @self: the service
   * @handle: the new resource
   *
   * Emitted on the service's owner context after a resource was tracked.
   * Handles are only made for this signal when it has handlers.
   *
   * Since: 0.1
   */
  g_signal_new ("resource-tracked",
                G_TYPE_FROM_INTERFACE (iface),
                G_SIGNAL_RUN_LAST,
                0, NULL, NULL, NULL,
                G_TYPE_NONE, 1, RESMGR_TYPE_HANDLE);

  /**
   * ResmgrService::resource-released:
   * @self: the service
   * @handle: the resource, in the state it ended in (released, failed,
   *   lost or finalized)
   *
   * Emitted on the service's owner context after a resource stopped being
   * tracked.
   *
   * Since: 0.1
   */
  g_signal_new ("resource-released",
                G_TYPE_FROM_INTERFACE (iface),
                G_SIGNAL_RUN_LAST,
                0, NULL, NULL, NULL,
                G_TYPE_NONE, 1, RESMGR_TYPE_HANDLE);

  /**
   * ResmgrService::cleanup-finished:
   * @self: the service
   * @report: what the cleanup did
   *
   * Emitted on the service's owner context after a component cleanup, a
   * cleanup phase or a shutdown finished. The cleanup a component's
   * disposal runs is reported only when it found something to clean: a
   * component cleaned before it is disposed, with nothing tracked since,
   * is reported once.
   *
   * Since: 0.1
   */
  g_signal_new ("cleanup-finished",
                G_TYPE_FROM_INTERFACE (iface),
                G_SIGNAL_RUN_LAST,
                0, NULL, NULL, NULL,
                G_TYPE_NONE, 1, RESMGR_TYPE_CLEANUP_REPORT);
}

#define VALID_PRIORITY(p) ((p) >= RESMGR_PRIORITY_DEFAULT && (p) <= RESMGR_PRIORITY_MAX)

/* A size is a count of bytes an application holds: above G_MAXSSIZE it is
 * a negative number cast to gsize, and byte totals would wrap. Refused for
 * every implementation, before it sees the call. */
static gboolean
refuse_size (gsize        size,
             const char  *name,
             GError     **error)
{
  if (G_LIKELY (size <= G_MAXSSIZE))
    return FALSE;

  g_set_error (error, RESMGR_ERROR, RESMGR_ERROR_INVALID_ARGUMENT,
               "Size %" G_GSIZE_FORMAT " of resource “%s” is larger than G_MAXSSIZE "
               "(a negative size cast to gsize?)", size, name ? name : "(unnamed)");
  return TRUE;
}

/**
 * resmgr_service_register_component:
 * @self: a service
 * @component: the object that will own resources
 * @id: (nullable): a readable, unique id such as `"HashController-3"`, or
 *   %NULL to have one made from the type name
 * @error: return location for a #GError
 *
 * Registers @component. The service holds it weakly; its owner context is
 * the thread-default main context of the calling thread. When @component
 * is disposed, its remaining resources are cleaned up there.
 *
 * Fails with %RESMGR_ERROR_INVALID_ARGUMENT when @component is already
 * registered or @id is in use, and with %RESMGR_ERROR_SHUTTING_DOWN after
 * shutdown started.
 *
 * Returns: %TRUE on success
 *
 * Since: 0.1
 */
gboolean
resmgr_service_register_component (ResmgrService  *self,
                                   GObject        *component,
                                   const char     *id,
                                   GError        **error)
{
  g_return_val_if_fail (IS_SERVICE (self), FALSE);
  g_return_val_if_fail (G_IS_OBJECT (component), FALSE);
  g_return_val_if_fail (id == NULL || *id != '\0', FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return get_iface (self)->register_component (self, component, id, error);
}

/**
 * resmgr_service_track_data: (skip)
 * @self: a service
 * @component: a registered component
 * @type: the resource type
 * @name: (nullable): a name shown in reports
 * @size: the size in bytes to account for, at most %G_MAXSSIZE (a larger
 *   size fails with %RESMGR_ERROR_INVALID_ARGUMENT)
 * @priority: a cleanup priority from 0 to %RESMGR_PRIORITY_MAX, or
 *   %RESMGR_PRIORITY_DEFAULT
 * @data: (nullable): the owned data
 * @destroy: frees @data; called exactly once, at release or cleanup
 * @error: return location for a #GError
 *
 * Tracks owned data for @component. On failure nothing is taken: the
 * caller still owns @data.
 *
 * A C API: bindings cannot hand over a pointer and a destroy function.
 * They track a #GObject with [method@Resmgr.Service.track_object], or
 * keep any value of their language in the closure of
 * [method@Resmgr.Service.add_cleanup] (or of
 * [method@Resmgr.Service.track_resource] with a %NULL resource), whose
 * cleanup drops it, exactly once.
 *
 * Returns: the id of the resource, or 0 on error
 *
 * Since: 0.1
 */
guint64
resmgr_service_track_data (ResmgrService       *self,
                           GObject             *component,
                           ResmgrResourceType   type,
                           const char          *name,
                           gsize                size,
                           int                  priority,
                           gpointer             data,
                           GDestroyNotify       destroy,
                           GError             **error)
{
  g_return_val_if_fail (IS_SERVICE (self), 0);
  g_return_val_if_fail (G_IS_OBJECT (component), 0);
  g_return_val_if_fail ((guint) type < RESMGR_N_RESOURCE_TYPES, 0);
  g_return_val_if_fail (VALID_PRIORITY (priority), 0);
  g_return_val_if_fail (destroy != NULL, 0);
  g_return_val_if_fail (error == NULL || *error == NULL, 0);

  if (refuse_size (size, name, error))
    return 0;

  return get_iface (self)->track_data (self, component, type, name, size,
                                                      priority, data, destroy, error);
}

/**
 * resmgr_service_track_object:
 * @self: a service
 * @component: a registered component
 * @type: the resource type
 * @name: (nullable): a name shown in reports
 * @size: the size in bytes to account for, at most %G_MAXSSIZE (a larger
 *   size fails with %RESMGR_ERROR_INVALID_ARGUMENT)
 * @priority: a cleanup priority from 0 to %RESMGR_PRIORITY_MAX, or
 *   %RESMGR_PRIORITY_DEFAULT
 * @object: the object to watch; held weakly
 * @cleanup: (nullable) (scope notified) (closure user_data) (destroy user_data_destroy):
 *   called with a temporary strong reference to @object when the resource
 *   is released or cleaned up while @object lives
 * @user_data: data for @cleanup
 * @user_data_destroy: (nullable): frees @user_data, once, after the cleanup
 *   ran or the entry was dropped
 * @error: return location for a #GError
 *
 * Tracks a watched object for @component. If @object dies first, the entry
 * is dropped without calling @cleanup. If it was disposed but is still alive
 * (g_object_run_dispose()), lookups report it as
 * %RESMGR_RESOURCE_STATE_DISPOSED and @cleanup is not called either. On
 * failure nothing is taken and @user_data_destroy is not called.
 *
 * Returns: the id of the resource, or 0 on error
 *
 * Since: 0.1
 */
guint64
resmgr_service_track_object (ResmgrService       *self,
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
  g_return_val_if_fail (IS_SERVICE (self), 0);
  g_return_val_if_fail (G_IS_OBJECT (component), 0);
  g_return_val_if_fail ((guint) type < RESMGR_N_RESOURCE_TYPES, 0);
  g_return_val_if_fail (VALID_PRIORITY (priority), 0);
  g_return_val_if_fail (G_IS_OBJECT (object), 0);
  g_return_val_if_fail (error == NULL || *error == NULL, 0);

  if (refuse_size (size, name, error))
    return 0;

  return get_iface (self)->track_object (self, component, type, name, size,
                                                        priority, object, cleanup,
                                                        user_data, user_data_destroy, error);
}

/**
 * resmgr_service_track_resource:
 * @self: a service
 * @component: a registered component
 * @type: the resource type
 * @name: (nullable): a name shown in reports
 * @size: the size in bytes to account for, at most %G_MAXSSIZE (a larger
 *   size fails with %RESMGR_ERROR_INVALID_ARGUMENT)
 * @priority: a cleanup priority from 0 to %RESMGR_PRIORITY_MAX, or
 *   %RESMGR_PRIORITY_DEFAULT
 * @resource: (nullable): the owned resource; bindings pass %NULL
 * @cleanup: (scope notified) (closure user_data) (destroy user_data_destroy):
 *   frees @resource: called once, as `cleanup (resource, user_data,
 *   &error)`, at release or cleanup; it may fail, and its error is recorded
 * @user_data: data for @cleanup
 * @user_data_destroy: (nullable): frees @user_data after the cleanup ran
 * @error: return location for a #GError
 *
 * Tracks an owned resource whose cleanup may fail, for @component: like
 * resmgr_service_track_data(), with a #ResmgrCleanupFunc instead of a
 * #GDestroyNotify. On failure nothing is taken.
 *
 * A binding cannot hand over a raw pointer: it passes %NULL as @resource
 * and keeps its own object in the closure of @cleanup, which is called
 * exactly once (as with [method@Resmgr.Service.add_cleanup], but with a
 * resource type and size), or tracks a #GObject with
 * [method@Resmgr.Service.track_object].
 *
 * Returns: the id of the resource, or 0 on error
 *
 * Since: 0.1
 */
guint64
resmgr_service_track_resource (ResmgrService       *self,
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
  g_return_val_if_fail (IS_SERVICE (self), 0);
  g_return_val_if_fail (G_IS_OBJECT (component), 0);
  g_return_val_if_fail ((guint) type < RESMGR_N_RESOURCE_TYPES, 0);
  g_return_val_if_fail (VALID_PRIORITY (priority), 0);
  g_return_val_if_fail (cleanup != NULL, 0);
  g_return_val_if_fail (error == NULL || *error == NULL, 0);

  if (refuse_size (size, name, error))
    return 0;

  return get_iface (self)->track_resource (self, component, type, name, size,
                                                          priority, resource, cleanup,
                                                          user_data, user_data_destroy, error);
}

/**
 * resmgr_service_add_cleanup:
 * @self: a service
 * @component: a registered component
 * @name: (nullable): a name shown in reports
 * @priority: a cleanup priority from 0 to %RESMGR_PRIORITY_MAX, or
 *   %RESMGR_PRIORITY_DEFAULT (that of %RESMGR_RESOURCE_TYPE_CUSTOM)
 * @cleanup: (scope notified) (closure user_data) (destroy user_data_destroy):
 *   called with %NULL as resource when released or cleaned up
 * @user_data: data for @cleanup
 * @user_data_destroy: (nullable): frees @user_data after the cleanup ran
 * @error: return location for a #GError
 *
 * Adds a cleanup callback for @component, tracked as a
 * %RESMGR_RESOURCE_TYPE_CUSTOM resource.
 *
 * Returns: the id of the callback, or 0 on error
 *
 * Since: 0.1
 */
guint64
resmgr_service_add_cleanup (ResmgrService      *self,
                            GObject            *component,
                            const char         *name,
                            int                 priority,
                            ResmgrCleanupFunc   cleanup,
                            gpointer            user_data,
                            GDestroyNotify      user_data_destroy,
                            GError            **error)
{
  g_return_val_if_fail (IS_SERVICE (self), 0);
  g_return_val_if_fail (G_IS_OBJECT (component), 0);
  g_return_val_if_fail (VALID_PRIORITY (priority), 0);
  g_return_val_if_fail (cleanup != NULL, 0);
  g_return_val_if_fail (error == NULL || *error == NULL, 0);

  return get_iface (self)->add_cleanup (self, component, name, priority,
                                                       cleanup, user_data,
                                                       user_data_destroy, error);
}

/**
 * resmgr_service_set_metadata:
 * @self: a service
 * @id: a resource id
 * @metadata: (nullable): a `a{sv}` variant, or %NULL to remove it
 * @error: return location for a #GError
 *
 * Attaches metadata to a tracked resource; it appears in its handles.
 * A floating @metadata is sunk.
 *
 * Returns: %TRUE on success, %FALSE with %RESMGR_ERROR_NOT_FOUND if @id is
 *   not tracked
 *
 * Since: 0.1
 */
gboolean
resmgr_service_set_metadata (ResmgrService  *self,
                             guint64         id,
                             GVariant       *metadata,
                             GError        **error)
{
  g_return_val_if_fail (IS_SERVICE (self), FALSE);
  g_return_val_if_fail (id != 0, FALSE);
  g_return_val_if_fail (metadata == NULL ||
                        g_variant_is_of_type (metadata, G_VARIANT_TYPE_VARDICT), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return get_iface (self)->set_metadata (self, id, metadata, error);
}

/**
 * resmgr_service_release:
 * @self: a service
 * @id: a resource id
 * @error: return location for a #GError
 *
 * Releases a resource now: runs its cleanup on the calling thread and stops
 * tracking it. An unknown or already released @id fails with
 * %RESMGR_ERROR_NOT_FOUND and touches nothing (so does an id issued by
 * another service: ids are unique in the process). A cleanup that fails has its
 * error returned; the resource is not tracked any more either way.
 *
 * Returns: %TRUE if the resource was released
 *
 * Since: 0.1
 */
gboolean
resmgr_service_release (ResmgrService  *self,
                        guint64         id,
                        GError        **error)
{
  g_return_val_if_fail (IS_SERVICE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return get_iface (self)->release (self, id, error);
}

/**
 * resmgr_service_lookup:
 * @self: a service
 * @id: a resource id
 * @error: return location for a #GError
 *
 * Makes a handle describing a tracked resource as it is now.
 *
 * Returns: (transfer full): a new handle, or %NULL with
 *   %RESMGR_ERROR_NOT_FOUND
 *
 * Since: 0.1
 */
ResmgrHandle *
resmgr_service_lookup (ResmgrService  *self,
                       guint64         id,
                       GError        **error)
{
  g_return_val_if_fail (IS_SERVICE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return get_iface (self)->lookup (self, id, error);
}

/**
 * resmgr_service_cleanup_component:
 * @self: a service
 * @component: a registered component
 * @error: return location for a #GError
 *
 * Releases everything @component owns, highest priority first, newest
 * first within a priority, on the component's owner context: inline when
 * the calling thread owns that context (it iterates it, pushed it as its
 * thread-default, or it is the global default context and this is the main
 * thread), else dispatched there while the caller waits. The component
 * stays registered. The owner thread never waits for its own context.
 *
 * A caller on another thread waits at most until the running shutdown's
 * deadline or, without one, for [property@Resmgr.Manager:wait-timeout]. If
 * the owner did not start the cleanup by then (it is blocked, or stopped
 * iterating its context), the call fails with %RESMGR_ERROR_TIMED_OUT,
 * naming the component and the context, and nothing is cleaned: the
 * resources stay tracked. If a cleanup started but was still running at
 * the deadline, the report says so (timed out, with the overrun named) and
 * what it did not reach is listed as leftovers.
 *
 * Returns: (transfer full): the report, or %NULL with
 *   %RESMGR_ERROR_NOT_FOUND if @component is not registered, or
 *   %RESMGR_ERROR_TIMED_OUT if its owner did not run the cleanup in time
 *
 * Since: 0.1
 */
ResmgrCleanupReport *
resmgr_service_cleanup_component (ResmgrService  *self,
                                  GObject        *component,
                                  GError        **error)
{
  g_return_val_if_fail (IS_SERVICE (self), NULL);
  g_return_val_if_fail (G_IS_OBJECT (component), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return get_iface (self)->cleanup_component (self, component, error);
}

/**
 * resmgr_service_cleanup_component_async:
 * @self: a service
 * @component: a registered component
 * @cancellable: (nullable): a #GCancellable; cancelling it only stops the
 *   wait, not a cleanup that started
 * @callback: (scope async): called on the calling thread's thread-default
 *   main context when the cleanup finished
 * @user_data: (closure): data for @callback
 *
 * Like resmgr_service_cleanup_component(), without blocking the caller and
 * without occupying a thread: the cleanup runs on the owner context (inline
 * when the calling thread owns it) and @callback is called on the calling
 * thread's thread-default main context. It fails with
 * %RESMGR_ERROR_TIMED_OUT as the synchronous form does when the owner does
 * not start the cleanup in time.
 *
 * Since: 0.1
 */
void
resmgr_service_cleanup_component_async (ResmgrService       *self,
                                        GObject             *component,
                                        GCancellable        *cancellable,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data)
{
  g_return_if_fail (IS_SERVICE (self));
  g_return_if_fail (G_IS_OBJECT (component));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  get_iface (self)->cleanup_component_async (self, component, cancellable,
                                                            callback, user_data);
}

/**
 * resmgr_service_cleanup_component_finish:
 * @self: a service
 * @result: the result given to the callback
 * @error: return location for a #GError
 *
 * Finishes resmgr_service_cleanup_component_async().
 *
 * Returns: (transfer full): the report, or %NULL on error
 *
 * Since: 0.1
 */
ResmgrCleanupReport *
resmgr_service_cleanup_component_finish (ResmgrService  *self,
                                         GAsyncResult   *result,
                                         GError        **error)
{
  g_return_val_if_fail (IS_SERVICE (self), NULL);
  g_return_val_if_fail (G_IS_ASYNC_RESULT (result), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return get_iface (self)->cleanup_component_finish (self, result, error);
}

/**
 * resmgr_service_shutdown:
 * @self: a service
 * @timeout_ms: the deadline for the whole shutdown, in milliseconds
 * @error: return location for a #GError
 *
 * Shuts the service down: from now on, registering and tracking fail with
 * %RESMGR_ERROR_SHUTTING_DOWN. Then, as resmgr_service_cleanup_phase()
 * down to priority 0, every component is cleaned up in
 * *global* priority order (the priority-100 resources of all components,
 * newest first, then priority 90, …), each on its owner context: inline for
 * the contexts the calling thread owns, else dispatched there while the
 * caller waits, at most until the deadline. No cleanup starts after the
 * deadline. Finally the service verifies that nothing is left.
 *
 * The report accounts for every resource: released, failed, lost, an
 * *overrun* (its cleanup was still running at the deadline: named, with
 * its component and how long it had run; its outcome arrives later in a
 * report scoped `shutdown (late)`, emitted with
 * [signal@Resmgr.Service::cleanup-finished]), or a leftover with the reason
 * (its owner context was not iterated before the deadline, or the deadline
 * passed before its turn). Resources of an owner context that is never
 * iterated again stay tracked; nothing is run on another thread to help.
 *
 * There is no exit hook: call this (or the async form) from the
 * application's own shutdown, while the main loop and GL contexts live.
 *
 * Returns: (transfer full): the report, or %NULL with
 *   %RESMGR_ERROR_CLEANUP_IN_PROGRESS if called from inside a shutdown
 *
 * Since: 0.1
 */
ResmgrCleanupReport *
resmgr_service_shutdown (ResmgrService  *self,
                         guint           timeout_ms,
                         GError        **error)
{
  g_return_val_if_fail (IS_SERVICE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return get_iface (self)->shutdown (self, timeout_ms, error);
}

/**
 * resmgr_service_shutdown_async:
 * @self: a service
 * @timeout_ms: the deadline for the whole shutdown, in milliseconds
 * @cancellable: (nullable): a #GCancellable; cancelling it only stops the
 *   wait, not the shutdown
 * @callback: (scope async): called on the calling thread's thread-default
 *   main context when the shutdown finished
 * @user_data: (closure): data for @callback
 *
 * Like resmgr_service_shutdown(), without blocking the caller's main loop
 * and without occupying a thread: cleanups of components owned by the
 * caller's context run from it, the others from their owners' contexts,
 * one batch after the other; a timeout source on the caller's context ends
 * the shutdown at the deadline.
 *
 * Since: 0.1
 */
void
resmgr_service_shutdown_async (ResmgrService       *self,
                               guint                timeout_ms,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_return_if_fail (IS_SERVICE (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  get_iface (self)->shutdown_async (self, timeout_ms, cancellable,
                                                   callback, user_data);
}

/**
 * resmgr_service_shutdown_finish:
 * @self: a service
 * @result: the result given to the callback
 * @error: return location for a #GError
 *
 * Finishes resmgr_service_shutdown_async().
 *
 * Returns: (transfer full): the report, or %NULL on error
 *
 * Since: 0.1
 */
ResmgrCleanupReport *
resmgr_service_shutdown_finish (ResmgrService  *self,
                                GAsyncResult   *result,
                                GError        **error)
{
  g_return_val_if_fail (IS_SERVICE (self), NULL);
  g_return_val_if_fail (G_IS_ASYNC_RESULT (result), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return get_iface (self)->shutdown_finish (self, result, error);
}

/**
 * resmgr_service_cleanup_phase:
 * @self: a service
 * @min_priority: the priority floor, from 0 to %RESMGR_PRIORITY_MAX: the
 *   resources with this cleanup priority or a higher one are cleaned
 * @timeout_ms: the deadline of the phase, in milliseconds
 * @error: return location for a #GError
 *
 * Cleans, for every registered component, the resources whose cleanup
 * priority is @min_priority or higher, in *global* priority order as
 * resmgr_service_shutdown() does (the priority-100 resources of all
 * components, newest first, then priority 90, …, down to @min_priority),
 * each on its component's owner context, with the same deadline rules.
 * Resources below @min_priority are not touched: the components stay
 * registered and keep them. Unlike a shutdown, a phase does not refuse
 * new tracking, so an application can run several, with lower and lower
 * floors (workers first, then timers, then GL objects while its windows
 * live), and shut down last. While a phase runs,
 * [method@Resmgr.Service.get_deadline] returns its deadline.
 *
 * The report's scope names the phase (`"cleanup phase down to priority
 * 90"`). Its leftovers are the resources at or above the floor still
 * tracked at the end, each with the reason when there is one (its owner
 * context was not iterated before the deadline, the deadline passed
 * before its turn; or a cleanup tracked it meanwhile); it is timed out
 * when the deadline passed.
 *
 * A service that does not implement it gets a default that works through
 * its public methods: the resources [method@Resmgr.Service.dup_handles]
 * lists, released with [method@Resmgr.Service.release] in cleanup order,
 * on the calling thread, until the deadline.
 *
 * Returns: (transfer full): the report, or %NULL with
 *   %RESMGR_ERROR_CLEANUP_IN_PROGRESS if a shutdown or another phase runs
 *
 * Since: 0.1
 */
ResmgrCleanupReport *
resmgr_service_cleanup_phase (ResmgrService  *self,
                              int             min_priority,
                              guint           timeout_ms,
                              GError        **error)
{
  g_return_val_if_fail (IS_SERVICE (self), NULL);
  g_return_val_if_fail (min_priority >= 0 && min_priority <= RESMGR_PRIORITY_MAX, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return get_iface (self)->cleanup_phase (self, min_priority, timeout_ms, error);
}

/**
 * resmgr_service_cleanup_phase_async:
 * @self: a service
 * @min_priority: the priority floor, from 0 to %RESMGR_PRIORITY_MAX
 * @timeout_ms: the deadline of the phase, in milliseconds
 * @cancellable: (nullable): a #GCancellable; cancelling it only stops the
 *   wait, not the phase
 * @callback: (scope async): called on the calling thread's thread-default
 *   main context when the phase finished
 * @user_data: (closure): data for @callback
 *
 * Like resmgr_service_cleanup_phase(), without blocking the caller's main
 * loop, as resmgr_service_shutdown_async() does.
 *
 * Since: 0.1
 */
void
resmgr_service_cleanup_phase_async (ResmgrService       *self,
                                    int                  min_priority,
                                    guint                timeout_ms,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  g_return_if_fail (IS_SERVICE (self));
  g_return_if_fail (min_priority >= 0 && min_priority <= RESMGR_PRIORITY_MAX);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  get_iface (self)->cleanup_phase_async (self, min_priority, timeout_ms, cancellable,
                                                        callback, user_data);
}

/**
 * resmgr_service_cleanup_phase_finish:
 * @self: a service
 * @result: the result given to the callback
 * @error: return location for a #GError
 *
 * Finishes resmgr_service_cleanup_phase_async().
 *
 * Returns: (transfer full): the report, or %NULL on error
 *
 * Since: 0.1
 */
ResmgrCleanupReport *
resmgr_service_cleanup_phase_finish (ResmgrService  *self,
                                     GAsyncResult   *result,
                                     GError        **error)
{
  g_return_val_if_fail (IS_SERVICE (self), NULL);
  g_return_val_if_fail (G_IS_ASYNC_RESULT (result), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return get_iface (self)->cleanup_phase_finish (self, result, error);
}

/**
 * resmgr_service_is_shutting_down:
 * @self: a service
 *
 * Checks whether shutdown started (it may also have finished).
 *
 * Returns: %TRUE once resmgr_service_shutdown() was called
 *
 * Since: 0.1
 */
gboolean
resmgr_service_is_shutting_down (ResmgrService *self)
{
  g_return_val_if_fail (IS_SERVICE (self), FALSE);

  return get_iface (self)->is_shutting_down (self);
}

/**
 * resmgr_service_get_deadline:
 * @self: a service
 *
 * Gets the deadline of the running shutdown or cleanup phase, in the clock of
 * g_get_monotonic_time(). Cleanups that wait (for a worker thread, say)
 * should not wait past it.
 *
 * Returns: the deadline, or 0 when no shutdown or phase is running
 *
 * Since: 0.1
 */
gint64
resmgr_service_get_deadline (ResmgrService *self)
{
  g_return_val_if_fail (IS_SERVICE (self), 0);

  return get_iface (self)->get_deadline (self);
}

/**
 * resmgr_service_dup_stats:
 * @self: a service
 *
 * Takes a snapshot of the service's counters.
 *
 * Returns: (transfer full): new stats
 *
 * Since: 0.1
 */
ResmgrStats *
resmgr_service_dup_stats (ResmgrService *self)
{
  g_return_val_if_fail (IS_SERVICE (self), NULL);

  return get_iface (self)->dup_stats (self);
}

/**
 * resmgr_service_dup_component_id:
 * @self: a service
 * @component: an object
 *
 * Gets the id @component was registered with.
 *
 * Returns: (transfer full) (nullable): the id, or %NULL if @component is
 *   not registered
 *
 * Since: 0.1
 */
char *
resmgr_service_dup_component_id (ResmgrService *self,
                                 GObject       *component)
{
  g_return_val_if_fail (IS_SERVICE (self), NULL);
  g_return_val_if_fail (G_IS_OBJECT (component), NULL);

  return get_iface (self)->dup_component_id (self, component);
}

/**
 * resmgr_service_dup_handles:
 * @self: a service
 * @component_id: (nullable): a component id, or %NULL for all components
 *
 * Takes a snapshot of what is tracked: a handle per resource, each
 * component's in creation order. Monitors use it to fill their views before
 * following the signals. A service that cannot enumerate returns an empty
 * array.
 *
 * Returns: (transfer container) (element-type ResmgrHandle): the handles
 *
 * Since: 0.1
 */
GPtrArray *
resmgr_service_dup_handles (ResmgrService *self,
                            const char    *component_id)
{
  ResmgrServiceInterface *iface;

  g_return_val_if_fail (IS_SERVICE (self), NULL);

  iface = get_iface (self);
  if (iface->dup_handles == NULL)
    return g_ptr_array_new_with_free_func ((GDestroyNotify) resmgr_handle_unref);

  return iface->dup_handles (self, component_id);
}

/**
 * resmgr_service_dup_component_ids:
 * @self: a service
 *
 * Gets the ids of the registered components, in registration order.
 *
 * Returns: (transfer full) (array zero-terminated=1): the ids
 *
 * Since: 0.1
 */
char **
resmgr_service_dup_component_ids (ResmgrService *self)
{
  ResmgrServiceInterface *iface;

  g_return_val_if_fail (IS_SERVICE (self), NULL);

  iface = get_iface (self);
  if (iface->dup_component_ids == NULL)
    return g_new0 (char *, 1);

  return iface->dup_component_ids (self);
}

/**
 * resmgr_service_dup_component_stats:
 * @self: a service
 * @component_id: a component id
 *
 * Takes a snapshot of one component's counters: what it holds now per type
 * (count and bytes), and, as far as the service keeps them, the totals it
 * tracked, released, failed and lost and the peak of resources it held at
 * once. `n_components` is 1 while the component is registered, else 0 (and
 * the counts are zero). A service without this method is asked for the
 * component's handles instead; its totals are then zero and its peaks the
 * current values.
 *
 * Returns: (transfer full): new stats
 *
 * Since: 0.1
 */
ResmgrStats *
resmgr_service_dup_component_stats (ResmgrService *self,
                                    const char    *component_id)
{
  ResmgrServiceInterface *iface;
  g_autoptr(GPtrArray) handles = NULL;
  g_auto(GStrv) ids = NULL;
  ResmgrStats *stats;

  g_return_val_if_fail (IS_SERVICE (self), NULL);
  g_return_val_if_fail (component_id != NULL, NULL);

  iface = get_iface (self);
  if (iface->dup_component_stats != NULL)
    return iface->dup_component_stats (self, component_id);

  stats = g_new0 (ResmgrStats, 1);
  ids = resmgr_service_dup_component_ids (self);
  stats->n_components = g_strv_contains ((const char * const *) ids, component_id) ? 1 : 0;
  stats->peak_components = stats->n_components;
  handles = resmgr_service_dup_handles (self, component_id);
  for (guint i = 0; i < handles->len; i++)
    {
      ResmgrHandle *handle = g_ptr_array_index (handles, i);
      ResmgrResourceType type = resmgr_handle_get_resource_type (handle);

      stats->count[type]++;
      stats->bytes[type] += resmgr_handle_get_size (handle);
    }
  stats->peak_resources = handles->len;
  stats->peak_bytes = resmgr_stats_get_total_bytes (stats);

  return stats;
}
