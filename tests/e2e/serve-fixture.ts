/** A real `reticle serve` for end-to-end tests: a fresh home and work folder, its URL, its output. */
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { WebSocket } from 'ws';
import { createClient, studioContract, type StudioApi } from '@shared';
import { SocketTransport, type SocketLike } from '../../src-renderer/transport/socket-transport.js';

export const ROOT = path.resolve(import.meta.dirname, '../..');

export interface RunningStudio {
  /** The URL `reticle serve` printed, token included. */
  url: string;
  /** A scratch folder for the test's projects and images (removed by stop). */
  work: string;
  /** The test's own client of the studio: what is stored, as any other client would read it. */
  api: StudioApi;
  /** Everything the server printed so far, for a failed test's report. */
  log(): string;
  stop(): Promise<void>;
}

export interface ServeOptions {
  /** More environment for the serve process (a runtime's test doubles, a weights mirror). */
  env?: Record<string, string>;
}

export async function startReticleServe(options: ServeOptions = {}): Promise<RunningStudio> {
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'reticle-e2e-'));
  const home = path.join(work, 'home');
  await fs.mkdir(home);
  const server = spawn(process.execPath, [path.join(ROOT, 'bin/reticle.mjs'), 'serve', '--port', '0'], {
    cwd: ROOT,
    env: { ...process.env, RETICLE_HOME: home, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`reticle serve printed no URL in 30 s:\n${log}`)), 30_000);
    server.stdout!.on('data', (chunk: Buffer) => {
      log += chunk.toString();
      const match = /http:\/\/\S+\?token=\S+/.exec(log);
      if (match) {
        clearTimeout(timer);
        resolve(match[0]);
      }
    });
    server.stderr!.on('data', (chunk: Buffer) => (log += chunk.toString()));
    server.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`reticle serve exited with ${code}:\n${log}`));
    });
  });
  const address = new URL(url);
  const transport = new SocketTransport({
    url: `ws://${address.host}/api?token=${address.searchParams.get('token')}`,
    createSocket: (u) => new WebSocket(u) as unknown as SocketLike,
  });
  return {
    url,
    work,
    api: createClient(studioContract, transport),
    log: () => log,
    async stop() {
      transport.dispose();
      if (server.exitCode === null) {
        const exited = new Promise((resolve) => server.once('exit', resolve));
        server.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
        if (server.exitCode === null) server.kill('SIGKILL');
      }
      await fs.rm(work, { recursive: true, force: true });
    },
  };
}
