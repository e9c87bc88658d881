/* demo-thumbnail-tab.h: the Thumbnails tab
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "demo-thumbnail-controller.h"

G_BEGIN_DECLS

#define DEMO_TYPE_THUMBNAIL_TAB (demo_thumbnail_tab_get_type ())

G_DECLARE_FINAL_TYPE (DemoThumbnailTab, demo_thumbnail_tab, DEMO, THUMBNAIL_TAB, GtkWidget)

GtkWidget               *demo_thumbnail_tab_new            (void);
DemoThumbnailController *demo_thumbnail_tab_get_controller (GtkWidget *tab);

G_END_DECLS
