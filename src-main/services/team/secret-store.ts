/**
 * Where the team server's tokens are kept: never in the plain settings file. The desktop app
 * hands in a store sealed by Electron's safeStorage (the OS keychain, src-main/electron);
 * `reticle serve` and the CLI use `FileSecretStore`, a file in the studio's data folder encrypted
 * with AES-256-GCM under a random key kept in a file only its owner can read (mode 0600).
 */
import fs from 'node:fs';
import path from 'node:path';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { writeFileAtomicSync } from '../settings/settings-store.js';

/** A small map of secrets by name. Implementations encrypt what they write. */
export interface SecretStore {
  get(key: string): string | undefined;
  set(key: string, value: string): void;
  delete(key: string): void;
}

export const SECRETS_FILE = 'team-secrets.enc';
export const SECRETS_KEY_FILE = 'team-secrets.key';

/**
 * The map of secrets sealed whole into one file (mode 0600); subclasses say how it is sealed.
 * The file is read afresh for every secret: another studio process (the CLI beside the app) may
 * have rotated a token meanwhile. Nothing is written until the first secret is set.
 */
export abstract class SealedFileSecretStore implements SecretStore {
  constructor(protected readonly file: string) {}

  /** The file's contents for these bytes. */
  protected abstract seal(plain: Buffer): string;
  /** The bytes back; null when they cannot be opened (another key, damaged). */
  protected abstract unseal(contents: string): Buffer | null;

  get(key: string): string | undefined {
    return this.read()[key];
  }

  set(key: string, value: string): void {
    this.write({ ...this.read(), [key]: value });
  }

  delete(key: string): void {
    const data = this.read();
    if (!(key in data)) return;
    delete data[key];
    this.write(data);
  }

  private read(): Record<string, string> {
    let contents: string;
    try {
      contents = fs.readFileSync(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw err;
    }
    try {
      const parsed = JSON.parse(this.unseal(contents)?.toString('utf8') ?? 'null') as unknown;
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, string>;
    } catch {
      /* set aside below */
    }
    // Secrets that cannot be opened are gone (logging in again mends it): keep the file aside.
    try {
      fs.renameSync(this.file, `${this.file}.damaged-${Date.now()}`);
    } catch {
      /* nothing more to save */
    }
    return {};
  }

  private write(data: Record<string, string>): void {
    writeFileAtomicSync(this.file, this.seal(Buffer.from(JSON.stringify(data), 'utf8')));
    fs.chmodSync(this.file, 0o600);
  }
}

const KEY_BYTES = 32;
const IV_BYTES = 12;

/** Secrets in `<dir>/team-secrets.enc`, sealed with AES-256-GCM under the key in `<dir>/team-secrets.key`. */
export class FileSecretStore extends SealedFileSecretStore {
  private readonly keyFile: string;

  constructor(dir: string) {
    super(path.join(dir, SECRETS_FILE));
    this.keyFile = path.join(dir, SECRETS_KEY_FILE);
  }

  protected seal(plain: Buffer): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.readKey() ?? this.makeKey(), iv);
    const data = Buffer.concat([cipher.update(plain), cipher.final()]);
    return JSON.stringify({ v: 1, iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), data: data.toString('base64') });
  }

  protected unseal(contents: string): Buffer | null {
    const key = this.readKey();
    if (!key) return null;
    try {
      const sealed = JSON.parse(contents) as { iv: string; tag: string; data: string };
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(sealed.iv, 'base64'));
      decipher.setAuthTag(Buffer.from(sealed.tag, 'base64'));
      return Buffer.concat([decipher.update(Buffer.from(sealed.data, 'base64')), decipher.final()]);
    } catch {
      return null;
    }
  }

  private readKey(): Buffer | null {
    try {
      const key = fs.readFileSync(this.keyFile);
      return key.length === KEY_BYTES ? key : null;
    } catch {
      return null;
    }
  }

  private makeKey(): Buffer {
    fs.mkdirSync(path.dirname(this.keyFile), { recursive: true });
    // A key file of the wrong size opens nothing: keep it aside rather than trust it.
    if (fs.existsSync(this.keyFile)) fs.renameSync(this.keyFile, `${this.keyFile}.damaged-${Date.now()}`);
    const key = randomBytes(KEY_BYTES);
    try {
      fs.writeFileSync(this.keyFile, key, { mode: 0o600, flag: 'wx' });
      return key;
    } catch (err) {
      // Another studio process made one at the same moment: use that one.
      const theirs = (err as NodeJS.ErrnoException).code === 'EEXIST' ? this.readKey() : null;
      if (theirs) return theirs;
      throw err;
    }
  }
}
