/**
 * Previewing a model on a folder outside the project: the folder's images get opaque tokens, the
 * media routes answer those tokens (and nothing else) with a displayable JPEG, and `reticle
 * serve` never turns a path a page names into a file.
 */
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { StudioError } from '@shared';
import { ExternalImages } from '../../../../src-main/services/media/external-images.js';
import { createStudio, type Studio } from '../../../../src-main/studio.js';
import { createDirectClient } from '../../../../src-main/transports/direct.js';
import { startServe, type ServeHandle } from '../../../../src-main/transports/serve.js';
import { makeImage, tempDir } from '../../helpers/images.js';
import { memorySettings } from '../../helpers/settings.js';


const disposers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  while (disposers.length) await disposers.pop()!();
});

async function folderOfImages(): Promise<string> {
  const dir = tempDir('outside-');
  await makeImage(path.join(dir, 'b.jpg'), { width: 320, height: 200, seed: 1 });
  await makeImage(path.join(dir, 'a.png'), { width: 64, height: 48, seed: 2, format: 'png' });
  await makeImage(path.join(dir, 'deeper', 'c.tif'), { width: 3000, height: 1000, seed: 3, format: 'tiff' });
  fs.writeFileSync(path.join(dir, 'notes.txt'), 'not an image');
  fs.writeFileSync(path.join(dir, '.hidden.jpg'), 'hidden');
  return dir;
}

describe('images outside the project', () => {
  it('lists a folder by name, subfolders included, and serves each image by its token as a JPEG', async () => {
    const dir = await folderOfImages();
    const external = new ExternalImages();
    disposers.push(() => external.dispose());
    const folder = await external.open(dir);
    expect(folder.images.map((i) => i.name)).toEqual(['a.png', 'b.jpg', path.join('deeper', 'c.tif')]);
    expect(folder.truncated).toBe(false);
    expect(new Set(folder.images.map((i) => i.token)).size).toBe(3);

    // The TIFF, which no browser shows, comes back as a JPEG of at most 2048 px.
    const tiff = await external.resolve(folder.images[2].token);
    expect(tiff.contentType).toBe('image/jpeg');
    const meta = await sharp(tiff.path).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', 2048, 683]);
  });

  it('answers only tokens it handed out, and forgets those of folders opened long ago', async () => {
    const dir = await folderOfImages();
    const external = new ExternalImages();
    disposers.push(() => external.dispose());
    const first = await external.open(dir);
    const token = first.images[0].token;
    await expect(external.resolve('0'.repeat(32))).rejects.toMatchObject({ code: 'not_found' });
    await expect(external.resolve('../etc/passwd')).rejects.toBeInstanceOf(StudioError);
    for (let i = 0; i < 4; i++) await external.open(dir);
    await expect(external.resolve(token)).rejects.toMatchObject({ code: 'not_found' });
  });

  it('says what is wrong with a missing folder or a file', async () => {
    const external = new ExternalImages();
    await expect(external.open(path.join(tempDir(), 'nope'))).rejects.toThrow(/There is no folder/);
    const file = path.join(tempDir(), 'x.jpg');
    fs.writeFileSync(file, 'x');
    await expect(external.open(file)).rejects.toThrow(/is a file, not a folder/);
  });

  it('reticle serve answers /media/external/<token> through the contract, and nothing for other names', async () => {
    const dir = await folderOfImages();
    const renderer = tempDir();
    fs.writeFileSync(path.join(renderer, 'index.html'), '<!doctype html><title>Reticle</title>');
    const studio: Studio = createStudio({ mode: 'serve', settings: memorySettings() });
    const server: ServeHandle = await startServe({ host: studio.host, session: studio.session, external: studio.externalImages, rendererDir: renderer, port: 0 });
    disposers.push(() => studio.dispose(), () => server.close());
    const base = `http://127.0.0.1:${server.port}`;
    const cookie = { Cookie: `${server.cookie}=${server.token}` };

    const folder = await createDirectClient(studio.host).inference.openFolder({ dir });
    const answer = await fetch(`${base}/media/external/${folder.images[1].token}`, { headers: cookie });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toBe('image/jpeg');
    const meta = await sharp(Buffer.from(await answer.arrayBuffer())).metadata();
    expect([meta.width, meta.height]).toEqual([320, 200]);

    expect((await fetch(`${base}/media/external/${'f'.repeat(32)}`, { headers: cookie })).status).toBe(404);
    expect((await fetch(`${base}/media/external/${encodeURIComponent(path.join(dir, 'b.jpg'))}`, { headers: cookie })).status).toBe(404);
    // Without the session's token, nothing.
    expect((await fetch(`${base}/media/external/${folder.images[1].token}`)).status).toBe(401);
  });
});
