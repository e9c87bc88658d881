/* demo-checksum-tab.h: the Checksums tab
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "demo-checksum-controller.h"

G_BEGIN_DECLS

#define DEMO_TYPE_CHECKSUM_TAB (demo_checksum_tab_get_type ())

G_DECLARE_FINAL_TYPE (DemoChecksumTab, demo_checksum_tab, DEMO, CHECKSUM_TAB, GtkWidget)

GtkWidget              *demo_checksum_tab_new            (void);
DemoChecksumController *demo_checksum_tab_get_controller (GtkWidget *tab);

G_END_DECLS
