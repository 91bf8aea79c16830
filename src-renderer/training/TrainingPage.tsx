/**
 * The training page: the runtime, the form, the run in view with its live charts, its results,
 * and the history of runs. It uses the app's training store (`stores.training`) when there is one
 * (so runs and epochs outlive the tab), or makes its own for as long as it is shown.
 */
import { useEffect, useState } from 'react';
import type { StoreApi } from 'zustand/vanilla';
import { useSlice, useStores } from '../ui/stores-context.js';
import { TrainingContext } from './context.js';
import { LiveRun } from './LiveRun.js';
import { RunHistory } from './RunHistory.js';
import { RunResults } from './RunResults.js';
import { RuntimePanel } from './RuntimePanel.js';
import { TrainingCharts } from './TrainingCharts.js';
import { TrainingForm } from './TrainingForm.js';
import { createTrainingStore, type TrainingState } from './training-store.js';
import './training.css';

interface TrainingPageProps {
  /** The training store to use; left out: the app's `stores.training` if there is one, else the page's own. */
  store?: StoreApi<TrainingState>;
}

export function TrainingPage({ store: given }: TrainingPageProps) {
  const stores = useStores();
  const fromStores = (stores as { training?: StoreApi<TrainingState> }).training;
  const [own] = useState(() => (given ?? fromStores ? null : createTrainingStore(stores.host.api)));
  const store = given ?? fromStores ?? own!;
  const projectDir = useSlice(stores.project, (s) => s.project?.dir ?? null);

  // Attaching is counted: a store the app stores already attached is not subscribed twice.
  useEffect(() => store.getState().attach(), [store]);
  useEffect(() => {
    void store.getState().open(projectDir);
  }, [store, projectDir]);

  return (
    <TrainingContext.Provider value={store}>
      <div className="training-page" data-testid="training-page">
        <RuntimePanel />
        <div className="training-layout">
          <TrainingForm />
          <div className="training-main">
            <LiveRun />
            <TrainingCharts />
            <RunHistory />
            <RunResults />
          </div>
        </div>
      </div>
    </TrainingContext.Provider>
  );
}
