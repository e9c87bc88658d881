/* resmgr-service.h: the contract coordinators use
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(RESMGR_INSIDE) && !defined(RESMGR_COMPILATION)
# error "Only <resmgr.h> can be included directly."
#endif

#include <gio/gio.h>

#include "resmgr-types.h"

G_BEGIN_DECLS

#define RESMGR_TYPE_SERVICE (resmgr_service_get_type ())

RESMGR_AVAILABLE_IN_ALL
G_DECLARE_INTERFACE (ResmgrService, resmgr_service, RESMGR, SERVICE, GObject)

/**
 * ResmgrServiceInterface:
 * @register_component: virtual method for resmgr_service_register_component()
 * @track_data: virtual method for resmgr_service_track_data()
 * @track_object: virtual method for resmgr_service_track_object()
 * @track_resource: virtual method for resmgr_service_track_resource()
 * @add_cleanup: virtual method for resmgr_service_add_cleanup()
 * @set_metadata: virtual method for resmgr_service_set_metadata()
 * @release: virtual method for resmgr_service_release()
 * @lookup: virtual method for resmgr_service_lookup()
 * @cleanup_component: virtual method for resmgr_service_cleanup_component()
 * @cleanup_component_async: virtual method for resmgr_service_cleanup_component_async()
 * @cleanup_component_finish: virtual method for resmgr_service_cleanup_component_finish()
 * @shutdown: virtual method for resmgr_service_shutdown()
 * @shutdown_async: virtual method for resmgr_service_shutdown_async()
 * @shutdown_finish: virtual method for resmgr_service_shutdown_finish()
 * @is_shutting_down: virtual method for resmgr_service_is_shutting_down()
 * @get_deadline: virtual method for resmgr_service_get_deadline()
 * @dup_stats: virtual method for resmgr_service_dup_stats()
 * @dup_component_id: virtual method for resmgr_service_dup_component_id()
 * @dup_handles: virtual method for resmgr_service_dup_handles()
 * @dup_component_ids: virtual method for resmgr_service_dup_component_ids()
 * @cleanup_phase: virtual method for resmgr_service_cleanup_phase(); the
 *   default releases the resources [vfunc@Resmgr.Service.dup_handles]
 *   lists, with [vfunc@Resmgr.Service.release], on the calling thread
 * @cleanup_phase_async: virtual method for
 *   resmgr_service_cleanup_phase_async(); the default runs
 *   [vfunc@Resmgr.Service.cleanup_phase] and returns its report
 * @cleanup_phase_finish: virtual method for
 *   resmgr_service_cleanup_phase_finish()
 * @dup_component_stats: virtual method for resmgr_service_dup_component_stats();
 *   %NULL counts the handles of resmgr_service_dup_handles()
 *
 * The interface of a resource service.
 *
 * Services are implemented in C ([class@Resmgr.Manager], the test
 * service): `track_data` and `track_resource` take raw pointers, so a
 * binding cannot implement the interface; bindings use the services.
 *
 * Since: 0.1
 */
struct _ResmgrServiceInterface
{
  GTypeInterface parent_iface;

