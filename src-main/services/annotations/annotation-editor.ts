/**
 * Applies the labeler's edits: each call is one gesture (a drawn, moved or deleted box, a tag
 * set), applied to one image in one IMMEDIATE transaction, so it is all there or not at all and
 * committed (WAL, synchronous=FULL) before the call answers.
 *
 * The image being edited and its annotations are kept in memory between calls, so that a move
 * on an image with thousands of boxes neither reads them all back nor sends the disk more than
 * the one row. The copy is trusted only while nothing else wrote to the database: a write by
 * another part of the studio shows in `total_changes()`, one by another process in
 * `PRAGMA data_version`, and either makes the next edit read the image afresh.
 */
import {
  StudioError,
  type Annotation,
  type AnnotationApplyResult,
  type AnnotationChange,
  type BoxAnnotation,
  type NewAnnotationData,
  type TaskType,
} from '@shared';
import type { ProjectStore } from '../store/project-store.js';
import type { ChangeCounters } from '../store/database.js';
import type { EditedImageRow } from '../store/image-repository.js';

interface EditedImage extends EditedImageRow {
  /** By id, in the order they were made (the database's rowid order). */
  annotations: Map<string, Annotation>;
}

interface Snapshot {
  image: EditedImage;
  counters: ChangeCounters;
}

export interface AnnotationEditorOptions {
  task: TaskType;
  /** Classification only: several tags per image; single-label tagging replaces the tag. */
  multiLabel: boolean;
}

type Box = Pick<BoxAnnotation, 'x' | 'y' | 'w' | 'h'>;

export class AnnotationEditor {
  private snapshot: Snapshot | null = null;
  private readonly applyTx: (imageId: number, changes: readonly AnnotationChange[]) => EditedImage;

  constructor(
    private readonly store: ProjectStore,
    private readonly options: AnnotationEditorOptions,
  ) {
    this.applyTx = store.writeTransaction((imageId: number, changes: readonly AnnotationChange[]) => this.applyInTransaction(imageId, changes));
  }

  /**
   * Applies one gesture's changes to an image, in order, atomically: one change that cannot be
   * made (a class that does not exist, a box outside the image, an id taken) and none is made.
   *
   * - create: a box (detection projects) or tag (classification) under the client's id; boxes are
   *   clamped to the image; single-label projects replace the image's tag.
   * - update: patches class and geometry; an id the image does not hold is `not_found`.
   * - delete: an id the image does not hold is ignored, so undo after another client's delete works.
   *
   * @returns the image's annotations after the change and its status (`new` becomes `in_progress`)
   * @throws StudioError `not_found`, `invalid_input` or `conflict`, saying which change and why
   */
  apply(imageId: number, changes: readonly AnnotationChange[]): AnnotationApplyResult {
    let image: EditedImage;
    try {
      image = this.applyTx(imageId, changes);
    } catch (err) {
      // The in-memory copy may hold changes the rollback undid.
      this.snapshot = null;
      throw translateSqliteError(err);
    }
    this.snapshot = { image, counters: this.store.changeCounters() };
    return { imageId, annotations: [...image.annotations.values()], status: image.status };
  }

  private applyInTransaction(imageId: number, changes: readonly AnnotationChange[]): EditedImage {
    const image = this.load(imageId);
    const now = new Date().toISOString();
    let changed = false;
    changes.forEach((change, index) => {
      const where = changes.length > 1 ? ` (change ${index + 1} of ${changes.length})` : '';
      switch (change.op) {
        case 'create':
          this.create(image, change.annotation, now, where);
          changed = true;
          break;
        case 'update':
          changed = this.update(image, change.id, change.patch, now, where) || changed;
          break;
        case 'delete':
          if (image.annotations.has(change.id)) {
            this.store.annotations.delete(image.id, change.id);
            image.annotations.delete(change.id);
            changed = true;
          }
          break;
      }
    });
    if (changed) {
      this.store.images.markEdited(image.id, now);
      if (image.status === 'new') image.status = 'in_progress';
    }
    return image;
  }

  /** The image as the database holds it: from memory when nothing else wrote since the last edit. */
  private load(imageId: number): EditedImage {
    const s = this.snapshot;
    if (s && s.image.id === imageId && sameCounters(s.counters, this.store.changeCounters())) return s.image;
    this.snapshot = null;
    const row = this.store.images.forEditing(imageId);
    if (!row) throw new StudioError('not_found', `There is no image with id ${imageId} in this project.`);
    const annotations = new Map<string, Annotation>();
    for (const a of this.store.annotations.forImage(imageId)) annotations.set(a.id, a);
    return { ...row, annotations };
  }

