/* resmgr-resource-view.h: a live view of a monitor's components and resources
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

#define RESMGR_TYPE_RESOURCE_VIEW (resmgr_resource_view_get_type ())

RESMGR_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (ResmgrResourceView, resmgr_resource_view, RESMGR, RESOURCE_VIEW, GtkWidget)

RESMGR_AVAILABLE_IN_ALL
GtkWidget     *resmgr_resource_view_new         (ResmgrMonitor      *monitor);
RESMGR_AVAILABLE_IN_ALL
ResmgrMonitor *resmgr_resource_view_get_monitor (ResmgrResourceView *self);

RESMGR_AVAILABLE_IN_ALL
void           resmgr_inspector_page_register   (void);

G_END_DECLS
