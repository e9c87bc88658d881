/* main.c: resmgr-demo
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <resmgr-gtk.h>

#include "demo-scenario.h"
#include "demo-window.h"

/* The application, linked against resmgr-gtk-1 and resmgr-1 (<resmgr-gtk.h>
 * includes <resmgr.h>): one line attaches the ordered shutdown, the window
 * has the tabs, and --scenario drives them headless. Closing the last window
 * runs the shutdown, whose report is printed as JSON. */

typedef struct
{
  char         *scenario_name;
  char         *screenshots;
  DemoScenario *scenario;
  int           status;
} Demo;

static void
shutdown_finished (ResmgrApplicationShutdown *shutdown,
                   ResmgrCleanupReport       *report,
                   Demo                      *demo)
{
  g_autofree char *json = resmgr_application_shutdown_to_json (shutdown, TRUE);
  g_autoptr(ResmgrStats) stats = resmgr_service_dup_stats (resmgr_application_shutdown_get_service (shutdown));

  g_print ("%s\n", json);

  if (!resmgr_cleanup_report_is_clean (report) || resmgr_stats_get_n_resources (stats) > 0)
    {
      g_printerr ("resmgr-demo: the shutdown was not clean: %u failed, %u left, %" G_GUINT64_FORMAT " still tracked%s\n",
                  resmgr_cleanup_report_get_failed (report),
                  resmgr_cleanup_report_get_leftovers (report)->len,
                  resmgr_stats_get_n_resources (stats),
                  resmgr_cleanup_report_get_timed_out (report) ? ", timed out" : "");
      demo->status = 1;
    }
}

static void
startup (GtkApplication *application,
         Demo           *demo)
{
  ResmgrApplicationShutdown *shutdown = resmgr_application_attach (application, NULL);

  g_signal_connect (shutdown, "shutdown-finished", G_CALLBACK (shutdown_finished), demo);
}

static void
activate (GtkApplication *application,
          Demo           *demo)
{
  DemoWindow *window = demo_window_new (application);

  gtk_window_present (GTK_WINDOW (window));

  if (demo->scenario_name != NULL && demo->scenario == NULL)
    {
      g_autoptr(GError) error = NULL;

      demo->scenario = demo_scenario_new (demo->scenario_name, demo->screenshots, &error);
      if (demo->scenario == NULL)
        {
          g_printerr ("resmgr-demo: %s\n", error->message);
          demo->status = 2;
          gtk_window_close (GTK_WINDOW (window));
          return;
        }
      demo_scenario_run (demo->scenario, window);
    }
}

static int
handle_local_options (GApplication *application,
                      GVariantDict *options,
                      Demo         *demo)
{
  g_variant_dict_lookup (options, "scenario", "s", &demo->scenario_name);
  g_variant_dict_lookup (options, "screenshots", "^ay", &demo->screenshots);

  return -1;
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GtkApplication) application = NULL;
  Demo demo = { 0 };
  int status;

  application = gtk_application_new ("org.resmgr.Demo", G_APPLICATION_NON_UNIQUE);
  g_application_add_main_option (G_APPLICATION (application), "scenario", 0, 0, G_OPTION_ARG_STRING,
                                 "Run a scripted scenario (smoke) and exit", "NAME");
  g_application_add_main_option (G_APPLICATION (application), "screenshots", 0, 0, G_OPTION_ARG_FILENAME,
                                 "With --scenario, save a screenshot of each tab in DIR", "DIR");
  g_signal_connect (application, "handle-local-options", G_CALLBACK (handle_local_options), &demo);
  g_signal_connect (application, "startup", G_CALLBACK (startup), &demo);
  g_signal_connect (application, "activate", G_CALLBACK (activate), &demo);

  status = g_application_run (G_APPLICATION (application), argc, argv);

  if (demo.scenario != NULL && !demo_scenario_succeeded (demo.scenario))
    demo.status = 1;
  g_clear_pointer (&demo.scenario, demo_scenario_free);
  g_free (demo.scenario_name);
  g_free (demo.screenshots);

  return status != 0 ? status : demo.status;
}
