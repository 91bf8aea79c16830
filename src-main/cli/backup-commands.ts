/**
 * `reticle backup`, `reticle backups` and `reticle restore`: a project and an S3 bucket, through
 * the same contract as the Backup tab. Keys come from the environment (AWS_ACCESS_KEY_ID and
 * AWS_SECRET_ACCESS_KEY) or the rest of the AWS credential chain (~/.aws, SSO, instance role);
 * never from the command line, where other users could read them.
 */
import path from 'node:path';
import { BackupTargetSchema, StudioError, type BackupReport, type BackupSnapshotInfo, type BackupTarget, type RestoreReport } from '@shared';
import { UsageError, parse, print, waitForJob, withStudio, type Flags } from './common.js';
import { ProgressLine } from './output.js';

export const BACKUP_USAGE = `
Backup to S3 (AWS, MinIO, R2 or any S3-compatible store; keys from AWS_ACCESS_KEY_ID and
AWS_SECRET_ACCESS_KEY or ~/.aws):
  reticle backup DIR --s3 s3://BUCKET[/PREFIX] [--endpoint URL] [--region R] [--part-size MiB] [--json]
  reticle backups s3://BUCKET[/PREFIX] [--project PROJECT] [--endpoint URL] [--region R] [--json]
  reticle restore s3://BUCKET[/PREFIX]/PROJECT DIR [--snapshot ID] [--endpoint URL] [--region R] [--json]

  backup sends only what the bucket lacks and carries on an interrupted backup; the snapshot
  counts once its manifest is written. backups lists the snapshots (PROJECT is the folder
  backup printed). restore makes a new project folder, every file checked against its sha256.
  With --endpoint, requests use path-style URLs (https://endpoint/bucket/key).
`;

const TARGET_FLAGS = { endpoint: { type: 'string' }, region: { type: 'string' } } as const;

