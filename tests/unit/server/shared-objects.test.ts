/**
 * Issue 19, finding 2: objects are shared by content across projects, so deleting one project must
 * never delete bytes another project references, including references that arrive while the
 * delete runs. Bytes the store lost are asked for again. The race runs against a real server process on PGlite and on PostgreSQL: upload 150 images to X,
 * then PUT the same 150 hashes into Y while `DELETE X` runs; every one of Y's images must then
 * download with its bytes. 50 rounds per database. A correctness test: it counts lost objects,
 * never time.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isForeignKeyViolation } from '../../../src-server/repositories/rows.js';
import { FileObjectStore } from '../../../src-server/storage/file-object-store.js';
import { objectKey } from '../../../src-server/storage/object-store.js';
import { SharedObjects } from '../../../src-server/storage/shared-objects.js';
import { BACKENDS, createProject, expectStatus, fakeImage, register, seedMedia, sha256, startTestServer, uploadMedia, type Account, type TestServer } from './harness.js';
import { eachLimited, ServerClient, spawnServer, type ServerProcess } from './server-process.js';

const ROUNDS = Number(process.env.RETICLE_OBJECT_RACE_ROUNDS ?? 50);
const IMAGES = 150;
const AT_ONCE = 16;

for (const backend of BACKENDS) describe(`shared objects on ${backend.name}, a real server process`, () => {
  let server: ServerProcess;
  let client: ServerClient;

  beforeAll(async () => {
    if (backend.skip) return;
    server = await spawnServer(backend);
    client = new ServerClient(server.url);
    await client.register();
  }, 120_000);
  afterAll(async () => server?.stop());

  const newProject = async (name: string): Promise<string> => {
    const answer = await client.json<{ id: string }>('POST', '/api/projects', { name, task: 'detect' });
    expect(answer.status).toBe(201);
    return answer.body.id;
  };

  it.skipIf(backend.skip)(`keeps every byte Y references while X, holding the same images, is deleted (${ROUNDS} rounds of ${IMAGES})`, async () => {
    const lost: string[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const files = Array.from({ length: IMAGES }, (_, i) => fakeImage(`${backend.kind}-round-${round}-image-${i}-${Date.now()}`));
      const hashes = files.map(sha256);
      const x = await newProject(`X ${round}`);
      const y = await newProject(`Y ${round}`);
      await eachLimited(files, AT_ONCE, async (bytes, i) => {
        expect((await client.upload(x, hashes[i], bytes)).status).toBe(201);
      });

      // Y's uploads and X's delete at the same time; Y's requests start first and keep going
      // while the delete runs.
      const statuses: number[] = [];
      const uploads = eachLimited(files, AT_ONCE, async (bytes, i) => {
        statuses.push((await client.upload(y, hashes[i], bytes)).status);
      });
      await new Promise((r) => setTimeout(r, round % 5));
      const deleted = client.json('DELETE', `/api/projects/${x}`);
      await uploads;
      expect((await deleted).status).toBe(204);
      expect(statuses.every((s) => s === 201 || s === 200)).toBe(true);

      const missing = await client.json<{ missing: string[] }>('POST', `/api/projects/${y}/images/missing`, { hashes });
      expect(missing.body.missing).toEqual([]);
      await eachLimited(hashes, AT_ONCE, async (hash, i) => {
        const response = await client.call(`/api/projects/${y}/media/${hash}`);
        const body = Buffer.from(await response.arrayBuffer());
        if (response.status !== 200 || !body.equals(files[i])) lost.push(`round ${round}: ${hash} answered ${response.status}`);
      });
      expect((await client.json('DELETE', `/api/projects/${y}`)).status).toBe(204);
    }
    expect(lost.slice(0, 10)).toEqual([]);
    expect(lost.length).toBe(0);
  }, 900_000);
});

for (const backend of BACKENDS) describe(`shared objects on ${backend.name}: sweeping and lost bytes`, () => {
  let server: TestServer;
  let owner: Account;

  beforeAll(async () => {
    if (backend.skip) return;
    server = await startTestServer(backend);
    owner = await register(server.app);
  });
  afterAll(async () => server?.close());

  const inject = (options: InjectOptions) => server.app.inject({ headers: owner.headers, ...options });
  const stored = (kind: 'media' | 'models', hash: string) => path.join(server.dataDir, 'objects', kind, hash.slice(0, 2), hash);
  const missing = async (projectId: string, hashes: string[]) =>
    expectStatus(await inject({ method: 'POST', url: `/api/projects/${projectId}/images/missing`, payload: { hashes } }), 200).json().missing as string[];

  it.skipIf(backend.skip)('deletes the bytes of a deleted project that no other project holds, and keeps the shared ones', async () => {
    const x = await createProject(server.app, owner, 'X');
    const y = await createProject(server.app, owner, 'Y');
    const [own, shared] = await seedMedia(server.app, owner, x, 2, 'sweep');
    expectStatus(await uploadMedia(server.app, owner, y, fakeImage(`sweep-${x}-1`)), 201);
    expectStatus(await inject({ method: 'DELETE', url: `/api/projects/${x}` }), 204);
    expect(fs.existsSync(stored('media', own))).toBe(false);
    expect(fs.existsSync(stored('media', shared))).toBe(true);
    expectStatus(await inject({ method: 'GET', url: `/api/projects/${y}/media/${shared}` }), 200);
  });

  it.skipIf(backend.skip)('keeps a model file another project still uses when one model or project goes', async () => {
    const weights = crypto.randomBytes(4096);
    const model = { name: 'run', format: 'onnx', task: 'detect', classes: ['cat'] };
    const ids: string[] = [];
    const projects = [await createProject(server.app, owner, 'A'), await createProject(server.app, owner, 'B')];
    for (const projectId of projects) {
      const created = expectStatus(await inject({ method: 'POST', url: `/api/projects/${projectId}/models`, payload: model }), 201).json();
      expectStatus(await inject({ method: 'PUT', url: `/api/models/${created.id}/file`, headers: { ...owner.headers, 'content-type': 'application/octet-stream' }, payload: weights }), 200);
      ids.push(created.id);
    }
    expectStatus(await inject({ method: 'DELETE', url: `/api/projects/${projects[0]}` }), 204);
    expect(Buffer.from(expectStatus(await inject({ method: 'GET', url: `/api/models/${ids[1]}/file` }), 200).rawPayload).equals(weights)).toBe(true);
    // Lost behind the server's back, a model file is put back by uploading the same file again.
    fs.rmSync(stored('models', sha256(weights)));
    expect((await inject({ method: 'GET', url: `/api/models/${ids[1]}/file` })).json().error.message).toMatch(/upload the same file to this model again/);
    expectStatus(await inject({ method: 'PUT', url: `/api/models/${ids[1]}/file`, headers: { ...owner.headers, 'content-type': 'application/octet-stream' }, payload: weights }), 200);
    expectStatus(await inject({ method: 'GET', url: `/api/models/${ids[1]}/file` }), 200);
    expectStatus(await inject({ method: 'DELETE', url: `/api/models/${ids[1]}` }), 204);
    expect(fs.existsSync(stored('models', sha256(weights)))).toBe(false);
  });

  it.skipIf(backend.skip)('puts the bytes back when a sweep deletes them between an upload storing them and recording its reference', async () => {
    const projectId = await createProject(server.app, owner, 'Interleaved');
    const files = new FileObjectStore(path.join(server.dataDir, 'interleaved'));
    let sweeps = 0;
    const objects: SharedObjects = new SharedObjects(server.app.db, {
      kind: 'file',
      has: (key) => files.has(key),
      get: (key) => files.get(key),
      delete: (key) => files.delete(key),
      close: () => files.close(),
      // Right after the first put, before the upload takes the lock: a project holding the same
      // bytes is deleted, and its sweep finds no reference yet.
      putFile: async (key, file, bytes) => {
        await files.putFile(key, file, bytes);
        if (sweeps++ === 0) expect(await objects.release('media', [key.slice('media/'.length)])).toBe(1);
      },
    });
    const bytes = fakeImage(`interleaved-${projectId}`);
    const hash = sha256(bytes);
    const temp = path.join(server.dataDir, `upload-${hash}.part`);
    fs.writeFileSync(temp, bytes);
    expect(await objects.attach('media', hash, temp, bytes.length, (tx) => server.app.repos.media.add(tx, projectId, hash, bytes.length))).toBe(true);
    expect(sweeps).toBe(2);
    expect((await files.get(objectKey('media', hash)))?.bytes).toBe(bytes.length);
    // The caller's temp file is still its own to remove.
    expect(fs.readFileSync(temp)).toEqual(bytes);
  });

  it.skipIf(backend.skip)('leaves no bytes behind when the reference cannot be recorded (the project was deleted meanwhile)', async () => {
    const bytes = fakeImage(`orphan-${crypto.randomUUID()}`);
    const hash = sha256(bytes);
    const temp = path.join(server.dataDir, `upload-${hash}.part`);
    fs.writeFileSync(temp, bytes);
    const gone = crypto.randomUUID();
    const failure = await server.app.sharedObjects.attach('media', hash, temp, bytes.length, (tx) => server.app.repos.media.add(tx, gone, hash, bytes.length)).catch((err: unknown) => err);
    expect(isForeignKeyViolation(failure)).toBe(true);
    expect(fs.existsSync(stored('media', hash))).toBe(false);
  });

  it.skipIf(backend.skip)('asks again for bytes the store lost, and takes them back by upload or by restoring the files', async () => {
    const x = await createProject(server.app, owner, 'Lost');
    const y = await createProject(server.app, owner, 'Also holds them');
    const hashes = await seedMedia(server.app, owner, x, 3, 'lost');
    for (const i of [0, 1, 2]) expectStatus(await uploadMedia(server.app, owner, y, fakeImage(`lost-${x}-${i}`)), 201);
    expect(await missing(x, hashes)).toEqual([]);
    // The disk loses two files behind the server's back: the sync's question finds them, in every
    // project that holds them, and a download says what happens next.
    fs.renameSync(stored('media', hashes[0]), `${stored('media', hashes[0])}.aside`);
    fs.rmSync(stored('media', hashes[1]));
    expect(await missing(x, hashes)).toEqual([hashes[0], hashes[1]]);
    expect(await missing(y, hashes.slice(1))).toEqual([hashes[1]]);
    const lost = await inject({ method: 'GET', url: `/api/projects/${y}/media/${hashes[1]}` });
    expect(lost.statusCode).toBe(404);
    expect(lost.json().error.message).toMatch(/lost this file. It lists it as missing \(images\/missing\)/);
    // A studio's next sync uploads one; an admin restores the other.
    expectStatus(await uploadMedia(server.app, owner, x, fakeImage(`lost-${x}-1`)), 200);
    fs.renameSync(`${stored('media', hashes[0])}.aside`, stored('media', hashes[0]));
    expect(await missing(x, hashes)).toEqual([]);
    for (const [i, hash] of hashes.entries()) {
      expect(Buffer.from(expectStatus(await inject({ method: 'GET', url: `/api/projects/${y}/media/${hash}` }), 200).rawPayload).equals(fakeImage(`lost-${x}-${i}`))).toBe(true);
    }
  });
});
