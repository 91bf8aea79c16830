import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { WireServerMessage } from '@shared';
import { createStudio, type Studio } from '../../../../src-main/studio.js';
import { startServe, type ServeHandle } from '../../../../src-main/transports/serve.js';
import { makeImage, tempDir } from '../../helpers/images.js';
import { memorySettings } from '../../helpers/settings.js';
import { until } from '../../helpers/until.js';

let studio: Studio | null = null;
let server: ServeHandle | null = null;

afterEach(async () => {
  await server?.close();
  await studio?.dispose();
  server = null;
  studio = null;
});

async function start(): Promise<{ base: string; token: string }> {
  const renderer = tempDir();
  fs.writeFileSync(path.join(renderer, 'index.html'), '<!doctype html><title>Reticle</title>');
  studio = createStudio({ mode: 'serve', settings: memorySettings() });
  server = await startServe({ host: studio.host, session: studio.session, rendererDir: renderer, port: 0 });
  return { base: `http://127.0.0.1:${server.port}`, token: server.token };
}

/** A raw GET, so a path like /../ reaches the server as typed. */
function rawGet(base: string, rawPath: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: url.hostname, port: url.port, path: rawPath, headers }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

function connect(base: string, token: string, origin?: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${base.replace('http', 'ws')}/api`, { headers: { Cookie: `${server!.cookie}=${token}`, ...(origin ? { Origin: origin } : {}) } });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`refused with ${res.statusCode}`)));
  });
}

function caller(ws: WebSocket) {
  let id = 0;
  const events: { channel: string; payload: unknown }[] = [];
  const pending = new Map<number, (m: unknown) => void>();
  ws.on('message', (data) => {
    const m = JSON.parse(String(data)) as WireServerMessage;
    if (m.t === 'event') events.push(m);
    else pending.get(m.id)?.(m.envelope);
  });
  return {
    events,
    call: (channel: string, input?: unknown) =>
      new Promise<{ ok: boolean; value?: unknown; error?: { code: string; message: string } }>((resolve) => {
        const n = id++;
        pending.set(n, resolve as (m: unknown) => void);
        ws.send(JSON.stringify({ t: 'call', id: n, channel, input }));
      }),
  };
}

describe('reticle serve', () => {
  it('serves nothing without the token, and trades the token for a strict cookie', async () => {
    const { base, token } = await start();
    expect((await rawGet(base, '/')).status).toBe(401);
    expect((await rawGet(base, '/?token=wrong')).status).toBe(401);
    const first = await rawGet(base, `/?token=${token}`);
    expect(first.status).toBe(200);
    expect(first.body).toContain('<title>Reticle</title>');
    expect(first.headers['set-cookie']?.[0]).toMatch(/HttpOnly; SameSite=Strict/);
    // Named by the port: another studio on this host keeps a cookie of its own.
    expect(first.headers['set-cookie']?.[0]).toMatch(new RegExp(`^reticle_token_${server!.port}=${token};`));
    expect(first.headers['content-security-policy']).toMatch(/default-src 'self'/);
    expect((await rawGet(base, '/', { Cookie: `${server!.cookie}=${token}` })).status).toBe(200);
  });

  it('never serves a file outside the renderer, however the path is written', async () => {
    const { base, token } = await start();
    for (const p of ['/../../../../etc/passwd', '/%2e%2e/%2e%2e/%2e%2e/etc/passwd', '/..%2f..%2f..%2fetc%2fpasswd']) {
      const res = await rawGet(base, p, { Cookie: `${server!.cookie}=${token}` });
      expect(res.body).not.toMatch(/root:/);
    }
  });

  it('refuses a socket from another origin or without the token', async () => {
    const { base, token } = await start();
    await expect(connect(base, 'nope')).rejects.toThrow(/401/);
    await expect(connect(base, token, 'https://evil.example')).rejects.toThrow(/401/);
    const ws = await connect(base, token, base);
    ws.close();
  });

  it('runs the whole contract over the socket: create, upload, import, media', async () => {
    const { base, token } = await start();
    const ws = await connect(base, token);
    const { call, events } = caller(ws);
    expect(await call('reticle:projects.current')).toEqual({ ok: true, value: null });
    const dir = path.join(tempDir(), 'p');
    expect(await call('reticle:projects.create', { dir, name: 'Web', task: 'detect' })).toMatchObject({ ok: true });

    // The browser uploads a dropped folder file by file, then imports the upload.
    const src = tempDir();
    const files = await Promise.all([1, 2].map((s) => makeImage(path.join(src, `f${s}.jpg`), { seed: s, width: 320, height: 200 })));
    const uploadId = 'upload-0001';
    const put = (rel: string, body: BodyInit) =>
      fetch(`${base}/upload/${uploadId}/${rel}`, { method: 'PUT', body, headers: { Cookie: `${server!.cookie}=${token}` } });
    for (const f of files) expect((await put(`holiday/${path.basename(f)}`, new Uint8Array(fs.readFileSync(f)))).status).toBe(201);
    // Sent raw: fetch would normalize the encoded dots away before the server saw them.
    const escape = await new Promise<number>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port: new URL(base).port, method: 'PUT', path: `/upload/${uploadId}/%2e%2e/escape.jpg`, headers: { Cookie: `${server!.cookie}=${token}` } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end('x');
    });
    // Refused either as a bad upload id (the URL parser folds %2e%2e into ..) or as a traversal.
    expect([400, 403]).toContain(escape);
    expect(fs.existsSync(path.join(dir, '.staging', 'escape.jpg'))).toBe(false);
    const slashEscape = await fetch(`${base}/upload/${uploadId}/..%2fescape.jpg`, { method: 'PUT', body: 'x', headers: { Cookie: `${server!.cookie}=${token}` } });
    expect(slashEscape.status).toBe(403);
    expect((await fetch(`${base}/upload/${uploadId}/x.jpg`, { method: 'PUT', body: 'x' })).status).toBe(401);

    const started = await call('reticle:imports.start', { paths: ['holiday'], uploadId });
    expect(started).toMatchObject({ ok: true });
    const jobId = (started.value as { jobId: string }).jobId;
    await until('the import to finish', () => events.some((e) => e.channel === 'reticle:jobs.onFinished'));
    const finished = events.find((e) => e.channel === 'reticle:jobs.onFinished')?.payload as { jobId: string; status: string; report: { imported: number } };
    expect(finished).toMatchObject({ jobId, status: 'ok', report: { imported: 2 } });
    expect(fs.existsSync(path.join(dir, '.staging', uploadId))).toBe(false);

    const page = (await call('reticle:images.list', { limit: 10 })).value as { total: number; items: { id: number; originalPath: string }[] };
    expect(page.total).toBe(2);
    expect(page.items[0].originalPath).toBe(path.join('holiday', 'f1.jpg'));
    const thumb = await fetch(`${base}/media/thumb/${page.items[0].id}`, { headers: { Cookie: `${server!.cookie}=${token}` } });
    expect(thumb.status).toBe(200);
    expect(thumb.headers.get('content-type')).toBe('image/jpeg');
    const image = await fetch(`${base}/media/image/${page.items[0].id}`, { headers: { Cookie: `${server!.cookie}=${token}` } });
    expect(Buffer.from(await image.arrayBuffer())).toEqual(fs.readFileSync(files[0]));
    expect((await fetch(`${base}/media/image/999`, { headers: { Cookie: `${server!.cookie}=${token}` } })).status).toBe(404);
    const traversal = await rawGet(base, '/media/..%2f..%2f..%2fetc%2fpasswd', { Cookie: `${server!.cookie}=${token}` });
    expect(traversal.status).toBe(404);
    expect(traversal.body).not.toMatch(/root:/);
    ws.close();
  });

  it('imports from an uploaded dataset only the files that came with it', async () => {
    const { base, token } = await start();
    const ws = await connect(base, token);
    const { call, events } = caller(ws);
    await call('reticle:projects.create', { dir: path.join(tempDir(), 'p'), name: 'Web', task: 'detect' });
    // A private image elsewhere on the server, named by absolute path in an uploaded COCO file.
    const secret = await makeImage(path.join(tempDir(), 'secret.jpg'), { seed: 5 });
    const mine = await makeImage(path.join(tempDir(), 'mine.jpg'), { seed: 6 });
    const coco = {
      images: [
        { id: 1, file_name: secret, width: 64, height: 48 },
        { id: 2, file_name: 'mine.jpg', width: 64, height: 48 },
      ],
      annotations: [],
      categories: [{ id: 1, name: 'thing' }],
    };
    const uploadId = 'upload-coco-1';
    const put = (rel: string, body: BodyInit) => fetch(`${base}/upload/${uploadId}/${rel}`, { method: 'PUT', body, headers: { Cookie: `${server!.cookie}=${token}` } });
    await put('ds/annotations.json', JSON.stringify(coco));
    await put('ds/mine.jpg', new Uint8Array(fs.readFileSync(mine)));
    await call('reticle:imports.start', { paths: ['ds/annotations.json'], uploadId, format: 'coco' });
    await until('the import to finish', () => events.some((e) => e.channel === 'reticle:jobs.onFinished'));
    const finished = events.find((e) => e.channel === 'reticle:jobs.onFinished')?.payload as { report: { imported: number; failed: { path: string; reason: string }[] } };
    expect(finished.report.imported).toBe(1);
    expect(finished.report.failed).toEqual([{ path: secret, reason: expect.stringMatching(/outside the uploaded files/) }]);
    const page = (await call('reticle:images.list', {})).value as { items: { name: string }[] };
    expect(page.items.map((i) => i.name)).toEqual(['mine.jpg']);
    ws.close();
  });
});