  private create(image: EditedImage, data: NewAnnotationData, now: string, where: string): void {
    const { task, multiLabel } = this.options;
    if (data.kind === 'box' && task !== 'detect') {
      throw new StudioError('invalid_input', `This is a classification project: images take tags, not boxes${where}.`);
    }
    if (data.kind === 'tag' && task !== 'classify') {
      throw new StudioError('invalid_input', `This is a detection project: images take boxes, not tags${where}.`);
    }
    if (image.annotations.has(data.id)) throw new StudioError('conflict', `Image ${image.id} holds an annotation with id ${data.id} already${where}.`);
    this.requireClass(data.classId, where);
    const source = data.source ?? 'manual';
    let annotation: Annotation;
    if (data.kind === 'box') {
      annotation = { id: data.id, imageId: image.id, classId: data.classId, kind: 'box', ...this.clamp(image, data, where), source };
    } else {
      for (const other of image.annotations.values()) {
        if (other.kind !== 'tag') continue;
        if (multiLabel && other.classId !== data.classId) continue;
        if (multiLabel) throw new StudioError('conflict', `Image ${image.id} has that class's tag already${where}.`);
        // Single-label: the new tag replaces the image's class.
        this.store.annotations.delete(image.id, other.id);
        image.annotations.delete(other.id);
      }
      annotation = { id: data.id, imageId: image.id, classId: data.classId, kind: 'tag', source };
    }
    this.store.annotations.insert(annotation, now);
    image.annotations.set(annotation.id, annotation);
  }

  private update(image: EditedImage, id: string, patch: Extract<AnnotationChange, { op: 'update' }>['patch'], now: string, where: string): boolean {
    const current = image.annotations.get(id);
    if (!current) throw new StudioError('not_found', `Image ${image.id} has no annotation with id ${id}; it may have been deleted meanwhile${where}.`);
    const classId = patch.classId ?? current.classId;
    if (classId !== current.classId) this.requireClass(classId, where);
    const geometry = patch.x !== undefined || patch.y !== undefined || patch.w !== undefined || patch.h !== undefined;
    let next: Annotation;
    if (current.kind === 'tag') {
      if (geometry) throw new StudioError('invalid_input', `Annotation ${id} is a tag: it has no position or size to change${where}.`);
      if (classId !== current.classId && this.options.multiLabel) {
        for (const other of image.annotations.values()) {
          if (other.kind === 'tag' && other.classId === classId) throw new StudioError('conflict', `Image ${image.id} has that class's tag already${where}.`);
        }
      }
      next = { ...current, classId };
    } else {
      const box = { x: patch.x ?? current.x, y: patch.y ?? current.y, w: patch.w ?? current.w, h: patch.h ?? current.h };
      next = { ...current, classId, ...this.clamp(image, box, where) };
    }
    if (sameAnnotation(current, next)) return false;
    this.store.annotations.update(next, now);
    image.annotations.set(id, next);
    return true;
  }

  private requireClass(classId: number, where: string): void {
    if (!this.store.classes.exists(classId)) throw new StudioError('not_found', `There is no class with id ${classId}; it may have been deleted meanwhile${where}.`);
  }

  private clamp(image: EditedImage, box: Box, where: string): Box {
    const clamped = clampBox(box, image.width, image.height);
    if (!clamped) {
      throw new StudioError(
        'invalid_input',
        `The box (${fmt(box.x)}, ${fmt(box.y)}, ${fmt(box.w)} × ${fmt(box.h)}) lies outside the ${image.width} × ${image.height} image: nothing of it would be left${where}.`,
      );
    }
    return clamped;
  }
}

/** The part of a box inside a width × height image, or null when no area is left. */
export function clampBox(box: Box, width: number, height: number): Box | null {
  const x0 = Math.min(Math.max(box.x, 0), width);
  const y0 = Math.min(Math.max(box.y, 0), height);
  const x1 = Math.min(Math.max(box.x + box.w, 0), width);
  const y1 = Math.min(Math.max(box.y + box.h, 0), height);
  if (!(x1 - x0 > 0) || !(y1 - y0 > 0)) return null;
  return { x: x0, y: y0, w: x1 - x0, h: y1 - y0 };
}

function sameCounters(a: ChangeCounters, b: ChangeCounters): boolean {
  return a.totalChanges === b.totalChanges && a.dataVersion === b.dataVersion;
}

function sameAnnotation(a: Annotation, b: Annotation): boolean {
  if (a.classId !== b.classId) return false;
  if (a.kind === 'tag' || b.kind === 'tag') return a.kind === b.kind;
  return a.x === b.x && a.y === b.y && a.w === b.w && a.h === b.h;
}

function fmt(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(1);
}

/** A constraint the checks above did not foresee (an id taken on another image) is a conflict. */
function translateSqliteError(err: unknown): unknown {
  const code = (err as { code?: unknown } | null)?.code;
  if (code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
    return new StudioError('conflict', 'That annotation id is taken already; the change was not applied.', { cause: err });
  }
  if (typeof code === 'string' && code.startsWith('SQLITE_CONSTRAINT')) {
    return new StudioError('conflict', `The change conflicts with what the project holds (${(err as Error).message}); it was not applied.`, { cause: err });
  }
  return err;
}
