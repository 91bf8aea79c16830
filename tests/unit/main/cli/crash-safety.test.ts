/**
 * An import killed with SIGKILL halfway leaves a project that opens and passes
 * `PRAGMA integrity_check`; running the import again completes it, with no duplicates.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ImportReport } from '@shared';
import { ProjectStore } from '../../../../src-main/services/store/project-store.js';
import { ensureCliBuilt, reticleJson, spawnReticle } from '../../helpers/cli.js';
import { makeImage, tempDir } from '../../helpers/images.js';

const env = { RETICLE_HOME: tempDir('reticle-home-') };
const COUNT = 120;

beforeAll(() => ensureCliBuilt(), 120_000);

describe('crash safety of import', () => {
  it('survives SIGKILL halfway through an import of labeled images', async () => {
    const src = tempDir('kill-src-');
    fs.writeFileSync(path.join(src, 'data.yaml'), 'train: images\nval: images\nnames: [thing]\n');
    for (let i = 0; i < COUNT; i++) {
      await makeImage(path.join(src, 'images', `${i}.jpg`), { width: 640, height: 480, seed: i + 1 });
      fs.mkdirSync(path.join(src, 'labels'), { recursive: true });
      fs.writeFileSync(path.join(src, 'labels', `${i}.txt`), '0 0.5 0.5 0.25 0.25\n0 0.2 0.2 0.1 0.1\n');
    }
    const dir = path.join(tempDir(), 'p');
    reticleJson(['new', dir, '--name', 'p', '--task', 'detect'], env);

    let killedAt = -1;
    for (let attempt = 0; attempt < 3 && killedAt < 0; attempt++) {
      const child = spawnReticle(['import', dir, src], env);
      const db = path.join(dir, 'project.db');
      killedAt = await new Promise<number>((resolve) => {
        const timer = setInterval(() => {
          const reader = new Database(db, { readonly: true });
          const n = (reader.prepare('SELECT COUNT(*) AS n FROM images').get() as { n: number }).n;
          reader.close();
          if (n >= 10 && n < COUNT) {
            child.kill('SIGKILL');
            clearInterval(timer);
            resolve(n);
          }
        }, 20);
        child.on('exit', () => {
          clearInterval(timer);
          resolve(-1);
        });
      });
    }
    expect(killedAt).toBeGreaterThan(0);

    const store = ProjectStore.open(dir);
    expect(store.integrityCheck()).toBe('ok');
    const partial = store.images.count();
    expect(partial).toBeLessThan(COUNT);
    // Every committed image came with its labels: none is half-written.
    for (const img of store.images.iterate()) expect(img.annotationCount).toBe(2);
    store.dispose();

    const rest = reticleJson<ImportReport>(['import', dir, src], env);
    expect(rest.imported + rest.duplicates).toBe(COUNT);
    const done = ProjectStore.open(dir);
    expect(done.images.count()).toBe(COUNT);
    expect(done.annotations.count()).toBe(COUNT * 2);
    expect(done.integrityCheck()).toBe('ok');
    done.dispose();
  });
});
