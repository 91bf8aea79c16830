import { describe, expect, it } from 'vitest';
import { StudioError, type ImageFilter, type ImagePage, type ImageRecord } from '@shared';
import { createGridStore, type PageLoader } from '../../../src-renderer/stores/grid-store.js';

function record(id: number, name = `img${id}.jpg`): ImageRecord {
  return {
    id,
    hash: String(id).padStart(64, '0'),
    name,
    originalPath: `/data/${name}`,
    format: 'jpeg',
    width: 640,
    height: 480,
    bytes: 1000,
    status: 'new',
    split: null,
    splitPinned: false,
    annotationCount: 0,
    createdAt: '2025-01-01T00:00:00.000Z',
  };
}

interface Request {
  filter: ImageFilter;
  offset: number;
  limit: number;
  resolve(page: ImagePage): void;
  reject(err: unknown): void;
}

/** A loader whose answers the test hands out one by one; the server holds `total` images. */
function controlledLoader(total: () => number, name: (id: number) => string = (id) => `img${id}.jpg`) {
  const requests: Request[] = [];
  /** Offsets of every request ever made. */
  const history: number[] = [];
  const load: PageLoader = (query) =>
    new Promise<ImagePage>((resolve, reject) => {
      history.push(query.offset);
      requests.push({ ...query, resolve, reject });
    });
  const answer = (req: Request) => {
    const items: ImageRecord[] = [];
    for (let i = req.offset; i < Math.min(total(), req.offset + req.limit); i++) items.push(record(i + 1, name(i + 1)));
    req.resolve({ total: total(), offset: req.offset, items });
  };
  const answerAll = async () => {
    while (requests.length) {
      for (const req of requests.splice(0)) answer(req);
      await flush();
    }
  };
  return { load, requests, history, answer, answerAll };
}

const flush = () => new Promise((r) => setTimeout(r, 0));

