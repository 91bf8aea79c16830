import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AdminCreateUserBody, AdminUpdateUserBody, UserPublic } from '@shared';
import { conflict, notFound } from '../../http-error.js';
import { publicUser } from '../../repositories/users.js';
import { NoContent, errorAnswers } from '../route-schemas.js';

const UserParams = z.object({ id: z.string().uuid() });
const LAST_ADMIN = 'The server keeps at least one active admin: make another account admin first.';

/** Accounts, for admins: list, create, change role/disabled/name, delete. */
const adminUsers: FastifyPluginAsyncZod = async (app) => {
  app.addHook('onRequest', app.authenticateAdmin);

  app.get(
    '/api/admin/users',
    { schema: { tags: ['admin'], summary: 'Every account (admin)', response: { 200: z.array(UserPublic), ...errorAnswers(401, 403) } } },
    async () => (await app.repos.users.list()).map(publicUser),
  );

  app.post(
    '/api/admin/users',
    {
      schema: {
        tags: ['admin'],
        summary: 'Create an account (admin); works when self-registration is closed',
        body: AdminCreateUserBody,
        response: { 201: UserPublic, ...errorAnswers(400, 401, 403, 409) },
      },
    },
    async (request, reply) => reply.code(201).send(publicUser(await app.accounts.createUser(request.body, true))),
  );

  app.patch(
    '/api/admin/users/:id',
    {
      schema: {
        tags: ['admin'],
        summary: "Change an account's role, name, or disable it (admin)",
        description: 'Disabling an account ends its sessions at once: its access tokens stop working and its refresh tokens are revoked.',
        params: UserParams,
        body: AdminUpdateUserBody,
        response: { 200: UserPublic, ...errorAnswers(400, 401, 403, 404, 409) },
      },
    },
    async (request) => {
      const { id } = request.params;
      const changes = request.body;
      const updated = await app.db.transaction(async (tx) => {
        const admins = await app.repos.users.lockActiveAdmins(tx);
        const losesAdmin = changes.role === 'member' || changes.disabled === true;
        if (losesAdmin && admins.length === 1 && admins[0] === id) throw conflict(LAST_ADMIN);
        const user = await app.repos.users.update(id, changes, tx);
        if (!user) throw notFound('No account has that id.');
        if (user.disabled) await app.repos.refreshTokens.revokeUser(tx, id);
        return user;
      });
      // A disabled account's access tokens stop working on the next request.
      app.userCache.forget(id);
      return publicUser(updated);
    },
  );

  app.delete(
    '/api/admin/users/:id',
    {
      schema: {
        tags: ['admin'],
        summary: 'Delete an account (admin)',
        description: 'Refused (409) for the last active admin, and for the only owner of a project: share those projects with another owner first.',
        params: UserParams,
        response: { 204: NoContent, ...errorAnswers(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      await app.db.transaction(async (tx) => {
        const admins = await app.repos.users.lockActiveAdmins(tx);
        if (admins.length === 1 && admins[0] === id) throw conflict(LAST_ADMIN);
        if (!(await app.repos.users.byId(id, tx))) throw notFound('No account has that id.');
        const sole = await app.repos.projects.soleOwnerOf(tx, id);
        if (sole.length) throw conflict(`This account is the only owner of ${sole.length} project(s) (${sole.slice(0, 3).join(', ')}): make another member owner first.`);
        await app.repos.projects.handOver(tx, id);
        await app.repos.users.delete(id, tx);
      });
      app.userCache.forget(id);
      return reply.code(204).send(null);
    },
  );
};
export default adminUsers;
