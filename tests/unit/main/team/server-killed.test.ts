/**
 * Issue 7, the team server's side: the server is SIGKILLed in the middle of a push (after some
 * media went up, others on their way). The push ends 'offline' and the project keeps everything;
 * a new server started on the same data folder takes the next push to the end, and holds every
 * image and every annotation exactly once.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PullLabelsAnswer, type JobProgress, type JobResult } from '@shared';
import { ROOT } from '../../helpers/cli.js';
import { makeProject, newEmail, PASSWORD, scratch, snapshot, teamStudio, type ImageSpec } from './team-fixture.js';

const children: ChildProcess[] = [];

afterAll(() => {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    // run-ts removes its bundle when the process exits, which a SIGKILLed one does not.
    fs.rmSync(path.join(ROOT, '.bench', 'run', `server-child-${child.pid}.mjs`), { force: true });
  }
});

/** A server process on `dataDir`; resolves with its URL once it listens. */
async function serverProcess(dataDir: string, port = 0): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [path.join(ROOT, 'scripts/run-ts.mjs'), 'tests/unit/main/team/server-child.ts', dataDir, String(port)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (c: Buffer) => {
      output += c.toString();
      const match = /ready (\S+)/.exec(output);
      if (match) resolve(match[1]);
    });
    child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
    child.once('exit', (code) => reject(new Error(`the server process ended (${code}) before it listened: ${output}`)));
  });
  return { url, child };
}

async function token(url: string, email: string): Promise<string> {
  const res = await fetch(`${url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password: PASSWORD }) });
  return ((await res.json()) as { accessToken: string }).accessToken;
}

describe('a team server killed mid-push', () => {
  it('loses nothing, and the next push to a new server on the same data completes with nothing twice', async () => {
    const dataDir = scratch('reticle-server-');
    const first = await serverProcess(dataDir);
    const port = Number(new URL(first.url).port);
    const alice = await teamStudio();
    const email = newEmail('alice');
    await alice.api.account.register({ serverUrl: first.url, email, password: PASSWORD });
    const images: ImageSpec[] = Array.from({ length: 24 }, (_, i) => ({
      seed: 100 + i,
      width: 320,
      height: 240,
      boxes: [
        { class: 'a', x: i, y: 2, w: 30, h: 20 },
        { class: i % 2 ? 'b' : 'a', x: 100, y: 50 + i, w: 40.5, h: 22.25 },
      ],
    }));
    await makeProject(alice.api, scratch(), 'kill', images);
    const before = await snapshot(alice.studio);
    await alice.api.sync.link({ create: true });
    const remoteProjectId = (await alice.api.sync.status()).link!.remoteProjectId;

    // Kill the server once a few files are up and others are on their way.
    let uploadedWhenKilled = -1;
    const offProgress = alice.api.jobs.onProgress((p: JobProgress) => {
      const sent = /Uploading images: (\d+) of/.exec(p.current ?? '');
      if (sent && Number(sent[1]) >= 5 && uploadedWhenKilled < 0) {
        uploadedWhenKilled = Number(sent[1]);
        first.child.kill('SIGKILL');
      }
    });
    const killed: JobResult = await alice.job(() => alice.api.sync.push());
    offProgress();
    expect(uploadedWhenKilled).toBeGreaterThanOrEqual(5);
    expect(uploadedWhenKilled).toBeLessThan(24);
    expect(killed).toMatchObject({ kind: 'push', status: 'failed', error: { code: 'offline' } });
    expect(await snapshot(alice.studio)).toEqual(before);

    const second = await serverProcess(dataDir, port);
    const resumed = await alice.sync('push');
    // What the first server stored is not sent again.
    expect(resumed).toMatchObject({ imagesSent: 24, conflicts: 0, failed: [] });
    expect(resumed.mediaUploaded).toBeLessThanOrEqual(24 - uploadedWhenKilled);
    expect(await alice.sync('push')).toMatchObject({ imagesSent: 0, mediaUploaded: 0 });

    // The server's own account of the project: every image once, every box once.
    const auth = { authorization: `Bearer ${await token(second.url, email)}` };
    const pulled = PullLabelsAnswer.parse(await (await fetch(`${second.url}/api/projects/${remoteProjectId}/labels?since=0`, { headers: auth })).json());
    expect(pulled.images).toHaveLength(24);
    expect(new Set(pulled.images.map((i) => i.hash)).size).toBe(24);
    expect(pulled.images.every((i) => i.annotations.length === 2)).toBe(true);
    const project = (await (await fetch(`${second.url}/api/projects/${remoteProjectId}`, { headers: auth })).json()) as { imageCount: number };
    expect(project.imageCount).toBe(24);
    const missing = await fetch(`${second.url}/api/projects/${remoteProjectId}/images/missing`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ hashes: Object.keys(before.images) }),
    });
    expect(await missing.json()).toEqual({ missing: [] });
  });
});
