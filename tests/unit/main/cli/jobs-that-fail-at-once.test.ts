/**
 * A job that fails at once (a format that does not fit the project) finished before the CLI
 * started waiting for it, and `reticle` exited 13 with no output (issue 19, finding 4). Each
 * such command now says why on stderr, or as JSON with --json, and exits 1.
 */
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureCliBuilt, reticle } from '../../helpers/cli.js';
import { makeImage, tempDir } from '../../helpers/images.js';

const env = { RETICLE_HOME: tempDir('reticle-home-') };
let detect = '';
let classify = '';
let images = '';
let yolo = '';

beforeAll(async () => {
  ensureCliBuilt();
  const root = tempDir();
  detect = path.join(root, 'detect');
  classify = path.join(root, 'classify');
  expect(reticle(['new', detect, '--name', 'D', '--task', 'detect'], env).code).toBe(0);
  expect(reticle(['new', classify, '--name', 'C', '--task', 'classify'], env).code).toBe(0);
  images = path.join(root, 'images');
  await makeImage(path.join(images, 'cat', 'a.jpg'), { seed: 1 });
  yolo = path.join(root, 'yolo');
  fs.mkdirSync(path.join(yolo, 'images'), { recursive: true });
  fs.writeFileSync(path.join(yolo, 'data.yaml'), 'train: images\nval: images\nnames: [a]\n');
}, 120_000);

describe('commands whose job fails at once', () => {
  const cases: [string, () => string[], RegExp][] = [
    ['class folders into a detection project', () => ['import', detect, images, '--format', 'folders'], /Class folders label whole images/],
    ['YOLO into a classification project', () => ['import', classify, yolo, '--format', 'yolo'], /YOLO datasets hold boxes/],
    ['COCO named by two paths', () => ['import', detect, yolo, images, '--format', 'coco'], /2 paths were given/],
    ['class folders exported from a detection project', () => ['export', detect, '--format', 'folders', '--out', path.join(tempDir(), 'out')], /Export it as YOLO or COCO/],
  ];
  for (const [what, args, why] of cases) {
    it(`${what}: says why and exits 1`, () => {
      const text = reticle(args(), env);
      expect(text.code, text.stderr).toBe(1);
      expect(text.stderr).toMatch(why);
      const json = reticle([...args(), '--json'], env);
      expect(json.code).toBe(1);
      expect(JSON.parse(json.stdout)).toMatchObject({ error: { code: 'invalid_input', message: expect.stringMatching(why) } });
    });
  }
});
