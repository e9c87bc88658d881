/* resmgr-cleanup-report.c
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <json-glib/json-glib.h>

#include "resmgr-private.h"

/**
 * ResmgrCleanupReport:
 *
 * What a cleanup or a shutdown did: per phase (one per cleanup priority,
 * highest first) how many resources were released, how many cleanups failed
 * and how many resources were lost (gone before their cleanup could run),
 * each failure with its #GError, the resources still tracked afterwards
 * (leftovers, that is leaks, each with the reason it was left) and timings.
 *
 * A cleanup that passed its deadline says so ([method@Resmgr.CleanupReport.get_timed_out])
 * and names every resource whose cleanup was still running at the deadline
 * (an *overrun*, with how long it had run). Such a cleanup finishes later, on
 * its owner context: its outcome is then reported by a second report whose
 * scope is the first one's followed by ` (late)`, emitted with
 * [signal@Resmgr.Service::cleanup-finished].
 *
 * A report is built by the cleanup that returns it and is immutable once
 * handed out; any thread may read it.
 *
 * Since: 0.1
 */

typedef struct
{
  int    priority;
  guint  released;
  guint  failed;
  guint  lost;
  gint64 duration;
  gint64 started;
} Phase;

typedef struct
{
  ResmgrHandle *handle;
  GError       *error;
} Failure;

typedef struct
{
  ResmgrHandle *handle;
  gint64        running;
} Overrun;

struct _ResmgrCleanupReport
{
  gatomicrefcount ref_count;
  gboolean        timed_out;
  char           *scope;
  GArray         *phases;    /* Phase, priority descending */
  GArray         *failures;  /* Failure */
  GPtrArray      *leftovers; /* ResmgrHandle */
  GPtrArray      *reasons;   /* char *, one per leftover, nullable */
  GArray         *overruns;  /* Overrun */
  gint64          started;   /* monotonic µs */
  gint64          started_wall;
  gint64          duration;
  int             current;   /* index of the open phase, or -1 */
};

G_DEFINE_BOXED_TYPE (ResmgrCleanupReport, resmgr_cleanup_report,
                     resmgr_cleanup_report_ref, resmgr_cleanup_report_unref)

static void
failure_clear (gpointer data)
{
  Failure *f = data;

  g_clear_pointer (&f->handle, resmgr_handle_unref);
  g_clear_error (&f->error);
}

static void
overrun_clear (gpointer data)
{
  Overrun *o = data;

  g_clear_pointer (&o->handle, resmgr_handle_unref);
}

ResmgrCleanupReport *
_resmgr_cleanup_report_new (const char *scope)
{
  ResmgrCleanupReport *self = g_new0 (ResmgrCleanupReport, 1);

  g_atomic_ref_count_init (&self->ref_count);
  self->scope = g_strdup (scope);
  self->phases = g_array_new (FALSE, FALSE, sizeof (Phase));
  self->failures = g_array_new (FALSE, FALSE, sizeof (Failure));
  g_array_set_clear_func (self->failures, failure_clear);
  self->leftovers = g_ptr_array_new_with_free_func ((GDestroyNotify) resmgr_handle_unref);
  self->reasons = g_ptr_array_new_with_free_func (g_free);
  self->overruns = g_array_new (FALSE, FALSE, sizeof (Overrun));
  g_array_set_clear_func (self->overruns, overrun_clear);
  self->started = g_get_monotonic_time ();
  self->started_wall = g_get_real_time ();
  self->current = -1;

  return self;
}

static Phase *
find_or_insert_phase (ResmgrCleanupReport *self,
                      int                  priority,
                      guint               *out_index)
{
  guint i;

  for (i = 0; i < self->phases->len; i++)
    {
      Phase *p = &g_array_index (self->phases, Phase, i);

      if (p->priority == priority)
        {
          *out_index = i;
          return p;
        }
      if (p->priority < priority)
        break;
    }

  g_array_insert_vals (self->phases, i, &(Phase) { .priority = priority }, 1);
  *out_index = i;

  return &g_array_index (self->phases, Phase, i);
}

void
_resmgr_cleanup_report_begin_phase (ResmgrCleanupReport *self,
                                    int                  priority)
{
  Phase *phase;
  guint index;

  if (self->current >= 0)
    {
      if (g_array_index (self->phases, Phase, self->current).priority == priority)
        return;
      _resmgr_cleanup_report_end_phase (self);
    }

  phase = find_or_insert_phase (self, priority, &index);
  phase->started = g_get_monotonic_time ();
  self->current = index;
}

