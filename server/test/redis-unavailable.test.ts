import { describe, expect, it } from 'vitest';
import { ClientClosedError, ErrorReply, SocketClosedUnexpectedlyError } from 'redis';
import { ProtocolError } from '@etax-assist/protocol';
import { asUnavailable, redisOutOfMemoryRefusals } from '../src/redis/unavailable.js';

describe('a Redis outage is a clear, retryable error', () => {
  it('maps lost connections, a Redis still loading its data and a demoted primary to UNAVAILABLE', () => {
    for (const error of [
      new ClientClosedError(),
      new SocketClosedUnexpectedlyError(),
      new ErrorReply('LOADING Redis is loading the dataset in memory'),
      // a node the sentinels demoted, until the relay cuts its connections
      new ErrorReply("READONLY You can't write against a read only replica."),
    ]) {
      const mapped = asUnavailable(error);
      expect(mapped).toBeInstanceOf(ProtocolError);
      expect((mapped as ProtocolError).code).toBe('UNAVAILABLE');
    }
  });

  it('maps Redis at its maxmemory (a command or a write inside a script) to UNAVAILABLE, and counts it', async () => {
    const before = (await redisOutOfMemoryRefusals.get()).values[0]?.value ?? 0;
    for (const message of [
      "OOM command not allowed when used memory > 'maxmemory'.",
      "OOM command not allowed when used memory > 'maxmemory'. script: 1f2e, on @user_script:12.",
    ]) {
      const mapped = asUnavailable(new ErrorReply(message));
      expect(mapped).toBeInstanceOf(ProtocolError);
      expect((mapped as ProtocolError).toBody()).toEqual({ code: 'UNAVAILABLE', message: 'The service is at its memory limit; try again shortly' });
    }
    expect((await redisOutOfMemoryRefusals.get()).values[0]?.value).toBe(before + 2);
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
