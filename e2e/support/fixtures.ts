// The `test` every spec uses. It watches every page of the test's browser context (and
// of any further context the test opens with the `newContext` fixture) and fails the
// test on:
//   - an uncaught exception in the page (`pageerror`, which includes wasm panics),
//   - any console error (unless the test allows that exact message, see
//     `allowedConsoleErrors`),
//   - any Content-Security-Policy violation, whether reported as a console message
//     ("Refused to …") or as a `securitypolicyviolation` event,
//   - a crashed renderer.
// It also installs a probe that tells when the app's wasm has been instantiated, which
// `waitForHydration` in app.ts waits on.
//
// Every worker has its own Værn server (the worker-scoped `server` fixture, see
// server.ts), and `baseURL` points at it, so `page.goto('/…')`, `request` and the
// contexts of `newContext` all talk to the worker's own server.
import { test as base, expect, type BrowserContext, type ConsoleMessage, type Page, type TestInfo } from '@playwright/test';
import { startServer, type VaernServer } from './server';

export { expect };

/**
 * Console errors a test expects, e.g. the browser's "Failed to load resource … 404" line
 * for a deliberate 404. Each pattern is matched against
 * `<message text> @ <URL the message is about>`, so an allowance can name the one
 * resource it is for. Everything else still fails the test. Set it with
 * `test.use(allowConsoleErrors(statusConsoleError(404, '/findes-ikke')))`.
 */
export interface AllowedConsoleErrors {
  patterns: RegExp[];
}

interface Options {
  allowedConsoleErrors: AllowedConsoleErrors;
}

interface WorkerFixtures {
  /**
   * This worker's own server on fresh demo data (started with the worker, stopped when
   * the worker ends): its address, data directory and mail directory.
   */
  server: VaernServer;
}

interface Fixtures {
  /**
   * Opens another browser context (another "browser" of the same or another person),
   * watched like the test's own `context`; closed and checked at the end of the test.
   */
  newContext: () => Promise<BrowserContext>;
}

/** For `test.use`: the test may log console errors matching these patterns. */
export function allowConsoleErrors(...patterns: RegExp[]): Pick<Options, 'allowedConsoleErrors'> {
  return { allowedConsoleErrors: { patterns } };
}

interface CspViolation {
  url: string;
  violatedDirective: string;
  effectiveDirective: string;
  blockedURI: string;
  sourceFile: string;
  lineNumber: number;
  sample: string;
}

declare global {
  interface Window {
    __e2eReportCspViolation?: (violation: CspViolation) => void;
    __e2eWasmReady?: boolean;
  }
}

const CSP_TEXT = /Content[- ]Security[- ]Policy|Refused to /i;

/** What the watchers saw in one or more browser contexts during a test. */
interface Watched {
  problems: string[];
  allowedSeen: string[];
  warnings: string[];
}

/**
 * Installs the CSP reporter, the hydration probe and the error watchers on a browser
 * context; what they see is added to `watched`.
 */
