/* test-application.c: the ordered shutdown of a GtkApplication
 *
 * Runs real GtkApplications (no application id, so no D-Bus name) under
 * the test's display (Xvfb); skipped without one.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <string.h>
#include <unistd.h>

#include <epoxy/gl.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "test-common-gtk.h"

static gboolean have_display;

/* Controllers {{{ */


#define TEST_TYPE_APP_CONTROLLER (test_app_controller_get_type ())
G_DECLARE_FINAL_TYPE (TestAppController, test_app_controller, TEST, APP_CONTROLLER, ResmgrController)
struct _TestAppController { ResmgrController parent_instance; };
G_DEFINE_FINAL_TYPE (TestAppController, test_app_controller, RESMGR_TYPE_CONTROLLER)
static void test_app_controller_class_init (TestAppControllerClass *klass) { }
static void test_app_controller_init (TestAppController *self) { }

/* }}} */

/* The name of a phase, as in the JSON report: its enum nick. */
static const char *
phase_nick (ResmgrShutdownPhase phase)
{
  g_autoptr(GEnumClass) klass = g_type_class_ref (RESMGR_TYPE_SHUTDOWN_PHASE);

  return g_enum_get_value (klass, phase)->value_nick;
}

/* The scenario {{{ */

typedef struct
{
  gboolean          stubborn;      /* run a job that ignores cancellation */
  ResmgrManager    *manager;
  GtkApplication   *app;
  ResmgrApplicationShutdown *shutdown;
  Recorder         *rec;           /* the order of events */
  GtkWidget        *window;
  GtkWidget        *area;
  ResmgrController *jobs;          /* weak pointers */
  ResmgrController *draw;
  ResmgrController *app_controller; /* strong: the application's own */
  ResmgrCleanupReport *report;     /* from ::shutdown-finished */
  guint             n_finished;
  guint             n_workers_phase;
  gboolean          held_while_busy;
  gboolean          gl_ok;
  guint             gl_texture;
  guint             gl_buffer;
  gboolean          gl_gone_before_windows;
  char             *report_path;
  gint64            closed_at;
  gint64            finished_at;

  /* The jobs: */
  GMutex            mutex;
  GCond             cond;
  guint             n_started;
  gboolean          release_stubborn;
  gboolean          stubborn_over;
} Scenario;

static gpointer
cooperative_job (ResmgrWorker  *worker,
                 GCancellable  *cancellable,
                 gpointer       user_data,
                 GError       **error)
{
  Scenario *s = user_data;

  g_mutex_lock (&s->mutex);
  s->n_started++;
  g_cond_broadcast (&s->cond);
  g_mutex_unlock (&s->mutex);

  while (!g_cancellable_set_error_if_cancelled (cancellable, error))
    g_usleep (1000);

  return NULL;
}

/* Ignores cancellation until the test lets it go (bounded, so that a
 * failing test does not hang). */
static gpointer
stubborn_job (ResmgrWorker  *worker,
              GCancellable  *cancellable,
              gpointer       user_data,
              GError       **error)
{
  Scenario *s = user_data;
  gint64 end = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;

  g_mutex_lock (&s->mutex);
  s->n_started++;
  g_cond_broadcast (&s->cond);
  while (!s->release_stubborn && g_get_monotonic_time () < end)
    g_cond_wait_until (&s->cond, &s->mutex, end);
  g_mutex_unlock (&s->mutex);

  return NULL;
}

/* user_data_destroy of the stubborn job: on its own thread, last. */
static void
stubborn_over (gpointer data)
{
  Scenario *s = data;

  g_mutex_lock (&s->mutex);
  s->stubborn_over = TRUE;
  g_cond_broadcast (&s->cond);
  g_mutex_unlock (&s->mutex);
}

