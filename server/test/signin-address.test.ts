import { describe, expect, it } from 'vitest';
import { throttledAddress } from '../src/auth/signin-throttle.js';

describe('the address a sign-in limit counts', () => {
  it('is an IPv4 address as it is (also when IPv6-mapped)', () => {
    expect(throttledAddress('203.0.113.7')).toBe('203.0.113.7');
    expect(throttledAddress('::ffff:203.0.113.7')).toBe('203.0.113.7');
  });

  it('is the /64 network of an IPv6 address, however it is written', () => {
    const network = '2001:db8:abcd:12::/64';
    for (const address of ['2001:db8:abcd:12::1', '2001:0db8:abcd:0012:ffff:ffff:ffff:ffff', '2001:DB8:ABCD:12:1:2:3:4', '2001:db8:abcd:12:0::9']) {
      expect(throttledAddress(address)).toBe(network);
    }
    expect(throttledAddress('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(throttledAddress('::1')).toBe('0:0:0:0::/64');
  });
});
