import { test, expect, allowConsoleErrors, statusConsoleError } from '../support/fixtures';
import { accounts, signIn, texts, type Account } from '../support/app';
import type { Page } from '@playwright/test';

const t = texts.da;

async function openAccountPage(page: Page): Promise<void> {
  await page.getByRole('navigation', { name: t.mainNav }).getByRole('link', { name: t.navAccount, exact: true }).click();
  await expect(page).toHaveURL('/account');
  await expect(page.getByRole('heading', { level: 1, name: t.accountTitle })).toBeVisible();
}

async function changePassword(page: Page, current: string, next: string, confirm = next): Promise<number> {
  // Ending one's other sessions along with a password change is the default.
  await expect(page.getByRole('checkbox', { name: t.endOtherSessionsCheckbox, exact: true })).toBeChecked();
  await page.getByLabel(t.currentPassword, { exact: true }).fill(current);
  await page.getByLabel(t.newPassword, { exact: true }).fill(next);
  await page.getByLabel(t.confirmPassword, { exact: true }).fill(confirm);
  const answer = page.waitForResponse((r) => new URL(r.url()).pathname === '/rpc/change_password');
  await page.getByRole('button', { name: t.changePasswordButton, exact: true }).click();
  return (await answer).status();
}

async function signOut(page: Page): Promise<void> {
  await page.getByRole('banner').getByRole('button', { name: t.signOut, exact: true }).click();
  await expect(page).toHaveURL('/sign-in');
}

async function expectSignInRefused(page: Page, account: Account, password: string): Promise<void> {
  await page.getByLabel(t.email, { exact: true }).fill(account.email);
  await page.getByLabel(t.password, { exact: true }).fill(password);
  await page.getByRole('button', { name: t.signInButton, exact: true }).click();
  await expect(page.getByRole('alert')).toHaveText(t.signInRefused);
  await expect(page).toHaveURL('/sign-in');
}

test.describe('The account page', () => {
  test('shows the signed-in person’s name, e-mail and organisation', async ({ page }) => {
    const me = accounts.aarhus;
    await signIn(page, me);
    await openAccountPage(page);
    const details = page.locator('dl.details');
    await expect(details.getByText(me.name, { exact: true })).toBeVisible();
    await expect(details.getByText(me.email, { exact: true })).toBeVisible();
    await expect(details.getByText(me.org, { exact: true })).toBeVisible();
  });

  test.describe(() => {
    // The refused change is answered 400 on purpose, and Chromium logs every 4xx answer
    // to a fetch as a console error: allow exactly that line.
    test.use(allowConsoleErrors(statusConsoleError(400, '/rpc/change_password')));

    test('a mismatching confirmation shows an error and leaves the password as it was', async ({ page }) => {
      const me = accounts.aarhus;
      await signIn(page, me);
      await openAccountPage(page);

      const status = await changePassword(page, me.password, 'en-helt-ny-og-lang-adgangskode', 'en-anden-ny-og-lang-adgangskode');
      expect(status, 'status of the refused change').toBe(400);
      await expect(page.getByRole('alert')).toHaveText(t.passwordMismatch);
      await expect(page.getByText(t.passwordChanged)).toHaveCount(0);
      await expect(page).toHaveURL('/account');

      // The old password still works.
      await signOut(page);
      await signIn(page, me);
    });
  });

  test.describe(() => {
    // Signing in with the old password is refused with 401 on purpose, which Chromium
    // logs as a console error: allow exactly that line.
    test.use(allowConsoleErrors(statusConsoleError(401, '/rpc/sign_in')));

    test('changing the password works, the old one stops working, and it can be changed back', async ({ page }) => {
      // A demo account no other test signs in with; the original password is put back at
      // the end (and every run starts from a fresh data directory anyway).
      const me = accounts.copenhagen;
      const temporary = 'midlertidig-e2e-adgangskode-2026';
      await signIn(page, me);
      await openAccountPage(page);

      expect(await changePassword(page, me.password, temporary)).toBe(200);
      await expect(page.getByRole('status').filter({ hasText: t.passwordChanged })).toHaveText(t.passwordChanged);
      await expect(page.getByRole('alert')).toHaveCount(0);

      await signOut(page);
      await expectSignInRefused(page, me, me.password);
      await signIn(page, { ...me, password: temporary });

      await openAccountPage(page);
      expect(await changePassword(page, temporary, me.password)).toBe(200);
      await expect(page.getByRole('status').filter({ hasText: t.passwordChanged })).toHaveText(t.passwordChanged);

      await signOut(page);
      await signIn(page, me);
    });
  });
});