static void
job_done_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  Scenario *s = user_data;
  g_autoptr(GError) error = NULL;

  resmgr_worker_coordinator_run_finish (RESMGR_WORKER_COORDINATOR (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    recorder_push (s->rec, "job-cancelled");
  else if (g_error_matches (error, RESMGR_ERROR, RESMGR_ERROR_TIMED_OUT))
    recorder_push (s->rec, "job-abandoned");
  else
    recorder_push (s->rec, "job-other");
}

static gboolean
tick (GObject  *target,
      gpointer  user_data)
{
  return G_SOURCE_CONTINUE;
}

static void
phase_started_cb (ResmgrApplicationShutdown *shutdown,
                  ResmgrShutdownPhase        phase,
                  Scenario                  *s)
{
  g_autofree char *event = g_strdup_printf ("phase:%s", phase_nick (phase));

  recorder_push (s->rec, event);

  if (phase == RESMGR_SHUTDOWN_PHASE_WORKERS)
    {
      s->n_workers_phase++;
      /* Asking again while it runs starts nothing. */
      gtk_window_close (GTK_WINDOW (s->window));
      resmgr_application_shutdown_start (shutdown);
      g_assert_true (resmgr_application_shutdown_is_running (shutdown));
    }

  if (phase == RESMGR_SHUTDOWN_PHASE_WINDOWS && s->area != NULL)
    {
      /* The GL phase is over and the window is still here. */
      g_assert_true (gtk_widget_get_realized (s->area));
      if (s->gl_ok)
        {
          gtk_gl_area_make_current (GTK_GL_AREA (s->area));
          s->gl_gone_before_windows = !glIsTexture (s->gl_texture) && !glIsBuffer (s->gl_buffer);
        }
    }
}

static void
shutdown_finished_cb (ResmgrApplicationShutdown *shutdown,
                      ResmgrCleanupReport       *report,
                      Scenario                  *s)
{
  s->n_finished++;
  s->finished_at = g_get_monotonic_time ();
  s->report = resmgr_cleanup_report_ref (report);
  recorder_push (s->rec, "finished");
}

static void
window_destroy_cb (GtkWidget *window,
                   Scenario  *s)
{
  recorder_push (s->rec, "window-destroyed");
}

static void
controller_cleaned_cb (ResmgrController    *controller,
                       ResmgrCleanupReport *report,
                       Scenario            *s)
{
  g_autofree char *event = g_strdup_printf ("cleaned:%s", G_OBJECT_TYPE_NAME (controller));

  recorder_push (s->rec, event);
}

static void
area_realize_cb (GtkGLArea *area,
                 Scenario  *s)
{
  ResmgrGLCoordinator *gl = resmgr_controller_get_gl_coordinator (s->draw);
  guint64 tex, buf;
  g_autoptr(GError) error = NULL;
  GdkGLContext *context;

  gtk_gl_area_make_current (area);
  if (gtk_gl_area_get_error (area) != NULL || (context = gtk_gl_area_get_context (area)) == NULL)
    return;

  glGenTextures (1, &s->gl_texture);
  glBindTexture (GL_TEXTURE_2D, s->gl_texture);
  glBindTexture (GL_TEXTURE_2D, 0);
  glGenBuffers (1, &s->gl_buffer);
  glBindBuffer (GL_ARRAY_BUFFER, s->gl_buffer);
  glBindBuffer (GL_ARRAY_BUFFER, 0);

  tex = resmgr_gl_coordinator_track (gl, context, RESMGR_GL_OBJECT_TEXTURE, s->gl_texture, 1024, "texture", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (tex, !=, 0);
  buf = resmgr_gl_coordinator_track (gl, context, RESMGR_GL_OBJECT_BUFFER, s->gl_buffer, 1024, "buffer", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (buf, !=, 0);
  s->gl_ok = TRUE;
}

/* A tab as an application writes it: widgets and a bound controller. */
static GtkWidget *
jobs_tab_new (Scenario *s)
{
  GtkWidget *tab = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  GtkWidget *spinner = gtk_spinner_new ();
  GtkWidget *status = gtk_label_new (NULL);
  ResmgrController *controller = g_object_new (TEST_TYPE_WORKER_CONTROLLER, "service", s->manager, NULL);

  gtk_box_append (GTK_BOX (tab), spinner);
  gtk_box_append (GTK_BOX (tab), status);
  g_object_bind_property (controller, "busy", spinner, "spinning", G_BINDING_SYNC_CREATE);
  g_object_bind_property (controller, "status", status, "label", G_BINDING_SYNC_CREATE);
  resmgr_controller_bind_widget (controller, tab);

  s->jobs = controller;
  g_object_add_weak_pointer (G_OBJECT (controller), (gpointer *) &s->jobs);
  g_signal_connect (controller, "cleaned-up", G_CALLBACK (controller_cleaned_cb), s);
  g_object_unref (controller);

  return tab;
}

static GtkWidget *
draw_tab_new (Scenario *s)
{
  GtkWidget *tab = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  ResmgrController *controller = g_object_new (TEST_TYPE_GL_CONTROLLER, "service", s->manager, NULL);

  s->draw = controller;
  s->area = gtk_gl_area_new ();
  gtk_widget_set_size_request (s->area, 32, 32);
  g_signal_connect (s->area, "realize", G_CALLBACK (area_realize_cb), s);
  resmgr_gl_coordinator_attach_area (resmgr_controller_get_gl_coordinator (controller), GTK_GL_AREA (s->area));
  gtk_box_append (GTK_BOX (tab), s->area);
  resmgr_controller_bind_widget (controller, tab);

  g_object_add_weak_pointer (G_OBJECT (controller), (gpointer *) &s->draw);
  g_signal_connect (controller, "cleaned-up", G_CALLBACK (controller_cleaned_cb), s);
  g_object_unref (controller);

  return tab;
}

static void
run_jobs (Scenario *s)
{
  ResmgrWorkerCoordinator *workers = resmgr_controller_get_worker_coordinator (s->jobs);
  g_autoptr(ResmgrWorker) w1 = NULL;
  g_autoptr(ResmgrWorker) w2 = NULL;
  guint expected = s->stubborn ? 2 : 1;

  w1 = resmgr_worker_coordinator_run (workers, "cooperative", cooperative_job, s, NULL, NULL,
                                      job_done_cb, s);
  g_assert_nonnull (w1);
  if (s->stubborn)
    {
      w2 = resmgr_worker_coordinator_run (workers, "stubborn", stubborn_job, s, stubborn_over, NULL,
                                          job_done_cb, s);
      g_assert_nonnull (w2);
    }
  resmgr_controller_set_status (s->jobs, "hashing");

  g_mutex_lock (&s->mutex);
  while (s->n_started < expected)
    g_cond_wait (&s->cond, &s->mutex);
  g_mutex_unlock (&s->mutex);
}

static gboolean
close_window_cb (gpointer data)
{
  Scenario *s = data;

  /* Let the area draw once, and the busy notification arrive. */
  if (!gtk_widget_get_realized (s->area) || !resmgr_application_shutdown_is_holding (s->shutdown))
    return G_SOURCE_CONTINUE;

  s->held_while_busy = resmgr_application_shutdown_is_holding (s->shutdown);
  s->closed_at = g_get_monotonic_time ();
  gtk_window_close (GTK_WINDOW (s->window));

  return G_SOURCE_REMOVE;
}

static void
activate_cb (GtkApplication *app,
             Scenario       *s)
{
  GtkWidget *notebook = gtk_notebook_new ();
  ResmgrCoordinator *coordinator;
  guint64 h1 = 0;
  guint64 h2 = 0;
  guint64 h3 = 0;
  g_autoptr(GError) error = NULL;

  s->window = gtk_application_window_new (app);
  g_signal_connect (s->window, "destroy", G_CALLBACK (window_destroy_cb), s);
  gtk_notebook_append_page (GTK_NOTEBOOK (notebook), jobs_tab_new (s), gtk_label_new ("Jobs"));
  gtk_notebook_append_page (GTK_NOTEBOOK (notebook), draw_tab_new (s), gtk_label_new ("Draw"));
  gtk_window_set_child (GTK_WINDOW (s->window), notebook);
  /* The GL tab is shown, so that its area is realized. */
  gtk_notebook_set_current_page (GTK_NOTEBOOK (notebook), 1);

  /* The application's own controller: a timer, a source and plain memory. */
  s->app_controller = g_object_new (TEST_TYPE_APP_CONTROLLER, "service", s->manager, NULL);
  g_signal_connect (s->app_controller, "cleaned-up", G_CALLBACK (controller_cleaned_cb), s);
  coordinator = resmgr_controller_get_resources (s->app_controller);
  h1 = resmgr_coordinator_timeout_add (coordinator, "tick", 10, G_OBJECT (s->app_controller), tick, NULL, NULL);
  g_assert_cmpuint (h1, !=, 0);
  h2 = resmgr_coordinator_track_data (coordinator, RESMGR_RESOURCE_TYPE_SOURCE, "source", 0,
                                      RESMGR_PRIORITY_DEFAULT, item_new (s->rec, "source-removed"),
                                      item_destroy, &error);
  g_assert_cmpuint (h2, !=, 0);
  g_assert_no_error (error);
  h3 = resmgr_coordinator_track_data (coordinator, RESMGR_RESOURCE_TYPE_MEMORY, "memory", 4096,
                                      RESMGR_PRIORITY_DEFAULT, item_new (s->rec, "memory-freed"),
                                      item_destroy, &error);
  g_assert_cmpuint (h3, !=, 0);
  g_assert_no_error (error);

  gtk_window_present (GTK_WINDOW (s->window));
  run_jobs (s);

  g_timeout_add (20, close_window_cb, s);
}

static void
scenario_run (Scenario *s)
{
  g_autoptr(ResmgrStats) stats = NULL;
  g_autofree char *json = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *root;
  JsonArray *phases;
  static const char * const expected_phases[] = { "workers", "sources", "gl", "windows", "rest", "verify" };
  guint total_deadlines = 0;

  g_mutex_init (&s->mutex);
  g_cond_init (&s->cond);
  s->manager = resmgr_manager_new ();
  s->rec = recorder_new ();
  s->report_path = g_build_filename (g_get_tmp_dir (), "resmgr-test-application-XXXXXX.json", NULL);
  {
    int fd = g_mkstemp (s->report_path);
    g_assert_cmpint (fd, >=, 0);
    close (fd);
  }
  g_setenv ("RESMGR_REPORT", s->report_path, TRUE);

  s->app = gtk_application_new (NULL, G_APPLICATION_NON_UNIQUE);
  s->shutdown = resmgr_application_attach (s->app, RESMGR_SERVICE (s->manager));
  g_assert_true (resmgr_application_attach (s->app, NULL) == s->shutdown);
  g_assert_true (resmgr_application_get_shutdown (s->app) == s->shutdown);
  {
    /* It refers to its application weakly: a new reference on request. */
    g_autoptr(GtkApplication) app = resmgr_application_shutdown_dup_application (s->shutdown);

    g_assert_true (app == s->app);
  }
  g_assert_cmpstr (resmgr_application_shutdown_get_report_path (s->shutdown), ==, s->report_path);
  g_unsetenv ("RESMGR_REPORT");

  resmgr_application_shutdown_set_phase_timeout (s->shutdown, RESMGR_SHUTDOWN_PHASE_WORKERS, 300);
  for (ResmgrShutdownPhase p = RESMGR_SHUTDOWN_PHASE_WORKERS; p < RESMGR_SHUTDOWN_PHASE_DONE; p++)
    total_deadlines += resmgr_application_shutdown_get_phase_timeout (s->shutdown, p);
  g_signal_connect (s->shutdown, "phase-started", G_CALLBACK (phase_started_cb), s);
  g_signal_connect (s->shutdown, "shutdown-finished", G_CALLBACK (shutdown_finished_cb), s);
  g_signal_connect (s->app, "activate", G_CALLBACK (activate_cb), s);

  g_assert_cmpint (g_application_run (G_APPLICATION (s->app), 0, NULL), ==, 0);

  /* One shutdown, all its phases, in order. */
  g_assert_cmpuint (s->n_finished, ==, 1);
  g_assert_cmpuint (s->n_workers_phase, ==, 1);
  g_assert_true (s->held_while_busy);
  g_assert_cmpint (resmgr_application_shutdown_get_phase (s->shutdown), ==, RESMGR_SHUTDOWN_PHASE_DONE);
  g_assert_cmpuint (resmgr_application_shutdown_get_n_phases (s->shutdown), ==, G_N_ELEMENTS (expected_phases));
  for (guint i = 0; i < G_N_ELEMENTS (expected_phases); i++)
    {
      gint64 started, duration;
      gboolean overran;
      ResmgrShutdownPhase phase;

      phase = resmgr_application_shutdown_get_phase_record (s->shutdown, i, &started, &duration, &overran);
      g_assert_cmpstr (phase_nick (phase), ==, expected_phases[i]);
      g_assert_false (overran);
    }
  g_assert_true (resmgr_application_shutdown_get_report (s->shutdown) == s->report);
  /* Within its deadlines. */
  g_assert_cmpint (s->finished_at - s->closed_at, <, (gint64) total_deadlines * 1000);

  /* The tabs' controllers are cleaned after the window and its tabs were
   * destroyed (a tab's ::destroy only schedules its controller's cleanup,
   * so window-destroyed comes first), not at their unrealize, in page
   * order, within the windows phase, which waits for them. */
  if (s->stubborn)
    {
      g_auto(GStrv) abandoned = resmgr_application_shutdown_dup_abandoned (s->shutdown);
      const GError *failure = NULL;

      /* The abandoned job's outcome is delivered as the wait ends, before
       * the cancelled one is settled: both within the workers phase. */
      assert_recorded (s->rec,
                       "phase:workers,job-abandoned,job-cancelled,"
                       "phase:sources,source-removed,"
                       "phase:gl,"
                       "phase:windows,window-destroyed,cleaned:TestWorkerController,cleaned:TestGLController,"
                       "phase:rest,memory-freed,cleaned:TestAppController,"
                       "phase:verify,finished");
      g_assert_cmpuint (g_strv_length (abandoned), ==, 1);
      g_assert_true (g_str_has_suffix (abandoned[0], ": stubborn"));
      g_assert_true (g_str_has_prefix (abandoned[0], "TestWorkerController-"));
      g_assert_cmpuint (resmgr_cleanup_report_get_n_failures (s->report), ==, 1);
      g_assert_cmpstr (resmgr_handle_get_name (resmgr_cleanup_report_get_failure (s->report, 0)), ==, "stubborn");
      failure = resmgr_cleanup_report_get_failure_error (s->report, 0);
      g_assert_error ((GError *) failure, RESMGR_ERROR, RESMGR_ERROR_TIMED_OUT);
      g_assert_false (resmgr_cleanup_report_is_clean (s->report));
    }
  else
    {
      assert_recorded (s->rec,
                       "phase:workers,job-cancelled,"
                       "phase:sources,source-removed,"
                       "phase:gl,"
                       "phase:windows,window-destroyed,cleaned:TestWorkerController,cleaned:TestGLController,"
                       "phase:rest,memory-freed,cleaned:TestAppController,"
                       "phase:verify,finished");
      g_assert_true (resmgr_cleanup_report_is_clean (s->report));
    }

  if (s->gl_ok)
    g_assert_true (s->gl_gone_before_windows);
  else
    g_test_message ("GL unavailable: the GL names were not checked");

  /* Nothing is tracked, the tabs' controllers are gone. */
  g_assert_cmpuint (resmgr_cleanup_report_get_leftovers (s->report)->len, ==, 0);
  stats = resmgr_service_dup_stats (RESMGR_SERVICE (s->manager));
  g_assert_cmpuint (resmgr_stats_get_n_resources (stats), ==, 0);
  g_assert_null (s->jobs);
  g_assert_null (s->draw);
  g_assert_true (resmgr_controller_is_cleaned_up (s->app_controller));

  /* The JSON report. */
  g_assert_true (json_parser_load_from_file (parser, s->report_path, &error));
  g_assert_no_error (error);
  root = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpint (json_object_get_boolean_member (root, "clean"), ==, !s->stubborn);
  phases = json_object_get_array_member (root, "phases");
  g_assert_cmpuint (json_array_get_length (phases), ==, G_N_ELEMENTS (expected_phases));
  for (guint i = 0; i < G_N_ELEMENTS (expected_phases); i++)
    g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (phases, i), "name"),
                     ==, expected_phases[i]);
  g_assert_true (json_object_has_member (json_object_get_object_member (root, "report"), "phases"));
  json = resmgr_application_shutdown_to_json (s->shutdown, TRUE);
  g_assert_nonnull (strstr (json, "\"verify\""));

  /* The abandoned job ends on its own thread; wait for it, so that the
   * process is left with nothing running. */
  g_mutex_lock (&s->mutex);
  s->release_stubborn = TRUE;
  g_cond_broadcast (&s->cond);
  while (s->stubborn && !s->stubborn_over)
    g_cond_wait (&s->cond, &s->mutex);
  g_mutex_unlock (&s->mutex);

  g_clear_object (&s->app_controller);
  g_clear_object (&s->app);
  g_clear_pointer (&s->report, resmgr_cleanup_report_unref);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_clear_object (&s->manager);
  g_unlink (s->report_path);
  g_free (s->report_path);
  recorder_free (s->rec);
  g_mutex_clear (&s->mutex);
  g_cond_clear (&s->cond);
}

/* }}} */

/* Jobs of the same name {{{ */

typedef enum {
  SAME_NAME_FIRST_ABANDONED,
  SAME_NAME_SECOND_ABANDONED,
  SAME_NAME_BOTH_ABANDONED,
} SameNameCase;

typedef struct
{
  SameNameCase      which;
  ResmgrManager    *manager;
  GtkApplication   *app;
  ResmgrApplicationShutdown *shutdown;
  ResmgrController *controller;
  ResmgrCleanupReport *report;
  guint64           ids[2];        /* the WORKER resource of each job, in run order */

  GMutex            mutex;
  GCond             cond;
  guint             n_started;
  gboolean          release;
  guint             n_over;        /* user_data_destroy of the jobs ran */
} SameName;

/* Returns as soon as it is cancelled. */
static gpointer
same_cooperative_job (ResmgrWorker  *worker,
                      GCancellable  *cancellable,
                      gpointer       user_data,
                      GError       **error)
{
  SameName *sn = user_data;
  GPollFD pfd;

  g_mutex_lock (&sn->mutex);
  sn->n_started++;
  g_cond_broadcast (&sn->cond);
  g_mutex_unlock (&sn->mutex);

  if (g_cancellable_make_pollfd (cancellable, &pfd))
    {
      while (!g_cancellable_is_cancelled (cancellable))
        g_poll (&pfd, 1, -1);
      g_cancellable_release_fd (cancellable);
    }
  g_cancellable_set_error_if_cancelled (cancellable, error);

  return NULL;
}

/* Ignores cancellation until the test lets it go. */
static gpointer
same_stubborn_job (ResmgrWorker  *worker,
                   GCancellable  *cancellable,
                   gpointer       user_data,
                   GError       **error)
{
  SameName *sn = user_data;

  g_mutex_lock (&sn->mutex);
  sn->n_started++;
  g_cond_broadcast (&sn->cond);
  while (!sn->release)
    g_cond_wait (&sn->cond, &sn->mutex);
  g_mutex_unlock (&sn->mutex);

  return NULL;
}

static void
same_job_over (gpointer data)
{
  SameName *sn = data;

  g_mutex_lock (&sn->mutex);
  sn->n_over++;
  g_cond_broadcast (&sn->cond);
  g_mutex_unlock (&sn->mutex);
}

static void
same_job_done_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  resmgr_worker_coordinator_run_finish (RESMGR_WORKER_COORDINATOR (source), result, &error);
  g_assert_nonnull (error);
}

