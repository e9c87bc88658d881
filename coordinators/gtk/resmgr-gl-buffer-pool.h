/* resmgr-gl-buffer-pool.h: recycled GL buffers and textures under a byte budget
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(RESMGR_GTK_INSIDE) && !defined(RESMGR_GTK_COMPILATION)
# error "Only <resmgr-gtk.h> can be included directly."
#endif

#include <gtk/gtk.h>

#include <resmgr.h>

#include "resmgr-gl-coordinator.h"

G_BEGIN_DECLS

#define RESMGR_TYPE_GL_BUFFER_POOL       (resmgr_gl_buffer_pool_get_type ())
#define RESMGR_TYPE_GL_BUFFER_POOL_STATS (resmgr_gl_buffer_pool_stats_get_type ())

RESMGR_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (ResmgrGLBufferPool, resmgr_gl_buffer_pool, RESMGR, GL_BUFFER_POOL, GObject)

/**
 * ResmgrGLBufferPoolStats:
 * @hits: acquisitions served from the pool
 * @misses: acquisitions that created a new GL object
 * @evictions: idle objects deleted to stay within the budget (least
 *   recently used first), or released while larger than the budget
 * @expired: idle objects deleted by housekeeping
 * @purged: idle objects deleted by a purge, a low-memory warning or a
 *   forced cleanup
 * @bytes_pooled: the bytes of the idle objects kept for reuse
 * @bytes_in_use: the bytes of the objects lent out
 * @n_pooled: the number of idle objects kept for reuse
 * @n_in_use: the number of objects lent out
 * @budget: the byte budget of the idle objects
 * @frame: the pool's frame clock (advanced by housekeeping)
 *
 * A snapshot of a [class@ResmgrGtk.GLBufferPool]'s counters.
 *
 * Since: 0.1
 */
typedef struct
{
  guint64 hits;
  guint64 misses;
  guint64 evictions;
  guint64 expired;
  guint64 purged;
  guint64 bytes_pooled;
  guint64 bytes_in_use;
  guint   n_pooled;
  guint   n_in_use;
  guint64 budget;
  guint64 frame;
} ResmgrGLBufferPoolStats;

RESMGR_AVAILABLE_IN_ALL
GType                    resmgr_gl_buffer_pool_stats_get_type    (void) G_GNUC_CONST;

RESMGR_AVAILABLE_IN_ALL
ResmgrGLBufferPool      *resmgr_gl_buffer_pool_new               (ResmgrGLCoordinator  *coordinator,
                                                                  guint64               budget);
RESMGR_AVAILABLE_IN_ALL
void                     resmgr_gl_buffer_pool_set_budget        (ResmgrGLBufferPool   *self,
                                                                  guint64               budget);
RESMGR_AVAILABLE_IN_ALL
guint                    resmgr_gl_buffer_pool_acquire_buffer    (ResmgrGLBufferPool   *self,
                                                                  GdkGLContext         *context,
                                                                  gsize                 size,
                                                                  GError              **error);
RESMGR_AVAILABLE_IN_ALL
guint                    resmgr_gl_buffer_pool_acquire_texture   (ResmgrGLBufferPool   *self,
                                                                  GdkGLContext         *context,
                                                                  int                   width,
                                                                  int                   height,
                                                                  guint                 internal_format,
                                                                  GError              **error);
RESMGR_AVAILABLE_IN_ALL
gboolean                 resmgr_gl_buffer_pool_release_buffer    (ResmgrGLBufferPool   *self,
                                                                  guint                 name);
RESMGR_AVAILABLE_IN_ALL
gboolean                 resmgr_gl_buffer_pool_release_texture   (ResmgrGLBufferPool   *self,
                                                                  guint                 name);
RESMGR_AVAILABLE_IN_ALL
guint                    resmgr_gl_buffer_pool_housekeeping      (ResmgrGLBufferPool   *self,
                                                                  guint                 max_idle_frames);
RESMGR_AVAILABLE_IN_ALL
guint                    resmgr_gl_buffer_pool_purge             (ResmgrGLBufferPool   *self);
RESMGR_AVAILABLE_IN_ALL
guint                    resmgr_gl_buffer_pool_force_cleanup     (ResmgrGLBufferPool   *self);
RESMGR_AVAILABLE_IN_ALL
void                     resmgr_gl_buffer_pool_get_stats         (ResmgrGLBufferPool      *self,
                                                                  ResmgrGLBufferPoolStats *stats);

G_END_DECLS
