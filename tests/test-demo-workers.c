/* test-demo-workers.c: the demo's Checksums and Thumbnails controllers and tabs
 *
 * Real files in a temporary folder: known contents, a dangling symbolic
 * link, an unreadable file (when not run as root), a large sparse file to
 * cancel, PNG images made with gdk-pixbuf and a corrupt one. Every test
 * uses its own ResmgrManager. The tab test needs a display (run under
 * Xvfb: `xvfb-run -a`); without one it is skipped.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "test-common-gtk.h"

#include "demo-checksum-controller.h"
#include "demo-checksum-tab.h"
#include "demo-thumbnail-controller.h"
#include "demo-thumbnail-tab.h"

#define BIG_SIZE ((gint64) 1 << 30) /* sparse: no disk space */

static gboolean have_display;
static GThread *main_thread;

/* Helpers {{{ */

static void
iterate_pending (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static void
rm_rf (const char *path)
{
  GDir *dir;

  if (g_file_test (path, G_FILE_TEST_IS_DIR) && !g_file_test (path, G_FILE_TEST_IS_SYMLINK))
    {
      const char *name;

      g_chmod (path, 0700);
      dir = g_dir_open (path, 0, NULL);
      g_assert_nonnull (dir);
      while ((name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);

          rm_rf (child);
        }
      g_dir_close (dir);
      g_assert_cmpint (g_rmdir (path), ==, 0);
    }
  else
    g_assert_cmpint (g_unlink (path), ==, 0);
}

static char *
make_folder (void)
{
  g_autoptr(GError) error = NULL;
  char *path = g_dir_make_tmp ("resmgr-demo-XXXXXX", &error);

  g_assert_no_error (error);
  return path;
}

static void
write_file (const char *folder,
            const char *name,
            const char *data,
            gssize      len)
{
  g_autofree char *path = g_build_filename (folder, name, NULL);
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, data, len, &error);
  g_assert_no_error (error);
}

static void
write_sparse_file (const char *folder,
                   const char *name,
                   gint64      size)
{
  g_autofree char *path = g_build_filename (folder, name, NULL);
  int fd = g_open (path, O_CREAT | O_WRONLY | O_TRUNC, 0644);

  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (ftruncate (fd, size), ==, 0);
  g_assert_cmpint (close (fd), ==, 0);
}

/* An unreadable file, if this process cannot read it (not root). */
static gboolean
write_unreadable_file (const char *folder,
                       const char *name)
{
  g_autofree char *path = g_build_filename (folder, name, NULL);

  write_file (folder, name, "secret", -1);
  g_assert_cmpint (g_chmod (path, 0), ==, 0);
  if (g_access (path, R_OK) == 0)
    {
      g_test_message ("Running as root: no permission-denied file");
      g_assert_cmpint (g_unlink (path), ==, 0);
      return FALSE;
    }
  return TRUE;
}

static void
write_png (const char *folder,
           const char *name,
           int         width,
           int         height,
           gboolean    alpha)
{
  g_autofree char *path = g_build_filename (folder, name, NULL);
  g_autoptr(GdkPixbuf) pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, alpha, 8, width, height);
  g_autoptr(GError) error = NULL;

  g_assert_nonnull (pixbuf);
  gdk_pixbuf_fill (pixbuf, 0x3080c0ff);
  gdk_pixbuf_save (pixbuf, path, "png", &error, NULL);
  g_assert_no_error (error);
}

typedef struct
{
  guint    n_finished;
  gboolean cancelled;
  guint    n_off_thread; /* notifications or results off the main thread */
} Events;

static void
finished_cb (GObject  *controller,
             gboolean  cancelled,
             Events   *events)
{
  if (g_thread_self () != main_thread)
    events->n_off_thread++;
  events->n_finished++;
  events->cancelled = cancelled;
}

static void
notify_cb (GObject    *object,
           GParamSpec *pspec,
           Events     *events)
{
  if (g_thread_self () != main_thread)
    events->n_off_thread++;
}

static void
items_changed_cb (GListModel *model,
                  guint       position,
                  guint       removed,
                  guint       added,
                  Events     *events)
{
  if (g_thread_self () != main_thread)
    events->n_off_thread++;
}

static void
watch (gpointer  controller,
       GListModel *model,
       Events   *events)
{
  g_signal_connect (controller, "finished", G_CALLBACK (finished_cb), events);
  g_signal_connect (controller, "notify", G_CALLBACK (notify_cb), events);
  g_signal_connect (model, "items-changed", G_CALLBACK (items_changed_cb), events);
}

static void
wait_finished (Events *events,
               guint   n)
{
  while (events->n_finished < n)
    g_main_context_iteration (NULL, TRUE);
  iterate_pending ();
}

/* Nothing the controller made is tracked: at most the coordinator's own
 * cleanup (a CUSTOM entry named "<Type> cleanup"), no worker, no memory. */
