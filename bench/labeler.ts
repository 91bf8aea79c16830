/**
 * bench/labeler: the labeler's canvas in headless Chromium against a scripted studio. One
 * 4000 × 3000 image (opened through its preview, then the original), with 0 boxes (the baseline:
 * the same pan and zoom over the bare image), 2,000 and 5,000 boxes: 5 s of continuous pan and
 * zoom with the real mouse (wheel, middle-button drags), frame times from requestAnimationFrame.
 * Then, with 1,000 boxes on screen, the time from pointerup to the new box painted.
 *
 *   npx vite build && npm run bench:labeler [-- --seconds 5]
 */
import { chromium, type Browser, type Page } from '@playwright/test';
import os from 'node:os';
import sharp from 'sharp';
import type { Annotation, ClassDef } from '@shared';
import { frameSummary, imageRecord, LAUNCH, ORIGIN, percentile, requireRenderer, routeScriptedStudio, startFrames, stopFrames, type ScriptedStudio } from './scripted-studio.js';

const secondsArg = process.argv.indexOf('--seconds');
const SECONDS = secondsArg > 0 ? Number(process.argv[secondsArg + 1]) : 5;
const IMAGE_W = 4000;
const IMAGE_H = 3000;
const VIEWPORT = { width: 1400, height: 900 };

const CLASSES: ClassDef[] = ['car', 'truck', 'person', 'bike', 'bus'].map((name, i) => ({ id: i + 1, name, color: ['#f0716b', '#4f9cf7', '#4fc28a', '#e8b04b', '#b07cf0'][i], order: i }));

/** `count` boxes spread over the image like a dense aerial scene: a jittered grid, mixed sizes. */
function boxes(count: number, imageId: number): Annotation[] {
  const cols = Math.ceil(Math.sqrt((count * IMAGE_W) / IMAGE_H));
  const rows = Math.ceil(count / cols);
  const cellW = IMAGE_W / cols;
  const cellH = IMAGE_H / rows;
  let seed = 42;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const out: Annotation[] = [];
  for (let i = 0; i < count; i++) {
    const c = i % cols;
    const r = Math.floor(i / cols);
    const w = cellW * (0.4 + 0.5 * rand());
    const h = cellH * (0.4 + 0.5 * rand());
    out.push({ id: `b${i}`, imageId, classId: 1 + (i % CLASSES.length), kind: 'box', x: c * cellW + rand() * (cellW - w), y: r * cellH + rand() * (cellH - h), w, h, source: 'import' });
  }
  return out;
}

async function pictures() {
  // A photo-like picture: gradients and shapes, so decoding it costs what a real one does.
  const svg = `<svg width="${IMAGE_W}" height="${IMAGE_H}" xmlns="http://www.w3.org/2000/svg">
    <defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="#6a8caf"/><stop offset="1" stop-color="#2d3b28"/></linearGradient></defs>
    <rect width="100%" height="100%" fill="url(#g)"/>
    ${Array.from({ length: 60 }, (_, i) => `<circle cx="${(i * 661) % IMAGE_W}" cy="${(i * 389) % IMAGE_H}" r="${60 + ((i * 37) % 200)}" fill="hsl(${(i * 47) % 360},40%,50%)" opacity="0.6"/>`).join('')}
  </svg>`;
  const image = await sharp(Buffer.from(svg)).jpeg({ quality: 85 }).toBuffer();
  const preview = await sharp(image).resize(2048, 2048, { fit: 'inside' }).jpeg({ quality: 80 }).toBuffer();
  const thumb = await sharp(image).resize(256, 256, { fit: 'inside' }).jpeg({ quality: 75 }).toBuffer();
  return { image, preview, thumb };
}

async function openImage(browser: Browser, count: number, media: Awaited<ReturnType<typeof pictures>>): Promise<Page> {
  const page = await browser.newPage({ viewport: VIEWPORT });
  const studio: ScriptedStudio = {
    total: 1,
    project: { dir: '/bench', name: 'Bench', task: 'detect', multiLabel: false, createdAt: '2025-01-01', schemaVersion: 1 },
    classes: CLASSES,
    image: (i) => imageRecord(i + 1, IMAGE_W, IMAGE_H, count),
    annotations: new Map([[1, boxes(count, 1)]]),
    media: (kind) => ({ body: kind === 'thumb' ? media.thumb : kind === 'preview' ? media.preview : media.image, contentType: 'image/jpeg' }),
  };
  await routeScriptedStudio(page, studio);
  await page.goto(`${ORIGIN}/`);
  await page.getByTestId('grid-cell').first().click();
  await page.waitForFunction((n) => window.__reticleLabeler?.boxes().length === n && window.__reticleLabeler.sources().full, count, { timeout: 60_000 });
  // Let the original settle on screen before measuring.
  await page.waitForTimeout(500);
  return page;
}

