/**
 * Who may call what: every route of the server, called by an anonymous client, a signed-in
 * account in no project, a viewer, an annotator, an admin who is no member, and the project's
 * owner. The table of routes must name every route the server has, so a new route without an
 * entry here fails this test.
 */
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InjectOptions } from 'fastify';
import { BACKENDS, CLASSES, createProject, expectStatus, fakeImage, login, PASSWORD, push, pushImage, register, sha256, share, startTestServer, uniqueEmail, uploadMedia, type Account, type TestServer } from './harness.js';

type Need = 'public' | 'user' | 'admin' | 'viewer' | 'annotator' | 'owner';
const CALLERS = ['anonymous', 'other', 'viewer', 'annotator', 'admin', 'owner'] as const;
type Caller = (typeof CALLERS)[number];

/** What each caller gets for each kind of route. A member's 403 vs a non-member's 404 is the point. */
const EXPECTED: Record<Need, Record<Caller, 'ok' | number>> = {
  public: { anonymous: 'ok', other: 'ok', viewer: 'ok', annotator: 'ok', admin: 'ok', owner: 'ok' },
  user: { anonymous: 401, other: 'ok', viewer: 'ok', annotator: 'ok', admin: 'ok', owner: 'ok' },
  admin: { anonymous: 401, other: 403, viewer: 403, annotator: 403, admin: 'ok', owner: 403 },
  viewer: { anonymous: 401, other: 404, viewer: 'ok', annotator: 'ok', admin: 404, owner: 'ok' },
  annotator: { anonymous: 401, other: 404, viewer: 403, annotator: 'ok', admin: 404, owner: 'ok' },
  owner: { anonymous: 401, other: 404, viewer: 403, annotator: 403, admin: 404, owner: 'ok' },
};

interface Fixture {
  projectId: string;
  hash: string;
  bytes: Buffer;
  modelId: string;
  modelBytes: Buffer;
  configId: string;
  sessionId: string;
}

interface Accounts extends Record<Exclude<Caller, 'anonymous'>, Account> {
  spare: Account;
}

interface RouteCase {
  need: Need;
  request(f: Fixture, a: Accounts): Promise<InjectOptions> | InjectOptions;
}

const json = (method: InjectOptions['method'], url: string, payload?: unknown): InjectOptions => ({ method, url, payload: payload as InjectOptions['payload'] });
const octets = (url: string, bytes: Buffer): InjectOptions => ({ method: 'PUT', url, headers: { 'content-type': 'application/octet-stream' }, payload: bytes });
const P = (f: Fixture) => `/api/projects/${f.projectId}`;

