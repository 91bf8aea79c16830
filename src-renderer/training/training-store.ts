/**
 * Training, as the renderer sees it: one store built from three parts. The runtime
 * (`runtime-slice`: the Python runtime checked, configured, installed), the runs (`runs-slice`:
 * the project's runs with their epochs as they arrive, started, stopped, resumed) and the view
 * (`training-view-slice`: the run in view, the runs overlaid on its charts, the form).
 *
 * Everything live comes as events, never by polling: `training.onStatus` (a run's summary
 * changed), `training.onEpoch` (an epoch finished), `training.onProgress` (batches within an
 * epoch) and, for a runtime install, `jobs.onProgress` / `jobs.onFinished` of kind 'runtime'.
 * `attach()` subscribes to them; the studio calls it once, or the page while it is shown.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { StudioApi, Unsubscribe } from '@shared';
import { createRunsSlice, type RunsSlice } from './runs-slice.js';
import { createRuntimeSlice, type RuntimeSlice } from './runtime-slice.js';
import { createTrainingViewSlice, type TrainingViewSlice } from './training-view-slice.js';
import { countedAttach } from '../stores/counted-attach.js';

export interface TrainingState extends RuntimeSlice, RunsSlice, TrainingViewSlice {
  /** Follows the studio's training and runtime-job events; counted, so attaching twice subscribes once. */
  attach(): Unsubscribe;
}

export function createTrainingStore(api: StudioApi): StoreApi<TrainingState> {
  return createStore<TrainingState>()((set, get) => {
    const runtime = createRuntimeSlice(api, set, get);
    return {
      ...runtime.slice,
      ...createRunsSlice(api, set, get, runtime.adoptRuntimeJob),
      ...createTrainingViewSlice(set, get),

      attach: countedAttach(() => [
        api.training.onStatus((summary) => get().statusChanged(summary)),
        api.training.onEpoch((event) => get().epochArrived(event)),
        api.training.onProgress((progress) => get().progressed(progress)),
        api.jobs.onProgress((progress) => {
          if (progress.kind === 'runtime') get().installProgressed(progress);
        }),
        api.jobs.onFinished((result) => {
          if (result.kind === 'runtime') get().installFinished(result);
        }),
      ]),
    };
  });
}
