// Identity linking: the analysis centre posts an AMBER sighting at an identity
// "Aarhus Kommune" that carries no kommunekode, so it matches no organisation and the
// alert waits. Aarhus does not see it; a platform admin finds the identity on
// /admin/identities with Aarhus suggested and links it; now Aarhus sees the alert on
// /alerts. Each run uses its own identity and sighting ids.
import { randomUUID } from 'node:crypto';
import { test, expect } from '../support/fixtures';
import { accounts, signIn, waitForHydration } from '../support/app';
import { expectNoAxeViolations } from '../support/axe';
import { TLP_AMBER, centreToken } from '../support/stix';

/** The interface texts this spec looks for (app/locales/da.json). */
const t = {
  alertsNav: 'Varsler',
  alertsTitle: 'Varsler',
  alertsCaption: 'Varsler til din organisation',
  identitiesNav: 'STIX-identiteter',
  identitiesTitle: 'STIX-identiteter',
  orgFor: (name: string) => `Organisation for ${name}`,
  linkNamed: (name: string) => `Tilknyt ${name}`,
  linked: (identity: string, org: string) => `${identity} er tilknyttet ${org}. Varsler sendt: 1.`,
};


/** An AMBER sighting (of an AMBER indicator) at an identity with a name but no kommunekode. */
function bundleAtUnmatchedIdentity(sightingName: string) {
  const now = new Date().toISOString();
  const identity = {
    type: 'identity',
    spec_version: '2.1',
    id: `identity--${randomUUID()}`,
    created: now,
    modified: now,
    name: 'Aarhus Kommune',
    identity_class: 'organization',
  };
  const indicator = {
    type: 'indicator',
    spec_version: '2.1',
    id: `indicator--${randomUUID()}`,
    created: now,
    modified: now,
    name: `${sightingName} (indikator)`,
    pattern: "[ipv4-addr:value = '198.51.100.77']",
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
    name: sightingName,
    sighting_of_ref: indicator.id,
    where_sighted_refs: [identity.id],
    object_marking_refs: [TLP_AMBER],
  };
  return { identity, bundle: { type: 'bundle', id: `bundle--${randomUUID()}`, objects: [identity, indicator, sighting] } };
}

test('an admin links an unmatched identity and the municipality then sees the alert', async ({ page, newContext, request, server }) => {
  test.setTimeout(120_000);
  const sightingName = `E2E-observation ${Date.now()}`;
  const { identity, bundle } = bundleAtUnmatchedIdentity(sightingName);
  const posted = await request.post('/api/v1/stix/bundles', {
    headers: { Authorization: `Bearer ${centreToken(server.dataDir, 'E2E identities')}`, 'Content-Type': 'application/stix+json;version=2.1' },
    data: JSON.stringify(bundle),
  });
  expect(posted.status(), await posted.text()).toBe(202);

  // --- Aarhus does not see the alert while the identity is unmatched.
  await signIn(page, accounts.aarhus);
  await page.getByRole('link', { name: t.alertsNav, exact: true }).click();
  await expect(page).toHaveURL('/alerts');
  await expect(page.getByRole('heading', { level: 1, name: t.alertsTitle })).toBeVisible();
  await expect(page.getByText(sightingName)).toHaveCount(0);

  // --- The admin links the identity to the suggested organisation.
  const admin = await (await newContext()).newPage();
  await signIn(admin, accounts.admin);
  await admin.getByRole('link', { name: t.identitiesNav, exact: true }).click();
  await expect(admin).toHaveURL('/admin/identities');
  await expect(admin.getByRole('heading', { level: 1, name: t.identitiesTitle })).toBeVisible();
  await waitForHydration(admin);
  await expectNoAxeViolations(admin, '/admin/identities (admin)');
  const row = admin.getByRole('row').filter({ hasText: identity.id });
  await expect(row).toHaveCount(1);
  const select = row.getByLabel(t.orgFor('Aarhus Kommune'), { exact: true });
  await expect(select).toHaveValue('751');
  // Keyboard: focus the select, keep the suggestion, submit from the button.
  await select.focus();
  await row.getByRole('button', { name: t.linkNamed('Aarhus Kommune'), exact: true }).press('Enter');
  await expect(admin.getByRole('status').filter({ hasText: identity.id })).toHaveText(t.linked(identity.id, 'Aarhus Kommune'));
  await expect(admin.getByRole('row').filter({ hasText: identity.id })).toHaveCount(0);

  // --- Aarhus now sees the alert.
  await page.reload();
  await expect(page.getByRole('heading', { level: 1, name: t.alertsTitle })).toBeVisible();
  const table = page.getByRole('table', { name: t.alertsCaption });
  await expect(table.getByRole('rowheader', { name: sightingName, exact: true })).toBeVisible();
  await expectNoAxeViolations(page, '/alerts with the linked alert');
});
