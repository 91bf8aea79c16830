/**
 * bench/server: the team server's read endpoints under load, and what a login costs.
 *
 * Starts `reticle-server` on loopback (PGlite in a temp folder; `DATABASE_URL` for PostgreSQL),
 * seeds one account with 50 projects and one project of 2,000 labeled images (8 boxes each), then
 * drives it with autocannon at 100 connections for ~10 s per case:
 *
 * - baseline: `GET /api/health` (no database, no token check), measured in the same run;
 * - `GET /api/projects` (token check + the caller's 51 projects with counts);
 * - `GET /api/projects/:id/labels?limit=100`, `?limit=250` (the studio's pull page, PULL_PAGE) and
 *   `?limit=1000` (the largest page the server gives), asking for gzip as the studio's fetch does;
 * - each first with the read cache off (every request a query), then on (the default), and the
 *   1,000 page once more without gzip;
 * - `labels?limit=100` while an annotator pushes 5 times a second (each push empties the cache).
 *
 * Then the login cost: argon2id verify (19 MiB, t=2, p=1), mean of N, and a whole
 * `POST /api/auth/login`. Target: read endpoints p99 under 50 ms.
 *
 *   npm run bench:server [-- --seconds 10 --connections 100]
 */
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { PULL_PAGE } from '@shared';
import { startServer } from '../src-server/app.js';
import { hashPassword, verifyPassword } from '../src-server/auth/passwords.js';

interface Histogram {
  average: number;
  p50: number;
  p99: number;
}
interface CannonResult {
  requests: Histogram & { total: number };
  latency: Histogram;
  non2xx: number;
  errors: number;
  timeouts: number;
}
type Autocannon = (options: { url: string; connections: number; duration: number; headers?: Record<string, string> }) => Promise<CannonResult>;
/**
 * autocannon in a process of its own, as clients on other machines would be: in the server's
 * process it would take half of the server's CPU. Its `--json` report is the same object the
 * library returns.
 */
const autocannon: Autocannon = ({ url, connections, duration, headers }) =>
  new Promise((resolve, reject) => {
    const cli = createRequire(import.meta.url).resolve('autocannon/autocannon.js');
    const args = [cli, '-c', String(connections), '-d', String(duration), '-j'];
    for (const [k, v] of Object.entries(headers ?? {})) args.push('-H', `${k}=${v}`);
    args.push(url);
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.once('error', reject);
    child.once('exit', (code) => {
      try {
        resolve(JSON.parse(out) as CannonResult);
      } catch {
        reject(new Error(`autocannon exited with ${code}: ${err || out}`));
      }
    });
  });

/**
 * A bare `node:http` server in a process of its own that answers every request with `body` and the
 * headers given: what sending those bytes costs here, with no framework, token or database. Big
 * answers are bound by the load generator and loopback on a small machine, and this shows how far.
 */
async function bareServer(body: Buffer, headers: Record<string, string>): Promise<{ url: string; close(): void }> {
  const file = path.join(os.tmpdir(), `reticle-bench-body-${process.pid}-${crypto.randomBytes(4).toString('hex')}`);
  fs.writeFileSync(file, body);
  const script = `
    const body = require('fs').readFileSync(${JSON.stringify(file)});
    const headers = { ...${JSON.stringify(headers)}, 'content-length': body.length };
    const server = require('http').createServer((req, res) => { res.writeHead(200, headers); res.end(body); });
    server.listen(0, '127.0.0.1', () => console.log(server.address().port));`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim())));
    child.once('exit', (code) => reject(new Error(`the bare server exited with ${code}`)));
  });
  return {
    url: `http://127.0.0.1:${port}/`,
    close() {
      child.kill();
      fs.rmSync(file, { force: true });
    },
  };
}

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const SECONDS = arg('seconds', 10);
const CONNECTIONS = arg('connections', 100);
const PROJECTS = 50;
const IMAGES = 2000;
const BOXES = 8;
const LOGINS = arg('logins', 20);
const PASSWORD = 'bench password, long enough';
// A database given by DATABASE_URL may hold an earlier run's account.
const EMAIL = `bench-${Date.now()}@example.test`;

