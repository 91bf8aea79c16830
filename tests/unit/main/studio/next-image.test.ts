import { describe, expect, it } from 'vitest';
import { classIds, openStudio } from './studio-fixture.js';

describe('images.next', () => {
  it('walks to the next and previous unlabeled image, and says when there is none', async () => {
    const s = await openStudio({ classes: ['car', 'bus'] });
    const { car, bus } = await classIds(s.api);
    const ids = s.addImages(6);
    await s.api.annotations.apply({ imageId: ids[1], changes: [{ op: 'create', annotation: { id: 'a', classId: car, kind: 'box', x: 1, y: 1, w: 5, h: 5 } }] });
    await s.api.annotations.apply({ imageId: ids[4], changes: [{ op: 'create', annotation: { id: 'b', classId: bus, kind: 'box', x: 1, y: 1, w: 5, h: 5 } }] });
    await s.api.images.setStatus({ ids: [ids[2]], status: 'done' });

    const walk = async (direction: 'next' | 'previous', from: number) => {
      const seen: number[] = [];
      for (let at = from; ; ) {
        const image = await s.api.images.next({ afterId: at, direction });
        if (!image) return seen;
        seen.push(image.id);
        at = image.id;
      }
    };
    expect(await walk('next', 0)).toEqual([ids[0], ids[3], ids[5]]);
    expect(await walk('previous', ids[5])).toEqual([ids[3], ids[0]]);
    // From nowhere, going back starts at the end.
    expect((await s.api.images.next({ direction: 'previous' }))?.id).toBe(ids[5]);
    expect(await s.api.images.next({ afterId: ids[5] })).toBeNull();
  });

  it('follows any filter of the grid', async () => {
    const s = await openStudio({ classes: ['car', 'bus'] });
    const { car, bus } = await classIds(s.api);
    const ids = s.addImages(5);
    const label = (imageId: number, id: string, classId: number) =>
      s.api.annotations.apply({ imageId, changes: [{ op: 'create', annotation: { id, classId, kind: 'box', x: 1, y: 1, w: 5, h: 5 } }] });
    await label(ids[0], 'a', bus);
    await label(ids[2], 'b', car);
    await label(ids[3], 'c', bus);
    expect((await s.api.images.next({ afterId: ids[0], filter: { kind: 'class', classId: bus } }))?.id).toBe(ids[3]);
    expect((await s.api.images.next({ afterId: ids[3], direction: 'previous', filter: { kind: 'labeled' } }))?.id).toBe(ids[2]);
    expect((await s.api.images.next({ filter: { kind: 'status', status: 'in_progress' } }))?.id).toBe(ids[0]);
    expect(await s.api.images.next({ afterId: ids[3], filter: { kind: 'class', classId: bus } })).toBeNull();
  });
});
