/**
 * Publishing a run's model to the team server's registry: the run (trained by the real runtime
 * over its test doubles of torch and Ultralytics) is exported to ONNX when it has no export yet,
 * and the very file goes up with the run's metrics and the model's class names.
 */
import fs from 'node:fs';
import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { newEmail, PASSWORD, startTeamServer, type TeamServer } from './team-fixture.js';
import { quickSpec, trainingStudio } from '../training/training-fixture.js';

let server: TeamServer;

beforeAll(async () => {
  server = await startTeamServer();
});

describe('publishing a model', () => {
  it("uploads a run's ONNX export with its metrics and classes, exporting it first when needed", async () => {
    const t = await trainingStudio({ images: 8 });
    const run = await t.api.training.start(quickSpec({ epochs: 2, name: 'first try' }));
    expect((await t.waitFor(run.id, ['completed', 'failed'])).status).toBe('completed');
    await t.api.account.register({ serverUrl: server.url, email: newEmail(), password: PASSWORD });

    // Not linked yet: it says what to do first.
    await expect(t.api.sync.publishModel({ runId: run.id, name: 'squares v1' })).rejects.toMatchObject({ code: 'invalid_input', message: /link/i });
    await t.api.sync.link({ create: true });

    expect((await t.api.training.get({ runId: run.id })).artifacts.some((a) => a.kind === 'onnx')).toBe(false);
    const model = await t.api.sync.publishModel({ runId: run.id, name: 'squares v1' });
    const onnx = (await t.api.training.get({ runId: run.id })).artifacts.find((a) => a.kind === 'onnx')!;
    expect(onnx).toBeDefined();
    const bytes = fs.readFileSync(onnx.path);
    expect(model).toMatchObject({
      name: 'squares v1',
      format: 'onnx',
      task: 'detect',
      fileHash: createHash('sha256').update(bytes).digest('hex'),
      bytes: bytes.length,
      source: { runId: run.id, runName: 'first try', studioVersion: expect.any(String) },
    });
    const detail = await t.api.training.get({ runId: run.id });
    expect(model.classes).toEqual(detail.dataset!.classes);
    expect(model.classes.length).toBeGreaterThan(0);
    const metrics = Object.entries(detail.results?.metrics ?? detail.best?.metrics ?? {}).filter(([, v]) => typeof v === 'number');
    expect(metrics.length).toBeGreaterThan(0);
    for (const [key, value] of metrics) expect(model.metrics[key]).toBeCloseTo(value as number, 6);

    // Published again from the same export: a second model, the same file.
    const again = await t.api.sync.publishModel({ runId: run.id, name: 'squares v1 again' });
    expect(again.fileHash).toBe(model.fileHash);
    expect((await t.api.sync.models()).map((m) => m.name)).toEqual(['squares v1 again', 'squares v1']);
  });

  it('refuses a run that has no weights', async () => {
    const t = await trainingStudio({ images: 4 });
    await t.api.account.register({ serverUrl: server.url, email: newEmail(), password: PASSWORD });
    await t.api.sync.link({ create: true });
    await expect(t.api.sync.publishModel({ runId: 'no-such-run', name: 'x' })).rejects.toMatchObject({ code: 'not_found' });
  });
});
