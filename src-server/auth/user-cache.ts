import type { UserRecord } from '../repositories/users.js';

/**
 * Accounts looked up by access-token checks, kept for a moment: under load most requests come from
 * a few accounts, and each lookup is a query. Changes made through this server (disable, role,
 * delete) drop the entry at once; a change made by another server on the same database is seen
 * within `ttlMs`.
 */
export class UserCache {
  private readonly entries = new Map<string, { user: UserRecord; at: number }>();

  constructor(
    private readonly ttlMs = 2000,
    private readonly maxEntries = 10_000,
  ) {}

  get(id: string, now = Date.now()): UserRecord | null {
    const entry = this.entries.get(id);
    if (!entry) return null;
    if (now - entry.at > this.ttlMs) {
      this.entries.delete(id);
      return null;
    }
    return entry.user;
  }

  set(user: UserRecord, now = Date.now()): void {
    if (this.entries.size >= this.maxEntries) this.entries.clear();
    this.entries.set(user.id, { user, at: now });
  }

  forget(id: string): void {
    this.entries.delete(id);
  }
}
