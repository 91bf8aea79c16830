/**
 * The grid's page cache. The grid says which images are on screen (`want`); the store fetches
 * the pages holding them, a few at a time and only those still wanted, keeps a bounded number of
 * pages (least recently used go first) and drops answers that belong to an older filter or an
 * older version of the data. A refresh keeps showing the old pages until the new ones arrive, so
 * an import running in the background does not make the grid blink.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import { StudioError, type ImageFilter, type ImagePage, type ImageRecord } from '@shared';
import { pagesForRange } from '../grid/grid-layout.js';

export type PageLoader = (query: { filter: ImageFilter; offset: number; limit: number }) => Promise<ImagePage>;

export interface GridState {
  filter: ImageFilter;
  /** Images matching the filter; null until the first page answers. */
  total: number | null;
  /** Cached pages by page number. Replaced, never mutated, so components re-render. */
  pages: ReadonlyMap<number, readonly ImageRecord[]>;
  /** Why the last page fetch failed; cleared by the next successful one. */
  error: string | null;
  pageSize: number;

  setFilter(filter: ImageFilter): void;
  /** The images `[firstIndex, endIndex)` are on screen: make sure their pages come. */
  want(firstIndex: number, endIndex: number): void;
  /** The data changed: fetch what is on screen again, showing the old pages meanwhile. */
  refresh(): void;
  /** Forget everything (another project opened). */
  reset(): void;
  itemAt(index: number): ImageRecord | undefined;
  /** The image at `index`, fetching its page when needed; null past the end. */
  fetchItem(index: number): Promise<ImageRecord | null>;
}

interface GridStoreOptions {
  pageSize?: number;
  /** Pages kept in memory, at least those on screen. */
  maxPages?: number;
  /** Page requests in flight at once. */
  concurrency?: number;
}

export function filterKey(filter: ImageFilter): string {
  switch (filter.kind) {
    case 'class':
      return `class:${filter.classId}`;
    case 'status':
      return `status:${filter.status}`;
    default:
      return filter.kind;
  }
}

export function createGridStore(load: PageLoader, options: GridStoreOptions = {}): StoreApi<GridState> {
  const pageSize = options.pageSize ?? 200;
  const maxPages = Math.max(1, options.maxPages ?? 60);
  const concurrency = Math.max(1, options.concurrency ?? 3);

  /** Bumped on every filter change and refresh; answers from an older generation are dropped. */
  let generation = 0;
  /** The generation each cached page was fetched in: older ones are stale and fetched again. */
  const pageGeneration = new Map<number, number>();
  /** Page number → request of the current generation. */
  const inFlight = new Map<number, Promise<readonly ImageRecord[] | null>>();
  /** Pages whose fetch failed in this generation: not retried until the next one. */
  const failed = new Set<number>();
  let wanted: number[] = [];
  /** Page numbers, least recently wanted first. */
  let recency: number[] = [];

  const touch = (page: number) => {
    recency = recency.filter((p) => p !== page);
    recency.push(page);
  };

  const fetchPage = (page: number): Promise<readonly ImageRecord[] | null> => {
    const existing = inFlight.get(page);
    if (existing) return existing;
    const gen = generation;
    const { filter } = store.getState();
    const request = load({ filter, offset: page * pageSize, limit: pageSize }).then(
      (result) => {
        if (gen !== generation) return null;
        inFlight.delete(page);
        pageGeneration.set(page, gen);
        touch(page);
        const pages = new Map(store.getState().pages);
        pages.set(page, result.items);
        evict(pages);
        store.setState({ pages, total: result.total, error: null });
        pump();
        return result.items;
      },
      (err: unknown) => {
        if (gen !== generation) return null;
        inFlight.delete(page);
        failed.add(page);
        store.setState({ error: err instanceof StudioError || err instanceof Error ? err.message : String(err) });
        pump();
        return null;
      },
    );
    inFlight.set(page, request);
    return request;
  };

  /** Starts fetches for wanted pages that are missing or stale, up to the concurrency. */
  const pump = () => {
    const { pages } = store.getState();
    for (const page of wanted) {
      if (inFlight.size >= concurrency) return;
      if (inFlight.has(page) || failed.has(page)) continue;
      if (pages.has(page) && pageGeneration.get(page) === generation) continue;
      void fetchPage(page);
    }
  };

  const evict = (pages: Map<number, readonly ImageRecord[]>) => {
    const keep = new Set(wanted);
    while (pages.size > maxPages) {
      const victim = recency.find((p) => !keep.has(p) && pages.has(p));
      if (victim === undefined) break;
      pages.delete(victim);
      pageGeneration.delete(victim);
      recency = recency.filter((p) => p !== victim);
    }
  };

  const newGeneration = () => {
    generation += 1;
    inFlight.clear();
    failed.clear();
  };

  const store = createStore<GridState>()((set, get) => ({
    filter: { kind: 'all' },
    total: null,
    pages: new Map(),
    error: null,
    pageSize,

    setFilter(filter) {
      if (filterKey(filter) === filterKey(get().filter)) return;
      newGeneration();
      pageGeneration.clear();
      recency = [];
      // The grid scrolls back to the top for a new filter: the first page is what it wants next.
      wanted = [0];
      set({ filter, total: null, pages: new Map(), error: null });
      pump();
    },

    want(firstIndex, endIndex) {
      const next = pagesForRange(firstIndex, Math.max(endIndex, firstIndex + 1), pageSize);
      if (next.length !== wanted.length || next.some((p, i) => p !== wanted[i])) {
        wanted = next;
        for (const p of wanted) touch(p);
      }
      pump();
    },

    refresh() {
      newGeneration();
      // Keep what is on screen until its fresh copy arrives; the rest would be stale anyway.
      const keep = new Set(wanted);
      const pages = new Map([...get().pages].filter(([p]) => keep.has(p)));
      for (const p of [...pageGeneration.keys()]) if (!keep.has(p)) pageGeneration.delete(p);
      recency = recency.filter((p) => keep.has(p));
      if (wanted.length === 0) wanted = [0];
      set({ pages, error: null });
      pump();
    },

    reset() {
      newGeneration();
      pageGeneration.clear();
      recency = [];
      wanted = [0];
      set({ filter: { kind: 'all' }, total: null, pages: new Map(), error: null });
    },

    itemAt(index) {
      return get().pages.get(Math.floor(index / pageSize))?.[index % pageSize];
    },

    async fetchItem(index) {
      if (index < 0) return null;
      const cached = get().itemAt(index);
      if (cached && pageGeneration.get(Math.floor(index / pageSize)) === generation) return cached;
      const page = Math.floor(index / pageSize);
      const items = await fetchPage(page);
      if (items === null) {
        // A newer generation took over, or the fetch failed: answer from what is there now.
        const now = get().itemAt(index);
        if (now) return now;
        const error = get().error;
        if (error) throw new StudioError('io', error);
        return get().fetchItem(index);
      }
      return items[index % pageSize] ?? null;
    },
  }));

  return store;
}
