/**
 * `reticle serve`: the same renderer and contract over HTTP and a WebSocket, for a headless GPU
 * box and for the end-to-end tests. A random token in the printed URL guards everything: the first
 * page load trades it for an HttpOnly, SameSite=Strict cookie named by the port, so that studios on
 * other ports of the same host keep theirs. Loopback unless told otherwise.
 */
import http from 'node:http';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import { WebSocketServer, type WebSocket } from 'ws';
import { SERVE_ROUTES, StudioError, WireCall, channelName, toErrorPayload, type RunDetail, type StudioContract, type WireServerMessage, serveTokenCookie } from '@shared';
import type { ApiHost } from '../host/api-host.js';
import type { ProjectSession } from '../services/project/project-session.js';
import { resolveMediaPath } from '../services/project/media-resolver.js';
import type { ExternalMedia } from '../services/media/resolved-media.js';
import { receiveUpload } from '../services/media/uploads.js';
import { runArtifactFile } from '../services/training/run-files.js';
import { SECURITY_HEADERS } from '../host/security-headers.js';

interface ServeOptions {
  host: ApiHost<StudioContract>;
  session: ProjectSession;
  /** Images outside the project that a model preview was asked for. */
  external?: ExternalMedia;
  rendererDir: string;
  hostname?: string;
  port?: number;
  token?: string;
  /** Largest single uploaded file. */
  maxUploadBytes?: number;
}

export interface ServeHandle {
  url: string;
  port: number;
  token: string;
  /** The name of the cookie that holds the token (`reticle_token_<port>`). */
  cookie: string;
  close(): Promise<void>;
}

const STATIC_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.map': 'application/json',
  '.woff2': 'font/woff2',
};


/** The largest WebSocket message `serve` takes (a bigger one closes that connection with 1009). */
export const MAX_MESSAGE_BYTES = 8 * 1024 * 1024;

export function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '::1' || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}

