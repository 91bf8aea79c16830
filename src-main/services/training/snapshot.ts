/**
 * A run's dataset snapshot: the exact images, labels and split it trained on, frozen into
 * `runs/<id>/dataset/` when the run is queued, so that labeling on while it trains (or after)
 * changes nothing under it, and a resumed run sees what the first part saw.
 *
 * It is the studio's own export (YOLO for detection, class folders for classification) with the
 * images hard-linked from the media store rather than copied: media files are content-addressed
 * and never modified, so a link is as good as a copy and costs no disk space. Across devices the
 * export falls back to copying.
 */
import path from 'node:path';
import type { Split, TaskType } from '@shared';
import type { ProjectStore } from '../store/project-store.js';
import type { MediaStore } from '../media/media-store.js';
import { exportDataset } from '../export/export-dataset.js';

interface DatasetSnapshot {
  /** The snapshot folder. */
  dir: string;
  /** What the runtime's `data` names: data.yaml for detection, the folder for classification. */
  data: string;
  images: number;
  perSplit: Record<Split, number>;
  classes: string[];
}

interface SnapshotOptions {
  /** train, val, test; left out: the project's own split (stratified by `seed` where an image has none). */
  split?: [number, number, number];
  seed: number;
  signal?: AbortSignal;
}

/**
 * Exports the project's labeled images into `dir` (which must not exist yet).
 *
 * @throws StudioError `invalid_input` when nothing is labeled yet (the export's own message)
 */
export async function snapshotDataset(store: ProjectStore, media: MediaStore, dir: string, options: SnapshotOptions): Promise<DatasetSnapshot> {
  const task: TaskType = store.info().task;
  const format = task === 'detect' ? 'yolo' : 'folders';
  const report = await exportDataset(
    store,
    media,
    { format, outDir: dir, split: options.split, seed: options.seed, overwrite: false },
    { media: 'link', allowInsideRuns: true, signal: options.signal },
  );
  return {
    dir: report.outDir,
    data: task === 'detect' ? path.join(report.outDir, 'data.yaml') : report.outDir,
    images: report.images,
    perSplit: report.perSplit,
    classes: store.classes.list().map((c) => c.name),
  };
}
