// Groups: the owner of a group adds a colleague by e-mail, and the member list shows
// them. Demo data: Mette Lund (it-chef@aarhus.demo) owns "Referencegruppen"; the analyst
// Lars Krogh is not a member of it.
import { test, expect } from '../support/fixtures';
import { accounts, signIn, waitForHydration } from '../support/app';

test('the owner of a group adds a colleague by e-mail and sees them in the member list', async ({ page }) => {
  await signIn(page, accounts.aarhus);
  await page.getByRole('link', { name: 'Referencegruppen' }).click();
  await expect(page).toHaveURL('/groups/referencegruppen');
  await expect(page.getByRole('heading', { level: 1, name: 'Referencegruppen' })).toBeVisible();
  await waitForHydration(page);

  const members = page.getByRole('region', { name: 'Medlemmer' });
  await expect(members.getByRole('rowheader', { name: accounts.aarhus.name })).toBeVisible();
  await expect(members.getByRole('rowheader', { name: accounts.analyst.name })).toHaveCount(0);

  const add = page.getByRole('region', { name: 'Tilføj medlemmer' });
  await add.getByLabel('E-mailadresse', { exact: true }).fill(accounts.analyst.email);
  await add.getByRole('button', { name: 'Tilføj', exact: true }).click();
  await expect(add.getByRole('status')).toContainText('Tilføjet: 1.');

  const row = members.getByRole('row').filter({ has: page.getByRole('rowheader', { name: accounts.analyst.name }) });
  await expect(row).toBeVisible();
  await expect(row).toContainText(accounts.analyst.org);
  await expect(row).toContainText('Medlem');

  // Leave the demo data as it was for the later tests of this worker.
  await row.getByRole('button', { name: `Fjern – ${accounts.analyst.name}` }).click();
  await expect(members.getByRole('rowheader', { name: accounts.analyst.name })).toHaveCount(0);
});
