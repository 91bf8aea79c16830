/** SQL migrations: applied in order, once, in one transaction, on both databases. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Database } from '../../../src-server/db/database.js';
import { migrate, readMigrations } from '../../../src-server/db/migrate.js';
import { openPgliteDatabase } from '../../../src-server/db/pglite-database.js';
import { openPostgresDatabase } from '../../../src-server/db/postgres-database.js';
import { BACKENDS, pgliteTemplate, type Backend } from './harness.js';
import { createTestDatabase, type TestDatabase } from './postgres.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function open(backend: Backend): Promise<Database> {
  if (backend.kind === 'postgres') {
    const test: TestDatabase = await createTestDatabase();
    const db = await openPostgresDatabase(test.url);
    cleanups.push(async () => {
      await db.close();
      await test.drop();
    });
    return db;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'reticle-migrate-'));
  fs.cpSync(await pgliteTemplate(), dir, { recursive: true });
  const db = await openPgliteDatabase(dir);
  cleanups.push(async () => {
    await db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return db;
}

const tables = async (db: Database) =>
  (await db.query<{ t: string }>("SELECT table_name AS t FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1")).map((r) => r.t);

for (const backend of BACKENDS) describe(`migrations on ${backend.name}`, () => {
  it.skipIf(backend.skip)('applies every file once, in order, and records it', async () => {
    const db = await open(backend);
    const files = readMigrations();
    expect(files.map((m) => m.version)).toEqual(files.map((_, i) => i + 1));
    expect(await migrate(db)).toEqual(files.map((m) => m.version));
    expect(await migrate(db)).toEqual([]);
    const recorded = await db.query<{ version: number; name: string }>('SELECT version, name FROM schema_migrations ORDER BY version');
    expect(recorded).toEqual(files.map((m) => ({ version: m.version, name: m.name })));
    expect(await tables(db)).toEqual(expect.arrayContaining(['users', 'projects', 'project_images', 'models', 'schema_migrations']));
  });

  it.skipIf(backend.skip)('rolls back every pending migration when one fails', async () => {
    const db = await open(backend);
    const broken = [
      { version: 1, name: 'good', sql: 'CREATE TABLE first_table (id int);' },
      { version: 2, name: 'bad', sql: 'CREATE TABLE second_table (id int); SELECT * FROM no_such_table;' },
    ];
    await expect(migrate(db, broken)).rejects.toThrow(/no_such_table/);
    expect(await tables(db)).toEqual([]);
  });

  it.skipIf(backend.skip)('refuses a database migrated by a newer server', async () => {
    const db = await open(backend);
    await migrate(db, [
      { version: 1, name: 'one', sql: 'SELECT 1;' },
      { version: 2, name: 'two', sql: 'SELECT 1;' },
    ]);
    await expect(migrate(db, [{ version: 1, name: 'one', sql: 'SELECT 1;' }])).rejects.toThrow(/newer server/);
  });
});

describe('the PGlite data folder', () => {
  it('keeps a second server out while the first has it, and is taken over after', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'reticle-pglite-lock-'));
    fs.cpSync(await pgliteTemplate(), dir, { recursive: true });
    try {
      const first = await openPgliteDatabase(dir);
      await expect(openPgliteDatabase(dir)).rejects.toThrow(/Another reticle-server \(pid \d+\) is using/);
      await first.close();
      const second = await openPgliteDatabase(dir);
      expect(await second.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
      await second.close();
      // A lock left by a process that is gone is no obstacle.
      fs.writeFileSync(path.join(dir, 'reticle-server.lock'), '999999999');
      const third = await openPgliteDatabase(dir);
      await third.close();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('migration files', () => {
  it('must be named NNN_name.sql and numbered without gaps', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'reticle-migration-files-'));
    try {
      fs.writeFileSync(path.join(dir, '001_a.sql'), 'SELECT 1;');
      fs.writeFileSync(path.join(dir, '003_c.sql'), 'SELECT 1;');
      expect(() => readMigrations(dir)).toThrow(/003_c is out of sequence: expected 2/);
      fs.writeFileSync(path.join(dir, 'oops.sql'), 'SELECT 1;');
      expect(() => readMigrations(dir)).toThrow(/oops.sql is not named NNN_name.sql/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
