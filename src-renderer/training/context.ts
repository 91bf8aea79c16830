/** Hands the training store to the page's components. */
import { createContext, useContext } from 'react';
import { useStore } from 'zustand';
import type { StoreApi } from 'zustand/vanilla';
import type { TrainingState } from './training-store.js';

export const TrainingContext = createContext<StoreApi<TrainingState> | null>(null);

export function useTrainingStore(): StoreApi<TrainingState> {
  const store = useContext(TrainingContext);
  if (!store) throw new Error('useTrainingStore outside <TrainingPage>');
  return store;
}

/** A slice of the training store; re-renders when it changes. */
export function useTraining<T>(select: (state: TrainingState) => T): T {
  return useStore(useTrainingStore(), select);
}
