import fs from 'node:fs';
import { PGlite, type Transaction } from '@electric-sql/pglite';
import { lockDataDir } from './data-dir-lock.js';
import type { Database, Queryable, Row } from './database.js';

function queryable(db: PGlite | Transaction): Queryable {
  return {
    async query<R extends Row>(sql: string, params: readonly unknown[] = []) {
      return (await db.query<R>(sql, params as unknown[])).rows;
    },
    async exec(sql: string) {
      await db.exec(sql);
    },
  };
}

/**
 * An embedded PostgreSQL (PGlite) persisted in `dir`, so one machine needs no database server.
 * PGlite has one connection: its transactions run one at a time, which also serializes pushes.
 */
export async function openPgliteDatabase(dir: string): Promise<Database> {
  fs.mkdirSync(dir, { recursive: true });
  const unlock = lockDataDir(dir);
  let db: PGlite;
  try {
    db = await PGlite.create(dir);
  } catch (err) {
    unlock();
    throw err;
  }
  const base = queryable(db);
  return {
    kind: 'pglite',
    query: base.query,
    exec: base.exec,
    transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T> {
      return db.transaction((tx) => work(queryable(tx)));
    },
    async close() {
      if (!db.closed) await db.close();
      unlock();
    },
  };
}
