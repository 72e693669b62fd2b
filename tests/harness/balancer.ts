import { createConnection, createServer, type Server, type Socket } from 'node:net';

interface Pipe {
  client: Socket;
  upstream: Socket;
}

/**
 * A TCP load balancer for tests: each new connection goes to the next backend that accepts it
 * (a dead instance is skipped, as a balancer's health check would), and the traffic of its
 * connections can be cut (both directions stop, as when a network drops: nothing is closed, TCP
 * holds what was sent) or slowed (the backend's data to the client stops: a client that does not
 * keep up).
 */
export class TcpBalancer {
  readonly #pipes = new Set<Pipe>();
  #next = 0;

  private constructor(
    private readonly server: Server,
    readonly port: number,
    private readonly backends: { host: string; port: number }[],
  ) {}

  static async start(backendUrls: string[]): Promise<TcpBalancer> {
    const backends = backendUrls.map((url) => {
      const { hostname, port } = new URL(url);
      return { host: hostname, port: Number(port) };
    });
    // clients connect once it listens, so after `balancer` below is set
    const server = createServer((client) => balancer.accept(client));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    const balancer = new TcpBalancer(server, typeof address === 'object' && address ? address.port : 0, backends);
    return balancer;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  accept(client: Socket, attempt = 0): void {
    if (attempt >= this.backends.length) {
      client.destroy();
      return;
    }
    const backend = this.backends[this.#next++ % this.backends.length]!;
    const upstream = createConnection(backend);
    client.pause();
    let connected = false;
    // refused (the instance is down): the next backend gets the client
    upstream.once('error', () => {
      if (!connected) this.accept(client, attempt + 1);
    });
    upstream.once('connect', () => {
      connected = true;
      const pipe = { client, upstream };
      this.#pipes.add(pipe);
      client.pipe(upstream);
      upstream.pipe(client);
      client.resume();
      const close = () => {
        this.#pipes.delete(pipe);
        client.destroy();
        upstream.destroy();
      };
      client.on('close', close).on('error', close);
      upstream.on('close', close).on('error', close);
    });
  }

  /** The connections open now (to pick one to cut). */
  get pipes(): Pipe[] {
    return [...this.#pipes];
  }

  /** Cuts a connection's traffic both ways for `ms` (nothing is closed). */
  async cut(pipe: Pipe, ms: number): Promise<void> {
    pipe.client.unpipe(pipe.upstream);
    pipe.upstream.unpipe(pipe.client);
    pipe.client.pause();
    pipe.upstream.pause();
    await new Promise((resolve) => setTimeout(resolve, ms));
    pipe.client.pipe(pipe.upstream);
    pipe.upstream.pipe(pipe.client);
    pipe.client.resume();
    pipe.upstream.resume();
  }

  /** Stops what the backend sends to this client for `ms`: a client that does not keep up. */
  async slow(pipe: Pipe, ms: number): Promise<void> {
    pipe.upstream.unpipe(pipe.client);
    pipe.upstream.pause();
    await new Promise((resolve) => setTimeout(resolve, ms));
    pipe.upstream.pipe(pipe.client);
    pipe.upstream.resume();
  }

  async close(): Promise<void> {
    for (const pipe of this.#pipes) {
      pipe.client.destroy();
      pipe.upstream.destroy();
    }
    await new Promise((resolve) => this.server.close(resolve));
  }
}
