/**
 * The Backup tab: where backups go (an S3 bucket: AWS, MinIO, R2…), Back up now with its
 * progress and Cancel, the snapshots in the bucket, and Restore a snapshot into a new folder.
 * The secret access key stays in this tab's memory: it goes with each call and is never saved.
 */
import { useEffect, useState, type FormEvent } from 'react';
import type { StoreApi } from 'zustand/vanilla';
import { toErrorPayload, type BackupReport, type BackupSnapshotInfo, type ErrorPayload, type JobResult, type RestoreReport } from '@shared';
import { ErrorMessage } from '../ui/ErrorMessage.js';
import { RunningJobRow } from '../ui/JobsPanel.js';
import { formatBytes } from '../ui/format.js';
import { TableHead } from '../ui/TableHead.js';
import { useAction, useSlice, useStores } from '../ui/stores-context.js';
import { createBackupStore, type BackupState, type TargetForm } from './backup-store.js';
import './backup.css';
import { FolderInput } from '../ui/FolderInput.js';

type BackupStore = StoreApi<BackupState>;

export function BackupPage() {
  const stores = useStores();
  const [store] = useState(() => createBackupStore(stores.host.api));
  const projectDir = useSlice(stores.project, (s) => s.project?.dir ?? null);
  const [loadError, setLoadError] = useState<ErrorPayload | null>(null);

  useEffect(() => {
    store
      .getState()
      .load()
      .then(() => setLoadError(null))
      .catch((err: unknown) => setLoadError(toErrorPayload(err)));
  }, [store, projectDir]);

  return (
    <div className="page backup-page" data-testid="backup-page">
      <div className="page-header">
        <h2>Backup</h2>
      </div>
      <ErrorMessage error={loadError} testId="backup-load-error" onDismiss={() => setLoadError(null)} />
      <div className="card-columns side-first">
        <TargetCard store={store} />
        <div className="card-column">
          <BackUpCard store={store} />
          <SnapshotsCard store={store} />
        </div>
      </div>
    </div>
  );
}

const FIELDS: { name: Exclude<keyof TargetForm, 'forcePathStyle'>; label: string; placeholder: string; hint?: string }[] = [
  { name: 'endpoint', label: 'Endpoint', placeholder: 'https://s3.example.com (empty for AWS)', hint: 'MinIO, R2, Backblaze, Wasabi… Leave empty for AWS.' },
  { name: 'region', label: 'Region', placeholder: 'us-east-1', hint: 'R2 takes auto.' },
  { name: 'bucket', label: 'Bucket', placeholder: 'my-backups' },
  { name: 'prefix', label: 'Prefix', placeholder: 'reticle (optional)' },
  { name: 'accessKeyId', label: 'Access key id', placeholder: 'AKIA…' },
];

function TargetCard({ store }: { store: BackupStore }) {
  const form = useSlice(store, (s) => s.form);
  const secret = useSlice(store, (s) => s.secret);
  const saved = useSlice(store, (s) => s.saved);
  const environmentCredentials = useSlice(store, (s) => s.environmentCredentials);
  const save = useAction(() => store.getState().saveTarget());
  const [savedNote, setSavedNote] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setSavedNote(false);
    await save.run();
    setSavedNote(store.getState().saved !== null);
  };

  return (
    <section className="card" aria-labelledby="backup-target-title" data-testid="backup-target">
      <h3 id="backup-target-title">Where backups go</h3>
      <form className="form" onSubmit={(e) => void submit(e)}>
        {FIELDS.map((f) => (
          <label key={f.name} className="field">
            <span>{f.label}</span>
            <input
              value={form[f.name]}
              onChange={(e) => store.getState().setField(f.name, e.target.value)}
              placeholder={f.placeholder}
              spellCheck={false}
              autoComplete="off"
              required={f.name === 'bucket'}
              data-testid={`backup-${f.name}`}
            />
            {f.hint && <small className="muted">{f.hint}</small>}
          </label>
        ))}
        <label className="field">
          <span>Secret access key</span>
          <input type="password" value={secret} onChange={(e) => store.getState().setSecret(e.target.value)} autoComplete="off" data-testid="backup-secret" placeholder={environmentCredentials ? 'from the environment' : ''} />
          <small className="muted">
            Kept only while this tab is open, never saved.
            {environmentCredentials ? ' Left empty, the keys in the studio’s environment are used.' : ' Left empty, the AWS credential chain is used (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, ~/.aws).'}
          </small>
        </label>
        <label className="checkbox">
          <input type="checkbox" checked={form.forcePathStyle} onChange={(e) => store.getState().setField('forcePathStyle', e.target.checked)} data-testid="backup-path-style" />
          Path-style URLs (MinIO and most self-hosted stores need them)
        </label>
        <ErrorMessage error={save.error} testId="backup-target-error" onDismiss={save.clear} />
        <div className="form-actions">
          {savedNote && saved && !save.pending && (
            <span className="muted small" data-testid="backup-target-saved">
              Saved
            </span>
          )}
          <button type="submit" disabled={save.pending} data-testid="backup-save">
            Save target
          </button>
        </div>
      </form>
    </section>
  );
}

