/**
 * The team server's wire shapes: what `reticle-server` accepts and answers, and what the
 * studio's sync client sends. One zod schema per body, shared by both sides so they cannot drift.
 *
 * Sync model:
 * - Media go by content hash (sha256 of the bytes): the client asks which hashes the server
 *   lacks and uploads only those.
 * - Each image's labels (status plus annotations, classes by name) carry a `revision`: the value
 *   of the project's change counter when that image last changed on the server. The counter only
 *   grows, so `GET labels?since=N` returns every image changed after N.
 * - A push names the revision it started from (`baseRevision`; null for an image the server has
 *   never had labels for). The server applies it only when that is still the image's revision,
 *   or when the pushed labels equal the server's; otherwise it answers a conflict with the
 *   server's copy, and changes nothing. Nothing is ever silently overwritten.
 */
import { z } from 'zod';

export const SERVER_API_VERSION = 1;

/** Hex sha256 of a file's bytes. */
export const ContentHash = z.string().regex(/^[0-9a-f]{64}$/, 'a sha256 in lowercase hex');
export type ContentHash = z.infer<typeof ContentHash>;

const Email = z.string().trim().toLowerCase().email().max(254);
/** Passwords: long enough to matter, short enough that hashing cannot be abused. */
const Password = z.string().min(10, 'Use at least 10 characters.').max(256);
const Name = z.string().trim().min(1).max(200).refine((s) => !/[\u0000-\u001f\u007f]/.test(s), 'no control characters');

// ---------------------------------------------------------------- accounts

export const UserRole = z.enum(['admin', 'member']);
export type UserRole = z.infer<typeof UserRole>;

export const UserPublic = z.object({
  id: z.string().uuid(),
  email: z.string(),
  name: z.string(),
  role: UserRole,
  disabled: z.boolean(),
  createdAt: z.string(),
});
export type UserPublic = z.infer<typeof UserPublic>;

export const RegisterBody = z.object({ email: Email, password: Password, name: Name.optional() }).strict();
export type RegisterBody = z.infer<typeof RegisterBody>;

export const LoginBody = z.object({ email: Email, password: z.string().min(1).max(256) }).strict();
export type LoginBody = z.infer<typeof LoginBody>;

export const RefreshBody = z.object({ refreshToken: z.string().min(16).max(512) }).strict();
export type RefreshBody = z.infer<typeof RefreshBody>;

/** Login and refresh answer this. The access token lives at most 15 minutes. */
export const TokenPair = z.object({
  accessToken: z.string(),
  /** ISO time the access token expires. */
  accessExpiresAt: z.string(),
  /** Opaque, single use: each refresh returns a new one; reusing an old one revokes the family. */
  refreshToken: z.string(),
  refreshExpiresAt: z.string(),
  user: UserPublic,
});
export type TokenPair = z.infer<typeof TokenPair>;

export const AdminCreateUserBody = z.object({ email: Email, password: Password, name: Name.optional(), role: UserRole.default('member') }).strict();
export const AdminUpdateUserBody = z.object({ role: UserRole.optional(), disabled: z.boolean().optional(), name: Name.optional() }).strict();

// ---------------------------------------------------------------- projects

const WireTask = z.enum(['detect', 'classify']);
/** A member's role in one shared project. */
export const ProjectRole = z.enum(['viewer', 'annotator', 'owner']);
export type ProjectRole = z.infer<typeof ProjectRole>;

export const ProjectCreateBody = z.object({ name: Name, task: WireTask, multiLabel: z.boolean().default(false) }).strict();
export type ProjectCreateBody = z.infer<typeof ProjectCreateBody>;

export const ProjectPublic = z.object({
  id: z.string().uuid(),
  name: z.string(),
  task: WireTask,
  multiLabel: z.boolean(),
  ownerId: z.string().uuid(),
  /** The caller's role in this project. */
  role: ProjectRole,
  /** The project's change counter: the newest label revision. */
  revision: z.number().int().nonnegative(),
  imageCount: z.number().int().nonnegative(),
  createdAt: z.string(),
});
export type ProjectPublic = z.infer<typeof ProjectPublic>;

export const ShareBody = z.object({ email: Email, role: ProjectRole }).strict();
export type ShareBody = z.infer<typeof ShareBody>;

export const ProjectMember = z.object({ userId: z.string().uuid(), email: z.string(), name: z.string(), role: ProjectRole });
export type ProjectMember = z.infer<typeof ProjectMember>;

// ---------------------------------------------------------------- media and labels

