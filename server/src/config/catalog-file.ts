import { readFileSync } from 'node:fs';
import { Type } from '@sinclair/typebox';
import { CATALOG_LISTS, Label, violations, type CatalogEntry } from '@etax-assist/protocol';

/** CATALOG_FILE: labels by id; it may hold more ids than are configured (a deployment uses some). */
const CatalogLabels = Type.Object(
  {
    topics: Type.Record(Type.String(), Label),
    languages: Type.Record(Type.String(), Label),
    outcomes: Type.Record(Type.String(), Label),
  },
  { additionalProperties: false },
);

/** The ids the service is configured with, by the variable that configures them. */
export interface CatalogIds {
  TOPICS: readonly string[];
  LANGUAGES: readonly string[];
  DISPATCH_OUTCOMES: readonly string[];
}

type CatalogList = (typeof CATALOG_LISTS)[number];
/** The configured ids with their labels, by list. */
export type CatalogLists = Record<CatalogList, CatalogEntry[]>;

const KIND_OF = { TOPICS: 'topics', LANGUAGES: 'languages', DISPATCH_OUTCOMES: 'outcomes' } as const satisfies Record<keyof CatalogIds, CatalogList>;

/**
 * The lists of the catalog's first version: every configured id with its labels from `file`.
 * What is wrong (no such file, not the schema, an id without labels) goes into `problems`, which
 * stop the start-up.
 */
export function readCatalog(file: string, ids: CatalogIds, problems: string[]): CatalogLists {
  const catalog: CatalogLists = { topics: [], languages: [], outcomes: [] };
  let labels: unknown;
  try {
    labels = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    problems.push(`CATALOG_FILE=${file}: ${error instanceof Error ? error.message : String(error)}`);
    return catalog;
  }
  const wrong = violations(CatalogLabels, labels)[0];
  if (wrong) {
    problems.push(`CATALOG_FILE=${file}: ${wrong.path}: ${wrong.message}`);
    return catalog;
  }
  const valid = labels as Record<CatalogList, Record<string, Label>>;
  for (const [variable, kind] of Object.entries(KIND_OF) as [keyof CatalogIds, CatalogList][]) {
    const unlabelled = ids[variable].filter((id) => !Object.hasOwn(valid[kind], id));
    if (unlabelled.length > 0) problems.push(`${variable}: ${unlabelled.join(', ')} without labels in CATALOG_FILE=${file} (${kind}: { "<id>": { "zh": …, "en": … } })`);
    catalog[kind] = ids[variable].filter((id) => Object.hasOwn(valid[kind], id)).map((id): CatalogEntry => ({ id, label: valid[kind][id] as Label }));
  }
  return catalog;
}
