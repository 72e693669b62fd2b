import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jwt from 'jsonwebtoken';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HTTP_STATUS_OF, type ErrorCode } from '@etax-assist/protocol';
import { hs256WithPublicKey } from '../harness/algorithm-confusion.js';
import { BAD_TOKENS } from '../harness/bad-tokens.js';
import { connectSocket } from '../harness/socket.js';
import { CLUSTER_SECRETS, DEV_PASSWORDS, METRICS_TOKEN, startTestService, type TestService } from '../harness/service.js';

describe('HTTP API against a real service (Redis, mediasoup)', () => {
  let t: TestService;
  beforeAll(async () => {
    t = await startTestService({ ...CLUSTER_SECRETS, HTTP_BODY_LIMIT_BYTES: '2048' });
  });
  afterAll(() => t?.stop());

  const get = (path: string, token?: string) => fetch(`${t.url}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  const post = (path: string, body: unknown) =>
    fetch(`${t.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });

  it('reports healthy when Redis answers and every worker is alive: the details only to the metrics token', async () => {
    const response = await get('/healthz');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
    expect(await (await get('/healthz', 'not-the-metrics-token')).json()).toEqual({ status: 'ok' });
    const detailed = await get('/healthz', METRICS_TOKEN);
    expect(await detailed.json()).toEqual({
      status: 'ok',
      instance: t.service.app.registry.id,
      checks: { redis: { ok: true }, database: { ok: true }, mediasoup: { ok: true }, outbox: { ok: true } },
    });
  });

  it('serves Prometheus metrics including the mediasoup gauges, only with the metrics token', async () => {
    expect(await get('/metrics')).toMatchObject({ status: 401 });
    expect(await get('/metrics', 'not-the-metrics-token')).toMatchObject({ status: 401 });
    // a staff token is no metrics token
    expect(await get('/metrics', await t.staffToken('super1', DEV_PASSWORDS.super1))).toMatchObject({ status: 401 });
    const text = await t.metricsText();
    expect(text).toMatch(/^etax_mediasoup_workers_alive 1$/m);
    expect(text).toMatch(/^etax_mediasoup_rooms 0$/m);
    expect(text).toContain('etax_process_cpu_seconds_total');
  });

  it('signs staff in with the dev login and knows who they are', async () => {
    const token = await t.staffToken('agent1', DEV_PASSWORDS.agent1);
    const response = await get('/api/auth/me', token);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      principal: { sub: 'agent1', role: 'agent', name: '王敏 Wang Min', languages: ['zh', 'en'], topics: ['invoice', 'refund'] },
    });
  });

  it('accepts a portal taxpayer token on the API', async () => {
    const response = await get('/api/auth/me', t.taxpayerToken());
    expect(response.status).toBe(200);
    expect(((await response.json()) as { principal: { role: string } }).principal.role).toBe('taxpayer');
  });

  it.each(BAD_TOKENS.map((bad) => [bad.name, bad] as const))('refuses a %s token with its status, code and reason', async (_name, bad) => {
    const response = await get('/api/auth/me', bad.make(t));
    expect(response.status).toBe(HTTP_STATUS_OF[bad.code as ErrorCode]);
    const { error } = (await response.json()) as { error: { code: string; message: string } };
    expect(error).toEqual({ code: bad.code, message: expect.stringMatching(bad.message) });
  });

  it('refuses a malformed Authorization header', async () => {
    const response = await fetch(`${t.url}/api/auth/me`, { headers: { authorization: 'Basic abc' } });
    expect(response.status).toBe(401);
  });

  it.each([
    ['wrong password', { username: 'agent1', password: 'nope' }, 401, 'UNAUTHENTICATED'],
    ['missing field', { username: 'agent1' }, 400, 'VALIDATION_FAILED'],
    ['extra field', { username: 'agent1', password: 'x', admin: true }, 400, 'VALIDATION_FAILED'],
    ['broken JSON', '{"username":', 400, 'BAD_REQUEST'],
    ['body over HTTP_BODY_LIMIT_BYTES', { username: 'agent1', password: 'x'.repeat(4000) }, 413, 'PAYLOAD_TOO_LARGE'],
  ])('answers a dev login with %s clearly', async (_name, body, status, code) => {
    const response = await post('/api/auth/dev-login', body);
    expect(response.status).toBe(status);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe(code);
  });

  it('answers unknown routes with 404 NOT_FOUND', async () => {
    const response = await get('/api/nothing-here');
    expect(response.status).toBe(404);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('NOT_FOUND');
  });

  it('mints demo taxpayer tokens the service accepts, with a stable id per identity', async () => {
    const body = { name: '李娜', taxpayerId: '91310000MA1K000002' };
    const first = (await (await post('/demo/api/token', body)).json()) as { token: string };
    const second = (await (await post('/demo/api/token', body)).json()) as { token: string };
    const me = (await (await get('/api/auth/me', first.token)).json()) as { principal: { sub: string; name: string } };
    expect(me.principal.name).toBe('李娜');
    expect(jwt.decode(second.token, { json: true })?.sub).toBe(me.principal.sub);
    expect((await post('/demo/api/token', { name: '' })).status).toBe(400);
  });

  it('serves the SDK bundle, the console and the demo portal', async () => {
    expect((await get('/sdk/etax-assist.js')).status).toBe(200);
    expect(await (await get('/console/')).text()).toContain('<div id="app">');
    expect(await (await get('/demo/')).text()).toContain('/sdk/etax-assist.js');
  });

  it('turns /healthz to 503 while a mediasoup worker is dead, and back once it is replaced', async () => {
    const replaced = new Promise((resolve) => t.service.pool.once('workerreplaced', resolve));
    const [worker] = await t.service.pool.workerStats();
    process.kill(worker!.pid, 'SIGKILL');
    await expect.poll(async () => (await get('/healthz')).status).toBe(503);
    expect(await (await get('/healthz')).json()).toEqual({ status: 'unavailable' });
    await replaced;
    expect((await get('/healthz')).status).toBe(200);
  });

  it('turns /healthz to 503 when Redis goes away, and back when it returns', async () => {
    await t.redis.redis.stop();
    const down = await get('/healthz');
    expect(down.status).toBe(503);
    // nothing internal (the Redis error text) for the public
    expect(await down.json()).toEqual({ status: 'unavailable' });
    const detailed = await get('/healthz', METRICS_TOKEN);
    expect(((await detailed.json()) as { checks: { redis: { ok: boolean } } }).checks.redis.ok).toBe(false);
    await t.redis.restart();
    await expect.poll(async () => (await get('/healthz')).status, { timeout: 10_000 }).toBe(200);
  });

  it('reports a stopped database in the details, and stays 200 (routing runs on Redis); reachable again once it is back', async () => {
    await t.postgres.pause();
    const down = await get('/healthz');
    expect(down.status).toBe(200);
    expect(await down.json()).toEqual({ status: 'ok' });
    const detailed = (await (await get('/healthz', METRICS_TOKEN)).json()) as { checks: { database: { ok: boolean; detail?: string } } };
    expect(detailed.checks.database.ok).toBe(false);
    expect(detailed.checks.database.detail).toBeTruthy();
    await t.postgres.start();
    await expect.poll(async () => ((await (await get('/healthz', METRICS_TOKEN)).json()) as typeof detailed).checks.database.ok, { timeout: 10_000 }).toBe(true);
  });
});

