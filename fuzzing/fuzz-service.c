/* fuzz-service.c: a model-based libFuzzer target of the service API
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The input is a program: each operation is one byte (the opcode) followed
 * by argument bytes; a missing byte reads as 0. The program runs against a
 * ResmgrManager and, beside it, a model of what the service promises
 * (docs/service.md, docs/threading.md). After every operation the model is
 * checked; a difference aborts (a libFuzzer finding):
 *
 *   - every destroy notify, cleanup and user_data_destroy runs exactly once
 *     (never for a failed track call: nothing is taken), and never after
 *     the resource was released;
 *   - errors as documented: NOT_FOUND for an unknown, released, or another
 *     manager's id, or an unregistered component; INVALID_ARGUMENT for a
 *     component registered twice, a duplicate id, a size above G_MAXSSIZE;
 *     SHUTTING_DOWN after shutdown;
 *   - stats (count and bytes per type, components, totals) match;
 *   - cleanup order: priority descending, newest first within a priority,
 *     per component (cleanup_component, disposal) and globally (shutdown);
 *     what a cleanup adds is cleaned in a further round;
 *   - cleanups and destroy notifies run on the owner thread (this one): the
 *     owner context is pushed as this thread's default, so a component
 *     dropped on a helper thread is only cleaned when this thread iterates
 *     its context, and not before;
 *   - set_metadata sinks a floating value on every path (LeakSanitizer
 *     catches the leak at the end of the input otherwise).
 *
 * Cleanups re-enter the manager (track on the same component, release,
 * look up, set metadata). Everything runs on one owner thread, except the
 * helper thread that drops a component's last reference, which is joined
 * before the owner iterates again, so every input is deterministic.
 */

#include <resmgr.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_COMPONENTS 4
#define MAX_RESOURCES  96
#define MAX_OPS        256

#define CHECK(cond, ...)                                                 \
  G_STMT_START {                                                         \
    if (G_UNLIKELY (!(cond)))                                            \
      {                                                                  \
        fprintf (stderr, "fuzz-service: model check failed: %s (%s:%d)\n", \
                 #cond, __FILE__, __LINE__);                             \
        fprintf (stderr, "  " __VA_ARGS__);                              \
        fprintf (stderr, "\n");                                          \
        abort ();                                                        \
      }                                                                  \
  } G_STMT_END

#define CHECK_ERROR(err, code_) \
  CHECK (g_error_matches ((err), RESMGR_ERROR, (code_)), \
         "expected error code %d, got %s", (code_), (err) ? (err)->message : "no error")

/* A component object {{{ */

#define FUZZ_TYPE_COMPONENT (fuzz_component_get_type ())
G_DECLARE_FINAL_TYPE (FuzzComponent, fuzz_component, FUZZ, COMPONENT, GObject)

struct _FuzzComponent
{
  GObject parent_instance;
};

G_DEFINE_FINAL_TYPE (FuzzComponent, fuzz_component, G_TYPE_OBJECT)

static void fuzz_component_class_init (FuzzComponentClass *klass) { }
static void fuzz_component_init (FuzzComponent *self) { }

/* }}} */

/* The model {{{ */

typedef enum {
  KIND_DATA,
  KIND_OBJECT,
  KIND_RESOURCE,
  KIND_CLEANUP,
} Kind;

typedef enum {
  REENTER_NONE,
  REENTER_TRACK,        /* track owned data on the same component */
  REENTER_RELEASE,      /* release another resource */
  REENTER_LOOKUP,       /* look another resource up */
  REENTER_METADATA,     /* set metadata on another resource */
  N_REENTER
} Reenter;

typedef enum {
  SCOPE_NONE,
  SCOPE_RELEASE,        /* an explicit release () */
  SCOPE_COMPONENT,      /* cleanup_component / disposal of one component */
  SCOPE_SHUTDOWN,
} Scope;

typedef struct
{
  guint64   id;
  int       comp;        /* index in State.comps */
  guint     comp_gen;    /* generation of that slot */
  Kind      kind;
  int       type;
  int       priority;    /* effective */
  gsize     size;
  guint64   order;       /* creation order in the model */
  gboolean  live;
  gboolean  fails;
  Reenter   reenter;
  guint8    arg;
  GObject  *object;      /* KIND_OBJECT: our reference, until dropped */
  /* what the service did */
  int       n_destroy;   /* KIND_DATA */
  int       n_cleanup;   /* other kinds */
  int       n_user_destroy;
  int       round;       /* cleanup round it ran in, for order checks */
  gboolean  nested;      /* ran inside a release () made by a cleanup */
  gboolean  finalized;   /* its watched object went first */
} Res;

typedef struct
{
  FuzzComponent *object;   /* NULL: free slot */
  char          *id;       /* as registered */
  guint          gen;
} Comp;

typedef struct
{
  ResmgrManager *manager;
  ResmgrManager *other;         /* a second manager, with ids of its own */
  FuzzComponent *other_comp;
  Res           *other_res[2];
  GMainContext  *context;
  GThread       *owner;
  const guint8  *data;
  size_t         size;
  size_t         pos;

  Comp           comps[MAX_COMPONENTS];
  GPtrArray     *res;           /* Res *, all of this input, owned */
  guint64        next_order;
  gboolean       shut_down;
  guint          n_components;  /* registered */
  guint64        tracked;       /* successful track calls on manager */

  /* The cleanup log of the operation that runs now. */
  GPtrArray     *log;           /* Res *, not owned */
  Scope          scope;
  int            scope_comp;
  int            round;
  int            release_depth; /* inside release () calls made by cleanups */
  Res           *dropping;      /* whose watched object we finalize now */
} State;

static State *S;

static guint8
next_byte (void)
{
  return S->pos < S->size ? S->data[S->pos++] : 0;
}

static int
default_priority (int type)
{
  return resmgr_resource_type_get_default_priority ((ResmgrResourceType) type);
}

static Res *
res_new (void)
{
  Res *r = g_new0 (Res, 1);

  g_ptr_array_add (S->res, r);
  return r;
}

static void
res_free (gpointer data)
{
  Res *r = data;

  g_clear_object (&r->object);
  g_free (r);
}

/* }}} */

/* Callbacks given to the service {{{ */

static void reenter (Res *r);

static void
check_owner_thread (const char *what,
                    Res        *r)
{
  CHECK (g_thread_self () == S->owner,
         "%s of resource %" G_GUINT64_FORMAT " ran on a foreign thread", what, r->id);
}

/* The resource's cleanup (or destroy notify) runs now. */
static void
ran (Res        *r,
     const char *what)
{
  check_owner_thread (what, r);
  CHECK (r->live, "%s of resource %" G_GUINT64_FORMAT " ran, but it was not live (twice, or never tracked)",
         what, r->id);
  r->live = FALSE;
  r->round = S->round;
  r->nested = S->release_depth > 0;
  if (S->log != NULL)
    g_ptr_array_add (S->log, r);
}

static void
data_destroy (gpointer data)
{
  Res *r = data;

  r->n_destroy++;
  ran (r, "destroy notify");
}

static gboolean
cleanup_func (gpointer   resource,
              gpointer   user_data,
              GError   **error)
{
  Res *r = user_data;

  switch (r->kind)
    {
    case KIND_OBJECT:
      CHECK (resource == r->object || (r->object == NULL && G_IS_OBJECT (resource)),
             "watched object cleanup got the wrong object");
      break;
    case KIND_RESOURCE:
      CHECK (resource == r, "resource cleanup got the wrong resource");
      break;
    case KIND_CLEANUP:
      CHECK (resource == NULL, "cleanup callback got a resource");
      break;
    default:
      CHECK (FALSE, "cleanup of owned data");
    }
  r->n_cleanup++;
  ran (r, "cleanup");
  reenter (r);

  if (r->fails)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, "planned failure");
      return FALSE;
    }
  return TRUE;
}

