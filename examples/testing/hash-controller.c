/* hash-controller.c: a small controller with its own worker and timer
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * While a job runs the controller owns three resources, each with the
 * priority that makes its cleanup safe:
 *   - the worker "hash <file>" (WORKER, 100): stopped first;
 *   - the timer "progress tick" (TIMER, 90): reports the worker's progress
 *     in the controller's status; it must not fire into a cleaned controller;
 *   - the "read buffer" (MEMORY, 20): the worker reads into it, so it is
 *     freed last, once the worker has stopped.
 * When the job is over (on the owner context) the timer and the buffer are
 * released. Nothing here knows about tests.
 */

#include "hash-controller.h"

#define BUFFER_SIZE (64 * 1024)

struct _HashController
{
  ResmgrController  parent_instance;

  /* Owner context only: */
  ResmgrWorker     *worker;
  guint64           timer;
  guint64           buffer;
  char             *digest;
  GError           *error;
};

G_DEFINE_FINAL_TYPE (HashController, hash_controller, RESMGR_TYPE_CONTROLLER)

enum { DONE, N_SIGNALS };
static guint signals[N_SIGNALS];

typedef struct
{
  char   *path;
  guchar *buffer; /* owned by the "read buffer" resource */
} Job;

static void
job_free (gpointer data)
{
  Job *job = data;

  g_free (job->path);
  g_free (job);
}

/* On a pool thread. */
static gpointer
hash_job (ResmgrWorker  *worker,
          GCancellable  *cancellable,
          gpointer       user_data,
          GError       **error)
{
  Job *job = user_data;
  g_autoptr(GFile) file = g_file_new_for_path (job->path);
  g_autoptr(GFileInputStream) stream = NULL;
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  gsize total = 0;
  gssize n;

  stream = g_file_read (file, cancellable, error);
  if (stream == NULL)
    return NULL;
  while ((n = g_input_stream_read (G_INPUT_STREAM (stream), job->buffer, BUFFER_SIZE,
                                   cancellable, error)) > 0)
    {
      g_checksum_update (checksum, job->buffer, n);
      total += n;
      resmgr_worker_set_message (worker, "hashing");
    }
  if (n < 0 || g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;

  return g_strdup (g_checksum_get_string (checksum));
}

static gboolean
progress_tick (GObject  *target,
               gpointer  user_data)
{
  HashController *self = HASH_CONTROLLER (target);

  if (self->worker != NULL)
    resmgr_controller_set_status_printf (RESMGR_CONTROLLER (self), "%.0f %%",
                                         100 * resmgr_worker_get_progress (self->worker));
  return G_SOURCE_CONTINUE;
}

/* On the owner context, when the job is over. */
static void
job_done (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  GWeakRef *ref = user_data;
  g_autoptr(HashController) self = g_weak_ref_get (ref);
  ResmgrCoordinator *resources;
  g_autoptr(GError) error = NULL;
  char *digest;

  digest = resmgr_worker_coordinator_run_finish (RESMGR_WORKER_COORDINATOR (source), result, &error);
  g_weak_ref_clear (ref);
  g_free (ref);
  if (self == NULL)
    {
      g_free (digest);
      return;
    }

  /* A cleaned controller has already released everything. */
  resources = resmgr_controller_get_resources (RESMGR_CONTROLLER (self));
  if (self->timer != 0)
    resmgr_coordinator_release (resources, self->timer, NULL);
  if (self->buffer != 0)
    resmgr_coordinator_release (resources, self->buffer, NULL);
  self->timer = self->buffer = 0;
  g_clear_object (&self->worker);
  g_free (self->digest);
  self->digest = digest;
  g_clear_error (&self->error);
  self->error = g_steal_pointer (&error);
  resmgr_controller_set_status (RESMGR_CONTROLLER (self), digest != NULL ? "done" : "failed");
  g_signal_emit (self, signals[DONE], 0);
}

ResmgrWorker *
hash_controller_start (HashController  *self,
                       const char      *path,
                       GError         **error)
{
  ResmgrController *controller = RESMGR_CONTROLLER (self);
  ResmgrCoordinator *resources = resmgr_controller_get_resources (controller);
  g_autofree char *basename = g_path_get_basename (path);
  g_autofree char *name = g_strdup_printf ("hash %s", basename);
  GWeakRef *ref;
  Job *job;

  g_return_val_if_fail (HASH_IS_CONTROLLER (self), NULL);
  g_return_val_if_fail (self->worker == NULL, NULL);

  job = g_new0 (Job, 1);
  job->path = g_strdup (path);
  job->buffer = g_malloc (BUFFER_SIZE);
  self->buffer = resmgr_coordinator_track_data (resources, RESMGR_RESOURCE_TYPE_MEMORY,
                                                "read buffer", BUFFER_SIZE,
                                                RESMGR_PRIORITY_DEFAULT, job->buffer, g_free, error);
  if (self->buffer == 0)
    {
      g_free (job->buffer);
      job_free (job);
      return NULL;
    }
  self->timer = resmgr_coordinator_timeout_add (resources, "progress tick", 100, G_OBJECT (self),
                                                progress_tick, NULL, NULL);

  ref = g_new0 (GWeakRef, 1);
  g_weak_ref_init (ref, self);
  self->worker = resmgr_worker_coordinator_run (resmgr_controller_get_worker_coordinator (controller),
                                                name, hash_job, job, job_free, g_free,
                                                job_done, ref);
  if (self->worker == NULL)
    g_set_error (error, RESMGR_ERROR, RESMGR_ERROR_SHUTTING_DOWN, "The job %s was refused", name);

  return self->worker;
}

void
hash_controller_cancel (HashController *self)
{
  g_return_if_fail (HASH_IS_CONTROLLER (self));

  if (self->worker != NULL)
    resmgr_worker_cancel (self->worker);
}

const char *
hash_controller_get_digest (HashController *self)
{
  g_return_val_if_fail (HASH_IS_CONTROLLER (self), NULL);
  return self->digest;
}

const GError *
hash_controller_get_error (HashController *self)
{
  g_return_val_if_fail (HASH_IS_CONTROLLER (self), NULL);
  return self->error;
}

static void
hash_controller_constructed (GObject *object)
{
  G_OBJECT_CLASS (hash_controller_parent_class)->constructed (object);

  /* The worker facet from the start, so that it is part of any checkpoint */
  resmgr_controller_get_worker_coordinator (RESMGR_CONTROLLER (object));
}

static void
hash_controller_finalize (GObject *object)
{
  HashController *self = HASH_CONTROLLER (object);

  g_clear_object (&self->worker);
  g_free (self->digest);
  g_clear_error (&self->error);

  G_OBJECT_CLASS (hash_controller_parent_class)->finalize (object);
}

static void
hash_controller_class_init (HashControllerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = hash_controller_constructed;
  object_class->finalize = hash_controller_finalize;

  signals[DONE] = g_signal_new ("done", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
hash_controller_init (HashController *self)
{
}

HashController *
hash_controller_new (ResmgrService *service)
{
  return g_object_new (HASH_TYPE_CONTROLLER, "service", service, NULL);
}