static void
assert_nothing_tracked (gpointer controller)
{
  ResmgrCoordinator *coordinator = resmgr_controller_get_resources (controller);
  g_autoptr(GPtrArray) handles = resmgr_coordinator_dup_handles (coordinator);
  g_autoptr(ResmgrStats) stats = resmgr_coordinator_dup_stats (coordinator);

  for (guint i = 0; i < handles->len; i++)
    {
      ResmgrHandle *handle = g_ptr_array_index (handles, i);

      g_test_message ("still tracked: %s", resmgr_handle_get_name (handle));
      g_assert_true (g_str_has_suffix (resmgr_handle_get_name (handle), " cleanup"));
    }
  g_assert_cmpuint (resmgr_stats_get_count (stats, RESMGR_RESOURCE_TYPE_WORKER), ==, 0);
  g_assert_cmpuint (resmgr_stats_get_count (stats, RESMGR_RESOURCE_TYPE_MEMORY), ==, 0);
  g_assert_cmpuint (resmgr_stats_get_bytes (stats, RESMGR_RESOURCE_TYPE_MEMORY), ==, 0);
}

static void
assert_manager_empty (ResmgrManager *manager)
{
  g_autoptr(ResmgrStats) stats = resmgr_service_dup_stats (RESMGR_SERVICE (manager));

  g_assert_cmpuint (resmgr_stats_get_n_resources (stats), ==, 0);
}

static DemoChecksumResult *
find_result (GListModel *results,
             const char *name)
{
  for (guint i = 0; i < g_list_model_get_n_items (results); i++)
    {
      g_autoptr(DemoChecksumResult) result = g_list_model_get_item (results, i);

      if (g_strcmp0 (demo_checksum_result_get_name (result), name) == 0)
        return result; /* the model holds it */
    }
  return NULL;
}

static DemoThumbnail *
find_thumbnail (GListModel *thumbnails,
                const char *name)
{
  for (guint i = 0; i < g_list_model_get_n_items (thumbnails); i++)
    {
      g_autoptr(DemoThumbnail) thumbnail = g_list_model_get_item (thumbnails, i);

      if (g_strcmp0 (demo_thumbnail_get_name (thumbnail), name) == 0)
        return thumbnail; /* the model holds it */
    }
  return NULL;
}

static char *
sha256 (const char *data,
        gsize       len)
{
  return g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) data, len);
}

/* Waits until the worker of @name runs and has hashed something, and the
 * controller heard of it: the worker's progress is read as the pool thread
 * set it, its notification reaches the controller at a later iteration. */
static ResmgrWorker *
wait_worker_progress (DemoChecksumController *controller,
                      const char             *name)
{
  GListModel *workers = demo_checksum_controller_get_workers (controller);

  for (;;)
    {
      for (guint i = 0; i < g_list_model_get_n_items (workers); i++)
        {
          g_autoptr(ResmgrWorker) worker = g_list_model_get_item (workers, i);

          if (g_strcmp0 (resmgr_worker_get_name (worker), name) == 0 &&
              resmgr_worker_get_progress (worker) > 0.0 &&
              demo_checksum_controller_get_progress (controller) > 0.0)
            return g_steal_pointer (&worker);
        }
      g_main_context_iteration (NULL, TRUE);
    }
}

/* }}} */

/* Checksums {{{ */

