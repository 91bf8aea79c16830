/**
 * A project's sync bookkeeping (migration 5): its link to a shared project, each image's base
 * revision and synced digest, which media the server holds, and the open conflicts.
 */
import { ServerImage, StudioError, type ImageStatus, type SyncLink } from '@shared';
import { writeTransaction, statementCache, type Db } from './database.js';

export interface ImageSyncRow {
  imageId: number;
  baseRevision: number | null;
  syncedDigest: string | null;
  mediaOnServer: boolean;
  touched: boolean;
}

/** What a push sends of an image besides its labels. */
export interface SyncImageRow {
  id: number;
  hash: string;
  ext: string;
  name: string;
  width: number;
  height: number;
  status: ImageStatus;
}

export interface StoredConflict {
  imageId: number;
  server: ServerImage;
  detectedAt: string;
}

interface LinkRow {
  server_url: string;
  remote_project_id: string;
  remote_name: string | null;
  pull_cursor: number;
  last_push_at: string | null;
  last_pull_at: string | null;
  linked_at: string;
}

export class SyncRepository {
  private readonly sql: ReturnType<typeof statementCache>;

  constructor(private readonly db: Db) {
    this.sql = statementCache(db);
  }

  link(): SyncLink | null {
    const row = this.sql('SELECT * FROM sync_link WHERE id = 1').get() as LinkRow | undefined;
    if (!row) return null;
    return {
      serverUrl: row.server_url,
      remoteProjectId: row.remote_project_id,
      remoteName: row.remote_name,
      pullCursor: row.pull_cursor,
      lastPushAt: row.last_push_at,
      lastPullAt: row.last_pull_at,
      linkedAt: row.linked_at,
    };
  }

  requireLink(): SyncLink {
    const link = this.link();
    if (!link) throw new StudioError('invalid_input', 'This project is not linked to a shared project yet: link it on the Team tab (or push it once) first.');
    return link;
  }

  /**
   * Links the project. Linking it to another shared project (or server) forgets what was synced
   * with the first: every image is sent again, by its content, with no base revision.
   */
  setLink(link: { serverUrl: string; remoteProjectId: string; remoteName: string | null }): void {
    writeTransaction(this.db, () => {
      const current = this.link();
      if (current && current.serverUrl === link.serverUrl && current.remoteProjectId === link.remoteProjectId) {
        this.sql('UPDATE sync_link SET remote_name = ? WHERE id = 1').run(link.remoteName);
        return;
      }
      this.forgetSynced();
      this.sql('INSERT OR REPLACE INTO sync_link (id, server_url, remote_project_id, remote_name, pull_cursor, linked_at) VALUES (1, ?, ?, ?, 0, ?)').run(
        link.serverUrl,
        link.remoteProjectId,
        link.remoteName,
        new Date().toISOString(),
      );
    })();
  }

  unlink(): void {
    writeTransaction(this.db, () => {
      this.sql('DELETE FROM sync_link').run();
      this.forgetSynced();
    })();
  }

  setRemoteName(name: string): void {
    this.sql('UPDATE sync_link SET remote_name = ? WHERE id = 1').run(name);
  }

  setCursor(cursor: number): void {
    this.sql('UPDATE sync_link SET pull_cursor = MAX(pull_cursor, ?) WHERE id = 1').run(cursor);
  }

  markPushed(at = new Date().toISOString()): void {
    this.sql('UPDATE sync_link SET last_push_at = ? WHERE id = 1').run(at);
  }

  markPulled(at = new Date().toISOString()): void {
    this.sql('UPDATE sync_link SET last_pull_at = ? WHERE id = 1').run(at);
  }

  row(imageId: number): ImageSyncRow {
    const r = this.sql('SELECT image_id, base_revision, synced_digest, media_on_server, touched FROM sync_images WHERE image_id = ?').get(imageId) as
      | { image_id: number; base_revision: number | null; synced_digest: string | null; media_on_server: number; touched: number }
      | undefined;
    if (!r) return { imageId, baseRevision: null, syncedDigest: null, mediaOnServer: false, touched: true };
    return { imageId, baseRevision: r.base_revision, syncedDigest: r.synced_digest, mediaOnServer: r.media_on_server === 1, touched: r.touched === 1 };
  }

  image(imageId: number): SyncImageRow {
    return this.sql('SELECT id, hash, ext, name, width, height, status FROM images WHERE id = ?').get(imageId) as SyncImageRow;
  }

