import { cpus, totalmem } from 'node:os';
import { resolve } from 'node:path';
import { Type } from '@sinclair/typebox';
import { ProficiencyStep, SIGNED_IN_ROLES, violations, WideningStep, type CatalogContent, type SignedInRole } from '@etax-assist/protocol';
import { catalogProblems, proficiencyStepsProblem, wideningStepsProblem } from '../catalog/catalog-rules.js';
import { CHECKED_ATTACHMENT_TYPES } from '../chat/attachment-content.js';
import { readCatalog, type CatalogLists } from './catalog-file.js';

/**
 * Every setting of the service, read from environment variables with documented defaults
 * (README "Configuration"). Invalid values stop the start-up with a message naming the variable.
 */
export interface Config {
  nodeEnv: 'development' | 'production' | 'test';
  /** Listen address: loopback outside production (the dev login's passwords are published). */
  host: string;
  port: number;
  /**
   * Which peers' X-Forwarded-For is believed (fastify's trustProxy): the client address is what
   * sign-in throttling counts, so a client must not be able to choose it.
   */
  trustProxy: boolean | string[];
  /** Public base URL printed at start and used in links; defaults to http://localhost:PORT. */
  publicUrl: string;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  dataDir: string;
  redis: {
    /** External Redis; when unset a private redis-server child process is started. */
    url: string | undefined;
    serverBin: string;
    embeddedPort: number;
    /** How often the embedded Redis syncs its append-only file (an external Redis has its own). */
    appendfsync: 'always' | 'everysec' | 'no';
    /** The embedded Redis's `maxmemory` in bytes (with `noeviction`: past it writes are refused, never dropped). */
    maxmemoryBytes: number;
    /** A primary watched by Redis Sentinel (instead of `url`): the service follows whichever node they promote. */
    sentinel: RedisSentinelConfig | undefined;
    /** Acknowledgements of the writes that must survive a failover wait for this many replicas (`WAIT`); 0: they do not wait. */
    waitReplicas: number;
    /** How long such an acknowledgement waits for them at most. */
    waitTimeoutMs: number;
  };
  /** The system of record (docs/records.md). */
  database: {
    /** External PostgreSQL; when unset a private postgres child process is started. */
    url: string | undefined;
    /** initdb and postgres of the embedded server; unset: the newest /usr/lib/postgresql/<major>/bin. */
    binDir: string | undefined;
    embeddedPort: number;
    poolMax: number;
    connectTimeoutMs: number;
    /** A query running longer is cancelled by the server. */
    statementTimeoutMs: number;
  };
  /** The archiver: the records outbox written to PostgreSQL (docs/records.md). */
  archive: {
    /** Outbox entries written in one transaction. */
    batchSize: number;
    /** How long a read waits for new entries. */
    blockMs: number;
    /** Entries a consumer held this long without acknowledging are taken over by another. */
    claimIdleMs: number;
    /** The pause after a failed round before the same entries are tried again. */
    retryMs: number;
    /** Outbox entries from which on /healthz reports the outbox as a warning. */
    outboxWarnLength: number;
  };
  /** What leaves Redis once a session is over (docs/records.md, "What stays in Redis"), and reading the record (the supervisors' search, a session's audit trail). */
  records: {
    /** How long an ended session's keys stay in Redis once its record, files and recording are in PostgreSQL. */
    hotRetentionS: number;
    /** How often each instance looks for sessions due to be moved. */
    moveIntervalMs: number;
    /** How often each instance makes sure the coming months' recording partitions exist. */
    partitionIntervalMs: number;
    /** The longest date range one search may cover. */
    searchMaxDays: number;
    /** The most sessions, or audit rows, one page may hold (also the default page of a search). */
    pageMax: number;
  };
  /** Retention of the records and the taxpayers' rights (docs/records.md "Retention, legal holds, erasure"). */
  retention: {
    /** How often an instance tries to run the retention job (one instance runs it at a time; also at start). */
    intervalMs: number;
    /** Sessions (or orphaned rows) deleted per transaction, so that no run holds long locks. */
    batchSize: number;
    /**
     * How long a session's row stays for the reports once retention has taken its record: its
     * personal fields cleared, its parts deleted (docs/records.md "Retention"). At least
     * SESSION_RETENTION_DAYS; equal to it deletes whole sessions at once.
     */
    reportDays: number;
  };
  /** Reports on the record (docs/reports.md). */
  reports: {
    /** The most local days one report may cover. */
    maxDays: number;
    /** The most rows (period × dimension value) one report may have. */
    maxRows: number;
    /** PostgreSQL's work_mem for a report's statements: its sorts in memory, not in temporary files. */
    workMemMb: number;
  };
  /** The staff directory's admin API (docs/roles.md). */
  staff: {
    /** The most members, or history rows, one page may hold (also the default page). */
    pageMax: number;
  };
  auth: {
    audience: string;
    staffIssuer: string;
    /** HS256 secret for staff tokens; generated and kept in DATA_DIR outside production. */
    staffSecret: string | undefined;
    staffTokenTtlS: number;
    portalIssuer: string;
    portalAlg: 'HS256' | 'RS256';
    portalSecret: string | undefined;
    portalPublicKeyFile: string | undefined;
    /** Only the demo portal signs with it (RS256); a real portal keeps its private key. */
    portalPrivateKeyFile: string | undefined;
    clockToleranceS: number;
    devLogin: boolean;
    devAccountsFile: string;
  };
  /** Staff sign-in through the authority's OpenID Provider (docs/auth.md); absent: OIDC_ISSUER unset. */
  oidc: OidcConfig | undefined;
  /** Password guessing: sign-ins that did not succeed, per account and per client address. */
  signin: {
    windowS: number;
    maxFailuresPerAccount: number;
    maxFailuresPerAddress: number;
  };
  /** Who sees /metrics and the health details (docs: README "Metrics and health"). */
  metrics: {
    /** Bearer token for /metrics and the detailed /healthz on the service's port; unset: not there. */
    token: string | undefined;
    /** A separate listener for Prometheus (no token: reachable only where the network lets it). */
    host: string;
    port: number | undefined;
  };
  /**
   * What taxpayers can ask for help with and in, and how long they may wait (docs/catalog.md):
   * published in PostgreSQL, edited by administrators; the environment gives only the first version.
   */
  catalog: {
    /**
     * The first version, published into an empty database: TOPICS, LANGUAGES and
     * DISPATCH_OUTCOMES with their labels (CATALOG_FILE), DISPATCH_SERVICE_LEVEL_S,
     * DISPATCH_WIDENING_STEPS, DISPATCH_PROFICIENCY_STEPS. Once a version exists they are not read again.
     */
    seed: CatalogContent;
    /** How often every instance looks for a newer published version (CATALOG_REFRESH_MS). */
    refreshMs: number;
  };
  /**
   * What a taxpayer's own help request may claim beyond its token: a green-channel group the
   * portal did not grant, only where the deployment trusts its portal pages (off in production).
   */
  helpRequest: {
    clientPriorityAllowed: boolean;
    /** The longest question a help request may carry (typed on the help form; shown to the agent). */
    questionMaxChars: number;
  };
  /** The knowledge base and its self-service search (docs/knowledge.md). */
  knowledge: {
    questionMaxChars: number;
    answerMaxChars: number;
    keywordsMax: number;
    linksMax: number;
    /** The most articles one page of the editors' list holds (also the default page). */
    pageMax: number;
    /** The longest text one search takes. */
    searchQueryMaxChars: number;
    /** Searches one taxpayer may make a minute (each keystroke pause is one). */
    searchPerMinute: number;
    /** Feedback ("answered", "still need a person") one taxpayer may give a minute. */
    feedbackPerMinute: number;
    /** Answers one search returns. */
    searchResults: number;
    /** How often each instance looks for changed articles to index. */
    refreshMs: number;
    /** Entries of the editors' list of articles that did not answer. */
    failingMax: number;
  };
  /** Kiosks' device tokens (docs/devices.md); their credential exchange is throttled like sign-ins (SIGNIN_*). */
  devices: {
    tokenTtlS: number;
    /** The most entries of the devices' audit trail one GET /api/devices/events returns. */
    eventsMax: number;
  };
  /**
   * The portal: its published keys (JWKS: set, taxpayer tokens are checked against them,
   * RS256/ES256) and where it embeds the SDK (CORS and the socket handshake's Origin check).
   */
  portal: {
    /** Origins (scheme://host[:port]) of the portals that embed the SDK; the service's own origin (and the demo portal's second one) is always allowed. */
    origins: string[];
    /** How long a browser may cache a CORS preflight. */
    preflightMaxAgeS: number;
    jwksUrl: string | undefined;
    /** How long a fetched key set is trusted: a key the portal withdrew is refused after it. */
    jwksCacheMaxAgeMs: number;
    /** Least time between two fetches caused by an unknown `kid` (a burst of bad tokens fetches once). */
    jwksCooldownMs: number;
    jwksTimeoutMs: number;
  };
  dispatch: DispatchConfig;
  callIns: CallInConfig;
  cobrowse: {
    maxBatchEvents: number;
    maxBatchBytes: number;
    maxSnapshotBytes: number;
    maxEventsPerSecond: number;
    /** Events kept after the latest snapshot before the taxpayer is asked for a fresh one. */
    maxLiveBatches: number;
    controlRequestTimeoutS: number;
    /** An agent socket with this many unsent packets is behind: it is resynced, not flooded. */
    maxAgentBacklog: number;
    /** Recording entries are buffered this long (or up to the chunk size) and stored compressed. */
    recordingFlushMs: number;
    recordingChunkBytes: number;
    /** Stored (compressed) recording bytes per session; past it the recording stops, the mirror goes on. */
    maxRecordingBytes: number;
    /** Recording entries this instance holds while Redis refuses them; past it new entries are dropped. */
    recordingRetryMaxBytes: number;
    /** Portal origins whose images and fonts the asset proxy fetches for agents (none: proxy off). */
    assetOrigins: string[];
    assetMaxBytes: number;
    assetTimeoutMs: number;
  };
  sessionCode: {
    ttlS: number;
    /** Codes an agent may try a minute (a wrong code is refused and counts). */
    maxAttemptsPerMinute: number;
  };
  chat: {
    maxMessageChars: number;
    maxPerMinute: number;
    historyLimit: number;
    maxAttachmentBytes: number;
    attachmentTypes: string[];
    maxAttachmentsPerSession: number;
    /** Per taxpayer and local day (DISPATCH_TZ_OFFSET_MIN): files and bytes they may upload. */
    maxAttachmentsPerDay: number;
    maxAttachmentBytesPerDay: number;
  };
  demoPortal: boolean;
  /** A second port serving the demo portal from another origin, as a real portal embeds the SDK; unset: none. */
  demoPortalPort: number | undefined;
  demoTokenTtlS: number;
  mediasoup: {
    workerBin: string;
    numWorkers: number;
    listenIp: string;
    announcedAddress: string | undefined;
    rtcBasePort: number;
    logLevel: 'debug' | 'warn' | 'error' | 'none';
    respawnDelayMs: number;
    /** A participant whose socket is gone this long loses its transports (the worker never notices). */
    disconnectGraceS: number;
    maxIncomingBitrate: number;
    initialOutgoingBitrate: number;
    /** What one participant may hold open in a session's room (a client needs a send and a receive transport, a mic and a camera). */
    maxTransportsPerParticipant: number;
    maxProducersPerParticipant: number;
  };
  ice: {
    stunUrls: string[];
    /** TURN (coturn with use-auth-secret): URLs and the shared secret of the REST-API scheme. */
    turnUrls: string[];
    turnSecret: string | undefined;
    turnCredentialTtlS: number;
  };
  limits: {
    httpBodyBytes: number;
    socketMaxPayloadBytes: number;
  };
  /** Several instances on one Redis (docs/scale-out.md). */
  cluster: {
    /** This instance's name in Redis; unique per instance (default: random at each start). */
    instanceId: string | undefined;
    heartbeatIntervalMs: number;
    /** An instance silent this long is dead: its media sessions are re-homed elsewhere. */
    heartbeatTimeoutMs: number;
    /** Packets kept in the socket.io adapter's Redis stream (approximate trimming). */
    adapterStreamMaxLen: number;
    /** A request forwarded to the instance that holds a session's media waits this long. */
    forwardTimeoutMs: number;
  };
  shutdownGraceMs: number;
}