/** At most this many hashes or images in one request; clients batch. */
export const SYNC_BATCH = 1000;
/**
 * Images per pull page: the studio's, and the server's default. At 100 studios pulling at once a
 * page of 250 answers in p99 40 ms on two cores (43 ms on PostgreSQL 15), and moves more images a
 * second than pages of 1,000 (p99 135 ms): see bench:server and the README's Performance table.
 */
export const PULL_PAGE = 250;

export const MissingMediaBody = z.object({ hashes: z.array(ContentHash).max(SYNC_BATCH) }).strict();
export const MissingMediaAnswer = z.object({ missing: z.array(ContentHash) });
export type MissingMediaAnswer = z.infer<typeof MissingMediaAnswer>;

/** Class names are the identity across machines (local ids differ). */
export const WireClass = z.object({ name: Name, color: z.string().regex(/^#[0-9a-fA-F]{6}$/), order: z.number().int().nonnegative() }).strict();
export type WireClass = z.infer<typeof WireClass>;

const Coord = z.number().finite();
export const WireAnnotation = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('box'), class: Name, x: Coord, y: Coord, w: Coord.positive(), h: Coord.positive() }).strict(),
  z.object({ kind: z.literal('tag'), class: Name }).strict(),
]);
export type WireAnnotation = z.infer<typeof WireAnnotation>;

const WireImageStatus = z.enum(['new', 'in_progress', 'done', 'review']);
/** The largest value of the server's `integer` columns: a larger size is refused, never a 500. */
const INTEGER_COLUMN_MAX = 2_147_483_647;

/** One image's labels on the wire. Boxes are in image pixels, as in the studio. */
const WireImage = z.object({
  hash: ContentHash,
  /** The file name the image was imported with (shown, never used as a path). */
  name: z.string().min(1).max(255),
  /** The media file's extension with its dot: `.jpg`. */
  ext: z.string().regex(/^\.[a-z0-9]{1,5}$/),
  width: z.number().int().positive().max(INTEGER_COLUMN_MAX),
  height: z.number().int().positive().max(INTEGER_COLUMN_MAX),
  status: WireImageStatus,
  annotations: z.array(WireAnnotation).max(10_000),
}).strict();

export const PushImage = WireImage.extend({ baseRevision: z.number().int().nonnegative().nullable() }).strict();
export type PushImage = z.infer<typeof PushImage>;

export const PushLabelsBody = z.object({ classes: z.array(WireClass).max(10_000), images: z.array(PushImage).max(SYNC_BATCH) }).strict();
export type PushLabelsBody = z.infer<typeof PushLabelsBody>;

export const ServerImage = WireImage.extend({ revision: z.number().int().nonnegative(), updatedBy: z.string(), updatedAt: z.string() });
export type ServerImage = z.infer<typeof ServerImage>;

export const PushLabelsAnswer = z.object({
  /** Images now at `revision` on the server (changed, or already equal). */
  applied: z.array(z.object({ hash: ContentHash, revision: z.number().int().nonnegative() })),
  /** Images changed on the server since `baseRevision`: nothing was written for them. */
  conflicts: z.array(z.object({ hash: ContentHash, server: ServerImage })),
  /** Images whose media the server lacks: upload them first; nothing was written for them. */
  missingMedia: z.array(ContentHash),
  /** The project's change counter after this push. */
  revision: z.number().int().nonnegative(),
});
export type PushLabelsAnswer = z.infer<typeof PushLabelsAnswer>;

/** `GET /api/projects/:id/labels?since=N&limit=M` */
export const PullLabelsQuery = z.object({ since: z.coerce.number().int().nonnegative().default(0), limit: z.coerce.number().int().positive().max(SYNC_BATCH).default(PULL_PAGE) });
export const PullLabelsAnswer = z.object({
  classes: z.array(WireClass),
  images: z.array(ServerImage),
  /** Pass as `since` for the next page. */
  cursor: z.number().int().nonnegative(),
  more: z.boolean(),
});
export type PullLabelsAnswer = z.infer<typeof PullLabelsAnswer>;

// ---------------------------------------------------------------- model registry

const ModelMetrics = z.record(z.string(), z.number().finite());

export const ModelCreateBody = z.object({
  name: Name,
  /** The file's format: `onnx`, `pt`, … */
  format: z.string().regex(/^[a-z0-9_]{1,16}$/),
  task: WireTask,
  classes: z.array(z.string().max(200)).max(10_000),
  metrics: ModelMetrics.default({}),
  /** Where it came from: the studio run's name and id. */
  source: z.object({ runId: z.string().max(200).optional(), runName: z.string().max(200).optional(), studioVersion: z.string().max(50).optional() }).strict().default({}),
}).strict();
export type ModelCreateBody = z.infer<typeof ModelCreateBody>;

