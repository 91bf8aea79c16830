/**
 * The desktop app's token store. Electron's safeStorage (the OS keychain) cannot run here: it is
 * replaced by a TEST DOUBLE that seals with a key of its own, so the test sees what the store
 * writes. Where the keychain is missing or only Linux's fixed-key fallback, the studio's own
 * encrypted file store takes over.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { SECRETS_FILE } from '../../../../src-main/services/team/secret-store.js';
import { scratch } from './team-fixture.js';

/** TEST DOUBLE of Electron's safeStorage: AES under a key only this double holds. */
const keychain = vi.hoisted(() => ({ available: true, backend: 'gnome_libsecret', key: null as Buffer | null }));
vi.mock('electron', () => ({
  safeStorage: {
    isEncryptionAvailable: () => keychain.available,
    getSelectedStorageBackend: () => keychain.backend,
    encryptString(text: string): Buffer {
      const iv = randomBytes(16);
      const cipher = createCipheriv('aes-256-cbc', keychain.key!, iv);
      return Buffer.concat([iv, cipher.update(text, 'utf8'), cipher.final()]);
    },
    decryptString(sealed: Buffer): string {
      const decipher = createDecipheriv('aes-256-cbc', keychain.key!, sealed.subarray(0, 16));
      return Buffer.concat([decipher.update(sealed.subarray(16)), decipher.final()]).toString('utf8');
    },
  },
}));

const { createKeychainSecrets, KEYCHAIN_SECRETS_FILE } = await import('../../../../src-main/electron/secret-store.js');

const TOKEN = 'eyJhbGciOiJIUzI1NiJ9.secret-refresh-token-value';

beforeEach(() => {
  keychain.available = true;
  keychain.backend = 'gnome_libsecret';
  keychain.key = randomBytes(32);
});

describe('the desktop secret store', () => {
  it('seals each secret with the OS keychain, in a file only the user reads', () => {
    const dir = scratch();
    const store = createKeychainSecrets(dir);
    store.set('team.session', TOKEN);
    expect(store.get('team.session')).toBe(TOKEN);
    const file = path.join(dir, KEYCHAIN_SECRETS_FILE);
    expect(fs.readFileSync(file, 'utf8')).not.toContain('secret-refresh-token');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.existsSync(path.join(dir, SECRETS_FILE))).toBe(false);

    // Another keychain (a profile copied to another machine) opens nothing: logged out.
    keychain.key = randomBytes(32);
    expect(createKeychainSecrets(dir).get('team.session')).toBeUndefined();
    store.delete('team.session');
    expect(store.get('team.session')).toBeUndefined();
  });

  it("uses the studio's own encrypted file where the keychain is only Linux's fixed-key fallback", () => {
    if (process.platform !== 'linux') return;
    keychain.backend = 'basic_text';
    const dir = scratch();
    const store = createKeychainSecrets(dir);
    store.set('team.session', TOKEN);
    expect(store.get('team.session')).toBe(TOKEN);
    expect(fs.existsSync(path.join(dir, KEYCHAIN_SECRETS_FILE))).toBe(false);
    expect(fs.readFileSync(path.join(dir, SECRETS_FILE), 'utf8')).not.toContain('secret-refresh-token');
  });

  it("uses the studio's own encrypted file where there is no keychain at all", () => {
    keychain.available = false;
    const dir = scratch();
    createKeychainSecrets(dir).set('team.session', TOKEN);
    expect(createKeychainSecrets(dir).get('team.session')).toBe(TOKEN);
    expect(fs.existsSync(path.join(dir, SECRETS_FILE))).toBe(true);
  });
});
