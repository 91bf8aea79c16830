/**
 * The Team tab end to end: a real team server (PGlite inside) and a real `reticle serve`, driven
 * in Chromium as a user would. Register from the Team tab, share a small labeled project, push
 * it, then pull the shared project into a second folder through the same tab, open it, and find
 * its images and boxes there.
 */
import { expect, test } from '@playwright/test';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import type { Annotation, JobResult, StudioApi } from '@shared';
import { startServer } from '../../src-server/app.js';
import { startReticleServe, type RunningStudio } from './serve-fixture.js';

let studio: RunningStudio | null = null;
let team: { url: string; close(): Promise<void> } | null = null;
let teamData = '';

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  teamData = await fs.mkdtemp(path.join(os.tmpdir(), 'reticle-team-e2e-'));
  team = await startServer({ port: 0, host: '127.0.0.1', dataDir: teamData, rateLimitPerMinute: 0, authRateLimitPerMinute: 0 });
  studio = await startReticleServe();
});

test.afterAll(async () => {
  await studio?.stop();
  await team?.close();
  await fs.rm(teamData, { recursive: true, force: true });
});

test.afterEach(async ({}, testInfo) => {
  if (testInfo.status !== testInfo.expectedStatus) await testInfo.attach('reticle serve output', { body: studio?.log() ?? '', contentType: 'text/plain' });
});

async function makeJpeg(file: string, hue: number): Promise<void> {
  const [r, g, b] = [(hue * 53) % 256, (hue * 97) % 256, (hue * 151) % 256];
  await sharp({ create: { width: 160, height: 120, channels: 3, background: { r, g, b } } })
    .jpeg({ quality: 85 })
    .toFile(file);
}

async function waitForJob(api: StudioApi, start: () => Promise<{ jobId: string }>): Promise<JobResult> {
  const seen: JobResult[] = [];
  const off = api.jobs.onFinished((r) => seen.push(r));
  const { jobId } = await start();
  await expect.poll(() => seen.some((r) => r.jobId === jobId), { timeout: 30_000 }).toBe(true);
  off();
  return seen.find((r) => r.jobId === jobId)!;
}

/** Each image's boxes as `class x y w h`, by media hash: what should arrive on the other side. */
async function boxesByHash(api: StudioApi): Promise<Record<string, string[]>> {
  const classes = new Map((await api.classes.list()).map((c) => [c.id, c.name]));
  const out: Record<string, string[]> = {};
  for (const image of (await api.images.list({ limit: 100 })).items) {
    const boxes = (await api.annotations.forImage({ imageId: image.id })).filter((a): a is Extract<Annotation, { kind: 'box' }> => a.kind === 'box');
    out[image.hash] = boxes.map((a) => `${classes.get(a.classId)} ${a.x.toFixed(2)} ${a.y.toFixed(2)} ${a.w.toFixed(2)} ${a.h.toFixed(2)}`).sort();
  }
  return out;
}

