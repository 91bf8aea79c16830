/** Whether the browser's socket to `reticle serve` is up; the desktop bridge is always open. */
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { ConnectionState } from '../transport/socket-transport.js';

export interface ConnectionStoreState {
  state: ConnectionState;
  /** Reconnect attempts since the connection was last up. */
  attempt: number;
}

export function createConnectionStore(): StoreApi<ConnectionStoreState> {
  return createStore<ConnectionStoreState>()(() => ({ state: 'connecting', attempt: 0 }));
}
