/* resmgr-monitor-list.c: the list models of a ResmgrMonitor
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "resmgr-monitor-private.h"

/* A GListModel over an array of entries (records of the monitor) whose
 * items are made on demand by a callback: a list view only asks for the
 * rows it shows, so a long list costs no GObject per row. The monitor
 * changes the array in one batch and emits one ::items-changed for it;
 * nothing else writes it. Like every GListModel it is used on one thread:
 * the monitor's context. */
struct _ResmgrMonitorList
{
  GObject                    parent_instance;

  /* Read-only after construction: */
  GType                      item_type;
  ResmgrMonitorListItemFunc  item_func;
  gpointer                   user_data;
  GDestroyNotify             user_data_destroy;
  GDestroyNotify             entry_free;

  /* Owner context only: */
  GPtrArray                 *entries;
};

static GType
resmgr_monitor_list_get_item_type (GListModel *model)
{
  return RESMGR_MONITOR_LIST (model)->item_type;
}

static guint
resmgr_monitor_list_get_n_items (GListModel *model)
{
  return RESMGR_MONITOR_LIST (model)->entries->len;
}

static gpointer
resmgr_monitor_list_get_item (GListModel *model,
                              guint       position)
{
  ResmgrMonitorList *self = RESMGR_MONITOR_LIST (model);

  if (position >= self->entries->len)
    return NULL;

  return self->item_func (g_ptr_array_index (self->entries, position), self->user_data);
}

static void
resmgr_monitor_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = resmgr_monitor_list_get_item_type;
  iface->get_n_items = resmgr_monitor_list_get_n_items;
  iface->get_item = resmgr_monitor_list_get_item;
}

G_DEFINE_FINAL_TYPE_WITH_CODE (ResmgrMonitorList, _resmgr_monitor_list, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, resmgr_monitor_list_model_init))

static void
resmgr_monitor_list_finalize (GObject *object)
{
  ResmgrMonitorList *self = RESMGR_MONITOR_LIST (object);

  if (self->entry_free != NULL)
    for (guint i = 0; i < self->entries->len; i++)
      self->entry_free (g_ptr_array_index (self->entries, i));
  g_ptr_array_unref (self->entries);
  if (self->user_data_destroy != NULL)
    self->user_data_destroy (self->user_data);

  G_OBJECT_CLASS (_resmgr_monitor_list_parent_class)->finalize (object);
}

static void
_resmgr_monitor_list_class_init (ResmgrMonitorListClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = resmgr_monitor_list_finalize;
}

static void
_resmgr_monitor_list_init (ResmgrMonitorList *self)
{
  self->entries = g_ptr_array_new ();
}

ResmgrMonitorList *
_resmgr_monitor_list_new (GType                      item_type,
                          ResmgrMonitorListItemFunc  item_func,
                          GDestroyNotify             entry_free,
                          gpointer                   user_data,
                          GDestroyNotify             user_data_destroy)
{
  ResmgrMonitorList *self = g_object_new (RESMGR_TYPE_MONITOR_LIST, NULL);

  self->item_type = item_type;
  self->item_func = item_func;
  self->entry_free = entry_free;
  self->user_data = user_data;
  self->user_data_destroy = user_data_destroy;

  return self;
}

GPtrArray *
_resmgr_monitor_list_get_entries (ResmgrMonitorList *self)
{
  return self->entries;
}

void
_resmgr_monitor_list_items_changed (ResmgrMonitorList *self,
                                    guint              position,
                                    guint              removed,
                                    guint              added)
{
  if (removed > 0 || added > 0)
    g_list_model_items_changed (G_LIST_MODEL (self), position, removed, added);
}
