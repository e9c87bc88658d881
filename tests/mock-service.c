/* mock-service.c: a ResmgrService that records its calls
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Behaves minimally like a service: it keeps what is tracked, runs cleanups
 * and destroy notifies at release and cleanup (highest priority first,
 * newest first), and hands out ids from 1. No lock is held while a cleanup
 * or destroy notify runs. Watched objects are held weakly but not watched:
 * an object that died first simply gets no cleanup call. It reports its
 * events to observers (resmgr_service_notify_* ()), with no lock held, and
 * emits no signal.
 */

#include "resmgr-private.h"
#include "mock-service.h"

typedef enum {
  ENTRY_DATA,
  ENTRY_OBJECT,
  ENTRY_RESOURCE,
  ENTRY_CLEANUP,
} EntryKind;

typedef struct
{
  guint64             id;
  EntryKind           kind;
  GObject            *component; /* not referenced: a key only */
  ResmgrResourceType  type;
  char               *name;
  gsize               size;
  int                 priority;
  gpointer            data;      /* data, resource */
  GDestroyNotify      destroy;
  GWeakRef            object;
  ResmgrCleanupFunc   cleanup;
  gpointer            user_data;
  GDestroyNotify      user_data_destroy;
  GVariant           *metadata;
  char               *component_id;
  gint64              created;
} Entry;

typedef struct
{
  char        *method;
  ResmgrError  code;
} Failure;

struct _MockService
{
  GObject     parent_instance;

  GMutex      mutex;
  GPtrArray  *calls;       /* MockCall* */
  GQueue      failures;    /* Failure* */
  GHashTable *components;  /* GObject* → char *id */
  GHashTable *type_counts; /* char *type name → GUINT_TO_POINTER (n) */
  GHashTable *entries;     /* guint64* (in Entry) → Entry* */
  guint64     next_id;
  gboolean    shutting_down;
  guint64     total_tracked;
  guint64     total_released;
  guint64     total_failed;
};

