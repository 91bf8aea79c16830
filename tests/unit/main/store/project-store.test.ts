import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { ProjectStore } from '../../../../src-main/services/store/project-store.js';
import { SCHEMA_VERSION } from '../../../../src-main/services/store/database.js';
import { tempDir } from '../../helpers/images.js';

describe('ProjectStore', () => {
  it('creates a self-contained project folder that reopens with the same data', () => {
    const dir = path.join(tempDir(), 'birds');
    const store = ProjectStore.create(dir, { name: 'Birds', task: 'detect' });
    store.classes.ensure(['sparrow', 'crow']);
    const id = store.images.insert({ hash: 'a'.repeat(64), ext: '.jpg', format: 'jpeg', name: 'x.jpg', originalPath: '/x.jpg', width: 640, height: 480, bytes: 10 });
    store.annotations.insertMany(id, [{ kind: 'box', classId: store.classes.byName('crow')!.id, x: 10, y: 20, w: 30, h: 40 }]);
    store.dispose();

    for (const sub of ['project.db', 'media', 'thumbs', 'runs']) expect(fs.existsSync(path.join(dir, sub))).toBe(true);
    const again = ProjectStore.open(dir);
    expect(again.info()).toMatchObject({ name: 'Birds', task: 'detect', multiLabel: false, schemaVersion: SCHEMA_VERSION });
    expect(again.classes.list().map((c) => c.name)).toEqual(['sparrow', 'crow']);
    const [box] = again.annotations.forImage(id);
    expect(box).toMatchObject({ kind: 'box', x: 10, y: 20, w: 30, h: 40 });
    expect(again.images.get(id).annotationCount).toBe(1);
    expect(again.integrityCheck()).toBe('ok');
    again.dispose();
  });

  it('uses WAL and full sync, so a committed edit survives a crash', () => {
    const store = ProjectStore.create(path.join(tempDir(), 'p'), { name: 'p', task: 'detect' });
    expect(store.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(store.db.pragma('synchronous', { simple: true })).toBe(2);
    expect(store.db.pragma('foreign_keys', { simple: true })).toBe(1);
    store.dispose();
  });

  it('refuses a non-empty folder, an existing project, and multi-label detection', () => {
    const root = tempDir();
    fs.writeFileSync(path.join(root, 'notes.txt'), 'mine');
    expect(() => ProjectStore.create(root, { name: 'x', task: 'detect' })).toThrow(/not empty/);
    const dir = path.join(tempDir(), 'p');
    ProjectStore.create(dir, { name: 'x', task: 'detect' }).dispose();
    expect(() => ProjectStore.create(dir, { name: 'x', task: 'detect' })).toThrow(/already holds a project/);
    expect(() => ProjectStore.create(path.join(tempDir(), 'q'), { name: 'x', task: 'detect', multiLabel: true })).toThrow(/multi-label/);
  });

  it('says clearly when a folder is not a project, or the database is not a database', () => {
    const empty = tempDir();
    expect(() => ProjectStore.open(empty)).toThrow(/not a Reticle project/);
    fs.writeFileSync(path.join(empty, 'project.db'), 'this is not sqlite at all, just some text that is long enough'.repeat(100));
    expect(() => ProjectStore.open(empty)).toThrow(/not a readable project database|damaged/);
  });

  it('refuses a project written by a newer studio instead of damaging it', () => {
    const dir = path.join(tempDir(), 'p');
    ProjectStore.create(dir, { name: 'x', task: 'detect' }).dispose();
    const db = new Database(path.join(dir, 'project.db'));
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    expect(() => ProjectStore.open(dir)).toThrow(/newer Reticle Studio/);
  });

  it('keeps class names unique and the order the user sets', () => {
    const store = ProjectStore.create(path.join(tempDir(), 'p'), { name: 'p', task: 'detect' });
    const [a, b, c] = ['cat', 'dog', 'fox'].map((n) => store.classes.create(n));
    expect(() => store.classes.create('dog')).toThrow(/exists already/);
    expect(() => store.classes.update(a.id, { name: 'fox' })).toThrow(/exists already/);
    expect(store.classes.reorder([c.id, a.id, b.id]).map((x) => x.name)).toEqual(['fox', 'cat', 'dog']);
    expect(() => store.classes.reorder([c.id, a.id])).toThrow(/every class/);
    expect(store.classes.update(b.id, { name: 'wolf', color: '#123456' })).toMatchObject({ name: 'wolf', color: '#123456' });
    store.dispose();
  });

  it('filters and counts images as the grid shows them', () => {
    const store = ProjectStore.create(path.join(tempDir(), 'p'), { name: 'p', task: 'detect' });
    const { ids } = store.classes.ensure(['a', 'b']);
    const make = (i: number) =>
      store.images.insert({ hash: i.toString(16).padStart(64, '0'), ext: '.jpg', format: 'jpeg', name: `${i}.jpg`, originalPath: `/${i}.jpg`, width: 10, height: 10, bytes: 1 });
    const imgs = Array.from({ length: 6 }, (_, i) => make(i + 1));
    store.annotations.insertMany(imgs[0], [{ kind: 'box', classId: ids.get('a')!, x: 0, y: 0, w: 1, h: 1 }]);
    store.annotations.insertMany(imgs[1], [{ kind: 'box', classId: ids.get('b')!, x: 0, y: 0, w: 1, h: 1 }, { kind: 'box', classId: ids.get('a')!, x: 1, y: 1, w: 1, h: 1 }]);
    store.images.setStatus([imgs[2]], 'done');
    const counts = store.images.counts();
    expect(counts).toMatchObject({ all: 6, labeled: 3, unlabeled: 3 });
    expect(counts.byClass[ids.get('a')!]).toBe(2);
    expect(counts.byStatus.done).toBe(1);
    expect(store.images.list({ kind: 'unlabeled' }, 0, 10).items.map((i) => i.id)).toEqual(imgs.slice(3));
    expect(store.images.list({ kind: 'class', classId: ids.get('b')! }, 0, 10).items.map((i) => i.id)).toEqual([imgs[1]]);
    const page = store.images.list({ kind: 'all' }, 2, 2);
    expect(page.total).toBe(6);
    expect(page.items.map((i) => i.id)).toEqual(imgs.slice(2, 4));
    store.dispose();
  });
});
