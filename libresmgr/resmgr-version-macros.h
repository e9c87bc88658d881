/* resmgr-version-macros.h: export macros
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(RESMGR_INSIDE) && !defined(RESMGR_COMPILATION)
# error "Only <resmgr.h> can be included directly."
#endif

#include <glib.h>

#ifndef _RESMGR_EXTERN
# define _RESMGR_EXTERN extern
#endif

#define RESMGR_AVAILABLE_IN_ALL _RESMGR_EXTERN
