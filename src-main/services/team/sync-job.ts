/** What a push or a pull works on and reports to: shared by push.ts and pull.ts. */
import type { JobProgress, SyncReport } from '@shared';
import type { ProjectStore } from '../store/project-store.js';
import type { MediaStore } from '../media/media-store.js';
import type { TeamClient } from './team-client.js';

/** A project to sync: the open one, or a new folder a clone fills. */
export interface SyncTarget {
  store: ProjectStore;
  media: MediaStore;
}

/** What a push or pull changed here, so a window showing the project refreshes. */
export interface SyncEvents {
  imagesAdded(): void;
  labelsChanged(imageIds: number[]): void;
  classesChanged(): void;
}

export interface SyncRun {
  client: TeamClient;
  signal: AbortSignal;
  progress?: (p: Omit<JobProgress, 'jobId' | 'kind'>) => void;
  events?: SyncEvents;
}

export function emptyReport(direction: SyncReport['direction'], remoteProjectId: string): SyncReport {
  return {
    direction,
    remoteProjectId,
    imagesSent: 0,
    imagesReceived: 0,
    annotationsApplied: 0,
    conflicts: 0,
    unchanged: 0,
    mediaUploaded: 0,
    bytesUploaded: 0,
    mediaDownloaded: 0,
    bytesDownloaded: 0,
    classesCreated: [],
    failed: [],
    cancelled: false,
    durationMs: 0,
  };
}

/** `1.2 MB`: for progress lines. */
export function megabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

/** Runs `work` over `items`, `concurrency` at a time, stopping at the first failure. */
export async function eachLimited<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < items.length) {
      const item = items[next++];
      try {
        await work(item);
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}
