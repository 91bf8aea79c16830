/**
 * A scripted studio for the renderer benches: Playwright serves the built renderer and answers
 * its WebSocket itself (as tests/e2e/scripted-studio.spec.ts does), so a bench can show an image
 * with 5,000 boxes or a grid of 100,000 images without making them for real.
 */
import type { Page } from '@playwright/test';
import fs from 'node:fs';
import path from 'node:path';
import type { Annotation, AnnotationChange, ClassDef, ImageRecord, ProjectInfo, WireCall } from '@shared';

// npm runs benches from the package root (scripts/run-ts.mjs bundles them elsewhere first).
export const ROOT = process.cwd();
export const RENDERER = path.join(ROOT, 'dist/renderer');
export const ORIGIN = 'http://studio.test';

/** Chromium as the e2e tests run it: Debian's, headless, no sandbox, no GPU in these machines. */
export const LAUNCH = {
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
};

export interface ScriptedStudio {
  total: number;
  project: ProjectInfo;
  classes: ClassDef[];
  image(index: number): ImageRecord;
  annotations: Map<number, Annotation[]>;
  /** Bytes and type of a media request, or null for 404. */
  media(kind: string, id: number): { body: Buffer; contentType: string } | null;
}

export function imageRecord(id: number, width: number, height: number, annotationCount = 0): ImageRecord {
  return {
    id,
    hash: id.toString(16).padStart(64, '0'),
    name: `img-${id}.jpg`,
    originalPath: `/data/img-${id}.jpg`,
    format: 'jpeg',
    width,
    height,
    bytes: 500_000,
    status: 'new',
    split: null,
    splitPinned: false,
    annotationCount,
    createdAt: '2025-01-01T00:00:00.000Z',
  };
}

export function requireRenderer(): void {
  if (!fs.existsSync(path.join(RENDERER, 'index.html'))) {
    console.error('dist/renderer is missing: run `npx vite build` (or `npm run build`) first.');
    process.exit(2);
  }
}

function applyChanges(list: Annotation[], imageId: number, changes: AnnotationChange[]): Annotation[] {
  const byId = new Map(list.map((a) => [a.id, a]));
  for (const c of changes) {
    if (c.op === 'create') byId.set(c.annotation.id, { ...c.annotation, imageId, source: c.annotation.source ?? 'manual' } as Annotation);
    else if (c.op === 'delete') byId.delete(c.id);
    else byId.set(c.id, { ...byId.get(c.id)!, ...c.patch } as Annotation);
  }
  return [...byId.values()];
}

/** Routes the page to the scripted studio; call before `page.goto(ORIGIN)`. */
export async function routeScriptedStudio(page: Page, studio: ScriptedStudio): Promise<void> {
  await page.route(`${ORIGIN}/**`, async (route) => {
    const url = new URL(route.request().url());
    const media = /^\/media\/(thumb|preview|image)\/(\d+)$/.exec(url.pathname);
    if (media) {
      const answer = studio.media(media[1], Number(media[2]));
      return answer ? route.fulfill({ body: answer.body, contentType: answer.contentType, headers: { 'cache-control': 'max-age=3600' } }) : route.fulfill({ status: 404 });
    }
    const file = path.join(RENDERER, url.pathname === '/' ? 'index.html' : url.pathname);
    if (!file.startsWith(RENDERER) || !fs.existsSync(file)) return route.fulfill({ status: 404 });
    return route.fulfill({ path: file });
  });

  await page.routeWebSocket('ws://studio.test/api', (ws) => {
    ws.onMessage((raw) => {
      const call = JSON.parse(String(raw)) as WireCall;
      const reply = (value: unknown) => ws.send(JSON.stringify({ t: 'result', id: call.id, envelope: { ok: true, value } }));
      const input = (call.input ?? {}) as Record<string, unknown>;
      const byStatus = { new: studio.total, in_progress: 0, done: 0, review: 0 };
      switch (call.channel) {
        case 'reticle:app.info':
          return reply({ version: 'bench', mode: 'serve', platform: 'linux', nativeDialogs: false, uploadsDroppedFiles: true });
        case 'reticle:projects.current':
          return reply(studio.project);
        case 'reticle:classes.list':
          return reply(studio.classes);
        case 'reticle:jobs.list':
          return reply([]);
        case 'reticle:images.counts':
          return reply({ all: studio.total, unlabeled: studio.total, labeled: 0, byStatus, byClass: {} });
        case 'reticle:images.list': {
          const offset = Number(input.offset ?? 0);
          const limit = Number(input.limit ?? 200);
          const items: ImageRecord[] = [];
          for (let i = offset; i < Math.min(studio.total, offset + limit); i++) items.push(studio.image(i));
          return reply({ total: studio.total, offset, items });
        }
        case 'reticle:images.get':
          return reply(studio.image(Number(input.id) - 1));
        case 'reticle:annotations.forImage':
          return reply(studio.annotations.get(Number(input.imageId)) ?? []);
        case 'reticle:annotations.apply': {
          const imageId = Number(input.imageId);
          const next = applyChanges(studio.annotations.get(imageId) ?? [], imageId, input.changes as AnnotationChange[]);
          studio.annotations.set(imageId, next);
          return reply({ imageId, annotations: next, status: 'in_progress' });
        }
        default:
          return ws.send(JSON.stringify({ t: 'result', id: call.id, envelope: { ok: false, error: { code: 'unsupported', message: `not scripted: ${call.channel}` } } }));
      }
    });
  });
}

/** Frame times collected in the page with requestAnimationFrame. */
export async function startFrames(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { __frames: number[]; __framesRun: number };
    // Each start is a new run: a loop of an earlier run stops at its next frame.
    const run = (w.__framesRun = (w.__framesRun ?? 0) + 1);
    const frames: number[] = (w.__frames = []);
    let last = 0;
    const tick = (t: number) => {
      if (w.__framesRun !== run) return;
      if (last) frames.push(t - last);
      last = t;
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
}

export async function stopFrames(page: Page): Promise<number[]> {
  return page.evaluate(() => {
    const w = window as unknown as { __frames: number[]; __framesRun: number };
    w.__framesRun++;
    return w.__frames;
  });
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export function frameSummary(frames: number[]): string {
  const slow = frames.filter((f) => f > 17.5).length;
  return `p50 ${percentile(frames, 50).toFixed(1)} ms, p95 ${percentile(frames, 95).toFixed(1)} ms (${frames.length} frames, ${slow} over 17.5 ms, max ${Math.max(...frames).toFixed(1)} ms)`;
}
