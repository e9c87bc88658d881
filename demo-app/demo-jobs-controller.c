/* demo-jobs-controller.c
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "demo-jobs-controller.h"

/**
 * DemoJobsController:
 *
 * The base of the controllers that run a folder's files through
 * [class@Resmgr.Worker] jobs on the pool of their
 * [class@Resmgr.WorkerCoordinator] ([class@DemoChecksumController],
 * [class@DemoThumbnailController]). It keeps the bookkeeping of a run: the
 * listing job, the jobs not over yet, how many have not called back, the
 * run's generation (bumped when a run is dropped, so that late callbacks
 * only free their data), cancellation, the
 * [signal@DemoJobsController::finished] signal, and the end of a run at the
 * controller's cleanup (late outcomes are dropped). Subclasses say what a
 * run does with its files, and what its status says.
 *
 * A run: demo_jobs_controller_replace_run() ends the one still going (its
 * ::finished is emitted now, with @cancelled %TRUE);
 * demo_jobs_controller_begin_run() sets the folder and starts a new one;
 * demo_jobs_controller_list_folder() lists the folder in a job, then the
 * subclass's @listed queues its jobs with demo_jobs_controller_run_job().
 * Each job's callback gets its outcome with
 * demo_jobs_controller_finish_job(), records it, frees its job and calls
 * demo_jobs_controller_job_over().
 *
 * ## Thread safety
 *
 * Owner thread (the thread that made it, normally the main thread) only.
 * The job functions run on the pool and touch nothing but their own input
 * and their worker; all state changes and notifications happen on the owner
 * context.
 */

typedef struct
{
  /* Owner thread only: */
  GFile        *folder;
  guint         generation;  /* of the current run; bumped when it is dropped */
  gboolean      running;     /* the current run is not over */
  gboolean      cancelled;   /* the current run was cancelled */
  guint         n_pending;   /* jobs of the current run not called back */
  ResmgrWorker *list_worker; /* while the current run lists its folder */
  GPtrArray    *jobs;        /* DemoJob *, not owned: the current run's, not over */
} DemoJobsControllerPrivate;

G_DEFINE_ABSTRACT_TYPE_WITH_PRIVATE (DemoJobsController, demo_jobs_controller, RESMGR_TYPE_CONTROLLER)

#define PRIV(self) ((DemoJobsControllerPrivate *) demo_jobs_controller_get_instance_private (self))

enum {
  PROP_0,
  PROP_FOLDER,
  N_PROPS
};

