/* demo-memory-plot.h: the process's memory over the monitor's history
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <resmgr-gtk.h>

G_BEGIN_DECLS

#define DEMO_TYPE_MEMORY_PLOT (demo_memory_plot_get_type ())

G_DECLARE_FINAL_TYPE (DemoMemoryPlot, demo_memory_plot, DEMO, MEMORY_PLOT, GtkWidget)

GtkWidget *demo_memory_plot_new (ResmgrMonitor *monitor);

G_END_DECLS
