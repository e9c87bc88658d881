/* resmgr-coordinator.c
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "resmgr-private.h"
#include "resmgr-coordinator.h"

/**
 * ResmgrCoordinator:
 *
 * One component's view of a [iface@Resmgr.Service]: a controller creates
 * one, binds it to itself, and tracks everything it owns through it.
 *
 * ```c
 * self->resources = resmgr_coordinator_new (NULL);
 * resmgr_coordinator_bind (self->resources, G_OBJECT (self), NULL, &error);
 * self->tick_id = resmgr_coordinator_timeout_add (self->resources, "tick", 100,
 *                                                 NULL, tick, NULL, NULL);
 * ```
 *
 * The coordinator is a façade over the service: it keeps no state per
 * resource. Tracking returns the service's id (like g_timeout_add() returns
 * a source id); a [struct@Resmgr.Handle] is made only when asked for
 * ([method@Resmgr.Coordinator.lookup],
 * [method@Resmgr.Coordinator.dup_handles]), and handles and stats are the
 * service's, per component: several coordinators bound to one component
 * see the same resources.
 *
 * The coordinator holds a strong reference to its service, so the service
 * can never be missing during cleanup, and every resource tracked with
 * [method@Resmgr.Coordinator.track] holds a reference to the coordinator
 * until its cleanup ran, so the class's cleanup of its type is there too.
 *
 * Besides plain tracking it offers signal handlers on other objects,
 * callbacks bound to their owner ([method@Resmgr.Coordinator.idle_add] and
 * friends), and checkpoints that tell what the component gained and lost
 * since ([method@Resmgr.Coordinator.diff]): leak accounting per owner.
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

typedef struct
{
  /* Read-only after construction: */
  ResmgrService *service;
  ResmgrManager *manager; /* service, when it is a ResmgrManager */

  /* Read-only after bind: */
  GWeakRef       component;
  /* On a manager, the record of the component, held: tracks and releases
   * go through it (see _resmgr_manager_hold_component ()), and
   * component_id is its id; else component_id is ours. */
  ResmgrComponentRecord *record;
  char          *component_id;
  GMainContext  *context;

  /* Protected by mutex: */
  GMutex         mutex;
  gboolean       binding;

  /* Atomic (written under mutex): */
  int            bound;               /* set once, never cleared */
  int            own_cleanup_pending; /* taken with a compare-and-exchange */
} ResmgrCoordinatorPrivate;

