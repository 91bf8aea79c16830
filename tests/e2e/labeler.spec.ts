/**
 * The labeler end to end, against a real `reticle serve`: boxes drawn with the mouse, edited with
 * keys and handles, undone and redone, saved as they are made (checked through the studio's own
 * API, not just on screen), found again after a reload, exported to YOLO as drawn; and tags in a
 * classification project, one key press per image.
 */
import { expect, test, type Page } from '@playwright/test';
import fs from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { startReticleServe, type RunningStudio } from './serve-fixture.js';
import type { Annotation, BoxAnnotation, StudioApi } from '@shared';

const W = 640;
const H = 480;

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

/** A JPEG with its own colour and a lighter square placed by `hue`, so no two look alike. */
async function makeJpeg(file: string, hue: number, quality = 85): Promise<void> {
  const [r, g, b] = [(hue * 53) % 256, (hue * 97) % 256, (hue * 151) % 256];
  const square = await sharp({ create: { width: 160, height: 120, channels: 3, background: { r: 255 - r, g: 255 - g, b: 255 - b } } })
    .png()
    .toBuffer();
  await sharp({ create: { width: W, height: H, channels: 3, background: { r, g, b } } })
    .composite([{ input: square, left: 40 + ((hue * 97) % 400), top: 30 + ((hue * 61) % 300) }])
    .jpeg({ quality })
    .toFile(file);
}

async function newProject(page: Page, name: string, options: { task?: 'detect' | 'classify'; multiLabel?: boolean; classes: string[]; images: number; nearDuplicate?: boolean }) {
  const folder = path.join(work, `${name}-images`);
  await fs.mkdir(folder);
  for (let i = 0; i < options.images; i++) await makeJpeg(path.join(folder, `${name}-${i + 1}.jpg`), i + name.length * 7);
  // The first image again, encoded otherwise: not the same bytes, the same picture.
  if (options.nearDuplicate) await makeJpeg(path.join(folder, `${name}-again.jpg`), name.length * 7, 60);
  const total = options.images + (options.nearDuplicate ? 1 : 0);
  await page.goto(studioUrl);
  // The page opens on the project an earlier test left open, or on the home page: wait for one.
  await expect(page.getByTestId('home').or(page.getByTestId('project-view'))).toBeVisible();
  if (await page.getByTestId('project-view').isVisible()) await page.getByTestId('close-project').click();
  await expect(page.getByTestId('home')).toBeVisible();
  await page.getByTestId('new-project-name').fill(name);
  await page.getByTestId(`new-project-task-${options.task ?? 'detect'}`).check();
  if (options.multiLabel) await page.getByTestId('new-project-multilabel').check();
  await page.getByTestId('new-project-dir').fill(path.join(work, `${name}-project`));
  await page.getByTestId('new-project-create').click();
  await expect(page.getByTestId('project-name')).toHaveText(name);
  for (const cls of options.classes) {
    await page.getByTestId('class-add-name').fill(cls);
    await page.getByTestId('class-add-submit').click();
    await expect(page.locator(`[data-testid=class-row][data-class-name="${cls}"]`)).toBeVisible();
  }
  await page.getByTestId('import-server-path-toggle').click();
  await page.getByTestId('import-server-path').fill(folder);
  await page.getByTestId('import-server-path-submit').click();
  await expect(page.getByTestId('import-report').getByTestId('report-imported')).toHaveText(String(total), { timeout: 45_000 });
  await expect(page.getByTestId('grid-cell')).toHaveCount(total);
}

type Box = { id: string; classId: number; x: number; y: number; w: number; h: number };

const labeler = {
  boxes: (page: Page) => page.evaluate(() => window.__reticleLabeler!.boxes()),
  tags: (page: Page) => page.evaluate(() => window.__reticleLabeler!.tags()),
  imageId: (page: Page) => page.evaluate(() => window.__reticleLabeler?.imageId() ?? null),
  selected: (page: Page) => page.evaluate(() => window.__reticleLabeler!.selected()),
  /** Page coordinates of an image point. */
  at: (page: Page, x: number, y: number) => page.evaluate(([px, py]) => window.__reticleLabeler!.clientPoint(px, py), [x, y] as const),
  scale: (page: Page) => page.evaluate(() => window.__reticleLabeler!.viewport().scale),
  saved: async (page: Page) => {
    await expect.poll(() => page.evaluate(() => window.__reticleLabeler!.saving())).toMatchObject({ pending: 0, status: 'saved' });
  },
};

