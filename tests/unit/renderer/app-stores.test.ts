import { afterEach, describe, expect, it } from 'vitest';
import { createClient, mediaUrl, studioContract, type Annotation, type AnnotationChange, type ClassDef, type ClientTransport, type Envelope, type ImageRecord, type ProjectInfo } from '@shared';
import { composeAppStores, type AppStores } from '../../../src-renderer/stores/app-stores.js';
import { createConnectionStore } from '../../../src-renderer/stores/connection-store.js';

function image(id: number, name: string): ImageRecord {
  return { id, hash: String(id).padStart(64, '0'), name, originalPath: name, format: 'jpeg', width: 100, height: 80, bytes: 10, status: 'new', split: null, splitPinned: false, annotationCount: 0, createdAt: '' };
}

function project(dir: string, name: string): ProjectInfo {
  return { dir, name, task: 'detect', multiLabel: false, createdAt: '', schemaVersion: 1 };
}

/** A studio in memory: two projects with their own images, events pushed by the test. */
function fakeHost() {
  const projects: Record<string, { info: ProjectInfo; images: ImageRecord[]; classes: ClassDef[] }> = {
    '/p/cats': { info: project('/p/cats', 'Cats'), images: [image(1, 'cat1.jpg'), image(2, 'cat2.jpg')], classes: [{ id: 1, name: 'cat', color: '#ff0000', order: 0 }] },
    '/p/dogs': { info: project('/p/dogs', 'Dogs'), images: [image(7, 'dog.jpg')], classes: [] },
  };
  let current: string | null = '/p/cats';
  const stored = new Map<number, Annotation[]>();
  const calls: string[] = [];
  const listeners = new Map<string, Set<(p: unknown) => void>>();
  const open = () => (current ? projects[current] : null);
  const answer = (channel: string, input: unknown): unknown => {
    const name = channel.replace('reticle:', '');
    switch (name) {
      case 'app.info':
        return { version: 't', mode: 'serve', platform: 'linux', nativeDialogs: false, uploadsDroppedFiles: true };
      case 'app.recentProjects':
        return [];
      case 'projects.current':
        return open()?.info ?? null;
      case 'projects.open':
        current = (input as { dir: string }).dir;
        return open()!.info;
      case 'classes.list':
        return open()!.classes;
      case 'images.counts': {
        const n = open()!.images.length;
        return { all: n, labeled: 0, unlabeled: n, byStatus: { new: n, in_progress: 0, done: 0, review: 0 }, byClass: {} };
      }
      case 'images.list': {
        const { offset = 0, limit = 200 } = input as { offset?: number; limit?: number };
        const all = open()!.images;
        return { total: all.length, offset, items: all.slice(offset, offset + limit) };
      }
      case 'jobs.list':
        return [];
      case 'annotations.forImage':
        return stored.get((input as { imageId: number }).imageId) ?? [];
      case 'annotations.apply': {
        const { imageId, changes } = input as { imageId: number; changes: AnnotationChange[] };
        let list = stored.get(imageId) ?? [];
        for (const c of changes) {
          if (c.op === 'create') list = [...list, { ...c.annotation, imageId, source: 'manual' } as Annotation];
          else if (c.op === 'delete') list = list.filter((a) => a.id !== c.id);
          else list = list.map((a) => (a.id === c.id ? ({ ...a, ...c.patch } as Annotation) : a));
        }
        stored.set(imageId, list);
        return { imageId, annotations: list, status: 'in_progress' };
      }

      case 'images.next': {
        const { afterId = 0, direction = 'next' } = input as { afterId?: number; direction?: 'next' | 'previous' };
        const all = open()!.images;
        const filter = (input as { filter?: { kind: string } }).filter ?? { kind: 'unlabeled' };
        const ok = (i: ImageRecord) => filter.kind !== 'unlabeled' || (stored.get(i.id) ?? []).length === 0;
        const found = direction === 'next' ? all.find((i) => i.id > afterId && ok(i)) : [...all].reverse().find((i) => i.id < afterId && ok(i));
        return found ?? null;
      }
      default:
        throw new Error(`unexpected ${channel}`);
    }
  };
  const transport: ClientTransport = {
    async invoke(channel, input): Promise<Envelope> {
      calls.push(channel.replace('reticle:', ''));
      return { ok: true, value: answer(channel, input) };
    },
    subscribe(channel, listener) {
      if (!listeners.has(channel)) listeners.set(channel, new Set());
      listeners.get(channel)!.add(listener);
      return () => listeners.get(channel)!.delete(listener);
    },
  };
  const emit = (channel: string, payload: unknown) => listeners.get(`reticle:${channel}`)?.forEach((l) => l(payload));
  const host = { kind: 'serve' as const, api: createClient(studioContract, transport), media: (kind: 'thumb' | 'image', id: number) => mediaUrl('serve', kind, id), externalMedia: (token: string) => `/media/external/${token}` };
  return { host, projects, calls, emit, stored, current: () => current };
}

