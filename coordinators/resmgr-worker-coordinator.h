/* resmgr-worker-coordinator.h: a coordinator that runs and owns background work
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(RESMGR_INSIDE) && !defined(RESMGR_COMPILATION)
# error "Only <resmgr.h> can be included directly."
#endif

#include "resmgr-coordinator.h"
#include "resmgr-worker.h"

G_BEGIN_DECLS

#define RESMGR_TYPE_WORKER_COORDINATOR (resmgr_worker_coordinator_get_type ())

RESMGR_AVAILABLE_IN_ALL
G_DECLARE_DERIVABLE_TYPE (ResmgrWorkerCoordinator, resmgr_worker_coordinator,
                          RESMGR, WORKER_COORDINATOR, ResmgrCoordinator)

/**
 * ResmgrJobFunc: (skip)
 * @worker: the worker running the job; report progress through it
 * @cancellable: cancelled when the job should stop; check it often
 * @user_data: (closure): the data given to resmgr_worker_coordinator_run()
 * @error: return location for a #GError
 *
 * A job, run on a thread of the coordinator's pool by
 * resmgr_worker_coordinator_run() (C only: bindings give
 * [method@Resmgr.WorkerCoordinator.run_job_async] a closure).
 *
 * Returns: (nullable) (transfer full): the result, or %NULL with @error set
 *   on failure
 *
 * Since: 0.1
 */
typedef gpointer (*ResmgrJobFunc) (ResmgrWorker  *worker,
                                   GCancellable  *cancellable,
                                   gpointer       user_data,
                                   GError       **error);

/**
 * ResmgrWorkerCoordinatorClass:
 * @parent_class: the parent class
 *
 * The class of worker coordinators.
 *
 * Since: 0.1
 */
struct _ResmgrWorkerCoordinatorClass
{
  ResmgrCoordinatorClass parent_class;

  /*< private >*/
  gpointer _reserved[8];
};

RESMGR_AVAILABLE_IN_ALL
ResmgrWorkerCoordinator *resmgr_worker_coordinator_new               (ResmgrService            *service);
RESMGR_AVAILABLE_IN_ALL
ResmgrWorker            *resmgr_worker_coordinator_run               (ResmgrWorkerCoordinator  *self,
                                                                      const char               *name,
                                                                      ResmgrJobFunc             func,
                                                                      gpointer                  user_data,
                                                                      GDestroyNotify            user_data_destroy,
                                                                      GDestroyNotify            result_destroy,
                                                                      GAsyncReadyCallback       callback,
                                                                      gpointer                  callback_data) G_GNUC_WARN_UNUSED_RESULT;
RESMGR_AVAILABLE_IN_ALL
gpointer                 resmgr_worker_coordinator_run_finish        (ResmgrWorkerCoordinator  *self,
                                                                      GAsyncResult             *result,
                                                                      GError                  **error);
RESMGR_AVAILABLE_IN_ALL
ResmgrWorker            *resmgr_worker_coordinator_run_job_async     (ResmgrWorkerCoordinator  *self,
                                                                      const char               *name,
                                                                      GClosure                 *job,
                                                                      GCancellable             *cancellable,
                                                                      GAsyncReadyCallback       callback,
                                                                      gpointer                  user_data);
RESMGR_AVAILABLE_IN_ALL
ResmgrWorker            *resmgr_worker_coordinator_run_subprocess_async (ResmgrWorkerCoordinator *self,
                                                                         const char              *name,
                                                                         const char * const      *argv,
                                                                         GCancellable            *cancellable,
                                                                         GAsyncReadyCallback      callback,
                                                                         gpointer                 user_data);
RESMGR_AVAILABLE_IN_ALL
GValue                  *resmgr_worker_coordinator_run_job_finish    (ResmgrWorkerCoordinator  *self,
                                                                      GAsyncResult             *result,
                                                                      GError                  **error) G_GNUC_WARN_UNUSED_RESULT;
RESMGR_AVAILABLE_IN_ALL
GPtrArray               *resmgr_worker_coordinator_cancel_all        (ResmgrWorkerCoordinator  *self,
                                                                      guint                     timeout_ms) G_GNUC_WARN_UNUSED_RESULT;
RESMGR_AVAILABLE_IN_ALL
void                     resmgr_worker_coordinator_cancel_all_async  (ResmgrWorkerCoordinator  *self,
                                                                      guint                     timeout_ms,
                                                                      GCancellable             *cancellable,
                                                                      GAsyncReadyCallback       callback,
                                                                      gpointer                  user_data);
RESMGR_AVAILABLE_IN_ALL
GPtrArray               *resmgr_worker_coordinator_cancel_all_finish (ResmgrWorkerCoordinator  *self,
                                                                      GAsyncResult             *result,
                                                                      GError                  **error);
RESMGR_AVAILABLE_IN_ALL
guint                    resmgr_worker_coordinator_get_n_active      (ResmgrWorkerCoordinator  *self);
RESMGR_AVAILABLE_IN_ALL
guint                    resmgr_worker_coordinator_get_pool_size     (ResmgrWorkerCoordinator  *self);
RESMGR_AVAILABLE_IN_ALL
void                     resmgr_worker_coordinator_set_pool_size     (ResmgrWorkerCoordinator  *self,
                                                                      guint                     pool_size);
RESMGR_AVAILABLE_IN_ALL
guint                    resmgr_worker_coordinator_get_cancel_timeout (ResmgrWorkerCoordinator *self);
RESMGR_AVAILABLE_IN_ALL
void                     resmgr_worker_coordinator_set_cancel_timeout (ResmgrWorkerCoordinator *self,
                                                                       guint                    timeout_ms);
RESMGR_AVAILABLE_IN_ALL
GPtrArray               *resmgr_worker_coordinator_dup_workers       (ResmgrWorkerCoordinator  *self) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
