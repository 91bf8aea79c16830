/**
 * The dataset health report: how classes and boxes are distributed, and what looks wrong before
 * a training run is spent on it (boxes too small to learn from, boxes with no size, boxes outside
 * their image, the same picture imported twice under different bytes).
 *
 * Near duplicates need each image's difference hash. Imports compute it; images from before that
 * (or whose hash failed) get theirs here, a few at a time from their thumbnails, so the event loop
 * stays free while a large project catches up.
 */
import fs from 'node:fs';
import {
  StudioError,
  type DatasetHealth,
  type HealthProblem,
  type HealthProblemKind,
  type Histogram,
} from '@shared';
import type { ProjectStore } from '../store/project-store.js';
import type { MediaStore } from '../media/media-store.js';
import { differenceHash } from '../media/difference-hash.js';
import { findNearDuplicates } from './near-duplicates.js';

/** Boxes per image above this share one bin. */
export const BOXES_PER_IMAGE_CAP = 50;
/** A box with a side shorter than this, in pixels, is too small to learn from. */
export const TINY_SIDE_PX = 4;
/** ...or one that covers less than this share of its image (0.01 %). */
export const TINY_AREA_SHARE = 0.0001;
/** A side shorter than one pixel: a click, not a box. */
export const DEGENERATE_SIDE_PX = 1;
/** How far past the image's edge a box may reach (rounding) before it counts as outside. */
export const OUT_OF_BOUNDS_TOLERANCE_PX = 0.5;
/** Difference hashes at most this many bits apart are near duplicates. */
export const NEAR_DUPLICATE_DISTANCE = 6;
/** Problems listed per kind; all are counted. */
export const PROBLEMS_PER_KIND = 200;
/** Image sizes listed, most common first. */
const IMAGE_SIZES_LISTED = 200;
const DHASH_BATCH = 32;
const ANNOTATION_PAGE = 20_000;
const HASH_PAGE = 20_000;

const FRACTION_BINS = 20;
const ASPECT_RANGE = 4;
const ASPECT_BINS = 16;

/**
 * Makes the health report of a project: distributions, suspicious boxes, near-duplicate images.
 * Fills in missing difference hashes first; the walk over annotations and the hash comparison
 * hand the event loop back as they go.
 */
export async function datasetHealth(store: ProjectStore, media: MediaStore): Promise<DatasetHealth> {
  await backfillDifferenceHashes(store, media);
  assertOpen(store);
  const counts = store.datasetQueries.labelTotals();

  const problems = new ProblemList();
  const scan = await scanAnnotations(store, problems);
  const classDistribution = store.classes.list().map((c) => ({
    classId: c.id,
    name: c.name,
    color: c.color,
    annotations: scan.perClass.get(c.id)?.annotations ?? 0,
    images: scan.perClass.get(c.id)?.images ?? 0,
  }));
  const boxesPerImage = boxesPerImageHistogram(scan.boxesPerImage, counts.labeled);

  const hashes = await differenceHashes(store);
  const near = await findNearDuplicates(hashes, NEAR_DUPLICATE_DISTANCE, PROBLEMS_PER_KIND);
  assertOpen(store);
  problems.addCounted('near_duplicate', near.count);
  for (const p of near.pairs) {
    problems.list.push({
      kind: 'near_duplicate',
      imageId: p.a,
      otherImageId: p.b,
      detail: p.distance === 0 ? 'the same picture (identical difference hash)' : `nearly the same picture (${p.distance} of 64 hash bits differ)`,
    });
  }

  const imageSizes = store.datasetQueries.commonSizes(IMAGE_SIZES_LISTED);

  return {
    images: counts.images,
    classDistribution,
    boxesPerImage,
    boxWidth: scan.width,
    boxHeight: scan.height,
    boxAspect: scan.aspect,
    imageSizes,
    unlabeledImages: counts.images - counts.labeled,
    emptyImages: counts.empty,
    problemCounts: problems.counts,
    problems: problems.sorted(),
  };
}

