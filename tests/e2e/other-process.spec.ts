/**
 * A studio open in the browser while `reticle import` runs in a terminal on the same project:
 * the grid fills in with the imported images, without a reload.
 */
import { expect, test } from '@playwright/test';
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { ROOT, startReticleServe, type RunningStudio } from './serve-fixture.js';

let studio: RunningStudio | null = null;

test.beforeAll(async () => {
  studio = await startReticleServe();
});
test.afterAll(async () => {
  await studio?.stop();
});

test('images imported by another process appear in the open grid', async ({ page }) => {
  const { api, work, url } = studio!;
  const dir = path.join(work, 'shared-project');
  await api.projects.create({ dir, name: 'Shared', task: 'detect' });
  const folder = path.join(work, 'photos');
  await fs.mkdir(folder);
  const count = 12;
  for (let i = 0; i < count; i++) {
    await sharp({ create: { width: 96, height: 64, channels: 3, background: { r: (i * 53) % 256, g: (i * 97) % 256, b: (i * 151) % 256 } } })
      .jpeg()
      .toFile(path.join(folder, `photo-${i}.jpg`));
  }

  await page.goto(url);
  await expect(page.getByTestId('project-name')).toHaveText('Shared');
  await expect(page.getByTestId('grid-cell')).toHaveCount(0);

  // Another process: the CLI, with a home of its own, as a second terminal would run it.
  const cli = spawn(process.execPath, [path.join(ROOT, 'bin/reticle.mjs'), 'import', dir, folder, '--json'], {
    cwd: ROOT,
    env: { ...process.env, RETICLE_HOME: path.join(work, 'cli-home') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  cli.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  cli.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((resolve) => cli.once('exit', resolve));
  expect(code, out).toBe(0);

  await expect(page.getByTestId('grid-cell')).toHaveCount(count);
});
