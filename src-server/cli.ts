/** Runs `reticle-server` from source (`node scripts/run-ts.mjs src-server/cli.ts …`), as the bin does from the bundle. */
import { main } from './main.js';

process.exit(await main(process.argv.slice(2)));
