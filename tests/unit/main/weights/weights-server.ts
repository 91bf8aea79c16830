/**
 * A weights mirror on 127.0.0.1 for the tests: serves files by name, records each request, and
 * misbehaves on demand the ways real networks and portals do (a connection cut part way, a web
 * page instead of the file, a 404).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface MirrorRequest {
  path: string;
  range: string | null;
}

export interface Mirror {
  /** The mirror's address, a folder: files are under it by name. */
  url: string;
  requests: MirrorRequest[];
  /** Serves `body` under `/name`. */
  put(name: string, body: Buffer, options?: { contentType?: string; announce?: number }): void;
  /** The next response for `name` sends `bytes` bytes and then drops the connection. */
  cutNextAfter(name: string, bytes: number): void;
  close(): Promise<void>;
}

export async function startMirror(): Promise<Mirror> {
  const files = new Map<string, { body: Buffer; contentType: string; announce?: number }>();
  const cuts = new Map<string, number>();
  const requests: MirrorRequest[] = [];
  const server = http.createServer((req, res) => {
    const name = decodeURIComponent((req.url ?? '/').split('?')[0]!.replace(/^\/mirror\//, ''));
    requests.push({ path: `/${name}`, range: req.headers.range ?? null });
    const file = files.get(name);
    if (!file) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    const etag = `"${file.body.length}"`;
    let start = 0;
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    if (range && (!req.headers['if-range'] || req.headers['if-range'] === etag)) start = Number(range[1]);
    const body = file.body.subarray(start);
    const headers: http.OutgoingHttpHeaders = { 'content-type': file.contentType, etag, 'accept-ranges': 'bytes', 'content-length': file.announce ?? body.length };
    if (start > 0) headers['content-range'] = `bytes ${start}-${file.body.length - 1}/${file.body.length}`;
    res.writeHead(start > 0 ? 206 : 200, headers);
    const cut = cuts.get(name);
    if (cut !== undefined) {
      cuts.delete(name);
      res.write(body.subarray(0, cut), () => setTimeout(() => res.socket?.destroy(), 20));
      return;
    }
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    // No trailing slash: the studio treats a mirror as a folder either way.
    url: `http://127.0.0.1:${port}/mirror`,
    requests,
    put: (name, body, options = {}) => files.set(name, { body, contentType: options.contentType ?? 'application/octet-stream', announce: options.announce }),
    cutNextAfter: (name, bytes) => cuts.set(name, bytes),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * A "pretrained" file the Ultralytics test double loads: its checkpoint JSON inside a zip, as
 * torch saves a .pt (python-runtime/tests/test_inspect.py makes the same). `padding` makes it
 * big enough to watch its progress and to cut it part way.
 */
export function doublePretrained(options: { task?: string; names?: string[]; padding?: number } = {}): Buffer {
  const ckpt = JSON.stringify({
    format: 'ultralytics-double-checkpoint',
    epoch: -1,
    optimizer: null,
    task: options.task ?? 'detect',
    names: options.names ?? ['person', 'bicycle', 'car'],
    train_args: { imgsz: 640 },
  });
  const script = `
import sys, zipfile, io, os
buf = io.BytesIO()
with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
    z.writestr("model/data.json", sys.argv[1])
    z.writestr("model/data/0", os.urandom(int(sys.argv[2])))
sys.stdout.buffer.write(buf.getvalue())
`;
  const r = spawnSync('python3', ['-c', script, ckpt, String(options.padding ?? 200_000)], { maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`could not make a test weights file: ${r.stderr.toString()}`);
  return r.stdout;
}

export function readIfExists(file: string): Buffer | null {
  return fs.existsSync(file) ? fs.readFileSync(file) : null;
}

/** Writes `body` as `name` in a new scratch folder: a file a user would add. */
export function scratchFile(name: string, body: Buffer): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'reticle-weights-file-'));
  const file = path.join(dir, name);
  fs.writeFileSync(file, body);
  return file;
}
