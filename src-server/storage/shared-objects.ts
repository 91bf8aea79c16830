/**
 * Objects shared by content: one `media/<hash>` serves every project that holds that image, one
 * `models/<hash>` every model with that file. A project or model going away must never delete
 * bytes another one references, including a reference that arrives while the delete runs.
 *
 * The rule, for each object: bytes are deleted, and references are added, only while holding that
 * object's lock (a PostgreSQL advisory lock, taken in a transaction and released at its end).
 *
 * - `attach` (an upload) stores the bytes first, with no lock held, then in one transaction takes
 *   the lock, checks the bytes are still there (a sweep may have deleted them in between; under
 *   the lock none can) and puts them again if not, and inserts the reference. Once that commits,
 *   a sweep sees the reference.
 * - `release` (a sweep, after the references were deleted) takes the locks, looks for references
 *   in a statement of its own (READ COMMITTED: it sees everything committed before the lock was
 *   granted), and deletes the bytes of the unreferenced ones before letting go.
 *
 * So an upload either commits its reference before the sweep looks (the sweep keeps the bytes), or
 * waits for the sweep to finish and then finds the bytes gone and puts them back.
 *
 * An object whose bytes are lost anyway (a disk restored from an old backup, a bucket emptied by
 * hand) is found by `lost`: `images/missing` lists it again, so an upload of it puts it back.
 */
import fs from 'node:fs';
import type { FastifyBaseLogger } from 'fastify';
import type { Database, Queryable } from '../db/database.js';
import { objectKey, type ObjectKind, type ObjectStore } from './object-store.js';

/** Lock class per kind (the advisory lock's first key); the hash's first 32 bits are the second. */
const LOCK_CLASS: Record<ObjectKind, number> = { media: 0x52_54_4d_01, models: 0x52_54_4d_02 };
/** Objects one sweep transaction locks and looks at together. */
const SWEEP_BATCH = 100;
/** Store calls at once (deletes, existence checks). */
const STORE_CALLS = 8;

/** The hashes among `hashes` that some row references, whatever the project. */
const REFERENCED: Record<ObjectKind, string> = {
  media: 'SELECT DISTINCT hash FROM project_media WHERE hash = ANY($1::text[])',
  models: 'SELECT DISTINCT file_hash AS hash FROM models WHERE file_hash = ANY($1::text[])',
};

const lockKey = (hash: string): number => parseInt(hash.slice(0, 8), 16) | 0;

async function lock(tx: Queryable, kind: ObjectKind, hash: string): Promise<void> {
  await tx.query('SELECT pg_advisory_xact_lock($1::int, $2::int)', [LOCK_CLASS[kind], lockKey(hash)]);
}

async function eachLimited<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await work(items[next++]);
  }));
}

/** A second name for a temp file (a hard link, or a copy), so storing one still leaves the other. */
async function spareOf(file: string): Promise<string> {
  // Still `upload-*.part`: what a clean-up of killed uploads' temp files looks for.
  const spare = `${file}.${process.hrtime.bigint()}.part`;
  try {
    await fs.promises.link(file, spare);
  } catch {
    await fs.promises.copyFile(file, spare);
  }
  return spare;
}

export class SharedObjects {
  constructor(
    private readonly db: Database,
    private readonly store: ObjectStore,
    private readonly log?: FastifyBaseLogger,
  ) {}

  /** Stores a copy of `file` (its caller removes it) unless the store has the object already. */
  private async putIfAbsent(key: string, file: string, bytes: number): Promise<void> {
    if (await this.store.has(key)) return;
    const spare = await spareOf(file);
    try {
      await this.store.putFile(key, spare, bytes);
    } finally {
      await fs.promises.rm(spare, { force: true });
    }
  }

  /**
   * Makes sure the object `kind/hash` holds `file`'s (verified) bytes, and records a reference to
   * it with `refer(tx)`, in a transaction that holds the object's lock. `file` stays for the caller
   * to remove. When `refer` throws, bytes nothing references are swept again.
   */
  async attach<T>(kind: ObjectKind, hash: string, file: string, bytes: number, refer: (tx: Queryable) => Promise<T>): Promise<T> {
    const key = objectKey(kind, hash);
    // No lock is held while most bytes travel: the one put under the lock below is for a sweep
    // that deleted them in the moment between.
    await this.putIfAbsent(key, file, bytes);
    try {
      return await this.db.transaction(async (tx) => {
        await lock(tx, kind, hash);
        await this.putIfAbsent(key, file, bytes);
        return refer(tx);
      });
    } catch (err) {
      await this.release(kind, [hash]).catch(() => undefined);
      throw err;
    }
  }

  /**
   * Deletes the bytes of those objects among `hashes` that nothing references any more (call it
   * after deleting references, once that transaction committed). Answers how many it deleted. A
   * store that fails to delete only leaves garbage behind, and is logged.
   */
  async release(kind: ObjectKind, hashes: Iterable<string>): Promise<number> {
    // One order for every sweep, so two sweeps never wait on each other's locks in a cycle.
    const sorted = [...new Set(hashes)].sort((a, b) => lockKey(a) - lockKey(b) || a.localeCompare(b));
    let deleted = 0;
    for (let i = 0; i < sorted.length; i += SWEEP_BATCH) {
      const batch = sorted.slice(i, i + SWEEP_BATCH);
      deleted += await this.db.transaction(async (tx) => {
        for (const hash of batch) await lock(tx, kind, hash);
        // A statement of its own, after the locks: it sees every reference committed before them.
        const referenced = new Set((await tx.query<{ hash: string }>(REFERENCED[kind], [batch])).map((r) => r.hash));
        let gone = 0;
        await eachLimited(batch.filter((h) => !referenced.has(h)), STORE_CALLS, async (hash) => {
          try {
            await this.store.delete(objectKey(kind, hash));
            gone++;
          } catch (err) {
            this.log?.warn({ err, kind, hash }, 'could not delete an object nothing references');
          }
        });
        return gone;
      });
    }
    return deleted;
  }

  /**
   * Those among `hashes` (each referenced) whose bytes the store no longer holds. A referenced
   * object is never swept, so these were lost behind the server's back. Their references stay:
   * an upload of the same bytes puts them back, and so does restoring the files.
   */
  async lost(kind: ObjectKind, hashes: string[]): Promise<string[]> {
    const absent = new Set<string>();
    await eachLimited(hashes, STORE_CALLS, async (hash) => {
      if (!(await this.store.has(objectKey(kind, hash)))) absent.add(hash);
    });
    if (absent.size) this.log?.warn({ kind, hashes: [...absent].slice(0, 20), count: absent.size }, 'the object store lost files the database references: they are asked for again');
    return hashes.filter((h) => absent.has(h));
  }
}
