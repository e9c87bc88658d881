/* demo-gl-tab.h: the GL view tab
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "demo-gl-controller.h"

G_BEGIN_DECLS

#define DEMO_TYPE_GL_TAB (demo_gl_tab_get_type ())

G_DECLARE_FINAL_TYPE (DemoGLTab, demo_gl_tab, DEMO, GL_TAB, GtkWidget)

GtkWidget        *demo_gl_tab_new            (void);
DemoGLController *demo_gl_tab_get_controller (DemoGLTab *tab);
GtkGLArea        *demo_gl_tab_get_area       (DemoGLTab *tab);
GtkWindow        *demo_gl_tab_get_window     (DemoGLTab *tab);

void              demo_gl_tab_move_to_window (DemoGLTab *tab);
void              demo_gl_tab_move_back      (DemoGLTab *tab);
gboolean          demo_gl_tab_get_detached   (DemoGLTab *tab);

G_END_DECLS
