/**
 * A studio with a project open, driven through the typed API over `host.invoke`: the path the
 * desktop window and the browser take, payload validation included.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach } from 'vitest';
import type { JobResult, StudioApi, TaskType } from '@shared';
import { createStudio, type Studio } from '../../../../src-main/studio.js';
import { createDirectClient } from '../../../../src-main/transports/direct.js';
import type { ProjectStore } from '../../../../src-main/services/store/project-store.js';
import { tempDir } from '../../helpers/images.js';
import { memorySettings } from '../../helpers/settings.js';

const open: Studio[] = [];
const dirs: string[] = [];

afterEach(async () => {
  for (const s of open.splice(0)) await s.dispose();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

export interface StudioEvent {
  channel: string;
  payload: unknown;
}

export interface OpenStudio {
  studio: Studio;
  api: StudioApi;
  dir: string;
  events: StudioEvent[];
  /** The open project's store, for setting up rows a test needs and reading what was stored. */
  store(): ProjectStore;
  /** Adds image rows (no files): enough for everything but media and hashes. */
  addImages(count: number, size?: { width: number; height: number }): number[];
  /** Imports files the way a drop does, and waits for the job to finish. */
  importFiles(paths: string[]): Promise<JobResult>;
}

let hashes = 0;

/** A fresh studio; with `dir`, it opens that project instead of creating one. */
export async function openStudio(options: { task?: TaskType; multiLabel?: boolean; classes?: string[]; dir?: string } = {}): Promise<OpenStudio> {
  const studio = createStudio({ mode: 'serve', settings: memorySettings() });
  open.push(studio);
  const api = createDirectClient(studio.host);
  const events: StudioEvent[] = [];
  studio.host.onEvent((channel, payload) => events.push({ channel, payload }));
  let dir = options.dir;
  if (dir) {
    await api.projects.open({ dir });
  } else {
    const root = tempDir();
    dirs.push(root);
    dir = path.join(root, 'project');
    await api.projects.create({ dir, name: 'test', task: options.task ?? 'detect', multiLabel: options.multiLabel ?? false });
  }
  for (const name of options.classes ?? []) await api.classes.create({ name });
  const store = () => studio.session.require().store;
  return {
    studio,
    api,
    dir,
    events,
    store,
    addImages(count, size = { width: 100, height: 80 }) {
      return Array.from({ length: count }, () => {
        hashes++;
        const hash = hashes.toString(16).padStart(64, '0');
        return store().images.insert({ hash, ext: '.jpg', format: 'jpeg', name: `${hashes}.jpg`, originalPath: `/photos/${hashes}.jpg`, ...size, bytes: 1 });
      });
    },
    async importFiles(paths) {
      const finished = new Promise<JobResult>((resolve) => {
        const stop = api.jobs.onFinished((r) => {
          stop();
          resolve(r);
        });
      });
      await api.imports.start({ paths });
      return finished;
    },
  };
}

/** Closes a studio (as quitting the app does), so a test can open the project afresh. */
export async function closeStudio(s: OpenStudio): Promise<void> {
  await s.studio.dispose();
  open.splice(open.indexOf(s.studio), 1);
}

/** The class ids of the project, by name. */
export async function classIds(api: StudioApi): Promise<Record<string, number>> {
  return Object.fromEntries((await api.classes.list()).map((c) => [c.name, c.id]));
}
