/* test-common.c: helpers shared by the resmgr tests
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "test-common.h"

/* TestComponent */

struct _TestComponent
{
  GObject   parent_instance;
  gboolean *finalized;
};

G_DEFINE_FINAL_TYPE (TestComponent, test_component, G_TYPE_OBJECT)

static void
test_component_finalize (GObject *object)
{
  TestComponent *self = TEST_COMPONENT (object);

  if (self->finalized != NULL)
    *self->finalized = TRUE;

  G_OBJECT_CLASS (test_component_parent_class)->finalize (object);
}

static void
test_component_class_init (TestComponentClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = test_component_finalize;
}

static void
test_component_init (TestComponent *self)
{
}

TestComponent *
test_component_new (gboolean *finalized)
{
  TestComponent *self = g_object_new (TEST_TYPE_COMPONENT, NULL);

  self->finalized = finalized;
  if (finalized != NULL)
    *finalized = FALSE;

  return self;
}

/* TestNamedComponent */

struct _TestNamedComponent
{
  GObject parent_instance;
};

G_DEFINE_FINAL_TYPE (TestNamedComponent, test_named_component, G_TYPE_OBJECT)

static void
test_named_component_class_init (TestNamedComponentClass *klass)
{
}

static void
test_named_component_init (TestNamedComponent *self)
{
}

/* TestObject */

struct _TestObject
{
  GObject   parent_instance;
  gboolean *finalized;
  guint     n_disposes;
};

G_DEFINE_FINAL_TYPE (TestObject, test_object, G_TYPE_OBJECT)

static void
test_object_dispose (GObject *object)
{
  TestObject *self = TEST_OBJECT (object);

  self->n_disposes++;

  G_OBJECT_CLASS (test_object_parent_class)->dispose (object);
}

static void
test_object_finalize (GObject *object)
{
  TestObject *self = TEST_OBJECT (object);

  if (self->finalized != NULL)
    *self->finalized = TRUE;

  G_OBJECT_CLASS (test_object_parent_class)->finalize (object);
}

static void
test_object_class_init (TestObjectClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = test_object_dispose;
  G_OBJECT_CLASS (klass)->finalize = test_object_finalize;
}

static void
test_object_init (TestObject *self)
{
}

TestObject *
test_object_new (gboolean *finalized)
{
  TestObject *self = g_object_new (TEST_TYPE_OBJECT, NULL);

  self->finalized = finalized;
  if (finalized != NULL)
    *finalized = FALSE;

  return self;
}

guint
test_object_get_n_disposes (TestObject *self)
{
  return self->n_disposes;
}

/* Recorder */

Recorder *
recorder_new (void)
{
  Recorder *rec = g_new0 (Recorder, 1);

  g_mutex_init (&rec->mutex);
  rec->names = g_ptr_array_new_with_free_func (g_free);
  rec->threads = g_ptr_array_new ();

  return rec;
}

void
recorder_free (Recorder *rec)
{
  g_ptr_array_unref (rec->names);
  g_ptr_array_unref (rec->threads);
  g_mutex_clear (&rec->mutex);
  g_free (rec);
}

void
recorder_push (Recorder   *rec,
               const char *name)
{
  g_mutex_lock (&rec->mutex);
  g_ptr_array_add (rec->names, g_strdup (name));
  g_ptr_array_add (rec->threads, g_thread_self ());
  g_mutex_unlock (&rec->mutex);
}

guint
recorder_len (Recorder *rec)
{
  guint len;

  g_mutex_lock (&rec->mutex);
  len = rec->names->len;
  g_mutex_unlock (&rec->mutex);

  return len;
}

guint
recorder_count (Recorder   *rec,
                const char *name)
{
  guint n = 0;

  g_mutex_lock (&rec->mutex);
  for (guint i = 0; i < rec->names->len; i++)
    if (g_str_equal (g_ptr_array_index (rec->names, i), name))
      n++;
  g_mutex_unlock (&rec->mutex);

  return n;
}

char *
recorder_join (Recorder *rec)
{
  GString *str = g_string_new (NULL);

  g_mutex_lock (&rec->mutex);
  for (guint i = 0; i < rec->names->len; i++)
    {
      if (i > 0)
        g_string_append_c (str, ',');
      g_string_append (str, g_ptr_array_index (rec->names, i));
    }
  g_mutex_unlock (&rec->mutex);

  return g_string_free (str, FALSE);
}

GThread *
recorder_thread (Recorder *rec,
                 guint     index)
{
  GThread *thread;

  g_mutex_lock (&rec->mutex);
  g_assert_cmpuint (index, <, rec->threads->len);
  thread = g_ptr_array_index (rec->threads, index);
  g_mutex_unlock (&rec->mutex);

  return thread;
}