export interface OidcConfig {
  issuer: string;
  clientId: string;
  /** Unset: a public client (PKCE only). */
  clientSecret: string | undefined;
  scopes: string;
  /** Where the provider sends the browser back: `${PUBLIC_URL}/api/auth/oidc/callback` unless given. */
  redirectUrl: string;
  /** Where the provider sends the browser after its sign-out: the console. */
  postLogoutRedirectUrl: string;
  /** Lifetime of the service tokens the console is given; each renewal asks the provider again. */
  tokenTtlS: number;
  /** How long a console sign-in (the session cookie and the provider's refresh token) lasts at most. */
  sessionTtlS: number;
  claims: OidcClaimMapping;
}

/** Which provider claims give the service's claims (auth/oidc/claim-mapping.ts). */
export interface OidcClaimMapping {
  /** A claim whose value is a role name itself; checked before the groups. */
  role: string | undefined;
  groups: string;
  /** Group → role, in precedence order: the first group the user is in decides. */
  groupRoles: [group: string, role: SignedInRole][];
  name: string;
  /** A claim whose value `expert` makes an agent an expert (the tier follows from the role). */
  tier: string | undefined;
  languages: string;
  topics: string;
}

export interface DispatchConfig {
  offerTimeoutS: number;
  /** Offers an agent lets time out in a row before being set away. */
  maxOfferTimeouts: number;
  /** Text sessions an agent can hold at once; a video/voice session takes the whole capacity. */
  textSessionsPerAgent: number;
  wrapUpS: number;
  /** Being away at least this long is a break: the consecutive-session count starts again (docs/dispatcher.md, "Breaks"). */
  breakMinS: number;
  /** Sessions an agent takes in a row before it is offered nothing until a break; 0: no cap. */
  maxConsecutiveSessions: number;
  agentHeartbeatTimeoutS: number;
  agentHeartbeatIntervalMs: number;
  /** How long a queued taxpayer may be gone (page reload, network blip) before abandoning. */
  taxpayerGraceS: number;
  /** How long a request keeps its place as a callback while the taxpayer is away (docs/dispatcher.md, "Callback"). */
  callbackHoldMaxS: number;
  /** How long an agent's offer is held for a called-back taxpayer to come back. */
  callbackAnswerGraceS: number;
  statsWindowS: number;
  sweepIntervalMs: number;
  metricsIntervalMs: number;
  retentionDays: number;
  /** Handling time assumed for wait estimates before any session was handled. */
  defaultHandlingS: number;
  /** The share answered within the catalog's service-level time that the staffing forecast plans for (80: "80/20"). */
  serviceLevelTargetPct: number;
  /** The most agents the forecast searches up to; a queue needing more shows as beyond it. */
  forecastMaxAgents: number;
  /** Minutes east of UTC of the local day used for daily totals (China: 480). */
  tzOffsetMin: number;
  /** Records outbox entries from which on new help requests are refused (docs/records.md): what is accepted is always recorded. */
  outboxMaxLength: number;
}