/** A mouse drag between two image points, in small steps as a hand would. */
async function dragImage(page: Page, from: [number, number], to: [number, number]) {
  const a = await labeler.at(page, ...from);
  const b = await labeler.at(page, ...to);
  await page.mouse.move(a.x, a.y);
  await page.mouse.down();
  await page.mouse.move(b.x, b.y, { steps: 8 });
  await page.mouse.up();
}

async function clickImage(page: Page, x: number, y: number) {
  const p = await labeler.at(page, x, y);
  await page.mouse.click(p.x, p.y);
}

function near(actual: number, expected: number, tolerance: number) {
  expect(Math.abs(actual - expected), `${actual} ≈ ${expected}`).toBeLessThanOrEqual(tolerance);
}

function expectBox(box: Box | undefined, expected: { x: number; y: number; w: number; h: number }, tolerance: number) {
  expect(box).toBeTruthy();
  near(box!.x, expected.x, tolerance);
  near(box!.y, expected.y, tolerance);
  near(box!.w, expected.w, tolerance);
  near(box!.h, expected.h, tolerance);
}

const asBoxes = (annotations: Annotation[]): Box[] =>
  annotations
    .filter((a): a is BoxAnnotation => a.kind === 'box')
    .map(({ id, classId, x, y, w, h }) => ({ id, classId, x, y, w, h }))
    .sort((p, q) => p.id.localeCompare(q.id));
const byId = (boxes: Box[]) => [...boxes].sort((p, q) => p.id.localeCompare(q.id));

