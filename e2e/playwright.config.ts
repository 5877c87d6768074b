// Værn's browser tests: Playwright against Debian's Chromium (never a downloaded
// browser). Each worker starts its own server on its own fresh demo data (the `server`
// fixture in support/fixtures.ts, see support/server.ts): worker N listens on
// 127.0.0.1:(E2E_PORT + N), and `baseURL` points there. support/global-setup.ts only
// checks the environment and the ports and empties e2e/.run.
//
//   VAERN_BIN=<debug vaern> VAERN_SITE_ROOT=<abs target/site> E2E_PORT=3300 npx playwright test
//
// (`make e2e` sets these; E2E_WORKERS, default 2, sets the number of workers.)
import { defineConfig } from '@playwright/test';

export default defineConfig({
  testDir: './tests',
  globalSetup: './support/global-setup.ts',
  // Workers share no state (each has its own server and database), so spec files are
  // spread over them; the tests of one file run in order, in one worker (except
  // tests/a11y.spec.ts, which opts into `mode: 'parallel'`: its visits are independent).
  workers: Number(process.env.E2E_WORKERS ?? 2),
  fullyParallel: false,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  // No retries: a test that fails once is a failure. (The page loads that were never
  // answered had a cause, fixed in the server: see `Server::run_until_stopped`.)
  retries: 0,
  forbidOnly: !!process.env.CI,
  reporter: [['list'], ['html', { open: 'never' }]],
  use: {
    // baseURL: set per worker by the `server` fixture (support/fixtures.ts).
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