async function watchContext(context: BrowserContext, allowed: AllowedConsoleErrors, watched: Watched): Promise<void> {
  const { problems, allowedSeen, warnings } = watched;

  await context.exposeBinding('__e2eReportCspViolation', ({ page }, v: CspViolation) => {
    problems.push(
      `CSP violation on ${v.url}: ${v.effectiveDirective || v.violatedDirective} blocked ` +
        `${v.blockedURI || '(inline)'}` +
        (v.sourceFile ? ` at ${v.sourceFile}:${v.lineNumber}` : '') +
        (v.sample ? ` sample: ${JSON.stringify(v.sample)}` : '') +
        ` [page ${page.url()}]`,
    );
  });

  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__e2eReportCspViolation?.({
        url: e.documentURI,
        violatedDirective: e.violatedDirective,
        effectiveDirective: e.effectiveDirective,
        blockedURI: e.blockedURI,
        sourceFile: e.sourceFile,
        lineNumber: e.lineNumber,
        sample: e.sample,
      });
    });

    // Hydration probe: the app's loader instantiates the wasm module, then calls
    // `hydrate()` in the same chain of promise callbacks. A timer started when
    // instantiation resolves therefore fires only after hydration has run.
    // (Init scripts also run in frames without WebAssembly, such as those of Chromium's
    // PDF viewer inside a document's preview: there is nothing to probe there.)
    const markReady = () => setTimeout(() => (window.__e2eWasmReady = true), 0);
    const wasm = (typeof WebAssembly === 'undefined' ? {} : WebAssembly) as unknown as Record<string, unknown>;
    for (const name of ['instantiateStreaming', 'instantiate']) {
      const original = wasm[name];
      if (typeof original !== 'function') continue;
      wasm[name] = function (this: unknown, ...args: unknown[]) {
        const result = (original as (...a: unknown[]) => Promise<unknown>).apply(this, args);
        result.then(markReady, () => {});
        return result;
      };
    }
  });

  const watch = (page: Page) => {
    page.on('pageerror', (err) => {
      problems.push(`Uncaught exception on ${page.url()}: ${err.stack ?? err.message}`);
    });
    page.on('console', (msg: ConsoleMessage) => {
      const text = msg.text();
      const where = describeLocation(msg);
      if (msg.type() === 'error') {
        const subject = `${text} @ ${msg.location().url}`;
        if (allowed.patterns.some((re) => re.test(subject))) {
          allowedSeen.push(`${text}${where}`);
        } else {
          problems.push(`Console error on ${page.url()}: ${text}${where}`);
        }
      } else if (CSP_TEXT.test(text)) {
        problems.push(`CSP console message (${msg.type()}) on ${page.url()}: ${text}${where}`);
      } else if (msg.type() === 'warning') {
        // Not a failure, but shown in the report (Leptos warns here in debug builds).
        warnings.push(`${text}${where}`);
      }
    });
    page.on('crash', () => problems.push(`The renderer crashed on ${page.url()}`));
  };
  context.pages().forEach(watch);
  context.on('page', watch);
}

function report(watched: Watched, testInfo: TestInfo, what: string): void {
  for (const line of watched.allowedSeen) {
    testInfo.annotations.push({ type: 'allowed console error', description: `${what}: ${line}` });
  }
  for (const line of watched.warnings) {
    testInfo.annotations.push({ type: 'console warning', description: `${what}: ${line}` });
  }
  expect(watched.problems, `page errors, console errors and CSP violations during the test (${what})`).toEqual([]);
}

export const test = base.extend<Options & Fixtures, WorkerFixtures>({
  server: [
    async ({}, use, workerInfo) => {
      const server = await startServer(workerInfo.parallelIndex);
      try {
        await use(server);
      } finally {
        await server.stop();
      }
    },
    // Auto: started before the worker's first test even if that test asks for no page,
    // so that mail.ts and totp.ts always have their worker's files. The timeout covers
    // `vaern demo` plus the 90 s start-up budget, and stopping (up to 10 s).
    { scope: 'worker', auto: true, timeout: 150_000, title: 'Værn server of this worker' },
  ],

  baseURL: async ({ server }, use) => {
    await use(server.origin);
  },

  allowedConsoleErrors: [{ patterns: [] }, { option: true }],

  context: async ({ context, allowedConsoleErrors }, use, testInfo) => {
    const watched: Watched = { problems: [], allowedSeen: [], warnings: [] };
    await watchContext(context, allowedConsoleErrors, watched);
    await use(context);
    report(watched, testInfo, 'main browser context');
  },

  newContext: async ({ browser, allowedConsoleErrors }, use, testInfo) => {
    const made: BrowserContext[] = [];
    const watched: Watched = { problems: [], allowedSeen: [], warnings: [] };
    await use(async () => {
      // Inside a test, browser.newContext() starts from the test's options (the
      // worker's baseURL, locale, time zone), like the `context` fixture.
      const context = await browser.newContext();
      made.push(context);
      await watchContext(context, allowedConsoleErrors, watched);
      return context;
    });
    for (const context of made) await context.close();
    report(watched, testInfo, 'extra browser contexts');
  },
});

/**
 * The console error Chromium logs when a request for `path` (on this site) is answered
 * with `status`, as a pattern for `allowedConsoleErrors`.
 */
export function statusConsoleError(status: number, path: string): RegExp {
  const escaped = path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(
    `^Failed to load resource: the server responded with a status of ${status} \\([^)]*\\) @ https?://[^/]+${escaped}$`,
  );
}

function describeLocation(msg: ConsoleMessage): string {
  const { url, lineNumber } = msg.location();
  return url ? ` (${url}:${lineNumber})` : '';
}
