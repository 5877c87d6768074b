// What the tests know about Værn: the demo accounts, the interface texts the tests look
// for (in both languages), and the few steps many tests share.
import type { BrowserContext, Page } from '@playwright/test';
import { expect } from './fixtures';

export type Lang = 'da' | 'en';

export interface Account {
  email: string;
  password: string;
  name: string;
  org: string;
  groups: string[];
}

/** The accounts `vaern demo` creates (their passwords are published in the README). */
export const accounts = {
  admin: {
    email: 'admin@kl.demo',
    password: 'demo-kl-adgangskode',
    name: 'Astrid Holm',
    org: 'KL – Kommunernes Landsforening',
    groups: [],
  },
  /** Used by most tests; never has its password changed. */
  aarhus: {
    email: 'it-chef@aarhus.demo',
    password: 'demo-kommune-kodeord',
    name: 'Mette Lund',
    org: 'Aarhus Kommune',
    groups: ['Referencegruppen', 'Alle kommuner', 'NIS2-arbejdsgruppe'],
  },
  /** Used only by the test that really changes a password (and changes it back). */
  copenhagen: {
    email: 'it-chef@koebenhavn.demo',
    password: 'demo-kommune-kodeord',
    name: 'Jonas Berg',
    org: 'Københavns Kommune',
    groups: ['Referencegruppen', 'Alle kommuner'],
  },
} satisfies Record<string, Account>;

/** Interface texts, as the app's locale files have them. */
export const texts = {
  da: {
    signInTitle: 'Log ind',
    email: 'E-mailadresse',
    password: 'Adgangskode',
    showPassword: 'Vis adgangskode',
    signInButton: 'Log ind',
    signInRefused: 'E-mailadressen eller adgangskoden er forkert.',
    welcome: (name: string) => `Velkommen, ${name}`,
    myGroups: 'Mine grupper',
    skipLink: 'Gå til indhold',
    mainNav: 'Hovedmenu',
    navHome: 'Forside',
    navAccount: 'Min konto',
    signOut: 'Log ud',
    languageNav: 'Sprog',
    accountTitle: 'Min konto',
    currentPassword: 'Nuværende adgangskode',
    newPassword: 'Ny adgangskode',
    confirmPassword: 'Gentag ny adgangskode',
    changePasswordButton: 'Skift adgangskode',
    passwordChanged: 'Din adgangskode er skiftet. Dine andre sessioner er logget ud.',
    passwordMismatch: 'De to nye adgangskoder er ikke ens.',
    notFoundTitle: 'Siden findes ikke',
  },
  en: {
    signInTitle: 'Sign in',
    email: 'E-mail address',
    password: 'Password',
    showPassword: 'Show password',
    signInButton: 'Sign in',
    welcome: (name: string) => `Welcome, ${name}`,
    myGroups: 'My groups',
    skipLink: 'Skip to content',
    mainNav: 'Main menu',
    navHome: 'Home',
    navAccount: 'My account',
    signOut: 'Sign out',
    languageNav: 'Language',
    accountTitle: 'My account',
    notFoundTitle: 'Page not found',
  },
} as const;

/** The two language links, named in their own language in both interfaces. */
export const languageLinks = { da: 'Dansk', en: 'English' } as const;

/**
 * Waits until the app's wasm has been instantiated and `hydrate()` has run (see the
 * probe in fixtures.ts). Call it after a full page load, before using anything that
 * needs wasm.
 */
export async function waitForHydration(page: Page): Promise<void> {
  await page.waitForFunction(() => window.__e2eWasmReady === true, undefined, { timeout: 30_000 });
}

/** Chooses the interface language the way the language links do: the `lang` cookie. */
export async function useLanguage(context: BrowserContext, baseURL: string, lang: Lang): Promise<void> {
  await context.addCookies([{ name: 'lang', value: lang, url: baseURL }]);
}

/** Signs in through the sign-in form and waits for the home page. */
export async function signIn(page: Page, account: Account, lang: Lang = 'da'): Promise<void> {
  const t = texts[lang];
  await page.goto('/sign-in');
  await expect(page.getByRole('heading', { level: 1, name: t.signInTitle })).toBeVisible();
  await waitForHydration(page);
  await page.getByLabel(t.email, { exact: true }).fill(account.email);
  await page.getByLabel(t.password, { exact: true }).fill(account.password);
  await page.getByRole('button', { name: t.signInButton, exact: true }).click();
  await expect(page).toHaveURL('/');
  await expect(page.getByRole('heading', { level: 1, name: t.welcome(account.name) })).toBeVisible();
}
