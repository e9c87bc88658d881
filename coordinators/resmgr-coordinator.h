/* resmgr-coordinator.h: one component's view of the service
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(RESMGR_INSIDE) && !defined(RESMGR_COMPILATION)
# error "Only <resmgr.h> can be included directly."
#endif

#include "resmgr-service.h"

G_BEGIN_DECLS

#define RESMGR_TYPE_COORDINATOR (resmgr_coordinator_get_type ())
#define RESMGR_TYPE_CHECKPOINT  (resmgr_checkpoint_get_type ())

RESMGR_AVAILABLE_IN_ALL
G_DECLARE_DERIVABLE_TYPE (ResmgrCoordinator, resmgr_coordinator, RESMGR, COORDINATOR, GObject)

/**
 * ResmgrCheckpoint:
 *
 * What a component held at one moment (the ids of its resources), from
 * [method@Resmgr.Coordinator.checkpoint], to compare later with
 * [method@Resmgr.Coordinator.diff]. Immutable and reference counted.
 *
 * Since: 0.1
 */
typedef struct _ResmgrCheckpoint ResmgrCheckpoint;

/**
 * ResmgrBoundFunc:
 * @target: the target, alive for the duration of the call
 * @user_data: (closure): the data given with the callback
 *
 * A callback bound to its owner: see [method@Resmgr.Coordinator.idle_add].
 *
 * Returns: %G_SOURCE_CONTINUE to be called again (idle and timeout
 *   callbacks), %G_SOURCE_REMOVE to stop
 *
 * Since: 0.1
 */
typedef gboolean (*ResmgrBoundFunc) (GObject  *target,
                                     gpointer  user_data);

/**
 * ResmgrCoordinatorClass::cleanup_resource:
 * @self: the coordinator
 * @type: the type the resource was tracked with
 * @resource: (type GObject): the resource given to
 *   [method@Resmgr.Coordinator.track]
 * @error: return location for a #GError
 *
 * Frees a resource tracked with [method@Resmgr.Coordinator.track], on the
 * owner context. The default handles #GSource (destroyed), #GCancellable
 * (cancelled), streams (closed), plain memory (g_free()) and any other
 * #GObject (unreffed). An override handles the types it knows and chains
 * up for the others.
 *
 * In a binding (`do_cleanup_resource`) @resource is an object, as bindings
 * track only objects with [method@Resmgr.Coordinator.track]: a coordinator
 * subclassed in a binding must not be given sources or buffers by C code.
 *
 * Returns: %TRUE on success, %FALSE with @error set; the failure is
 *   recorded in the cleanup report
 *
 * Since: 0.1
 */

/**
 * ResmgrCoordinatorClass::cleanup:
 * @self: the coordinator
 * @error: return location for a #GError
 *
 * The coordinator's own cleanup, registered with the service when it is
 * bound, at [struct@Resmgr.CoordinatorClass]`.cleanup_priority`; it runs
 * on the owner context within the component's cleanup, like a resource.
 * The default does nothing; [class@Resmgr.WorkerCoordinator] cancels and
 * waits for its jobs there. Chain up when overriding it (Python:
 * `do_cleanup`).
 *
 * Returns: %TRUE on success, %FALSE with @error set; the failure is
 *   recorded in the cleanup report
 *
 * Since: 0.1
 */

/**
 * ResmgrCoordinatorClass:
 * @parent_class: the parent class
 * @cleanup_resource: frees a resource tracked with
 *   resmgr_coordinator_track(), by type; the default handles #GSource
 *   (timers, sources), #GCancellable (workers: cancelled), streams (files:
 *   closed), plain memory (g_free()) and any other #GObject (unreffed)
 * @cleanup: the coordinator's own cleanup, registered at bind time at
 *   @cleanup_priority; the default does nothing
 * @cleanup_priority: the priority of @cleanup (default: that of
 *   %RESMGR_RESOURCE_TYPE_CUSTOM; a worker coordinator uses that of
 *   %RESMGR_RESOURCE_TYPE_WORKER)
 *
 * The class of coordinators; subclass it to change how resources are freed.
 *
 * Since: 0.1
 */
struct _ResmgrCoordinatorClass
{
  GObjectClass parent_class;

  gboolean (*cleanup_resource) (ResmgrCoordinator   *self,
                                ResmgrResourceType   type,
                                gpointer             resource,
                                GError             **error);
  gboolean (*cleanup)          (ResmgrCoordinator   *self,
                                GError             **error);
  int        cleanup_priority;

  /*< private >*/
  gpointer _reserved[8];
};

RESMGR_AVAILABLE_IN_ALL
ResmgrCoordinator   *resmgr_coordinator_new                 (ResmgrService        *service);
RESMGR_AVAILABLE_IN_ALL
gboolean             resmgr_coordinator_bind                (ResmgrCoordinator    *self,
                                                             GObject              *component,
                                                             const char           *id,
                                                             GError              **error);
RESMGR_AVAILABLE_IN_ALL
gboolean             resmgr_coordinator_is_bound            (ResmgrCoordinator    *self);
RESMGR_AVAILABLE_IN_ALL
ResmgrService       *resmgr_coordinator_get_service         (ResmgrCoordinator    *self);
RESMGR_AVAILABLE_IN_ALL
GObject             *resmgr_coordinator_dup_component       (ResmgrCoordinator    *self);
RESMGR_AVAILABLE_IN_ALL
const char          *resmgr_coordinator_get_component_id    (ResmgrCoordinator    *self);
RESMGR_AVAILABLE_IN_ALL
GMainContext        *resmgr_coordinator_get_context         (ResmgrCoordinator    *self);

