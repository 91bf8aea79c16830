import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ProjectCreateBody, ProjectPublic, ProjectUpdateBody } from '@shared';
import { currentUser, requireProjectRole } from '../../plugins/app/auth.js';
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
      const held = await app.repos.projects.delete(request.params.id);
      // The references are gone; bytes nothing else references follow, each under its lock, so an
      // upload of the same image into another project meanwhile keeps them.
      await app.sharedObjects.release('media', held.media);
      await app.sharedObjects.release('models', held.models);
      return reply.code(204).send(null);
    },
  );
};
export default projects;
