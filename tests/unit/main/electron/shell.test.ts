/**
 * The Electron shell, seen from outside: what the window allows, who may call IPC, what the
 * protocols serve, what the preload hands the page. Electron is replaced by a test double of
 * the slice of its API the shell uses (electron-test-double.ts); the studio behind it is real.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { pathToFileURL } from 'node:url';
import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { IPC_EVENT_CHANNEL, listChannels, studioContract, type PreloadBridge } from '@shared';
import { createStudio, type Studio } from '../../../../src-main/studio';
import type { SettingsStore } from '../../../../src-main/services/settings/settings-store';
import { createMainWindow } from '../../../../src-main/electron/window';
import { registerIpc } from '../../../../src-main/electron/ipc';
import { registerPrivilegedSchemes, registerProtocols } from '../../../../src-main/electron/protocols';
import { createElectronSettings } from '../../../../src-main/electron/settings';
import { pickDirectory } from '../../../../src-main/electron/dialogs';
import { FakeWebFrame } from './electron-test-double';

const electron = await vi.hoisted(async () => (await import('./electron-test-double')).createElectronDouble());
vi.mock('electron', () => electron.module);
vi.mock('electron-store', () => ({ default: electron.FakeElectronStore }));

type Window = InstanceType<typeof electron.BrowserWindow>;

class MemorySettings implements SettingsStore {
  private readonly data = new Map<string, unknown>();
  get<T>(key: string): T | undefined {
    return this.data.get(key) as T | undefined;
  }
  set(key: string, value: unknown): void {
    this.data.set(key, value);
  }
}

const METHOD_CHANNELS = listChannels(studioContract)
  .filter((c) => c.kind === 'method')
  .map((c) => c.channel)
  .sort();

let tmp: string;
const cleanups: (() => unknown)[] = [];

beforeEach(async () => {
  electron.reset();
  tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'reticle-shell-'));
  electron.app.userData = path.join(tmp, 'user-data');
  vi.spyOn(console, 'warn').mockImplementation(() => {});
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  vi.restoreAllMocks();
  await fsp.rm(tmp, { recursive: true, force: true });
});

function newStudio(): Studio {
  const studio = createStudio({ mode: 'desktop', settings: new MemorySettings() });
  cleanups.push(() => studio.dispose());
  return studio;
}

function newWindow(externalLinkHosts?: string[]): Window {
  return createMainWindow({ preloadPath: '/opt/reticle/dist/preload/preload.cjs', devTools: false, externalLinkHosts }) as unknown as Window;
}

/** A studio, its window showing app://studio/index.html, and IPC between them. */
function wiredStudio() {
  const studio = newStudio();
  const win = newWindow();
  const dispose = registerIpc(studio.host, () => win as never);
  cleanups.push(dispose);
  const callFrom = (frame: FakeWebFrame | null, channel: string, input?: unknown, contents = win.webContents) =>
    electron.ipcMain.invokeFrom({ contents, frame }, channel, input);
  return { studio, win, dispose, callFrom };
}

/** Quits the app started from main.ts and lets it dispose its studio. */
async function quitApp(): Promise<void> {
  electron.app.quit();
  await flush();
}

async function flush(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise((resolve) => setImmediate(resolve));
}

