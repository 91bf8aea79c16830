/**
 * Issue 19, finding 10: a server killed (kill -9) in the middle of an upload left its
 * `objects/.incoming/upload-*.part` file behind for good. A real server process receives the
 * first half of an image, is killed, and starts again on the same data: the part file is gone,
 * and the same upload then succeeds.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BACKENDS, fakeImage, seedPglite } from './harness.js';
import { ServerClient, spawnServer } from './server-process.js';

const PGLITE = BACKENDS[0];
const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

const parts = (dir: string) => {
  const incoming = path.join(dir, 'objects', '.incoming');
  return fs.existsSync(incoming) ? fs.readdirSync(incoming).filter((f) => f.endsWith('.part')) : [];
};

describe('a server killed during an upload', () => {
  it('removes the part file at its next start, and the upload then succeeds', { timeout: 120_000 }, async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'reticle-server-killed-upload-'));
    dirs.push(dir);
    await seedPglite(dir);
    const first = await spawnServer(PGLITE, { dataDir: dir });
    const client = new ServerClient(first.url);
    await client.register();
    const project = await client.json<{ id: string }>('POST', '/api/projects', { name: 'killed', task: 'detect' });
    const image = Buffer.concat([fakeImage('killed-upload'), crypto.randomBytes(2_000_000)]);
    const hash = crypto.createHash('sha256').update(image).digest('hex');
    const route = `/api/projects/${project.body.id}/media/${hash}`;

    // Half the body, then nothing: the server is writing the part file when it is killed.
    const url = new URL(`${first.url}${route}`);
    const request = http.request({ host: url.hostname, port: url.port, path: url.pathname, method: 'PUT', headers: { authorization: `Bearer ${client.token}`, 'content-type': 'application/octet-stream', 'content-length': image.length } });
    request.on('error', () => undefined);
    request.write(image.subarray(0, image.length / 2));
    const deadline = Date.now() + 60_000;
    while (parts(dir).length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(parts(dir)).toHaveLength(1);
    process.kill(first.serverPid(), 'SIGKILL');
    await first.stop();
    request.destroy();
    expect(parts(dir)).toHaveLength(1);

    const second = await spawnServer(PGLITE, { dataDir: dir });
    try {
      expect(parts(dir)).toEqual([]);
      const again = new ServerClient(second.url);
      again.token = client.token;
      const put = await again.call(route, { method: 'PUT', body: image, headers: { 'content-type': 'application/octet-stream' } });
      expect(put.status).toBe(201);
      expect(Buffer.from(await (await again.call(route)).arrayBuffer()).equals(image)).toBe(true);
    } finally {
      await second.stop();
    }
  });
});
