/**
 * The renderer alone, against a scripted studio: Playwright answers the page's WebSocket and
 * media requests itself, so the grid can be tried at 100,000 images without importing them, and
 * the connection can be dropped on purpose. Needs the built renderer (`npx vite build`).
 */
import { expect, test, type Page, type WebSocketRoute } from '@playwright/test';
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import type { ImageRecord, WireCall } from '@shared';

const ROOT = path.resolve(import.meta.dirname, '../..');
const RENDERER = path.join(ROOT, 'dist/renderer');
const ORIGIN = 'http://studio.test';
const TOTAL = 100_000;

function record(id: number): ImageRecord {
  return {
    id,
    hash: id.toString(16).padStart(64, '0'),
    name: `img-${id}.jpg`,
    originalPath: `/data/img-${id}.jpg`,
    format: 'jpeg',
    width: 640,
    height: 480,
    bytes: 50_000,
    status: 'new',
    split: null,
    splitPinned: false,
    annotationCount: 0,
    createdAt: '2025-01-01T00:00:00.000Z',
  };
}

interface ScriptedStudio {
  listCalls: { offset: number; limit: number }[];
  calls: WireCall[];
  uploads: { path: string; body: string }[];
  sockets: WebSocketRoute[];
}

async function openScriptedStudio(page: Page): Promise<ScriptedStudio> {
  test.skip(!fs.existsSync(path.join(RENDERER, 'index.html')), 'the renderer is not built');
  const thumb = await sharp({ create: { width: 256, height: 192, channels: 3, background: { r: 40, g: 70, b: 100 } } }).jpeg().toBuffer();
  const studio: ScriptedStudio = { listCalls: [], calls: [], uploads: [], sockets: [] };

  await page.route(`${ORIGIN}/**`, async (route) => {
    const url = new URL(route.request().url());
    if (url.pathname.startsWith('/media/')) return route.fulfill({ body: thumb, contentType: 'image/jpeg' });
    if (url.pathname.startsWith('/upload/') && route.request().method() === 'PUT') {
      studio.uploads.push({ path: decodeURIComponent(url.pathname), body: route.request().postData() ?? '' });
      return route.fulfill({ status: 201, contentType: 'application/json', body: '{"ok":true}' });
    }
    const file = path.join(RENDERER, url.pathname === '/' ? 'index.html' : url.pathname);
    if (!file.startsWith(RENDERER) || !fs.existsSync(file)) return route.fulfill({ status: 404 });
    return route.fulfill({ path: file });
  });

  await page.routeWebSocket(`ws://studio.test/api`, (ws) => {
    studio.sockets.push(ws);
    ws.onMessage((raw) => {
      const call = JSON.parse(String(raw)) as WireCall;
      studio.calls.push(call);
      const reply = (value: unknown) => ws.send(JSON.stringify({ t: 'result', id: call.id, envelope: { ok: true, value } }));
      switch (call.channel) {
        case 'reticle:app.info':
          return reply({ version: 'test', mode: 'serve', platform: 'linux', nativeDialogs: false, uploadsDroppedFiles: true });
        case 'reticle:projects.current':
          return reply({ dir: '/projects/big', name: 'Big', task: 'detect', multiLabel: false, createdAt: '2025-01-01', schemaVersion: 1 });
        case 'reticle:classes.list':
        case 'reticle:jobs.list':
          return reply([]);
        case 'reticle:images.counts':
          return reply({ all: TOTAL, unlabeled: TOTAL, labeled: 0, byStatus: { new: TOTAL, in_progress: 0, done: 0, review: 0 }, byClass: {} });
        case 'reticle:annotations.forImage':
          return reply([]);
        case 'reticle:imports.start':
          return reply({ jobId: 'import-1' });
        case 'reticle:images.list': {
          const { offset = 0, limit = 200 } = (call.input ?? {}) as { offset?: number; limit?: number };
          studio.listCalls.push({ offset, limit });
          const items: ImageRecord[] = [];
          for (let i = offset; i < Math.min(TOTAL, offset + limit); i++) items.push(record(i + 1));
          return reply({ total: TOTAL, offset, items });
        }
        default:
          return ws.send(JSON.stringify({ t: 'result', id: call.id, envelope: { ok: false, error: { code: 'unsupported', message: `not scripted: ${call.channel}` } } }));
      }
    });
  });

  await page.goto(`${ORIGIN}/`);
  await expect(page.getByTestId('image-grid')).toHaveAttribute('data-total', String(TOTAL));
  return studio;
}

