/**
 * The Backup tab's store over a real studio and a real S3 server: what the form saves, that the
 * secret is sent but never kept, and that back up, list and restore do what the buttons say.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createBackupStore, targetRequest } from '../../../../src-renderer/backup/backup-store.js';
import { BUCKET, KEYS, startS3 } from './s3-fixture.js';
import { makeBackupProject, projectDigest, scratchDir } from './project-fixture.js';
import { backupStudio, okReport } from './studio-fixture.js';

describe('the Backup tab', () => {
  it('saves the target without the secret, backs up, lists the snapshot and restores it', async () => {
    const s3 = await startS3();
    const { dir, store: project } = await makeBackupProject({ images: 2 });
    project.dispose();
    const { api, result, settingsText } = backupStudio();
    await api.projects.open({ dir });
    const tab = createBackupStore(api);

    await tab.getState().load();
    expect(tab.getState()).toMatchObject({ saved: null, form: { bucket: '', region: 'us-east-1' } });
    expect(tab.getState().project).toMatch(/^bird-nests-/);

    const typed = { endpoint: ` ${s3.endpoint} `, bucket: BUCKET, prefix: '/tab/', accessKeyId: KEYS.accessKeyId, forcePathStyle: true } as const;
    for (const [name, value] of Object.entries(typed)) tab.getState().setField(name as keyof typeof typed, value);
    tab.getState().setSecret('typed-in-the-tab-7d1e');
    const jobId = await tab.getState().backUp();
    const report = okReport(await result(jobId), 'backup');
    expect(report).toMatchObject({ cancelled: false, objectsUploaded: 4, location: `s3://${BUCKET}/tab/${tab.getState().project}/` });
    // The form shows what was saved, cleaned up; the secret stayed in the tab.
    expect(tab.getState().form).toMatchObject({ endpoint: s3.endpoint, prefix: 'tab' });
    expect(tab.getState().saved).toMatchObject({ bucket: BUCKET, prefix: 'tab', accessKeyId: KEYS.accessKeyId });
    expect(settingsText()).not.toContain('typed-in-the-tab-7d1e');

    await tab.getState().listSnapshots();
    const [snapshot] = tab.getState().snapshots!;
    expect(snapshot).toMatchObject({ snapshot: report.snapshot, images: 2, latest: true });

    const target = path.join(scratchDir('tab-restore-'), 'copy');
    const restored = okReport(await result(await tab.getState().restore(snapshot, ` ${target} `)), 'restore');
    expect(restored.dir).toBe(target);
    expect(projectDigest(target)).toEqual(projectDigest(dir));

    // A second tab (the page opened again) finds the saved target, not the secret.
    const again = createBackupStore(api);
    await again.getState().load();
    expect(again.getState().form).toMatchObject({ bucket: BUCKET, prefix: 'tab', forcePathStyle: true });
    expect(again.getState().secret).toBe('');
    expect(fs.existsSync(path.join(target, 'project.db'))).toBe(true);
  });

  it('sends empty fields as not set, so the studio applies its defaults and checks', async () => {
    expect(targetRequest({ endpoint: ' ', region: '', bucket: ' b1 ', prefix: '', accessKeyId: '', forcePathStyle: false })).toEqual({
      endpoint: undefined,
      region: undefined,
      bucket: 'b1',
      prefix: '',
      accessKeyId: undefined,
      forcePathStyle: false,
    });
    const { api } = backupStudio();
    const tab = createBackupStore(api);
    tab.getState().setField('bucket', 'no');
    await expect(tab.getState().saveTarget()).rejects.toMatchObject({ code: 'invalid_input', message: expect.stringMatching(/bucket/) });
    tab.getState().setField('bucket', 'fine-bucket');
    tab.getState().setField('endpoint', 'ftp://example.com');
    await expect(tab.getState().saveTarget()).rejects.toMatchObject({ code: 'invalid_input', message: expect.stringMatching(/endpoint/) });
  });
});
