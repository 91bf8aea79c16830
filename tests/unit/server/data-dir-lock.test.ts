/**
 * Issue 19, finding 3: the PGlite data folder's lock tells a live server from a dead one whatever
 * its pid. A server restarted as PID 1 in its container (the crashed one was PID 1 too) starts;
 * a live server, named with its true start time, keeps a second one out with a clear message.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startServer } from '../../../src-server/app.js';
import { currentOwner, LOCK_FILE, processStartTime, type LockOwner } from '../../../src-server/db/data-dir-lock.js';
import { BACKENDS, seedPglite } from './harness.js';
import { childrenOf, ROOT, spawnServer } from './server-process.js';

const PGLITE = BACKENDS[0];
const dirs: string[] = [];

async function dataDir(): Promise<string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'reticle-server-lock-'));
  dirs.push(dir);
  await seedPglite(dir);
  return dir;
}

const writeLock = (dir: string, owner: LockOwner) => fs.writeFileSync(path.join(dir, 'pglite', LOCK_FILE), JSON.stringify(owner));

afterAll(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

describe('the data folder lock', () => {
  it('is stale when its pid is alive but started at another time, or in another boot: the server starts', async () => {
    const dir = await dataDir();
    const self = currentOwner();
    expect(self.started).not.toBeNull();
    for (const stale of [{ ...self, started: '1' }, { ...self, boot: 'another-boot-id' }, { ...self, started: null, boot: null }]) {
      writeLock(dir, stale);
      const server = await startServer({ port: 0, dataDir: dir, jwtSecret: 'a test secret that is long enough to sign tokens' });
      expect((await fetch(`${server.url}/api/health`)).status).toBe(200);
      expect(JSON.parse(fs.readFileSync(path.join(dir, 'pglite', LOCK_FILE), 'utf8'))).toEqual(self);
      await server.close();
      expect(fs.existsSync(path.join(dir, 'pglite', LOCK_FILE))).toBe(false);
    }
  });

  it('keeps a second server out while the process it names runs, saying which', async () => {
    const dir = await dataDir();
    const sleeper = spawn('sleep', ['60'], { stdio: 'ignore' });
    try {
      await new Promise((r) => setTimeout(r, 100));
      const started = processStartTime(sleeper.pid!);
      expect(started).not.toBeNull();
      writeLock(dir, { pid: sleeper.pid!, started, boot: currentOwner().boot, host: os.hostname() });
      const refused = await spawnServer(PGLITE, { dataDir: dir }).then(
        async (s) => {
          await s.stop();
          return 'it started';
        },
        (err: Error) => err.message,
      );
      expect(refused).toContain(`could not start: Another reticle-server (pid ${sleeper.pid}) is using ${path.join(dir, 'pglite')}: stop it first`);
      // The live owner's lock is left as it was.
      expect(JSON.parse(fs.readFileSync(path.join(dir, 'pglite', LOCK_FILE), 'utf8')).pid).toBe(sleeper.pid);
    } finally {
      sleeper.kill('SIGKILL');
    }
  });
});

const unshareSkip = (() => {
  if (process.platform !== 'linux') return 'PID namespaces are Linux only';
  const probe = spawnSync('unshare', ['-pf', '--mount-proc', 'sh', '-c', 'test $$ -eq 1'], { stdio: 'ignore', timeout: 10_000 });
  return probe.status === 0 ? null : 'unshare -pf --mount-proc cannot run here (it needs root or user namespaces)';
})();

describe(`a server that is PID 1, killed and started again${unshareSkip ? ` (skipped: ${unshareSkip})` : ''}`, () => {
  it.skipIf(unshareSkip !== null)('starts again on the same data, although the stale lock names PID 1, which is itself now', { timeout: 180_000 }, async () => {
    const dir = await dataDir();
    const unshare = ['unshare', '-pf', '--mount-proc'];
    const first = await spawnServer(PGLITE, { dataDir: dir, wrapper: unshare });
    try {
      const lock = JSON.parse(fs.readFileSync(path.join(dir, 'pglite', LOCK_FILE), 'utf8')) as LockOwner;
      expect(lock.pid).toBe(1);
      // unshare's child is the server, PID 1 in its namespace: kill -9 it as a container runtime would.
      expect(childrenOf(first.child.pid!)).toEqual([first.serverPid()]);
      process.kill(first.serverPid(), 'SIGKILL');
      await first.stop();
      expect(fs.existsSync(path.join(dir, 'pglite', LOCK_FILE))).toBe(true);

      const second = await spawnServer(PGLITE, { dataDir: dir, wrapper: unshare });
      try {
        expect((await fetch(`${second.url}/api/health`)).status).toBe(200);
      } finally {
        await second.stop();
      }
    } finally {
      // run-ts leaves the bundle of a killed process behind; both were pid 1.
      fs.rmSync(path.join(ROOT, '.bench', 'run', 'cli-1.mjs'), { force: true });
    }
  });
});
