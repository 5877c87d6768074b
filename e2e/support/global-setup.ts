// Once per run, before any worker starts: checks the environment (VAERN_BIN,
// VAERN_SITE_ROOT, E2E_PORT), empties e2e/.run and removes the server logs of the last
// run, and refuses to start when one of the workers' ports is taken. The servers
// themselves are started per worker by the `server` fixture (support/server.ts).
import fs from 'node:fs';
import path from 'node:path';
import type { FullConfig } from '@playwright/test';
import { e2eEnv, RUN_DIR, workerFiles } from './env';
import { portIsOpen } from './server';

export default async function globalSetup(config: FullConfig): Promise<void> {
  e2eEnv();

  fs.rmSync(RUN_DIR, { recursive: true, force: true });
  fs.mkdirSync(RUN_DIR, { recursive: true });
  const e2eDir = path.resolve(__dirname, '..');
  for (const name of fs.readdirSync(e2eDir)) {
    if (/^server(-\d+)?\.log$/.test(name)) fs.rmSync(path.join(e2eDir, name), { force: true });
  }

  const taken: number[] = [];
  for (let index = 0; index < config.workers; index++) {
    const { port } = workerFiles(index);
    if (await portIsOpen(port)) taken.push(port);
  }
  if (taken.length > 0) {
    throw new Error(
      `Something already listens on 127.0.0.1:${taken.join(', 127.0.0.1:')}; stop it or choose another E2E_PORT. ` +
        `Each of the ${config.workers} workers starts its own server on 127.0.0.1:(E2E_PORT + worker index), ` +
        'on a fresh data directory.',
    );
  }
}
