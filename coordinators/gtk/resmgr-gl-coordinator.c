/* resmgr-gl-coordinator.c
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <epoxy/gl.h>

#include <resmgr.h>

#include "resmgr-private.h"
#include "resmgr-gl-coordinator.h"
#include "resmgr-gtk-enums.h"

/**
 * ResmgrGLCoordinator:
 *
 * A coordinator for GL object names, each remembered with the
 * [class@Gdk.GLContext] it was made in.
 *
 * Two facts of GTK 4 shape it. All GL contexts of one [class@Gdk.Display]
 * share one object namespace: textures, buffers, renderbuffers, samplers,
 * shaders and programs outlive the context that made them, so when that
 * context is gone they are deleted through another live context of the
 * display (one of an attached [class@Gtk.GLArea], or one the coordinator
 * creates), never leaked. Container objects (vertex arrays, framebuffers,
 * queries) belong to one context and die with it: they are only ever
 * deleted in it, and reported *lost*, with no GL call, when it is gone.
 * And in a widget's `unrealize` the current context is GTK's renderer's,
 * not the area's: [method@ResmgrGtk.GLCoordinator.attach_area] makes the
 * area's context current itself, deletes, and restores what was current.
 *
 * Like its parent, the coordinator is a façade over the service: tracking
 * returns the service's id (0 with an error), and a [struct@Resmgr.Handle]
 * is made only when asked for ([method@Resmgr.Coordinator.lookup]); one
 * object is released with [method@Resmgr.Coordinator.release], several
 * with [method@ResmgrGtk.GLCoordinator.release_many].
 *
 * ## What it keeps
 *
 * Each GL object is one entry of the service, whose resource is the only
 * record the coordinator adds: what deleting the name takes and nothing
 * the entry already says (label, size, component, state). That is the
 * kind, the current name, the context the name lives in (one record per
 * context, shared by its objects, with its display: the share group), the
 * entry's id (to find the record again), and, only for objects tracked
 * with [method@ResmgrGtk.GLCoordinator.track_recreatable], the create
 * function with its data and the label to set again on each new name.
 * Tracking allocates that record and the service's entry, nothing else.
 *
 * Released names are deleted in one batched `glDelete*` call per kind and
 * context, with a suitable context made current and the previous one
 * restored; GL errors are reported as cleanup failures. Deletion happens at
 * the coordinator's own cleanup (priority 79, right after every GL object's
 * own entry at 80), in [method@ResmgrGtk.GLCoordinator.flush] and
 * [method@ResmgrGtk.GLCoordinator.release_many], or from an idle callback
 * after a single release. A cleanup asked for during a frame
 * ([method@ResmgrGtk.GLCoordinator.begin_frame]) runs when the frame ends.
 *
 * ## The life of an attached area
 *
 * GTK 4 unrealizes a widget that moves to another window (reparenting, a
 * notebook tab dropped in another window's notebook) and realizes it
 * again there, where a #GtkGLArea gets a new [class@Gdk.GLContext].
 * Unrealize is not the end of the area, so for an area given to
 * [method@ResmgrGtk.GLCoordinator.attach_area]:
 *
 * - At its unrealize (before GtkGLArea's own, while its context lives) the
 *   container objects made in its context are deleted there. Those tracked
 *   with [method@ResmgrGtk.GLCoordinator.track_recreatable] keep their entry
 *   and id, and their `create` function runs again in the new context
 *   at the next realize ([method@ResmgrGtk.GLCoordinator.get_name] gives the
 *   new name; connect to the area's `realize` with %G_CONNECT_AFTER, after
 *   attaching it, to see it there). Those tracked with
 *   [method@ResmgrGtk.GLCoordinator.track] are released: re-create them
 *   yourself.
 * - Shareable objects carry over untouched: same names, valid in the new
 *   context.
 * - When shareable objects are tracked, the area's context is kept from
 *   its unrealize until the area is realized again, it is detached, or no
 *   shareable object of its display is left to delete (the last one was
 *   deleted; at the latest, the component's cleanup deleted them all). A
 *   component cleaned after its widget was destroyed (its window, even the
 *   area, gone: see `resmgr_controller_bind_widget ()`) has them deleted
 *   through that context, not through one made for them, and the context
 *   goes right after: a destroyed window's context never lives on with
 *   the coordinator.
 * - No GL call is made for objects of a closed display: their deletion
 *   fails with %RESMGR_ERROR_CONTEXT_LOST.
 *
 * ## Thread safety
 *
 * GL calls happen only on the *GL thread*: the thread that owns the
 * coordinator's context ([method@Resmgr.Coordinator.get_context]; bind the
 * coordinator on the GTK main thread), in the sense of docs/threading.md —
 * it iterates that context, pushed it as its thread-default, or it is the
 * main thread and the context is the global default one. No other thread
 * ever makes a GL context current, even one that could acquire the main
 * context.
 *
 * - [method@ResmgrGtk.GLCoordinator.track] may be called from any thread; from
 *   another thread, setting the label (a GL call) is dispatched to the GL
 *   thread and happens when it next iterates, if the object is still
 *   tracked then.
 * - [method@ResmgrGtk.GLCoordinator.track_recreatable] runs its `create`
 *   function at once, so it must be called on the GL thread; elsewhere it
 *   fails with %RESMGR_ERROR_INVALID_ARGUMENT and calls nothing.
 * - Releasing, [method@ResmgrGtk.GLCoordinator.release_many],
 *   [method@ResmgrGtk.GLCoordinator.flush] and cleanups may be called from any
 *   thread: the names are queued, and their deletion runs on the GL thread
 *   (at once there, else from an idle dispatched to it).
 * - The coordinator's tables stay consistent when the component is cleaned
 *   on the GL thread while another thread tracks: an object whose entry
 *   was cleaned before the tracking call finished is never added, and its
 *   name is deleted once.
 *
 * Since: 0.1
 */

#define FLUSH_PRIORITY (80 - 1)
#define N_KINDS        (RESMGR_GL_OBJECT_QUERY + 1)

/* What re-creating a container object takes (track_recreatable only). */
typedef struct
{
  ResmgrGLCreateFunc   create;
  gpointer             user_data;
  GDestroyNotify       destroy;
  char                *label;      /* set again on each new name */
  gconstpointer        area;       /* the area whose unrealize zeroed the name (identity only);
                                    * protected by the coordinator's mutex */
} Recreate;

/* One GL object: the resource of its service entry, and the coordinator's
 * only record of it (see "What it keeps" above). */
typedef struct
{
  gatomicrefcount      ref_count;  /* the entry's, the table's, and short-lived holders' */
  ResmgrGLCoordinator *self;       /* alive while the entry is: it holds a ref */
  ResmgrGLObjectKind   kind;
  /* Protected by the coordinator's mutex: */
  guint                name;       /* 0 while not created (re-creatable) */
  gboolean             in_table;   /* priv->objects holds a reference */
  gboolean             cleaned;    /* its entry's cleanup ran: never (re)inserted */
  guint64              id;
  struct _CtxInfo     *ci;         /* the context the name lives in */
  Recreate            *recreate;   /* NULL unless track_recreatable () */
} GLObject;

/* One GdkGLContext, shared by the objects made in it: one weak reference
 * per context, not per object (clearing GLib 2.74 weak references walks a
 * list per object). */
typedef struct _CtxInfo
{
  gatomicrefcount  ref_count;
  gconstpointer    address;   /* identity only, never dereferenced */
  GWeakRef         context;
  GdkDisplay      *display;   /* its share group */
  /* Protected by the coordinator's mutex: the shareable objects made in
   * it that are in the table (their record never moves to another
   * context: only container objects are re-created). */
  guint            n_shareable;
} CtxInfo;

/* A growable array of names, appended to inline on every release. */
typedef struct
{
  guint *data;
  guint  len;
  guint  size;
} Names;

