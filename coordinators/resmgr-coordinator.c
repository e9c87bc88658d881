/* resmgr-coordinator.c
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "resmgr.h"
#include "resmgr-private.h"

/**
 * ResmgrCoordinator:
 *
 * One component's view of a [iface@Resmgr.Service]: a controller creates
 * one, binds it to itself, and tracks everything it owns through it.
 *
 * ```c
 * self->resources = resmgr_coordinator_new (NULL);
 * resmgr_coordinator_bind (self->resources, G_OBJECT (self), NULL, &error);
 * resmgr_coordinator_track_source_id (self->resources,
 *                                     g_timeout_add (100, tick, self),
 *                                     "tick", NULL);
 * ```
 *
 * The coordinator holds a strong reference to its service, so the service
 * can never be missing during cleanup, and every resource it tracked holds
 * a reference to the coordinator until its cleanup ran, so the coordinator
 * (and its class's cleanup of each resource type) is there too.
 *
 * Besides plain tracking it offers helpers for what a GTK controller
 * really owns (sources, signal handlers on other objects, cancellables,
 * objects), callbacks bound to their owner
 * ([method@Resmgr.Coordinator.idle_add] and friends), and checkpoints that
 * tell what the component gained and lost since
 * ([method@Resmgr.Coordinator.diff]): leak accounting per owner.
 *
 * ## Thread safety
 *
 * All methods may be called from any thread once the coordinator is bound;
 * bind it on the thread whose main context owns the component (its
 * thread-default context becomes the *owner context*,
 * [method@Resmgr.Coordinator.get_context]). The rules are those of
 * docs/threading.md:
 *
 * - Cleanups of the component run on the owner context; called from
 *   another thread, [method@Resmgr.Coordinator.cleanup_all] dispatches
 *   them there and waits with the service's deadline
 *   (%RESMGR_ERROR_TIMED_OUT rather than a hang).
 * - Owner-bound callbacks ([method@Resmgr.Coordinator.idle_add],
 *   [method@Resmgr.Coordinator.timeout_add],
 *   [method@Resmgr.Coordinator.invoke]) only ever run on the owner context,
 *   inline only when the calling thread owns it (never by acquiring it
 *   from another thread), and never after the component's cleanup removed
 *   them.
 * - [method@Resmgr.Coordinator.release] runs the cleanup of that one
 *   resource on the calling thread.
 * - The coordinator's own lock is never held while the service, a cleanup,
 *   a callback or a destroy notify runs: all of them may call back into the
 *   coordinator.
 *
 * Since: 0.1
 */

typedef enum {
  WRAP_DATA,     /* user GDestroyNotify */
  WRAP_OBJECT,   /* watched object + user cleanup */
  WRAP_RESOURCE, /* owned resource + cleanup that may fail */
} WrapKind;

/* One tracked resource, from the coordinator's side. Owned by the service
 * until its cleanup ran; holds a reference to the coordinator. */
typedef struct
{
  gatomicrefcount     ref_count; /* the service's, and the tracking call's */
  guint64             id;
  ResmgrCoordinator  *self;
  WrapKind            kind;
  ResmgrResourceType  type;
  gboolean            ran;
  gboolean            failed;
  gboolean            gone;     /* protected by the coordinator's mutex */
  gpointer            data;
  GDestroyNotify      destroy;
  ResmgrCleanupFunc   cleanup;
  gpointer            user_data;
  GDestroyNotify      user_data_destroy;
} Wrapper;

typedef struct
{
  /* Read-only after construction: */
  ResmgrService *service;

  /* Read-only after bind: */
  GWeakRef       component;
  char          *component_id;
  GMainContext  *context;

  /* Protected by mutex: */
  GMutex         mutex;
  gboolean       bound;
  gboolean       binding;
  gboolean       own_cleanup_pending;
  GHashTable    *handles;          /* guint64* (in Wrapper) → ResmgrHandle* */
  GHashTable    *process_lifetime; /* ids, as guint64* owned */
  guint64        total_tracked;
  guint64        total_released;
  guint64        total_failed;
  guint64        total_lost;
  guint64        peak_resources;
} ResmgrCoordinatorPrivate;

struct _ResmgrCheckpoint
{
  gatomicrefcount  ref_count;
  GHashTable      *handles; /* guint64* (owned) → ResmgrHandle* */
};

G_DEFINE_TYPE_WITH_PRIVATE (ResmgrCoordinator, resmgr_coordinator, G_TYPE_OBJECT)
G_DEFINE_BOXED_TYPE (ResmgrCheckpoint, resmgr_checkpoint, resmgr_checkpoint_ref, resmgr_checkpoint_unref)

