// Accessibility: axe-core (WCAG 2.0/2.1 A and AA) on every page of the app, in both
// languages, plus the 404 page.
//
// The list of pages is not kept here by hand: `$VAERN_BIN routes` prints the routes the
// app declares, and the first test fails when one of them has no entry in `routeVisits`.
// So a new route cannot be added without also being checked here.
import { execFileSync } from 'node:child_process';
import type { Page } from '@playwright/test';
import { test, expect, allowConsoleErrors, statusConsoleError } from '../support/fixtures';
import { accounts, signIn, texts, useLanguage, waitForHydration, type Account, type Lang } from '../support/app';
import { expectNoAxeViolations } from '../support/axe';

// Unlike the other files, this one's tests are spread over the workers: each visit signs
// in afresh and changes nothing, so their order does not matter, and run by one worker
// this file alone takes longer than all the other files together.
test.describe.configure({ mode: 'parallel' });

interface Visit {
  /** What to call the page in test names. */
  name: string;
  /** A concrete URL for the route. */
  url: string;
  /** Who to sign in as first, or null to visit signed out. */
  as: Account | null;
  /** The h1 that shows the page has rendered. */
  heading: (lang: Lang) => string;
  /** The HTTP status the page answers with. */
  status?: number;
  /** Waits (reloading if need be) until the page shows what the check is meant to see. */
  ready?: (page: Page) => Promise<void>;
}

