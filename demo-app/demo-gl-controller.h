/* demo-gl-controller.h: the controller behind the GL view tab
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <resmgr-gtk.h>

G_BEGIN_DECLS

/**
 * DemoGLObject:
 * @DEMO_GL_OBJECT_PROGRAM: the shader program (shareable)
 * @DEMO_GL_OBJECT_VERTEX_BUFFER: the vertex buffer (shareable, reallocated)
 * @DEMO_GL_OBJECT_INDEX_BUFFER: the index buffer (shareable, reallocated)
 * @DEMO_GL_OBJECT_TEXTURE: the texture of the decoded image (shareable,
 *   replaced by each image; none before the first)
 * @DEMO_GL_OBJECT_RENDERBUFFER: the offscreen colour buffer (shareable)
 * @DEMO_GL_OBJECT_VERTEX_ARRAY: the vertex array (container, re-created)
 * @DEMO_GL_OBJECT_FRAMEBUFFER: the offscreen framebuffer (container, re-created)
 *
 * The GL objects of the scene, for demo_gl_controller_get_gl_name().
 */
typedef enum {
  DEMO_GL_OBJECT_PROGRAM,
  DEMO_GL_OBJECT_VERTEX_BUFFER,
  DEMO_GL_OBJECT_INDEX_BUFFER,
  DEMO_GL_OBJECT_TEXTURE,
  DEMO_GL_OBJECT_RENDERBUFFER,
  DEMO_GL_OBJECT_VERTEX_ARRAY,
  DEMO_GL_OBJECT_FRAMEBUFFER,
} DemoGLObject;

#define DEMO_GL_N_OBJECTS (DEMO_GL_OBJECT_FRAMEBUFFER + 1)

#define DEMO_TYPE_GL_CONTROLLER (demo_gl_controller_get_type ())

G_DECLARE_FINAL_TYPE (DemoGLController, demo_gl_controller, DEMO, GL_CONTROLLER, ResmgrController)

DemoGLController *demo_gl_controller_new                 (void);

void              demo_gl_controller_attach_area         (DemoGLController *self,
                                                          GtkGLArea        *area);
GtkGLArea        *demo_gl_controller_get_area            (DemoGLController *self);

void              demo_gl_controller_load_image          (DemoGLController *self,
                                                          GFile            *file);
void              demo_gl_controller_cancel_load         (DemoGLController *self);
void              demo_gl_controller_reallocate          (DemoGLController *self);
void              demo_gl_controller_render_frames       (DemoGLController *self,
                                                          guint             n);

gboolean          demo_gl_controller_get_ready           (DemoGLController *self);
guint             demo_gl_controller_get_frames_rendered (DemoGLController *self);
guint             demo_gl_controller_get_frames_pending  (DemoGLController *self);
guint             demo_gl_controller_get_n_gl_objects    (DemoGLController *self);
guint64           demo_gl_controller_get_gl_bytes        (DemoGLController *self);
guint             demo_gl_controller_get_recreations     (DemoGLController *self);
guint             demo_gl_controller_get_reallocations   (DemoGLController *self);
gboolean          demo_gl_controller_get_animate         (DemoGLController *self);
void              demo_gl_controller_set_animate         (DemoGLController *self,
                                                          gboolean          animate);

GFile            *demo_gl_controller_get_image           (DemoGLController *self);
ResmgrWorker     *demo_gl_controller_get_decode_worker   (DemoGLController *self);
double            demo_gl_controller_get_decode_progress (DemoGLController *self);
guint             demo_gl_controller_get_texture_width   (DemoGLController *self);
guint             demo_gl_controller_get_texture_height  (DemoGLController *self);

guint             demo_gl_controller_get_gl_name         (DemoGLController *self,
                                                          DemoGLObject      object);

G_END_DECLS
