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

/* Which files of the folder are loaded: the regular ones whose name says
 * image. */
static gboolean
is_image (GFileInfo *info,
          guint64   *size)
{
  return g_file_info_get_file_type (info) == G_FILE_TYPE_REGULAR &&
         is_image_name (g_file_info_get_name (info));
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

typedef struct _Loaded Loaded;

struct _DemoThumbnailController
{
  DemoJobsController  parent_instance;

  /* Owner thread only: */
  GListStore         *thumbnails;  /* DemoThumbnail */
  guint64             budget;
  guint64             bytes;       /* of the thumbnails in loaded */
  guint               n_images;
  guint               n_loaded;
  guint               n_failed;
  guint               n_evicted;
  GQueue              loaded;      /* Loaded *, not owned (the service holds them), oldest first */
};

G_DEFINE_FINAL_TYPE (DemoThumbnailController, demo_thumbnail_controller, DEMO_TYPE_JOBS_CONTROLLER)

enum {
  PROP_0,
  PROP_BUDGET,
  PROP_BYTES,
  PROP_N_IMAGES,
  PROP_N_LOADED,
  PROP_N_FAILED,
  PROP_N_EVICTED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

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
  demo_jobs_controller_set_uint (DEMO_JOBS_CONTROLLER (self), field, value, properties[prop]);
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
demo_thumbnail_controller_update_status (DemoJobsController *base)
{
  DemoThumbnailController *self = DEMO_THUMBNAIL_CONTROLLER (base);
  ResmgrController *controller = RESMGR_CONTROLLER (self);
  /* In KiB, like the budget. */
  g_autofree char *size = g_format_size_full (self->bytes, G_FORMAT_SIZE_IEC_UNITS);
  gboolean running = demo_jobs_controller_is_running (base);
  gboolean cancelled = demo_jobs_controller_is_cancelled (base);

  if (demo_jobs_controller_is_listing (base))
    resmgr_controller_set_status (controller, cancelled ? "Cancelling…" : "Listing images…");
  else
    resmgr_controller_set_status_printf (controller,
                                         "%s%u of %u images loaded, %u failed, %u evicted; %s held now",
                                         running && cancelled ? "Cancelling… "
                                         : !running && cancelled ? "Cancelled: " : "",
                                         self->n_loaded, self->n_images, self->n_failed,
                                         self->n_evicted, size);
}

static void
update_status (DemoThumbnailController *self)
{
  demo_thumbnail_controller_update_status (DEMO_JOBS_CONTROLLER (self));
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
      if (!resmgr_coordinator_release (coordinator, resmgr_handle_get_id (handle), &error))
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
      if (!resmgr_coordinator_release (coordinator, resmgr_handle_get_id (handle), &error))
        g_debug ("Cannot release a thumbnail: %s", error->message);
    }
}

static void
add_thumbnail (DemoThumbnailController *self,
               DemoJob                 *job,
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

  handle = resmgr_coordinator_lookup (coordinator,
                                      resmgr_coordinator_track_data (coordinator, RESMGR_RESOURCE_TYPE_MEMORY, name,
                                                                     decoded->bytes, RESMGR_PRIORITY_DEFAULT,
                                                                     loaded, loaded_destroy, &error),
                                      NULL);
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
  DemoJob *job = user_data;
  g_autoptr(DemoThumbnailController) self = NULL;
  g_autoptr(Decoded) decoded = NULL;
  g_autoptr(GError) error = NULL;

  decoded = demo_jobs_controller_finish_job (job, source, result, (gpointer *) &self, &error);
  if (self == NULL)
    return;

  g_object_freeze_notify (G_OBJECT (self));
  if (decoded != NULL)
    add_thumbnail (self, job, decoded);
  else if (error != NULL)
    {
      g_autoptr(DemoThumbnail) failed = demo_thumbnail_new (job->name, job->file, error->message);

      g_list_store_append (self->thumbnails, failed);
      set_uint (self, &self->n_failed, self->n_failed + 1, PROP_N_FAILED);
    }
  demo_job_free (job);

  demo_jobs_controller_job_over (DEMO_JOBS_CONTROLLER (self));
  g_object_thaw_notify (G_OBJECT (self));
}

static void
queue_image (DemoThumbnailController *self,
             DemoJobsEntry           *entry)
{
  DemoJobsController *base = DEMO_JOBS_CONTROLLER (self);
  g_autofree char *name = g_strdup_printf ("thumbnail %s", entry->name);
  DemoJob *job = demo_jobs_controller_new_job (base, sizeof (DemoJob), entry);

  demo_jobs_controller_run_job (base, job, name, decode_job,
                                g_object_ref (entry->file), g_object_unref,
                                decoded_free, image_done_cb);
}

static void
demo_thumbnail_controller_listed (DemoJobsController *base,
                                  GPtrArray          *entries)
{
  DemoThumbnailController *self = DEMO_THUMBNAIL_CONTROLLER (base);

  set_uint (self, &self->n_images, entries->len, PROP_N_IMAGES);
  for (guint i = 0; i < entries->len; i++)
    queue_image (self, g_ptr_array_index (entries, i));
}

static void
demo_thumbnail_controller_list_failed (DemoJobsController *base,
                                       const GError       *error)
{
  DemoThumbnailController *self = DEMO_THUMBNAIL_CONTROLLER (base);
  GFile *folder = demo_jobs_controller_get_folder (base);
  g_autofree char *name = g_file_get_basename (folder);
  g_autoptr(DemoThumbnail) failed = demo_thumbnail_new (name, folder, error->message);

  g_list_store_append (self->thumbnails, failed);
  set_uint (self, &self->n_failed, self->n_failed + 1, PROP_N_FAILED);
}

static void
demo_thumbnail_controller_dispose (GObject *object)
{
  DemoThumbnailController *self = DEMO_THUMBNAIL_CONTROLLER (object);

  /* The base drops the load; the cleanup (chained up) cancels the jobs and
   * releases the thumbnails; their destroy notifies may still see us
   * (g_object_run_dispose ()), so the queue stays valid until then. */
  G_OBJECT_CLASS (demo_thumbnail_controller_parent_class)->dispose (object);

  g_queue_clear (&self->loaded);
  g_clear_object (&self->thumbnails);
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
  DemoJobsControllerClass *jobs_class = DEMO_JOBS_CONTROLLER_CLASS (klass);
  const GParamFlags flags = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->dispose = demo_thumbnail_controller_dispose;
  object_class->get_property = demo_thumbnail_controller_get_property;
  object_class->set_property = demo_thumbnail_controller_set_property;

  jobs_class->update_status = demo_thumbnail_controller_update_status;
  jobs_class->list_failed = demo_thumbnail_controller_list_failed;
  jobs_class->listed = demo_thumbnail_controller_listed;

  /* DemoThumbnailController:folder and ::finished (cancelled by
   * demo_thumbnail_controller_cancel(), a cleanup or a service shutdown, or
   * replaced by another load) come from [class@DemoJobsController]. */

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
}

static void
demo_thumbnail_controller_init (DemoThumbnailController *self)
{
  self->thumbnails = g_list_store_new (DEMO_TYPE_THUMBNAIL);
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
  DemoJobsController *base = DEMO_JOBS_CONTROLLER (self);

  g_return_if_fail (DEMO_IS_THUMBNAIL_CONTROLLER (self));
  g_return_if_fail (G_IS_FILE (folder));

  /* On the owner thread, before any job can read it. */
  image_extensions ();

  g_object_freeze_notify (G_OBJECT (self));

  demo_jobs_controller_replace_run (base);

  release_all (self);
  g_list_store_remove_all (self->thumbnails);
  demo_jobs_controller_begin_run (base, folder);
  set_uint (self, &self->n_images, 0, PROP_N_IMAGES);
  set_uint (self, &self->n_loaded, 0, PROP_N_LOADED);
  set_uint (self, &self->n_failed, 0, PROP_N_FAILED);

  demo_jobs_controller_list_folder (base, "list images", LIST_ATTRIBUTES, is_image);
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

  demo_jobs_controller_cancel (DEMO_JOBS_CONTROLLER (self));
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
  return demo_jobs_controller_get_folder (DEMO_JOBS_CONTROLLER (self));
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
