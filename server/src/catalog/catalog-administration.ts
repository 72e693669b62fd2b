import { ProtocolError, type Catalog, type CatalogAdminView, type CatalogContent, type CatalogDraft, type CatalogPreview, type CatalogPublication } from '@etax-assist/protocol';
import { catalogChanges } from './catalog-diff.js';
import { catalogProblems } from './catalog-rules.js';
import type { CatalogStore } from './catalog-store.js';
import type { CatalogUsage, SessionSkillPart } from './catalog-usage.js';
import type { LiveCatalog } from './live-catalog.js';

/** The publications an administrator sees (newest first): a year of weekly changes. */
const HISTORY_SHOWN = 50;

const WHAT_INSTEAD: Record<SessionSkillPart, string> = {
  topics: 'deactivate them instead (they stay for their sessions, offered to no one new)',
  languages: 'remove them once those sessions are over',
};

function checkRules(content: CatalogContent): void {
  const problems = catalogProblems(content);
  if (problems.length > 0) throw new ProtocolError('VALIDATION_FAILED', `Invalid catalog: ${problems.join('; ')}`, { problems });
}

/** What an administrator does with the catalog (protocol/src/catalog-admin.ts): look, preview a draft, publish it. */
export class CatalogAdministration {
  constructor(
    private readonly store: CatalogStore,
    private readonly usage: CatalogUsage,
    private readonly live: LiveCatalog,
  ) {}

  async view(): Promise<CatalogAdminView> {
    const [current, history] = await Promise.all([this.store.latest(), this.store.history(HISTORY_SHOWN)]);
    return { current, history };
  }

  /** The draft's changes against the published version, once it passes the rules (it is not written). */
  async preview(draft: CatalogDraft): Promise<CatalogPreview> {
    checkRules(draft.catalog);
    return { changes: catalogChanges(await this.store.latest(), draft.catalog) };
  }

  /** Publishes the draft, applied on this instance before it returns (on the others within CATALOG_REFRESH_MS). */
  async publish(draft: CatalogDraft, by: string): Promise<CatalogPublication> {
    checkRules(draft.catalog);
    const published = await this.store.publish(draft.baseVersion, draft.catalog, by, (current, next) => this.#checkRemovals(current, next));
    await this.live.refresh();
    return published;
  }

  async #checkRemovals(current: Catalog, next: CatalogContent): Promise<void> {
    for (const part of ['topics', 'languages'] as const) {
      const kept = new Set(next[part].map(({ id }) => id));
      const used = await this.usage.used(
        part,
        current[part].map(({ id }) => id).filter((id) => !kept.has(id)),
        current,
      );
      if (used.length > 0) {
        throw new ProtocolError('CONFLICT', `${part} ${used.join(', ')} are in use by open sessions and cannot be removed: ${WHAT_INSTEAD[part]}`, { part, inUse: used });
      }
    }
  }
}
