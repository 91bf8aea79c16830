import type { PullLabelsAnswer, PushLabelsAnswer, PushLabelsBody, ServerImage, WireAnnotation, WireClass } from '@shared';
import type { Database, Queryable } from '../db/database.js';
import type { ReadCache } from '../db/read-cache.js';
import { JsonBody } from '../json-body.js';
import { badRequest } from '../http-error.js';

/** One annotation as a string with a fixed key order, whatever order its keys came in. */
function annotationKey(a: WireAnnotation): string {
  return a.kind === 'box' ? JSON.stringify(['box', a.class, a.x, a.y, a.w, a.h]) : JSON.stringify(['tag', a.class]);
}

/** Two images carry the same labels: same status, same annotations in any order. */
export function sameLabels(a: { status: string; annotations: WireAnnotation[] }, b: { status: string; annotations: WireAnnotation[] }): boolean {
  if (a.status !== b.status || a.annotations.length !== b.annotations.length) return false;
  const left = a.annotations.map(annotationKey).sort();
  const right = b.annotations.map(annotationKey).sort();
  return left.every((k, i) => k === right[i]);
}

/**
 * Labels with revisions, as the header of `server-api.ts` describes: a push is applied per image
 * only from the revision it started from (or when it changes nothing), conflicts come back with the
 * server's copy, and every changed image takes the next value of the project's change counter.
 */
export class LabelsRepository {
  constructor(
    private readonly db: Database,
    private readonly cache?: ReadCache,
  ) {}

  async classes(projectId: string, q: Queryable = this.db): Promise<WireClass[]> {
    const rows = await q.query<{ name: string; color: string; sort_order: number }>(
      'SELECT name, color, sort_order FROM project_classes WHERE project_id = $1 ORDER BY sort_order, name',
      [projectId],
    );
    return rows.map((r) => ({ name: r.name, color: r.color, order: Number(r.sort_order) }));
  }

  /** Classes merge by name: new names are added after the existing ones; existing keep colour and order. */
  private async mergeClasses(tx: Queryable, projectId: string, pushed: WireClass[]): Promise<Set<string>> {
    const existing = await this.classes(projectId, tx);
    const names = new Set(existing.map((c) => c.name));
    let next = existing.reduce((max, c) => Math.max(max, c.order), -1) + 1;
    const added = [...pushed].sort((a, b) => a.order - b.order).filter((c) => !names.has(c.name) && names.add(c.name));
    for (const c of added) {
      await tx.query('INSERT INTO project_classes (project_id, name, color, sort_order) VALUES ($1, $2, $3, $4)', [projectId, c.name, c.color, next++]);
    }
    return names;
  }

