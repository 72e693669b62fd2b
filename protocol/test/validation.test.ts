import { describe, expect, it } from 'vitest';
import { HelpRequest, ProtocolError, parse } from '../src/index.js';

const valid = { language: 'zh', topic: 'invoice', channel: 'video', entry: { kind: 'kiosk', kioskId: 'K-07', hall: '浦东办税服务厅' } };

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
    expect(() => parse(HelpRequest, { ...valid, entry: { kind: 'kiosk', kioskId: '' } }, 'x')).toThrow(ProtocolError);
  });
});
