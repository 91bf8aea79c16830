/** The backup domain of the contract: S3 backup and restore. */
import * as Backup from '../backup.js';
import type { BackupSnapshotInfo, BackupTargetState } from '../backup.js';
import * as S from '../schemas.js';
import { method, returns } from './define.js';

export const backupContract = {
  backup: {
    /** The saved target (no secret), the open project's folder in the bucket, and whether the environment holds keys. */
    target: method(S.NoInput, returns<BackupTargetState>()),
    /** Saves (or, with null, forgets) the target in the studio's settings. The secret is never saved. */
    setTarget: method(Backup.BackupSetTargetInput, returns<BackupTargetState>()),
    /**
     * Backs the open project up: sends the media and run files the bucket lacks, then a database
     * snapshot and its manifest (last, so only a complete backup is visible). Resumes an
     * interrupted one. Progress (bytes) and the report come as `jobs` events.
     */
    start: method(Backup.BackupStartInput, returns<{ jobId: string }>()),
    /** The complete snapshots in the bucket, newest first. */
    list: method(Backup.BackupListInput, returns<BackupSnapshotInfo[]>()),
    /**
     * Restores a snapshot into a new folder, every file checked against its sha256, thumbnails
     * made again. Progress and the report come as `jobs` events; it does not open the project.
     */
    restore: method(Backup.BackupRestoreInput, returns<{ jobId: string }>()),
  },
} as const;
