import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import pg from 'pg';
import { pino } from 'pino';
import { EmbeddedPostgres, findPostgresBinDir } from '@etax-assist/server';
import { freePort } from './ports.js';

/** The superuser's password of every test cluster (they listen on loopback and live minutes). */
const TEST_PASSWORD = 'etax-test-postgres';

export interface TestPostgres {
  /** The server's `postgres` database. */
  url: string;
  readonly postgres: EmbeddedPostgres;
  port: number;
  dir: string;
  /** A new empty database on this server: its URL. */
  createDatabase(): Promise<string>;
  /** Starts postgres again on the same port and cluster after a `stop` (a database outage). */
  start(): Promise<void>;
  /** Stops postgres (fast shutdown) and keeps the cluster for `start`. */
  pause(): Promise<void>;
  stop(): Promise<void>;
}

function copyCluster(from: string, to: string): void {
  // cp -a keeps the owner (the postgres user when run as root) and the modes postgres insists on
  const result = spawnSync('cp', ['-a', from, to], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`cannot copy ${from}: ${result.stderr}`);
}

/**
 * initdb takes a second; a copy of a cluster a tenth of that. One empty cluster per PostgreSQL
 * version and user is kept in the temp dir and copied for every server; the first process to
 * need it makes it (into a private dir, renamed into place, so concurrent test files agree).
 */
async function templateCluster(): Promise<string> {
  const binDir = findPostgresBinDir();
  const template = join(tmpdir(), `etax-postgres-template-${basename(dirname(binDir))}-${process.getuid?.() ?? 0}`, 'cluster');
  if (existsSync(join(template, 'PG_VERSION'))) return template;
  const work = mkdtempSync(join(tmpdir(), 'etax-postgres-init-'));
  const cluster = join(work, 'cluster');
  const postgres = await EmbeddedPostgres.start({
    binDir,
    port: await freePort(),
    dir: cluster,
    password: TEST_PASSWORD,
    startTimeoutMs: 30_000,
    log: pino({ level: 'silent' }),
    durable: false,
  });
  await postgres.stop();
  try {
    renameSync(work, dirname(template));
  } catch {
    // another test file made it first
    rmSync(work, { recursive: true, force: true });
  }
  return template;
}

/** A real PostgreSQL server of the test's own, on a free port with a throw-away cluster (no fsync). */
export async function startTestPostgres(): Promise<TestPostgres> {
  const template = await templateCluster();
  const base = mkdtempSync(join(tmpdir(), 'etax-postgres-'));
  const dir = join(base, 'cluster');
  copyCluster(template, dir);
  const options = { binDir: undefined, port: await freePort(), dir, password: TEST_PASSWORD, startTimeoutMs: 30_000, log: pino({ level: 'silent' }), durable: false };
  let postgres = await EmbeddedPostgres.start(options);
  let databases = 0;
  return {
    url: postgres.url,
    get postgres() {
      return postgres;
    },
    port: options.port,
    dir,
    async createDatabase() {
      const name = `test_${++databases}`;
      const client = new pg.Client({ connectionString: postgres.url });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${name}`);
      } finally {
        await client.end();
      }
      const url = new URL(postgres.url);
      url.pathname = `/${name}`;
      return url.toString();
    },
    async start() {
      postgres = await EmbeddedPostgres.start(options);
    },
    async pause() {
      await postgres.stop();
    },
    async stop() {
      await postgres.stop();
      rmSync(base, { recursive: true, force: true });
    },
  };
}
