/**
 * The Team tab: the account on a team server, the project's link to a shared project, push and
 * pull (their progress with the studio's jobs), the sync status (last sync, pending changes,
 * offline), conflicts with both versions side by side, automatic sync, a shared project pulled
 * into a new folder, and publishing a completed run's model.
 */
import { useEffect, useState, type FormEvent } from 'react';
import type { StoreApi } from 'zustand/vanilla';
import { toErrorPayload, type LabelsSummary, type RemoteProject, type SyncConflict, type SyncReport } from '@shared';
import { ErrorMessage } from '../ui/ErrorMessage.js';
import { RunningJobRow } from '../ui/JobsPanel.js';
import { useAction, useSlice, useStores } from '../ui/stores-context.js';
import { createTeamStore, type TeamState } from './team-store.js';
import './team.css';
import { FolderInput } from '../ui/FolderInput.js';

type TeamStore = StoreApi<TeamState>;

export function TeamPage() {
  const stores = useStores();
  const [store] = useState(() => createTeamStore(stores.host.api));
  const projectDir = useSlice(stores.project, (s) => s.project?.dir ?? null);
  const error = useSlice(store, (s) => s.error);
  const signedIn = useSlice(store, (s) => s.account?.signedIn ?? false);
  const linked = useSlice(store, (s) => Boolean(s.status?.link));

  useEffect(() => store.getState().attach(), [store]);
  useEffect(() => {
    if (projectDir) void store.getState().refresh().catch((err: unknown) => store.setState({ error: toErrorPayload(err) }));
  }, [store, projectDir]);

  return (
    <div className="page team-page" data-testid="team-page">
      <div className="page-header">
        <h2>Team</h2>
      </div>
      <ErrorMessage error={error} testId="team-error" onDismiss={() => store.setState({ error: null })} />
      <div className="team-layout">
        <div className="team-column">
          <AccountCard store={store} />
          {(signedIn || linked) && <LinkCard store={store} />}
          {linked && <SyncCard store={store} />}
        </div>
        <div className="team-column">
          {linked && <ConflictsCard store={store} />}
          {linked && <PublishCard store={store} />}
          {signedIn && <CloneCard store={store} />}
        </div>
      </div>
    </div>
  );
}

function AccountCard({ store }: { store: TeamStore }) {
  const account = useSlice(store, (s) => s.account);
  const [serverUrl, setServerUrl] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [register, setRegister] = useState(false);
  const submit = useAction(async () => {
    const request = { serverUrl: serverUrl.trim() || account?.serverUrl || '', email: email.trim(), password };
    await (register ? store.getState().register(request) : store.getState().login(request));
    setPassword('');
  });
  const logout = useAction(() => store.getState().logout());

  if (account?.signedIn && account.user) {
    return (
      <section className="card" aria-labelledby="team-account-title" data-testid="team-account">
        <h3 id="team-account-title">Account</h3>
        <p data-testid="team-account-user">
          Logged in to <code>{account.serverUrl}</code> as <strong>{account.user.name}</strong> ({account.user.email})
        </p>
        <div className="form-actions">
          <button type="button" onClick={() => void logout.run()} disabled={logout.pending} data-testid="team-logout">
            Log out
          </button>
        </div>
        <ErrorMessage error={logout.error} testId="team-logout-error" onDismiss={logout.clear} />
      </section>
    );
  }

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    void submit.run();
  };
  return (
    <section className="card" aria-labelledby="team-account-title" data-testid="team-account">
      <h3 id="team-account-title">Account</h3>
      <p className="muted small">Log in to a team server to share this project, push and pull labels, and publish models. Everything else works without one.</p>
      <form className="form" onSubmit={onSubmit} data-testid="team-login-form">
        <label className="field">
          <span>Server</span>
          <input value={serverUrl} onChange={(e) => setServerUrl(e.target.value)} placeholder={account?.serverUrl ?? 'https://labels.example.com'} spellCheck={false} data-testid="team-server-url" />
        </label>
        <label className="field">
          <span>Email</span>
          <input type="email" value={email} onChange={(e) => setEmail(e.target.value)} autoComplete="username" required data-testid="team-email" />
        </label>
        <label className="field">
          <span>Password</span>
          <input type="password" value={password} onChange={(e) => setPassword(e.target.value)} autoComplete={register ? 'new-password' : 'current-password'} required data-testid="team-password" />
          {register && <small className="muted">At least 10 characters.</small>}
        </label>
        <label className="checkbox">
          <input type="checkbox" checked={register} onChange={(e) => setRegister(e.target.checked)} data-testid="team-register" />
          Make a new account on this server
        </label>
        <div className="form-actions">
          <button type="submit" className="primary" disabled={submit.pending} data-testid="team-login">
            {submit.pending ? 'Connecting…' : register ? 'Register' : 'Log in'}
          </button>
        </div>
        <ErrorMessage error={submit.error} testId="team-login-error" onDismiss={submit.clear} />
      </form>
    </section>
  );
}