static void mock_service_iface_init (ResmgrServiceInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (MockService, mock_service, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (RESMGR_TYPE_SERVICE, mock_service_iface_init))

static void
mock_call_free (gpointer data)
{
  MockCall *call = data;

  g_free (call->method);
  g_free (call->component_id);
  g_free (call->name);
  g_free (call);
}

/* Tells the observers about @e, which nobody else can free meanwhile (it
 * is not in the table, or this thread just added it). */
static void
entry_notify (MockService         *self,
              const Entry         *e,
              gboolean             released,
              ResmgrResourceState  state)
{
  ResmgrObservedResource res = {
    e->id, e->component_id, e->name, e->size, e->created, e->priority, e->type, state,
  };

  if (released)
    resmgr_service_notify_resource_released (RESMGR_SERVICE (self), &res);
  else
    resmgr_service_notify_resource_tracked (RESMGR_SERVICE (self), &res);
}

static void
entry_free (Entry *e)
{
  g_weak_ref_clear (&e->object);
  g_free (e->name);
  g_free (e->component_id);
  g_clear_pointer (&e->metadata, g_variant_unref);
  g_free (e);
}

/* Records a call and tells whether it must fail (error set). Locked. */
static gboolean
record_locked (MockService  *self,
               const char   *method,
               GObject      *component,
               int           type,
               int           priority,
               const char   *name,
               guint64       id,
               GError      **error)
{
  MockCall *call = g_new0 (MockCall, 1);
  GList *l;

  call->method = g_strdup (method);
  call->component_id = component ? g_strdup (g_hash_table_lookup (self->components, component)) : NULL;
  call->type = type;
  call->priority = priority;
  call->name = g_strdup (name);
  call->id = id;
  g_ptr_array_add (self->calls, call);

  for (l = self->failures.head; l != NULL; l = l->next)
    {
      Failure *f = l->data;

      if (g_str_equal (f->method, method))
        {
          g_set_error (error, RESMGR_ERROR, f->code, "Mock failure of %s", method);
          g_queue_delete_link (&self->failures, l);
          g_free (f->method);
          g_free (f);
          return TRUE;
        }
    }

  return FALSE;
}

static MockCall *
last_call_locked (MockService *self)
{
  return g_ptr_array_index (self->calls, self->calls->len - 1);
}

/* Runs an entry's cleanup and destroy notifies; no lock held. */
static gboolean
entry_run (Entry    *e,
           GError  **error)
{
  gboolean ok = TRUE;

  switch (e->kind)
    {
    case ENTRY_DATA:
      e->destroy (e->data);
      break;
    case ENTRY_OBJECT:
      {
        GObject *object = g_weak_ref_get (&e->object);

        if (object != NULL && e->cleanup != NULL)
          ok = e->cleanup (object, e->user_data, error);
        g_clear_object (&object);
      }
      break;
    case ENTRY_RESOURCE:
      ok = e->cleanup (e->data, e->user_data, error);
      break;
    case ENTRY_CLEANUP:
      ok = e->cleanup (NULL, e->user_data, error);
      break;
    default:
      g_assert_not_reached ();
    }

  if (e->user_data_destroy != NULL)
    e->user_data_destroy (e->user_data);

  return ok;
}

static guint64
add_entry (MockService  *self,
           const char   *method,
           Entry        *e,
           GError      **error)
{
  g_autofree char *component_id = NULL;
  g_autofree char *name = NULL;
  ResmgrObservedResource res;
  guint64 id;

  g_mutex_lock (&self->mutex);
  if (record_locked (self, method, e->component, e->type, e->priority, e->name, 0, error))
    {
      g_mutex_unlock (&self->mutex);
      entry_free (e);
      return 0;
    }
  if (self->shutting_down)
    {
      g_set_error (error, RESMGR_ERROR, RESMGR_ERROR_SHUTTING_DOWN, "Mock is shutting down");
      g_mutex_unlock (&self->mutex);
      entry_free (e);
      return 0;
    }
  if (!g_hash_table_contains (self->components, e->component))
    {
      g_set_error (error, RESMGR_ERROR, RESMGR_ERROR_NOT_FOUND, "Mock: component not registered");
      g_mutex_unlock (&self->mutex);
      entry_free (e);
      return 0;
    }
  e->id = id = ++self->next_id;
  e->component_id = g_strdup (g_hash_table_lookup (self->components, e->component));
  e->created = g_get_monotonic_time ();
  last_call_locked (self)->id = e->id;
  /* Described before it is published: a concurrent release may free it. */
  res = (ResmgrObservedResource) {
    e->id, NULL, NULL, e->size, e->created, e->priority, e->type, RESMGR_RESOURCE_STATE_ACTIVE,
  };
  res.component_id = component_id = g_strdup (e->component_id);
  res.name = name = g_strdup (e->name);
  g_hash_table_insert (self->entries, &e->id, e);
  self->total_tracked++;
  g_mutex_unlock (&self->mutex);

  resmgr_service_notify_resource_tracked (RESMGR_SERVICE (self), &res);

  return id;
}

static Entry *
entry_new (EntryKind           kind,
           GObject            *component,
           ResmgrResourceType  type,
           const char         *name,
           gsize               size,
           int                 priority)
{
  Entry *e = g_new0 (Entry, 1);

  e->kind = kind;
  e->component = component;
  e->type = type;
  e->name = g_strdup (name);
  e->size = size;
  e->priority = priority == RESMGR_PRIORITY_DEFAULT ?
                resmgr_resource_type_get_default_priority (type) : priority;
  g_weak_ref_init (&e->object, NULL);

  return e;
}

static void       drop_entries         (GPtrArray   *stolen);
static GPtrArray *steal_entries_locked (MockService *self,
                                        GObject     *component);

/* A registered component died: forget it and drop what it owned. */
static void
component_finalized (gpointer  data,
                     GObject  *where_the_object_was)
{
  MockService *self = data;
  g_autofree char *id = NULL;
  GPtrArray *stolen;

  g_mutex_lock (&self->mutex);
  g_hash_table_steal_extended (self->components, where_the_object_was, NULL, (gpointer *) &id);
  stolen = steal_entries_locked (self, where_the_object_was);
  g_mutex_unlock (&self->mutex);

  for (guint i = 0; i < stolen->len; i++)
    entry_notify (self, g_ptr_array_index (stolen, i), TRUE, RESMGR_RESOURCE_STATE_RELEASED);
  drop_entries (stolen);
  if (id != NULL)
    resmgr_service_notify_component_removed (RESMGR_SERVICE (self), id);
}

/* ResmgrService {{{ */

static gboolean
mock_register_component (ResmgrService  *service,
                         GObject        *component,
                         const char     *id,
                         GError        **error)
{
  MockService *self = MOCK_SERVICE (service);
  char *assigned;

  g_mutex_lock (&self->mutex);
  if (record_locked (self, "register_component", NULL, -1, -1, id, 0, error))
    {
      g_mutex_unlock (&self->mutex);
      return FALSE;
    }
  if (g_hash_table_contains (self->components, component))
    {
      g_set_error (error, RESMGR_ERROR, RESMGR_ERROR_INVALID_ARGUMENT, "Mock: registered twice");
      g_mutex_unlock (&self->mutex);
      return FALSE;
    }
  if (id != NULL)
    assigned = g_strdup (id);
  else
    {
      const char *type_name = G_OBJECT_TYPE_NAME (component);
      guint n = GPOINTER_TO_UINT (g_hash_table_lookup (self->type_counts, type_name)) + 1;

      g_hash_table_insert (self->type_counts, g_strdup (type_name), GUINT_TO_POINTER (n));
      assigned = g_strdup_printf ("%s-%u", type_name, n);
    }
  g_hash_table_insert (self->components, component, assigned);
  g_object_weak_ref (component, component_finalized, self);
  last_call_locked (self)->component_id = g_strdup (assigned);
  assigned = g_strdup (assigned);
  g_mutex_unlock (&self->mutex);

  resmgr_service_notify_component_registered (service, assigned);
  g_free (assigned);

  return TRUE;
}

static guint64
mock_track_data (ResmgrService       *service,
                 GObject             *component,
                 ResmgrResourceType   type,
                 const char          *name,
                 gsize                size,
                 int                  priority,
                 gpointer             data,
                 GDestroyNotify       destroy,
                 GError             **error)
{
  Entry *e = entry_new (ENTRY_DATA, component, type, name, size, priority);

  e->priority = priority; /* record as passed */
  e->data = data;
  e->destroy = destroy;

  return add_entry (MOCK_SERVICE (service), "track_data", e, error);
}

static guint64
mock_track_object (ResmgrService       *service,
                   GObject             *component,
                   ResmgrResourceType   type,
                   const char          *name,
                   gsize                size,
                   int                  priority,
                   GObject             *object,
                   ResmgrCleanupFunc    cleanup,
                   gpointer             user_data,
                   GDestroyNotify       user_data_destroy,
                   GError             **error)
{
  Entry *e = entry_new (ENTRY_OBJECT, component, type, name, size, priority);

  e->priority = priority;
  g_weak_ref_set (&e->object, object);
  e->cleanup = cleanup;
  e->user_data = user_data;
  e->user_data_destroy = user_data_destroy;

  return add_entry (MOCK_SERVICE (service), "track_object", e, error);
}

static guint64
mock_track_resource (ResmgrService       *service,
                     GObject             *component,
                     ResmgrResourceType   type,
                     const char          *name,
                     gsize                size,
                     int                  priority,
                     gpointer             resource,
                     ResmgrCleanupFunc    cleanup,
                     gpointer             user_data,
                     GDestroyNotify       user_data_destroy,
                     GError             **error)
{
  Entry *e = entry_new (ENTRY_RESOURCE, component, type, name, size, priority);

  e->priority = priority;
  e->data = resource;
  e->cleanup = cleanup;
  e->user_data = user_data;
  e->user_data_destroy = user_data_destroy;

  return add_entry (MOCK_SERVICE (service), "track_resource", e, error);
}

static guint64
mock_add_cleanup (ResmgrService      *service,
                  GObject            *component,
                  const char         *name,
                  int                 priority,
                  ResmgrCleanupFunc   cleanup,
                  gpointer            user_data,
                  GDestroyNotify      user_data_destroy,
                  GError            **error)
{
  Entry *e = entry_new (ENTRY_CLEANUP, component, RESMGR_RESOURCE_TYPE_CUSTOM, name, 0, priority);

  e->priority = priority;
  e->cleanup = cleanup;
  e->user_data = user_data;
  e->user_data_destroy = user_data_destroy;

  return add_entry (MOCK_SERVICE (service), "add_cleanup", e, error);
}

static gboolean
mock_set_metadata (ResmgrService  *service,
                   guint64         id,
                   GVariant       *metadata,
                   GError        **error)
{
  MockService *self = MOCK_SERVICE (service);
  Entry *e;

  if (metadata != NULL)
    g_variant_ref_sink (metadata);

  g_mutex_lock (&self->mutex);
  e = g_hash_table_lookup (self->entries, &id);
  if (record_locked (self, "set_metadata", e ? e->component : NULL, e ? (int) e->type : -1,
                     e ? e->priority : -1, e ? e->name : NULL, id, error))
    goto fail;
  if (e == NULL)
    {
      g_set_error (error, RESMGR_ERROR, RESMGR_ERROR_NOT_FOUND, "Mock: no resource %" G_GUINT64_FORMAT, id);
      goto fail;
    }
  g_clear_pointer (&e->metadata, g_variant_unref);
  e->metadata = metadata;
  g_mutex_unlock (&self->mutex);
  return TRUE;

fail:
  g_mutex_unlock (&self->mutex);
  g_clear_pointer (&metadata, g_variant_unref);
  return FALSE;
}

static gboolean
mock_release (ResmgrService  *service,
              guint64         id,
              GError        **error)
{
  MockService *self = MOCK_SERVICE (service);
  Entry *e;
  gboolean ok;

  g_mutex_lock (&self->mutex);
  e = g_hash_table_lookup (self->entries, &id);
  if (record_locked (self, "release", e ? e->component : NULL, e ? (int) e->type : -1,
                     e ? e->priority : -1, e ? e->name : NULL, id, error))
    {
      g_mutex_unlock (&self->mutex);
      return FALSE;
    }
  if (e == NULL)
    {
      g_set_error (error, RESMGR_ERROR, RESMGR_ERROR_NOT_FOUND, "Mock: no resource %" G_GUINT64_FORMAT, id);
      g_mutex_unlock (&self->mutex);
      return FALSE;
    }
  g_hash_table_steal (self->entries, &id);
  g_mutex_unlock (&self->mutex);

  ok = entry_run (e, error);

  g_mutex_lock (&self->mutex);
  if (ok)
    self->total_released++;
  else
    self->total_failed++;
  g_mutex_unlock (&self->mutex);
  entry_notify (self, e, TRUE, ok ? RESMGR_RESOURCE_STATE_RELEASED : RESMGR_RESOURCE_STATE_FAILED);
  entry_free (e);

  return ok;
}

/* With the priority in effect, as a real service's handle has it. */
static ResmgrHandle *
entry_handle (Entry *e)
{
  int priority = e->priority == RESMGR_PRIORITY_DEFAULT
                 ? resmgr_resource_type_get_default_priority (e->type) : e->priority;

  return _resmgr_handle_new (e->id, e->type, e->name, e->component_id, e->size, priority,
                             e->created, RESMGR_RESOURCE_STATE_ACTIVE, e->metadata);
}

static ResmgrHandle *
mock_lookup (ResmgrService  *service,
             guint64         id,
             GError        **error)
{
  MockService *self = MOCK_SERVICE (service);
  ResmgrHandle *handle = NULL;
  Entry *e;

  g_mutex_lock (&self->mutex);
  e = g_hash_table_lookup (self->entries, &id);
  if (record_locked (self, "lookup", e ? e->component : NULL, e ? (int) e->type : -1,
                     e ? e->priority : -1, e ? e->name : NULL, id, error))
    ;
  else if (e == NULL)
    g_set_error (error, RESMGR_ERROR, RESMGR_ERROR_NOT_FOUND, "Mock: no resource %" G_GUINT64_FORMAT, id);
  else
    handle = entry_handle (e);
  g_mutex_unlock (&self->mutex);

  return handle;
}

static int
compare_entries (gconstpointer a,
                 gconstpointer b)
{
  const Entry *ea = *(Entry **) a;
  const Entry *eb = *(Entry **) b;

  if (ea->priority != eb->priority)
    return ea->priority > eb->priority ? -1 : 1;
  return ea->id > eb->id ? -1 : ea->id < eb->id;
}

/* Steals the entries of @component (all when NULL), sorted. Locked. */
static GPtrArray *
steal_entries_locked (MockService *self,
                      GObject     *component)
{
  GPtrArray *stolen = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->entries);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      Entry *e = value;

      if (component == NULL || e->component == component)
        {
          g_ptr_array_add (stolen, e);
          g_hash_table_iter_steal (&iter);
        }
    }
  g_ptr_array_sort (stolen, compare_entries);

  return stolen;
}

