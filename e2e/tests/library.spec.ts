// Group libraries: adding a file with the plain upload form, its page with the TLP
// banner, downloading it byte for byte, a refused type explained on the page, and an
// AMBER+STRICT document answered as missing to another organisation; folders (create,
// upload into, rename, delete), the filter form, editing a document's details with its
// history, restoring an earlier version, removing a document, and the page's preview of
// each kind of file (with the raw route's headers).
//
// Demo data: Mette Lund (Aarhus) owns "Referencegruppen", whose library holds, in this
// order, "NIS2-tjekliste.pdf" (document 1, two versions), "Beredskabsplan.docx" (2, in
// the folder "Politikker"), "Skjold.png" (3, TLP:CLEAR), "Vejledning i
// phishing-oevelser.md" (4), "Aarhus - hændelseslog.txt" (5) and "Risikovurdering
// Aarhus.pdf" (6); 5 and 6 are TLP:AMBER+STRICT for Aarhus Kommune only. Jonas Berg
// (København) is a member of the group.
//
// tests/a11y.spec.ts visits the demo's documents and folder on the same server, so the
// tests here change only what they add themselves.
import { readFileSync } from 'node:fs';
import type { Page } from '@playwright/test';
import { test, expect, allowConsoleErrors, statusConsoleError } from '../support/fixtures';
import { accounts, signIn, texts } from '../support/app';
import { expectNoAxeViolations } from '../support/axe';

const LIBRARY = '/groups/referencegruppen/library';

