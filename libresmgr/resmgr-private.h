/* resmgr-private.h: internals shared across libresmgr/
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#define RESMGR_INSIDE
# include "resmgr-version.h"
# include "resmgr-types.h"
# include "resmgr-enums.h"
# include "resmgr-handle.h"
# include "resmgr-stats.h"
# include "resmgr-cleanup-report.h"
# include "resmgr-service.h"
# include "resmgr-observer.h"
# include "resmgr-manager.h"
# include "resmgr-monitor.h"
# include "resmgr-monitor-component.h"
# include "resmgr-monitor-resource.h"
# include "resmgr-test-service.h"
#undef RESMGR_INSIDE

#include <json-glib/json-glib.h>

#include "resmgr-dispatch-private.h"

G_BEGIN_DECLS

/* A heap GWeakRef, the data of a source whose callback needs an object
 * that may be gone by then (upgrade it with g_weak_ref_get ()). */
static inline GWeakRef *
_resmgr_weak_ref_new (gpointer object)
{
  GWeakRef *ref = g_new (GWeakRef, 1);

  g_weak_ref_init (ref, object);

  return ref;
}

static inline void
_resmgr_weak_ref_free (gpointer data)
{
  g_weak_ref_clear (data);
  g_free (data);
}

/* resmgr-handle.c */
_RESMGR_PRIVATE_API
ResmgrHandle *_resmgr_handle_new (guint64              id,
                                  ResmgrResourceType   type,
                                  const char          *name,
                                  const char          *component_id,
                                  gsize                size,
                                  int                  priority,
                                  gint64               created,
                                  ResmgrResourceState  state,
                                  GVariant            *metadata);
_RESMGR_PRIVATE_API
ResmgrHandle *_resmgr_handle_copy_with_state (const ResmgrHandle  *self,
                                              ResmgrResourceState  state);

/* resmgr-cleanup-report.c: a report is built by one thread, then frozen */
_RESMGR_PRIVATE_API ResmgrCleanupReport *_resmgr_cleanup_report_new          (const char          *scope);
_RESMGR_PRIVATE_API void                 _resmgr_cleanup_report_begin_phase  (ResmgrCleanupReport *self,
                                                          int                  priority);
_RESMGR_PRIVATE_API void                 _resmgr_cleanup_report_end_phase    (ResmgrCleanupReport *self);
_RESMGR_PRIVATE_API void                 _resmgr_cleanup_report_add_released (ResmgrCleanupReport *self);
_RESMGR_PRIVATE_API void                 _resmgr_cleanup_report_add_lost     (ResmgrCleanupReport *self);
_RESMGR_PRIVATE_API void                 _resmgr_cleanup_report_add_failure  (ResmgrCleanupReport *self,
                                                          ResmgrHandle        *handle,
                                                          GError              *error);
_RESMGR_PRIVATE_API void                 _resmgr_cleanup_report_add_leftover (ResmgrCleanupReport *self,
                                                          ResmgrHandle        *handle);
_RESMGR_PRIVATE_API void                 _resmgr_cleanup_report_add_leftover_with_reason (ResmgrCleanupReport *self,
                                                                      ResmgrHandle        *handle,
                                                                      const char          *reason);
_RESMGR_PRIVATE_API void                 _resmgr_cleanup_report_add_overrun  (ResmgrCleanupReport *self,
                                                          ResmgrHandle        *handle,
                                                          gint64               running_us);
_RESMGR_PRIVATE_API void                 _resmgr_cleanup_report_merge        (ResmgrCleanupReport *self,
                                                          ResmgrCleanupReport *other);
_RESMGR_PRIVATE_API void                 _resmgr_cleanup_report_set_timed_out (ResmgrCleanupReport *self,
                                                           gboolean             timed_out);
_RESMGR_PRIVATE_API void                 _resmgr_cleanup_report_finish       (ResmgrCleanupReport *self);
_RESMGR_PRIVATE_API gboolean             _resmgr_cleanup_report_is_empty     (ResmgrCleanupReport *self);

/* resmgr-types.c: the nick of an enum value ("unknown" if none). */
_RESMGR_PRIVATE_API const char          *_resmgr_enum_nick                   (GType                type,
                                                          int                  value);

/* The one JSON writer: a report as an object where @builder stands, and
 * the text of what a builder built. Every document resmgr writes begins
 * with _resmgr_json_begin_document (): its object with `version`
 * (RESMGR_REPORT_VERSION) and `kind`, as docs/report.schema.json names
 * them. Change the version with the schema, when a key changes. */
#define RESMGR_REPORT_VERSION 1
_RESMGR_PRIVATE_API void                 _resmgr_json_begin_document         (JsonBuilder         *builder,
                                                          const char          *kind);
