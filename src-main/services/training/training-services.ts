/**
 * The contract's `training` domain, on the open project's supervisor. Its events (`onStatus`,
 * `onEpoch`, `onProgress`) come from the supervisor as runs move on.
 */
import type { StudioServices } from '@shared';
import type { ProjectTraining } from './project-training.js';

interface TrainingServicesDeps {
  training: ProjectTraining;
}

export function createTrainingServices(deps: TrainingServicesDeps): Pick<StudioServices, 'training'> {
  const runs = () => deps.training.current();
  return {
    training: {
      start: (spec) => runs().start(spec),
      stop: ({ runId }) => runs().stop(runId),
      resume: ({ runId }) => runs().resume(runId),
      list: () => runs().list(),
      get: ({ runId }) => runs().get(runId),
      exportModel: (request) => runs().exportModel(request),
    },
  };
}
