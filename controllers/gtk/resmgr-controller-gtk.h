/* resmgr-controller-gtk.h: a ResmgrController bound to the widget that shows it
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(RESMGR_GTK_INSIDE) && !defined(RESMGR_GTK_COMPILATION)
# error "Only <resmgr-gtk.h> can be included directly."
#endif

#include <gtk/gtk.h>
#include <resmgr.h>

#include "resmgr-gl-coordinator.h"

G_BEGIN_DECLS

RESMGR_AVAILABLE_IN_ALL
void                 resmgr_controller_bind_widget        (ResmgrController *controller,
                                                           GtkWidget        *widget);
RESMGR_AVAILABLE_IN_ALL
GtkWidget           *resmgr_controller_get_widget         (ResmgrController *controller);
RESMGR_AVAILABLE_IN_ALL
ResmgrGLCoordinator *resmgr_controller_get_gl_coordinator (ResmgrController *controller);

G_END_DECLS
