import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { sessionIs } from '@etax-assist/protocol';
import type { Logger } from 'pino';
import type { WorkerPool } from '@etax-assist/sfu';
import type { AccountDirectory } from './auth/accounts.js';
import { Authenticator } from './auth/authenticator.js';
import { TokenDenyList } from './auth/deny-list.js';
import { installAuthGuard } from './auth/http-guard.js';
import { LiveTokens } from './auth/live-tokens.js';
import { registerAuthRequests } from './auth/requests.js';
import { authRoutes } from './auth/routes.js';
import { ClaimMapping } from './auth/oidc/claim-mapping.js';
import { OidcProviderClient } from './auth/oidc/provider-client.js';
import { oidcRoutes } from './auth/oidc/routes.js';
import { OidcSessionStore } from './auth/oidc/session-store.js';
import { OidcSignIn } from './auth/oidc/sign-in.js';
import { catalogAdminRoutes } from './catalog/catalog-admin-routes.js';
import { CatalogAdministration } from './catalog/catalog-administration.js';
import { CatalogStore } from './catalog/catalog-store.js';
import { CatalogUsage } from './catalog/catalog-usage.js';
import { LiveCatalog } from './catalog/live-catalog.js';
import { catalogRoutes } from './catalog/routes.js';
import { SigninThrottle } from './auth/signin-throttle.js';
import type { TokenService } from './auth/tokens.js';
import type { Config } from './config/env.js';
import { demoKiosk } from './demo-portal/demo-kiosk.js';
import { demoPortalRoutes, type DemoPortalOptions } from './demo-portal/routes.js';
import { DeviceRegistry } from './devices/device-registry.js';
import { deviceRoutes } from './devices/device-routes.js';
import type { DeviceTokens } from './devices/device-tokens.js';
import { KioskDevices } from './devices/kiosk-devices.js';
import { HealthCheck } from './health/health-check.js';
import { Deflection } from './knowledge/deflection.js';
import { knowledgeRoutes } from './knowledge/knowledge-routes.js';
import { KnowledgeStore } from './knowledge/knowledge-store.js';
import { LiveKnowledge } from './knowledge/live-knowledge.js';
import { MinuteQuota } from './knowledge/minute-quota.js';
import { healthRoutes } from './health/routes.js';
import { AttachmentStore } from './chat/attachment-store.js';
import { attachmentRoutes } from './chat/attachments.js';
import { ChatService } from './chat/chat-service.js';
import { registerChatRequests } from './chat/requests.js';
import { AssetTokens, assetRoutes } from './cobrowse/assets.js';
import { CobrowseRelay } from './cobrowse/relay.js';
import { MediaSignalling } from './media/media-signalling.js';
import { MediaStatsReporter } from './media/stats-reporter.js';
import { MetricsAccess } from './metrics/access.js';
import { buildMetricsListener } from './metrics/listener.js';
import { ServiceMetrics, metricsRoutes } from './metrics/registry.js';
import type { RedisClient } from './redis/client.js';
import { RequestRouter } from './realtime/requests.js';
import { rooms } from './realtime/rooms.js';
import { createSocketServer, type AppServer, type ConnectionHook, type SocketServerOptions } from './realtime/socket-server.js';
import { DispatchConnections } from './dispatcher/connections.js';
import { Dispatcher } from './dispatcher/dispatcher.js';
import { registerCallInRequests } from './dispatcher/call-in-requests.js';
import { CallInWatch } from './dispatcher/call-in-watch.js';
import { CallIns } from './dispatcher/call-ins.js';
import { DispatchNotifier } from './dispatcher/notifier.js';
import { AgentPresence } from './dispatcher/presence.js';
import { registerDispatchRequests } from './dispatcher/requests.js';
import { SupervisorMetricsPublisher } from './dispatcher/supervisor-metrics.js';
import { startSweeper } from './dispatcher/sweeper.js';
import { QueueUpdates } from './sessions/queue-updates.js';
import { SessionAccess } from './sessions/access.js';
import { registerSessionRequests } from './sessions/requests.js';
import { registerSessionCodeRequests } from './sessions/session-codes.js';
import { SessionStore } from './sessions/session-store.js';
import { installErrorHandlers } from './web/errors.js';
import { OriginPolicy, portalCors } from './web/origin-policy.js';
import { requestLogFields } from './web/request-log.js';
import { staticRoutes } from './web/static-routes.js';
import { Forwarder } from './cluster/forwarder.js';
import { InstanceRegistry } from './cluster/instance-registry.js';
import { clusterCalls, clusterRoutes, registerClusterRequests } from './cluster/routes.js';
import { RoomPlacement } from './media/room-placement.js';
import { ClientResync } from './cluster/client-resync.js';
import type { AdapterStreamWatch } from './cluster/stream-gap.js';
import type { DatabasePool } from './database/pool.js';
import { Archiver } from './records/archiver.js';
import { ArchiverMetrics } from './records/archiver-metrics.js';
import { AuditTrail } from './records/audit-trail.js';
import { RecordAccess } from './records/record-access.js';
import { RecordingArchive } from './records/recording-archive.js';
import { RecordingPartitions } from './records/partitions.js';
import { SessionMover } from './records/session-mover.js';
import { TaxpayerErasure } from './records/erasure.js';
import { LegalHolds } from './records/legal-holds.js';
import { recordsAdminRoutes } from './records/records-admin-routes.js';
import { DisabledStaff } from './staff/disabled-staff.js';
import { connectingProfile } from './staff/routing-profile.js';
import { providerSignInClaims, signInClaims } from './staff/sign-in-claims.js';
import { StaffChanges } from './staff/staff-changes.js';
import { StaffDirectory } from './staff/staff-directory.js';
import { staffRoutes } from './staff/staff-routes.js';
import { RecordsRetention } from './records/retention.js';
import { RetentionMetrics } from './records/retention-metrics.js';
import { recordsRoutes } from './records/records-routes.js';
import { AgentReports } from './reports/agent-reports.js';
import { CallInReports } from './reports/call-in-reports.js';
import { reportsRoutes } from './reports/reports-routes.js';
import { SessionReports } from './reports/session-reports.js';
import { SessionRecordReader } from './records/session-record.js';
import { SessionSearch } from './records/session-search.js';
import { ReplicationBarrier } from './redis/replication-barrier.js';
import { REPLICATED_REQUESTS } from './redis/replicated-requests.js';
import { TaxpayerHistory } from './records/taxpayer-history.js';