static void
test_checksum_results (void)
{
  g_autofree char *folder_path = make_folder ();
  g_autoptr(GFile) folder = g_file_new_for_path (folder_path);
  g_autofree char *dangling = g_build_filename (folder_path, "dangling", NULL);
  g_autofree char *subdir = g_build_filename (folder_path, "subdir", NULL);
  g_autofree char *big_data = NULL;
  g_autofree char *expected = NULL;
  ResmgrManager *manager = resmgr_manager_new ();
  DemoChecksumController *controller;
  DemoChecksumResult *result;
  GListModel *results;
  Events events = { 0 };
  gboolean unreadable;
  gsize big_len = 3 * 64 * 1024 + 123; /* several blocks and a partial one */
  guint n_files;

  g_test_summary ("The SHA-256 of every regular file, one job each, delivered on the main "
                  "thread; a dangling link and an unreadable file are error results; "
                  "nothing stays tracked");

  write_file (folder_path, "hello.txt", "hello world\n", -1);
  write_file (folder_path, "empty.txt", "", 0);
  big_data = g_malloc (big_len);
  for (gsize i = 0; i < big_len; i++)
    big_data[i] = (char) (i * 7 + i / 251);
  write_file (folder_path, "blocks.bin", big_data, big_len);
  g_assert_cmpint (symlink ("nowhere", dangling), ==, 0);
  g_assert_cmpint (g_mkdir (subdir, 0755), ==, 0);
  write_file (subdir, "not-listed.txt", "nested", -1);
  unreadable = write_unreadable_file (folder_path, "unreadable.txt");
  n_files = 4 + (unreadable ? 1 : 0);

  controller = demo_checksum_controller_new (RESMGR_SERVICE (manager));
  results = demo_checksum_controller_get_results (controller);
  watch (controller, results, &events);

  demo_checksum_controller_start (controller, folder);
  g_assert_true (g_file_equal (demo_checksum_controller_get_folder (controller), folder));
  wait_finished (&events, 1);

  g_assert_false (events.cancelled);
  g_assert_cmpuint (events.n_off_thread, ==, 0);
  g_assert_false (resmgr_controller_get_busy (RESMGR_CONTROLLER (controller)));
  g_assert_cmpuint (demo_checksum_controller_get_n_files (controller), ==, n_files);
  g_assert_cmpuint (demo_checksum_controller_get_n_done (controller), ==, n_files);
  g_assert_cmpuint (demo_checksum_controller_get_n_failed (controller), ==, unreadable ? 2 : 1);
  g_assert_cmpfloat (demo_checksum_controller_get_progress (controller), ==, 1.0);
  g_assert_cmpuint (g_list_model_get_n_items (results), ==, n_files);
  g_assert_cmpuint (g_list_model_get_n_items (demo_checksum_controller_get_workers (controller)), ==, 0);
  g_assert_null (find_result (results, "not-listed.txt"));
  g_assert_null (find_result (results, "subdir"));

  result = find_result (results, "hello.txt");
  g_assert_nonnull (result);
  expected = sha256 ("hello world\n", 12);
  g_assert_cmpstr (demo_checksum_result_get_checksum (result), ==, expected);
  g_assert_cmpstr (demo_checksum_result_get_checksum (result), ==,
                   "a948904f2f0f479b8f8197694b30184b0d2ed1c1cd2a1ec0fb85d299a192a447");
  g_assert_null (demo_checksum_result_get_error (result));
  g_assert_cmpuint (demo_checksum_result_get_size (result), ==, 12);
  g_assert_true (g_str_has_suffix (demo_checksum_result_get_path (result), "/hello.txt"));
  g_clear_pointer (&expected, g_free);

  result = find_result (results, "blocks.bin");
  g_assert_nonnull (result);
  expected = sha256 (big_data, big_len);
  g_assert_cmpstr (demo_checksum_result_get_checksum (result), ==, expected);
  g_assert_cmpuint (demo_checksum_result_get_size (result), ==, big_len);
  g_clear_pointer (&expected, g_free);

  result = find_result (results, "empty.txt");
  g_assert_nonnull (result);
  expected = sha256 ("", 0);
  g_assert_cmpstr (demo_checksum_result_get_checksum (result), ==, expected);
  g_assert_cmpuint (demo_checksum_result_get_size (result), ==, 0);

  result = find_result (results, "dangling");
  g_assert_nonnull (result);
  g_assert_null (demo_checksum_result_get_checksum (result));
  g_assert_nonnull (demo_checksum_result_get_error (result));
  g_test_message ("dangling: %s", demo_checksum_result_get_error (result));

  if (unreadable)
    {
      result = find_result (results, "unreadable.txt");
      g_assert_nonnull (result);
      g_assert_null (demo_checksum_result_get_checksum (result));
      g_assert_nonnull (strstr (demo_checksum_result_get_error (result), g_strerror (EACCES)));
    }

  {
    g_autofree char *status = resmgr_controller_dup_status (RESMGR_CONTROLLER (controller));
    g_assert_nonnull (strstr (status, "Done"));
  }

  assert_nothing_tracked (controller);

  /* A second run replaces the results. */
  write_file (folder_path, "later.txt", "later", -1);
  demo_checksum_controller_start (controller, folder);
  wait_finished (&events, 2);
  g_assert_false (events.cancelled);
  g_assert_cmpuint (g_list_model_get_n_items (results), ==, n_files + 1);
  g_assert_nonnull (find_result (results, "later.txt"));
  assert_nothing_tracked (controller);

  g_object_unref (controller);
  iterate_pending ();
  assert_manager_empty (manager);
  g_object_unref (manager);
  rm_rf (folder_path);
}

static void
test_checksum_missing_folder (void)
{
  g_autofree char *folder_path = make_folder ();
  g_autofree char *missing_path = g_build_filename (folder_path, "missing", NULL);
  g_autoptr(GFile) missing = g_file_new_for_path (missing_path);
  ResmgrManager *manager = resmgr_manager_new ();
  DemoChecksumController *controller;
  DemoChecksumResult *result;
  GListModel *results;
  Events events = { 0 };

  g_test_summary ("A folder that cannot be listed ends the run with one error result");

  controller = demo_checksum_controller_new (RESMGR_SERVICE (manager));
  results = demo_checksum_controller_get_results (controller);
  watch (controller, results, &events);

  demo_checksum_controller_start (controller, missing);
  wait_finished (&events, 1);
  g_assert_false (events.cancelled);
  g_assert_cmpuint (g_list_model_get_n_items (results), ==, 1);
  result = find_result (results, "missing");
  g_assert_nonnull (result);
  g_assert_nonnull (demo_checksum_result_get_error (result));
  g_assert_cmpuint (demo_checksum_controller_get_n_files (controller), ==, 0);
  assert_nothing_tracked (controller);

  g_object_unref (controller);
  iterate_pending ();
  assert_manager_empty (manager);
  g_object_unref (manager);
  rm_rf (folder_path);
}