/* Names waiting for their glDelete*, per context and kind. */
typedef struct
{
  CtxInfo      *ci;
  GdkGLContext *container_context; /* held while container names wait */
  Names         names[N_KINDS];
} Bucket;

typedef struct
{
  /* Protected by mutex: */
  GMutex       mutex;
  GHashTable  *objects;        /* guint64* (in GLObject) → GLObject* */
  GPtrArray   *contexts;       /* CtxInfo*, one per context seen */
  GPtrArray   *buckets;        /* Bucket* */
  guint        n_pending;
  GPtrArray   *areas;          /* AreaLink* */
  GPtrArray   *own_contexts;   /* GdkGLContext* we created to reach a share group */
  guint        frame_depth;
  gboolean     flush_after_frame;
  gboolean     flushing;
  gboolean     idle_scheduled;
} ResmgrGLCoordinatorPrivate;

typedef struct
{
  GWeakRef      area;
  gconstpointer address;  /* identity only, never dereferenced */
  gulong        realize_id;
  gulong        unrealize_id;
  /* Protected by the coordinator's mutex: the area's context at its last
   * unrealize, kept while the area is unrealized if shareable objects were
   * made in it, so that they are deleted through it (its window, even the
   * area, may be gone by then). */
  GdkGLContext *kept;
} AreaLink;

G_DEFINE_TYPE_WITH_PRIVATE (ResmgrGLCoordinator, resmgr_gl_coordinator, RESMGR_TYPE_COORDINATOR)

#define PRIV(self) ((ResmgrGLCoordinatorPrivate *) resmgr_gl_coordinator_get_instance_private (self))

static gboolean flush_internal (ResmgrGLCoordinator  *self,
                                GError              **error);

/* Kinds {{{ */

static const struct {
  GLenum      label_identifier;
  gboolean    shareable;
} kinds[N_KINDS] = {
  [RESMGR_GL_OBJECT_TEXTURE]      = { GL_TEXTURE,      TRUE },
  [RESMGR_GL_OBJECT_BUFFER]       = { GL_BUFFER,       TRUE },
  [RESMGR_GL_OBJECT_FRAMEBUFFER]  = { GL_FRAMEBUFFER,  FALSE },
  [RESMGR_GL_OBJECT_RENDERBUFFER] = { GL_RENDERBUFFER, TRUE },
  [RESMGR_GL_OBJECT_VERTEX_ARRAY] = { GL_VERTEX_ARRAY, FALSE },
  [RESMGR_GL_OBJECT_SHADER]       = { GL_SHADER,       TRUE },
  [RESMGR_GL_OBJECT_PROGRAM]      = { GL_PROGRAM,      TRUE },
  [RESMGR_GL_OBJECT_SAMPLER]      = { GL_SAMPLER,      TRUE },
  [RESMGR_GL_OBJECT_QUERY]        = { GL_QUERY,        FALSE },
};

/* The short name of @kind ("texture", "vertex-array", …) for messages and
 * report names: the enum's nick. */
static const char *
kind_nick (ResmgrGLObjectKind kind)
{
  return _resmgr_enum_nick (RESMGR_TYPE_GL_OBJECT_KIND, kind);
}

/* }}} */

/* Contexts {{{ */

/* Makes @context current, returning what was current to restore. */
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

static gboolean
has_debug_labels (void)
{
  return epoxy_gl_version () >= 43 || epoxy_has_gl_extension ("GL_KHR_debug");
}

/* With the object's context current. */
static void
apply_label_current (ResmgrGLObjectKind  kind,
                     guint               name,
                     const char         *label)
{
  if (label == NULL || name == 0 || !has_debug_labels ())
    return;

  glObjectLabel (kinds[kind].label_identifier, name, -1, label);
  /* A name not bound yet (a vertex array before its first bind) is not an
   * object for GL: the label is only a courtesy, so drop its error. */
  while (glGetError () != GL_NO_ERROR)
    ;
}

/* Whether GL may be called from this thread: the one that owns the
 * coordinator's context (the GTK thread), by the one rule of
 * _resmgr_context_is_owned_here (): never a thread that could merely
 * acquire that context, nor the first thread that happened to track. */
static gboolean
on_owner_thread (ResmgrGLCoordinator *self)
{
  return _resmgr_context_is_owned_here (resmgr_coordinator_get_context (RESMGR_COORDINATOR (self)));
}

/* A live context through which names of @display can be deleted: one an
 * attached area had at its last unrealize, a realized attached area's, one
 * made for them, or one we create. */
static GdkGLContext *
find_context_for_display (ResmgrGLCoordinator  *self,
                          GdkDisplay           *display,
                          GError              **error)
{
  ResmgrGLCoordinatorPrivate *priv = PRIV (self);
  g_autoptr(GPtrArray) areas = g_ptr_array_new_with_free_func (g_object_unref);
  GdkGLContext *found = NULL;
  GdkGLContext *created;

  g_mutex_lock (&priv->mutex);
  for (guint i = 0; i < priv->areas->len; i++)
    {
      AreaLink *link = g_ptr_array_index (priv->areas, i);
      GtkGLArea *area = g_weak_ref_get (&link->area);

      if (area != NULL)
        g_ptr_array_add (areas, area);
      /* Kept since its unrealize: the area may be gone, its window too. */
      if (found == NULL && link->kept != NULL && gdk_gl_context_get_display (link->kept) == display)
        found = g_object_ref (link->kept);
    }
  g_mutex_unlock (&priv->mutex);

  /* Unreffed outside the lock: one of these may be the last reference. */
  for (guint i = 0; found == NULL && i < areas->len; i++)
    {
      GtkGLArea *area = g_ptr_array_index (areas, i);
      GdkGLContext *context = gtk_widget_get_realized (GTK_WIDGET (area)) ? gtk_gl_area_get_context (area) : NULL;

      if (context != NULL && gdk_gl_context_get_display (context) == display)
        found = g_object_ref (context);
    }

  g_mutex_lock (&priv->mutex);
  for (guint i = 0; found == NULL && i < priv->own_contexts->len; i++)
    {
      GdkGLContext *context = g_ptr_array_index (priv->own_contexts, i);

      if (gdk_gl_context_get_display (context) == display)
        found = g_object_ref (context);
    }
  g_mutex_unlock (&priv->mutex);

  if (found != NULL)
    return found;

  created = gdk_display_create_gl_context (display, error);
  if (created == NULL)
    return NULL;
  if (!gdk_gl_context_realize (created, error))
    {
      g_object_unref (created);
      return NULL;
    }

  g_mutex_lock (&priv->mutex);
  g_ptr_array_add (priv->own_contexts, g_object_ref (created));
  g_mutex_unlock (&priv->mutex);

  return created;
}

/* }}} */

/* GL objects {{{ */

static CtxInfo *
ctx_info_ref (CtxInfo *ci)
{
  g_atomic_ref_count_inc (&ci->ref_count);
  return ci;
}

static void
ctx_info_unref (gpointer data)
{
  CtxInfo *ci = data;

  if (g_atomic_ref_count_dec (&ci->ref_count))
    {
      g_weak_ref_clear (&ci->context);
      g_object_unref (ci->display);
      g_free (ci);
    }
}

/* Finds (or adds) the record of @context. */
static CtxInfo *
ctx_info_for_locked (ResmgrGLCoordinatorPrivate *priv,
                     GdkGLContext               *context)
{
  CtxInfo *ci;

  for (guint i = 0; i < priv->contexts->len; i++)
    {
      GdkGLContext *c;

      ci = g_ptr_array_index (priv->contexts, i);
      if (ci->address != context)
        continue;
      /* Same address: the same context if the record's is still alive (a
       * dead one's address can be reused). Only @context, which the caller
       * holds, is ever referenced here, so this is never a last unref. */
      c = g_weak_ref_get (&ci->context);
      if (c != NULL)
        g_object_unref (c);
      if (c == context)
        return ctx_info_ref (ci);
    }

  ci = g_new0 (CtxInfo, 1);
  g_atomic_ref_count_init (&ci->ref_count);
  ci->address = context;
  g_weak_ref_init (&ci->context, context);
  ci->display = g_object_ref (gdk_gl_context_get_display (context));
  g_ptr_array_add (priv->contexts, ctx_info_ref (ci));

  return ci;
}

