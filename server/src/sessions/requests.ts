import { ProtocolError, type TaxpayerClaims } from '@etax-assist/protocol';
import type { Config } from '../config/env.js';
import type { Dispatcher } from '../dispatcher/dispatcher.js';
import type { RequestRouter } from '../realtime/requests.js';
import { rooms } from '../realtime/rooms.js';
import type { KioskDevices } from '../devices/kiosk-devices.js';
import { admitHelpRequest } from './help-claims.js';
import type { SessionStore } from './session-store.js';

async function summaryOrGone(sessions: SessionStore, sessionId: string) {
  const summary = await sessions.summary(sessionId);
  if (!summary) throw new ProtocolError('NOT_FOUND', 'No such session');
  return summary;
}

/** What taxpayers ask of their session over the socket. */
export function registerSessionRequests(requests: RequestRouter, sessions: SessionStore, dispatcher: Dispatcher, helpPolicy: Config['helpRequest'], kiosks: KioskDevices): void {
  requests.on('help:request', ['taxpayer'], async ({ socket, principal, log }, request) => {
    const taxpayer = principal as TaxpayerClaims;
    const sessionId = await dispatcher.request(taxpayer, await admitHelpRequest(request, taxpayer, helpPolicy, kiosks));
    await socket.join(rooms.session(sessionId));
    log.info({ sessionId, topic: request.topic, language: request.language, channel: request.channel }, 'help requested');
    return summaryOrGone(sessions, sessionId);
  });

  requests.on('help:cancel', ['taxpayer'], async ({ principal }, { sessionId }) => {
    await dispatcher.cancel(sessionId, principal.sub);
    return { state: 'cancelled' as const };
  });

  requests.on('session:resume', ['taxpayer'], async ({ socket, principal }, { sessionId }) => {
    await sessions.requireParticipant(sessionId, principal);
    await dispatcher.taxpayerBack(sessionId, principal.sub);
    await socket.join(rooms.session(sessionId));
    return summaryOrGone(sessions, sessionId);
  });

  requests.on('callback:request', ['taxpayer'], async ({ principal, log }, { sessionId }) => {
    await dispatcher.callback(sessionId, principal.sub);
    log.info({ sessionId }, 'callback requested');
    return { state: 'callback' as const };
  });

  requests.on('callback:answer', ['taxpayer'], async ({ socket, principal }, { sessionId }) => {
    await dispatcher.answerCallback(sessionId, principal.sub);
    await socket.join(rooms.session(sessionId));
    return summaryOrGone(sessions, sessionId);
  });

  requests.on('session:rate', ['taxpayer'], async ({ principal }, { sessionId, score, comment }) => {
    await dispatcher.rate(sessionId, principal.sub, score, comment ?? '');
    return {};
  });

  requests.on('session:end', ['taxpayer', 'agent', 'expert'], async ({ principal }, { sessionId }) => {
    const by = principal.role === 'taxpayer' ? { taxpayerSub: principal.sub } : { agentId: principal.sub };
    const state = await dispatcher.finish(sessionId, by);
    return { state: state as 'wrap-up' | 'cancelled' };
  });
}
