/**
 * `reticle backup`, `reticle backups` and `reticle restore` as a user runs them: the built CLI,
 * keys from the environment, a real S3 server on loopback.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BackupReport, BackupSnapshotInfo, RestoreReport } from '@shared';
import { ensureCliBuilt, reticle, spawnReticle, type CliResult } from '../../helpers/cli.js';
import { tempDir } from '../../helpers/images.js';
import { BUCKET, KEYS, startS3 } from './s3-fixture.js';
import { makeBackupProject, projectDigest, scratchDir } from './project-fixture.js';

const home = tempDir('reticle-home-');
const env = { RETICLE_HOME: home, AWS_ACCESS_KEY_ID: KEYS.accessKeyId, AWS_SECRET_ACCESS_KEY: KEYS.secretAccessKey };

beforeAll(() => ensureCliBuilt(), 120_000);
afterAll(() => fs.rmSync(home, { recursive: true, force: true }));

/** Runs the CLI without blocking this process: the S3 server answering it lives here. */
function run(args: string[]): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawnReticle(args, env);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

async function runJson<T>(args: string[]): Promise<T> {
  const r = await run([...args, '--json']);
  if (r.code !== 0) throw new Error(`reticle ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

describe('reticle backup and restore', () => {
  it('backs a project up, lists the snapshot and restores it into a new folder, identical', async () => {
    const s3 = await startS3();
    const { dir, store } = await makeBackupProject({ images: 3, name: 'Field survey' });
    store.dispose();
    const where = `s3://${BUCKET}/cli/backups`;

    const backup = await runJson<BackupReport>(['backup', dir, '--s3', where, '--endpoint', s3.endpoint]);
    expect(backup).toMatchObject({ cancelled: false, objectsUploaded: 5, objectsSkipped: 0, location: `${where}/${backup.project}/` });
    expect(backup.project).toMatch(/^field-survey-[0-9a-f]{8}$/);

    const again = await run(['backup', dir, '--s3', where, '--endpoint', s3.endpoint]);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(new RegExp(`Backed up "Field survey" to ${where}/${backup.project}/ as snapshot \\S+\\n  0 files sent \\(0\\.0 KB\\), 5 already there`));

    const listed = await runJson<BackupSnapshotInfo[]>(['backups', where, '--endpoint', s3.endpoint]);
    expect(listed.map((s) => [s.project, s.images, s.latest])).toEqual([
      [backup.project, 3, true],
      [backup.project, 3, false],
    ]);
    expect(listed[1].snapshot).toBe(backup.snapshot);

    const target = path.join(scratchDir('cli-restore-'), 'survey');
    const restored = await runJson<RestoreReport>(['restore', `${where}/${backup.project}`, target, '--snapshot', backup.snapshot!, '--endpoint', s3.endpoint]);
    expect(restored).toMatchObject({ dir: target, snapshot: backup.snapshot, images: 3, annotations: 6, runs: 1, thumbnails: 3 });
    expect(projectDigest(target)).toEqual(projectDigest(dir));
    // The restored folder is a project the CLI opens like any other.
    expect((await runJson<{ images: number }>(['stats', target])).images).toBe(3);
  });

  it('explains bad command lines and a dead endpoint, and exits non-zero', async () => {
    const { dir, store } = await makeBackupProject({ images: 1 });
    store.dispose();
    expect(reticle(['backup', dir], env)).toMatchObject({ code: 2, stderr: expect.stringMatching(/reticle backup DIR --s3 s3:\/\/BUCKET/) });
    expect(reticle(['backup', dir, '--s3', 'https://bucket/x'], env)).toMatchObject({ code: 2, stderr: expect.stringMatching(/is not an s3:\/\/ URL/) });
    expect(reticle(['backup', dir, '--s3', 's3://bucket', '--part-size', '1'], env)).toMatchObject({ code: 2, stderr: expect.stringMatching(/--part-size is in MiB, from 5/) });
    expect(reticle(['restore', 's3://bucket', path.join(scratchDir(), 'x')], env)).toMatchObject({ code: 2, stderr: expect.stringMatching(/name the project/) });

    const s3 = await startS3();
    const port = new URL(s3.endpoint).port;
    await s3.close();
    const offline = reticle(['backup', dir, '--s3', `s3://${BUCKET}/x`, '--endpoint', `http://127.0.0.1:${port}`, '--json'], env);
    expect(offline.code).toBe(1);
    expect(JSON.parse(offline.stdout)).toMatchObject({ error: { code: 'offline', message: expect.stringMatching(/^Cannot reach http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\).*you may be offline/) } });
    expect(offline.stderr).not.toMatch(/NodeVersionSupportWarning/);
    expect(fs.readdirSync(path.join(dir, 'cache'))).toEqual(['backup-state.json']);
  });
});
