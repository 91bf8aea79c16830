import { describe, expect, it } from 'vitest';
import type { AnnotationChange } from '@shared';
import { classIds, openStudio } from './studio-fixture.js';

const box = (id: string, classId: number): AnnotationChange => ({ op: 'create', annotation: { id, classId, kind: 'box', x: 1, y: 1, w: 5, h: 5 } });
const tag = (id: string, classId: number): AnnotationChange => ({ op: 'create', annotation: { id, classId, kind: 'tag' } });

describe('classes.impact, delete and merge: boxes', () => {
  async function detection() {
    const s = await openStudio({ classes: ['car', 'bus', 'bike'] });
    const ids = await classIds(s.api);
    const [one, two, three] = s.addImages(3);
    await s.api.annotations.apply({ imageId: one, changes: [box('c1', ids.car), box('c2', ids.car), box('b1', ids.bus)] });
    await s.api.annotations.apply({ imageId: two, changes: [box('c3', ids.car)] });
    await s.api.annotations.apply({ imageId: three, changes: [box('k1', ids.bike)] });
    return { s, ids, images: [one, two, three] };
  }

  it('tells what a class touches before the user confirms', async () => {
    const { s, ids } = await detection();
    expect(await s.api.classes.impact({ id: ids.car })).toEqual({ classId: ids.car, annotations: 3, images: 2 });
    expect(await s.api.classes.impact({ id: ids.bike })).toEqual({ classId: ids.bike, annotations: 1, images: 1 });
    await expect(s.api.classes.impact({ id: 999 })).rejects.toMatchObject({ code: 'not_found' });
  });

  it('deletes a class with its annotations, and the images count again', async () => {
    const { s, ids, images } = await detection();
    s.events.length = 0;
    expect(await s.api.classes.delete({ id: ids.car })).toEqual({ classId: ids.car, annotations: 3, images: 2 });
    expect((await s.api.classes.list()).map((c) => c.name)).toEqual(['bus', 'bike']);
    expect((await s.api.annotations.forImage({ imageId: images[0] })).map((a) => a.id)).toEqual(['b1']);
    expect(await s.api.images.get({ id: images[0] })).toMatchObject({ annotationCount: 1 });
    expect(await s.api.images.get({ id: images[1] })).toMatchObject({ annotationCount: 0 });
    expect(await s.api.images.counts()).toMatchObject({ labeled: 2, unlabeled: 1 });
    expect(s.events.map((e) => e.channel)).toEqual(expect.arrayContaining(['reticle:classes.onChanged', 'reticle:images.onChanged']));
    await expect(s.api.classes.delete({ id: ids.car })).rejects.toMatchObject({ code: 'not_found' });
  });

  it('merges one class into another: the boxes move, the first class goes', async () => {
    const { s, ids, images } = await detection();
    expect(await s.api.classes.merge({ sourceId: ids.car, targetId: ids.bus })).toEqual({ classId: ids.car, annotations: 3, images: 2 });
    expect((await s.api.classes.list()).map((c) => c.name)).toEqual(['bus', 'bike']);
    expect(await s.api.classes.impact({ id: ids.bus })).toEqual({ classId: ids.bus, annotations: 4, images: 2 });
    expect((await s.api.annotations.forImage({ imageId: images[0] })).map((a) => [a.id, a.classId])).toEqual([
      ['c1', ids.bus],
      ['c2', ids.bus],
      ['b1', ids.bus],
    ]);
    expect((await s.api.images.counts()).byClass).toEqual({ [ids.bus]: 2, [ids.bike]: 1 });
  });

  it('refuses to merge a class into itself or into one that does not exist, and changes nothing', async () => {
    const { s, ids } = await detection();
    await expect(s.api.classes.merge({ sourceId: ids.car, targetId: ids.car })).rejects.toMatchObject({ code: 'invalid_input' });
    await expect(s.api.classes.merge({ sourceId: ids.car, targetId: 999 })).rejects.toMatchObject({ code: 'not_found' });
    expect(await s.api.classes.impact({ id: ids.car })).toEqual({ classId: ids.car, annotations: 3, images: 2 });
  });
});

describe('classes.merge: tags', () => {
  it('keeps one tag per class: a moved tag is dropped where the image has the target tag already', async () => {
    const s = await openStudio({ task: 'classify', multiLabel: true, classes: ['cat', 'kitten', 'dog'] });
    const ids = await classIds(s.api);
    const [both, kittenOnly, catOnly] = s.addImages(3);
    await s.api.annotations.apply({ imageId: both, changes: [tag('a1', ids.cat), tag('a2', ids.kitten), tag('a3', ids.dog)] });
    await s.api.annotations.apply({ imageId: kittenOnly, changes: [tag('b1', ids.kitten)] });
    await s.api.annotations.apply({ imageId: catOnly, changes: [tag('c1', ids.cat)] });

    expect(await s.api.classes.merge({ sourceId: ids.kitten, targetId: ids.cat })).toEqual({ classId: ids.kitten, annotations: 2, images: 2 });
    const tags = async (imageId: number) => (await s.api.annotations.forImage({ imageId })).map((a) => [a.id, a.classId]);
    expect(await tags(both)).toEqual([
      ['a1', ids.cat],
      ['a3', ids.dog],
    ]);
    expect(await tags(kittenOnly)).toEqual([['b1', ids.cat]]);
    expect(await tags(catOnly)).toEqual([['c1', ids.cat]]);
    expect(await s.api.images.get({ id: both })).toMatchObject({ annotationCount: 2 });
    expect(await s.api.classes.impact({ id: ids.cat })).toEqual({ classId: ids.cat, annotations: 3, images: 3 });
  });
});
