/**
 * Opens a project's SQLite database: WAL for concurrent reads while a writer works, FULL sync so
 * that a committed edit survives a crash of the app or of the machine, versioned migrations each
 * in its own transaction, and an integrity check before the user's data is touched.
 */
import path from 'node:path';
import Database from 'better-sqlite3';
import { StudioError } from '@shared';
import { MIGRATIONS } from './migrations.js';
import { describeHolders, otherHolders } from './project-holders.js';

export type Db = Database.Database;

export interface OpenDatabaseOptions {
  /** Run `PRAGMA quick_check` before use (on by default). */
  check?: boolean;
}

/**
 * How long a writer waits for another process's write to finish before giving up with
 * `project_busy`. Every writer commits in small transactions (an import every 64 images or
 * 250 ms), so a wait this long means another process is stuck or doing something unusual.
 */
export const BUSY_TIMEOUT_MS = 5000;

export function openDatabase(file: string, options: OpenDatabaseOptions = {}): Db {
  let db: Db;
  try {
    db = new Database(file, { timeout: BUSY_TIMEOUT_MS });
  } catch (err) {
    throw new StudioError('io', `Cannot open the project database ${file}: ${(err as Error).message}`, { cause: err });
  }
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    if (options.check !== false) {
      const result = db.pragma('quick_check', { simple: true });
      if (result !== 'ok') {
        throw new StudioError('io', `The project database is damaged (${String(result)}). Restore it from a backup.`);
      }
    }
    migrate(db);
    return db;
  } catch (err) {
    db.close();
    if (err instanceof StudioError) throw err;
    if (isBusyError(err)) throw projectBusy(file, err);
    const message = (err as Error).message;
    if (/file is not a database|malformed/i.test(message)) {
      throw new StudioError('io', `${file} is not a readable project database: ${message}`, { cause: err });
    }
    throw err;
  }
}

export const SCHEMA_VERSION = MIGRATIONS.length;

/**
 * Prepares each SQL text once and hands back the same statement after: a repository prepares
 * on first use and never again, which keeps a one-row edit in microseconds. Not for statements
 * that are iterated (an iterating statement is busy until its loop ends).
 */
export function statementCache(db: Db): (sql: string) => Database.Statement {
  const statements = new Map<string, Database.Statement>();
  return (sql) => {
    let stmt = statements.get(sql);
    if (!stmt) {
      stmt = db.prepare(sql);
      statements.set(sql, stmt);
    }
    return stmt;
  };
}

/**
 * The database's change counters, read together: `totalChanges` moves with every write on this
 * connection, `dataVersion` with every commit by another one. Equal counters: nothing was written.
 */
export interface ChangeCounters {
  totalChanges: number;
  dataVersion: number;
}

/** Reads a connection's change counters (its two statements prepared once). */
export function changeCounterReader(db: Db): () => ChangeCounters {
  const totalChanges = db.prepare('SELECT total_changes()').pluck();
  const dataVersion = db.prepare('PRAGMA data_version').pluck();
  return () => ({ totalChanges: totalChanges.get() as number, dataVersion: dataVersion.get() as number });
}

export function schemaVersion(db: Db): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/** Applies the migrations this database lacks; refuses a database made by a newer studio. */
export function migrate(db: Db): void {
  const current = schemaVersion(db);
  if (current > MIGRATIONS.length) {
    throw new StudioError(
      'unsupported',
      `This project was written by a newer Reticle Studio (schema ${current}, this one knows ${MIGRATIONS.length}). Update the studio to open it.`,
    );
  }
  for (let version = current + 1; version <= MIGRATIONS.length; version++) {
    const migration = MIGRATIONS[version - 1];
    writeTransaction(db, () => {
      // Another process may have applied it while this one waited for the lock.
      if (schemaVersion(db) >= version) return;
      db.exec(migration.sql);
      db.pragma(`user_version = ${version}`);
    })();
  }
}

/**
 * Wraps `fn` in a write transaction that takes the write lock when it begins (`BEGIN IMMEDIATE`).
 * A deferred transaction that reads, then writes, fails at once with "database is locked" when
 * another process committed in between (SQLite cannot upgrade its stale snapshot); one that
 * begins IMMEDIATE waits up to the busy timeout instead, then fails with `project_busy`, naming
 * the processes that have the project open. Called inside another transaction, it is a savepoint.
 *
 * Every write of more than one statement in the studio goes through here.
 */
export function writeTransaction<A extends unknown[], R>(db: Db, fn: (...args: A) => R): (...args: A) => R {
  const tx = db.transaction(fn);
  return (...args: A): R => {
    try {
      return tx.immediate(...args);
    } catch (err) {
      throw isBusyError(err) ? projectBusy(db.name, err) : err;
    }
  };
}

/**
 * Wraps `fn` in a read transaction (deferred): its reads see one moment of the database, and it
 * never waits for a writer in WAL mode. Writing inside it would be a deferred write, which is
 * what writeTransaction is for.
 */
export function readTransaction<A extends unknown[], R>(db: Db, fn: (...args: A) => R): (...args: A) => R {
  const tx = db.transaction(fn);
  return (...args: A): R => tx.deferred(...args);
}

/** SQLITE_BUSY and its extended codes: another connection holds the lock past the busy timeout. */
export function isBusyError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'));
}

/** The `project_busy` error for a database file, naming who has the project open where known. */
export function projectBusy(dbFile: string, cause: unknown): StudioError {
  const root = path.dirname(dbFile);
  const holders = otherHolders(root);
  const who = holders.length > 0 ? `${describeHolders(holders)} ${holders.length > 1 ? 'have' : 'has'} it open` : 'another process has it open';
  return new StudioError(
    'project_busy',
    `The project ${root} is busy: ${who}, and its write did not finish within ${BUSY_TIMEOUT_MS / 1000} s. Nothing was changed; try again when it is done.`,
    { cause },
  );
}
