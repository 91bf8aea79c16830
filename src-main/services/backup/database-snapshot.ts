/**
 * A consistent copy of a project's database, taken while the studio keeps working: SQLite's
 * online backup (never a byte copy of a live WAL database, which can tear). The copy is turned
 * into a plain single-file database and read for what the backup must carry: the images whose
 * media it names, the runs whose files it names, and counts for the report.
 */
import fs from 'node:fs';
import { createGzip } from 'node:zlib';
import { createHash } from 'node:crypto';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import Database from 'better-sqlite3';
import type { ProjectStore } from '../store/project-store.js';

export interface DatabaseSnapshot {
  /** The copy, a single file (journal mode DELETE). */
  file: string;
  size: number;
  sha256: string;
  images: { hash: string; ext: string }[];
  runs: { id: string; status: string }[];
  counts: { images: number; annotations: number; classes: number; runs: number };
}

export async function snapshotDatabase(store: ProjectStore, file: string): Promise<DatabaseSnapshot> {
  await store.backupTo(file);
  const copy = new Database(file);
  let images: DatabaseSnapshot['images'];
  let runs: DatabaseSnapshot['runs'];
  let counts: DatabaseSnapshot['counts'];
  try {
    // The copy keeps the original's WAL mode; a restore wants one self-contained file.
    copy.pragma('journal_mode = DELETE');
    images = copy.prepare('SELECT hash, ext FROM images ORDER BY id').all() as DatabaseSnapshot['images'];
    runs = copy.prepare('SELECT id, status FROM runs ORDER BY created_at, id').all() as DatabaseSnapshot['runs'];
    const count = (table: string) => (copy.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
    counts = { images: images.length, annotations: count('annotations'), classes: count('classes'), runs: runs.length };
  } finally {
    copy.close();
  }
  const { size, sha256 } = await hashFile(file);
  return { file, size, sha256, images, runs, counts };
}

/** gzip `from` into `to`; answers the size and sha256 of what was written. */
export async function gzipFile(from: string, to: string): Promise<{ size: number; sha256: string }> {
  const hash = createHash('sha256');
  let size = 0;
  await pipeline(
    fs.createReadStream(from),
    createGzip({ level: 6 }),
    new Transform({
      transform(chunk: Buffer, _encoding, done) {
        hash.update(chunk);
        size += chunk.length;
        done(null, chunk);
      },
    }),
    fs.createWriteStream(to),
  );
  return { size, sha256: hash.digest('hex') };
}

export async function hashFile(file: string): Promise<{ size: number; sha256: string }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of fs.createReadStream(file)) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { size, sha256: hash.digest('hex') };
}
