// Account security end to end: invitations and their one-time links, choosing a
// password, the forced second factor with recovery codes, the code step of signing in,
// the list of sessions and ending them, and password reset by e-mail. The server writes
// its mail to a directory (support/mail.ts reads it); TOTP codes come from
// support/totp.ts. Every page visited is checked with axe.
import type { Page } from '@playwright/test';
import { test, expect, allowConsoleErrors, statusConsoleError } from '../support/fixtures';
import {
  accounts,
  signIn,
  submitCode,
  submitPassword,
  texts,
  waitForHydration,
  type Account,
} from '../support/app';
import { expectNoAxeViolations } from '../support/axe';
import { linkIn, mailFiles, waitForMail } from '../support/mail';
import { freshCode } from '../support/totp';

const t = texts.da;

/** The sessions table on the account page, and its body rows. */
function sessionRows(page: Page) {
  return page.getByRole('region', { name: t.sessionsTitle }).locator('tbody tr');
}

/** The "Log ud – <device>" buttons of the other sessions on the account page. */
function endSessionButtons(page: Page) {
  return page
    .getByRole('region', { name: t.sessionsTitle })
    .getByRole('button', { name: new RegExp(`^${t.endSession} – `) });
}

async function openAccountPage(page: Page): Promise<void> {
  await page.goto('/account');
  await expect(page).toHaveURL('/account');
  await expect(page.getByRole('heading', { level: 1, name: t.accountTitle })).toBeVisible();
  await waitForHydration(page);
}