function BackUpCard({ store }: { store: BackupStore }) {
  const stores = useStores();
  const project = useSlice(store, (s) => s.project);
  const bucket = useSlice(store, (s) => s.form.bucket.trim());
  const running = useSlice(stores.jobs, (s) => s.running.find((j) => j.kind === 'backup'));
  const result = useSlice(stores.jobs, (s) => s.results.find((r) => r.kind === 'backup'));
  const start = useAction(async () => {
    await store.getState().backUp();
    await stores.jobs.getState().loadRunning();
  });

  return (
    <section className="card" aria-labelledby="backup-now-title" data-testid="backup-now">
      <h3 id="backup-now-title">Back up this project</h3>
      <p className="muted small">
        Sends the images, the runs’ files and a copy of the database. Only what the bucket lacks is sent; an interrupted backup carries on where it stopped.
        {project && (
          <>
            {' '}
            This project’s folder in the bucket: <code data-testid="backup-project-key">{project}</code>
          </>
        )}
      </p>
      <div className="form-actions backup-actions">
        <button type="button" className="primary" onClick={() => void start.run()} disabled={!bucket || start.pending || Boolean(running)} data-testid="backup-start">
          {running ? 'Backing up…' : 'Back up now'}
        </button>
      </div>
      {running && <RunningJobRow job={running} />}
      <ErrorMessage error={start.error} testId="backup-start-error" onDismiss={start.clear} />
      {result && !running && <BackupResult result={result} />}
    </section>
  );
}

