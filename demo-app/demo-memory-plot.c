/* demo-memory-plot.c
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <math.h>

#include "demo-memory-plot.h"

/* Two charts side by side over the monitor's sample history: the resident
 * memory of the process and the bytes resmgr tracks. They differ by three
 * orders of magnitude (hundreds of MB against hundreds of kB), so each has
 * its own y axis, with its unit in its title and labelled ticks, and a
 * time axis in seconds before now. Redrawn at every sample. */

typedef enum {
  SERIES_RSS,
  SERIES_TRACKED,
  N_SERIES
} Series;

typedef struct
{
  GtkWidget *title;   /* "Resident memory (MB)": the y axis label */
  GtkWidget *value;   /* the latest value */
  GtkWidget *canvas;
} Chart;

struct _DemoMemoryPlot
{
  GtkWidget      parent_instance;

  ResmgrMonitor *monitor;
  Chart          charts[N_SERIES];
};

G_DEFINE_FINAL_TYPE (DemoMemoryPlot, demo_memory_plot, GTK_TYPE_WIDGET)

static const struct {
  const char *name;
  GdkRGBA     colour;
} series_info[N_SERIES] = {
  [SERIES_RSS]     = { "Resident memory", { 0.21, 0.52, 0.89, 1 } },
  [SERIES_TRACKED] = { "Tracked by resmgr", { 0.90, 0.38, 0.00, 1 } },
};

/* Units {{{ */

typedef struct
{
  const char *name;
  double      bytes;
} Unit;

/* kB for small values, MB, GB: the unit a whole axis uses. */
static Unit
unit_for (guint64 max)
{
  if (max >= 10 * (guint64) 1000 * 1000 * 1000)
    return (Unit) { "GB", 1e9 };
  if (max >= 10 * 1000 * 1000)
    return (Unit) { "MB", 1e6 };
  return (Unit) { "kB", 1e3 };
}

/* 1, 2 or 5 times a power of ten, at least @x. */
static double
nice_step (double x)
{
  double p = pow (10, floor (log10 (x)));

  if (x <= p)
    return p;
  if (x <= 2 * p)
    return 2 * p;
  if (x <= 5 * p)
    return 5 * p;
  return 10 * p;
}

static guint64
sample_value (ResmgrMonitor *monitor,
              guint          index,
              Series         series,
              gint64        *time)
{
  guint64 rss = 0, bytes = 0;

  resmgr_monitor_get_sample (monitor, index, time, &rss, NULL, &bytes, NULL);

  return series == SERIES_RSS ? rss : bytes;
}

/* }}} */

/* Drawing {{{ */

static PangoLayout *
tick_layout (GtkWidget  *widget,
             const char *text)
{
  PangoLayout *layout = gtk_widget_create_pango_layout (widget, text);
  PangoAttrList *attrs = pango_attr_list_new ();

  pango_attr_list_insert (attrs, pango_attr_scale_new (0.8));
  pango_attr_list_insert (attrs, pango_attr_font_features_new ("tnum=1"));
  pango_layout_set_attributes (layout, attrs);
  pango_attr_list_unref (attrs);

  return layout;
}

static char *
format_tick (double value,
             double step)
{
  /* As many decimals as the step needs: 0.5, 0.25 → 1 and 2. */
  int decimals = step >= 1 ? 0 : (int) ceil (-log10 (step) - 1e-9);

  return g_strdup_printf ("%.*f", decimals, value);
}