static void
user_data_destroy (gpointer data)
{
  Res *r = data;

  check_owner_thread ("user_data_destroy", r);
  if (r == S->dropping && r->live)
    {
      /* Its watched object was finalized first: dropped, no cleanup. */
      r->live = FALSE;
      r->finalized = TRUE;
    }
  CHECK (!r->live, "user_data_destroy of resource %" G_GUINT64_FORMAT " before its cleanup", r->id);
  r->n_user_destroy++;
  CHECK (r->n_user_destroy == 1, "user_data_destroy of resource %" G_GUINT64_FORMAT " ran twice", r->id);
}

/* }}} */

/* Operations {{{ */

static Res *
pick_res (guint8 b)
{
  if (S->res->len == 0)
    return NULL;
  return g_ptr_array_index (S->res, b % S->res->len);
}

static gsize
pick_size (guint8 b)
{
  switch (b % 8)
    {
    case 0: return 0;
    case 1: return 1;
    case 2: return 4096;
    case 3: return (gsize) G_MAXSSIZE;
    case 4: return (gsize) G_MAXSSIZE + 1;
    case 5: return G_MAXSIZE;
    default: return b * 16;
    }
}

static int
pick_priority (guint8 b)
{
  static const int priorities[] = { RESMGR_PRIORITY_DEFAULT, 0, 20, 50, 90, 100, RESMGR_PRIORITY_MAX };

  if (b < 0xc0)
    return priorities[b % G_N_ELEMENTS (priorities)];
  return (b - 0xc0) * 16;  /* 0 .. 1008, capped below */
}

static GVariant *
new_metadata (guint8 b)
{
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&builder, "{sv}", "fuzz", g_variant_new_uint32 (b));
  g_variant_builder_add (&builder, "{sv}", "padding",
                         g_variant_new_string ("a floating value must be sunk on every path"));
  return g_variant_builder_end (&builder);  /* floating */
}

/* Tracks a resource of @kind for component slot @slot (registered or not)
 * and updates the model. Returns the new resource or NULL. */
