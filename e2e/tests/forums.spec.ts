// Group forums: writing and reading threads with and without wasm, mentions and the
// live notification bell, TLP:AMBER+STRICT isolation, quoting, editing with history,
// raw HTML shown as text, accessibility of every forum page, and replying by keyboard.
//
// Demo data: Mette Lund (it-chef@aarhus.demo) owns "Referencegruppen"; Jonas Berg
// (it-chef@koebenhavn.demo) is a member. The demo thread "Hændelse hos en leverandør
// (kun Aarhus)" is TLP:AMBER+STRICT for Aarhus Kommune only. The spec files a worker
// runs share its server and database, so every test writes its own threads with unique
// titles.
import type { Locator, Page } from '@playwright/test';
import { test, expect, allowConsoleErrors } from '../support/fixtures';
import { accounts, signIn, texts, waitForHydration, type Account } from '../support/app';
import { expectNoAxeViolations } from '../support/axe';

const t = texts.da;
const GROUP = 'referencegruppen';
const GROUP_NAME = 'Referencegruppen';
const FORUM = `/groups/${GROUP}/forum`;
const AMBER_STRICT_TITLE = 'Hændelse hos en leverandør (kun Aarhus)';

/** The forum's interface texts (app/locales/da.json). */
const f = {
  forumHeading: `Forum: ${GROUP_NAME}`,
  newThread: 'Ny tråd',
  title: 'Titel',
  body: 'Indlæg (Markdown)',
  tlp: 'TLP-markering',
  recipients: 'Modtagere af TLP:AMBER+STRICT og TLP:RED',
  chatham: 'Chatham House-regel',
  previewButton: 'Forhåndsvis',
  previewHeading: 'Forhåndsvisning',
  postThread: 'Opret tråd',
  mentionSuggestions: 'Forslag til medlemmer at nævne',
  replyButton: 'Send svar',
  quote: 'Citér',
  quotes: (id: number) => `Citerer indlæg #${id}`,
  edit: 'Redigér',
  editTitle: 'Redigér indlæg',
  save: 'Gem ændringer',
  historyTitle: 'Indlæggets historik',
  pinned: 'Fastgjort',
  unread: 'Ny',
  newSince: 'Nyt siden dit sidste besøg',
  watch: 'Følg tråden',
  unwatch: 'Stop med at følge',
  watching: 'Du får besked om nye svar.',
  moderation: 'Moderation',
  pin: 'Fastgør',
  lock: 'Lås',
  move: 'Flyt tråden',
  removePost: 'Fjern indlæg',
  bodyRequired: 'Skriv et indlæg.',
  notificationsTitle: 'Notifikationer',
  mentioned: (actor: string) => `${actor} nævnte dig i`,
  replied: (actor: string) => `${actor} svarede i`,
};

/** A title no other test or run has used. */
function unique(prefix: string): string {
  return `${prefix} ${Date.now()}-${Math.floor(Math.random() * 1e6)}`;
}

/** The bell in the header (a link named "Notifikationer, N ulæste"). */
function bell(page: Page): Locator {
  return page.getByRole('link', { name: /^Notifikationer, / });
}

/** The unread count the bell announces, from its accessible name. */
async function bellCount(page: Page): Promise<number> {
  const label = (await bell(page).getAttribute('aria-label')) ?? '';
  if (label === 'Notifikationer, ingen ulæste') return 0;
  const m = label.match(/^Notifikationer, (\d+) ulæste$/);
  if (!m) throw new Error(`Unexpected bell label: ${JSON.stringify(label)}`);
  return Number(m[1]);
}

/** The bell's accessible name for `n` unread. */
function bellName(n: number): string {
  return n === 0 ? 'Notifikationer, ingen ulæste' : `Notifikationer, ${n} ulæste`;
}

/** Thread and post id from a thread URL such as `/threads/7?post=12#post-12`. */
function idsFromUrl(url: string): { thread: number; post: number | null } {
  const u = new URL(url);
  const thread = u.pathname.match(/^\/threads\/(\d+)$/);
  if (!thread) throw new Error(`Not a thread URL: ${url}`);
  const post = u.searchParams.get('post');
  return { thread: Number(thread[1]), post: post === null ? null : Number(post) };
}

/** The posts of a thread page, as articles. */
function posts(page: Page): Locator {
  return page.locator('article.post');
}

