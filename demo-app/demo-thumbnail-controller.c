/* demo-thumbnail-controller.c
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <string.h>

#include "demo-thumbnail-controller.h"

/**
 * DemoThumbnail:
 *
 * One image of the folder: its name and path, and either its thumbnail
 * texture and byte size or the message of the error that stopped its
 * decoding. [property@DemoThumbnail:texture] goes back to %NULL when the
 * thumbnail is evicted or its controller cleaned up. Owner thread only.
 */

/**
 * DemoThumbnailController:
 *
 * The controller behind the Thumbnails tab: decodes the images of a folder
 * into thumbnails (at most %DEMO_THUMBNAIL_SIZE pixels a side), one
 * [class@Resmgr.Worker] job per image on the pool of its
 * [class@Resmgr.WorkerCoordinator].
 *
 * A job decodes its file with gdk-pixbuf and makes a #GdkMemoryTexture of
 * the pixels (textures may be made on any thread). Back on the owner
 * context, each texture is tracked through the coordinator as a
 * %RESMGR_RESOURCE_TYPE_MEMORY resource of its byte size, so the service's
 * stats and monitor show it; a file that fails to decode becomes a
 * [class@DemoThumbnail] with its error.
 *
 * [property@DemoThumbnailController:budget] caps the bytes of thumbnails
 * held: over it, the oldest thumbnails are evicted (their resources
 * released, their texture dropped, and they leave the model), counted by
 * [property@DemoThumbnailController:n-evicted]. The controller's cleanup
 * releases the rest.
 *
 * ## Thread safety
 *
 * Owner thread (the thread that made it, normally the main thread) only.
 * The job functions run on the pool and touch nothing but their own input
 * and their worker; all state changes and notifications happen on the owner
 * context.
 */

#define LIST_ATTRIBUTES                      \
  G_FILE_ATTRIBUTE_STANDARD_NAME ","         \
  G_FILE_ATTRIBUTE_STANDARD_DISPLAY_NAME "," \
  G_FILE_ATTRIBUTE_STANDARD_TYPE

/* DemoThumbnail {{{ */

struct _DemoThumbnail
{
  GObject     parent_instance;

  /* Read-only after construction: */
  char       *name;
  char       *path;
  char       *error;

  /* Owner thread only: */
  GdkTexture *texture;
  guint64     bytes;
};

G_DEFINE_FINAL_TYPE (DemoThumbnail, demo_thumbnail, G_TYPE_OBJECT)

enum {
  THUMB_PROP_0,
  THUMB_PROP_NAME,
  THUMB_PROP_PATH,
  THUMB_PROP_TEXTURE,
  THUMB_PROP_BYTES,
  THUMB_PROP_ERROR,
  N_THUMB_PROPS
};

static GParamSpec *thumb_properties[N_THUMB_PROPS];

static void
demo_thumbnail_finalize (GObject *object)
{
  DemoThumbnail *self = DEMO_THUMBNAIL (object);

  g_free (self->name);
  g_free (self->path);
  g_free (self->error);
  g_clear_object (&self->texture);

  G_OBJECT_CLASS (demo_thumbnail_parent_class)->finalize (object);
}