/** Every route `vaern routes` lists, keyed by its normalised path. */
const routeVisits: Record<string, Visit> = {
  '/': {
    name: 'home page (signed in)',
    url: '/',
    as: accounts.aarhus,
    heading: (lang) => texts[lang].welcome(accounts.aarhus.name),
  },
  '/sign-in': {
    name: 'sign-in page',
    url: '/sign-in',
    as: null,
    heading: (lang) => texts[lang].signInTitle,
  },
  '/account': {
    name: 'account page (signed in)',
    url: '/account',
    as: accounts.aarhus,
    heading: (lang) => texts[lang].accountTitle,
  },
  // The code and enrolment steps of signing in, visited without a sign-in under way:
  // they say so and offer to start again (account-security.spec.ts checks them with
  // their forms).
  '/sign-in/code': {
    name: 'sign-in code page (no sign-in under way)',
    url: '/sign-in/code',
    as: null,
    heading: (lang) => texts[lang].codeTitle,
  },
  '/sign-in/enrol': {
    name: 'second-factor enrolment page at sign-in (no sign-in under way)',
    url: '/sign-in/enrol',
    as: null,
    heading: (lang) => texts[lang].enrolTitle,
  },
  '/forgot-password': {
    name: 'forgot-password page',
    url: '/forgot-password',
    as: null,
    heading: (lang) => texts[lang].forgotTitle,
  },
  // A link that does not exist: the page explains (a real link is checked in
  // account-security.spec.ts).
  '/link/{token}': {
    name: 'one-time link page (unknown link)',
    url: '/link/x',
    as: null,
    heading: (lang) => texts[lang].linkTitleInvalid,
  },
  '/account/second-factor': {
    name: 'second-factor page (signed in)',
    url: '/account/second-factor',
    as: accounts.aarhus,
    heading: (lang) => texts[lang].enrolTitle,
  },
  '/account/recovery-codes': {
    name: 'recovery codes page (signed in, no fresh codes)',
    url: '/account/recovery-codes',
    as: accounts.aarhus,
    heading: (lang) => texts[lang].recoveryCodesTitle,
  },
  '/admin/people': {
    name: 'people page (organisation admin)',
    url: '/admin/people',
    as: accounts.aarhus,
    heading: (lang) => texts[lang].peopleTitle,
  },
  '/admin/organisations': {
    name: 'organisations page (admin, one organisation open for editing)',
    url: '/admin/organisations?org=751',
    as: accounts.admin,
    heading: (lang) => (lang === 'da' ? 'Organisationer' : 'Organisations'),
  },
  '/admin/groups': {
    name: 'groups page (admin)',
    url: '/admin/groups',
    as: accounts.admin,
    heading: (lang) => (lang === 'da' ? 'Grupper' : 'Groups'),
  },
  '/admin/identities': {
    name: 'STIX identities page (admin)',
    url: '/admin/identities',
    as: accounts.admin,
    heading: (lang) => (lang === 'da' ? 'STIX-identiteter' : 'STIX identities'),
  },
  '/alerts': {
    name: 'alerts page (municipality)',
    url: '/alerts',
    as: accounts.aarhus,
    heading: (lang) => (lang === 'da' ? 'Varsler' : 'Alerts'),
  },
  // The demo's alert 230, Aarhus's sighting of a named indicator with a hash pattern,
  // being investigated and assigned, with a comment and its history: status buttons,
  // the assignee, the comment form, the copy button (tests/alerts.spec.ts works another).
  '/alerts/{id}': {
    name: 'alert page (municipality)',
    url: '/alerts/230',
    as: accounts.aarhus,
    heading: () => 'Akira: krypteringsprogram (w.exe)',
  },
  // Aarhus's own incidents: the demo's two, both significant, one overdue (deadlines in
  // text and colour), and the registration form.
  '/incidents': {
    name: 'incidents page (municipality)',
    url: '/incidents',
    as: accounts.aarhus,
    heading: (lang) => (lang === 'da' ? 'Hændelser' : 'Incidents'),
  },
  // The demo's first incident: significant, its early warning submitted, the notification
  // and GDPR clocks counting down, shared with the centre, whose analyst wrote on its
  // timeline; every form of the organisation (tests/incidents.spec.ts works another).
  '/incidents/{id}': {
    name: 'incident page (municipality)',
    url: '/incidents/1',
    as: accounts.aarhus,
    heading: () => 'Ransomware på lønsystemets filserver',
  },
  // One of the centre's incidents needs the row of a simulated object, which differs with
  // the demo's seed of the day, so it is visited here for one that does not exist;
  // incidents.spec.ts checks real ones in both languages.
  '/incidents/centre/{row}': {
    name: "centre's incident page (no such incident)",
    url: '/incidents/centre/999999',
    as: accounts.aarhus,
    heading: (lang) => texts[lang].notFoundTitle,
    status: 404,
  },
  // Search for an inflection of a word in the demo's Referencegruppen posts (and intel)
  // and a TLP value that does not exist: several pages of results with highlighted
  // snippets, facets by type, group and TLP, and the hint that the filter was left out
  // (tests/search.spec.ts checks what is shown, and the empty page).
  '/search': {
    name: 'search results page (results, facets, a hint, pages)',
    url: '/search?q=leverand%C3%B8rerne+tlp:lilla',
    as: accounts.aarhus,
    heading: (lang) => texts[lang].searchTitle,
    // At first start the demo's backlog is indexed in the background for a few seconds;
    // until then the page says "0 results" without facets.
    ready: async (page) => {
      const facets = page.getByRole('main').getByRole('complementary');
      await expect(async () => {
        if ((await facets.count()) === 0) await page.reload();
        await expect(facets).toBeVisible({ timeout: 1_000 });
      }).toPass({ timeout: 30_000 });
    },
  },
  // The owner's view has every control: the member list with role and remove buttons,
  // adding by address and by list, editing and archiving.
  '/groups/{slug}': {
    name: 'group page (owner)',
    url: '/groups/referencegruppen',
    as: accounts.aarhus,
    heading: () => 'Referencegruppen',
  },
  // Forums. The demo's first thread (id 1) is Mette Lund's pinned "Velkommen til
  // Referencegruppen", and its opening post (id 1) is hers: as the group's owner she
  // sees the reply form and the moderation panel, and may edit the post.
  '/groups/{slug}/forum': {
    name: 'forum thread list (owner)',
    url: '/groups/referencegruppen/forum',
    as: accounts.aarhus,
    heading: () => 'Forum: Referencegruppen',
  },
  '/groups/{slug}/forum/new': {
    name: 'new-thread form',
    url: '/groups/referencegruppen/forum/new',
    as: accounts.aarhus,
    heading: (lang) => (lang === 'da' ? 'Ny tråd' : 'New thread'),
  },
  // Libraries. The demo fills Referencegruppen's library with, in this order,
  // "NIS2-tjekliste.pdf" (document 1, two versions), "Beredskabsplan.docx" (2, in the
  // folder "Politikker", the demo's first folder: id 1), "Skjold.png" (3),
  // "Vejledning i phishing-oevelser.md" (4), "Aarhus - hændelseslog.txt" (5) and an
  // AMBER+STRICT risk assessment (6). The owner sees the folder list, the filters, the
  // upload form and the new-folder form; on a document's page the preview, the
  // version list with restore buttons, and the edit and removal forms. The folder page
  // and the other preview kinds are in `otherVisits`.
  '/groups/{slug}/library': {
    name: 'library page (owner: folders, filters, upload form)',
    url: '/groups/referencegruppen/library',
    as: accounts.aarhus,
    heading: (lang) => (lang === 'da' ? 'Bibliotek: Referencegruppen' : 'Library: Referencegruppen'),
  },
  '/documents/{id}': {
    name: 'document page (PDF preview in a frame, two versions)',
    url: '/documents/1',
    as: accounts.aarhus,
    heading: () => 'NIS2-tjekliste.pdf',
  },
  // Library pages: document 4 is the demo's Markdown guide, so it is a page the owner
  // may edit; it has one version, so the comparison is of version 1 with itself.
  // tests/pages.spec.ts checks the three pages on a page of its own with two versions.
  '/groups/{slug}/library/new-page': {
    name: 'new-page editor',
    url: '/groups/referencegruppen/library/new-page',
    as: accounts.aarhus,
    heading: (lang) => (lang === 'da' ? 'Ny side' : 'New page'),
  },
  '/documents/{id}/edit': {
    name: 'page editor (the demo guide)',
    url: '/documents/4/edit',
    as: accounts.aarhus,
    heading: (lang) =>
      lang === 'da' ? 'Rediger Vejledning i phishing-oevelser.md' : 'Edit Vejledning i phishing-oevelser.md',
  },
  '/documents/{id}/compare': {
    name: 'comparison of versions (the demo guide)',
    url: '/documents/4/compare',
    as: accounts.aarhus,
    heading: (lang) =>
      lang === 'da'
        ? 'Sammenlign versioner af Vejledning i phishing-oevelser.md'
        : 'Compare versions of Vejledning i phishing-oevelser.md',
  },
  '/threads/{id}': {
    name: 'thread page (owner: reply form and moderation panel)',
    url: '/threads/1',
    as: accounts.aarhus,
    heading: () => 'Velkommen til Referencegruppen',
  },
  '/posts/{id}/edit': {
    name: 'edit-post page (own opening post)',
    url: '/posts/1/edit',
    as: accounts.aarhus,
    heading: (lang) => (lang === 'da' ? 'Redigér indlæg' : 'Edit post'),
  },
  '/posts/{id}/history': {
    name: 'post history page',
    url: '/posts/1/history',
    as: accounts.aarhus,
    heading: (lang) => (lang === 'da' ? 'Indlæggets historik' : 'Post history'),
  },
  '/admin/audit': {
    name: 'audit log (organisation admin)',
    url: '/admin/audit',
    as: accounts.aarhus,
    heading: (lang) => texts[lang].auditTitle,
  },
  '/admin/taxii-sources': {
    name: "analysis centre's TAXII server page (admin)",
    url: '/admin/taxii-sources',
    as: accounts.admin,
    heading: (lang) => (lang === 'da' ? 'Analysecentrets TAXII-server' : "The analysis centre's TAXII server"),
  },
  '/admin/tokens': {
    name: 'API tokens page (organisation admin)',
    url: '/admin/tokens',
    as: accounts.aarhus,
    heading: (lang) => texts[lang].tokensTitle,
  },
  '/notifications': {
    name: 'notification centre (signed in)',
    url: '/notifications',
    as: accounts.aarhus,
    heading: (lang) => (lang === 'da' ? 'Notifikationer' : 'Notifications'),
  },
  // Received STIX objects: the list holds the demo's month of intel. An object's page
  // needs the row and time of receipt of a real object, which differ from run to run, so
  // it is visited here for an object that does not exist; intel.spec.ts checks a real
  // one (with its label form) after posting it.
  '/intel/received': {
    name: 'received objects (analyst)',
    url: '/intel/received',
    as: accounts.analyst,
    heading: (lang) => (lang === 'da' ? 'Modtagne objekter' : 'Received objects'),
  },
  '/intel/received/{row}': {
    name: 'received object page (analyst, no such object)',
    url: '/intel/received/999999',
    as: accounts.analyst,
    heading: (lang) => texts[lang].notFoundTitle,
    status: 404,
  },
  // The newest advisory or alert with the demo's responses: the map and the table.
  '/intel/acknowledgements': {
    name: 'acknowledgement view (analyst)',
    url: '/intel/acknowledgements',
    as: accounts.analyst,
    heading: (lang) => (lang === 'da' ? 'Kvitteringer' : 'Acknowledgements'),
  },
};

