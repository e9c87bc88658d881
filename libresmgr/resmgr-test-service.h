/* resmgr-test-service.h: a recording, fault-injecting service for tests
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(RESMGR_INSIDE) && !defined(RESMGR_COMPILATION)
# error "Only <resmgr.h> can be included directly."
#endif

#include "resmgr-manager.h"

G_BEGIN_DECLS

/**
 * RESMGR_TEST_ERROR:
 *
 * The error domain of the checks of [class@Resmgr.TestService]: a check
 * that fails sets an error in it whose message says what differs.
 *
 * Since: 0.1
 */
#define RESMGR_TEST_ERROR (resmgr_test_error_quark ())

/**
 * ResmgrTestError:
 * @RESMGR_TEST_ERROR_CHECK_FAILED: what a check expected is not what the
 *   service holds or recorded
 *
 * Error codes in the %RESMGR_TEST_ERROR domain.
 *
 * Since: 0.1
 */
typedef enum {
  RESMGR_TEST_ERROR_CHECK_FAILED, /*< nick=check-failed >*/
} ResmgrTestError;

RESMGR_AVAILABLE_IN_ALL
GQuark resmgr_test_error_quark (void);

#define RESMGR_TYPE_TEST_CALL    (resmgr_test_call_get_type ())
#define RESMGR_TYPE_TEST_SERVICE (resmgr_test_service_get_type ())

RESMGR_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (ResmgrTestCall, resmgr_test_call, RESMGR, TEST_CALL, GObject)
RESMGR_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (ResmgrTestService, resmgr_test_service, RESMGR, TEST_SERVICE, GObject)

RESMGR_AVAILABLE_IN_ALL
const char         *resmgr_test_call_get_method          (ResmgrTestCall    *self);
RESMGR_AVAILABLE_IN_ALL
const char         *resmgr_test_call_get_component_id    (ResmgrTestCall    *self);
RESMGR_AVAILABLE_IN_ALL
const char         *resmgr_test_call_get_name            (ResmgrTestCall    *self);
RESMGR_AVAILABLE_IN_ALL
int                 resmgr_test_call_get_resource_type   (ResmgrTestCall    *self);
RESMGR_AVAILABLE_IN_ALL
int                 resmgr_test_call_get_priority        (ResmgrTestCall    *self);
RESMGR_AVAILABLE_IN_ALL
guint64             resmgr_test_call_get_id              (ResmgrTestCall    *self);
RESMGR_AVAILABLE_IN_ALL
const GError       *resmgr_test_call_get_error           (ResmgrTestCall    *self);
RESMGR_AVAILABLE_IN_ALL
const char         *resmgr_test_call_get_thread_name     (ResmgrTestCall    *self);
RESMGR_AVAILABLE_IN_ALL
gboolean            resmgr_test_call_get_on_test_thread  (ResmgrTestCall    *self);
RESMGR_AVAILABLE_IN_ALL
gboolean            resmgr_test_call_get_on_owner        (ResmgrTestCall    *self);

RESMGR_AVAILABLE_IN_ALL
ResmgrTestService  *resmgr_test_service_new              (void);
RESMGR_AVAILABLE_IN_ALL
ResmgrManager      *resmgr_test_service_get_manager      (ResmgrTestService *self);
RESMGR_AVAILABLE_IN_ALL
GMainContext       *resmgr_test_service_get_context      (ResmgrTestService *self);
RESMGR_AVAILABLE_IN_ALL
gboolean            resmgr_test_service_step             (ResmgrTestService *self);
RESMGR_AVAILABLE_IN_ALL
guint               resmgr_test_service_run_until_idle   (ResmgrTestService *self);

RESMGR_AVAILABLE_IN_ALL
GPtrArray          *resmgr_test_service_dup_calls        (ResmgrTestService *self) G_GNUC_WARN_UNUSED_RESULT;
RESMGR_AVAILABLE_IN_ALL
guint               resmgr_test_service_get_n_calls      (ResmgrTestService *self);
RESMGR_AVAILABLE_IN_ALL
ResmgrTestCall     *resmgr_test_service_dup_call         (ResmgrTestService *self,
                                                          guint              index) G_GNUC_WARN_UNUSED_RESULT;
RESMGR_AVAILABLE_IN_ALL
guint               resmgr_test_service_count_calls      (ResmgrTestService *self,
                                                          const char        *method);
RESMGR_AVAILABLE_IN_ALL
char               *resmgr_test_service_dup_methods      (ResmgrTestService *self) G_GNUC_WARN_UNUSED_RESULT;
RESMGR_AVAILABLE_IN_ALL
char              **resmgr_test_service_dup_cleanup_order (ResmgrTestService *self,
                                                          const char        *component_id) G_GNUC_WARN_UNUSED_RESULT;
RESMGR_AVAILABLE_IN_ALL
void                resmgr_test_service_clear_calls      (ResmgrTestService *self);

