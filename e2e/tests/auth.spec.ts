import { test, expect, allowConsoleErrors, statusConsoleError } from '../support/fixtures';
import { accounts, signIn, texts, waitForHydration } from '../support/app';

const t = texts.da;

test.describe('Signing in and out', () => {
  test('signing in through the form shows the home page with the person and their groups', async ({ page }) => {
    const me = accounts.aarhus;
    await signIn(page, me);

    const header = page.getByRole('banner');
    await expect(header.getByText(me.name, { exact: true })).toBeVisible();
    await expect(header.getByText(me.org, { exact: true })).toBeVisible();
    const nav = page.getByRole('navigation', { name: t.mainNav });
    await expect(nav.getByRole('link', { name: t.navHome, exact: true })).toHaveAttribute('href', '/');
    await expect(nav.getByRole('link', { name: t.navAccount, exact: true })).toHaveAttribute('href', '/account');
    await expect(header.getByRole('button', { name: t.signOut, exact: true })).toBeVisible();

    const groups = page.getByRole('region', { name: t.myGroups });
    await expect(groups.getByRole('heading', { name: t.myGroups })).toBeVisible();
    for (const group of me.groups) {
      await expect(groups.getByText(group, { exact: true })).toBeVisible();
    }
  });

  test.describe(() => {
    // A refused sign-in is answered 401 on purpose, and Chromium logs every 4xx answer
    // to a fetch as a console error: allow exactly that line.
    test.use(allowConsoleErrors(statusConsoleError(401, '/rpc/sign_in')));

    for (const [what, email, password] of [
      ['a wrong password', accounts.aarhus.email, 'helt-forkert-adgangskode'],
      ['an unknown e-mail address', 'findes-ikke@aarhus.demo', accounts.aarhus.password],
    ] as const) {
      test(`${what} shows the generic error and stays on the sign-in page`, async ({ page }) => {
        await page.goto('/sign-in');
        await waitForHydration(page);
        await page.getByLabel(t.email, { exact: true }).fill(email);
        await page.getByLabel(t.password, { exact: true }).fill(password);
        const answer = page.waitForResponse((r) => new URL(r.url()).pathname === '/rpc/sign_in');
        await page.getByRole('button', { name: t.signInButton, exact: true }).click();
        expect((await answer).status(), 'status of the refused sign-in').toBe(401);

        await expect(page.getByRole('alert')).toHaveText(t.signInRefused);
        await expect(page).toHaveURL('/sign-in');
        await expect(page.getByRole('heading', { level: 1, name: t.signInTitle })).toBeVisible();
        // What was typed stays, so the person only corrects what was wrong.
        await expect(page.getByLabel(t.email, { exact: true })).toHaveValue(email);
      });
    }
  });

  test('the page hydrates: the show-password button reveals and hides the password', async ({ page }) => {
    await page.goto('/sign-in');
    const password = page.getByLabel(t.password, { exact: true });
    const toggle = page.getByRole('button', { name: t.showPassword, exact: true });
    await expect(password).toHaveAttribute('type', 'password');
    await expect(toggle).toHaveAttribute('aria-pressed', 'false');
    await password.fill('hemmelig-tekst');

    // Before the wasm has hydrated the page a click does nothing; keep clicking until
    // the click is handled, which proves hydration is live.
    await expect(async () => {
      await toggle.click();
      await expect(password).toHaveAttribute('type', 'text', { timeout: 1_000 });
    }).toPass({ timeout: 30_000 });
    await expect(toggle).toHaveAttribute('aria-pressed', 'true');
    await expect(password).toHaveValue('hemmelig-tekst');

    await toggle.click();
    await expect(password).toHaveAttribute('type', 'password');
    await expect(toggle).toHaveAttribute('aria-pressed', 'false');
    await expect(password).toHaveValue('hemmelig-tekst');
  });

  test('signing out returns to the sign-in page, after which the home page redirects there', async ({ page }) => {
    await signIn(page, accounts.aarhus);
    await page.getByRole('banner').getByRole('button', { name: t.signOut, exact: true }).click();

    await expect(page).toHaveURL('/sign-in');
    await expect(page.getByRole('heading', { level: 1, name: t.signInTitle })).toBeVisible();
    await expect(page.getByRole('button', { name: t.signOut })).toHaveCount(0);

    await page.goto('/');
    await expect(page).toHaveURL('/sign-in');
    await expect(page.getByRole('heading', { level: 1, name: t.signInTitle })).toBeVisible();
  });

  test('signed out, the home and account pages redirect to the sign-in page', async ({ page }) => {
    for (const path of ['/', '/account']) {
      await page.goto(path);
      await expect(page, `${path} should redirect`).toHaveURL('/sign-in');
      await expect(page.getByRole('heading', { level: 1, name: t.signInTitle })).toBeVisible();
    }
  });

  test('signed in, the sign-in page sends you on to the home page', async ({ page }) => {
    await signIn(page, accounts.aarhus);
    await page.goto('/sign-in');
    await expect(page).toHaveURL('/');
    await expect(page.getByRole('heading', { level: 1, name: t.welcome(accounts.aarhus.name) })).toBeVisible();
  });
});

test.describe('Keyboard use', () => {
  const pages = [
    { where: 'on the sign-in page', signedIn: false },
    { where: 'on the home page', signedIn: true },
  ];

  for (const { where, signedIn } of pages) {
    test(`the first Tab ${where} reaches the skip link, which is visible while focused`, async ({ page }) => {
      if (signedIn) await signIn(page, accounts.aarhus);
      // A fresh load, so that focus starts at the top of the document.
      await page.goto(signedIn ? '/' : '/sign-in');
      await waitForHydration(page);

      await page.keyboard.press('Tab');
      const skip = page.getByRole('link', { name: t.skipLink, exact: true });
      await expect(skip).toBeFocused();
      await expect(skip).toHaveAttribute('href', '#main');
      await expect(skip).toBeVisible();
      await expect(skip).toBeInViewport({ ratio: 1 });
      const box = await skip.boundingBox();
      expect(box, 'the focused skip link has a box').not.toBeNull();
      expect(box!.width, 'the focused skip link is not clipped to a pixel').toBeGreaterThan(20);
      expect(box!.height, 'the focused skip link is not clipped to a pixel').toBeGreaterThan(10);
    });

    test(`activating the skip link ${where} moves keyboard focus to the main content`, async ({ page }) => {
      if (signedIn) await signIn(page, accounts.aarhus);
      await page.goto(signedIn ? '/' : '/sign-in');
      await waitForHydration(page);

      await page.keyboard.press('Tab');
      await expect(page.getByRole('link', { name: t.skipLink, exact: true })).toBeFocused();
      await page.keyboard.press('Enter');
      await expect(page).toHaveURL(/#main$/);
      await expect(page.locator('main#main'), 'focus after activating the skip link').toBeFocused();

      if (!signedIn) {
        // The next Tab continues with the form in the content, not back in the header.
        await page.keyboard.press('Tab');
        await expect(page.getByLabel(t.email, { exact: true })).toBeFocused();
      }
    });
  }
});