/** Call-ins of back-office agents (docs/dispatcher.md, "Call-ins"). */
export interface CallInConfig {
  /** A queue's forecast gap (agents needed − on duty) from which its back-office agents are called in; 0: never for the gap. */
  gapAgents: number;
  /** A queue's longest wait (s) from which they are; 0: never for the wait. */
  longestWaitS: number;
  /** After an automatic round that called someone in, none for the same queue for this long. */
  cooldownS: number;
  /** Call-ins open at once for one queue, at most. */
  maxOpenPerQueue: number;
  /** Automatic call-ins one agent gets in any hour, at most (a supervisor's are not counted). */
  agentMaxPerHour: number;
  /** How long a call-in stays open before it expires. */
  expiryS: number;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

export interface RedisSentinelConfig {
  /** The sentinels asked where the primary is (three or more, on separate machines). */
  sentinels: { host: string; port: number }[];
  /** The name the sentinels monitor the primary under. */
  masterName: string;
  /** The sentinels' own password (`requirepass` in sentinel.conf), if any. */
  sentinelPassword: string | undefined;
  /** The password of the primary and its replicas, if any. */
  password: string | undefined;
}

/** Reads typed values from the environment, collecting every problem instead of stopping at one. */
class EnvReader {
  readonly problems: string[] = [];
  constructor(private readonly env: Env) {}

  raw(name: string): string | undefined {
    const value = this.env[name];
    return value === undefined || value.trim() === '' ? undefined : value.trim();
  }

  string(name: string, fallback: string): string {
    return this.raw(name) ?? fallback;
  }

  optional(name: string): string | undefined {
    return this.raw(name);
  }

  int(name: string, fallback: number, min: number, max: number): number {
    const raw = this.raw(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      this.problems.push(`${name}=${raw}: expected an integer from ${min} to ${max}`);
      return fallback;
    }
    return value;
  }

  bool(name: string, fallback: boolean): boolean {
    const raw = this.raw(name)?.toLowerCase();
    if (raw === undefined) return fallback;
    if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
    if (['0', 'false', 'no', 'off'].includes(raw)) return false;
    this.problems.push(`${name}=${raw}: expected true or false`);
    return fallback;
  }

  list(name: string, fallback: string[], pattern: RegExp): string[] {
    const raw = this.raw(name);
    if (raw === undefined) return fallback;
    const items = raw
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item !== '');
    const bad = items.filter((item) => !pattern.test(item));
    if (items.length === 0 || bad.length > 0) {
      this.problems.push(`${name}=${raw}: expected a comma-separated list matching ${pattern}`);
      return fallback;
    }
    return [...new Set(items)];
  }

