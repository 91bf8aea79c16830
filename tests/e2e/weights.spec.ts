/**
 * Pretrained weights and the Weights tab, against a real `reticle serve` whose runtime is the
 * Ultralytics test double (python-runtime/tests/doubles) and whose weights mirror
 * (RETICLE_WEIGHTS_MIRROR) is an HTTP server of the test's on 127.0.0.1. The training form
 * starts from pretrained weights; the Weights tab fetches one from the mirror and lists it,
 * shows a fetch's progress and cancels it, says why a fetch failed, and adds and removes a file.
 */
import { expect, test } from '@playwright/test';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { startReticleServe, type RunningStudio } from './serve-fixture.js';
import { DOUBLE_RUNTIME_ENV, pretrainedFile } from './weights-fixture.js';

/**
 * The mirror: yolo11n.pt whole; yolo11s.pt only its first half, then nothing until the client
 * gives up (a gate: the test sees the fetch mid-way, for as long as it likes); 404 otherwise.
 */
function startMirror(file: Buffer) {
  const held = new Set<http.ServerResponse>();
  const server = http.createServer((req, res) => {
    const name = decodeURIComponent(new URL(req.url ?? '/', 'http://mirror').pathname.slice(1));
    if (name !== 'yolo11n.pt' && name !== 'yolo11s.pt') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not here');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(file.length) });
    if (name === 'yolo11n.pt') {
      res.end(file);
      return;
    }
    held.add(res);
    res.write(file.subarray(0, file.length / 2));
  });
  return {
    server,
    listen: () => new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port))),
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of held) res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

let studio: RunningStudio | null = null;
let mirror: ReturnType<typeof startMirror> | null = null;
let mirrorUrl = '';
let weightsFile: Buffer;

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  weightsFile = pretrainedFile();
  mirror = startMirror(weightsFile);
  mirrorUrl = `http://127.0.0.1:${await mirror.listen()}/`;
  studio = await startReticleServe({
    env: { ...DOUBLE_RUNTIME_ENV, RETICLE_WEIGHTS_MIRROR: mirrorUrl },
  });
  await studio.api.projects.create({ dir: path.join(studio.work, 'street'), name: 'Street', task: 'detect' });
});

test.afterAll(async () => {
  await studio?.stop();
  await mirror?.close();
});

test.afterEach(async ({}, testInfo) => {
  if (testInfo.status !== testInfo.expectedStatus) await testInfo.attach('reticle serve output', { body: studio?.log() ?? '', contentType: 'text/plain' });
});

test('the training form starts from pretrained weights, fetched from the mirror when the library lacks them', async ({ page }) => {
  await page.goto(studio!.url);
  await expect(page.getByTestId('project-name')).toHaveText('Street');
  await page.getByTestId('tab-training').click();
  const form = page.getByTestId('training-form');
  await expect(form.getByTestId('model-source-pretrained')).toBeChecked();
  await expect(form.getByRole('radiogroup').locator('label').first()).toContainText('Pretrained on COCO (recommended)');
  await expect(form.getByTestId('pretrained-status')).toHaveText(`yolo11n.pt (COCO): will be downloaded from the mirror ${mirrorUrl} when you press Train.`);
});

test('the Weights tab fetches pretrained weights from the mirror and lists them', async ({ page }) => {
  await page.goto(studio!.url);
  await page.getByTestId('tab-weights').click();
  const source = page.getByTestId('weights-source');
  await expect(source.getByTestId('weights-source-current')).toContainText(`the mirror ${mirrorUrl}`);
  await expect(source.getByTestId('weights-source-env')).toContainText('RETICLE_WEIGHTS_MIRROR');
  await expect(page.getByTestId('weights-library-empty')).toBeVisible();

  await page.getByRole('button', { name: 'Fetch yolo11n.pt' }).click();
  const row = page.locator('[data-testid=weights-entry][data-name="yolo11n.pt"]');
  await expect(row).toBeVisible({ timeout: 30_000 });
  await expect(row.getByTestId('weights-entry-size')).toHaveText(`${weightsFile.length} B`);
  await expect(row.getByTestId('weights-entry-task')).toHaveText('detection');
  await expect(row.getByTestId('weights-entry-classes')).toHaveText('3');
  await expect(row.getByTestId('weights-entry-origin')).toHaveText(`downloaded from ${new URL(mirrorUrl).host}`);
  await expect(page.locator('[data-testid=pretrained-cell][data-name="yolo11n.pt"]')).toHaveAttribute('data-in-library', 'true');
  await expect(page.getByTestId('weights-outcome').first()).toContainText('Added to the library: yolo11n.pt');

  // The training form now trains from the library's copy.
  await page.getByTestId('tab-training').click();
  await expect(page.getByTestId('pretrained-status')).toHaveText(`yolo11n.pt (COCO): in the library, ${weightsFile.length} B.`);
});

test('a fetch shows its bytes as they arrive, and Cancel stops it', async ({ page }) => {
  await page.goto(studio!.url);
  await page.getByTestId('tab-weights').click();
  await page.getByRole('button', { name: 'Fetch yolo11s.pt' }).click();
  const job = page.locator('[data-testid=weights-job][data-name="yolo11s.pt"]');
  await expect(job.getByTestId('weights-job-progress')).toHaveText(`${weightsFile.length / 2} B of ${weightsFile.length} B (50%)`);
  await expect(page.locator('[data-testid=pretrained-cell][data-name="yolo11s.pt"]')).toContainText('50%');

  await job.getByTestId('weights-job-cancel').click();
  await expect(job).toBeHidden();
  await expect(page.locator('[data-testid=weights-outcome][data-status=cancelled]')).toContainText('Downloading yolo11s.pt: cancelled.');
  await expect(page.getByRole('button', { name: 'Fetch yolo11s.pt' })).toBeVisible();
  await expect(page.locator('[data-testid=weights-entry][data-name="yolo11s.pt"]')).toHaveCount(0);
});

test('weights the mirror lacks: the fetch fails and says what to do', async ({ page }) => {
  await page.goto(studio!.url);
  await page.getByTestId('tab-weights').click();
  await page.getByRole('button', { name: 'Fetch yolo11m.pt' }).click();
  const failed = page.locator('[data-testid=weights-outcome][data-status=failed]');
  await expect(failed).toContainText('Downloading yolo11m.pt failed.');
  await expect(failed.getByTestId('weights-outcome-error')).toContainText('has no yolo11m.pt');
  await expect(page.locator('[data-testid=weights-entry][data-name="yolo11m.pt"]')).toHaveCount(0);
});

test('weights I have are added by path, and removed', async ({ page }) => {
  const mine = path.join(studio!.work, 'usb', 'my-detector.pt');
  fs.mkdirSync(path.dirname(mine));
  fs.writeFileSync(mine, weightsFile);
  await page.goto(studio!.url);
  await page.getByTestId('tab-weights').click();
  await page.getByTestId('weights-add-path').fill(path.dirname(mine));
  await page.getByTestId('weights-add-submit').click();
  const row = page.locator('[data-testid=weights-entry][data-name="my-detector.pt"]');
  await expect(row.getByTestId('weights-entry-origin')).toHaveText(`added from ${mine}`, { timeout: 30_000 });
  await expect(row.getByTestId('weights-entry-classes')).toHaveText('3');

  await row.getByTestId('weights-entry-remove').click();
  await row.getByTestId('weights-entry-remove-confirm').click();
  await expect(row).toHaveCount(0);
  await expect(page.locator('[data-testid=weights-entry][data-name="yolo11n.pt"]')).toBeVisible();
});