static GLObject *
gl_object_ref (GLObject *o)
{
  g_atomic_ref_count_inc (&o->ref_count);
  return o;
}

static void
gl_object_unref (gpointer data)
{
  GLObject *o = data;

  if (g_atomic_ref_count_dec (&o->ref_count))
    {
      if (o->recreate != NULL)
        {
          if (o->recreate->destroy != NULL)
            o->recreate->destroy (o->recreate->user_data);
          g_free (o->recreate->label);
          g_free (o->recreate);
        }
      g_clear_pointer (&o->ci, ctx_info_unref);
      g_free (o);
    }
}

static void
bucket_free (gpointer data)
{
  Bucket *b = data;

  for (guint k = 0; k < N_KINDS; k++)
    g_free (b->names[k].data);
  g_clear_object (&b->container_context);
  ctx_info_unref (b->ci);
  g_free (b);
}

static inline void
names_append (Names *names,
              guint  name)
{
  if (G_UNLIKELY (names->len == names->size))
    {
      names->size = MAX (64, names->size * 2);
      names->data = g_renew (guint, names->data, names->size);
    }
  names->data[names->len++] = name;
}

static Bucket *
bucket_for_locked (ResmgrGLCoordinatorPrivate *priv,
                   CtxInfo                    *ci)
{
  Bucket *b;

  for (guint i = 0; i < priv->buckets->len; i++)
    if ((b = g_ptr_array_index (priv->buckets, i))->ci == ci)
      return b;

  b = g_new0 (Bucket, 1);
  b->ci = ctx_info_ref (ci);
  g_ptr_array_add (priv->buckets, b);

  return b;
}

/* Whether shareable objects of @display are tracked: a context kept for
 * them is needed. (Names another thread queues after a flush's last check
 * are deleted by the flush it schedules, through a context found then.) */
static gboolean
display_needs_context_locked (ResmgrGLCoordinatorPrivate *priv,
                              GdkDisplay                 *display)
{
  for (guint i = 0; i < priv->contexts->len; i++)
    {
      CtxInfo *ci = g_ptr_array_index (priv->contexts, i);

      if (ci->display == display && ci->n_shareable > 0)
        return TRUE;
    }

  return FALSE;
}

/* Lets go of the contexts kept at areas' unrealize that no tracked object
 * needs any more (the last shareable object of their display was deleted,
 * at the latest by the component's cleanup), so that a destroyed window's
 * context does not live on with the coordinator. On the GL thread: the
 * unref may finalize the context. */
static void
let_go_of_unneeded_contexts (ResmgrGLCoordinator *self)
{
  ResmgrGLCoordinatorPrivate *priv = PRIV (self);
  g_autoptr(GPtrArray) unneeded = NULL;

  g_mutex_lock (&priv->mutex);
  for (guint i = 0; i < priv->areas->len; i++)
    {
      AreaLink *link = g_ptr_array_index (priv->areas, i);

      if (link->kept == NULL ||
          display_needs_context_locked (priv, gdk_gl_context_get_display (link->kept)))
        continue;
      if (unneeded == NULL)
        unneeded = g_ptr_array_new_with_free_func (g_object_unref);
      g_ptr_array_add (unneeded, g_steal_pointer (&link->kept));
    }
  g_mutex_unlock (&priv->mutex);

  /* Unreffed outside the lock: possibly the last references. */
}

static gboolean
flush_idle_cb (gpointer data)
{
  ResmgrGLCoordinator *self = g_weak_ref_get (data);

  if (self != NULL)
    {
      g_autoptr(GError) error = NULL;

      g_mutex_lock (&PRIV (self)->mutex);
      PRIV (self)->idle_scheduled = FALSE;
      g_mutex_unlock (&PRIV (self)->mutex);

      if (!flush_internal (self, &error))
        g_warning ("%s of “%s”: %s", G_OBJECT_TYPE_NAME (self),
                   resmgr_coordinator_get_component_id (RESMGR_COORDINATOR (self)),
                   error->message);
      g_object_unref (self);
    }

  return G_SOURCE_REMOVE;
}

static void
schedule_flush (ResmgrGLCoordinator *self)
{
  ResmgrGLCoordinatorPrivate *priv = PRIV (self);
  GMainContext *context = resmgr_coordinator_get_context (RESMGR_COORDINATOR (self));
  gboolean schedule;
  GSource *source;

  g_mutex_lock (&priv->mutex);
  schedule = !priv->idle_scheduled;
  priv->idle_scheduled = TRUE;
  g_mutex_unlock (&priv->mutex);

  if (!schedule)
    return;

  /* Always an idle, also on the owner thread: a deferral that batches the
   * names released before the next iteration (at most one pending), not a
   * way to reach the owner; from another thread it is how GL gets there. */
  source = g_idle_source_new ();
  g_source_set_priority (source, G_PRIORITY_HIGH_IDLE);
  g_source_set_static_name (source, "[resmgr] GL deletion");
  g_source_set_callback (source, flush_idle_cb, _resmgr_weak_ref_new (self), _resmgr_weak_ref_free);
  g_source_attach (source, context);
  g_source_unref (source);
}

/* The service releases one GL object: queue its name, unless it went away
 * with its context. Runs on the owner context at cleanups, or on the
 * releasing thread; no GL call here. */
static gboolean
gl_object_cleanup (gpointer   resource,
                   gpointer   user_data,
                   GError   **error)
{
  GLObject *o = resource;
  ResmgrGLCoordinator *self = o->self;
  ResmgrGLCoordinatorPrivate *priv = PRIV (self);
  GdkGLContext *context = NULL;
  ResmgrGLObjectKind kind = o->kind;
  gboolean schedule, in_table;
  Bucket *b;
  guint name;

  /* The table's reference is only dropped if the table took one: the
   * component may be cleaned (on the owner) between the service's track
   * and track_gl_object's insert (on another thread); then the object is
   * marked cleaned and never inserted. */
  g_mutex_lock (&priv->mutex);
  o->cleaned = TRUE;
  name = o->name;
  o->name = 0;
  in_table = o->in_table;
  if (in_table)
    {
      g_hash_table_steal (priv->objects, &o->id);
      o->in_table = FALSE;
      if (kinds[kind].shareable)
        o->ci->n_shareable--;
    }

  /* Never created, or deleted already (its area's context went). */
  if (name == 0)
    {
      g_mutex_unlock (&priv->mutex);
      if (in_table)
        gl_object_unref (o);
      return TRUE;
    }

  if (!kinds[kind].shareable && (context = g_weak_ref_get (&o->ci->context)) == NULL)
    {
      g_mutex_unlock (&priv->mutex);
      if (in_table)
        gl_object_unref (o);
      g_set_error (error, RESMGR_ERROR, RESMGR_ERROR_CONTEXT_LOST,
                   "%s %u was freed with its context", kind_nick (kind), name);
      return FALSE;
    }

  b = bucket_for_locked (priv, o->ci);
  if (context != NULL && b->container_context == NULL)
    b->container_context = g_steal_pointer (&context);
  names_append (&b->names[kind], name);
  priv->n_pending++;
  schedule = !priv->idle_scheduled;
  g_mutex_unlock (&priv->mutex);

  g_clear_object (&context);
  /* The entry holds the object until this returns: never the last here. */
  if (in_table)
    gl_object_unref (o);

  /* A single release: delete soon, in one batch with whatever else goes
   * before the next main loop iteration. Cleanups flush at FLUSH_PRIORITY. */
  if (schedule)
    schedule_flush (self);

  return TRUE;
}

