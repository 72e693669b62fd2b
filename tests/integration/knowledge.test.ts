import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  Article,
  ArticleContent,
  ArticleHistory,
  DeflectionFigures,
  FailingArticles,
  KnowledgeSearchResult,
  OfferEvent,
  RecordSession,
  SessionRecord,
} from '@etax-assist/protocol';
import { query } from '../harness/records.js';
import { DEV_PASSWORDS, startTestService, type TestService } from '../harness/service.js';
import { TestClients, request, requestOk } from '../harness/socket.js';

const refund: ArticleContent = {
  topic: 'refund',
  question: { zh: '个税年度汇算退税怎么申请？', en: 'How do I claim an income tax refund?' },
  answer: { zh: '登录个人所得税App，进入年度汇算，提交后申请退税。', en: 'Sign in to the IIT app, open the annual reconciliation, submit and claim the refund.' },
  links: [{ url: '/iit/reconciliation', label: { zh: '去办理', en: 'Go to the service' } }],
  keywords: ['退钱', '汇算'],
};

/** Issue 21, items 1–4: the knowledge base in PostgreSQL, its editors' API, the taxpayer's search and feedback, the question on the help request. */
describe('knowledge base (real Redis and PostgreSQL)', () => {
  let t: TestService;
  let editor: string;
  let taxpayer: string;
  const clients = new TestClients(() => t.url);

  const call = async <T = Record<string, unknown>>(method: string, path: string, body?: unknown, token = editor) => {
    const response = await fetch(`${t.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : {}) as T & { error?: { code: string; message: string } } };
  };
  const search = (q: string, lang = 'zh', token = taxpayer) =>
    call<KnowledgeSearchResult>('GET', `/api/knowledge/search?lang=${lang}&q=${encodeURIComponent(q)}`, undefined, token);

  beforeAll(async () => {
    t = await startTestService({
      KNOWLEDGE_QUESTION_MAX_CHARS: '40',
      KNOWLEDGE_KEYWORDS_MAX: '3',
      KNOWLEDGE_SEARCH_QUERY_MAX_CHARS: '30',
      KNOWLEDGE_SEARCH_PER_MINUTE: '8',
      HELP_QUESTION_MAX_CHARS: '50',
    });
    editor = await t.staffToken('super1', DEV_PASSWORDS.super1);
    taxpayer = t.taxpayerToken({ sub: 'tp-kb' });
  });
  afterAll(async () => {
    clients.closeAll();
    await t?.stop();
  });

  it('keeps a draft out of the search until it is published, and each change as a version', async () => {
    const created = await call<Article>('POST', '/api/knowledge/articles', refund);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ status: 'draft', version: 1, createdBy: 'super1', ...refund });
    const id = created.body.id;
    expect((await search('退钱')).body.answers).toEqual([]);

    const published = await call<Article>('POST', `/api/knowledge/articles/${id}/publish`);
    expect(published.body).toMatchObject({ status: 'published', version: 2 });
    // colloquial, in either language, with a typo
    expect((await search('我想退钱')).body.answers[0]).toMatchObject({ articleId: id, question: refund.question.zh, links: [{ url: '/iit/reconciliation', label: '去办理' }] });
    expect((await search('income tax refnd', 'en')).body.answers[0]).toMatchObject({ articleId: id, question: refund.question.en });

    const edited = await call<Article>('PATCH', `/api/knowledge/articles/${id}`, { answer: { ...refund.answer, en: 'Open the annual reconciliation in the IIT app.' } });
    expect(edited.body).toMatchObject({ status: 'published', version: 3 });
    expect((await search('refund', 'en')).body.answers[0]?.answer).toBe('Open the annual reconciliation in the IIT app.');
    // the same content again: no new version
    expect((await call<Article>('PATCH', `/api/knowledge/articles/${id}`, { topic: 'refund' })).body.version).toBe(3);

    const history = await call<ArticleHistory>('GET', `/api/knowledge/articles/${id}/history`);
    expect(history.body.versions.map((v) => [v.version, v.kind, v.status, v.by])).toEqual([
      [3, 'edited', 'published', 'super1'],
      [2, 'published', 'published', 'super1'],
      [1, 'created', 'draft', 'super1'],
    ]);
    expect(history.body.versions[2]?.content.answer.en).toBe(refund.answer.en);
    await expect(query(t.postgres.url, 'DELETE FROM knowledge_versions')).rejects.toThrow(/append-only/);

    await call('POST', `/api/knowledge/articles/${id}/unpublish`);
    expect((await search('退钱')).body.answers).toEqual([]);
    await call('POST', `/api/knowledge/articles/${id}/publish`);

    const listed = await call<{ articles: Article[] }>('GET', '/api/knowledge/articles?q=%E6%B1%87%E7%AE%97&status=published');
    expect(listed.body.articles.map((a) => a.id)).toEqual([id]);
  });

  it('refuses what breaks its limits, an unknown topic and the wrong roles', async () => {
    const tooLong = await call('POST', '/api/knowledge/articles', { ...refund, question: { ...refund.question, zh: '问'.repeat(41) } });
    expect(tooLong).toMatchObject({ status: 400, body: { error: { code: 'VALIDATION_FAILED' } } });
    expect(await call('POST', '/api/knowledge/articles', { ...refund, keywords: ['a', 'b', 'c', 'd'] })).toMatchObject({
      status: 400,
      body: { error: { code: 'VALIDATION_FAILED' } },
    });
    expect(await call('POST', '/api/knowledge/articles', { ...refund, topic: 'astrology' })).toMatchObject({ status: 400, body: { error: { code: 'VALIDATION_FAILED' } } });
    expect(await call('POST', '/api/knowledge/articles', { ...refund, extra: 1 })).toMatchObject({ status: 400 });
    expect(await call('GET', '/api/knowledge/articles/999999')).toMatchObject({ status: 404, body: { error: { code: 'NOT_FOUND' } } });
    // the taxpayer and an agent edit nothing; an editor does not search as a taxpayer
    expect((await call('GET', '/api/knowledge/articles', undefined, taxpayer)).status).toBe(403);
    expect((await call('POST', '/api/knowledge/articles', refund, await t.staffToken('agent1', DEV_PASSWORDS.agent1))).status).toBe(403);
    expect((await search('退税', 'zh', editor)).status).toBe(403);
    expect(await search('退'.repeat(31))).toMatchObject({ status: 400, body: { error: { code: 'VALIDATION_FAILED' } } });
  });

  it('limits the searches of one taxpayer a minute', async () => {
    const own = t.taxpayerToken({ sub: 'tp-rate' });
    const statuses: number[] = [];
    for (let i = 0; i < 9; i++) statuses.push((await search(`退税 ${i}`, 'zh', own)).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200, 200, 200, 429]);
    // another taxpayer is not held back by it
    expect((await search('退税', 'zh', t.taxpayerToken({ sub: 'tp-other' }))).status).toBe(200);
  });

  it('counts what taxpayers said of the answers, by topic today and by day, and lists those that did not answer', async () => {
    const [hit] = (await search('退钱')).body.answers;
    if (!hit) throw new Error('no answer');
    for (const outcome of ['answered', 'still-need-person', 'still-need-person'] as const) {
      expect((await call('POST', '/api/knowledge/feedback', { articleId: hit.articleId, outcome }, taxpayer)).status).toBe(204);
    }
    const draft = await call<Article>('POST', '/api/knowledge/articles', { ...refund, question: { zh: '草稿', en: 'Draft' } });
    expect(await call('POST', '/api/knowledge/feedback', { articleId: draft.body.id, outcome: 'answered' }, taxpayer)).toMatchObject({ status: 404 });
    expect((await call('POST', '/api/knowledge/feedback', { articleId: hit.articleId, outcome: 'maybe' }, taxpayer)).status).toBe(400);

    expect((await call<DeflectionFigures>('GET', '/api/knowledge/deflection/today')).body.rows).toEqual([{ topic: 'refund', answered: 1, stillNeedPerson: 2 }]);
    const day = new Date(Date.now() + 480 * 60_000).toISOString().slice(0, 10);
    expect((await call<DeflectionFigures>('GET', `/api/reports/deflection?from=${day}&to=${day}`)).body.rows).toEqual([{ day, topic: 'refund', answered: 1, stillNeedPerson: 2 }]);
    expect((await call<FailingArticles>('GET', '/api/knowledge/failing')).body.articles).toEqual([
      { articleId: hit.articleId, topic: 'refund', question: refund.question, answered: 1, stillNeedPerson: 2 },
    ]);
  });

  it('queues a help request with the question attached: on the offer, the card and the record (retention clears it: records-retention.test.ts)', async () => {
    const agent = await clients.connect(await t.staffToken('agent1', DEV_PASSWORDS.agent1));
    await requestOk(agent.socket, 'agent:status', { status: 'available' });
    const asking = await clients.connect(t.taxpayerToken({ sub: 'tp-question' }));
    const long = await request(asking.socket, 'help:request', {
      language: 'zh',
      topic: 'refund',
      channel: 'text',
      entry: { kind: 'portal', page: '/' },
      question: '问'.repeat(51),
    });
    expect(long).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
    const asked = await requestOk(asking.socket, 'help:request', {
      language: 'zh',
      topic: 'refund',
      channel: 'text',
      entry: { kind: 'portal', page: '/' },
      question: '  退税一直没到账  ',
    });
    const offer = await agent.log.next<OfferEvent>('offer:new');
    expect(offer.session).toMatchObject({ sessionId: asked.sessionId, question: '退税一直没到账' });
    const card = await requestOk(agent.socket, 'offer:accept', { offerId: offer.offerId });
    expect(card.question).toBe('退税一直没到账');
    await requestOk(agent.socket, 'session:end', { sessionId: asked.sessionId });
    await requestOk(agent.socket, 'session:wrap-up', { sessionId: asked.sessionId, outcome: 'resolved', notes: '' });

    const supervisor = editor;
    let record: RecordSession | undefined;
    for (let i = 0; i < 100 && !record; i++) {
      const read = await call<SessionRecord>('GET', `/api/records/sessions/${asked.sessionId}`, undefined, supervisor);
      if (read.status === 200) record = read.body.session;
      else await new Promise((r) => setTimeout(r, 100));
    }
    expect(record?.question).toBe('退税一直没到账');
  });
});
