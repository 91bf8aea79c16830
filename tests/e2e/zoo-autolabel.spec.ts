/**
 * Labeling before any model of one's own, end to end: against a real `reticle serve` whose
 * runtime is the Ultralytics test double, with a "pretrained" detector in the weights library
 * (its ONNX "export" writes the fixture YOLO11 detector: circle, square, triangle). The Models
 * tab loads the library weights, previews them, keeps only "square" as a new project class
 * "box", and auto-labels: the suggestions are all "box", and the class exists.
 */
import { expect, test } from '@playwright/test';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { StudioApi } from '@shared';
import { ROOT, startReticleServe, type RunningStudio } from './serve-fixture.js';
import { stopAfterTests } from './serve-hooks.js';
import { DOUBLE_RUNTIME_ENV, pretrainedFile } from './weights-fixture.js';

const MODELS = path.join(ROOT, 'tests/fixtures/models');
const IMAGES = ['square.png', 'wide.png', 'tall.jpg'];

let studio: RunningStudio | null = null;
let api: StudioApi;

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  studio = await startReticleServe({ env: { ...DOUBLE_RUNTIME_ENV, ULTRALYTICS_DOUBLE_ONNX: path.join(MODELS, 'yolo11-detect.onnx') } });
  api = studio.api;
  await api.projects.create({ dir: path.join(studio.work, 'shapes'), name: 'Shapes', task: 'detect' });
  // A class the model also has, in another case: its row starts kept, under the project's spelling.
  await api.classes.create({ name: 'Triangle' });
  await api.imports.start({ paths: IMAGES.map((name) => path.join(MODELS, 'images', name)) });
  await expect.poll(async () => (await api.images.list({})).total, { timeout: 45_000 }).toBe(IMAGES.length);
});

stopAfterTests(() => studio);

test('auto-label with library weights keeps only the mapped class, under its project name', async ({ page }) => {
  test.setTimeout(120_000);
  await page.goto(studio!.url);
  await expect(page.getByTestId('project-name')).toHaveText('Shapes');
  await page.getByTestId('tab-models').click();
  const library = page.getByTestId('models-library');
  await expect(library.getByTestId('models-library-empty')).toContainText('no detection weights');

  // Weights joining the library (here through the API) are offered at once.
  const weights = path.join(studio!.work, 'yolo11n.pt');
  await fs.writeFile(weights, pretrainedFile(['circle', 'square', 'triangle']));
  await api.weights.add({ path: weights });

  // Load the library's weights: exported to ONNX on this first load.
  await expect(library.getByTestId('models-library-select')).toHaveValue('yolo11n.pt');
  await library.getByTestId('models-library-load').click();
  await expect(page.getByTestId('models-task')).toHaveText('detect', { timeout: 60_000 });
  await expect(page.getByTestId('models-library-preparing')).toBeHidden();

  // Preview works as for any model.
  for (const thumb of await page.getByTestId('models-thumb').all()) await thumb.click();
  await page.getByTestId('models-predict').click();
  await expect(page.getByTestId('models-result')).toHaveCount(IMAGES.length, { timeout: 30_000 });
  await expect.poll(() => page.getByTestId('models-pred-box').count()).toBeGreaterThan(0);

  // The mapping: only the class the project has is kept at first.
  const mapping = page.getByTestId('class-mapping');
  const row = (name: string) => mapping.locator(`[data-testid=class-mapping-row][data-model-name="${name}"]`);
  await expect(mapping.getByTestId('class-mapping-count')).toHaveText('1 of 3 kept');
  await expect(row('triangle').getByTestId('class-mapping-keep')).toBeChecked();
  await expect(row('triangle').getByTestId('class-mapping-target')).toHaveValue('Triangle');
  await expect(row('circle').getByTestId('class-mapping-keep')).not.toBeChecked();

  await mapping.getByTestId('class-mapping-keep-none').click();
  await expect(mapping.getByTestId('class-mapping-count')).toHaveText('0 of 3 kept');
  await expect(page.getByTestId('models-autolabel')).toBeDisabled();

  await mapping.getByTestId('class-mapping-search').fill('squ');
  await expect(mapping.getByTestId('class-mapping-row')).toHaveCount(1);
  await row('square').getByTestId('class-mapping-keep').check();
  // A name differing from a project class only in case is refused before anything is sent.
  await row('square').getByTestId('class-mapping-target').fill('triangle');
  await expect(row('square').getByTestId('class-mapping-problem')).toContainText('"Triangle" only in case');
  await expect(page.getByTestId('models-autolabel')).toBeDisabled();
  await row('square').getByTestId('class-mapping-target').fill('box');
  await expect(mapping.getByTestId('class-mapping-problem')).toHaveCount(0);
  await expect(mapping.getByTestId('class-mapping-count')).toHaveText('1 of 3 kept');

  await page.getByTestId('models-autolabel').click();
  await expect.poll(async () => (await api.suggestions.reviewQueue({})).total, { timeout: 60_000 }).toBeGreaterThan(0);

  // Every suggestion is a "box"; "box" was made, circle and triangle were not.
  const classes = await api.classes.list();
  const box = classes.find((c) => c.name === 'box');
  expect(box).toBeDefined();
  expect(classes.map((c) => c.name).sort()).toEqual(['Triangle', 'box']);
  const suggested = (await Promise.all((await api.images.list({})).items.map((i) => api.suggestions.forImage({ imageId: i.id })))).flat();
  expect(suggested.length).toBeGreaterThan(0);
  expect(new Set(suggested.map((s) => s.classId))).toEqual(new Set([box!.id]));

  // The review queue opens an image in the labeler, its suggestions named "box".
  const item = page.getByTestId('models-queue-item').first();
  await expect(item).toBeVisible({ timeout: 15_000 });
  await item.click();
  await expect(page.getByTestId('image-viewer')).toBeVisible();
  const suggestions = page.getByTestId('labeler-suggestion');
  await expect.poll(() => suggestions.count()).toBeGreaterThan(0);
  for (const text of await suggestions.allTextContents()) expect(text).toMatch(/^box \d\.\d\d/);
  await page.getByTestId('viewer-close').click();
  await expect(page.getByTestId('image-viewer')).toBeHidden();

  // The new class is in the classes panel.
  await page.getByTestId('tab-images').click();
  await expect(page.locator('[data-testid=class-row][data-class-name="box"]')).toBeVisible();
  await expect(page.locator('[data-testid=class-row][data-class-name="circle"]')).toHaveCount(0);
});
