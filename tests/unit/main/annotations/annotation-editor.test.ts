import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Annotation, AnnotationChange } from '@shared';
import { classIds, closeStudio, openStudio } from '../studio/studio-fixture.js';

const box = (id: string, classId: number, x: number, y: number, w: number, h: number): AnnotationChange => ({
  op: 'create',
  annotation: { id, classId, kind: 'box', x, y, w, h },
});
const tag = (id: string, classId: number): AnnotationChange => ({ op: 'create', annotation: { id, classId, kind: 'tag' } });
const geometry = (list: Annotation[]) => list.map((a) => (a.kind === 'box' ? [a.id, a.x, a.y, a.w, a.h] : [a.id, a.classId]));

afterEach(() => {
  vi.useRealTimers();
});

describe('annotations.apply: boxes', () => {
  it('keeps a drawn box: it is there after the project is closed and opened again', async () => {
    const s = await openStudio({ classes: ['car'] });
    const { car } = await classIds(s.api);
    const [image] = s.addImages(1);
    const result = await s.api.annotations.apply({ imageId: image, changes: [box('b1', car, 10, 20, 30, 40)] });
    expect(result).toEqual({
      imageId: image,
      status: 'in_progress',
      annotations: [{ id: 'b1', imageId: image, classId: car, kind: 'box', x: 10, y: 20, w: 30, h: 40, source: 'manual' }],
    });
    await closeStudio(s);

    const again = await openStudio({ dir: s.dir });
    expect(await again.api.annotations.forImage({ imageId: image })).toEqual(result.annotations);
    expect(await again.api.images.get({ id: image })).toMatchObject({ status: 'in_progress', annotationCount: 1 });
  });

  it('clamps boxes to the image when drawn and when moved', async () => {
    const s = await openStudio({ classes: ['car'] });
    const { car } = await classIds(s.api);
    const [image] = s.addImages(1, { width: 100, height: 80 });
    const drawn = await s.api.annotations.apply({ imageId: image, changes: [box('b1', car, -10, -5, 50, 30), box('b2', car, 90, 70, 50, 50)] });
    expect(geometry(drawn.annotations)).toEqual([
      ['b1', 0, 0, 40, 25],
      ['b2', 90, 70, 10, 10],
    ]);
    const moved = await s.api.annotations.apply({ imageId: image, changes: [{ op: 'update', id: 'b1', patch: { x: 80, y: 60 } }] });
    expect(geometry(moved.annotations)[0]).toEqual(['b1', 80, 60, 20, 20]);
    expect(geometry(await s.api.annotations.forImage({ imageId: image }))).toEqual(geometry(moved.annotations));
  });

  it('refuses a box with nothing left inside the image, and stores nothing', async () => {
    const s = await openStudio({ classes: ['car'] });
    const { car } = await classIds(s.api);
    const [image] = s.addImages(1, { width: 100, height: 80 });
    await expect(s.api.annotations.apply({ imageId: image, changes: [box('b1', car, 120, 10, 30, 30)] })).rejects.toMatchObject({
      code: 'invalid_input',
      message: expect.stringMatching(/outside the 100 × 80 image/),
    });
    await s.api.annotations.apply({ imageId: image, changes: [box('b2', car, 10, 10, 30, 30)] });
    await expect(s.api.annotations.apply({ imageId: image, changes: [{ op: 'update', id: 'b2', patch: { y: -200 } }] })).rejects.toMatchObject({ code: 'invalid_input' });
    expect(geometry(await s.api.annotations.forImage({ imageId: image }))).toEqual([['b2', 10, 10, 30, 30]]);
  });

  it('refuses boxes in a classification project and tags in a detection project', async () => {
    const cls = await openStudio({ task: 'classify', classes: ['sunny'] });
    const [photo] = cls.addImages(1);
    await expect(cls.api.annotations.apply({ imageId: photo, changes: [box('b1', (await classIds(cls.api)).sunny, 1, 1, 5, 5)] })).rejects.toMatchObject({
      code: 'invalid_input',
      message: expect.stringMatching(/classification project/),
    });
    const det = await openStudio({ task: 'detect', classes: ['car'] });
    const [frame] = det.addImages(1);
    await expect(det.api.annotations.apply({ imageId: frame, changes: [tag('t1', (await classIds(det.api)).car)] })).rejects.toMatchObject({
      code: 'invalid_input',
      message: expect.stringMatching(/detection project/),
    });
    expect(cls.store().annotations.count() + det.store().annotations.count()).toBe(0);
  });

  it('says which change failed for an unknown image, class or annotation', async () => {
    const s = await openStudio({ classes: ['car'] });
    const { car } = await classIds(s.api);
    const [image] = s.addImages(1);
    await expect(s.api.annotations.apply({ imageId: 999, changes: [box('b1', car, 1, 1, 5, 5)] })).rejects.toMatchObject({ code: 'not_found' });
    await expect(s.api.annotations.apply({ imageId: image, changes: [box('b1', car + 100, 1, 1, 5, 5)] })).rejects.toMatchObject({
      code: 'not_found',
      message: expect.stringMatching(/no class/),
    });
    await expect(s.api.annotations.apply({ imageId: image, changes: [{ op: 'update', id: 'nope', patch: { x: 1 } }] })).rejects.toMatchObject({ code: 'not_found' });
    await expect(s.api.annotations.apply({ imageId: image, changes: [box('b 1', car, 1, 1, 5, 5)] })).rejects.toMatchObject({ code: 'invalid_input' });
  });

  it('refuses an id that is taken, on this image or another', async () => {
    const s = await openStudio({ classes: ['car'] });
    const { car } = await classIds(s.api);
    const [a, b] = s.addImages(2);
    await s.api.annotations.apply({ imageId: a, changes: [box('same', car, 1, 1, 5, 5)] });
    await expect(s.api.annotations.apply({ imageId: a, changes: [box('same', car, 9, 9, 5, 5)] })).rejects.toMatchObject({ code: 'conflict' });
    await expect(s.api.annotations.apply({ imageId: b, changes: [box('same', car, 9, 9, 5, 5)] })).rejects.toMatchObject({ code: 'conflict' });
    expect(geometry(await s.api.annotations.forImage({ imageId: a }))).toEqual([['same', 1, 1, 5, 5]]);
    expect(await s.api.annotations.forImage({ imageId: b })).toEqual([]);
  });

  it('ignores the delete of an annotation that is gone, so undo after another client deleted works', async () => {
    const s = await openStudio({ classes: ['car'] });
    const { car } = await classIds(s.api);
    const [image] = s.addImages(1);
    await s.api.annotations.apply({ imageId: image, changes: [box('b1', car, 1, 1, 5, 5)] });
    await s.api.annotations.apply({ imageId: image, changes: [{ op: 'delete', id: 'b1' }] });
    const again = await s.api.annotations.apply({ imageId: image, changes: [{ op: 'delete', id: 'b1' }, { op: 'delete', id: 'never-was' }] });
    expect(again.annotations).toEqual([]);
    expect(await s.api.images.get({ id: image })).toMatchObject({ annotationCount: 0 });
  });

  it('applies a gesture of many changes all or not at all', async () => {
    const s = await openStudio({ classes: ['car'] });
    const { car } = await classIds(s.api);
    const [image] = s.addImages(1);
    const before = await s.api.annotations.apply({ imageId: image, changes: [box('keep', car, 1, 1, 5, 5), box('gone', car, 20, 20, 5, 5)] });
    await expect(
      s.api.annotations.apply({
        imageId: image,
        changes: [box('new', car, 30, 30, 5, 5), { op: 'update', id: 'keep', patch: { x: 50 } }, { op: 'delete', id: 'gone' }, box('bad', car, 500, 500, 5, 5)],
      }),
    ).rejects.toMatchObject({ code: 'invalid_input', message: expect.stringMatching(/change 4 of 4/) });
    expect(await s.api.annotations.forImage({ imageId: image })).toEqual(before.annotations);
    // The next edit starts from what is stored, not from the half-applied gesture.
    const next = await s.api.annotations.apply({ imageId: image, changes: [{ op: 'update', id: 'gone', patch: { w: 9 } }] });
    expect(geometry(next.annotations)).toEqual([
      ['keep', 1, 1, 5, 5],
      ['gone', 20, 20, 9, 5],
    ]);
  });

  it('starts a new image on its first edit, and leaves a finished one finished', async () => {
    const s = await openStudio({ classes: ['car'] });
    const { car } = await classIds(s.api);
    const [fresh, finished] = s.addImages(2);
    await s.api.images.setStatus({ ids: [finished], status: 'done' });
    expect(await s.api.annotations.apply({ imageId: fresh, changes: [{ op: 'delete', id: 'nothing' }] })).toMatchObject({ status: 'new' });
    expect(await s.api.annotations.apply({ imageId: fresh, changes: [box('b1', car, 1, 1, 5, 5)] })).toMatchObject({ status: 'in_progress' });
    expect(await s.api.annotations.apply({ imageId: finished, changes: [box('b2', car, 1, 1, 5, 5)] })).toMatchObject({ status: 'done' });
    expect((await s.api.images.counts()).byStatus).toMatchObject({ new: 0, in_progress: 1, done: 1 });
  });

  it('keeps created_at and moves updated_at when a box changes', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2025-01-01T10:00:00Z'));
    const s = await openStudio({ classes: ['car', 'bus'] });
    const { car, bus } = await classIds(s.api);
    const [image] = s.addImages(1);
    await s.api.annotations.apply({ imageId: image, changes: [box('b1', car, 1, 1, 5, 5)] });
    vi.setSystemTime(new Date('2025-01-01T10:05:00Z'));
    await s.api.annotations.apply({ imageId: image, changes: [{ op: 'update', id: 'b1', patch: { classId: bus } }] });
    expect(s.store().db.prepare('SELECT class_id, created_at, updated_at FROM annotations WHERE id = ?').get('b1')).toEqual({
      class_id: bus,
      created_at: '2025-01-01T10:00:00.000Z',
      updated_at: '2025-01-01T10:05:00.000Z',
    });
  });
});

