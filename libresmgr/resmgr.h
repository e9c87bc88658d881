/* resmgr.h: the umbrella header of resmgr-1, the GLib-only library
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#define RESMGR_INSIDE
# include "resmgr-version.h"
# include "resmgr-types.h"
# include "resmgr-enums.h"
# include "resmgr-handle.h"
# include "resmgr-stats.h"
# include "resmgr-cleanup-report.h"
# include "resmgr-service.h"
# include "resmgr-observer.h"
# include "resmgr-manager.h"
# include "resmgr-monitor.h"
# include "resmgr-monitor-component.h"
# include "resmgr-monitor-resource.h"
# include "resmgr-test-service.h"
# include "resmgr-coordinator.h"
# include "resmgr-worker.h"
# include "resmgr-worker-coordinator.h"
# include "resmgr-controller.h"
#undef RESMGR_INSIDE
