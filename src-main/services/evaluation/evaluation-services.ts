/**
 * The contract's `evaluation` domain: start an evaluation of a run (a job), read what it found,
 * ignore findings, and put a finding's predictions before the labeler as suggestions.
 */
import { StudioError, type Evaluation, type StudioEmitter, type StudioServices } from '@shared';
import type { ProjectStore } from '../store/project-store.js';
import type { NewSuggestion } from '../store/suggestion-repository.js';
import { startEvaluation, type EvaluationJobDeps } from './evaluation-job.js';

interface EvaluationServicesDeps extends EvaluationJobDeps {
  emit: () => StudioEmitter;
}

export function createEvaluationServices(deps: EvaluationServicesDeps): Pick<StudioServices, 'evaluation'> {
  const store = (): ProjectStore => deps.session.require().store;
  const evaluationOf = (id: string): Evaluation => {
    const found = store().evaluations.get(id);
    if (!found) throw new StudioError('not_found', 'This evaluation is no longer kept: the run was evaluated again since. Open its latest evaluation.');
    return found;
  };

  return {
    evaluation: {
      start: (request) => startEvaluation(deps, request),
      get: ({ evaluationId }) => evaluationOf(evaluationId),
      latest: ({ runId }) => store().evaluations.latest(runId) ?? null,
      findings: ({ evaluationId, kinds, includeIgnored, limit, offset }) => store().evaluations.findings(evaluationId, evaluationOf(evaluationId).runId, { kinds, includeIgnored, limit, offset }),
      ignore: ({ evaluationId, findingIds, ignored }) => {
        const { runId } = evaluationOf(evaluationId);
        const known = findingIds.filter((id) => store().evaluations.finding(evaluationId, id));
        return { changed: store().evaluations.setIgnored(runId, known, ignored) };
      },
      suggest: ({ evaluationId, findingId }) => {
        const evaluation = evaluationOf(evaluationId);
        const repo = store().evaluations;
        const finding = repo.finding(evaluationId, findingId);
        if (!finding) throw new StudioError('not_found', 'This evaluation has no such finding.');
        // The same write as auto-label's: the image's pending suggestions become the model's boxes.
        const suggestions: NewSuggestion[] = (repo.predictions(evaluationId, finding.imageId) ?? []).filter((p) => store().classes.exists(p.classId));
        const stored = store().suggestions.replaceForImages(evaluation.primary.modelId, [{ imageId: finding.imageId, suggestions }]);
        deps.emit().suggestions.onChanged({ imageId: finding.imageId });
        return { imageId: finding.imageId, suggestions: stored };
      },
    },
  };
}
