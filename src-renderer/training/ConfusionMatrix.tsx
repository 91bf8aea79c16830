/**
 * Ultralytics' confusion matrix as a heat map: rows are what the model predicted, columns what
 * was true, with "background" last (its row: objects missed; its column: false detections).
 * Counts, or each column as fractions of its true class. A table up to 40 names; a canvas above.
 */
import { useEffect, useMemo, useRef, useState, type MouseEvent } from 'react';
import './confusion-matrix.css';

const TABLE_LIMIT = 40;

interface MatrixView {
  values: number[][];
  /** What full colour means: the largest count, or 1 when normalized. */
  max: number;
}

/** Each column divided by its sum (what share of a true class went to each prediction). */
export function matrixView(matrix: number[][], normalize: boolean): MatrixView {
  const n = matrix.length;
  if (!normalize) {
    let max = 0;
    for (const row of matrix) for (const v of row) if (v > max) max = v;
    return { values: matrix, max: max || 1 };
  }
  const sums = new Array<number>(n).fill(0);
  for (const row of matrix) row.forEach((v, j) => (sums[j] += v));
  return { values: matrix.map((row) => row.map((v, j) => (sums[j] > 0 ? v / sums[j] : 0))), max: 1 };
}

function cellText(v: number, normalize: boolean): string {
  if (normalize) return v === 0 ? '' : v.toFixed(2);
  return v === 0 ? '' : Number.isInteger(v) ? String(v) : v.toFixed(1);
}

function cellStyle(v: number, max: number) {
  const a = Math.min(1, v / max);
  return { background: `rgba(79, 156, 247, ${(0.08 + 0.92 * a).toFixed(3)})`, color: a > 0.55 ? '#fff' : undefined, opacity: v === 0 ? 0.55 : 1 };
}

export function ConfusionMatrix({ names, matrix }: { names: string[]; matrix: number[][] }) {
  const [normalize, setNormalize] = useState(true);
  const view = useMemo(() => matrixView(matrix, normalize), [matrix, normalize]);
  return (
    <div className="confusion" data-testid="confusion-matrix" data-size={names.length} data-normalized={String(normalize)}>
      <div className="section-header">
        <h3>Confusion matrix</h3>
        <label className="checkbox small">
          <input type="checkbox" checked={normalize} onChange={(e) => setNormalize(e.target.checked)} data-testid="confusion-normalize" />
          Normalize per column (each true class adds up to 1)
        </label>
      </div>
      {names.length <= TABLE_LIMIT ? <MatrixTable names={names} view={view} normalize={normalize} /> : <MatrixCanvas names={names} view={view} normalize={normalize} />}
    </div>
  );
}

function MatrixTable({ names, view, normalize }: { names: string[]; view: MatrixView; normalize: boolean }) {
  return (
    <div className="table-scroll">
      <table className="confusion-table">
        <thead>
          <tr>
            <th className="corner" scope="col">
              <span className="muted small">predicted ↓ / true →</span>
            </th>
            {names.map((name, j) => (
              <th key={j} scope="col" className="col-name" title={`true: ${name}`}>
                <span>{name}</span>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {view.values.map((row, i) => (
            <tr key={i}>
              <th scope="row" className="row-name" title={`predicted: ${names[i]}`}>
                {names[i]}
              </th>
              {row.map((v, j) => (
                <td key={j} className={`cell${i === j ? ' diagonal' : ''}`} style={cellStyle(v, view.max)} title={`predicted ${names[i]}, true ${names[j]}: ${normalize ? v.toFixed(3) : v}`} data-testid="confusion-cell">
                  {cellText(v, normalize)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function MatrixCanvas({ names, view, normalize }: { names: string[]; view: MatrixView; normalize: boolean }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const n = names.length;
  const cell = Math.max(2, Math.floor(720 / n));
  const [hover, setHover] = useState<{ i: number; j: number } | null>(null);

  useEffect(() => {
    const ctx = canvas.current?.getContext('2d');
    if (!ctx) return;
    ctx.clearRect(0, 0, n * cell, n * cell);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        const a = Math.min(1, view.values[i][j] / view.max);
        ctx.fillStyle = `rgba(79, 156, 247, ${(0.06 + 0.94 * a).toFixed(3)})`;
        ctx.fillRect(j * cell, i * cell, cell - (cell > 4 ? 1 : 0), cell - (cell > 4 ? 1 : 0));
      }
    }
  }, [view, n, cell]);

  const move = (e: MouseEvent<HTMLCanvasElement>) => {
    const r = e.currentTarget.getBoundingClientRect();
    const j = Math.floor((e.clientX - r.left) / cell);
    const i = Math.floor((e.clientY - r.top) / cell);
    setHover(i >= 0 && j >= 0 && i < n && j < n ? { i, j } : null);
  };

  return (
    <div className="confusion-canvas">
      <p className="muted small">{n} names: rows are predicted, columns true; point at a cell to read it.</p>
      <canvas ref={canvas} width={n * cell} height={n * cell} onMouseMove={move} onMouseLeave={() => setHover(null)} aria-label="Confusion matrix heat map" />
      <p className="small" aria-live="polite">
        {hover ? `predicted ${names[hover.i]}, true ${names[hover.j]}: ${normalize ? view.values[hover.i][hover.j].toFixed(3) : view.values[hover.i][hover.j]}` : ' '}
      </p>
    </div>
  );
}