static void
demo_thumbnail_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  DemoThumbnail *self = DEMO_THUMBNAIL (object);

  switch (prop_id)
    {
    case THUMB_PROP_NAME:
      g_value_set_string (value, self->name);
      break;
    case THUMB_PROP_PATH:
      g_value_set_string (value, self->path);
      break;
    case THUMB_PROP_TEXTURE:
      g_value_set_object (value, self->texture);
      break;
    case THUMB_PROP_BYTES:
      g_value_set_uint64 (value, self->bytes);
      break;
    case THUMB_PROP_ERROR:
      g_value_set_string (value, self->error);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
demo_thumbnail_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  DemoThumbnail *self = DEMO_THUMBNAIL (object);

  switch (prop_id)
    {
    case THUMB_PROP_NAME:
      self->name = g_value_dup_string (value);
      break;
    case THUMB_PROP_PATH:
      self->path = g_value_dup_string (value);
      break;
    case THUMB_PROP_ERROR:
      self->error = g_value_dup_string (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
demo_thumbnail_class_init (DemoThumbnailClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags construct = G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                                G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;
  const GParamFlags readable = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->finalize = demo_thumbnail_finalize;
  object_class->get_property = demo_thumbnail_get_property;
  object_class->set_property = demo_thumbnail_set_property;

  /**
   * DemoThumbnail:name:
   *
   * The image's file name, for display.
   */
  thumb_properties[THUMB_PROP_NAME] =
    g_param_spec_string ("name", NULL, NULL, NULL, construct);

  /**
   * DemoThumbnail:path:
   *
   * The image's path (or URI when it has no path).
   */
  thumb_properties[THUMB_PROP_PATH] =
    g_param_spec_string ("path", NULL, NULL, NULL, construct);

  /**
   * DemoThumbnail:texture:
   *
   * The thumbnail, or %NULL when decoding failed, or once the thumbnail was
   * evicted or its controller cleaned up.
   */
  thumb_properties[THUMB_PROP_TEXTURE] =
    g_param_spec_object ("texture", NULL, NULL, GDK_TYPE_TEXTURE, readable);

  /**
   * DemoThumbnail:bytes:
   *
   * The size of the thumbnail's pixels, as tracked; 0 without a texture.
   */
  thumb_properties[THUMB_PROP_BYTES] =
    g_param_spec_uint64 ("bytes", NULL, NULL, 0, G_MAXUINT64, 0, readable);

  /**
   * DemoThumbnail:error:
   *
   * Why the image could not be decoded, or %NULL.
   */
  thumb_properties[THUMB_PROP_ERROR] =
    g_param_spec_string ("error", NULL, NULL, NULL, construct);

  g_object_class_install_properties (object_class, N_THUMB_PROPS, thumb_properties);
}

static void
demo_thumbnail_init (DemoThumbnail *self)
{
}

static DemoThumbnail *
demo_thumbnail_new (const char *name,
                    GFile      *file,
                    const char *error)
{
  g_autofree char *path = g_file_get_path (file);

  if (path == NULL)
    path = g_file_get_uri (file);

  return g_object_new (DEMO_TYPE_THUMBNAIL,
                       "name", name,
                       "path", path,
                       "error", error,
                       NULL);
}

static void
demo_thumbnail_set_texture (DemoThumbnail *self,
                            GdkTexture    *texture,
                            guint64        bytes)
{
  GObject *object = G_OBJECT (self);

  g_object_freeze_notify (object);
  if (g_set_object (&self->texture, texture))
    g_object_notify_by_pspec (object, thumb_properties[THUMB_PROP_TEXTURE]);
  if (self->bytes != bytes)
    {
      self->bytes = bytes;
      g_object_notify_by_pspec (object, thumb_properties[THUMB_PROP_BYTES]);
    }
  g_object_thaw_notify (object);
}

/**
 * demo_thumbnail_get_name:
 * @self: a thumbnail
 *
 * Returns: the image's file name
 */
const char *
demo_thumbnail_get_name (DemoThumbnail *self)
{
  g_return_val_if_fail (DEMO_IS_THUMBNAIL (self), NULL);
  return self->name;
}

/**
 * demo_thumbnail_get_path:
 * @self: a thumbnail
 *
 * Returns: the image's path (or URI)
 */
const char *
demo_thumbnail_get_path (DemoThumbnail *self)
{
  g_return_val_if_fail (DEMO_IS_THUMBNAIL (self), NULL);
  return self->path;
}

/**
 * demo_thumbnail_get_texture:
 * @self: a thumbnail
 *
 * Returns: (transfer none) (nullable): the thumbnail's texture
 */
GdkTexture *
demo_thumbnail_get_texture (DemoThumbnail *self)
{
  g_return_val_if_fail (DEMO_IS_THUMBNAIL (self), NULL);
  return self->texture;
}

/**
 * demo_thumbnail_get_bytes:
 * @self: a thumbnail
 *
 * Returns: the bytes of the thumbnail's pixels, 0 without a texture
 */
guint64
demo_thumbnail_get_bytes (DemoThumbnail *self)
{
  g_return_val_if_fail (DEMO_IS_THUMBNAIL (self), 0);
  return self->bytes;
}

/**
 * demo_thumbnail_get_error:
 * @self: a thumbnail
 *
 * Returns: (nullable): why the image could not be decoded
 */
const char *
demo_thumbnail_get_error (DemoThumbnail *self)
{
  g_return_val_if_fail (DEMO_IS_THUMBNAIL (self), NULL);
  return self->error;
}

/* }}} */

/* Jobs (pool threads) {{{ */

typedef struct
{
  char  *name;
  GFile *file;
} Entry;

static void
entry_free (gpointer data)
{
  Entry *entry = data;

  g_free (entry->name);
  g_object_unref (entry->file);
  g_free (entry);
}

static int
entry_compare (gconstpointer a,
               gconstpointer b)
{
  const Entry *ea = *(const Entry * const *) a;
  const Entry *eb = *(const Entry * const *) b;

  return g_strcmp0 (ea->name, eb->name);
}

/* The file name extensions gdk-pixbuf can decode, lower-case. Made once on
 * the owner thread; read-only afterwards, so jobs may read it. */
static GHashTable *
image_extensions (void)
{
  static GHashTable *extensions;

  if (g_once_init_enter (&extensions))
    {
      GHashTable *table = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
      GSList *formats = gdk_pixbuf_get_formats ();

      for (GSList *l = formats; l != NULL; l = l->next)
        {
          g_auto(GStrv) exts = gdk_pixbuf_format_get_extensions (l->data);

          if (gdk_pixbuf_format_is_disabled (l->data))
            continue;
          for (guint i = 0; exts != NULL && exts[i] != NULL; i++)
            g_hash_table_add (table, g_ascii_strdown (exts[i], -1));
        }
      g_slist_free (formats);

      g_once_init_leave (&extensions, table);
    }

  return extensions;
}

static gboolean
is_image_name (const char *name)
{
  const char *dot = strrchr (name, '.');
  g_autofree char *ext = NULL;

  if (dot == NULL || dot[1] == '\0')
    return FALSE;
  ext = g_ascii_strdown (dot + 1, -1);
  return g_hash_table_contains (image_extensions (), ext);
}

/* Lists the regular files of a folder whose name says image. Result:
 * GPtrArray of Entry, by name. */
static gpointer
list_job (ResmgrWorker  *worker,
          GCancellable  *cancellable,
          gpointer       user_data,
          GError       **error)
{
  GFile *folder = user_data;
  g_autoptr(GFileEnumerator) enumerator = NULL;
  g_autoptr(GPtrArray) entries = g_ptr_array_new_with_free_func (entry_free);

  enumerator = g_file_enumerate_children (folder, LIST_ATTRIBUTES, G_FILE_QUERY_INFO_NONE,
                                          cancellable, error);
  if (enumerator == NULL)
    return NULL;

  for (;;)
    {
      GFileInfo *info;
      GFile *child;
      Entry *entry;

      if (!g_file_enumerator_iterate (enumerator, &info, &child, cancellable, error))
        return NULL;
      if (info == NULL)
        break;

      if (g_file_info_get_file_type (info) != G_FILE_TYPE_REGULAR ||
          !is_image_name (g_file_info_get_name (info)))
        continue;

      entry = g_new0 (Entry, 1);
      entry->name = g_strdup (g_file_info_get_display_name (info));
      entry->file = g_object_ref (child);
      g_ptr_array_add (entries, entry);
    }

  g_ptr_array_sort (entries, entry_compare);
  resmgr_worker_set_progress (worker, 1.0);

  return g_steal_pointer (&entries);
}

typedef struct
{
  GdkTexture *texture;
  guint64     bytes;
} Decoded;

static void
decoded_free (gpointer data)
{
  Decoded *decoded = data;

  if (decoded == NULL)
    return;
  g_clear_object (&decoded->texture);
  g_free (decoded);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Decoded, decoded_free)

static gpointer
decode_job (ResmgrWorker  *worker,
            GCancellable  *cancellable,
            gpointer       user_data,
            GError       **error)
{
  GFile *file = user_data;
  g_autofree char *path = g_file_get_path (file);
  g_autoptr(GdkPixbuf) pixbuf = NULL;
  g_autoptr(GBytes) pixels = NULL;
  Decoded *decoded;
  int width = 0, height = 0;
  int size = DEMO_THUMBNAIL_SIZE;

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;

  if (path == NULL)
    {
      g_autofree char *uri = g_file_get_uri (file);

      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   "Cannot decode “%s”: not a local file", uri);
      return NULL;
    }

  /* No upscaling of small images. */
  if (gdk_pixbuf_get_file_info (path, &width, &height) != NULL &&
      width > 0 && height > 0 && width <= size && height <= size)
    pixbuf = gdk_pixbuf_new_from_file (path, error);
  else
    pixbuf = gdk_pixbuf_new_from_file_at_scale (path, size, size, TRUE, error);
  if (pixbuf == NULL)
    return NULL;
  resmgr_worker_set_progress (worker, 0.5);

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;

  if (gdk_pixbuf_get_bits_per_sample (pixbuf) != 8 ||
      gdk_pixbuf_get_colorspace (pixbuf) != GDK_COLORSPACE_RGB ||
      gdk_pixbuf_get_n_channels (pixbuf) != (gdk_pixbuf_get_has_alpha (pixbuf) ? 4 : 3))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   "Cannot make a texture of “%s”: unexpected pixel format", path);
      return NULL;
    }

  pixels = gdk_pixbuf_read_pixel_bytes (pixbuf);
  decoded = g_new0 (Decoded, 1);
  decoded->texture = gdk_memory_texture_new (gdk_pixbuf_get_width (pixbuf),
                                             gdk_pixbuf_get_height (pixbuf),
                                             gdk_pixbuf_get_has_alpha (pixbuf)
                                               ? GDK_MEMORY_R8G8B8A8 : GDK_MEMORY_R8G8B8,
                                             pixels,
                                             gdk_pixbuf_get_rowstride (pixbuf));
  decoded->bytes = g_bytes_get_size (pixels);
  resmgr_worker_set_progress (worker, 1.0);

  return decoded;
}

