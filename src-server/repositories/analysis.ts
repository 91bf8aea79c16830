import type { DataAnalysis } from '@shared';
import type { Database } from '../db/database.js';

type Stats = { min: number; max: number; mean: number; median: number } | null;

const stats = (row: Record<string, unknown>, prefix: string): Stats =>
  row[`${prefix}_min`] === null || row[`${prefix}_min`] === undefined
    ? null
    : { min: Number(row[`${prefix}_min`]), max: Number(row[`${prefix}_max`]), mean: Number(row[`${prefix}_mean`]), median: Number(row[`${prefix}_median`]) };

const statColumns = (expr: string, prefix: string) =>
  `min(${expr}) AS ${prefix}_min, max(${expr}) AS ${prefix}_max, avg(${expr}) AS ${prefix}_mean, percentile_cont(0.5) WITHIN GROUP (ORDER BY ${expr}) AS ${prefix}_median`;

/** A project's data at a glance, computed in the database from the labels as they are now. */
export class AnalysisRepository {
  constructor(private readonly db: Database) {}

  async analyze(projectId: string): Promise<DataAnalysis> {
    const [counts] = await this.db.query<Record<string, number>>(
      `SELECT count(*)::int AS images,
              count(*) FILTER (WHERE annotation_count > 0)::int AS labeled,
              count(*) FILTER (WHERE status = 'new')::int AS s_new,
              count(*) FILTER (WHERE status = 'in_progress')::int AS s_in_progress,
              count(*) FILTER (WHERE status = 'done')::int AS s_done,
              count(*) FILTER (WHERE status = 'review')::int AS s_review
       FROM project_images WHERE project_id = $1`,
      [projectId],
    );
    const perClass = await this.db.query<{ name: string; boxes: number; tags: number; images: number }>(
      `WITH used AS (
         SELECT a->>'class' AS name,
                count(*) FILTER (WHERE a->>'kind' = 'box')::int AS boxes,
                count(*) FILTER (WHERE a->>'kind' = 'tag')::int AS tags,
                count(DISTINCT i.hash)::int AS images
         FROM project_images i CROSS JOIN LATERAL jsonb_array_elements(i.wire::jsonb -> 'annotations') AS a
         WHERE i.project_id = $1 GROUP BY 1)
       SELECT COALESCE(c.name, u.name) AS name, COALESCE(u.boxes, 0) AS boxes, COALESCE(u.tags, 0) AS tags, COALESCE(u.images, 0) AS images
       FROM (SELECT name, sort_order FROM project_classes WHERE project_id = $1) c FULL JOIN used u ON u.name = c.name
       ORDER BY c.sort_order NULLS LAST, 1`,
      [projectId],
    );
    const [boxes] = await this.db.query<Record<string, unknown>>(
      `SELECT count(*)::int AS n, ${statColumns('b.w', 'w')}, ${statColumns('b.h', 'h')}, ${statColumns('b.w * b.h / (b.width::float8 * b.height)', 'a')}
       FROM (SELECT (a->>'w')::float8 AS w, (a->>'h')::float8 AS h, i.width, i.height
             FROM project_images i CROSS JOIN LATERAL jsonb_array_elements(i.wire::jsonb -> 'annotations') AS a
             WHERE i.project_id = $1 AND a->>'kind' = 'box') b`,
      [projectId],
    );
    return {
      images: counts.images,
      labeled: counts.labeled,
      statuses: { new: counts.s_new, in_progress: counts.s_in_progress, done: counts.s_done, review: counts.s_review },
      classes: perClass.map((c) => ({ name: c.name, boxes: Number(c.boxes), tags: Number(c.tags), images: Number(c.images) })),
      boxes: { count: Number(boxes.n), width: stats(boxes, 'w'), height: stats(boxes, 'h'), relativeArea: stats(boxes, 'a') },
    };
  }
}
