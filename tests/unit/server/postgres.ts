/**
 * A real PostgreSQL for the server tests: one throwaway cluster per test run, one database per
 * test file.
 *
 * - `TEST_DATABASE_URL` set: that server is used (its user must be allowed to CREATE DATABASE).
 * - Else PostgreSQL's binaries (initdb, pg_ctl, postgres in /usr/lib/postgresql/N/bin or on PATH)
 *   start a cluster in a temp folder: trust auth, 127.0.0.1 on a free port, its socket in the same
 *   folder. Run as root, it runs as the `postgres` user (initdb refuses root).
 * - Else (or with RETICLE_TEST_POSTGRES=0) the PostgreSQL tests are skipped, saying why in their name.
 *
 * The first test file of a run to ask starts the cluster; the others find it by the run's process
 * id (forked workers share their parent), and a small watchdog stops it when the run ends.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';

const TOOLS = ['initdb', 'pg_ctl', 'postgres'];

function findBinDir(): string | null {
  const candidates: string[] = [];
  const base = '/usr/lib/postgresql';
  if (fs.existsSync(base)) {
    for (const v of fs.readdirSync(base).sort((a, b) => Number(b) - Number(a))) candidates.push(path.join(base, v, 'bin'));
  }
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) if (dir) candidates.push(dir);
  return candidates.find((dir) => TOOLS.every((t) => fs.existsSync(path.join(dir, t)))) ?? null;
}

const binDir = process.env.TEST_DATABASE_URL ? null : findBinDir();
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

function rootCanRunAsPostgres(): boolean {
  if (!isRoot) return true;
  return spawnSync('runuser', ['-u', 'postgres', '--', 'true']).status === 0;
}

/** Why PostgreSQL tests cannot run here; null when they can. */
export const postgresSkipReason: string | null = process.env.TEST_DATABASE_URL
  ? null
  : process.env.RETICLE_TEST_POSTGRES === '0'
    ? 'RETICLE_TEST_POSTGRES=0'
    : !binDir
    ? 'no PostgreSQL binaries (initdb, pg_ctl) in /usr/lib/postgresql/*/bin or on PATH; install postgresql or set TEST_DATABASE_URL'
    : !rootCanRunAsPostgres()
      ? 'running as root and there is no `postgres` user to run initdb as'
      : null;

/** Runs a PostgreSQL tool, as the postgres user when we are root. */
function run(tool: string, args: string[]): string {
  const exe = path.join(binDir!, tool);
  const [cmd, argv] = isRoot ? ['runuser', ['-u', 'postgres', '--', exe, ...args]] : [exe, args];
  return execFileSync(cmd, argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Stops the cluster and removes its folder once `pid` (the test run) has exited. */
function startWatchdog(runPid: number, dir: string, dataDir: string): void {
  const pgCtl = path.join(binDir!, 'pg_ctl');
  const stopCmd = isRoot ? ['runuser', ['-u', 'postgres', '--', pgCtl, 'stop', '-D', dataDir, '-m', 'immediate']] : [pgCtl, ['stop', '-D', dataDir, '-m', 'immediate']];
  const script = `
    const { spawnSync } = require('node:child_process');
    const fs = require('node:fs');
    const alive = () => { try { process.kill(${runPid}, 0); return true; } catch { return false; } };
    const timer = setInterval(() => {
      if (alive()) return;
      clearInterval(timer);
      spawnSync(${JSON.stringify(stopCmd[0])}, ${JSON.stringify(stopCmd[1])}, { stdio: 'ignore' });
      fs.rmSync(${JSON.stringify(dir)}, { recursive: true, force: true });
    }, 500);`;
  spawn(process.execPath, ['-e', script], { detached: true, stdio: 'ignore' }).unref();
}

interface ClusterInfo {
  url: string;
}

/** Starts the run's cluster, or waits for the file that started it. Answers an admin URL. */
async function runCluster(): Promise<string> {
  if (process.env.TEST_DATABASE_URL) return process.env.TEST_DATABASE_URL;
  const runPid = process.ppid;
  const dir = path.join(os.tmpdir(), `reticle-test-pg-${runPid}`);
  const readyFile = path.join(dir, 'ready.json');
  let mine = false;
  try {
    fs.mkdirSync(dir);
    mine = true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  if (!mine) {
    for (let i = 0; i < 1200; i++) {
      if (fs.existsSync(readyFile)) return (JSON.parse(fs.readFileSync(readyFile, 'utf8')) as ClusterInfo).url;
      if (fs.existsSync(path.join(dir, 'failed'))) throw new Error(`The test PostgreSQL failed to start: ${fs.readFileSync(path.join(dir, 'failed'), 'utf8')}`);
      await sleep(100);
    }
    throw new Error(`The test PostgreSQL in ${dir} did not become ready in 120 s.`);
  }
  try {
    const dataDir = path.join(dir, 'data');
    const socketDir = path.join(dir, 'sock');
    fs.mkdirSync(dataDir, { mode: 0o700 });
    fs.mkdirSync(socketDir);
    if (isRoot) execFileSync('chown', ['-R', 'postgres:postgres', dir]);
    startWatchdog(runPid, dir, dataDir);
    run('initdb', ['-D', dataDir, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C']);
    let lastError: unknown;
    for (let attempt = 0; attempt < 5; attempt++) {
      const port = await freePort();
      try {
        run('pg_ctl', [
          'start', '-D', dataDir, '-w', '-t', '60', '-l', path.join(dir, 'postgres.log'),
          '-o', `-p ${port} -k ${socketDir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200`,
        ]);
        const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
        fs.writeFileSync(readyFile, JSON.stringify({ url } satisfies ClusterInfo));
        return url;
      } catch (err) {
        lastError = err;
      }
    }
    throw lastError;
  } catch (err) {
    const detail = (err as { stderr?: string }).stderr || (err as Error).message;
    fs.writeFileSync(path.join(dir, 'failed'), String(detail));
    throw new Error(`Could not start a test PostgreSQL: ${detail}`);
  }
}

export interface TestDatabase {
  url: string;
  /** Drops the database (the cluster stops when the run ends). */
  drop(): Promise<void>;
}

/** A fresh, empty database on the run's PostgreSQL, for one test file. */
export async function createTestDatabase(): Promise<TestDatabase> {
  if (postgresSkipReason) throw new Error(postgresSkipReason);
  const adminUrl = await runCluster();
  const name = `reticle_test_${crypto.randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}