const fmt = (ms: number) => ms.toFixed(1);
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

async function call(url: string, init: RequestInit & { json?: unknown } = {}): Promise<unknown> {
  const { json, ...rest } = init;
  const response = await fetch(url, {
    ...rest,
    headers: { ...(json !== undefined ? { 'content-type': 'application/json' } : {}), ...(rest.headers as Record<string, string>) },
    body: json !== undefined ? JSON.stringify(json) : rest.body,
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${init.method ?? 'GET'} ${url}: ${response.status} ${text.slice(0, 300)}`);
  return text ? JSON.parse(text) : null;
}

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'reticle-bench-server-'));
const server = await startServer({ port: 0, dataDir, databaseUrl: process.env.DATABASE_URL || undefined, rateLimitPerMinute: 0, authRateLimitPerMinute: 0 });
try {
  const { url, app } = server;
  console.log(
    `bench/server: ${server.app.db.kind === 'postgres' ? 'PostgreSQL (DATABASE_URL)' : 'PGlite'}, ${CONNECTIONS} connections, ${SECONDS} s per case; ` +
      `autocannon in a process of its own; ${os.availableParallelism()} cores, ${os.cpus()[0]?.model ?? 'cpu'}`,
  );

  // Seed: one account, 50 projects, one of them with 2,000 labeled images.
  const started = performance.now();
  const pair = (await call(`${url}/api/auth/register`, { method: 'POST', json: { email: EMAIL, password: PASSWORD } })) as { accessToken: string };
  const headers = { authorization: `Bearer ${pair.accessToken}` };
  const ids: string[] = [];
  for (let i = 0; i < PROJECTS; i++) ids.push(((await call(`${url}/api/projects`, { method: 'POST', headers, json: { name: `Project ${i}`, task: 'detect' } })) as { id: string }).id);
  const big = ids[0];
  const hashes = Array.from({ length: IMAGES }, (_, i) => crypto.createHash('sha256').update(`bench image ${i}`).digest('hex'));
  // Media rows straight into the database: the bench reads labels, it does not need the bytes.
  await app.db.query('INSERT INTO project_media (project_id, hash, bytes) SELECT $1, h, 1000 FROM unnest($2::text[]) AS h', [big, hashes]);
  const classes = [
    { name: 'car', color: '#ff0000', order: 0 },
    { name: 'person', color: '#00ff00', order: 1 },
    { name: 'bike', color: '#0000ff', order: 2 },
  ];
  for (let start = 0; start < IMAGES; start += 1000) {
    const images = hashes.slice(start, start + 1000).map((hash, k) => ({
      hash,
      name: `frame_${start + k}.jpg`,
      ext: '.jpg',
      width: 1920,
      height: 1080,
      status: 'done',
      annotations: Array.from({ length: BOXES }, (_, b) => ({ kind: 'box', class: classes[b % 3].name, x: 10 + b * 100, y: 20 + b * 50, w: 80 + b, h: 60 + b })),
      baseRevision: null,
    }));
    const answer = (await call(`${url}/api/projects/${big}/labels/push`, { method: 'POST', headers, json: { classes, images } })) as { applied: unknown[] };
    if (answer.applied.length !== images.length) throw new Error(`the seed push applied ${answer.applied.length} of ${images.length}`);
  }
  console.log(`seeded ${PROJECTS} projects and ${IMAGES} images × ${BOXES} boxes in ${((performance.now() - started) / 1000).toFixed(1)} s`);

  async function load(name: string, path: string, extraHeaders: Record<string, string> | undefined): Promise<CannonResult> {
    const result = await autocannon({ url: `${url}${path}`, connections: CONNECTIONS, duration: SECONDS, headers: extraHeaders });
    const failures = result.non2xx + result.errors + result.timeouts;
    console.log(
      `${name.padEnd(46)} ${Math.round(result.requests.average).toString().padStart(6)} req/s   p50 ${fmt(result.latency.p50).padStart(6)} ms   p99 ${fmt(result.latency.p99).padStart(6)} ms` +
        (failures ? `   (${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts)` : ''),
    );
    return result;
  }

  // The studio's client is Node's fetch, which sends this; pages of images then go gzipped.
  const studio = { ...headers, 'accept-encoding': 'gzip, deflate' };
  const cases = [
    { name: 'GET /api/projects (51 projects)', path: '/api/projects', headers: studio },
    { name: 'GET labels?limit=100', path: `/api/projects/${big}/labels?limit=100`, headers: studio },
    { name: `GET labels?limit=${PULL_PAGE} (the studio's page)`, path: `/api/projects/${big}/labels?limit=${PULL_PAGE}`, headers: studio },
    { name: 'GET labels?limit=1000 (the largest page)', path: `/api/projects/${big}/labels?limit=1000`, headers: studio },
  ];
  const LARGEST = 3;

  // Warm the JIT a little before measuring.
  await autocannon({ url: `${url}/api/projects`, connections: 10, duration: 1, headers });
  const baseline = await load('GET /api/health (baseline)', '/api/health', undefined);

  console.log('read cache off (every request queries the database):');
  app.readCache.setEnabled(false);
  const uncached: CannonResult[] = [];
  for (const c of cases) uncached.push(await load(`  ${c.name}`, c.path, c.headers));

  console.log('read cache on (the default):');
  app.readCache.setEnabled(true);
  const before = { ...app.readCache.stats };
  const reads: Array<{ name: string; result: CannonResult }> = [];
  for (const c of cases) reads.push({ name: c.name, result: await load(`  ${c.name}`, c.path, c.headers) });
  const hits = app.readCache.stats.hits - before.hits;
  const misses = app.readCache.stats.misses - before.misses;
  console.log(`  cache: ${hits} answers from memory, ${misses} queries (${((100 * hits) / Math.max(1, hits + misses)).toFixed(2)}% hits)`);
  const identity = await load('  GET labels?limit=1000, no gzip asked', `/api/projects/${big}/labels?limit=1000`, headers);

  // Reads while an annotator pushes: every push empties the cache.
  const PUSHES_PER_SECOND = 5;
  let pushes = 0;
  let pushing = true;
  const pusher = (async () => {
    while (pushing) {
      const t = performance.now();
      const image = { hash: hashes[pushes % IMAGES], name: `img-${pushes % IMAGES}.jpg`, ext: '.jpg', width: 1920, height: 1080, status: 'done',
        annotations: [{ kind: 'box', class: 'car', x: pushes % 500, y: 10, w: 50, h: 50 }], baseRevision: null as number | null };
      // The image's revision, as the studio knows it from its last pull.
      const current = (await app.db.query<{ revision: number }>('SELECT revision FROM project_images WHERE project_id = $1 AND hash = $2', [big, image.hash]))[0];
      image.baseRevision = current ? Number(current.revision) : null;
      await call(`${url}/api/projects/${big}/labels/push`, { method: 'POST', headers, json: { classes, images: [image] } });
      pushes += 1;
      await new Promise((r) => setTimeout(r, Math.max(0, 1000 / PUSHES_PER_SECOND - (performance.now() - t))));
    }
  })();
  console.log('read cache on, while an annotator pushes:');
  const mixed = await load(`  GET labels?limit=100 while ${PUSHES_PER_SECOND} pushes/s land`, `/api/projects/${big}/labels?limit=100`, studio);
  pushing = false;
  await pusher;
  console.log(`  (${pushes} pushes applied meanwhile)`);

  // The same bytes from a bare server: how much of the big page's time is just moving its bytes.
  console.log('a bare node:http server sending the same bytes as the 1,000 page (no framework, token or database):');
  const page = await fetch(`${url}${cases[LARGEST].path}`, { headers: { authorization: headers.authorization, 'accept-encoding': 'identity' } });
  const pageBytes = Buffer.from(await page.arrayBuffer());
  const gzipped = zlib.gzipSync(pageBytes, { level: 6 });
  const bare: CannonResult[] = [];
  for (const [label, body, extra] of [
    [`gzipped, ${(gzipped.length / 1024).toFixed(0)} KiB`, gzipped, { 'content-encoding': 'gzip' }],
    [`plain, ${(pageBytes.length / 1024).toFixed(0)} KiB`, pageBytes, {}],
  ] as const) {
    const server = await bareServer(body, { 'content-type': 'application/json; charset=utf-8', ...extra });
    try {
      const result = await autocannon({ url: server.url, connections: CONNECTIONS, duration: SECONDS });
      console.log(`${`  ${label}`.padEnd(46)} ${Math.round(result.requests.average).toString().padStart(6)} req/s   p50 ${fmt(result.latency.p50).padStart(6)} ms   p99 ${fmt(result.latency.p99).padStart(6)} ms`);
      bare.push(result);
    } finally {
      server.close();
    }
  }

  console.log('against the baseline and the target:');
  reads.forEach(({ name, result }, i) => {
    console.log(
      `  ${name}: ${(result.requests.average / baseline.requests.average).toFixed(2)}× the baseline's req/s, ` +
        `${(result.requests.average / uncached[i].requests.average).toFixed(1)}× the uncached req/s; p99 ${fmt(result.latency.p99)} ms ` +
        `(target p99 < 50 ms: ${result.latency.p99 < 50 ? 'met' : 'NOT met'})`,
    );
  });
  console.log(
    `  labels?limit=1000: ${(reads[LARGEST].result.requests.average / bare[0].requests.average).toFixed(2)}× the req/s of a bare server sending the same gzipped bytes ` +
      `(p99 ${fmt(reads[LARGEST].result.latency.p99)} against ${fmt(bare[0].latency.p99)} ms); without gzip ${(identity.requests.average / bare[1].requests.average).toFixed(2)}× ` +
      `(p99 ${fmt(identity.latency.p99)} against ${fmt(bare[1].latency.p99)} ms)`,
  );
  const pageImages = (i: number) => Number(new URL(cases[i].path, url).searchParams.get('limit'));
  console.log(
    `  images a second pulled, by page size: ${[1, 2, LARGEST].map((i) => `${pageImages(i)}: ${Math.round(reads[i].result.requests.average * pageImages(i))}`).join(', ')}`,
  );
  console.log(`  labels?limit=100 under pushes: p99 ${fmt(mixed.latency.p99)} ms (${mixed.latency.p99 < 50 ? 'under' : 'over'} 50 ms)`);

  // The login cost: argon2id verify alone, and the whole route.
  const hash = await hashPassword(PASSWORD);
  const verifies: number[] = [];
  for (let i = 0; i < LOGINS; i++) {
    const t = performance.now();
    if (!(await verifyPassword(hash, PASSWORD))) throw new Error('argon2 verify failed');
    verifies.push(performance.now() - t);
  }
  const logins: number[] = [];
  for (let i = 0; i < LOGINS; i++) {
    const t = performance.now();
    await call(`${url}/api/auth/login`, { method: 'POST', json: { email: EMAIL, password: PASSWORD } });
    logins.push(performance.now() - t);
  }
  console.log(`argon2id verify (19 MiB, t=2, p=1): mean ${fmt(mean(verifies))} ms of ${LOGINS}`);
  console.log(`POST /api/auth/login, one at a time: mean ${fmt(mean(logins))} ms of ${LOGINS} (one argon2id verify, a token signed, a refresh token stored)`);
} finally {
  await server.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
}
