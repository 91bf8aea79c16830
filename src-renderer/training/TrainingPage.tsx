/**
 * The training page: the runtime, the form, the run in view with its live charts, its results,
 * and the history of runs. It uses the studio's training store when the studio has one (so runs
 * and epochs outlive the tab), or makes its own for as long as it is shown.
 */
import { useEffect, useState } from 'react';
import type { StoreApi } from 'zustand/vanilla';
import { useSlice, useStudio } from '../ui/studio-context.js';
import { TrainingContext } from './context.js';
import { LiveRun } from './LiveRun.js';
import { RunHistory } from './RunHistory.js';
import { RunResults } from './RunResults.js';
import { RuntimePanel } from './RuntimePanel.js';
import { TrainingCharts } from './TrainingCharts.js';
import { TrainingForm } from './TrainingForm.js';
import { createTrainingStore, type TrainingState } from './training-store.js';
import './training.css';

export interface TrainingPageProps {
  /** The studio's training store; left out: `studio.training` if the studio has one, else the page's own. */
  store?: StoreApi<TrainingState>;
}

export function TrainingPage({ store: given }: TrainingPageProps) {
  const studio = useStudio();
  const fromStudio = (studio as { training?: StoreApi<TrainingState> }).training;
  const [own] = useState(() => (given ?? fromStudio ? null : createTrainingStore(studio.host.api)));
  const store = given ?? fromStudio ?? own!;
  const projectDir = useSlice(studio.project, (s) => s.project?.dir ?? null);

  // Attaching is counted: a store the studio already attached is not subscribed twice.
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
