/**
 * The foundation, end to end: `reticle serve` with a fresh home, driven through the browser UI
 * as a user would: make a project, import a folder (with a duplicate and a broken file), browse
 * and view the images, reload, import a YOLO dataset from a server path and see its boxes.
 */
import { expect, test, type Page } from '@playwright/test';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { startReticleServe, type RunningStudio } from './serve-fixture.js';


let studio: RunningStudio | null = null;
let studioUrl = '';
let work = '';

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  studio = await startReticleServe();
  studioUrl = studio.url;
  work = studio.work;
});

test.afterAll(async () => {
  await studio?.stop();
});

test.afterEach(async ({}, testInfo) => {
  if (testInfo.status !== testInfo.expectedStatus) await testInfo.attach('reticle serve output', { body: studio?.log() ?? '', contentType: 'text/plain' });
});

/** A JPEG with its own colour and a lighter square, so every file hashes differently. */
async function makeJpeg(file: string, width: number, height: number, hue: number): Promise<void> {
  const [r, g, b] = [(hue * 53) % 256, (hue * 97) % 256, (hue * 151) % 256];
  const square = await sharp({ create: { width: Math.round(width / 3), height: Math.round(height / 3), channels: 3, background: { r: 255 - r, g: 255 - g, b: 255 - b } } })
    .png()
    .toBuffer();
  await sharp({ create: { width, height, channels: 3, background: { r, g, b } } })
    .composite([{ input: square, left: Math.round(width / 6), top: Math.round(height / 6) }])
    .jpeg({ quality: 85 })
    .toFile(file);
}

async function createProject(page: Page, name: string, dir: string, task: 'detect' | 'classify' = 'detect') {
  const projectView = page.getByTestId('project-view');
  if (await projectView.isVisible()) {
    await page.getByTestId('close-project').click();
  }
  await expect(page.getByTestId('home')).toBeVisible();
  await page.getByTestId('new-project-name').fill(name);
  await page.getByTestId(`new-project-task-${task}`).check();
  await page.getByTestId('new-project-dir').fill(dir);
  await page.getByTestId('new-project-create').click();
  await expect(page.getByTestId('project-name')).toHaveText(name);
}

