/**
 * The desktop app's settings, kept by electron-store in the user-data folder (it writes
 * atomically, so a crash never leaves a half-written file).
 */
import ElectronStore from 'electron-store';
import type { SettingsStore } from '../services/settings/settings-store.js';

interface ElectronSettingsOptions {
  /** Folder of the settings file; electron-store's default is `app.getPath('userData')`. */
  cwd?: string;
}

export function createElectronSettings(options: ElectronSettingsOptions = {}): SettingsStore {
  const store = new ElectronStore<Record<string, unknown>>({
    name: 'settings',
    cwd: options.cwd,
    // Keys are opaque names; `a.b` must not become a nested object.
    accessPropertiesByDotNotation: false,
    // A damaged file must not stop the studio from starting; recents can be rebuilt.
    clearInvalidConfig: true,
  });
  return {
    get: <T>(key: string) => store.get(key) as T | undefined,
    set: (key, value) => {
      // electron-store refuses undefined; for a settings map it means "forget".
      if (value === undefined) store.delete(key);
      else store.set(key, value);
    },
  };
}