static void
test_checksum_cancel (void)
{
  g_autofree char *folder_path = make_folder ();
  g_autoptr(GFile) folder = g_file_new_for_path (folder_path);
  g_autoptr(ResmgrWorker) big_worker = NULL;
  ResmgrManager *manager = resmgr_manager_new ();
  DemoChecksumController *controller;
  GListModel *results;
  Events events = { 0 };

  g_test_summary ("Cancel during the hash of a large file: ::finished (cancelled), the large "
                  "file has no result, every result is complete, nothing stays tracked");

  write_sparse_file (folder_path, "big.bin", BIG_SIZE);
  for (guint i = 0; i < 8; i++)
    {
      g_autofree char *name = g_strdup_printf ("small-%u.txt", i);

      write_file (folder_path, name, name, -1);
    }

  controller = demo_checksum_controller_new (RESMGR_SERVICE (manager));
  results = demo_checksum_controller_get_results (controller);
  watch (controller, results, &events);
  /* One job at a time: the small files wait behind the big one. */
  resmgr_worker_coordinator_set_pool_size (
    resmgr_controller_get_worker_coordinator (RESMGR_CONTROLLER (controller)), 1);

  demo_checksum_controller_start (controller, folder);

  /* "big.bin" sorts first, so it runs first; per-file progress shows. */
  big_worker = wait_worker_progress (controller, "sha256 big.bin");
  g_assert_true (resmgr_controller_get_busy (RESMGR_CONTROLLER (controller)));
  g_assert_cmpfloat (resmgr_worker_get_progress (big_worker), <, 1.0);
  g_assert_cmpfloat (demo_checksum_controller_get_progress (controller), >, 0.0);
  g_assert_cmpuint (demo_checksum_controller_get_n_files (controller), ==, 9);

  demo_checksum_controller_cancel (controller);
  wait_finished (&events, 1);

  g_assert_true (events.cancelled);
  g_assert_cmpuint (events.n_off_thread, ==, 0);
  g_assert_cmpint (resmgr_worker_get_state (big_worker), ==, RESMGR_WORKER_STATE_CANCELLED);
  g_assert_null (find_result (results, "big.bin"));
  g_assert_cmpuint (g_list_model_get_n_items (results), ==,
                    demo_checksum_controller_get_n_done (controller));
  g_assert_cmpuint (demo_checksum_controller_get_n_done (controller), <,
                    demo_checksum_controller_get_n_files (controller));
  for (guint i = 0; i < g_list_model_get_n_items (results); i++)
    {
      g_autoptr(DemoChecksumResult) result = g_list_model_get_item (results, i);

      g_assert_nonnull (demo_checksum_result_get_checksum (result));
    }
  g_assert_cmpuint (g_list_model_get_n_items (demo_checksum_controller_get_workers (controller)), ==, 0);
  g_assert_false (resmgr_controller_get_busy (RESMGR_CONTROLLER (controller)));
  {
    g_autofree char *status = resmgr_controller_dup_status (RESMGR_CONTROLLER (controller));
    g_assert_nonnull (strstr (status, "Cancelled"));
  }
  assert_nothing_tracked (controller);

  g_object_unref (controller);
  iterate_pending ();
  assert_manager_empty (manager);
  g_object_unref (manager);
  rm_rf (folder_path);
}

static void
test_checksum_restart (void)
{
  g_autofree char *folder_path = make_folder ();
  g_autoptr(GFile) folder = g_file_new_for_path (folder_path);
  g_autoptr(ResmgrWorker) big_worker = NULL;
  g_autofree char *big_path = NULL;
  ResmgrManager *manager = resmgr_manager_new ();
  DemoChecksumController *controller;
  GListModel *results;
  Events events = { 0 };

  g_test_summary ("start() during a run ends it at once (::finished, cancelled) and the new "
                  "run's results are not mixed with the old one's");

  big_path = g_build_filename (folder_path, "big.bin", NULL);
  write_sparse_file (folder_path, "big.bin", BIG_SIZE);
  write_file (folder_path, "small.txt", "small", -1);

  controller = demo_checksum_controller_new (RESMGR_SERVICE (manager));
  results = demo_checksum_controller_get_results (controller);
  watch (controller, results, &events);

  demo_checksum_controller_start (controller, folder);
  big_worker = wait_worker_progress (controller, "sha256 big.bin");

  /* Gone from the folder: the new run does not list it. */
  g_assert_cmpint (g_unlink (big_path), ==, 0);
  demo_checksum_controller_start (controller, folder);
  g_assert_cmpuint (events.n_finished, ==, 1);
  g_assert_true (events.cancelled);

  wait_finished (&events, 2);
  g_assert_false (events.cancelled);
  g_assert_cmpuint (g_list_model_get_n_items (results), ==, 1);
  g_assert_nonnull (find_result (results, "small.txt"));
  g_assert_cmpuint (demo_checksum_controller_get_n_files (controller), ==, 1);
  /* The old job's outcome may come after the new run's. */
  while (!resmgr_worker_is_done (big_worker))
    g_main_context_iteration (NULL, TRUE);
  iterate_pending ();
  g_assert_cmpint (resmgr_worker_get_state (big_worker), ==, RESMGR_WORKER_STATE_CANCELLED);
  g_assert_cmpuint (events.n_finished, ==, 2);
  g_assert_cmpuint (g_list_model_get_n_items (results), ==, 1);
  assert_nothing_tracked (controller);

  g_object_unref (controller);
  iterate_pending ();
  assert_manager_empty (manager);
  g_object_unref (manager);
  rm_rf (folder_path);
}

/* }}} */

/* Thumbnails {{{ */

