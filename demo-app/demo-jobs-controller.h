/* demo-jobs-controller.h: the base of the controllers that run a folder's
 * files through worker jobs
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <resmgr-gtk.h>

G_BEGIN_DECLS

#define DEMO_TYPE_JOBS_CONTROLLER (demo_jobs_controller_get_type ())

G_DECLARE_DERIVABLE_TYPE (DemoJobsController, demo_jobs_controller, DEMO, JOBS_CONTROLLER, ResmgrController)

/* One file of the folder, as listed (on a pool thread). */
typedef struct
{
  char    *name;
  GFile   *file;
  guint64  size; /* as listed, or 0 when the filter leaves it */
} DemoJobsEntry;

/* Decides, on a pool thread, whether a listed file gets a job; may set
 * *size. */
typedef gboolean (*DemoJobsFilter) (GFileInfo *info,
                                    guint64   *size);

/* One file's job, owned by its completion callback: a subclass's job
 * struct starts with it. */
typedef struct _DemoJob DemoJob;

struct _DemoJob
{
  GWeakRef      controller;
  guint         generation;
  char         *name;
  GFile        *file;
  ResmgrWorker *worker;                /* NULL if the job was refused */
  void        (*clear) (DemoJob *job); /* optional: frees the subclass's part */
};

/**
 * DemoJobsControllerClass:
 * @update_status: sets the controller's status from the run's state
 * @list_failed: the folder could not be listed (not cancelled): record
 *   @error
 * @listed: the folder was listed and the run is not cancelled: queue a job
 *   per entry (#DemoJobsEntry) with demo_jobs_controller_run_job()
 * @run_over: optional: the run just ended, before its status and
 *   ::finished
 * @run_dropped: optional: the run was forgotten; drop what shows its jobs
 */
struct _DemoJobsControllerClass
{
  ResmgrControllerClass parent_class;

  void (*update_status) (DemoJobsController *self);
  void (*list_failed)   (DemoJobsController *self,
                         const GError       *error);
  void (*listed)        (DemoJobsController *self,
                         GPtrArray          *entries);
  void (*run_over)      (DemoJobsController *self);
  void (*run_dropped)   (DemoJobsController *self);
};

GFile    *demo_jobs_controller_get_folder   (DemoJobsController *self);
gboolean  demo_jobs_controller_is_running   (DemoJobsController *self);
gboolean  demo_jobs_controller_is_cancelled (DemoJobsController *self);
gboolean  demo_jobs_controller_is_listing   (DemoJobsController *self);

void      demo_jobs_controller_replace_run  (DemoJobsController *self);
void      demo_jobs_controller_begin_run    (DemoJobsController *self,
                                             GFile              *folder);
void      demo_jobs_controller_list_folder  (DemoJobsController *self,
                                             const char         *what,
                                             const char         *attributes,
                                             DemoJobsFilter      filter);
void      demo_jobs_controller_cancel       (DemoJobsController *self);

gpointer  demo_jobs_controller_new_job      (DemoJobsController *self,
                                             gsize               size,
                                             const DemoJobsEntry *entry);
void      demo_jobs_controller_run_job      (DemoJobsController *self,
                                             DemoJob            *job,
                                             const char         *name,
                                             ResmgrJobFunc       func,
                                             gpointer            input,
                                             GDestroyNotify      input_free,
                                             GDestroyNotify      output_free,
                                             GAsyncReadyCallback callback);
gpointer  demo_jobs_controller_finish_job   (DemoJob            *job,
                                             GObject            *source,
                                             GAsyncResult       *result,
                                             gpointer           *controller,
                                             GError            **error);
void      demo_job_free                     (DemoJob            *job);
gpointer  demo_job_dup_controller           (DemoJob            *job);
void      demo_jobs_controller_job_over     (DemoJobsController *self);

void      demo_jobs_controller_set_uint     (DemoJobsController *self,
                                             guint              *field,
                                             guint               value,
                                             GParamSpec         *pspec);

G_END_DECLS
