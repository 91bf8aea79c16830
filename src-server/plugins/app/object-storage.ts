import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { FileObjectStore } from '../../storage/file-object-store.js';
import type { ObjectStore } from '../../storage/object-store.js';
import { S3ObjectStore, type S3ObjectStoreOptions } from '../../storage/s3-object-store.js';
import { globalPlugin } from '../global-plugin.js';

declare module 'fastify' {
  interface FastifyInstance {
    objects: ObjectStore;
    /** Where uploads are written while they are hashed, before they are stored. */
    uploadTmpDir: string;
  }
}

/** Media and model files: in an S3 bucket when one is configured, else in `<dataDir>/objects`. */
export default globalPlugin('object-storage', async (app: FastifyInstance, options: { dataDir: string; s3?: S3ObjectStoreOptions }) => {
  const store: ObjectStore = options.s3 ? new S3ObjectStore(options.s3) : new FileObjectStore(path.join(options.dataDir, 'objects'));
  app.decorate('objects', store);
  // Beside the objects, so the final rename stays on one disk.
  app.decorate('uploadTmpDir', path.join(options.dataDir, 'objects', '.incoming'));
  app.addHook('onClose', async () => {
    await store.close();
  });
});
