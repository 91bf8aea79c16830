/**
 * The Evaluation tab end to end, against a real `reticle serve`: a project labeled with three
 * planted label errors, two runs whose models are the fixture detectors (YOLO11 and YOLO26).
 * The run is evaluated beside the other, its figures and charts shown, the label-error gallery
 * lists the three errors; one is ignored and stays ignored when evaluated again; each finding
 * opens in the labeler with the model's boxes as suggestions and what to fix selected, and is
 * fixed with at most two keys (Delete, Y).
 */
import { expect, test } from '@playwright/test';
import path from 'node:path';
import type { JobResult, StudioApi } from '@shared';
import { ProjectStore } from '../../src-main/services/store/project-store.js';
import { MediaStore } from '../../src-main/services/media/media-store.js';
import { addRun, labelingChanges, MODELS_DIR, PLANTED, SHAPE_CLASSES, SHAPE_IMAGES } from '../fixtures/evaluation/shapes-project.js';
import { startReticleServe, type RunningStudio } from './serve-fixture.js';

let studio: RunningStudio | null = null;
let api: StudioApi;

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  studio = await startReticleServe();
  api = studio.api;
});

test.afterAll(async () => {
  await studio?.stop();
});

test.afterEach(async ({}, testInfo) => {
  if (testInfo.status !== testInfo.expectedStatus) await testInfo.attach('reticle serve output', { body: studio?.log() ?? '', contentType: 'text/plain' });
});

/** The shapes project, labeled with its planted errors, open in the studio; two runs made beside it. */
async function shapesProject(dir: string): Promise<Record<string, number>> {
  await api.projects.create({ dir, name: 'shapes', task: 'detect' });
  for (const name of SHAPE_CLASSES) await api.classes.create({ name });
  const imported = new Promise<JobResult>((resolve) => {
    const off = api.jobs.onFinished((r) => {
      off();
      resolve(r);
    });
  });
  await api.imports.start({ paths: SHAPE_IMAGES.map((f) => path.join(MODELS_DIR, 'images', f)) });
  expect((await imported).status).toBe('ok');
  const ids = Object.fromEntries((await api.images.list({})).items.map((i) => [i.name, i.id]));
  const classes = Object.fromEntries((await api.classes.list()).map((c) => [c.name, c.id]));
  for (const change of labelingChanges(ids, classes)) await api.annotations.apply(change);
  // The runs, as training would leave them, written by another process (the studio hears of them).
  const store = ProjectStore.open(dir);
  try {
    await addRun(store, new MediaStore(store.paths), { id: 'run-yolo11', name: 'First run', model: 'yolo11-detect.onnx', split: [0, 0, 1] });
    await addRun(store, new MediaStore(store.paths), { id: 'run-yolo26', name: 'Second run', model: 'yolo26-detect.onnx', split: [0, 0, 1] });
  } finally {
    store.dispose();
  }
  return ids;
}