test('register from the Team tab, push a project, and pull it into a second folder', async ({ page }) => {
  const api = studio!.api;
  const work = studio!.work;
  const photos = path.join(work, 'photos');
  await fs.mkdir(photos);
  for (let i = 0; i < 3; i++) await makeJpeg(path.join(photos, `bird-${i}.jpg`), i + 1);

  // A small labeled project, made through the studio's API (the same one the page uses).
  await api.projects.create({ dir: path.join(work, 'birds'), name: 'Birds', task: 'detect' });
  expect(await waitForJob(api, () => api.imports.start({ paths: [photos] }))).toMatchObject({ status: 'ok' });
  const owl = await api.classes.create({ name: 'owl' });
  const crow = await api.classes.create({ name: 'crow' });
  const images = (await api.images.list({})).items;
  await api.annotations.apply({
    imageId: images[0].id,
    changes: [
      { op: 'create', annotation: { id: 'o1', classId: owl.id, kind: 'box', x: 10.5, y: 12, w: 40, h: 30.25 } },
      { op: 'create', annotation: { id: 'c1', classId: crow.id, kind: 'box', x: 80, y: 20, w: 30, h: 60 } },
    ],
  });
  await api.annotations.apply({ imageId: images[1].id, changes: [{ op: 'create', annotation: { id: 'o2', classId: owl.id, kind: 'box', x: 1, y: 2, w: 100, h: 90 } }] });
  await api.images.setStatus({ ids: [images[1].id], status: 'done' });
  const original = await boxesByHash(api);

  await page.goto(studio!.url);
  await expect(page.getByTestId('project-name')).toHaveText('Birds');
  await page.getByTestId('tab-team').click();
  await expect(page.getByTestId('team-page')).toBeVisible();

  // Register on the team server.
  await page.getByTestId('team-server-url').fill(team!.url);
  await page.getByTestId('team-email').fill('robin@example.com');
  await page.getByTestId('team-password').fill('a long enough password');
  await page.getByTestId('team-register').check();
  await page.getByTestId('team-login').click();
  await expect(page.getByTestId('team-account-user')).toContainText('robin@example.com');
  await expect(page.getByTestId('team-account-user')).toContainText(team!.url);

  // Share the project, then push it.
  await page.getByTestId('team-link-create').click();
  await expect(page.getByTestId('team-linked')).toContainText('Birds');
  await page.getByTestId('team-push').click();
  await expect(page.getByTestId('team-last-result')).toHaveAttribute('data-status', 'ok', { timeout: 30_000 });
  await expect(page.getByTestId('team-status')).toHaveText('Up to date.', { timeout: 30_000 });
  await expect(page.getByTestId('team-pending')).toHaveText('0');
  await expect(page.getByTestId('team-last-push')).not.toHaveText('never');

  // An edit shows as a change to push.
  await page.getByTestId('team-auto-sync').uncheck();
  await expect(page.getByTestId('team-auto-sync')).not.toBeChecked();
  await api.annotations.apply({ imageId: images[2].id, changes: [{ op: 'create', annotation: { id: 'c3', classId: crow.id, kind: 'box', x: 5, y: 5, w: 20, h: 20 } }] });
  original[images[2].hash] = ['crow 5.00 5.00 20.00 20.00'];
  await expect(page.getByTestId('team-pending')).toHaveText('1', { timeout: 15_000 });
  await page.getByTestId('team-push').click();
  await expect(page.getByTestId('team-last-result')).toContainText('Pushed: labels of 1 images', { timeout: 30_000 });
  await expect(page.getByTestId('team-pending')).toHaveText('0');

  // Pull the shared project into a second folder, from the same tab, and open it.
  await page.getByTestId('team-clone-load').click();
  await page.getByTestId('team-clone-project').selectOption({ label: 'Birds (3 images)' });
  const copy = path.join(work, 'birds-copy');
  await page.getByTestId('team-clone-dir').fill(copy);
  await page.getByTestId('team-clone-start').click();
  await expect(page.getByTestId('team-cloned')).toContainText(copy, { timeout: 30_000 });
  // The clone is a project of its own: this project's last sync is still the push.
  await expect(page.getByTestId('team-last-result')).toContainText('Pushed: labels of 1 images');
  await page.getByTestId('team-open-clone').click();
  await expect(page.getByTestId('project-name')).toHaveText('Birds');
  await expect(page.locator('.project-dir')).toHaveText(copy);

  // The images arrived, with their thumbnails, their boxes and their statuses.
  await page.getByTestId('tab-images').click();
  await expect(page.getByTestId('filter-all-count')).toHaveText('3');
  await expect(page.getByTestId('grid-cell')).toHaveCount(3);
  const thumb = page.getByTestId('grid-cell').first().locator('img');
  await expect.poll(() => thumb.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBeGreaterThan(0);
  expect((await api.projects.current())?.dir).toBe(copy);
  expect(await boxesByHash(api)).toEqual(original);
  expect((await api.images.counts()).byStatus.done).toBe(1);
  expect((await api.classes.list()).map((c) => c.name).sort()).toEqual(['crow', 'owl']);

  // The copy is linked to the shared project, with nothing to push and no conflicts.
  await page.getByTestId('tab-team').click();
  await expect(page.getByTestId('team-linked')).toContainText('Birds');
  await expect(page.getByTestId('team-pending')).toHaveText('0');
  await expect(page.getByTestId('team-no-conflicts')).toBeVisible();
});
