/* resmgr-monitor-private.h: internals shared by the monitor's files
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "resmgr-private.h"

G_BEGIN_DECLS

/* resmgr-monitor-list.c: a GListModel over an array of entries whose
 * items are made on demand, changed only by the monitor's flush, on the
 * monitor's context. */
#define RESMGR_TYPE_MONITOR_LIST (_resmgr_monitor_list_get_type ())
G_DECLARE_FINAL_TYPE (ResmgrMonitorList, _resmgr_monitor_list, RESMGR, MONITOR_LIST, GObject)

/* Returns a new reference to the item of @entry. */
typedef gpointer (*ResmgrMonitorListItemFunc) (gpointer entry,
                                               gpointer user_data);

/* @entry_free: (nullable): called on each entry left at finalize */
ResmgrMonitorList *_resmgr_monitor_list_new           (GType                      item_type,
                                                       ResmgrMonitorListItemFunc  item_func,
                                                       GDestroyNotify             entry_free,
                                                       gpointer                   user_data,
                                                       GDestroyNotify             user_data_destroy);
/* The entries, not owned by the list; change them, then call
 * items_changed. */
GPtrArray         *_resmgr_monitor_list_get_entries   (ResmgrMonitorList         *self);
void               _resmgr_monitor_list_items_changed (ResmgrMonitorList         *self,
                                                       guint                      position,
                                                       guint                      removed,
                                                       guint                      added);

/* resmgr-monitor-resource.c. The setters return TRUE when something
 * changed; notify with _resmgr_monitor_resource_notify () afterwards, with
 * no lock held. A NULL handle keeps the current one. */
ResmgrMonitorResource *_resmgr_monitor_resource_new     (ResmgrHandle          *handle,
                                                         ResmgrResourceState    state,
                                                         ResmgrLeakKind         leak);
gboolean               _resmgr_monitor_resource_update  (ResmgrMonitorResource *self,
                                                         ResmgrHandle          *handle,
                                                         ResmgrResourceState    state,
                                                         ResmgrLeakKind         leak);
void                   _resmgr_monitor_resource_notify  (ResmgrMonitorResource *self);

/* resmgr-monitor-component.c, same pattern */
ResmgrMonitorComponent *_resmgr_monitor_component_new    (const char             *id,
                                                          ResmgrComponentState    state,
                                                          guint64                 n_resources,
                                                          guint64                 bytes,
                                                          guint                   n_leaks);
gboolean                _resmgr_monitor_component_update (ResmgrMonitorComponent *self,
                                                          ResmgrComponentState    state,
                                                          guint64                 n_resources,
                                                          guint64                 bytes,
                                                          guint                   n_leaks);
void                    _resmgr_monitor_component_notify (ResmgrMonitorComponent *self);

/* resmgr-monitor.c */

/* The clock of leak ages (default: g_get_monotonic_time ()), for tests. */
typedef gint64 (*ResmgrMonitorClock) (gpointer user_data);
void        _resmgr_monitor_set_clock         (ResmgrMonitor       *self,
                                               ResmgrMonitorClock   clock,
                                               gpointer             user_data);

G_END_DECLS
