/**
 * `reticle-server` as a process of its own (the command, from source), on PGlite in a temp data
 * folder or on a database of the run's PostgreSQL, for tests that need a real process: races
 * between requests, and the data folder's lock.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TokenPair } from '@shared';
import type { Backend } from './harness.js';
import { PASSWORD, seedPglite, uniqueEmail } from './harness.js';
import { createTestDatabase, type TestDatabase } from './postgres.js';

export const ROOT = path.resolve(import.meta.dirname, '../../..');

export interface ServerProcess {
  url: string;
  child: ChildProcess;
  dataDir: string;
  /** Everything it printed so far. */
  output(): string;
  /** The server's own pid: under a wrapper, the wrapper's child. */
  serverPid(): number;
  /** SIGTERM, then waits for the exit; removes the data folder and drops the database. */
  stop(): Promise<void>;
}

export interface SpawnOptions {
  /** An existing data folder (kept by stop()); default a new temp one, seeded with PGlite. */
  dataDir?: string;
  env?: NodeJS.ProcessEnv;
  /** Runs the command under another program, e.g. `['unshare', '-pf', '--mount-proc']`. */
  wrapper?: string[];
}

/** Spawns the command; resolves once it prints where it listens, rejects with its output if it exits first. */
export async function spawnServer(backend: Backend, options: SpawnOptions = {}): Promise<ServerProcess> {
  const ownDir = !options.dataDir;
  const dataDir = options.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'reticle-server-proc-'));
  let database: TestDatabase | undefined;
  if (backend.kind === 'postgres') database = await createTestDatabase();
  else if (ownDir) await seedPglite(dataDir);
  const argv = [process.execPath, path.join(ROOT, 'scripts/run-ts.mjs'), 'src-server/cli.ts', '--port', '0', '--data', dataDir];
  const [cmd, ...args] = [...(options.wrapper ?? []), ...argv];
  const child = spawn(cmd, args, {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      LOG_LEVEL: 'warn',
      RATE_LIMIT_PER_MINUTE: '0',
      JWT_SECRET: 'a test secret that is long enough to sign tokens',
      ...(database ? { DATABASE_URL: database.url } : {}),
      ...options.env,
    },
  });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const cleanUp = async () => {
    // run-ts names its bundle by pid and leaves it behind when the command calls process.exit.
    if (!options.wrapper) fs.rmSync(path.join(ROOT, '.bench', 'run', `cli-${child.pid}.mjs`), { force: true });
    await database?.drop();
    if (ownDir) fs.rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const look = () => {
        const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
        if (match) resolve(match[1]);
      };
      child.stdout!.on('data', look);
      child.once('exit', (code, signal) => reject(new Error(`reticle-server exited (${code ?? signal}) before it listened: ${out}`)));
    });
    const serverPid = () => (options.wrapper ? (childrenOf(child.pid!)[0] ?? child.pid!) : child.pid!);
    return {
      url,
      child,
      dataDir,
      output: () => out,
      serverPid,
      async stop() {
        // A wrapper (unshare) may ignore SIGTERM: the server gets it.
        if (child.exitCode === null && child.signalCode === null) process.kill(serverPid(), 'SIGTERM');
        await exited;
        await cleanUp();
      },
    };
  } catch (err) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
    await cleanUp();
    throw err;
  }
}

/** The pids of a process's children (Linux). */
export function childrenOf(pid: number): number[] {
  try {
    return fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** A small client for one server process: JSON calls with a bearer token. */
export class ServerClient {
  token = '';

  constructor(readonly url: string) {}

  call(pathname: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.token) headers.set('authorization', `Bearer ${this.token}`);
    if (typeof init.body === 'string') headers.set('content-type', 'application/json');
    return fetch(`${this.url}${pathname}`, { ...init, headers });
  }

  async json<T = unknown>(method: string, pathname: string, body?: unknown): Promise<{ status: number; body: T }> {
    const response = await this.call(pathname, { method, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : null) as T };
  }

  /** Registers a new account and signs this client in as it. */
  async register(email = uniqueEmail()): Promise<TokenPair> {
    const answer = await this.json<TokenPair>('POST', '/api/auth/register', { email, password: PASSWORD });
    if (answer.status !== 201) throw new Error(`register answered ${answer.status}: ${JSON.stringify(answer.body)}`);
    this.token = answer.body.accessToken;
    return answer.body;
  }

  upload(projectId: string, hash: string, bytes: Buffer): Promise<Response> {
    return this.call(`/api/projects/${projectId}/media/${hash}`, { method: 'PUT', headers: { 'content-type': 'application/octet-stream' }, body: new Uint8Array(bytes) });
  }
}

/** Runs `work` over `items`, at most `limit` at once. */
export async function eachLimited<T>(items: T[], limit: number, work: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const runners = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      await work(items[i], i);
    }
  });
  await Promise.all(runners);
}
