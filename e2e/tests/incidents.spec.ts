// Own incidents (issue 20): Aarhus's IT chief registers an incident from the incidents
// page, marks it significant with the time Aarhus became aware, sees the NIS2 clocks
// counting, marks the early warning submitted with the authority's reference, and downloads
// the draft of the incident notification. She shares it with the centre; the centre's
// analyst adds to its timeline, and Aarhus's open page shows the entry live. Another municipality is told
// the incident does not exist. She links an alert (from the alert's page) and a document
// (by its address) to an incident, and each page links back. axe-core on every page in
// Danish and English.
import { test, expect, allowConsoleErrors, statusConsoleError } from '../support/fixtures';
import { accounts, signIn, useLanguage, waitForHydration } from '../support/app';
import { expectNoAxeViolations } from '../support/axe';
import type { Page } from '@playwright/test';

/** The interface texts this spec looks for (app/locales/da.json, en.json). */
const t = {
  nav: 'Hændelser',
  register: 'Registrér hændelsen',
  title: 'Titel',
  summary: 'Beskrivelse',
  label: 'Mærkning',
  malicious: 'Mistanke om ulovlig eller ondsindet handling',
  aware: 'Kendskab til hændelsen (dansk tid)',
  markSignificant: 'Markér som væsentlig',
  marked: 'Hændelsen er markeret som væsentlig.',
  clocks: 'Frister',
  earlyWarning: 'Tidlig varsling',
  notification: 'Hændelsesunderretning',
  left: /\d+ t \d+ min tilbage/,
  submittedAt: 'Indsendt (dansk tid)',
  reference: 'Myndighedens reference',
  markSubmitted: 'Markér som indsendt',
  submittedDone: 'Indberetningen er markeret som indsendt.',
  draftOf: (report: string) => `Hent udkast til ${report} (Markdown)`,
  share: 'Del med centret',
  shared: 'Hændelsen er delt med centret.',
  entry: 'Hvad skete der, eller hvad vil du tilføje?',
  addEntry: 'Tilføj til tidslinjen',
  added: 'Tilføjet til tidslinjen.',
  timeline: 'Tidslinje',
  enReporting: 'Reporting (NIS2 and GDPR)',
};