const ROUTES: Record<string, RouteCase> = {
  'GET /api/health': { need: 'public', request: () => json('GET', '/api/health') },
  'POST /api/auth/register': { need: 'public', request: () => json('POST', '/api/auth/register', { email: uniqueEmail('reg'), password: PASSWORD }) },
  'POST /api/auth/login': { need: 'public', request: (_f, a) => json('POST', '/api/auth/login', { email: a.spare.email, password: PASSWORD }) },
  'POST /api/auth/refresh': {
    need: 'public',
    request: async (_f, a) => json('POST', '/api/auth/refresh', { refreshToken: (await loginPair(a.spare)).refreshToken }),
  },
  'POST /api/auth/logout': { need: 'public', request: () => json('POST', '/api/auth/logout', { refreshToken: crypto.randomBytes(32).toString('base64url') }) },
  'GET /api/auth/me': { need: 'user', request: () => json('GET', '/api/auth/me') },
  'GET /api/admin/users': { need: 'admin', request: () => json('GET', '/api/admin/users') },
  'POST /api/admin/users': { need: 'admin', request: () => json('POST', '/api/admin/users', { email: uniqueEmail('made'), password: PASSWORD }) },
  'PATCH /api/admin/users/:id': { need: 'admin', request: (_f, a) => json('PATCH', `/api/admin/users/${a.spare.id}`, { name: 'Spare' }) },
  'DELETE /api/admin/users/:id': { need: 'admin', request: async () => json('DELETE', `/api/admin/users/${(await register(server.app)).id}`) },
  'GET /api/projects': { need: 'user', request: () => json('GET', '/api/projects') },
  'POST /api/projects': { need: 'user', request: () => json('POST', '/api/projects', { name: 'New', task: 'classify' }) },
  'GET /api/projects/:id': { need: 'viewer', request: (f) => json('GET', P(f)) },
  'PATCH /api/projects/:id': { need: 'owner', request: (f) => json('PATCH', P(f), { name: 'Renamed' }) },
  'DELETE /api/projects/:id': { need: 'owner', request: (f) => json('DELETE', P(f)) },
  'GET /api/projects/:id/members': { need: 'owner', request: (f) => json('GET', `${P(f)}/members`) },
  'PUT /api/projects/:id/members': { need: 'owner', request: (f, a) => json('PUT', `${P(f)}/members`, { email: a.spare.email, role: 'viewer' }) },
  'DELETE /api/projects/:id/members/:userId': { need: 'owner', request: (f, a) => json('DELETE', `${P(f)}/members/${a.spare.id}`) },
  'POST /api/projects/:id/images/missing': { need: 'viewer', request: (f) => json('POST', `${P(f)}/images/missing`, { hashes: [f.hash, sha256(Buffer.from('absent'))] }) },
  'PUT /api/projects/:id/media/:hash': { need: 'annotator', request: (f) => octets(`${P(f)}/media/${f.hash}`, f.bytes) },
  'GET /api/projects/:id/media/:hash': { need: 'viewer', request: (f) => json('GET', `${P(f)}/media/${f.hash}`) },
  'GET /api/projects/:id/images': { need: 'viewer', request: (f) => json('GET', `${P(f)}/images?limit=10`) },
  'POST /api/projects/:id/labels/push': { need: 'annotator', request: (f) => json('POST', `${P(f)}/labels/push`, { classes: CLASSES, images: [pushImage(f.hash, 1)] }) },
  'GET /api/projects/:id/labels': { need: 'viewer', request: (f) => json('GET', `${P(f)}/labels?since=0`) },
  'GET /api/projects/:id/data/analyze': { need: 'viewer', request: (f) => json('GET', `${P(f)}/data/analyze`) },
  'POST /api/projects/:id/training/configure': {
    need: 'annotator',
    request: (f) => json('POST', `${P(f)}/training/configure`, { name: 'fast', model: 'yolo11n.pt', epochs: 5, imgsz: 320, batch: 8 }),
  },
  'GET /api/projects/:id/training/configs': { need: 'viewer', request: (f) => json('GET', `${P(f)}/training/configs`) },
  'POST /api/projects/:id/training/sessions': { need: 'annotator', request: (f) => json('POST', `${P(f)}/training/sessions`, { configId: f.configId }) },
  'GET /api/projects/:id/training/sessions': { need: 'viewer', request: (f) => json('GET', `${P(f)}/training/sessions`) },
  'GET /api/projects/:id/training/sessions/:sid': { need: 'viewer', request: (f) => json('GET', `${P(f)}/training/sessions/${f.sessionId}`) },
  'PATCH /api/projects/:id/training/sessions/:sid': {
    need: 'annotator',
    request: (f) => json('PATCH', `${P(f)}/training/sessions/${f.sessionId}`, { status: 'running', epoch: 1, metrics: { 'metrics/mAP50(B)': 0.1 } }),
  },
  'POST /api/projects/:id/models': { need: 'annotator', request: (f) => json('POST', `${P(f)}/models`, { name: 'best', format: 'onnx', task: 'detect', classes: ['cat'] }) },
  'GET /api/models': { need: 'viewer', request: (f) => json('GET', `/api/models?projectId=${f.projectId}`) },
  'GET /api/models/:id': { need: 'viewer', request: (f) => json('GET', `/api/models/${f.modelId}`) },
  'PUT /api/models/:id/file': { need: 'annotator', request: (f) => octets(`/api/models/${f.modelId}/file`, f.modelBytes) },
  'GET /api/models/:id/file': { need: 'viewer', request: (f) => json('GET', `/api/models/${f.modelId}/file`) },
  'PATCH /api/models/:id': { need: 'annotator', request: (f) => json('PATCH', `/api/models/${f.modelId}`, { name: 'renamed' }) },
  'DELETE /api/models/:id': { need: 'owner', request: (f) => json('DELETE', `/api/models/${f.modelId}`) },
};

let server: TestServer;

async function loginPair(account: Account) {
  return expectStatus(await login(server.app, account.email), 200).json();
}