struct _ResmgrCheckpoint
{
  gatomicrefcount  ref_count;
  GArray          *ids; /* guint64, ascending */
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

/* The class's cleanup, per type {{{
 *
 * A resource tracked with resmgr_coordinator_track () is the service's
 * entry and nothing else: its cleanup is one of these static functions,
 * one per type (so the type costs no allocation), and its user data is a
 * reference on the coordinator (dropped by the service after the cleanup
 * ran), which keeps the class's cleanup_resource there.
 */

static inline gboolean
class_cleanup (ResmgrResourceType   type,
               gpointer             resource,
               gpointer             user_data,
               GError             **error)
{
  ResmgrCoordinator *self = user_data;

  return RESMGR_COORDINATOR_GET_CLASS (self)->cleanup_resource (self, type, resource, error);
}

#define DEFINE_CLASS_CLEANUP(func, type)                                      \
  static gboolean                                                             \
  func (gpointer   resource,                                                  \
        gpointer   user_data,                                                 \
        GError   **error)                                                     \
  {                                                                           \
    return class_cleanup (type, resource, user_data, error);                  \
  }

DEFINE_CLASS_CLEANUP (class_cleanup_worker, RESMGR_RESOURCE_TYPE_WORKER)
DEFINE_CLASS_CLEANUP (class_cleanup_timer, RESMGR_RESOURCE_TYPE_TIMER)
DEFINE_CLASS_CLEANUP (class_cleanup_source, RESMGR_RESOURCE_TYPE_SOURCE)
DEFINE_CLASS_CLEANUP (class_cleanup_gl_object, RESMGR_RESOURCE_TYPE_GL_OBJECT)
DEFINE_CLASS_CLEANUP (class_cleanup_widget, RESMGR_RESOURCE_TYPE_WIDGET)
DEFINE_CLASS_CLEANUP (class_cleanup_custom, RESMGR_RESOURCE_TYPE_CUSTOM)
DEFINE_CLASS_CLEANUP (class_cleanup_file, RESMGR_RESOURCE_TYPE_FILE)
DEFINE_CLASS_CLEANUP (class_cleanup_memory, RESMGR_RESOURCE_TYPE_MEMORY)

static const ResmgrCleanupFunc class_cleanups[] = {
  [RESMGR_RESOURCE_TYPE_WORKER] = class_cleanup_worker,
  [RESMGR_RESOURCE_TYPE_TIMER] = class_cleanup_timer,
  [RESMGR_RESOURCE_TYPE_SOURCE] = class_cleanup_source,
  [RESMGR_RESOURCE_TYPE_GL_OBJECT] = class_cleanup_gl_object,
  [RESMGR_RESOURCE_TYPE_WIDGET] = class_cleanup_widget,
  [RESMGR_RESOURCE_TYPE_CUSTOM] = class_cleanup_custom,
  [RESMGR_RESOURCE_TYPE_FILE] = class_cleanup_file,
  [RESMGR_RESOURCE_TYPE_MEMORY] = class_cleanup_memory,
};

G_STATIC_ASSERT (G_N_ELEMENTS (class_cleanups) == RESMGR_N_RESOURCE_TYPES);

/* }}} */

/* The coordinator's own cleanup {{{ */

static gboolean
own_cleanup_cb (gpointer   resource,
                gpointer   user_data,
                GError   **error)
{
  ResmgrCoordinator *self = user_data;

  g_atomic_int_set (&PRIV (self)->own_cleanup_pending, TRUE);

  return RESMGR_COORDINATOR_GET_CLASS (self)->cleanup (self, error);
}

/* "<TypeName> cleanup", made once per type and interned. */
static const char *
own_cleanup_name (ResmgrCoordinator *self)
{
  static GQuark quark;
  GType type = G_OBJECT_TYPE (self);
  const char *name;

  if (G_UNLIKELY (quark == 0))
    quark = g_quark_from_static_string ("resmgr-coordinator-cleanup-name");

  if ((name = g_type_get_qdata (type, quark)) == NULL)
    {
      g_autofree char *built = g_strdup_printf ("%s cleanup", g_type_name (type));

      /* Racing threads store the same interned string. */
      name = g_intern_string (built);
      g_type_set_qdata (type, quark, (gpointer) name);
    }

  return name;
}

/* Registers the class's cleanup, at bind time and again on the first track
 * after it ran, so it runs at every cleanup of the component. @component
 * is alive, or %NULL on a manager (the record stands for it). */
static void
ensure_own_cleanup (ResmgrCoordinator *self,
                    GObject           *component)
{
  ResmgrCoordinatorPrivate *priv = PRIV (self);
  ResmgrCoordinatorClass *klass;
  guint64 id;

  /* One atomic load on the track path while nothing is pending. */
  if (G_LIKELY (!g_atomic_int_get (&priv->own_cleanup_pending)) ||
      !g_atomic_int_compare_and_exchange (&priv->own_cleanup_pending, TRUE, FALSE))
    return;

  klass = RESMGR_COORDINATOR_GET_CLASS (self);
  if (priv->record != NULL)
    id = _resmgr_manager_track_resource_held (priv->manager, priv->record,
                                              RESMGR_RESOURCE_TYPE_CUSTOM, own_cleanup_name (self), 0,
                                              klass->cleanup_priority, NULL, own_cleanup_cb,
                                              g_object_ref (self), g_object_unref, NULL);
  else
    id = resmgr_service_add_cleanup (priv->service, component, own_cleanup_name (self),
                                     klass->cleanup_priority, own_cleanup_cb,
                                     g_object_ref (self), g_object_unref, NULL);
  if (id == 0)
    {
      /* Refused (shutting down): the next track tries again. */
      g_object_unref (self);
      g_atomic_int_set (&priv->own_cleanup_pending, TRUE);
    }
}

/* Before a track: fails unless bound to a live component. On a manager
 * *component stays %NULL and the track goes to the record, which the
 * manager checks under the component's lock: a disposed component's record
 * refuses it, and a record is never reused for another object. On any
 * other service *component is the component, upgraded from the weak
 * reference: the service is handed a live component, never a pointer a new
 * object may have reused. */
static gboolean
prepare_track (ResmgrCoordinator  *self,
               GObject           **component,
               GError            **error)
{
  ResmgrCoordinatorPrivate *priv = PRIV (self);

  if (G_UNLIKELY (!g_atomic_int_get (&priv->bound)))
    {
      g_set_error (error, RESMGR_ERROR, RESMGR_ERROR_INVALID_ARGUMENT,
                   "%s %p is not bound to a component", G_OBJECT_TYPE_NAME (self), self);
      return FALSE;
    }

  if (priv->record == NULL &&
      (*component = g_weak_ref_get (&priv->component)) == NULL)
    {
      g_set_error (error, RESMGR_ERROR, RESMGR_ERROR_NOT_FOUND,
                   "Component “%s” of %s %p is disposed",
                   priv->component_id, G_OBJECT_TYPE_NAME (self), self);
      return FALSE;
    }

  ensure_own_cleanup (self, *component);

  return TRUE;
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
                   G_OBJECT_TYPE_NAME (self), _resmgr_enum_nick (RESMGR_TYPE_RESOURCE_TYPE, type));
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
  if (RESMGR_IS_MANAGER (priv->service))
    priv->manager = RESMGR_MANAGER (priv->service);
}

