/* demo-thumbnail-controller.h: thumbnails of a folder's images, in workers, on a budget
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gtk/gtk.h>
#include <resmgr-gtk.h>

#include "demo-jobs-controller.h"

G_BEGIN_DECLS

#define DEMO_TYPE_THUMBNAIL (demo_thumbnail_get_type ())

G_DECLARE_FINAL_TYPE (DemoThumbnail, demo_thumbnail, DEMO, THUMBNAIL, GObject)

const char                *demo_thumbnail_get_name              (DemoThumbnail             *self);
const char                *demo_thumbnail_get_path              (DemoThumbnail             *self);
GdkTexture                *demo_thumbnail_get_texture           (DemoThumbnail             *self);
guint64                    demo_thumbnail_get_bytes             (DemoThumbnail             *self);
const char                *demo_thumbnail_get_error             (DemoThumbnail             *self);

#define DEMO_TYPE_THUMBNAIL_CONTROLLER (demo_thumbnail_controller_get_type ())

G_DECLARE_FINAL_TYPE (DemoThumbnailController, demo_thumbnail_controller, DEMO, THUMBNAIL_CONTROLLER, DemoJobsController)

/* The largest side of a thumbnail, in pixels. */
#define DEMO_THUMBNAIL_SIZE 128

DemoThumbnailController   *demo_thumbnail_controller_new            (ResmgrService             *service);
void                       demo_thumbnail_controller_load           (DemoThumbnailController   *self,
                                                                     GFile                     *folder);
void                       demo_thumbnail_controller_cancel         (DemoThumbnailController   *self);
GListModel                *demo_thumbnail_controller_get_thumbnails (DemoThumbnailController   *self);
GFile                     *demo_thumbnail_controller_get_folder     (DemoThumbnailController   *self);
guint64                    demo_thumbnail_controller_get_budget     (DemoThumbnailController   *self);
void                       demo_thumbnail_controller_set_budget     (DemoThumbnailController   *self,
                                                                     guint64                    budget);
guint64                    demo_thumbnail_controller_get_bytes      (DemoThumbnailController   *self);
guint                      demo_thumbnail_controller_get_n_images   (DemoThumbnailController   *self);
guint                      demo_thumbnail_controller_get_n_loaded   (DemoThumbnailController   *self);
guint                      demo_thumbnail_controller_get_n_failed   (DemoThumbnailController   *self);
guint                      demo_thumbnail_controller_get_n_evicted  (DemoThumbnailController   *self);

G_END_DECLS
