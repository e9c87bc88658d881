/* test-widget-move.c: a bound widget's life across windows
 *
 * GTK 4 unrealizes a widget that moves to another window (reparenting, a
 * notebook tab detached and dropped in another window's notebook) and
 * realizes it again there, with a new GdkGLContext for a GtkGLArea. These
 * tests pin that behaviour of GTK, then check that a controller bound to
 * such a tab lives through the move (its texture carried over, its vertex
 * array re-created in the new context) and is cleaned once the tab was
 * destroyed, at the main loop's next iteration, its GL objects deleted
 * while a context of the display lives.
 *
 * They need a display (run under Xvfb) and GL 3.2 (Mesa llvmpipe has it);
 * without either they are skipped.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#define _GNU_SOURCE /* RTLD_NEXT */
#include <dlfcn.h>
#include <string.h>

#include <epoxy/gl.h>

#include "test-common-gtk.h"

static gboolean have_display;

/* The GL coordinator (linked into this executable) calls this to make a
 * context of its own when it finds none to delete through; counting the
 * calls shows that a destroyed tab's objects went through the context kept
 * for them. Interposed: the real one is GTK's, reached with RTLD_NEXT. */
static guint n_contexts_made;

GdkGLContext *
gdk_display_create_gl_context (GdkDisplay  *display,
                               GError     **error)
{
  static GdkGLContext *(*real) (GdkDisplay *, GError **);

  if (real == NULL)
    real = (GdkGLContext *(*) (GdkDisplay *, GError **)) dlsym (RTLD_NEXT, "gdk_display_create_gl_context");
  g_assert_nonnull (real);
  n_contexts_made++;

  return real (display, error);
}

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

/* An area realized again, in a context other than @old. */
typedef struct
{
  GtkGLArea    *area;
  GdkGLContext *old;   /* identity only */
} Moved;

static gboolean
area_moved (gpointer data)
{
  Moved *m = data;

  return area_ready (m->area) && gtk_gl_area_get_context (m->area) != m->old;
}

/* }}} */

/* GL {{{ */

static GtkWidget *
window_new (GtkWidget *child)
{
  GtkWidget *window = gtk_window_new ();

  gtk_window_set_default_size (GTK_WINDOW (window), 48, 48);
  if (child != NULL)
    gtk_window_set_child (GTK_WINDOW (window), child);
  gtk_window_present (GTK_WINDOW (window));

  return window;
}

/* Skips the test (and returns FALSE) without a usable GL 3.2 context. */
static gboolean
check_gl (GtkGLArea *area)
{
  GdkGLContext *context = gtk_gl_area_get_context (area);
  int major, minor;

  if (gtk_gl_area_get_error (area) != NULL || context == NULL)
    {
      g_test_skip_printf ("No GL context: %s",
                          gtk_gl_area_get_error (area) ? gtk_gl_area_get_error (area)->message : "none");
      return FALSE;
    }
  gtk_gl_area_make_current (area);
  gdk_gl_context_get_version (context, &major, &minor);
  gdk_gl_context_clear_current ();
  if (major * 10 + minor < 32)
    {
      g_test_skip_printf ("GL %d.%d: these tests need vertex arrays (GL 3.2)", major, minor);
      return FALSE;
    }

  return TRUE;
}

/* A window with a realized GL area, whose context checks the display's
 * share group. */
static GtkWidget *
checker_open (void)
{
  GtkWidget *area = gtk_gl_area_new ();
  GtkWidget *window = window_new (area);

  wait_for (area_ready, area, "the checking area to realize");
  g_assert_nonnull (gtk_gl_area_get_context (GTK_GL_AREA (area)));

  return window;
}

static GdkGLContext *
checker_context (GtkWidget *checker)
{
  return gtk_gl_area_get_context (GTK_GL_AREA (gtk_window_get_child (GTK_WINDOW (checker))));
}

