#!/usr/bin/env node
// One-command set-up, then start or test. Plain Node with no dependencies: it runs before
// node_modules exists. Each step is skipped when its inputs have not changed, so re-runs are fast.
//
//   node scripts/bootstrap.mjs start   set up, build, start the service
//   node scripts/bootstrap.mjs test    set up, build, typecheck, lint, check formatting, run the whole suite
//   node scripts/bootstrap.mjs build   set up and build only
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const MODE = process.argv[2] ?? 'start';
const DATA_DIR = resolve(process.env.DATA_DIR ?? join(ROOT, '.data'));
const STAMPS_FILE = join(DATA_DIR, 'build-stamps.json');
const MEDIASOUP_VERSION = JSON.parse(readFileSync(join(ROOT, 'sfu/package.json'), 'utf8')).dependencies.mediasoup;

/** Debian packages: what the service needs to build and run, and what the test suite adds. */
const APT_RUNTIME = [
  'build-essential',
  'pkg-config',
  'meson',
  'ninja-build',
  'libssl-dev',
  'libuv1-dev',
  'libsrtp2-dev',
  'libusrsctp-dev',
  'libabsl-dev',
  'nlohmann-json3-dev',
  'redis-server',
  'postgresql',
];
const APT_TEST = ['chromium', 'firefox-esr', 'coturn', 'nftables', 'libnss3-tools', 'openssl', 'fonts-noto-cjk', 'fonts-noto-color-emoji', 'iproute2'];

const started = Date.now();
const log = (message) => process.stdout.write(`[setup] ${message}\n`);
const fail = (message) => {
  process.stderr.write(`[setup] ${message}\n`);
  process.exit(1);
};

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { cwd: ROOT, stdio: 'inherit', ...options });
  if (result.error) fail(`cannot run ${command}: ${result.error.message}`);
  if (result.status !== 0) fail(`${command} ${args.join(' ')} failed (exit ${result.status})`);
}

function checkNode() {
  const [major, minor] = process.versions.node.split('.').map(Number);
  if (major < 20 || (major === 20 && minor < 19)) fail(`Node.js >= 20.19 is required (this is ${process.versions.node})`);
}

function missingAptPackages(packages) {
  const probe = spawnSync('dpkg-query', ['-W', '-f=${Package} ${db:Status-Status}\n', ...packages], { encoding: 'utf8' });
  if (probe.error) fail('dpkg-query not found: this set-up expects Debian or Ubuntu (see README "Requirements")');
  const installed = new Set(
    probe.stdout
      .split('\n')
      .filter((line) => line.endsWith(' installed'))
      .map((line) => line.split(' ')[0].split(':')[0]),
  );
  return packages.filter((p) => !installed.has(p));
}

