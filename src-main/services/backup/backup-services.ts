/**
 * The contract's `backup` domain: back the open project up to S3, list the snapshots in a
 * bucket, restore one into a new folder.
 *
 * The target (endpoint, region, bucket, prefix, key id) is kept in the studio's settings; the
 * secret access key never is. It comes with the call that needs it and lives as long as that
 * call's job, or the SDK finds credentials itself (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY,
 * ~/.aws, SSO, an instance role).
 */
import { BackupTargetSchema, StudioError, type BackupTarget, type BackupTargetState, type JobProgress, type ServicesOf, type StudioEmitter, type backupContract } from '@shared';
import type { ProjectSession } from '../project/project-session.js';
import type { JobRunner } from '../jobs/job-runner.js';
import type { SettingsStore } from '../settings/settings-store.js';
import { S3Target, s3Credentials, type S3TargetOptions } from './s3-target.js';
import { backupProject } from './backup-project.js';
import { restoreProject } from './restore-project.js';
import { listSnapshots } from './snapshot-list.js';
import { backupProjectKey } from './backup-manifest.js';
import { MiB } from './object-upload.js';
import type { TransferProgress } from './transfer-progress.js';

export type BackupServices = ServicesOf<typeof backupContract>;

export interface BackupServicesDeps {
  session: ProjectSession;
  /** The open project's jobs: backups run here (closing the project cancels them). */
  jobs: JobRunner;
  /** Jobs that outlive the open project: restores run here. Default: `jobs`. */
  studioJobs?: JobRunner;
  settings: SettingsStore;
  emit: () => StudioEmitter;
  /** Connection details for tests: attempts and timeouts. */
  s3?: S3TargetOptions;
  /** Transfer details for tests: the multipart threshold in bytes, objects at once. */
  transfer?: { multipartThreshold?: number; concurrency?: number };
}

export const BACKUP_TARGET_SETTING = 'backup.target';

export function createBackupServices(deps: BackupServicesDeps): BackupServices {
  const { session, settings } = deps;
  const studioJobs = deps.studioJobs ?? deps.jobs;
  /** Project folders with a backup running, and folders being restored into. */
  const busy = new Set<string>();

  const savedTarget = (): BackupTarget | null => {
    const parsed = BackupTargetSchema.safeParse(settings.get(BACKUP_TARGET_SETTING));
    return parsed.success ? parsed.data : null;
  };

  const targetState = (): BackupTargetState => ({
    target: savedTarget(),
    project: session.project ? backupProjectKey(session.project.info) : null,
    environmentCredentials: Boolean(process.env.AWS_ACCESS_KEY_ID && process.env.AWS_SECRET_ACCESS_KEY),
  });

  /** The bucket for a call: the target it names, else the saved one. */
  const openBucket = (target: BackupTarget | undefined, secretAccessKey: string | undefined): S3Target => {
    const chosen = target ?? savedTarget();
    if (!chosen) throw new StudioError('invalid_input', 'No backup target is set. Enter the bucket (and the endpoint, for a store other than AWS) first.');
    return S3Target.open(chosen, s3Credentials(chosen, secretAccessKey), deps.s3);
  };

  const claim = (key: string, message: string) => {
    if (busy.has(key)) throw new StudioError('conflict', message);
    busy.add(key);
  };

  return {
    backup: {
      target: () => targetState(),

      setTarget: ({ target }) => {
        settings.set(BACKUP_TARGET_SETTING, target);
        return targetState();
      },

      start: ({ target, secretAccessKey, partSizeMiB }) => {
        const project = session.require();
        const bucket = openBucket(target, secretAccessKey);
        const key = `backup:${project.store.paths.root}`;
        try {
          claim(key, 'A backup of this project is already running. Wait for it, or cancel it first.');
        } catch (err) {
          bucket.dispose();
          throw err;
        }
        const { jobId } = deps.jobs.start('backup', async (job) => {
          try {
            return await backupProject(project.store, bucket, {
              signal: job.signal,
              onProgress: (p) => job.progress(jobProgress(p)),
              partSize: partSizeMiB ? Math.round(partSizeMiB * MiB) : undefined,
              multipartThreshold: deps.transfer?.multipartThreshold,
              concurrency: deps.transfer?.concurrency,
            });
          } finally {
            bucket.dispose();
            busy.delete(key);
          }
        });
        return { jobId };
      },

      list: async ({ target, secretAccessKey, project }) => {
        const bucket = openBucket(target, secretAccessKey);
        try {
          return await listSnapshots(bucket, project);
        } finally {
          bucket.dispose();
        }
      },

      restore: ({ target, secretAccessKey, project, snapshot, dir }) => {
        const bucket = openBucket(target, secretAccessKey);
        const key = `restore:${dir}`;
        try {
          claim(key, `A restore into ${dir} is already running.`);
        } catch (err) {
          bucket.dispose();
          throw err;
        }
        const { jobId } = studioJobs.start('restore', async (job) => {
          try {
            return await restoreProject(bucket, { project, snapshot, dir }, { signal: job.signal, onProgress: (p) => job.progress(jobProgress(p)), concurrency: deps.transfer?.concurrency });
          } finally {
            bucket.dispose();
            busy.delete(key);
          }
        });
        return { jobId };
      },
    },
  };
}

/** Jobs count bytes (the bar moves with big files too); files and what it does go in words. */
function jobProgress(p: TransferProgress): Omit<JobProgress, 'jobId' | 'kind'> {
  const counts = p.filesTotal > 0 ? `${p.filesDone} of ${p.filesTotal} files · ${formatBytes(p.bytesDone)} of ${formatBytes(p.bytesTotal)}` : '';
  return { phase: p.phase, done: p.bytesDone, total: p.bytesTotal, current: [counts, p.activity].filter(Boolean).join(' · ') };
}

function formatBytes(n: number): string {
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(n < 10 * 1024 ? 1 : 0)} KB`;
  if (n < 1024 ** 3) return `${(n / 1024 / 1024).toFixed(1)} MB`;
  return `${(n / 1024 ** 3).toFixed(2)} GB`;
}