/** Pages that are not routes of their own. */
const otherVisits: Visit[] = [
  {
    name: 'acknowledgement view (coordinator)',
    url: '/intel/acknowledgements',
    as: accounts.coordinator,
    heading: (lang) => (lang === 'da' ? 'Kvitteringer' : 'Acknowledgements'),
  },
  {
    name: '404 page (signed out)',
    url: '/findes-ikke',
    as: null,
    heading: (lang) => texts[lang].notFoundTitle,
    status: 404,
  },
  {
    name: '404 page (signed in)',
    url: '/findes-ikke',
    as: accounts.aarhus,
    heading: (lang) => texts[lang].notFoundTitle,
    status: 404,
  },
  {
    // An admin sees more than an organisation admin: the organisation filter and every
    // platform role.
    name: 'people page (admin)',
    url: '/admin/people',
    as: accounts.admin,
    heading: (lang) => texts[lang].peopleTitle,
  },
  {
    name: 'audit log (admin, filtered)',
    url: '/admin/audit?action=sign_in&from=2020-01-01',
    as: accounts.admin,
    heading: (lang) => texts[lang].auditTitle,
  },
  {
    // An admin may also grant stix:write, and chooses among every organisation.
    name: 'API tokens page (admin)',
    url: '/admin/tokens',
    as: accounts.admin,
    heading: (lang) => texts[lang].tokensTitle,
  },
  {
    // A folder's page: breadcrumbs, and (for a moderator) rename, move and delete.
    name: 'library folder page (owner: folder forms)',
    url: '/groups/referencegruppen/library?folder=1',
    as: accounts.aarhus,
    heading: () => 'Politikker',
  },
  {
    // Filtered: the chosen values in the form and the "clear filters" link.
    name: 'library page (filtered by type)',
    url: '/groups/referencegruppen/library?kind=PDF&sort=title',
    as: accounts.aarhus,
    heading: (lang) => (lang === 'da' ? 'Bibliotek: Referencegruppen' : 'Library: Referencegruppen'),
  },
  {
    name: 'document page (image preview)',
    url: '/documents/3',
    as: accounts.aarhus,
    heading: () => 'Skjold.png',
  },
  {
    name: 'document page (rendered Markdown preview)',
    url: '/documents/4',
    as: accounts.aarhus,
    heading: () => 'Vejledning i phishing-oevelser.md',
  },
  {
    name: 'document page (text preview, AMBER+STRICT)',
    url: '/documents/5',
    as: accounts.aarhus,
    heading: () => 'Aarhus - hændelseslog.txt',
  },
];

