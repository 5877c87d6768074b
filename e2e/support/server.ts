// One Værn server per Playwright worker (the `server` fixture in fixtures.ts starts it
// when the worker starts and stops it when the worker ends), so workers share no state.
//
// For worker slot N (Playwright's parallelIndex, which a restarted worker keeps):
//   - a fresh temporary data directory filled by `vaern demo`,
//   - `vaern serve` on 127.0.0.1:(E2E_PORT + N), its output appended to e2e/server-N.log,
//   - its mail written to e2e/.run/worker-N/mail (support/mail.ts reads it).
// A worker that Playwright restarts after a failure (and the retry it runs) gets a new
// server on fresh demo data; the log keeps the output of every server of the slot.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { e2eEnv, workerFiles } from './env';

const STARTUP_TIMEOUT_MS = 90_000;
const STOP_GRACE_MS = 10_000;

export interface VaernServer {
  /** `http://127.0.0.1:PORT`: the worker's `baseURL`. */
  origin: string;
  port: number;
  /** The server's data directory (for `vaern --data-dir DIR …` commands in tests). */
  dataDir: string;
  /** Where the server writes its mail. */
  mailDir: string;
  logFile: string;
  stop: () => Promise<void>;
}

export async function startServer(parallelIndex: number): Promise<VaernServer> {
  const { bin, siteRoot } = e2eEnv();
  const files = workerFiles(parallelIndex);
  const { port, mailDir, logFile } = files;
  const origin = `http://127.0.0.1:${port}`;

  if (await portIsOpen(port)) {
    throw new Error(
      `Something already listens on 127.0.0.1:${port} (E2E_PORT + ${parallelIndex}, worker ${parallelIndex}'s port); ` +
        'stop it or choose another E2E_PORT. Every worker starts its own server on a fresh data directory.',
    );
  }

  // A fresh database has accepted no TOTP codes yet, so the slot's record of used steps
  // starts over. Mail of an earlier server of the slot stays (tests only look at
  // messages that arrive after they act).
  fs.mkdirSync(mailDir, { recursive: true });
  fs.rmSync(files.totpStepsFile, { force: true });

  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `vaern-e2e-w${parallelIndex}-`));
  const removeDataDir = () => {
    if (process.env.E2E_KEEP_DATA) {
      console.log(`Kept the e2e data directory of worker ${parallelIndex}: ${dataDir}`);
    } else {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  };
  const demo = spawnSync(bin, ['--data-dir', dataDir, 'demo'], { encoding: 'utf8', timeout: 120_000 });
  if (demo.error || demo.status !== 0) {
    fs.rmSync(dataDir, { recursive: true, force: true });
    throw new Error(
      `\`${bin} --data-dir ${dataDir} demo\` failed (status ${demo.status}): ` +
        `${demo.error?.message ?? ''}\n${demo.stdout}\n${demo.stderr}`,
    );
  }
  fs.writeFileSync(files.dataDirFile, dataDir);

  // Appended, not overwritten: after a failure Playwright restarts the worker, and the
  // failed test's server output must survive the next server of the slot.
  fs.appendFileSync(
    logFile,
    `\n===== ${new Date().toISOString()} worker ${parallelIndex} (pid ${process.pid}): ` +
      `vaern serve on ${origin}, data ${dataDir} =====\n`,
  );
  const log = fs.openSync(logFile, 'a');
  const server = spawn(
    bin,
    ['--data-dir', dataDir, 'serve', '--addr', `127.0.0.1:${port}`, '--site-root', siteRoot, '--mail-dir', mailDir],
    { stdio: ['ignore', log, log], env: { ...process.env, VAERN_LOG: process.env.VAERN_LOG ?? 'info' } },
  );
  fs.closeSync(log);
  // Should the worker process end without tearing its fixtures down.
  const killOnExit = () => server.kill('SIGKILL');
  process.on('exit', killOnExit);

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await terminate(server);
    process.off('exit', killOnExit);
    removeDataDir();
  };

  try {
    await waitUntilServing(`${origin}/sign-in`, server);
  } catch (err) {
    await stop();
    throw new Error(`${(err as Error).message}\n--- ${logFile} (tail) ---\n${tail(logFile)}`);
  }
  return { origin, port, dataDir, mailDir, logFile, stop };
}

async function waitUntilServing(url: string, server: ChildProcess): Promise<void> {
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    if (server.exitCode !== null || server.signalCode !== null) {
      throw new Error(`The server for ${url} exited during start-up (${server.exitCode ?? server.signalCode}).`);
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

/** SIGTERM, then SIGKILL if the server has not exited after STOP_GRACE_MS. */
async function terminate(server: ChildProcess): Promise<void> {
  if (server.exitCode !== null || server.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => server.once('exit', () => resolve()));
  server.kill('SIGTERM');
  const timer = setTimeout(() => server.kill('SIGKILL'), STOP_GRACE_MS);
  await exited;
  clearTimeout(timer);
}

export function portIsOpen(port: number): Promise<boolean> {
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