describe('metrics on a separate listener (METRICS_PORT), and no token', () => {
  it("serves /metrics and the detailed /healthz there without a token, and not on the service's port", async () => {
    const t = await startTestService({ METRICS_TOKEN: '', METRICS_PORT: '0' });
    try {
      expect(t.service.metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const scraped = await fetch(`${t.service.metricsUrl}/metrics`);
      expect(scraped.status).toBe(200);
      expect(await scraped.text()).toMatch(/^etax_mediasoup_workers_alive 1$/m);
      expect(await (await fetch(`${t.service.metricsUrl}/healthz`)).json()).toMatchObject({ status: 'ok', instance: t.service.app.registry.id });
      // without METRICS_TOKEN the service's own port has no metrics for anyone
      const refused = await fetch(`${t.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
      expect(refused.status).toBe(403);
      expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('FORBIDDEN');
      expect(await (await fetch(`${t.url}/healthz`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).json()).toEqual({ status: 'ok' });
    } finally {
      await t.stop();
    }
  });
});

describe('production mode', () => {
  it('has no dev login and no demo portal', async () => {
    const t = await startTestService({
      NODE_ENV: 'production',
      STAFF_JWT_SECRET: 's'.repeat(40),
      PORTAL_JWT_SECRET: 'p'.repeat(40),
    });
    try {
      const login = await fetch(`${t.url}/api/auth/dev-login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      expect(login.status).toBe(404);
      expect((await fetch(`${t.url}/demo/api/token`, { method: 'POST' })).status).toBe(404);
      expect((await fetch(`${t.url}/demo/`)).status).toBe(404);
    } finally {
      await t.stop();
    }
  });
});

describe('portal tokens signed with RS256', () => {
  it('accepts tokens signed with the private key of the configured public key, and refuses HS256 ones (even keyed with that public key)', async () => {
    const pair = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      publicKeyEncoding: { type: 'spki', format: 'pem' },
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    });
    const keyFile = join(mkdtempSync(join(tmpdir(), 'etax-key-')), 'portal.pub.pem');
    writeFileSync(keyFile, pair.publicKey);
    const t = await startTestService({ PORTAL_JWT_ALG: 'RS256', PORTAL_JWT_PUBLIC_KEY_FILE: keyFile });
    try {
      const claims = { sub: 'rs-user', role: 'taxpayer', name: '王芳' };
      const good = jwt.sign(claims, pair.privateKey, { algorithm: 'RS256', issuer: 'etax-portal', audience: 'etax-assist', expiresIn: 60 });
      const me = await fetch(`${t.url}/api/auth/me`, { headers: { authorization: `Bearer ${good}` } });
      expect(me.status).toBe(200);
      const hs = jwt.sign(claims, 'h'.repeat(40), { algorithm: 'HS256', issuer: 'etax-portal', audience: 'etax-assist', expiresIn: 60 });
      const refused = await fetch(`${t.url}/api/auth/me`, { headers: { authorization: `Bearer ${hs}` } });
      expect(refused.status).toBe(401);
      // HS256 keyed with the public key's text (algorithm confusion): refused for its algorithm, over HTTP and at connect
      const confused = hs256WithPublicKey(claims, pair.publicKey);
      const confusedMe = await fetch(`${t.url}/api/auth/me`, { headers: { authorization: `Bearer ${confused}` } });
      expect(confusedMe.status).toBe(401);
      expect(((await confusedMe.json()) as { error: unknown }).error).toEqual({ code: 'TOKEN_INVALID', message: expect.stringMatching(/invalid algorithm/) });
      await expect(connectSocket(t.url, confused)).rejects.toMatchObject({ code: 'TOKEN_INVALID', message: expect.stringMatching(/invalid algorithm/) });
      // The demo portal has no private key here, so it cannot mint tokens: a clear 503.
      const demo = await fetch(`${t.url}/demo/api/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":"x"}' });
      expect(demo.status).toBe(503);
    } finally {
      await t.stop();
    }
  });
});
