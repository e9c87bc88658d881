/* demo-checksum-controller.c
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "demo-checksum-controller.h"

/**
 * DemoChecksumResult:
 *
 * The outcome of hashing one file: its name, path and size, and either its
 * SHA-256 (lower-case hex) or the message of the error that stopped it.
 * Immutable.
 */

/**
 * DemoChecksumController:
 *
 * The controller behind the Checksums tab: computes the SHA-256 of every
 * regular file of a folder, one [class@Resmgr.Worker] job per file on the
 * pool of its [class@Resmgr.WorkerCoordinator].
 *
 * [method@DemoChecksumController.start] lists the folder in a job, then
 * queues one job per regular file (a symbolic link counts when it leads to a
 * regular file, or leads nowhere: it then fails with its error). Each job
 * streams its file through a #GChecksum in 64 KiB blocks, checks its
 * #GCancellable between blocks and reports its progress through its worker.
 * Outcomes are delivered on the owner context: a finished file becomes a
 * [class@DemoChecksumResult] in [method@DemoChecksumController.get_results]
 * (with its checksum, or with its error when it could not be read); a file
 * whose job was cancelled leaves no result.
 *
 * [method@DemoChecksumController.get_workers] lists the workers of the jobs
 * that run now, for per-file progress bars; `progress` is the fraction of
 * the run done (weighted by size), `n-files`, `n-done` and `n-failed`
 * count files. [signal@DemoChecksumController::finished] is emitted once
 * every job of a run is over.
 *
 * ## Thread safety
 *
 * Owner thread (the thread that made it, normally the main thread) only.
 * The job functions run on the pool and touch nothing but their own input
 * and their worker; all state changes and notifications happen on the owner
 * context.
 */

#define BLOCK_SIZE (64 * 1024)
#define LIST_ATTRIBUTES                     \
  G_FILE_ATTRIBUTE_STANDARD_NAME ","        \
  G_FILE_ATTRIBUTE_STANDARD_DISPLAY_NAME "," \
  G_FILE_ATTRIBUTE_STANDARD_TYPE ","        \
  G_FILE_ATTRIBUTE_STANDARD_IS_SYMLINK ","  \
  G_FILE_ATTRIBUTE_STANDARD_SIZE

/* DemoChecksumResult {{{ */

struct _DemoChecksumResult
{
  GObject  parent_instance;

  /* Read-only after construction: */
  char    *name;
  char    *path;
  guint64  size;
  char    *checksum;
  char    *error;
};

G_DEFINE_FINAL_TYPE (DemoChecksumResult, demo_checksum_result, G_TYPE_OBJECT)

enum {
  RESULT_PROP_0,
  RESULT_PROP_NAME,
  RESULT_PROP_PATH,
  RESULT_PROP_SIZE,
  RESULT_PROP_CHECKSUM,
  RESULT_PROP_ERROR,
  N_RESULT_PROPS
};

static GParamSpec *result_properties[N_RESULT_PROPS];

static void
demo_checksum_result_finalize (GObject *object)
{
  DemoChecksumResult *self = DEMO_CHECKSUM_RESULT (object);

  g_free (self->name);
  g_free (self->path);
  g_free (self->checksum);
  g_free (self->error);

  G_OBJECT_CLASS (demo_checksum_result_parent_class)->finalize (object);
}

