/* demo-memory-plot.c
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "demo-memory-plot.h"

/* Draws the resident memory and the tracked bytes of the monitor's samples
 * with GtkSnapshot, and redraws at every sample. */
struct _DemoMemoryPlot
{
  GtkWidget      parent_instance;

  ResmgrMonitor *monitor;
};

G_DEFINE_FINAL_TYPE (DemoMemoryPlot, demo_memory_plot, GTK_TYPE_WIDGET)

static void
plot_series (cairo_t        *cr,
             ResmgrMonitor  *monitor,
             int             width,
             int             height,
             gboolean        tracked,
             guint64         max)
{
  guint n = resmgr_monitor_get_n_samples (monitor);

  for (guint i = 0; i < n; i++)
    {
      guint64 rss = 0, bytes = 0;
      double x, y;

      resmgr_monitor_get_sample (monitor, i, NULL, &rss, NULL, &bytes, NULL);
      x = n > 1 ? (double) i * (width - 1) / (n - 1) : 0;
      y = height - 1 - (double) (tracked ? bytes : rss) * (height - 2) / (double) max;
      if (i == 0)
        cairo_move_to (cr, x, y);
      else
        cairo_line_to (cr, x, y);
    }
  cairo_stroke (cr);
}

static void
demo_memory_plot_snapshot (GtkWidget   *widget,
                           GtkSnapshot *snapshot)
{
  DemoMemoryPlot *self = DEMO_MEMORY_PLOT (widget);
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  guint n = resmgr_monitor_get_n_samples (self->monitor);
  guint64 max = 1;
  g_autofree char *caption = NULL;
  PangoLayout *layout;
  cairo_t *cr;

  gtk_snapshot_append_color (snapshot, &(GdkRGBA) { 0.10, 0.11, 0.13, 1 },
                             &GRAPHENE_RECT_INIT (0, 0, width, height));

  for (guint i = 0; i < n; i++)
    {
      guint64 rss = 0, bytes = 0;

      resmgr_monitor_get_sample (self->monitor, i, NULL, &rss, NULL, &bytes, NULL);
      max = MAX (max, MAX (rss, bytes));
    }

  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, width, height));
  cairo_set_line_width (cr, 2);
  cairo_set_source_rgb (cr, 0.35, 0.70, 0.95);
  plot_series (cr, self->monitor, width, height, FALSE, max);
  cairo_set_source_rgb (cr, 0.95, 0.60, 0.25);
  plot_series (cr, self->monitor, width, height, TRUE, max);
  cairo_destroy (cr);

  {
    guint64 bytes = 0;

    if (n > 0)
      resmgr_monitor_get_sample (self->monitor, n - 1, NULL, NULL, NULL, &bytes, NULL);
    caption = g_strdup_printf ("resident %.1f MiB (blue) · tracked %.1f KiB (orange) · %u samples",
                               resmgr_monitor_get_rss (self->monitor) / (1024.0 * 1024.0),
                               bytes / 1024.0, n);
  }
  layout = gtk_widget_create_pango_layout (widget, caption);
  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (8, 6));
  gtk_snapshot_append_layout (snapshot, layout, &(GdkRGBA) { 0.9, 0.9, 0.9, 1 });
  gtk_snapshot_restore (snapshot);
  g_object_unref (layout);
}

static void
demo_memory_plot_measure (GtkWidget      *widget,
                          GtkOrientation  orientation,
                          int             for_size,
                          int            *minimum,
                          int            *natural,
                          int            *minimum_baseline,
                          int            *natural_baseline)
{
  *minimum = orientation == GTK_ORIENTATION_HORIZONTAL ? 200 : 120;
  *natural = orientation == GTK_ORIENTATION_HORIZONTAL ? 600 : 160;
}

static void
demo_memory_plot_dispose (GObject *object)
{
  DemoMemoryPlot *self = DEMO_MEMORY_PLOT (object);

  g_clear_object (&self->monitor);

  G_OBJECT_CLASS (demo_memory_plot_parent_class)->dispose (object);
}

static void
demo_memory_plot_class_init (DemoMemoryPlotClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = demo_memory_plot_dispose;
  widget_class->snapshot = demo_memory_plot_snapshot;
  widget_class->measure = demo_memory_plot_measure;
}

static void
demo_memory_plot_init (DemoMemoryPlot *self)
{
}

GtkWidget *
demo_memory_plot_new (ResmgrMonitor *monitor)
{
  DemoMemoryPlot *self = g_object_new (DEMO_TYPE_MEMORY_PLOT, NULL);

  self->monitor = g_object_ref (monitor);
  g_signal_connect_object (monitor, "sampled", G_CALLBACK (gtk_widget_queue_draw),
                           self, G_CONNECT_SWAPPED);

  return GTK_WIDGET (self);
}
