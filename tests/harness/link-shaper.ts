import { execFileSync } from 'node:child_process';
import type { NetworkNamespace } from './netns.js';

/**
 * A thin, lossy link between a network namespace and the host, as a rural hall has: each way
 * shaped by a token bucket (`tc tbf`: the rate, and a queue that delays what exceeds it — the
 * kernel here has no netem) and, optionally, packets dropped at random by nftables
 * (`numgen random mod 100 < N`), both ways: UDP (the media), or every packet (the co-browsing's
 * TCP too). `clear()` gives the link back.
 */
/** A flow counted by LinkShaper.countFlows, by protocol and direction (up: from the namespace). */
export type Flow = 'udpUp' | 'udpDown' | 'tcpUp' | 'tcpDown';

export class LinkShaper {
  constructor(readonly ns: NetworkNamespace) {}

  shape(rateKbit: number, lossPct = 0, lossOf: 'udp' | 'all' = 'udp'): void {
    for (const [inside, device] of [
      [false, this.ns.hostSide],
      [true, this.ns.nsSide],
    ] as const) {
      // a queue of ~400 ms at the rate: what a modem's buffer holds
      const args = ['qdisc', 'replace', 'dev', device, 'root', 'tbf', 'rate', `${rateKbit}kbit`, 'burst', '8kb', 'latency', '400ms'];
      if (inside) execFileSync('ip', ['netns', 'exec', this.ns.name, 'tc', ...args], { stdio: 'pipe' });
      else execFileSync('tc', args, { stdio: 'pipe' });
    }
    this.#dropTable();
    if (lossPct > 0) {
      const match = lossOf === 'udp' ? 'meta l4proto udp ' : '';
      const ruleset = `
table inet lossy {
  chain in {
    type filter hook input priority 0; policy accept;
    ${match}numgen random mod 100 < ${lossPct} counter drop
  }
  chain out {
    type filter hook output priority 0; policy accept;
    ${match}numgen random mod 100 < ${lossPct} counter drop
  }
}`;
      execFileSync('ip', ['netns', 'exec', this.ns.name, 'nft', '-f', '-'], { input: ruleset, stdio: ['pipe', 'pipe', 'pipe'] });
    }
  }

  /** Packets the random loss dropped so far, both ways (proof that it is in effect). */
  dropped(): number {
    const listing = execFileSync('ip', ['netns', 'exec', this.ns.name, 'nft', 'list', 'table', 'inet', 'lossy'], { encoding: 'utf8' });
    return [...listing.matchAll(/counter packets (\d+)/g)].reduce((sum, m) => sum + Number(m[1]), 0);
  }

  /** The rate (kbit/s) the kernel shapes each end of the link to, as it reads it back; undefined where it does not. */
  rates(): { host: number | undefined; inside: number | undefined } {
    const rate = (listing: string) => {
      const m = /tbf .* rate (\d+)([KM]?)bit/.exec(listing);
      return m ? Number(m[1]) * (m[2] === 'M' ? 1000 : m[2] === 'K' ? 1 : 0.001) : undefined;
    };
    return {
      host: rate(execFileSync('tc', ['qdisc', 'show', 'dev', this.ns.hostSide], { encoding: 'utf8' })),
      inside: rate(execFileSync('ip', ['netns', 'exec', this.ns.name, 'tc', 'qdisc', 'show', 'dev', this.ns.nsSide], { encoding: 'utf8' })),
    };
  }

  /**
   * Counts the bytes of each flow at the namespace's end of the link, from now on (nftables
   * counters, ahead of the random loss): UDP (the call's media) and TCP (the co-browsing's socket),
   * up (out of the namespace, before the queue) and down (what arrived through it).
   */
  countFlows(): void {
    const { name, nsSide } = this.ns;
    const count = (flow: Flow) => `meta l4proto ${flow.startsWith('udp') ? 'udp' : 'tcp'} counter comment "${flow}"`;
    // declared empty and flushed first: counting starts again at zero on a second call
    const ruleset = `
table inet flows {}
flush table inet flows
table inet flows {
  chain in {
    type filter hook input priority -10; policy accept;
    iifname "${nsSide}" ${count('udpDown')}
    iifname "${nsSide}" ${count('tcpDown')}
  }
  chain out {
    type filter hook output priority -10; policy accept;
    oifname "${nsSide}" ${count('udpUp')}
    oifname "${nsSide}" ${count('tcpUp')}
  }
}`;
    execFileSync('ip', ['netns', 'exec', name, 'nft', '-f', '-'], { input: ruleset, stdio: ['pipe', 'pipe', 'pipe'] });
  }

  /** Bytes counted so far per flow (countFlows). */
  flowBytes(): Record<Flow, number> {
    const listing = execFileSync('ip', ['netns', 'exec', this.ns.name, 'nft', 'list', 'table', 'inet', 'flows'], { encoding: 'utf8' });
    const bytes = { udpUp: 0, udpDown: 0, tcpUp: 0, tcpDown: 0 };
    for (const m of listing.matchAll(/counter packets \d+ bytes (\d+) comment "(\w+)"/g)) bytes[m[2] as Flow] = Number(m[1]);
    return bytes;
  }

  clear(): void {
    for (const [inside, device] of [
      [false, this.ns.hostSide],
      [true, this.ns.nsSide],
    ] as const) {
      const args = ['qdisc', 'del', 'dev', device, 'root'];
      try {
        if (inside) execFileSync('ip', ['netns', 'exec', this.ns.name, 'tc', ...args], { stdio: 'ignore' });
        else execFileSync('tc', args, { stdio: 'ignore' });
      } catch {
        // not shaped
      }
    }
    this.#dropTable();
  }

  #dropTable(): void {
    try {
      execFileSync('ip', ['netns', 'exec', this.ns.name, 'nft', 'delete', 'table', 'inet', 'lossy'], { stdio: 'ignore' });
    } catch {
      // none
    }
  }
}