static char *
make_image_folder (void)
{
  char *folder_path = make_folder ();

  write_png (folder_path, "img-1.png", 300, 200, TRUE);  /* 128 x 85 */
  write_png (folder_path, "img-2.png", 64, 64, FALSE);   /* kept at 64 x 64 */
  write_png (folder_path, "img-3.png", 256, 256, TRUE);  /* 128 x 128 */
  write_png (folder_path, "img-4.png", 200, 300, FALSE); /* 85 x 128 */
  write_file (folder_path, "corrupt.png", "\x89PNG\r\n\x1a\nthis is not a png", 24);
  write_file (folder_path, "notes.txt", "not an image", -1);

  return folder_path;
}

static guint64
sum_texture_bytes (GListModel *thumbnails,
                   guint      *n_textures)
{
  guint64 bytes = 0;

  *n_textures = 0;
  for (guint i = 0; i < g_list_model_get_n_items (thumbnails); i++)
    {
      g_autoptr(DemoThumbnail) thumbnail = g_list_model_get_item (thumbnails, i);

      if (demo_thumbnail_get_texture (thumbnail) != NULL)
        {
          bytes += demo_thumbnail_get_bytes (thumbnail);
          (*n_textures)++;
        }
    }
  return bytes;
}

static void
assert_memory_stats (DemoThumbnailController *controller,
                     ResmgrManager           *manager,
                     guint                    count,
                     guint64                  bytes)
{
  ResmgrCoordinator *coordinator = resmgr_controller_get_resources (RESMGR_CONTROLLER (controller));
  g_autoptr(ResmgrStats) stats = resmgr_coordinator_dup_stats (coordinator);
  g_autoptr(ResmgrStats) all = resmgr_service_dup_stats (RESMGR_SERVICE (manager));

  g_assert_cmpuint (resmgr_stats_get_count (stats, RESMGR_RESOURCE_TYPE_MEMORY), ==, count);
  g_assert_cmpuint (resmgr_stats_get_bytes (stats, RESMGR_RESOURCE_TYPE_MEMORY), ==, bytes);
  g_assert_cmpuint (resmgr_stats_get_bytes (all, RESMGR_RESOURCE_TYPE_MEMORY), ==, bytes);
}

static void
test_thumbnail_load (void)
{
  g_autofree char *folder_path = make_image_folder ();
  g_autoptr(GFile) folder = g_file_new_for_path (folder_path);
  g_autoptr(DemoThumbnail) held = NULL;
  g_autoptr(ResmgrCleanupReport) report = NULL;
  ResmgrManager *manager = resmgr_manager_new ();
  DemoThumbnailController *controller;
  DemoThumbnail *thumbnail;
  GListModel *thumbnails;
  Events events = { 0 };
  guint64 bytes, budget;
  guint n_textures;

  g_test_summary ("Images decoded into textures in jobs, tracked as MEMORY with their bytes; "
                  "a corrupt image is an error result; a budget evicts the oldest; the "
                  "cleanup releases the rest");

  controller = demo_thumbnail_controller_new (RESMGR_SERVICE (manager));
  thumbnails = demo_thumbnail_controller_get_thumbnails (controller);
  watch (controller, thumbnails, &events);

  demo_thumbnail_controller_load (controller, folder);
  wait_finished (&events, 1);

  g_assert_false (events.cancelled);
  g_assert_cmpuint (events.n_off_thread, ==, 0);
  g_assert_cmpuint (demo_thumbnail_controller_get_n_images (controller), ==, 5);
  g_assert_cmpuint (demo_thumbnail_controller_get_n_loaded (controller), ==, 4);
  g_assert_cmpuint (demo_thumbnail_controller_get_n_failed (controller), ==, 1);
  g_assert_cmpuint (demo_thumbnail_controller_get_n_evicted (controller), ==, 0);
  g_assert_cmpuint (g_list_model_get_n_items (thumbnails), ==, 5);
  g_assert_null (find_thumbnail (thumbnails, "notes.txt"));

  thumbnail = find_thumbnail (thumbnails, "corrupt.png");
  g_assert_nonnull (thumbnail);
  g_assert_null (demo_thumbnail_get_texture (thumbnail));
  g_assert_nonnull (demo_thumbnail_get_error (thumbnail));
  g_assert_cmpuint (demo_thumbnail_get_bytes (thumbnail), ==, 0);
  g_test_message ("corrupt.png: %s", demo_thumbnail_get_error (thumbnail));

  thumbnail = find_thumbnail (thumbnails, "img-1.png");
  g_assert_nonnull (thumbnail);
  g_assert_null (demo_thumbnail_get_error (thumbnail));
  g_assert_cmpint (gdk_texture_get_width (demo_thumbnail_get_texture (thumbnail)), ==, 128);
  g_assert_cmpint (gdk_texture_get_height (demo_thumbnail_get_texture (thumbnail)), ==, 85);
  g_assert_cmpuint (demo_thumbnail_get_bytes (thumbnail), ==, 128 * 4 * 85);

  thumbnail = find_thumbnail (thumbnails, "img-2.png");
  g_assert_nonnull (thumbnail);
  g_assert_cmpint (gdk_texture_get_width (demo_thumbnail_get_texture (thumbnail)), ==, 64);
  g_assert_cmpint (gdk_texture_get_height (demo_thumbnail_get_texture (thumbnail)), ==, 64);

  thumbnail = find_thumbnail (thumbnails, "img-4.png");
  g_assert_nonnull (thumbnail);
  g_assert_cmpint (gdk_texture_get_width (demo_thumbnail_get_texture (thumbnail)), ==, 85);
  g_assert_cmpint (gdk_texture_get_height (demo_thumbnail_get_texture (thumbnail)), ==, 128);

  bytes = demo_thumbnail_controller_get_bytes (controller);
  g_assert_cmpuint (bytes, >, 0);
  g_assert_cmpuint (sum_texture_bytes (thumbnails, &n_textures), ==, bytes);
  g_assert_cmpuint (n_textures, ==, 4);
  assert_memory_stats (controller, manager, 4, bytes);

  /* Over budget: the oldest go until the rest fits. */
  budget = bytes / 2;
  demo_thumbnail_controller_set_budget (controller, budget);
  g_assert_cmpuint (demo_thumbnail_controller_get_budget (controller), ==, budget);
  g_assert_cmpuint (demo_thumbnail_controller_get_n_evicted (controller), >, 0);
  g_assert_cmpuint (demo_thumbnail_controller_get_bytes (controller), <=, budget);
  bytes = demo_thumbnail_controller_get_bytes (controller);
  g_assert_cmpuint (sum_texture_bytes (thumbnails, &n_textures), ==, bytes);
  g_assert_cmpuint (n_textures, ==, 4 - demo_thumbnail_controller_get_n_evicted (controller));
  g_assert_cmpuint (g_list_model_get_n_items (thumbnails), ==, n_textures + 1);
  assert_memory_stats (controller, manager, n_textures, bytes);
  g_assert_cmpuint (events.n_off_thread, ==, 0);

  /* The cleanup releases the rest, and drops their textures. */
  g_assert_cmpuint (n_textures, >, 0);
  for (guint i = 0; held == NULL && i < g_list_model_get_n_items (thumbnails); i++)
    {
      g_autoptr(DemoThumbnail) item = g_list_model_get_item (thumbnails, i);

      if (demo_thumbnail_get_texture (item) != NULL)
        held = g_steal_pointer (&item);
    }
  g_assert_nonnull (held);
  report = resmgr_controller_cleanup (RESMGR_CONTROLLER (controller));
  g_assert_true (resmgr_cleanup_report_is_clean (report));
  g_assert_null (demo_thumbnail_get_texture (held));
  g_assert_cmpuint (demo_thumbnail_get_bytes (held), ==, 0);
  g_assert_cmpuint (demo_thumbnail_controller_get_bytes (controller), ==, 0);
  assert_nothing_tracked (controller);
  assert_memory_stats (controller, manager, 0, 0);

  g_object_unref (controller);
  iterate_pending ();
  assert_manager_empty (manager);
  g_object_unref (manager);
  rm_rf (folder_path);
}