enum {
  SIGNAL_FINISHED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

/* Helpers {{{ */

void
demo_jobs_controller_set_uint (DemoJobsController *self,
                               guint              *field,
                               guint               value,
                               GParamSpec         *pspec)
{
  if (*field == value)
    return;
  *field = value;
  g_object_notify_by_pspec (G_OBJECT (self), pspec);
}

/* The controller, if it is alive and @generation is its current run. */
static gpointer
dup_current (GWeakRef *ref,
             guint     generation)
{
  DemoJobsController *self = g_weak_ref_get (ref);

  if (self != NULL && PRIV (self)->generation != generation)
    g_clear_object (&self);

  return self;
}

/* Cancelled or abandoned (also by a cleanup): no result. */
static gboolean
is_cancellation (const GError *error)
{
  return g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
         g_error_matches (error, RESMGR_ERROR, RESMGR_ERROR_TIMED_OUT);
}

static void
update_status (DemoJobsController *self)
{
  DEMO_JOBS_CONTROLLER_GET_CLASS (self)->update_status (self);
}

/* Ends the current run once all its jobs called back. */
static void
maybe_finish (DemoJobsController *self)
{
  DemoJobsControllerPrivate *priv = PRIV (self);
  DemoJobsControllerClass *klass = DEMO_JOBS_CONTROLLER_GET_CLASS (self);
  gboolean cancelled;

  if (!priv->running || priv->n_pending > 0)
    return;

  priv->running = FALSE;
  cancelled = priv->cancelled;
  if (klass->run_over != NULL)
    klass->run_over (self);
  update_status (self);
  g_signal_emit (self, signals[SIGNAL_FINISHED], 0, cancelled);
}

/* Forgets the current run: its late callbacks see another generation and
 * only free what they hold. */
static void
drop_run (DemoJobsController *self)
{
  DemoJobsControllerPrivate *priv = PRIV (self);
  DemoJobsControllerClass *klass = DEMO_JOBS_CONTROLLER_GET_CLASS (self);

  priv->generation++;
  priv->running = FALSE;
  priv->n_pending = 0;
  g_clear_object (&priv->list_worker);
  g_ptr_array_set_size (priv->jobs, 0);
  if (klass->run_dropped != NULL)
    klass->run_dropped (self);
}

static void
cancel_jobs (DemoJobsController *self)
{
  DemoJobsControllerPrivate *priv = PRIV (self);
  g_autoptr(GPtrArray) workers = g_ptr_array_new_with_free_func (g_object_unref);

  /* Collected first: a ::cancelled handler could call back into us. */
  if (priv->list_worker != NULL)
    g_ptr_array_add (workers, g_object_ref (priv->list_worker));
  for (guint i = 0; i < priv->jobs->len; i++)
    {
      DemoJob *job = g_ptr_array_index (priv->jobs, i);

      if (job->worker != NULL)
        g_ptr_array_add (workers, g_object_ref (job->worker));
    }

  for (guint i = 0; i < workers->len; i++)
    resmgr_worker_cancel (g_ptr_array_index (workers, i));
}

/* }}} */

/* Listing (pool thread, then owner context) {{{ */

static void
entry_free (gpointer data)
{
  DemoJobsEntry *entry = data;

  g_free (entry->name);
  g_object_unref (entry->file);
  g_free (entry);
}

static int
entry_compare (gconstpointer a,
               gconstpointer b)
{
  const DemoJobsEntry *ea = *(const DemoJobsEntry * const *) a;
  const DemoJobsEntry *eb = *(const DemoJobsEntry * const *) b;

  return g_strcmp0 (ea->name, eb->name);
}

/* The listing job's input; read-only on the pool thread. */
typedef struct
{
  GFile          *folder;
  char           *attributes;
  DemoJobsFilter  filter;
} ListInput;

static void
list_input_free (gpointer data)
{
  ListInput *input = data;

  g_object_unref (input->folder);
  g_free (input->attributes);
  g_free (input);
}

/* Lists the files of a folder that @filter keeps. Result: GPtrArray of
 * DemoJobsEntry, by name. */
static gpointer
list_job (ResmgrWorker  *worker,
          GCancellable  *cancellable,
          gpointer       user_data,
          GError       **error)
{
  ListInput *input = user_data;
  g_autoptr(GFileEnumerator) enumerator = NULL;
  g_autoptr(GPtrArray) entries = g_ptr_array_new_with_free_func (entry_free);

  enumerator = g_file_enumerate_children (input->folder, input->attributes, G_FILE_QUERY_INFO_NONE,
                                          cancellable, error);
  if (enumerator == NULL)
    return NULL;

  for (;;)
    {
      GFileInfo *info;
      GFile *child;
      DemoJobsEntry *entry;
      guint64 size = 0;

      if (!g_file_enumerator_iterate (enumerator, &info, &child, cancellable, error))
        return NULL;
      if (info == NULL)
        break;

      if (!input->filter (info, &size))
        continue;

      entry = g_new0 (DemoJobsEntry, 1);
      entry->name = g_strdup (g_file_info_get_display_name (info));
      entry->file = g_object_ref (child);
      entry->size = size;
      g_ptr_array_add (entries, entry);
    }

  g_ptr_array_sort (entries, entry_compare);
  resmgr_worker_set_progress (worker, 1.0);

  return g_steal_pointer (&entries);
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

static void
list_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  ListJob *job = user_data;
  g_autoptr(DemoJobsController) self = NULL;
  g_autoptr(GPtrArray) entries = NULL;
  g_autoptr(GError) error = NULL;
  DemoJobsControllerPrivate *priv;
  DemoJobsControllerClass *klass;

  entries = resmgr_worker_coordinator_run_finish (RESMGR_WORKER_COORDINATOR (source), result, &error);
  self = dup_current (&job->controller, job->generation);
  list_job_free (job);
  if (self == NULL)
    return;

  priv = PRIV (self);
  klass = DEMO_JOBS_CONTROLLER_GET_CLASS (self);
  g_clear_object (&priv->list_worker);
  priv->n_pending--;

  if (entries == NULL)
    {
      if (!is_cancellation (error))
        klass->list_failed (self, error);
      else
        priv->cancelled = TRUE;
    }
  else if (!priv->cancelled)
    klass->listed (self, entries);

  demo_jobs_controller_job_over (self);
}

/**
 * demo_jobs_controller_list_folder:
 * @self: a controller
 * @what: the start of the listing job's name ("list", …)
 * @attributes: the file attributes @filter reads
 * @filter: which files get a job (called on a pool thread)
 *
 * Lists the folder of the run (set by demo_jobs_controller_begin_run()) in
 * a job, by name; once listed, the subclass's @listed gets the entries
 * (unless the run was cancelled meanwhile), or its @list_failed the error.
 */
void
demo_jobs_controller_list_folder (DemoJobsController *self,
                                  const char         *what,
                                  const char         *attributes,
                                  DemoJobsFilter      filter)
{
  DemoJobsControllerPrivate *priv = PRIV (self);
  ResmgrWorkerCoordinator *coordinator;
  g_autofree char *name = NULL;
  const char *path = g_file_peek_path (priv->folder);
  ListInput *input;
  ListJob *job;

  job = g_new0 (ListJob, 1);
  g_weak_ref_init (&job->controller, self);
  job->generation = priv->generation;
  priv->n_pending++;

  input = g_new0 (ListInput, 1);
  input->folder = g_object_ref (priv->folder);
  input->attributes = g_strdup (attributes);
  input->filter = filter;

  coordinator = resmgr_controller_get_worker_coordinator (RESMGR_CONTROLLER (self));
  name = g_strdup_printf ("%s %s", what, path ? path : "folder");
  priv->list_worker = resmgr_worker_coordinator_run (coordinator, name, list_job,
                                                     input, list_input_free,
                                                     (GDestroyNotify) g_ptr_array_unref,
                                                     list_done_cb, job);
}

/* }}} */

/* Jobs {{{ */

/**
 * demo_jobs_controller_new_job:
 * @self: a controller
 * @size: the size of the subclass's job struct, which starts with a #DemoJob
 * @entry: the file
 *
 * Returns: (transfer full): a new job of the current run for @entry, the
 *   rest of it zeroed; free it with demo_job_free()
 */
gpointer
demo_jobs_controller_new_job (DemoJobsController  *self,
                              gsize                size,
                              const DemoJobsEntry *entry)
{
  DemoJob *job;

  g_assert (size >= sizeof (DemoJob));

  job = g_malloc0 (size);
  g_weak_ref_init (&job->controller, self);
  job->generation = PRIV (self)->generation;
  job->name = g_strdup (entry->name);
  job->file = g_object_ref (entry->file);

  return job;
}

void
demo_job_free (DemoJob *job)
{
  if (job->clear != NULL)
    job->clear (job);
  g_clear_object (&job->worker);
  g_weak_ref_clear (&job->controller);
  g_object_unref (job->file);
  g_free (job->name);
  g_free (job);
}

/* Returns: (transfer full) (nullable): the job's controller, if it is alive
 * and the job is of its current run */
gpointer
demo_job_dup_controller (DemoJob *job)
{
  return dup_current (&job->controller, job->generation);
}

/**
 * demo_jobs_controller_run_job:
 * @self: a controller
 * @job: (transfer full): a job from demo_jobs_controller_new_job(), owned
 *   by @callback from now on
 * @name: the worker's name
 * @func: the job function
 * @input: (transfer full): its input
 * @input_free: frees @input
 * @output_free: frees its output
 * @callback: the completion callback, which gets @job as data
 *
 * Runs @job on the pool; its worker (%NULL if refused) goes into @job. The
 * run counts it until @callback passed it to
 * demo_jobs_controller_finish_job().
 */
void
demo_jobs_controller_run_job (DemoJobsController  *self,
                              DemoJob             *job,
                              const char          *name,
                              ResmgrJobFunc        func,
                              gpointer             input,
                              GDestroyNotify       input_free,
                              GDestroyNotify       output_free,
                              GAsyncReadyCallback  callback)
{
  DemoJobsControllerPrivate *priv = PRIV (self);
  ResmgrWorkerCoordinator *coordinator =
    resmgr_controller_get_worker_coordinator (RESMGR_CONTROLLER (self));

  /* Before run: a refused job calls back from an idle, but counts. */
  priv->n_pending++;
  g_ptr_array_add (priv->jobs, job);

  job->worker = resmgr_worker_coordinator_run (coordinator, name, func,
                                               input, input_free, output_free,
                                               callback, job);
}

/**
 * demo_jobs_controller_finish_job:
 * @job: the job @callback got
 * @source: @callback's source
 * @result: @callback's result
 * @controller: (out) (transfer full): the job's controller, or %NULL
 * @error: the job's error, when it failed (not when it was cancelled)
 *
 * Gets the outcome of @job in its completion callback. When the job's
 * controller is gone or ran another run since, *@controller is %NULL and
 * @job is freed: the outcome is to be dropped. Otherwise the job is over
 * for its run; a cancelled (or abandoned) job marks the run cancelled and
 * returns %NULL without an error. The caller then frees @job and calls
 * demo_jobs_controller_job_over().
 *
 * Returns: (transfer full) (nullable): the job's output
 */
gpointer
demo_jobs_controller_finish_job (DemoJob       *job,
                                 GObject       *source,
                                 GAsyncResult  *result,
                                 gpointer      *controller,
                                 GError       **error)
{
  g_autoptr(GError) local_error = NULL;
  DemoJobsController *self;
  DemoJobsControllerPrivate *priv;
  gpointer output;

  output = resmgr_worker_coordinator_run_finish (RESMGR_WORKER_COORDINATOR (source), result, &local_error);
  self = demo_job_dup_controller (job);
  *controller = self;
  if (self == NULL)
    {
      demo_job_free (job);
      return output;
    }

  priv = PRIV (self);
  g_ptr_array_remove (priv->jobs, job);
  priv->n_pending--;

  if (output == NULL && is_cancellation (local_error))
    priv->cancelled = TRUE;
  else if (output == NULL)
    g_propagate_error (error, g_steal_pointer (&local_error));

  return output;
}

/**
 * demo_jobs_controller_job_over:
 * @self: a controller
 *
 * Updates the status after a job's outcome, and ends the run (emitting
 * ::finished) if it was its last job.
 */
void
demo_jobs_controller_job_over (DemoJobsController *self)
{
  update_status (self);
  maybe_finish (self);
}

/* }}} */

/* DemoJobsController {{{ */

static ResmgrCoordinator *
demo_jobs_controller_create_coordinator (ResmgrController *controller,
                                         ResmgrService    *service)
{
  return RESMGR_COORDINATOR (resmgr_worker_coordinator_new (service));
}

/* After the cleanup (which cancelled every job) nothing more is done:
 * late outcomes are dropped, and a run still going ends now. */
static void
demo_jobs_controller_cleaned_up (ResmgrController    *controller,
                                 ResmgrCleanupReport *report)
{
  DemoJobsController *self = DEMO_JOBS_CONTROLLER (controller);
  DemoJobsControllerPrivate *priv = PRIV (self);
  gboolean was_running = priv->running;

  if (priv->jobs == NULL)
    return;

  cancel_jobs (self);
  drop_run (self);
  if (was_running)
    {
      priv->cancelled = TRUE;
      update_status (self);
      g_signal_emit (self, signals[SIGNAL_FINISHED], 0, TRUE);
    }
}

static void
demo_jobs_controller_dispose (GObject *object)
{
  DemoJobsController *self = DEMO_JOBS_CONTROLLER (object);
  DemoJobsControllerPrivate *priv = PRIV (self);

  /* The jobs are cancelled by the cleanup (chained up); their callbacks
   * find another generation and only free their data. */
  if (priv->jobs != NULL)
    drop_run (self);

  G_OBJECT_CLASS (demo_jobs_controller_parent_class)->dispose (object);

  g_clear_object (&priv->folder);
}

static void
demo_jobs_controller_finalize (GObject *object)
{
  DemoJobsControllerPrivate *priv = PRIV (DEMO_JOBS_CONTROLLER (object));

  g_clear_pointer (&priv->jobs, g_ptr_array_unref);

  G_OBJECT_CLASS (demo_jobs_controller_parent_class)->finalize (object);
}

static void
demo_jobs_controller_get_property (GObject    *object,
                                   guint       prop_id,
                                   GValue     *value,
                                   GParamSpec *pspec)
{
  DemoJobsControllerPrivate *priv = PRIV (DEMO_JOBS_CONTROLLER (object));

  switch (prop_id)
    {
    case PROP_FOLDER:
      g_value_set_object (value, priv->folder);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
demo_jobs_controller_class_init (DemoJobsControllerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  ResmgrControllerClass *controller_class = RESMGR_CONTROLLER_CLASS (klass);

  object_class->dispose = demo_jobs_controller_dispose;
  object_class->finalize = demo_jobs_controller_finalize;
  object_class->get_property = demo_jobs_controller_get_property;

  controller_class->create_coordinator = demo_jobs_controller_create_coordinator;
  controller_class->cleaned_up = demo_jobs_controller_cleaned_up;

  /**
   * DemoJobsController:folder:
   *
   * The folder of the current (or last) run.
   */
  properties[PROP_FOLDER] =
    g_param_spec_object ("folder", NULL, NULL, G_TYPE_FILE,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * DemoJobsController::finished:
   * @self: the controller
   * @cancelled: whether the run was cancelled (by
   *   demo_jobs_controller_cancel(), a cleanup or a service shutdown), or
   *   replaced by another: then not every file has a result
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
demo_jobs_controller_init (DemoJobsController *self)
{
  PRIV (self)->jobs = g_ptr_array_new ();
}

/**
 * demo_jobs_controller_replace_run:
 * @self: a controller
 *
 * Makes way for a new run: a run still going is cancelled and forgotten,
 * and its ::finished emitted now, with @cancelled %TRUE.
 */
void
demo_jobs_controller_replace_run (DemoJobsController *self)
{
  if (PRIV (self)->running)
    {
      cancel_jobs (self);
      drop_run (self);
      g_signal_emit (self, signals[SIGNAL_FINISHED], 0, TRUE);
    }
  else
    drop_run (self);
}

/**
 * demo_jobs_controller_begin_run:
 * @self: a controller
 * @folder: the folder of the new run
 *
 * Starts a new run over @folder (after demo_jobs_controller_replace_run()).
 */
void
demo_jobs_controller_begin_run (DemoJobsController *self,
                                GFile              *folder)
{
  DemoJobsControllerPrivate *priv = PRIV (self);

  if (g_set_object (&priv->folder, folder))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FOLDER]);
  priv->cancelled = FALSE;
  priv->running = TRUE;
}

/**
 * demo_jobs_controller_cancel:
 * @self: a controller
 *
 * Cancels the current run; ::finished follows, with @cancelled %TRUE, once
 * every job is over.
 */
void
demo_jobs_controller_cancel (DemoJobsController *self)
{
  DemoJobsControllerPrivate *priv = PRIV (self);

  if (!priv->running || priv->cancelled)
    return;

  priv->cancelled = TRUE;
  update_status (self);
  cancel_jobs (self);
}

GFile *
demo_jobs_controller_get_folder (DemoJobsController *self)
{
  return PRIV (self)->folder;
}

/* Whether the current run is not over. */
gboolean
demo_jobs_controller_is_running (DemoJobsController *self)
{
  return PRIV (self)->running;
}

/* Whether the current (or last) run was cancelled. */
gboolean
demo_jobs_controller_is_cancelled (DemoJobsController *self)
{
  return PRIV (self)->cancelled;
}

/* Whether the current run lists its folder. */
gboolean
demo_jobs_controller_is_listing (DemoJobsController *self)
{
  return PRIV (self)->running && PRIV (self)->list_worker != NULL;
}

/* }}} */