/* }}} */

/* DemoThumbnailController {{{ */

typedef struct _ImageJob ImageJob;
typedef struct _Loaded Loaded;

struct _DemoThumbnailController
{
  ResmgrController  parent_instance;

  /* Owner thread only: */
  GListStore       *thumbnails;  /* DemoThumbnail */
  GFile            *folder;
  guint64           budget;
  guint64           bytes;       /* of the thumbnails in loaded */
  guint             n_images;
  guint             n_loaded;
  guint             n_failed;
  guint             n_evicted;
  guint             generation;  /* of the current load; bumped when it is dropped */
  gboolean          running;
  gboolean          cancelled;
  guint             n_pending;   /* jobs of the current load not called back */
  ResmgrWorker     *list_worker; /* while the current load lists its folder */
  GPtrArray        *jobs;        /* ImageJob *, not owned: the current load's, not over */
  GQueue            loaded;      /* Loaded *, not owned (the service holds them), oldest first */
};

G_DEFINE_FINAL_TYPE (DemoThumbnailController, demo_thumbnail_controller, RESMGR_TYPE_CONTROLLER)

enum {
  PROP_0,
  PROP_FOLDER,
  PROP_BUDGET,
  PROP_BYTES,
  PROP_N_IMAGES,
  PROP_N_LOADED,
  PROP_N_FAILED,
  PROP_N_EVICTED,
  N_PROPS
};

