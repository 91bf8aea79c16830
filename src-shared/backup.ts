/** S3 backup and restore of a project folder, as the studio and CLI see them. */
export interface BackupReport {
  objectsUploaded: number;
  bytesUploaded: number;
  objectsSkipped: number;
}

export interface RestoreReport {
  dir: string;
  objectsDownloaded: number;
  bytesDownloaded: number;
}
