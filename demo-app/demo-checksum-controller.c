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

typedef struct
{
  char    *name;
  GFile   *file;
  guint64  size;
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

/* Lists the regular files of a folder (and the symbolic links that lead to
 * a regular file or nowhere). Result: GPtrArray of Entry, by name. */
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
      GFileType type;
      Entry *entry;

      if (!g_file_enumerator_iterate (enumerator, &info, &child, cancellable, error))
        return NULL;
      if (info == NULL)
        break;

      /* Links are followed: a link to a regular file says REGULAR; one
       * whose target is missing stays a SYMBOLIC_LINK, kept so that its
       * error shows. */
      type = g_file_info_get_file_type (info);
      if (type != G_FILE_TYPE_REGULAR && type != G_FILE_TYPE_SYMBOLIC_LINK)
        continue;

      entry = g_new0 (Entry, 1);
      entry->name = g_strdup (g_file_info_get_display_name (info));
      entry->file = g_object_ref (child);
      entry->size = type == G_FILE_TYPE_REGULAR ? (guint64) g_file_info_get_size (info) : 0;
      g_ptr_array_add (entries, entry);
    }

  g_ptr_array_sort (entries, entry_compare);
  resmgr_worker_set_progress (worker, 1.0);

  return g_steal_pointer (&entries);
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
  ResmgrController  parent_instance;

  /* Owner thread only: */
  GListStore       *results;     /* DemoChecksumResult */
  GListStore       *workers;     /* ResmgrWorker, of the jobs that run */
  GFile            *folder;
  guint             generation;  /* of the current run; bumped when it is dropped */
  gboolean          running;     /* the current run is not over */
  gboolean          cancelled;   /* the current run was cancelled */
  guint             n_pending;   /* jobs of the current run not called back */
  ResmgrWorker     *list_worker; /* while the current run lists its folder */
  GPtrArray        *jobs;        /* FileJob *, not owned: the current run's, not over */
  GPtrArray        *shown;       /* FileJob *, not owned: those in workers, same order */
  double            total_weight;
  double            done_weight;
  double            progress;
  guint             n_files;
  guint             n_done;
  guint             n_failed;
};

G_DEFINE_FINAL_TYPE (DemoChecksumController, demo_checksum_controller, RESMGR_TYPE_CONTROLLER)

enum {
  PROP_0,
  PROP_FOLDER,
  PROP_PROGRESS,
  PROP_N_FILES,
  PROP_N_DONE,
  PROP_N_FAILED,
  N_PROPS
};

enum {
  SIGNAL_FINISHED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

/* One file's job, owned by its completion callback. Its worker's signal
 * handlers get it as data. */
struct _FileJob
{
  GWeakRef      controller;
  guint         generation;
  char         *name;
  GFile        *file;
  guint64       size;
  double        weight;
  ResmgrWorker *worker;      /* NULL if the job was refused */
  gulong        state_id;
  gulong        progress_id;
};

static void
file_job_free (FileJob *job)
{
  if (job->worker != NULL)
    {
      g_clear_signal_handler (&job->state_id, job->worker);
      g_clear_signal_handler (&job->progress_id, job->worker);
      g_object_unref (job->worker);
    }
  g_weak_ref_clear (&job->controller);
  g_object_unref (job->file);
  g_free (job->name);
  g_free (job);
}

/* The listing job's callback data. */
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

/* The controller, if it is alive and @generation is its current run. */
static DemoChecksumController *
dup_current (GWeakRef *ref,
             guint     generation)
{
  DemoChecksumController *self = g_weak_ref_get (ref);

  if (self != NULL && self->generation != generation)
    g_clear_object (&self);

  return self;
}

static void
set_uint (DemoChecksumController *self,
          guint                  *field,
          guint                   value,
          int                     prop)
{
  if (*field == value)
    return;
  *field = value;
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);
}

static void
update_progress (DemoChecksumController *self)
{
  double weight = self->done_weight;
  double progress;

  for (guint i = 0; i < self->shown->len; i++)
    {
      FileJob *job = g_ptr_array_index (self->shown, i);

      weight += resmgr_worker_get_progress (job->worker) * job->weight;
    }

  progress = self->total_weight > 0 ? CLAMP (weight / self->total_weight, 0.0, 1.0) : 0.0;
  if (!self->running && !self->cancelled && self->n_files == self->n_done)
    progress = 1.0;

  if (progress == self->progress)
    return;
  self->progress = progress;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PROGRESS]);
}