async function stageCentre(page: Page) {
  const box = await page.getByTestId('labeler-canvas').boundingBox();
  if (!box) throw new Error('no stage');
  return { x: box.x + box.width / 2, y: box.y + box.height / 2, box };
}

/**
 * Pans and zooms with the real mouse for `seconds`: wheel in to about 1.6× the fitted size, drag,
 * wheel back out to the whole image, drag back; half the time every box is on screen.
 */
async function panAndZoom(page: Page, seconds: number): Promise<{ frames: number[]; drawn: number[]; paintMs: number }> {
  const { x, y } = await stageCentre(page);
  await page.mouse.move(x, y);
  const before = await page.evaluate(() => window.__reticleLabeler!.paint());
  await startFrames(page);
  const drawn: number[] = [];
  const end = Date.now() + seconds * 1000;
  let direction = 1;
  while (Date.now() < end) {
    for (let i = 0; i < 6 && Date.now() < end; i++) await page.mouse.wheel(0, -50 * direction);
    await page.mouse.down({ button: 'middle' });
    for (let i = 1; i <= 20 && Date.now() < end; i++) await page.mouse.move(x + 12 * i * direction, y + 6 * i * direction);
    await page.mouse.up({ button: 'middle' });
    await page.mouse.move(x, y);
    drawn.push(await page.evaluate(() => window.__reticleLabeler!.paint().drawn));
    direction = -direction;
  }
  const frames = await stopFrames(page);
  const after = await page.evaluate(() => window.__reticleLabeler!.paint());
  return { frames, drawn, paintMs: (after.totalMs - before.totalMs) / Math.max(1, after.paints - before.paints) };
}

/** Draws boxes with the mouse over 1,000 boxes; time from pointerup to the box painted. */
async function newBoxLatency(page: Page, tries: number): Promise<number[]> {
  const painted: number[] = [];
  await page.evaluate(() => {
    const w = window as unknown as { __up: number };
    window.addEventListener('pointerup', (e) => (w.__up = e.timeStamp), { capture: true });
  });
  for (let i = 0; i < tries; i++) {
    const from = await page.evaluate(([ix, iy]) => window.__reticleLabeler!.clientPoint(ix, iy), [300 + i * 300, 400 + (i % 3) * 700] as const);
    const before = await page.evaluate(() => window.__reticleLabeler!.boxes().length);
    // Wait for the result in the page, from the moment the button goes up.
    const result = page.evaluate(
      (n) =>
        new Promise<number>((resolve) => {
          const w = window as unknown as { __up: number };
          const check = () => {
            const p = window.__reticleLabeler!.paint();
            if (window.__reticleLabeler!.boxes().length > n && p.at > w.__up) resolve(p.at - w.__up);
            else requestAnimationFrame(check);
          };
          requestAnimationFrame(check);
        }),
      before,
    );
    await page.mouse.move(from.x, from.y);
    await page.mouse.down();
    await page.mouse.move(from.x + 40, from.y + 30, { steps: 4 });
    await page.mouse.up();
    painted.push(await result);
    await page.keyboard.press('Escape');
  }
  return painted;
}

requireRenderer();
const media = await pictures();
const browser = await chromium.launch(LAUNCH);
const version = browser.version();
console.log(`bench/labeler: Chromium ${version} (headless, software rendering), ${os.cpus()[0]?.model ?? 'cpu'}, ${VIEWPORT.width}×${VIEWPORT.height}, image ${IMAGE_W}×${IMAGE_H}, ${SECONDS} s of pan and zoom each`);
try {
  for (const count of [0, 2000, 5000]) {
    const page = await openImage(browser, count, media);
    const { frames, drawn, paintMs } = await panAndZoom(page, SECONDS);
    const label = count === 0 ? '0 boxes (baseline)' : `${count} boxes`;
    const onScreen = count === 0 ? '' : `; boxes on screen ${Math.min(...drawn)}–${Math.max(...drawn)}; the boxes layer's paint call ${paintMs.toFixed(1)} ms on average`;
    console.log(`${label}: ${frameSummary(frames)}${onScreen}`);
    await page.close();
  }
  const page = await openImage(browser, 1000, media);
  const painted = await newBoxLatency(page, 10);
  console.log(`new box with 1000 on screen: ${percentile(painted, 50).toFixed(1)} ms (median of ${painted.length}, worst ${Math.max(...painted).toFixed(1)} ms; pointerup → the boxes layer painted with it)`);
  await page.close();
} finally {
  await browser.close();
}