enum {
  PROP_0,
  PROP_SERVICE,
  PROP_COMPONENT_ID,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

#define PRIV(self) ((ResmgrCoordinatorPrivate *) resmgr_coordinator_get_instance_private (self))

/* Wrappers {{{ */

static Wrapper *
wrapper_new (ResmgrCoordinator  *self,
             WrapKind            kind,
             ResmgrResourceType  type)
{
  Wrapper *w = g_new0 (Wrapper, 1);

  g_atomic_ref_count_init (&w->ref_count);
  g_atomic_ref_count_inc (&w->ref_count);
  w->self = g_object_ref (self);
  w->kind = kind;
  w->type = type;

  return w;
}

static void
wrapper_unref (Wrapper *w)
{
  if (g_atomic_ref_count_dec (&w->ref_count))
    {
      g_object_unref (w->self);
      g_free (w);
    }
}

/* The service is done with the resource: forget it, then free. */
static void
wrapper_finish (Wrapper *w)
{
  ResmgrCoordinatorPrivate *priv = PRIV (w->self);
  ResmgrHandle *handle = NULL;
  gpointer key;

  g_mutex_lock (&priv->mutex);
  w->gone = TRUE;
  if (g_hash_table_steal_extended (priv->handles, &w->id, &key, (gpointer *) &handle))
    {
      if (!w->ran)
        priv->total_lost++;
      else if (w->failed)
        priv->total_failed++;
      else
        priv->total_released++;
    }
  g_hash_table_remove (priv->process_lifetime, &w->id);
  g_mutex_unlock (&priv->mutex);

  g_clear_pointer (&handle, resmgr_handle_unref);
  if (w->user_data_destroy != NULL)
    w->user_data_destroy (w->user_data);
  wrapper_unref (w);
}

static void
wrapper_destroy_data (gpointer data)
{
  Wrapper *w = data;

  w->destroy (w->data);
  w->ran = TRUE;
  wrapper_finish (w);
}

static gboolean
wrapper_cleanup (gpointer   resource,
                 gpointer   data,
                 GError   **error)
{
  Wrapper *w = data;
  gboolean ok = TRUE;

  w->ran = TRUE;
  if (w->cleanup != NULL)
    ok = w->cleanup (resource, w->user_data, error);
  w->failed = !ok;

  return ok;
}

static void
wrapper_free (gpointer data)
{
  wrapper_finish (data);
}

/* Records a tracked wrapper and makes its handle. */
static ResmgrHandle *
wrapper_tracked (Wrapper    *w,
                 guint64     id,
                 const char *name,
                 gsize       size,
                 int         priority)
{
  ResmgrCoordinatorPrivate *priv = PRIV (w->self);
  ResmgrHandle *handle;

  if (priority == RESMGR_PRIORITY_DEFAULT)
    priority = resmgr_resource_type_get_default_priority (w->type);

  handle = _resmgr_handle_new (id, w->type, name, priv->component_id, size, priority,
                               g_get_monotonic_time (), RESMGR_RESOURCE_STATE_ACTIVE, NULL);

  g_mutex_lock (&priv->mutex);
  w->id = id;
  /* Released already, on another thread, between tracking and here? */
  if (!w->gone)
    {
      g_hash_table_insert (priv->handles, &w->id, resmgr_handle_ref (handle));
      priv->peak_resources = MAX (priv->peak_resources, g_hash_table_size (priv->handles));
    }
  priv->total_tracked++;
  g_mutex_unlock (&priv->mutex);

  /* The service may have finished with it already: the tracking call's
   * reference kept it valid until here. */
  wrapper_unref (w);

  return handle;
}

/* }}} */

/* The coordinator's own cleanup {{{ */

static gboolean
own_cleanup_cb (gpointer   resource,
                gpointer   user_data,
                GError   **error)
{
  ResmgrCoordinator *self = user_data;
  ResmgrCoordinatorPrivate *priv = PRIV (self);

  g_mutex_lock (&priv->mutex);
  priv->own_cleanup_pending = TRUE;
  g_mutex_unlock (&priv->mutex);

  return RESMGR_COORDINATOR_GET_CLASS (self)->cleanup (self, error);
}

/* Registers the class's cleanup, at bind time and again on the first track
 * after it ran, so it runs at every cleanup of the component. */
static void
ensure_own_cleanup (ResmgrCoordinator *self,
                    GObject           *component)
{
  ResmgrCoordinatorPrivate *priv = PRIV (self);
  ResmgrCoordinatorClass *klass = RESMGR_COORDINATOR_GET_CLASS (self);
  g_autofree char *name = NULL;
  gboolean needed;

  g_mutex_lock (&priv->mutex);
  needed = priv->own_cleanup_pending;
  priv->own_cleanup_pending = FALSE;
  g_mutex_unlock (&priv->mutex);

  if (!needed)
    return;

  name = g_strdup_printf ("%s cleanup", G_OBJECT_TYPE_NAME (self));
  if (resmgr_service_add_cleanup (priv->service, component, name, klass->cleanup_priority,
                                  own_cleanup_cb, g_object_ref (self), g_object_unref,
                                  NULL) == 0)
    {
      /* Refused (shutting down): the next track tries again. */
      g_object_unref (self);
      g_mutex_lock (&priv->mutex);
      priv->own_cleanup_pending = TRUE;
      g_mutex_unlock (&priv->mutex);
    }
}

static GObject *
dup_bound_component (ResmgrCoordinator  *self,
                     GError            **error)
{
  ResmgrCoordinatorPrivate *priv = PRIV (self);
  GObject *component;

  if (!resmgr_coordinator_is_bound (self))
    {
      g_set_error (error, RESMGR_ERROR, RESMGR_ERROR_INVALID_ARGUMENT,
                   "%s %p is not bound to a component", G_OBJECT_TYPE_NAME (self), self);
      return NULL;
    }

  if ((component = g_weak_ref_get (&priv->component)) == NULL)
    {
      g_set_error (error, RESMGR_ERROR, RESMGR_ERROR_NOT_FOUND,
                   "Component “%s” of %s %p is disposed",
                   priv->component_id, G_OBJECT_TYPE_NAME (self), self);
      return NULL;
    }

  ensure_own_cleanup (self, component);

  return component;
}

/* }}} */

/* Default cleanups per type {{{ */

static gboolean
resmgr_coordinator_real_cleanup_resource (ResmgrCoordinator   *self,
                                          ResmgrResourceType   type,
                                          gpointer             resource,
                                          GError             **error)
{
  gboolean ok = TRUE;

  if (resource == NULL)
    return TRUE;

  switch (type)
    {
    case RESMGR_RESOURCE_TYPE_TIMER:
    case RESMGR_RESOURCE_TYPE_SOURCE:
      g_source_destroy (resource);
      g_source_unref (resource);
      return TRUE;

    case RESMGR_RESOURCE_TYPE_MEMORY:
      g_free (resource);
      return TRUE;

    case RESMGR_RESOURCE_TYPE_GL_OBJECT:
      g_set_error (error, RESMGR_ERROR, RESMGR_ERROR_INVALID_ARGUMENT,
                   "%s has no cleanup for GL objects: track them with a ResmgrGLCoordinator",
                   G_OBJECT_TYPE_NAME (self));
      return FALSE;

    case RESMGR_RESOURCE_TYPE_WORKER:
      if (G_IS_CANCELLABLE (resource))
        g_cancellable_cancel (resource);
      break;

    case RESMGR_RESOURCE_TYPE_FILE:
      if (G_IS_IO_STREAM (resource))
        ok = g_io_stream_close (resource, NULL, error);
      else if (G_IS_INPUT_STREAM (resource))
        ok = g_input_stream_close (resource, NULL, error);
      else if (G_IS_OUTPUT_STREAM (resource))
        ok = g_output_stream_close (resource, NULL, error);
      break;

    case RESMGR_RESOURCE_TYPE_WIDGET:
    case RESMGR_RESOURCE_TYPE_CUSTOM:
    default:
      break;
    }

  if (!G_IS_OBJECT (resource))
    {
      g_set_error (error, RESMGR_ERROR, RESMGR_ERROR_INVALID_ARGUMENT,
                   "%s has no default cleanup for a %s resource that is not a GObject",
                   G_OBJECT_TYPE_NAME (self), resmgr_resource_type_to_string (type));
      return FALSE;
    }

  g_object_unref (resource);

  return ok;
}

static gboolean
resmgr_coordinator_real_cleanup (ResmgrCoordinator  *self,
                                 GError            **error)
{
  return TRUE;
}

/* }}} */

/* GObject {{{ */

static void
resmgr_coordinator_constructed (GObject *object)
{
  ResmgrCoordinator *self = RESMGR_COORDINATOR (object);
  ResmgrCoordinatorPrivate *priv = PRIV (self);

  G_OBJECT_CLASS (resmgr_coordinator_parent_class)->constructed (object);

  if (priv->service == NULL)
    priv->service = g_object_ref (resmgr_service_get_default ());
}

static void
resmgr_coordinator_finalize (GObject *object)
{
  ResmgrCoordinatorPrivate *priv = PRIV (RESMGR_COORDINATOR (object));

  /* Every tracked resource holds a reference on us: none is left here. */
  g_hash_table_unref (priv->handles);
  g_hash_table_unref (priv->process_lifetime);
  g_weak_ref_clear (&priv->component);
  g_clear_pointer (&priv->context, g_main_context_unref);
  g_free (priv->component_id);
  g_clear_object (&priv->service);
  g_mutex_clear (&priv->mutex);

  G_OBJECT_CLASS (resmgr_coordinator_parent_class)->finalize (object);
}

static void
resmgr_coordinator_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  ResmgrCoordinator *self = RESMGR_COORDINATOR (object);

