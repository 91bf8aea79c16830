/**
 * The renderer's only ways to reach the disk: `app://studio/…` serves the built renderer, and
 * `reticle-media://thumb/42` serves an image by its opaque id. `file:` is answered with 403, so
 * neither a page nor a stray `<img src="file:///…">` can read files by path.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { protocol } from 'electron';
import { APP_SCHEME, MEDIA_SCHEME, toErrorPayload } from '@shared';
import { CSP } from '../host/security-headers.js';
import { resolveMediaPath } from '../services/project/media-resolver.js';
import type { ExternalMedia } from '../services/media/resolved-media.js';
import type { ProjectSession } from '../services/project/project-session.js';
import { APP_HOST } from './app-origin.js';

/** The studio's policy (host/security-headers.ts), with images also allowed from the media scheme. */
// Images come from the media scheme; the labeler also fetches large ones from it, to decode them
// off the main thread (createImageBitmap).
const DESKTOP_CSP = withDirective(withDirective(CSP, `img-src 'self' ${MEDIA_SCHEME}: data: blob:`), `connect-src 'self' ${MEDIA_SCHEME}:`);

const STATIC_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
};

const PAGE_HEADERS = {
  'Content-Security-Policy': DESKTOP_CSP,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
};

/**
 * Must run before the app is ready (Electron's rule). `standard` gives the schemes real origins
 * and relative URLs, `secure` makes them a secure context; neither may bypass the CSP.
 */
export function registerPrivilegedSchemes(): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } },
    { scheme: MEDIA_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true } },
  ]);
}

interface ProtocolOptions {
  /** The built renderer (dist/renderer). */
  rendererDir: string;
  session: ProjectSession;
  /** Images outside the project that a model preview was asked for. */
  external?: ExternalMedia;
}

/** Installs the handlers on the default session; call once the app is ready. */
export function registerProtocols(options: ProtocolOptions): void {
  protocol.handle(APP_SCHEME, createAppHandler(options.rendererDir));
  protocol.handle(MEDIA_SCHEME, createMediaHandler(options.session, options.external));
  protocol.handle('file', () => new Response(null, { status: 403 }));
}

function createAppHandler(rendererDir: string): (request: Request) => Promise<Response> {
  const root = path.resolve(rendererDir);
  let realRoot: string | null = null;
  return async (request) => {
    try {
      if (request.method !== 'GET' && request.method !== 'HEAD') return status(405);
      const url = new URL(request.url);
      if (url.host !== APP_HOST) return status(404);
      realRoot ??= await fsp.realpath(root);
      const file = await containedFile(realRoot, url.pathname === '/' ? '/index.html' : url.pathname);
      if (!file) return status(404);
      const headers = { ...PAGE_HEADERS, 'Content-Type': STATIC_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream', 'Cache-Control': 'no-cache' };
      return new Response(request.method === 'HEAD' ? null : fileBody(file), { status: 200, headers });
    } catch (err) {
      console.error('[reticle] app:// failed:', err);
      return status(500);
    }
  };
}

function createMediaHandler(session: ProjectSession, external?: ExternalMedia): (request: Request) => Promise<Response> {
  return async (request) => {
    try {
      if (request.method !== 'GET' && request.method !== 'HEAD') return status(405);
      const url = new URL(request.url);
      // A standard scheme parses `reticle-media://thumb/42` as host `thumb`, path `/42`.
      const media = await resolveMediaPath(`${url.host}${url.pathname}`, session, external);
      if (request.headers.get('if-none-match') === media.etag) return new Response(null, { status: 304, headers: { ETag: media.etag } });
      const stat = await fsp.stat(media.path);
      const headers = {
        'Content-Type': media.contentType,
        'Content-Length': String(stat.size),
        ETag: media.etag,
        'Cache-Control': 'private, max-age=31536000, immutable',
        'X-Content-Type-Options': 'nosniff',
      };
      return new Response(request.method === 'HEAD' ? null : fileBody(media.path), { status: 200, headers });
    } catch (err) {
      const error = toErrorPayload(err);
      if (error.code === 'forbidden') return status(403);
      if (error.code === 'not_found' || error.code === 'no_project' || error.code === 'invalid_input') return status(404);
      console.error(`[reticle] ${request.url} failed:`, err);
      return status(500);
    }
  };
}

/**
 * The file a request path names, if it is a file inside `realRoot` once every `..`, encoded
 * separator and symlink is resolved; null otherwise.
 */
async function containedFile(realRoot: string, pathname: string): Promise<string | null> {
  let rel: string;
  try {
    rel = decodeURIComponent(pathname);
  } catch {
    return null;
  }
  if (rel.includes('\0')) return null;
  const candidate = path.resolve(realRoot, `.${rel}`);
  if (!isInside(realRoot, candidate)) return null;
  try {
    const real = await fsp.realpath(candidate);
    if (!isInside(realRoot, real) || !(await fsp.stat(real)).isFile()) return null;
    return real;
  } catch {
    return null;
  }
}

function isInside(root: string, candidate: string): boolean {
  const rel = path.relative(root, candidate);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}

function fileBody(file: string): ReadableStream {
  return Readable.toWeb(fs.createReadStream(file)) as ReadableStream;
}

function status(code: number): Response {
  return new Response(null, { status: code });
}

/** Replaces (or adds) one directive of a policy. */
function withDirective(csp: string, directive: string): string {
  const name = directive.split(' ')[0];
  const directives = csp.split(';').map((d) => d.trim()).filter((d) => d && d.split(' ')[0] !== name);
  return [...directives, directive].join('; ');
}