void
_resmgr_cleanup_report_end_phase (ResmgrCleanupReport *self)
{
  Phase *phase;

  if (self->current < 0)
    return;

  phase = &g_array_index (self->phases, Phase, self->current);
  phase->duration += g_get_monotonic_time () - phase->started;
  self->current = -1;
}

static Phase *
current_phase (ResmgrCleanupReport *self)
{
  g_assert (self->current >= 0);
  return &g_array_index (self->phases, Phase, self->current);
}

void
_resmgr_cleanup_report_add_released (ResmgrCleanupReport *self)
{
  current_phase (self)->released++;
}

void
_resmgr_cleanup_report_add_lost (ResmgrCleanupReport *self)
{
  current_phase (self)->lost++;
}

void
_resmgr_cleanup_report_add_failure (ResmgrCleanupReport *self,
                                    ResmgrHandle        *handle,
                                    GError              *error)
{
  Failure f = { handle, error };

  current_phase (self)->failed++;
  g_array_append_val (self->failures, f);
}

void
_resmgr_cleanup_report_add_leftover (ResmgrCleanupReport *self,
                                     ResmgrHandle        *handle)
{
  _resmgr_cleanup_report_add_leftover_with_reason (self, handle, NULL);
}

void
_resmgr_cleanup_report_add_leftover_with_reason (ResmgrCleanupReport *self,
                                                 ResmgrHandle        *handle,
                                                 const char          *reason)
{
  g_ptr_array_add (self->leftovers, handle);
  g_ptr_array_add (self->reasons, g_strdup (reason));
}

void
_resmgr_cleanup_report_add_overrun (ResmgrCleanupReport *self,
                                    ResmgrHandle        *handle,
                                    gint64               running_us)
{
  Overrun o = { handle, running_us };

  g_array_append_val (self->overruns, o);
}

void
_resmgr_cleanup_report_set_timed_out (ResmgrCleanupReport *self,
                                      gboolean             timed_out)
{
  self->timed_out = !!timed_out;
}

void
_resmgr_cleanup_report_merge (ResmgrCleanupReport *self,
                              ResmgrCleanupReport *other)
{
  g_assert (self->current < 0);

  for (guint i = 0; i < other->phases->len; i++)
    {
      const Phase *src = &g_array_index (other->phases, Phase, i);
      guint index;
      Phase *dst = find_or_insert_phase (self, src->priority, &index);

      dst->released += src->released;
      dst->failed += src->failed;
      dst->lost += src->lost;
      dst->duration += src->duration;
    }

  for (guint i = 0; i < other->failures->len; i++)
    {
      const Failure *f = &g_array_index (other->failures, Failure, i);
      Failure copy = { resmgr_handle_ref (f->handle), g_error_copy (f->error) };

      g_array_append_val (self->failures, copy);
    }

  for (guint i = 0; i < other->leftovers->len; i++)
    _resmgr_cleanup_report_add_leftover_with_reason (self,
                                                     resmgr_handle_ref (g_ptr_array_index (other->leftovers, i)),
                                                     g_ptr_array_index (other->reasons, i));

  for (guint i = 0; i < other->overruns->len; i++)
    {
      const Overrun *o = &g_array_index (other->overruns, Overrun, i);

      _resmgr_cleanup_report_add_overrun (self, resmgr_handle_ref (o->handle), o->running);
    }

  self->timed_out |= other->timed_out;
}

void
_resmgr_cleanup_report_finish (ResmgrCleanupReport *self)
{
  _resmgr_cleanup_report_end_phase (self);
  self->duration = g_get_monotonic_time () - self->started;
}

/* Whether @self has nothing to tell: nothing released, failed or lost,
 * nothing left over or overrunning, no timeout. */
gboolean
_resmgr_cleanup_report_is_empty (ResmgrCleanupReport *self)
{
  if (!resmgr_cleanup_report_is_clean (self))
    return FALSE;

  for (guint i = 0; i < self->phases->len; i++)
    {
      const Phase *p = &g_array_index (self->phases, Phase, i);

      if (p->released != 0 || p->failed != 0 || p->lost != 0)
        return FALSE;
    }

  return TRUE;
}

