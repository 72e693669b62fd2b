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

/** A topic's or an outcome's id: a stable key (skills, queues and the record refer to it), never renamed. */
export const CATALOG_ID_PATTERN = '^[a-z][a-z0-9-]{0,39}$';
/** A language's id: its BCP 47 code (zh, en, zh-Hant…). */
export const LANGUAGE_ID_PATTERN = '^[a-z]{2,3}(-[A-Za-z]{2,4})?$';

/** One thing of the service's configuration a UI lists, with its name in each UI language. */
export const CatalogEntry = Type.Object({ id: Type.String({ minLength: 1, maxLength: 40 }), label: Label }, { additionalProperties: false });
export type CatalogEntry = Static<typeof CatalogEntry>;

/** A topic taxpayers ask about; an inactive one is offered to no one but still routes and names the sessions it has. */
export const TopicEntry = Type.Object({ id: Type.String({ pattern: CATALOG_ID_PATTERN }), label: Label, active: Type.Boolean() }, { additionalProperties: false });
export type TopicEntry = Static<typeof TopicEntry>;

const LanguageEntry = Type.Object({ id: Type.String({ pattern: LANGUAGE_ID_PATTERN }), label: Label }, { additionalProperties: false });
const OutcomeEntry = Type.Object({ id: Type.String({ pattern: CATALOG_ID_PATTERN }), label: Label }, { additionalProperties: false });

/** One widening step: after `afterS` in the queue, a request also matches these agents. */
export const WideningStep = Type.Object(
  {
    afterS: Type.Integer({ minimum: 1, maximum: 86_400 }),
    /** 'same' = the request's language, 'any' = every language, or a list (interpreter languages). */
    languages: Type.Union([Type.Literal('same'), Type.Literal('any'), Type.Array(Type.String({ pattern: LANGUAGE_ID_PATTERN }), { minItems: 1, maxItems: 20 })]),
    topics: Type.Union([Type.Literal('same'), Type.Literal('any')]),
  },
  { additionalProperties: false },
);
export type WideningStep = Static<typeof WideningStep>;

/** Proficiency levels of a topic skill: 1 novice … 5 expert (protocol/src/staff.ts TopicSkill). */
export const TOP_PROFICIENCY = 5;

/** One proficiency step: from `afterS` in the queue, agents at `minLevel` or above for the topic are asked. */
export const ProficiencyStep = Type.Object(
  {
    afterS: Type.Integer({ minimum: 0, maximum: 86_400 }),
    minLevel: Type.Integer({ minimum: 1, maximum: TOP_PROFICIENCY }),
  },
  { additionalProperties: false },
);
export type ProficiencyStep = Static<typeof ProficiencyStep>;

/**
 * What an administrator edits and publishes (docs/catalog.md): the topics, languages and
 * outcomes the UIs list, the service-level target and the widening and proficiency steps routing uses.
 */
export const CatalogContent = Type.Object(
  {
    topics: Type.Array(TopicEntry, { minItems: 1, maxItems: 200 }),
    languages: Type.Array(LanguageEntry, { minItems: 1, maxItems: 50 }),
    outcomes: Type.Array(OutcomeEntry, { minItems: 1, maxItems: 100 }),
    /** A session is answered within the target when it waited at most this long. */
    serviceLevelS: Type.Integer({ minimum: 1, maximum: 3600 }),
    /** In increasing `afterS`. */
    wideningSteps: Type.Array(WideningStep, { maxItems: 20 }),
    /** The first at `afterS` 0, then increasing `afterS` and decreasing `minLevel`. */
    proficiencySteps: Type.Array(ProficiencyStep, { minItems: 1, maxItems: TOP_PROFICIENCY }),
  },
  { additionalProperties: false },
);
export type CatalogContent = Static<typeof CatalogContent>;

/** The published catalog, as every instance applies it: served at GET /api/catalog (staff). */
export const Catalog = Type.Object({ version: Type.Integer({ minimum: 1 }), ...CatalogContent.properties }, { additionalProperties: false });
export type Catalog = Static<typeof Catalog>;

/** A newer catalog version was published (to staff sockets, by every instance once it applies it): the console fetches GET /api/catalog again. */
export const CatalogChangedEvent = Type.Object({ version: Catalog.properties.version }, { additionalProperties: false });
export type CatalogChangedEvent = Static<typeof CatalogChangedEvent>;

/** The parts of the catalog a change is about. */
export const CATALOG_LISTS = ['topics', 'languages', 'outcomes'] as const;
export const CATALOG_SETTINGS = ['serviceLevelS', 'wideningSteps', 'proficiencySteps'] as const;

/** One difference between two versions: an entry of a list (`id`), or a setting as a whole. */
export const CatalogChange = Type.Object({
  part: Type.Union([...CATALOG_LISTS, ...CATALOG_SETTINGS].map((part) => Type.Literal(part))),
  id: Type.Optional(Type.String()),
  change: Type.Union([Type.Literal('added'), Type.Literal('removed'), Type.Literal('changed')]),
  before: Type.Optional(Type.Unknown()),
  after: Type.Optional(Type.Unknown()),
});
export type CatalogChange = Static<typeof CatalogChange>;
