// What specs that play the analysis centre share: the `vaern` binary of this run, a
// `stix:write` token of the centre made with it in the worker's data directory, and
// posting a bundle with that token.
import { execFileSync } from 'node:child_process';
import { expect, type APIRequestContext } from '@playwright/test';

export const TLP_GREEN = 'marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb';
export const TLP_AMBER = 'marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421';

/** Runs the `vaern` binary of this run (`VAERN_BIN`) and answers what it printed. */
export function vaern(args: string[], env: NodeJS.ProcessEnv = {}): string {
  const bin = process.env.VAERN_BIN;
  if (!bin) throw new Error('Set VAERN_BIN to the vaern binary (make e2e does this).');
  return execFileSync(bin, args, {
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/**
 * A `stix:write` token of the analysis centre, made with `vaern token create` in the
 * data directory of this worker's server.
 */
export function centreToken(dataDir: string, name: string): string {
  const out = vaern([
    '--data-dir', dataDir, 'token', 'create', '--org', 'soc', '--scope', 'stix:write', '--name', `${name} ${Date.now()}`,
  ]);
  const secret = out.match(/vaern_[A-Za-z0-9_-]{43}/)?.[0];
  if (!secret) throw new Error(`\`vaern token create\` printed no secret:\n${out}`);
  return secret;
}

/** Posts `bundle` as the centre to the bundle endpoint and expects it accepted. */
export async function postBundle(request: APIRequestContext, token: string, bundle: object): Promise<void> {
  const posted = await request.post('/api/v1/stix/bundles', {
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/stix+json;version=2.1' },
    data: JSON.stringify(bundle),
  });
  expect(posted.status(), await posted.text()).toBe(202);
}
