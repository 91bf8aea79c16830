import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { parseMediaRequest, resolveMedia } from '../../../../src-main/services/project/media-resolver.js';
import { makeImage, tempDir } from '../../helpers/images.js';
import { openStudio } from '../studio/studio-fixture.js';

async function importOne(s: Awaited<ReturnType<typeof openStudio>>, file: string): Promise<number> {
  const job = await s.importFiles([file]);
  expect(job).toMatchObject({ status: 'ok', report: { imported: 1 } });
  return (await s.api.images.list({})).items.find((i) => i.name === path.basename(file))!.id;
}

describe('media: preview', () => {
  it('answers a large image with a JPEG of at most 2048 px, made once and kept', async () => {
    const s = await openStudio();
    const id = await importOne(s, await makeImage(path.join(tempDir(), 'wide.jpg'), { width: 3000, height: 2000 }));
    const { session } = s.studio;

    const preview = await resolveMedia(session, 'preview', id);
    expect(preview.contentType).toBe('image/jpeg');
    expect(path.relative(s.dir, preview.path).split(path.sep).slice(0, 2)).toEqual(['cache', 'preview']);
    expect(await sharp(preview.path).metadata()).toMatchObject({ format: 'jpeg', width: 2048, height: 1365 });
    expect(preview.etag).not.toBe((await resolveMedia(session, 'image', id)).etag);

    const made = fs.statSync(preview.path).mtimeMs;
    const again = await resolveMedia(session, 'preview', id);
    expect(again.path).toBe(preview.path);
    expect(fs.statSync(again.path).mtimeMs).toBe(made);
  });

  it('turns the preview the way the image is displayed', async () => {
    const s = await openStudio();
    // Stored 3000 × 2000, displayed 2000 × 3000 (EXIF orientation 6: rotate 90°).
    const id = await importOne(s, await makeImage(path.join(tempDir(), 'portrait.jpg'), { width: 3000, height: 2000, orientation: 6 }));
    expect(await s.api.images.get({ id })).toMatchObject({ width: 2000, height: 3000 });
    const preview = await resolveMedia(s.studio.session, 'preview', id);
    expect(await sharp(preview.path).metadata()).toMatchObject({ width: 1365, height: 2048 });
  });

  it('answers a small image with the original', async () => {
    const s = await openStudio();
    const id = await importOne(s, await makeImage(path.join(tempDir(), 'small.png'), { width: 640, height: 480, format: 'png' }));
    expect(await resolveMedia(s.studio.session, 'preview', id)).toEqual(await resolveMedia(s.studio.session, 'image', id));
    expect(fs.existsSync(path.join(s.dir, 'cache', 'preview'))).toBe(false);
  });

  it('is a media kind the protocols accept', () => {
    expect(parseMediaRequest('preview/42')).toEqual({ kind: 'preview', id: 42 });
    expect(parseMediaRequest('/preview/7')).toEqual({ kind: 'preview', id: 7 });
    expect(() => parseMediaRequest('preview/../1')).toThrow();
  });
});
