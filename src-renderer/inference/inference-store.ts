/**
 * The Models tab: which model is loaded (a run's export, an .onnx file, or pretrained weights
 * from the studio's library, with which of their classes auto-label keeps), what it predicted on a few images (raw candidates kept,
 * so the confidence and IoU sliders re-filter at once with `filterDetections`, never asking main
 * to run the model again), the ground truth beside it, auto-label, and the review queue.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import { classMapOf, initialMapping, type ClassMappingRow } from './class-mapping.js';
import { filterDetections, type Annotation, type Detection, type ExternalFolder, type ImagePrediction, type ImageRecord, type ModelInfo, type ReviewItem, type RunSummary, type StudioApi } from '@shared';

/**
 * A model named by a training run (its exported ONNX), by an .onnx file's path, or by the name of
 * weights in the studio's library (exported to ONNX once, when first loaded).
 */
export type ModelSource = { runId: string } | { modelPath: string } | { weights: string };

export type InferenceApi = {
  inference: Pick<StudioApi['inference'], 'loadModel' | 'predict' | 'autolabel' | 'openFolder'>;
  suggestions: Pick<StudioApi['suggestions'], 'reviewQueue'>;
  images: Pick<StudioApi['images'], 'list'>;
  annotations: Pick<StudioApi['annotations'], 'forImage'>;
  training: Pick<StudioApi['training'], 'list'>;
};

export interface InferenceDeps {
  /** The open project's class names, for the class mapping's first choices. */
  projectClasses(): readonly string[];
}

/** How many images the preview strip offers. */
const STRIP_SIZE = 24;

/** A previewed image: the project's (`img:42`) or a file outside it (`file:<token>`). */
export type PreviewKey = `img:${number}` | `file:${string}`;
const projectKey = (imageId: number): PreviewKey => `img:${imageId}`;
const fileKey = (token: string): PreviewKey => `file:${token}`;

export interface InferenceState {
  runs: RunSummary[];
  source: ModelSource | null;
  model: ModelInfo | null;
  loadingModel: boolean;
  strip: ImageRecord[];
  selected: number[];
  /** A folder outside the project, opened to preview the model on new images. */
  folder: ExternalFolder | null;
  openingFolder: boolean;
  /** Tokens of the folder's images chosen for the preview. */
  selectedFiles: string[];
  /** What predict returned, candidates included, in the order asked. */
  predictions: Map<PreviewKey, ImagePrediction>;
  /** The predictions re-filtered for `conf` and `iou`. */
  detections: Map<PreviewKey, Detection[]>;
  /** The project's annotations of the previewed project images. */
  groundTruth: Map<PreviewKey, Annotation[]>;
  predicting: boolean;
  conf: number;
  iou: number;
  /** Library weights only: which model classes auto-label keeps, as which project class. */
  mapping: ClassMappingRow[];
  queue: ReviewItem[];
  queueTotal: number;
  lastJobId: string | null;
  error: string | null;

  /** Completed runs and the preview strip. */
  refresh(): Promise<void>;
  loadModel(source: ModelSource): Promise<ModelInfo | null>;
  toggleImage(imageId: number): void;
  /** Lists a folder's images (outside the project) for the preview. */
  openFolder(dir: string): Promise<void>;
  toggleFile(token: string): void;
  /** Predicts on the chosen project images and folder images. */
  predict(): Promise<void>;
  setConf(conf: number): void;
  setIou(iou: number): void;
  setKeep(modelName: string, keep: boolean): void;
  setTarget(modelName: string, target: string): void;
  keepNone(): void;
  /** Starts auto-label over the unlabeled images (library weights: the kept classes only); the job id, or null. */
  autolabel(): Promise<string | null>;
  loadQueue(): Promise<void>;
}

function refilter(predictions: Map<PreviewKey, ImagePrediction>, conf: number, iou: number): Map<PreviewKey, Detection[]> {
  const out = new Map<PreviewKey, Detection[]>();
  for (const [id, p] of predictions) out.set(id, p.candidates ? filterDetections(p.candidates, { conf, iou }) : (p.detections ?? []));
  return out;
}

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

function loadModelRequest(source: ModelSource) {
  if ('runId' in source) return { runId: source.runId };
  if ('weights' in source) return { weights: source.weights };
  return { path: source.modelPath };
}

const NO_CLASSES: InferenceDeps = { projectClasses: () => [] };

