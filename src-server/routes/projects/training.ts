import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { TrainingConfigBody, TrainingConfigPublic, TrainingSessionCreateBody, TrainingSessionPublic, TrainingSessionUpdateBody } from '@shared';
import { currentUser, requireProjectRole } from '../../plugins/app/auth.js';
import { errorAnswers, ProjectParams } from '../route-schemas.js';

const SessionParams = z.object({ id: z.string().uuid(), sid: z.string().uuid() });
const NOTE = 'The server does not train: a studio that trains opens a session and reports into it.';

/** Training configurations and sessions of a project. */
const training: FastifyPluginAsyncZod = async (app) => {
  app.addHook('onRequest', app.authenticate);

  app.post(
    '/api/projects/:id/training/configure',
    {
      preHandler: requireProjectRole('annotator'),
      schema: {
        tags: ['training'],
        summary: 'Save a named training configuration (annotator)',
        description: `A configuration with the same name is replaced. ${NOTE}`,
        params: ProjectParams,
        body: TrainingConfigBody,
        response: { 200: TrainingConfigPublic, 201: TrainingConfigPublic, ...errorAnswers(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const { config, created } = await app.repos.training.configure(request.params.id, request.body, currentUser(request).email);
      return reply.code(created ? 201 : 200).send(config);
    },
  );

  app.get(
    '/api/projects/:id/training/configs',
    {
      preHandler: requireProjectRole('viewer'),
      schema: { tags: ['training'], summary: "The project's training configurations", params: ProjectParams, response: { 200: z.array(TrainingConfigPublic), ...errorAnswers(400, 401, 404) } },
    },
    async (request) => app.repos.training.configs(request.params.id),
  );

  app.post(
    '/api/projects/:id/training/sessions',
    {
      preHandler: requireProjectRole('annotator'),
      schema: {
        tags: ['training'],
        summary: 'Open a training session from a configuration (annotator)',
        description: NOTE,
        params: ProjectParams,
        body: TrainingSessionCreateBody,
        response: { 201: TrainingSessionPublic, ...errorAnswers(400, 401, 403, 404) },
      },
    },
    async (request, reply) => reply.code(201).send(await app.repos.training.createSession(request.params.id, request.body.configId, currentUser(request).email)),
  );

  app.get(
    '/api/projects/:id/training/sessions',
    {
      preHandler: requireProjectRole('viewer'),
      schema: { tags: ['training'], summary: "The project's training sessions, newest first", params: ProjectParams, response: { 200: z.array(TrainingSessionPublic), ...errorAnswers(400, 401, 404) } },
    },
    async (request) => app.repos.training.sessions(request.params.id),
  );

  app.get(
    '/api/projects/:id/training/sessions/:sid',
    {
      preHandler: requireProjectRole('viewer'),
      schema: { tags: ['training'], summary: 'One training session', params: SessionParams, response: { 200: TrainingSessionPublic, ...errorAnswers(400, 401, 404) } },
    },
    async (request) => app.repos.training.session(request.params.id, request.params.sid),
  );

  app.patch(
    '/api/projects/:id/training/sessions/:sid',
    {
      preHandler: requireProjectRole('annotator'),
      schema: {
        tags: ['training'],
        summary: "Report a session's status, progress or results (annotator)",
        description: 'Status: queued, running, completed, failed, stopped. A finished session answers 409 to further reports.',
        params: SessionParams,
        body: TrainingSessionUpdateBody,
        response: { 200: TrainingSessionPublic, ...errorAnswers(400, 401, 403, 404, 409) },
      },
    },
    async (request) => app.repos.training.report(request.params.id, request.params.sid, request.body),
  );
};
export default training;
