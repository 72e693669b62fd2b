import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import {
  Article,
  ArticleContent,
  ArticleHistory,
  ArticleList,
  ArticleListQuery,
  ArticleParams,
  DeflectionFigures,
  DeflectionReportQuery,
  FailingArticles,
  HttpErrorResponse,
  KnowledgeFeedback,
  KnowledgeSearchQuery,
  KnowledgeSearchResult,
  ProtocolError,
  UpdateArticle,
} from '@etax-assist/protocol';
import { principalOf } from '../auth/http-guard.js';
import type { Config } from '../config/env.js';
import type { Deflection } from './deflection.js';
import type { KnowledgeStore } from './knowledge-store.js';
import type { LiveKnowledge } from './live-knowledge.js';
import type { MinuteQuota } from './minute-quota.js';

export interface KnowledgeRoutesOptions {
  store: KnowledgeStore;
  live: LiveKnowledge;
  deflection: Deflection;
  quotas: { search: MinuteQuota; feedback: MinuteQuota };
  limits: Pick<Config['knowledge'], 'searchQueryMaxChars' | 'searchResults'>;
}

/** Who edits the knowledge base and reads its figures (docs/roles.md). */
const EDITORS = ['supervisor', 'admin'] as const;
const errors = { '4xx': HttpErrorResponse, '5xx': HttpErrorResponse };

/** The knowledge base's API (protocol/src/knowledge.ts): the editors', the taxpayer's search and feedback, the deflection figures. */
export async function knowledgeRoutes(app: FastifyInstance, { store, live, deflection, quotas, limits }: KnowledgeRoutesOptions): Promise<void> {
  app.get<{ Querystring: ArticleListQuery }>(
    '/api/knowledge/articles',
    { config: { auth: EDITORS }, schema: { querystring: ArticleListQuery, response: { 200: ArticleList, ...errors } } },
    async (request) => store.list(request.query),
  );
  app.post<{ Body: ArticleContent }>(
    '/api/knowledge/articles',
    { config: { auth: EDITORS }, schema: { body: ArticleContent, response: { 201: Article, ...errors } } },
    async (request, reply) => {
      const article = await store.create(request.body, principalOf(request).sub);
      request.log.info({ articleId: article.id, topic: article.topic }, 'knowledge article created');
      return reply.code(201).send(article);
    },
  );
  app.get<{ Params: ArticleParams }>(
    '/api/knowledge/articles/:id',
    { config: { auth: EDITORS }, schema: { params: ArticleParams, response: { 200: Article, ...errors } } },
    async (request) => store.get(request.params.id),
  );
  app.patch<{ Params: ArticleParams; Body: UpdateArticle }>(
    '/api/knowledge/articles/:id',
    { config: { auth: EDITORS }, schema: { params: ArticleParams, body: UpdateArticle, response: { 200: Article, ...errors } } },
    async (request) => {
      const article = await store.update(request.params.id, request.body, principalOf(request).sub);
      if (article.status === 'published') await live.refresh();
      request.log.info({ articleId: article.id, version: article.version }, 'knowledge article edited');
      return article;
    },
  );
  for (const [action, status] of [
    ['publish', 'published'],
    ['unpublish', 'draft'],
  ] as const) {
    app.post<{ Params: ArticleParams }>(
      `/api/knowledge/articles/:id/${action}`,
      { config: { auth: EDITORS }, schema: { params: ArticleParams, response: { 200: Article, ...errors } } },
      async (request) => {
        const article = await store.setStatus(request.params.id, status, principalOf(request).sub);
        await live.refresh();
        request.log.info({ articleId: article.id, version: article.version }, `knowledge article ${action}ed`);
        return article;
      },
    );
  }
  app.get<{ Params: ArticleParams }>(
    '/api/knowledge/articles/:id/history',
    { config: { auth: EDITORS }, schema: { params: ArticleParams, response: { 200: ArticleHistory, ...errors } } },
    async (request) => store.history(request.params.id),
  );
  app.get('/api/knowledge/failing', { config: { auth: EDITORS }, schema: { response: { 200: FailingArticles, ...errors } } }, () => deflection.failing());
  app.get('/api/knowledge/deflection/today', { config: { auth: ['supervisor'] }, schema: { response: { 200: DeflectionFigures, ...errors } } }, () => deflection.today());
  app.get<{ Querystring: DeflectionReportQuery }>(
    '/api/reports/deflection',
    { config: { auth: EDITORS }, schema: { querystring: DeflectionReportQuery, response: { 200: DeflectionFigures, ...errors } } },
    async (request) => deflection.report(request.query),
  );

  // The taxpayer's browser is untrusted: only published articles, bounded text, a rate per taxpayer.
  app.get<{ Querystring: KnowledgeSearchQuery }>(
    '/api/knowledge/search',
    { config: { auth: ['taxpayer'] }, schema: { querystring: KnowledgeSearchQuery, response: { 200: KnowledgeSearchResult, ...errors } } },
    async (request) => {
      const { q } = request.query;
      if (q.length > limits.searchQueryMaxChars) {
        throw new ProtocolError('VALIDATION_FAILED', `A search has at most ${limits.searchQueryMaxChars} characters`, { maxChars: limits.searchQueryMaxChars });
      }
      await quotas.search.take(principalOf(request).sub);
      return { answers: live.search(request.query, limits.searchResults) };
    },
  );
  app.post<{ Body: KnowledgeFeedback }>(
    '/api/knowledge/feedback',
    { config: { auth: ['taxpayer'] }, schema: { body: KnowledgeFeedback, response: { 204: Type.Null(), ...errors } } },
    async (request, reply) => {
      const { articleId, outcome } = request.body;
      const article = live.published(articleId);
      if (!article) throw new ProtocolError('NOT_FOUND', `No published article ${articleId}`);
      await quotas.feedback.take(principalOf(request).sub);
      await deflection.record(article.id, article.topic, outcome);
      request.log.info({ articleId, topic: article.topic, outcome }, 'self-service feedback');
      return reply.code(204).send();
    },
  );
}
