import { describe, expect, it } from 'vitest';
import { SESSION_TRANSITIONS, sessionIs, type SessionState } from '@etax-assist/protocol';
import { callbackStatus } from '../src/dispatcher/callback-status.js';

const from = (name: keyof typeof SESSION_TRANSITIONS) => SESSION_TRANSITIONS[name].from as Partial<Record<SessionState, SessionState>>;

describe('the callback in the session lifecycle (docs/dispatcher.md, "Callback")', () => {
  it('is asked for from the queue only, and keeps waiting there', () => {
    expect(from('callback')).toEqual({ queued: 'callback' });
    expect(sessionIs('callback', 'waiting')).toBe(true);
    expect(sessionIs('callback', 'open')).toBe(true);
  });

  it('holds an offer without leaving the state, goes on as an offer once the taxpayer is back, ends as missed', () => {
    expect(from('recall')).toEqual({ callback: 'callback' });
    expect(from('answerCallback')).toEqual({ callback: 'offered' });
    expect(from('miss')).toEqual({ callback: 'missed' });
    expect(sessionIs('missed', 'final')).toBe(true);
  });

  it('can be cancelled, widens as it waits, a revoked held offer leaves it a callback; it is never abandoned (the taxpayer is away by design)', () => {
    expect(from('cancel').callback).toBe('cancelled');
    expect(from('widen').callback).toBe('callback');
    expect(from('requeue').callback).toBe('callback');
    expect(from('abandon').callback).toBeUndefined();
  });

  it("tells the taxpayer's pages the hold, the misses and, only while an agent waits, the time to answer by", () => {
    expect(callbackStatus({ callbackUntil: '5000', callbackMisses: '1' })).toEqual({ holdUntil: 5000, misses: 1 });
    expect(callbackStatus({ callbackUntil: '5000', callbackMisses: '0', recallUntil: '4000' })).toEqual({ holdUntil: 5000, misses: 0, answerBy: 4000 });
  });
});
