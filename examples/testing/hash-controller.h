/* hash-controller.h: a small controller with its own worker and timer,
 * the subject of the testing example (see docs/testing.md)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <resmgr.h>

G_BEGIN_DECLS

#define HASH_TYPE_CONTROLLER (hash_controller_get_type ())
G_DECLARE_FINAL_TYPE (HashController, hash_controller, HASH, CONTROLLER, ResmgrController)

HashController *hash_controller_new        (ResmgrService  *service);
/* Hashes the file at @path (SHA-256) in a worker; "done" is emitted when it
 * is over. Returns the worker (transfer none), or NULL if refused. */
ResmgrWorker   *hash_controller_start      (HashController *self,
                                            const char     *path,
                                            GError        **error);
void            hash_controller_cancel     (HashController *self);
/* The digest of the last job, NULL if it failed or was cancelled. */
const char     *hash_controller_get_digest (HashController *self);
/* The error of the last job, NULL if it succeeded. */
const GError   *hash_controller_get_error  (HashController *self);

G_END_DECLS