/* The id of the WORKER resource that is not in @known. */
static guint64
new_worker_id (ResmgrController *controller,
               const guint64    *known,
               guint             n_known)
{
  g_autoptr(GPtrArray) handles = resmgr_coordinator_dup_handles (resmgr_controller_get_resources (controller));
  guint64 found = 0;

  for (guint i = 0; i < handles->len; i++)
    {
      ResmgrHandle *h = g_ptr_array_index (handles, i);
      guint64 id = resmgr_handle_get_id (h);
      gboolean seen = FALSE;

      if (resmgr_handle_get_resource_type (h) != RESMGR_RESOURCE_TYPE_WORKER)
        continue;
      for (guint j = 0; j < n_known; j++)
        seen |= known[j] == id;
      if (!seen)
        {
          g_assert_cmpuint (found, ==, 0);
          found = id;
        }
    }
  g_assert_cmpuint (found, !=, 0);

  return found;
}

static gboolean
same_close_cb (gpointer data)
{
  SameName *sn = data;
  GList *windows = gtk_application_get_windows (sn->app);

  gtk_window_close (GTK_WINDOW (windows->data));

  return G_SOURCE_REMOVE;
}

static void
same_activate_cb (GtkApplication *app,
                  SameName       *sn)
{
  ResmgrWorkerCoordinator *workers;
  GtkWidget *window = gtk_application_window_new (app);

  sn->controller = g_object_new (TEST_TYPE_WORKER_CONTROLLER, "service", sn->manager, NULL);
  workers = resmgr_controller_get_worker_coordinator (sn->controller);

  for (guint i = 0; i < 2; i++)
    {
      gboolean stubborn = sn->which == SAME_NAME_BOTH_ABANDONED ||
                          (i == 0 && sn->which == SAME_NAME_FIRST_ABANDONED) ||
                          (i == 1 && sn->which == SAME_NAME_SECOND_ABANDONED);
      g_autoptr(ResmgrWorker) worker = NULL;

      worker = resmgr_worker_coordinator_run (workers, "same",
                                              stubborn ? same_stubborn_job : same_cooperative_job,
                                              sn, same_job_over, NULL, same_job_done_cb, sn);
      g_assert_nonnull (worker);
      sn->ids[i] = new_worker_id (sn->controller, sn->ids, i);

      /* The first runs before the second is queued. */
      g_mutex_lock (&sn->mutex);
      while (sn->n_started < i + 1)
        g_cond_wait (&sn->cond, &sn->mutex);
      g_mutex_unlock (&sn->mutex);
    }
  g_assert_cmpuint (sn->ids[0], !=, sn->ids[1]);

  gtk_window_present (GTK_WINDOW (window));
  g_idle_add (same_close_cb, sn);
}

