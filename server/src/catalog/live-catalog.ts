import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import type { Catalog, CatalogContent } from '@etax-assist/protocol';
import { PeriodicTask } from '../lifecycle/periodic-task.js';
import type { CatalogStore } from './catalog-store.js';

/** The catalog version a part of the service applies now (read at every use, so a new one applies at once). */
export interface PublishedCatalog {
  readonly current: Catalog;
}

interface LiveCatalogEvents {
  /** A newer version was published (on any instance) and is this instance's now. */
  changed: [catalog: Catalog];
}

/**
 * This instance's copy of the published catalog. Every instance asks PostgreSQL for the newest
 * version number every CATALOG_REFRESH_MS and loads a newer one: the system of record is the one
 * place to look, no message can be missed (a pub/sub message sent while an instance reconnects
 * to Redis is lost), and the cost is one indexed query a few seconds apart. With PostgreSQL away
 * the instance goes on with the version it has.
 */
export class LiveCatalog extends EventEmitter<LiveCatalogEvents> implements PublishedCatalog {
  #current: Catalog;
  readonly #task: PeriodicTask;

  private constructor(
    private readonly store: CatalogStore,
    current: Catalog,
    refreshMs: number,
    log: Logger,
  ) {
    super();
    this.#current = current;
    this.#task = new PeriodicTask('catalog refresh', refreshMs, () => this.refresh(), log);
  }

  /** Seeds an empty history with `seed` (the first start of a deployment), then follows the published version. */
  static async start(store: CatalogStore, seed: CatalogContent, refreshMs: number, log: Logger): Promise<LiveCatalog> {
    await store.seed(seed);
    return new LiveCatalog(store, await store.latest(), refreshMs, log);
  }

  get current(): Catalog {
    return this.#current;
  }

  /** Loads the published version when it is newer than this instance's. */
  async refresh(): Promise<void> {
    if ((await this.store.latestVersion()) <= this.#current.version) return;
    const latest = await this.store.latest();
    // a refresh racing another (the publisher's own and the periodic one) never goes back
    if (latest.version <= this.#current.version) return;
    this.#current = latest;
    this.emit('changed', latest);
  }

  stop(): Promise<void> {
    return this.#task.stop();
  }
}
