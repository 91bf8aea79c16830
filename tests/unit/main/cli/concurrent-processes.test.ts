/**
 * Several real processes on one project, as users run them: two `reticle import`s of the same
 * folder from two terminals, and labeling in `reticle serve` while `reticle import` runs.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImageCounts, ImportReport, ProjectInfo, RunSummary } from '@shared';
import { ensureCliBuilt, reticleJson, spawnReticle } from '../../helpers/cli.js';
import { makeImage, tempDir } from '../../helpers/images.js';
import { startReticleServe, type RunningStudio } from '../../../e2e/serve-fixture.js';
import { doublesEnv } from '../training/training-fixture.js';

const home = tempDir('reticle-home-');
const env = { RETICLE_HOME: home };

beforeAll(() => ensureCliBuilt(), 120_000);

/** A YOLO folder of `count` different pictures, each with one "cat" box. */
async function yoloFolder(count: number, firstSeed: number): Promise<string> {
  const root = tempDir('yolo-');
  fs.writeFileSync(path.join(root, 'data.yaml'), 'path: .\ntrain: images\nval: images\nnames:\n  0: cat\n');
  fs.mkdirSync(path.join(root, 'labels'), { recursive: true });
  for (let i = 0; i < count; i++) {
    const name = `img${String(i).padStart(4, '0')}`;
    // Seeds repeat every 256; the width keeps pictures of two folders apart.
    await makeImage(path.join(root, 'images', `${name}.jpg`), { width: 64 + (firstSeed > 255 ? 8 : 0), height: 48, seed: (firstSeed + i) % 256 });
    fs.writeFileSync(path.join(root, 'labels', `${name}.txt`), '0 0.5 0.5 0.25 0.25\n');
  }
  return root;
}

interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

function finished(child: ReturnType<typeof spawnReticle>): Promise<Finished> {
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stdout, stderr })));
}

