/* fake-gjs.c: a closure marshaller in a library named like GJS's
 *
 * Built as libgjs.resmgr-test.so: the worker coordinator recognises
 * JavaScript closures by the library their marshaller lives in, so a
 * closure marshalled from here stands for a JavaScript function, and the
 * refusal can be tested without GJS. It fails the test if ever called:
 * a JavaScript job must never run on a pool thread.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <glib-object.h>

#include "fake-gjs.h"

static void
fake_gjs_marshal (GClosure     *closure,
                  GValue       *return_value,
                  guint         n_param_values,
                  const GValue *param_values,
                  gpointer      invocation_hint,
                  gpointer      marshal_data)
{
  g_error ("a closure of the fake GJS library was invoked");
}

GClosure *
fake_gjs_closure_new (void)
{
  GClosure *closure = g_closure_new_simple (sizeof (GClosure), NULL);

  g_closure_set_marshal (closure, fake_gjs_marshal);

  return closure;
}