/** A small valid PDF; each test gives it its own title so runs never collide. */
function pdf(title: string): Buffer {
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>',
  ];
  let body = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((object, n) => {
    offsets.push(body.length);
    body += `${n + 1} 0 obj\n${object}\nendobj\n`;
  });
  const xref = body.length;
  body += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const offset of offsets) body += `${String(offset).padStart(10, '0')} 00000 n \n`;
  body += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n% ${title}\n`;
  return Buffer.from(body, 'latin1');
}

/**
 * Adds one file with the library page's upload form (in the folder the form has chosen
 * unless `folder` names one) and waits for the new document's page; returns its id.
 */
async function upload(
  page: Page,
  file: { name: string; mimeType: string; buffer: Buffer },
  options: { title?: string; folder?: string } = {},
): Promise<number> {
  const form = page.getByRole('region', { name: 'Læg filer i biblioteket' });
  if (options.title !== undefined) {
    await form.getByLabel('Titel (kun når du lægger én fil op; ellers bruges filnavnene)').fill(options.title);
  }
  if (options.folder !== undefined) await form.getByLabel('Mappe', { exact: true }).selectOption(options.folder);
  await form.getByLabel('Filer', { exact: true }).setInputFiles(file);
  await form.getByRole('button', { name: 'Læg i biblioteket' }).click();
  await expect(page).toHaveURL(/\/documents\/\d+$/);
  if (options.title !== undefined) {
    await expect(page.getByRole('heading', { level: 1, name: options.title })).toBeVisible();
  }
  return Number(new URL(page.url()).pathname.split('/').pop());
}

/** Adds a PDF titled `title` at the top of Referencegruppen's library; returns its id. */
async function uploadPdf(page: Page, title: string, bytes: Buffer = pdf(title)): Promise<number> {
  await page.goto(LIBRARY);
  return upload(page, { name: 'dokument.pdf', mimeType: 'application/pdf', buffer: bytes }, { title });
}

/** The titles of the documents the library page lists. */
function listedTitles(page: Page) {
  return page.getByRole('table', { name: 'Dokumenter' }).locator('tbody tr td:first-child');
}

test('a member adds a PDF with the form, sees its page with the label and downloads the same bytes', async ({ page }) => {
  await signIn(page, accounts.aarhus);
  await page.goto(LIBRARY);
  await expect(page.getByRole('heading', { level: 1, name: 'Bibliotek: Referencegruppen' })).toBeVisible();
  const title = `Øvelsesplan ${Date.now()}`;
  const bytes = pdf(title);
  await page.getByLabel('Titel (kun når du lægger én fil op; ellers bruges filnavnene)').fill(title);
  await page.getByLabel('TLP-markering').selectOption('green');
  await page.getByLabel('Filer', { exact: true }).setInputFiles({
    name: 'øvelse.pdf',
    mimeType: 'application/pdf',
    buffer: bytes,
  });
  await page.getByRole('button', { name: 'Læg i biblioteket' }).click();
  await expect(page).toHaveURL(/\/documents\/\d+$/);
  await expect(page.getByRole('heading', { level: 1, name: title })).toBeVisible();
  await expect(page.getByRole('note')).toContainText('Mærket TLP:GREEN');
  const download = page.waitForEvent('download');
  await page.getByRole('link', { name: 'Hent nyeste version' }).click();
  const file = await download;
  expect(file.suggestedFilename()).toBe('øvelse.pdf');
  expect(readFileSync(await file.path()).equals(bytes)).toBe(true);
  // The author sees who downloaded it (the audit log's appender chains within moments).
  await expect(async () => {
    await page.reload();
    await expect(page.getByRole('table', { name: 'Hentninger' })).toContainText('Mette Lund', { timeout: 1_000 });
  }).toPass({ timeout: 15_000 });
  await page.goto(LIBRARY);
  await expect(page.getByRole('link', { name: title })).toBeVisible();
});

test('an upload shows its progress while the file is sent, then lands on the document', async ({ page }) => {
  await signIn(page, accounts.aarhus);
  await page.goto(LIBRARY);
  // Slow the upload down (4 MB at 2 MB/s) so that the bar can be seen moving.
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false,
    latency: 0,
    downloadThroughput: -1,
    uploadThroughput: 2 * 1024 * 1024,
  });
  const title = `Stor plan ${Date.now()}`;
  const bytes = Buffer.concat([pdf(title), Buffer.alloc(4 * 1024 * 1024, 0x20)]);
  await page.getByLabel('Titel (kun når du lægger én fil op; ellers bruges filnavnene)').fill(title);
  await page.getByLabel('Filer', { exact: true }).setInputFiles({ name: 'stor.pdf', mimeType: 'application/pdf', buffer: bytes });
  await page.getByRole('button', { name: 'Læg i biblioteket' }).click();
  const bar = page.getByRole('progressbar');
  await expect(bar).toBeVisible();
  await expect(page.locator('.upload-progress')).toContainText(/Overført: \d+ %/);
  await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
  await expect(page).toHaveURL(/\/documents\/\d+$/, { timeout: 30_000 });
  await expect(page.getByRole('heading', { level: 1, name: title })).toBeVisible();
});

test('a new version is uploaded on the document page and the old one still downloads byte for byte', async ({ page }) => {
  await signIn(page, accounts.aarhus);
  await page.goto(LIBRARY);
  const title = `Beredskabsplan ${Date.now()}`;
  const first = pdf(`${title} v1`);
  const second = pdf(`${title} v2`);
  await page.getByLabel('Titel (kun når du lægger én fil op; ellers bruges filnavnene)').fill(title);
  await page.getByLabel('Filer', { exact: true }).setInputFiles({ name: 'plan.pdf', mimeType: 'application/pdf', buffer: first });
  await page.getByRole('button', { name: 'Læg i biblioteket' }).click();
  await expect(page.getByRole('heading', { level: 1, name: title })).toBeVisible();
  const newVersion = page.getByRole('region', { name: 'Læg en ny version op' });
  await newVersion.getByLabel('Fil', { exact: true }).setInputFiles({ name: 'plan-v2.pdf', mimeType: 'application/pdf', buffer: second });
  // (The edit form further down has a change note of its own.)
  await newVersion.getByLabel('Hvad er ændret (vises i versionslisten)').fill('Efter øvelsen');
  await newVersion.getByRole('button', { name: 'Læg ny version op' }).click();
  const versions = page.getByRole('table', { name: 'Versioner' });
  await expect(versions.getByRole('row').filter({ hasText: 'Efter øvelsen' })).toContainText('plan-v2.pdf');
  const newest = page.waitForEvent('download');
  await page.getByRole('link', { name: 'Hent nyeste version' }).click();
  expect(readFileSync(await (await newest).path()).equals(second)).toBe(true);
  const old = page.waitForEvent('download');
  await page.getByRole('link', { name: 'Hent version 1' }).click();
  const oldFile = await old;
  expect(oldFile.suggestedFilename()).toBe('plan.pdf');
  expect(readFileSync(await oldFile.path()).equals(first)).toBe(true);
});

test('a file of a refused type is explained on the library page and not added', async ({ page }) => {
  await signIn(page, accounts.aarhus);
  await page.goto(LIBRARY);
  const name = `værktøj-${Date.now()}.pdf`;
  const elf = Buffer.alloc(64);
  Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x01]).copy(elf);
  await page.getByLabel('Filer', { exact: true }).setInputFiles({ name, mimeType: 'application/pdf', buffer: elf });
  await page.getByRole('button', { name: 'Læg i biblioteket' }).click();
  await expect(page).toHaveURL(/\/groups\/referencegruppen\/library\?upload_error=type/);
  await expect(page.getByRole('alert')).toHaveText(
    `${name} blev afvist: filen er af typen application/x-executable, som biblioteket ikke modtager.`,
  );
  await expect(page.getByRole('link', { name })).toHaveCount(0);
});

test.describe(() => {
  // Deleting a folder that is not empty is refused with 409, which the browser logs.
  test.use(allowConsoleErrors(statusConsoleError(409, '/rpc/delete_folder')));

  test('folders: a new folder gets the upload, is renamed, refuses deletion while not empty, and an empty one is deleted', async ({ page }) => {
    await signIn(page, accounts.aarhus);
    await page.goto(LIBRARY);
    const stamp = Date.now();
    const folder = `Øvelser ${stamp}`;
    const newFolder = page.getByRole('region', { name: 'Ny mappe' });
    await expect(newFolder.getByLabel('Mappens navn')).toHaveAccessibleDescription(
      'Mapper har intet TLP-mærke: alle i gruppen kan se mappernes navne. Skriv ikke fortroligt indhold i et navn.',
    );
    await newFolder.getByLabel('Mappens navn').fill(folder);
    await newFolder.getByRole('button', { name: 'Opret mappe' }).click();

    // The new folder's page: its name as heading and as the current breadcrumb.
    await expect(page).toHaveURL(/\/groups\/referencegruppen\/library\?folder=\d+$/);
    const folderUrl = new URL(page.url());
    const folderId = folderUrl.searchParams.get('folder')!;
    const folderPath = `${folderUrl.pathname}${folderUrl.search}`;
    await expect(page.getByRole('heading', { level: 1, name: folder })).toBeVisible();
    const crumbs = page.getByRole('navigation', { name: 'Placering' });
    await expect(crumbs.getByRole('link', { name: 'Referencegruppen' })).toHaveAttribute('href', '/groups/referencegruppen');
    await expect(crumbs.getByRole('link', { name: 'Bibliotek' })).toHaveAttribute('href', LIBRARY);
    await expect(crumbs.locator('[aria-current="page"]')).toHaveText(folder);
    await expect(page.getByText('Der er ingen dokumenter i biblioteket endnu.')).toBeVisible();

    // The upload form has the folder chosen.
    await expect(
      page.getByRole('region', { name: 'Læg filer i biblioteket' }).getByLabel('Mappe', { exact: true }),
    ).toHaveValue(folderId);
    const title = `Mappedokument ${stamp}`;
    await upload(page, { name: 'i-mappen.pdf', mimeType: 'application/pdf', buffer: pdf(title) }, { title });
    // The document's breadcrumbs lead back to its folder, which is not the page itself.
    const docCrumbs = page.getByRole('navigation', { name: 'Placering' });
    await expect(docCrumbs.getByRole('link', { name: folder })).toHaveAttribute('href', folderPath);
    await expect(docCrumbs.locator('[aria-current="page"]')).toHaveCount(0);
    await page.goto(folderPath);
    await expect(listedTitles(page)).toHaveText([title]);
    await page.goto(LIBRARY);
    await expect(page.getByRole('link', { name: title })).toHaveCount(0);
    await expect(page.getByRole('region', { name: 'Mapper' }).getByRole('link', { name: folder })).toHaveAttribute(
      'href',
      folderPath,
    );

    // Renamed, on the folder's own page.
    await page.getByRole('region', { name: 'Mapper' }).getByRole('link', { name: folder }).click();
    await expect(page.getByRole('heading', { level: 1, name: folder })).toBeVisible();
    const renamed = `Øvelser (omdøbt) ${stamp}`;
    const manage = page.getByRole('region', { name: 'Mappen' });
    await manage.getByLabel('Nyt navn').fill(renamed);
    await manage.getByRole('button', { name: 'Omdøb' }).click();
    await expect(page.getByRole('heading', { level: 1, name: renamed })).toBeVisible();
    await expect(page).toHaveURL(folderPath);
    await expect(page.getByRole('navigation', { name: 'Placering' }).locator('[aria-current="page"]')).toHaveText(renamed);

    // Not empty: refused, with the reason, and the folder stays.
    await expect(manage.getByText('En mappe kan kun slettes, når den er tom.')).toBeVisible();
    await manage.getByRole('button', { name: 'Slet mappen' }).click();
    await expect(manage.getByRole('alert')).toHaveText('Mappen er ikke tom: flyt eller fjern først dens indhold.');
    await page.goto(folderPath);
    await expect(page.getByRole('heading', { level: 1, name: renamed })).toBeVisible();
    await expect(listedTitles(page)).toHaveText([title]);

    // An empty subfolder: created inside, shown under its parent, deleted back to it.
    const sub = `Tom undermappe ${stamp}`;
    await page.getByRole('region', { name: 'Ny mappe' }).getByLabel('Mappens navn').fill(sub);
    await page.getByRole('region', { name: 'Ny mappe' }).getByRole('button', { name: 'Opret mappe' }).click();
    await expect(page.getByRole('heading', { level: 1, name: sub })).toBeVisible();
    const subCrumbs = page.getByRole('navigation', { name: 'Placering' });
    await expect(subCrumbs.getByRole('link', { name: renamed })).toHaveAttribute('href', folderPath);
    await expect(subCrumbs.locator('[aria-current="page"]')).toHaveText(sub);
    await page.getByRole('region', { name: 'Mappen' }).getByRole('button', { name: 'Slet mappen' }).click();
    await expect(page).toHaveURL(folderPath);
    await expect(page.getByRole('heading', { level: 1, name: renamed })).toBeVisible();
    await expect(page.getByRole('link', { name: sub })).toHaveCount(0);
  });
});

test('the library is filtered by type and by a tag set in the edit form, and "Fjern filtre" shows everything again', async ({ page }) => {
  await signIn(page, accounts.aarhus);
  const stamp = Date.now();
  const title = `Mærket dokument ${stamp}`;
  const tag = `e2e-${stamp}`;
  await uploadPdf(page, title);
  const edit = page.getByRole('region', { name: 'Ret oplysningerne' });
  // Typed in capitals and twice: stored once, lower-cased.
  await edit.getByLabel('Emneord', { exact: true }).fill(`${tag.toUpperCase()}, nis2, ${tag}`);
  await edit.getByRole('button', { name: 'Gem ændringer' }).click();
  await expect(page.getByRole('link', { name: tag, exact: true })).toBeVisible();

  await page.goto(LIBRARY);
  const filters = page.getByRole('form', { name: 'Sortér og filtrér dokumenterne' });
  await expect(filters.getByRole('link', { name: 'Fjern filtre' })).toHaveCount(0);

  // By type: only PDFs.
  await filters.getByLabel('Type', { exact: true }).selectOption('PDF');
  await filters.getByRole('button', { name: 'Vis' }).click();
  await expect(page).toHaveURL(/[?&]kind=PDF(&|$)/);
  const table = page.getByRole('table', { name: 'Dokumenter' });
  await expect(table.getByRole('link', { name: 'NIS2-tjekliste.pdf' })).toBeVisible();
  await expect(table.getByRole('link', { name: title })).toBeVisible();
  await expect(table.getByRole('link', { name: 'Skjold.png' })).toHaveCount(0);
  await expect(table.getByRole('link', { name: 'Vejledning i phishing-oevelser.md' })).toHaveCount(0);
  const kinds = await table.locator('tbody tr td:nth-child(3)').allInnerTexts();
  expect(kinds.length).toBeGreaterThan(1);
  expect(new Set(kinds.map((k) => k.trim()))).toEqual(new Set(['PDF']));
  await expect(filters.getByLabel('Type', { exact: true })).toHaveValue('PDF');

  // Cleared: everything again, and the form shows no filter.
  await filters.getByRole('link', { name: 'Fjern filtre' }).click();
  await expect(page).toHaveURL(LIBRARY);
  await expect(page.getByRole('link', { name: 'Skjold.png' })).toBeVisible();
  await expect(filters.getByLabel('Type', { exact: true })).toHaveValue('');

  // By tag: only the tagged document.
  await filters.getByLabel('Emneord', { exact: true }).selectOption(tag);
  await filters.getByRole('button', { name: 'Vis' }).click();
  await expect(page).toHaveURL(new RegExp(`[?&]tag=${tag}(&|$)`));
  await expect(listedTitles(page)).toHaveText([title]);
  await filters.getByRole('link', { name: 'Fjern filtre' }).click();
  await expect(page).toHaveURL(LIBRARY);
  await expect(page.getByRole('link', { name: 'NIS2-tjekliste.pdf' })).toBeVisible();
  await expect(page.getByRole('link', { name: title })).toBeVisible();

  // A filter nothing matches says so.
  await page.goto(`${LIBRARY}?kind=PDF&tag=${tag}&tlp=red`);
  await expect(page.getByText('Ingen dokumenter her passer til filtrene.')).toBeVisible();
});

test("the author edits a document's title and tags with a note, and the edit is listed in its history", async ({ page }) => {
  await signIn(page, accounts.aarhus);
  const stamp = Date.now();
  const title = `Referat ${stamp}`;
  const id = await uploadPdf(page, title);
  await expect(page.getByRole('heading', { name: 'Ændringer af oplysningerne' })).toHaveCount(0);

  const newTitle = `Referat af mødet ${stamp}`;
  const edit = page.getByRole('region', { name: 'Ret oplysningerne' });
  await expect(edit.getByLabel('Titel', { exact: true })).toHaveValue(title);
  await edit.getByLabel('Titel', { exact: true }).fill(newTitle);
  await edit.getByLabel('Beskrivelse').fill('Referat af styregruppens møde i november.');
  await edit.getByLabel('Emneord', { exact: true }).fill('møde, referat');
  await edit.getByLabel('Hvad er ændret (vises i listen over ændringer)').fill('Titlen siger nu, hvilket møde');
  await edit.getByRole('button', { name: 'Gem ændringer' }).click();

  await expect(page).toHaveURL(`/documents/${id}`);
  await expect(page.getByRole('heading', { level: 1, name: newTitle })).toBeVisible();
  await expect(page.locator('p.description')).toHaveText('Referat af styregruppens møde i november.');
  const tagLink = page.getByRole('link', { name: 'referat', exact: true });
  await expect(tagLink).toHaveAttribute('href', `${LIBRARY}?tag=referat`);
  await expect(page.getByRole('link', { name: 'møde', exact: true })).toHaveAttribute(
    'href',
    `${LIBRARY}?tag=${encodeURIComponent('møde')}`,
  );
  const edits = page.getByRole('table', { name: 'Ændringer af oplysningerne' });
  const row = edits.getByRole('row').filter({ hasText: 'Titlen siger nu, hvilket møde' });
  await expect(row).toHaveCount(1);
  await expect(row).toContainText('Mette Lund');
  // The form keeps the new values for the next edit.
  await expect(edit.getByLabel('Titel', { exact: true })).toHaveValue(newTitle);
  await expect(edit.getByLabel('Emneord', { exact: true })).toHaveValue('møde, referat');

  // The tag link shows the library filtered by it.
  await tagLink.click();
  await expect(page).toHaveURL(`${LIBRARY}?tag=referat`);
  await expect(page.getByRole('link', { name: newTitle })).toBeVisible();
  await expect(page.getByRole('link', { name: 'NIS2-tjekliste.pdf' })).toHaveCount(0);
});

test('restoring version 1 adds a third version with the same bytes', async ({ page }) => {
  await signIn(page, accounts.aarhus);
  const stamp = Date.now();
  const title = `Kontinuitetsplan ${stamp}`;
  const first = pdf(`${title} v1`);
  const second = pdf(`${title} v2`);
  await uploadPdf(page, title, first);
  await expect(page.getByRole('button', { name: 'Gendan version 1' })).toHaveCount(0);
  const newVersion = page.getByRole('region', { name: 'Læg en ny version op' });
  await newVersion.getByLabel('Fil', { exact: true }).setInputFiles({ name: 'plan-v2.pdf', mimeType: 'application/pdf', buffer: second });
  await newVersion.getByLabel('Hvad er ændret (vises i versionslisten)').fill('Ny udgave');
  await newVersion.getByRole('button', { name: 'Læg ny version op' }).click();
  const versions = page.getByRole('table', { name: 'Versioner' });
  await expect(versions.getByRole('row').filter({ hasText: 'Ny udgave' })).toContainText('plan-v2.pdf');
  // Only earlier versions can be restored.
  await expect(page.getByRole('button', { name: 'Gendan version 2' })).toHaveCount(0);

  await page.getByRole('button', { name: 'Gendan version 1' }).click();
  const newest = versions.locator('tbody tr').first();
  await expect(newest.locator('td').first()).toHaveText('3');
  await expect(newest).toContainText('Gendannet fra version 1');
  await expect(versions.locator('tbody tr')).toHaveCount(3);
  await expect(page.getByRole('button', { name: 'Gendan version 1' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Gendan version 2' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Gendan version 3' })).toHaveCount(0);

  const download = page.waitForEvent('download');
  await page.getByRole('link', { name: 'Hent nyeste version' }).click();
  expect(readFileSync(await (await download).path()).equals(first)).toBe(true);
});

test('the preview shows a PDF in a frame of the raw route, with headers that let only this site frame it', async ({ page }) => {
  await signIn(page, accounts.aarhus);
  // The browser loads the frame (a refusal to frame it would fail the test as a console
  // error).
  const framed = page.waitForResponse((r) => new URL(r.url()).pathname === '/documents/1/raw');
  await page.goto('/documents/1');
  await expect(page.getByRole('heading', { level: 1, name: 'NIS2-tjekliste.pdf' })).toBeVisible();
  expect((await framed).status()).toBe(200);
  await expect.poll(() => page.frames().some((f) => new URL(f.url()).pathname === '/documents/1/raw')).toBe(true);
  await expect(page.getByRole('note')).toContainText('Mærket TLP:');
  const preview = page.getByRole('region', { name: 'Visning' });
  const frame = preview.locator('iframe');
  await expect(frame).toHaveAttribute('src', '/documents/1/raw');
  await expect(frame).toHaveAttribute('title', 'NIS2-tjekliste.pdf (PDF)');

  const raw = await page.request.get('/documents/1/raw');
  expect(raw.status()).toBe(200);
  const headers = raw.headers();
  expect(headers['content-type']).toBe('application/pdf');
  expect(headers['content-disposition']).toMatch(/^inline/);
  expect(headers['cache-control']).toBe('private, no-store');
  expect(headers['x-content-type-options']).toBe('nosniff');
  const csp = headers['content-security-policy'];
  expect(csp).toContain("frame-ancestors 'self'");
  expect(csp).toContain("script-src 'none'");
  expect(csp).not.toContain('sandbox');
  // The newest version (the demo's rev. 2) is what the page shows.
  expect((await raw.body()).toString('latin1')).toContain('NIS2-tjekliste, rev. 2');
  // A download stays an attachment.
  const download = await page.request.get('/documents/1/download');
  expect(download.headers()['content-disposition']).toMatch(/^attachment/);
});

test('the preview renders Markdown, shows an image, and shows text as text', async ({ page }) => {
  await signIn(page, accounts.aarhus);
  const preview = page.getByRole('region', { name: 'Visning' });

  await page.goto('/documents/4');
  await expect(page.getByRole('heading', { level: 1, name: 'Vejledning i phishing-oevelser.md' })).toBeVisible();
  await expect(preview.getByRole('heading', { name: 'Phishing-øvelser' })).toBeVisible();
  // The demo's second version of the page: four steps and the group's shield image.
  await expect(preview.getByRole('listitem')).toHaveCount(4);
  await expect(preview).not.toContainText('# Phishing');
  const shield = preview.getByRole('img', { name: 'Skjold' });
  await expect(shield).toHaveAttribute('src', '/files/3');
  await expect.poll(() => shield.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0)).toBe(true);

  await page.goto('/documents/3');
  await expect(page.getByRole('heading', { level: 1, name: 'Skjold.png' })).toBeVisible();
  await expect(page.getByRole('note')).toContainText('Mærket TLP:CLEAR');
  const image = preview.getByRole('img', { name: 'Skjold.png' });
  await expect(image).toHaveAttribute('src', '/documents/3/raw');
  // Loaded: the raw route's answer is shown in the page.
  await expect.poll(() => image.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0)).toBe(true);
  const raw = await page.request.get('/documents/3/raw');
  expect(raw.headers()['content-type']).toBe('image/png');
  expect(raw.headers()['content-disposition']).toMatch(/^inline/);

  await page.goto('/documents/5');
  await expect(page.getByRole('heading', { level: 1, name: 'Aarhus - hændelseslog.txt' })).toBeVisible();
  await expect(page.getByRole('note')).toContainText('Mærket TLP:AMBER+STRICT');
  await expect(preview.locator('pre')).toContainText('Hændelseslog, Aarhus Kommune');
  await expect(preview.locator('pre')).toContainText('03.11: Phishing-bølge mod Økonomi stoppet.');
  // Text is never served inline.
  const text = await page.request.get('/documents/5/raw');
  expect(text.headers()['content-disposition']).toMatch(/^attachment/);
});

test('markup in an uploaded text file is shown as text, and in Markdown it is sanitised', async ({ page }) => {
  await signIn(page, accounts.aarhus);
  const stamp = Date.now();
  const preview = page.getByRole('region', { name: 'Visning' });

  const text = `Notat ${stamp}: <em>ikke kursiv</em> & <script>alert(1)</script>\n`;
  await page.goto(LIBRARY);
  await upload(page, { name: `notat-${stamp}.txt`, mimeType: 'text/plain', buffer: Buffer.from(text, 'utf8') });
  await expect(preview.locator('pre')).toHaveText(text.trimEnd());
  await expect(preview.locator('pre em, pre script')).toHaveCount(0);

  const markdown = `## Status ${stamp}\n\nTekst med **fed** og <script>alert(1)</script> og [et link](javascript:alert(1)).\n`;
  await page.goto(LIBRARY);
  await upload(page, { name: `status-${stamp}.md`, mimeType: 'text/markdown', buffer: Buffer.from(markdown, 'utf8') });
  await expect(preview.getByRole('heading', { level: 2, name: `Status ${stamp}` })).toBeVisible();
  await expect(preview.locator('strong')).toHaveText('fed');
  await expect(preview.locator('script')).toHaveCount(0);
  await expect(preview.locator('a[href^="javascript"]')).toHaveCount(0);
});

