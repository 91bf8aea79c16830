/**
 * The desktop app's composition root: the plain-Node studio, with Electron's settings store and
 * folder picker, handed to the Electron shell in src-main/electron/.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createStudio } from './studio.js';
import { runDesktopApp } from './electron/app.js';
import { pickDirectory } from './electron/dialogs.js';
import { registerPrivilegedSchemes } from './electron/protocols.js';
import { createElectronSettings } from './electron/settings.js';
import { createKeychainSecrets } from './electron/secret-store.js';
import { utilityInferenceProcess } from './electron/inference-process.js';
import { userDataDir } from './electron/paths.js';

// Electron accepts privileged schemes only before the app is ready, so first of all.
registerPrivilegedSchemes();

// Bundled as dist/main/main.mjs, beside dist/preload and dist/renderer.
const distDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

runDesktopApp({
  // The managed Python runtime lives in the user-data folder, beside the settings.
  // The team server's tokens go to the OS keychain, never to the settings.
  // Models run in a utility process, so a native crash there does not end the app.
  createStudio: () =>
    createStudio({
      mode: 'desktop',
      settings: createElectronSettings(),
      pickDirectory,
      dataDir: userDataDir(),
      secrets: createKeychainSecrets(userDataDir()),
      inference: { launchWorker: utilityInferenceProcess },
    }),
  rendererDir: path.join(distDir, 'renderer'),
  preloadPath: path.join(distDir, 'preload', 'preload.cjs'),
});
