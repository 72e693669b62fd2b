import { describe, expect, it } from 'vitest';
import { ClientClosedError, ErrorReply, SocketClosedUnexpectedlyError } from 'redis';
import { ProtocolError } from '@etax-assist/protocol';
import { asUnavailable } from '../src/redis/unavailable.js';

describe('a Redis outage is a clear, retryable error', () => {
  it('maps lost connections and a Redis still loading its data to UNAVAILABLE', () => {
    for (const error of [new ClientClosedError(), new SocketClosedUnexpectedlyError(), new ErrorReply('LOADING Redis is loading the dataset in memory')]) {
      const mapped = asUnavailable(error);
      expect(mapped).toBeInstanceOf(ProtocolError);
      expect((mapped as ProtocolError).code).toBe('UNAVAILABLE');
    }
  });

  it('leaves every other error as it is', () => {
    const bug = new TypeError('x is undefined');
    expect(asUnavailable(bug)).toBe(bug);
    const reply = new ErrorReply('WRONGTYPE Operation against a key holding the wrong kind of value');
    expect(asUnavailable(reply)).toBe(reply);
    const known = new ProtocolError('CONFLICT', 'no');
    expect(asUnavailable(known)).toBe(known);
  });
});
