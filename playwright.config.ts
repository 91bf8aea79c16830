import { defineConfig } from '@playwright/test';

// Debian's Chromium: a browser download cannot run on these machines.
export default defineConfig({
  testDir: 'tests/e2e',
  timeout: 60_000,
  // These machines have 2 cores: a page load under a busy build can take longer than 5 s.
  expect: { timeout: 15_000 },
  workers: 1,
  retries: 0,
  reporter: [['list']],
  use: {
    browserName: 'chromium',
    headless: true,
    viewport: { width: 1400, height: 900 },
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    },
    trace: 'retain-on-failure',
  },
});
