import { test, expect } from '../support/fixtures';
import { accounts, languageLinks, signIn, texts, type Lang } from '../support/app';
import type { Page } from '@playwright/test';

const { da, en } = texts;

function languageLink(page: Page, shownIn: Lang, link: Lang) {
  return page
    .getByRole('navigation', { name: texts[shownIn].languageNav, exact: true })
    .getByRole('link', { name: languageLinks[link], exact: true });
}

test.describe('Choosing the language', () => {
  test('the page is Danish by default', async ({ page }) => {
    await page.goto('/sign-in');
    await expect(page.locator('html')).toHaveAttribute('lang', 'da');
    await expect(page.getByRole('heading', { level: 1, name: da.signInTitle })).toBeVisible();
    await expect(languageLink(page, 'da', 'da')).toHaveAttribute('aria-current', 'true');
    await expect(languageLink(page, 'da', 'en')).not.toHaveAttribute('aria-current');
  });

  test('the English link reloads the same page in English', async ({ page }) => {
    await page.goto('/sign-in');
    const english = languageLink(page, 'da', 'en');
    await expect(english).toHaveAttribute('href', '/lang/en?next=/sign-in');
    await expect(english).toHaveAttribute('lang', 'en');
    await english.click();

    await expect(page).toHaveURL('/sign-in');
    await expect(page.locator('html')).toHaveAttribute('lang', 'en');
    await expect(page.getByRole('heading', { level: 1, name: en.signInTitle })).toBeVisible();
    await expect(page.getByLabel(en.email, { exact: true })).toBeVisible();
    await expect(page.getByRole('link', { name: en.skipLink, exact: true })).toHaveAttribute('href', '#main');
    await expect(languageLink(page, 'en', 'en')).toHaveAttribute('aria-current', 'true');
  });

  test('English stays chosen through signing in and moving between pages', async ({ page }) => {
    await page.goto('/sign-in');
    await languageLink(page, 'da', 'en').click();
    await expect(page.locator('html')).toHaveAttribute('lang', 'en');

    await signIn(page, accounts.aarhus, 'en');
    await expect(page.locator('html')).toHaveAttribute('lang', 'en');
    await expect(page.getByRole('heading', { level: 2, name: en.myGroups })).toBeVisible();

    // Through the app's own navigation (client-side once hydrated) …
    await page.getByRole('navigation', { name: en.mainNav }).getByRole('link', { name: en.navAccount, exact: true }).click();
    await expect(page).toHaveURL('/account');
    await expect(page.getByRole('heading', { level: 1, name: en.accountTitle })).toBeVisible();
    await expect(languageLink(page, 'en', 'en')).toHaveAttribute('href', '/lang/en?next=/account');

    // … and through a fresh page load.
    await page.goto('/');
    await expect(page.locator('html')).toHaveAttribute('lang', 'en');
    await expect(page.getByRole('heading', { level: 1, name: en.welcome(accounts.aarhus.name) })).toBeVisible();
  });

  test('the Dansk link switches back to Danish and stays on the page', async ({ page }) => {
    await signIn(page, accounts.aarhus);
    await page.goto('/account');
    await languageLink(page, 'da', 'en').click();
    await expect(page).toHaveURL('/account');
    await expect(page.locator('html')).toHaveAttribute('lang', 'en');
    await expect(page.getByRole('heading', { level: 1, name: en.accountTitle })).toBeVisible();

    const danish = languageLink(page, 'en', 'da');
    await expect(danish).toHaveAttribute('href', '/lang/da?next=/account');
    await danish.click();
    await expect(page).toHaveURL('/account');
    await expect(page.locator('html')).toHaveAttribute('lang', 'da');
    await expect(page.getByRole('heading', { level: 1, name: da.accountTitle })).toBeVisible();

    await page.goto('/');
    await expect(page.locator('html')).toHaveAttribute('lang', 'da');
    await expect(page.getByRole('heading', { level: 1, name: da.welcome(accounts.aarhus.name) })).toBeVisible();
  });

  test('switching the language keeps the search on the page', async ({ page }) => {
    await signIn(page, accounts.aarhus);
    const here = '/search?q=s%C3%A5rbarhed&sort=newest';
    await page.goto(here);
    await languageLink(page, 'da', 'en').click();

    await expect(page).toHaveURL(here);
    await expect(page.locator('html')).toHaveAttribute('lang', 'en');
    await expect(page.getByRole('heading', { level: 1, name: en.searchTitle })).toBeVisible();
    await expect(page.getByLabel('Search Værn', { exact: true })).toHaveValue('sårbarhed');
  });
});
