import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance } from 'fastify';
import { tooManyRequests } from '../../http-error.js';
import { globalPlugin } from '../global-plugin.js';

/**
 * A per-IP limit on every route (off when `perMinute` is 0). Routes may ask for a tighter one
 * with `config.rateLimit` (the auth routes do).
 */
export default globalPlugin('rate-limit', async (app: FastifyInstance, options: { perMinute: number }) => {
  await app.register(rateLimit, {
    global: options.perMinute > 0,
    max: options.perMinute || 1,
    timeWindow: 60_000,
    errorResponseBuilder: (_request, context) =>
      tooManyRequests(context.ttl / 1000, `Too many requests from this address: try again in ${context.after}.`),
  });
});
