/**
 * The transfers themselves, against a real S3 server: multipart uploads with small parts,
 * checksums on the way up and down, cancel and resume, and the errors a user meets (offline,
 * wrong keys, no bucket).
 */
import fs from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { StudioError, type BackupTarget } from '@shared';
import { S3Target } from '../../../../src-main/services/backup/s3-target.js';
import { backupProject, BACKUP_STATE_FILE } from '../../../../src-main/services/backup/backup-project.js';
import { restoreProject } from '../../../../src-main/services/backup/restore-project.js';
import { listSnapshots } from '../../../../src-main/services/backup/snapshot-list.js';
import { until } from '../../helpers/until.js';
import { KEYS, filesUnder, networkLink, startS3 } from './s3-fixture.js';
import { makeBackupProject, projectDigest, scratchDir } from './project-fixture.js';

const KiB = 1024;
const small = { partSize: 64 * KiB, multipartThreshold: 128 * KiB };

function bucketFor(target: BackupTarget): S3Target {
  return S3Target.open(target, KEYS, { maxAttempts: 1 });
}

function pendingParts(projectDir: string): number {
  try {
    const state = JSON.parse(fs.readFileSync(path.join(projectDir, 'cache', BACKUP_STATE_FILE), 'utf8')) as { uploads: Record<string, { parts: unknown[] }> };
    return Object.values(state.uploads).reduce((n, u) => n + u.parts.length, 0);
  } catch {
    return 0;
  }
}