/** The reply form's section (`<section id="reply">`, named by its h2 "Svar"). */
function replySection(page: Page): Locator {
  return page.getByRole('region', { name: 'Svar', exact: true });
}

/**
 * Starts a thread in Referencegruppen through the form (with wasm) and waits for its
 * page. Returns the thread's id and its opening post's id.
 */
async function startThread(page: Page, title: string, body: string): Promise<{ thread: number; post: number }> {
  await page.goto(`${FORUM}/new`);
  await expect(page.getByRole('heading', { level: 1, name: f.newThread })).toBeVisible();
  await waitForHydration(page);
  await page.getByLabel(f.title, { exact: true }).fill(title);
  await page.getByLabel(f.body, { exact: true }).fill(body);
  await page.getByRole('button', { name: f.postThread, exact: true }).click();
  await expect(page).toHaveURL(/\/threads\/\d+/);
  await expect(page.getByRole('heading', { level: 1, name: title })).toBeVisible();
  const ids = idsFromUrl(page.url());
  const opening = await posts(page).first().getAttribute('id');
  const post = ids.post ?? Number(opening?.replace('post-', ''));
  return { thread: ids.thread, post };
}

/** Writes a reply on the open thread page (with wasm) and waits until it is shown. */
async function reply(page: Page, text: string): Promise<number> {
  const form = replySection(page);
  await form.getByLabel(f.body, { exact: true }).fill(text);
  await form.getByRole('button', { name: f.replyButton, exact: true }).click();
  const article = posts(page).filter({ hasText: text });
  await expect(article).toHaveCount(1);
  const id = await article.getAttribute('id');
  return Number(id!.replace('post-', ''));
}

/** Signs in through the plain form, for a browser without JavaScript. */
async function signInWithoutJs(page: Page, account: Account): Promise<void> {
  await page.goto('/sign-in');
  await expect(page.getByRole('heading', { level: 1, name: t.signInTitle })).toBeVisible();
  await page.getByLabel(t.email, { exact: true }).fill(account.email);
  await page.getByLabel(t.password, { exact: true }).fill(account.password);
  await page.getByRole('button', { name: t.signInButton, exact: true }).click();
  await expect(page).toHaveURL('/');
  await expect(page.getByRole('heading', { level: 1, name: t.welcome(account.name) })).toBeVisible();
}

test('a mention and a reply reach the other person live through the bell', async ({ page, newContext }) => {
  test.setTimeout(120_000);
  const title = unique('Mødeplan for beredskabsøvelsen');

  // --- Jonas waits on the home page in his own browser.
  const jonas = await (await newContext()).newPage();
  await signIn(jonas, accounts.copenhagen);
  await waitForHydration(jonas);
  const jonasBefore = await bellCount(jonas);

  // --- Mette writes a thread that mentions him, with the live preview and suggestions.
  await signIn(page, accounts.aarhus);
  await page.goto(`${FORUM}/new`);
  await expect(page.getByRole('heading', { level: 1, name: f.newThread })).toBeVisible();
  await waitForHydration(page);
  await page.getByLabel(f.title, { exact: true }).fill(title);
  const body = page.getByLabel(f.body, { exact: true });
  await body.click();
  await body.pressSequentially('Hej @Jon');
  const suggestions = page.getByRole('list', { name: f.mentionSuggestions });
  await suggestions.getByRole('button', { name: '@Jonas Berg', exact: true }).click();
  await expect(suggestions).toHaveCount(0);
  await expect(body).toHaveValue('Hej @Jonas Berg ');
  await expect(body).toBeFocused();
  await body.press('End');
  await body.pressSequentially('kan du se på **planen** inden fredag?');
  await expect(body).toHaveValue('Hej @Jonas Berg kan du se på **planen** inden fredag?');
  const preview = page.getByRole('region', { name: f.previewHeading });
  await expect(preview.locator('strong')).toHaveText('planen');
  await expect(preview).not.toContainText('**');

  await page.getByRole('button', { name: f.postThread, exact: true }).click();
  await expect(page).toHaveURL(/\/threads\/\d+/);
  await expect(page.getByRole('heading', { level: 1, name: title })).toBeVisible();
  const opening = posts(page).first();
  await expect(opening.locator('strong')).toHaveText('planen');
  await expect(opening).toContainText(accounts.aarhus.name);
  // Writing a thread means following it.
  await expect(page.getByRole('button', { name: f.unwatch, exact: true })).toBeVisible();
  await waitForHydration(page);
  const metteBefore = await bellCount(page);

  // --- Jonas's bell rises without a reload.
  await expect(bell(jonas)).toHaveAccessibleName(bellName(jonasBefore + 1), { timeout: 15_000 });
  await expect(jonas).toHaveURL('/');

  // --- He follows the bell to the notification and on to the thread.
  await bell(jonas).click();
  await expect(jonas).toHaveURL('/notifications');
  await expect(jonas.getByRole('heading', { level: 1, name: f.notificationsTitle })).toBeVisible();
  const notification = jonas.locator('li.notification').filter({ hasText: title });
  await expect(notification).toHaveCount(1);
  await expect(notification).toContainText(f.mentioned(accounts.aarhus.name));
  await notification.getByRole('link', { name: title }).click();
  await expect(jonas).toHaveURL(/\/threads\/\d+/);
  await expect(jonas.getByRole('heading', { level: 1, name: title })).toBeVisible();
  await expect(posts(jonas).first()).toContainText('kan du se på planen inden fredag?');
  await waitForHydration(jonas);

  const answer = unique('Ja, jeg kigger på den i morgen.');
  await reply(jonas, answer);

  // --- Mette follows her own thread: her bell rises too, without a reload.
  await expect(bell(page)).toHaveAccessibleName(bellName(metteBefore + 1), { timeout: 15_000 });
  await page.reload();
  await expect(posts(page).filter({ hasText: answer })).toContainText(accounts.copenhagen.name);
});

