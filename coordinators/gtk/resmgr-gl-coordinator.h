/* resmgr-gl-coordinator.h: GL objects freed while their context lives
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(RESMGR_GTK_INSIDE) && !defined(RESMGR_GTK_COMPILATION)
# error "Only <resmgr-gtk.h> can be included directly."
#endif

#include <gtk/gtk.h>

#include <resmgr.h>

G_BEGIN_DECLS

/**
 * ResmgrGLObjectKind:
 * @RESMGR_GL_OBJECT_TEXTURE: a texture (shareable)
 * @RESMGR_GL_OBJECT_BUFFER: a buffer object (shareable)
 * @RESMGR_GL_OBJECT_FRAMEBUFFER: a framebuffer (container: belongs to one context)
 * @RESMGR_GL_OBJECT_RENDERBUFFER: a renderbuffer (shareable)
 * @RESMGR_GL_OBJECT_VERTEX_ARRAY: a vertex array (container)
 * @RESMGR_GL_OBJECT_SHADER: a shader (shareable)
 * @RESMGR_GL_OBJECT_PROGRAM: a program (shareable)
 * @RESMGR_GL_OBJECT_SAMPLER: a sampler (shareable)
 * @RESMGR_GL_OBJECT_QUERY: a query (container)
 *
 * The kinds of GL object names a [class@ResmgrGtk.GLCoordinator] tracks.
 * Shareable objects live in the share group of their display and outlive
 * the context that made them; container objects belong to one context and
 * die with it.
 *
 * Since: 0.1
 */
typedef enum {
  RESMGR_GL_OBJECT_TEXTURE,
  RESMGR_GL_OBJECT_BUFFER,
  RESMGR_GL_OBJECT_FRAMEBUFFER,
  RESMGR_GL_OBJECT_RENDERBUFFER,
  RESMGR_GL_OBJECT_VERTEX_ARRAY,
  RESMGR_GL_OBJECT_SHADER,
  RESMGR_GL_OBJECT_PROGRAM,
  RESMGR_GL_OBJECT_SAMPLER,
  RESMGR_GL_OBJECT_QUERY,
} ResmgrGLObjectKind;

/**
 * ResmgrGLCreateFunc:
 * @context: the context to create the object in; it is current
 * @user_data: (closure): the data given when tracking
 * @error: return location for a #GError
 *
 * Creates (or re-creates) a GL object in @context, for
 * [method@ResmgrGtk.GLCoordinator.track_recreatable]: when it is tracked, and
 * again at each realize of an attached area whose unrealize deleted the
 * object (the area moved to another window). The new object starts empty
 * in a new context: set all its state here (vertex attributes, framebuffer
 * attachments), from shareable objects, which carry over.
 *
 * Returns: the new name, or 0 with @error set
 *
 * Since: 0.1
 */
typedef guint (*ResmgrGLCreateFunc) (GdkGLContext  *context,
                                     gpointer       user_data,
                                     GError       **error);

#define RESMGR_TYPE_GL_COORDINATOR (resmgr_gl_coordinator_get_type ())

RESMGR_AVAILABLE_IN_ALL
G_DECLARE_DERIVABLE_TYPE (ResmgrGLCoordinator, resmgr_gl_coordinator,
                          RESMGR, GL_COORDINATOR, ResmgrCoordinator)

/**
 * ResmgrGLCoordinatorClass:
 * @parent_class: the parent class
 *
 * The class of GL coordinators.
 *
 * Since: 0.1
 */
struct _ResmgrGLCoordinatorClass
{
  ResmgrCoordinatorClass parent_class;

  /*< private >*/
  gpointer _reserved[8];
};

RESMGR_AVAILABLE_IN_ALL
ResmgrGLCoordinator *resmgr_gl_coordinator_new              (ResmgrService        *service);
RESMGR_AVAILABLE_IN_ALL
guint64              resmgr_gl_coordinator_track            (ResmgrGLCoordinator  *self,
                                                             GdkGLContext         *context,
                                                             ResmgrGLObjectKind    kind,
                                                             guint                 name,
                                                             gsize                 size,
                                                             const char           *label,
                                                             GError              **error);
RESMGR_AVAILABLE_IN_ALL
guint64              resmgr_gl_coordinator_track_recreatable (ResmgrGLCoordinator *self,
                                                              GdkGLContext        *context,
                                                              ResmgrGLObjectKind   kind,
                                                              gsize                size,
                                                              const char          *label,
                                                              ResmgrGLCreateFunc   create,
                                                              gpointer             user_data,
                                                              GDestroyNotify       destroy,
                                                              GError             **error);
RESMGR_AVAILABLE_IN_ALL
guint                resmgr_gl_coordinator_get_name         (ResmgrGLCoordinator  *self,
                                                             guint64               id);
RESMGR_AVAILABLE_IN_ALL
GdkGLContext        *resmgr_gl_coordinator_get_context_for  (ResmgrGLCoordinator  *self,
                                                             guint64               id);
RESMGR_AVAILABLE_IN_ALL
gboolean             resmgr_gl_coordinator_release_many     (ResmgrGLCoordinator  *self,
                                                             const guint64        *ids,
                                                             guint                 n_ids,
                                                             GError              **error);
RESMGR_AVAILABLE_IN_ALL
gboolean             resmgr_gl_coordinator_flush            (ResmgrGLCoordinator  *self,
                                                             GError              **error);
RESMGR_AVAILABLE_IN_ALL
void                 resmgr_gl_coordinator_attach_area      (ResmgrGLCoordinator  *self,
                                                             GtkGLArea            *area);
RESMGR_AVAILABLE_IN_ALL
void                 resmgr_gl_coordinator_detach_area      (ResmgrGLCoordinator  *self,
                                                             GtkGLArea            *area);
RESMGR_AVAILABLE_IN_ALL
gboolean             resmgr_gl_coordinator_begin_frame      (ResmgrGLCoordinator  *self,
                                                             GError              **error);
RESMGR_AVAILABLE_IN_ALL
void                 resmgr_gl_coordinator_end_frame        (ResmgrGLCoordinator  *self);
RESMGR_AVAILABLE_IN_ALL
gboolean             resmgr_gl_coordinator_is_in_frame      (ResmgrGLCoordinator  *self);
RESMGR_AVAILABLE_IN_ALL
guint                resmgr_gl_coordinator_get_n_pending    (ResmgrGLCoordinator  *self);

G_END_DECLS
