/**
 * The open image's pending model suggestions, kept apart from its annotations (and out of the
 * labeler's history) until someone accepts them. Accepting turns them into annotations in main;
 * the labeler then reloads the image's annotations so the new boxes show as real ones.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { AcceptResult, StudioApi, Suggestion } from '@shared';

type SuggestionsApi = Pick<StudioApi['suggestions'], 'forImage' | 'accept' | 'acceptAbove' | 'reject'>;

export interface SuggestionsState {
  imageId: number | null;
  /** By confidence, highest first. */
  items: Suggestion[];
  busy: boolean;
  error: string | null;
  /** Loads (or reloads) an image's suggestions; null clears them. */
  load(imageId: number | null): Promise<void>;
  accept(ids: string[]): Promise<AcceptResult | null>;
  acceptAbove(minConfidence: number): Promise<AcceptResult | null>;
  reject(ids: string[]): Promise<number>;
}

interface SuggestionsDeps {
  api: { suggestions: SuggestionsApi };
  /** Accepted suggestions became annotations of this image: load them into the labeler. */
  annotationsChanged(imageId: number): Promise<void> | void;
}

export function createSuggestionsStore(deps: SuggestionsDeps): StoreApi<SuggestionsState> {
  const api = deps.api.suggestions;
  let ticket = 0;

  const store = createStore<SuggestionsState>()((set, get) => {
    /** Runs a change for the open image, then reloads its suggestions. */
    const change = async <T>(run: (imageId: number) => Promise<T>, fallback: T): Promise<T> => {
      const imageId = get().imageId;
      if (imageId === null) return fallback;
      set({ busy: true, error: null });
      try {
        const result = await run(imageId);
        await get().load(imageId);
        return result;
      } catch (err) {
        if (get().imageId === imageId) set({ error: err instanceof Error ? err.message : String(err) });
        return fallback;
      } finally {
        if (get().imageId === imageId) set({ busy: false });
      }
    };
    const accepted = async (imageId: number, result: AcceptResult) => {
      if (result.annotationIds.length > 0) await deps.annotationsChanged(imageId);
      return result;
    };

    return {
      imageId: null,
      items: [],
      busy: false,
      error: null,

      async load(imageId) {
        const mine = ++ticket;
        if (imageId !== get().imageId) set({ imageId, items: [], error: null });
        if (imageId === null) return;
        try {
          const items = await api.forImage({ imageId });
          if (mine === ticket) set({ items: [...items].sort((a, b) => b.confidence - a.confidence) });
        } catch (err) {
          if (mine === ticket) set({ error: err instanceof Error ? err.message : String(err) });
        }
      },

      accept(ids) {
        if (ids.length === 0) return Promise.resolve(null);
        return change(async (imageId) => accepted(imageId, await api.accept({ ids })), null);
      },

      acceptAbove(minConfidence) {
        return change(async (imageId) => accepted(imageId, await api.acceptAbove({ imageId, minConfidence })), null);
      },

      reject(ids) {
        if (ids.length === 0) return Promise.resolve(0);
        return change(async () => (await api.reject({ ids })).rejected, 0);
      },
    };
  });
  return store;
}
