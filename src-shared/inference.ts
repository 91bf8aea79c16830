/**
 * Inference as the contract sees it: models a user loads (an exported Ultralytics ONNX file, or a
 * training run's), what they predict on the project's images or on files, and the suggestions
 * auto-label stores apart from the ground truth until someone accepts them.
 *
 * Geometry is in pixels of the image as displayed (EXIF orientation applied), like annotations.
 * `filterDetections` is here, pure, so the preview can move its confidence and IoU sliders
 * without asking main to run the model again.
 */
import { z } from 'zod';
import { AbsolutePath } from './schemas.js';
import { RunIdSchema, WeightsNameSchema } from './training.js';
import type { ErrorPayload } from './errors.js';

export const MODEL_FORMATS = ['yolo-detect', 'yolo-end2end', 'yolo-classify'] as const;
export const EXECUTION_PROVIDERS = ['cpu', 'cuda', 'dml', 'coreml'] as const;

/**
 * - `yolo-detect`: YOLOv8/YOLO11 heads, output (1, 4 + classes, anchors); needs NMS.
 * - `yolo-end2end`: YOLO26 and other NMS-free heads, output (1, 300, 6) as x1, y1, x2, y2, conf, class.
 * - `yolo-classify`: classifiers, output (1, classes) of probabilities.
 */
export type ModelFormat = (typeof MODEL_FORMATS)[number];
export type ModelTask = 'detect' | 'classify';
/** Where ONNX Runtime runs the model: the CPU, or CUDA (Linux), DirectML (Windows), Core ML (macOS). */
export type ExecutionProvider = (typeof EXECUTION_PROVIDERS)[number];

/** Candidates below this confidence are never kept: the preview's slider stops here. */
export const CANDIDATE_FLOOR = 0.001;
/** Ultralytics' default cap on detections per image. */
const DEFAULT_MAX_DET = 300;

export interface ClassMappingEntry {
  /** The class's index in the model's outputs. */
  classIndex: number;
  /** The name the model was trained with. */
  modelName: string;
  /** The project's class of the same name; null when the project has none (the UI can offer to create it). */
  classId: number | null;
}

export interface ModelInfo {
  /** The model file's content hash (16 hex digits): suggestions name the model by it. */
  id: string;
  path: string;
  task: ModelTask;
  format: ModelFormat;
  /** Class names by class index, as the model was trained. */
  names: string[];
  /** The input size the model was exported at: [height, width]. */
  imgsz: [number, number];
  /** The execution provider the model runs on. */
  provider: ExecutionProvider;
  /** Providers that were tried first and failed, with why (empty when the first choice worked). */
  providerFallbacks: { provider: ExecutionProvider; reason: string }[];
  /** How the model's classes map to the open project's (all null when no project is open). */
  classMapping: ClassMappingEntry[];
  /** Model class names with no project class of that name. */
  unmatched: string[];
  bytes: number;
  /** Session creation plus one warm-up run. */
  loadMs: number;
}

