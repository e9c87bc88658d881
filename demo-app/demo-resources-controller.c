/* demo-resources-controller.c
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "demo-resources-controller.h"

/* A resource type's name: its enum nick ("gl-object"). */
static const char *
type_nick (ResmgrResourceType type)
{
  g_autoptr(GEnumClass) klass = g_type_class_ref (RESMGR_TYPE_RESOURCE_TYPE);
  GEnumValue *v = g_enum_get_value (klass, type);

  return v != NULL ? v->value_nick : "?";
}

/* The monitor of the whole service, and what the Resources tab shows
 * besides its lists: the cleanup history and the leak alerts, as string
 * lists (newest first, two lines an entry: what, then the figures; the
 * last MAX_ENTRIES), and the totals per type. */
#define MAX_ENTRIES 50

struct _DemoResourcesController
{
  ResmgrController  parent_instance;

  ResmgrMonitor    *monitor;
  GtkStringList    *history;
  GtkStringList    *leaks;
};

G_DEFINE_FINAL_TYPE (DemoResourcesController, demo_resources_controller, RESMGR_TYPE_CONTROLLER)

enum {
  PROP_0,
  PROP_TOTALS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
on_cleanup_finished (DemoResourcesController *self,
                     ResmgrCleanupReport     *report,
                     ResmgrService           *service)
{
  g_autofree char *line = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *time = g_date_time_format (now, "%H:%M:%S");

  line = g_strdup_printf ("%s  %s\n%u released, %u failed, %u lost, %u left · %.1f ms",
                          time, resmgr_cleanup_report_get_scope (report),
                          resmgr_cleanup_report_get_released (report),
                          resmgr_cleanup_report_get_failed (report),
                          resmgr_cleanup_report_get_lost (report),
                          resmgr_cleanup_report_get_leftovers (report)->len,
                          resmgr_cleanup_report_get_duration (report) / 1000.0);

  gtk_string_list_splice (self->history, 0, 0, (const char * const[]) { line, NULL });
  if (g_list_model_get_n_items (G_LIST_MODEL (self->history)) > MAX_ENTRIES)
    gtk_string_list_remove (self->history, MAX_ENTRIES);
}

/* Why a resource is a leak, in a few words. */
static const char *
leak_reason (ResmgrLeakKind kind)
{
  switch (kind)
    {
    case RESMGR_LEAK_KIND_ORPHANED:
      return "its component is gone";
    case RESMGR_LEAK_KIND_WORKER_OUTLIVED_OWNER:
      return "worker outlived its owner's cleanup";
    case RESMGR_LEAK_KIND_TOO_OLD:
      return "older than the age threshold";
    case RESMGR_LEAK_KIND_NONE:
    default:
      return "leak";
    }
}

static void
on_leak_detected (DemoResourcesController *self,
                  ResmgrLeakKind           kind,
                  GPtrArray               *handles,
                  ResmgrMonitor           *monitor)
{
  for (guint i = 0; i < handles->len; i++)
    {
      ResmgrHandle *handle = g_ptr_array_index (handles, i);
      g_autofree char *size = g_format_size (resmgr_handle_get_size (handle));
      g_autofree char *line = g_strdup_printf ("%s “%s” #%u of %s\n%s · %s",
                                               type_nick (resmgr_handle_get_resource_type (handle)),
                                               resmgr_handle_get_name (handle) ? resmgr_handle_get_name (handle) : "",
                                               (guint) (resmgr_handle_get_id (handle) & G_MAXUINT32),
                                               resmgr_handle_get_component_id (handle),
                                               size, leak_reason (kind));

      gtk_string_list_splice (self->leaks, 0, 0, (const char * const[]) { line, NULL });
      if (g_list_model_get_n_items (G_LIST_MODEL (self->leaks)) > MAX_ENTRIES)
        gtk_string_list_remove (self->leaks, MAX_ENTRIES);
    }
}

static void
on_sampled (DemoResourcesController *self)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TOTALS]);
}

static void
demo_resources_controller_constructed (GObject *object)
{
  DemoResourcesController *self = DEMO_RESOURCES_CONTROLLER (object);
  ResmgrCoordinator *resources;
  ResmgrService *service;

  G_OBJECT_CLASS (demo_resources_controller_parent_class)->constructed (object);

  service = resmgr_controller_get_service (RESMGR_CONTROLLER (self));
  self->monitor = resmgr_monitor_new (service);
  resmgr_monitor_set_interval (self->monitor, 500);

  /* Signal handlers on objects that may outlive us: tracked, so they are
   * disconnected when this controller is cleaned up. */
  resources = resmgr_controller_get_resources (RESMGR_CONTROLLER (self));
  resmgr_coordinator_track_signal_handler (resources, service,
                                           g_signal_connect_object (service, "cleanup-finished",
                                                                    G_CALLBACK (on_cleanup_finished),
                                                                    self, G_CONNECT_SWAPPED),
                                           "cleanup history", NULL);
  g_signal_connect_object (self->monitor, "leak-detected", G_CALLBACK (on_leak_detected),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->monitor, "sampled", G_CALLBACK (on_sampled),
                           self, G_CONNECT_SWAPPED);

  /* The monitor samples until this controller is cleaned up. */
  if (resmgr_coordinator_track (resources, RESMGR_RESOURCE_TYPE_CUSTOM, "resource monitor", 0,
                                g_object_ref (self->monitor), NULL) == 0)
    g_object_unref (self->monitor);
}

