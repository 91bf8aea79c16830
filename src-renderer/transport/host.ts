/**
 * Picks the transport for where the page runs: the desktop window (the preload's
 * `window.reticle`) or a browser talking to `reticle serve` over a WebSocket.
 */
import { createClient, externalMediaUrl, mediaUrl, studioContract, type MediaKind, type PreloadBridge, type StudioApi } from '@shared';
import { bridgeTransport } from './bridge-transport.js';
import { SocketTransport, socketUrlFor, type ConnectionState } from './socket-transport.js';

type HostKind = 'desktop' | 'serve';

export interface Host {
  kind: HostKind;
  api: StudioApi;
  /** URL of a thumbnail or the full image, for `<img src>`. */
  media(kind: MediaKind, imageId: number): string;
  /** URL of an image outside the project, by the token `inference.openFolder` gave it. */
  externalMedia(token: string): string;
  /** Desktop only: the disk path of a dropped file, so it is imported in place. */
  pathForFile?: (file: File) => string;
}

declare global {
  interface Window {
    reticle?: PreloadBridge;
  }
}

export function connectHost(onConnectionState: (state: ConnectionState, attempt: number) => void): Host {
  const bridge = window.reticle;
  if (bridge) {
    return {
      kind: 'desktop',
      api: createClient(studioContract, bridgeTransport(bridge)),
      media: (kind, id) => mediaUrl('desktop', kind, id),
      externalMedia: (token) => externalMediaUrl('desktop', token),
      pathForFile: (file) => bridge.pathForFile(file),
    };
  }
  dropTokenFromAddressBar();
  const transport = new SocketTransport({
    url: socketUrlFor(window.location),
    onStateChange: (state, info) => onConnectionState(state, info.attempt),
  });
  return {
    kind: 'serve',
    api: createClient(studioContract, transport),
    media: (kind, id) => mediaUrl('serve', kind, id),
    externalMedia: (token) => externalMediaUrl('serve', token),
  };
}

/**
 * The server set its cookie when it served the page for `?token=…`; the token has no business
 * staying in the address bar, the history or a screenshot.
 */
function dropTokenFromAddressBar(): void {
  const url = new URL(window.location.href);
  if (!url.searchParams.has('token')) return;
  url.searchParams.delete('token');
  window.history.replaceState(window.history.state, '', url.pathname + url.search + url.hash);
}
