/* resmgr-application-shutdown.h: an ordered, explicit shutdown for a GtkApplication
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(RESMGR_GTK_INSIDE) && !defined(RESMGR_GTK_COMPILATION)
# error "Only <resmgr-gtk.h> can be included directly."
#endif

#include <gtk/gtk.h>

#include <resmgr.h>

G_BEGIN_DECLS

/**
 * ResmgrShutdownPhase:
 * @RESMGR_SHUTDOWN_PHASE_NONE: no shutdown has started
 * @RESMGR_SHUTDOWN_PHASE_WORKERS: the jobs of every controller are
 *   cancelled and awaited; those that do not stop are abandoned and named
 * @RESMGR_SHUTDOWN_PHASE_SOURCES: timers, sources and signal handlers of
 *   the controllers are removed
 * @RESMGR_SHUTDOWN_PHASE_GL: GL objects of the controllers are deleted,
 *   while the windows and their GL contexts still exist
 * @RESMGR_SHUTDOWN_PHASE_WINDOWS: the application's windows are destroyed
 *   (controllers bound to their tabs are cleaned up at unrealize)
 * @RESMGR_SHUTDOWN_PHASE_REST: widgets and everything else, in priority
 *   order, through [method@Resmgr.Service.shutdown]
 * @RESMGR_SHUTDOWN_PHASE_VERIFY: the check that nothing is left
 * @RESMGR_SHUTDOWN_PHASE_DONE: the shutdown finished
 *
 * The phases of a [class@ResmgrGtk.ApplicationShutdown], in order.
 *
 * Since: 0.1
 */
typedef enum {
  RESMGR_SHUTDOWN_PHASE_NONE,
  RESMGR_SHUTDOWN_PHASE_WORKERS,
  RESMGR_SHUTDOWN_PHASE_SOURCES,
  RESMGR_SHUTDOWN_PHASE_GL,
  RESMGR_SHUTDOWN_PHASE_WINDOWS,
  RESMGR_SHUTDOWN_PHASE_REST,
  RESMGR_SHUTDOWN_PHASE_VERIFY,
  RESMGR_SHUTDOWN_PHASE_DONE,
} ResmgrShutdownPhase;

#define RESMGR_TYPE_APPLICATION_SHUTDOWN (resmgr_application_shutdown_get_type ())

RESMGR_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (ResmgrApplicationShutdown, resmgr_application_shutdown,
                      RESMGR, APPLICATION_SHUTDOWN, GObject)

RESMGR_AVAILABLE_IN_ALL
ResmgrApplicationShutdown *resmgr_application_attach                       (GtkApplication            *application,
                                                                           ResmgrService             *service);
RESMGR_AVAILABLE_IN_ALL
ResmgrApplicationShutdown *resmgr_application_get_shutdown                 (GtkApplication            *application);

RESMGR_AVAILABLE_IN_ALL
GtkApplication            *resmgr_application_shutdown_dup_application     (ResmgrApplicationShutdown *self) G_GNUC_WARN_UNUSED_RESULT;
RESMGR_AVAILABLE_IN_ALL
ResmgrService             *resmgr_application_shutdown_get_service         (ResmgrApplicationShutdown *self);
RESMGR_AVAILABLE_IN_ALL
void                       resmgr_application_shutdown_set_phase_timeout   (ResmgrApplicationShutdown *self,
                                                                           ResmgrShutdownPhase        phase,
                                                                           guint                      timeout_ms);
RESMGR_AVAILABLE_IN_ALL
guint                      resmgr_application_shutdown_get_phase_timeout   (ResmgrApplicationShutdown *self,
                                                                           ResmgrShutdownPhase        phase);
RESMGR_AVAILABLE_IN_ALL
void                       resmgr_application_shutdown_set_report_path     (ResmgrApplicationShutdown *self,
                                                                           const char                *path);
RESMGR_AVAILABLE_IN_ALL
const char                *resmgr_application_shutdown_get_report_path     (ResmgrApplicationShutdown *self);

RESMGR_AVAILABLE_IN_ALL
void                       resmgr_application_shutdown_start               (ResmgrApplicationShutdown *self);
RESMGR_AVAILABLE_IN_ALL
ResmgrShutdownPhase        resmgr_application_shutdown_get_phase           (ResmgrApplicationShutdown *self);
RESMGR_AVAILABLE_IN_ALL
gboolean                   resmgr_application_shutdown_is_running          (ResmgrApplicationShutdown *self);
RESMGR_AVAILABLE_IN_ALL
gboolean                   resmgr_application_shutdown_is_holding          (ResmgrApplicationShutdown *self);

RESMGR_AVAILABLE_IN_ALL
ResmgrCleanupReport       *resmgr_application_shutdown_get_report          (ResmgrApplicationShutdown *self);
RESMGR_AVAILABLE_IN_ALL
guint                      resmgr_application_shutdown_get_n_phases        (ResmgrApplicationShutdown *self);
RESMGR_AVAILABLE_IN_ALL
ResmgrShutdownPhase        resmgr_application_shutdown_get_phase_record    (ResmgrApplicationShutdown *self,
                                                                           guint                      index,
                                                                           gint64                    *started_us,
                                                                           gint64                    *duration_us,
                                                                           gboolean                  *overran);
RESMGR_AVAILABLE_IN_ALL
char                     **resmgr_application_shutdown_dup_abandoned       (ResmgrApplicationShutdown *self) G_GNUC_WARN_UNUSED_RESULT;
RESMGR_AVAILABLE_IN_ALL
char                      *resmgr_application_shutdown_to_json             (ResmgrApplicationShutdown *self,
                                                                           gboolean                   pretty) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
