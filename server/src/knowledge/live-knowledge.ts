import type { Logger } from 'pino';
import type { Article, KnowledgeAnswer, KnowledgeSearchQuery, UiLanguage } from '@etax-assist/protocol';
import { PeriodicTask } from '../lifecycle/periodic-task.js';
import { ArticleIndex } from './article-index.js';
import type { KnowledgeStore } from './knowledge-store.js';

/** A published article as the taxpayer reads it, in their language. */
export function answerOf(article: Article, lang: UiLanguage): KnowledgeAnswer {
  return {
    articleId: article.id,
    version: article.version,
    topic: article.topic,
    question: article.question[lang],
    answer: article.answer[lang],
    links: article.links.map((l) => ({ url: l.url, label: l.label[lang] })),
  };
}

/**
 * This instance's search index of the published articles, in memory (a search is a lookup, not a
 * query: docs/knowledge.md). Rebuilt after this instance's own changes at once and, for the
 * others', when the store's change mark moves (KNOWLEDGE_REFRESH_MS).
 */
export class LiveKnowledge {
  #index = new ArticleIndex([]);
  #articles = new Map<string, Article>();
  #mark = '';
  #task: PeriodicTask | undefined;

  private constructor(
    private readonly store: KnowledgeStore,
    private readonly log: Logger,
  ) {}

  static async start(store: KnowledgeStore, refreshMs: number, log: Logger): Promise<LiveKnowledge> {
    const live = new LiveKnowledge(store, log);
    await live.refresh();
    live.#task = new PeriodicTask('knowledge index', refreshMs, () => live.refreshIfChanged(), log);
    return live;
  }

  get size(): number {
    return this.#index.size;
  }

  async refreshIfChanged(): Promise<void> {
    if ((await this.store.changeMark()) !== this.#mark) await this.refresh();
  }

  async refresh(): Promise<void> {
    const mark = await this.store.changeMark();
    const published = await this.store.published();
    this.#index = new ArticleIndex(published);
    this.#articles = new Map(published.map((a) => [a.id, a]));
    this.#mark = mark;
    this.log.debug({ articles: published.length }, 'knowledge index rebuilt');
  }

  /** The best published answers, best first. */
  search({ q, lang, topic }: KnowledgeSearchQuery, limit: number): KnowledgeAnswer[] {
    return this.#index.search(q, limit, topic).flatMap((id) => {
      const article = this.#articles.get(id);
      return article ? [answerOf(article, lang)] : [];
    });
  }

  /** A published article by id (feedback is only on what the search can show). */
  published(id: string): Article | undefined {
    return this.#articles.get(id);
  }

  async stop(): Promise<void> {
    await this.#task?.stop();
  }
}
