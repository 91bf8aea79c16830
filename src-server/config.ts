import { parseArgs } from 'node:util';
import type { ServerOptions } from './app.js';
import { MiB } from './settings.js';

export const USAGE = `Usage: reticle-server [--port N] [--host H] [--data DIR] [--no-registration]

  --port N            port to listen on (default 8787, or PORT)
  --host H            address to listen on (default 127.0.0.1, or HOST; 0.0.0.0 for every interface)
  --data DIR          where the server keeps its files (default ./reticle-server-data, or RETICLE_SERVER_DATA)
  --no-registration   only the first account registers itself; admins create the others

Environment:
  DATABASE_URL        PostgreSQL (postgres://user:pass@host/db); without it, an embedded PGlite in DIR/pglite
  S3_BUCKET           keep media and model files in S3 instead of DIR/objects; with S3_ENDPOINT,
                      S3_REGION, S3_PREFIX, S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY (or AWS_* keys)
  JWT_SECRET          signs access tokens (32+ characters); default: generated into DIR/jwt-secret
  CORS_ORIGINS        comma-separated origins allowed to call the API from a browser
  MAX_UPLOAD_MB       largest media or model upload (default 256)
  RATE_LIMIT_PER_MINUTE  requests per minute per address (default 3000; 0 turns it off)
  TRUST_PROXY=1       behind a reverse proxy: take clients' addresses from X-Forwarded-For
  LOG_LEVEL           info (default), warn, debug…`;

export class UsageError extends Error {}

function positiveInt(value: string | undefined, what: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`${what} must be a whole number, not "${value}".`);
  return n;
}

/** Server options from the command line and the environment; flags win over variables. */
export function optionsFromCli(argv: string[], env: NodeJS.ProcessEnv): ServerOptions & { help?: boolean } {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        data: { type: 'string' },
        'no-registration': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const v = parsed.values;
  const port = positiveInt(v.port ?? env.PORT, '--port');
  if (port !== undefined && port > 65_535) throw new UsageError(`--port must be at most 65535, not ${port}.`);
  const uploadMb = positiveInt(env.MAX_UPLOAD_MB, 'MAX_UPLOAD_MB');
  return {
    help: v.help,
    port: port ?? 8787,
    host: v.host ?? env.HOST ?? '127.0.0.1',
    dataDir: v.data ?? env.RETICLE_SERVER_DATA,
    databaseUrl: env.DATABASE_URL || undefined,
    allowRegistration: !(v['no-registration'] ?? ['0', 'false', 'no'].includes((env.ALLOW_REGISTRATION ?? '').toLowerCase())),
    logger: true,
    jwtSecret: env.JWT_SECRET || undefined,
    corsOrigins: (env.CORS_ORIGINS ?? '').split(',').map((s) => s.trim()).filter(Boolean),
    maxUploadBytes: uploadMb !== undefined ? uploadMb * MiB : undefined,
    rateLimitPerMinute: positiveInt(env.RATE_LIMIT_PER_MINUTE, 'RATE_LIMIT_PER_MINUTE'),
    trustProxy: env.TRUST_PROXY === '1' || env.TRUST_PROXY === 'true',
    objectStore: env.S3_BUCKET
      ? {
          bucket: env.S3_BUCKET,
          endpoint: env.S3_ENDPOINT || undefined,
          region: env.S3_REGION || env.AWS_REGION || undefined,
          prefix: env.S3_PREFIX || undefined,
          accessKeyId: env.S3_ACCESS_KEY_ID || env.AWS_ACCESS_KEY_ID || undefined,
          secretAccessKey: env.S3_SECRET_ACCESS_KEY || env.AWS_SECRET_ACCESS_KEY || undefined,
          forcePathStyle: env.S3_FORCE_PATH_STYLE ? env.S3_FORCE_PATH_STYLE === '1' || env.S3_FORCE_PATH_STYLE === 'true' : undefined,
        }
      : undefined,
  };
}
