/** The server over real HTTP on loopback: limits, malformed input, headers, docs, and the command itself. */
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../../../src-server/app.js';
import { PASSWORD, seedPglite, sha256, uniqueEmail } from './harness.js';

const ROOT = path.resolve(import.meta.dirname, '../../..');

describe('the server over HTTP (PGlite)', () => {
  let dataDir: string;
  let server: Awaited<ReturnType<typeof startServer>>;
  let token: string;
  let projectId: string;
  const LIMIT = 64 * 1024;

  const call = (url: string, init: RequestInit = {}) => fetch(`${server.url}${url}`, init);
  const authed = (extra: Record<string, string> = {}) => ({ authorization: `Bearer ${token}`, ...extra });

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'reticle-server-http-'));
    await seedPglite(dataDir);
    server = await startServer({ port: 0, dataDir, jsonBodyLimit: 16 * 1024, maxUploadBytes: LIMIT, corsOrigins: ['https://labels.example.org'] });
    const reg = await call('/api/auth/register', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: uniqueEmail(), password: PASSWORD }) });
    token = (await reg.json()).accessToken;
    const created = await call('/api/projects', { method: 'POST', headers: authed({ 'content-type': 'application/json' }), body: JSON.stringify({ name: 'HTTP', task: 'detect' }) });
    projectId = (await created.json()).id;
  });
  afterAll(async () => {
    await server?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('listens on the loopback port it reports, with security headers and no CORS for unknown origins', async () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const response = await call('/api/health', { headers: { origin: 'https://evil.example.com' } });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ ok: true, apiVersion: 1 });
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
    const allowed = await call('/api/health', { headers: { origin: 'https://labels.example.org' } });
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://labels.example.org');
  });

  it('answers malformed JSON with 400 bad_json, and a wrong content type with 415', async () => {
    const bad = await call('/api/projects', { method: 'POST', headers: authed({ 'content-type': 'application/json' }), body: '{"name": "x", ' });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ error: { code: 'bad_json', message: expect.any(String) } });
    const text = await call('/api/projects', { method: 'POST', headers: authed({ 'content-type': 'text/plain' }), body: 'name=x' });
    expect(text.status).toBe(415);
    expect((await text.json()).error.code).toBe('unsupported_media_type');
    const jsonToMedia = await call(`/api/projects/${projectId}/media/${sha256(Buffer.from('x'))}`, { method: 'PUT', headers: authed({ 'content-type': 'application/json' }), body: '"x"' });
    expect(jsonToMedia.status).toBe(415);
  });

  it('answers an oversized JSON body with 413', async () => {
    const huge = JSON.stringify({ name: 'x'.repeat(20 * 1024), task: 'detect' });
    const response = await call('/api/projects', { method: 'POST', headers: authed({ 'content-type': 'application/json' }), body: huge });
    expect(response.status).toBe(413);
    expect((await response.json()).error.code).toBe('too_large');
  });

  it('answers an oversized upload with 413, declared or streamed, and keeps no partial file', async () => {
    const bytes = crypto.randomBytes(LIMIT + 1);
    const declared = await call(`/api/projects/${projectId}/media/${sha256(bytes)}`, { method: 'PUT', headers: authed({ 'content-type': 'application/octet-stream' }), body: bytes });
    expect(declared.status).toBe(413);
    // Chunked, with no length up front: the server counts as it reads.
    const streamed = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const url = new URL(`${server.url}/api/projects/${projectId}/media/${sha256(bytes)}`);
      const request = http.request(url, { method: 'PUT', headers: authed({ 'content-type': 'application/octet-stream', 'transfer-encoding': 'chunked' }) }, (response) => {
        let body = '';
        response.on('data', (c) => (body += c));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      });
      request.on('error', reject);
      for (let i = 0; i < bytes.length; i += 8192) request.write(bytes.subarray(i, i + 8192));
      request.end();
    });
    expect(streamed.status).toBe(413);
    expect(JSON.parse(streamed.body).error.code).toBe('too_large');
    const incoming = path.join(dataDir, 'objects', '.incoming');
    expect(fs.existsSync(incoming) ? fs.readdirSync(incoming) : []).toEqual([]);
    // Just under the limit is fine.
    const fits = bytes.subarray(0, LIMIT);
    const ok = await call(`/api/projects/${projectId}/media/${sha256(fits)}`, { method: 'PUT', headers: authed({ 'content-type': 'application/octet-stream' }), body: fits });
    expect(ok.status).toBe(201);
  });

  it('refuses path traversal in hashes and ids, and keeps names as data', async () => {
    for (const hash of ['..%2F..%2F..%2Fetc%2Fpasswd', '..', `${'a'.repeat(63)}/`, 'A'.repeat(64), `${'0'.repeat(62)}..`]) {
      const response = await call(`/api/projects/${projectId}/media/${hash}`, { headers: authed() });
      expect([400, 404]).toContain(response.status);
      expect((await response.json()).error.code).toMatch(/invalid_input|not_found/);
    }
    const dotted = await call(`/api/projects/..%2F..%2Fadmin/images`, { headers: authed() });
    expect(dotted.status).toBe(400);
    // A file name with ../ is a label, not a path.
    const bytes = Buffer.from('traversal test image');
    const hash = sha256(bytes);
    expect((await call(`/api/projects/${projectId}/media/${hash}`, { method: 'PUT', headers: authed({ 'content-type': 'application/octet-stream' }), body: bytes })).status).toBe(201);
    const image = { hash, name: '../../../../etc/passwd', ext: '.jpg', width: 10, height: 10, status: 'new', annotations: [], baseRevision: null };
    const pushed = await call(`/api/projects/${projectId}/labels/push`, { method: 'POST', headers: authed({ 'content-type': 'application/json' }), body: JSON.stringify({ classes: [], images: [image] }) });
    expect(pushed.status).toBe(200);
    const pulled = await (await call(`/api/projects/${projectId}/labels`, { headers: authed() })).json();
    expect(pulled.images.find((i: { hash: string }) => i.hash === hash).name).toBe('../../../../etc/passwd');
    const stored = fs.readdirSync(path.join(dataDir, 'objects', 'media'), { recursive: true }).map(String);
    expect(stored.every((p) => /^[0-9a-f]{2}(\/[0-9a-f]{64})?$/.test(p))).toBe(true);
    const badExt = await call(`/api/projects/${projectId}/labels/push`, {
      method: 'POST',
      headers: authed({ 'content-type': 'application/json' }),
      body: JSON.stringify({ classes: [], images: [{ ...image, ext: '/../x' }] }),
    });
    expect(badExt.status).toBe(400);
  });

  it('answers unknown routes and methods with 404 in the error shape', async () => {
    for (const [method, url] of [['GET', '/api/nothing'], ['DELETE', '/api/health'], ['GET', '/etc/passwd']]) {
      const response = await call(url, { method });
      expect(response.status).toBe(404);
      expect(await response.json()).toEqual({ error: { code: 'not_found', message: expect.stringContaining(url) } });
    }
  });

  it('publishes an OpenAPI document with every API route and its schemas, and the docs page', async () => {
    const doc = await (await call('/docs/json')).json();
    const documented = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([p, methods]) => Object.keys(methods).map((m) => `${m.toUpperCase()} ${p.replace(/\{(\w+)\}/g, ':$1')}`));
    const routes = server.app.routeList.filter((r) => r.url.startsWith('/api/')).map((r) => `${r.method} ${r.url}`);
    expect(documented.sort()).toEqual(routes.sort());
    const pushOp = doc.paths['/api/projects/{id}/labels/push'].post;
    expect(pushOp.requestBody.content['application/json'].schema.properties).toHaveProperty('images');
    expect(pushOp.responses['200'].content['application/json'].schema.properties).toHaveProperty('conflicts');
    expect((await call('/docs')).status).toBeLessThan(400);
  });
});