static Res *
do_track (int     slot,
          Kind    kind,
          guint8  type_b,
          guint8  prio_b,
          guint8  size_b,
          guint8  flags)
{
  ResmgrService *service = RESMGR_SERVICE (S->manager);
  Comp *c = &S->comps[slot];
  GObject *component = c->object ? G_OBJECT (c->object) : NULL;
  g_autoptr(GObject) stranger = NULL;
  g_autoptr(GError) error = NULL;
  int type = kind == KIND_CLEANUP ? RESMGR_RESOURCE_TYPE_CUSTOM : type_b % RESMGR_N_RESOURCE_TYPES;
  int priority = MIN (pick_priority (prio_b), RESMGR_PRIORITY_MAX);
  gsize size = kind == KIND_CLEANUP ? 0 : pick_size (size_b);
  g_autofree char *name = (flags & 0x80) ? g_strdup_printf ("res-%u", S->res->len) : NULL;
  Res *r;
  guint64 id = 0;

  if (S->res->len >= MAX_RESOURCES)
    return NULL;

  if (component == NULL)
    component = stranger = g_object_new (FUZZ_TYPE_COMPONENT, NULL);

  r = res_new ();
  r->comp = slot;
  r->comp_gen = c->gen;
  r->kind = kind;
  r->type = type;
  r->priority = priority == RESMGR_PRIORITY_DEFAULT ? default_priority (type) : priority;
  r->size = size;
  r->fails = kind != KIND_DATA && (flags & 0x03) == 0x03;
  r->reenter = (flags >> 2) % N_REENTER;
  r->arg = next_byte ();
  r->live = TRUE;  /* provisionally: a callback must find it live */

  switch (kind)
    {
    case KIND_DATA:
      id = resmgr_service_track_data (service, component, type, name, size, priority,
                                      r, data_destroy, &error);
      break;
    case KIND_OBJECT:
      r->object = g_object_new (G_TYPE_OBJECT, NULL);
      id = resmgr_service_track_object (service, component, type, name, size, priority,
                                        r->object, cleanup_func, r, user_data_destroy, &error);
      break;
    case KIND_RESOURCE:
      id = resmgr_service_track_resource (service, component, type, name, size, priority,
                                          r, cleanup_func, r, user_data_destroy, &error);
      break;
    case KIND_CLEANUP:
      id = resmgr_service_add_cleanup (service, component, name, priority,
                                       cleanup_func, r, user_data_destroy, &error);
      break;
    }

  if (id == 0)
    {
      r->live = FALSE;
      CHECK (error != NULL, "a failed track call set no error");
      /* Nothing taken. */
      CHECK (r->n_destroy == 0 && r->n_cleanup == 0 && r->n_user_destroy == 0,
             "a failed track call called back");
      if (S->shut_down)
        CHECK (g_error_matches (error, RESMGR_ERROR, RESMGR_ERROR_SHUTTING_DOWN) ||
               (size > G_MAXSSIZE && g_error_matches (error, RESMGR_ERROR, RESMGR_ERROR_INVALID_ARGUMENT)),
               "track after shutdown: %s", error->message);
      else if (size > G_MAXSSIZE)
        CHECK (g_error_matches (error, RESMGR_ERROR, RESMGR_ERROR_INVALID_ARGUMENT) ||
               (stranger != NULL && g_error_matches (error, RESMGR_ERROR, RESMGR_ERROR_NOT_FOUND)),
               "size above G_MAXSSIZE: %s", error->message);
      else
        {
          CHECK (stranger != NULL, "track on a registered component failed: %s", error->message);
          CHECK_ERROR (error, RESMGR_ERROR_NOT_FOUND);
        }
      r->id = 0;
      return NULL;
    }

  CHECK (error == NULL, "a successful track call set an error");
  CHECK (!S->shut_down, "track succeeded after shutdown");
  CHECK (stranger == NULL, "track succeeded on an unregistered component");
  CHECK (size <= G_MAXSSIZE, "a size above G_MAXSSIZE was accepted");
  for (guint i = 0; i < S->res->len; i++)
    CHECK (((Res *) g_ptr_array_index (S->res, i))->id != id, "id %" G_GUINT64_FORMAT " reused", id);
  CHECK (id != S->other_res[0]->id && id != S->other_res[1]->id, "id of the other manager issued again");
  r->id = id;
  r->order = S->next_order++;
  S->tracked++;

  return r;
}

