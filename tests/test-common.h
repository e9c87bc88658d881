/* test-common.h: helpers shared by the resmgr tests
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <resmgr.h>

G_BEGIN_DECLS

/* A component: a plain GObject that owns resources. It can set a flag when
 * it is finalized, so a test can tell "alive" from "gone". */
#define TEST_TYPE_COMPONENT (test_component_get_type ())
G_DECLARE_FINAL_TYPE (TestComponent, test_component, TEST, COMPONENT, GObject)

TestComponent *test_component_new        (gboolean *finalized);

/* A second component type, used only where the automatic id "<TypeName>-<n>"
 * is checked, so the counter of that type name is not shared with other
 * tests of the same executable. */
#define TEST_TYPE_NAMED_COMPONENT (test_named_component_get_type ())
G_DECLARE_FINAL_TYPE (TestNamedComponent, test_named_component, TEST, NAMED_COMPONENT, GObject)

/* A controller whose coordinator is a worker coordinator, shared by the
 * controller and application tests (the GL one is in test-common-gtk.h). */
#define TEST_TYPE_WORKER_CONTROLLER (test_worker_controller_get_type ())
G_DECLARE_FINAL_TYPE (TestWorkerController, test_worker_controller, TEST, WORKER_CONTROLLER, ResmgrController)

/* A watched object: counts its disposes and sets a flag at finalize. */
#define TEST_TYPE_OBJECT (test_object_get_type ())
G_DECLARE_FINAL_TYPE (TestObject, test_object, TEST, OBJECT, GObject)

TestObject *test_object_new               (gboolean *finalized);
guint       test_object_get_n_disposes    (TestObject *self);

/* A thread-safe log of events: each destroy notify or cleanup appends its
 * name and the thread it ran on. */
typedef struct
{
  GMutex     mutex;
  GPtrArray *names;    /* char * */
  GPtrArray *threads;  /* GThread * (not referenced) */
  guint      n_user_data_destroyed;
} Recorder;

Recorder   *recorder_new                  (void);
void        recorder_free                 (Recorder   *rec);
void        recorder_push                 (Recorder   *rec,
                                           const char *name);
guint       recorder_len                  (Recorder   *rec);
guint       recorder_count                (Recorder   *rec,
                                           const char *name);
/* the events joined with "," */
char       *recorder_join                 (Recorder   *rec);
GThread    *recorder_thread               (Recorder   *rec,
                                           guint       index);

/* An item of owned data: its destroy notify (item_destroy) records its name. */
typedef struct
{
  Recorder *rec;
  char     *name;
  gboolean  fail;       /* for item_cleanup: fail with TEST_ERROR */
  gpointer  extra;      /* for tests */
} Item;

Item       *item_new                      (Recorder   *rec,
                                           const char *name);
/* GDestroyNotify: records the name, frees the item */
void        item_destroy                  (gpointer    data);
/* GDestroyNotify for user_data: counts, frees the item, records nothing */
void        item_free                     (gpointer    data);
/* ResmgrCleanupFunc: records the name (and fails when item->fail) */
gboolean    item_cleanup                  (gpointer    resource,
                                           gpointer    user_data,
                                           GError    **error);

#define TEST_ERROR (test_error_quark ())
GQuark      test_error_quark              (void);

/* Shortcuts that assert success */
guint64     track_item                    (ResmgrService      *service,
                                           gpointer            component,
                                           ResmgrResourceType  type,
                                           int                 priority,
                                           Recorder           *rec,
                                           const char         *name);
guint64     add_item_cleanup              (ResmgrService      *service,
                                           gpointer            component,
                                           int                 priority,
                                           Recorder           *rec,
                                           const char         *name,
                                           gboolean            fail);
void        register_component            (ResmgrService      *service,
                                           gpointer            component,
                                           const char         *id);

#define assert_recorded(rec, expected)            \
  G_STMT_START {                                  \
    char *__joined = recorder_join (rec);         \
    g_assert_cmpstr (__joined, ==, (expected));   \
    g_free (__joined);                            \
  } G_STMT_END

/* A stable name for a state, independent of the library's enum nicks */
const char *state_name                    (ResmgrResourceState state);

typedef gboolean (*Condition) (gpointer data);

/* Iterates the default context until @cond holds; g_error () naming @what
 * after 60 s. Nothing waits on the clock: a periodic source only lets the
 * deadline be checked. */
void        wait_for                      (Condition           cond,
                                           gpointer            data,
                                           const char         *what);

/* Iterates @context until *flag is TRUE; g_error () after 60 s, like
 * wait_for (). */
void        iterate_until                 (GMainContext       *context,
                                           volatile gint      *flag);

G_END_DECLS
