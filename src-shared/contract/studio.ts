/**
 * The studio's contract: one object that main, preload, renderer and CLI all speak.
 * Add a method here and the type checker lists every side that must follow.
 */
import type {
  AppInfo,
  Annotation,
  AnnotationApplyResult,
  ClassDef,
  ClassImpact,
  DatasetHealth,
  DatasetStats,
  ImageCounts,
  ImagePage,
  ImageRecord,
  ProjectInfo,
  RecentProject,
  SplitSummary,
} from '../domain.js';
import type { JobInfo, JobProgress, JobResult } from '../jobs.js';
import * as S from '../schemas.js';
import * as T from '../training.js';
import type { EpochRecord, RunArtifact, RunDetail, RunSummary, RuntimeStatus, TrainingProgress } from '../training.js';
import * as I from '../inference.js';
import type { AcceptResult, ExternalFolder, ModelInfo, PredictResult, ReviewQueue, Suggestion } from '../inference.js';
import { event, method, returns, type ClientOf, type EmitterOf, type ServicesOf } from './define.js';
import { teamContract } from './team.js';
import { backupContract } from './backup.js';
import { evaluationContract } from './evaluation.js';
import { weightsContract } from './weights.js';

export const studioContract = {
  app: {
    /** What this host is and can do. */
    info: method(S.NoInput, returns<AppInfo>()),
    /** Projects opened before, newest first. */
    recentProjects: method(S.NoInput, returns<RecentProject[]>()),
    /** A native folder picker; null when the user cancels. Desktop only. */
    pickDirectory: method(S.PickDirectoryInput, returns<string | null>()),
  },
  projects: {
    create: method(S.ProjectCreateInput, returns<ProjectInfo>()),
    open: method(S.ProjectOpenInput, returns<ProjectInfo>()),
    close: method(S.NoInput, returns<void>()),
    /** The open project, or null. */
    current: method(S.NoInput, returns<ProjectInfo | null>()),
    onChanged: event<ProjectInfo | null>(),
  },
  images: {
    list: method(S.ImageListInput, returns<ImagePage>()),
    get: method(S.ImageIdInput, returns<ImageRecord>()),
    counts: method(S.NoInput, returns<ImageCounts>()),
    setStatus: method(S.ImageSetStatusInput, returns<{ updated: number }>()),
    /** The next (or previous) image in id order that matches a filter: "next unlabeled". */
    next: method(S.ImageNextInput, returns<ImageRecord | null>()),
    /** Images were added, removed or relabeled: lists and counts are stale. */
    onChanged: event<{ reason: 'import' | 'edit' | 'delete' }>(),
  },
  classes: {
    list: method(S.NoInput, returns<ClassDef[]>()),
    create: method(S.ClassCreateInput, returns<ClassDef>()),
    update: method(S.ClassUpdateInput, returns<ClassDef>()),
    reorder: method(S.ClassReorderInput, returns<ClassDef[]>()),
    /** What deleting or merging this class would touch, to show before the user confirms. */
    impact: method(S.ClassIdInput, returns<ClassImpact>()),
    /** Deletes the class and its annotations. */
    delete: method(S.ClassIdInput, returns<ClassImpact>()),
    /** Moves every annotation of one class to another, then deletes the first. */
    merge: method(S.ClassMergeInput, returns<ClassImpact>()),
    onChanged: event<ClassDef[]>(),
  },
  annotations: {
    forImage: method(S.AnnotationsForImageInput, returns<Annotation[]>()),
    /** Applies one gesture's changes to one image, atomically; committed before it answers. */
    apply: method(S.AnnotationApplyInput, returns<AnnotationApplyResult>()),
    /** Another window or client changed an image's annotations. */
    onChanged: event<{ imageId: number }>(),
  },
  stats: {
    dataset: method(S.NoInput, returns<DatasetStats>()),
    /** The dataset health page: distributions, suspicious boxes, near-duplicate images. */
    health: method(S.NoInput, returns<DatasetHealth>()),
  },
  splits: {
    get: method(S.NoInput, returns<SplitSummary>()),
    /** Recomputes the split of every image that is not pinned, stratified and by seed. */
    apply: method(S.SplitApplyInput, returns<SplitSummary>()),
    /** Pins images to a split (or unpins them with null). */
    pin: method(S.SplitPinInput, returns<SplitSummary>()),
  },
  imports: {
    /** Starts an import job; progress and the report come as `jobs` events. */
    start: method(S.ImportStartInput, returns<{ jobId: string }>()),
  },
  exports: {
    start: method(S.ExportStartInput, returns<{ jobId: string }>()),
  },
  runtime: {
    /** Finds the Python runtime and proves it works (versions, GPUs, a tensor op on each). */
    check: method(T.RuntimeCheckInput, returns<RuntimeStatus>()),
    /** Uses an existing Python that can import ultralytics, or (null) the managed one. */
    configure: method(T.RuntimeConfigureInput, returns<RuntimeStatus>()),
    /** Creates or repairs the managed runtime; progress and the status come as jobs events. */
    install: method(T.RuntimeInstallInput, returns<{ jobId: string }>()),
  },
  training: {
    /** Queues a run: the dataset is frozen into a snapshot now; one GPU run at a time. */
    start: method(T.TrainingStartInput, returns<RunSummary>()),
    /** Ends a run cleanly, with its weights saved (it can be resumed). */
    stop: method(T.RunIdInput, returns<RunSummary>()),
    /** Continues a stopped or interrupted run from its last checkpoint. */
    resume: method(T.RunIdInput, returns<RunSummary>()),
    list: method(S.NoInput, returns<RunSummary[]>()),
    get: method(T.RunIdInput, returns<RunDetail>()),
    /** Exports a run's weights (ONNX always; other formats where their tools are present). */
    exportModel: method(T.ModelExportInput, returns<RunArtifact>()),
    onStatus: event<RunSummary>(),
    onEpoch: event<{ runId: string; epoch: EpochRecord }>(),
    onProgress: event<TrainingProgress>(),
  },
  inference: {
    /**
     * Loads an exported Ultralytics ONNX model (or a run's best.onnx) into the inference worker,
     * runs it once to warm it up, and says what it is and how its classes map to the project's.
     */
    loadModel: method(I.LoadModelInput, returns<ModelInfo>()),
    /** Predicts on project images or image files; per-image failures come back as `error`. */
    predict: method(I.PredictInput, returns<PredictResult>()),
    /** Starts an auto-label job: suggestions for the images (default: the unlabeled ones). */
    autolabel: method(I.AutolabelInput, returns<{ jobId: string }>()),
    /**
     * Lists the images in a folder outside the project for a preview, each with a token the media
     * routes answer (`externalMediaUrl`); predict takes their paths.
     */
    openFolder: method(I.OpenFolderInput, returns<ExternalFolder>()),
  },
  suggestions: {
    /** An image's pending suggestions, by confidence. */
    forImage: method(I.SuggestionsForImageInput, returns<Suggestion[]>()),
    /** Turns suggestions into annotations (source 'model') and deletes them. */
    accept: method(I.SuggestionIdsInput, returns<AcceptResult>()),
    /** Accepts an image's suggestions at or above a confidence. */
    acceptAbove: method(I.AcceptAboveInput, returns<AcceptResult>()),
    reject: method(I.SuggestionIdsInput, returns<{ rejected: number }>()),
    /** Images with pending suggestions, least sure first. */
    reviewQueue: method(I.ReviewQueueInput, returns<ReviewQueue>()),
    /** An image's suggestions were added, accepted or rejected. */
    onChanged: event<{ imageId: number }>(),
  },
  jobs: {
    list: method(S.NoInput, returns<JobInfo[]>()),
    cancel: method(S.JobIdInput, returns<{ cancelled: boolean }>()),
    onProgress: event<JobProgress>(),
    onFinished: event<JobResult>(),
  },
  ...teamContract,
  ...backupContract,
  ...weightsContract,
  ...evaluationContract,
} as const;

export type StudioContract = typeof studioContract;
/** The API the renderer and the CLI call. */
export type StudioApi = ClientOf<StudioContract>;
/** The services main implements. */
export type StudioServices = ServicesOf<StudioContract>;
export type StudioEmitter = EmitterOf<StudioContract>;
