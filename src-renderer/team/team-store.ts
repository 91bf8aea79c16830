/**
 * The Team tab's state: the account on a team server, the open project's link and sync status
 * (kept current by the studio's `account.onChanged` and `sync.onChanged` events), the shared
 * projects to choose from, the conflicts, the completed runs to publish and the published models.
 * Push, pull and clone are jobs: their progress shows with the studio's other jobs.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import {
  StudioError,
  toErrorPayload,
  type AccountLoginRequest,
  type AccountRegisterRequest,
  type AccountStatus,
  type ErrorPayload,
  type PublishedModel,
  type RemoteProject,
  type RunSummary,
  type StudioApi,
  type SyncConflict,
  type SyncLinkRequest,
  type SyncStatus,
  type Unsubscribe,
} from '@shared';

type TeamApi = {
  account: StudioApi['account'];
  sync: StudioApi['sync'];
  training: Pick<StudioApi['training'], 'list'>;
  jobs: Pick<StudioApi['jobs'], 'onFinished'>;
  images: Pick<StudioApi['images'], 'onChanged'>;
};

export interface TeamState {
  account: AccountStatus | null;
  status: SyncStatus | null;
  /** Null until asked for (they need the server). */
  remoteProjects: RemoteProject[] | null;
  conflicts: SyncConflict[];
  /** Completed runs, to publish. */
  runs: RunSummary[];
  /** Models published to the linked shared project; null until loaded. */
  models: PublishedModel[] | null;
  /** The jobs of clones started here: their progress shows by the clone form, not as the project's pulls. */
  cloneJobIds: readonly string[];
  /** A clone that finished: its folder, to open, and how many images it could not fetch. */
  cloned: { dir: string; failed: number } | null;
  /** Why the last clone failed (the folder keeps what arrived; pull it again to finish). */
  cloneError: ErrorPayload | null;
  /** A failure of something that ran without a form to show it (a refresh after an event). */
  error: ErrorPayload | null;

  /** Follows the studio's account, sync and job events; returns the unsubscribe. */
  attach(): Unsubscribe;
  /** Account, sync status, conflicts and runs, for the open project. */
  refresh(): Promise<void>;
  login(request: AccountLoginRequest): Promise<void>;
  register(request: AccountRegisterRequest): Promise<void>;
  logout(): Promise<void>;
  loadRemoteProjects(): Promise<void>;
  link(target: SyncLinkRequest): Promise<void>;
  unlink(): Promise<void>;
  push(): Promise<string>;
  pull(): Promise<string>;
  clone(remoteProjectId: string, dir: string): Promise<string>;
  resolve(imageId: number, keep: 'mine' | 'theirs'): Promise<void>;
  setAutoSync(enabled: boolean): Promise<void>;
  publish(runId: string, name: string): Promise<PublishedModel>;
  loadModels(): Promise<void>;
}

/** Edits change what is pending: the status is read again this long after they pause. */
const EDIT_REFRESH_MS = 500;

export function createTeamStore(api: TeamApi): StoreApi<TeamState> {
  /** Clone jobs under way, by job id, with their folders. */
  const clones = new Map<string, string>();

  const store = createStore<TeamState>()((set, get) => {
    const background = (work: Promise<unknown>) => void work.catch((err: unknown) => set({ error: toErrorPayload(err) }));
    const loadConflicts = async () => set({ conflicts: await api.sync.conflicts() });

    return {
      account: null,
      status: null,
      remoteProjects: null,
      conflicts: [],
      runs: [],
      models: null,
      cloneJobIds: [],
      cloned: null,
      cloneError: null,
      error: null,

      attach() {
        let editTimer: ReturnType<typeof setTimeout> | null = null;
        const offs = [
          api.images.onChanged(() => {
            if (editTimer) clearTimeout(editTimer);
            editTimer = setTimeout(() => {
              editTimer = null;
              void api.sync.status().then(
                (status) => set({ status }),
                // The project closed meanwhile: nothing to show.
                (err: unknown) => !(err instanceof StudioError && err.code === 'no_project') && set({ error: toErrorPayload(err) }),
              );
            }, EDIT_REFRESH_MS);
          }),
          api.account.onChanged((account) => {
            set({ account });
            if (!account.signedIn) set({ remoteProjects: null, models: null });
          }),
          api.sync.onChanged((status) => {
            const before = get().status;
            set({ status });
            if (before && (before.conflicts !== status.conflicts || before.link?.pullCursor !== status.link?.pullCursor)) background(loadConflicts());
          }),
          api.jobs.onFinished((result) => {
            if (result.kind !== 'push' && result.kind !== 'pull') return;
            const dir = clones.get(result.jobId);
            if (dir !== undefined) {
              clones.delete(result.jobId);
              if (result.status === 'ok' && result.kind === 'pull') set({ cloned: { dir, failed: result.report.failed.length } });
              else if (result.status === 'failed') set({ cloneError: result.error });
            }
            background(loadConflicts());
          }),
        ];
        return () => {
          if (editTimer) clearTimeout(editTimer);
          offs.forEach((off) => off());
        };
      },

      async refresh() {
        const [account, status, conflicts, runs] = await Promise.all([api.account.status(), api.sync.status(), api.sync.conflicts(), api.training.list()]);
        set({ account, status, conflicts, runs: runs.filter((r) => r.status === 'completed'), error: null });
      },

      async login(request) {
        set({ account: await api.account.login(request), remoteProjects: null });
      },

      async register(request) {
        set({ account: await api.account.register(request), remoteProjects: null });
      },

      async logout() {
        set({ account: await api.account.logout(), remoteProjects: null, models: null });
      },

      async loadRemoteProjects() {
        set({ remoteProjects: await api.sync.remoteProjects() });
      },

      async link(target) {
        set({ status: await api.sync.link(target), models: null });
      },

      async unlink() {
        set({ status: await api.sync.unlink(), models: null, conflicts: [] });
      },

      async push() {
        return (await api.sync.push()).jobId;
      },

      async pull() {
        return (await api.sync.pull()).jobId;
      },

      async clone(remoteProjectId, dir) {
        set({ cloned: null, cloneError: null });
        const started = await api.sync.clone({ remoteProjectId, dir });
        // The job's end comes later over the same connection: the folder is known by then.
        clones.set(started.jobId, started.dir);
        set({ cloneJobIds: [...get().cloneJobIds, started.jobId] });
        return started.jobId;
      },

      async resolve(imageId, keep) {
        set({ status: await api.sync.resolve({ imageId, keep }) });
        await loadConflicts();
      },

      async setAutoSync(enabled) {
        set({ status: await api.sync.setAutoSync({ enabled }) });
      },

      async publish(runId, name) {
        const model = await api.sync.publishModel({ runId, name });
        set({ models: [model, ...(get().models ?? []).filter((m) => m.id !== model.id)] });
        return model;
      },

      async loadModels() {
        set({ models: await api.sync.models() });
      },
    };
  });
  return store;
}