/* With a context current. */
static guint
make_texture (void)
{
  static const guint8 pixel[4] = { 0x10, 0x20, 0x30, 0x40 };
  guint texture = 0;

  glGenTextures (1, &texture);
  glBindTexture (GL_TEXTURE_2D, texture);
  glTexImage2D (GL_TEXTURE_2D, 0, GL_RGBA8, 1, 1, 0, GL_RGBA, GL_UNSIGNED_BYTE, pixel);
  glBindTexture (GL_TEXTURE_2D, 0);
  g_assert_cmphex (glGetError (), ==, GL_NO_ERROR);

  return texture;
}

/* With a context current; a vertex array is an object once bound. */
static guint
make_vertex_array (void)
{
  guint vao = 0;

  glGenVertexArrays (1, &vao);
  glBindVertexArray (vao);
  glBindVertexArray (0);
  g_assert_cmphex (glGetError (), ==, GL_NO_ERROR);

  return vao;
}

typedef enum { IS_TEXTURE, IS_VERTEX_ARRAY } IsKind;

/* Whether @name is an object of @kind seen from @context; restores what
 * was current. */
static gboolean
is_object_in (GdkGLContext *context,
              IsKind        kind,
              guint         name)
{
  GdkGLContext *previous = gdk_gl_context_get_current ();
  gboolean is;

  if (previous != NULL)
    g_object_ref (previous);
  gdk_gl_context_make_current (context);
  is = kind == IS_TEXTURE ? glIsTexture (name) : glIsVertexArray (name);
  g_assert_cmphex (glGetError (), ==, GL_NO_ERROR);
  if (previous != NULL)
    {
      gdk_gl_context_make_current (previous);
      g_object_unref (previous);
    }
  else
    gdk_gl_context_clear_current ();

  return is;
}

/* }}} */

/* GTK's behaviour, pinned {{{ */

typedef struct
{
  GString      *events;        /* "R" realize, "U" unrealize */
  GdkGLContext *at_unrealize;  /* the area's context in our unrealize handler (identity) */
  gboolean      current_is_area_at_unrealize;
} AreaEvents;

static void
pin_realize_cb (GtkGLArea  *area,
                AreaEvents *e)
{
  g_string_append_c (e->events, 'R');
}

/* Connected as an application (or the coordinator) does: before
 * GtkGLArea's own unrealize. */
static void
pin_unrealize_cb (GtkGLArea  *area,
                  AreaEvents *e)
{
  g_string_append_c (e->events, 'U');
  e->at_unrealize = gtk_gl_area_get_context (area);
  e->current_is_area_at_unrealize = gdk_gl_context_get_current () == e->at_unrealize;
}

