import argon2 from 'argon2';

/** OWASP's argon2id minimum: 19 MiB, two passes, one lane. */
export const ARGON2_OPTIONS = { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export function hashPassword(password: string): Promise<string> {
  return argon2.hash(password, ARGON2_OPTIONS);
}

/** Verifies without throwing: a malformed stored hash is a failed login, not a 500. */
export async function verifyPassword(hash: string, password: string): Promise<boolean> {
  try {
    return await argon2.verify(hash, password);
  } catch {
    return false;
  }
}

let dummy: Promise<string> | undefined;

/**
 * Spends the same time as a real verification, for a login by an unknown email: the answer's
 * timing then says nothing about which emails have accounts.
 */
export async function verifyDummy(password: string): Promise<false> {
  dummy ??= hashPassword('reticle-dummy-password-for-equal-timing');
  await verifyPassword(await dummy, password);
  return false;
}
