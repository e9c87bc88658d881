/* resmgr-monitor-resource.h: a tracked resource, as an item of a monitor's list
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(RESMGR_INSIDE) && !defined(RESMGR_COMPILATION)
# error "Only <resmgr.h> can be included directly."
#endif

#include "resmgr-monitor.h"
#include "resmgr-handle.h"

G_BEGIN_DECLS

#define RESMGR_TYPE_MONITOR_RESOURCE (resmgr_monitor_resource_get_type ())

RESMGR_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (ResmgrMonitorResource, resmgr_monitor_resource, RESMGR, MONITOR_RESOURCE, GObject)

RESMGR_AVAILABLE_IN_ALL
ResmgrHandle        *resmgr_monitor_resource_get_handle        (ResmgrMonitorResource *self);
RESMGR_AVAILABLE_IN_ALL
guint64              resmgr_monitor_resource_get_id            (ResmgrMonitorResource *self);
RESMGR_AVAILABLE_IN_ALL
const char          *resmgr_monitor_resource_get_component     (ResmgrMonitorResource *self);
RESMGR_AVAILABLE_IN_ALL
ResmgrResourceType   resmgr_monitor_resource_get_resource_type (ResmgrMonitorResource *self);
RESMGR_AVAILABLE_IN_ALL
const char          *resmgr_monitor_resource_get_name          (ResmgrMonitorResource *self);
RESMGR_AVAILABLE_IN_ALL
guint64              resmgr_monitor_resource_get_bytes         (ResmgrMonitorResource *self);
RESMGR_AVAILABLE_IN_ALL
int                  resmgr_monitor_resource_get_priority      (ResmgrMonitorResource *self);
RESMGR_AVAILABLE_IN_ALL
gint64               resmgr_monitor_resource_get_created       (ResmgrMonitorResource *self);
RESMGR_AVAILABLE_IN_ALL
gint64               resmgr_monitor_resource_get_age           (ResmgrMonitorResource *self);
RESMGR_AVAILABLE_IN_ALL
ResmgrResourceState  resmgr_monitor_resource_get_state         (ResmgrMonitorResource *self);
RESMGR_AVAILABLE_IN_ALL
ResmgrLeakKind       resmgr_monitor_resource_get_leak          (ResmgrMonitorResource *self);

G_END_DECLS
