/**
 * COCO files of every kind of wrong, imported for real: arbitrary JSON, a valid file with its
 * values broken, and a valid file with garbage entries beside the good ones (whose images and
 * boxes must still arrive).
 */
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nastyJson, nastyLine, nastyText } from './nasty-values.js';
import {
  copyImage,
  createProject,
  expectSoundProject,
  expectUntouched,
  fuzzRuns,
  IMPORT_PROPERTY_TIMEOUT_MS,
  importInto,
  removeSandbox,
  sampleImages,
  sandboxDir,
  snapshotTree,
  storedBoxes,
  writeFile,
} from './fuzz-fixture.js';

type Json = Record<string, unknown>;

/** Stands for the sandbox's absolute path; replaced when the file is written. */
const SANDBOX = '@SANDBOX@';
/** `"@RAW:1e400@"` is written as the bare text 1e400: numbers JSON.stringify cannot write. */
const raw = (text: string) => `@RAW:${text}@`;

/** The good part: three images, three boxes, two classes. */
function validCoco(): { images: Json[]; annotations: Json[]; categories: Json[] } {
  return {
    images: [
      { id: 1, file_name: 'img0.jpg', width: 40, height: 30 },
      { id: 2, file_name: 'img1.png', width: 33, height: 47 },
      { id: 3, file_name: 'images/img2.webp', width: 64, height: 16 },
    ],
    annotations: [
      { id: 1, image_id: 1, category_id: 1, bbox: [1, 2, 10, 10], iscrowd: 0 },
      { id: 2, image_id: 2, category_id: 2, bbox: [0, 0, 33, 47], iscrowd: 0 },
      { id: 3, image_id: 3, category_id: 1, bbox: [5, 5, 5, 5], iscrowd: 0 },
    ],
    categories: [
      { id: 1, name: 'cat' },
      { id: 2, name: 'dog' },
    ],
  };
}

/** Where each good box must land, by image file. */
const GOOD_BOXES = [
  { image: 'img0.jpg', x: 1, y: 2, w: 10, h: 10 },
  { image: 'img1.png', x: 0, y: 0, w: 33, h: 47 },
  { image: 'img2.webp', x: 5, y: 5, w: 5, h: 5 },
];

/** Numbers that are wrong for a box or an id but still JSON (1e400 parses to Infinity). */
const badNumber: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(-1, -1e9, 0, -0, 1e308, -1e308, 5e-324, 2 ** 53 + 1, 1.5, raw('1e400'), raw('-1e400'), null, '10', '', true),
  fc.double(),
  fc.integer(),
);
/** Also what some writers put in JSON though it is not JSON: the whole file is then unreadable. */
const notJsonNumber: fc.Arbitrary<unknown> = fc.oneof(badNumber, fc.constantFrom(raw('NaN'), raw('Infinity'), raw('-Infinity')));

const bbox: fc.Arbitrary<unknown> = fc.oneof(
  fc.tuple(badNumber, badNumber, badNumber, badNumber),
  fc.array(badNumber, { maxLength: 6 }),
  fc.tuple(fc.double({ min: -50, max: 100, noNaN: true }), fc.double({ min: -50, max: 100, noNaN: true }), fc.double({ min: 0, max: 80, noNaN: true }), fc.double({ min: 0, max: 80, noNaN: true })),
  nastyJson,
);

const id: fc.Arbitrary<unknown> = fc.oneof(fc.constantFrom(1, 2, 3, 4, 99, 0, -1, 1.5, '1', '', null, '__proto__', 'constructor', 2 ** 53), nastyJson);

const fileName: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(
    'img0.jpg',
    'img1.png',
    'images/img2.webp',
    'images\\img2.webp',
    '../outside/out.webp',
    '../../../../../../etc/passwd',
    `${SANDBOX}/outside/out.webp`,
    `${SANDBOX}/outside/secret.txt`,
    `${SANDBOX}/project/project.db`,
    '/etc/hostname',
    '/dev/zero',
    '/proc/self/status',
    'annotations/instances_train.json',
    'a\0b.jpg',
    `${'x'.repeat(300)}.jpg`,
    '',
    ' ',
    'missing.jpg',
  ),
  nastyLine,
  nastyJson,
);

