// API tokens: an admin creates a token for the analysis centre, sees its secret once,
// the token works on the machine API, and the admin revokes it from the list.
import { test, expect } from '../support/fixtures';
import { accounts, signIn, texts, waitForHydration } from '../support/app';
import { expectNoAxeViolations } from '../support/axe';

const t = texts.da;

test('an admin creates a token, sees the secret once, and revokes it', async ({ page, request }) => {
  await signIn(page, accounts.admin);
  await page.getByRole('link', { name: t.navTokens, exact: true }).click();
  await expect(page).toHaveURL('/admin/tokens');
  await expect(page.getByRole('heading', { level: 1, name: t.tokensTitle })).toBeVisible();
  await waitForHydration(page);

  const name = `E2E ${Date.now()}`;
  await page.getByLabel(t.tokenOrg, { exact: true }).selectOption({ label: 'Nationalt analysecenter (DCIS Sund)' });
  await page.getByLabel(t.tokenName, { exact: true }).fill(name);
  await page.getByLabel(t.scopeStixWrite, { exact: true }).check();
  await page.getByRole('button', { name: t.tokenCreateButton, exact: true }).click();

  const created = page.getByRole('status').filter({ hasText: 'er oprettet' });
  await expect(created).toBeVisible();
  const secret = (await created.locator('code').textContent())?.trim() ?? '';
  expect(secret).toMatch(/^vaern_[A-Za-z0-9_-]{43}$/);
  const id = Number(/#(\d+)/.exec((await created.textContent()) ?? '')?.[1]);
  expect(id).toBeGreaterThan(0);
  await expect(created).toContainText(t.tokenCreated(id, 'Nationalt analysecenter (DCIS Sund)'));
  await expectNoAxeViolations(page, '/admin/tokens with a new secret shown');

  // The token works on the machine API (and only there).
  const whoami = await request.get('/api/v1/whoami', { headers: { Authorization: `Bearer ${secret}` } });
  expect(whoami.status()).toBe(200);
  expect((await whoami.json()).scopes).toEqual(['stix:write', 'taxii:read']);

  // The list has it; after a reload the secret is gone for good.
  const row = page.getByRole('row').filter({ hasText: name });
  await expect(row).toContainText(t.tokenActive);
  await page.reload();
  await expect(page.getByRole('heading', { level: 1, name: t.tokensTitle })).toBeVisible();
  await expect(page.locator('body')).not.toContainText(secret);
  await waitForHydration(page);

  await page.getByRole('button', { name: t.tokenRevokeLabel(id, name), exact: true }).click();
  await expect(row).toContainText(t.tokenRevoked);
  await expect(page.getByRole('button', { name: t.tokenRevokeLabel(id, name), exact: true })).toHaveCount(0);
  const refused = await request.get('/api/v1/whoami', { headers: { Authorization: `Bearer ${secret}` } });
  expect(refused.status()).toBe(401);
  expect(refused.headers()['www-authenticate']).toBe('Bearer realm="vaern", Basic realm="vaern"');
});