test.describe(() => {
  // Jonas asks for the AMBER+STRICT thread by its address and gets the 404 page.
  test.use(
    allowConsoleErrors(
      /^Failed to load resource: the server responded with a status of 404 \([^)]*\) @ https?:\/\/[^/]+\/threads\/\d+$/,
    ),
  );

  test('an AMBER+STRICT thread for one organisation is hidden from the other members', async ({ page, newContext }) => {
    await signIn(page, accounts.aarhus);
    await page.goto(FORUM);
    await expect(page.getByRole('heading', { level: 1, name: f.forumHeading })).toBeVisible();
    const metteLink = page.getByRole('link', { name: AMBER_STRICT_TITLE, exact: true });
    await expect(metteLink).toBeVisible();
    const row = page.getByRole('row').filter({ has: metteLink });
    await expect(row).toContainText('TLP:AMBER+STRICT');
    const href = await metteLink.getAttribute('href');
    expect(href).toMatch(/^\/threads\/\d+$/);
    // The pinned welcome thread is marked so.
    await expect(
      page.getByRole('row').filter({ has: page.getByRole('link', { name: 'Velkommen til Referencegruppen' }) }),
    ).toContainText(f.pinned);

    const jonas = await (await newContext()).newPage();
    await signIn(jonas, accounts.copenhagen);
    await jonas.goto(FORUM);
    await expect(jonas.getByRole('heading', { level: 1, name: f.forumHeading })).toBeVisible();
    await expect(jonas.getByRole('link', { name: 'Velkommen til Referencegruppen' })).toBeVisible();
    await expect(jonas.getByText('Hændelse hos en leverandør')).toHaveCount(0);
    await expect(jonas.locator('main')).not.toContainText('Hændelse hos en leverandør');

    // Asked for directly, the thread does not exist for him.
    const response = await jonas.goto(href!);
    expect(response?.status()).toBe(404);
    await expect(jonas.getByRole('heading', { level: 1, name: t.notFoundTitle })).toBeVisible();
    await expect(jonas.locator('body')).not.toContainText('Intern note om en hændelse');
  });
});

test('unread markers, the "new since your last visit" divider and following a thread', async ({ page, newContext }) => {
  test.setTimeout(120_000);
  const title = unique('Opdatering af beredskabsplanen');
  await signIn(page, accounts.aarhus);
  const { thread } = await startThread(page, title, 'Første udkast er klar.');

  const jonas = await (await newContext()).newPage();
  await signIn(jonas, accounts.copenhagen);
  await jonas.goto(FORUM);
  const row = jonas.getByRole('row').filter({ has: jonas.getByRole('link', { name: title, exact: true }) });
  await expect(row).toContainText(f.unread);
  await row.getByRole('link', { name: title, exact: true }).click();
  await expect(jonas.getByRole('heading', { level: 1, name: title })).toBeVisible();
  await waitForHydration(jonas);

  // He has not written here, so he follows only when he asks to.
  await jonas.getByRole('button', { name: f.watch, exact: true }).click();
  await expect(jonas.getByRole('button', { name: f.unwatch, exact: true })).toBeVisible();
  await expect(jonas.getByText(f.watching)).toBeVisible();

  await jonas.goto(FORUM);
  await expect(row).toBeVisible();
  await expect(row.locator('.badge.new')).toHaveCount(0);

  // Mette replies; Jonas finds it marked as new.
  const news = unique('Andet udkast ligger i mappen.');
  await page.reload();
  await waitForHydration(page);
  const newId = await reply(page, news);

  await jonas.reload();
  await expect(row.locator('.badge.new')).toHaveText(f.unread);
  await jonas.goto(`/threads/${thread}`);
  const divider = jonas.getByText(f.newSince, { exact: true });
  await expect(divider).toBeVisible();
  // The divider stands right before the first new post.
  await expect(jonas.locator(`.unread-divider + article#post-${newId}`)).toHaveCount(1);
});

