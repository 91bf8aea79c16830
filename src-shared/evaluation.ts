/**
 * Evaluating a training run on the project's own labeled images, as the contract sees it: what to
 * evaluate (a run, a split of its frozen dataset or chosen images, another run to compare with),
 * the figures (Ultralytics' way: per-class precision, recall, AP50 and AP50-95, PR and
 * F1-confidence curves, the confusion matrix; top-1/top-5 for classifiers), and the findings: the
 * images where the model confidently disagrees with the labels, ranked, each of which a user can
 * open in the labeler or ignore for good.
 *
 * Geometry is in pixels of the image as displayed, like annotations.
 */
import { z } from 'zod';
import type { Split } from './domain.js';
import { RunIdSchema } from './training.js';

const Probability = z.number().min(0).max(1);
const EvaluationIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'an evaluation id is letters, digits, _ or -');
const FindingIdSchema = z.string().min(1).max(200);

/** How sure the model must be before a disagreement with the labels is worth a look. */
export const FindingThresholdsSchema = z.object({
  /** A box nobody drew, or a label of another class, is a finding from this confidence up. */
  minConfidence: Probability.default(0.5),
  /** A drawn box is missed when no prediction from this confidence up overlaps it by `matchIou`. */
  missConfidence: Probability.default(0.25),
  /** A prediction overlapping every label by less than this found a box nobody drew. */
  extraMaxIou: Probability.default(0.2),
  /** The overlap at which a prediction and a label are the same object. */
  matchIou: Probability.default(0.5),
});
export type FindingThresholds = z.output<typeof FindingThresholdsSchema>;

export const EvaluationStartInput = z
  .object({
    runId: RunIdSchema,
    /** Another run evaluated on the same images and the same labels, for side by side figures. */
    compareRunId: RunIdSchema.optional(),
    /** Which images of the run's frozen dataset; left out: test, else val when the run has no test images. */
    split: z.enum(['test', 'val', 'train']).optional(),
    /** These images instead of a split. */
    imageIds: z.array(z.number().int().positive()).min(1).max(100_000).optional(),
    thresholds: FindingThresholdsSchema.default(FindingThresholdsSchema.parse({})),
  })
  .refine((v) => !(v.split && v.imageIds), 'name a split or image ids, not both')
  .refine((v) => v.compareRunId !== v.runId, 'compare a run with another run');

export const EvaluationIdInput = z.object({ evaluationId: EvaluationIdSchema });
export const EvaluationLatestInput = z.object({ runId: RunIdSchema });

export const FINDING_KINDS = ['extra', 'missed', 'class'] as const;
/**
 * - `extra`: the model confidently finds a box nobody drew.
 * - `missed`: a drawn box the model does not find.
 * - `class`: the model sees the labeled object (or image) as another class.
 */
export type FindingKind = (typeof FINDING_KINDS)[number];

export const FindingListInput = z.object({
  evaluationId: EvaluationIdSchema,
  kinds: z.array(z.enum(FINDING_KINDS)).min(1).optional(),
  /** Ignored findings are left out unless asked for. */
  includeIgnored: z.boolean().default(false),
  limit: z.number().int().min(1).max(1000).default(60),
  offset: z.number().int().min(0).default(0),
});

export const FindingIgnoreInput = z.object({
  evaluationId: EvaluationIdSchema,
  findingIds: z.array(FindingIdSchema).min(1).max(10_000),
  /** False takes an ignore back. */
  ignored: z.boolean().default(true),
});

export const FindingSuggestInput = z.object({ evaluationId: EvaluationIdSchema, findingId: FindingIdSchema });

// --- results ---------------------------------------------------------------------------------

export interface ClassEvaluation {
  classId: number;
  name: string;
  /** Images with at least one label of the class. */
  images: number;
  /** Labels of the class. */
  instances: number;
  /** At the confidence where the mean F1 over classes is best (Ultralytics' choice). */
  precision: number;
  recall: number;
  f1: number;
  ap50: number;
  ap50_95: number;
}

