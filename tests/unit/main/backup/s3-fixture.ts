/**
 * A real S3 server for the backup tests: s3rver on loopback, port 0, storing in a temp folder,
 * with one bucket. It counts the objects written per key (its own events), so a test can tell
 * what was sent, and can damage a stored object's bytes on disk, as bit rot would.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { createRequire } from 'node:module';
import { afterEach } from 'vitest';
import { BackupTargetSchema, type BackupTarget } from '@shared';
import { tempDir } from '../../helpers/images.js';

interface S3rverEvent {
  Records: { eventName: string; s3: { bucket: { name: string }; object: { key: string } } }[];
}

interface S3rverInstance {
  run(): Promise<{ port: number }>;
  close(): Promise<void>;
  on(event: 'event', listener: (e: S3rverEvent) => void): void;
  store: { getResourcePath(bucket: string, key: string, resource: string): string };
}

type S3rverCtor = new (options: { port: number; address: string; silent: boolean; directory: string; configureBuckets: { name: string }[] }) => S3rverInstance;

// s3rver ships no types; required here rather than declared globally.
const S3rver = createRequire(import.meta.url)('s3rver') as S3rverCtor;

export const BUCKET = 'backups';
export const KEYS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;

export interface TestS3 {
  endpoint: string;
  /** A target for `prefix` in the bucket, with the test key id (the secret goes with each call). */
  target(prefix?: string): BackupTarget;
  /** Objects written (PUT or a finished multipart upload), per full key. */
  writes: Map<string, number>;
  /** Full keys of the objects written, in order. */
  written: string[];
  /** The file s3rver keeps an object's bytes in. */
  objectFile(key: string): string;
  /** Flips one byte of a stored object, keeping its size and metadata. */
  corrupt(key: string): void;
  close(): Promise<void>;
}

const running: TestS3[] = [];

afterEach(async () => {
  for (const s of running.splice(0)) await s.close();
});

export async function startS3(): Promise<TestS3> {
  const directory = tempDir('s3rver-');
  const server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory, configureBuckets: [{ name: BUCKET }] });
  const { port } = await server.run();
  const writes = new Map<string, number>();
  const written: string[] = [];
  server.on('event', (e) => {
    for (const r of e.Records) {
      if (!r.eventName.startsWith('ObjectCreated')) continue;
      const key = decodeURIComponent(r.s3.object.key);
      writes.set(key, (writes.get(key) ?? 0) + 1);
      written.push(key);
    }
  });
  const endpoint = `http://127.0.0.1:${port}`;
  let closed = false;
  const s3: TestS3 = {
    endpoint,
    target: (prefix = 'studio') => BackupTargetSchema.parse({ endpoint, region: 'us-east-1', bucket: BUCKET, prefix, accessKeyId: KEYS.accessKeyId, forcePathStyle: true }),
    writes,
    written,
    objectFile: (key) => server.store.getResourcePath(BUCKET, key, 'object'),
    corrupt(key) {
      const file = s3.objectFile(key);
      const bytes = fs.readFileSync(file);
      bytes[bytes.length >> 1] ^= 0xff;
      fs.writeFileSync(file, bytes);
    },
    async close() {
      if (closed) return;
      closed = true;
      await server.close();
      fs.rmSync(directory, { recursive: true, force: true });
    },
  };
  running.push(s3);
  return s3;
}

/** Every file under `dir`, relative and `/`-separated, sorted; `skip` drops top-level folders. */
export function filesUnder(dir: string, skip: string[] = []): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, e.name);
      const rel = path.relative(dir, full).split(path.sep).join('/');
      if (skip.includes(rel.split('/')[0])) continue;
      if (e.isDirectory()) walk(full);
      else out.push(rel);
    }
  };
  walk(dir);
  return out.sort();
}

export interface NetworkLink {
  /** The endpoint to give the studio instead of the server's. */
  endpoint: string;
  /** Requests that went through: method and path with query. */
  requests: { method: string; url: string }[];
  /** How long each request waits before it goes on, in ms. */
  delayMs: number;
  /**
   * Requests it answers true for are stalled: never passed on, never answered (the client waits
   * until the link is cut or the client gives up). A test stops a transfer at a chosen request
   * this way, whatever the machine's speed.
   */
  stall: ((request: { method: string; url: string }) => boolean) | null;
  /** Requests stalled so far. */
  stalled: { method: string; url: string }[];
  /** Cuts the link: open connections are destroyed, new ones refused. */
  cut(): Promise<void>;
}

/**
 * The network between the studio and the server: an HTTP relay on loopback that can be slow
 * (each request waits `delayMs`), can stall chosen requests, and can be cut, as a dead Wi-Fi is.
 * Not a mock of S3: every request it passes on reaches the real server.
 */
export async function networkLink(s3: TestS3, options: { delayMs?: number } = {}): Promise<NetworkLink> {
  const upstream = new URL(s3.endpoint);
  const requests: NetworkLink['requests'] = [];
  const sockets = new Set<import('node:net').Socket>();
  const server = http.createServer((req, res) => {
    const request = { method: req.method ?? '', url: req.url ?? '' };
    requests.push(request);
    if (link.stall?.(request)) {
      link.stalled.push(request);
      return;
    }
    const forward = () => {
      const out = http.request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      out.on('error', () => res.destroy());
      // A cut link cuts the request to the server too, as a dead network would.
      res.on('close', () => {
        if (!res.writableFinished) out.destroy();
      });
      req.pipe(out);
    };
    if (link.delayMs) setTimeout(forward, link.delayMs);
    else forward();
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const link: NetworkLink = {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    delayMs: options.delayMs ?? 0,
    stall: null,
    stalled: [],
    cut: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
  links.push(link);
  return link;
}

const links: NetworkLink[] = [];

afterEach(async () => {
  for (const l of links.splice(0)) await l.cut();
});