test.describe('without JavaScript', () => {
  test.use({ javaScriptEnabled: false });

  test('a thread is started, previewed and answered with plain forms', async ({ page }) => {
    test.setTimeout(120_000);
    await signInWithoutJs(page, accounts.aarhus);

    // Start a thread with the plain form.
    const title = unique('Uden JavaScript');
    await page.goto(`${FORUM}/new`);
    await expect(page.getByRole('heading', { level: 1, name: f.newThread })).toBeVisible();
    await page.getByLabel(f.title, { exact: true }).fill(title);
    await page.getByLabel(f.body, { exact: true }).fill('Skrevet i en browser **uden** JavaScript.');
    await page.getByRole('button', { name: f.postThread, exact: true }).click();
    await expect(page).toHaveURL(/\/threads\/\d+/);
    await expect(page.getByRole('heading', { level: 1, name: title })).toBeVisible();
    await expect(posts(page).first().locator('strong')).toHaveText('uden');
    const threadUrl = new URL(page.url());

    // Preview: the round trip shows the rendered text and keeps what was typed.
    const typed = `Et svar med *kursiv* og en liste:\n\n- punkt ${Date.now()}`;
    const form = replySection(page);
    await form.getByLabel(f.body, { exact: true }).fill(typed);
    await form.getByRole('button', { name: f.previewButton, exact: true }).click();
    await expect(page).toHaveURL(new RegExp(`/threads/${idsFromUrl(threadUrl.href).thread}`));
    const preview = replySection(page).getByRole('region', { name: f.previewHeading });
    await expect(preview.locator('em')).toHaveText('kursiv');
    await expect(preview.locator('li')).toContainText('punkt');
    await expect(replySection(page).getByLabel(f.body, { exact: true })).toHaveValue(typed);

    // Send it: the reply is on the page.
    await replySection(page).getByRole('button', { name: f.replyButton, exact: true }).click();
    await expect(page).toHaveURL(/\/threads\/\d+\?post=\d+/);
    const answered = posts(page).filter({ has: page.locator('em', { hasText: 'kursiv' }) });
    await expect(answered).toHaveCount(1);
    await expect(answered).toContainText(accounts.aarhus.name);
    await expect(replySection(page).getByLabel(f.body, { exact: true })).toHaveValue('');

    // An empty reply is refused with a message, and nothing is broken.
    await replySection(page).getByLabel(f.body, { exact: true }).fill('');
    await replySection(page).getByRole('button', { name: f.replyButton, exact: true }).click();
    await expect(replySection(page).getByRole('alert')).toHaveText(f.bodyRequired);
    await expect(page.getByRole('heading', { level: 1, name: title })).toBeVisible();
    await expect(posts(page)).toHaveCount(2);
    await expect(replySection(page).getByLabel(f.body, { exact: true })).toBeVisible();

    // The form still works after the error.
    const again = `Nu med tekst ${Date.now()}`;
    await replySection(page).getByLabel(f.body, { exact: true }).fill(again);
    await replySection(page).getByRole('button', { name: f.replyButton, exact: true }).click();
    await expect(posts(page).filter({ hasText: again })).toHaveCount(1);
    await expect(page.getByRole('alert')).toHaveCount(0);
  });
});

