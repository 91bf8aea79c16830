import crypto from 'node:crypto';
import type { UserPublic, UserRole } from '@shared';
import type { Database, Queryable } from '../db/database.js';
import { iso } from './rows.js';

interface UserRow extends Record<string, unknown> {
  id: string;
  email: string;
  name: string;
  password_hash: string;
  role: UserRole;
  disabled: boolean;
  token_version: number;
  created_at: Date;
}

export interface UserRecord extends UserPublic {
  passwordHash: string;
  /** Access tokens of another version are refused; disabling the account bumps it. */
  tokenVersion: number;
}

const toRecord = (r: UserRow): UserRecord => ({
  id: r.id,
  email: r.email,
  name: r.name,
  role: r.role,
  disabled: r.disabled,
  createdAt: iso(r.created_at),
  passwordHash: r.password_hash,
  tokenVersion: Number(r.token_version),
});

/** Strips the password hash: what any answer may carry. */
export const publicUser = ({ passwordHash: _hash, tokenVersion: _version, ...user }: UserRecord): UserPublic => user;

/** Unique-violation from either driver. */
export const isUniqueViolation = (err: unknown): boolean => (err as { code?: string } | null)?.code === '23505';

export class UsersRepository {
  constructor(private readonly db: Database) {}

  async byId(id: string, q: Queryable = this.db): Promise<UserRecord | null> {
    const [row] = await q.query<UserRow>('SELECT * FROM users WHERE id = $1', [id]);
    return row ? toRecord(row) : null;
  }

  async byEmail(email: string, q: Queryable = this.db): Promise<UserRecord | null> {
    const [row] = await q.query<UserRow>('SELECT * FROM users WHERE email = $1', [email]);
    return row ? toRecord(row) : null;
  }

  async list(): Promise<UserRecord[]> {
    return (await this.db.query<UserRow>('SELECT * FROM users ORDER BY created_at, email')).map(toRecord);
  }

  async count(q: Queryable = this.db): Promise<number> {
    const [row] = await q.query<{ n: number }>('SELECT count(*)::int AS n FROM users');
    return row.n;
  }

  async insert(user: { email: string; name: string; passwordHash: string; role: UserRole }, q: Queryable = this.db): Promise<UserRecord> {
    const [row] = await q.query<UserRow>(
      'INSERT INTO users (id, email, name, password_hash, role) VALUES ($1, $2, $3, $4, $5) RETURNING *',
      [crypto.randomUUID(), user.email, user.name, user.passwordHash, user.role],
    );
    return toRecord(row);
  }

  async update(id: string, changes: { role?: UserRole; disabled?: boolean; name?: string }, q: Queryable = this.db): Promise<UserRecord | null> {
    const [row] = await q.query<UserRow>(
      // Disabling bumps the token version: the account's access tokens die, and stay dead once it is enabled again.
      `UPDATE users SET role = COALESCE($2, role), disabled = COALESCE($3, disabled), name = COALESCE($4, name),
         token_version = token_version + CASE WHEN $3 IS TRUE THEN 1 ELSE 0 END
       WHERE id = $1 RETURNING *`,
      [id, changes.role ?? null, changes.disabled ?? null, changes.name ?? null],
    );
    return row ? toRecord(row) : null;
  }

  async delete(id: string, q: Queryable = this.db): Promise<void> {
    await q.query('DELETE FROM users WHERE id = $1', [id]);
  }

  /** Active admins, locked so two admins cannot each demote the other at once. */
  async lockActiveAdmins(q: Queryable): Promise<string[]> {
    const rows = await q.query<{ id: string }>("SELECT id FROM users WHERE role = 'admin' AND NOT disabled ORDER BY id FOR UPDATE");
    return rows.map((r) => r.id);
  }
}
