/**
 * One uPlot chart. It is made once per set of series (and again only when a series comes or
 * goes: a new loss, a run overlaid); each epoch only hands uPlot the new columns with `setData`,
 * in a layout effect, so the chart is drawn in the same frame as the event that brought it.
 */
import { useLayoutEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { ChartModel } from './chart-data.js';
import { formatValue } from './format.js';

const HEIGHT = 200;

function themeColor(name: string, fallback: string): string {
  const value = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  return value || fallback;
}

function options(model: ChartModel, width: number): uPlot.Options {
  const muted = themeColor('--text-muted', '#8b95a3');
  const grid = themeColor('--border', '#2a313b');
  const axis = { stroke: muted, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 }, font: '11px system-ui, sans-serif' };
  return {
    width,
    height: HEIGHT,
    scales: { x: { time: false } },
    cursor: { drag: { x: true, y: false } },
    legend: { show: true, live: true },
    axes: [
      { ...axis, label: 'epoch', labelFont: '11px system-ui, sans-serif', labelSize: 18, values: (_u, splits) => splits.map((v) => (Number.isInteger(v) ? String(v) : '')) },
      { ...axis, size: 56, values: (_u, splits) => splits.map((v) => formatValue(v)) },
    ],
    series: [
      { label: 'epoch', value: (_u, v) => (v === null || v === undefined ? '–' : String(v)) },
      ...model.series.map<uPlot.Series>((s) => ({
        label: s.label,
        stroke: s.color,
        width: 1.5,
        dash: s.dash.length > 0 ? s.dash : undefined,
        spanGaps: true,
        points: { size: 4 },
        value: (_u, v) => formatValue(v),
      })),
    ],
  };
}

export function MetricChart({ title, model, testId }: { title: string; model: ChartModel; testId: string }) {
  const host = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const latest = useRef(model);
  latest.current = model;
  const empty = model.series.length === 0;

  // Made again only when the series change, never per epoch.
  useLayoutEffect(() => {
    const el = host.current;
    if (!el || empty) return;
    const current = latest.current;
    const u = new uPlot(options(current, Math.max(240, el.clientWidth)), current.data as uPlot.AlignedData, el);
    plot.current = u;
    const resize = new ResizeObserver(() => {
      const width = el.clientWidth;
      if (width > 0 && Math.abs(width - u.width) > 1) u.setSize({ width, height: HEIGHT });
    });
    resize.observe(el);
    return () => {
      resize.disconnect();
      u.destroy();
      plot.current = null;
    };
  }, [model.signature, empty]);

  // Each epoch: the new columns, drawn before the browser paints.
  useLayoutEffect(() => {
    plot.current?.setData(model.data as uPlot.AlignedData);
  }, [model.data]);

  const most = model.points.length > 0 ? Math.max(...model.points) : 0;
  return (
    <figure className="training-chart" data-testid={testId} data-points={most} data-series={model.series.length} data-series-points={model.points.join(',')}>
      <figcaption>{title}</figcaption>
      {empty ? <div className="training-chart-empty muted small">No values yet.</div> : <div className="training-chart-canvas" ref={host} />}
    </figure>
  );
}
