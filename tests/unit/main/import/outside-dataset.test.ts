/**
 * A dataset pulled in files from outside its folder without a word (issue 19, finding 6): a data
 * YAML's `path: ../…`, an absolute COCO `file_name`, a link out of the folder. Run as a user
 * runs it, `reticle import` now leaves each such image out and names it, says how to take them,
 * and takes them with `--allow-outside`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ImportReport } from '@shared';
import { ensureCliBuilt, reticle, reticleJson } from '../../helpers/cli.js';
import { makeImage, tempDir } from '../../helpers/images.js';

const env = { RETICLE_HOME: tempDir('reticle-home-') };

beforeAll(() => ensureCliBuilt(), 120_000);

function newProject(): string {
  const dir = path.join(tempDir(), 'project');
  expect(reticle(['new', dir, '--name', 'P', '--task', 'detect'], env).code).toBe(0);
  return dir;
}

/** The person's other photos, beside the dataset's folder. */
async function privatePhotos(sandbox: string): Promise<string[]> {
  return Promise.all([1, 2].map((seed) => makeImage(path.join(sandbox, 'photos', 'images', `holiday-${seed}.jpg`), { seed: 100 + seed })));
}

function leftOut(report: ImportReport): string[] {
  return report.failed.filter((f) => /left out unless files outside the dataset are allowed/.test(f.reason)).map((f) => path.basename(f.path));
}

describe('reticle import of a dataset that reaches outside its folder', () => {
  it("leaves out what a data YAML's path: ../ names, says which files and how to take them, and takes them with --allow-outside", async () => {
    const sandbox = tempDir();
    await privatePhotos(sandbox);
    const ds = path.join(sandbox, 'dataset');
    await makeImage(path.join(ds, 'images', 'own.jpg'), { seed: 1 });
    fs.writeFileSync(path.join(ds, 'data.yaml'), 'path: ../photos\ntrain: images\nval: images\nnames: [cat]\n');
    const project = newProject();

    const text = reticle(['import', project, ds], env);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/2 images lie outside the dataset's folder and were left out; run again with --allow-outside/);
    const report = reticleJson<ImportReport>(['import', project, ds], env);
    expect(report).toMatchObject({ imported: 0, outside: 2 });
    expect(leftOut(report).sort()).toEqual(['holiday-1.jpg', 'holiday-2.jpg']);
    expect(reticleJson<{ images: number }>(['stats', project], env).images).toBe(0);

    const allowed = reticleJson<ImportReport>(['import', project, ds, '--allow-outside'], env);
    expect(allowed).toMatchObject({ imported: 2, outside: 0, failed: [] });
  }, 120_000);

  it('leaves out an absolute COCO file_name elsewhere on the disk, and imports the rest', async () => {
    const sandbox = tempDir();
    const [secret] = await privatePhotos(sandbox);
    const ds = path.join(sandbox, 'coco');
    await makeImage(path.join(ds, 'mine.jpg'), { seed: 2 });
    const coco = {
      images: [
        { id: 1, file_name: secret, width: 64, height: 48 },
        { id: 2, file_name: 'mine.jpg', width: 64, height: 48 },
      ],
      annotations: [
        { id: 1, image_id: 1, category_id: 1, bbox: [1, 1, 10, 10] },
        { id: 2, image_id: 2, category_id: 1, bbox: [1, 1, 10, 10] },
      ],
      categories: [{ id: 1, name: 'thing' }],
    };
    fs.writeFileSync(path.join(ds, 'annotations.json'), JSON.stringify(coco));

    const report = reticleJson<ImportReport>(['import', newProject(), ds], env);

    expect(report).toMatchObject({ format: 'coco', imported: 1, annotations: 1, outside: 1 });
    expect(report.failed).toEqual([{ path: secret, reason: expect.stringMatching(/^outside the dataset's folder/) }]);
  }, 120_000);

  it('leaves out an image reached through a link out of the folder, naming where it leads', async () => {
    const sandbox = tempDir();
    const [secret] = await privatePhotos(sandbox);
    const folder = path.join(sandbox, 'to-label');
    await makeImage(path.join(folder, 'a.jpg'), { seed: 3 });
    fs.symlinkSync(secret, path.join(folder, 'b.jpg'));
    const project = newProject();

    const report = reticleJson<ImportReport>(['import', project, folder], env);
    expect(report).toMatchObject({ imported: 1, outside: 1 });
    expect(report.failed).toEqual([{ path: 'b.jpg', reason: expect.stringContaining(`leads outside the dataset (to ${fs.realpathSync(secret)})`) }]);

    // Named on purpose, the link is the person's choice.
    expect(reticleJson<ImportReport>(['import', project, path.join(folder, 'b.jpg')], env)).toMatchObject({ imported: 1, outside: 0 });
  }, 120_000);
});