/* A cleanup re-entering the manager. */
static void
reenter (Res *r)
{
  ResmgrService *service = RESMGR_SERVICE (S->manager);
  g_autoptr(GError) error = NULL;
  Res *other;

  switch (r->reenter)
    {
    case REENTER_NONE:
      break;

    case REENTER_TRACK:
      {
        /* Only where the component is alive and ours to name: an explicit
         * release or cleanup_component of a registered component, or a
         * shutdown (which refuses). */
        Comp *c = &S->comps[r->comp];
        Res *added;

        if (c->object == NULL || c->gen != r->comp_gen)
          break;
        if (S->scope == SCOPE_COMPONENT && S->scope_comp == -1)
          break;  /* disposal: the component is going */
        added = do_track (r->comp, KIND_DATA, r->arg, r->arg >> 3, r->arg, 0);
        if (added != NULL)
          CHECK (S->scope != SCOPE_SHUTDOWN, "tracked during shutdown");
      }
      break;

    case REENTER_RELEASE:
      other = pick_res (r->arg);
      if (other == NULL || other->id == 0)
        break;
      {
        gboolean was_live = other->live;
        gboolean ok;

        S->release_depth++;
        ok = resmgr_service_release (service, other->id, &error);
        S->release_depth--;
        if (!was_live)
          CHECK_ERROR (error, RESMGR_ERROR_NOT_FOUND);
        else
          {
            CHECK (!other->live, "a release from a cleanup did not run the cleanup");
            CHECK (ok == !other->fails, "release from a cleanup: %s", error ? error->message : "ok");
          }
      }
      break;

    case REENTER_LOOKUP:
      other = pick_res (r->arg);
      if (other == NULL || other->id == 0)
        break;
      {
        g_autoptr(ResmgrHandle) handle = resmgr_service_lookup (service, other->id, &error);

        if (other->live)
          CHECK (handle != NULL && resmgr_handle_get_id (handle) == other->id,
                 "lookup from a cleanup: %s", error ? error->message : "wrong handle");
        else
          CHECK_ERROR (error, RESMGR_ERROR_NOT_FOUND);
      }
      break;

    case REENTER_METADATA:
      other = pick_res (r->arg);
      if (other == NULL || other->id == 0)
        break;
      if (resmgr_service_set_metadata (service, other->id, new_metadata (r->arg), &error))
        CHECK (other->live, "set_metadata succeeded on a released resource");
      else
        {
          CHECK (!other->live, "set_metadata failed on a live resource: %s", error->message);
          CHECK_ERROR (error, RESMGR_ERROR_NOT_FOUND);
        }
      break;

    default:
      g_assert_not_reached ();
    }
}

static int
compare_cleanup_order (gconstpointer a,
                       gconstpointer b)
{
  const Res *ra = *(Res **) a, *rb = *(Res **) b;

  if (ra->priority != rb->priority)
    return ra->priority > rb->priority ? -1 : 1;
  return ra->order > rb->order ? -1 : ra->order < rb->order ? 1 : 0;
}

/* Checks the log of a cleanup (of one component, or the shutdown when
 * @comp is -1) against the model: everything of it that was live ran, once,
 * in order, round by round. */
static void
check_cleanup_log (int        comp,
                   guint      comp_gen,
                   GPtrArray *was_live)
{
  /* Round 1 is what was live at the start, minus what a cleanup released
   * (nested) meanwhile; its non-nested entries are sorted. Later rounds
   * hold what cleanups added. */
  int last_round = 0;
  const Res *prev = NULL;

  for (guint i = 0; i < S->log->len; i++)
    {
      const Res *r = g_ptr_array_index (S->log, i);

      if (r->nested)
        continue;
      CHECK (comp < 0 || (r->comp == comp && r->comp_gen == comp_gen),
             "cleanup of component %d ran resource %" G_GUINT64_FORMAT " of another one", comp, r->id);
      CHECK (r->round >= last_round, "cleanup rounds out of order");
      if (r->round != last_round)
        prev = NULL;
      last_round = r->round;
      if (prev != NULL)
        CHECK (compare_cleanup_order (&prev, &r) < 0,
               "cleanup order: %" G_GUINT64_FORMAT " (priority %d, order %" G_GUINT64_FORMAT
               ") ran before %" G_GUINT64_FORMAT " (priority %d, order %" G_GUINT64_FORMAT ")",
               prev->id, prev->priority, prev->order, r->id, r->priority, r->order);
      prev = r;
    }

  for (guint i = 0; i < was_live->len; i++)
    {
      const Res *r = g_ptr_array_index (was_live, i);

      CHECK (!r->live, "resource %" G_GUINT64_FORMAT " (component %d) was not cleaned", r->id, r->comp);
    }
}

static GPtrArray *
live_of (int comp)
{
  GPtrArray *live = g_ptr_array_new ();

  for (guint i = 0; i < S->res->len; i++)
    {
      Res *r = g_ptr_array_index (S->res, i);

      if (r->live && (comp < 0 || (r->comp == comp && r->comp_gen == S->comps[comp].gen)))
        g_ptr_array_add (live, r);
    }
  return live;
}

static void
begin_log (Scope scope,
           int   comp)
{
  S->log = g_ptr_array_new ();
  S->scope = scope;
  S->scope_comp = comp;
  S->round = 0;
}

static void
end_log (void)
{
  g_clear_pointer (&S->log, g_ptr_array_unref);
  S->scope = SCOPE_NONE;
}

/* Round numbers: a resource tracked while a cleanup runs belongs to the
 * next round. do_track gives it order > everything of the current round;
 * the log check only needs rounds to increase, so the round of an entry is
 * 1 if it was live at the start, else 2 or more. */