static void
test_gtk_reparent (void)
{
  AreaEvents e = { g_string_new (NULL), NULL, FALSE };
  GtkWidget *w1, *w2, *box, *area;
  GdkGLContext *old, *new;
  GWeakRef old_ref;
  guint texture, vao;
  Moved m;

  g_test_summary ("GTK 4 facts the binding is built on: moving a box with a GtkGLArea to "
                  "another window emits one unrealize, then one realize; the area's context "
                  "is alive in a handler connected before GtkGLArea's unrealize; the area "
                  "gets a new GdkGLContext there, in which a texture made in the old one is "
                  "still a texture (one share group per display) and a vertex array made in "
                  "the old one is not a vertex array (containers are per context); the old "
                  "context is finalized once GTK lets go of it");

  if (!have_display)
    {
      g_test_skip ("no display (run under Xvfb)");
      return;
    }

  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  area = gtk_gl_area_new ();
  gtk_widget_set_size_request (area, 16, 16);
  gtk_box_append (GTK_BOX (box), area);
  g_signal_connect (area, "realize", G_CALLBACK (pin_realize_cb), &e);
  g_signal_connect (area, "unrealize", G_CALLBACK (pin_unrealize_cb), &e);
  w1 = window_new (box);
  wait_for (area_ready, area, "the area to realize");
  if (!check_gl (GTK_GL_AREA (area)))
    {
      gtk_window_destroy (GTK_WINDOW (w1));
      g_string_free (e.events, TRUE);
      return;
    }
  g_assert_cmpstr (e.events->str, ==, "R");

  old = gtk_gl_area_get_context (GTK_GL_AREA (area));
  g_weak_ref_init (&old_ref, old);
  gtk_gl_area_make_current (GTK_GL_AREA (area));
  texture = make_texture ();
  vao = make_vertex_array ();
  gdk_gl_context_clear_current ();
  /* Let a frame draw, so that GTK's renderer has its own context current. */
  iterate_pending ();

  w2 = window_new (NULL);
  g_object_ref (box);
  gtk_window_set_child (GTK_WINDOW (w1), NULL);
  /* Out of the window, and already unrealized: nothing was deferred. */
  g_assert_cmpstr (e.events->str, ==, "RU");
  g_assert_false (gtk_widget_get_realized (area));
  g_assert_null (gtk_gl_area_get_context (GTK_GL_AREA (area)));
  g_assert_true (e.at_unrealize == old);
  /* GTK leaves another context current there (its renderer's, after a
   * frame): whoever deletes the area's objects makes it current first. */
  g_assert_false (e.current_is_area_at_unrealize);

  gtk_window_set_child (GTK_WINDOW (w2), box);
  g_object_unref (box);
  m.area = GTK_GL_AREA (area);
  m.old = old;
  wait_for (area_moved, &m, "the area to realize in the second window");
  g_assert_cmpstr (e.events->str, ==, "RUR");

  /* Wait for the old context to be finalized: the new one is then
   * certainly another object, not the old one at the same address. */
  wait_for (weak_ref_cleared, &old_ref, "the old context to be finalized");
  g_weak_ref_clear (&old_ref);
  new = gtk_gl_area_get_context (GTK_GL_AREA (area));
  g_assert_nonnull (new);

  g_assert_true (is_object_in (new, IS_TEXTURE, texture));
  g_assert_false (is_object_in (new, IS_VERTEX_ARRAY, vao));

  gdk_gl_context_make_current (new);
  glDeleteTextures (1, &texture);
  gdk_gl_context_clear_current ();

  gtk_window_destroy (GTK_WINDOW (w2));
  gtk_window_destroy (GTK_WINDOW (w1));
  iterate_pending ();
  g_string_free (e.events, TRUE);
}

/* }}} */

/* A bound tab: a box with a GtkGLArea, a controller with a texture and a
 * re-created vertex array {{{ */

typedef struct
{
  ResmgrManager    *manager;
  GtkWidget        *tab;          /* the box; not referenced (its parent holds it) */
  GtkGLArea        *area;         /* not referenced */
  ResmgrController *controller;   /* borrowed: the tab holds it */
  GWeakRef          controller_ref;
  char             *component_id;
  guint             n_cleaned_up;
  ResmgrCleanupReport *report;    /* from ::cleaned-up */

  guint             texture;
  guint64           texture_id;
  guint64           vao_id;
  guint             n_vao_created;
  GdkGLContext     *vao_context;  /* where the last VAO was made (identity) */
} Tab;

static guint
create_vao (GdkGLContext  *context,
            gpointer       user_data,
            GError       **error)
{
  Tab *t = user_data;

  g_assert_true (gdk_gl_context_get_current () == context);
  t->n_vao_created++;
  t->vao_context = context;

  return make_vertex_array ();
}

static void
tab_cleaned_up_cb (ResmgrController    *controller,
                   ResmgrCleanupReport *report,
                   Tab                 *t)
{
  t->n_cleaned_up++;
  g_clear_pointer (&t->report, resmgr_cleanup_report_unref);
  t->report = resmgr_cleanup_report_ref (report);
}

/* The tab as an application builds it: widgets, a controller bound to the
 * tab (which holds the only reference), its GL coordinator following the
 * area. */
