/**
 * The kill loop: starts a process that labels and imports through the studio's own services
 * (kill-child.ts), SIGKILLs it at a random moment (seeded), and checks the project after every
 * kill, with the studio's own ProjectStore:
 *
 * - `PRAGMA integrity_check` is ok and no foreign key points nowhere;
 * - no committed edit is lost: every gesture the child reported committed is in the database with
 *   its exact geometry and class, and nothing else is (the manual boxes equal the model built
 *   from the log);
 * - no half gesture: the gesture in flight when the kill came is there whole or not at all;
 * - imports: every image of an import that returned is there, an import cut off left only whole
 *   images, each with exactly the labels of its label file; no image is there twice;
 * - every image's media file exists and hashes to its name, its thumbnail exists, and the
 *   image's annotation count matches its annotations;
 * - temporary files a killed write left behind are gone once the project has been opened.
 *
 * At the end a child that is not killed imports every batch left; the project then holds every
 * image once. Used by kill-loop.test.ts (about 20 kills) and bench/crash.ts (200 and more).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';
import sharp from 'sharp';
import { ProjectStore } from '../../../../src-main/services/store/project-store.js';
import { MediaStore } from '../../../../src-main/services/media/media-store.js';
import { planImport } from '../../../../src-main/services/import/formats/plan-import.js';
import { runImport } from '../../../../src-main/services/import/pipeline.js';
import { temporaryFiles } from './temporary-files.js';
import { random, type BatchInfo, type ChildArgs, type ChildLine } from './kill-protocol.js';

/** The repository: found upwards, as bench/crash.ts runs this file bundled into .bench/. */
function repositoryRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json')) && fs.existsSync(path.join(dir, 'src-main'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no repository above ${from}`);
  }
}
const ROOT = repositoryRoot(import.meta.dirname);
const CHILD_SOURCE = path.join(ROOT, 'tests/unit/main/faults/kill-child.ts');
const CLASS_NAMES = ['a', 'b', 'c'];

export interface KillLoopOptions {
  kills: number;
  /**
   * Where each kill lands depends on how far the child got by then, so on the machine's speed.
   * A caller that needs the kills to have landed on given kinds of step says so here: after
   * `kills` kills the loop goes on killing until `enough(result)` holds, `maxKills` in all at
   * most (a hang guard; the result then says what it lacks).
   */
  enough?: (result: KillLoopResult) => boolean;
  maxKills?: number;
  seed: number;
  /** YOLO datasets the child imports one after another, each of `imagesPerBatch` small JPEGs. */
  batches: number;
  imagesPerBatch: number;
  /** A kill lands this long at most after the child said it is ready. */
  maxDelayMs?: number;
  /** The share of the child's steps that import (the rest are labeling gestures). */
  importShare?: number;
  /** Called after each kill's checks passed. */
  onKill?: (kill: KillRecord) => void;
  /** A fault put in the child on purpose (see ChildArgs), to show that the checks catch it. */
  fault?: ChildArgs['fault'];
  /**
   * A second process that labels the same project the whole time and is never killed: its
   * committed gestures are checked after every kill as the killed process's are. It pauses
   * between two gestures while a kill's checks run, so they read one moment of the project.
   */
  concurrentWriter?: boolean;
}

export interface KillRecord {
  index: number;
  /** What the kill cut off: a gesture, an import, or nothing under way (between steps, or starting up). */
  during: 'gesture' | 'import' | 'idle';
  /** For a gesture cut off: whether its commit had landed (the answer had not been logged yet). */
  inFlightCommitted: boolean | null;
  /** From spawning the child to the end of the checks. */
  ms: number;
  verifyMs: number;
  checks: number;
}

