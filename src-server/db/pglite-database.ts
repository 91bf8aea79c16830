import fs from 'node:fs';
import path from 'node:path';
import { PGlite, type Transaction } from '@electric-sql/pglite';
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

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * PGlite has no lock of its own, and two processes writing one data folder corrupt it. A lock
 * file with the owner's pid keeps a second server out; one left by a process that died is taken over.
 */
function takeLock(dir: string): () => void {
  const file = path.join(dir, 'reticle-server.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(file, String(process.pid), { flag: 'wx' });
      return () => fs.rmSync(file, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const owner = Number(fs.readFileSync(file, 'utf8'));
      if (Number.isInteger(owner) && owner > 0 && alive(owner)) {
        throw new Error(`Another reticle-server (pid ${owner}) is using ${dir}: stop it first, or give this one another --data folder.`);
      }
      fs.rmSync(file, { force: true });
    }
  }
  throw new Error(`Could not lock ${dir}: remove ${file} if no server is running.`);
}

/**
 * An embedded PostgreSQL (PGlite) persisted in `dir`, so one machine needs no database server.
 * PGlite has one connection: its transactions run one at a time, which also serializes pushes.
 */
export async function openPgliteDatabase(dir: string): Promise<Database> {
  fs.mkdirSync(dir, { recursive: true });
  const unlock = takeLock(dir);
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
