/**
 * A dataset that reaches outside its folder (issue 19, finding 6): the import leaves those
 * images out, lists them, and the app asks whether to take them too; yes imports them.
 */
import { expect, test } from '@playwright/test';
import fs from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { startReticleServe, type RunningStudio } from './serve-fixture.js';

let studio: RunningStudio | null = null;

test.beforeAll(async () => {
  studio = await startReticleServe();
});

test.afterAll(async () => {
  await studio?.stop();
});

async function makeJpeg(file: string, shade: number): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  await sharp({ create: { width: 96, height: 64, channels: 3, background: { r: shade, g: 255 - shade, b: 90 } } }).jpeg().toFile(file);
}

test("asks before importing what a data YAML's path: ../ names, and imports it when told to", async ({ page }) => {
  const work = studio!.work;
  await makeJpeg(path.join(work, 'photos', 'images', 'holiday-1.jpg'), 20);
  await makeJpeg(path.join(work, 'photos', 'images', 'holiday-2.jpg'), 200);
  const dataset = path.join(work, 'dataset');
  await fs.mkdir(path.join(dataset, 'images'), { recursive: true });
  await fs.writeFile(path.join(dataset, 'data.yaml'), 'path: ../photos\ntrain: images\nval: images\nnames: [cat]\n');

  await page.goto(studio!.url);
  await page.getByTestId('new-project-name').fill('Outside');
  await page.getByTestId('new-project-dir').fill(path.join(work, 'project'));
  await page.getByTestId('new-project-create').click();
  await expect(page.getByTestId('project-name')).toHaveText('Outside');

  await page.getByTestId('import-server-path-toggle').click();
  await page.getByTestId('import-server-path').fill(dataset);
  await page.getByTestId('import-server-path-submit').click();

  const report = page.getByTestId('import-report');
  await expect(report.getByTestId('report-imported')).toHaveText('0', { timeout: 45_000 });
  await expect(report.getByTestId('report-failure')).toHaveCount(2);
  await expect(report.getByTestId('report-failure').first()).toContainText('outside the dataset');
  const question = report.getByTestId('import-outside-question');
  await expect(question).toContainText('2 images lie outside the dataset');

  await question.getByTestId('import-outside-allow').click();
  await expect(page.getByTestId('import-report').getByTestId('report-imported')).toHaveText('2', { timeout: 45_000 });
  await expect(page.getByTestId('import-outside-question')).toHaveCount(0);
  await expect(page.getByTestId('filter-all-count')).toHaveText('2');
});
