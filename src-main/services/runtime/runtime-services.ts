/**
 * The contract's `runtime` domain: find, check and install the Python runtime. An install is a
 * job of the studio's, not of the open project's: opening another project does not cancel it.
 */
import type { StudioServices } from '@shared';
import type { JobRunner } from '../jobs/job-runner.js';
import type { RuntimeManager } from './runtime-manager.js';

interface RuntimeServicesDeps {
  runtime: RuntimeManager;
  studioJobs: JobRunner;
}

export function createRuntimeServices(deps: RuntimeServicesDeps): Pick<StudioServices, 'runtime'> {
  return {
    runtime: {
      check: ({ python }) => deps.runtime.check(python),
      configure: ({ python }) => deps.runtime.configure(python),
      install: (request) => {
        const { jobId } = deps.studioJobs.start('runtime', (job) => deps.runtime.install(request, job));
        return { jobId };
      },
    },
  };
}
