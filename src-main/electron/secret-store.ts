/**
 * The desktop app's secret store for the team server's tokens: sealed with Electron's safeStorage
 * (the OS keychain: macOS Keychain, Windows DPAPI, libsecret or KWallet on Linux) in a file of the
 * user-data folder. Where the OS has no keychain to offer (Linux without a secret service, where
 * safeStorage would seal with a fixed, public key), the studio's own AES-256-GCM file store is
 * used instead: a random key in a file only the user can read.
 */
import path from 'node:path';
import { safeStorage } from 'electron';
import { FileSecretStore, SealedFileSecretStore, type SecretStore } from '../services/team/secret-store.js';

export const KEYCHAIN_SECRETS_FILE = 'team-secrets.keychain';

/**
 * Secrets in `dir`. Which way they are sealed is decided on first use: safeStorage can only
 * answer once the app is ready.
 */
export function createKeychainSecrets(dir: string): SecretStore {
  let store: SecretStore | null = null;
  const chosen = () => (store ??= keychainAvailable() ? new KeychainSecretStore(path.join(dir, KEYCHAIN_SECRETS_FILE)) : new FileSecretStore(dir));
  return {
    get: (key) => chosen().get(key),
    set: (key, value) => chosen().set(key, value),
    delete: (key) => chosen().delete(key),
  };
}

function keychainAvailable(): boolean {
  if (!safeStorage.isEncryptionAvailable()) return false;
  return process.platform !== 'linux' || safeStorage.getSelectedStorageBackend() !== 'basic_text';
}

class KeychainSecretStore extends SealedFileSecretStore {
  protected seal(plain: Buffer): string {
    return safeStorage.encryptString(plain.toString('utf8')).toString('base64');
  }

  protected unseal(contents: string): Buffer | null {
    try {
      return Buffer.from(safeStorage.decryptString(Buffer.from(contents, 'base64')), 'utf8');
    } catch {
      // Sealed under another keychain (a profile copied from another machine).
      return null;
    }
  }
}
