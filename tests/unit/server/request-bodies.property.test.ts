/**
 * Issue 7: request bodies from anywhere. Random JSON, random text, and valid bodies with one field
 * swapped for something random, sent to every POST/PUT/PATCH route by a caller allowed to use it:
 * the answer is always a 4xx in the error shape (or a 2xx when the body happens to be valid), never
 * a 5xx, and the server is still up afterwards.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { BACKENDS, createProject, expectStatus, fakeImage, push, pushImage, register, sha256, startTestServer, uploadMedia, type Account, type TestServer } from './harness.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 40);

/** A valid body per route, to mutate one field at a time. */
const VALID: Record<string, unknown> = {
  'POST /api/auth/register': { email: 'fuzz@example.test', password: 'a long enough password' },
  'POST /api/auth/login': { email: 'fuzz@example.test', password: 'x' },
  'POST /api/auth/refresh': { refreshToken: 'x'.repeat(43) },
  'POST /api/auth/logout': { refreshToken: 'x'.repeat(43) },
  'POST /api/admin/users': { email: 'made@example.test', password: 'a long enough password', role: 'member' },
  'PATCH /api/admin/users/:id': { name: 'Spare', role: 'member', disabled: false },
  'POST /api/projects': { name: 'P', task: 'detect', multiLabel: false },
  'PATCH /api/projects/:id': { name: 'P' },
  'PUT /api/projects/:id/members': { email: 'nobody@example.test', role: 'viewer' },
  'POST /api/projects/:id/images/missing': { hashes: ['0'.repeat(64)] },
  'PUT /api/projects/:id/media/:hash': 'bytes',
  'POST /api/projects/:id/labels/push': { classes: [{ name: 'cat', color: '#ff0000', order: 0 }], images: [pushImage('0'.repeat(64), null)] },
  'POST /api/projects/:id/training/configure': { name: 'c', model: 'yolo11n.pt', epochs: 1, imgsz: 320, batch: 1, hyperparameters: { lr0: 0.01 } },
  'POST /api/projects/:id/training/sessions': { configId: '00000000-0000-4000-8000-000000000000' },
  'PATCH /api/projects/:id/training/sessions/:sid': { status: 'running', epoch: 1, metrics: { a: 1 } },
  'POST /api/projects/:id/models': { name: 'm', format: 'onnx', task: 'detect', classes: ['cat'], metrics: {}, source: {} },
  'PUT /api/models/:id/file': 'bytes',
  'PATCH /api/models/:id': { name: 'm' },
};

/** A body: raw text, any JSON value, or a valid body with one field replaced (or added) at random. */
function bodies(valid: unknown): fc.Arbitrary<{ raw: string }> {
  const anyJson = fc.jsonValue({ maxDepth: 4 }).map((v) => ({ raw: JSON.stringify(v) ?? 'null' }));
  const text = fc.string({ maxLength: 200 }).map((s) => ({ raw: s }));
  const mutated =
    valid && typeof valid === 'object'
      ? fc
          // Issue 19: values with any UTF-16 code unit too (NUL, lone surrogates), which PostgreSQL refuses.
          .tuple(fc.oneof(fc.constantFrom(...Object.keys(valid as object)), fc.string({ maxLength: 20 })), fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.jsonValue({ maxDepth: 3, stringUnit: 'binary' })))
          .map(([key, value]) => ({ raw: JSON.stringify({ ...(valid as object), [key]: value }) }))
      : anyJson;
  const truncated = fc.nat().map((n) => {
    const full = JSON.stringify(valid);
    return { raw: full.slice(0, n % Math.max(1, full.length)) };
  });
  return fc.oneof(anyJson, text, mutated, truncated);
}

for (const backend of BACKENDS) describe(`random request bodies on ${backend.name}`, () => {
  let server: TestServer;
  let admin: Account;
  let spare: Account;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    if (backend.skip) return;
    server = await startTestServer(backend, { rateLimitPerMinute: 0, authRateLimitPerMinute: 0, loginFailuresPerAccount: 1_000_000 });
    admin = await register(server.app);
    spare = await register(server.app);
    ids.project = await createProject(server.app, admin);
    const bytes = fakeImage('fuzz');
    ids.hash = sha256(bytes);
    expectStatus(await uploadMedia(server.app, admin, ids.project, bytes), 201);
    expectStatus(await push(server.app, admin, ids.project, [pushImage(ids.hash, null)]), 200);
    const model = await server.app.inject({ method: 'POST', url: `/api/projects/${ids.project}/models`, headers: admin.headers, payload: { name: 'm', format: 'pt', task: 'detect', classes: [] } });
    ids.model = expectStatus(model, 201).json().id;
    const config = await server.app.inject({ method: 'POST', url: `/api/projects/${ids.project}/training/configure`, headers: admin.headers, payload: { name: 'c', model: 'm.pt', epochs: 3, imgsz: 320, batch: 2 } });
    ids.config = expectStatus(config, 201).json().id;
    const session = await server.app.inject({ method: 'POST', url: `/api/projects/${ids.project}/training/sessions`, headers: admin.headers, payload: { configId: ids.config } });
    ids.session = expectStatus(session, 201).json().id;
  });
  afterAll(async () => server?.close());

  const urlOf = (pattern: string) =>
    pattern
      .replace(':id/members', `${ids.project}/members`)
      .replace('/api/admin/users/:id', `/api/admin/users/${spare.id}`)
      .replace('/api/models/:id', `/api/models/${ids.model}`)
      .replace(':id', ids.project)
      .replace(':hash', ids.hash)
      .replace(':sid', ids.session);

  it.skipIf(backend.skip)('every POST/PUT/PATCH route is in the table of valid bodies', () => {
    const writes = server.app.routeList.filter((r) => ['POST', 'PUT', 'PATCH'].includes(r.method) && r.url.startsWith('/api/')).map((r) => `${r.method} ${r.url}`);
    expect(writes.sort()).toEqual(Object.keys(VALID).sort());
  });

  for (const route of Object.keys(VALID)) {
    it.skipIf(backend.skip)(`${route} answers random bodies with a 4xx, never a 5xx`, async () => {
      const [method, pattern] = route.split(' ') as ['POST' | 'PUT' | 'PATCH', string];
      await fc.assert(
        fc.asyncProperty(bodies(VALID[route]), fc.constantFrom('application/json', 'application/json; charset=utf-8', 'application/octet-stream'), async ({ raw }, type) => {
          const response = await server.app.inject({ method, url: urlOf(pattern), headers: { ...admin.headers, 'content-type': type }, payload: raw });
          if (response.statusCode >= 500) throw new Error(`${response.statusCode} for ${JSON.stringify(raw).slice(0, 300)}: ${response.body}`);
          if (response.statusCode >= 400) expect(response.json()).toEqual({ error: { code: expect.any(String), message: expect.any(String) } });
        }),
        { numRuns: RUNS },
      );
      expect((await server.app.inject({ method: 'GET', url: '/api/health' })).statusCode).toBe(200);
    });
  }
});
