/* demo-scenario.h: a scripted run of every tab, for headless checks
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "demo-window.h"

G_BEGIN_DECLS

typedef struct _DemoScenario DemoScenario;

DemoScenario *demo_scenario_new       (const char    *name,
                                       const char    *screenshots_dir,
                                       GError       **error);
void          demo_scenario_run       (DemoScenario  *self,
                                       DemoWindow    *window);
gboolean      demo_scenario_succeeded (DemoScenario  *self);
void          demo_scenario_free      (DemoScenario  *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DemoScenario, demo_scenario_free)

G_END_DECLS
