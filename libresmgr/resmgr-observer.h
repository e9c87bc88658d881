/* resmgr-observer.h: the any-thread event feed of a service
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(RESMGR_INSIDE) && !defined(RESMGR_COMPILATION)
# error "Only <resmgr.h> can be included directly."
#endif

#include "resmgr-service.h"

G_BEGIN_DECLS

/**
 * ResmgrObservedResource:
 * @id: the resource's id
 * @component_id: the id of its component
 * @name: (nullable): its name
 * @size: its size in bytes
 * @created: its creation time, monotonic microseconds
 * @priority: its effective cleanup priority
 * @type: its type
 * @state: %RESMGR_RESOURCE_STATE_ACTIVE when tracked; the final state when
 *   released
 *
 * A resource as an observer sees it (see [method@Resmgr.Service.add_observer]).
 * The strings are valid only during the call.
 *
 * Since: 0.1
 */
typedef struct
{
  guint64              id;
  const char          *component_id;
  const char          *name;
  gsize                size;
  gint64               created;
  int                  priority;
  ResmgrResourceType   type;
  ResmgrResourceState  state;
} ResmgrObservedResource;

/**
 * ResmgrObserverFuncs:
 * @component_registered: (nullable): a component was registered
 * @component_removed: (nullable): a disposed component was forgotten
 * @resource_tracked: (nullable): a resource was tracked
 * @resource_released: (nullable): a resource stopped being tracked
 * @cleanup_finished: (nullable): a component cleanup or a shutdown finished
 *
 * The callbacks of an observer; each gets the data given to
 * [method@Resmgr.Service.add_observer] first. A member may be %NULL.
 *
 * Since: 0.1
 */
typedef struct
{
  void (*component_registered) (gpointer                      data,
                                const char                   *component_id);
  void (*component_removed)    (gpointer                      data,
                                const char                   *component_id);
  void (*resource_tracked)     (gpointer                      data,
                                const ResmgrObservedResource *resource);
  void (*resource_released)    (gpointer                      data,
                                const ResmgrObservedResource *resource);
  void (*cleanup_finished)     (gpointer                      data,
                                ResmgrCleanupReport          *report);
} ResmgrObserverFuncs;

RESMGR_AVAILABLE_IN_ALL
guint resmgr_service_add_observer                 (ResmgrService                *self,
                                                   const ResmgrObserverFuncs    *funcs,
                                                   gpointer                      data,
                                                   GDestroyNotify                destroy);
RESMGR_AVAILABLE_IN_ALL
void  resmgr_service_remove_observer              (ResmgrService                *self,
                                                   guint                         observer_id);

RESMGR_AVAILABLE_IN_ALL
void  resmgr_service_notify_component_registered  (ResmgrService                *self,
                                                   const char                   *component_id);
RESMGR_AVAILABLE_IN_ALL
void  resmgr_service_notify_component_removed     (ResmgrService                *self,
                                                   const char                   *component_id);
RESMGR_AVAILABLE_IN_ALL
void  resmgr_service_notify_resource_tracked      (ResmgrService                *self,
                                                   const ResmgrObservedResource *resource);
RESMGR_AVAILABLE_IN_ALL
void  resmgr_service_notify_resource_released     (ResmgrService                *self,
                                                   const ResmgrObservedResource *resource);
RESMGR_AVAILABLE_IN_ALL
void  resmgr_service_notify_cleanup_finished      (ResmgrService                *self,
                                                   ResmgrCleanupReport          *report);

G_END_DECLS
