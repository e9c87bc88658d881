/* test-gl-coordinator.c: ResmgrGLCoordinator and ResmgrGLBufferPool with real GL
 *
 * Every test runs against a real desktop GL context (Mesa llvmpipe under
 * Xvfb in CI) of a GtkGLArea in a GtkWindow; nothing of GL is mocked. That
 * a name is gone is asserted with GL itself (glIsTexture, glIsBuffer,
 * glIsVertexArray, …) from a live context after the cleanup. Without a
 * display, or without GL 4.5 (the tests make objects with the 4.5 glCreate*
 * calls, so that a name is an object at once), every test is skipped.
 *
 * Names freed in the share group can be handed out again to GTK's own
 * renderer at its next frame, so the checks that follow a deletion are made
 * before the main loop runs again.
 *
 * Some tests hold the default main context on the main thread (as
 * g_application_run() and g_main_loop_run() do) while a worker runs; the
 * thread/ tests of the owner-context contract do not: resmgr never treats
 * a thread that could merely acquire the owner context as its owner, so
 * GL stays on the main thread either way.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <string.h>

#include <epoxy/gl.h>
#include <gtk/gtk.h>
#ifdef GDK_WINDOWING_X11
# include <gdk/x11/gdkx.h>
#endif

#include "test-common-gtk.h"

#define SERVICE(m) RESMGR_SERVICE (m)
#define COORD(c)   RESMGR_COORDINATOR (c)

static gboolean have_display;

/* Waiting {{{ */

static void
iterate_pending (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static gboolean
area_ready (gpointer data)
{
  GtkGLArea *area = data;

  return gtk_widget_get_realized (GTK_WIDGET (area)) &&
         (gtk_gl_area_get_context (area) != NULL || gtk_gl_area_get_error (area) != NULL);
}

static gboolean
weak_ref_cleared (gpointer data)
{
  GObject *object = g_weak_ref_get (data);
  gboolean cleared = object == NULL;

  g_clear_object (&object);
  return cleared;
}

static gboolean
nothing_pending (gpointer data)
{
  return resmgr_gl_coordinator_get_n_pending (data) == 0;
}

static gboolean
flag_set (gpointer data)
{
  return g_atomic_int_get ((gint *) data) != 0;
}

/* }}} */

/* Views: a window with a GL area {{{ */

typedef struct
{
  GtkWidget *window;
  GtkWidget *area;      /* a reference of ours */
} View;

static GtkWidget *
window_new (void)
{
  GtkWidget *window = gtk_window_new ();

  gtk_window_set_default_size (GTK_WINDOW (window), 48, 48);
  gtk_window_present (GTK_WINDOW (window));

  return window;
}

/* Opens a window with a realized GL area; FALSE (and the test skipped) if
 * GL 4.5 is not there. */
static gboolean
view_open (View *v)
{
  GdkGLContext *context;
  int major, minor;

  v->window = window_new ();
  v->area = g_object_ref (gtk_gl_area_new ());
  gtk_window_set_child (GTK_WINDOW (v->window), v->area);
  wait_for (area_ready, v->area, "a GL area to realize");

  if (gtk_gl_area_get_error (GTK_GL_AREA (v->area)) != NULL)
    {
      g_test_skip_printf ("No GL context: %s", gtk_gl_area_get_error (GTK_GL_AREA (v->area))->message);
      return FALSE;
    }

  context = gtk_gl_area_get_context (GTK_GL_AREA (v->area));
  /* The version is known once the context was current. */
  gtk_gl_area_make_current (GTK_GL_AREA (v->area));
  gdk_gl_context_clear_current ();
  gdk_gl_context_get_version (context, &major, &minor);
  if (gdk_gl_context_get_use_es (context) || major * 10 + minor < 45)
    {
      g_test_skip_printf ("GL %d.%d%s: these tests need desktop GL 4.5", major, minor,
                          gdk_gl_context_get_use_es (context) ? " ES" : "");
      return FALSE;
    }

  return TRUE;
}

static GdkGLContext *
view_context (View *v)
{
  return gtk_gl_area_get_context (GTK_GL_AREA (v->area));
}

static void
view_close (View *v)
{
  if (v->window != NULL)
    gtk_window_destroy (GTK_WINDOW (v->window));
  v->window = NULL;
  g_clear_object (&v->area);
  iterate_pending ();
}

/* }}} */

/* Environment: a manager, a component and its GL coordinator {{{ */

typedef struct
{
  ResmgrManager       *manager;
  TestComponent       *comp;
  gboolean             comp_finalized;
  ResmgrGLCoordinator *coord;
} Env;

static void
env_init (Env *env)
{
  g_autoptr(GError) error = NULL;

  env->manager = resmgr_manager_new ();
  env->comp = test_component_new (&env->comp_finalized);
  env->coord = resmgr_gl_coordinator_new (SERVICE (env->manager));
  g_assert_true (resmgr_coordinator_bind (COORD (env->coord), G_OBJECT (env->comp), "GLComponent", &error));
  g_assert_no_error (error);
}

static void
env_clear (Env *env)
{
  g_clear_object (&env->comp);
  g_assert_true (env->comp_finalized);
  iterate_pending ();
  g_assert_cmpuint (resmgr_gl_coordinator_get_n_pending (env->coord), ==, 0);
  g_clear_object (&env->coord);
  g_clear_object (&env->manager);
}

/* }}} */

/* GL helpers {{{ */

#define N_KINDS (RESMGR_GL_OBJECT_QUERY + 1)

/* Makes @n objects of @kind with the current context. */
static void
gl_create (ResmgrGLObjectKind  kind,
           guint               n,
           guint              *names)
{
  switch (kind)
    {
    case RESMGR_GL_OBJECT_TEXTURE:
      glCreateTextures (GL_TEXTURE_2D, n, names);
      break;
    case RESMGR_GL_OBJECT_BUFFER:
      glCreateBuffers (n, names);
      break;
    case RESMGR_GL_OBJECT_FRAMEBUFFER:
      glCreateFramebuffers (n, names);
      break;
    case RESMGR_GL_OBJECT_RENDERBUFFER:
      glCreateRenderbuffers (n, names);
      break;
    case RESMGR_GL_OBJECT_VERTEX_ARRAY:
      glCreateVertexArrays (n, names);
      break;
    case RESMGR_GL_OBJECT_SAMPLER:
      glCreateSamplers (n, names);
      break;
    case RESMGR_GL_OBJECT_QUERY:
      glCreateQueries (GL_SAMPLES_PASSED, n, names);
      break;
    case RESMGR_GL_OBJECT_SHADER:
      for (guint i = 0; i < n; i++)
        names[i] = glCreateShader (GL_VERTEX_SHADER);
      break;
    case RESMGR_GL_OBJECT_PROGRAM:
      for (guint i = 0; i < n; i++)
        names[i] = glCreateProgram ();
      break;
    default:
      g_assert_not_reached ();
    }
  g_assert_cmphex (glGetError (), ==, GL_NO_ERROR);
}

static gboolean
gl_is (ResmgrGLObjectKind kind,
       guint              name)
{
  switch (kind)
    {
    case RESMGR_GL_OBJECT_TEXTURE:      return glIsTexture (name);
    case RESMGR_GL_OBJECT_BUFFER:       return glIsBuffer (name);
    case RESMGR_GL_OBJECT_FRAMEBUFFER:  return glIsFramebuffer (name);
    case RESMGR_GL_OBJECT_RENDERBUFFER: return glIsRenderbuffer (name);
    case RESMGR_GL_OBJECT_VERTEX_ARRAY: return glIsVertexArray (name);
    case RESMGR_GL_OBJECT_SHADER:       return glIsShader (name);
    case RESMGR_GL_OBJECT_PROGRAM:      return glIsProgram (name);
    case RESMGR_GL_OBJECT_SAMPLER:      return glIsSampler (name);
    case RESMGR_GL_OBJECT_QUERY:        return glIsQuery (name);
    default:                            g_assert_not_reached ();
    }
}

/* How many of @names are objects of @kind, seen from @context (made
 * current for the check; the previous current context is restored). */
static guint
count_alive (GdkGLContext       *context,
             ResmgrGLObjectKind  kind,
             const guint        *names,
             guint               n)
{
  g_autoptr(GdkGLContext) previous = gdk_gl_context_get_current ();
  guint alive = 0;

  if (previous != NULL)
    g_object_ref (previous);
  gdk_gl_context_make_current (context);
  for (guint i = 0; i < n; i++)
    alive += gl_is (kind, names[i]) ? 1 : 0;
  g_assert_cmphex (glGetError (), ==, GL_NO_ERROR);
  if (previous != NULL)
    gdk_gl_context_make_current (previous);
  else
    gdk_gl_context_clear_current ();

  return alive;
}

/* Tracks @n names of @kind made in @context; returns their ids. */
static GArray *
track_names (ResmgrGLCoordinator *coord,
             GdkGLContext        *context,
             ResmgrGLObjectKind   kind,
             const guint         *names,
             guint                n,
             gsize                size)
{
  GArray *ids = g_array_sized_new (FALSE, FALSE, sizeof (guint64), n);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GError) error = NULL;
      guint64 id = resmgr_gl_coordinator_track (coord, context, kind, names[i], size, NULL, &error);

      g_assert_no_error (error);
      g_assert_cmpuint (id, !=, 0);
      g_array_append_val (ids, id);
    }

  return ids;
}

#define IDS(a) ((const guint64 *) (gpointer) (a)->data)

/* }}} */

/* Batched deletion {{{ */

static const guint batch_counts[N_KINDS] = {
  [RESMGR_GL_OBJECT_TEXTURE]      = 3000,
  [RESMGR_GL_OBJECT_BUFFER]       = 3000,
  [RESMGR_GL_OBJECT_FRAMEBUFFER]  = 200,
  [RESMGR_GL_OBJECT_RENDERBUFFER] = 200,
  [RESMGR_GL_OBJECT_VERTEX_ARRAY] = 500,
  [RESMGR_GL_OBJECT_SHADER]       = 50,
  [RESMGR_GL_OBJECT_PROGRAM]      = 50,
  [RESMGR_GL_OBJECT_SAMPLER]      = 200,
  [RESMGR_GL_OBJECT_QUERY]        = 100,
};

