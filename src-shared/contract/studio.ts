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
  JobInfo,
  JobProgress,
  JobResult,
  ProjectInfo,
  RecentProject,
  SplitSummary,
} from '../domain.js';
import * as S from '../schemas.js';
import { event, method, returns, type ClientOf, type EmitterOf, type ServicesOf } from './define.js';

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
  jobs: {
    list: method(S.NoInput, returns<JobInfo[]>()),
    cancel: method(S.JobIdInput, returns<{ cancelled: boolean }>()),
    onProgress: event<JobProgress>(),
    onFinished: event<JobResult>(),
  },
} as const;

export type StudioContract = typeof studioContract;
/** The API the renderer and the CLI call. */
export type StudioApi = ClientOf<StudioContract>;
/** The services main implements. */
export type StudioServices = ServicesOf<StudioContract>;
export type StudioEmitter = EmitterOf<StudioContract>;
