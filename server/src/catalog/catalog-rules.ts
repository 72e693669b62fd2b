import { CATALOG_LISTS, type CatalogContent, type WideningStep } from '@etax-assist/protocol';

/** Why the widening steps cannot be used, if they cannot: each comes later than the one before. */
export function wideningStepsProblem(steps: readonly WideningStep[]): string | undefined {
  for (let i = 1; i < steps.length; i++) {
    if (steps[i]!.afterS <= steps[i - 1]!.afterS) return `wideningSteps[${i}]: afterS must be greater than the previous step's (${steps[i - 1]!.afterS})`;
  }
  return undefined;
}

/**
 * What is wrong with a catalog its schema accepts (protocol/src/catalog.ts CatalogContent): the
 * rules that span entries. Empty when it can be published.
 */
export function catalogProblems(content: CatalogContent): string[] {
  const problems: string[] = [];
  for (const part of CATALOG_LISTS) {
    const seen = new Set<string>();
    for (const { id } of content[part]) {
      if (seen.has(id)) problems.push(`${part}: "${id}" is listed twice (ids are unique)`);
      seen.add(id);
    }
  }
  if (!content.topics.some((topic) => topic.active)) problems.push('topics: at least one must be active (taxpayers choose among them)');
  const widening = wideningStepsProblem(content.wideningSteps);
  if (widening) problems.push(widening);
  const languages = new Set(content.languages.map(({ id }) => id));
  for (const [i, step] of content.wideningSteps.entries()) {
    const unknown = Array.isArray(step.languages) ? step.languages.filter((language) => !languages.has(language)) : [];
    if (unknown.length > 0) problems.push(`wideningSteps[${i}]: languages ${unknown.join(', ')} are not in the catalog's languages`);
  }
  return problems;
}
