/* demo-gl-controller.c
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <math.h>
#include <string.h>

#include <epoxy/gl.h>

#include "demo-gl-controller.h"

/**
 * DemoGLController:
 *
 * The controller behind the GL view tab: it does all the GL work of a
 * [class@Gtk.GLArea], decodes the images it shows in worker jobs, and owns
 * all of it through its one component registration: the GL objects through
 * its [class@ResmgrGtk.GLCoordinator], the decoding jobs through its
 * [class@Resmgr.WorkerCoordinator] (a facet of the same controller, made at
 * the first decode), so one cleanup cancels the jobs first and then deletes
 * the GL objects.
 *
 * At the area's realize it builds a small animated scene: a shader program,
 * a vertex and an index buffer, an offscreen renderbuffer, and two
 * container objects tracked as re-creatable — the vertex array and the
 * offscreen framebuffer. Each frame draws a spinning polygon into the
 * offscreen framebuffer, with its per-frame uniforms in a buffer lent by a
 * [class@Resmgr.GLBufferPool], and blits it to the area. The animation runs
 * from the area's frame clock, through a tick callback tracked as a timer.
 *
 * The polygon shows an image file:
 * [method@Demo.GLController.load_image] decodes it with gdk-pixbuf in a
 * [class@Resmgr.Worker] job (read in chunks, with progress, cancellable
 * between chunks; images larger than 1024 pixels a side are scaled down),
 * and its completion, on the owner (GL) thread, uploads the pixels as a GL
 * texture tracked by the GL coordinator, replacing the previous one. An
 * image decoded before the area is realized is uploaded when the scene is
 * built. A new load cancels the decode still running; the cleanup cancels
 * it too, and a cancelled or late outcome is never uploaded.
 *
 * [method@Demo.GLController.reallocate] makes a new pair of buffers, then
 * releases the old ones in one batch
 * ([method@ResmgrGtk.GLCoordinator.release_many]). When the area moves to
 * another window (unrealize, realize), the coordinator deletes the container
 * objects in the old context and re-creates them in the new one;
 * [property@Demo.GLController:recreations] counts those rebuilds. The
 * shareable objects (the texture too) keep their names.
 *
 * Everything is released at the controller's cleanup: at the unrealize of
 * the widget it is bound to (the tab), while the area's context is alive.
 * A cleaned-up controller does not build its scene again, nor decode.
 * Property notifications caused by a frame are delivered from an idle after
 * it (a label bound to one must not queue a resize in the middle of GTK's
 * snapshot).
 *
 * ## Thread safety
 *
 * GTK main thread only, like the area it draws. The decoding job runs on
 * the worker coordinator's pool and touches nothing but its file, its
 * worker and the pixels it returns.
 */

#define OFFSCREEN_SIZE   256
#define TEXTURE_MAX_SIZE 1024         /* larger images are scaled down */
#define READ_CHUNK       (16 * 1024)
#define POOL_BUDGET      (64 * 1024)
#define POOL_MAX_IDLE    240          /* frames */
#define FRAME_UBO_SIZE   (16 * 4 + 4 * 4)   /* std140: mat4 transform; vec4 tint */

/* A decoded image: RGBA, 8 bits a channel, rows top to bottom. */
typedef struct
{
  char   *name;     /* for display */
  GBytes *pixels;
  int     width;
  int     height;
  int     stride;
} DecodedImage;

static void
decoded_image_free (gpointer data)
{
  DecodedImage *image = data;

  if (image == NULL)
    return;
  g_free (image->name);
  g_bytes_unref (image->pixels);
  g_free (image);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DecodedImage, decoded_image_free)

struct _DemoGLController
{
  ResmgrController     parent_instance;

  /* GTK main thread only: */
  GWeakRef             area;
  ResmgrGLBufferPool  *pool;

  guint64              ids[DEMO_GL_N_OBJECTS];  /* the GL coordinator's; 0: none */
  guint                n_indices;
  gboolean             ready;            /* the scene is built */
  gboolean             scene_released;   /* released behind our back: not rebuilt */
  gboolean             containers_lost;  /* unrealized since built: rebuilt at realize */
  guint                vao_configured;   /* the vertex array whose attributes are set… */
  guint                vao_vbo;          /* …for these buffers */
  guint                vao_ebo;
  GLint                frame_block;      /* the "Frame" uniform block */
  GLint                textured;         /* the "textured" uniform */

  /* The image on the polygon: */
  GFile               *image;            /* shown, or being decoded */
  ResmgrWorker        *decode_worker;    /* the decode running, or NULL */
  guint                decode_generation;/* bumped at each load: older outcomes are dropped */
  DecodedImage        *pending_image;    /* decoded before the scene was built */
  double               decode_progress;
  guint                texture_width;
  guint                texture_height;

  gpointer             tick;             /* the tracked Tick, or NULL… */
  guint64              tick_id;          /* …and its id */
  gint64               last_frame_time;
  double               seconds;          /* animation time */

  /* Notifications from inside a frame wait for an idle: a label bound to a
   * property would queue a resize in the middle of GTK's snapshot. */
  gboolean             in_frame;
  guint                pending_notifies; /* bit per property */
  char                *pending_status;
  gboolean             notify_scheduled;

  gboolean             animate;
  guint                frames_rendered;
  guint                frames_pending;
  guint                recreations;
  guint                reallocations;
  guint                generation;
  guint                n_gl_objects;
  guint64              gl_bytes;
};

G_DEFINE_FINAL_TYPE (DemoGLController, demo_gl_controller, RESMGR_TYPE_CONTROLLER)

