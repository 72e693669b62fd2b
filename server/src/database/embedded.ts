import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import type { Logger } from 'pino';
import { liveProcessOf, processAlive, ServerProcess } from '../lifecycle/server-process.js';

export interface EmbeddedPostgresOptions {
  /** Where initdb and postgres are; default: the newest /usr/lib/postgresql/<major>/bin. */
  binDir: string | undefined;
  port: number;
  /** The cluster's directory (PGDATA), initialised on first start; its parent must exist. */
  dir: string;
  /** The superuser's password, kept by the caller; the cluster accepts no other login. */
  password: string;
  startTimeoutMs: number;
  log: Logger;
  /** false only for throw-away test clusters: no fsync, so a machine crash may lose commits. */
  durable?: boolean;
}

/** The cluster's only role: the service owns its private PostgreSQL whole. */
export const EMBEDDED_USER = 'etax';
const POSTGRES_ROOT = '/usr/lib/postgresql';
/** A unix socket path longer than this is refused by the kernel (sun_path is 108 bytes). */
const MAX_SOCKET_PATH = 100;
/** SQLSTATE invalid_password. */
const PASSWORD_REFUSED = '28P01';

/** Debian installs each major version's server under /usr/lib/postgresql/<major>/bin; the newest wins. */
export function findPostgresBinDir(): string {
  const majors = existsSync(POSTGRES_ROOT) ? readdirSync(POSTGRES_ROOT).filter((name) => /^\d+$/.test(name) && existsSync(join(POSTGRES_ROOT, name, 'bin/postgres'))) : [];
  const newest = majors.map(Number).sort((a, b) => b - a)[0];
  if (newest === undefined) {
    throw new Error(`no PostgreSQL server under ${POSTGRES_ROOT}/<major>/bin: install Debian's postgresql package, set DATABASE_BIN_DIR or DATABASE_URL`);
  }
  return join(POSTGRES_ROOT, String(newest), 'bin');
}

interface RunAs {
  uid: number;
  gid: number;
}

/**
 * postgres refuses to run as root: started as root, the cluster belongs to the `postgres` system
 * user that Debian's package creates; otherwise to whoever runs the service.
 */
function serverAccount(): RunAs | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((entry) => entry.startsWith('postgres:'));
  const [, , uid, gid] = line?.split(':') ?? [];
  if (uid === undefined || gid === undefined) {
    throw new Error("started as root, the embedded PostgreSQL runs as the 'postgres' system user, and there is none (install Debian's postgresql package)");
  }
  return { uid: Number(uid), gid: Number(gid) };
}

function searchable(path: string, account: RunAs): boolean {
  const { mode, uid, gid } = statSync(path);
  return (uid === account.uid && (mode & 0o100) !== 0) || (gid === account.gid && (mode & 0o010) !== 0) || (mode & 0o001) !== 0;
}

/**
 * The postgres user must reach the cluster through DATA_DIR: a private DATA_DIR (0700, as
 * mkdtemp makes it) is opened to its group only; any other closed directory above is the
 * operator's to open, so it is named rather than changed.
 */
function grantAccess(clusterDir: string, account: RunAs): void {
  const dataDir = dirname(clusterDir);
  if (!searchable(dataDir, account)) {
    chownSync(dataDir, statSync(dataDir).uid, account.gid);
    chmodSync(dataDir, (statSync(dataDir).mode & 0o7777) | 0o010);
  }
  for (let dir = dirname(dataDir); ; dir = dirname(dir)) {
    if (!searchable(dir, account)) {
      throw new Error(`the postgres user cannot reach ${clusterDir}: ${dir} is closed to it (chmod o+x ${dir}, choose another DATA_DIR or set DATABASE_URL)`);
    }
    if (dir === dirname(dir)) break;
  }
}

