import { CATALOG_LISTS, type CatalogContent, type ProficiencyStep, type WideningStep } from '@etax-assist/protocol';

/** Why the widening steps cannot be used, if they cannot: each comes later than the one before. */
export function wideningStepsProblem(steps: readonly WideningStep[]): string | undefined {
  for (let i = 1; i < steps.length; i++) {
    if (steps[i]!.afterS <= steps[i - 1]!.afterS) return `wideningSteps[${i}]: afterS must be greater than the previous step's (${steps[i - 1]!.afterS})`;
  }
  return undefined;
}

/**
 * Why the proficiency steps cannot be used, if they cannot: the first from the start (0 s), each
 * later one after a longer wait and down to a lower level than the one before.
 */
export function proficiencyStepsProblem(steps: readonly ProficiencyStep[]): string | undefined {
  if (steps[0] && steps[0].afterS !== 0) return 'proficiencySteps[0]: afterS must be 0 (the level asked from the start)';
  for (let i = 1; i < steps.length; i++) {
    const before = steps[i - 1]!;
    if (steps[i]!.afterS <= before.afterS) return `proficiencySteps[${i}]: afterS must be greater than the previous step's (${before.afterS})`;
    if (steps[i]!.minLevel >= before.minLevel) return `proficiencySteps[${i}]: minLevel must be lower than the previous step's (${before.minLevel})`;
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
  const proficiency = proficiencyStepsProblem(content.proficiencySteps);
  if (proficiency) problems.push(proficiency);
  const languages = new Set(content.languages.map(({ id }) => id));
  for (const [i, step] of content.wideningSteps.entries()) {
    const unknown = Array.isArray(step.languages) ? step.languages.filter((language) => !languages.has(language)) : [];
    if (unknown.length > 0) problems.push(`wideningSteps[${i}]: languages ${unknown.join(', ')} are not in the catalog's languages`);
  }
  return problems;
}
