/** Media by hash and label push/pull, with exactly the semantics of server-api.ts's header. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PullLabelsAnswer, ServerImage } from '@shared';
import { BACKENDS, CLASSES, createProject, expectStatus, fakeImage, push, pushImage, register, seedMedia, sha256, share, startTestServer, uploadMedia, type Account, type TestServer } from './harness.js';

for (const backend of BACKENDS) describe(`media and label sync on ${backend.name}`, () => {
  let server: TestServer;
  let owner: Account;
  let annotator: Account;

  beforeAll(async () => {
    if (backend.skip) return;
    server = await startTestServer(backend);
    owner = await register(server.app);
    annotator = await register(server.app);
  });
  afterAll(async () => server?.close());

  async function project(): Promise<string> {
    const id = await createProject(server.app, owner);
    await share(server.app, owner, id, annotator, 'annotator');
    return id;
  }
  /** A pull page, which must match the wire schema exactly (the route sends stored JSON past the serializer). */
  const pull = async (projectId: string, query = '') => {
    const response = expectStatus(await server.app.inject({ method: 'GET', url: `/api/projects/${projectId}/labels${query}`, headers: owner.headers }), 200);
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
    const body = response.json();
    expect(PullLabelsAnswer.strict().parse(body)).toEqual(body);
    for (const image of body.images) expect(ServerImage.strict().parse(image)).toEqual(image);
    return body;
  };

  it.skipIf(backend.skip)('answers which media are missing, takes uploads by hash, idempotently, and gives them back byte for byte', async () => {
    const id = await project();
    const bytes = fakeImage('upload');
    const hash = sha256(bytes);
    const other = sha256(Buffer.from('never uploaded'));
    const ask = () => server.app.inject({ method: 'POST', url: `/api/projects/${id}/images/missing`, headers: annotator.headers, payload: { hashes: [hash, other] } });
    expect(expectStatus(await ask(), 200).json()).toEqual({ missing: [hash, other] });
    expect(expectStatus(await uploadMedia(server.app, annotator, id, bytes), 201).json()).toEqual({ hash, bytes: bytes.length, created: true });
    expect(expectStatus(await uploadMedia(server.app, annotator, id, bytes), 200).json()).toEqual({ hash, bytes: bytes.length, created: false });
    expect(expectStatus(await ask(), 200).json()).toEqual({ missing: [other] });
    const download = expectStatus(await server.app.inject({ method: 'GET', url: `/api/projects/${id}/media/${hash}`, headers: owner.headers }), 200);
    expect(download.rawPayload.equals(bytes)).toBe(true);
    expect(download.headers.etag).toBe(`"${hash}"`);
    // Media are per project: another project does not have it, even though the server does.
    const second = await project();
    expect((await server.app.inject({ method: 'GET', url: `/api/projects/${second}/media/${hash}`, headers: owner.headers })).statusCode).toBe(404);
  });

  it.skipIf(backend.skip)('refuses bytes that do not match their hash, and stores nothing', async () => {
    const id = await project();
    const claimed = sha256(Buffer.from('what the client meant to send'));
    const response = await uploadMedia(server.app, annotator, id, Buffer.from('what arrived instead'), claimed);
    expect(response.statusCode).toBe(400);
    expect(response.json().error.code).toBe('hash_mismatch');
    const missing = expectStatus(await server.app.inject({ method: 'POST', url: `/api/projects/${id}/images/missing`, headers: owner.headers, payload: { hashes: [claimed] } }), 200).json();
    expect(missing.missing).toEqual([claimed]);
  });

  it.skipIf(backend.skip)('applies a push, and the same push again changes nothing', async () => {
    const id = await project();
    const [a, b] = await seedMedia(server.app, annotator, id, 2);
    const body = [pushImage(a, null), pushImage(b, null, [{ kind: 'tag', class: 'dog' }], 'review')];
    const first = expectStatus(await push(server.app, annotator, id, body), 200).json();
    expect(first).toEqual({ applied: [{ hash: a, revision: 1 }, { hash: b, revision: 2 }], conflicts: [], missingMedia: [], revision: 2 });
    const again = expectStatus(await push(server.app, annotator, id, body), 200).json();
    expect(again).toEqual(first);
    const pulled = await pull(id);
    expect(pulled.images).toHaveLength(2);
    expect(pulled.cursor).toBe(2);
    expect(pulled.more).toBe(false);
    expect(pulled.classes).toEqual(CLASSES);
    expect(pulled.images[0]).toMatchObject({ hash: a, revision: 1, status: 'done', updatedBy: annotator.email, annotations: body[0].annotations });
    expect(pulled.images[1]).toMatchObject({ hash: b, revision: 2, status: 'review', annotations: [{ kind: 'tag', class: 'dog' }] });
    const info = expectStatus(await server.app.inject({ method: 'GET', url: `/api/projects/${id}`, headers: owner.headers }), 200).json();
    expect(info).toMatchObject({ revision: 2, imageCount: 2 });
  });

  it.skipIf(backend.skip)('counts equal labels as applied whatever the base revision, annotations in any order', async () => {
    const id = await project();
    const [a] = await seedMedia(server.app, annotator, id, 1);
    const boxes = [
      { kind: 'box' as const, class: 'cat', x: 1, y: 2, w: 3, h: 4 },
      { kind: 'box' as const, class: 'dog', x: 5.5, y: 6.25, w: 7, h: 8 },
    ];
    expectStatus(await push(server.app, annotator, id, [pushImage(a, null, boxes)]), 200);
    const stale = expectStatus(await push(server.app, owner, id, [pushImage(a, null, [...boxes].reverse())]), 200).json();
    expect(stale).toEqual({ applied: [{ hash: a, revision: 1 }], conflicts: [], missingMedia: [], revision: 1 });
  });

  it.skipIf(backend.skip)('answers a conflict with the server copy and writes nothing', async () => {
    const id = await project();
    const [a] = await seedMedia(server.app, annotator, id, 1);
    expectStatus(await push(server.app, annotator, id, [pushImage(a, null)]), 200);
    const theirs = [{ kind: 'box' as const, class: 'dog', x: 0, y: 0, w: 5, h: 5 }];
    expectStatus(await push(server.app, annotator, id, [pushImage(a, 1, theirs)]), 200);
    // The owner still thinks the image is at revision 1.
    const mine = [{ kind: 'tag' as const, class: 'cat' }];
    const answer = expectStatus(await push(server.app, owner, id, [pushImage(a, 1, mine, 'in_progress')]), 200).json();
    expect(answer.applied).toEqual([]);
    expect(answer.revision).toBe(2);
    expect(answer.conflicts).toHaveLength(1);
    expect(answer.conflicts[0]).toMatchObject({ hash: a, server: { revision: 2, annotations: theirs, status: 'done', updatedBy: annotator.email } });
    const pulled = await pull(id);
    expect(pulled.images[0]).toMatchObject({ revision: 2, annotations: theirs });
    // A push with no base for an image the server has is a conflict too.
    const blind = expectStatus(await push(server.app, owner, id, [pushImage(a, null, mine)]), 200).json();
    expect(blind.conflicts.map((c: { hash: string }) => c.hash)).toEqual([a]);
    // Based on the current revision, it applies.
    const resolved = expectStatus(await push(server.app, owner, id, [pushImage(a, 2, mine)]), 200).json();
    expect(resolved.applied).toEqual([{ hash: a, revision: 3 }]);
  });

  it.skipIf(backend.skip)('refuses labels for media the server lacks, and applies the rest', async () => {
    const id = await project();
    const [a] = await seedMedia(server.app, annotator, id, 1);
    const absent = sha256(Buffer.from('not uploaded yet'));
    const answer = expectStatus(await push(server.app, annotator, id, [pushImage(absent, null), pushImage(a, null)]), 200).json();
    expect(answer).toEqual({ applied: [{ hash: a, revision: 1 }], conflicts: [], missingMedia: [absent], revision: 1 });
    expect((await pull(id)).images.map((i: { hash: string }) => i.hash)).toEqual([a]);
  });

  it.skipIf(backend.skip)('merges classes by name: existing keep their colour and order, new ones come after', async () => {
    const id = await project();
    const [a] = await seedMedia(server.app, annotator, id, 1);
    expectStatus(await push(server.app, annotator, id, [], [{ name: 'cat', color: '#111111', order: 0 }]), 200);
    const second = [
      { name: 'bird', color: '#222222', order: 0 },
      { name: 'cat', color: '#333333', order: 5 },
    ];
    expectStatus(await push(server.app, owner, id, [pushImage(a, null, [{ kind: 'tag', class: 'bird' }])], second), 200);
    expect((await pull(id)).classes).toEqual([
      { name: 'cat', color: '#111111', order: 0 },
      { name: 'bird', color: '#222222', order: 1 },
    ]);
  });

  it.skipIf(backend.skip)('refuses annotations of a class the project does not have, writing nothing', async () => {
    const id = await project();
    const [a] = await seedMedia(server.app, annotator, id, 1);
    const response = await push(server.app, annotator, id, [pushImage(a, null, [{ kind: 'tag', class: 'unicorn' }])], [{ name: 'horse', color: '#000000', order: 0 }]);
    expect(response.statusCode).toBe(400);
    expect(response.json().error.message).toContain('unicorn');
    const pulled = await pull(id);
    expect(pulled.images).toEqual([]);
    expect(pulled.classes).toEqual([]);
  });

  it.skipIf(backend.skip)('pages with since and limit, and the cursor never skips an image', async () => {
    const id = await project();
    const hashes = await seedMedia(server.app, annotator, id, 7);
    expectStatus(await push(server.app, annotator, id, hashes.map((h) => pushImage(h, null))), 200);
    const seen: string[] = [];
    let since = 0;
    let pages = 0;
    for (;;) {
      const page = await pull(id, `?since=${since}&limit=3`);
      pages += 1;
      seen.push(...page.images.map((i: { hash: string }) => i.hash));
      since = page.cursor;
      if (!page.more) break;
    }
    expect(pages).toBe(3);
    expect(seen).toEqual(hashes);
    // Change one image: a pull from the last cursor returns only that one.
    expectStatus(await push(server.app, annotator, id, [pushImage(hashes[3], 4, [], 'new')]), 200);
    const after = await pull(id, `?since=${since}`);
    expect(after.images.map((i: { hash: string; revision: number }) => [i.hash, i.revision])).toEqual([[hashes[3], 8]]);
    expect(after.cursor).toBe(8);
    const listed = expectStatus(await server.app.inject({ method: 'GET', url: `/api/projects/${id}/images?limit=5`, headers: owner.headers }), 200).json();
    expect(listed).toMatchObject({ total: 7, more: true });
    expect(listed.images).toHaveLength(5);
    expect(listed.images[0]).toMatchObject({ hash: hashes[0], hasMedia: true, annotationCount: 1 });
  });

  it.skipIf(backend.skip)('of concurrent pushes to one image from the same base, exactly one applies', async () => {
    const id = await project();
    const [a] = await seedMedia(server.app, annotator, id, 1);
    expectStatus(await push(server.app, annotator, id, [pushImage(a, null)]), 200);
    const N = 8;
    const answers = await Promise.all(
      Array.from({ length: N }, (_, i) => push(server.app, i % 2 ? owner : annotator, id, [pushImage(a, 1, [{ kind: 'box', class: 'cat', x: i, y: i, w: 10, h: 10 }])])),
    );
    const bodies = answers.map((r) => expectStatus(r, 200).json());
    const winners = bodies.filter((b) => b.applied.length === 1);
    expect(winners).toHaveLength(1);
    expect(bodies.filter((b) => b.conflicts.length === 1)).toHaveLength(N - 1);
    const final = (await pull(id)).images[0];
    expect(final.revision).toBe(2);
    expect(winners[0].applied[0].revision).toBe(2);
    for (const loser of bodies.filter((b) => b.conflicts.length)) expect(loser.conflicts[0].server.annotations).toEqual(final.annotations);
  });

  it.skipIf(backend.skip)('a viewer may pull but not push or upload', async () => {
    const id = await project();
    const viewer = await register(server.app);
    await share(server.app, owner, id, viewer, 'viewer');
    const [a] = await seedMedia(server.app, annotator, id, 1);
    expect((await push(server.app, viewer, id, [pushImage(a, null)])).statusCode).toBe(403);
    expect((await uploadMedia(server.app, viewer, id, fakeImage('viewer'))).statusCode).toBe(403);
    expect((await pull(id)).images).toEqual([]);
  });
});
