/**
 * Which of the project's images an export writes: the labeled ones, each with its split and the
 * file name it gets in the dataset.
 */
import type { z } from 'zod';
import type { BoxAnnotation, ExportStartInput, Split, TaskType } from '@shared';
import type { ProjectStore } from '../store/project-store.js';
import type { MediaStore } from '../media/media-store.js';
import { DEFAULT_SPLIT, assignSplits, type SplitItem } from '../dataset/split.js';
import { hasSplitSettings, splitSettings } from '../dataset/project-splits.js';
import { exportFileNames, type ExportItem } from './layout.js';

/** What of the export request decides the splits. */
type SplitRequest = Pick<z.output<typeof ExportStartInput>, 'split' | 'seed'>;

/** The labeled images with their split, file name and labels, in id order. */
export function collectExportItems(store: ProjectStore, media: MediaStore, task: TaskType, request: SplitRequest): { items: ExportItem[]; skippedUnlabeled: number } {
  const annotations = store.annotations.byImage();
  const candidates: Omit<ExportItem, 'split' | 'fileName'>[] = [];
  const stored = new Map<number, { hash: string; ext: string }>();
  let skippedUnlabeled = 0;

  for (const image of store.images.iterate()) {
    const labeled = image.annotationCount > 0 || image.status === 'done';
    const own = annotations.get(image.id) ?? [];
    const boxes = own.filter((a): a is BoxAnnotation => a.kind === 'box');
    const tagClassIds = own.filter((a) => a.kind === 'tag').map((a) => a.classId);
    // A classification image says nothing until it has a class, even if marked done.
    if (!labeled || (task === 'classify' && tagClassIds.length === 0)) {
      skippedUnlabeled++;
      continue;
    }
    const file = store.images.stored(image.id);
    if (!file) continue;
    stored.set(image.id, file);
    candidates.push({ image, source: media.mediaPath(file.hash, file.ext), boxes, tagClassIds });
  }

  const fallback = hasSplitSettings(store) ? splitSettings(store) : { ratios: DEFAULT_SPLIT, seed: request.seed };
  const splits = chooseSplits(candidates, task, request, fallback);
  const names = exportFileNames(candidates.map((c) => ({ id: c.image.id, name: c.image.name, ...stored.get(c.image.id)! })));
  const items = candidates.map((c) => ({ ...c, split: splits.get(c.image.id) ?? 'train', fileName: names.get(c.image.id)! }));
  return { items, skippedUnlabeled };
}

function chooseSplits(
  candidates: readonly Omit<ExportItem, 'split' | 'fileName'>[],
  task: TaskType,
  request: SplitRequest,
  fallback: { ratios: readonly [number, number, number]; seed: number },
): Map<number, Split> {
  const toSplitItem = (c: Omit<ExportItem, 'split' | 'fileName'>, keepOwn: boolean): SplitItem => ({
    id: c.image.id,
    classIds: task === 'detect' ? c.boxes.map((b) => b.classId) : c.tagClassIds,
    split: c.image.split,
    pinned: keepOwn && c.image.split !== null,
  });
  if (request.split) {
    return assignSplits(
      candidates.map((c) => toSplitItem(c, c.image.splitPinned)),
      request.split,
      request.seed,
    );
  }
  const result = new Map<number, Split>();
  const unassigned: SplitItem[] = [];
  for (const c of candidates) {
    if (c.image.split) result.set(c.image.id, c.image.split);
    else unassigned.push(toSplitItem(c, false));
  }
  // Images without a split are split among themselves, so new images do not all go to
  // whichever split the older ones left short.
  for (const [id, split] of assignSplits(unassigned, fallback.ratios, fallback.seed)) result.set(id, split);
  return result;
}
