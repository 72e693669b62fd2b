import MiniSearch from 'minisearch';
import type { Article } from '@etax-assist/protocol';
import { SHARED_SYNONYMS, SynonymTable } from './synonyms.js';
import { intlHanSegmenter, isAlphabetic, textTerms, type HanSegmenter } from './text-terms.js';

/** What the index needs of an article. */
export type IndexedArticle = Pick<Article, 'id' | 'topic' | 'question' | 'answer' | 'keywords'>;

/** The question weighs most: it is what a taxpayer's words resemble; the keywords are the editors' synonyms. */
const BOOST = { question: 3, keywords: 2, answer: 1 };
/** An article of the topic the taxpayer chose on the form ranks a little higher. */
const TOPIC_BOOST = 1.3;
/** A word the taxpayer did not type but means the same (the synonym table) weighs this much of one typed. */
const SYNONYM_WEIGHT = 0.4;

const FIELD_TEXT: Record<keyof typeof BOOST, (a: IndexedArticle) => string> = {
  question: (a) => `${a.question.zh} ${a.question.en}`,
  keywords: (a) => a.keywords.join(' '),
  answer: (a) => `${a.answer.zh} ${a.answer.en}`,
};

/**
 * The full-text index of articles (minisearch, BM25): Chinese by words and bigrams, Latin by
 * prefix and with typos (edit distance 20 % of the word), each query widened by the synonym
 * table. Both languages of an article are indexed together: a taxpayer may type in either.
 * Chosen by measurement over PostgreSQL's full-text search (docs/knowledge.md).
 */
export class ArticleIndex {
  readonly #search: MiniSearch<IndexedArticle>;
  readonly #synonyms: SynonymTable;
  readonly #segment: HanSegmenter;

  constructor(articles: Iterable<IndexedArticle>, segment: HanSegmenter = intlHanSegmenter) {
    this.#segment = segment;
    this.#synonyms = new SynonymTable(SHARED_SYNONYMS, segment);
    this.#search = new MiniSearch<IndexedArticle>({
      fields: Object.keys(BOOST),
      storeFields: ['topic'],
      // the stored topic, the id, and each indexed field's text
      extractField: (article, field) => (field in FIELD_TEXT ? FIELD_TEXT[field as keyof typeof BOOST](article) : String(article[field as 'id' | 'topic'])),
      tokenize: (text) => textTerms(text, segment),
      processTerm: (term) => term,
      // a query arrives as its terms already (textTerms and the synonyms'), joined by spaces
      searchOptions: { tokenize: (query) => query.split(' ').filter(Boolean) },
    });
    this.#search.addAll([...articles]);
  }

  get size(): number {
    return this.#search.documentCount;
  }

  /** The ids of the best articles for `query`, best first. */
  search(query: string, limit: number, topic?: string): string[] {
    const typed = [...new Set(textTerms(query, this.#segment))];
    const synonyms = [...new Set(this.#synonyms.expand(query))].filter((term) => !typed.includes(term));
    if (typed.length === 0) return [];
    const hits = this.#search.search(
      {
        combineWith: 'OR',
        queries: [
          // the taxpayer's own words: Latin ones by prefix and with typos
          { queries: [typed.join(' ')], prefix: (term) => isAlphabetic(term) && term.length >= 3, fuzzy: (term) => (isAlphabetic(term) && term.length >= 4 ? 0.2 : false) },
          // the words of the same meaning count less, and exactly
          ...(synonyms.length === 0 ? [] : [{ queries: [synonyms.join(' ')], boostTerm: () => SYNONYM_WEIGHT }]),
        ],
      },
      {
        boost: BOOST,
        ...(topic === undefined ? {} : { boostDocument: (_id: unknown, _term: string, stored?: Record<string, unknown>) => (stored?.topic === topic ? TOPIC_BOOST : 1) }),
      },
    );
    return hits.slice(0, limit).map((hit) => String(hit.id));
  }
}
