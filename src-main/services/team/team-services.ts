/** The contract's `account` and `sync` domains: log in to a team server, push and pull a project. */
import {
  StudioError,
  toErrorPayload,
  type ErrorPayload,
  type JobProgress,
  type ServicesOf,
  type StudioEmitter,
  type SyncConflict,
  type SyncConnection,
  type SyncReport,
  type SyncStatus,
  type teamContract,
} from '@shared';
import type { OpenProject, ProjectSession } from '../project/project-session.js';
import type { JobRunner } from '../jobs/job-runner.js';
import type { SettingsStore } from '../settings/settings-store.js';
import type { ProjectTraining } from '../training/project-training.js';
import { ProjectStore } from '../store/project-store.js';
import { MediaStore } from '../media/media-store.js';
import type { SecretStore } from './secret-store.js';
import { TeamAccount } from './team-account.js';
import type { TeamClient } from './team-client.js';
import { labelsDigest, readLabels, summarizeLabels } from './labels.js';
import { takeServerCopy } from './merge.js';
import { pushProject } from './push.js';
import { pullProject } from './pull.js';
import { publishRun } from './publish.js';
import { AutoSync, DEFAULT_AUTO_SYNC, type AutoSyncTiming } from './auto-sync.js';
import type { SyncEvents, SyncTarget } from './sync-job.js';

export type TeamServices = ServicesOf<typeof teamContract>;

export interface TeamServicesDeps {
  session: ProjectSession;
  jobs: JobRunner;
  settings: SettingsStore;
  emit: () => StudioEmitter;
  /** Where the account's tokens are kept (never the settings). */
  secrets: SecretStore;
  /** The open project's training runs: publishing a model exports and uploads one. */
  training: ProjectTraining;
  studioVersion: string;
  /** Automatic sync's timings; false: none (the CLI syncs when told to). */
  autoSync?: Partial<AutoSyncTiming> | false;
  /** The HTTP client's fetch (Node's by default). */
  fetch?: typeof fetch;
}

/** The project setting that turns automatic sync on or off; on once a project is linked. */
const AUTO_SYNC_SETTING = 'team.autoSync';