static void
run_entries (MockService         *self,
             GPtrArray           *stolen,
             ResmgrCleanupReport *report)
{
  for (guint i = 0; i < stolen->len; i++)
    {
      Entry *e = g_ptr_array_index (stolen, i);
      GError *local_error = NULL;
      gboolean ok;

      _resmgr_cleanup_report_begin_phase (report, e->priority);
      ok = entry_run (e, &local_error);
      if (ok)
        _resmgr_cleanup_report_add_released (report);
      else
        _resmgr_cleanup_report_add_failure (report, entry_handle (e), local_error);

      g_mutex_lock (&self->mutex);
      if (ok)
        self->total_released++;
      else
        self->total_failed++;
      g_mutex_unlock (&self->mutex);
      entry_notify (self, e, TRUE, ok ? RESMGR_RESOURCE_STATE_RELEASED : RESMGR_RESOURCE_STATE_FAILED);
      entry_free (e);
    }
}

/* Runs the entries of @component (NULL: all) in rounds until none is left:
 * cleanups may track more. */
static void
run_rounds (MockService         *self,
            GObject             *component,
            ResmgrCleanupReport *report)
{
  for (;;)
    {
      GPtrArray *stolen;

      g_mutex_lock (&self->mutex);
      stolen = steal_entries_locked (self, component);
      g_mutex_unlock (&self->mutex);

      if (stolen->len == 0)
        {
          g_ptr_array_unref (stolen);
          break;
        }
      run_entries (self, stolen, report);
      _resmgr_cleanup_report_end_phase (report);
      g_ptr_array_unref (stolen);
    }
}