enum {
  PROP_0,
  PROP_AREA,
  PROP_READY,
  PROP_ANIMATE,
  PROP_FRAMES_RENDERED,
  PROP_FRAMES_PENDING,
  PROP_N_GL_OBJECTS,
  PROP_GL_BYTES,
  PROP_RECREATIONS,
  PROP_REALLOCATIONS,
  PROP_IMAGE,
  PROP_DECODE_PROGRESS,
  PROP_TEXTURE_WIDTH,
  PROP_TEXTURE_HEIGHT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void update_ticking (DemoGLController *self);
static void show_image     (DemoGLController *self,
                            DecodedImage     *image);

static ResmgrGLCoordinator *
coordinator (DemoGLController *self)
{
  return resmgr_controller_get_gl_coordinator (RESMGR_CONTROLLER (self));
}

/* Helpers {{{ */

static void
notify_source_gone (gpointer data)
{
  DemoGLController *self = g_weak_ref_get (data);

  if (self != NULL)
    {
      self->notify_scheduled = FALSE;
      g_object_unref (self);
    }
  g_weak_ref_clear (data);
  g_free (data);
}

static gboolean
notify_idle_cb (GObject  *target,
                gpointer  user_data)
{
  DemoGLController *self = DEMO_GL_CONTROLLER (target);
  guint pending = self->pending_notifies;

  self->pending_notifies = 0;
  if (self->pending_status != NULL)
    {
      g_autofree char *status = g_steal_pointer (&self->pending_status);

      resmgr_controller_set_status (RESMGR_CONTROLLER (self), status);
    }

  g_object_freeze_notify (target);
  for (guint i = 1; i < N_PROPS; i++)
    if (pending & (1u << i))
      g_object_notify_by_pspec (target, properties[i]);
  g_object_thaw_notify (target);

  return G_SOURCE_REMOVE;
}

static void schedule_notify (DemoGLController *self);

static void
notify (DemoGLController *self,
        guint             prop_id)
{
  if (!self->in_frame)
    {
      g_object_notify_by_pspec (G_OBJECT (self), properties[prop_id]);
      return;
    }

  self->pending_notifies |= 1u << prop_id;
  schedule_notify (self);
}

/* The status line, also a bound label's text: same rule. */
static void
set_status (DemoGLController *self,
            const char       *status)
{
  if (!self->in_frame)
    {
      resmgr_controller_set_status (RESMGR_CONTROLLER (self), status);
      return;
    }

  g_free (self->pending_status);
  self->pending_status = g_strdup (status);
  schedule_notify (self);
}

static void
schedule_notify (DemoGLController *self)
{
  /* Once cleaned up (or shutting down) the controller tracks nothing new:
   * these notifications are dropped. */
  if (!self->notify_scheduled &&
      !resmgr_controller_is_cleaned_up (RESMGR_CONTROLLER (self)) &&
      !resmgr_service_is_shutting_down (resmgr_controller_get_service (RESMGR_CONTROLLER (self))))
    {
      GWeakRef *ref = g_new0 (GWeakRef, 1);

      /* Scheduled until the source goes (it ran, was released, or was
       * refused: its destroy notify runs in every case, exactly once). */
      g_weak_ref_init (ref, self);
      self->notify_scheduled = TRUE;
      resmgr_coordinator_idle_add (RESMGR_COORDINATOR (coordinator (self)),
                                   "demo-gl notify after frame", G_OBJECT (self),
                                   notify_idle_cb, ref, notify_source_gone);
    }
}

static void
set_uint (DemoGLController *self,
          guint            *field,
          guint             value,
          guint             prop_id)
{
  if (*field == value)
    return;
  *field = value;
  notify (self, prop_id);
}

static void
set_ready (DemoGLController *self,
           gboolean          ready)
{
  if (self->ready == ready)
    return;
  self->ready = ready;
  notify (self, PROP_READY);
}

static void
set_decode_progress (DemoGLController *self,
                     double            progress)
{
  if (self->decode_progress == progress)
    return;
  self->decode_progress = progress;
  notify (self, PROP_DECODE_PROGRESS);
}

static void
set_texture_size (DemoGLController *self,
                  guint             width,
                  guint             height)
{
  g_object_freeze_notify (G_OBJECT (self));
  set_uint (self, &self->texture_width, width, PROP_TEXTURE_WIDTH);
  set_uint (self, &self->texture_height, height, PROP_TEXTURE_HEIGHT);
  g_object_thaw_notify (G_OBJECT (self));
}

/* n-gl-objects and gl-bytes from the coordinator's stats: whatever the
 * component owns now, the pool's lent and idle buffers included. */
static void
update_counts (DemoGLController *self)
{
  g_autoptr(ResmgrStats) stats = resmgr_coordinator_dup_stats (RESMGR_COORDINATOR (coordinator (self)));
  guint n = 0;
  guint64 bytes = 0;

  if (stats != NULL)
    {
      n = (guint) resmgr_stats_get_count (stats, RESMGR_RESOURCE_TYPE_GL_OBJECT);
      bytes = resmgr_stats_get_bytes (stats, RESMGR_RESOURCE_TYPE_GL_OBJECT);
    }

  g_object_freeze_notify (G_OBJECT (self));
  set_uint (self, &self->n_gl_objects, n, PROP_N_GL_OBJECTS);
  if (self->gl_bytes != bytes)
    {
      self->gl_bytes = bytes;
      notify (self, PROP_GL_BYTES);
    }
  g_object_thaw_notify (G_OBJECT (self));
}

/* Makes @context current; returns what was current, to give to
 * pop_context(). */
static GdkGLContext *
push_context (GdkGLContext *context)
{
  GdkGLContext *previous = gdk_gl_context_get_current ();

  if (previous != NULL)
    g_object_ref (previous);
  if (previous != context)
    gdk_gl_context_make_current (context);

  return previous;
}

static void
pop_context (GdkGLContext *previous)
{
  if (previous != NULL)
    {
      if (gdk_gl_context_get_current () != previous)
        gdk_gl_context_make_current (previous);
      g_object_unref (previous);
    }
  else
    gdk_gl_context_clear_current ();
}

/* The area's context when it can be drawn to, or NULL. */
static GdkGLContext *
area_context (GtkGLArea *area)
{
  if (area == NULL || !gtk_widget_get_realized (GTK_WIDGET (area)) ||
      gtk_gl_area_get_error (area) != NULL)
    return NULL;

  return gtk_gl_area_get_context (area);
}

static void
drain_gl_errors (void)
{
  while (glGetError () != GL_NO_ERROR)
    ;
}

/* }}} */

/* Scene objects {{{ */

static const char vertex_source[] =
  "layout(location = 0) in vec2 position;\n"
  "layout(location = 1) in vec2 uv;\n"
  "layout(std140) uniform Frame { mat4 transform; vec4 tint; };\n"
  "out vec2 v_uv;\n"
  "void main () {\n"
  "  v_uv = uv;\n"
  "  gl_Position = transform * vec4 (position, 0.0, 1.0);\n"
  "}\n";

/* Untextured (no image yet): the texture coordinates as colours. */
static const char fragment_source[] =
  "in vec2 v_uv;\n"
  "uniform sampler2D tex;\n"
  "uniform int textured;\n"
  "layout(std140) uniform Frame { mat4 transform; vec4 tint; };\n"
  "out vec4 color;\n"
  "void main () {\n"
  "  color = (textured != 0 ? texture (tex, v_uv) : vec4 (v_uv, 0.75, 1.0)) * tint;\n"
  "}\n";

static guint
compile_shader (GLenum       type,
                const char  *header,
                const char  *source,
                GError     **error)
{
  const char *sources[2] = { header, source };
  guint shader = glCreateShader (type);
  GLint ok = GL_FALSE;

  glShaderSource (shader, 2, sources, NULL);
  glCompileShader (shader);
  glGetShaderiv (shader, GL_COMPILE_STATUS, &ok);
  if (!ok)
    {
      char log[1024] = "";

      glGetShaderInfoLog (shader, sizeof log, NULL, log);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "Cannot compile the %s shader: %s",
                   type == GL_VERTEX_SHADER ? "vertex" : "fragment", log);
      glDeleteShader (shader);
      return 0;
    }

  return shader;
}

/* With @context current. */
static guint
create_program (GdkGLContext  *context,
                GLint         *frame_block,
                GLint         *textured,
                GError       **error)
{
  const char *header = gdk_gl_context_get_use_es (context)
                       ? "#version 300 es\nprecision mediump float;\n"
                       : "#version 330 core\n";
  guint vs, fs, program;
  GLint ok = GL_FALSE;

  if ((vs = compile_shader (GL_VERTEX_SHADER, header, vertex_source, error)) == 0)
    return 0;
  if ((fs = compile_shader (GL_FRAGMENT_SHADER, header, fragment_source, error)) == 0)
    {
      glDeleteShader (vs);
      return 0;
    }

  program = glCreateProgram ();
  glAttachShader (program, vs);
  glAttachShader (program, fs);
  glLinkProgram (program);
  /* The program keeps what it needs: the shaders are not kept around (so
   * not tracked either); they are deleted here, right after the link. */
  glDetachShader (program, vs);
  glDetachShader (program, fs);
  glDeleteShader (vs);
  glDeleteShader (fs);

  glGetProgramiv (program, GL_LINK_STATUS, &ok);
  if (!ok)
    {
      char log[1024] = "";

      glGetProgramInfoLog (program, sizeof log, NULL, log);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "Cannot link the program: %s", log);
      glDeleteProgram (program);
      return 0;
    }

  /* Program state, so it holds in every context of the share group. */
  *frame_block = glGetUniformBlockIndex (program, "Frame");
  if (*frame_block != (GLint) GL_INVALID_INDEX)
    glUniformBlockBinding (program, *frame_block, 0);
  glUseProgram (program);
  glUniform1i (glGetUniformLocation (program, "tex"), 0);
  glUseProgram (0);
  *textured = glGetUniformLocation (program, "textured");

  return program;
}

/* A polygon fan of 3 + generation % 6 sides, position and uv per vertex. */
static guint
polygon_sides (guint generation)
{
  return 3 + generation % 6;
}

static void
make_geometry (guint      generation,
               GArray   **vertices,
               GArray   **indices)
{
  guint sides = polygon_sides (generation);

  *vertices = g_array_new (FALSE, FALSE, sizeof (float));
  *indices = g_array_new (FALSE, FALSE, sizeof (guint16));

  for (guint i = 0; i <= sides; i++)
    {
      /* vertex 0 is the centre */
      double a = i == 0 ? 0 : 2 * G_PI * (i - 1) / sides;
      float r = i == 0 ? 0.f : 0.8f;
      float v[4] = {
        r * (float) cos (a), r * (float) sin (a),
        /* the image's first row is t = 0: up is towards it */
        0.5f + r * (float) cos (a) * 0.6f, 0.5f - r * (float) sin (a) * 0.6f,
      };

      g_array_append_vals (*vertices, v, 4);
    }
  for (guint i = 0; i < sides; i++)
    {
      guint16 tri[3] = { 0, (guint16) (1 + i), (guint16) (1 + (i + 1) % sides) };

      g_array_append_vals (*indices, tri, 3);
    }
}

/* ResmgrGLCreateFunc of the vertex array: its attributes are set at the
 * first frame that uses it (they name buffers that reallocate replaces). */
static guint
create_vertex_array (GdkGLContext  *context,
                     gpointer       user_data,
                     GError       **error)
{
  guint vao = 0;

  glGenVertexArrays (1, &vao);
  /* A name is an object only once bound. */
  glBindVertexArray (vao);
  glBindVertexArray (0);
  if (vao == 0)
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, "glGenVertexArrays gave no name");

  return vao;
}

/* ResmgrGLCreateFunc of the offscreen framebuffer: @user_data is the name
 * of its colour renderbuffer, shareable, so valid in every context. */
