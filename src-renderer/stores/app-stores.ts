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
import { createSelectionStore, type SelectionState } from './selection-store.js';
import { createViewerStore, type ViewerState } from './viewer-store.js';
import { createLabelerSession, type LabelerSession } from '../labeler/labeler-session.js';
import { createTrainingStore, type TrainingState } from '../training/training-store.js';
import { createWeightsStore, type WeightsState } from '../weights/weights-store.js';

export interface AppStores {
  host: Host;
  connection: StoreApi<ConnectionStoreState>;
  project: StoreApi<ProjectState>;
  grid: StoreApi<GridState>;
  jobs: StoreApi<JobsState>;
  viewer: StoreApi<ViewerState>;
  /** The open image's annotations, history, tool, viewport and autosave. */
  labeler: LabelerSession;
  /** Images picked in the grid, for bulk actions. */
  selection: StoreApi<SelectionState>;
  /** The runtime, runs and their live epochs: kept while the training tab is not shown. */
  training: StoreApi<TrainingState>;
  /** The weights library and its fetches: shared by the Weights tab and the training form. */
  weights: StoreApi<WeightsState>;
  /** Loads what the page shows first; called once the UI is mounted. */
  start(): Promise<void>;
  dispose(): void;
}

/** How long image-change events are gathered before the grid and counts refresh. */
const REFRESH_DELAY_MS = 300;
/** How long a project switch waits for unsaved edits before it goes ahead anyway. */
const SWITCH_FLUSH_LIMIT_MS = 5000;

export function createAppStores(): AppStores {
  const connection = createConnectionStore();
  let everOpen = false;
  const host = connectHost((state, attempt) => {
    const wasDown = connection.getState().state === 'reconnecting';
    connection.setState({ state, attempt: state === 'open' ? 0 : attempt });
    if (state === 'open' && wasDown && everOpen) {
      // Events sent while the socket was down are gone: load everything again.
      void stores.project.getState().boot().catch(stores.project.getState().reportBackgroundError);
      void stores.jobs.getState().loadRunning().catch(stores.project.getState().reportBackgroundError);
      void stores.training.getState().refresh();
      if (stores.weights.getState().library) void stores.weights.getState().load();
    }
    if (state === 'open') everOpen = true;
  });
  if (host.kind === 'desktop') connection.setState({ state: 'open' });
  const stores = composeAppStores(host, connection);
  guardUnsavedEdits(host, stores.labeler);
  return stores;
}

export function composeAppStores(host: Host, connection: StoreApi<ConnectionStoreState>): AppStores {
  const { api } = host;
  const grid = createGridStore((query) => api.images.list(query));
  const selection = createSelectionStore();
  let refreshTimer: ReturnType<typeof setTimeout> | null = null;
  const labeler: LabelerSession = createLabelerSession({
    api,
    classes: () => project.getState().classes,
    project: () => project.getState().project,
    onImageSaved: (result) => {
      viewer.getState().patchImage(result.imageId, { status: result.status, annotationCount: result.annotations.length });
      refreshImagesSoon();
    },
  });
  const viewer = createViewerStore(api, grid, {
    load: (image, isCurrent, focus) => labeler.load(image, isCurrent, focus),
    unload: () => labeler.unload(),
  });
  const project = createProjectStore({
    api,
    grid,
    onSwitched: () => {
      viewer.getState().close();
      labeler.reset();
      selection.getState().clear();
    },
    onClassesChanged: (classes, structural) => labeler.classesChanged(classes, structural),
    onImagesChanged: () => refreshImagesSoon(),
    // Edits still on their way belong to this project: let them land (or give up) first.
    beforeSwitch: () => Promise.race([labeler.autosave.getState().flush(), new Promise<void>((r) => setTimeout(r, SWITCH_FLUSH_LIMIT_MS))]),
  });
  const jobs = createJobsStore({ api });
  const training = createTrainingStore(api);
  const weights = createWeightsStore(api);
  const subscriptions: Unsubscribe[] = [];

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
    labeler,
    selection,
    training,
    weights,

    async start() {
      subscriptions.push(
        // Training events are followed whichever tab is shown, so a run's curves are never lost.
        training.getState().attach(),
        // Weights fetches too: a fetch the training form started finishes while another tab is shown.
        weights.getState().attach(),
        api.projects.onChanged((info) => project.getState().projectChanged(info)),
        api.classes.onChanged((classes) => project.getState().setClasses(classes)),
        api.images.onChanged(() => refreshImagesSoon()),
        api.annotations.onChanged(({ imageId }) => {
          void labeler.changedElsewhere(imageId).catch(project.getState().reportBackgroundError);
        }),
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
      labeler.dispose();
    },
  };
}

/**
 * Leaving the page with edits not yet saved: in a browser, ask first (the saves go on while the
 * question is up); in the desktop window, which cannot ask, send them all at once, in order,
 * before it closes.
 */
function guardUnsavedEdits(host: Host, labeler: LabelerSession): void {
  window.addEventListener('beforeunload', (e) => {
    const saves = labeler.autosave.getState();
    if (!saves.hasPending()) return;
    if (host.kind === 'desktop') {
      saves.sendAllNow();
      return;
    }
    e.preventDefault();
    // Older browsers want a return value to show the question.
    e.returnValue = '';
  });
}