describe('the main window', () => {
  it('isolates and sandboxes the page, without Node or webviews, and loads the bundled preload', () => {
    const win = newWindow();
    const prefs = win.options.webPreferences;
    expect(prefs).toMatchObject({
      disableBlinkFeatures: 'Auxclick',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      preload: '/opt/reticle/dist/preload/preload.cjs',
    });
    expect(win.loadedUrl).toBe('app://studio/index.html');
  });

  it('stays hidden until the page is ready to show', () => {
    const win = newWindow();
    expect(win.options.show).toBe(false);
    expect(win.visible).toBe(false);
    win.emit('ready-to-show');
    expect(win.visible).toBe(true);
  });

  it('refuses to navigate anywhere but app://studio', () => {
    const contents = newWindow().webContents;
    for (const url of ['https://evil.example/', 'http://localhost:8080/', 'file:///etc/passwd', 'app://elsewhere/index.html', 'reticle-media://image/1', 'javascript:alert(1)']) {
      expect(contents.navigate('will-navigate', url), url).toBe(true);
      expect(contents.navigate('will-frame-navigate', url), url).toBe(true);
      expect(contents.navigate('will-redirect', url), url).toBe(true);
    }
    expect(contents.navigate('will-navigate', 'app://studio/index.html')).toBe(false);
    expect(electron.shell.opened).toEqual([]);
  });

  it('opens no window, and hands only allow-listed https links to the browser', () => {
    const contents = newWindow(['docs.reticle.example']).webContents;
    for (const url of ['https://evil.example/', 'app://studio/index.html', 'http://docs.reticle.example/guide', 'https://docs.reticle.example/guide', 'https://user:pw@docs.reticle.example/']) {
      expect(contents.openWindow(url), url).toEqual({ action: 'deny' });
    }
    expect(electron.shell.opened).toEqual(['https://docs.reticle.example/guide']);
    // A plain link click on an allow-listed host also leaves the window where it is.
    expect(contents.navigate('will-navigate', 'https://docs.reticle.example/faq')).toBe(true);
    expect(electron.shell.opened).toEqual(['https://docs.reticle.example/guide', 'https://docs.reticle.example/faq']);
  });

  it('opens nothing externally by default', () => {
    const contents = newWindow().webContents;
    expect(contents.openWindow('https://github.com/')).toEqual({ action: 'deny' });
    expect(electron.shell.opened).toEqual([]);
  });

  it('refuses <webview> tags', () => {
    expect(newWindow().webContents.attachWebview('https://evil.example/')).toBe(true);
  });

  it('denies every permission request and check', () => {
    newWindow();
    const ses = electron.session.defaultSession;
    for (const permission of ['media', 'notifications', 'geolocation', 'clipboard-read', 'openExternal']) {
      const answers: boolean[] = [];
      ses.permissionRequestHandler!({}, permission, (granted: boolean) => answers.push(granted), {});
      expect(answers, permission).toEqual([false]);
      expect(ses.permissionCheckHandler!(null, permission, 'app://studio', {}), permission).toBe(false);
    }
  });
});

describe('IPC', () => {
  it('handles every method channel of the contract, once, and nothing else', () => {
    wiredStudio();
    expect([...electron.ipcMain.handlers.keys()].sort()).toEqual(METHOD_CHANNELS);
    expect(METHOD_CHANNELS).toContain('reticle:projects.current');
    expect(electron.ipcMain.eventNames()).toEqual([]);
  });

  it('answers the studio page', async () => {
    const { win, callFrom } = wiredStudio();
    await expect(callFrom(win.webContents.mainFrame, 'reticle:projects.current')).resolves.toEqual({ ok: true, value: null });
  });

  it('refuses a page from another origin, and the call never reaches the studio', async () => {
    const { win, callFrom } = wiredStudio();
    win.webContents.mainFrame.url = 'https://evil.example/';
    const dir = path.join(tmp, 'planted');
    const answer = await callFrom(win.webContents.mainFrame, 'reticle:projects.create', { dir, name: 'x', task: 'detect' });
    expect(answer).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(fs.existsSync(dir)).toBe(false);
    expect(console.warn).toHaveBeenCalled();
  });

  it.each([
    ['a subframe showing the studio', (win: Window) => ({ contents: win.webContents, frame: new FakeWebFrame('app://studio/index.html', win.webContents.mainFrame) })],
    ['a frame that is gone', (win: Window) => ({ contents: win.webContents, frame: null })],
    ['another window showing the studio', () => otherStudioPage()],
    ['the window after it somehow reached a file: page', (win: Window) => navigatedTo(win, 'file:///tmp/page.html')],
    ['a look-alike host', (win: Window) => navigatedTo(win, 'app://studio.evil.example/index.html')],
  ])('refuses %s', async (_name, from) => {
    const { win, callFrom } = wiredStudio();
    const { frame, contents } = from(win);
    await expect(callFrom(frame, 'reticle:projects.current', undefined, contents)).resolves.toMatchObject({ ok: false, error: { code: 'forbidden' } });
  });

  it('refuses a malformed payload with invalid_input', async () => {
    const { win, callFrom } = wiredStudio();
    const answer = await callFrom(win.webContents.mainFrame, 'reticle:projects.open', { dir: 42 });
    expect(answer).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
  });

  it('pushes contract events to the window, and none once it is closed', () => {
    const { studio, win } = wiredStudio();
    studio.host.emit.images.onChanged({ reason: 'import' });
    expect(win.webContents.sent).toEqual([{ channel: IPC_EVENT_CHANNEL, args: [{ channel: 'reticle:images.onChanged', payload: { reason: 'import' } }] }]);
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    win.close();
    studio.host.emit.images.onChanged({ reason: 'edit' });
    expect(win.webContents.sent).toHaveLength(1);
    expect(errors).not.toHaveBeenCalled();
  });

  it('removes its handlers and stops pushing events once disposed', () => {
    const { studio, win, dispose } = wiredStudio();
    dispose();
    expect(electron.ipcMain.handlers.size).toBe(0);
    studio.host.emit.images.onChanged({ reason: 'import' });
    expect(win.webContents.sent).toEqual([]);
  });
});