RESMGR_AVAILABLE_IN_ALL
void                resmgr_test_service_fail_next        (ResmgrTestService *self,
                                                          const char        *method,
                                                          guint              n,
                                                          const GError      *error);
RESMGR_AVAILABLE_IN_ALL
void                resmgr_test_service_fail_cleanup     (ResmgrTestService *self,
                                                          const char        *name,
                                                          const GError      *error);
RESMGR_AVAILABLE_IN_ALL
void                resmgr_test_service_overrun_cleanup  (ResmgrTestService *self,
                                                          const char        *name);
RESMGR_AVAILABLE_IN_ALL
void                resmgr_test_service_set_shutting_down (ResmgrTestService *self,
                                                          gboolean           shutting_down);
RESMGR_AVAILABLE_IN_ALL
void                resmgr_test_service_clear_faults     (ResmgrTestService *self);

RESMGR_AVAILABLE_IN_ALL
gboolean            resmgr_test_service_check_no_leaks   (ResmgrTestService *self,
                                                          const char        *component_id,
                                                          GError           **error);
RESMGR_AVAILABLE_IN_ALL
gboolean            resmgr_test_service_check_cleanup_order (ResmgrTestService *self,
                                                          const char        *component_id,
                                                          const char * const *names,
                                                          GError           **error);
RESMGR_AVAILABLE_IN_ALL
gboolean            resmgr_test_check_handles            (GPtrArray         *handles,
                                                          const char * const *names,
                                                          GError           **error);

/* The GTest assertions: what the checks above say, as g_assert_* says it. */

RESMGR_AVAILABLE_IN_ALL
void resmgr_test_assertion_no_leaks      (const char         *domain,
                                          const char         *file,
                                          int                 line,
                                          const char         *func,
                                          const char         *expr,
                                          ResmgrTestService  *service,
                                          const char         *component_id);
RESMGR_AVAILABLE_IN_ALL
void resmgr_test_assertion_cleanup_order (const char         *domain,
                                          const char         *file,
                                          int                 line,
                                          const char         *func,
                                          const char         *expr,
                                          ResmgrTestService  *service,
                                          const char         *component_id,
                                          const char         *first_name,
                                          ...) G_GNUC_NULL_TERMINATED;
RESMGR_AVAILABLE_IN_ALL
void resmgr_test_assertion_handles       (const char         *domain,
                                          const char         *file,
                                          int                 line,
                                          const char         *func,
                                          const char         *expr,
                                          GPtrArray          *handles,
                                          const char         *first_name,
                                          ...); /* NULL-terminated; may be only NULL */

/**
 * resmgr_assert_no_leaks:
 * @service: a [class@Resmgr.TestService]
 * @component_id: (nullable): a component id, or %NULL for the whole service
 *
 * Asserts that the component (or the service) holds nothing, except
 * resources marked process-lifetime. When it does, the test fails like a
 * `g_assert_*` with a message naming each leftover with its type, name,
 * id, priority and age.
 *
 * Since: 0.1
 */
#define resmgr_assert_no_leaks(service, component_id) \
  resmgr_test_assertion_no_leaks (G_LOG_DOMAIN, __FILE__, __LINE__, G_STRFUNC, \
                                  "resmgr_assert_no_leaks (" #service ", " #component_id ")", \
                                  (service), (component_id))

/**
 * resmgr_assert_cleanup_order:
 * @service: a [class@Resmgr.TestService]
 * @component_id: (nullable): a component id, or %NULL for every component
 * @...: resource names, in the order they must have been cleaned,
 *   followed by %NULL
 *
 * Asserts that the named resources were cleaned in this order (see
 * [method@Resmgr.TestService.check_cleanup_order]). When not, the test
 * fails with both orders and each resource's priority.
 *
 * Since: 0.1
 */
#define resmgr_assert_cleanup_order(service, component_id, ...) \
  resmgr_test_assertion_cleanup_order (G_LOG_DOMAIN, __FILE__, __LINE__, G_STRFUNC, \
                                       "resmgr_assert_cleanup_order (" #service ", " #component_id ", " #__VA_ARGS__ ")", \
                                       (service), (component_id), __VA_ARGS__)

/**
 * resmgr_assert_handles:
 * @handles: (element-type ResmgrHandle): handles, for example what
 *   resmgr_coordinator_diff() says a component gained
 * @...: the names expected, in any order, followed by %NULL
 *
 * Asserts that @handles are exactly the resources named (see
 * resmgr_test_check_handles()). When not, the test fails with what is
 * missing and what is there unexpected.
 *
 * Since: 0.1
 */
#define resmgr_assert_handles(handles, ...) \
  resmgr_test_assertion_handles (G_LOG_DOMAIN, __FILE__, __LINE__, G_STRFUNC, \
                                 "resmgr_assert_handles (" #handles ", " #__VA_ARGS__ ")", \
                                 (handles), __VA_ARGS__)

G_END_DECLS
