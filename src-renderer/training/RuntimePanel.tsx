/**
 * The Python runtime: checked when the page opens. Not ready: what is wrong and what to do, with
 * buttons to set it up (a job whose output shows live), use an existing Python, or repair it.
 * Ready: the versions and the devices it proved, the best one marked.
 */
import { useEffect, useRef, useState, type FormEvent } from 'react';
import type { RuntimeStatus } from '@shared';
import { ErrorMessage } from '../ui/ErrorMessage.js';
import { useAction } from '../ui/stores-context.js';
import { useTraining, useTrainingStore } from './context.js';
import { deviceOptions } from './devices.js';
import { isAbsolutePath } from './training-form.js';
import type { InstallMode, RuntimeInstall } from './runtime-slice.js';

const SOURCE_LABELS: Record<RuntimeStatus['source'], string> = {
  setting: 'a Python you chose',
  env: 'a Python named in the environment',
  managed: 'the managed runtime',
  none: 'no Python yet',
};

export function RuntimePanel() {
  const store = useTrainingStore();
  const runtime = useTraining((s) => s.runtime);
  const checking = useTraining((s) => s.runtimeChecking);
  const checkError = useTraining((s) => s.runtimeError);
  const install = useTraining((s) => s.install);
  const installing = install?.status === 'starting' || install?.status === 'running';
  const [pythonOpen, setPythonOpen] = useState(false);
  const [repairOpen, setRepairOpen] = useState(false);
  const startInstall = useAction((mode: InstallMode) => store.getState().installRuntime(mode));
  const ready = runtime?.ready ?? false;

  const actions = (
    <div className="runtime-actions">
      <button type="button" className={ready ? undefined : 'primary'} onClick={() => void startInstall.run('install')} disabled={installing} data-testid="runtime-install">
        Set up the runtime
      </button>
      <button type="button" onClick={() => setPythonOpen((o) => !o)} aria-expanded={pythonOpen} data-testid="runtime-use-python">
        Use an existing Python…
      </button>
      <button type="button" onClick={() => setRepairOpen((o) => !o)} aria-expanded={repairOpen} disabled={installing} data-testid="runtime-repair">
        Repair…
      </button>
    </div>
  );

  return (
    <section className="panel runtime-panel" aria-label="Training runtime" data-testid="runtime-panel" data-ready={runtime ? String(ready) : undefined}>
      <div className="runtime-header">
        <h2>Training runtime</h2>
        {checking ? (
          <span className="pill" data-testid="runtime-state">Checking…</span>
        ) : runtime ? (
          <span className={`pill ${ready ? 'pill-ok' : 'pill-bad'}`} data-testid="runtime-state">
            {ready ? 'Ready' : 'Not ready'}
          </span>
        ) : null}
        <button type="button" className="link-button" onClick={() => void store.getState().checkRuntime()} disabled={checking || installing} data-testid="runtime-check">
          Check again
        </button>
      </div>

      {checking && !runtime && <p className="muted">Looking for Python and testing each device with a small computation…</p>}
      <ErrorMessage error={checkError} testId="runtime-check-error" />

      {runtime && !ready && (
        <div className="runtime-problems" data-testid="runtime-problems">
          <p>
            <strong>Training needs a Python runtime with PyTorch and Ultralytics.</strong> {runtime.problems.length === 0 && 'It is not set up yet.'}
          </p>
          {runtime.problems.length > 0 && (
            <ul>
              {runtime.problems.map((p, i) => (
                <li key={i} data-testid="runtime-problem">
                  <span>{p.message}</span>
                  {p.action && <span className="runtime-problem-action"> {p.action}</span>}
                </li>
              ))}
            </ul>
          )}
        </div>
      )}

      {runtime?.env && <RuntimeDetails runtime={runtime} />}

      {runtime && !ready && actions}
      {runtime && ready && (
        <details className="runtime-more">
          <summary>Change or repair the runtime</summary>
          {actions}
        </details>
      )}
      {!runtime && checkError && actions}
      {/* A failed start shows in the install panel below; this is for when there is none. */}
      {!install && <ErrorMessage error={startInstall.error} testId="runtime-install-error" onDismiss={startInstall.clear} />}

      {repairOpen && <RepairChoices onPick={(mode) => void startInstall.run(mode).then(() => setRepairOpen(false))} disabled={installing} />}
      {pythonOpen && <PythonPathForm runtime={runtime} onDone={() => setPythonOpen(false)} />}
      {install && <InstallProgress install={install} />}
    </section>
  );
}