static void
same_finished_cb (ResmgrApplicationShutdown *shutdown,
                  ResmgrCleanupReport       *report,
                  SameName                  *sn)
{
  sn->report = resmgr_cleanup_report_ref (report);
}

static void
test_same_name_abandoned (gconstpointer data)
{
  SameName sn = { 0 };
  g_auto(GStrv) abandoned = NULL;
  guint n_expected;
  gboolean seen[2] = { FALSE, FALSE };

  g_test_summary ("Two jobs of one controller share a name and one or both ignore cancellation "
                  "at shutdown: each report entry carries the abandoned job's own resource "
                  "(id and creation), never the other job's");

  if (!have_display)
    {
      g_test_skip ("no display (run under Xvfb)");
      return;
    }

  sn.which = GPOINTER_TO_INT (data);
  g_mutex_init (&sn.mutex);
  g_cond_init (&sn.cond);
  sn.manager = resmgr_manager_new ();
  sn.app = gtk_application_new (NULL, G_APPLICATION_NON_UNIQUE);
  sn.shutdown = resmgr_application_attach (sn.app, RESMGR_SERVICE (sn.manager));
  resmgr_application_shutdown_set_report_path (sn.shutdown, NULL);
  resmgr_application_shutdown_set_phase_timeout (sn.shutdown, RESMGR_SHUTDOWN_PHASE_WORKERS, 300);
  g_signal_connect (sn.shutdown, "shutdown-finished", G_CALLBACK (same_finished_cb), &sn);
  g_signal_connect (sn.app, "activate", G_CALLBACK (same_activate_cb), &sn);

  g_assert_cmpint (g_application_run (G_APPLICATION (sn.app), 0, NULL), ==, 0);
  g_assert_nonnull (sn.report);

  n_expected = sn.which == SAME_NAME_BOTH_ABANDONED ? 2 : 1;
  abandoned = resmgr_application_shutdown_dup_abandoned (sn.shutdown);
  g_assert_cmpuint (g_strv_length (abandoned), ==, n_expected);
  g_assert_cmpuint (resmgr_cleanup_report_get_n_failures (sn.report), ==, n_expected);
  for (guint i = 0; i < n_expected; i++)
    {
      const GError *failure = resmgr_cleanup_report_get_failure_error (sn.report, i);
      ResmgrHandle *handle = resmgr_cleanup_report_get_failure (sn.report, i);
      guint64 id = resmgr_handle_get_id (handle);
      g_autofree char *named = g_strdup_printf ("(resource %" G_GUINT64_FORMAT ")", id);
      guint index;

      g_assert_cmpstr (resmgr_handle_get_name (handle), ==, "same");
      g_assert_error ((GError *) failure, RESMGR_ERROR, RESMGR_ERROR_TIMED_OUT);

      switch (sn.which)
        {
        case SAME_NAME_FIRST_ABANDONED:
          g_assert_cmpuint (id, ==, sn.ids[0]);
          break;
        case SAME_NAME_SECOND_ABANDONED:
          g_assert_cmpuint (id, ==, sn.ids[1]);
          break;
        case SAME_NAME_BOTH_ABANDONED:
          g_assert_true (id == sn.ids[0] || id == sn.ids[1]);
          index = id == sn.ids[0] ? 0 : 1;
          g_assert_false (seen[index]);
          seen[index] = TRUE;
          break;
        }

      /* The message is about that same resource. */
      g_assert_nonnull (strstr (failure->message, named));
    }

  /* Let the stubborn jobs end, so that nothing is left running. */
  g_mutex_lock (&sn.mutex);
  sn.release = TRUE;
  g_cond_broadcast (&sn.cond);
  while (sn.n_over < 2)
    g_cond_wait (&sn.cond, &sn.mutex);
  g_mutex_unlock (&sn.mutex);

  g_clear_object (&sn.controller);
  g_clear_object (&sn.app);
  g_clear_pointer (&sn.report, resmgr_cleanup_report_unref);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_clear_object (&sn.manager);
  g_mutex_clear (&sn.mutex);
  g_cond_clear (&sn.cond);
}

