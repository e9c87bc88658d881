/* resmgr-types.c
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "resmgr-private.h"

/**
 * resmgr_error_quark:
 *
 * The error domain of the errors resmgr reports.
 *
 * Returns: the quark of %RESMGR_ERROR
 *
 * Since: 0.1
 */
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
  int priority;
} resource_types[RESMGR_N_RESOURCE_TYPES] = {
  [RESMGR_RESOURCE_TYPE_WORKER]    = { 100 },
  [RESMGR_RESOURCE_TYPE_TIMER]     = { 90 },
  [RESMGR_RESOURCE_TYPE_SOURCE]    = { 90 },
  [RESMGR_RESOURCE_TYPE_GL_OBJECT] = { 80 },
  [RESMGR_RESOURCE_TYPE_WIDGET]    = { 60 },
  [RESMGR_RESOURCE_TYPE_CUSTOM]    = { 50 },
  [RESMGR_RESOURCE_TYPE_FILE]      = { 40 },
  [RESMGR_RESOURCE_TYPE_MEMORY]    = { 20 },
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

/* The name of an enum value: its nick, as glib-mkenums made it (the one
 * table of names, shared with bindings and GParamSpecs). */
const char *
_resmgr_enum_nick (GType type,
                   int   value)
{
  GEnumClass *klass = g_type_class_peek (type);
  GEnumValue *v;

  /* Enum classes of static types are never finalized: one ref is enough. */
  if (klass == NULL)
    klass = g_type_class_ref (type);
  v = g_enum_get_value (klass, value);

  return v != NULL ? v->value_nick : "unknown";
}
