/* resmgr-cleanup-report.h: what a cleanup or a shutdown did
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(RESMGR_INSIDE) && !defined(RESMGR_COMPILATION)
# error "Only <resmgr.h> can be included directly."
#endif

#include "resmgr-types.h"

G_BEGIN_DECLS

#define RESMGR_TYPE_CLEANUP_REPORT (resmgr_cleanup_report_get_type ())

RESMGR_AVAILABLE_IN_ALL
GType                resmgr_cleanup_report_get_type         (void) G_GNUC_CONST;
RESMGR_AVAILABLE_IN_ALL
ResmgrCleanupReport *resmgr_cleanup_report_ref              (ResmgrCleanupReport *self);
RESMGR_AVAILABLE_IN_ALL
void                 resmgr_cleanup_report_unref            (ResmgrCleanupReport *self);
RESMGR_AVAILABLE_IN_ALL
const char          *resmgr_cleanup_report_get_scope        (ResmgrCleanupReport *self);
RESMGR_AVAILABLE_IN_ALL
guint                resmgr_cleanup_report_get_n_phases     (ResmgrCleanupReport *self);
RESMGR_AVAILABLE_IN_ALL
int                  resmgr_cleanup_report_get_phase        (ResmgrCleanupReport *self,
                                                             guint                index,
                                                             guint               *released,
                                                             guint               *failed,
                                                             guint               *lost,
                                                             gint64              *duration_us);
RESMGR_AVAILABLE_IN_ALL
guint                resmgr_cleanup_report_get_released    (ResmgrCleanupReport *self);
RESMGR_AVAILABLE_IN_ALL
guint                resmgr_cleanup_report_get_failed      (ResmgrCleanupReport *self);
RESMGR_AVAILABLE_IN_ALL
guint                resmgr_cleanup_report_get_lost        (ResmgrCleanupReport *self);
RESMGR_AVAILABLE_IN_ALL
guint                resmgr_cleanup_report_get_n_failures  (ResmgrCleanupReport *self);
RESMGR_AVAILABLE_IN_ALL
ResmgrHandle        *resmgr_cleanup_report_get_failure     (ResmgrCleanupReport *self,
                                                             guint                index);
RESMGR_AVAILABLE_IN_ALL
const GError        *resmgr_cleanup_report_get_failure_error (ResmgrCleanupReport *self,
                                                               guint                index);
RESMGR_AVAILABLE_IN_ALL
GPtrArray           *resmgr_cleanup_report_get_leftovers   (ResmgrCleanupReport *self);
RESMGR_AVAILABLE_IN_ALL
const char          *resmgr_cleanup_report_get_leftover_reason (ResmgrCleanupReport *self,
                                                                guint                index);
RESMGR_AVAILABLE_IN_ALL
guint                resmgr_cleanup_report_get_n_overruns  (ResmgrCleanupReport *self);
RESMGR_AVAILABLE_IN_ALL
ResmgrHandle        *resmgr_cleanup_report_get_overrun     (ResmgrCleanupReport *self,
                                                             guint                index,
                                                             gint64              *running_us);
RESMGR_AVAILABLE_IN_ALL
gint64               resmgr_cleanup_report_get_duration    (ResmgrCleanupReport *self);
RESMGR_AVAILABLE_IN_ALL
gboolean             resmgr_cleanup_report_get_timed_out   (ResmgrCleanupReport *self);
RESMGR_AVAILABLE_IN_ALL
gboolean             resmgr_cleanup_report_is_clean        (ResmgrCleanupReport *self);
RESMGR_AVAILABLE_IN_ALL
char                *resmgr_cleanup_report_to_json         (ResmgrCleanupReport *self,
                                                             gboolean             pretty) G_GNUC_WARN_UNUSED_RESULT;

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ResmgrCleanupReport, resmgr_cleanup_report_unref)

G_END_DECLS