/** `s3://bucket/some/prefix` → bucket and the key path after it. */
function parseS3Url(text: string): { bucket: string; path: string } {
  const match = /^s3:\/\/([^/]+)\/*(.*)$/.exec(text.trim());
  if (!match) throw new UsageError(`${JSON.stringify(text)} is not an s3:// URL: write s3://BUCKET/PREFIX`);
  return { bucket: match[1], path: match[2].replace(/\/+$/, '') };
}

function targetFrom(bucket: string, prefix: string, values: Flags): BackupTarget {
  const endpoint = values.endpoint as string | undefined;
  const parsed = BackupTargetSchema.safeParse({
    endpoint,
    region: (values.region as string | undefined) ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1',
    bucket,
    prefix,
    forcePathStyle: Boolean(endpoint),
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UsageError(`${issue.path.join('.') || 'target'}: ${issue.message}`);
  }
  return parsed.data;
}

async function cmdBackup(argv: string[]): Promise<number> {
  const { positionals, values } = parse(argv, { s3: { type: 'string' }, 'part-size': { type: 'string' }, ...TARGET_FLAGS });
  const [dir] = positionals;
  if (!dir || positionals.length > 1 || !values.s3) throw new UsageError('reticle backup DIR --s3 s3://BUCKET/PREFIX');
  const url = parseS3Url(values.s3 as string);
  const partSizeMiB = values['part-size'] === undefined ? undefined : Number(values['part-size']);
  if (partSizeMiB !== undefined && !(partSizeMiB >= 5 && partSizeMiB <= 5120)) throw new UsageError('--part-size is in MiB, from 5 to 5120');
  const target = targetFrom(url.bucket, url.path, values);
  const json = Boolean(values.json);
  return withStudio(async (api) => {
    const info = await api.projects.open({ dir: path.resolve(dir) });
    const progress = new ProgressLine('backup');
    const { jobId } = await api.backup.start({ target, partSizeMiB });
    const result = await waitForJob(api, jobId, progress, (p) => progress.text(p.current ?? p.phase));
    if (result.status === 'failed') throw new StudioError(result.error.code, result.error.message);
    if (result.kind !== 'backup') throw new StudioError('internal', 'unexpected job result');
    print(json, result.report, formatBackupReport(info.name, result.report));
    return result.report.cancelled ? 130 : 0;
  });
}

async function cmdBackups(argv: string[]): Promise<number> {
  const { positionals, values } = parse(argv, { project: { type: 'string' }, ...TARGET_FLAGS });
  const [where] = positionals;
  if (!where || positionals.length > 1) throw new UsageError('reticle backups s3://BUCKET/PREFIX [--project PROJECT]');
  const url = parseS3Url(where);
  const target = targetFrom(url.bucket, url.path, values);
  return withStudio(async (api) => {
    const snapshots = await api.backup.list({ target, project: values.project as string | undefined });
    print(Boolean(values.json), snapshots, formatSnapshots(snapshots, `s3://${url.bucket}/${url.path}`));
    return 0;
  });
}

async function cmdRestore(argv: string[]): Promise<number> {
  const { positionals, values } = parse(argv, { snapshot: { type: 'string' }, ...TARGET_FLAGS });
  const [from, dir] = positionals;
  if (!from || !dir || positionals.length > 2) throw new UsageError('reticle restore s3://BUCKET/PREFIX/PROJECT DIR');
  const url = parseS3Url(from);
  const cut = url.path.lastIndexOf('/');
  const project = url.path.slice(cut + 1);
  if (!project) throw new UsageError('name the project after the prefix: s3://BUCKET/PREFIX/PROJECT (reticle backups lists them)');
  const target = targetFrom(url.bucket, cut < 0 ? '' : url.path.slice(0, cut), values);
  const json = Boolean(values.json);
  return withStudio(async (api) => {
    const progress = new ProgressLine('restore');
    const { jobId } = await api.backup.restore({ target, project, snapshot: values.snapshot as string | undefined, dir: path.resolve(dir) });
    const result = await waitForJob(api, jobId, progress, (p) => progress.text(p.current ?? p.phase));
    if (result.status === 'failed') throw new StudioError(result.error.code, result.error.message);
    if (result.kind !== 'restore') throw new StudioError('internal', 'unexpected job result');
    print(json, result.report, formatRestoreReport(result.report));
    return result.report.cancelled ? 130 : 0;
  });
}

export const BACKUP_COMMANDS: Record<string, (argv: string[]) => Promise<number>> = {
  backup: cmdBackup,
  backups: cmdBackups,
  restore: cmdRestore,
};

function formatBackupReport(name: string, r: BackupReport): string {
  if (r.cancelled) {
    return `Backup cancelled: ${r.objectsUploaded} files sent (${bytes(r.bytesUploaded)}), no snapshot written. Run it again to carry on.`;
  }
  const lines = [
    `Backed up "${name}" to ${r.location} as snapshot ${r.snapshot}`,
    `  ${r.objectsUploaded} files sent (${bytes(r.bytesUploaded)}), ${r.objectsSkipped} already there (${bytes(r.bytesSkipped)}); database ${bytes(r.databaseBytes)}; ${(r.durationMs / 1000).toFixed(1)} s`,
  ];
  if (r.uploadsResumed) lines.push(`  ${r.uploadsResumed} upload${r.uploadsResumed === 1 ? '' : 's'} carried on from an interrupted backup`);
  if (r.activeRunsSkipped) lines.push(`  ${r.activeRunsSkipped} run${r.activeRunsSkipped === 1 ? ' is' : 's are'} still training: their files wait for the next backup`);
  for (const f of r.skippedFiles.slice(0, 20)) lines.push(`  left out: ${f.path}: ${f.reason}`);
  if (r.skippedFiles.length > 20) lines.push(`  … and ${r.skippedFiles.length - 20} more left out (use --json for all)`);
  return lines.join('\n');
}

function formatRestoreReport(r: RestoreReport): string {
  if (r.cancelled) return 'Restore cancelled: nothing was kept.';
  const lines = [
    `Restored snapshot ${r.snapshot} of ${r.project} into ${r.dir}`,
    `  ${r.images} images, ${r.annotations} annotations, ${r.runs} runs; ${r.objectsDownloaded} files (${bytes(r.bytesDownloaded)}) checked; ${(r.durationMs / 1000).toFixed(1)} s`,
  ];
  if (r.thumbnailsFailed) lines.push(`  ${r.thumbnailsFailed} thumbnails could not be made (the images still open)`);
  if (r.missingFiles.length) lines.push(`  ${r.missingFiles.length} files were missing when the backup was made: ${r.missingFiles.slice(0, 5).join(', ')}`);
  return lines.join('\n');
}

function formatSnapshots(list: BackupSnapshotInfo[], where: string): string {
  if (list.length === 0) return `No backups in ${where}.`;
  return list
    .map((s) => `${s.project}  ${s.snapshot}${s.latest ? ' (latest)' : ''}  ${s.projectName ?? '?'}: ${s.images ?? '?'} images, ${s.objects ?? '?'} files, ${s.bytes === null ? '?' : bytes(s.bytes)}`)
    .join('\n');
}

function bytes(n: number): string {
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  if (n < 1024 ** 3) return `${(n / 1024 / 1024).toFixed(1)} MB`;
  return `${(n / 1024 ** 3).toFixed(2)} GB`;
}
