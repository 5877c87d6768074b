// The live dashboard (issue 19): Aarhus's IT chief has the dashboard open when the
// analysis centre posts a bundle naming Aarhus. Without a reload the alerts panel shows
// one more open alert and a polite live region says "1 nyt varsel". She follows the
// panel to the alert list, filters it to high severity, finds the new alert, acknowledges
// it, shares its status with the centre, and downloads the filtered list as CSV; the
// analyst sees the acknowledgement and the feedback. axe-core on the updated dashboard, the
// filtered list in both languages and the analyst's pages. Each run uses its own sighting.
import { randomUUID } from 'node:crypto';
import { test, expect } from '../support/fixtures';
import { accounts, signIn, useLanguage, waitForHydration } from '../support/app';
import { expectNoAxeViolations } from '../support/axe';
import { TLP_AMBER, centreToken, postBundle } from '../support/stix';

/** The interface texts this spec looks for (app/locales/da.json, en.json). */
const t = {
  alertsPanel: 'Din organisations varsler',
  openAlerts: (n: number) => `${n} åbne varsler`,
  oneNew: '1 nyt varsel',
  severity: 'Alvor',
  high: 'Høj',
  show: 'Vis',
  export: 'Hent som CSV',
  acknowledge: 'Kvittér',
  acknowledged: 'Status er nu: Kvitteret.',
  enAlertsTitle: 'Alerts',
  acksNav: 'Kvitteringer',
  acksItem: 'Sikkerhedsråd eller varsel',
  acksShow: 'Vis',
  acksCell: '751 Aarhus Kommune: Kvitteret',
  shareMessage: 'Besked til centret (valgfri, højst 4.000 tegn)',
  share: 'Del med centret',
  shared: 'Status er delt med centret.',
  openItem: 'Åbn objektet og organisationernes tilbagemeldinger',
  feedback: 'Tilbagemeldinger fra organisationerne',
};

/** A municipality's identity, routed by its kommunekode. */
function municipality(name: string, code: string, now: string) {
  return {
    type: 'identity',
    spec_version: '2.1',
    id: `identity--${randomUUID()}`,
    created: now,
    modified: now,
    name,
    identity_class: 'organization',
    external_references: [{ source_name: 'kommunekode', external_id: code }],
  };
}

/**
 * A high-severity AMBER sighting named `name` of a new indicator, at Aarhus (751) and
 * Copenhagen (101): two municipalities, so the acknowledgement view follows it.
 */
function bundleAtAarhus(name: string) {
  const now = new Date().toISOString();
  const aarhus = municipality('Aarhus Kommune', '751', now);
  const copenhagen = municipality('Københavns Kommune', '101', now);
  const indicator = {
    type: 'indicator',
    spec_version: '2.1',
    id: `indicator--${randomUUID()}`,
    created: now,
    modified: now,
    pattern: "[domain-name:value = 'live-e2e.example']",
    pattern_type: 'stix',
    valid_from: now,
    object_marking_refs: [TLP_AMBER],
  };
  const sighting = {
    type: 'sighting',
    spec_version: '2.1',
    id: `sighting--${randomUUID()}`,
    created: now,
    modified: now,
    name,
    sighting_of_ref: indicator.id,
    where_sighted_refs: [aarhus.id, copenhagen.id],
    x_vaern_severity: 'high',
    object_marking_refs: [TLP_AMBER],
  };
  return { type: 'bundle', id: `bundle--${randomUUID()}`, objects: [aarhus, copenhagen, indicator, sighting] };
}