/* }}} */

/* A tab whose controller belongs to another thread {{{ */

typedef struct
{
  ResmgrManager    *manager;
  GtkApplication   *app;
  Recorder         *rec;
  GMainContext     *context;       /* the owner thread's */
  GMainLoop        *loop;
  GThread          *thread;
  GMutex            mutex;
  GCond             cond;
  ResmgrController *controller;    /* made by the owner thread, handed over */
  gboolean          go;            /* the owner thread may iterate */
  GThread          *cleaned_on;
  ResmgrCleanupReport *controller_report;
  ResmgrCleanupReport *report;     /* the shutdown's */
} OtherOwner;

static void
other_cleaned_cb (ResmgrController    *controller,
                  ResmgrCleanupReport *report,
                  OtherOwner          *o)
{
  o->cleaned_on = g_thread_self ();
  o->controller_report = resmgr_cleanup_report_ref (report);
  recorder_push (o->rec, "cleaned:TestAppController");
}

static gpointer
other_owner_thread (gpointer data)
{
  OtherOwner *o = data;
  ResmgrController *controller;
  g_autoptr(GError) error = NULL;

  g_main_context_push_thread_default (o->context);
  controller = g_object_new (TEST_TYPE_APP_CONTROLLER, "service", o->manager, NULL);
  g_signal_connect (controller, "cleaned-up", G_CALLBACK (other_cleaned_cb), o);
  g_assert_cmpuint (resmgr_coordinator_track_data (resmgr_controller_get_resources (controller),
                                                   RESMGR_RESOURCE_TYPE_MEMORY, "memory", 64,
                                                   RESMGR_PRIORITY_DEFAULT, item_new (o->rec, "memory-freed"),
                                                   item_destroy, &error), !=, 0);
  g_assert_no_error (error);

  g_mutex_lock (&o->mutex);
  o->controller = controller;
  g_cond_broadcast (&o->cond);
  /* Blocked, not iterating, until the window is destroyed. */
  while (!o->go)
    g_cond_wait (&o->cond, &o->mutex);
  g_mutex_unlock (&o->mutex);

  g_main_loop_run (o->loop);
  g_main_context_pop_thread_default (o->context);

  return NULL;
}