function BackupResult({ result }: { result: JobResult }) {
  if (result.status === 'failed') {
    return (
      <div className="report report-failed" data-testid="backup-result" data-status="failed">
        <strong>The backup failed.</strong>
        <ErrorMessage error={result.error} testId="backup-result-error" />
      </div>
    );
  }
  const r = result.report as BackupReport;
  return (
    <div className="report" data-testid="backup-result" data-status={result.status}>
      {r.cancelled ? (
        <p>
          <strong>Backup cancelled.</strong> {r.objectsUploaded} files were sent; no snapshot was written. Back up again to carry on.
        </p>
      ) : (
        <p>
          <strong>Backed up</strong> as snapshot <code data-testid="backup-result-snapshot">{r.snapshot}</code> in <code>{r.location}</code>
        </p>
      )}
      <dl className="report-figures">
        <div>
          <dt>Sent</dt>
          <dd data-testid="backup-result-sent">
            {r.objectsUploaded} ({formatBytes(r.bytesUploaded)})
          </dd>
        </div>
        <div>
          <dt>Already there</dt>
          <dd data-testid="backup-result-skipped">{r.objectsSkipped}</dd>
        </div>
        <div>
          <dt>Database</dt>
          <dd>{formatBytes(r.databaseBytes)}</dd>
        </div>
      </dl>
      {r.uploadsResumed > 0 && <p className="muted small">{r.uploadsResumed} large file(s) carried on from an interrupted backup.</p>}
      {r.activeRunsSkipped > 0 && <p className="muted small">{r.activeRunsSkipped} run(s) still training: their files wait for the next backup.</p>}
      {r.skippedFiles.length > 0 && (
        <ul className="small" data-testid="backup-result-left-out">
          {r.skippedFiles.slice(0, 20).map((f) => (
            <li key={f.path}>
              <code>{f.path}</code>: {f.reason}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

function SnapshotsCard({ store }: { store: BackupStore }) {
  const snapshots = useSlice(store, (s) => s.snapshots);
  const loading = useSlice(store, (s) => s.loading);
  const project = useSlice(store, (s) => s.project);
  const bucket = useSlice(store, (s) => s.form.bucket.trim());
  const list = useAction(() => store.getState().listSnapshots());
  const [chosen, setChosen] = useState<BackupSnapshotInfo | null>(null);
  const stores = useStores();
  const lastBackup = useSlice(stores.jobs, (s) => s.results.find((r) => r.kind === 'backup' && r.status === 'ok')?.jobId ?? null);

  // A backup that just finished is a new snapshot: a list already shown takes it in.
  useEffect(() => {
    if (lastBackup && store.getState().snapshots) void store.getState().listSnapshots().catch(() => undefined);
  }, [store, lastBackup]);

  return (
    <section className="card" aria-labelledby="backup-snapshots-title" data-testid="backup-snapshots">
      <h3 id="backup-snapshots-title">Snapshots in the bucket</h3>
      <div className="form-actions backup-actions">
        <button type="button" onClick={() => void list.run()} disabled={!bucket || loading} data-testid="backup-list">
          {loading ? 'Listing…' : snapshots ? 'Refresh' : 'List snapshots'}
        </button>
      </div>
      <ErrorMessage error={list.error} testId="backup-list-error" onDismiss={list.clear} />
      {snapshots && snapshots.length === 0 && <p className="muted">No backups under this prefix yet.</p>}
      {snapshots && snapshots.length > 0 && (
        <table className="data-table backup-table">
          <TableHead columns={['Taken', 'Project', 'Images', 'Size']} />
          <tbody>
            {snapshots.map((s) => (
              <tr key={`${s.project}/${s.snapshot}`} data-testid="backup-snapshot" data-snapshot={s.snapshot} className={chosen === s ? 'chosen' : undefined}>
                <td>
                  {new Date(s.createdAt).toLocaleString()}
                  {s.latest && <span className="badge">latest</span>}
                </td>
                <td title={s.project}>
                  {s.projectName ?? s.project}
                  {s.project === project && <span className="muted small"> (this project)</span>}
                </td>
                <td>{s.images ?? '?'}</td>
                <td>{s.bytes === null ? '?' : formatBytes(s.bytes)}</td>
                <td>
                  <button type="button" className="link-button" onClick={() => setChosen(s)} data-testid="backup-snapshot-restore">
                    Restore…
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {chosen && <RestoreForm store={store} snapshot={chosen} onClose={() => setChosen(null)} />}
      <RestoreStatus />
    </section>
  );
}

function RestoreForm({ store, snapshot, onClose }: { store: BackupStore; snapshot: BackupSnapshotInfo; onClose: () => void }) {
  const stores = useStores();
  const [dir, setDir] = useState('');
  const restore = useAction(async () => {
    await store.getState().restore(snapshot, dir);
    await stores.jobs.getState().loadRunning();
    onClose();
  });
  const choose = useAction(async () => {
    const picked = await stores.project.getState().pickDirectory('An empty folder for the restored project');
    if (picked) setDir(picked);
  });
  return (
    <form
      className="form backup-restore"
      data-testid="backup-restore-form"
      onSubmit={(e) => {
        e.preventDefault();
        void restore.run();
      }}
    >
      <p className="small">
        Restore <strong>{snapshot.projectName ?? snapshot.project}</strong> as of {new Date(snapshot.createdAt).toLocaleString()} into a new, empty folder. Every file is checked against its checksum.
      </p>
      <label className="field">
        <span>New project folder</span>
        <FolderInput value={dir} onChange={setDir} placeholder="/home/me/projects/restored" testId="backup-restore-dir" onChoose={() => void choose.run()} choosing={choose.pending} />
      </label>
      <ErrorMessage error={restore.error ?? choose.error} testId="backup-restore-error" onDismiss={restore.clear} />
      <div className="form-actions">
        <button type="button" onClick={onClose}>
          Cancel
        </button>
        <button type="submit" className="primary" disabled={!dir.trim() || restore.pending} data-testid="backup-restore-start">
          Restore
        </button>
      </div>
    </form>
  );
}

/** The restore under way (progress, Cancel), or the last one's outcome with a way to open it. */
function RestoreStatus() {
  const stores = useStores();
  const running = useSlice(stores.jobs, (s) => s.running.find((j) => j.kind === 'restore'));
  const result = useSlice(stores.jobs, (s) => s.results.find((r) => r.kind === 'restore'));
  const open = useAction((dir: string) => stores.project.getState().open(dir));
  if (running) return <RunningJobRow job={running} />;
  if (!result) return null;
  if (result.status === 'failed') {
    return (
      <div className="report report-failed" data-testid="restore-result" data-status="failed">
        <strong>The restore failed; nothing was kept.</strong>
        <ErrorMessage error={result.error} testId="restore-result-error" />
      </div>
    );
  }
  const r = result.report as RestoreReport;
  if (r.cancelled) {
    return (
      <div className="report" data-testid="restore-result" data-status="cancelled">
        Restore cancelled; nothing was kept.
      </div>
    );
  }
  return (
    <div className="report" data-testid="restore-result" data-status="ok">
      <p>
        <strong>Restored</strong> {r.images} images, {r.annotations} annotations and {r.runs} runs into <code data-testid="restore-result-dir">{r.dir}</code>
      </p>
      {r.missingFiles.length > 0 && <p className="muted small">{r.missingFiles.length} file(s) were already missing when the backup was made.</p>}
      <ErrorMessage error={open.error} testId="restore-open-error" onDismiss={open.clear} />
      <div className="form-actions">
        <button type="button" onClick={() => stores.jobs.getState().dismiss(result.jobId)}>
          Dismiss
        </button>
        <button type="button" className="primary" onClick={() => void open.run(r.dir)} disabled={open.pending} data-testid="restore-open">
          Open restored project
        </button>
      </div>
    </div>
  );
}
