import { describe, expect, it } from 'vitest';
import { ProtocolError } from '@etax-assist/protocol';
import { ClaimMapping } from '../src/auth/oidc/claim-mapping.js';

const mapping = new ClaimMapping({
  role: 'etax_role',
  groups: 'groups',
  groupRoles: [
    ['etax-admins', 'admin'],
    ['etax-supervisors', 'supervisor'],
    ['etax-agents', 'agent'],
  ],
  name: 'display_name',
  tier: 'etax_tier',
  languages: 'langs',
  topics: 'topics',
});

describe('ClaimMapping', () => {
  it('takes the role from the first listed group the user is in, and the skills from their claims', () => {
    expect(mapping.map({ sub: 'u1', groups: ['etax-agents', 'etax-supervisors'], display_name: '王敏', langs: 'zh en', topics: ['invoice', 'refund'] })).toEqual({
      sub: 'u1',
      role: 'supervisor',
      name: '王敏',
      languages: ['zh', 'en'],
      topics: ['invoice', 'refund'],
    });
  });

  it('prefers the role claim; the tier claim makes an agent an expert; an administrator has no skills', () => {
    expect(mapping.map({ sub: 'u2', etax_role: 'supervisor', groups: ['etax-agents'] }).role).toBe('supervisor');
    expect(mapping.map({ sub: 'u3', groups: 'etax-agents', etax_tier: 'expert' }).role).toBe('expert');
    expect(mapping.map({ sub: 'u4', groups: ['etax-admins'], langs: ['zh'] })).toEqual({ sub: 'u4', role: 'admin', name: 'u4' });
  });

  it('refuses someone in no staff group, saying so', () => {
    expect(() => mapping.map({ sub: 'u5', groups: ['everyone'], etax_role: 'taxpayer' })).toThrow(
      expect.objectContaining({ code: 'SIGN_IN_FAILED', details: { reason: 'access' } }) as ProtocolError,
    );
  });
});
