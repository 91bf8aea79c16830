/**
 * Two `reticle serve` processes open in one browser (issue 19, finding 9): cookies are kept per
 * host, not per port, so the second studio's cookie replaced the first's, and the first tab
 * answered 401 on reload. Each studio's cookie is now named by its port.
 */
import { expect, test } from '@playwright/test';
import { startReticleServe, type RunningStudio } from './serve-fixture.js';

let studios: RunningStudio[] = [];

test.beforeAll(async () => {
  studios = await Promise.all([startReticleServe(), startReticleServe()]);
});

test.afterAll(async () => {
  await Promise.all(studios.map((s) => s.stop()));
});

test('a studio opened after another leaves the first one working on reload', async ({ page, context }) => {
  const [first, second] = studios.map((s) => new URL(s.url));
  await page.goto(first.href);
  await expect(page.getByTestId('home')).toBeVisible();

  const other = await context.newPage();
  await other.goto(second.href);
  await expect(other.getByTestId('home')).toBeVisible();

  // The token left the address bar on the first load: only the cookie lets the reload in.
  await page.reload();
  await expect(page.getByTestId('home')).toBeVisible();
  await other.reload();
  await expect(other.getByTestId('home')).toBeVisible();
  const names = (await context.cookies()).map((c) => c.name).sort();
  expect(names).toEqual([`reticle_token_${first.port}`, `reticle_token_${second.port}`].sort());
});