static guint
create_framebuffer (GdkGLContext  *context,
                    gpointer       user_data,
                    GError       **error)
{
  guint renderbuffer = GPOINTER_TO_UINT (user_data);
  GLint previous = 0;
  GLenum status;
  guint fbo = 0;

  glGetIntegerv (GL_FRAMEBUFFER_BINDING, &previous);
  glGenFramebuffers (1, &fbo);
  glBindFramebuffer (GL_FRAMEBUFFER, fbo);
  glFramebufferRenderbuffer (GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_RENDERBUFFER, renderbuffer);
  status = glCheckFramebufferStatus (GL_FRAMEBUFFER);
  glBindFramebuffer (GL_FRAMEBUFFER, previous);

  if (status != GL_FRAMEBUFFER_COMPLETE)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   "The offscreen framebuffer is incomplete (0x%04x)", status);
      glDeleteFramebuffers (1, &fbo);
      return 0;
    }

  return fbo;
}

/* Tracks @name, or deletes it when it cannot be tracked (0). */
static guint64
track_or_delete (DemoGLController    *self,
                 GdkGLContext        *context,
                 ResmgrGLObjectKind   kind,
                 guint                name,
                 gsize                size,
                 const char          *label,
                 GError             **error)
{
  guint64 id;

  id = resmgr_gl_coordinator_track (coordinator (self), context, kind, name, size, label, error);
  if (id == 0)
    {
      if (kind == RESMGR_GL_OBJECT_TEXTURE)
        glDeleteTextures (1, &name);
      else if (kind == RESMGR_GL_OBJECT_BUFFER)
        glDeleteBuffers (1, &name);
      else if (kind == RESMGR_GL_OBJECT_RENDERBUFFER)
        glDeleteRenderbuffers (1, &name);
      else if (kind == RESMGR_GL_OBJECT_PROGRAM)
        glDeleteProgram (name);
    }

  return id;
}

/* Makes the vertex buffer and the index buffer of @generation, tracked,
 * into @ids (VERTEX_BUFFER, INDEX_BUFFER). With @context current. */
static gboolean
create_data_objects (DemoGLController  *self,
                     GdkGLContext      *context,
                     guint              generation,
                     guint64           *ids,
                     guint             *n_indices,
                     GError           **error)
{
  g_autoptr(GArray) vertices = NULL;
  g_autoptr(GArray) indices = NULL;
  g_autofree char *label = NULL;
  gsize vbytes, ibytes;
  guint vbo = 0, ebo = 0;

  make_geometry (generation, &vertices, &indices);
  vbytes = vertices->len * sizeof (float);
  ibytes = indices->len * sizeof (guint16);

  glGenBuffers (1, &vbo);
  glBindBuffer (GL_ARRAY_BUFFER, vbo);
  glBufferData (GL_ARRAY_BUFFER, vbytes, vertices->data, GL_STATIC_DRAW);
  glBindBuffer (GL_ARRAY_BUFFER, 0);
  label = g_strdup_printf ("demo-gl vertices #%u", generation);
  ids[DEMO_GL_OBJECT_VERTEX_BUFFER] = track_or_delete (self, context, RESMGR_GL_OBJECT_BUFFER,
                                                       vbo, vbytes, label, error);
  if (ids[DEMO_GL_OBJECT_VERTEX_BUFFER] == 0)
    return FALSE;

  /* Bound to a target other than the element array: that binding belongs
   * to whichever vertex array is bound. */
  glGenBuffers (1, &ebo);
  glBindBuffer (GL_COPY_WRITE_BUFFER, ebo);
  glBufferData (GL_COPY_WRITE_BUFFER, ibytes, indices->data, GL_STATIC_DRAW);
  glBindBuffer (GL_COPY_WRITE_BUFFER, 0);
  g_free (label);
  label = g_strdup_printf ("demo-gl indices #%u", generation);
  ids[DEMO_GL_OBJECT_INDEX_BUFFER] = track_or_delete (self, context, RESMGR_GL_OBJECT_BUFFER,
                                                      ebo, ibytes, label, error);
  if (ids[DEMO_GL_OBJECT_INDEX_BUFFER] == 0)
    return FALSE;

  *n_indices = indices->len;
  return TRUE;
}

/* Uploads @image as a texture, tracked, on the owner (GL) thread with
 * @context current; returns its id, or 0. */