static GtkWidget *
tab_build (Tab *t)
{
  memset (t, 0, sizeof *t);
  t->manager = resmgr_manager_new ();
  t->tab = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  t->area = GTK_GL_AREA (gtk_gl_area_new ());
  gtk_widget_set_size_request (GTK_WIDGET (t->area), 16, 16);
  gtk_box_append (GTK_BOX (t->tab), gtk_label_new ("a tab"));
  gtk_box_append (GTK_BOX (t->tab), GTK_WIDGET (t->area));

  t->controller = g_object_new (TEST_TYPE_GL_CONTROLLER, "service", t->manager, NULL);
  g_weak_ref_init (&t->controller_ref, t->controller);
  t->component_id = g_strdup (resmgr_controller_get_id (t->controller));
  g_signal_connect (t->controller, "cleaned-up", G_CALLBACK (tab_cleaned_up_cb), t);
  resmgr_gl_coordinator_attach_area (resmgr_controller_get_gl_coordinator (t->controller), t->area);
  resmgr_controller_bind_widget (t->controller, t->tab);
  g_object_unref (t->controller);

  return t->tab;
}

/* Once the area is realized: a texture and a re-creatable vertex array. */
static void
tab_track (Tab *t)
{
  ResmgrGLCoordinator *gl = resmgr_controller_get_gl_coordinator (t->controller);
  GdkGLContext *context = gtk_gl_area_get_context (t->area);
  g_autoptr(GError) error = NULL;

  gtk_gl_area_make_current (t->area);
  t->texture = make_texture ();
  t->texture_id = resmgr_gl_coordinator_track (gl, context, RESMGR_GL_OBJECT_TEXTURE, t->texture,
                                               4, "texture", &error);
  g_assert_no_error (error);
  t->vao_id = resmgr_gl_coordinator_track_recreatable (gl, context, RESMGR_GL_OBJECT_VERTEX_ARRAY, 0,
                                                       "vertex array", create_vao, t, NULL, &error);
  g_assert_no_error (error);
  gdk_gl_context_clear_current ();
  g_assert_cmpuint (t->n_vao_created, ==, 1);
}

static gboolean
component_registered (Tab *t)
{
  g_auto(GStrv) ids = resmgr_service_dup_component_ids (RESMGR_SERVICE (t->manager));

  return ids != NULL && g_strv_contains ((const char * const *) ids, t->component_id);
}

/* The controller lived through a move: same object, not cleaned, still
 * registered; the texture carried over (same name, a texture in the new
 * context); the vertex array re-created once more, in the new context. */
static void
tab_check_moved (Tab   *t,
                 guint  expected_creations)
{
  ResmgrGLCoordinator *gl;
  GdkGLContext *context = gtk_gl_area_get_context (t->area);
  ResmgrController *controller = g_weak_ref_get (&t->controller_ref);
  guint vao;

  g_assert_nonnull (controller);
  g_assert_true (controller == t->controller);
  g_assert_true (resmgr_controller_get_widget (controller) == t->tab);
  g_assert_false (resmgr_controller_is_cleaned_up (controller));
  g_assert_cmpuint (t->n_cleaned_up, ==, 0);
  g_assert_true (component_registered (t));

  gl = resmgr_controller_get_gl_coordinator (controller);
  g_assert_cmpuint (resmgr_gl_coordinator_get_name (gl, t->texture_id), ==, t->texture);
  g_assert_true (is_object_in (context, IS_TEXTURE, t->texture));

  g_assert_cmpuint (t->n_vao_created, ==, expected_creations);
  g_assert_true (t->vao_context == context);
  g_assert_true (resmgr_gl_coordinator_get_context_for (gl, t->vao_id) == context);
  vao = resmgr_gl_coordinator_get_name (gl, t->vao_id);
  g_assert_cmpuint (vao, !=, 0);
  g_assert_true (is_object_in (context, IS_VERTEX_ARRAY, vao));

  g_object_unref (controller);
}

