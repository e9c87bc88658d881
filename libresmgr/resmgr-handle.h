/* resmgr-handle.h: immutable record of one tracked resource
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(RESMGR_INSIDE) && !defined(RESMGR_COMPILATION)
# error "Only <resmgr.h> can be included directly."
#endif

#include "resmgr-types.h"

G_BEGIN_DECLS

#define RESMGR_TYPE_HANDLE (resmgr_handle_get_type ())

RESMGR_AVAILABLE_IN_ALL
GType                resmgr_handle_get_type         (void) G_GNUC_CONST;
RESMGR_AVAILABLE_IN_ALL
ResmgrHandle        *resmgr_handle_ref              (ResmgrHandle *self);
RESMGR_AVAILABLE_IN_ALL
void                 resmgr_handle_unref            (ResmgrHandle *self);
RESMGR_AVAILABLE_IN_ALL
guint64              resmgr_handle_get_id           (const ResmgrHandle *self);
RESMGR_AVAILABLE_IN_ALL
ResmgrResourceType   resmgr_handle_get_resource_type (const ResmgrHandle *self);
RESMGR_AVAILABLE_IN_ALL
const char          *resmgr_handle_get_name         (const ResmgrHandle *self);
RESMGR_AVAILABLE_IN_ALL
const char          *resmgr_handle_get_component_id (const ResmgrHandle *self);
RESMGR_AVAILABLE_IN_ALL
gsize                resmgr_handle_get_size         (const ResmgrHandle *self);
RESMGR_AVAILABLE_IN_ALL
int                  resmgr_handle_get_priority     (const ResmgrHandle *self);
RESMGR_AVAILABLE_IN_ALL
gint64               resmgr_handle_get_created      (const ResmgrHandle *self);
RESMGR_AVAILABLE_IN_ALL
ResmgrResourceState  resmgr_handle_get_state        (const ResmgrHandle *self);
RESMGR_AVAILABLE_IN_ALL
GVariant            *resmgr_handle_get_metadata     (const ResmgrHandle *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ResmgrHandle, resmgr_handle_unref)

G_END_DECLS