static void
delete_names (ResmgrGLObjectKind  kind,
              const guint        *names,
              guint               n)
{
  switch (kind)
    {
    case RESMGR_GL_OBJECT_TEXTURE:
      glDeleteTextures (n, names);
      break;
    case RESMGR_GL_OBJECT_BUFFER:
      glDeleteBuffers (n, names);
      break;
    case RESMGR_GL_OBJECT_FRAMEBUFFER:
      glDeleteFramebuffers (n, names);
      break;
    case RESMGR_GL_OBJECT_RENDERBUFFER:
      glDeleteRenderbuffers (n, names);
      break;
    case RESMGR_GL_OBJECT_VERTEX_ARRAY:
      glDeleteVertexArrays (n, names);
      break;
    case RESMGR_GL_OBJECT_SAMPLER:
      glDeleteSamplers (n, names);
      break;
    case RESMGR_GL_OBJECT_QUERY:
      glDeleteQueries (n, names);
      break;
    case RESMGR_GL_OBJECT_SHADER:
      /* GL has no batched form for these two. */
      for (guint i = 0; i < n; i++)
        glDeleteShader (names[i]);
      break;
    case RESMGR_GL_OBJECT_PROGRAM:
      for (guint i = 0; i < n; i++)
        glDeleteProgram (names[i]);
      break;
    default:
      g_assert_not_reached ();
    }
}

/* Deletes the names of one bucket with a suitable context current;
 * returns FALSE with @error for GL errors. */
static gboolean
delete_bucket (ResmgrGLCoordinator  *self,
               Bucket               *b,
               GError              **error)
{
  g_autoptr(GdkGLContext) context = NULL;
  GdkGLContext *previous;
  GString *errors = NULL;
  GLenum gl_error;
  guint n = 0;

  for (guint k = 0; k < N_KINDS; k++)
    n += b->names[k].len;
  if (n == 0)
    return TRUE;

  /* A closed display took its objects with it: no GL call may reach it. */
  if (gdk_display_is_closed (b->ci->display))
    {
      g_set_error (error, RESMGR_ERROR, RESMGR_ERROR_CONTEXT_LOST,
                   "%u GL name(s) went with their display “%s”, closed before their deletion",
                   n, gdk_display_get_name (b->ci->display));
      return FALSE;
    }

  /* Container names only ever in their own context (held since queued);
   * shareable ones in any live context of the share group. */
  if (b->container_context != NULL)
    context = g_object_ref (b->container_context);
  else if ((context = g_weak_ref_get (&b->ci->context)) == NULL)
    context = find_context_for_display (self, b->ci->display, error);
  if (context == NULL)
    {
      g_prefix_error (error, "Cannot reach the share group of %u GL name(s) to delete them: ", n);
      return FALSE;
    }

  previous = push_context (context);
  while (glGetError () != GL_NO_ERROR)
    ;

  for (guint k = 0; k < N_KINDS; k++)
    {
      Names *names = &b->names[k];

      if (names->len == 0)
        continue;

      delete_names (k, names->data, names->len);

      while ((gl_error = glGetError ()) != GL_NO_ERROR)
        {
          if (errors == NULL)
            errors = g_string_new (NULL);
          g_string_append_printf (errors, "%sGL error 0x%04x deleting %u %s name(s)",
                                  errors->len ? "; " : "", gl_error, names->len,
                                  kind_nick (k));
        }
    }

  pop_context (previous);

  if (errors != NULL)
    {
      g_set_error (error, RESMGR_ERROR, RESMGR_ERROR_CLEANUP_FAILED, "%s", errors->str);
      g_string_free (errors, TRUE);
      return FALSE;
    }

  return TRUE;
}

static gboolean
flush_internal (ResmgrGLCoordinator  *self,
                GError              **error)
{
  ResmgrGLCoordinatorPrivate *priv = PRIV (self);
  g_autoptr(GPtrArray) buckets = NULL;
  GError *first_error = NULL;

  if (!on_owner_thread (self))
    {
      /* GL belongs to the owner thread: delete from there. */
      schedule_flush (self);
      return TRUE;
    }

  g_mutex_lock (&priv->mutex);
  if (priv->frame_depth > 0)
    {
      priv->flush_after_frame = TRUE;
      g_mutex_unlock (&priv->mutex);
      return TRUE;
    }
  buckets = g_steal_pointer (&priv->buckets);
  priv->buckets = g_ptr_array_new_with_free_func (bucket_free);
  priv->n_pending = 0;
  priv->flushing = TRUE;
  g_mutex_unlock (&priv->mutex);

  for (guint i = 0; i < buckets->len; i++)
    {
      GError *local_error = NULL;

      if (!delete_bucket (self, g_ptr_array_index (buckets, i), &local_error))
        {
          if (first_error == NULL)
            first_error = local_error;
          else
            g_clear_error (&local_error);
        }
    }

  g_mutex_lock (&priv->mutex);
  priv->flushing = FALSE;
  g_mutex_unlock (&priv->mutex);

  let_go_of_unneeded_contexts (self);

  if (first_error != NULL)
    {
      g_propagate_error (error, first_error);
      return FALSE;
    }

  return TRUE;
}

/* }}} */

/* Tracking {{{ */

/* Tracks @o (the caller's reference is the entry's on success) under
 * @label, or "<kind> <name>". */
static guint64
track_gl_object (ResmgrGLCoordinator  *self,
                 GLObject             *o,
                 gsize                 size,
                 const char           *label,
                 GError              **error)
{
  ResmgrGLCoordinatorPrivate *priv = PRIV (self);
  char fallback[48];
  guint64 id;

  if (label == NULL)
    {
      g_snprintf (fallback, sizeof fallback, "%s %u", kind_nick (o->kind), o->name);
      label = fallback;
    }

  /* The entry owns one reference to the object (taken over from the
   * caller on success); the table another, taken here unless the entry's
   * cleanup already ran (a concurrent cleanup of the component, or a
   * release on another thread); this call holds one meanwhile, since the
   * entry may be gone before the service returns. */
  o->self = self;
  gl_object_ref (o);
  id = resmgr_coordinator_track_resource (RESMGR_COORDINATOR (self), RESMGR_RESOURCE_TYPE_GL_OBJECT,
                                          label, size, RESMGR_PRIORITY_DEFAULT,
                                          o, gl_object_cleanup, o, gl_object_unref, error);
  if (id == 0)
    {
      gl_object_unref (o);
      return 0;
    }

  g_mutex_lock (&priv->mutex);
  o->id = id;
  if (!o->cleaned)
    {
      g_hash_table_insert (priv->objects, &o->id, gl_object_ref (o));
      o->in_table = TRUE;
      if (kinds[o->kind].shareable)
        o->ci->n_shareable++;
    }
  g_mutex_unlock (&priv->mutex);

  gl_object_unref (o);

  /* Cleaned already (a concurrent cleanup of the component): the id is
   * the released entry's, as for any resource released right after its
   * tracking; get_name () tells 0. */
  return id;
}

/* A label to set on the GL thread for a track from another thread. */
typedef struct
{
  ResmgrGLCoordinator *self;
  GLObject            *object;
  char                *label;
} LabelCall;

static gboolean
label_call_cb (gpointer data)
{
  LabelCall *call = data;
  ResmgrGLCoordinatorPrivate *priv = PRIV (call->self);
  GLObject *o = call->object;
  GdkGLContext *context = NULL;
  GdkGLContext *previous;
  guint name = 0;

  /* Still tracked and in the context it was made in (its name is only
   * deleted on this thread, so it stays valid during the call). */
  g_mutex_lock (&priv->mutex);
  if (!o->cleaned && o->name != 0)
    {
      context = g_weak_ref_get (&o->ci->context);
      name = o->name;
    }
  g_mutex_unlock (&priv->mutex);

  if (context == NULL)
    return G_SOURCE_REMOVE;

  previous = push_context (context);
  apply_label_current (o->kind, name, call->label);
  pop_context (previous);
  g_object_unref (context);

  return G_SOURCE_REMOVE;
}

