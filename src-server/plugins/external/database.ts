import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Database } from '../../db/database.js';
import { migrate } from '../../db/migrate.js';
import { openPgliteDatabase } from '../../db/pglite-database.js';
import { openPostgresDatabase } from '../../db/postgres-database.js';
import { ReadCache, trackWrites } from '../../db/read-cache.js';
import { globalPlugin } from '../global-plugin.js';

declare module 'fastify' {
  interface FastifyInstance {
    db: Database;
    /** Answers of read queries, dropped at every change (see read-cache.ts). */
    readCache: ReadCache;
  }
}

/**
 * PostgreSQL when a URL is given, else PGlite in `<dataDir>/pglite`; migrated before the first
 * request, closed with the server. Its writes go through `trackWrites`, and on PostgreSQL other
 * servers' writes are heard through LISTEN, so the read cache never outlives a change.
 * `readCache: false` turns the cache off (the bench compares both).
 */
export default globalPlugin('database', async (app: FastifyInstance, options: { databaseUrl?: string; dataDir: string; readCache?: boolean }) => {
  const raw = options.databaseUrl ? await openPostgresDatabase(options.databaseUrl) : await openPgliteDatabase(path.join(options.dataDir, 'pglite'));
  const cache = new ReadCache({ enabled: false });
  let stopListening: (() => Promise<void>) | null = null;
  try {
    const applied = await migrate(raw);
    if (applied.length) app.log.info({ applied }, 'database migrated');
    if (options.readCache !== false) {
      if (raw.onRemoteChange) {
        stopListening = await raw.onRemoteChange((event) => {
          if (event === 'changed') cache.changed();
          else {
            cache.setEnabled(event === 'back');
            app.log[event === 'lost' ? 'warn' : 'info'](
              event === 'lost' ? "lost the database's change notifications: reads are not cached until they are back" : 'database change notifications are back',
            );
          }
        });
      }
      cache.setEnabled(true);
    }
  } catch (err) {
    await stopListening?.();
    await raw.close();
    throw err;
  }
  const db = trackWrites(raw, cache);
  app.decorate('db', db);
  app.decorate('readCache', cache);
  app.addHook('onClose', async () => {
    await stopListening?.();
    await db.close();
  });
});
