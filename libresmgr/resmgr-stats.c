/* resmgr-stats.c
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "resmgr-private.h"

/**
 * ResmgrStats:
 *
 * A snapshot of a service's counters, from [method@Resmgr.Service.dup_stats]:
 * how many resources of each type are tracked and how many bytes they
 * declare, how many components are registered, the totals tracked, released,
 * failed and lost since the service was created, and the peaks.
 *
 * Since: 0.1
 */

G_DEFINE_BOXED_TYPE (ResmgrStats, resmgr_stats, resmgr_stats_copy, resmgr_stats_free)

/**
 * resmgr_stats_copy:
 * @self: stats
 *
 * Copies @self.
 *
 * Returns: (transfer full): a copy
 *
 * Since: 0.1
 */
ResmgrStats *
resmgr_stats_copy (const ResmgrStats *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return g_memdup2 (self, sizeof *self);
}

/**
 * resmgr_stats_free:
 * @self: (transfer full): stats
 *
 * Frees @self.
 *
 * Since: 0.1
 */
void
resmgr_stats_free (ResmgrStats *self)
{
  g_free (self);
}

/**
 * resmgr_stats_get_count:
 * @self: stats
 * @type: a resource type
 *
 * Gets how many resources of @type are tracked.
 *
 * Returns: the count
 *
 * Since: 0.1
 */
guint64
resmgr_stats_get_count (const ResmgrStats  *self,
                        ResmgrResourceType  type)
{
  g_return_val_if_fail (self != NULL, 0);
  g_return_val_if_fail ((guint) type < RESMGR_N_RESOURCE_TYPES, 0);
  return self->count[type];
}

/**
 * resmgr_stats_get_bytes:
 * @self: stats
 * @type: a resource type
 *
 * Gets the bytes declared by the tracked resources of @type.
 *
 * Returns: the size in bytes
 *
 * Since: 0.1
 */
guint64
resmgr_stats_get_bytes (const ResmgrStats  *self,
                        ResmgrResourceType  type)
{
  g_return_val_if_fail (self != NULL, 0);
  g_return_val_if_fail ((guint) type < RESMGR_N_RESOURCE_TYPES, 0);
  return self->bytes[type];
}

/**
 * resmgr_stats_get_n_resources:
 * @self: stats
 *
 * Gets how many resources are tracked, of all types.
 *
 * Returns: the count
 *
 * Since: 0.1
 */
guint64
resmgr_stats_get_n_resources (const ResmgrStats *self)
{
  guint64 n = 0;

  g_return_val_if_fail (self != NULL, 0);

  for (guint i = 0; i < RESMGR_N_RESOURCE_TYPES; i++)
    n += self->count[i];

  return n;
}

/**
 * resmgr_stats_get_total_bytes:
 * @self: stats
 *
 * Gets the bytes declared by all tracked resources.
 *
 * Returns: the size in bytes
 *
 * Since: 0.1
 */
guint64
resmgr_stats_get_total_bytes (const ResmgrStats *self)
{
  guint64 n = 0;

  g_return_val_if_fail (self != NULL, 0);

  for (guint i = 0; i < RESMGR_N_RESOURCE_TYPES; i++)
    n += self->bytes[i];

  return n;
}

/**
 * resmgr_stats_get_n_components:
 * @self: stats
 *
 * Gets how many components are registered.
 *
 * Returns: the count
 *
 * Since: 0.1
 */
guint
resmgr_stats_get_n_components (const ResmgrStats *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->n_components;
}

/**
 * resmgr_stats_get_total_tracked:
 * @self: stats
 *
 * Gets how many resources were tracked since the service was created.
 *
 * Returns: the count
 *
 * Since: 0.1
 */
guint64
resmgr_stats_get_total_tracked (const ResmgrStats *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->total_tracked;
}

/**
 * resmgr_stats_get_total_released:
 * @self: stats
 *
 * Gets how many resources had their cleanup run successfully.
 *
 * Returns: the count
 *
 * Since: 0.1
 */
guint64
resmgr_stats_get_total_released (const ResmgrStats *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->total_released;
}

/**
 * resmgr_stats_get_total_failed:
 * @self: stats
 *
 * Gets how many cleanups reported an error.
 *
 * Returns: the count
 *
 * Since: 0.1
 */
guint64
resmgr_stats_get_total_failed (const ResmgrStats *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->total_failed;
}

/**
 * resmgr_stats_get_total_lost:
 * @self: stats
 *
 * Gets how many resources went away without their cleanup (watched objects
 * disposed or finalized first).
 *
 * Returns: the count
 *
 * Since: 0.1
 */
guint64
resmgr_stats_get_total_lost (const ResmgrStats *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->total_lost;
}

/**
 * resmgr_stats_get_peak_resources:
 * @self: stats
 *
 * Gets the highest number of resources tracked at once.
 *
 * Returns: the count
 *
 * Since: 0.1
 */
guint64
resmgr_stats_get_peak_resources (const ResmgrStats *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->peak_resources;
}

/**
 * resmgr_stats_get_peak_bytes:
 * @self: stats
 *
 * Gets the highest number of bytes tracked at once.
 *
 * Returns: the size in bytes
 *
 * Since: 0.1
 */
guint64
resmgr_stats_get_peak_bytes (const ResmgrStats *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->peak_bytes;
}

/**
 * resmgr_stats_get_peak_components:
 * @self: stats
 *
 * Gets the highest number of components registered at once.
 *
 * Returns: the count
 *
 * Since: 0.1
 */
guint
resmgr_stats_get_peak_components (const ResmgrStats *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->peak_components;
}
