import crypto from 'node:crypto';
import type { TokenPair, UserRole } from '@shared';
import type { Database, Queryable } from '../db/database.js';
import { conflict, forbidden, HttpError, tooManyRequests, unauthorized } from '../http-error.js';
import type { RefreshTokensRepository } from '../repositories/refresh-tokens.js';
import { isUniqueViolation, publicUser, type UserRecord, type UsersRepository } from '../repositories/users.js';
import { signAccessToken, type SigningKey } from './access-tokens.js';
import type { LoginThrottle } from './login-throttle.js';
import { hashPassword, verifyDummy, verifyPassword } from './passwords.js';
import { hashRefreshToken, newRefreshToken, REFRESH_TOKEN_DAYS } from './refresh-tokens.js';

const BAD_LOGIN = 'The email or password is wrong.';
const BAD_REFRESH = 'The session has ended: sign in again.';

export interface AccountServiceOptions {
  db: Database;
  users: UsersRepository;
  refreshTokens: RefreshTokensRepository;
  secret: SigningKey;
  throttle: LoginThrottle;
  allowRegistration: boolean;
}

/** Registration, login, token rotation and logout. */
export class AccountService {
  constructor(private readonly o: AccountServiceOptions) {}

  /**
   * Creates an account. On an empty server the first account becomes admin, whatever is asked;
   * after that self-registration is open only when the server allows it. `byAdmin` is an admin
   * creating a user, which is always allowed and may choose the role.
   */
  async createUser(input: { email: string; password: string; name?: string; role?: UserRole }, byAdmin = false): Promise<UserRecord> {
    const passwordHash = await hashPassword(input.password);
    try {
      return await this.o.db.transaction(async (tx) => {
        // Two first registrations racing must not both become admin.
        await tx.query('LOCK TABLE users IN SHARE ROW EXCLUSIVE MODE');
        const first = (await this.o.users.count(tx)) === 0;
        if (!first && !byAdmin && !this.o.allowRegistration) {
          throw forbidden('This server does not take new accounts: ask an admin to create yours.');
        }
        const role: UserRole = first ? 'admin' : byAdmin ? (input.role ?? 'member') : 'member';
        return this.o.users.insert({ email: input.email, name: input.name ?? input.email.split('@')[0], passwordHash, role }, tx);
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw conflict(`An account for ${input.email} exists already: sign in instead.`, 'already_exists');
      throw err;
    }
  }

  /** Self-registration: creates the account and signs it in. */
  async register(input: { email: string; password: string; name?: string }): Promise<TokenPair> {
    const user = await this.createUser(input);
    return this.issue(this.o.db, user, crypto.randomUUID());
  }

  /** Checks a password and starts a new token family. Unknown emails take as long as known ones. */
  async login(email: string, password: string): Promise<TokenPair> {
    const wait = this.o.throttle.retryAfter(email);
    if (wait > 0) throw tooManyRequests(wait, `Too many failed sign-ins for this account: try again in ${Math.ceil(wait / 60)} min.`);
    const user = await this.o.users.byEmail(email);
    const ok = user ? await verifyPassword(user.passwordHash, password) : await verifyDummy(password);
    if (!user || !ok) {
      this.o.throttle.fail(email);
      throw unauthorized(BAD_LOGIN);
    }
    if (user.disabled) throw new HttpError(401, 'account_disabled', 'This account is disabled: ask an admin of this server.');
    this.o.throttle.succeed(email);
    return this.issue(this.o.db, user, crypto.randomUUID());
  }

  /**
   * Trades a refresh token for a new pair. A token already used or revoked means it was copied:
   * the whole family is revoked, so the thief's and the owner's sessions both end.
   */
  async refresh(token: string): Promise<TokenPair> {
    const outcome = await this.o.db.transaction(async (tx) => {
      const row = await this.o.refreshTokens.lock(tx, hashRefreshToken(token));
      if (!row) return null;
      if (row.used_at || row.revoked_at) {
        await this.o.refreshTokens.revokeFamily(tx, row.family_id);
        return null;
      }
      if (row.expires_at.getTime() <= Date.now()) return null;
      const user = await this.o.users.byId(row.user_id, tx);
      if (!user || user.disabled) {
        await this.o.refreshTokens.revokeFamily(tx, row.family_id);
        return null;
      }
      await this.o.refreshTokens.markUsed(tx, row.token_hash);
      return this.issue(tx, user, row.family_id);
    });
    if (!outcome) throw unauthorized(BAD_REFRESH);
    return outcome;
  }

  /** Ends the session the refresh token belongs to. Unknown tokens are no error. */
  async logout(token: string): Promise<void> {
    await this.o.db.transaction(async (tx) => {
      const row = await this.o.refreshTokens.lock(tx, hashRefreshToken(token));
      if (row) await this.o.refreshTokens.revokeFamily(tx, row.family_id);
    });
  }

  private async issue(q: Queryable, user: UserRecord, familyId: string): Promise<TokenPair> {
    const access = await signAccessToken(this.o.secret, user.id, user.tokenVersion);
    const refreshToken = newRefreshToken();
    const refreshExpiresAt = new Date(Date.now() + REFRESH_TOKEN_DAYS * 86_400_000);
    await this.o.refreshTokens.insert(q, { hash: hashRefreshToken(refreshToken), familyId, userId: user.id, expiresAt: refreshExpiresAt });
    return {
      accessToken: access.token,
      accessExpiresAt: access.expiresAt.toISOString(),
      refreshToken,
      refreshExpiresAt: refreshExpiresAt.toISOString(),
      user: publicUser(user),
    };
  }
}
