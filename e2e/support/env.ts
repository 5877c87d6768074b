// The environment the suite runs in (set by `make e2e`).
import fs from 'node:fs';
import path from 'node:path';

export interface E2eEnv {
  /** The `vaern` binary under test. */
  bin: string;
  /** Absolute path of the compiled site (pkg/, CSS). */
  siteRoot: string;
  port: number;
}

export function e2eEnv(): E2eEnv {
  const bin = process.env.VAERN_BIN;
  const siteRoot = process.env.VAERN_SITE_ROOT;
  const port = Number(process.env.E2E_PORT ?? 3300);
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
  if (!Number.isInteger(port) || port <= 0 || port > 65535) throw new Error(`E2E_PORT=${process.env.E2E_PORT} is not a port.`);
  return { bin: bin!, siteRoot: path.resolve(siteRoot!), port };
}

/**
 * Files one run of the suite shares between the global set-up and the tests (which run
 * in worker processes, so environment variables set during set-up do not reach them):
 * emptied at the start of every run.
 */
export const RUN_DIR = path.resolve(__dirname, '..', '.run');

/** Where the server writes the mail it sends, one `.eml` file per message. */
export const MAIL_DIR = path.join(RUN_DIR, 'mail');

/**
 * Holds the path of the server's data directory, for tests that run `vaern` commands
 * against it (`vaern --data-dir <dir> token create …`).
 */
export const DATA_DIR_FILE = path.join(RUN_DIR, 'data-dir');

/** The last TOTP time step the tests used per secret (see support/totp.ts). */
export const TOTP_STEPS_FILE = path.join(RUN_DIR, 'totp-steps.json');
