import { describe, expect, it } from 'vitest';
import type { CatalogContent } from '@etax-assist/protocol';
import { catalogChanges } from '../src/catalog/catalog-diff.js';
import { catalogProblems } from '../src/catalog/catalog-rules.js';

const label = (en: string) => ({ zh: en, en });
const base: CatalogContent = {
  topics: [
    { id: 'invoice', label: label('Invoices'), active: true },
    { id: 'refund', label: label('Refunds'), active: true },
  ],
  languages: [{ id: 'zh', label: label('Chinese') }],
  outcomes: [{ id: 'resolved', label: label('Resolved') }],
  serviceLevelS: 60,
  wideningSteps: [{ afterS: 60, languages: 'same', topics: 'any' }],
  proficiencySteps: [
    { afterS: 0, minLevel: 3 },
    { afterS: 30, minLevel: 1 },
  ],
};

describe('catalog rules and changes', () => {
  it('accepts a catalog that keeps the rules and says what breaks them', () => {
    expect(catalogProblems(base)).toEqual([]);
    expect(
      catalogProblems({
        ...base,
        outcomes: [...base.outcomes, ...base.outcomes],
        topics: base.topics.map((t) => ({ ...t, active: false })),
        wideningSteps: [
          { afterS: 60, languages: 'same', topics: 'any' },
          { afterS: 60, languages: ['en'], topics: 'any' },
        ],
        proficiencySteps: [
          { afterS: 0, minLevel: 3 },
          { afterS: 30, minLevel: 3 },
        ],
      }),
    ).toEqual([
      'outcomes: "resolved" is listed twice (ids are unique)',
      'topics: at least one must be active (taxpayers choose among them)',
      "wideningSteps[1]: afterS must be greater than the previous step's (60)",
      "proficiencySteps[1]: minLevel must be lower than the previous step's (3)",
      "wideningSteps[1]: languages en are not in the catalog's languages",
    ]);
  });

  it('tells entries added, removed and changed by id, a new order, and each setting changed', () => {
    const after: CatalogContent = {
      ...base,
      topics: [
        { id: 'refund', label: label('Tax refunds'), active: false },
        { id: 'invoice', label: label('Invoices'), active: true },
      ],
      outcomes: [{ id: 'call-back', label: label('Call back') }],
      serviceLevelS: 30,
    };
    expect(catalogChanges(base, after)).toEqual([
      { part: 'topics', id: 'refund', change: 'changed', before: base.topics[1], after: after.topics[0] },
      { part: 'topics', change: 'changed', before: ['invoice', 'refund'], after: ['refund', 'invoice'] },
      { part: 'outcomes', id: 'call-back', change: 'added', after: after.outcomes[0] },
      { part: 'outcomes', id: 'resolved', change: 'removed', before: base.outcomes[0] },
      { part: 'serviceLevelS', change: 'changed', before: 60, after: 30 },
    ]);
    expect(catalogChanges(base, structuredClone(base))).toEqual([]);
  });
});