export interface AppDependencies {
  config: Config;
  log: Logger;
  tokens: TokenService;
  /** Kiosks' device tokens (devices/device-tokens.ts). */
  deviceTokens: DeviceTokens;
  accounts: AccountDirectory | undefined;
  redis: RedisClient;
  /** The system of record (docs/records.md). */
  database: DatabasePool;
  pool: WorkerPool;
  /** Signs asset-proxy links (the staff token secret). */
  assetSecret: string;
  /** The socket.io adapter spanning the instances on this Redis. */
  adapter: SocketServerOptions['adapter'];
  /** Notices the adapter losing packets (cluster/stream-gap.ts); absent with an in-memory adapter. */
  adapterWatch?: AdapterStreamWatch;
}

export interface App {
  http: FastifyInstance;
  /** The separate metrics listener, when METRICS_PORT is set (not listening yet). */
  metricsHttp: FastifyInstance | undefined;
  io: AppServer;
  metrics: ServiceMetrics;
  dispatcher: Dispatcher;
  media: MediaSignalling;
  registry: InstanceRegistry;
  /** The browser origins served; the service adds the demo portal's second origin once it listens. */
  origins: OriginPolicy;
  /** The demo portal's back end (DEMO_PORTAL), which its second origin serves too. */
  demoPortal: DemoPortalOptions | undefined;
  /** Stops the periodic work (sweeps, heartbeats, metrics pushes, recording flushes) before the sockets close. */
  stopBackground(): Promise<void>;
  /** Resolves once the connection hooks' work (disconnects during a stop) is done. */
  settleHooks(): Promise<void>;
}