test('an alert posted while the IT chief watches the dashboard appears live, is announced, filtered, acknowledged and exported, and the analyst sees the acknowledgement', async ({ page, context, newContext, request, server, baseURL }) => {
  test.setTimeout(120_000);
  const name = `E2E live-varsel ${Date.now()}`;
  const token = centreToken(server.dataDir, 'E2E dashboard');

  await signIn(page, accounts.aarhus);
  const panel = page.getByRole('region', { name: t.alertsPanel });
  const open = panel.getByRole('link', { name: /åbne varsler$/ });
  await expect(open).toBeVisible();
  const before = Number.parseInt((await open.textContent()) ?? '', 10);
  await waitForHydration(page);
  // The stream is listening once its first count has arrived.
  await expect(page.locator('html[data-live="ready"]')).toHaveCount(1, { timeout: 15_000 });
  // Set on this document: still there afterwards means the page was not reloaded.
  await page.evaluate(() => {
    (window as unknown as { e2eSameDocument: boolean }).e2eSameDocument = true;
  });

  await postBundle(request, token, bundleAtAarhus(name));
  await expect(page.getByRole('status').filter({ hasText: t.oneNew })).toBeVisible({ timeout: 15_000 });
  await expect(panel.getByRole('link', { name: t.openAlerts(before + 1) })).toBeVisible();
  expect(await page.evaluate(() => (window as unknown as { e2eSameDocument?: boolean }).e2eSameDocument)).toBe(true);
  await expectNoAxeViolations(page, '/ after a live update (da)');

  // From the panel to the list, filtered to high severity with the keyboard-usable form.
  await panel.getByRole('link', { name: t.openAlerts(before + 1) }).click();
  await expect(page).toHaveURL('/alerts');
  await page.getByLabel(t.severity, { exact: true }).selectOption({ label: t.high });
  await page.getByRole('button', { name: t.show, exact: true }).click();
  await expect(page).toHaveURL(/\/alerts\?.*severity=high/);
  await expect(page.getByRole('link', { name, exact: true })).toBeVisible();
  await waitForHydration(page);
  await expectNoAxeViolations(page, '/alerts?severity=high (da)');

  // The export carries the same filter.
  const exportLink = page.getByRole('link', { name: t.export });
  const href = await exportLink.getAttribute('href');
  expect(href).toContain('severity=high');
  const csv = await page.request.get(href ?? '');
  expect(csv.status()).toBe(200);
  const text = await csv.text();
  expect(text.split('\n')[0]).toBe('id,raised_at,sighted,severity,status,tlp,assignee');
  expect(text).toContain(name);
  expect(text).not.toContain(',medium,');

  // Acknowledge it.
  await page.getByRole('link', { name, exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name })).toBeVisible();
  await page.getByRole('button', { name: t.acknowledge, exact: true }).click();
  await expect(page.getByRole('status').filter({ hasText: t.acknowledged })).toBeVisible();

  // Share the status with the centre, with a message.
  const message = `Vi undersøger ${name}.`;
  await page.getByLabel(t.shareMessage).fill(message);
  await page.getByRole('button', { name: t.share, exact: true }).click();
  await expect(page.getByRole('status').filter({ hasText: t.shared })).toBeVisible();
  await expect(page.getByText(message)).toBeVisible();

  // The analyst's acknowledgement view: Aarhus acknowledged, with its time; Copenhagen
  // not yet. The map's cell for Aarhus leads to its line of the table.
  const analyst = await (await newContext()).newPage();
  await signIn(analyst, accounts.analyst);
  await analyst.getByRole('link', { name: t.acksNav, exact: true }).click();
  await expect(analyst).toHaveURL('/intel/acknowledgements');
  await analyst.getByLabel(t.acksItem).selectOption({ label: name });
  await analyst.getByRole('button', { name: t.acksShow, exact: true }).click();
  await expect(analyst.getByRole('heading', { level: 2, name })).toBeVisible();
  const aarhusLine = analyst.locator('#org-751');
  await expect(aarhusLine).toContainText('Kvitteret');
  await expect(aarhusLine.getByRole('cell').nth(2)).not.toBeEmpty();
  await expect(analyst.locator('#org-101')).toContainText('Ikke reageret endnu');
  const cell = analyst.getByRole('link', { name: t.acksCell });
  await cell.focus();
  await analyst.keyboard.press('Enter');
  await expect(analyst).toHaveURL(/#org-751$/);
  await waitForHydration(analyst);
  await expectNoAxeViolations(analyst, '/intel/acknowledgements (analyst, da)');

  // From there to the sighting's page, where Aarhus's feedback is.
  await analyst.getByRole('link', { name: t.openItem }).click();
  await expect(analyst).toHaveURL(/\/intel\/received\/\d+$/);
  const feedback = analyst.locator('section').filter({ has: analyst.getByRole('heading', { name: t.feedback }) });
  await expect(feedback).toContainText('Aarhus Kommune: Kvitteret');
  await expect(feedback).toContainText(message);
  await waitForHydration(analyst);
  await expectNoAxeViolations(analyst, '/intel/received/{sighting} with feedback (analyst, da)');

  // The filtered list in English.
  await useLanguage(context, baseURL!, 'en');
  await page.goto('/alerts?severity=high&status=acknowledged');
  await expect(page.getByRole('heading', { level: 1, name: t.enAlertsTitle })).toBeVisible();
  await expect(page.getByRole('link', { name, exact: true })).toBeVisible();
  await waitForHydration(page);
  await expectNoAxeViolations(page, '/alerts?severity=high&status=acknowledged (en)');
});
