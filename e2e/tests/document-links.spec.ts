// Links from posts to documents: in a new thread the author types `[[` and part of a
// title, chooses the document from the suggestions with the keyboard (arrow down and
// Enter) and posts; the post shows the link; the document's page lists the thread under
// "Nævnt i tråde". A reply links one more with the mouse. axe-core finds nothing on the
// composer with the suggestions open, on the thread or on the document's page.
//
// Demo data: Mette Lund (Aarhus) owns "Referencegruppen". The test adds its own document
// with a unique title, so it depends on no demo document.
import type { Page } from '@playwright/test';
import { test, expect } from '../support/fixtures';
import { accounts, signIn, waitForHydration } from '../support/app';
import { expectNoAxeViolations } from '../support/axe';

const GROUP = 'referencegruppen';
const LIBRARY = `/groups/${GROUP}/library`;
const FORUM = `/groups/${GROUP}/forum`;

/** The interface texts (app/locales/da.json). */
const l = {
  newThread: 'Ny tråd',
  title: 'Titel',
  body: 'Indlæg (Markdown)',
  postThread: 'Opret tråd',
  replyButton: 'Send svar',
  previewHeading: 'Forhåndsvisning',
  suggestions: 'Dokumenter at linke til',
  found: (n: number) => `Dokumenter, der passer: ${n}. Vælg med pil ned og Enter.`,
  linkedFrom: 'Nævnt i tråde',
  uploadForm: 'Læg filer i biblioteket',
  uploadTitle: 'Titel (kun når du lægger én fil op; ellers bruges filnavnene)',
  uploadFiles: 'Filer',
  uploadButton: 'Læg i biblioteket',
};

/** A stamp no other run has used. */
function stamp(): string {
  return `${Date.now()}${Math.floor(Math.random() * 1e4)}`;
}

/** Adds a text file titled `title` to the group's library; returns its id. */
async function addDocument(page: Page, title: string): Promise<number> {
  await page.goto(LIBRARY);
  const form = page.getByRole('region', { name: l.uploadForm });
  await form.getByLabel(l.uploadTitle).fill(title);
  await form.getByLabel(l.uploadFiles, { exact: true }).setInputFiles({
    name: 'plan.txt',
    mimeType: 'text/plain',
    buffer: Buffer.from(`Plan for øvelsen ${title}\n`, 'utf8'),
  });
  await form.getByRole('button', { name: l.uploadButton }).click();
  await expect(page).toHaveURL(/\/documents\/\d+$/);
  await expect(page.getByRole('heading', { level: 1, name: title })).toBeVisible();
  return Number(new URL(page.url()).pathname.split('/').pop());
}