static void
other_window_destroy_cb (GtkWidget  *window,
                         OtherOwner *o)
{
  recorder_push (o->rec, "window-destroyed");
  g_mutex_lock (&o->mutex);
  o->go = TRUE;
  g_cond_broadcast (&o->cond);
  g_mutex_unlock (&o->mutex);
}

static void
other_phase_cb (ResmgrApplicationShutdown *shutdown,
                ResmgrShutdownPhase        phase,
                OtherOwner                *o)
{
  g_autofree char *event = g_strdup_printf ("phase:%s", phase_nick (phase));

  recorder_push (o->rec, event);
}

static void
other_finished_cb (ResmgrApplicationShutdown *shutdown,
                   ResmgrCleanupReport       *report,
                   OtherOwner                *o)
{
  o->report = resmgr_cleanup_report_ref (report);
}

static gboolean
other_close_cb (gpointer data)
{
  OtherOwner *o = data;

  gtk_window_close (GTK_WINDOW (gtk_application_get_windows (o->app)->data));

  return G_SOURCE_REMOVE;
}

static void
other_activate_cb (GtkApplication *app,
                   OtherOwner     *o)
{
  GtkWidget *window = gtk_application_window_new (app);
  GtkWidget *tab = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);

  g_signal_connect (window, "destroy", G_CALLBACK (other_window_destroy_cb), o);
  resmgr_controller_bind_widget (o->controller, tab);
  g_clear_object (&o->controller);
  gtk_window_set_child (GTK_WINDOW (window), tab);
  gtk_window_present (GTK_WINDOW (window));
  g_idle_add (other_close_cb, o);
}

