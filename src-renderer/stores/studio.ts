/**
 * The composition root of the renderer: one store per concern, wired to the host's events.
 * Components get this object from a React context and read the stores they need.
 */
import type { StoreApi } from 'zustand/vanilla';
import type { Unsubscribe } from '@shared';
import { connectHost, type Host } from '../transport/host.js';
import { createConnectionStore, type ConnectionStoreState } from './connection-store.js';
import { createGridStore, type GridState } from './grid-store.js';
import { createJobsStore, type JobsState } from './jobs-store.js';
import { createProjectStore, type ProjectState } from './project-store.js';
import { createViewerStore, type ViewerState } from './viewer-store.js';

export interface Studio {
  host: Host;
  connection: StoreApi<ConnectionStoreState>;
  project: StoreApi<ProjectState>;
  grid: StoreApi<GridState>;
  jobs: StoreApi<JobsState>;
  viewer: StoreApi<ViewerState>;
  /** Loads what the page shows first; called once the UI is mounted. */
  start(): Promise<void>;
  dispose(): void;
}

/** How long image-change events are gathered before the grid and counts refresh. */
const REFRESH_DELAY_MS = 300;

export function createStudio(): Studio {
  const connection = createConnectionStore();
  let everOpen = false;
  const host = connectHost((state, attempt) => {
    const wasDown = connection.getState().state === 'reconnecting';
    connection.setState({ state, attempt: state === 'open' ? 0 : attempt });
    if (state === 'open' && wasDown && everOpen) {
      // Events sent while the socket was down are gone: load everything again.
      void studio.project.getState().boot().catch(studio.project.getState().reportBackgroundError);
      void studio.jobs.getState().loadRunning().catch(studio.project.getState().reportBackgroundError);
    }
    if (state === 'open') everOpen = true;
  });
  if (host.kind === 'desktop') connection.setState({ state: 'open' });
  const studio = composeStudio(host, connection);
  return studio;
}

export function composeStudio(host: Host, connection: StoreApi<ConnectionStoreState>): Studio {
  const { api } = host;
  const grid = createGridStore((query) => api.images.list(query));
  const viewer = createViewerStore(api, grid);
  const project = createProjectStore({ api, grid, onSwitched: () => viewer.getState().close() });
  const jobs = createJobsStore({ api });
  const subscriptions: Unsubscribe[] = [];

  let refreshTimer: ReturnType<typeof setTimeout> | null = null;
  const refreshImagesSoon = () => {
    if (refreshTimer) return;
    refreshTimer = setTimeout(() => {
      refreshTimer = null;
      if (!project.getState().project) return;
      grid.getState().refresh();
      void project.getState().refreshCounts().catch(project.getState().reportBackgroundError);
    }, REFRESH_DELAY_MS);
  };

  return {
    host,
    connection,
    project,
    grid,
    jobs,
    viewer,

    async start() {
      subscriptions.push(
        api.projects.onChanged((info) => project.getState().projectChanged(info)),
        api.classes.onChanged((classes) => project.getState().setClasses(classes)),
        api.images.onChanged(() => refreshImagesSoon()),
        api.jobs.onProgress((progress) => jobs.getState().progressed(progress)),
        api.jobs.onFinished((result) => {
          jobs.getState().finished(result);
          if (result.kind === 'import') {
            refreshImagesSoon();
            void project.getState().refreshClasses().catch(project.getState().reportBackgroundError);
          }
        }),
      );
      await Promise.all([project.getState().boot(), jobs.getState().loadRunning()]);
    },

    dispose() {
      for (const unsubscribe of subscriptions.splice(0)) unsubscribe();
      if (refreshTimer) clearTimeout(refreshTimer);
    },
  };
}
