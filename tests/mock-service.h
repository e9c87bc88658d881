/* mock-service.h: a service that leaves cleanup_phase to the interface
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <resmgr.h>

G_BEGIN_DECLS

#define MOCK_TYPE_SERVICE (mock_service_get_type ())
G_DECLARE_FINAL_TYPE (MockService, mock_service, MOCK, SERVICE, GObject)

/* Forwards to @inner (referenced), which records the calls. */
MockService *mock_service_new (ResmgrTestService *inner);

G_END_DECLS
