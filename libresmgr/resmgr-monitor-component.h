/* resmgr-monitor-component.h: a component, as an item of a monitor's list
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(RESMGR_INSIDE) && !defined(RESMGR_COMPILATION)
# error "Only <resmgr.h> can be included directly."
#endif

#include "resmgr-monitor.h"

G_BEGIN_DECLS

#define RESMGR_TYPE_MONITOR_COMPONENT (resmgr_monitor_component_get_type ())

RESMGR_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (ResmgrMonitorComponent, resmgr_monitor_component, RESMGR, MONITOR_COMPONENT, GObject)

RESMGR_AVAILABLE_IN_ALL
const char           *resmgr_monitor_component_get_id          (ResmgrMonitorComponent *self);
RESMGR_AVAILABLE_IN_ALL
ResmgrComponentState  resmgr_monitor_component_get_state       (ResmgrMonitorComponent *self);
RESMGR_AVAILABLE_IN_ALL
guint64               resmgr_monitor_component_get_n_resources (ResmgrMonitorComponent *self);
RESMGR_AVAILABLE_IN_ALL
guint64               resmgr_monitor_component_get_bytes       (ResmgrMonitorComponent *self);
RESMGR_AVAILABLE_IN_ALL
guint                 resmgr_monitor_component_get_n_leaks     (ResmgrMonitorComponent *self);

G_END_DECLS