for (const backend of BACKENDS) describe(`access to every route on ${backend.name}`, () => {
  let accounts: Accounts;

  beforeAll(async () => {
    if (backend.skip) return;
    server = await startTestServer(backend, { authRateLimitPerMinute: 0 });
    const admin = await register(server.app);
    accounts = {
      admin,
      owner: await register(server.app),
      annotator: await register(server.app),
      viewer: await register(server.app),
      other: await register(server.app),
      spare: await register(server.app),
    };
  });
  afterAll(async () => server?.close());

  async function fixture(): Promise<Fixture> {
    const { app } = server;
    const { owner } = accounts;
    const projectId = await createProject(app, owner);
    await share(app, owner, projectId, accounts.viewer, 'viewer');
    await share(app, owner, projectId, accounts.annotator, 'annotator');
    await share(app, owner, projectId, accounts.spare, 'annotator');
    const bytes = fakeImage(projectId);
    expectStatus(await uploadMedia(app, owner, projectId, bytes), 201);
    const hash = sha256(bytes);
    expectStatus(await push(app, owner, projectId, [pushImage(hash, null)]), 200);
    const model = expectStatus(await app.inject({ method: 'POST', url: `/api/projects/${projectId}/models`, headers: owner.headers, payload: { name: 'm', format: 'pt', task: 'detect', classes: ['cat'] } }), 201).json();
    const modelBytes = Buffer.from(`weights of ${projectId}`);
    expectStatus(await app.inject({ method: 'PUT', url: `/api/models/${model.id}/file`, headers: { ...owner.headers, 'content-type': 'application/octet-stream' }, payload: modelBytes }), 200);
    const config = expectStatus(
      await app.inject({ method: 'POST', url: `/api/projects/${projectId}/training/configure`, headers: owner.headers, payload: { name: 'base', model: 'yolo11n.pt', epochs: 10, imgsz: 640, batch: 'auto' } }),
      201,
    ).json();
    const session = expectStatus(await app.inject({ method: 'POST', url: `/api/projects/${projectId}/training/sessions`, headers: owner.headers, payload: { configId: config.id } }), 201).json();
    return { projectId, hash, bytes, modelId: model.id, modelBytes, configId: config.id, sessionId: session.id };
  }

  it.skipIf(backend.skip)('the table names every route the server has, and no other', () => {
    const registered = server.app.routeList.filter((r) => r.url.startsWith('/api/')).map((r) => `${r.method} ${r.url}`);
    expect([...registered].sort()).toEqual(Object.keys(ROUTES).sort());
  });

  for (const [route, spec] of Object.entries(ROUTES)) {
    it.skipIf(backend.skip)(`${route} (${spec.need})`, async () => {
      const f = await fixture();
      const seen: Record<string, number> = {};
      const wanted: Record<string, string | number> = {};
      // The owner goes last: its success may delete what the others were refused.
      for (const caller of CALLERS) {
        const options = await spec.request(f, accounts);
        const headers = { ...(options.headers ?? {}), ...(caller === 'anonymous' ? {} : accounts[caller].headers) };
        const response = await server.app.inject({ ...options, headers });
        const expected = EXPECTED[spec.need][caller];
        seen[caller] = response.statusCode;
        wanted[caller] = expected === 'ok' ? (response.statusCode >= 200 && response.statusCode < 300 ? response.statusCode : '2xx') : expected;
        if (response.statusCode >= 400) expect(response.json()).toEqual({ error: { code: expect.any(String), message: expect.any(String) } });
      }
      expect(seen).toEqual(wanted);
    });
  }

  it.skipIf(backend.skip)('a non-member never sees another account\'s project, in the list or by id', async () => {
    const f = await fixture();
    for (const caller of ['other', 'admin'] as const) {
      const list = expectStatus(await server.app.inject({ method: 'GET', url: '/api/projects', headers: accounts[caller].headers }), 200).json();
      expect(list.map((p: { id: string }) => p.id)).not.toContain(f.projectId);
      const byId = await server.app.inject({ method: 'GET', url: `/api/projects/${f.projectId}`, headers: accounts[caller].headers });
      const missing = await server.app.inject({ method: 'GET', url: `/api/projects/${crypto.randomUUID()}`, headers: accounts[caller].headers });
      // Exactly the answer for a project that does not exist.
      expect([byId.statusCode, byId.json()]).toEqual([missing.statusCode, missing.json()]);
      const models = await server.app.inject({ method: 'GET', url: `/api/models/${f.modelId}`, headers: accounts[caller].headers });
      const noModel = await server.app.inject({ method: 'GET', url: `/api/models/${crypto.randomUUID()}`, headers: accounts[caller].headers });
      expect([models.statusCode, models.json()]).toEqual([noModel.statusCode, noModel.json()]);
      const all = expectStatus(await server.app.inject({ method: 'GET', url: '/api/models', headers: accounts[caller].headers }), 200).json();
      expect(all.map((m: { id: string }) => m.id)).not.toContain(f.modelId);
    }
    const mine = expectStatus(await server.app.inject({ method: 'GET', url: '/api/projects', headers: accounts.viewer.headers }), 200).json();
    expect(mine.find((p: { id: string }) => p.id === f.projectId)).toMatchObject({ role: 'viewer', imageCount: 1, revision: 1 });
  });
});
