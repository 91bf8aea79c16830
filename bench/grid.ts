/**
 * bench/grid: the thumbnail grid in headless Chromium against a scripted studio holding 100,000
 * images (generated rows; 64 distinct generated thumbnails, so every cell decodes a real JPEG).
 * Prints the first paint of the grid (navigation start → the first screen of thumbnails shown),
 * the frame times of 5 s of steady scrolling (and of a fling twice as fast), and idle frames from
 * the same run as a baseline.
 *
 *   npx vite build && npm run bench:grid [-- --seconds 5 --speed 3000]
 */
import { chromium } from '@playwright/test';
import os from 'node:os';
import sharp from 'sharp';
import { frameSummary, imageRecord, LAUNCH, ORIGIN, requireRenderer, routeScriptedStudio, startFrames, stopFrames, type ScriptedStudio } from './scripted-studio.js';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const SECONDS = arg('--seconds', 5);
/** Steady scrolling, px/s: 15 rows (120 thumbnails) a second; then a fling at twice that. */
const SPEED = arg('--speed', 3000);
const TOTAL = 100_000;
const THUMBS = 64;
const VIEWPORT = { width: 1400, height: 900 };

async function thumbnails(): Promise<Buffer[]> {
  return Promise.all(
    Array.from({ length: THUMBS }, (_, i) => {
      const svg = `<svg width="256" height="192" xmlns="http://www.w3.org/2000/svg"><rect width="100%" height="100%" fill="hsl(${(i * 37) % 360},45%,45%)"/><circle cx="${40 + ((i * 53) % 180)}" cy="${30 + ((i * 29) % 130)}" r="${20 + (i % 40)}" fill="hsl(${(i * 91) % 360},60%,70%)"/></svg>`;
      return sharp(Buffer.from(svg)).jpeg({ quality: 75 }).toBuffer();
    }),
  );
}

requireRenderer();
const thumbs = await thumbnails();
const browser = await chromium.launch(LAUNCH);
console.log(`bench/grid: Chromium ${browser.version()} (headless, software rendering), ${os.cpus()[0]?.model ?? 'cpu'}, ${VIEWPORT.width}×${VIEWPORT.height}, ${TOTAL.toLocaleString('en')} images`);
try {
  const page = await browser.newPage({ viewport: VIEWPORT });
  const listCalls: number[] = [];
  const studio: ScriptedStudio = {
    total: TOTAL,
    project: { dir: '/bench', name: 'Bench', task: 'detect', multiLabel: false, createdAt: '2025-01-01', schemaVersion: 1 },
    classes: [],
    image: (i) => {
      if (i % 200 === 0) listCalls.push(i);
      return imageRecord(i + 1, 640, 480, i % 7);
    },
    annotations: new Map(),
    media: (kind, id) => (kind === 'thumb' ? { body: thumbs[id % THUMBS], contentType: 'image/jpeg' } : null),
  };
  await routeScriptedStudio(page, studio);
  // Watches, from the first moment of the page, for the first screen of thumbnails.
  await page.addInitScript(() => {
    const w = window as unknown as { __firstThumb: number | null; __screenFull: number | null };
    w.__firstThumb = null;
    w.__screenFull = null;
    const check = () => {
      const grid = document.querySelector('[data-testid=image-grid]');
      const imgs = grid ? [...grid.querySelectorAll<HTMLImageElement>('[data-testid=grid-cell] img')] : [];
      const box = grid?.getBoundingClientRect();
      const visible = box ? imgs.filter((img) => img.getBoundingClientRect().top < box.bottom) : [];
      const shown = visible.filter((img) => img.complete && img.naturalWidth > 0);
      const now = performance.now();
      if (shown.length > 0 && w.__firstThumb === null) w.__firstThumb = now;
      if (visible.length > 0 && shown.length === visible.length) {
        w.__screenFull = now;
        return;
      }
      requestAnimationFrame(check);
    };
    requestAnimationFrame(check);
  });
  await page.goto(`${ORIGIN}/`);
  await page.waitForFunction(() => (window as unknown as { __screenFull: number | null }).__screenFull !== null, undefined, { timeout: 30_000 });
  const { first, full, cells } = await page.evaluate(() => {
    const w = window as unknown as { __firstThumb: number; __screenFull: number };
    return { first: w.__firstThumb, full: w.__screenFull, cells: document.querySelectorAll('[data-testid=grid-cell]').length };
  });
  console.log(`first paint of the grid: ${first.toFixed(0)} ms (navigation start → first thumbnails on screen; the whole first screen ${full.toFixed(0)} ms; ${cells} cells mounted)`);

  await page.waitForTimeout(500);
  await startFrames(page);
  await page.waitForTimeout(3000);
  console.log(`idle frames (baseline): ${frameSummary(await stopFrames(page))}`);

  const scroll = async (speed: number) => {
    const before = listCalls.length;
    await startFrames(page);
    const scrolled = await page.evaluate(
      ([seconds, pxPerSecond]) =>
        new Promise<{ distance: number; mounted: number; blank: number }>((resolve) => {
          const grid = document.querySelector<HTMLElement>('[data-testid=image-grid]')!;
          const from = grid.scrollTop;
          const start = performance.now();
          let last = start;
          let blank = 0;
          let samples = 0;
          const step = (t: number) => {
            grid.scrollTop += (pxPerSecond * (t - last)) / 1000;
            last = t;
            // How many cells on screen show a placeholder instead of their image.
            samples++;
            blank += grid.querySelectorAll('[data-testid=grid-cell-loading]').length;
            if (t - start < seconds * 1000) requestAnimationFrame(step);
            else resolve({ distance: grid.scrollTop - from, mounted: grid.querySelectorAll('[data-testid=grid-cell], [data-testid=grid-cell-loading]').length, blank: blank / samples });
          };
          requestAnimationFrame(step);
        }),
      [SECONDS, speed] as const,
    );
    const frames = await stopFrames(page);
    return { frames, scrolled, pages: listCalls.length - before };
  };

  const steady = await scroll(SPEED);
  console.log(`scrolling 100,000 images: ${frameSummary(steady.frames)}`);
  console.log(
    `  steady: ${Math.round(steady.scrolled.distance).toLocaleString('en')} px at ${SPEED} px/s; ${steady.scrolled.mounted} cells mounted; ${steady.scrolled.blank.toFixed(1)} placeholder cells per frame on average; ${steady.pages} pages of 200 fetched`,
  );
  const fling = await scroll(SPEED * 2);
  console.log(`  a fling at ${SPEED * 2} px/s: ${frameSummary(fling.frames)}; ${fling.scrolled.blank.toFixed(1)} placeholder cells per frame; ${fling.pages} pages fetched`);
} finally {
  await browser.close();
}
