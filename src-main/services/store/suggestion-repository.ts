/**
 * The `suggestions` table (see migrations.ts): model proposals kept apart from annotations.
 * Nothing that reads annotations (exports, counts, training snapshots) sees them.
 */
import { randomUUID } from 'node:crypto';
import type { ReviewQueue, Suggestion } from '@shared';
import { writeTransaction, statementCache, type Db } from './database.js';

interface SuggestionRow {
  id: string;
  image_id: number;
  class_id: number;
  kind: 'box' | 'tag';
  x: number | null;
  y: number | null;
  w: number | null;
  h: number | null;
  confidence: number;
  model_id: string;
  created_at: string;
}

function toSuggestion(r: SuggestionRow): Suggestion {
  const base = { id: r.id, imageId: r.image_id, classId: r.class_id, confidence: r.confidence, modelId: r.model_id, createdAt: r.created_at };
  return r.kind === 'tag' ? { ...base, kind: 'tag' } : { ...base, kind: 'box', x: r.x!, y: r.y!, w: r.w!, h: r.h! };
}

export type NewSuggestion =
  | { classId: number; kind: 'box'; x: number; y: number; w: number; h: number; confidence: number }
  | { classId: number; kind: 'tag'; confidence: number };

const SELECT = 'SELECT id, image_id, class_id, kind, x, y, w, h, confidence, model_id, created_at FROM suggestions';

export class SuggestionRepository {
  private readonly sql: ReturnType<typeof statementCache>;

  constructor(private readonly db: Db) {
    this.sql = statementCache(db);
  }

  /** An image's suggestions, most confident first. */
  forImage(imageId: number): Suggestion[] {
    return (this.sql(`${SELECT} WHERE image_id = ? ORDER BY confidence DESC, rowid`).all(imageId) as SuggestionRow[]).map(toSuggestion);
  }

  byIds(ids: readonly string[]): Suggestion[] {
    const stmt = this.sql(`${SELECT} WHERE id = ?`);
    const out: Suggestion[] = [];
    for (const id of ids) {
      const row = stmt.get(id) as SuggestionRow | undefined;
      if (row) out.push(toSuggestion(row));
    }
    return out;
  }

  /**
   * Replaces images' suggestions with a model's new ones, all in one transaction.
   * @returns how many suggestions were stored
   */
  replaceForImages(modelId: string, images: readonly { imageId: number; suggestions: readonly NewSuggestion[] }[]): number {
    const now = new Date().toISOString();
    const clear = this.sql('DELETE FROM suggestions WHERE image_id = ?');
    const insert = this.sql(
      'INSERT INTO suggestions (id, image_id, class_id, kind, x, y, w, h, confidence, model_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    let stored = 0;
    writeTransaction(this.db, () => {
      for (const { imageId, suggestions } of images) {
        clear.run(imageId);
        for (const s of suggestions) {
          const box = s.kind === 'box' ? s : null;
          insert.run(randomUUID(), imageId, s.classId, s.kind, box?.x ?? null, box?.y ?? null, box?.w ?? null, box?.h ?? null, s.confidence, modelId, now);
          stored++;
        }
      }
    })();
    return stored;
  }

  delete(ids: readonly string[]): number {
    const stmt = this.sql('DELETE FROM suggestions WHERE id = ?');
    let n = 0;
    writeTransaction(this.db, () => {
      for (const id of ids) n += stmt.run(id).changes;
    })();
    return n;
  }

  count(): number {
    return (this.sql('SELECT COUNT(*) AS n FROM suggestions').get() as { n: number }).n;
  }

  /** Images with pending suggestions, least sure first (lowest top confidence), then by id. */
  reviewQueue(limit: number, offset: number): ReviewQueue {
    const total = (this.sql('SELECT COUNT(DISTINCT image_id) AS n FROM suggestions').get() as { n: number }).n;
    const rows = this.sql(
      `SELECT image_id, MAX(confidence) AS top, COUNT(*) AS n FROM suggestions
       GROUP BY image_id ORDER BY top ASC, image_id ASC LIMIT ? OFFSET ?`,
    ).all(limit, offset) as { image_id: number; top: number; n: number }[];
    return { total, offset, items: rows.map((r) => ({ imageId: r.image_id, topConfidence: r.top, suggestions: r.n })) };
  }
}
