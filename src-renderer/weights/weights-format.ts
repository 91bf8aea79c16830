/** The weights library in words: where downloads come from, where a file came from, how far a fetch is. */
import type { JobProgress, WeightsEntry, WeightsLibraryState } from '@shared';
import { formatBytes } from '../ui/format.js';

/** Where downloads come from: "the mirror https://…" or "Ultralytics' releases on GitHub". */
export function downloadSourceLabel(source: WeightsLibraryState['source']): string {
  return source.kind === 'mirror' ? `the mirror ${source.url}` : 'Ultralytics’ releases on GitHub';
}

/** Where a library file came from: "downloaded from host" or "added from /path". */
export function entryOrigin(source: WeightsEntry['source']): string {
  if (source.kind === 'added') return `added from ${source.path}`;
  try {
    return `downloaded from ${new URL(source.url).host}`;
  } catch {
    return `downloaded from ${source.url}`;
  }
}

/** How far a fetch is: "2.1 MB of 5.3 MB (39%)", or the bytes so far while the size is unknown. */
export function fetchProgressLabel(progress: JobProgress | null): string {
  if (!progress) return 'Starting…';
  if (progress.phase === 'finishing') return `${formatBytes(progress.done)}, checking that the runtime can load it…`;
  if (progress.total <= 0) return `${formatBytes(progress.done)} so far`;
  const percent = Math.min(100, Math.floor((100 * progress.done) / progress.total));
  return `${formatBytes(progress.done)} of ${formatBytes(progress.total)} (${percent}%)`;
}

export const TASK_LABELS: Record<WeightsEntry['task'], string> = {
  detect: 'detection',
  segment: 'segmentation',
  classify: 'classification',
  pose: 'pose',
  obb: 'oriented boxes',
};