test('the grid mounts only what is on screen and fetches only the pages it shows, at 100,000 images', async ({ page }) => {
  const studio = await openScriptedStudio(page);
  const grid = page.getByTestId('image-grid');
  const cells = page.getByTestId('grid-cell');
  await expect(cells.first()).toHaveAttribute('data-image-id', '1');
  expect(await cells.count()).toBeLessThan(120);

  // Drag the scrollbar to the bottom: the last image is there, and nothing in between was fetched.
  await grid.evaluate((el) => (el.scrollTop = el.scrollHeight));
  await expect(page.locator('[data-testid=grid-cell][data-index="99999"]')).toBeVisible();
  await expect(page.locator('[data-testid=grid-cell][data-index="99999"]')).toHaveAttribute('data-image-id', String(TOTAL));
  expect(await cells.count()).toBeLessThan(120);
  const fetched = studio.listCalls.map((c) => c.offset);
  expect(fetched.every((offset) => offset < 1000 || offset > TOTAL - 1000)).toBe(true);

  // Jump to the middle: only what is on screen is mounted there too. (Frame times are measured
  // by bench/grid, not asserted in a test.)
  await grid.evaluate((el) => (el.scrollTop = el.scrollHeight / 2));
  const firstIndex = async () => Number(await cells.first().getAttribute('data-index'));
  // Wait for the grid to render there: until it does, its first cell is still the bottom's.
  await expect.poll(async () => {
    const first = await firstIndex();
    return first > 45_000 && first < 55_000 ? 'the middle' : `index ${first}`;
  }).toBe('the middle');
  expect(await cells.count()).toBeLessThan(120);

  // The middle of the list shows its own images once their page arrives.
  const index = await firstIndex();
  await expect(page.locator(`[data-testid=grid-cell][data-index="${index}"]`)).toHaveAttribute('data-image-id', String(index + 1));
});

test('the viewer steps across page boundaries of the list', async ({ page }) => {
  await openScriptedStudio(page);
  const grid = page.getByTestId('image-grid');
  // Bring index 199 (the last of the first page) on screen and open it.
  await grid.evaluate((el) => (el.scrollTop = 0));
  const cell = page.locator('[data-testid=grid-cell][data-index="199"]');
  // Only mounted rows exist: wheel down until that row is mounted.
  await grid.hover();
  for (let i = 0; i < 40 && (await cell.count()) === 0; i++) await page.mouse.wheel(0, 400);
  await cell.scrollIntoViewIfNeeded();
  await cell.click();
  const viewer = page.getByTestId('image-viewer');
  await expect(viewer.getByTestId('viewer-name')).toHaveText('img-200.jpg');
  await page.keyboard.press('ArrowRight');
  await expect(viewer.getByTestId('viewer-name')).toHaveText('img-201.jpg');
  await expect(viewer.getByTestId('viewer-position')).toHaveText('201 / 100000');
  await page.keyboard.press('a');
  await expect(viewer.getByTestId('viewer-name')).toHaveText('img-200.jpg');
  await page.keyboard.press('Escape');
  await expect(viewer).toBeHidden();
});

test('files dropped on the grid are uploaded and imported', async ({ page }) => {
  const studio = await openScriptedStudio(page);
  const dataTransfer = await page.evaluateHandle(() => {
    const dt = new DataTransfer();
    dt.items.add(new File(['first image'], 'one.jpg', { type: 'image/jpeg' }));
    dt.items.add(new File(['second image'], 'two #2.jpg', { type: 'image/jpeg' }));
    return dt;
  });
  const zone = page.getByTestId('drop-zone');
  await zone.dispatchEvent('dragenter', { dataTransfer });
  await expect(page.getByTestId('drop-overlay')).toBeVisible();
  await zone.dispatchEvent('drop', { dataTransfer });
  await expect(page.getByTestId('drop-overlay')).toBeHidden();

  await expect.poll(() => studio.calls.filter((c) => c.channel === 'reticle:imports.start').length).toBe(1);
  const start = studio.calls.find((c) => c.channel === 'reticle:imports.start')!.input as { paths: string[]; uploadId: string; format: string };
  expect(start.paths.sort()).toEqual(['one.jpg', 'two #2.jpg']);
  expect(start.format).toBe('auto');
  expect(studio.uploads.map((u) => u.path).sort()).toEqual([`/upload/${start.uploadId}/one.jpg`, `/upload/${start.uploadId}/two #2.jpg`]);
  expect(studio.uploads.find((u) => u.path.endsWith('one.jpg'))!.body).toBe('first image');
  // The job shows as running until the studio reports on it.
  await expect(page.getByTestId('job-import')).toBeVisible();
});