enum {
  SIGNAL_FINISHED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

/* One image's job, owned by its completion callback. */
struct _ImageJob
{
  GWeakRef      controller;
  guint         generation;
  char         *name;
  GFile        *file;
  ResmgrWorker *worker;   /* NULL if the job was refused */
};

static void
image_job_free (ImageJob *job)
{
  g_clear_object (&job->worker);
  g_weak_ref_clear (&job->controller);
  g_object_unref (job->file);
  g_free (job->name);
  g_free (job);
}

typedef struct
{
  GWeakRef controller;
  guint    generation;
} ListJob;

static void
list_job_free (ListJob *job)
{
  g_weak_ref_clear (&job->controller);
  g_free (job);
}

/* A loaded thumbnail: the data of its MEMORY resource, freed (and the
 * texture dropped) when the resource is released or cleaned up. */
struct _Loaded
{
  GWeakRef       controller;
  DemoThumbnail *thumbnail;
  ResmgrHandle  *handle;   /* set right after tracking */
  guint64        bytes;
};

static void
set_uint (DemoThumbnailController *self,
          guint                   *field,
          guint                    value,
          int                      prop)
{
  if (*field == value)
    return;
  *field = value;
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);
}

static void
set_bytes (DemoThumbnailController *self,
           guint64                  bytes)
{
  if (self->bytes == bytes)
    return;
  self->bytes = bytes;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BYTES]);
}

/* The resource's destroy notify: at eviction (already out of the queue),
 * at a new load, or at the controller's cleanup; on the owner context. */
static void
loaded_destroy (gpointer data)
{
  Loaded *loaded = data;
  DemoThumbnailController *self = g_weak_ref_get (&loaded->controller);

  demo_thumbnail_set_texture (loaded->thumbnail, NULL, 0);

  if (self != NULL)
    {
      GList *link = g_queue_find (&self->loaded, loaded);

      if (link != NULL)
        {
          g_queue_delete_link (&self->loaded, link);
          set_bytes (self, self->bytes - loaded->bytes);
        }
      g_object_unref (self);
    }

  g_clear_pointer (&loaded->handle, resmgr_handle_unref);
  g_object_unref (loaded->thumbnail);
  g_weak_ref_clear (&loaded->controller);
  g_free (loaded);
}

static void
update_status (DemoThumbnailController *self)
{
  ResmgrController *controller = RESMGR_CONTROLLER (self);
  g_autofree char *size = g_format_size (self->bytes);

  if (self->running && self->list_worker != NULL)
    resmgr_controller_set_status (controller, self->cancelled ? "Cancelling…" : "Listing images…");
  else
    resmgr_controller_set_status_printf (controller,
                                         "%s%u of %u images loaded, %u failed, %u evicted; %s held",
                                         self->running && self->cancelled ? "Cancelling… "
                                         : !self->running && self->cancelled ? "Cancelled: " : "",
                                         self->n_loaded, self->n_images, self->n_failed,
                                         self->n_evicted, size);
}

/* Evicts the oldest thumbnails while over budget. */
static void
enforce_budget (DemoThumbnailController *self)
{
  ResmgrCoordinator *coordinator = resmgr_controller_get_resources (RESMGR_CONTROLLER (self));

  while (self->budget > 0 && self->bytes > self->budget && !g_queue_is_empty (&self->loaded))
    {
      Loaded *loaded = g_queue_pop_head (&self->loaded);
      g_autoptr(DemoThumbnail) thumbnail = g_object_ref (loaded->thumbnail);
      g_autoptr(ResmgrHandle) handle = resmgr_handle_ref (loaded->handle);
      g_autoptr(GError) error = NULL;
      guint index;

      /* Accounted here; the destroy notify finds it out of the queue. */
      set_bytes (self, self->bytes - loaded->bytes);
      set_uint (self, &self->n_evicted, self->n_evicted + 1, PROP_N_EVICTED);
      if (g_list_store_find (self->thumbnails, thumbnail, &index))
        g_list_store_remove (self->thumbnails, index);

      /* Frees loaded: not to be touched from here. */
      if (!resmgr_coordinator_release (coordinator, handle, &error))
        g_debug ("Cannot evict thumbnail “%s”: %s", demo_thumbnail_get_name (thumbnail), error->message);
      demo_thumbnail_set_texture (thumbnail, NULL, 0);
    }
}

/* Releases every thumbnail held (a new load). */
static void
release_all (DemoThumbnailController *self)
{
  ResmgrCoordinator *coordinator = resmgr_controller_get_resources (RESMGR_CONTROLLER (self));

  while (!g_queue_is_empty (&self->loaded))
    {
      Loaded *loaded = g_queue_pop_head (&self->loaded);
      g_autoptr(ResmgrHandle) handle = resmgr_handle_ref (loaded->handle);
      g_autoptr(GError) error = NULL;

      set_bytes (self, self->bytes - loaded->bytes);
      if (!resmgr_coordinator_release (coordinator, handle, &error))
        g_debug ("Cannot release a thumbnail: %s", error->message);
    }
}

