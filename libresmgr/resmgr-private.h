/* resmgr-private.h: internals shared across libresmgr/
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#define RESMGR_INSIDE
# include "resmgr-version-macros.h"
# include "resmgr-types.h"
# include "resmgr-enums.h"
# include "resmgr-handle.h"
# include "resmgr-stats.h"
# include "resmgr-cleanup-report.h"
# include "resmgr-service.h"
# include "resmgr-manager.h"
# include "resmgr-monitor.h"
# include "resmgr-monitor-component.h"
# include "resmgr-monitor-resource.h"
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

/* The one JSON writer: a report as an object where @builder stands, and
 * the text of what a builder built. */
_RESMGR_PRIVATE_API void                 _resmgr_cleanup_report_add_json     (ResmgrCleanupReport *self,
                                                          JsonBuilder         *builder);
_RESMGR_PRIVATE_API char                *_resmgr_json_builder_to_data        (JsonBuilder         *builder,
                                                          gboolean             pretty);

/* resmgr-manager.c: observers {{{
 *
 * A cheap private alternative to the service's GObject signals, for
 * listeners inside libresmgr (the monitor): plain function pointers called
 * with compact arguments, no ResmgrHandle built and no signal emitted.
 *
 * Callbacks run on the thread where the event happens (any thread: the one
 * that tracks, releases, cleans up, disposes a component or shuts down),
 * right after it happened, with no lock of the manager held. They must be
 * short and must not call back into the manager: appending to the
 * observer's own queue under its own short lock is the intended use. Events
 * of one thread arrive in the order they happened on it; events of
 * different threads may interleave in any order (a cleanup on one thread
 * racing with a track on another can even report the release of a resource
 * before its tracking).
 *
 * Pointers in the arguments are valid only for the call. A funcs member may
 * be NULL. Adding costs the manager's fast paths nothing when no observer
 * is attached (one relaxed atomic load per event).
 */
typedef struct
{
  guint64              id;
  guint32              component_serial;
  const char          *component_id;
  const char          *name;       /* nullable */
  gsize                size;
  gint64               created;
  int                  priority;
  ResmgrResourceType   type;
  ResmgrResourceState  state;      /* ACTIVE when tracked; the final one when released */
} ResmgrObservedResource;

typedef struct
{
  void (*component_registered) (gpointer                      data,
                                const char                   *component_id);
  void (*component_removed)    (gpointer                      data,
                                const char                   *component_id);
  void (*resource_tracked)     (gpointer                      data,
                                const ResmgrObservedResource *resource);
  void (*resource_released)    (gpointer                      data,
                                const ResmgrObservedResource *resource);
  void (*cleanup_finished)     (gpointer                      data,
                                ResmgrCleanupReport          *report);
} ResmgrObserverFuncs;

/* Returns an id (never 0) for _resmgr_manager_remove_observer (). @funcs is
 * copied. May be called from any thread, but not from an observer
 * callback. */
guint    _resmgr_manager_add_observer    (ResmgrManager             *self,
                                          const ResmgrObserverFuncs *funcs,
                                          gpointer                   data,
                                          GDestroyNotify             destroy);
/* Once this returned, an event that happens after it (on this thread, or
 * ordered after it by some synchronisation) no longer calls the observer;
 * an event racing with it on another thread may still call it. @destroy
 * runs once no call is running any more, on whichever thread finishes the
 * last one (or this one), with no lock held. May be called from any thread,
 * including from the observer's own callbacks. */
void     _resmgr_manager_remove_observer (ResmgrManager             *self,
                                          guint                      observer_id);
/* TRUE while the calling thread is inside a signal emission of @self made
 * by the manager itself (not by a g_signal_emit () of someone else), so an
 * observer that also listens to the signals can tell its events apart. */
gboolean _resmgr_manager_is_emitting     (ResmgrManager             *self);

/* }}} */

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
