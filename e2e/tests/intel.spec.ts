// Received STIX objects: the analysis centre posts STIX 2.1 (the `vaern simulate-soc`
// generator over TAXII, and a small bundle of our own on the plain bundle endpoint), and
// an analyst finds the objects with the organisations they were routed to, filters the
// list with the keyboard, opens an unmarked indicator and labels it TLP:AMBER.
import { randomUUID } from 'node:crypto';
import { test, expect, allowConsoleErrors, statusConsoleError } from '../support/fixtures';
import { accounts, signIn, texts, waitForHydration } from '../support/app';
import { expectNoAxeViolations } from '../support/axe';
import { TLP_AMBER, centreToken, vaern } from '../support/stix';

const TLP_CLEAR = 'marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487';
/** The interface texts this spec looks for (app/locales/da.json). */
const t = {
  nav: 'Modtagne objekter',
  title: 'Modtagne objekter',
  type: 'Type',
  tlp: 'TLP',
  from: 'Modtaget fra dato',
  filterButton: 'Filtrer',
  indicator: 'Indikator',
  unmarked: 'Uden TLP',
  routedTo: 'Sendt til',
  labelTitle: 'Mærk objektet',
  labelButton: 'Gem mærkning',
  labelSaved: 'Mærkningen er gemt.',
  rawJson: 'Objektet som modtaget (JSON)',
};


/** A valid STIX 2.1 bundle: Aarhus's identity, an unmarked indicator and an AMBER report on both. */
function ownBundle(indicatorName: string, reportName: string) {
  const now = new Date().toISOString();
  const aarhus = {
    type: 'identity',
    spec_version: '2.1',
    id: `identity--${randomUUID()}`,
    created: now,
    modified: now,
    name: 'Aarhus Kommune',
    identity_class: 'organization',
    external_references: [{ source_name: 'kommunekode', external_id: '751' }],
    object_marking_refs: [TLP_CLEAR],
  };
  const indicator = {
    type: 'indicator',
    spec_version: '2.1',
    id: `indicator--${randomUUID()}`,
    created: now,
    modified: now,
    name: indicatorName,
    indicator_types: ['malicious-activity'],
    pattern: "[ipv4-addr:value = '198.51.100.7']",
    pattern_type: 'stix',
    valid_from: now,
  };
  const report = {
    type: 'report',
    spec_version: '2.1',
    id: `report--${randomUUID()}`,
    created: now,
    modified: now,
    name: reportName,
    report_types: ['threat-report'],
    published: now,
    object_refs: [indicator.id, aarhus.id],
    object_marking_refs: [TLP_AMBER],
  };
  return { indicator, report, bundle: { type: 'bundle', id: `bundle--${randomUUID()}`, objects: [aarhus, indicator, report] } };
}