/**
 * resmgr_cleanup_report_ref:
 * @self: a report
 *
 * Acquires a reference on @self.
 *
 * Returns: (transfer full): @self
 *
 * Since: 0.1
 */
ResmgrCleanupReport *
resmgr_cleanup_report_ref (ResmgrCleanupReport *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_ref_count_inc (&self->ref_count);

  return self;
}

/**
 * resmgr_cleanup_report_unref:
 * @self: (transfer full): a report
 *
 * Releases a reference on @self; the last one frees it.
 *
 * Since: 0.1
 */
void
resmgr_cleanup_report_unref (ResmgrCleanupReport *self)
{
  g_return_if_fail (self != NULL);

  if (g_atomic_ref_count_dec (&self->ref_count))
    {
      g_free (self->scope);
      g_array_unref (self->phases);
      g_array_unref (self->failures);
      g_ptr_array_unref (self->leftovers);
      g_ptr_array_unref (self->reasons);
      g_array_unref (self->overruns);
      g_free (self);
    }
}

/**
 * resmgr_cleanup_report_get_scope:
 * @self: a report
 *
 * Gets what was cleaned: a component id, or `"shutdown"`.
 *
 * Returns: the scope
 *
 * Since: 0.1
 */
const char *
resmgr_cleanup_report_get_scope (ResmgrCleanupReport *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->scope;
}

/**
 * resmgr_cleanup_report_get_n_phases:
 * @self: a report
 *
 * Gets the number of phases: one per cleanup priority that had resources.
 *
 * Returns: the number of phases
 *
 * Since: 0.1
 */
guint
resmgr_cleanup_report_get_n_phases (ResmgrCleanupReport *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->phases->len;
}

/**
 * resmgr_cleanup_report_get_phase:
 * @self: a report
 * @index: a phase index, less than resmgr_cleanup_report_get_n_phases()
 * @released: (out) (optional): resources released in the phase
 * @failed: (out) (optional): cleanups that failed in the phase
 * @lost: (out) (optional): resources lost in the phase
 * @duration_us: (out) (optional): time spent in the phase, in microseconds
 *
 * Gets one phase. Phases are ordered by priority, highest (first run) first.
 *
 * Returns: the cleanup priority of the phase
 *
 * Since: 0.1
 */
int
resmgr_cleanup_report_get_phase (ResmgrCleanupReport *self,
                                 guint                index,
                                 guint               *released,
                                 guint               *failed,
                                 guint               *lost,
                                 gint64              *duration_us)
{
  const Phase *p;

  g_return_val_if_fail (self != NULL, -1);
  g_return_val_if_fail (index < self->phases->len, -1);

  p = &g_array_index (self->phases, Phase, index);
  if (released)
    *released = p->released;
  if (failed)
    *failed = p->failed;
  if (lost)
    *lost = p->lost;
  if (duration_us)
    *duration_us = p->duration;

  return p->priority;
}

static guint
sum_phases (ResmgrCleanupReport *self,
            gsize                offset)
{
  guint n = 0;

  for (guint i = 0; i < self->phases->len; i++)
    n += G_STRUCT_MEMBER (guint, &g_array_index (self->phases, Phase, i), offset);

  return n;
}

/**
 * resmgr_cleanup_report_get_released:
 * @self: a report
 *
 * Gets how many resources were released, over all phases.
 *
 * Returns: the count
 *
 * Since: 0.1
 */
guint
resmgr_cleanup_report_get_released (ResmgrCleanupReport *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return sum_phases (self, G_STRUCT_OFFSET (Phase, released));
}

/**
 * resmgr_cleanup_report_get_failed:
 * @self: a report
 *
 * Gets how many cleanups failed, over all phases.
 *
 * Returns: the count
 *
 * Since: 0.1
 */
guint
resmgr_cleanup_report_get_failed (ResmgrCleanupReport *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return sum_phases (self, G_STRUCT_OFFSET (Phase, failed));
}

/**
 * resmgr_cleanup_report_get_lost:
 * @self: a report
 *
 * Gets how many resources were lost, over all phases.
 *
 * Returns: the count
 *
 * Since: 0.1
 */
guint
resmgr_cleanup_report_get_lost (ResmgrCleanupReport *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return sum_phases (self, G_STRUCT_OFFSET (Phase, lost));
}

