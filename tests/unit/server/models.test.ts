/** The model registry: add, upload, list, download byte for byte, rename, delete. */
import crypto from 'node:crypto';
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, createProject, expectStatus, register, share, sha256, startTestServer, type Account, type TestServer } from './harness.js';

for (const backend of BACKENDS) describe(`the model registry on ${backend.name}`, () => {
  let server: TestServer;
  let owner: Account;
  let annotator: Account;
  let viewer: Account;

  beforeAll(async () => {
    if (backend.skip) return;
    server = await startTestServer(backend);
    owner = await register(server.app);
    annotator = await register(server.app);
    viewer = await register(server.app);
  });
  afterAll(async () => server?.close());

  const inject = (options: InjectOptions) => server.app.inject(options);
  const upload = (who: Account, id: string, bytes: Buffer) =>
    inject({ method: 'PUT', url: `/api/models/${id}/file`, headers: { ...who.headers, 'content-type': 'application/octet-stream' }, payload: bytes });

  it.skipIf(backend.skip)('uploads, lists, downloads byte for byte, renames and deletes', async () => {
    const projectId = await createProject(server.app, owner);
    await share(server.app, owner, projectId, annotator, 'annotator');
    await share(server.app, owner, projectId, viewer, 'viewer');
    const body = { name: 'yolo11n run 3', format: 'onnx', task: 'detect', classes: ['cat', 'dog'], metrics: { 'metrics/mAP50(B)': 0.61 }, source: { runId: 'run-3', runName: 'Run 3', studioVersion: '0.1.0' } };
    const created = expectStatus(await inject({ method: 'POST', url: `/api/projects/${projectId}/models`, headers: annotator.headers, payload: body }), 201).json();
    expect(created).toMatchObject({ ...body, projectId, fileHash: null, bytes: null, createdBy: annotator.email });
    expect((await inject({ method: 'GET', url: `/api/models/${created.id}/file`, headers: viewer.headers })).statusCode).toBe(404);

    const weights = crypto.randomBytes(300_000);
    const uploaded = expectStatus(await upload(annotator, created.id, weights), 200).json();
    expect(uploaded).toMatchObject({ fileHash: sha256(weights), bytes: weights.length });
    // Same bytes again: fine. Other bytes: the registry never swaps weights under a model.
    expect((await upload(annotator, created.id, weights)).statusCode).toBe(200);
    const swap = await upload(annotator, created.id, crypto.randomBytes(10));
    expect(swap.statusCode).toBe(409);

    const listed = expectStatus(await inject({ method: 'GET', url: `/api/models?projectId=${projectId}`, headers: viewer.headers }), 200).json();
    expect(listed.map((m: { id: string }) => m.id)).toEqual([created.id]);
    const everywhere = expectStatus(await inject({ method: 'GET', url: '/api/models', headers: viewer.headers }), 200).json();
    expect(everywhere.map((m: { id: string }) => m.id)).toContain(created.id);

    const download = expectStatus(await inject({ method: 'GET', url: `/api/models/${created.id}/file`, headers: viewer.headers }), 200);
    expect(Buffer.compare(download.rawPayload, weights)).toBe(0);
    expect(download.headers['content-disposition']).toBe('attachment; filename="yolo11n_run_3.onnx"');

    const renamed = expectStatus(await inject({ method: 'PATCH', url: `/api/models/${created.id}`, headers: annotator.headers, payload: { name: 'the good one' } }), 200).json();
    expect(renamed.name).toBe('the good one');
    expect((await inject({ method: 'PATCH', url: `/api/models/${created.id}`, headers: viewer.headers, payload: { name: 'nope' } })).statusCode).toBe(403);

    // The author may delete their model; a viewer may not.
    expect((await inject({ method: 'DELETE', url: `/api/models/${created.id}`, headers: viewer.headers })).statusCode).toBe(403);
    expect((await inject({ method: 'DELETE', url: `/api/models/${created.id}`, headers: annotator.headers })).statusCode).toBe(204);
    expect((await inject({ method: 'GET', url: `/api/models/${created.id}`, headers: owner.headers })).statusCode).toBe(404);
    expect(await server.app.objects.has(`models/${sha256(weights)}`)).toBe(false);
  });

  it.skipIf(backend.skip)('another annotator cannot delete a model they did not add; the owner can', async () => {
    const projectId = await createProject(server.app, owner);
    await share(server.app, owner, projectId, annotator, 'annotator');
    const model = expectStatus(await inject({ method: 'POST', url: `/api/projects/${projectId}/models`, headers: owner.headers, payload: { name: 'm', format: 'pt', task: 'classify', classes: [] } }), 201).json();
    expect((await inject({ method: 'DELETE', url: `/api/models/${model.id}`, headers: annotator.headers })).statusCode).toBe(403);
    expect((await inject({ method: 'DELETE', url: `/api/models/${model.id}`, headers: owner.headers })).statusCode).toBe(204);
  });

  it.skipIf(backend.skip)('refuses malformed model records', async () => {
    const projectId = await createProject(server.app, owner);
    for (const payload of [
      { name: 'x', format: '../../etc', task: 'detect', classes: [] },
      { name: '', format: 'onnx', task: 'detect', classes: [] },
      { name: 'x', format: 'onnx', task: 'segment', classes: [] },
      { name: 'x', format: 'onnx', task: 'detect', classes: [], metrics: { map: 'high' } },
      { name: 'x', format: 'onnx', task: 'detect', classes: [], extra: true },
    ]) {
      const response = await inject({ method: 'POST', url: `/api/projects/${projectId}/models`, headers: owner.headers, payload });
      expect(response.statusCode).toBe(400);
      expect(response.json().error.code).toBe('invalid_input');
    }
  });
});
