// TOTP codes for the tests (RFC 6238: base32 secret, SHA-1, 6 digits, 30-second steps),
// as an authenticator app would show them.
//
// The server accepts a code for the current step or one either side, and for each
// account only a step later than the last one it accepted (a code works once). So every
// code handed out here is for a step later than the previous one for the same secret:
// the current step if that is still unused, else the next one (which the server already
// accepts), else — both used — the test waits for the next step to begin.
//
// Each worker has its own server and database, so the steps are kept per worker, in
// e2e/.run/worker-N/totp-steps.json (`totpStepsFile` in env.ts). server.ts removes that
// file whenever it starts a server on fresh demo data, whose database has accepted no
// code yet.
import fs from 'node:fs';
import { Secret, TOTP } from 'otpauth';
import { thisWorkerFiles } from './env';

function stepsFile(): string {
  return thisWorkerFiles().totpStepsFile;
}

const PERIOD_SECS = 30;

function totp(secret: string): TOTP {
  return new TOTP({
    secret: Secret.fromBase32(secret.replace(/\s+/g, '').toUpperCase()),
    algorithm: 'SHA1',
    digits: 6,
    period: PERIOD_SECS,
  });
}

/** The code for one time step. */
export function codeAt(secret: string, step: number): string {
  return totp(secret).generate({ timestamp: step * PERIOD_SECS * 1000 });
}

function readSteps(): Record<string, number> {
  try {
    return JSON.parse(fs.readFileSync(stepsFile(), 'utf8')) as Record<string, number>;
  } catch {
    return {};
  }
}

function recordStep(secret: string, step: number): void {
  const steps = readSteps();
  steps[secret] = step;
  fs.writeFileSync(stepsFile(), JSON.stringify(steps, null, 2));
}

/**
 * A code the server has not accepted yet for this secret; waits (up to one step) when
 * the current and the next step are both used up. Call it right before submitting.
 */
export async function freshCode(secret: string): Promise<string> {
  for (;;) {
    const current = Math.floor(Date.now() / 1000 / PERIOD_SECS);
    const last = readSteps()[secret];
    const step = last === undefined ? current : Math.max(current, last + 1);
    if (step <= current + 1) {
      recordStep(secret, step);
      return codeAt(secret, step);
    }
    const nextStepStarts = (current + 1) * PERIOD_SECS * 1000;
    await new Promise((resolve) => setTimeout(resolve, nextStepStarts - Date.now() + 250));
  }
}
