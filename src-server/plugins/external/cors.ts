import cors from '@fastify/cors';
import type { FastifyInstance } from 'fastify';
import { globalPlugin } from '../global-plugin.js';

/**
 * Cross-origin calls only from the configured origins; none by default, since the studio is a
 * desktop app that needs no CORS at all.
 */
export default globalPlugin('cors', async (app: FastifyInstance, options: { origins: string[] }) => {
  await app.register(cors, {
    origin: options.origins.length > 0 ? options.origins : false,
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowedHeaders: ['authorization', 'content-type'],
    maxAge: 600,
  });
});