static void
test_windows_other_owner (void)
{
  OtherOwner o = { 0 };
  g_autofree char *joined = NULL;

  g_test_summary ("The windows phase waits for the cleanup of a tab's controller whose owner "
                  "is another thread, blocked when the window is destroyed: it runs there when "
                  "that thread iterates, before the rest phase starts, and its report is merged "
                  "into the shutdown's");

  if (!have_display)
    {
      g_test_skip ("no display (run under Xvfb)");
      return;
    }

  g_mutex_init (&o.mutex);
  g_cond_init (&o.cond);
  o.manager = resmgr_manager_new ();
  o.rec = recorder_new ();
  o.context = g_main_context_new ();
  o.loop = g_main_loop_new (o.context, FALSE);

  g_mutex_lock (&o.mutex);
  o.thread = g_thread_new ("owner", other_owner_thread, &o);
  while (o.controller == NULL)
    g_cond_wait (&o.cond, &o.mutex);
  g_mutex_unlock (&o.mutex);

  o.app = gtk_application_new (NULL, G_APPLICATION_NON_UNIQUE);
  {
    ResmgrApplicationShutdown *shutdown = resmgr_application_attach (o.app, RESMGR_SERVICE (o.manager));

    /* Not waited for: a failing test ends, it does not hang. */
    resmgr_application_shutdown_set_phase_timeout (shutdown, RESMGR_SHUTDOWN_PHASE_WINDOWS, 30000);
    g_signal_connect (shutdown, "phase-started", G_CALLBACK (other_phase_cb), &o);
    g_signal_connect (shutdown, "shutdown-finished", G_CALLBACK (other_finished_cb), &o);
  }
  g_signal_connect (o.app, "activate", G_CALLBACK (other_activate_cb), &o);
  g_assert_cmpint (g_application_run (G_APPLICATION (o.app), 0, NULL), ==, 0);

  assert_recorded (o.rec,
                   "phase:workers,phase:sources,phase:gl,"
                   "phase:windows,window-destroyed,memory-freed,cleaned:TestAppController,"
                   "phase:rest,phase:verify");
  g_assert_true (recorder_thread (o.rec, 5) == o.thread);
  g_assert_true (o.cleaned_on == o.thread);
  g_assert_nonnull (o.report);
  g_assert_true (resmgr_cleanup_report_is_clean (o.report));
  /* Its report is the shutdown's: nothing else released anything. */
  g_assert_cmpuint (resmgr_cleanup_report_get_released (o.controller_report), >=, 1);
  g_assert_cmpuint (resmgr_cleanup_report_get_released (o.report), ==,
                    resmgr_cleanup_report_get_released (o.controller_report));

  g_main_loop_quit (o.loop);
  g_thread_join (o.thread);
  while (g_main_context_iteration (o.context, FALSE))
    ;
  g_clear_object (&o.app);
  g_clear_pointer (&o.report, resmgr_cleanup_report_unref);
  g_clear_pointer (&o.controller_report, resmgr_cleanup_report_unref);
  g_main_loop_unref (o.loop);
  g_main_context_unref (o.context);
  g_clear_object (&o.manager);
  recorder_free (o.rec);
  g_mutex_clear (&o.mutex);
  g_cond_clear (&o.cond);
}