static void
assign_rounds (GPtrArray *was_live)
{
  for (guint i = 0; i < S->log->len; i++)
    {
      Res *r = g_ptr_array_index (S->log, i);
      gboolean first = FALSE;

      for (guint j = 0; j < was_live->len && !first; j++)
        first = g_ptr_array_index (was_live, j) == r;
      r->round = first ? 1 : 2;
    }
}

static void
iterate_until_quiet (void)
{
  /* Run whatever is pending on the owner context; bounded. */
  for (int i = 0; i < 1000 && g_main_context_iteration (S->context, FALSE); i++)
    ;
}

static void
op_register (void)
{
  ResmgrService *service = RESMGR_SERVICE (S->manager);
  int slot = next_byte () % MAX_COMPONENTS;
  guint8 id_b = next_byte ();
  Comp *c = &S->comps[slot];
  g_autoptr(GError) error = NULL;
  g_autofree char *id = NULL;
  gboolean duplicate = FALSE;
  FuzzComponent *object;

  if (c->object != NULL)
    {
      /* Registering the same object twice. */
      CHECK (!resmgr_service_register_component (service, G_OBJECT (c->object), NULL, &error),
             "a component was registered twice");
      if (!S->shut_down)
        CHECK_ERROR (error, RESMGR_ERROR_INVALID_ARGUMENT);
      return;
    }

  if (id_b & 1)
    {
      id = g_strdup_printf ("comp-%d", (id_b >> 1) % 3);
      for (int i = 0; i < MAX_COMPONENTS; i++)
        duplicate |= S->comps[i].object != NULL && g_strcmp0 (S->comps[i].id, id) == 0;
    }

  object = g_object_new (FUZZ_TYPE_COMPONENT, NULL);
  if (!resmgr_service_register_component (service, G_OBJECT (object), id, &error))
    {
      if (S->shut_down)
        CHECK_ERROR (error, RESMGR_ERROR_SHUTTING_DOWN);
      else
        {
          CHECK (duplicate, "register failed: %s", error->message);
          CHECK_ERROR (error, RESMGR_ERROR_INVALID_ARGUMENT);
        }
      g_object_unref (object);
      return;
    }

  CHECK (!S->shut_down, "registered after shutdown");
  CHECK (!duplicate, "a duplicate id \"%s\" was accepted", id);
  c->object = object;
  c->id = resmgr_service_dup_component_id (service, G_OBJECT (object));
  CHECK (c->id != NULL && (id == NULL || strcmp (c->id, id) == 0), "component id");
  c->gen++;
  S->n_components++;
}

static void
op_track (Kind kind)
{
  int slot = next_byte () % MAX_COMPONENTS;
  guint8 type_b = next_byte ();
  guint8 prio_b = next_byte ();
  guint8 size_b = next_byte ();
  guint8 flags = next_byte ();

  do_track (slot, kind, type_b, prio_b, size_b, flags);
}

static void
op_release (void)
{
  Res *r = pick_res (next_byte ());
  g_autoptr(GError) error = NULL;
  gboolean was_live;
  gboolean ok;

  if (r == NULL || r->id == 0)
    return;

  was_live = r->live;
  begin_log (SCOPE_RELEASE, r->comp);
  ok = resmgr_service_release (RESMGR_SERVICE (S->manager), r->id, &error);
  end_log ();

  if (!was_live)
    {
      CHECK (!ok, "release of a released resource succeeded");
      CHECK_ERROR (error, RESMGR_ERROR_NOT_FOUND);
      return;
    }
  CHECK (!r->live, "release did not run the cleanup (on the calling thread)");
  if (r->fails)
    CHECK (!ok && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_FAILED),
           "a failing cleanup: release returned %d (%s)", ok, error ? error->message : "no error");
  else
    CHECK (ok, "release failed: %s", error->message);
}

static void
op_lookup (void)
{
  Res *r = pick_res (next_byte ());
  g_autoptr(GError) error = NULL;
  g_autoptr(ResmgrHandle) handle = NULL;

  if (r == NULL || r->id == 0)
    return;

  handle = resmgr_service_lookup (RESMGR_SERVICE (S->manager), r->id, &error);
  if (!r->live)
    {
      CHECK (handle == NULL, "lookup of a released resource");
      CHECK_ERROR (error, RESMGR_ERROR_NOT_FOUND);
      return;
    }
  CHECK (handle != NULL, "lookup of a live resource: %s", error->message);
  CHECK (resmgr_handle_get_id (handle) == r->id, "handle id");
  CHECK ((int) resmgr_handle_get_resource_type (handle) == r->type, "handle type");
  CHECK (resmgr_handle_get_size (handle) == r->size, "handle size");
  CHECK (resmgr_handle_get_priority (handle) == r->priority, "handle priority %d, model %d",
         resmgr_handle_get_priority (handle), r->priority);
  CHECK (g_strcmp0 (resmgr_handle_get_component_id (handle), S->comps[r->comp].id) == 0,
         "handle component id");
  CHECK (resmgr_handle_get_state (handle) == RESMGR_RESOURCE_STATE_ACTIVE, "handle state");
}