function LinkCard({ store }: { store: TeamStore }) {
  const status = useSlice(store, (s) => s.status);
  const remote = useSlice(store, (s) => s.remoteProjects);
  const signedIn = useSlice(store, (s) => s.account?.signedIn ?? false);
  const link = useAction((target: { create: true } | { remoteProjectId: string }) => store.getState().link(target));
  const unlink = useAction(() => store.getState().unlink());
  const load = useAction(() => store.getState().loadRemoteProjects());
  const current = status?.link;

  if (current) {
    return (
      <section className="card" aria-labelledby="team-link-title" data-testid="team-link">
        <h3 id="team-link-title">Shared project</h3>
        <p data-testid="team-linked">
          Linked to <strong>{current.remoteName ?? current.remoteProjectId}</strong> on <code>{current.serverUrl}</code>
        </p>
        <div className="form-actions">
          <button type="button" className="link-button" onClick={() => void unlink.run()} disabled={unlink.pending} data-testid="team-unlink">
            Unlink
          </button>
        </div>
        <ErrorMessage error={unlink.error} testId="team-unlink-error" onDismiss={unlink.clear} />
      </section>
    );
  }
  if (!signedIn) return null;
  return (
    <section className="card" aria-labelledby="team-link-title" data-testid="team-link">
      <h3 id="team-link-title">Shared project</h3>
      <p className="muted small">This project is not shared yet. Make a shared project of it on the server, or link it to one that exists.</p>
      <div className="form-actions">
        <button type="button" className="primary" onClick={() => void link.run({ create: true })} disabled={link.pending} data-testid="team-link-create">
          Share this project
        </button>
        <button type="button" onClick={() => void load.run()} disabled={load.pending} data-testid="team-load-remote">
          {load.pending ? 'Loading…' : 'Choose a shared project…'}
        </button>
      </div>
      {remote && (
        <RemoteProjectList
          projects={remote}
          action="Link"
          testId="team-remote-projects"
          onPick={(id) => void link.run({ remoteProjectId: id })}
          disabled={link.pending}
        />
      )}
      <ErrorMessage error={link.error ?? load.error} testId="team-link-error" onDismiss={() => (link.clear(), load.clear())} />
    </section>
  );
}

function RemoteProjectList(props: { projects: RemoteProject[]; action: string; testId: string; onPick: (id: string) => void; disabled: boolean }) {
  if (props.projects.length === 0) return <p className="muted small">No shared projects on this server that you are a member of.</p>;
  return (
    <ul className="team-list" data-testid={props.testId}>
      {props.projects.map((p) => (
        <li key={p.id} data-testid="team-remote-project">
          <span>
            <strong>{p.name}</strong> <span className="badge">{p.task === 'detect' ? 'Detection' : 'Classification'}</span>{' '}
            <span className="muted small">
              {p.imageCount} images · {p.role}
            </span>
          </span>
          <button type="button" onClick={() => props.onPick(p.id)} disabled={props.disabled}>
            {props.action}
          </button>
        </li>
      ))}
    </ul>
  );
}