test('draw, edit, undo and redo boxes: saved as drawn, there after a reload, exported as drawn', async ({ page }) => {
  await newProject(page, 'streets', { classes: ['car', 'person'], images: 3 });
  const classes = await api.classes.list();
  const car = classes.find((c) => c.name === 'car')!.id;
  const person = classes.find((c) => c.name === 'person')!.id;

  await page.getByTestId('grid-cell').first().click();
  const viewer = page.getByTestId('image-viewer');
  await expect(viewer.getByTestId('viewer-position')).toHaveText('1 / 3');
  await expect.poll(() => labeler.imageId(page)).not.toBeNull();
  const imageId = (await labeler.imageId(page))!;
  // One screen pixel, in image pixels: how close a mouse can place a corner.
  const px = 1 / (await labeler.scale(page)) + 0.01;

  // Three boxes, drawn with the mouse; the first class is active.
  await dragImage(page, [50, 60], [200, 180]);
  await dragImage(page, [300, 100], [420, 260]);
  await dragImage(page, [100, 300], [250, 420]);
  let boxes = await labeler.boxes(page);
  expect(boxes).toHaveLength(3);
  const [a, b, c] = boxes;
  expectBox(a, { x: 50, y: 60, w: 150, h: 120 }, 2 * px);
  expectBox(b, { x: 300, y: 100, w: 120, h: 160 }, 2 * px);
  expectBox(c, { x: 100, y: 300, w: 150, h: 120 }, 2 * px);
  expect(boxes.map((x) => x.classId)).toEqual([car, car, car]);

  // The last drawn box is selected: key 2 gives it the second class.
  expect(await labeler.selected(page)).toEqual([c.id]);
  await page.keyboard.press('2');
  await expect.poll(async () => (await labeler.boxes(page)).find((x) => x.id === c.id)?.classId).toBe(person);

  // Move A: select it, drag its middle 40 × 30 image pixels.
  await clickImage(page, 125, 120);
  expect(await labeler.selected(page)).toEqual([a.id]);
  await dragImage(page, [125, 120], [165, 150]);
  boxes = await labeler.boxes(page);
  const movedA = boxes.find((x) => x.id === a.id)!;
  expectBox(movedA, { x: a.x + 40, y: a.y + 30, w: a.w, h: a.h }, 2 * px);
  near(movedA.w, a.w, 1e-9);

  // Resize B from its bottom-right handle.
  await clickImage(page, b.x + b.w / 2, b.y + b.h / 2);
  await dragImage(page, [b.x + b.w, b.y + b.h], [b.x + b.w + 30, b.y + b.h + 20]);
  boxes = await labeler.boxes(page);
  const resizedB = boxes.find((x) => x.id === b.id)!;
  expectBox(resizedB, { x: b.x, y: b.y, w: b.w + 30, h: b.h + 20 }, 2 * px);
  near(resizedB.x, b.x, 1e-9);
  near(resizedB.y, b.y, 1e-9);

  // Delete A.
  await clickImage(page, movedA.x + movedA.w / 2, movedA.y + movedA.h / 2);
  await page.keyboard.press('Delete');
  await expect.poll(async () => (await labeler.boxes(page)).map((x) => x.id)).toEqual([b.id, c.id]);
  await labeler.saved(page);
  expect(asBoxes(await api.annotations.forImage({ imageId }))).toEqual(byId(await labeler.boxes(page)));

  // Undo brings A back where it was moved to; redo deletes it again. The studio follows each.
  await page.keyboard.press('Control+z');
  await expect.poll(async () => (await labeler.boxes(page)).length).toBe(3);
  expectBox((await labeler.boxes(page)).find((x) => x.id === a.id), movedA, 1e-9);
  await labeler.saved(page);
  expect(asBoxes(await api.annotations.forImage({ imageId }))).toEqual(byId(await labeler.boxes(page)));
  await page.keyboard.press('Control+Shift+z');
  await expect.poll(async () => (await labeler.boxes(page)).length).toBe(2);
  await labeler.saved(page);
  const final = byId(await labeler.boxes(page));
  expect(asBoxes(await api.annotations.forImage({ imageId }))).toEqual(final);
  await expect(page.getByTestId('save-status')).toHaveText('Saved');

  // The next image is empty; back again, the boxes are there.
  await page.keyboard.press('d');
  await expect(viewer.getByTestId('viewer-position')).toHaveText('2 / 3');
  await expect.poll(() => labeler.imageId(page)).not.toBe(imageId);
  await expect.poll(() => labeler.boxes(page)).toEqual([]);
  await page.keyboard.press('a');
  await expect(viewer.getByTestId('viewer-position')).toHaveText('1 / 3');
  await expect.poll(() => labeler.imageId(page)).toBe(imageId);
  expect(byId(await labeler.boxes(page))).toEqual(final);
  // Editing started the image.
  await expect(viewer.getByTestId('labeler-status')).toHaveAttribute('data-status', 'in_progress');

  // After a reload, exactly where they were, in image pixels.
  await page.reload();
  await page.getByTestId('grid-cell').first().click();
  await expect.poll(() => labeler.imageId(page)).toBe(imageId);
  expect(byId(await labeler.boxes(page))).toEqual(final);
  await page.keyboard.press('Escape');
  await expect(viewer).toBeHidden();

  // Export to YOLO through the dialog: the label file holds the drawn boxes, normalized.
  await page.getByTestId('export-button').click();
  const dialog = page.getByTestId('export-dialog');
  const out = path.join(work, 'streets-export');
  await dialog.getByTestId('export-dir').fill(out);
  await dialog.getByTestId('export-start').click();
  await expect(dialog.getByTestId('export-report')).toBeVisible({ timeout: 30_000 });
  const record = await api.images.get({ id: imageId });
  const stem = record.name.replace(/\.[^.]+$/, '');
  const labelFiles = (await fs.readdir(path.join(out, 'labels'), { recursive: true })).map(String).filter((f) => path.basename(f) === `${stem}.txt`);
  expect(labelFiles).toHaveLength(1);
  const lines = (await fs.readFile(path.join(out, 'labels', labelFiles[0]), 'utf8')).trim().split('\n');
  const index = (classId: number) => classes.findIndex((k) => k.id === classId);
  const expected = final.map((x) => [index(x.classId), (x.x + x.w / 2) / W, (x.y + x.h / 2) / H, x.w / W, x.h / H]);
  const written = lines.map((l) => l.split(' ').map(Number));
  const sortRows = (rows: number[][]) => [...rows].sort((p, q) => p[0] - q[0] || p[1] - q[1]);
  const got = sortRows(written);
  const want = sortRows(expected);
  expect(got).toHaveLength(want.length);
  for (let i = 0; i < want.length; i++) {
    expect(got[i][0]).toBe(want[i][0]);
    for (let k = 1; k < 5; k++) near(got[i][k], want[i][k], 1e-6);
  }
});

