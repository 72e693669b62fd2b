import { describe, expect, it } from 'vitest';
import { HelpRequest, ProtocolError, parse } from '../src/index.js';

const valid = { language: 'zh', topic: 'invoice', channel: 'video', entry: { kind: 'kiosk', device: 'a-device-token' } };

describe('parse', () => {
  it('returns a value that matches the schema', () => {
    expect(parse(HelpRequest, valid, 'help request')).toEqual(valid);
  });

  it('throws VALIDATION_FAILED naming the offending path', () => {
    const error = (() => {
      try {
        parse(HelpRequest, { ...valid, channel: 'fax' }, 'help request');
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ProtocolError);
    expect((error as ProtocolError).code).toBe('VALIDATION_FAILED');
    expect((error as ProtocolError).message).toContain('/channel');
    expect((error as ProtocolError).httpStatus).toBe(400);
  });

  it('rejects unknown properties and bad entry points', () => {
    expect(() => parse(HelpRequest, { ...valid, extra: 1 }, 'x')).toThrow(ProtocolError);
    expect(() => parse(HelpRequest, { ...valid, entry: { kind: 'kiosk', device: '' } }, 'x')).toThrow(ProtocolError);
    // a kiosk and hall are the registry's to name (from the device token), never the request's
    expect(() => parse(HelpRequest, { ...valid, entry: { kind: 'kiosk', kioskId: 'K-07', hall: '浦东办税服务厅' } }, 'x')).toThrow(ProtocolError);
  });
});

describe('string formats', () => {
  it('checks date-time without ajv (as browsers do)', async () => {
    const { Value } = await import('@sinclair/typebox/value');
    const { SessionSummary } = await import('../src/index.js');
    const summary = { sessionId: 'abcdefgh', state: 'queued', language: 'zh', topic: 'refund', channel: 'text', priority: 'normal', createdAt: new Date().toISOString() };
    expect(Value.Check(SessionSummary, summary)).toBe(true);
    expect(Value.Check(SessionSummary, { ...summary, createdAt: 'yesterday' })).toBe(false);
  });
});