function SyncCard({ store }: { store: TeamStore }) {
  const { jobs } = useStores();
  const status = useSlice(store, (s) => s.status);
  const clones = useSlice(store, (s) => s.cloneJobIds);
  const running = useSlice(jobs, (s) => s.running).filter((j) => (j.kind === 'push' || j.kind === 'pull') && !clones.includes(j.jobId));
  const lastResult = useSlice(jobs, (s) => s.results).find((r) => (r.kind === 'push' || r.kind === 'pull') && !clones.includes(r.jobId)) ?? null;
  const push = useAction(async () => {
    await store.getState().push();
    await jobs.getState().loadRunning();
  });
  const pull = useAction(async () => {
    await store.getState().pull();
    await jobs.getState().loadRunning();
  });
  // The box shows the user's choice at once, while the studio stores it.
  const [autoWanted, setAutoWanted] = useState<boolean | null>(null);
  const auto = useAction(async (enabled: boolean) => {
    setAutoWanted(enabled);
    try {
      await store.getState().setAutoSync(enabled);
    } finally {
      setAutoWanted(null);
    }
  });
  if (!status?.link) return null;
  const busy = running.length > 0 || push.pending || pull.pending;

  return (
    <section className="card" aria-labelledby="team-sync-title" data-testid="team-sync">
      <h3 id="team-sync-title">Sync</h3>
      <p className={`team-status team-status-${status.connection}`} data-testid="team-status" data-connection={status.connection}>
        {status.message}
      </p>
      <dl className="team-figures">
        <div>
          <dt>Last push</dt>
          <dd data-testid="team-last-push">{when(status.link.lastPushAt)}</dd>
        </div>
        <div>
          <dt>Last pull</dt>
          <dd data-testid="team-last-pull">{when(status.link.lastPullAt)}</dd>
        </div>
        <div>
          <dt>To push</dt>
          <dd data-testid="team-pending">{status.pendingChanges}</dd>
        </div>
        <div>
          <dt>Conflicts</dt>
          <dd data-testid="team-conflict-count">{status.conflicts}</dd>
        </div>
      </dl>
      <div className="form-actions">
        <button type="button" className="primary" onClick={() => void push.run()} disabled={busy} data-testid="team-push">
          Push
        </button>
        <button type="button" onClick={() => void pull.run()} disabled={busy} data-testid="team-pull">
          Pull
        </button>
        <label className="checkbox">
          <input type="checkbox" checked={autoWanted ?? status.autoSync} onChange={(e) => void auto.run(e.target.checked)} disabled={auto.pending} data-testid="team-auto-sync" />
          Sync automatically
        </label>
      </div>
      {running.map((job) => (
        <RunningJobRow key={job.jobId} job={job} />
      ))}
      {lastResult && running.length === 0 && (
        <p className={`small${lastResult.status === 'failed' ? ' team-failed' : ''}`} data-testid="team-last-result" data-status={lastResult.status}>
          {lastResult.status === 'failed'
            ? `The ${lastResult.kind} failed: ${lastResult.error.message}`
            : lastResult.kind === 'push' || lastResult.kind === 'pull'
              ? describeReport(lastResult.report)
              : null}
        </p>
      )}
      <ErrorMessage error={push.error ?? pull.error ?? auto.error} testId="team-sync-error" onDismiss={() => (push.clear(), pull.clear(), auto.clear())} />
    </section>
  );
}

function ConflictsCard({ store }: { store: TeamStore }) {
  const conflicts = useSlice(store, (s) => s.conflicts);
  return (
    <section className="card" aria-labelledby="team-conflicts-title" data-testid="team-conflicts">
      <h3 id="team-conflicts-title">Conflicts</h3>
      {conflicts.length === 0 ? (
        <p className="muted small" data-testid="team-no-conflicts">
          None: no image was changed both here and on the server.
        </p>
      ) : (
        <>
          <p className="muted small">These images changed here and on the server since they were last synced. Choose which version each keeps.</p>
          <ul className="team-list team-conflict-list">
            {conflicts.map((c) => (
              <ConflictRow key={c.imageId} store={store} conflict={c} />
            ))}
          </ul>
        </>
      )}
    </section>
  );
}

