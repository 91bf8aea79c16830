/** Hands the stores to components, and the small hooks every form uses. */
import { createContext, useCallback, useContext, useState } from 'react';
import { useStore } from 'zustand';
import type { StoreApi } from 'zustand/vanilla';
import { toErrorPayload, type ErrorPayload } from '@shared';
import type { AppStores } from '../stores/app-stores.js';

const StoresContext = createContext<AppStores | null>(null);
export const StoresProvider = StoresContext.Provider;

export function useStores(): AppStores {
  const stores = useContext(StoresContext);
  if (!stores) throw new Error('useStores outside <StoresProvider>');
  return stores;
}

/** Reads a slice of one of the app's stores and re-renders when it changes. */
export function useSlice<S, T>(store: StoreApi<S>, select: (state: S) => T): T {
  return useStore(store, select);
}

/**
 * Runs a store action for a form: tracks whether it is under way and keeps its error to show
 * next to the form. Errors are shown, never swallowed.
 */
export function useAction<A extends unknown[], R>(action: (...args: A) => Promise<R>) {
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<ErrorPayload | null>(null);
  const run = useCallback(
    async (...args: A): Promise<R | undefined> => {
      setPending(true);
      setError(null);
      try {
        return await action(...args);
      } catch (err) {
        setError(toErrorPayload(err));
        return undefined;
      } finally {
        setPending(false);
      }
    },
    [action],
  );
  const clear = useCallback(() => setError(null), []);
  return { run, pending, error, clear };
}
