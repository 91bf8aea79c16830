/**
 * A studio in memory for the labeler's stores: the annotation calls behave as the contract says
 * (atomic per call, boxes clamped to the image), and a test can make calls fail.
 */
import {
  StudioError,
  type Annotation,
  type AnnotationApplyResult,
  type AnnotationChange,
  type ClassDef,
  type ImageFilter,
  type ImageRecord,
  type ProjectInfo,
  type StudioApi,
  type Suggestion,
} from '@shared';

export function imageRecord(id: number, width = 1000, height = 800): ImageRecord {
  return { id, hash: String(id).padStart(64, '0'), name: `img${id}.jpg`, originalPath: `/data/img${id}.jpg`, format: 'jpeg', width, height, bytes: 1000, status: 'new', split: null, splitPinned: false, annotationCount: 0, createdAt: '' };
}

export const CLASSES: ClassDef[] = [
  { id: 1, name: 'cat', color: '#ff0000', order: 0 },
  { id: 2, name: 'dog', color: '#00ff00', order: 1 },
  { id: 3, name: 'bird', color: '#0000ff', order: 2 },
];

export function detectProject(multiLabel = false, task: 'detect' | 'classify' = 'detect'): ProjectInfo {
  return { dir: '/p', name: 'P', task, multiLabel, createdAt: '', schemaVersion: 1 };
}

export interface FakeStudio {
  api: StudioApi;
  images: Map<number, ImageRecord>;
  annotations: Map<number, Annotation[]>;
  /** Pending model suggestions, of every image; accepting one makes it an annotation (source 'model'). */
  suggestions: Suggestion[];
  /** Every apply call, in the order it arrived. */
  applyCalls: { imageId: number; changes: AnnotationChange[] }[];
  /** Failures to throw at the next apply calls, in order. */
  failNext: StudioError[];
  /** Holds apply answers until released, to test what happens while a save is in flight. */
  hold: boolean;
  release(): void;
}

export function fakeStudio(images: ImageRecord[] = [imageRecord(1), imageRecord(2)]): FakeStudio {
  const state: FakeStudio = {
    api: null as unknown as StudioApi,
    images: new Map(images.map((i) => [i.id, i])),
    annotations: new Map(images.map((i) => [i.id, []])),
    suggestions: [],
    applyCalls: [],
    failNext: [],
    hold: false,
    release: () => {
      for (const r of held.splice(0)) r();
    },
  };
  const held: (() => void)[] = [];

  const apply = (imageId: number, changes: AnnotationChange[]): AnnotationApplyResult => {
    const image = state.images.get(imageId);
    if (!image) throw new StudioError('not_found', `no image ${imageId}`);
    const list = new Map((state.annotations.get(imageId) ?? []).map((a) => [a.id, { ...a }]));
    for (const c of changes) {
      if (c.op === 'create') {
        if (list.has(c.annotation.id)) throw new StudioError('conflict', `annotation ${c.annotation.id} exists`);
        const a = c.annotation;
        list.set(a.id, a.kind === 'box' ? { ...a, imageId, source: a.source ?? 'manual' } : { ...a, imageId, source: a.source ?? 'manual' });
      } else if (c.op === 'delete') {
        if (!list.delete(c.id)) throw new StudioError('not_found', `no annotation ${c.id}`);
      } else {
        const old = list.get(c.id);
        if (!old) throw new StudioError('not_found', `no annotation ${c.id}`);
        list.set(c.id, { ...old, ...c.patch } as Annotation);
      }
    }
    const stored = [...list.values()];
    state.annotations.set(imageId, stored);
    const status = image.status === 'new' ? 'in_progress' : image.status;
    state.images.set(imageId, { ...image, status, annotationCount: stored.length });
    return { imageId, annotations: stored, status };
  };

  const matches = (image: ImageRecord, filter: ImageFilter) => {
    const n = state.annotations.get(image.id)?.length ?? 0;
    if (filter.kind === 'unlabeled') return n === 0;
    if (filter.kind === 'labeled') return n > 0;
    return true;
  };

  const accept = (ids: string[]) => {
    const chosen = state.suggestions.filter((sg) => ids.includes(sg.id));
    state.suggestions = state.suggestions.filter((sg) => !ids.includes(sg.id));
    const accepted = chosen.map((sg) => {
      const annotationId = `ann-${sg.id}`;
      const { classId } = sg;
      apply(sg.imageId, [{ op: 'create', annotation: sg.kind === 'box' ? { id: annotationId, classId, kind: 'box', x: sg.x, y: sg.y, w: sg.w, h: sg.h, source: 'model' } : { id: annotationId, classId, kind: 'tag', source: 'model' } }]);
      return { suggestionId: sg.id, annotationId, imageId: sg.imageId };
    });
    return { accepted, annotationIds: accepted.map((a) => a.annotationId) };
  };

  state.api = {
    annotations: {
      forImage: async ({ imageId }: { imageId: number }) => [...(state.annotations.get(imageId) ?? [])],
      apply: async ({ imageId, changes }: { imageId: number; changes: AnnotationChange[] }) => {
        state.applyCalls.push({ imageId, changes });
        if (state.hold) await new Promise<void>((r) => held.push(r));
        const failure = state.failNext.shift();
        if (failure) throw failure;
        return apply(imageId, changes);
      },
      onChanged: () => () => undefined,
    },
    suggestions: {
      forImage: async ({ imageId }: { imageId: number }) => state.suggestions.filter((sg) => sg.imageId === imageId),
      accept: async ({ ids }: { ids: string[] }) => accept(ids),
      acceptAbove: async ({ imageId, minConfidence }: { imageId: number; minConfidence: number }) => accept(state.suggestions.filter((sg) => sg.imageId === imageId && sg.confidence >= minConfidence).map((sg) => sg.id)),
      reject: async ({ ids }: { ids: string[] }) => {
        const before = state.suggestions.length;
        state.suggestions = state.suggestions.filter((sg) => !ids.includes(sg.id));
        return { rejected: before - state.suggestions.length };
      },
      onChanged: () => () => undefined,
    },
    images: {
      get: async ({ id }: { id: number }) => {
        const image = state.images.get(id);
        if (!image) throw new StudioError('not_found', `no image ${id}`);
        return image;
      },
      next: async ({ afterId, direction, filter }: { afterId?: number; direction?: 'next' | 'previous'; filter?: ImageFilter }) => {
        const ids = [...state.images.keys()].sort((a, b) => a - b);
        const after = afterId ?? 0;
        const candidates = direction === 'previous' ? ids.filter((id) => id < after).reverse() : ids.filter((id) => id > after);
        const found = candidates.map((id) => state.images.get(id)!).find((i) => matches(i, filter ?? { kind: 'unlabeled' }));
        return found ?? null;
      },
      setStatus: async ({ ids, status }: { ids: number[]; status: ImageRecord['status'] }) => {
        for (const id of ids) state.images.set(id, { ...state.images.get(id)!, status });
        return { updated: ids.length };
      },
    },
  } as unknown as StudioApi;
  return state;
}

export const settle = async (rounds = 5) => {
  for (let i = 0; i < rounds; i++) await new Promise((r) => setTimeout(r, 0));
};
