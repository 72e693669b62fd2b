import { describe, expect, it } from 'vitest';
import { AssetTokens, isProxiedAssetType, redactAssetToken } from '../src/cobrowse/assets.js';

describe('asset-proxy links', () => {
  const tokens = new AssetTokens('s'.repeat(40), 60);
  const agent = { role: 'agent', sub: 'agent1' } as const;
  const now = 1_700_000_000_000;

  it('name the session and the viewer they were issued to, and expire', () => {
    const token = tokens.issue('session-a', agent, now);
    expect(tokens.verify('session-a', token, now)).toEqual(agent);
    expect(tokens.verify('session-a', token, now + 59_000)).toEqual(agent);
    expect(tokens.verify('session-a', token, now + 61_000)).toBeUndefined();
    expect(tokens.verify('session-b', token, now)).toBeUndefined();
  });

  it('refuse a token whose viewer, expiry or signature was changed, or signed with another secret', () => {
    const [expires, , mac] = tokens.issue('session-a', agent, now).split('.');
    const otherViewer = Buffer.from('supervisor:super1').toString('base64url');
    expect(tokens.verify('session-a', `${expires}.${otherViewer}.${mac}`, now)).toBeUndefined();
    expect(tokens.verify('session-a', `${Number(expires) + 3600}.${tokens.issue('session-a', agent, now).split('.')[1]}.${mac}`, now)).toBeUndefined();
    expect(tokens.verify('session-a', `${expires}.x.${mac}.extra`, now)).toBeUndefined();
    expect(tokens.verify('session-a', new AssetTokens('o'.repeat(40), 60).issue('session-a', agent, now), now)).toBeUndefined();
  });

  it('pass images, fonts and stylesheets only', () => {
    for (const type of ['image/png', 'image/svg+xml', 'font/woff2', 'text/css', 'application/font-woff', 'application/vnd.ms-fontobject']) {
      expect(isProxiedAssetType(type)).toBe(true);
    }
    for (const type of ['text/html', 'application/javascript', 'text/javascript', 'application/json', 'application/octet-stream', '']) {
      expect(isProxiedAssetType(type)).toBe(false);
    }
  });

  it('are cut out of logged URLs', () => {
    expect(redactAssetToken('/cobrowse/asset/sess1234/1700000060.YWdlbnQ6YWdlbnQx.abc?url=https%3A%2F%2Fportal%2Fa.png')).toBe(
      '/cobrowse/asset/sess1234/[redacted]?url=https%3A%2F%2Fportal%2Fa.png',
    );
    expect(redactAssetToken('/api/sessions/x/attachments')).toBe('/api/sessions/x/attachments');
  });
});
