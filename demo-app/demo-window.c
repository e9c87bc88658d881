/* demo-window.c
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "demo-checksum-tab.h"
#include "demo-gl-tab.h"
#include "demo-resources-tab.h"
#include "demo-tab-util.h"
#include "demo-thumbnail-tab.h"
#include "demo-window.h"

struct _DemoWindow
{
  GtkApplicationWindow  parent_instance;

  GtkWidget            *notebook;
  GtkWidget            *tabs[DEMO_N_TABS];
  GtkWidget            *pages[DEMO_N_TABS];
};

G_DEFINE_FINAL_TYPE (DemoWindow, demo_window, GTK_TYPE_APPLICATION_WINDOW)

static const char * const tab_names[DEMO_N_TABS] = {
  [DEMO_TAB_CHECKSUMS]  = "Checksums",
  [DEMO_TAB_THUMBNAILS] = "Thumbnails",
  [DEMO_TAB_GL]         = "GL view",
  [DEMO_TAB_RESOURCES]  = "Resources",
};

/* One line per tab: what resmgr does there. */
static const char * const tab_descriptions[DEMO_N_TABS] = {
  [DEMO_TAB_CHECKSUMS]  = "Each file is hashed in a worker job owned by this tab's controller. "
                          "Cancel, closing the window or quitting cancels the jobs and waits for "
                          "them before anything they use is freed.",
  [DEMO_TAB_THUMBNAILS] = "Each image is decoded in a worker job; resmgr tracks every thumbnail "
                          "as memory of this tab's controller, releases the oldest when the "
                          "budget is exceeded, and the rest when the tab goes.",
  [DEMO_TAB_GL]         = "resmgr tracks the view's GL objects and deletes them while their GL "
                          "context is current: the old buffers on Reallocate, the vertex array "
                          "and framebuffer when the view moves to another window (re-created "
                          "there), all of them when the tab goes.",
  [DEMO_TAB_RESOURCES]  = "What resmgr tracks in this process now: one component per tab "
                          "controller and its resources, memory over time, the report of every "
                          "cleanup, and leaks the monitor finds.",
};

const char *
demo_tab_get_name (DemoTab tab)
{
  g_return_val_if_fail (tab < DEMO_N_TABS, NULL);

  return tab_names[tab];
}

const char *
demo_tab_get_description (DemoTab tab)
{
  g_return_val_if_fail (tab < DEMO_N_TABS, NULL);

  return tab_descriptions[tab];
}

static void
new_window_clicked (DemoWindow *self)
{
  GtkApplication *application = gtk_window_get_application (GTK_WINDOW (self));

  gtk_window_present (GTK_WINDOW (demo_window_new (application)));
}

/* The header's title, and under it what the demo is built on. */
static GtkWidget *
title_new (void)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *title = gtk_label_new ("resmgr demo");
  GtkWidget *subtitle = gtk_label_new ("resmgr-gtk-1 (GTK 4, GL) on top of resmgr-1 (GLib only)");

  gtk_widget_set_valign (box, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (title, "title");
  gtk_widget_add_css_class (subtitle, "subtitle");
  gtk_widget_add_css_class (subtitle, "dim-label");
  gtk_label_set_ellipsize (GTK_LABEL (subtitle), PANGO_ELLIPSIZE_END);
  gtk_box_append (GTK_BOX (box), title);
  gtk_box_append (GTK_BOX (box), subtitle);

  return box;
}

static void
demo_window_class_init (DemoWindowClass *klass)
{
}

static void
demo_window_init (DemoWindow *self)
{
  GtkWidget *header = gtk_header_bar_new ();
  GtkWidget *button = gtk_button_new_with_label ("New window");

  g_signal_connect_swapped (button, "clicked", G_CALLBACK (new_window_clicked), self);
  gtk_header_bar_pack_start (GTK_HEADER_BAR (header), button);
  gtk_header_bar_set_title_widget (GTK_HEADER_BAR (header), title_new ());
  gtk_window_set_titlebar (GTK_WINDOW (self), header);
  gtk_window_set_title (GTK_WINDOW (self), "resmgr demo");
  gtk_window_set_default_size (GTK_WINDOW (self), 1120, 760);

  self->tabs[DEMO_TAB_CHECKSUMS] = demo_checksum_tab_new ();
  self->tabs[DEMO_TAB_THUMBNAILS] = demo_thumbnail_tab_new ();
  self->tabs[DEMO_TAB_GL] = demo_gl_tab_new ();
  self->tabs[DEMO_TAB_RESOURCES] = demo_resources_tab_new ();

  self->notebook = gtk_notebook_new ();
  for (guint i = 0; i < DEMO_N_TABS; i++)
    {
      self->pages[i] = demo_tab_page_new (self->tabs[i], tab_descriptions[i]);
      gtk_notebook_append_page (GTK_NOTEBOOK (self->notebook), self->pages[i],
                                gtk_label_new (tab_names[i]));
    }
  gtk_window_set_child (GTK_WINDOW (self), self->notebook);
}

DemoWindow *
demo_window_new (GtkApplication *application)
{
  return g_object_new (DEMO_TYPE_WINDOW, "application", application, NULL);
}

GtkWidget *
demo_window_get_tab (DemoWindow *self,
                     DemoTab     tab)
{
  g_return_val_if_fail (DEMO_IS_WINDOW (self), NULL);
  g_return_val_if_fail (tab < DEMO_N_TABS, NULL);

  return self->tabs[tab];
}

/* The page of @tab in the notebook: its description line above it. */
GtkWidget *
demo_window_get_page (DemoWindow *self,
                      DemoTab     tab)
{
  g_return_val_if_fail (DEMO_IS_WINDOW (self), NULL);
  g_return_val_if_fail (tab < DEMO_N_TABS, NULL);

  return self->pages[tab];
}

void
demo_window_show_tab (DemoWindow *self,
                      DemoTab     tab)
{
  g_return_if_fail (DEMO_IS_WINDOW (self));
  g_return_if_fail (tab < DEMO_N_TABS);

  gtk_notebook_set_current_page (GTK_NOTEBOOK (self->notebook), tab);
}
