/** The contract's `backup` domain: back a project up to S3 and restore it. */
import type { ServicesOf, StudioEmitter, backupContract } from '@shared';
import type { ProjectSession } from '../studio/project-session.js';
import type { JobRunner } from '../jobs/job-runner.js';
import type { SettingsStore } from '../settings/settings-store.js';

export type BackupServices = ServicesOf<typeof backupContract>;

export interface BackupServicesDeps {
  session: ProjectSession;
  jobs: JobRunner;
  settings: SettingsStore;
  emit: () => StudioEmitter;
}

export function createBackupServices(_deps: BackupServicesDeps): BackupServices {
  return { backup: {} };
}
