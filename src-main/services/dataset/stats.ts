/** The "analyze data before training" report: what `reticle stats` prints and the UI charts. */
import type { DatasetStats } from '@shared';
import type { ProjectStore } from '../store/project-store.js';

export function datasetStats(store: ProjectStore): DatasetStats {
  const counts = store.images.counts();
  const classes = store.classes.list();
  const byId = new Map(store.datasetQueries.perClassCounts().map((r) => [r.classId, r]));
  const size = store.datasetQueries.sizeSummary();
  return {
    images: counts.all,
    labeled: counts.labeled,
    unlabeled: counts.unlabeled,
    annotations: store.annotations.count(),
    perClass: classes.map((c) => ({ classId: c.id, name: c.name, images: byId.get(c.id)?.images ?? 0, annotations: byId.get(c.id)?.annotations ?? 0 })),
    perSplit: store.datasetQueries.splitCounts().counts,
    imageSizes: {
      minWidth: size.minW ?? 0,
      maxWidth: size.maxW ?? 0,
      minHeight: size.minH ?? 0,
      maxHeight: size.maxH ?? 0,
      common: size.common,
    },
  };
}
