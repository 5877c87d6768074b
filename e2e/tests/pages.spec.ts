// Library pages: a member writes a Markdown page in the browser with an image document of
// the group and a checklist, sees it rendered, edits a line with a change note, compares
// the two versions (changes marked in text, not by colour alone), and restores the first
// version as a third. axe-core on the new-page editor, the edit page and the compare page
// in Danish and in English; the comparison is chosen and sent with the keyboard alone.
//
// Demo data: Mette Lund (Aarhus) owns "Referencegruppen", whose library holds
// "Skjold.png" as document 3 (TLP:CLEAR). The tests here change only what they add
// themselves (tests/a11y.spec.ts and library.spec.ts run against the same demo data).
import type { Page } from '@playwright/test';
import { test, expect } from '../support/fixtures';
import { accounts, signIn, useLanguage, waitForHydration } from '../support/app';
import { expectNoAxeViolations } from '../support/axe';

const LIBRARY = '/groups/referencegruppen/library';

/** The interface texts of the pages, as app/locales/*.json have them. */
const t = {
  da: {
    newPage: 'Ny side',
    title: 'Titel',
    body: 'Sidens tekst (Markdown)',
    create: 'Opret siden',
    editPage: 'Rediger siden',
    editHeading: (title: string) => `Rediger ${title}`,
    changeNote: 'Hvad har du ændret? (valgfrit)',
    save: 'Gem ny version',
    compareTitle: 'Sammenlign versioner',
    compareHeading: (title: string) => `Sammenlign versioner af ${title}`,
    from: 'Fra version',
    to: 'Til version',
    compare: 'Sammenlign',
    summary: (from: number, to: number, added: number, removed: number) =>
      `Fra version ${from} til ${to}: ${added} linjer tilføjet, ${removed} linjer fjernet.`,
    added: 'Tilføjet:',
    removed: 'Fjernet:',
    unchanged: 'Uændret:',
    preview: 'Visning',
    versions: 'Versioner',
    restore: (version: number) => `Gendan version ${version}`,
    restoredFrom: (version: number) => `Gendannet fra version ${version}`,
  },
  en: {
    newPage: 'New page',
    editHeading: (title: string) => `Edit ${title}`,
    compareHeading: (title: string) => `Compare versions of ${title}`,
    added: 'Added:',
    removed: 'Removed:',
  },
} as const;

/** The id in a `/documents/{id}` address. */
function documentId(page: Page): number {
  return Number(new URL(page.url()).pathname.split('/')[2]);
}