static guint64
upload_texture (DemoGLController  *self,
                GdkGLContext      *context,
                DecodedImage      *image,
                GError           **error)
{
  g_autofree char *label = g_strdup_printf ("demo-gl texture %s", image->name);
  guint texture = 0;

  glGenTextures (1, &texture);
  glBindTexture (GL_TEXTURE_2D, texture);
  glTexParameteri (GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_LINEAR);
  glTexParameteri (GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_LINEAR);
  glTexParameteri (GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
  glTexParameteri (GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
  /* Rows of RGBA: 4-byte aligned, maybe padded. */
  glPixelStorei (GL_UNPACK_ROW_LENGTH, image->stride / 4);
  glTexImage2D (GL_TEXTURE_2D, 0, GL_RGBA8, image->width, image->height, 0,
                GL_RGBA, GL_UNSIGNED_BYTE, g_bytes_get_data (image->pixels, NULL));
  glPixelStorei (GL_UNPACK_ROW_LENGTH, 0);
  glBindTexture (GL_TEXTURE_2D, 0);

  return track_or_delete (self, context, RESMGR_GL_OBJECT_TEXTURE, texture,
                          (gsize) image->width * image->height * 4, label, error);
}

/* Releases the GL objects of @ids (0: none) in one batch; zeroes @ids. */
static void
release_ids (DemoGLController *self,
             guint64          *ids,
             guint             n)
{
  guint64 held[DEMO_GL_N_OBJECTS];
  guint n_held = 0;
  g_autoptr(GError) error = NULL;

  g_assert (n <= G_N_ELEMENTS (held));
  for (guint i = 0; i < n; i++)
    if (ids[i] != 0)
      held[n_held++] = ids[i];

  /* Not found: released already, by someone else (an application
   * shutdown); the others are released all the same. */
  if (n_held > 0 &&
      !resmgr_gl_coordinator_release_many (coordinator (self), held, n_held, &error) &&
      !g_error_matches (error, RESMGR_ERROR, RESMGR_ERROR_NOT_FOUND))
    g_warning ("%s: releasing %u GL object(s): %s", resmgr_controller_get_id (RESMGR_CONTROLLER (self)),
               n_held, error->message);

  memset (ids, 0, n * sizeof *ids);
}

static void
forget_scene (DemoGLController *self)
{
  memset (self->ids, 0, sizeof self->ids);
  self->vao_configured = 0;
  self->containers_lost = FALSE;
  set_texture_size (self, 0, 0);
  set_ready (self, FALSE);
}

/* Whether the scene is still ours. Its objects can be released behind our
 * back (an application shutdown releases handle by handle): then it is
 * forgotten, and not built again. */
static gboolean
check_scene (DemoGLController *self)
{
  if (!self->ready)
    return FALSE;
  if (resmgr_gl_coordinator_get_name (coordinator (self), self->ids[DEMO_GL_OBJECT_PROGRAM]) != 0)
    return TRUE;

  self->scene_released = TRUE;
  forget_scene (self);
  set_status (self, "The GL objects were released");
  update_counts (self);

  return FALSE;
}

/* Builds the scene in the area's context. */
static void
build_scene (DemoGLController *self,
             GtkGLArea        *area)
{
  ResmgrGLCoordinator *coord = coordinator (self);
  GdkGLContext *context = area_context (area);
  guint64 ids[DEMO_GL_N_OBJECTS] = { 0, };
  g_autoptr(GError) error = NULL;
  GdkGLContext *previous;
  guint program, renderbuffer = 0;
  guint n_indices = 0;

  if (context == NULL)
    {
      GError *area_error = area ? gtk_gl_area_get_error (area) : NULL;

      resmgr_controller_set_status_printf (RESMGR_CONTROLLER (self), "No GL: %s",
                                           area_error ? area_error->message : "the area has no context");
      return;
    }

  previous = push_context (context);
  drain_gl_errors ();

  program = create_program (context, &self->frame_block, &self->textured, &error);
  if (program == 0)
    goto failed;
  ids[DEMO_GL_OBJECT_PROGRAM] = track_or_delete (self, context, RESMGR_GL_OBJECT_PROGRAM,
                                                 program, 0, "demo-gl program", &error);
  if (ids[DEMO_GL_OBJECT_PROGRAM] == 0)
    goto failed;

  if (!create_data_objects (self, context, self->generation, ids, &n_indices, &error))
    goto failed;

  glGenRenderbuffers (1, &renderbuffer);
  glBindRenderbuffer (GL_RENDERBUFFER, renderbuffer);
  glRenderbufferStorage (GL_RENDERBUFFER, GL_RGBA8, OFFSCREEN_SIZE, OFFSCREEN_SIZE);
  glBindRenderbuffer (GL_RENDERBUFFER, 0);
  ids[DEMO_GL_OBJECT_RENDERBUFFER] = track_or_delete (self, context, RESMGR_GL_OBJECT_RENDERBUFFER,
                                                      renderbuffer, OFFSCREEN_SIZE * OFFSCREEN_SIZE * 4,
                                                      "demo-gl offscreen colour", &error);
  if (ids[DEMO_GL_OBJECT_RENDERBUFFER] == 0)
    goto failed;

  ids[DEMO_GL_OBJECT_FRAMEBUFFER] =
    resmgr_gl_coordinator_track_recreatable (coord, context, RESMGR_GL_OBJECT_FRAMEBUFFER, 0,
                                             "demo-gl offscreen framebuffer", create_framebuffer,
                                             GUINT_TO_POINTER (renderbuffer), NULL, &error);
  if (ids[DEMO_GL_OBJECT_FRAMEBUFFER] == 0)
    goto failed;

  ids[DEMO_GL_OBJECT_VERTEX_ARRAY] =
    resmgr_gl_coordinator_track_recreatable (coord, context, RESMGR_GL_OBJECT_VERTEX_ARRAY, 0,
                                             "demo-gl vertex array", create_vertex_array,
                                             NULL, NULL, &error);
  if (ids[DEMO_GL_OBJECT_VERTEX_ARRAY] == 0)
    goto failed;

  pop_context (previous);

  memcpy (self->ids, ids, sizeof ids);
  self->n_indices = n_indices;
  self->vao_configured = 0;
  self->containers_lost = FALSE;
  set_ready (self, TRUE);
  resmgr_controller_set_status_printf (RESMGR_CONTROLLER (self), "GL %s scene ready",
                                       gdk_gl_context_get_use_es (context) ? "ES" : "desktop");
  update_counts (self);
  update_ticking (self);

  /* An image decoded meanwhile goes on the polygon now. */
  if (self->pending_image != NULL)
    show_image (self, g_steal_pointer (&self->pending_image));
  return;

failed:
  /* What was tracked goes back at once; nothing half-built stays. */
  release_ids (self, ids, DEMO_GL_N_OBJECTS);
  pop_context (previous);
  resmgr_controller_set_status_printf (RESMGR_CONTROLLER (self), "Cannot build the GL scene: %s",
                                       error->message);
  g_warning ("%s: cannot build the GL scene: %s",
             resmgr_controller_get_id (RESMGR_CONTROLLER (self)), error->message);
  update_counts (self);
}

/* }}} */

/* Images {{{ */

/* GdkPixbufLoader::size-prepared: no side over TEXTURE_MAX_SIZE. */
static void
limit_size (GdkPixbufLoader *loader,
            int              width,
            int              height,
            gpointer         user_data)
{
  double scale = MIN (1.0, (double) TEXTURE_MAX_SIZE / MAX (width, height));

  if (scale < 1.0)
    gdk_pixbuf_loader_set_size (loader, MAX (1, (int) (width * scale)), MAX (1, (int) (height * scale)));
}

/* The decoding job, on a pool thread: reads the file in chunks into a
 * pixbuf loader, reporting progress, and stops at the first chunk after a
 * cancellation. Result: a DecodedImage. */
static gpointer
decode_image_job (ResmgrWorker  *worker,
                  GCancellable  *cancellable,
                  gpointer       user_data,
                  GError       **error)
{
  GFile *file = user_data;
  g_autofree char *name = g_file_get_basename (file);
  g_autoptr(GdkPixbufLoader) loader = gdk_pixbuf_loader_new ();
  g_autoptr(GFileInputStream) stream = NULL;
  g_autoptr(GFileInfo) info = NULL;
  g_autoptr(GdkPixbuf) rgba = NULL;
  g_autofree guint8 *buffer = NULL;
  g_autoptr(GError) local_error = NULL;
  GdkPixbuf *pixbuf;
  DecodedImage *image;
  goffset size, done = 0;

  g_signal_connect (loader, "size-prepared", G_CALLBACK (limit_size), NULL);

  stream = g_file_read (file, cancellable, &local_error);
  if (stream == NULL)
    goto failed;
  /* A pipe has no size: then the progress only says what was read. */
  info = g_file_input_stream_query_info (stream, G_FILE_ATTRIBUTE_STANDARD_SIZE, cancellable, NULL);
  size = info != NULL ? g_file_info_get_size (info) : 0;

  buffer = g_malloc (READ_CHUNK);
  for (;;)
    {
      g_autofree char *read = NULL;
      gssize n = g_input_stream_read (G_INPUT_STREAM (stream), buffer, READ_CHUNK, cancellable, &local_error);

      if (n < 0 || g_cancellable_set_error_if_cancelled (cancellable, &local_error))
        goto failed;
      if (n == 0)
        break;
      if (!gdk_pixbuf_loader_write (loader, buffer, n, &local_error))
        goto failed;

      done += n;
      read = g_format_size (done);
      resmgr_worker_set_message (worker, read);
      if (size > 0)
        resmgr_worker_set_progress (worker, 0.9 * MIN (done, size) / size);
    }

  if (!gdk_pixbuf_loader_close (loader, &local_error))
    {
      g_propagate_prefixed_error (error, g_steal_pointer (&local_error), "Cannot decode “%s”: ", name);
      return NULL;
    }

  pixbuf = gdk_pixbuf_loader_get_pixbuf (loader);
  if (pixbuf == NULL || gdk_pixbuf_get_bits_per_sample (pixbuf) != 8 ||
      gdk_pixbuf_get_colorspace (pixbuf) != GDK_COLORSPACE_RGB)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   "Cannot decode “%s”: not an 8-bit RGB image", name);
      return NULL;
    }
  rgba = gdk_pixbuf_add_alpha (pixbuf, FALSE, 0, 0, 0);

  image = g_new0 (DecodedImage, 1);
  image->name = g_steal_pointer (&name);
  image->width = gdk_pixbuf_get_width (rgba);
  image->height = gdk_pixbuf_get_height (rgba);
  image->stride = gdk_pixbuf_get_rowstride (rgba);
  image->pixels = gdk_pixbuf_read_pixel_bytes (rgba);
  resmgr_worker_set_progress (worker, 1.0);

  return image;

failed:
  /* A loader must be closed before it goes; its error does not matter. */
  gdk_pixbuf_loader_close (loader, NULL);
  if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_propagate_error (error, g_steal_pointer (&local_error));
  else
    g_propagate_prefixed_error (error, g_steal_pointer (&local_error), "Cannot decode “%s”: ", name);
  return NULL;
}

static void
decode_progress_cb (ResmgrWorker     *worker,
                    GParamSpec       *pspec,
                    DemoGLController *self)
{
  set_decode_progress (self, resmgr_worker_get_progress (worker));
}

/* Forgets the decode running, if any: cancelled, its outcome dropped. */
static void
stop_decode (DemoGLController *self)
{
  g_autoptr(ResmgrWorker) worker = g_steal_pointer (&self->decode_worker);

  self->decode_generation++;
  if (worker != NULL)
    {
      g_signal_handlers_disconnect_by_func (worker, decode_progress_cb, self);
      resmgr_worker_cancel (worker);
    }
  set_decode_progress (self, 0.0);
}

/* Puts @image (taken) on the polygon: uploaded as a texture in the area's
 * context, replacing the previous one; kept for the scene's build if the
 * scene is not built yet. On the owner (GL) thread. */
static void
show_image (DemoGLController *self,
            DecodedImage     *image)
{
  g_autoptr(DecodedImage) owned = image;
  g_autoptr(GtkGLArea) area = g_weak_ref_get (&self->area);
  GdkGLContext *context = area_context (area);
  g_autoptr(GError) error = NULL;
  guint64 old, id;
  GdkGLContext *previous;

  if (self->scene_released || resmgr_controller_is_cleaned_up (RESMGR_CONTROLLER (self)))
    return;
  if (!self->ready || context == NULL)
    {
      resmgr_controller_set_status_printf (RESMGR_CONTROLLER (self), "Decoded “%s”: shown once the scene is built",
                                           image->name);
      decoded_image_free (self->pending_image);
      self->pending_image = g_steal_pointer (&owned);
      return;
    }

  previous = push_context (context);
  id = upload_texture (self, context, image, &error);
  pop_context (previous);
  if (id == 0)
    {
      set_status (self, error->message);
      return;
    }

  old = self->ids[DEMO_GL_OBJECT_TEXTURE];
  self->ids[DEMO_GL_OBJECT_TEXTURE] = id;
  release_ids (self, &old, 1);

  g_object_freeze_notify (G_OBJECT (self));
  set_texture_size (self, image->width, image->height);
  update_counts (self);
  g_object_thaw_notify (G_OBJECT (self));
  resmgr_controller_set_status_printf (RESMGR_CONTROLLER (self), "Texture: %s, %d×%d",
                                       image->name, image->width, image->height);
  gtk_gl_area_queue_render (area);
}

