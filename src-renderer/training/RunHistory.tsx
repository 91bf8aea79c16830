/**
 * The project's runs, newest first, kept current by status events: pick one to view it, tick
 * others to draw their curves on the same charts.
 */
import { ErrorMessage } from '../ui/ErrorMessage.js';
import { useTraining, useTrainingStore } from './context.js';
import { RUN_COLORS } from './chart-data.js';
import { formatDuration, formatMetric, formatWhen, runSeconds, STATUS_LABELS } from './format.js';
import { useNow } from './LiveRun.js';
import { isActive, metricValue } from './run-data.js';

export function RunHistory() {
  const store = useTrainingStore();
  const runs = useTraining((s) => s.runs);
  const runsLoaded = useTraining((s) => s.runsLoaded);
  const focusRunId = useTraining((s) => s.focusRunId);
  const overlayIds = useTraining((s) => s.overlayIds);
  const error = useTraining((s) => s.error);
  const now = useNow(runs.some((r) => r.status === 'running'));
  const shown = focusRunId ? [focusRunId, ...overlayIds] : overlayIds;

  return (
    <section className="panel run-history" aria-label="Runs" data-testid="run-history">
      <div className="section-header">
        <h2>Runs</h2>
        <span className="muted small">Tick runs to compare their curves on the charts.</span>
        <button type="button" className="link-button" onClick={() => void store.getState().refresh()}>
          Refresh
        </button>
      </div>
      <ErrorMessage error={error} testId="training-error" onDismiss={() => store.getState().dismissError()} />
      {runsLoaded && runs.length === 0 && <p className="muted small">No runs in this project yet.</p>}
      {runs.length > 0 && (
        <div className="table-scroll">
          <table className="runs-table">
            <thead>
              <tr>
                <th scope="col" className="overlay-col">
                  <span className="visually-hidden">On the charts</span>
                </th>
                <th scope="col">Run</th>
                <th scope="col">Status</th>
                <th scope="col">Model</th>
                <th scope="col" className="num">
                  Epochs
                </th>
                <th scope="col" className="num">
                  Best mAP50-95
                </th>
                <th scope="col">Started</th>
                <th scope="col" className="num">
                  Time
                </th>
              </tr>
            </thead>
            <tbody>
              {runs.map((run) => {
                const focused = run.id === focusRunId;
                const overlaid = overlayIds.includes(run.id);
                const colorIndex = shown.indexOf(run.id);
                return (
                  <tr key={run.id} className={focused ? 'focused' : undefined} data-testid="run-row" data-run-id={run.id} data-status={run.status} aria-selected={focused}>
                    <td className="overlay-col">
                      {focused ? (
                        <span className="overlay-swatch" style={{ background: RUN_COLORS[0] }} title="In view" />
                      ) : (
                        <label className="overlay-toggle" title="Draw this run on the charts too">
                          <input type="checkbox" checked={overlaid} onChange={() => void store.getState().toggleOverlay(run.id)} aria-label={`Compare ${run.name || run.id} on the charts`} data-testid="run-overlay" />
                          {overlaid && colorIndex >= 0 && <span className="overlay-swatch" style={{ background: RUN_COLORS[colorIndex % RUN_COLORS.length] }} />}
                        </label>
                      )}
                    </td>
                    <td>
                      <button type="button" className="link-button run-name" onClick={() => void store.getState().focus(run.id)} aria-current={focused ? 'true' : undefined} data-testid="run-open">
                        {run.name || run.id}
                      </button>
                    </td>
                    <td>
                      <span className={`pill status-${run.status}`}>{STATUS_LABELS[run.status]}</span>
                    </td>
                    <td className="muted">{run.model}</td>
                    <td className="num">
                      {run.epochsDone} / {run.epochs}
                    </td>
                    <td className="num" data-testid="run-best">
                      {formatMetric(metricValue(run.best?.metrics, 'mAP50-95'))}
                    </td>
                    <td className="muted small">{formatWhen(run.startedAt ?? run.createdAt)}</td>
                    <td className="num muted">{isActive(run.status) && !run.startedAt ? '–' : formatDuration(runSeconds(run.startedAt, run.endedAt, now))}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