function navigatedTo(win: Window, url: string) {
  win.webContents.mainFrame.url = url;
  return { contents: win.webContents, frame: win.webContents.mainFrame };
}

function otherStudioPage() {
  const other = new electron.BrowserWindow({});
  void other.loadURL('app://studio/index.html');
  return { contents: other.webContents, frame: other.webContents.mainFrame };
}

describe('the app:// protocol', () => {
  async function serveRenderer() {
    const renderer = path.join(tmp, 'renderer');
    await fsp.mkdir(path.join(renderer, 'assets'), { recursive: true });
    await fsp.writeFile(path.join(renderer, 'index.html'), '<!doctype html><title>Reticle Studio</title>');
    await fsp.writeFile(path.join(renderer, 'assets', 'app.js'), 'console.log("studio")');
    await fsp.writeFile(path.join(tmp, 'secret.txt'), 'SECRET');
    if (process.platform !== 'win32') await fsp.symlink(path.join(tmp, 'secret.txt'), path.join(renderer, 'link-out.txt'));
    registerProtocols({ rendererDir: renderer, session: newStudio().session });
  }

  it('serves index.html with the content-security policy as a header', async () => {
    await serveRenderer();
    for (const url of ['app://studio/index.html', 'app://studio/']) {
      const res = await electron.protocol.fetch(url);
      expect(res.status, url).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("object-src 'none'");
      expect(csp).toContain("img-src 'self' reticle-media: data: blob:");
      // Large images are fetched from the media scheme and decoded off the main thread.
      expect(csp).toContain("connect-src 'self' reticle-media:");
      expect(csp.match(/connect-src/g)).toHaveLength(1);
      expect(csp).not.toContain('unsafe-eval');
      expect(await res.text()).toBe('<!doctype html><title>Reticle Studio</title>');
    }
  });

  it('serves the bundle with its content type', async () => {
    await serveRenderer();
    const res = await electron.protocol.fetch('app://studio/assets/app.js');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(await res.text()).toBe('console.log("studio")');
  });

  it.each([
    'app://studio/../../etc/passwd',
    'app://studio/..%2f..%2f..%2f..%2f..%2f..%2fetc%2fpasswd',
    'app://studio/..%2fsecret.txt',
    'app://studio/assets/..%2f..%2fsecret.txt',
    'app://studio/%2e%2e/secret.txt',
    'app://studio/..%5csecret.txt',
    'app://studio/%2e%2e%2fsecret.txt',
    'app://studio/index.html%00.png',
    'app://studio/assets',
    'app://studio/missing.js',
    'app://elsewhere/index.html',
  ])('answers 404 to %s', async (url) => {
    await serveRenderer();
    const res = await electron.protocol.fetch(url);
    expect(res.status).toBe(404);
    const body = await res.text();
    expect(body).not.toContain('SECRET');
    expect(body).not.toContain('root:');
  });

  it.skipIf(process.platform === 'win32')('does not follow a symlink out of the renderer folder', async () => {
    await serveRenderer();
    const res = await electron.protocol.fetch('app://studio/link-out.txt');
    expect(res.status).toBe(404);
    expect(await res.text()).not.toContain('SECRET');
  });

  it('denies file: URLs', async () => {
    await serveRenderer();
    const secret = path.join(tmp, 'secret.txt');
    const res = await electron.protocol.fetch(pathToFileURL(secret).href);
    expect(res.status).toBe(403);
    expect(await res.text()).not.toContain('SECRET');
  });

  it('registers both schemes as privileged before the app is ready, neither bypassing the CSP', () => {
    registerPrivilegedSchemes();
    const byScheme = Object.fromEntries(electron.protocol.privileged.map((s) => [s.scheme, s.privileges]));
    expect(Object.keys(byScheme).sort()).toEqual(['app', 'reticle-media']);
    expect(byScheme.app).toMatchObject({ standard: true, secure: true, supportFetchAPI: true });
    expect(byScheme['reticle-media']).toMatchObject({ standard: true, secure: true, supportFetchAPI: true, stream: true });
    expect(byScheme.app.bypassCSP).toBeFalsy();
    expect(byScheme['reticle-media'].bypassCSP).toBeFalsy();
  });
});

