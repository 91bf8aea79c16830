import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { PullLabelsAnswer, PullLabelsQuery, PushLabelsAnswer, PushLabelsBody } from '@shared';
import { currentUser, requireProjectRole } from '../../plugins/app/auth.js';
import { sendJson } from '../raw-body.js';
import { errorAnswers, ProjectParams } from '../route-schemas.js';

/** Label sync: push from a studio, pull what changed since a cursor. */
const labels: FastifyPluginAsyncZod = async (app) => {
  app.addHook('onRequest', app.authenticate);

  app.post(
    '/api/projects/:id/labels/push',
    {
      preHandler: requireProjectRole('annotator'),
      schema: {
        tags: ['labels'],
        summary: 'Push labels (annotator)',
        description:
          'Each image is applied only when its baseRevision is still the server\'s revision, or when its labels equal the server\'s. ' +
          'Otherwise it comes back in conflicts with the server\'s copy, and nothing is written for it. Images whose media the server lacks come back in missingMedia. ' +
          'Classes merge by name. Pushing the same thing twice changes nothing the second time.',
        params: ProjectParams,
        body: PushLabelsBody,
        response: { 200: PushLabelsAnswer, ...errorAnswers(400, 401, 403, 404, 413) },
      },
    },
    async (request) => app.repos.labels.push(request.params.id, request.body, currentUser(request).email),
  );

  app.get(
    '/api/projects/:id/labels',
    {
      preHandler: requireProjectRole('viewer'),
      schema: {
        tags: ['labels'],
        summary: 'Pull labels changed after a revision',
        description: 'Images come oldest change first. While `more` is true, ask again with `since` set to `cursor`.',
        params: ProjectParams,
        querystring: PullLabelsQuery,
        response: { 200: PullLabelsAnswer, ...errorAnswers(400, 401, 404) },
      },
    },
    async (request, reply) => {
      // Already JSON, assembled from rows checked on their way in: sent as bytes, not re-serialized
      // (parsing and re-checking 1,000 images would cost more than the whole query).
      const json = await app.repos.labels.pullJson(request.params.id, request.query.since, request.query.limit);
      return sendJson(request, reply, json);
    },
  );
};
export default labels;
