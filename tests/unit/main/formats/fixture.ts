/** Temp folders and small real images for the format reader tests. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterEach } from 'vitest';

const made: string[] = [];

afterEach(() => {
  for (const dir of made.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

export function tmpDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'reticle-'));
  made.push(dir);
  return dir;
}

/** Writes a real JPEG; `shade` varies the pixels so that files differ. */
export async function jpeg(file: string, width = 40, height = 30, shade = 128): Promise<string> {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  await sharp({ create: { width, height, channels: 3, background: { r: shade, g: 255 - shade, b: 60 } } })
    .jpeg()
    .toFile(file);
  return file;
}

export function write(file: string, text: string): string {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
  return file;
}

export function aborted(): AbortSignal {
  const c = new AbortController();
  c.abort();
  return c.signal;
}
