/**
 * Uploads a browser sends `reticle serve` wait in the project's `.staging/` until imported
 * (issue 19, finding 10). A serve killed with kill -9 mid-upload leaves its `.part` file behind:
 * the next start removes it. A studio that only opens the same project meanwhile (the CLI, a
 * second window) must not remove the uploads of a studio that still runs.
 */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import type { JobResult } from '@shared';
import { ensureCliBuilt, reticle, spawnReticle } from '../../helpers/cli.js';
import { makeImage, tempDir } from '../../helpers/images.js';
import { until } from '../../helpers/until.js';
import { startReticleServe, type RunningStudio } from '../../../e2e/serve-fixture.js';

const env = { RETICLE_HOME: tempDir('reticle-home-') };
const children: ChildProcess[] = [];
let studio: RunningStudio | null = null;

beforeAll(() => ensureCliBuilt(), 120_000);
afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  await studio?.stop();
  studio = null;
});

/** `reticle serve --project DIR` as a user starts it: its address and token, once it printed them. */
async function serveProject(dir: string): Promise<{ child: ChildProcess; port: number; token: string }> {
  const child = spawnReticle(['serve', '--port', '0', '--project', dir], env);
  children.push(child);
  let out = '';
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  const url = await until(
    () => `reticle serve to print its URL:\n${out}`,
    () => /http:\/\/\S+\?token=\S+/.exec(out)?.[0],
    60_000,
  );
  const address = new URL(url);
  return { child, port: Number(address.port), token: address.searchParams.get('token')! };
}

/** Every file under the project's staging folder. */
function staged(dir: string): string[] {
  const staging = path.join(dir, '.staging');
  return fs.existsSync(staging) ? (fs.readdirSync(staging, { recursive: true }) as string[]).filter((f) => fs.statSync(path.join(staging, f)).isFile()) : [];
}

describe('uploads to reticle serve', () => {
  it('a serve killed with kill -9 mid-upload leaves a .part file, and the next start removes it', async () => {
    const dir = path.join(tempDir(), 'project');
    expect(reticle(['new', dir, '--name', 'P', '--task', 'detect'], env).code).toBe(0);
    const first = await serveProject(dir);

    // Half of a 64 MiB file is sent, and the rest never comes.
    const request = http.request({
      host: '127.0.0.1',
      port: first.port,
      method: 'PUT',
      path: '/upload/upload-killed-1/holiday/big.jpg',
      headers: { Authorization: `Bearer ${first.token}`, 'Content-Length': 64 * 1024 ** 2 },
    });
    request.on('error', () => undefined);
    request.write(Buffer.alloc(32 * 1024 ** 2, 7));
    await until('the upload to reach the disk', () => staged(dir).some((f) => f.endsWith('.part')));
    const exited = new Promise((resolve) => first.child.once('exit', resolve));
    first.child.kill('SIGKILL');
    await exited;
    request.destroy();
    expect(staged(dir).some((f) => f.endsWith('.part'))).toBe(true);

    await serveProject(dir);
    expect(staged(dir)).toEqual([]);
    expect(fs.existsSync(path.join(dir, '.staging'))).toBe(false);
  }, 180_000);

  it("another process opening the project leaves a running studio's upload alone, and the studio imports it", async () => {
    studio = await startReticleServe();
    const dir = path.join(studio.work, 'project');
    await studio.api.projects.create({ dir, name: 'P', task: 'detect' });
    const address = new URL(studio.url);
    const photo = await makeImage(path.join(studio.work, 'photo.jpg'), { seed: 9 });
    const uploadId = 'upload-kept-1';
    const put = await fetch(`http://${address.host}/upload/${uploadId}/holiday/photo.jpg`, {
      method: 'PUT',
      body: new Uint8Array(fs.readFileSync(photo)),
      headers: { Authorization: `Bearer ${address.searchParams.get('token')}` },
    });
    expect(put.status).toBe(201);

    // The command line opens the same project while the browser is about to import.
    expect(reticle(['stats', dir], env).code).toBe(0);

    const finished = new Promise<JobResult>((resolve) => studio!.api.jobs.onFinished(resolve));
    const { jobId } = await studio.api.imports.start({ paths: ['holiday'], uploadId });
    const result = await finished;
    expect(result).toMatchObject({ jobId, kind: 'import', status: 'ok', report: { imported: 1, failed: [] } });
  }, 180_000);
});
