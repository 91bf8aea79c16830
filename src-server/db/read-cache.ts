import type { Database, Queryable, Row } from './database.js';

/**
 * Answers of read queries kept until the database next changes.
 *
 * Under load most reads repeat: a team's studios list the same projects and pull the same label
 * pages. Each such read is a query, and PGlite runs one query at a time, so without this a hundred
 * clients wait in one line. The rule that keeps it correct is a single one: **any change to the
 * database drops every entry.** Changes are learnt from two places:
 *
 * - this server's own writes (`trackWrites` wraps the database: every statement that can write,
 *   and every transaction, counts as a change, before and after it runs);
 * - other servers' writes on the same PostgreSQL, through `LISTEN` on the channel the triggers of
 *   migration 002 notify. While that connection is down the cache is switched off, and switched
 *   back on (empty) once it is up again.
 *
 * An answer is stored only if no change happened between the moment its query was started and the
 * moment it came back, so a read racing a write can never leave the older answer behind. Identical
 * reads that arrive while one is running wait for that one instead of running again.
 */
export class ReadCache {
  private epoch = 0;
  private enabled: boolean;
  private bytes = 0;
  private readonly entries = new Map<string, { value: unknown; size: number }>();
  private readonly running = new Map<string, Promise<unknown>>();
  /** Counters for tests and the bench: answers served from memory, and reads that ran. */
  readonly stats = { hits: 0, misses: 0, changes: 0 };

  constructor(private readonly options: { maxBytes?: number; enabled?: boolean } = {}) {
    this.enabled = options.enabled ?? true;
  }

  get isEnabled(): boolean {
    return this.enabled;
  }

  /** Something in the database changed (or may have): forget everything. */
  changed(): void {
    this.epoch += 1;
    this.stats.changes += 1;
    this.entries.clear();
    this.running.clear();
    this.bytes = 0;
  }

  /** Off: every read goes to the database (used while other servers' changes cannot be heard). */
  setEnabled(enabled: boolean): void {
    this.changed();
    this.enabled = enabled;
  }

  /**
   * The answer for `key`: from memory when no change happened since it was read, else `read()`'s,
   * kept for next time. `size` says roughly how many bytes it holds (strings: their length).
   */
  async get<T>(key: string, read: () => Promise<T>, size: (value: T) => number = defaultSize): Promise<T> {
    if (!this.enabled) return read();
    const hit = this.entries.get(key);
    if (hit) {
      this.stats.hits += 1;
      // Map order doubles as recency: the entry moves to the end.
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit.value as T;
    }
    const pending = this.running.get(key);
    if (pending) {
      this.stats.hits += 1;
      return pending as Promise<T>;
    }
    this.stats.misses += 1;
    const epoch = this.epoch;
    const promise = read();
    this.running.set(key, promise);
    try {
      const value = await promise;
      if (this.epoch === epoch && this.enabled) this.store(key, value, size(value));
      return value;
    } finally {
      if (this.running.get(key) === promise) this.running.delete(key);
    }
  }

  private store(key: string, value: unknown, size: number): void {
    const max = this.options.maxBytes ?? 64 * 1024 * 1024;
    if (size > max / 4) return;
    this.entries.set(key, { value, size });
    this.bytes += size;
    // The least recently used go first.
    for (const [oldest, entry] of this.entries) {
      if (this.bytes <= max) break;
      this.entries.delete(oldest);
      this.bytes -= entry.size;
    }
  }
}

function defaultSize(value: unknown): number {
  if (typeof value === 'string') return value.length + 64;
  if (value === null || value === undefined) return 64;
  return JSON.stringify(value).length + 64;
}

/**
 * Whether a statement may write. A statement counts as a read only when it starts with SELECT or
 * WITH and names no writing keyword anywhere (a false "write" costs a cache refill; a false "read"
 * would serve stale answers, so the test leans to "write").
 */
export function mayWrite(sql: string): boolean {
  if (!/^\s*(SELECT|WITH)\b/i.test(sql)) return true;
  return /\b(INSERT|UPDATE|DELETE|TRUNCATE|MERGE|ALTER|CREATE|DROP|COPY|CALL|GRANT|REVOKE|NOTIFY|SETVAL|NEXTVAL|PG_ADVISORY\w*)\b/i.test(sql);
}

/**
 * `db` with every possible write reported to `cache`: before it runs (reads started from then on
 * are not kept) and after it ends (reads that started while it ran are not kept either).
 */
export function trackWrites(db: Database, cache: ReadCache): Database {
  const around = async <T>(work: () => Promise<T>): Promise<T> => {
    cache.changed();
    try {
      return await work();
    } finally {
      cache.changed();
    }
  };
  const tracked = (q: Queryable): Queryable => ({
    query: <R extends Row = Row>(sql: string, params?: readonly unknown[]) => (mayWrite(sql) ? around(() => q.query<R>(sql, params)) : q.query<R>(sql, params)),
    exec: (sql: string) => around(() => q.exec(sql)),
  });
  const top = tracked(db);
  return {
    kind: db.kind,
    query: top.query,
    exec: top.exec,
    // A transaction's statements run on its own connection and commit together: the whole of it
    // counts as one change, whatever it holds.
    transaction: <T>(work: (tx: Queryable) => Promise<T>) => around(() => db.transaction(work)),
    onRemoteChange: db.onRemoteChange?.bind(db),
    close: () => db.close(),
  };
}