static void
resmgr_coordinator_finalize (GObject *object)
{
  ResmgrCoordinatorPrivate *priv = PRIV (RESMGR_COORDINATOR (object));

  /* Every resource tracked with the class's cleanup holds a reference on
   * us: none is left here. */
  g_weak_ref_clear (&priv->component);
  g_clear_pointer (&priv->context, g_main_context_unref);
  if (priv->record != NULL)
    _resmgr_component_record_unref (priv->record); /* component_id is its */
  else
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
  ResmgrComponentRecord *record = NULL;
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
      if (priv->manager != NULL)
        {
          /* Its id is the record's: nothing to copy. */
          if ((record = _resmgr_manager_hold_component (priv->manager, component)) != NULL)
            component_id = (char *) _resmgr_component_record_get_id (record);
          else if (bound)
            {
              /* Disposed since (g_object_run_dispose () on another thread). */
              g_set_error (&local_error, RESMGR_ERROR, RESMGR_ERROR_NOT_FOUND,
                           "Cannot bind %s %p to %s %p: it is disposed",
                           G_OBJECT_TYPE_NAME (self), self, G_OBJECT_TYPE_NAME (component), component);
              bound = FALSE;
            }
        }
      else
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
          if (record != NULL)
            {
              component_id = NULL;
              g_clear_pointer (&record, _resmgr_component_record_unref);
            }
          g_clear_pointer (&component_id, g_free);
          g_weak_ref_set (&priv->component, NULL);
          g_propagate_error (error, g_steal_pointer (&local_error));
        }
    }

  g_mutex_lock (&priv->mutex);
  priv->binding = FALSE;
  if (bound)
    {
      priv->record = g_steal_pointer (&record);
      priv->component_id = g_steal_pointer (&component_id);
      priv->context = g_main_context_ref_thread_default ();
      g_atomic_int_set (&priv->own_cleanup_pending, TRUE);
      /* Last: whoever reads it set sees the fields above. */
      g_atomic_int_set (&priv->bound, TRUE);
    }
  g_mutex_unlock (&priv->mutex);

  if (!bound)
    return FALSE;

  ensure_own_cleanup (self, priv->record != NULL ? NULL : component);
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
  g_return_val_if_fail (RESMGR_IS_COORDINATOR (self), FALSE);

  return g_atomic_int_get (&PRIV (self)->bound);
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

/**
 * resmgr_coordinator_track:
 * @self: a bound coordinator
 * @type: the resource type
 * @name: (nullable): a name shown in reports
 * @size: the size in bytes to account for
 * @resource: (transfer full) (type GObject): the resource
 * @error: return location for a #GError
 *
 * Tracks @resource, to be freed by the class's `cleanup_resource` for
 * @type, at the type's default priority. On failure the caller keeps
 * @resource.
 *
 * For bindings @resource is a #GObject (a #GCancellable, a stream, any
 * object): the sources and plain buffers below are C uses.
 *
 * The default `cleanup_resource` covers what a controller usually owns,
 * so one call tracks a #GSource (`g_source_ref (source)` as a
 * %RESMGR_RESOURCE_TYPE_SOURCE: destroyed), a #GCancellable (a reference,
 * as a %RESMGR_RESOURCE_TYPE_WORKER: cancelled first of all), a stream (as
 * a %RESMGR_RESOURCE_TYPE_FILE: closed), a buffer (as
 * %RESMGR_RESOURCE_TYPE_MEMORY: g_free()) or a reference to any #GObject
 * (as %RESMGR_RESOURCE_TYPE_CUSTOM or %RESMGR_RESOURCE_TYPE_WIDGET:
 * unreffed).
 *
 * Returns: the resource's id, or 0 on error
 *
 * Since: 0.1
 */
