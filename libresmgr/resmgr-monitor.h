/* resmgr-monitor.h: memory sampling, leak detection and a live view of a service
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(RESMGR_INSIDE) && !defined(RESMGR_COMPILATION)
# error "Only <resmgr.h> can be included directly."
#endif

#include <gio/gio.h>

#include "resmgr-service.h"

G_BEGIN_DECLS

/**
 * ResmgrLeakKind:
 * @RESMGR_LEAK_KIND_NONE: not a leak
 * @RESMGR_LEAK_KIND_ORPHANED: the resource's component was removed (disposed
 *   and forgotten by the service) but the resource is still tracked
 * @RESMGR_LEAK_KIND_WORKER_OUTLIVED_OWNER: a %RESMGR_RESOURCE_TYPE_WORKER
 *   resource tracked before its component was cleaned up (or before a
 *   shutdown) is still tracked after that cleanup finished
 * @RESMGR_LEAK_KIND_TOO_OLD: the resource is older than
 *   [property@Resmgr.Monitor:age-threshold]
 *
 * Why a [class@Resmgr.Monitor] reports a resource as leaked. Resources whose
 * metadata has `"process-lifetime": <true>` are never reported.
 *
 * Since: 0.1
 */
typedef enum {
  RESMGR_LEAK_KIND_NONE,
  RESMGR_LEAK_KIND_ORPHANED,
  RESMGR_LEAK_KIND_WORKER_OUTLIVED_OWNER,
  RESMGR_LEAK_KIND_TOO_OLD,
} ResmgrLeakKind;

/**
 * ResmgrComponentState:
 * @RESMGR_COMPONENT_STATE_ACTIVE: registered, not cleaned up since the
 *   monitor saw it
 * @RESMGR_COMPONENT_STATE_CLEANED: registered, and cleaned up at least once
 *   (by [method@Resmgr.Service.cleanup_component] or a shutdown)
 * @RESMGR_COMPONENT_STATE_REMOVED: disposed and forgotten by the service
 *
 * The state of a component as seen by a [class@Resmgr.Monitor].
 *
 * Since: 0.1
 */
typedef enum {
  RESMGR_COMPONENT_STATE_ACTIVE,
  RESMGR_COMPONENT_STATE_CLEANED,
  RESMGR_COMPONENT_STATE_REMOVED,
} ResmgrComponentState;

/**
 * ResmgrMonitorSampler:
 * @user_data: (closure): the data given to [method@Resmgr.Monitor.set_sampler]
 *
 * Measures the memory of the process, in bytes. The default sampler reads
 * the resident set size from `/proc/self/statm`.
 *
 * Returns: the memory in use, in bytes, or 0 when unknown
 *
 * Since: 0.1
 */
typedef guint64 (*ResmgrMonitorSampler) (gpointer user_data);

#define RESMGR_TYPE_MONITOR (resmgr_monitor_get_type ())

RESMGR_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (ResmgrMonitor, resmgr_monitor, RESMGR, MONITOR, GObject)

RESMGR_AVAILABLE_IN_ALL
ResmgrMonitor        *resmgr_monitor_new                     (ResmgrService        *service) G_GNUC_WARN_UNUSED_RESULT;
RESMGR_AVAILABLE_IN_ALL
ResmgrService        *resmgr_monitor_get_service             (ResmgrMonitor        *self);
RESMGR_AVAILABLE_IN_ALL
GMainContext         *resmgr_monitor_get_context             (ResmgrMonitor        *self);
RESMGR_AVAILABLE_IN_ALL
guint                 resmgr_monitor_get_interval            (ResmgrMonitor        *self);
RESMGR_AVAILABLE_IN_ALL
void                  resmgr_monitor_set_interval            (ResmgrMonitor        *self,
                                                              guint                 interval_ms);
RESMGR_AVAILABLE_IN_ALL
guint                 resmgr_monitor_get_history_size        (ResmgrMonitor        *self);
RESMGR_AVAILABLE_IN_ALL
void                  resmgr_monitor_set_history_size        (ResmgrMonitor        *self,
                                                              guint                 history_size);
RESMGR_AVAILABLE_IN_ALL
guint                 resmgr_monitor_get_report_history_size (ResmgrMonitor        *self);
RESMGR_AVAILABLE_IN_ALL
void                  resmgr_monitor_set_report_history_size (ResmgrMonitor        *self,
                                                              guint                 report_history_size);
RESMGR_AVAILABLE_IN_ALL
guint64               resmgr_monitor_get_growth_threshold    (ResmgrMonitor        *self);
RESMGR_AVAILABLE_IN_ALL
void                  resmgr_monitor_set_growth_threshold    (ResmgrMonitor        *self,
                                                              guint64               threshold);
RESMGR_AVAILABLE_IN_ALL
guint                 resmgr_monitor_get_age_threshold       (ResmgrMonitor        *self);
RESMGR_AVAILABLE_IN_ALL
void                  resmgr_monitor_set_age_threshold       (ResmgrMonitor        *self,
                                                              guint                 seconds);
RESMGR_AVAILABLE_IN_ALL
guint64               resmgr_monitor_get_rss                 (ResmgrMonitor        *self);
RESMGR_AVAILABLE_IN_ALL
guint64               resmgr_monitor_get_growth              (ResmgrMonitor        *self);
RESMGR_AVAILABLE_IN_ALL
void                  resmgr_monitor_set_sampler             (ResmgrMonitor        *self,
                                                              ResmgrMonitorSampler  sampler,
                                                              gpointer              user_data,
                                                              GDestroyNotify        user_data_destroy);
RESMGR_AVAILABLE_IN_ALL
void                  resmgr_monitor_sample_now              (ResmgrMonitor        *self);
RESMGR_AVAILABLE_IN_ALL
guint                 resmgr_monitor_get_n_samples           (ResmgrMonitor        *self);
RESMGR_AVAILABLE_IN_ALL
gboolean              resmgr_monitor_get_sample              (ResmgrMonitor        *self,
                                                              guint                 index,
                                                              gint64               *time,
                                                              guint64              *rss,
                                                              guint64              *n_resources,
                                                              guint64              *bytes,
                                                              guint                *n_components);
RESMGR_AVAILABLE_IN_ALL
GPtrArray            *resmgr_monitor_check_leaks             (ResmgrMonitor        *self) G_GNUC_WARN_UNUSED_RESULT;
RESMGR_AVAILABLE_IN_ALL
guint                 resmgr_monitor_get_n_reports           (ResmgrMonitor        *self);
RESMGR_AVAILABLE_IN_ALL
ResmgrCleanupReport  *resmgr_monitor_dup_report              (ResmgrMonitor        *self,
                                                              guint                 index,
                                                              gint64               *time) G_GNUC_WARN_UNUSED_RESULT;
RESMGR_AVAILABLE_IN_ALL
GListModel           *resmgr_monitor_get_components          (ResmgrMonitor        *self);
RESMGR_AVAILABLE_IN_ALL
GListModel           *resmgr_monitor_get_resources           (ResmgrMonitor        *self);
RESMGR_AVAILABLE_IN_ALL
char                 *resmgr_monitor_report_to_json          (ResmgrMonitor        *self,
                                                              gboolean              pretty) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
