/**
 * The preload: runs sandboxed beside the renderer and hands it `window.reticle`, three functions
 * and nothing else (never `ipcRenderer`, never an IPC event). Channels are checked against the
 * contract here as well as in main, so a compromised page cannot even reach other channels.
 * Bundled to CJS with its imports, since a sandboxed preload can only `require('electron')`.
 */
import { contextBridge, ipcRenderer, webUtils, type IpcRendererEvent } from 'electron';
import { IPC_EVENT_CHANNEL, listChannels, studioContract, type Envelope, type PreloadBridge } from '@shared';

const entries = listChannels(studioContract);
const methodChannels = new Set(entries.filter((e) => e.kind === 'method').map((e) => e.channel));
const eventChannels = new Set(entries.filter((e) => e.kind === 'event').map((e) => e.channel));

type Listener = (payload: unknown) => void;
const listeners = new Map<string, Set<Listener>>();

// One IPC listener for every event; the page's listeners hang off it, so no IPC object leaks.
ipcRenderer.on(IPC_EVENT_CHANNEL, (_event: IpcRendererEvent, message: unknown) => {
  if (typeof message !== 'object' || message === null) return;
  const { channel, payload } = message as { channel?: unknown; payload?: unknown };
  if (typeof channel !== 'string') return;
  for (const listener of listeners.get(channel) ?? []) {
    try {
      listener(payload);
    } catch (err) {
      console.error(`[reticle] a listener for ${channel} failed:`, err);
    }
  }
});

function refuse(message: string): Promise<Envelope> {
  return Promise.resolve({ ok: false, error: { code: 'forbidden', message } });
}

const bridge: PreloadBridge = {
  invoke(channel, input) {
    if (typeof channel !== 'string' || !methodChannels.has(channel)) {
      return refuse(`${String(channel).slice(0, 100)} is not a call the studio offers.`);
    }
    return ipcRenderer.invoke(channel, input).catch(
      (err: unknown): Envelope => ({ ok: false, error: { code: 'internal', message: err instanceof Error ? err.message : String(err) } }),
    );
  },
  on(channel, listener) {
    if (typeof channel !== 'string' || !eventChannels.has(channel) || typeof listener !== 'function') {
      console.warn(`[reticle] ${String(channel).slice(0, 100)} is not an event the studio sends.`);
      return () => {};
    }
    let set = listeners.get(channel);
    if (!set) listeners.set(channel, (set = new Set()));
    // Wrapped, so subscribing the same function twice gives two independent subscriptions.
    const entry: Listener = (payload) => listener(payload);
    set.add(entry);
    return () => {
      set.delete(entry);
    };
  },
  pathForFile(file) {
    try {
      return webUtils.getPathForFile(file);
    } catch {
      return '';
    }
  },
};

contextBridge.exposeInMainWorld('reticle', bridge);
