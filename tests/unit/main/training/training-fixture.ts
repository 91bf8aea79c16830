/**
 * A studio that trains with the real runtime (`python3 -m reticle_runtime train`) over the
 * runtime's test doubles of torch and Ultralytics (python-runtime/tests/doubles): everything the
 * supervisor does is real (processes, signals, the stop file, the database), only the training
 * inside the Python process is pretend. Knobs make the double slow, crash or write garbage.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterEach } from 'vitest';
import type { EpochRecord, RunStatus, RunSummary, StudioApi, TaskType, TrainingProgress } from '@shared';
import { createStudio, type Studio } from '../../../../src-main/studio.js';
import { createDirectClient } from '../../../../src-main/transports/direct.js';
import { ROOT } from '../../helpers/cli.js';
import { tempDir } from '../../helpers/images.js';
import { memorySettings } from '../../helpers/settings.js';
import { until } from '../../helpers/until.js';

export const RUNTIME_DIR = path.join(ROOT, 'python-runtime');
export const DOUBLES = path.join(RUNTIME_DIR, 'tests', 'doubles');
export const MISSING = path.join(DOUBLES, 'missing');

/** python3's own path (not a shim), as the runtime setting would hold it. */
export const PYTHON3 = spawnSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' }).stdout.trim();

/** The environment for runtime processes: the doubles on PYTHONPATH, a CPU-only torch double. */
export function doublesEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!/^(ULTRALYTICS_|TORCH_DOUBLE_|PYTHONPATH$)/.test(k)) env[k] = v;
  }
  return { ...env, ULTRALYTICS_PYTHON: PYTHON3, PYTHONPATH: DOUBLES, TORCH_DOUBLE_PROFILE: 'cpu', ...extra };
}

export interface TrainingStudio {
  studio: Studio;
  api: StudioApi;
  dir: string;
  events: { channel: string; payload: unknown; at: number }[];
  /** Resolves with the run once it reaches one of `statuses` (from onStatus events, or at once). */
  waitFor(runId: string, statuses: RunStatus[], timeoutMs?: number): Promise<RunSummary>;
  /** The statuses onStatus reported for a run, repeats folded. */
  statuses(runId: string): RunStatus[];
  epochEvents(runId: string): { epoch: EpochRecord; at: number }[];
  progressEvents(runId: string): TrainingProgress[];
  dispose(): Promise<void>;
}

const studios: Studio[] = [];
const dirs: string[] = [];

afterEach(async () => {
  for (const s of studios.splice(0)) await s.dispose();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

export function scratch(prefix = 'reticle-train-'): string {
  const dir = tempDir(prefix);
  dirs.push(dir);
  return dir;
}

export interface TrainingStudioOptions {
  /** Extra environment for the runtime processes (the doubles' knobs). */
  env?: Record<string, string>;
  /** Open this project instead of making one. */
  dir?: string;
  task?: TaskType;
  /** Labeled images in a new project. */
  images?: number;
  stopGraceMs?: number;
  shutdownGraceMs?: number;
  dataDir?: string;
}

export async function trainingStudio(options: TrainingStudioOptions = {}): Promise<TrainingStudio> {
  const studio = createStudio({
    mode: 'cli',
    settings: memorySettings(),
    dataDir: options.dataDir ?? scratch('reticle-data-'),
    pythonRuntimeDir: RUNTIME_DIR,
    runtime: { env: doublesEnv(options.env) },
    training: { stopGraceMs: options.stopGraceMs, shutdownGraceMs: options.shutdownGraceMs },
  });
  studios.push(studio);
  const api = createDirectClient(studio.host);
  const events: TrainingStudio['events'] = [];
  const waiters: (() => void)[] = [];
  studio.host.onEvent((channel, payload) => {
    events.push({ channel, payload, at: Date.now() });
    for (const w of [...waiters]) w();
  });
  let dir = options.dir;
  if (dir) await api.projects.open({ dir });
  else {
    dir = path.join(scratch(), 'project');
    await api.projects.create({ dir, name: 'squares', task: options.task ?? 'detect' });
    await addLabeledImages(studio, options.images ?? 24, options.task ?? 'detect');
  }
  const statusEvents = (runId: string) =>
    events.filter((e) => e.channel === 'reticle:training.onStatus' && (e.payload as RunSummary).id === runId).map((e) => e.payload as RunSummary);
  return {
    studio,
    api,
    dir,
    events,
    waitFor(runId, statuses, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const hit = statusEvents(runId).find((s) => statuses.includes(s.status));
          if (!hit) return false;
          waiters.splice(waiters.indexOf(check), 1);
          clearTimeout(timer);
          resolve(hit);
          return true;
        };
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(check), 1);
          reject(new Error(`run ${runId} did not reach ${statuses.join('/')} within ${timeoutMs} ms; saw ${statusEvents(runId).map((s) => s.status).join(' → ')}`));
        }, timeoutMs);
        waiters.push(check);
        check();
      });
    },
    statuses(runId) {
      const out: RunStatus[] = [];
      for (const s of statusEvents(runId)) if (out[out.length - 1] !== s.status) out.push(s.status);
      return out;
    },
    epochEvents(runId) {
      return events
        .filter((e) => e.channel === 'reticle:training.onEpoch' && (e.payload as { runId: string }).runId === runId)
        .map((e) => ({ epoch: (e.payload as { epoch: EpochRecord }).epoch, at: e.at }));
    },
    progressEvents(runId) {
      return events.filter((e) => e.channel === 'reticle:training.onProgress' && (e.payload as TrainingProgress).runId === runId).map((e) => e.payload as TrainingProgress);
    },
    async dispose() {
      studios.splice(studios.indexOf(studio), 1);
      await studio.dispose();
    },
  };
}

