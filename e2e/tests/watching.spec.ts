// Watching a library's folder: Jonas watches "Politikker" in his own browser (by
// keyboard), Mette uploads a file there in hers, and Jonas's bell rises without a reload;
// the notification centre lists the new file, its link opens the document (which reads
// the notification), and he stops watching from the centre's list of watched places.
// axe-core checks the folder page with the watch form and the centre with both lists.
//
// Demo data: Mette Lund (Aarhus) owns "Referencegruppen"; Jonas Berg (København) is a
// member. Its library's folder 1 is "Politikker". The spec files a worker runs share its
// server, so this test uploads under a title of its own and ends its watch.
import type { Locator, Page } from '@playwright/test';
import { test, expect } from '../support/fixtures';
import { accounts, signIn, waitForHydration } from '../support/app';
import { expectNoAxeViolations } from '../support/axe';

const FOLDER = '/groups/referencegruppen/library?folder=1';

/** The interface texts (app/locales/da.json). */
const w = {
  watch: 'Følg mappen',
  stop: 'Følg ikke længere',
  watchingHere: 'Du følger mappen og får besked om nye filer og versioner i den og dens undermapper.',
  started: 'Du følger nu dette sted.',
  stopped: 'Du følger ikke længere dette sted.',
  notificationsTitle: 'Notifikationer',
  watchedTitle: 'Steder du følger',
  place: 'Referencegruppen: Politikker',
  newFile: (actor: string) => `${actor} lagde en ny fil i Politikker:`,
  uploadRegion: 'Læg filer i biblioteket',
  uploadTitle: 'Titel (kun når du lægger én fil op; ellers bruges filnavnene)',
  uploadFiles: 'Filer',
  uploadButton: 'Læg i biblioteket',
};

/** A title no other test or run has used. */
function unique(prefix: string): string {
  return `${prefix} ${Date.now()}-${Math.floor(Math.random() * 1e6)}`;
}

/** The bell in the header (a link named "Notifikationer, N ulæste"). */
function bell(page: Page): Locator {
  return page.getByRole('link', { name: /^Notifikationer, / });
}

async function bellCount(page: Page): Promise<number> {
  const label = (await bell(page).getAttribute('aria-label')) ?? '';
  if (label === 'Notifikationer, ingen ulæste') return 0;
  const m = label.match(/^Notifikationer, (\d+) ulæste$/);
  if (!m) throw new Error(`Unexpected bell label: ${JSON.stringify(label)}`);
  return Number(m[1]);
}

function bellName(n: number): string {
  return n === 0 ? 'Notifikationer, ingen ulæste' : `Notifikationer, ${n} ulæste`;
}

/** A small valid PDF that carries `title`, so that its bytes are its own. */
function pdf(title: string): Buffer {
  return Buffer.from(
    '%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n' +
      '2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n' +
      `trailer\n<< /Root 1 0 R >>\n%%EOF\n% ${title}\n`,
    'latin1',
  );
}

test('a watcher sees the bell rise when another member adds a file to the folder', async ({ page, newContext }) => {
  test.setTimeout(120_000);
  const title = unique('Politik for adgangsstyring');

  // --- Jonas opens the folder and watches it, by keyboard.
  const jonas = await (await newContext()).newPage();
  await signIn(jonas, accounts.copenhagen);
  await jonas.goto(FOLDER);
  await expect(jonas.getByRole('heading', { level: 1, name: 'Politikker' })).toBeVisible();
  await waitForHydration(jonas);
  const watch = jonas.getByRole('button', { name: w.watch, exact: true });
  await expect(watch).toBeVisible();
  await expectNoAxeViolations(jonas, 'the folder page with the watch form');
  await watch.focus();
  await jonas.keyboard.press('Enter');
  const stop = jonas.getByRole('button', { name: w.stop, exact: true });
  await expect(stop).toBeVisible();
  await expect(jonas.getByRole('status').filter({ hasText: w.started })).toBeVisible();
  // The state is said in words, and the button is described by it.
  await expect(stop).toHaveAccessibleDescription(w.watchingHere);
  await expectNoAxeViolations(jonas, 'the folder page while watching');
  await waitForHydration(jonas);
  const before = await bellCount(jonas);

  // --- Mette adds a file to the folder in her own browser.
  await signIn(page, accounts.aarhus);
  await page.goto(FOLDER);
  const form = page.getByRole('region', { name: w.uploadRegion });
  await form.getByLabel(w.uploadTitle).fill(title);
  await form
    .getByLabel(w.uploadFiles, { exact: true })
    .setInputFiles({ name: 'adgangsstyring.pdf', mimeType: 'application/pdf', buffer: pdf(title) });
  await form.getByRole('button', { name: w.uploadButton }).click();
  await expect(page).toHaveURL(/\/documents\/\d+$/);
  const id = Number(new URL(page.url()).pathname.split('/').pop());

  // --- Jonas's bell rises without a reload.
  await expect(bell(jonas)).toHaveAccessibleName(bellName(before + 1), { timeout: 15_000 });
  await expect(jonas).toHaveURL(FOLDER);

  // --- The centre lists the new file, and the places he watches.
  await bell(jonas).click();
  await expect(jonas).toHaveURL('/notifications');
  await expect(jonas.getByRole('heading', { level: 1, name: w.notificationsTitle })).toBeVisible();
  const notification = jonas.locator('li.notification').filter({ hasText: title });
  await expect(notification).toHaveCount(1);
  await expect(notification).toContainText(w.newFile(accounts.aarhus.name));
  const watched = jonas.getByRole('region', { name: w.watchedTitle });
  await expect(watched.getByRole('link', { name: w.place, exact: true })).toBeVisible();
  await expectNoAxeViolations(jonas, 'the notification centre with a new file and a watched folder');

  // --- Its link opens the document, which reads the notification.
  await notification.getByRole('link', { name: title, exact: true }).click();
  await expect(jonas).toHaveURL(`/documents/${id}`);
  await expect(jonas.getByRole('heading', { level: 1, name: title })).toBeVisible();
  await expect(bell(jonas)).toHaveAccessibleName(bellName(before));

  // --- He stops watching from the centre.
  await jonas.goto('/notifications');
  await waitForHydration(jonas);
  await watched.getByRole('button', { name: `${w.stop}: ${w.place}`, exact: true }).click();
  await expect(jonas.getByRole('status').filter({ hasText: w.stopped })).toBeVisible();
  await expect(watched.getByRole('link', { name: w.place, exact: true })).toHaveCount(0);
  await jonas.goto(FOLDER);
  await expect(jonas.getByRole('button', { name: w.watch, exact: true })).toBeVisible();
});
