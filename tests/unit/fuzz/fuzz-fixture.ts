/**
 * What every bad-input property shares: fast-check's run settings, a sandbox folder whose file
 * list is compared before and after, a real project to import into, and the checks a user would
 * notice (the project opens, boxes lie on their images, errors say what went wrong).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, afterEach, expect } from 'vitest';
import type { Parameters } from 'fast-check';
import { ClassNameSchema, StudioError, type ImportFormat, type ImportReport, type TaskType } from '@shared';
import { ProjectStore } from '../../../src-main/services/store/project-store.js';
import { MediaStore } from '../../../src-main/services/media/media-store.js';
import { planImport } from '../../../src-main/services/import/formats/plan-import.js';
import { runImport } from '../../../src-main/services/import/pipeline.js';

/**
 * One fixed seed, so a failure reproduces; fast-check prints it with the shrunk counterexample.
 * `FUZZ_SEED` explores other inputs and `FUZZ_RUNS` scales every property's run count, e.g.
 * `FUZZ_SEED=7 FUZZ_RUNS=10 npx vitest run tests/unit/fuzz` for a longer hunt.
 */
export const FUZZ_SEED = Number(process.env.FUZZ_SEED ?? 20_260_607);
const RUN_SCALE = Number(process.env.FUZZ_RUNS ?? 1);

export function fuzzRuns<T>(numRuns: number, extra: Parameters<T> = {}): Parameters<T> {
  return { seed: FUZZ_SEED, numRuns: Math.max(1, Math.round(numRuns * RUN_SCALE)), ...extra };
}

/**
 * Time for one import property: a hundred real imports, with room for a busy machine. A parser
 * that hangs still fails the test, at this limit.
 */
export const IMPORT_PROPERTY_TIMEOUT_MS = 180_000;

const made: string[] = [];

afterEach(() => {
  for (const dir of made.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** A fresh folder under the system temp dir, removed after the test. */
export function sandboxDir(prefix = 'reticle-fuzz-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  made.push(dir);
  return dir;
}

let samples: Promise<{ dir: string; files: SampleImage[] }> | null = null;

export interface SampleImage {
  file: string;
  width: number;
  height: number;
}

/**
 * Three small real images of different sizes and formats, made once per test file: datasets
 * copy them, so a property run costs a copy, not an encode.
 */
export function sampleImages(): Promise<SampleImage[]> {
  samples ??= (async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'reticle-fuzz-samples-'));
    const specs = [
      { name: 'a.jpg', width: 40, height: 30, shade: 30 },
      { name: 'b.png', width: 33, height: 47, shade: 120 },
      { name: 'c.webp', width: 64, height: 16, shade: 220 },
    ];
    const files: SampleImage[] = [];
    for (const s of specs) {
      const file = path.join(dir, s.name);
      await sharp({ create: { width: s.width, height: s.height, channels: 3, background: { r: s.shade, g: 255 - s.shade, b: 77 } } }).toFile(file);
      files.push({ file, width: s.width, height: s.height });
    }
    return { dir, files };
  })();
  return samples.then((s) => s.files);
}

afterAll(async () => {
  if (samples) fs.rmSync((await samples).dir, { recursive: true, force: true });
  samples = null;
});

/** Writes a file, making its folder. */
export function writeFile(file: string, data: string | Uint8Array): string {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, data);
  return file;
}

/** Copies a sample image to `file`, making its folder. */
export function copyImage(sample: SampleImage, file: string): string {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.copyFileSync(sample.file, file);
  return file;
}

/** Removes a sandbox now, inside a long property, rather than at the end of the test. */
export function removeSandbox(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
  const i = made.indexOf(dir);
  if (i >= 0) made.splice(i, 1);
}

/**
 * Every entry under `root` (links not followed) with what would show a write: its type, size
 * and modification time. Entries under `except` (the project being written) are left out.
 */
