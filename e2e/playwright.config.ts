// Værn's browser tests: Playwright against Debian's Chromium (never a downloaded
// browser), one worker, one server started by support/global-setup.ts.
//
//   VAERN_BIN=<debug vaern> VAERN_SITE_ROOT=<abs target/site> E2E_PORT=3300 npx playwright test
//
// (`make e2e` sets these.)
import { defineConfig } from '@playwright/test';

const port = Number(process.env.E2E_PORT ?? 3300);

export default defineConfig({
  testDir: './tests',
  globalSetup: './support/global-setup.ts',
  // Two cores, one shared server and one database: run everything in order.
  workers: 1,
  fullyParallel: false,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  // One retry: since pages became plain loads (islands), about one page load in a few
  // hundred has never been answered by the server (the hang of server/tests/it/helpers.rs,
  // cause not found yet). A retried test is reported as flaky, so it stays visible.
  retries: 1,
  forbidOnly: !!process.env.CI,
  reporter: [['list'], ['html', { open: 'never' }]],
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    browserName: 'chromium',
    headless: true,
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
    locale: 'da-DK',
    timezoneId: 'Europe/Copenhagen',
    actionTimeout: 10_000,
    navigationTimeout: 30_000,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
  projects: [{ name: 'chromium' }],
});
