/**
 * The counterexamples the bad-input properties found, kept as plain tests so each bug stays
 * fixed whatever seed the properties run with.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { studioContract, type StudioServices } from '@shared';
import { planYolo } from '../../../src-main/services/import/formats/yolo.js';
import { planFolders } from '../../../src-main/services/import/formats/folders.js';
import { ultralyticsMetadata } from '../../../src-main/services/inference/onnx-metadata.js';
import { ApiHost } from '../../../src-main/host/api-host.js';
import { copyImage, createProject, expectSoundProject, importInto, sampleImages, sandboxDir, writeFile } from './fuzz-fixture.js';

/** A YOLO folder (images/ + labels/) with one image and the given label text. */
async function yoloFolder(labels: string, yaml?: string): Promise<string> {
  const root = sandboxDir();
  copyImage((await sampleImages())[0], path.join(root, 'images', 'a.jpg'));
  writeFile(path.join(root, 'labels', 'a.txt'), labels);
  if (yaml !== undefined) writeFile(path.join(root, 'data.yaml'), yaml);
  return root;
}

describe('YOLO: class counts and indices far past any dataset', () => {
  it('reports a huge class index in a label line instead of making a class for every index below it', async () => {
    // Was: RangeError "Invalid array length" (1e21) or the process out of memory (99999999).
    for (const cls of ['1e21', '99999999', '10000']) {
      const plan = await planYolo(await yoloFolder(`${cls} 0.5 0.5 0.1 0.1\n0 0.5 0.5 0.2 0.2\n`));
      expect(plan.failures).toEqual([{ path: 'labels/a.txt:1', reason: `class ${cls} is out of range: a dataset has at most 10000 classes` }]);
      expect(plan.classNames).toEqual(['class0']);
      expect(plan.images[0].labels).toHaveLength(1);
    }
  });

  it('reports an nc past 10000 and a names index past 9999, and keeps the rest', async () => {
    // Was: a hang allocating a billion class names, or RangeError for 1e300.
    const big = await planYolo(await yoloFolder('0 0.5 0.5 0.2 0.2\n', 'nc: 1000000000\nnames: {0: cat, 1000000000: dog}\n'));
    expect(big.classNames).toEqual(['cat']);
    expect(big.failures.map((f) => f.reason)).toEqual([
      'nc: 1000000000 is not a class count (0 to 10000)',
      'names: "1000000000" is not a class index (0, 1, 2… up to 9999)',
    ]);
    const huge = await planYolo(await yoloFolder('0 0.5 0.5 0.2 0.2\n', 'nc: 1e300\n'));
    expect(huge.failures.map((f) => f.reason)).toEqual(['nc: 1e+300 is not a class count (0 to 10000)']);
    expect(huge.classNames).toEqual(['class0']);
  });

  it('uses the first 10000 of a longer names list', async () => {
    // Was: a hang on a long list. The test's own timeout (60 s) is the hang guard; how fast the
    // plan is made is not asserted here.
    const names = Array.from({ length: 12_000 }, (_, i) => `n${i}`);
    const plan = await planYolo(await yoloFolder('9999 0.5 0.5 0.2 0.2\n', `names: [${names.join(', ')}]\n`));
    expect(plan.classNames).toHaveLength(10_000);
    expect(plan.failures).toEqual([{ path: 'data.yaml', reason: '12000 class names; the first 10000 are used' }]);
    expect(plan.images[0].labels).toMatchObject([{ className: 'n9999' }]);
  });
});

describe('class folders: names a file system allows and a class name does not', () => {
  it('makes one-line class names of at most 100 characters, and reports a blank folder name', async () => {
    const root = sandboxDir();
    const jpeg = fs.readFileSync((await sampleImages())[0].file);
    const folders = ['two\nlines', 'x'.repeat(150), ' '];
    folders.forEach((f, i) => writeFile(path.join(root, 'dataset', f, `${i}.jpg`), Buffer.concat([jpeg, Buffer.from([i])])));
    const plan = await planFolders(path.join(root, 'dataset'));
    expect(plan.classNames.sort()).toEqual(['two lines', 'x'.repeat(100)].sort());
    expect(plan.images.map((i) => i.labels[0])).toEqual(expect.arrayContaining([{ kind: 'tag', className: 'two lines' }]));
    expect(plan.failures).toEqual([{ path: path.join(root, 'dataset', ' '), reason: 'a class folder with a blank name; its images are left out' }]);

    const store = createProject(path.join(root, 'project'), 'classify');
    const outcome = await importInto(store, [path.join(root, 'dataset')], 'folders');
    expectSoundProject(store, outcome);
    expect(outcome.report).toMatchObject({ imported: 2, annotations: 2 });
    store.dispose();
  });
});

describe('ONNX metadata: class indices far past any model', () => {
  it('names the classes up to the last sane index, without allocating up to a huge one', () => {
    // Was: the inference worker out of memory ({99999999: …}) or RangeError ({1e300: …}).
    expect(ultralyticsMetadata(new Map([['names', "{0: 'a', 99999999: 'b'}"]])).names).toEqual(['a']);
    expect(ultralyticsMetadata(new Map([['names', "{1e300: 'x'}"]])).names).toEqual([]);
    const many = `{${Array.from({ length: 150_000 }, (_, i) => `${i}: 'c'`).join(', ')}}`;
    // Was: RangeError from spreading 150,000 indices into Math.max.
    expect(ultralyticsMetadata(new Map([['names', many]])).names).toHaveLength(100_000);
  });
});

describe('ApiHost: a channel that is not a string', () => {
  it('answers invalid_input for an object without a prototype instead of throwing', async () => {
    const host = new ApiHost(studioContract, {} as StudioServices);
    // Was: TypeError "Cannot convert object to primitive value" out of invoke.
    for (const channel of [Object.create(null), null, 42, ['reticle:images.list']]) {
      expect(await host.invoke(channel as string, {}, { transport: 'ipc' })).toEqual({
        ok: false,
        error: { code: 'invalid_input', message: expect.stringMatching(/^Unknown call \(a (object|null|number) instead of a channel name\)\.$/) },
      });
    }
  });
});