describe('grid page cache', () => {
  it('fetches the pages of the images on screen, and no page twice', async () => {
    const server = controlledLoader(() => 1000);
    const grid = createGridStore(server.load, { pageSize: 100 });
    grid.getState().want(150, 260);
    expect(server.requests.map((r) => r.offset)).toEqual([100, 200]);
    await server.answerAll();
    expect(grid.getState().total).toBe(1000);
    expect(grid.getState().itemAt(150)?.id).toBe(151);
    expect(grid.getState().itemAt(299)?.id).toBe(300);
    expect(grid.getState().itemAt(300)).toBeUndefined();

    // Scrolling back over cached pages asks for nothing.
    grid.getState().want(120, 180);
    grid.getState().want(150, 260);
    expect(server.requests).toHaveLength(0);
  });

  it('only fetches pages still on screen when the user scrolls past faster than they load', async () => {
    const server = controlledLoader(() => 100_000);
    const grid = createGridStore(server.load, { pageSize: 100, concurrency: 2 });
    grid.getState().want(0, 50);
    // Dragging the scrollbar: ranges fly by while the first request is still out.
    for (let start = 1000; start < 50_000; start += 1000) grid.getState().want(start, start + 50);
    grid.getState().want(90_000, 90_050);
    await server.answerAll();
    // The two requests already out, then straight to where the user stopped.
    expect(server.history).toEqual([0, 1000, 90_000]);
    expect(grid.getState().itemAt(90_000)?.id).toBe(90_001);
    // At most the concurrency's worth of stale pages came in on the way.
    expect(grid.getState().pages.size).toBeLessThanOrEqual(3);
  });

  it('keeps a bounded number of pages, never dropping the ones on screen', async () => {
    const server = controlledLoader(() => 10_000);
    const grid = createGridStore(server.load, { pageSize: 10, maxPages: 3 });
    for (const start of [0, 10, 20, 30, 40]) {
      grid.getState().want(start, start + 5);
      await server.answerAll();
    }
    const pages = [...grid.getState().pages.keys()].sort((a, b) => a - b);
    expect(pages).toEqual([2, 3, 4]);
    // A wide view keeps all its pages even above the bound.
    grid.getState().want(0, 60);
    await server.answerAll();
    expect(grid.getState().pages.size).toBe(6);
  });

  it('drops answers for a filter the user already left', async () => {
    const server = controlledLoader(() => 500);
    const grid = createGridStore(server.load, { pageSize: 100 });
    grid.getState().want(0, 40);
    const stale = server.requests.splice(0);
    grid.getState().setFilter({ kind: 'unlabeled' });
    expect(grid.getState().total).toBeNull();
    const fresh = server.requests.splice(0);
    expect(fresh.map((r) => r.filter)).toEqual([{ kind: 'unlabeled' }]);

    // The new list has 3 images; the old answer (500 images) arrives late and must not land.
    fresh[0].resolve({ total: 3, offset: 0, items: [record(7), record(8), record(9)] });
    await flush();
    server.answer(stale[0]);
    await flush();
    expect(grid.getState().total).toBe(3);
    expect(grid.getState().itemAt(0)?.id).toBe(7);
    expect(grid.getState().itemAt(3)).toBeUndefined();
  });

  it('keeps showing the old images during a refresh, then shows the new ones', async () => {
    let total = 5;
    let version = 1;
    const server = controlledLoader(
      () => total,
      (id) => `v${version}-${id}.jpg`,
    );
    const grid = createGridStore(server.load, { pageSize: 100 });
    grid.getState().want(0, 20);
    await server.answerAll();
    expect(grid.getState().itemAt(0)?.name).toBe('v1-1.jpg');

    total = 8;
    version = 2;
    grid.getState().refresh();
    // Until the new page arrives, the grid still has something to show.
    expect(grid.getState().itemAt(0)?.name).toBe('v1-1.jpg');
    expect(server.requests).toHaveLength(1);
    await server.answerAll();
    expect(grid.getState().total).toBe(8);
    expect(grid.getState().itemAt(0)?.name).toBe('v2-1.jpg');
    expect(grid.getState().itemAt(7)?.id).toBe(8);
  });

  it('shows why a page failed to load, and loads it again on refresh', async () => {
    const server = controlledLoader(() => 50);
    const grid = createGridStore(server.load, { pageSize: 100 });
    grid.getState().want(0, 20);
    server.requests.shift()!.reject(new StudioError('io', 'The disk went away.'));
    await flush();
    expect(grid.getState().error).toBe('The disk went away.');
    // Not retried in a loop by the next scroll...
    grid.getState().want(0, 21);
    expect(server.requests).toHaveLength(0);
    // ...but by an explicit refresh.
    grid.getState().refresh();
    await server.answerAll();
    expect(grid.getState().error).toBeNull();
    expect(grid.getState().itemAt(49)?.id).toBe(50);
  });

  it('fetches the page of an image that is not cached (the viewer stepping past the screen)', async () => {
    const server = controlledLoader(() => 1000);
    const grid = createGridStore(server.load, { pageSize: 100 });
    const pending = grid.getState().fetchItem(456);
    expect(server.requests.map((r) => r.offset)).toEqual([400]);
    await server.answerAll();
    await expect(pending).resolves.toMatchObject({ id: 457 });
    const past = grid.getState().fetchItem(5000);
    await server.answerAll();
    await expect(past).resolves.toBeNull();
  });

  it('forgets everything when another project opens', async () => {
    const server = controlledLoader(() => 10);
    const grid = createGridStore(server.load, { pageSize: 100 });
    grid.getState().setFilter({ kind: 'labeled' });
    await server.answerAll();
    expect(grid.getState().itemAt(0)).toBeDefined();
    grid.getState().reset();
    expect(grid.getState()).toMatchObject({ total: null, filter: { kind: 'all' } });
    expect(grid.getState().itemAt(0)).toBeUndefined();
    grid.getState().want(0, 10);
    expect(server.requests.map((r) => r.filter)).toEqual([{ kind: 'all' }]);
  });
});
