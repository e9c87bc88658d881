/* resmgr-gl-buffer-pool.c
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <epoxy/gl.h>

#include <resmgr.h>

#include "resmgr-private.h"
#include "resmgr-gl-buffer-pool.h"
#include "resmgr-gtk-enums.h"

/**
 * ResmgrGLBufferPool:
 *
 * Recycles GL buffers and textures by kind and size.
 *
 * [method@ResmgrGtk.GLBufferPool.acquire_buffer] and
 * [method@ResmgrGtk.GLBufferPool.acquire_texture] hand out a name from the
 * pool when an idle object of the same kind and size is there (a *hit*),
 * else create one (a *miss*). [method@ResmgrGtk.GLBufferPool.release_buffer]
 * and [method@ResmgrGtk.GLBufferPool.release_texture] give it back; the
 * contents of a recycled object are undefined.
 *
 * Idle objects are kept within a byte budget: when a release goes over it,
 * the least recently used idle objects are deleted (*evictions*); an object
 * larger than the whole budget is deleted at its release.
 * [method@ResmgrGtk.GLBufferPool.housekeeping], called once per frame, deletes
 * the idle objects not used for more than a given number of frames;
 * [method@ResmgrGtk.GLBufferPool.purge] deletes every idle object (the pool
 * also purges itself on a [iface@Gio.MemoryMonitor] low-memory warning), and
 * [method@ResmgrGtk.GLBufferPool.force_cleanup] deletes every object the pool
 * made, lent ones included.
 *
 * Every object the pool makes is tracked through its
 * [class@ResmgrGtk.GLCoordinator], with its size: the bytes are charged to the
 * component that owns the coordinator, appear in its stats and reports,
 * and are deleted in the coordinator's batches (one `glDelete*` call per
 * kind), at the latest at the component's cleanup. The pool forgets its
 * objects at that cleanup (before the GL objects go), so it can be used
 * again afterwards.
 *
 * ## Thread safety
 *
 * Acquiring may create GL objects: call the acquire methods on the GL
 * thread, the one that owns the coordinator's context (see
 * [class@ResmgrGtk.GLCoordinator]); from any other thread they fail with
 * %RESMGR_ERROR_INVALID_ARGUMENT and make no GL call. Releasing,
 * housekeeping, purging, forced cleanup, budgets and stats may be used from
 * any thread; the deletions they cause run on the GL thread (see
 * [method@ResmgrGtk.GLCoordinator.release_many]), never on the calling thread.
 * The pool's lock is never held while the coordinator or the service runs.
 * No method may be called from a [signal@Gio.MemoryMonitor::low-memory-warning]
 * handler that holds a lock the pool's deletions need.
 *
 * Since: 0.1
 */

/* Runs before the GL objects' own entries (80): the pool forgets them, then
 * they are deleted in the coordinator's batch. */
#define POOL_CLEANUP_PRIORITY (80 + 1)

typedef struct
{
  ResmgrGLObjectKind kind;
  guint64            size;      /* bytes */
  int                width;     /* textures */
  int                height;
  guint              format;
} PoolKey;

typedef struct
{
  PoolKey        key;
  guint          name;
  guint64        id;            /* the coordinator's */
  guint64        last_used;     /* the frame of its release */
  GList          lru_link;      /* in self->lru while idle */
  GList          bucket_link;   /* in its bucket while idle */
} Entry;

typedef struct
{
  PoolKey  key;
  GQueue   idle;                /* Entry, most recently released last */
} Bucket;

struct _ResmgrGLBufferPool
{
  GObject              parent_instance;

  /* Read-only after construction: */
  ResmgrGLCoordinator *coordinator;
  GMemoryMonitor      *memory_monitor;
  gulong               low_memory_id;

  /* Protected by mutex: */
  GMutex               mutex;
  GHashTable          *buckets;          /* PoolKey* (in Bucket) → Bucket* */
  GQueue               lru;              /* idle Entry, least recently used first */
  GHashTable          *lent[2];          /* name → Entry*: [0] buffers, [1] textures */
  GdkDisplay          *display;          /* of the first context; not referenced */
  guint64              cleanup_id;       /* our hook at the component's cleanup, or 0 */
  ResmgrGLBufferPoolStats stats;
};

