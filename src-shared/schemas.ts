/**
 * zod schemas for every request that crosses the contract. Main validates each payload against
 * these before any service sees it; the renderer and CLI get the same types from them.
 */
import { z } from 'zod';

export const NoInput = z.void();

export const AbsolutePath = z
  .string()
  .min(1, 'a path is required')
  .max(4096, 'the path is too long')
  .refine((p) => !p.includes('\0'), 'the path holds a NUL character');

const TaskTypeSchema = z.enum(['detect', 'classify']);
const ImageStatusSchema = z.enum(['new', 'in_progress', 'done', 'review']);
const SplitSchema = z.enum(['train', 'val', 'test']);
const ColorSchema = z.string().regex(/^#[0-9a-fA-F]{6}$/, 'a colour is written #rrggbb');
export const ClassNameSchema = z
  .string()
  .trim()
  .min(1, 'a class needs a name')
  .max(100, 'class names are at most 100 characters')
  .refine((s) => !/[\n\r\t]/.test(s), 'class names are one line');

export const ProjectCreateInput = z.object({
  dir: AbsolutePath,
  name: z.string().trim().min(1, 'a project needs a name').max(200),
  task: TaskTypeSchema,
  multiLabel: z.boolean().default(false),
});

export const ProjectOpenInput = z.object({ dir: AbsolutePath });

const ImageFilterSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('all') }),
  z.object({ kind: z.literal('unlabeled') }),
  z.object({ kind: z.literal('labeled') }),
  z.object({ kind: z.literal('class'), classId: z.number().int() }),
  z.object({ kind: z.literal('status'), status: ImageStatusSchema }),
]);

export const ImageListInput = z.object({
  filter: ImageFilterSchema.default({ kind: 'all' }),
  offset: z.number().int().min(0).default(0),
  limit: z.number().int().min(1).max(5000).default(200),
});

export const ImageIdInput = z.object({ id: z.number().int().positive() });

export const ImageSetStatusInput = z.object({
  ids: z.array(z.number().int().positive()).min(1).max(100_000),
  status: ImageStatusSchema,
});

export const ClassCreateInput = z.object({ name: ClassNameSchema, color: ColorSchema.optional() });
export const ClassUpdateInput = z.object({
  id: z.number().int().positive(),
  name: ClassNameSchema.optional(),
  color: ColorSchema.optional(),
});
export const ClassReorderInput = z.object({ ids: z.array(z.number().int().positive()).min(1) });

export const AnnotationsForImageInput = z.object({ imageId: z.number().int().positive() });

const ImportFormatSchema = z.enum(['auto', 'images', 'yolo', 'coco', 'folders']);
const ExportFormatSchema = z.enum(['yolo', 'coco', 'folders']);

export const ImportStartInput = z.object({
  paths: z.array(AbsolutePath).min(1, 'nothing to import').max(100_000),
  format: ImportFormatSchema.default('auto'),
  /**
   * Set by the browser after it uploaded dropped files through `reticle serve`: the paths are
   * then relative to that upload's staging folder, which is removed once the import ends.
   */
  uploadId: z
    .string()
    .regex(/^[a-zA-Z0-9_-]{8,64}$/)
    .optional(),
  /**
   * Take images that lie outside the dataset's folder too (a YAML's `path: ../..`, an absolute
   * COCO `file_name`, a link out). Without it they are left out and listed in the report, whose
   * `outside` counts them, so the app can ask and start again. An upload never reaches outside.
   */
  allowOutside: z.boolean().default(false),
});

export const SplitRatios = z
  .tuple([z.number().min(0).max(1), z.number().min(0).max(1), z.number().min(0).max(1)])
  .refine(([a, b, c]) => Math.abs(a + b + c - 1) < 1e-6, 'split ratios must add up to 1');

export const ExportStartInput = z.object({
  format: ExportFormatSchema,
  outDir: AbsolutePath,
  /** train, val, test. Left out: the project's own split, 0.8/0.1/0.1 where it has none. */
  split: SplitRatios.optional(),
  seed: z.number().int().min(0).max(2 ** 31 - 1).default(0),
  /** Write into an existing non-empty folder. */
  overwrite: z.boolean().default(false),
});

export const JobIdInput = z.object({ jobId: z.string().min(1).max(64) });

export const PickDirectoryInput = z.object({ title: z.string().max(200).optional() });

export type ProjectCreateRequest = z.input<typeof ProjectCreateInput>;
export type ExportStartRequest = z.input<typeof ExportStartInput>;

const AnnotationId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'an annotation id is 1 to 64 letters, digits, _ or -');
const Coordinate = z.number().finite().min(-1e7).max(1e7);
const Extent = z.number().finite().positive().max(1e7);
const ClassId = z.number().int().positive();

const NewAnnotationSchema = z.discriminatedUnion('kind', [
  z.object({ id: AnnotationId, classId: ClassId, kind: z.literal('box'), x: Coordinate, y: Coordinate, w: Extent, h: Extent, source: z.enum(['manual', 'import', 'model']).optional() }),
  z.object({ id: AnnotationId, classId: ClassId, kind: z.literal('tag'), source: z.enum(['manual', 'import', 'model']).optional() }),
]);

export const AnnotationChangeSchema = z.discriminatedUnion('op', [
  z.object({ op: z.literal('create'), annotation: NewAnnotationSchema }),
  z.object({
    op: z.literal('update'),
    id: AnnotationId,
    patch: z.object({ classId: ClassId.optional(), x: Coordinate.optional(), y: Coordinate.optional(), w: Extent.optional(), h: Extent.optional() }),
  }),
  z.object({ op: z.literal('delete'), id: AnnotationId }),
]);

export const AnnotationApplyInput = z.object({
  imageId: z.number().int().positive(),
  changes: z.array(AnnotationChangeSchema).min(1).max(20_000),
});

export const ClassIdInput = z.object({ id: z.number().int().positive() });
export const ClassMergeInput = z
  .object({ sourceId: z.number().int().positive(), targetId: z.number().int().positive() })
  .refine((v) => v.sourceId !== v.targetId, 'a class cannot be merged into itself');

export const ImageNextInput = z.object({
  /** Start after this image (in id order); left out: from the start. */
  afterId: z.number().int().nonnegative().default(0),
  direction: z.enum(['next', 'previous']).default('next'),
  filter: ImageFilterSchema.default({ kind: 'unlabeled' }),
});

export const SplitApplyInput = z.object({ ratios: SplitRatios, seed: z.number().int().min(0).max(2 ** 31 - 1) });
export const SplitPinInput = z.object({
  ids: z.array(z.number().int().positive()).min(1).max(100_000),
  /** null unpins: the image goes back to the computed split. */
  split: SplitSchema.nullable(),
});