/**
 * resmgr_cleanup_report_get_n_failures:
 * @self: a report
 *
 * Gets the number of failed cleanups recorded.
 *
 * Returns: the count
 *
 * Since: 0.1
 */
guint
resmgr_cleanup_report_get_n_failures (ResmgrCleanupReport *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->failures->len;
}

/**
 * resmgr_cleanup_report_get_failure:
 * @self: a report
 * @index: a failure index, less than resmgr_cleanup_report_get_n_failures()
 *
 * Gets the resource of one failed cleanup; its error is
 * [method@Resmgr.CleanupReport.get_failure_error].
 *
 * Returns: (transfer none): the handle of the resource whose cleanup failed
 *
 * Since: 0.1
 */
ResmgrHandle *
resmgr_cleanup_report_get_failure (ResmgrCleanupReport *self,
                                   guint                index)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (index < self->failures->len, NULL);

  return g_array_index (self->failures, Failure, index).handle;
}

/**
 * resmgr_cleanup_report_get_failure_error:
 * @self: a report
 * @index: a failure index, less than resmgr_cleanup_report_get_n_failures()
 *
 * Gets the error of one failed cleanup, as the cleanup reported it. The
 * report owns it: it is not an error of this call (bindings get a copy,
 * not an exception).
 *
 * Returns: (transfer none): the error
 *
 * Since: 0.1
 */
const GError *
resmgr_cleanup_report_get_failure_error (ResmgrCleanupReport *self,
                                         guint                index)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (index < self->failures->len, NULL);

  return g_array_index (self->failures, Failure, index).error;
}

/**
 * resmgr_cleanup_report_get_leftovers:
 * @self: a report
 *
 * Gets the resources that were still tracked when the cleanup ended. After
 * a complete cleanup or shutdown this is empty; anything in it leaked.
 *
 * Returns: (transfer none) (element-type ResmgrHandle): the leftovers
 *
 * Since: 0.1
 */
GPtrArray *
resmgr_cleanup_report_get_leftovers (ResmgrCleanupReport *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->leftovers;
}

/**
 * resmgr_cleanup_report_get_leftover_reason:
 * @self: a report
 * @index: an index into [method@Resmgr.CleanupReport.get_leftovers]
 *
 * Gets why a leftover was still tracked, when the cleanup knows: for
 * example that its owner context was not iterated before the deadline, or
 * that the deadline passed before its turn.
 *
 * Returns: (nullable): the reason, or %NULL if it was simply still tracked
 *
 * Since: 0.1
 */
const char *
resmgr_cleanup_report_get_leftover_reason (ResmgrCleanupReport *self,
                                           guint                index)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (index < self->reasons->len, NULL);

  return g_ptr_array_index (self->reasons, index);
}

/**
 * resmgr_cleanup_report_get_n_overruns:
 * @self: a report
 *
 * Gets how many cleanups were still running when the deadline passed.
 *
 * Returns: the number of overruns
 *
 * Since: 0.1
 */
guint
resmgr_cleanup_report_get_n_overruns (ResmgrCleanupReport *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->overruns->len;
}

/**
 * resmgr_cleanup_report_get_overrun:
 * @self: a report
 * @index: an index below [method@Resmgr.CleanupReport.get_n_overruns]
 * @running_us: (out) (optional): how long its cleanup had been running at
 *   the deadline, in microseconds
 *
 * Gets a resource whose cleanup was still running when the deadline
 * passed. Its outcome is reported later, by the ` (late)` report.
 *
 * Returns: (transfer none): the handle of the overrunning resource
 *
 * Since: 0.1
 */
ResmgrHandle *
resmgr_cleanup_report_get_overrun (ResmgrCleanupReport *self,
                                   guint                index,
                                   gint64              *running_us)
{
  const Overrun *o;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (index < self->overruns->len, NULL);

  o = &g_array_index (self->overruns, Overrun, index);
  if (running_us != NULL)
    *running_us = o->running;

  return o->handle;
}

/**
 * resmgr_cleanup_report_get_duration:
 * @self: a report
 *
 * Gets how long the whole cleanup took.
 *
 * Returns: the duration in microseconds
 *
 * Since: 0.1
 */
