/**
 * Whether the pretrained weights the form would train from are in the library ("in the library,
 * 5.3 MB") or will be downloaded first, and from where; while they download, the fetch's bytes,
 * percent and Cancel.
 */
import type { TaskType } from '@shared';
import { ErrorMessage } from '../ui/ErrorMessage.js';
import { formatBytes } from '../ui/format.js';
import { useSlice, useStores } from '../ui/stores-context.js';
import { WeightsJobRow } from '../weights/WeightsJobRow.js';
import { downloadSourceLabel } from '../weights/weights-format.js';

export function PretrainedStatus({ name, task }: { name: string; task: TaskType }) {
  const { weights } = useStores();
  const library = useSlice(weights, (s) => s.library);
  const loadError = useSlice(weights, (s) => s.loadError);
  const job = useSlice(weights, (s) => s.jobs.find((j) => j.target?.kind === 'pull' && j.target.name === name));
  const entry = library?.entries.find((e) => e.name === name);
  const dataset = task === 'classify' ? 'ImageNet' : 'COCO';

  if (job) return <WeightsJobRow job={job} />;
  if (!library) {
    return loadError ? <ErrorMessage error={loadError} testId="pretrained-status-error" /> : <p className="muted small">Looking in the weights library…</p>;
  }
  return (
    <p className="muted small" data-testid="pretrained-status" data-in-library={String(Boolean(entry))}>
      <code>{name}</code> ({dataset}):{' '}
      {entry ? `in the library, ${formatBytes(entry.bytes)}.` : `will be downloaded from ${downloadSourceLabel(library.source)} when you press Train.`}
    </p>
  );
}
