/**
 * The browser transport for `reticle serve`: contract calls and events over one WebSocket.
 *
 * Calls made while the socket is not open wait in a queue and go out once it opens. When the
 * socket drops, calls already sent cannot be answered any more: they fail with an `io` error the
 * UI can show, and the transport reconnects with exponential backoff. Events carry no
 * subscription on the wire (the server pushes every event); listeners live here.
 */
import { StudioError, SERVE_ROUTES, type ClientTransport, type Envelope, type Unsubscribe, type WireCall, type WireServerMessage } from '@shared';

export type ConnectionState = 'connecting' | 'open' | 'reconnecting' | 'closed';

/** The part of the WebSocket API this transport uses; the browser's and `ws`'s both fit. */
export interface SocketLike {
  readonly readyState: number;
  onopen: ((ev: unknown) => void) | null;
  onclose: ((ev: unknown) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

interface SocketTransportOptions {
  url: string;
  createSocket?: (url: string) => SocketLike;
  /** First reconnect delay and the ceiling it doubles up to. */
  backoff?: { initialMs?: number; maxMs?: number };
  onStateChange?: (state: ConnectionState, info: { attempt: number }) => void;
}

const OPEN = 1;
const LOST_CONNECTION_MESSAGE = 'Lost the connection to the studio before it answered. Try again once it is back.';

interface Pending {
  resolve: (envelope: Envelope) => void;
  reject: (err: unknown) => void;
  /** The serialized call; null once it went out on a socket. */
  unsent: string | null;
}

/** `ws://host/api` or `wss://host/api` for the page's own origin. */
export function socketUrlFor(location: { protocol: string; host: string }): string {
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${SERVE_ROUTES.socket}`;
}

/** Delay before reconnect attempt `attempt` (0-based): doubles from `initialMs` up to `maxMs`. */
export function backoffDelay(attempt: number, initialMs: number, maxMs: number): number {
  return Math.min(maxMs, initialMs * 2 ** Math.min(attempt, 30));
}

export class SocketTransport implements ClientTransport {
  private socket: SocketLike | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly listeners = new Map<string, Set<(payload: unknown) => void>>();
  private state: ConnectionState = 'connecting';
  private attempt = 0;
  private reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  private disposed = false;
  private readonly createSocket: (url: string) => SocketLike;
  private readonly initialMs: number;
  private readonly maxMs: number;

  constructor(private readonly options: SocketTransportOptions) {
    this.createSocket = options.createSocket ?? ((url) => new WebSocket(url) as unknown as SocketLike);
    this.initialMs = options.backoff?.initialMs ?? 300;
    this.maxMs = options.backoff?.maxMs ?? 5000;
    this.connect();
  }

  get connectionState(): ConnectionState {
    return this.state;
  }

  invoke(channel: string, input: unknown): Promise<Envelope> {
    if (this.disposed) return Promise.reject(new StudioError('io', 'The connection to the studio was closed.'));
    const id = this.nextId++;
    const call: WireCall = { t: 'call', id, channel, input };
    return new Promise<Envelope>((resolve, reject) => {
      const pending: Pending = { resolve, reject, unsent: JSON.stringify(call) };
      this.pending.set(id, pending);
      this.flush();
    });
  }

  subscribe(channel: string, listener: (payload: unknown) => void): Unsubscribe {
    let set = this.listeners.get(channel);
    if (!set) {
      set = new Set();
      this.listeners.set(channel, set);
    }
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(channel);
    };
  }

  /** Closes the socket for good; every call still waiting fails. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    const socket = this.socket;
    this.socket = null;
    if (socket) {
      socket.onclose = socket.onerror = socket.onopen = socket.onmessage = null;
      socket.close(1000, 'closed by the page');
    }
    for (const [id, p] of this.pending) {
      this.pending.delete(id);
      p.reject(new StudioError('io', 'The connection to the studio was closed.'));
    }
    this.setState('closed');
  }

  private connect(): void {
    let socket: SocketLike;
    try {
      socket = this.createSocket(this.options.url);
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.socket = socket;
    socket.onopen = () => {
      if (socket !== this.socket) return;
      this.attempt = 0;
      this.setState('open');
      this.flush();
    };
    socket.onmessage = (ev) => {
      if (socket === this.socket) this.receive(ev.data);
    };
    socket.onerror = () => {
      // A close event always follows; that is where recovery happens.
    };
    socket.onclose = () => {
      if (socket !== this.socket) return;
      this.socket = null;
      this.failSentCalls();
      this.scheduleReconnect();
    };
  }

  private scheduleReconnect(): void {
    if (this.disposed) return;
    this.setState('reconnecting');
    const delay = backoffDelay(this.attempt, this.initialMs, this.maxMs);
    this.attempt += 1;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      if (!this.disposed) this.connect();
    }, delay);
  }

  /** Sends every queued call if the socket is open. */
  private flush(): void {
    const socket = this.socket;
    if (!socket || socket.readyState !== OPEN) return;
    for (const p of this.pending.values()) {
      if (p.unsent === null) continue;
      try {
        socket.send(p.unsent);
        p.unsent = null;
      } catch {
        // The socket is closing; its close event requeues nothing and reconnects.
        return;
      }
    }
  }

  private failSentCalls(): void {
    for (const [id, p] of this.pending) {
      if (p.unsent !== null) continue;
      this.pending.delete(id);
      p.reject(new StudioError('io', LOST_CONNECTION_MESSAGE));
    }
  }

  private receive(data: unknown): void {
    if (typeof data !== 'string') return;
    let message: WireServerMessage;
    try {
      message = JSON.parse(data) as WireServerMessage;
    } catch {
      return;
    }
    if (message?.t === 'result' && typeof message.id === 'number') {
      const p = this.pending.get(message.id);
      if (!p) return;
      this.pending.delete(message.id);
      p.resolve(message.envelope);
    } else if (message?.t === 'event' && typeof message.channel === 'string') {
      const set = this.listeners.get(message.channel);
      if (!set) return;
      for (const listener of [...set]) {
        try {
          listener(message.payload);
        } catch (err) {
          console.error(`A listener of ${message.channel} failed`, err);
        }
      }
    }
  }

  private setState(state: ConnectionState): void {
    if (state === this.state && state !== 'reconnecting') return;
    this.state = state;
    this.options.onStateChange?.(state, { attempt: this.attempt });
  }
}