test('quoting a post starts the reply with the quote and links back to it', async ({ page }) => {
  await signIn(page, accounts.aarhus);
  const { thread, post } = await startThread(page, unique('Citater'), 'Vi opdaterer politikken i næste uge.');
  await waitForHydration(page);

  await posts(page).first().getByRole('link', { name: f.quote, exact: true }).click();
  await expect(page).toHaveURL(`/threads/${thread}?quote=${post}#reply`);
  await waitForHydration(page);
  const body = replySection(page).getByLabel(f.body, { exact: true });
  await expect(body).toHaveValue(/^> /);
  await expect(body).toHaveValue(/Vi opdaterer politikken i næste uge\./);

  await body.press('ControlOrMeta+End');
  const own = `Godt, jeg læser med. ${Date.now()}`;
  await body.pressSequentially(`\n\n${own}`);
  await replySection(page).getByRole('button', { name: f.replyButton, exact: true }).click();
  const answered = posts(page).filter({ hasText: own });
  await expect(answered).toHaveCount(1);
  const link = answered.getByRole('link', { name: f.quotes(post), exact: true });
  await expect(link).toBeVisible();
  await expect(link).toHaveAttribute('href', `/threads/${thread}?post=${post}#post-${post}`);
  await expect(answered.locator('blockquote')).toContainText('Vi opdaterer politikken i næste uge.');
});

test('editing one’s own post marks it as edited and keeps both versions in its history', async ({ page }) => {
  await signIn(page, accounts.aarhus);
  const { post } = await startThread(page, unique('Redigering'), 'Mødet er tirsdag.');
  await waitForHydration(page);

  await page.locator(`#post-${post}`).getByRole('link', { name: f.edit, exact: true }).click();
  await expect(page).toHaveURL(`/posts/${post}/edit`);
  await expect(page.getByRole('heading', { level: 1, name: f.editTitle })).toBeVisible();
  await waitForHydration(page);
  const body = page.getByLabel(f.body, { exact: true });
  await expect(body).toHaveValue('Mødet er tirsdag.');
  await body.fill('Mødet er **onsdag**.');
  await page.getByRole('button', { name: f.save, exact: true }).click();

  await expect(page).toHaveURL(/\/threads\/\d+/);
  const article = page.locator(`#post-${post}`);
  await expect(article.locator('strong')).toHaveText('onsdag');
  const marker = article.getByRole('link', { name: /^redigeret .+ \(se historik\)$/ });
  await expect(marker).toBeVisible();
  await expect(marker).toHaveAttribute('href', `/posts/${post}/history`);

  await marker.click();
  await expect(page).toHaveURL(`/posts/${post}/history`);
  await expect(page.getByRole('heading', { level: 1, name: f.historyTitle })).toBeVisible();
  const versions = page.locator('ol.revisions > li');
  await expect(versions).toHaveCount(2);
  await expect(versions.filter({ hasText: 'Nuværende version' })).toContainText('onsdag');
  await expect(versions.filter({ hasText: 'Version fra' })).toContainText('Mødet er tirsdag.');
});

test('HTML in a title and a post is shown as text, never run', async ({ page }) => {
  const dialogs: string[] = [];
  page.on('dialog', async (dialog) => {
    dialogs.push(`${dialog.type()}: ${dialog.message()}`);
    await dialog.dismiss();
  });
  const title = `<img src=x onerror=alert(1)> ${Date.now()}`;
  const body = '<script>alert(1)</script>\n\nog <img src=x onerror=alert(2)> inline';

  await signIn(page, accounts.aarhus);
  await startThread(page, title, body);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(title);
  const opening = posts(page).first();
  await expect(opening).toContainText('<script>alert(1)</script>');
  await expect(opening).toContainText('<img src=x onerror=alert(2)>');
  await expect(page.locator('main script, main img')).toHaveCount(0);
  await expect(page).toHaveTitle(new RegExp(title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));

  await page.goto(FORUM);
  await expect(page.getByRole('link', { name: title, exact: true })).toBeVisible();
  await expect(page.locator('main img')).toHaveCount(0);

  expect(dialogs, 'dialogs opened by the page').toEqual([]);
});