/**
 * "/", "", "/account/" and "account" all name the same route; parameters are written as
 * `vaern routes` prints them ("/link/{token}").
 */
function normalise(route: string): string {
  let path = route.trim();
  if (!path.startsWith('/')) path = `/${path}`;
  if (path.length > 1) path = path.replace(/\/+$/, '');
  return path;
}

/** The route list from `$VAERN_BIN routes`; log lines around the JSON are skipped. */
function declaredRoutes(): string[] {
  const bin = process.env.VAERN_BIN;
  if (!bin) throw new Error('Set VAERN_BIN to the vaern binary (make e2e does this).');
  const out = execFileSync(bin, ['routes'], { encoding: 'utf8', timeout: 30_000 });
  const json = out
    .split('\n')
    .map((line) => line.trim())
    .find((line) => line.startsWith('['));
  if (!json) throw new Error(`\`${bin} routes\` printed no JSON array:\n${out}`);
  const parsed: unknown = JSON.parse(json);
  if (!Array.isArray(parsed) || !parsed.every((r) => typeof r === 'string')) {
    throw new Error(`\`${bin} routes\` did not print an array of strings: ${json}`);
  }
  return [...new Set(parsed.map(normalise))];
}

test('every route the app declares has an accessibility check', () => {
  const declared = declaredRoutes();
  expect(declared.length, 'vaern routes lists at least one route').toBeGreaterThan(0);
  const unchecked = declared.filter((route) => !(route in routeVisits));
  expect(unchecked, 'routes without an entry in routeVisits in a11y.spec.ts').toEqual([]);
  const stale = Object.keys(routeVisits).filter((route) => !declared.includes(route));
  expect(stale, 'entries in routeVisits for routes the app no longer declares').toEqual([]);
});

const visits = [...Object.values(routeVisits), ...otherVisits];

for (const lang of ['da', 'en'] as const) {
  test.describe(`In ${lang === 'da' ? 'Danish' : 'English'}`, () => {
    for (const visit of visits) {
      test.describe(() => {
        if (visit.status === 404) {
          // The browser logs the 404 of the document itself as a console error; only
          // that one line is allowed.
          test.use(allowConsoleErrors(statusConsoleError(404, visit.url)));
        }

        test(`the ${visit.name} has no WCAG 2.1 A/AA violations`, async ({ page, context, baseURL }) => {
          if (visit.as) await signIn(page, visit.as);
          await useLanguage(context, baseURL!, lang);

          const response = await page.goto(visit.url);
          expect(response?.status(), `HTTP status of ${visit.url}`).toBe(visit.status ?? 200);
          await expect(page).toHaveURL(visit.url);
          await expect(page.locator('html')).toHaveAttribute('lang', lang);
          await expect(page.getByRole('heading', { level: 1, name: visit.heading(lang) })).toBeVisible();
          await visit.ready?.(page);
          await waitForHydration(page);

          await expectNoAxeViolations(page, `${visit.url} (${visit.name}, ${lang})`);
        });
      });
    }
  });
}