static void
test_thumbnail_budget_during_load (void)
{
  g_autofree char *folder_path = make_image_folder ();
  g_autoptr(GFile) folder = g_file_new_for_path (folder_path);
  ResmgrManager *manager = resmgr_manager_new ();
  DemoThumbnailController *controller;
  GListModel *thumbnails;
  Events events = { 0 };
  guint64 budget = 128 * 128 * 4; /* one large thumbnail */
  guint n_textures;

  g_test_summary ("With a budget set before loading, thumbnails are evicted as they come and "
                  "the bytes held never exceed it");

  controller = demo_thumbnail_controller_new (RESMGR_SERVICE (manager));
  thumbnails = demo_thumbnail_controller_get_thumbnails (controller);
  watch (controller, thumbnails, &events);
  g_object_set (controller, "budget", budget, NULL);

  demo_thumbnail_controller_load (controller, folder);
  wait_finished (&events, 1);

  g_assert_false (events.cancelled);
  g_assert_cmpuint (demo_thumbnail_controller_get_n_loaded (controller), ==, 4);
  g_assert_cmpuint (demo_thumbnail_controller_get_n_evicted (controller), >, 0);
  g_assert_cmpuint (demo_thumbnail_controller_get_bytes (controller), <=, budget);
  g_assert_cmpuint (sum_texture_bytes (thumbnails, &n_textures), ==,
                    demo_thumbnail_controller_get_bytes (controller));
  assert_memory_stats (controller, manager, n_textures, demo_thumbnail_controller_get_bytes (controller));

  /* A new load releases what the last one held. */
  demo_thumbnail_controller_set_budget (controller, 0);
  demo_thumbnail_controller_load (controller, folder);
  g_assert_cmpuint (demo_thumbnail_controller_get_bytes (controller), ==, 0);
  assert_memory_stats (controller, manager, 0, 0);
  wait_finished (&events, 2);
  g_assert_cmpuint (demo_thumbnail_controller_get_n_loaded (controller), ==, 4);
  g_assert_cmpuint (sum_texture_bytes (thumbnails, &n_textures), ==,
                    demo_thumbnail_controller_get_bytes (controller));
  g_assert_cmpuint (n_textures, ==, 4);
  assert_memory_stats (controller, manager, 4, demo_thumbnail_controller_get_bytes (controller));

  /* Disposed with thumbnails held: they are released. */
  g_object_unref (controller);
  iterate_pending ();
  assert_manager_empty (manager);
  g_object_unref (manager);
  rm_rf (folder_path);
}

/* }}} */

