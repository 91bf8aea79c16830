/**
 * `reticle login`, `push`, `pull`, `conflicts` and `logout`, run as a user runs them (the built
 * CLI in a process of its own, its own home folder) against a real team server.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AccountStatus, DatasetStats, SyncConflict, SyncReport } from '@shared';
import { ensureCliBuilt, ROOT } from '../../helpers/cli.js';
import { makeImage } from '../../helpers/images.js';
import { newEmail, PASSWORD, scratch, startTeamServer, type TeamServer } from './team-fixture.js';

let server: TeamServer;

beforeAll(async () => {
  ensureCliBuilt();
  server = await startTeamServer();
}, 180_000);

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** The CLI in a child process, asynchronously: the team server answers from this process meanwhile. */
function reticle(args: string[], home: string, input?: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'bin/reticle.mjs'), ...args], { cwd: ROOT, env: { ...process.env, RETICLE_HOME: home }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(input ?? '');
  });
}

async function json<T>(args: string[], home: string, input?: string): Promise<T> {
  const r = await reticle([...args, '--json'], home, input);
  if (r.code !== 0) throw new Error(`reticle ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

describe('reticle team commands', () => {
  it('logs in, pushes a project, pulls it into a new folder by name, and updates it on the next pull', async () => {
    const home = scratch('reticle-home-');
    const work = scratch();
    const email = newEmail('cli');
    const dir = path.join(work, 'shapes');
    await json(['new', dir, '--name', 'shapes', '--task', 'detect'], home);
    await makeImage(path.join(work, 'photos', 'a.jpg'), { seed: 41 });
    await makeImage(path.join(work, 'photos', 'b.jpg'), { seed: 42 });
    await json(['import', dir, path.join(work, 'photos')], home);

    const login = await json<AccountStatus>(['login', server.url, '--email', email, '--password-stdin', '--register'], home, `${PASSWORD}\n`);
    expect(login).toMatchObject({ signedIn: true, serverUrl: server.url, user: { email } });
    // The password is not kept, and the tokens not in the clear.
    for (const file of fs.readdirSync(home)) expect(fs.readFileSync(path.join(home, file), 'utf8')).not.toContain(PASSWORD);

    const pushed = await json<SyncReport>(['push', dir], home);
    expect(pushed).toMatchObject({ direction: 'push', imagesSent: 2, mediaUploaded: 2 });

    const copy = path.join(work, 'copy');
    const pulled = await json<SyncReport>(['pull', server.url, 'shapes', copy], home);
    expect(pulled).toMatchObject({ direction: 'pull', imagesReceived: 2, mediaDownloaded: 2 });
    expect(await json<DatasetStats>(['stats', copy], home)).toMatchObject({ images: 2 });

    await makeImage(path.join(work, 'more', 'c.jpg'), { seed: 43 });
    await json(['import', dir, path.join(work, 'more')], home);
    const text = await reticle(['push', dir], home);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/Pushed: labels of 1 images, 1 new media files/);
    expect(await json<SyncReport>(['pull', server.url, 'shapes', copy], home)).toMatchObject({ imagesReceived: 1 });

    expect(await json<SyncConflict[]>(['conflicts', copy], home)).toEqual([]);
    expect((await reticle(['conflicts', copy], home)).stdout).toMatch(/No conflicts/);

    // The pushing folder is linked to it as well: a pull there brings nothing new.
    expect(await json<SyncReport>(['pull', server.url, 'shapes', dir], home)).toMatchObject({ imagesReceived: 0, conflicts: 0 });
    // A folder that holds a project of its own is not touched.
    const other = path.join(work, 'other');
    await json(['new', other, '--name', 'other', '--task', 'detect'], home);
    const refused = await reticle(['pull', server.url, 'shapes', other], home);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/Pull into a new folder instead/);
    expect((await reticle(['pull', server.url, 'no such project', path.join(work, 'x')], home)).stderr).toMatch(/No shared project you can see is called or has the id "no such project"\. Yours: "shapes"/);

    expect((await reticle(['logout'], home)).stdout).toMatch(`Logged out of ${server.url}`);
    const after = await reticle(['push', dir], home);
    expect(after.code).toBe(1);
    expect(after.stderr).toMatch(/Log in/);
  });

  it('asks for the password on stdin when the input is not a terminal, and says which server is off', async () => {
    const home = scratch('reticle-home-');
    const noPassword = await reticle(['login', server.url, '--email', newEmail()], home);
    expect(noPassword.code).toBe(2);
    expect(noPassword.stderr).toMatch(/--password-stdin/);
    expect((await reticle(['login', 'ftp://example.com', '--email', 'a@b.co', '--password-stdin'], home, 'x')).code).toBe(2);
    const down = await reticle(['login', 'http://127.0.0.1:9', '--email', 'a@b.co', '--password-stdin'], home, PASSWORD);
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(/Cannot reach the team server at http:\/\/127\.0\.0\.1:9/);
  });
});
