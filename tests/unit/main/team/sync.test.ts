/**
 * Push and pull between two real project folders through a real team server: what arrives is what
 * was sent (classes by name, boxes, statuses, the media's very bytes), a second push sends only
 * what is new, and two copies that changed the same image meet as a conflict on either side,
 * settled either way, with nothing overwritten on the quiet.
 */
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { PULL_PAGE } from '@shared';
import { addImages, label, makeProject, newEmail, PASSWORD, scratch, snapshot, startTeamServer, teamStudio, type ProjectSnapshot, type TeamServer, type TeamStudio } from './team-fixture.js';

let server: TeamServer;

beforeAll(async () => {
  server = await startTeamServer();
});

const BOXES_A = [
  { class: 'cat', x: 3.25, y: 4.5, w: 20.125, h: 10 },
  { class: 'dog', x: 30, y: 12.75, w: 15.5, h: 20.25 },
];

/** Alice on one machine, with a project of three labeled images, pushed. */
async function alicePushed(): Promise<{ alice: TeamStudio; email: string; remoteProjectId: string }> {
  const alice = await teamStudio();
  const email = newEmail('alice');
  await alice.api.account.register({ serverUrl: server.url, email, password: PASSWORD, name: 'Alice' });
  await makeProject(alice.api, scratch(), 'birds', [
    { seed: 1, boxes: BOXES_A, status: 'done' },
    { seed: 2, width: 80, height: 60, boxes: [{ class: 'cat', x: 0, y: 0, w: 80, h: 60 }], status: 'review' },
    { seed: 3 },
  ]);
  const report = await alice.sync('push');
  expect(report).toMatchObject({ imagesSent: 3, mediaUploaded: 3, conflicts: 0, failed: [] });
  const status = await alice.api.sync.status();
  return { alice, email, remoteProjectId: status.link!.remoteProjectId };
}

/** The same account on a second machine, with a clone of the shared project open. */
async function cloneOn(email: string, remoteProjectId: string): Promise<TeamStudio> {
  const other = await teamStudio();
  await other.api.account.login({ serverUrl: server.url, email, password: PASSWORD });
  const dir = path.join(scratch(), 'clone');
  const result = await other.job(() => other.api.sync.clone({ remoteProjectId, dir }));
  expect(result).toMatchObject({ kind: 'pull', status: 'ok' });
  await other.api.projects.open({ dir });
  return other;
}

function expectSameProject(actual: ProjectSnapshot, expected: ProjectSnapshot): void {
  expect(actual.classes).toEqual(expected.classes);
  expect(Object.keys(actual.images).sort()).toEqual(Object.keys(expected.images).sort());
  for (const [hash, image] of Object.entries(expected.images)) {
    const got = actual.images[hash];
    // Media byte for byte: the file on disk hashes to the same sha256 as the original.
    expect(got.fileHash).toBe(hash);
    expect(got.status).toBe(image.status);
    expect(got.boxes.length).toBe(image.boxes.length);
    got.boxes.forEach((box, i) => {
      expect(box[0]).toBe(image.boxes[i][0]);
      for (let k = 1; k < 5; k++) expect(box[k]).toBeCloseTo(image.boxes[i][k] as number, 3);
    });
  }
}

