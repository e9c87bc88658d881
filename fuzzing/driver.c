/* driver.c: replays inputs through a fuzz target without libFuzzer
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * For builds with a compiler that has no libFuzzer (gcc): each argument is a
 * file (or a directory of files) fed once to LLVMFuzzerTestOneInput (), the
 * way GLib's fuzzing/driver.c does.
 */

#include <glib.h>

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);
int LLVMFuzzerInitialize (int *argc, char ***argv);

static void
run_file (const char *path)
{
  g_autofree char *contents = NULL;
  gsize length = 0;
  g_autoptr(GError) error = NULL;

  if (!g_file_get_contents (path, &contents, &length, &error))
    g_error ("%s", error->message);
  LLVMFuzzerTestOneInput ((const guint8 *) contents, length);
}

int
main (int    argc,
      char **argv)
{
  LLVMFuzzerInitialize (&argc, &argv);

  for (int i = 1; i < argc; i++)
    {
      g_autoptr(GDir) dir = g_dir_open (argv[i], 0, NULL);
      const char *name;

      if (dir == NULL)
        {
          run_file (argv[i]);
          continue;
        }
      while ((name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *path = g_build_filename (argv[i], name, NULL);

          run_file (path);
        }
    }

  return 0;
}
