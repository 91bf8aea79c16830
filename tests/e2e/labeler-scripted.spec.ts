/**
 * The labeler against a scripted studio (Playwright answers the WebSocket and the media itself):
 * what a real studio cannot easily be made to do on cue. A huge image arriving slowly, saves
 * failing and then succeeding, an edit pushed from elsewhere. Needs the built renderer.
 */
import { expect, test, type Page, type WebSocketRoute } from '@playwright/test';
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import type { Annotation, AnnotationChange, ImageRecord, WireCall } from '@shared';

const ROOT = path.resolve(import.meta.dirname, '../..');
const RENDERER = path.join(ROOT, 'dist/renderer');
const ORIGIN = 'http://studio.test';

interface Script {
  image: ImageRecord;
  annotations: Annotation[];
  media: Record<string, { body: Buffer; delayMs?: number }>;
  /** Answers for the next apply calls: an error code, or null to apply. */
  applyFailures: (string | null)[];
  applyCalls: AnnotationChange[][];
  socket: WebSocketRoute | null;
}

function record(id: number, width: number, height: number): ImageRecord {
  return { id, hash: String(id).padStart(64, '0'), name: `big-${id}.jpg`, originalPath: `/data/big-${id}.jpg`, format: 'jpeg', width, height, bytes: 1, status: 'new', split: null, splitPinned: false, annotationCount: 0, createdAt: '' };
}

async function openScripted(page: Page, script: Script) {
  test.skip(!fs.existsSync(path.join(RENDERER, 'index.html')), 'the renderer is not built');
  await page.route(`${ORIGIN}/**`, async (route) => {
    const url = new URL(route.request().url());
    const media = /^\/media\/(thumb|preview|image)\/\d+$/.exec(url.pathname);
    if (media) {
      const answer = script.media[media[1]];
      if (!answer) return route.fulfill({ status: 404 });
      if (answer.delayMs) await new Promise((r) => setTimeout(r, answer.delayMs));
      return route.fulfill({ body: answer.body, contentType: 'image/jpeg' });
    }
    const file = path.join(RENDERER, url.pathname === '/' ? 'index.html' : url.pathname);
    if (!file.startsWith(RENDERER) || !fs.existsSync(file)) return route.fulfill({ status: 404 });
    return route.fulfill({ path: file });
  });
  await page.routeWebSocket('ws://studio.test/api', (ws) => {
    script.socket = ws;
    ws.onMessage((raw) => {
      const call = JSON.parse(String(raw)) as WireCall;
      const reply = (value: unknown) => ws.send(JSON.stringify({ t: 'result', id: call.id, envelope: { ok: true, value } }));
      const fail = (code: string, message: string) => ws.send(JSON.stringify({ t: 'result', id: call.id, envelope: { ok: false, error: { code, message } } }));
      const input = (call.input ?? {}) as Record<string, unknown>;
      switch (call.channel) {
        case 'reticle:app.info':
          return reply({ version: 'test', mode: 'serve', platform: 'linux', nativeDialogs: false, uploadsDroppedFiles: true });
        case 'reticle:projects.current':
          return reply({ dir: '/p', name: 'Big', task: 'detect', multiLabel: false, createdAt: '', schemaVersion: 1 });
        case 'reticle:classes.list':
          return reply([{ id: 1, name: 'ship', color: '#ff8800', order: 0 }]);
        case 'reticle:jobs.list':
          return reply([]);
        case 'reticle:images.counts':
          return reply({ all: 1, unlabeled: 1, labeled: 0, byStatus: { new: 1, in_progress: 0, done: 0, review: 0 }, byClass: {} });
        case 'reticle:images.list':
          return reply({ total: 1, offset: 0, items: [script.image] });
        case 'reticle:annotations.forImage':
          return reply(script.annotations);
        case 'reticle:annotations.apply': {
          const changes = input.changes as AnnotationChange[];
          script.applyCalls.push(changes);
          const failure = script.applyFailures.shift();
          if (failure) return fail(failure, 'the disk is busy');
          for (const c of changes) {
            if (c.op === 'create') script.annotations.push({ ...c.annotation, imageId: script.image.id, source: 'manual' } as Annotation);
            else if (c.op === 'delete') script.annotations = script.annotations.filter((a) => a.id !== c.id);
            else script.annotations = script.annotations.map((a) => (a.id === c.id ? ({ ...a, ...c.patch } as Annotation) : a));
          }
          return reply({ imageId: script.image.id, annotations: script.annotations, status: 'in_progress' });
        }
        default:
          return fail('unsupported', `not scripted: ${call.channel}`);
      }
    });
  });
  await page.goto(`${ORIGIN}/`);
  await page.getByTestId('grid-cell').first().click();
  await expect.poll(() => page.evaluate(() => window.__reticleLabeler?.imageId() ?? null)).toBe(script.image.id);
}