/* The decode's callback data. */
typedef struct
{
  GWeakRef  controller;
  guint     generation;
  char     *name;
} DecodeJob;

static void
decode_job_free (DecodeJob *job)
{
  g_weak_ref_clear (&job->controller);
  g_free (job->name);
  g_free (job);
}

/* On the owner context. Cancelled (by a new load, the Cancel button, the
 * cleanup or a shutdown) or refused: nothing is uploaded. */
static void
decode_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  DecodeJob *job = user_data;
  g_autoptr(DemoGLController) self = g_weak_ref_get (&job->controller);
  g_autoptr(DecodedImage) image = NULL;
  g_autoptr(GError) error = NULL;

  image = resmgr_worker_coordinator_run_finish (RESMGR_WORKER_COORDINATOR (source), result, &error);

  /* Gone, cleaned up, or another load since: dropped. */
  if (self == NULL || job->generation != self->decode_generation ||
      resmgr_controller_is_cleaned_up (RESMGR_CONTROLLER (self)))
    {
      decode_job_free (job);
      return;
    }

  if (self->decode_worker != NULL)
    g_signal_handlers_disconnect_by_func (self->decode_worker, decode_progress_cb, self);
  g_clear_object (&self->decode_worker);
  set_decode_progress (self, 0.0);

  if (image != NULL)
    show_image (self, g_steal_pointer (&image));
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
           g_error_matches (error, RESMGR_ERROR, RESMGR_ERROR_TIMED_OUT))
    resmgr_controller_set_status_printf (RESMGR_CONTROLLER (self), "Cancelled: “%s” was not decoded", job->name);
  else
    resmgr_controller_set_status (RESMGR_CONTROLLER (self), error->message);

  decode_job_free (job);
}

/* }}} */

/* Frames {{{ */

/* The tick callback's data: a weak reference to the controller. */
static gboolean
tick_cb (GtkWidget     *widget,
         GdkFrameClock *frame_clock,
         gpointer       user_data)
{
  DemoGLController *self = g_weak_ref_get (user_data);
  gint64 now;

  if (self == NULL)
    return G_SOURCE_CONTINUE;   /* removed at the controller's cleanup */

  now = gdk_frame_clock_get_frame_time (frame_clock);
  if (self->animate && self->last_frame_time != 0)
    /* At most a tenth of a second per frame: no jump after a pause (a
     * window move, an unmapped window). */
    self->seconds += MIN (now - self->last_frame_time, G_USEC_PER_SEC / 10) / (double) G_USEC_PER_SEC;
  else if (!self->animate)
    self->seconds += 1.0 / 60;
  self->last_frame_time = now;

  if (self->animate || self->frames_pending > 0)
    gtk_gl_area_queue_render (GTK_GL_AREA (widget));

  g_object_unref (self);
  return G_SOURCE_CONTINUE;
}

static void
weak_ref_free (gpointer data)
{
  g_weak_ref_clear (data);
  g_free (data);
}

/* The tracked tick: released by us, by the cleanup (at priority TIMER,
 * before any GL object goes) or by anyone else (an application shutdown
 * releases handle by handle), it removes the tick callback from the area
 * and tells the controller. */
typedef struct
{
  GWeakRef controller;
  GWeakRef area;
  guint    id;
} Tick;

static void
tick_free (gpointer data)
{
  Tick *tick = data;
  GtkWidget *area = g_weak_ref_get (&tick->area);
  DemoGLController *self = g_weak_ref_get (&tick->controller);

  if (area != NULL)
    {
      gtk_widget_remove_tick_callback (area, tick->id);
      g_object_unref (area);
    }
  if (self != NULL)
    {
      if (self->tick == tick)
        {
          self->tick = NULL;
          self->tick_id = 0;
        }
      g_object_unref (self);
    }
  g_weak_ref_clear (&tick->controller);
  g_weak_ref_clear (&tick->area);
  g_free (tick);
}

/* Ticks while the scene animates or frames were asked for. */
static void
update_ticking (DemoGLController *self)
{
  g_autoptr(GtkGLArea) area = g_weak_ref_get (&self->area);
  gboolean want = area != NULL && ((self->animate && self->ready) || self->frames_pending > 0) &&
                  !resmgr_controller_is_cleaned_up (RESMGR_CONTROLLER (self));

  if (want && self->tick == NULL)
    {
      g_autoptr(GError) error = NULL;
      GWeakRef *ref = g_new0 (GWeakRef, 1);
      Tick *tick = g_new0 (Tick, 1);
      guint64 id;

      g_weak_ref_init (ref, self);
      g_weak_ref_init (&tick->area, area);
      /* Told when it goes (tick_free): also if that happens before the
       * tracking call returns. */
      g_weak_ref_init (&tick->controller, self);
      tick->id = gtk_widget_add_tick_callback (GTK_WIDGET (area), tick_cb, ref, weak_ref_free);
      self->last_frame_time = 0;
      self->tick = tick;
      id = resmgr_coordinator_track_data (RESMGR_COORDINATOR (coordinator (self)),
                                          RESMGR_RESOURCE_TYPE_TIMER, "demo-gl frame clock tick",
                                          0, RESMGR_PRIORITY_DEFAULT, tick, tick_free, &error);
      if (id == 0)
        {
          g_debug ("%s: cannot track the tick: %s", resmgr_controller_get_id (RESMGR_CONTROLLER (self)),
                   error->message);
          tick_free (tick);
          return;
        }
      if (self->tick == tick)
        self->tick_id = id;
    }
  else if (!want && self->tick_id != 0)
    {
      /* tick_free () forgets it. */
      resmgr_coordinator_release (RESMGR_COORDINATOR (coordinator (self)), self->tick_id, NULL);
    }
}

static void
frame_uniforms (DemoGLController *self,
                float             data[20])
{
  double angle = self->seconds * 0.9;
  float s = (float) (0.85 + 0.15 * sin (self->seconds * 2.0));
  float c = (float) cos (angle), n = (float) sin (angle);
  /* column-major mat4: rotation about z and a pulsing scale */
  float m[16] = {
    s * c, s * n, 0, 0,
    -s * n, s * c, 0, 0,
    0, 0, 1, 0,
    0, 0, 0, 1,
  };

  memcpy (data, m, sizeof m);
  data[16] = 1.0f;
  data[17] = (float) (0.8 + 0.2 * sin (self->seconds * 1.3));
  data[18] = (float) (0.8 + 0.2 * cos (self->seconds * 1.7));
  data[19] = 1.0f;
}