function RuntimeDetails({ runtime }: { runtime: RuntimeStatus }) {
  const env = runtime.env!;
  const devices = deviceOptions(runtime);
  return (
    <div className="runtime-details">
      <p className="runtime-versions" data-testid="runtime-versions">
        <span>Python {env.python}</span>
        <span>PyTorch {env.torch ?? 'not installed'}{env.cuda?.version ? ` (CUDA ${env.cuda.version})` : ''}</span>
        <span>Ultralytics {env.ultralytics ?? 'not installed'}</span>
        <span className="muted">
          from {SOURCE_LABELS[runtime.source]}
          {runtime.python && (
            <>
              {' '}
              <code title={runtime.python}>{runtime.python}</code>
            </>
          )}
        </span>
      </p>
      {devices.length > 0 && (
        <ul className="device-list" aria-label="Devices">
          {devices.map((d) => (
            <li key={d.value} className={`device-card${d.best ? ' best' : ''}${d.works ? '' : ' broken'}`} data-testid="runtime-device" data-device={d.value} data-best={d.best ? 'true' : undefined}>
              <div className="device-name">
                <strong>{d.label}</strong>
                {d.best && <span className="badge">best</span>}
              </div>
              {d.detail && <div className="muted small">{d.detail}</div>}
              {!d.works && (
                <div className="device-error small" data-testid="device-error">
                  Does not work: {d.reason}
                </div>
              )}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

function RepairChoices({ onPick, disabled }: { onPick: (mode: InstallMode) => void; disabled: boolean }) {
  return (
    <div className="runtime-repair" data-testid="runtime-repair-choices">
      <div>
        <button type="button" onClick={() => onPick('reinstall')} disabled={disabled} data-testid="runtime-reinstall">
          Reinstall the packages
        </button>
        <span className="muted small"> Installs PyTorch and Ultralytics again into the managed runtime.</span>
      </div>
      <div>
        <button type="button" onClick={() => onPick('recreate')} disabled={disabled} data-testid="runtime-recreate">
          Recreate from scratch
        </button>
        <span className="muted small"> Deletes the managed runtime and makes it again; slower, fixes more.</span>
      </div>
    </div>
  );
}

function PythonPathForm({ runtime, onDone }: { runtime: RuntimeStatus | null; onDone: () => void }) {
  const store = useTrainingStore();
  const [path, setPath] = useState(runtime?.source === 'setting' ? (runtime.python ?? '') : '');
  const [problem, setProblem] = useState<string | null>(null);
  const configure = useAction((python: string | null) => store.getState().configureRuntime(python));

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const p = path.trim();
    if (!p || !isAbsolutePath(p)) {
      setProblem('Give the full path of the Python interpreter, e.g. /home/me/venv/bin/python or C:\\Python312\\python.exe.');
      return;
    }
    setProblem(null);
    const status = await configure.run(p);
    if (status?.ready) onDone();
  };

  return (
    <form className="runtime-python" onSubmit={(e) => void submit(e)} data-testid="runtime-python-form">
      <label className="field">
        <span>A Python that can import ultralytics (a virtual environment or conda interpreter)</span>
        <div className="input-row">
          <input value={path} onChange={(e) => setPath(e.target.value)} placeholder="/path/to/venv/bin/python" spellCheck={false} aria-invalid={problem ? true : undefined} data-testid="runtime-python-path" />
          <button type="submit" disabled={configure.pending} data-testid="runtime-python-use">
            {configure.pending ? 'Checking…' : 'Use this Python'}
          </button>
          <button type="button" onClick={onDone}>
            Cancel
          </button>
        </div>
      </label>
      {problem && <p className="field-error">{problem}</p>}
      <ErrorMessage error={configure.error} testId="runtime-python-error" onDismiss={configure.clear} />
      {runtime?.source === 'setting' && (
        <button type="button" className="link-button" onClick={() => void configure.run(null).then((s) => s && onDone())} disabled={configure.pending}>
          Go back to the managed runtime
        </button>
      )}
    </form>
  );
}

const INSTALL_TITLES: Record<RuntimeInstall['status'], string> = {
  starting: 'Starting the setup…',
  running: 'Setting up the runtime',
  ok: 'The runtime is set up',
  cancelled: 'The setup was cancelled',
  failed: 'The setup failed',
};

function InstallProgress({ install }: { install: RuntimeInstall }) {
  const store = useTrainingStore();
  const cancel = useAction(() => store.getState().cancelInstall());
  const log = useRef<HTMLPreElement>(null);
  const live = install.status === 'starting' || install.status === 'running';
  const p = install.progress;

  // Follow the output as it comes, as a terminal would.
  useEffect(() => {
    const el = log.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [install.lines]);

  return (
    <div className={`runtime-install${install.status === 'failed' ? ' failed' : ''}`} data-testid="runtime-install-progress" data-status={install.status}>
      <div className="job-line">
        <strong>{install.cancelling && live ? 'Cancelling…' : INSTALL_TITLES[install.status]}</strong>
        {p && live && p.total > 0 && (
          <span className="muted small">
            step {p.done} of {p.total}
          </span>
        )}
        {live ? (
          <button type="button" onClick={() => void cancel.run()} disabled={install.cancelling || install.jobId === null} data-testid="runtime-install-cancel">
            Cancel
          </button>
        ) : (
          <button type="button" className="link-button" onClick={() => store.getState().dismissInstall()} data-testid="runtime-install-dismiss">
            Dismiss
          </button>
        )}
      </div>
      {live && (
        <div className={`progress${!p || p.total <= 0 ? ' indeterminate' : ''}`} role="progressbar" aria-label="Runtime setup progress" aria-valuemin={0} aria-valuemax={p && p.total > 0 ? p.total : undefined} aria-valuenow={p && p.total > 0 ? p.done : undefined}>
          <div className="progress-fill" style={{ width: p && p.total > 0 ? `${Math.min(100, (100 * p.done) / p.total)}%` : undefined }} />
        </div>
      )}
      {install.lines.length > 0 && (
        <pre className="install-log" ref={log} data-testid="runtime-install-log">
          {install.lines.join('\n')}
        </pre>
      )}
      <ErrorMessage error={install.error} testId="runtime-install-failed" />
      <ErrorMessage error={cancel.error} testId="runtime-install-cancel-error" onDismiss={cancel.clear} />
    </div>
  );
}
