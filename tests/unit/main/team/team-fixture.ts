/**
 * Studios and a real team server for the sync tests: `reticle-server` (PGlite inside) on
 * loopback, studios with real project folders, real images, the file secret store, all in temp
 * folders. A studio is driven through its typed API, as the Team tab and the CLI drive it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { afterAll, afterEach } from 'vitest';
import type { ImageStatus, JobResult, ProjectInfo, StudioApi, SyncReport } from '@shared';
import { startServer } from '../../../../src-server/app.js';
import { createStudio, type Studio, type StudioOptions } from '../../../../src-main/studio.js';
import { createDirectClient } from '../../../../src-main/transports/direct.js';
import { makeImage, tempDir } from '../../helpers/images.js';
import { memorySettings } from '../../helpers/settings.js';

const dirs: string[] = [];
const studios: Studio[] = [];
const servers: TeamServer[] = [];

afterEach(async () => {
  for (const s of studios.splice(0)) await s.dispose();
});

afterAll(async () => {
  for (const s of servers.splice(0)) await s.close();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

export function scratch(prefix = 'reticle-team-'): string {
  const dir = tempDir(prefix);
  dirs.push(dir);
  return dir;
}

export interface TeamServer {
  url: string;
  dataDir: string;
  close(): Promise<void>;
}

/** A team server on a free loopback port; the same `dataDir` again is the same server after a restart. */
export async function startTeamServer(dataDir = scratch('reticle-server-'), port = 0): Promise<TeamServer> {
  // No rate limits: the tests log in and push faster than any person.
  const server = await startServer({ port, host: '127.0.0.1', dataDir, rateLimitPerMinute: 0, authRateLimitPerMinute: 0 });
  const handle: TeamServer = {
    url: server.url,
    dataDir,
    close: async () => {
      servers.splice(servers.indexOf(handle), 1);
      await server.close();
    },
  };
  servers.push(handle);
  return handle;
}

export interface TeamStudio {
  studio: Studio;
  api: StudioApi;
  /** The studio's data folder: the secret store lives here. */
  dataDir: string;
  events: { channel: string; payload: unknown }[];
  /** Starts a job, waits for it and answers its result. */
  job(start: () => Promise<{ jobId: string }>): Promise<JobResult>;
  /** A push or pull that must succeed; answers its report. */
  sync(direction: 'push' | 'pull'): Promise<SyncReport>;
  dispose(): Promise<void>;
}

let accounts = 0;

/** A unique email for a new account on the shared test server. */
export function newEmail(who = 'user'): string {
  accounts++;
  return `${who}${accounts}-${process.pid}@example.com`;
}

export const PASSWORD = 'correct horse battery';

export async function teamStudio(options: Partial<StudioOptions> = {}): Promise<TeamStudio> {
  const dataDir = options.dataDir ?? scratch('reticle-studio-');
  const studio = createStudio({ mode: 'cli', settings: memorySettings(), dataDir, ...options });
  studios.push(studio);
  const api = createDirectClient(studio.host);
  const events: TeamStudio['events'] = [];
  studio.host.onEvent((channel, payload) => events.push({ channel, payload }));
  const job = async (start: () => Promise<{ jobId: string }>) => {
    let id: string | null = null;
    const early: JobResult[] = [];
    let settle: (r: JobResult) => void = () => undefined;
    const done = new Promise<JobResult>((resolve) => (settle = resolve));
    const off = api.jobs.onFinished((r) => (id === null ? early.push(r) : r.jobId === id && settle(r)));
    const { jobId } = await start();
    id = jobId;
    const already = early.find((r) => r.jobId === jobId);
    if (already) settle(already);
    const result = await done;
    off();
    return result;
  };
  return {
    studio,
    api,
    dataDir,
    events,
    job,
    async sync(direction) {
      const result = await job(() => (direction === 'push' ? api.sync.push() : api.sync.pull()));
      if (result.status === 'failed') throw Object.assign(new Error(result.error.message), { code: result.error.code });
      if (result.kind !== direction) throw new Error(`expected a ${direction} result, got ${result.kind}`);
      return result.report;
    },
    async dispose() {
      studios.splice(studios.indexOf(studio), 1);
      await studio.dispose();
    },
  };
}