static DemoThumbnailController *
dup_current (GWeakRef *ref,
             guint     generation)
{
  DemoThumbnailController *self = g_weak_ref_get (ref);

  if (self != NULL && self->generation != generation)
    g_clear_object (&self);

  return self;
}

static void
maybe_finish (DemoThumbnailController *self)
{
  gboolean cancelled;

  if (!self->running || self->n_pending > 0)
    return;

  self->running = FALSE;
  cancelled = self->cancelled;
  update_status (self);
  g_signal_emit (self, signals[SIGNAL_FINISHED], 0, cancelled);
}

static void
drop_run (DemoThumbnailController *self)
{
  self->generation++;
  self->running = FALSE;
  self->n_pending = 0;
  g_clear_object (&self->list_worker);
  g_ptr_array_set_size (self->jobs, 0);
}

static void
cancel_jobs (DemoThumbnailController *self)
{
  g_autoptr(GPtrArray) workers = g_ptr_array_new_with_free_func (g_object_unref);

  if (self->list_worker != NULL)
    g_ptr_array_add (workers, g_object_ref (self->list_worker));
  for (guint i = 0; i < self->jobs->len; i++)
    {
      ImageJob *job = g_ptr_array_index (self->jobs, i);

      if (job->worker != NULL)
        g_ptr_array_add (workers, g_object_ref (job->worker));
    }

  for (guint i = 0; i < workers->len; i++)
    resmgr_worker_cancel (g_ptr_array_index (workers, i));
}

static void
add_thumbnail (DemoThumbnailController *self,
               ImageJob                *job,
               Decoded                 *decoded)
{
  ResmgrCoordinator *coordinator = resmgr_controller_get_resources (RESMGR_CONTROLLER (self));
  g_autoptr(DemoThumbnail) thumbnail = demo_thumbnail_new (job->name, job->file, NULL);
  g_autoptr(ResmgrHandle) handle = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *name = g_strdup_printf ("thumbnail %s", job->name);
  Loaded *loaded;

  demo_thumbnail_set_texture (thumbnail, decoded->texture, decoded->bytes);

  loaded = g_new0 (Loaded, 1);
  g_weak_ref_init (&loaded->controller, self);
  loaded->thumbnail = g_object_ref (thumbnail);
  loaded->bytes = decoded->bytes;

  handle = resmgr_coordinator_track_data (coordinator, RESMGR_RESOURCE_TYPE_MEMORY, name,
                                          decoded->bytes, RESMGR_PRIORITY_DEFAULT,
                                          loaded, loaded_destroy, &error);
  if (handle == NULL)
    {
      /* Refused (shutting down): nothing was taken. */
      g_autoptr(DemoThumbnail) failed =
        demo_thumbnail_new (job->name, job->file, error->message);

      loaded_destroy (loaded);
      g_list_store_append (self->thumbnails, failed);
      set_uint (self, &self->n_failed, self->n_failed + 1, PROP_N_FAILED);
      return;
    }

  loaded->handle = resmgr_handle_ref (handle);
  g_queue_push_tail (&self->loaded, loaded);
  set_bytes (self, self->bytes + decoded->bytes);
  g_list_store_append (self->thumbnails, thumbnail);
  set_uint (self, &self->n_loaded, self->n_loaded + 1, PROP_N_LOADED);

  enforce_budget (self);
}

static void
image_done_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  ImageJob *job = user_data;
  g_autoptr(DemoThumbnailController) self = NULL;
  g_autoptr(Decoded) decoded = NULL;
  g_autoptr(GError) error = NULL;

  decoded = resmgr_worker_coordinator_run_finish (RESMGR_WORKER_COORDINATOR (source), result, &error);
  self = dup_current (&job->controller, job->generation);
  if (self == NULL)
    {
      image_job_free (job);
      return;
    }

  g_ptr_array_remove (self->jobs, job);
  self->n_pending--;

  g_object_freeze_notify (G_OBJECT (self));
  if (decoded != NULL)
    add_thumbnail (self, job, decoded);
  else if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) &&
           !g_error_matches (error, RESMGR_ERROR, RESMGR_ERROR_TIMED_OUT))
    {
      g_autoptr(DemoThumbnail) failed = demo_thumbnail_new (job->name, job->file, error->message);

      g_list_store_append (self->thumbnails, failed);
      set_uint (self, &self->n_failed, self->n_failed + 1, PROP_N_FAILED);
    }
  else
    self->cancelled = TRUE; /* cancelled or abandoned (also by a cleanup): no result */
  image_job_free (job);

  update_status (self);
  maybe_finish (self);
  g_object_thaw_notify (G_OBJECT (self));
}

