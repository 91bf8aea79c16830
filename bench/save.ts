/**
 * bench/save: how long one labeling gesture takes to be committed, through the path the UI uses
 * (`host.invoke('reticle:annotations.apply', …)`: validation, the editor, the IMMEDIATE
 * transaction, WAL with synchronous=FULL, the answer with the image's annotations), on an image
 * holding 2,000 boxes in a project of 1,000 more images. Moves, creates and deletes, N of them.
 *
 * Baseline, in the same run on the same disk: one bare better-sqlite3 `UPDATE` of one row in its
 * own transaction, with the same pragmas.
 *
 *   npm run bench:save [-- --count 2000]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { AnnotationChange, Envelope } from '@shared';
import { createStudio } from '../src-main/studio.js';
import { ProjectStore } from '../src-main/services/store/project-store.js';
import type { SettingsStore } from '../src-main/services/settings/settings-store.js';

const countArg = process.argv.indexOf('--count');
const N = countArg > 0 ? Number(process.argv[countArg + 1]) : 2000;
const BOXES = 2000;
const OTHER_IMAGES = 1000;
const WARMUP = 50;
const W = 4000;
const H = 3000;
const ctx = { transport: 'ipc' as const };

function memorySettings(): SettingsStore {
  const data = new Map<string, unknown>();
  return { get: <T>(k: string) => data.get(k) as T | undefined, set: (k, v) => void data.set(k, v) };
}

/** A seeded generator, so every run edits the same boxes. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function percentiles(samples: number[]): { p50: number; p95: number; p99: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return { p50: at(0.5), p95: at(0.95), p99: at(0.99) };
}

const fmt = (ms: number) => ms.toFixed(3);

function buildProject(dir: string): { imageId: number; classId: number; boxIds: string[] } {
  const store = ProjectStore.create(dir, { name: 'bench', task: 'detect' });
  const classId = store.classes.create('object').id;
  const rand = random(1);
  let imageId = 0;
  const boxIds: string[] = [];
  store.db.transaction(() => {
    for (let i = 0; i <= OTHER_IMAGES; i++) {
      const id = store.images.insert({ hash: i.toString(16).padStart(64, '0'), ext: '.jpg', format: 'jpeg', name: `${i}.jpg`, originalPath: `/bench/${i}.jpg`, width: W, height: H, bytes: 1 });
      if (i === OTHER_IMAGES / 2) imageId = id;
    }
    const boxes = Array.from({ length: BOXES }, (_, k) => {
      const id = `box-${k}`;
      boxIds.push(id);
      return { id, kind: 'box' as const, classId, x: rand() * (W - 100), y: rand() * (H - 100), w: 20 + rand() * 80, h: 20 + rand() * 80 };
    });
    store.annotations.insertMany(imageId, boxes);
  })();
  store.dispose();
  return { imageId, classId, boxIds };
}

async function studioEdits(dir: string): Promise<number[]> {
  const { imageId, classId, boxIds } = buildProject(dir);
  const studio = createStudio({ mode: 'serve', settings: memorySettings() });
  const opened = await studio.host.invoke('reticle:projects.open', { dir }, ctx);
  if (!opened.ok) throw new Error(`cannot open the bench project: ${opened.error.message}`);
  const rand = random(2);
  const live = [...boxIds];
  let made = 0;

  /** One gesture, as the labeler sends it: a move, a drawn box, or a deleted one. */
  const gesture = (i: number): AnnotationChange[] => {
    const kind = i % 4;
    if (kind === 2) {
      const id = `drawn-${made++}`;
      live.push(id);
      return [{ op: 'create', annotation: { id, classId, kind: 'box', x: rand() * (W - 100), y: rand() * (H - 100), w: 30, h: 40 } }];
    }
    if (kind === 3) {
      const id = live.splice(Math.floor(rand() * live.length), 1)[0];
      return [{ op: 'delete', id }];
    }
    const id = live[Math.floor(rand() * live.length)];
    return [{ op: 'update', id, patch: { x: rand() * (W - 100), y: rand() * (H - 100) } }];
  };

  const times: number[] = [];
  for (let i = 0; i < WARMUP + N; i++) {
    const changes = gesture(i);
    const started = performance.now();
    const result = (await studio.host.invoke('reticle:annotations.apply', { imageId, changes }, ctx)) as Envelope<{ annotations: unknown[] }>;
    const ms = performance.now() - started;
    if (!result.ok) throw new Error(`edit ${i} failed: ${result.error.message}`);
    if (Math.abs(result.value.annotations.length - live.length) > 0) throw new Error(`edit ${i}: ${result.value.annotations.length} annotations, expected ${live.length}`);
    if (i >= WARMUP) times.push(ms);
  }
  await studio.dispose();

  // What was answered is what was committed.
  const store = ProjectStore.open(dir);
  const stored = store.annotations.forImage(imageId).length;
  store.dispose();
  if (stored !== live.length) throw new Error(`the project holds ${stored} boxes after the run, expected ${live.length}`);
  return times;
}

function bareUpdates(file: string): number[] {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.exec('CREATE TABLE boxes (id TEXT PRIMARY KEY, x REAL, y REAL, w REAL, h REAL, updated_at TEXT)');
  const insert = db.prepare('INSERT INTO boxes VALUES (?, ?, ?, 50, 50, ?)');
  db.transaction(() => {
    for (let k = 0; k < BOXES; k++) insert.run(`box-${k}`, k, k, new Date().toISOString());
  })();
  const update = db.prepare('UPDATE boxes SET x = ?, y = ?, updated_at = ? WHERE id = ?');
  const edit = db.transaction((k: number, x: number, y: number) => update.run(x, y, new Date().toISOString(), `box-${k}`));
  const rand = random(3);
  const times: number[] = [];
  for (let i = 0; i < WARMUP + N; i++) {
    const k = Math.floor(rand() * BOXES);
    const started = performance.now();
    edit.immediate(k, rand() * W, rand() * H);
    const ms = performance.now() - started;
    if (i >= WARMUP) times.push(ms);
  }
  db.close();
  return times;
}

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'reticle-bench-save-'));
try {
  console.log(`bench/save: ${N} single-gesture edits (moves, creates, deletes) on an image with ${BOXES} boxes, ${OTHER_IMAGES} other images; ${os.availableParallelism()} cores, ${os.cpus()[0]?.model ?? 'cpu'}`);
  const bare = percentiles(bareUpdates(path.join(root, 'bare.db')));
  const studio = percentiles(await studioEdits(path.join(root, 'project')));
  console.log(`save one edit: p50 ${fmt(studio.p50)} ms, p95 ${fmt(studio.p95)} ms, p99 ${fmt(studio.p99)} ms (target p95 ≤ 5 ms)`);
  console.log(`bare sqlite update: p50 ${fmt(bare.p50)} ms, p95 ${fmt(bare.p95)} ms, p99 ${fmt(bare.p99)} ms (WAL, synchronous=FULL, one row per transaction)`);
  console.log(`ratio studio / bare: p50 ${(studio.p50 / bare.p50).toFixed(1)}×, p95 ${(studio.p95 / bare.p95).toFixed(1)}×`);
} finally {
  fs.rmSync(root, { recursive: true, force: true });
}