static ResmgrCleanupReport *
mock_cleanup_component (ResmgrService  *service,
                        GObject        *component,
                        GError        **error)
{
  MockService *self = MOCK_SERVICE (service);
  ResmgrCleanupReport *report;

  g_mutex_lock (&self->mutex);
  if (record_locked (self, "cleanup_component", component, -1, -1, NULL, 0, error))
    {
      g_mutex_unlock (&self->mutex);
      return NULL;
    }
  if (!g_hash_table_contains (self->components, component))
    {
      g_set_error (error, RESMGR_ERROR, RESMGR_ERROR_NOT_FOUND, "Mock: component not registered");
      g_mutex_unlock (&self->mutex);
      return NULL;
    }
  report = _resmgr_cleanup_report_new (g_hash_table_lookup (self->components, component));
  g_mutex_unlock (&self->mutex);

  run_rounds (self, component, report);

  _resmgr_cleanup_report_finish (report);
  resmgr_service_notify_cleanup_finished (service, report);

  return report;
}

static void
mock_cleanup_component_async (ResmgrService       *service,
                              GObject             *component,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  GTask *task = g_task_new (service, cancellable, callback, user_data);
  GError *error = NULL;
  ResmgrCleanupReport *report;

  g_task_set_source_tag (task, mock_cleanup_component_async);
  report = mock_cleanup_component (service, component, &error);
  if (report != NULL)
    g_task_return_pointer (task, report, (GDestroyNotify) resmgr_cleanup_report_unref);
  else
    g_task_return_error (task, error);
  g_object_unref (task);
}