guint64
resmgr_coordinator_track (ResmgrCoordinator   *self,
                          ResmgrResourceType   type,
                          const char          *name,
                          gsize                size,
                          gpointer             resource,
                          GError             **error)
{
  g_autoptr(GObject) component = NULL;
  guint64 id;

  g_return_val_if_fail (RESMGR_IS_COORDINATOR (self), 0);
  g_return_val_if_fail ((guint) type < RESMGR_N_RESOURCE_TYPES, 0);
  g_return_val_if_fail (error == NULL || *error == NULL, 0);

  if (!prepare_track (self, &component, error))
    return 0;

  if (component == NULL)
    id = _resmgr_manager_track_resource_held (PRIV (self)->manager, PRIV (self)->record, type, name,
                                              size, RESMGR_PRIORITY_DEFAULT, resource,
                                              class_cleanups[type], g_object_ref (self),
                                              g_object_unref, error);
  else
    id = resmgr_service_track_resource (PRIV (self)->service, component, type, name, size,
                                        RESMGR_PRIORITY_DEFAULT, resource, class_cleanups[type],
                                        g_object_ref (self), g_object_unref, error);
  if (id == 0)
    g_object_unref (self); /* nothing was taken */

  return id;
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
 * A C API. Bindings use [method@Resmgr.Coordinator.track_object] for a
 * #GObject, or [method@Resmgr.Coordinator.track_resource] with a %NULL
 * resource and their own value kept in the cleanup's closure.
 *
 * Returns: the resource's id, or 0 on error
 *
 * Since: 0.1
 */
guint64
resmgr_coordinator_track_data (ResmgrCoordinator   *self,
                               ResmgrResourceType   type,
                               const char          *name,
                               gsize                size,
                               int                  priority,
                               gpointer             data,
                               GDestroyNotify       destroy,
                               GError             **error)
{
  g_autoptr(GObject) component = NULL;

  g_return_val_if_fail (RESMGR_IS_COORDINATOR (self), 0);
  g_return_val_if_fail ((guint) type < RESMGR_N_RESOURCE_TYPES, 0);
  g_return_val_if_fail (priority >= RESMGR_PRIORITY_DEFAULT && priority <= RESMGR_PRIORITY_MAX, 0);
  g_return_val_if_fail (destroy != NULL, 0);
  g_return_val_if_fail (error == NULL || *error == NULL, 0);

  if (!prepare_track (self, &component, error))
    return 0;

  if (component == NULL)
    return _resmgr_manager_track_data_held (PRIV (self)->manager, PRIV (self)->record, type, name,
                                            size, priority, data, destroy, error);
  return resmgr_service_track_data (PRIV (self)->service, component, type, name, size, priority,
                                    data, destroy, error);
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
 * Returns: the resource's id, or 0 on error
 *
 * Since: 0.1
 */
guint64
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
  g_autoptr(GObject) component = NULL;

  g_return_val_if_fail (RESMGR_IS_COORDINATOR (self), 0);
  g_return_val_if_fail ((guint) type < RESMGR_N_RESOURCE_TYPES, 0);
  g_return_val_if_fail (priority >= RESMGR_PRIORITY_DEFAULT && priority <= RESMGR_PRIORITY_MAX, 0);
  g_return_val_if_fail (G_IS_OBJECT (object), 0);
  g_return_val_if_fail (error == NULL || *error == NULL, 0);

  if (!prepare_track (self, &component, error))
    return 0;

  if (component == NULL)
    return _resmgr_manager_track_object_held (PRIV (self)->manager, PRIV (self)->record, type,
                                              name, size, priority, object, cleanup, user_data,
                                              user_data_destroy, error);
  return resmgr_service_track_object (PRIV (self)->service, component, type, name, size, priority,
                                      object, cleanup, user_data, user_data_destroy, error);
}

/**
 * resmgr_coordinator_track_resource:
 * @self: a bound coordinator
 * @type: the resource type
 * @name: (nullable): a name shown in reports
 * @size: the size in bytes to account for
 * @priority: a priority, or %RESMGR_PRIORITY_DEFAULT
 * @resource: (nullable): the owned resource; bindings pass %NULL and keep
 *   their own value in the closure of @cleanup
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
 * Returns: the resource's id, or 0 on error
 *
 * Since: 0.1
 */
guint64
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
  g_autoptr(GObject) component = NULL;

  g_return_val_if_fail (RESMGR_IS_COORDINATOR (self), 0);
  g_return_val_if_fail ((guint) type < RESMGR_N_RESOURCE_TYPES, 0);
  g_return_val_if_fail (priority >= RESMGR_PRIORITY_DEFAULT && priority <= RESMGR_PRIORITY_MAX, 0);
  g_return_val_if_fail (cleanup != NULL, 0);
  g_return_val_if_fail (error == NULL || *error == NULL, 0);

  if (!prepare_track (self, &component, error))
    return 0;

  if (component == NULL)
    return _resmgr_manager_track_resource_held (PRIV (self)->manager, PRIV (self)->record, type,
                                                name, size, priority, resource, cleanup,
                                                user_data, user_data_destroy, error);
  return resmgr_service_track_resource (PRIV (self)->service, component, type, name, size, priority,
                                        resource, cleanup, user_data, user_data_destroy, error);
}