function ensureAptPackages() {
  const wanted = MODE === 'test' ? [...APT_RUNTIME, ...APT_TEST] : APT_RUNTIME;
  const missing = missingAptPackages(wanted);
  if (missing.length === 0) return;
  const line = `apt-get install -y --no-install-recommends ${missing.join(' ')}`;
  if (process.getuid?.() !== 0) {
    fail(`missing Debian packages; install them, then run this again:\n\n  sudo apt-get update && sudo ${line}\n`);
  }
  log(`installing Debian packages: ${missing.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  run('apt-get', ['update', '-q'], { env });
  run('apt-get', ['install', '-y', '-q', '--no-install-recommends', ...missing], { env });
}

/** Hash of the given files and of every file under the given directories (sorted, content and path). */
function hashInputs(paths) {
  const hash = createHash('sha256');
  const visit = (path) => {
    if (!existsSync(path)) return;
    const stat = statSync(path);
    if (stat.isDirectory()) {
      for (const name of readdirSync(path).sort()) {
        if (name === 'node_modules' || name === 'dist') continue;
        visit(join(path, name));
      }
    } else {
      hash.update(relative(ROOT, path)).update('\0').update(readFileSync(path)).update('\0');
    }
  };
  for (const path of paths) visit(join(ROOT, path));
  return hash.digest('hex');
}

function readStamps() {
  try {
    return JSON.parse(readFileSync(STAMPS_FILE, 'utf8'));
  } catch {
    return {};
  }
}

function writeStamp(name, value) {
  const stamps = readStamps();
  stamps[name] = value;
  mkdirSync(DATA_DIR, { recursive: true });
  writeFileSync(STAMPS_FILE, `${JSON.stringify(stamps, null, 2)}\n`);
}

/** Runs `step` unless its inputs hash to the same value as last time and its outputs exist. */
function cached(name, inputs, outputs, step) {
  const stamp = hashInputs(inputs);
  if (readStamps()[name] === stamp && outputs.every((o) => existsSync(join(ROOT, o)))) return;
  step();
  writeStamp(name, stamp);
}

const PACKAGE_FILES = ['package.json', 'package-lock.json', ...['protocol', 'sfu', 'server', 'client-sdk', 'agent-console', 'tests'].map((w) => `${w}/package.json`)];

function workerCachePath() {
  const base = process.env.ETAX_ASSIST_CACHE_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'etax-assist');
  return join(base, `mediasoup-worker-${MEDIASOUP_VERSION}`);
}

function ensureNpmDependencies() {
  cached('npm', PACKAGE_FILES, ['node_modules/.package-lock.json'], () => {
    log('installing npm dependencies');
    // With MEDIASOUP_WORKER_BIN set, mediasoup's postinstall (a GitHub download) is skipped.
    const env = { ...process.env, MEDIASOUP_WORKER_BIN: workerCachePath() };
    run('npm', ['ci', '--no-audit', '--no-fund'], { env });
  });
}

function workerSane(bin) {
  // Without MEDIASOUP_VERSION in its environment the worker exits with 41: proof it runs here.
  const result = spawnSync(bin, [], { env: {}, stdio: 'ignore' });
  return result.status === 41;
}

function ensureMediasoupWorker() {
  if (process.env.MEDIASOUP_WORKER_BIN) {
    if (!workerSane(process.env.MEDIASOUP_WORKER_BIN)) fail(`MEDIASOUP_WORKER_BIN=${process.env.MEDIASOUP_WORKER_BIN} does not run`);
    return;
  }
  const cachedBin = workerCachePath();
  if (!existsSync(cachedBin) || !workerSane(cachedBin)) {
    log(`building the mediasoup ${MEDIASOUP_VERSION} worker from source (about 6 minutes on 2 cores, once)`);
    run('sh', [join(ROOT, 'scripts/build-mediasoup-worker.sh'), MEDIASOUP_VERSION, cachedBin]);
  }
  const target = join(DATA_DIR, 'bin/mediasoup-worker');
  const same = existsSync(target) && statSync(target).size === statSync(cachedBin).size && statSync(target).mtimeMs >= statSync(cachedBin).mtimeMs;
  if (!same) {
    mkdirSync(dirname(target), { recursive: true });
    copyFileSync(cachedBin, target);
    chmodSync(target, 0o755);
  }
}

function build() {
  log('building (TypeScript projects, SDK bundle, agent console)');
  run('npx', ['tsc', '-b', 'tsconfig.json']);
  cached('client-sdk', ['client-sdk/src', 'client-sdk/build.mjs', 'client-sdk/tsconfig.json', 'protocol/src', 'package-lock.json'], ['client-sdk/dist/bundle/etax-assist.js'], () =>
    run('npm', ['run', 'build', '--workspace', '@etax-assist/client-sdk']),
  );
  cached(
    'agent-console',
    ['agent-console/src', 'agent-console/index.html', 'agent-console/vite.config.ts', 'client-sdk/src', 'protocol/src', 'package-lock.json'],
    ['agent-console/dist/index.html'],
    () => run('npm', ['run', 'build', '--workspace', '@etax-assist/agent-console']),
  );
}

function exec(command, args) {
  const child = spawn(command, args, { cwd: ROOT, stdio: 'inherit' });
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  return new Promise((resolveExit) => child.on('exit', (code, signal) => resolveExit(code ?? (signal ? 1 : 0))));
}

checkNode();
if (!['start', 'test', 'build'].includes(MODE)) fail(`unknown mode "${MODE}" (start, test or build)`);
ensureAptPackages();
ensureNpmDependencies();
ensureMediasoupWorker();
build();
log(`set-up done in ${((Date.now() - started) / 1000).toFixed(1)} s`);

if (MODE === 'start') {
  process.exitCode = await exec(process.execPath, [join(ROOT, 'server/dist/main.js')]);
} else if (MODE === 'test') {
  run('npm', ['run', 'typecheck']);
  run('npm', ['run', 'lint']);
  run('npm', ['run', 'format:check']);
  const code = await exec('npx', ['vitest', 'run', '--config', 'tests/vitest.config.ts']);
  log(`npm test finished in ${((Date.now() - started) / 60000).toFixed(1)} min (exit ${code})`);
  process.exitCode = code;
}