/** Assembles the service: HTTP routes (guarded API + public assets) and the realtime socket. */
export async function buildApp(deps: AppDependencies): Promise<App> {
  const { config, log, tokens, deviceTokens, accounts, redis, database, pool } = deps;
  const devices = new DeviceRegistry(database);
  const http: FastifyInstance = Fastify({
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- it is needed: it keeps the app typed with fastify's default logger, not pino's
    loggerInstance: log.child({}, { serializers: { req: requestLogFields } }) as FastifyBaseLogger,
    bodyLimit: config.limits.httpBodyBytes,
    // Unknown properties are refused (additionalProperties: false), never silently dropped.
    ajv: { customOptions: { removeAdditional: false } },
    // Behind a load balancer the client address comes from X-Forwarded-For (of trusted peers only).
    trustProxy: config.trustProxy,
  });
  // what connection hooks are still doing (a disconnect re-queues a session…): a stop waits for it
  const hookWork = new Set<Promise<unknown>>();
  // read at scrape time only, once socketServer below exists
  const metrics = new ServiceMetrics({ pool, io: () => socketServer });
  metrics.instrument(http);
  installErrorHandlers(http);
  const origins = new OriginPolicy(config.portal.origins, config.publicUrl);
  await http.register(portalCors, { policy: origins, preflightMaxAgeS: config.portal.preflightMaxAgeS });

  // The realtime side first: socket.io attaches to the HTTP server before it listens, and the
  // services below are shared by socket requests and HTTP routes.
  const replication = new ReplicationBarrier(redis, { replicas: config.redis.waitReplicas, timeoutMs: config.redis.waitTimeoutMs }, log.child({ component: 'redis' }));
  const requests = new RequestRouter((request, outcome) => metrics.socketRequests.inc({ request, outcome }), { requests: REPLICATED_REQUESTS, barrier: replication });
  const hooks: ConnectionHook[] = [];
  const denyList = new TokenDenyList(redis, replication);
  const catalogStore = new CatalogStore(database);
  const catalog = await LiveCatalog.start(catalogStore, config.catalog.seed, config.catalog.refreshMs, log.child({ component: 'catalog' }));
  const staffDirectory = new StaffDirectory(database, catalog, config.staff.pageMax);
  const disabledStaff = new DisabledStaff(redis);
  const authenticator = new Authenticator(tokens, denyList, disabledStaff);
  const socketServer: AppServer = createSocketServer(http.server, {
    authenticator,
    requests,
    origins,
    log: log.child({ component: 'realtime' }),
    maxPayloadBytes: config.limits.socketMaxPayloadBytes,
    hooks,
    adapter: deps.adapter,
    track: (work) => {
      hookWork.add(work);
      void work.finally(() => hookWork.delete(work));
    },
    agentProfile: (staff) => connectingProfile(staffDirectory, staff, config.dispatch.textSessionsPerAgent),
  });
  const liveTokens = new LiveTokens(socketServer, denyList, log.child({ component: 'auth' }));
  hooks.push(liveTokens);
  registerAuthRequests(requests, authenticator, liveTokens);
  const clusterLog = log.child({ component: 'cluster' });
  const registry = new InstanceRegistry(
    redis,
    { id: config.cluster.instanceId, url: config.publicUrl, intervalMs: config.cluster.heartbeatIntervalMs, timeoutMs: config.cluster.heartbeatTimeoutMs },
    () => ({ rooms: pool.roomCount, sockets: socketServer.of('/').sockets.size }),
    clusterLog,
  );
  const forwarder = await Forwarder.start(redis, registry.id, config.cluster.forwardTimeoutMs, clusterLog);
  const placement = new RoomPlacement(redis, registry);
  const sessions = new SessionStore(redis, { capacity: config.dispatch.textSessionsPerAgent, defaultHandlingS: config.dispatch.defaultHandlingS });
  // Asset links live as long as a staff token: an agent's mirror outlives no shift.
  const assetTokens = new AssetTokens(deps.assetSecret, config.auth.staffTokenTtlS);
  const audit = new AuditTrail(redis);
  const recordAccess = new RecordAccess(sessions, database);
  const recordings = new RecordingArchive(redis, database);
  const attachments = new AttachmentStore(redis, database, config.dispatch.retentionDays * 86_400);
  const cobrowse = new CobrowseRelay(
    socketServer,
    redis,
    sessions,
    config,
    assetTokens,
    { access: recordAccess, archive: recordings, audit },
    log.child({ component: 'cobrowse' }),
  );
  const chat = new ChatService(socketServer, redis, sessions, cobrowse.recording, config);
  const health = new HealthCheck({ redis, database, pool, registry, timeoutMs: 1000, outboxWarnLength: config.archive.outboxWarnLength, log: log.child({ component: 'health' }) });
  const metricsAccess = MetricsAccess.byToken(config.metrics.token);

  const signinThrottle = new SigninThrottle(redis, config.signin);
  const dispatcher = new Dispatcher(redis, config.dispatch, catalog);
  const staffLog = log.child({ component: 'staff' });
  // the development accounts are members from the first start on (a member that exists is left as it is)
  if (accounts && config.auth.devLogin) {
    const seeded = await staffDirectory.seed(accounts.seedMembers(config.dispatch.textSessionsPerAgent), 'dev-accounts');
    if (seeded > 0) staffLog.info({ seeded }, 'staff directory seeded from the development accounts');
  }
  await disabledStaff.replace(await staffDirectory.disabled());
  const staffChanges = new StaffChanges(socketServer, redis, dispatcher, disabledStaff, staffLog);

  const knowledgeStore = new KnowledgeStore(database, catalog, config.knowledge);
  const knowledge = await LiveKnowledge.start(knowledgeStore, config.knowledge.refreshMs, log.child({ component: 'knowledge' }));

  const demoPortal = config.demoPortal ? { tokens, tokenTtlS: config.demoTokenTtlS, kiosk: await demoKiosk(devices, config.dataDir) } : undefined;

  // The API context: every route declares who may call it (config.auth), checked by the guard.
  await http.register(async (api) => {
    installAuthGuard(api, authenticator);
    await api.register(healthRoutes, { health, access: metricsAccess });
    await api.register(clusterRoutes, { registry, forwarder });
    await api.register(metricsRoutes, { metrics, access: metricsAccess });
    await api.register(authRoutes, {
      tokens,
      accounts: config.auth.devLogin ? accounts : undefined,
      signInClaims: (account) => signInClaims(staffDirectory, disabledStaff, account),
      throttle: signinThrottle,
      oidc: config.oidc !== undefined,
      revoke: (jti, validUntilMs) => liveTokens.revoke(jti, validUntilMs),
    });
    const { oidc } = config;
    if (oidc) {
      const signIn = new OidcSignIn(
        new OidcProviderClient(oidc),
        new OidcSessionStore(redis, oidc.sessionTtlS),
        new ClaimMapping(oidc.claims),
        tokens,
        (jti, validUntilMs) => liveTokens.revoke(jti, validUntilMs),
        oidc.tokenTtlS,
        (mapped) => providerSignInClaims(staffDirectory, disabledStaff, mapped, config.dispatch.textSessionsPerAgent),
      );
      await api.register(oidcRoutes, { signIn, redirectUrl: oidc.redirectUrl, secure: config.publicUrl.startsWith('https:'), sessionTtlS: oidc.sessionTtlS });
    }
    await api.register(catalogRoutes, { catalog, helpPolicy: config.helpRequest, searchMaxChars: config.knowledge.searchQueryMaxChars });
    await api.register(catalogAdminRoutes, { administration: new CatalogAdministration(catalogStore, new CatalogUsage(redis), catalog) });
    if (demoPortal) await api.register(demoPortalRoutes, demoPortal);
    await api.register(deviceRoutes, {
      registry: devices,
      tokens: deviceTokens,
      throttle: signinThrottle,
      eventsMax: config.devices.eventsMax,
      // through the adapter: the staff of every instance (a message lost while one reconnects costs a name until the next change or sign-in)
      hallChanged: (hallId) => socketServer.to(rooms.staff).emit('halls:changed', { hallId }),
    });
    await api.register(assetRoutes, { config, tokens: assetTokens, sessions });
    await api.register(attachmentRoutes, { config, redis, files: attachments, access: recordAccess, chat, audit });
    await api.register(recordsAdminRoutes, { holds: new LegalHolds(database), erasure: new TaxpayerErasure(database, redis) });
    await api.register(staffRoutes, { directory: staffDirectory, changes: staffChanges });
    await api.register(recordsRoutes, { search: new SessionSearch(database, config.records), reader: new SessionRecordReader(database, config.records) });
    const reportOptions = { tzOffsetMin: config.dispatch.tzOffsetMin, ...config.reports };
    await api.register(knowledgeRoutes, {
      store: knowledgeStore,
      live: knowledge,
      deflection: new Deflection(database, { tzOffsetMin: config.dispatch.tzOffsetMin, maxDays: config.reports.maxDays, failingMax: config.knowledge.failingMax }),
      quotas: {
        search: new MinuteQuota(redis, 'knowledge search', config.knowledge.searchPerMinute),
        feedback: new MinuteQuota(redis, 'knowledge feedback', config.knowledge.feedbackPerMinute),
      },
      limits: config.knowledge,
    });
    await api.register(reportsRoutes, {
      reports: new SessionReports(database, catalog, reportOptions),
      agentReports: new AgentReports(database, reportOptions),
      callInReports: new CallInReports(database, reportOptions),
      catalog,
    });
  });
  await http.register(staticRoutes, { demoPortal: config.demoPortal });

  await dispatcher.start();
  const dispatchLog = log.child({ component: 'dispatch' });
  const presence = new AgentPresence(dispatcher, config.dispatch.agentHeartbeatIntervalMs, dispatchLog);
  const sweeper = startSweeper(dispatcher, config.dispatch.sweepIntervalMs, dispatchLog);
  const archiver = new Archiver(redis, database, { consumer: registry.id, ...config.archive }, new ArchiverMetrics(metrics.registry, redis), log.child({ component: 'archiver' }));
  await archiver.start();
  const recordsLog = log.child({ component: 'records' });
  const partitions = new RecordingPartitions(database, config.records.partitionIntervalMs, recordsLog);
  await partitions.start();
  const mover = new SessionMover(
    redis,
    database,
    { attachments, recordings },
    { hotRetentionS: config.records.hotRetentionS, intervalMs: config.records.moveIntervalMs, leaseMs: config.archive.claimIdleMs },
    metrics.registry,
    recordsLog,
  );
  mover.start();
  const retention = new RecordsRetention(
    database,
    { retentionDays: config.dispatch.retentionDays, ...config.retention },
    new RetentionMetrics(metrics.registry),
    log.child({ component: 'retention' }),
  );
  retention.start();
  const publisher = new SupervisorMetricsPublisher(redis, socketServer, config.dispatch, catalog, config.cluster.heartbeatTimeoutMs, dispatchLog);
  const queueUpdates = new QueueUpdates(socketServer, sessions, 1000, dispatchLog);
  const callIns = new CallIns(dispatcher, redis, config.callIns);
  const callInWatch = new CallInWatch(callIns, publisher, config.callIns, config.dispatch.forecastMaxAgents, config.dispatch.metricsIntervalMs, dispatchLog);
  const connections = new DispatchConnections(socketServer, redis, dispatcher, sessions, presence);
  // a new catalog version: its service-level target where the script reads it, this instance's agents indexed by its topics and languages
  catalog.on('changed', (published) => {
    // each instance applies a version itself and tells its own staff sockets (`local`: no echo across the adapter)
    socketServer.local.to(rooms.staff).emit('catalog:changed', { version: published.version });
    Promise.all([dispatcher.applyCatalog(), connections.registerAgentsAgain((staff) => connectingProfile(staffDirectory, staff, config.dispatch.textSessionsPerAgent))])
      .then(() => dispatchLog.info({ version: published.version }, 'catalog version applied'))
      .catch((error: unknown) => dispatchLog.error({ err: error, version: published.version }, 'applying the catalog failed'));
  });
  const media = new MediaSignalling(socketServer, pool, sessions, redis, config, log.child({ component: 'media' }), { placement, forwarder, registry });
  const access = new SessionAccess(socketServer, { media, cobrowse }, dispatchLog);
  new DispatchNotifier(socketServer, dispatcher, sessions, access, dispatchLog);
  hooks.push(connections);
  registerSessionRequests(requests, sessions, dispatcher, config.helpRequest, new KioskDevices(deviceTokens, devices));
  registerSessionCodeRequests(requests, redis, sessions, dispatcher, config, dispatchLog);
  registerDispatchRequests(requests, dispatcher, sessions, audit, publisher, (id) => connections.agentState(id), new TaxpayerHistory(database, sessions));
  registerCallInRequests(requests, callIns, (id) => connections.agentState(id));
  media.register(requests);
  hooks.push(media, cobrowse);
  const mediaStats = new MediaStatsReporter(pool, redis, config.dispatch.metricsIntervalMs, log.child({ component: 'media' }));
  metrics.watchMedia(mediaStats);
  metrics.watchRecording(cobrowse.recording);
  cobrowse.register(requests);
  registerChatRequests(requests, chat, sessions, config);
  registerClusterRequests(requests, registry, forwarder);
  await forwarder.serve({ ...media.instanceCalls, ...clusterCalls(registry) });
  await http.ready();
  const metricsHttp = config.metrics.port === undefined ? undefined : await buildMetricsListener(metrics, health, log.child({ component: 'metrics' }));
  // A session that is over (wrap-up or later) has no call and no shared screen any more.
  dispatcher.on('effects', (effects) => {
    for (const e of effects) {
      if (e.t !== 'session' || !sessionIs(e.state, 'over')) continue;
      media.closeSession(e.session).catch((error: unknown) => log.error({ err: error }, 'closing media failed'));
      cobrowse.closeSession(e.session).catch((error: unknown) => log.error({ err: error }, 'closing co-browsing failed'));
    }
  });
  metrics.watchDispatch(publisher);
  const resync = new ClientResync(
    socketServer,
    redis,
    {
      sessions,
      agentState: (id) => connections.agentState(id),
      chatHistory: (id) => chat.history(id),
      mirror: (id) => cobrowse.mirror(id),
      supervisorMetrics: () => publisher.current(),
    },
    metrics.registry,
    clusterLog,
  );
  if (deps.adapterWatch) resync.follow(deps.adapterWatch);

  await registry.start();

  const settleHooks = async (): Promise<void> => {
    await Promise.allSettled([...hookWork]);
  };
  const stopBackground = async (): Promise<void> => {
    // each stop waits for a run under way: nothing touches Redis once it is closed
    await Promise.all(
      [catalog, knowledge, presence, sweeper, publisher, callInWatch, queueUpdates, mediaStats, media, archiver, mover, partitions, retention].map((worker) => worker.stop()),
    );
    await resync.settled();
    await registry.stop();
    await forwarder.stop();
    await cobrowse.stop();
    replication.stop();
  };
  return { http, metricsHttp, io: socketServer, metrics, dispatcher, media, registry, origins, demoPortal, stopBackground, settleHooks };
}