const settle = (ms = 0) => new Promise((r) => setTimeout(r, ms));
let stores: AppStores | null = null;
afterEach(() => stores?.dispose());

describe('the app stores together', () => {
  it('loads the open project with its classes, counts and first images', async () => {
    const fake = fakeHost();
    stores = composeAppStores(fake.host, createConnectionStore());
    await stores.start();
    await settle();
    expect(stores.project.getState()).toMatchObject({ ready: true, project: { name: 'Cats' }, counts: { all: 2 } });
    expect(stores.project.getState().classes.map((c) => c.name)).toEqual(['cat']);
    expect(stores.grid.getState().itemAt(1)?.name).toBe('cat2.jpg');
  });

  it('refreshes the grid and the counts once for a burst of image changes', async () => {
    const fake = fakeHost();
    stores = composeAppStores(fake.host, createConnectionStore());
    await stores.start();
    await settle();
    fake.projects['/p/cats'].images.push(image(3, 'cat3.jpg'));
    fake.calls.length = 0;
    for (let i = 0; i < 20; i++) fake.emit('images.onChanged', { reason: 'import' });
    await settle(450);
    expect(fake.calls.filter((c) => c === 'images.counts')).toHaveLength(1);
    expect(fake.calls.filter((c) => c === 'images.list')).toHaveLength(1);
    expect(stores.project.getState().counts?.all).toBe(3);
    expect(stores.grid.getState().total).toBe(3);
    expect(stores.grid.getState().itemAt(2)?.name).toBe('cat3.jpg');
  });

  it('takes class changes pushed by the host, in their order', async () => {
    const fake = fakeHost();
    stores = composeAppStores(fake.host, createConnectionStore());
    await stores.start();
    fake.emit('classes.onChanged', [
      { id: 2, name: 'lynx', color: '#00ff00', order: 1 },
      { id: 1, name: 'cat', color: '#ff0000', order: 0 },
    ]);
    expect(stores.project.getState().classes.map((c) => c.name)).toEqual(['cat', 'lynx']);
  });

  it('shows the other project, not stale images of the first, when another project opens', async () => {
    const fake = fakeHost();
    stores = composeAppStores(fake.host, createConnectionStore());
    await stores.start();
    await settle();
    stores.project.getState().setFilter({ kind: 'unlabeled' });
    await settle();
    await stores.viewer.getState().open(0);
    expect(stores.viewer.getState().image?.name).toBe('cat1.jpg');

    await stores.project.getState().open('/p/dogs');
    await settle();
    expect(stores.project.getState().project?.name).toBe('Dogs');
    expect(stores.project.getState().filter).toEqual({ kind: 'all' });
    expect(stores.viewer.getState().index).toBeNull();
    expect(stores.project.getState().classes).toEqual([]);
    expect(stores.grid.getState().total).toBe(1);
    expect(stores.grid.getState().itemAt(0)?.name).toBe('dog.jpg');
  });

  it('follows the host when the project is closed elsewhere', async () => {
    const fake = fakeHost();
    stores = composeAppStores(fake.host, createConnectionStore());
    await stores.start();
    fake.emit('projects.onChanged', null);
    expect(stores.project.getState().project).toBeNull();
    expect(stores.grid.getState().total).toBeNull();
  });

  it('walks the viewer through the list and stops at its ends', async () => {
    const fake = fakeHost();
    stores = composeAppStores(fake.host, createConnectionStore());
    await stores.start();
    await settle();
    fake.calls.length = 0;
    await stores.viewer.getState().open(0);
    await stores.viewer.getState().step(-1);
    expect(stores.viewer.getState().image?.name).toBe('cat1.jpg');
    await stores.viewer.getState().step(1);
    expect(stores.viewer.getState().image?.name).toBe('cat2.jpg');
    await stores.viewer.getState().step(1);
    expect(stores.viewer.getState()).toMatchObject({ index: 1, image: { name: 'cat2.jpg' } });
    stores.viewer.getState().close();
    expect(stores.viewer.getState().index).toBeNull();
  });

  it('labels through the labeler session: saved, and reloaded when changed elsewhere', async () => {
    const fake = fakeHost();
    stores = composeAppStores(fake.host, createConnectionStore());
    await stores.start();
    await settle();
    await stores.viewer.getState().open(0);
    const { labeler } = stores;
    expect(labeler.imageId()).toBe(1);
    labeler.commit([{ op: 'create', annotation: { id: 'a', classId: 1, kind: 'box', x: 1, y: 2, w: 30, h: 40 } }]);
    await labeler.autosave.getState().flush();
    expect(fake.stored.get(1)?.map((a) => a.id)).toEqual(['a']);
    // The studio's answer updates the open image's status.
    expect(stores.viewer.getState().image?.status).toBe('in_progress');

    fake.stored.set(1, [...fake.stored.get(1)!, { id: 'b', imageId: 1, classId: 1, kind: 'box', x: 50, y: 50, w: 10, h: 10, source: 'manual' }]);
    fake.emit('annotations.onChanged', { imageId: 1 });
    await settle(10);
    expect([...labeler.document.getState().byId.keys()]).toEqual(['a', 'b']);
  });

  it('steps by id in a filtered list, so labeling an image does not skip the next one', async () => {
    const fake = fakeHost();
    fake.projects['/p/cats'].images.push(image(3, 'cat3.jpg'));
    stores = composeAppStores(fake.host, createConnectionStore());
    await stores.start();
    await settle();
    stores.project.getState().setFilter({ kind: 'unlabeled' });
    await settle();
    await stores.viewer.getState().open(0);
    stores.labeler.commit([{ op: 'create', annotation: { id: 'a', classId: 1, kind: 'box', x: 1, y: 2, w: 30, h: 40 } }]);
    await stores.labeler.autosave.getState().flush();
    // The grid refreshes: cat1 is no longer unlabeled, cat2 is now first in the list.
    stores.grid.getState().refresh();
    await settle();
    await stores.viewer.getState().step(1);
    expect(stores.viewer.getState().image?.name).toBe('cat2.jpg');
  });

  it('forgets the labeler state of a project when another opens', async () => {
    const fake = fakeHost();
    stores = composeAppStores(fake.host, createConnectionStore());
    await stores.start();
    await settle();
    await stores.viewer.getState().open(0);
    stores.labeler.commit([{ op: 'create', annotation: { id: 'a', classId: 1, kind: 'box', x: 1, y: 2, w: 30, h: 40 } }]);
    await stores.labeler.autosave.getState().flush();
    expect(stores.labeler.history.getState().byImage.size).toBe(1);
    await stores.project.getState().open('/p/dogs');
    expect(stores.labeler.imageId()).toBeNull();
    expect(stores.labeler.history.getState().byImage.size).toBe(0);
    expect(stores.labeler.tool.getState().activeClassId).toBeNull();
  });
});