RESMGR_AVAILABLE_IN_ALL
guint64              resmgr_coordinator_track               (ResmgrCoordinator    *self,
                                                             ResmgrResourceType    type,
                                                             const char           *name,
                                                             gsize                 size,
                                                             gpointer              resource,
                                                             GError              **error);
RESMGR_AVAILABLE_IN_ALL
guint64              resmgr_coordinator_track_data          (ResmgrCoordinator    *self,
                                                             ResmgrResourceType    type,
                                                             const char           *name,
                                                             gsize                 size,
                                                             int                   priority,
                                                             gpointer              data,
                                                             GDestroyNotify        destroy,
                                                             GError              **error);
RESMGR_AVAILABLE_IN_ALL
guint64              resmgr_coordinator_track_object        (ResmgrCoordinator    *self,
                                                             ResmgrResourceType    type,
                                                             const char           *name,
                                                             gsize                 size,
                                                             int                   priority,
                                                             GObject              *object,
                                                             ResmgrCleanupFunc     cleanup,
                                                             gpointer              user_data,
                                                             GDestroyNotify        user_data_destroy,
                                                             GError              **error);
RESMGR_AVAILABLE_IN_ALL
guint64              resmgr_coordinator_track_resource      (ResmgrCoordinator    *self,
                                                             ResmgrResourceType    type,
                                                             const char           *name,
                                                             gsize                 size,
                                                             int                   priority,
                                                             gpointer              resource,
                                                             ResmgrCleanupFunc     cleanup,
                                                             gpointer              user_data,
                                                             GDestroyNotify        user_data_destroy,
                                                             GError              **error);
RESMGR_AVAILABLE_IN_ALL
guint64              resmgr_coordinator_track_signal_handler (ResmgrCoordinator   *self,
                                                              gpointer             instance,
                                                              gulong               handler_id,
                                                              const char          *name,
                                                              GError             **error);
RESMGR_AVAILABLE_IN_ALL
ResmgrHandle        *resmgr_coordinator_lookup              (ResmgrCoordinator    *self,
                                                             guint64               id,
                                                             GError              **error) G_GNUC_WARN_UNUSED_RESULT;
RESMGR_AVAILABLE_IN_ALL
gboolean             resmgr_coordinator_release             (ResmgrCoordinator    *self,
                                                             guint64               id,
                                                             GError              **error);
RESMGR_AVAILABLE_IN_ALL
ResmgrCleanupReport *resmgr_coordinator_cleanup_all         (ResmgrCoordinator    *self,
                                                             GError              **error);
RESMGR_AVAILABLE_IN_ALL
GPtrArray           *resmgr_coordinator_dup_handles         (ResmgrCoordinator    *self) G_GNUC_WARN_UNUSED_RESULT;
RESMGR_AVAILABLE_IN_ALL
ResmgrStats         *resmgr_coordinator_dup_stats           (ResmgrCoordinator    *self) G_GNUC_WARN_UNUSED_RESULT;

RESMGR_AVAILABLE_IN_ALL
guint64              resmgr_coordinator_idle_add            (ResmgrCoordinator    *self,
                                                             const char           *name,
                                                             GObject              *target,
                                                             ResmgrBoundFunc       func,
                                                             gpointer              user_data,
                                                             GDestroyNotify        destroy);
RESMGR_AVAILABLE_IN_ALL
guint64              resmgr_coordinator_timeout_add         (ResmgrCoordinator    *self,
                                                             const char           *name,
                                                             guint                 interval_ms,
                                                             GObject              *target,
                                                             ResmgrBoundFunc       func,
                                                             gpointer              user_data,
                                                             GDestroyNotify        destroy);
RESMGR_AVAILABLE_IN_ALL
guint64              resmgr_coordinator_invoke              (ResmgrCoordinator    *self,
                                                             const char           *name,
                                                             GObject              *target,
                                                             ResmgrBoundFunc       func,
                                                             gpointer              user_data,
                                                             GDestroyNotify        destroy);

RESMGR_AVAILABLE_IN_ALL
ResmgrCheckpoint    *resmgr_coordinator_checkpoint          (ResmgrCoordinator    *self);
RESMGR_AVAILABLE_IN_ALL
void                 resmgr_coordinator_diff                (ResmgrCoordinator    *self,
                                                             ResmgrCheckpoint     *since,
                                                             GPtrArray           **gained,
                                                             GArray              **lost);
RESMGR_AVAILABLE_IN_ALL
gboolean             resmgr_coordinator_mark_process_lifetime (ResmgrCoordinator  *self,
                                                               guint64             id,
                                                               GError            **error);
RESMGR_AVAILABLE_IN_ALL
gboolean             resmgr_coordinator_is_process_lifetime (ResmgrCoordinator    *self,
                                                             guint64               id);

RESMGR_AVAILABLE_IN_ALL
GType                resmgr_checkpoint_get_type             (void) G_GNUC_CONST;
RESMGR_AVAILABLE_IN_ALL
ResmgrCheckpoint    *resmgr_checkpoint_ref                  (ResmgrCheckpoint     *self);
RESMGR_AVAILABLE_IN_ALL
void                 resmgr_checkpoint_unref                (ResmgrCheckpoint     *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ResmgrCheckpoint, resmgr_checkpoint_unref)

G_END_DECLS
