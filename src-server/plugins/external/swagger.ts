import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { jsonSchemaTransform } from 'fastify-type-provider-zod';
import { SERVER_API_VERSION } from '@shared';
import { globalPlugin } from '../global-plugin.js';

/** The OpenAPI document at /docs/json, made from the same zod schemas that validate; a browser UI at /docs. */
export default globalPlugin('swagger', async (app: FastifyInstance) => {
  await app.register(swagger, {
    openapi: {
      info: {
        title: 'Reticle Studio team server',
        description:
          'Shared projects, label sync, media by content hash, training sessions reported by studios, and a model registry. ' +
          'Sign in with POST /api/auth/login and send the access token as `Authorization: Bearer …`.',
        version: String(SERVER_API_VERSION),
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true });
});
