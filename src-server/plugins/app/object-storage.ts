import fs from 'node:fs/promises';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { FileObjectStore } from '../../storage/file-object-store.js';
import type { ObjectStore } from '../../storage/object-store.js';
import { S3ObjectStore, type S3ObjectStoreOptions } from '../../storage/s3-object-store.js';
import { SharedObjects } from '../../storage/shared-objects.js';
import { globalPlugin } from '../global-plugin.js';

declare module 'fastify' {
  interface FastifyInstance {
    objects: ObjectStore;
    /** Adds and sweeps references to objects shared by content, under per-object locks. */
    sharedObjects: SharedObjects;
    /** Where uploads are written while they are hashed, before they are stored. */
    uploadTmpDir: string;
  }
}

/**
 * Media and model files: in an S3 bucket when one is configured, else in `<dataDir>/objects`.
 * Registered after the database: references to objects are rows in it.
 */
export default globalPlugin('object-storage', async (app: FastifyInstance, options: { dataDir: string; s3?: S3ObjectStoreOptions }) => {
  const store: ObjectStore = options.s3 ? new S3ObjectStore(options.s3) : new FileObjectStore(path.join(options.dataDir, 'objects'));
  app.decorate('objects', store);
  app.decorate('sharedObjects', new SharedObjects(app.db, store, app.log));
  // Beside the objects, so the final rename stays on one disk.
  const incoming = path.join(options.dataDir, 'objects', '.incoming');
  app.decorate('uploadTmpDir', incoming);
  // What an upload cut off by a kill -9 left there. The data folder's lock is held by now, so no
  // other server is writing in it: every part file is an orphan.
  const orphans = await fs.readdir(incoming).catch(() => [] as string[]);
  for (const name of orphans) if (/^upload-[\w-]+\.part$/.test(name)) await fs.rm(path.join(incoming, name), { force: true });
  if (orphans.length) app.log.info({ removed: orphans.length }, 'removed the part files of uploads a killed server left');
  app.addHook('onClose', async () => {
    await store.close();
  });
});