/** One image of a test project: a real JPEG of its own, its boxes and its status. */
export interface ImageSpec {
  seed: number;
  width?: number;
  height?: number;
  boxes?: { class: string; x: number; y: number; w: number; h: number }[];
  status?: ImageStatus;
}

/** Makes a detection project in a new folder of `parent`, imports real images and labels them through the API. */
export async function makeProject(api: StudioApi, parent: string, name: string, images: ImageSpec[]): Promise<ProjectInfo> {
  const info = await api.projects.create({ dir: path.join(parent, name), name, task: 'detect' });
  await addImages(api, parent, images);
  return info;
}

/** Imports more real images into the open project, and labels them. */
export async function addImages(api: StudioApi, parent: string, images: ImageSpec[]): Promise<void> {
  const folder = path.join(parent, `photos-${images.map((i) => i.seed).join('-')}`);
  const files = await Promise.all(images.map((i) => makeImage(path.join(folder, `img-${i.seed}.jpg`), { seed: i.seed, width: i.width ?? 64, height: i.height ?? 48 })));
  const done = new Promise<JobResult>((resolve) => {
    const off = api.jobs.onFinished((r) => {
      if (r.kind !== 'import') return;
      off();
      resolve(r);
    });
  });
  await api.imports.start({ paths: files });
  const result = await done;
  if (result.status !== 'ok') throw new Error(`import ${result.status}`);
  for (const spec of images) await label(api, `img-${spec.seed}.jpg`, spec);
}

/** Replaces an image's boxes and sets its status, by file name. */
export async function label(api: StudioApi, name: string, spec: Pick<ImageSpec, 'boxes' | 'status'>): Promise<void> {
  const image = (await api.images.list({ limit: 5000 })).items.find((i) => i.name === name);
  if (!image) throw new Error(`no image ${name}`);
  const classes = new Map((await api.classes.list()).map((c) => [c.name, c.id]));
  for (const b of spec.boxes ?? []) if (!classes.has(b.class)) classes.set(b.class, (await api.classes.create({ name: b.class })).id);
  const existing = await api.annotations.forImage({ imageId: image.id });
  const changes = [
    ...existing.map((a) => ({ op: 'delete' as const, id: a.id })),
    ...(spec.boxes ?? []).map((b, i) => ({ op: 'create' as const, annotation: { id: `b${image.id}-${Date.now()}-${i}`, kind: 'box' as const, classId: classes.get(b.class)!, x: b.x, y: b.y, w: b.w, h: b.h } })),
  ];
  if (changes.length) await api.annotations.apply({ imageId: image.id, changes });
  if (spec.status) await api.images.setStatus({ ids: [image.id], status: spec.status });
}

export interface ProjectSnapshot {
  classes: string[];
  /** By media hash: status, boxes sorted (class by name), and the sha256 of the media file on disk. */
  images: Record<string, { status: ImageStatus; boxes: [string, number, number, number, number][]; fileHash: string }>;
}

/** What a user would compare between two copies of a project. */
export async function snapshot(studio: Studio): Promise<ProjectSnapshot> {
  const { store, media } = studio.session.require();
  const names = new Map(store.classes.list().map((c) => [c.id, c.name]));
  const images: ProjectSnapshot['images'] = {};
  for (const image of store.images.iterate()) {
    const stored = store.images.stored(image.id)!;
    const bytes = fs.readFileSync(media.mediaPath(stored.hash, stored.ext));
    const boxes = store.annotations
      .forImage(image.id)
      .flatMap((a) => (a.kind === 'box' ? [[names.get(a.classId)!, a.x, a.y, a.w, a.h] as [string, number, number, number, number]] : []))
      .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
    images[image.hash] = { status: image.status, boxes, fileHash: createHash('sha256').update(bytes).digest('hex') };
  }
  return { classes: store.classes.list().map((c) => c.name).sort(), images };
}
