/**
 * What a backup remembers between runs, in `<project>/cache/backup-state.json`:
 *
 * - the sha256 of each run file by path, size and mtime, so an unchanged 200 MB weights file is
 *   not read again just to learn its key;
 * - each multipart upload under way (upload id, part size, the parts the store confirmed), so a
 *   backup cut off by a cancel, a crash or the network carries on from the last part.
 *
 * Written atomically after every confirmed part: a killed process leaves the old file or the
 * new one. It is a cache: lost or damaged, the next backup hashes again and restarts its
 * multipart uploads, nothing worse.
 */
import fs from 'node:fs';
import { z } from 'zod';
import { writeFileAtomicSync } from '../settings/settings-store.js';

const PartSchema = z.object({ partNumber: z.number().int().min(1).max(10_000), etag: z.string(), size: z.number().int().nonnegative() });

const PendingUploadSchema = z.object({
  uploadId: z.string().min(1),
  size: z.number().int().nonnegative(),
  sha256: z.string(),
  partSize: z.number().int().positive(),
  parts: z.array(PartSchema),
});

const StateSchema = z.object({
  version: z.literal(1),
  /** The bucket folder the uploads belong to: uploads for another target are forgotten. */
  location: z.string(),
  hashes: z.record(z.string(), z.object({ size: z.number(), mtimeMs: z.number(), sha256: z.string() })),
  uploads: z.record(z.string(), PendingUploadSchema),
});

export type PendingUpload = z.infer<typeof PendingUploadSchema>;
export type RecordedPart = z.infer<typeof PartSchema>;
type StateData = z.infer<typeof StateSchema>;

export class BackupState {
  private constructor(
    private readonly file: string,
    private data: StateData,
  ) {}

  /** The state for backups to `location`; a fresh one when the file is missing, damaged or for another target. */
  static load(file: string, location: string): BackupState {
    let data: StateData = { version: 1, location, hashes: {}, uploads: {} };
    try {
      const parsed = StateSchema.safeParse(JSON.parse(fs.readFileSync(file, 'utf8')));
      if (parsed.success) data = parsed.data.location === location ? parsed.data : { ...data, hashes: parsed.data.hashes };
    } catch {
      /* missing or unreadable: start afresh */
    }
    return new BackupState(file, data);
  }

  /** The sha256 remembered for a file, if it has not changed since (same size and mtime). */
  knownHash(relPath: string, stat: { size: number; mtimeMs: number }): string | undefined {
    const known = this.data.hashes[relPath];
    return known && known.size === stat.size && known.mtimeMs === stat.mtimeMs ? known.sha256 : undefined;
  }

  rememberHash(relPath: string, stat: { size: number; mtimeMs: number }, sha256: string): void {
    this.data.hashes[relPath] = { size: stat.size, mtimeMs: stat.mtimeMs, sha256 };
  }

  /** Forgets hashes of files that are gone. */
  keepHashes(relPaths: ReadonlySet<string>): void {
    this.data.hashes = Object.fromEntries(Object.entries(this.data.hashes).filter(([p]) => relPaths.has(p)));
  }

  pending(key: string): PendingUpload | undefined {
    return this.data.uploads[key];
  }

  pendingKeys(): string[] {
    return Object.keys(this.data.uploads);
  }

  beginUpload(key: string, upload: Omit<PendingUpload, 'parts'>): void {
    this.data.uploads[key] = { ...upload, parts: [] };
    this.save();
  }

  /** Records a part the store confirmed; saved at once, so a crash right after keeps it. */
  recordPart(key: string, part: RecordedPart): void {
    const upload = this.data.uploads[key];
    if (!upload) return;
    upload.parts = [...upload.parts.filter((p) => p.partNumber !== part.partNumber), part];
    this.save();
  }

  endUpload(key: string): void {
    if (!(key in this.data.uploads)) return;
    delete this.data.uploads[key];
    this.save();
  }

  save(): void {
    writeFileAtomicSync(this.file, JSON.stringify(this.data));
  }
}
