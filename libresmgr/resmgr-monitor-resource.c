/* resmgr-monitor-resource.c
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "resmgr-monitor-private.h"

/**
 * ResmgrMonitorResource:
 *
 * One tracked resource, an item of [method@Resmgr.Monitor.get_resources].
 *
 * Its properties are made for a list view (a `GtkColumnView` column per
 * property): [property@Resmgr.MonitorResource:id],
 * [property@Resmgr.MonitorResource:component],
 * [property@Resmgr.MonitorResource:type-name],
 * [property@Resmgr.MonitorResource:name],
 * [property@Resmgr.MonitorResource:bytes],
 * [property@Resmgr.MonitorResource:age],
 * [property@Resmgr.MonitorResource:state-name] and
 * [property@Resmgr.MonitorResource:leak]. The identity of the resource never
 * changes; its state and leak kind change when the monitor learns more
 * (with a property notification, on the monitor's context).
 *
 * ## Thread safety
 *
 * Items are changed by their monitor on its context only; read them there
 * (the thread that runs the list view). The handle returned by
 * [method@Resmgr.MonitorResource.get_handle] is immutable and may be passed
 * to any thread.
 *
 * Since: 0.1
 */
struct _ResmgrMonitorResource
{
  GObject              parent_instance;

  /* Owner context only (written by the monitor's flush): */
  ResmgrHandle        *handle;
  ResmgrResourceState  state;
  ResmgrLeakKind       leak;
  guint                notify_state : 1;
  guint                notify_leak : 1;
};

