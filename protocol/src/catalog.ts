import { Type, type Static } from '@sinclair/typebox';

/** The languages the UIs are written in: every label the service publishes has each of them. */
export const UI_LANGUAGES = ['zh', 'en'] as const;
export type UiLanguage = (typeof UI_LANGUAGES)[number];

/** A name in every UI language (a language added to UI_LANGUAGES is required of every label). */
export const Label = Type.Unsafe<Record<UiLanguage, string>>(
  // a record over a mapped union checks each language but types as {}: the static type is said here
  Type.Record(Type.Union(UI_LANGUAGES.map((lang) => Type.Literal(lang))), Type.String({ minLength: 1, maxLength: 100 }), { additionalProperties: false }),
);
export type Label = Static<typeof Label>;

/** One thing of the service's configuration a UI lists, with its name in each UI language. */
export const CatalogEntry = Type.Object({ id: Type.String({ minLength: 1, maxLength: 40 }), label: Label });
export type CatalogEntry = Static<typeof CatalogEntry>;

/**
 * What the staff's console lists, as configured (TOPICS, LANGUAGES, DISPATCH_OUTCOMES and their
 * labels in CATALOG_FILE): served at GET /api/catalog.
 */
export const Catalog = Type.Object({
  topics: Type.Array(CatalogEntry),
  languages: Type.Array(CatalogEntry),
  outcomes: Type.Array(CatalogEntry),
});
export type Catalog = Static<typeof Catalog>;
