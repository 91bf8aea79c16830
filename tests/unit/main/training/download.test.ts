/** A browser on `reticle serve` downloads a run's weights by run and kind, and nothing else. */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startServe, type ServeHandle } from '../../../../src-main/transports/serve.js';
import { tempDir } from '../../helpers/images.js';
import { quickSpec, trainingStudio, type TrainingStudio } from './training-fixture.js';

let server: ServeHandle | null = null;
let t: TrainingStudio | null = null;
afterEach(async () => {
  await server?.close();
  await t?.dispose();
  server = null;
  t = null;
});

describe('run files over reticle serve', () => {
  it('downloads best.pt of a finished run, and refuses unknown runs, kinds and tokens', async () => {
    t = await trainingStudio({ images: 8 });
    const run = await t.api.training.start(quickSpec({ epochs: 1 }));
    expect((await t.waitFor(run.id, ['completed', 'failed'])).status).toBe('completed');
    const renderer = tempDir();
    fs.writeFileSync(path.join(renderer, 'index.html'), '<!doctype html>');
    server = await startServe({ host: t.studio.host, session: t.studio.session, rendererDir: renderer, port: 0 });
    const base = `http://127.0.0.1:${server.port}`;
    const cookie = { Cookie: `${server.cookie}=${server.token}` };

    const best = (await t.api.training.get({ runId: run.id })).artifacts.find((a) => a.kind === 'best')!;
    const res = await fetch(`${base}/files/runs/${run.id}/best`, { headers: cookie });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="${run.id}-best.pt"`);
    const onDisk = fs.readFileSync(path.resolve(t.dir, best.path));
    expect(Buffer.from(await res.arrayBuffer())).toEqual(onDisk);

    expect((await fetch(`${base}/files/runs/${run.id}/onnx`, { headers: cookie })).status).toBe(404);
    expect((await fetch(`${base}/files/runs/no-such-run/best`, { headers: cookie })).status).toBe(404);
    expect((await fetch(`${base}/files/runs/${run.id}/best`)).status).toBe(401);
  });
});