export function createInferenceStore(api: InferenceApi, deps: InferenceDeps = NO_CLASSES): StoreApi<InferenceState> {
  const updateRow = (rows: ClassMappingRow[], modelName: string, change: Partial<ClassMappingRow>) => rows.map((r) => (r.modelName === modelName ? { ...r, ...change } : r));
  return createStore<InferenceState>()((set, get) => ({
    runs: [],
    source: null,
    model: null,
    loadingModel: false,
    strip: [],
    selected: [],
    folder: null,
    openingFolder: false,
    selectedFiles: [],
    predictions: new Map(),
    detections: new Map(),
    groundTruth: new Map(),
    predicting: false,
    conf: 0.25,
    iou: 0.7,
    mapping: [],
    queue: [],
    queueTotal: 0,
    lastJobId: null,
    error: null,

    async refresh() {
      try {
        const [runs, page] = await Promise.all([api.training.list(), api.images.list({ offset: 0, limit: STRIP_SIZE })]);
        const strip = page.items.slice(0, STRIP_SIZE);
        const ids = new Set(strip.map((i) => i.id));
        set({ runs: runs.filter((r) => r.status === 'completed'), strip, selected: get().selected.filter((id) => ids.has(id)) });
      } catch (err) {
        set({ error: message(err) });
      }
    },

    async loadModel(source) {
      set({ source, loadingModel: true, error: null, model: null, mapping: [], predictions: new Map(), detections: new Map() });
      try {
        const model = await api.inference.loadModel(loadModelRequest(source));
        if (get().source === source) set({ model, mapping: 'weights' in source ? initialMapping(model.names, deps.projectClasses()) : [] });
        return model;
      } catch (err) {
        if (get().source === source) set({ error: message(err) });
        return null;
      } finally {
        if (get().source === source) set({ loadingModel: false });
      }
    },

    toggleImage(imageId) {
      const { selected } = get();
      set({ selected: selected.includes(imageId) ? selected.filter((id) => id !== imageId) : [...selected, imageId] });
    },

    async openFolder(dir) {
      set({ openingFolder: true, error: null });
      try {
        const folder = await api.inference.openFolder({ dir });
        // The first few are chosen, so one click on Predict shows something.
        set({ folder, selectedFiles: folder.images.slice(0, 4).map((i) => i.token) });
        if (folder.images.length === 0) set({ error: `There are no images in ${folder.dir}.` });
      } catch (err) {
        set({ error: message(err) });
      } finally {
        set({ openingFolder: false });
      }
    },

    toggleFile(token) {
      const { selectedFiles } = get();
      set({ selectedFiles: selectedFiles.includes(token) ? selectedFiles.filter((t) => t !== token) : [...selectedFiles, token] });
    },

    async predict() {
      const { source, selected, selectedFiles, folder, conf, iou } = get();
      const files = (folder?.images ?? []).filter((i) => selectedFiles.includes(i.token));
      if (!source || (selected.length === 0 && files.length === 0)) return;
      set({ predicting: true, error: null });
      try {
        const [onProject, onFiles, truths] = await Promise.all([
          selected.length ? api.inference.predict({ ...source, imageIds: selected, conf, iou, candidates: true }) : null,
          files.length ? api.inference.predict({ ...source, paths: files.map((f) => f.path), conf, iou, candidates: true }) : null,
          Promise.all(selected.map(async (imageId) => [projectKey(imageId), await api.annotations.forImage({ imageId })] as const)),
        ]);
        if (get().source !== source) return;
        const predictions = new Map<PreviewKey, ImagePrediction>();
        for (const p of onProject?.images ?? []) if (p.imageId !== undefined) predictions.set(projectKey(p.imageId), p);
        // Predict answers in the order asked.
        (onFiles?.images ?? []).forEach((p, i) => predictions.set(fileKey(files[i].token), p));
        // Candidates are kept above the floor only; refilter at the sliders' values now.
        const now = get();
        const model = onProject?.model ?? onFiles?.model ?? now.model;
        set({ model, predictions, detections: refilter(predictions, now.conf, now.iou), groundTruth: new Map(truths) });
      } catch (err) {
        set({ error: message(err) });
      } finally {
        set({ predicting: false });
      }
    },

    setConf(conf) {
      set({ conf, detections: refilter(get().predictions, conf, get().iou) });
    },

    setIou(iou) {
      set({ iou, detections: refilter(get().predictions, get().conf, iou) });
    },

    setKeep(modelName, keep) {
      set({ mapping: updateRow(get().mapping, modelName, { keep }) });
    },

    setTarget(modelName, target) {
      set({ mapping: updateRow(get().mapping, modelName, { target }) });
    },

    keepNone() {
      set({ mapping: get().mapping.map((r) => ({ ...r, keep: false })) });
    },

    async autolabel() {
      const { source, conf, iou, mapping } = get();
      if (!source) return null;
      set({ error: null });
      try {
        const classMap = 'weights' in source ? { classMap: classMapOf(mapping) } : {};
        const { jobId } = await api.inference.autolabel({ ...source, conf, iou, ...classMap });
        set({ lastJobId: jobId });
        return jobId;
      } catch (err) {
        set({ error: message(err) });
        return null;
      }
    },

    async loadQueue() {
      try {
        const queue = await api.suggestions.reviewQueue({ limit: 100 });
        set({ queue: queue.items, queueTotal: queue.total });
      } catch (err) {
        set({ error: message(err) });
      }
    },
  }));
}
