import type pg from 'pg';
import {
  ProtocolError,
  type Article,
  type ArticleChangeKind,
  type ArticleContent,
  type ArticleHistory,
  type ArticleList,
  type ArticleListQuery,
  type ArticleStatus,
  type ArticleVersion,
  type UpdateArticle,
} from '@etax-assist/protocol';
import type { Config } from '../config/env.js';
import type { DatabasePool } from '../database/pool.js';
import { inTransaction } from '../database/transaction.js';
import type { PublishedCatalog } from '../catalog/live-catalog.js';

const COLUMNS = 'id::text AS id, topic, question_zh, question_en, answer_zh, answer_en, links, keywords, status, version, created_at, created_by, updated_at, updated_by';

interface ArticleRow {
  id: string;
  topic: string;
  question_zh: string;
  question_en: string;
  answer_zh: string;
  answer_en: string;
  links: Article['links'];
  keywords: string[];
  status: ArticleStatus;
  version: number;
  created_at: Date;
  created_by: string;
  updated_at: Date;
  updated_by: string;
}

function articleOf(row: ArticleRow): Article {
  return {
    id: row.id,
    topic: row.topic,
    question: { zh: row.question_zh, en: row.question_en },
    answer: { zh: row.answer_zh, en: row.answer_en },
    links: row.links,
    keywords: row.keywords,
    status: row.status,
    version: row.version,
    createdAt: row.created_at.toISOString(),
    createdBy: row.created_by,
    updatedAt: row.updated_at.toISOString(),
    updatedBy: row.updated_by,
  };
}

export const contentOf = ({ topic, question, answer, links, keywords }: ArticleContent): ArticleContent => ({ topic, question, answer, links, keywords });

/** `%` and `_` in a search are themselves, not LIKE's wildcards. */
const likePattern = (text: string): string => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

export type KnowledgeLimits = Pick<Config['knowledge'], 'questionMaxChars' | 'answerMaxChars' | 'keywordsMax' | 'linksMax' | 'pageMax'>;

/**
 * The knowledge base's articles in PostgreSQL (server/migrations/…_knowledge.sql): each change
 * bumps the article's version and writes that version, whole, to its history in the same
 * transaction. Articles are unpublished, never deleted: feedback and history point at them.
 */
export class KnowledgeStore {
  constructor(
    private readonly database: DatabasePool,
    private readonly catalog: PublishedCatalog,
    private readonly limits: KnowledgeLimits,
  ) {}

  async get(id: string): Promise<Article> {
    const { rows } = await this.database.query<ArticleRow>(`SELECT ${COLUMNS} FROM knowledge_articles WHERE id = $1`, [id]);
    if (!rows[0]) throw new ProtocolError('NOT_FOUND', `No article ${id}`);
    return articleOf(rows[0]);
  }

  /** Every published article: what the search indexes. */
  async published(): Promise<Article[]> {
    const { rows } = await this.database.query<ArticleRow>(`SELECT ${COLUMNS} FROM knowledge_articles WHERE status = 'published'`);
    return rows.map(articleOf);
  }

  /** Tells a change since the last look (each instance's index refresh): the number of articles and the latest change. */
  async changeMark(): Promise<string> {
    const { rows } = await this.database.query<{ mark: string }>("SELECT count(*) || ':' || coalesce(max(updated_at)::text, '') AS mark FROM knowledge_articles");
    return rows[0]?.mark ?? '';
  }

  async list(query: ArticleListQuery): Promise<ArticleList> {
    const limit = Math.min(query.limit ?? this.limits.pageMax, this.limits.pageMax);
    const where: string[] = [];
    const values: unknown[] = [];
    const param = (value: unknown): string => `$${values.push(value)}`;
    if (query.q !== undefined) {
      const p = param(likePattern(query.q));
      where.push(`(question_zh ILIKE ${p} OR question_en ILIKE ${p} OR answer_zh ILIKE ${p} OR answer_en ILIKE ${p})`);
    }
    if (query.topic !== undefined) where.push(`topic = ${param(query.topic)}`);
    if (query.status !== undefined) where.push(`status = ${param(query.status)}`);
    if (query.cursor !== undefined) where.push(`id < ${param(query.cursor)}`);
    const { rows } = await this.database.query<ArticleRow>(
      `SELECT ${COLUMNS} FROM knowledge_articles ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ${param(limit + 1)}`,
      values,
    );
    const articles = rows.slice(0, limit).map(articleOf);
    const last = articles[articles.length - 1];
    return rows.length > limit && last ? { articles, next: last.id } : { articles };
  }

  /** A new article, a draft. */
  async create(content: ArticleContent, by: string): Promise<Article> {
    this.#check(content);
    return inTransaction(this.database, async (client) => {
      const { rows } = await client.query<ArticleRow>(
        `INSERT INTO knowledge_articles (topic, question_zh, question_en, answer_zh, answer_en, links, keywords, status, version, created_by, updated_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'draft', 1, $8, $8) RETURNING ${COLUMNS}`,
        [content.topic, content.question.zh, content.question.en, content.answer.zh, content.answer.en, JSON.stringify(content.links), content.keywords, by],
      );
      const article = articleOf(rows[0] as ArticleRow);
      await recordVersion(client, article, 'created', by);
      return article;
    });
  }