async function jpeg(width: number, height: number, colour: { r: number; g: number; b: number }): Promise<Buffer> {
  const mark = await sharp({ create: { width: Math.round(width / 8), height: Math.round(height / 8), channels: 3, background: { r: 255, g: 255, b: 255 } } })
    .png()
    .toBuffer();
  return sharp({ create: { width, height, channels: 3, background: colour } })
    .composite([{ input: mark, left: Math.round((width * 7) / 8) - 1, top: Math.round((height * 7) / 8) - 1 }])
    .jpeg({ quality: 80 })
    .toBuffer();
}

test('an 8000 × 8000 image opens through its preview, and swaps to the original decoded off the main thread', async ({ page }) => {
  const [preview, full, thumb] = await Promise.all([jpeg(2048, 2048, { r: 30, g: 60, b: 90 }), jpeg(8000, 8000, { r: 30, g: 60, b: 90 }), jpeg(256, 256, { r: 30, g: 60, b: 90 })]);
  const script: Script = {
    image: record(1, 8000, 8000),
    annotations: [{ id: 'far', imageId: 1, classId: 1, kind: 'box', x: 7000, y: 7000, w: 1000, h: 1000, source: 'manual' }],
    media: { thumb: { body: thumb }, preview: { body: preview }, image: { body: full, delayMs: 1500 } },
    applyFailures: [],
    applyCalls: [],
    socket: null,
  };
  // How each picture gets decoded. Decoding 64 megapixels on the main thread stalls the page for
  // 400–700 ms; `createImageBitmap` on the fetched bytes decodes them off it, and drawing the
  // bitmap never decodes again (see image-source.ts). The frames themselves are bench/labeler's
  // business: their length on a busy machine says little about the code.
  await page.addInitScript(() => {
    const w = window as unknown as { __decodes: { via: string; width: number }[] };
    w.__decodes = [];
    const createBitmap = window.createImageBitmap.bind(window) as (...args: unknown[]) => Promise<ImageBitmap>;
    window.createImageBitmap = (async (...args: unknown[]) => {
      const bitmap = await createBitmap(...args);
      const source = args[0];
      w.__decodes.push({ via: `createImageBitmap(${source instanceof Blob ? 'Blob' : (source as object).constructor.name})`, width: bitmap.width });
      return bitmap;
    }) as typeof window.createImageBitmap;
    const decode = HTMLImageElement.prototype.decode;
    HTMLImageElement.prototype.decode = function (this: HTMLImageElement) {
      return decode.call(this).then(() => void w.__decodes.push({ via: 'img.decode', width: this.naturalWidth }));
    };
  });
  await openScripted(page, script);
  const sources = () => page.evaluate(() => window.__reticleLabeler!.sources());
  await expect.poll(sources).toMatchObject({ preview: true, full: false, previewWidth: 2048 });
  await expect(page.getByTestId('labeler-canvas')).toHaveAttribute('data-picture', 'preview');
  // Drawn at the image's real size: the box in the far corner sits over the far corner.
  const vp = await page.evaluate(() => window.__reticleLabeler!.viewport());
  const stage = (await page.getByTestId('labeler-canvas').boundingBox())!;
  const corner = await page.evaluate(() => window.__reticleLabeler!.clientPoint(8000, 8000));
  expect(Math.abs(corner.x - (stage.x + vp.x + 8000 * vp.scale))).toBeLessThan(1);
  expect(Math.abs(8000 * vp.scale - Math.min(stage.width, stage.height))).toBeLessThan(40);

  await expect.poll(sources, { timeout: 20_000 }).toMatchObject({ full: true, fullWidth: 8000 });
  await expect(page.getByTestId('labeler-canvas')).toHaveAttribute('data-picture', 'full');
  // The boxes did not move: still in image pixels.
  expect(await page.evaluate(() => window.__reticleLabeler!.boxes())).toEqual([{ id: 'far', classId: 1, x: 7000, y: 7000, w: 1000, h: 1000 }]);
  // Zoomed in past the preview's detail, the original is what is drawn; wheel zoom works.
  const centre = { x: stage.x + stage.width / 2, y: stage.y + stage.height / 2 };
  await page.mouse.move(centre.x, centre.y);
  for (let i = 0; i < 10; i++) await page.mouse.wheel(0, -120);
  await expect.poll(async () => (await page.evaluate(() => window.__reticleLabeler!.viewport())).scale).toBeGreaterThan(vp.scale * 2);
  await expect(page.getByTestId('labeler-canvas')).toHaveAttribute('data-picture', 'full');
  // The preview and the original were each decoded once, from their bytes, off the main thread;
  // nothing decoded the original again on it (an <img>, or a bitmap made from one).
  const decodes = await page.evaluate(() => (window as unknown as { __decodes: { via: string; width: number }[] }).__decodes);
  expect(decodes.filter((d) => d.width >= 2048)).toEqual([
    { via: 'createImageBitmap(Blob)', width: 2048 },
    { via: 'createImageBitmap(Blob)', width: 8000 },
  ]);
});

