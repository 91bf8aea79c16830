/**
 * A small line chart over the unit square (an evaluation's curves run from 0 to 1 on both axes):
 * one path per series, a legend, and a marked x (the best confidence threshold). SVG, so it
 * needs nothing loaded and scales with the page.
 */

export interface CurveSeries {
  label: string;
  color: string;
  values: number[];
  /** The mean over classes is drawn thicker. */
  strong?: boolean;
  dashed?: boolean;
}

const W = 360;
const H = 220;
const PAD = { left: 34, right: 10, top: 10, bottom: 30 };
const TICKS = [0, 0.25, 0.5, 0.75, 1];

const sx = (x: number) => PAD.left + x * (W - PAD.left - PAD.right);
const sy = (y: number) => H - PAD.bottom - y * (H - PAD.top - PAD.bottom);

function pathOf(x: readonly number[], values: readonly number[]): string {
  return values.map((v, i) => `${i === 0 ? 'M' : 'L'}${sx(x[i]).toFixed(1)},${sy(Math.min(1, Math.max(0, v))).toFixed(1)}`).join('');
}

export function CurveChart(props: { title: string; xLabel: string; yLabel: string; x: readonly number[]; series: readonly CurveSeries[]; marker?: { x: number; label: string }; testId: string }) {
  const { x, series, marker } = props;
  return (
    <figure className="curve-chart" data-testid={props.testId} data-series={series.length}>
      <figcaption>{props.title}</figcaption>
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={props.title}>
        {TICKS.map((t) => (
          <g key={t} className="curve-grid">
            <line x1={sx(0)} x2={sx(1)} y1={sy(t)} y2={sy(t)} />
            <line x1={sx(t)} x2={sx(t)} y1={sy(0)} y2={sy(1)} />
            <text x={sx(0) - 4} y={sy(t) + 3} textAnchor="end">
              {t}
            </text>
            <text x={sx(t)} y={sy(0) + 13} textAnchor="middle">
              {t}
            </text>
          </g>
        ))}
        <text className="curve-axis" x={sx(0.5)} y={H - 3} textAnchor="middle">
          {props.xLabel}
        </text>
        <text className="curve-axis" transform={`translate(10 ${sy(0.5)}) rotate(-90)`} textAnchor="middle">
          {props.yLabel}
        </text>
        {series.map((s) => (
          <path key={s.label} d={pathOf(x, s.values)} fill="none" stroke={s.color} strokeWidth={s.strong ? 2.5 : 1.2} strokeDasharray={s.dashed ? '5 3' : undefined} opacity={s.strong ? 1 : 0.85} data-testid="curve" />
        ))}
        {marker && (
          <g data-testid="curve-marker" data-x={marker.x}>
            <line className="curve-marker" x1={sx(marker.x)} x2={sx(marker.x)} y1={sy(0)} y2={sy(1)} />
            <text className="curve-marker-label" x={Math.min(sx(marker.x) + 4, W - 120)} y={sy(1) + 12}>
              {marker.label}
            </text>
          </g>
        )}
      </svg>
      <ul className="curve-legend">
        {series.map((s) => (
          <li key={s.label}>
            <span className="curve-swatch" style={{ background: s.color }} />
            {s.label}
          </li>
        ))}
      </ul>
    </figure>
  );
}
