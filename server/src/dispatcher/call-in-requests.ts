import type { AgentState } from '@etax-assist/protocol';
import type { RequestRouter } from '../realtime/requests.js';
import type { CallIns } from './call-ins.js';

const AGENTS = ['agent', 'expert'] as const;

/** What agents and supervisors ask of call-ins over the socket (docs/dispatcher.md, "Call-ins"). */
export function registerCallInRequests(requests: RequestRouter, callIns: CallIns, agentState: (agentId: string) => Promise<AgentState>): void {
  requests.on('call-in:answer', AGENTS, async ({ principal }, { callInId, answer, reason }) => {
    await callIns.answer(principal.sub, callInId, answer, reason ?? '');
    return agentState(principal.sub);
  });

  requests.on('call-in:open', AGENTS, async ({ principal }) => {
    const callIn = await callIns.open(principal.sub);
    return callIn ? { callIn } : {};
  });

  requests.on('supervisor:call-in', ['supervisor'], async ({ principal }, { agentId, note }) => {
    await callIns.manual(agentId, principal.sub, note ?? '');
    return {};
  });
}
