/**
 * The `evaluate` job: a run (and another to compare with) on the same frozen images and the same
 * labels, read once when the job begins. Each run's ONNX model is exported first where it has
 * none. The figures, the findings (ranked, the first 20,000) and the predictions behind them are
 * kept together, replacing the run's earlier evaluation; a cancelled job keeps nothing.
 */
import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import { FINDING_KINDS, StudioError, type Evaluation, type EvaluationReport, type EvaluationStartInput, type FindingKind, type ModelInfo, type RunDetail } from '@shared';
import type { JobHandle, JobRunner } from '../jobs/job-runner.js';
import type { OpenProject, ProjectSession } from '../project/project-session.js';
import type { InferenceEngine } from '../inference/inference-engine.js';
import type { ProjectTraining } from '../training/project-training.js';
import type { StoredPrediction } from '../store/evaluation-repository.js';
import { chooseImages } from './evaluation-images.js';
import type { EvaluatedClass } from './detection-metrics.js';
import { rankFindings } from './label-findings.js';
import { evaluateRun, type TruthImage } from './run-evaluation.js';

type EvaluationRequest = z.output<typeof EvaluationStartInput>;

export interface EvaluationJobDeps {
  session: ProjectSession;
  /** The open project's jobs: closing the project cancels an evaluation. */
  jobs: JobRunner;
  inference: InferenceEngine;
  training: ProjectTraining;
}

/** Findings kept per evaluation, most likely first: more than anyone reviews. */
const MAX_FINDINGS = 20_000;

/** A run's ONNX model, loaded in the inference worker; exported from best.pt first when the run has none. */
async function loadRunModel(deps: EvaluationJobDeps, run: RunDetail): Promise<{ model: ModelInfo; exported: boolean }> {
  try {
    return { model: await deps.inference.loadModel({ runId: run.id }), exported: false };
  } catch (err) {
    if (!(err instanceof StudioError) || err.code !== 'not_found') throw err;
  }
  try {
    await deps.training.current().exportModel({ runId: run.id, format: 'onnx', weights: 'best' });
  } catch (err) {
    if (!(err instanceof StudioError)) throw err;
    throw new StudioError(err.code, `Run "${run.name}" has no ONNX model to evaluate, and exporting one failed: ${err.message}`, { cause: err });
  }
  return { model: await deps.inference.loadModel({ runId: run.id }), exported: true };
}

function truthOf(project: OpenProject, imageIds: readonly number[], indexOf: ReadonlyMap<number, number>): TruthImage[] {
  return imageIds.map((imageId) => {
    const boxes: TruthImage['boxes'] = [];
    const tags: number[] = [];
    for (const a of project.store.annotations.forImage(imageId)) {
      const classIndex = indexOf.get(a.classId);
      if (classIndex === undefined) continue;
      if (a.kind === 'box') boxes.push({ classIndex, x: a.x, y: a.y, w: a.w, h: a.h });
      else tags.push(classIndex);
    }
    return { imageId, name: project.store.images.get(imageId).name, boxes, tags };
  });
}

/**
 * Starts an evaluation. The runs are checked at once (an unknown run fails the call, not the job).
 * @throws StudioError `not_found` for an unknown run, `invalid_input` for one still training
 */
export function startEvaluation(deps: EvaluationJobDeps, request: EvaluationRequest): { jobId: string } {
  const project = deps.session.require();
  const supervisor = deps.training.current();
  const runs = [supervisor.get(request.runId), ...(request.compareRunId ? [supervisor.get(request.compareRunId)] : [])];
  for (const run of runs) {
    if (run.status === 'queued' || run.status === 'running') throw new StudioError('invalid_input', `Run "${run.name}" is still training: evaluate it once it has ended.`);
  }
  const { jobId } = deps.jobs.start('evaluate', (job) => runEvaluation(deps, project, runs, request, job));
  return { jobId };
}

async function runEvaluation(deps: EvaluationJobDeps, project: OpenProject, runs: RunDetail[], request: EvaluationRequest, job: JobHandle): Promise<EvaluationReport> {
  const started = performance.now();
  const report: EvaluationReport = { evaluationId: null, runId: runs[0].id, compareRunId: runs[1]?.id ?? null, split: null, images: 0, findings: 0, exported: false, durationMs: 0, cancelled: false };
  const finish = (cancelled: boolean) => ({ ...report, cancelled, durationMs: performance.now() - started });
  job.progress({ phase: 'scanning', done: 0, total: 0, current: 'Loading the model' });

  const models: ModelInfo[] = [];
  for (const run of runs) {
    const { model, exported } = await loadRunModel(deps, run);
    if (model.task !== project.info.task) {
      throw new StudioError('invalid_input', `Run "${run.name}" made a ${model.task === 'detect' ? 'detection' : 'classification'} model, but this project ${project.info.task === 'detect' ? 'draws boxes' : 'classifies images'}.`);
    }
    report.exported ||= exported;
    models.push(model);
    if (job.signal.aborted) return finish(true);
  }

  const chosen = await chooseImages(project, runs[0], { split: request.split, imageIds: request.imageIds });
  report.split = chosen.split;
  report.images = chosen.imageIds.length;
  const classes: EvaluatedClass[] = project.store.classes.list().map((c) => ({ id: c.id, name: c.name }));
  const images = truthOf(project, chosen.imageIds, new Map(classes.map((c, i) => [c.id, i])));
  const total = images.length * runs.length;
  let done = 0;
  job.progress({ phase: 'working', done, total });

  const outcomes = [];
  for (const [i, run] of runs.entries()) {
    const outcome = await evaluateRun({
      inference: deps.inference,
      run,
      model: models[i],
      images,
      classes,
      multiLabel: project.info.multiLabel,
      thresholds: i === 0 ? request.thresholds : null,
      signal: job.signal,
      progressed: (n) => job.progress({ phase: 'working', done: (done += n), total, current: run.name }),
    });
    if (!outcome) return finish(true);
    outcomes.push(outcome);
  }

  job.progress({ phase: 'finishing', done: total, total });
  const [primary, compare] = outcomes;
  const findings = rankFindings(primary.findings).slice(0, MAX_FINDINGS);
  const predictions = new Map<number, StoredPrediction[]>();
  for (const f of findings) if (!predictions.has(f.imageId)) predictions.set(f.imageId, primary.predictions.get(f.imageId) ?? []);
  const byKind = Object.fromEntries(FINDING_KINDS.map((k) => [k, 0])) as Record<FindingKind, number>;
  for (const f of findings) byKind[f.kind]++;
  const evaluation: Evaluation = {
    id: randomUUID(),
    createdAt: new Date().toISOString(),
    runId: runs[0].id,
    compareRunId: runs[1]?.id ?? null,
    split: chosen.split,
    imageSource: chosen.source,
    images: images.length,
    imageIds: chosen.imageIds,
    thresholds: request.thresholds,
    findings: byKind,
    primary: primary.evaluation,
    compare: compare?.evaluation ?? null,
  };
  // The project may be closing: what came back after the cancel is not written.
  if (job.signal.aborted) return finish(true);
  project.store.evaluations.save(evaluation, findings, predictions);
  report.evaluationId = evaluation.id;
  report.findings = findings.length;
  return finish(false);
}