test.describe('Account security', () => {
  test('an admin invites an analyst, who chooses a password, sets up a second factor, signs in elsewhere and ends that session', async ({
    page,
    newContext,
  }) => {
    // Several sign-ins with TOTP codes; a code step may have to be waited out.
    test.setTimeout(240_000);
    const person: Account = {
      name: 'Birgitte Nørgaard',
      email: 'birgitte.e2e@soc.demo',
      // An analyst must have a second factor, so at least 15 characters.
      password: 'Tårnfalk over Amager Fælled 2026',
      org: 'Nationalt analysecenter (DCIS Sund)',
      groups: [],
    };

    // --- The admin signs in (password and code) and invites the analyst.
    await signIn(page, accounts.admin);
    await page.getByRole('navigation', { name: t.mainNav }).getByRole('link', { name: t.navPeople, exact: true }).click();
    await expect(page).toHaveURL('/admin/people');
    await expect(page.getByRole('heading', { level: 1, name: t.peopleTitle })).toBeVisible();
    await expectNoAxeViolations(page, '/admin/people (admin)');

    const invite = page.getByRole('region', { name: t.inviteTitle });
    await invite.getByLabel(t.inviteName, { exact: true }).fill(person.name);
    await invite.getByLabel(t.inviteEmail, { exact: true }).fill(person.email);
    await invite.getByLabel(t.inviteOrg, { exact: true }).selectOption({ label: person.org });
    await invite.getByLabel(t.inviteRole, { exact: true }).selectOption({ label: t.roleAnalyst });
    await expect(invite.getByRole('checkbox', { name: t.inviteOrgAdmin, exact: true })).not.toBeChecked();
    await invite.getByLabel(t.inviteLanguage, { exact: true }).selectOption({ label: 'Dansk' });
    const mailBefore = mailFiles();
    const answer = page.waitForResponse((r) => new URL(r.url()).pathname === '/rpc/invite');
    await invite.getByRole('button', { name: t.inviteButton, exact: true }).click();
    expect((await answer).status(), 'status of the invitation').toBe(200);

    const issued = invite.getByRole('status');
    await expect(issued).toContainText(t.invited(person.name));
    await expect(issued).toContainText(t.inviteMailed);
    const shownLink = (await issued.locator('code.link').textContent())?.trim() ?? '';
    expect(shownLink).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/link\/[A-Za-z0-9_-]+$/);

    const mail = await waitForMail(person.email, mailBefore);
    expect(mail.subject).toBe(t.mailInvitationSubject);
    expect(mail.body).toContain(`Hej ${person.name}`);
    const link = linkIn(mail);
    expect(link, 'the mailed link is the one shown to the admin').toBe(shownLink);

    const row = page.getByRole('row').filter({ hasText: person.email });
    await expect(row).toHaveCount(1);
    await expect(row).toContainText(person.name);
    await expect(row).toContainText(t.roleAnalyst);
    await expect(row).toContainText(t.statusInvited);
    await expectNoAxeViolations(page, '/admin/people (admin, after inviting)');

    // --- The analyst opens the link in their own browser and chooses a password.
    const first = await (await newContext()).newPage();
    await first.goto(link);
    await expect(first.getByRole('heading', { level: 1, name: t.linkTitleInvitation })).toBeVisible();
    await expect(first.getByText(t.linkIntroInvitation(person.name, person.email), { exact: true })).toBeVisible();
    await waitForHydration(first);
    await expectNoAxeViolations(first, '/link/<token> (invitation)');
    await first.getByLabel(t.newPassword, { exact: true }).fill(person.password);
    await first.getByLabel(t.confirmPassword, { exact: true }).fill(person.password);
    await first.getByRole('button', { name: t.savePasswordButton, exact: true }).click();

    // A second factor is required before the account can be used.
    await expect(first).toHaveURL('/sign-in/enrol');
    await expect(first.getByRole('heading', { level: 1, name: t.enrolTitle })).toBeVisible();
    await expect(first.getByRole('img', { name: t.enrolQrLabel, exact: true }).locator('svg')).toBeVisible();
    const secret = ((await first.locator('code.secret').textContent()) ?? '').replace(/\s+/g, '');
    expect(secret, 'the secret is shown as base32').toMatch(/^[A-Z2-7]{16,}$/);
    // Signed in halfway, so no current password is asked for.
    await expect(first.getByLabel(t.currentPassword, { exact: true })).toHaveCount(0);
    await expectNoAxeViolations(first, '/sign-in/enrol (enrolment needed)');
    await first.getByLabel(t.code, { exact: true }).fill(await freshCode(secret));
    await first.getByRole('button', { name: t.enrolButton, exact: true }).click();

    // The recovery codes, shown once.
    await expect(first).toHaveURL('/account/recovery-codes');
    await expect(first.getByRole('heading', { level: 1, name: t.recoveryCodesTitle })).toBeVisible();
    const codes = first.locator('ol.recovery-codes > li');
    await expect(codes).toHaveCount(10);
    const codeTexts = (await codes.allTextContents()).map((c) => c.trim());
    for (const code of codeTexts) expect(code).toMatch(/^[a-z2-9]{5}-[a-z2-9]{5}$/);
    expect(new Set(codeTexts).size, 'the ten codes differ').toBe(10);
    await expectNoAxeViolations(first, '/account/recovery-codes (fresh codes)');
    await first.getByRole('link', { name: t.recoveryCodesDone, exact: true }).click();
    await expect(first).toHaveURL('/');
    await expect(first.getByRole('heading', { level: 1, name: t.welcome(person.name) })).toBeVisible();
    await expectNoAxeViolations(first, '/ (new analyst)');

    await first.goto('/account/recovery-codes');
    await expect(first.locator('ol.recovery-codes')).toHaveCount(0);
    await expect(first.getByText(t.recoveryCodesGone, { exact: true })).toBeVisible();

    // --- Another browser: the used link says so; then a sign-in with password and code.
    const second = await (await newContext()).newPage();
    await second.goto(link);
    await expect(second.getByRole('heading', { level: 1, name: t.linkTitleInvalid })).toBeVisible();
    await expect(second.getByRole('alert')).toHaveText(t.linkUsed);
    await expect(second.getByLabel(t.newPassword, { exact: true })).toHaveCount(0);
    await waitForHydration(second);
    await expectNoAxeViolations(second, '/link/<token> (used)');

    await submitPassword(second, person);
    await expect(second).toHaveURL('/sign-in/code');
    await expect(second.getByRole('heading', { level: 1, name: t.codeTitle })).toBeVisible();
    await expectNoAxeViolations(second, '/sign-in/code (code needed)');
    await submitCode(second, secret);
    await expect(second).toHaveURL('/');
    await expect(second.getByRole('heading', { level: 1, name: t.welcome(person.name) })).toBeVisible();

    // --- The first browser sees both sessions and ends the other one.
    await openAccountPage(first);
    await expect(first.getByRole('region', { name: t.secondFactorTitle })).toContainText(t.secondFactorOn(10));
    await expect(sessionRows(first)).toHaveCount(2);
    await expect(sessionRows(first).filter({ hasText: t.sessionThis })).toHaveCount(1);
    await expect(endSessionButtons(first)).toHaveCount(1);
    await expect(first.getByRole('button', { name: t.endOtherSessions, exact: true })).toBeVisible();
    await expectNoAxeViolations(first, '/account (two sessions)');

    await endSessionButtons(first).click();
    await expect(sessionRows(first)).toHaveCount(1);
    await expect(sessionRows(first)).toContainText(t.sessionThis);
    await expect(endSessionButtons(first)).toHaveCount(0);
    await expect(first.getByRole('button', { name: t.endOtherSessions, exact: true })).toHaveCount(0);

    // The other browser is signed out at its next request.
    await second.goto('/account');
    await expect(second).toHaveURL('/sign-in');
    await expect(second.getByRole('heading', { level: 1, name: t.signInTitle })).toBeVisible();

    // --- The admin's list now shows the account active, with a second factor.
    await page.reload();
    await expect(page.getByRole('heading', { level: 1, name: t.peopleTitle })).toBeVisible();
    const activeRow = page.getByRole('row').filter({ hasText: person.email });
    await expect(activeRow).toContainText(t.statusActive);
    await expect(activeRow.getByRole('cell', { name: t.yes, exact: true })).toHaveCount(1);
  });

  test('"sign out everywhere else" ends every other session', async ({ page, newContext }) => {
    const me = accounts.aarhus;
    const other = await (await newContext()).newPage();
    await signIn(other, me);
    await signIn(page, me);

    await openAccountPage(page);
    expect(await endSessionButtons(page).count(), 'other sessions listed').toBeGreaterThanOrEqual(1);
    await page.getByRole('button', { name: t.endOtherSessions, exact: true }).click();
    await expect(sessionRows(page)).toHaveCount(1);
    await expect(sessionRows(page)).toContainText(t.sessionThis);

    await other.goto('/');
    await expect(other).toHaveURL('/sign-in');
    // This browser is still signed in.
    await page.goto('/');
    await expect(page.getByRole('heading', { level: 1, name: t.welcome(me.name) })).toBeVisible();
  });

  test('with mail set up, a forgotten password can be reset through a mailed link', async ({ page }) => {
    const me = accounts.coordinator;
    await page.goto('/sign-in');
    await waitForHydration(page);
    await page.getByRole('link', { name: t.forgotPasswordLink, exact: true }).click();
    await expect(page).toHaveURL('/forgot-password');
    await expect(page.getByRole('heading', { level: 1, name: t.forgotTitle })).toBeVisible();
    await waitForHydration(page);
    await expectNoAxeViolations(page, '/forgot-password (mail set up)');

    const mailBefore = mailFiles();
    await page.getByLabel(t.email, { exact: true }).fill(me.email);
    await page.getByRole('button', { name: t.forgotButton, exact: true }).click();
    await expect(page.getByRole('status')).toHaveText(t.forgotSent);

    const mail = await waitForMail(me.email, mailBefore);
    expect(mail.subject).toBe(t.mailResetSubject);
    expect(mail.body).toContain(`Hej ${me.name}`);
    // The link is opened but not used: the coordinator's password stays as it is.
    await page.goto(linkIn(mail));
    await expect(page.getByRole('heading', { level: 1, name: t.linkTitleReset })).toBeVisible();
    await expect(page.getByLabel(t.newPassword, { exact: true })).toBeVisible();
    await waitForHydration(page);
    await expectNoAxeViolations(page, '/link/<token> (password reset)');
  });

  test('without a sign-in under way, the code and enrolment steps offer to start again', async ({ page }) => {
    for (const [url, title] of [
      ['/sign-in/code', t.codeTitle],
      ['/sign-in/enrol', t.enrolTitle],
    ] as const) {
      await page.goto(url);
      await expect(page).toHaveURL(url);
      await expect(page.getByRole('heading', { level: 1, name: title })).toBeVisible();
      await expect(page.getByRole('alert')).toHaveText(t.signInExpired);
      await expect(page.getByLabel(t.code, { exact: true })).toHaveCount(0);
      await expect(page.getByRole('link', { name: t.startAgain, exact: true })).toHaveAttribute('href', '/sign-in');
    }
  });

  test('an organisation admin invites only members of their own organisation', async ({ page }) => {
    await signIn(page, accounts.aarhus);
    await page.getByRole('navigation', { name: t.mainNav }).getByRole('link', { name: t.navPeople, exact: true }).click();
    await expect(page).toHaveURL('/admin/people');
    await expect(page.getByRole('heading', { level: 1, name: t.peopleTitle })).toBeVisible();

    const invite = page.getByRole('region', { name: t.inviteTitle });
    await expect(invite.getByLabel(t.inviteOrg, { exact: true }).locator('option')).toHaveText([accounts.aarhus.org]);
    await expect(invite.getByLabel(t.inviteRole, { exact: true }).locator('option')).toHaveText([t.roleMember]);
    await expect(invite.getByRole('checkbox', { name: t.inviteOrgAdmin })).toHaveCount(0);
    // Only the organisation's own accounts are listed.
    const rows = page.getByRole('region', { name: t.peopleListTitle }).locator('tbody tr');
    await expect(rows.filter({ hasText: accounts.aarhus.email })).toHaveCount(1);
    await expect(rows.filter({ hasText: accounts.copenhagen.email })).toHaveCount(0);
    await expect(rows.filter({ hasText: accounts.admin.email })).toHaveCount(0);
  });

  test.describe(() => {
    // The people page answers 404 on purpose, which Chromium logs as a console error.
    test.use(allowConsoleErrors(statusConsoleError(404, '/admin/people')));

    test('someone who manages nobody has no people link, and the people page does not exist for them', async ({ page }) => {
      const me = accounts.analyst;
      await signIn(page, me);
      const nav = page.getByRole('navigation', { name: t.mainNav });
      await expect(nav.getByRole('link', { name: t.navAccount, exact: true })).toBeVisible();
      await expect(nav.getByRole('link', { name: t.navPeople })).toHaveCount(0);

      const response = await page.goto('/admin/people');
      expect(response?.status(), 'HTTP status of /admin/people').toBe(404);
      await expect(page.getByRole('heading', { level: 1, name: t.notFoundTitle })).toBeVisible();
      await expect(page.getByRole('heading', { name: t.peopleTitle })).toHaveCount(0);
    });
  });

  test.describe(() => {
    // The refused code is answered 400 on purpose, which Chromium logs as a console
    // error: allow exactly that line.
    test.use(allowConsoleErrors(statusConsoleError(400, '/rpc/submit_code')));

    test('the code step refuses a wrong code and accepts the right one', async ({ page }) => {
      const me = accounts.analyst;
      await submitPassword(page, me);
      await expect(page).toHaveURL('/sign-in/code');
      await page.getByLabel(t.code, { exact: true }).fill('000000');
      const answer = page.waitForResponse((r) => new URL(r.url()).pathname === '/rpc/submit_code');
      await page.getByRole('button', { name: t.continueButton, exact: true }).click();
      expect((await answer).status(), 'status of the refused code').toBe(400);
      await expect(page.getByRole('alert')).toHaveText(t.codeWrong);
      await expect(page).toHaveURL('/sign-in/code');

      await submitCode(page, me.totpSecret!);
      await expect(page).toHaveURL('/');
      await expect(page.getByRole('heading', { level: 1, name: t.welcome(me.name) })).toBeVisible();
    });
  });
});
