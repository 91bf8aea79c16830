/**
 * An evaluation's figures: the headline numbers, the per-class table (the compared run's columns
 * beside), the PR and F1-confidence curves with the best threshold marked, and the confusion
 * matrices.
 */
import type { ClassDef, DetectionEvaluation, Evaluation, RunEvaluation } from '@shared';
import { ConfusionMatrix } from '../training/ConfusionMatrix.js';
import { formatMetric } from '../training/format.js';
import { CurveChart, type CurveSeries } from './CurveChart.js';

const ALL_COLOR = '#e3e7ed';
const COMPARE_COLOR = '#e8b04b';
const FALLBACK = '#8b95a3';

function Headline({ run, testId }: { run: RunEvaluation; testId: string }) {
  const m = run.metrics;
  const figures: [string, number][] =
    m.task === 'detect'
      ? [
          ['mAP50', m.map50],
          ['mAP50-95', m.map50_95],
          ['precision', m.precision],
          ['recall', m.recall],
          ['best F1', m.f1],
          ['at confidence', m.bestConfidence],
        ]
      : [
          ['top-1 accuracy', m.top1],
          ['top-5 accuracy', m.top5],
        ];
  return (
    <div className="evaluation-headline" data-testid={testId} data-run-id={run.runId}>
      <h3>{run.runName}</h3>
      <dl className="report-figures">
        {figures.map(([name, value]) => (
          <div key={name}>
            <dt>{name}</dt>
            <dd data-metric={name}>{formatMetric(value)}</dd>
          </div>
        ))}
      </dl>
      {run.unmatched.length > 0 && <p className="muted small">Model classes the project lacks, left out: {run.unmatched.join(', ')}</p>}
      {run.failed.length > 0 && <p className="muted small">{run.failed.length} images could not be read.</p>}
    </div>
  );
}

function PerClassTable({ evaluation }: { evaluation: Evaluation }) {
  const runs = [evaluation.primary, ...(evaluation.compare ? [evaluation.compare] : [])];
  const detect = evaluation.primary.metrics.task === 'detect';
  const heads = detect ? ['P', 'R', 'AP50', 'AP50-95'] : ['P', 'R'];
  const cells = (run: RunEvaluation, classId: number) => {
    const c = run.metrics.perClass.find((x) => x.classId === classId);
    const values = c ? (detect ? [c.precision, c.recall, c.ap50, c.ap50_95] : [c.precision, c.recall]) : heads.map(() => null);
    return values.map((v, i) => (
      <td key={`${run.runId}-${i}`} className="num">
        {formatMetric(v)}
      </td>
    ));
  };
  return (
    <div className="table-scroll">
      <table className="evaluation-table" data-testid="evaluation-per-class">
        <thead>
          {runs.length > 1 && (
            <tr>
              <th colSpan={3} />
              {runs.map((r) => (
                <th key={r.runId} colSpan={heads.length} className="run-head">
                  {r.runName}
                </th>
              ))}
            </tr>
          )}
          <tr>
            <th scope="col">Class</th>
            <th scope="col" className="num">
              Images
            </th>
            <th scope="col" className="num">
              Instances
            </th>
            {runs.flatMap((r) =>
              heads.map((h) => (
                <th key={`${r.runId}-${h}`} scope="col" className="num">
                  {h}
                </th>
              )),
            )}
          </tr>
        </thead>
        <tbody>
          {evaluation.primary.metrics.perClass.map((c) => (
            <tr key={c.classId} data-testid="evaluation-class-row" data-class={c.name}>
              <th scope="row">{c.name}</th>
              <td className="num">{c.images}</td>
              <td className="num">{c.instances}</td>
              {runs.flatMap((r) => cells(r, c.classId))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Curves({ primary, compare, colorOf }: { primary: DetectionEvaluation; compare: { name: string; metrics: DetectionEvaluation } | null; colorOf(classId: number): string }) {
  const perClass = (set: DetectionEvaluation['pr']['precision'], name: (id: number) => string): CurveSeries[] => set.perClass.map((c) => ({ label: name(c.classId), color: colorOf(c.classId), values: c.values }));
  const names = new Map(primary.perClass.map((c) => [c.classId, c.name]));
  const name = (id: number) => names.get(id) ?? `class ${id}`;
  const pr: CurveSeries[] = [{ label: `all classes, mAP50 ${formatMetric(primary.map50)}`, color: ALL_COLOR, values: primary.pr.precision.all, strong: true }, ...perClass(primary.pr.precision, name)];
  const f1: CurveSeries[] = [
    { label: `all classes, F1 ${formatMetric(primary.f1)} at ${formatMetric(primary.bestConfidence)}`, color: ALL_COLOR, values: primary.byConfidence.f1.all, strong: true },
    ...perClass(primary.byConfidence.f1, name),
  ];
  if (compare) {
    pr.push({ label: `${compare.name}: all classes, mAP50 ${formatMetric(compare.metrics.map50)}`, color: COMPARE_COLOR, values: compare.metrics.pr.precision.all, strong: true, dashed: true });
    f1.push({ label: `${compare.name}: all classes, F1 ${formatMetric(compare.metrics.f1)}`, color: COMPARE_COLOR, values: compare.metrics.byConfidence.f1.all, strong: true, dashed: true });
  }
  return (
    <div className="evaluation-charts">
      <CurveChart title="Precision against recall (IoU 0.5)" xLabel="recall" yLabel="precision" x={primary.pr.recall} series={pr} testId="evaluation-pr-chart" />
      <CurveChart
        title="F1 against the confidence threshold"
        xLabel="confidence"
        yLabel="F1"
        x={primary.byConfidence.confidence}
        series={f1}
        marker={{ x: primary.bestConfidence, label: `best ${formatMetric(primary.bestConfidence)}` }}
        testId="evaluation-f1-chart"
      />
    </div>
  );
}

export function EvaluationFigures({ evaluation, classes }: { evaluation: Evaluation; classes: readonly ClassDef[] }) {
  const colorOf = (classId: number) => classes.find((c) => c.id === classId)?.color ?? FALLBACK;
  const { primary, compare } = evaluation;
  const where =
    evaluation.imageSource === 'chosen'
      ? 'chosen images'
      : `${evaluation.split} images of ${evaluation.imageSource === 'run' ? "the run's frozen dataset" : "the project's split"}`;
  return (
    <section className="card evaluation-figures" data-testid="evaluation-figures">
      <p className="muted small" data-testid="evaluation-summary">
        {evaluation.images} {where}, with their labels as of {new Date(evaluation.createdAt).toLocaleString()}
        {compare ? `; ${compare.runName} on the same images and labels` : ''}.
      </p>
      <div className="evaluation-headlines">
        <Headline run={primary} testId="evaluation-headline" />
        {compare && <Headline run={compare} testId="evaluation-compare-headline" />}
      </div>
      <PerClassTable evaluation={evaluation} />
      {primary.metrics.task === 'detect' && <Curves primary={primary.metrics} compare={compare && compare.metrics.task === 'detect' ? { name: compare.runName, metrics: compare.metrics } : null} colorOf={colorOf} />}
      <div className="evaluation-confusions">
        {[primary, compare].map(
          (run) =>
            run?.metrics.confusion && (
              <div key={run.runId}>
                <p className="muted small">{run.runName}</p>
                <ConfusionMatrix names={run.metrics.confusion.names} matrix={run.metrics.confusion.matrix} />
              </div>
            ),
        )}
      </div>
    </section>
  );
}
