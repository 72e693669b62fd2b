import {
  Article,
  ArticleHistory,
  ArticleList,
  DeflectionFigures,
  FailingArticles,
  type ArticleContent,
  type ArticleListQuery,
  type DeflectionReportQuery,
  type UpdateArticle,
} from '@etax-assist/protocol';
import { bearer, call } from '../api.js';

/** The knowledge base's API for the console (protocol/src/knowledge.ts, docs/knowledge.md). */

const json = (token: string, method: string, body?: unknown) => ({
  method,
  headers: { ...bearer(token).headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
  ...(body === undefined ? {} : { body: JSON.stringify(body) }),
});

export function listArticles(token: string, query: ArticleListQuery): Promise<ArticleList> {
  const params = new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v)]));
  return call(`/api/knowledge/articles?${params}`, bearer(token), ArticleList);
}

export function createArticle(token: string, content: ArticleContent): Promise<Article> {
  return call('/api/knowledge/articles', json(token, 'POST', content), Article);
}

export function updateArticle(token: string, id: string, patch: UpdateArticle): Promise<Article> {
  return call(`/api/knowledge/articles/${id}`, json(token, 'PATCH', patch), Article);
}

export function setArticlePublished(token: string, id: string, published: boolean): Promise<Article> {
  return call(`/api/knowledge/articles/${id}/${published ? 'publish' : 'unpublish'}`, json(token, 'POST'), Article);
}

export function articleHistory(token: string, id: string): Promise<ArticleHistory> {
  return call(`/api/knowledge/articles/${id}/history`, bearer(token), ArticleHistory);
}

export function failingArticles(token: string): Promise<FailingArticles> {
  return call('/api/knowledge/failing', bearer(token), FailingArticles);
}

export function deflectionToday(token: string): Promise<DeflectionFigures> {
  return call('/api/knowledge/deflection/today', bearer(token), DeflectionFigures);
}

export function deflectionReport(token: string, query: DeflectionReportQuery): Promise<DeflectionFigures> {
  return call(`/api/reports/deflection?${new URLSearchParams(query)}`, bearer(token), DeflectionFigures);
}
