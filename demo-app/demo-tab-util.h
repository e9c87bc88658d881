/* demo-tab-util.h: what the demo's tabs share
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "demo-jobs-controller.h"

G_BEGIN_DECLS

/* Runs the tab's controller over the folder the user chose. */
typedef void (*DemoTabFolderFunc) (GtkWidget *tab,
                                   GFile     *folder);

/* The part of a tab (a GtkWidget with a bin layout) that these helpers
 * manage; the tab's instance struct holds it. */
typedef struct
{
  /* Read-only after construction: */
  GtkWidget            *tab;
  ResmgrService        *service;
  DemoJobsController   *controller;
  GtkWidget            *box;
  const char           *chooser_title;
  const char           *chooser_accept;
  DemoTabFolderFunc     folder_chosen;

  /* GTK thread only: */
  GtkFileChooserNative *chooser;
} DemoTabParts;

/* The properties demo_tab_class_setup() installs. */
enum {
  DEMO_TAB_PROP_0,
  DEMO_TAB_PROP_SERVICE,
  DEMO_TAB_PROP_CONTROLLER,
};

void        demo_tab_class_setup   (GtkWidgetClass     *widget_class,
                                    GType               controller_type);
void        demo_tab_get_property  (DemoTabParts       *parts,
                                    GObject            *object,
                                    guint               prop_id,
                                    GValue             *value,
                                    GParamSpec         *pspec);
void        demo_tab_set_property  (DemoTabParts       *parts,
                                    GObject            *object,
                                    guint               prop_id,
                                    const GValue       *value,
                                    GParamSpec         *pspec);
void        demo_tab_construct     (DemoTabParts       *parts,
                                    GtkWidget          *tab,
                                    gpointer            controller,
                                    GtkWidget         *(*build) (GtkWidget *tab));
void        demo_tab_dispose       (DemoTabParts       *parts);

GtkWidget  *demo_tab_build_top     (DemoTabParts       *parts,
                                    const char         *chooser_title,
                                    const char         *chooser_accept,
                                    DemoTabFolderFunc   folder_chosen,
                                    GtkWidget         **header,
                                    GtkWidget         **spinner,
                                    GtkWidget         **status);

void        demo_tab_bind_item     (GtkListItem        *item,
                                    gpointer            source,
                                    const char         *source_property,
                                    gpointer            target,
                                    const char         *target_property);
void        demo_tab_unbind_item   (GtkListItem        *item);

GtkWidget  *demo_tab_page_new      (GtkWidget          *tab,
                                    const char         *description);
GtkWidget  *demo_empty_state_new   (const char         *title,
                                    const char         *explanation);
GtkWidget  *demo_list_or_empty_new (GListModel         *model,
                                    GtkWidget          *list,
                                    GtkWidget          *empty_state);

G_END_DECLS