test('import a folder through the browser, browse it, and find it all again after a reload', async ({ page }) => {
  const photos = path.join(work, 'photos');
  await fs.mkdir(photos);
  for (let i = 0; i < 11; i++) await makeJpeg(path.join(photos, `photo-${String(i).padStart(2, '0')}.jpg`), 320 + 8 * i, 240, i + 1);
  // The twelfth good file is a byte-for-byte copy of the first: a duplicate.
  await fs.copyFile(path.join(photos, 'photo-00.jpg'), path.join(photos, 'photo-copy.jpg'));
  await fs.writeFile(path.join(photos, 'bad.jpg'), randomBytes(4096));

  await page.goto(studioUrl);
  // The token is traded for a cookie and leaves the address bar.
  await expect(page).not.toHaveURL(/token=/);
  await expect(page.getByTestId('home')).toBeVisible();

  // A project folder that is not empty is refused, and the user is told why.
  await page.getByTestId('new-project-name').fill('Photos');
  await page.getByTestId('new-project-dir').fill(photos);
  await page.getByTestId('new-project-create').click();
  await expect(page.getByTestId('new-project-error')).toBeVisible();
  await expect(page.getByTestId('new-project-error')).not.toBeEmpty();

  await page.getByTestId('new-project-dir').fill(path.join(work, 'photos-project'));
  await page.getByTestId('new-project-create').click();
  await expect(page.getByTestId('project-name')).toHaveText('Photos');
  await expect(page.getByTestId('filter-all-count')).toHaveText('0');

  await page.setInputFiles('[data-testid=import-folder-input]', photos);

  const report = page.getByTestId('import-report');
  await expect(report).toBeVisible({ timeout: 45_000 });
  await expect(report.getByTestId('report-imported')).toHaveText('11');
  await expect(report.getByTestId('report-duplicates')).toHaveText('1');
  await expect(report.getByTestId('report-failed')).toHaveText('1');
  const failure = report.getByTestId('report-failure');
  await expect(failure).toHaveCount(1);
  await expect(failure.locator('td').first()).toContainText('bad.jpg');
  await expect(failure.locator('td').nth(1)).not.toBeEmpty();

  await expect(page.getByTestId('filter-all-count')).toHaveText('11');
  await expect(page.getByTestId('filter-unlabeled-count')).toHaveText('11');
  await expect(page.getByTestId('image-grid')).toHaveAttribute('data-total', '11');
  await expect(page.getByTestId('grid-cell')).toHaveCount(11);
  // Thumbnails come through the media route with the cookie.
  const firstThumb = page.getByTestId('grid-cell').first().locator('img');
  await expect.poll(() => firstThumb.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBeGreaterThan(0);

  // The viewer: the full image, its details, next with D, back with ←, closed with Esc.
  await page.getByTestId('grid-cell').first().click();
  const viewer = page.getByTestId('image-viewer');
  await expect(viewer).toBeVisible();
  await expect(viewer.getByTestId('viewer-position')).toHaveText('1 / 11');
  await expect(viewer.getByTestId('viewer-size')).toHaveText(/\d+ × 240/);
  const full = viewer.getByTestId('viewer-image');
  await expect.poll(() => full.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBeGreaterThanOrEqual(320);
  const firstName = await viewer.getByTestId('viewer-name').textContent();
  await page.keyboard.press('d');
  await expect(viewer.getByTestId('viewer-position')).toHaveText('2 / 11');
  await expect(viewer.getByTestId('viewer-name')).not.toHaveText(firstName!);
  await page.keyboard.press('ArrowLeft');
  await expect(viewer.getByTestId('viewer-name')).toHaveText(firstName!);
  await page.keyboard.press('Escape');
  await expect(viewer).toBeHidden();

  await page.reload();
  await expect(page.getByTestId('project-name')).toHaveText('Photos');
  await expect(page.getByTestId('filter-all-count')).toHaveText('11');
  await expect(page.getByTestId('grid-cell')).toHaveCount(11);
  await page.getByTestId('grid-cell').nth(3).click();
  await expect(page.getByTestId('viewer-position')).toHaveText('4 / 11');
  await page.keyboard.press('Escape');

  // The project is remembered on the start page.
  await page.getByTestId('close-project').click();
  await expect(page.getByTestId('recent-project').filter({ hasText: 'Photos' })).toBeVisible();
});

test('import a YOLO dataset from a path on the server and see its boxes and classes', async ({ page }) => {
  const dataset = path.join(work, 'forklifts');
  await fs.mkdir(path.join(dataset, 'images/train'), { recursive: true });
  await fs.mkdir(path.join(dataset, 'labels/train'), { recursive: true });
  await fs.writeFile(path.join(dataset, 'data.yaml'), 'path: .\ntrain: images/train\nval: images/train\nnames:\n  0: forklift\n  1: pallet\n');
  await makeJpeg(path.join(dataset, 'images/train/a.jpg'), 640, 480, 30);
  await makeJpeg(path.join(dataset, 'images/train/b.jpg'), 640, 480, 31);
  await makeJpeg(path.join(dataset, 'images/train/c.jpg'), 640, 480, 32);
  // a.jpg: a forklift in the middle (x 240..400, y 120..360) and a pallet; b.jpg: a forklift; c.jpg: nothing.
  await fs.writeFile(path.join(dataset, 'labels/train/a.txt'), '0 0.5 0.5 0.25 0.5\n1 0.125 0.875 0.125 0.125\n');
  await fs.writeFile(path.join(dataset, 'labels/train/b.txt'), '0 0.3 0.3 0.2 0.2\n');
  await fs.writeFile(path.join(dataset, 'labels/train/c.txt'), '');

  await page.goto(studioUrl);
  await createProject(page, 'Forklifts', path.join(work, 'forklift-project'));

  await page.getByTestId('import-server-path-toggle').click();
  await page.getByTestId('import-server-path').fill(dataset);
  await page.getByTestId('import-server-path-submit').click();

  const report = page.getByTestId('import-report');
  await expect(report).toBeVisible({ timeout: 45_000 });
  await expect(report.getByTestId('report-imported')).toHaveText('3');
  await expect(report.getByTestId('report-failed')).toHaveText('0');
  await expect(report.getByTestId('report-annotations')).toHaveText('3');

  const forklift = page.locator('[data-testid=class-row][data-class-name=forklift]');
  const pallet = page.locator('[data-testid=class-row][data-class-name=pallet]');
  await expect(forklift.getByTestId('class-count')).toHaveText('2');
  await expect(pallet.getByTestId('class-count')).toHaveText('1');
  await expect(page.getByTestId('filter-labeled-count')).toHaveText('3');

  // Filter by class: only the two images with a forklift.
  await page.getByTestId('filter-class').selectOption({ label: 'forklift (2)' });
  await expect(page.getByTestId('image-grid')).toHaveAttribute('data-total', '2');
  await expect(page.getByTestId('grid-cell')).toHaveCount(2);
  await page.getByTestId('filter-all').click();
  await expect(page.getByTestId('grid-cell')).toHaveCount(3);

  await page.locator('[data-testid=grid-cell]:has(img[alt="a.jpg"])').click();
  const viewer = page.getByTestId('image-viewer');
  await expect(viewer.getByTestId('viewer-name')).toHaveText('a.jpg');
  const boxes = viewer.getByTestId('viewer-box');
  await expect(boxes).toHaveCount(2);
  const forkliftBox = viewer.locator('[data-testid=viewer-box][data-class-name=forklift]');
  await expect(forkliftBox).toHaveCount(1);
  await expect(forkliftBox).toContainText('forklift');

  // The box sits where the label file put it, on the image as displayed.
  const image = await viewer.getByTestId('viewer-image').boundingBox();
  const box = await forkliftBox.boundingBox();
  expect(image && box).toBeTruthy();
  const scale = image!.width / 640;
  expect(Math.abs(image!.height / 480 - scale)).toBeLessThan(0.01);
  expect(Math.abs(box!.x - (image!.x + 240 * scale))).toBeLessThan(3);
  expect(Math.abs(box!.y - (image!.y + 120 * scale))).toBeLessThan(3);
  expect(Math.abs(box!.width - 160 * scale)).toBeLessThan(3);
  expect(Math.abs(box!.height - 240 * scale)).toBeLessThan(3);

  // Move to an image without labels: no boxes.
  await page.locator('body').press('Escape');
  await page.locator('[data-testid=grid-cell]:has(img[alt="c.jpg"])').click();
  await expect(viewer.getByTestId('viewer-name')).toHaveText('c.jpg');
  await expect(viewer.getByTestId('viewer-annotation-count')).toHaveText('0');
  await expect(viewer.getByTestId('viewer-box')).toHaveCount(0);
  await page.keyboard.press('Escape');

  // Classes: add one, rename one, recolour one; all of it is still there after a reload.
  await page.getByTestId('class-add-name').fill('person');
  await page.getByTestId('class-add-submit').click();
  await expect(page.locator('[data-testid=class-row][data-class-name=person]').getByTestId('class-count')).toHaveText('0');
  await pallet.getByTestId('class-name').click();
  await page.getByTestId('class-name-input').fill('skid');
  await page.getByTestId('class-name-input').press('Enter');
  const skid = page.locator('[data-testid=class-row][data-class-name=skid]');
  await expect(skid.getByTestId('class-count')).toHaveText('1');
  await forklift.getByTestId('class-color').fill('#12ab34');
  // Adding a class under a name already taken is refused, and the user sees why.
  await page.getByTestId('class-add-name').fill('forklift');
  await page.getByTestId('class-add-submit').click();
  await expect(page.getByTestId('class-add-error')).toBeVisible();
  await expect
    .poll(async () => {
      await page.reload();
      await expect(page.locator('[data-testid=class-row]')).toHaveText([/forklift/, /skid/, /person/]);
      return forklift.getByTestId('class-color').inputValue();
    })
    .toBe('#12ab34');

  // Export to YOLO: the dialog reports what it wrote.
  await page.getByTestId('export-button').click();
  const dialog = page.getByTestId('export-dialog');
  await expect(dialog.getByTestId('export-format')).toHaveValue('yolo');
  const out = path.join(work, 'forklift-export');
  await dialog.getByTestId('export-dir').fill(out);
  await dialog.getByTestId('export-split-train').fill('0.5');
  await dialog.getByTestId('export-start').click();
  // The ratios must add up to 1: 0.5 + 0.1 + 0.1 does not.
  await expect(dialog.getByTestId('export-form-error')).toContainText('add up');
  await dialog.getByTestId('export-split-train').fill('0.8');
  await dialog.getByTestId('export-start').click();
  await expect(dialog.getByTestId('export-report')).toBeVisible({ timeout: 30_000 });
  await expect(dialog.getByTestId('export-report-images')).toHaveText('3');
  const written = await fs.readdir(out);
  expect(written.some((name) => name.endsWith('.yaml'))).toBe(true);
  await dialog.getByTestId('export-close').click();
  await expect(dialog).toBeHidden();
});
