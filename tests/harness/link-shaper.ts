import { execFileSync } from 'node:child_process';
import type { NetworkNamespace } from './netns.js';

/**
 * A thin, lossy link between a network namespace and the host, as a rural hall has: each way
 * shaped by a token bucket (`tc tbf`: the rate, and a queue that delays what exceeds it — the
 * kernel here has no netem) and, optionally, packets dropped at random by nftables
 * (`numgen random mod 100 < N`), both ways. `clear()` gives the link back.
 */
export class LinkShaper {
  constructor(readonly ns: NetworkNamespace) {}

  shape(rateKbit: number, lossPct = 0): void {
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
      const ruleset = `
table inet lossy {
  chain in {
    type filter hook input priority 0; policy accept;
    meta l4proto udp numgen random mod 100 < ${lossPct} counter drop
  }
  chain out {
    type filter hook output priority 0; policy accept;
    meta l4proto udp numgen random mod 100 < ${lossPct} counter drop
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
