/**
 * The complete snapshots in a bucket: those whose manifest was written. A backup that was cut
 * off before its manifest never shows here.
 */
import type { BackupSnapshotInfo } from '@shared';
import type { S3Target } from './s3-target.js';
import { bucketLayout, LatestPointerSchema, MANIFEST_KEY, parseJsonOrNull, SnapshotSummarySchema, SUMMARY_KEY } from './backup-manifest.js';
import { forEachLimited } from './work-pool.js';

/** Snapshots of one project (or of every project under the prefix), newest first. */
export async function listSnapshots(bucket: S3Target, project?: string, signal?: AbortSignal): Promise<BackupSnapshotInfo[]> {
  const projects = project ? [project] : (await bucket.list('', { delimiter: '/', signal })).folders.map((f) => f.replace(/\/$/, ''));
  const out: BackupSnapshotInfo[] = [];
  for (const name of projects) out.push(...(await projectSnapshots(bucket.within(name), name, signal)));
  return out.sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.snapshot.localeCompare(a.snapshot));
}

async function projectSnapshots(folder: S3Target, project: string, signal?: AbortSignal): Promise<BackupSnapshotInfo[]> {
  const { objects } = await folder.list(bucketLayout.snapshots, { signal });
  const ids = objects.map((o) => MANIFEST_KEY.exec(o.key)?.[1]).filter((id): id is string => Boolean(id));
  if (ids.length === 0) return [];
  const summarized = new Set(objects.map((o) => SUMMARY_KEY.exec(o.key)?.[1]).filter(Boolean));
  const latest = LatestPointerSchema.safeParse(parseJsonOrNull(await folder.getText(bucketLayout.latest, signal))).data?.snapshot ?? null;
  const infos: BackupSnapshotInfo[] = [];
  await forEachLimited(ids, 4, signal, async (id) => {
    const summary = summarized.has(id) ? SnapshotSummarySchema.safeParse(parseJsonOrNull(await folder.getText(bucketLayout.summary(id), signal))).data : undefined;
    infos.push({
      project,
      snapshot: id,
      createdAt: summary?.createdAt ?? createdAtFromId(id),
      projectName: summary?.projectName ?? null,
      images: summary?.images ?? null,
      objects: summary?.objects ?? null,
      bytes: summary?.bytes ?? null,
      latest: id === latest,
    });
  });
  return infos;
}

/** `2026-11-22T09-56-05-123Z` → `2026-11-22T09:56:05.123Z`; any other id as it is. */
function createdAtFromId(id: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2})-(\d{2})-(\d{2})-(\d{3})Z$/.exec(id);
  return m ? `${m[1]}T${m[2]}:${m[3]}:${m[4]}.${m[5]}Z` : id;
}
