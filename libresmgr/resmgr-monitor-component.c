/* resmgr-monitor-component.c
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "resmgr-monitor-private.h"

/**
 * ResmgrMonitorComponent:
 *
 * One component, an item of [method@Resmgr.Monitor.get_components]: its id,
 * its state, and the number and size of the resources it holds. The counts change with a property
 * notification, once per batch of changes.
 *
 * ## Thread safety
 *
 * Items are changed by their monitor on its context only; read them there.
 *
 * Since: 0.1
 */
struct _ResmgrMonitorComponent
{
  GObject               parent_instance;

  /* Read-only after construction: */
  char                 *id;

  /* Owner context only (written by the monitor's flush): */
  ResmgrComponentState  state;
  guint64               n_resources;
  guint64               bytes;
  guint                 n_leaks;
  guint                 notify_state : 1;
  guint                 notify_n_resources : 1;
  guint                 notify_bytes : 1;
  guint                 notify_n_leaks : 1;
};

enum {
  PROP_0,
  PROP_ID,
  PROP_STATE,
  PROP_STATE_NAME,
  PROP_N_RESOURCES,
  PROP_BYTES,
  PROP_N_LEAKS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (ResmgrMonitorComponent, resmgr_monitor_component, G_TYPE_OBJECT)

static void
resmgr_monitor_component_get_property (GObject    *object,
                                       guint       prop_id,
                                       GValue     *value,
                                       GParamSpec *pspec)
{
  ResmgrMonitorComponent *self = RESMGR_MONITOR_COMPONENT (object);

  switch (prop_id)
    {
    case PROP_ID:
      g_value_set_string (value, self->id);
      break;
    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;
    case PROP_STATE_NAME:
      g_value_set_string (value, _resmgr_enum_nick (RESMGR_TYPE_COMPONENT_STATE, self->state));
      break;
    case PROP_N_RESOURCES:
      g_value_set_uint64 (value, self->n_resources);
      break;
    case PROP_BYTES:
      g_value_set_uint64 (value, self->bytes);
      break;
    case PROP_N_LEAKS:
      g_value_set_uint (value, self->n_leaks);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
resmgr_monitor_component_finalize (GObject *object)
{
  ResmgrMonitorComponent *self = RESMGR_MONITOR_COMPONENT (object);

  g_free (self->id);

  G_OBJECT_CLASS (resmgr_monitor_component_parent_class)->finalize (object);
}

static void
resmgr_monitor_component_class_init (ResmgrMonitorComponentClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = resmgr_monitor_component_get_property;
  object_class->finalize = resmgr_monitor_component_finalize;

  /**
   * ResmgrMonitorComponent:id:
   *
   * The id of the component in its service.
   *
   * Since: 0.1
   */
  properties[PROP_ID] =
    g_param_spec_string ("id", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * ResmgrMonitorComponent:state:
   *
   * The state of the component.
   *
   * Since: 0.1
   */
  properties[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL,
                       RESMGR_TYPE_COMPONENT_STATE, RESMGR_COMPONENT_STATE_ACTIVE,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * ResmgrMonitorComponent:state-name:
   *
   * The state of the component as a string for display (`"active"`,
   * `"cleaned"` or `"removed"`).
   *
   * Since: 0.1
   */
  properties[PROP_STATE_NAME] =
    g_param_spec_string ("state-name", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * ResmgrMonitorComponent:n-resources:
   *
   * The number of resources the component holds.
   *
   * Since: 0.1
   */
  properties[PROP_N_RESOURCES] =
    g_param_spec_uint64 ("n-resources", NULL, NULL, 0, G_MAXUINT64, 0,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * ResmgrMonitorComponent:bytes:
   *
   * The total size of those resources in bytes.
   *
   * Since: 0.1
   */
  properties[PROP_BYTES] =
    g_param_spec_uint64 ("bytes", NULL, NULL, 0, G_MAXUINT64, 0,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * ResmgrMonitorComponent:n-leaks:
   *
   * How many of its resources the last leak check reported.
   *
   * Since: 0.1
   */
  properties[PROP_N_LEAKS] =
    g_param_spec_uint ("n-leaks", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
resmgr_monitor_component_init (ResmgrMonitorComponent *self)
{
}

ResmgrMonitorComponent *
_resmgr_monitor_component_new (const char           *id,
                               ResmgrComponentState  state,
                               guint64               n_resources,
                               guint64               bytes,
                               guint                 n_leaks)
{
  ResmgrMonitorComponent *self = g_object_new (RESMGR_TYPE_MONITOR_COMPONENT, NULL);

  self->id = g_strdup (id);
  self->state = state;
  self->n_resources = n_resources;
  self->bytes = bytes;
  self->n_leaks = n_leaks;

  return self;
}

gboolean
_resmgr_monitor_component_update (ResmgrMonitorComponent *self,
                                  ResmgrComponentState    state,
                                  guint64                 n_resources,
                                  guint64                 bytes,
                                  guint                   n_leaks)
{
#define SET(field, value) \
  G_STMT_START { if (self->field != (value)) { self->field = (value); self->notify_##field = TRUE; } } G_STMT_END
  SET (state, state);
  SET (n_resources, n_resources);
  SET (bytes, bytes);
  SET (n_leaks, n_leaks);
#undef SET

  return self->notify_state || self->notify_n_resources || self->notify_bytes || self->notify_n_leaks;
}

void
_resmgr_monitor_component_notify (ResmgrMonitorComponent *self)
{
  gboolean state = self->notify_state, n_resources = self->notify_n_resources;
  gboolean bytes = self->notify_bytes, n_leaks = self->notify_n_leaks;

  self->notify_state = self->notify_n_resources = self->notify_bytes = self->notify_n_leaks = FALSE;
  if (!state && !n_resources && !bytes && !n_leaks)
    return;

  g_object_freeze_notify (G_OBJECT (self));
  if (state)
    {
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE_NAME]);
    }
  if (n_resources)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_RESOURCES]);
  if (bytes)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BYTES]);
  if (n_leaks)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_LEAKS]);
  g_object_thaw_notify (G_OBJECT (self));
}

/**
 * resmgr_monitor_component_get_id:
 * @self: a component item
 *
 * Gets [property@Resmgr.MonitorComponent:id].
 *
 * Returns: (transfer none): the id of the component
 *
 * Since: 0.1
 */
const char *
resmgr_monitor_component_get_id (ResmgrMonitorComponent *self)
{
  g_return_val_if_fail (RESMGR_IS_MONITOR_COMPONENT (self), NULL);

  return self->id;
}

/**
 * resmgr_monitor_component_get_state:
 * @self: a component item
 *
 * Gets [property@Resmgr.MonitorComponent:state].
 *
 * Returns: the state of the component
 *
 * Since: 0.1
 */
ResmgrComponentState
resmgr_monitor_component_get_state (ResmgrMonitorComponent *self)
{
  g_return_val_if_fail (RESMGR_IS_MONITOR_COMPONENT (self), RESMGR_COMPONENT_STATE_ACTIVE);

  return self->state;
}

/**
 * resmgr_monitor_component_get_n_resources:
 * @self: a component item
 *
 * Gets [property@Resmgr.MonitorComponent:n-resources].
 *
 * Returns: the number of resources held
 *
 * Since: 0.1
 */
guint64
resmgr_monitor_component_get_n_resources (ResmgrMonitorComponent *self)
{
  g_return_val_if_fail (RESMGR_IS_MONITOR_COMPONENT (self), 0);

  return self->n_resources;
}

/**
 * resmgr_monitor_component_get_bytes:
 * @self: a component item
 *
 * Gets [property@Resmgr.MonitorComponent:bytes].
 *
 * Returns: the bytes held
 *
 * Since: 0.1
 */
guint64
resmgr_monitor_component_get_bytes (ResmgrMonitorComponent *self)
{
  g_return_val_if_fail (RESMGR_IS_MONITOR_COMPONENT (self), 0);

  return self->bytes;
}

/**
 * resmgr_monitor_component_get_n_leaks:
 * @self: a component item
 *
 * Gets [property@Resmgr.MonitorComponent:n-leaks].
 *
 * Returns: the number of leaked resources
 *
 * Since: 0.1
 */
guint
resmgr_monitor_component_get_n_leaks (ResmgrMonitorComponent *self)
{
  g_return_val_if_fail (RESMGR_IS_MONITOR_COMPONENT (self), 0);

  return self->n_leaks;
}
