
/**
 * The studio's domain model as every side sees it. Geometry is always in image pixels of the
 * image as displayed (EXIF orientation applied), with the origin at the top-left corner.
 */

export type TaskType = 'detect' | 'classify';
export type ImageStatus = 'new' | 'in_progress' | 'done' | 'review';
export type Split = 'train' | 'val' | 'test';
export type AnnotationSource = 'manual' | 'import' | 'model';

export const IMAGE_STATUSES: readonly ImageStatus[] = ['new', 'in_progress', 'done', 'review'];
export const SPLITS: readonly Split[] = ['train', 'val', 'test'];

export interface ProjectInfo {
  /** Absolute path of the project folder. */
  dir: string;
  name: string;
  task: TaskType;
  /** Classification only: several tags per image. */
  multiLabel: boolean;
  createdAt: string;
  schemaVersion: number;
}

export interface RecentProject {
  dir: string;
  name: string;
  task: TaskType;
  openedAt: string;
}

export interface ClassDef {
  id: number;
  name: string;
  /** `#rrggbb` */
  color: string;
  order: number;
}

export interface ImageRecord {
  id: number;
  /** sha256 of the file's bytes: the image's identity in the media store. */
  hash: string;
  /** The file name it was imported from. */
  name: string;
  originalPath: string;
  format: string;
  width: number;
  height: number;
  bytes: number;
  status: ImageStatus;
  split: Split | null;
  splitPinned: boolean;
  annotationCount: number;
  createdAt: string;
}

export interface BoxAnnotation {
  id: string;
  imageId: number;
  classId: number;
  kind: 'box';
  /** Top-left corner and size, in image pixels. */
  x: number;
  y: number;
  w: number;
  h: number;
  source: AnnotationSource;
}

interface TagAnnotation {
  id: string;
  imageId: number;
  classId: number;
  kind: 'tag';
  source: AnnotationSource;
}

export type Annotation = BoxAnnotation | TagAnnotation;

export type ImageFilter =
  | { kind: 'all' }
  | { kind: 'unlabeled' }
  | { kind: 'labeled' }
  | { kind: 'class'; classId: number }
  | { kind: 'status'; status: ImageStatus };

export interface ImagePage {
  total: number;
  offset: number;
  items: ImageRecord[];
}

export interface ImageCounts {
  all: number;
  unlabeled: number;
  labeled: number;
  byStatus: Record<ImageStatus, number>;
  /** Images that hold at least one annotation of the class, by class id. */
  byClass: Record<number, number>;
}

export type ImportFormat = 'auto' | 'images' | 'yolo' | 'coco' | 'folders';
export type ExportFormat = 'yolo' | 'coco' | 'folders';

export interface ImportFailure {
  path: string;
  reason: string;
}

export interface ImportReport {
  format: Exclude<ImportFormat, 'auto'>;
  imported: number;
  duplicates: number;
  failed: ImportFailure[];
  /** Files in dropped folders that are not images (by extension), left alone. */
  skipped: number;
  /**
   * Images left out because they lie outside the dataset's folder (a YAML's `path: ../..`, an
   * absolute COCO `file_name`, a link out), each also in `failed`. Starting the import again
   * with `allowOutside` takes them too.
   */
  outside?: number;
  annotations: number;
  classesCreated: string[];
  cancelled: boolean;
  durationMs: number;
}

export interface ExportReport {
  format: ExportFormat;
  outDir: string;
  images: number;
  annotations: number;
  perSplit: Record<Split, number>;
  /** Images left out because nobody labeled them yet (no annotation, not marked done). */
  skippedUnlabeled: number;
  durationMs: number;
}

interface ClassStats {
  classId: number;
  name: string;
  images: number;
  annotations: number;
}

export interface DatasetStats {
  images: number;
  labeled: number;
  unlabeled: number;
  annotations: number;
  perClass: ClassStats[];
  perSplit: Record<Split | 'unassigned', number>;
  imageSizes: {
    minWidth: number;
    maxWidth: number;
    minHeight: number;
    maxHeight: number;
    /** The most common sizes, most frequent first. */
    common: { width: number; height: number; count: number }[];
  };
}

export interface AppInfo {
  version: string;
  mode: 'desktop' | 'serve' | 'cli';
  platform: string;
  /** True where the host can show native file dialogs (the desktop app). */
  nativeDialogs: boolean;
  /** True where dropped files must be uploaded (a browser talking to `reticle serve`). */
  uploadsDroppedFiles: boolean;
}

/** A box or tag as the labeler creates it: the id is made by the client, so undo can name it. */
export type NewAnnotationData =
  | { id: string; classId: number; kind: 'box'; x: number; y: number; w: number; h: number; source?: AnnotationSource }
  | { id: string; classId: number; kind: 'tag'; source?: AnnotationSource };

/**
 * One edit of an image's annotations. A gesture (draw, move, resize, delete, change class)
 * becomes a list of these; undo applies the inverse list. Applied atomically per call.
 */
export type AnnotationChange =
  | { op: 'create'; annotation: NewAnnotationData }
  | { op: 'update'; id: string; patch: { classId?: number; x?: number; y?: number; w?: number; h?: number } }
  | { op: 'delete'; id: string };

export interface AnnotationApplyResult {
  imageId: number;
  /** The image's annotations after the change, as stored (boxes clamped to the image). */
  annotations: Annotation[];
  status: ImageStatus;
}

/** What deleting or merging a class would touch. */
export interface ClassImpact {
  classId: number;
  annotations: number;
  images: number;
}

export interface SplitSettings {
  /** train, val, test */
  ratios: [number, number, number];
  seed: number;
}

export interface SplitSummary {
  settings: SplitSettings;
  counts: Record<Split | 'unassigned', number>;
  pinned: number;
  /** Annotations per class in each split, to judge the stratification. */
  perClass: { classId: number; name: string; train: number; val: number; test: number }[];
}

export interface Histogram {
  /** Bin edges, one more than counts. */
  edges: number[];
  counts: number[];
}

export type HealthProblemKind = 'tiny_box' | 'degenerate_box' | 'out_of_bounds_box' | 'near_duplicate';

export interface HealthProblem {
  kind: HealthProblemKind;
  imageId: number;
  annotationId?: string;
  /** The other image, for near duplicates. */
  otherImageId?: number;
  detail: string;
}

export interface DatasetHealth {
  images: number;
  classDistribution: { classId: number; name: string; color: string; annotations: number; images: number }[];
  boxesPerImage: Histogram;
  /** Box width and height as fractions of the image's. */
  boxWidth: Histogram;
  boxHeight: Histogram;
  /** log2(width / height): 0 is square, ±1 twice as wide or tall. */
  boxAspect: Histogram;
  imageSizes: { width: number; height: number; count: number }[];
  unlabeledImages: number;
  /** Marked done with no annotation: true negatives. */
  emptyImages: number;
  problemCounts: Record<HealthProblemKind, number>;
  /** The first problems of each kind (at most 200 each). */
  problems: HealthProblem[];
}
