import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose';

/** One of the portal's signing keys: its `kid`, algorithm and private half. */
export interface PortalSigningKey {
  kid: string;
  alg: 'RS256' | 'ES256';
  privateKey: CryptoKey;
  publicJwk: JWK;
}

export async function portalSigningKey(kid: string, alg: PortalSigningKey['alg']): Promise<PortalSigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg);
  return { kid, alg, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
}

/** A taxpayer token as the portal signs it with one of its published keys. */
export function signPortalToken(key: PortalSigningKey, claims: Record<string, unknown>, options: { issuer?: string; audience?: string; ttlS?: number } = {}): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: key.alg, kid: key.kid })
    .setIssuer(options.issuer ?? 'etax-portal')
    .setAudience(options.audience ?? 'etax-assist')
    .setIssuedAt()
    .setExpirationTime(`${options.ttlS ?? 600}s`)
    .sign(key.privateKey);
}

/**
 * The portal's JWKS endpoint, on a free local port: the test publishes and withdraws keys and
 * counts how often the service fetched them.
 */
export class JwksServer {
  #keys: PortalSigningKey[] = [];
  fetches = 0;
  readonly #server: Server = createServer((_request, response) => {
    this.fetches += 1;
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ keys: this.#keys.map((key) => key.publicJwk) }));
  });

  /** On `port` (0: a free one), so a test can bring the same endpoint back after stopping it. */
  static async start(port = 0): Promise<JwksServer> {
    const jwks = new JwksServer();
    await new Promise<void>((resolve) => jwks.#server.listen(port, '127.0.0.1', resolve));
    return jwks;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/.well-known/jwks.json`;
  }

  publish(...keys: PortalSigningKey[]): void {
    this.#keys = keys;
  }

  stop(): Promise<void> {
    this.#server.closeAllConnections();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }
}