  /** Changes the fields given (a published article stays published, the search takes the new text); nothing changed: no new version. */
  async update(id: string, patch: UpdateArticle, by: string): Promise<Article> {
    return inTransaction(this.database, async (client) => {
      const before = await locked(client, id);
      const after = { ...contentOf(before), ...patch };
      this.#check(after);
      if (JSON.stringify(after) === JSON.stringify(contentOf(before))) return before;
      const { rows } = await client.query<ArticleRow>(
        `UPDATE knowledge_articles SET topic = $2, question_zh = $3, question_en = $4, answer_zh = $5, answer_en = $6, links = $7, keywords = $8,
           version = version + 1, updated_by = $9, updated_at = now() WHERE id = $1 RETURNING ${COLUMNS}`,
        [id, after.topic, after.question.zh, after.question.en, after.answer.zh, after.answer.en, JSON.stringify(after.links), after.keywords, by],
      );
      const article = articleOf(rows[0] as ArticleRow);
      await recordVersion(client, article, 'edited', by);
      return article;
    });
  }

  /** Publishes or unpublishes; already so: unchanged. */
  async setStatus(id: string, status: ArticleStatus, by: string): Promise<Article> {
    return inTransaction(this.database, async (client) => {
      const before = await locked(client, id);
      if (before.status === status) return before;
      // an article whose topic the catalog has dropped since cannot go live again as it is
      if (status === 'published') this.#checkTopic(before.topic);
      const { rows } = await client.query<ArticleRow>(
        `UPDATE knowledge_articles SET status = $2, version = version + 1, updated_by = $3, updated_at = now() WHERE id = $1 RETURNING ${COLUMNS}`,
        [id, status, by],
      );
      const article = articleOf(rows[0] as ArticleRow);
      await recordVersion(client, article, status === 'published' ? 'published' : 'unpublished', by);
      return article;
    });
  }

  /** Every version, newest first. */
  async history(id: string): Promise<ArticleHistory> {
    await this.get(id);
    const { rows } = await this.database.query<{ version: number; kind: ArticleChangeKind; by: string; at: Date; status: ArticleStatus; content: ArticleContent }>(
      'SELECT version, kind, by, at, status, content FROM knowledge_versions WHERE article_id = $1 ORDER BY version DESC',
      [id],
    );
    return { versions: rows.map((r): ArticleVersion => ({ version: r.version, kind: r.kind, by: r.by, at: r.at.toISOString(), status: r.status, content: r.content })) };
  }

  /** The configured limits (each at most the schema's ceiling) and a topic of the published catalog. */
  #check(content: ArticleContent): void {
    const { questionMaxChars, answerMaxChars, keywordsMax, linksMax } = this.limits;
    const tooLong = (what: string, text: string, max: number) => {
      if (text.trim().length === 0) throw new ProtocolError('VALIDATION_FAILED', `The ${what} is empty`, { field: what });
      if (text.length > max) throw new ProtocolError('VALIDATION_FAILED', `The ${what} has at most ${max} characters`, { field: what, max });
    };
    for (const lang of ['zh', 'en'] as const) {
      tooLong(`question (${lang})`, content.question[lang], questionMaxChars);
      tooLong(`answer (${lang})`, content.answer[lang], answerMaxChars);
    }
    if (content.keywords.length > keywordsMax) throw new ProtocolError('VALIDATION_FAILED', `At most ${keywordsMax} keywords`, { field: 'keywords', max: keywordsMax });
    if (content.links.length > linksMax) throw new ProtocolError('VALIDATION_FAILED', `At most ${linksMax} links`, { field: 'links', max: linksMax });
    this.#checkTopic(content.topic);
  }

  #checkTopic(topic: string): void {
    const topics = this.catalog.current.topics.filter((t) => t.active).map((t) => t.id);
    if (!topics.includes(topic)) throw new ProtocolError('VALIDATION_FAILED', `Unknown topic "${topic}"`, { topics });
  }
}

async function locked(client: pg.PoolClient, id: string): Promise<Article> {
  const { rows } = await client.query<ArticleRow>(`SELECT ${COLUMNS} FROM knowledge_articles WHERE id = $1 FOR UPDATE`, [id]);
  if (!rows[0]) throw new ProtocolError('NOT_FOUND', `No article ${id}`);
  return articleOf(rows[0]);
}

async function recordVersion(client: pg.PoolClient, article: Article, kind: ArticleChangeKind, by: string): Promise<void> {
  await client.query('INSERT INTO knowledge_versions (article_id, version, kind, by, status, content) VALUES ($1, $2, $3, $4, $5, $6)', [
    article.id,
    article.version,
    kind,
    by,
    article.status,
    JSON.stringify(contentOf(article)),
  ]);
}