export async function startServe(options: ServeOptions): Promise<ServeHandle> {
  const token = options.token ?? randomBytes(24).toString('base64url');
  const tokenBytes = Buffer.from(token);
  const hostname = options.hostname ?? '127.0.0.1';
  const maxUpload = options.maxUploadBytes ?? 2 * 1024 ** 3;
  const rendererRoot = path.resolve(options.rendererDir);
  if (!fs.existsSync(path.join(rendererRoot, 'index.html'))) {
    throw new StudioError('not_found', `The studio's user interface is not built (${rendererRoot}). Run \`npm run build\` first.`);
  }

  const tokenMatches = (candidate: string | undefined | null) => {
    if (!candidate) return false;
    const b = Buffer.from(candidate);
    return b.length === tokenBytes.length && timingSafeEqual(b, tokenBytes);
  };
  /** Named once the port is known (`--port 0` picks one); nothing is served before that. */
  let cookie = '';
  const authorized = (req: http.IncomingMessage, url: URL) =>
    tokenMatches(readCookie(req.headers.cookie, cookie)) || tokenMatches(url.searchParams.get('token')) || tokenMatches(bearer(req));

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err) => {
      // A path whose %-escapes do not decode (`/%zz`) is the client's mistake, not the studio's.
      const error = err instanceof URIError ? { code: 'invalid_input' as const, message: 'The address holds a malformed %-escape.' } : toErrorPayload(err);
      if (!res.headersSent) sendJson(res, statusFor(error.code), { error });
      else res.destroy();
    });
  });

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://serve.invalid');
    if (!authorized(req, url)) {
      res.writeHead(401, { ...SECURITY_HEADERS, 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('Reticle Studio: open the URL that `reticle serve` printed; it holds the access token.\n');
      return;
    }
    if (url.searchParams.has('token')) {
      // Trade the token in the URL for a cookie, so it need not stay in the address bar.
      res.setHeader('Set-Cookie', `${cookie}=${token}; HttpOnly; SameSite=Strict; Path=/`);
    }
    if (url.pathname.startsWith(`${SERVE_ROUTES.media}/`)) return serveMedia(url.pathname.slice(SERVE_ROUTES.media.length + 1), req, res);
    if (url.pathname.startsWith(`${SERVE_ROUTES.upload}/`)) return upload(url.pathname.slice(SERVE_ROUTES.upload.length + 1), req, res);
    if (url.pathname.startsWith(`${SERVE_ROUTES.files}/`)) return serveRunFile(url.pathname.slice(SERVE_ROUTES.files.length + 1), req, res);
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendJson(res, 405, { error: { code: 'invalid_input', message: 'Method not allowed.' } });
    return serveStatic(url.pathname, res);
  }

  async function serveStatic(pathname: string, res: http.ServerResponse): Promise<void> {
    let rel = decodeURIComponent(pathname);
    if (rel === '/' || rel === '') rel = '/index.html';
    const file = path.resolve(rendererRoot, `.${rel}`);
    const inside = path.relative(rendererRoot, file);
    let target = file;
    if (inside.startsWith('..') || path.isAbsolute(inside) || !(await isFile(file))) {
      // Single-page app: unknown paths get the page, never a file from elsewhere.
      target = path.join(rendererRoot, 'index.html');
    }
    const type = STATIC_TYPES[path.extname(target)] ?? 'application/octet-stream';
    const cache = target.endsWith('index.html') ? 'no-store' : 'public, max-age=31536000, immutable';
    res.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': type, 'Cache-Control': cache });
    await pipeline(fs.createReadStream(target), res);
  }

  async function serveMedia(rest: string, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const media = await resolveMediaPath(rest, options.session, options.external);
    if (req.headers['if-none-match'] === media.etag) {
      res.writeHead(304, { ETag: media.etag });
      res.end();
      return;
    }
    const stat = await fsp.stat(media.path);
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      'Content-Type': media.contentType,
      'Content-Length': stat.size,
      ETag: media.etag,
      'Cache-Control': 'private, max-age=31536000, immutable',
    });
    if (req.method === 'HEAD') return void res.end();
    await pipeline(fs.createReadStream(media.path), res);
  }

  /** A run's file (weights, an export) as a download: the run as the contract's training.get gives it. */
  async function serveRunFile(rest: string, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendJson(res, 405, { error: { code: 'invalid_input', message: 'Download with GET.' } });
    const match = /^runs\/([^/]+)\/([^/]+)$/.exec(rest);
    if (!match) throw new StudioError('not_found', 'No such file.');
    const [runId, kind] = [decodeURIComponent(match[1]), decodeURIComponent(match[2])];
    const envelope = await options.host.invoke(channelName('training', 'get'), { runId }, { transport: 'ws' });
    if (!envelope.ok) throw new StudioError(envelope.error.code, envelope.error.message);
    const { artifacts } = envelope.value as RunDetail;
    const { file, downloadName } = await runArtifactFile(options.session.require(), runId, artifacts, kind);
    const stat = await fsp.stat(file);
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      'Content-Type': 'application/octet-stream',
      'Content-Length': stat.size,
      'Content-Disposition': `attachment; filename="${downloadName}"`,
      'Cache-Control': 'no-store',
    });
    if (req.method === 'HEAD') return void res.end();
    await pipeline(fs.createReadStream(file), res);
  }

  async function upload(rest: string, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    if (req.method !== 'PUT') return sendJson(res, 405, { error: { code: 'invalid_input', message: 'Upload with PUT.' } });
    const project = options.session.require();
    const [uploadId, ...segments] = rest.split('/');
    const length = Number(req.headers['content-length'] ?? NaN);
    if (Number.isFinite(length) && length > maxUpload) throw new StudioError('invalid_input', `The file is larger than ${maxUpload} bytes.`);
    const bytes = await receiveUpload(project.store.paths.staging, uploadId ?? '', segments.map((s) => decodeURIComponent(s)), req, maxUpload);
    sendJson(res, 201, { ok: true, bytes });
  }

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });
  wss.on('error', (err) => process.stderr.write(`[reticle] WebSocket server: ${err.message}\n`));
  const sockets = new Set<WebSocket>();
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://serve.invalid');
    const origin = req.headers.origin;
    // A page from another site cannot open our socket: the cookie is SameSite=Strict, and the
    // Origin must be this server.
    const sameOrigin = !origin || safeHost(origin) === req.headers.host;
    if (url.pathname !== SERVE_ROUTES.socket || !authorized(req, url) || !sameOrigin) {
      socket.write('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\n\r\n');
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });

  wss.on('connection', (ws: WebSocket) => {
    sockets.add(ws);
    ws.on('close', () => sockets.delete(ws));
    // A frame the socket cannot take (invalid UTF-8, a message over MAX_MESSAGE_BYTES, a bad
    // opcode) ends that socket, which ws closes with 1007 or 1009; never the process.
    ws.on('error', (err) => {
      process.stderr.write(`[reticle] closed a client's connection: ${err.message}\n`);
    });
    ws.on('message', async (data) => {
      let call: WireCall;
      try {
        const parsed = WireCall.safeParse(JSON.parse(String(data)));
        if (!parsed.success) throw new Error('bad message');
        call = parsed.data;
      } catch {
        send(ws, { t: 'result', id: -1, envelope: { ok: false, error: { code: 'invalid_input', message: 'Malformed message.' } } });
        return;
      }
      const envelope = await options.host.invoke(call.channel, call.input, { transport: 'ws' });
      send(ws, { t: 'result', id: call.id, envelope });
    });
  });
  const unsubscribe = options.host.onEvent((channel, payload) => {
    for (const ws of sockets) send(ws, { t: 'event', channel, payload });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, hostname, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : (options.port ?? 0);
  cookie = serveTokenCookie(port);
  const shownHost = hostname.includes(':') ? `[${hostname}]` : hostname === '0.0.0.0' ? '127.0.0.1' : hostname;

  return {
    url: `http://${shownHost}:${port}/?token=${token}`,
    port,
    token,
    cookie,
    async close() {
      unsubscribe();
      for (const ws of sockets) ws.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function send(ws: WebSocket, message: WireServerMessage): void {
  if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message));
}

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
}

function statusFor(code: string): number {
  switch (code) {
    case 'invalid_input':
      return 400;
    case 'forbidden':
      return 403;
    case 'not_found':
    case 'no_project':
      return 404;
    case 'conflict':
    case 'already_exists':
      return 409;
    case 'project_busy':
      return 503;
    case 'disk_full':
      return 507;
    default:
      return 500;
  }
}

function readCookie(header: string | undefined, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return v.join('=');
  }
  return null;
}

function bearer(req: http.IncomingMessage): string | null {
  const h = req.headers.authorization;
  return h?.startsWith('Bearer ') ? h.slice(7) : null;
}

function safeHost(origin: string): string | null {
  try {
    return new URL(origin).host;
  } catch {
    return null;
  }
}

async function isFile(p: string): Promise<boolean> {
  try {
    return (await fsp.stat(p)).isFile();
  } catch {
    return false;
  }
}
