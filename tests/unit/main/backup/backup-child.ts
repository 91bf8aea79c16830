/**
 * Backs a project up from a process of its own, so a test can SIGKILL it halfway:
 * `node scripts/run-ts.mjs tests/unit/main/backup/backup-child.ts PROJECT_DIR ENDPOINT`.
 * Small parts (64 KiB above 128 KiB), one object at a time; prints the report as JSON.
 */
import { BackupTargetSchema } from '@shared';
import { ProjectStore } from '../../../../src-main/services/store/project-store.js';
import { S3Target } from '../../../../src-main/services/backup/s3-target.js';
import { backupProject } from '../../../../src-main/services/backup/backup-project.js';

const [dir, endpoint] = process.argv.slice(2);
const store = ProjectStore.open(dir);
const target = BackupTargetSchema.parse({ endpoint, bucket: 'backups', prefix: 'studio', accessKeyId: 'S3RVER', forcePathStyle: true });
const bucket = S3Target.open(target, { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' });
try {
  const report = await backupProject(store, bucket, { partSize: 64 * 1024, multipartThreshold: 128 * 1024, concurrency: 1 });
  process.stdout.write(`${JSON.stringify(report)}\n`);
} finally {
  bucket.dispose();
  store.dispose();
}
