/**
 * Offline first: with the team server down, labeling goes on, push and pull end with a clear
 * 'offline' error and lose nothing, and everything goes through once the server is back, by hand
 * or by automatic sync, which says meanwhile that it will sync when the server is back.
 */
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import type { SyncStatus } from '@shared';
import { AutoSync } from '../../../../src-main/services/team/auto-sync.js';
import { until as poll } from '../../helpers/until.js';
import { addImages, label, makeProject, newEmail, PASSWORD, scratch, snapshot, startTeamServer, teamStudio, type TeamStudio } from './team-fixture.js';

/** Waits until the studio's sync status satisfies `ok`, polling as the Team tab would (30 s: a hang guard). */
async function until(t: TeamStudio, ok: (s: SyncStatus) => boolean): Promise<SyncStatus> {
  let last: SyncStatus | null = null;
  return poll(
    () => `a sync status that matches; last: ${JSON.stringify(last)}`,
    async () => {
      last = await t.api.sync.status();
      return ok(last) && last;
    },
  );
}

const TIMING = { pollMs: 50, debounceMs: 150, intervalMs: 60_000, minBackoffMs: 200, maxBackoffMs: 800 };

describe('offline', () => {
  it('ends push and pull with "offline" while the server is down, keeps every edit, and syncs them once it is back', async () => {
    let server = await startTeamServer();
    const port = Number(new URL(server.url).port);
    const alice = await teamStudio();
    const email = newEmail('alice');
    await alice.api.account.register({ serverUrl: server.url, email, password: PASSWORD });
    const parent = scratch();
    await makeProject(alice.api, parent, 'field', [{ seed: 21, boxes: [{ class: 'car', x: 1, y: 1, w: 10, h: 10 }] }, { seed: 22 }]);
    await alice.sync('push');

    await server.close();
    // Labeling needs no server.
    await label(alice.api, 'img-22.jpg', { boxes: [{ class: 'bus', x: 2, y: 3, w: 20, h: 12 }], status: 'done' });
    await addImages(alice.api, parent, [{ seed: 23, boxes: [{ class: 'car', x: 5, y: 5, w: 5, h: 5 }] }]);
    const before = await snapshot(alice.studio);

    for (const start of [() => alice.api.sync.push(), () => alice.api.sync.pull()]) {
      const result = await alice.job(start);
      expect(result).toMatchObject({ status: 'failed', error: { code: 'offline', message: expect.stringContaining(`Cannot reach the team server at ${server.url}`) } });
    }
    expect(await alice.api.sync.status()).toMatchObject({ connection: 'offline', pendingChanges: 2, message: expect.stringMatching(/^Offline/) });
    expect(await snapshot(alice.studio)).toEqual(before);

    server = await startTeamServer(server.dataDir, port);
    expect(await alice.sync('push')).toMatchObject({ imagesSent: 2, mediaUploaded: 1, conflicts: 0 });
    expect(await alice.api.sync.status()).toMatchObject({ connection: 'online', pendingChanges: 0 });

    const bob = await teamStudio();
    await bob.api.account.login({ serverUrl: server.url, email, password: PASSWORD });
    const dir = path.join(scratch(), 'copy');
    const remoteProjectId = (await alice.api.sync.status()).link!.remoteProjectId;
    const clone = await bob.job(() => bob.api.sync.clone({ remoteProjectId, dir }));
    expect(clone).toMatchObject({ status: 'ok', report: { imagesReceived: 3 } });
    await bob.api.projects.open({ dir });
    expect(await snapshot(bob.studio)).toEqual(before);
  });

  it('syncs edits by itself, says it is offline and will sync when the server is back, and does', async () => {
    let server = await startTeamServer();
    const port = Number(new URL(server.url).port);
    const alice = await teamStudio({ team: { autoSync: TIMING } });
    await alice.api.account.register({ serverUrl: server.url, email: newEmail(), password: PASSWORD });
    await makeProject(alice.api, scratch(), 'auto', [{ seed: 31 }, { seed: 32 }]);
    await alice.api.sync.link({ create: true });
    expect((await alice.api.sync.status()).autoSync).toBe(true);
    // Linked: the first automatic sync sends the project.
    const synced = await until(alice, (s) => s.pendingChanges === 0 && s.link?.lastPushAt !== null && !s.syncing);

    await label(alice.api, 'img-31.jpg', { boxes: [{ class: 'tree', x: 1, y: 1, w: 4, h: 4 }] });
    const pushed = await until(alice, (s) => s.pendingChanges === 0 && s.link!.lastPushAt !== synced.link!.lastPushAt && !s.syncing);
    expect(pushed.connection).toBe('online');

    await server.close();
    await label(alice.api, 'img-32.jpg', { boxes: [{ class: 'tree', x: 2, y: 2, w: 4, h: 4 }] });
    const offline = await until(alice, (s) => s.connection === 'offline' && s.nextRetryAt !== null);
    expect(offline).toMatchObject({ message: 'Offline, will sync when the server is back.', pendingChanges: 1, lastError: { code: 'offline' } });

    server = await startTeamServer(server.dataDir, port);
    const back = await until(alice, (s) => s.connection === 'online' && s.pendingChanges === 0 && !s.syncing);
    expect(back).toMatchObject({ lastError: null, nextRetryAt: null, message: 'Up to date.' });

    // Turned off, it leaves edits for a push by hand, also once it has looked for edits twice,
    // the pause it waits for apart: when on, the second look would have pushed them.
    await alice.api.sync.setAutoSync({ enabled: false });
    const looks: number[] = [];
    const proto = AutoSync.prototype as unknown as { tick(): void };
    const tick = proto.tick;
    const spy = vi.spyOn(proto, 'tick').mockImplementation(function (this: unknown) {
      looks.push(Date.now());
      tick.call(this);
    });
    try {
      await label(alice.api, 'img-31.jpg', { boxes: [] });
      const labeledAt = Date.now();
      await poll('automatic sync to look for edits twice, a pause apart, after the edit', () => {
        const after = looks.filter((t) => t >= labeledAt);
        return after.length >= 2 && after.at(-1)! - after[0] >= TIMING.debounceMs;
      });
    } finally {
      spy.mockRestore();
    }
    expect(await alice.api.sync.status()).toMatchObject({ autoSync: false, pendingChanges: 1, syncing: false });
  });
});