static void
label_call_free (gpointer data)
{
  LabelCall *call = data;

  gl_object_unref (call->object);
  g_object_unref (call->self);
  g_free (call->label);
  g_free (call);
}

static GLObject *
gl_object_new (ResmgrGLCoordinator *self,
               GdkGLContext        *context,
               ResmgrGLObjectKind   kind,
               guint                name)
{
  ResmgrGLCoordinatorPrivate *priv = PRIV (self);
  GLObject *o = g_new0 (GLObject, 1);

  g_atomic_ref_count_init (&o->ref_count);
  o->kind = kind;
  o->name = name;

  g_mutex_lock (&priv->mutex);
  o->ci = ctx_info_for_locked (priv, context);
  g_mutex_unlock (&priv->mutex);

  return o;
}

/**
 * resmgr_gl_coordinator_track:
 * @self: a bound GL coordinator
 * @context: the context @name was made in
 * @kind: the kind of object
 * @name: the GL name
 * @size: the bytes the object holds (for accounting)
 * @label: (nullable): a label, set as the object's KHR_debug label when the
 *   context supports it, and the resource's name in reports (else
 *   `"<kind> <name>"`)
 * @error: return location for a #GError
 *
 * Tracks a GL name for the bound component. The entry is freed (its name
 * deleted) at release ([method@Resmgr.Coordinator.release],
 * [method@ResmgrGtk.GLCoordinator.release_many]) or cleanup, as the class
 * description says. No handle is made: ask
 * [method@Resmgr.Coordinator.lookup] for one.
 *
 * May be called from any thread. On the GL thread the label is set at
 * once; from another thread it is set on the GL thread when that next
 * iterates (see the class's "Thread safety"): no GL call is ever made on
 * the calling thread.
 *
 * Returns: the resource's id, or 0 with @error set (the name is then
 *   still the caller's)
 *
 * Since: 0.1
 */
guint64
resmgr_gl_coordinator_track (ResmgrGLCoordinator  *self,
                             GdkGLContext         *context,
                             ResmgrGLObjectKind    kind,
                             guint                 name,
                             gsize                 size,
                             const char           *label,
                             GError              **error)
{
  gboolean on_owner;
  GLObject *o;
  guint64 id;

  g_return_val_if_fail (RESMGR_IS_GL_COORDINATOR (self), 0);
  g_return_val_if_fail (GDK_IS_GL_CONTEXT (context), 0);
  g_return_val_if_fail ((guint) kind < N_KINDS, 0);
  g_return_val_if_fail (name != 0, 0);
  g_return_val_if_fail (error == NULL || *error == NULL, 0);

  o = gl_object_new (self, context, kind, name);
  on_owner = on_owner_thread (self);

  if (label != NULL && on_owner)
    {
      GdkGLContext *previous = push_context (context);

      apply_label_current (kind, name, label);
      pop_context (previous);
    }

  id = track_gl_object (self, o, size, label, error);
  if (id == 0)
    {
      o->name = 0;
      gl_object_unref (o);
      return 0;
    }

  /* From another thread the label (a GL call) is set on the GL thread,
   * once tracked, unless the object is gone by then. */
  if (label != NULL && !on_owner)
    {
      LabelCall *call = g_new0 (LabelCall, 1);

      call->self = g_object_ref (self);
      call->object = gl_object_ref (o);
      call->label = g_strdup (label);
      _resmgr_dispatch (resmgr_coordinator_get_context (RESMGR_COORDINATOR (self)),
                        G_PRIORITY_DEFAULT, "[resmgr] GL object label",
                        label_call_cb, call, label_call_free);
    }

  return id;
}

/**
 * resmgr_gl_coordinator_track_recreatable:
 * @self: a bound GL coordinator
 * @context: the context to create the object in now
 * @kind: the kind of object
 * @size: the bytes the object holds (for accounting)
 * @label: (nullable): a label (KHR_debug label, set again on each new
 *   name, and the resource's name in reports)
 * @create: (scope notified) (closure user_data) (destroy destroy): creates
 *   the object in the context it is given (current during the call)
 * @user_data: data for @create
 * @destroy: (nullable): frees @user_data when the entry goes
 * @error: return location for a #GError
 *
 * Tracks a GL object as a create/destroy pair: @create runs now in
 * @context, and again in the new context after an attached area was
 * unrealized and realized again (moved to another window). The id stays
 * valid across that; [method@ResmgrGtk.GLCoordinator.get_name] gives the
 * current name.
 *
 * Call it on the GL thread (the one that owns the coordinator's context):
 * from any other thread it fails with %RESMGR_ERROR_INVALID_ARGUMENT,
 * without calling @create.
 *
 * Returns: the resource's id, or 0 with @error set (@user_data is then
 *   still the caller's)
 *
 * Since: 0.1
 */
guint64
resmgr_gl_coordinator_track_recreatable (ResmgrGLCoordinator  *self,
                                         GdkGLContext         *context,
                                         ResmgrGLObjectKind    kind,
                                         gsize                 size,
                                         const char           *label,
                                         ResmgrGLCreateFunc    create,
                                         gpointer              user_data,
                                         GDestroyNotify        destroy,
                                         GError              **error)
{
  GdkGLContext *previous;
  GLObject *o;
  guint64 id;
  guint name;

  g_return_val_if_fail (RESMGR_IS_GL_COORDINATOR (self), 0);
  g_return_val_if_fail (GDK_IS_GL_CONTEXT (context), 0);
  g_return_val_if_fail ((guint) kind < N_KINDS, 0);
  g_return_val_if_fail (create != NULL, 0);
  g_return_val_if_fail (error == NULL || *error == NULL, 0);

  /* @create is GL: it runs now, with @context current, so only on the GL
   * thread. Refused elsewhere rather than run on the wrong thread. */
  if (!on_owner_thread (self))
    {
      g_set_error (error, RESMGR_ERROR, RESMGR_ERROR_INVALID_ARGUMENT,
                   "Cannot track re-creatable %s “%s” of “%s” from this thread: its GL "
                   "creation must run on the thread that owns the coordinator's context "
                   "(the GTK thread)",
                   kind_nick (kind), label ? label : "",
                   resmgr_coordinator_get_component_id (RESMGR_COORDINATOR (self)));
      return 0;
    }

  previous = push_context (context);
  name = create (context, user_data, error);
  if (name == 0)
    {
      pop_context (previous);
      if (error != NULL && *error == NULL)
        g_set_error (error, RESMGR_ERROR, RESMGR_ERROR_INVALID_ARGUMENT,
                     "Creating %s “%s” returned no name", kind_nick (kind), label ? label : "");
      return 0;
    }
  apply_label_current (kind, name, label);
  pop_context (previous);

  o = gl_object_new (self, context, kind, name);
  o->recreate = g_new0 (Recreate, 1);
  o->recreate->create = create;
  o->recreate->user_data = user_data;
  o->recreate->destroy = destroy;
  o->recreate->label = g_strdup (label);

  id = track_gl_object (self, o, size, label, error);
  if (id == 0)
    {
      /* Nothing taken: delete what we made, leave user_data to the caller. */
      previous = push_context (context);
      delete_names (kind, &name, 1);
      pop_context (previous);
      o->name = 0;
      o->recreate->destroy = NULL;
      gl_object_unref (o);
      return 0;
    }

  return id;
}