static ResmgrCleanupReport *
mock_finish (ResmgrService  *service,
             GAsyncResult   *result,
             GError        **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static ResmgrCleanupReport *
mock_shutdown (ResmgrService  *service,
               guint           timeout_ms,
               GError        **error)
{
  MockService *self = MOCK_SERVICE (service);
  ResmgrCleanupReport *report;

  g_mutex_lock (&self->mutex);
  if (record_locked (self, "shutdown", NULL, -1, -1, NULL, 0, error))
    {
      g_mutex_unlock (&self->mutex);
      return NULL;
    }
  self->shutting_down = TRUE;
  g_mutex_unlock (&self->mutex);

  report = _resmgr_cleanup_report_new ("shutdown");
  run_rounds (self, NULL, report);
  _resmgr_cleanup_report_finish (report);
  resmgr_service_notify_cleanup_finished (service, report);

  return report;
}

static void
mock_shutdown_async (ResmgrService       *service,
                     guint                timeout_ms,
                     GCancellable        *cancellable,
                     GAsyncReadyCallback  callback,
                     gpointer             user_data)
{
  GTask *task = g_task_new (service, cancellable, callback, user_data);
  GError *error = NULL;
  ResmgrCleanupReport *report;

  g_task_set_source_tag (task, mock_shutdown_async);
  report = mock_shutdown (service, timeout_ms, &error);
  if (report != NULL)
    g_task_return_pointer (task, report, (GDestroyNotify) resmgr_cleanup_report_unref);
  else
    g_task_return_error (task, error);
  g_object_unref (task);
}

static gboolean
mock_is_shutting_down (ResmgrService *service)
{
  MockService *self = MOCK_SERVICE (service);
  gboolean ret;

  g_mutex_lock (&self->mutex);
  ret = self->shutting_down;
  g_mutex_unlock (&self->mutex);

  return ret;
}

static gint64
mock_get_deadline (ResmgrService *service)
{
  return 0;
}

static ResmgrStats *
mock_dup_stats (ResmgrService *service)
{
  MockService *self = MOCK_SERVICE (service);
  ResmgrStats *stats = g_new0 (ResmgrStats, 1);
  GHashTableIter iter;
  gpointer value;

  g_mutex_lock (&self->mutex);
  g_hash_table_iter_init (&iter, self->entries);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      Entry *e = value;

      stats->count[e->type]++;
      stats->bytes[e->type] += e->size;
    }
  stats->n_components = g_hash_table_size (self->components);
  stats->peak_components = stats->n_components;
  stats->total_tracked = self->total_tracked;
  stats->total_released = self->total_released;
  stats->total_failed = self->total_failed;
  stats->peak_resources = g_hash_table_size (self->entries);
  g_mutex_unlock (&self->mutex);
  stats->peak_bytes = resmgr_stats_get_total_bytes (stats);

  return stats;
}

