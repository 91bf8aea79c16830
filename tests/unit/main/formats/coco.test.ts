import path from 'node:path';
import { describe, it, expect } from 'vitest';
import type { ImportPlan, PlannedImage } from '../../../../src-main/services/import/plan.js';
import { planCoco, splitFromFileName } from '../../../../src-main/services/import/formats/coco.js';
import { aborted, jpeg, tmpDir, write } from './fixture.js';

function byFile(plan: ImportPlan): Record<string, PlannedImage> {
  return Object.fromEntries(plan.images.map((i) => [path.basename(i.path), i]));
}

const categories = [
  { id: 3, name: 'dog', supercategory: 'animal' },
  { id: 1, name: 'cat', supercategory: 'animal' },
];

function cocoJson(images: { id: number | string; file_name: string }[], annotations: unknown[], cats: unknown[] = categories): string {
  return JSON.stringify({ info: {}, licenses: [], images: images.map((i) => ({ width: 40, height: 30, ...i })), annotations, categories: cats });
}

describe('planCoco', () => {
  it('reads a JSON file with its images beside it in images/: pixel boxes, classes sorted by id', async () => {
    const root = tmpDir();
    await jpeg(path.join(root, 'images', 'a.jpg'));
    await jpeg(path.join(root, 'images', 'b.jpg'), 40, 30, 7);
    const json = write(
      path.join(root, 'labels.json'),
      cocoJson(
        [
          { id: 1, file_name: 'a.jpg' },
          { id: 2, file_name: 'b.jpg' },
        ],
        [
          { id: 10, image_id: 1, category_id: 3, bbox: [1, 2, 10.5, 8], area: 84, iscrowd: 0 },
          { id: 11, image_id: 1, category_id: 1, bbox: [0, 0, 5, 5], area: 25, iscrowd: 0 },
        ],
      ),
    );

    const plan = await planCoco(json);

    expect(plan.format).toBe('coco');
    expect(plan.failures).toEqual([]);
    expect(plan.classNames).toEqual(['cat', 'dog']);
    const files = byFile(plan);
    expect(files['a.jpg'].labels).toEqual([
      { kind: 'box', className: 'dog', x: 1, y: 2, w: 10.5, h: 8, normalized: false },
      { kind: 'box', className: 'cat', x: 0, y: 0, w: 5, h: 5, normalized: false },
    ]);
    expect(files['a.jpg'].split).toBeUndefined();
    // Listed with no annotation: COCO says "nothing here", which is a label.
    expect(files['b.jpg']).toMatchObject({ labeled: true, labels: [] });
  });

  it("reads a folder of split files in annotations/, finding images in COCO's own layouts", async () => {
    const root = tmpDir();
    await jpeg(path.join(root, 'train2017', 'a.jpg'));
    await jpeg(path.join(root, 'images', 'val', 'b.jpg'), 40, 30, 9);
    await jpeg(path.join(root, 'c.jpg'), 40, 30, 99);
    write(path.join(root, 'annotations', 'instances_train2017.json'), cocoJson([{ id: 1, file_name: 'a.jpg' }], [{ id: 1, image_id: 1, category_id: 1, bbox: [1, 1, 2, 2] }]));
    write(path.join(root, 'annotations', 'instances_val2017.json'), cocoJson([{ id: 1, file_name: 'b.jpg' }, { id: 2, file_name: 'c.jpg' }], []));
    // Captions list images and annotations but no categories or boxes: not a detection file.
    write(path.join(root, 'annotations', 'captions_train2017.json'), JSON.stringify({ images: [{ id: 1, file_name: 'a.jpg' }], annotations: [{ id: 1, image_id: 1, caption: 'a cat' }] }));
    write(path.join(root, 'package.json'), '{"name": "not coco"}');

    const plan = await planCoco(root);

    expect(plan.failures).toEqual([]);
    const files = byFile(plan);
    expect(files['a.jpg']).toMatchObject({ split: 'train', labels: [{ className: 'cat' }] });
    expect(files['b.jpg'].split).toBe('val');
    expect(files['c.jpg'].split).toBe('val');
  });

  it('reports each bad annotation by file and index, and keeps the rest', async () => {
    const root = tmpDir();
    await jpeg(path.join(root, 'a.jpg'));
    const anns = [
      { id: 1, image_id: 1, category_id: 1, bbox: [1, 1, 4, 4] }, // ok
      { id: 2, image_id: 1, category_id: 1 }, // no bbox
      { id: 3, image_id: 1, category_id: 1, bbox: [1, 'x', 4, 4] }, // not numbers
      { id: 4, image_id: 1, category_id: 1, bbox: [1, 1, 0, 4] }, // zero width
      { id: 5, image_id: 1, category_id: 1, bbox: [1, 1, 4, -2] }, // negative height
      { id: 6, image_id: 1, category_id: 42, bbox: [1, 1, 4, 4] }, // unknown category
      { id: 7, image_id: 99, category_id: 1, bbox: [1, 1, 4, 4] }, // unknown image
      { id: 8, image_id: 1, category_id: 3, bbox: [2, 2, 4, 4] }, // ok
      { id: 9, image_id: 1, category_id: 3, bbox: [2, 2, 4] }, // three numbers
      { id: 10, image_id: 1, category_id: 3, bbox: [0, 0, 40, 30], iscrowd: 1 }, // a crowd region: left out
    ];
    const json = write(path.join(root, 'instances_test.json'), cocoJson([{ id: 1, file_name: 'a.jpg' }], anns));

    const plan = await planCoco(json);

    expect(plan.images).toHaveLength(1);
    expect(plan.images[0].split).toBe('test');
    expect(plan.images[0].labels.map((l) => l.className)).toEqual(['cat', 'dog']);
    const failed = Object.fromEntries(plan.failures.map((f) => [f.path, f.reason]));
    expect(Object.keys(failed).sort()).toEqual([1, 2, 3, 4, 5, 6, 8].map((i) => `instances_test.json#annotations[${i}]`).sort());
    expect(failed['instances_test.json#annotations[1]']).toMatch(/bbox must be/);
    expect(failed['instances_test.json#annotations[2]']).toMatch(/bbox must be/);
    expect(failed['instances_test.json#annotations[3]']).toMatch(/no size/);
    expect(failed['instances_test.json#annotations[4]']).toMatch(/no size/);
    expect(failed['instances_test.json#annotations[5]']).toMatch(/category_id 42/);
    expect(failed['instances_test.json#annotations[6]']).toMatch(/image_id 99/);
    expect(failed['instances_test.json#annotations[8]']).toMatch(/bbox must be/);
  });

  it('reports an image file it cannot find, and drops its annotations quietly', async () => {
    const root = tmpDir();
    await jpeg(path.join(root, 'here.jpg'));
    const json = write(
      path.join(root, 'set.json'),
      cocoJson(
        [
          { id: 1, file_name: 'here.jpg' },
          { id: 2, file_name: 'gone.jpg' },
        ],
        [{ id: 1, image_id: 2, category_id: 1, bbox: [1, 1, 2, 2] }],
      ),
    );
    const plan = await planCoco(json);
    expect(plan.images.map((i) => path.basename(i.path))).toEqual(['here.jpg']);
    expect(plan.failures).toEqual([{ path: 'set.json#images[1]', reason: expect.stringContaining('gone.jpg not found') }]);
  });

  it('finds an image by its bare name when its file_name has folders from another machine', async () => {
    const root = tmpDir();
    await jpeg(path.join(root, 'images', 'a.jpg'));
    const json = write(path.join(root, 'export.json'), cocoJson([{ id: 'img-1', file_name: 'C:\\data\\upload\\a.jpg' }], [{ id: 1, image_id: 'img-1', category_id: 1, bbox: [1, 1, 2, 2] }]));
    const plan = await planCoco(json);
    expect(plan.failures).toEqual([]);
    expect(plan.images[0].labels).toHaveLength(1);
  });

  it('turns malformed JSON into one failure, without throwing', async () => {
    const root = tmpDir();
    const json = write(path.join(root, 'broken.json'), '{"images": [ {"id": 1,');
    const plan = await planCoco(json);
    expect(plan.images).toEqual([]);
    expect(plan.failures).toHaveLength(1);
    expect(plan.failures[0]).toMatchObject({ path: 'broken.json', reason: expect.stringMatching(/^not valid JSON/) });
  });

  it('reports malformed JSON in a folder and still reads the good files', async () => {
    const root = tmpDir();
    await jpeg(path.join(root, 'images', 'a.jpg'));
    write(path.join(root, 'annotations', 'instances_train.json'), cocoJson([{ id: 1, file_name: 'a.jpg' }], []));
    write(path.join(root, 'annotations', 'instances_val.json'), '{oops');
    const plan = await planCoco(root);
    expect(plan.images).toHaveLength(1);
    expect(plan.failures).toEqual([{ path: path.join('annotations', 'instances_val.json'), reason: expect.stringMatching(/^not valid JSON/) }]);
  });

  it('refuses a JSON that is not COCO, and a folder with none', async () => {
    const root = tmpDir();
    const json = write(path.join(root, 'other.json'), '{"images": 3}');
    expect((await planCoco(json)).failures[0].reason).toMatch(/not a COCO annotation file/);
    const empty = tmpDir();
    expect((await planCoco(empty)).failures[0].reason).toMatch(/no COCO annotation file/);
  });

  it('stops with a cancelled error when the signal is aborted', async () => {
    const root = tmpDir();
    await jpeg(path.join(root, 'a.jpg'));
    const json = write(path.join(root, 'x.json'), cocoJson([{ id: 1, file_name: 'a.jpg' }], []));
    await expect(planCoco(json, aborted())).rejects.toMatchObject({ code: 'cancelled' });
  });
});

describe('splitFromFileName', () => {
  it('reads the split from COCO file names', () => {
    expect(splitFromFileName('/x/instances_train2017.json')).toBe('train');
    expect(splitFromFileName('instances_val2017.json')).toBe('val');
    expect(splitFromFileName('image_info_test-dev2017.json')).toBe('test');
    expect(splitFromFileName('_annotations.coco.json')).toBeUndefined();
  });
});