/* Tabs {{{ */

static void
wait_realized (GtkWidget *widget)
{
  while (!gtk_widget_get_realized (widget))
    g_main_context_iteration (NULL, TRUE);
  iterate_pending ();
}

/* Whether a GtkLabel with @text is shown under @widget (it and its
 * ancestors visible). */
static gboolean
shows_label (GtkWidget  *widget,
             const char *text)
{
  if (GTK_IS_LABEL (widget) && g_strcmp0 (gtk_label_get_text (GTK_LABEL (widget)), text) == 0 &&
      gtk_widget_is_visible (widget))
    return TRUE;

  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (shows_label (child, text))
      return TRUE;

  return FALSE;
}

static void
test_tabs_window_destroyed (void)
{
  g_autofree char *hash_path = NULL;
  g_autofree char *image_path = NULL;
  g_autoptr(GFile) hash_folder = NULL;
  g_autoptr(GFile) image_folder = NULL;
  g_autoptr(ResmgrWorker) big_worker = NULL;
  ResmgrManager *manager;
  DemoChecksumController *checksums;
  DemoThumbnailController *thumbs;
  GtkWidget *window, *box, *checksum_tab, *thumbnail_tab;
  Events checksum_events = { 0 }, thumbnail_events = { 0 };

  g_test_summary ("Destroying the window of the tabs, with a hash running and thumbnails "
                  "held, cleans both controllers: nothing stays tracked, and the "
                  "controllers are finalized with their tabs. On the way, the tabs' empty "
                  "states show until their lists have items, and a failed image says so");

  if (!have_display)
    {
      g_test_skip ("no display (run under Xvfb)");
      return;
    }

  hash_path = make_folder ();
  write_sparse_file (hash_path, "big.bin", BIG_SIZE);
  write_file (hash_path, "small.txt", "small", -1);
  hash_folder = g_file_new_for_path (hash_path);
  image_path = make_image_folder ();
  image_folder = g_file_new_for_path (image_path);

  manager = resmgr_manager_new ();
  window = gtk_window_new ();
  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  checksum_tab = g_object_new (DEMO_TYPE_CHECKSUM_TAB, "service", manager, NULL);
  thumbnail_tab = g_object_new (DEMO_TYPE_THUMBNAIL_TAB, "service", manager, NULL);
  gtk_box_append (GTK_BOX (box), checksum_tab);
  gtk_box_append (GTK_BOX (box), thumbnail_tab);
  gtk_window_set_child (GTK_WINDOW (window), box);
  gtk_window_set_default_size (GTK_WINDOW (window), 800, 600);

  checksums = demo_checksum_tab_get_controller (checksum_tab);
  thumbs = demo_thumbnail_tab_get_controller (thumbnail_tab);
  g_assert_true (resmgr_controller_get_service (RESMGR_CONTROLLER (checksums)) == RESMGR_SERVICE (manager));
  g_assert_true (resmgr_controller_get_widget (RESMGR_CONTROLLER (checksums)) == checksum_tab);
  g_assert_true (resmgr_controller_get_widget (RESMGR_CONTROLLER (thumbs)) == thumbnail_tab);
  {
    g_autoptr(GObject) controller = NULL;

    g_object_get (checksum_tab, "controller", &controller, NULL);
    g_assert_true (controller == (GObject *) checksums);
  }
  watch (checksums, demo_checksum_controller_get_results (checksums), &checksum_events);
  watch (thumbs, demo_thumbnail_controller_get_thumbnails (thumbs), &thumbnail_events);
  g_object_add_weak_pointer (G_OBJECT (checksums), (gpointer *) &checksums);
  g_object_add_weak_pointer (G_OBJECT (thumbs), (gpointer *) &thumbs);

  gtk_window_present (GTK_WINDOW (window));
  wait_realized (checksum_tab);
  wait_realized (thumbnail_tab);

  g_assert_true (shows_label (thumbnail_tab, "No thumbnails yet"));
  g_assert_true (shows_label (checksum_tab, "No checksums yet"));
  g_assert_true (shows_label (checksum_tab, "No jobs running"));

  demo_thumbnail_controller_load (thumbs, image_folder);
  wait_finished (&thumbnail_events, 1);
  g_assert_cmpuint (demo_thumbnail_controller_get_n_loaded (thumbs), ==, 4);
  assert_memory_stats (thumbs, manager, 4, demo_thumbnail_controller_get_bytes (thumbs));
  iterate_pending ();
  g_assert_false (shows_label (thumbnail_tab, "No thumbnails yet"));
  g_assert_true (shows_label (thumbnail_tab, "Could not be decoded\n(the tooltip says why)"));

  demo_checksum_controller_start (checksums, hash_folder);
  big_worker = wait_worker_progress (checksums, "sha256 big.bin");
  /* Let the tab show the running job. */
  iterate_pending ();
  g_assert_false (shows_label (checksum_tab, "No jobs running"));

  /* Keep the controllers alive past their tabs, to look at them. */
  g_object_ref (checksums);
  g_object_ref (thumbs);

  gtk_window_destroy (GTK_WINDOW (window));
  iterate_pending ();

  g_assert_true (resmgr_controller_is_cleaned_up (RESMGR_CONTROLLER (checksums)));
  g_assert_true (resmgr_controller_is_cleaned_up (RESMGR_CONTROLLER (thumbs)));
  g_assert_null (resmgr_controller_get_widget (RESMGR_CONTROLLER (checksums)));
  g_assert_null (resmgr_controller_get_widget (RESMGR_CONTROLLER (thumbs)));
  g_assert_cmpint (resmgr_worker_get_state (big_worker), ==, RESMGR_WORKER_STATE_CANCELLED);
  g_assert_cmpuint (checksum_events.n_finished, ==, 1);
  g_assert_true (checksum_events.cancelled);
  g_assert_null (find_result (demo_checksum_controller_get_results (checksums), "big.bin"));
  g_assert_cmpuint (demo_thumbnail_controller_get_bytes (thumbs), ==, 0);
  assert_nothing_tracked (checksums);
  assert_nothing_tracked (thumbs);
  assert_manager_empty (manager);
  g_assert_cmpuint (checksum_events.n_off_thread + thumbnail_events.n_off_thread, ==, 0);

  g_object_unref (checksums);
  g_object_unref (thumbs);
  iterate_pending ();
  g_assert_null (checksums);
  g_assert_null (thumbs);
  assert_manager_empty (manager);

  g_object_unref (manager);
  rm_rf (hash_path);
  rm_rf (image_path);
}

