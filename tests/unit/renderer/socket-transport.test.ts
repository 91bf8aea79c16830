import { afterEach, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { StudioError, createClient, studioContract, type WireCall, type WireServerMessage } from '@shared';
import { SocketTransport, backoffDelay, socketUrlFor, type ConnectionState, type SocketLike } from '../../../src-renderer/transport/socket-transport.js';

/** A stand-in for `reticle serve`'s socket: answers calls with a handler, pushes events on demand. */
class FakeStudioSocket {
  readonly http: Server;
  readonly wss: WebSocketServer;
  readonly calls: WireCall[] = [];
  handler: (call: WireCall) => WireServerMessage | null = (call) => ({ t: 'result', id: call.id, envelope: { ok: true, value: null } });

  private constructor(http: Server, wss: WebSocketServer) {
    this.http = http;
    this.wss = wss;
    wss.on('connection', (socket) => {
      socket.on('message', (data) => {
        const call = JSON.parse(String(data)) as WireCall;
        this.calls.push(call);
        const answer = this.handler(call);
        if (answer) socket.send(JSON.stringify(answer));
      });
    });
  }

  static async start(port = 0): Promise<FakeStudioSocket> {
    const http = createServer();
    const wss = new WebSocketServer({ server: http, path: '/api' });
    await new Promise<void>((resolve) => http.listen(port, '127.0.0.1', resolve));
    return new FakeStudioSocket(http, wss);
  }

  get port(): number {
    return (this.http.address() as AddressInfo).port;
  }

  get url(): string {
    return `ws://127.0.0.1:${this.port}/api`;
  }

  broadcast(message: WireServerMessage): void {
    for (const client of this.wss.clients) client.send(JSON.stringify(message));
  }

  /** Drops every client connection, as a restarting server or a broken network would. */
  dropClients(): void {
    for (const client of this.wss.clients) client.terminate();
  }

  async stop(): Promise<void> {
    this.dropClients();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
  }
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup(options: { port?: number } = {}) {
  const server = await FakeStudioSocket.start(options.port);
  const states: ConnectionState[] = [];
  /** Sockets the transport opened: one per connection attempt. */
  const attempts = { count: 0 };
  const transport = new SocketTransport({
    url: server.url,
    createSocket: (url) => {
      attempts.count++;
      return new WebSocket(url) as unknown as SocketLike;
    },
    backoff: { initialMs: 20, maxMs: 100 },
    onStateChange: (state) => states.push(state),
  });
  cleanups.push(() => server.stop(), () => transport.dispose());
  const api = createClient(studioContract, transport);
  return { server, transport, api, states, attempts };
}

/** Waits for `predicate`; `timeoutMs` is a hang guard, not a speed limit. */
function waitFor(predicate: () => boolean, timeoutMs = 30_000): Promise<void> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const tick = () => {
      if (predicate()) resolve();
      else if (Date.now() - started > timeoutMs) reject(new Error('timed out waiting'));
      else setTimeout(tick, 5);
    };
    tick();
  });
}