enum {
  PROP_0,
  PROP_COORDINATOR,
  PROP_BUDGET,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (ResmgrGLBufferPool, resmgr_gl_buffer_pool, G_TYPE_OBJECT)

/* The boxed type's copy and free, for bindings only: in C the stats are a
 * plain struct filled by resmgr_gl_buffer_pool_get_stats (). */
static ResmgrGLBufferPoolStats *
stats_copy (const ResmgrGLBufferPoolStats *stats)
{
  return g_memdup2 (stats, sizeof *stats);
}

G_DEFINE_BOXED_TYPE (ResmgrGLBufferPoolStats, resmgr_gl_buffer_pool_stats, stats_copy, g_free)

/* Keys and entries {{{ */

static guint
pool_key_hash (gconstpointer data)
{
  const PoolKey *k = data;
  guint64 h = k->size * 0x9E3779B97F4A7C15ull;

  h ^= ((guint64) k->kind << 56) ^ ((guint64) (guint) k->width << 32) ^ (guint) k->height ^ ((guint64) k->format << 16);

  return (guint) (h ^ (h >> 32));
}

static gboolean
pool_key_equal (gconstpointer a,
                gconstpointer b)
{
  const PoolKey *ka = a, *kb = b;

  return ka->kind == kb->kind && ka->size == kb->size && ka->width == kb->width &&
         ka->height == kb->height && ka->format == kb->format;
}

static inline guint
lent_index (ResmgrGLObjectKind kind)
{
  return kind == RESMGR_GL_OBJECT_TEXTURE ? 1 : 0;
}

static Entry *
entry_new (const PoolKey *key,
           guint          name,
           guint64        id)
{
  Entry *e = g_new0 (Entry, 1);

  e->key = *key;
  e->name = name;
  e->id = id;
  e->lru_link.data = e;
  e->bucket_link.data = e;

  return e;
}

static void
entry_free (gpointer data)
{
  g_free (data);
}

/* Takes an idle entry out of the LRU list and its bucket. */
static void
unlink_idle_locked (ResmgrGLBufferPool *self,
                    Entry              *e)
{
  Bucket *bucket = g_hash_table_lookup (self->buckets, &e->key);

  g_assert (bucket != NULL);
  g_queue_unlink (&bucket->idle, &e->bucket_link);
  if (g_queue_is_empty (&bucket->idle))
    g_hash_table_remove (self->buckets, &e->key);
  g_queue_unlink (&self->lru, &e->lru_link);

  self->stats.bytes_pooled -= e->key.size;
  self->stats.n_pooled--;
}

static void
link_idle_locked (ResmgrGLBufferPool *self,
                  Entry              *e)
{
  Bucket *bucket = g_hash_table_lookup (self->buckets, &e->key);

  if (bucket == NULL)
    {
      bucket = g_new0 (Bucket, 1);
      bucket->key = e->key;
      g_queue_init (&bucket->idle);
      g_hash_table_insert (self->buckets, &bucket->key, bucket);
    }
  g_queue_push_tail_link (&bucket->idle, &e->bucket_link);
  g_queue_push_tail_link (&self->lru, &e->lru_link);

  self->stats.bytes_pooled += e->key.size;
  self->stats.n_pooled++;
}

/* Moves the least recently used idle entries to @doomed until the pool is
 * within its budget. */
static void
evict_locked (ResmgrGLBufferPool *self,
              GPtrArray          *doomed)
{
  while (self->stats.bytes_pooled > self->stats.budget && self->lru.head != NULL)
    {
      Entry *e = self->lru.head->data;

      unlink_idle_locked (self, e);
      g_ptr_array_add (doomed, e);
      self->stats.evictions++;
    }
}

static void
steal_idle_locked (ResmgrGLBufferPool *self,
                   GPtrArray          *doomed)
{
  while (self->lru.head != NULL)
    {
      Entry *e = self->lru.head->data;

      unlink_idle_locked (self, e);
      g_ptr_array_add (doomed, e);
    }
}

static void
steal_lent_locked (ResmgrGLBufferPool *self,
                   GPtrArray          *doomed)
{
  for (guint i = 0; i < G_N_ELEMENTS (self->lent); i++)
    {
      GHashTableIter iter;
      gpointer value;

      g_hash_table_iter_init (&iter, self->lent[i]);
      while (g_hash_table_iter_next (&iter, NULL, &value))
        {
          g_ptr_array_add (doomed, value);
          g_hash_table_iter_steal (&iter);
        }
    }
  self->stats.bytes_in_use = 0;
  self->stats.n_in_use = 0;
}

/* Deletes the names of @doomed (entries out of every list) through the
 * coordinator, in one batch per kind, and frees the entries. Without the
 * lock. */
static void
delete_entries (ResmgrGLBufferPool *self,
                GPtrArray          *doomed)
{
  g_autoptr(GArray) ids = NULL;
  g_autoptr(GError) error = NULL;

  if (doomed->len == 0)
    return;

  ids = g_array_sized_new (FALSE, FALSE, sizeof (guint64), doomed->len);
  for (guint i = 0; i < doomed->len; i++)
    g_array_append_val (ids, ((Entry *) g_ptr_array_index (doomed, i))->id);

  if (!resmgr_gl_coordinator_release_many (self->coordinator,
                                           (const guint64 *) (gpointer) ids->data, ids->len,
                                           &error))
    {
      /* NOT_FOUND: the component was cleaned, its GL objects with it. */
      if (!g_error_matches (error, RESMGR_ERROR, RESMGR_ERROR_NOT_FOUND))
        g_warning ("GL buffer pool of “%s”: %s",
                   resmgr_coordinator_get_component_id (RESMGR_COORDINATOR (self->coordinator)),
                   error->message);
    }

  g_ptr_array_set_free_func (doomed, entry_free);
  g_ptr_array_set_size (doomed, 0);
}

/* }}} */

/* The component's cleanup {{{ */

/* At the component's cleanup (or shutdown), before the GL objects' own
 * entries: forget everything, the coordinator deletes the names. */
static gboolean
pool_component_cleanup (gpointer   resource,
                        gpointer   user_data,
                        GError   **error)
{
  ResmgrGLBufferPool *self = g_weak_ref_get (user_data);
  g_autoptr(GPtrArray) forgotten = g_ptr_array_new_with_free_func (entry_free);

  if (self == NULL)
    return TRUE;

  g_mutex_lock (&self->mutex);
  self->cleanup_id = 0;
  steal_idle_locked (self, forgotten);
  steal_lent_locked (self, forgotten);
  g_mutex_unlock (&self->mutex);

  g_object_unref (self);

  return TRUE;
}

/* Hooks the pool into its component's cleanup, if it is not already. */
static void
ensure_cleanup_hook (ResmgrGLBufferPool *self)
{
  ResmgrCoordinator *coordinator = RESMGR_COORDINATOR (self->coordinator);
  g_autoptr(GObject) component = NULL;
  g_autoptr(GError) error = NULL;
  gboolean hooked;
  guint64 id;

  g_mutex_lock (&self->mutex);
  hooked = self->cleanup_id != 0;
  g_mutex_unlock (&self->mutex);

  if (hooked || (component = resmgr_coordinator_dup_component (coordinator)) == NULL)
    return;

  id = resmgr_service_add_cleanup (resmgr_coordinator_get_service (coordinator), component,
                                   "GL buffer pool", POOL_CLEANUP_PRIORITY,
                                   pool_component_cleanup, _resmgr_weak_ref_new (self),
                                   _resmgr_weak_ref_free, &error);
  if (id == 0)
    {
      g_debug ("GL buffer pool of “%s” not hooked to its cleanup: %s",
               resmgr_coordinator_get_component_id (coordinator), error->message);
      return;
    }

  g_mutex_lock (&self->mutex);
  if (self->cleanup_id == 0)
    {
      self->cleanup_id = id;
      id = 0;
    }
  g_mutex_unlock (&self->mutex);

  /* Another thread hooked it meanwhile. */
  if (id != 0)
    resmgr_service_release (resmgr_coordinator_get_service (coordinator), id, NULL);
}

/* }}} */

/* GL {{{ */

static const struct {
  guint  internal_format;
  GLenum format;
  GLenum type;
  guint  bytes_per_pixel;
} texture_formats[] = {
  { GL_RGBA8,             GL_RGBA,            GL_UNSIGNED_BYTE,     4 },
  { GL_RGB8,              GL_RGB,             GL_UNSIGNED_BYTE,     3 },
  { GL_RG8,               GL_RG,              GL_UNSIGNED_BYTE,     2 },
  { GL_R8,                GL_RED,             GL_UNSIGNED_BYTE,     1 },
  { GL_RGBA16F,           GL_RGBA,            GL_HALF_FLOAT,        8 },
  { GL_RGBA32F,           GL_RGBA,            GL_FLOAT,            16 },
  { GL_R32F,              GL_RED,             GL_FLOAT,             4 },
  { GL_DEPTH_COMPONENT24, GL_DEPTH_COMPONENT, GL_UNSIGNED_INT,      4 },
  { GL_DEPTH24_STENCIL8,  GL_DEPTH_STENCIL,   GL_UNSIGNED_INT_24_8, 4 },
};

static int
find_texture_format (guint internal_format)
{
  for (guint i = 0; i < G_N_ELEMENTS (texture_formats); i++)
    if (texture_formats[i].internal_format == internal_format)
      return (int) i;

  return -1;
}

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

/* With a context current; restores the bindings it touches. */
static guint
create_object_current (const PoolKey  *key,
                       GError        **error)
{
  GLuint name = 0;
  GLint previous = 0;
  GLenum gl_error;

  while (glGetError () != GL_NO_ERROR)
    ;

  if (key->kind == RESMGR_GL_OBJECT_BUFFER)
    {
      glGetIntegerv (GL_COPY_WRITE_BUFFER_BINDING, &previous);
      glGenBuffers (1, &name);
      glBindBuffer (GL_COPY_WRITE_BUFFER, name);
      glBufferData (GL_COPY_WRITE_BUFFER, (GLsizeiptr) key->size, NULL, GL_DYNAMIC_DRAW);
      glBindBuffer (GL_COPY_WRITE_BUFFER, (GLuint) previous);
    }
  else
    {
      int f = find_texture_format (key->format);

      glGetIntegerv (GL_TEXTURE_BINDING_2D, &previous);
      glGenTextures (1, &name);
      glBindTexture (GL_TEXTURE_2D, name);
      glTexParameteri (GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_LINEAR);
      glTexParameteri (GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_LINEAR);
      glTexParameteri (GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
      glTexParameteri (GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
      glTexImage2D (GL_TEXTURE_2D, 0, (GLint) key->format, key->width, key->height, 0,
                    texture_formats[f].format, texture_formats[f].type, NULL);
      glBindTexture (GL_TEXTURE_2D, (GLuint) previous);
    }

  if ((gl_error = glGetError ()) != GL_NO_ERROR)
    {
      while (glGetError () != GL_NO_ERROR)
        ;
      if (key->kind == RESMGR_GL_OBJECT_BUFFER)
        glDeleteBuffers (1, &name);
      else
        glDeleteTextures (1, &name);
      g_set_error (error, RESMGR_ERROR, gl_error == GL_OUT_OF_MEMORY ? RESMGR_ERROR_CLEANUP_FAILED
                                                                     : RESMGR_ERROR_INVALID_ARGUMENT,
                   "GL error 0x%04x creating a pooled %s of %" G_GUINT64_FORMAT " bytes",
                   gl_error, _resmgr_enum_nick (RESMGR_TYPE_GL_OBJECT_KIND, key->kind), key->size);
      return 0;
    }

  return name;
}

/* }}} */

/* Acquire and release {{{ */

static guint
acquire (ResmgrGLBufferPool  *self,
         GdkGLContext        *context,
         const PoolKey       *key,
         GError             **error)
{
  GdkDisplay *display = gdk_gl_context_get_display (context);
  g_autofree char *label = NULL;
  GdkGLContext *previous;
  guint64 id;
  guint name;

  /* A hit makes no GL call, a miss does: refused off the GL thread either
   * way, so the outcome does not depend on the pool's contents. */
  if (!_resmgr_context_is_owned_here (resmgr_coordinator_get_context (RESMGR_COORDINATOR (self->coordinator))))
    {
      g_set_error (error, RESMGR_ERROR, RESMGR_ERROR_INVALID_ARGUMENT,
                   "GL buffer pool of “%s”: acquire must be called on the thread that owns "
                   "the coordinator's context (the GTK thread)",
                   resmgr_coordinator_get_component_id (RESMGR_COORDINATOR (self->coordinator)));
      return 0;
    }

  g_mutex_lock (&self->mutex);
  if (self->display == NULL)
    self->display = display;
  if (self->display != display)
    {
      g_mutex_unlock (&self->mutex);
      g_set_error (error, RESMGR_ERROR, RESMGR_ERROR_INVALID_ARGUMENT,
                   "A GL buffer pool serves the contexts of one display");
      return 0;
    }

  for (;;)
    {
      Bucket *bucket = g_hash_table_lookup (self->buckets, key);
      Entry *e;

      if (bucket == NULL)
        break;

      /* The most recently released: the warmest. */
      e = bucket->idle.tail->data;
      unlink_idle_locked (self, e);
      g_mutex_unlock (&self->mutex);

      /* Still the coordinator's (its component may have been cleaned
       * without us: then the name is gone already). */
      if (resmgr_gl_coordinator_get_name (self->coordinator, e->id) != e->name)
        {
          entry_free (e);
          g_mutex_lock (&self->mutex);
          continue;
        }

      g_mutex_lock (&self->mutex);
      g_hash_table_insert (self->lent[lent_index (key->kind)], GUINT_TO_POINTER (e->name), e);
      self->stats.hits++;
      self->stats.bytes_in_use += e->key.size;
      self->stats.n_in_use++;
      g_mutex_unlock (&self->mutex);

      return e->name;
    }
  g_mutex_unlock (&self->mutex);

  /* A miss: make one, charged to the component. */
  ensure_cleanup_hook (self);

  previous = push_context (context);
  name = create_object_current (key, error);
  pop_context (previous);
  if (name == 0)
    return 0;

  if (key->kind == RESMGR_GL_OBJECT_TEXTURE)
    label = g_strdup_printf ("pooled texture %d×%d 0x%04x", key->width, key->height, key->format);
  else
    label = g_strdup_printf ("pooled buffer %" G_GUINT64_FORMAT " B", key->size);

  id = resmgr_gl_coordinator_track (self->coordinator, context, key->kind, name,
                                    key->size, label, error);
  if (id == 0)
    {
      previous = push_context (context);
      if (key->kind == RESMGR_GL_OBJECT_BUFFER)
        glDeleteBuffers (1, &name);
      else
        glDeleteTextures (1, &name);
      pop_context (previous);
      return 0;
    }

  g_mutex_lock (&self->mutex);
  g_hash_table_insert (self->lent[lent_index (key->kind)], GUINT_TO_POINTER (name),
                       entry_new (key, name, id));
  self->stats.misses++;
  self->stats.bytes_in_use += key->size;
  self->stats.n_in_use++;
  g_mutex_unlock (&self->mutex);

  return name;
}

/**
 * resmgr_gl_buffer_pool_acquire_buffer:
 * @self: a GL buffer pool
 * @context: a context of the pool's display, to create the buffer in if
 *   none is idle (shareable: the name is valid in every context of the
 *   display)
 * @size: the size of the buffer's data store, in bytes
 * @error: return location for a #GError
 *
 * Lends a buffer object whose data store holds @size bytes (contents
 * undefined), recycled when one is idle, else created with
 * `glBufferData (…, NULL, GL_DYNAMIC_DRAW)`. Call it on the GL thread (the
 * thread that owns the coordinator's context); elsewhere it fails with
 * %RESMGR_ERROR_INVALID_ARGUMENT. Give it back with [method@ResmgrGtk.GLBufferPool.release_buffer].
 *
 * Returns: the buffer name, or 0 with @error set
 *
 * Since: 0.1
 */
guint
resmgr_gl_buffer_pool_acquire_buffer (ResmgrGLBufferPool  *self,
                                      GdkGLContext        *context,
                                      gsize                size,
                                      GError             **error)
{
  PoolKey key = { RESMGR_GL_OBJECT_BUFFER, size, 0, 0, 0 };

  g_return_val_if_fail (RESMGR_IS_GL_BUFFER_POOL (self), 0);
  g_return_val_if_fail (GDK_IS_GL_CONTEXT (context), 0);
  g_return_val_if_fail (size > 0, 0);
  g_return_val_if_fail (error == NULL || *error == NULL, 0);

  return acquire (self, context, &key, error);
}

/**
 * resmgr_gl_buffer_pool_acquire_texture:
 * @self: a GL buffer pool
 * @context: a context of the pool's display, to create the texture in if
 *   none is idle
 * @width: the width in pixels
 * @height: the height in pixels
 * @internal_format: a sized internal format (`GL_RGBA8`, `GL_RGB8`,
 *   `GL_RG8`, `GL_R8`, `GL_RGBA16F`, `GL_RGBA32F`, `GL_R32F`,
 *   `GL_DEPTH_COMPONENT24`, `GL_DEPTH24_STENCIL8`), or 0 for `GL_RGBA8`
 * @error: return location for a #GError
 *
 * Lends a `GL_TEXTURE_2D` texture of one level, @width × @height in
 * @internal_format (contents undefined, linear filtering, clamped to
 * edge). Call it on the GL thread (the thread that owns the coordinator's
 * context); elsewhere it fails with %RESMGR_ERROR_INVALID_ARGUMENT. Give it back with
 * [method@ResmgrGtk.GLBufferPool.release_texture].
 *
 * Returns: the texture name, or 0 with @error set
 *
 * Since: 0.1
 */
guint
resmgr_gl_buffer_pool_acquire_texture (ResmgrGLBufferPool  *self,
                                       GdkGLContext        *context,
                                       int                  width,
                                       int                  height,
                                       guint                internal_format,
                                       GError             **error)
{
  PoolKey key = { RESMGR_GL_OBJECT_TEXTURE, 0, width, height, internal_format ? internal_format : GL_RGBA8 };
  int f;

  g_return_val_if_fail (RESMGR_IS_GL_BUFFER_POOL (self), 0);
  g_return_val_if_fail (GDK_IS_GL_CONTEXT (context), 0);
  g_return_val_if_fail (width > 0 && height > 0, 0);
  g_return_val_if_fail (error == NULL || *error == NULL, 0);

  if ((f = find_texture_format (key.format)) < 0)
    {
      g_set_error (error, RESMGR_ERROR, RESMGR_ERROR_INVALID_ARGUMENT,
                   "Internal format 0x%04x is not one a GL buffer pool makes", key.format);
      return 0;
    }
  key.size = (guint64) width * (guint64) height * texture_formats[f].bytes_per_pixel;

  return acquire (self, context, &key, error);
}

static gboolean
release (ResmgrGLBufferPool *self,
         ResmgrGLObjectKind  kind,
         guint               name)
{
  g_autoptr(GPtrArray) doomed = g_ptr_array_new ();
  Entry *e = NULL;

  g_mutex_lock (&self->mutex);
  if (!g_hash_table_steal_extended (self->lent[lent_index (kind)], GUINT_TO_POINTER (name),
                                    NULL, (gpointer *) &e))
    {
      g_mutex_unlock (&self->mutex);
      return FALSE;
    }
  self->stats.bytes_in_use -= e->key.size;
  self->stats.n_in_use--;
  e->last_used = self->stats.frame;

  if (e->key.size > self->stats.budget)
    {
      g_ptr_array_add (doomed, e);
      self->stats.evictions++;
    }
  else
    {
      link_idle_locked (self, e);
      evict_locked (self, doomed);
    }
  g_mutex_unlock (&self->mutex);

  delete_entries (self, doomed);

  return TRUE;
}

/**
 * resmgr_gl_buffer_pool_release_buffer:
 * @self: a GL buffer pool
 * @name: a buffer name the pool lent
 *
 * Gives a buffer back to the pool. It is kept for reuse while the budget
 * allows (evicting the least recently used idle objects if needed), else
 * deleted.
 *
 * Returns: %TRUE if @name was lent by the pool; %FALSE if not (or if the
 *   pool forgot it at its component's cleanup or a forced cleanup)
 *
 * Since: 0.1
 */
gboolean
resmgr_gl_buffer_pool_release_buffer (ResmgrGLBufferPool *self,
                                      guint               name)
{
  g_return_val_if_fail (RESMGR_IS_GL_BUFFER_POOL (self), FALSE);

  return release (self, RESMGR_GL_OBJECT_BUFFER, name);
}

/**
 * resmgr_gl_buffer_pool_release_texture:
 * @self: a GL buffer pool
 * @name: a texture name the pool lent
 *
 * Gives a texture back to the pool, like
 * [method@ResmgrGtk.GLBufferPool.release_buffer].
 *
 * Returns: %TRUE if @name was lent by the pool
 *
 * Since: 0.1
 */
gboolean
resmgr_gl_buffer_pool_release_texture (ResmgrGLBufferPool *self,
                                       guint               name)
{
  g_return_val_if_fail (RESMGR_IS_GL_BUFFER_POOL (self), FALSE);

  return release (self, RESMGR_GL_OBJECT_TEXTURE, name);
}

/* }}} */

/* Housekeeping {{{ */

/**
 * resmgr_gl_buffer_pool_housekeeping:
 * @self: a GL buffer pool
 * @max_idle_frames: how many frames an idle object may stay unused
 *
 * Call it once per frame (at its end): advances the pool's frame clock and
 * deletes the idle objects that have been idle for more than
 * @max_idle_frames frames (with 0, every object released before this call).
 *
 * Returns: the number of objects deleted
 *
 * Since: 0.1
 */
guint
resmgr_gl_buffer_pool_housekeeping (ResmgrGLBufferPool *self,
                                    guint               max_idle_frames)
{
  g_autoptr(GPtrArray) doomed = g_ptr_array_new ();
  guint n;

  g_return_val_if_fail (RESMGR_IS_GL_BUFFER_POOL (self), 0);

  g_mutex_lock (&self->mutex);
  self->stats.frame++;
  /* The LRU list is in release order, so in frame order. */
  while (self->lru.head != NULL)
    {
      Entry *e = self->lru.head->data;

      if (self->stats.frame - e->last_used <= max_idle_frames)
        break;
      unlink_idle_locked (self, e);
      g_ptr_array_add (doomed, e);
    }
  self->stats.expired += doomed->len;
  g_mutex_unlock (&self->mutex);

  n = doomed->len;
  delete_entries (self, doomed);

  return n;
}

/**
 * resmgr_gl_buffer_pool_purge:
 * @self: a GL buffer pool
 *
 * Deletes every idle object. Lent objects are not touched. The pool does
 * this itself on a [iface@Gio.MemoryMonitor] low-memory warning.
 *
 * Returns: the number of objects deleted
 *
 * Since: 0.1
 */
guint
resmgr_gl_buffer_pool_purge (ResmgrGLBufferPool *self)
{
  g_autoptr(GPtrArray) doomed = g_ptr_array_new ();
  guint n;

  g_return_val_if_fail (RESMGR_IS_GL_BUFFER_POOL (self), 0);

  g_mutex_lock (&self->mutex);
  steal_idle_locked (self, doomed);
  self->stats.purged += doomed->len;
  g_mutex_unlock (&self->mutex);

  n = doomed->len;
  delete_entries (self, doomed);

  return n;
}

/**
 * resmgr_gl_buffer_pool_force_cleanup:
 * @self: a GL buffer pool
 *
 * Deletes every object the pool made, idle or lent: a lent name must not
 * be used afterwards, and giving it back returns %FALSE. For a shutdown or
 * a context reset.
 *
 * Returns: the number of objects deleted
 *
 * Since: 0.1
 */
guint
resmgr_gl_buffer_pool_force_cleanup (ResmgrGLBufferPool *self)
{
  g_autoptr(GPtrArray) doomed = g_ptr_array_new ();
  guint n;

  g_return_val_if_fail (RESMGR_IS_GL_BUFFER_POOL (self), 0);

  g_mutex_lock (&self->mutex);
  steal_idle_locked (self, doomed);
  steal_lent_locked (self, doomed);
  self->stats.purged += doomed->len;
  g_mutex_unlock (&self->mutex);

  n = doomed->len;
  delete_entries (self, doomed);

  return n;
}

/**
 * resmgr_gl_buffer_pool_get_stats:
 * @self: a GL buffer pool
 * @stats: (out caller-allocates): where to store the counters
 *
 * Gets a consistent snapshot of the pool's counters.
 *
 * Since: 0.1
 */
void
resmgr_gl_buffer_pool_get_stats (ResmgrGLBufferPool      *self,
                                 ResmgrGLBufferPoolStats *stats)
{
  g_return_if_fail (RESMGR_IS_GL_BUFFER_POOL (self));
  g_return_if_fail (stats != NULL);

  g_mutex_lock (&self->mutex);
  *stats = self->stats;
  g_mutex_unlock (&self->mutex);
}

/**
 * resmgr_gl_buffer_pool_set_budget:
 * @self: a GL buffer pool
 * @budget: the new budget in bytes
 *
 * Sets the byte budget of the idle objects; lowering it evicts the least
 * recently used ones at once.
 *
 * Since: 0.1
 */
void
resmgr_gl_buffer_pool_set_budget (ResmgrGLBufferPool *self,
                                  guint64             budget)
{
  g_autoptr(GPtrArray) doomed = g_ptr_array_new ();
  gboolean changed;

  g_return_if_fail (RESMGR_IS_GL_BUFFER_POOL (self));

  g_mutex_lock (&self->mutex);
  changed = self->stats.budget != budget;
  self->stats.budget = budget;
  evict_locked (self, doomed);
  g_mutex_unlock (&self->mutex);

  delete_entries (self, doomed);

  if (changed)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUDGET]);
}

/* }}} */

/* GObject {{{ */

static void
on_low_memory_warning (GMemoryMonitor                *monitor,
                       GMemoryMonitorWarningLevel     level,
                       gpointer                       user_data)
{
  ResmgrGLBufferPool *self = g_weak_ref_get (user_data);

  if (self != NULL)
    {
      guint n = resmgr_gl_buffer_pool_purge (self);

      g_debug ("GL buffer pool of “%s”: low-memory warning (level %d), %u object(s) purged",
               resmgr_coordinator_get_component_id (RESMGR_COORDINATOR (self->coordinator)),
               (int) level, n);
      g_object_unref (self);
    }
}

static void
weak_ref_closure_notify (gpointer  data,
                         GClosure *closure)
{
  _resmgr_weak_ref_free (data);
}

static void
resmgr_gl_buffer_pool_constructed (GObject *object)
{
  ResmgrGLBufferPool *self = RESMGR_GL_BUFFER_POOL (object);

  G_OBJECT_CLASS (resmgr_gl_buffer_pool_parent_class)->constructed (object);

  g_assert (self->coordinator != NULL);

  self->memory_monitor = g_memory_monitor_dup_default ();
  if (self->memory_monitor != NULL)
    self->low_memory_id = g_signal_connect_data (self->memory_monitor, "low-memory-warning",
                                                 G_CALLBACK (on_low_memory_warning),
                                                 _resmgr_weak_ref_new (self),
                                                 weak_ref_closure_notify, 0);
}

static void
resmgr_gl_buffer_pool_dispose (GObject *object)
{
  ResmgrGLBufferPool *self = RESMGR_GL_BUFFER_POOL (object);
  g_autoptr(GPtrArray) doomed = g_ptr_array_new ();
  g_autoptr(GPtrArray) lent = g_ptr_array_new_with_free_func (entry_free);
  guint64 cleanup_id;

  if (self->low_memory_id != 0)
    {
      g_signal_handler_disconnect (self->memory_monitor, self->low_memory_id);
      self->low_memory_id = 0;
    }
  g_clear_object (&self->memory_monitor);

  /* Idle objects go now; lent ones stay the component's, deleted at its
   * cleanup at the latest. */
  g_mutex_lock (&self->mutex);
  steal_idle_locked (self, doomed);
  steal_lent_locked (self, lent);
  cleanup_id = self->cleanup_id;
  self->cleanup_id = 0;
  g_mutex_unlock (&self->mutex);

  if (self->coordinator != NULL)
    {
      delete_entries (self, doomed);
      if (cleanup_id != 0)
        resmgr_service_release (resmgr_coordinator_get_service (RESMGR_COORDINATOR (self->coordinator)),
                                cleanup_id, NULL);
    }

  G_OBJECT_CLASS (resmgr_gl_buffer_pool_parent_class)->dispose (object);
}

static void
resmgr_gl_buffer_pool_finalize (GObject *object)
{
  ResmgrGLBufferPool *self = RESMGR_GL_BUFFER_POOL (object);

  g_hash_table_unref (self->buckets);
  g_hash_table_unref (self->lent[0]);
  g_hash_table_unref (self->lent[1]);
  g_clear_object (&self->coordinator);
  g_mutex_clear (&self->mutex);

  G_OBJECT_CLASS (resmgr_gl_buffer_pool_parent_class)->finalize (object);
}

static void
resmgr_gl_buffer_pool_get_property (GObject    *object,
                                    guint       prop_id,
                                    GValue     *value,
                                    GParamSpec *pspec)
{
  ResmgrGLBufferPool *self = RESMGR_GL_BUFFER_POOL (object);

  switch (prop_id)
    {
    case PROP_COORDINATOR:
      g_value_set_object (value, self->coordinator);
      break;
    case PROP_BUDGET:
      {
        ResmgrGLBufferPoolStats stats;

        resmgr_gl_buffer_pool_get_stats (self, &stats);
        g_value_set_uint64 (value, stats.budget);
      }
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
resmgr_gl_buffer_pool_set_property (GObject      *object,
                                    guint         prop_id,
                                    const GValue *value,
                                    GParamSpec   *pspec)
{
  ResmgrGLBufferPool *self = RESMGR_GL_BUFFER_POOL (object);

  switch (prop_id)
    {
    case PROP_COORDINATOR:
      self->coordinator = g_value_dup_object (value);
      break;
    case PROP_BUDGET:
      resmgr_gl_buffer_pool_set_budget (self, g_value_get_uint64 (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
resmgr_gl_buffer_pool_class_init (ResmgrGLBufferPoolClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = resmgr_gl_buffer_pool_constructed;
  object_class->dispose = resmgr_gl_buffer_pool_dispose;
  object_class->finalize = resmgr_gl_buffer_pool_finalize;
  object_class->get_property = resmgr_gl_buffer_pool_get_property;
  object_class->set_property = resmgr_gl_buffer_pool_set_property;

  /**
   * ResmgrGLBufferPool:coordinator:
   *
   * The GL coordinator the pool's objects are tracked (and charged)
   * through.
   *
   * Since: 0.1
   */
  properties[PROP_COORDINATOR] =
    g_param_spec_object ("coordinator", NULL, NULL,
                         RESMGR_TYPE_GL_COORDINATOR,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * ResmgrGLBufferPool:budget:
   *
   * The byte budget of the idle objects kept for reuse.
   *
   * Since: 0.1
   */
  properties[PROP_BUDGET] =
    g_param_spec_uint64 ("budget", NULL, NULL,
                         0, G_MAXUINT64, 64 * 1024 * 1024,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
resmgr_gl_buffer_pool_init (ResmgrGLBufferPool *self)
{
  g_mutex_init (&self->mutex);
  self->buckets = g_hash_table_new_full (pool_key_hash, pool_key_equal, NULL, g_free);
  g_queue_init (&self->lru);
  self->lent[0] = g_hash_table_new_full (NULL, NULL, NULL, entry_free);
  self->lent[1] = g_hash_table_new_full (NULL, NULL, NULL, entry_free);
}

/**
 * resmgr_gl_buffer_pool_new:
 * @coordinator: the GL coordinator of the component that owns the pool
 * @budget: the byte budget of the idle objects kept for reuse
 *
 * Creates a pool whose objects are tracked through @coordinator, so
 * charged to its component.
 *
 * Returns: (transfer full): a new pool
 *
 * Since: 0.1
 */
ResmgrGLBufferPool *
resmgr_gl_buffer_pool_new (ResmgrGLCoordinator *coordinator,
                           guint64              budget)
{
  g_return_val_if_fail (RESMGR_IS_GL_COORDINATOR (coordinator), NULL);

  return g_object_new (RESMGR_TYPE_GL_BUFFER_POOL,
                       "coordinator", coordinator,
                       "budget", budget,
                       NULL);
}

/* }}} */
