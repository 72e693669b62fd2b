import { Type, type Static } from '@sinclair/typebox';
import { UI_LANGUAGES } from './catalog.js';
import { TopicSchema } from './session.js';

/**
 * The knowledge base (docs/knowledge.md): bilingual articles answering common questions, edited
 * by supervisors and administrators (`/api/knowledge/articles…`), searched by the taxpayer's
 * widget as the question is typed (`GET /api/knowledge/search`), and what the taxpayer said of an
 * answer (`POST /api/knowledge/feedback`). The schemas' bounds are the hard ceiling; the service's
 * own limits (KNOWLEDGE_* in the README's configuration) are at most these and are checked too.
 */

export const ArticleId = Type.String({ pattern: '^[1-9][0-9]{0,17}$' });

/** Both UI languages of a text. */
const Bilingual = (maxLength: number) =>
  Type.Object({ zh: Type.String({ minLength: 1, maxLength }), en: Type.String({ minLength: 1, maxLength }) }, { additionalProperties: false });

/** A link into the portal: where the taxpayer does what the answer says (same-site path or https URL). */
export const PortalLink = Type.Object({ url: Type.String({ pattern: '^(/|https://)[^\\s<>"]{0,499}$' }), label: Bilingual(200) }, { additionalProperties: false });
export type PortalLink = Static<typeof PortalLink>;

/** What an editor writes. `keywords`: words and synonyms a taxpayer may use instead of the question's (退钱 for 退税), in either language. */
export const ArticleContent = Type.Object(
  {
    topic: TopicSchema,
    question: Bilingual(500),
    answer: Bilingual(10_000),
    links: Type.Array(PortalLink, { maxItems: 20 }),
    keywords: Type.Array(Type.String({ minLength: 1, maxLength: 60 }), { maxItems: 100, uniqueItems: true }),
  },
  { additionalProperties: false },
);
export type ArticleContent = Static<typeof ArticleContent>;

export const ARTICLE_STATUSES = ['draft', 'published'] as const;
export type ArticleStatus = (typeof ARTICLE_STATUSES)[number];
export const ArticleStatusSchema = Type.Union(ARTICLE_STATUSES.map((s) => Type.Literal(s)));

export const Article = Type.Object({
  id: ArticleId,
  ...ArticleContent.properties,
  status: ArticleStatusSchema,
  /** Counts every change (an edit, a publication, an unpublication): the history's numbers. */
  version: Type.Integer({ minimum: 1 }),
  createdAt: Type.String({ format: 'date-time' }),
  createdBy: Type.String(),
  updatedAt: Type.String({ format: 'date-time' }),
  updatedBy: Type.String(),
});
export type Article = Static<typeof Article>;

/** Only the fields given change. */
export const UpdateArticle = Type.Partial(ArticleContent, { additionalProperties: false, minProperties: 1 });
export type UpdateArticle = Static<typeof UpdateArticle>;

export const ArticleParams = Type.Object({ id: ArticleId }, { additionalProperties: false });
export type ArticleParams = Static<typeof ArticleParams>;

export const ArticleListQuery = Type.Object(
  {
    /** Part of the question or answer, either language (case-insensitive). */
    q: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    topic: Type.Optional(TopicSchema),
    status: Type.Optional(ArticleStatusSchema),
    /** The `next` of the previous page. */
    cursor: Type.Optional(ArticleId),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
  },
  { additionalProperties: false },
);
export type ArticleListQuery = Static<typeof ArticleListQuery>;

/** Newest id first, a page at a time (`next` when there are more). */
export const ArticleList = Type.Object({ articles: Type.Array(Article), next: Type.Optional(ArticleId) });
export type ArticleList = Static<typeof ArticleList>;

export const ARTICLE_CHANGE_KINDS = ['created', 'edited', 'published', 'unpublished'] as const;
export type ArticleChangeKind = (typeof ARTICLE_CHANGE_KINDS)[number];

