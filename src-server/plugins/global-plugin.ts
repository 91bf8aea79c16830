import type { FastifyInstance, FastifyPluginAsync } from 'fastify';

/**
 * Marks a plugin as not encapsulated, as `fastify-plugin` does: what it decorates or hooks is seen
 * by the whole server, not only by its own child context.
 */
export function globalPlugin<Options extends Record<string, unknown>>(name: string, plugin: (app: FastifyInstance, options: Options) => Promise<void>): FastifyPluginAsync<Options> {
  const wrapped = plugin as FastifyPluginAsync<Options> & Record<symbol, unknown>;
  wrapped[Symbol.for('skip-override')] = true;
  wrapped[Symbol.for('fastify.display-name')] = name;
  return wrapped;
}