/**
 * resmgr_coordinator_lookup:
 * @self: a bound coordinator
 * @id: the id of a resource of the component
 * @error: return location for a #GError
 *
 * Makes a handle for a resource the component holds, from the service's
 * entry (see resmgr_service_lookup()). An id the component does not hold
 * (unknown, released, or another component's) fails with
 * %RESMGR_ERROR_NOT_FOUND.
 *
 * Returns: (transfer full) (nullable): a new handle, or %NULL on error
 *
 * Since: 0.1
 */
ResmgrHandle *
resmgr_coordinator_lookup (ResmgrCoordinator  *self,
                           guint64             id,
                           GError            **error)
{
  ResmgrCoordinatorPrivate *priv;
  ResmgrHandle *handle;

  g_return_val_if_fail (RESMGR_IS_COORDINATOR (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  priv = PRIV (self);
  handle = id != 0 ? resmgr_service_lookup (priv->service, id, NULL) : NULL;
  if (handle == NULL || priv->component_id == NULL ||
      g_strcmp0 (resmgr_handle_get_component_id (handle), priv->component_id) != 0)
    {
      g_clear_pointer (&handle, resmgr_handle_unref);
      g_set_error (error, RESMGR_ERROR, RESMGR_ERROR_NOT_FOUND,
                   "Resource %" G_GUINT64_FORMAT " is not held by component “%s”",
                   id, priv->component_id ? priv->component_id : "(unbound)");
    }

  return handle;
}

/**
 * resmgr_coordinator_release:
 * @self: a bound coordinator
 * @id: the id of a resource of the component
 * @error: return location for a #GError
 *
 * Releases a resource now, on the calling thread. An id the component does
 * not hold (unknown, released, or another component's) fails with
 * %RESMGR_ERROR_NOT_FOUND and touches nothing.
 *
 * Returns: %TRUE if released; %FALSE with the cleanup's error if it failed
 *
 * Since: 0.1
 */
gboolean
resmgr_coordinator_release (ResmgrCoordinator  *self,
                            guint64             id,
                            GError            **error)
{
  ResmgrCoordinatorPrivate *priv;
  ResmgrHandle *handle;

  g_return_val_if_fail (RESMGR_IS_COORDINATOR (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  priv = PRIV (self);

  /* The manager checks the owner under the lock of its release, without a
   * handle; any other service is asked for one. */
  if (g_atomic_int_get (&priv->bound) && priv->record != NULL && id != 0)
    return _resmgr_manager_release_held (priv->manager, priv->record, id, error);

  if ((handle = resmgr_coordinator_lookup (self, id, error)) == NULL)
    return FALSE;
  resmgr_handle_unref (handle);

  return resmgr_service_release (priv->service, id, error);
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

/**
 * resmgr_coordinator_dup_handles:
 * @self: a coordinator
 *
 * Gets handles of what the component holds now, from the service (see
 * resmgr_service_dup_handles()), oldest first: those of every coordinator
 * bound to the component. Empty when not bound.
 *
 * Returns: (transfer container) (element-type ResmgrHandle): new handles
 *
 * Since: 0.1
 */
GPtrArray *
resmgr_coordinator_dup_handles (ResmgrCoordinator *self)
{
  ResmgrCoordinatorPrivate *priv;

  g_return_val_if_fail (RESMGR_IS_COORDINATOR (self), NULL);

  priv = PRIV (self);
  if (priv->component_id == NULL)
    return g_ptr_array_new_with_free_func ((GDestroyNotify) resmgr_handle_unref);

  return resmgr_service_dup_handles (priv->service, priv->component_id);
}

/**
 * resmgr_coordinator_dup_stats:
 * @self: a coordinator
 *
 * Gets the component's counters from the service (see
 * resmgr_service_dup_component_stats()): what it holds now per type (count
 * and bytes), and, as far as the service keeps them, the totals tracked,
 * released, failed and lost, with the peak of resources held at once.
 *
 * Returns: (transfer full): new stats
 *
 * Since: 0.1
 */
ResmgrStats *
resmgr_coordinator_dup_stats (ResmgrCoordinator *self)
{
  ResmgrCoordinatorPrivate *priv;

  g_return_val_if_fail (RESMGR_IS_COORDINATOR (self), NULL);

  priv = PRIV (self);
  if (priv->component_id == NULL)
    return g_new0 (ResmgrStats, 1);

  return resmgr_service_dup_component_stats (priv->service, priv->component_id);
}

/* }}} */

/* Signal handlers on other objects {{{ */

static gboolean
signal_handler_cleanup (gpointer   resource,
                        gpointer   user_data,
                        GError   **error)
{
  gulong handler_id = (gulong) GPOINTER_TO_SIZE (user_data);

  if (g_signal_handler_is_connected (resource, handler_id))
    g_signal_handler_disconnect (resource, handler_id);

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
 * Returns: the resource's id, or 0 on error
 *
 * Since: 0.1
 */
guint64
resmgr_coordinator_track_signal_handler (ResmgrCoordinator  *self,
                                         gpointer            instance,
                                         gulong              handler_id,
                                         const char         *name,
                                         GError            **error)
{
  g_return_val_if_fail (RESMGR_IS_COORDINATOR (self), 0);
  g_return_val_if_fail (G_IS_OBJECT (instance), 0);
  g_return_val_if_fail (handler_id > 0, 0);
  g_return_val_if_fail (error == NULL || *error == NULL, 0);

  /* A gulong fits in a pointer: the handler id is the cleanup's data. */
  return resmgr_coordinator_track_object (self, RESMGR_RESOURCE_TYPE_SOURCE, name, 0,
                                          RESMGR_PRIORITY_DEFAULT, instance,
                                          signal_handler_cleanup,
                                          GSIZE_TO_POINTER ((gsize) handler_id), NULL, error);
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
    resmgr_coordinator_release (self, id, NULL);
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

static guint64
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
  guint64 id;
  gboolean attach;
  Bound *b;

  if (refuse_bound (self, what, name))
    {
      g_source_unref (source);
      if (destroy != NULL)
        destroy (user_data);
      return 0;
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
  id = resmgr_coordinator_track_resource (self, RESMGR_RESOURCE_TYPE_SOURCE, name, 0,
                                          RESMGR_PRIORITY_DEFAULT, source /* b->source holds it */,
                                          bound_source_cleanup, bound_ref (b), bound_unref,
                                          &error);
  if (id == 0)
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
      return 0;
    }

  g_mutex_lock (&b->mutex);
  b->id = id;
  attach = !b->removed;
  if (attach)
    {
      g_source_attach (source, priv->context);
      b->attached = TRUE;
    }
  g_mutex_unlock (&b->mutex);

  bound_unref (b);

  return id;
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
 * Returns: the id of the callback's resource (release it with
 *   [method@Resmgr.Coordinator.release] to remove the callback), or 0 if
 *   refused
 *
 * Since: 0.1
 */
guint64
resmgr_coordinator_idle_add (ResmgrCoordinator *self,
                             const char        *name,
                             GObject           *target,
                             ResmgrBoundFunc    func,
                             gpointer           user_data,
                             GDestroyNotify     destroy)
{
  g_return_val_if_fail (RESMGR_IS_COORDINATOR (self), 0);
  g_return_val_if_fail (resmgr_coordinator_is_bound (self), 0);
  g_return_val_if_fail (name != NULL, 0);
  g_return_val_if_fail (target == NULL || G_IS_OBJECT (target), 0);
  g_return_val_if_fail (func != NULL, 0);

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
 * Returns: the id of the callback's resource, or 0 if refused
 *
 * Since: 0.1
 */
guint64
resmgr_coordinator_timeout_add (ResmgrCoordinator *self,
                                const char        *name,
                                guint              interval_ms,
                                GObject           *target,
                                ResmgrBoundFunc    func,
                                gpointer           user_data,
                                GDestroyNotify     destroy)
{
  g_return_val_if_fail (RESMGR_IS_COORDINATOR (self), 0);
  g_return_val_if_fail (resmgr_coordinator_is_bound (self), 0);
  g_return_val_if_fail (name != NULL, 0);
  g_return_val_if_fail (target == NULL || G_IS_OBJECT (target), 0);
  g_return_val_if_fail (func != NULL, 0);

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
 * Returns: the id of the pending call's resource, or 0 if it ran already
 *   or was refused
 *
 * Since: 0.1
 */
guint64
resmgr_coordinator_invoke (ResmgrCoordinator *self,
                           const char        *name,
                           GObject           *target,
                           ResmgrBoundFunc    func,
                           gpointer           user_data,
                           GDestroyNotify     destroy)
{
  ResmgrCoordinatorPrivate *priv;
  GSource *source;

  g_return_val_if_fail (RESMGR_IS_COORDINATOR (self), 0);
  g_return_val_if_fail (resmgr_coordinator_is_bound (self), 0);
  g_return_val_if_fail (name != NULL, 0);
  g_return_val_if_fail (target == NULL || G_IS_OBJECT (target), 0);
  g_return_val_if_fail (func != NULL, 0);

  priv = PRIV (self);

  if (refuse_bound (self, "invoke", name))
    {
      if (destroy != NULL)
        destroy (user_data);
      return 0;
    }

  if (_resmgr_context_is_owned_here (priv->context))
    {
      GObject *alive = target ? g_object_ref (target) : g_weak_ref_get (&priv->component);

      if (alive != NULL)
        func (alive, user_data);
      g_clear_object (&alive);
      if (destroy != NULL)
        destroy (user_data);
      return 0;
    }

  source = g_idle_source_new ();
  g_source_set_priority (source, G_PRIORITY_HIGH);
  return bound_attach (self, "invoke", name, source, TRUE, target, func, user_data, destroy);
}

/* }}} */

/* Checkpoints and process lifetime {{{
 *
 * Both live in the service: a checkpoint is the ids the component held
 * (from dup_handles), a process-lifetime mark is the resource's metadata.
 */

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
      g_array_unref (self->ids);
      g_free (self);
    }
}

static int
compare_ids (gconstpointer a,
             gconstpointer b)
{
  guint64 ia = *(const guint64 *) a, ib = *(const guint64 *) b;

  return ia < ib ? -1 : ia > ib;
}

/* The ids of @handles, ascending. */
static GArray *
ids_of_handles (GPtrArray *handles)
{
  GArray *ids = g_array_sized_new (FALSE, FALSE, sizeof (guint64), handles->len);

  for (guint i = 0; i < handles->len; i++)
    {
      guint64 id = resmgr_handle_get_id (g_ptr_array_index (handles, i));

      g_array_append_val (ids, id);
    }
  g_array_sort (ids, compare_ids);

  return ids;
}

static gboolean
ids_contain (GArray  *ids,
             guint64  id)
{
  return g_array_binary_search (ids, &id, compare_ids, NULL);
}

static gboolean
handle_is_process_lifetime (ResmgrHandle *handle)
{
  GVariant *metadata = resmgr_handle_get_metadata (handle);
  gboolean marked = FALSE;

  return metadata != NULL &&
         g_variant_lookup (metadata, "process-lifetime", "b", &marked) &&
         marked;
}

/**
 * resmgr_coordinator_checkpoint:
 * @self: a coordinator
 *
 * Remembers what the component holds now (the ids), to compare later with
 * [method@Resmgr.Coordinator.diff].
 *
 * Returns: (transfer full): a checkpoint
 *
 * Since: 0.1
 */
ResmgrCheckpoint *
resmgr_coordinator_checkpoint (ResmgrCoordinator *self)
{
  g_autoptr(GPtrArray) handles = NULL;
  ResmgrCheckpoint *cp;

  g_return_val_if_fail (RESMGR_IS_COORDINATOR (self), NULL);

  handles = resmgr_coordinator_dup_handles (self);
  cp = g_new0 (ResmgrCheckpoint, 1);
  g_atomic_ref_count_init (&cp->ref_count);
  cp->ids = ids_of_handles (handles);

  return cp;
}

/**
 * resmgr_coordinator_diff:
 * @self: a coordinator
 * @since: a checkpoint of @self
 * @gained: (out) (optional) (transfer container) (element-type ResmgrHandle):
 *   resources tracked since @since and still held, process-lifetime ones
 *   left out, oldest first: the component's candidate leaks
 * @lost: (out) (optional) (transfer full) (element-type guint64): the ids
 *   of resources held at @since that are gone now, ascending
 *
 * Tells what the component gained and lost since a checkpoint, with names,
 * types and sizes in the handles of what it gained: leak accounting per
 * owner.
 *
 * Since: 0.1
 */
void
resmgr_coordinator_diff (ResmgrCoordinator  *self,
                         ResmgrCheckpoint   *since,
                         GPtrArray         **gained,
                         GArray            **lost)
{
  g_autoptr(GPtrArray) handles = NULL;
  g_autoptr(GArray) now = NULL;

  g_return_if_fail (RESMGR_IS_COORDINATOR (self));
  g_return_if_fail (since != NULL);

  handles = resmgr_coordinator_dup_handles (self);

  if (gained != NULL)
    {
      *gained = g_ptr_array_new_with_free_func ((GDestroyNotify) resmgr_handle_unref);
      for (guint i = 0; i < handles->len; i++)
        {
          ResmgrHandle *handle = g_ptr_array_index (handles, i);

          if (!ids_contain (since->ids, resmgr_handle_get_id (handle)) &&
              !handle_is_process_lifetime (handle))
            g_ptr_array_add (*gained, resmgr_handle_ref (handle));
        }
    }

  if (lost != NULL)
    {
      now = ids_of_handles (handles);
      *lost = g_array_new (FALSE, FALSE, sizeof (guint64));
      for (guint i = 0; i < since->ids->len; i++)
        {
          guint64 id = g_array_index (since->ids, guint64, i);

          if (!ids_contain (now, id))
            g_array_append_val (*lost, id);
        }
    }
}

/**
 * resmgr_coordinator_mark_process_lifetime:
 * @self: a coordinator
 * @id: the id of a resource of the component
 * @error: return location for a #GError
 *
 * Marks a resource as meant to live as long as the process (a cache, a
 * shared pool): its metadata carries `"process-lifetime": <true>`, so it is
 * never reported as a leak by [method@Resmgr.Coordinator.diff], and
 * monitors skip it too. It is still cleaned at shutdown.
 *
 * Returns: %TRUE on success, %FALSE with %RESMGR_ERROR_NOT_FOUND if the
 *   component does not hold the resource
 *
 * Since: 0.1
 */
gboolean
resmgr_coordinator_mark_process_lifetime (ResmgrCoordinator  *self,
                                          guint64             id,
                                          GError            **error)
{
  g_autoptr(ResmgrHandle) handle = NULL;
  GVariantDict dict;

  g_return_val_if_fail (RESMGR_IS_COORDINATOR (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if ((handle = resmgr_coordinator_lookup (self, id, error)) == NULL)
    return FALSE;

  g_variant_dict_init (&dict, resmgr_handle_get_metadata (handle));
  g_variant_dict_insert (&dict, "process-lifetime", "b", TRUE);

  return resmgr_service_set_metadata (PRIV (self)->service, id, g_variant_dict_end (&dict), error);
}

/**
 * resmgr_coordinator_is_process_lifetime:
 * @self: a coordinator
 * @id: the id of a resource
 *
 * Checks whether the component holds the resource and it was marked with
 * [method@Resmgr.Coordinator.mark_process_lifetime].
 *
 * Returns: %TRUE if marked
 *
 * Since: 0.1
 */
gboolean
resmgr_coordinator_is_process_lifetime (ResmgrCoordinator *self,
                                        guint64            id)
{
  g_autoptr(ResmgrHandle) handle = NULL;

  g_return_val_if_fail (RESMGR_IS_COORDINATOR (self), FALSE);

  handle = resmgr_coordinator_lookup (self, id, NULL);

  return handle != NULL && handle_is_process_lifetime (handle);
}

/* }}} */