test('a document chosen by keyboard in the composer is linked from the post and lists the thread', async ({ page }) => {
  test.setTimeout(120_000);
  const mark = stamp();
  // Brackets in the title must not break the link's Markdown.
  const docTitle = `Beredskabsøvelse ${mark} [udkast]`;
  const otherTitle = `Tjekliste ${mark}`;
  const threadTitle = `Øvelsen i maj ${mark}`;

  await signIn(page, accounts.aarhus);
  const id = await addDocument(page, docTitle);
  const other = await addDocument(page, otherTitle);

  // --- The composer offers the document after `[[` and part of its title.
  await page.goto(`${FORUM}/new`);
  await expect(page.getByRole('heading', { level: 1, name: l.newThread })).toBeVisible();
  await waitForHydration(page);
  await page.getByLabel(l.title, { exact: true }).fill(threadTitle);
  const body = page.getByLabel(l.body, { exact: true });
  await body.click();
  await body.pressSequentially(`Se [[øvelse ${mark}`);
  const listbox = page.getByRole('listbox', { name: l.suggestions });
  const option = listbox.getByRole('option', { name: new RegExp(`^${docTitle.replace(/[[\]]/g, '\\$&')}`) });
  await expect(option).toBeVisible();
  await expect(listbox.getByRole('option')).toHaveCount(1);
  await expect(page.getByRole('status').filter({ hasText: l.found(1) })).toBeVisible();
  await expect(option).toHaveAttribute('aria-selected', 'false');

  // Arrow down marks it for the textarea, which keeps the focus.
  await body.press('ArrowDown');
  await expect(option).toHaveAttribute('aria-selected', 'true');
  const optionId = await option.getAttribute('id');
  await expect(body).toHaveAttribute('aria-activedescendant', optionId!);
  await expect(body).toBeFocused();
  await expectNoAxeViolations(page, `${FORUM}/new (document suggestions open)`);

  // Enter inserts the link in place of `[[` and the typed text; typing goes on after it.
  await body.press('Enter');
  await expect(listbox).toHaveCount(0);
  await expect(body).toHaveValue(`Se [Beredskabsøvelse ${mark} \\[udkast\\]](/documents/${id})`);
  await expect(body).toBeFocused();
  await body.pressSequentially(' før fredag.');
  await expect(body).toHaveValue(`Se [Beredskabsøvelse ${mark} \\[udkast\\]](/documents/${id}) før fredag.`);
  const preview = page.getByRole('region', { name: l.previewHeading });
  await expect(preview.getByRole('link', { name: docTitle })).toHaveAttribute('href', `/documents/${id}`);

  // --- Posted, the post links the document by its title.
  await page.getByRole('button', { name: l.postThread, exact: true }).click();
  await expect(page).toHaveURL(/\/threads\/\d+/);
  await expect(page.getByRole('heading', { level: 1, name: threadTitle })).toBeVisible();
  const thread = Number(new URL(page.url()).pathname.split('/').pop());
  const opening = page.locator('article.post').first();
  const link = opening.getByRole('link', { name: docTitle, exact: true });
  await expect(link).toHaveAttribute('href', `/documents/${id}`);
  await expect(opening).toContainText('før fredag.');
  await waitForHydration(page);

  // --- A reply links the other document, chosen with the mouse.
  const reply = page.getByRole('region', { name: 'Svar', exact: true });
  const replyBody = reply.getByLabel(l.body, { exact: true });
  await replyBody.click();
  await replyBody.pressSequentially(`Og [[tjekliste ${mark}`);
  await reply.getByRole('listbox', { name: l.suggestions }).getByRole('option', { name: new RegExp(`^${otherTitle}`) }).click();
  await expect(replyBody).toHaveValue(`Og [${otherTitle}](/documents/${other})`);
  await expect(replyBody).toBeFocused();
  await reply.getByRole('button', { name: l.replyButton, exact: true }).click();
  await expect(page.locator('article.post').getByRole('link', { name: otherTitle, exact: true })).toHaveAttribute(
    'href',
    `/documents/${other}`,
  );
  await expectNoAxeViolations(page, `/threads/${thread} (posts linking documents)`);

  // --- The link leads to the document, whose page lists the thread.
  await page.goto(`/threads/${thread}`);
  await page.locator('article.post').first().getByRole('link', { name: docTitle, exact: true }).click();
  await expect(page).toHaveURL(`/documents/${id}`);
  await expect(page.getByRole('heading', { level: 1, name: docTitle })).toBeVisible();
  const linkedFrom = page.getByRole('region', { name: l.linkedFrom });
  const threadLink = linkedFrom.getByRole('link', { name: threadTitle, exact: true });
  await expect(threadLink).toBeVisible();
  await expect(linkedFrom.getByRole('row', { name: new RegExp(threadTitle) })).toContainText('Referencegruppen');
  await expectNoAxeViolations(page, `/documents/${id} (linked from a thread)`);
  await threadLink.click();
  await expect(page).toHaveURL(new RegExp(`/threads/${thread}\\?post=\\d+#post-\\d+$`));
  await expect(page.getByRole('heading', { level: 1, name: threadTitle })).toBeVisible();
});
