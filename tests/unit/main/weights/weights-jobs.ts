/** Runs studio jobs to their end in the weights tests, and reads how they ended. */
import type { JobProgress, JobResult, StudioApi, WeightsReport } from '@shared';

/** Runs a weights job and collects its progress. */
export async function job(t: { api: StudioApi }, start: (api: StudioApi) => Promise<{ jobId: string }>): Promise<{ result: JobResult; progress: JobProgress[] }> {
  const progress: JobProgress[] = [];
  let jobId = '';
  const seen: JobResult[] = [];
  // Progress may come before `start` answers: every event is kept, and this job's picked after.
  const offP = t.api.jobs.onProgress((p) => progress.push(p));
  const done = new Promise<JobResult>((resolve) => {
    const off = t.api.jobs.onFinished((r) => {
      seen.push(r);
      if (r.jobId === jobId) {
        off();
        resolve(r);
      }
    });
  });
  jobId = (await start(t.api)).jobId;
  const early = seen.find((r) => r.jobId === jobId);
  const result = early ?? (await done);
  offP();
  return { result, progress: progress.filter((p) => p.jobId === jobId) };
}

export function failure(result: JobResult): { code: string; message: string } {
  if (result.status !== 'failed') throw new Error(`the job ended ${result.status}, not failed`);
  return result.error;
}

export function report(result: JobResult): WeightsReport {
  if (result.status !== 'ok' || result.kind !== 'weights') throw new Error(`the job ended ${result.status}: ${JSON.stringify(result)}`);
  return result.report;
}

