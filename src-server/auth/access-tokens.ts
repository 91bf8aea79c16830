import { SignJWT, jwtVerify, errors } from 'jose';

/** Access tokens live 15 minutes; the refresh token renews them. */
export const ACCESS_TOKEN_SECONDS = 15 * 60;
const ISSUER = 'reticle-server';
const AUDIENCE = 'reticle-studio';

/** The signing key, imported once: jose would import raw bytes again on every call. */
export type SigningKey = CryptoKey | Uint8Array;

export function importSigningKey(secret: Uint8Array<ArrayBuffer>): Promise<CryptoKey> {
  return crypto.subtle.importKey('raw', secret, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
}

export interface AccessToken {
  token: string;
  expiresAt: Date;
}

/**
 * Signs an HS256 access token for one user, at the account's token version (`ver`): a token of an
 * older version is refused, so disabling an account (which bumps it) ends its tokens for good.
 */
export async function signAccessToken(secret: SigningKey, userId: string, version: number, now = new Date()): Promise<AccessToken> {
  const iat = Math.floor(now.getTime() / 1000);
  const exp = iat + ACCESS_TOKEN_SECONDS;
  const token = await new SignJWT({ ver: version })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(userId)
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt(iat)
    .setExpirationTime(exp)
    .sign(secret);
  return { token, expiresAt: new Date(exp * 1000) };
}

/** Who a valid access token is for, and at which token version of their account. */
export interface VerifiedToken {
  userId: string;
  /** 0 for tokens signed before versions existed. */
  version: number;
}

/**
 * Answers the user and version of a valid token, or null. The algorithm is pinned to HS256, so a
 * token with `alg: none` or any other algorithm is refused whatever it claims.
 */
export async function verifyAccessToken(secret: SigningKey, token: string): Promise<VerifiedToken | null> {
  try {
    const { payload } = await jwtVerify(token, secret, { algorithms: ['HS256'], issuer: ISSUER, audience: AUDIENCE, requiredClaims: ['exp', 'sub'] });
    const version = payload.ver ?? 0;
    if (typeof payload.sub !== 'string' || !Number.isSafeInteger(version)) return null;
    return { userId: payload.sub, version: version as number };
  } catch (err) {
    if (err instanceof errors.JOSEError || err instanceof TypeError) return null;
    throw err;
  }
}
