/* test-demo-scenario.c: the demo's smoke scenario, run as a user would
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <gtk/gtk.h>
#include <json-glib/json-glib.h>

/* Runs `resmgr-demo --scenario smoke --screenshots DIR` (path from
 * RESMGR_DEMO), checks its exit status, the JSON shutdown report it prints
 * (the phases in order, clean, nothing left), and that each tab's
 * screenshot has real content. */

static const char * const phase_order[] = { "workers", "sources", "gl", "windows", "rest", "verify" };

static gboolean
texture_has_content (GdkTexture *texture)
{
  int width = gdk_texture_get_width (texture);
  int height = gdk_texture_get_height (texture);
  g_autofree guchar *pixels = g_malloc ((gsize) width * height * 4);
  GHashTable *colours = g_hash_table_new (NULL, NULL);
  guint n;

  gdk_texture_download (texture, pixels, width * 4);
  for (int i = 0; i < width * height; i += 7)
    g_hash_table_add (colours, GUINT_TO_POINTER (((guint32 *) (gpointer) pixels)[i]));
  n = g_hash_table_size (colours);
  g_hash_table_unref (colours);

  /* A blank or single-colour window has a handful; text and images many. */
  return n > 16;
}

static void
test_smoke (void)
{
  const char *demo = g_getenv ("RESMGR_DEMO");
  g_autofree char *dir = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *root, *report;
  JsonArray *phases;
  int status = 0;
  const char *brace;

  g_test_summary ("resmgr-demo --scenario smoke drives every tab, exits 0, prints a clean "
                  "JSON shutdown report with the phases in order and nothing left, "
                  "logs no critical, and saves a non-blank screenshot of each tab");

  if (demo == NULL || !gtk_init_check ())
    {
      g_test_skip (demo == NULL ? "RESMGR_DEMO is not set" : "no display");
      return;
    }

  /* Kept after the run, beside the test binary, to be looked at. */
  dir = g_build_filename (g_getenv ("G_TEST_BUILDDIR") ? g_getenv ("G_TEST_BUILDDIR") : g_get_tmp_dir (),
                          "demo-screenshots", NULL);
  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);

  {
    const char *argv[] = { demo, "--scenario", "smoke", "--screenshots", dir, NULL };

    g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err, &status, &error);
    g_assert_no_error (error);
  }

  g_test_message ("stderr:\n%s", err);
  g_spawn_check_wait_status (status, &error);
  g_assert_no_error (error);
  /* GTK's layout checks ("Expect overlapping widgets") are criticals. */
  g_assert_null (strstr (err, "-CRITICAL **"));

  /* stdout is the report (GTK may print warnings on stderr only). */
  brace = strchr (out, '{');
  g_assert_nonnull (brace);
  json_parser_load_from_data (parser, brace, -1, &error);
  g_assert_no_error (error);

  root = json_node_get_object (json_parser_get_root (parser));
  g_assert_true (json_object_get_boolean_member (root, "clean"));
  phases = json_object_get_array_member (root, "phases");
  g_assert_cmpuint (json_array_get_length (phases), >=, G_N_ELEMENTS (phase_order));
  for (guint i = 0; i < G_N_ELEMENTS (phase_order); i++)
    {
      JsonObject *phase = json_array_get_object_element (phases, i);

      g_assert_cmpstr (json_object_get_string_member (phase, "name"), ==, phase_order[i]);
      g_assert_false (json_object_get_boolean_member (phase, "overran"));
    }

  report = json_object_get_object_member (root, "report");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (report, "leftovers")), ==, 0);
  g_assert_cmpint (json_object_get_int_member (report, "failed"), ==, 0);
  g_assert_cmpint (json_object_get_int_member (report, "released"), >, 0);

  for (guint i = 0; i < 4; i++)
    {
      g_autofree char *pattern = g_strdup_printf ("tab-%u-", i);
      g_autoptr(GDir) d = g_dir_open (dir, 0, &error);
      const char *name;
      gboolean found = FALSE;

      g_assert_no_error (error);
      while ((name = g_dir_read_name (d)) != NULL)
        if (g_str_has_prefix (name, pattern) && g_str_has_suffix (name, ".png"))
          {
            g_autofree char *path = g_build_filename (dir, name, NULL);
            g_autoptr(GdkTexture) texture = gdk_texture_new_from_filename (path, &error);

            g_assert_no_error (error);
            g_assert_true (texture_has_content (texture));
            g_test_message ("screenshot %s", path);
            found = TRUE;
          }
      g_assert_true (found);
    }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Resmgr/Demo/scenario/smoke", test_smoke);

  return g_test_run ();
}
