// The analysis centre's TAXII server: an admin adds a source to pull STIX from, sees it
// listed with its status (here: the poller's error for a server that is not there), pauses
// and resumes it, and deletes it after confirming. The poller itself is tested against a
// real TAXII server (OASIS medallion) in server/tests/it/poller.rs.
import { test, expect, allowConsoleErrors, statusConsoleError } from '../support/fixtures';
import { accounts, signIn, texts, waitForHydration } from '../support/app';
import { expectNoAxeViolations } from '../support/axe';

const t = texts.da;
const title = 'Analysecentrets TAXII-server';

// The form's refused input answers 400, which the browser reports on the console.
test.use(allowConsoleErrors(statusConsoleError(400, '/rpc/add_taxii_source')));

test('an admin adds a TAXII source and sees it listed with its status', async ({ page }) => {
  test.setTimeout(120_000);
  await signIn(page, accounts.admin);
  await page
    .getByRole('navigation', { name: t.mainNav })
    .getByRole('link', { name: 'TAXII-server', exact: true })
    .click();
  await expect(page).toHaveURL('/admin/taxii-sources');
  await expect(page.getByRole('heading', { level: 1, name: title })).toBeVisible();
  await waitForHydration(page);
  await expectNoAxeViolations(page, '/admin/taxii-sources');

  // Nobody listens on port 9 of loopback: the poller records why it got nothing.
  const url = `http://127.0.0.1:9/e2e-${Date.now()}/`;
  const form = page.getByRole('region', { name: 'Tilføj kilde' });
  await form.getByLabel('API-rodens adresse (URL)', { exact: true }).fill(url);
  await form.getByLabel('Samlingens id', { exact: true }).fill('365fed99-08fa-fdcd-a1b3-fb247eb41d01');
  await form.getByLabel('Brugernavn (valgfrit)', { exact: true }).fill('vaern');
  await form.getByLabel('Adgangskode (valgfri)', { exact: true }).fill('e2e-hemmelig-adgangskode');
  await form.getByLabel('Interval i sekunder', { exact: true }).fill('0');
  await expect(form.getByLabel('Udgivende organisation', { exact: true })).toHaveValue('soc');
  await form.getByRole('button', { name: 'Tilføj kilde', exact: true }).click();
  await expect(form.getByRole('alert')).toHaveText('Intervallet skal være mellem 30 og 86.400 sekunder.');

  await form.getByLabel('Interval i sekunder', { exact: true }).fill('60');
  await form.getByRole('button', { name: 'Tilføj kilde', exact: true }).click();
  const added = form.getByRole('status');
  await expect(added).toContainText('er tilføjet');
  const id = Number(/#(\d+)/.exec((await added.textContent()) ?? '')?.[1]);
  expect(id).toBeGreaterThan(0);

  const row = page.getByRole('row').filter({ hasText: url });
  await expect(row).toContainText('Aktiv');
  await expect(row).toContainText('Bruger vaern med adgangskode');
  await expect(row).toContainText('Nationalt analysecenter (DCIS Sund)');
  await expect(page.locator('body')).not.toContainText('e2e-hemmelig-adgangskode');

  // The server's poller tries it within seconds; the list shows the error and the back-off.
  await expect(async () => {
    await page.reload();
    await expect(page.getByRole('row').filter({ hasText: url })).toContainText(
      'Kunne ikke forbinde til TAXII-serveren.',
      { timeout: 1_000 },
    );
  }).toPass({ timeout: 30_000 });
  await expect(row).toContainText('(1 i træk)');
  await waitForHydration(page);
  await expectNoAxeViolations(page, '/admin/taxii-sources with a failing source');

  // Pause and resume: buttons whose names start with their visible text and name the source.
  await page.getByRole('button', { name: `Sæt på pause: kilde #${id}`, exact: true }).click();
  await expect(row).toContainText('Sat på pause');
  await page.getByRole('button', { name: `Genoptag: kilde #${id}`, exact: true }).click();
  await expect(row).toContainText('Aktiv');

  // Deleting asks first.
  await row.getByText(`Slet kilde #${id}`, { exact: true }).click();
  await expect(row).toContainText('dens API-nøgle tilbagekaldes');
  await row.getByRole('button', { name: `Ja, slet kilde #${id}`, exact: true }).click();
  await expect(page.getByRole('row').filter({ hasText: url })).toHaveCount(0);
});
