import type { Catalog, EntryPoint, Hall } from '@etax-assist/protocol';
import { fetchCatalog, fetchHalls } from './api.js';
import { addCatalog, addHalls } from './i18n.js';

/** How often, and how far apart, the console asks again for a version an instance behind the balancer does not serve yet (instances apply one within CATALOG_REFRESH_MS). */
const FOLLOW_TRIES = 10;
const FOLLOW_PAUSE_MS = 1000;

/**
 * What a staff console lists and names: the published catalog (topics, languages, outcomes) and
 * the halls, as translations (`topic.<id>`, `hall.<id>`…). Loaded at sign-in; fetched again
 * when the service announces a newer catalog version (`catalog:changed`), the halls when it
 * announces a hall changed (`halls:changed`) or a session names one the console does not know.
 */
export class ConsoleCatalog {
  /** Hall ids looked up once already: one that is still unknown (an old session's name) is not asked for again. */
  readonly #looked = new Set<string>();
  #hallsFetch: Promise<void> | undefined;

  private constructor(
    private readonly token: () => string,
    public current: Catalog,
    public halls: Hall[],
  ) {}

  /** `token`: the current bearer token (renewed under the provider sign-in). */
  static async load(token: () => string): Promise<ConsoleCatalog> {
    const [catalog, halls] = await Promise.all([fetchCatalog(token()), fetchHalls(token())]);
    addCatalog(catalog);
    addHalls(halls);
    return new ConsoleCatalog(token, catalog, halls);
  }

  /** Fetches the announced `version` (or a newer one), halls included; true when the console holds it now, false when it did already or could not get it. */
  async follow(version: number): Promise<boolean> {
    for (let tries = 0; tries < FOLLOW_TRIES && this.current.version < version; tries++) {
      if (tries > 0) await new Promise((resolve) => setTimeout(resolve, FOLLOW_PAUSE_MS));
      const [catalog, halls] = await Promise.all([fetchCatalog(this.token()), fetchHalls(this.token())]);
      if (catalog.version <= this.current.version) continue;
      addCatalog(catalog);
      this.#useHalls(halls);
      this.current = catalog;
      return true;
    }
    return false;
  }

  /** Makes sure the console can name these halls: fetched again when one is new to it; true when that brought names it lacked (never throws). */
  async knowHalls(ids: Iterable<string>): Promise<boolean> {
    const unknown = [...ids].filter((id) => !this.#looked.has(id) && !this.halls.some((h) => h.id === id));
    if (unknown.length === 0) return false;
    for (const id of unknown) this.#looked.add(id);
    await this.refreshHalls();
    return unknown.some((id) => this.halls.some((h) => h.id === id));
  }

  /** The halls fetched again (one added or renamed: `halls:changed`); one fetch for callers at once, never throws. */
  refreshHalls(): Promise<void> {
    this.#hallsFetch ??= fetchHalls(this.token())
      .then((halls) => this.#useHalls(halls))
      // not fetched: the halls keep the names they had until a later change, catalog or sign-in
      .catch(() => undefined)
      .finally(() => (this.#hallsFetch = undefined));
    return this.#hallsFetch;
  }

  /** The hall ids kiosk entries name (a record from before hall ids names none). */
  static hallIdsOf(entries: readonly EntryPoint[]): string[] {
    return entries.flatMap((entry) => (entry.kind === 'kiosk' && 'hallId' in entry ? [entry.hallId] : []));
  }

  #useHalls(halls: Hall[]): void {
    addHalls(halls);
    this.halls = halls;
  }
}
