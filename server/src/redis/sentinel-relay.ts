import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { createClient } from 'redis';
import type { Logger } from 'pino';
import type { RedisSentinelConfig } from '../config/env.js';

interface NodeAddress {
  host: string;
  port: number;
}

const sameAddress = (a: NodeAddress | undefined, b: NodeAddress | undefined): boolean => a?.host === b?.host && a?.port === b?.port;

/** How often the sentinels are asked where the primary is, to notice a switch without a broken connection. */
const CHECK_INTERVAL_MS = 500;
/** How soon a connection waiting for a primary asks again. */
const RETRY_MS = 100;
/** A sentinel that has not answered by then is passed over for the next one. */
const SENTINEL_TIMEOUT_MS = 1000;

/**
 * The primary of a Sentinel-watched Redis, behind one loopback address that every connection of
 * the service uses (commands, scripts, pub/sub, the socket adapter's streams, blocking reads): each
 * connection made to the relay is joined to the node the sentinels name as primary now. When that
 * node dies the connections through it break and their clients reconnect by themselves; a new
 * connection is held (not refused) until the sentinels name a primary that accepts it. When the
 * sentinels switch to another node while the old one lives (a manual failover, a partition), the
 * connections to the old one are cut, so that no client keeps writing to a demoted node.
 *
 * Why a relay rather than node-redis's own `createSentinel`: that is another client type (no
 * `duplicate()`, pub/sub and blocking reads through leases), which neither the socket.io adapter
 * nor the service's modules take; every plain client connected here follows a failover unchanged.
 */
export class SentinelRelay {
  readonly #server: Server;
  readonly #sentinels: ReturnType<typeof createClient>[];
  readonly #masterName: string;
  readonly #password: string | undefined;
  readonly #log: Logger;
  readonly #links = new Map<Socket, { upstream: Socket | undefined; master: NodeAddress | undefined }>();
  #master: NodeAddress | undefined;
  #checker: NodeJS.Timeout | undefined;
  #stopped = false;
  /** Connections are waiting for a primary (logged once, when it starts and when it ends). */
  #waiting = false;

