import { AxePuppeteer } from '@axe-core/puppeteer';
import type { Page } from 'puppeteer-core';

/** The impacts a screen must have none of; moderate and minor ones are reported by axe but do not fail. */
const FAILING_IMPACTS = new Set(['serious', 'critical']);

/**
 * The SDK's UI sits in closed shadow roots (the portal's scripts and the recorder must not see
 * it), and axe, a script in the page, cannot reach into a closed root. Before the page's own
 * scripts run, this makes every shadow root open, so axe checks the widget, the dialogs and the
 * banners as a screen reader meets them; nothing else about the page changes. Call before `goto`.
 */
export async function openShadowRootsForAxe(page: Page): Promise<void> {
  await page.evaluateOnNewDocument(() => {
    const { attachShadow } = Object.getOwnPropertyDescriptors(Element.prototype);
    const attach = attachShadow?.value as (this: Element, init: ShadowRootInit) => ShadowRoot;
    Element.prototype.attachShadow = function (init: ShadowRootInit) {
      return attach.call(this, { ...init, mode: 'open' });
    };
  });
}

/**
 * axe-core (WCAG 2.x A and AA rules and best practices) over the page as it is now, its iframes
 * and open shadow roots included: each serious or critical violation as one readable line
 * (`state`, rule, impact, the elements' targets, what is wrong); empty when there are none.
 */
export async function accessibilityProblems(page: Page, state: string): Promise<string[]> {
  const results = await new AxePuppeteer(page).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']).analyze();
  return results.violations
    .filter((violation) => FAILING_IMPACTS.has(violation.impact ?? ''))
    .flatMap((violation) =>
      violation.nodes.map(
        (node) => `${state}: ${violation.id} (${violation.impact}) at ${JSON.stringify(node.target)}: ${violation.help} — ${node.failureSummary?.replaceAll('\n', ' ') ?? ''}`,
      ),
    );
}

/** Throws with the list of serious or critical violations when the page has any. */
export async function expectAccessible(page: Page, state: string): Promise<void> {
  const problems = await accessibilityProblems(page, state);
  if (problems.length > 0) throw new Error(`accessibility violations (serious or critical):\n${problems.join('\n')}`);
}
