/**
 * Runs long jobs (import, export) off the call that started them: the caller gets a job id at
 * once, progress and the result arrive as events, and every job can be cancelled.
 */
import { randomUUID } from 'node:crypto';
import { StudioError, toErrorPayload, type JobInfo, type JobKind, type JobProgress, type JobResult } from '@shared';

export interface JobEvents {
  progress(p: JobProgress): void;
  finished(r: JobResult): void;
}

export interface JobHandle {
  signal: AbortSignal;
  progress(p: Omit<JobProgress, 'jobId' | 'kind'>): void;
}

type JobBody = (job: JobHandle) => Promise<Extract<JobResult, { status: 'ok' | 'cancelled' }>['report']>;

interface RunningJob {
  info: JobInfo;
  controller: AbortController;
  done: Promise<JobResult>;
}

export class JobRunner {
  private readonly jobs = new Map<string, RunningJob>();

  constructor(private readonly events: JobEvents) {}

  start(kind: JobKind, body: JobBody): { jobId: string; done: Promise<JobResult> } {
    const jobId = randomUUID();
    const controller = new AbortController();
    const info: JobInfo = { jobId, kind, startedAt: new Date().toISOString(), progress: null };
    const done = (async (): Promise<JobResult> => {
      let result: JobResult;
      try {
        const report = await body({
          signal: controller.signal,
          progress: (p) => {
            info.progress = { ...p, jobId, kind };
            this.events.progress(info.progress);
          },
        });
        const status = (report as { cancelled?: boolean }).cancelled || controller.signal.aborted ? 'cancelled' : 'ok';
        result = { jobId, kind, status, report } as JobResult;
      } catch (err) {
        // A job cancelled before it had a report (an export) ends as failed with code 'cancelled'.
        result = { jobId, kind, status: 'failed', error: toErrorPayload(err) };
      } finally {
        this.jobs.delete(jobId);
      }
      this.events.finished(result);
      return result;
    })();
    this.jobs.set(jobId, { info, controller, done });
    return { jobId, done };
  }

  list(): JobInfo[] {
    return [...this.jobs.values()].map((j) => ({ ...j.info }));
  }

  cancel(jobId: string): boolean {
    const job = this.jobs.get(jobId);
    if (!job) return false;
    job.controller.abort(new StudioError('cancelled', 'Cancelled by the user.'));
    return true;
  }

  /** Cancels every job and waits for each to stop writing. */
  async cancelAll(): Promise<void> {
    const running = [...this.jobs.values()];
    for (const j of running) j.controller.abort(new StudioError('cancelled', 'The project was closed.'));
    await Promise.allSettled(running.map((j) => j.done));
  }

  get busy(): boolean {
    return this.jobs.size > 0;
  }
}