export function createTeamServices(deps: TeamServicesDeps): TeamServices {
  const { session, jobs } = deps;
  const account = new TeamAccount({
    secrets: deps.secrets,
    settings: deps.settings,
    fetch: deps.fetch,
    onChanged: (status) => {
      deps.emit().account.onChanged(status);
      statusChanged();
      // Logged in (again): what waited for the account goes now.
      if (status.signedIn) autoSync?.nudge();
    },
  });
  let connection: SyncConnection = 'unknown';
  /** The last push or pull's failure, per project; none after one succeeds. */
  const syncErrors = new WeakMap<ProjectStore, ErrorPayload>();
  let syncing = 0;
  /** One push or pull at a time per project: the second waits for the first. */
  const queues = new WeakMap<ProjectStore, Promise<unknown>>();

  const exclusive = <T>(store: ProjectStore, work: () => Promise<T>): Promise<T> => {
    const previous = queues.get(store) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(() => {
      if (store.isClosed) throw new StudioError('cancelled', 'The project was closed.');
      return work();
    });
    queues.set(store, next.catch(() => undefined));
    return next;
  };

  /** Notes what a call to the server says about the connection. */
  const observe = async <T>(work: Promise<T>): Promise<T> => {
    try {
      const value = await work;
      connection = 'online';
      return value;
    } catch (err) {
      if (err instanceof StudioError && err.code !== 'cancelled') {
        connection = err.code === 'offline' ? 'offline' : account.status().signedIn ? connection : 'signed_out';
      }
      throw err;
    } finally {
      statusChanged();
    }
  };

  const autoEnabled = (project: OpenProject) => Boolean(project.store.sync.link()) && project.store.getSetting<boolean>(AUTO_SYNC_SETTING) !== false;

  const status = (project: OpenProject): SyncStatus => {
    const state = project.store.sync;
    const link = state.link();
    const signedIn = account.status().signedIn;
    const auto = Boolean(link) && autoEnabled(project);
    const shown: SyncConnection = link && !signedIn ? 'signed_out' : connection;
    const pendingChanges = state.pendingCount();
    const conflicts = state.conflictCount();
    const lastError = syncErrors.get(project.store) ?? null;
    return {
      link,
      pendingChanges,
      conflicts,
      autoSync: auto,
      connection: shown,
      syncing: syncing > 0,
      lastError,
      nextRetryAt: auto ? (autoSync?.nextRetryAt ?? null) : null,
      message: describe({ linked: Boolean(link), serverUrl: link?.serverUrl, connection: shown, auto, syncing: syncing > 0, lastError, pendingChanges, conflicts }),
    };
  };

  const statusChanged = () => {
    const project = session.project;
    if (project && !project.store.isClosed) deps.emit().sync.onChanged(status(project));
  };

  const eventsFor = (project: OpenProject): SyncEvents => ({
    imagesAdded: () => deps.emit().images.onChanged({ reason: 'import' }),
    labelsChanged: (imageIds) => {
      if (session.project !== project) return;
      for (const imageId of imageIds) deps.emit().annotations.onChanged({ imageId });
      deps.emit().images.onChanged({ reason: 'edit' });
    },
    classesChanged: () => {
      if (session.project === project) deps.emit().classes.onChanged(project.store.classes.list());
    },
  });

  /** The client for a project's link, linking it to a new shared project first if it has none. */
  const linkedClient = async (project: OpenProject, createIfMissing: boolean): Promise<TeamClient> => {
    const link = project.store.sync.link();
    if (link) return account.client(link.serverUrl);
    if (!createIfMissing) project.store.sync.requireLink();
    await linkProject(project, { create: true });
    return account.client();
  };

  const linkProject = async (project: OpenProject, target: { create: true } | { remoteProjectId: string }) => {
    const client = account.client();
    const { info } = project;
    const remote = await observe(
      'create' in target ? client.createProject({ name: info.name, task: info.task, multiLabel: info.multiLabel }) : client.getProject(target.remoteProjectId),
    );
    if (remote.task !== info.task) {
      throw new StudioError('invalid_input', `The shared project "${remote.name}" is a ${remote.task} project and this one is ${info.task}: link a ${info.task} project.`);
    }
    project.store.sync.setLink({ serverUrl: client.serverUrl, remoteProjectId: remote.id, remoteName: remote.name });
    project.store.setSetting(AUTO_SYNC_SETTING, true);
    statusChanged();
    autoSync?.nudge();
  };

  /** A push or a pull of the open project, one at a time. */
  const syncNow = (direction: 'push' | 'pull', project: OpenProject, signal: AbortSignal, progress?: (p: Omit<JobProgress, 'jobId' | 'kind'>) => void): Promise<SyncReport> =>
    exclusive(project.store, async () => {
      const client = await linkedClient(project, direction === 'push');
      const target: SyncTarget = { store: project.store, media: project.media };
      syncing++;
      statusChanged();
      try {
        const run = { client, signal, progress, events: eventsFor(project) };
        const report = await observe(direction === 'push' ? pushProject(target, run) : pullProject(target, run));
        syncErrors.delete(project.store);
        return report;
      } catch (err) {
        if (!(err instanceof StudioError && err.code === 'cancelled')) syncErrors.set(project.store, toErrorPayload(err));
        throw err;
      } finally {
        syncing--;
        statusChanged();
      }
    });

  const timing = deps.autoSync === false ? null : { ...DEFAULT_AUTO_SYNC, ...deps.autoSync };
  const autoSync = timing
    ? new AutoSync({
        session,
        timing,
        enabled: autoEnabled,
        pending: (project) => project.store.sync.pendingCount(),
        sync: async (project, signal) => {
          const pushed = await syncNow('push', project, signal);
          const pulled = await syncNow('pull', project, signal);
          return pushed.failed.length === 0 && pulled.failed.length === 0;
        },
        changed: statusChanged,
      })
    : null;
  autoSync?.start();

  const startJob = (direction: 'push' | 'pull') => {
    const project = session.require();
    const { jobId } = jobs.start(direction, (job) => syncNow(direction, project, job.signal, job.progress));
    return { jobId };
  };

  return {
    account: {
      status: () => account.status(),
      login: ({ serverUrl, email, password }) => account.login(serverUrl, email, password),
      register: ({ serverUrl, email, password, name }) => account.register(serverUrl, email, password, name),
      logout: () => account.logout(),
    },
    sync: {
      status: () => status(session.require()),
      link: async (target) => {
        const project = session.require();
        await exclusive(project.store, () => linkProject(project, target));
        return status(project);
      },
      unlink: () => {
        const project = session.require();
        project.store.sync.unlink();
        statusChanged();
        return status(project);
      },
      remoteProjects: () => observe(account.client().listProjects()),
      push: () => startJob('push'),
      pull: () => startJob('pull'),
      conflicts: () => {
        const { store } = session.require();
        return store.sync
          .conflicts()
          .map((c): SyncConflict => {
            const image = store.images.get(c.imageId);
            const { revision, updatedBy, updatedAt } = c.server;
            return {
              imageId: c.imageId,
              name: image.name,
              hash: image.hash,
              detectedAt: c.detectedAt,
              mine: summarizeLabels(readLabels(store, c.imageId)),
              theirs: { ...summarizeLabels(c.server), revision, updatedBy, updatedAt },
            };
          });
      },
      resolve: ({ imageId, keep }) => {
        const project = session.require();
        const { store } = project;
        const state = store.sync;
        const conflict = state.conflict(imageId);
        if (!conflict) throw new StudioError('not_found', `Image ${imageId} has no conflict to settle (it may have been settled already).`);
        store.writeTransaction(() => {
          if (keep === 'theirs') takeServerCopy(store, imageId, conflict.server, project.info.task);
          else {
            state.rebase(imageId, conflict.server.revision, labelsDigest(conflict.server));
            state.deleteConflict(imageId);
          }
        })();
        if (keep === 'theirs') eventsFor(project).labelsChanged([imageId]);
        statusChanged();
        autoSync?.nudge();
        return status(project);
      },
      publishModel: async ({ runId, name }) => {
        const project = session.require();
        const link = project.store.sync.requireLink();
        return observe(
          publishRun({
            client: account.client(link.serverUrl),
            remoteProjectId: link.remoteProjectId,
            training: deps.training.current(),
            runId,
            name,
            task: project.info.task,
            studioVersion: deps.studioVersion,
          }),
        );
      },
      models: async () => {
        const link = session.require().store.sync.requireLink();
        const models = await observe(account.client(link.serverUrl).listModels(link.remoteProjectId));
        return models.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
      },
      clone: async ({ serverUrl, remoteProjectId, dir }) => {
        const client = account.client(serverUrl);
        const remote = await observe(client.getProject(remoteProjectId));
        const store = ProjectStore.create(dir, { name: remote.name, task: remote.task, multiLabel: remote.multiLabel });
        try {
          store.sync.setLink({ serverUrl: client.serverUrl, remoteProjectId: remote.id, remoteName: remote.name });
          store.setSetting(AUTO_SYNC_SETTING, true);
        } catch (err) {
          store.dispose();
          throw err;
        }
        const target: SyncTarget = { store, media: new MediaStore(store.paths) };
        const { jobId } = jobs.start('pull', async (job) => {
          try {
            return await observe(pullProject(target, { client, signal: job.signal, progress: job.progress }));
          } finally {
            store.dispose();
          }
        });
        return { jobId, dir: store.paths.root };
      },
      setAutoSync: ({ enabled }) => {
        const project = session.require();
        project.store.setSetting(AUTO_SYNC_SETTING, enabled);
        if (enabled) autoSync?.nudge();
        statusChanged();
        return status(project);
      },
    },
  };
}

function describe(s: {
  linked: boolean;
  serverUrl?: string;
  connection: SyncConnection;
  auto: boolean;
  syncing: boolean;
  lastError: ErrorPayload | null;
  pendingChanges: number;
  conflicts: number;
}): string {
  if (!s.linked) return 'Not linked to a shared project.';
  if (s.connection === 'signed_out') return `Logged out: log in to ${s.serverUrl} to sync.`;
  if (s.connection === 'offline') return s.auto ? 'Offline, will sync when the server is back.' : 'Offline: push or pull again when the server is back.';
  if (s.syncing) return 'Syncing…';
  if (s.lastError) return `The last sync failed: ${s.lastError.message}`;
  const parts: string[] = [];
  if (s.conflicts) parts.push(`${s.conflicts} conflict${s.conflicts === 1 ? '' : 's'} to settle`);
  if (s.pendingChanges) parts.push(`${s.pendingChanges} image${s.pendingChanges === 1 ? '' : 's'} to push`);
  return parts.length ? `${parts.join(', ')}.` : 'Up to date.';
}