static void
demo_checksum_result_get_property (GObject    *object,
                                   guint       prop_id,
                                   GValue     *value,
                                   GParamSpec *pspec)
{
  DemoChecksumResult *self = DEMO_CHECKSUM_RESULT (object);

  switch (prop_id)
    {
    case RESULT_PROP_NAME:
      g_value_set_string (value, self->name);
      break;
    case RESULT_PROP_PATH:
      g_value_set_string (value, self->path);
      break;
    case RESULT_PROP_SIZE:
      g_value_set_uint64 (value, self->size);
      break;
    case RESULT_PROP_CHECKSUM:
      g_value_set_string (value, self->checksum);
      break;
    case RESULT_PROP_ERROR:
      g_value_set_string (value, self->error);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
demo_checksum_result_set_property (GObject      *object,
                                   guint         prop_id,
                                   const GValue *value,
                                   GParamSpec   *pspec)
{
  DemoChecksumResult *self = DEMO_CHECKSUM_RESULT (object);

  switch (prop_id)
    {
    case RESULT_PROP_NAME:
      self->name = g_value_dup_string (value);
      break;
    case RESULT_PROP_PATH:
      self->path = g_value_dup_string (value);
      break;
    case RESULT_PROP_SIZE:
      self->size = g_value_get_uint64 (value);
      break;
    case RESULT_PROP_CHECKSUM:
      self->checksum = g_value_dup_string (value);
      break;
    case RESULT_PROP_ERROR:
      self->error = g_value_dup_string (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
demo_checksum_result_class_init (DemoChecksumResultClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags flags = G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                            G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->finalize = demo_checksum_result_finalize;
  object_class->get_property = demo_checksum_result_get_property;
  object_class->set_property = demo_checksum_result_set_property;

  /**
   * DemoChecksumResult:name:
   *
   * The file's name, for display.
   */
  result_properties[RESULT_PROP_NAME] =
    g_param_spec_string ("name", NULL, NULL, NULL, flags);

  /**
   * DemoChecksumResult:path:
   *
   * The file's path (or URI when it has no path).
   */
  result_properties[RESULT_PROP_PATH] =
    g_param_spec_string ("path", NULL, NULL, NULL, flags);

  /**
   * DemoChecksumResult:size:
   *
   * The number of bytes hashed, or the size listed when the file could not
   * be read.
   */
  result_properties[RESULT_PROP_SIZE] =
    g_param_spec_uint64 ("size", NULL, NULL, 0, G_MAXUINT64, 0, flags);

  /**
   * DemoChecksumResult:checksum:
   *
   * The SHA-256 in lower-case hex, or %NULL when the file could not be read.
   */
  result_properties[RESULT_PROP_CHECKSUM] =
    g_param_spec_string ("checksum", NULL, NULL, NULL, flags);

  /**
   * DemoChecksumResult:error:
   *
   * Why the file could not be hashed, or %NULL on success.
   */
  result_properties[RESULT_PROP_ERROR] =
    g_param_spec_string ("error", NULL, NULL, NULL, flags);

  g_object_class_install_properties (object_class, N_RESULT_PROPS, result_properties);
}

static void
demo_checksum_result_init (DemoChecksumResult *self)
{
}

static DemoChecksumResult *
demo_checksum_result_new (const char *name,
                          GFile      *file,
                          guint64     size,
                          const char *checksum,
                          const char *error)
{
  g_autofree char *path = g_file_get_path (file);

  if (path == NULL)
    path = g_file_get_uri (file);

  return g_object_new (DEMO_TYPE_CHECKSUM_RESULT,
                       "name", name,
                       "path", path,
                       "size", size,
                       "checksum", checksum,
                       "error", error,
                       NULL);
}

/**
 * demo_checksum_result_get_name:
 * @self: a result
 *
 * Returns: the file's display name
 */
const char *
demo_checksum_result_get_name (DemoChecksumResult *self)
{
  g_return_val_if_fail (DEMO_IS_CHECKSUM_RESULT (self), NULL);
  return self->name;
}

/**
 * demo_checksum_result_get_path:
 * @self: a result
 *
 * Returns: the file's path (or URI)
 */
const char *
demo_checksum_result_get_path (DemoChecksumResult *self)
{
  g_return_val_if_fail (DEMO_IS_CHECKSUM_RESULT (self), NULL);
  return self->path;
}

/**
 * demo_checksum_result_get_size:
 * @self: a result
 *
 * Returns: the number of bytes hashed (or listed, on error)
 */
guint64
demo_checksum_result_get_size (DemoChecksumResult *self)
{
  g_return_val_if_fail (DEMO_IS_CHECKSUM_RESULT (self), 0);
  return self->size;
}

/**
 * demo_checksum_result_get_checksum:
 * @self: a result
 *
 * Returns: (nullable): the SHA-256 in hex, or %NULL on error
 */
const char *
demo_checksum_result_get_checksum (DemoChecksumResult *self)
{
  g_return_val_if_fail (DEMO_IS_CHECKSUM_RESULT (self), NULL);
  return self->checksum;
}

/**
 * demo_checksum_result_get_error:
 * @self: a result
 *
 * Returns: (nullable): the error message, or %NULL on success
 */
const char *
demo_checksum_result_get_error (DemoChecksumResult *self)
{
  g_return_val_if_fail (DEMO_IS_CHECKSUM_RESULT (self), NULL);
  return self->error;
}

/* }}} */

/* Jobs (pool threads) {{{ */

/* Which files of the folder are hashed: the regular ones, and the symbolic
 * links that lead to a regular file or nowhere. */
static gboolean
is_hashable (GFileInfo *info,
             guint64   *size)
{
  /* Links are followed: a link to a regular file says REGULAR; one
   * whose target is missing stays a SYMBOLIC_LINK, kept so that its
   * error shows. */
  GFileType type = g_file_info_get_file_type (info);

  if (type != G_FILE_TYPE_REGULAR && type != G_FILE_TYPE_SYMBOLIC_LINK)
    return FALSE;

  *size = type == G_FILE_TYPE_REGULAR ? (guint64) g_file_info_get_size (info) : 0;
  return TRUE;
}

typedef struct
{
  GFile   *file;
  guint64  size; /* as listed; the hashed size is what was read */
} HashInput;

static void
hash_input_free (gpointer data)
{
  HashInput *input = data;

  g_object_unref (input->file);
  g_free (input);
}

typedef struct
{
  char    *checksum;
  guint64  size;
} HashOutput;

static void
hash_output_free (gpointer data)
{
  HashOutput *output = data;

  if (output == NULL)
    return;
  g_free (output->checksum);
  g_free (output);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HashOutput, hash_output_free)

static gpointer
hash_job (ResmgrWorker  *worker,
          GCancellable  *cancellable,
          gpointer       user_data,
          GError       **error)
{
  HashInput *input = user_data;
  g_autoptr(GFileInputStream) stream = NULL;
  g_autoptr(GFileInfo) info = NULL;
  g_autoptr(GChecksum) checksum = NULL;
  g_autofree guint8 *buffer = NULL;
  HashOutput *output;
  guint64 size = input->size;
  guint64 done = 0;

  stream = g_file_read (input->file, cancellable, error);
  if (stream == NULL)
    return NULL;

  /* The size now, rather than at listing time, for the progress. */
  info = g_file_input_stream_query_info (stream, G_FILE_ATTRIBUTE_STANDARD_SIZE, cancellable, NULL);
  if (info != NULL && g_file_info_has_attribute (info, G_FILE_ATTRIBUTE_STANDARD_SIZE))
    size = (guint64) g_file_info_get_size (info);

  checksum = g_checksum_new (G_CHECKSUM_SHA256);
  buffer = g_malloc (BLOCK_SIZE);

  for (;;)
    {
      gssize n;

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return NULL;

      n = g_input_stream_read (G_INPUT_STREAM (stream), buffer, BLOCK_SIZE, cancellable, error);
      if (n < 0)
        return NULL;
      if (n == 0)
        break;

      g_checksum_update (checksum, buffer, n);
      done += (guint64) n;
      resmgr_worker_set_progress (worker, size > 0 ? MIN (1.0, (double) done / (double) size) : 0.0);
    }

  if (!g_input_stream_close (G_INPUT_STREAM (stream), cancellable, error))
    return NULL;

  resmgr_worker_set_progress (worker, 1.0);

  output = g_new0 (HashOutput, 1);
  output->checksum = g_strdup (g_checksum_get_string (checksum));
  output->size = done;

  return output;
}

/* }}} */

/* DemoChecksumController {{{ */

typedef struct _FileJob FileJob;

struct _DemoChecksumController
{
  DemoJobsController  parent_instance;

  /* Owner thread only: */
  GListStore         *results;     /* DemoChecksumResult */
  GListStore         *workers;     /* ResmgrWorker, of the jobs that run */
  GPtrArray          *shown;       /* FileJob *, not owned: those in workers, same order */
  double              total_weight;
  double              done_weight;
  double              progress;
  guint               n_files;
  guint               n_done;
  guint               n_failed;
};

G_DEFINE_FINAL_TYPE (DemoChecksumController, demo_checksum_controller, DEMO_TYPE_JOBS_CONTROLLER)

enum {
  PROP_0,
  PROP_PROGRESS,
  PROP_N_FILES,
  PROP_N_DONE,
  PROP_N_FAILED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* One file's job, owned by its completion callback. Its worker's signal
 * handlers get it as data. */
struct _FileJob
{
  DemoJob  base;
  guint64  size;
  double   weight;
  gulong   state_id;
  gulong   progress_id;
};

static void
file_job_clear (DemoJob *base)
{
  FileJob *job = (FileJob *) base;

  if (base->worker != NULL)
    {
      g_clear_signal_handler (&job->state_id, base->worker);
      g_clear_signal_handler (&job->progress_id, base->worker);
    }
}

static void
set_uint (DemoChecksumController *self,
          guint                  *field,
          guint                   value,
          int                     prop)
{
  demo_jobs_controller_set_uint (DEMO_JOBS_CONTROLLER (self), field, value, properties[prop]);
}

static void
update_progress (DemoChecksumController *self)
{
  DemoJobsController *base = DEMO_JOBS_CONTROLLER (self);
  double weight = self->done_weight;
  double progress;

  for (guint i = 0; i < self->shown->len; i++)
    {
      FileJob *job = g_ptr_array_index (self->shown, i);

      weight += resmgr_worker_get_progress (job->base.worker) * job->weight;
    }

  progress = self->total_weight > 0 ? CLAMP (weight / self->total_weight, 0.0, 1.0) : 0.0;
  if (!demo_jobs_controller_is_running (base) && !demo_jobs_controller_is_cancelled (base) &&
      self->n_files == self->n_done)
    progress = 1.0;

  if (progress == self->progress)
    return;
  self->progress = progress;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PROGRESS]);
}

static void
demo_checksum_controller_update_status (DemoJobsController *base)
{
  DemoChecksumController *self = DEMO_CHECKSUM_CONTROLLER (base);
  ResmgrController *controller = RESMGR_CONTROLLER (self);
  gboolean running = demo_jobs_controller_is_running (base);
  gboolean cancelled = demo_jobs_controller_is_cancelled (base);

  if (demo_jobs_controller_is_listing (base))
    resmgr_controller_set_status (controller, cancelled ? "Cancelling…" : "Listing files…");
  else if (running)
    resmgr_controller_set_status_printf (controller, "%s%u of %u files hashed, %u failed",
                                         cancelled ? "Cancelling… " : "",
                                         self->n_done, self->n_files, self->n_failed);
  else if (cancelled)
    resmgr_controller_set_status_printf (controller, "Cancelled: %u of %u files hashed, %u failed",
                                         self->n_done, self->n_files, self->n_failed);
  else
    resmgr_controller_set_status_printf (controller, "Done: %u files hashed, %u failed",
                                         self->n_done, self->n_failed);
}

static void
show_job (DemoChecksumController *self,
          FileJob                *job)
{
  if (g_ptr_array_find (self->shown, job, NULL))
    return;
  g_ptr_array_add (self->shown, job);
  g_list_store_append (self->workers, job->base.worker);
}

static void
hide_job (DemoChecksumController *self,
          FileJob                *job)
{
  guint index;

  if (!g_ptr_array_find (self->shown, job, &index))
    return;
  g_ptr_array_remove_index (self->shown, index);
  g_list_store_remove (self->workers, index);
}

static void
demo_checksum_controller_run_over (DemoJobsController *base)
{
  update_progress (DEMO_CHECKSUM_CONTROLLER (base));
}

static void
demo_checksum_controller_run_dropped (DemoJobsController *base)
{
  DemoChecksumController *self = DEMO_CHECKSUM_CONTROLLER (base);

  g_ptr_array_set_size (self->shown, 0);
  if (self->workers != NULL)
    g_list_store_remove_all (self->workers);
}

static void
worker_state_cb (ResmgrWorker *worker,
                 GParamSpec   *pspec,
                 FileJob      *job)
{
  g_autoptr(DemoChecksumController) self = demo_job_dup_controller (&job->base);

  if (self == NULL)
    return;

  if (resmgr_worker_get_state (worker) == RESMGR_WORKER_STATE_RUNNING)
    show_job (self, job);
  else if (resmgr_worker_is_done (worker))
    hide_job (self, job);
}

static void
worker_progress_cb (ResmgrWorker *worker,
                    GParamSpec   *pspec,
                    FileJob      *job)
{
  g_autoptr(DemoChecksumController) self = demo_job_dup_controller (&job->base);

  if (self == NULL)
    return;

  /* A job can report progress before its RUNNING state is notified. */
  if (!resmgr_worker_is_done (worker))
    show_job (self, job);
  update_progress (self);
}

static void
file_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  FileJob *job = user_data;
  g_autoptr(DemoChecksumController) self = NULL;
  g_autoptr(HashOutput) output = NULL;
  g_autoptr(DemoChecksumResult) item = NULL;
  g_autoptr(GError) error = NULL;

  output = demo_jobs_controller_finish_job (&job->base, source, result, (gpointer *) &self, &error);
  if (self == NULL)
    return;

  hide_job (self, job);

  if (output != NULL)
    item = demo_checksum_result_new (job->base.name, job->base.file, output->size, output->checksum, NULL);
  else if (error != NULL)
    item = demo_checksum_result_new (job->base.name, job->base.file, job->size, NULL, error->message);

  if (item != NULL)
    {
      self->done_weight += job->weight;
      g_list_store_append (self->results, item);
      set_uint (self, &self->n_done, self->n_done + 1, PROP_N_DONE);
      if (output == NULL)
        set_uint (self, &self->n_failed, self->n_failed + 1, PROP_N_FAILED);
    }

  demo_job_free (&job->base);

  update_progress (self);
  demo_jobs_controller_job_over (DEMO_JOBS_CONTROLLER (self));
}

static void
queue_file (DemoChecksumController *self,
            DemoJobsEntry          *entry)
{
  DemoJobsController *base = DEMO_JOBS_CONTROLLER (self);
  g_autofree char *name = g_strdup_printf ("sha256 %s", entry->name);
  HashInput *input = g_new0 (HashInput, 1);
  FileJob *job = demo_jobs_controller_new_job (base, sizeof (FileJob), entry);

  job->base.clear = file_job_clear;
  job->size = entry->size;
  job->weight = (double) entry->size + 1.0; /* empty files count too */
  self->total_weight += job->weight;

  input->file = g_object_ref (entry->file);
  input->size = entry->size;

  demo_jobs_controller_run_job (base, &job->base, name, hash_job,
                                input, hash_input_free, hash_output_free, file_done_cb);
  if (job->base.worker != NULL)
    {
      job->state_id = g_signal_connect (job->base.worker, "notify::state",
                                        G_CALLBACK (worker_state_cb), job);
      job->progress_id = g_signal_connect (job->base.worker, "notify::progress",
                                           G_CALLBACK (worker_progress_cb), job);
    }
}

static void
demo_checksum_controller_listed (DemoJobsController *base,
                                 GPtrArray          *entries)
{
  DemoChecksumController *self = DEMO_CHECKSUM_CONTROLLER (base);

  set_uint (self, &self->n_files, entries->len, PROP_N_FILES);
  for (guint i = 0; i < entries->len; i++)
    queue_file (self, g_ptr_array_index (entries, i));

  update_progress (self);
}

static void
demo_checksum_controller_list_failed (DemoJobsController *base,
                                      const GError       *error)
{
  DemoChecksumController *self = DEMO_CHECKSUM_CONTROLLER (base);
  GFile *folder = demo_jobs_controller_get_folder (base);
  g_autofree char *name = g_file_get_basename (folder);
  g_autoptr(DemoChecksumResult) item =
    demo_checksum_result_new (name, folder, 0, NULL, error->message);

  g_list_store_append (self->results, item);
  set_uint (self, &self->n_failed, self->n_failed + 1, PROP_N_FAILED);
}

static void
demo_checksum_controller_dispose (GObject *object)
{
  DemoChecksumController *self = DEMO_CHECKSUM_CONTROLLER (object);

  /* The base drops the run and cleans up (cancelling the jobs). */
  G_OBJECT_CLASS (demo_checksum_controller_parent_class)->dispose (object);

  g_clear_object (&self->results);
  g_clear_object (&self->workers);
}

static void
demo_checksum_controller_finalize (GObject *object)
{
  DemoChecksumController *self = DEMO_CHECKSUM_CONTROLLER (object);

  g_clear_pointer (&self->shown, g_ptr_array_unref);

  G_OBJECT_CLASS (demo_checksum_controller_parent_class)->finalize (object);
}

static void
demo_checksum_controller_get_property (GObject    *object,
                                       guint       prop_id,
                                       GValue     *value,
                                       GParamSpec *pspec)
{
  DemoChecksumController *self = DEMO_CHECKSUM_CONTROLLER (object);

  switch (prop_id)
    {
    case PROP_PROGRESS:
      g_value_set_double (value, self->progress);
      break;
    case PROP_N_FILES:
      g_value_set_uint (value, self->n_files);
      break;
    case PROP_N_DONE:
      g_value_set_uint (value, self->n_done);
      break;
    case PROP_N_FAILED:
      g_value_set_uint (value, self->n_failed);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
demo_checksum_controller_class_init (DemoChecksumControllerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  DemoJobsControllerClass *jobs_class = DEMO_JOBS_CONTROLLER_CLASS (klass);
  const GParamFlags flags = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->dispose = demo_checksum_controller_dispose;
  object_class->finalize = demo_checksum_controller_finalize;
  object_class->get_property = demo_checksum_controller_get_property;

  jobs_class->update_status = demo_checksum_controller_update_status;
  jobs_class->list_failed = demo_checksum_controller_list_failed;
  jobs_class->listed = demo_checksum_controller_listed;
  jobs_class->run_over = demo_checksum_controller_run_over;
  jobs_class->run_dropped = demo_checksum_controller_run_dropped;

  /* DemoChecksumController:folder and ::finished (cancelled by
   * demo_checksum_controller_cancel(), a cleanup or a service shutdown, or
   * replaced by another run) come from [class@DemoJobsController]. */

  /**
   * DemoChecksumController:progress:
   *
   * The fraction of the current run done, 0 to 1, weighted by file size.
   */
  properties[PROP_PROGRESS] =
    g_param_spec_double ("progress", NULL, NULL, 0.0, 1.0, 0.0, flags);

  /**
   * DemoChecksumController:n-files:
   *
   * The number of files the current run hashes.
   */
  properties[PROP_N_FILES] =
    g_param_spec_uint ("n-files", NULL, NULL, 0, G_MAXUINT, 0, flags);

  /**
   * DemoChecksumController:n-done:
   *
   * The number of files of the current run with a result (hashed or
   * failed).
   */
  properties[PROP_N_DONE] =
    g_param_spec_uint ("n-done", NULL, NULL, 0, G_MAXUINT, 0, flags);

  /**
   * DemoChecksumController:n-failed:
   *
   * The number of results of the current run that are errors.
   */
  properties[PROP_N_FAILED] =
    g_param_spec_uint ("n-failed", NULL, NULL, 0, G_MAXUINT, 0, flags);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
demo_checksum_controller_init (DemoChecksumController *self)
{
  self->results = g_list_store_new (DEMO_TYPE_CHECKSUM_RESULT);
  self->workers = g_list_store_new (RESMGR_TYPE_WORKER);
  self->shown = g_ptr_array_new ();
}

/**
 * demo_checksum_controller_new:
 * @service: (nullable): the service to track through, or %NULL for the
 *   default one
 *
 * Returns: (transfer full): a new controller
 */
DemoChecksumController *
demo_checksum_controller_new (ResmgrService *service)
{
  g_return_val_if_fail (service == NULL || RESMGR_IS_SERVICE (service), NULL);

  return g_object_new (DEMO_TYPE_CHECKSUM_CONTROLLER, "service", service, NULL);
}

/**
 * demo_checksum_controller_start:
 * @self: a controller
 * @folder: the folder whose files to hash
 *
 * Starts a run over @folder: clears the results, lists the folder and
 * hashes each file in its own job. A run still going is cancelled first
 * (its ::finished is emitted now, with @cancelled %TRUE).
 */
void
demo_checksum_controller_start (DemoChecksumController *self,
                                GFile                  *folder)
{
  DemoJobsController *base = DEMO_JOBS_CONTROLLER (self);

  g_return_if_fail (DEMO_IS_CHECKSUM_CONTROLLER (self));
  g_return_if_fail (G_IS_FILE (folder));

  demo_jobs_controller_replace_run (base);

  g_object_freeze_notify (G_OBJECT (self));

  demo_jobs_controller_begin_run (base, folder);
  g_list_store_remove_all (self->results);
  self->total_weight = 0;
  self->done_weight = 0;
  set_uint (self, &self->n_files, 0, PROP_N_FILES);
  set_uint (self, &self->n_done, 0, PROP_N_DONE);
  set_uint (self, &self->n_failed, 0, PROP_N_FAILED);
  update_progress (self);

  demo_jobs_controller_list_folder (base, "list", LIST_ATTRIBUTES, is_hashable);
  demo_checksum_controller_update_status (base);

  g_object_thaw_notify (G_OBJECT (self));
}

/**
 * demo_checksum_controller_cancel:
 * @self: a controller
 *
 * Cancels the current run: every job stops between two blocks (or before it
 * starts) and leaves no result. [signal@DemoChecksumController::finished]
 * follows, with @cancelled %TRUE, once all of them are over.
 */
void
demo_checksum_controller_cancel (DemoChecksumController *self)
{
  g_return_if_fail (DEMO_IS_CHECKSUM_CONTROLLER (self));

  demo_jobs_controller_cancel (DEMO_JOBS_CONTROLLER (self));
}

/**
 * demo_checksum_controller_get_results:
 * @self: a controller
 *
 * Returns: (transfer none): a #GListModel of the [class@DemoChecksumResult]
 *   of the current run, in the order the files finished
 */
GListModel *
demo_checksum_controller_get_results (DemoChecksumController *self)
{
  g_return_val_if_fail (DEMO_IS_CHECKSUM_CONTROLLER (self), NULL);
  return G_LIST_MODEL (self->results);
}

/**
 * demo_checksum_controller_get_workers:
 * @self: a controller
 *
 * Returns: (transfer none): a #GListModel of the [class@Resmgr.Worker] of
 *   the jobs that run now (each leaves when its job is over)
 */
GListModel *
demo_checksum_controller_get_workers (DemoChecksumController *self)
{
  g_return_val_if_fail (DEMO_IS_CHECKSUM_CONTROLLER (self), NULL);
  return G_LIST_MODEL (self->workers);
}

/**
 * demo_checksum_controller_get_folder:
 * @self: a controller
 *
 * Returns: (transfer none) (nullable): the folder of the current run
 */
GFile *
demo_checksum_controller_get_folder (DemoChecksumController *self)
{
  g_return_val_if_fail (DEMO_IS_CHECKSUM_CONTROLLER (self), NULL);
  return demo_jobs_controller_get_folder (DEMO_JOBS_CONTROLLER (self));
}

/**
 * demo_checksum_controller_get_progress:
 * @self: a controller
 *
 * Returns: the fraction of the current run done
 */
double
demo_checksum_controller_get_progress (DemoChecksumController *self)
{
  g_return_val_if_fail (DEMO_IS_CHECKSUM_CONTROLLER (self), 0.0);
  return self->progress;
}

/**
 * demo_checksum_controller_get_n_files:
 * @self: a controller
 *
 * Returns: the number of files of the current run
 */
guint
demo_checksum_controller_get_n_files (DemoChecksumController *self)
{
  g_return_val_if_fail (DEMO_IS_CHECKSUM_CONTROLLER (self), 0);
  return self->n_files;
}

/**
 * demo_checksum_controller_get_n_done:
 * @self: a controller
 *
 * Returns: the number of files with a result
 */
guint
demo_checksum_controller_get_n_done (DemoChecksumController *self)
{
  g_return_val_if_fail (DEMO_IS_CHECKSUM_CONTROLLER (self), 0);
  return self->n_done;
}

/**
 * demo_checksum_controller_get_n_failed:
 * @self: a controller
 *
 * Returns: the number of results that are errors
 */
guint
demo_checksum_controller_get_n_failed (DemoChecksumController *self)
{
  g_return_val_if_fail (DEMO_IS_CHECKSUM_CONTROLLER (self), 0);
  return self->n_failed;
}

/* }}} */
