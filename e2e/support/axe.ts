// Runs axe-core in the page against WCAG 2.0/2.1 A and AA and fails with a readable list
// of the violations.
import fs from 'node:fs';
import type { Page } from '@playwright/test';
import { expect } from './fixtures';

const AXE_SOURCE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
export const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

interface AxeNode {
  target: unknown[];
  html: string;
  failureSummary?: string;
}
interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  helpUrl: string;
  nodes: AxeNode[];
}
interface AxeResults {
  violations: AxeViolation[];
  passes: unknown[];
  incomplete: { id: string; help: string; nodes: AxeNode[] }[];
}

export async function expectNoAxeViolations(page: Page, what: string): Promise<void> {
  // Evaluated through the DevTools protocol, which the page's CSP does not govern
  // (`addScriptTag` would insert an inline <script>, which the CSP rightly blocks).
  await page.evaluate(AXE_SOURCE);
  const results = await page.evaluate(async (tags) => {
    const axe = (window as unknown as { axe: { run: (ctx: unknown, opts: unknown) => Promise<unknown> } }).axe;
    return (await axe.run(document, {
      runOnly: { type: 'tag', values: tags },
      resultTypes: ['violations', 'incomplete'],
    })) as unknown;
  }, WCAG_TAGS) as AxeResults;

  const report = results.violations.map((v) => {
    const nodes = v.nodes
      .map((n) => `      - ${JSON.stringify(n.target)}: ${n.html}${n.failureSummary ? `\n        ${n.failureSummary.replace(/\n/g, '\n        ')}` : ''}`)
      .join('\n');
    return `  ${v.id} (${v.impact ?? 'n/a'}): ${v.help}\n    ${v.helpUrl}\n${nodes}`;
  });
  expect(results.violations.length, `axe violations on ${what}:\n${report.join('\n')}`).toBe(0);
}