describe('annotations.apply: tags', () => {
  it('replaces the tag of a single-label image', async () => {
    const s = await openStudio({ task: 'classify', classes: ['cat', 'dog'] });
    const { cat, dog } = await classIds(s.api);
    const [image] = s.addImages(1);
    await s.api.annotations.apply({ imageId: image, changes: [tag('t1', cat)] });
    const result = await s.api.annotations.apply({ imageId: image, changes: [tag('t2', dog)] });
    expect(geometry(result.annotations)).toEqual([['t2', dog]]);
    expect(await s.api.images.get({ id: image })).toMatchObject({ annotationCount: 1 });
  });

  it('adds tags on a multi-label image, each class once', async () => {
    const s = await openStudio({ task: 'classify', multiLabel: true, classes: ['cat', 'dog'] });
    const { cat, dog } = await classIds(s.api);
    const [image] = s.addImages(1);
    await s.api.annotations.apply({ imageId: image, changes: [tag('t1', cat), tag('t2', dog)] });
    await expect(s.api.annotations.apply({ imageId: image, changes: [tag('t3', cat)] })).rejects.toMatchObject({ code: 'conflict' });
    await expect(s.api.annotations.apply({ imageId: image, changes: [{ op: 'update', id: 't2', patch: { classId: cat } }] })).rejects.toMatchObject({ code: 'conflict' });
    await expect(s.api.annotations.apply({ imageId: image, changes: [{ op: 'update', id: 't2', patch: { x: 3 } }] })).rejects.toMatchObject({ code: 'invalid_input' });
    expect(geometry(await s.api.annotations.forImage({ imageId: image }))).toEqual([
      ['t1', cat],
      ['t2', dog],
    ]);
  });
});

