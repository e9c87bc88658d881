/* resmgr-types.c
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "resmgr-types.h"

/* Not G_DEFINE_QUARK: its lazily set static is a plain data race when two
 * threads fail for the first time at once (seen by the TSan run). */
GQuark
resmgr_error_quark (void)
{
  static gsize quark;

  if (g_once_init_enter (&quark))
    g_once_init_leave (&quark, g_quark_from_static_string ("resmgr-error-quark"));

  return (GQuark) quark;
}

static const struct {
  const char *name;
  int priority;
} resource_types[RESMGR_N_RESOURCE_TYPES] = {
  [RESMGR_RESOURCE_TYPE_WORKER]    = { "worker",    100 },
  [RESMGR_RESOURCE_TYPE_TIMER]     = { "timer",      90 },
  [RESMGR_RESOURCE_TYPE_SOURCE]    = { "source",     90 },
  [RESMGR_RESOURCE_TYPE_GL_OBJECT] = { "gl-object",  80 },
  [RESMGR_RESOURCE_TYPE_WIDGET]    = { "widget",     60 },
  [RESMGR_RESOURCE_TYPE_CUSTOM]    = { "custom",     50 },
  [RESMGR_RESOURCE_TYPE_FILE]      = { "file",       40 },
  [RESMGR_RESOURCE_TYPE_MEMORY]    = { "memory",     20 },
};

/**
 * resmgr_resource_type_get_default_priority:
 * @type: a resource type
 *
 * Gets the cleanup priority a resource of @type gets when it is tracked with
 * %RESMGR_PRIORITY_DEFAULT.
 *
 * Returns: the default priority, from 0 to %RESMGR_PRIORITY_MAX
 *
 * Since: 0.1
 */
int
resmgr_resource_type_get_default_priority (ResmgrResourceType type)
{
  g_return_val_if_fail ((guint) type < RESMGR_N_RESOURCE_TYPES, 0);

  return resource_types[type].priority;
}

/**
 * resmgr_resource_type_to_string:
 * @type: a resource type
 *
 * Gets the short name of @type as used in reports ("worker", "gl-object", …).
 *
 * Returns: (transfer none): a static string
 *
 * Since: 0.1
 */
const char *
resmgr_resource_type_to_string (ResmgrResourceType type)
{
  g_return_val_if_fail ((guint) type < RESMGR_N_RESOURCE_TYPES, NULL);

  return resource_types[type].name;
}

/**
 * resmgr_resource_state_to_string:
 * @state: a resource state
 *
 * Gets the short name of @state as used in reports ("active", "disposed", …).
 *
 * Returns: (transfer none): a static string
 *
 * Since: 0.1
 */
const char *
resmgr_resource_state_to_string (ResmgrResourceState state)
{
  static const char * const names[] = {
    [RESMGR_RESOURCE_STATE_ACTIVE]    = "active",
    [RESMGR_RESOURCE_STATE_DISPOSED]  = "disposed",
    [RESMGR_RESOURCE_STATE_RELEASED]  = "released",
    [RESMGR_RESOURCE_STATE_FAILED]    = "failed",
    [RESMGR_RESOURCE_STATE_FINALIZED] = "finalized",
    [RESMGR_RESOURCE_STATE_LOST]      = "lost",
  };

  g_return_val_if_fail ((guint) state < G_N_ELEMENTS (names), NULL);

  return names[state];
}