function ConflictRow({ store, conflict }: { store: TeamStore; conflict: SyncConflict }) {
  const resolve = useAction((keep: 'mine' | 'theirs') => store.getState().resolve(conflict.imageId, keep));
  return (
    <li className="team-conflict" data-testid="team-conflict" data-image-id={conflict.imageId}>
      <strong className="team-conflict-name">{conflict.name}</strong>
      <div className="team-versions">
        <div>
          <span className="muted small">Here</span>
          <span data-testid="team-conflict-mine">{summary(conflict.mine)}</span>
        </div>
        <div>
          <span className="muted small">
            Server, by {conflict.theirs.updatedBy} {when(conflict.theirs.updatedAt)}
          </span>
          <span data-testid="team-conflict-theirs">{summary(conflict.theirs)}</span>
        </div>
      </div>
      <div className="form-actions">
        <button type="button" onClick={() => void resolve.run('mine')} disabled={resolve.pending} data-testid="team-keep-mine">
          Keep mine
        </button>
        <button type="button" onClick={() => void resolve.run('theirs')} disabled={resolve.pending} data-testid="team-take-theirs">
          Take theirs
        </button>
      </div>
      <ErrorMessage error={resolve.error} testId="team-resolve-error" onDismiss={resolve.clear} />
    </li>
  );
}

function CloneCard({ store }: { store: TeamStore }) {
  const { project, jobs } = useStores();
  const remote = useSlice(store, (s) => s.remoteProjects);
  const clones = useSlice(store, (s) => s.cloneJobIds);
  const cloning = useSlice(jobs, (s) => s.running).filter((j) => clones.includes(j.jobId));
  const cloned = useSlice(store, (s) => s.cloned);
  const cloneFailed = useSlice(store, (s) => s.cloneError);
  const [choice, setChoice] = useState('');
  const [dir, setDir] = useState('');
  const load = useAction(() => store.getState().loadRemoteProjects());
  const clone = useAction(async () => {
    await store.getState().clone(choice, dir.trim());
    // Shown in the jobs at once, not only once its first progress arrives.
    await jobs.getState().loadRunning();
  });
  const choose = useAction(async () => {
    const picked = await project.getState().pickDirectory('Folder for the copy of the shared project');
    if (picked) setDir(picked);
  });
  const open = useAction((folder: string) => project.getState().open(folder));

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    void clone.run();
  };
  return (
    <section className="card" aria-labelledby="team-clone-title" data-testid="team-clone">
      <h3 id="team-clone-title">Get a shared project</h3>
      <p className="muted small">Pulls a shared project into a new folder on this machine, as a project of its own.</p>
      {remote === null ? (
        <button type="button" onClick={() => void load.run()} disabled={load.pending} data-testid="team-clone-load">
          {load.pending ? 'Loading…' : 'List shared projects'}
        </button>
      ) : (
        <form className="form" onSubmit={onSubmit} data-testid="team-clone-form">
          <label className="field">
            <span>Shared project</span>
            <select value={choice} onChange={(e) => setChoice(e.target.value)} required data-testid="team-clone-project">
              <option value="">Choose…</option>
              {remote.map((p) => (
                <option key={p.id} value={p.id}>
                  {p.name} ({p.imageCount} images)
                </option>
              ))}
            </select>
          </label>
          <label className="field">
            <span>New folder</span>
            <FolderInput value={dir} onChange={setDir} placeholder="/home/me/projects/shared-copy" testId="team-clone-dir" onChoose={() => void choose.run()} choosing={choose.pending} />
          </label>
          <div className="form-actions">
            <button type="submit" disabled={clone.pending || !choice} data-testid="team-clone-start">
              Pull into the new folder
            </button>
          </div>
        </form>
      )}
      {cloning.map((job) => (
        <RunningJobRow key={job.jobId} job={job} />
      ))}
      {cloned && (
        <p data-testid="team-cloned">
          Pulled into <code>{cloned.dir}</code>.{' '}
          {cloned.failed > 0 && <span className="team-failed">{cloned.failed} images could not be fetched whole; pull again later to try them again. </span>}
          <button type="button" className="link-button" onClick={() => void open.run(cloned.dir)} disabled={open.pending} data-testid="team-open-clone">
            Open it
          </button>
        </p>
      )}
      <ErrorMessage
        error={load.error ?? clone.error ?? choose.error ?? open.error ?? cloneFailed}
        testId="team-clone-error"
        onDismiss={() => (load.clear(), clone.clear(), choose.clear(), open.clear(), store.setState({ cloneError: null }))}
      />
    </section>
  );
}

