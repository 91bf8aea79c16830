import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ProjectMember, ShareBody } from '@shared';
import { requireProjectRole } from '../../plugins/app/auth.js';
import { conflict, notFound } from '../../http-error.js';
import { NoContent, errorAnswers, ProjectParams } from '../route-schemas.js';

const MemberParams = z.object({ id: z.string().uuid(), userId: z.string().uuid() });
const LAST_OWNER = 'A project keeps at least one owner: make someone else owner first.';

/** Who is in a project, with which role. Owners only. */
const members: FastifyPluginAsyncZod = async (app) => {
  app.addHook('onRequest', app.authenticate);

  app.get(
    '/api/projects/:id/members',
    {
      preHandler: requireProjectRole('owner'),
      schema: { tags: ['members'], summary: "A project's members (owner)", params: ProjectParams, response: { 200: z.array(ProjectMember), ...errorAnswers(400, 401, 403, 404) } },
    },
    async (request) => app.repos.projects.members(request.params.id),
  );

  app.put(
    '/api/projects/:id/members',
    {
      preHandler: requireProjectRole('owner'),
      schema: {
        tags: ['members'],
        summary: 'Share a project with an account by email, or change its role (owner)',
        params: ProjectParams,
        body: ShareBody,
        response: { 200: z.array(ProjectMember), ...errorAnswers(400, 401, 403, 404, 409) },
      },
    },
    async (request) => {
      const projectId = request.params.id;
      return app.db.transaction(async (tx) => {
        const user = await app.repos.users.byEmail(request.body.email, tx);
        if (!user) throw notFound(`No account on this server has the email ${request.body.email}: ask an admin to create it.`);
        const owners = await app.repos.projects.lockOwners(tx, projectId);
        if (owners.length === 1 && owners[0] === user.id && request.body.role !== 'owner') throw conflict(LAST_OWNER);
        await app.repos.projects.setMember(tx, projectId, user.id, request.body.role);
        return app.repos.projects.members(projectId, tx);
      });
    },
  );

  app.delete(
    '/api/projects/:id/members/:userId',
    {
      preHandler: requireProjectRole('owner'),
      schema: { tags: ['members'], summary: 'Remove a member (owner)', params: MemberParams, response: { 204: NoContent, ...errorAnswers(400, 401, 403, 404, 409) } },
    },
    async (request, reply) => {
      const { id: projectId, userId } = request.params;
      await app.db.transaction(async (tx) => {
        const owners = await app.repos.projects.lockOwners(tx, projectId);
        if (owners.length === 1 && owners[0] === userId) throw conflict(LAST_OWNER);
        if (!(await app.repos.projects.removeMember(tx, projectId, userId))) throw notFound('That account is not a member of this project.');
      });
      return reply.code(204).send(null);
    },
  );
};
export default members;
