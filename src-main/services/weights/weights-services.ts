/**
 * The contract's `weights` domain: the studio's library of `.pt` files. Fetching and adding are
 * jobs of the studio's (they outlive the open project): progress, cancel, and a report of what
 * joined the library and what was refused, with why.
 */
import fs from 'node:fs';
import path from 'node:path';
import { StudioError, WeightsNameSchema, toErrorPayload, type StudioServices, type WeightsLibraryState, type WeightsReport, type WeightsTask } from '@shared';
import type { JobHandle, JobRunner } from '../jobs/job-runner.js';
import type { RuntimeManager } from '../runtime/runtime-manager.js';
import type { SettingsStore } from '../settings/settings-store.js';
import { MIRROR_SETTING, downloadSource, downloadUrl, pretrainedCatalog } from './weights-catalog.js';
import { downloadToPartial, removePartial } from './weights-download.js';
import { inspectWeights } from './weights-inspect.js';
import type { WeightsLibrary } from './weights-library.js';

interface WeightsServicesDeps {
  library: WeightsLibrary;
  runtime: RuntimeManager;
  settings: SettingsStore;
  studioJobs: JobRunner;
  /** Where RETICLE_WEIGHTS_MIRROR is read (default: process.env). */
  env?: NodeJS.ProcessEnv;
}

/** What a name says the task is: yolo11n-cls.pt is a classifier; a name without a suffix says nothing. */
function taskOfName(name: string): WeightsTask | null {
  const suffix = /-(cls|seg|pose|obb)\.pt$/.exec(name)?.[1];
  if (!suffix) return /^(yolo11|yolo26|yolov8)[nsmlx]\.pt$/.test(name) ? 'detect' : null;
  return ({ cls: 'classify', seg: 'segment', pose: 'pose', obb: 'obb' } as const)[suffix as 'cls'];
}

/** The `.pt` files under a folder (two levels deep: a pack may group them), or the file itself. */
function weightFiles(target: string): string[] {
  const stat = fs.statSync(target);
  if (stat.isFile()) return [target];
  if (!stat.isDirectory()) throw new StudioError('invalid_input', `${target} is neither a file nor a folder.`);
  const out: string[] = [];
  const walk = (dir: string, depth: number) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isFile() && entry.name.toLowerCase().endsWith('.pt')) out.push(full);
      else if (entry.isDirectory() && depth < 2 && !entry.name.startsWith('.')) walk(full, depth + 1);
    }
  };
  walk(target, 0);
  if (out.length === 0) throw new StudioError('not_found', `${target} holds no .pt files.`);
  return out.sort();
}

export function createWeightsServices(deps: WeightsServicesDeps): Pick<StudioServices, 'weights'> {
  const env = deps.env ?? process.env;
  const { library } = deps;

  const state = (): WeightsLibraryState => {
    const entries = library.entries();
    const have = new Set(entries.map((e) => e.name));
    return { dir: library.dir, source: downloadSource(env, deps.settings), entries, pretrained: pretrainedCatalog((n) => have.has(n)) };
  };

  /** Checks a staged file with the runtime and moves it into the library; removes it when refused. */
  const admit = async (name: string, staged: string, source: Parameters<WeightsLibrary['commit']>[3], signal: AbortSignal) => {
    try {
      const info = await inspectWeights(deps.runtime, staged, signal);
      const expected = taskOfName(name);
      if (expected && info.task !== expected) {
        throw new StudioError('invalid_input', `${name} should be a ${expected} model, but the file is a ${info.task} model. It was not kept.`);
      }
      return await library.commit(name, staged, info, source);
    } catch (err) {
      removePartial(staged);
      throw err;
    }
  };

  const pull = async (name: string, job: JobHandle): Promise<WeightsReport> => {
    const existing = library.get(name);
    if (existing) return { added: [existing], refused: [] };
    const release = library.claim(name);
    try {
      const source = downloadSource(env, deps.settings);
      const url = downloadUrl(source, name);
      const staged = library.stagingPath(name);
      job.progress({ phase: 'working', done: 0, total: 0, current: name });
      const got = await downloadToPartial({
        url,
        part: staged,
        signal: job.signal,
        label: name,
        onProgress: ({ done, total }) => job.progress({ phase: 'working', done, total: total ?? done, current: name }),
      });
      job.progress({ phase: 'finishing', done: got.bytes, total: got.bytes, current: `checking ${name}` });
      fs.rmSync(`${staged}.json`, { force: true });
      return { added: [await admit(name, staged, { kind: 'download', url }, job.signal)], refused: [] };
    } finally {
      release();
    }
  };

  const add = async (target: string, job: JobHandle): Promise<WeightsReport> => {
    const files = weightFiles(path.resolve(target));
    const report: WeightsReport = { added: [], refused: [] };
    for (const [i, file] of files.entries()) {
      if (job.signal.aborted) break;
      job.progress({ phase: 'working', done: i, total: files.length, current: path.basename(file) });
      const name = path.basename(file);
      try {
        WeightsNameSchema.parse(name);
      } catch {
        report.refused.push({ path: file, message: `${name} is not a name the library takes: letters, digits, ".", "_" or "-", ending in .pt. Rename the file.` });
        continue;
      }
      let release: (() => void) | null = null;
      try {
        release = library.claim(name);
        const staged = library.stagingPath(name);
        fs.copyFileSync(file, staged);
        report.added.push(await admit(name, staged, { kind: 'added', path: file }, job.signal));
      } catch (err) {
        if (job.signal.aborted) break;
        report.refused.push({ path: file, message: toErrorPayload(err).message });
      } finally {
        release?.();
      }
    }
    job.progress({ phase: 'finishing', done: files.length, total: files.length });
    if (files.length === 1 && report.refused.length === 1) throw new StudioError('invalid_input', report.refused[0]!.message);
    return report;
  };

  return {
    weights: {
      list: () => state(),
      pull: ({ name }) => ({ jobId: deps.studioJobs.start('weights', (job) => pull(name, job)).jobId }),
      add: ({ path: target }) => {
        if (!fs.existsSync(target)) throw new StudioError('not_found', `${target} does not exist.`);
        return { jobId: deps.studioJobs.start('weights', (job) => add(target, job)).jobId };
      },
      remove: ({ name }) => {
        if (!library.remove(name)) throw new StudioError('not_found', `The library has no ${name}.`);
        return state();
      },
      setMirror: ({ mirror }) => {
        deps.settings.set(MIRROR_SETTING, mirror);
        return state();
      },
    },
  };
}
