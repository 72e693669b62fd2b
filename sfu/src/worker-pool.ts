import { EventEmitter } from 'node:events';
import type { types } from 'mediasoup';
import { ROUTER_MEDIA_CODECS } from './codecs.js';
import type { SfuLogger } from './logger.js';
import { MediaRoom } from './media-room.js';

export interface WorkerPoolOptions {
  /** Path of the mediasoup-worker binary (built offline by the set-up). */
  workerBin: string;
  numWorkers: number;
  logLevel: types.WorkerLogLevel;
  /** IP the WebRtcServers listen on. */
  listenIp: string;
  /** IP or hostname handed to clients in ICE candidates (NAT, public address). */
  announcedAddress?: string;
  /** Worker i's WebRtcServer listens on basePort + i, UDP and TCP. */
  basePort: number;
  /** A dead worker is replaced after this delay (a crash loop must not spin the CPU). */
  respawnDelayMs: number;
}

export interface WorkerHealth {
  workers: number;
  alive: number;
}

interface WorkerPoolEvents {
  /** A worker died; its rooms closed with reason 'worker-died'. */
  workerdied: [workerIndex: number, error: Error];
  workerreplaced: [workerIndex: number];
}

/** One mediasoup worker of the pool and what runs on it. */
class PooledWorker {
  readonly rooms = new Set<MediaRoom>();

  constructor(
    readonly index: number,
    readonly worker: types.Worker,
    readonly webRtcServer: types.WebRtcServer,
  ) {}

  /** Live load measure: consumers across its routers, plus one per room so empty rooms count. */
  get load(): number {
    let load = 0;
    for (const room of this.rooms) load += 1 + room.consumerCount;
    return load;
  }
}

type Mediasoup = typeof import('mediasoup');

/** Every worker is dead or being replaced: media is briefly unavailable. */
export class NoWorkerError extends Error {
  constructor() {
    super('no live mediasoup worker');
    this.name = 'NoWorkerError';
  }
}

/**
 * mediasoup reads MEDIASOUP_WORKER_BIN when it is first imported, so the binary is set before
 * the module is loaded, and loaded only once the pool starts.
 */
async function loadMediasoup(workerBin: string): Promise<Mediasoup> {
  process.env.MEDIASOUP_WORKER_BIN = workerBin;
  return import('mediasoup');
}

/** The process's mediasoup workers, each with one WebRtcServer, hosting one router per session. */
export class WorkerPool extends EventEmitter<WorkerPoolEvents> {
  readonly #options: WorkerPoolOptions;
  readonly #log: SfuLogger;
  readonly #mediasoup: Mediasoup;
  readonly #slots: (PooledWorker | undefined)[];
  readonly #rooms = new Map<string, MediaRoom>();
  readonly #pendingRooms = new Map<string, Promise<MediaRoom>>();
  #closed = false;

  private constructor(options: WorkerPoolOptions, log: SfuLogger, mediasoup: Mediasoup) {
    super();
    this.#options = options;
    this.#log = log;
    this.#mediasoup = mediasoup;
    this.#slots = new Array<PooledWorker | undefined>(options.numWorkers).fill(undefined);
  }

  static async start(options: WorkerPoolOptions, log: SfuLogger): Promise<WorkerPool> {
    const mediasoup = await loadMediasoup(options.workerBin);
    const pool = new WorkerPool(options, log, mediasoup);
    try {
      for (let i = 0; i < options.numWorkers; i++) await pool.#spawn(i);
    } catch (error) {
      pool.close();
      throw error;
    }
    return pool;
  }

  get closed(): boolean {
    return this.#closed;
  }

