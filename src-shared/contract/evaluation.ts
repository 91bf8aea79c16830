/** The evaluation domain of the contract: a run's figures on the project's labeled images, and the label errors it finds. */
import * as E from '../evaluation.js';
import type { Evaluation, FindingPage } from '../evaluation.js';
import type { SuggestionsWritten } from '../evaluation.js';
import { method, returns } from './define.js';

export const evaluationContract = {
  evaluation: {
    /**
     * Evaluates a run (and another to compare with) on a split of its frozen dataset or on chosen
     * images, exporting its ONNX model first if it has none. Progress and the report come as
     * `jobs` events; the figures are kept, the latest per run, with their findings.
     */
    start: method(E.EvaluationStartInput, returns<{ jobId: string }>()),
    /** A kept evaluation, whole. */
    get: method(E.EvaluationIdInput, returns<Evaluation>()),
    /** The run's latest evaluation, or null. */
    latest: method(E.EvaluationLatestInput, returns<Evaluation | null>()),
    /** An evaluation's likely label errors, most likely first; ignored ones left out unless asked for. */
    findings: method(E.FindingListInput, returns<FindingPage>()),
    /** Ignores findings (or takes that back); an ignored finding stays ignored when the run is evaluated again. */
    ignore: method(E.FindingIgnoreInput, returns<{ changed: number }>()),
    /**
     * Writes the model's boxes (or class) for a finding's image as that image's suggestions,
     * replacing its pending ones, so the labeler shows them to accept or reject.
     */
    suggest: method(E.FindingSuggestInput, returns<SuggestionsWritten>()),
  },
} as const;