export const ModelPublic = z.object({
  id: z.string().uuid(),
  projectId: z.string().uuid(),
  name: z.string(),
  format: z.string(),
  task: WireTask,
  classes: z.array(z.string()),
  metrics: ModelMetrics,
  source: z.object({ runId: z.string().optional(), runName: z.string().optional(), studioVersion: z.string().optional() }),
  /** sha256 and size of the uploaded file; null until it is uploaded. */
  fileHash: ContentHash.nullable(),
  bytes: z.number().int().nonnegative().nullable(),
  createdBy: z.string(),
  createdAt: z.string(),
});
export type ModelPublic = z.infer<typeof ModelPublic>;

export const ModelUpdateBody = z.object({ name: Name }).strict();

// ---------------------------------------------------------------- errors

/** Every 4xx/5xx body. `code` is stable and machine-readable; `message` is for people. */
export const ServerError = z.object({ error: z.object({ code: z.string(), message: z.string() }) });
export type ServerError = z.infer<typeof ServerError>;

// ---------------------------------------------------------------- added for reticle-server: projects, images, analysis

/** `PATCH /api/projects/:id` */
export const ProjectUpdateBody = z.object({ name: Name }).strict();
export type ProjectUpdateBody = z.infer<typeof ProjectUpdateBody>;

/** `GET /api/projects/:id/images?after=N&limit=M`: images in revision order, after revision N. */
export const ImageListQuery = z.object({ after: z.coerce.number().int().nonnegative().default(0), limit: z.coerce.number().int().positive().max(SYNC_BATCH).default(100) });
export const ImageListItem = z.object({
  hash: ContentHash,
  name: z.string(),
  ext: z.string(),
  width: z.number().int(),
  height: z.number().int(),
  status: WireImageStatus,
  annotationCount: z.number().int().nonnegative(),
  revision: z.number().int().nonnegative(),
  /** Whether the server holds the image's bytes. */
  hasMedia: z.boolean(),
  updatedAt: z.string(),
});
export const ImageListAnswer = z.object({
  images: z.array(ImageListItem),
  /** Images in the project. */
  total: z.number().int().nonnegative(),
  /** Pass as `after` for the next page. */
  cursor: z.number().int().nonnegative(),
  more: z.boolean(),
});
export type ImageListAnswer = z.infer<typeof ImageListAnswer>;

/** `PUT /api/projects/:id/media/:hash` answers this. */
export const MediaUploadAnswer = z.object({ hash: ContentHash, bytes: z.number().int().nonnegative(), /** False when the server had it already. */ created: z.boolean() });
export type MediaUploadAnswer = z.infer<typeof MediaUploadAnswer>;

const Stats = z.object({ min: z.number(), max: z.number(), mean: z.number(), median: z.number() });

/** `GET /api/projects/:id/data/analyze` */
export const DataAnalysis = z.object({
  images: z.number().int().nonnegative(),
  /** Images with at least one annotation. */
  labeled: z.number().int().nonnegative(),
  statuses: z.object({ new: z.number().int(), in_progress: z.number().int(), done: z.number().int(), review: z.number().int() }),
  classes: z.array(z.object({ name: z.string(), boxes: z.number().int().nonnegative(), tags: z.number().int().nonnegative(), images: z.number().int().nonnegative() })),
  /** Box sizes in image pixels, and relative to the image (0–1); null without boxes. */
  boxes: z.object({
    count: z.number().int().nonnegative(),
    width: Stats.nullable(),
    height: Stats.nullable(),
    relativeArea: Stats.nullable(),
  }),
});
export type DataAnalysis = z.infer<typeof DataAnalysis>;

// ---------------------------------------------------------------- added for reticle-server: training configurations and sessions

/**
 * The server does not train. A studio that trains reads a configuration, opens a session, and
 * reports its progress and results into it, so the team sees every run in one place.
 */
