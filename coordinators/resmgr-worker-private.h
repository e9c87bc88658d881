/* resmgr-worker-private.h: what ResmgrWorkerCoordinator needs of ResmgrWorker
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "resmgr-private.h"
#include "resmgr-worker.h"

G_BEGIN_DECLS

/* A new worker in state QUEUED, notifying on @context. */
ResmgrWorker *_resmgr_worker_new          (const char        *name,
                                           GMainContext      *context);
GMainContext *_resmgr_worker_get_context  (ResmgrWorker      *self);
/* The id it is tracked under; once, right after the track. */
void          _resmgr_worker_set_id       (ResmgrWorker      *self,
                                           guint64            id);
/* The job function is about to run (any thread): records the start time,
 * QUEUED → RUNNING. */
void          _resmgr_worker_started      (ResmgrWorker      *self);
/* The job function returned (any thread): records the end time. */
void          _resmgr_worker_returned     (ResmgrWorker      *self);
/* Moves to a final state (FINISHED, FAILED, CANCELLED, ABANDONED) and sets
 * the error property; notifies inline when the calling thread owns the
 * worker's context, else from an idle there. Later updates are ignored. */
void          _resmgr_worker_complete     (ResmgrWorker      *self,
                                           ResmgrWorkerState  state,
                                           const GError      *error);

G_END_DECLS