test.describe(() => {
  // Jonas asks for the AMBER+STRICT document by its address and gets the 404 page.
  test.use(
    allowConsoleErrors(
      /^Failed to load resource: the server responded with a status of 404 \([^)]*\) @ https?:\/\/[^/]+\/documents\/\d+$/,
    ),
  );

  test('an AMBER+STRICT document for Aarhus is missing to a member from København', async ({ page }) => {
    await signIn(page, accounts.copenhagen);
    await page.goto(LIBRARY);
    await expect(page.getByRole('link', { name: 'NIS2-tjekliste.pdf' })).toBeVisible();
    await expect(page.getByRole('link', { name: 'Risikovurdering Aarhus.pdf' })).toHaveCount(0);
    await expect(page.getByRole('link', { name: 'Aarhus - hændelseslog.txt' })).toHaveCount(0);
    await page.goto('/documents/6');
    await expect(page.getByRole('heading', { level: 1, name: texts.da.notFoundTitle })).toBeVisible();
    const hidden = await page.request.get('/documents/6/download');
    const missing = await page.request.get('/documents/999999/download');
    expect(hidden.status()).toBe(404);
    expect(missing.status()).toBe(404);
    expect(await hidden.text()).toBe(await missing.text());
    expect((await page.request.get('/documents/6/raw')).status()).toBe(404);
    expect((await page.request.get('/documents/5/raw')).status()).toBe(404);
  });

  test('a removed document leaves the library with its reason logged, and its page is missing', async ({ page }) => {
    await signIn(page, accounts.aarhus);
    const title = `Forældet vejledning ${Date.now()}`;
    const id = await uploadPdf(page, title);
    const remove = page.getByRole('region', { name: 'Fjern dokumentet' });
    await expect(remove.getByLabel('Begrundelse')).toHaveAccessibleDescription(
      'Dokumentet og alle dets versioner forsvinder fra biblioteket. Årsagen gemmes i loggen.',
    );
    await remove.getByLabel('Begrundelse').fill('Erstattet af den nye vejledning');
    await remove.getByRole('button', { name: 'Fjern dokumentet' }).click();
    await expect(page).toHaveURL(LIBRARY);
    await expect(page.getByRole('heading', { level: 1, name: 'Bibliotek: Referencegruppen' })).toBeVisible();
    await expect(page.getByRole('link', { name: title })).toHaveCount(0);
    await expect(page.getByRole('link', { name: 'NIS2-tjekliste.pdf' })).toBeVisible();
    const response = await page.goto(`/documents/${id}`);
    expect(response?.status()).toBe(404);
    await expect(page.getByRole('heading', { level: 1, name: texts.da.notFoundTitle })).toBeVisible();
    expect((await page.request.get(`/documents/${id}/download`)).status()).toBe(404);
    expect((await page.request.get(`/documents/${id}/raw`)).status()).toBe(404);
  });
});

