import { createHmac } from 'node:crypto';
import type { IceServer } from '@etax-assist/protocol';
import type { Config } from '../config/env.js';

/**
 * ICE servers for a client. TURN credentials follow the TURN REST API scheme (coturn
 * `use-auth-secret`): username `<expiry unix time>:<user>`, password base64(HMAC-SHA1(secret,
 * username)), so they expire by themselves and the service never stores them.
 */
export function iceServersFor(user: string, ice: Config['ice'], nowMs = Date.now()): IceServer[] {
  const servers: IceServer[] = [];
  if (ice.stunUrls.length > 0) servers.push({ urls: ice.stunUrls });
  if (ice.turnUrls.length > 0 && ice.turnSecret) {
    const username = `${Math.floor(nowMs / 1000) + ice.turnCredentialTtlS}:${user}`;
    const credential = createHmac('sha1', ice.turnSecret).update(username).digest('base64');
    servers.push({ urls: ice.turnUrls, username, credential });
  }
  return servers;
}
