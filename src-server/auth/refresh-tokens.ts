import crypto from 'node:crypto';

/** Refresh tokens live 30 days, each used once. */
export const REFRESH_TOKEN_DAYS = 30;

/** 32 random bytes, base64url: opaque to the client, useless to anyone reading the database. */
export function newRefreshToken(): string {
  return crypto.randomBytes(32).toString('base64url');
}

/** What the database keeps of a refresh token. */
export function hashRefreshToken(token: string): string {
  return crypto.createHash('sha256').update(token).digest('hex');
}
