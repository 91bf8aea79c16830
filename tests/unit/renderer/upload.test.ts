import { afterEach, describe, expect, it } from 'vitest';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { StudioError } from '@shared';
import { distinctPaths, newUploadId, topLevelNames, uploadFiles, uploadPath, type UploadProgress } from '../../../src-renderer/transport/upload.js';

let server: Server | null = null;
afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = null;
});

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/**
 * A stand-in for the upload route: records what arrived, fails where told to. With
 * `holdUntilInFlight`, the first uploads get no answer until that many are in flight at once, so
 * a test sees uploads overlap whatever the machine's speed (a client that sends one at a time
 * would wait for ever: the hang guard lets them through after 10 s, and the test then fails).
 */
async function startUploadServer(respond: (url: string) => { status: number; body?: string } = () => ({ status: 204 }), { holdUntilInFlight = 1 } = {}) {
  const received = new Map<string, Buffer>();
  let inFlight = 0;
  let maxInFlight = 0;
  let release: () => void = () => undefined;
  const released = new Promise<void>((resolve) => (release = resolve));
  setTimeout(() => release(), 10_000).unref();
  server = createServer(async (req, res) => {
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    if (inFlight >= holdUntilInFlight) release();
    const body = await readBody(req);
    await released;
    inFlight--;
    const { status, body: answer } = respond(req.url!);
    if (req.method === 'PUT' && status < 300) received.set(decodeURI(req.url!), body);
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(answer ?? '');
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { baseUrl, received, maxInFlight: () => maxInFlight };
}

const file = (text: string) => new Blob([text]);

describe('upload paths', () => {
  it('encodes each path segment but keeps the slashes between them', () => {
    expect(uploadPath('abcdefgh12', 'my photos/day #1/a?.jpg')).toBe('/upload/abcdefgh12/my%20photos/day%20%231/a%3F.jpg');
  });

  it('refuses paths that climb out of the upload', () => {
    expect(() => uploadPath('abcdefgh12', '../etc/passwd')).toThrow(StudioError);
  });

  it('names the top-level folders and loose files for the import', () => {
    const entries = [
      { file: file('1'), relativePath: 'holiday/a.jpg' },
      { file: file('2'), relativePath: 'holiday/sub/b.jpg' },
      { file: file('3'), relativePath: 'loose.png' },
      { file: file('4'), relativePath: 'yolo/images/train/c.jpg' },
    ];
    expect(topLevelNames(entries)).toEqual(['holiday', 'loose.png', 'yolo']);
  });

  it('renames loose files that share a name instead of letting one overwrite the other', () => {
    const renamed = distinctPaths([
      { file: file('1'), relativePath: 'a.jpg' },
      { file: file('2'), relativePath: 'a.jpg' },
      { file: file('3'), relativePath: 'a.jpg' },
      { file: file('4'), relativePath: 'dir/a.jpg' },
    ]);
    expect(renamed.map((e) => e.relativePath)).toEqual(['a.jpg', 'a (2).jpg', 'a (3).jpg', 'dir/a.jpg']);
  });

  it('makes upload ids the import contract accepts, different each time', () => {
    const ids = new Set(Array.from({ length: 50 }, newUploadId));
    expect(ids.size).toBe(50);
    for (const id of ids) expect(id).toMatch(/^[a-zA-Z0-9_-]{8,64}$/);
  });
});

describe('uploadFiles', () => {
  it('PUTs every file under its relative path, a few at a time, reporting progress', async () => {
    const { baseUrl, received, maxInFlight } = await startUploadServer(undefined, { holdUntilInFlight: 3 });
    const entries = Array.from({ length: 9 }, (_, i) => ({ file: file(`bytes of ${i}`), relativePath: `set/img ${i}.jpg` }));
    const seen: UploadProgress[] = [];
    await uploadFiles(entries, { uploadId: 'upload_1234', baseUrl, concurrency: 3, onProgress: (p) => seen.push(p) });

    expect(received.size).toBe(9);
    expect(received.get('/upload/upload_1234/set/img 4.jpg')?.toString()).toBe('bytes of 4');
    expect(maxInFlight()).toBe(3);
    const last = seen[seen.length - 1];
    expect(last).toEqual({ filesDone: 9, filesTotal: 9, bytesDone: last.bytesTotal, bytesTotal: entries.reduce((n, e) => n + e.file.size, 0) });
    expect(seen[0].filesDone).toBe(0);
  });

  it('stops at the first refused file and says why, in the server\'s words', async () => {
    const { baseUrl, received } = await startUploadServer((url) =>
      url.includes('bad') ? { status: 507, body: JSON.stringify({ code: 'disk_full', message: 'The disk is full.' }) } : { status: 204 },
    );
    const entries = [
      { file: file('ok'), relativePath: 'a/ok.jpg' },
      { file: file('no'), relativePath: 'a/bad.jpg' },
      ...Array.from({ length: 20 }, (_, i) => ({ file: file('later'), relativePath: `a/later${i}.jpg` })),
    ];
    const err = await uploadFiles(entries, { uploadId: 'upload_1234', baseUrl, concurrency: 1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StudioError);
    expect(err).toMatchObject({ code: 'disk_full' });
    expect((err as Error).message).toContain('a/bad.jpg');
    expect((err as Error).message).toContain('The disk is full.');
    expect(received.size).toBe(1);
  });

  it('reports a cancelled upload as cancelled', async () => {
    const { baseUrl } = await startUploadServer();
    const abort = new AbortController();
    const entries = Array.from({ length: 30 }, (_, i) => ({ file: file('x'), relativePath: `f${i}.jpg` }));
    const pending = uploadFiles(entries, { uploadId: 'upload_1234', baseUrl, concurrency: 2, signal: abort.signal, onProgress: (p) => p.filesDone === 2 && abort.abort() });
    await expect(pending).rejects.toMatchObject({ code: 'cancelled' });
  });
});
