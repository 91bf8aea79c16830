/**
 * After an import that left out images lying outside the dataset's folder (a YAML's
 * `path: ../..`, an absolute COCO `file_name`, a link out): asks whether to take them too. They
 * are listed among the report's failures; yes starts the import again allowing them.
 */
import { ErrorMessage } from '../ui/ErrorMessage.js';
import { useAction, useStores } from '../ui/stores-context.js';

export function OutsideFilesQuestion({ jobId, outside }: { jobId: string; outside: number }) {
  const { jobs } = useStores();
  const again = useAction(() => jobs.getState().importOutsideToo(jobId));
  if (outside <= 0) return null;
  return (
    <div className="outside-question" data-testid="import-outside-question">
      <p className="small">
        {outside === 1 ? '1 image lies' : `${outside.toLocaleString()} images lie`} outside the dataset's folder (listed below) and{' '}
        {outside === 1 ? 'was' : 'were'} left out. Import {outside === 1 ? 'it' : 'them'} too?
      </p>
      <button type="button" onClick={() => void again.run()} disabled={again.pending} data-testid="import-outside-allow">
        Import {outside === 1 ? 'it' : 'them'} too
      </button>
      <ErrorMessage error={again.error} testId="import-outside-error" onDismiss={again.clear} />
    </div>
  );
}