function PublishCard({ store }: { store: TeamStore }) {
  const runs = useSlice(store, (s) => s.runs);
  const models = useSlice(store, (s) => s.models);
  const load = useAction(() => store.getState().loadModels());
  return (
    <section className="card" aria-labelledby="team-publish-title" data-testid="team-publish">
      <h3 id="team-publish-title">Publish a model</h3>
      {runs.length === 0 ? (
        <p className="muted small">Completed training runs show here; publish one to share its ONNX model with the team.</p>
      ) : (
        <ul className="team-list">
          {runs.map((r) => (
            <PublishRow key={r.id} store={store} runId={r.id} runName={r.name} />
          ))}
        </ul>
      )}
      <div className="form-actions">
        <button type="button" className="link-button" onClick={() => void load.run()} disabled={load.pending} data-testid="team-models-load">
          {models === null ? 'Show published models' : 'Refresh published models'}
        </button>
      </div>
      {models && (
        <ul className="team-list" data-testid="team-models">
          {models.length === 0 && <li className="muted small">No models published to this shared project yet.</li>}
          {models.map((m) => (
            <li key={m.id} data-testid="team-model">
              <span>
                <strong>{m.name}</strong> <span className="muted small">{m.format} · {m.classes.length} classes · {when(m.createdAt)} by {m.createdBy}</span>
              </span>
            </li>
          ))}
        </ul>
      )}
      <ErrorMessage error={load.error} testId="team-models-error" onDismiss={load.clear} />
    </section>
  );
}

function PublishRow({ store, runId, runName }: { store: TeamStore; runId: string; runName: string }) {
  const [name, setName] = useState(runName);
  const [done, setDone] = useState(false);
  const publish = useAction(async () => {
    await store.getState().publish(runId, name.trim());
    setDone(true);
  });
  return (
    <li data-testid="team-publish-run">
      <form
        className="input-row"
        onSubmit={(e) => {
          e.preventDefault();
          void publish.run();
        }}
      >
        <input value={name} onChange={(e) => setName(e.target.value)} aria-label={`Model name for ${runName}`} required />
        <button type="submit" disabled={publish.pending || !name.trim()} data-testid="team-publish-button">
          {publish.pending ? 'Publishing…' : done ? 'Published ✓' : 'Publish'}
        </button>
      </form>
      <ErrorMessage error={publish.error} testId="team-publish-error" onDismiss={publish.clear} />
    </li>
  );
}

function summary(s: LabelsSummary): string {
  const status = s.status.replace('_', ' ');
  if (s.annotations === 0) return `${status}, no labels`;
  return `${status}, ${s.perClass.map((c) => `${c.count} ${c.className}`).join(', ')}`;
}

function describeReport(r: SyncReport): string {
  const head =
    r.direction === 'push'
      ? `${r.cancelled ? 'Push cancelled' : 'Pushed'}: labels of ${r.imagesSent} images, ${r.mediaUploaded} new media files`
      : `${r.cancelled ? 'Pull cancelled' : 'Pulled'}: ${r.imagesReceived} images, ${r.mediaDownloaded} new media files`;
  const tail = [r.conflicts ? `${r.conflicts} new conflicts` : '', r.failed.length ? `${r.failed.length} could not be synced (${r.failed[0].name}: ${r.failed[0].reason})` : ''].filter(Boolean);
  return tail.length ? `${head}; ${tail.join('; ')}.` : `${head}.`;
}

function when(iso: string | null): string {
  if (!iso) return 'never';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString();
}
