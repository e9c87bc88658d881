/* glib-tsan-shim.c: make GLib 2.74's synchronisation visible to ThreadSanitizer
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * An LD_PRELOAD library for test programs built with -fsanitize=thread.
 * GLib itself is not instrumented: its GMutex/GCond are futex-based, its
 * reference counts and main-context queues use atomics and locks that
 * ThreadSanitizer never sees, so every hand-off through GLib looks like a
 * data race. This library interposes the GLib entry points that programs
 * (and libgobject/libgio, which call libglib through the PLT) use, calls
 * the real function (dlsym (RTLD_NEXT)) and tells ThreadSanitizer about the
 * happens-before edge the function guarantees, through its annotation
 * interface (<sanitizer/tsan_interface.h>).
 *
 * What each annotation models, and why it is correct, is in README.md next
 * to this file. The rule followed everywhere: an annotation may only state
 * an ordering GLib documents and implements (a release where GLib
 * publishes, an acquire where a reader is guaranteed to see the
 * publication); never a blanket "everything before happens before
 * everything after", which would hide real races.
 *
 * This file is deliberately NOT built with -fsanitize=thread: its own
 * memory accesses are bookkeeping, not the program's. The annotation
 * functions are weak references resolved against the instrumented
 * executable (which exports the TSan runtime); in a process without TSan
 * (a shell started with the variable set) every wrapper is a plain
 * pass-through.
 */

#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <glib.h>
#include <glib-object.h>
#include <gio/gio.h>

/* The TSan annotation interface, weakly: NULL without TSan. */
#define TSAN_WEAK __attribute__((weak))
void     __tsan_acquire            (void *addr) TSAN_WEAK;
void     __tsan_release            (void *addr) TSAN_WEAK;
void     __tsan_mutex_create       (void *addr, unsigned flags) TSAN_WEAK;
void     __tsan_mutex_destroy      (void *addr, unsigned flags) TSAN_WEAK;
void     __tsan_mutex_pre_lock     (void *addr, unsigned flags) TSAN_WEAK;
void     __tsan_mutex_post_lock    (void *addr, unsigned flags, int recursion) TSAN_WEAK;
int      __tsan_mutex_pre_unlock   (void *addr, unsigned flags) TSAN_WEAK;
void     __tsan_mutex_post_unlock  (void *addr, unsigned flags) TSAN_WEAK;

/* Flag values from <sanitizer/tsan_interface.h> (clang 14). */
#define TSAN_MUTEX_LINKER_INIT     (1u << 0)
#define TSAN_MUTEX_WRITE_REENTRANT (1u << 1)
#define TSAN_MUTEX_READ_LOCK       (1u << 3)
#define TSAN_MUTEX_TRY_LOCK        (1u << 4)
#define TSAN_MUTEX_TRY_LOCK_FAILED (1u << 5)

static inline int
tsan_on (void)
{
  return __tsan_acquire != NULL;
}

static inline void
hb_release (const void *addr)
{
  if (tsan_on () && addr != NULL)
    __tsan_release ((void *) addr);
}

static inline void
hb_acquire (const void *addr)
{
  if (tsan_on () && addr != NULL)
    __tsan_acquire ((void *) addr);
}

/* Looks up the next definition of a symbol (libglib, libgobject, libgio);
 * racing first calls store the same value, and this file is not
 * instrumented, so the plain cache is fine. */
static void *
real_symbol (const char *name)
{
  void *sym = dlsym (RTLD_NEXT, name);

  if (sym == NULL)
    {
      fprintf (stderr, "glib-tsan-shim: cannot find %s: %s\n", name, dlerror ());
      abort ();
    }
  return sym;
}