describe('the reticle-server command', () => {
  it('starts, says where it listens, serves, and exits cleanly on SIGTERM', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'reticle-server-cli-'));
    await seedPglite(dataDir);
    const child = spawn(process.execPath, [path.join(ROOT, 'scripts/run-ts.mjs'), 'src-server/cli.ts', '--port', '0', '--data', dataDir], { cwd: ROOT, env: { ...process.env, LOG_LEVEL: 'warn' } });
    let out = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (out += c));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setInterval(() => {
          const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
          if (match) {
            clearInterval(timer);
            resolve(match[1]);
          }
        }, 50);
        child.once('exit', (code) => {
          clearInterval(timer);
          reject(new Error(`exited ${code}: ${out}`));
        });
      });
      expect((await fetch(`${url}/api/health`)).status).toBe(200);
      expect(fs.statSync(path.join(dataDir, 'jwt-secret')).mode & 0o777).toBe(0o600);
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(out).toContain('SIGTERM, closing');
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('refuses unknown flags with the usage and exit code 2', async () => {
    const child = spawn(process.execPath, [path.join(ROOT, 'scripts/run-ts.mjs'), 'src-server/cli.ts', '--prot', '80'], { cwd: ROOT });
    let err = '';
    child.stderr.on('data', (c) => (err += c));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(2);
    expect(err).toContain("Unknown option '--prot'");
    expect(err).toContain('Usage: reticle-server');
  });
});
