/**
 * The document: the open image's annotations, normalized by id. It is the only undoable state,
 * and it changes in two ways only: `load` (what the studio holds; never recorded) and `apply`
 * (a list of `AnnotationChange`s, which answers with the inverse list that undoes it).
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { Annotation, AnnotationChange, BoxAnnotation, NewAnnotationData } from '@shared';

export type AnnotationMap = ReadonlyMap<string, Annotation>;

export interface DocumentState {
  imageId: number | null;
  /** In drawing order (the last one is on top). Replaced, never mutated. */
  byId: AnnotationMap;
  /** Bumped on every load and apply, so views and pending reads can tell the data moved. */
  version: number;

  load(imageId: number | null, annotations: readonly Annotation[]): void;
  /** Applies changes to the open image; returns the inverse changes. Throws if one does not apply. */
  apply(changes: readonly AnnotationChange[]): AnnotationChange[];
}

export class ChangeConflict extends Error {
  override name = 'ChangeConflict';
}

function toNewAnnotation(a: Annotation): NewAnnotationData {
  return a.kind === 'box'
    ? { id: a.id, classId: a.classId, kind: 'box', x: a.x, y: a.y, w: a.w, h: a.h, source: a.source }
    : { id: a.id, classId: a.classId, kind: 'tag', source: a.source };
}

function fromNew(imageId: number, data: NewAnnotationData): Annotation {
  return data.kind === 'box'
    ? { id: data.id, imageId, classId: data.classId, kind: 'box', x: data.x, y: data.y, w: data.w, h: data.h, source: data.source ?? 'manual' }
    : { id: data.id, imageId, classId: data.classId, kind: 'tag', source: data.source ?? 'manual' };
}

type Patch = Extract<AnnotationChange, { op: 'update' }>['patch'];

/**
 * Applies `changes` in order to a copy of `byId`. Returns the new map and the inverse changes (in
 * the order that undoes them). Pure: the tests and the history use it without a store.
 */
export function applyChanges(byId: AnnotationMap, imageId: number, changes: readonly AnnotationChange[]): { next: Map<string, Annotation>; inverse: AnnotationChange[] } {
  const next = new Map(byId);
  const inverse: AnnotationChange[] = [];
  for (const change of changes) {
    if (change.op === 'create') {
      if (next.has(change.annotation.id)) throw new ChangeConflict(`annotation ${change.annotation.id} exists already`);
      next.set(change.annotation.id, fromNew(imageId, change.annotation));
      inverse.push({ op: 'delete', id: change.annotation.id });
    } else if (change.op === 'delete') {
      const old = next.get(change.id);
      if (!old) throw new ChangeConflict(`annotation ${change.id} is not there`);
      next.delete(change.id);
      inverse.push({ op: 'create', annotation: toNewAnnotation(old) });
    } else {
      const old = next.get(change.id);
      if (!old) throw new ChangeConflict(`annotation ${change.id} is not there`);
      const back: Patch = {};
      const updated = { ...old } as Annotation & Partial<Pick<BoxAnnotation, 'x' | 'y' | 'w' | 'h'>>;
      for (const key of ['classId', 'x', 'y', 'w', 'h'] as const) {
        const value = change.patch[key];
        if (value === undefined) continue;
        if (key !== 'classId' && old.kind !== 'box') throw new ChangeConflict(`annotation ${change.id} is a tag: it has no ${key}`);
        back[key] = (old as unknown as Record<string, number>)[key];
        (updated as unknown as Record<string, number>)[key] = value;
      }
      next.set(change.id, updated);
      inverse.push({ op: 'update', id: change.id, patch: back });
    }
  }
  inverse.reverse();
  return { next, inverse };
}

/** Drops updates that change nothing, so a click on a box does not become an undo step. */
export function effectiveChanges(byId: AnnotationMap, changes: readonly AnnotationChange[]): AnnotationChange[] {
  return changes.filter((c) => {
    if (c.op !== 'update') return true;
    const old = byId.get(c.id) as Record<string, unknown> | undefined;
    if (!old) return true;
    return Object.entries(c.patch).some(([k, v]) => v !== undefined && old[k] !== v);
  });
}

/** Same annotations, whatever their order: what a reload compares against before replacing. */
export function sameAnnotations(a: AnnotationMap, b: readonly Annotation[] | AnnotationMap): boolean {
  const list = Array.isArray(b) ? (b as readonly Annotation[]) : [...(b as AnnotationMap).values()];
  if (list.length !== a.size) return false;
  for (const other of list) {
    const mine = a.get(other.id);
    if (!mine || mine.kind !== other.kind || mine.classId !== other.classId) return false;
    if (mine.kind === 'box' && other.kind === 'box') {
      if (Math.abs(mine.x - other.x) > 1e-6 || Math.abs(mine.y - other.y) > 1e-6 || Math.abs(mine.w - other.w) > 1e-6 || Math.abs(mine.h - other.h) > 1e-6) return false;
    }
  }
  return true;
}

export function createDocumentStore(): StoreApi<DocumentState> {
  return createStore<DocumentState>()((set, get) => ({
    imageId: null,
    byId: new Map(),
    version: 0,

    load(imageId, annotations) {
      set({ imageId, byId: new Map(annotations.map((a) => [a.id, a])), version: get().version + 1 });
    },

    apply(changes) {
      const { imageId, byId, version } = get();
      if (imageId === null) throw new ChangeConflict('no image is open');
      const { next, inverse } = applyChanges(byId, imageId, changes);
      set({ byId: next, version: version + 1 });
      return inverse;
    },
  }));
}