  gboolean             (*register_component)       (ResmgrService        *self,
                                                    GObject              *component,
                                                    const char           *id,
                                                    GError              **error);
  guint64              (*track_data)               (ResmgrService        *self,
                                                    GObject              *component,
                                                    ResmgrResourceType    type,
                                                    const char           *name,
                                                    gsize                 size,
                                                    int                   priority,
                                                    gpointer              data,
                                                    GDestroyNotify        destroy,
                                                    GError              **error);
  guint64              (*track_object)             (ResmgrService        *self,
                                                    GObject              *component,
                                                    ResmgrResourceType    type,
                                                    const char           *name,
                                                    gsize                 size,
                                                    int                   priority,
                                                    GObject              *object,
                                                    ResmgrCleanupFunc     cleanup,
                                                    gpointer              user_data,
                                                    GDestroyNotify        user_data_destroy,
                                                    GError              **error);
  guint64              (*track_resource)           (ResmgrService        *self,
                                                    GObject              *component,
                                                    ResmgrResourceType    type,
                                                    const char           *name,
                                                    gsize                 size,
                                                    int                   priority,
                                                    gpointer              resource,
                                                    ResmgrCleanupFunc     cleanup,
                                                    gpointer              user_data,
                                                    GDestroyNotify        user_data_destroy,
                                                    GError              **error);
  guint64              (*add_cleanup)              (ResmgrService        *self,
                                                    GObject              *component,
                                                    const char           *name,
                                                    int                   priority,
                                                    ResmgrCleanupFunc     cleanup,
                                                    gpointer              user_data,
                                                    GDestroyNotify        user_data_destroy,
                                                    GError              **error);
  gboolean             (*set_metadata)             (ResmgrService        *self,
                                                    guint64               id,
                                                    GVariant             *metadata,
                                                    GError              **error);
  gboolean             (*release)                  (ResmgrService        *self,
                                                    guint64               id,
                                                    GError              **error);
  ResmgrHandle        *(*lookup)                   (ResmgrService        *self,
                                                    guint64               id,
                                                    GError              **error);
  ResmgrCleanupReport *(*cleanup_component)        (ResmgrService        *self,
                                                    GObject              *component,
                                                    GError              **error);
  void                 (*cleanup_component_async)  (ResmgrService        *self,
                                                    GObject              *component,
                                                    GCancellable         *cancellable,
                                                    GAsyncReadyCallback   callback,
                                                    gpointer              user_data);
  ResmgrCleanupReport *(*cleanup_component_finish) (ResmgrService        *self,
                                                    GAsyncResult         *result,
                                                    GError              **error);
  ResmgrCleanupReport *(*shutdown)                 (ResmgrService        *self,
                                                    guint                 timeout_ms,
                                                    GError              **error);
  void                 (*shutdown_async)           (ResmgrService        *self,
                                                    guint                 timeout_ms,
                                                    GCancellable         *cancellable,
                                                    GAsyncReadyCallback   callback,
                                                    gpointer              user_data);
  ResmgrCleanupReport *(*shutdown_finish)          (ResmgrService        *self,
                                                    GAsyncResult         *result,
                                                    GError              **error);
  gboolean             (*is_shutting_down)         (ResmgrService        *self);
  gint64               (*get_deadline)             (ResmgrService        *self);
  ResmgrStats         *(*dup_stats)                (ResmgrService        *self);
  char                *(*dup_component_id)         (ResmgrService        *self,
                                                    GObject              *component);
  GPtrArray           *(*dup_handles)              (ResmgrService        *self,
                                                    const char           *component_id);
  char               **(*dup_component_ids)        (ResmgrService        *self);
  ResmgrCleanupReport *(*cleanup_phase)            (ResmgrService        *self,
                                                    int                   min_priority,
                                                    guint                 timeout_ms,
                                                    GError              **error);
  void                 (*cleanup_phase_async)      (ResmgrService        *self,
                                                    int                   min_priority,
                                                    guint                 timeout_ms,
                                                    GCancellable         *cancellable,
                                                    GAsyncReadyCallback   callback,
                                                    gpointer              user_data);
  ResmgrCleanupReport *(*cleanup_phase_finish)     (ResmgrService        *self,
                                                    GAsyncResult         *result,
                                                    GError              **error);
  ResmgrStats         *(*dup_component_stats)      (ResmgrService        *self,
                                                    const char           *component_id);

  /*< private >*/
  gpointer _reserved[2];
};

RESMGR_AVAILABLE_IN_ALL
ResmgrService       *resmgr_service_get_default               (void);
RESMGR_AVAILABLE_IN_ALL
gboolean             resmgr_service_register_component        (ResmgrService        *self,
                                                               GObject              *component,
                                                               const char           *id,
                                                               GError              **error);
RESMGR_AVAILABLE_IN_ALL
guint64              resmgr_service_track_data                (ResmgrService        *self,
                                                               GObject              *component,
                                                               ResmgrResourceType    type,
                                                               const char           *name,
                                                               gsize                 size,
                                                               int                   priority,
                                                               gpointer              data,
                                                               GDestroyNotify        destroy,
                                                               GError              **error);
