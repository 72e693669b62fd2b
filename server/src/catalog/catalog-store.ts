import { ProtocolError, type Catalog, type CatalogChange, type CatalogContent, type CatalogPublication } from '@etax-assist/protocol';
import type { DatabasePool } from '../database/pool.js';
import { inTransaction } from '../database/transaction.js';
import { catalogChanges } from './catalog-diff.js';

/** Who published the first version: the deployment's files and environment, not a person. */
export const SEED_PUBLISHER = 'seed';

/** Publishers queue on this (a transaction-scoped advisory lock): each one reads the version it follows after the one before committed. */
const PUBLISH_LOCK = "hashtext('etax-assist catalog publish')";

/** A version as stored: those from before routing by proficiency have no proficiency steps. */
type StoredContent = Omit<CatalogContent, 'proficiencySteps'> & Partial<Pick<CatalogContent, 'proficiencySteps'>>;

interface VersionRow {
  version: number;
  content: StoredContent;
  published_by: string;
  published_at: Date;
  changes: CatalogChange[];
}

/**
 * The content of a stored version. Versions published before routing by proficiency have no
 * proficiency steps: they asked anyone serving the topic from the start (higher levels first, as
 * routing prefers them now), which is the step they read as. The rows stay as published
 * (append-only).
 */
function contentOf(row: VersionRow): CatalogContent {
  return { ...row.content, proficiencySteps: row.content.proficiencySteps ?? [{ afterS: 0, minLevel: 1 }] };
}

function publication(row: VersionRow): CatalogPublication {
  return { version: row.version, publishedBy: row.published_by, publishedAt: row.published_at.toISOString(), changes: row.changes };
}

/** Checks made against the service's live state before a version is written (open sessions). */
export type PublishCheck = (current: Catalog, next: CatalogContent) => Promise<void>;

/** The catalog's versions in PostgreSQL (server/migrations/0003_catalog.sql): the newest is the published one. */
export class CatalogStore {
  constructor(private readonly database: DatabasePool) {}

  /** Writes `seed` as version 1 into an empty history (instances starting together write it once). */
  async seed(seed: CatalogContent): Promise<void> {
    await this.database.query(
      `INSERT INTO catalog_versions (version, content, published_by, changes)
       SELECT 1, $1, $2, '[]' WHERE NOT EXISTS (SELECT 1 FROM catalog_versions) ON CONFLICT (version) DO NOTHING`,
      [JSON.stringify(seed), SEED_PUBLISHER],
    );
  }

  /** The published version's number (0 before the seed). */
  async latestVersion(): Promise<number> {
    const { rows } = await this.database.query<{ version: number | null }>('SELECT max(version) AS version FROM catalog_versions');
    return rows[0]?.version ?? 0;
  }

  async latest(): Promise<Catalog> {
    const { rows } = await this.database.query<VersionRow>('SELECT version, content FROM catalog_versions ORDER BY version DESC LIMIT 1');
    const [row] = rows;
    if (!row) throw new ProtocolError('UNAVAILABLE', 'No catalog has been published yet');
    return { version: row.version, ...contentOf(row) };
  }

  /** The published versions, newest first. */
  async history(limit: number): Promise<CatalogPublication[]> {
    const { rows } = await this.database.query<VersionRow>('SELECT version, published_by, published_at, changes FROM catalog_versions ORDER BY version DESC LIMIT $1', [limit]);
    return rows.map(publication);
  }

  /**
   * Publishes `next` as the version after `baseVersion`: CONFLICT when another was published
   * since (the draft was edited from an older one), VALIDATION_FAILED when it changes nothing.
   */
  async publish(baseVersion: number, next: CatalogContent, by: string, check: PublishCheck): Promise<CatalogPublication> {
    return inTransaction(this.database, async (client) => {
      await client.query(`SELECT pg_advisory_xact_lock(${PUBLISH_LOCK})`);
      const { rows } = await client.query<VersionRow>('SELECT version, content FROM catalog_versions ORDER BY version DESC LIMIT 1');
      const [current] = rows;
      if (!current) throw new ProtocolError('UNAVAILABLE', 'No catalog has been published yet');
      if (current.version !== baseVersion) {
        throw new ProtocolError('CONFLICT', `Version ${current.version} was published since this draft was made from version ${baseVersion}: start again from it`, {
          version: current.version,
        });
      }
      const content = contentOf(current);
      const changes = catalogChanges(content, next);
      if (changes.length === 0) throw new ProtocolError('VALIDATION_FAILED', 'The draft is the published catalog: nothing to publish');
      await check({ version: current.version, ...content }, next);
      const inserted = await client.query<VersionRow>(
        'INSERT INTO catalog_versions (version, content, published_by, changes) VALUES ($1, $2, $3, $4) RETURNING version, published_by, published_at, changes',
        [current.version + 1, JSON.stringify(next), by, JSON.stringify(changes)],
      );
      return publication(inserted.rows[0]!);
    });
  }
}