/* }}} */

static void
test_shutdown (gconstpointer data)
{
  Scenario s = { 0 };

  g_test_summary ("Closing the last window runs the phased shutdown: jobs cancelled (a stubborn "
                  "one abandoned and named), sources removed, GL deleted with the window alive, "
                  "windows destroyed, the rest, verification; one shutdown, in its deadlines, "
                  "reported as a signal and as JSON, nothing left");

  if (!have_display)
    {
      g_test_skip ("no display (run under Xvfb)");
      return;
    }

  s.stubborn = GPOINTER_TO_INT (data);
  scenario_run (&s);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  have_display = gtk_init_check ();

  g_test_add_data_func ("/Resmgr/Application/shutdown/clean", GINT_TO_POINTER (FALSE), test_shutdown);
  g_test_add_data_func ("/Resmgr/Application/shutdown/abandoned-job", GINT_TO_POINTER (TRUE), test_shutdown);
  g_test_add_func ("/Resmgr/Application/shutdown/windows/other-owner", test_windows_other_owner);
  g_test_add_data_func ("/Resmgr/Application/shutdown/same-name/first-abandoned",
                        GINT_TO_POINTER (SAME_NAME_FIRST_ABANDONED), test_same_name_abandoned);
  g_test_add_data_func ("/Resmgr/Application/shutdown/same-name/second-abandoned",
                        GINT_TO_POINTER (SAME_NAME_SECOND_ABANDONED), test_same_name_abandoned);
  g_test_add_data_func ("/Resmgr/Application/shutdown/same-name/both-abandoned",
                        GINT_TO_POINTER (SAME_NAME_BOTH_ABANDONED), test_same_name_abandoned);

  return g_test_run ();
}
