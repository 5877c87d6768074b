// What the tests know about Værn: the demo accounts, the interface texts the tests look
// for (in both languages), and the few steps many tests share.
import type { BrowserContext, Page } from '@playwright/test';
import { expect } from './fixtures';
import { freshCode } from './totp';

export type Lang = 'da' | 'en';

export interface Account {
  email: string;
  password: string;
  name: string;
  org: string;
  groups: string[];
  /** Base32 TOTP secret, for accounts that sign in with a code as well. */
  totpSecret?: string;
}

/** The accounts `vaern demo` creates (their passwords are published in the README). */
export const accounts = {
  admin: {
    email: 'admin@kl.demo',
    password: 'demo-kl-adgangskode',
    name: 'Astrid Holm',
    org: 'KL – Kommunernes Landsforening',
    groups: [],
    totpSecret: 'VAERNDEMOADMINKLTOTPSECRET234567',
  },
  analyst: {
    email: 'analytiker@soc.demo',
    password: 'demo-soc-adgangskode',
    name: 'Lars Krogh',
    org: 'Nationalt analysecenter (DCIS Sund)',
    groups: [],
    totpSecret: 'VAERNDEMOANALYSTSOCTOTPSECRET234',
  },
  /** Used only by the password-reset test (which never uses the link it gets). */
  coordinator: {
    email: 'koordinator@kl.demo',
    password: 'demo-programmet-kode',
    name: 'Sofie Dahl',
    org: 'KL – Kommunernes Landsforening',
    groups: [],
    totpSecret: 'VAERNDEMOCOORDINATORKLTOTPSECRET',
  },
  /** Used by most tests; never has its password changed. Organisation admin of Aarhus. */
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
    passwordChanged: 'Din adgangskode er skiftet.',
    passwordMismatch: 'De to nye adgangskoder er ikke ens.',
    notFoundTitle: 'Siden findes ikke',
    // Account security (second factor, links, sessions, people).
    forgotPasswordLink: 'Glemt din adgangskode?',
    codeTitle: 'Log ind: kode',
    code: 'Kode',
    continueButton: 'Fortsæt',
    codeWrong: 'Koden er forkert eller allerede brugt.',
    signInExpired: 'Log ind-forsøget er udløbet. Log venligst ind igen.',
    startAgain: 'Log ind igen',
    enrolTitle: 'Opsæt en ekstra faktor',
    enrolQrLabel: 'QR-kode til din godkendelsesapp',
    enrolButton: 'Slå til',
    recoveryCodesTitle: 'Dine gendannelseskoder',
    recoveryCodesGone:
      'Gendannelseskoder vises kun én gang, lige efter de er lavet. Du kan lave nye på din kontoside.',
    recoveryCodesDone: 'Jeg har gemt dem. Fortsæt',
    linkTitleInvitation: 'Velkommen til Værn',
    linkTitleInvalid: 'Linket kan ikke bruges',
    linkTitleReset: 'Vælg en ny adgangskode',
    linkIntroInvitation: (name: string, email: string) => `${name}, vælg en adgangskode til din konto ${email}.`,
    linkUsed: 'Linket er allerede brugt. Bed om et nyt, hvis du har brug for det.',
    linkUnknown: 'Linket er ikke gyldigt. Tjek, at du har kopieret hele linket, eller bed om et nyt.',
    savePasswordButton: 'Gem adgangskode',
    forgotTitle: 'Glemt adgangskode',
    forgotButton: 'Send link',
    forgotSent: 'Hvis adressen hører til en konto, er et link på vej. Det virker én gang i 72 timer.',
    secondFactorTitle: 'Ekstra faktor',
    secondFactorOn: (count: number) =>
      `Slået til med en godkendelsesapp. Ubrugte gendannelseskoder: ${count}.`,
    sessionsTitle: 'Hvor du er logget ind',
    sessionThis: 'Denne session',
    endSession: 'Log ud',
    endSessionLabel: (device: string) => `Log ud – ${device}`,
    endOtherSessions: 'Log ud alle andre steder',
    endOtherSessionsCheckbox: 'Log mig også ud alle andre steder',
    navPeople: 'Personer',
    peopleTitle: 'Personer',
    auditTitle: 'Revisionslog',
    searchTitle: 'Søg',
    tokensTitle: 'API-nøgler',
    navTokens: 'API-nøgler',
    tokenOrg: 'Organisation',
    tokenName: 'Navn (valgfrit)',
    scopeTaxiiRead: 'taxii:read – læse organisationens TAXII-feed',
    scopeStixWrite: 'stix:write – levere STIX (kun et analysecenter)',
    tokenExpires: 'Sidste gyldige dag (valgfri)',
    tokenCreateButton: 'Opret nøgle',
    tokenCreated: (id: number, org: string) =>
      `Nøgle #${id} til ${org} er oprettet. Kopier den nu og gem den i systemet, der skal bruge den: den vises kun denne ene gang.`,
    tokenRevokeLabel: (id: number, name: string) => `Tilbagekald nøgle #${id} (${name})`,
    tokenActive: 'Aktiv',
    tokenRevoked: 'Tilbagekaldt',
    tokenNever: 'Aldrig',
    inviteTitle: 'Inviter en person',
    inviteName: 'Navn',
    inviteEmail: 'E-mailadresse',
    inviteOrg: 'Organisation',
    inviteRole: 'Platformsrolle',
    inviteOrgAdmin: 'Organisationsadministrator',
    inviteLanguage: 'Sprog i e-mailen',
    inviteButton: 'Inviter',
    invited: (name: string) => `${name} er inviteret. Linket virker én gang i 72 timer:`,
    inviteMailed: 'Linket er også sendt med e-mail.',
    peopleListTitle: 'Konti',
    roleAnalyst: 'Analytiker',
    roleMember: 'Medlem',
    statusInvited: 'Inviteret',
    statusActive: 'Aktiv',
    yes: 'Ja',
    no: 'Nej',
    mailInvitationSubject: 'Invitation til Værn',
    mailResetSubject: 'Ny adgangskode til Værn',
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
    codeTitle: 'Sign in: code',
    code: 'Code',
    continueButton: 'Continue',
    enrolTitle: 'Set up a second factor',
    recoveryCodesTitle: 'Your recovery codes',
    linkTitleInvitation: 'Welcome to Værn',
    linkTitleInvalid: 'The link cannot be used',
    forgotTitle: 'Forgot your password',
    peopleTitle: 'People',
    auditTitle: 'Audit log',
    searchTitle: 'Search',
    tokensTitle: 'API tokens',
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

/**
 * Signs in through the sign-in form, and for an account with a TOTP secret also through
 * the code step (`/sign-in/code`), and waits for the home page.
 */
export async function signIn(page: Page, account: Account, lang: Lang = 'da'): Promise<void> {
  const t = texts[lang];
  await submitPassword(page, account, lang);
  if (account.totpSecret) {
    await expect(page).toHaveURL('/sign-in/code');
    await expect(page.getByRole('heading', { level: 1, name: t.codeTitle })).toBeVisible();
    await submitCode(page, account.totpSecret, lang);
  }
  await expect(page).toHaveURL('/');
  await expect(page.getByRole('heading', { level: 1, name: t.welcome(account.name) })).toBeVisible();
}

/** The first step of signing in: the sign-in form with e-mail and password. */
export async function submitPassword(page: Page, account: Account, lang: Lang = 'da'): Promise<void> {
  const t = texts[lang];
  await page.goto('/sign-in');
  await expect(page.getByRole('heading', { level: 1, name: t.signInTitle })).toBeVisible();
  await waitForHydration(page);
  await page.getByLabel(t.email, { exact: true }).fill(account.email);
  await page.getByLabel(t.password, { exact: true }).fill(account.password);
  await page.getByRole('button', { name: t.signInButton, exact: true }).click();
}

/** Enters a fresh TOTP code (see totp.ts) on the code page and continues. */
export async function submitCode(page: Page, totpSecret: string, lang: Lang = 'da'): Promise<void> {
  const t = texts[lang];
  const field = page.getByLabel(t.code, { exact: true });
  await expect(field).toBeVisible();
  await field.fill(await freshCode(totpSecret));
  await page.getByRole('button', { name: t.continueButton, exact: true }).click();
}
