/**
 * The live charts: losses, mAP, precision and recall, learning rate; x is the epoch. They show
 * the run in view and, on the same axes, the runs picked in the history (one colour each).
 */
import { useEffect, useMemo, useRef } from 'react';
import type { EpochRecord, RunSummary } from '@shared';
import { useTraining, useTrainingStore } from './context.js';
import { buildChart, CHART_GROUPS, RUN_COLORS, type ChartRun } from './chart-data.js';
import { MetricChart } from './MetricChart.js';

const NO_EPOCHS: EpochRecord[] = [];

export function TrainingCharts() {
  const store = useTrainingStore();
  const focusRunId = useTraining((s) => s.focusRunId);
  const overlayIds = useTraining((s) => s.overlayIds);
  const runs = useTraining((s) => s.runs);
  const epochLogs = useTraining((s) => s.epochLogs);
  const loading = useTraining((s) => s.detailLoading);

  const shown = useMemo(() => (focusRunId ? [focusRunId, ...overlayIds.filter((id) => id !== focusRunId)] : overlayIds), [focusRunId, overlayIds]);
  const labelOf = (id: string, list: RunSummary[]) => list.find((r) => r.id === id)?.name || id;

  // Only the logs of the shown runs matter: an epoch of another run (or a status change that
  // leaves the names alone) keeps the same chart input, so nothing is rebuilt.
  const previous = useRef<ChartRun[]>([]);
  const next = shown.map((id) => ({ runId: id, label: labelOf(id, runs), epochs: epochLogs[id] ?? NO_EPOCHS }));
  const same = next.length === previous.current.length && next.every((r, i) => r.runId === previous.current[i].runId && r.label === previous.current[i].label && r.epochs === previous.current[i].epochs);
  const chartRuns = same ? previous.current : next;
  useEffect(() => {
    previous.current = chartRuns;
  });
  const models = useMemo(() => CHART_GROUPS.map((g) => ({ ...g, model: buildChart(g.id, chartRuns) })), [chartRuns]);

  if (shown.length === 0) return null;
  const focusLog = focusRunId ? (epochLogs[focusRunId] ?? NO_EPOCHS) : NO_EPOCHS;
  const waiting = focusRunId !== null && focusLog.length === 0;

  return (
    <section className="training-charts" aria-label="Training charts" data-testid="training-charts">
      {overlayIds.length > 0 && (
        <div className="overlay-legend" data-testid="overlay-legend">
          <span className="muted small">On the charts:</span>
          {shown.map((id, i) => (
            <span key={id} className="overlay-chip">
              <span className="overlay-swatch" style={{ background: RUN_COLORS[i % RUN_COLORS.length] }} />
              {labelOf(id, runs)}
              {loading[id] && <span className="muted small"> loading…</span>}
              {id !== focusRunId && (
                <button type="button" className="link-button" onClick={() => void store.getState().toggleOverlay(id)} aria-label={`Take ${labelOf(id, runs)} off the charts`}>
                  ×
                </button>
              )}
            </span>
          ))}
          <button type="button" className="link-button small" onClick={() => store.getState().clearOverlay()}>
            Clear
          </button>
        </div>
      )}
      {waiting && <p className="muted small">{loading[focusRunId] ? 'Loading the epochs…' : 'The charts fill in as each epoch finishes.'}</p>}
      <div className="chart-grid">
        {models.map((m) => (
          <MetricChart key={m.id} title={m.title} model={m.model} testId={`chart-${m.id}`} />
        ))}
      </div>
    </section>
  );
}
