// The environment the suite runs in (set by `make e2e`), and where each worker's server
// keeps its files.
import fs from 'node:fs';
import path from 'node:path';

export interface E2eEnv {
  /** The `vaern` binary under test. */
  bin: string;
  /** Absolute path of the compiled site (pkg/, CSS). */
  siteRoot: string;
  /** The first worker's port; worker N listens on `port + N`. */
  port: number;
}

export function e2eEnv(): E2eEnv {
  const bin = process.env.VAERN_BIN;
  const siteRoot = process.env.VAERN_SITE_ROOT;
  const missing: string[] = [];
  if (!bin) missing.push('VAERN_BIN (path of the debug `vaern` binary)');
  if (!siteRoot) missing.push('VAERN_SITE_ROOT (absolute path of target/site)');
  if (missing.length > 0) {
    throw new Error(`Set ${missing.join(' and ')}; \`make e2e\` does this.`);
  }
  if (!fs.existsSync(bin!)) throw new Error(`VAERN_BIN=${bin} does not exist; run \`cargo leptos build\`.`);
  if (!fs.existsSync(path.join(siteRoot!, 'pkg'))) {
    throw new Error(`VAERN_SITE_ROOT=${siteRoot} has no pkg/; run \`cargo leptos build\`.`);
  }
  return { bin: bin!, siteRoot: path.resolve(siteRoot!), port: basePort() };
}

/** E2E_PORT (default 3300): the port of worker 0. */
export function basePort(): number {
  const port = Number(process.env.E2E_PORT ?? 3300);
  if (!Number.isInteger(port) || port <= 0 || port > 65535) throw new Error(`E2E_PORT=${process.env.E2E_PORT} is not a port.`);
  return port;
}

/**
 * Files of one run of the suite: emptied by the global set-up at the start of every
 * run. Each worker has its own directory in it (`worker-N`, see `workerFiles`).
 */
export const RUN_DIR = path.resolve(__dirname, '..', '.run');

/** What belongs to the server of one worker slot (Playwright's `parallelIndex`). */
export interface WorkerFiles {
  /** Playwright's `parallelIndex`: 0 … workers-1, kept by a restarted worker. */
  parallelIndex: number;
  /** The port its server listens on: E2E_PORT + parallelIndex. */
  port: number;
  /** `e2e/.run/worker-N`. */
  dir: string;
  /** Where its server writes the mail it sends, one `.eml` file per message. */
  mailDir: string;
  /** Holds the path of its server's data directory (for people looking at a run). */
  dataDirFile: string;
  /** The last TOTP time step the tests used per secret (see support/totp.ts). */
  totpStepsFile: string;
  /** Its server's output: `e2e/server-N.log`. */
  logFile: string;
}

export function workerFiles(parallelIndex: number): WorkerFiles {
  const dir = path.join(RUN_DIR, `worker-${parallelIndex}`);
  return {
    parallelIndex,
    port: basePort() + parallelIndex,
    dir,
    mailDir: path.join(dir, 'mail'),
    dataDirFile: path.join(dir, 'data-dir'),
    totpStepsFile: path.join(dir, 'totp-steps.json'),
    logFile: path.resolve(__dirname, '..', `server-${parallelIndex}.log`),
  };
}

/**
 * The files of the worker this code runs in (for support code that tests call, such as
 * mail.ts and totp.ts). Playwright sets TEST_PARALLEL_INDEX in every worker process.
 */
export function thisWorkerFiles(): WorkerFiles {
  const index = Number(process.env.TEST_PARALLEL_INDEX);
  if (process.env.TEST_PARALLEL_INDEX === undefined || !Number.isInteger(index) || index < 0) {
    throw new Error('Not in a Playwright worker (TEST_PARALLEL_INDEX is not set): call this from a test.');
  }
  return workerFiles(index);
}