export function snapshotTree(root: string, except?: string): Map<string, string> {
  const out = new Map<string, string>();
  const visit = (dir: string) => {
    for (const name of fs.readdirSync(dir)) {
      const full = path.join(dir, name);
      if (except && (full === except || full.startsWith(`${except}${path.sep}`))) continue;
      const st = fs.lstatSync(full);
      const type = st.isSymbolicLink() ? `link→${fs.readlinkSync(full)}` : st.isDirectory() ? 'dir' : st.isFile() ? 'file' : 'other';
      out.set(path.relative(root, full), `${type}:${st.isFile() ? st.size : 0}:${st.isFile() ? st.mtimeMs : 0}`);
      if (st.isDirectory()) visit(full);
    }
  };
  visit(root);
  return out;
}

/** Asserts that nothing under `root` but `except` was added, removed or modified. */
export function expectUntouched(before: Map<string, string>, root: string, except?: string): void {
  const after = snapshotTree(root, except);
  const added = [...after.keys()].filter((k) => !before.has(k));
  const removed = [...before.keys()].filter((k) => !after.has(k));
  const changed = [...before.keys()].filter((k) => after.has(k) && after.get(k) !== before.get(k));
  expect({ added, removed, changed }, `files outside the project changed under ${root}`).toEqual({ added: [], removed: [], changed: [] });
}

export interface ImportOutcome {
  /** The import's report, when it ran to its end. */
  report?: ImportReport;
  /** The StudioError that stopped it, when one did. */
  error?: StudioError;
}

/**
 * Runs the real planner and importer, as the import job does, into `store`. Only a StudioError
 * with a message may stop it; anything else thrown fails the test.
 */
export async function importInto(store: ProjectStore, paths: string[], format: ImportFormat): Promise<ImportOutcome> {
  try {
    const plan = await planImport(paths, format, store.info().task);
    return { report: await runImport(store, new MediaStore(store.paths), plan, { concurrency: 2 }) };
  } catch (err) {
    if (err instanceof StudioError && err.message.trim() !== '') return { error: err };
    throw err;
  }
}

/**
 * A new project for one property run. Commits skip the fsync: these properties are about what
 * is written, not about surviving a power cut, and a hundred fsync'd projects a property would
 * make the run depend on the disk more than on the code.
 */
export function createProject(dir: string, task: TaskType = 'detect'): ProjectStore {
  const store = ProjectStore.create(dir, { name: 'fuzz', task });
  store.db.pragma('synchronous = OFF');
  return store;
}

interface StoredBox {
  image: string;
  x: number;
  y: number;
  w: number;
  h: number;
  width: number;
  height: number;
}

/** Every box of the project, with its image's size. */
export function storedBoxes(store: ProjectStore): StoredBox[] {
  return store.db
    .prepare(
      `SELECT i.name AS image, a.x, a.y, a.w, a.h, i.width, i.height
       FROM annotations a JOIN images i ON i.id = a.image_id WHERE a.kind = 'box' ORDER BY a.rowid`,
    )
    .all() as StoredBox[];
}

/**
 * What a person opening the project afterwards relies on: the database is sound, every box lies
 * on its image with a positive size, every class name is one the UI accepts, and every problem
 * reported says where and what.
 */
export function expectSoundProject(store: ProjectStore, outcome: ImportOutcome): void {
  expect(store.integrityCheck()).toBe('ok');
  expect(store.db.pragma('foreign_key_check')).toEqual([]);
  for (const b of storedBoxes(store)) {
    const where = `${b.image}: box ${b.x},${b.y} ${b.w}×${b.h} on ${b.width}×${b.height}`;
    expect([b.x, b.y, b.w, b.h].every(Number.isFinite), where).toBe(true);
    expect(b.w > 0 && b.h > 0, where).toBe(true);
    expect(b.x >= 0 && b.y >= 0, where).toBe(true);
    // The pipeline clamps x + w to the width; float rounding may leave a hair over.
    expect(b.x + b.w <= b.width * (1 + 1e-9) && b.y + b.h <= b.height * (1 + 1e-9), where).toBe(true);
  }
  for (const c of store.classes.list()) {
    expect(ClassNameSchema.safeParse(c.name).success, `class name ${JSON.stringify(c.name)}`).toBe(true);
  }
  for (const f of outcome.report?.failed ?? []) {
    expect(typeof f.path === 'string' && f.path !== '', JSON.stringify(f)).toBe(true);
    expect(typeof f.reason === 'string' && f.reason.trim() !== '', JSON.stringify(f)).toBe(true);
  }
}