export const TrainingConfigBody = z.object({
  /** Configurations are named per project; configuring an existing name replaces it. */
  name: Name,
  /** What it trains from: `yolo11n.pt`, `yolo11s.yaml`, a registry model's id. */
  model: z.string().trim().min(1).max(200),
  epochs: z.number().int().min(1).max(10_000),
  imgsz: z.number().int().min(32).max(4096).refine((n) => n % 32 === 0, 'the image size is a multiple of 32'),
  /** 'auto' lets Ultralytics size the batch to the GPU's memory. */
  batch: z.union([z.number().int().min(1).max(1024), z.literal('auto')]),
  /** Other Ultralytics hyperparameters by name (lr0, optimizer, patience, mosaic…). */
  hyperparameters: z
    .record(z.string().regex(/^[a-z_][a-z0-9_]{0,40}$/), z.union([z.number().finite(), z.string().max(200), z.boolean()]))
    .refine((h) => Object.keys(h).length <= 100, 'at most 100 hyperparameters')
    .default({}),
}).strict();
export type TrainingConfigBody = z.infer<typeof TrainingConfigBody>;

export const TrainingConfigPublic = z.object({
  id: z.string().uuid(),
  projectId: z.string().uuid(),
  name: z.string(),
  model: z.string(),
  epochs: z.number().int(),
  imgsz: z.number().int(),
  batch: z.union([z.number().int(), z.literal('auto')]),
  hyperparameters: z.record(z.string(), z.union([z.number(), z.string(), z.boolean()])),
  createdBy: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type TrainingConfigPublic = z.infer<typeof TrainingConfigPublic>;

const TrainingSessionStatus = z.enum(['queued', 'running', 'completed', 'failed', 'stopped']);

/** `POST /api/projects/:id/training/sessions`: a session from a configuration, queued. */
export const TrainingSessionCreateBody = z.object({ configId: z.string().uuid() }).strict();

const Measure = z.number().finite().nullable();
/** A run's final results, as the studio's training page shows them. */
const TrainingResults = z.object({
  /** `metrics/mAP50(B)`, `metrics/mAP50-95(B)`, … of the best weights. */
  metrics: z.record(z.string().max(100), Measure).refine((m) => Object.keys(m).length <= 200, 'at most 200 metrics').default({}),
  perClass: z
    .array(z.object({ class: z.string().max(200), instances: z.number().int().nonnegative().nullable().default(null), ap50: Measure, ap50_95: Measure, precision: Measure.default(null), recall: Measure.default(null) }).strict())
    .max(10_000)
    .default([]),
  /** `matrix[predicted][true]`, with a last row and column for background, as Ultralytics gives it. */
  confusion: z
    .object({ names: z.array(z.string().max(200)).min(2).max(1001), matrix: z.array(z.array(z.number().finite().nonnegative())) })
    .strict()
    .refine((m) => m.matrix.length === m.names.length && m.matrix.every((row) => row.length === m.names.length), 'the matrix must be square, one row and column per name')
    .nullable()
    .default(null),
}).strict();

/** `PATCH …/training/sessions/:sid`: what a training studio reports. A finished session takes no more reports. */
export const TrainingSessionUpdateBody = z.object({
  status: TrainingSessionStatus.optional(),
  /** Epochs done so far. */
  epoch: z.number().int().nonnegative().max(10_000).optional(),
  /** The latest epoch's metrics and losses. */
  metrics: z.record(z.string().max(100), Measure).refine((m) => Object.keys(m).length <= 200, 'at most 200 metrics').optional(),
  results: TrainingResults.optional(),
  /** Why it failed or stopped, for people. */
  message: z.string().max(2000).optional(),
}).strict();
export type TrainingSessionUpdateBody = z.infer<typeof TrainingSessionUpdateBody>;

export const TrainingSessionPublic = z.object({
  id: z.string().uuid(),
  projectId: z.string().uuid(),
  /** Null once the configuration is deleted; `config` keeps what the session ran with. */
  configId: z.string().uuid().nullable(),
  configName: z.string(),
  config: TrainingConfigPublic.pick({ model: true, epochs: true, imgsz: true, batch: true, hyperparameters: true }),
  status: TrainingSessionStatus,
  epoch: z.number().int().nonnegative(),
  epochs: z.number().int().nonnegative(),
  metrics: z.record(z.string(), z.number().nullable()),
  results: z.object({
    metrics: z.record(z.string(), z.number().nullable()),
    perClass: z.array(z.object({ class: z.string(), instances: z.number().nullable(), ap50: z.number().nullable(), ap50_95: z.number().nullable(), precision: z.number().nullable(), recall: z.number().nullable() })),
    confusion: z.object({ names: z.array(z.string()), matrix: z.array(z.array(z.number())) }).nullable(),
  }).nullable(),
  message: z.string().nullable(),
  createdBy: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type TrainingSessionPublic = z.infer<typeof TrainingSessionPublic>;

/** `GET /api/models?projectId=`: without a project, the models of every project the caller is in. */
export const ModelListQuery = z.object({ projectId: z.string().uuid().optional() });
