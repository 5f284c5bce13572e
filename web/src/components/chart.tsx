/**
 * A time-series chart (uPlot on a canvas) with its figures exposed to assistive technology and
 * tests: the figure carries `data-chart`, `data-points` (x values shown), `data-series` and
 * `data-last` (the newest x, Unix seconds), and its image has a text summary of the latest
 * values. Where no canvas can be drawn (tests in happy-dom) the figure and summary still render.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface ChartSeries {
  label: string;
  /** One value per x; null where the series has no sample (a gap). */
  values: Array<number | null>;
}

export interface ChartData {
  /** Unix seconds, ascending. */
  x: number[];
  series: ChartSeries[];
}

export interface ChartProps {
  /** Short machine name, exposed as data-chart (e.g. "cpu-live"). */
  name: string;
  title: string;
  data: ChartData;
  format: (value: number) => string;
  height?: number;
}

/** Colours that stay readable on the light and the dark theme. */
const PALETTE = ['#3b82f6', '#f59e0b', '#10b981', '#ef4444', '#8b5cf6', '#06b6d4', '#ec4899'];

export function seriesColor(index: number): string {
  return PALETTE[index % PALETTE.length]!;
}

/** uPlot's column layout: [x, series 1, series 2, …]. */
export function toAligned(data: ChartData): uPlot.AlignedData {
  return [data.x, ...data.series.map((s) => s.values)];
}

/**
 * The time axis's range: the data's own span. uPlot's guess from a single point is years wide;
 * one point gets the minute before it.
 */
export function timeRange(data: ChartData): { min: number; max: number } | undefined {
  const first = data.x[0];
  const last = data.x[data.x.length - 1];
  if (first === undefined || last === undefined) return undefined;
  return { min: last > first ? first : last - 60, max: last };
}

/** The newest non-null value of each series, for the text alternative of the chart. */
export function describeChart(data: ChartData, format: (value: number) => string): string {
  if (data.x.length === 0 || data.series.length === 0) return 'no samples yet';
  const parts = data.series.map((s) => {
    for (let i = s.values.length - 1; i >= 0; i--) {
      const value = s.values[i];
      if (value !== null && value !== undefined) return `${s.label} ${format(value)}`;
    }
    return `${s.label} –`;
  });
  return `latest: ${parts.join(', ')}`;
}

/** Whether this document can draw on a canvas (happy-dom in tests cannot: uPlot would throw later). */
function canDraw(): boolean {
  try {
    return document.createElement('canvas').getContext('2d') !== null;
  } catch {
    return false;
  }
}

/** The theme's muted text colour, read at each draw so a theme switch recolours the axes. */
const axisColor = (): string =>
  getComputedStyle(document.documentElement).getPropertyValue('--muted').trim() || '#888';

function buildOptions(props: ChartProps, width: number): uPlot.Options {
  const axis: uPlot.Axis = {
    stroke: axisColor,
    grid: { stroke: 'rgba(127,127,127,0.15)' },
    ticks: { stroke: 'rgba(127,127,127,0.3)' },
  };
  return {
    width,
    height: props.height ?? 180,
    scales: { x: { time: true } },
    legend: { show: true },
    cursor: { drag: { x: false, y: false } },
    axes: [axis, { ...axis, size: 70, values: (_u, ticks) => ticks.map((t) => props.format(t)) }],
    series: [
      {},
      ...props.data.series.map((s, i) => ({
        label: s.label,
        stroke: seriesColor(i),
        width: 1.5,
        spanGaps: false,
        value: (_u: uPlot, v: number | null) => (v === null ? '–' : props.format(v)),
      })),
    ],
  };
}

export function Chart(props: ChartProps) {
  const { data, title, name, format } = props;
  const host = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | undefined>(undefined);
  const [drawable, setDrawable] = useState(true);
  // A new set of series (an instance came or went) needs a new plot; new values only setData.
  const shape = data.series.map((s) => s.label).join('\u0000');
  const latest = useRef(props);
  latest.current = props;

  useEffect(() => {
    const element = host.current;
    if (!element) return;
    let created: uPlot;
    if (!canDraw()) {
      setDrawable(false); // the summary and data attributes remain
      return;
    }
    try {
      const width = Math.max(element.clientWidth, 240);
      created = new uPlot(
        buildOptions(latest.current, width),
        toAligned(latest.current.data),
        element,
      );
    } catch {
      setDrawable(false);
      return;
    }
    plot.current = created;
    const range = timeRange(latest.current.data);
    if (range) created.setScale('x', range);
    let observer: ResizeObserver | undefined;
    if (typeof ResizeObserver === 'function') {
      observer = new ResizeObserver(() => {
        const width = Math.max(element.clientWidth, 240);
        created.setSize({ width, height: latest.current.height ?? 180 });
      });
      observer.observe(element);
    }
    // The theme is an attribute of <html>: redraw with its colours when it changes.
    const theme = new MutationObserver(() => created.redraw(false));
    theme.observe(document.documentElement, { attributes: true, attributeFilter: ['data-theme'] });
    return () => {
      theme.disconnect();
      observer?.disconnect();
      created.destroy();
      plot.current = undefined;
    };
  }, [shape]);

  useEffect(() => {
    const current = plot.current;
    if (!current) return;
    current.setData(toAligned(data));
    const range = timeRange(data);
    if (range) current.setScale('x', range);
  }, [data]);

  const summary = useMemo(() => describeChart(data, format), [data, format]);
  return (
    <figure
      className="chart"
      data-chart={name}
      data-points={data.x.length}
      data-series={data.series.length}
      data-last={data.x[data.x.length - 1] ?? ''}
    >
      <figcaption>{title}</figcaption>
      <div ref={host} className="chart-canvas" role="img" aria-label={`${title}: ${summary}`} />
      {data.x.length === 0 ? (
        <p className="muted">No samples yet: they appear with each metrics tick.</p>
      ) : !drawable ? (
        <p className="muted">{summary}</p>
      ) : null}
    </figure>
  );
}