static void
queue_image (DemoThumbnailController *self,
             Entry                   *entry)
{
  ResmgrWorkerCoordinator *coordinator =
    resmgr_controller_get_worker_coordinator (RESMGR_CONTROLLER (self));
  g_autofree char *name = g_strdup_printf ("thumbnail %s", entry->name);
  ImageJob *job = g_new0 (ImageJob, 1);

  g_weak_ref_init (&job->controller, self);
  job->generation = self->generation;
  job->name = g_strdup (entry->name);
  job->file = g_object_ref (entry->file);

  self->n_pending++;
  g_ptr_array_add (self->jobs, job);

  job->worker = resmgr_worker_coordinator_run (coordinator, name, decode_job,
                                               g_object_ref (entry->file), g_object_unref,
                                               decoded_free, image_done_cb, job);
}

static void
list_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  ListJob *job = user_data;
  g_autoptr(DemoThumbnailController) self = NULL;
  g_autoptr(GPtrArray) entries = NULL;
  g_autoptr(GError) error = NULL;

  entries = resmgr_worker_coordinator_run_finish (RESMGR_WORKER_COORDINATOR (source), result, &error);
  self = dup_current (&job->controller, job->generation);
  list_job_free (job);
  if (self == NULL)
    return;

  g_clear_object (&self->list_worker);
  self->n_pending--;

  if (entries == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) &&
          !g_error_matches (error, RESMGR_ERROR, RESMGR_ERROR_TIMED_OUT))
        {
          g_autofree char *name = g_file_get_basename (self->folder);
          g_autoptr(DemoThumbnail) failed = demo_thumbnail_new (name, self->folder, error->message);

          g_list_store_append (self->thumbnails, failed);
          set_uint (self, &self->n_failed, self->n_failed + 1, PROP_N_FAILED);
        }
      else
        self->cancelled = TRUE;
    }
  else if (!self->cancelled)
    {
      set_uint (self, &self->n_images, entries->len, PROP_N_IMAGES);
      for (guint i = 0; i < entries->len; i++)
        queue_image (self, g_ptr_array_index (entries, i));
    }

  update_status (self);
  maybe_finish (self);
}

static ResmgrCoordinator *
demo_thumbnail_controller_create_coordinator (ResmgrController *controller,
                                              ResmgrService    *service)
{
  return RESMGR_COORDINATOR (resmgr_worker_coordinator_new (service));
}

/* After the cleanup (which cancelled every job and released every
 * thumbnail) nothing more is tracked: late outcomes are dropped, and a load
 * still going ends now. */
static void
demo_thumbnail_controller_cleaned_up (ResmgrController    *controller,
                                      ResmgrCleanupReport *report)
{
  DemoThumbnailController *self = DEMO_THUMBNAIL_CONTROLLER (controller);
  gboolean was_running = self->running;

  if (self->jobs == NULL)
    return;

  cancel_jobs (self);
  drop_run (self);
  if (was_running)
    {
      self->cancelled = TRUE;
      update_status (self);
      g_signal_emit (self, signals[SIGNAL_FINISHED], 0, TRUE);
    }
}

static void
demo_thumbnail_controller_dispose (GObject *object)
{
  DemoThumbnailController *self = DEMO_THUMBNAIL_CONTROLLER (object);

  if (self->jobs != NULL)
    drop_run (self);

  /* The cleanup (chained up) cancels the jobs and releases the thumbnails;
   * their destroy notifies may still see us (g_object_run_dispose ()), so
   * the queue stays valid until then. */
  G_OBJECT_CLASS (demo_thumbnail_controller_parent_class)->dispose (object);

  g_queue_clear (&self->loaded);
  g_clear_object (&self->thumbnails);
  g_clear_object (&self->folder);
}

static void
demo_thumbnail_controller_finalize (GObject *object)
{
  DemoThumbnailController *self = DEMO_THUMBNAIL_CONTROLLER (object);

  g_clear_pointer (&self->jobs, g_ptr_array_unref);

  G_OBJECT_CLASS (demo_thumbnail_controller_parent_class)->finalize (object);
}