/* The tab was destroyed: nothing was cleaned inside its destruction (the
 * texture is still alive, seen from @check, a context of the same display,
 * and the controller still exists, kept for its cleanup). The cleanup runs
 * when the main loop next iterates, at a high priority, ahead of GTK's next
 * frame: right after the iteration that ran it, the controller was cleaned
 * once (nothing failed or lost) and the texture is deleted. Then the controller is finalized, its
 * component is gone from the service and nothing is tracked. */
static void
tab_check_destroyed (Tab          *t,
                     GdkGLContext *check)
{
  g_autoptr(ResmgrStats) stats = NULL;

  g_assert_cmpuint (t->n_cleaned_up, ==, 0);
  g_assert_false (weak_ref_cleared (&t->controller_ref));
  g_assert_true (is_object_in (check, IS_TEXTURE, t->texture));

  /* One source at a time: GLib dispatches the most urgent ready ones in
   * an iteration, so what ran up to the cleanup was at least as urgent as
   * it (GDK's surface bookkeeping is), never GTK's frame. */
  for (guint i = 0; t->n_cleaned_up == 0 && i < 100; i++)
    g_main_context_iteration (NULL, FALSE);
  g_assert_cmpuint (t->n_cleaned_up, ==, 1);
  /* Deleted through the area's last context, kept for them: no context was
   * made for the deletion. */
  g_assert_cmpuint (n_contexts_made, ==, 0);
  g_assert_nonnull (t->report);
  g_assert_cmpuint (resmgr_cleanup_report_get_failed (t->report), ==, 0);
  g_assert_cmpuint (resmgr_cleanup_report_get_lost (t->report), ==, 0);
  g_assert_true (resmgr_cleanup_report_is_clean (t->report));
  g_assert_false (is_object_in (check, IS_TEXTURE, t->texture));

  iterate_pending ();
  g_assert_true (weak_ref_cleared (&t->controller_ref));
  g_assert_false (component_registered (t));
  stats = resmgr_service_dup_stats (RESMGR_SERVICE (t->manager));
  g_assert_cmpuint (resmgr_stats_get_n_resources (stats), ==, 0);
}

static void
tab_clear (Tab *t)
{
  g_clear_pointer (&t->report, resmgr_cleanup_report_unref);
  g_weak_ref_clear (&t->controller_ref);
  g_clear_pointer (&t->component_id, g_free);
  g_clear_object (&t->manager);
}

/* Moves @widget, the child of window @from, to window @to, and waits for
 * its area to realize there. */
static void
move_to_window (Tab       *t,
                GtkWidget *from,
                GtkWidget *to)
{
  Moved m = { t->area, gtk_gl_area_get_context (t->area) };
  GWeakRef old_ref;

  g_weak_ref_init (&old_ref, m.old);
  g_object_ref (t->tab);
  gtk_window_set_child (GTK_WINDOW (from), NULL);
  gtk_window_set_child (GTK_WINDOW (to), t->tab);
  g_object_unref (t->tab);
  wait_for (area_moved, &m, "the area to realize in its new window");
  /* The old context is finalized: no stale pointer compares equal. */
  wait_for (weak_ref_cleared, &old_ref, "the old GL context to be finalized");
  g_weak_ref_clear (&old_ref);
}

