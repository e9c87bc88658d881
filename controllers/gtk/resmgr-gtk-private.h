/* resmgr-gtk-private.h: internals of resmgr-gtk-1's controllers/gtk layer
 *
 * Includes the GTK library's umbrella and the internal API of resmgr-1 it
 * uses (exported for it with _RESMGR_PRIVATE_API). Nothing in resmgr-1
 * includes this header.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "resmgr-gtk.h"
#include "resmgr-private.h"

G_BEGIN_DECLS

/* A controller's cleanup deferred from its bound widget's ::destroy to its
 * owner context (resmgr-controller-gtk.c). Reference counted, thread-safe. */
typedef struct _ResmgrDeferredCleanup ResmgrDeferredCleanup;

/* Called on the waiter's context once the cleanup is over, with its report,
 * or NULL when it cleaned nothing (the controller was cleaned before, or
 * bound again first). */
typedef void (*ResmgrDeferredCleanupDone) (ResmgrCleanupReport *report,
                                           gpointer             data);

ResmgrDeferredCleanup *_resmgr_deferred_cleanup_ref    (ResmgrDeferredCleanup     *self);
void                   _resmgr_deferred_cleanup_unref  (ResmgrDeferredCleanup     *self);

/* Calls @func (report, @data) on the caller's thread-default context once
 * the cleanup is over: inline now if it is already, else dispatched there
 * from the owner when it is. One waiter per cleanup. */
void                   _resmgr_deferred_cleanup_notify (ResmgrDeferredCleanup     *self,
                                                        ResmgrDeferredCleanupDone  func,
                                                        gpointer                   data,
                                                        GDestroyNotify             destroy);

/* GTK thread. While @array is set, every cleanup that a widget's
 * destruction defers is added to it (a reference, freed with
 * _resmgr_deferred_cleanup_unref ()). Returns the previous array. */
GPtrArray             *_resmgr_deferred_cleanups_set_collector (GPtrArray *array);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ResmgrDeferredCleanup, _resmgr_deferred_cleanup_unref)

G_END_DECLS