  /** Images that may have changed since they were last synced, after `afterId`, without open conflicts. */
  touchedAfter(afterId: number, limit: number): number[] {
    return this.sql(
      'SELECT image_id FROM sync_images WHERE touched = 1 AND image_id > ? AND image_id NOT IN (SELECT image_id FROM sync_conflicts) ORDER BY image_id LIMIT ?',
    )
      .pluck()
      .all(afterId, limit) as number[];
  }

  /** Images whose media the server may lack, after `afterId`. */
  mediaNotOnServerAfter(afterId: number, limit: number): SyncImageRow[] {
    return this.sql(
      `SELECT i.id, i.hash, i.ext, i.name, i.width, i.height, i.status FROM sync_images s JOIN images i ON i.id = s.image_id
       WHERE s.media_on_server = 0 AND s.image_id > ? ORDER BY s.image_id LIMIT ?`,
    ).all(afterId, limit) as SyncImageRow[];
  }

  setMediaOnServer(imageIds: Iterable<number>, onServer: boolean): void {
    const stmt = this.sql('UPDATE sync_images SET media_on_server = ? WHERE image_id = ?');
    writeTransaction(this.db, () => {
      for (const id of imageIds) stmt.run(onServer ? 1 : 0, id);
    })();
  }

  /**
   * Records that the image agrees with the server at `revision`, its labels then digesting to
   * `digest`. `stillTouched`: the labels changed meanwhile, so the next push looks again.
   */
  recordSynced(imageId: number, revision: number, digest: string, stillTouched = false): void {
    this.sql('UPDATE sync_images SET base_revision = ?, synced_digest = ?, media_on_server = 1, touched = ? WHERE image_id = ?').run(revision, digest, stillTouched ? 1 : 0, imageId);
  }

  /** Looked at, and the same as last synced. */
  clearTouched(imageId: number): void {
    this.sql('UPDATE sync_images SET touched = 0 WHERE image_id = ?').run(imageId);
  }

  /**
   * Keep-mine: the server's revision becomes the base, with the digest of the server's labels,
   * so this copy is dirty against it and the next push replaces the server's copy.
   */
  rebase(imageId: number, revision: number, serverDigest: string): void {
    this.sql('UPDATE sync_images SET base_revision = ?, synced_digest = ?, touched = 1 WHERE image_id = ?').run(revision, serverDigest, imageId);
  }

  /** Images a push would look at: touched ones, conflicts left out. An upper bound until a push digests them. */
  pendingCount(): number {
    return this.sql('SELECT COUNT(*) FROM sync_images WHERE touched = 1 AND image_id NOT IN (SELECT image_id FROM sync_conflicts)').pluck().get() as number;
  }

  conflictCount(): number {
    return this.sql('SELECT COUNT(*) FROM sync_conflicts').pluck().get() as number;
  }

  conflicts(): StoredConflict[] {
    const rows = this.sql('SELECT image_id, server, detected_at FROM sync_conflicts ORDER BY image_id').all() as { image_id: number; server: string; detected_at: string }[];
    return rows.map((r) => ({ imageId: r.image_id, server: ServerImage.parse(JSON.parse(r.server)), detectedAt: r.detected_at }));
  }

  conflict(imageId: number): StoredConflict | null {
    const r = this.sql('SELECT image_id, server, detected_at FROM sync_conflicts WHERE image_id = ?').get(imageId) as { image_id: number; server: string; detected_at: string } | undefined;
    return r ? { imageId: r.image_id, server: ServerImage.parse(JSON.parse(r.server)), detectedAt: r.detected_at } : null;
  }

  putConflict(imageId: number, server: ServerImage): void {
    this.sql(
      'INSERT INTO sync_conflicts (image_id, server, detected_at) VALUES (?, ?, ?) ON CONFLICT (image_id) DO UPDATE SET server = excluded.server, detected_at = excluded.detected_at',
    ).run(imageId, JSON.stringify(server), new Date().toISOString());
  }

  deleteConflict(imageId: number): void {
    this.sql('DELETE FROM sync_conflicts WHERE image_id = ?').run(imageId);
  }

  private forgetSynced(): void {
    this.sql('UPDATE sync_images SET base_revision = NULL, synced_digest = NULL, media_on_server = 0, touched = 1').run();
    this.sql('DELETE FROM sync_conflicts').run();
  }
}
