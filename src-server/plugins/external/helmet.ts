import helmet from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';
import { globalPlugin } from '../global-plugin.js';

/** Security headers on every answer (nosniff, frame denial, a strict CSP for /docs). */
export default globalPlugin('helmet', async (app: FastifyInstance) => {
  await app.register(helmet, { global: true, crossOriginResourcePolicy: { policy: 'same-site' } });
});