static void
draw_chart (GtkDrawingArea *area,
            cairo_t        *cr,
            int             width,
            int             height,
            gpointer        data)
{
  DemoMemoryPlot *self = DEMO_MEMORY_PLOT (gtk_widget_get_ancestor (GTK_WIDGET (area), DEMO_TYPE_MEMORY_PLOT));
  Series series = GPOINTER_TO_INT (data);
  GtkWidget *widget = GTK_WIDGET (area);
  guint n = resmgr_monitor_get_n_samples (self->monitor);
  guint64 min = G_MAXUINT64, max = 0;
  gint64 first_time = 0, last_time = 0;
  double lo, hi, step, left = 0, right = width - 8, top = 8, bottom;
  int text_height = 0;
  GdkRGBA fg;
  Unit unit;

  gtk_style_context_get_color (gtk_widget_get_style_context (widget), &fg);

  for (guint i = 0; i < n; i++)
    {
      guint64 v = sample_value (self->monitor, i, series, i == 0 ? &first_time : &last_time);

      min = MIN (min, v);
      max = MAX (max, v);
    }
  if (n == 0)
    min = max = 0;
  if (n < 2)
    last_time = first_time;

  /* The y range: labelled ticks at a round step, covering the samples. */
  unit = unit_for (max);
  step = nice_step (MAX ((max - min) / unit.bytes / 3, 1e-3));
  lo = floor (min / unit.bytes / step) * step;
  hi = ceil (max / unit.bytes / step) * step;
  if (hi <= lo)
    hi = lo + step;
  if ((hi - lo) / step > 4) /* floor and ceil may add a step each */
    {
      step *= 2;
      lo = floor (lo / step) * step;
      hi = ceil (hi / step) * step;
    }

  /* The left gutter fits the widest tick label. */
  for (double t = lo; t <= hi + step / 2; t += step)
    {
      g_autofree char *text = format_tick (t, step);
      g_autoptr(PangoLayout) layout = tick_layout (widget, text);
      int w, h;

      pango_layout_get_pixel_size (layout, &w, &h);
      left = MAX (left, w + 10);
      text_height = MAX (text_height, h);
    }
  bottom = height - text_height - 4;
  if (right <= left || bottom <= top)
    return;

  /* Grid lines and y ticks. */
  cairo_set_line_width (cr, 1);
  for (double t = lo; t <= hi + step / 2; t += step)
    {
      g_autofree char *text = format_tick (t, step);
      g_autoptr(PangoLayout) layout = tick_layout (widget, text);
      double y = round (bottom - (t - lo) / (hi - lo) * (bottom - top)) + 0.5;
      int w, h;

      cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.15);
      cairo_move_to (cr, left, y);
      cairo_line_to (cr, right, y);
      cairo_stroke (cr);

      pango_layout_get_pixel_size (layout, &w, &h);
      cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.7);
      cairo_move_to (cr, left - 6 - w, y - h / 2.0);
      pango_cairo_show_layout (cr, layout);
    }

  /* The time axis: from the oldest sample to now. */
  {
    g_autofree char *oldest = g_strdup_printf ("−%.0f s", (last_time - first_time) / (double) G_USEC_PER_SEC);
    g_autoptr(PangoLayout) start = tick_layout (widget, oldest);
    g_autoptr(PangoLayout) end = tick_layout (widget, "now");
    int w, h;

    cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.7);
    cairo_move_to (cr, left, bottom + 2);
    pango_cairo_show_layout (cr, start);
    pango_layout_get_pixel_size (end, &w, &h);
    cairo_move_to (cr, right - w, bottom + 2);
    pango_cairo_show_layout (cr, end);
  }

  /* The series. */
  if (n == 0)
    return;
  gdk_cairo_set_source_rgba (cr, &series_info[series].colour);
  cairo_set_line_width (cr, 2);
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
  for (guint i = 0; i < n; i++)
    {
      gint64 time = 0;
      double v = sample_value (self->monitor, i, series, &time) / unit.bytes;
      double x = last_time > first_time
                 ? left + (double) (time - first_time) / (last_time - first_time) * (right - left)
                 : right;
      double y = bottom - (v - lo) / (hi - lo) * (bottom - top);

      if (i == 0)
        cairo_move_to (cr, x, y);
      else
        cairo_line_to (cr, x, y);
    }
  if (n == 1)
    cairo_rel_line_to (cr, 0.01, 0); /* a dot, with a round cap */
  cairo_set_line_cap (cr, CAIRO_LINE_CAP_ROUND);
  cairo_stroke (cr);
}

/* The titles name each axis with its unit; the values beside them are the
 * latest sample. */
