/* resmgr-controller-private.h: what the application shutdown needs of controllers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "resmgr.h"
#include "resmgr-private.h"

G_BEGIN_DECLS

/* The live controllers (constructed, not yet disposed) that track through
 * @service (any service if NULL), oldest first, as new references. Any
 * thread. */
_RESMGR_PRIVATE_API GPtrArray *_resmgr_controller_dup_live     (ResmgrService *service);

/* The process-wide registry of controllers: a GObject with the signals
 *   "busy-changed" (ResmgrController *controller, gboolean busy)
 *   "cleaned-up"   (ResmgrController *controller, ResmgrCleanupReport *report)
 * emitted on the controller's owner context only (a controller disposed on
 * another thread is cleaned, and emits, when its owner context runs).
 * Transfer none; lives for the process. */
_RESMGR_PRIVATE_API GObject   *_resmgr_controller_get_registry (void);

G_END_DECLS
