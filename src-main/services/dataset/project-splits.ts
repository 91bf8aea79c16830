/**
 * The project's own train/val/test split, as the split editor shows and changes it: settings
 * (ratios and seed) in the project's `settings` table, each image's split in `images.split`,
 * pinned images left where the user put them. Exports without explicit ratios use what is here.
 */
import type { Split, SplitSettings, SplitSummary } from '@shared';
import type { ProjectStore } from '../store/project-store.js';
import { DEFAULT_SPLIT, assignSplits, type SplitItem } from './split.js';

export const SPLIT_SETTINGS_KEY = 'split';

/** The stored settings, or 0.8/0.1/0.1 with seed 0 where the user never chose. */
export function splitSettings(store: ProjectStore): SplitSettings {
  const stored = store.getSetting<Partial<SplitSettings>>(SPLIT_SETTINGS_KEY);
  const ratios = stored?.ratios;
  const valid = Array.isArray(ratios) && ratios.length === 3 && ratios.every((r) => typeof r === 'number' && r >= 0) && ratios.some((r) => r > 0);
  return {
    ratios: valid ? [ratios[0], ratios[1], ratios[2]] : [DEFAULT_SPLIT[0], DEFAULT_SPLIT[1], DEFAULT_SPLIT[2]],
    seed: Number.isInteger(stored?.seed) ? stored!.seed! : 0,
  };
}

/** Whether the user ever applied split settings to this project. */
export function hasSplitSettings(store: ProjectStore): boolean {
  return store.getSetting(SPLIT_SETTINGS_KEY) !== undefined;
}

/** Counts per split, pinned images, and each class's annotations per split. */
export function splitSummary(store: ProjectStore): SplitSummary {
  const { counts, pinned } = store.datasetQueries.splitCounts();
  const perSplit = new Map<number, Record<Split, number>>();
  for (const r of store.datasetQueries.annotationsPerClassAndSplit()) {
    const row = perSplit.get(r.classId) ?? { train: 0, val: 0, test: 0 };
    row[r.split] = r.n;
    perSplit.set(r.classId, row);
  }
  const perClass = store.classes.list().map((c) => ({ classId: c.id, name: c.name, ...(perSplit.get(c.id) ?? { train: 0, val: 0, test: 0 }) }));
  return { settings: splitSettings(store), counts, pinned, perClass };
}

/**
 * Stores the settings and recomputes the split of every image that is not pinned, stratified by
 * class over all images (pinned ones count toward their split's share). Deterministic: the same
 * images, pins and settings always give the same split.
 */
export function applySplits(store: ProjectStore, settings: SplitSettings): SplitSummary {
  store.writeTransaction(() => {
    store.setSetting(SPLIT_SETTINGS_KEY, { ratios: [...settings.ratios], seed: settings.seed });
    writeComputed(store, settings, null);
  })();
  return splitSummary(store);
}

/**
 * Pins images to a split, or with null unpins them: an unpinned image at once takes the split the
 * current settings give it, so no image is left without one.
 */
export function pinSplits(store: ProjectStore, ids: readonly number[], split: Split | null): SplitSummary {
  store.writeTransaction(() => {
    if (split) {
      store.images.setSplits(ids.map((id) => ({ id, split, pinned: true })));
    } else {
      store.images.setSplits(ids.map((id) => ({ id, split: null, pinned: false })));
      writeComputed(store, splitSettings(store), new Set(ids));
    }
  })();
  return splitSummary(store);
}

/** Computes the split over all images and stores it for the unpinned ones (all of them, or `only`). */
function writeComputed(store: ProjectStore, settings: SplitSettings, only: ReadonlySet<number> | null): void {
  const items = splitItems(store);
  const computed = assignSplits(items, settings.ratios, settings.seed);
  const writes: { id: number; split: Split }[] = [];
  for (const item of items) {
    if (item.pinned && item.split) continue;
    if (only && !only.has(item.id)) continue;
    const split = computed.get(item.id)!;
    if (split !== item.split) writes.push({ id: item.id, split });
  }
  store.images.setSplits(writes);
}

function splitItems(store: ProjectStore): SplitItem[] {
  const classIds = store.annotations.classIdsByImage();
  return store.images.splitPlacements().map((p) => ({ ...p, classIds: classIds.get(p.id) ?? [] }));
}
