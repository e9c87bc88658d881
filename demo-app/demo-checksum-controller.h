/* demo-checksum-controller.h: SHA-256 of every file of a folder, in workers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <resmgr-gtk.h>

#include "demo-jobs-controller.h"

G_BEGIN_DECLS

#define DEMO_TYPE_CHECKSUM_RESULT (demo_checksum_result_get_type ())

G_DECLARE_FINAL_TYPE (DemoChecksumResult, demo_checksum_result, DEMO, CHECKSUM_RESULT, GObject)

const char             *demo_checksum_result_get_name        (DemoChecksumResult     *self);
const char             *demo_checksum_result_get_path        (DemoChecksumResult     *self);
guint64                 demo_checksum_result_get_size        (DemoChecksumResult     *self);
const char             *demo_checksum_result_get_checksum    (DemoChecksumResult     *self);
const char             *demo_checksum_result_get_error       (DemoChecksumResult     *self);

#define DEMO_TYPE_CHECKSUM_CONTROLLER (demo_checksum_controller_get_type ())

G_DECLARE_FINAL_TYPE (DemoChecksumController, demo_checksum_controller, DEMO, CHECKSUM_CONTROLLER, DemoJobsController)

DemoChecksumController *demo_checksum_controller_new         (ResmgrService          *service);
void                    demo_checksum_controller_start       (DemoChecksumController *self,
                                                              GFile                  *folder);
void                    demo_checksum_controller_cancel      (DemoChecksumController *self);
GListModel             *demo_checksum_controller_get_results (DemoChecksumController *self);
GListModel             *demo_checksum_controller_get_workers (DemoChecksumController *self);
GFile                  *demo_checksum_controller_get_folder  (DemoChecksumController *self);
double                  demo_checksum_controller_get_progress (DemoChecksumController *self);
guint                   demo_checksum_controller_get_n_files (DemoChecksumController *self);
guint                   demo_checksum_controller_get_n_done  (DemoChecksumController *self);
guint                   demo_checksum_controller_get_n_failed (DemoChecksumController *self);

G_END_DECLS
