// Group libraries: adding a file with the plain upload form, its page with the TLP
// banner, downloading it byte for byte, a refused type explained on the page, and an
// AMBER+STRICT document answered as missing to another organisation.
//
// Demo data: Mette Lund (Aarhus) owns "Referencegruppen", whose library holds
// "NIS2-tjekliste.pdf" (document 1), a meeting note (2) and "Risikovurdering
// Aarhus.pdf" (3), TLP:AMBER+STRICT for Aarhus Kommune only; Jonas Berg (København) is a
// member of the group.
import { readFileSync } from 'node:fs';
import { test, expect, allowConsoleErrors } from '../support/fixtures';
import { accounts, signIn, texts } from '../support/app';

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
  await page.getByLabel('Fil', { exact: true }).setInputFiles({ name: 'plan-v2.pdf', mimeType: 'application/pdf', buffer: second });
  await page.getByLabel('Hvad er ændret (vises i versionslisten)').fill('Efter øvelsen');
  await page.getByRole('button', { name: 'Læg ny version op' }).click();
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
    await page.goto('/documents/3');
    await expect(page.getByRole('heading', { level: 1, name: texts.da.notFoundTitle })).toBeVisible();
    const hidden = await page.request.get('/documents/3/download');
    const missing = await page.request.get('/documents/999999/download');
    expect(hidden.status()).toBe(404);
    expect(missing.status()).toBe(404);
    expect(await hidden.text()).toBe(await missing.text());
  });
});