  json<T>(name: string, fallback: T, check: (value: unknown) => string | undefined): T {
    const raw = this.raw(name);
    if (raw === undefined) return fallback;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      this.problems.push(`${name}: not valid JSON`);
      return fallback;
    }
    const problem = check(value);
    if (problem) {
      this.problems.push(`${name}: ${problem}`);
      return fallback;
    }
    return value as T;
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const raw = this.raw(name);
    if (raw === undefined) return fallback;
    if ((allowed as readonly string[]).includes(raw)) return raw as T;
    this.problems.push(`${name}=${raw}: expected one of ${allowed.join(', ')}`);
    return fallback;
  }

  /** An integer that has no default: unset means the feature is off. */
  optionalInt(name: string, min: number, max: number): number | undefined {
    return this.raw(name) === undefined ? undefined : this.int(name, min, min, max);
  }

  /** fastify's trustProxy: true/false, or addresses, CIDR ranges and the names loopback, linklocal, uniquelocal. */
  trustProxy(name: string, fallback: string[]): boolean | string[] {
    const raw = this.raw(name);
    if (raw === undefined) return fallback;
    const flag = raw.toLowerCase();
    if (flag === 'true' || flag === 'false') return flag === 'true';
    return this.list(name, fallback, /^(loopback|linklocal|uniquelocal|[0-9a-fA-F.:]+(\/\d{1,3})?)$/);
  }

  /** A size in bytes: a number, or one with kb, mb or gb (1024-based, as Redis reads them). */
  bytes(name: string, fallback: number, min: number, max: number): number {
    const raw = this.raw(name);
    if (raw === undefined) return fallback;
    const match = /^(\d+)(kb|mb|gb)?$/i.exec(raw);
    const value = match ? Number(match[1]) * 1024 ** ['', 'kb', 'mb', 'gb'].indexOf((match[2] ?? '').toLowerCase()) : NaN;
    if (!Number.isSafeInteger(value) || value < min || value > max) {
      this.problems.push(`${name}=${raw}: expected a size from ${min} to ${max} bytes (a number, or with kb, mb or gb)`);
      return fallback;
    }
    return value;
  }

  /** A PostgreSQL connection URL (postgres:// or postgresql://). */
  postgresUrl(name: string): string | undefined {
    const url = this.url(name);
    if (url === undefined || /^postgres(ql)?:$/.test(new URL(url).protocol)) return url;
    this.problems.push(`${name}: expected a postgres:// or postgresql:// URL`);
    return undefined;
  }

  /** Web origins, comma-separated: scheme://host[:port], without a path (how a browser sends Origin). */
  origins(name: string): string[] {
    const out: string[] = [];
    for (const raw of this.list(name, [], /^\S+$/)) {
      let origin: string | undefined;
      try {
        const url = new URL(raw);
        if ((url.protocol === 'https:' || url.protocol === 'http:') && url.origin === raw.replace(/\/$/, '')) origin = url.origin;
      } catch {
        // reported below
      }
      if (origin) out.push(origin);
      else this.problems.push(`${name}: ${raw} is not an origin (https://host[:port], no path)`);
    }
    return out;
  }

  url(name: string): string | undefined {
    const raw = this.raw(name);
    if (raw === undefined) return undefined;
    try {
      new URL(raw);
      return raw;
    } catch {
      this.problems.push(`${name}=${raw}: not a URL`);
      return undefined;
    }
  }
}

/** REDIS_SENTINELS and its companions; unset: a single Redis (REDIS_URL or the embedded one). */
function readRedisSentinel(r: EnvReader): RedisSentinelConfig | undefined {
  const sentinels = r.list('REDIS_SENTINELS', [], /^[^\s:,]+:\d{1,5}$/).map((item) => {
    const at = item.lastIndexOf(':');
    return { host: item.slice(0, at), port: Number(item.slice(at + 1)) };
  });
  const masterName = r.optional('REDIS_SENTINEL_MASTER');
  if (sentinels.length === 0) {
    if (masterName) r.problems.push('REDIS_SENTINEL_MASTER is set without REDIS_SENTINELS');
    return undefined;
  }
  if (sentinels.some((s) => s.port < 1 || s.port > 65535)) r.problems.push('REDIS_SENTINELS: a port is not from 1 to 65535');
  if (r.optional('REDIS_URL')) r.problems.push('REDIS_URL and REDIS_SENTINELS are both set: the sentinels say where the primary is');
  if (!masterName) r.problems.push('REDIS_SENTINELS is set without REDIS_SENTINEL_MASTER (the name the sentinels monitor the primary under)');
  return { sentinels, masterName: masterName ?? '', sentinelPassword: r.optional('REDIS_SENTINEL_PASSWORD'), password: r.optional('REDIS_PASSWORD') };
}

/** After 60 s any topic in the same language; after 180 s any topic with the interpreter language. */
const DEFAULT_WIDENING_STEPS: WideningStep[] = [
  { afterS: 60, languages: 'same', topics: 'any' },
  { afterS: 180, languages: ['zh'], topics: 'any' },
];

const WideningSteps = Type.Array(WideningStep);

function checkWideningSteps(value: unknown): string | undefined {
  const wrong = violations(WideningSteps, value)[0];
  return wrong ? `${wrong.path || 'steps'}: ${wrong.message}` : wideningStepsProblem(value as WideningStep[]);
}

/** Level 3 (what a new member's topics get) or above at first; after 30 s anyone serving the topic. */
const DEFAULT_PROFICIENCY_STEPS: ProficiencyStep[] = [
  { afterS: 0, minLevel: 3 },
  { afterS: 30, minLevel: 1 },
];

const ProficiencySteps = Type.Array(ProficiencyStep, { minItems: 1 });

function checkProficiencySteps(value: unknown): string | undefined {
  const wrong = violations(ProficiencySteps, value)[0];
  return wrong ? `${wrong.path || 'steps'}: ${wrong.message}` : proficiencyStepsProblem(value as ProficiencyStep[]);
}

/** The catalog's first version from the environment, every topic active; what the catalog's rules refuse stops the start. */
function seedCatalog(lists: CatalogLists, serviceLevelS: number, steps: Pick<CatalogContent, 'wideningSteps' | 'proficiencySteps'>, problems: string[]): CatalogContent {
  const seed: CatalogContent = { ...lists, topics: lists.topics.map((topic) => ({ ...topic, active: true })), serviceLevelS, ...steps };
  // an empty list is the variable's own problem, reported already
  if (problems.length === 0) {
    problems.push(...catalogProblems(seed).map((problem) => `catalog (TOPICS, LANGUAGES, DISPATCH_OUTCOMES, DISPATCH_WIDENING_STEPS, DISPATCH_PROFICIENCY_STEPS): ${problem}`));
  }
  return seed;
}

/** OIDC_GROUP_ROLES: `group=role,group=role`, in precedence order. */
function groupRoles(r: EnvReader): OidcClaimMapping['groupRoles'] {
  const pairs: OidcClaimMapping['groupRoles'] = [];
  for (const item of r.list('OIDC_GROUP_ROLES', [], /^[^=\s,]+=[a-z]+$/)) {
    const [group = '', role = ''] = item.split('=');
    if ((SIGNED_IN_ROLES as readonly string[]).includes(role)) pairs.push([group, role as SignedInRole]);
    else r.problems.push(`OIDC_GROUP_ROLES: ${item}: the role must be one of ${SIGNED_IN_ROLES.join(', ')}`);
  }
  return pairs;
}

