// Starts one Værn server for the whole run, on a fresh data directory filled with the
// demo content, and waits until it answers; the returned function stops it again.
//
// Reads VAERN_BIN (the debug `vaern` binary), VAERN_SITE_ROOT (absolute path of
// target/site) and E2E_PORT. The server's output goes to e2e/server.log. Its mail goes,
// one file per message, to e2e/.run/mail (MAIL_DIR in env.ts; support/mail.ts reads it),
// which is emptied first, like the rest of e2e/.run.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { FullConfig } from '@playwright/test';
import { DATA_DIR_FILE, e2eEnv, MAIL_DIR, RUN_DIR } from './env';

const LOG_FILE = path.resolve(__dirname, '..', 'server.log');
const STARTUP_TIMEOUT_MS = 90_000;

export default async function globalSetup(_config: FullConfig): Promise<() => Promise<void>> {
  const { bin, siteRoot, port } = e2eEnv();
  const origin = `http://127.0.0.1:${port}`;

  if (await portIsOpen(port)) {
    throw new Error(
      `Something already listens on 127.0.0.1:${port}; stop it or choose another E2E_PORT. ` +
        'The suite always starts its own server on a fresh data directory.',
    );
  }

  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vaern-e2e-'));
  const demo = spawnSync(bin, ['--data-dir', dataDir, 'demo'], { encoding: 'utf8', timeout: 120_000 });
  if (demo.error || demo.status !== 0) {
    fs.rmSync(dataDir, { recursive: true, force: true });
    throw new Error(
      `\`${bin} --data-dir ${dataDir} demo\` failed (status ${demo.status}): ` +
        `${demo.error?.message ?? ''}\n${demo.stdout}\n${demo.stderr}`,
    );
  }

  fs.rmSync(RUN_DIR, { recursive: true, force: true });
  fs.mkdirSync(MAIL_DIR, { recursive: true });
  fs.writeFileSync(DATA_DIR_FILE, dataDir);

  const log = fs.openSync(LOG_FILE, 'w');
  const server = spawn(
    bin,
    ['--data-dir', dataDir, 'serve', '--addr', `127.0.0.1:${port}`, '--site-root', siteRoot, '--mail-dir', MAIL_DIR],
    { stdio: ['ignore', log, log], env: { ...process.env, VAERN_LOG: process.env.VAERN_LOG ?? 'info' } },
  );
  fs.closeSync(log);
  const killOnExit = () => server.kill('SIGKILL');
  process.on('exit', killOnExit);

  const stop = async () => {
    process.off('exit', killOnExit);
    await terminate(server);
    if (process.env.E2E_KEEP_DATA) {
      console.log(`Kept the e2e data directory ${dataDir}`);
    } else {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  };

  try {
    await waitUntilServing(`${origin}/sign-in`, server);
  } catch (err) {
    await stop();
    throw new Error(`${(err as Error).message}\n--- ${LOG_FILE} (tail) ---\n${tail(LOG_FILE)}`);
  }
  return stop;
}

async function waitUntilServing(url: string, server: ChildProcess): Promise<void> {
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    if (server.exitCode !== null || server.signalCode !== null) {
      throw new Error(`The server exited during start-up (${server.exitCode ?? server.signalCode}).`);
    }
    try {
      const response = await fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(5_000) });
      if (response.status === 200) return;
      last = `HTTP ${response.status}`;
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${url} did not answer 200 within ${STARTUP_TIMEOUT_MS / 1000} s (last: ${last}).`);
}

async function terminate(server: ChildProcess): Promise<void> {
  if (server.exitCode !== null || server.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => server.once('exit', () => resolve()));
  server.kill('SIGTERM');
  const timer = setTimeout(() => server.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

function portIsOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function tail(file: string, lines = 40): string {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}
