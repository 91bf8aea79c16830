/**
 * Electron IPC as a transport for the contract: one `ipcMain.handle` per method channel, each
 * refusing any sender but the main frame of our window showing `app://studio`. The host then
 * validates the payload with the contract's zod schema. Events travel on one channel.
 */
import { ipcMain, type BrowserWindow, type IpcMainInvokeEvent } from 'electron';
import { IPC_EVENT_CHANNEL, type Envelope, type StudioContract } from '@shared';
import type { ApiHost } from '../host/api-host.js';
import { isAppUrl } from './app-origin.js';

export function registerIpc(host: ApiHost<StudioContract>, getWindow: () => BrowserWindow | null): () => void {
  const channels = host.methodChannels;
  for (const channel of channels) {
    ipcMain.handle(channel, async (event: IpcMainInvokeEvent, input: unknown): Promise<Envelope> => {
      const refusal = refuseSender(event, getWindow());
      if (refusal) {
        console.warn(`[reticle] refused ${channel}: ${refusal}`);
        return { ok: false, error: { code: 'forbidden', message: `This page may not call ${channel}.` } };
      }
      return host.invoke(channel, input, { transport: 'ipc' });
    });
  }

  const unsubscribe = host.onEvent((channel, payload) => {
    const win = getWindow();
    if (!win || win.isDestroyed() || win.webContents.isDestroyed()) return;
    win.webContents.send(IPC_EVENT_CHANNEL, { channel, payload });
  });

  return () => {
    unsubscribe();
    for (const channel of channels) ipcMain.removeHandler(channel);
  };
}

/** Why a call must be refused, or null when it comes from our window's own top page. */
function refuseSender(event: IpcMainInvokeEvent, win: BrowserWindow | null): string | null {
  const frame = event.senderFrame;
  if (!frame) return 'the sending frame is gone';
  if (!win || win.isDestroyed() || event.sender.id !== win.webContents.id) return 'the sender is not the studio window';
  if (frame.parent !== null) return 'the sender is a subframe';
  if (!isAppUrl(frame.url)) return `the sender is ${originOf(frame.url)}`;
  return null;
}

function originOf(raw: string): string {
  try {
    return new URL(raw).origin;
  } catch {
    return 'a page with no valid URL';
  }
}