function readOidc(r: EnvReader, port: number): OidcConfig | undefined {
  const issuer = r.url('OIDC_ISSUER');
  if (issuer === undefined) return undefined;
  const clientId = r.optional('OIDC_CLIENT_ID');
  if (clientId === undefined) r.problems.push('OIDC_CLIENT_ID is required with OIDC_ISSUER');
  const publicUrl = (r.url('PUBLIC_URL') ?? `http://localhost:${port}`).replace(/\/$/, '');
  const claims: OidcClaimMapping = {
    role: r.optional('OIDC_ROLE_CLAIM'),
    groups: r.string('OIDC_GROUPS_CLAIM', 'groups'),
    groupRoles: groupRoles(r),
    name: r.string('OIDC_NAME_CLAIM', 'name'),
    tier: r.optional('OIDC_TIER_CLAIM'),
    languages: r.string('OIDC_LANGUAGES_CLAIM', 'languages'),
    topics: r.string('OIDC_TOPICS_CLAIM', 'topics'),
  };
  // without either nobody could be given a role: every sign-in would be refused
  if (claims.role === undefined && claims.groupRoles.length === 0) r.problems.push('OIDC_ISSUER needs OIDC_ROLE_CLAIM or OIDC_GROUP_ROLES (who gets which role)');
  const scopes = r.string('OIDC_SCOPES', 'openid profile email');
  if (!scopes.split(/\s+/).includes('openid')) r.problems.push('OIDC_SCOPES must include openid');
  return {
    issuer,
    clientId: clientId ?? '',
    clientSecret: r.optional('OIDC_CLIENT_SECRET'),
    scopes,
    redirectUrl: r.url('OIDC_REDIRECT_URL') ?? `${publicUrl}/api/auth/oidc/callback`,
    postLogoutRedirectUrl: `${publicUrl}/console/`,
    tokenTtlS: r.int('OIDC_TOKEN_TTL_S', 300, 10, 3600),
    sessionTtlS: r.int('OIDC_SESSION_TTL_S', 12 * 3600, 60, 7 * 24 * 3600),
    claims,
  };
}

/** The project's root: server/dist/config → three levels up. */
const PROJECT_ROOT = resolve(import.meta.dirname, '../../..');
const MIB = 1024 * 1024;

