import { execFileSync } from 'node:child_process';

/**
 * What a taxpayer's office firewall lets out of a network namespace (nftables, output hook): the
 * TCP ports of the host side listed, and answers to what went out; everything else is dropped,
 * UDP included. `none()` lifts it.
 */
export class NamespaceFirewall {
  constructor(readonly namespace: string) {}

  /** Only TCP to `host` on these ports leaves the namespace. */
  allowOnlyTcp(host: string, ports: number[]): void {
    this.none();
    this.#nft(`
table inet office {
  chain out {
    type filter hook output priority 0; policy drop;
    oif "lo" accept
    ct state established,related accept
    ip daddr ${host} tcp dport { ${ports.join(', ')} } accept
    counter comment "dropped"
  }
}`);
  }

  /** Packets the firewall dropped so far (proof that it was in the way). */
  dropped(): number {
    const listing = execFileSync('ip', ['netns', 'exec', this.namespace, 'nft', 'list', 'table', 'inet', 'office'], { encoding: 'utf8' });
    return Number(/counter packets (\d+)/.exec(listing)?.[1] ?? 0);
  }

  none(): void {
    try {
      execFileSync('ip', ['netns', 'exec', this.namespace, 'nft', 'delete', 'table', 'inet', 'office'], { stdio: 'ignore' });
    } catch {
      // there was none
    }
  }

  #nft(ruleset: string): void {
    execFileSync('ip', ['netns', 'exec', this.namespace, 'nft', '-f', '-'], { input: ruleset, stdio: ['pipe', 'pipe', 'pipe'] });
  }
}
