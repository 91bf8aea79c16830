/** The Backup tab: back the project up to an S3 bucket, and restore one into a new folder. */
export function BackupPage() {
  return <section className="page" data-testid="backup-page" />;
}
