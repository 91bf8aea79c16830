/**
 * bench/server: the team server's read endpoints under load, and what a login costs.
 *
 * Starts `reticle-server` on loopback (PGlite in a temp folder; `DATABASE_URL` for PostgreSQL),
 * seeds one account with 50 projects and one project of 2,000 labeled images (8 boxes each), then
 * drives it with autocannon at 100 connections for ~10 s per case:
 *
 * - baseline: `GET /api/health` (no database, no token check), measured in the same run;
 * - `GET /api/projects` (token check + the caller's 51 projects with counts);
 * - `GET /api/projects/:id/labels?limit=100` and `?limit=1000` (a pull page).
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

  async function load(name: string, path: string, withToken: boolean): Promise<CannonResult> {
    const result = await autocannon({ url: `${url}${path}`, connections: CONNECTIONS, duration: SECONDS, headers: withToken ? headers : undefined });
    const failures = result.non2xx + result.errors + result.timeouts;
    console.log(
      `${name.padEnd(34)} ${Math.round(result.requests.average).toString().padStart(6)} req/s   p50 ${fmt(result.latency.p50).padStart(6)} ms   p99 ${fmt(result.latency.p99).padStart(6)} ms` +
        (failures ? `   (${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts)` : ''),
    );
    return result;
  }

  // Warm the caches and the JIT a little before measuring.
  await autocannon({ url: `${url}/api/projects`, connections: 10, duration: 1, headers });
  const baseline = await load('GET /api/health (baseline)', '/api/health', false);
  const reads = [
    { name: 'GET /api/projects (51 projects)', result: await load('GET /api/projects (51 projects)', '/api/projects', true) },
    { name: 'GET labels?limit=100', result: await load('GET labels?limit=100', `/api/projects/${big}/labels?limit=100`, true) },
    { name: 'GET labels?limit=1000', result: await load('GET labels?limit=1000', `/api/projects/${big}/labels?limit=1000`, true) },
  ];
  for (const { name, result } of reads) {
    const ok = result.latency.p99 < 50;
    console.log(
      `  ${name}: ${(result.requests.average / baseline.requests.average).toFixed(2)}× the baseline's req/s, p99 ${(result.latency.p99 / Math.max(baseline.latency.p99, 0.001)).toFixed(1)}× ` +
        `(target p99 < 50 ms: ${ok ? 'met' : 'NOT met'})`,
    );
  }

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
