import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Database } from './database.js';

const FILE_NAME = /^(\d{3})_([a-z0-9_]+)\.sql$/;
/** Any constant: two servers starting on one database take turns applying migrations. */
const MIGRATION_LOCK = 7_420_116;

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/**
 * Where the SQL files are: beside the bundle in `dist/server/migrations`, or in the source tree
 * (tests, benches bundled elsewhere) found by walking up to `src-server/db/migrations`.
 */
export function findMigrationsDir(from = path.dirname(fileURLToPath(import.meta.url))): string {
  for (const candidate of [path.join(from, 'migrations')]) {
    if (fs.existsSync(candidate)) return candidate;
  }
  for (let dir = from; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'src-server', 'db', 'migrations');
    if (fs.existsSync(candidate)) return candidate;
    if (path.dirname(dir) === dir) break;
  }
  throw new Error(`The server's SQL migrations are missing: looked beside ${from} and in src-server/db/migrations above it.`);
}

/** The migration files in version order; the numbers must run 1, 2, 3… with no gap or repeat. */
export function readMigrations(dir = findMigrationsDir()): Migration[] {
  const migrations = fs
    .readdirSync(dir)
    .filter((name) => name.endsWith('.sql'))
    .map((file) => {
      const match = FILE_NAME.exec(file);
      if (!match) throw new Error(`Migration file ${file} is not named NNN_name.sql.`);
      return { version: Number(match[1]), name: match[2], sql: fs.readFileSync(path.join(dir, file), 'utf8') };
    })
    .sort((a, b) => a.version - b.version);
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`Migration ${String(m.version).padStart(3, '0')}_${m.name} is out of sequence: expected ${i + 1}.`);
  });
  return migrations;
}

/**
 * Applies the migrations the database lacks, in order, in one transaction: a failure leaves the
 * schema as it was. Answers the versions applied.
 */
export async function migrate(db: Database, migrations: Migration[] = readMigrations()): Promise<number[]> {
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await tx.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY,
      name text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const done = new Set((await tx.query<{ version: number }>('SELECT version FROM schema_migrations')).map((r) => r.version));
    const newest = Math.max(0, ...done);
    if (newest > migrations.length) {
      throw new Error(`The database was migrated by a newer server (schema ${newest}, this server knows ${migrations.length}): upgrade reticle-server.`);
    }
    const applied: number[] = [];
    for (const m of migrations) {
      if (done.has(m.version)) continue;
      await tx.exec(m.sql);
      await tx.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
      applied.push(m.version);
    }
    return applied;
  });
}
