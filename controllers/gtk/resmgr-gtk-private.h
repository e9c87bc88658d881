/* resmgr-gtk-private.h: internals of resmgr-gtk-1's controllers/gtk layer
 *
 * Includes the GTK library's umbrella and the internal API of resmgr-1 it
 * uses (exported for it with _RESMGR_PRIVATE_API). Nothing in resmgr-1
 * includes this header.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "resmgr-gtk.h"
#include "resmgr-private.h"
