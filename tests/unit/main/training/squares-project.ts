/**
 * A small detection project a real Ultralytics learns in a few epochs: red and blue squares on
 * grey, each labeled where it is, made and imported with the built CLI.
 */
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { expect } from 'vitest';
import { reticle } from '../../helpers/cli.js';
import { tempDir } from '../../helpers/images.js';

/** Red and blue squares on grey, each labeled where it is. */
export async function squaresProject(home: Record<string, string>, count = 40, size = 128): Promise<string> {
  const data = tempDir('squares-');
  fs.mkdirSync(path.join(data, 'images'));
  fs.mkdirSync(path.join(data, 'labels'));
  for (let i = 0; i < count; i++) {
    const cls = i % 2;
    const x = 8 + ((i * 13) % (size - 56));
    const y = 8 + ((i * 7) % (size - 52));
    const svg = `<svg width="${size}" height="${size}" xmlns="http://www.w3.org/2000/svg"><rect width="${size}" height="${size}" fill="#444"/><rect x="${x}" y="${y}" width="40" height="36" fill="${cls ? '#00f' : '#f00'}"/></svg>`;
    await sharp(Buffer.from(svg)).jpeg().toFile(path.join(data, 'images', `s${i}.jpg`));
    fs.writeFileSync(path.join(data, 'labels', `s${i}.txt`), `${cls} ${(x + 20) / size} ${(y + 18) / size} ${40 / size} ${36 / size}\n`);
  }
  fs.writeFileSync(path.join(data, 'data.yaml'), 'train: images\nval: images\nnames: [red, blue]\n');
  const dir = path.join(tempDir(), 'squares');
  expect(reticle(['new', dir, '--name', 'Squares', '--task', 'detect'], home).code).toBe(0);
  expect(reticle(['import', dir, data, '--format', 'yolo'], home).code).toBe(0);
  return dir;
}

