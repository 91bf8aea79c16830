/**
 * A COCO JSON holding NaN (as Python's json.dump writes it) is not JSON. Under `--format auto`
 * its folder was taken for plain images, imported with `failed: 0` and no word about the file
 * (issue 19, finding 11). Run as a user runs it, the import now reports the file and why.
 */
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ImportReport } from '@shared';
import { ensureCliBuilt, reticle, reticleJson } from '../../helpers/cli.js';
import { makeImage, tempDir } from '../../helpers/images.js';

const env = { RETICLE_HOME: tempDir('reticle-home-') };

beforeAll(() => ensureCliBuilt(), 120_000);

describe('reticle import --format auto of a folder whose COCO JSON does not parse', () => {
  it('reports the JSON as failed, with the parse error, instead of importing the folder as plain images', async () => {
    const ds = tempDir('coco-');
    await makeImage(path.join(ds, 'images', 'a.jpg'), { seed: 1 });
    await makeImage(path.join(ds, 'images', 'b.jpg'), { seed: 2 });
    fs.mkdirSync(path.join(ds, 'annotations'));
    fs.writeFileSync(
      path.join(ds, 'annotations', 'instances_train.json'),
      '{"images": [{"id": 1, "file_name": "a.jpg", "width": 64, "height": 48}, {"id": 2, "file_name": "b.jpg", "width": 64, "height": 48}],\n' +
        ' "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [NaN, 2, 10, 10]}],\n "categories": [{"id": 1, "name": "cat"}]}\n',
    );
    const project = path.join(tempDir(), 'project');
    expect(reticle(['new', project, '--name', 'P', '--task', 'detect'], env).code).toBe(0);

    const report = reticleJson<ImportReport>(['import', project, ds], env);

    expect(report).toMatchObject({ format: 'coco', imported: 0 });
    expect(report.failed).toEqual([{ path: path.join('annotations', 'instances_train.json'), reason: expect.stringMatching(/^not valid JSON: .*NaN.*NaN and Infinity are not JSON/) }]);
    expect(reticleJson<{ images: number }>(['stats', project], env).images).toBe(0);
  }, 120_000);
});