/** A family of curves over one x axis: the mean over classes, and one per class (left out above 100 classes). */
export interface CurveSet {
  all: number[];
  perClass: { classId: number; values: number[] }[];
}

export interface DetectionEvaluation {
  task: 'detect';
  /** Means over the classes that have labels. */
  precision: number;
  recall: number;
  f1: number;
  map50: number;
  map50_95: number;
  /** The confidence threshold with the best mean F1 (smoothed, as Ultralytics picks it). */
  bestConfidence: number;
  perClass: ClassEvaluation[];
  /** Precision against recall at IoU 0.5 (the envelope AP50 integrates), recall from 0 to 1. */
  pr: { recall: number[]; precision: CurveSet };
  /** F1, precision and recall against the confidence threshold, from 0 to 1. */
  byConfidence: { confidence: number[]; f1: CurveSet; precision: CurveSet; recall: CurveSet };
  /** Rows predicted, columns true, "background" last (conf > 0.25, IoU > 0.45); null above 300 classes. */
  confusion: { names: string[]; matrix: number[][] } | null;
}

export interface ClassificationEvaluation {
  task: 'classify';
  top1: number;
  top5: number;
  /** Precision and recall of top-1 per class; AP is not defined here (0). */
  perClass: ClassEvaluation[];
  /** Rows predicted (top-1), columns true. */
  confusion: { names: string[]; matrix: number[][] } | null;
}

export interface RunEvaluation {
  runId: string;
  runName: string;
  /** The ONNX model predicted with, and its id (suggestions name the model by it). */
  modelPath: string;
  modelId: string;
  metrics: DetectionEvaluation | ClassificationEvaluation;
  /** Model classes the project lacks: their predictions were left out. */
  unmatched: string[];
  /** Images that could not be predicted on. */
  failed: { imageId: number; reason: string }[];
}

export interface EvaluationSummary {
  id: string;
  createdAt: string;
  runId: string;
  compareRunId: string | null;
  /** The split evaluated on; null for chosen images. */
  split: Split | null;
  /** Where the images came from: the run's frozen dataset, the project's split (a run without a snapshot), or chosen ids. */
  imageSource: 'run' | 'project' | 'chosen';
  images: number;
  thresholds: FindingThresholds;
  findings: Record<FindingKind, number>;
}

export interface Evaluation extends EvaluationSummary {
  /** The frozen images: the ids evaluated on, with the labels they had at `createdAt`. */
  imageIds: number[];
  primary: RunEvaluation;
  compare: RunEvaluation | null;
}

export interface EvaluationBox {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface Finding {
  /** Stable across re-evaluations of the same run: kind, image, class and the box rounded to pixels. */
  id: string;
  imageId: number;
  imageName: string;
  width: number;
  height: number;
  kind: FindingKind;
  /** What the ranking is by, 0 to 1: the confidence; for a missed box its size and how little anything overlaps it. */
  score: number;
  /** The model's confidence in `predicted` (null for a missed box). */
  confidence: number | null;
  /** The model's box and class (its top class for a classifier); null for a missed box. */
  predicted: (Partial<EvaluationBox> & { classId: number; className: string }) | null;
  /** The drawn box or tag the finding is about; null for a box nobody drew. */
  label: (Partial<EvaluationBox> & { classId: number; className: string }) | null;
  /** The best overlap of `predicted` with any label, or of `label` with any confident prediction. */
  iou: number | null;
  ignored: boolean;
}

export interface FindingPage {
  total: number;
  /** Findings of these kinds that were ignored (left out unless `includeIgnored`). */
  ignored: number;
  offset: number;
  items: Finding[];
}

export interface EvaluationReport {
  /** Null when cancelled: nothing is kept then. */
  evaluationId: string | null;
  runId: string;
  compareRunId: string | null;
  split: Split | null;
  images: number;
  findings: number;
  /** The run's ONNX model had to be exported first. */
  exported: boolean;
  durationMs: number;
  cancelled: boolean;
}

export interface SuggestionsWritten {
  imageId: number;
  /** Suggestions now pending on the image. */
  suggestions: number;
}
