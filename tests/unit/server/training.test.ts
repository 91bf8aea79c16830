/** Training configurations and sessions reported by studios, and the dataset analysis. */
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, createProject, expectStatus, push, pushImage, register, seedMedia, share, startTestServer, type Account, type TestServer } from './harness.js';

for (const backend of BACKENDS) describe(`training sessions and analysis on ${backend.name}`, () => {
  let server: TestServer;
  let owner: Account;
  let annotator: Account;

  beforeAll(async () => {
    if (backend.skip) return;
    server = await startTestServer(backend);
    owner = await register(server.app);
    annotator = await register(server.app);
  });
  afterAll(async () => server?.close());

  const inject = (options: InjectOptions) => server.app.inject(options);

  it.skipIf(backend.skip)('saves configurations by name, opens sessions from them, and takes reports until the session ends', async () => {
    const projectId = await createProject(server.app, owner);
    await share(server.app, owner, projectId, annotator, 'annotator');
    const base = `/api/projects/${projectId}/training`;
    const config = { name: 'small', model: 'yolo11n.pt', epochs: 3, imgsz: 640, batch: 16, hyperparameters: { lr0: 0.01, optimizer: 'AdamW', cos_lr: true } };
    const first = expectStatus(await inject({ method: 'POST', url: `${base}/configure`, headers: annotator.headers, payload: config }), 201).json();
    expect(first).toMatchObject({ ...config, projectId, createdBy: annotator.email });
    const replaced = expectStatus(await inject({ method: 'POST', url: `${base}/configure`, headers: annotator.headers, payload: { ...config, epochs: 5 } }), 200).json();
    expect(replaced).toMatchObject({ id: first.id, epochs: 5 });
    const configs = expectStatus(await inject({ method: 'GET', url: `${base}/configs`, headers: owner.headers }), 200).json();
    expect(configs).toHaveLength(1);

    const session = expectStatus(await inject({ method: 'POST', url: `${base}/sessions`, headers: annotator.headers, payload: { configId: first.id } }), 201).json();
    expect(session).toMatchObject({ status: 'queued', epoch: 0, epochs: 5, configName: 'small', config: { model: 'yolo11n.pt', epochs: 5 }, results: null });
    const report = (payload: object) => inject({ method: 'PATCH', url: `${base}/sessions/${session.id}`, headers: annotator.headers, payload });
    expectStatus(await report({ status: 'running', epoch: 1, metrics: { 'metrics/mAP50(B)': 0.2, 'train/box_loss': 1.5 } }), 200);
    expect((await report({ epoch: 6 })).statusCode).toBe(400);
    const results = {
      metrics: { 'metrics/mAP50(B)': 0.55, 'metrics/mAP50-95(B)': 0.31 },
      perClass: [{ class: 'cat', instances: 12, ap50: 0.6, ap50_95: 0.35, precision: 0.7, recall: 0.5 }],
      confusion: { names: ['cat', 'background'], matrix: [[10, 2], [2, 0]] },
    };
    const done = expectStatus(await report({ status: 'completed', epoch: 5, results }), 200).json();
    expect(done).toMatchObject({ status: 'completed', epoch: 5, results, metrics: { 'metrics/mAP50(B)': 0.2 } });
    // A finished session takes no more reports.
    expect((await report({ status: 'running' })).statusCode).toBe(409);
    const listed = expectStatus(await inject({ method: 'GET', url: `${base}/sessions`, headers: owner.headers }), 200).json();
    expect(listed.map((s: { id: string }) => s.id)).toEqual([session.id]);
    expect(expectStatus(await inject({ method: 'GET', url: `${base}/sessions/${session.id}`, headers: owner.headers }), 200).json()).toEqual(done);
  });

  it.skipIf(backend.skip)('refuses bad configurations and reports', async () => {
    const projectId = await createProject(server.app, owner);
    const base = `/api/projects/${projectId}/training`;
    for (const payload of [
      { name: 'x', model: 'yolo11n.pt', epochs: 0, imgsz: 640, batch: 8 },
      { name: 'x', model: 'yolo11n.pt', epochs: 5, imgsz: 650, batch: 8 },
      { name: 'x', model: 'yolo11n.pt', epochs: 5, imgsz: 640, batch: 'lots' },
      { name: 'x', model: 'yolo11n.pt', epochs: 5, imgsz: 640, batch: 8, hyperparameters: { 'Bad Key': 1 } },
      { name: 'x', model: 'yolo11n.pt', epochs: 5, imgsz: 640, batch: 8, hyperparameters: { lr0: { nested: 1 } } },
    ]) {
      expect((await inject({ method: 'POST', url: `${base}/configure`, headers: owner.headers, payload })).statusCode).toBe(400);
    }
    const config = expectStatus(await inject({ method: 'POST', url: `${base}/configure`, headers: owner.headers, payload: { name: 'ok', model: 'm.pt', epochs: 2, imgsz: 320, batch: 'auto' } }), 201).json();
    const session = expectStatus(await inject({ method: 'POST', url: `${base}/sessions`, headers: owner.headers, payload: { configId: config.id } }), 201).json();
    for (const payload of [{ status: 'exploded' }, { results: { confusion: { names: ['a', 'b'], matrix: [[1]] } } }, { epoch: -1 }]) {
      expect((await inject({ method: 'PATCH', url: `${base}/sessions/${session.id}`, headers: owner.headers, payload })).statusCode).toBe(400);
    }
    // A configuration of another project cannot start a session here.
    const other = await createProject(server.app, owner);
    expect((await inject({ method: 'POST', url: `/api/projects/${other}/training/sessions`, headers: owner.headers, payload: { configId: config.id } })).statusCode).toBe(404);
  });

  it.skipIf(backend.skip)('analyzes a project: counts, per-class boxes and tags, statuses, box sizes', async () => {
    const projectId = await createProject(server.app, owner);
    const hashes = await seedMedia(server.app, owner, projectId, 4);
    const classes = [
      { name: 'cat', color: '#ff0000', order: 0 },
      { name: 'dog', color: '#00ff00', order: 1 },
      { name: 'unused', color: '#0000ff', order: 2 },
    ];
    expectStatus(
      await push(
        server.app,
        owner,
        projectId,
        [
          pushImage(hashes[0], null, [
            { kind: 'box', class: 'cat', x: 0, y: 0, w: 64, h: 48 },
            { kind: 'box', class: 'cat', x: 0, y: 0, w: 128, h: 96 },
          ]),
          pushImage(hashes[1], null, [{ kind: 'box', class: 'dog', x: 0, y: 0, w: 320, h: 240 }, { kind: 'tag', class: 'cat' }], 'review'),
          pushImage(hashes[2], null, [], 'new'),
          pushImage(hashes[3], null, [], 'in_progress'),
        ],
        classes,
      ),
      200,
    );
    const analysis = expectStatus(await inject({ method: 'GET', url: `/api/projects/${projectId}/data/analyze`, headers: owner.headers }), 200).json();
    expect(analysis).toEqual({
      images: 4,
      labeled: 2,
      statuses: { new: 1, in_progress: 1, done: 1, review: 1 },
      classes: [
        { name: 'cat', boxes: 2, tags: 1, images: 2 },
        { name: 'dog', boxes: 1, tags: 0, images: 1 },
        { name: 'unused', boxes: 0, tags: 0, images: 0 },
      ],
      boxes: {
        count: 3,
        width: { min: 64, max: 320, mean: 512 / 3, median: 128 },
        height: { min: 48, max: 240, mean: 128, median: 96 },
        relativeArea: { min: 0.01, max: 0.25, mean: expect.closeTo((0.01 + 0.04 + 0.25) / 3, 10), median: 0.04 },
      },
    });
    const empty = expectStatus(await inject({ method: 'GET', url: `/api/projects/${await createProject(server.app, owner)}/data/analyze`, headers: owner.headers }), 200).json();
    expect(empty).toEqual({ images: 0, labeled: 0, statuses: { new: 0, in_progress: 0, done: 0, review: 0 }, classes: [], boxes: { count: 0, width: null, height: null, relativeArea: null } });
  });
});
