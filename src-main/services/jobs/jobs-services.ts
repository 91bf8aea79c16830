/** The contract's `jobs` domain: the open project's jobs and the studio's own, listed and cancelled alike. */
import type { StudioServices } from '@shared';
import type { JobRunner } from './job-runner.js';

interface JobsServicesDeps {
  /** The open project's jobs (import, export, auto-label, backup, sync). */
  jobs: JobRunner;
  /** Jobs that outlive the open project (the runtime install, restores). */
  studioJobs: JobRunner;
}

export function createJobsServices(deps: JobsServicesDeps): Pick<StudioServices, 'jobs'> {
  return {
    jobs: {
      list: () => [...deps.jobs.list(), ...deps.studioJobs.list()],
      cancel: ({ jobId }) => ({ cancelled: deps.jobs.cancel(jobId) || deps.studioJobs.cancel(jobId) }),
    },
  };
}
