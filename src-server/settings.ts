import path from 'node:path';
import type { S3ObjectStoreOptions } from './storage/s3-object-store.js';

/** The knobs `buildServer` takes (see `ServerOptions` in app.ts), with every default filled in. */
export interface ServerSettings {
  dataDir: string;
  databaseUrl?: string;
  allowRegistration: boolean;
  logger: boolean;
  objectStore?: S3ObjectStoreOptions;
  jwtSecret?: string;
  /** Origins allowed to call the API from a browser; none by default. */
  corsOrigins: string[];
  /** Largest JSON body, in bytes. */
  jsonBodyLimit: number;
  /** Largest media or model upload, in bytes. */
  maxUploadBytes: number;
  /** Requests per minute per IP over the whole API; 0 turns the limit off (benchmarks). */
  rateLimitPerMinute: number;
  /** Requests per minute per IP to login, register and refresh. */
  authRateLimitPerMinute: number;
  /** Failed logins per account in 15 minutes before it answers 429. */
  loginFailuresPerAccount: number;
}

export const MiB = 1024 * 1024;

export const DEFAULTS = {
  allowRegistration: true,
  logger: false,
  corsOrigins: [] as string[],
  jsonBodyLimit: 32 * MiB,
  maxUploadBytes: 256 * MiB,
  rateLimitPerMinute: 3000,
  authRateLimitPerMinute: 30,
  loginFailuresPerAccount: 10,
};

/** Where the server keeps its files when no folder is given: `./reticle-server-data`. */
export const defaultDataDir = (): string => path.resolve('reticle-server-data');
