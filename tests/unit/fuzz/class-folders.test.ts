/**
 * Classification folders with names of every kind (blank, overlong, two lines, right-to-left,
 * hidden, split-like), stray files, broken images and links out, imported for real into a
 * classification project: every image in a well-named class folder arrives with its tag.
 */
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nastyLine } from './nasty-values.js';
import {
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

const GOOD_NAMES = ['cat', 'dog', 'bird'];

/** A name the file system takes: no slash, no NUL, not `.` or `..`, at most 255 bytes. */
const folderName: fc.Arbitrary<string> = fc
  .oneof(
    { weight: 3, arbitrary: fc.constantFrom(...GOOD_NAMES) },
    {
      weight: 3,
      arbitrary: fc.constantFrom(' cat', 'cat ', ' ', '\t', 'two\nlines', 'cr\rhere', 'x'.repeat(150), 'ü'.repeat(120), '__MACOSX', '.hidden', 'train', 'val', '\u202eevil', '\ud800', '-', '#', '1'),
    },
    { weight: 2, arbitrary: nastyLine },
  )
  .filter((n) => n !== '' && n !== '.' && n !== '..' && !n.includes('/') && !n.includes('\0') && Buffer.byteLength(n) <= 255);

type FileKind = 'image' | 'nested-image' | 'text' | 'broken-image' | 'link-out';

const classFolder = fc.record({
  split: fc.constantFrom(undefined, 'train', 'val', 'test'),
  name: folderName,
  files: fc.array(fc.constantFrom<FileKind>('image', 'image', 'nested-image', 'text', 'broken-image', 'link-out'), { maxLength: 4 }),
});

const tree = fc.record({
  folders: fc.array(classFolder, { minLength: 1, maxLength: 6 }),
  looseImage: fc.boolean(),
  looseText: fc.boolean(),
});

describe('class folders with names of every kind', () => {
  it('tag every image of a well-named folder, report the rest, and keep class names valid', async () => {
    const samples = await sampleImages();
    const jpeg = fs.readFileSync(samples[0].file);
    await fc.assert(
      fc.asyncProperty(tree, fc.constantFrom('auto' as const, 'folders' as const), async ({ folders, looseImage, looseText }, format) => {
        const sandbox = sandboxDir();
        const root = path.join(sandbox, 'dataset');
        const outside = writeFile(path.join(sandbox, 'outside', 'secret.txt'), 'keep\n');
        let n = 0;
        // Bytes after the end of a JPEG do not change its pixels, only its hash: no duplicates.
        const uniqueJpeg = () => Buffer.concat([jpeg, Buffer.from(`#${n++}`)]);
        /** Image file name → the class it must be tagged with. */
        const expected = new Map<string, string>();
        const splits = folders.some((f) => f.split);
        for (const folder of folders) {
          const dir = splits ? path.join(root, folder.split ?? 'train', folder.name) : path.join(root, folder.name);
          fs.mkdirSync(dir, { recursive: true });
          for (const kind of folder.files) {
            const name = `f${n}`;
            if (kind === 'image' || kind === 'nested-image') {
              const file = writeFile(path.join(dir, kind === 'nested-image' ? 'deeper' : '', `${name}.jpg`), uniqueJpeg());
              if (GOOD_NAMES.includes(folder.name)) expected.set(path.basename(file), folder.name);
            } else if (kind === 'text') writeFile(path.join(dir, `${name}.txt`), 'notes');
            else if (kind === 'broken-image') writeFile(path.join(dir, `${name}.jpg`), jpeg.subarray(0, 40));
            else if (!fs.existsSync(path.join(dir, 'out.jpg'))) fs.symlinkSync(outside, path.join(dir, 'out.jpg'));
            n++;
          }
        }
        if (looseImage) writeFile(path.join(root, 'loose.jpg'), uniqueJpeg());
        if (looseText) writeFile(path.join(root, 'README.txt'), 'hello');
        const project = path.join(sandbox, 'project');
        const before = snapshotTree(sandbox, project);

        const store = createProject(project, 'classify');
        try {
          const outcome = await importInto(store, [root], format);
          expectUntouched(before, sandbox, project);
          expectSoundProject(store, outcome);
          const tags = store.db
            .prepare(`SELECT i.name AS image, c.name AS class FROM annotations a JOIN images i ON i.id = a.image_id JOIN classes c ON c.id = a.class_id WHERE a.kind = 'tag'`)
            .all() as { image: string; class: string }[];
          // Auto-detection reads a tree with loose images as plain images: no tags expected then.
          if (format === 'folders' || !looseImage) {
            for (const [image, className] of expected) {
              expect(tags.filter((t) => t.image === image).map((t) => t.class), `${image} in ${className}/`).toEqual([className]);
            }
          }
          // Every imported image either has its tag or a report says why it has none.
          const untagged = store.db.prepare(`SELECT name FROM images WHERE id NOT IN (SELECT image_id FROM annotations)`).pluck().all() as string[];
          const reported = (outcome.report?.failed ?? []).map((f) => f.path).join('\n');
          for (const image of untagged) {
            if (outcome.report?.format === 'images') continue;
            expect(reported, `${image} has no tag and no report`).toContain(image);
          }
        } finally {
          store.dispose();
          removeSandbox(sandbox);
        }
      }),
      fuzzRuns(60),
    );
  }, IMPORT_PROPERTY_TIMEOUT_MS);
});
