/**
 * Inference end to end, against a real `reticle serve` and the fixture YOLO11 detector: the
 * Models tab loads it by path, previews it on an image (boxes drawn, the confidence slider
 * re-filtering on the spot), auto-labels the unlabeled images, and a suggestion opened from the
 * review queue is accepted in the labeler and becomes a box (checked through the studio's API).
 */
import { expect, test } from '@playwright/test';
import fs from 'node:fs/promises';
import path from 'node:path';
import { ROOT, startReticleServe, type RunningStudio } from './serve-fixture.js';
import type { StudioApi } from '@shared';

const MODELS = path.join(ROOT, 'tests/fixtures/models');
const IMAGES = ['square.png', 'wide.png', 'tall.jpg'];

let studio: RunningStudio | null = null;
let studioUrl = '';
let work = '';
let api: StudioApi;

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  studio = await startReticleServe();
  studioUrl = studio.url;
  work = studio.work;
  api = studio.api;
});

test.afterAll(async () => {
  await studio?.stop();
});

test.afterEach(async ({}, testInfo) => {
  if (testInfo.status !== testInfo.expectedStatus) await testInfo.attach('reticle serve output', { body: studio?.log() ?? '', contentType: 'text/plain' });
});

test('preview, auto-label, and accept a suggestion in the labeler', async ({ page }) => {
  test.setTimeout(120_000);
  const folder = path.join(work, 'images');
  await fs.mkdir(folder);
  for (const name of IMAGES) await fs.copyFile(path.join(MODELS, 'images', name), path.join(folder, name));

  await page.goto(studioUrl);
  await expect(page.getByTestId('home')).toBeVisible();
  await page.getByTestId('new-project-name').fill('shapes');
  await page.getByTestId('new-project-task-detect').check();
  await page.getByTestId('new-project-dir').fill(path.join(work, 'shapes-project'));
  await page.getByTestId('new-project-create').click();
  await expect(page.getByTestId('project-name')).toHaveText('shapes');
  // The model's names but one: "triangle" stays unmatched.
  for (const cls of ['circle', 'square']) {
    await page.getByTestId('class-add-name').fill(cls);
    await page.getByTestId('class-add-submit').click();
    await expect(page.locator(`[data-testid=class-row][data-class-name="${cls}"]`)).toBeVisible();
  }
  await page.getByTestId('import-server-path-toggle').click();
  await page.getByTestId('import-server-path').fill(folder);
  await page.getByTestId('import-server-path-submit').click();
  await expect(page.getByTestId('import-report').getByTestId('report-imported')).toHaveText(String(IMAGES.length), { timeout: 45_000 });

  // Load the model by path: its task and class mapping.
  await page.getByTestId('tab-models').click();
  await page.getByTestId('models-path').fill(path.join(MODELS, 'yolo11-detect.onnx'));
  await page.getByTestId('models-load').click();
  await expect(page.getByTestId('models-task')).toHaveText('detect', { timeout: 30_000 });
  await expect(page.getByTestId('models-unmatched')).toHaveText('triangle');

  // Preview on every image: boxes over the picture, ground truth (none yet) beside.
  await expect(page.getByTestId('models-thumb')).toHaveCount(IMAGES.length);
  for (const thumb of await page.getByTestId('models-thumb').all()) await thumb.click();
  await page.getByTestId('models-predict').click();
  await expect(page.getByTestId('models-result')).toHaveCount(IMAGES.length, { timeout: 30_000 });
  const boxes = page.getByTestId('models-pred-box');
  await expect.poll(() => boxes.count()).toBeGreaterThan(0);
  await expect(page.getByTestId('models-truth-box')).toHaveCount(0);
  await expect(page.getByTestId('models-timing').first()).toContainText('ms');

  // The sliders re-filter the candidates: more boxes at a low threshold, none at the top.
  const atDefault = await boxes.count();
  await page.getByTestId('models-conf').fill('0.01');
  await expect.poll(() => boxes.count()).toBeGreaterThanOrEqual(atDefault);
  await page.getByTestId('models-conf').fill('1');
  await expect(boxes).toHaveCount(0);
  await page.getByTestId('models-conf').fill('0.25');
  await expect(boxes).toHaveCount(atDefault);

  // New pictures outside the project: a folder by path, shown by token, predicted by path.
  const outside = path.join(work, 'new-pictures');
  await fs.mkdir(outside);
  for (const name of ['wide.png', 'tall.jpg']) await fs.copyFile(path.join(MODELS, 'images', name), path.join(outside, name));
  for (const thumb of await page.getByTestId('models-thumb').all()) await thumb.click();
  await page.getByTestId('models-folder-path').fill(outside);
  await page.getByTestId('models-folder-open').click();
  await expect(page.getByTestId('models-folder-summary')).toContainText(`2 images in ${outside}`);
  const files = page.getByTestId('models-file');
  await expect(files).toHaveCount(2);
  await expect.poll(() => files.locator('img').evaluateAll((imgs) => imgs.every((i) => (i as HTMLImageElement).naturalWidth > 0))).toBe(true);
  await page.getByTestId('models-predict').click();
  await expect(page.locator('[data-testid=models-result][data-path]')).toHaveCount(2, { timeout: 30_000 });
  await expect(page.locator('[data-testid=models-result]:not([data-path])')).toHaveCount(0);
  await expect.poll(() => boxes.count()).toBeGreaterThan(0);
  await expect(page.getByTestId('models-truth-box')).toHaveCount(0);

  // Auto-label the unlabeled images; the review queue fills when the job ends.
  await page.getByTestId('models-autolabel').click();
  await expect.poll(async () => (await api.suggestions.reviewQueue({})).total, { timeout: 60_000 }).toBeGreaterThan(0);
  const item = page.getByTestId('models-queue-item').first();
  await expect(item).toBeVisible({ timeout: 15_000 });
  const imageId = Number(await item.getAttribute('data-image-id'));
  const pending = await api.suggestions.forImage({ imageId });
  expect(pending.length).toBeGreaterThan(0);

  // Open it in the labeler: the suggestions are listed and on the canvas, not as boxes.
  await item.click();
  await expect(page.getByTestId('image-viewer')).toBeVisible();
  await expect.poll(() => page.evaluate(() => window.__reticleLabeler?.imageId() ?? null)).toBe(imageId);
  await expect(page.getByTestId('labeler-suggestion')).toHaveCount(pending.length);
  expect(await page.evaluate(() => window.__reticleLabeler!.suggestions().length)).toBe(pending.length);
  expect(await page.evaluate(() => window.__reticleLabeler!.boxes().length)).toBe(0);

  // Accept the most confident: it becomes a box, in the labeler and in the studio.
  const top = pending[0];
  await page.locator(`[data-testid=labeler-suggestion][data-suggestion-id="${top.id}"]`).getByTestId('suggestion-accept').click();
  await expect.poll(() => page.evaluate(() => window.__reticleLabeler!.boxes().length)).toBe(1);
  await expect(page.getByTestId('labeler-suggestion')).toHaveCount(pending.length - 1);
  const stored = await api.annotations.forImage({ imageId });
  expect(stored).toHaveLength(1);
  expect(stored[0]).toMatchObject({ kind: 'box', classId: top.classId, source: 'model' });
  const [box] = await page.evaluate(() => window.__reticleLabeler!.boxes());
  expect(box.classId).toBe(top.classId);
  if (top.kind === 'box') expect(Math.abs(box.x - top.x)).toBeLessThan(1);
});
