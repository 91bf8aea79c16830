/** What every `reticle` command shares: argument parsing, a studio to talk to, output. */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { JobProgress, JobResult, StudioApi } from '@shared';
import { createStudio, type Studio } from '../studio.js';
import { createDirectClient } from '../transports/direct.js';
import type { ProgressLine } from './output.js';

export type Flags = Record<string, string | boolean | string[] | undefined>;

/** A command line that does not make sense: usage on stderr, exit status 2. */
export class UsageError extends Error {}

export function parse(argv: string[], options: ParseArgsConfig['options']): { positionals: string[]; values: Flags } {
  try {
    const { positionals, values } = parseArgs({ args: argv, options: { ...options, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
    return { positionals, values: values as Flags };
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

/**
 * Results of jobs that ended before their command started waiting: a job that fails at once (a
 * format that does not fit the project) can finish before `start` has even answered, and its
 * event would be missed, leaving the command with nothing to wait for (Node's exit 13, silent).
 */
const finishedEarly = new WeakMap<StudioApi, Map<string, JobResult>>();

export async function withStudio<T>(fn: (api: StudioApi, studio: Studio) => Promise<T>): Promise<T> {
  const studio = createStudio({ mode: 'cli' });
  const api = createDirectClient(studio.host);
  const results = new Map<string, JobResult>();
  finishedEarly.set(api, results);
  const offFinished = api.jobs.onFinished((r) => results.set(r.jobId, r));
  try {
    return await fn(api, studio);
  } finally {
    offFinished();
    await studio.dispose();
  }
}

/**
 * Waits for a job's result; Ctrl-C cancels the job and still prints what was done. `show` says
 * how a progress event is shown (a progress bar by default).
 */
export function waitForJob(api: StudioApi, jobId: string, progress: ProgressLine, show: (p: JobProgress) => void = (p) => progress.update(p)): Promise<JobResult> {
  const early = finishedEarly.get(api)?.get(jobId);
  if (early) {
    progress.done();
    return Promise.resolve(early);
  }
  return new Promise((resolve) => {
    const offProgress = api.jobs.onProgress((p) => p.jobId === jobId && show(p));
    const onSigint = () => {
      progress.note('cancelling…');
      void api.jobs.cancel({ jobId });
    };
    process.once('SIGINT', onSigint);
    const offFinished = api.jobs.onFinished((r) => {
      if (r.jobId !== jobId) return;
      offProgress();
      offFinished();
      process.off('SIGINT', onSigint);
      progress.done();
      resolve(r);
    });
  });
}

/** A `--name` flag that is a number from 0 to 1 (a confidence, an IoU); undefined when not given. */
export function probability(values: Flags, name: string): number | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0 || n > 1) throw new UsageError(`--${name} is a number from 0 to 1`);
  return n;
}

export function print(json: boolean, value: unknown, text: string): void {
  process.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : `${text}\n`);
}

/** `--split 0.8,0.1,0.1`: train, val and optionally test fractions that add up to 1. */
export function parseSplit(text: string): [number, number, number] {
  const parts = text.split(',').map((s) => Number(s.trim()));
  if (parts.length < 2 || parts.length > 3 || parts.some((n) => !Number.isFinite(n) || n < 0 || n > 1)) {
    throw new UsageError('--split is train,val[,test] fractions, such as 0.8,0.1,0.1');
  }
  const [train, val, test = 0] = parts;
  if (Math.abs(train + val + test - 1) > 1e-6) throw new UsageError('--split fractions must add up to 1');
  return [train, val, test];
}