  /** Applies a push in one transaction, the project's row locked so pushes take turns. */
  async push(projectId: string, body: PushLabelsBody, updatedBy: string): Promise<PushLabelsAnswer> {
    return this.db.transaction(async (tx) => {
      const [project] = await tx.query<{ revision: number }>('SELECT revision FROM projects WHERE id = $1 FOR UPDATE', [projectId]);
      let counter = Number(project.revision);
      const classNames = await this.mergeClasses(tx, projectId, body.classes);
      const unknown = new Set(body.images.flatMap((img) => img.annotations.map((a) => a.class)).filter((name) => !classNames.has(name)));
      if (unknown.size > 0) {
        // Thrown inside the transaction: the classes merged above are rolled back too.
        throw badRequest(`The push uses classes the project does not have and the push does not list: ${[...unknown].slice(0, 10).join(', ')}. Send them in \`classes\`.`);
      }

      const hashes = [...new Set(body.images.map((i) => i.hash))];
      const withMedia = new Set(
        (await tx.query<{ hash: string }>('SELECT hash FROM project_media WHERE project_id = $1 AND hash = ANY($2::text[])', [projectId, hashes])).map((r) => r.hash),
      );
      const current = new Map(
        (await tx.query<{ wire: string }>('SELECT wire FROM project_images WHERE project_id = $1 AND hash = ANY($2::text[])', [projectId, hashes])).map((r) => {
          const image = JSON.parse(r.wire) as ServerImage;
          return [image.hash, image];
        }),
      );
      const existed = new Set(current.keys());

      const answer: PushLabelsAnswer = { applied: [], conflicts: [], missingMedia: [], revision: 0 };
      const writes = new Map<string, ServerImage>();
      const now = new Date().toISOString();
      for (const image of body.images) {
        if (!withMedia.has(image.hash)) {
          if (!answer.missingMedia.includes(image.hash)) answer.missingMedia.push(image.hash);
          continue;
        }
        const server = current.get(image.hash);
        if (server && sameLabels(server, image)) {
          answer.applied.push({ hash: image.hash, revision: server.revision });
          continue;
        }
        if (server && image.baseRevision !== server.revision) {
          answer.conflicts.push({ hash: image.hash, server });
          continue;
        }
        counter += 1;
        const { baseRevision: _base, ...labels } = image;
        const stored: ServerImage = { ...labels, revision: counter, updatedBy, updatedAt: now };
        writes.set(image.hash, stored);
        // A second copy of this image later in the same push is judged against this one.
        current.set(image.hash, stored);
        answer.applied.push({ hash: image.hash, revision: counter });
      }

      if (writes.size > 0) {
        const rows = [...writes.values()].map((image) => ({
          hash: image.hash,
          name: image.name,
          ext: image.ext,
          width: image.width,
          height: image.height,
          status: image.status,
          annotation_count: image.annotations.length,
          revision: image.revision,
          wire: JSON.stringify(image),
        }));
        await tx.query(
          `INSERT INTO project_images (project_id, hash, name, ext, width, height, status, annotation_count, revision, updated_by, updated_at, wire)
           SELECT $1, x.hash, x.name, x.ext, x.width, x.height, x.status, x.annotation_count, x.revision, $3, $4, x.wire
           FROM jsonb_to_recordset($2::jsonb) AS x(hash text, name text, ext text, width int, height int, status text, annotation_count int, revision bigint, wire text)
           ON CONFLICT (project_id, hash) DO UPDATE SET name = EXCLUDED.name, ext = EXCLUDED.ext, width = EXCLUDED.width, height = EXCLUDED.height,
             status = EXCLUDED.status, annotation_count = EXCLUDED.annotation_count, revision = EXCLUDED.revision,
             updated_by = EXCLUDED.updated_by, updated_at = EXCLUDED.updated_at, wire = EXCLUDED.wire`,
          [projectId, JSON.stringify(rows), updatedBy, now],
        );
        const added = [...writes.keys()].filter((hash) => !existed.has(hash)).length;
        await tx.query('UPDATE projects SET revision = $2, image_count = image_count + $3 WHERE id = $1', [projectId, counter, added]);
      }
      // Applied entries name the image's final revision, even when it appeared twice.
      answer.applied = answer.applied.map((a) => ({ hash: a.hash, revision: current.get(a.hash)?.revision ?? a.revision }));
      answer.revision = counter;
      return answer;
    });
  }

  /**
   * Images changed after `since`, oldest change first, with the classes: a `PullLabelsAnswer` as
   * JSON text. One statement, so the counter, the page and the classes come from one snapshot and a
   * push committing meanwhile cannot slip under the cursor. The images are the stored wire JSON,
   * checked by the push schema when they were written, joined as text: a page of 1,000 images costs
   * no per-image work here at all.
   */
  async pullJson(projectId: string, since: number, limit: number): Promise<JsonBody> {
    const read = async () => new JsonBody(await this.readPull(projectId, since, limit));
    return this.cache ? this.cache.get(`pull:${projectId}:${since}:${limit}`, read, (body) => body.size) : read();
  }

  private async readPull(projectId: string, since: number, limit: number): Promise<string> {
    const [row] = await this.db.query<{ top: number; more: boolean; last: number | null; images: string | null; classes: string }>(
      `WITH counter AS (SELECT revision FROM projects WHERE id = $1),
       fetched AS (
         SELECT i.revision, i.wire FROM project_images i, counter
         WHERE i.project_id = $1 AND i.revision > $2 AND i.revision <= counter.revision ORDER BY i.revision LIMIT $3 + 1),
       page AS (SELECT * FROM fetched ORDER BY revision LIMIT $3)
       SELECT (SELECT revision FROM counter) AS top,
         (SELECT count(*) FROM fetched) > $3 AS more,
         (SELECT max(revision) FROM page) AS last,
         (SELECT string_agg(wire, ',' ORDER BY revision) FROM page) AS images,
         (SELECT COALESCE(json_agg(json_build_object('name', name, 'color', color, 'order', sort_order) ORDER BY sort_order, name), '[]')::text
          FROM project_classes WHERE project_id = $1) AS classes`,
      [projectId, since, limit],
    );
    const cursor = row.more ? Number(row.last) : Math.max(Number(row.top), since);
    return `{"classes":${row.classes},"images":[${row.images ?? ''}],"cursor":${cursor},"more":${row.more}}`;
  }

  /** The same page, parsed. */
  async pull(projectId: string, since: number, limit: number): Promise<PullLabelsAnswer> {
    return JSON.parse((await this.pullJson(projectId, since, limit)).text()) as PullLabelsAnswer;
  }
}