enum {
  PROP_0,
  PROP_ID,
  PROP_COMPONENT,
  PROP_TYPE,
  PROP_TYPE_NAME,
  PROP_NAME,
  PROP_BYTES,
  PROP_PRIORITY,
  PROP_CREATED,
  PROP_AGE,
  PROP_STATE,
  PROP_STATE_NAME,
  PROP_LEAK,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (ResmgrMonitorResource, resmgr_monitor_resource, G_TYPE_OBJECT)

static void
resmgr_monitor_resource_get_property (GObject    *object,
                                      guint       prop_id,
                                      GValue     *value,
                                      GParamSpec *pspec)
{
  ResmgrMonitorResource *self = RESMGR_MONITOR_RESOURCE (object);

  switch (prop_id)
    {
    case PROP_ID:
      g_value_set_uint64 (value, resmgr_monitor_resource_get_id (self));
      break;
    case PROP_COMPONENT:
      g_value_set_string (value, resmgr_monitor_resource_get_component (self));
      break;
    case PROP_TYPE:
      g_value_set_enum (value, resmgr_monitor_resource_get_resource_type (self));
      break;
    case PROP_TYPE_NAME:
      g_value_set_string (value, _resmgr_enum_nick (RESMGR_TYPE_RESOURCE_TYPE, resmgr_handle_get_resource_type (self->handle)));
      break;
    case PROP_NAME:
      g_value_set_string (value, resmgr_monitor_resource_get_name (self));
      break;
    case PROP_BYTES:
      g_value_set_uint64 (value, resmgr_monitor_resource_get_bytes (self));
      break;
    case PROP_PRIORITY:
      g_value_set_int (value, resmgr_monitor_resource_get_priority (self));
      break;
    case PROP_CREATED:
      g_value_set_int64 (value, resmgr_monitor_resource_get_created (self));
      break;
    case PROP_AGE:
      g_value_set_int64 (value, resmgr_monitor_resource_get_age (self));
      break;
    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;
    case PROP_STATE_NAME:
      g_value_set_string (value, _resmgr_enum_nick (RESMGR_TYPE_RESOURCE_STATE, self->state));
      break;
    case PROP_LEAK:
      g_value_set_enum (value, self->leak);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
resmgr_monitor_resource_finalize (GObject *object)
{
  ResmgrMonitorResource *self = RESMGR_MONITOR_RESOURCE (object);

  g_clear_pointer (&self->handle, resmgr_handle_unref);

  G_OBJECT_CLASS (resmgr_monitor_resource_parent_class)->finalize (object);
}

static void
resmgr_monitor_resource_class_init (ResmgrMonitorResourceClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = resmgr_monitor_resource_get_property;
  object_class->finalize = resmgr_monitor_resource_finalize;

  /**
   * ResmgrMonitorResource:id:
   *
   * The id of the resource in its service.
   *
   * Since: 0.1
   */
  properties[PROP_ID] =
    g_param_spec_uint64 ("id", NULL, NULL, 0, G_MAXUINT64, 0,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * ResmgrMonitorResource:component:
   *
   * The id of the component that owns the resource.
   *
   * Since: 0.1
   */
  properties[PROP_COMPONENT] =
    g_param_spec_string ("component", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * ResmgrMonitorResource:type:
   *
   * The type of the resource.
   *
   * Since: 0.1
   */
  properties[PROP_TYPE] =
    g_param_spec_enum ("type", NULL, NULL,
                       RESMGR_TYPE_RESOURCE_TYPE, RESMGR_RESOURCE_TYPE_CUSTOM,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * ResmgrMonitorResource:type-name:
   *
   * The type of the resource, as a string for display (`"worker"`, ...).
   *
   * Since: 0.1
   */
  properties[PROP_TYPE_NAME] =
    g_param_spec_string ("type-name", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * ResmgrMonitorResource:name:
   *
   * The name given when the resource was tracked, or %NULL.
   *
   * Since: 0.1
   */
  properties[PROP_NAME] =
    g_param_spec_string ("name", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * ResmgrMonitorResource:bytes:
   *
   * The size of the resource in bytes, as given when it was tracked.
   *
   * Since: 0.1
   */
  properties[PROP_BYTES] =
    g_param_spec_uint64 ("bytes", NULL, NULL, 0, G_MAXUINT64, 0,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * ResmgrMonitorResource:priority:
   *
   * The cleanup priority of the resource.
   *
   * Since: 0.1
   */
  properties[PROP_PRIORITY] =
    g_param_spec_int ("priority", NULL, NULL, 0, RESMGR_PRIORITY_MAX, 0,
                      G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * ResmgrMonitorResource:created:
   *
   * When the resource was tracked, in the clock of g_get_monotonic_time()
   * (read coarsely, a few milliseconds of resolution).
   *
   * Since: 0.1
   */
  properties[PROP_CREATED] =
    g_param_spec_int64 ("created", NULL, NULL, 0, G_MAXINT64, 0,
                        G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * ResmgrMonitorResource:age:
   *
   * The age of the resource in microseconds, computed when read. It is not
   * notified: it changes all the time.
   *
   * Since: 0.1
   */
  properties[PROP_AGE] =
    g_param_spec_int64 ("age", NULL, NULL, 0, G_MAXINT64, 0,
                        G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * ResmgrMonitorResource:state:
   *
   * The state of the resource, as last seen by the monitor.
   *
   * Since: 0.1
   */
  properties[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL,
                       RESMGR_TYPE_RESOURCE_STATE, RESMGR_RESOURCE_STATE_ACTIVE,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * ResmgrMonitorResource:state-name:
   *
   * The state of the resource, as a string for display (`"active"`, ...).
   *
   * Since: 0.1
   */
  properties[PROP_STATE_NAME] =
    g_param_spec_string ("state-name", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * ResmgrMonitorResource:leak:
   *
   * Why the last leak check reported the resource, or
   * %RESMGR_LEAK_KIND_NONE.
   *
   * Since: 0.1
   */
  properties[PROP_LEAK] =
    g_param_spec_enum ("leak", NULL, NULL,
                       RESMGR_TYPE_LEAK_KIND, RESMGR_LEAK_KIND_NONE,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
resmgr_monitor_resource_init (ResmgrMonitorResource *self)
{
}

ResmgrMonitorResource *
_resmgr_monitor_resource_new (ResmgrHandle        *handle,
                              ResmgrResourceState  state,
                              ResmgrLeakKind       leak)
{
  ResmgrMonitorResource *self = g_object_new (RESMGR_TYPE_MONITOR_RESOURCE, NULL);

  self->handle = resmgr_handle_ref (handle);
  self->state = state;
  self->leak = leak;

  return self;
}

gboolean
_resmgr_monitor_resource_update (ResmgrMonitorResource *self,
                                 ResmgrHandle          *handle,
                                 ResmgrResourceState    state,
                                 ResmgrLeakKind         leak)
{
  if (handle != NULL && handle != self->handle)
    {
      resmgr_handle_ref (handle);
      resmgr_handle_unref (self->handle);
      self->handle = handle;
    }
  if (state != self->state)
    {
      self->state = state;
      self->notify_state = TRUE;
    }
  if (leak != self->leak)
    {
      self->leak = leak;
      self->notify_leak = TRUE;
    }

  return self->notify_state || self->notify_leak;
}

void
_resmgr_monitor_resource_notify (ResmgrMonitorResource *self)
{
  gboolean state = self->notify_state, leak = self->notify_leak;

  self->notify_state = self->notify_leak = FALSE;
  if (!state && !leak)
    return;

  g_object_freeze_notify (G_OBJECT (self));
  if (state)
    {
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE_NAME]);
    }
  if (leak)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LEAK]);
  g_object_thaw_notify (G_OBJECT (self));
}

/**
 * resmgr_monitor_resource_get_handle:
 * @self: a resource item
 *
 * Gets the latest handle the monitor has of the resource.
 *
 * Returns: (transfer none): the handle
 *
 * Since: 0.1
 */
ResmgrHandle *
resmgr_monitor_resource_get_handle (ResmgrMonitorResource *self)
{
  g_return_val_if_fail (RESMGR_IS_MONITOR_RESOURCE (self), NULL);

  return self->handle;
}

/**
 * resmgr_monitor_resource_get_id:
 * @self: a resource item
 *
 * Gets [property@Resmgr.MonitorResource:id].
 *
 * Returns: the id of the resource
 *
 * Since: 0.1
 */
guint64
resmgr_monitor_resource_get_id (ResmgrMonitorResource *self)
{
  g_return_val_if_fail (RESMGR_IS_MONITOR_RESOURCE (self), 0);

  return resmgr_handle_get_id (self->handle);
}

/**
 * resmgr_monitor_resource_get_component:
 * @self: a resource item
 *
 * Gets [property@Resmgr.MonitorResource:component].
 *
 * Returns: (transfer none): the id of the owning component
 *
 * Since: 0.1
 */
const char *
resmgr_monitor_resource_get_component (ResmgrMonitorResource *self)
{
  g_return_val_if_fail (RESMGR_IS_MONITOR_RESOURCE (self), NULL);

  return resmgr_handle_get_component_id (self->handle);
}

/**
 * resmgr_monitor_resource_get_resource_type:
 * @self: a resource item
 *
 * Gets [property@Resmgr.MonitorResource:type].
 *
 * Returns: the type of the resource
 *
 * Since: 0.1
 */
ResmgrResourceType
resmgr_monitor_resource_get_resource_type (ResmgrMonitorResource *self)
{
  g_return_val_if_fail (RESMGR_IS_MONITOR_RESOURCE (self), RESMGR_RESOURCE_TYPE_CUSTOM);

  return resmgr_handle_get_resource_type (self->handle);
}

/**
 * resmgr_monitor_resource_get_name:
 * @self: a resource item
 *
 * Gets [property@Resmgr.MonitorResource:name].
 *
 * Returns: (transfer none) (nullable): the name of the resource
 *
 * Since: 0.1
 */
const char *
resmgr_monitor_resource_get_name (ResmgrMonitorResource *self)
{
  g_return_val_if_fail (RESMGR_IS_MONITOR_RESOURCE (self), NULL);

  return resmgr_handle_get_name (self->handle);
}

/**
 * resmgr_monitor_resource_get_bytes:
 * @self: a resource item
 *
 * Gets [property@Resmgr.MonitorResource:bytes].
 *
 * Returns: the size of the resource in bytes
 *
 * Since: 0.1
 */
guint64
resmgr_monitor_resource_get_bytes (ResmgrMonitorResource *self)
{
  g_return_val_if_fail (RESMGR_IS_MONITOR_RESOURCE (self), 0);

  return resmgr_handle_get_size (self->handle);
}

/**
 * resmgr_monitor_resource_get_priority:
 * @self: a resource item
 *
 * Gets [property@Resmgr.MonitorResource:priority].
 *
 * Returns: the cleanup priority
 *
 * Since: 0.1
 */
int
resmgr_monitor_resource_get_priority (ResmgrMonitorResource *self)
{
  g_return_val_if_fail (RESMGR_IS_MONITOR_RESOURCE (self), 0);

  return resmgr_handle_get_priority (self->handle);
}

/**
 * resmgr_monitor_resource_get_created:
 * @self: a resource item
 *
 * Gets [property@Resmgr.MonitorResource:created].
 *
 * Returns: the creation time, monotonic microseconds
 *
 * Since: 0.1
 */
gint64
resmgr_monitor_resource_get_created (ResmgrMonitorResource *self)
{
  g_return_val_if_fail (RESMGR_IS_MONITOR_RESOURCE (self), 0);

  return resmgr_handle_get_created (self->handle);
}

/**
 * resmgr_monitor_resource_get_age:
 * @self: a resource item
 *
 * Gets [property@Resmgr.MonitorResource:age].
 *
 * Returns: the age of the resource in microseconds
 *
 * Since: 0.1
 */
gint64
resmgr_monitor_resource_get_age (ResmgrMonitorResource *self)
{
  g_return_val_if_fail (RESMGR_IS_MONITOR_RESOURCE (self), 0);

  return MAX (0, g_get_monotonic_time () - resmgr_handle_get_created (self->handle));
}

/**
 * resmgr_monitor_resource_get_state:
 * @self: a resource item
 *
 * Gets [property@Resmgr.MonitorResource:state].
 *
 * Returns: the state of the resource
 *
 * Since: 0.1
 */
ResmgrResourceState
resmgr_monitor_resource_get_state (ResmgrMonitorResource *self)
{
  g_return_val_if_fail (RESMGR_IS_MONITOR_RESOURCE (self), RESMGR_RESOURCE_STATE_ACTIVE);

  return self->state;
}

/**
 * resmgr_monitor_resource_get_leak:
 * @self: a resource item
 *
 * Gets [property@Resmgr.MonitorResource:leak].
 *
 * Returns: why the resource is reported as a leak, or
 *   %RESMGR_LEAK_KIND_NONE
 *
 * Since: 0.1
 */
ResmgrLeakKind
resmgr_monitor_resource_get_leak (ResmgrMonitorResource *self)
{
  g_return_val_if_fail (RESMGR_IS_MONITOR_RESOURCE (self), RESMGR_LEAK_KIND_NONE);

  return self->leak;
}