RESMGR_AVAILABLE_IN_ALL
guint64              resmgr_service_track_object              (ResmgrService        *self,
                                                               GObject              *component,
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
guint64              resmgr_service_track_resource            (ResmgrService        *self,
                                                               GObject              *component,
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
guint64              resmgr_service_add_cleanup               (ResmgrService        *self,
                                                               GObject              *component,
                                                               const char           *name,
                                                               int                   priority,
                                                               ResmgrCleanupFunc     cleanup,
                                                               gpointer              user_data,
                                                               GDestroyNotify        user_data_destroy,
                                                               GError              **error);
RESMGR_AVAILABLE_IN_ALL
gboolean             resmgr_service_set_metadata              (ResmgrService        *self,
                                                               guint64               id,
                                                               GVariant             *metadata,
                                                               GError              **error);
RESMGR_AVAILABLE_IN_ALL
gboolean             resmgr_service_release                   (ResmgrService        *self,
                                                               guint64               id,
                                                               GError              **error);
RESMGR_AVAILABLE_IN_ALL
ResmgrHandle        *resmgr_service_lookup                    (ResmgrService        *self,
                                                               guint64               id,
                                                               GError              **error);
RESMGR_AVAILABLE_IN_ALL
ResmgrCleanupReport *resmgr_service_cleanup_component         (ResmgrService        *self,
                                                               GObject              *component,
                                                               GError              **error);
RESMGR_AVAILABLE_IN_ALL
void                 resmgr_service_cleanup_component_async   (ResmgrService        *self,
                                                               GObject              *component,
                                                               GCancellable         *cancellable,
                                                               GAsyncReadyCallback   callback,
                                                               gpointer              user_data);
RESMGR_AVAILABLE_IN_ALL
ResmgrCleanupReport *resmgr_service_cleanup_component_finish  (ResmgrService        *self,
                                                               GAsyncResult         *result,
                                                               GError              **error);
RESMGR_AVAILABLE_IN_ALL
ResmgrCleanupReport *resmgr_service_shutdown                  (ResmgrService        *self,
                                                               guint                 timeout_ms,
                                                               GError              **error);
RESMGR_AVAILABLE_IN_ALL
void                 resmgr_service_shutdown_async            (ResmgrService        *self,
                                                               guint                 timeout_ms,
                                                               GCancellable         *cancellable,
                                                               GAsyncReadyCallback   callback,
                                                               gpointer              user_data);
RESMGR_AVAILABLE_IN_ALL
ResmgrCleanupReport *resmgr_service_shutdown_finish           (ResmgrService        *self,
                                                               GAsyncResult         *result,
                                                               GError              **error);
RESMGR_AVAILABLE_IN_ALL
ResmgrCleanupReport *resmgr_service_cleanup_phase             (ResmgrService        *self,
                                                               int                   min_priority,
                                                               guint                 timeout_ms,
                                                               GError              **error);
RESMGR_AVAILABLE_IN_ALL
void                 resmgr_service_cleanup_phase_async       (ResmgrService        *self,
                                                               int                   min_priority,
                                                               guint                 timeout_ms,
                                                               GCancellable         *cancellable,
                                                               GAsyncReadyCallback   callback,
                                                               gpointer              user_data);
RESMGR_AVAILABLE_IN_ALL
ResmgrCleanupReport *resmgr_service_cleanup_phase_finish      (ResmgrService        *self,
                                                               GAsyncResult         *result,
                                                               GError              **error);
RESMGR_AVAILABLE_IN_ALL
gboolean             resmgr_service_is_shutting_down          (ResmgrService        *self);
RESMGR_AVAILABLE_IN_ALL
gint64               resmgr_service_get_deadline              (ResmgrService        *self);
RESMGR_AVAILABLE_IN_ALL
ResmgrStats         *resmgr_service_dup_stats                 (ResmgrService        *self);
RESMGR_AVAILABLE_IN_ALL
char                *resmgr_service_dup_component_id          (ResmgrService        *self,
                                                               GObject              *component);
RESMGR_AVAILABLE_IN_ALL
GPtrArray           *resmgr_service_dup_handles               (ResmgrService        *self,
                                                               const char           *component_id) G_GNUC_WARN_UNUSED_RESULT;
RESMGR_AVAILABLE_IN_ALL
char               **resmgr_service_dup_component_ids         (ResmgrService        *self) G_GNUC_WARN_UNUSED_RESULT;
RESMGR_AVAILABLE_IN_ALL
ResmgrStats         *resmgr_service_dup_component_stats       (ResmgrService        *self,
                                                               const char           *component_id) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
