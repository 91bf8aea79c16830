/**
 * The server's read cache: repeated reads come from memory, and no change, this server's or
 * another's, ever leaves an old answer to be served. Unit tests of the cache itself, then what a
 * studio sees through the routes on both databases, then two servers on one PostgreSQL.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { buildServer } from '../../../src-server/app.js';
import { mayWrite, ReadCache } from '../../../src-server/db/read-cache.js';
import { acceptsGzip, JsonBody } from '../../../src-server/json-body.js';
import { BACKENDS, createProject, expectStatus, push, pushImage, register, seedMedia, share, startTestServer, type TestServer } from './harness.js';
import { createTestDatabase, postgresSkipReason } from './postgres.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describe('ReadCache', () => {
  it('answers a repeated read from memory, and reads again after a change', async () => {
    const cache = new ReadCache();
    let reads = 0;
    const read = async () => `answer ${++reads}`;
    expect(await cache.get('k', read)).toBe('answer 1');
    expect(await cache.get('k', read)).toBe('answer 1');
    cache.changed();
    expect(await cache.get('k', read)).toBe('answer 2');
    expect(cache.stats).toMatchObject({ hits: 1, misses: 2 });
  });

  it('does not keep an answer whose read was running when a change happened', async () => {
    const cache = new ReadCache();
    const slow = deferred<string>();
    const first = cache.get('k', () => slow.promise);
    cache.changed(); // a write lands while the read is still running
    slow.resolve('old');
    expect(await first).toBe('old');
    expect(await cache.get('k', async () => 'new')).toBe('new');
  });

  it('runs identical reads that arrive together once, but not across a change', async () => {
    const cache = new ReadCache();
    let reads = 0;
    const gate = deferred<void>();
    const read = async () => {
      const n = ++reads;
      await gate.promise;
      return `answer ${n}`;
    };
    const a = cache.get('k', read);
    const b = cache.get('k', read);
    cache.changed();
    const c = cache.get('k', read);
    gate.resolve();
    expect(await Promise.all([a, b, c])).toEqual(['answer 1', 'answer 1', 'answer 2']);
    expect(reads).toBe(2);
  });

  it('forgets a failed read, so the next one tries again', async () => {
    const cache = new ReadCache();
    await expect(cache.get('k', async () => Promise.reject(new Error('database down')))).rejects.toThrow('database down');
    expect(await cache.get('k', async () => 'back')).toBe('back');
  });

  it('keeps nothing while off, and starts empty when turned back on', async () => {
    const cache = new ReadCache();
    let reads = 0;
    const read = async () => ++reads;
    await cache.get('k', read);
    cache.setEnabled(false);
    await cache.get('k', read);
    await cache.get('k', read);
    expect(reads).toBe(3);
    cache.setEnabled(true);
    expect(await cache.get('k', read)).toBe(4);
    expect(await cache.get('k', read)).toBe(4);
  });

  it('stays within its memory budget, dropping the least recently used first', async () => {
    const cache = new ReadCache({ maxBytes: 4000 });
    const sized = (n: number) => async () => 'x'.repeat(n);
    await cache.get('a', sized(900));
    await cache.get('b', sized(900));
    await cache.get('c', sized(900));
    await cache.get('d', sized(900)); // four fit in 4000 bytes, with the per-entry overhead
    await cache.get('a', sized(900)); // a is used again: b is now the oldest
    await cache.get('e', sized(900)); // a fifth does not fit: b goes
    let reread = 0;
    await cache.get('a', async () => `${++reread}`);
    await cache.get('b', async () => `${++reread}`);
    expect(reread).toBe(1);
  });
});

describe('mayWrite', () => {
  it.each([
    ['SELECT role FROM project_members WHERE project_id = $1', false],
    ['  with counter AS (SELECT revision FROM projects) SELECT * FROM counter', false],
    ['SELECT updated_at, updated_by FROM project_images', false],
    ['INSERT INTO projects (id) VALUES ($1)', true],
    ['UPDATE projects SET name = $2', true],
    ['DELETE FROM projects WHERE id = $1', true],
    ['WITH gone AS (DELETE FROM models RETURNING id) SELECT count(*) FROM gone', true],
    ['SELECT revision FROM projects WHERE id = $1 FOR UPDATE', true],
    ['SELECT pg_advisory_xact_lock($1)', true],
    ['CREATE TABLE t (id int)', true],
    ['VACUUM', true],
  ])('%s → %s', (sql, expected) => {
    expect(mayWrite(sql)).toBe(expected);
  });
});

describe('gzip answers', () => {
  it.each([
    ['gzip, deflate', true],
    ['gzip, deflate, br, zstd', true],
    ['br;q=1.0, gzip;q=0.8', true],
    ['*', true],
    ['identity', false],
    ['gzip;q=0', false],
    ['deflate', false],
    [undefined, false],
  ])('Accept-Encoding %s → %s', (header, expected) => {
    expect(acceptsGzip(header)).toBe(expected);
  });

  it('compresses once and keeps the copy', async () => {
    const body = new JsonBody(JSON.stringify({ images: Array.from({ length: 200 }, (_, i) => ({ i, name: `img-${i}.jpg` })) }));
    const first = await body.gzip();
    expect(await body.gzip()).toBe(first);
    expect(gunzipSync(first).equals(body.bytes)).toBe(true);
    expect(first.length).toBeLessThan(body.bytes.length / 3);
  });
});

for (const backend of BACKENDS) describe(`read answers stay fresh on ${backend.name}`, () => {
  async function server(): Promise<TestServer> {
    const s = await startTestServer(backend, { rateLimitPerMinute: 0 });
    cleanups.push(() => s.close());
    return s;
  }

  it.skipIf(backend.skip)('a member taken off a project loses it at once, though their reads were cached', async () => {
    const { app } = await server();
    const owner = await register(app);
    const member = await register(app);
    const id = await createProject(app, owner);
    await share(app, owner, id, member, 'viewer');
    // Read twice: the second answers come from the cache.
    for (let i = 0; i < 2; i++) {
      expectStatus(await app.inject({ url: `/api/projects/${id}/labels`, headers: member.headers }), 200);
      expect((await app.inject({ url: '/api/projects', headers: member.headers })).json()).toHaveLength(1);
    }
    expect(app.readCache.stats.hits).toBeGreaterThan(0);
    expectStatus(await app.inject({ method: 'DELETE', url: `/api/projects/${id}/members/${member.id}`, headers: owner.headers }), 204);
    expectStatus(await app.inject({ url: `/api/projects/${id}/labels`, headers: member.headers }), 404);
    expect((await app.inject({ url: '/api/projects', headers: member.headers })).json()).toEqual([]);
  });

  it.skipIf(backend.skip)('a pull right after a push sees it, and a renamed project is listed by its new name', async () => {
    const { app } = await server();
    const owner = await register(app);
    const id = await createProject(app, owner, 'Before');
    const [hash] = await seedMedia(app, owner, id, 1);
    const pull = async () => (await app.inject({ url: `/api/projects/${id}/labels?since=0`, headers: owner.headers })).json();
    expect((await pull()).images).toEqual([]);
    expect((await pull()).images).toEqual([]);
    expectStatus(await push(app, owner, id, [pushImage(hash, null)]), 200);
    const after = await pull();
    expect(after.images.map((i: { hash: string }) => i.hash)).toEqual([hash]);
    expect(after.cursor).toBe(1);

    expect((await app.inject({ url: '/api/projects', headers: owner.headers })).json()[0].name).toBe('Before');
    expectStatus(await app.inject({ method: 'PATCH', url: `/api/projects/${id}`, headers: owner.headers, payload: { name: 'After' } }), 200);
    expect((await app.inject({ url: '/api/projects', headers: owner.headers })).json()[0]).toMatchObject({ name: 'After', imageCount: 1, revision: 1 });
  });

  it.skipIf(backend.skip)('sends big answers gzipped to clients that ask, the same JSON either way', async () => {
    const { app } = await server();
    const owner = await register(app);
    const id = await createProject(app, owner);
    const hashes = await seedMedia(app, owner, id, 30);
    expectStatus(await push(app, owner, id, hashes.map((h) => pushImage(h, null))), 200);
    const url = `/api/projects/${id}/labels?since=0`;
    const zipped = await app.inject({ url, headers: { ...owner.headers, 'accept-encoding': 'gzip, deflate' } });
    const plain = await app.inject({ url, headers: { ...owner.headers, 'accept-encoding': 'identity' } });
    expect(zipped.headers['content-encoding']).toBe('gzip');
    expect(zipped.headers.vary).toMatch(/accept-encoding/i);
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(JSON.parse(gunzipSync(zipped.rawPayload).toString())).toEqual(plain.json());
    expect(plain.json().images).toHaveLength(30);
  });
});

describe(`two servers on one ${postgresSkipReason ? `PostgreSQL (skipped: ${postgresSkipReason})` : 'PostgreSQL'}`, () => {
  const skip = postgresSkipReason !== null;
  const SECRET = 'a test secret that is long enough to sign tokens';

  async function pair() {
    const database = await createTestDatabase();
    const dirs = [0, 1].map(() => fs.mkdtempSync(path.join(os.tmpdir(), 'reticle-server-pair-')));
    const a = await buildServer({ dataDir: dirs[0], databaseUrl: database.url, jwtSecret: SECRET, rateLimitPerMinute: 0 });
    const b = await buildServer({ dataDir: dirs[1], databaseUrl: database.url, jwtSecret: SECRET, rateLimitPerMinute: 0 });
    cleanups.push(async () => {
      await a.close();
      await b.close();
      await database.drop();
      for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
    });
    return { a, b, url: database.url };
  }

  // `ms` is a hang guard, not a speed limit: the notification and the reconnect (tried each
  // second) take moments, which on a busy machine can be seconds.
  const until = async (what: () => Promise<boolean>, ms = 30_000) => {
    const end = Date.now() + ms;
    while (!(await what())) {
      if (Date.now() > end) throw new Error('timed out');
      await new Promise((r) => setTimeout(r, 20));
    }
  };

  it.skipIf(skip)("one server's writes reach the other's cached reads", async () => {
    const { a, b } = await pair();
    const owner = await register(a);
    const id = await createProject(a, owner, 'Made on A');
    const list = async (app: typeof a) => (await app.inject({ url: '/api/projects', headers: owner.headers })).json() as Array<{ name: string }>;
    expect((await list(a)).map((p) => p.name)).toEqual(['Made on A']);
    expect((await list(a)).map((p) => p.name)).toEqual(['Made on A']); // now cached on A
    expectStatus(await b.inject({ method: 'PATCH', url: `/api/projects/${id}`, headers: owner.headers, payload: { name: 'Renamed on B' } }), 200);
    // B's commit notifies A within moments; A then reads again.
    await until(async () => (await list(a))[0].name === 'Renamed on B');
  });

  it.skipIf(skip)('stops caching while it cannot hear the others, and starts again once it can', async () => {
    const { a, b, url } = await pair();
    const owner = await register(a);
    const id = await createProject(a, owner, 'First');
    const list = async () => ((await a.inject({ url: '/api/projects', headers: owner.headers })).json() as Array<{ name: string }>)[0].name;
    await list();
    // Cut A's LISTEN connection, as a database restart or a network drop would.
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      const killed = await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND query ILIKE 'LISTEN%'");
      expect(killed.rowCount).toBeGreaterThanOrEqual(2); // A's and B's
    } finally {
      await admin.end();
    }
    await until(async () => !a.readCache.isEnabled);
    // While deaf, a change on B is seen by A's very next read.
    expectStatus(await b.inject({ method: 'PATCH', url: `/api/projects/${id}`, headers: owner.headers, payload: { name: 'Second' } }), 200);
    expect(await list()).toBe('Second');
    // It listens again (retried each second) and caches again.
    await until(async () => a.readCache.isEnabled);
    const hits = a.readCache.stats.hits;
    await list();
    await list();
    expect(a.readCache.stats.hits).toBeGreaterThan(hits);
    expectStatus(await b.inject({ method: 'PATCH', url: `/api/projects/${id}`, headers: owner.headers, payload: { name: 'Third' } }), 200);
    await until(async () => (await list()) === 'Third');
  });
});
