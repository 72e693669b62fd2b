import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { issueTestCertificate } from './test-ca.js';

export interface TurnServer {
  /** What TURN_URLS says to reach it: TURN over TLS on TCP 443. */
  url: string;
  secret: string;
  /** Its certificate's authority: a browser that is to use it trusts this (homeTrusting). */
  caFile: string;
  /** What it logged (allocations, relayed peers): shown when a test fails. */
  output(): string;
  stop(): Promise<void>;
}

/**
 * Debian's coturn as a deployment runs it for this service (README "Media and firewalls"): the
 * REST-API shared secret, TLS on TCP 443 with a certificate (of a test authority here), relaying to the
 * media server. Plain TURN/STUN on UDP is off, so a client that connects does so through TLS.
 */
export async function startTurnServer(listenIp: string): Promise<TurnServer> {
  const dir = mkdtempSync(join(tmpdir(), 'etax-turn-'));
  const certificate = issueTestCertificate(dir, listenIp);
  const secret = 'turn-test-secret-0123456789abcdef';
  let output = '';
  const child: ChildProcess = spawn(
    'turnserver',
    [
      '-n', // no configuration file: only these options
      `--listening-ip=${listenIp}`,
      `--relay-ip=${listenIp}`,
      '--tls-listening-port=443',
      '--listening-port=3479',
      '--no-udp',
      '--no-dtls',
      '--no-tcp',
      `--cert=${certificate.certFile}`,
      `--pkey=${certificate.keyFile}`,
      '--use-auth-secret',
      `--static-auth-secret=${secret}`,
      '--realm=etax.test',
      '--fingerprint',
      '--no-cli',
      '--no-multicast-peers',
      '--min-port=49160',
      '--max-port=49200',
      '--log-file=stdout',
      '--simple-log',
      `--pidfile=${join(dir, 'turnserver.pid')}`,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await waitForTcp(listenIp, 443, () => output);
  return {
    url: `turns:${listenIp}:443?transport=tcp`,
    secret,
    caFile: certificate.caFile,
    output: () => output,
    async stop() {
      child.kill('SIGTERM');
      await Promise.race([exited, sleep(5000).then(() => child.kill('SIGKILL'))]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function waitForTcp(host: string, port: number, output: () => string): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ host, port }, () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await sleep(100);
  }
  throw new Error(`coturn did not listen on ${host}:${port}:\n${output()}`);
}
