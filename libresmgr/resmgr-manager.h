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

/**
 * RESMGR_MANAGER_DEFAULT_WAIT_TIMEOUT:
 *
 * The default of [property@Resmgr.Manager:wait-timeout], in milliseconds.
 *
 * Since: 0.1
 */
#define RESMGR_MANAGER_DEFAULT_WAIT_TIMEOUT 10000

RESMGR_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (ResmgrManager, resmgr_manager, RESMGR, MANAGER, GObject)

RESMGR_AVAILABLE_IN_ALL
ResmgrManager *resmgr_manager_new               (void);
RESMGR_AVAILABLE_IN_ALL
GMainContext  *resmgr_manager_get_context       (ResmgrManager *self);
RESMGR_AVAILABLE_IN_ALL
guint          resmgr_manager_get_wait_timeout  (ResmgrManager *self);
RESMGR_AVAILABLE_IN_ALL
void           resmgr_manager_set_wait_timeout  (ResmgrManager *self,
                                                 guint          timeout_ms);

G_END_DECLS
