/**
 * Backup and restore through the studio's contract (the calls the Backup tab makes), against a
 * real S3 server: the restored project is the same project, and a second backup sends only
 * what is new.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MediaStore } from '../../../../src-main/services/media/media-store.js';
import { ProjectStore } from '../../../../src-main/services/store/project-store.js';
import { BUCKET, KEYS, networkLink, startS3 } from './s3-fixture.js';
import { importLabeledImages, makeBackupProject, projectDigest, scratchDir } from './project-fixture.js';
import { backupStudio, okReport } from './studio-fixture.js';

const secret = { secretAccessKey: KEYS.secretAccessKey };
/** s3rver checks the key id, not v4 signatures: a secret of its own shows where it is (not) kept. */
const DISTINCT_SECRET = 'only-for-this-call-5f2c9a';

describe('backup and restore through the studio', () => {
  it('restores an identical project: images byte for byte, annotations, classes, splits, runs and their files', async () => {
    const s3 = await startS3();
    const { dir, store, run } = await makeBackupProject({ images: 6 });
    store.dispose();
    const before = projectDigest(dir);

    const { api, result, progress, settingsText } = backupStudio();
    await api.projects.open({ dir });
    const state = await api.backup.setTarget({ target: s3.target('team/backups') });
    expect(state.target).toMatchObject({ bucket: BUCKET, prefix: 'team/backups', endpoint: s3.endpoint, forcePathStyle: true });
    expect(state.project).toMatch(/^bird-nests-[0-9a-f]{8}$/);

    const { jobId } = await api.backup.start({ secretAccessKey: DISTINCT_SECRET });
    const backup = okReport(await result(jobId), 'backup');
    // 6 images, the weights and the CSV; the run's dataset image is the media object already.
    expect(backup).toMatchObject({ project: state.project, cancelled: false, objectsTotal: 8, objectsUploaded: 8, objectsSkipped: 0, skippedFiles: [] });
    expect(backup.location).toBe(`s3://${BUCKET}/team/backups/${state.project}/`);
    expect(backup.snapshot).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    expect(backup.bytesUploaded).toBeGreaterThan(run.weightsBytes);
    const jobProgress = progress.filter((p) => p.jobId === jobId);
    expect(jobProgress.some((p) => p.phase === 'working')).toBe(true);
    expect(jobProgress.every((p) => p.done <= p.total && p.kind === 'backup')).toBe(true);
    // The last word is the database going up, with every file counted.
    expect(jobProgress.at(-1)).toMatchObject({ phase: 'finishing', current: expect.stringMatching(/^9 of 9 files · /) });
    // The secret went with the call only: nothing the studio keeps holds it.
    expect(settingsText()).not.toContain(DISTINCT_SECRET);
    expect(settingsText()).toContain(BUCKET);

    const snapshots = await api.backup.list(secret);
    expect(snapshots).toEqual([
      expect.objectContaining({ project: state.project, snapshot: backup.snapshot, projectName: 'Bird nests', images: 6, objects: 8, latest: true }),
    ]);

    const target = path.join(scratchDir('restore-'), 'restored');
    const restore = await api.backup.restore({ ...secret, project: backup.project, dir: target });
    const restored = okReport(await result(restore.jobId), 'restore');
    expect(restored).toMatchObject({ dir: target, snapshot: backup.snapshot, images: 6, annotations: 12, runs: 1, thumbnails: 6, thumbnailsFailed: 0, missingFiles: [], cancelled: false });

    expect(projectDigest(target)).toEqual(before);
    // Hard links came back as links, thumbnails were made again, no staging folder is left.
    const reopened = ProjectStore.open(target);
    const media = new MediaStore(reopened.paths);
    for (const image of reopened.images.iterate()) expect(fs.existsSync(media.thumbPath(image.hash))).toBe(true);
    reopened.dispose();
    expect(fs.readdirSync(path.dirname(target))).toEqual(['restored']);

    // And the studio opens it as the same project.
    const info = await api.projects.open({ dir: target });
    expect(info).toMatchObject({ name: 'Bird nests', task: 'detect' });
    expect((await api.backup.target()).project).toBe(state.project);
    expect(await api.splits.get()).toMatchObject({ pinned: 1 });
  });

  it('sends only the new media on the next backup, and keeps both snapshots restorable', async () => {
    const s3 = await startS3();
    const { dir, store } = await makeBackupProject({ images: 4 });
    store.dispose();
    const { api, result } = backupStudio();
    await api.projects.open({ dir });
    await api.backup.setTarget({ target: s3.target() });
    const first = okReport(await result((await api.backup.start(secret)).jobId), 'backup');
    const firstDigest = projectDigest(dir);

    await api.projects.close();
    const reopened = ProjectStore.open(dir);
    await importLabeledImages(reopened, 3);
    reopened.dispose();
    await api.projects.open({ dir });
    const writesBefore = s3.written.length;
    const second = okReport(await result((await api.backup.start(secret)).jobId), 'backup');

    expect(second).toMatchObject({ objectsTotal: first.objectsTotal + 3, objectsUploaded: 3, objectsSkipped: first.objectsTotal, uploadsResumed: 0 });
    const sent = s3.written.slice(writesBefore);
    // Three media objects, then the snapshot's database, manifest, summary and latest pointer.
    expect(sent.filter((k) => k.includes('/media/'))).toHaveLength(3);
    expect(sent.filter((k) => k.includes('/runs/'))).toHaveLength(0);
    expect(sent.slice(-4).map((k) => k.split('/').slice(-2).join('/'))).toEqual([
      `${second.snapshot}/project.db.gz`,
      `${second.snapshot}/manifest.json`,
      `${second.snapshot}/summary.json`,
      `${second.project}/latest`,
    ]);

    const snapshots = await api.backup.list({ ...secret, project: second.project });
    expect(snapshots.map((s) => [s.snapshot, s.images, s.latest])).toEqual([
      [second.snapshot, 7, true],
      [first.snapshot, 4, false],
    ]);
    // The older snapshot is still whole: it restores to the project as it was then.
    const older = path.join(scratchDir('restore-'), 'older');
    const restored = okReport(await result((await api.backup.restore({ ...secret, project: first.project, snapshot: first.snapshot!, dir: older })).jobId), 'restore');
    expect(restored.images).toBe(4);
    expect(projectDigest(older)).toEqual(firstDigest);
  });

  it('cancels a backup and a restore from the jobs, leaving no snapshot and no folder', async () => {
    const s3 = await startS3();
    // A slow network, so there is time to press Cancel.
    const slow = await networkLink(s3, { delayMs: 40 });
    const { dir, store } = await makeBackupProject({ images: 10 });
    store.dispose();
    const { api, result, progress } = backupStudio();
    await api.projects.open({ dir });
    await api.backup.setTarget({ target: { ...s3.target(), endpoint: slow.endpoint } });

    const stopWhenWorking = (kind: 'backup' | 'restore') =>
      api.jobs.onProgress((p) => {
        if (p.kind === kind && p.phase === 'working' && p.done > 0) void api.jobs.cancel({ jobId: p.jobId });
      });
    const off = stopWhenWorking('backup');
    const cancelled = await result((await api.backup.start(secret)).jobId);
    off();
    expect(cancelled.status).toBe('cancelled');
    expect(okReport(cancelled, 'backup')).toMatchObject({ cancelled: true, snapshot: null });
    expect(await api.backup.list(secret)).toEqual([]);

    slow.delayMs = 0;
    const done = okReport(await result((await api.backup.start(secret)).jobId), 'backup');
    expect(done.objectsSkipped).toBeGreaterThan(0);
    slow.delayMs = 40;
    const target = path.join(scratchDir('restore-'), 'p');
    const offRestore = stopWhenWorking('restore');
    const stopped = await result((await api.backup.restore({ ...secret, project: done.project, dir: target })).jobId);
    offRestore();
    expect(stopped).toMatchObject({ status: 'cancelled', report: { cancelled: true } });
    expect(fs.readdirSync(path.dirname(target))).toEqual([]);
    expect(progress.some((p) => p.kind === 'restore' && p.phase === 'working')).toBe(true);
  });

  it('refuses to restore into a folder that is not empty, and touches nothing in it', async () => {
    const s3 = await startS3();
    const { api, result } = backupStudio();
    await api.backup.setTarget({ target: s3.target() });
    const dir = scratchDir('full-');
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'mine');
    const { jobId } = await api.backup.restore({ ...secret, project: 'anything-12345678', dir });
    const failed = await result(jobId);
    expect(failed).toMatchObject({ status: 'failed', error: { code: 'already_exists' } });
    expect(fs.readdirSync(dir)).toEqual(['notes.txt']);
  });

  it('says clearly when there is no target, no backup of the project, or an unknown snapshot', async () => {
    const s3 = await startS3();
    const { api, result } = backupStudio();
    await expect(api.backup.list(secret)).rejects.toMatchObject({ code: 'invalid_input', message: expect.stringMatching(/No backup target is set/) });
    await api.backup.setTarget({ target: s3.target() });
    expect(await api.backup.list(secret)).toEqual([]);
    const dir = path.join(scratchDir(), 'restored');
    const missing = await result((await api.backup.restore({ ...secret, project: 'nobody-12345678', dir })).jobId);
    expect(missing).toMatchObject({ status: 'failed', error: { code: 'not_found', message: expect.stringMatching(/no backup of "nobody-12345678"/) } });
    expect(fs.existsSync(dir)).toBe(false);
    await expect(api.backup.restore({ ...secret, project: 'a/b', dir })).rejects.toMatchObject({ code: 'invalid_input' });
    await expect(api.backup.setTarget({ target: { bucket: 'x', region: 'us-east-1' } })).rejects.toMatchObject({ code: 'invalid_input' });
  });
});