let shade = 0;

/** Real JPEGs in the project's media store, each labeled: a box (detect) or a tag (classify). */
export async function addLabeledImages(studio: Studio, count: number, task: TaskType = 'detect'): Promise<void> {
  const { store, media } = studio.session.require();
  const { ids } = store.classes.ensure(['red', 'blue']);
  for (let i = 0; i < count; i++) {
    const cls = i % 2 ? 'blue' : 'red';
    shade = (shade + 29) % 200;
    const bytes = await sharp({ create: { width: 64, height: 48, channels: 3, background: { r: shade, g: 40, b: cls === 'red' ? 30 : 220 } } })
      .jpeg()
      .toBuffer();
    const hash = createHash('sha256').update(bytes).update(`${i}-${Math.random()}`).digest('hex');
    const file = media.mediaPath(hash, '.jpg');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, bytes);
    const id = store.images.insert({ hash, ext: '.jpg', format: 'jpeg', name: `sq${i}.jpg`, originalPath: `/photos/sq${i}.jpg`, width: 64, height: 48, bytes: bytes.length });
    const classId = ids.get(cls)!;
    store.annotations.insertMany(id, [task === 'detect' ? { classId, kind: 'box', x: 8 + (i % 5), y: 6, w: 20, h: 18 } : { classId, kind: 'tag' }]);
  }
}

/** A pid that belonged to a process which has ended. */
export function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' });
  return Number(r.stdout.trim());
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface Hold {
  /** The doubles' knobs for it: pass them in `env`. */
  env: Record<string, string>;
  /** Resolves once the trainer waits at the hold (the epochs before it were sent by then). */
  parked(): Promise<void>;
  /** Lets the trainer go on; a trainer that comes there later goes straight through. */
  release(): void;
}

/**
 * Parks the Ultralytics double in `epoch` (1-based) once `afterBatches` of its batches are done
 * (0: before its first batch), until `release()` or a stop signal: a stop, a kill or a full disk
 * then lands at that very point of the run, whatever the machine's speed. See the double's
 * ULTRALYTICS_DOUBLE_HOLD_* knobs.
 */
export function holdAt(epoch: number, afterBatches = 0): Hold {
  const gate = path.join(scratch('reticle-hold-'), 'go');
  return {
    env: { ULTRALYTICS_DOUBLE_HOLD_FILE: gate, ULTRALYTICS_DOUBLE_HOLD_AT_EPOCH: String(epoch), ULTRALYTICS_DOUBLE_HOLD_AFTER_BATCH: String(afterBatches) },
    parked: async () => {
      await until(`the trainer to wait in epoch ${epoch} after ${afterBatches} batches`, () => fs.existsSync(`${gate}.waiting`));
    },
    release: () => fs.writeFileSync(gate, ''),
  };
}

/** Resolves once the UI was sent epoch `epoch` of the run (or a later one). */
export async function waitForEpoch(t: TrainingStudio, runId: string, epoch: number): Promise<void> {
  await until(() => `epoch ${epoch} of run ${runId} (statuses: ${t.statuses(runId).join(' → ')})`, () => t.epochEvents(runId).some((e) => e.epoch.epoch >= epoch));
}

/** The detect architecture the doubles train in a blink, with the given settings. */
export function quickSpec(extra: Record<string, unknown> = {}) {
  return { model: { kind: 'architecture' as const, family: 'yolo11' as const, size: 'n' as const }, epochs: 3, imgsz: 64, batch: 4, device: 'cpu', ...extra };
}