gint64
resmgr_cleanup_report_get_duration (ResmgrCleanupReport *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->duration;
}

/**
 * resmgr_cleanup_report_get_timed_out:
 * @self: a report
 *
 * Gets whether the cleanup passed its deadline: some cleanups had not
 * finished by then (they are among the leftovers, or will finish late).
 *
 * Returns: %TRUE if the deadline passed
 *
 * Since: 0.1
 */
gboolean
resmgr_cleanup_report_get_timed_out (ResmgrCleanupReport *self)
{
  g_return_val_if_fail (self != NULL, FALSE);
  return self->timed_out;
}

/**
 * resmgr_cleanup_report_is_clean:
 * @self: a report
 *
 * Checks that nothing failed, nothing was left and the deadline held.
 * Lost resources do not make a report unclean: they went away with their
 * owner, which is not a leak.
 *
 * Returns: %TRUE if the cleanup was complete and without failure
 *
 * Since: 0.1
 */
gboolean
resmgr_cleanup_report_is_clean (ResmgrCleanupReport *self)
{
  g_return_val_if_fail (self != NULL, FALSE);
  return self->failures->len == 0 && self->leftovers->len == 0 &&
         self->overruns->len == 0 && !self->timed_out;
}

static void
add_handle_members (JsonBuilder  *builder,
                    ResmgrHandle *handle)
{
  json_builder_set_member_name (builder, "id");
  json_builder_add_int_value (builder, (gint64) resmgr_handle_get_id (handle));
  json_builder_set_member_name (builder, "type");
  json_builder_add_string_value (builder, _resmgr_enum_nick (RESMGR_TYPE_RESOURCE_TYPE, resmgr_handle_get_resource_type (handle)));
  json_builder_set_member_name (builder, "name");
  if (resmgr_handle_get_name (handle))
    json_builder_add_string_value (builder, resmgr_handle_get_name (handle));
  else
    json_builder_add_null_value (builder);
  json_builder_set_member_name (builder, "component");
  json_builder_add_string_value (builder, resmgr_handle_get_component_id (handle));
  json_builder_set_member_name (builder, "bytes");
  json_builder_add_int_value (builder, (gint64) resmgr_handle_get_size (handle));
  json_builder_set_member_name (builder, "priority");
  json_builder_add_int_value (builder, resmgr_handle_get_priority (handle));
  json_builder_set_member_name (builder, "state");
  json_builder_add_string_value (builder, _resmgr_enum_nick (RESMGR_TYPE_RESOURCE_STATE, resmgr_handle_get_state (handle)));
}

/**
 * resmgr_cleanup_report_to_json:
 * @self: a report
 * @pretty: whether to indent the output
 *
 * Serialises @self as a JSON object with the members `version`, `kind`
 * (`"cleanup-report"`), `scope`, `started`
 * (wall-clock time, µs since the epoch), `duration_us`, `timed_out`,
 * `clean`, `released`, `failed`, `lost`, `phases` (array of objects with
 * `priority`, `released`, `failed`, `lost`, `duration_us`), `failures`
 * (array of handle objects with `error_domain`, `error_code` and `message`),
 * `overruns` (array of handle objects with `running_us`) and `leftovers`
 * (array of handle objects with `reason`, a string or null).
 *
 * ## Version
 *
 * The `version` member is the version of the report format, an integer,
 * 1 for this release. The JSON Schema `docs/report.schema.json` describes
 * every member of this version (`$defs/cleanup-report`), and
 * `docs/reports.md` explains how to read them. The version changes
 * whenever a member is added, removed or changes its meaning; a reader
 * should check it before reading anything else. The monitor's and the
 * application shutdown's documents embed this same object, version and
 * all.
 *
 * Returns: (transfer full): a JSON string
 *
 * Since: 0.1
 */
char *
resmgr_cleanup_report_to_json (ResmgrCleanupReport *self,
                               gboolean             pretty)
{
  g_autoptr(JsonBuilder) builder = NULL;

  g_return_val_if_fail (self != NULL, NULL);

  builder = json_builder_new ();
  _resmgr_cleanup_report_add_json (self, builder);

  return _resmgr_json_builder_to_data (builder, pretty);
}

/* The report as a JSON object, added where @builder stands: the one
 * writer of reports, also for the monitor's history and the application
 * shutdown's document. */
