import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { SERVER_API_VERSION } from '@shared';
import { PUBLIC } from '../route-schemas.js';

const Health = z.object({ ok: z.literal(true), apiVersion: z.number().int(), registration: z.boolean() });

/** Liveness, touching no database: load balancers and the benchmark's baseline call it. */
const health: FastifyPluginAsyncZod<{ allowRegistration: boolean }> = async (app, options) => {
  app.get('/api/health', { schema: { ...PUBLIC, tags: ['server'], summary: 'Whether the server is up', response: { 200: Health } } }, async () => ({
    ok: true as const,
    apiVersion: SERVER_API_VERSION,
    registration: options.allowRegistration,
  }));
};
export default health;