  switch (prop_id)
    {
    case PROP_SERVICE:
      g_value_set_object (value, resmgr_coordinator_get_service (self));
      break;
    case PROP_COMPONENT_ID:
      g_value_set_string (value, resmgr_coordinator_get_component_id (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
resmgr_coordinator_set_property (GObject      *object,
                                 guint         prop_id,
                                 const GValue *value,
                                 GParamSpec   *pspec)
{
  ResmgrCoordinatorPrivate *priv = PRIV (RESMGR_COORDINATOR (object));

  switch (prop_id)
    {
    case PROP_SERVICE:
      priv->service = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
resmgr_coordinator_class_init (ResmgrCoordinatorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = resmgr_coordinator_constructed;
  object_class->finalize = resmgr_coordinator_finalize;
  object_class->get_property = resmgr_coordinator_get_property;
  object_class->set_property = resmgr_coordinator_set_property;

  klass->cleanup_resource = resmgr_coordinator_real_cleanup_resource;
  klass->cleanup = resmgr_coordinator_real_cleanup;
  klass->cleanup_priority = resmgr_resource_type_get_default_priority (RESMGR_RESOURCE_TYPE_CUSTOM);

  /**
   * ResmgrCoordinator:service:
   *
   * The service the coordinator tracks through; the default service when
   * none is given. Held strongly.
   *
   * Since: 0.1
   */
  properties[PROP_SERVICE] =
    g_param_spec_object ("service", NULL, NULL,
                         RESMGR_TYPE_SERVICE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * ResmgrCoordinator:component-id:
   *
   * The id of the component the coordinator is bound to, or %NULL before
   * [method@Resmgr.Coordinator.bind].
   *
   * Since: 0.1
   */
  properties[PROP_COMPONENT_ID] =
    g_param_spec_string ("component-id", NULL, NULL,
                         NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
resmgr_coordinator_init (ResmgrCoordinator *self)
{
  ResmgrCoordinatorPrivate *priv = PRIV (self);

  g_mutex_init (&priv->mutex);
  g_weak_ref_init (&priv->component, NULL);
  priv->handles = g_hash_table_new_full (g_int64_hash, g_int64_equal, NULL,
                                         (GDestroyNotify) resmgr_handle_unref);
  priv->process_lifetime = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
}

/* }}} */

/**
 * resmgr_coordinator_new:
 * @service: (nullable): the service to track through, or %NULL for the
 *   default service
 *
 * Creates a coordinator; bind it with [method@Resmgr.Coordinator.bind].
 *
 * Returns: (transfer full): a new coordinator
 *
 * Since: 0.1
 */
ResmgrCoordinator *
resmgr_coordinator_new (ResmgrService *service)
{
  g_return_val_if_fail (service == NULL || RESMGR_IS_SERVICE (service), NULL);

  return g_object_new (RESMGR_TYPE_COORDINATOR, "service", service, NULL);
}

/**
 * resmgr_coordinator_bind:
 * @self: a coordinator
 * @component: the object that owns the resources
 * @id: (nullable): the component id, or %NULL for `"<TypeName>-<n>"`
 * @error: return location for a #GError
 *
 * Registers @component with the service and the coordinator's own cleanup
 * (the class's `cleanup`, at its `cleanup_priority`). The component's owner
 * context is the calling thread's thread-default main context.
 *
 * A component may have several coordinators (a controller that runs jobs
 * *and* owns GL objects): binding to a component that is already registered
 * with the service joins that registration, so everything is cleaned
 * together, in one priority order, when the component goes. Bind them all
 * on the component's owner thread. @id must then be %NULL or the
 * component's id.
 *
 * Binding twice fails with %RESMGR_ERROR_INVALID_ARGUMENT; binding to a
 * component whose last reference is being dropped (from its dispose) fails
 * with %RESMGR_ERROR_NOT_FOUND; the service's own errors (an id used by
 * another component, shutting down) are passed on. A component disposed
 * with g_object_run_dispose() but still referenced is alive as far as GLib
 * can tell: it can be bound, and its resources are cleaned at its final
 * unref, whose dispose notifies weak references again.
 *
 * Returns: %TRUE on success
 *
 * Since: 0.1
 */
gboolean
resmgr_coordinator_bind (ResmgrCoordinator  *self,
                         GObject            *component,
                         const char         *id,
                         GError            **error)
{
  ResmgrCoordinatorPrivate *priv;
  char *component_id = NULL;
  gboolean bound;
  GObject *alive;

  g_return_val_if_fail (RESMGR_IS_COORDINATOR (self), FALSE);
  g_return_val_if_fail (G_IS_OBJECT (component), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  priv = PRIV (self);

  /* Reserve the binding: a concurrent bind sees it and fails. */
  g_mutex_lock (&priv->mutex);
  if (priv->bound || priv->binding)
    {
      g_set_error (error, RESMGR_ERROR, RESMGR_ERROR_INVALID_ARGUMENT,
                   "%s %p is already bound to component “%s”",
                   G_OBJECT_TYPE_NAME (self), self,
                   priv->component_id ? priv->component_id : "(being bound)");
      g_mutex_unlock (&priv->mutex);
      return FALSE;
    }
  priv->binding = TRUE;
  g_mutex_unlock (&priv->mutex);

  /* A component whose last reference is being dropped (bind called from its
   * dispose) reads NULL here: it is dead to us. */
  g_weak_ref_set (&priv->component, component);
  if ((alive = g_weak_ref_get (&priv->component)) == NULL)
    {
      g_set_error (error, RESMGR_ERROR, RESMGR_ERROR_NOT_FOUND,
                   "Cannot bind %s %p to %s %p: it is disposed",
                   G_OBJECT_TYPE_NAME (self), self, G_OBJECT_TYPE_NAME (component), component);
      bound = FALSE;
    }
  else
    {
      g_autoptr(GError) local_error = NULL;

      g_object_unref (alive);
      bound = resmgr_service_register_component (priv->service, component, id, &local_error);
      component_id = resmgr_service_dup_component_id (priv->service, component);
      if (!bound && component_id != NULL &&
          g_error_matches (local_error, RESMGR_ERROR, RESMGR_ERROR_INVALID_ARGUMENT) &&
          (id == NULL || g_strcmp0 (id, component_id) == 0))
        {
          /* Registered already (by another coordinator): join it. */
          g_clear_error (&local_error);
          bound = TRUE;
        }
      if (!bound)
        {
          g_clear_pointer (&component_id, g_free);
          g_weak_ref_set (&priv->component, NULL);
          g_propagate_error (error, g_steal_pointer (&local_error));
        }
    }

  g_mutex_lock (&priv->mutex);
  priv->binding = FALSE;
  if (bound)
    {
      priv->bound = TRUE;
      priv->component_id = g_steal_pointer (&component_id);
      priv->context = g_main_context_ref_thread_default ();
      priv->own_cleanup_pending = TRUE;
    }
  g_mutex_unlock (&priv->mutex);

  if (!bound)
    return FALSE;

  ensure_own_cleanup (self, component);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_COMPONENT_ID]);

  return TRUE;
}

/**
 * resmgr_coordinator_is_bound:
 * @self: a coordinator
 *
 * Checks whether [method@Resmgr.Coordinator.bind] succeeded.
 *
 * Returns: %TRUE once bound
 *
 * Since: 0.1
 */
gboolean
resmgr_coordinator_is_bound (ResmgrCoordinator *self)
{
  ResmgrCoordinatorPrivate *priv;
  gboolean bound;

  g_return_val_if_fail (RESMGR_IS_COORDINATOR (self), FALSE);

  priv = PRIV (self);
  g_mutex_lock (&priv->mutex);
  bound = priv->bound;
  g_mutex_unlock (&priv->mutex);

  return bound;
}

/**
 * resmgr_coordinator_get_service:
 * @self: a coordinator
 *
 * Gets the service the coordinator tracks through.
 *
 * Returns: (transfer none): the service
 *
 * Since: 0.1
 */
ResmgrService *
resmgr_coordinator_get_service (ResmgrCoordinator *self)
{
  g_return_val_if_fail (RESMGR_IS_COORDINATOR (self), NULL);

  return PRIV (self)->service;
}

/**
 * resmgr_coordinator_dup_component:
 * @self: a coordinator
 *
 * Gets the component, if it is still alive.
 *
 * Returns: (transfer full) (nullable): the component, or %NULL
 *
 * Since: 0.1
 */
GObject *
resmgr_coordinator_dup_component (ResmgrCoordinator *self)
{
  g_return_val_if_fail (RESMGR_IS_COORDINATOR (self), NULL);

  return g_weak_ref_get (&PRIV (self)->component);
}

/**
 * resmgr_coordinator_get_component_id:
 * @self: a coordinator
 *
 * Gets the id of the bound component.
 *
 * Returns: (nullable): the id, or %NULL when not bound
 *
 * Since: 0.1
 */
const char *
resmgr_coordinator_get_component_id (ResmgrCoordinator *self)
{
  g_return_val_if_fail (RESMGR_IS_COORDINATOR (self), NULL);

  return PRIV (self)->component_id;
}

/**
 * resmgr_coordinator_get_context:
 * @self: a coordinator
 *
 * Gets the owner context of the bound component, where its cleanups run
 * and owner-bound callbacks are dispatched.
 *
 * Returns: (transfer none) (nullable): the context, or %NULL when not bound
 *
 * Since: 0.1
 */
GMainContext *
resmgr_coordinator_get_context (ResmgrCoordinator *self)
{
  g_return_val_if_fail (RESMGR_IS_COORDINATOR (self), NULL);

  return PRIV (self)->context;
}

/* Tracking {{{ */

static ResmgrHandle *
track_wrapper (ResmgrCoordinator  *self,
               Wrapper            *w,
               const char         *name,
               gsize               size,
               int                 priority,
               GObject            *watched,
               GError            **error)
{
  ResmgrCoordinatorPrivate *priv = PRIV (self);
  g_autoptr(GObject) component = NULL;
  guint64 id = 0;

  if ((component = dup_bound_component (self, error)) != NULL)
    {
      switch (w->kind)
        {
        case WRAP_DATA:
          id = resmgr_service_track_data (priv->service, component, w->type, name, size, priority,
                                          w, wrapper_destroy_data, error);
          break;
        case WRAP_OBJECT:
          id = resmgr_service_track_object (priv->service, component, w->type, name, size, priority,
                                            watched, wrapper_cleanup, w, wrapper_free, error);
          break;
        case WRAP_RESOURCE:
          id = resmgr_service_track_resource (priv->service, component, w->type, name, size, priority,
                                              w->data, wrapper_cleanup, w, wrapper_free, error);
          break;
        default:
          g_assert_not_reached ();
        }
    }

  if (id == 0)
    {
      /* Nothing was taken: the caller keeps its resource and data. */
      g_object_unref (w->self);
      g_free (w);
      return NULL;
    }

  return wrapper_tracked (w, id, name, size, priority);
}

static gboolean
class_cleanup_resource (gpointer   resource,
                        gpointer   user_data,
                        GError   **error)
{
  Wrapper *w = user_data;

  return RESMGR_COORDINATOR_GET_CLASS (w->self)->cleanup_resource (w->self, w->type, resource, error);
}

/**
 * resmgr_coordinator_track:
 * @self: a bound coordinator
 * @type: the resource type
 * @name: (nullable): a name shown in reports
 * @size: the size in bytes to account for
 * @resource: (transfer full): the resource
 * @error: return location for a #GError
 *
 * Tracks @resource, to be freed by the class's `cleanup_resource` for
 * @type, at the type's default priority. On failure the caller keeps
 * @resource.
 *
 * Returns: (transfer full) (nullable): the handle, or %NULL on error
 *
 * Since: 0.1
 */
ResmgrHandle *
resmgr_coordinator_track (ResmgrCoordinator   *self,
                          ResmgrResourceType   type,
                          const char          *name,
                          gsize                size,
                          gpointer             resource,
                          GError             **error)
{
  Wrapper *w;

  g_return_val_if_fail (RESMGR_IS_COORDINATOR (self), NULL);
  g_return_val_if_fail ((guint) type < RESMGR_N_RESOURCE_TYPES, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  w = wrapper_new (self, WRAP_RESOURCE, type);
  w->data = resource;
  w->cleanup = class_cleanup_resource;
  w->user_data = w;

  return track_wrapper (self, w, name, size, RESMGR_PRIORITY_DEFAULT, NULL, error);
}

/**
 * resmgr_coordinator_track_data: (skip)
 * @self: a bound coordinator
 * @type: the resource type
 * @name: (nullable): a name shown in reports
 * @size: the size in bytes to account for
 * @priority: a priority, or %RESMGR_PRIORITY_DEFAULT
 * @data: (nullable): the owned data
 * @destroy: frees @data, exactly once
 * @error: return location for a #GError
 *
 * Tracks owned data, as resmgr_service_track_data() does, for the bound
 * component.
 *
 * Returns: (transfer full) (nullable): the handle, or %NULL on error
 *
 * Since: 0.1
 */
ResmgrHandle *
resmgr_coordinator_track_data (ResmgrCoordinator   *self,
                               ResmgrResourceType   type,
                               const char          *name,
                               gsize                size,
                               int                  priority,
                               gpointer             data,
                               GDestroyNotify       destroy,
                               GError             **error)
{
  Wrapper *w;

  g_return_val_if_fail (RESMGR_IS_COORDINATOR (self), NULL);
  g_return_val_if_fail ((guint) type < RESMGR_N_RESOURCE_TYPES, NULL);
  g_return_val_if_fail (priority >= RESMGR_PRIORITY_DEFAULT && priority <= RESMGR_PRIORITY_MAX, NULL);
  g_return_val_if_fail (destroy != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  w = wrapper_new (self, WRAP_DATA, type);
  w->data = data;
  w->destroy = destroy;

  return track_wrapper (self, w, name, size, priority, NULL, error);
}

/**
 * resmgr_coordinator_track_object:
 * @self: a bound coordinator
 * @type: the resource type
 * @name: (nullable): a name shown in reports
 * @size: the size in bytes to account for
 * @priority: a priority, or %RESMGR_PRIORITY_DEFAULT
 * @object: the object to watch, held weakly
 * @cleanup: (nullable) (scope notified) (closure user_data) (destroy user_data_destroy):
 *   called with a temporary strong reference when released first
 * @user_data: data for @cleanup
 * @user_data_destroy: (nullable): frees @user_data
 * @error: return location for a #GError
 *
 * Tracks a watched object, as resmgr_service_track_object() does, for the
 * bound component.
 *
 * Returns: (transfer full) (nullable): the handle, or %NULL on error
 *
 * Since: 0.1
 */
ResmgrHandle *
resmgr_coordinator_track_object (ResmgrCoordinator   *self,
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
  Wrapper *w;
  ResmgrHandle *handle;

  g_return_val_if_fail (RESMGR_IS_COORDINATOR (self), NULL);
  g_return_val_if_fail ((guint) type < RESMGR_N_RESOURCE_TYPES, NULL);
  g_return_val_if_fail (priority >= RESMGR_PRIORITY_DEFAULT && priority <= RESMGR_PRIORITY_MAX, NULL);
  g_return_val_if_fail (G_IS_OBJECT (object), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  w = wrapper_new (self, WRAP_OBJECT, type);
  w->cleanup = cleanup;
  w->user_data = user_data;
  w->user_data_destroy = user_data_destroy;

  handle = track_wrapper (self, w, name, size, priority, object, error);

  return handle;
}

/**
 * resmgr_coordinator_track_resource:
 * @self: a bound coordinator
 * @type: the resource type
 * @name: (nullable): a name shown in reports
 * @size: the size in bytes to account for
 * @priority: a priority, or %RESMGR_PRIORITY_DEFAULT
 * @resource: (nullable): the owned resource
 * @cleanup: (scope notified) (closure user_data) (destroy user_data_destroy):
 *   frees @resource; may fail, and the failure is recorded
 * @user_data: data for @cleanup
 * @user_data_destroy: (nullable): frees @user_data after the cleanup ran
 * @error: return location for a #GError
 *
 * Tracks an owned resource whose cleanup may fail, as
 * resmgr_service_track_resource() does, for the bound component. On failure
 * nothing is taken.
 *
 * Returns: (transfer full) (nullable): the handle, or %NULL on error
 *
 * Since: 0.1
 */
ResmgrHandle *
resmgr_coordinator_track_resource (ResmgrCoordinator   *self,
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
  Wrapper *w;

  g_return_val_if_fail (RESMGR_IS_COORDINATOR (self), NULL);
  g_return_val_if_fail ((guint) type < RESMGR_N_RESOURCE_TYPES, NULL);
  g_return_val_if_fail (priority >= RESMGR_PRIORITY_DEFAULT && priority <= RESMGR_PRIORITY_MAX, NULL);
  g_return_val_if_fail (cleanup != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  w = wrapper_new (self, WRAP_RESOURCE, type);
  w->data = resource;
  w->cleanup = cleanup;
  w->user_data = user_data;
  w->user_data_destroy = user_data_destroy;

  return track_wrapper (self, w, name, size, priority, NULL, error);
}

static ResmgrHandle *
track_resource (ResmgrCoordinator   *self,
                ResmgrResourceType   type,
                const char          *name,
                gsize                size,
                gpointer             resource,
                ResmgrCleanupFunc    cleanup,
                gpointer             user_data,
                GDestroyNotify       user_data_destroy,
                GError             **error)
{
  return resmgr_coordinator_track_resource (self, type, name, size, RESMGR_PRIORITY_DEFAULT,
                                            resource, cleanup, user_data, user_data_destroy,
                                            error);
}

/**
 * resmgr_coordinator_release_id:
 * @self: a bound coordinator
 * @id: the id of a resource this coordinator tracked
 * @error: return location for a #GError
 *
 * Releases a resource now. An id this coordinator does not hold (unknown,
 * released, or another component's) fails with %RESMGR_ERROR_NOT_FOUND
 * and touches nothing.
 *
 * Returns: %TRUE if released; %FALSE with the cleanup's error if it failed
 *
 * Since: 0.1
 */
gboolean
resmgr_coordinator_release_id (ResmgrCoordinator  *self,
                               guint64             id,
                               GError            **error)
{
  ResmgrCoordinatorPrivate *priv;
  gboolean ours;

  g_return_val_if_fail (RESMGR_IS_COORDINATOR (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  priv = PRIV (self);
  g_mutex_lock (&priv->mutex);
  ours = g_hash_table_contains (priv->handles, &id);
  g_mutex_unlock (&priv->mutex);

  if (!ours)
    {
      g_set_error (error, RESMGR_ERROR, RESMGR_ERROR_NOT_FOUND,
                   "Resource %" G_GUINT64_FORMAT " is not held by the coordinator of “%s”",
                   id, priv->component_id ? priv->component_id : "(unbound)");
      return FALSE;
    }

  return resmgr_service_release (priv->service, id, error);
}

/**
 * resmgr_coordinator_release:
 * @self: a bound coordinator
 * @handle: a handle this coordinator returned
 * @error: return location for a #GError
 *
 * Releases the resource of @handle now; see
 * [method@Resmgr.Coordinator.release_id].
 *
 * Returns: %TRUE if released
 *
 * Since: 0.1
 */
gboolean
resmgr_coordinator_release (ResmgrCoordinator  *self,
                            ResmgrHandle       *handle,
                            GError            **error)
{
  g_return_val_if_fail (handle != NULL, FALSE);

  return resmgr_coordinator_release_id (self, resmgr_handle_get_id (handle), error);
}

/**
 * resmgr_coordinator_cleanup_all:
 * @self: a bound coordinator
 * @error: return location for a #GError
 *
 * Releases everything the component owns, the coordinator's own cleanup
 * included, in priority order on the owner context; see
 * resmgr_service_cleanup_component().
 *
 * Returns: (transfer full) (nullable): the report, or %NULL on error
 *
 * Since: 0.1
 */
ResmgrCleanupReport *
resmgr_coordinator_cleanup_all (ResmgrCoordinator  *self,
                                GError            **error)
{
  ResmgrCoordinatorPrivate *priv;
  g_autoptr(GObject) component = NULL;

  g_return_val_if_fail (RESMGR_IS_COORDINATOR (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  priv = PRIV (self);

  if (!resmgr_coordinator_is_bound (self))
    {
      g_set_error (error, RESMGR_ERROR, RESMGR_ERROR_INVALID_ARGUMENT,
                   "%s %p is not bound to a component", G_OBJECT_TYPE_NAME (self), self);
      return NULL;
    }
  if ((component = g_weak_ref_get (&priv->component)) == NULL)
    {
      g_set_error (error, RESMGR_ERROR, RESMGR_ERROR_NOT_FOUND,
                   "Component “%s” is disposed; its resources are cleaned by the service",
                   priv->component_id);
      return NULL;
    }

  return resmgr_service_cleanup_component (priv->service, component, error);
}

static int
compare_handles_by_id (gconstpointer a,
                       gconstpointer b)
{
  guint64 ia = resmgr_handle_get_id (*(ResmgrHandle **) a);
  guint64 ib = resmgr_handle_get_id (*(ResmgrHandle **) b);

  return ia < ib ? -1 : ia > ib;
}

/**
 * resmgr_coordinator_dup_handles:
 * @self: a coordinator
 *
 * Gets the handles of the resources this coordinator tracked that are
 * still tracked, oldest first.
 *
 * Returns: (transfer container) (element-type ResmgrHandle): the handles
 *
 * Since: 0.1
 */
GPtrArray *
resmgr_coordinator_dup_handles (ResmgrCoordinator *self)
{
  ResmgrCoordinatorPrivate *priv;
  GPtrArray *handles;
  GHashTableIter iter;
  gpointer value;

  g_return_val_if_fail (RESMGR_IS_COORDINATOR (self), NULL);

  priv = PRIV (self);
  handles = g_ptr_array_new_with_free_func ((GDestroyNotify) resmgr_handle_unref);

  g_mutex_lock (&priv->mutex);
  g_hash_table_iter_init (&iter, priv->handles);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    g_ptr_array_add (handles, resmgr_handle_ref (value));
  g_mutex_unlock (&priv->mutex);

  g_ptr_array_sort (handles, compare_handles_by_id);

  return handles;
}

/**
 * resmgr_coordinator_dup_stats:
 * @self: a coordinator
 *
 * Gets this component's counters: what it tracks now per type (count and
 * bytes), and the totals tracked, released, failed and lost through this
 * coordinator, with the peak of resources held at once.
 *
 * Returns: (transfer full): new stats
 *
 * Since: 0.1
 */
ResmgrStats *
resmgr_coordinator_dup_stats (ResmgrCoordinator *self)
{
  ResmgrCoordinatorPrivate *priv;
  ResmgrStats *stats;
  GHashTableIter iter;
  gpointer value;

  g_return_val_if_fail (RESMGR_IS_COORDINATOR (self), NULL);

  priv = PRIV (self);
  stats = g_new0 (ResmgrStats, 1);

  g_mutex_lock (&priv->mutex);
  g_hash_table_iter_init (&iter, priv->handles);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      ResmgrResourceType type = resmgr_handle_get_resource_type (value);

      stats->count[type]++;
      stats->bytes[type] += resmgr_handle_get_size (value);
    }
  stats->n_components = priv->bound ? 1 : 0;
  stats->peak_components = stats->n_components;
  stats->total_tracked = priv->total_tracked;
  stats->total_released = priv->total_released;
  stats->total_failed = priv->total_failed;
  stats->total_lost = priv->total_lost;
  stats->peak_resources = priv->peak_resources;
  g_mutex_unlock (&priv->mutex);

  stats->peak_bytes = resmgr_stats_get_total_bytes (stats);

  return stats;
}

/* }}} */

/* Helpers for what a controller owns {{{ */

static gboolean
source_cleanup (gpointer   resource,
                gpointer   user_data,
                GError   **error)
{
  g_source_destroy (resource);
  g_source_unref (resource);

  return TRUE;
}

/**
 * resmgr_coordinator_track_source:
 * @self: a bound coordinator
 * @source: a source; the coordinator takes its own reference
 * @name: (nullable): a name shown in reports
 * @error: return location for a #GError
 *
 * Tracks @source as a %RESMGR_RESOURCE_TYPE_SOURCE resource: destroyed at
 * cleanup (priority 90, before GL objects and widgets), so its callback can
 * never fire into a half-cleaned controller.
 *
 * Returns: (transfer full) (nullable): the handle, or %NULL on error
 *
 * Since: 0.1
 */
ResmgrHandle *
resmgr_coordinator_track_source (ResmgrCoordinator  *self,
                                 GSource            *source,
                                 const char         *name,
                                 GError            **error)
{
  ResmgrHandle *handle;

  g_return_val_if_fail (RESMGR_IS_COORDINATOR (self), NULL);
  g_return_val_if_fail (source != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  handle = track_resource (self, RESMGR_RESOURCE_TYPE_SOURCE,
                           name ? name : g_source_get_name (source), 0,
                           g_source_ref (source), source_cleanup, NULL, NULL, error);
  if (handle == NULL)
    g_source_unref (source);

  return handle;
}

/**
 * resmgr_coordinator_track_source_id:
 * @self: a bound coordinator
 * @source_id: the id of a source attached to the owner context, as
 *   returned by g_timeout_add() or g_idle_add() on that context
 * @name: (nullable): a name shown in reports
 * @error: return location for a #GError
 *
 * Like [method@Resmgr.Coordinator.track_source], by id. An id that names no
 * source of the owner context fails with %RESMGR_ERROR_NOT_FOUND.
 *
 * Returns: (transfer full) (nullable): the handle, or %NULL on error
 *
 * Since: 0.1
 */
ResmgrHandle *
resmgr_coordinator_track_source_id (ResmgrCoordinator  *self,
                                    guint               source_id,
                                    const char         *name,
                                    GError            **error)
{
  GMainContext *context;
  GSource *source;

  g_return_val_if_fail (RESMGR_IS_COORDINATOR (self), NULL);
  g_return_val_if_fail (source_id > 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  context = PRIV (self)->context ? PRIV (self)->context : g_main_context_default ();
  source = g_main_context_find_source_by_id (context, source_id);
  if (source == NULL)
    {
      g_set_error (error, RESMGR_ERROR, RESMGR_ERROR_NOT_FOUND,
                   "No source with id %u is attached to the owner context of “%s”",
                   source_id, PRIV (self)->component_id ? PRIV (self)->component_id : "(unbound)");
      return NULL;
    }

  return resmgr_coordinator_track_source (self, source, name, error);
}

static gboolean
signal_handler_cleanup (gpointer   resource,
                        gpointer   user_data,
                        GError   **error)
{
  gulong *handler_id = user_data;

  if (g_signal_handler_is_connected (resource, *handler_id))
    g_signal_handler_disconnect (resource, *handler_id);

  return TRUE;
}

/**
 * resmgr_coordinator_track_signal_handler:
 * @self: a bound coordinator
 * @instance: (type GObject): the object the handler is connected to
 * @handler_id: the handler id
 * @name: (nullable): a name shown in reports
 * @error: return location for a #GError
 *
 * Tracks a signal handler on another object as a
 * %RESMGR_RESOURCE_TYPE_SOURCE resource: disconnected at cleanup, and
 * simply forgotten if @instance dies first (its handlers die with it).
 *
 * Returns: (transfer full) (nullable): the handle, or %NULL on error
 *
 * Since: 0.1
 */
ResmgrHandle *
resmgr_coordinator_track_signal_handler (ResmgrCoordinator  *self,
                                         gpointer            instance,
                                         gulong              handler_id,
                                         const char         *name,
                                         GError            **error)
{
  gulong *data;
  ResmgrHandle *handle;

  g_return_val_if_fail (RESMGR_IS_COORDINATOR (self), NULL);
  g_return_val_if_fail (G_IS_OBJECT (instance), NULL);
  g_return_val_if_fail (handler_id > 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  data = g_new (gulong, 1);
  *data = handler_id;
  handle = resmgr_coordinator_track_object (self, RESMGR_RESOURCE_TYPE_SOURCE, name, 0,
                                            RESMGR_PRIORITY_DEFAULT, instance,
                                            signal_handler_cleanup, data, g_free, error);
  if (handle == NULL)
    g_free (data);

  return handle;
}

static gboolean
cancellable_cleanup (gpointer   resource,
                     gpointer   user_data,
                     GError   **error)
{
  g_cancellable_cancel (resource);
  g_object_unref (resource);

  return TRUE;
}

/**
 * resmgr_coordinator_track_cancellable:
 * @self: a bound coordinator
 * @cancellable: a cancellable; the coordinator takes its own reference
 * @name: (nullable): a name shown in reports
 * @error: return location for a #GError
 *
 * Tracks @cancellable as a %RESMGR_RESOURCE_TYPE_WORKER resource: it is
 * cancelled at cleanup, first of all (priority 100), so operations started
 * with it stop before what they use goes away.
 *
 * Returns: (transfer full) (nullable): the handle, or %NULL on error
 *
 * Since: 0.1
 */
ResmgrHandle *
resmgr_coordinator_track_cancellable (ResmgrCoordinator  *self,
                                      GCancellable       *cancellable,
                                      const char         *name,
                                      GError            **error)
{
  ResmgrHandle *handle;

  g_return_val_if_fail (RESMGR_IS_COORDINATOR (self), NULL);
  g_return_val_if_fail (G_IS_CANCELLABLE (cancellable), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  handle = track_resource (self, RESMGR_RESOURCE_TYPE_WORKER, name, 0,
                           g_object_ref (cancellable), cancellable_cleanup, NULL, NULL, error);
  if (handle == NULL)
    g_object_unref (cancellable);

  return handle;
}

static gboolean
gobject_cleanup (gpointer   resource,
                 gpointer   user_data,
                 GError   **error)
{
  g_object_unref (resource);

  return TRUE;
}

/**
 * resmgr_coordinator_track_gobject:
 * @self: a bound coordinator
 * @type: the resource type
 * @object: (type GObject): an object; the coordinator takes its own reference
 * @name: (nullable): a name shown in reports
 * @size: the size in bytes to account for
 * @error: return location for a #GError
 *
 * Tracks a strong reference to @object, dropped at cleanup.
 *
 * Returns: (transfer full) (nullable): the handle, or %NULL on error
 *
 * Since: 0.1
 */
ResmgrHandle *
resmgr_coordinator_track_gobject (ResmgrCoordinator   *self,
                                  ResmgrResourceType   type,
                                  gpointer             object,
                                  const char          *name,
                                  gsize                size,
                                  GError             **error)
{
  ResmgrHandle *handle;

  g_return_val_if_fail (RESMGR_IS_COORDINATOR (self), NULL);
  g_return_val_if_fail ((guint) type < RESMGR_N_RESOURCE_TYPES, NULL);
  g_return_val_if_fail (G_IS_OBJECT (object), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  handle = track_resource (self, type, name ? name : G_OBJECT_TYPE_NAME (object), size,
                           g_object_ref (object), gobject_cleanup, NULL, NULL, error);
  if (handle == NULL)
    g_object_unref (object);

  return handle;
}

/* }}} */

/* Callbacks bound to their owner {{{
 *
 * A bound callback is a source on the owner context, tracked as a SOURCE
 * resource of the component, so the component's cleanup removes it: it
 * never fires after that cleanup. It is tracked *before* it is attached,
 * and attached only if its entry was not released meanwhile (decided under
 * b->mutex), so a cleanup racing with the call on another thread cannot
 * miss it: either the cleanup sees the entry and the source is never
 * attached or is destroyed, or the call fails to track it.
 */

typedef struct
{
  gatomicrefcount   ref_count; /* the source's, the entry's, and bound_attach's */
  GWeakRef          coordinator;
  GWeakRef          target;
  ResmgrBoundFunc   func;
  gpointer          user_data;
  GDestroyNotify    destroy;
  char             *name;
  gboolean          once;      /* invoke: called once whatever it returns */

  /* Protected by mutex: */
  GMutex            mutex;
  GSource          *source;    /* until the entry's cleanup ran */
  gboolean          attached;
  gboolean          removed;   /* the entry's cleanup ran: never attach */
  guint64           id;        /* the entry, once tracked */
} Bound;

static Bound *
bound_ref (Bound *b)
{
  g_atomic_ref_count_inc (&b->ref_count);
  return b;
}

static void
bound_unref (gpointer data)
{
  Bound *b = data;

  if (g_atomic_ref_count_dec (&b->ref_count))
    {
      g_weak_ref_clear (&b->coordinator);
      g_weak_ref_clear (&b->target);
      if (b->destroy != NULL)
        b->destroy (b->user_data);
      g_clear_pointer (&b->source, g_source_unref);
      g_mutex_clear (&b->mutex);
      g_free (b->name);
      g_free (b);
    }
}

/* The cleanup of a bound callback's entry: at the component's cleanup, at
 * a release, or when the callback is over (bound_forget). Never attached
 * after this; destroyed if it was. */
static gboolean
bound_source_cleanup (gpointer   resource,
                      gpointer   user_data,
                      GError   **error)
{
  Bound *b = user_data;
  GSource *source;
  gboolean attached;

  g_mutex_lock (&b->mutex);
  b->removed = TRUE;
  attached = b->attached;
  source = g_steal_pointer (&b->source);
  g_mutex_unlock (&b->mutex);

  /* Outside the lock: destroying it drops the source's reference on @b. */
  if (source != NULL)
    {
      if (attached)
        g_source_destroy (source);
      g_source_unref (source);
    }

  return TRUE;
}

/* Stops tracking a callback that is over (it returned G_SOURCE_REMOVE, ran
 * once, or its target died). On the owner context. */
static void
bound_forget (Bound *b)
{
  ResmgrCoordinator *self = g_weak_ref_get (&b->coordinator);
  guint64 id;

  g_mutex_lock (&b->mutex);
  id = b->removed ? 0 : b->id;
  g_mutex_unlock (&b->mutex);

  if (self != NULL && id != 0)
    resmgr_coordinator_release_id (self, id, NULL);
  g_clear_object (&self);
}

static gboolean
bound_dispatch (gpointer data)
{
  Bound *b = data;
  GObject *target = g_weak_ref_get (&b->target);
  gboolean again = FALSE;

  if (target != NULL)
    {
      again = b->func (target, b->user_data);
      g_object_unref (target);
    }

  /* invoke () calls its function once, whatever it returns. */
  if (b->once)
    again = FALSE;

  if (!again)
    bound_forget (b);

  return again;
}

static gboolean
refuse_bound (ResmgrCoordinator *self,
              const char        *what,
              const char        *name)
{
  ResmgrCoordinatorPrivate *priv = PRIV (self);

  if (resmgr_service_is_shutting_down (priv->service))
    {
      g_warning ("Refusing %s callback “%s” of component “%s”: the resource service is shutting down",
                 what, name, priv->component_id ? priv->component_id : "(unbound)");
      return TRUE;
    }

  return FALSE;
}

static ResmgrHandle *
bound_attach (ResmgrCoordinator *self,
              const char        *what,
              const char        *name,
              GSource           *source,
              gboolean           once,
              GObject           *target,
              ResmgrBoundFunc    func,
              gpointer           user_data,
              GDestroyNotify     destroy)
{
  ResmgrCoordinatorPrivate *priv = PRIV (self);
  g_autoptr(GError) error = NULL;
  ResmgrHandle *handle;
  gboolean attach;
  Bound *b;

  if (refuse_bound (self, what, name))
    {
      g_source_unref (source);
      if (destroy != NULL)
        destroy (user_data);
      return NULL;
    }

  b = g_new0 (Bound, 1);
  g_atomic_ref_count_init (&b->ref_count);
  g_mutex_init (&b->mutex);
  g_weak_ref_init (&b->coordinator, self);
  b->name = g_strdup (name);
  b->func = func;
  b->user_data = user_data;
  b->destroy = destroy;
  b->once = once;
  b->source = source; /* takes the caller's reference */

  /* The target defaults to the component. */
  if (target != NULL)
    g_weak_ref_init (&b->target, target);
  else
    {
      GObject *component = g_weak_ref_get (&priv->component);

      g_weak_ref_init (&b->target, component);
      g_clear_object (&component);
    }

  g_source_set_name (source, name);
  g_source_set_callback (source, bound_dispatch, bound_ref (b), bound_unref);

  /* Tracked first: from here on a cleanup of the component (on the owner,
   * possibly right now) sees the entry and marks it removed. */
  handle = resmgr_coordinator_track_resource (self, RESMGR_RESOURCE_TYPE_SOURCE, name, 0,
                                              RESMGR_PRIORITY_DEFAULT, source /* b->source holds it */,
                                              bound_source_cleanup, bound_ref (b), bound_unref,
                                              &error);
  if (handle == NULL)
    {
      /* Nothing was taken: the entry's references are ours to drop. */
      if (g_error_matches (error, RESMGR_ERROR, RESMGR_ERROR_SHUTTING_DOWN))
        g_warning ("Refusing %s callback “%s” of component “%s”: %s",
                   what, name, priv->component_id, error->message);
      else
        g_critical ("Cannot track %s callback “%s”: %s", what, name, error->message);
      bound_unref (b);          /* the entry's */
      g_mutex_lock (&b->mutex);
      b->removed = TRUE;
      source = g_steal_pointer (&b->source);
      g_mutex_unlock (&b->mutex);
      g_clear_pointer (&source, g_source_unref); /* drops the source's reference on b */
      bound_unref (b);
      return NULL;
    }

  g_mutex_lock (&b->mutex);
  b->id = resmgr_handle_get_id (handle);
  attach = !b->removed;
  if (attach)
    {
      g_source_attach (source, priv->context);
      b->attached = TRUE;
    }
  g_mutex_unlock (&b->mutex);

  bound_unref (b);

  return handle;
}

/**
 * resmgr_coordinator_idle_add:
 * @self: a bound coordinator
 * @name: a name, shown in reports and warnings
 * @target: (nullable): the object @func works on, held weakly; %NULL for the
 *   component
 * @func: (scope notified) (closure user_data) (destroy destroy): the callback
 * @user_data: data for @func
 * @destroy: (nullable): frees @user_data when the callback is removed
 *
 * Adds an idle callback on the owner context, bound to its owner: it is
 * called with a strong reference to @target, never after @target died
 * (then it is removed instead), and removed when the component is cleaned
 * up: it never fires after that cleanup, even when it was added from
 * another thread at the same moment. After the service started shutting
 * down it is refused with a warning that names it.
 *
 * May be called from any thread; @func always runs on the owner context.
 *
 * Returns: (transfer full) (nullable): the handle of the callback's
 *   source, or %NULL if refused
 *
 * Since: 0.1
 */
ResmgrHandle *
resmgr_coordinator_idle_add (ResmgrCoordinator *self,
                             const char        *name,
                             GObject           *target,
                             ResmgrBoundFunc    func,
                             gpointer           user_data,
                             GDestroyNotify     destroy)
{
  g_return_val_if_fail (RESMGR_IS_COORDINATOR (self), NULL);
  g_return_val_if_fail (resmgr_coordinator_is_bound (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);
  g_return_val_if_fail (target == NULL || G_IS_OBJECT (target), NULL);
  g_return_val_if_fail (func != NULL, NULL);

  return bound_attach (self, "idle", name, g_idle_source_new (), FALSE,
                       target, func, user_data, destroy);
}

/**
 * resmgr_coordinator_timeout_add:
 * @self: a bound coordinator
 * @name: a name, shown in reports and warnings
 * @interval_ms: the interval in milliseconds
 * @target: (nullable): the object @func works on, held weakly; %NULL for the
 *   component
 * @func: (scope notified) (closure user_data) (destroy destroy): the callback
 * @user_data: data for @func
 * @destroy: (nullable): frees @user_data when the callback is removed
 *
 * Like [method@Resmgr.Coordinator.idle_add], every @interval_ms.
 *
 * Returns: (transfer full) (nullable): the handle, or %NULL if refused
 *
 * Since: 0.1
 */
ResmgrHandle *
resmgr_coordinator_timeout_add (ResmgrCoordinator *self,
                                const char        *name,
                                guint              interval_ms,
                                GObject           *target,
                                ResmgrBoundFunc    func,
                                gpointer           user_data,
                                GDestroyNotify     destroy)
{
  g_return_val_if_fail (RESMGR_IS_COORDINATOR (self), NULL);
  g_return_val_if_fail (resmgr_coordinator_is_bound (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);
  g_return_val_if_fail (target == NULL || G_IS_OBJECT (target), NULL);
  g_return_val_if_fail (func != NULL, NULL);

  return bound_attach (self, "timeout", name, g_timeout_source_new (interval_ms), FALSE,
                       target, func, user_data, destroy);
}

/**
 * resmgr_coordinator_invoke:
 * @self: a bound coordinator
 * @name: a name, shown in reports and warnings
 * @target: (nullable): the object @func works on, held weakly; %NULL for the
 *   component
 * @func: (scope notified) (closure user_data) (destroy destroy): the callback;
 *   its return value is ignored
 * @user_data: data for @func
 * @destroy: (nullable): frees @user_data, exactly once, after the call (or
 *   when the call is dropped)
 *
 * Calls @func on the owner context, **exactly once**, whatever it returns:
 * right away when the calling thread owns that context (it iterates it,
 * pushed it as its thread-default, or it is the main thread and the
 * context is the global default one; see docs/threading.md), else from a
 * high-priority source there, bound to its owner like
 * [method@Resmgr.Coordinator.idle_add]. Unlike g_main_context_invoke(),
 * it never acquires the owner context from another thread, and a pending
 * call is never repeated because @func returned %G_SOURCE_CONTINUE.
 *
 * @func is never called if the component is cleaned up (or @target dies)
 * before the pending call ran; @destroy still runs once. After the service
 * started shutting down the call is refused with a warning, and only
 * @destroy runs.
 *
 * Returns: (transfer full) (nullable): the handle of the pending call, or
 *   %NULL if it ran already or was refused
 *
 * Since: 0.1
 */
ResmgrHandle *
resmgr_coordinator_invoke (ResmgrCoordinator *self,
                           const char        *name,
                           GObject           *target,
                           ResmgrBoundFunc    func,
                           gpointer           user_data,
                           GDestroyNotify     destroy)
{
  ResmgrCoordinatorPrivate *priv;
  GSource *source;

  g_return_val_if_fail (RESMGR_IS_COORDINATOR (self), NULL);
  g_return_val_if_fail (resmgr_coordinator_is_bound (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);
  g_return_val_if_fail (target == NULL || G_IS_OBJECT (target), NULL);
  g_return_val_if_fail (func != NULL, NULL);

  priv = PRIV (self);

  if (refuse_bound (self, "invoke", name))
    {
      if (destroy != NULL)
        destroy (user_data);
      return NULL;
    }

  if (_resmgr_context_is_owned_here (priv->context))
    {
      GObject *alive = target ? g_object_ref (target) : g_weak_ref_get (&priv->component);

      if (alive != NULL)
        func (alive, user_data);
      g_clear_object (&alive);
      if (destroy != NULL)
        destroy (user_data);
      return NULL;
    }

  source = g_idle_source_new ();
  g_source_set_priority (source, G_PRIORITY_HIGH);
  return bound_attach (self, "invoke", name, source, TRUE, target, func, user_data, destroy);
}

/* }}} */

/* Checkpoints {{{ */

static ResmgrCheckpoint *
checkpoint_new (void)
{
  ResmgrCheckpoint *cp = g_new0 (ResmgrCheckpoint, 1);

  g_atomic_ref_count_init (&cp->ref_count);
  cp->handles = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free,
                                       (GDestroyNotify) resmgr_handle_unref);

  return cp;
}

/**
 * resmgr_checkpoint_ref:
 * @self: a checkpoint
 *
 * Acquires a reference on @self.
 *
 * Returns: (transfer full): @self
 *
 * Since: 0.1
 */
ResmgrCheckpoint *
resmgr_checkpoint_ref (ResmgrCheckpoint *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_ref_count_inc (&self->ref_count);

  return self;
}

/**
 * resmgr_checkpoint_unref:
 * @self: (transfer full): a checkpoint
 *
 * Releases a reference on @self.
 *
 * Since: 0.1
 */
void
resmgr_checkpoint_unref (ResmgrCheckpoint *self)
{
  g_return_if_fail (self != NULL);

  if (g_atomic_ref_count_dec (&self->ref_count))
    {
      g_hash_table_unref (self->handles);
      g_free (self);
    }
}

/**
 * resmgr_coordinator_checkpoint:
 * @self: a coordinator
 *
 * Remembers what the component holds now, to compare later with
 * [method@Resmgr.Coordinator.diff].
 *
 * Returns: (transfer full): a checkpoint
 *
 * Since: 0.1
 */
ResmgrCheckpoint *
resmgr_coordinator_checkpoint (ResmgrCoordinator *self)
{
  ResmgrCoordinatorPrivate *priv;
  ResmgrCheckpoint *cp;
  GHashTableIter iter;
  gpointer key, value;

  g_return_val_if_fail (RESMGR_IS_COORDINATOR (self), NULL);

  priv = PRIV (self);
  cp = checkpoint_new ();

  g_mutex_lock (&priv->mutex);
  g_hash_table_iter_init (&iter, priv->handles);
  while (g_hash_table_iter_next (&iter, &key, &value))
    g_hash_table_insert (cp->handles, g_memdup2 (key, sizeof (guint64)), resmgr_handle_ref (value));
  g_mutex_unlock (&priv->mutex);

  return cp;
}

/**
 * resmgr_coordinator_diff:
 * @self: a coordinator
 * @since: a checkpoint of @self
 * @gained: (out) (optional) (transfer container) (element-type ResmgrHandle):
 *   resources tracked since @since and still held, process-lifetime ones
 *   left out: the component's candidate leaks
 * @lost: (out) (optional) (transfer container) (element-type ResmgrHandle):
 *   resources held at @since that are gone now
 *
 * Tells what the component gained and lost since a checkpoint, with names,
 * types and sizes in the handles: leak accounting per owner.
 *
 * Since: 0.1
 */
void
resmgr_coordinator_diff (ResmgrCoordinator  *self,
                         ResmgrCheckpoint   *since,
                         GPtrArray         **gained,
                         GPtrArray         **lost)
{
  ResmgrCoordinatorPrivate *priv;
  GPtrArray *g, *l;
  GHashTableIter iter;
  gpointer key, value;

  g_return_if_fail (RESMGR_IS_COORDINATOR (self));
  g_return_if_fail (since != NULL);

  priv = PRIV (self);
  g = g_ptr_array_new_with_free_func ((GDestroyNotify) resmgr_handle_unref);
  l = g_ptr_array_new_with_free_func ((GDestroyNotify) resmgr_handle_unref);

  g_mutex_lock (&priv->mutex);
  g_hash_table_iter_init (&iter, priv->handles);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (!g_hash_table_contains (since->handles, key) &&
        !g_hash_table_contains (priv->process_lifetime, key))
      g_ptr_array_add (g, resmgr_handle_ref (value));
  g_hash_table_iter_init (&iter, since->handles);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (!g_hash_table_contains (priv->handles, key))
      g_ptr_array_add (l, resmgr_handle_ref (value));
  g_mutex_unlock (&priv->mutex);

  g_ptr_array_sort (g, compare_handles_by_id);
  g_ptr_array_sort (l, compare_handles_by_id);

  if (gained)
    *gained = g;
  else
    g_ptr_array_unref (g);
  if (lost)
    *lost = l;
  else
    g_ptr_array_unref (l);
}

/**
 * resmgr_coordinator_mark_process_lifetime:
 * @self: a coordinator
 * @handle: a handle this coordinator returned
 * @error: return location for a #GError
 *
 * Marks a resource as meant to live as long as the process (a cache, a
 * shared pool): it is never reported as a leak by
 * [method@Resmgr.Coordinator.diff], and its metadata carries
 * `"process-lifetime": <true>` so monitors skip it too. It is still cleaned
 * at shutdown.
 *
 * Returns: %TRUE on success, %FALSE with %RESMGR_ERROR_NOT_FOUND if the
 *   resource is not held
 *
 * Since: 0.1
 */
gboolean
resmgr_coordinator_mark_process_lifetime (ResmgrCoordinator  *self,
                                          ResmgrHandle       *handle,
                                          GError            **error)
{
  ResmgrCoordinatorPrivate *priv;
  GVariantDict dict;
  guint64 id;
  gboolean ours;

  g_return_val_if_fail (RESMGR_IS_COORDINATOR (self), FALSE);
  g_return_val_if_fail (handle != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  priv = PRIV (self);
  id = resmgr_handle_get_id (handle);

  g_mutex_lock (&priv->mutex);
  ours = g_hash_table_contains (priv->handles, &id);
  if (ours)
    g_hash_table_add (priv->process_lifetime, g_memdup2 (&id, sizeof id));
  g_mutex_unlock (&priv->mutex);

  if (!ours)
    {
      g_set_error (error, RESMGR_ERROR, RESMGR_ERROR_NOT_FOUND,
                   "Resource %" G_GUINT64_FORMAT " is not held by the coordinator of “%s”",
                   id, priv->component_id ? priv->component_id : "(unbound)");
      return FALSE;
    }

  g_variant_dict_init (&dict, resmgr_handle_get_metadata (handle));
  g_variant_dict_insert (&dict, "process-lifetime", "b", TRUE);

  return resmgr_service_set_metadata (priv->service, id, g_variant_dict_end (&dict), error);
}

/**
 * resmgr_coordinator_is_process_lifetime:
 * @self: a coordinator
 * @handle: a handle
 *
 * Checks whether @handle was marked with
 * [method@Resmgr.Coordinator.mark_process_lifetime].
 *
 * Returns: %TRUE if marked
 *
 * Since: 0.1
 */
gboolean
resmgr_coordinator_is_process_lifetime (ResmgrCoordinator *self,
                                        ResmgrHandle      *handle)
{
  ResmgrCoordinatorPrivate *priv;
  guint64 id;
  gboolean marked;

  g_return_val_if_fail (RESMGR_IS_COORDINATOR (self), FALSE);
  g_return_val_if_fail (handle != NULL, FALSE);

  priv = PRIV (self);
  id = resmgr_handle_get_id (handle);

  g_mutex_lock (&priv->mutex);
  marked = g_hash_table_contains (priv->process_lifetime, &id);
  g_mutex_unlock (&priv->mutex);

  return marked;
}

/* }}} */