/* With the area's context current and its framebuffer bound. */
static void
draw_scene (DemoGLController *self,
            GtkGLArea        *area,
            GdkGLContext     *context)
{
  ResmgrGLCoordinator *coord = coordinator (self);
  g_autoptr(GError) error = NULL;
  guint program = resmgr_gl_coordinator_get_name (coord, self->ids[DEMO_GL_OBJECT_PROGRAM]);
  guint vbo = resmgr_gl_coordinator_get_name (coord, self->ids[DEMO_GL_OBJECT_VERTEX_BUFFER]);
  guint ebo = resmgr_gl_coordinator_get_name (coord, self->ids[DEMO_GL_OBJECT_INDEX_BUFFER]);
  guint texture = demo_gl_controller_get_gl_name (self, DEMO_GL_OBJECT_TEXTURE); /* 0: no image yet */
  guint vao = resmgr_gl_coordinator_get_name (coord, self->ids[DEMO_GL_OBJECT_VERTEX_ARRAY]);
  guint fbo = resmgr_gl_coordinator_get_name (coord, self->ids[DEMO_GL_OBJECT_FRAMEBUFFER]);
  int scale = gtk_widget_get_scale_factor (GTK_WIDGET (area));
  int width = gtk_widget_get_width (GTK_WIDGET (area)) * scale;
  int height = gtk_widget_get_height (GTK_WIDGET (area)) * scale;
  float uniforms[20];
  int side, x, y;
  GLint area_fbo = 0;
  guint ubo;
  GLenum gl_error;

  /* Only our own errors are reported below. */
  drain_gl_errors ();

  /* No texture is fine: no image yet. */
  if (program == 0 || vbo == 0 || ebo == 0 || vao == 0 || fbo == 0)
    {
      glClearColor (0.2f, 0.0f, 0.0f, 1.0f);
      glClear (GL_COLOR_BUFFER_BIT);
      return;
    }

  /* Per-frame data in a buffer lent by the pool, given back after the draw:
   * the next frame gets the same one (a hit). */
  ubo = resmgr_gl_buffer_pool_acquire_buffer (self->pool, context, FRAME_UBO_SIZE, &error);
  if (ubo == 0)
    {
      g_warning ("%s: no per-frame buffer: %s", resmgr_controller_get_id (RESMGR_CONTROLLER (self)),
                 error->message);
      return;
    }
  frame_uniforms (self, uniforms);
  glBindBuffer (GL_UNIFORM_BUFFER, ubo);
  glBufferSubData (GL_UNIFORM_BUFFER, 0, sizeof uniforms, uniforms);
  glBindBuffer (GL_UNIFORM_BUFFER, 0);

  glGetIntegerv (GL_DRAW_FRAMEBUFFER_BINDING, &area_fbo);

  glBindFramebuffer (GL_FRAMEBUFFER, fbo);
  glViewport (0, 0, OFFSCREEN_SIZE, OFFSCREEN_SIZE);
  glClearColor (0.08f, 0.09f, 0.12f, 1.0f);
  glClear (GL_COLOR_BUFFER_BIT);

  glUseProgram (program);
  glUniform1i (self->textured, texture != 0);
  glActiveTexture (GL_TEXTURE0);
  glBindTexture (GL_TEXTURE_2D, texture);
  glBindBufferBase (GL_UNIFORM_BUFFER, 0, ubo);
  glBindVertexArray (vao);
  /* A new vertex array (re-created in a new context: maybe the same
   * number) or new buffers (reallocated): point it at them. */
  if (self->vao_configured != vao || self->vao_vbo != vbo || self->vao_ebo != ebo)
    {
      glBindBuffer (GL_ARRAY_BUFFER, vbo);
      glEnableVertexAttribArray (0);
      glVertexAttribPointer (0, 2, GL_FLOAT, GL_FALSE, 4 * sizeof (float), (void *) 0);
      glEnableVertexAttribArray (1);
      glVertexAttribPointer (1, 2, GL_FLOAT, GL_FALSE, 4 * sizeof (float), (void *) (2 * sizeof (float)));
      glBindBuffer (GL_ELEMENT_ARRAY_BUFFER, ebo);
      glBindBuffer (GL_ARRAY_BUFFER, 0);
      self->vao_configured = vao;
      self->vao_vbo = vbo;
      self->vao_ebo = ebo;
    }
  glDrawElements (GL_TRIANGLES, self->n_indices, GL_UNSIGNED_SHORT, NULL);
  glBindVertexArray (0);
  glBindBufferBase (GL_UNIFORM_BUFFER, 0, 0);
  glBindTexture (GL_TEXTURE_2D, 0);
  glUseProgram (0);

  /* The offscreen image, scaled to a square centred in the area. */
  side = MIN (width, height);
  x = (width - side) / 2;
  y = (height - side) / 2;
  glBindFramebuffer (GL_FRAMEBUFFER, area_fbo);
  glViewport (0, 0, width, height);
  glClear (GL_COLOR_BUFFER_BIT);
  glBindFramebuffer (GL_READ_FRAMEBUFFER, fbo);
  glBlitFramebuffer (0, 0, OFFSCREEN_SIZE, OFFSCREEN_SIZE, x, y, x + side, y + side,
                     GL_COLOR_BUFFER_BIT, GL_LINEAR);
  glBindFramebuffer (GL_FRAMEBUFFER, area_fbo);

  resmgr_gl_buffer_pool_release_buffer (self->pool, ubo);

  while ((gl_error = glGetError ()) != GL_NO_ERROR)
    g_warning ("%s: GL error 0x%04x in a frame", resmgr_controller_get_id (RESMGR_CONTROLLER (self)),
               gl_error);
}

static gboolean
on_render (GtkGLArea        *area,
           GdkGLContext     *context,
           DemoGLController *self)
{
  g_autoptr(GError) error = NULL;
  ResmgrGLCoordinator *coord = coordinator (self);

  self->in_frame = TRUE;
  if (!check_scene (self))
    {
      glClearColor (0.0f, 0.0f, 0.0f, 1.0f);
      glClear (GL_COLOR_BUFFER_BIT);
    }
  else if (resmgr_gl_coordinator_begin_frame (coord, &error))
    {
      draw_scene (self, area, context);
      resmgr_gl_coordinator_end_frame (coord);
      resmgr_gl_buffer_pool_housekeeping (self->pool, POOL_MAX_IDLE);
    }
  else
    g_debug ("%s: frame skipped: %s", resmgr_controller_get_id (RESMGR_CONTROLLER (self)), error->message);

  set_uint (self, &self->frames_rendered, self->frames_rendered + 1, PROP_FRAMES_RENDERED);
  if (self->frames_pending > 0)
    set_uint (self, &self->frames_pending, self->frames_pending - 1, PROP_FRAMES_PENDING);
  update_counts (self);
  update_ticking (self);
  self->in_frame = FALSE;

  return TRUE;
}

/* }}} */

/* Area {{{ */

/* Connected after the coordinator's own realize handler: a rebuild of the
 * container objects is done when this runs. */
static void
on_area_realize (GtkGLArea        *area,
                 DemoGLController *self)
{
  ResmgrGLCoordinator *coord = coordinator (self);

  if (!self->ready)
    {
      /* Cleaned up (the tab was unrealized): the controller is done; what
       * it built now would outlive the cleanup that was to free it. */
      if (resmgr_controller_is_cleaned_up (RESMGR_CONTROLLER (self)) || self->scene_released)
        resmgr_controller_set_status (RESMGR_CONTROLLER (self), "Released: the scene is not built again");
      else
        build_scene (self, area);
      return;
    }

  if (self->containers_lost &&
      resmgr_gl_coordinator_get_name (coord, self->ids[DEMO_GL_OBJECT_VERTEX_ARRAY]) != 0 &&
      resmgr_gl_coordinator_get_name (coord, self->ids[DEMO_GL_OBJECT_FRAMEBUFFER]) != 0)
    {
      self->containers_lost = FALSE;
      set_uint (self, &self->recreations, self->recreations + 1, PROP_RECREATIONS);
      resmgr_controller_set_status_printf (RESMGR_CONTROLLER (self),
                                           "Vertex array and framebuffer re-created (%u)", self->recreations);
    }
  update_counts (self);
}

/* Connected after the coordinator's own unrealize handler (which deleted
 * the container objects in this context), before GtkGLArea's. */
static void
on_area_unrealize (GtkGLArea        *area,
                   DemoGLController *self)
{
  if (self->ready)
    {
      self->containers_lost = TRUE;
      self->vao_configured = 0;
    }
}

/**
 * demo_gl_controller_attach_area:
 * @self: a GL controller
 * @area: the area to draw in
 *
 * Draws the scene in @area from its realize on, and attaches the
 * controller's coordinator to it. Call it once.
 */
void
demo_gl_controller_attach_area (DemoGLController *self,
                                GtkGLArea        *area)
{
  g_autoptr(GtkGLArea) current = NULL;

  g_return_if_fail (DEMO_IS_GL_CONTROLLER (self));
  g_return_if_fail (GTK_IS_GL_AREA (area));

  current = g_weak_ref_get (&self->area);
  g_return_if_fail (current == NULL);

  g_weak_ref_set (&self->area, area);

  /* The coordinator's handlers first: ours see their work done. */
  resmgr_gl_coordinator_attach_area (coordinator (self), area);
  g_signal_connect_object (area, "realize", G_CALLBACK (on_area_realize), self, G_CONNECT_AFTER);
  g_signal_connect_object (area, "unrealize", G_CALLBACK (on_area_unrealize), self, 0);
  g_signal_connect_object (area, "render", G_CALLBACK (on_render), self, 0);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_AREA]);

  if (gtk_widget_get_realized (GTK_WIDGET (area)))
    build_scene (self, area);
}

/**
 * demo_gl_controller_get_area:
 * @self: a GL controller
 *
 * Returns: (transfer none) (nullable): the attached area
 */
GtkGLArea *
demo_gl_controller_get_area (DemoGLController *self)
{
  GtkGLArea *area;

  g_return_val_if_fail (DEMO_IS_GL_CONTROLLER (self), NULL);

  area = g_weak_ref_get (&self->area);
  /* Borrowed: the tab keeps it. */
  if (area != NULL)
    g_object_unref (area);

  return area;
}

/* }}} */

/* Actions {{{ */

/**
 * demo_gl_controller_reallocate:
 * @self: a GL controller
 *
 * Makes a new vertex buffer and index buffer (the next polygon), then
 * releases the old ones and deletes them at once in one batch, and empties
 * the per-frame buffer pool. The new names are made before the old ones
 * go, so they never reuse them. The texture stays: a new one comes with
 * the next image ([method@Demo.GLController.load_image]). Does nothing
 * before the scene is built.
 */