static void
update_labels (DemoMemoryPlot *self)
{
  guint n = resmgr_monitor_get_n_samples (self->monitor);

  for (Series series = 0; series < N_SERIES; series++)
    {
      Chart *chart = &self->charts[series];
      guint64 max = 0, last = 0;
      g_autofree char *title = NULL;
      g_autofree char *value = NULL;
      Unit unit;

      for (guint i = 0; i < n; i++)
        max = MAX (max, sample_value (self->monitor, i, series, NULL));
      if (n > 0)
        last = sample_value (self->monitor, n - 1, series, NULL);

      unit = unit_for (max);
      title = g_strdup_printf ("%s (%s)", series_info[series].name, unit.name);
      value = n > 0 ? g_strdup_printf ("now %.1f %s", last / unit.bytes, unit.name)
                    : g_strdup ("no sample yet");
      gtk_label_set_label (GTK_LABEL (chart->title), title);
      gtk_label_set_label (GTK_LABEL (chart->value), value);
      gtk_widget_queue_draw (chart->canvas);
    }
}

/* }}} */

/* GObject {{{ */

static void
demo_memory_plot_dispose (GObject *object)
{
  DemoMemoryPlot *self = DEMO_MEMORY_PLOT (object);
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);
  g_clear_object (&self->monitor);

  G_OBJECT_CLASS (demo_memory_plot_parent_class)->dispose (object);
}

static void
demo_memory_plot_class_init (DemoMemoryPlotClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = demo_memory_plot_dispose;
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BOX_LAYOUT);
}

static void
demo_memory_plot_init (DemoMemoryPlot *self)
{
  GtkLayoutManager *layout = gtk_widget_get_layout_manager (GTK_WIDGET (self));

  gtk_box_layout_set_homogeneous (GTK_BOX_LAYOUT (layout), TRUE);
  gtk_box_layout_set_spacing (GTK_BOX_LAYOUT (layout), 18);

  for (Series series = 0; series < N_SERIES; series++)
    {
      Chart *chart = &self->charts[series];
      GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4);
      GtkWidget *header = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);

      chart->title = gtk_label_new (NULL);
      gtk_label_set_xalign (GTK_LABEL (chart->title), 0);
      gtk_widget_set_hexpand (chart->title, TRUE);
      gtk_widget_add_css_class (chart->title, "heading");
      chart->value = gtk_label_new (NULL);
      gtk_widget_add_css_class (chart->value, "numeric");
      gtk_widget_add_css_class (chart->value, "dim-label");
      gtk_box_append (GTK_BOX (header), chart->title);
      gtk_box_append (GTK_BOX (header), chart->value);

      chart->canvas = gtk_drawing_area_new ();
      gtk_drawing_area_set_content_height (GTK_DRAWING_AREA (chart->canvas), 110);
      gtk_drawing_area_set_content_width (GTK_DRAWING_AREA (chart->canvas), 200);
      gtk_drawing_area_set_draw_func (GTK_DRAWING_AREA (chart->canvas), draw_chart,
                                      GINT_TO_POINTER (series), NULL);
      gtk_widget_add_css_class (chart->canvas, "view");
      gtk_widget_set_hexpand (chart->canvas, TRUE);
      gtk_accessible_update_relation (GTK_ACCESSIBLE (chart->canvas),
                                      GTK_ACCESSIBLE_RELATION_LABELLED_BY, chart->title, NULL,
                                      GTK_ACCESSIBLE_RELATION_DESCRIBED_BY, chart->value, NULL,
                                      -1);

      gtk_box_append (GTK_BOX (box), header);
      gtk_box_append (GTK_BOX (box), chart->canvas);
      gtk_widget_set_parent (box, GTK_WIDGET (self));
    }
}

GtkWidget *
demo_memory_plot_new (ResmgrMonitor *monitor)
{
  DemoMemoryPlot *self = g_object_new (DEMO_TYPE_MEMORY_PLOT, NULL);

  self->monitor = g_object_ref (monitor);
  g_signal_connect_object (monitor, "sampled", G_CALLBACK (update_labels),
                           self, G_CONNECT_SWAPPED);
  update_labels (self);

  return GTK_WIDGET (self);
}

/* }}} */
