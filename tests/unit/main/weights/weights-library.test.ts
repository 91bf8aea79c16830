/**
 * The weights library as a user meets it: pretrained weights fetched through a mirror on
 * 127.0.0.1, checked by the real runtime process (over the Ultralytics test double), kept once,
 * used by training, and every bad answer a network or a portal gives refused with nothing kept.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { RunSummary } from '@shared';
import { scratch, trainingStudio, type TrainingStudio } from '../training/training-fixture.js';
import { doublePretrained, startMirror, type Mirror } from './weights-server.js';
import { failure, job, report } from './weights-jobs.js';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  vi.restoreAllMocks();
});

async function setup(options: { dataDir?: string } = {}): Promise<{ t: TrainingStudio; mirror: Mirror; dataDir: string }> {
  const mirror = await startMirror();
  const dataDir = options.dataDir ?? scratch('reticle-data-');
  const t = await trainingStudio({ env: { RETICLE_WEIGHTS_MIRROR: mirror.url }, dataDir, images: 12 });
  cleanups.push(() => mirror.close(), () => t.dispose());
  return { t, mirror, dataDir };
}

/** Nothing of `name` is left in the library's folder, staged or kept. */
function leftovers(dataDir: string, name: string): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    if (!fs.existsSync(dir)) return;
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.startsWith(name)) found.push(path.relative(dataDir, p));
    }
  };
  walk(path.join(dataDir, 'weights'));
  return found;
}

