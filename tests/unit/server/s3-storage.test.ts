/** Media and model files in S3: the same routes, with objects in s3rver on loopback. */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import S3rver from 's3rver';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import type { S3ObjectStoreOptions } from '../../../src-server/app.js';
import { BACKENDS, createProject, expectStatus, fakeImage, push, pushImage, register, sha256, startTestServer, uploadMedia, type Account, type TestServer } from './harness.js';

const BUCKET = 'reticle-test';

describe('objects in S3 (s3rver on loopback, PGlite)', () => {
  let s3dir: string;
  let s3: S3rver;
  let store: S3ObjectStoreOptions;
  let server: TestServer;
  let owner: Account;

  beforeAll(async () => {
    s3dir = fs.mkdtempSync(path.join(os.tmpdir(), 'reticle-s3rver-'));
    s3 = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: s3dir, configureBuckets: [{ name: BUCKET }] });
    const { port } = await s3.run();
    store = { bucket: BUCKET, endpoint: `http://127.0.0.1:${port}`, region: 'us-east-1', prefix: 'team-a/', accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER', forcePathStyle: true };
    server = await startTestServer(BACKENDS[0], { objectStore: store });
    owner = await register(server.app);
  });
  afterAll(async () => {
    await server?.close();
    await s3?.close();
    fs.rmSync(s3dir, { recursive: true, force: true });
  });

  async function keys(): Promise<string[]> {
    const client = new S3Client({ region: 'us-east-1', endpoint: store.endpoint, forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
    try {
      const listed = await client.send(new ListObjectsV2Command({ Bucket: BUCKET }));
      return (listed.Contents ?? []).map((o) => o.Key!).sort();
    } finally {
      client.destroy();
    }
  }

  it('stores uploads under the prefix by hash, gives them back, and refuses wrong hashes', async () => {
    expect(server.app.objects.kind).toBe('s3');
    const projectId = await createProject(server.app, owner);
    const bytes = Buffer.concat([fakeImage('s3'), crypto.randomBytes(200_000)]);
    const hash = sha256(bytes);
    expectStatus(await uploadMedia(server.app, owner, projectId, bytes), 201);
    expectStatus(await uploadMedia(server.app, owner, projectId, bytes), 200);
    expect(await keys()).toContain(`team-a/media/${hash}`);
    expect(fs.existsSync(path.join(server.dataDir, 'objects', 'media'))).toBe(false);

    const download = expectStatus(await server.app.inject({ method: 'GET', url: `/api/projects/${projectId}/media/${hash}`, headers: owner.headers }), 200);
    expect(Buffer.compare(download.rawPayload, bytes)).toBe(0);
    const missing = expectStatus(await server.app.inject({ method: 'POST', url: `/api/projects/${projectId}/images/missing`, headers: owner.headers, payload: { hashes: [hash] } }), 200).json();
    expect(missing.missing).toEqual([]);
    expect(expectStatus(await push(server.app, owner, projectId, [pushImage(hash, null)]), 200).json().applied).toHaveLength(1);

    const wrong = await uploadMedia(server.app, owner, projectId, Buffer.from('tampered'), sha256(Buffer.from('original')));
    expect(wrong.statusCode).toBe(400);
    expect(await keys()).not.toContain(`team-a/media/${sha256(Buffer.from('original'))}`);
  });

  it('keeps model files in S3 and removes objects no project uses any more', async () => {
    const projectId = await createProject(server.app, owner);
    const media = fakeImage('s3-delete');
    expectStatus(await uploadMedia(server.app, owner, projectId, media), 201);
    const model = expectStatus(await server.app.inject({ method: 'POST', url: `/api/projects/${projectId}/models`, headers: owner.headers, payload: { name: 'm', format: 'onnx', task: 'detect', classes: [] } }), 201).json();
    const weights = crypto.randomBytes(50_000);
    expectStatus(await server.app.inject({ method: 'PUT', url: `/api/models/${model.id}/file`, headers: { ...owner.headers, 'content-type': 'application/octet-stream' }, payload: weights }), 200);
    expect(await keys()).toContain(`team-a/models/${sha256(weights)}`);
    const download = expectStatus(await server.app.inject({ method: 'GET', url: `/api/models/${model.id}/file`, headers: owner.headers }), 200);
    expect(Buffer.compare(download.rawPayload, weights)).toBe(0);

    expectStatus(await server.app.inject({ method: 'DELETE', url: `/api/projects/${projectId}`, headers: owner.headers }), 204);
    const left = await keys();
    expect(left).not.toContain(`team-a/media/${sha256(media)}`);
    expect(left).not.toContain(`team-a/models/${sha256(weights)}`);
  });
});
