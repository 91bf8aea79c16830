/**
 * A TEST DOUBLE of the slice of Electron's API the shell uses (src-main/electron, src-preload),
 * for plain-Node tests: no Electron binary exists here. It is not Electron. It records what the
 * shell asks for (window options, navigation guards, IPC and protocol handlers, menus, what the
 * preload exposes) and lets a test act as Chromium, the OS, the page or an attacker: navigate,
 * open windows, call IPC from a chosen frame, fetch a URL through a registered protocol.
 *
 * Where Electron enforces a rule the shell depends on, the double enforces it too, so a test
 * cannot pass on behaviour real Electron would reject: a second `ipcMain.handle` for a channel
 * throws, privileged schemes are refused once the app is ready, IPC arguments are structured-
 * cloned, `ipcRenderer.invoke` rejects when main has no handler.
 *
 * Also here: a double of electron-store built on its own base class, `conf`, so settings are
 * really written to disk (electron-store itself imports the real `electron`).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import Conf from 'conf';

type Handler = (...args: any[]) => any;

/** Electron's `Event`: a payload with `preventDefault()`. */
export function fakeEvent<T extends object>(fields: T): T & { preventDefault(): void; defaultPrevented: boolean } {
  const event = {
    ...fields,
    defaultPrevented: false,
    preventDefault() {
      event.defaultPrevented = true;
    },
  };
  return event;
}

export class FakeWebFrame {
  constructor(
    public url: string,
    public parent: FakeWebFrame | null = null,
  ) {}
}

export class FakeSession {
  permissionRequestHandler: Handler | null = null;
  permissionCheckHandler: Handler | null = null;
  setPermissionRequestHandler(handler: Handler | null) {
    this.permissionRequestHandler = handler;
  }
  setPermissionCheckHandler(handler: Handler | null) {
    this.permissionCheckHandler = handler;
  }
}

