/**
 * End-to-end tests. "web": the loopback web mode driven in Debian's Chromium, one server per
 * test on a fresh temp workspace and user-data folder (test/e2e/fixtures.ts). "electron": the
 * desktop build through Playwright's Electron launcher, skipped where no Electron binary exists.
 */
import { defineConfig } from '@playwright/test';

const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export default defineConfig({
  testDir: `${import.meta.dirname}/test/e2e`,
  outputDir: `${import.meta.dirname}/test-results`,
  globalSetup: `${import.meta.dirname}/test/e2e/global-setup.ts`,
  workers: 2,
  fullyParallel: true,
  forbidOnly: !!process.env.CI,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 15_000 },
  reporter: [['list']],
  use: { trace: 'retain-on-failure', screenshot: 'only-on-failure', testIdAttribute: 'data-testid' },
  projects: [
    {
      name: 'web',
      testMatch: 'web/**/*.spec.ts',
      // Tall enough that a 19-row capture fits the virtualised table without scrolling.
      use: { browserName: 'chromium', viewport: { width: 1440, height: 1000 }, launchOptions: { executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS } },
    },
    { name: 'electron', testMatch: 'electron/**/*.spec.ts' },
  ],
});