  health(): WorkerHealth {
    const alive = this.#slots.filter((s) => s !== undefined && !s.worker.died && !s.worker.closed);
    return { workers: this.#options.numWorkers, alive: alive.length };
  }

  get roomCount(): number {
    return this.#rooms.size;
  }

  getRoom(sessionId: string): MediaRoom | undefined {
    return this.#rooms.get(sessionId);
  }

  get rooms(): MediaRoom[] {
    return [...this.#rooms.values()];
  }

  /** The session's room, created on the least-loaded live worker if it has none yet. */
  async getOrCreateRoom(sessionId: string): Promise<MediaRoom> {
    const existing = this.#rooms.get(sessionId);
    if (existing) return existing;
    // Two participants joining at once must share one router, not race to create two.
    const pending = this.#pendingRooms.get(sessionId);
    if (pending) return pending;
    const creation = this.#createRoom(sessionId).finally(() => this.#pendingRooms.delete(sessionId));
    this.#pendingRooms.set(sessionId, creation);
    return creation;
  }

  async #createRoom(sessionId: string): Promise<MediaRoom> {
    const slot = this.#leastLoaded();
    const router = await slot.worker.createRouter({ mediaCodecs: ROUTER_MEDIA_CODECS });
    const room = new MediaRoom(sessionId, router, slot.index, slot.webRtcServer);
    slot.rooms.add(room);
    this.#rooms.set(sessionId, room);
    room.once('close', () => {
      slot.rooms.delete(room);
      if (this.#rooms.get(sessionId) === room) this.#rooms.delete(sessionId);
    });
    return room;
  }

  #leastLoaded(): PooledWorker {
    let best: PooledWorker | undefined;
    for (const slot of this.#slots) {
      if (!slot || slot.worker.died || slot.worker.closed) continue;
      if (!best || slot.load < best.load) best = slot;
    }
    if (!best) throw new NoWorkerError();
    return best;
  }

  async #spawn(index: number): Promise<void> {
    const { logLevel, listenIp, announcedAddress, basePort } = this.#options;
    const worker = await this.#mediasoup.createWorker({ logLevel });
    const port = basePort + index;
    let webRtcServer: types.WebRtcServer;
    try {
      webRtcServer = await worker.createWebRtcServer({
        listenInfos: [
          { protocol: 'udp', ip: listenIp, announcedIp: announcedAddress, port },
          { protocol: 'tcp', ip: listenIp, announcedIp: announcedAddress, port },
        ],
      });
    } catch (error) {
      worker.close();
      throw new Error(`cannot open the WebRTC port ${listenIp}:${port} for worker ${index}: ${String(error)}`, { cause: error });
    }
    const slot = new PooledWorker(index, worker, webRtcServer);
    this.#slots[index] = slot;
    worker.once('died', (error) => this.#onDied(slot, error));
    this.#log.info({ workerIndex: index, pid: worker.pid, port }, 'mediasoup worker started');
  }

  #onDied(slot: PooledWorker, error: Error): void {
    this.#log.error({ workerIndex: slot.index, pid: slot.worker.pid, err: error }, 'mediasoup worker died');
    this.#slots[slot.index] = undefined;
    this.emit('workerdied', slot.index, error);
    if (this.#closed) return;
    const respawn = (): void => {
      if (this.#closed) return;
      this.#spawn(slot.index).then(
        () => this.emit('workerreplaced', slot.index),
        (spawnError: unknown) => {
          this.#log.error({ workerIndex: slot.index, err: spawnError }, 'mediasoup worker respawn failed');
          setTimeout(respawn, this.#options.respawnDelayMs).unref();
        },
      );
    };
    setTimeout(respawn, this.#options.respawnDelayMs).unref();
  }

  /** What each live worker holds right now, from the worker itself (leak checks, diagnostics). */
  async dumpWorkers(): Promise<{ index: number; routers: number; webRtcTransports: number }[]> {
    const live = this.#slots.filter((s): s is PooledWorker => s !== undefined && !s.worker.died);
    return Promise.all(
      live.map(async (s) => {
        // mediasoup 3.12 types its dumps as any: only the two id lists are read here
        const [worker, server] = (await Promise.all([s.worker.dump(), s.webRtcServer.dump()])) as [{ routerIds: string[] }, { webRtcTransportIds: string[] }];
        return { index: s.index, routers: worker.routerIds.length, webRtcTransports: server.webRtcTransportIds.length };
      }),
    );
  }

  /** Per-worker resource usage for /metrics and supervisors. */
  async workerStats(): Promise<{ index: number; pid: number; rooms: number; load: number; consumers: number; usage: types.WorkerResourceUsage }[]> {
    const live = this.#slots.filter((s): s is PooledWorker => s !== undefined && !s.worker.died);
    return Promise.all(
      live.map(async (s) => ({
        index: s.index,
        pid: s.worker.pid,
        rooms: s.rooms.size,
        load: s.load,
        consumers: [...s.rooms].reduce((n, room) => n + room.consumerCount, 0),
        usage: await s.worker.getResourceUsage(),
      })),
    );
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const room of this.#rooms.values()) room.close();
    for (const slot of this.#slots) slot?.worker.close();
  }
}