static void
op_set_metadata (void)
{
  Res *r = pick_res (next_byte ());
  guint8 b = next_byte ();
  g_autoptr(GError) error = NULL;
  GVariant *metadata;
  gboolean floating = !(b & 1);
  gboolean ok;

  if (r == NULL || r->id == 0)
    return;

  metadata = new_metadata (b);
  if (!floating)
    g_variant_ref_sink (metadata);
  ok = resmgr_service_set_metadata (RESMGR_SERVICE (S->manager), r->id, metadata, &error);
  if (r->live)
    {
      g_autoptr(ResmgrHandle) handle = NULL;

      CHECK (ok, "set_metadata on a live resource: %s", error->message);
      handle = resmgr_service_lookup (RESMGR_SERVICE (S->manager), r->id, NULL);
      CHECK (handle != NULL && resmgr_handle_get_metadata (handle) != NULL &&
             g_variant_equal (resmgr_handle_get_metadata (handle), metadata),
             "metadata not in the handle");
    }
  else
    {
      CHECK (!ok, "set_metadata on a released resource succeeded");
      CHECK_ERROR (error, RESMGR_ERROR_NOT_FOUND);
    }
  if (!floating)
    g_variant_unref (metadata);
}

static void
op_cleanup_component (void)
{
  ResmgrService *service = RESMGR_SERVICE (S->manager);
  int slot = next_byte () % MAX_COMPONENTS;
  Comp *c = &S->comps[slot];
  g_autoptr(GError) error = NULL;
  g_autoptr(ResmgrCleanupReport) report = NULL;
  g_autoptr(GPtrArray) was_live = NULL;
  g_autoptr(GPtrArray) still_live = NULL;

  if (c->object == NULL)
    {
      g_autoptr(GObject) stranger = g_object_new (FUZZ_TYPE_COMPONENT, NULL);

      CHECK (resmgr_service_cleanup_component (service, stranger, &error) == NULL,
             "cleanup of an unregistered component");
      CHECK_ERROR (error, RESMGR_ERROR_NOT_FOUND);
      return;
    }

  was_live = live_of (slot);
  begin_log (SCOPE_COMPONENT, slot);
  report = resmgr_service_cleanup_component (service, G_OBJECT (c->object), &error);
  CHECK (report != NULL, "cleanup_component: %s", error->message);
  assign_rounds (was_live);
  check_cleanup_log (slot, c->gen, was_live);
  end_log ();
  /* What cleanups added was cleaned in further rounds of the same call. */
  still_live = live_of (slot);
  CHECK (still_live->len == 0, "%u resources left after cleanup_component", still_live->len);
}

static void
async_done (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

static void
op_cleanup_component_async (void)
{
  ResmgrService *service = RESMGR_SERVICE (S->manager);
  int slot = next_byte () % MAX_COMPONENTS;
  Comp *c = &S->comps[slot];
  g_autoptr(GError) error = NULL;
  g_autoptr(ResmgrCleanupReport) report = NULL;
  g_autoptr(GPtrArray) was_live = NULL;
  GAsyncResult *result = NULL;

  if (c->object == NULL)
    return;

  was_live = live_of (slot);
  begin_log (SCOPE_COMPONENT, slot);
  resmgr_service_cleanup_component_async (service, G_OBJECT (c->object), NULL, async_done, &result);
  for (int i = 0; result == NULL && i < 100000; i++)
    g_main_context_iteration (S->context, TRUE);
  CHECK (result != NULL, "cleanup_component_async never completed");
  report = resmgr_service_cleanup_component_finish (service, result, &error);
  g_object_unref (result);
  CHECK (report != NULL, "cleanup_component_async: %s", error->message);
  assign_rounds (was_live);
  check_cleanup_log (slot, c->gen, was_live);
  end_log ();
}

/* Drops the last reference of a component: on this (the owner) thread, or
 * on a helper thread, in which case nothing may run before this thread
 * iterates its context. */
static gpointer
unref_thread (gpointer data)
{
  g_object_unref (data);
  return NULL;
}

static void
op_dispose (gboolean foreign)
{
  int slot = next_byte () % MAX_COMPONENTS;
  Comp *c = &S->comps[slot];
  g_autoptr(GPtrArray) was_live = NULL;
  FuzzComponent *object = c->object;

  if (object == NULL)
    return;

  was_live = live_of (slot);
  c->object = NULL;
  g_clear_pointer (&c->id, g_free);
  S->n_components--;

  begin_log (SCOPE_COMPONENT, -1);
  if (foreign)
    {
      g_thread_join (g_thread_new ("fuzz-unref", unref_thread, object));
      CHECK (S->log->len == 0,
             "a component dropped on a helper thread: %u cleanups ran before its owner iterated",
             S->log->len);
    }
  else
    g_object_unref (object);
  iterate_until_quiet ();
  assign_rounds (was_live);
  check_cleanup_log (slot, c->gen, was_live);
  end_log ();
}

static void
op_drop_object (void)
{
  Res *r = pick_res (next_byte ());

  if (r == NULL || r->kind != KIND_OBJECT || r->object == NULL)
    return;

  if (r->live)
    {
      /* Finalized before release: the entry goes, no cleanup. */
      S->dropping = r;
      g_clear_object (&r->object);
      S->dropping = NULL;
      CHECK (r->n_cleanup == 0, "a finalized watched object was cleaned up");
      CHECK (r->n_user_destroy == 1 && r->finalized,
             "user_data_destroy of a finalized watched object: %d calls", r->n_user_destroy);
      {
        g_autoptr(GError) error = NULL;

        CHECK (!resmgr_service_release (RESMGR_SERVICE (S->manager), r->id, &error),
               "release of a finalized watched object");
        CHECK_ERROR (error, RESMGR_ERROR_NOT_FOUND);
      }
    }
  else
    g_clear_object (&r->object);
}

static void
op_shutdown (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ResmgrCleanupReport) report = NULL;
  g_autoptr(GPtrArray) was_live = live_of (-1);
  gboolean again = S->shut_down;

  S->shut_down = TRUE;  /* cleanups see it */
  begin_log (SCOPE_SHUTDOWN, -1);
  report = resmgr_service_shutdown (RESMGR_SERVICE (S->manager), 5000, &error);
  CHECK (report != NULL, "shutdown: %s", error->message);
  CHECK (!resmgr_cleanup_report_get_timed_out (report), "shutdown timed out");
  if (again)
    CHECK (S->log->len == 0, "a second shutdown cleaned something");
  assign_rounds (was_live);
  check_cleanup_log (-1, 0, was_live);
  CHECK (resmgr_cleanup_report_get_leftovers (report) == NULL ||
         resmgr_cleanup_report_get_leftovers (report)->len == 0, "shutdown left resources");
  CHECK (resmgr_service_is_shutting_down (RESMGR_SERVICE (S->manager)), "not shutting down");
  end_log ();
}