static int
compare_handle_ids (gconstpointer a,
                    gconstpointer b)
{
  guint64 ia = resmgr_handle_get_id (*(ResmgrHandle **) a);
  guint64 ib = resmgr_handle_get_id (*(ResmgrHandle **) b);

  return ia < ib ? -1 : ia > ib;
}

/* Not recorded: a read, like the stats. */
static GPtrArray *
mock_dup_handles (ResmgrService *service,
                  const char    *component_id)
{
  MockService *self = MOCK_SERVICE (service);
  GPtrArray *handles = g_ptr_array_new_with_free_func ((GDestroyNotify) resmgr_handle_unref);
  GHashTableIter iter;
  gpointer value;

  g_mutex_lock (&self->mutex);
  g_hash_table_iter_init (&iter, self->entries);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      Entry *e = value;

      if (component_id == NULL || g_strcmp0 (e->component_id, component_id) == 0)
        g_ptr_array_add (handles, entry_handle (e));
    }
  g_mutex_unlock (&self->mutex);
  g_ptr_array_sort (handles, compare_handle_ids);

  return handles;
}

static char *
mock_dup_component_id (ResmgrService *service,
                       GObject       *component)
{
  MockService *self = MOCK_SERVICE (service);
  char *id;

  g_mutex_lock (&self->mutex);
  id = g_strdup (g_hash_table_lookup (self->components, component));
  g_mutex_unlock (&self->mutex);

  return id;
}

static void
mock_service_iface_init (ResmgrServiceInterface *iface)
{
  iface->register_component = mock_register_component;
  iface->track_data = mock_track_data;
  iface->track_object = mock_track_object;
  iface->track_resource = mock_track_resource;
  iface->add_cleanup = mock_add_cleanup;
  iface->set_metadata = mock_set_metadata;
  iface->release = mock_release;
  iface->lookup = mock_lookup;
  iface->cleanup_component = mock_cleanup_component;
  iface->cleanup_component_async = mock_cleanup_component_async;
  iface->cleanup_component_finish = mock_finish;
  iface->shutdown = mock_shutdown;
  iface->shutdown_async = mock_shutdown_async;
  iface->shutdown_finish = mock_finish;
  iface->is_shutting_down = mock_is_shutting_down;
  iface->get_deadline = mock_get_deadline;
  iface->dup_stats = mock_dup_stats;
  iface->dup_component_id = mock_dup_component_id;
  iface->dup_handles = mock_dup_handles;
  /* cleanup_phase: the interface's default, through dup_handles and release */
}

