/* resmgr-stats.h: a snapshot of a service's counters
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(RESMGR_INSIDE) && !defined(RESMGR_COMPILATION)
# error "Only <resmgr.h> can be included directly."
#endif

#include "resmgr-types.h"

G_BEGIN_DECLS

#define RESMGR_TYPE_STATS (resmgr_stats_get_type ())

RESMGR_AVAILABLE_IN_ALL
GType        resmgr_stats_get_type            (void) G_GNUC_CONST;
RESMGR_AVAILABLE_IN_ALL
ResmgrStats *resmgr_stats_copy                (const ResmgrStats  *self);
RESMGR_AVAILABLE_IN_ALL
void         resmgr_stats_free                (ResmgrStats        *self);
RESMGR_AVAILABLE_IN_ALL
guint64      resmgr_stats_get_count           (const ResmgrStats  *self,
                                               ResmgrResourceType  type);
RESMGR_AVAILABLE_IN_ALL
guint64      resmgr_stats_get_bytes           (const ResmgrStats  *self,
                                               ResmgrResourceType  type);
RESMGR_AVAILABLE_IN_ALL
guint64      resmgr_stats_get_n_resources     (const ResmgrStats  *self);
RESMGR_AVAILABLE_IN_ALL
guint64      resmgr_stats_get_total_bytes     (const ResmgrStats  *self);
RESMGR_AVAILABLE_IN_ALL
guint        resmgr_stats_get_n_components    (const ResmgrStats  *self);
RESMGR_AVAILABLE_IN_ALL
guint64      resmgr_stats_get_total_tracked   (const ResmgrStats  *self);
RESMGR_AVAILABLE_IN_ALL
guint64      resmgr_stats_get_total_released  (const ResmgrStats  *self);
RESMGR_AVAILABLE_IN_ALL
guint64      resmgr_stats_get_total_failed    (const ResmgrStats  *self);
RESMGR_AVAILABLE_IN_ALL
guint64      resmgr_stats_get_total_lost      (const ResmgrStats  *self);
RESMGR_AVAILABLE_IN_ALL
guint64      resmgr_stats_get_peak_resources  (const ResmgrStats  *self);
RESMGR_AVAILABLE_IN_ALL
guint64      resmgr_stats_get_peak_bytes      (const ResmgrStats  *self);
RESMGR_AVAILABLE_IN_ALL
guint        resmgr_stats_get_peak_components (const ResmgrStats  *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ResmgrStats, resmgr_stats_free)

G_END_DECLS
