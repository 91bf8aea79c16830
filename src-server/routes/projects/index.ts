import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ProjectCreateBody, ProjectPublic, ProjectUpdateBody } from '@shared';
import { currentUser, requireProjectRole } from '../../plugins/app/auth.js';
import { objectKey } from '../../storage/object-store.js';
import { sendJson } from '../raw-body.js';
import { NoContent, errorAnswers, ProjectParams } from '../route-schemas.js';

/** Shared projects: the caller's list, create, read, rename, delete. */
const projects: FastifyPluginAsyncZod = async (app) => {
  app.addHook('onRequest', app.authenticate);

  app.get(
    '/api/projects',
    { schema: { tags: ['projects'], summary: 'The projects you are a member of', response: { 200: z.array(ProjectPublic), ...errorAnswers(401) } } },
    // JSON text made by the database (and kept in the read cache), sent as it is.
    async (request, reply) => sendJson(request, reply, await app.repos.projects.listJsonFor(currentUser(request).id)),
  );

  app.post(
    '/api/projects',
    { schema: { tags: ['projects'], summary: 'Create a project; you become its owner', body: ProjectCreateBody, response: { 201: ProjectPublic, ...errorAnswers(400, 401) } } },
    async (request, reply) => reply.code(201).send(await app.repos.projects.create(currentUser(request).id, request.body)),
  );

  app.get(
    '/api/projects/:id',
    {
      preHandler: requireProjectRole('viewer'),
      schema: { tags: ['projects'], summary: 'One project', params: ProjectParams, response: { 200: ProjectPublic, ...errorAnswers(400, 401, 404) } },
    },
    async (request) => (await app.repos.projects.getFor(currentUser(request).id, request.params.id))!,
  );

  app.patch(
    '/api/projects/:id',
    {
      preHandler: requireProjectRole('owner'),
      schema: { tags: ['projects'], summary: 'Rename a project (owner)', params: ProjectParams, body: ProjectUpdateBody, response: { 200: ProjectPublic, ...errorAnswers(400, 401, 403, 404) } },
    },
    async (request) => {
      await app.repos.projects.rename(request.params.id, request.body.name);
      return (await app.repos.projects.getFor(currentUser(request).id, request.params.id))!;
    },
  );

  app.delete(
    '/api/projects/:id',
    {
      preHandler: requireProjectRole('owner'),
      schema: { tags: ['projects'], summary: 'Delete a project with its labels, media and models (owner)', params: ProjectParams, response: { 204: NoContent, ...errorAnswers(400, 401, 403, 404) } },
    },
    async (request, reply) => {
      const { orphanMedia, orphanModels } = await app.repos.projects.delete(request.params.id);
      // The rows are gone; bytes no other project uses follow. A failure here only leaves garbage.
      for (const hash of orphanMedia) await app.objects.delete(objectKey('media', hash)).catch((err) => request.log.warn({ err, hash }, 'could not delete media'));
      for (const hash of orphanModels) await app.objects.delete(objectKey('models', hash)).catch((err) => request.log.warn({ err, hash }, 'could not delete a model file'));
      return reply.code(204).send(null);
    },
  );
};
export default projects;