/**
 * Computes the difference hash of every image that lacks one, from its thumbnail (the original
 * where the thumbnail is missing), in small batches. Images that cannot be read are left without.
 */
export async function backfillDifferenceHashes(store: ProjectStore, media: MediaStore, onProgress?: (done: number, total: number) => void): Promise<number> {
  const total = store.images.missingDhashCount();
  let done = 0;
  let filled = 0;
  let cursor = 0;
  while (done < total) {
    const batch = store.images.missingDhash(cursor, DHASH_BATCH);
    if (batch.length === 0) break;
    cursor = batch[batch.length - 1].id;
    const hashed = await Promise.all(
      batch.map(async (image) => {
        const thumb = media.thumbPath(image.hash);
        try {
          if (fs.existsSync(thumb)) return { id: image.id, dhash: await differenceHash(thumb) };
          return { id: image.id, dhash: await differenceHash(media.mediaPath(image.hash, image.ext), { rotate: true }) };
        } catch {
          return null;
        }
      }),
    );
    assertOpen(store);
    const ok = hashed.filter((h): h is { id: number; dhash: string } => h !== null);
    store.images.setDhashes(ok);
    filled += ok.length;
    done += batch.length;
    onProgress?.(done, total);
  }
  return filled;
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** The report is made across several turns of the event loop; the user may close the project meanwhile. */
function assertOpen(store: ProjectStore): void {
  if (store.isClosed) throw new StudioError('no_project', 'The project was closed while its health report was being made.');
}

class ProblemList {
  readonly counts: Record<HealthProblemKind, number> = { tiny_box: 0, degenerate_box: 0, out_of_bounds_box: 0, near_duplicate: 0 };
  readonly list: HealthProblem[] = [];

  /** Counts a box's problem; lists it (and words its detail) only while its kind has room. */
  add(kind: HealthProblemKind, imageId: number, annotationId: string, detail: () => string): void {
    if (this.counts[kind]++ < PROBLEMS_PER_KIND) this.list.push({ kind, imageId, annotationId, detail: detail() });
  }

  addCounted(kind: HealthProblemKind, n: number): void {
    this.counts[kind] += n;
  }

  sorted(): HealthProblem[] {
    const order: HealthProblemKind[] = ['degenerate_box', 'out_of_bounds_box', 'tiny_box', 'near_duplicate'];
    return [...this.list].sort((a, b) => order.indexOf(a.kind) - order.indexOf(b.kind) || a.imageId - b.imageId || (a.otherImageId ?? 0) - (b.otherImageId ?? 0));
  }
}

/** Every image's difference hash, read a page at a time. */
async function differenceHashes(store: ProjectStore): Promise<{ id: number; dhash: string }[]> {
  const out: { id: number; dhash: string }[] = [];
  for (let after = 0; ; ) {
    await yieldToEventLoop();
    assertOpen(store);
    const rows = store.images.differenceHashPage(after, HASH_PAGE);
    for (const [id, dhash] of rows) out.push({ id, dhash });
    if (rows.length < HASH_PAGE) return out;
    after = rows[rows.length - 1][0];
  }
}

interface AnnotationScan {
  perClass: Map<number, { annotations: number; images: number }>;
  boxesPerImage: Map<number, number>;
  width: Histogram;
  height: Histogram;
  aspect: Histogram;
}

/**
 * Walks every annotation once, a page at a time in image order: counts per class, histograms of
 * box size and shape, and suspicious boxes.
 */
async function scanAnnotations(store: ProjectStore, problems: ProblemList): Promise<AnnotationScan> {
  const scan: AnnotationScan = {
    perClass: new Map(),
    boxesPerImage: new Map(),
    width: histogram(edgesOver(0, 1, FRACTION_BINS)),
    height: histogram(edgesOver(0, 1, FRACTION_BINS)),
    aspect: histogram(edgesOver(-ASPECT_RANGE, ASPECT_RANGE, ASPECT_BINS)),
  };
  const lastImageOfClass = new Map<number, number>();
  let after: [number, number] = [0, 0];
  for (;;) {
    const rows = store.datasetQueries.annotationGeometryPage(after, ANNOTATION_PAGE);
    for (const [imageId, , id, classId, kind, x, y, w, h, iw, ih] of rows) {
      const c = scan.perClass.get(classId) ?? { annotations: 0, images: 0 };
      c.annotations++;
      if (lastImageOfClass.get(classId) !== imageId) {
        c.images++;
        lastImageOfClass.set(classId, imageId);
      }
      scan.perClass.set(classId, c);
      if (kind === 'box') checkBox(scan, problems, { imageId, id, x, y, w, h, iw, ih });
    }
    if (rows.length < ANNOTATION_PAGE) break;
    const last = rows[rows.length - 1];
    after = [last[0], last[1]];
    await yieldToEventLoop();
    assertOpen(store);
  }
  return scan;
}

function checkBox(
  scan: AnnotationScan,
  problems: ProblemList,
  b: { imageId: number; id: string; x: number; y: number; w: number; h: number; iw: number; ih: number },
): void {
  const { imageId, id, x, y, w, h, iw, ih } = b;
  scan.boxesPerImage.set(imageId, (scan.boxesPerImage.get(imageId) ?? 0) + 1);
  add(scan.width, w / iw);
  add(scan.height, h / ih);
  add(scan.aspect, Math.log2(w / h));
  if (w < DEGENERATE_SIDE_PX || h < DEGENERATE_SIDE_PX) {
    problems.add('degenerate_box', imageId, id, () => `a ${fmt(w)} × ${fmt(h)} px box: thinner than a pixel`);
  } else if (w < TINY_SIDE_PX || h < TINY_SIDE_PX || w * h < TINY_AREA_SHARE * iw * ih) {
    problems.add('tiny_box', imageId, id, () => `a ${fmt(w)} × ${fmt(h)} px box in a ${iw} × ${ih} image: too small to learn from`);
  }
  const t = OUT_OF_BOUNDS_TOLERANCE_PX;
  if (x < -t || y < -t || x + w > iw + t || y + h > ih + t) {
    problems.add('out_of_bounds_box', imageId, id, () => `the box (${fmt(x)}, ${fmt(y)}) to (${fmt(x + w)}, ${fmt(y + h)}) reaches outside the ${iw} × ${ih} image`);
  }
}

/**
 * Labeled images by how many boxes they hold: one bin per count from 0, the last holding
 * BOXES_PER_IMAGE_CAP or more. Unlabeled images are left out: their 0 says nothing yet.
 */
function boxesPerImageHistogram(perImage: ReadonlyMap<number, number>, labeledImages: number): Histogram {
  let max = 0;
  for (const n of perImage.values()) max = Math.max(max, n);
  const bins = Math.min(max, BOXES_PER_IMAGE_CAP) + 1;
  const counts = new Array<number>(bins).fill(0);
  counts[0] = Math.max(0, labeledImages - perImage.size);
  for (const n of perImage.values()) counts[Math.min(n, BOXES_PER_IMAGE_CAP)]++;
  return { edges: Array.from({ length: bins + 1 }, (_, i) => i), counts };
}

function edgesOver(lo: number, hi: number, bins: number): number[] {
  return Array.from({ length: bins + 1 }, (_, i) => lo + ((hi - lo) * i) / bins);
}

function histogram(edges: number[]): Histogram {
  return { edges, counts: new Array<number>(edges.length - 1).fill(0) };
}

/** Counts a value in its bin; values past either end go to the end bins. */
function add(h: Histogram, value: number): void {
  const lo = h.edges[0];
  const hi = h.edges[h.edges.length - 1];
  const bins = h.counts.length;
  const bin = Number.isNaN(value) ? 0 : Math.floor(((value - lo) / (hi - lo)) * bins);
  h.counts[Math.min(Math.max(bin, 0), bins - 1)]++;
}

function fmt(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(1);
}