void
demo_gl_controller_reallocate (DemoGLController *self)
{
  g_autoptr(GtkGLArea) area = NULL;
  guint64 fresh[DEMO_GL_N_OBJECTS] = { 0, };
  guint64 old[2];
  g_autoptr(GError) error = NULL;
  GdkGLContext *context, *previous;
  guint n_indices = 0;

  g_return_if_fail (DEMO_IS_GL_CONTROLLER (self));

  area = g_weak_ref_get (&self->area);
  context = area_context (area);
  if (!check_scene (self) || context == NULL)
    return;

  previous = push_context (context);
  if (!create_data_objects (self, context, self->generation + 1, fresh, &n_indices, &error))
    {
      release_ids (self, fresh, DEMO_GL_N_OBJECTS);
      pop_context (previous);
      resmgr_controller_set_status_printf (RESMGR_CONTROLLER (self), "Cannot reallocate: %s", error->message);
      return;
    }
  pop_context (previous);

  old[0] = self->ids[DEMO_GL_OBJECT_VERTEX_BUFFER];
  old[1] = self->ids[DEMO_GL_OBJECT_INDEX_BUFFER];
  self->ids[DEMO_GL_OBJECT_VERTEX_BUFFER] = fresh[DEMO_GL_OBJECT_VERTEX_BUFFER];
  self->ids[DEMO_GL_OBJECT_INDEX_BUFFER] = fresh[DEMO_GL_OBJECT_INDEX_BUFFER];
  self->n_indices = n_indices;
  self->generation++;

  /* One glDeleteBuffers, now. */
  release_ids (self, old, G_N_ELEMENTS (old));
  resmgr_gl_buffer_pool_purge (self->pool);

  g_object_freeze_notify (G_OBJECT (self));
  set_uint (self, &self->reallocations, self->reallocations + 1, PROP_REALLOCATIONS);
  update_counts (self);
  g_object_thaw_notify (G_OBJECT (self));
  resmgr_controller_set_status_printf (RESMGR_CONTROLLER (self), "Reallocated: a %u-sided polygon",
                                       polygon_sides (self->generation));
  gtk_gl_area_queue_render (area);
}

/**
 * demo_gl_controller_render_frames:
 * @self: a GL controller
 * @n: the number of frames
 *
 * Renders at least @n more frames, one per tick of the area's frame clock;
 * [property@Demo.GLController:frames-pending] counts down to 0 as they are
 * drawn (while the area is shown). Frames asked for before the scene is
 * built wait for it; a cleaned-up controller ignores the request.
 */
void
demo_gl_controller_render_frames (DemoGLController *self,
                                  guint             n)
{
  g_autoptr(GtkGLArea) area = NULL;

  g_return_if_fail (DEMO_IS_GL_CONTROLLER (self));

  /* Cleaned up: nothing more is drawn on request. */
  if (n == 0 || resmgr_controller_is_cleaned_up (RESMGR_CONTROLLER (self)))
    return;

  set_uint (self, &self->frames_pending, self->frames_pending + n, PROP_FRAMES_PENDING);
  update_ticking (self);
  area = g_weak_ref_get (&self->area);
  if (area != NULL)
    gtk_gl_area_queue_render (area);
}

/* }}} */

/**
 * demo_gl_controller_load_image:
 * @self: a GL controller
 * @file: an image file gdk-pixbuf can decode
 *
 * Decodes @file in a job of the controller's worker coordinator, then
 * uploads it as the polygon's texture on the owner (GL) thread, through the
 * controller's GL coordinator, and releases the previous texture. The
 * decode still running is cancelled. A cleaned-up controller ignores the
 * request.
 */
void
demo_gl_controller_load_image (DemoGLController *self,
                               GFile            *file)
{
  ResmgrWorkerCoordinator *workers;
  g_autofree char *worker_name = NULL;
  ResmgrWorker *worker;
  DecodeJob *job;

  g_return_if_fail (DEMO_IS_GL_CONTROLLER (self));
  g_return_if_fail (G_IS_FILE (file));

  if (resmgr_controller_is_cleaned_up (RESMGR_CONTROLLER (self)) || self->scene_released)
    return;

  stop_decode (self);
  if (g_set_object (&self->image, file))
    notify (self, PROP_IMAGE);

  job = g_new0 (DecodeJob, 1);
  g_weak_ref_init (&job->controller, self);
  job->generation = self->decode_generation;
  job->name = g_file_get_basename (file);

  /* The same component as the GL objects: a facet made at the first load. */
  workers = resmgr_controller_get_worker_coordinator (RESMGR_CONTROLLER (self));
  worker_name = g_strdup_printf ("decode %s", job->name);
  resmgr_controller_set_status_printf (RESMGR_CONTROLLER (self), "Decoding “%s”…", job->name);
  /* Refused (shutting down): NULL, and the callback says why. */
  worker = resmgr_worker_coordinator_run (workers, worker_name, decode_image_job,
                                          g_object_ref (file), g_object_unref,
                                          decoded_image_free, decode_done_cb, job);
  if (worker != NULL)
    {
      self->decode_worker = worker;
      g_signal_connect (worker, "notify::progress", G_CALLBACK (decode_progress_cb), self);
    }
}

/**
 * demo_gl_controller_cancel_load:
 * @self: a GL controller
 *
 * Cancels the decode running, if any; the texture shown stays.
 */
void
demo_gl_controller_cancel_load (DemoGLController *self)
{
  g_return_if_fail (DEMO_IS_GL_CONTROLLER (self));

  if (self->decode_worker != NULL)
    resmgr_worker_cancel (self->decode_worker);
}

/* }}} */

/* Getters {{{ */

/**
 * demo_gl_controller_get_ready:
 * @self: a GL controller
 *
 * Returns: whether the scene is built (the area realized with GL)
 */
gboolean
demo_gl_controller_get_ready (DemoGLController *self)
{
  g_return_val_if_fail (DEMO_IS_GL_CONTROLLER (self), FALSE);
  return self->ready;
}

guint
demo_gl_controller_get_frames_rendered (DemoGLController *self)
{
  g_return_val_if_fail (DEMO_IS_GL_CONTROLLER (self), 0);
  return self->frames_rendered;
}

guint
demo_gl_controller_get_frames_pending (DemoGLController *self)
{
  g_return_val_if_fail (DEMO_IS_GL_CONTROLLER (self), 0);
  return self->frames_pending;
}

guint
demo_gl_controller_get_n_gl_objects (DemoGLController *self)
{
  g_return_val_if_fail (DEMO_IS_GL_CONTROLLER (self), 0);
  return self->n_gl_objects;
}

guint64
demo_gl_controller_get_gl_bytes (DemoGLController *self)
{
  g_return_val_if_fail (DEMO_IS_GL_CONTROLLER (self), 0);
  return self->gl_bytes;
}

guint
demo_gl_controller_get_recreations (DemoGLController *self)
{
  g_return_val_if_fail (DEMO_IS_GL_CONTROLLER (self), 0);
  return self->recreations;
}

guint
demo_gl_controller_get_reallocations (DemoGLController *self)
{
  g_return_val_if_fail (DEMO_IS_GL_CONTROLLER (self), 0);
  return self->reallocations;
}

gboolean
demo_gl_controller_get_animate (DemoGLController *self)
{
  g_return_val_if_fail (DEMO_IS_GL_CONTROLLER (self), FALSE);
  return self->animate;
}

/**
 * demo_gl_controller_get_image:
 * @self: a GL controller
 *
 * Returns: (transfer none) (nullable): the image shown, or being decoded
 */
GFile *
demo_gl_controller_get_image (DemoGLController *self)
{
  g_return_val_if_fail (DEMO_IS_GL_CONTROLLER (self), NULL);
  return self->image;
}

/**
 * demo_gl_controller_get_decode_worker:
 * @self: a GL controller
 *
 * Returns: (transfer none) (nullable): the worker of the decode running
 */
ResmgrWorker *
demo_gl_controller_get_decode_worker (DemoGLController *self)
{
  g_return_val_if_fail (DEMO_IS_GL_CONTROLLER (self), NULL);
  return self->decode_worker;
}

double
demo_gl_controller_get_decode_progress (DemoGLController *self)
{
  g_return_val_if_fail (DEMO_IS_GL_CONTROLLER (self), 0.0);
  return self->decode_progress;
}

guint
demo_gl_controller_get_texture_width (DemoGLController *self)
{
  g_return_val_if_fail (DEMO_IS_GL_CONTROLLER (self), 0);
  return self->texture_width;
}

guint
demo_gl_controller_get_texture_height (DemoGLController *self)
{
  g_return_val_if_fail (DEMO_IS_GL_CONTROLLER (self), 0);
  return self->texture_height;
}

/**
 * demo_gl_controller_set_animate:
 * @self: a GL controller
 * @animate: whether the scene redraws at every tick of the frame clock
 */
void
demo_gl_controller_set_animate (DemoGLController *self,
                                gboolean          animate)
{
  g_return_if_fail (DEMO_IS_GL_CONTROLLER (self));

  animate = !!animate;
  if (self->animate == animate)
    return;
  self->animate = animate;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ANIMATE]);
  update_ticking (self);
}

/**
 * demo_gl_controller_get_gl_name:
 * @self: a GL controller
 * @object: which object of the scene
 *
 * Gets the current GL name of one object of the scene (for a container
 * object, its name in the area's current context).
 *
 * Returns: the name, or 0 when the scene is not built
 */