/* }}} */

/* Drops entries: destroy notifies, no cleanups. No lock held. */
static void
drop_entries (GPtrArray *stolen)
{
  for (guint i = 0; i < stolen->len; i++)
    {
      Entry *e = g_ptr_array_index (stolen, i);

      if (e->kind == ENTRY_DATA)
        e->destroy (e->data);
      else if (e->user_data_destroy != NULL)
        e->user_data_destroy (e->user_data);
      entry_free (e);
    }
  g_ptr_array_unref (stolen);
}

static void
mock_service_finalize (GObject *object)
{
  MockService *self = MOCK_SERVICE (object);
  GPtrArray *stolen;
  Failure *f;

  GHashTableIter iter;
  gpointer key;

  g_hash_table_iter_init (&iter, self->components);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_object_weak_unref (key, component_finalized, self);

  /* Whatever is left is dropped: destroy notifies, no cleanups. */
  stolen = steal_entries_locked (self, NULL);
  drop_entries (stolen);

  while ((f = g_queue_pop_head (&self->failures)) != NULL)
    {
      g_free (f->method);
      g_free (f);
    }
  g_ptr_array_unref (self->calls);
  g_hash_table_unref (self->components);
  g_hash_table_unref (self->type_counts);
  g_hash_table_unref (self->entries);
  g_mutex_clear (&self->mutex);

  G_OBJECT_CLASS (mock_service_parent_class)->finalize (object);
}

static void
mock_service_class_init (MockServiceClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = mock_service_finalize;
}

static void
mock_service_init (MockService *self)
{
  g_mutex_init (&self->mutex);
  self->calls = g_ptr_array_new_with_free_func (mock_call_free);
  g_queue_init (&self->failures);
  self->components = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  self->type_counts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->entries = g_hash_table_new (g_int64_hash, g_int64_equal);
}

MockService *
mock_service_new (void)
{
  return g_object_new (MOCK_TYPE_SERVICE, NULL);
}

void
mock_service_fail_next (MockService *self,
                        const char  *method,
                        ResmgrError  code)
{
  Failure *f = g_new0 (Failure, 1);

  f->method = g_strdup (method);
  f->code = code;
  g_mutex_lock (&self->mutex);
  g_queue_push_tail (&self->failures, f);
  g_mutex_unlock (&self->mutex);
}

guint
mock_service_get_n_calls (MockService *self)
{
  guint n;

  g_mutex_lock (&self->mutex);
  n = self->calls->len;
  g_mutex_unlock (&self->mutex);

  return n;
}

const MockCall *
mock_service_get_call (MockService *self,
                       guint        index)
{
  const MockCall *call;

  g_mutex_lock (&self->mutex);
  g_assert_cmpuint (index, <, self->calls->len);
  call = g_ptr_array_index (self->calls, index);
  g_mutex_unlock (&self->mutex);

  return call;
}

guint
mock_service_count_calls (MockService *self,
                          const char  *method)
{
  guint n = 0;

  g_mutex_lock (&self->mutex);
  for (guint i = 0; i < self->calls->len; i++)
    if (g_str_equal (((MockCall *) g_ptr_array_index (self->calls, i))->method, method))
      n++;
  g_mutex_unlock (&self->mutex);

  return n;
}

char *
mock_service_join_calls (MockService *self)
{
  GString *s = g_string_new (NULL);

  g_mutex_lock (&self->mutex);
  for (guint i = 0; i < self->calls->len; i++)
    {
      if (i > 0)
        g_string_append_c (s, ',');
      g_string_append (s, ((MockCall *) g_ptr_array_index (self->calls, i))->method);
    }
  g_mutex_unlock (&self->mutex);

  return g_string_free (s, FALSE);
}

void
mock_service_clear_calls (MockService *self)
{
  g_mutex_lock (&self->mutex);
  g_ptr_array_set_size (self->calls, 0);
  g_mutex_unlock (&self->mutex);
}

guint
mock_service_get_n_entries (MockService *self)
{
  guint n;

  g_mutex_lock (&self->mutex);
  n = g_hash_table_size (self->entries);
  g_mutex_unlock (&self->mutex);

  return n;
}
