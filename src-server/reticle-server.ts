/** The bundle entry of `bin/reticle-server.mjs`. */
export { main } from './main.js';