static void
test_tab_move_and_back (void)
{
  GtkWidget *w1, *w2, *checker;
  Tab t;

  g_test_summary ("A bound tab moved to another window and back keeps its controller (not "
                  "cleaned, still registered), its texture (same name, a texture in each new "
                  "context) and gets its vertex array re-created in each new context; "
                  "closing the window then cleans it");

  if (!have_display)
    {
      g_test_skip ("no display (run under Xvfb)");
      return;
    }

  w1 = window_new (tab_build (&t));
  wait_for (area_ready, t.area, "the area to realize");
  if (!check_gl (t.area))
    {
      gtk_window_destroy (GTK_WINDOW (w1));
      iterate_pending ();
      tab_clear (&t);
      return;
    }
  tab_track (&t);
  w2 = window_new (NULL);

  move_to_window (&t, w1, w2);
  tab_check_moved (&t, 2);
  move_to_window (&t, w2, w1);
  tab_check_moved (&t, 3);

  checker = checker_open ();
  gtk_window_destroy (GTK_WINDOW (w1));
  tab_check_destroyed (&t, checker_context (checker));
  gtk_window_destroy (GTK_WINDOW (w2));
  gtk_window_destroy (GTK_WINDOW (checker));
  iterate_pending ();
  tab_clear (&t);
}

/* A detached notebook tab {{{ */

static GtkWidget *
notebook_new (void)
{
  GtkWidget *notebook = gtk_notebook_new ();

  gtk_notebook_set_group_name (GTK_NOTEBOOK (notebook), "tabs");
  gtk_notebook_append_page (GTK_NOTEBOOK (notebook), gtk_label_new ("another page"), NULL);

  return notebook;
}

static void
test_notebook_detach (void)
{
  GtkWidget *w1, *w2, *nb1, *nb2, *checker;
  Moved m;
  GWeakRef old_ref;
  Tab t;

  g_test_summary ("A bound notebook tab detached from its notebook and dropped in a notebook "
                  "of a new window, as GTK's drag and drop does (gtk_notebook_detach_tab (), "
                  "then append), keeps its controller, its texture, and gets its vertex array "
                  "re-created; closing the new window cleans it");

  if (!have_display)
    {
      g_test_skip ("no display (run under Xvfb)");
      return;
    }

  nb1 = notebook_new ();
  tab_build (&t);
  gtk_notebook_prepend_page (GTK_NOTEBOOK (nb1), t.tab, gtk_label_new ("bound"));
  gtk_notebook_set_tab_detachable (GTK_NOTEBOOK (nb1), t.tab, TRUE);
  w1 = window_new (nb1);
  /* Only once in a window: switching pages asks the root for its focus. */
  gtk_notebook_set_current_page (GTK_NOTEBOOK (nb1), 0);
  wait_for (area_ready, t.area, "the area to realize");
  if (!check_gl (t.area))
    {
      gtk_window_destroy (GTK_WINDOW (w1));
      iterate_pending ();
      tab_clear (&t);
      return;
    }
  tab_track (&t);

  /* What GtkNotebook's drop does (gtknotebook.c, do_detach_tab ()): hold
   * the page, detach it, insert it in the target notebook. */
  m.area = t.area;
  m.old = gtk_gl_area_get_context (t.area);
  g_weak_ref_init (&old_ref, m.old);
  nb2 = notebook_new ();
  w2 = window_new (nb2);
  g_object_ref (t.tab);
  gtk_notebook_detach_tab (GTK_NOTEBOOK (nb1), t.tab);
  g_assert_false (gtk_widget_get_realized (GTK_WIDGET (t.area)));
  g_assert_cmpint (gtk_notebook_get_n_pages (GTK_NOTEBOOK (nb1)), ==, 1);
  gtk_notebook_append_page (GTK_NOTEBOOK (nb2), t.tab, gtk_label_new ("bound"));
  gtk_notebook_set_tab_detachable (GTK_NOTEBOOK (nb2), t.tab, TRUE);
  gtk_notebook_set_current_page (GTK_NOTEBOOK (nb2), 1);
  g_object_unref (t.tab);
  wait_for (area_moved, &m, "the area to realize in the new window's notebook");
  wait_for (weak_ref_cleared, &old_ref, "the old GL context to be finalized");
  g_weak_ref_clear (&old_ref);

  tab_check_moved (&t, 2);

  checker = checker_open ();
  gtk_window_destroy (GTK_WINDOW (w2));
  tab_check_destroyed (&t, checker_context (checker));
  gtk_window_destroy (GTK_WINDOW (w1));
  gtk_window_destroy (GTK_WINDOW (checker));
  iterate_pending ();
  tab_clear (&t);
}

