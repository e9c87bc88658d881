/* resmgr-dispatch-private.h: the one "run this on the owner context" of resmgr
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Every layer (manager, monitor, coordinators, workers, controllers, the
 * application shutdown) delivers its callbacks, cleanups and signals through
 * these functions, so there is exactly one policy, GLib's own for
 * g_main_context_invoke() minus its one trap:
 *
 * - run inline only on the thread that owns the context: the one iterating
 *   (or holding) it, the one that pushed it as its thread-default, or, for
 *   the global default context, the main thread;
 * - from any other thread, attach a source to the context and let its owner
 *   run it; never acquire another thread's context to run its work inline
 *   (g_main_context_invoke() does that for the global default context from
 *   any thread without a thread-default: that is how cleanups ended up on
 *   worker threads and owners ended up locked out of their own context).
 *
 * A synchronous caller waits on a ResmgrCall with a deadline; when the
 * deadline passes first it either abandons a call that has not started (it
 * then never runs its work) or learns that the call overran (it started and
 * is still running). The owner thread never waits for its own context: the
 * call runs inline there.
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Internal API that resmgr-gtk-1 calls in resmgr-1: exported from the
 * shared library (hidden visibility otherwise), declared only in these
 * uninstalled headers, and skipped by g-ir-scanner (leading underscore). */
#define _RESMGR_PRIVATE_API __attribute__((visibility("default")))

/* TRUE if the calling thread is the main thread of the process (the one
 * that owns the global default main context). */
_RESMGR_PRIVATE_API
gboolean _resmgr_thread_is_main          (void);

/* TRUE if work for @context may run inline on the calling thread. */
_RESMGR_PRIVATE_API
gboolean _resmgr_context_is_owned_here   (GMainContext   *context);

/* A short description of @context for error messages ("the global default
 * main context", "main context 0x…"); free with g_free (). */
char    *_resmgr_context_describe        (GMainContext   *context);

/* Runs @func (@data) once on the owner of @context: inline when the calling
 * thread owns it (see above), else from an idle source of @priority attached
 * to it. @destroy (@data) runs after the call, on the same thread; if the
 * source is destroyed before it ran (its context was freed), @func never
 * runs and @destroy runs wherever that happened. Returns TRUE if @func ran
 * inline, before this returned. @name is a static string. */
_RESMGR_PRIVATE_API
gboolean _resmgr_dispatch                (GMainContext   *context,
                                          int             priority,
                                          const char     *name,
                                          GSourceFunc     func,
                                          gpointer        data,
                                          GDestroyNotify  destroy);

/* Like _resmgr_dispatch (), and returns the source attached to @context
 * (a new reference), or NULL if @func ran inline. Destroying the source
 * before it ran drops @data with @destroy (on the destroying thread)
 * without calling @func. */
_RESMGR_PRIVATE_API
GSource *_resmgr_dispatch_source         (GMainContext   *context,
                                          int             priority,
                                          const char     *name,
                                          GSourceFunc     func,
                                          gpointer        data,
                                          GDestroyNotify  destroy);

/* Like _resmgr_dispatch (), but never inline, also on the thread that owns
 * @context: @func (@data) always runs from an idle source of @priority
 * attached to @context, when its owner next iterates it. For work that must
 * not run in the caller's frame: a GtkWidget::destroy handler (inside the
 * widget's dispose, after a subclass tore its children down), or a
 * binding's garbage collection (GJS runs no JavaScript there; PyGObject
 * holds the GIL). @destroy as for _resmgr_dispatch (). */
_RESMGR_PRIVATE_API
void     _resmgr_dispatch_later          (GMainContext   *context,
                                          int             priority,
                                          const char     *name,
                                          GSourceFunc     func,
                                          gpointer        data,
                                          GDestroyNotify  destroy);

/* The state of a dispatched call a thread may wait for. */
typedef enum {
  RESMGR_CALL_PENDING,   /* dispatched, not started */
  RESMGR_CALL_RUNNING,   /* started on the owner, not finished */
  RESMGR_CALL_DONE,      /* finished */
  RESMGR_CALL_ABANDONED, /* the waiter gave up before it started: it never will */
} ResmgrCallState;

typedef struct _ResmgrCall ResmgrCall;

/* A call is shared by the waiter and the owner: reference counted,
 * thread-safe. */
ResmgrCall      *_resmgr_call_new        (void);
ResmgrCall      *_resmgr_call_ref        (ResmgrCall     *call);
void             _resmgr_call_unref      (ResmgrCall     *call);

/* On the owner: PENDING → RUNNING. Returns FALSE if the waiter abandoned the
 * call (then do nothing and do not call _resmgr_call_end ()). */
gboolean         _resmgr_call_begin      (ResmgrCall     *call);
/* On the owner: RUNNING → DONE, and wakes the waiter. */
void             _resmgr_call_end        (ResmgrCall     *call);

/* Waits until the call is DONE or @deadline (monotonic µs; -1: no limit)
 * passes. At the deadline a PENDING call becomes ABANDONED. Returns the
 * state then: DONE, ABANDONED, or RUNNING (an overrun: the call is still
 * running and will end later; the Op it runs names the overrun). */
ResmgrCallState  _resmgr_call_wait       (ResmgrCall     *call,
                                          gint64          deadline);

/* Gives up on a call without waiting: PENDING → ABANDONED. Returns the
 * state after (ABANDONED, RUNNING or DONE). */
ResmgrCallState  _resmgr_call_abandon    (ResmgrCall     *call);

G_END_DECLS
