import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ProjectRole } from '@shared';
import { importSigningKey, verifyAccessToken } from '../../auth/access-tokens.js';
import { AccountService } from '../../auth/accounts.js';
import { loadJwtSecret } from '../../auth/jwt-secret.js';
import { LoginThrottle } from '../../auth/login-throttle.js';
import { UserCache } from '../../auth/user-cache.js';
import { forbidden, HttpError, notFound, unauthorized } from '../../http-error.js';
import type { UserRecord } from '../../repositories/users.js';
import { globalPlugin } from '../global-plugin.js';

declare module 'fastify' {
  interface FastifyInstance {
    accounts: AccountService;
    /** Accounts the token checks looked up; routes that change an account forget it here. */
    userCache: UserCache;
    /** onRequest hook: a valid access token of an enabled account, or 401. */
    authenticate(request: FastifyRequest, reply: FastifyReply): Promise<void>;
    /** onRequest hook: as `authenticate`, and the account is an admin, or 403. */
    authenticateAdmin(request: FastifyRequest, reply: FastifyReply): Promise<void>;
  }
  interface FastifyRequest {
    /** The signed-in user, set by `authenticate`. */
    user: UserRecord | null;
    /** The caller's project and role in it, set by `requireProjectRole`. */
    project: { id: string; role: ProjectRole } | null;
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const RANK: Record<ProjectRole, number> = { viewer: 0, annotator: 1, owner: 2 };
const NO_PROJECT = 'No such project, or you are not a member of it.';

/** Whether `role` may do what needs `needed`. */
export const roleAtLeast = (role: ProjectRole, needed: ProjectRole): boolean => RANK[role] >= RANK[needed];

/** The signed-in user of a request past `authenticate`. */
export function currentUser(request: FastifyRequest): UserRecord {
  if (!request.user) throw unauthorized();
  return request.user;
}

/**
 * Checks the caller's role in a project. A non-member gets 404, exactly as for a project that does
 * not exist, so nobody learns which projects exist; a member with too small a role gets 403.
 */
export async function checkProjectRole(app: FastifyInstance, request: FastifyRequest, projectId: string, needed: ProjectRole): Promise<ProjectRole> {
  const role = await app.repos.projects.roleOf(currentUser(request).id, projectId);
  if (!role) throw notFound(NO_PROJECT);
  if (!roleAtLeast(role, needed)) throw forbidden(`This needs the ${needed} role in the project; yours is ${role}. Ask an owner.`);
  request.project = { id: projectId, role };
  return role;
}

/** preHandler for routes under `/api/projects/:id`: the caller needs at least `needed`. */
export function requireProjectRole(needed: ProjectRole) {
  return async function projectRole(this: FastifyInstance, request: FastifyRequest): Promise<void> {
    const { id } = request.params as { id: string };
    await checkProjectRole(this, request, id, needed);
  };
}

/** Access tokens, accounts and the login throttle. */
export default globalPlugin(
  'auth',
  async (app: FastifyInstance, options: { dataDir: string; jwtSecret?: string; allowRegistration: boolean; loginFailuresPerAccount: number }) => {
    const secret = await importSigningKey(loadJwtSecret(options.dataDir, options.jwtSecret));
    const users = new UserCache();
    app.decorate('userCache', users);
    app.decorate(
      'accounts',
      new AccountService({
        db: app.db,
        users: app.repos.users,
        refreshTokens: app.repos.refreshTokens,
        secret,
        throttle: new LoginThrottle(options.loginFailuresPerAccount),
        allowRegistration: options.allowRegistration,
      }),
    );
    app.decorateRequest('user', null);
    app.decorateRequest('project', null);

    app.decorate('authenticate', async (request: FastifyRequest) => {
      const header = request.headers.authorization;
      const match = header ? /^Bearer ([A-Za-z0-9._~+/=-]{1,4096})$/.exec(header) : null;
      if (!match) throw unauthorized();
      const verified = await verifyAccessToken(secret, match[1]);
      if (!verified || !UUID.test(verified.userId)) throw unauthorized();
      let user = users.get(verified.userId);
      if (!user) {
        user = await app.repos.users.byId(verified.userId);
        if (!user) throw unauthorized();
        users.set(user);
      }
      if (user.disabled) throw new HttpError(401, 'account_disabled', 'This account is disabled: ask an admin of this server.');
      // Signed before the account was last disabled: dead, even now it is enabled again.
      if (verified.version !== user.tokenVersion) throw unauthorized('This sign-in ended when an admin disabled the account: sign in again.');
      request.user = user;
    });

    app.decorate('authenticateAdmin', async (request: FastifyRequest, reply: FastifyReply) => {
      await app.authenticate(request, reply);
      if (currentUser(request).role !== 'admin') throw forbidden('Only an admin of this server may do this.');
    });

    // Expired refresh tokens are pruned now and then, not on every request.
    const prune = setInterval(() => void app.db.transaction((tx) => app.repos.refreshTokens.prune(tx)).catch(() => undefined), 6 * 3_600_000);
    prune.unref();
    app.addHook('onClose', async () => clearInterval(prune));
  },
);
