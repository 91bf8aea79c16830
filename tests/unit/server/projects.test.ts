/** Projects and their members: create, list, rename, share, unshare, the last owner, delete. */
import fs from 'node:fs';
import path from 'node:path';
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, createProject, expectStatus, fakeImage, register, seedMedia, sha256, share, startTestServer, uniqueEmail, uploadMedia, type Account, type TestServer } from './harness.js';

for (const backend of BACKENDS) describe(`projects and members on ${backend.name}`, () => {
  let server: TestServer;
  let owner: Account;
  let alice: Account;

  beforeAll(async () => {
    if (backend.skip) return;
    server = await startTestServer(backend);
    owner = await register(server.app);
    alice = await register(server.app);
  });
  afterAll(async () => server?.close());

  const inject = (options: InjectOptions) => server.app.inject(options);

  it.skipIf(backend.skip)('lists only the caller\'s projects, with the caller\'s role', async () => {
    const mine = await createProject(server.app, owner, 'Mine');
    const theirs = await createProject(server.app, alice, 'Theirs');
    const list = expectStatus(await inject({ method: 'GET', url: '/api/projects', headers: owner.headers }), 200).json();
    expect(list.map((p: { id: string }) => p.id)).toContain(mine);
    expect(list.map((p: { id: string }) => p.id)).not.toContain(theirs);
    expect(list.find((p: { id: string }) => p.id === mine)).toMatchObject({ name: 'Mine', task: 'detect', multiLabel: false, ownerId: owner.id, role: 'owner', revision: 0, imageCount: 0 });
    await share(server.app, alice, theirs, owner, 'viewer');
    const after = expectStatus(await inject({ method: 'GET', url: '/api/projects', headers: owner.headers }), 200).json();
    expect(after.find((p: { id: string }) => p.id === theirs)).toMatchObject({ role: 'viewer', ownerId: alice.id });
  });

  it.skipIf(backend.skip)('shares by email, changes roles, removes members, and keeps one owner', async () => {
    const id = await createProject(server.app, owner);
    const members = `/api/projects/${id}/members`;
    const unknown = await inject({ method: 'PUT', url: members, headers: owner.headers, payload: { email: uniqueEmail('nobody'), role: 'viewer' } });
    expect(unknown.statusCode).toBe(404);
    const shared = expectStatus(await inject({ method: 'PUT', url: members, headers: owner.headers, payload: { email: alice.email.toUpperCase(), role: 'annotator' } }), 200).json();
    expect(shared.map((m: { email: string; role: string }) => [m.email, m.role]).sort()).toEqual([[alice.email, 'annotator'], [owner.email, 'owner']].sort());
    // The only owner cannot step down or leave…
    expect((await inject({ method: 'PUT', url: members, headers: owner.headers, payload: { email: owner.email, role: 'viewer' } })).statusCode).toBe(409);
    expect((await inject({ method: 'DELETE', url: `${members}/${owner.id}`, headers: owner.headers })).statusCode).toBe(409);
    // …until there is another.
    await share(server.app, owner, id, alice, 'owner');
    expectStatus(await inject({ method: 'DELETE', url: `${members}/${owner.id}`, headers: alice.headers }), 204);
    expect((await inject({ method: 'GET', url: `/api/projects/${id}`, headers: owner.headers })).statusCode).toBe(404);
    expect((await inject({ method: 'DELETE', url: `${members}/${owner.id}`, headers: alice.headers })).statusCode).toBe(404);
  });

  it.skipIf(backend.skip)('renames, and deletes with its labels and the media no other project holds', async () => {
    const id = await createProject(server.app, owner, 'Before');
    const renamed = expectStatus(await inject({ method: 'PATCH', url: `/api/projects/${id}`, headers: owner.headers, payload: { name: '  After  ' } }), 200).json();
    expect(renamed.name).toBe('After');
    const [own] = await seedMedia(server.app, owner, id, 1, 'own');
    const sharedBytes = fakeImage('in two projects');
    const other = await createProject(server.app, owner);
    expectStatus(await uploadMedia(server.app, owner, id, sharedBytes), 201);
    expectStatus(await uploadMedia(server.app, owner, other, sharedBytes), 201);
    expectStatus(await inject({ method: 'DELETE', url: `/api/projects/${id}`, headers: owner.headers }), 204);
    expect((await inject({ method: 'GET', url: `/api/projects/${id}`, headers: owner.headers })).statusCode).toBe(404);
    const objects = path.join(server.dataDir, 'objects', 'media');
    expect(fs.existsSync(path.join(objects, own.slice(0, 2), own))).toBe(false);
    const keep = sha256(sharedBytes);
    expect(fs.existsSync(path.join(objects, keep.slice(0, 2), keep))).toBe(true);
    expectStatus(await inject({ method: 'GET', url: `/api/projects/${other}/media/${keep}`, headers: owner.headers }), 200);
  });

  it.skipIf(backend.skip)('an admin cannot delete the only owner of a project, but can once it has another', async () => {
    const admin = (await inject({ method: 'GET', url: '/api/auth/me', headers: owner.headers })).json().role === 'admin' ? owner : null;
    expect(admin).not.toBeNull();
    const leaving = await register(server.app);
    const id = await createProject(server.app, leaving, 'Left behind');
    expect((await inject({ method: 'DELETE', url: `/api/admin/users/${leaving.id}`, headers: owner.headers })).statusCode).toBe(409);
    await share(server.app, leaving, id, alice, 'owner');
    expectStatus(await inject({ method: 'DELETE', url: `/api/admin/users/${leaving.id}`, headers: owner.headers }), 204);
    const project = expectStatus(await inject({ method: 'GET', url: `/api/projects/${id}`, headers: alice.headers }), 200).json();
    expect(project.ownerId).toBe(alice.id);
  });
});
