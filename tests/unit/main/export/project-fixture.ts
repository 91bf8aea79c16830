/** A real project on disk with real JPEGs in its media store, for the export tests. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import sharp from 'sharp';
import { afterEach } from 'vitest';
import type { ImageStatus, Split, TaskType } from '@shared';
import { ProjectStore } from '../../../../src-main/services/store/project-store.js';
import { MediaStore } from '../../../../src-main/services/media/media-store.js';
import type { NewAnnotation } from '../../../../src-main/services/store/annotation-repository.js';

const made: string[] = [];
const stores: ProjectStore[] = [];

afterEach(() => {
  for (const s of stores.splice(0)) s.dispose();
  for (const dir of made.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

export function tmpDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'reticle-'));
  made.push(dir);
  return dir;
}

export interface TestProject {
  store: ProjectStore;
  media: MediaStore;
  classIds: Map<string, number>;
  add(image: TestImage): Promise<number>;
}

export interface TestImage {
  name: string;
  width?: number;
  height?: number;
  status?: ImageStatus;
  split?: Split | null;
  pinned?: boolean;
  annotations?: NewAnnotation[];
}

let shade = 0;

export function makeProject(task: TaskType, classes: string[], multiLabel = false): TestProject {
  const store = ProjectStore.create(path.join(tmpDir(), 'project'), { name: 'test', task, multiLabel });
  stores.push(store);
  const media = new MediaStore(store.paths);
  const { ids } = store.classes.ensure(classes);
  return {
    store,
    media,
    classIds: ids,
    async add({ name, width = 64, height = 48, status = 'new', split = null, pinned = false, annotations = [] }) {
      shade = (shade + 37) % 256;
      const bytes = await sharp({ create: { width, height, channels: 3, background: { r: shade, g: (shade * 7) % 256, b: (shade * 13) % 256 } } })
        .jpeg()
        .toBuffer();
      const hash = createHash('sha256').update(bytes).update(String(Math.random())).digest('hex');
      const file = media.mediaPath(hash, '.jpg');
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, bytes);
      const id = store.images.insert({ hash, ext: '.jpg', format: 'jpeg', name, originalPath: `/photos/${name}`, width, height, bytes: bytes.length, status, split });
      if (pinned) store.images.setSplits([{ id, split, pinned: true }]);
      if (annotations.length) store.annotations.insertMany(id, annotations);
      return id;
    },
  };
}

/** Every file under `dir`, relative, with `/` separators, sorted. */
export function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, e.name);
      if (e.isDirectory()) walk(full);
      else out.push(path.relative(dir, full).split(path.sep).join('/'));
    }
  };
  walk(dir);
  return out.sort();
}

export const read = (...parts: string[]) => fs.readFileSync(path.join(...parts), 'utf8');
