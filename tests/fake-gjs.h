/* fake-gjs.h: see fake-gjs.c
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib-object.h>

__attribute__((visibility("default")))
GClosure *fake_gjs_closure_new (void);