  private constructor(server: Server, config: RedisSentinelConfig, log: Logger) {
    this.#server = server;
    this.#masterName = config.masterName;
    this.#password = config.password;
    this.#log = log;
    // offline queue off: a sentinel that is down answers at once with an error, the next is asked
    this.#sentinels = config.sentinels.map(({ host, port }) => {
      const client = createClient({
        socket: { host, port, connectTimeout: SENTINEL_TIMEOUT_MS, reconnectStrategy: (retries) => Math.min(100 * 2 ** retries, 2000) },
        password: config.sentinelPassword,
        disableOfflineQueue: true,
        disableClientInfo: true,
      });
      client.on('error', () => {
        // a sentinel away is expected (that is why there are several); the relay logs what it decides
      });
      return client;
    });
  }

  static async start(config: RedisSentinelConfig, log: Logger): Promise<SentinelRelay> {
    const server = createServer({ pauseOnConnect: true, noDelay: true });
    const relay = new SentinelRelay(server, config, log);
    server.on('connection', (socket) => relay.#accept(socket));
    for (const sentinel of relay.#sentinels) void sentinel.connect().catch(() => {});
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    relay.#checker = setInterval(() => void relay.#check(), CHECK_INTERVAL_MS);
    return relay;
  }

  /**
   * Where the service connects. The relay authenticates to the data nodes itself, so that its
   * clients send nothing before their commands (redis/client.ts says why).
   */
  get url(): string {
    const { port } = this.#server.address() as AddressInfo;
    return `redis://127.0.0.1:${port}`;
  }

  /** The primary connections are joined to now (undefined before the sentinels first answered). */
  get master(): NodeAddress | undefined {
    return this.#master;
  }

  /** The primary's address as the first sentinel that answers has it. */
  async #askSentinels(): Promise<NodeAddress | undefined> {
    for (const sentinel of this.#sentinels) {
      if (!sentinel.isReady) continue;
      try {
        const reply = (await Promise.race([
          sentinel.sendCommand(['SENTINEL', 'GET-MASTER-ADDR-BY-NAME', this.#masterName]),
          new Promise((_, reject) => setTimeout(() => reject(new Error('sentinel timeout')), SENTINEL_TIMEOUT_MS).unref()),
        ])) as [string, string] | null;
        if (reply) return { host: reply[0], port: Number(reply[1]) };
      } catch {
        // the next sentinel
      }
    }
    return undefined;
  }

  async #check(): Promise<void> {
    const master = await this.#askSentinels();
    if (master && !sameAddress(master, this.#master)) this.#switchTo(master);
  }

  #switchTo(master: NodeAddress): void {
    const previous = this.#master;
    this.#master = master;
    if (!previous) return;
    let cut = 0;
    for (const [client, link] of this.#links) {
      if (link.upstream && !sameAddress(link.master, master)) {
        client.destroy();
        cut++;
      }
    }
    this.#log.warn({ from: previous, to: master, cut }, 'redis sentinel switched the primary; following it');
  }

  #accept(client: Socket): void {
    if (this.#stopped) {
      client.destroy();
      return;
    }
    const link: { upstream: Socket | undefined; master: NodeAddress | undefined } = { upstream: undefined, master: undefined };
    this.#links.set(client, link);
    client.once('close', () => {
      this.#links.delete(client);
      link.upstream?.destroy();
    });
    client.on('error', () => client.destroy());
    void this.#join(client, link);
  }

  /** Joins the client to the primary, asking the sentinels again until one accepts it or the client gives up. */
  async #join(client: Socket, link: { upstream: Socket | undefined; master: NodeAddress | undefined }): Promise<void> {
    while (!client.destroyed && !this.#stopped) {
      const master = await this.#askSentinels();
      if (master) {
        if (!sameAddress(master, this.#master)) this.#switchTo(master);
        const upstream = await opened(master, this.#password);
        if (upstream && client.destroyed) upstream.destroy();
        if (upstream && !client.destroyed) {
          link.upstream = upstream;
          link.master = master;
          upstream.on('error', () => upstream.destroy());
          upstream.once('close', () => client.destroy());
          client.pipe(upstream);
          upstream.pipe(client);
          client.resume();
          if (this.#waiting) this.#log.info({ master }, 'redis primary reachable again through the sentinels');
          this.#waiting = false;
          return;
        }
      }
      if (!this.#waiting) this.#log.warn({ master: this.#master, name: this.#masterName }, 'no primary reachable through the sentinels yet; redis connections wait');
      this.#waiting = true;
      await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
    }
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#checker);
    for (const client of this.#links.keys()) client.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
    // nothing is pending on them worth waiting for: a question of where the primary is
    for (const sentinel of this.#sentinels) if (sentinel.isOpen) sentinel.destroy();
  }
}

/**
 * A TCP connection to the node, authenticated with the password when there is one; undefined if
 * it refuses, refuses the password, or does not answer within the sentinels' timeout.
 */
function opened(address: NodeAddress, password: string | undefined): Promise<Socket | undefined> {
  return new Promise((resolve) => {
    const socket = connect({ host: address.host, port: address.port, noDelay: true });
    const fail = (): void => {
      socket.destroy();
      resolve(undefined);
    };
    const ready = (): void => {
      socket.setTimeout(0);
      socket.removeListener('error', fail);
      resolve(socket);
    };
    socket.setTimeout(SENTINEL_TIMEOUT_MS, fail);
    socket.once('error', fail);
    socket.once('connect', () => {
      if (password === undefined) return ready();
      const secret = Buffer.from(password);
      socket.write(Buffer.concat([Buffer.from(`*2\r\n$4\r\nAUTH\r\n$${secret.length}\r\n`), secret, Buffer.from('\r\n')]));
      let reply = '';
      const onData = (chunk: Buffer): void => {
        reply += chunk.toString();
        if (!reply.includes('\r\n')) return;
        socket.removeListener('data', onData);
        socket.pause();
        if (reply === '+OK\r\n') ready();
        else fail();
      };
      socket.on('data', onData);
    });
  });
}
