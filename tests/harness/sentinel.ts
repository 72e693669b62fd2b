import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { createClient } from 'redis';
import { pongs, ServerProcess } from '@etax-assist/server';
import { freePort } from './ports.js';

/** The name the test sentinels monitor the primary under. */
export const SENTINEL_MASTER = 'etax';

export interface RedisNode {
  port: number;
  server: ServerProcess;
}

export interface TestSentinelRedis {
  /** The two data nodes; which one is primary changes with a failover. */
  nodes: RedisNode[];
  sentinelPorts: number[];
  /** The service's environment for this deployment (REDIS_SENTINELS, REDIS_SENTINEL_MASTER). */
  env: Record<string, string>;
  /** The node the sentinels name as primary now. */
  primary(): Promise<RedisNode>;
  /** kill -9 of the primary; resolves once the process is gone (its port refuses connections). */
  killPrimary(): Promise<RedisNode>;
  /** Resolves with the new primary once the sentinels have promoted another node than `dead`. */
  promoted(dead: RedisNode, timeoutMs?: number): Promise<RedisNode>;
  /** Starts a killed node again as a replica of the current primary (as an operator would; the sentinels alone take ~10 s to demote it). */
  restart(node: RedisNode): Promise<void>;
  stop(): Promise<void>;
}

/** How long a primary may be silent before the test sentinels take it for down: low, to keep tests short. */
const DOWN_AFTER_MS = 1000;

const log = pino({ level: 'silent' });

function startNode(bin: string, args: string[], port: number, name: string): Promise<ServerProcess> {
  return ServerProcess.start({ name, bin, args, stopSignal: 'SIGTERM', escalation: 'SIGKILL', ready: () => pongs(port), startTimeoutMs: 10_000, log });
}

function dataNodeArgs(port: number, dir: string, replicaOf?: number): string[] {
  mkdirSync(dir, { recursive: true });
  return [
    ...['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--daemonize', 'no'],
    ...['--appendonly', 'yes', '--appendfsync', 'everysec', '--save', '', '--maxmemory-policy', 'noeviction'],
    ...['--loglevel', 'warning', '--logfile', ''],
    ...(replicaOf === undefined ? [] : ['--replicaof', '127.0.0.1', String(replicaOf)]),
  ];
}

/**
 * A real Sentinel deployment on loopback: a primary, one replica and three `redis-server
 * --sentinel` processes (quorum 2, down after 1 s), each on a port of its own and a throw-away
 * directory; `stop` stops all of them.
 */
export async function startSentinelRedis(bin = 'redis-server'): Promise<TestSentinelRedis> {
  const root = mkdtempSync(join(tmpdir(), 'etax-sentinel-'));
  const [primaryPort, replicaPort] = [await freePort(), await freePort()];
  const nodes: RedisNode[] = [];
  for (const [port, replicaOf] of [[primaryPort], [replicaPort, primaryPort]] as const) {
    nodes.push({ port, server: await startNode(bin, dataNodeArgs(port, join(root, `node-${port}`), replicaOf), port, 'redis-server') });
  }
  const sentinelPorts: number[] = [];
  const sentinels: ServerProcess[] = [];
  for (let i = 0; i < 3; i++) {
    const port = await freePort();
    const dir = join(root, `sentinel-${i}`);
    mkdirSync(dir);
    // a sentinel rewrites its config file (what it learnt of the deployment): one each
    const conf = join(dir, 'sentinel.conf');
    writeFileSync(
      conf,
      [
        `port ${port}`,
        'bind 127.0.0.1',
        `dir ${dir}`,
        `sentinel monitor ${SENTINEL_MASTER} 127.0.0.1 ${primaryPort} 2`,
        `sentinel down-after-milliseconds ${SENTINEL_MASTER} ${DOWN_AFTER_MS}`,
        `sentinel failover-timeout ${SENTINEL_MASTER} 10000`,
        `sentinel parallel-syncs ${SENTINEL_MASTER} 1`,
        '',
      ].join('\n'),
    );
    sentinels.push(await startNode(bin, [conf, '--sentinel', '--loglevel', 'warning', '--logfile', ''], port, 'redis-sentinel'));
    sentinelPorts.push(port);
  }
  const ask = async (): Promise<number | undefined> => {
    for (const port of sentinelPorts) {
      const client = createClient({ socket: { host: '127.0.0.1', port, reconnectStrategy: false }, disableClientInfo: true });
      client.on('error', () => {});
      try {
        await client.connect();
        const reply = await client.sendCommand<[string, string] | null>(['SENTINEL', 'GET-MASTER-ADDR-BY-NAME', SENTINEL_MASTER]);
        if (reply) return Number(reply[1]);
      } catch {
        // the next sentinel
      } finally {
        if (client.isOpen) client.destroy();
      }
    }
    return undefined;
  };
  const nodeAt = (port: number | undefined): RedisNode | undefined => nodes.find((node) => node.port === port);
  const deployment: TestSentinelRedis = {
    nodes,
    sentinelPorts,
    env: { REDIS_SENTINELS: sentinelPorts.map((port) => `127.0.0.1:${port}`).join(','), REDIS_SENTINEL_MASTER: SENTINEL_MASTER },
    async primary() {
      const node = nodeAt(await ask());
      if (!node) throw new Error('the sentinels name no primary of this deployment');
      return node;
    },
    async killPrimary() {
      const node = await deployment.primary();
      process.kill(node.server.pid!, 'SIGKILL');
      await node.server.stop(5000); // waits for the exit
      return node;
    },
    async promoted(dead, timeoutMs = 15_000) {
      const until = Date.now() + timeoutMs;
      while (Date.now() < until) {
        const node = nodeAt(await ask());
        if (node && node !== dead) return node;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      throw new Error(`the sentinels promoted no replica within ${timeoutMs} ms`);
    },
    async restart(node) {
      const primary = await deployment.primary();
      node.server = await startNode(bin, dataNodeArgs(node.port, join(root, `node-${node.port}`), primary.port), node.port, 'redis-server');
    },
    async stop() {
      await Promise.all([...sentinels, ...nodes.map((node) => node.server)].map((server) => server.stop(5000)));
      rmSync(root, { recursive: true, force: true });
    },
  };
  // the sentinels know the replica (from the primary's INFO) before anything may fail over
  const until = Date.now() + 10_000;
  for (;;) {
    const client = createClient({ socket: { host: '127.0.0.1', port: sentinelPorts[0]! }, disableClientInfo: true });
    client.on('error', () => {});
    await client.connect();
    const replicas = await client.sendCommand<unknown[]>(['SENTINEL', 'REPLICAS', SENTINEL_MASTER]);
    const others = await client.sendCommand<unknown[]>(['SENTINEL', 'SENTINELS', SENTINEL_MASTER]);
    client.destroy();
    if (replicas.length === 1 && others.length === 2) break;
    if (Date.now() > until) throw new Error('the sentinels did not discover the replica and each other');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return deployment;
}
