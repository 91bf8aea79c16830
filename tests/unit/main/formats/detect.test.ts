import path from 'node:path';
import { describe, it, expect } from 'vitest';
import { detectFormat } from '../../../../src-main/services/import/formats/detect.js';
import { planImport } from '../../../../src-main/services/import/formats/plan-import.js';
import { jpeg, tmpDir, write } from './fixture.js';

const coco = JSON.stringify({ images: [{ id: 1, file_name: 'a.jpg', width: 40, height: 30 }], annotations: [], categories: [{ id: 1, name: 'cat' }] });

describe('detectFormat', () => {
  it('knows datasets by their files', async () => {
    const root = tmpDir();
    const yaml = write(path.join(root, 'a', 'data.yaml'), 'names: [x]\n');
    const json = write(path.join(root, 'b', 'labels.json'), coco);
    const image = await jpeg(path.join(root, 'c', 'x.jpg'));
    expect(await detectFormat([yaml], 'detect')).toBe('yolo');
    expect(await detectFormat([path.join(root, 'a', 'other.YML')], 'detect')).toBe('images');
    expect(await detectFormat([json], 'detect')).toBe('coco');
    expect(await detectFormat([image], 'detect')).toBe('images');
    expect(await detectFormat([yaml, json], 'detect')).toBe('images');
  });

  it('knows YOLO folders by a yaml with names, by images/ + labels/, or by Roboflow split folders', async () => {
    const withYaml = tmpDir();
    write(path.join(withYaml, 'mine.yaml'), 'names: {0: a}\n');
    const noNames = tmpDir();
    write(path.join(noNames, 'config.yaml'), 'epochs: 3\n');
    await jpeg(path.join(noNames, 'x.jpg'));
    const pair = tmpDir();
    await jpeg(path.join(pair, 'images', 'x.jpg'));
    write(path.join(pair, 'labels', 'x.txt'), '');
    const roboflow = tmpDir();
    await jpeg(path.join(roboflow, 'train', 'images', 'x.jpg'));
    write(path.join(roboflow, 'train', 'labels', 'x.txt'), '');

    expect(await detectFormat([withYaml], 'detect')).toBe('yolo');
    expect(await detectFormat([noNames], 'detect')).toBe('images');
    expect(await detectFormat([pair], 'detect')).toBe('yolo');
    expect(await detectFormat([roboflow], 'detect')).toBe('yolo');
  });

  it('knows COCO folders by a COCO json beside or in annotations/', async () => {
    const top = tmpDir();
    write(path.join(top, 'x.json'), coco);
    const nested = tmpDir();
    write(path.join(nested, 'annotations', 'instances_val.json'), coco);
    const other = tmpDir();
    write(path.join(other, 'package.json'), '{"name": "x"}');
    await jpeg(path.join(other, 'x.jpg'));
    expect(await detectFormat([top], 'detect')).toBe('coco');
    expect(await detectFormat([nested], 'detect')).toBe('coco');
    expect(await detectFormat([other], 'detect')).toBe('images');
  });

  it('knows class folders in a classification project only, and only without loose images', async () => {
    const flat = tmpDir();
    await jpeg(path.join(flat, 'cat', 'a.jpg'));
    await jpeg(path.join(flat, 'dog', 'deeper', 'b.jpg'));
    const split = tmpDir();
    await jpeg(path.join(split, 'train', 'cat', 'a.jpg'));
    const loose = tmpDir();
    await jpeg(path.join(loose, 'cat', 'a.jpg'));
    await jpeg(path.join(loose, 'b.jpg'));
    const flatImages = tmpDir();
    await jpeg(path.join(flatImages, 'a.jpg'));

    expect(await detectFormat([flat], 'classify')).toBe('folders');
    expect(await detectFormat([split], 'classify')).toBe('folders');
    expect(await detectFormat([flat], 'detect')).toBe('images');
    expect(await detectFormat([loose], 'classify')).toBe('images');
    expect(await detectFormat([flatImages], 'classify')).toBe('images');
    expect(await detectFormat([path.join(flat, 'missing')], 'classify')).toBe('images');
  });
});

describe('planImport', () => {
  it('detects and reads with auto', async () => {
    const root = tmpDir();
    await jpeg(path.join(root, 'cat', 'a.jpg'));
    const plan = await planImport([root], 'auto', 'classify');
    expect(plan.format).toBe('folders');
    expect(plan.images[0].labels).toEqual([{ kind: 'tag', className: 'cat' }]);
    const asImages = await planImport([root], 'auto', 'detect');
    expect(asImages.format).toBe('images');
    expect(asImages.images[0].labels).toEqual([]);
  });

  it('wants exactly one path for a dataset format', async () => {
    const a = tmpDir();
    const b = tmpDir();
    for (const format of ['yolo', 'coco'] as const) {
      await expect(planImport([a, b], format, 'detect')).rejects.toMatchObject({ code: 'invalid_input', message: expect.stringContaining('2 paths') });
    }
    await expect(planImport([a, b], 'folders', 'classify')).rejects.toMatchObject({ code: 'invalid_input' });
  });

  it('refuses a format that does not fit the project, saying what to do instead', async () => {
    const root = tmpDir();
    write(path.join(root, 'data.yaml'), 'names: [a]\ntrain: images\n');
    await expect(planImport([root], 'folders', 'detect')).rejects.toMatchObject({ code: 'invalid_input', message: expect.stringMatching(/detection project.*"images"/) });
    await expect(planImport([root], 'yolo', 'classify')).rejects.toMatchObject({ code: 'invalid_input', message: expect.stringMatching(/classification project.*"images"/) });
    await expect(planImport([root], 'coco', 'classify')).rejects.toMatchObject({ code: 'invalid_input' });
    await expect(planImport([root], 'auto', 'classify')).rejects.toMatchObject({ code: 'invalid_input', message: expect.stringContaining('YOLO') });
  });
});
