/* test-version.c: the version macros and the runtime version functions
 *
 * Linked against the shared resmgr-1, public API only, as an application.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <resmgr.h>

static void
test_runtime_matches_headers (void)
{
  g_autofree char *loaded = NULL;

  g_test_summary ("resmgr_get_*_version () of the library built with these headers "
                  "return RESMGR_*_VERSION, which are the project's version");

  g_assert_cmpuint (resmgr_get_major_version (), ==, RESMGR_MAJOR_VERSION);
  g_assert_cmpuint (resmgr_get_minor_version (), ==, RESMGR_MINOR_VERSION);
  g_assert_cmpuint (resmgr_get_micro_version (), ==, RESMGR_MICRO_VERSION);
  loaded = g_strdup_printf ("%u.%u.%u", resmgr_get_major_version (),
                            resmgr_get_minor_version (), resmgr_get_micro_version ());
  g_assert_cmpstr (loaded, ==, RESMGR_TEST_PROJECT_VERSION);
}

static void
test_check_version_macro (void)
{
  g_test_summary ("RESMGR_CHECK_VERSION is true for the headers' version and older ones, "
                  "false for newer ones, in #if and in expressions");

#if !RESMGR_CHECK_VERSION (RESMGR_MAJOR_VERSION, RESMGR_MINOR_VERSION, RESMGR_MICRO_VERSION)
# error "RESMGR_CHECK_VERSION is false for the headers' own version"
#endif
#if RESMGR_CHECK_VERSION (RESMGR_MAJOR_VERSION + 1, 0, 0)
# error "RESMGR_CHECK_VERSION is true for the next major version"
#endif

  g_assert_true (RESMGR_CHECK_VERSION (RESMGR_MAJOR_VERSION, RESMGR_MINOR_VERSION, RESMGR_MICRO_VERSION));
  g_assert_true (RESMGR_CHECK_VERSION (0, 0, 0));
  g_assert_false (RESMGR_CHECK_VERSION (RESMGR_MAJOR_VERSION, RESMGR_MINOR_VERSION, RESMGR_MICRO_VERSION + 1));
  g_assert_false (RESMGR_CHECK_VERSION (RESMGR_MAJOR_VERSION, RESMGR_MINOR_VERSION + 1, 0));
  g_assert_false (RESMGR_CHECK_VERSION (RESMGR_MAJOR_VERSION + 1, 0, 0));
  if (RESMGR_MICRO_VERSION > 0)
    g_assert_true (RESMGR_CHECK_VERSION (RESMGR_MAJOR_VERSION, RESMGR_MINOR_VERSION, RESMGR_MICRO_VERSION - 1));
  if (RESMGR_MINOR_VERSION > 0)
    g_assert_true (RESMGR_CHECK_VERSION (RESMGR_MAJOR_VERSION, RESMGR_MINOR_VERSION - 1, 99));

  /* the encoded versions order like the numbers */
  g_assert_cmpuint (RESMGR_VERSION_0_1, ==, G_ENCODE_VERSION (0, 1));
  g_assert_cmpuint (RESMGR_VERSION_0_1, <=, RESMGR_VERSION_CUR_STABLE);
  g_assert_cmpuint (RESMGR_VERSION_MIN_REQUIRED, ==, RESMGR_VERSION_CUR_STABLE);
  g_assert_cmpuint (RESMGR_VERSION_MAX_ALLOWED, ==, RESMGR_VERSION_CUR_STABLE);
}

static void
test_check_version_runtime (void)
{
  guint major = resmgr_get_major_version ();
  guint minor = resmgr_get_minor_version ();
  guint micro = resmgr_get_micro_version ();

  g_test_summary ("resmgr_check_version () returns NULL for the loaded version and older ones "
                  "of the same major version, and a message naming the mismatch otherwise");

  g_assert_null (resmgr_check_version (major, minor, micro));
  g_assert_null (resmgr_check_version (major, 0, 0));
  if (micro > 0)
    g_assert_null (resmgr_check_version (major, minor, micro - 1));
  if (minor > 0)
    g_assert_null (resmgr_check_version (major, minor - 1, 99));

  g_assert_cmpstr (resmgr_check_version (major, minor, micro + 1), ==,
                   "resmgr version too old (micro mismatch)");
  g_assert_cmpstr (resmgr_check_version (major, minor + 1, 0), ==,
                   "resmgr version too old (minor mismatch)");
  g_assert_cmpstr (resmgr_check_version (major + 1, 0, 0), ==,
                   "resmgr version too old (major mismatch)");
  if (major > 0)
    g_assert_cmpstr (resmgr_check_version (major - 1, 0, 0), ==,
                     "resmgr version too new (major mismatch)");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Resmgr/Version/runtime-matches-headers", test_runtime_matches_headers);
  g_test_add_func ("/Resmgr/Version/check-version-macro", test_check_version_macro);
  g_test_add_func ("/Resmgr/Version/check-version-runtime", test_check_version_runtime);

  return g_test_run ();
}
