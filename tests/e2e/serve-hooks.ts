/**
 * Playwright hooks around a `reticle serve` shared by a spec file's tests. Apart from
 * serve-fixture.ts, which unit tests import too and which must not load Playwright.
 */
import { test } from '@playwright/test';
import type { RunningStudio } from './serve-fixture.js';

/** Stops the studio after the file's tests, and attaches its output to a failed test's report. */
export function stopAfterTests(studio: () => RunningStudio | null): void {
  test.afterAll(async () => {
    await studio()?.stop();
  });
  test.afterEach(async ({}, testInfo) => {
    if (testInfo.status !== testInfo.expectedStatus) await testInfo.attach('reticle serve output', { body: studio()?.log() ?? '', contentType: 'text/plain' });
  });
}