static void
demo_thumbnail_controller_get_property (GObject    *object,
                                        guint       prop_id,
                                        GValue     *value,
                                        GParamSpec *pspec)
{
  DemoThumbnailController *self = DEMO_THUMBNAIL_CONTROLLER (object);

  switch (prop_id)
    {
    case PROP_FOLDER:
      g_value_set_object (value, self->folder);
      break;
    case PROP_BUDGET:
      g_value_set_uint64 (value, self->budget);
      break;
    case PROP_BYTES:
      g_value_set_uint64 (value, self->bytes);
      break;
    case PROP_N_IMAGES:
      g_value_set_uint (value, self->n_images);
      break;
    case PROP_N_LOADED:
      g_value_set_uint (value, self->n_loaded);
      break;
    case PROP_N_FAILED:
      g_value_set_uint (value, self->n_failed);
      break;
    case PROP_N_EVICTED:
      g_value_set_uint (value, self->n_evicted);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
demo_thumbnail_controller_set_property (GObject      *object,
                                        guint         prop_id,
                                        const GValue *value,
                                        GParamSpec   *pspec)
{
  DemoThumbnailController *self = DEMO_THUMBNAIL_CONTROLLER (object);

  switch (prop_id)
    {
    case PROP_BUDGET:
      demo_thumbnail_controller_set_budget (self, g_value_get_uint64 (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
demo_thumbnail_controller_class_init (DemoThumbnailControllerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  ResmgrControllerClass *controller_class = RESMGR_CONTROLLER_CLASS (klass);
  const GParamFlags flags = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->dispose = demo_thumbnail_controller_dispose;
  object_class->finalize = demo_thumbnail_controller_finalize;
  object_class->get_property = demo_thumbnail_controller_get_property;
  object_class->set_property = demo_thumbnail_controller_set_property;

  controller_class->create_coordinator = demo_thumbnail_controller_create_coordinator;
  controller_class->cleaned_up = demo_thumbnail_controller_cleaned_up;

  /**
   * DemoThumbnailController:folder:
   *
   * The folder of the current (or last) load.
   */
  properties[PROP_FOLDER] =
    g_param_spec_object ("folder", NULL, NULL, G_TYPE_FILE, flags);

  /**
   * DemoThumbnailController:budget:
   *
   * The most bytes of thumbnails to hold, 0 for no limit. Over it, the
   * oldest thumbnails are evicted.
   */
  properties[PROP_BUDGET] =
    g_param_spec_uint64 ("budget", NULL, NULL, 0, G_MAXUINT64, 0,
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * DemoThumbnailController:bytes:
   *
   * The bytes of the thumbnails held (and tracked) now.
   */
  properties[PROP_BYTES] =
    g_param_spec_uint64 ("bytes", NULL, NULL, 0, G_MAXUINT64, 0, flags);

  /**
   * DemoThumbnailController:n-images:
   *
   * The number of images of the current load.
   */
  properties[PROP_N_IMAGES] =
    g_param_spec_uint ("n-images", NULL, NULL, 0, G_MAXUINT, 0, flags);

  /**
   * DemoThumbnailController:n-loaded:
   *
   * The number of images of the current load decoded into a thumbnail
   * (evicted ones included).
   */
  properties[PROP_N_LOADED] =
    g_param_spec_uint ("n-loaded", NULL, NULL, 0, G_MAXUINT, 0, flags);

  /**
   * DemoThumbnailController:n-failed:
   *
   * The number of images of the current load that could not be decoded.
   */
  properties[PROP_N_FAILED] =
    g_param_spec_uint ("n-failed", NULL, NULL, 0, G_MAXUINT, 0, flags);

  /**
   * DemoThumbnailController:n-evicted:
   *
   * The number of thumbnails evicted to stay within the budget, since the
   * controller was made.
   */
  properties[PROP_N_EVICTED] =
    g_param_spec_uint ("n-evicted", NULL, NULL, 0, G_MAXUINT, 0, flags);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * DemoThumbnailController::finished:
   * @self: the controller
   * @cancelled: whether the load was cancelled (by
   *   [method@DemoThumbnailController.cancel], a cleanup or a service
   *   shutdown), or replaced by another: then not every image has a result
   *
   * Emitted on the owner context when every job of a load is over.
   */
  signals[SIGNAL_FINISHED] =
    g_signal_new ("finished",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_BOOLEAN);
}

static void
demo_thumbnail_controller_init (DemoThumbnailController *self)
{
  self->thumbnails = g_list_store_new (DEMO_TYPE_THUMBNAIL);
  self->jobs = g_ptr_array_new ();
  g_queue_init (&self->loaded);
}

/**
 * demo_thumbnail_controller_new:
 * @service: (nullable): the service to track through, or %NULL for the
 *   default one
 *
 * Returns: (transfer full): a new controller
 */
DemoThumbnailController *
demo_thumbnail_controller_new (ResmgrService *service)
{
  g_return_val_if_fail (service == NULL || RESMGR_IS_SERVICE (service), NULL);

  return g_object_new (DEMO_TYPE_THUMBNAIL_CONTROLLER, "service", service, NULL);
}

/**
 * demo_thumbnail_controller_load:
 * @self: a controller
 * @folder: the folder whose images to load
 *
 * Starts loading the images of @folder: the thumbnails of a previous load
 * are released and the model cleared, a load still going is cancelled
 * (its ::finished is emitted now, with @cancelled %TRUE).
 */
void
demo_thumbnail_controller_load (DemoThumbnailController *self,
                                GFile                   *folder)
{
  ResmgrWorkerCoordinator *coordinator;
  g_autofree char *name = NULL;
  ListJob *job;

  g_return_if_fail (DEMO_IS_THUMBNAIL_CONTROLLER (self));
  g_return_if_fail (G_IS_FILE (folder));

  /* On the owner thread, before any job can read it. */
  image_extensions ();

  g_object_freeze_notify (G_OBJECT (self));

  if (self->running)
    {
      cancel_jobs (self);
      drop_run (self);
      g_signal_emit (self, signals[SIGNAL_FINISHED], 0, TRUE);
    }
  else
    drop_run (self);

  release_all (self);
  g_list_store_remove_all (self->thumbnails);
  if (g_set_object (&self->folder, folder))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FOLDER]);
  self->cancelled = FALSE;
  self->running = TRUE;
  set_uint (self, &self->n_images, 0, PROP_N_IMAGES);
  set_uint (self, &self->n_loaded, 0, PROP_N_LOADED);
  set_uint (self, &self->n_failed, 0, PROP_N_FAILED);

  job = g_new0 (ListJob, 1);
  g_weak_ref_init (&job->controller, self);
  job->generation = self->generation;
  self->n_pending++;

  coordinator = resmgr_controller_get_worker_coordinator (RESMGR_CONTROLLER (self));
  name = g_strdup_printf ("list images %s", g_file_peek_path (folder) ? g_file_peek_path (folder) : "folder");
  self->list_worker = resmgr_worker_coordinator_run (coordinator, name, list_job,
                                                     g_object_ref (folder), g_object_unref,
                                                     (GDestroyNotify) g_ptr_array_unref,
                                                     list_done_cb, job);
  update_status (self);

  g_object_thaw_notify (G_OBJECT (self));
}

/**
 * demo_thumbnail_controller_cancel:
 * @self: a controller
 *
 * Cancels the current load: images not decoded yet are skipped (no
 * result); thumbnails already made stay. [signal@DemoThumbnailController::finished]
 * follows, with @cancelled %TRUE, once every job is over.
 */
void
demo_thumbnail_controller_cancel (DemoThumbnailController *self)
{
  g_return_if_fail (DEMO_IS_THUMBNAIL_CONTROLLER (self));

  if (!self->running || self->cancelled)
    return;

  self->cancelled = TRUE;
  update_status (self);
  cancel_jobs (self);
}

/**
 * demo_thumbnail_controller_get_thumbnails:
 * @self: a controller
 *
 * Returns: (transfer none): a #GListModel of [class@DemoThumbnail]: the
 *   thumbnails held and the images that failed, in the order they were
 *   done
 */
GListModel *
demo_thumbnail_controller_get_thumbnails (DemoThumbnailController *self)
{
  g_return_val_if_fail (DEMO_IS_THUMBNAIL_CONTROLLER (self), NULL);
  return G_LIST_MODEL (self->thumbnails);
}

/**
 * demo_thumbnail_controller_get_folder:
 * @self: a controller
 *
 * Returns: (transfer none) (nullable): the folder of the current load
 */
GFile *
demo_thumbnail_controller_get_folder (DemoThumbnailController *self)
{
  g_return_val_if_fail (DEMO_IS_THUMBNAIL_CONTROLLER (self), NULL);
  return self->folder;
}

/**
 * demo_thumbnail_controller_get_budget:
 * @self: a controller
 *
 * Returns: the budget in bytes, 0 for none
 */
guint64
demo_thumbnail_controller_get_budget (DemoThumbnailController *self)
{
  g_return_val_if_fail (DEMO_IS_THUMBNAIL_CONTROLLER (self), 0);
  return self->budget;
}

/**
 * demo_thumbnail_controller_set_budget:
 * @self: a controller
 * @budget: the most bytes of thumbnails to hold, 0 for no limit
 *
 * Sets [property@DemoThumbnailController:budget], and evicts the oldest
 * thumbnails at once if they are over it.
 */
void
demo_thumbnail_controller_set_budget (DemoThumbnailController *self,
                                      guint64                  budget)
{
  g_return_if_fail (DEMO_IS_THUMBNAIL_CONTROLLER (self));

  if (self->budget == budget)
    return;

  g_object_freeze_notify (G_OBJECT (self));
  self->budget = budget;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUDGET]);
  enforce_budget (self);
  update_status (self);
  g_object_thaw_notify (G_OBJECT (self));
}

/**
 * demo_thumbnail_controller_get_bytes:
 * @self: a controller
 *
 * Returns: the bytes of the thumbnails held
 */
guint64
demo_thumbnail_controller_get_bytes (DemoThumbnailController *self)
{
  g_return_val_if_fail (DEMO_IS_THUMBNAIL_CONTROLLER (self), 0);
  return self->bytes;
}

/**
 * demo_thumbnail_controller_get_n_images:
 * @self: a controller
 *
 * Returns: the number of images of the current load
 */
guint
demo_thumbnail_controller_get_n_images (DemoThumbnailController *self)
{
  g_return_val_if_fail (DEMO_IS_THUMBNAIL_CONTROLLER (self), 0);
  return self->n_images;
}

/**
 * demo_thumbnail_controller_get_n_loaded:
 * @self: a controller
 *
 * Returns: the number of images decoded
 */
guint
demo_thumbnail_controller_get_n_loaded (DemoThumbnailController *self)
{
  g_return_val_if_fail (DEMO_IS_THUMBNAIL_CONTROLLER (self), 0);
  return self->n_loaded;
}

/**
 * demo_thumbnail_controller_get_n_failed:
 * @self: a controller
 *
 * Returns: the number of images that failed
 */
guint
demo_thumbnail_controller_get_n_failed (DemoThumbnailController *self)
{
  g_return_val_if_fail (DEMO_IS_THUMBNAIL_CONTROLLER (self), 0);
  return self->n_failed;
}

/**
 * demo_thumbnail_controller_get_n_evicted:
 * @self: a controller
 *
 * Returns: the number of thumbnails evicted
 */
guint
demo_thumbnail_controller_get_n_evicted (DemoThumbnailController *self)
{
  g_return_val_if_fail (DEMO_IS_THUMBNAIL_CONTROLLER (self), 0);
  return self->n_evicted;
}

/* }}} */
