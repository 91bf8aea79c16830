/**
 * The Weights tab: the studio's library of `.pt` files (not the project's: every project trains
 * from it), fetches under way with Cancel and what finished ones did, the pretrained weights on
 * offer, "Add weights I have", and where downloads come from.
 */
import { useEffect } from 'react';
import { ErrorMessage } from '../ui/ErrorMessage.js';
import { useSlice, useStores } from '../ui/stores-context.js';
import { AddWeightsForm } from './AddWeightsForm.js';
import { DownloadSourceForm } from './DownloadSourceForm.js';
import { LibraryTable } from './LibraryTable.js';
import { PretrainedTable } from './PretrainedTable.js';
import { WeightsJobRow, WeightsOutcomeLine } from './WeightsJobRow.js';
import './weights.css';

export function WeightsPage() {
  const { weights } = useStores();
  const dir = useSlice(weights, (s) => s.library?.dir ?? null);
  const loadError = useSlice(weights, (s) => s.loadError);
  const jobs = useSlice(weights, (s) => s.jobs);
  const outcomes = useSlice(weights, (s) => s.outcomes);

  useEffect(() => {
    void weights.getState().load();
  }, [weights]);

  return (
    <div className="page weights-page" data-testid="weights-page">
      <div className="page-header">
        <h2>Weights</h2>
        {dir && (
          <span className="muted small" data-testid="weights-dir">
            The studio’s library, for every project: <code>{dir}</code>
          </span>
        )}
      </div>
      <ErrorMessage error={loadError} testId="weights-load-error" />
      {(jobs.length > 0 || outcomes.length > 0) && (
        <section className="jobs" aria-label="Weights jobs">
          {jobs.map((job) => (
            <WeightsJobRow key={job.jobId} job={job} />
          ))}
          {outcomes.map((outcome) => (
            <WeightsOutcomeLine key={outcome.jobId} outcome={outcome} onDismiss={() => weights.getState().dismiss(outcome.jobId)} />
          ))}
        </section>
      )}
      <div className="card-columns">
        <div className="card-column">
          <LibraryTable />
          <PretrainedTable />
        </div>
        <div className="card-column">
          <AddWeightsForm />
          <DownloadSourceForm />
        </div>
      </div>
    </div>
  );
}