#define REAL(ret, name, params)                                         \
  static ret (*real_##name) params;                                     \
  if (__builtin_expect (real_##name == NULL, 0))                        \
    real_##name = (ret (*) params) real_symbol (#name)

/* GMutex {{{
 *
 * Modelled with TSan's mutex annotations, so that reports name the mutexes
 * held and lock-order inversions are detected as with pthread mutexes. */

void
g_mutex_clear (GMutex *mutex)
{
  REAL (void, g_mutex_clear, (GMutex *));

  if (tsan_on ())
    __tsan_mutex_destroy (mutex, 0);
  real_g_mutex_clear (mutex);
}

void
g_mutex_lock (GMutex *mutex)
{
  REAL (void, g_mutex_lock, (GMutex *));

  if (tsan_on ())
    __tsan_mutex_pre_lock (mutex, 0);
  real_g_mutex_lock (mutex);
  if (tsan_on ())
    __tsan_mutex_post_lock (mutex, 0, 0);
}

gboolean
g_mutex_trylock (GMutex *mutex)
{
  REAL (gboolean, g_mutex_trylock, (GMutex *));
  gboolean ok;

  if (tsan_on ())
    __tsan_mutex_pre_lock (mutex, TSAN_MUTEX_TRY_LOCK);
  ok = real_g_mutex_trylock (mutex);
  if (tsan_on ())
    __tsan_mutex_post_lock (mutex, TSAN_MUTEX_TRY_LOCK | (ok ? 0 : TSAN_MUTEX_TRY_LOCK_FAILED), 0);
  return ok;
}

void
g_mutex_unlock (GMutex *mutex)
{
  REAL (void, g_mutex_unlock, (GMutex *));

  if (tsan_on ())
    __tsan_mutex_pre_unlock (mutex, 0);
  real_g_mutex_unlock (mutex);
  if (tsan_on ())
    __tsan_mutex_post_unlock (mutex, 0);
}

/* }}} */

/* GRecMutex {{{ */

void
g_rec_mutex_init (GRecMutex *rec_mutex)
{
  REAL (void, g_rec_mutex_init, (GRecMutex *));

  real_g_rec_mutex_init (rec_mutex);
  if (tsan_on ())
    __tsan_mutex_create (rec_mutex, TSAN_MUTEX_WRITE_REENTRANT);
}

void
g_rec_mutex_clear (GRecMutex *rec_mutex)
{
  REAL (void, g_rec_mutex_clear, (GRecMutex *));

  if (tsan_on ())
    __tsan_mutex_destroy (rec_mutex, 0);
  real_g_rec_mutex_clear (rec_mutex);
}

void
g_rec_mutex_lock (GRecMutex *rec_mutex)
{
  REAL (void, g_rec_mutex_lock, (GRecMutex *));

  /* A static GRecMutex is never initialised: the creation flag is passed on
   * each lock (TSan only ORs it in; "linker init" keeps it from counting as
   * a write to the mutex). */
  if (tsan_on ())
    {
      __tsan_mutex_create (rec_mutex, TSAN_MUTEX_LINKER_INIT | TSAN_MUTEX_WRITE_REENTRANT);
      __tsan_mutex_pre_lock (rec_mutex, 0);
    }
  real_g_rec_mutex_lock (rec_mutex);
  if (tsan_on ())
    __tsan_mutex_post_lock (rec_mutex, 0, 0);
}

gboolean
g_rec_mutex_trylock (GRecMutex *rec_mutex)
{
  REAL (gboolean, g_rec_mutex_trylock, (GRecMutex *));
  gboolean ok;

  if (tsan_on ())
    {
      __tsan_mutex_create (rec_mutex, TSAN_MUTEX_LINKER_INIT | TSAN_MUTEX_WRITE_REENTRANT);
      __tsan_mutex_pre_lock (rec_mutex, TSAN_MUTEX_TRY_LOCK);
    }
  ok = real_g_rec_mutex_trylock (rec_mutex);
  if (tsan_on ())
    __tsan_mutex_post_lock (rec_mutex, TSAN_MUTEX_TRY_LOCK | (ok ? 0 : TSAN_MUTEX_TRY_LOCK_FAILED), 0);
  return ok;
}

void
g_rec_mutex_unlock (GRecMutex *rec_mutex)
{
  REAL (void, g_rec_mutex_unlock, (GRecMutex *));

  if (tsan_on ())
    __tsan_mutex_pre_unlock (rec_mutex, 0);
  real_g_rec_mutex_unlock (rec_mutex);
  if (tsan_on ())
    __tsan_mutex_post_unlock (rec_mutex, 0);
}

/* }}} */

/* GRWLock {{{ */

void
g_rw_lock_clear (GRWLock *rw_lock)
{
  REAL (void, g_rw_lock_clear, (GRWLock *));

  if (tsan_on ())
    __tsan_mutex_destroy (rw_lock, 0);
  real_g_rw_lock_clear (rw_lock);
}

void
g_rw_lock_writer_lock (GRWLock *rw_lock)
{
  REAL (void, g_rw_lock_writer_lock, (GRWLock *));

  if (tsan_on ())
    __tsan_mutex_pre_lock (rw_lock, 0);
  real_g_rw_lock_writer_lock (rw_lock);
  if (tsan_on ())
    __tsan_mutex_post_lock (rw_lock, 0, 0);
}

gboolean
g_rw_lock_writer_trylock (GRWLock *rw_lock)
{
  REAL (gboolean, g_rw_lock_writer_trylock, (GRWLock *));
  gboolean ok;

  if (tsan_on ())
    __tsan_mutex_pre_lock (rw_lock, TSAN_MUTEX_TRY_LOCK);
  ok = real_g_rw_lock_writer_trylock (rw_lock);
  if (tsan_on ())
    __tsan_mutex_post_lock (rw_lock, TSAN_MUTEX_TRY_LOCK | (ok ? 0 : TSAN_MUTEX_TRY_LOCK_FAILED), 0);
  return ok;
}

void
g_rw_lock_writer_unlock (GRWLock *rw_lock)
{
  REAL (void, g_rw_lock_writer_unlock, (GRWLock *));

  if (tsan_on ())
    __tsan_mutex_pre_unlock (rw_lock, 0);
  real_g_rw_lock_writer_unlock (rw_lock);
  if (tsan_on ())
    __tsan_mutex_post_unlock (rw_lock, 0);
}

void
g_rw_lock_reader_lock (GRWLock *rw_lock)
{
  REAL (void, g_rw_lock_reader_lock, (GRWLock *));

  if (tsan_on ())
    __tsan_mutex_pre_lock (rw_lock, TSAN_MUTEX_READ_LOCK);
  real_g_rw_lock_reader_lock (rw_lock);
  if (tsan_on ())
    __tsan_mutex_post_lock (rw_lock, TSAN_MUTEX_READ_LOCK, 0);
}

gboolean
g_rw_lock_reader_trylock (GRWLock *rw_lock)
{
  REAL (gboolean, g_rw_lock_reader_trylock, (GRWLock *));
  unsigned flags = TSAN_MUTEX_READ_LOCK | TSAN_MUTEX_TRY_LOCK;
  gboolean ok;

  if (tsan_on ())
    __tsan_mutex_pre_lock (rw_lock, flags);
  ok = real_g_rw_lock_reader_trylock (rw_lock);
  if (tsan_on ())
    __tsan_mutex_post_lock (rw_lock, flags | (ok ? 0 : TSAN_MUTEX_TRY_LOCK_FAILED), 0);
  return ok;
}

void
g_rw_lock_reader_unlock (GRWLock *rw_lock)
{
  REAL (void, g_rw_lock_reader_unlock, (GRWLock *));

  if (tsan_on ())
    __tsan_mutex_pre_unlock (rw_lock, TSAN_MUTEX_READ_LOCK);
  real_g_rw_lock_reader_unlock (rw_lock);
  if (tsan_on ())
    __tsan_mutex_post_unlock (rw_lock, TSAN_MUTEX_READ_LOCK);
}

/* }}} */

/* GCond {{{
 *
 * A wait releases the mutex and takes it again before returning: the same
 * unlock / lock annotations as above around the real wait. Signal and
 * broadcast add no edge of their own (like TSan's pthread_cond model): the
 * state a waiter looks at is published by the mutex. */

void
g_cond_wait (GCond  *cond,
             GMutex *mutex)
{
  REAL (void, g_cond_wait, (GCond *, GMutex *));

  if (tsan_on ())
    {
      __tsan_mutex_pre_unlock (mutex, 0);
      __tsan_mutex_post_unlock (mutex, 0);
    }
  real_g_cond_wait (cond, mutex);
  if (tsan_on ())
    {
      __tsan_mutex_pre_lock (mutex, 0);
      __tsan_mutex_post_lock (mutex, 0, 0);
    }
}

gboolean
g_cond_wait_until (GCond  *cond,
                   GMutex *mutex,
                   gint64  end_time)
{
  REAL (gboolean, g_cond_wait_until, (GCond *, GMutex *, gint64));
  gboolean signalled;

  if (tsan_on ())
    {
      __tsan_mutex_pre_unlock (mutex, 0);
      __tsan_mutex_post_unlock (mutex, 0);
    }
  signalled = real_g_cond_wait_until (cond, mutex, end_time);
  if (tsan_on ())
    {
      __tsan_mutex_pre_lock (mutex, 0);
      __tsan_mutex_post_lock (mutex, 0, 0);
    }
  return signalled;
}

/* }}} */

/* g_once_init_enter / g_once_init_leave {{{
 *
 * The macro's fast path is an atomic load in the (instrumented) caller,
 * which TSan already treats as an acquire of @location; the publishing
 * store happens inside libglib. Releasing @location just before it makes
 * both the fast path and the slow path (which returns FALSE after waiting
 * for the initialising thread) acquire what the initialiser wrote. */

gboolean
(g_once_init_enter) (volatile void *location)
{
  REAL (gboolean, g_once_init_enter, (volatile void *));
  gboolean need_init = real_g_once_init_enter (location);

  if (!need_init)
    hb_acquire ((const void *) location);
  return need_init;
}

void
(g_once_init_leave) (volatile void *location,
                     gsize          result)
{
  REAL (void, g_once_init_leave, (volatile void *, gsize));

  hb_release ((const void *) location);
  real_g_once_init_leave (location, result);
}

/* }}} */

/* Reference counts {{{
 *
 * The classic release-on-decrement, acquire-before-free: every decrement
 * releases the counter; the decrement that reaches zero acquires it, so the
 * code that frees (or finalizes) sees everything the other owners did
 * before they let go. */

gboolean
g_atomic_ref_count_dec (gatomicrefcount *arc)
{
  REAL (gboolean, g_atomic_ref_count_dec, (gatomicrefcount *));
  gboolean last;

  hb_release (arc);
  last = real_g_atomic_ref_count_dec (arc);
  if (last)
    hb_acquire (arc);
  return last;
}

/* g_object_unref () decrements inside libgobject and, when it drops the
 * last reference, runs dispose and finalize before returning: the acquire
 * must come before finalize, inside the call. Every call releases the
 * counter before the real one. The acquire happens twice:
 *
 *   - at entry, when the count is 1: the caller holds a reference, so every
 *     other owner has already decremented (and released);
 *   - again inside the call, after dispose: a dispose may resurrect the
 *     object by handing a new reference to another thread, which drops it
 *     while this call still runs; GLib 2.74 then finishes the last
 *     reference here (its atomic re-read of the count orders that). After
 *     dispose, g_object_unref () clears the object's qdata with
 *     g_datalist_id_set_data_full () (called through the PLT, so visible
 *     here) before it finalizes: that call, for the object being unreffed
 *     on this thread, acquires the counter again. Any acquire during the
 *     last unref is sound: whatever was released there was released by an
 *     owner that has decremented. */
static __thread GObject *unreffing;

void
g_object_unref (gpointer object)
{
  REAL (void, g_object_unref, (gpointer));
  GObject *outer = unreffing;

  if (object != NULL && tsan_on ())
    {
      guint *ref_count = &((GObject *) object)->ref_count;

      __tsan_release (ref_count);
      if (__atomic_load_n (ref_count, __ATOMIC_ACQUIRE) == 1)
        __tsan_acquire (ref_count);
      /* Also when the count read here is higher: another owner may drop
       * its reference before our decrement, which then is the last (seen:
       * test-race, a cleanup holding a temporary reference while a worker
       * unrefs). Only the last unref clears the qdata, where the second
       * acquire sits. */
      unreffing = object;
    }
  real_g_object_unref (object);
  unreffing = outer;
}

void
g_datalist_id_set_data_full (GData          **datalist,
                             GQuark           key_id,
                             gpointer         data,
                             GDestroyNotify   destroy_func)
{
  REAL (void, g_datalist_id_set_data_full, (GData **, GQuark, gpointer, GDestroyNotify));

  if (unreffing != NULL && datalist == &unreffing->qdata)
    hb_acquire (&unreffing->ref_count);
  real_g_datalist_id_set_data_full (datalist, key_id, data, destroy_func);
}

/* }}} */

/* GCancellable {{{
 *
 * Cancelling publishes; a thread that sees the cancellable cancelled (the
 * flag is set with an atomic in libgio) acquires what the canceller did
 * before. A ::cancelled handler connected to an already cancelled
 * cancellable runs inside g_cancellable_connect (), so that is an observer
 * too. */

void
g_cancellable_cancel (GCancellable *cancellable)
{
  REAL (void, g_cancellable_cancel, (GCancellable *));

  hb_release (cancellable);
  real_g_cancellable_cancel (cancellable);
}

gboolean
g_cancellable_is_cancelled (GCancellable *cancellable)
{
  REAL (gboolean, g_cancellable_is_cancelled, (GCancellable *));
  gboolean cancelled = real_g_cancellable_is_cancelled (cancellable);

  if (cancelled)
    hb_acquire (cancellable);
  return cancelled;
}

gboolean
g_cancellable_set_error_if_cancelled (GCancellable  *cancellable,
                                      GError       **error)
{
  REAL (gboolean, g_cancellable_set_error_if_cancelled, (GCancellable *, GError **));
  gboolean cancelled = real_g_cancellable_set_error_if_cancelled (cancellable, error);

  if (cancelled)
    hb_acquire (cancellable);
  return cancelled;
}

gulong
g_cancellable_connect (GCancellable   *cancellable,
                       GCallback       callback,
                       gpointer        data,
                       GDestroyNotify  data_destroy_func)
{
  REAL (gulong, g_cancellable_connect, (GCancellable *, GCallback, gpointer, GDestroyNotify));
  REAL (gboolean, g_cancellable_is_cancelled, (GCancellable *));

  if (cancellable != NULL && real_g_cancellable_is_cancelled (cancellable))
    hb_acquire (cancellable);
  return real_g_cancellable_connect (cancellable, callback, data, data_destroy_func);
}

/* }}} */

/* GMainContext hand-offs {{{
 *
 * What a thread does before it attaches a source (or adds an idle/timeout
 * callback, or invokes a function on a context) happens before the
 * callback runs on the context's thread. GLib implements this with the
 * context's mutex, inside libglib. Modelled as:
 *
 *   - g_source_attach (source): release (source);
 *   - g_idle_add*, g_timeout_add*, g_main_context_invoke*: re-implemented
 *     here with public API (g_idle_source_new (), g_source_attach ()), the
 *     callback wrapped in a Hop; release (hop) and release (source) right
 *     before the attach, after GLib allocated the source on this thread;
 *   - g_source_set_callback () on an idle or timeout source (the only
 *     source types whose callback is a plain GSourceFunc) wraps it in a Hop
 *     too;
 *   - the Hop's dispatch acquires the hop and the source being dispatched
 *     (g_main_current_source ()) before calling the real callback, and
 *     releases the hop afterwards, so the destroy notify (which GLib runs
 *     only once no dispatch is running, possibly on another thread)
 *     acquires everything the callbacks did;
 *   - g_source_unref (source): release (source); the last unref of an idle
 *     or timeout source acquires it, and the context lock, in a dispose
 *     function the shim sets where the source is created.
 *
 * g_main_context_acquire () / _release () are an ownership lock: a thread
 * that acquires a context sees what the previous owner did while it held
 * it.
 *
 * Limitation: callbacks of other source types (child watch, unix fd,
 * GCancellable and socket sources) are not wrapped (their callbacks have
 * other signatures) and get no edge; and a wrapped callback's user data is
 * the Hop, so g_source_remove_by_user_data () and
 * g_main_context_find_source_by_user_data () would not find it (resmgr
 * uses neither). */

/* The context's own mutex, which GLib holds inside g_source_attach (),
 * g_source_destroy () and around (not during) each dispatch: modelled as
 * a lock at a distinct address inside the GMainContext, so that GLib's
 * bookkeeping in the context (its source table, grown and shrunk with
 * realloc by whichever thread attaches or destroys) is ordered the way the
 * real mutex orders it. */
#define CONTEXT_LOCK(context) ((char *) (context) + 2)

static void
context_lock (GMainContext *context)
{
  hb_acquire (CONTEXT_LOCK (context ? context : g_main_context_default ()));
}

static void
context_unlock (GMainContext *context)
{
  hb_release (CONTEXT_LOCK (context ? context : g_main_context_default ()));
}

typedef struct
{
  GSourceFunc     func;
  GSourceOnceFunc once_func;
  gpointer        data;
  GDestroyNotify  notify;
} Hop;

static Hop *
hop_new (GSourceFunc     func,
         GSourceOnceFunc once_func,
         gpointer        data,
         GDestroyNotify  notify)
{
  Hop *hop = malloc (sizeof (Hop));

  if (hop == NULL)
    abort ();
  hop->func = func;
  hop->once_func = once_func;
  hop->data = data;
  hop->notify = notify;
  return hop;
}

static gboolean
hop_dispatch (gpointer data)
{
  Hop *hop = data;
  GSource *source = g_main_current_source ();
  GMainContext *context = source ? source->context : NULL;
  gboolean ret;

  /* GLib released the context's mutex just before calling us. */
  if (context != NULL)
    {
      context_lock (context);
      context_unlock (context);
    }
  hb_acquire (hop);
  hb_acquire (source);
  if (hop->once_func != NULL)
    {
      hop->once_func (hop->data);
      ret = G_SOURCE_REMOVE;
    }
  else
    ret = hop->func (hop->data);
  hb_release (hop);
  /* ... and takes it again after we return. */
  if (context != NULL)
    context_lock (context);

  return ret;
}

static void
hop_free (gpointer data)
{
  Hop *hop = data;

  hb_acquire (hop);
  if (hop->notify != NULL)
    hop->notify (hop->data);
  free (hop);
}

/* Defined by tests/tsan/handoff-selftest.c (exported with -rdynamic), to
 * stop a thread where the scheduler may stop it: after GLib's attach, with
 * the context's mutex released, before the shim's release of it. */
void glib_tsan_shim_attach_returned (GSource *source) TSAN_WEAK;

/* GLib's attach, inside the context lock, the attaches of the process one
 * at a time: the shim releases the context lock only after GLib's attach
 * returned, so a thread stopped in between would leave what its attach
 * did (growing the context's source table with realloc, say) unordered
 * for the next attach, on another thread, which takes the real mutex
 * right away. GLib runs no code of ours inside an attach; this lock is the
 * shim's own (the real GMutex functions: no annotation), taken by no
 * other function, so it cannot deadlock. */
static guint
attach_serialised (GSource      *source,
                   GMainContext *context)
{
  static GMutex serial;
  REAL (guint, g_source_attach, (GSource *, GMainContext *));
  REAL (void, g_mutex_lock, (GMutex *));
  REAL (void, g_mutex_unlock, (GMutex *));
  guint id;

  if (!tsan_on ())
    return real_g_source_attach (source, context);
  real_g_mutex_lock (&serial);
  context_lock (context);
  id = real_g_source_attach (source, context);
  if (glib_tsan_shim_attach_returned != NULL)
    glib_tsan_shim_attach_returned (source);
  context_unlock (context);
  real_g_mutex_unlock (&serial);
  return id;
}

guint
g_source_attach (GSource      *source,
                 GMainContext *context)
{
  hb_release (source);
  return attach_serialised (source, context);
}

void
g_source_destroy (GSource *source)
{
  REAL (void, g_source_destroy, (GSource *));
  /* The public field: g_source_get_context () criticals on a destroyed
   * source, which may legitimately be destroyed again. */
  GMainContext *context = source->context;

  if (context != NULL)
    context_lock (context);
  real_g_source_destroy (source);
  if (context != NULL)
    context_unlock (context);
}

/* GLib takes the context's mutex in g_source_unref () too when the source
 * is attached: its last unref removes it from the context's source lists
 * (freeing list nodes another thread's attach allocated).
 *
 * The context lock alone does not order that free: the shim can only
 * release the lock after GLib's attach has returned, and a thread stopped
 * between the two (seen: a worker's _resmgr_dispatch ()) lets the owner
 * dispatch the source and drop the last reference before that release.
 * So, as for any reference count: every unref releases the source before
 * the real one, and the last owner acquires it in the source's dispose
 * function (source_last_unref () below), which GLib calls after the last
 * decrement and before it removes the source from the context. */
void
g_source_unref (GSource *source)
{
  REAL (void, g_source_unref, (GSource *));
  GMainContext *context = source->context;

  hb_release (source);
  if (context != NULL)
    context_lock (context);
  real_g_source_unref (source);
  if (context != NULL)
    context_unlock (context);
}

/* The dispose function of every idle and timeout source (set where the
 * source is created, below): called by GLib on the thread that dropped
 * the last reference, with the context's mutex released, which GLib takes
 * again right after to remove the source from the context and free it.
 * (Nothing else in GLib 2.74 sets a dispose function on those sources;
 * only GCancellable's own source type has one.) */
static void
source_last_unref (GSource *source)
{
  hb_acquire (source);
  if (source->context != NULL)
    context_lock (source->context);
}

static GSource *
with_last_unref (GSource *source)
{
  if (tsan_on ())
    g_source_set_dispose_function (source, source_last_unref);
  return source;
}

GSource *
g_idle_source_new (void)
{
  REAL (GSource *, g_idle_source_new, (void));

  return with_last_unref (real_g_idle_source_new ());
}

GSource *
g_timeout_source_new (guint interval)
{
  REAL (GSource *, g_timeout_source_new, (guint));

  return with_last_unref (real_g_timeout_source_new (interval));
}

GSource *
g_timeout_source_new_seconds (guint interval)
{
  REAL (GSource *, g_timeout_source_new_seconds, (guint));

  return with_last_unref (real_g_timeout_source_new_seconds (interval));
}

gboolean
g_main_context_iteration (GMainContext *context,
                          gboolean      may_block)
{
  REAL (gboolean, g_main_context_iteration, (GMainContext *, gboolean));
  gboolean dispatched;

  context_lock (context);
  dispatched = real_g_main_context_iteration (context, may_block);
  context_unlock (context);
  return dispatched;
}

void
g_source_set_callback (GSource        *source,
                       GSourceFunc     func,
                       gpointer        data,
                       GDestroyNotify  notify)
{
  REAL (void, g_source_set_callback, (GSource *, GSourceFunc, gpointer, GDestroyNotify));

  if (tsan_on () && func != NULL &&
      (source->source_funcs == &g_idle_funcs || source->source_funcs == &g_timeout_funcs))
    {
      Hop *hop = hop_new (func, NULL, data, notify);

      hb_release (hop);
      real_g_source_set_callback (source, hop_dispatch, hop, hop_free);
      return;
    }
  real_g_source_set_callback (source, func, data, notify);
}

/* Attaches @source with a Hop around the callback, all through public API
 * called from here, so that the source's own allocation (made by GLib on
 * this thread) is also ordered before its dispatch and its free on the
 * context's thread. g_idle_add_full () and friends do the same inside
 * libglib, out of the shim's sight. */
static guint
attach_with_hop (GSource        *source,
                 GMainContext   *context,
                 gint            priority,
                 GSourceFunc     func,
                 GSourceOnceFunc once_func,
                 gpointer        data,
                 GDestroyNotify  notify)
{
  REAL (void, g_source_set_callback, (GSource *, GSourceFunc, gpointer, GDestroyNotify));
  Hop *hop = hop_new (func, once_func, data, notify);
  guint id;

  if (priority != G_PRIORITY_DEFAULT)
    g_source_set_priority (source, priority);
  real_g_source_set_callback (source, hop_dispatch, hop, hop_free);
  hb_release (hop);
  hb_release (source);
  id = attach_serialised (source, context);
  g_source_unref (source);

  return id;
}

guint
g_idle_add_full (gint           priority,
                 GSourceFunc    function,
                 gpointer       data,
                 GDestroyNotify notify)
{
  REAL (guint, g_idle_add_full, (gint, GSourceFunc, gpointer, GDestroyNotify));

  if (!tsan_on ())
    return real_g_idle_add_full (priority, function, data, notify);
  return attach_with_hop (g_idle_source_new (), NULL, priority, function, NULL, data, notify);
}

guint
g_idle_add (GSourceFunc function,
            gpointer    data)
{
  return g_idle_add_full (G_PRIORITY_DEFAULT_IDLE, function, data, NULL);
}

guint
g_idle_add_once (GSourceOnceFunc function,
                 gpointer        data)
{
  REAL (guint, g_idle_add_once, (GSourceOnceFunc, gpointer));

  if (!tsan_on ())
    return real_g_idle_add_once (function, data);
  return attach_with_hop (g_idle_source_new (), NULL, G_PRIORITY_DEFAULT_IDLE, NULL, function, data, NULL);
}

guint
g_timeout_add_full (gint           priority,
                    guint          interval,
                    GSourceFunc    function,
                    gpointer       data,
                    GDestroyNotify notify)
{
  REAL (guint, g_timeout_add_full, (gint, guint, GSourceFunc, gpointer, GDestroyNotify));

  if (!tsan_on ())
    return real_g_timeout_add_full (priority, interval, function, data, notify);
  return attach_with_hop (g_timeout_source_new (interval), NULL, priority, function, NULL, data, notify);
}

guint
g_timeout_add (guint       interval,
               GSourceFunc function,
               gpointer    data)
{
  return g_timeout_add_full (G_PRIORITY_DEFAULT, interval, function, data, NULL);
}

guint
g_timeout_add_once (guint           interval,
                    GSourceOnceFunc function,
                    gpointer        data)
{
  REAL (guint, g_timeout_add_once, (guint, GSourceOnceFunc, gpointer));

  if (!tsan_on ())
    return real_g_timeout_add_once (interval, function, data);
  return attach_with_hop (g_timeout_source_new (interval), NULL, G_PRIORITY_DEFAULT, NULL, function, data, NULL);
}

guint
g_timeout_add_seconds_full (gint           priority,
                            guint          interval,
                            GSourceFunc    function,
                            gpointer       data,
                            GDestroyNotify notify)
{
  REAL (guint, g_timeout_add_seconds_full, (gint, guint, GSourceFunc, gpointer, GDestroyNotify));

  if (!tsan_on ())
    return real_g_timeout_add_seconds_full (priority, interval, function, data, notify);
  return attach_with_hop (g_timeout_source_new_seconds (interval), NULL, priority, function, NULL, data, notify);
}

guint
g_timeout_add_seconds (guint       interval,
                       GSourceFunc function,
                       gpointer    data)
{
  return g_timeout_add_seconds_full (G_PRIORITY_DEFAULT, interval, function, data, NULL);
}

/* GLib 2.74's g_main_context_invoke_full (), with public API: inline when
 * this thread owns the context, or when it is this thread's default and
 * can be acquired; else an idle source, attached with a Hop. */
void
g_main_context_invoke_full (GMainContext   *context,
                            gint            priority,
                            GSourceFunc     function,
                            gpointer        data,
                            GDestroyNotify  notify)
{
  REAL (void, g_main_context_invoke_full, (GMainContext *, gint, GSourceFunc, gpointer, GDestroyNotify));
  GMainContext *thread_default;

  if (!tsan_on ())
    {
      real_g_main_context_invoke_full (context, priority, function, data, notify);
      return;
    }

  if (context == NULL)
    context = g_main_context_default ();

  if (g_main_context_is_owner (context))
    {
      /* Same thread: no hand-off. */
      real_g_main_context_invoke_full (context, priority, function, data, notify);
      return;
    }

  thread_default = g_main_context_get_thread_default ();
  if (thread_default == NULL)
    thread_default = g_main_context_default ();
  if (thread_default == context && g_main_context_acquire (context))
    {
      while (function (data))
        ;
      g_main_context_release (context);
      if (notify != NULL)
        notify (data);
      return;
    }

  attach_with_hop (g_idle_source_new (), context, priority, function, NULL, data, notify);
}

void
g_main_context_invoke (GMainContext *context,
                       GSourceFunc   function,
                       gpointer      data)
{
  g_main_context_invoke_full (context, G_PRIORITY_DEFAULT, function, data, NULL);
}

/* A distinct address inside the context: the ownership "lock". */
#define CONTEXT_OWNERSHIP(context) ((char *) (context) + 1)

gboolean
g_main_context_acquire (GMainContext *context)
{
  REAL (gboolean, g_main_context_acquire, (GMainContext *));
  gboolean ok = real_g_main_context_acquire (context);

  if (ok)
    hb_acquire (CONTEXT_OWNERSHIP (context ? context : g_main_context_default ()));
  return ok;
}

void
g_main_context_release (GMainContext *context)
{
  REAL (void, g_main_context_release, (GMainContext *));

  hb_release (CONTEXT_OWNERSHIP (context ? context : g_main_context_default ()));
  real_g_main_context_release (context);
}

/* }}} */

/* GThreadPool {{{
 *
 * What a thread does before g_thread_pool_push (pool, data) happens before
 * the pool's function runs with @data. The function is wrapped at pool
 * creation; push releases the item and the wrapper acquires it. Items that
 * are not addresses (GINT_TO_POINTER values) are keyed by the pool instead,
 * which is coarser (it orders every such push before every later run) but
 * never invents an edge that GLib's queue does not give. libgio's GTask
 * pool is created and pushed to through these functions too, so
 * g_task_run_in_thread () is covered.
 *
 * g_thread_pool_free (pool, immediate, wait_ = TRUE) returns only once the
 * items it waits for have run: each run releases the pool's "done" tag and
 * such a free acquires it (the tag lives in the PoolHop, which outlives the
 * pool). */

typedef struct
{
  GFunc    func;
  gpointer user_data;
  gpointer pool;  /* set once the pool exists */
  char     done;  /* the "done" tag: only its address is used */
} PoolHop;

#define ITEM_IS_ADDRESS(data) ((uintptr_t) (data) >= 65536)

static void
pool_hop_func (gpointer data,
               gpointer user_data)
{
  PoolHop *ph = user_data;

  if (ITEM_IS_ADDRESS (data))
    hb_acquire (data);
  else
    hb_acquire (__atomic_load_n (&ph->pool, __ATOMIC_ACQUIRE));
  ph->func (data, ph->user_data);
  hb_release (&ph->done);
}

GThreadPool *
g_thread_pool_new_full (GFunc            func,
                        gpointer         user_data,
                        GDestroyNotify   item_free_func,
                        gint             max_threads,
                        gboolean         exclusive,
                        GError         **error)
{
  REAL (GThreadPool *, g_thread_pool_new_full, (GFunc, gpointer, GDestroyNotify, gint, gboolean, GError **));
  PoolHop *ph;
  GThreadPool *pool;

  if (!tsan_on ())
    return real_g_thread_pool_new_full (func, user_data, item_free_func, max_threads, exclusive, error);

  /* Freed never: a pool's user data lives as long as the pool, and pools
   * live for the process in practice. */
  ph = malloc (sizeof (PoolHop));
  if (ph == NULL)
    abort ();
  ph->func = func;
  ph->user_data = user_data;
  ph->pool = NULL;
  pool = real_g_thread_pool_new_full (func ? pool_hop_func : NULL, ph, item_free_func,
                                      max_threads, exclusive, error);
  /* (GLib calls pool->func (item, pool->user_data): those public fields
   * stay the wrapper's.) */
  __atomic_store_n (&ph->pool, pool, __ATOMIC_RELEASE);
  return pool;
}

GThreadPool *
g_thread_pool_new (GFunc     func,
                   gpointer  user_data,
                   gint      max_threads,
                   gboolean  exclusive,
                   GError  **error)
{
  return g_thread_pool_new_full (func, user_data, NULL, max_threads, exclusive, error);
}

void
g_thread_pool_free (GThreadPool *pool,
                    gboolean     immediate,
                    gboolean     wait_)
{
  REAL (void, g_thread_pool_free, (GThreadPool *, gboolean, gboolean));
  PoolHop *ph = pool->func == pool_hop_func ? pool->user_data : NULL;

  real_g_thread_pool_free (pool, immediate, wait_);
  if (ph != NULL && wait_)
    hb_acquire (&ph->done);
}

gboolean
g_thread_pool_push (GThreadPool  *pool,
                    gpointer      data,
                    GError      **error)
{
  REAL (gboolean, g_thread_pool_push, (GThreadPool *, gpointer, GError **));

  hb_release (ITEM_IS_ADDRESS (data) ? data : (gpointer) pool);
  return real_g_thread_pool_push (pool, data, error);
}

/* }}} */

/* GTask results {{{
 *
 * g_task_return_*() publishes the result; g_task_propagate_*() (on
 * whichever thread, usually the callback's) reads it. GLib orders them
 * (task->lock, or the context hand-off of the callback); modelled as a
 * release of the task in every return function and an acquire in every
 * propagate function. */

void
g_task_return_pointer (GTask          *task,
                       gpointer        result,
                       GDestroyNotify  result_destroy)
{
  REAL (void, g_task_return_pointer, (GTask *, gpointer, GDestroyNotify));

  hb_release (task);
  real_g_task_return_pointer (task, result, result_destroy);
}

void
g_task_return_boolean (GTask    *task,
                       gboolean  result)
{
  REAL (void, g_task_return_boolean, (GTask *, gboolean));

  hb_release (task);
  real_g_task_return_boolean (task, result);
}

void
g_task_return_int (GTask  *task,
                   gssize  result)
{
  REAL (void, g_task_return_int, (GTask *, gssize));

  hb_release (task);
  real_g_task_return_int (task, result);
}

void
g_task_return_error (GTask  *task,
                     GError *error)
{
  REAL (void, g_task_return_error, (GTask *, GError *));

  hb_release (task);
  real_g_task_return_error (task, error);
}

void
g_task_return_new_error (GTask      *task,
                         GQuark      domain,
                         gint        code,
                         const char *format,
                         ...)
{
  REAL (void, g_task_return_error, (GTask *, GError *));
  GError *error;
  va_list args;

  va_start (args, format);
  error = g_error_new_valist (domain, code, format, args);
  va_end (args);

  hb_release (task);
  real_g_task_return_error (task, error);
}

void
g_task_return_value (GTask  *task,
                     GValue *result)
{
  REAL (void, g_task_return_value, (GTask *, GValue *));

  hb_release (task);
  real_g_task_return_value (task, result);
}

gboolean
g_task_return_error_if_cancelled (GTask *task)
{
  REAL (gboolean, g_task_return_error_if_cancelled, (GTask *));

  hb_release (task);
  return real_g_task_return_error_if_cancelled (task);
}

gpointer
g_task_propagate_pointer (GTask   *task,
                          GError **error)
{
  REAL (gpointer, g_task_propagate_pointer, (GTask *, GError **));

  hb_acquire (task);
  return real_g_task_propagate_pointer (task, error);
}

gboolean
g_task_propagate_boolean (GTask   *task,
                          GError **error)
{
  REAL (gboolean, g_task_propagate_boolean, (GTask *, GError **));

  hb_acquire (task);
  return real_g_task_propagate_boolean (task, error);
}

gssize
g_task_propagate_int (GTask   *task,
                      GError **error)
{
  REAL (gssize, g_task_propagate_int, (GTask *, GError **));

  hb_acquire (task);
  return real_g_task_propagate_int (task, error);
}

gboolean
g_task_propagate_value (GTask   *task,
                        GValue  *value,
                        GError **error)
{
  REAL (gboolean, g_task_propagate_value, (GTask *, GValue *, GError **));

  hb_acquire (task);
  return real_g_task_propagate_value (task, value, error);
}

/* }}} */
