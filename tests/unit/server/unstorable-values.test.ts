/**
 * Issue 19, finding 7: values PostgreSQL would refuse are refused at the schema with 400 and a
 * message that says where, never a 500: integers past their column's range, and text holding a
 * NUL character or a lone UTF-16 surrogate (in names, a model's classes and metrics, training
 * settings, session messages). Nothing of the request is stored.
 */
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, CLASSES, createProject, expectStatus, push, pushImage, register, seedMedia, startTestServer, type Account, type TestServer } from './harness.js';

const NUL = 'a\u0000b';
const HIGH = 'a\ud800b';
const LOW = '\udc00b';

for (const backend of BACKENDS) describe(`values PostgreSQL would refuse, on ${backend.name}`, () => {
  let server: TestServer;
  let owner: Account;
  let projectId: string;
  let hash: string;

  beforeAll(async () => {
    if (backend.skip) return;
    server = await startTestServer(backend);
    owner = await register(server.app);
    projectId = await createProject(server.app, owner);
    [hash] = await seedMedia(server.app, owner, projectId, 1);
  });
  afterAll(async () => server?.close());

  const inject = (options: InjectOptions) => server.app.inject({ headers: owner.headers, ...options });

  /** 400 `invalid_input`, with the field named in the message. */
  const refused = async (options: InjectOptions, field: string, what: RegExp) => {
    const response = await inject(options);
    expect(response.statusCode, response.body).toBe(400);
    const { error } = response.json() as { error: { code: string; message: string } };
    expect(error.code).toBe('invalid_input');
    expect(error.message).toContain(field);
    expect(error.message).toMatch(what);
  };
  const NUL_MESSAGE = /NUL character/;
  const SURROGATE_MESSAGE = /lone UTF-16 surrogate/;

  it.skipIf(backend.skip)('refuses an image width or height past an integer column, and stores nothing', async () => {
    await refused({ method: 'POST', url: `/api/projects/${projectId}/labels/push`, payload: { classes: CLASSES, images: [{ ...pushImage(hash, null), width: 3_000_000_000 }] } }, 'images.0.width', /2147483647/);
    await refused({ method: 'POST', url: `/api/projects/${projectId}/labels/push`, payload: { classes: CLASSES, images: [{ ...pushImage(hash, null), height: 2 ** 31 }] } }, 'images.0.height', /2147483647/);
    const pulled = expectStatus(await inject({ method: 'GET', url: `/api/projects/${projectId}/labels` }), 200).json();
    expect(pulled.images).toEqual([]);
    // The largest value that fits is stored.
    expectStatus(await push(server.app, owner, projectId, [{ ...pushImage(hash, null), width: 2 ** 31 - 1 }]), 200);
  });

  it.skipIf(backend.skip)('refuses a NUL or a lone surrogate in an image name and in a class name', async () => {
    const url = `/api/projects/${projectId}/labels/push`;
    await refused({ method: 'POST', url, payload: { classes: CLASSES, images: [{ ...pushImage(hash, null), name: NUL }] } }, 'images.0.name', NUL_MESSAGE);
    await refused({ method: 'POST', url, payload: { classes: CLASSES, images: [{ ...pushImage(hash, null), name: HIGH }] } }, 'images.0.name', SURROGATE_MESSAGE);
    await refused({ method: 'POST', url, payload: { classes: [{ name: LOW, color: '#ff0000', order: 0 }], images: [] } }, 'classes.0.name', SURROGATE_MESSAGE);
    await refused({ method: 'POST', url, payload: { classes: CLASSES, images: [pushImage(hash, null, [{ kind: 'tag', class: HIGH }])] } }, 'images.0.annotations.0.class', SURROGATE_MESSAGE);
  });

  it.skipIf(backend.skip)("refuses them in a model's name, classes and metrics", async () => {
    const url = `/api/projects/${projectId}/models`;
    const model = { name: 'run 1', format: 'onnx', task: 'detect', classes: ['cat'], metrics: { 'metrics/mAP50(B)': 0.5 } };
    await refused({ method: 'POST', url, payload: { ...model, classes: ['cat', NUL] } }, 'classes.1', NUL_MESSAGE);
    await refused({ method: 'POST', url, payload: { ...model, classes: [LOW] } }, 'classes.0', SURROGATE_MESSAGE);
    await refused({ method: 'POST', url, payload: { ...model, metrics: { [NUL]: 1 } } }, 'metrics', NUL_MESSAGE);
    await refused({ method: 'POST', url, payload: { ...model, metrics: { [HIGH]: 1 } } }, 'metrics', SURROGATE_MESSAGE);
    await refused({ method: 'POST', url, payload: { ...model, name: HIGH } }, 'name', SURROGATE_MESSAGE);
    await refused({ method: 'POST', url, payload: { ...model, source: { runName: NUL } } }, 'source.runName', NUL_MESSAGE);
    expect(expectStatus(await inject({ method: 'GET', url: `/api/models?projectId=${projectId}` }), 200).json()).toEqual([]);
  });

  it.skipIf(backend.skip)('refuses them in training settings and in a session message', async () => {
    const base = `/api/projects/${projectId}/training`;
    const config = { name: 'small', model: 'yolo11n.pt', epochs: 3, imgsz: 640, batch: 16, hyperparameters: { optimizer: 'SGD' } };
    await refused({ method: 'POST', url: `${base}/configure`, payload: { ...config, hyperparameters: { optimizer: NUL } } }, 'hyperparameters.optimizer', NUL_MESSAGE);
    await refused({ method: 'POST', url: `${base}/configure`, payload: { ...config, model: HIGH } }, 'model', SURROGATE_MESSAGE);
    expect(expectStatus(await inject({ method: 'GET', url: `${base}/configs` }), 200).json()).toEqual([]);

    const saved = expectStatus(await inject({ method: 'POST', url: `${base}/configure`, payload: config }), 201).json();
    const session = expectStatus(await inject({ method: 'POST', url: `${base}/sessions`, payload: { configId: saved.id } }), 201).json();
    const report = `${base}/sessions/${session.id}`;
    await refused({ method: 'PATCH', url: report, payload: { status: 'failed', message: `out of memory ${NUL}` } }, 'message', NUL_MESSAGE);
    await refused({ method: 'PATCH', url: report, payload: { status: 'failed', message: `out of memory ${LOW}` } }, 'message', SURROGATE_MESSAGE);
    await refused({ method: 'PATCH', url: report, payload: { metrics: { [LOW]: 0.5 } } }, 'metrics', SURROGATE_MESSAGE);
    await refused({ method: 'PATCH', url: report, payload: { results: { perClass: [{ class: NUL, ap50: 0.5, ap50_95: 0.3 }] } } }, 'results.perClass.0.class', NUL_MESSAGE);
    expect(expectStatus(await inject({ method: 'GET', url: report }), 200).json()).toMatchObject({ status: 'queued', message: null, metrics: {} });
    // A well-formed pair (an emoji) is text like any other.
    expect(expectStatus(await inject({ method: 'PATCH', url: report, payload: { status: 'failed', message: 'out of memory 🐈' } }), 200).json().message).toBe('out of memory 🐈');
  });

  it.skipIf(backend.skip)('refuses them in account and project fields', async () => {
    await refused({ method: 'POST', url: '/api/projects', payload: { name: HIGH, task: 'detect' } }, 'name', SURROGATE_MESSAGE);
    await refused({ method: 'PATCH', url: `/api/projects/${projectId}`, payload: { name: LOW } }, 'name', SURROGATE_MESSAGE);
    await refused({ method: 'POST', url: '/api/auth/login', headers: {}, payload: { email: `x${HIGH}@example.com`, password: 'whatever it is' } }, 'email', /./);
  });
});