test('Esc cancels a box being drawn, and pasted boxes land offset on the same image', async ({ page }) => {
  await newProject(page, 'shelves', { classes: ['box'], images: 2 });
  await page.getByTestId('grid-cell').first().click();
  await expect.poll(() => labeler.imageId(page)).not.toBeNull();
  const imageId = (await labeler.imageId(page))!;

  const start = await labeler.at(page, 100, 100);
  const end = await labeler.at(page, 300, 200);
  await page.mouse.move(start.x, start.y);
  await page.mouse.down();
  await page.mouse.move(end.x, end.y, { steps: 5 });
  await page.keyboard.press('Escape');
  await page.mouse.up();
  expect(await labeler.boxes(page)).toEqual([]);
  await expect(page.getByTestId('undo')).toBeDisabled();

  await dragImage(page, [100, 100], [300, 200]);
  await page.keyboard.press('Control+c');
  await page.keyboard.press('Control+v');
  const boxes = await labeler.boxes(page);
  expect(boxes).toHaveLength(2);
  expect(boxes[1].x).toBeGreaterThan(boxes[0].x);
  expect(boxes[1].w).toBe(boxes[0].w);
  await labeler.saved(page);
  expect(asBoxes(await api.annotations.forImage({ imageId }))).toHaveLength(2);

  // Copy every box of the previous image onto the next one.
  await page.keyboard.press('d');
  await expect.poll(() => labeler.imageId(page)).not.toBe(imageId);
  await page.keyboard.press('Control+Shift+v');
  await expect.poll(async () => (await labeler.boxes(page)).length).toBe(2);
  // Statuses: mark done with M, then needs review with R.
  await page.keyboard.press('m');
  await expect(page.getByTestId('labeler-status')).toHaveAttribute('data-status', 'done');
  await page.keyboard.press('r');
  await expect(page.getByTestId('labeler-status')).toHaveAttribute('data-status', 'review');
  const second = (await labeler.imageId(page))!;
  await expect.poll(async () => (await api.images.get({ id: second })).status).toBe('review');
});

test('classification: one key press tags an image and moves on; the tags are stored', async ({ page }) => {
  await newProject(page, 'pets', { task: 'classify', classes: ['cat', 'dog', 'bird'], images: 3 });
  const classes = await api.classes.list();
  const id = (name: string) => classes.find((c) => c.name === name)!.id;
  const images = (await api.images.list({ filter: { kind: 'all' }, offset: 0, limit: 10 })).items;

  await page.getByTestId('grid-cell').first().click();
  const viewer = page.getByTestId('image-viewer');
  await expect(viewer).toHaveAttribute('data-task', 'classify');
  await expect.poll(() => labeler.imageId(page)).toBe(images[0].id);
  await page.keyboard.press('2');
  await expect(viewer.getByTestId('viewer-position')).toHaveText('2 / 3');
  await expect.poll(() => labeler.imageId(page)).toBe(images[1].id);
  await page.keyboard.press('3');
  await expect(viewer.getByTestId('viewer-position')).toHaveText('3 / 3');
  // Change of mind on the second image: back, another tag replaces the first.
  await page.keyboard.press('a');
  await expect.poll(() => labeler.imageId(page)).toBe(images[1].id);
  expect((await labeler.tags(page)).map((t) => t.classId)).toEqual([id('bird')]);
  await page.keyboard.press('1');
  await expect(viewer.getByTestId('viewer-position')).toHaveText('3 / 3');
  await expect.poll(() => page.evaluate(() => window.__reticleLabeler!.saving().pending)).toBe(0);

  const tagsOf = async (imageId: number) => (await api.annotations.forImage({ imageId })).map((a) => [a.kind, a.classId]);
  expect(await tagsOf(images[0].id)).toEqual([['tag', id('dog')]]);
  expect(await tagsOf(images[1].id)).toEqual([['tag', id('cat')]]);
  expect(await tagsOf(images[2].id)).toEqual([]);

  // After a reload the tags show on the images.
  await page.reload();
  await page.getByTestId('grid-cell').first().click();
  await expect.poll(() => labeler.imageId(page)).toBe(images[0].id);
  await expect(page.getByTestId('viewer-tag')).toHaveText(['dog']);
});

