import { pino } from 'pino';
import { SocketClosedUnexpectedlyError } from 'redis';
import { describe, expect, it } from 'vitest';
import type { Ack } from '@etax-assist/protocol';
import { RequestRouter } from '../src/realtime/requests.js';
import type { AppSocket } from '../src/realtime/socket-server.js';

type Listener = (name: string, ...args: unknown[]) => void;

/** Just what RequestRouter.attach uses of a socket: its principal and onAny. */
function fakeSocket(): { socket: AppSocket; send: (name: string, payload: unknown) => Promise<Ack<unknown>> } {
  let listener: Listener = () => {};
  const socket = { data: { principal: { sub: 'tp-1', role: 'taxpayer', name: 'T' } }, onAny: (fn: Listener) => (listener = fn) } as unknown as AppSocket;
  return { socket, send: (name, payload) => new Promise((resolve) => listener(name, payload, resolve)) };
}

describe('RequestRouter: acknowledgements of replicated requests wait for the replicas', () => {
  it('answers a replicated request only once the barrier confirms, and the others at once', async () => {
    let release: () => void = () => {};
    const confirms: string[] = [];
    const barrier = {
      confirm: () => {
        confirms.push('confirm');
        return new Promise<void>((resolve) => (release = resolve));
      },
    };
    const router = new RequestRouter(undefined, { requests: new Set(['chat:send']), barrier });
    const message = { sessionId: 's', id: '1-0', at: new Date(0).toISOString(), from: { id: 'tp-1', role: 'taxpayer', name: 'T' }, text: 'hi' };
    router.on('chat:send', ['taxpayer'], () => Promise.resolve(message));
    router.on('chat:history', ['taxpayer'], () => Promise.resolve({ messages: [] }));
    const { socket, send } = fakeSocket();
    router.attach(socket, pino({ level: 'silent' }));

    expect(await send('chat:history', { sessionId: 'AbCdEfGhIjKlMnOp' })).toEqual({ ok: true, result: { messages: [] } });
    expect(confirms).toEqual([]);
    let answered: Ack<unknown> | undefined;
    void send('chat:send', { sessionId: 'AbCdEfGhIjKlMnOp', text: 'hi' }).then((ack) => (answered = ack));
    await expect.poll(() => confirms).toEqual(['confirm']);
    expect(answered).toBeUndefined();
    release();
    await expect.poll(() => answered).toEqual({ ok: true, result: message });
  });

  it('answers UNAVAILABLE when the primary is gone before the replicas confirmed', async () => {
    const barrier = { confirm: () => Promise.reject(new SocketClosedUnexpectedlyError()) };
    const router = new RequestRouter(undefined, { requests: new Set(['chat:send']), barrier });
    router.on('chat:send', ['taxpayer'], () =>
      Promise.resolve({ sessionId: 's', id: '1-0', at: new Date(0).toISOString(), from: { id: 'tp-1', role: 'taxpayer', name: 'T' }, text: 'hi' }),
    );
    const { socket, send } = fakeSocket();
    router.attach(socket, pino({ level: 'silent' }));
    const ack = await send('chat:send', { sessionId: 'AbCdEfGhIjKlMnOp', text: 'hi' });
    expect(ack.ok ? 'ok' : ack.error.code).toBe('UNAVAILABLE');
  });
});