static void
update_status (DemoChecksumController *self)
{
  ResmgrController *controller = RESMGR_CONTROLLER (self);

  if (self->running && self->list_worker != NULL)
    resmgr_controller_set_status (controller, self->cancelled ? "Cancelling…" : "Listing files…");
  else if (self->running)
    resmgr_controller_set_status_printf (controller, "%s%u of %u files hashed, %u failed",
                                         self->cancelled ? "Cancelling… " : "",
                                         self->n_done, self->n_files, self->n_failed);
  else if (self->cancelled)
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
  g_list_store_append (self->workers, job->worker);
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

/* Ends the current run once all its jobs called back. */
static void
maybe_finish (DemoChecksumController *self)
{
  gboolean cancelled;

  if (!self->running || self->n_pending > 0)
    return;

  self->running = FALSE;
  cancelled = self->cancelled;
  update_progress (self);
  update_status (self);
  g_signal_emit (self, signals[SIGNAL_FINISHED], 0, cancelled);
}

/* Forgets the current run: its late callbacks see another generation and
 * only free what they hold. */
static void
drop_run (DemoChecksumController *self)
{
  self->generation++;
  self->running = FALSE;
  self->n_pending = 0;
  g_clear_object (&self->list_worker);
  g_ptr_array_set_size (self->jobs, 0);
  g_ptr_array_set_size (self->shown, 0);
  if (self->workers != NULL)
    g_list_store_remove_all (self->workers);
}

static void
cancel_jobs (DemoChecksumController *self)
{
  g_autoptr(GPtrArray) workers = g_ptr_array_new_with_free_func (g_object_unref);

  /* Collected first: a ::cancelled handler could call back into us. */
  if (self->list_worker != NULL)
    g_ptr_array_add (workers, g_object_ref (self->list_worker));
  for (guint i = 0; i < self->jobs->len; i++)
    {
      FileJob *job = g_ptr_array_index (self->jobs, i);

      if (job->worker != NULL)
        g_ptr_array_add (workers, g_object_ref (job->worker));
    }

  for (guint i = 0; i < workers->len; i++)
    resmgr_worker_cancel (g_ptr_array_index (workers, i));
}

static void
worker_state_cb (ResmgrWorker *worker,
                 GParamSpec   *pspec,
                 FileJob      *job)
{
  g_autoptr(DemoChecksumController) self = dup_current (&job->controller, job->generation);

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
  g_autoptr(DemoChecksumController) self = dup_current (&job->controller, job->generation);

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

  output = resmgr_worker_coordinator_run_finish (RESMGR_WORKER_COORDINATOR (source), result, &error);
  self = dup_current (&job->controller, job->generation);
  if (self == NULL)
    {
      file_job_free (job);
      return;
    }

  hide_job (self, job);
  g_ptr_array_remove (self->jobs, job);
  self->n_pending--;

  if (output != NULL)
    item = demo_checksum_result_new (job->name, job->file, output->size, output->checksum, NULL);
  else if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) &&
           !g_error_matches (error, RESMGR_ERROR, RESMGR_ERROR_TIMED_OUT))
    item = demo_checksum_result_new (job->name, job->file, job->size, NULL, error->message);
  else
    self->cancelled = TRUE; /* cancelled or abandoned (also by a cleanup): no result */

  if (item != NULL)
    {
      self->done_weight += job->weight;
      g_list_store_append (self->results, item);
      set_uint (self, &self->n_done, self->n_done + 1, PROP_N_DONE);
      if (output == NULL)
        set_uint (self, &self->n_failed, self->n_failed + 1, PROP_N_FAILED);
    }

  file_job_free (job);

  update_progress (self);
  update_status (self);
  maybe_finish (self);
}

static void
queue_file (DemoChecksumController *self,
            Entry                  *entry)
{
  ResmgrWorkerCoordinator *coordinator =
    resmgr_controller_get_worker_coordinator (RESMGR_CONTROLLER (self));
  g_autofree char *name = g_strdup_printf ("sha256 %s", entry->name);
  HashInput *input = g_new0 (HashInput, 1);
  FileJob *job = g_new0 (FileJob, 1);

  g_weak_ref_init (&job->controller, self);
  job->generation = self->generation;
  job->name = g_strdup (entry->name);
  job->file = g_object_ref (entry->file);
  job->size = entry->size;
  job->weight = (double) entry->size + 1.0; /* empty files count too */
  self->total_weight += job->weight;

  input->file = g_object_ref (entry->file);
  input->size = entry->size;

  /* Before run: a refused job calls back from an idle, but counts. */
  self->n_pending++;
  g_ptr_array_add (self->jobs, job);

  job->worker = resmgr_worker_coordinator_run (coordinator, name, hash_job,
                                               input, hash_input_free, hash_output_free,
                                               file_done_cb, job);
  if (job->worker != NULL)
    {
      job->state_id = g_signal_connect (job->worker, "notify::state",
                                        G_CALLBACK (worker_state_cb), job);
      job->progress_id = g_signal_connect (job->worker, "notify::progress",
                                           G_CALLBACK (worker_progress_cb), job);
    }
}

static void
list_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  ListJob *job = user_data;
  g_autoptr(DemoChecksumController) self = NULL;
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
          g_autoptr(DemoChecksumResult) item =
            demo_checksum_result_new (name, self->folder, 0, NULL, error->message);

          g_list_store_append (self->results, item);
          set_uint (self, &self->n_failed, self->n_failed + 1, PROP_N_FAILED);
        }
      else
        self->cancelled = TRUE;
      update_status (self);
      maybe_finish (self);
      return;
    }

  if (!self->cancelled)
    {
      set_uint (self, &self->n_files, entries->len, PROP_N_FILES);
      for (guint i = 0; i < entries->len; i++)
        queue_file (self, g_ptr_array_index (entries, i));
    }

  update_progress (self);
  update_status (self);
  maybe_finish (self);
}

