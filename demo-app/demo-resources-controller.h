/* demo-resources-controller.h: owns the live resource monitor
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <resmgr-gtk.h>

G_BEGIN_DECLS

#define DEMO_TYPE_RESOURCES_CONTROLLER (demo_resources_controller_get_type ())

G_DECLARE_FINAL_TYPE (DemoResourcesController, demo_resources_controller, DEMO, RESOURCES_CONTROLLER, ResmgrController)

DemoResourcesController *demo_resources_controller_new         (void);
ResmgrMonitor           *demo_resources_controller_get_monitor (DemoResourcesController *self);
GListModel              *demo_resources_controller_get_history (DemoResourcesController *self);
GListModel              *demo_resources_controller_get_leaks   (DemoResourcesController *self);
char                    *demo_resources_controller_dup_totals  (DemoResourcesController *self);

G_END_DECLS
