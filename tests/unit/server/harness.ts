/**
 * The server under test, on PGlite or a real PostgreSQL, with the calls tests make again and again:
 * accounts, projects, media, pushes.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import type { PushImage, TokenPair, WireAnnotation, WireClass } from '@shared';
import { buildServer, type ServerOptions } from '../../../src-server/app.js';
import { createTestDatabase, postgresSkipReason, type TestDatabase } from './postgres.js';

export interface Backend {
  /** Shown in the test names: says why when it is skipped. */
  name: string;
  kind: 'pglite' | 'postgres';
  skip: boolean;
}

/** Every suite that touches the database runs on both. */
export const BACKENDS: Backend[] = [
  { name: 'PGlite', kind: 'pglite', skip: false },
  { name: postgresSkipReason ? `PostgreSQL (skipped: ${postgresSkipReason})` : 'PostgreSQL', kind: 'postgres', skip: postgresSkipReason !== null },
];

export interface TestServer {
  app: FastifyInstance;
  dataDir: string;
  close(): Promise<void>;
}

/**
 * An empty PGlite cluster made once and copied for every test server: PGlite's initdb takes
 * seconds, opening a copy a fraction of one. Kept in the temp folder, per PGlite version.
 */
export async function pgliteTemplate(): Promise<string> {
  const manifest = path.resolve(import.meta.dirname, '../../../node_modules/@electric-sql/pglite/package.json');
  const { version } = JSON.parse(fs.readFileSync(manifest, 'utf8')) as { version: string };
  const dir = path.join(os.tmpdir(), `reticle-test-pglite-template-${version}`);
  if (fs.existsSync(path.join(dir, 'PG_VERSION'))) return dir;
  const staging = `${dir}.${process.pid}.${Date.now()}`;
  const db = await PGlite.create(staging);
  await db.close();
  try {
    fs.renameSync(staging, dir);
  } catch {
    // Another test file made it first.
    fs.rmSync(staging, { recursive: true, force: true });
  }
  return dir;
}

/** Gives a data folder a copy of the empty PGlite cluster, so the server skips initdb. */
export async function seedPglite(dataDir: string): Promise<void> {
  fs.cpSync(await pgliteTemplate(), path.join(dataDir, 'pglite'), { recursive: true });
}

/** Builds a server on `backend` in a temp folder; `close` removes the folder and drops the database. */
export async function startTestServer(backend: Backend, options: Partial<ServerOptions> = {}): Promise<TestServer> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'reticle-server-test-'));
  let database: TestDatabase | undefined;
  if (backend.kind === 'postgres') database = await createTestDatabase();
  else await seedPglite(dataDir);
  const app = await buildServer({ dataDir, databaseUrl: database?.url, jwtSecret: 'a test secret that is long enough to sign tokens', ...options });
  return {
    app,
    dataDir,
    async close() {
      await app.close();
      await database?.drop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

let counter = 0;
/** An email no other test uses. */
export const uniqueEmail = (label = 'user') => `${label}-${process.pid}-${++counter}-${crypto.randomBytes(3).toString('hex')}@example.test`;
export const PASSWORD = 'correct horse battery staple';

export interface Account {
  email: string;
  id: string;
  token: string;
  refreshToken: string;
  headers: Record<string, string>;
}

const toAccount = (pair: TokenPair): Account => ({
  email: pair.user.email,
  id: pair.user.id,
  token: pair.accessToken,
  refreshToken: pair.refreshToken,
  headers: bearer(pair.accessToken),
});

export function expectStatus(response: LightMyRequestResponse, status: number): LightMyRequestResponse {
  if (response.statusCode !== status) throw new Error(`expected ${status}, got ${response.statusCode}: ${response.body.slice(0, 500)}`);
  return response;
}

/** Registers an account (the first on a server becomes admin). */
export async function register(app: FastifyInstance, email = uniqueEmail()): Promise<Account> {
  const response = await app.inject({ method: 'POST', url: '/api/auth/register', payload: { email, password: PASSWORD } });
  return toAccount(expectStatus(response, 201).json());
}

export async function login(app: FastifyInstance, email: string, password = PASSWORD): Promise<LightMyRequestResponse> {
  return app.inject({ method: 'POST', url: '/api/auth/login', payload: { email, password } });
}

export async function createProject(app: FastifyInstance, owner: Account, name = 'Shared project', task: 'detect' | 'classify' = 'detect'): Promise<string> {
  const response = await app.inject({ method: 'POST', url: '/api/projects', headers: owner.headers, payload: { name, task } });
  return expectStatus(response, 201).json().id;
}

export async function share(app: FastifyInstance, owner: Account, projectId: string, member: Account, role: 'viewer' | 'annotator' | 'owner'): Promise<void> {
  const response = await app.inject({ method: 'PUT', url: `/api/projects/${projectId}/members`, headers: owner.headers, payload: { email: member.email, role } });
  expectStatus(response, 200);
}

export const sha256 = (bytes: Buffer) => crypto.createHash('sha256').update(bytes).digest('hex');

/** Some bytes standing for an image, different per seed. */
export const fakeImage = (seed: string | number) => Buffer.from(`not really a JPEG, but bytes all the same: ${seed}`);

export async function uploadMedia(app: FastifyInstance, who: Account, projectId: string, bytes: Buffer, hash = sha256(bytes)): Promise<LightMyRequestResponse> {
  return app.inject({ method: 'PUT', url: `/api/projects/${projectId}/media/${hash}`, headers: { ...who.headers, 'content-type': 'application/octet-stream' }, payload: bytes });
}

export const CLASSES: WireClass[] = [
  { name: 'cat', color: '#ff0000', order: 0 },
  { name: 'dog', color: '#00ff00', order: 1 },
];

export function pushImage(hash: string, baseRevision: number | null, annotations: WireAnnotation[] = [{ kind: 'box', class: 'cat', x: 10, y: 20, w: 30, h: 40 }], status: PushImage['status'] = 'done'): PushImage {
  return { hash, name: `${hash.slice(0, 8)}.jpg`, ext: '.jpg', width: 640, height: 480, status, annotations, baseRevision };
}

export async function push(app: FastifyInstance, who: Account, projectId: string, images: PushImage[], classes = CLASSES): Promise<LightMyRequestResponse> {
  return app.inject({ method: 'POST', url: `/api/projects/${projectId}/labels/push`, headers: who.headers, payload: { classes, images } });
}

/** Uploads media for `count` images and answers their hashes. */
export async function seedMedia(app: FastifyInstance, who: Account, projectId: string, count: number, label = 'img'): Promise<string[]> {
  const hashes: string[] = [];
  for (let i = 0; i < count; i++) {
    const bytes = fakeImage(`${label}-${projectId}-${i}`);
    expectStatus(await uploadMedia(app, who, projectId, bytes), 201);
    hashes.push(sha256(bytes));
  }
  return hashes;
}