test('a member writes a page with an image and a checklist, edits it, compares the versions and restores the first', async ({
  page,
  context,
  baseURL,
}) => {
  test.setTimeout(120_000);
  const da = t.da;
  const title = `Tjekliste ved nedlukning ${Date.now()}`;
  const original = [
    '# Nedlukning',
    '',
    '![Skjold](/files/3)',
    '',
    '- [x] Ring til vagten',
    '- [ ] Luk adgangen udefra',
    '- [ ] Skriv i logbogen',
    '',
  ].join('\n');
  const changed = original.replace('- [ ] Luk adgangen udefra', '- [ ] Luk al adgang udefra (VPN og RDP)');

  // --- Write the page from the library.
  await signIn(page, accounts.aarhus);
  await page.goto(LIBRARY);
  await page.getByRole('link', { name: da.newPage, exact: true }).click();
  await expect(page).toHaveURL(`${LIBRARY}/new-page`);
  await expect(page.getByRole('heading', { level: 1, name: da.newPage })).toBeVisible();
  await waitForHydration(page);
  await expectNoAxeViolations(page, `${LIBRARY}/new-page`);
  await page.getByLabel(da.title, { exact: true }).fill(title);
  await page.getByLabel(da.body, { exact: true }).fill(original);
  await page.getByRole('button', { name: da.create, exact: true }).click();

  // --- The document's page shows it rendered, with the group's image.
  await expect(page).toHaveURL(/\/documents\/\d+$/);
  await expect(page.getByRole('heading', { level: 1, name: title })).toBeVisible();
  const id = documentId(page);
  const preview = page.getByRole('region', { name: da.preview });
  await expect(preview.getByRole('heading', { name: 'Nedlukning', exact: true })).toBeVisible();
  await expect(preview).not.toContainText('# Nedlukning');
  const image = preview.getByRole('img', { name: 'Skjold' });
  await expect(image).toHaveAttribute('src', '/files/3');
  await expect.poll(() => image.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0)).toBe(true);
  await expect(preview.getByRole('checkbox')).toHaveCount(3);
  await expect(preview.getByRole('checkbox', { name: 'Ring til vagten' })).toBeChecked();
  await expect(preview.getByRole('checkbox', { name: 'Luk adgangen udefra' })).not.toBeChecked();
  const versions = page.getByRole('table', { name: da.versions });
  await expect(versions.locator('tbody tr')).toHaveCount(1);
  // One version: nothing to compare yet.
  await expect(page.getByRole('heading', { name: da.compareTitle })).toHaveCount(0);

  // --- Edit a line, with a change note.
  await page.getByRole('link', { name: da.editPage, exact: true }).click();
  await expect(page).toHaveURL(`/documents/${id}/edit`);
  await expect(page.getByRole('heading', { level: 1, name: da.editHeading(title) })).toBeVisible();
  await waitForHydration(page);
  const body = page.getByLabel(da.body, { exact: true });
  await expect(body).toHaveValue(original);
  await expectNoAxeViolations(page, `/documents/${id}/edit`);
  await body.fill(changed);
  await page.getByLabel(da.changeNote, { exact: true }).fill('Præciseret hvad der lukkes');
  await page.getByRole('button', { name: da.save, exact: true }).click();
  await expect(page).toHaveURL(`/documents/${id}`);
  await expect(versions.locator('tbody tr')).toHaveCount(2);
  const newest = versions.locator('tbody tr').first();
  await expect(newest.locator('td').first()).toHaveText('2');
  await expect(newest).toContainText('Præciseret hvad der lukkes');
  await expect(preview.getByRole('checkbox', { name: 'Luk al adgang udefra (VPN og RDP)' })).toBeVisible();

  // --- Compare versions 1 and 2, choosing and sending the form with the keyboard alone.
  const compare = page.getByRole('region', { name: da.compareTitle });
  const from = compare.getByLabel(da.from, { exact: true });
  await expect(from).toHaveValue('1');
  await expect(compare.getByLabel(da.to, { exact: true })).toHaveValue('2');
  await from.focus();
  await page.keyboard.press('Tab');
  await expect(compare.getByLabel(da.to, { exact: true })).toBeFocused();
  await page.keyboard.press('Tab');
  await expect(compare.getByRole('button', { name: da.compare, exact: true })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(`/documents/${id}/compare?from=1&to=2`);
  await expect(page.getByRole('heading', { level: 1, name: da.compareHeading(title) })).toBeVisible();
  await expect(page.getByRole('status').filter({ hasText: da.summary(1, 2, 1, 1) })).toBeVisible();
  const diff = page.locator('table.diff');
  await expect(diff).toHaveCount(1);
  // Each changed line says what happened in text (read out, and a visible sign), and
  // keeps its text; the unchanged lines around it say so too.
  const removedRow = diff.getByRole('row').filter({ hasText: 'Luk adgangen udefra' });
  await expect(removedRow).toHaveCount(1);
  await expect(removedRow).toContainText(da.removed);
  await expect(removedRow).toContainText('−');
  await expect(removedRow.locator('del')).toHaveText('- [ ] Luk adgangen udefra');
  const addedRow = diff.getByRole('row').filter({ hasText: 'Luk al adgang udefra (VPN og RDP)' });
  await expect(addedRow).toHaveCount(1);
  await expect(addedRow).toContainText(da.added);
  await expect(addedRow).toContainText('+');
  await expect(addedRow.locator('ins')).toHaveText('- [ ] Luk al adgang udefra (VPN og RDP)');
  await expect(diff.getByRole('row').filter({ hasText: 'Ring til vagten' })).toContainText(da.unchanged);
  await expect(diff.getByRole('row').filter({ hasText: da.added })).toHaveCount(1);
  await expect(diff.getByRole('row').filter({ hasText: da.removed })).toHaveCount(1);
  await expectNoAxeViolations(page, `/documents/${id}/compare?from=1&to=2`);

  // --- The three pages in English, with axe.
  await useLanguage(context, baseURL!, 'en');
  await page.reload();
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');
  await expect(page.getByRole('heading', { level: 1, name: t.en.compareHeading(title) })).toBeVisible();
  await expect(page.locator('table.diff').getByRole('row').filter({ hasText: t.en.removed })).toHaveCount(1);
  await expect(page.locator('table.diff').getByRole('row').filter({ hasText: t.en.added })).toHaveCount(1);
  await expectNoAxeViolations(page, `/documents/${id}/compare?from=1&to=2 (English)`);
  await page.goto(`/documents/${id}/edit`);
  await expect(page.getByRole('heading', { level: 1, name: t.en.editHeading(title) })).toBeVisible();
  await waitForHydration(page);
  await expectNoAxeViolations(page, `/documents/${id}/edit (English)`);
  await page.goto(`${LIBRARY}/new-page`);
  await expect(page.getByRole('heading', { level: 1, name: t.en.newPage })).toBeVisible();
  await waitForHydration(page);
  await expectNoAxeViolations(page, `${LIBRARY}/new-page (English)`);
  await useLanguage(context, baseURL!, 'da');

  // --- Restore version 1: it comes back as version 3.
  await page.goto(`/documents/${id}`);
  await expect(page.getByRole('heading', { level: 1, name: title })).toBeVisible();
  await waitForHydration(page);
  await page.getByRole('button', { name: da.restore(1), exact: true }).click();
  await expect(versions.locator('tbody tr')).toHaveCount(3);
  const restored = versions.locator('tbody tr').first();
  await expect(restored.locator('td').first()).toHaveText('3');
  await expect(restored).toContainText(da.restoredFrom(1));
  await page.reload();
  await expect(preview.getByRole('checkbox', { name: 'Luk adgangen udefra' })).toBeVisible();
  await expect(preview).not.toContainText('VPN og RDP');
  await expect(preview.getByRole('img', { name: 'Skjold' })).toHaveAttribute('src', '/files/3');
  // The editor opens on the restored text, as version 3.
  await page.getByRole('link', { name: da.editPage, exact: true }).click();
  await expect(page.getByLabel(da.body, { exact: true })).toHaveValue(original);
  await expect(page.getByText('Du redigerer version 3.')).toBeVisible();
});
