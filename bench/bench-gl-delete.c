/* bench-gl-delete.c: deleting GL names through ResmgrGLCoordinator
 *
 * In a real GL context (a GtkGLArea in a GtkWindow; Mesa llvmpipe under
 * Xvfb in CI), T textures (16×16 RGBA8, with data) and B buffers (256 bytes,
 * with data) are made and deleted three ways, each timed from the first
 * deletion call to the end of a glFinish():
 *
 *  - resmgr:     tracked for a component through a GL coordinator (tracking
 *                is not timed); the timed part is the component's cleanup,
 *                resmgr_coordinator_cleanup_all(), which deletes them in one
 *                batched call per kind;
 *  - individual: one glDeleteTextures/glDeleteBuffers call per object;
 *  - batched:    the floor, one raw glDeleteTextures and one glDeleteBuffers
 *                call for all of them.
 *
 * The three run in turn (the order rotates) for --repetitions passes; the
 * median of each is printed as one JSON line:
 *
 *   {"name": "gl-delete", "workload": "gl-delete", "textures": T,
 *    "buffers": B, "repetitions": R,
 *    "resmgr_ms": …, "individual_ms": …, "batched_ms": …,
 *    "resmgr_vs_batched": …, "ratio": …, "target": 1.3, "target_op": "<=",
 *    "meets_target": …, "verified": true, "gl": "…"}
 *
 * "ratio" is resmgr_vs_batched again, under the name every line of the
 * suite uses (bench/README.md); "target" is that of issue 13. Timing never
 * fails the run. --quick: 1000 textures and 1000 buffers, 3 repetitions.
 *
 * "verified" is true when, after every pass of every method, no name is a
 * texture or buffer any more (glIsTexture/glIsBuffer) and GL raised no error.
 * Exits 1 if not verified, 77 (skipped) without a display or GL.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <stdio.h>
#include <stdlib.h>

#include <epoxy/gl.h>
#include <gtk/gtk.h>
#ifdef GDK_WINDOWING_X11
# include <gdk/x11/gdkx.h>
#endif

#include <resmgr-gtk.h>

static int opt_textures = 10000;
static int opt_buffers = 10000;
static int opt_repetitions = 7;
static gboolean opt_quick = FALSE;

enum { METHOD_RESMGR, METHOD_INDIVIDUAL, METHOD_BATCHED, N_METHODS };

typedef struct
{
  GLuint  *textures;
  GLuint  *buffers;
  gboolean verified;
} Bench;

static void
make_objects (Bench *b)
{
  static guint8 pixels[16 * 16 * 4];
  static guint8 data[256];

  glGenTextures (opt_textures, b->textures);
  for (int i = 0; i < opt_textures; i++)
    {
      glBindTexture (GL_TEXTURE_2D, b->textures[i]);
      glTexImage2D (GL_TEXTURE_2D, 0, GL_RGBA8, 16, 16, 0, GL_RGBA, GL_UNSIGNED_BYTE, pixels);
    }
  glBindTexture (GL_TEXTURE_2D, 0);

  glGenBuffers (opt_buffers, b->buffers);
  for (int i = 0; i < opt_buffers; i++)
    {
      glBindBuffer (GL_ARRAY_BUFFER, b->buffers[i]);
      glBufferData (GL_ARRAY_BUFFER, sizeof data, data, GL_STATIC_DRAW);
    }
  glBindBuffer (GL_ARRAY_BUFFER, 0);

  glFinish ();
  if (glGetError () != GL_NO_ERROR)
    b->verified = FALSE;
}

static void
verify_gone (Bench *b)
{
  for (int i = 0; i < opt_textures; i++)
    if (glIsTexture (b->textures[i]))
      {
        b->verified = FALSE;
        break;
      }
  for (int i = 0; i < opt_buffers; i++)
    if (glIsBuffer (b->buffers[i]))
      {
        b->verified = FALSE;
        break;
      }
  if (glGetError () != GL_NO_ERROR)
    b->verified = FALSE;
}

static double
run_resmgr (Bench        *b,
            GdkGLContext *context)
{
  g_autoptr(ResmgrManager) manager = resmgr_manager_new ();
  g_autoptr(GObject) component = g_object_new (G_TYPE_OBJECT, NULL);
  g_autoptr(ResmgrGLCoordinator) coord = resmgr_gl_coordinator_new (RESMGR_SERVICE (manager));
  g_autoptr(ResmgrCleanupReport) report = NULL;
  g_autoptr(GError) error = NULL;
  gint64 start, end;

  if (!resmgr_coordinator_bind (RESMGR_COORDINATOR (coord), component, "bench", &error))
    g_error ("bind: %s", error->message);

  for (int i = 0; i < opt_textures; i++)
    {
      if (resmgr_gl_coordinator_track (coord, context, RESMGR_GL_OBJECT_TEXTURE,
                                       b->textures[i], 16 * 16 * 4, NULL, &error) == 0)
        g_error ("track: %s", error->message);
    }
  for (int i = 0; i < opt_buffers; i++)
    {
      if (resmgr_gl_coordinator_track (coord, context, RESMGR_GL_OBJECT_BUFFER,
                                       b->buffers[i], 256, NULL, &error) == 0)
        g_error ("track: %s", error->message);
    }

  start = g_get_monotonic_time ();
  report = resmgr_coordinator_cleanup_all (RESMGR_COORDINATOR (coord), &error);
  glFinish ();
  end = g_get_monotonic_time ();

  if (report == NULL || !resmgr_cleanup_report_is_clean (report) ||
      resmgr_cleanup_report_get_released (report) != (guint) (opt_textures + opt_buffers + 1))
    b->verified = FALSE;

  /* Whatever the cleanup left for the main loop (an idle with nothing to do). */
  while (g_main_context_iteration (NULL, FALSE))
    ;

  return (end - start) / 1000.0;
}

