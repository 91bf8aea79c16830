/**
 * Opens a project's SQLite database: WAL for concurrent reads while a writer works, FULL sync so
 * that a committed edit survives a crash of the app or of the machine, versioned migrations each
 * in its own transaction, and an integrity check before the user's data is touched.
 */
import Database from 'better-sqlite3';
import { StudioError } from '@shared';
import { MIGRATIONS } from './migrations.js';

export type Db = Database.Database;

export interface OpenDatabaseOptions {
  /** Run `PRAGMA quick_check` before use (on by default). */
  check?: boolean;
}

export function openDatabase(file: string, options: OpenDatabaseOptions = {}): Db {
  let db: Db;
  try {
    db = new Database(file, { timeout: 5000 });
  } catch (err) {
    throw new StudioError('io', `Cannot open the project database ${file}: ${(err as Error).message}`, { cause: err });
  }
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
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
    db.transaction(() => {
      db.exec(migration.sql);
      db.pragma(`user_version = ${version}`);
    }).immediate();
  }
}
