import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { LoginBody, RefreshBody, RegisterBody, TokenPair, UserPublic } from '@shared';
import { currentUser } from '../../plugins/app/auth.js';
import { publicUser } from '../../repositories/users.js';
import { NoContent, errorAnswers, PUBLIC } from '../route-schemas.js';

/** Accounts: register, sign in, rotate the refresh token, sign out, who am I. */
const auth: FastifyPluginAsyncZod<{ perIpPerMinute: number }> = async (app, options) => {
  // A tighter per-IP limit on the routes that hash passwords or mint tokens.
  // 0 leaves these routes to the global limit.
  const config = { rateLimit: options.perIpPerMinute > 0 ? { max: options.perIpPerMinute, timeWindow: 60_000 } : undefined };

  app.post(
    '/api/auth/register',
    {
      config,
      schema: {
        ...PUBLIC,
        tags: ['auth'],
        summary: 'Create an account and sign in',
        description: 'The first account on an empty server becomes its admin. Servers started with --no-registration refuse this after that (403).',
        body: RegisterBody,
        response: { 201: TokenPair, ...errorAnswers(400, 403, 409, 429) },
      },
    },
    async (request, reply) => {
      return reply.code(201).send(await app.accounts.register(request.body));
    },
  );

  app.post(
    '/api/auth/login',
    {
      config,
      schema: {
        ...PUBLIC,
        tags: ['auth'],
        summary: 'Sign in',
        description: 'Answers a 15-minute access token and a single-use refresh token. Ten failures in 15 minutes lock the account for the rest of that window (429).',
        body: LoginBody,
        response: { 200: TokenPair, ...errorAnswers(400, 401, 429) },
      },
    },
    async (request) => app.accounts.login(request.body.email, request.body.password),
  );

  app.post(
    '/api/auth/refresh',
    {
      config,
      schema: {
        ...PUBLIC,
        tags: ['auth'],
        summary: 'Trade a refresh token for a new pair',
        description: 'Each refresh token works once. Presenting one already used revokes its whole family: every session from that sign-in ends.',
        body: RefreshBody,
        response: { 200: TokenPair, ...errorAnswers(400, 401, 429) },
      },
    },
    async (request) => app.accounts.refresh(request.body.refreshToken),
  );

  app.post(
    '/api/auth/logout',
    {
      config,
      schema: { ...PUBLIC, tags: ['auth'], summary: 'Sign out: revoke the refresh token and its family', body: RefreshBody, response: { 204: NoContent, ...errorAnswers(400, 429) } },
    },
    async (request, reply) => {
      await app.accounts.logout(request.body.refreshToken);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/api/auth/me',
    { onRequest: app.authenticate, schema: { tags: ['auth'], summary: 'The signed-in account', response: { 200: UserPublic, ...errorAnswers(401) } } },
    async (request) => publicUser(currentUser(request)),
  );
};
export default auth;
