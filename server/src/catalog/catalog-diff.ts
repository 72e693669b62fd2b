import { isDeepStrictEqual } from 'node:util';
import { CATALOG_LISTS, CATALOG_SETTINGS, type CatalogChange, type CatalogContent } from '@etax-assist/protocol';

/** What publishing `after` changes of `before`: entries added, removed or changed by id, then each setting that changed. */
export function catalogChanges(before: CatalogContent, after: CatalogContent): CatalogChange[] {
  const changes: CatalogChange[] = [];
  for (const part of CATALOG_LISTS) {
    const old = new Map<string, unknown>(before[part].map((entry) => [entry.id, entry]));
    const now = new Map<string, unknown>(after[part].map((entry) => [entry.id, entry]));
    for (const [id, entry] of now) {
      const was = old.get(id);
      if (was === undefined) changes.push({ part, id, change: 'added', after: entry });
      else if (!isDeepStrictEqual(was, entry)) changes.push({ part, id, change: 'changed', before: was, after: entry });
    }
    for (const [id, entry] of old) if (!now.has(id)) changes.push({ part, id, change: 'removed', before: entry });
    // the UIs list entries in the catalog's order: a new order alone is a change too (the part's, without an id)
    const kept = (from: Map<string, unknown>, other: Map<string, unknown>) => [...from.keys()].filter((id) => other.has(id));
    if (!isDeepStrictEqual(kept(old, now), kept(now, old))) changes.push({ part, change: 'changed', before: kept(old, now), after: kept(now, old) });
  }
  for (const part of CATALOG_SETTINGS) {
    if (!isDeepStrictEqual(before[part], after[part])) changes.push({ part, change: 'changed', before: before[part], after: after[part] });
  }
  return changes;
}
