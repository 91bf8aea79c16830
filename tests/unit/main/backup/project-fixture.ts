/**
 * Real projects for the backup tests: images imported through the import pipeline (so media is
 * content-addressed and thumbnails exist), YOLO boxes, classes, splits with a pinned image, and
 * a finished training run with weights, a results file and a dataset that hard-links its media.
 * `projectDigest` reads everything a user would call "the project" for comparison.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import { afterEach } from 'vitest';
import { ProjectStore } from '../../../../src-main/services/store/project-store.js';
import { MediaStore } from '../../../../src-main/services/media/media-store.js';
import { planImport } from '../../../../src-main/services/import/formats/plan-import.js';
import { runImport } from '../../../../src-main/services/import/pipeline.js';
import { applySplits, pinSplits } from '../../../../src-main/services/dataset/project-splits.js';
import { makeImage, tempDir } from '../../helpers/images.js';
import { filesUnder } from './s3-fixture.js';

let seed = 100;
const scratch: string[] = [];

afterEach(() => {
  for (const dir of scratch.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** A temporary folder, removed after the test. */
export function scratchDir(prefix = 'reticle-backup-'): string {
  const dir = tempDir(prefix);
  scratch.push(dir);
  return dir;
}

/** Makes a YOLO dataset of `count` labeled images and imports it into the project. */
export async function importLabeledImages(store: ProjectStore, count: number): Promise<void> {
  const src = scratchDir('backup-src-');
  fs.writeFileSync(path.join(src, 'data.yaml'), 'train: images\nval: images\nnames: [bird, nest]\n');
  fs.mkdirSync(path.join(src, 'labels'), { recursive: true });
  for (let i = 0; i < count; i++) {
    const name = `img${seed}`;
    await makeImage(path.join(src, 'images', `${name}.jpg`), { width: 96, height: 64, seed: seed++ });
    fs.writeFileSync(path.join(src, 'labels', `${name}.txt`), `0 0.5 0.5 0.25 0.25\n1 0.2 0.3 0.1 0.2\n`);
  }
  const plan = await planImport([src], 'yolo', 'detect');
  const report = await runImport(store, new MediaStore(store.paths), plan);
  if (report.imported !== count) throw new Error(`the fixture imported ${report.imported} of ${count} images: ${JSON.stringify(report.failed)}`);
  fs.rmSync(src, { recursive: true, force: true });
}

export interface RunFiles {
  id: string;
  /** Bytes of the weights file. */
  weightsBytes: number;
}

/** A finished training run: its row, weights of `weightsBytes` random bytes, a CSV, and a dataset linking media. */
export function addFinishedRun(store: ProjectStore, weightsBytes = 40_000): RunFiles {
  const id = `run-${randomBytes(3).toString('hex')}`;
  const now = new Date().toISOString();
  store.db
    .prepare(
      `INSERT INTO runs (id, name, status, spec, model, epochs, epochs_done, created_at, started_at, ended_at, best, resumable)
       VALUES (?, ?, 'completed', ?, 'yolo11n.yaml', 3, 3, ?, ?, ?, ?, 1)`,
    )
    .run(id, 'first run', JSON.stringify({ epochs: 3 }), now, now, now, JSON.stringify({ epoch: 3, map50: 0.5 }));
  store.db.prepare('INSERT INTO run_epochs (run_id, epoch, record) VALUES (?, 1, ?)').run(id, JSON.stringify({ epoch: 1, loss: 1.5 }));
  const dir = path.join(store.paths.runs, id);
  fs.mkdirSync(path.join(dir, 'weights'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'weights', 'best.pt'), randomBytes(weightsBytes));
  fs.writeFileSync(path.join(dir, 'results.csv'), 'epoch,loss\n1,1.5\n2,1.2\n3,1.0\n');
  store.db.prepare('INSERT INTO run_artifacts (run_id, kind, path, bytes) VALUES (?, ?, ?, ?)').run(id, 'weights', `runs/${id}/weights/best.pt`, weightsBytes);
  // As a run's dataset snapshot does: its images are hard links to the media store.
  const image = store.db.prepare('SELECT hash, ext FROM images ORDER BY id LIMIT 1').get() as { hash: string; ext: string } | undefined;
  if (image) {
    fs.mkdirSync(path.join(dir, 'dataset', 'images', 'train'), { recursive: true });
    fs.linkSync(new MediaStore(store.paths).mediaPath(image.hash, image.ext), path.join(dir, 'dataset', 'images', 'train', `first${image.ext}`));
  }
  return { id, weightsBytes };
}

/** A detection project with labeled images, classes, a split (one image pinned) and a finished run. */
export async function makeBackupProject(options: { images?: number; weightsBytes?: number; name?: string } = {}): Promise<{ dir: string; store: ProjectStore; run: RunFiles }> {
  const dir = path.join(scratchDir('backup-project-'), 'project');
  const store = ProjectStore.create(dir, { name: options.name ?? 'Bird nests', task: 'detect' });
  await importLabeledImages(store, options.images ?? 6);
  store.classes.create('egg', '#aabbcc');
  applySplits(store, { ratios: [0.6, 0.2, 0.2], seed: 7 });
  const first = store.db.prepare('SELECT id FROM images ORDER BY id LIMIT 1').get() as { id: number };
  pinSplits(store, [first.id], 'test');
  store.images.setStatus([first.id], 'done');
  const run = addFinishedRun(store, options.weightsBytes);
  return { dir, store, run };
}

/** Every row a user would call "the project", and every media and run file by its sha256. */
export function projectDigest(dir: string): { rows: Record<string, unknown[]>; files: Record<string, string> } {
  const db = new Database(path.join(dir, 'project.db'), { readonly: true });
  const rows: Record<string, unknown[]> = {};
  try {
    for (const [table, order] of Object.entries({ project: 'id', settings: 'key', classes: 'id', images: 'id', annotations: 'id', runs: 'id', run_epochs: 'run_id, epoch', run_artifacts: 'run_id, path', suggestions: 'id' })) {
      rows[table] = db.prepare(`SELECT * FROM ${table} ORDER BY ${order}`).all();
    }
  } finally {
    db.close();
  }
  const files: Record<string, string> = {};
  for (const rel of filesUnder(dir).filter((f) => f.startsWith('media/') || f.startsWith('runs/'))) {
    files[rel] = createHash('sha256').update(fs.readFileSync(path.join(dir, rel))).digest('hex');
  }
  return { rows, files };
}