/* Ids of another manager are NOT_FOUND here, and ours there. */
static void
op_cross_manager (void)
{
  Res *mine = pick_res (next_byte ());
  Res *theirs = S->other_res[next_byte () & 1];
  g_autoptr(GError) e1 = NULL;
  g_autoptr(GError) e2 = NULL;
  g_autoptr(GError) e3 = NULL;
  g_autoptr(ResmgrHandle) handle = NULL;

  CHECK (!resmgr_service_release (RESMGR_SERVICE (S->manager), theirs->id, &e1),
         "released the other manager's id %" G_GUINT64_FORMAT, theirs->id);
  CHECK_ERROR (e1, RESMGR_ERROR_NOT_FOUND);
  CHECK (!resmgr_service_set_metadata (RESMGR_SERVICE (S->manager), theirs->id, new_metadata (0), &e2),
         "set metadata with the other manager's id");
  CHECK_ERROR (e2, RESMGR_ERROR_NOT_FOUND);
  if (mine != NULL && mine->id != 0)
    {
      handle = resmgr_service_lookup (RESMGR_SERVICE (S->other), mine->id, &e3);
      CHECK (handle == NULL, "the other manager knows id %" G_GUINT64_FORMAT, mine->id);
      CHECK_ERROR (e3, RESMGR_ERROR_NOT_FOUND);
    }
}

static void
check_stats (void)
{
  g_autoptr(ResmgrStats) stats = resmgr_service_dup_stats (RESMGR_SERVICE (S->manager));
  guint64 count[RESMGR_N_RESOURCE_TYPES] = { 0 };
  guint64 bytes[RESMGR_N_RESOURCE_TYPES] = { 0 };
  guint64 n = 0, done = 0;

  for (guint i = 0; i < S->res->len; i++)
    {
      Res *r = g_ptr_array_index (S->res, i);

      if (r->id == 0)
        continue;
      if (r->live)
        {
          count[r->type]++;
          bytes[r->type] += r->size;
          n++;
        }
      else
        done++;
    }

  for (int t = 0; t < RESMGR_N_RESOURCE_TYPES; t++)
    {
      CHECK (resmgr_stats_get_count (stats, t) == count[t], "stats count of type %d: %" G_GUINT64_FORMAT
             ", model %" G_GUINT64_FORMAT, t, resmgr_stats_get_count (stats, t), count[t]);
      CHECK (resmgr_stats_get_bytes (stats, t) == bytes[t], "stats bytes of type %d", t);
    }
  CHECK (resmgr_stats_get_n_resources (stats) == n, "stats n_resources");
  CHECK (resmgr_stats_get_n_components (stats) == S->n_components, "stats n_components %u, model %u",
         resmgr_stats_get_n_components (stats), S->n_components);
  CHECK (resmgr_stats_get_total_tracked (stats) == S->tracked, "stats total_tracked");
  CHECK (resmgr_stats_get_total_released (stats) + resmgr_stats_get_total_failed (stats) +
         resmgr_stats_get_total_lost (stats) == done,
         "stats: released + failed + lost = %" G_GUINT64_FORMAT ", model %" G_GUINT64_FORMAT,
         resmgr_stats_get_total_released (stats) + resmgr_stats_get_total_failed (stats) +
         resmgr_stats_get_total_lost (stats), done);
}

