import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHROMIUM } from './browser.js';

/**
 * A network namespace joined to the host by a veth pair, whose link a test can take down: the
 * only way found here to really cut a browser's WebRTC (CDP "offline" emulation does not touch
 * media). Needs root and iproute2. Addresses are private /30s no real network uses.
 */
export class NetworkNamespace {
  readonly hostSide: string;
  /** The veth end inside the namespace. */
  readonly nsSide: string;
  readonly #wrapperDir: string;
  readonly chromiumWrapper: string;

  private constructor(
    readonly name: string,
    readonly hostIp: string,
    readonly nsIp: string,
  ) {
    this.hostSide = `vh-${name}`;
    this.nsSide = `vn-${name}`;
    this.#wrapperDir = mkdtempSync(join(tmpdir(), 'etax-netns-'));
    this.chromiumWrapper = join(this.#wrapperDir, 'chromium');
    writeFileSync(this.chromiumWrapper, `#!/bin/sh\nexec ip netns exec ${name} ${CHROMIUM} "$@"\n`);
    chmodSync(this.chromiumWrapper, 0o755);
  }

  static create(name: string, subnet: number): NetworkNamespace {
    if (process.getuid?.() !== 0) throw new Error('network-cut tests need root (ip netns); run the suite as root');
    const ns = new NetworkNamespace(name, `10.231.${subnet}.1`, `10.231.${subnet}.2`);
    ns.#remove();
    const { nsSide } = ns;
    const ip = (...args: string[]) => execFileSync('ip', args, { stdio: 'pipe' });
    ip('netns', 'add', name);
    ip('link', 'add', ns.hostSide, 'type', 'veth', 'peer', 'name', nsSide);
    ip('link', 'set', nsSide, 'netns', name);
    ip('addr', 'add', `${ns.hostIp}/30`, 'dev', ns.hostSide);
    ip('link', 'set', ns.hostSide, 'up');
    ip('netns', 'exec', name, 'ip', 'addr', 'add', `${ns.nsIp}/30`, 'dev', nsSide);
    ip('netns', 'exec', name, 'ip', 'link', 'set', nsSide, 'up');
    ip('netns', 'exec', name, 'ip', 'link', 'set', 'lo', 'up');
    return ns;
  }

  /** Whether a TCP connection from inside the namespace to host:port is answered within a second and a half. */
  tcpReaches(host: string, port: number): boolean {
    const script = `const s=require('net').connect(${port},'${host}',()=>{console.log('open');process.exit(0)});s.on('error',()=>{console.log('closed');process.exit(0)});setTimeout(()=>{console.log('timeout');process.exit(0)},1500)`;
    return this.#node(script) === 'open';
  }

  /** Sends UDP datagrams from inside the namespace to host:port (a listener there tells whether they arrived). */
  sendUdp(host: string, port: number): void {
    this.#node(`const s=require('dgram').createSocket('udp4');let n=0;const f=()=>s.send('probe',${port},'${host}',()=>{if(++n<3)setTimeout(f,50);else s.close()});f()`);
  }

  #node(script: string): string {
    return execFileSync('ip', ['netns', 'exec', this.name, process.execPath, '-e', script], { encoding: 'utf8' }).trim();
  }

  /** Link down: nothing passes between the namespace and the host. */
  cut(): void {
    execFileSync('ip', ['link', 'set', this.hostSide, 'down']);
  }

  heal(): void {
    execFileSync('ip', ['link', 'set', this.hostSide, 'up']);
  }

  #remove(): void {
    try {
      execFileSync('ip', ['link', 'del', this.hostSide], { stdio: 'ignore' });
    } catch {
      // not there
    }
    try {
      execFileSync('ip', ['netns', 'del', this.name], { stdio: 'ignore' });
    } catch {
      // not there
    }
  }

  destroy(): void {
    this.#remove();
    rmSync(this.#wrapperDir, { recursive: true, force: true });
  }
}
