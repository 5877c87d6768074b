// Administration end to end: an organisation admin invites a colleague, the owner of a
// group adds that colleague to the group, and a platform admin finds both actions in
// the audit log. Demo data: Mette Lund (it-chef@aarhus.demo) is the organisation admin
// of Aarhus Kommune and the owner of "Referencegruppen".
import { test, expect } from '../support/fixtures';
import { accounts, signIn, texts, waitForHydration, type Account } from '../support/app';
import { expectNoAxeViolations } from '../support/axe';
import { linkIn, mailFiles, waitForMail } from '../support/mail';

const t = texts.da;

test('an organisation admin invites a colleague, the group owner adds them, and the admin sees both in the audit log', async ({
  page,
  newContext,
}) => {
  test.setTimeout(180_000);
  const colleague: Account = {
    name: 'Kasper Vestergaard',
    email: 'kasper.e2e@aarhus.demo',
    // A plain member without a second factor: at least 15 characters.
    password: 'morgenkaffe ved Aarhus Å 2026',
    org: 'Aarhus Kommune',
    groups: [],
  };

  // --- The organisation admin invites a colleague of their own municipality.
  await signIn(page, accounts.aarhus);
  await page.goto('/admin/people');
  await expect(page.getByRole('heading', { level: 1, name: t.peopleTitle })).toBeVisible();
  await waitForHydration(page);
  const invite = page.getByRole('region', { name: t.inviteTitle });
  await invite.getByLabel(t.inviteName, { exact: true }).fill(colleague.name);
  await invite.getByLabel(t.inviteEmail, { exact: true }).fill(colleague.email);
  await expect(invite.getByLabel(t.inviteOrg, { exact: true })).toHaveValue('751');
  const mailBefore = mailFiles();
  await invite.getByRole('button', { name: t.inviteButton, exact: true }).click();
  await expect(invite.getByRole('status')).toContainText(t.invited(colleague.name));
  const link = linkIn(await waitForMail(colleague.email, mailBefore));

  // --- The colleague chooses a password and is signed in.
  const theirs = await (await newContext()).newPage();
  await theirs.goto(link);
  await expect(theirs.getByRole('heading', { level: 1, name: t.linkTitleInvitation })).toBeVisible();
  await waitForHydration(theirs);
  await theirs.getByLabel(t.newPassword, { exact: true }).fill(colleague.password);
  await theirs.getByLabel(t.confirmPassword, { exact: true }).fill(colleague.password);
  await theirs.getByRole('button', { name: t.savePasswordButton, exact: true }).click();
  await expect(theirs).toHaveURL('/');
  await expect(theirs.getByRole('heading', { level: 1, name: t.welcome(colleague.name) })).toBeVisible();

  // --- Now that the colleague has used their account, a new link for them is only
  // mailed to their own address: the admin never sees it (issue 15).
  await page.goto('/admin/people');
  await waitForHydration(page);
  const resetMailBefore = mailFiles();
  await page.getByRole('button', { name: `Nyt link – ${colleague.name}`, exact: true }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Det vises ikke her.' })).toContainText(
    `Et nyt link er sendt med e-mail til ${colleague.name}s egen adresse.`,
  );
  await expect(page.locator('code.link')).toHaveCount(0);
  expect(linkIn(await waitForMail(colleague.email, resetMailBefore))).toContain('/link/');

  // --- As owner of Referencegruppen, the same person adds the colleague to the group.
  await page.goto('/groups/referencegruppen');
  await expect(page.getByRole('heading', { level: 1, name: 'Referencegruppen' })).toBeVisible();
  await waitForHydration(page);
  const add = page.getByRole('region', { name: 'Tilføj medlemmer' });
  await add.getByLabel('E-mailadresse', { exact: true }).fill(colleague.email);
  await add.getByRole('button', { name: 'Tilføj', exact: true }).click();
  await expect(add.getByRole('status')).toContainText('Tilføjet: 1.');
  const members = page.getByRole('region', { name: 'Medlemmer' });
  await expect(members.getByRole('rowheader', { name: colleague.name })).toBeVisible();
  // The colleague's user id, which the audit entry of the addition names
  // ("user=<id> role=member"): other tests of this worker may have added other people
  // to Referencegruppen before.
  const memberRow = members.getByRole('row').filter({ has: page.getByRole('rowheader', { name: colleague.name }) });
  const colleagueId = await memberRow.locator('input[type="hidden"][name="user"]').first().inputValue();
  expect(colleagueId).toMatch(/^\d+$/);

  // --- A platform admin sees both actions in the audit log.
  const admin = await (await newContext()).newPage();
  await signIn(admin, accounts.admin);
  await admin.getByRole('navigation', { name: t.mainNav }).getByRole('link', { name: t.auditTitle, exact: true }).click();
  await expect(admin).toHaveURL('/admin/audit');
  await expect(admin.getByRole('heading', { level: 1, name: t.auditTitle })).toBeVisible();
  await waitForHydration(admin);

  const rows = admin.locator('tbody tr');
  const invitation = rows.filter({ hasText: 'Invitation' }).filter({ hasText: colleague.name });
  await expect(invitation).toHaveCount(1);
  await expect(invitation).toContainText(`${accounts.aarhus.name} <${accounts.aarhus.email}>`);
  const added = rows
    .filter({ hasText: 'Medlem tilføjet' })
    .filter({ hasText: 'Referencegruppen' })
    .filter({ has: admin.getByText(`user=${colleagueId} role=member`, { exact: true }) });
  await expect(added).toHaveCount(1);
  await expect(added).toContainText(`${accounts.aarhus.name} <${accounts.aarhus.email}>`);
  await expectNoAxeViolations(admin, '/admin/audit (admin)');

  // The filter narrows the log to one action.
  await admin.getByLabel('Handling', { exact: true }).selectOption({ label: 'Medlem tilføjet' });
  await admin.getByRole('button', { name: 'Filtrer', exact: true }).click();
  await expect(admin).toHaveURL(/action=member_add/);
  await expect(rows.filter({ hasText: 'Invitation' })).toHaveCount(0);
  await expect(rows.filter({ hasText: 'Medlem tilføjet' })).not.toHaveCount(0);

  // Leave the demo group as it was for the later tests of this worker.
  await memberRow.getByRole('button', { name: `Fjern – ${colleague.name}` }).click();
  await expect(members.getByRole('rowheader', { name: colleague.name })).toHaveCount(0);
});
