/* resmgr-types.h: enumerations, error domain and forward declarations
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(RESMGR_INSIDE) && !defined(RESMGR_COMPILATION)
# error "Only <resmgr.h> can be included directly."
#endif

#include <glib-object.h>

#include "resmgr-version.h"

G_BEGIN_DECLS

/**
 * ResmgrResourceType:
 * @RESMGR_RESOURCE_TYPE_WORKER: a background thread or job (default priority 100)
 * @RESMGR_RESOURCE_TYPE_TIMER: a timeout (default priority 90)
 * @RESMGR_RESOURCE_TYPE_SOURCE: any other #GSource, a signal handler (default priority 90)
 * @RESMGR_RESOURCE_TYPE_GL_OBJECT: a GL object name (default priority 80)
 * @RESMGR_RESOURCE_TYPE_WIDGET: a widget or window (default priority 60)
 * @RESMGR_RESOURCE_TYPE_CUSTOM: anything else (default priority 50)
 * @RESMGR_RESOURCE_TYPE_FILE: a file, stream or descriptor (default priority 40)
 * @RESMGR_RESOURCE_TYPE_MEMORY: a plain buffer (default priority 20)
 *
 * The kind of a tracked resource. Each type has a default cleanup priority
 * ([func@Resmgr.ResourceType.get_default_priority]) that encodes the safe
 * shutdown order: workers stop before anything they use goes away, GL
 * objects go while their context can still be made current, plain memory
 * goes last.
 *
 * Since: 0.1
 */
typedef enum {
  RESMGR_RESOURCE_TYPE_WORKER,
  RESMGR_RESOURCE_TYPE_TIMER,
  RESMGR_RESOURCE_TYPE_SOURCE,
  RESMGR_RESOURCE_TYPE_GL_OBJECT,
  RESMGR_RESOURCE_TYPE_WIDGET,
  RESMGR_RESOURCE_TYPE_CUSTOM,
  RESMGR_RESOURCE_TYPE_FILE,
  RESMGR_RESOURCE_TYPE_MEMORY,
} ResmgrResourceType;

/**
 * RESMGR_N_RESOURCE_TYPES:
 *
 * The number of values of [enum@Resmgr.ResourceType].
 *
 * Since: 0.1
 */
#define RESMGR_N_RESOURCE_TYPES 8

/**
 * ResmgrResourceState:
 * @RESMGR_RESOURCE_STATE_ACTIVE: tracked; its cleanup has not run
 * @RESMGR_RESOURCE_STATE_DISPOSED: a watched object that was disposed
 *   (for example by g_object_run_dispose() or gtk_window_destroy()) but is
 *   still alive; its cleanup will not be called
 * @RESMGR_RESOURCE_STATE_RELEASED: its cleanup ran
 * @RESMGR_RESOURCE_STATE_FAILED: its cleanup ran and reported an error
 * @RESMGR_RESOURCE_STATE_FINALIZED: a watched object that was finalized
 *   before it was released; no cleanup was called
 * @RESMGR_RESOURCE_STATE_LOST: the resource went away with something else
 *   (a watched object disposed at cleanup time, a GL container object whose
 *   context is gone); no cleanup was called
 *
 * The state of a tracked resource, as recorded in a [struct@Resmgr.Handle].
 *
 * Since: 0.1
 */
typedef enum {
  RESMGR_RESOURCE_STATE_ACTIVE,
  RESMGR_RESOURCE_STATE_DISPOSED,
  RESMGR_RESOURCE_STATE_RELEASED,
  RESMGR_RESOURCE_STATE_FAILED,
  RESMGR_RESOURCE_STATE_FINALIZED,
  RESMGR_RESOURCE_STATE_LOST,
} ResmgrResourceState;

/**
 * RESMGR_PRIORITY_DEFAULT:
 *
 * Passed as a priority, selects the default priority of the resource type.
 *
 * Since: 0.1
 */
#define RESMGR_PRIORITY_DEFAULT (-1)

/**
 * RESMGR_PRIORITY_MAX:
 *
 * The highest cleanup priority. Priorities range from 0 to this value;
 * higher priorities are cleaned first.
 *
 * Since: 0.1
 */
#define RESMGR_PRIORITY_MAX 1000

/**
 * RESMGR_ERROR:
 *
 * The error domain of resmgr.
 *
 * Since: 0.1
 */
#define RESMGR_ERROR (resmgr_error_quark ())

/**
 * ResmgrError:
 * @RESMGR_ERROR_NOT_FOUND: no such component or resource, or it was already
 *   released
 * @RESMGR_ERROR_SHUTTING_DOWN: the service is shutting down or shut down and
 *   refuses new tracking
 * @RESMGR_ERROR_CLEANUP_IN_PROGRESS: the operation conflicts with a cleanup
 *   that is running
 * @RESMGR_ERROR_CLEANUP_FAILED: a cleanup function failed
 * @RESMGR_ERROR_CONTEXT_LOST: the context a resource needs is gone
 * @RESMGR_ERROR_TIMED_OUT: a deadline passed before the operation finished
 * @RESMGR_ERROR_INVALID_ARGUMENT: an argument is valid C but wrong for the
 *   current state (a component registered twice, an id in use)
 *
 * Error codes in the %RESMGR_ERROR domain.
 *
 * Since: 0.1
 */
typedef enum {
  RESMGR_ERROR_NOT_FOUND,
  RESMGR_ERROR_SHUTTING_DOWN,
  RESMGR_ERROR_CLEANUP_IN_PROGRESS,
  RESMGR_ERROR_CLEANUP_FAILED,
  RESMGR_ERROR_CONTEXT_LOST,
  RESMGR_ERROR_TIMED_OUT,
  RESMGR_ERROR_INVALID_ARGUMENT,
} ResmgrError;

/**
 * ResmgrCleanupFunc:
 * @resource: (nullable) (type GObject): the watched object (a temporary
 *   strong reference held for the duration of the call), or %NULL for a
 *   cleanup callback. For resmgr_service_track_resource() (a C use) it is
 *   the resource pointer given there; bindings always pass %NULL there, so
 *   what they receive is an object or %NULL
 * @user_data: (closure): the data given when tracking
 * @error: return location for a #GError
 *
 * Releases a resource. Runs on the owner context of the component, with no
 * lock of the service held: it may track, release, or clean up another
 * component.
 *
 * Returns: %TRUE on success, %FALSE with @error set when the cleanup failed;
 *   the failure is recorded in the [struct@Resmgr.CleanupReport] and the
 *   other cleanups still run. A cleanup that finds its resource already
 *   gone with its context sets %RESMGR_ERROR_CONTEXT_LOST: the resource is
 *   then counted as lost, not failed
 *
 * Since: 0.1
 */
typedef gboolean (*ResmgrCleanupFunc) (gpointer   resource,
                                       gpointer   user_data,
                                       GError   **error);

typedef struct _ResmgrHandle        ResmgrHandle;
typedef struct _ResmgrCleanupReport ResmgrCleanupReport;
typedef struct _ResmgrStats         ResmgrStats;

RESMGR_AVAILABLE_IN_ALL
GQuark       resmgr_error_quark                       (void);
RESMGR_AVAILABLE_IN_ALL
int          resmgr_resource_type_get_default_priority (ResmgrResourceType type);

G_END_DECLS