void
_resmgr_cleanup_report_add_json (ResmgrCleanupReport *self,
                                 JsonBuilder         *builder)
{
  _resmgr_json_begin_document (builder, "cleanup-report");

  json_builder_set_member_name (builder, "scope");
  json_builder_add_string_value (builder, self->scope);
  json_builder_set_member_name (builder, "started");
  json_builder_add_int_value (builder, self->started_wall);
  json_builder_set_member_name (builder, "duration_us");
  json_builder_add_int_value (builder, self->duration);
  json_builder_set_member_name (builder, "timed_out");
  json_builder_add_boolean_value (builder, self->timed_out);
  json_builder_set_member_name (builder, "clean");
  json_builder_add_boolean_value (builder, resmgr_cleanup_report_is_clean (self));
  json_builder_set_member_name (builder, "released");
  json_builder_add_int_value (builder, resmgr_cleanup_report_get_released (self));
  json_builder_set_member_name (builder, "failed");
  json_builder_add_int_value (builder, resmgr_cleanup_report_get_failed (self));
  json_builder_set_member_name (builder, "lost");
  json_builder_add_int_value (builder, resmgr_cleanup_report_get_lost (self));

  json_builder_set_member_name (builder, "phases");
  json_builder_begin_array (builder);
  for (guint i = 0; i < self->phases->len; i++)
    {
      const Phase *p = &g_array_index (self->phases, Phase, i);

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "priority");
      json_builder_add_int_value (builder, p->priority);
      json_builder_set_member_name (builder, "released");
      json_builder_add_int_value (builder, p->released);
      json_builder_set_member_name (builder, "failed");
      json_builder_add_int_value (builder, p->failed);
      json_builder_set_member_name (builder, "lost");
      json_builder_add_int_value (builder, p->lost);
      json_builder_set_member_name (builder, "duration_us");
      json_builder_add_int_value (builder, p->duration);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);

  json_builder_set_member_name (builder, "failures");
  json_builder_begin_array (builder);
  for (guint i = 0; i < self->failures->len; i++)
    {
      const Failure *f = &g_array_index (self->failures, Failure, i);

      json_builder_begin_object (builder);
      add_handle_members (builder, f->handle);
      json_builder_set_member_name (builder, "error_domain");
      json_builder_add_string_value (builder, g_quark_to_string (f->error->domain));
      json_builder_set_member_name (builder, "error_code");
      json_builder_add_int_value (builder, f->error->code);
      json_builder_set_member_name (builder, "message");
      json_builder_add_string_value (builder, f->error->message);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);

  json_builder_set_member_name (builder, "overruns");
  json_builder_begin_array (builder);
  for (guint i = 0; i < self->overruns->len; i++)
    {
      const Overrun *o = &g_array_index (self->overruns, Overrun, i);

      json_builder_begin_object (builder);
      add_handle_members (builder, o->handle);
      json_builder_set_member_name (builder, "running_us");
      json_builder_add_int_value (builder, o->running);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);

  json_builder_set_member_name (builder, "leftovers");
  json_builder_begin_array (builder);
  for (guint i = 0; i < self->leftovers->len; i++)
    {
      const char *reason = g_ptr_array_index (self->reasons, i);

      json_builder_begin_object (builder);
      add_handle_members (builder, g_ptr_array_index (self->leftovers, i));
      json_builder_set_member_name (builder, "reason");
      if (reason != NULL)
        json_builder_add_string_value (builder, reason);
      else
        json_builder_add_null_value (builder);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);

  json_builder_end_object (builder);
}

/* Begins the object of a document of @kind ("cleanup-report",
 * "monitor-report", "application-shutdown") where @builder stands, with
 * the members every document begins with. */
void
_resmgr_json_begin_document (JsonBuilder *builder,
                             const char  *kind)
{
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "version");
  json_builder_add_int_value (builder, RESMGR_REPORT_VERSION);
  json_builder_set_member_name (builder, "kind");
  json_builder_add_string_value (builder, kind);
}

/* The one JSON generator of resmgr: what @builder built, as text. */
char *
_resmgr_json_builder_to_data (JsonBuilder *builder,
                              gboolean     pretty)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = json_builder_get_root (builder);

  json_generator_set_pretty (generator, pretty);
  json_generator_set_root (generator, root);

  return json_generator_to_data (generator, NULL);
}
