/* test-common-gtk.c: helpers of the tests that need resmgr-gtk-1
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "test-common-gtk.h"

struct _TestGLController { ResmgrController parent_instance; };
G_DEFINE_FINAL_TYPE (TestGLController, test_gl_controller, RESMGR_TYPE_CONTROLLER)

static ResmgrCoordinator *
test_gl_controller_create_coordinator (ResmgrController *controller,
                                       ResmgrService    *service)
{
  return RESMGR_COORDINATOR (resmgr_gl_coordinator_new (service));
}

static void
test_gl_controller_class_init (TestGLControllerClass *klass)
{
  RESMGR_CONTROLLER_CLASS (klass)->create_coordinator = test_gl_controller_create_coordinator;
}

static void test_gl_controller_init (TestGLController *self) { }