test('evaluate a run beside another, ignore a finding, and fix a label from the gallery in the labeler', async ({ page }) => {
  test.setTimeout(180_000);
  const ids = await shapesProject(path.join(studio!.work, 'shapes-project'));

  await page.goto(studio!.url);
  await expect(page.getByTestId('project-name')).toHaveText('shapes');
  await page.getByTestId('tab-evaluation').click();
  await expect(page.getByTestId('evaluation-page')).toBeVisible();
  const runSelect = page.getByTestId('evaluation-run');
  await expect(runSelect.locator('option')).toHaveCount(2);
  await runSelect.selectOption('run-yolo11');
  await page.getByTestId('evaluation-compare').selectOption('run-yolo26');
  await page.getByTestId('evaluation-start').click();

  // The figures: both runs' headlines, a row per class with both runs' columns, the curves, the matrices.
  await expect(page.getByTestId('evaluation-figures')).toBeVisible({ timeout: 90_000 });
  await expect(page.getByTestId('evaluation-summary')).toContainText("6 test images of the run's frozen dataset");
  await expect(page.getByTestId('evaluation-headline')).toContainText('First run');
  await expect(page.getByTestId('evaluation-compare-headline')).toContainText('Second run');
  await expect(page.getByTestId('evaluation-class-row')).toHaveCount(3);
  await expect(page.getByTestId('evaluation-class-row').first().locator('td')).toHaveCount(2 + 4 + 4);
  await expect(page.getByTestId('evaluation-pr-chart').getByTestId('curve')).toHaveCount(1 + 3 + 1);
  await expect(page.getByTestId('evaluation-f1-chart').getByTestId('curve-marker')).toBeVisible();
  await expect(page.getByTestId('confusion-matrix')).toHaveCount(2);

  // The gallery: the three planted errors.
  const findings = page.getByTestId('finding');
  await expect(findings).toHaveCount(3);
  await expect(page.locator('[data-testid=finding][data-kind=class]')).toHaveAttribute('data-image-id', String(ids[PLANTED.class.file]));
  await expect(page.locator('[data-testid=finding][data-kind=extra]')).toHaveAttribute('data-image-id', String(ids[PLANTED.extra.file]));
  await expect(page.locator('[data-testid=finding][data-kind=missed]')).toHaveAttribute('data-image-id', String(ids[PLANTED.missed.file]));
  await expect(page.locator('[data-testid=finding][data-kind=missed]').getByTestId('finding-label-box')).toHaveCount(1);
  await expect(page.locator('[data-testid=finding][data-kind=extra]').getByTestId('finding-predicted-box')).toHaveCount(1);

  // Ignore the box nobody drew: it goes, and stays gone when the run is evaluated again.
  await page.locator('[data-testid=finding][data-kind=extra]').getByTestId('finding-ignore').click();
  await expect(findings).toHaveCount(2);
  await page.getByTestId('evaluation-start').click();
  await expect(page.getByTestId('evaluation-start')).toHaveText('Evaluate again', { timeout: 90_000 });
  await expect(findings).toHaveCount(2);
  await expect(page.locator('[data-testid=finding][data-kind=extra]')).toHaveCount(0);
  await page.getByTestId('findings-show-ignored').check();
  await expect(findings).toHaveCount(3);
  await page.getByTestId('findings-show-ignored').uncheck();
  await expect(findings).toHaveCount(2);

  // Open the class disagreement: the labeler shows the image with the model's boxes as suggestions,
  // the drawn circle selected, and the model's triangle as the suggestion Y takes.
  const classIds = Object.fromEntries((await api.classes.list()).map((c) => [c.name, c.id]));
  const wrong = page.locator('[data-testid=finding][data-kind=class]');
  const imageId = Number(await wrong.getAttribute('data-image-id'));
  const drawnCircle = (await api.annotations.forImage({ imageId })).find((a) => a.classId === classIds[PLANTED.class.labeled])!;
  await wrong.getByTestId('finding-open').click();
  await expect(page.getByTestId('image-viewer')).toBeVisible();
  await expect.poll(() => page.evaluate(() => window.__reticleLabeler?.imageId() ?? null)).toBe(imageId);
  const pending = await api.suggestions.forImage({ imageId });
  expect(pending.length).toBeGreaterThan(0);
  await expect(page.getByTestId('labeler-suggestion')).toHaveCount(pending.length);
  await expect.poll(() => page.evaluate(() => window.__reticleLabeler!.boxes().length)).toBe(2);
  await expect(page.getByTestId('selection-panel')).toHaveText(/Selected box/);
  await expect(page.getByTestId('selection-class')).toHaveValue(String(classIds[PLANTED.class.labeled]));
  const triangle = pending.find((sg) => sg.classId === classIds[PLANTED.class.predicted])!;
  await expect(page.locator('[data-testid=labeler-suggestion][data-next=true]')).toHaveAttribute('data-suggestion-id', triangle.id);

  // Two keys: Delete takes the wrong circle away, Y makes the model's triangle a box.
  await page.keyboard.press('Delete');
  await page.keyboard.press('y');
  const classCount = (name: string) => page.locator(`[data-testid=labeler-class][data-class-name=${name}] .class-count`);
  await expect(classCount(PLANTED.class.labeled)).toHaveText('0');
  await expect(classCount(PLANTED.class.predicted)).toHaveText('1');
  await expect(page.locator(`[data-testid=labeler-suggestion][data-suggestion-id="${triangle.id}"]`)).toHaveCount(0);
  const fixed = await api.annotations.forImage({ imageId });
  expect(fixed.some((a) => a.id === drawnCircle.id)).toBe(false);
  expect(fixed.filter((a) => a.classId === classIds[PLANTED.class.predicted]).map((a) => a.source)).toEqual(['model']);
  expect(fixed).toHaveLength(2);
  await page.getByTestId('viewer-close').click();

  // The drawn box nobody finds: it opens selected, and Delete alone removes it.
  const missed = page.locator('[data-testid=finding][data-kind=missed]');
  const missedImage = Number(await missed.getAttribute('data-image-id'));
  const before = await api.annotations.forImage({ imageId: missedImage });
  await missed.getByTestId('finding-open').click();
  await expect.poll(() => page.evaluate(() => window.__reticleLabeler?.imageId() ?? null)).toBe(missedImage);
  await expect(page.getByTestId('selection-class')).toHaveValue(String(classIds[PLANTED.missed.className]));
  await page.keyboard.press('Delete');
  await expect(page.getByTestId('viewer-annotation-count')).toHaveText(String(before.length - 1));
  await expect.poll(async () => (await api.annotations.forImage({ imageId: missedImage })).length).toBe(before.length - 1);
  const planted = PLANTED.missed.box;
  expect((await api.annotations.forImage({ imageId: missedImage })).some((a) => a.kind === 'box' && Math.abs(a.x - planted.x) < 1 && Math.abs(a.y - planted.y) < 1)).toBe(false);
  await page.getByTestId('viewer-close').click();

  // The box nobody drew (ignored above, shown again): nothing is selected, and Y alone accepts the
  // model's circle.
  await page.getByTestId('findings-show-ignored').check();
  const extra = page.locator('[data-testid=finding][data-kind=extra]');
  const extraImage = Number(await extra.getAttribute('data-image-id'));
  await extra.getByTestId('finding-open').click();
  await expect.poll(() => page.evaluate(() => window.__reticleLabeler?.imageId() ?? null)).toBe(extraImage);
  const circle = (await api.suggestions.forImage({ imageId: extraImage })).find((sg) => sg.classId === classIds[PLANTED.extra.className])!;
  await expect(page.locator('[data-testid=labeler-suggestion][data-next=true]')).toHaveAttribute('data-suggestion-id', circle.id);
  await expect(page.getByTestId('selection-panel')).toHaveCount(0);
  await expect(classCount(PLANTED.extra.className)).toHaveText('0');
  await page.keyboard.press('y');
  await expect(classCount(PLANTED.extra.className)).toHaveText('1');
  expect((await api.annotations.forImage({ imageId: extraImage })).filter((a) => a.classId === classIds[PLANTED.extra.className]).map((a) => a.source)).toEqual(['model']);
});