/** One version of an article: who made it, when, how, and the article's content as it then was (the console shows the diff to the one before). */
export const ArticleVersion = Type.Object({
  version: Type.Integer({ minimum: 1 }),
  kind: Type.Union(ARTICLE_CHANGE_KINDS.map((k) => Type.Literal(k))),
  by: Type.String(),
  at: Type.String({ format: 'date-time' }),
  status: ArticleStatusSchema,
  content: ArticleContent,
});
export type ArticleVersion = Static<typeof ArticleVersion>;

/** An article's history, newest first. */
export const ArticleHistory = Type.Object({ versions: Type.Array(ArticleVersion) });
export type ArticleHistory = Static<typeof ArticleHistory>;

// The taxpayer's side ----------------------------------------------------------------------------

export const UiLanguageSchema = Type.Union(UI_LANGUAGES.map((l) => Type.Literal(l)));

export const KnowledgeSearchQuery = Type.Object(
  {
    /** What the taxpayer typed (KNOWLEDGE_SEARCH_QUERY_MAX_CHARS). */
    q: Type.String({ minLength: 1, maxLength: 500 }),
    /** The widget's language: the answers' language. */
    lang: UiLanguageSchema,
    /** The topic chosen on the form: its articles first. */
    topic: Type.Optional(TopicSchema),
  },
  { additionalProperties: false },
);
export type KnowledgeSearchQuery = Static<typeof KnowledgeSearchQuery>;

/** A published article as the taxpayer sees it, in one language. */
export const KnowledgeAnswer = Type.Object({
  articleId: ArticleId,
  version: Type.Integer({ minimum: 1 }),
  topic: TopicSchema,
  question: Type.String(),
  answer: Type.String(),
  links: Type.Array(Type.Object({ url: Type.String(), label: Type.String() })),
});
export type KnowledgeAnswer = Static<typeof KnowledgeAnswer>;

/** Best first, at most KNOWLEDGE_SEARCH_RESULTS. */
export const KnowledgeSearchResult = Type.Object({ answers: Type.Array(KnowledgeAnswer) });
export type KnowledgeSearchResult = Static<typeof KnowledgeSearchResult>;

/** What the taxpayer said of an answer shown: it answered the question, or they still need a person (and ask for one). */
export const SELF_SERVICE_OUTCOMES = ['answered', 'still-need-person'] as const;
export type SelfServiceOutcome = (typeof SELF_SERVICE_OUTCOMES)[number];
export const SelfServiceOutcomeSchema = Type.Union(SELF_SERVICE_OUTCOMES.map((o) => Type.Literal(o)));

export const KnowledgeFeedback = Type.Object({ articleId: ArticleId, outcome: SelfServiceOutcomeSchema }, { additionalProperties: false });
export type KnowledgeFeedback = Static<typeof KnowledgeFeedback>;

// Deflection figures -------------------------------------------------------------------------------

/** Self-service outcomes of one topic (and local day, in a report). */
export const DeflectionRow = Type.Object({
  /** The local day; absent for today's figures. */
  day: Type.Optional(Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' })),
  topic: TopicSchema,
  answered: Type.Integer({ minimum: 0 }),
  stillNeedPerson: Type.Integer({ minimum: 0 }),
});
export type DeflectionRow = Static<typeof DeflectionRow>;

export const DeflectionFigures = Type.Object({ rows: Type.Array(DeflectionRow) });
export type DeflectionFigures = Static<typeof DeflectionFigures>;

export const DeflectionReportQuery = Type.Object(
  {
    from: Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' }),
    to: Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' }),
  },
  { additionalProperties: false },
);
export type DeflectionReportQuery = Static<typeof DeflectionReportQuery>;

/** The articles most often followed by "I still need a person" (the editors' list), most first. */
export const FailingArticle = Type.Object({
  articleId: ArticleId,
  topic: TopicSchema,
  question: Type.Object({ zh: Type.String(), en: Type.String() }),
  stillNeedPerson: Type.Integer({ minimum: 0 }),
  answered: Type.Integer({ minimum: 0 }),
});
export type FailingArticle = Static<typeof FailingArticle>;

export const FailingArticles = Type.Object({ articles: Type.Array(FailingArticle) });
export type FailingArticles = Static<typeof FailingArticles>;
