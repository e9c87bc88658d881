/* glib-floor.h: the baseline of bench-churn
 *
 * The thinnest correct GLib implementation of the work resmgr does in the
 * churn benchmark: track owned data (pointer + GDestroyNotify) for a
 * component GObject, release it explicitly, or clean everything a component
 * still owns when the component is disposed, higher priority first and newest
 * first within one priority, with no lock held while a destroy notify runs.
 *
 * One GHashTable (id -> entry) and one GHashTable (component -> its entry
 * list) under one GMutex; the component is watched with g_object_weak_ref();
 * its entries are sorted once, at cleanup (GPtrArray sort).
 *
 * No ids handed out as handles, no names, types, sizes, stats, owner
 * contexts or signals: this is the floor resmgr is measured against.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

typedef struct _GlibFloor GlibFloor;

GlibFloor *glib_floor_new                (void);
/* Destroys what is still tracked (components still alive are unwatched first).
 * Must not race with a component being disposed on another thread. */
void       glib_floor_free               (GlibFloor      *self);

gboolean   glib_floor_register_component (GlibFloor      *self,
                                          GObject        *component);
/* Returns the new id (never 0), or 0 when @component is not registered
 * (then the caller still owns @data). */
guint64    glib_floor_track              (GlibFloor      *self,
                                          GObject        *component,
                                          int             priority,
                                          gpointer        data,
                                          GDestroyNotify  destroy);
/* Calls the destroy notify of @id on this thread; FALSE if @id is unknown. */
gboolean   glib_floor_release            (GlibFloor      *self,
                                          guint64         id);

guint      glib_floor_get_n_resources    (GlibFloor      *self);
guint      glib_floor_get_n_components   (GlibFloor      *self);

G_END_DECLS
