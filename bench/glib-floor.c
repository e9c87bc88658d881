/* glib-floor.c: the baseline of bench-churn (see glib-floor.h)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "glib-floor.h"

typedef struct _FloorComponent FloorComponent;

typedef struct {
  guint64         id;
  gpointer        data;
  GDestroyNotify  destroy;
  FloorComponent *component;
  int             priority;
  guint           index;      /* position in component->entries */
} FloorEntry;                 /* 40 bytes on LP64 */

struct _FloorComponent {
  GlibFloor *floor;
  GObject   *object;          /* not owned; watched with g_object_weak_ref() */
  GPtrArray *entries;         /* FloorEntry*, creation order; NULL = released */
  guint      n_holes;
};

struct _GlibFloor {
  GMutex      lock;
  GHashTable *entries;        /* id -> FloorEntry* */
  GHashTable *components;     /* GObject* -> FloorComponent* */
  guint64     next_id;
};

/* Ids as direct keys where a pointer holds 64 bits (GHashTable then keeps the
 * keys compact while they fit in 32 bits); else keyed by &entry->id. */
#if GLIB_SIZEOF_VOID_P >= 8
# define ENTRY_KEY(e)     GSIZE_TO_POINTER ((e)->id)
# define ID_KEY(id)       GSIZE_TO_POINTER (id)
# define NEW_ID_TABLE()   g_hash_table_new (NULL, NULL)
#else
# define ENTRY_KEY(e)     (&(e)->id)
# define ID_KEY(id)       (&(id))
# define NEW_ID_TABLE()   g_hash_table_new (g_int64_hash, g_int64_equal)
#endif

static void floor_component_weak_notify (gpointer  data,
                                         GObject  *where_the_object_was);

GlibFloor *
glib_floor_new (void)
{
  GlibFloor *self = g_new0 (GlibFloor, 1);

  g_mutex_init (&self->lock);
  self->entries = NEW_ID_TABLE ();
  self->components = g_hash_table_new (NULL, NULL);

  return self;
}

gboolean
glib_floor_register_component (GlibFloor *self,
                               GObject   *component)
{
  FloorComponent *comp;

  g_return_val_if_fail (G_IS_OBJECT (component), FALSE);

  g_mutex_lock (&self->lock);
  if (g_hash_table_contains (self->components, component))
    {
      g_mutex_unlock (&self->lock);
      return FALSE;
    }
  comp = g_new0 (FloorComponent, 1);
  comp->floor = self;
  comp->object = component;
  comp->entries = g_ptr_array_new ();
  g_hash_table_insert (self->components, component, comp);
  g_object_weak_ref (component, floor_component_weak_notify, comp);
  g_mutex_unlock (&self->lock);

  return TRUE;
}

guint64
glib_floor_track (GlibFloor      *self,
                  GObject        *component,
                  int             priority,
                  gpointer        data,
                  GDestroyNotify  destroy)
{
  FloorEntry *entry = g_new (FloorEntry, 1);
  FloorComponent *comp;
  guint64 id;

  entry->data = data;
  entry->destroy = destroy;
  entry->priority = priority;

  g_mutex_lock (&self->lock);
  comp = g_hash_table_lookup (self->components, component);
  if (G_UNLIKELY (comp == NULL))
    {
      g_mutex_unlock (&self->lock);
      g_free (entry);
      return 0;
    }
  id = entry->id = ++self->next_id;
  entry->component = comp;
  entry->index = comp->entries->len;
  g_ptr_array_add (comp->entries, entry);
  g_hash_table_insert (self->entries, ENTRY_KEY (entry), entry);
  g_mutex_unlock (&self->lock);

  return id;
}

/* Called with the lock held: squeeze out released holes, keeping order. */
static void
floor_component_compact (FloorComponent *comp)
{
  GPtrArray *entries = comp->entries;
  guint i, j = 0;

  for (i = 0; i < entries->len; i++)
    {
      FloorEntry *entry = entries->pdata[i];

      if (entry == NULL)
        continue;
      entry->index = j;
      entries->pdata[j++] = entry;
    }
  g_ptr_array_set_size (entries, j);
  comp->n_holes = 0;
}

