/**
 * data.yaml files of every kind of wrong (names as garbage, counts that are huge, paths that
 * leave the folder or do not exist, alias bombs, bytes that are not UTF-8) imported for real
 * into a project beside a dataset that also holds links out of it and a link loop.
 */
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { stringify } from 'yaml';
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
  writeFile,
} from './fuzz-fixture.js';

/** Stands for the sandbox's absolute path; replaced when the dataset is written. */
const SANDBOX = '@SANDBOX@';

/**
 * A folder or file name from the corpus that cannot climb out of the sandbox: the properties
 * must never send the importer walking the whole disk (that would be a correct, slow import).
 */
const localName = nastyLine.filter((s) => !s.includes('/') && s.trim() !== '' && !/^\s*\.{1,2}\s*$/.test(s));

const splitEntry: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(
    'images/train',
    'images/val',
    'images',
    './images/train',
    '../dataset/images/val',
    '../outside/images',
    `${SANDBOX}/outside/images`,
    `${SANDBOX}/dataset/images/train/img0.jpg`,
    'train.txt',
    'images/linked',
    'images/loop',
    'missing/folder',
    '/nonexistent-reticle-fuzz/images',
    '/dev/null',
    '/etc/hostname',
    '',
    '.',
    '..',
  ),
  localName,
  nastyJson,
);

const splitValue: fc.Arbitrary<unknown> = fc.oneof(splitEntry, fc.array(splitEntry, { maxLength: 4 }));

const pathValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom('.', '..', '', './', '../outside', `${SANDBOX}/outside`, `${SANDBOX}/dataset`, '/nonexistent-reticle-fuzz', 'missing', 'images'),
  localName,
  nastyJson,
);

const className: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('cat', 'dog', 'cat', ' cat ', '', ' ', 'a'.repeat(150), 'traffic light', 'line\nbreak', 'tab\there', '\u{1f600}', '\ud800') },
  { weight: 4, arbitrary: nastyLine },
  { weight: 2, arbitrary: nastyJson },
);

const namesValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.array(className, { maxLength: 8 }) },
  {
    weight: 3,
    arbitrary: fc.dictionary(
      fc.oneof(fc.integer({ min: 0, max: 6 }).map(String), fc.constantFrom('-1', '1.5', '1e300', '1000000000', '99999', '10000', '0x1', 'a', '__proto__', ' 2 ')),
      className,
      { maxKeys: 6 },
    ),
  },
  { weight: 1, arbitrary: fc.integer({ min: 1000, max: 4000 }).map((n) => Array.from({ length: n }, (_, i) => `c${i % 1500}`)) },
  { weight: 2, arbitrary: nastyJson },
);

const ncValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.integer({ min: 0, max: 6 }),
  fc.constantFrom(-1, 1.5, 10_001, 65_536, 1e9, 2 ** 53, 1e300, 'three', '3', null, true, [3]),
  nastyJson,
);

/** A data.yaml as a document of known keys with values of any kind. */
const yamlDocument: fc.Arbitrary<Record<string, unknown>> = fc.record(
  {
    path: pathValue,
    train: splitValue,
    val: splitValue,
    validation: splitValue,
    test: splitValue,
    names: namesValue,
    nc: ncValue,
    download: fc.constantFrom('rm -rf ~', 'https://example.invalid/x.zip', 'import os; os.system("echo")'),
    kpt_shape: nastyJson,
  },
  { requiredKeys: [] },
);

function yamlText(doc: Record<string, unknown>): string {
  try {
    return stringify(doc);
  } catch {
    // JSON is YAML too, and it writes anything.
    return JSON.stringify(doc);
  }
}