const garbageImage: fc.Arbitrary<unknown> = fc.oneof(
  fc.record({ id, file_name: fileName, width: badNumber, height: badNumber }, { requiredKeys: [] }),
  nastyJson,
);
const garbageAnnotation: fc.Arbitrary<unknown> = fc.oneof(
  fc.record({ id, image_id: id, category_id: id, bbox, iscrowd: fc.constantFrom(0, 1, true, '1', null), area: badNumber }, { requiredKeys: [] }),
  nastyJson,
);
const garbageCategory: fc.Arbitrary<unknown> = fc.oneof(
  fc.record({ id, name: fc.oneof(fc.constantFrom('cat', 'dog', '', ' ', 'a'.repeat(150), 'two\nlines', '\ud800'), nastyLine, nastyJson), supercategory: nastyJson }, { requiredKeys: [] }),
  nastyJson,
);

/** Many entries at once: a huge file's worth, kept small enough to run often. */
const manyOf = <T>(arb: fc.Arbitrary<T>, most: number) => fc.tuple(arb, fc.integer({ min: most / 5, max: most })).map(([one, n]) => Array.from({ length: n }, () => one));

interface Garbage {
  images: unknown[];
  annotations: unknown[];
  categories: unknown[];
  extra: Json;
}

/** Entries added after the good ones, and unknown top-level keys. */
const garbage: fc.Arbitrary<Garbage> = fc.record({
  images: fc.oneof({ weight: 5, arbitrary: fc.array(garbageImage, { maxLength: 6 }) }, { weight: 1, arbitrary: manyOf(garbageImage, 1000) }),
  annotations: fc.oneof({ weight: 5, arbitrary: fc.array(garbageAnnotation, { maxLength: 10 }) }, { weight: 1, arbitrary: manyOf(garbageAnnotation, 5000) }),
  categories: fc.oneof({ weight: 5, arbitrary: fc.array(garbageCategory, { maxLength: 4 }) }, { weight: 1, arbitrary: manyOf(garbageCategory, 1500) }),
  extra: fc.dictionary(fc.constantFrom('info', 'licenses', 'segment_info', '__proto__', 'type'), nastyJson, { maxKeys: 3 }),
});

/** A change to a valid file: a value replaced, a key dropped, an entry repeated, a list replaced. */
const mutation = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), list: fc.constantFrom('images', 'annotations', 'categories'), at: fc.nat(3), key: fc.constantFrom('id', 'file_name', 'image_id', 'category_id', 'bbox', 'name', 'iscrowd'), value: fc.oneof(notJsonNumber, fileName, bbox, nastyJson) }),
  fc.record({ kind: fc.constant('drop' as const), list: fc.constantFrom('images', 'annotations', 'categories'), at: fc.nat(3), key: fc.constantFrom('id', 'file_name', 'image_id', 'category_id', 'bbox', 'name') }),
  fc.record({ kind: fc.constant('repeat' as const), list: fc.constantFrom('images', 'annotations', 'categories'), at: fc.nat(3) }),
  fc.record({ kind: fc.constant('replace' as const), list: fc.constantFrom('images', 'annotations', 'categories'), value: nastyJson }),
);
type Mutation = typeof mutation extends fc.Arbitrary<infer M> ? M : never;

function mutate(doc: Json, m: Mutation): void {
  const list = doc[m.list];
  if (m.kind === 'replace') {
    doc[m.list] = m.value;
    return;
  }
  if (!Array.isArray(list) || list.length === 0) return;
  const entry = list[m.at % list.length] as unknown;
  if (m.kind === 'repeat') list.push(structuredClone(entry));
  else if (typeof entry === 'object' && entry !== null) {
    if (m.kind === 'set') (entry as Json)[m.key] = m.value;
    else delete (entry as Json)[m.key];
  }
}

function jsonText(doc: unknown, sandbox: string): string {
  return JSON.stringify(doc)
    .replace(/"@RAW:([^@"]*)@"/g, '$1')
    .replaceAll(SANDBOX, sandbox);
}

