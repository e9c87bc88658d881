/* resmgr-controller.h: the base class of an application's controllers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(RESMGR_INSIDE) && !defined(RESMGR_COMPILATION)
# error "Only <resmgr.h> can be included directly."
#endif

#include "resmgr-coordinator.h"
#include "resmgr-worker-coordinator.h"

G_BEGIN_DECLS

#define RESMGR_TYPE_CONTROLLER (resmgr_controller_get_type ())

RESMGR_AVAILABLE_IN_ALL
G_DECLARE_DERIVABLE_TYPE (ResmgrController, resmgr_controller, RESMGR, CONTROLLER, GObject)

/**
 * ResmgrControllerClass::create_coordinator:
 * @self: the controller being constructed
 * @service: the service the controller tracks through
 *
 * Makes the controller's coordinator, once, at construction (before the
 * facets, which are made on demand). The default makes a plain
 * [class@Resmgr.Coordinator]. A controller that runs jobs returns a
 * [class@Resmgr.WorkerCoordinator], one that draws GL a
 * `ResmgrGLCoordinator`. Return a new coordinator of @service, not bound:
 * the controller binds it to itself. Python: `do_create_coordinator`.
 *
 * Returns: (transfer full): a new, unbound coordinator
 *
 * Since: 0.1
 */

/**
 * ResmgrControllerClass::cleaned_up:
 * @self: the controller
 * @report: the report of its cleanup
 *
 * The class handler of [signal@Resmgr.Controller::cleaned-up], run on the
 * owner context once the controller's resources were released, after the
 * signal's handlers (%G_SIGNAL_RUN_LAST). The default does nothing.
 * Python: `do_cleaned_up`.
 *
 * Since: 0.1
 */

/**
 * ResmgrControllerClass:
 * @parent_class: the parent class
 * @create_coordinator: makes the controller's coordinator for @service, at
 *   construction; the default makes a plain [class@Resmgr.Coordinator]. A
 *   controller that runs jobs returns a [class@Resmgr.WorkerCoordinator],
 *   one that draws GL a `ResmgrGLCoordinator`. Return a new,
 *   unbound coordinator: the controller binds it to itself.
 * @cleaned_up: class handler of [signal@Resmgr.Controller::cleaned-up]
 *
 * The class of controllers; an application subclasses it once per
 * controller.
 *
 * Since: 0.1
 */
struct _ResmgrControllerClass
{
  GObjectClass parent_class;

  ResmgrCoordinator *(*create_coordinator) (ResmgrController    *self,
                                            ResmgrService       *service);
  void               (*cleaned_up)         (ResmgrController    *self,
                                            ResmgrCleanupReport *report);

  /*< private >*/
  gpointer _reserved[8];
};

RESMGR_AVAILABLE_IN_ALL
ResmgrCoordinator       *resmgr_controller_get_resources          (ResmgrController *self);
RESMGR_AVAILABLE_IN_ALL
ResmgrCoordinator       *resmgr_controller_get_facet              (ResmgrController *self,
                                                                   GType             coordinator_type);
RESMGR_AVAILABLE_IN_ALL
ResmgrWorkerCoordinator *resmgr_controller_get_worker_coordinator (ResmgrController *self);
RESMGR_AVAILABLE_IN_ALL
ResmgrService           *resmgr_controller_get_service            (ResmgrController *self);
RESMGR_AVAILABLE_IN_ALL
const char              *resmgr_controller_get_id                 (ResmgrController *self);

RESMGR_AVAILABLE_IN_ALL
ResmgrCleanupReport     *resmgr_controller_cleanup                (ResmgrController *self) G_GNUC_WARN_UNUSED_RESULT;
RESMGR_AVAILABLE_IN_ALL
gboolean                 resmgr_controller_is_cleaned_up          (ResmgrController *self);
RESMGR_AVAILABLE_IN_ALL
ResmgrCleanupReport     *resmgr_controller_dup_report             (ResmgrController *self);

RESMGR_AVAILABLE_IN_ALL
gboolean                 resmgr_controller_get_busy               (ResmgrController *self);
RESMGR_AVAILABLE_IN_ALL
char                    *resmgr_controller_dup_status             (ResmgrController *self) G_GNUC_WARN_UNUSED_RESULT;
RESMGR_AVAILABLE_IN_ALL
void                     resmgr_controller_set_status             (ResmgrController *self,
                                                                   const char       *status);
RESMGR_AVAILABLE_IN_ALL
void                     resmgr_controller_set_status_printf      (ResmgrController *self,
                                                                   const char       *format,
                                                                   ...) G_GNUC_PRINTF (2, 3);

G_END_DECLS