describe('SocketTransport', () => {
  it('sends calls made before the socket opened once it opens, and returns their values', async () => {
    const { server, api } = await setup();
    server.handler = (call) => ({ t: 'result', id: call.id, envelope: { ok: true, value: { version: '1.2.3', mode: 'serve', platform: 'linux', nativeDialogs: false, uploadsDroppedFiles: true } } });
    // Called synchronously after construction: the socket cannot be open yet.
    const [a, b] = await Promise.all([api.app.info(), api.images.counts()]);
    expect(a.version).toBe('1.2.3');
    expect(b).toMatchObject({ version: '1.2.3' });
    expect(server.calls.map((c) => c.channel)).toEqual(['reticle:app.info', 'reticle:images.counts']);
    expect(new Set(server.calls.map((c) => c.id)).size).toBe(2);
  });

  it('matches answers to calls by id, whatever order they come in', async () => {
    const { server, api } = await setup();
    const held: WireCall[] = [];
    server.handler = (call) => {
      held.push(call);
      if (held.length < 2) return null;
      // Answer the second call first, then the first.
      for (const c of [...held].reverse()) {
        const input = c.input as { id: number };
        server.broadcast({ t: 'result', id: c.id, envelope: { ok: true, value: { id: input.id, name: `image ${input.id}` } } });
      }
      return null;
    };
    const [first, second] = await Promise.all([api.images.get({ id: 1 }), api.images.get({ id: 2 })]);
    expect(first).toMatchObject({ id: 1, name: 'image 1' });
    expect(second).toMatchObject({ id: 2, name: 'image 2' });
  });

  it('turns an error envelope into a StudioError with its code and message', async () => {
    const { server, api } = await setup();
    server.handler = (call) => ({ t: 'result', id: call.id, envelope: { ok: false, error: { code: 'not_found', message: '/nowhere is not a Reticle project.' } } });
    const err = await api.projects.open({ dir: '/nowhere' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StudioError);
    expect(err).toMatchObject({ code: 'not_found', message: '/nowhere is not a Reticle project.' });
  });

  it('delivers pushed events to subscribers of that channel only, until they unsubscribe', async () => {
    const { server, transport, api } = await setup();
    await waitFor(() => transport.connectionState === 'open');
    const progress: unknown[] = [];
    const finished: unknown[] = [];
    const stop = api.jobs.onProgress((p) => progress.push(p));
    api.jobs.onFinished((r) => finished.push(r));
    server.broadcast({ t: 'event', channel: 'reticle:jobs.onProgress', payload: { jobId: 'j1', done: 1, total: 3 } });
    await waitFor(() => progress.length === 1);
    stop();
    server.broadcast({ t: 'event', channel: 'reticle:jobs.onProgress', payload: { jobId: 'j1', done: 2, total: 3 } });
    server.broadcast({ t: 'event', channel: 'reticle:jobs.onFinished', payload: { jobId: 'j1' } });
    await waitFor(() => finished.length === 1);
    expect(progress).toEqual([{ jobId: 'j1', done: 1, total: 3 }]);
  });

  it('fails calls in flight when the connection drops, reconnects, and works again', async () => {
    const { server, transport, api, states } = await setup();
    await waitFor(() => transport.connectionState === 'open');
    server.handler = () => {
      // The server goes away before answering.
      setTimeout(() => server.dropClients(), 5);
      return null;
    };
    const err = await api.projects.current().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StudioError);
    expect((err as StudioError).code).toBe('io');
    expect((err as StudioError).message).toMatch(/Lost the connection to the studio/);

    await waitFor(() => transport.connectionState === 'open');
    expect(states).toContain('reconnecting');
    server.handler = (call) => ({ t: 'result', id: call.id, envelope: { ok: true, value: null } });
    await expect(api.projects.current()).resolves.toBeNull();
  });

  it('holds calls made while the server is down and sends them when it is back', async () => {
    const { server, transport, api, attempts } = await setup();
    await waitFor(() => transport.connectionState === 'open');
    const port = server.port;
    await server.stop();
    await waitFor(() => transport.connectionState === 'reconnecting');

    let settled = false;
    const answer = api.classes.list().finally(() => (settled = true));
    // The call waits through a try to reconnect that fails: the transport then opens another socket.
    const before = attempts.count;
    await waitFor(() => attempts.count >= before + 2);
    expect(settled).toBe(false);
    const revived = await FakeStudioSocket.start(port);
    cleanups.push(() => revived.stop());
    revived.handler = (call) => ({ t: 'result', id: call.id, envelope: { ok: true, value: [{ id: 1, name: 'cat', color: '#ff0000', order: 0 }] } });
    await expect(answer).resolves.toEqual([{ id: 1, name: 'cat', color: '#ff0000', order: 0 }]);
    expect(revived.calls.map((c) => c.channel)).toEqual(['reticle:classes.list']);
  });

  it('fails every waiting call once disposed, and refuses new ones', async () => {
    const { server, transport, api } = await setup();
    server.handler = () => null;
    const waiting = api.images.counts();
    await waitFor(() => server.calls.length === 1);
    transport.dispose();
    await expect(waiting).rejects.toMatchObject({ code: 'io' });
    await expect(api.images.counts()).rejects.toMatchObject({ code: 'io' });
  });
});

describe('socket URL and backoff', () => {
  it('uses wss for https pages and the /api route of the same host', () => {
    expect(socketUrlFor({ protocol: 'http:', host: '127.0.0.1:8080' })).toBe('ws://127.0.0.1:8080/api');
    expect(socketUrlFor({ protocol: 'https:', host: 'gpu.example.com' })).toBe('wss://gpu.example.com/api');
  });

  it('doubles the reconnect delay up to its ceiling', () => {
    expect([0, 1, 2, 3, 4, 10, 100].map((n) => backoffDelay(n, 300, 5000))).toEqual([300, 600, 1200, 2400, 4800, 5000, 5000]);
  });
});