static ResmgrCoordinator *
demo_checksum_controller_create_coordinator (ResmgrController *controller,
                                             ResmgrService    *service)
{
  return RESMGR_COORDINATOR (resmgr_worker_coordinator_new (service));
}

/* After the cleanup (which cancelled every job) nothing more is done:
 * late outcomes are dropped, and a run still going ends now. */
static void
demo_checksum_controller_cleaned_up (ResmgrController    *controller,
                                     ResmgrCleanupReport *report)
{
  DemoChecksumController *self = DEMO_CHECKSUM_CONTROLLER (controller);
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
demo_checksum_controller_dispose (GObject *object)
{
  DemoChecksumController *self = DEMO_CHECKSUM_CONTROLLER (object);

  /* The jobs are cancelled by the cleanup (chained up); their callbacks
   * find another generation and only free their data. */
  if (self->jobs != NULL)
    drop_run (self);

  G_OBJECT_CLASS (demo_checksum_controller_parent_class)->dispose (object);

  g_clear_object (&self->results);
  g_clear_object (&self->workers);
  g_clear_object (&self->folder);
}

static void
demo_checksum_controller_finalize (GObject *object)
{
  DemoChecksumController *self = DEMO_CHECKSUM_CONTROLLER (object);

  g_clear_pointer (&self->jobs, g_ptr_array_unref);
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
    case PROP_FOLDER:
      g_value_set_object (value, self->folder);
      break;
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
  ResmgrControllerClass *controller_class = RESMGR_CONTROLLER_CLASS (klass);
  const GParamFlags flags = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->dispose = demo_checksum_controller_dispose;
  object_class->finalize = demo_checksum_controller_finalize;
  object_class->get_property = demo_checksum_controller_get_property;

  controller_class->create_coordinator = demo_checksum_controller_create_coordinator;
  controller_class->cleaned_up = demo_checksum_controller_cleaned_up;

  /**
   * DemoChecksumController:folder:
   *
   * The folder of the current (or last) run.
   */
  properties[PROP_FOLDER] =
    g_param_spec_object ("folder", NULL, NULL, G_TYPE_FILE, flags);

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

  /**
   * DemoChecksumController::finished:
   * @self: the controller
   * @cancelled: whether the run was cancelled (by
   *   [method@DemoChecksumController.cancel], a cleanup or a service
   *   shutdown), or replaced by another: then not every file has a result
   *
   * Emitted on the owner context when every job of a run is over.
   */
  signals[SIGNAL_FINISHED] =
    g_signal_new ("finished",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_BOOLEAN);
}

static void
demo_checksum_controller_init (DemoChecksumController *self)
{
  self->results = g_list_store_new (DEMO_TYPE_CHECKSUM_RESULT);
  self->workers = g_list_store_new (RESMGR_TYPE_WORKER);
  self->jobs = g_ptr_array_new ();
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
  ResmgrWorkerCoordinator *coordinator;
  g_autofree char *name = NULL;
  ListJob *job;

  g_return_if_fail (DEMO_IS_CHECKSUM_CONTROLLER (self));
  g_return_if_fail (G_IS_FILE (folder));

  if (self->running)
    {
      cancel_jobs (self);
      drop_run (self);
      g_signal_emit (self, signals[SIGNAL_FINISHED], 0, TRUE);
    }
  else
    drop_run (self);

  g_object_freeze_notify (G_OBJECT (self));

  if (g_set_object (&self->folder, folder))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FOLDER]);
  g_list_store_remove_all (self->results);
  self->cancelled = FALSE;
  self->running = TRUE;
  self->total_weight = 0;
  self->done_weight = 0;
  set_uint (self, &self->n_files, 0, PROP_N_FILES);
  set_uint (self, &self->n_done, 0, PROP_N_DONE);
  set_uint (self, &self->n_failed, 0, PROP_N_FAILED);
  update_progress (self);

  job = g_new0 (ListJob, 1);
  g_weak_ref_init (&job->controller, self);
  job->generation = self->generation;
  self->n_pending++;

  coordinator = resmgr_controller_get_worker_coordinator (RESMGR_CONTROLLER (self));
  name = g_strdup_printf ("list %s", g_file_peek_path (folder) ? g_file_peek_path (folder) : "folder");
  self->list_worker = resmgr_worker_coordinator_run (coordinator, name, list_job,
                                                     g_object_ref (folder), g_object_unref,
                                                     (GDestroyNotify) g_ptr_array_unref,
                                                     list_done_cb, job);
  update_status (self);

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

  if (!self->running || self->cancelled)
    return;

  self->cancelled = TRUE;
  update_status (self);
  cancel_jobs (self);
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
  return self->folder;
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
