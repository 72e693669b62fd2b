import { EventType, IncrementalSource } from '@rrweb/types';

/**
 * Points the mirror's images, fonts and other assets of the portal's origins at the service's
 * asset proxy: the portal serves them only to the logged-in taxpayer, never to the agent.
 * rrweb already made every URL absolute when it recorded the page.
 */
export interface AssetProxy {
  /** Service path of this session's proxy, e.g. /cobrowse/asset/<session>/<token> */
  base: string;
  origins: readonly string[];
}

interface SerializedNode {
  type: number;
  attributes?: Record<string, unknown>;
  childNodes?: SerializedNode[];
}

const URL_ATTRIBUTES = new Set(['src', 'href', 'poster', 'data', 'xlink:href']);
const CSS_URL = /url\(\s*(['"]?)([^'")]+)\1\s*\)/g;

export class AssetRewriter {
  readonly #prefix: string;

  constructor(private readonly proxy: AssetProxy) {
    this.#prefix = `${location.origin}${proxy.base}?url=`;
  }

  url(value: string): string {
    try {
      const url = new URL(value);
      return this.proxy.origins.includes(url.origin) ? `${this.#prefix}${encodeURIComponent(url.href)}` : value;
    } catch {
      return value;
    }
  }

  #srcset(value: string): string {
    return value
      .split(',')
      .map((part) => {
        const [url, ...descriptor] = part.trim().split(/\s+/);
        return url ? [this.url(url), ...descriptor].join(' ') : part;
      })
      .join(', ');
  }

  #css(value: string): string {
    return value.replace(CSS_URL, (whole, quote: string, url: string) => (url.startsWith('data:') ? whole : `url(${quote}${this.url(url)}${quote})`));
  }

  attribute(name: string, value: unknown): unknown {
    if (typeof value !== 'string') return value;
    if (URL_ATTRIBUTES.has(name)) return this.url(value);
    if (name === 'srcset') return this.#srcset(value);
    if (name === 'style' || name === '_cssText') return this.#css(value);
    return value;
  }

  #walk(node: SerializedNode): void {
    if (node.attributes) for (const [name, value] of Object.entries(node.attributes)) node.attributes[name] = this.attribute(name, value);
    for (const child of node.childNodes ?? []) this.#walk(child);
  }

  /** Rewrites one rrweb event in place. */
  rewrite(event: { type: EventType; data: unknown }): void {
    if (event.type === EventType.FullSnapshot) {
      this.#walk((event.data as { node: SerializedNode }).node);
    } else if (event.type === EventType.IncrementalSnapshot) {
      const data = event.data as { source: IncrementalSource; adds?: { node: SerializedNode }[]; attributes?: { attributes: Record<string, unknown> }[] };
      if (data.source !== IncrementalSource.Mutation) return;
      for (const add of data.adds ?? []) this.#walk(add.node);
      for (const change of data.attributes ?? []) {
        for (const [name, value] of Object.entries(change.attributes)) change.attributes[name] = this.attribute(name, value);
      }
    }
  }
}
