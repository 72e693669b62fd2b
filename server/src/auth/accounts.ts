import { scrypt, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { Type, type Static } from '@sinclair/typebox';
import { LanguageSchema, SignedInRoleSchema, TopicSchema, parse, type CreateStaffMember } from '@etax-assist/protocol';
import { tierOf } from '../dispatcher/dispatcher.js';

/**
 * A staff (or administrator) account of the development login. Its password stays here; the rest
 * seeds the staff directory once (`seedMembers`), which decides from then on.
 */
export const StaffAccount = Type.Object(
  {
    username: Type.String({ pattern: '^[a-z0-9._-]{1,64}$' }),
    /** `scrypt$<salt base64url>$<key base64url>` as made by hashPassword(). */
    passwordHash: Type.String({ pattern: '^scrypt\\$[A-Za-z0-9_-]+\\$[A-Za-z0-9_-]+$' }),
    role: SignedInRoleSchema,
    name: Type.String({ minLength: 1, maxLength: 200 }),
    languages: Type.Array(LanguageSchema, { default: [] }),
    topics: Type.Array(TopicSchema, { default: [] }),
  },
  { additionalProperties: false },
);
export type StaffAccount = Static<typeof StaffAccount>;

const AccountsFile = Type.Object({ accounts: Type.Array(StaffAccount) }, { additionalProperties: false });

const KEY_LENGTH = 32;

/** scrypt in libuv's thread pool: a synchronous hash (~50 ms) would stall every other request. */
const scryptAsync = promisify(scrypt) as (password: string, salt: Buffer, keyLength: number) => Promise<Buffer>;

export async function hashPassword(password: string, salt: Buffer): Promise<string> {
  const key = await scryptAsync(password, salt, KEY_LENGTH);
  return `scrypt$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

export async function passwordMatches(password: string, stored: string): Promise<boolean> {
  const [, salt, key] = stored.split('$');
  if (!salt || !key) return false;
  const expected = Buffer.from(key, 'base64url');
  const actual = await scryptAsync(password, Buffer.from(salt, 'base64url'), expected.length);
  return timingSafeEqual(actual, expected);
}

export class AccountDirectory {
  readonly #byUsername: Map<string, StaffAccount>;

  constructor(accounts: StaffAccount[]) {
    this.#byUsername = new Map(accounts.map((a) => [a.username, a]));
    if (this.#byUsername.size !== accounts.length) throw new Error('duplicate usernames in the accounts file');
  }

  static fromFile(path: string): AccountDirectory {
    const content: unknown = JSON.parse(readFileSync(path, 'utf8'));
    return new AccountDirectory(parse(AccountsFile, content, `accounts file ${path}`).accounts);
  }

  /** The accounts as new members of the staff directory, each topic at the middle level (3). */
  seedMembers(capacity: number): CreateStaffMember[] {
    return [...this.#byUsername.values()].map(({ username, role, name, languages, topics }) => ({
      sub: username,
      name,
      role,
      tier: tierOf(role),
      languages,
      topics: topics.map((topic) => ({ topic, level: 3 })),
      capacity,
      halls: [],
    }));
  }

  /** The account when the password is right, else undefined (same cost either way). */
  async authenticate(username: string, password: string): Promise<StaffAccount | undefined> {
    const account = this.#byUsername.get(username);
    // Hash against a dummy when the user is unknown so timing does not reveal usernames.
    const matches = await passwordMatches(password, account?.passwordHash ?? DUMMY_HASH);
    return account && matches ? account : undefined;
  }

  get size(): number {
    return this.#byUsername.size;
  }
}

/** Well-formed and matching no password: costs one full scrypt like a real account's hash. */
const DUMMY_HASH = `scrypt$${Buffer.alloc(16).toString('base64url')}$${Buffer.alloc(KEY_LENGTH).toString('base64url')}`;