test('an analyst finds received objects, filters them and labels an unmarked one', async ({ page, request, server }) => {
  test.setTimeout(120_000);
  const secret = centreToken(server.dataDir, 'E2E intel');

  // The centre's generator over TAXII: one bundle of about 30 objects.
  const simulated = vaern(['simulate-soc', '--url', server.origin, '--count', '1', '--size', '30', '--seed', '4711', '--rate', '0'], {
    VAERN_SIMULATE_TOKEN: secret,
  });
  expect(simulated).toMatch(/#0001/);

  // And a bundle of our own, so that an unmarked object is certain to be there.
  const stamp = Date.now();
  const indicatorName = `E2E-indikator ${stamp}`;
  const reportName = `E2E-varsel ${stamp}`;
  const { indicator, bundle } = ownBundle(indicatorName, reportName);
  const posted = await request.post('/api/v1/stix/bundles', {
    headers: { Authorization: `Bearer ${secret}`, 'Content-Type': 'application/stix+json;version=2.1' },
    data: JSON.stringify(bundle),
  });
  expect(posted.status(), await posted.text()).toBe(202);

  // The list, newest first, with the organisations each object was routed to.
  await signIn(page, accounts.analyst);
  await page.getByRole('link', { name: t.nav, exact: true }).click();
  await expect(page).toHaveURL('/intel/received');
  await expect(page.getByRole('heading', { level: 1, name: t.title })).toBeVisible();
  await waitForHydration(page);
  const table = page.getByRole('table');
  expect(await table.getByRole('row').count()).toBeGreaterThan(20);
  const report = table.getByRole('row').filter({ hasText: reportName });
  await expect(report).toContainText('Aarhus Kommune');
  await expect(report).toContainText('TLP:AMBER');
  // The simulator's objects went to municipalities too.
  expect(await table.getByRole('listitem').filter({ hasText: / Kommune$/ }).count()).toBeGreaterThan(1);
  await expectNoAxeViolations(page, '/intel/received with objects');

  // Filter by type from the keyboard: choose, then Enter in a field of the form.
  await page.getByLabel(t.type, { exact: true }).selectOption({ label: t.indicator });
  await page.getByLabel(t.from, { exact: true }).press('Enter');
  await expect(page).toHaveURL(/[?&]kind=indicator(&|$)/);
  await expect(page.getByRole('table').getByRole('row').filter({ hasText: reportName })).toHaveCount(0);
  await expect(page.getByRole('table').getByRole('row').filter({ hasText: indicatorName })).toHaveCount(1);
  const kinds = await page.getByRole('table').locator('tbody td:nth-child(2)').allTextContents();
  expect(kinds.length).toBeGreaterThan(0);
  expect(new Set(kinds)).toEqual(new Set([t.indicator]));

  // Only the unmarked ones: ours is among them.
  await page.getByLabel(t.tlp, { exact: true }).selectOption({ label: t.unmarked });
  await page.getByRole('button', { name: t.filterButton, exact: true }).click();
  await expect(page).toHaveURL(/[?&]tlp=unmarked(&|$)/);
  const ours = page.getByRole('table').getByRole('row').filter({ hasText: indicatorName });
  await expect(ours).toContainText(t.unmarked);
  await ours.getByRole('link', { name: indicatorName, exact: true }).click();

  // The object's page: its facts, its JSON as text, and the label form.
  await expect(page).toHaveURL(/\/intel\/received\/\d+$/);
  await expect(page.getByRole('heading', { level: 1, name: indicatorName })).toBeVisible();
  await waitForHydration(page);
  await expect(page.getByRole('heading', { level: 2, name: t.rawJson })).toBeVisible();
  await expect(page.locator('pre.json')).toContainText(indicator.id);
  await expect(page.locator('pre.json')).toContainText('"pattern_type": "stix"');
  await expect(page.getByRole('heading', { level: 2, name: t.labelTitle })).toBeVisible();
  await expectNoAxeViolations(page, 'an unmarked received object');

  await page.getByLabel(t.tlp, { exact: true }).selectOption({ label: 'TLP:AMBER' });
  await page.getByRole('button', { name: t.labelButton, exact: true }).click();
  await expect(page.getByRole('status').filter({ hasText: t.labelSaved })).toBeVisible();
  await expect(page.locator('dl.details')).toContainText('TLP:AMBER');
  await expect(page.getByRole('heading', { level: 2, name: t.labelTitle })).toHaveCount(0);
  await expectNoAxeViolations(page, 'a received object just labelled');

  // After a reload the label is still there, and the list has it under TLP:AMBER.
  await page.reload();
  await expect(page.locator('dl.details')).toContainText('TLP:AMBER');
  await page.goto('/intel/received?kind=indicator&tlp=amber');
  await expect(page.getByRole('table').getByRole('row').filter({ hasText: indicatorName })).toContainText('TLP:AMBER');
});

test.describe(() => {
  // The browser logs the page's own 404 as a console error; only that line is allowed.
  test.use(allowConsoleErrors(statusConsoleError(404, '/intel/received')));

  test('people who are not analysts are told the pages do not exist', async ({ page }) => {
    await signIn(page, accounts.aarhus);
    await expect(page.getByRole('link', { name: t.nav, exact: true })).toHaveCount(0);
    const response = await page.goto('/intel/received');
    expect(response?.status()).toBe(404);
    await expect(page.getByRole('heading', { level: 1, name: texts.da.notFoundTitle })).toBeVisible();
  });
});