/* The object of @id if this coordinator tracks it, with a reference. */
static GLObject *
lookup_object (ResmgrGLCoordinator *self,
               guint64              id)
{
  ResmgrGLCoordinatorPrivate *priv = PRIV (self);
  GLObject *o;

  g_mutex_lock (&priv->mutex);
  o = g_hash_table_lookup (priv->objects, &id);
  if (o != NULL)
    gl_object_ref (o);
  g_mutex_unlock (&priv->mutex);

  return o;
}

/**
 * resmgr_gl_coordinator_get_name:
 * @self: a GL coordinator
 * @id: an id it returned
 *
 * Gets the current GL name of a tracked object: for a re-creatable one, the
 * name in its current context.
 *
 * Returns: the name, or 0 if the object is not tracked (released, cleaned,
 *   or not one of this coordinator's) or not created now
 *
 * Since: 0.1
 */
guint
resmgr_gl_coordinator_get_name (ResmgrGLCoordinator *self,
                                guint64              id)
{
  GLObject *o;
  guint name = 0;

  g_return_val_if_fail (RESMGR_IS_GL_COORDINATOR (self), 0);

  if ((o = lookup_object (self, id)) != NULL)
    {
      g_mutex_lock (&PRIV (self)->mutex);
      name = o->name;
      g_mutex_unlock (&PRIV (self)->mutex);
      gl_object_unref (o);
    }

  return name;
}

/**
 * resmgr_gl_coordinator_get_context_for:
 * @self: a GL coordinator
 * @id: an id it returned
 *
 * Gets the context the object's current name was made in.
 *
 * Returns: (transfer none) (nullable): the context, or %NULL if it is gone
 *   or the object is not tracked
 *
 * Since: 0.1
 */
GdkGLContext *
resmgr_gl_coordinator_get_context_for (ResmgrGLCoordinator *self,
                                       guint64              id)
{
  GdkGLContext *context = NULL;
  GLObject *o;

  g_return_val_if_fail (RESMGR_IS_GL_COORDINATOR (self), NULL);

  if ((o = lookup_object (self, id)) != NULL)
    {
      g_mutex_lock (&PRIV (self)->mutex);
      context = g_weak_ref_get (&o->ci->context);
      g_mutex_unlock (&PRIV (self)->mutex);
      gl_object_unref (o);
      /* Borrowed: whoever made the context keeps it alive. */
      if (context != NULL)
        g_object_unref (context);
    }

  return context;
}

/**
 * resmgr_gl_coordinator_release_many:
 * @self: a bound GL coordinator
 * @ids: (array length=n_ids): ids it returned
 * @n_ids: the number of ids
 * @error: return location for a #GError
 *
 * Releases several GL objects and deletes them now, in one batched call
 * per kind and context. Call it on the owner thread (from another thread
 * the deletion is dispatched there). One object is released with
 * [method@Resmgr.Coordinator.release].
 *
 * Returns: %TRUE on success; %FALSE with the first error — an id this
 *   coordinator does not track (%RESMGR_ERROR_NOT_FOUND: unknown,
 *   released already, or not a GL object of it), a GL error — the other
 *   ids are still released
 *
 * Since: 0.1
 */