_RESMGR_PRIVATE_API void                 _resmgr_cleanup_report_add_json     (ResmgrCleanupReport *self,
                                                          JsonBuilder         *builder);
_RESMGR_PRIVATE_API char                *_resmgr_json_builder_to_data        (JsonBuilder         *builder,
                                                          gboolean             pretty);

/* resmgr-observer.c: the number of services with an observer attached.
 * While it is 0, a service has nobody to notify (one relaxed load). */
extern int _resmgr_n_observed;

static inline gboolean
_resmgr_service_observed (void)
{
  return G_UNLIKELY (__atomic_load_n (&_resmgr_n_observed, __ATOMIC_RELAXED) != 0);
}

/* Where the observers of a service are: in its qdata, or embedded in a
 * service that notifies on hot paths (the manager), which passes it to the
 * _resmgr_notify_* () functions. Opaque outside resmgr-observer.c. */
typedef struct
{
  GMutex   mutex;
  gpointer set;
} ResmgrObserverSlot;

void _resmgr_observer_slot_init  (ResmgrObserverSlot *slot,
                                  gpointer            service);
void _resmgr_observer_slot_clear (ResmgrObserverSlot *slot);

/* The resmgr_service_notify_* () functions without their argument checks,
 * for a service's hot paths, with the service's slot. */
void _resmgr_notify_component_registered (ResmgrObserverSlot           *slot,
                                          const char                   *component_id);
void _resmgr_notify_component_removed    (ResmgrObserverSlot           *slot,
                                          const char                   *component_id);
void _resmgr_notify_resource_tracked     (ResmgrObserverSlot           *slot,
                                          const ResmgrObservedResource *resource);
void _resmgr_notify_resource_released    (ResmgrObserverSlot           *slot,
                                          const ResmgrObservedResource *resource);
void _resmgr_notify_cleanup_finished     (ResmgrObserverSlot           *slot,
                                          ResmgrCleanupReport          *report);

/* resmgr-manager.c: a ResmgrCoordinator on a manager holds the record of
 * its component and tracks and releases through it, with no table lookup
 * and no weak-reference upgrade; the record knows whether the component
 * was disposed and is never reused. resmgr_coordinator_release () checks
 * the owner without making a handle. */
typedef struct _ResmgrComponentRecord ResmgrComponentRecord;

ResmgrComponentRecord *_resmgr_manager_hold_component (ResmgrManager *self,
                                                       GObject       *component);
void        _resmgr_component_record_unref  (ResmgrComponentRecord *record);
const char *_resmgr_component_record_get_id (ResmgrComponentRecord *record);
guint64  _resmgr_manager_track_data_held     (ResmgrManager          *self,
                                              ResmgrComponentRecord  *record,
                                              ResmgrResourceType      type,
                                              const char             *name,
                                              gsize                   size,
                                              int                     priority,
                                              gpointer                data,
                                              GDestroyNotify          destroy,
                                              GError                **error);
guint64  _resmgr_manager_track_object_held   (ResmgrManager          *self,
                                              ResmgrComponentRecord  *record,
                                              ResmgrResourceType      type,
                                              const char             *name,
                                              gsize                   size,
                                              int                     priority,
                                              GObject                *object,
                                              ResmgrCleanupFunc       cleanup,
                                              gpointer                user_data,
                                              GDestroyNotify          user_data_destroy,
                                              GError                **error);
guint64  _resmgr_manager_track_resource_held (ResmgrManager          *self,
                                              ResmgrComponentRecord  *record,
                                              ResmgrResourceType      type,
                                              const char             *name,
                                              gsize                   size,
                                              int                     priority,
                                              gpointer                resource,
                                              ResmgrCleanupFunc       cleanup,
                                              gpointer                user_data,
                                              GDestroyNotify          user_data_destroy,
                                              GError                **error);
gboolean _resmgr_manager_release_held        (ResmgrManager          *self,
                                              ResmgrComponentRecord  *record,
                                              guint64                 id,
                                              GError                **error);

/* resmgr-manager.c, for tests only: when set, a component's disposal
 * cleanup calls it on the owner context, with no lock held, after claiming
 * and running what it could and before marking the component finished
 * (from then on, what another operation gives back is an orphan: see
 * unclaim ()), so that a test can give claims back in that window. NULL
 * outside tests; set it before any thread may dispose a component. */
extern void (*_resmgr_manager_test_disposal_hook) (const char *component_id);

/* resmgr-stats.c */
struct _ResmgrStats
{
  guint64 count[RESMGR_N_RESOURCE_TYPES];
  guint64 bytes[RESMGR_N_RESOURCE_TYPES];
  guint64 total_tracked;
  guint64 total_released;
  guint64 total_failed;
  guint64 total_lost;
  guint64 peak_resources;
  guint64 peak_bytes;
  guint   n_components;
  guint   peak_components;
};

G_END_DECLS