export interface KillLoopResult {
  kills: KillRecord[];
  /** Checks that passed, over every kill and the final run. */
  checks: number;
  /** Gestures the child reported committed; each was found intact after every later kill. */
  gesturesCommitted: number;
  /** Committed gestures' annotations compared row by row, summed over the kills. */
  rowsCompared: number;
  importsCompleted: number;
  /** Gestures the concurrent writer committed (0 without one); each was found intact after every kill. */
  concurrentGestures: number;
  /** Temporary files that kills left and opening the project removed. */
  tempFilesCleaned: number;
  /** Media files without an image row, the most seen after a kill (harmless: the next import uses them). */
  orphanMedia: number;
  images: number;
  annotations: number;
  totalMs: number;
}

interface Expected {
  batch: string;
  labels: { className: string; x: number; y: number; w: number; h: number }[];
}

interface ManualBox {
  imageId: number;
  classId: number;
  x: number;
  y: number;
  w: number;
  h: number;
}
type Intent = Extract<ChildLine, { t: 'intent' }>;

/** Bundles the child once (the project's path alias, dependencies left external) next to node_modules. */
export async function buildChild(): Promise<string> {
  const outfile = path.join(ROOT, '.bench', 'faults', `kill-child-${process.pid}.mjs`);
  await build({
    entryPoints: [CHILD_SOURCE],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    alias: { '@shared': path.join(ROOT, 'src-shared/index.ts') },
    logLevel: 'warning',
  });
  return outfile;
}

/** Small YOLO datasets with random pixels (no two images alike) and 1–3 boxes each. */
async function makeBatches(dir: string, count: number, perBatch: number, rand: () => number): Promise<{ batches: BatchInfo[]; expected: Map<string, Expected> }> {
  const batches: BatchInfo[] = [];
  const expected = new Map<string, Expected>();
  const sizes = [
    [64, 48],
    [80, 60],
    [48, 64],
  ];
  for (let b = 0; b < count; b++) {
    const name = `b${String(b).padStart(4, '0')}`;
    const root = path.join(dir, name);
    fs.mkdirSync(path.join(root, 'images'), { recursive: true });
    fs.mkdirSync(path.join(root, 'labels'), { recursive: true });
    fs.writeFileSync(path.join(root, 'data.yaml'), `train: images\nval: images\nnames: [${CLASS_NAMES.join(', ')}]\n`);
    const images: string[] = [];
    for (let i = 0; i < perBatch; i++) {
      const [width, height] = sizes[(b + i) % sizes.length];
      const raw = Buffer.alloc(width * height * 3);
      for (let p = 0; p < raw.length; p++) raw[p] = Math.floor(rand() * 256);
      const file = `${name}-${i}.jpg`;
      await sharp(raw, { raw: { width, height, channels: 3 } }).jpeg({ quality: 80 }).toFile(path.join(root, 'images', file));
      const labels: Expected['labels'] = [];
      const lines: string[] = [];
      for (let k = 0, n = 1 + Math.floor(rand() * 3); k < n; k++) {
        const cls = Math.floor(rand() * CLASS_NAMES.length);
        const w = 4 + Math.floor(rand() * (width / 2));
        const h = 4 + Math.floor(rand() * (height / 2));
        const x = Math.floor(rand() * (width - w));
        const y = Math.floor(rand() * (height - h));
        labels.push({ className: CLASS_NAMES[cls], x, y, w, h });
        lines.push(`${cls} ${(x + w / 2) / width} ${(y + h / 2) / height} ${w / width} ${h / height}`);
      }
      fs.writeFileSync(path.join(root, 'labels', `${name}-${i}.txt`), `${lines.join('\n')}\n`);
      images.push(file);
      expected.set(file, { batch: name, labels });
    }
    batches.push({ name, images });
  }
  return { batches, expected };
}

function applyIntent(model: Map<string, ManualBox>, intent: Intent): Map<string, ManualBox> {
  const next = new Map(model);
  for (const change of intent.changes) {
    if (change.op === 'create') {
      const a = change.annotation;
      if (a.kind !== 'box') throw new Error('the child draws boxes only');
      next.set(a.id, { imageId: intent.imageId, classId: a.classId, x: a.x, y: a.y, w: a.w, h: a.h });
    } else if (change.op === 'update') {
      const current = next.get(change.id);
      if (!current) throw new Error(`gesture ${intent.seq} updates ${change.id}, which the model does not hold`);
      next.set(change.id, { ...current, ...change.patch });
    } else next.delete(change.id);
  }
  return next;
}