/** A service killed with -9 leaves its postgres running on the cluster: shut it down (fast) first. */
async function stopStale(dir: string, log: Logger): Promise<void> {
  const pidFile = join(dir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (!liveProcessOf(pid, 'postgres')) return;
  log.warn({ pid }, 'stopping a stale embedded postgres left by an earlier run');
  process.kill(pid, 'SIGINT');
  const deadline = Date.now() + 10_000;
  while (processAlive(pid) && Date.now() < deadline) await sleep(50);
  if (processAlive(pid)) process.kill(pid, 'SIGKILL');
}

function initCluster(binDir: string, dir: string, password: string, account: RunAs | undefined): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  // initdb reads the password from a file; a private one of the server's account beside the
  // cluster (where that account can reach), removed at once
  const pwDir = mkdtempSync(join(dirname(dir), '.initdb-'));
  const pwFile = join(pwDir, 'password');
  writeFileSync(pwFile, password, { mode: 0o600 });
  try {
    if (account) for (const path of [dir, pwDir, pwFile]) chownSync(path, account.uid, account.gid);
    const result = spawnSync(
      join(binDir, 'initdb'),
      ['-D', dir, '-U', EMBEDDED_USER, '--pwfile', pwFile, '--auth', 'scram-sha-256', '-E', 'UTF8', '--no-locale', '--no-instructions'],
      { ...account, encoding: 'utf8', env: { PATH: process.env.PATH ?? '', LC_ALL: 'C' } },
    );
    if (result.error) throw new Error(`cannot run ${join(binDir, 'initdb')}: ${result.error.message}`);
    if (result.status !== 0) {
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`initdb failed (exit ${result.status}):\n${(result.stdout + result.stderr).trim()}`);
    }
  } finally {
    rmSync(pwDir, { recursive: true, force: true });
  }
}

/** postgres writes `timestamp [pid] LEVEL:  message`; its level decides the log level here. */
function forwardLog(line: string, log: Logger): void {
  if (/\b(FATAL|PANIC):/.test(line)) log.error(line);
  else if (/\b(ERROR|WARNING):/.test(line)) log.warn(line);
  else log.debug(line);
}

/** True once postgres takes queries; false while it starts (or recovers); a refused password is final. */
async function accepts(url: string, dir: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch (error) {
    if ((error as { code?: string }).code === PASSWORD_REFUSED) {
      throw new Error(
        `the cluster in ${dir} refuses the password kept for it (DATA_DIR/secrets/postgres.password): restore that file, or move the cluster away to start a new one`,
        { cause: error },
      );
    }
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * A private PostgreSQL child process for a single-machine start (DATABASE_URL unset): the
 * cluster under DATA_DIR (initialised once), loopback only, password login, stopped with the service.
 */
export class EmbeddedPostgres {
  readonly #server: ServerProcess;

  private constructor(
    server: ServerProcess,
    readonly url: string,
  ) {
    this.#server = server;
  }

  static async start(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
    const { port, dir, password, log } = options;
    const binDir = options.binDir ?? findPostgresBinDir();
    const account = serverAccount();
    if (account) grantAccess(dir, account);
    await stopStale(dir, log);
    if (!existsSync(join(dir, 'PG_VERSION'))) {
      log.info({ dir }, 'initialising the embedded PostgreSQL cluster');
      initCluster(binDir, dir, password, account);
    }
    const durable = options.durable ?? true;
    const socketDir = join(dir, `.s.PGSQL.${port}`).length <= MAX_SOCKET_PATH ? dir : '';
    const settings: Record<string, string> = {
      listen_addresses: '127.0.0.1',
      port: String(port),
      unix_socket_directories: socketDir,
      logging_collector: 'off',
      log_destination: 'stderr',
      fsync: durable ? 'on' : 'off',
      synchronous_commit: durable ? 'on' : 'off',
      full_page_writes: durable ? 'on' : 'off',
    };
    const url = `postgres://${EMBEDDED_USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`;
    const server = await ServerProcess.start({
      name: 'postgres',
      bin: join(binDir, 'postgres'),
      args: ['-D', dir, ...Object.entries(settings).flatMap(([name, value]) => ['-c', `${name}=${value}`])],
      spawn: { ...account, env: { PATH: process.env.PATH ?? '', LC_ALL: 'C' } },
      // fast shutdown (sessions are cut, everything committed is on disk); immediate (crash recovery at the next start) only if it does not exit in time
      stopSignal: 'SIGINT',
      escalation: 'SIGQUIT',
      ready: () => accepts(url, dir),
      startTimeoutMs: options.startTimeoutMs,
      log,
      onLine: (line) => forwardLog(line, log),
    });
    log.info({ port, dir, pid: server.pid }, 'embedded postgres started');
    return new EmbeddedPostgres(server, url);
  }

  get pid(): number | undefined {
    return this.#server.pid;
  }

  stop(timeoutMs = 10_000): Promise<void> {
    return this.#server.stop(timeoutMs);
  }
}
