/**
 * The `evaluations`, `evaluation_findings`, `evaluation_predictions` and `ignored_findings` tables
 * (migration 7). A run keeps its latest evaluation; a finding a user ignored stays ignored for that
 * run, whichever evaluation finds it again.
 */
import type { Evaluation, Finding, FindingKind, FindingPage } from '@shared';
import { readTransaction, statementCache, writeTransaction, type Db } from './database.js';

/** A finding as stored: all but whether it is ignored. */
export type StoredFinding = Omit<Finding, 'ignored'>;

/** A model prediction kept for the labeler: a box, or (classifiers) a tag. */
export type StoredPrediction = { classId: number; confidence: number } & ({ kind: 'box'; x: number; y: number; w: number; h: number } | { kind: 'tag' });

export interface FindingQuery {
  kinds?: readonly FindingKind[];
  includeIgnored: boolean;
  limit: number;
  offset: number;
}

export class EvaluationRepository {
  private readonly sql: ReturnType<typeof statementCache>;

  constructor(private readonly db: Db) {
    this.sql = statementCache(db);
  }

  /**
   * Stores an evaluation with its findings (ranked, most likely first) and the predictions on the
   * images that have findings, in one transaction, replacing the run's earlier evaluations.
   */
  save(evaluation: Evaluation, findings: readonly StoredFinding[], predictions: ReadonlyMap<number, readonly StoredPrediction[]>): void {
    const clear = this.sql('DELETE FROM evaluations WHERE run_id = ?');
    const insert = this.sql('INSERT INTO evaluations (id, run_id, created_at, body) VALUES (?, ?, ?, ?)');
    // Two labels drawn on top of each other make the same finding twice: one is enough.
    const finding = this.sql('INSERT OR IGNORE INTO evaluation_findings (evaluation_id, id, kind, rank, image_id, body) VALUES (?, ?, ?, ?, ?, ?)');
    const prediction = this.sql('INSERT INTO evaluation_predictions (evaluation_id, image_id, body) VALUES (?, ?, ?)');
    writeTransaction(this.db, () => {
      clear.run(evaluation.primary.runId);
      insert.run(evaluation.id, evaluation.primary.runId, evaluation.createdAt, JSON.stringify(evaluation));
      findings.forEach((f, rank) => finding.run(evaluation.id, f.id, f.kind, rank, f.imageId, JSON.stringify(f)));
      for (const [imageId, list] of predictions) prediction.run(evaluation.id, imageId, JSON.stringify(list));
    })();
  }

  get(id: string): Evaluation | undefined {
    const row = this.sql('SELECT body FROM evaluations WHERE id = ?').get(id) as { body: string } | undefined;
    return row ? (JSON.parse(row.body) as Evaluation) : undefined;
  }

  /** The run's newest evaluation. */
  latest(runId: string): Evaluation | undefined {
    const row = this.sql('SELECT body FROM evaluations WHERE run_id = ? ORDER BY created_at DESC, rowid DESC LIMIT 1').get(runId) as { body: string } | undefined;
    return row ? (JSON.parse(row.body) as Evaluation) : undefined;
  }

  /** A page of an evaluation's findings, most likely first, each marked ignored or not. */
  findings(evaluationId: string, runId: string, query: FindingQuery): FindingPage {
    const kinds = query.kinds?.length ? query.kinds : null;
    const kindFilter = kinds ? ` AND f.kind IN (${kinds.map(() => '?').join(', ')})` : '';
    const from = `FROM evaluation_findings f LEFT JOIN ignored_findings i ON i.run_id = ? AND i.finding_id = f.id WHERE f.evaluation_id = ?${kindFilter}`;
    const args = [runId, evaluationId, ...(kinds ?? [])];
    return readTransaction(this.db, () => {
      const counts = this.sql(`SELECT COUNT(*) AS n, COUNT(i.finding_id) AS ignored ${from}`).get(...args) as { n: number; ignored: number };
      const shown = query.includeIgnored ? '' : ' AND i.finding_id IS NULL';
      const rows = this.sql(`SELECT f.body, i.finding_id IS NOT NULL AS ignored ${from}${shown} ORDER BY f.rank LIMIT ? OFFSET ?`).all(...args, query.limit, query.offset) as {
        body: string;
        ignored: number;
      }[];
      return {
        total: query.includeIgnored ? counts.n : counts.n - counts.ignored,
        ignored: counts.ignored,
        offset: query.offset,
        items: rows.map((r) => ({ ...(JSON.parse(r.body) as StoredFinding), ignored: r.ignored === 1 })),
      };
    })();
  }

  finding(evaluationId: string, id: string): StoredFinding | undefined {
    const row = this.sql('SELECT body FROM evaluation_findings WHERE evaluation_id = ? AND id = ?').get(evaluationId, id) as { body: string } | undefined;
    return row ? (JSON.parse(row.body) as StoredFinding) : undefined;
  }

  /** Ignores findings of a run (or takes that back). @returns how many changed */
  setIgnored(runId: string, findingIds: readonly string[], ignored: boolean): number {
    const now = new Date().toISOString();
    const stmt = ignored
      ? this.sql('INSERT OR IGNORE INTO ignored_findings (run_id, finding_id, ignored_at) VALUES (?, ?, ?)')
      : this.sql('DELETE FROM ignored_findings WHERE run_id = ? AND finding_id = ?');
    let changed = 0;
    writeTransaction(this.db, () => {
      for (const id of new Set(findingIds)) changed += (ignored ? stmt.run(runId, id, now) : stmt.run(runId, id)).changes;
    })();
    return changed;
  }

  /** The model's predictions kept for an image of an evaluation (null: none were kept). */
  predictions(evaluationId: string, imageId: number): StoredPrediction[] | null {
    const row = this.sql('SELECT body FROM evaluation_predictions WHERE evaluation_id = ? AND image_id = ?').get(evaluationId, imageId) as { body: string } | undefined;
    return row ? (JSON.parse(row.body) as StoredPrediction[]) : null;
  }
}
