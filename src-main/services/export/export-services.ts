/** The contract's `exports` domain: an export of the open project's dataset is a job. */
import type { StudioServices } from '@shared';
import type { ProjectSession } from '../project/project-session.js';
import type { JobRunner } from '../jobs/job-runner.js';
import { exportDataset } from './export-dataset.js';

interface ExportServicesDeps {
  session: ProjectSession;
  jobs: JobRunner;
}

export function createExportServices(deps: ExportServicesDeps): Pick<StudioServices, 'exports'> {
  return {
    exports: {
      start: (request) => {
        const project = deps.session.require();
        const { jobId } = deps.jobs.start('export', (job) =>
          exportDataset(project.store, project.media, request, {
            signal: job.signal,
            onProgress: (done, total) => job.progress({ phase: 'working', done, total }),
          }),
        );
        return { jobId };
      },
    },
  };
}
