import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEV_PASSWORDS, startTestCluster, startTestService, type TestCluster, type TestService } from '../harness/service.js';

interface Answer {
  status: number;
  retryAfter: string | null;
  code: string | undefined;
}

async function signIn(url: string, username: string, password: string, address?: string): Promise<Answer> {
  const response = await fetch(`${url}/api/auth/dev-login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(address ? { 'x-forwarded-for': address } : {}) },
    body: JSON.stringify({ username, password }),
  });
  const body = (await response.json()) as { error?: { code: string } };
  return { status: response.status, retryAfter: response.headers.get('retry-after'), code: body.error?.code };
}

const count = (answers: Answer[], status: number) => answers.filter((a) => a.status === status).length;

describe('sign-in throttling (one instance)', () => {
  let t: TestService;
  beforeAll(async () => {
    t = await startTestService({ SIGNIN_MAX_FAILURES_PER_ACCOUNT: '5', SIGNIN_MAX_FAILURES_PER_ADDRESS: '20', SIGNIN_WINDOW_S: '300' });
  });
  afterAll(() => t?.stop());

  it('does not count right passwords once they are through', async () => {
    // one after the other: an attempt in flight counts until its password is checked
    for (let i = 0; i < 8; i++) expect(await signIn(t.url, 'agent2', 'agent2-pass')).toMatchObject({ status: 200 });
  });

  it('answers parallel wrong passwords with 429 and Retry-After beyond the account limit, and keeps /healthz answering meanwhile', async () => {
    const guesses = Promise.all(Array.from({ length: 40 }, (_, i) => signIn(t.url, 'agent1', `guess-${i}`)));
    // while the guesses are hashed the service still answers everyone else
    const health = Promise.all(Array.from({ length: 5 }, () => fetch(`${t.url}/healthz`).then((r) => r.status)));
    const answers = await guesses;
    expect(await health).toEqual(Array(5).fill(200));
    expect(count(answers, 401)).toBe(5);
    expect(count(answers, 429)).toBe(35);
    for (const refused of answers.filter((a) => a.status === 429)) {
      expect(refused.code).toBe('RATE_LIMITED');
      const wait = Number(refused.retryAfter);
      expect(Number.isInteger(wait) && wait >= 1 && wait <= 300).toBe(true);
    }
    // the account stays closed for the window, even to its right password
    expect(await signIn(t.url, 'agent1', DEV_PASSWORDS.agent1)).toMatchObject({ status: 429, code: 'RATE_LIMITED' });
  });

  it('still signs another account in from the same address', async () => {
    expect(await signIn(t.url, 'super1', DEV_PASSWORDS.super1)).toMatchObject({ status: 200 });
  });

  it('throttles one address guessing across many accounts, not the others', async () => {
    const attacker = '203.0.113.7';
    const answers = await Promise.all(Array.from({ length: 30 }, (_, i) => signIn(t.url, `nobody-${i}`, 'x', attacker)));
    expect(count(answers, 401)).toBe(20);
    expect(count(answers, 429)).toBe(10);
    expect(await signIn(t.url, 'expert1', 'expert1-pass', attacker)).toMatchObject({ status: 429, code: 'RATE_LIMITED' });
    expect(await signIn(t.url, 'expert1', 'expert1-pass', '203.0.113.8')).toMatchObject({ status: 200 });
  });
});

describe('sign-in throttling across instances on one Redis, behind no trusted proxy', () => {
  let c: TestCluster;
  beforeAll(async () => {
    c = await startTestCluster(2, { SIGNIN_MAX_FAILURES_PER_ACCOUNT: '4', SIGNIN_MAX_FAILURES_PER_ADDRESS: '6', TRUST_PROXY: 'false' });
  });
  afterAll(() => c?.stop());

  it('counts wrong passwords on either instance together', async () => {
    const [one, two] = c.instances;
    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => signIn((i % 2 ? one : two)!.url, 'agent1', `guess-${i}`)));
    expect(count(answers, 401)).toBe(4);
    expect(count(answers, 429)).toBe(6);
  });

  it("ignores an X-Forwarded-For a client sets itself: the address is the peer's", async () => {
    const [one, two] = c.instances;
    // 2 failures of this address are left (4 of 6 were spent above), whatever the header claims
    const answers = await Promise.all(Array.from({ length: 6 }, (_, i) => signIn((i % 2 ? one : two)!.url, `nobody-${i}`, 'x', `198.51.100.${i}`)));
    expect(count(answers, 401)).toBe(2);
    expect(count(answers, 429)).toBe(4);
  });
});
