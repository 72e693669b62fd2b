import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import type { SessionCard } from '@etax-assist/protocol';
import type { Dispatcher } from '../src/dispatcher/dispatcher.js';
import { DispatchNotifier } from '../src/dispatcher/notifier.js';
import type { AppServer } from '../src/realtime/socket-server.js';
import type { SessionAccess } from '../src/sessions/access.js';
import type { SessionStore } from '../src/sessions/session-store.js';

/** Fakes of what the notifier talks to: a socket server that records what it sends. */
function notifierWithFakes(cardDelayMs: number) {
  const sent: { room: string; name: string; payload: unknown }[] = [];
  const io = { to: (room: string) => ({ emit: (name: string, payload: unknown) => sent.push({ room, name, payload }) }) } as unknown as AppServer;
  const dispatcher = { on: () => dispatcher, capacity: 5 } as unknown as Dispatcher;
  const card = { sessionId: 's1' } as SessionCard;
  const sessions = { card: () => new Promise((resolve) => setTimeout(() => resolve(card), cardDelayMs)) } as unknown as SessionStore;
  const notifier = new DispatchNotifier(io, dispatcher, sessions, {} as SessionAccess, pino({ level: 'silent' }));
  return { notifier, sent };
}

describe("an offer's countdown", () => {
  it('is what is left of the offer when it is sent, not the whole timeout', async () => {
    const { notifier, sent } = notifierWithFakes(200);
    const now = 1_000_000;
    // the change was made 300 ms ago (a busy event loop), and reading the card takes 200 ms more
    await notifier.apply([{ t: 'offer', offer: 's1:1', session: 's1', agent: 'a1', kind: 'primary', expiresAt: now + 20_000 }], { now, receivedAt: performance.now() - 300 });
    const offer = sent.find((s) => s.name === 'offer:new')?.payload as { expiresInMs: number };
    expect(offer.expiresInMs).toBeLessThanOrEqual(20_000 - 500);
    expect(offer.expiresInMs).toBeGreaterThan(0);
  });

  it('is never negative for an offer already due', async () => {
    const { notifier, sent } = notifierWithFakes(0);
    await notifier.apply([{ t: 'offer', offer: 's1:1', session: 's1', agent: 'a1', kind: 'primary', expiresAt: 10 }], { now: 20, receivedAt: performance.now() });
    expect((sent[0]?.payload as { expiresInMs: number }).expiresInMs).toBe(0);
  });
});
