import { Type, type Static } from '@sinclair/typebox';
import { Catalog, CatalogChange, CatalogContent } from './catalog.js';

/**
 * The catalog admin API (HTTP, the `admin` role; docs/catalog.md): the published version and its
 * history, the diff of a draft against it, and publishing. The draft is the console's until it is
 * published; `baseVersion` is the version it was edited from, so two administrators publishing
 * at once cannot overwrite each other (409 CONFLICT for the second).
 */

/** One published version: who, when, what changed against the version before. */
export const CatalogPublication = Type.Object({
  version: Type.Integer({ minimum: 1 }),
  /** The administrator's sub; `seed` for the version made from CATALOG_FILE and the environment. */
  publishedBy: Type.String(),
  publishedAt: Type.String({ format: 'date-time' }),
  changes: Type.Array(CatalogChange),
});
export type CatalogPublication = Static<typeof CatalogPublication>;

export const CatalogAdminView = Type.Object({
  current: Catalog,
  /** Newest first. */
  history: Type.Array(CatalogPublication),
});
export type CatalogAdminView = Static<typeof CatalogAdminView>;

export const CatalogDraft = Type.Object({ baseVersion: Type.Integer({ minimum: 1 }), catalog: CatalogContent }, { additionalProperties: false });
export type CatalogDraft = Static<typeof CatalogDraft>;

export const CatalogPreview = Type.Object({ changes: Type.Array(CatalogChange) });
export type CatalogPreview = Static<typeof CatalogPreview>;