export interface Detection {
  classIndex: number;
  className: string;
  /** The project's class of that name, or null. */
  classId: number | null;
  confidence: number;
  /** Top-left corner and size, in image pixels, clipped to the image. */
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface Classification {
  classIndex: number;
  className: string;
  classId: number | null;
  /** The class's probability. */
  confidence: number;
}

/**
 * A detector's raw candidates for one image, before the confidence filter and NMS (only those
 * above `floor` are kept). Feed them to `filterDetections` to get what predict would give for
 * any conf ≥ floor and any IoU, without running the model again.
 */
export interface DetectionCandidates {
  /** False for end-to-end models: they need no NMS, only the confidence filter. */
  nms: boolean;
  /** The image's size, for clipping. */
  width: number;
  height: number;
  floor: number;
  maxDet: number;
  names: string[];
  /** The project's class id for each class index (null where none matches). */
  classIds: (number | null)[];
  /**
   * Six numbers per candidate: x1, y1, x2, y2 (image pixels, not clipped), confidence, class
   * index; by confidence, highest first.
   */
  data: number[];
}

export interface PredictTimings {
  /** Reading and decoding the file (EXIF orientation applied). */
  decode: number;
  /** Letterbox or classification resize, and the tensor. */
  preprocess: number;
  /** `session.run` */
  inference: number;
  /** Decoding the outputs, NMS, scaling boxes back. */
  postprocess: number;
}

export interface ImagePrediction {
  /** Set when the image is the project's. */
  imageId?: number;
  /** Set when the image is a file. */
  path?: string;
  /** As displayed; 0 when the image could not be read. */
  width: number;
  height: number;
  /** Detection models: what survived the confidence filter and NMS, by confidence. */
  detections?: Detection[];
  /** Classification models: the top classes, by probability. */
  top?: Classification[];
  /** With `candidates: true`, for detection models. */
  candidates?: DetectionCandidates;
  timings: PredictTimings;
  /** This image could not be used (not decodable, missing); the others still were. */
  error?: ErrorPayload;
}

export interface PredictResult {
  model: ModelInfo;
  images: ImagePrediction[];
}

interface SuggestionBase {
  id: string;
  imageId: number;
  classId: number;
  confidence: number;
  /** The `ModelInfo.id` of the model that made it. */
  modelId: string;
  createdAt: string;
}

/** A model's proposal for an image, kept apart from its annotations until accepted. */
export type Suggestion =
  | (SuggestionBase & { kind: 'box'; x: number; y: number; w: number; h: number })
  | (SuggestionBase & { kind: 'tag' });

export interface AcceptResult {
  /** Which annotation each accepted suggestion became (its id, for the labeler's undo). */
  accepted: { suggestionId: string; annotationId: string; imageId: number }[];
  annotationIds: string[];
}

export interface ReviewItem {
  imageId: number;
  /** The highest confidence among the image's pending suggestions. */
  topConfidence: number;
  suggestions: number;
}

export interface ReviewQueue {
  total: number;
  offset: number;
  /** Least sure first: lowest top confidence. */
  items: ReviewItem[];
}

export interface AutolabelReport {
  modelId: string;
  /** Images predicted on. */
  images: number;
  /** Suggestions stored. */
  suggestions: number;
  /** Images that could not be read. */
  failed: { imageId: number; reason: string }[];
  /** Model classes the project lacks: their predictions were not stored. */
  unmatched: string[];
  /** Classes created for the model's names (with `createClasses`). */
  classesCreated: string[];
  durationMs: number;
  cancelled: boolean;
  /**
   * Where it ran: "cpu (onnxruntime)" for the studio's own inference, "cuda:0 (PyTorch)" when the
   * training runtime had a GPU and the model had PyTorch weights (a run's, or the library's).
   */
  device: string;
}

// --- requests -------------------------------------------------------------------------------

const Probability = z.number().min(0).max(1);
const ImageIds = z.array(z.number().int().positive()).min(1).max(100_000);
const SuggestionIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'a suggestion id is 1 to 64 letters, digits, _ or -');

const modelSource = {
  /** An exported ONNX file. */
  modelPath: AbsolutePath.optional(),
  /** A training run of the open project: its exported best.onnx. */
  runId: RunIdSchema.optional(),
  /**
   * Weights from the studio's library by name (yolo11n.pt, a COCO detector): exported to ONNX
   * once, through the runtime, and the export kept in the library.
   */
  weights: WeightsNameSchema.optional(),
};
const count = (...given: unknown[]) => given.filter((v) => v !== undefined).length;
const oneModel = (v: { modelPath?: string; runId?: string; weights?: string }) => count(v.modelPath, v.runId, v.weights) === 1;
const ONE_MODEL = 'name the model by modelPath, runId or weights (one of them)';

export const LoadModelInput = z
  .object({ path: AbsolutePath.optional(), runId: RunIdSchema.optional(), weights: WeightsNameSchema.optional() })
  .refine((v) => count(v.path, v.runId, v.weights) === 1, 'name the model by path, runId or weights (one of them)');

/**
 * Which of a model's classes auto-label keeps, and as which project class: model name → project
 * class name (made when the project lacks it), or null to ignore it. Names left out are ignored.
 */
export const ClassMapSchema = z
  .record(z.string().min(1).max(200), z.string().trim().min(1).max(100).nullable())
  .refine((m) => Object.keys(m).length <= 10_000, 'at most 10,000 mapped classes');

export const PredictInput = z
  .object({
    ...modelSource,
    /** The project's images. */
    imageIds: z.array(z.number().int().positive()).min(1).max(1000).optional(),
    /** Image files anywhere. */
    paths: z.array(AbsolutePath).min(1).max(1000).optional(),
    conf: Probability.default(0.25),
    iou: Probability.default(0.7),
    maxDet: z.number().int().min(1).max(1000).default(DEFAULT_MAX_DET),
    /** Classification: how many classes to return. */
    topK: z.number().int().min(1).max(100).default(5),
    /** Detection: return the raw candidates too, for instant re-filtering. */
    candidates: z.boolean().default(false),
  })
  .refine(oneModel, ONE_MODEL)
  .refine((v) => (v.imageIds === undefined) !== (v.paths === undefined), 'name the images by imageIds or by paths (one of them)');

