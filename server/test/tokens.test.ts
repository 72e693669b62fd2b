import { generateKeyPairSync } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { describe, expect, it } from 'vitest';
import { ProtocolError } from '@etax-assist/protocol';
import type { AuthKeys } from '../src/auth/keys.js';
import { TokenService } from '../src/auth/tokens.js';
import { hs256WithPublicKey } from '../../tests/harness/algorithm-confusion.js';

const settings = { audience: 'etax-assist', staffIssuer: 'etax-assist', portalIssuer: 'etax-portal', staffTokenTtlS: 3600, clockToleranceS: 0 };
const staffSecret = 's'.repeat(40);
const portalSecret = 'p'.repeat(40);
const rsa = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  publicKeyEncoding: { type: 'spki', format: 'pem' },
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
});
const hsKeys: AuthKeys = { staffSecret, portal: { alg: 'HS256', secret: portalSecret } };
const rsKeys: AuthKeys = { staffSecret, portal: { alg: 'RS256', publicKey: rsa.publicKey, privateKey: undefined } };
const taxpayer = { sub: 'u1', role: 'taxpayer', name: '张伟', taxpayerId: '91310000MA1K000001' };

/** The refusal's code and message, so a test tells which check refused the token. */
async function refusalOf(fn: () => Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await fn();
  } catch (error) {
    if (error instanceof ProtocolError) return { code: error.code, message: error.message };
    throw error;
  }
  return { code: 'accepted', message: '' };
}

const sign = (payload: object, key: string, options: jwt.SignOptions) => jwt.sign(payload, key, { expiresIn: 60, ...options });