static void
test_batched_thousands (void)
{
  g_autoptr(ResmgrCleanupReport) report = NULL;
  g_autoptr(GdkGLContext) other = NULL;
  g_autoptr(GError) error = NULL;
  GArray *ids[N_KINDS];
  guint *names[N_KINDS];
  guint total = 0;
  GdkGLContext *context;
  View v = { 0 };
  Env env;

  g_test_summary ("Thousands of names of every kind, tracked and cleaned: release_many "
                  "deletes at once, cleanup_all deletes the rest, every name is gone for GL, "
                  "no GL error, and the context current before is current again.");

  if (!have_display)
    {
      g_test_skip ("No display");
      return;
    }
  if (!view_open (&v))
    {
      view_close (&v);
      return;
    }
  env_init (&env);
  context = view_context (&v);

  gdk_gl_context_make_current (context);
  for (guint k = 0; k < N_KINDS; k++)
    {
      names[k] = g_new0 (guint, batch_counts[k]);
      gl_create (k, batch_counts[k], names[k]);
      ids[k] = track_names (env.coord, context, k, names[k], batch_counts[k], 64);
      g_assert_cmpuint (count_alive (context, k, names[k], batch_counts[k]), ==, batch_counts[k]);
      total += batch_counts[k];
    }

  /* Half the textures and buffers: deleted now, in the area's context. */
  for (guint k = RESMGR_GL_OBJECT_TEXTURE; k <= RESMGR_GL_OBJECT_BUFFER; k++)
    {
      guint half = batch_counts[k] / 2;

      g_assert_true (resmgr_gl_coordinator_release_many (env.coord, IDS (ids[k]), half, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (resmgr_gl_coordinator_get_n_pending (env.coord), ==, 0);
      g_assert_cmpuint (count_alive (context, k, names[k], half), ==, 0);
      g_assert_cmpuint (count_alive (context, k, names[k] + half, batch_counts[k] - half), ==,
                        batch_counts[k] - half);
      /* The ids of released names are not tracked any more. */
      g_assert_cmpuint (resmgr_gl_coordinator_get_name (env.coord, g_array_index (ids[k], guint64, 0)), ==, 0);
      total -= half;
    }

  /* Another context of the display is current when the cleanup runs: it
   * must be current again afterwards. */
  other = gdk_display_create_gl_context (gdk_gl_context_get_display (context), &error);
  g_assert_no_error (error);
  g_assert_true (gdk_gl_context_realize (other, &error));
  g_assert_no_error (error);
  gdk_gl_context_make_current (other);

  report = resmgr_coordinator_cleanup_all (COORD (env.coord), &error);
  g_assert_no_error (error);
  g_assert_nonnull (report);
  g_assert_true (gdk_gl_context_get_current () == other);
  g_assert_cmpuint (resmgr_cleanup_report_get_failed (report), ==, 0);
  g_assert_cmpuint (resmgr_cleanup_report_get_lost (report), ==, 0);
  /* Every name, and the coordinator's own deletion step. */
  g_assert_cmpuint (resmgr_cleanup_report_get_released (report), ==, total + 1);
  g_assert_cmpuint (resmgr_gl_coordinator_get_n_pending (env.coord), ==, 0);

  for (guint k = 0; k < N_KINDS; k++)
    {
      g_assert_cmpuint (count_alive (context, k, names[k], batch_counts[k]), ==, 0);
      g_array_unref (ids[k]);
      g_free (names[k]);
    }
  g_assert_true (gdk_gl_context_get_current () == other);

  /* Nothing current before: nothing current after. */
  gdk_gl_context_clear_current ();
  {
    g_autoptr(ResmgrCleanupReport) empty = resmgr_coordinator_cleanup_all (COORD (env.coord), &error);

    g_assert_no_error (error);
    g_assert_null (gdk_gl_context_get_current ());
  }

  env_clear (&env);
  view_close (&v);
}

static void
test_single_release (void)
{
  g_autoptr(ResmgrHandle) handle = NULL;
  g_autoptr(GError) error = NULL;
  GdkGLContext *context;
  guint64 id;
  guint name;
  View v = { 0 };
  Env env;

  g_test_summary ("One release queues its name and deletes it from an idle callback on "
                  "the owner context, before the next main loop iteration ends.");

  if (!have_display)
    {
      g_test_skip ("No display");
      return;
    }
  if (!view_open (&v))
    {
      view_close (&v);
      return;
    }
  env_init (&env);
  context = view_context (&v);

  gdk_gl_context_make_current (context);
  gl_create (RESMGR_GL_OBJECT_TEXTURE, 1, &name);
  id = resmgr_gl_coordinator_track (env.coord, context, RESMGR_GL_OBJECT_TEXTURE, name, 1024,
                                    "single", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (resmgr_gl_coordinator_get_name (env.coord, id), ==, name);
  g_assert_true (resmgr_gl_coordinator_get_context_for (env.coord, id) == context);
  /* A handle only on request: the service's entry, named by the label. */
  handle = resmgr_coordinator_lookup (COORD (env.coord), id, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (resmgr_handle_get_name (handle), ==, "single");
  g_assert_cmpuint (resmgr_handle_get_size (handle), ==, 1024);
  g_assert_cmpint (resmgr_handle_get_resource_type (handle), ==, RESMGR_RESOURCE_TYPE_GL_OBJECT);

  g_assert_true (resmgr_coordinator_release (COORD (env.coord), id, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (resmgr_gl_coordinator_get_n_pending (env.coord), ==, 1);
  g_assert_cmpuint (count_alive (context, RESMGR_GL_OBJECT_TEXTURE, &name, 1), ==, 1);
  /* Not tracked any more, although its name waits for the idle (and its
   * record may wait in the coordinator's table for a purge). */
  g_assert_cmpuint (resmgr_gl_coordinator_get_name (env.coord, id), ==, 0);
  g_assert_null (resmgr_gl_coordinator_get_context_for (env.coord, id));

  /* The deletion is an idle of the owner context. */
  wait_for (nothing_pending, env.coord, "the deletion");
  g_assert_cmpuint (resmgr_gl_coordinator_get_n_pending (env.coord), ==, 0);
  g_assert_cmpuint (count_alive (context, RESMGR_GL_OBJECT_TEXTURE, &name, 1), ==, 0);

  env_clear (&env);
  view_close (&v);
}

/* }}} */

/* Worker threads {{{ */

typedef struct
{
  Env                 *env;
  GArray              *ids;
  gint                 done;
  guint                n_pending_after;
  gboolean             flush_ok;
  ResmgrCleanupReport *report;
  GError              *error;
} WorkerData;

static gpointer
cleanup_all_thread (gpointer data)
{
  WorkerData *wd = data;

  wd->report = resmgr_coordinator_cleanup_all (COORD (wd->env->coord), &wd->error);
  g_atomic_int_set (&wd->done, 1);
  g_main_context_wakeup (NULL);

  return NULL;
}

static gpointer
release_flush_thread (gpointer data)
{
  WorkerData *wd = data;

  for (guint i = 0; i < wd->ids->len; i++)
    g_assert_true (resmgr_coordinator_release (COORD (wd->env->coord), g_array_index (wd->ids, guint64, i), NULL));
  wd->flush_ok = resmgr_gl_coordinator_flush (wd->env->coord, &wd->error);
  /* The main thread is blocked in g_thread_join: nothing ran yet. */
  wd->n_pending_after = resmgr_gl_coordinator_get_n_pending (wd->env->coord);
  g_atomic_int_set (&wd->done, 1);

  return NULL;
}

#define N_WORKER_NAMES 500

static void
test_cleanup_from_worker (void)
{
  g_autoptr(GArray) tex_ids = NULL;
  g_autoptr(GArray) buf_ids = NULL;
  guint textures[N_WORKER_NAMES], buffers[N_WORKER_NAMES];
  GdkGLContext *context;
  WorkerData wd = { 0 };
  GThread *thread;
  View v = { 0 };
  Env env;

  g_test_summary ("A worker thread asks for the component's cleanup: it is dispatched to "
                  "the owner context (the GTK thread), which deletes the names with its "
                  "context; the worker gets the report.");

  if (!have_display)
    {
      g_test_skip ("No display");
      return;
    }
  if (!view_open (&v))
    {
      view_close (&v);
      return;
    }
  env_init (&env);
  context = view_context (&v);
  g_assert_true (g_main_context_acquire (NULL));

  gdk_gl_context_make_current (context);
  gl_create (RESMGR_GL_OBJECT_TEXTURE, N_WORKER_NAMES, textures);
  gl_create (RESMGR_GL_OBJECT_BUFFER, N_WORKER_NAMES, buffers);
  tex_ids = track_names (env.coord, context, RESMGR_GL_OBJECT_TEXTURE, textures, N_WORKER_NAMES, 16);
  buf_ids = track_names (env.coord, context, RESMGR_GL_OBJECT_BUFFER, buffers, N_WORKER_NAMES, 16);

  wd.env = &env;
  thread = g_thread_new ("gl-cleanup", cleanup_all_thread, &wd);
  wait_for (flag_set, &wd.done, "the worker's cleanup");
  g_thread_join (thread);

  g_assert_no_error (wd.error);
  g_assert_nonnull (wd.report);
  g_assert_cmpuint (resmgr_cleanup_report_get_released (wd.report), ==, 2 * N_WORKER_NAMES + 1);
  g_assert_cmpuint (resmgr_cleanup_report_get_failed (wd.report), ==, 0);
  g_assert_cmpuint (resmgr_gl_coordinator_get_n_pending (env.coord), ==, 0);
  g_assert_cmpuint (count_alive (context, RESMGR_GL_OBJECT_TEXTURE, textures, N_WORKER_NAMES), ==, 0);
  g_assert_cmpuint (count_alive (context, RESMGR_GL_OBJECT_BUFFER, buffers, N_WORKER_NAMES), ==, 0);
  g_clear_pointer (&wd.report, resmgr_cleanup_report_unref);

  g_main_context_release (NULL);
  env_clear (&env);
  view_close (&v);
}

static void
test_release_from_worker (void)
{
  g_autoptr(GArray) ids = NULL;
  guint textures[N_WORKER_NAMES];
  GdkGLContext *context;
  WorkerData wd = { 0 };
  GThread *thread;
  View v = { 0 };
  Env env;

  g_test_summary ("A worker releases names and flushes: no GL call on the worker; the "
                  "deletion is dispatched to the owner context and happens there, in one batch.");

  if (!have_display)
    {
      g_test_skip ("No display");
      return;
    }
  if (!view_open (&v))
    {
      view_close (&v);
      return;
    }
  env_init (&env);
  context = view_context (&v);
  g_assert_true (g_main_context_acquire (NULL));

  gdk_gl_context_make_current (context);
  gl_create (RESMGR_GL_OBJECT_TEXTURE, N_WORKER_NAMES, textures);
  ids = track_names (env.coord, context, RESMGR_GL_OBJECT_TEXTURE, textures, N_WORKER_NAMES, 16);

  wd.env = &env;
  wd.ids = ids;
  thread = g_thread_new ("gl-release", release_flush_thread, &wd);
  g_thread_join (thread);

  g_assert_no_error (wd.error);
  g_assert_true (wd.flush_ok);
  g_assert_cmpuint (wd.n_pending_after, ==, N_WORKER_NAMES);
  g_assert_cmpuint (count_alive (context, RESMGR_GL_OBJECT_TEXTURE, textures, N_WORKER_NAMES), ==, N_WORKER_NAMES);

  wait_for (nothing_pending, env.coord, "the dispatched deletion");
  g_assert_cmpuint (count_alive (context, RESMGR_GL_OBJECT_TEXTURE, textures, N_WORKER_NAMES), ==, 0);

  g_main_context_release (NULL);
  env_clear (&env);
  view_close (&v);
}

/* }}} */

/* Contexts that go away {{{ */

#define N_SHARED     64
#define N_CONTAINERS 16

static void
test_window_destroyed (gconstpointer data)
{
  gboolean attached = GPOINTER_TO_INT (data);
  g_autoptr(ResmgrCleanupReport) report = NULL;
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func ((GDestroyNotify) g_array_unref);
  g_autoptr(GError) error = NULL;
  guint textures[N_SHARED], buffers[N_SHARED], renderbuffers[N_SHARED];
  guint vaos[N_CONTAINERS], fbos[N_CONTAINERS];
  guint other_vaos[N_CONTAINERS], other_fbos[N_CONTAINERS];
  GWeakRef context_ref;
  GdkGLContext *context, *other;
  View v = { 0 }, w = { 0 };
  guint overlap = 0;
  Env env;

  g_test_summary (attached
                  ? "The window of an attached area is destroyed before the cleanup: its "
                    "container objects are deleted in its context at unrealize; the area's "
                    "context is kept for the shareable ones, deleted through it by the "
                    "cleanup, which lets go of it: the context is then finalized."
                  : "The window is destroyed before the cleanup and its context finalized: "
                    "shareable objects are still deleted through another context of the "
                    "display (checked from a new GtkGLArea), container objects are reported "
                    "lost with no GL call (the same numeric names in the new area survive).");

  if (!have_display)
    {
      g_test_skip ("No display");
      return;
    }
  if (!view_open (&v))
    {
      view_close (&v);
      return;
    }
  env_init (&env);
  context = view_context (&v);
  g_weak_ref_init (&context_ref, context);

  if (attached)
    resmgr_gl_coordinator_attach_area (env.coord, GTK_GL_AREA (v.area));

  gdk_gl_context_make_current (context);
  gl_create (RESMGR_GL_OBJECT_TEXTURE, N_SHARED, textures);
  gl_create (RESMGR_GL_OBJECT_BUFFER, N_SHARED, buffers);
  gl_create (RESMGR_GL_OBJECT_RENDERBUFFER, N_SHARED, renderbuffers);
  gl_create (RESMGR_GL_OBJECT_VERTEX_ARRAY, N_CONTAINERS, vaos);
  gl_create (RESMGR_GL_OBJECT_FRAMEBUFFER, N_CONTAINERS, fbos);
  g_ptr_array_add (ids, track_names (env.coord, context, RESMGR_GL_OBJECT_TEXTURE, textures, N_SHARED, 256));
  g_ptr_array_add (ids, track_names (env.coord, context, RESMGR_GL_OBJECT_BUFFER, buffers, N_SHARED, 256));
  g_ptr_array_add (ids, track_names (env.coord, context, RESMGR_GL_OBJECT_RENDERBUFFER, renderbuffers, N_SHARED, 256));
  g_ptr_array_add (ids, track_names (env.coord, context, RESMGR_GL_OBJECT_VERTEX_ARRAY, vaos, N_CONTAINERS, 0));
  g_ptr_array_add (ids, track_names (env.coord, context, RESMGR_GL_OBJECT_FRAMEBUFFER, fbos, N_CONTAINERS, 0));

  /* A second window, whose area's context has container objects with
   * (mostly) the same numeric names. */
  if (!view_open (&w))
    g_assert_not_reached ();
  other = view_context (&w);
  gdk_gl_context_make_current (other);
  gl_create (RESMGR_GL_OBJECT_VERTEX_ARRAY, N_CONTAINERS, other_vaos);
  gl_create (RESMGR_GL_OBJECT_FRAMEBUFFER, N_CONTAINERS, other_fbos);
  for (guint i = 0; i < N_CONTAINERS; i++)
    for (guint j = 0; j < N_CONTAINERS; j++)
      overlap += (vaos[i] == other_vaos[j]) + (fbos[i] == other_fbos[j]);
  g_assert_cmpuint (overlap, >, 0);
  gdk_gl_context_clear_current ();

  /* The first window goes, and with it (once GTK let go of it) its
   * context, unless the coordinator keeps it for the shareable objects. */
  gtk_window_destroy (GTK_WINDOW (v.window));
  v.window = NULL;
  g_clear_object (&v.area);
  if (!attached)
    wait_for (weak_ref_cleared, &context_ref, "the destroyed window's GL context to be finalized");
  else
    {
      /* Kept, for the shareable objects made in it. */
      iterate_pending ();
      g_assert_false (weak_ref_cleared (&context_ref));

      /* Deleted in their own context at unrealize, and no longer tracked. */
      for (guint i = 3; i < 5; i++)
        {
          GArray *kind_ids = g_ptr_array_index (ids, i);

          for (guint j = 0; j < kind_ids->len; j++)
            g_assert_cmpuint (resmgr_gl_coordinator_get_name (env.coord, g_array_index (kind_ids, guint64, j)), ==, 0);
        }
    }

  /* No main loop iteration from here to the checks. */
  report = resmgr_coordinator_cleanup_all (COORD (env.coord), &error);
  g_assert_no_error (error);
  g_assert_nonnull (report);
  g_assert_cmpuint (resmgr_cleanup_report_get_failed (report), ==, 0);
  g_assert_cmpuint (resmgr_cleanup_report_get_lost (report), ==, attached ? 0 : 2 * N_CONTAINERS);
  g_assert_cmpuint (resmgr_cleanup_report_get_released (report), ==, 3 * N_SHARED + 1);
  g_assert_cmpuint (resmgr_gl_coordinator_get_n_pending (env.coord), ==, 0);

  g_assert_cmpuint (count_alive (other, RESMGR_GL_OBJECT_TEXTURE, textures, N_SHARED), ==, 0);
  g_assert_cmpuint (count_alive (other, RESMGR_GL_OBJECT_BUFFER, buffers, N_SHARED), ==, 0);
  g_assert_cmpuint (count_alive (other, RESMGR_GL_OBJECT_RENDERBUFFER, renderbuffers, N_SHARED), ==, 0);
  g_assert_cmpuint (count_alive (other, RESMGR_GL_OBJECT_VERTEX_ARRAY, other_vaos, N_CONTAINERS), ==, N_CONTAINERS);
  g_assert_cmpuint (count_alive (other, RESMGR_GL_OBJECT_FRAMEBUFFER, other_fbos, N_CONTAINERS), ==, N_CONTAINERS);

  gdk_gl_context_make_current (other);
  glDeleteVertexArrays (N_CONTAINERS, other_vaos);
  glDeleteFramebuffers (N_CONTAINERS, other_fbos);
  gdk_gl_context_clear_current ();

  /* Nothing tracked needs the kept context any more: the cleanup let go
   * of it, with the coordinator still alive. */
  wait_for (weak_ref_cleared, &context_ref, "the kept GL context to be finalized after the cleanup");
  g_weak_ref_clear (&context_ref);

  env_clear (&env);
  view_close (&w);
}

/* }}} */

/* Re-creation when an area moves to another window {{{ */

static guint
create_vao (GdkGLContext  *context,
            gpointer       user_data,
            GError       **error)
{
  guint vao = 0;

  g_assert_true (gdk_gl_context_get_current () == context);
  glCreateVertexArrays (1, &vao);
  (*(guint *) user_data)++;

  return vao;
}

typedef struct
{
  guint texture;
  guint n_created;
} FboData;

static guint
create_fbo (GdkGLContext  *context,
            gpointer       user_data,
            GError       **error)
{
  FboData *d = user_data;
  guint fbo = 0;

  g_assert_true (gdk_gl_context_get_current () == context);
  glCreateFramebuffers (1, &fbo);
  glNamedFramebufferTexture (fbo, GL_COLOR_ATTACHMENT0, d->texture, 0);
  d->n_created++;

  return fbo;
}

static const guint8 texture_pixels[4 * 4 * 4] = {
  0x10, 0x20, 0x30, 0x40,  0x50, 0x60, 0x70, 0x80,  0x90, 0xa0, 0xb0, 0xc0,  0xd0, 0xe0, 0xf0, 0xff,
  0x01, 0x02, 0x03, 0x04,  0x05, 0x06, 0x07, 0x08,  0x09, 0x0a, 0x0b, 0x0c,  0x0d, 0x0e, 0x0f, 0x11,
  0x12, 0x13, 0x14, 0x15,  0x16, 0x17, 0x18, 0x19,  0x1a, 0x1b, 0x1c, 0x1d,  0x1e, 0x1f, 0x21, 0x22,
  0x23, 0x24, 0x25, 0x26,  0x27, 0x28, 0x29, 0x2a,  0x2b, 0x2c, 0x2d, 0x2e,  0x2f, 0x31, 0x32, 0x33,
};

typedef struct
{
  GtkGLArea *area;
  GdkGLContext *old;
} MovedData;

static gboolean
area_moved (gpointer data)
{
  MovedData *m = data;

  return area_ready (m->area) && gtk_gl_area_get_context (m->area) != m->old;
}

/* Checks everything after a move, with the area's new context. */
static void
check_moved (Env          *env,
             GtkGLArea    *area,
             guint64       vao_id,
             guint64       fbo_id,
             guint64       tex_id,
             guint64       buf_id,
             guint         texture,
             guint         buffer,
             guint         expected_creations,
             guint         n_vao_created,
             FboData      *fbo_data)
{
  GdkGLContext *context = gtk_gl_area_get_context (area);
  guint vao = resmgr_gl_coordinator_get_name (env->coord, vao_id);
  guint fbo = resmgr_gl_coordinator_get_name (env->coord, fbo_id);
  guint8 pixels[sizeof texture_pixels];
  float clear[4] = { 0.0f, 1.0f, 0.0f, 1.0f };
  guint8 green[4];
  g_autoptr(ResmgrHandle) looked_up = NULL;
  g_autoptr(GError) error = NULL;

  /* Re-created once more, in the new context; the ids stay valid. */
  g_assert_cmpuint (n_vao_created, ==, expected_creations);
  g_assert_cmpuint (fbo_data->n_created, ==, expected_creations);
  g_assert_cmpuint (vao, !=, 0);
  g_assert_cmpuint (fbo, !=, 0);
  g_assert_true (resmgr_gl_coordinator_get_context_for (env->coord, vao_id) == context);
  g_assert_true (resmgr_gl_coordinator_get_context_for (env->coord, fbo_id) == context);
  looked_up = resmgr_service_lookup (SERVICE (env->manager), vao_id, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (state_name (resmgr_handle_get_state (looked_up)), ==, "active");

  /* Shareable objects carried over unchanged. */
  g_assert_cmpuint (resmgr_gl_coordinator_get_name (env->coord, tex_id), ==, texture);
  g_assert_cmpuint (resmgr_gl_coordinator_get_name (env->coord, buf_id), ==, buffer);

  gdk_gl_context_make_current (context);
  g_assert_true (glIsVertexArray (vao));
  g_assert_true (glIsFramebuffer (fbo));
  g_assert_true (glIsTexture (texture));
  g_assert_true (glIsBuffer (buffer));

  memset (pixels, 0, sizeof pixels);
  glGetTextureImage (texture, 0, GL_RGBA, GL_UNSIGNED_BYTE, sizeof pixels, pixels);
  g_assert_cmpmem (pixels, sizeof pixels, texture_pixels, sizeof texture_pixels);

  /* Usable: the VAO takes the buffer, the FBO renders into the texture. */
  glVertexArrayVertexBuffer (vao, 0, buffer, 0, 16);
  glEnableVertexArrayAttrib (vao, 0);
  g_assert_cmphex (glCheckNamedFramebufferStatus (fbo, GL_FRAMEBUFFER), ==, GL_FRAMEBUFFER_COMPLETE);
  glClearNamedFramebufferfv (fbo, GL_COLOR, 0, clear);
  glGetTextureSubImage (texture, 0, 0, 0, 0, 1, 1, 1, GL_RGBA, GL_UNSIGNED_BYTE, sizeof green, green);
  g_assert_cmpuint (green[0], ==, 0);
  g_assert_cmpuint (green[1], ==, 255);
  g_assert_cmphex (glGetError (), ==, GL_NO_ERROR);

  /* Back to the original contents for the next check. */
  glTextureSubImage2D (texture, 0, 0, 0, 4, 4, GL_RGBA, GL_UNSIGNED_BYTE, texture_pixels);
  gdk_gl_context_clear_current ();
}

static void
move_area (GtkWidget *area,
           GtkWidget *from,
           GtkWidget *to)
{
  MovedData m = { GTK_GL_AREA (area), gtk_gl_area_get_context (GTK_GL_AREA (area)) };
  GWeakRef old_ref;

  g_weak_ref_init (&old_ref, m.old);
  gtk_window_set_child (GTK_WINDOW (from), NULL);
  gtk_window_set_child (GTK_WINDOW (to), area);
  m.old = NULL;
  wait_for (area_moved, &m, "the area to realize in its new window");
  /* The old context is gone for good (so a stale pointer cannot compare
   * equal to the new one). */
  wait_for (weak_ref_cleared, &old_ref, "the old GL context to be finalized");
  g_weak_ref_clear (&old_ref);
}

static void
test_reparent (void)
{
  guint64 vao_id, fbo_id, tex_id, buf_id;
  g_autoptr(ResmgrCleanupReport) report = NULL;
  g_autoptr(GError) error = NULL;
  FboData fbo_data = { 0 };
  guint n_vao_created = 0;
  guint texture, buffer, vao, fbo;
  GdkGLContext *context;
  GtkWidget *second;
  View v = { 0 };
  Env env;

  g_test_summary ("An attached area moves to a second window and back: its container "
                  "objects are re-created in each new context (ids valid, objects "
                  "usable), its shareable objects keep their names and contents.");

  if (!have_display)
    {
      g_test_skip ("No display");
      return;
    }
  if (!view_open (&v))
    {
      view_close (&v);
      return;
    }
  env_init (&env);
  context = view_context (&v);
  resmgr_gl_coordinator_attach_area (env.coord, GTK_GL_AREA (v.area));

  gdk_gl_context_make_current (context);
  glCreateTextures (GL_TEXTURE_2D, 1, &texture);
  glTextureStorage2D (texture, 1, GL_RGBA8, 4, 4);
  glTextureSubImage2D (texture, 0, 0, 0, 4, 4, GL_RGBA, GL_UNSIGNED_BYTE, texture_pixels);
  glCreateBuffers (1, &buffer);
  glNamedBufferData (buffer, 64, NULL, GL_STATIC_DRAW);
  g_assert_cmphex (glGetError (), ==, GL_NO_ERROR);

  tex_id = resmgr_gl_coordinator_track (env.coord, context, RESMGR_GL_OBJECT_TEXTURE, texture, 64, "texture", &error);
  g_assert_no_error (error);
  buf_id = resmgr_gl_coordinator_track (env.coord, context, RESMGR_GL_OBJECT_BUFFER, buffer, 64, "buffer", &error);
  g_assert_no_error (error);
  fbo_data.texture = texture;
  vao_id = resmgr_gl_coordinator_track_recreatable (env.coord, context, RESMGR_GL_OBJECT_VERTEX_ARRAY, 0, "vao",
                                                    create_vao, &n_vao_created, NULL, &error);
  g_assert_no_error (error);
  fbo_id = resmgr_gl_coordinator_track_recreatable (env.coord, context, RESMGR_GL_OBJECT_FRAMEBUFFER, 0, "fbo",
                                                    create_fbo, &fbo_data, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (n_vao_created, ==, 1);
  vao = resmgr_gl_coordinator_get_name (env.coord, vao_id);
  fbo = resmgr_gl_coordinator_get_name (env.coord, fbo_id);
  g_assert_cmpuint (count_alive (context, RESMGR_GL_OBJECT_VERTEX_ARRAY, &vao, 1), ==, 1);
  g_assert_cmpuint (count_alive (context, RESMGR_GL_OBJECT_FRAMEBUFFER, &fbo, 1), ==, 1);
  gdk_gl_context_clear_current ();

  second = window_new ();
  move_area (v.area, v.window, second);
  check_moved (&env, GTK_GL_AREA (v.area), vao_id, fbo_id, tex_id, buf_id,
               texture, buffer, 2, n_vao_created, &fbo_data);

  move_area (v.area, second, v.window);
  check_moved (&env, GTK_GL_AREA (v.area), vao_id, fbo_id, tex_id, buf_id,
               texture, buffer, 3, n_vao_created, &fbo_data);

  context = view_context (&v);
  vao = resmgr_gl_coordinator_get_name (env.coord, vao_id);
  fbo = resmgr_gl_coordinator_get_name (env.coord, fbo_id);
  report = resmgr_coordinator_cleanup_all (COORD (env.coord), &error);
  g_assert_no_error (error);
  g_assert_true (resmgr_cleanup_report_is_clean (report));
  g_assert_cmpuint (resmgr_cleanup_report_get_released (report), ==, 4 + 1);
  g_assert_cmpuint (count_alive (context, RESMGR_GL_OBJECT_VERTEX_ARRAY, &vao, 1), ==, 0);
  g_assert_cmpuint (count_alive (context, RESMGR_GL_OBJECT_FRAMEBUFFER, &fbo, 1), ==, 0);
  g_assert_cmpuint (count_alive (context, RESMGR_GL_OBJECT_TEXTURE, &texture, 1), ==, 0);
  g_assert_cmpuint (count_alive (context, RESMGR_GL_OBJECT_BUFFER, &buffer, 1), ==, 0);

  gtk_window_destroy (GTK_WINDOW (second));
  env_clear (&env);
  view_close (&v);
}

/* }}} */

/* Two areas, the same vertex array names {{{ */

#define N_VAOS 4

static void
test_same_names (void)
{
  g_autoptr(GArray) a_ids = NULL;
  g_autoptr(GArray) b_ids = NULL;
  g_autoptr(ResmgrCleanupReport) report = NULL;
  g_autoptr(GError) error = NULL;
  guint a_vaos[N_VAOS], b_vaos[N_VAOS];
  GdkGLContext *a, *b;
  View va = { 0 }, vb = { 0 };
  guint common = 0;
  Env env;

  g_test_summary ("Two areas whose vertex arrays have the same numeric names: releasing "
                  "one area's deletes them in its own context only.");

  if (!have_display)
    {
      g_test_skip ("No display");
      return;
    }
  if (!view_open (&va) || !view_open (&vb))
    {
      view_close (&va);
      view_close (&vb);
      return;
    }
  env_init (&env);
  a = view_context (&va);
  b = view_context (&vb);
  g_assert_true (a != b);

  gdk_gl_context_make_current (a);
  gl_create (RESMGR_GL_OBJECT_VERTEX_ARRAY, N_VAOS, a_vaos);
  gdk_gl_context_make_current (b);
  gl_create (RESMGR_GL_OBJECT_VERTEX_ARRAY, N_VAOS, b_vaos);
  gdk_gl_context_clear_current ();
  for (guint i = 0; i < N_VAOS; i++)
    for (guint j = 0; j < N_VAOS; j++)
      common += a_vaos[i] == b_vaos[j];
  g_test_message ("%u of %u vertex array names are the same in both contexts", common, N_VAOS);
  g_assert_cmpuint (common, >, 0);

  a_ids = track_names (env.coord, a, RESMGR_GL_OBJECT_VERTEX_ARRAY, a_vaos, N_VAOS, 0);
  b_ids = track_names (env.coord, b, RESMGR_GL_OBJECT_VERTEX_ARRAY, b_vaos, N_VAOS, 0);

  g_assert_true (resmgr_gl_coordinator_release_many (env.coord, IDS (a_ids), a_ids->len, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (count_alive (a, RESMGR_GL_OBJECT_VERTEX_ARRAY, a_vaos, N_VAOS), ==, 0);
  g_assert_cmpuint (count_alive (b, RESMGR_GL_OBJECT_VERTEX_ARRAY, b_vaos, N_VAOS), ==, N_VAOS);

  report = resmgr_coordinator_cleanup_all (COORD (env.coord), &error);
  g_assert_no_error (error);
  g_assert_true (resmgr_cleanup_report_is_clean (report));
  g_assert_cmpuint (count_alive (b, RESMGR_GL_OBJECT_VERTEX_ARRAY, b_vaos, N_VAOS), ==, 0);

  env_clear (&env);
  view_close (&va);
  view_close (&vb);
}

/* }}} */

/* Allocations per track {{{ */

#ifdef HAVE_MALLINFO2
#include <malloc.h>

#define N_ALLOC_TRACKS 10000

static gboolean
never_fails_cleanup (gpointer   resource,
                     gpointer   user_data,
                     GError   **error)
{
  return TRUE;
}
#endif

static void
test_alloc_per_track (void)
{
#ifdef HAVE_MALLINFO2
  g_autoptr(TestComponent) direct = NULL;
  g_autoptr(ResmgrCleanupReport) report = NULL;
  g_autoptr(GError) error = NULL;
  gsize before, service_bytes, gl_bytes;
  GdkGLContext *context;
  static int resource;
  View v = { 0 };
  Env env;

  g_test_summary ("A GL track allocates, beyond the service's entry, only the coordinator's "
                  "record of the name (kind, name, context, id) and its slot in the id "
                  "table: no handle, no copy of the label (mallinfo2 deltas against the same "
                  "number of plain service tracks with the same name).");

  if (!have_display)
    {
      g_test_skip ("No display");
      return;
    }
  if (!view_open (&v))
    {
      view_close (&v);
      return;
    }
  env_init (&env);
  context = view_context (&v);
  direct = test_component_new (NULL);
  g_assert_true (resmgr_service_register_component (SERVICE (env.manager), G_OBJECT (direct), "direct", &error));
  g_assert_no_error (error);

  before = mallinfo2 ().uordblks;
  for (guint i = 0; i < N_ALLOC_TRACKS; i++)
    g_assert_cmpuint (resmgr_service_track_resource (SERVICE (env.manager), G_OBJECT (direct),
                                                     RESMGR_RESOURCE_TYPE_GL_OBJECT, "a labelled GL object", 0,
                                                     RESMGR_PRIORITY_DEFAULT, &resource,
                                                     never_fails_cleanup, NULL, NULL, NULL), !=, 0);
  service_bytes = mallinfo2 ().uordblks - before;

  /* Names no GL object has: no GL call is made until their deletion,
   * which GL ignores for names that are not objects. */
  before = mallinfo2 ().uordblks;
  for (guint i = 0; i < N_ALLOC_TRACKS; i++)
    g_assert_cmpuint (resmgr_gl_coordinator_track (env.coord, context, RESMGR_GL_OBJECT_BUFFER, 0x100000 + i,
                                                   0, "a labelled GL object", NULL), !=, 0);
  gl_bytes = mallinfo2 ().uordblks - before;

  g_test_message ("bytes per track: service %.1f, GL coordinator %.1f",
                  (double) service_bytes / N_ALLOC_TRACKS, (double) gl_bytes / N_ALLOC_TRACKS);
  if (service_bytes < N_ALLOC_TRACKS * sizeof (guint64))
    g_test_skip ("mallinfo2() does not see this process's allocations (valgrind?)");
  else
    /* The record is one 64-byte malloc chunk; the table slot (key, value,
     * hash) 20 bytes at most twice over after a growth step. A handle kept
     * per track would add 80 more, a label copy 32. */
    g_assert_cmpuint (gl_bytes, <=, service_bytes + N_ALLOC_TRACKS * (64 + 48));

  report = resmgr_coordinator_cleanup_all (COORD (env.coord), &error);
  g_assert_no_error (error);
  g_clear_pointer (&report, resmgr_cleanup_report_unref);
  report = resmgr_service_cleanup_component (SERVICE (env.manager), G_OBJECT (direct), NULL);
  env_clear (&env);
  view_close (&v);
#else
  g_test_skip ("mallinfo2() is unavailable or meaningless here (AddressSanitizer)");
#endif
}

/* }}} */

/* Handing an area over to another coordinator {{{ */

static void
set_flag (gpointer data)
{
  g_atomic_int_set ((gint *) data, 1);
}

static void
test_detach_area (void)
{
  g_autoptr(ResmgrCleanupReport) report = NULL;
  g_autoptr(GError) error = NULL;
  guint n_first_created = 0, n_second_created = 0;
  guint64 texture_id, first_vao_id, second_vao_id;
  gint context_finalized = 0;
  GdkGLContext *context;
  GtkWidget *second_window;
  guint texture, vao;
  View v = { 0 }, w = { 0 };
  Env first, second;

  g_test_summary ("A GL area handed over from one component's coordinator to another's: the "
                  "first detaches it and no longer follows it (the area's context is not kept "
                  "for its texture: the context is finalized with its window), the second attaches it and re-creates its vertex array when the "
                  "area moves; the first one's texture is deleted at its cleanup through "
                  "another context of the display.");

  if (!have_display)
    {
      g_test_skip ("No display");
      return;
    }
  if (!view_open (&v) || !view_open (&w))
    {
      view_close (&v);
      view_close (&w);
      return;
    }
  env_init (&first);
  env_init (&second);
  context = view_context (&v);

  /* The first component draws in the area: a texture and a vertex array. */
  resmgr_gl_coordinator_attach_area (first.coord, GTK_GL_AREA (v.area));
  gdk_gl_context_make_current (context);
  gl_create (RESMGR_GL_OBJECT_TEXTURE, 1, &texture);
  gdk_gl_context_clear_current ();
  texture_id = resmgr_gl_coordinator_track (first.coord, context, RESMGR_GL_OBJECT_TEXTURE, texture, 64,
                                            "first texture", &error);
  g_assert_no_error (error);
  first_vao_id = resmgr_gl_coordinator_track_recreatable (first.coord, context, RESMGR_GL_OBJECT_VERTEX_ARRAY, 0,
                                                          "first vao", create_vao, &n_first_created, NULL, &error);
  g_assert_no_error (error);

  /* It hands the area over: its vertex array goes, the area is detached;
   * the texture stays the first component's. */
  g_assert_true (resmgr_coordinator_release (COORD (first.coord), first_vao_id, &error));
  g_assert_no_error (error);
  resmgr_gl_coordinator_detach_area (first.coord, GTK_GL_AREA (v.area));
  /* Detaching an area that is not attached does nothing. */
  resmgr_gl_coordinator_detach_area (first.coord, GTK_GL_AREA (v.area));

  resmgr_gl_coordinator_attach_area (second.coord, GTK_GL_AREA (v.area));
  second_vao_id = resmgr_gl_coordinator_track_recreatable (second.coord, context, RESMGR_GL_OBJECT_VERTEX_ARRAY, 0,
                                                           "second vao", create_vao, &n_second_created, NULL,
                                                           &error);
  g_assert_no_error (error);

  /* The area moves: the second re-creates its vertex array there. */
  second_window = window_new ();
  move_area (v.area, v.window, second_window);
  context = view_context (&v);
  g_assert_cmpuint (n_second_created, ==, 2);
  g_assert_cmpuint (n_first_created, ==, 1);
  g_assert_true (resmgr_gl_coordinator_get_context_for (second.coord, second_vao_id) == context);
  vao = resmgr_gl_coordinator_get_name (second.coord, second_vao_id);
  g_assert_cmpuint (count_alive (context, RESMGR_GL_OBJECT_VERTEX_ARRAY, &vao, 1), ==, 1);
  /* The texture carried over, still the first component's. */
  g_assert_cmpuint (resmgr_gl_coordinator_get_name (first.coord, texture_id), ==, texture);

  /* The area's window goes, the area with it. Attached, the first
   * coordinator would keep the area's context for its texture until the
   * texture is deleted (GDK disposes the context with its surface, but the
   * object lives on); detached, nothing keeps it. */
  g_object_set_data_full (G_OBJECT (context), "test-finalized", &context_finalized, set_flag);
  gtk_window_destroy (GTK_WINDOW (second_window));
  g_clear_object (&v.area);
  wait_for (flag_set, &context_finalized, "the handed-over area's GL context to be finalized");

  /* The first component's texture, through another context. */
  report = resmgr_coordinator_cleanup_all (COORD (first.coord), &error);
  g_assert_no_error (error);
  g_assert_true (resmgr_cleanup_report_is_clean (report));
  g_assert_cmpuint (resmgr_cleanup_report_get_released (report), ==, 1 + 1);
  g_assert_cmpuint (count_alive (view_context (&w), RESMGR_GL_OBJECT_TEXTURE, &texture, 1), ==, 0);
  g_clear_pointer (&report, resmgr_cleanup_report_unref);

  /* The second one's vertex array went with its context, at the unrealize. */
  g_assert_cmpuint (resmgr_gl_coordinator_get_name (second.coord, second_vao_id), ==, 0);
  report = resmgr_coordinator_cleanup_all (COORD (second.coord), &error);
  g_assert_no_error (error);
  g_assert_true (resmgr_cleanup_report_is_clean (report));

  env_clear (&first);
  env_clear (&second);
  view_close (&v);
  view_close (&w);
}

/* }}} */

/* A context kept for shareable objects {{{ */

static void
test_kept_until_last_shareable (void)
{
  g_autoptr(ResmgrCleanupReport) report = NULL;
  g_autoptr(GError) error = NULL;
  guint64 texture_ids[2], vao_id;
  guint n_vao_created = 0;
  GdkGLContext *context;
  GWeakRef context_ref;
  guint textures[2];
  View v = { 0 }, w = { 0 };
  Env env;

  g_test_summary ("The context of an attached area kept since its unrealize (its window "
                  "destroyed) for shareable objects is let go as soon as the last of them "
                  "is deleted, while the coordinator lives and still tracks a container "
                  "object: the destroyed window's context is then finalized.");

  if (!have_display)
    {
      g_test_skip ("No display");
      return;
    }
  if (!view_open (&v) || !view_open (&w))
    {
      view_close (&v);
      view_close (&w);
      return;
    }
  env_init (&env);
  context = view_context (&v);
  g_weak_ref_init (&context_ref, context);
  resmgr_gl_coordinator_attach_area (env.coord, GTK_GL_AREA (v.area));

  gdk_gl_context_make_current (context);
  gl_create (RESMGR_GL_OBJECT_TEXTURE, 2, textures);
  gdk_gl_context_clear_current ();
  for (guint i = 0; i < 2; i++)
    {
      texture_ids[i] = resmgr_gl_coordinator_track (env.coord, context, RESMGR_GL_OBJECT_TEXTURE, textures[i], 64,
                                                    NULL, &error);
      g_assert_no_error (error);
    }
  vao_id = resmgr_gl_coordinator_track_recreatable (env.coord, context, RESMGR_GL_OBJECT_VERTEX_ARRAY, 0, "vao",
                                                    create_vao, &n_vao_created, NULL, &error);
  g_assert_no_error (error);

  /* The window goes; the context is kept for the two textures. */
  gtk_window_destroy (GTK_WINDOW (v.window));
  v.window = NULL;
  g_clear_object (&v.area);
  iterate_pending ();
  g_assert_false (weak_ref_cleared (&context_ref));
  g_assert_cmpuint (resmgr_gl_coordinator_get_name (env.coord, vao_id), ==, 0);

  /* One texture deleted (through the kept context): the other still
   * needs it. */
  g_assert_true (resmgr_gl_coordinator_release_many (env.coord, &texture_ids[0], 1, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (count_alive (view_context (&w), RESMGR_GL_OBJECT_TEXTURE, &textures[0], 1), ==, 0);
  iterate_pending ();
  g_assert_false (weak_ref_cleared (&context_ref));

  /* The last one, by a single release (deleted from an idle): nothing
   * tracked needs the context any more, though the vertex array waits for
   * a realize that will not come and the coordinator lives on. */
  g_assert_true (resmgr_coordinator_release (COORD (env.coord), texture_ids[1], &error));
  g_assert_no_error (error);
  wait_for (weak_ref_cleared, &context_ref, "the kept GL context to be finalized after its last texture");
  g_weak_ref_clear (&context_ref);
  g_assert_cmpuint (resmgr_gl_coordinator_get_n_pending (env.coord), ==, 0);

  report = resmgr_coordinator_cleanup_all (COORD (env.coord), &error);
  g_assert_no_error (error);
  g_assert_true (resmgr_cleanup_report_is_clean (report));
  g_assert_cmpuint (resmgr_cleanup_report_get_released (report), ==, 1 + 1);
  g_assert_cmpuint (n_vao_created, ==, 1);

  env_clear (&env);
  view_close (&w);
}

/* }}} */

/* Frames {{{ */

#define N_FRAME_NAMES 100

typedef struct
{
  Env          *env;
  guint        *names;
  gint          done;
  guint         pending_mid_frame;
  guint         alive_mid_frame;
  guint         alive_after_frame;
  gboolean      was_in_frame;
  guint         released;
} FrameData;

static gboolean
render_cb (GtkGLArea    *area,
           GdkGLContext *context,
           FrameData    *fd)
{
  g_autoptr(ResmgrCleanupReport) report = NULL;
  g_autoptr(GError) error = NULL;

  if (g_atomic_int_get (&fd->done))
    return FALSE;

  g_assert_true (resmgr_gl_coordinator_begin_frame (fd->env->coord, &error));
  g_assert_no_error (error);

  glClearColor (0, 0, 0, 1);
  glClear (GL_COLOR_BUFFER_BIT);

  /* The component is cleaned in the middle of the frame. */
  report = resmgr_coordinator_cleanup_all (COORD (fd->env->coord), &error);
  g_assert_no_error (error);
  fd->released = resmgr_cleanup_report_get_released (report);
  fd->was_in_frame = resmgr_gl_coordinator_is_in_frame (fd->env->coord);
  fd->pending_mid_frame = resmgr_gl_coordinator_get_n_pending (fd->env->coord);
  fd->alive_mid_frame = count_alive (context, RESMGR_GL_OBJECT_TEXTURE, fd->names, N_FRAME_NAMES);

  resmgr_gl_coordinator_end_frame (fd->env->coord);
  g_assert_true (gdk_gl_context_get_current () == context);
  fd->alive_after_frame = count_alive (context, RESMGR_GL_OBJECT_TEXTURE, fd->names, N_FRAME_NAMES);

  g_atomic_int_set (&fd->done, 1);

  return TRUE;
}

static void
test_cleanup_mid_frame (void)
{
  g_autoptr(GArray) ids = NULL;
  guint names[N_FRAME_NAMES];
  FrameData fd = { 0 };
  GdkGLContext *context;
  gulong id;
  View v = { 0 };
  Env env;

  g_test_summary ("A cleanup requested during a frame (in GtkGLArea::render) waits for the "
                  "frame's end: the names are alive until end_frame and gone right after.");

  if (!have_display)
    {
      g_test_skip ("No display");
      return;
    }
  if (!view_open (&v))
    {
      view_close (&v);
      return;
    }
  env_init (&env);
  context = view_context (&v);

  gdk_gl_context_make_current (context);
  gl_create (RESMGR_GL_OBJECT_TEXTURE, N_FRAME_NAMES, names);
  ids = track_names (env.coord, context, RESMGR_GL_OBJECT_TEXTURE, names, N_FRAME_NAMES, 16);

  fd.env = &env;
  fd.names = names;
  id = g_signal_connect (v.area, "render", G_CALLBACK (render_cb), &fd);
  gtk_gl_area_queue_render (GTK_GL_AREA (v.area));
  wait_for (flag_set, &fd.done, "a frame of the GL area");
  g_signal_handler_disconnect (v.area, id);

  g_assert_true (fd.was_in_frame);
  g_assert_cmpuint (fd.released, ==, N_FRAME_NAMES + 1);
  g_assert_cmpuint (fd.pending_mid_frame, ==, N_FRAME_NAMES);
  g_assert_cmpuint (fd.alive_mid_frame, ==, N_FRAME_NAMES);
  g_assert_cmpuint (fd.alive_after_frame, ==, 0);
  g_assert_false (resmgr_gl_coordinator_is_in_frame (env.coord));
  g_assert_cmpuint (resmgr_gl_coordinator_get_n_pending (env.coord), ==, 0);

  env_clear (&env);
  view_close (&v);
}

typedef struct
{
  ResmgrGLCoordinator *coord;
  guint                n_messages;
  guint                n_refused;
  guint                n_began;
  GLenum               type;
} DebugData;

static void GLAPIENTRY
debug_cb (GLenum        source,
          GLenum        type,
          GLuint        id,
          GLenum        severity,
          GLsizei       length,
          const GLchar *message,
          const void   *user_data)
{
  DebugData *dd = (DebugData *) user_data;
  g_autoptr(GError) error = NULL;

  if (type != GL_DEBUG_TYPE_ERROR)
    return;

  /* Called from inside glDeleteShader, so during the deletion. */
  dd->n_messages++;
  dd->type = type;
  if (resmgr_gl_coordinator_begin_frame (dd->coord, &error))
    {
      dd->n_began++;
      resmgr_gl_coordinator_end_frame (dd->coord);
    }
  else if (g_error_matches (error, RESMGR_ERROR, RESMGR_ERROR_CLEANUP_IN_PROGRESS))
    dd->n_refused++;
}

static void
test_no_frame_during_cleanup (void)
{
  g_autoptr(GError) error = NULL;
  DebugData dd = { 0 };
  GdkGLContext *context;
  guint64 ids[2];
  guint texture;
  View v = { 0 };
  Env env;

  g_test_summary ("No frame can begin while a deletion runs (begin_frame called from a "
                  "synchronous GL debug callback inside glDelete* is refused with "
                  "CLEANUP_IN_PROGRESS); a GL error of the deletion is reported as a "
                  "failure, and the other names are still deleted.");

  if (!have_display)
    {
      g_test_skip ("No display");
      return;
    }
  if (!view_open (&v))
    {
      view_close (&v);
      return;
    }
  env_init (&env);
  context = view_context (&v);
  dd.coord = env.coord;

  gdk_gl_context_make_current (context);
  glEnable (GL_DEBUG_OUTPUT);
  glEnable (GL_DEBUG_OUTPUT_SYNCHRONOUS);
  glDebugMessageCallback (debug_cb, &dd);
  gl_create (RESMGR_GL_OBJECT_TEXTURE, 1, &texture);

  /* Not a shader: glDeleteShader raises GL_INVALID_VALUE. */
  ids[0] = resmgr_gl_coordinator_track (env.coord, context, RESMGR_GL_OBJECT_SHADER, 0x7ff0001, 0, "bogus", &error);
  g_assert_no_error (error);
  ids[1] = resmgr_gl_coordinator_track (env.coord, context, RESMGR_GL_OBJECT_TEXTURE, texture, 0, NULL, &error);
  g_assert_no_error (error);

  /* Only what the deletion raises. */
  dd.n_messages = dd.n_refused = dd.n_began = 0;
  g_assert_false (resmgr_gl_coordinator_release_many (env.coord, ids, 2, &error));
  g_assert_error (error, RESMGR_ERROR, RESMGR_ERROR_CLEANUP_FAILED);
  g_test_message ("Deletion error: %s", error->message);
  g_assert_nonnull (strstr (error->message, "0x0501"));
  g_clear_error (&error);

  if (dd.n_messages == 0)
    g_test_message ("The driver sent no debug message: begin_frame during a deletion not exercised");
  else
    {
      g_assert_cmpuint (dd.n_refused, ==, dd.n_messages);
      g_assert_cmpuint (dd.n_began, ==, 0);
    }

  g_assert_cmpuint (count_alive (context, RESMGR_GL_OBJECT_TEXTURE, &texture, 1), ==, 0);
  g_assert_true (resmgr_gl_coordinator_begin_frame (env.coord, &error));
  g_assert_no_error (error);
  resmgr_gl_coordinator_end_frame (env.coord);

  gdk_gl_context_make_current (context);
  glDebugMessageCallback (NULL, NULL);
  glDisable (GL_DEBUG_OUTPUT_SYNCHRONOUS);
  glDisable (GL_DEBUG_OUTPUT);
  gdk_gl_context_clear_current ();

  env_clear (&env);
  view_close (&v);
}

/* }}} */

/* The buffer pool {{{ */

typedef struct
{
  View                v;
  Env                 env;
  GdkGLContext       *context;
  ResmgrGLBufferPool *pool;
} PoolEnv;

static gboolean
pool_env_init (PoolEnv *pe,
               guint64  budget)
{
  memset (pe, 0, sizeof *pe);
  if (!have_display)
    {
      g_test_skip ("No display");
      return FALSE;
    }
  if (!view_open (&pe->v))
    {
      view_close (&pe->v);
      return FALSE;
    }
  env_init (&pe->env);
  pe->context = view_context (&pe->v);
  pe->pool = resmgr_gl_buffer_pool_new (pe->env.coord, budget);

  return TRUE;
}

static void
pool_env_clear (PoolEnv *pe)
{
  g_clear_object (&pe->pool);
  env_clear (&pe->env);
  view_close (&pe->v);
}

static guint
acquire_buffer (PoolEnv *pe,
                gsize    size)
{
  g_autoptr(GError) error = NULL;
  guint name = resmgr_gl_buffer_pool_acquire_buffer (pe->pool, pe->context, size, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (name, !=, 0);

  return name;
}

static gboolean
buffer_alive (PoolEnv *pe,
              guint    name)
{
  return count_alive (pe->context, RESMGR_GL_OBJECT_BUFFER, &name, 1) == 1;
}

static ResmgrGLBufferPoolStats
pool_stats (PoolEnv *pe)
{
  ResmgrGLBufferPoolStats stats;

  resmgr_gl_buffer_pool_get_stats (pe->pool, &stats);
  return stats;
}

static guint64
component_gl_bytes (Env *env)
{
  g_autoptr(ResmgrStats) stats = resmgr_coordinator_dup_stats (COORD (env->coord));

  return resmgr_stats_get_bytes (stats, RESMGR_RESOURCE_TYPE_GL_OBJECT);
}

static void
test_pool_hit_miss (void)
{
  g_autoptr(GError) error = NULL;
  ResmgrGLBufferPoolStats s;
  guint b1, b2, b3, t1, t2, t3;
  GLint size = 0, width = 0;
  PoolEnv pe;

  g_test_summary ("Objects are recycled by kind and size: same kind and size is a hit "
                  "(the same name), anything else a miss; names are real GL objects "
                  "of the right size; their bytes are charged to the component.");

  if (!pool_env_init (&pe, 1 << 20))
    return;

  b1 = acquire_buffer (&pe, 4096);
  g_assert_true (buffer_alive (&pe, b1));
  gdk_gl_context_make_current (pe.context);
  glGetNamedBufferParameteriv (b1, GL_BUFFER_SIZE, &size);
  g_assert_cmpint (size, ==, 4096);
  gdk_gl_context_clear_current ();

  g_assert_true (resmgr_gl_buffer_pool_release_buffer (pe.pool, b1));
  g_assert_false (resmgr_gl_buffer_pool_release_buffer (pe.pool, b1));
  b2 = acquire_buffer (&pe, 4096);
  g_assert_cmpuint (b2, ==, b1);
  b3 = acquire_buffer (&pe, 8192);
  g_assert_cmpuint (b3, !=, b1);

  t1 = resmgr_gl_buffer_pool_acquire_texture (pe.pool, pe.context, 16, 16, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (count_alive (pe.context, RESMGR_GL_OBJECT_TEXTURE, &t1, 1), ==, 1);
  gdk_gl_context_make_current (pe.context);
  glGetTextureLevelParameteriv (t1, 0, GL_TEXTURE_WIDTH, &width);
  g_assert_cmpint (width, ==, 16);
  gdk_gl_context_clear_current ();
  g_assert_true (resmgr_gl_buffer_pool_release_texture (pe.pool, t1));

  t2 = resmgr_gl_buffer_pool_acquire_texture (pe.pool, pe.context, 16, 16, GL_RGBA8, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (t2, ==, t1);
  t3 = resmgr_gl_buffer_pool_acquire_texture (pe.pool, pe.context, 16, 16, GL_R8, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (t3, !=, t1);
  g_assert_cmpuint (resmgr_gl_buffer_pool_acquire_texture (pe.pool, pe.context, 16, 16, GL_RGB565, &error), ==, 0);
  g_assert_error (error, RESMGR_ERROR, RESMGR_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  s = pool_stats (&pe);
  g_assert_cmpuint (s.hits, ==, 2);
  g_assert_cmpuint (s.misses, ==, 4);
  g_assert_cmpuint (s.n_in_use, ==, 4);
  g_assert_cmpuint (s.bytes_in_use, ==, 4096 + 8192 + 16 * 16 * 4 + 16 * 16);
  g_assert_cmpuint (s.n_pooled, ==, 0);
  /* Charged to the component: every object the pool made. */
  g_assert_cmpuint (component_gl_bytes (&pe.env), ==, s.bytes_in_use);

  resmgr_gl_buffer_pool_release_buffer (pe.pool, b2);
  resmgr_gl_buffer_pool_release_buffer (pe.pool, b3);
  resmgr_gl_buffer_pool_release_texture (pe.pool, t2);
  resmgr_gl_buffer_pool_release_texture (pe.pool, t3);
  s = pool_stats (&pe);
  g_assert_cmpuint (s.n_pooled, ==, 4);
  g_assert_cmpuint (s.bytes_pooled, ==, 4096 + 8192 + 16 * 16 * 4 + 16 * 16);
  g_assert_cmpuint (component_gl_bytes (&pe.env), ==, s.bytes_pooled);

  /* The pool goes: its idle objects with it. */
  g_clear_object (&pe.pool);
  g_assert_false (buffer_alive (&pe, b1));
  g_assert_false (buffer_alive (&pe, b3));
  g_assert_cmpuint (count_alive (pe.context, RESMGR_GL_OBJECT_TEXTURE, &t1, 1), ==, 0);
  g_assert_cmpuint (component_gl_bytes (&pe.env), ==, 0);

  pool_env_clear (&pe);
}

static void
test_pool_budget_lru (void)
{
  ResmgrGLBufferPoolStats s;
  guint b[5];
  PoolEnv pe;

  g_test_summary ("Idle objects stay within the byte budget: the least recently used go "
                  "first (deleted for GL at once); an object larger than the budget is "
                  "deleted at its release; lowering the budget evicts.");

  if (!pool_env_init (&pe, 3 * 4096))
    return;

  for (guint i = 0; i < 4; i++)
    b[i] = acquire_buffer (&pe, 4096);
  for (guint i = 0; i < 3; i++)
    resmgr_gl_buffer_pool_release_buffer (pe.pool, b[i]);
  s = pool_stats (&pe);
  g_assert_cmpuint (s.bytes_pooled, ==, 3 * 4096);
  g_assert_cmpuint (s.evictions, ==, 0);

  /* Over budget: b[0], the least recently used, goes. */
  resmgr_gl_buffer_pool_release_buffer (pe.pool, b[3]);
  s = pool_stats (&pe);
  g_assert_cmpuint (s.evictions, ==, 1);
  g_assert_cmpuint (s.bytes_pooled, ==, 3 * 4096);
  g_assert_false (buffer_alive (&pe, b[0]));
  for (guint i = 1; i < 4; i++)
    g_assert_true (buffer_alive (&pe, b[i]));

  /* Idle, least recently used first: b[1], b[2], b[3]; the warmest is
   * handed out first. Given back as b[2], b[1], b[3]. */
  g_assert_cmpuint (acquire_buffer (&pe, 4096), ==, b[3]);
  g_assert_cmpuint (acquire_buffer (&pe, 4096), ==, b[2]);
  g_assert_cmpuint (acquire_buffer (&pe, 4096), ==, b[1]);
  resmgr_gl_buffer_pool_release_buffer (pe.pool, b[2]);
  resmgr_gl_buffer_pool_release_buffer (pe.pool, b[1]);
  resmgr_gl_buffer_pool_release_buffer (pe.pool, b[3]);
  resmgr_gl_buffer_pool_set_budget (pe.pool, 4096);
  s = pool_stats (&pe);
  g_assert_cmpuint (s.evictions, ==, 3);
  g_assert_cmpuint (s.n_pooled, ==, 1);
  g_assert_false (buffer_alive (&pe, b[2]));
  g_assert_false (buffer_alive (&pe, b[1]));
  g_assert_true (buffer_alive (&pe, b[3]));

  /* Larger than the whole budget: deleted at release. */
  b[4] = acquire_buffer (&pe, 8192);
  resmgr_gl_buffer_pool_release_buffer (pe.pool, b[4]);
  s = pool_stats (&pe);
  g_assert_cmpuint (s.evictions, ==, 4);
  g_assert_false (buffer_alive (&pe, b[4]));
  g_assert_true (buffer_alive (&pe, b[3]));
  g_assert_cmpuint (component_gl_bytes (&pe.env), ==, 4096);

  pool_env_clear (&pe);
}

static void
test_pool_housekeeping (void)
{
  ResmgrGLBufferPoolStats s;
  guint old, young, kept;
  PoolEnv pe;

  g_test_summary ("housekeeping, once per frame, deletes the objects idle for more than "
                  "N frames, and only those.");

  if (!pool_env_init (&pe, 1 << 20))
    return;

  old = acquire_buffer (&pe, 1024);
  young = acquire_buffer (&pe, 1024);
  kept = acquire_buffer (&pe, 2048);

  resmgr_gl_buffer_pool_release_buffer (pe.pool, old);          /* idle from frame 0 */
  g_assert_cmpuint (resmgr_gl_buffer_pool_housekeeping (pe.pool, 2), ==, 0);  /* frame 1 */
  resmgr_gl_buffer_pool_release_buffer (pe.pool, young);        /* idle from frame 1 */
  g_assert_cmpuint (resmgr_gl_buffer_pool_housekeeping (pe.pool, 2), ==, 0);  /* 2: old idle 2 */
  g_assert_true (buffer_alive (&pe, old));
  g_assert_cmpuint (resmgr_gl_buffer_pool_housekeeping (pe.pool, 2), ==, 1);  /* 3: old idle 3 */
  g_assert_false (buffer_alive (&pe, old));
  g_assert_true (buffer_alive (&pe, young));
  g_assert_cmpuint (resmgr_gl_buffer_pool_housekeeping (pe.pool, 2), ==, 1);  /* 4: young idle 3 */
  g_assert_false (buffer_alive (&pe, young));

  /* Lent objects are never expired. */
  for (guint i = 0; i < 5; i++)
    g_assert_cmpuint (resmgr_gl_buffer_pool_housekeeping (pe.pool, 0), ==, 0);
  g_assert_true (buffer_alive (&pe, kept));

  s = pool_stats (&pe);
  g_assert_cmpuint (s.expired, ==, 2);
  g_assert_cmpuint (s.frame, ==, 9);
  g_assert_cmpuint (s.n_pooled, ==, 0);
  g_assert_cmpuint (s.n_in_use, ==, 1);

  resmgr_gl_buffer_pool_release_buffer (pe.pool, kept);
  g_assert_cmpuint (resmgr_gl_buffer_pool_housekeeping (pe.pool, 0), ==, 1);
  g_assert_false (buffer_alive (&pe, kept));

  pool_env_clear (&pe);
}

static void
test_pool_purge (void)
{
  g_autoptr(GMemoryMonitor) monitor = NULL;
  ResmgrGLBufferPoolStats s;
  guint idle[3], lent;
  PoolEnv pe;

  g_test_summary ("purge deletes every idle object and leaves lent ones; a GMemoryMonitor "
                  "low-memory warning purges; force_cleanup deletes lent ones too.");

  if (!pool_env_init (&pe, 1 << 20))
    return;

  for (guint i = 0; i < 3; i++)
    idle[i] = acquire_buffer (&pe, 512 * (i + 1));
  lent = acquire_buffer (&pe, 512);
  for (guint i = 0; i < 3; i++)
    resmgr_gl_buffer_pool_release_buffer (pe.pool, idle[i]);

  g_assert_cmpuint (resmgr_gl_buffer_pool_purge (pe.pool), ==, 3);
  for (guint i = 0; i < 3; i++)
    g_assert_false (buffer_alive (&pe, idle[i]));
  g_assert_true (buffer_alive (&pe, lent));
  s = pool_stats (&pe);
  g_assert_cmpuint (s.purged, ==, 3);
  g_assert_cmpuint (s.bytes_pooled, ==, 0);
  g_assert_cmpuint (component_gl_bytes (&pe.env), ==, 512);

  /* Low memory. */
  idle[0] = acquire_buffer (&pe, 4096);
  resmgr_gl_buffer_pool_release_buffer (pe.pool, idle[0]);
  monitor = g_memory_monitor_dup_default ();
  g_signal_emit_by_name (monitor, "low-memory-warning", G_MEMORY_MONITOR_WARNING_LEVEL_LOW);
  g_assert_false (buffer_alive (&pe, idle[0]));
  g_assert_true (buffer_alive (&pe, lent));
  g_assert_cmpuint (pool_stats (&pe).purged, ==, 4);

  /* Forced: the lent one too; giving it back afterwards is refused. */
  idle[1] = acquire_buffer (&pe, 4096);
  resmgr_gl_buffer_pool_release_buffer (pe.pool, idle[1]);
  g_assert_cmpuint (resmgr_gl_buffer_pool_force_cleanup (pe.pool), ==, 2);
  g_assert_false (buffer_alive (&pe, idle[1]));
  g_assert_false (buffer_alive (&pe, lent));
  g_assert_false (resmgr_gl_buffer_pool_release_buffer (pe.pool, lent));
  s = pool_stats (&pe);
  g_assert_cmpuint (s.n_in_use, ==, 0);
  g_assert_cmpuint (s.n_pooled, ==, 0);
  g_assert_cmpuint (component_gl_bytes (&pe.env), ==, 0);

  pool_env_clear (&pe);
}

static void
test_pool_component_cleanup (void)
{
  g_autoptr(ResmgrCleanupReport) report = NULL;
  g_autoptr(GError) error = NULL;
  ResmgrGLBufferPoolStats s;
  guint idle, lent, again;
  PoolEnv pe;

  g_test_summary ("The component's cleanup deletes the pool's objects, idle and lent, in "
                  "the coordinator's batch; the pool forgets them and works on afterwards.");

  if (!pool_env_init (&pe, 1 << 20))
    return;

  idle = acquire_buffer (&pe, 1000);
  lent = acquire_buffer (&pe, 2000);
  resmgr_gl_buffer_pool_release_buffer (pe.pool, idle);

  report = resmgr_coordinator_cleanup_all (COORD (pe.env.coord), &error);
  g_assert_no_error (error);
  g_assert_true (resmgr_cleanup_report_is_clean (report));
  g_assert_false (buffer_alive (&pe, idle));
  g_assert_false (buffer_alive (&pe, lent));
  s = pool_stats (&pe);
  g_assert_cmpuint (s.n_pooled, ==, 0);
  g_assert_cmpuint (s.n_in_use, ==, 0);
  g_assert_cmpuint (s.bytes_pooled, ==, 0);
  g_assert_false (resmgr_gl_buffer_pool_release_buffer (pe.pool, lent));

  /* Used again: a miss (nothing stale is handed out), charged again. */
  again = acquire_buffer (&pe, 1000);
  g_assert_true (buffer_alive (&pe, again));
  g_assert_cmpuint (pool_stats (&pe).misses, ==, 3);
  g_assert_cmpuint (component_gl_bytes (&pe.env), ==, 1000);
  resmgr_gl_buffer_pool_release_buffer (pe.pool, again);

  g_clear_pointer (&report, resmgr_cleanup_report_unref);
  report = resmgr_coordinator_cleanup_all (COORD (pe.env.coord), &error);
  g_assert_no_error (error);
  g_assert_false (buffer_alive (&pe, again));
  g_assert_cmpuint (pool_stats (&pe).n_pooled, ==, 0);

  pool_env_clear (&pe);
}

typedef struct
{
  PoolEnv *pe;
  guint    name;
  gboolean released;
  guint    pending;
} PoolThreadData;

static gpointer
pool_release_thread (gpointer data)
{
  PoolThreadData *td = data;

  td->released = resmgr_gl_buffer_pool_release_buffer (td->pe->pool, td->name);
  td->pending = resmgr_gl_coordinator_get_n_pending (td->pe->env.coord);

  return NULL;
}

static void
test_pool_release_from_worker (void)
{
  PoolThreadData td = { 0 };
  PoolEnv pe;

  g_test_summary ("A worker gives a buffer back to a pool with no budget: the eviction is "
                  "dispatched to the owner context and deletes the name there.");

  if (!pool_env_init (&pe, 0))
    return;
  g_assert_true (g_main_context_acquire (NULL));

  td.pe = &pe;
  td.name = acquire_buffer (&pe, 256);
  g_thread_join (g_thread_new ("pool-release", pool_release_thread, &td));
  g_assert_true (td.released);
  g_assert_cmpuint (td.pending, ==, 1);
  g_assert_true (buffer_alive (&pe, td.name));

  wait_for (nothing_pending, pe.env.coord, "the dispatched deletion");
  g_assert_false (buffer_alive (&pe, td.name));
  g_assert_cmpuint (pool_stats (&pe).evictions, ==, 1);

  g_main_context_release (NULL);
  pool_env_clear (&pe);
}

/* }}} */

static void
report_backend (void)
{
  View v = { 0 };
  GdkDisplay *display = gdk_display_get_default ();
  const char *backend = "unknown";
  GdkGLContext *context;
  int major = 0, minor = 0;

  if (!view_open (&v))
    {
      view_close (&v);
      return;
    }
  context = view_context (&v);
#ifdef GDK_WINDOWING_X11
  if (GDK_IS_X11_DISPLAY (display))
    backend = gdk_x11_display_get_egl_display (display) != NULL ? "EGL (X11)" : "GLX (X11)";
#endif
  if (g_str_equal (backend, "unknown"))
    backend = G_OBJECT_TYPE_NAME (display);
  gdk_gl_context_get_version (context, &major, &minor);
  gdk_gl_context_make_current (context);
  g_test_message ("GDK GL: %s, %s, GL %d.%d%s, renderer %s", backend, G_OBJECT_TYPE_NAME (context),
                  major, minor, gdk_gl_context_get_use_es (context) ? " ES" : "",
                  (const char *) glGetString (GL_RENDERER));
  gdk_gl_context_clear_current ();
  view_close (&v);
}

static void
test_backend (void)
{
  g_test_summary ("Reports which GL platform GDK chose (GLX or EGL) and the GL version.");

  if (!have_display)
    {
      g_test_skip ("No display");
      return;
    }
  report_backend ();
}

/* The owner-context contract (issue 9) {{{ */

typedef struct
{
  Env          *env;
  GdkGLContext *context;
  guint         name;
  guint64       id;
  GError       *error;
  GdkGLContext *current_after; /* the worker's current context after the call */
  gint          created;       /* create func calls */
  ResmgrGLBufferPool *pool;
} GLThreadData;

static gpointer
track_label_thread (gpointer data)
{
  GLThreadData *td = data;

  td->id = resmgr_gl_coordinator_track (td->env->coord, td->context, RESMGR_GL_OBJECT_TEXTURE,
                                        td->name, 64, "labelled-from-worker", &td->error);
  td->current_after = gdk_gl_context_get_current ();

  return NULL;
}

/* The KHR_debug label of @name, read on the calling (GL) thread. */
static char *
texture_label (GdkGLContext *context,
               guint         name)
{
  char label[64] = "";
  GLsizei length = 0;

  gdk_gl_context_make_current (context);
  glGetObjectLabel (GL_TEXTURE, name, sizeof label, &length, label);
  g_assert_cmphex (glGetError (), ==, GL_NO_ERROR);
  gdk_gl_context_clear_current ();

  return g_strndup (label, length);
}

static void
test_track_label_from_worker (void)
{
  GLThreadData td = { 0 };
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  GThread *thread;
  View v = { 0 };
  Env env;

  g_test_summary ("track with a label from a thread that is not the GL thread makes no GL call "
                  "there (no context made current, no label set while the GL thread is "
                  "blocked); the label is set on the GL thread when it iterates.");

  if (!have_display)
    {
      g_test_skip ("No display");
      return;
    }
  if (!view_open (&v))
    {
      view_close (&v);
      return;
    }
  env_init (&env);
  td.env = &env;
  td.context = view_context (&v);

  gdk_gl_context_make_current (td.context);
  gl_create (RESMGR_GL_OBJECT_TEXTURE, 1, &td.name);
  gdk_gl_context_clear_current ();

  /* The GL thread is blocked in join: it neither iterates nor holds its
   * context, so nothing may make the worker its owner. */
  thread = g_thread_new ("gl-track", track_label_thread, &td);
  g_thread_join (thread);
  g_assert_no_error (td.error);
  g_assert_cmpuint (td.id, !=, 0);
  g_assert_null (td.current_after);
  g_assert_cmpuint (resmgr_gl_coordinator_get_name (env.coord, td.id), ==, td.name);

  before = texture_label (td.context, td.name);
  g_assert_cmpstr (before, ==, "");

  iterate_pending ();
  after = texture_label (td.context, td.name);
  g_assert_cmpstr (after, ==, "labelled-from-worker");

  env_clear (&env);
  g_assert_cmpuint (count_alive (td.context, RESMGR_GL_OBJECT_TEXTURE, &td.name, 1), ==, 0);
  view_close (&v);
}

static guint
counting_create (GdkGLContext  *context,
                 gpointer       user_data,
                 GError       **error)
{
  GLThreadData *td = user_data;
  guint name = 0;

  g_atomic_int_inc (&td->created);
  glCreateVertexArrays (1, &name);

  return name;
}

static gpointer
track_recreatable_thread (gpointer data)
{
  GLThreadData *td = data;

  td->id = resmgr_gl_coordinator_track_recreatable (td->env->coord, td->context,
                                                    RESMGR_GL_OBJECT_VERTEX_ARRAY, 0, "vao",
                                                    counting_create, td, NULL, &td->error);
  td->current_after = gdk_gl_context_get_current ();

  return NULL;
}

static void
test_track_recreatable_from_worker (void)
{
  GLThreadData td = { 0 };
  GThread *thread;
  View v = { 0 };
  Env env;

  g_test_summary ("track_recreatable from a thread that is not the GL thread is refused with "
                  "RESMGR_ERROR_INVALID_ARGUMENT naming the component; create is never called "
                  "and nothing is tracked.");

  if (!have_display)
    {
      g_test_skip ("No display");
      return;
    }
  if (!view_open (&v))
    {
      view_close (&v);
      return;
    }
  env_init (&env);
  td.env = &env;
  td.context = view_context (&v);

  thread = g_thread_new ("gl-recreatable", track_recreatable_thread, &td);
  g_thread_join (thread);
  g_assert_error (td.error, RESMGR_ERROR, RESMGR_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (td.error->message, "GLComponent"));
  g_assert_cmpuint (td.id, ==, 0);
  g_assert_null (td.current_after);
  g_assert_cmpint (g_atomic_int_get (&td.created), ==, 0);
  {
    g_autoptr(GPtrArray) handles = resmgr_coordinator_dup_handles (COORD (env.coord));
    g_assert_cmpuint (handles->len, ==, 1); /* the coordinator's own cleanup */
  }
  g_clear_error (&td.error);

  /* On the GL thread it works. */
  td.id = resmgr_gl_coordinator_track_recreatable (env.coord, td.context,
                                                   RESMGR_GL_OBJECT_VERTEX_ARRAY, 0, "vao",
                                                   counting_create, &td, NULL, &td.error);
  g_assert_no_error (td.error);
  g_assert_cmpuint (td.id, !=, 0);
  g_assert_cmpint (g_atomic_int_get (&td.created), ==, 1);

  env_clear (&env);
  view_close (&v);
}

typedef struct
{
  Env                 *env;
  guint                n_cleanups;
  ResmgrCleanupReport *report;
} CleanOnTrack;

/* resource-tracked is emitted inline on the owner thread, from inside the
 * service's track: the component's cleanup runs between the service's
 * track and the coordinator's table insert. */
static void
clean_on_tracked_cb (ResmgrService *service,
                     ResmgrHandle  *handle,
                     gpointer       user_data)
{
  CleanOnTrack *ct = user_data;
  g_autoptr(GError) error = NULL;

  if (ct->n_cleanups++ > 0)
    return;
  ct->report = resmgr_service_cleanup_component (service, G_OBJECT (ct->env->comp), &error);
  g_assert_no_error (error);
}

static void
test_cleaned_between_track_and_insert (void)
{
  CleanOnTrack ct = { 0 };
  g_autoptr(GError) error = NULL;
  GdkGLContext *context;
  gulong handler;
  guint64 id, again;
  guint name = 0, name2 = 0;
  View v = { 0 };
  Env env;

  g_test_summary ("The component is cleaned between the service's track of a GL object and "
                  "the coordinator's own bookkeeping: the object is never added to the "
                  "coordinator's table, its cleanup drops no reference it did not take, its "
                  "name is deleted once, with its context, and the id returned is that of a "
                  "released entry: its name is 0, releasing it again is refused and deletes "
                  "nothing (not even a new object GL gave the same name).");

  if (!have_display)
    {
      g_test_skip ("No display");
      return;
    }
  if (!view_open (&v))
    {
      view_close (&v);
      return;
    }
  env_init (&env);
  ct.env = &env;
  context = view_context (&v);

  gdk_gl_context_make_current (context);
  gl_create (RESMGR_GL_OBJECT_TEXTURE, 1, &name);
  gdk_gl_context_clear_current ();

  handler = g_signal_connect (env.manager, "resource-tracked", G_CALLBACK (clean_on_tracked_cb), &ct);
  id = resmgr_gl_coordinator_track (env.coord, context, RESMGR_GL_OBJECT_TEXTURE, name, 64,
                                    "short-lived", &error);
  g_signal_handler_disconnect (env.manager, handler);
  g_assert_no_error (error);
  g_assert_cmpuint (id, !=, 0);
  /* The interleaving happened: the cleanup ran inside the tracking call. */
  g_assert_cmpuint (ct.n_cleanups, ==, 1);
  g_assert_nonnull (ct.report);

  /* Cleaned (and deleted by the coordinator's own cleanup, in the same
   * cleanup, in the context it was made in) before the tracking call
   * returned. */
  g_assert_cmpuint (resmgr_cleanup_report_get_failed (ct.report), ==, 0);
  g_assert_cmpuint (resmgr_cleanup_report_get_lost (ct.report), ==, 0);
  /* The texture and the coordinator's deletion step. */
  g_assert_cmpuint (resmgr_cleanup_report_get_released (ct.report), ==, 2);
  g_assert_cmpuint (resmgr_gl_coordinator_get_name (env.coord, id), ==, 0);
  g_assert_null (resmgr_gl_coordinator_get_context_for (env.coord, id));
  g_assert_cmpuint (resmgr_gl_coordinator_get_n_pending (env.coord), ==, 0);
  g_assert_cmpuint (count_alive (context, RESMGR_GL_OBJECT_TEXTURE, &name, 1), ==, 0);
  g_assert_null (resmgr_coordinator_lookup (COORD (env.coord), id, &error));
  g_assert_error (error, RESMGR_ERROR, RESMGR_ERROR_NOT_FOUND);
  g_clear_error (&error);
  {
    g_autoptr(GPtrArray) handles = resmgr_coordinator_dup_handles (COORD (env.coord));
    g_assert_cmpuint (handles->len, ==, 0);
  }

  /* The coordinator still works for the component. GL hands the freed
   * name out again (most drivers reuse the lowest free one): a second
   * deletion of the first object would delete this one. */
  gdk_gl_context_make_current (context);
  gl_create (RESMGR_GL_OBJECT_TEXTURE, 1, &name2);
  gdk_gl_context_clear_current ();
  g_test_message ("first name %u, second name %u", name, name2);
  again = resmgr_gl_coordinator_track (env.coord, context, RESMGR_GL_OBJECT_TEXTURE, name2, 64,
                                       NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (again, !=, id);
  g_assert_cmpuint (resmgr_gl_coordinator_get_name (env.coord, again), ==, name2);

  g_assert_false (resmgr_coordinator_release (COORD (env.coord), id, &error));
  g_assert_error (error, RESMGR_ERROR, RESMGR_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (resmgr_gl_coordinator_release_many (env.coord, &id, 1, &error));
  g_assert_error (error, RESMGR_ERROR, RESMGR_ERROR_NOT_FOUND);
  g_clear_error (&error);
  iterate_pending ();
  g_assert_cmpuint (resmgr_gl_coordinator_get_n_pending (env.coord), ==, 0);
  g_assert_cmpuint (count_alive (context, RESMGR_GL_OBJECT_TEXTURE, &name2, 1), ==, 1);
  g_assert_cmpuint (resmgr_gl_coordinator_get_name (env.coord, again), ==, name2);

  g_clear_pointer (&ct.report, resmgr_cleanup_report_unref);
  env_clear (&env);
  g_assert_cmpuint (count_alive (context, RESMGR_GL_OBJECT_TEXTURE, &name2, 1), ==, 0);
  view_close (&v);
}

static gpointer
pool_acquire_thread (gpointer data)
{
  GLThreadData *td = data;
  td->name = resmgr_gl_buffer_pool_acquire_buffer (td->pool, td->context, 256, &td->error);
  td->current_after = gdk_gl_context_get_current ();

  return NULL;
}

static void
test_pool_acquire_from_worker (void)
{
  g_autoptr(ResmgrGLBufferPool) pool = NULL;
  GLThreadData td = { 0 };
  GThread *thread;
  View v = { 0 };
  Env env;

  g_test_summary ("A GL buffer pool's acquire from a thread that is not the GL thread is "
                  "refused with RESMGR_ERROR_INVALID_ARGUMENT, with no GL call there.");

  if (!have_display)
    {
      g_test_skip ("No display");
      return;
    }
  if (!view_open (&v))
    {
      view_close (&v);
      return;
    }
  env_init (&env);
  pool = resmgr_gl_buffer_pool_new (env.coord, 1 << 20);
  td.pool = pool;
  td.env = &env;
  td.context = view_context (&v);

  thread = g_thread_new ("gl-pool", pool_acquire_thread, &td);
  g_thread_join (thread);
  g_assert_error (td.error, RESMGR_ERROR, RESMGR_ERROR_INVALID_ARGUMENT);
  g_assert_cmpuint (td.name, ==, 0);
  g_assert_null (td.current_after);
  g_clear_error (&td.error);

  g_clear_object (&pool);
  env_clear (&env);
  view_close (&v);
}

/* }}} */

int
main (int   argc,
      char *argv[])
{
  /* No accessibility bus in CI; GTK would warn. */
  g_setenv ("GTK_A11Y", "none", FALSE);

  g_test_init (&argc, &argv, NULL);
  have_display = gtk_init_check ();

  g_test_add_func ("/Resmgr/GLCoordinator/backend", test_backend);
  g_test_add_func ("/Resmgr/GLCoordinator/delete/batched-thousands", test_batched_thousands);
  g_test_add_func ("/Resmgr/GLCoordinator/delete/single-release", test_single_release);
  g_test_add_func ("/Resmgr/GLCoordinator/track/alloc-per-track", test_alloc_per_track);
  g_test_add_func ("/Resmgr/GLCoordinator/thread/cleanup-from-worker", test_cleanup_from_worker);
  g_test_add_func ("/Resmgr/GLCoordinator/thread/release-from-worker", test_release_from_worker);
  g_test_add_data_func ("/Resmgr/GLCoordinator/context/window-destroyed",
                        GINT_TO_POINTER (FALSE), test_window_destroyed);
  g_test_add_data_func ("/Resmgr/GLCoordinator/context/window-destroyed-attached",
                        GINT_TO_POINTER (TRUE), test_window_destroyed);
  g_test_add_func ("/Resmgr/GLCoordinator/area/reparent", test_reparent);
  g_test_add_func ("/Resmgr/GLCoordinator/area/same-names", test_same_names);
  g_test_add_func ("/Resmgr/GLCoordinator/area/detach", test_detach_area);
  g_test_add_func ("/Resmgr/GLCoordinator/context/kept-until-last-shareable", test_kept_until_last_shareable);
  g_test_add_func ("/Resmgr/GLCoordinator/frame/cleanup-mid-frame", test_cleanup_mid_frame);
  g_test_add_func ("/Resmgr/GLCoordinator/frame/none-during-cleanup", test_no_frame_during_cleanup);
  g_test_add_func ("/Resmgr/GLBufferPool/hit-miss", test_pool_hit_miss);
  g_test_add_func ("/Resmgr/GLBufferPool/budget-lru", test_pool_budget_lru);
  g_test_add_func ("/Resmgr/GLBufferPool/housekeeping", test_pool_housekeeping);
  g_test_add_func ("/Resmgr/GLBufferPool/purge", test_pool_purge);
  g_test_add_func ("/Resmgr/GLBufferPool/component-cleanup", test_pool_component_cleanup);
  g_test_add_func ("/Resmgr/GLBufferPool/release-from-worker", test_pool_release_from_worker);
  g_test_add_func ("/Resmgr/GLBufferPool/acquire-from-worker", test_pool_acquire_from_worker);
  g_test_add_func ("/Resmgr/GLCoordinator/thread/track-label-from-worker", test_track_label_from_worker);
  g_test_add_func ("/Resmgr/GLCoordinator/thread/track-recreatable-from-worker", test_track_recreatable_from_worker);
  g_test_add_func ("/Resmgr/GLCoordinator/thread/cleaned-between-track-and-insert", test_cleaned_between_track_and_insert);

  return g_test_run ();
}