test('multi-label classification: keys toggle tags, Enter moves on', async ({ page }) => {
  await newProject(page, 'scenes', { task: 'classify', multiLabel: true, classes: ['indoor', 'people', 'night'], images: 2 });
  const classes = await api.classes.list();
  const images = (await api.images.list({ filter: { kind: 'all' }, offset: 0, limit: 10 })).items;
  await page.getByTestId('grid-cell').first().click();
  await expect.poll(() => labeler.imageId(page)).toBe(images[0].id);
  await page.keyboard.press('1');
  await page.keyboard.press('2');
  await page.keyboard.press('3');
  await page.keyboard.press('1');
  await expect.poll(async () => (await labeler.tags(page)).map((t) => t.classId).sort()).toEqual([classes[1].id, classes[2].id].sort());
  await page.keyboard.press('Enter');
  await expect.poll(() => labeler.imageId(page)).toBe(images[1].id);
  await expect.poll(async () => (await api.annotations.forImage({ imageId: images[0].id })).map((a) => a.classId).sort()).toEqual([classes[1].id, classes[2].id].sort());
});

test('classes: reorder, merge and delete say what they touch; health and splits pages', async ({ page }) => {
  await newProject(page, 'yard', { classes: ['truck', 'van', 'bike'], images: 4, nearDuplicate: true });
  const ids = async () => Object.fromEntries((await api.classes.list()).map((c) => [c.name, c.id]));
  let cls = await ids();
  const images = (await api.images.list({ filter: { kind: 'all' }, offset: 0, limit: 10 })).items;
  const box = (id: string, classId: number, x: number, y: number, w: number, h: number) => ({ op: 'create' as const, annotation: { id, classId, kind: 'box' as const, x, y, w, h } });
  await api.annotations.apply({ imageId: images[0].id, changes: [box('t1', cls.truck, 10, 10, 100, 80), box('t2', cls.truck, 200, 10, 100, 80), box('v1', cls.van, 10, 200, 200, 100)] });
  await api.annotations.apply({ imageId: images[1].id, changes: [box('b1', cls.bike, 300, 300, 3, 3), box('v2', cls.van, 50, 50, 120, 60)] });
  await page.reload();
  const rows = page.getByTestId('class-row');
  await expect(rows).toHaveText([/truck/, /van/, /bike/]);

  // Reorder with the arrows: the order is the hotkey order, and the studio keeps it.
  await page.locator('[data-testid=class-row][data-class-name=truck]').getByTestId('class-down').click();
  await expect(rows).toHaveText([/van/, /truck/, /bike/]);
  await expect.poll(async () => (await api.classes.list()).map((c) => c.name)).toEqual(['van', 'truck', 'bike']);
  await expect(page.locator('[data-testid=class-row][data-class-name=van] .hotkey')).toHaveText('1');
  await page.locator('[data-testid=class-row][data-class-name=truck]').getByTestId('class-up').click();
  await expect.poll(async () => (await api.classes.list()).map((c) => c.name)).toEqual(['truck', 'van', 'bike']);
  // …or by dragging a row: bike above truck, then back below van.
  const row = (name: string) => page.locator(`[data-testid=class-row][data-class-name=${name}]`);
  await row('bike').dragTo(row('truck'), { targetPosition: { x: 20, y: 3 } });
  await expect.poll(async () => (await api.classes.list()).map((c) => c.name)).toEqual(['bike', 'truck', 'van']);
  const vanBox = (await row('van').boundingBox())!;
  await row('bike').dragTo(row('van'), { targetPosition: { x: 20, y: vanBox.height - 3 } });
  await expect.poll(async () => (await api.classes.list()).map((c) => c.name)).toEqual(['truck', 'van', 'bike']);

  // Merge bike into van: first what it touches, then the move.
  const bike = page.locator('[data-testid=class-row][data-class-name=bike]');
  await bike.getByTestId('class-actions').click();
  await bike.getByTestId('class-merge-target').selectOption({ label: 'into van' });
  await bike.getByTestId('class-merge').click();
  await expect(bike.getByTestId('class-impact')).toContainText('1 annotation on 1 image');
  await bike.getByTestId('class-confirm-yes').click();
  await expect(rows).toHaveText([/truck/, /van/]);
  expect((await api.annotations.forImage({ imageId: images[1].id })).map((a) => a.classId)).toEqual([cls.van, cls.van]);

  // Delete asks first; cancelling keeps the class.
  const van = page.locator('[data-testid=class-row][data-class-name=van]');
  await van.getByTestId('class-actions').click();
  await van.getByTestId('class-delete').click();
  await expect(van.getByTestId('class-impact')).toContainText('3 annotations on 2 images');
  await van.getByTestId('class-confirm-no').click();
  await expect(rows).toHaveText([/truck/, /van/]);
  cls = await ids();
  expect(Object.keys(cls).sort()).toEqual(['truck', 'van']);

  // Health: the figures, the charts, and a problem that opens its image with the box selected.
  await page.getByTestId('tab-health').click();
  const health = page.getByTestId('health-page');
  await expect(health.getByTestId('health-images')).toHaveText('5');
  await expect(health.getByTestId('health-unlabeled')).toHaveText('3');
  await expect(health.getByTestId('health-classes-row')).toHaveCount(2);
  await expect(health.getByTestId('health-boxes-per-image')).toHaveAttribute('data-total', /\d+/);
  await expect(health.getByTestId('health-count-tiny_box')).toHaveText('1');
  await expect(health.getByTestId('health-count-near_duplicate')).not.toHaveText('0');
  await health.getByTestId('health-problems-tiny_box').getByRole('button', { name: /Tiny boxes/ }).click();
  await health.getByTestId('health-problems-tiny_box').getByTestId('health-problem').first().click();
  await expect(page.getByTestId('image-viewer')).toBeVisible();
  await expect.poll(() => labeler.imageId(page)).toBe(images[1].id);
  await expect.poll(() => labeler.selected(page)).toEqual(['b1']);
  await page.keyboard.press('Escape');
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('image-viewer')).toBeHidden();

  // Splits: ratios and seed, then two images picked in the grid pinned to test.
  await page.getByTestId('tab-splits').click();
  const splits = page.getByTestId('splits-page');
  await splits.getByTestId('splits-ratio-train').fill('0.6');
  await splits.getByTestId('splits-ratio-val').fill('0.2');
  await splits.getByTestId('splits-ratio-test').fill('0.2');
  await splits.getByTestId('splits-seed').fill('7');
  await splits.getByTestId('splits-apply').click();
  await expect.poll(async () => (await api.splits.get()).settings).toEqual({ ratios: [0.6, 0.2, 0.2], seed: 7 });
  const counted = async () => {
    let sum = 0;
    for (const k of ['train', 'val', 'test', 'unassigned']) sum += Number(await splits.getByTestId(`splits-count-${k}`).getAttribute('data-count'));
    return sum;
  };
  await expect.poll(counted).toBe(5);
  await page.getByTestId('tab-images').click();
  await page.getByTestId('grid-cell').nth(0).click({ modifiers: ['Control'] });
  await page.getByTestId('grid-cell').nth(2).click({ modifiers: ['Control'] });
  await expect(page.getByTestId('grid-selection-count')).toHaveText('2');
  await page.getByTestId('tab-splits').click();
  await expect(splits.getByTestId('splits-picked')).toHaveText('2');
  await splits.getByTestId('splits-pin-test').click();
  await expect(splits.getByTestId('splits-pinned')).toContainText('2 pinned');
  for (const i of [0, 2]) expect(await api.images.get({ id: images[i].id })).toMatchObject({ split: 'test', splitPinned: true });

  // The labeler pins the image it shows.
  await page.getByTestId('tab-images').click();
  await page.getByTestId('grid-selection-clear').click();
  await page.getByTestId('grid-cell').nth(1).click();
  await page.getByTestId('viewer-split-pin').selectOption('val');
  await expect(page.getByTestId('viewer-split')).toHaveText('val');
  expect(await api.images.get({ id: images[1].id })).toMatchObject({ split: 'val', splitPinned: true });
});