static double
run_individual (Bench *b)
{
  gint64 start = g_get_monotonic_time ();

  for (int i = 0; i < opt_textures; i++)
    glDeleteTextures (1, &b->textures[i]);
  for (int i = 0; i < opt_buffers; i++)
    glDeleteBuffers (1, &b->buffers[i]);
  glFinish ();

  return (g_get_monotonic_time () - start) / 1000.0;
}

static double
run_batched (Bench *b)
{
  gint64 start = g_get_monotonic_time ();

  glDeleteTextures (opt_textures, b->textures);
  glDeleteBuffers (opt_buffers, b->buffers);
  glFinish ();

  return (g_get_monotonic_time () - start) / 1000.0;
}

static int
compare_double (gconstpointer a,
                gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y;
}

static double
median (double *t,
        int     n)
{
  qsort (t, n, sizeof (double), (int (*) (const void *, const void *)) compare_double);

  return n % 2 ? t[n / 2] : (t[n / 2 - 1] + t[n / 2]) / 2;
}

static gboolean
area_ready (GtkGLArea *area)
{
  return gtk_widget_get_realized (GTK_WIDGET (area)) &&
         (gtk_gl_area_get_context (area) != NULL || gtk_gl_area_get_error (area) != NULL);
}

int
main (int   argc,
      char *argv[])
{
  const GOptionEntry entries[] = {
    { "textures", 't', 0, G_OPTION_ARG_INT, &opt_textures, "Textures (16×16) per pass (10000)", "T" },
    { "buffers", 'b', 0, G_OPTION_ARG_INT, &opt_buffers, "Buffers (256 B) per pass (10000)", "B" },
    { "repetitions", 'r', 0, G_OPTION_ARG_INT, &opt_repetitions, "Timed passes per method (7)", "R" },
    { "quick", 'q', 0, G_OPTION_ARG_NONE, &opt_quick, "Small sizes for CI: 1000 textures, 1000 buffers, 3 passes", NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) options = g_option_context_new ("- time GL name deletion through resmgr");
  g_autoptr(GError) error = NULL;
  double *times[N_METHODS];
  const char *platform = "unknown";
  GdkGLContext *context;
  GtkWidget *window, *area;
  Bench b = { 0 };
  gint64 deadline;
  int major, minor;
  double med[N_METHODS], ratio;

  g_option_context_add_main_entries (options, entries, NULL);
  if (!g_option_context_parse (options, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }
  if (opt_quick)
    {
      opt_textures = MIN (opt_textures, 1000);
      opt_buffers = MIN (opt_buffers, 1000);
      opt_repetitions = MIN (opt_repetitions, 3);
    }
  if (opt_textures < 1 || opt_buffers < 1 || opt_repetitions < 1)
    {
      g_printerr ("--textures, --buffers and --repetitions must be positive\n");
      return 2;
    }

  g_setenv ("GTK_A11Y", "none", FALSE);
  if (!gtk_init_check ())
    {
      g_printerr ("bench-gl-delete: no display (run it under xvfb-run): skipped\n");
      return 77;
    }

  window = gtk_window_new ();
  gtk_window_set_default_size (GTK_WINDOW (window), 64, 64);
  area = gtk_gl_area_new ();
  gtk_window_set_child (GTK_WINDOW (window), area);
  gtk_window_present (GTK_WINDOW (window));
  deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  while (!area_ready (GTK_GL_AREA (area)) && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  if (!area_ready (GTK_GL_AREA (area)) || gtk_gl_area_get_error (GTK_GL_AREA (area)) != NULL)
    {
      g_printerr ("bench-gl-delete: no GL context: %s: skipped\n",
                  gtk_gl_area_get_error (GTK_GL_AREA (area)) ? gtk_gl_area_get_error (GTK_GL_AREA (area))->message
                                                              : "the area did not realize");
      return 77;
    }
  /* Let the first frames go by: GTK's renderer is quiet from here on. */
  while (g_main_context_iteration (NULL, FALSE))
    ;

  context = gtk_gl_area_get_context (GTK_GL_AREA (area));
  gdk_gl_context_make_current (context);
  gdk_gl_context_get_version (context, &major, &minor);
#ifdef GDK_WINDOWING_X11
  if (GDK_IS_X11_DISPLAY (gdk_display_get_default ()))
    platform = gdk_x11_display_get_egl_display (gdk_display_get_default ()) ? "EGL" : "GLX";
#endif

  b.textures = g_new0 (GLuint, opt_textures);
  b.buffers = g_new0 (GLuint, opt_buffers);
  b.verified = TRUE;
  for (int m = 0; m < N_METHODS; m++)
    times[m] = g_new0 (double, opt_repetitions);

  /* One untimed warm-up pass of each, then the timed ones. */
  for (int rep = -1; rep < opt_repetitions; rep++)
    for (int k = 0; k < N_METHODS; k++)
      {
        int m = (k + (rep < 0 ? 0 : rep)) % N_METHODS;
        double t = 0;

        make_objects (&b);
        /* The coordinator restores the current context: keep it ours. */
        gdk_gl_context_make_current (context);
        switch (m)
          {
          case METHOD_RESMGR:
            t = run_resmgr (&b, context);
            break;
          case METHOD_INDIVIDUAL:
            t = run_individual (&b);
            break;
          case METHOD_BATCHED:
            t = run_batched (&b);
            break;
          default:
            g_assert_not_reached ();
          }
        gdk_gl_context_make_current (context);
        verify_gone (&b);
        if (rep >= 0)
          times[m][rep] = t;
      }

  for (int m = 0; m < N_METHODS; m++)
    med[m] = median (times[m], opt_repetitions);

  ratio = med[METHOD_BATCHED] > 0 ? med[METHOD_RESMGR] / med[METHOD_BATCHED] : 0.0;
  printf ("{\"name\": \"gl-delete\", \"workload\": \"gl-delete\", "
          "\"textures\": %d, \"buffers\": %d, \"repetitions\": %d, "
          "\"resmgr_ms\": %.3f, \"individual_ms\": %.3f, \"batched_ms\": %.3f, "
          "\"resmgr_vs_batched\": %.3f, \"ratio\": %.3f, \"target\": 1.3, \"target_op\": \"<=\", "
          "\"meets_target\": %s, \"verified\": %s, \"gl\": \"%s %d.%d %s\"}\n",
          opt_textures, opt_buffers, opt_repetitions,
          med[METHOD_RESMGR], med[METHOD_INDIVIDUAL], med[METHOD_BATCHED],
          ratio, ratio, ratio <= 1.3 ? "true" : "false",
          b.verified ? "true" : "false", platform, major, minor,
          (const char *) glGetString (GL_RENDERER));
  fflush (stdout);

  gdk_gl_context_clear_current ();
  gtk_window_destroy (GTK_WINDOW (window));
  while (g_main_context_iteration (NULL, FALSE))
    ;
  for (int m = 0; m < N_METHODS; m++)
    g_free (times[m]);
  g_free (b.textures);
  g_free (b.buffers);

  return b.verified ? 0 : 1;
}
