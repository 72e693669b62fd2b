import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { FastifyInstance } from 'fastify';
import type { WorkerPool } from '@etax-assist/sfu';
import type { MetricsAccess } from './access.js';
import type { RecordingWriter } from '../cobrowse/recording.js';
import type { SupervisorMetricsPublisher } from '../dispatcher/supervisor-metrics.js';
import type { MediaStatsReporter } from '../media/stats-reporter.js';
import type { AppServer } from '../realtime/socket-server.js';
import { outboxFullRefusals } from '../records/outbox-full-refusals.js';
import { redisOutOfMemoryRefusals } from '../redis/unavailable.js';
import { unreplicatedAcks } from '../redis/replication-barrier.js';

export interface MetricsSources {
  pool: WorkerPool;
  io: () => AppServer | undefined;
}

/** The service's Prometheus metrics: process defaults plus HTTP, sockets and mediasoup. */
export class ServiceMetrics {
  readonly registry = new Registry();
  readonly httpDuration: Histogram<'method' | 'route' | 'status'>;
  readonly socketRequests: Counter<'request' | 'outcome'>;

  constructor({ pool, io }: MetricsSources) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'etax_' });
    this.registry.registerMetric(redisOutOfMemoryRefusals);
    this.registry.registerMetric(unreplicatedAcks);
    this.registry.registerMetric(outboxFullRefusals);
    this.httpDuration = new Histogram({
      name: 'etax_http_request_duration_seconds',
      help: 'HTTP request duration by route and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    });
    this.socketRequests = new Counter({
      name: 'etax_socket_requests_total',
      help: 'Socket requests by name and outcome (ok or error code)',
      labelNames: ['request', 'outcome'],
      registers,
    });
    new Gauge({
      name: 'etax_socket_connections',
      help: 'Open socket.io connections on this instance',
      registers,
      collect() {
        this.set(io()?.engine.clientsCount ?? 0);
      },
    });
    new Gauge({
      name: 'etax_mediasoup_workers_alive',
      help: 'mediasoup workers alive in this instance',
      registers,
      collect() {
        this.set(pool.health().alive);
      },
    });
    new Gauge({
      name: 'etax_mediasoup_rooms',
      help: 'Media rooms (one router per session) on this instance',
      registers,
      collect() {
        this.set(pool.roomCount);
      },
    });
    new Gauge({
      name: 'etax_mediasoup_worker_cpu_seconds',
      help: 'CPU time used by each mediasoup worker (user + system)',
      labelNames: ['worker'],
      registers,
      async collect() {
        this.reset();
        for (const stats of await pool.workerStats()) {
          const { ru_utime, ru_stime } = stats.usage;
          this.set({ worker: String(stats.index) }, (ru_utime + ru_stime) / 1000);
        }
      },
    });
  }

  /** Dispatcher figures, from the latest supervisor metrics picture this instance received. */
  watchDispatch(publisher: SupervisorMetricsPublisher): void {
    const registers = [this.registry];
    const latest = () => publisher.latest;
    new Gauge({
      name: 'etax_queue_waiting',
      help: 'Requests waiting per queue (language:topic:tier)',
      labelNames: ['queue'],
      registers,
      collect() {
        this.reset();
        for (const q of latest()?.queues ?? []) this.set({ queue: q.queue }, q.waiting);
      },
    });
    new Gauge({
      name: 'etax_queue_longest_wait_seconds',
      help: 'Longest current wait per queue',
      labelNames: ['queue'],
      registers,
      collect() {
        this.reset();
        for (const q of latest()?.queues ?? []) this.set({ queue: q.queue }, q.longestWaitS);
      },
    });
    new Gauge({
      name: 'etax_queue_service_level_ratio',
      help: 'Share of requests answered within the service-level threshold over the stats window',
      labelNames: ['queue'],
      registers,
      collect() {
        this.reset();
        for (const q of latest()?.queues ?? []) if (q.serviceLevelPct !== null) this.set({ queue: q.queue }, q.serviceLevelPct / 100);
      },
    });
    new Gauge({
      name: 'etax_agents',
      help: 'Agents by state',
      labelNames: ['state'],
      registers,
      collect() {
        this.reset();
        const counts = new Map<string, number>();
        for (const a of latest()?.agents ?? []) counts.set(a.state, (counts.get(a.state) ?? 0) + 1);
        for (const [state, n] of counts) this.set({ state }, n);
      },
    });
    new Gauge({
      name: 'etax_sessions_active',
      help: 'Sessions in progress',
      registers,
      collect() {
        this.set(latest()?.active.length ?? 0);
      },
    });
    new Gauge({
      name: 'etax_offers_today',
      help: 'Offers today by outcome',
      labelNames: ['outcome'],
      registers,
      collect() {
        this.reset();
        const offers = latest()?.today.offers;
        if (!offers) return;
        for (const [outcome, n] of Object.entries(offers)) this.set({ outcome }, n);
      },
    });
  }

  /** This instance's workers, from the media stats reporter's latest round. */
  watchMedia(reporter: MediaStatsReporter): void {
    const registers = [this.registry];
    const perWorker = (name: string, help: string, pick: (w: { consumers: number; rooms: number; cpuPct: number }) => number) =>
      new Gauge({
        name,
        help,
        labelNames: ['worker'],
        registers,
        collect() {
          this.reset();
          for (const w of reporter.latest?.workers ?? []) this.set({ worker: String(w.index) }, pick(w));
        },
      });
    perWorker('etax_mediasoup_worker_consumers', 'Consumers on each mediasoup worker', (w) => w.consumers);
    perWorker('etax_mediasoup_worker_rooms', 'Rooms on each mediasoup worker', (w) => w.rooms);
    perWorker('etax_mediasoup_worker_cpu_percent', 'CPU of each mediasoup worker over the last interval, % of a core', (w) => w.cpuPct);
    new Gauge({
      name: 'etax_media_session_loss_percent_max',
      help: "Worst packet loss among this instance's calls",
      registers,
      collect() {
        this.set(Math.max(0, ...(reporter.latest?.sessions ?? []).map((s) => s.lossPct)));
      },
    });
  }

  /** The co-browsing recording's retry buffer: what it holds while Redis refuses, and what it dropped. */
  watchRecording(writer: RecordingWriter): void {
    const registers = [this.registry];
    new Gauge({
      name: 'etax_recording_retry_bytes',
      help: 'Recording entries held (bytes) for sessions whose last write Redis refused; bounded by COBROWSE_RECORDING_RETRY_MAX_BYTES',
      registers,
      collect() {
        this.set(writer.retryBytes);
      },
    });
    new Counter({
      name: 'etax_recording_dropped_entries_total',
      help: 'Recording entries dropped because the retry buffer was full (a recording-gap entry stands in for them)',
      registers,
      collect() {
        // the writer keeps the count; the counter reports it
        this.reset();
        this.inc(writer.droppedEntries);
      },
    });
  }

  /** Times every HTTP request by its route pattern (not the raw URL, which would explode labels). */
  instrument(app: FastifyInstance): void {
    app.addHook('onResponse', async (request, reply) => {
      const route = request.routeOptions.url ?? 'unmatched';
      this.httpDuration.observe({ method: request.method, route, status: String(reply.statusCode) }, reply.elapsedTime / 1000);
    });
  }
}

export interface MetricsRoutesOptions {
  metrics: ServiceMetrics;
  access: MetricsAccess;
}

export async function metricsRoutes(app: FastifyInstance, { metrics, access }: MetricsRoutesOptions): Promise<void> {
  // 'public' to the staff-token guard: MetricsAccess decides (the metrics token is no staff token)
  app.get('/metrics', { config: { auth: 'public' } }, async (request, reply) => {
    if (!access.granted(request)) throw access.refusal();
    reply.header('content-type', metrics.registry.contentType);
    return metrics.registry.metrics();
  });
}