describe('the reticle-media:// protocol', () => {
  const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');

  async function projectWithImage() {
    const studio = newStudio();
    registerProtocols({ rendererDir: path.join(tmp, 'renderer'), session: studio.session });
    const project = studio.session.create(path.join(tmp, 'project'), { name: 'Birds', task: 'detect' });
    const hash = createHash('sha256').update(PNG).digest('hex');
    const file = await project.media.putMedia(hash, '.png', PNG);
    const id = project.store.images.insert({ hash, ext: '.png', format: 'png', name: 'a.png', originalPath: '/photos/a.png', width: 1, height: 1, bytes: PNG.length });
    return { studio, id, file };
  }

  it('answers 404 when no project is open', async () => {
    registerProtocols({ rendererDir: path.join(tmp, 'renderer'), session: newStudio().session });
    expect((await electron.protocol.fetch('reticle-media://image/42')).status).toBe(404);
  });

  it('serves an image of the open project by id, with its type and a validator', async () => {
    const { id } = await projectWithImage();
    const res = await electron.protocol.fetch(`reticle-media://image/${id}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await res.arrayBuffer())).toEqual(PNG);
    const again = await electron.protocol.fetch(`reticle-media://image/${id}`, { headers: { 'If-None-Match': res.headers.get('etag')! } });
    expect(again.status).toBe(304);
  });

  it.each(['reticle-media://image/424242', 'reticle-media://thumb/424242', 'reticle-media://image/abc', 'reticle-media://video/1', 'reticle-media://image/1/../../project.db'])(
    'answers 404 to %s',
    async (url) => {
      await projectWithImage();
      expect((await electron.protocol.fetch(url)).status).toBe(404);
    },
  );

  it('serves an image outside the project only by the token a folder preview gave it', async () => {
    const studio = newStudio();
    registerProtocols({ rendererDir: path.join(tmp, 'renderer'), session: studio.session, external: studio.externalImages });
    const outside = path.join(tmp, 'new-pictures');
    await fsp.mkdir(outside);
    await sharp({ create: { width: 8, height: 6, channels: 3, background: '#336699' } }).png().toFile(path.join(outside, 'a.png'));
    await fsp.writeFile(path.join(outside, 'broken.jpg'), PNG);
    const folder = await studio.externalImages.open(outside);
    const res = await electron.protocol.fetch(`reticle-media://external/${folder.images[0].token}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/jpeg');
    // An image that cannot be decoded is not an error of the studio.
    expect((await electron.protocol.fetch(`reticle-media://external/${folder.images[1].token}`)).status).toBe(404);
    expect((await electron.protocol.fetch(`reticle-media://external/${'0'.repeat(32)}`)).status).toBe(404);
    expect((await electron.protocol.fetch(`reticle-media://external/${encodeURIComponent(path.join(outside, 'a.png'))}`)).status).toBe(404);
  });

  it.skipIf(process.platform === 'win32')('answers 403 when a media file was swapped for a link out of the project', async () => {
    const { id, file } = await projectWithImage();
    await fsp.writeFile(path.join(tmp, 'secret.txt'), 'SECRET');
    await fsp.rm(file);
    await fsp.symlink(path.join(tmp, 'secret.txt'), file);
    const res = await electron.protocol.fetch(`reticle-media://image/${id}`);
    expect(res.status).toBe(403);
    expect(await res.text()).not.toContain('SECRET');
  });
});

describe('the preload', () => {
  async function loadPreload(): Promise<PreloadBridge> {
    vi.resetModules();
    await import('../../../../src-preload/preload');
    return electron.contextBridge.exposed.reticle as PreloadBridge;
  }

  it('exposes window.reticle with exactly three functions, and nothing else', async () => {
    const bridge = await loadPreload();
    expect(Object.keys(electron.contextBridge.exposed)).toEqual(['reticle']);
    expect(Object.keys(bridge).sort()).toEqual(['invoke', 'on', 'pathForFile']);
    for (const fn of Object.values(bridge)) expect(typeof fn).toBe('function');
  });

  it('gives the disk path of a dropped file, and an empty one for anything else', async () => {
    const bridge = await loadPreload();
    expect(bridge.pathForFile({ path: '/home/me/photos/a.jpg' } as unknown as File)).toBe('/home/me/photos/a.jpg');
    expect(bridge.pathForFile({} as File)).toBe('');
  });

  it('carries contract calls to the studio', async () => {
    const { win } = wiredStudio();
    electron.ipcRenderer.connect(win.webContents);
    const bridge = await loadPreload();
    await expect(bridge.invoke('reticle:projects.current', undefined)).resolves.toEqual({ ok: true, value: null });
  });

  it.each(['reticle:evil', 'electron-store-get-data', 'reticle:projects.onChanged', '__proto__', 'constructor'])('refuses the channel %s without touching IPC', async (channel) => {
    const { win } = wiredStudio();
    electron.ipcRenderer.connect(win.webContents);
    const bridge = await loadPreload();
    await expect(bridge.invoke(channel, undefined)).resolves.toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(electron.ipcRenderer.invoked).toEqual([]);
  });

  it('answers with an error envelope, not a rejection, when main has no handler', async () => {
    electron.ipcRenderer.connect(newWindow().webContents);
    const bridge = await loadPreload();
    await expect(bridge.invoke('reticle:projects.current', undefined)).resolves.toMatchObject({ ok: false, error: { code: 'internal' } });
  });

  it('delivers an event to the listeners of its channel only, with the payload alone, until unsubscribed', async () => {
    const { studio, win } = wiredStudio();
    electron.ipcRenderer.connect(win.webContents);
    const bridge = await loadPreload();
    const images = vi.fn();
    const jobs = vi.fn();
    const unsubscribe = bridge.on('reticle:images.onChanged', images);
    bridge.on('reticle:jobs.onProgress', jobs);
    studio.host.emit.images.onChanged({ reason: 'delete' });
    expect(images.mock.calls).toEqual([[{ reason: 'delete' }]]);
    expect(jobs).not.toHaveBeenCalled();
    unsubscribe();
    studio.host.emit.images.onChanged({ reason: 'edit' });
    expect(images).toHaveBeenCalledTimes(1);
  });

  it('subscribes nothing for a channel that is not a contract event', async () => {
    const { win } = wiredStudio();
    electron.ipcRenderer.connect(win.webContents);
    const bridge = await loadPreload();
    const listener = vi.fn();
    const unsubscribe = bridge.on(IPC_EVENT_CHANNEL, listener);
    expect(typeof unsubscribe).toBe('function');
    win.webContents.send(IPC_EVENT_CHANNEL, { channel: IPC_EVENT_CHANNEL, payload: 1 });
    expect(listener).not.toHaveBeenCalled();
  });
});

describe('settings', () => {
  it('persist across restarts in the user-data folder', () => {
    const first = createElectronSettings();
    first.set('recentProjects', [{ dir: '/p', name: 'Birds' }]);
    first.set('ui.theme', 'dark');
    const second = createElectronSettings();
    expect(second.get('recentProjects')).toEqual([{ dir: '/p', name: 'Birds' }]);
    expect(second.get('ui.theme')).toBe('dark');
    const onDisk = JSON.parse(fs.readFileSync(path.join(electron.app.userData, 'settings.json'), 'utf8'));
    expect(onDisk['ui.theme']).toBe('dark');
  });

  it('forget a key set to undefined', () => {
    const settings = createElectronSettings();
    settings.set('recentProjects', []);
    settings.set('recentProjects', undefined);
    expect(createElectronSettings().get('recentProjects')).toBeUndefined();
  });

  it('start afresh from a damaged file', () => {
    fs.mkdirSync(electron.app.userData, { recursive: true });
    fs.writeFileSync(path.join(electron.app.userData, 'settings.json'), '{"recentProjects": [');
    const settings = createElectronSettings();
    expect(settings.get('recentProjects')).toBeUndefined();
    settings.set('recentProjects', []);
    expect(createElectronSettings().get('recentProjects')).toEqual([]);
  });
});

describe('the folder picker', () => {
  it('returns the chosen folder, modal to the focused window', async () => {
    const win = newWindow();
    win.focus();
    electron.dialog.nextResult = { canceled: false, filePaths: ['/home/me/birds'] };
    await expect(pickDirectory('Choose a project folder')).resolves.toBe('/home/me/birds');
    const [parent, options] = electron.dialog.calls[0] as [unknown, { title: string; properties: string[] }];
    expect(parent).toBe(win);
    expect(options.title).toBe('Choose a project folder');
    expect(options.properties).toEqual(expect.arrayContaining(['openDirectory', 'createDirectory']));
  });

  it('returns null when the user cancels', async () => {
    await expect(pickDirectory()).resolves.toBeNull();
  });
});

describe('the desktop app (src-main/main.ts)', () => {
  async function startApp() {
    vi.resetModules();
    await import('../../../../src-main/main');
  }

  it('registers its schemes before ready, then opens one locked-down window on app://studio', async () => {
    await startApp();
    expect(electron.protocol.privileged.map((s) => s.scheme).sort()).toEqual(['app', 'reticle-media']);
    expect(electron.BrowserWindow.instances).toHaveLength(0);
    electron.app.becomeReady();
    await flush();
    const [win] = electron.BrowserWindow.instances;
    expect(electron.BrowserWindow.instances).toHaveLength(1);
    expect(win.loadedUrl).toBe('app://studio/index.html');
    expect(win.options.webPreferences.preload).toMatch(/[\\/]preload[\\/]preload\.cjs$/);
    expect([...electron.protocol.handlers.keys()].sort()).toEqual(['app', 'file', 'reticle-media']);
    expect([...electron.ipcMain.handlers.keys()].sort()).toEqual(METHOD_CHANNELS);
    const info = await electron.ipcMain.invokeFrom({ contents: win.webContents, frame: win.webContents.mainFrame }, 'reticle:app.info');
    expect(info).toMatchObject({ ok: true, value: { mode: 'desktop', nativeDialogs: true } });
    cleanups.push(quitApp);
  });

  it('offers the native folder picker over IPC', async () => {
    await startApp();
    electron.app.becomeReady();
    await flush();
    const [win] = electron.BrowserWindow.instances;
    electron.dialog.nextResult = { canceled: false, filePaths: ['/home/me/birds'] };
    const answer = await electron.ipcMain.invokeFrom({ contents: win.webContents, frame: win.webContents.mainFrame }, 'reticle:app.pickDirectory', { title: 'Open' });
    expect(answer).toEqual({ ok: true, value: '/home/me/birds' });
    cleanups.push(quitApp);
  });

  it('holds any other web contents to the same rules', async () => {
    await startApp();
    electron.app.becomeReady();
    await flush();
    const stray = new electron.FakeWebContents();
    electron.app.emit('web-contents-created', {}, stray);
    expect(stray.navigate('will-navigate', 'https://evil.example/')).toBe(true);
    expect(stray.openWindow('https://evil.example/')).toEqual({ action: 'deny' });
    expect(stray.attachWebview('https://evil.example/')).toBe(true);
    cleanups.push(quitApp);
  });

  it('closes the studio before quitting when the last window closes', async () => {
    await startApp();
    electron.app.becomeReady();
    await flush();
    const [win] = electron.BrowserWindow.instances;
    win.close();
    if (process.platform === 'darwin') electron.app.quit();
    await flush();
    expect(electron.app.quitted).toBe(true);
    expect(electron.ipcMain.handlers.size).toBe(0);
  });

  it('leaves DevTools and reload out of packaged builds', async () => {
    electron.app.isPackaged = true;
    await startApp();
    electron.app.becomeReady();
    await flush();
    const [win] = electron.BrowserWindow.instances;
    expect(win.options.webPreferences.devTools).toBe(false);
    const roles = JSON.stringify(electron.Menu.applicationMenu?.template);
    expect(roles).not.toContain('toggleDevTools');
    expect(roles).not.toContain('"reload"');
    expect(roles).toContain('editMenu');
    cleanups.push(quitApp);
  });

  it('offers DevTools in development', async () => {
    await startApp();
    electron.app.becomeReady();
    await flush();
    expect(JSON.stringify(electron.Menu.applicationMenu?.template)).toContain('toggleDevTools');
    cleanups.push(quitApp);
  });

  it('quits at once when another instance is already running', async () => {
    electron.app.hasSingleInstanceLock = false;
    await startApp();
    electron.app.becomeReady();
    await flush();
    expect(electron.app.quitted).toBe(true);
    expect(electron.BrowserWindow.instances).toHaveLength(0);
    expect(electron.ipcMain.handlers.size).toBe(0);
  });
});
