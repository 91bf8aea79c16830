/**
 * The aggregate reads behind the dataset reports (statistics, the health report, the split
 * editor): counts and distributions over images and annotations together. The walks over every
 * annotation or hash read a page at a time, so the report can hand the event loop back between
 * pages and a large project is never read into memory at once.
 */
import { SPLITS, type Split } from '@shared';
import { statementCache, type Db } from './database.js';

export interface ImageSize {
  width: number;
  height: number;
  count: number;
}

/** One annotation with its image's size, as the health report's walk reads it (a raw row). */
export type AnnotationGeometryRow = [
  imageId: number,
  rowid: number,
  id: string,
  classId: number,
  kind: 'box' | 'tag',
  x: number,
  y: number,
  w: number,
  h: number,
  imageWidth: number,
  imageHeight: number,
];

export class DatasetQueries {
  private readonly sql: ReturnType<typeof statementCache>;

  constructor(db: Db) {
    this.sql = statementCache(db);
  }

  /** Images in all, labeled ones (an annotation, or marked done), and empty ones (done with none). */
  labelTotals(): { images: number; labeled: number; empty: number } {
    return this.sql(
      "SELECT COUNT(*) AS images, COALESCE(SUM(annotation_count > 0 OR status = 'done'), 0) AS labeled, COALESCE(SUM(annotation_count = 0 AND status = 'done'), 0) AS empty FROM images",
    ).get() as { images: number; labeled: number; empty: number };
  }

  /** Each class's annotations and the images that hold them; classes without any are left out. */
  perClassCounts(): { classId: number; annotations: number; images: number }[] {
    return this.sql('SELECT class_id AS classId, COUNT(*) AS annotations, COUNT(DISTINCT image_id) AS images FROM annotations GROUP BY class_id').all() as {
      classId: number;
      annotations: number;
      images: number;
    }[];
  }

  /** Images per split (an unknown split counts as unassigned), and how many of them are pinned. */
  splitCounts(): { counts: Record<Split | 'unassigned', number>; pinned: number } {
    const counts: Record<Split | 'unassigned', number> = { train: 0, val: 0, test: 0, unassigned: 0 };
    let pinned = 0;
    for (const r of this.sql('SELECT split, split_pinned AS pinned, COUNT(*) AS n FROM images GROUP BY split, split_pinned').all() as {
      split: Split | null;
      pinned: number;
      n: number;
    }[]) {
      counts[r.split && SPLITS.includes(r.split) ? r.split : 'unassigned'] += r.n;
      if (r.pinned) pinned += r.n;
    }
    return { counts, pinned };
  }

  /** Annotations per class in each split; images without a split are left out. */
  annotationsPerClassAndSplit(): { classId: number; split: Split; n: number }[] {
    return this.sql(
      'SELECT a.class_id AS classId, i.split AS split, COUNT(*) AS n FROM annotations a JOIN images i ON i.id = a.image_id WHERE i.split IS NOT NULL GROUP BY a.class_id, i.split',
    ).all() as { classId: number; split: Split; n: number }[];
  }

  /** The smallest and largest image sides (null without images), and the ten most common sizes. */
  sizeSummary(): { minW: number | null; maxW: number | null; minH: number | null; maxH: number | null; common: ImageSize[] } {
    const range = this.sql('SELECT MIN(width) AS minW, MAX(width) AS maxW, MIN(height) AS minH, MAX(height) AS maxH FROM images').get() as {
      minW: number | null;
      maxW: number | null;
      minH: number | null;
      maxH: number | null;
    };
    const common = this.sql('SELECT width, height, COUNT(*) AS count FROM images GROUP BY width, height ORDER BY count DESC, width DESC LIMIT 10').all() as ImageSize[];
    return { ...range, common };
  }

  /** The `limit` most common image sizes, most frequent first, larger first among equals. */
  commonSizes(limit: number): ImageSize[] {
    return this.sql('SELECT width, height, COUNT(*) AS count FROM images GROUP BY width, height ORDER BY count DESC, width DESC, height DESC LIMIT ?').all(limit) as ImageSize[];
  }

  /** Up to `limit` annotations after (image id, rowid) `after`, in that order, each with its image's size. */
  annotationGeometryPage(after: readonly [imageId: number, rowid: number], limit: number): AnnotationGeometryRow[] {
    return this.sql(
      `SELECT a.image_id, a.rowid, a.id, a.class_id, a.kind, a.x, a.y, a.w, a.h, i.width, i.height
       FROM annotations a JOIN images i ON i.id = a.image_id
       WHERE (a.image_id, a.rowid) > (?, ?)
       ORDER BY a.image_id, a.rowid LIMIT ?`,
    )
      .raw()
      .all(after[0], after[1], limit) as AnnotationGeometryRow[];
  }
}
