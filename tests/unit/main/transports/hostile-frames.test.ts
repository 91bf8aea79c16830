/**
 * What a hostile client sends a real `reticle serve` process: WebSocket frames of invalid UTF-8,
 * oversized messages, random frames of every opcode (fragmented, unmasked, binary), malformed
 * %-escapes and over-long upload names. Each is refused on its own connection or with a 400;
 * the process lives, and a well-behaved client is served after each.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { Socket } from 'node:net';
import { channelName, serveTokenCookie } from '@shared';
import { startReticleServe, type RunningStudio } from '../../../e2e/serve-fixture.js';
import { seededRandom } from '../../helpers/random.js';

let studio: RunningStudio;
let socketUrl = '';
let base = '';
let token = '';

beforeAll(async () => {
  studio = await startReticleServe();
  const url = new URL(studio.url);
  token = url.searchParams.get('token')!;
  base = `http://${url.host}`;
  socketUrl = `ws://${url.host}/api?token=${token}`;
}, 60_000);
afterAll(async () => studio?.stop());

function open(): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(socketUrl);
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

/** Resolves with the close code the server sent (1006: the connection just ended). */
function closed(ws: WebSocket): Promise<number> {
  ws.on('error', () => undefined);
  return new Promise((resolve) => ws.once('close', (code) => resolve(code)));
}

/** A call from a well-behaved client on a fresh connection: the studio still answers. */
async function stillServes(): Promise<void> {
  const ws = await open();
  const answer = new Promise<{ envelope: { ok: boolean; value?: { version?: string } } }>((resolve) => ws.once('message', (d) => resolve(JSON.parse(String(d)))));
  ws.send(JSON.stringify({ t: 'call', id: 1, channel: channelName('app', 'info') }));
  const { envelope } = await answer;
  expect(envelope.ok).toBe(true);
  expect(typeof envelope.value?.version).toBe('string');
  ws.close();
}

/** A client frame as bytes: FIN bit, opcode, mask (clients must mask), payload. */
function frame(opcode: number, payload: Buffer, options: { fin?: boolean; masked?: boolean } = {}): Buffer {
  const { fin = true, masked = true } = options;
  const head: number[] = [(fin ? 0x80 : 0) | opcode];
  const len = payload.length;
  if (len < 126) head.push((masked ? 0x80 : 0) | len);
  else head.push((masked ? 0x80 : 0) | 126, len >> 8, len & 255);
  const mask = Buffer.from([0x12, 0x34, 0x56, 0x78]);
  const body = Buffer.from(payload.map((b, i) => (masked ? b ^ mask[i % 4]! : b)));
  return Buffer.concat([Buffer.from(head), masked ? mask : Buffer.alloc(0), body]);
}

function raw(ws: WebSocket): Socket {
  return (ws as unknown as { _socket: Socket })._socket;
}

describe('reticle serve and a hostile client', () => {
  it('closes a connection that sends invalid UTF-8 with 1007, and goes on serving', async () => {
    const ws = await open();
    const code = closed(ws);
    raw(ws).write(frame(0x1, Buffer.from([0xff, 0xfe, 0xfd])));
    expect(await code).toBe(1007);
    await stillServes();
  });

  it('closes a connection that sends a message over 8 MiB with 1009, and goes on serving', async () => {
    const ws = await open();
    const code = closed(ws);
    ws.send('x'.repeat(9 * 1024 * 1024));
    expect(await code).toBe(1009);
    await stillServes();
  });

  it('lives through 40 random frames: any opcode, fragmented, unmasked, binary, garbage', async () => {
    const rand = seededRandom(20261207);
    for (let i = 0; i < 40; i++) {
      const ws = await open();
      const code = closed(ws);
      const bytes = Buffer.from(Array.from({ length: Math.floor(rand() * 300) }, () => Math.floor(rand() * 256)));
      const kind = Math.floor(rand() * 4);
      if (kind === 0) raw(ws).write(bytes); // not a frame at all
      else raw(ws).write(frame(Math.floor(rand() * 16), bytes, { fin: rand() < 0.5, masked: kind !== 2 }));
      // Whatever it made of it, the server either answered, or closed this connection.
      await Promise.race([code, new Promise((r) => setTimeout(r, 200))]);
      ws.terminate();
    }
    await stillServes();
  });

  it('answers 400 to a malformed %-escape and to an upload name over 255 bytes, not 500', async () => {
    const headers = { Cookie: `${serveTokenCookie(Number(new URL(base).port))}=${token}` };
    expect((await fetch(`${base}/%zz`, { headers })).status).toBe(400);
    await studio.api.projects.create({ dir: `${studio.work}/uploads`, name: 'Uploads', task: 'detect' });
    const long = await fetch(`${base}/upload/abcdefgh12/${'n'.repeat(300)}.jpg`, { method: 'PUT', headers, body: 'x' });
    expect(long.status).toBe(400);
    expect(((await long.json()) as { error: { code: string } }).error.code).toBe('invalid_input');
    await stillServes();
  });
});
