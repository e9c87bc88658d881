/* demo-resources-tab.h: the live view of components and resources
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "demo-resources-controller.h"

G_BEGIN_DECLS

GtkWidget               *demo_resources_tab_new            (void);
DemoResourcesController *demo_resources_tab_get_controller (GtkWidget *tab);

G_END_DECLS
