/**
 * A backup killed with SIGKILL halfway (mid multipart upload) carries on when run again: the
 * objects that had arrived are not sent again, the unfinished upload goes on from its recorded
 * parts, and the restore gives back the same project.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { BackupReport } from '@shared';
import { S3Target } from '../../../../src-main/services/backup/s3-target.js';
import { restoreProject } from '../../../../src-main/services/backup/restore-project.js';
import { BACKUP_STATE_FILE } from '../../../../src-main/services/backup/backup-project.js';
import { ROOT } from '../../helpers/cli.js';
import { KEYS, networkLink, startS3 } from './s3-fixture.js';
import { makeBackupProject, projectDigest, scratchDir } from './project-fixture.js';

const CHILD = path.join(ROOT, 'tests/unit/main/backup/backup-child.ts');
const env = { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };

function recordedParts(dir: string): number {
  try {
    const state = JSON.parse(fs.readFileSync(path.join(dir, 'cache', BACKUP_STATE_FILE), 'utf8')) as { uploads: Record<string, { parts: unknown[] }> };
    return Object.values(state.uploads).reduce((n, u) => n + u.parts.length, 0);
  } catch {
    return 0;
  }
}

/** Runs the backup in a child process; with `killAt`, SIGKILLs it once that many parts are recorded. */
function backupInChild(dir: string, endpoint: string, killAt?: number): Promise<{ killed: boolean; report: BackupReport | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'scripts/run-ts.mjs'), CHILD, dir, endpoint], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let killed = false;
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = killAt
      ? setInterval(() => {
          if (recordedParts(dir) >= killAt) {
            killed = child.kill('SIGKILL');
            clearInterval(timer);
          }
        }, 10)
      : undefined;
    child.on('exit', () => {
      if (timer) clearInterval(timer);
      // run-ts removes its bundle when the script exits, which a SIGKILL never lets it do.
      fs.rmSync(path.join(ROOT, '.bench', 'run', `backup-child-${child.pid}.mjs`), { force: true });
      resolve({ killed, report: stdout.trim() ? (JSON.parse(stdout.trim().split('\n').pop()!) as BackupReport) : null, stderr });
    });
  });
}

describe('a backup killed halfway', () => {
  it('resumes on the next run without sending again what had arrived, and restores the same project', async () => {
    const s3 = await startS3();
    // The kill lands inside the weights' multipart upload (16 parts of 64 KiB): the link holds
    // back its 4th part, so the backup waits there with 3 parts recorded when it is killed.
    const link = await networkLink(s3);
    link.stall = (r) => r.method === 'PUT' && !r.url.includes('project.db.gz') && Number(/[?&]partNumber=(\d+)/.exec(r.url)?.[1] ?? 0) >= 4;
    const { dir, store, run } = await makeBackupProject({ images: 5, weightsBytes: 1024 * 1024 });
    store.dispose();

    const killed = await backupInChild(dir, link.endpoint, 3);
    expect(killed.stderr).not.toMatch(/error/i);
    expect(killed.killed).toBe(true);
    expect(killed.report).toBeNull();
    const partsBefore = recordedParts(dir);
    expect(partsBefore).toBe(3);
    // The media had arrived; no snapshot claims to be complete.
    const arrived = [...s3.writes.keys()];
    expect(arrived.filter((k) => k.includes('/media/'))).toHaveLength(5);
    expect(arrived.some((k) => k.includes('/snapshots/') || k.endsWith('/latest'))).toBe(false);

    link.stall = null;
    const requestsBefore = link.requests.length;
    const finished = await backupInChild(dir, link.endpoint);
    expect(finished.report).toMatchObject({ cancelled: false, uploadsResumed: 1, objectsSkipped: arrived.length });
    // Nothing that had fully arrived was sent twice; only the missing parts of the weights went.
    expect([...s3.writes.entries()].filter(([, n]) => n > 1)).toEqual([]);
    const parts = link.requests.slice(requestsBefore).filter((r) => r.method === 'PUT' && /partNumber=/.test(r.url) && !r.url.includes('project.db.gz'));
    expect(parts).toHaveLength(16 - partsBefore);

    const bucket = S3Target.open(s3.target(), KEYS);
    const target = path.join(scratchDir('restore-'), 'p');
    const restored = await restoreProject(bucket, { project: finished.report!.project, dir: target });
    bucket.dispose();
    expect(restored).toMatchObject({ images: 5, runs: 1, cancelled: false });
    expect(projectDigest(target)).toEqual(projectDigest(dir));
    expect(fs.readFileSync(path.join(target, 'runs', run.id, 'weights', 'best.pt')).length).toBe(1024 * 1024);
  });
});