export const AutolabelInput = z
  .object({
    ...modelSource,
    /** Left out: every unlabeled image. */
    imageIds: ImageIds.optional(),
    conf: Probability.default(0.25),
    iou: Probability.default(0.7),
    maxDet: z.number().int().min(1).max(1000).default(DEFAULT_MAX_DET),
    /** Create project classes for the model's class names the project lacks (else they are left out). */
    createClasses: z.boolean().default(false),
    /** Keep only these model classes, each as the project class named (see ClassMapSchema). */
    classMap: ClassMapSchema.optional(),
  })
  .refine(oneModel, ONE_MODEL);

export const SuggestionsForImageInput = z.object({ imageId: z.number().int().positive() });
export const SuggestionIdsInput = z.object({ ids: z.array(SuggestionIdSchema).min(1).max(100_000) });
export const AcceptAboveInput = z.object({ imageId: z.number().int().positive(), minConfidence: Probability });
export const ReviewQueueInput = z.object({
  limit: z.number().int().min(1).max(5000).default(100),
  offset: z.number().int().min(0).default(0),
});

/** A folder of images outside the project, to preview a model on. */
export const OpenFolderInput = z.object({ dir: AbsolutePath });

/** An image file outside the project; its `token` names it to the media routes. */
interface ExternalImage {
  token: string;
  /** The file, for predict's `paths`. */
  path: string;
  /** Its path inside the chosen folder. */
  name: string;
}

export interface ExternalFolder {
  dir: string;
  images: ExternalImage[];
  /** More image files were there than one folder offers (1000). */
  truncated: boolean;
}

// --- re-filtering ---------------------------------------------------------------------------

interface FilterOptions {
  /** Keep candidates whose confidence is above this (strictly, as Ultralytics does). */
  conf: number;
  /** NMS: a box whose IoU with a better box of its class is above this is dropped. */
  iou: number;
  maxDet?: number;
  /** NMS across classes rather than within each class. */
  agnostic?: boolean;
}

/** Candidate fields, six per candidate. */
const STRIDE = 6;

/**
 * What predict returns for these thresholds, from the raw candidates: the confidence filter,
 * class-aware NMS (for models that need it), the max_det cap, then boxes clipped to the image.
 * The semantics are Ultralytics' `non_max_suppression` and `scale_boxes`.
 */
export function filterDetections(c: DetectionCandidates, options: FilterOptions): Detection[] {
  const maxDet = Math.min(options.maxDet ?? c.maxDet, c.maxDet);
  const d = c.data;
  const n = Math.floor(d.length / STRIDE);
  const kept: number[] = [];
  if (!c.nms) {
    for (let i = 0; i < n && kept.length < maxDet; i++) if (d[i * STRIDE + 4] > options.conf) kept.push(i);
  } else {
    // Candidates come by confidence, highest first: greedy NMS keeps a box unless a kept one of
    // its class overlaps it by more than the threshold.
    const keptByClass = new Map<number, number[]>();
    for (let i = 0; i < n; i++) {
      const o = i * STRIDE;
      if (!(d[o + 4] > options.conf)) continue;
      const cls = options.agnostic ? -1 : d[o + 5];
      let group = keptByClass.get(cls);
      if (!group) keptByClass.set(cls, (group = []));
      let suppressed = false;
      for (const j of group) {
        if (iou(d, o, j * STRIDE) > options.iou) {
          suppressed = true;
          break;
        }
      }
      if (suppressed) continue;
      group.push(i);
      kept.push(i);
      if (kept.length >= maxDet) break;
    }
  }
  return kept.map((i) => {
    const o = i * STRIDE;
    const x1 = clamp(d[o], 0, c.width);
    const y1 = clamp(d[o + 1], 0, c.height);
    const x2 = clamp(d[o + 2], 0, c.width);
    const y2 = clamp(d[o + 3], 0, c.height);
    const classIndex = d[o + 5];
    return {
      classIndex,
      className: c.names[classIndex] ?? `class ${classIndex}`,
      classId: c.classIds[classIndex] ?? null,
      confidence: d[o + 4],
      x: x1,
      y: y1,
      w: x2 - x1,
      h: y2 - y1,
    };
  });
}

function iou(d: readonly number[], a: number, b: number): number {
  const w = Math.min(d[a + 2], d[b + 2]) - Math.max(d[a], d[b]);
  const h = Math.min(d[a + 3], d[b + 3]) - Math.max(d[a + 1], d[b + 1]);
  if (w <= 0 || h <= 0) return 0;
  const inter = w * h;
  const areaA = (d[a + 2] - d[a]) * (d[a + 3] - d[a + 1]);
  const areaB = (d[b + 2] - d[b]) * (d[b + 3] - d[b + 1]);
  return inter / (areaA + areaB - inter);
}

function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}