export function loadConfig(env: Env = process.env): Config {
  const r = new EnvReader(env);
  const nodeEnv = r.oneOf('NODE_ENV', ['development', 'production', 'test'], 'development');
  const production = nodeEnv === 'production';
  const port = r.int('PORT', 8080, 0, 65535);
  const dataDir = resolve(r.string('DATA_DIR', resolve(PROJECT_ROOT, '.data')));
  const demoPortal = r.bool('DEMO_PORTAL', !production);
  const demoPortalPort = demoPortal ? r.optionalInt('DEMO_PORTAL_PORT', 0, 65535) : undefined;
  const topics = r.list('TOPICS', ['invoice', 'refund', 'social-insurance', 'registration'], /^[a-z][a-z0-9-]{0,39}$/);
  const languages = r.list('LANGUAGES', ['zh', 'en'], /^[a-z]{2,3}(-[A-Za-z]{2,4})?$/);
  const outcomes = r.list('DISPATCH_OUTCOMES', ['resolved', 'follow-up', 'escalated-offline', 'not-resolved', 'none'], /^[a-z][a-z0-9-]{0,39}$/);
  const catalogFile = resolve(r.string('CATALOG_FILE', resolve(PROJECT_ROOT, 'config/catalog.json')));
  const retentionDays = r.int('SESSION_RETENTION_DAYS', 180, 1, 3650);
  const redisSentinel = readRedisSentinel(r);

  const config: Config = {
    nodeEnv,
    host: r.string('HOST', production ? '0.0.0.0' : '127.0.0.1'),
    port,
    // a load balancer in a private network appends the real client address; a client talking
    // to the service directly from outside cannot make itself look like another one
    trustProxy: r.trustProxy('TRUST_PROXY', ['loopback', 'linklocal', 'uniquelocal']),
    publicUrl: r.url('PUBLIC_URL') ?? `http://localhost:${port}`,
    logLevel: r.oneOf('LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], 'info'),
    dataDir,
    redis: {
      url: r.url('REDIS_URL'),
      serverBin: r.string('REDIS_SERVER_BIN', 'redis-server'),
      embeddedPort: r.int('REDIS_EMBEDDED_PORT', 6380, 1, 65535),
      appendfsync: r.oneOf('REDIS_APPENDFSYNC', ['always', 'everysec', 'no'], 'everysec'),
      // a quarter of the machine: the append-only file's rewrite forks Redis and may copy as much
      // again, and Node, PostgreSQL and mediasoup share the machine
      maxmemoryBytes: r.bytes('REDIS_MAXMEMORY', Math.max(MIB, Math.floor(totalmem() / 4 / MIB) * MIB), MIB, 1024 * 1024 * MIB),
      sentinel: redisSentinel,
      // with a replica to fail over to, what a client was told is done must be on it
      waitReplicas: r.int('REDIS_WAIT_REPLICAS', redisSentinel ? 1 : 0, 0, 16),
      waitTimeoutMs: r.int('REDIS_WAIT_TIMEOUT_MS', 500, 10, 10_000),
    },
    database: {
      url: r.postgresUrl('DATABASE_URL'),
      binDir: r.optional('DATABASE_BIN_DIR'),
      embeddedPort: r.int('DATABASE_EMBEDDED_PORT', 5433, 1, 65535),
      poolMax: r.int('DATABASE_POOL_MAX', 10, 1, 1000),
      connectTimeoutMs: r.int('DATABASE_CONNECT_TIMEOUT_MS', 5000, 100, 120_000),
      statementTimeoutMs: r.int('DATABASE_STATEMENT_TIMEOUT_MS', 30_000, 100, 3_600_000),
    },
    archive: {
      batchSize: r.int('ARCHIVE_BATCH_SIZE', 500, 1, 10_000),
      blockMs: r.int('ARCHIVE_BLOCK_MS', 1000, 10, 30_000),
      claimIdleMs: r.int('ARCHIVE_CLAIM_IDLE_MS', 30_000, 100, 3_600_000),
      retryMs: r.int('ARCHIVE_RETRY_MS', 1000, 10, 60_000),
      outboxWarnLength: r.int('ARCHIVE_OUTBOX_WARN_LENGTH', 100_000, 1, 1_000_000_000),
    },
    records: {
      hotRetentionS: r.int('SESSION_HOT_RETENTION_S', 900, 1, 7 * 86_400),
      moveIntervalMs: r.int('RECORDS_MOVE_INTERVAL_MS', 1000, 10, 60_000),
      partitionIntervalMs: r.int('RECORDS_PARTITION_INTERVAL_MS', 6 * 3_600_000, 1000, 86_400_000),
      searchMaxDays: r.int('RECORDS_SEARCH_MAX_DAYS', 92, 1, 3650),
      pageMax: r.int('RECORDS_PAGE_MAX', 100, 1, 1000),
    },
    retention: {
      intervalMs: r.int('RETENTION_INTERVAL_MS', 3_600_000, 1000, 7 * 86_400_000),
      batchSize: r.int('RETENTION_BATCH_SIZE', 500, 1, 100_000),
      // three years for the reports, or the record's own retention when that is longer
      reportDays: r.int('REPORT_RETENTION_DAYS', Math.max(1096, retentionDays), 1, 3650),
    },
    reports: {
      maxDays: r.int('REPORTS_MAX_DAYS', 400, 1, 3660),
      maxRows: r.int('REPORTS_MAX_ROWS', 5000, 10, 1_000_000),
      workMemMb: r.int('REPORTS_WORK_MEM_MB', 64, 4, 4096),
    },
    staff: {
      pageMax: r.int('STAFF_PAGE_MAX', 100, 1, 1000),
    },
    auth: {
      audience: r.string('JWT_AUDIENCE', 'etax-assist'),
      staffIssuer: 'etax-assist',
      staffSecret: r.optional('STAFF_JWT_SECRET'),
      staffTokenTtlS: r.int('STAFF_TOKEN_TTL_S', 8 * 3600, 60, 7 * 24 * 3600),
      portalIssuer: r.string('PORTAL_JWT_ISSUER', 'etax-portal'),
      portalAlg: r.oneOf('PORTAL_JWT_ALG', ['HS256', 'RS256'], 'HS256'),
      portalSecret: r.optional('PORTAL_JWT_SECRET'),
      portalPublicKeyFile: r.optional('PORTAL_JWT_PUBLIC_KEY_FILE'),
      portalPrivateKeyFile: r.optional('PORTAL_JWT_PRIVATE_KEY_FILE'),
      clockToleranceS: r.int('JWT_CLOCK_TOLERANCE_S', 5, 0, 300),
      devLogin: r.bool('DEV_LOGIN', !production),
      devAccountsFile: resolve(r.string('DEV_ACCOUNTS_FILE', resolve(PROJECT_ROOT, 'config/dev-accounts.json'))),
    },
    oidc: readOidc(r, port),
    signin: {
      windowS: r.int('SIGNIN_WINDOW_S', 300, 1, 86_400),
      maxFailuresPerAccount: r.int('SIGNIN_MAX_FAILURES_PER_ACCOUNT', 10, 1, 10_000),
      maxFailuresPerAddress: r.int('SIGNIN_MAX_FAILURES_PER_ADDRESS', 50, 1, 100_000),
    },
    metrics: {
      token: r.optional('METRICS_TOKEN'),
      host: r.string('METRICS_HOST', '127.0.0.1'),
      port: r.optionalInt('METRICS_PORT', 0, 65535),
    },
    catalog: {
      seed: seedCatalog(
        readCatalog(catalogFile, { TOPICS: topics, LANGUAGES: languages, DISPATCH_OUTCOMES: outcomes }, r.problems),
        r.int('DISPATCH_SERVICE_LEVEL_S', 60, 1, 3600),
        {
          wideningSteps: r.json('DISPATCH_WIDENING_STEPS', DEFAULT_WIDENING_STEPS, checkWideningSteps),
          proficiencySteps: r.json('DISPATCH_PROFICIENCY_STEPS', DEFAULT_PROFICIENCY_STEPS, checkProficiencySteps),
        },
        r.problems,
      ),
      refreshMs: r.int('CATALOG_REFRESH_MS', 2000, 100, 60_000),
    },
    helpRequest: {
      // on outside production, like the demo portal whose green-channel choice relies on it
      clientPriorityAllowed: r.bool('HELP_CLIENT_PRIORITY_ALLOWED', !production),
      questionMaxChars: r.int('HELP_QUESTION_MAX_CHARS', 500, 1, 2000),
    },
    knowledge: {
      questionMaxChars: r.int('KNOWLEDGE_QUESTION_MAX_CHARS', 300, 10, 500),
      answerMaxChars: r.int('KNOWLEDGE_ANSWER_MAX_CHARS', 4000, 100, 10_000),
      keywordsMax: r.int('KNOWLEDGE_KEYWORDS_MAX', 40, 0, 100),
      linksMax: r.int('KNOWLEDGE_LINKS_MAX', 5, 0, 20),
      pageMax: r.int('KNOWLEDGE_PAGE_MAX', 100, 1, 1000),
      searchQueryMaxChars: r.int('KNOWLEDGE_SEARCH_QUERY_MAX_CHARS', 200, 10, 500),
      searchPerMinute: r.int('KNOWLEDGE_SEARCH_PER_MINUTE', 60, 1, 10_000),
      feedbackPerMinute: r.int('KNOWLEDGE_FEEDBACK_PER_MINUTE', 10, 1, 1000),
      searchResults: r.int('KNOWLEDGE_SEARCH_RESULTS', 3, 1, 10),
      refreshMs: r.int('KNOWLEDGE_REFRESH_MS', 5000, 100, 600_000),
      failingMax: r.int('KNOWLEDGE_FAILING_MAX', 20, 1, 200),
    },
    devices: {
      tokenTtlS: r.int('DEVICE_TOKEN_TTL_S', 900, 30, 86_400),
      eventsMax: r.int('DEVICE_EVENTS_MAX', 200, 1, 1000),
    },
    portal: {
      origins: r.origins('PORTAL_ORIGINS'),
      preflightMaxAgeS: r.int('PORTAL_PREFLIGHT_MAX_AGE_S', 600, 0, 86_400),
      jwksUrl: r.url('PORTAL_JWKS_URL'),
      jwksCacheMaxAgeMs: r.int('PORTAL_JWKS_CACHE_MAX_AGE_MS', 600_000, 1000, 86_400_000),
      jwksCooldownMs: r.int('PORTAL_JWKS_COOLDOWN_MS', 30_000, 0, 3_600_000),
      jwksTimeoutMs: r.int('PORTAL_JWKS_TIMEOUT_MS', 5000, 100, 60_000),
    },
    dispatch: {
      offerTimeoutS: r.int('DISPATCH_OFFER_TIMEOUT_S', 20, 1, 300),
      maxOfferTimeouts: r.int('DISPATCH_MAX_OFFER_TIMEOUTS', 3, 1, 100),
      textSessionsPerAgent: r.int('DISPATCH_TEXT_SESSIONS_PER_AGENT', 5, 1, 20),
      wrapUpS: r.int('DISPATCH_WRAP_UP_S', 60, 0, 3600),
      breakMinS: r.int('DISPATCH_BREAK_MIN_S', 300, 1, 86_400),
      maxConsecutiveSessions: r.int('DISPATCH_MAX_CONSECUTIVE_SESSIONS', 0, 0, 1000),
      agentHeartbeatTimeoutS: r.int('DISPATCH_AGENT_HEARTBEAT_TIMEOUT_S', 15, 1, 600),
      agentHeartbeatIntervalMs: r.int('DISPATCH_AGENT_HEARTBEAT_INTERVAL_MS', 5000, 200, 60_000),
      taxpayerGraceS: r.int('DISPATCH_TAXPAYER_GRACE_S', 30, 1, 3600),
      callbackHoldMaxS: r.int('CALLBACK_HOLD_MAX_S', 3600, 1, 86_400),
      callbackAnswerGraceS: r.int('CALLBACK_ANSWER_GRACE_S', 45, 1, 600),
      statsWindowS: r.int('DISPATCH_STATS_WINDOW_S', 900, 60, 86_400),
      sweepIntervalMs: r.int('DISPATCH_SWEEP_INTERVAL_MS', 500, 50, 10_000),
      metricsIntervalMs: r.int('DISPATCH_METRICS_INTERVAL_MS', 1000, 200, 60_000),
      retentionDays,
      defaultHandlingS: r.int('DISPATCH_DEFAULT_HANDLING_S', 300, 10, 7200),
      serviceLevelTargetPct: r.int('DISPATCH_SERVICE_LEVEL_TARGET_PCT', 80, 1, 99),
      forecastMaxAgents: r.int('DISPATCH_FORECAST_MAX_AGENTS', 1000, 1, 100_000),
      tzOffsetMin: r.int('DISPATCH_TZ_OFFSET_MIN', 480, -720, 840),
      outboxMaxLength: r.int('ARCHIVE_OUTBOX_MAX_LENGTH', 500_000, 1, 1_000_000_000),
    },
    callIns: {
      gapAgents: r.int('CALLIN_GAP_AGENTS', 1, 0, 10_000),
      longestWaitS: r.int('CALLIN_LONGEST_WAIT_S', 120, 0, 86_400),
      cooldownS: r.int('CALLIN_COOLDOWN_S', 60, 0, 3600),
      maxOpenPerQueue: r.int('CALLIN_MAX_OPEN_PER_QUEUE', 5, 1, 1000),
      agentMaxPerHour: r.int('CALLIN_AGENT_MAX_PER_HOUR', 3, 1, 100),
      expiryS: r.int('CALLIN_EXPIRY_S', 120, 1, 3600),
    },
    cobrowse: {
      maxBatchEvents: r.int('COBROWSE_MAX_BATCH_EVENTS', 500, 1, 100_000),
      maxBatchBytes: r.int('COBROWSE_MAX_BATCH_BYTES', 256 * 1024, 1024, 50 * 1024 * 1024),
      maxSnapshotBytes: r.int('COBROWSE_MAX_SNAPSHOT_BYTES', 5 * 1024 * 1024, 10 * 1024, 100 * 1024 * 1024),
      maxEventsPerSecond: r.int('COBROWSE_MAX_EVENTS_PER_S', 400, 10, 100_000),
      maxLiveBatches: r.int('COBROWSE_MAX_LIVE_BATCHES', 2000, 10, 1_000_000),
      controlRequestTimeoutS: r.int('COBROWSE_CONTROL_REQUEST_TIMEOUT_S', 30, 1, 600),
      maxAgentBacklog: r.int('COBROWSE_MAX_AGENT_BACKLOG', 200, 1, 100_000),
      recordingFlushMs: r.int('COBROWSE_RECORDING_FLUSH_MS', 5000, 100, 60_000),
      recordingChunkBytes: r.int('COBROWSE_RECORDING_CHUNK_BYTES', 256 * 1024, 1024, 16 * 1024 * 1024),
      maxRecordingBytes: r.int('COBROWSE_MAX_RECORDING_BYTES', 20 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
      recordingRetryMaxBytes: r.int('COBROWSE_RECORDING_RETRY_MAX_BYTES', 64 * MIB, 1024, 16 * 1024 * MIB),
      assetOrigins: r.list('COBROWSE_ASSET_ORIGINS', [], /^https?:\/\/[^/\s]+$/),
      assetMaxBytes: r.int('COBROWSE_ASSET_MAX_BYTES', 5 * 1024 * 1024, 1024, 100 * 1024 * 1024),
      assetTimeoutMs: r.int('COBROWSE_ASSET_TIMEOUT_MS', 5000, 100, 60_000),
    },
    sessionCode: {
      ttlS: r.int('SESSION_CODE_TTL_S', 600, 30, 86_400),
      maxAttemptsPerMinute: r.int('SESSION_CODE_MAX_ATTEMPTS_PER_MINUTE', 10, 1, 1000),
    },
    chat: {
      maxMessageChars: r.int('CHAT_MAX_MESSAGE_CHARS', 2000, 1, 4000),
      maxPerMinute: r.int('CHAT_MAX_PER_MINUTE', 30, 1, 10_000),
      historyLimit: r.int('CHAT_HISTORY_LIMIT', 500, 10, 100_000),
      maxAttachmentBytes: r.int('CHAT_MAX_ATTACHMENT_BYTES', 5 * 1024 * 1024, 1024, 50 * 1024 * 1024),
      // the last one: the taxpayer's masked page snapshot (the chat's "screenshot")
      attachmentTypes: r.list('CHAT_ATTACHMENT_TYPES', ['image/png', 'image/jpeg', 'application/pdf', 'application/vnd.etax.page-snapshot+json'], /^[a-z]+\/[a-z0-9.+-]+$/),
      maxAttachmentsPerSession: r.int('CHAT_MAX_ATTACHMENTS_PER_SESSION', 20, 1, 1000),
      maxAttachmentsPerDay: r.int('CHAT_MAX_ATTACHMENTS_PER_DAY', 50, 1, 100_000),
      maxAttachmentBytesPerDay: r.int('CHAT_MAX_ATTACHMENT_BYTES_PER_DAY', 50 * 1024 * 1024, 1024, 10 * 1024 * 1024 * 1024),
    },
    demoPortal,
    demoPortalPort,
    demoTokenTtlS: r.int('DEMO_TOKEN_TTL_S', 3600, 60, 24 * 3600),
    mediasoup: {
      workerBin: resolve(r.string('MEDIASOUP_WORKER_BIN', resolve(dataDir, 'bin/mediasoup-worker'))),
      numWorkers: r.int('MEDIASOUP_NUM_WORKERS', cpus().length, 1, 64),
      listenIp: r.string('MEDIASOUP_LISTEN_IP', '127.0.0.1'),
      announcedAddress: r.optional('MEDIASOUP_ANNOUNCED_ADDRESS'),
      rtcBasePort: r.int('MEDIASOUP_RTC_BASE_PORT', 40000, 1024, 65000),
      logLevel: r.oneOf('MEDIASOUP_LOG_LEVEL', ['debug', 'warn', 'error', 'none'], 'warn'),
      respawnDelayMs: r.int('MEDIASOUP_RESPAWN_DELAY_MS', 1000, 0, 60_000),
      disconnectGraceS: r.int('MEDIA_DISCONNECT_GRACE_S', 60, 1, 3600),
      maxIncomingBitrate: r.int('MEDIA_MAX_INCOMING_BITRATE', 1_500_000, 100_000, 20_000_000),
      initialOutgoingBitrate: r.int('MEDIA_INITIAL_OUTGOING_BITRATE', 600_000, 100_000, 10_000_000),
      maxTransportsPerParticipant: r.int('MEDIA_MAX_TRANSPORTS_PER_PARTICIPANT', 4, 2, 32),
      maxProducersPerParticipant: r.int('MEDIA_MAX_PRODUCERS_PER_PARTICIPANT', 4, 1, 32),
    },
    ice: {
      stunUrls: r.list('STUN_URLS', [], /^stuns?:\S+$/),
      turnUrls: r.list('TURN_URLS', [], /^turns?:\S+$/),
      turnSecret: r.optional('TURN_SECRET'),
      turnCredentialTtlS: r.int('TURN_CREDENTIAL_TTL_S', 3600, 60, 86_400),
    },
    limits: {
      httpBodyBytes: r.int('HTTP_BODY_LIMIT_BYTES', 1024 * 1024, 1024, 100 * 1024 * 1024),
      // large enough for a full snapshot of a big page (COBROWSE_MAX_SNAPSHOT_BYTES) plus framing
      socketMaxPayloadBytes: r.int('SOCKET_MAX_PAYLOAD_BYTES', 6 * 1024 * 1024, 1024, 200 * 1024 * 1024),
    },
    cluster: {
      instanceId: r.optional('INSTANCE_ID'),
      heartbeatIntervalMs: r.int('INSTANCE_HEARTBEAT_INTERVAL_MS', 1000, 100, 60_000),
      heartbeatTimeoutMs: r.int('INSTANCE_HEARTBEAT_TIMEOUT_MS', 5000, 300, 300_000),
      adapterStreamMaxLen: r.int('SOCKET_ADAPTER_STREAM_MAXLEN', 10_000, 100, 10_000_000),
      forwardTimeoutMs: r.int('CLUSTER_FORWARD_TIMEOUT_MS', 10_000, 100, 120_000),
    },
    shutdownGraceMs: r.int('SHUTDOWN_GRACE_MS', 10_000, 0, 120_000),
  };

  const { auth } = config;
  if (production) {
    // Outside production missing secrets are generated (keys.ts); in production that would
    // silently log everyone out on each restart, so they must be given.
    if (!auth.staffSecret) r.problems.push('STAFF_JWT_SECRET is required when NODE_ENV=production');
    if (!config.portal.jwksUrl && auth.portalAlg === 'HS256' && !auth.portalSecret)
      r.problems.push('PORTAL_JWT_SECRET is required when NODE_ENV=production and PORTAL_JWT_ALG=HS256');
  }
  if (auth.staffSecret !== undefined && auth.staffSecret.length < 32) r.problems.push('STAFF_JWT_SECRET: at least 32 characters');
  if (auth.portalSecret !== undefined && auth.portalSecret.length < 32) r.problems.push('PORTAL_JWT_SECRET: at least 32 characters');
  // the provider's answers carry the staff's identity: plain HTTP only on a developer's machine
  if (production && config.oidc && !config.oidc.issuer.startsWith('https:')) r.problems.push('OIDC_ISSUER must be an https URL when NODE_ENV=production');
  if (config.metrics.token !== undefined && config.metrics.token.length < 32) r.problems.push('METRICS_TOKEN: at least 32 characters');
  if (config.metrics.port !== undefined && config.metrics.port !== 0 && config.metrics.port === config.port) r.problems.push('METRICS_PORT must differ from PORT');
  if (!config.portal.jwksUrl && auth.portalAlg === 'RS256' && !auth.portalPublicKeyFile && production)
    r.problems.push('PORTAL_JWT_PUBLIC_KEY_FILE is required when PORTAL_JWT_ALG=RS256 in production');
  if (config.retention.reportDays < config.dispatch.retentionDays)
    r.problems.push('REPORT_RETENTION_DAYS must be at least SESSION_RETENTION_DAYS (the reports keep what the record no longer does, never less)');
  if (config.limits.socketMaxPayloadBytes <= config.cobrowse.maxSnapshotBytes) r.problems.push('SOCKET_MAX_PAYLOAD_BYTES must be larger than COBROWSE_MAX_SNAPSHOT_BYTES');
  const unchecked = config.chat.attachmentTypes.filter((type) => !CHECKED_ATTACHMENT_TYPES.includes(type));
  if (unchecked.length > 0)
    r.problems.push(`CHAT_ATTACHMENT_TYPES: ${unchecked.join(', ')} cannot be checked against the file's content (accepted: ${CHECKED_ATTACHMENT_TYPES.join(', ')})`);
  if (config.ice.turnUrls.length > 0 && !config.ice.turnSecret) r.problems.push('TURN_SECRET is required with TURN_URLS');
  if (config.mediasoup.rtcBasePort + config.mediasoup.numWorkers > 65535) r.problems.push('MEDIASOUP_RTC_BASE_PORT + MEDIASOUP_NUM_WORKERS exceeds 65535');

  if (config.cluster.heartbeatTimeoutMs < 2 * config.cluster.heartbeatIntervalMs)
    r.problems.push('INSTANCE_HEARTBEAT_TIMEOUT_MS must be at least twice INSTANCE_HEARTBEAT_INTERVAL_MS');
  if (config.cluster.instanceId !== undefined && !/^[A-Za-z0-9._:-]{1,64}$/.test(config.cluster.instanceId))
    r.problems.push('INSTANCE_ID: 1-64 letters, digits, dots, colons, dashes or underscores');

  if (config.dispatch.outboxMaxLength <= config.archive.outboxWarnLength)
    r.problems.push('ARCHIVE_OUTBOX_MAX_LENGTH must be larger than ARCHIVE_OUTBOX_WARN_LENGTH (the warning comes before the refusals)');

  if (r.problems.length > 0) throw new ConfigError(r.problems);
  return config;
}
