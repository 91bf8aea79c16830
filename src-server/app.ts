/**
 * The team server: a Fastify instance with its plugins (external: helmet, CORS, rate limit,
 * database, OpenAPI; app: error answers, object storage, repositories, auth) and its routes.
 * `buildServer` is for `app.inject` tests; `startServer` listens.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import cors from './plugins/external/cors.js';
import database from './plugins/external/database.js';
import helmet from './plugins/external/helmet.js';
import rateLimit from './plugins/external/rate-limit.js';
import swagger from './plugins/external/swagger.js';
import auth from './plugins/app/auth.js';
import errorAnswers from './plugins/app/error-answers.js';
import objectStorage from './plugins/app/object-storage.js';
import repositories from './plugins/app/repositories.js';
import adminUsers from './routes/admin/users.js';
import authRoutes from './routes/auth/index.js';
import health from './routes/health/index.js';
import models from './routes/models/index.js';
import analyze from './routes/projects/analyze.js';
import projects from './routes/projects/index.js';
import labels from './routes/projects/labels.js';
import media from './routes/projects/media.js';
import members from './routes/projects/members.js';
import training from './routes/projects/training.js';
import { storableValidatorCompiler } from './routes/storable-text.js';
import { responseSerializerCompiler } from './response-serializer.js';
import { defaultDataDir, DEFAULTS, type ServerSettings } from './settings.js';
import type { S3ObjectStoreOptions } from './storage/s3-object-store.js';

export type { S3ObjectStoreOptions } from './storage/s3-object-store.js';

export interface ServerOptions {
  host?: string;
  port?: number;
  /** Where PGlite, the JWT key and (without S3) the objects live. Default `./reticle-server-data`. */
  dataDir?: string;
  /** PostgreSQL; without it, an embedded PGlite in `<dataDir>/pglite`. */
  databaseUrl?: string;
  /** Self-registration after the first (admin) account. Default true. */
  allowRegistration?: boolean;
  logger?: boolean;
  /** An S3 bucket for media and model files; without it, `<dataDir>/objects`. */
  objectStore?: S3ObjectStoreOptions;
  // Tuning, all optional (see settings.ts for the defaults).
  /** Signs access tokens; default: `<dataDir>/jwt-secret`, generated once. */
  jwtSecret?: string;
  corsOrigins?: string[];
  jsonBodyLimit?: number;
  maxUploadBytes?: number;
  /** Requests per minute per IP, all routes; 0 turns it off. */
  rateLimitPerMinute?: number;
  /** Requests per minute per IP to login/register/refresh/logout; 0 turns it off. */
  authRateLimitPerMinute?: number;
  loginFailuresPerAccount?: number;
  /** Take clients' addresses from X-Forwarded-For (only behind a reverse proxy you run). */
  trustProxy?: boolean;
  /** Keep answers of repeated reads until the database changes (default true; see db/read-cache.ts). */
  readCache?: boolean;
}

/** The routes the server has, method and URL, as registered (the access tests walk this). */
export interface RouteEntry {
  method: string;
  url: string;
}

declare module 'fastify' {
  interface FastifyInstance {
    settings: ServerSettings;
    routeList: RouteEntry[];
  }
}

function settingsOf(options: ServerOptions): ServerSettings {
  return {
    dataDir: options.dataDir ?? defaultDataDir(),
    databaseUrl: options.databaseUrl,
    allowRegistration: options.allowRegistration ?? DEFAULTS.allowRegistration,
    logger: options.logger ?? DEFAULTS.logger,
    objectStore: options.objectStore,
    jwtSecret: options.jwtSecret,
    corsOrigins: options.corsOrigins ?? DEFAULTS.corsOrigins,
    jsonBodyLimit: options.jsonBodyLimit ?? DEFAULTS.jsonBodyLimit,
    maxUploadBytes: options.maxUploadBytes ?? DEFAULTS.maxUploadBytes,
    rateLimitPerMinute: options.rateLimitPerMinute ?? DEFAULTS.rateLimitPerMinute,
    authRateLimitPerMinute: options.authRateLimitPerMinute ?? DEFAULTS.authRateLimitPerMinute,
    loginFailuresPerAccount: options.loginFailuresPerAccount ?? DEFAULTS.loginFailuresPerAccount,
  };
}

/** Builds the server, database migrated and every route registered, not listening. */
export async function buildServer(options: ServerOptions): Promise<FastifyInstance> {
  const settings = settingsOf(options);
  const app = Fastify({
    logger: settings.logger ? { level: process.env.LOG_LEVEL ?? 'info', redact: ['req.headers.authorization'] } : false,
    bodyLimit: settings.jsonBodyLimit,
    // Behind a reverse proxy, the rate limits must see clients' addresses, not the proxy's.
    trustProxy: options.trustProxy ?? false,
    routerOptions: { maxParamLength: 200 },
  });
  app.decorate('settings', settings);
  app.decorate('routeList', [] as RouteEntry[]);
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) {
      if (method !== 'HEAD') app.routeList.push({ method, url: route.url });
    }
  });
  // JSON in, JSON out (and raw bytes on the upload routes): a text body is a client's mistake, 415.
  app.removeContentTypeParser('text/plain');
  // Every schema also refuses text PostgreSQL cannot store (NUL, lone surrogates): 400, not 500.
  app.setValidatorCompiler(storableValidatorCompiler);
  app.setSerializerCompiler(responseSerializerCompiler);

  try {
    await app.register(errorAnswers);
    await app.register(helmet);
    await app.register(cors, { origins: settings.corsOrigins });
    await app.register(rateLimit, { perMinute: settings.rateLimitPerMinute });
    await app.register(database, { databaseUrl: settings.databaseUrl, dataDir: settings.dataDir, readCache: options.readCache ?? true });
    await app.register(swagger);
    await app.register(objectStorage, { dataDir: settings.dataDir, s3: settings.objectStore });
    await app.register(repositories);
    await app.register(auth, {
      dataDir: settings.dataDir,
      jwtSecret: settings.jwtSecret,
      allowRegistration: settings.allowRegistration,
      loginFailuresPerAccount: settings.loginFailuresPerAccount,
    });

    await app.register(health, { allowRegistration: settings.allowRegistration });
    await app.register(authRoutes, { perIpPerMinute: settings.authRateLimitPerMinute });
    await app.register(adminUsers);
    await app.register(projects);
    await app.register(members);
    await app.register(media, { maxUploadBytes: settings.maxUploadBytes });
    await app.register(labels);
    await app.register(analyze);
    await app.register(training);
    await app.register(models, { maxUploadBytes: settings.maxUploadBytes });
    await app.ready();
  } catch (err) {
    await app.close().catch(() => undefined);
    throw err;
  }
  return app;
}

/** Builds and listens. `port: 0` picks a free port; the answer's `url` says which. */
export async function startServer(options: ServerOptions): Promise<{ url: string; app: FastifyInstance; close(): Promise<void> }> {
  const app = await buildServer(options);
  const host = options.host ?? '127.0.0.1';
  try {
    await app.listen({ host, port: options.port ?? 8787 });
  } catch (err) {
    await app.close();
    throw err;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const shownHost = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '[::1]' : host.includes(':') ? `[${host}]` : host;
  let closing: Promise<void> | undefined;
  return { url: `http://${shownHost}:${port}`, app, close: () => (closing ??= app.close()) };
}
