/* resmgr-manager.h: the thread-safe default service
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(RESMGR_INSIDE) && !defined(RESMGR_COMPILATION)
# error "Only <resmgr.h> can be included directly."
#endif

#include "resmgr-service.h"

G_BEGIN_DECLS

#define RESMGR_TYPE_MANAGER (resmgr_manager_get_type ())

RESMGR_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (ResmgrManager, resmgr_manager, RESMGR, MANAGER, GObject)

RESMGR_AVAILABLE_IN_ALL
ResmgrManager *resmgr_manager_new               (void);
RESMGR_AVAILABLE_IN_ALL
GMainContext  *resmgr_manager_get_context       (ResmgrManager *self);

G_END_DECLS