describe('annotations.apply: other writers', () => {
  it('sees annotations another process added, and classes deleted meanwhile', async () => {
    const s = await openStudio({ classes: ['car', 'bus'] });
    const { car, bus } = await classIds(s.api);
    const [image] = s.addImages(1);
    await s.api.annotations.apply({ imageId: image, changes: [box('b1', car, 1, 1, 5, 5), box('b2', bus, 10, 10, 5, 5)] });

    const other = new Database(path.join(s.dir, 'project.db'));
    other
      .prepare("INSERT INTO annotations (id, image_id, class_id, kind, x, y, w, h, source, created_at, updated_at) VALUES ('cli', ?, ?, 'box', 30, 30, 5, 5, 'import', 'now', 'now')")
      .run(image, car);
    other.close();
    const afterCli = await s.api.annotations.apply({ imageId: image, changes: [{ op: 'update', id: 'b1', patch: { x: 2 } }] });
    expect(afterCli.annotations.map((a) => a.id)).toEqual(['b1', 'b2', 'cli']);

    await s.api.classes.delete({ id: bus });
    const afterDelete = await s.api.annotations.apply({ imageId: image, changes: [{ op: 'update', id: 'b1', patch: { x: 3 } }] });
    expect(afterDelete.annotations.map((a) => a.id)).toEqual(['b1', 'cli']);
  });
});

describe('annotations.apply: events', () => {
  it('tells other windows which image changed, and refreshes the grid at most a few times a second', async () => {
    vi.useFakeTimers({ toFake: ['Date', 'setTimeout', 'clearTimeout'] });
    const s = await openStudio({ classes: ['car'] });
    const { car } = await classIds(s.api);
    const [image] = s.addImages(1);
    s.events.length = 0;
    for (let i = 0; i < 20; i++) await s.api.annotations.apply({ imageId: image, changes: [box(`b${i}`, car, i, i, 5, 5)] });
    const changed = s.events.filter((e) => e.channel === 'reticle:annotations.onChanged');
    expect(changed).toHaveLength(20);
    expect(changed[0].payload).toEqual({ imageId: image });
    const refreshes = () => s.events.filter((e) => e.channel === 'reticle:images.onChanged').map((e) => e.payload);
    expect(refreshes()).toEqual([{ reason: 'edit' }]);
    await vi.advanceTimersByTimeAsync(1000);
    // The last state is never missed: one more refresh after the burst.
    expect(refreshes()).toEqual([{ reason: 'edit' }, { reason: 'edit' }]);
  });
});
