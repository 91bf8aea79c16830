import type { SettingsStore } from '../../../src-main/services/settings/settings-store.js';

/** Settings kept in memory: a real SettingsStore, minus the file. */
export function memorySettings(): SettingsStore {
  const data = new Map<string, unknown>();
  return { get: <T>(k: string) => data.get(k) as T | undefined, set: (k, v) => void data.set(k, v) };
}
