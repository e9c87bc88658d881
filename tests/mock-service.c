/* mock-service.c: a service that leaves cleanup_phase to the interface
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Why this is not ResmgrTestService: the test of the interface's *default*
 * cleanup_phase (test-shutdown, /Resmgr/Shutdown/phase/default-implementation)
 * needs a service that does not implement cleanup_phase, and the public
 * test service implements every vfunc (it forwards them to its manager).
 * So this one forwards only the vfuncs that test calls, and the default's
 * own calls (dup_handles, release), to a test service that records them.
 */

#include "mock-service.h"

struct _MockService
{
  GObject            parent_instance;
  ResmgrTestService *inner; /* read-only */
};

static void mock_service_iface_init (ResmgrServiceInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (MockService, mock_service, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (RESMGR_TYPE_SERVICE, mock_service_iface_init))

#define INNER(service) RESMGR_SERVICE (MOCK_SERVICE (service)->inner)

static gboolean
mock_register_component (ResmgrService  *service,
                         GObject        *component,
                         const char     *id,
                         GError        **error)
{
  return resmgr_service_register_component (INNER (service), component, id, error);
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
  return resmgr_service_track_data (INNER (service), component, type, name, size, priority,
                                    data, destroy, error);
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
  return resmgr_service_add_cleanup (INNER (service), component, name, priority, cleanup,
                                     user_data, user_data_destroy, error);
}

static gboolean
mock_release (ResmgrService  *service,
              guint64         id,
              GError        **error)
{
  return resmgr_service_release (INNER (service), id, error);
}

static GPtrArray *
mock_dup_handles (ResmgrService *service,
                  const char    *component_id)
{
  return resmgr_service_dup_handles (INNER (service), component_id);
}

static void
mock_service_iface_init (ResmgrServiceInterface *iface)
{
  iface->register_component = mock_register_component;
  iface->track_data = mock_track_data;
  iface->add_cleanup = mock_add_cleanup;
  iface->release = mock_release;
  iface->dup_handles = mock_dup_handles;
  /* cleanup_phase: the interface's default, through dup_handles and release */
}

static void
mock_service_finalize (GObject *object)
{
  g_clear_object (&MOCK_SERVICE (object)->inner);

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
}

MockService *
mock_service_new (ResmgrTestService *inner)
{
  MockService *self = g_object_new (MOCK_TYPE_SERVICE, NULL);

  self->inner = g_object_ref (inner);

  return self;
}