describe('TokenService', () => {
  it('accepts a portal HS256 taxpayer token and keeps only identity claims', async () => {
    const tokens = new TokenService(hsKeys, settings);
    const token = sign(taxpayer, portalSecret, { algorithm: 'HS256', issuer: 'etax-portal', audience: 'etax-assist' });
    expect((await tokens.verify(token)).principal).toEqual(taxpayer);
  });

  it('accepts a portal RS256 taxpayer token', async () => {
    const tokens = new TokenService(rsKeys, settings);
    const token = sign(taxpayer, rsa.privateKey, { algorithm: 'RS256', issuer: 'etax-portal', audience: 'etax-assist' });
    expect((await tokens.verify(token)).principal).toEqual(taxpayer);
  });

  it('round-trips staff tokens it issued, each with its own id (jti) and its validity', async () => {
    const tokens = new TokenService(hsKeys, { ...settings, clockToleranceS: 5 });
    const { token, expiresAt } = tokens.issueStaff({ sub: 'agent1', role: 'agent', name: 'Wang' });
    const verified = await tokens.verify(token);
    expect(verified.principal).toEqual({ sub: 'agent1', role: 'agent', name: 'Wang' });
    expect(verified.jti).toMatch(/^[0-9a-f-]{36}$/);
    expect((await tokens.verify(tokens.issueStaff({ sub: 'agent1', role: 'agent', name: 'Wang' }).token)).jti).not.toBe(verified.jti);
    // accepted until exp plus the clock tolerance
    expect(Math.abs(verified.validUntilMs - (Date.parse(expiresAt) + 5000))).toBeLessThan(1000);
  });

  it('has no jti for a portal token without one, and refuses a malformed jti', async () => {
    const tokens = new TokenService(hsKeys, settings);
    const options = { algorithm: 'HS256', issuer: 'etax-portal', audience: 'etax-assist' } as const;
    expect((await tokens.verify(sign(taxpayer, portalSecret, options))).jti).toBeUndefined();
    expect((await tokens.verify(sign(taxpayer, portalSecret, { ...options, jwtid: 'portal-42' }))).jti).toBe('portal-42');
    expect(await refusalOf(() => tokens.verify(sign({ ...taxpayer, jti: 42 }, portalSecret, options)))).toMatchObject({
      code: 'TOKEN_INVALID',
      message: expect.stringMatching(/jti/),
    });
    expect(await refusalOf(() => tokens.verify(sign(taxpayer, portalSecret, { ...options, jwtid: 'x'.repeat(129) })))).toMatchObject({
      code: 'TOKEN_INVALID',
      message: expect.stringMatching(/jti/),
    });
  });

  // Each refusal must come from the check named, not from an earlier one (a wrong-audience token
  // signed with the wrong key would only prove the signature check): hence the right keys below,
  // and the message asserted along with the code.
  it.each([
    ['missing', () => undefined, 'UNAUTHENTICATED', /bearer token is required/],
    ['not a JWT', () => 'garbage', 'TOKEN_INVALID', /not a JWT/],
    [
      'expired',
      () => jwt.sign({ ...taxpayer, exp: Math.floor(Date.now() / 1000) - 10 }, portalSecret, { algorithm: 'HS256', issuer: 'etax-portal', audience: 'etax-assist' }),
      'TOKEN_EXPIRED',
      /expired/,
    ],
    ['forged (wrong key)', () => sign(taxpayer, 'x'.repeat(40), { algorithm: 'HS256', issuer: 'etax-portal', audience: 'etax-assist' }), 'TOKEN_INVALID', /invalid signature/],
    ['wrong audience (right key)', () => sign(taxpayer, portalSecret, { algorithm: 'HS256', issuer: 'etax-portal', audience: 'other-app' }), 'TOKEN_INVALID', /audience invalid/],
    [
      'staff token for another audience (right key)',
      () => sign({ sub: 'a', role: 'agent', name: 'a' }, staffSecret, { algorithm: 'HS256', issuer: 'etax-assist', audience: 'other-app' }),
      'TOKEN_INVALID',
      /audience invalid/,
    ],
    ['unknown issuer', () => sign(taxpayer, portalSecret, { algorithm: 'HS256', issuer: 'someone', audience: 'etax-assist' }), 'TOKEN_INVALID', /unknown issuer/],
    ['without expiry', () => jwt.sign(taxpayer, portalSecret, { algorithm: 'HS256', issuer: 'etax-portal', audience: 'etax-assist' }), 'TOKEN_INVALID', /no expiry/],
    [
      'staff token without expiry',
      () => jwt.sign({ sub: 'a', role: 'agent', name: 'a' }, staffSecret, { algorithm: 'HS256', issuer: 'etax-assist', audience: 'etax-assist' }),
      'TOKEN_INVALID',
      /no expiry/,
    ],
    ['alg none', () => jwt.sign(taxpayer, '', { algorithm: 'none', issuer: 'etax-portal', audience: 'etax-assist', expiresIn: 60 }), 'TOKEN_INVALID', /signature is required/],
    [
      'staff alg none',
      () => jwt.sign({ sub: 'a', role: 'supervisor', name: 'a' }, '', { algorithm: 'none', issuer: 'etax-assist', audience: 'etax-assist', expiresIn: 60 }),
      'TOKEN_INVALID',
      /signature is required/,
    ],
    [
      'portal token claiming the supervisor role',
      () => sign({ ...taxpayer, role: 'supervisor' }, portalSecret, { algorithm: 'HS256', issuer: 'etax-portal', audience: 'etax-assist' }),
      'FORBIDDEN',
      /only carry the taxpayer role/,
    ],
    [
      'portal token claiming the agent role',
      () => sign({ ...taxpayer, role: 'agent' }, portalSecret, { algorithm: 'HS256', issuer: 'etax-portal', audience: 'etax-assist' }),
      'FORBIDDEN',
      /only carry the taxpayer role/,
    ],
    [
      'staff token signed with the portal secret',
      () => sign({ sub: 'x', role: 'supervisor', name: 'x' }, portalSecret, { algorithm: 'HS256', issuer: 'etax-assist', audience: 'etax-assist' }),
      'TOKEN_INVALID',
      /invalid signature/,
    ],
    [
      'claims missing a name',
      () => sign({ sub: 'u1', role: 'taxpayer' }, portalSecret, { algorithm: 'HS256', issuer: 'etax-portal', audience: 'etax-assist' }),
      'VALIDATION_FAILED',
      /taxpayer token claims/,
    ],
  ])('rejects a %s token', async (_name, make, code, message) => {
    const tokens = new TokenService(hsKeys, settings);
    const refusal = await refusalOf(() => tokens.verify(make()));
    expect(refusal.code).toBe(code);
    expect(refusal.message).toMatch(message);
  });

  it('refuses an HS256 token signed with the RS256 public key (algorithm confusion)', async () => {
    const tokens = new TokenService(rsKeys, settings);
    const token = hs256WithPublicKey(taxpayer, rsa.publicKey);
    expect(await refusalOf(() => tokens.verify(token))).toEqual({ code: 'TOKEN_INVALID', message: expect.stringMatching(/invalid algorithm/) });
  });

  it('refuses alg none and a portal staff role with RS256 portal keys too', async () => {
    const tokens = new TokenService(rsKeys, settings);
    const none = jwt.sign(taxpayer, '', { algorithm: 'none', issuer: 'etax-portal', audience: 'etax-assist', expiresIn: 60 });
    expect(await refusalOf(() => tokens.verify(none))).toEqual({ code: 'TOKEN_INVALID', message: expect.stringMatching(/signature is required/) });
    const staffRole = sign({ ...taxpayer, role: 'agent' }, rsa.privateKey, { algorithm: 'RS256', issuer: 'etax-portal', audience: 'etax-assist' });
    expect((await refusalOf(() => tokens.verify(staffRole))).code).toBe('FORBIDDEN');
    const otherAudience = sign(taxpayer, rsa.privateKey, { algorithm: 'RS256', issuer: 'etax-portal', audience: 'other-app' });
    expect(await refusalOf(() => tokens.verify(otherAudience))).toEqual({ code: 'TOKEN_INVALID', message: expect.stringMatching(/audience invalid/) });
  });
});