describe('fetching pretrained weights', () => {
  it('fetches through the mirror with byte progress, checks the file, and lists it with where it came from', async () => {
    const { t, mirror, dataDir } = await setup();
    const body = doublePretrained({ padding: 3_000_000 });
    mirror.put('yolo11n.pt', body);
    const { result, progress } = await job(t, (api) => api.weights.pull({ name: 'yolo11n.pt' }));
    const [entry] = report(result).added;
    expect(entry).toMatchObject({ name: 'yolo11n.pt', task: 'detect', classes: ['person', 'bicycle', 'car'], bytes: body.length, sha256: sha(body) });
    expect(entry!.source).toEqual({ kind: 'download', url: `${mirror.url}/yolo11n.pt` });
    expect(fs.readFileSync(path.join(dataDir, 'weights', 'yolo11n.pt')).equals(body)).toBe(true);
    const bytes = progress.filter((p) => p.phase === 'working' && p.total === body.length).map((p) => p.done);
    expect(bytes.length).toBeGreaterThan(1);
    expect(bytes.at(-1)).toBe(body.length);
    expect(bytes).toEqual([...bytes].sort((a, b) => a - b));

    const state = await t.api.weights.list();
    expect(state.source).toEqual({ kind: 'mirror', url: `${mirror.url}/`, from: 'env' });
    expect(state.entries.map((e) => e.name)).toEqual(['yolo11n.pt']);
    expect(state.pretrained.find((p) => p.name === 'yolo11n.pt')).toMatchObject({ inLibrary: true, dataset: 'COCO' });
    expect(state.pretrained.find((p) => p.name === 'yolo26x-cls.pt')).toMatchObject({ inLibrary: false, dataset: 'ImageNet', task: 'classify' });
  }, 60_000);

  it('resumes a fetch cut short where it stopped (an HTTP Range request) and ends with the whole file', async () => {
    const { t, mirror, dataDir } = await setup();
    const body = doublePretrained({ padding: 2_000_000 });
    mirror.put('yolo11s.pt', body);
    mirror.cutNextAfter('yolo11s.pt', 800_000);
    const first = failure((await job(t, (api) => api.weights.pull({ name: 'yolo11s.pt' }))).result);
    expect(first.code).toBe('offline');
    expect(first.message).toMatch(/which are kept: fetch it again to resume/);
    expect((await t.api.weights.list()).entries).toEqual([]);

    const { result, progress } = await job(t, (api) => api.weights.pull({ name: 'yolo11s.pt' }));
    expect(report(result).added[0]!.sha256).toBe(sha(body));
    expect(mirror.requests.filter((r) => r.path === '/yolo11s.pt').map((r) => r.range)).toEqual([null, 'bytes=800000-']);
    expect(progress.find((p) => p.phase === 'working' && p.total === body.length)!.done).toBe(800_000);
    expect(leftovers(dataDir, 'yolo11s.pt').sort()).toEqual(['weights/.meta/yolo11s.pt.json', 'weights/yolo11s.pt']);
  }, 60_000);

  it("refuses a captive portal's web page, a truncated file and a file that is not a model, keeping nothing", async () => {
    const { t, mirror, dataDir } = await setup();
    mirror.put('yolo11n.pt', Buffer.from('<!doctype html><title>Sign in to Hotel WiFi</title>'), { contentType: 'text/html; charset=utf-8' });
    const portal = failure((await job(t, (api) => api.weights.pull({ name: 'yolo11n.pt' }))).result);
    expect(portal).toMatchObject({ code: 'invalid_input' });
    expect(portal.message).toMatch(/sent a web page \(text\/html\) instead of the file.*Nothing was kept/);

    // The same page served as a file: refused on its first bytes.
    mirror.put('yolo11m.pt', Buffer.from('<!doctype html><title>Sign in</title>'));
    expect(failure((await job(t, (api) => api.weights.pull({ name: 'yolo11m.pt' }))).result).message).toMatch(/not a PyTorch weights file/);

    const whole = doublePretrained();
    mirror.put('yolo11l.pt', whole.subarray(0, Math.floor(whole.length / 2)));
    const cut = failure((await job(t, (api) => api.weights.pull({ name: 'yolo11l.pt' }))).result);
    expect(cut.code).toBe('invalid_input');
    expect(cut.message).toMatch(/yolo11l\.pt is not an Ultralytics model that loads here/);

    mirror.put('yolo11x.pt', Buffer.concat([Buffer.from('PK\x03\x04', 'latin1'), Buffer.alloc(4096, 7)]));
    expect(failure((await job(t, (api) => api.weights.pull({ name: 'yolo11x.pt' }))).result).message).toMatch(/not an Ultralytics model/);

    // A classifier served under a detector's name.
    mirror.put('yolov8n.pt', doublePretrained({ task: 'classify' }));
    expect(failure((await job(t, (api) => api.weights.pull({ name: 'yolov8n.pt' }))).result).message).toMatch(/yolov8n\.pt should be a detect model, but the file is a classify model/);

    const missing = failure((await job(t, (api) => api.weights.pull({ name: 'yolo26n.pt' }))).result);
    expect(missing).toMatchObject({ code: 'not_found' });
    expect(missing.message).toMatch(/has no yolo26n\.pt \(HTTP 404/);

    expect((await t.api.weights.list()).entries).toEqual([]);
    for (const name of ['yolo11n.pt', 'yolo11m.pt', 'yolo11l.pt', 'yolo11x.pt', 'yolov8n.pt', 'yolo26n.pt']) expect(leftovers(dataDir, name)).toEqual([]);
  }, 90_000);

  it('says the disk is full and removes the partial file', async () => {
    const { t, mirror, dataDir } = await setup();
    mirror.put('yolo11n.pt', doublePretrained({ padding: 1_000_000 }));
    // TEST DOUBLE at the file layer: the disk fills part way through the file.
    const real = fs.writeSync;
    let written = 0;
    vi.spyOn(fs, 'writeSync').mockImplementation(((fd: number, data: NodeJS.ArrayBufferView, ...rest: unknown[]) => {
      written += (data as Buffer).length ?? 0;
      if (written > 300_000) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
      return (real as (...a: unknown[]) => number)(fd, data, ...rest);
    }) as typeof fs.writeSync);
    const full = failure((await job(t, (api) => api.weights.pull({ name: 'yolo11n.pt' }))).result);
    expect(full.code).toBe('disk_full');
    expect(full.message).toMatch(/partial file was removed/);
    expect(leftovers(dataDir, 'yolo11n.pt')).toEqual([]);
  }, 60_000);

  it('offline with no copy: the error says so and offers both ways out', async () => {
    const { t, mirror } = await setup();
    await mirror.close();
    const offline = failure((await job(t, (api) => api.weights.pull({ name: 'yolo11n.pt' }))).result);
    expect(offline.code).toBe('offline');
    expect(offline.message).toMatch(/Could not fetch yolo11n\.pt from 127\.0\.0\.1:\d+ \(ECONNREFUSED\)/);
    expect(offline.message).toMatch(/reticle weights add PATH/);
    expect(offline.message).toMatch(/RETICLE_WEIGHTS_MIRROR/);
    await expect(t.api.training.start({ model: { kind: 'pretrained', name: 'yolo11n.pt' }, epochs: 1, imgsz: 64, device: 'cpu' })).rejects.toThrow(/library has no yolo11n\.pt/);
  }, 60_000);
});

describe('training from the library', () => {
  it('trains from the fetched weights with the mirror gone, and the run records where they came from', async () => {
    const { t, mirror } = await setup();
    const body = doublePretrained();
    mirror.put('yolo11n.pt', body);
    report((await job(t, (api) => api.weights.pull({ name: 'yolo11n.pt' }))).result);
    await mirror.close();
    // A second fetch is the library's copy: no request reaches the (closed) mirror.
    expect(report((await job(t, (api) => api.weights.pull({ name: 'yolo11n.pt' }))).result).added[0]!.sha256).toBe(sha(body));

    const run = await t.api.training.start({ model: { kind: 'pretrained', name: 'yolo11n.pt' }, epochs: 2, imgsz: 64, batch: 4, device: 'cpu' });
    expect(run.model).toBe(`yolo11n.pt (pretrained, from ${mirror.url}/yolo11n.pt)`);
    const done: RunSummary = await t.waitFor(run.id, ['completed', 'failed'], 60_000);
    expect(done.status, JSON.stringify(done.error)).toBe('completed');
    const spec = JSON.parse(fs.readFileSync(path.join(t.dir, 'runs', run.id, 'spec.json'), 'utf8'));
    expect(spec.model).toBe(path.join((await t.api.weights.list()).dir, 'yolo11n.pt'));
    expect(spec.model_source).toEqual({ name: 'yolo11n.pt', sha256: sha(body), from: `${mirror.url}/yolo11n.pt` });
  }, 90_000);
});

describe('adding weights you have', () => {
  it('adds every model in a folder (an offline weights pack), refuses what is not one, and removes on request', async () => {
    const { t } = await setup();
    const pack = scratch('weights-pack-');
    fs.writeFileSync(path.join(pack, 'yolo11n.pt'), doublePretrained());
    fs.mkdirSync(path.join(pack, 'classify'));
    fs.writeFileSync(path.join(pack, 'classify', 'yolo11n-cls.pt'), doublePretrained({ task: 'classify', names: ['tench', 'goldfish'] }));
    fs.writeFileSync(path.join(pack, 'notes.pt'), 'not a model');
    fs.writeFileSync(path.join(pack, 'readme.txt'), 'a weights pack');
    const r = report((await job(t, (api) => api.weights.add({ path: pack }))).result);
    expect(r.added.map((e) => [e.name, e.task, e.source]).sort()).toEqual([
      ['yolo11n-cls.pt', 'classify', { kind: 'added', path: path.join(pack, 'classify', 'yolo11n-cls.pt') }],
      ['yolo11n.pt', 'detect', { kind: 'added', path: path.join(pack, 'yolo11n.pt') }],
    ]);
    expect(r.refused).toEqual([{ path: path.join(pack, 'notes.pt'), message: expect.stringMatching(/notes\.pt is not an Ultralytics model/) }]);

    const after = await t.api.weights.remove({ name: 'yolo11n.pt' });
    expect(after.entries.map((e) => e.name)).toEqual(['yolo11n-cls.pt']);
    await expect(t.api.weights.remove({ name: 'yolo11n.pt' })).rejects.toThrow(/has no yolo11n\.pt/);
  }, 60_000);
});