/** A COCO dataset: images beside the JSON and in images/, an outside folder with a non-image. */
async function writeDataset(sandbox: string, json: string | Uint8Array): Promise<{ dataset: string; jsonFile: string }> {
  const samples = await sampleImages();
  const dataset = path.join(sandbox, 'dataset');
  copyImage(samples[0], path.join(dataset, 'img0.jpg'));
  copyImage(samples[1], path.join(dataset, 'img1.png'));
  copyImage(samples[2], path.join(dataset, 'images', 'img2.webp'));
  copyImage(samples[2], path.join(sandbox, 'outside', 'out.webp'));
  writeFile(path.join(sandbox, 'outside', 'secret.txt'), 'not for the importer to change\n');
  const jsonFile = writeFile(path.join(dataset, 'annotations', 'instances_train.json'), json);
  return { dataset, jsonFile };
}

const entry = fc.record({ target: fc.constantFrom('folder', 'json'), format: fc.constantFrom('auto' as const, 'coco' as const) });

async function importCoco(json: string | ((sandbox: string) => string | Uint8Array), how: { target: string; format: 'auto' | 'coco' }, check: (store: ReturnType<typeof createProject>) => void = () => undefined) {
  const sandbox = sandboxDir();
  const { dataset, jsonFile } = await writeDataset(sandbox, typeof json === 'function' ? json(sandbox) : json);
  const project = path.join(sandbox, 'project');
  const before = snapshotTree(sandbox, project);
  const store = createProject(project);
  try {
    const outcome = await importInto(store, [how.target === 'json' ? jsonFile : dataset], how.format);
    expectUntouched(before, sandbox, project);
    expectSoundProject(store, outcome);
    expect(outcome.error).toBeUndefined();
    check(store);
  } finally {
    store.dispose();
    removeSandbox(sandbox);
  }
}

describe('COCO files of every kind', () => {
  it('arbitrary JSON and text: reported, never thrown', async () => {
    const anyFile = fc.oneof(
      nastyJson.map((v) => JSON.stringify(v) ?? 'null'),
      fc.record({ images: nastyJson, annotations: nastyJson, categories: nastyJson }, { requiredKeys: [] }).map((v) => JSON.stringify(v)),
      nastyText,
      fc.uint8Array({ maxLength: 300 }),
      fc.nat().map((n) => {
        const text = JSON.stringify(validCoco());
        return text.slice(0, n % text.length);
      }),
    );
    await fc.assert(
      fc.asyncProperty(anyFile, entry, (file, how) => importCoco(() => file, how)),
      fuzzRuns(80),
    );
  }, IMPORT_PROPERTY_TIMEOUT_MS);

  it('a valid file with its values broken: the rest imports soundly', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 6 }), entry, async (mutations, how) => {
        const doc: Json = validCoco();
        for (const m of mutations) mutate(doc, m);
        await importCoco((sandbox) => jsonText(doc, sandbox), how);
      }),
      fuzzRuns(80),
    );
  }, IMPORT_PROPERTY_TIMEOUT_MS);

  it('garbage entries beside good ones: every good image and box still arrives', async () => {
    await fc.assert(
      fc.asyncProperty(garbage, entry, async (bad, how) => {
        const good = validCoco();
        const doc: Json = {
          ...bad.extra,
          images: [...good.images, ...bad.images],
          annotations: [...good.annotations, ...bad.annotations],
          categories: [...good.categories, ...bad.categories],
        };
        await importCoco((sandbox) => jsonText(doc, sandbox), how, (store) => {
          const names = store.images.list({ kind: 'all' }, 0, 5000).items.map((i) => i.name);
          expect(names).toEqual(expect.arrayContaining(['img0.jpg', 'img1.png', 'img2.webp']));
          const boxes = storedBoxes(store);
          for (const g of GOOD_BOXES) {
            const hit = boxes.some((b) => b.image === g.image && b.x === g.x && b.y === g.y && b.w === g.w && b.h === g.h);
            expect(hit, `the box ${JSON.stringify(g)} arrived`).toBe(true);
          }
          const classes = store.classes.list().map((c) => c.name);
          expect(classes).toEqual(expect.arrayContaining(['cat', 'dog']));
        });
      }),
      fuzzRuns(80),
    );
  }, IMPORT_PROPERTY_TIMEOUT_MS);
});
