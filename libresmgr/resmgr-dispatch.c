/* resmgr-dispatch.c: the one "run this on the owner context" of resmgr
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * See resmgr-dispatch-private.h for the policy and why it is not
 * g_main_context_invoke ()'s.
 */

#include "resmgr-dispatch-private.h"

#if defined(__linux__)
# include <sys/syscall.h>
# include <unistd.h>
#endif

/* Owner threads {{{ */

#if !defined(__linux__)
static GThread *main_thread;

/* Runs in the thread that loads the library: the main thread for programs
 * linked against it and for interpreters that import it at start-up. */
__attribute__((constructor)) static void
record_main_thread (void)
{
  main_thread = g_thread_self ();
}
#endif

gboolean
_resmgr_thread_is_main (void)
{
  static _Thread_local int is_main = -1;

  if (G_UNLIKELY (is_main < 0))
    {
#if defined(__linux__)
      is_main = syscall (SYS_gettid) == getpid ();
#else
      is_main = g_thread_self () == main_thread;
#endif
    }

  return is_main;
}

gboolean
_resmgr_context_is_owned_here (GMainContext *context)
{
  GMainContext *thread_default;

  if (context == NULL)
    context = g_main_context_default ();

  /* Iterating it (or holding it) right now. */
  if (g_main_context_is_owner (context))
    return TRUE;

  /* Pushed here as the thread-default: this thread's loop runs it. */
  thread_default = g_main_context_get_thread_default ();
  if (thread_default == context)
    return TRUE;

  /* The global default context belongs to the main thread, whatever else
   * that thread pushed; never to a worker that merely has no thread-default
   * of its own. */
  return context == g_main_context_default () && _resmgr_thread_is_main ();
}

char *
_resmgr_context_describe (GMainContext *context)
{
  if (context == NULL || context == g_main_context_default ())
    return g_strdup ("the global default main context (main thread)");

  return g_strdup_printf ("main context %p", context);
}

/* }}} */

/* Dispatch {{{ */

typedef struct
{
  GSourceFunc    func;
  gpointer       data;
  GDestroyNotify destroy;
} OneShot;

static gboolean
one_shot_cb (gpointer user_data)
{
  OneShot *o = user_data;

  /* Called once, whatever it returns: unlike g_main_context_invoke () from a
   * foreign thread, which repeats a function that returns TRUE. */
  o->func (o->data);

  return G_SOURCE_REMOVE;
}

static void
one_shot_free (gpointer user_data)
{
  OneShot *o = user_data;

  if (o->destroy != NULL)
    o->destroy (o->data);
  g_free (o);
}

gboolean
_resmgr_dispatch (GMainContext   *context,
                  int             priority,
                  const char     *name,
                  GSourceFunc     func,
                  gpointer        data,
                  GDestroyNotify  destroy)
{
  GSource *source = _resmgr_dispatch_source (context, priority, name, func, data, destroy);

  if (source == NULL)
    return TRUE;

  g_source_unref (source);

  return FALSE;
}

static GSource *
attach_one_shot (GMainContext   *context,
                 int             priority,
                 const char     *name,
                 GSourceFunc     func,
                 gpointer        data,
                 GDestroyNotify  destroy)
{
  GSource *source;
  OneShot *o;

  o = g_new (OneShot, 1);
  o->func = func;
  o->data = data;
  o->destroy = destroy;

  source = g_idle_source_new ();
  g_source_set_priority (source, priority);
  g_source_set_static_name (source, name);
  g_source_set_callback (source, one_shot_cb, o, one_shot_free);
  g_source_attach (source, context);

  return source;
}

GSource *
_resmgr_dispatch_source (GMainContext   *context,
                         int             priority,
                         const char     *name,
                         GSourceFunc     func,
                         gpointer        data,
                         GDestroyNotify  destroy)
{
  if (context == NULL)
    context = g_main_context_default ();

  if (_resmgr_context_is_owned_here (context))
    {
      func (data);
      if (destroy != NULL)
        destroy (data);
      return NULL;
    }

  return attach_one_shot (context, priority, name, func, data, destroy);
}

void
_resmgr_dispatch_later (GMainContext   *context,
                        int             priority,
                        const char     *name,
                        GSourceFunc     func,
                        gpointer        data,
                        GDestroyNotify  destroy)
{
  if (context == NULL)
    context = g_main_context_default ();

  g_source_unref (attach_one_shot (context, priority, name, func, data, destroy));
}

/* }}} */

/* Calls a thread can wait for {{{ */

struct _ResmgrCall
{
  gatomicrefcount ref_count;

  /* Protected by mutex: */
  GMutex          mutex;
  GCond           cond;
  ResmgrCallState state;
};

ResmgrCall *
_resmgr_call_new (void)
{
  ResmgrCall *call = g_new0 (ResmgrCall, 1);

  g_atomic_ref_count_init (&call->ref_count);
  g_mutex_init (&call->mutex);
  g_cond_init (&call->cond);
  call->state = RESMGR_CALL_PENDING;

  return call;
}

ResmgrCall *
_resmgr_call_ref (ResmgrCall *call)
{
  g_atomic_ref_count_inc (&call->ref_count);

  return call;
}

void
_resmgr_call_unref (ResmgrCall *call)
{
  if (call != NULL && g_atomic_ref_count_dec (&call->ref_count))
    {
      g_mutex_clear (&call->mutex);
      g_cond_clear (&call->cond);
      g_free (call);
    }
}

gboolean
_resmgr_call_begin (ResmgrCall *call)
{
  gboolean run;

  g_mutex_lock (&call->mutex);
  run = call->state == RESMGR_CALL_PENDING;
  if (run)
    call->state = RESMGR_CALL_RUNNING;
  g_mutex_unlock (&call->mutex);

  return run;
}

void
_resmgr_call_end (ResmgrCall *call)
{
  g_mutex_lock (&call->mutex);
  g_assert (call->state == RESMGR_CALL_RUNNING);
  call->state = RESMGR_CALL_DONE;
  g_cond_broadcast (&call->cond);
  g_mutex_unlock (&call->mutex);
}

ResmgrCallState
_resmgr_call_wait (ResmgrCall *call,
                   gint64      deadline)
{
  ResmgrCallState state;

  g_mutex_lock (&call->mutex);
  while (call->state == RESMGR_CALL_PENDING || call->state == RESMGR_CALL_RUNNING)
    {
      if (deadline < 0)
        g_cond_wait (&call->cond, &call->mutex);
      else if (!g_cond_wait_until (&call->cond, &call->mutex, deadline))
        {
          if (call->state == RESMGR_CALL_PENDING)
            call->state = RESMGR_CALL_ABANDONED;
          break;
        }
    }
  state = call->state;
  g_mutex_unlock (&call->mutex);

  return state;
}

ResmgrCallState
_resmgr_call_abandon (ResmgrCall *call)
{
  ResmgrCallState state;

  g_mutex_lock (&call->mutex);
  if (call->state == RESMGR_CALL_PENDING)
    call->state = RESMGR_CALL_ABANDONED;
  state = call->state;
  g_mutex_unlock (&call->mutex);

  return state;
}

/* }}} */
