/* mock-service.h: a ResmgrService that records its calls
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <resmgr.h>

G_BEGIN_DECLS

/* One recorded call. Fields that do not apply to a method are -1 / NULL. */
typedef struct
{
  char    *method;        /* "register_component", "track_data", ... */
  char    *component_id;  /* the id the component is registered with */
  int      type;          /* a ResmgrResourceType, or -1 */
  int      priority;      /* as passed, or -1 */
  char    *name;          /* resource name, or the id asked at registration */
  guint64  id;            /* the resource id involved or returned (0 on error) */
} MockCall;

#define MOCK_TYPE_SERVICE (mock_service_get_type ())
G_DECLARE_FINAL_TYPE (MockService, mock_service, MOCK, SERVICE, GObject)

MockService    *mock_service_new          (void);
/* The next call of @method fails with RESMGR_ERROR / @code (queued: one per
 * call of this function). */
void            mock_service_fail_next    (MockService *self,
                                           const char  *method,
                                           ResmgrError  code);
guint           mock_service_get_n_calls  (MockService *self);
/* A copy of the index-th call, valid until mock_service_clear_calls(). */
const MockCall *mock_service_get_call     (MockService *self,
                                           guint        index);
/* The number of recorded calls of @method */
guint           mock_service_count_calls  (MockService *self,
                                           const char  *method);
/* The recorded methods joined with "," */
char           *mock_service_join_calls   (MockService *self);
void            mock_service_clear_calls  (MockService *self);
/* The number of entries tracked now */
guint           mock_service_get_n_entries (MockService *self);

G_END_DECLS
