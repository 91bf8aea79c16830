import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Database } from '../../db/database.js';
import { migrate } from '../../db/migrate.js';
import { openPgliteDatabase } from '../../db/pglite-database.js';
import { openPostgresDatabase } from '../../db/postgres-database.js';
import { globalPlugin } from '../global-plugin.js';

declare module 'fastify' {
  interface FastifyInstance {
    db: Database;
  }
}

/**
 * PostgreSQL when a URL is given, else PGlite in `<dataDir>/pglite`; migrated before the first
 * request, closed with the server.
 */
export default globalPlugin('database', async (app: FastifyInstance, options: { databaseUrl?: string; dataDir: string }) => {
  const db = options.databaseUrl ? await openPostgresDatabase(options.databaseUrl) : await openPgliteDatabase(path.join(options.dataDir, 'pglite'));
  try {
    const applied = await migrate(db);
    if (applied.length) app.log.info({ applied }, 'database migrated');
  } catch (err) {
    await db.close();
    throw err;
  }
  app.decorate('db', db);
  app.addHook('onClose', async () => {
    await db.close();
  });
});