gboolean
glib_floor_release (GlibFloor *self,
                    guint64    id)
{
  FloorEntry *entry;
  FloorComponent *comp;

  g_mutex_lock (&self->lock);
  entry = g_hash_table_lookup (self->entries, ID_KEY (id));
  if (entry == NULL)
    {
      g_mutex_unlock (&self->lock);
      return FALSE;
    }
  g_hash_table_remove (self->entries, ID_KEY (id));
  comp = entry->component;
  comp->entries->pdata[entry->index] = NULL;
  /* Keep a component that tracks and releases forever bounded: O(1) amortized. */
  if (++comp->n_holes > 16 && comp->n_holes * 2 > comp->entries->len)
    floor_component_compact (comp);
  g_mutex_unlock (&self->lock);

  entry->destroy (entry->data);
  g_free (entry);

  return TRUE;
}

static int
floor_entry_compare (gconstpointer a,
                     gconstpointer b)
{
  const FloorEntry *ea = *(FloorEntry * const *) a;
  const FloorEntry *eb = *(FloorEntry * const *) b;

  /* Higher priority first; within one priority, newest (highest id) first. */
  if (ea->priority != eb->priority)
    return ea->priority > eb->priority ? -1 : 1;
  return ea->id > eb->id ? -1 : ea->id < eb->id;
}

/* Called with the lock held: take the component's live entries out of the id
 * table. Returns them; the caller sorts and destroys them with no lock held. */
static GPtrArray *
floor_component_steal_entries (GlibFloor      *self,
                               FloorComponent *comp)
{
  GPtrArray *entries = comp->entries;
  guint i, j = 0;

  comp->entries = NULL;
  for (i = 0; i < entries->len; i++)
    {
      FloorEntry *entry = entries->pdata[i];

      if (entry == NULL)
        continue;
      g_hash_table_remove (self->entries, ENTRY_KEY (entry));
      entries->pdata[j++] = entry;
    }
  g_ptr_array_set_size (entries, j);

  return entries;
}

/* No lock held. */
static void
floor_destroy_entries (GPtrArray *entries)
{
  guint i;

  g_ptr_array_sort (entries, floor_entry_compare);
  for (i = 0; i < entries->len; i++)
    {
      FloorEntry *entry = entries->pdata[i];

      entry->destroy (entry->data);
      g_free (entry);
    }
  g_ptr_array_unref (entries);
}

static void
floor_component_weak_notify (gpointer  data,
                             GObject  *where_the_object_was)
{
  FloorComponent *comp = data;
  GlibFloor *self = comp->floor;
  GPtrArray *entries;

  g_mutex_lock (&self->lock);
  g_hash_table_remove (self->components, where_the_object_was);
  entries = floor_component_steal_entries (self, comp);
  g_mutex_unlock (&self->lock);

  floor_destroy_entries (entries);
  g_free (comp);
}

void
glib_floor_free (GlibFloor *self)
{
  GPtrArray *comps = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer value;
  guint i;

  if (self == NULL)
    return;

  g_mutex_lock (&self->lock);
  g_hash_table_iter_init (&iter, self->components);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      FloorComponent *comp = value;

      g_ptr_array_add (comps, comp);
      g_hash_table_iter_remove (&iter);
    }
  g_mutex_unlock (&self->lock);

  for (i = 0; i < comps->len; i++)
    {
      FloorComponent *comp = comps->pdata[i];
      GPtrArray *entries;

      g_object_weak_unref (comp->object, floor_component_weak_notify, comp);
      g_mutex_lock (&self->lock);
      entries = floor_component_steal_entries (self, comp);
      g_mutex_unlock (&self->lock);
      floor_destroy_entries (entries);
      g_free (comp);
    }
  g_ptr_array_unref (comps);

  g_warn_if_fail (g_hash_table_size (self->entries) == 0);
  g_hash_table_unref (self->entries);
  g_hash_table_unref (self->components);
  g_mutex_clear (&self->lock);
  g_free (self);
}

guint
glib_floor_get_n_resources (GlibFloor *self)
{
  guint n;

  g_mutex_lock (&self->lock);
  n = g_hash_table_size (self->entries);
  g_mutex_unlock (&self->lock);

  return n;
}

guint
glib_floor_get_n_components (GlibFloor *self)
{
  guint n;

  g_mutex_lock (&self->lock);
  n = g_hash_table_size (self->components);
  g_mutex_unlock (&self->lock);

  return n;
}
