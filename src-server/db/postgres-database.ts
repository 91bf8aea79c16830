import pg from 'pg';
import type { Database, Queryable, RemoteChange, Row } from './database.js';

const INT8_OID = 20;

/** Counters and counts fit a JS number by far; `pg` would answer them as strings. */
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8_OID && format !== 'binary') return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format as 'text');
  },
} as pg.CustomTypesConfig;

function queryable(client: pg.Pool | pg.PoolClient): Queryable {
  return {
    async query<R extends Row>(sql: string, params: readonly unknown[] = []) {
      return (await client.query<R>(sql, params as unknown[])).rows;
    },
    async exec(sql: string) {
      await client.query(sql);
    },
  };
}

/** PostgreSQL through a `pg` pool (`DATABASE_URL`). */
export async function openPostgresDatabase(connectionString: string, options: { max?: number } = {}): Promise<Database> {
  const pool = new pg.Pool({ connectionString, types, max: options.max ?? 10 });
  // An idle client that loses its connection emits here; without a listener it would crash the process.
  pool.on('error', () => undefined);
  // Fail at start, with the server's own words, rather than on the first request.
  await pool.query('SELECT 1');
  const base = queryable(pool);
  return {
    kind: 'postgres',
    query: base.query,
    exec: base.exec,
    async transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T> {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await work(queryable(client));
        await client.query('COMMIT');
        return result;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      } finally {
        client.release();
      }
    },
    onRemoteChange: (listener) => listenForChanges(connectionString, listener),
    async close() {
      await pool.end();
    },
  };
}

/** The channel migration 002's triggers notify. */
const CHANGE_CHANNEL = 'reticle_change';

/**
 * One connection of its own that LISTENs for other servers' changes. When it drops, the listener
 * hears 'lost' at once, and 'back' once a new connection listens again (tried every `retryMs`).
 */
export async function listenForChanges(
  connectionString: string,
  listener: (event: RemoteChange) => void,
  options: { retryMs?: number } = {},
): Promise<() => Promise<void>> {
  const retryMs = options.retryMs ?? 1000;
  let client: pg.Client | null = null;
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;

  const connect = async (): Promise<void> => {
    const next = new pg.Client({ connectionString });
    // Until it listens, failures are thrown by connect() below; after, they are a drop.
    let live = false;
    let dropped = false;
    const drop = () => {
      if (!live || dropped) return;
      dropped = true;
      if (client === next) client = null;
      next.end().catch(() => undefined);
      if (stopped) return;
      listener('lost');
      timer = setTimeout(() => void retry(), retryMs);
      timer.unref();
    };
    next.on('error', drop);
    next.on('end', drop);
    next.on('notification', (message) => {
      if (message.channel === CHANGE_CHANNEL) listener('changed');
    });
    try {
      await next.connect();
      await next.query(`LISTEN ${CHANGE_CHANNEL}`);
    } catch (err) {
      await next.end().catch(() => undefined);
      throw err;
    }
    if (stopped) {
      await next.end().catch(() => undefined);
      return;
    }
    live = true;
    client = next;
  };
  const retry = async () => {
    timer = null;
    if (stopped) return;
    try {
      await connect();
      if (!stopped) listener('back');
    } catch {
      if (stopped) return;
      timer = setTimeout(() => void retry(), retryMs);
      timer.unref();
    }
  };

  await connect();
  return async () => {
    stopped = true;
    if (timer) clearTimeout(timer);
    const last = client;
    client = null;
    await last?.end().catch(() => undefined);
  };
}