export function createElectronDouble() {
  let nextContentsId = 1;

  class FakeWebContents extends EventEmitter {
    readonly id = nextContentsId++;
    readonly mainFrame = new FakeWebFrame('');
    session = session.defaultSession;
    windowOpenHandler: Handler | null = null;
    destroyed = false;
    /** Messages sent to this page with `send`, after structured cloning. */
    readonly sent: { channel: string; args: unknown[] }[] = [];

    setWindowOpenHandler(handler: Handler) {
      this.windowOpenHandler = handler;
    }
    send(channel: string, ...args: unknown[]) {
      if (this.destroyed) throw new Error('Object has been destroyed');
      const cloned = structuredClone(args);
      this.sent.push({ channel, args: cloned });
      if (ipcRenderer.connection?.contents === this) ipcRenderer.deliver(channel, cloned);
    }
    isDestroyed() {
      return this.destroyed;
    }
    /** Chromium starting a navigation: returns true when the shell prevented it. */
    navigate(kind: 'will-navigate' | 'will-frame-navigate' | 'will-redirect', url: string): boolean {
      const event = fakeEvent({ url, isMainFrame: true, isSameDocument: false, frame: this.mainFrame });
      this.emit(kind, event, url);
      return event.defaultPrevented;
    }
    /** The page calling `window.open(url)`: what the shell's handler answered. */
    openWindow(url: string): { action: string } {
      if (!this.windowOpenHandler) return { action: 'allow' };
      return this.windowOpenHandler({ url, frameName: '', features: '', disposition: 'new-window', referrer: { url: '', policy: 'default' } });
    }
    /** A `<webview>` about to attach: true when the shell prevented it. */
    attachWebview(src: string): boolean {
      const event = fakeEvent({});
      this.emit('will-attach-webview', event, {}, { src });
      return event.defaultPrevented;
    }
  }

  class FakeBrowserWindow extends EventEmitter {
    static instances: FakeBrowserWindow[] = [];
    static focused: FakeBrowserWindow | null = null;
    static getAllWindows() {
      return FakeBrowserWindow.instances.filter((w) => !w.destroyed);
    }
    static getFocusedWindow() {
      return FakeBrowserWindow.focused;
    }

    readonly webContents = new FakeWebContents();
    loadedUrl: string | null = null;
    visible = false;
    destroyed = false;

    constructor(readonly options: Record<string, any>) {
      super();
      FakeBrowserWindow.instances.push(this);
      app.emit('web-contents-created', fakeEvent({}), this.webContents);
    }
    loadURL(url: string) {
      this.loadedUrl = url;
      this.webContents.mainFrame.url = url;
      return Promise.resolve();
    }
    show() {
      this.visible = true;
    }
    focus() {
      FakeBrowserWindow.focused = this;
    }
    isMinimized() {
      return false;
    }
    restore() {}
    isDestroyed() {
      return this.destroyed;
    }
    close() {
      this.destroyed = true;
      this.webContents.destroyed = true;
      this.emit('closed');
      if (FakeBrowserWindow.getAllWindows().length === 0) app.emit('window-all-closed');
    }
  }

  class FakeApp extends EventEmitter {
    isPackaged = false;
    hasSingleInstanceLock = true;
    ready = false;
    quitRequests = 0;
    exited: number | null = null;
    quitted = false;
    userData = path.join(os.tmpdir(), 'reticle-electron-double');
    private readyWaiters: (() => void)[] = [];

    requestSingleInstanceLock() {
      return this.hasSingleInstanceLock;
    }
    whenReady() {
      return this.ready ? Promise.resolve() : new Promise<void>((resolve) => this.readyWaiters.push(resolve));
    }
    isReady() {
      return this.ready;
    }
    /** The OS finishing Electron's startup. */
    becomeReady() {
      this.ready = true;
      this.emit('ready');
      for (const resolve of this.readyWaiters.splice(0)) resolve();
    }
    quit() {
      this.quitRequests++;
      const event = fakeEvent({});
      this.emit('before-quit', event);
      if (!event.defaultPrevented) this.quitted = true;
    }
    exit(code = 0) {
      this.exited = code;
    }
    getPath(name: string) {
      if (name !== 'userData') throw new Error(`the double knows no path ${name}`);
      return this.userData;
    }
    getVersion() {
      return '0.0.0-test';
    }
  }

  class FakeIpcMain extends EventEmitter {
    readonly handlers = new Map<string, Handler>();
    handle(channel: string, handler: Handler) {
      if (this.handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
      this.handlers.set(channel, handler);
    }
    removeHandler(channel: string) {
      this.handlers.delete(channel);
    }
    /** A renderer calling `ipcRenderer.invoke(channel, ...args)` from `frame` of `contents`. */
    async invokeFrom(from: { contents: FakeWebContents; frame: FakeWebFrame | null }, channel: string, ...args: unknown[]): Promise<unknown> {
      const handler = this.handlers.get(channel);
      if (!handler) throw new Error(`Error invoking remote method '${channel}': Error: No handler registered for '${channel}'`);
      const event = { sender: from.contents, senderFrame: from.frame, processId: 1, frameId: 1 };
      return structuredClone(await handler(event, ...structuredClone(args)));
    }
  }

  class FakeIpcRenderer {
    /** Which page this preload runs in. */
    connection: { contents: FakeWebContents; frame: FakeWebFrame } | null = null;
    readonly invoked: { channel: string; args: unknown[] }[] = [];
    private readonly emitter = new EventEmitter();

    connect(contents: FakeWebContents, frame: FakeWebFrame = contents.mainFrame) {
      this.connection = { contents, frame };
    }
    invoke(channel: string, ...args: unknown[]) {
      this.invoked.push({ channel, args });
      if (!this.connection) return Promise.reject(new Error('the preload is connected to no page'));
      return ipcMain.invokeFrom(this.connection, channel, ...args);
    }
    on(channel: string, listener: Handler) {
      this.emitter.on(channel, listener);
      return this;
    }
    removeListener(channel: string, listener: Handler) {
      this.emitter.removeListener(channel, listener);
      return this;
    }
    listenerCount(channel: string) {
      return this.emitter.listenerCount(channel);
    }
    reset() {
      this.connection = null;
      this.invoked.length = 0;
      this.emitter.removeAllListeners();
    }
    deliver(channel: string, args: unknown[]) {
      this.emitter.emit(channel, { sender: this }, ...args);
    }
  }

  type ProtocolHandler = (request: Request) => Response | Promise<Response>;
  const protocol = {
    privileged: [] as { scheme: string; privileges: Record<string, boolean> }[],
    handlers: new Map<string, ProtocolHandler>(),
    registerSchemesAsPrivileged(schemes: { scheme: string; privileges: Record<string, boolean> }[]) {
      if (app.ready) throw new Error('protocol.registerSchemesAsPrivileged should be called before app is ready');
      protocol.privileged.push(...schemes);
    },
    handle(scheme: string, handler: ProtocolHandler) {
      if (protocol.handlers.has(scheme)) throw new Error(`Failed to register protocol: ${scheme}`);
      protocol.handlers.set(scheme, handler);
    },
    unhandle(scheme: string) {
      protocol.handlers.delete(scheme);
    },
    /** Chromium loading `url` (already normalized as a URL parser would) through the handlers. */
    async fetch(url: string, init?: RequestInit): Promise<Response> {
      const request = new Request(url, init);
      const handler = protocol.handlers.get(new URL(request.url).protocol.slice(0, -1));
      if (!handler) throw new Error(`no handler for ${url}`);
      return handler(request);
    },
  };

  const session = { defaultSession: new FakeSession() };
  const app = new FakeApp();
  const ipcMain = new FakeIpcMain();
  const ipcRenderer = new FakeIpcRenderer();
  const shell = {
    opened: [] as string[],
    openExternal(url: string) {
      shell.opened.push(url);
      return Promise.resolve();
    },
  };
  const dialog = {
    calls: [] as unknown[][],
    nextResult: { canceled: true, filePaths: [] as string[] },
    showOpenDialog(...args: unknown[]) {
      dialog.calls.push(args);
      return Promise.resolve(dialog.nextResult);
    },
  };
  const Menu = {
    applicationMenu: null as null | { template: any[] },
    buildFromTemplate(template: any[]) {
      return { template };
    },
    setApplicationMenu(menu: { template: any[] } | null) {
      Menu.applicationMenu = menu;
    },
  };
  const contextBridge = {
    exposed: {} as Record<string, any>,
    exposeInMainWorld(key: string, api: unknown) {
      if (key in contextBridge.exposed) throw new Error(`Cannot bind an API on top of an existing property on the window object: ${key}`);
      contextBridge.exposed[key] = api;
    },
  };

  /** Dropped files carry their disk path in this double, as `File` objects from a real drop do. */
  const webUtils = {
    getPathForFile(file: { path?: unknown }) {
      if (typeof file?.path !== 'string') throw new TypeError('not a File from a drop');
      return file.path;
    },
  };

  /**
   * `utilityProcess`: the script really runs, in a Node child process, with a stand-in for the
   * `process.parentPort` Electron gives a utility process (utility-process-shim.mjs). As in
   * Electron, fork is refused before the app is ready and messages are structured-cloned.
   */
  class FakeUtilityProcess extends EventEmitter {
    static instances: FakeUtilityProcess[] = [];
    readonly child: ChildProcess;
    constructor(
      readonly modulePath: string,
      readonly args: string[],
      readonly options: Record<string, any>,
    ) {
      super();
      this.child = fork(modulePath, args, {
        serialization: 'advanced',
        execArgv: ['--import', pathToFileURL(path.join(path.dirname(fileURLToPath(import.meta.url)), 'utility-process-shim.mjs')).href],
        env: options.env,
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      this.child.on('message', (message) => this.emit('message', message));
      // Electron reports the exit code only; a process killed by a signal has none here.
      this.child.on('exit', (code) => this.emit('exit', code ?? -1));
    }
    get pid() {
      return this.child.pid;
    }
    postMessage(message: unknown) {
      this.child.send(message as any);
    }
    kill() {
      return this.child.kill('SIGTERM');
    }
  }
  const utilityProcess = {
    fork(modulePath: string, args: string[] = [], options: Record<string, any> = {}) {
      if (!app.ready) throw new Error('utilityProcess cannot be created before app is ready.');
      const p = new FakeUtilityProcess(modulePath, args, options);
      FakeUtilityProcess.instances.push(p);
      return p;
    },
  };

  /** What `vi.mock('electron', …)` returns: the named exports the shell imports. */
  const module = { app, BrowserWindow: FakeBrowserWindow, ipcMain, ipcRenderer, protocol, session, shell, dialog, Menu, contextBridge, webUtils, utilityProcess };

  /** A double of electron-store: its base class, `conf`, in the double's userData folder. */
  class FakeElectronStore extends Conf<Record<string, unknown>> {
    constructor(options: Record<string, any> = {}) {
      const { name = 'config', cwd, ...rest } = options;
      super({ ...rest, configName: name, cwd: cwd ?? app.getPath('userData') });
    }
  }

  /** Forgets everything recorded, so each test starts from a fresh, not-yet-ready app. */
  function reset() {
    FakeBrowserWindow.instances = [];
    FakeBrowserWindow.focused = null;
    app.removeAllListeners();
    Object.assign(app, { isPackaged: false, hasSingleInstanceLock: true, ready: false, quitRequests: 0, exited: null, quitted: false });
    ipcMain.handlers.clear();
    ipcMain.removeAllListeners();
    ipcRenderer.reset();
    protocol.privileged.length = 0;
    protocol.handlers.clear();
    session.defaultSession = new FakeSession();
    shell.opened.length = 0;
    dialog.calls.length = 0;
    dialog.nextResult = { canceled: true, filePaths: [] };
    Menu.applicationMenu = null;
    for (const key of Object.keys(contextBridge.exposed)) delete contextBridge.exposed[key];
  }

  return { ...module, FakeWebContents, FakeElectronStore, FakeUtilityProcess, module, reset };
}

export type ElectronDouble = ReturnType<typeof createElectronDouble>;
