/**
 * The app's lifecycle: one instance, one window, protocols and IPC installed once ready, the
 * studio disposed (jobs stopped, project closed) before the process quits.
 */
import { app, BrowserWindow } from 'electron';
import type { Studio } from '../studio.js';
import { registerIpc } from './ipc.js';
import { installMenu } from './menu.js';
import { registerProtocols } from './protocols.js';
import { createMainWindow, hardenWebContents } from './window.js';

interface DesktopAppOptions {
  /** Builds the studio; called once the single-instance lock is ours. */
  createStudio: () => Studio;
  rendererDir: string;
  preloadPath: string;
}

/** How long quitting waits for running jobs to stop before it goes anyway. */
const DISPOSE_TIMEOUT_MS = 10_000;

export function runDesktopApp(options: DesktopAppOptions): void {
  if (!app.requestSingleInstanceLock()) {
    // Another studio is running; it focuses its window on 'second-instance'.
    app.quit();
    return;
  }

  let win: BrowserWindow | null = null;
  let studio: Studio | null = null;
  let disposeIpc: (() => void) | null = null;
  let quitting = false;

  const openWindow = () => {
    win = createMainWindow({ preloadPath: options.preloadPath, devTools: !app.isPackaged });
    win.on('closed', () => {
      win = null;
    });
  };
  const showStudio = () => {
    if (!win) {
      if (studio) openWindow();
      return;
    }
    if (win.isMinimized()) win.restore();
    win.show();
    win.focus();
  };

  // Whatever webContents appears (DevTools, a window someone forgot to deny), the same rules hold.
  app.on('web-contents-created', (_event, contents) => hardenWebContents(contents));
  app.on('second-instance', showStudio);
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  app.on('activate', () => {
    if (app.isReady() && studio && !win) openWindow();
  });
  app.on('before-quit', (event) => {
    if (quitting || !studio) return;
    // Disposing is asynchronous (jobs stop politely): hold the quit, then quit for real.
    event.preventDefault();
    quitting = true;
    disposeIpc?.();
    const stopped = studio.dispose().catch((err: unknown) => console.error('[reticle] closing the studio failed:', err));
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, DISPOSE_TIMEOUT_MS)));
    void Promise.race([stopped, timeout]).then(() => {
      clearTimeout(timer);
      app.quit();
    });
  });

  app
    .whenReady()
    .then(() => {
      studio = options.createStudio();
      registerProtocols({ rendererDir: options.rendererDir, session: studio.session, external: studio.externalImages });
      disposeIpc = registerIpc(studio.host, () => win);
      installMenu({ isMac: process.platform === 'darwin', developer: !app.isPackaged, showStudio });
      openWindow();
    })
    .catch((err: unknown) => {
      console.error('[reticle] the studio could not start:', err);
      app.exit(1);
    });
}
