import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { DataAnalysis } from '@shared';
import { requireProjectRole } from '../../plugins/app/auth.js';
import { errorAnswers, ProjectParams } from '../route-schemas.js';

/** Dataset statistics of a shared project. */
const analyze: FastifyPluginAsyncZod = async (app) => {
  app.addHook('onRequest', app.authenticate);
  app.get(
    '/api/projects/:id/data/analyze',
    {
      preHandler: requireProjectRole('viewer'),
      schema: {
        tags: ['analysis'],
        summary: 'Image and labeled counts, per-class box and tag counts, statuses, box sizes',
        params: ProjectParams,
        response: { 200: DataAnalysis, ...errorAnswers(400, 401, 404) },
      },
    },
    async (request) => app.repos.analysis.analyze(request.params.id),
  );
};
export default analyze;
