/**
 * The studio's one window, locked down the way Electron's security checklist asks: isolated and
 * sandboxed renderer, no Node, no webviews, no navigation away from `app://studio`, no new
 * windows, no permissions. Links to an allow-listed host open in the user's browser instead.
 */
import { BrowserWindow, shell, type Session, type WebContents } from 'electron';
import { APP_ENTRY_URL, isAppUrl } from './app-origin.js';

interface MainWindowOptions {
  /** The bundled preload, dist/preload/preload.cjs. */
  preloadPath: string;
  /** Whether DevTools may open (not in packaged builds). */
  devTools: boolean;
  /** https hosts whose links may open in the user's browser; none by default. */
  externalLinkHosts?: readonly string[];
}

export function createMainWindow(options: MainWindowOptions): BrowserWindow {
  const win = new BrowserWindow({
    title: 'Reticle Studio',
    width: 1440,
    height: 900,
    minWidth: 960,
    minHeight: 600,
    backgroundColor: '#16181d',
    show: false,
    webPreferences: {
      preload: options.preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      // A middle click on a link must not open it in a new window (Electronegativity AUXCLICK).
      disableBlinkFeatures: 'Auxclick',
      spellcheck: false,
      devTools: options.devTools,
    },
  });
  hardenWebContents(win.webContents, options.externalLinkHosts ?? []);
  lockDownSession(win.webContents.session);
  // Shown once painted, so the user never sees a blank white frame.
  win.once('ready-to-show', () => win.show());
  win.loadURL(APP_ENTRY_URL).catch((err: unknown) => console.error('[reticle] the window failed to load the studio:', err));
  return win;
}

const hardened = new WeakSet<WebContents>();

/**
 * Denies navigation off `app://studio`, every new window and every `<webview>`. Safe to call more
 * than once on the same contents; `app.on('web-contents-created')` calls it for all of them.
 */
export function hardenWebContents(contents: WebContents, externalLinkHosts: readonly string[] = []): void {
  if (hardened.has(contents)) return;
  hardened.add(contents);
  const guard = (event: { url: string; preventDefault(): void }) => {
    if (isAppUrl(event.url)) return;
    event.preventDefault();
    openIfAllowed(event.url, externalLinkHosts);
  };
  contents.on('will-navigate', guard);
  contents.on('will-frame-navigate', guard);
  contents.on('will-redirect', guard);
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    openIfAllowed(url, externalLinkHosts);
    return { action: 'deny' };
  });
}

/** The studio needs no camera, notifications, clipboard reads or any other permission. */
function lockDownSession(ses: Session): void {
  ses.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  ses.setPermissionCheckHandler(() => false);
}

function openIfAllowed(raw: string, hosts: readonly string[]): void {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return;
  }
  if (url.protocol !== 'https:' || !hosts.includes(url.hostname) || url.username || url.password) {
    if (!isAppUrl(raw)) console.warn(`[reticle] blocked a link to ${url.origin}`);
    return;
  }
  shell.openExternal(url.href).catch((err: unknown) => console.error('[reticle] could not open the link:', err));
}
