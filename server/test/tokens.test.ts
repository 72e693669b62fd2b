import { createHmac, generateKeyPairSync } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { describe, expect, it } from 'vitest';
import { ProtocolError } from '@etax-assist/protocol';
import type { AuthKeys } from '../src/auth/keys.js';
import { TokenService } from '../src/auth/tokens.js';

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

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof ProtocolError) return error.code;
    throw error;
  }
  return 'accepted';
}

const sign = (payload: object, key: string, options: jwt.SignOptions) => jwt.sign(payload, key, { expiresIn: 60, ...options });

describe('TokenService', () => {
  it('accepts a portal HS256 taxpayer token and keeps only identity claims', () => {
    const tokens = new TokenService(hsKeys, settings);
    const token = sign(taxpayer, portalSecret, { algorithm: 'HS256', issuer: 'etax-portal', audience: 'etax-assist' });
    expect(tokens.verify(token)).toEqual(taxpayer);
  });

  it('accepts a portal RS256 taxpayer token', () => {
    const tokens = new TokenService(rsKeys, settings);
    const token = sign(taxpayer, rsa.privateKey, { algorithm: 'RS256', issuer: 'etax-portal', audience: 'etax-assist' });
    expect(tokens.verify(token)).toEqual(taxpayer);
  });

  it('round-trips staff tokens it issued', () => {
    const tokens = new TokenService(hsKeys, settings);
    const { token } = tokens.issueStaff({ sub: 'agent1', role: 'agent', name: 'Wang' });
    expect(tokens.verify(token)).toEqual({ sub: 'agent1', role: 'agent', name: 'Wang' });
  });

  it.each([
    ['missing', () => undefined, 'UNAUTHENTICATED'],
    ['not a JWT', () => 'garbage', 'TOKEN_INVALID'],
    ['expired', () => jwt.sign({ ...taxpayer, exp: Math.floor(Date.now() / 1000) - 10 }, portalSecret, { algorithm: 'HS256', issuer: 'etax-portal', audience: 'etax-assist' }), 'TOKEN_EXPIRED'],
    ['forged (wrong key)', () => sign(taxpayer, 'x'.repeat(40), { algorithm: 'HS256', issuer: 'etax-portal', audience: 'etax-assist' }), 'TOKEN_INVALID'],
    ['wrong audience', () => sign(taxpayer, portalSecret, { algorithm: 'HS256', issuer: 'etax-portal', audience: 'other-app' }), 'TOKEN_INVALID'],
    ['unknown issuer', () => sign(taxpayer, portalSecret, { algorithm: 'HS256', issuer: 'someone', audience: 'etax-assist' }), 'TOKEN_INVALID'],
    ['without expiry', () => jwt.sign(taxpayer, portalSecret, { algorithm: 'HS256', issuer: 'etax-portal', audience: 'etax-assist' }), 'TOKEN_INVALID'],
    ['alg none', () => jwt.sign(taxpayer, '', { algorithm: 'none', issuer: 'etax-portal', audience: 'etax-assist', expiresIn: 60 }), 'TOKEN_INVALID'],
    ['portal token claiming a staff role', () => sign({ ...taxpayer, role: 'supervisor' }, portalSecret, { algorithm: 'HS256', issuer: 'etax-portal', audience: 'etax-assist' }), 'FORBIDDEN'],
    ['staff token signed with the portal secret', () => sign({ sub: 'x', role: 'supervisor', name: 'x' }, portalSecret, { algorithm: 'HS256', issuer: 'etax-assist', audience: 'etax-assist' }), 'TOKEN_INVALID'],
    ['claims missing a name', () => sign({ sub: 'u1', role: 'taxpayer' }, portalSecret, { algorithm: 'HS256', issuer: 'etax-portal', audience: 'etax-assist' }), 'VALIDATION_FAILED'],
  ])('rejects a %s token', (_name, make, code) => {
    const tokens = new TokenService(hsKeys, settings);
    expect(codeOf(() => tokens.verify(make()))).toBe(code);
  });

  it('refuses an HS256 token signed with the RS256 public key (algorithm confusion)', () => {
    const tokens = new TokenService(rsKeys, settings);
    // jsonwebtoken refuses to sign HS256 with a PEM, so build the token by hand.
    const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const now = Math.floor(Date.now() / 1000);
    const body = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ ...taxpayer, iss: 'etax-portal', aud: 'etax-assist', exp: now + 60 })}`;
    const token = `${body}.${createHmac('sha256', rsa.publicKey).update(body).digest('base64url')}`;
    expect(codeOf(() => tokens.verify(token))).toBe('TOKEN_INVALID');
  });
});