gboolean
resmgr_gl_coordinator_release_many (ResmgrGLCoordinator  *self,
                                    const guint64        *ids,
                                    guint                 n_ids,
                                    GError              **error)
{
  ResmgrService *service;
  GError *first_error = NULL;

  g_return_val_if_fail (RESMGR_IS_GL_COORDINATOR (self), FALSE);
  g_return_val_if_fail (ids != NULL || n_ids == 0, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  service = resmgr_coordinator_get_service (RESMGR_COORDINATOR (self));

  for (guint i = 0; i < n_ids; i++)
    {
      GError *local_error = NULL;
      GLObject *o;

      /* Ours if in the table (no handle made to check whose it is); a
       * release racing on another thread makes the service say NOT_FOUND. */
      if ((o = lookup_object (self, ids[i])) == NULL)
        g_set_error (&local_error, RESMGR_ERROR, RESMGR_ERROR_NOT_FOUND,
                     "Resource %" G_GUINT64_FORMAT " is not a GL object tracked for “%s”",
                     ids[i], resmgr_coordinator_get_component_id (RESMGR_COORDINATOR (self)));
      else
        {
          gl_object_unref (o);
          resmgr_service_release (service, ids[i], &local_error);
        }

      if (local_error != NULL)
        {
          if (first_error == NULL)
            first_error = local_error;
          else
            g_clear_error (&local_error);
        }
    }

  if (!flush_internal (self, first_error ? NULL : &first_error) && first_error == NULL)
    g_assert_not_reached ();

  if (first_error != NULL)
    {
      g_propagate_error (error, first_error);
      return FALSE;
    }

  return TRUE;
}

/**
 * resmgr_gl_coordinator_flush:
 * @self: a GL coordinator
 * @error: return location for a #GError
 *
 * Deletes the names of released objects now. During a frame the deletion
 * waits for the frame's end; from another thread it is dispatched to the
 * owner context.
 *
 * Returns: %TRUE on success, %FALSE with the GL errors
 *
 * Since: 0.1
 */
gboolean
resmgr_gl_coordinator_flush (ResmgrGLCoordinator  *self,
                             GError              **error)
{
  g_return_val_if_fail (RESMGR_IS_GL_COORDINATOR (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return flush_internal (self, error);
}

/**
 * resmgr_gl_coordinator_get_n_pending:
 * @self: a GL coordinator
 *
 * Gets how many released names wait for their deletion.
 *
 * Returns: the number of names
 *
 * Since: 0.1
 */
guint
resmgr_gl_coordinator_get_n_pending (ResmgrGLCoordinator *self)
{
  guint n;

  g_return_val_if_fail (RESMGR_IS_GL_COORDINATOR (self), 0);

  g_mutex_lock (&PRIV (self)->mutex);
  n = PRIV (self)->n_pending;
  g_mutex_unlock (&PRIV (self)->mutex);

  return n;
}

/* }}} */

/* Frames {{{ */

/**
 * resmgr_gl_coordinator_begin_frame:
 * @self: a GL coordinator
 * @error: return location for a #GError
 *
 * Marks the start of a frame that uses the tracked objects (frames nest).
 * Deletions asked for until the matching
 * [method@ResmgrGtk.GLCoordinator.end_frame] wait for it. A frame cannot begin
 * while a deletion runs: that fails with
 * %RESMGR_ERROR_CLEANUP_IN_PROGRESS.
 *
 * Returns: %TRUE if the frame began
 *
 * Since: 0.1
 */
gboolean
resmgr_gl_coordinator_begin_frame (ResmgrGLCoordinator  *self,
                                   GError              **error)
{
  ResmgrGLCoordinatorPrivate *priv;

  g_return_val_if_fail (RESMGR_IS_GL_COORDINATOR (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  priv = PRIV (self);

  g_mutex_lock (&priv->mutex);
  if (priv->flushing)
    {
      g_mutex_unlock (&priv->mutex);
      g_set_error (error, RESMGR_ERROR, RESMGR_ERROR_CLEANUP_IN_PROGRESS,
                   "A GL cleanup of “%s” is running: no frame can begin now",
                   resmgr_coordinator_get_component_id (RESMGR_COORDINATOR (self)));
      return FALSE;
    }
  priv->frame_depth++;
  g_mutex_unlock (&priv->mutex);

  return TRUE;
}

/**
 * resmgr_gl_coordinator_end_frame:
 * @self: a GL coordinator
 *
 * Ends a frame begun with [method@ResmgrGtk.GLCoordinator.begin_frame]; when
 * the outermost frame ends, deletions that waited for it run.
 *
 * Since: 0.1
 */
void
resmgr_gl_coordinator_end_frame (ResmgrGLCoordinator *self)
{
  ResmgrGLCoordinatorPrivate *priv;
  gboolean flush = FALSE;

  g_return_if_fail (RESMGR_IS_GL_COORDINATOR (self));

  priv = PRIV (self);

  g_mutex_lock (&priv->mutex);
  if (priv->frame_depth == 0)
    {
      /* Reported (and returned) with the lock released. */
      g_mutex_unlock (&priv->mutex);
      g_return_if_fail (priv->frame_depth > 0);
      return;
    }
  if (--priv->frame_depth == 0 && priv->flush_after_frame)
    {
      priv->flush_after_frame = FALSE;
      flush = TRUE;
    }
  g_mutex_unlock (&priv->mutex);

  if (flush)
    {
      g_autoptr(GError) error = NULL;

      if (!flush_internal (self, &error))
        g_warning ("%s of “%s”: %s", G_OBJECT_TYPE_NAME (self),
                   resmgr_coordinator_get_component_id (RESMGR_COORDINATOR (self)),
                   error->message);
    }
}

/**
 * resmgr_gl_coordinator_is_in_frame:
 * @self: a GL coordinator
 *
 * Checks whether a frame is running.
 *
 * Returns: %TRUE between begin_frame() and the matching end_frame()
 *
 * Since: 0.1
 */
gboolean
resmgr_gl_coordinator_is_in_frame (ResmgrGLCoordinator *self)
{
  gboolean in_frame;

  g_return_val_if_fail (RESMGR_IS_GL_COORDINATOR (self), FALSE);

  g_mutex_lock (&PRIV (self)->mutex);
  in_frame = PRIV (self)->frame_depth > 0;
  g_mutex_unlock (&PRIV (self)->mutex);

  return in_frame;
}

/* }}} */

/* Areas {{{
 *
 * The life of an attached GL area, as GTK 4 runs it: realize (a new
 * GdkGLContext), unrealize (before GtkGLArea's own: its context is alive),
 * and again realize in another window, with another context, when the
 * area moves (tests/test-widget-move.c pins this). Unrealize is not the
 * end, and the area may be finalized before the component is cleaned (a
 * tab's box unparents its children before its ::destroy). So at unrealize
 * the container objects are deleted in their context (re-creatable ones
 * are rebuilt at the next realize), and the context is kept for the
 * shareable ones until the area is realized again, the area is detached
 * or the last of them was deleted (let_go_of_unneeded_contexts (), after
 * each flush, so at the latest at the component's cleanup): their deletion
 * never needs a context made for it, and never runs once the display is
 * closed.
 */

/* The link of @area, which emits a signal (so is alive and referenced:
 * the reference taken here is never the last). With the mutex held. */
static AreaLink *
area_link_for_locked (ResmgrGLCoordinatorPrivate *priv,
                      GtkGLArea                  *area)
{
  for (guint i = 0; i < priv->areas->len; i++)
    {
      AreaLink *link = g_ptr_array_index (priv->areas, i);
      GtkGLArea *linked;

      /* A finalized area's link may have the same address. */
      if (link->address != area || (linked = g_weak_ref_get (&link->area)) == NULL)
        continue;
      g_object_unref (linked);
      if (linked == area)
        return link;
    }

  return NULL;
}

static void
on_area_realize (GtkGLArea           *area,
                 ResmgrGLCoordinator *self)
{
  ResmgrGLCoordinatorPrivate *priv = PRIV (self);
  g_autoptr(GPtrArray) rebuild = g_ptr_array_new_with_free_func (gl_object_unref);
  g_autoptr(GdkGLContext) kept = NULL;
  GdkGLContext *context = gtk_gl_area_get_context (area);
  GdkGLContext *previous;
  GHashTableIter iter;
  AreaLink *link;
  gpointer value;

  if (context == NULL)
    return;

  /* Re-creatable objects whose name went with their previous context. The
   * previous context is not needed any more: this one reaches the share
   * group (unreffed at return, outside the lock). */
  g_mutex_lock (&priv->mutex);
  if ((link = area_link_for_locked (priv, area)) != NULL)
    kept = g_steal_pointer (&link->kept);
  g_hash_table_iter_init (&iter, priv->objects);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      GLObject *o = value;

      /* Only this area's: two areas moved together realize one by one. */
      if (o->name == 0 && o->recreate != NULL &&
          (o->recreate->area == NULL || o->recreate->area == area))
        g_ptr_array_add (rebuild, gl_object_ref (o));
    }
  g_mutex_unlock (&priv->mutex);

  if (rebuild->len == 0)
    return;

  previous = push_context (context);
  for (guint i = 0; i < rebuild->len; i++)
    {
      GLObject *o = g_ptr_array_index (rebuild, i);
      g_autoptr(GError) error = NULL;
      Recreate *r = o->recreate;
      guint name = r->create (context, r->user_data, &error);
      CtxInfo *old;

      if (name == 0)
        {
          g_warning ("Cannot re-create %s “%s” in the new context: %s",
                     kind_nick (o->kind), r->label ? r->label : "",
                     error ? error->message : "no name returned");
          continue;
        }

      g_mutex_lock (&priv->mutex);
      old = o->ci;
      o->ci = ctx_info_for_locked (priv, context);
      o->name = name;
      r->area = NULL;
      g_mutex_unlock (&priv->mutex);
      ctx_info_unref (old);
      apply_label_current (o->kind, name, r->label);
    }
  pop_context (previous);
}

/* Connected before GtkGLArea's own unrealize: the area's context is alive. */
static void
on_area_unrealize (GtkGLArea           *area,
                   ResmgrGLCoordinator *self)
{
  ResmgrGLCoordinatorPrivate *priv = PRIV (self);
  GdkGLContext *context = gtk_gl_area_get_context (area);
  GArray *names[N_KINDS] = { NULL, };
  g_autoptr(GArray) forget = g_array_new (FALSE, FALSE, sizeof (guint64));
  g_autoptr(GdkGLContext) replaced = NULL;
  gboolean keep;
  CtxInfo *ci;
  AreaLink *link;
  g_autoptr(GError) error = NULL;
  GHashTableIter iter;
  gpointer value;

  if (context == NULL)
    return;

  /* Deletions already asked for go first, while every context lives. */
  if (!flush_internal (self, &error))
    g_warning ("%s: %s", G_OBJECT_TYPE_NAME (self), error->message);
  g_clear_error (&error);

  /* The container objects of this context die with it: delete them here,
   * in it. Re-creatable ones keep their entry and are rebuilt at the next
   * realize; the others are released. Shareable objects stay valid. */
  g_mutex_lock (&priv->mutex);
  ci = ctx_info_for_locked (priv, context);
  g_hash_table_iter_init (&iter, priv->objects);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      GLObject *o = value;

      if (kinds[o->kind].shareable || o->name == 0 || o->ci != ci)
        continue;
      if (names[o->kind] == NULL)
        names[o->kind] = g_array_new (FALSE, FALSE, sizeof (guint));
      g_array_append_val (names[o->kind], o->name);
      o->name = 0;
      if (o->recreate != NULL)
        o->recreate->area = area;
      else
        g_array_append_val (forget, o->id);
    }
  /* Shareable objects of the display keep this context, until the last
   * of them is deleted (let_go_of_unneeded_contexts ()). */
  keep = display_needs_context_locked (priv, ci->display);
  if (keep && (link = area_link_for_locked (priv, area)) != NULL)
    {
      replaced = g_steal_pointer (&link->kept);
      link->kept = g_object_ref (context);
    }
  g_mutex_unlock (&priv->mutex);
  ctx_info_unref (ci);

  if (names[RESMGR_GL_OBJECT_VERTEX_ARRAY] || names[RESMGR_GL_OBJECT_FRAMEBUFFER] ||
      names[RESMGR_GL_OBJECT_QUERY])
    {
      GdkGLContext *previous = push_context (context);

      for (guint k = 0; k < N_KINDS; k++)
        if (names[k] != NULL)
          {
            delete_names (k, (const guint *) (gpointer) names[k]->data, names[k]->len);
            g_array_unref (names[k]);
          }
      while (glGetError () != GL_NO_ERROR)
        ;
      pop_context (previous);
    }

  /* Their names are gone: releasing only forgets them (no cleanup call). */
  for (guint i = 0; i < forget->len; i++)
    resmgr_service_release (resmgr_coordinator_get_service (RESMGR_COORDINATOR (self)),
                            g_array_index (forget, guint64, i), NULL);
}

static void
area_link_free (gpointer data)
{
  AreaLink *link = data;
  GtkGLArea *area = g_weak_ref_get (&link->area);

  if (area != NULL)
    {
      g_signal_handler_disconnect (area, link->realize_id);
      g_signal_handler_disconnect (area, link->unrealize_id);
      g_object_unref (area);
    }
  g_weak_ref_clear (&link->area);
  g_clear_object (&link->kept);
  g_free (link);
}

/**
 * resmgr_gl_coordinator_attach_area:
 * @self: a bound GL coordinator
 * @area: a GL area whose context the tracked objects use
 *
 * Follows @area: at its unrealize (before GtkGLArea's own, while its
 * context is alive) the area's context is made current, the container
 * objects made in it are deleted there (re-creatable ones are rebuilt at the
 * next realize, in the new context), and the previous context is restored.
 * Its context also serves to delete shareable objects whose own context is
 * gone.
 *
 * Since: 0.1
 */
void
resmgr_gl_coordinator_attach_area (ResmgrGLCoordinator *self,
                                   GtkGLArea           *area)
{
  AreaLink *link;

  g_return_if_fail (RESMGR_IS_GL_COORDINATOR (self));
  g_return_if_fail (GTK_IS_GL_AREA (area));

  link = g_new0 (AreaLink, 1);
  g_weak_ref_init (&link->area, area);
  link->address = area;
  link->realize_id = g_signal_connect_object (area, "realize", G_CALLBACK (on_area_realize),
                                              self, G_CONNECT_AFTER);
  link->unrealize_id = g_signal_connect_object (area, "unrealize", G_CALLBACK (on_area_unrealize),
                                                self, 0);

  g_mutex_lock (&PRIV (self)->mutex);
  g_ptr_array_add (PRIV (self)->areas, link);
  g_mutex_unlock (&PRIV (self)->mutex);
}

/**
 * resmgr_gl_coordinator_detach_area:
 * @self: a GL coordinator
 * @area: an area given to resmgr_gl_coordinator_attach_area()
 *
 * Stops following @area: its unrealize no longer deletes this
 * coordinator's container objects (nor does its realize re-create them),
 * and the context kept for shareable objects since its last unrealize is
 * let go at once. An attached area is otherwise followed until the
 * coordinator is disposed, and that context kept until the last shareable
 * object of its display tracked here was deleted (at the latest at the
 * component's cleanup): detach an area handed over to another component's
 * coordinator, so that it no longer follows the area and its window's GL
 * context goes with the window.
 *
 * Since: 0.1
 */
void
resmgr_gl_coordinator_detach_area (ResmgrGLCoordinator *self,
                                   GtkGLArea           *area)
{
  ResmgrGLCoordinatorPrivate *priv;
  AreaLink *found = NULL;

  g_return_if_fail (RESMGR_IS_GL_COORDINATOR (self));
  g_return_if_fail (GTK_IS_GL_AREA (area));

  priv = PRIV (self);

  g_mutex_lock (&priv->mutex);
  /* By address: @area is alive (the caller holds it), so a link with its
   * address is its link; no reference taken under the lock. */
  for (guint i = 0; i < priv->areas->len; i++)
    {
      AreaLink *link = g_ptr_array_index (priv->areas, i);

      if (link->address == area)
        {
          found = g_ptr_array_steal_index (priv->areas, i);
          break;
        }
    }
  g_mutex_unlock (&priv->mutex);

  if (found != NULL)
    area_link_free (found);
}

/* }}} */

/* GObject {{{ */

static gboolean
resmgr_gl_coordinator_cleanup (ResmgrCoordinator  *coordinator,
                               GError            **error)
{
  /* Runs right after every GL object's entry queued its name. */
  return flush_internal (RESMGR_GL_COORDINATOR (coordinator), error);
}

static void
resmgr_gl_coordinator_dispose (GObject *object)
{
  ResmgrGLCoordinatorPrivate *priv = PRIV (RESMGR_GL_COORDINATOR (object));
  g_autoptr(GPtrArray) areas = NULL;
  g_autoptr(GPtrArray) contexts = NULL;

  g_mutex_lock (&priv->mutex);
  areas = g_steal_pointer (&priv->areas);
  priv->areas = g_ptr_array_new_with_free_func (area_link_free);
  contexts = g_steal_pointer (&priv->own_contexts);
  priv->own_contexts = g_ptr_array_new_with_free_func (g_object_unref);
  g_mutex_unlock (&priv->mutex);

  /* Before chaining up: GObject's dispose invalidates the closures of
   * g_signal_connect_object(), disconnecting the areas' handlers, and
   * area_link_free() would then disconnect them again. */
  g_clear_pointer (&areas, g_ptr_array_unref);
  g_clear_pointer (&contexts, g_ptr_array_unref);

  G_OBJECT_CLASS (resmgr_gl_coordinator_parent_class)->dispose (object);
}

static void
resmgr_gl_coordinator_finalize (GObject *object)
{
  ResmgrGLCoordinatorPrivate *priv = PRIV (RESMGR_GL_COORDINATOR (object));

  /* Every entry holds a reference on us: nothing is tracked here, and the
   * last cleanup flushed. Names still pending had no context to go to. */
  if (priv->n_pending > 0)
    g_warning ("%u GL name(s) were never deleted: no context of their display was reachable",
               priv->n_pending);
  g_ptr_array_unref (priv->buckets);
  g_ptr_array_unref (priv->contexts);
  g_hash_table_unref (priv->objects);
  g_ptr_array_unref (priv->areas);
  g_ptr_array_unref (priv->own_contexts);
  g_mutex_clear (&priv->mutex);

  G_OBJECT_CLASS (resmgr_gl_coordinator_parent_class)->finalize (object);
}

static void
resmgr_gl_coordinator_class_init (ResmgrGLCoordinatorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  ResmgrCoordinatorClass *coordinator_class = RESMGR_COORDINATOR_CLASS (klass);

  object_class->dispose = resmgr_gl_coordinator_dispose;
  object_class->finalize = resmgr_gl_coordinator_finalize;

  coordinator_class->cleanup = resmgr_gl_coordinator_cleanup;
  coordinator_class->cleanup_priority = FLUSH_PRIORITY;
}

static void
resmgr_gl_coordinator_init (ResmgrGLCoordinator *self)
{
  ResmgrGLCoordinatorPrivate *priv = PRIV (self);

  g_mutex_init (&priv->mutex);
  priv->objects = g_hash_table_new_full (g_int64_hash, g_int64_equal, NULL, gl_object_unref);
  priv->buckets = g_ptr_array_new_with_free_func (bucket_free);
  priv->contexts = g_ptr_array_new_with_free_func (ctx_info_unref);
  priv->areas = g_ptr_array_new_with_free_func (area_link_free);
  priv->own_contexts = g_ptr_array_new_with_free_func (g_object_unref);
}

/**
 * resmgr_gl_coordinator_new:
 * @service: (nullable): the service, or %NULL for the default one
 *
 * Creates a GL coordinator; bind it to its component with
 * [method@Resmgr.Coordinator.bind] on the GTK main thread.
 *
 * Returns: (transfer full): a new GL coordinator
 *
 * Since: 0.1
 */
ResmgrGLCoordinator *
resmgr_gl_coordinator_new (ResmgrService *service)
{
  g_return_val_if_fail (service == NULL || RESMGR_IS_SERVICE (service), NULL);

  return g_object_new (RESMGR_TYPE_GL_COORDINATOR, "service", service, NULL);
}

/* }}} */
