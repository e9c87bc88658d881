/* resmgr-handle.c
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "resmgr-private.h"

/**
 * ResmgrHandle:
 *
 * A small, immutable, reference-counted record of one tracked resource: its
 * id, type, name, owning component, size, priority, creation time, state
 * and metadata, as they were when the handle was made.
 *
 * A handle is a snapshot, not a live view: [method@Resmgr.Service.lookup]
 * makes a new one with the current state. Handles are only created when
 * asked for, so tracking a resource does not allocate one.
 *
 * ## Thread safety
 *
 * Handles are immutable; any thread may read, ref and unref them.
 *
 * Since: 0.1
 */
struct _ResmgrHandle
{
  gatomicrefcount     ref_count;
  ResmgrResourceType  type : 8;
  ResmgrResourceState state : 8;
  int                 priority;
  guint64             id;
  gsize               size;
  gint64              created;
  char               *name;
  char               *component_id;
  GVariant           *metadata;
};

G_DEFINE_BOXED_TYPE (ResmgrHandle, resmgr_handle, resmgr_handle_ref, resmgr_handle_unref)

ResmgrHandle *
_resmgr_handle_new (guint64              id,
                    ResmgrResourceType   type,
                    const char          *name,
                    const char          *component_id,
                    gsize                size,
                    int                  priority,
                    gint64               created,
                    ResmgrResourceState  state,
                    GVariant            *metadata)
{
  ResmgrHandle *self = g_new0 (ResmgrHandle, 1);

  g_atomic_ref_count_init (&self->ref_count);
  self->id = id;
  self->type = type;
  self->name = g_strdup (name);
  self->component_id = g_strdup (component_id);
  self->size = size;
  self->priority = priority;
  self->created = created;
  self->state = state;
  self->metadata = metadata ? g_variant_ref_sink (metadata) : NULL;

  return self;
}

ResmgrHandle *
_resmgr_handle_copy_with_state (const ResmgrHandle  *self,
                                ResmgrResourceState  state)
{
  return _resmgr_handle_new (self->id, self->type, self->name, self->component_id,
                             self->size, self->priority, self->created, state,
                             self->metadata);
}

/**
 * resmgr_handle_ref:
 * @self: a handle
 *
 * Acquires a reference on @self.
 *
 * Returns: (transfer full): @self
 *
 * Since: 0.1
 */
ResmgrHandle *
resmgr_handle_ref (ResmgrHandle *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_ref_count_inc (&self->ref_count);

  return self;
}

/**
 * resmgr_handle_unref:
 * @self: (transfer full): a handle
 *
 * Releases a reference on @self; the last one frees it.
 *
 * Since: 0.1
 */
void
resmgr_handle_unref (ResmgrHandle *self)
{
  g_return_if_fail (self != NULL);

  if (g_atomic_ref_count_dec (&self->ref_count))
    {
      g_free (self->name);
      g_free (self->component_id);
      g_clear_pointer (&self->metadata, g_variant_unref);
      g_free (self);
    }
}

/**
 * resmgr_handle_get_id:
 * @self: a handle
 *
 * Gets the id of the resource: never 0, never reused within a service.
 *
 * Returns: the id
 *
 * Since: 0.1
 */
guint64
resmgr_handle_get_id (const ResmgrHandle *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->id;
}

/**
 * resmgr_handle_get_resource_type:
 * @self: a handle
 *
 * Gets the type of the resource.
 *
 * Returns: the type
 *
 * Since: 0.1
 */
ResmgrResourceType
resmgr_handle_get_resource_type (const ResmgrHandle *self)
{
  g_return_val_if_fail (self != NULL, RESMGR_RESOURCE_TYPE_CUSTOM);
  return self->type;
}

/**
 * resmgr_handle_get_name:
 * @self: a handle
 *
 * Gets the name given when the resource was tracked.
 *
 * Returns: (nullable): the name, or %NULL
 *
 * Since: 0.1
 */
const char *
resmgr_handle_get_name (const ResmgrHandle *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->name;
}

/**
 * resmgr_handle_get_component_id:
 * @self: a handle
 *
 * Gets the id of the component that owns the resource.
 *
 * Returns: the component id
 *
 * Since: 0.1
 */
const char *
resmgr_handle_get_component_id (const ResmgrHandle *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->component_id;
}

/**
 * resmgr_handle_get_size:
 * @self: a handle
 *
 * Gets the size in bytes that was declared for the resource.
 *
 * Returns: the size in bytes
 *
 * Since: 0.1
 */
gsize
resmgr_handle_get_size (const ResmgrHandle *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->size;
}

/**
 * resmgr_handle_get_priority:
 * @self: a handle
 *
 * Gets the cleanup priority of the resource (the type's default unless it
 * was overridden).
 *
 * Returns: the priority
 *
 * Since: 0.1
 */
int
resmgr_handle_get_priority (const ResmgrHandle *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->priority;
}

/**
 * resmgr_handle_get_created:
 * @self: a handle
 *
 * Gets when the resource was tracked, in the clock of
 * g_get_monotonic_time().
 *
 * Returns: the creation time in microseconds
 *
 * Since: 0.1
 */
gint64
resmgr_handle_get_created (const ResmgrHandle *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->created;
}

/**
 * resmgr_handle_get_state:
 * @self: a handle
 *
 * Gets the state of the resource when the handle was made.
 *
 * Returns: the state
 *
 * Since: 0.1
 */
ResmgrResourceState
resmgr_handle_get_state (const ResmgrHandle *self)
{
  g_return_val_if_fail (self != NULL, RESMGR_RESOURCE_STATE_ACTIVE);
  return self->state;
}

/**
 * resmgr_handle_get_metadata:
 * @self: a handle
 *
 * Gets the metadata attached with [method@Resmgr.Service.set_metadata].
 *
 * Returns: (nullable) (transfer none): a `a{sv}` variant, or %NULL
 *
 * Since: 0.1
 */
GVariant *
resmgr_handle_get_metadata (const ResmgrHandle *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->metadata;
}
