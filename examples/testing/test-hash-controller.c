/* test-hash-controller.c: testing a controller with its own worker and
 * timer, without a display, with resmgr's test service.
 *
 * Build it against the installed library:
 *   cc -o test-hash-controller test-hash-controller.c hash-controller.c \
 *      $(pkg-config --cflags --libs resmgr-1)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "hash-controller.h"

typedef struct
{
  ResmgrTestService *service;
  HashController    *controller;
  char              *dir;
  char              *fifo;
  int                writer;  /* the test's end of the FIFO, or -1 */
  gboolean           done;
} Fixture;

static void
on_done (HashController *controller,
         gpointer        user_data)
{
  ((Fixture *) user_data)->done = TRUE;
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->service = resmgr_test_service_new ();
  f->controller = hash_controller_new (RESMGR_SERVICE (f->service));
  g_signal_connect (f->controller, "done", G_CALLBACK (on_done), f);
  f->dir = g_dir_make_tmp ("hash-test-XXXXXX", &error);
  g_assert_no_error (error);
  f->fifo = g_build_filename (f->dir, "fifo", NULL);
  g_assert_cmpint (mkfifo (f->fifo, 0600), ==, 0);
  f->writer = -1;
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_clear_object (&f->controller);
  /* Whatever the test did, the controller left nothing behind. */
  resmgr_assert_no_leaks (f->service, NULL);
  g_clear_object (&f->service);
  if (f->writer >= 0)
    close (f->writer);
  g_unlink (f->fifo);
  g_rmdir (f->dir);
  g_free (f->fifo);
  g_free (f->dir);
}

static void
wait_done (Fixture *f)
{
  while (!f->done)
    g_main_context_iteration (NULL, TRUE);
}

/* The job reads the FIFO: opening our end returns once the job has opened
 * its end, so the job is then running, blocked in a read the test controls. */
static void
open_writer (Fixture *f)
{
  f->writer = open (f->fifo, O_WRONLY);
  g_assert_cmpint (f->writer, >=, 0);
  g_assert_cmpint (write (f->writer, "some data", 9), ==, 9);
}

/* When the worker is cancelled, end its input: the blocked read returns and
 * the job sees the cancellation. */
static void
close_writer (GCancellable *cancellable,
              gpointer      user_data)
{
  Fixture *f = user_data;

  close (f->writer);
  f->writer = -1;
}

static void
test_run (Fixture       *f,
          gconstpointer  data)
{
  g_autofree char *path = g_build_filename (f->dir, "file", NULL);
  g_autofree char *expected = g_compute_checksum_for_string (G_CHECKSUM_SHA256, "hello", -1);
  const char *id = resmgr_controller_get_id (RESMGR_CONTROLLER (f->controller));
  ResmgrCoordinator *resources = resmgr_controller_get_resources (RESMGR_CONTROLLER (f->controller));
  g_autoptr(ResmgrCheckpoint) before = resmgr_coordinator_checkpoint (resources);
  g_autoptr(GPtrArray) gained = NULL;
  g_autoptr(GError) error = NULL;

  g_test_summary ("A job hashes a file; while it runs the controller holds the worker, "
                  "the timer and the buffer; when it is over, nothing more than before");

  g_assert_true (g_file_set_contents (path, "hello", -1, NULL));
  g_assert_nonnull (hash_controller_start (f->controller, path, &error));
  g_assert_no_error (error);
  {
    g_autoptr(GPtrArray) running = NULL;

    resmgr_coordinator_diff (resources, before, &running, NULL);
    resmgr_assert_handles (running, "hash file", "progress tick", "read buffer", NULL);
  }

  wait_done (f);
  g_assert_cmpstr (hash_controller_get_digest (f->controller), ==, expected);
  resmgr_coordinator_diff (resources, before, &gained, NULL);
  resmgr_assert_handles (gained, NULL);
  /* The timer and the buffer were released by the controller, on its owner. */
  resmgr_assert_cleanup_order (f->service, id, "progress tick", "read buffer", NULL);
  g_unlink (path);
}

static void
test_cancel (Fixture       *f,
             gconstpointer  data)
{
  ResmgrCoordinator *resources = resmgr_controller_get_resources (RESMGR_CONTROLLER (f->controller));
  g_autoptr(ResmgrCheckpoint) before = resmgr_coordinator_checkpoint (resources);
  g_autoptr(GPtrArray) gained = NULL;
  ResmgrWorker *worker;

  g_test_summary ("A cancelled job ends cancelled, with no digest, and gives back "
                  "everything it held");

  worker = hash_controller_start (f->controller, f->fifo, NULL);
  g_assert_nonnull (worker);
  g_signal_connect (resmgr_worker_get_cancellable (worker), "cancelled",
                    G_CALLBACK (close_writer), f);
  open_writer (f);

  hash_controller_cancel (f->controller);
  wait_done (f);
  g_assert_null (hash_controller_get_digest (f->controller));
  g_assert_error ((GError *) hash_controller_get_error (f->controller), G_IO_ERROR, G_IO_ERROR_CANCELLED);
  resmgr_coordinator_diff (resources, before, &gained, NULL);
  resmgr_assert_handles (gained, NULL);
}

static void
test_drop_while_running (Fixture       *f,
                         gconstpointer  data)
{
  g_autofree char *id = g_strdup (resmgr_controller_get_id (RESMGR_CONTROLLER (f->controller)));
  ResmgrWorker *worker;

  g_test_summary ("Dropping the controller while its job runs stops the worker first, "
                  "then the timer, then frees the buffer the worker read into, all on "
                  "the owner thread, and leaves nothing behind");

  worker = hash_controller_start (f->controller, f->fifo, NULL);
  g_signal_connect (resmgr_worker_get_cancellable (worker), "cancelled",
                    G_CALLBACK (close_writer), f);
  open_writer (f);

  g_clear_object (&f->controller);

  resmgr_assert_cleanup_order (f->service, id, "hash fifo", "progress tick", "read buffer", NULL);
  {
    g_autoptr(GPtrArray) calls = resmgr_test_service_dup_calls (f->service);

    for (guint i = 0; i < calls->len; i++)
      if (g_str_equal (resmgr_test_call_get_method (g_ptr_array_index (calls, i)), "cleanup"))
        g_assert_true (resmgr_test_call_get_on_owner (g_ptr_array_index (calls, i)));
  }
  resmgr_assert_no_leaks (f->service, id);
  g_assert_false (f->done); /* nothing reached the dropped controller */
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/hash-controller/run", Fixture, NULL, fixture_set_up, test_run, fixture_tear_down);
  g_test_add ("/hash-controller/cancel", Fixture, NULL, fixture_set_up, test_cancel, fixture_tear_down);
  g_test_add ("/hash-controller/drop-while-running", Fixture, NULL, fixture_set_up,
              test_drop_while_running, fixture_tear_down);

  return g_test_run ();
}