describe('processes sharing one project', () => {
  it('two imports of the same folder at once both finish, every image once, and each report adds up', async () => {
    const dir = path.join(tempDir(), 'shared');
    reticleJson<ProjectInfo>(['new', dir, '--name', 'Shared', '--task', 'detect'], env);
    const files = 240;
    const folder = await yoloFolder(files, 1);

    const [a, b] = await Promise.all([finished(spawnReticle(['import', dir, folder, '--json'], env)), finished(spawnReticle(['import', dir, folder, '--json'], env))]);
    for (const r of [a, b]) {
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).not.toMatch(/internal|database is locked/);
    }
    const reports = [JSON.parse(a.stdout) as ImportReport, JSON.parse(b.stdout) as ImportReport];
    for (const r of reports) {
      expect(r.failed).toEqual([]);
      expect(r.imported + r.duplicates).toBe(files);
    }
    expect(reports[0]!.imported + reports[1]!.imported).toBe(files);

    const stats = reticleJson<{ images: number; annotations: number; labeled: number }>(['stats', dir], env);
    // Every picture once, with its one box once: no image twice, no labels applied twice.
    expect(stats).toMatchObject({ images: files, annotations: files, labeled: files });
  }, 180_000);

  describe('labeling in reticle serve while reticle import runs', () => {
    let studio: RunningStudio;
    beforeAll(async () => {
      studio = await startReticleServe();
    }, 60_000);
    afterAll(async () => studio?.stop());

    it('keeps every committed gesture, and the open studio hears of the imported images', async () => {
      const dir = path.join(studio.work, 'live');
      reticleJson<ProjectInfo>(['new', dir, '--name', 'Live', '--task', 'detect'], env);
      reticleJson<ImportReport>(['import', dir, await yoloFolder(8, 1)], env);
      const api = studio.api;
      await api.projects.open({ dir });
      const cat = (await api.classes.list()).find((c) => c.name === 'cat')!;
      const labeled = (await api.images.list({ offset: 0, limit: 8 })).items;
      expect(labeled).toHaveLength(8);

      const importEvents: string[] = [];
      const offImages = api.images.onChanged((e) => importEvents.push(e.reason));

      const incoming = 200;
      const importer = finished(spawnReticle(['import', dir, await yoloFolder(incoming, 300), '--json'], env));
      let importDone = false;
      void importer.then(() => (importDone = true));

      // Label as a user would, one gesture at a time, for as long as the import runs (and a few
      // gestures more, should it finish first).
      const committed: { imageId: number; id: string }[] = [];
      for (let n = 0; !importDone || n < 10; n++) {
        const image = labeled[n % labeled.length]!;
        const id = `g${n}`;
        const r = await api.annotations.apply({ imageId: image.id, changes: [{ op: 'create', annotation: { id, kind: 'box', classId: cat.id, x: n % 50, y: 5, w: 10, h: 10 } }] });
        expect(r.annotations.some((a) => a.id === id)).toBe(true);
        committed.push({ imageId: image.id, id });
      }
      const done = await importer;
      expect(done.code, done.stderr).toBe(0);
      const report = JSON.parse(done.stdout) as ImportReport;
      expect(report.imported).toBe(incoming);

      // The studio tells its clients, without a reload (a hang guard, not a speed claim).
      for (let waited = 0; !importEvents.includes('import'); waited += 50) {
        if (waited > 30_000) throw new Error(`no images.onChanged('import') reached the client; got ${JSON.stringify(importEvents)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      offImages();
      const counts: ImageCounts = await api.images.counts();
      expect(counts.all).toBe(8 + incoming);

      for (const image of labeled) {
        const ids = new Set((await api.annotations.forImage({ imageId: image.id })).map((a) => a.id));
        for (const g of committed.filter((c) => c.imageId === image.id)) expect(ids.has(g.id), `gesture ${g.id} on image ${image.id}`).toBe(true);
      }
    }, 180_000);

    it('a run that `reticle train` starts in a terminal, with an import beside it, reaches the open studio as it goes', async () => {
      const dir = path.join(studio.work, 'trained');
      reticleJson<ProjectInfo>(['new', dir, '--name', 'Trained', '--task', 'detect'], env);
      reticleJson<ImportReport>(['import', dir, await yoloFolder(16, 1)], env);
      const api = studio.api;
      await api.projects.open({ dir });
      const cat = (await api.classes.list()).find((c) => c.name === 'cat')!;
      const images = (await api.images.list({ offset: 0, limit: 4 })).items;
      const statuses: RunSummary[] = [];
      const offStatus = api.training.onStatus((run) => statuses.push(run));

      // The Ultralytics test double trains; the CLI has a home of its own, as a second terminal would.
      const trainEnv = { ...(doublesEnv() as Record<string, string>), RETICLE_HOME: tempDir('reticle-home-') };
      const trainer = finished(spawnReticle(['train', dir, '--model', 'yolo11n.yaml', '--epochs', '3', '--imgsz', '64', '--batch', '4', '--device', 'cpu', '--name', 'from-terminal', '--json'], trainEnv));
      const importer = finished(spawnReticle(['import', dir, await yoloFolder(40, 300), '--json'], env));
      let bothDone = false;
      void Promise.all([trainer, importer]).then(() => (bothDone = true));
      const committed: { imageId: number; id: string }[] = [];
      for (let n = 0; !bothDone || n < 5; n++) {
        const image = images[n % images.length]!;
        const id = `t${n}`;
        await api.annotations.apply({ imageId: image.id, changes: [{ op: 'create', annotation: { id, kind: 'box', classId: cat.id, x: 1 + (n % 40), y: 2, w: 8, h: 8 } }] });
        committed.push({ imageId: image.id, id });
      }
      const [trained, imported] = await Promise.all([trainer, importer]);
      expect(trained.code, trained.stderr).toBe(0);
      expect(imported.code, imported.stderr).toBe(0);
      const runId = (JSON.parse(trained.stdout.trim().split('\n').at(-1)!) as { run: RunSummary }).run.id;

      // The studio told its client about the terminal's run, up to its end (a hang guard, not a speed claim).
      for (let waited = 0; !statuses.some((r) => r.id === runId && r.status === 'completed'); waited += 50) {
        if (waited > 30_000) throw new Error(`the studio reported no completed run ${runId}; saw ${JSON.stringify(statuses.map((r) => [r.id, r.status]))}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      offStatus();
      expect((await api.training.list()).find((r) => r.id === runId)).toMatchObject({ name: 'from-terminal', status: 'completed', epochsDone: 3 });
      expect((await api.images.counts()).all).toBe(16 + 40);
      for (const image of images) {
        const ids = new Set((await api.annotations.forImage({ imageId: image.id })).map((a) => a.id));
        for (const g of committed.filter((c) => c.imageId === image.id)) expect(ids.has(g.id), `gesture ${g.id} on image ${image.id}`).toBe(true);
      }
    }, 180_000);
  });
});
