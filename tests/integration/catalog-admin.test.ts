import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from 'redis';
import type { CatalogAdminView, CatalogContent, CatalogPublication, HelpOptions, OfferEvent } from '@etax-assist/protocol';
import { query } from '../harness/records.js';
import { DEV_PASSWORDS, startTestCluster, type TestCluster, type TestService } from '../harness/service.js';
import { EventLog } from '../harness/events.js';
import { connectSocket, request, type TestSocket } from '../harness/socket.js';

type Answer = { status: number; body: Record<string, unknown> & { error?: { code: string; message: string; details?: unknown } } };

/** Issue 18, item 5: the catalog in PostgreSQL, edited through the admin API, applied by every instance without a restart. */
describe('catalog administration (two instances, real Redis and PostgreSQL)', () => {
  let cluster: TestCluster;
  let one: TestService;
  let two: TestService;
  let admin: string;
  const sockets: TestSocket[] = [];

  const call = async (t: TestService, method: string, path: string, body?: unknown, token = admin): Promise<Answer> => {
    const response = await fetch(`${t.url}${path}`, {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Answer['body'] };
  };
  const current = async () => ((await call(one, 'GET', '/api/admin/catalog')).body as unknown as CatalogAdminView).current;
  const draftOf = async (edit: (content: CatalogContent) => CatalogContent) => {
    const { version, ...content } = await current();
    return { baseVersion: version, catalog: edit(structuredClone(content)) };
  };
  const helpOptions = async (t: TestService) => (await (await fetch(`${t.url}/api/help/options`)).json()) as HelpOptions;
  const connect = async (t: TestService, token: string) => {
    const socket = await connectSocket(t.url, token);
    sockets.push(socket);
    return socket;
  };

  beforeAll(async () => {
    cluster = await startTestCluster(2, { CATALOG_REFRESH_MS: '200', DISPATCH_SWEEP_INTERVAL_MS: '100' });
    [one, two] = cluster.instances as [TestService, TestService];
    admin = await one.staffToken('admin1', 'admin1-pass');
  });
  afterAll(async () => {
    for (const socket of sockets) socket.close();
    await cluster?.stop();
  });

  it('is seeded once from CATALOG_FILE and the environment, and only administrators reach its admin API', async () => {
    const view = (await call(one, 'GET', '/api/admin/catalog')).body as unknown as CatalogAdminView;
    expect(view.current).toMatchObject({
      version: 1,
      serviceLevelS: 60,
      wideningSteps: [{ afterS: 60 }, { afterS: 180 }],
      proficiencySteps: [
        { afterS: 0, minLevel: 3 },
        { afterS: 30, minLevel: 1 },
      ],
    });
    expect(view.current.topics.map((topic) => [topic.id, topic.active])).toEqual([
      ['invoice', true],
      ['refund', true],
      ['social-insurance', true],
      ['registration', true],
    ]);
    expect(view.history).toEqual([{ version: 1, publishedBy: 'seed', publishedAt: expect.any(String), changes: [] }]);
    // two instances started on one database: one seed
    expect(await query(one.postgres.url, 'SELECT version FROM catalog_versions')).toEqual([{ version: 1 }]);

    const supervisor = await one.staffToken('super1', DEV_PASSWORDS.super1);
    const draft = await draftOf((c) => c);
    for (const [method, path, body] of [
      ['GET', '/api/admin/catalog', undefined],
      ['POST', '/api/admin/catalog/preview', draft],
      ['POST', '/api/admin/catalog/versions', draft],
    ] as const) {
      expect(await call(one, method, path, body, supervisor)).toMatchObject({ status: 403, body: { error: { code: 'FORBIDDEN' } } });
      expect((await call(one, method, path, body, '')).status).toBe(401);
    }
  });

  it('refuses what cannot be published, with a clear code', async () => {
    const refusal = async (edit: (content: CatalogContent) => CatalogContent, baseVersion?: number) => {
      const draft = await draftOf(edit);
      const answer = await call(one, 'POST', '/api/admin/catalog/versions', { ...draft, baseVersion: baseVersion ?? draft.baseVersion });
      return { status: answer.status, code: answer.body.error?.code, message: answer.body.error?.message };
    };
    const invoice = { id: 'invoice', label: { zh: '发票', en: 'Invoices' }, active: true };
    expect(await refusal((c) => ({ ...c, topics: [...c.topics, invoice] }))).toMatchObject({
      status: 400,
      code: 'VALIDATION_FAILED',
      message: expect.stringMatching(/"invoice" is listed twice/),
    });
    expect(await refusal((c) => ({ ...c, topics: [...c.topics, { id: 'customs', label: { zh: '海关' }, active: true } as never] }))).toMatchObject({
      status: 400,
      code: 'VALIDATION_FAILED',
    });
    expect(await refusal((c) => ({ ...c, topics: [...c.topics, { ...invoice, id: 'Customs Duty' }] }))).toMatchObject({ status: 400, code: 'VALIDATION_FAILED' });
    expect(
      await refusal((c) => ({
        ...c,
        wideningSteps: [
          { afterS: 60, languages: 'same', topics: 'any' },
          { afterS: 30, languages: 'any', topics: 'any' },
        ],
      })),
    ).toMatchObject({ status: 400, code: 'VALIDATION_FAILED', message: expect.stringMatching(/afterS must be greater/) });
    expect(await refusal((c) => ({ ...c, wideningSteps: [{ afterS: 30, languages: ['fr'], topics: 'any' }] }))).toMatchObject({
      status: 400,
      message: expect.stringMatching(/fr are not in the catalog's languages/),
    });
    const proficiency = (proficiencySteps: CatalogContent['proficiencySteps']) => refusal((c) => ({ ...c, proficiencySteps }));
    expect(
      await proficiency([
        { afterS: 0, minLevel: 2 },
        { afterS: 30, minLevel: 3 },
      ]),
    ).toMatchObject({ status: 400, code: 'VALIDATION_FAILED', message: expect.stringMatching(/proficiencySteps\[1\]: minLevel must be lower/) });
    expect(await proficiency([{ afterS: 10, minLevel: 2 }])).toMatchObject({ status: 400, message: expect.stringMatching(/proficiencySteps\[0\]: afterS must be 0/) });
    expect(await proficiency([{ afterS: 0, minLevel: 6 }])).toMatchObject({ status: 400, code: 'VALIDATION_FAILED' });
    expect(await proficiency([])).toMatchObject({ status: 400, code: 'VALIDATION_FAILED' });
    expect(await refusal((c) => ({ ...c, topics: c.topics.map((t) => ({ ...t, active: false })) }))).toMatchObject({
      status: 400,
      message: expect.stringMatching(/at least one must be active/),
    });
    expect(await refusal((c) => ({ ...c, unknown: 1 }) as CatalogContent)).toMatchObject({ status: 400, code: 'VALIDATION_FAILED' });
    expect(await refusal((c) => c)).toMatchObject({ status: 400, message: expect.stringMatching(/nothing to publish/) });
    expect(await refusal((c) => ({ ...c, serviceLevelS: 45 }), 7)).toMatchObject({ status: 409, code: 'CONFLICT' });
    expect(await query(one.postgres.url, 'SELECT count(*)::int AS n FROM catalog_versions')).toEqual([{ n: 1 }]);
  });

  it('publishes on one instance; the other serves it and routes with its widening steps and service-level target within seconds', async () => {
    const etag = (await fetch(`${two.url}/api/help/options`)).headers.get('etag');
    expect(etag).toBe('"catalog-1"');
    expect((await fetch(`${two.url}/api/help/options`, { headers: { 'if-none-match': etag! } })).status).toBe(304);

    const draft = await draftOf((c) => ({
      ...c,
      topics: [...c.topics, { id: 'customs', label: { zh: '海关', en: 'Customs' }, active: true }],
      outcomes: [...c.outcomes, { id: 'call-back', label: { zh: '回电', en: 'Call back' } }],
      serviceLevelS: 30,
      wideningSteps: [{ afterS: 1, languages: 'same', topics: 'any' }],
      proficiencySteps: [
        { afterS: 0, minLevel: 4 },
        { afterS: 20, minLevel: 1 },
      ],
    }));
    const preview = await call(one, 'POST', '/api/admin/catalog/preview', draft);
    expect(preview.body.changes).toEqual([
      { part: 'topics', id: 'customs', change: 'added', after: { id: 'customs', label: { zh: '海关', en: 'Customs' }, active: true } },
      { part: 'outcomes', id: 'call-back', change: 'added', after: { id: 'call-back', label: { zh: '回电', en: 'Call back' } } },
      { part: 'serviceLevelS', change: 'changed', before: 60, after: 30 },
      { part: 'wideningSteps', change: 'changed', before: expect.any(Array), after: [{ afterS: 1, languages: 'same', topics: 'any' }] },
      { part: 'proficiencySteps', change: 'changed', before: expect.any(Array), after: draft.catalog.proficiencySteps },
    ]);
    const published = await call(one, 'POST', '/api/admin/catalog/versions', draft);
    expect(published.status).toBe(201);
    expect(published.body as unknown as CatalogPublication).toMatchObject({ version: 2, publishedBy: 'admin1', changes: preview.body.changes });

    // the other instance: the new topic offered to taxpayers, the new outcome listed for staff
    await expect.poll(async () => (await helpOptions(two)).topics.map((t) => t.id), { timeout: 5000, interval: 100 }).toContain('customs');
    expect((await fetch(`${two.url}/api/help/options`, { headers: { 'if-none-match': etag! } })).status).toBe(200);
    const agent1 = await two.staffToken('agent1', DEV_PASSWORDS.agent1);
    const staffCatalog = await (await fetch(`${two.url}/api/catalog`, { headers: { authorization: `Bearer ${agent1}` } })).json();
    expect(staffCatalog).toMatchObject({ version: 2, serviceLevelS: 30, proficiencySteps: draft.catalog.proficiencySteps });
    expect((staffCatalog as CatalogContent).outcomes.map((o) => o.id)).toContain('call-back');

    // routing: no agent knows customs; after the new 1 s step any topic in zh will do (the old first step was 60 s)
    const agent = await connect(one, agent1);
    const agentLog = new EventLog(agent);
    await request(agent, 'agent:status', { status: 'available' });
    const taxpayer = await connect(two, two.taxpayerToken({ sub: 'tp-customs' }));
    const asked = await request(taxpayer, 'help:request', { language: 'zh', topic: 'customs', channel: 'text', entry: { kind: 'portal', page: '/' } });
    if (!asked.ok) throw new Error(asked.error.message);
    const startedAt = Date.now();
    const offer = await agentLog.next<OfferEvent>('offer:new', (o) => o.session.sessionId === asked.result.sessionId, 5000);
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(900);
    expect(offer.session.topic).toBe('customs');

    const redis = createClient({ url: cluster.redis.url });
    await redis.connect();
    try {
      expect(await redis.hmGet('dp:config', ['catalogVersion', 'serviceLevelMs'])).toEqual(['2', '30000']);
    } finally {
      await redis.close();
    }
    const accepted = await request(agent, 'offer:accept', { offerId: offer.offerId });
    expect(accepted.ok).toBe(true);
  });

  it('lets a topic in use by open sessions be deactivated, not removed; an inactive topic is offered to no one new', async () => {
    const removed = await call(one, 'POST', '/api/admin/catalog/versions', await draftOf((c) => ({ ...c, topics: c.topics.filter((t) => t.id !== 'customs') })));
    expect(removed).toMatchObject({ status: 409, body: { error: { code: 'CONFLICT', details: { part: 'topics', inUse: ['customs'] } } } });

    const deactivated = await call(
      one,
      'POST',
      '/api/admin/catalog/versions',
      await draftOf((c) => ({ ...c, topics: c.topics.map((t) => (t.id === 'customs' ? { ...t, active: false } : t)) })),
    );
    expect(deactivated.body).toMatchObject({ version: 3, changes: [{ part: 'topics', id: 'customs', change: 'changed' }] });
    await expect.poll(async () => (await helpOptions(two)).topics.map((t) => t.id), { timeout: 5000, interval: 100 }).not.toContain('customs');
    const taxpayer = await connect(two, two.taxpayerToken({ sub: 'tp-customs-2' }));
    const refused = await request(taxpayer, 'help:request', { language: 'zh', topic: 'customs', channel: 'text', entry: { kind: 'portal', page: '/' } });
    expect(refused).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });

    const { history } = (await call(two, 'GET', '/api/admin/catalog')).body as unknown as CatalogAdminView;
    expect(history.map((h) => [h.version, h.publishedBy])).toEqual([
      [3, 'admin1'],
      [2, 'admin1'],
      [1, 'seed'],
    ]);
    // the history is append-only
    await expect(query(one.postgres.url, 'DELETE FROM catalog_versions WHERE version = 1')).rejects.toThrow(/append-only/);
  });

  it('reads a version published before routing by proficiency as asking anyone serving the topic from the start', async () => {
    const [latest] = await query<{ content: CatalogContent }>(one.postgres.url, 'SELECT content FROM catalog_versions ORDER BY version DESC LIMIT 1');
    const older: Partial<CatalogContent> = { ...latest!.content };
    delete older.proficiencySteps;
    await query(one.postgres.url, `INSERT INTO catalog_versions (version, content, published_by, changes) VALUES (4, $1, 'admin1', '[]')`, [JSON.stringify(older)]);
    const view = (await call(one, 'GET', '/api/admin/catalog')).body as unknown as CatalogAdminView;
    expect(view.current).toMatchObject({ version: 4, proficiencySteps: [{ afterS: 0, minLevel: 1 }] });
  });
});
