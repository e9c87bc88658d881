/* resmgr-worker.h: one background job, as a UI sees it
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(RESMGR_INSIDE) && !defined(RESMGR_COMPILATION)
# error "Only <resmgr.h> can be included directly."
#endif

#include <gio/gio.h>

#include "resmgr-types.h"

G_BEGIN_DECLS

/**
 * ResmgrWorkerState:
 * @RESMGR_WORKER_STATE_QUEUED: waiting for a thread of the pool
 * @RESMGR_WORKER_STATE_RUNNING: the job function runs
 * @RESMGR_WORKER_STATE_CANCELLING: cancelled; waiting for the job to return
 * @RESMGR_WORKER_STATE_FINISHED: the job returned a result
 * @RESMGR_WORKER_STATE_FAILED: the job returned an error
 * @RESMGR_WORKER_STATE_CANCELLED: the job was cancelled and stopped (or
 *   never started)
 * @RESMGR_WORKER_STATE_ABANDONED: the job did not stop within the cancel
 *   timeout; its late completion is discarded
 *
 * The life of a [class@Resmgr.Worker].
 *
 * Since: 0.1
 */
typedef enum {
  RESMGR_WORKER_STATE_QUEUED,
  RESMGR_WORKER_STATE_RUNNING,
  RESMGR_WORKER_STATE_CANCELLING,
  RESMGR_WORKER_STATE_FINISHED,
  RESMGR_WORKER_STATE_FAILED,
  RESMGR_WORKER_STATE_CANCELLED,
  RESMGR_WORKER_STATE_ABANDONED,
} ResmgrWorkerState;

#define RESMGR_TYPE_WORKER (resmgr_worker_get_type ())

RESMGR_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (ResmgrWorker, resmgr_worker, RESMGR, WORKER, GObject)

RESMGR_AVAILABLE_IN_ALL
const char        *resmgr_worker_get_name        (ResmgrWorker *self);
RESMGR_AVAILABLE_IN_ALL
guint64            resmgr_worker_get_id          (ResmgrWorker *self);
RESMGR_AVAILABLE_IN_ALL
ResmgrWorkerState  resmgr_worker_get_state       (ResmgrWorker *self);
RESMGR_AVAILABLE_IN_ALL
double             resmgr_worker_get_progress    (ResmgrWorker *self);
RESMGR_AVAILABLE_IN_ALL
char              *resmgr_worker_dup_message     (ResmgrWorker *self) G_GNUC_WARN_UNUSED_RESULT;
RESMGR_AVAILABLE_IN_ALL
GError            *resmgr_worker_dup_error       (ResmgrWorker *self) G_GNUC_WARN_UNUSED_RESULT;
RESMGR_AVAILABLE_IN_ALL
gint64             resmgr_worker_get_run_time    (ResmgrWorker *self);
RESMGR_AVAILABLE_IN_ALL
GCancellable      *resmgr_worker_get_cancellable (ResmgrWorker *self);
RESMGR_AVAILABLE_IN_ALL
gboolean           resmgr_worker_is_done         (ResmgrWorker *self);
RESMGR_AVAILABLE_IN_ALL
void               resmgr_worker_cancel          (ResmgrWorker *self);

/* Called by the job, from its thread. */
RESMGR_AVAILABLE_IN_ALL
void               resmgr_worker_set_progress    (ResmgrWorker *self,
                                                  double        fraction);
RESMGR_AVAILABLE_IN_ALL
void               resmgr_worker_set_message     (ResmgrWorker *self,
                                                  const char   *message);

G_END_DECLS
