/* demo-window.h: the demo's window, four thin tabs
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

typedef enum {
  DEMO_TAB_CHECKSUMS,
  DEMO_TAB_THUMBNAILS,
  DEMO_TAB_GL,
  DEMO_TAB_RESOURCES,
  DEMO_N_TABS
} DemoTab;

#define DEMO_TYPE_WINDOW (demo_window_get_type ())

G_DECLARE_FINAL_TYPE (DemoWindow, demo_window, DEMO, WINDOW, GtkApplicationWindow)

DemoWindow *demo_window_new       (GtkApplication *application);
GtkWidget  *demo_window_get_tab   (DemoWindow     *self,
                                   DemoTab         tab);
GtkWidget  *demo_window_get_page  (DemoWindow     *self,
                                   DemoTab         tab);
void        demo_window_show_tab  (DemoWindow     *self,
                                   DemoTab         tab);
const char *demo_tab_get_name     (DemoTab         tab);
const char *demo_tab_get_description (DemoTab      tab);

G_END_DECLS
