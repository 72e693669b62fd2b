import { isIPv6 } from 'node:net';
import type { RedisClient } from '../redis/client.js';
import { SIGNIN_COMMANDS, type ScriptArgs } from '@etax-assist/protocol';
import { LuaScript } from '../redis/lua-script.js';
import { luaLocal } from '../redis/lua-source.js';
import { signinKeys } from './signin-keys.js';

export interface SigninLimits {
  windowS: number;
  /** Attempts that did not succeed, per account and window, before further ones get 429. */
  maxFailuresPerAccount: number;
  /** The same per client address (several staff may share an office's address). */
  maxFailuresPerAddress: number;
}

/** Why an attempt may not be made now: which limit is used up, and for how long still. */
export interface SigninRefusal {
  limit: 'account' | 'address';
  retryAfterS: number;
}

/**
 * The address a limit counts: an IPv4 address as it is, an IPv6 one by its /64 network (one
 * subscriber's allocation: otherwise a single client could take a fresh address per guess).
 */
export function throttledAddress(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1]!;
  if (!isIPv6(address)) return address;
  const [head = '', tail = ''] = address.toLowerCase().split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = address.includes('::') ? [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right] : left;
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}

/**
 * Throttles password guessing per account and per client address, with the counters in Redis
 * (server/lua/signin.lua) so that every instance behind the load balancer sees the same ones.
 */
export class SigninThrottle {
  readonly #script: LuaScript<typeof SIGNIN_COMMANDS>;

  constructor(
    redis: RedisClient,
    private readonly limits: SigninLimits,
  ) {
    this.#script = new LuaScript(redis, SIGNIN_COMMANDS, { name: 'sign-in', files: ['signin.lua'], prelude: luaLocal('key', signinKeys) });
  }

  /** Counts an attempt before its password is hashed, or refuses it when a limit is used up. */
  async begin(account: string, address: string): Promise<SigninRefusal | undefined> {
    const refusal = await this.#script.run('begin', this.#args(account, address));
    return 'limit' in refusal ? refusal : undefined;
  }

  /** A right password: the attempt is taken back, so staff signing in normally never run out. */
  async succeeded(account: string, address: string): Promise<void> {
    await this.#script.run('succeeded', this.#args(account, address));
  }

  #args(account: string, address: string): ScriptArgs<typeof SIGNIN_COMMANDS, 'begin'> {
    const { windowS, maxFailuresPerAccount, maxFailuresPerAddress } = this.limits;
    return { account, address: throttledAddress(address), windowMs: windowS * 1000, maxPerAccount: maxFailuresPerAccount, maxPerAddress: maxFailuresPerAddress };
  }
}