/* Items */

G_DEFINE_QUARK (test-error-quark, test_error)

Item *
item_new (Recorder   *rec,
          const char *name)
{
  Item *item = g_new0 (Item, 1);

  item->rec = rec;
  item->name = g_strdup (name);

  return item;
}

void
item_destroy (gpointer data)
{
  Item *item = data;

  recorder_push (item->rec, item->name);
  g_free (item->name);
  g_free (item);
}

void
item_free (gpointer data)
{
  Item *item = data;

  g_mutex_lock (&item->rec->mutex);
  item->rec->n_user_data_destroyed++;
  g_mutex_unlock (&item->rec->mutex);

  g_free (item->name);
  g_free (item);
}

gboolean
item_cleanup (gpointer   resource,
              gpointer   user_data,
              GError   **error)
{
  Item *item = user_data;

  recorder_push (item->rec, item->name);

  if (item->fail)
    {
      g_set_error (error, TEST_ERROR, 42, "cleanup of %s failed on purpose", item->name);
      return FALSE;
    }

  return TRUE;
}

guint64
track_item (ResmgrService      *service,
            gpointer            component,
            ResmgrResourceType  type,
            int                 priority,
            Recorder           *rec,
            const char         *name)
{
  g_autoptr(GError) error = NULL;
  guint64 id;

  id = resmgr_service_track_data (service, G_OBJECT (component), type, name, 16, priority,
                                  item_new (rec, name), item_destroy, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (id, !=, 0);

  return id;
}

guint64
add_item_cleanup (ResmgrService *service,
                  gpointer       component,
                  int            priority,
                  Recorder      *rec,
                  const char    *name,
                  gboolean       fail)
{
  g_autoptr(GError) error = NULL;
  Item *item = item_new (rec, name);
  guint64 id;

  item->fail = fail;
  id = resmgr_service_add_cleanup (service, G_OBJECT (component), name, priority,
                                   item_cleanup, item, item_free, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (id, !=, 0);

  return id;
}

void
register_component (ResmgrService *service,
                    gpointer       component,
                    const char    *id)
{
  g_autoptr(GError) error = NULL;
  gboolean ok;

  ok = resmgr_service_register_component (service, G_OBJECT (component), id, &error);
  g_assert_no_error (error);
  g_assert_true (ok);
}

static gboolean wake_cb (gpointer data);

void
iterate_until (GMainContext  *context,
               volatile gint *flag)
{
  gint64 deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
  GSource *wake = g_timeout_source_new (100);

  g_source_set_callback (wake, wake_cb, NULL, NULL);
  g_source_attach (wake, context);
  while (!g_atomic_int_get (flag))
    {
      g_main_context_iteration (context, TRUE);
      if (g_get_monotonic_time () > deadline)
        g_error ("Timed out after 60 s waiting for a flag (iterate_until)");
    }
  g_source_destroy (wake);
  g_source_unref (wake);
}

const char *
state_name (ResmgrResourceState state)
{
  switch (state)
    {
    case RESMGR_RESOURCE_STATE_ACTIVE: return "active";
    case RESMGR_RESOURCE_STATE_DISPOSED: return "disposed";
    case RESMGR_RESOURCE_STATE_RELEASED: return "released";
    case RESMGR_RESOURCE_STATE_FAILED: return "failed";
    case RESMGR_RESOURCE_STATE_FINALIZED: return "finalized";
    case RESMGR_RESOURCE_STATE_LOST: return "lost";
    default: return "invalid";
    }
}

/* Controllers {{{ */

struct _TestWorkerController { ResmgrController parent_instance; };
G_DEFINE_FINAL_TYPE (TestWorkerController, test_worker_controller, RESMGR_TYPE_CONTROLLER)

static ResmgrCoordinator *
test_worker_controller_create_coordinator (ResmgrController *controller,
                                           ResmgrService    *service)
{
  return RESMGR_COORDINATOR (resmgr_worker_coordinator_new (service));
}

static void
test_worker_controller_class_init (TestWorkerControllerClass *klass)
{
  RESMGR_CONTROLLER_CLASS (klass)->create_coordinator = test_worker_controller_create_coordinator;
}

static void test_worker_controller_init (TestWorkerController *self) { }

/* }}} */

static gboolean
wake_cb (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

void
wait_for (Condition   cond,
          gpointer    data,
          const char *what)
{
  gint64 deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
  guint id = g_timeout_add (100, wake_cb, NULL);

  while (!cond (data))
    {
      g_main_context_iteration (NULL, TRUE);
      if (g_get_monotonic_time () > deadline)
        g_error ("Timed out waiting for %s", what);
    }
  g_source_remove (id);
}
