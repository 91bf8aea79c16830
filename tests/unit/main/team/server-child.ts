/**
 * A team server in a process of its own, for the fault test to SIGKILL: `node server-child.mjs
 * DATA_DIR PORT` prints `ready URL` once it listens.
 */
import { startServer } from '../../../../src-server/app.js';

const [dataDir, port] = process.argv.slice(2);
const server = await startServer({ port: Number(port), host: '127.0.0.1', dataDir, rateLimitPerMinute: 0, authRateLimitPerMinute: 0 });
process.stdout.write(`ready ${server.url}\n`);
