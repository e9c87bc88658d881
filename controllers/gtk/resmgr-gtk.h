/* resmgr-gtk.h: the umbrella header of resmgr-gtk-1, the GTK 4 library
 *
 * What needs GTK or libepoxy: the GL coordinator and buffer pool, a
 * controller bound to its widget, the ordered shutdown of a GtkApplication,
 * the resource view and the GTK Inspector page. It builds on resmgr-1
 * (<resmgr.h>), never the reverse.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gtk/gtk.h>
#include <resmgr.h>

#define RESMGR_GTK_INSIDE
# include "resmgr-gtk-enums.h"
# include "resmgr-gl-coordinator.h"
# include "resmgr-gl-buffer-pool.h"
# include "resmgr-controller-gtk.h"
# include "resmgr-application-shutdown.h"
# include "resmgr-resource-view.h"
#undef RESMGR_GTK_INSIDE