test('a dropped connection shows a banner, and the page recovers when the studio is back', async ({ page }) => {
  const studio = await openScriptedStudio(page);
  await expect(page.getByTestId('connection-banner')).toBeHidden();
  await studio.sockets[0].close();
  // The transport reconnects on its own (the scripted studio accepts at once); the banner shows meanwhile.
  await expect(page.getByTestId('connection-banner')).toBeVisible();
  await expect(page.getByTestId('connection-banner')).toBeHidden();
  expect(studio.sockets.length).toBeGreaterThanOrEqual(2);
  // After reconnecting, the page loads the project again over the new socket.
  await expect(page.getByTestId('project-name')).toHaveText('Big');
  await expect(page.getByTestId('filter-all-count')).toHaveText('100,000');
});

test('on the desktop, dropped files are imported in place by their disk paths, not uploaded', async ({ page }) => {
  test.skip(!fs.existsSync(path.join(RENDERER, 'index.html')), 'the renderer is not built');
  // A test double of the preload's bridge: scripted answers, and the paths a real drop carries.
  await page.addInitScript(() => {
    const calls: { channel: string; input: unknown }[] = [];
    const answers: Record<string, unknown> = {
      'reticle:app.info': { version: 'test', mode: 'desktop', platform: 'linux', nativeDialogs: true, uploadsDroppedFiles: false },
      'reticle:projects.current': { dir: '/projects/p', name: 'Desk', task: 'detect', multiLabel: false, createdAt: '2025-01-01', schemaVersion: 1 },
      'reticle:classes.list': [],
      'reticle:jobs.list': [],
      'reticle:images.counts': { all: 0, unlabeled: 0, labeled: 0, byStatus: { new: 0, in_progress: 0, done: 0, review: 0 }, byClass: {} },
      'reticle:images.list': { total: 0, offset: 0, items: [] },
      'reticle:imports.start': { jobId: 'import-desk' },
    };
    Object.assign(window, {
      __calls: calls,
      reticle: {
        invoke: async (channel: string, input: unknown) => {
          calls.push({ channel, input });
          return channel in answers ? { ok: true, value: answers[channel] } : { ok: false, error: { code: 'unsupported', message: channel } };
        },
        on: () => () => undefined,
        pathForFile: (file: File) => `/home/me/photos/${file.name}`,
      },
    });
  });
  const uploads: string[] = [];
  await page.route(`${ORIGIN}/**`, async (route) => {
    const url = new URL(route.request().url());
    if (url.pathname.startsWith('/upload/')) uploads.push(url.pathname);
    const file = path.join(RENDERER, url.pathname === '/' ? 'index.html' : url.pathname);
    if (!file.startsWith(RENDERER) || !fs.existsSync(file)) return route.fulfill({ status: 404 });
    return route.fulfill({ path: file });
  });
  await page.goto(`${ORIGIN}/`);
  await expect(page.getByTestId('drop-zone')).toBeVisible();

  const dataTransfer = await page.evaluateHandle(() => {
    const dt = new DataTransfer();
    dt.items.add(new File(['a'], 'holiday', { type: '' }));
    dt.items.add(new File(['b'], 'cat.jpg', { type: 'image/jpeg' }));
    return dt;
  });
  const zone = page.getByTestId('drop-zone');
  await zone.dispatchEvent('dragenter', { dataTransfer });
  await zone.dispatchEvent('drop', { dataTransfer });

  const started = () =>
    page.evaluate(() => (window as unknown as { __calls: { channel: string; input: unknown }[] }).__calls.filter((c) => c.channel === 'reticle:imports.start').map((c) => c.input));
  await expect.poll(started).toEqual([{ paths: ['/home/me/photos/holiday', '/home/me/photos/cat.jpg'], format: 'auto', allowOutside: false }]);

  // The file picker works the same way: the chosen files are imported where they are.
  const picked = fs.mkdtempSync(path.join(ROOT, 'test-results', 'picked-'));
  for (const name of ['dog.jpg', 'owl.png']) fs.writeFileSync(path.join(picked, name), 'x');
  await page.setInputFiles('[data-testid=import-files-input]', [path.join(picked, 'dog.jpg'), path.join(picked, 'owl.png')]);
  await expect.poll(started).toHaveLength(2);
  expect((await started())[1]).toEqual({ paths: ['/home/me/photos/dog.jpg', '/home/me/photos/owl.png'], format: 'auto', allowOutside: false });
  expect(uploads).toEqual([]);
});
