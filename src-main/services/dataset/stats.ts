/** The "analyze data before training" report: what `reticle stats` prints and the UI charts. */
import { SPLITS, type DatasetStats, type Split } from '@shared';
import type { ProjectStore } from '../store/project-store.js';

export function datasetStats(store: ProjectStore): DatasetStats {
  const db = store.db;
  const counts = store.images.counts();
  const classes = store.classes.list();
  const perClassRows = db
    .prepare('SELECT class_id, COUNT(*) AS annotations, COUNT(DISTINCT image_id) AS images FROM annotations GROUP BY class_id')
    .all() as { class_id: number; annotations: number; images: number }[];
  const byId = new Map(perClassRows.map((r) => [r.class_id, r]));
  const perSplit = { train: 0, val: 0, test: 0, unassigned: 0 } as Record<Split | 'unassigned', number>;
  for (const r of db.prepare('SELECT split, COUNT(*) AS n FROM images GROUP BY split').all() as { split: Split | null; n: number }[]) {
    perSplit[r.split && SPLITS.includes(r.split) ? r.split : 'unassigned'] += r.n;
  }
  const size = db
    .prepare('SELECT MIN(width) AS minW, MAX(width) AS maxW, MIN(height) AS minH, MAX(height) AS maxH FROM images')
    .get() as { minW: number | null; maxW: number | null; minH: number | null; maxH: number | null };
  const common = db
    .prepare('SELECT width, height, COUNT(*) AS count FROM images GROUP BY width, height ORDER BY count DESC, width DESC LIMIT 10')
    .all() as { width: number; height: number; count: number }[];
  return {
    images: counts.all,
    labeled: counts.labeled,
    unlabeled: counts.unlabeled,
    annotations: store.annotations.count(),
    perClass: classes.map((c) => ({ classId: c.id, name: c.name, images: byId.get(c.id)?.images ?? 0, annotations: byId.get(c.id)?.annotations ?? 0 })),
    perSplit,
    imageSizes: {
      minWidth: size.minW ?? 0,
      maxWidth: size.maxW ?? 0,
      minHeight: size.minH ?? 0,
      maxHeight: size.maxH ?? 0,
      common,
    },
  };
}
