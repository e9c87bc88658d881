/* test-common-gtk.h: helpers of the tests that need resmgr-gtk-1
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "test-common.h"
#include "resmgr-gtk.h"

G_BEGIN_DECLS

/* A controller whose coordinator is a GL coordinator, shared by the
 * controller and application tests. */
#define TEST_TYPE_GL_CONTROLLER (test_gl_controller_get_type ())
G_DECLARE_FINAL_TYPE (TestGLController, test_gl_controller, TEST, GL_CONTROLLER, ResmgrController)

G_END_DECLS