test("a text file's page says its text is searchable once read, and the demo's files were read at the first start", async ({ page }) => {
  await signIn(page, accounts.aarhus);
  const stamp = Date.now();
  await page.goto(LIBRARY);
  const id = await upload(page, {
    name: `søgbar-${stamp}.txt`,
    mimeType: 'text/plain',
    buffer: Buffer.from(`Øvelse ${stamp}: ring til vagten.\n`, 'utf8'),
  });
  const search = page.locator('dl.details dd.search-text');
  // Read by the server's extraction worker in a child process, woken by the upload.
  await expect(async () => {
    await page.goto(`/documents/${id}`);
    await expect(search).toHaveText('Filens tekst er søgbar.', { timeout: 1_000 });
  }).toPass({ timeout: 20_000 });
  await expect(page.getByRole('term').filter({ hasText: 'Søgning' })).toBeVisible();
  await expectNoAxeViolations(page, `/documents/${id} (searchable text)`);
  // The demo's PDF was added before the server started.
  await page.goto('/documents/1');
  await expect(search).toHaveText('Filens tekst er søgbar.');
  // An image has no text to search, and its page says so.
  await page.goto('/documents/3');
  await expect(search).toHaveText('Indholdet af billeder og ZIP-arkiver gennemsøges ikke.');
});
