import type { Queryable } from '../db/database.js';

export interface RefreshTokenRow extends Record<string, unknown> {
  token_hash: string;
  family_id: string;
  user_id: string;
  expires_at: Date;
  used_at: Date | null;
  revoked_at: Date | null;
}

/** Refresh tokens by family. Every call takes the transaction it belongs to. */
export class RefreshTokensRepository {
  async insert(q: Queryable, token: { hash: string; familyId: string; userId: string; expiresAt: Date }): Promise<void> {
    await q.query('INSERT INTO refresh_tokens (token_hash, family_id, user_id, expires_at) VALUES ($1, $2, $3, $4)', [
      token.hash,
      token.familyId,
      token.userId,
      token.expiresAt,
    ]);
  }

  /** Locks the token's row: two refreshes with one token take turns, and the second sees it used. */
  async lock(q: Queryable, hash: string): Promise<RefreshTokenRow | null> {
    const [row] = await q.query<RefreshTokenRow>('SELECT * FROM refresh_tokens WHERE token_hash = $1 FOR UPDATE', [hash]);
    return row ?? null;
  }

  async markUsed(q: Queryable, hash: string): Promise<void> {
    await q.query('UPDATE refresh_tokens SET used_at = now() WHERE token_hash = $1', [hash]);
  }

  async revokeFamily(q: Queryable, familyId: string): Promise<void> {
    await q.query('UPDATE refresh_tokens SET revoked_at = now() WHERE family_id = $1 AND revoked_at IS NULL', [familyId]);
  }

  async revokeUser(q: Queryable, userId: string): Promise<void> {
    await q.query('UPDATE refresh_tokens SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL', [userId]);
  }

  /** Drops tokens long expired, so the table does not grow without end. */
  async prune(q: Queryable): Promise<void> {
    await q.query("DELETE FROM refresh_tokens WHERE expires_at < now() - interval '1 day'");
  }
}