guint
demo_gl_controller_get_gl_name (DemoGLController *self,
                                DemoGLObject      object)
{
  g_return_val_if_fail (DEMO_IS_GL_CONTROLLER (self), 0);
  g_return_val_if_fail ((guint) object < DEMO_GL_N_OBJECTS, 0);

  return resmgr_gl_coordinator_get_name (coordinator (self), self->ids[object]);
}

/* }}} */

/* GObject {{{ */

static ResmgrCoordinator *
demo_gl_controller_create_coordinator (ResmgrController *controller,
                                       ResmgrService    *service)
{
  return RESMGR_COORDINATOR (resmgr_gl_coordinator_new (service));
}

/* Everything tracked was released (the decode first, the tick, then the
 * GL objects); the ids are stale. Nothing is built or decoded again. */
static void
demo_gl_controller_cleaned_up (ResmgrController    *controller,
                               ResmgrCleanupReport *report)
{
  DemoGLController *self = DEMO_GL_CONTROLLER (controller);

  /* The cleanup cancelled the decode; its outcome is dropped. */
  stop_decode (self);
  g_clear_pointer (&self->pending_image, decoded_image_free);
  forget_scene (self);
  if (self->frames_pending > 0)
    set_uint (self, &self->frames_pending, 0, PROP_FRAMES_PENDING);
  update_counts (self);
}

static void
demo_gl_controller_constructed (GObject *object)
{
  DemoGLController *self = DEMO_GL_CONTROLLER (object);

  G_OBJECT_CLASS (demo_gl_controller_parent_class)->constructed (object);

  self->pool = resmgr_gl_buffer_pool_new (coordinator (self), POOL_BUDGET);
}

static void
demo_gl_controller_dispose (GObject *object)
{
  /* The parent's dispose runs the cleanup if it did not run yet, which
   * needs our state: ours goes in finalize. */
  G_OBJECT_CLASS (demo_gl_controller_parent_class)->dispose (object);
}

static void
demo_gl_controller_finalize (GObject *object)
{
  DemoGLController *self = DEMO_GL_CONTROLLER (object);

  g_clear_pointer (&self->pending_status, g_free);
  if (self->decode_worker != NULL)
    g_signal_handlers_disconnect_by_func (self->decode_worker, decode_progress_cb, self);
  g_clear_object (&self->decode_worker);
  g_clear_pointer (&self->pending_image, decoded_image_free);
  g_clear_object (&self->image);
  g_clear_object (&self->pool);
  g_weak_ref_clear (&self->area);

  G_OBJECT_CLASS (demo_gl_controller_parent_class)->finalize (object);
}

static void
demo_gl_controller_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  DemoGLController *self = DEMO_GL_CONTROLLER (object);

  switch (prop_id)
    {
    case PROP_AREA:
      g_value_take_object (value, g_weak_ref_get (&self->area));
      break;
    case PROP_READY:
      g_value_set_boolean (value, self->ready);
      break;
    case PROP_ANIMATE:
      g_value_set_boolean (value, self->animate);
      break;
    case PROP_FRAMES_RENDERED:
      g_value_set_uint (value, self->frames_rendered);
      break;
    case PROP_FRAMES_PENDING:
      g_value_set_uint (value, self->frames_pending);
      break;
    case PROP_N_GL_OBJECTS:
      g_value_set_uint (value, self->n_gl_objects);
      break;
    case PROP_GL_BYTES:
      g_value_set_uint64 (value, self->gl_bytes);
      break;
    case PROP_RECREATIONS:
      g_value_set_uint (value, self->recreations);
      break;
    case PROP_REALLOCATIONS:
      g_value_set_uint (value, self->reallocations);
      break;
    case PROP_IMAGE:
      g_value_set_object (value, self->image);
      break;
    case PROP_DECODE_PROGRESS:
      g_value_set_double (value, self->decode_progress);
      break;
    case PROP_TEXTURE_WIDTH:
      g_value_set_uint (value, self->texture_width);
      break;
    case PROP_TEXTURE_HEIGHT:
      g_value_set_uint (value, self->texture_height);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
demo_gl_controller_set_property (GObject      *object,
                                 guint         prop_id,
                                 const GValue *value,
                                 GParamSpec   *pspec)
{
  DemoGLController *self = DEMO_GL_CONTROLLER (object);

  switch (prop_id)
    {
    case PROP_ANIMATE:
      demo_gl_controller_set_animate (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
demo_gl_controller_class_init (DemoGLControllerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  ResmgrControllerClass *controller_class = RESMGR_CONTROLLER_CLASS (klass);

  object_class->constructed = demo_gl_controller_constructed;
  object_class->dispose = demo_gl_controller_dispose;
  object_class->finalize = demo_gl_controller_finalize;
  object_class->get_property = demo_gl_controller_get_property;
  object_class->set_property = demo_gl_controller_set_property;

  controller_class->create_coordinator = demo_gl_controller_create_coordinator;
  controller_class->cleaned_up = demo_gl_controller_cleaned_up;

  /**
   * DemoGLController:area:
   *
   * The attached GL area.
   */
  properties[PROP_AREA] =
    g_param_spec_object ("area", NULL, NULL,
                         GTK_TYPE_GL_AREA,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * DemoGLController:ready:
   *
   * Whether the scene is built.
   */
  properties[PROP_READY] =
    g_param_spec_boolean ("ready", NULL, NULL,
                          FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * DemoGLController:animate:
   *
   * Whether the scene redraws at every tick of the area's frame clock.
   */
  properties[PROP_ANIMATE] =
    g_param_spec_boolean ("animate", NULL, NULL,
                          TRUE,
                          G_PARAM_READWRITE | G_PARAM_CONSTRUCT | G_PARAM_STATIC_STRINGS |
                          G_PARAM_EXPLICIT_NOTIFY);

  /**
   * DemoGLController:frames-rendered:
   *
   * The frames drawn so far.
   */
  properties[PROP_FRAMES_RENDERED] =
    g_param_spec_uint ("frames-rendered", NULL, NULL,
                       0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * DemoGLController:frames-pending:
   *
   * The frames asked for with demo_gl_controller_render_frames() and not
   * drawn yet.
   */
  properties[PROP_FRAMES_PENDING] =
    g_param_spec_uint ("frames-pending", NULL, NULL,
                       0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * DemoGLController:n-gl-objects:
   *
   * The GL objects the controller owns now (its coordinator's count).
   */
  properties[PROP_N_GL_OBJECTS] =
    g_param_spec_uint ("n-gl-objects", NULL, NULL,
                       0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * DemoGLController:gl-bytes:
   *
   * The bytes of the GL objects the controller owns now.
   */
  properties[PROP_GL_BYTES] =
    g_param_spec_uint64 ("gl-bytes", NULL, NULL,
                         0, G_MAXUINT64, 0,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * DemoGLController:recreations:
   *
   * How many times the container objects (vertex array, framebuffer) were
   * rebuilt in a new context after the area was realized again.
   */
  properties[PROP_RECREATIONS] =
    g_param_spec_uint ("recreations", NULL, NULL,
                       0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * DemoGLController:reallocations:
   *
   * How many times demo_gl_controller_reallocate() replaced the buffers.
   */
  properties[PROP_REALLOCATIONS] =
    g_param_spec_uint ("reallocations", NULL, NULL,
                       0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * DemoGLController:image:
   *
   * The image file on the polygon, or being decoded for it.
   */
  properties[PROP_IMAGE] =
    g_param_spec_object ("image", NULL, NULL,
                         G_TYPE_FILE,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * DemoGLController:decode-progress:
   *
   * The progress of the decode running (its worker's), 0 when none runs.
   */
  properties[PROP_DECODE_PROGRESS] =
    g_param_spec_double ("decode-progress", NULL, NULL,
                         0.0, 1.0, 0.0,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * DemoGLController:texture-width:
   *
   * The width of the texture on the polygon: the decoded image's; 0 without.
   */
  properties[PROP_TEXTURE_WIDTH] =
    g_param_spec_uint ("texture-width", NULL, NULL,
                       0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * DemoGLController:texture-height:
   *
   * The height of the texture on the polygon: the decoded image's; 0 without.
   */
  properties[PROP_TEXTURE_HEIGHT] =
    g_param_spec_uint ("texture-height", NULL, NULL,
                       0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
demo_gl_controller_init (DemoGLController *self)
{
  g_weak_ref_init (&self->area, NULL);
  self->animate = TRUE;
}

/**
 * demo_gl_controller_new:
 *
 * Creates a GL controller tracking through the default service.
 *
 * Returns: (transfer full): a new controller
 */
DemoGLController *
demo_gl_controller_new (void)
{
  return g_object_new (DEMO_TYPE_GL_CONTROLLER, NULL);
}

/* }}} */