function readLog(file: string): ChildLine[] {
  if (!fs.existsSync(file)) return [];
  const text = fs.readFileSync(file, 'utf8');
  // A line the kill cut in half was never acted on after: the step it announces had not started.
  const complete = text.slice(0, text.lastIndexOf('\n') + 1);
  return complete
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as ChildLine);
}


const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The annotation-id prefix of the concurrent writer. */
const WRITER_TAG = 'cw';

interface Writer {
  log: string;
  pause(): Promise<void>;
  resume(): void;
  stop(): Promise<number | null>;
  stderr(): string;
}

/** Starts the process that labels alongside the killed ones (ChildArgs.role 'concurrent'). */
async function startWriter(childFile: string, workDir: string, base: Pick<ChildArgs, 'dir' | 'batchesDir' | 'batches' | 'seed'>): Promise<Writer> {
  const log = path.join(workDir, 'logs', 'concurrent-writer.jsonl');
  fs.mkdirSync(path.dirname(log), { recursive: true });
  const args: ChildArgs = { ...base, log, tag: WRITER_TAG, importShare: 0, finish: false, maxMs: 0, role: 'concurrent' };
  const child = spawn(process.execPath, [childFile, JSON.stringify(args)], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
  let err = '';
  let out = '';
  let waiter: { word: string; resolve: () => void } | null = null;
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  child.stdout!.on('data', (c: Buffer) => {
    out += c.toString();
    if (waiter && out.includes(`${waiter.word}\n`)) {
      out = out.replace(`${waiter.word}\n`, '');
      const w = waiter;
      waiter = null;
      w.resolve();
    }
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const answer = (word: string) =>
    new Promise<void>((resolve, reject) => {
      if (out.includes(`${word}\n`)) {
        out = out.replace(`${word}\n`, '');
        resolve();
        return;
      }
      waiter = { word, resolve };
      void exited.then((code) => reject(new Failure(`the concurrent writer ended (${code}) before saying ${word}: ${err}`)));
    });
  await answer('ready');
  return {
    log,
    pause: () => {
      const paused = answer('paused');
      child.stdin!.write('pause\n');
      return paused;
    },
    resume: () => child.stdin!.write('resume\n'),
    stop: () => {
      child.stdin!.write('stop\n');
      return exited;
    },
    stderr: () => err,
  };
}

class Failure extends Error {}

export async function runKillLoop(workDir: string, options: KillLoopOptions): Promise<KillLoopResult> {
  const started = Date.now();
  const rand = random(options.seed);
  const maxDelayMs = options.maxDelayMs ?? 400;
  const childFile = await buildChild();
  try {
    const batchesDir = path.join(workDir, 'batches');
    const { batches, expected } = await makeBatches(batchesDir, options.batches, options.imagesPerBatch, random(options.seed ^ 0x5eed));
    const dir = path.join(workDir, 'project');
    const setup = ProjectStore.create(dir, { name: 'kill loop', task: 'detect' });
    setup.classes.ensure(CLASS_NAMES);
    const classIds = new Map(setup.classes.list().map((c) => [c.id, c.name]));
    setup.dispose();

    let model = new Map<string, ManualBox>();
    const completedBatches = new Set<string>();
    const startedBatches = new Set<string>();
    const result: KillLoopResult = {
      kills: [],
      checks: 0,
      gesturesCommitted: 0,
      rowsCompared: 0,
      importsCompleted: 0,
      concurrentGestures: 0,
      tempFilesCleaned: 0,
      orphanMedia: 0,
      images: 0,
      annotations: 0,
      totalMs: 0,
    };

    /** Reads one child's log into the model; returns what it left in flight. */
    const absorb = (lines: ChildLine[], where: string): { gesture: Intent | null; batch: string | null } => {
      const intents = new Map<number, Intent>();
      const imports = new Map<number, string>();
      for (const line of lines) {
        if (line.t === 'intent') intents.set(line.seq, line);
        else if (line.t === 'commit') {
          model = applyIntent(model, intents.get(line.seq)!);
          intents.delete(line.seq);
          result.gesturesCommitted++;
        } else if (line.t === 'import') {
          imports.set(line.seq, line.batch);
          startedBatches.add(line.batch);
        } else {
          imports.delete(line.seq);
          const size = batches.find((b) => b.name === line.batch)!.images.length;
          if (line.failed !== 0 || line.imported + line.duplicates !== size) {
            throw new Failure(`${where}: the import of ${line.batch} reported ${line.imported} imported, ${line.duplicates} duplicates and ${line.failed} failed of ${size}`);
          }
          completedBatches.add(line.batch);
          result.importsCompleted++;
        }
      }
      if (intents.size + imports.size > 1) throw new Failure(`${where}: more than one step was in flight`);
      return { gesture: [...intents.values()][0] ?? null, batch: [...imports.values()][0] ?? null };
    };

    /** Opens the project as the studio does and checks everything; adopts a gesture cut off after its commit. */
    const verify = (where: string, inFlight: Intent | null): { checks: number; committed: boolean | null } => {
      let checks = 0;
      const check = (ok: boolean, what: () => string) => {
        if (!ok) throw new Failure(`${where}: ${what()}`);
        checks++;
      };
      const leftovers = temporaryFiles(dir).length;
      const store = ProjectStore.open(dir);
      try {
        result.tempFilesCleaned += leftovers;
        const stillThere = temporaryFiles(dir);
        check(stillThere.length === 0, () => `opening the project left temporary files: ${stillThere.join(', ')}`);
        check(store.integrityCheck() === 'ok', () => `integrity_check says ${store.integrityCheck()}`);
        check((store.db.pragma('foreign_key_check') as unknown[]).length === 0, () => 'foreign_key_check found rows pointing nowhere');

        // Images: known, once each, with their media and thumbnail, complete imports whole.
        const media = new MediaStore(store.paths);
        const images = store.db.prepare('SELECT id, name, hash, ext FROM images').all() as { id: number; name: string; hash: string; ext: string }[];
        const names = new Set(images.map((i) => i.name));
        check(names.size === images.length, () => 'an image is in the project twice');
        for (const image of images) {
          const known = expected.get(image.name);
          check(known !== undefined && startedBatches.has(known.batch), () => `image ${image.name} comes from no import that ran`);
          const file = media.mediaPath(image.hash, image.ext);
          check(fs.existsSync(file), () => `image ${image.name} has no media file ${file}`);
          check(createHash('sha256').update(fs.readFileSync(file)).digest('hex') === image.hash, () => `the media file of ${image.name} does not hash to its name`);
          check(fs.existsSync(media.thumbPath(image.hash)), () => `image ${image.name} has no thumbnail`);
        }
        for (const batch of completedBatches) {
          const missing = batches.find((b) => b.name === batch)!.images.filter((n) => !names.has(n));
          check(missing.length === 0, () => `the import of ${batch} returned, yet ${missing.join(', ')} are missing`);
        }
        const hashes = new Set(images.map((i) => i.hash));
        const stored = fs.readdirSync(store.paths.media).flatMap((d) => fs.readdirSync(path.join(store.paths.media, d)));
        result.orphanMedia = Math.max(result.orphanMedia, stored.filter((f) => !hashes.has(f.slice(0, 64))).length);

        const wrongCounts = store.db
          .prepare('SELECT name FROM images i WHERE annotation_count != (SELECT COUNT(*) FROM annotations a WHERE a.image_id = i.id)')
          .pluck()
          .all() as string[];
        check(wrongCounts.length === 0, () => `annotation counts are wrong on ${wrongCounts.join(', ')}`);

        // Imported labels: exactly the label file's boxes, on every image that is there.
        const importedOf = store.db.prepare("SELECT class_id, x, y, w, h FROM annotations WHERE image_id = ? AND source = 'import'");
        for (const image of images) {
          const got = importedOf.all(image.id) as { class_id: number; x: number; y: number; w: number; h: number }[];
          const want = expected.get(image.name)!.labels;
          // Pixels from normalized centres carry float noise: boxes match within a millionth of a pixel.
          const unmatched = [...got];
          for (const w of want) {
            const at = unmatched.findIndex(
              (g) => classIds.get(g.class_id) === w.className && [g.x - w.x, g.y - w.y, g.w - w.w, g.h - w.h].every((d) => Math.abs(d) < 1e-6),
            );
            if (at !== -1) unmatched.splice(at, 1);
          }
          const same = got.length === want.length && unmatched.length === 0;
          check(same, () => `image ${image.name} holds imported boxes ${JSON.stringify(got)}, its label file says ${JSON.stringify(want)}`);
        }

        // Manual boxes: the committed model exactly, plus the gesture in flight whole or not at all.
        const rows = store.db.prepare("SELECT id, image_id, class_id, x, y, w, h FROM annotations WHERE source = 'manual'").all() as {
          id: string;
          image_id: number;
          class_id: number;
          x: number;
          y: number;
          w: number;
          h: number;
        }[];
        const inDb = new Map(rows.map((r) => [r.id, { imageId: r.image_id, classId: r.class_id, x: r.x, y: r.y, w: r.w, h: r.h }]));
        const equal = (m: Map<string, ManualBox>) =>
          m.size === inDb.size &&
          [...m].every(([id, b]) => {
            const d = inDb.get(id);
            return d !== undefined && d.imageId === b.imageId && d.classId === b.classId && d.x === b.x && d.y === b.y && d.w === b.w && d.h === b.h;
          });
        result.rowsCompared += model.size;
        let committed: boolean | null = null;
        if (equal(model)) committed = inFlight ? false : null;
        else if (inFlight && equal(applyIntent(model, inFlight))) {
          committed = true;
          model = applyIntent(model, inFlight);
        } else {
          const lost = [...model].filter(([id, b]) => JSON.stringify(inDb.get(id)) !== JSON.stringify(b)).map(([id]) => id);
          const extra = [...inDb.keys()].filter((id) => !model.has(id));
          throw new Failure(
            `${where}: the manual boxes are neither the committed edits nor those plus the gesture in flight ` +
              `(${inFlight ? `${inFlight.kind} #${inFlight.seq}` : 'none in flight'}): differing or lost ${lost.join(', ') || '-'}; unexpected ${extra.join(', ') || '-'}`,
          );
        }
        checks++;
        result.images = images.length;
        result.annotations = store.annotations.count();
        return { checks, committed };
      } finally {
        store.dispose();
      }
    };

    const startChild = (index: number, finish: boolean): { child: ChildProcess; log: string; ready: Promise<void>; exited: Promise<number | null>; stderr: () => string } => {
      const log = path.join(workDir, 'logs', `${index}.jsonl`);
      fs.mkdirSync(path.dirname(log), { recursive: true });
      const args: ChildArgs = {
        dir,
        batchesDir,
        batches,
        log,
        seed: Math.floor(rand() * 2 ** 31),
        tag: `k${index}`,
        importShare: options.importShare ?? 0.08,
        finish,
        maxMs: finish ? 600_000 : 60_000,
        fault: options.fault,
        otherTag: options.concurrentWriter ? WRITER_TAG : undefined,
      };
      const child = spawn(process.execPath, [childFile, JSON.stringify(args)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
      let err = '';
      child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      const ready = new Promise<void>((resolve, reject) => {
        let out = '';
        child.stdout!.on('data', (c: Buffer) => {
          out += c.toString();
          if (out.includes('ready\n')) resolve();
        });
        void exited.then(() => reject(new Failure(`child ${index} ended before it was ready: ${err}`)));
      });
      ready.catch(() => undefined);
      return { child, log, ready, exited, stderr: () => err };
    };

    if (options.concurrentWriter) {
      // The writer labels from the start: the first batch is there before it begins.
      const store = ProjectStore.open(dir);
      try {
        const report = await runImport(store, new MediaStore(store.paths), await planImport([path.join(batchesDir, batches[0]!.name)], 'yolo', 'detect'));
        if (report.imported !== batches[0]!.images.length) throw new Failure(`the first batch imported ${report.imported} of ${batches[0]!.images.length}`);
      } finally {
        store.dispose();
      }
      startedBatches.add(batches[0]!.name);
      completedBatches.add(batches[0]!.name);
      result.importsCompleted++;
    }
    const writer = options.concurrentWriter ? await startWriter(childFile, workDir, { dir, batchesDir, batches, seed: Math.floor(rand() * 2 ** 31) }) : null;
    let writerLinesRead = 0;
    /** Pauses the concurrent writer between two gestures and takes its committed gestures into the model. */
    const absorbWriter = async (where: string) => {
      if (!writer) return;
      await writer.pause();
      const lines = readLog(writer.log).slice(writerLinesRead);
      writerLinesRead += lines.length;
      const before = result.gesturesCommitted;
      const left = absorb(lines, `${where} (concurrent writer)`);
      result.concurrentGestures += result.gesturesCommitted - before;
      if (left.gesture || left.batch) throw new Failure(`${where}: the concurrent writer paused in the middle of a step`);
    };

    const more = (index: number) => index < options.kills || (options.enough !== undefined && !options.enough(result) && index < (options.maxKills ?? options.kills));
    for (let index = 0; more(index); index++) {
      const t0 = Date.now();
      const where = `kill ${index + 1} (seed ${options.seed})`;
      const run = startChild(index, false);
      // Now and then the kill lands while the child is still starting (opening the project).
      if (rand() < 0.1) await sleep(rand() * 150);
      else {
        await run.ready;
        await sleep(rand() * maxDelayMs);
      }
      if (run.child.exitCode !== null) throw new Failure(`${where}: the child ended by itself (${run.child.exitCode}): ${run.stderr()}`);
      run.child.kill('SIGKILL');
      await run.exited;
      const inFlight = absorb(readLog(run.log), where);
      await absorbWriter(where);
      const v0 = Date.now();
      const { checks, committed } = verify(where, inFlight.gesture);
      writer?.resume();
      const record: KillRecord = {
        index,
        during: inFlight.gesture ? 'gesture' : inFlight.batch ? 'import' : 'idle',
        inFlightCommitted: committed,
        ms: Date.now() - t0,
        verifyMs: Date.now() - v0,
        checks,
      };
      result.checks += checks;
      result.kills.push(record);
      options.onKill?.(record);
    }

    if (writer) {
      await absorbWriter('before the final import');
      // Paused, it makes no more gestures: what it committed is all in the model now.
      const code = await writer.stop();
      if (code !== 0) throw new Failure(`the concurrent writer exited ${code}: ${writer.stderr()}`);
    }
    // A last child that nobody kills imports whatever is left: every image is then there once.
    const last = startChild(result.kills.length, true);
    const code = await last.exited;
    if (code !== 0) throw new Failure(`the final import exited ${code}: ${last.stderr()}`);
    absorb(readLog(last.log), 'the final import');
    const { checks } = verify('after the final import', null);
    result.checks += checks;
    const total = batches.reduce((n, b) => n + b.images.length, 0);
    if (result.images !== total) throw new Failure(`after the final import the project holds ${result.images} images of ${total}`);
    result.checks++;
    result.totalMs = Date.now() - started;
    return result;
  } finally {
    fs.rmSync(childFile, { force: true });
  }
}