describe('push and pull', () => {
  it('brings a project to a second folder with the same classes, boxes, statuses and media bytes', async () => {
    const { alice, email, remoteProjectId } = await alicePushed();
    const bob = await cloneOn(email, remoteProjectId);
    const mine = await snapshot(alice.studio);
    expect(Object.keys(mine.images)).toHaveLength(3);
    expectSameProject(await snapshot(bob.studio), mine);
    // The pulled images went through the import pipeline: each has its thumbnail.
    const { store, media } = bob.studio.session.require();
    for (const image of store.images.iterate()) expect(fs.existsSync(media.thumbPath(image.hash))).toBe(true);
    expect(bob.studio.session.require().info.name).toBe('birds');
    expect(await bob.api.sync.status()).toMatchObject({ pendingChanges: 0, conflicts: 0, connection: 'online', link: { remoteProjectId } });
    expect(await alice.api.sync.status()).toMatchObject({ pendingChanges: 0, conflicts: 0 });
  });

  it('pulls a project of more images than one pull page, page after page', async () => {
    const alice = await teamStudio();
    const email = newEmail('alice');
    await alice.api.account.register({ serverUrl: server.url, email, password: PASSWORD, name: 'Alice' });
    const parent = scratch();
    await alice.api.projects.create({ dir: path.join(parent, 'many'), name: 'many', task: 'detect' });
    const count = PULL_PAGE + 12;
    for (let first = 0; first < count; first += 30) {
      const seeds = Array.from({ length: Math.min(30, count - first) }, (_, i) => 1000 + first + i);
      // makeImage repeats itself every 256 seeds: a second width keeps every image distinct.
      await addImages(alice.api, parent, seeds.map((seed) => ({ seed, width: 64 + Math.floor((seed - 1000) / 200), boxes: [{ class: seed % 2 ? 'cat' : 'dog', x: 1, y: 1, w: 4, h: 3 }] })));
    }
    expect(await alice.sync('push')).toMatchObject({ imagesSent: count, mediaUploaded: count, failed: [] });
    const bob = await cloneOn(email, (await alice.api.sync.status()).link!.remoteProjectId);
    const theirs = await snapshot(bob.studio);
    expect(Object.keys(theirs.images)).toHaveLength(count);
    expectSameProject(theirs, await snapshot(alice.studio));
  });

  it('sends only new media and changed labels the next time, and nothing when nothing changed', async () => {
    const { alice, email, remoteProjectId } = await alicePushed();
    const bob = await cloneOn(email, remoteProjectId);

    const idle = await alice.sync('push');
    expect(idle).toMatchObject({ mediaUploaded: 0, bytesUploaded: 0, imagesSent: 0 });

    const parent = scratch();
    await addImages(alice.api, parent, [{ seed: 11, boxes: [{ class: 'owl', x: 1, y: 2, w: 3, h: 4 }] }, { seed: 12 }]);
    await label(alice.api, 'img-3.jpg', { boxes: [{ class: 'dog', x: 5, y: 5, w: 10, h: 10 }], status: 'done' });
    expect((await alice.api.sync.status()).pendingChanges).toBe(3);
    const newBytes = ['img-11.jpg', 'img-12.jpg'].reduce((n, f) => n + fs.statSync(path.join(parent, 'photos-11-12', f)).size, 0);

    const second = await alice.sync('push');
    expect(second).toMatchObject({ mediaUploaded: 2, bytesUploaded: newBytes, imagesSent: 3, conflicts: 0 });

    const pulled = await bob.sync('pull');
    expect(pulled).toMatchObject({ imagesReceived: 3, mediaDownloaded: 2, conflicts: 0, classesCreated: ['owl'] });
    expectSameProject(await snapshot(bob.studio), await snapshot(alice.studio));
    // Pulling again brings nothing.
    expect(await bob.sync('pull')).toMatchObject({ imagesReceived: 0, mediaDownloaded: 0 });
  });

  it('reports a conflict on both sides when both copies change an image, and settles it either way', async () => {
    const { alice, email, remoteProjectId } = await alicePushed();
    const bob = await cloneOn(email, remoteProjectId);
    const image = 'img-1.jpg';

    await label(alice.api, image, { boxes: [{ class: 'cat', x: 10, y: 10, w: 5, h: 5 }] });
    await label(bob.api, image, { boxes: [{ class: 'dog', x: 1, y: 1, w: 30, h: 30 }, { class: 'dog', x: 31, y: 1, w: 20, h: 20 }] });
    expect(await alice.sync('push')).toMatchObject({ imagesSent: 1, conflicts: 0 });

    // Bob's push meets Alice's change: nothing of his is written, nothing of hers is lost.
    expect(await bob.sync('push')).toMatchObject({ imagesSent: 0, conflicts: 1 });
    const bobConflicts = await bob.api.sync.conflicts();
    expect(bobConflicts).toHaveLength(1);
    expect(bobConflicts[0]).toMatchObject({
      name: image,
      mine: { annotations: 2, perClass: [{ className: 'dog', count: 2 }] },
      theirs: { annotations: 1, perClass: [{ className: 'cat', count: 1 }] },
    });
    expect((await bob.api.sync.status()).conflicts).toBe(1);
    // His labels are still his after a pull too: a conflict is never settled by a pull.
    await bob.sync('pull');
    expect((await snapshot(bob.studio)).images[bobConflicts[0].hash].boxes.map((b) => b[0])).toEqual(['dog', 'dog']);

    // Meanwhile Alice changes the image again, without pulling.
    await label(alice.api, image, { boxes: [{ class: 'cat', x: 12, y: 12, w: 6, h: 6 }], status: 'review' });

    // Bob keeps his: his next push wins over the server's copy.
    await bob.api.sync.resolve({ imageId: bobConflicts[0].imageId, keep: 'mine' });
    expect((await bob.api.sync.status()).conflicts).toBe(0);
    expect(await bob.sync('push')).toMatchObject({ imagesSent: 1, conflicts: 0 });

    // Alice pulls: her unsynced edit meets Bob's pushed one, and she is asked.
    expect(await alice.sync('pull')).toMatchObject({ conflicts: 1 });
    const aliceConflicts = await alice.api.sync.conflicts();
    expect(aliceConflicts[0]).toMatchObject({ name: image, mine: { status: 'review', annotations: 1 }, theirs: { annotations: 2 } });
    expect((await snapshot(alice.studio)).images[aliceConflicts[0].hash]).toMatchObject({ status: 'review', boxes: [['cat', 12, 12, 6, 6]] });

    // She takes theirs: both copies now hold Bob's labels, and nothing is left to sync.
    await alice.api.sync.resolve({ imageId: aliceConflicts[0].imageId, keep: 'theirs' });
    expectSameProject(await snapshot(alice.studio), await snapshot(bob.studio));
    expect(await alice.api.sync.status()).toMatchObject({ conflicts: 0, pendingChanges: 0 });
    expect(await alice.sync('push')).toMatchObject({ imagesSent: 0, conflicts: 0 });
    await expect(alice.api.sync.resolve({ imageId: aliceConflicts[0].imageId, keep: 'mine' })).rejects.toMatchObject({ code: 'not_found' });
  });

  it('cancels a push while it uploads, keeps what went up, and finishes on the next push', async () => {
    const alice = await teamStudio();
    await alice.api.account.register({ serverUrl: server.url, email: newEmail(), password: PASSWORD });
    const images = Array.from({ length: 12 }, (_, i) => ({ seed: 200 + i, width: 400, height: 300, boxes: [{ class: 'x', x: 1, y: 1, w: 9, h: 9 }] }));
    await makeProject(alice.api, scratch(), 'big', images);
    await alice.api.sync.link({ create: true });
    let cancelled = false;
    const off = alice.api.jobs.onProgress((p) => {
      if (!cancelled && p.kind === 'push' && p.phase === 'working' && p.done > 0) {
        cancelled = true;
        void alice.api.jobs.cancel({ jobId: p.jobId });
      }
    });
    const result = await alice.job(() => alice.api.sync.push());
    off();
    expect(result).toMatchObject({ kind: 'push', status: 'cancelled', report: { cancelled: true, imagesSent: 0 } });
    const first = result.status === 'cancelled' && result.kind === 'push' ? result.report.mediaUploaded : -1;
    expect(first).toBeLessThan(12);
    const rest = await alice.sync('push');
    expect(rest).toMatchObject({ imagesSent: 12, cancelled: false });
    expect(rest.mediaUploaded).toBeLessThanOrEqual(12 - first);
    expect(await alice.api.sync.status()).toMatchObject({ pendingChanges: 0 });
  });

  it('reports an image whose media the server lost, and fetches it on a later pull once the server has it again', async () => {
    const { alice, email, remoteProjectId } = await alicePushed();
    const hash = Object.keys((await snapshot(alice.studio)).images).sort()[0];
    const object = path.join(server.dataDir, 'objects', 'media', hash.slice(0, 2), hash);
    const aside = `${object}.aside`;
    fs.renameSync(object, aside);

    const other = await teamStudio();
    await other.api.account.login({ serverUrl: server.url, email, password: PASSWORD });
    const dir = path.join(scratch(), 'partial');
    const partial = await other.job(() => other.api.sync.clone({ remoteProjectId, dir }));
    expect(partial).toMatchObject({ status: 'ok', report: { imagesReceived: 2, failed: [{ reason: expect.stringMatching(/lost this file/) }] } });

    fs.renameSync(aside, object);
    await other.api.projects.open({ dir });
    expect(await other.sync('pull')).toMatchObject({ imagesReceived: 1, mediaDownloaded: 1, failed: [] });
    expectSameProject(await snapshot(other.studio), await snapshot(alice.studio));
  });

  it('carries the tags of a classification project', async () => {
    const alice = await teamStudio();
    const email = newEmail('tagger');
    await alice.api.account.register({ serverUrl: server.url, email, password: PASSWORD });
    const parent = scratch();
    await alice.api.projects.create({ dir: path.join(parent, 'kinds'), name: 'kinds', task: 'classify' });
    await addImages(alice.api, parent, [{ seed: 51 }, { seed: 52 }]);
    const leaf = await alice.api.classes.create({ name: 'leaf' });
    const bark = await alice.api.classes.create({ name: 'bark' });
    const [first, second] = (await alice.api.images.list({})).items;
    await alice.api.annotations.apply({ imageId: first.id, changes: [{ op: 'create', annotation: { id: 't1', kind: 'tag', classId: leaf.id } }] });
    await alice.api.annotations.apply({ imageId: second.id, changes: [{ op: 'create', annotation: { id: 't2', kind: 'tag', classId: bark.id } }] });
    expect(await alice.sync('push')).toMatchObject({ imagesSent: 2, annotationsApplied: 2 });

    const bob = await cloneOn(email, (await alice.api.sync.status()).link!.remoteProjectId);
    expect(bob.studio.session.require().info.task).toBe('classify');
    const tags = async (t: TeamStudio) => {
      const names = new Map((await t.api.classes.list()).map((c) => [c.id, c.name]));
      const out: Record<string, string[]> = {};
      for (const image of (await t.api.images.list({})).items) out[image.hash] = (await t.api.annotations.forImage({ imageId: image.id })).map((a) => `${a.kind} ${names.get(a.classId)}`);
      return out;
    };
    expect(await tags(bob)).toEqual(await tags(alice));
    expect(Object.values(await tags(bob)).flat().sort()).toEqual(['tag bark', 'tag leaf']);
  });

  it('refuses to link a classification project to a detection project', async () => {
    const { email, remoteProjectId } = await alicePushed();
    const other = await teamStudio();
    await other.api.account.login({ serverUrl: server.url, email, password: PASSWORD });
    await other.api.projects.create({ dir: path.join(scratch(), 'tags'), name: 'tags', task: 'classify' });
    await expect(other.api.sync.link({ remoteProjectId })).rejects.toMatchObject({ code: 'invalid_input', message: /detect/ });
    expect((await other.api.sync.status()).link).toBeNull();
  });
});