test('the forum pages have no WCAG 2.1 A/AA violations', async ({ page }) => {
  test.setTimeout(120_000);
  await signIn(page, accounts.aarhus);

  await page.goto(FORUM);
  await expect(page.getByRole('heading', { level: 1, name: f.forumHeading })).toBeVisible();
  await waitForHydration(page);
  await expectNoAxeViolations(page, `${FORUM} (owner)`);

  // The form with suggestions shown and a preview rendered.
  await page.goto(`${FORUM}/new`);
  await expect(page.getByRole('heading', { level: 1, name: f.newThread })).toBeVisible();
  await waitForHydration(page);
  const title = unique('Tilgængelighed');
  await page.getByLabel(f.title, { exact: true }).fill(title);
  const body = page.getByLabel(f.body, { exact: true });
  await body.click();
  await body.pressSequentially('Se **dette** @J');
  await expect(page.getByRole('list', { name: f.mentionSuggestions })).toBeVisible();
  await expect(page.getByRole('region', { name: f.previewHeading }).locator('strong')).toHaveText('dette');
  await page.getByText(f.recipients).click();
  await expect(page.getByRole('group', { name: 'Organisationer (TLP:AMBER+STRICT)' })).toBeVisible();
  await expectNoAxeViolations(page, `${FORUM}/new (suggestions, preview and recipients open)`);

  await body.fill('Se **dette**.');
  await page.getByRole('button', { name: f.postThread, exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name: title })).toBeVisible();
  const { thread } = idsFromUrl(page.url());
  const post = Number((await posts(page).first().getAttribute('id'))!.replace('post-', ''));
  await waitForHydration(page);
  await reply(page, 'Et svar, så siden har to indlæg.');

  await page.goto(`/threads/${thread}`);
  await expect(page.getByRole('heading', { level: 1, name: title })).toBeVisible();
  await waitForHydration(page);
  const moderation = page.getByRole('region', { name: f.moderation });
  await expect(moderation.getByRole('button', { name: f.pin, exact: true })).toBeVisible();
  await expect(moderation.getByRole('button', { name: f.lock, exact: true })).toBeVisible();
  // ("Flyt tråden" appears only when the moderator moderates another group too: Mette
  // moderates no other demo group, so the move form is not on this page.)
  await expect(page.getByText(f.removePost).first()).toBeVisible();
  await expect(replySection(page).getByRole('button', { name: f.replyButton, exact: true })).toBeVisible();
  await expectNoAxeViolations(page, `/threads/${thread} (owner: moderation panel and reply form)`);

  await page.goto(`/posts/${post}/edit`);
  await expect(page.getByRole('heading', { level: 1, name: f.editTitle })).toBeVisible();
  await waitForHydration(page);
  await expectNoAxeViolations(page, `/posts/${post}/edit`);
  await page.getByLabel(f.body, { exact: true }).fill('Se **dette** (rettet).');
  await page.getByRole('button', { name: f.save, exact: true }).click();
  await expect(page.locator(`#post-${post}`)).toContainText('(rettet)');

  await page.goto(`/posts/${post}/history`);
  await expect(page.getByRole('heading', { level: 1, name: f.historyTitle })).toBeVisible();
  await expect(page.locator('ol.revisions > li')).toHaveCount(2);
  await waitForHydration(page);
  await expectNoAxeViolations(page, `/posts/${post}/history (two versions)`);

  await page.goto('/notifications');
  await expect(page.getByRole('heading', { level: 1, name: f.notificationsTitle })).toBeVisible();
  await waitForHydration(page);
  await expectNoAxeViolations(page, '/notifications');
});

test('the reply form can be reached and sent with the keyboard alone', async ({ page }) => {
  await signIn(page, accounts.aarhus);
  const { thread } = await startThread(page, unique('Tastatur'), 'Kan man svare uden mus?');
  await page.goto(`/threads/${thread}`);
  await expect(page.locator('h1')).toBeVisible();
  await waitForHydration(page);

  const activeId = () => page.evaluate(() => document.activeElement?.id ?? '');
  const activeText = () => page.evaluate(() => (document.activeElement as HTMLElement | null)?.innerText?.trim() ?? '');

  // From the top of the page, Tab until the reply's text area has the focus.
  let reached = false;
  for (let i = 0; i < 80 && !reached; i++) {
    await page.keyboard.press('Tab');
    reached = (await activeId()) === 'reply-body';
  }
  expect(reached, 'Tab reaches the reply text area').toBe(true);
  const text = `Skrevet med tastaturet ${Date.now()}`;
  await page.keyboard.type(text);

  // On to "Send svar".
  let onButton = false;
  for (let i = 0; i < 30 && !onButton; i++) {
    await page.keyboard.press('Tab');
    onButton = (await activeText()) === f.replyButton;
  }
  expect(onButton, 'Tab reaches the "Send svar" button').toBe(true);
  await page.keyboard.press('Enter');
  await expect(posts(page).filter({ hasText: text })).toHaveCount(1);
});
