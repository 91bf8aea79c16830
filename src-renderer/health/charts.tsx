/**
 * Small SVG charts, drawn by hand: a histogram and labelled horizontal bars. Enough for a person
 * to see a distribution at a glance; every bar carries its exact figure in a tooltip.
 */
import type { Histogram } from '@shared';

interface BarItem {
  key: string | number;
  label: string;
  value: number;
  color?: string;
  /** Shown after the value, e.g. "on 12 images". */
  detail?: string;
  onClick?: () => void;
}

/** Labelled horizontal bars, longest first as given; the value is printed at the end of each. */
export function HorizontalBars({ items, testId, unit }: { items: readonly BarItem[]; testId: string; unit?: string }) {
  const max = Math.max(1, ...items.map((i) => i.value));
  if (items.length === 0) return <p className="muted small">Nothing to show yet.</p>;
  return (
    <ul className="hbars" data-testid={testId}>
      {items.map((item) => (
        <li key={item.key} className="hbar-row" data-testid={`${testId}-row`} data-value={item.value}>
          <span className="hbar-label" title={item.label}>
            {item.label}
          </span>
          <span className="hbar-track">
            <svg className="hbar-svg" viewBox="0 0 100 10" preserveAspectRatio="none" aria-hidden="true">
              <rect x="0" y="0" width={(100 * item.value) / max} height="10" fill={item.color ?? 'var(--accent)'} rx="1" />
            </svg>
          </span>
          <span className="hbar-value">
            {item.value.toLocaleString()}
            {unit ? ` ${unit}` : ''}
            {item.detail && <span className="muted"> {item.detail}</span>}
          </span>
        </li>
      ))}
    </ul>
  );
}

interface HistogramChartProps {
  histogram: Histogram;
  testId: string;
  /** How a bin edge reads on the axis and in tooltips. */
  format?: (edge: number) => string;
  color?: string;
  /** Height of the plot area in px. */
  height?: number;
  caption?: string;
}

const PLOT_W = 320;

/** Vertical bars over bins; axis labels at the ends and the middle, the count on hover. */
export function HistogramChart({ histogram, testId, format = (v) => String(round(v)), color = 'var(--accent)', height = 110, caption }: HistogramChartProps) {
  const { edges, counts } = histogram;
  const total = counts.reduce((a, b) => a + b, 0);
  if (counts.length === 0 || total === 0) {
    return (
      <figure className="chart" data-testid={testId} data-total={0}>
        <p className="muted small">No data yet.</p>
        {caption && <figcaption className="muted small">{caption}</figcaption>}
      </figure>
    );
  }
  const max = Math.max(...counts);
  const barW = PLOT_W / counts.length;
  const labelAt = [0, Math.floor(counts.length / 2), counts.length];
  return (
    <figure className="chart" data-testid={testId} data-total={total}>
      <svg className="histogram" viewBox={`0 0 ${PLOT_W} ${height + 18}`} role="img" aria-label={caption ?? 'histogram'}>
        <text x="0" y="9" className="axis-label">
          {max.toLocaleString()}
        </text>
        {counts.map((count, i) => {
          const h = max > 0 ? (height - 12) * (count / max) : 0;
          return (
            <rect key={i} x={i * barW + 0.5} y={height - h} width={Math.max(1, barW - 1)} height={h} fill={color}>
              <title>
                {format(edges[i])} – {format(edges[i + 1])}: {count.toLocaleString()}
              </title>
            </rect>
          );
        })}
        <line x1="0" x2={PLOT_W} y1={height + 0.5} y2={height + 0.5} className="axis" />
        {labelAt.map((i, k) => (
          <text key={k} x={Math.min(PLOT_W, i * barW)} y={height + 14} className="axis-label" textAnchor={k === 0 ? 'start' : k === 2 ? 'end' : 'middle'}>
            {format(edges[i])}
          </text>
        ))}
      </svg>
      {caption && <figcaption className="muted small">{caption}</figcaption>}
    </figure>
  );
}

function round(v: number): number {
  if (Math.abs(v) >= 100) return Math.round(v);
  if (Math.abs(v) >= 10) return Math.round(v * 10) / 10;
  return Math.round(v * 100) / 100;
}