/* }}} */

/* Destroying the tab {{{ */

typedef enum {
  DESTROY_WITH_WINDOW,   /* its window is destroyed */
  DESTROY_MOVED,         /* moved to a second window, which is destroyed */
  DESTROY_DETACHED,      /* taken out of its window, then its last reference goes */
} DestroyHow;

static void
test_tab_destroyed (gconstpointer data)
{
  DestroyHow how = GPOINTER_TO_INT (data);
  GtkWidget *w1, *w2 = NULL, *checker;
  Tab t;

  g_test_summary ("Destroying a bound tab cleans its controller once, with nothing failed or "
                  "lost, never inside the destruction: when the main loop next iterates, "
                  "ahead of GTK's next frame, its texture is deleted (glIsTexture false in "
                  "another context of the display) through the area's last context that the "
                  "coordinator kept (no context made for it), even when its window and its "
                  "area are gone; the component leaves the service and the controller is "
                  "finalized");

  if (!have_display)
    {
      g_test_skip ("no display (run under Xvfb)");
      return;
    }

  w1 = window_new (tab_build (&t));
  wait_for (area_ready, t.area, "the area to realize");
  if (!check_gl (t.area))
    {
      gtk_window_destroy (GTK_WINDOW (w1));
      iterate_pending ();
      tab_clear (&t);
      return;
    }
  tab_track (&t);
  checker = checker_open ();

  switch (how)
    {
    case DESTROY_WITH_WINDOW:
      gtk_window_destroy (GTK_WINDOW (w1));
      break;

    case DESTROY_MOVED:
      w2 = window_new (NULL);
      move_to_window (&t, w1, w2);
      tab_check_moved (&t, 2);
      gtk_window_destroy (GTK_WINDOW (w2));
      break;

    case DESTROY_DETACHED:
      {
        GtkWidget *tab = g_object_ref (t.tab);

        gtk_window_set_child (GTK_WINDOW (w1), NULL);
        /* Unrealized, out of any window, alive: not cleaned. */
        g_assert_cmpuint (t.n_cleaned_up, ==, 0);
        gtk_window_destroy (GTK_WINDOW (w1));
        iterate_pending ();
        g_assert_cmpuint (t.n_cleaned_up, ==, 0);
        g_object_unref (tab);
      }
      break;

    default:
      g_assert_not_reached ();
    }

  tab_check_destroyed (&t, checker_context (checker));

  if (how == DESTROY_MOVED)
    gtk_window_destroy (GTK_WINDOW (w1));
  gtk_window_destroy (GTK_WINDOW (checker));
  iterate_pending ();
  tab_clear (&t);
}

/* }}} */

/* }}} */

int
main (int   argc,
      char *argv[])
{
  g_setenv ("GTK_A11Y", "none", FALSE);

  g_test_init (&argc, &argv, NULL);
  have_display = gtk_init_check ();

  g_test_add_func ("/Resmgr/WidgetMove/gtk/reparent-gl-area", test_gtk_reparent);
  g_test_add_func ("/Resmgr/WidgetMove/tab/to-window-and-back", test_tab_move_and_back);
  g_test_add_func ("/Resmgr/WidgetMove/notebook/detach", test_notebook_detach);
  g_test_add_data_func ("/Resmgr/WidgetMove/destroy/with-window",
                        GINT_TO_POINTER (DESTROY_WITH_WINDOW), test_tab_destroyed);
  g_test_add_data_func ("/Resmgr/WidgetMove/destroy/after-move",
                        GINT_TO_POINTER (DESTROY_MOVED), test_tab_destroyed);
  g_test_add_data_func ("/Resmgr/WidgetMove/destroy/detached",
                        GINT_TO_POINTER (DESTROY_DETACHED), test_tab_destroyed);

  return g_test_run ();
}
