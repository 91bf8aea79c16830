/**
 * An image's labels as sync sees them: its status and its annotations with classes by name (ids
 * differ between machines), read from and written to a project, compared by digest.
 *
 * The digest is sha256 of a canonical JSON: annotations sorted, coordinates rounded to 1/1000 px,
 * so the same labels digest the same whatever order they were made in and whichever side's
 * floating point last touched them. "Dirty" means: the digest now differs from the one recorded
 * when this copy last agreed with the server.
 */
import { createHash } from 'node:crypto';
import type { ImageStatus, LabelsSummary, TaskType, WireAnnotation } from '@shared';
import type { ProjectStore } from '../store/project-store.js';
import type { NewAnnotation } from '../store/annotation-repository.js';
import { clampBox } from '../annotations/annotation-editor.js';

export interface Labels {
  status: ImageStatus;
  annotations: WireAnnotation[];
}

const round = (n: number) => {
  const r = Math.round(n * 1000) / 1000;
  // -0 and 0 are one coordinate.
  return r === 0 ? 0 : r;
};

/** The canonical text the digest is taken of. */
export function canonicalLabels(labels: Labels): string {
  const items = labels.annotations
    .map((a) => JSON.stringify(a.kind === 'box' ? ['box', a.class, round(a.x), round(a.y), round(a.w), round(a.h)] : ['tag', a.class]))
    .sort();
  return `{"status":${JSON.stringify(labels.status)},"annotations":[${items.join(',')}]}`;
}

export function labelsDigest(labels: Labels): string {
  return createHash('sha256').update(canonicalLabels(labels)).digest('hex');
}

/** Nothing said about the image yet: a fresh copy may take the server's labels without asking. */
export function isBlank(labels: Labels): boolean {
  return labels.status === 'new' && labels.annotations.length === 0;
}

/** Box or tag counts per class, for showing two versions of an image side by side. */
export function summarizeLabels(labels: Labels): LabelsSummary {
  const counts = new Map<string, number>();
  for (const a of labels.annotations) counts.set(a.class, (counts.get(a.class) ?? 0) + 1);
  return {
    status: labels.status,
    annotations: labels.annotations.length,
    perClass: [...counts].map(([className, count]) => ({ className, count })).sort((a, b) => a.className.localeCompare(b.className)),
  };
}

/** Class names by local id. */
export function classNames(store: ProjectStore): Map<number, string> {
  return new Map(store.classes.list().map((c) => [c.id, c.name]));
}

/** An image's labels as the project holds them now. */
export function readLabels(store: ProjectStore, imageId: number, names: Map<number, string> = classNames(store)): Labels {
  const { status } = store.images.get(imageId);
  const annotations: WireAnnotation[] = [];
  for (const a of store.annotations.forImage(imageId)) {
    const name = names.get(a.classId);
    if (name === undefined) continue;
    annotations.push(a.kind === 'box' ? { kind: 'box', class: name, x: a.x, y: a.y, w: a.w, h: a.h } : { kind: 'tag', class: name });
  }
  return { status, annotations };
}

/**
 * Replaces an image's labels with `labels` (call inside a transaction). Classes must exist;
 * boxes are clamped to the image, and what this project cannot hold (a box in a classification
 * project, a box wholly outside the image) is left out and counted.
 */
export function writeLabels(store: ProjectStore, imageId: number, labels: Labels, task: TaskType): { written: number; dropped: number } {
  const image = store.images.get(imageId);
  for (const a of store.annotations.forImage(imageId)) store.annotations.delete(imageId, a.id);
  const rows: NewAnnotation[] = [];
  let dropped = 0;
  for (const a of labels.annotations) {
    const classId = store.classes.byName(a.class)?.id;
    if (classId === undefined || (a.kind === 'box') !== (task === 'detect')) {
      dropped++;
      continue;
    }
    if (a.kind === 'tag') {
      rows.push({ kind: 'tag', classId, source: 'manual' });
      continue;
    }
    const box = clampBox(a, image.width, image.height);
    if (box) rows.push({ kind: 'box', classId, ...box, source: 'manual' });
    else dropped++;
  }
  const written = store.annotations.insertMany(imageId, rows);
  store.images.setStatus([imageId], labels.status);
  return { written, dropped: dropped + rows.length - written };
}