describe('backup transfers', () => {
  it('sends a file above the threshold in parts that arrive intact, with its sha256 checked', async () => {
    const s3 = await startS3();
    const link = await networkLink(s3);
    const { dir, store, run } = await makeBackupProject({ images: 2, weightsBytes: 1024 * KiB + 123 });
    const bucket = bucketFor({ ...s3.target(), endpoint: link.endpoint });
    const report = await backupProject(store, bucket, small);
    expect(report).toMatchObject({ cancelled: false, objectsUploaded: 4 });

    const weights = fs.readFileSync(path.join(dir, 'runs', run.id, 'weights', 'best.pt'));
    const manifest = JSON.parse((await bucket.within(report.project).getText(`snapshots/${report.snapshot}/manifest.json`))!) as { objects: { path: string; key: string; sha256: string }[] };
    const entry = manifest.objects.find((o) => o.path === `runs/${run.id}/weights/best.pt`)!;
    const fullKey = `studio/${report.project}/${entry.key}`;
    // 1 MiB + 123 bytes in 64 KiB parts: 17 parts, each its own request, joined into the same bytes.
    expect(link.requests.filter((r) => r.method === 'PUT' && r.url.includes(encodeURI(entry.key)) && /partNumber=/.test(r.url))).toHaveLength(17);
    expect(fs.readFileSync(s3.objectFile(fullKey)).equals(weights)).toBe(true);
    expect(await bucket.within(report.project).head(entry.key)).toMatchObject({ size: weights.length, sha256: entry.sha256 });

    const target = path.join(scratchDir('restore-'), 'p');
    const restored = await restoreProject(bucket, { project: report.project, dir: target });
    expect(restored.cancelled).toBe(false);
    expect(fs.readFileSync(path.join(target, 'runs', run.id, 'weights', 'best.pt')).equals(weights)).toBe(true);
    bucket.dispose();
    store.dispose();
  });

  it('finds a damaged object on restore, names it, and leaves no folder behind', async () => {
    const s3 = await startS3();
    const { store } = await makeBackupProject({ images: 3 });
    const bucket = bucketFor(s3.target());
    const report = await backupProject(store, bucket);
    store.dispose();
    const mediaKey = s3.written.find((k) => k.includes('/media/'))!;
    s3.corrupt(mediaKey);

    const parent = scratchDir('restore-');
    const target = path.join(parent, 'p');
    const err = await restoreProject(bucket, { project: report.project, dir: target }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StudioError);
    expect(err).toMatchObject({ code: 'io', message: expect.stringContaining(`The backup is damaged: s3://backups/${mediaKey}`) });
    expect(fs.readdirSync(parent)).toEqual([]);
    bucket.dispose();
  });

  it('refuses a restore that cannot fit on the disk, and one whose latest manifest was changed', async () => {
    const s3 = await startS3();
    const { store } = await makeBackupProject({ images: 2 });
    const bucket = bucketFor(s3.target());
    const report = await backupProject(store, bucket);
    store.dispose();
    const folder = bucket.within(report.project);
    const manifestKey = `snapshots/${report.snapshot}/manifest.json`;
    const manifest = JSON.parse((await folder.getText(manifestKey))!) as { objects: { size: number }[] };
    // A snapshot larger than any disk here (a petabyte of weights).
    manifest.objects[manifest.objects.length - 1].size = 2 ** 50;
    const text = JSON.stringify(manifest);
    await folder.put(manifestKey, Buffer.from(text), { md5: createHash('md5').update(text).digest(), sha256: createHash('sha256').update(text).digest('hex') });

    const parent = scratchDir('restore-');
    const tooBig = await restoreProject(bucket, { project: report.project, snapshot: report.snapshot!, dir: path.join(parent, 'p') }).catch((e: unknown) => e);
    expect(tooBig).toMatchObject({ code: 'disk_full', message: expect.stringMatching(/^Restoring needs about .* free\. Free some space or restore to another disk\.$/) });
    const changed = await restoreProject(bucket, { project: report.project, dir: path.join(parent, 'p') }).catch((e: unknown) => e);
    expect(changed).toMatchObject({ code: 'io', message: expect.stringMatching(/manifest of the latest snapshot .* was changed/) });
    expect(fs.readdirSync(parent)).toEqual([]);
    bucket.dispose();
  });

  it('backs up the rest when a media file is damaged or missing, and says which', async () => {
    const s3 = await startS3();
    const { dir, store } = await makeBackupProject({ images: 4 });
    const media = store.db.prepare('SELECT hash, ext FROM images ORDER BY id').all() as { hash: string; ext: string }[];
    const file = (i: number) => path.join(dir, 'media', media[i].hash.slice(0, 2), `${media[i].hash}${media[i].ext}`);
    const bytes = fs.readFileSync(file(1));
    bytes[bytes.length >> 1] ^= 0xff;
    fs.writeFileSync(file(1), bytes);
    fs.rmSync(file(2));
    const rel = (i: number) => path.relative(dir, file(i)).split(path.sep).join('/');

    const bucket = bucketFor(s3.target());
    const report = await backupProject(store, bucket);
    store.dispose();
    expect(report.snapshot).not.toBeNull();
    expect(report.skippedFiles).toEqual([
      { path: rel(2), reason: 'missing from the project folder' },
      { path: rel(1), reason: 'damaged: its bytes do not match its hash' },
    ]);
    // The run's dataset links the first image only: 2 good images, the weights and the CSV.
    expect(report.objectsTotal).toBe(4);

    const target = path.join(scratchDir('restore-'), 'p');
    const restored = await restoreProject(bucket, { project: report.project, dir: target });
    expect(restored).toMatchObject({ images: 4, thumbnails: 2, thumbnailsFailed: 2 });
    expect(restored.missingFiles.sort()).toEqual([rel(1), rel(2)].sort());
    expect(fs.existsSync(path.join(target, rel(0)))).toBe(true);
    expect(fs.existsSync(path.join(target, rel(1)))).toBe(false);
    bucket.dispose();
  });

  it('leaves no snapshot when cancelled, and the next backup reuses what arrived', async () => {
    const s3 = await startS3();
    const { store } = await makeBackupProject({ images: 8 });
    // A slow network, so that the cancel lands mid-way (progress is reported ten times a second).
    const slow = await networkLink(s3, { delayMs: 30 });
    const bucket = bucketFor({ ...s3.target(), endpoint: slow.endpoint });
    const controller = new AbortController();
    const cancelled = await backupProject(store, bucket, {
      concurrency: 1,
      signal: controller.signal,
      onProgress: (p) => {
        if (p.phase === 'working' && p.filesDone >= 2) controller.abort(new StudioError('cancelled', 'Cancelled by the user.'));
      },
    });
    expect(cancelled).toMatchObject({ cancelled: true, snapshot: null });
    expect(cancelled.objectsUploaded).toBeGreaterThanOrEqual(2);
    expect(cancelled.objectsUploaded).toBeLessThan(10);
    // Nothing claims a backup: no manifest, no latest, nothing listed.
    expect(s3.written.filter((k) => k.includes('/snapshots/') || k.endsWith('/latest'))).toEqual([]);
    expect(await listSnapshots(bucket)).toEqual([]);

    const again = await backupProject(store, bucket);
    expect(again).toMatchObject({ cancelled: false, objectsSkipped: cancelled.objectsUploaded, objectsUploaded: 10 - cancelled.objectsUploaded });
    expect([...s3.writes.values()].every((n) => n === 1)).toBe(true);
    expect((await listSnapshots(bucket)).map((s) => s.snapshot)).toEqual([again.snapshot]);
    bucket.dispose();
    store.dispose();
  });

  it('carries an interrupted multipart upload on from its last confirmed part', async () => {
    const s3 = await startS3();
    const slow = await networkLink(s3, { delayMs: 15 });
    const { dir, store, run } = await makeBackupProject({ images: 1, weightsBytes: 1024 * KiB });
    const slowBucket = bucketFor({ ...s3.target(), endpoint: slow.endpoint });
    const controller = new AbortController();
    const first = await backupProject(store, slowBucket, {
      ...small,
      concurrency: 1,
      signal: controller.signal,
      onProgress: () => {
        if (pendingParts(dir) >= 4) controller.abort(new StudioError('cancelled', 'Cancelled by the user.'));
      },
    });
    expect(first.cancelled).toBe(true);
    const recorded = pendingParts(dir);
    expect(recorded).toBeGreaterThanOrEqual(4);
    expect(recorded).toBeLessThan(16);

    // The same endpoint, at full speed now.
    slow.delayMs = 0;
    const requestsBefore = slow.requests.length;
    const bucket = bucketFor({ ...s3.target(), endpoint: slow.endpoint });
    const second = await backupProject(store, bucket, small);
    expect(second).toMatchObject({ cancelled: false, uploadsResumed: 1 });
    const partsSent = slow.requests.slice(requestsBefore).filter((r) => r.method === 'PUT' && /partNumber=/.test(r.url) && !r.url.includes('project.db.gz'));
    expect(partsSent).toHaveLength(16 - recorded);
    expect(pendingParts(dir)).toBe(0);

    const target = path.join(scratchDir('restore-'), 'p');
    await restoreProject(bucket, { project: second.project, dir: target });
    expect(fs.readFileSync(path.join(target, 'runs', run.id, 'weights', 'best.pt')).equals(fs.readFileSync(path.join(dir, 'runs', run.id, 'weights', 'best.pt')))).toBe(true);
    store.dispose();
    expect(projectDigest(target)).toEqual(projectDigest(dir));
    slowBucket.dispose();
    bucket.dispose();
  });

  it('says the endpoint cannot be reached when offline, and resumes once the network is back', async () => {
    const s3 = await startS3();
    const { store } = await makeBackupProject({ images: 8 });

    const dead = await networkLink(s3);
    await dead.cut();
    const offline = await backupProject(store, bucketFor({ ...s3.target(), endpoint: dead.endpoint })).catch((e: unknown) => e);
    expect(offline).toMatchObject({ code: 'offline', message: expect.stringMatching(/^Cannot reach http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\).*you may be offline/) });

    // The network dies halfway through: with 3 objects up, the link holds the 4th upload (it
    // never reaches the server), and is cut while the backup waits for it. Nothing is then on its
    // way to the server, so what arrived is settled when the backup answers.
    const flaky = await networkLink(s3);
    let puts = 0;
    flaky.stall = (r) => r.method === 'PUT' && ++puts > 3;
    const halfway = backupProject(store, bucketFor({ ...s3.target(), endpoint: flaky.endpoint }), { concurrency: 1 }).catch((e: unknown) => e);
    await until('the 4th upload to be held', () => flaky.stalled.length > 0);
    await flaky.cut();
    expect(await halfway).toMatchObject({ code: 'offline', message: expect.stringMatching(/you may be offline/) });
    const arrived = s3.written.length;
    expect(arrived).toBe(3);

    const back = await backupProject(store, bucketFor(s3.target()));
    expect(back).toMatchObject({ cancelled: false, objectsSkipped: arrived, objectsUploaded: 10 - arrived });
    store.dispose();
  });

  it('refuses wrong keys and a missing bucket with errors that say what to fix', async () => {
    const s3 = await startS3();
    const { store } = await makeBackupProject({ images: 1 });
    const wrongKey = S3Target.open(s3.target(), { accessKeyId: 'NOT-A-KEY', secretAccessKey: 'x' }, { maxAttempts: 1 });
    await expect(backupProject(store, wrongKey)).rejects.toMatchObject({ code: 'forbidden', message: expect.stringMatching(/refused the credentials \(InvalidAccessKeyId\).*Check the access key id/) });
    const noBucket = bucketFor({ ...s3.target(), bucket: 'no-such-bucket' });
    await expect(backupProject(store, noBucket)).rejects.toMatchObject({ code: 'not_found', message: expect.stringMatching(/The bucket "no-such-bucket" does not exist at http/) });
    await expect(listSnapshots(noBucket)).rejects.toMatchObject({ code: 'not_found' });
    // Failed backups leave no temporary files in the project.
    expect(filesUnder(store.paths.cache)).toEqual([BACKUP_STATE_FILE]);
    store.dispose();
  });
});
