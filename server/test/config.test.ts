import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config/env.js';

describe('loadConfig', () => {
  it('has working defaults for a development start', () => {
    const config = loadConfig({});
    expect(config.port).toBe(8080);
    expect(config.redis.url).toBeUndefined();
    expect(config.redis.embeddedPort).toBe(6380);
    expect(config.auth.devLogin).toBe(true);
    expect(config.demoPortal).toBe(true);
    expect(config.mediasoup.rtcBasePort).toBe(40000);
    expect(config.catalog.seed.topics.map((topic) => topic.id)).toContain('refund');
    // the demo portal's kiosk and green channel work out of the box
    expect(config.helpRequest).toEqual({ clientPriorityAllowed: true, questionMaxChars: 500 });
    expect(config.knowledge).toMatchObject({ searchQueryMaxChars: 200, searchPerMinute: 60, searchResults: 3 });
  });

  it('reports every invalid variable at once', () => {
    try {
      loadConfig({
        PORT: 'eighty',
        LOG_LEVEL: 'loud',
        REDIS_URL: 'not a url',
        DEV_LOGIN: 'maybe',
        TOPICS: 'Bad Topic',
        KNOWLEDGE_SEARCH_PER_MINUTE: '0',
        HELP_QUESTION_MAX_CHARS: '5000',
      });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const problems = (error as ConfigError).problems.join('\n');
      for (const name of ['PORT', 'LOG_LEVEL', 'REDIS_URL', 'DEV_LOGIN', 'TOPICS', 'KNOWLEDGE_SEARCH_PER_MINUTE', 'HELP_QUESTION_MAX_CHARS']) expect(problems).toContain(name);
    }
  });

  it('takes portal origins as origins only: scheme, host and port, without a path', () => {
    expect(loadConfig({ PORTAL_ORIGINS: 'https://etax.example.gov.cn, http://localhost:3000/' }).portal.origins).toEqual(['https://etax.example.gov.cn', 'http://localhost:3000']);
    expect(() => loadConfig({ PORTAL_ORIGINS: 'https://etax.example.gov.cn/portal,etax.example.gov.cn,ftp://files.example' })).toThrow(
      /https:\/\/etax\.example\.gov\.cn\/portal is not an origin[\s\S]*etax\.example\.gov\.cn is not an origin[\s\S]*ftp:\/\/files\.example is not an origin/,
    );
    expect(loadConfig({}).portal).toMatchObject({ origins: [], preflightMaxAgeS: 600 });
  });

  it('refuses a production start without secrets, and turns dev conveniences off there', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/STAFF_JWT_SECRET is required/);
    const config = loadConfig({
      NODE_ENV: 'production',
      STAFF_JWT_SECRET: 'x'.repeat(32),
      PORTAL_JWT_SECRET: 'y'.repeat(32),
    });
    expect(config.auth.devLogin).toBe(false);
    expect(config.demoPortal).toBe(false);
    // a portal page cannot choose the green channel or claim to be a kiosk unless configured
    expect(config.helpRequest).toEqual({ clientPriorityAllowed: false, questionMaxChars: 500 });
  });

  it('refuses short secrets and ports out of range', () => {
    expect(() => loadConfig({ STAFF_JWT_SECRET: 'short' })).toThrow(/at least 32/);
    expect(() => loadConfig({ MEDIASOUP_RTC_BASE_PORT: '80' })).toThrow(/MEDIASOUP_RTC_BASE_PORT/);
  });

  it('checks the settings of several instances and of the embedded Redis', () => {
    expect(loadConfig({}).cluster).toMatchObject({ instanceId: undefined, heartbeatIntervalMs: 1000, heartbeatTimeoutMs: 5000 });
    expect(loadConfig({}).redis.appendfsync).toBe('everysec');
    expect(() => loadConfig({ INSTANCE_ID: 'bad id!' })).toThrow(/INSTANCE_ID/);
    expect(() => loadConfig({ INSTANCE_HEARTBEAT_INTERVAL_MS: '1000', INSTANCE_HEARTBEAT_TIMEOUT_MS: '1500' })).toThrow(/at least twice/);
    expect(() => loadConfig({ REDIS_APPENDFSYNC: 'sometimes' })).toThrow(/REDIS_APPENDFSYNC/);
    expect(() => loadConfig({ SOCKET_ADAPTER_STREAM_MAXLEN: '5' })).toThrow(/SOCKET_ADAPTER_STREAM_MAXLEN/);
  });

  it('keeps the reports at least as long as the record: three years, or the record retention when longer', () => {
    expect(loadConfig({}).retention.reportDays).toBe(1096);
    expect(loadConfig({ SESSION_RETENTION_DAYS: '2000' }).retention.reportDays).toBe(2000);
    expect(loadConfig({ SESSION_RETENTION_DAYS: '400', REPORT_RETENTION_DAYS: '400' }).retention.reportDays).toBe(400);
    expect(() => loadConfig({ SESSION_RETENTION_DAYS: '400', REPORT_RETENTION_DAYS: '366' })).toThrow(/REPORT_RETENTION_DAYS must be at least SESSION_RETENTION_DAYS/);
  });

  it('reads the call-in limits, each within its range', () => {
    expect(loadConfig({}).callIns).toEqual({ gapAgents: 1, longestWaitS: 120, cooldownS: 60, maxOpenPerQueue: 5, agentMaxPerHour: 3, expiryS: 120 });
    expect(loadConfig({ CALLIN_GAP_AGENTS: '0', CALLIN_LONGEST_WAIT_S: '0' }).callIns).toMatchObject({ gapAgents: 0, longestWaitS: 0 });
    expect(() => loadConfig({ CALLIN_EXPIRY_S: '0', CALLIN_MAX_OPEN_PER_QUEUE: '0', CALLIN_AGENT_MAX_PER_HOUR: 'often', CALLIN_COOLDOWN_S: '-1' })).toThrow(
      /CALLIN_COOLDOWN_S[\s\S]*CALLIN_MAX_OPEN_PER_QUEUE[\s\S]*CALLIN_AGENT_MAX_PER_HOUR[\s\S]*CALLIN_EXPIRY_S/,
    );
  });

  it('checks the outbox bound against its warning', () => {
    expect(loadConfig({}).dispatch.outboxMaxLength).toBe(500_000);
    expect(() => loadConfig({ ARCHIVE_OUTBOX_MAX_LENGTH: 'many' })).toThrow(/ARCHIVE_OUTBOX_MAX_LENGTH=many: expected an integer/);
    expect(() => loadConfig({ ARCHIVE_OUTBOX_WARN_LENGTH: '1000', ARCHIVE_OUTBOX_MAX_LENGTH: '1000' })).toThrow(
      /ARCHIVE_OUTBOX_MAX_LENGTH must be larger than ARCHIVE_OUTBOX_WARN_LENGTH/,
    );
  });

  it("bounds the embedded Redis's memory: a quarter of the machine unless REDIS_MAXMEMORY says otherwise, in bytes or kb/mb/gb", () => {
    expect(loadConfig({}).redis.maxmemoryBytes).toBe(Math.floor(totalmem() / 4 / 2 ** 20) * 2 ** 20);
    expect(loadConfig({ REDIS_MAXMEMORY: '1gb' }).redis.maxmemoryBytes).toBe(2 ** 30);
    expect(loadConfig({ REDIS_MAXMEMORY: '512MB' }).redis.maxmemoryBytes).toBe(512 * 2 ** 20);
    expect(loadConfig({ REDIS_MAXMEMORY: '2097152' }).redis.maxmemoryBytes).toBe(2 ** 21);
    for (const bad of ['1.5gb', '10 percent', '-1', '1tb', '1000', '2048gb']) {
      expect(() => loadConfig({ REDIS_MAXMEMORY: bad })).toThrow(new RegExp(`REDIS_MAXMEMORY=${bad}: expected a size from 1048576 to`));
    }
  });

  it('bounds the recording entries kept while Redis refuses them', () => {
    expect(loadConfig({}).cobrowse.recordingRetryMaxBytes).toBe(64 * 2 ** 20);
    expect(loadConfig({ COBROWSE_RECORDING_RETRY_MAX_BYTES: '4096' }).cobrowse.recordingRetryMaxBytes).toBe(4096);
    expect(() => loadConfig({ COBROWSE_RECORDING_RETRY_MAX_BYTES: '100' })).toThrow(/COBROWSE_RECORDING_RETRY_MAX_BYTES=100: expected an integer from 1024/);
  });

  it('starts an embedded PostgreSQL unless DATABASE_URL names one, and checks the database settings', () => {
    expect(loadConfig({}).database).toEqual({ url: undefined, binDir: undefined, embeddedPort: 5433, poolMax: 10, connectTimeoutMs: 5000, statementTimeoutMs: 30_000 });
    expect(loadConfig({ DATABASE_URL: 'postgresql://etax:secret@db.internal:5432/etax' }).database.url).toBe('postgresql://etax:secret@db.internal:5432/etax');
    expect(() => loadConfig({ DATABASE_URL: 'mysql://db.internal/etax' })).toThrow(/DATABASE_URL: expected a postgres:\/\/ or postgresql:\/\/ URL/);
    expect(() => loadConfig({ DATABASE_URL: 'not a url' })).toThrow(/DATABASE_URL=not a url: not a URL/);
    expect(() => loadConfig({ DATABASE_POOL_MAX: '0' })).toThrow(/DATABASE_POOL_MAX/);
    expect(() => loadConfig({ DATABASE_STATEMENT_TIMEOUT_MS: '10' })).toThrow(/DATABASE_STATEMENT_TIMEOUT_MS/);
  });

  it('listens on loopback outside production; sign-in limits, trusted proxies and metrics access are named', () => {
    const dev = loadConfig({});
    expect(dev.host).toBe('127.0.0.1');
    expect(loadConfig({ NODE_ENV: 'test' }).host).toBe('127.0.0.1');
    expect(loadConfig({ NODE_ENV: 'production', STAFF_JWT_SECRET: 'x'.repeat(32), PORTAL_JWT_SECRET: 'y'.repeat(32) }).host).toBe('0.0.0.0');
    expect(loadConfig({ HOST: '0.0.0.0' }).host).toBe('0.0.0.0');

    expect(dev.signin).toEqual({ windowS: 300, maxFailuresPerAccount: 10, maxFailuresPerAddress: 50 });
    expect(() => loadConfig({ SIGNIN_MAX_FAILURES_PER_ACCOUNT: '0' })).toThrow(/SIGNIN_MAX_FAILURES_PER_ACCOUNT/);
    expect(() => loadConfig({ SIGNIN_MAX_FAILURES_PER_ADDRESS: 'many' })).toThrow(/SIGNIN_MAX_FAILURES_PER_ADDRESS/);
    expect(() => loadConfig({ SIGNIN_WINDOW_S: '0' })).toThrow(/SIGNIN_WINDOW_S/);

    expect(dev.trustProxy).toEqual(['loopback', 'linklocal', 'uniquelocal']);
    expect(loadConfig({ TRUST_PROXY: 'false' }).trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: '10.0.0.0/8, 192.168.1.5' }).trustProxy).toEqual(['10.0.0.0/8', '192.168.1.5']);
    expect(() => loadConfig({ TRUST_PROXY: 'everyone' })).toThrow(/TRUST_PROXY/);

    // metrics: not on the public port unless a token is set, a separate listener only on request
    expect(dev.metrics).toEqual({ token: undefined, host: '127.0.0.1', port: undefined });
    expect(loadConfig({ METRICS_PORT: '9464', METRICS_HOST: '10.0.0.5' }).metrics).toEqual({ token: undefined, host: '10.0.0.5', port: 9464 });
    expect(() => loadConfig({ METRICS_TOKEN: 'short' })).toThrow(/METRICS_TOKEN: at least 32/);
    expect(() => loadConfig({ METRICS_PORT: '8080' })).toThrow(/METRICS_PORT must differ from PORT/);
    expect(() => loadConfig({ METRICS_PORT: 'ninety' })).toThrow(/METRICS_PORT/);
  });

  it('names the abuse limits, and accepts only attachment types whose content it can check', () => {
    expect(loadConfig({}).chat).toMatchObject({ maxAttachmentsPerDay: 50, maxAttachmentBytesPerDay: 50 * 1024 * 1024 });
    expect(loadConfig({}).cobrowse.maxRecordingBytes).toBe(20 * 1024 * 1024);
    expect(loadConfig({ CHAT_MAX_ATTACHMENTS_PER_DAY: '5', COBROWSE_MAX_RECORDING_BYTES: '65536' })).toMatchObject({
      chat: { maxAttachmentsPerDay: 5 },
      cobrowse: { maxRecordingBytes: 65536 },
    });
    expect(() => loadConfig({ CHAT_MAX_ATTACHMENT_BYTES_PER_DAY: '10' })).toThrow(/CHAT_MAX_ATTACHMENT_BYTES_PER_DAY/);
    expect(() => loadConfig({ COBROWSE_MAX_RECORDING_BYTES: '0' })).toThrow(/COBROWSE_MAX_RECORDING_BYTES/);
    expect(() => loadConfig({ CHAT_ATTACHMENT_TYPES: 'image/png,image/svg+xml' })).toThrow(/image\/svg\+xml cannot be checked/);
  });

  describe('the catalog (CATALOG_FILE)', () => {
    const file = (labels: unknown) => {
      const path = join(mkdtempSync(join(tmpdir(), 'etax-catalog-')), 'catalog.json');
      writeFileSync(path, JSON.stringify(labels));
      return path;
    };
    const problemsOf = (env: Record<string, string>) => {
      try {
        loadConfig(env);
      } catch (error) {
        if (error instanceof ConfigError) return error.problems.join('\n');
        throw error;
      }
      return '';
    };

    it('seeds the first version with every configured id, its labels in zh and en, in the configured order', () => {
      const { seed } = loadConfig({ TOPICS: 'refund,invoice', DISPATCH_OUTCOMES: 'none' }).catalog;
      expect(seed.topics).toEqual([
        { id: 'refund', label: { zh: '退税', en: 'Refunds' }, active: true },
        { id: 'invoice', label: { zh: '发票', en: 'Invoices' }, active: true },
      ]);
      expect(seed.languages.map((l) => l.id)).toEqual(['zh', 'en']);
      expect(seed.outcomes).toEqual([{ id: 'none', label: { zh: '无', en: 'None' } }]);
    });

    it('stops the start-up for an id without labels, a label missing a language, or no such file', () => {
      expect(problemsOf({ TOPICS: 'invoice,customs', DISPATCH_OUTCOMES: 'resolved,call-back' })).toMatch(
        /TOPICS: customs without labels[^\n]*\nDISPATCH_OUTCOMES: call-back without labels/,
      );
      const noEnglish = file({ topics: { invoice: { zh: '发票' } }, languages: {}, outcomes: {} });
      expect(problemsOf({ CATALOG_FILE: noEnglish })).toContain(`CATALOG_FILE=${noEnglish}: /topics/invoice`);
      expect(problemsOf({ CATALOG_FILE: '/nonexistent/catalog.json' })).toContain('CATALOG_FILE=/nonexistent/catalog.json: ENOENT');
    });
  });

  it('signs staff in through an OpenID Provider only when OIDC_ISSUER is set, with the mapping checked', () => {
    expect(loadConfig({}).oidc).toBeUndefined();
    const oidc = loadConfig({
      PUBLIC_URL: 'https://assist.example.gov.cn/',
      OIDC_ISSUER: 'https://sso.example.gov.cn/realms/etax',
      OIDC_CLIENT_ID: 'etax-assist',
      OIDC_GROUP_ROLES: 'etax-supervisors=supervisor,etax-agents=agent',
    }).oidc;
    expect(oidc).toMatchObject({
      scopes: 'openid profile email',
      redirectUrl: 'https://assist.example.gov.cn/api/auth/oidc/callback',
      postLogoutRedirectUrl: 'https://assist.example.gov.cn/console/',
      tokenTtlS: 300,
      claims: {
        groups: 'groups',
        name: 'name',
        groupRoles: [
          ['etax-supervisors', 'supervisor'],
          ['etax-agents', 'agent'],
        ],
      },
    });
    let problems = '';
    try {
      loadConfig({
        NODE_ENV: 'production',
        STAFF_JWT_SECRET: 'x'.repeat(32),
        PORTAL_JWT_SECRET: 'y'.repeat(32),
        OIDC_ISSUER: 'http://sso.local',
        OIDC_GROUP_ROLES: 'etax-agents=boss',
        OIDC_SCOPES: 'profile',
      });
    } catch (error) {
      problems = (error as ConfigError).problems.join('\n');
    }
    for (const problem of [
      'OIDC_CLIENT_ID is required',
      'OIDC_GROUP_ROLES: etax-agents=boss',
      'OIDC_SCOPES must include openid',
      'OIDC_ISSUER must be an https URL',
      'OIDC_ROLE_CLAIM or OIDC_GROUP_ROLES',
    ])
      expect(problems).toContain(problem);
  });

  it('takes Redis Sentinel instead of REDIS_URL, and acknowledgements wait for a replica with it', () => {
    const single = loadConfig({});
    expect(single.redis).toMatchObject({ sentinel: undefined, waitReplicas: 0, waitTimeoutMs: 500 });
    const sentinel = loadConfig({ REDIS_SENTINELS: '10.0.0.1:26379, sentinel-b:26380', REDIS_SENTINEL_MASTER: 'etax', REDIS_PASSWORD: 'data-pass' });
    expect(sentinel.redis.sentinel).toEqual({
      sentinels: [
        { host: '10.0.0.1', port: 26379 },
        { host: 'sentinel-b', port: 26380 },
      ],
      masterName: 'etax',
      sentinelPassword: undefined,
      password: 'data-pass',
    });
    expect(sentinel.redis.waitReplicas).toBe(1);
    expect(loadConfig({ REDIS_SENTINELS: 'a:1', REDIS_SENTINEL_MASTER: 'm', REDIS_WAIT_REPLICAS: '2' }).redis.waitReplicas).toBe(2);
    for (const [env, problem] of [
      [{ REDIS_SENTINELS: 'a:26379' }, 'REDIS_SENTINELS is set without REDIS_SENTINEL_MASTER'],
      [{ REDIS_SENTINELS: 'a:26379', REDIS_SENTINEL_MASTER: 'm', REDIS_URL: 'redis://x:6379' }, 'REDIS_URL and REDIS_SENTINELS are both set'],
      [{ REDIS_SENTINEL_MASTER: 'm' }, 'REDIS_SENTINEL_MASTER is set without REDIS_SENTINELS'],
      [{ REDIS_SENTINELS: 'a', REDIS_SENTINEL_MASTER: 'm' }, 'REDIS_SENTINELS=a: expected a comma-separated list'],
      [{ REDIS_SENTINELS: 'a:70000', REDIS_SENTINEL_MASTER: 'm' }, 'REDIS_SENTINELS: a port is not from 1 to 65535'],
      [{ REDIS_WAIT_TIMEOUT_MS: '5' }, 'REDIS_WAIT_TIMEOUT_MS=5: expected an integer from 10 to 10000'],
    ] as const) {
      expect(() => loadConfig(env), problem).toThrow(problem);
    }
  });
});