/** Texts no serializer writes: alias bombs, deep nesting, bad syntax, tags, binary. */
const hostileYaml: fc.Arbitrary<string | Uint8Array> = fc.oneof(
  fc.constant(
    ['a: &a [x, x, x, x, x, x, x, x, x]', ...'bcdefgh'.split('').map((k, i) => `${k}: &${k} [${Array(9).fill(`*${'abcdefgh'[i]}`).join(', ')}]`), 'names: *h', 'train: images/train'].join('\n'),
  ),
  fc.constant(`names: ${'['.repeat(3000)}${']'.repeat(3000)}\ntrain: images/train\n`),
  fc.constant('names: [a]\nnames: [b]\ntrain: images/train\n'),
  fc.constant('base: &base {train: images/train, names: [a, b]}\n<<: *base\nval: images/val\n'),
  fc.constant('names: *nowhere\ntrain: images/train\n'),
  fc.constant('!!python/object/apply:os.system ["echo pwned"]\n'),
  fc.constant('names: !!binary aGVsbG8=\ntrain: images/train\n'),
  fc.constant('train: images/train\n\tnames: [a]\n'),
  fc.constant('%YAML 9.9\n---\nnames: [a]\n---\nnames: [b]\n'),
  fc.constant(`names: [${Array.from({ length: 3000 }, (_, i) => `n${i}`).join(', ')}]\ntrain: images/train\n`),
  nastyText,
  fc.uint8Array({ maxLength: 400 }),
  // A good file with a few bytes changed.
  fc
    .tuple(fc.array(fc.tuple(fc.nat(60), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }))
    .map(([edits]) => {
      const bytes = Buffer.from('path: .\ntrain: images/train\nval: images/val\nnames:\n  0: cat\n  1: dog\n');
      for (const [at, byte] of edits) bytes[at % bytes.length] = byte;
      return new Uint8Array(bytes);
    }),
);

const dataYaml: fc.Arbitrary<string | Uint8Array> = fc.oneof({ weight: 3, arbitrary: yamlDocument.map(yamlText) }, { weight: 2, arbitrary: hostileYaml });

/** Where the import starts: the folder, the YAML itself, auto-detected or named as YOLO. */
const entry = fc.record({ target: fc.constantFrom('folder', 'yaml'), format: fc.constantFrom('auto' as const, 'yolo' as const) });

/** A small YOLO dataset with an outside folder, links out of it and a link loop. */
async function writeDataset(sandbox: string): Promise<string> {
  const samples = await sampleImages();
  const dataset = path.join(sandbox, 'dataset');
  const outside = path.join(sandbox, 'outside');
  copyImage(samples[0], path.join(dataset, 'images', 'train', 'img0.jpg'));
  writeFile(path.join(dataset, 'labels', 'train', 'img0.txt'), '0 0.5 0.5 0.5 0.5\n1 0.2 0.2 0.1 0.1\n');
  copyImage(samples[1], path.join(dataset, 'images', 'val', 'img1.png'));
  writeFile(path.join(dataset, 'labels', 'val', 'img1.txt'), '2 0.5 0.5 1 1\n');
  copyImage(samples[2], path.join(outside, 'images', 'out.webp'));
  writeFile(path.join(outside, 'labels', 'out.txt'), '0 0.5 0.5 0.2 0.2\n');
  writeFile(path.join(outside, 'secret.txt'), 'not for the importer to change\n');
  writeFile(path.join(dataset, 'train.txt'), ['./images/train/img0.jpg', path.join(outside, 'images', 'out.webp'), '/etc/hostname', 'missing.jpg', '../outside/images/out.webp', ''].join('\n'));
  fs.symlinkSync(path.join('..', '..', 'outside', 'images'), path.join(dataset, 'images', 'linked'));
  fs.symlinkSync('..', path.join(dataset, 'images', 'loop'));
  fs.symlinkSync(path.join(outside, 'secret.txt'), path.join(dataset, 'images', 'train', 'secret.jpg'));
  return dataset;
}

describe('YOLO data.yaml files of every kind', () => {
  it('import what they can, report the rest, and write nothing outside the project', async () => {
    await fc.assert(
      fc.asyncProperty(dataYaml, entry, async (yaml, { target, format }) => {
        const sandbox = sandboxDir();
        const dataset = await writeDataset(sandbox);
        const yamlFile = path.join(dataset, 'data.yaml');
        writeFile(yamlFile, typeof yaml === 'string' ? yaml.replaceAll(SANDBOX, sandbox) : yaml);
        const project = path.join(sandbox, 'project');
        const before = snapshotTree(sandbox, project);

        const store = createProject(project);
        try {
          const outcome = await importInto(store, [target === 'yaml' ? yamlFile : dataset], format);
          expectUntouched(before, sandbox, project);
          expectSoundProject(store, outcome);
          // A YAML that names no images still leaves a report, never an error.
          expect(outcome.error).toBeUndefined();
        } finally {
          store.dispose();
          removeSandbox(sandbox);
        }
      }),
      fuzzRuns(100),
    );
  }, IMPORT_PROPERTY_TIMEOUT_MS);
});