/** A `datetime-local` value on the Copenhagen wall clock, `hoursAgo` before now. */
function copenhagen(hoursAgo: number): string {
  const at = new Date(Date.now() - hoursAgo * 3600_000);
  const parts = new Intl.DateTimeFormat('sv-SE', {
    timeZone: 'Europe/Copenhagen',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).format(at);
  return parts.replace(' ', 'T');
}

async function registerIncident(page: Page, title: string): Promise<string> {
  await page.getByRole('link', { name: t.nav, exact: true }).click();
  await expect(page).toHaveURL('/incidents');
  await page.getByLabel(t.title, { exact: true }).fill(title);
  await page.getByLabel(t.summary, { exact: true }).fill('Filserveren er krypteret; løsesumsbesked fundet.');
  await page.getByLabel(t.label, { exact: true }).selectOption('amber');
  await page.getByLabel(t.malicious, { exact: true }).selectOption('yes');
  await page.getByRole('button', { name: t.register }).click();
  await expect(page).toHaveURL(/\/incidents\/\d+$/);
  await expect(page.getByRole('heading', { level: 1, name: title })).toBeVisible();
  return new URL(page.url()).pathname;
}

test('a municipality registers an incident, runs its NIS2 clocks and downloads a draft; the centre adds to its timeline', async ({ page, newContext }) => {
  test.setTimeout(150_000);
  await signIn(page, accounts.aarhus);
  const title = `Ransomware på filserveren ${Date.now()}`;
  const path = await registerIncident(page, title);
  await waitForHydration(page);
  await expectNoAxeViolations(page, `${path} (da)`);

  // Significant: aware two hours ago. The early warning and notification clocks count.
  await page.getByLabel(t.aware, { exact: true }).fill(copenhagen(2));
  await page.getByRole('button', { name: t.markSignificant }).click();
  await expect(page.getByRole('status').filter({ hasText: t.marked })).toBeVisible();
  const clocks = page.getByRole('table', { name: t.clocks });
  const row = (report: string) =>
    clocks.getByRole('row').filter({ has: page.getByRole('rowheader', { name: report, exact: true }) });
  const early = row(t.earlyWarning);
  const notification = row(t.notification);
  await expect(early).toContainText(t.left);
  await expect(early).toContainText(/2[12] t/);
  await expect(notification).toContainText(/\d+ d \d+ t tilbage/);
  await waitForHydration(page);
  await expectNoAxeViolations(page, `${path} significant (da)`);

  // The early warning, submitted now with a reference.
  const form = page.getByRole('group', { name: `Markér indberetningen som indsendt: ${t.earlyWarning}` });
  await form.getByLabel(t.submittedAt).fill(copenhagen(0));
  await form.getByLabel(t.reference).fill('CFCS-2026-0042');
  await form.getByRole('button', { name: t.markSubmitted }).click();
  await expect(page.getByRole('status').filter({ hasText: t.submittedDone })).toBeVisible();
  await expect(row(t.earlyWarning)).toContainText('CFCS-2026-0042');
  await expect(page.getByRole('region', { name: t.timeline })).toContainText(`${t.earlyWarning} indsendt.`);

  // The notification's draft: Markdown with what Art. 23(4)(b) asks, from the fields.
  const downloading = page.waitForEvent('download');
  await page.getByRole('link', { name: t.draftOf(t.notification) }).click();
  const download = await downloading;
  expect(download.suggestedFilename()).toMatch(/^incident-\d+-notification\.md$/);
  const stream = await download.createReadStream();
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  const draft = Buffer.concat(chunks).toString('utf8');
  expect(draft).toContain('# Hændelsesunderretning (NIS2 art. 23, stk. 4, litra b)');
  expect(draft).toContain('Mistanke om ulovlig eller ondsindet handling:** Ja');
  expect(draft).toContain('Aarhus Kommune');

  // Shared with the centre: its analyst reads it and adds an entry.
  await page.getByRole('button', { name: t.share }).click();
  await expect(page.getByRole('status').filter({ hasText: t.shared })).toBeVisible();
  await waitForHydration(page);
  const centre = await newContext();
  const analyst = await centre.newPage();
  await signIn(analyst, accounts.analyst);
  await analyst.goto(path);
  await expect(analyst.getByRole('heading', { level: 1, name: title })).toBeVisible();
  await expect(analyst.getByRole('button', { name: t.markSignificant })).toHaveCount(0);
  const note = `Samme IP ses hos to andre kommuner ${Date.now()}`;
  await analyst.getByLabel(t.entry).fill(note);
  await analyst.getByRole('button', { name: t.addEntry }).click();
  await expect(analyst.getByRole('status').filter({ hasText: t.added })).toBeVisible();
  await centre.close();

  // Aarhus's open page shows it without a reload, and says so politely.
  await expect(page.getByRole('region', { name: t.timeline })).toContainText(note, { timeout: 15_000 });
  await expect(page.getByRole('region', { name: t.timeline })).toContainText(accounts.analyst.name);
  await expect(page.getByRole('status').filter({ hasText: '1 ny post på tidslinjen' })).toBeAttached();
});

test("the demo's overdue incident has told Aarhus's people in their notifications", async ({ page }) => {
  await signIn(page, accounts.aarhus);
  await page.goto('/notifications');
  const reminder = page.locator('li.notification').filter({ hasText: 'Phishing-kampagne mod borgerservice' });
  await expect(reminder.first()).toContainText(/Frist: Tidlig varsling skal indsendes senest/);
  await reminder.first().getByRole('link', { name: 'Phishing-kampagne mod borgerservice' }).click();
  await expect(page).toHaveURL(/\/incidents\/\d+$/);
  await expect(page.getByRole('table', { name: t.clocks })).toContainText('Overskredet for');
});

test('the incident pages read in English too', async ({ page, context, baseURL }) => {
  await signIn(page, accounts.aarhus);
  const path = await registerIncident(page, `Phishing-kampagne ${Date.now()}`);
  await useLanguage(context, baseURL!, 'en');
  await page.goto('/incidents');
  await waitForHydration(page);
  await expectNoAxeViolations(page, '/incidents (en)');
  await page.goto(path);
  await expect(page.getByRole('heading', { level: 2, name: t.enReporting })).toBeVisible();
  await waitForHydration(page);
  await expectNoAxeViolations(page, `${path} (en)`);
});

test.describe('links', () => {
  test.use(allowConsoleErrors(statusConsoleError(400, '/rpc/incident_link')));

  test('an alert and a document are linked to an incident and each links back', async ({ page }) => {
    test.setTimeout(120_000);
    await signIn(page, accounts.aarhus);
    const title = `Mistænkelige logins ${Date.now()}`;
    const path = await registerIncident(page, title);

    // From an alert's page: chosen among the open incidents.
    await page.goto('/alerts');
    const firstAlert = page.locator('table a[href^="/alerts/"]').first();
    const alertPath = await firstAlert.getAttribute('href');
    await firstAlert.click();
    await expect(page).toHaveURL(alertPath!);
    const around = page.getByRole('region', { name: 'Forbundne hændelser' });
    await around.getByLabel('Forbind med hændelsen').selectOption({ label: title });
    await around.getByRole('button', { name: 'Forbind', exact: true }).click();
    await expect(page.getByRole('status').filter({ hasText: 'Forbundet med hændelsen.' })).toBeVisible();
    await expect(around.getByRole('link', { name: title })).toHaveAttribute('href', path);
    await waitForHydration(page);
    await expectNoAxeViolations(page, `${alertPath} linked (da)`);

    // From the incident's page: a document's address as copied from the address bar.
    await page.goto(path);
    const links = page.getByRole('region', { name: 'Forbundet med' });
    await expect(links.locator(`a[href="${alertPath}"]`)).toBeVisible();
    const address = page.getByLabel('Adresse på et varsel, et dokument eller en tråd');
    await address.fill('https://vaern.example/grupper/noget');
    await links.getByRole('button', { name: 'Forbind', exact: true }).click();
    await expect(page.getByText('Adressen peger ikke på et varsel, et dokument eller en tråd i Værn.')).toBeVisible();
    await address.fill(`${new URL(page.url()).origin}/documents/1`);
    await links.getByRole('button', { name: 'Forbind', exact: true }).click();
    await expect(page.getByRole('status').filter({ hasText: 'Forbundet med hændelsen.' })).toBeVisible();
    const document = links.locator('a[href="/documents/1"]');
    await expect(document).toBeVisible();
    await expect(links).toContainText('Dokument i Referencegruppen');
    await waitForHydration(page);
    await expectNoAxeViolations(page, `${path} linked (da)`);

    // The document's page links back; removed, the link is gone from the incident.
    await document.click();
    await expect(page).toHaveURL('/documents/1');
    await expect(page.getByRole('region', { name: 'Forbundne hændelser' }).getByRole('link', { name: title })).toBeVisible();
    await page.goto(path);
    const documentTitle = (await links.locator('a[href="/documents/1"]').textContent())!.trim();
    await links.getByRole('button', { name: `Fjern forbindelsen til ${documentTitle}` }).click();
    await expect(page.getByRole('status').filter({ hasText: 'Forbindelsen er fjernet.' })).toBeVisible();
    await expect(links.locator('a[href="/documents/1"]')).toHaveCount(0);
    await expect(links.locator(`a[href="${alertPath}"]`)).toBeVisible();
  });
});

test("a municipality opens one of the centre's incidents and registers its own about it, with its own clocks", async ({ page }) => {
  await signIn(page, accounts.aarhus);
  await page.goto('/incidents');
  const centre = page.getByRole('region', { name: 'Centrets hændelser' });
  const register = centre.getByRole('link', { name: /^Registrér jeres hændelse om / }).first();
  const name = (await register.getAttribute('aria-label'))!.replace('Registrér jeres hændelse om ', '');

  // The centre's incident has a page of its own.
  await centre.getByRole('link', { name, exact: true }).first().click();
  await expect(page).toHaveURL(/\/incidents\/centre\/\d+$/);
  const centrePath = new URL(page.url()).pathname;
  await expect(page.getByRole('heading', { level: 1, name })).toBeVisible();
  const ours = page.getByRole('region', { name: 'Jeres hændelse' });
  await expect(ours).toContainText('I har ikke registreret en hændelse om den.');
  await waitForHydration(page);
  await expectNoAxeViolations(page, `${centrePath} (da)`);

  await ours.getByRole('link', { name: 'Registrér jeres hændelse' }).click();
  await expect(page).toHaveURL(/\/incidents\?concerns=\d+#incident-register$/);
  await expect(page.getByText(`Om centrets hændelse: ${name}`)).toBeVisible();
  await expect(page.getByLabel(t.title, { exact: true })).toHaveValue(name.slice(0, 200));
  await waitForHydration(page);
  await expectNoAxeViolations(page, '/incidents?concerns (da)');
  await page.getByRole('button', { name: t.register }).click();
  await expect(page).toHaveURL(/\/incidents\/\d+$/);
  const path = new URL(page.url()).pathname;
  await expect(page.locator('dl.details')).toContainText(`Centrets hændelse${name}`);

  // Its own clocks: marked significant here, nothing changes for the centre's incident.
  await page.getByLabel(t.aware, { exact: true }).fill(copenhagen(1));
  await page.getByRole('button', { name: t.markSignificant }).click();
  await expect(page.getByRole('status').filter({ hasText: t.marked })).toBeVisible();
  await page.goto(centrePath);
  await expect(ours.locator(`a[href="${path}"]`)).toBeVisible();
  await page.goto('/incidents');
  const row = centre.getByRole('row').filter({ hasText: name }).first();
  await expect(row.locator(`a[href="${path}"]`)).toBeVisible();
});

test("the centre's incident page reads in English too", async ({ page, context, baseURL }) => {
  await signIn(page, accounts.aarhus);
  await useLanguage(context, baseURL!, 'en');
  await page.goto('/incidents');
  const centre = page.getByRole('region', { name: "The centre's incidents" });
  await centre.locator('a[href^="/incidents/centre/"]').first().click();
  await expect(page).toHaveURL(/\/incidents\/centre\/\d+$/);
  await expect(page.getByRole('heading', { level: 2, name: 'Your incident' })).toBeVisible();
  await waitForHydration(page);
  await expectNoAxeViolations(page, '/incidents/centre (en)');
});

test.describe('another municipality', () => {
  test.use(
    allowConsoleErrors(
      /^Failed to load resource: the server responded with a status of 404 \([^)]*\) @ https?:\/\/[^/]+\/incidents\/\d+$/,
    ),
  );

  test('is told an incident of Aarhus does not exist, and does not list it', async ({ page, newContext }) => {
    const aarhus = await newContext();
    const registrar = await aarhus.newPage();
    await signIn(registrar, accounts.aarhus);
    const title = `Kun for Aarhus ${Date.now()}`;
    const path = await registerIncident(registrar, title);
    await aarhus.close();

    await signIn(page, accounts.copenhagen);
    await page.goto('/incidents');
    await expect(page.getByText(title)).toHaveCount(0);
    await expectNoAxeViolations(page, '/incidents (da)');
    const response = await page.goto(path);
    expect(response?.status()).toBe(404);
    await expect(page.getByText(title)).toHaveCount(0);
  });
});
