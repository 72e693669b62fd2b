import type { LoginResponse } from '@etax-assist/protocol';
import { ApiError } from './api.js';

/**
 * What the console tabs of one browser tell each other about the provider sign-in's service token
 * (in memory only: nothing is stored). `need`: a tab asks the renewing tab for a token expiring
 * after `after`; `leading`: a tab became the renewing one (unanswered `need`s are asked again).
 */
type TokenMessage =
  | { kind: 'need'; id: string; after: number }
  | { kind: 'leading' }
  | { kind: 'token'; login: LoginResponse; for?: string }
  | { kind: 'refused'; code: string; message: string; details?: unknown }
  | { kind: 'forget' };

interface Asked {
  after: number;
  resolve: (login: LoginResponse) => void;
  reject: (error: ApiError) => void;
}

const CHANNEL = 'etax-console-service-token';
/** Held by the one tab that renews, for as long as it is open; the next tab in line takes over when it closes. */
const RENEWER_LOCK = 'etax-console-token-renewer';

const expiry = (login: LoginResponse): number => Date.parse(login.expiresAt);

/**
 * The provider sign-in's service token, shared by the console tabs of one browser. They share one
 * session cookie, hence one refresh token at the provider: two renewals racing would present it
 * twice, and a provider that rotates refresh tokens then revokes the whole sign-in. So one tab
 * (holding a Web Lock) renews, one renewal at a time, and hands every token to all tabs over a
 * BroadcastChannel; the others ask it instead of the service.
 */
export class SharedServiceToken {
  #current: LoginResponse | undefined;
  #leading = false;
  /** The renewal under way while this tab renews: every request waits for the same one. */
  #renewal: Promise<LoginResponse> | undefined;
  readonly #asked = new Map<string, Asked>();
  readonly #channel = new BroadcastChannel(CHANNEL);

  constructor(
    private readonly fetchToken: () => Promise<LoginResponse>,
    /** A renewal (this tab's or another's) was refused: unless the network failed, the sign-in has ended for every tab. */
    private readonly onRefused: (error: ApiError) => void,
  ) {
    this.#channel.onmessage = (event: MessageEvent<TokenMessage>) => this.#receive(event.data);
    // without Web Locks (a plain-HTTP address other than localhost) each tab renews on its own
    if (!('locks' in navigator)) this.#lead();
    else void navigator.locks.request(RENEWER_LOCK, () => (this.#lead(), new Promise<never>(() => undefined)));
  }

  /** A token expiring after `after` (ms since the epoch): the one at hand when it does, else a renewal. */
  token(after: number): Promise<LoginResponse> {
    if (this.#current && expiry(this.#current) > after) return Promise.resolve(this.#current);
    if (this.#leading) return this.#renew();
    return new Promise((resolve, reject) => {
      const id = crypto.randomUUID();
      this.#asked.set(id, { after, resolve, reject });
      this.#post({ kind: 'need', id, after });
    });
  }

  /** A token the service has just issued (no other tab's token will do: a sign-in's first). */
  fresh(): Promise<LoginResponse> {
    return this.token(Number.POSITIVE_INFINITY);
  }

  /** The sign-in ended (signed out, refused): no tab uses its token any more. */
  forget(): void {
    this.#current = undefined;
    this.#post({ kind: 'forget' });
  }

  #lead(): void {
    this.#leading = true;
    this.#post({ kind: 'leading' });
    for (const [id, asked] of this.#asked) {
      this.#asked.delete(id);
      this.#renew().then(asked.resolve, asked.reject);
    }
  }

  #renew(): Promise<LoginResponse> {
    this.#renewal ??= this.fetchToken()
      .then(
        (login) => {
          this.#adopt(login);
          this.#post({ kind: 'token', login });
          return login;
        },
        (error: unknown) => {
          const refusal = error instanceof ApiError ? error : new ApiError('network', 'network');
          this.#post({ kind: 'refused', code: refusal.code, message: refusal.message, details: refusal.details });
          this.onRefused(refusal);
          throw refusal;
        },
      )
      .finally(() => (this.#renewal = undefined));
    return this.#renewal;
  }

  /** A newer token of the same member replaces the one at hand (a token of another member never does). */
  #adopt(login: LoginResponse): void {
    const current = this.#current;
    if (current && (current.principal.sub !== login.principal.sub || expiry(current) >= expiry(login))) return;
    this.#current = login;
  }

  #receive(message: TokenMessage): void {
    switch (message.kind) {
      case 'need':
        if (!this.#leading) return;
        // a refusal has been told to every tab by the renewal itself
        this.token(message.after).then(
          (login) => this.#post({ kind: 'token', login, for: message.id }),
          () => undefined,
        );
        return;
      case 'leading':
        for (const [id, { after }] of this.#asked) this.#post({ kind: 'need', id, after });
        return;
      case 'token':
        this.#adopt(message.login);
        for (const [id, asked] of this.#asked) {
          if (id !== message.for && expiry(message.login) <= asked.after) continue;
          this.#asked.delete(id);
          asked.resolve(message.login);
        }
        return;
      case 'refused': {
        const refusal = new ApiError(message.code, message.message, message.details);
        for (const asked of this.#asked.values()) asked.reject(refusal);
        this.#asked.clear();
        this.onRefused(refusal);
        return;
      }
      case 'forget':
        this.#current = undefined;
    }
  }

  #post(message: TokenMessage): void {
    this.#channel.postMessage(message);
  }
}
