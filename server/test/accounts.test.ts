import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AccountDirectory, hashPassword, passwordMatches } from '../src/auth/accounts.js';

describe('staff accounts', () => {
  it('checks scrypt password hashes', async () => {
    const hash = await hashPassword('correct horse', randomBytes(16));
    expect(await passwordMatches('correct horse', hash)).toBe(true);
    expect(await passwordMatches('wrong', hash)).toBe(false);
    expect(await passwordMatches('x', 'scrypt$broken')).toBe(false);
  });

  it('loads the shipped development accounts and authenticates them', async () => {
    const accounts = AccountDirectory.fromFile(resolve(import.meta.dirname, '../../config/dev-accounts.json'));
    expect(accounts.size).toBeGreaterThanOrEqual(4);
    expect((await accounts.authenticate('agent1', 'agent1-pass'))?.role).toBe('agent');
    expect(await accounts.authenticate('agent1', 'nope')).toBeUndefined();
    expect(await accounts.authenticate('nobody', 'agent1-pass')).toBeUndefined();
  });

  it('refuses duplicate usernames', async () => {
    const account = { username: 'a', passwordHash: await hashPassword('p', randomBytes(16)), role: 'agent' as const, name: 'A', languages: [], topics: [] };
    expect(() => new AccountDirectory([account, account])).toThrow(/duplicate/);
  });
});
