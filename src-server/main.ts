/**
 * `reticle-server`: parses flags and environment, starts the team server, says where it listens,
 * and closes cleanly on SIGINT/SIGTERM (in-flight requests finish, the database closes).
 */
import { startServer } from './app.js';
import { optionsFromCli, USAGE, UsageError } from './config.js';
import { defaultDataDir } from './settings.js';

/** Runs the server until a signal; answers the process exit code. */
export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let options;
  try {
    options = optionsFromCli(argv, env);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`reticle-server: ${err.message}\n\n${USAGE}\n`);
    return 2;
  }
  if (options.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const dataDir = options.dataDir ?? defaultDataDir();
  let server;
  try {
    server = await startServer({ ...options, dataDir });
  } catch (err) {
    process.stderr.write(`reticle-server: could not start: ${(err as Error).message}\n`);
    return 1;
  }
  const storage = options.objectStore ? `s3://${options.objectStore.bucket}/${options.objectStore.prefix ?? ''}` : `${dataDir}/objects`;
  const db = options.databaseUrl ? 'PostgreSQL (DATABASE_URL)' : `PGlite in ${dataDir}/pglite`;
  process.stdout.write(`reticle-server listening on ${server.url}\n  API docs: ${server.url}/docs\n  database: ${db}\n  files:    ${storage}\n`);

  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) {
        process.stderr.write(`reticle-server: ${signal} again, exiting now\n`);
        resolve(130);
        return;
      }
      stopping = true;
      process.stdout.write(`reticle-server: ${signal}, closing…\n`);
      server.close().then(
        () => resolve(0),
        (err: Error) => {
          process.stderr.write(`reticle-server: closing failed: ${err.message}\n`);
          resolve(1);
        },
      );
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
