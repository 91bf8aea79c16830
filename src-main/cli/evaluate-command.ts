/**
 * `reticle evaluate DIR RUN`: a run's figures on a split of its frozen dataset (and another run's
 * on the same images), and the likely label errors, through the same contract as the app's
 * Evaluation page. A job with progress on stderr; Ctrl-C cancels it and keeps nothing.
 */
import path from 'node:path';
import { StudioError } from '@shared';
import { UsageError, parse, print, probability, waitForJob, withStudio } from './common.js';
import { ProgressLine } from './output.js';
import { findRun } from './train-commands.js';
import { formatEvaluation } from './evaluation-output.js';

export const EVALUATE_USAGE = `
Evaluation:
  reticle evaluate DIR RUN [--split test|val|train] [--compare RUN2] [--conf 0.5] [--miss-conf 0.25]
                   [--findings 20] [--json]

  evaluate scores a run's ONNX model (exported first if missing) on a split of its frozen dataset
  (default: test, else val): precision, recall, AP50 and AP50-95 per class, or top-1/top-5 for
  classifiers; with --compare, another run on the same images and labels. It lists the likely
  label errors, most likely first: boxes nobody drew (found at --conf or more), drawn boxes not
  found (nothing at --miss-conf or more overlaps them), and class disagreements. Ignored findings
  (on the Evaluation page) are left out. Ctrl-C cancels (exit 130).
`;

export async function cmdEvaluate(argv: string[]): Promise<number> {
  const { positionals, values } = parse(argv, {
    split: { type: 'string' },
    compare: { type: 'string' },
    conf: { type: 'string' },
    'miss-conf': { type: 'string' },
    findings: { type: 'string' },
  });
  const [dir, which] = positionals;
  if (!dir || !which || positionals.length > 2) throw new UsageError('reticle evaluate DIR RUN [--split test|val|train] [--compare RUN2]');
  const split = values.split as string | undefined;
  if (split !== undefined && !['test', 'val', 'train'].includes(split)) throw new UsageError('--split is test, val or train');
  const shown = values.findings === undefined ? 20 : Number(values.findings);
  if (!Number.isInteger(shown) || shown < 0 || shown > 1000) throw new UsageError('--findings is a whole number from 0 to 1000');
  const minConfidence = probability(values, 'conf');
  const missConfidence = probability(values, 'miss-conf');
  const json = Boolean(values.json);

  return withStudio(async (api) => {
    await api.projects.open({ dir: path.resolve(dir) });
    const run = await findRun(api, which);
    const compare = values.compare ? await findRun(api, values.compare as string) : undefined;
    const progress = new ProgressLine('evaluate');
    const { jobId } = await api.evaluation.start({
      runId: run.id,
      compareRunId: compare?.id,
      split: split as 'test' | undefined,
      thresholds: { ...(minConfidence === undefined ? {} : { minConfidence }), ...(missConfidence === undefined ? {} : { missConfidence }) },
    });
    const result = await waitForJob(api, jobId, progress);
    if (result.status === 'failed') throw new StudioError(result.error.code, result.error.message);
    if (result.kind !== 'evaluate') throw new StudioError('internal', 'unexpected job result');
    if (result.status === 'cancelled' || !result.report.evaluationId) {
      print(json, result.report, 'Evaluation cancelled: nothing was kept.');
      return 130;
    }
    const evaluation = await api.evaluation.get({ evaluationId: result.report.evaluationId });
    const page = await api.evaluation.findings({ evaluationId: evaluation.id, limit: Math.max(1, shown) });
    if (shown === 0) page.items = [];
    print(json, { ...evaluation, topFindings: page }, formatEvaluation(evaluation, page));
    return 0;
  });
}
