/** The shapes project (three planted label errors) in a studio, and a way to run an evaluation to its end. */
import path from 'node:path';
import { expect } from 'vitest';
import type { EvaluationReport, JobResult, StudioApi } from '@shared';
import type { Studio } from '../../../../src-main/studio.js';
import { openStudio, type OpenStudio } from '../studio/studio-fixture.js';
import { addRun, labelingChanges, MODELS_DIR, SHAPE_CLASSES, SHAPE_IMAGES, type RunOptions } from '../../../fixtures/evaluation/shapes-project.js';

export interface ShapesProject {
  /** Image ids by file name. */
  ids: Record<string, number>;
  /** Class ids by name. */
  classes: Record<string, number>;
  addRun(options: RunOptions): Promise<void>;
}

/** Runs a job the studio starts and waits for its result (listening first: a job can end before `start` answers). */
async function finished(api: StudioApi, start: () => Promise<{ jobId: string }>): Promise<JobResult> {
  const results = new Map<string, JobResult>();
  let waiting: { jobId: string; resolve: (r: JobResult) => void } | null = null;
  const off = api.jobs.onFinished((r) => {
    results.set(r.jobId, r);
    if (waiting?.jobId === r.jobId) waiting.resolve(r);
  });
  const { jobId } = await start();
  return new Promise<JobResult>((resolve) => {
    const early = results.get(jobId);
    if (early) resolve(early);
    else waiting = { jobId, resolve };
  }).finally(off);
}

/** Makes the open (empty, detection) project the shapes project: its classes, images and labels. */
export async function labelShapes(studio: Studio, api: StudioApi): Promise<ShapesProject> {
  for (const name of SHAPE_CLASSES) await api.classes.create({ name });
  const imported = await finished(api, () => api.imports.start({ paths: SHAPE_IMAGES.map((f) => path.join(MODELS_DIR, 'images', f)) }));
  expect(imported.status).toBe('ok');
  const ids = Object.fromEntries((await api.images.list({})).items.map((i) => [i.name, i.id]));
  const classes = Object.fromEntries((await api.classes.list()).map((c) => [c.name, c.id]));
  for (const change of labelingChanges(ids, classes)) await api.annotations.apply(change);
  return {
    ids,
    classes,
    addRun: (options) => {
      const project = studio.session.require();
      return addRun(project.store, project.media, options);
    },
  };
}

export async function shapesStudio(): Promise<OpenStudio & ShapesProject> {
  const s = await openStudio({ task: 'detect' });
  return { ...s, ...(await labelShapes(s.studio, s.api)) };
}

/** Starts an evaluation and waits for its job's result; a failed job throws its error. */
export async function evaluate(api: StudioApi, request: Parameters<StudioApi['evaluation']['start']>[0]): Promise<Extract<JobResult, { kind: 'evaluate' }>> {
  const result = await finished(api, () => api.evaluation.start(request));
  if (result.status === 'failed') throw Object.assign(new Error(result.error.message), { code: result.error.code });
  expect(result.kind).toBe('evaluate');
  return result as Extract<JobResult, { kind: 'evaluate' }>;
}

export function evaluationId(report: EvaluationReport): string {
  expect(report.evaluationId).toEqual(expect.any(String));
  return report.evaluationId!;
}