test('saves that fail show "failed — retrying", then land once the studio answers', async ({ page }) => {
  const thumb = await jpeg(256, 192, { r: 90, g: 90, b: 90 });
  const script: Script = {
    image: record(1, 800, 600),
    annotations: [],
    media: { thumb: { body: thumb }, image: { body: await jpeg(800, 600, { r: 90, g: 90, b: 90 }) } },
    applyFailures: ['io', 'io', null],
    applyCalls: [],
    socket: null,
  };
  await openScripted(page, script);
  const at = (x: number, y: number) => page.evaluate(([px, py]) => window.__reticleLabeler!.clientPoint(px, py), [x, y] as const);
  const a = await at(100, 100);
  const b = await at(300, 250);
  await page.mouse.move(a.x, a.y);
  await page.mouse.down();
  await page.mouse.move(b.x, b.y, { steps: 5 });
  await page.mouse.up();
  await expect(page.getByTestId('save-status')).toHaveText('Failed — retrying');
  await expect(page.getByTestId('save-status')).toHaveText('Saved');
  expect(script.applyCalls).toHaveLength(3);
  // Every try carried the same gesture.
  expect(new Set(script.applyCalls.map((c) => JSON.stringify(c))).size).toBe(1);
  expect(script.annotations).toHaveLength(1);
});

test('an edit made elsewhere shows on the open image; the labeler keeps its own when they agree', async ({ page }) => {
  const thumb = await jpeg(256, 192, { r: 90, g: 40, b: 40 });
  const script: Script = {
    image: record(1, 800, 600),
    annotations: [{ id: 'mine', imageId: 1, classId: 1, kind: 'box', x: 10, y: 10, w: 50, h: 50, source: 'manual' }],
    media: { thumb: { body: thumb }, image: { body: await jpeg(800, 600, { r: 90, g: 40, b: 40 }) } },
    applyFailures: [],
    applyCalls: [],
    socket: null,
  };
  await openScripted(page, script);
  script.annotations = [...script.annotations, { id: 'theirs', imageId: 1, classId: 1, kind: 'box', x: 400, y: 300, w: 80, h: 60, source: 'manual' }];
  script.socket!.send(JSON.stringify({ t: 'event', channel: 'reticle:annotations.onChanged', payload: { imageId: 1 } }));
  await expect.poll(async () => (await page.evaluate(() => window.__reticleLabeler!.boxes())).map((b) => b.id).sort()).toEqual(['mine', 'theirs']);
  await expect(page.getByTestId('viewer-annotation-count')).toHaveText('2');
});