/* }}} */

/* The second manager: one component, two resources that must never be
 * touched through the first manager. */
static void
setup_other (void)
{
  ResmgrService *other;

  S->other = resmgr_manager_new ();
  other = RESMGR_SERVICE (S->other);
  S->other_comp = g_object_new (FUZZ_TYPE_COMPONENT, NULL);
  CHECK (resmgr_service_register_component (other, G_OBJECT (S->other_comp), "other", NULL), "register");
  for (int i = 0; i < 2; i++)
    {
      Res *r = g_new0 (Res, 1);

      r->comp = -1;
      r->live = TRUE;
      r->id = resmgr_service_track_data (other, G_OBJECT (S->other_comp), RESMGR_RESOURCE_TYPE_MEMORY,
                                         NULL, 8, RESMGR_PRIORITY_DEFAULT, r, g_free, NULL);
      CHECK (r->id != 0, "track on the other manager");
      S->other_res[i] = r;
    }
}

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);
int LLVMFuzzerInitialize (int *argc, char ***argv);

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL);

  /* GLib reads G_SLICE before this runs: without always-malloc, GVariants
   * and list nodes live in slice magazines and LeakSanitizer cannot see
   * them leak (a leaked floating GVariant went unnoticed that way). */
  if (g_strcmp0 (g_getenv ("G_SLICE"), "always-malloc") != 0)
    {
      fprintf (stderr, "fuzz-service: run with G_SLICE=always-malloc in the environment "
                       "(fuzzing/run.sh sets it), or leaks go unseen\n");
      exit (2);
    }
  return 0;
}

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  State state = { 0 };

  S = &state;
  S->data = data;
  S->size = size;
  S->owner = g_thread_self ();
  S->res = g_ptr_array_new_with_free_func (res_free);
  S->context = g_main_context_new ();
  g_main_context_push_thread_default (S->context);
  S->manager = resmgr_manager_new ();
  setup_other ();

  for (int n = 0; n < MAX_OPS && S->pos < S->size; n++)
    {
      guint8 op = next_byte ();

      switch (op % 16)
        {
        case 0: case 1: op_register (); break;
        case 2: op_track (KIND_DATA); break;
        case 3: op_track (KIND_OBJECT); break;
        case 4: op_track (KIND_RESOURCE); break;
        case 5: op_track (KIND_CLEANUP); break;
        case 6: op_release (); break;
        case 7: op_lookup (); break;
        case 8: op_set_metadata (); break;
        case 9: op_cleanup_component (); break;
        case 10: op_cleanup_component_async (); break;
        case 11: op_dispose (FALSE); break;
        case 12: op_dispose (TRUE); break;
        case 13: op_drop_object (); break;
        case 14: if ((op >> 4) == 0xf) op_shutdown (); else op_cross_manager (); break;
        case 15: iterate_until_quiet (); break;
        }
      check_stats ();
    }

  /* The end: drop every component on the owner thread, then the managers;
   * every resource must have been finished exactly once. */
  for (int i = 0; i < MAX_COMPONENTS; i++)
    if (S->comps[i].object != NULL)
      {
        g_autoptr(GPtrArray) was_live = live_of (i);

        begin_log (SCOPE_COMPONENT, -1);
        g_clear_object (&S->comps[i].object);
        g_clear_pointer (&S->comps[i].id, g_free);
        S->n_components--;
        iterate_until_quiet ();
        assign_rounds (was_live);
        check_cleanup_log (i, S->comps[i].gen, was_live);
        end_log ();
      }
  check_stats ();
  g_clear_object (&S->manager);
  g_clear_object (&S->other_comp);
  iterate_until_quiet ();
  g_clear_object (&S->other);
  iterate_until_quiet ();

  for (guint i = 0; i < S->res->len; i++)
    {
      Res *r = g_ptr_array_index (S->res, i);

      if (r->id == 0)
        {
          CHECK (r->n_destroy + r->n_cleanup + r->n_user_destroy == 0, "a refused resource was called back");
          continue;
        }
      CHECK (!r->live, "resource %" G_GUINT64_FORMAT " never finished", r->id);
      if (r->kind == KIND_DATA)
        CHECK (r->n_destroy == 1, "destroy notify of %" G_GUINT64_FORMAT ": %d calls", r->id, r->n_destroy);
      else
        {
          CHECK (r->n_cleanup <= 1, "cleanup of %" G_GUINT64_FORMAT ": %d calls", r->id, r->n_cleanup);
          CHECK (r->n_user_destroy == 1, "user_data_destroy of %" G_GUINT64_FORMAT ": %d calls",
                 r->id, r->n_user_destroy);
        }
    }

  g_ptr_array_unref (S->res);
  for (int i = 0; i < MAX_COMPONENTS; i++)
    g_free (S->comps[i].id);
  g_main_context_pop_thread_default (S->context);
  g_main_context_unref (S->context);
  S = NULL;

  return 0;
}