/* }}} */

/* Service shutdown {{{ */

static void
test_service_shutdown (void)
{
  g_autofree char *hash_path = make_folder ();
  g_autofree char *image_path = make_image_folder ();
  g_autoptr(GFile) hash_folder = g_file_new_for_path (hash_path);
  g_autoptr(GFile) image_folder = g_file_new_for_path (image_path);
  g_autoptr(ResmgrWorker) big_worker = NULL;
  g_autoptr(ResmgrCleanupReport) report = NULL;
  g_autoptr(GError) error = NULL;
  ResmgrManager *manager = resmgr_manager_new ();
  DemoChecksumController *checksums;
  DemoThumbnailController *thumbs;
  Events checksum_events = { 0 }, thumbnail_events = { 0 };
  guint n_textures;

  g_test_summary ("A service shutdown during a hash and a thumbnail load: the jobs are "
                  "cancelled, both runs end (cancelled), late thumbnails are refused and "
                  "freed, nothing stays tracked");

  write_sparse_file (hash_path, "big.bin", BIG_SIZE);
  write_file (hash_path, "small.txt", "small", -1);

  checksums = demo_checksum_controller_new (RESMGR_SERVICE (manager));
  thumbs = demo_thumbnail_controller_new (RESMGR_SERVICE (manager));
  watch (checksums, demo_checksum_controller_get_results (checksums), &checksum_events);
  watch (thumbs, demo_thumbnail_controller_get_thumbnails (thumbs), &thumbnail_events);

  demo_checksum_controller_start (checksums, hash_folder);
  big_worker = wait_worker_progress (checksums, "sha256 big.bin");
  demo_thumbnail_controller_load (thumbs, image_folder);

  report = resmgr_service_shutdown (RESMGR_SERVICE (manager), 10000, &error);
  g_assert_no_error (error);
  g_assert_nonnull (report);

  wait_finished (&checksum_events, 1);
  wait_finished (&thumbnail_events, 1);
  g_assert_true (checksum_events.cancelled);
  g_assert_cmpint (resmgr_worker_get_state (big_worker), ==, RESMGR_WORKER_STATE_CANCELLED);
  g_assert_null (find_result (demo_checksum_controller_get_results (checksums), "big.bin"));
  /* Whatever was decoded after the shutdown could not be tracked. */
  g_assert_cmpuint (demo_thumbnail_controller_get_bytes (thumbs), ==, 0);
  g_assert_cmpuint (sum_texture_bytes (demo_thumbnail_controller_get_thumbnails (thumbs), &n_textures), ==, 0);
  g_assert_cmpuint (n_textures, ==, 0);
  assert_nothing_tracked (checksums);
  assert_nothing_tracked (thumbs);
  assert_manager_empty (manager);
  g_assert_cmpuint (checksum_events.n_off_thread + thumbnail_events.n_off_thread, ==, 0);

  g_object_unref (checksums);
  g_object_unref (thumbs);
  iterate_pending ();
  assert_manager_empty (manager);
  g_object_unref (manager);
  rm_rf (hash_path);
  rm_rf (image_path);
}

/* }}} */

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  main_thread = g_thread_self ();
  have_display = gtk_init_check ();

  g_test_add_func ("/Demo/Checksum/results", test_checksum_results);
  g_test_add_func ("/Demo/Checksum/missing-folder", test_checksum_missing_folder);
  g_test_add_func ("/Demo/Checksum/cancel", test_checksum_cancel);
  g_test_add_func ("/Demo/Checksum/restart", test_checksum_restart);
  g_test_add_func ("/Demo/Thumbnail/load-budget-cleanup", test_thumbnail_load);
  g_test_add_func ("/Demo/Thumbnail/budget-during-load", test_thumbnail_budget_during_load);
  g_test_add_func ("/Demo/Shutdown/during-runs", test_service_shutdown);
  g_test_add_func ("/Demo/Tabs/window-destroyed", test_tabs_window_destroyed);

  return g_test_run ();
}
