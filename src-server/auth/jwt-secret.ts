import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

const MIN_BYTES = 32;

/**
 * The key that signs access tokens: `JWT_SECRET` when given, else one generated on first start
 * into `<dataDir>/jwt-secret` (mode 0600) and read back on later starts, so tokens survive a
 * restart. Answers the key's bytes.
 */
export function loadJwtSecret(dataDir: string, fromEnv?: string): Uint8Array<ArrayBuffer> {
  if (fromEnv !== undefined && fromEnv !== '') {
    const bytes = new TextEncoder().encode(fromEnv);
    if (bytes.length < MIN_BYTES) throw new Error(`JWT_SECRET is too short: use at least ${MIN_BYTES} characters (for example \`openssl rand -base64 48\`).`);
    return bytes;
  }
  const file = path.join(dataDir, 'jwt-secret');
  fs.mkdirSync(dataDir, { recursive: true });
  try {
    // 'wx' fails when another start wrote it first; then that one is read below.
    fs.writeFileSync(file, crypto.randomBytes(48).toString('base64url'), { flag: 'wx', mode: 0o600 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const secret = fs.readFileSync(file, 'utf8').trim();
  if (secret.length < MIN_BYTES) throw new Error(`${file} holds a key that is too short: delete it and start again (everyone signs in again).`);
  return new TextEncoder().encode(secret);
}
