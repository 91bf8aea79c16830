#!/usr/bin/env node
// The `reticle-server` command: the team server. Bundled to dist/ by `npm run build` (run by `npm install`).
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const server = path.join(root, 'dist/server/reticle-server.mjs');
if (!existsSync(server)) {
  process.stderr.write('reticle-server: the server is not built yet. Run `npm run build` in ' + root + '\n');
  process.exit(1);
}
const { main } = await import(pathToFileURL(server).href);
process.exit(await main(process.argv.slice(2)));