static void
demo_resources_controller_dispose (GObject *object)
{
  DemoResourcesController *self = DEMO_RESOURCES_CONTROLLER (object);

  G_OBJECT_CLASS (demo_resources_controller_parent_class)->dispose (object);

  if (self->monitor != NULL)
    resmgr_monitor_set_interval (self->monitor, 0);
  g_clear_object (&self->monitor);
}

static void
demo_resources_controller_finalize (GObject *object)
{
  DemoResourcesController *self = DEMO_RESOURCES_CONTROLLER (object);

  g_clear_object (&self->history);
  g_clear_object (&self->leaks);

  G_OBJECT_CLASS (demo_resources_controller_parent_class)->finalize (object);
}

static void
demo_resources_controller_get_property (GObject    *object,
                                        guint       prop_id,
                                        GValue     *value,
                                        GParamSpec *pspec)
{
  DemoResourcesController *self = DEMO_RESOURCES_CONTROLLER (object);

  switch (prop_id)
    {
    case PROP_TOTALS:
      g_value_take_string (value, demo_resources_controller_dup_totals (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
demo_resources_controller_class_init (DemoResourcesControllerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = demo_resources_controller_constructed;
  object_class->dispose = demo_resources_controller_dispose;
  object_class->finalize = demo_resources_controller_finalize;
  object_class->get_property = demo_resources_controller_get_property;

  /**
   * DemoResourcesController:totals:
   *
   * What the service tracks per type, as one line of text; notified at
   * every sample.
   */
  properties[PROP_TOTALS] =
    g_param_spec_string ("totals", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
demo_resources_controller_init (DemoResourcesController *self)
{
  self->history = gtk_string_list_new (NULL);
  self->leaks = gtk_string_list_new (NULL);
}

DemoResourcesController *
demo_resources_controller_new (void)
{
  return g_object_new (DEMO_TYPE_RESOURCES_CONTROLLER, NULL);
}

ResmgrMonitor *
demo_resources_controller_get_monitor (DemoResourcesController *self)
{
  g_return_val_if_fail (DEMO_IS_RESOURCES_CONTROLLER (self), NULL);

  return self->monitor;
}

GListModel *
demo_resources_controller_get_history (DemoResourcesController *self)
{
  g_return_val_if_fail (DEMO_IS_RESOURCES_CONTROLLER (self), NULL);

  return G_LIST_MODEL (self->history);
}

GListModel *
demo_resources_controller_get_leaks (DemoResourcesController *self)
{
  g_return_val_if_fail (DEMO_IS_RESOURCES_CONTROLLER (self), NULL);

  return G_LIST_MODEL (self->leaks);
}

char *
demo_resources_controller_dup_totals (DemoResourcesController *self)
{
  g_autoptr(ResmgrStats) stats = NULL;
  g_autofree char *bytes = NULL;
  GString *text;

  g_return_val_if_fail (DEMO_IS_RESOURCES_CONTROLLER (self), NULL);

  stats = resmgr_service_dup_stats (resmgr_controller_get_service (RESMGR_CONTROLLER (self)));
  bytes = g_format_size (resmgr_stats_get_total_bytes (stats));
  text = g_string_new (NULL);
  g_string_append_printf (text, "Now: %u components hold %" G_GUINT64_FORMAT " resources (%s)",
                          resmgr_stats_get_n_components (stats),
                          resmgr_stats_get_n_resources (stats), bytes);
  for (guint type = 0, n = 0; type < RESMGR_N_RESOURCE_TYPES; type++)
    if (resmgr_stats_get_count (stats, type) > 0)
      {
        g_string_append_printf (text, "%s%s %" G_GUINT64_FORMAT,
                                n++ == 0 ? ": " : ", ", type_nick (type),
                                resmgr_stats_get_count (stats, type));
        if (resmgr_stats_get_bytes (stats, type) > 0)
          {
            g_autofree char *size = g_format_size (resmgr_stats_get_bytes (stats, type));

            g_string_append_printf (text, " (%s)", size);
          }
      }
  g_string_append_printf (text, ". Since start: %" G_GUINT64_FORMAT " tracked, %" G_GUINT64_FORMAT
                          " released, %" G_GUINT64_FORMAT " failed to clean up.",
                          resmgr_stats_get_total_tracked (stats),
                          resmgr_stats_get_total_released (stats),
                          resmgr_stats_get_total_failed (stats));

  return g_string_free (text, FALSE);
}
