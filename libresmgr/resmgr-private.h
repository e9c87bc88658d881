/* resmgr-private.h: internals shared across libresmgr/
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "resmgr.h"

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
ResmgrHandle *_resmgr_handle_new (guint64              id,
                                  ResmgrResourceType   type,
                                  const char          *name,
                                  const char          *component_id,
                                  gsize                size,
                                  int                  priority,
                                  gint64               created,
                                  ResmgrResourceState  state,
                                  GVariant            *metadata);
ResmgrHandle *_resmgr_handle_copy_with_state (const ResmgrHandle  *self,
                                              ResmgrResourceState  state);

/* resmgr-cleanup-report.c: a report is built by one thread, then frozen */
ResmgrCleanupReport *_resmgr_cleanup_report_new          (const char          *scope);
void                 _resmgr_cleanup_report_begin_phase  (ResmgrCleanupReport *self,
                                                          int                  priority);
void                 _resmgr_cleanup_report_end_phase    (ResmgrCleanupReport *self);
void                 _resmgr_cleanup_report_add_released (ResmgrCleanupReport *self);
void                 _resmgr_cleanup_report_add_lost     (ResmgrCleanupReport *self);
void                 _resmgr_cleanup_report_add_failure  (ResmgrCleanupReport *self,
                                                          ResmgrHandle        *handle,
                                                          GError              *error);
void                 _resmgr_cleanup_report_add_leftover (ResmgrCleanupReport *self,
                                                          ResmgrHandle        *handle);
void                 _resmgr_cleanup_report_merge        (ResmgrCleanupReport *self,
                                                          ResmgrCleanupReport *other);
void                 _resmgr_cleanup_report_set_timed_out (ResmgrCleanupReport *self,
                                                           gboolean             timed_out);
void                 _resmgr_cleanup_report_finish       (ResmgrCleanupReport *self);

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
