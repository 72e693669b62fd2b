import type { ClientRequestName } from '@etax-assist/protocol';

/**
 * The socket requests whose acknowledgement waits for the replicas (ReplicationBarrier): what a
 * client is told is done and would act on wrongly if a failover took it back — a help request
 * accepted (the taxpayer waits for it), a cancel or an end (a session must not come back), a
 * chat message sent, consent to screen sharing or control given or withdrawn (a withdrawal lost
 * would hand control back), an offer taken, an agent's status, a handover, a wrap-up (the session's
 * record goes to the outbox then), a supervisor's reassignment, a session code read out.
 *
 * Not here: reads; media signalling (the router lives in one instance, clients rejoin); the
 * mirror's batches, annotations and control input (a live stream: a batch lost is made up by a
 * fresh snapshot); an offer declined (lost, the offer simply expires to the next agent).
 */
export const REPLICATED_REQUESTS: ReadonlySet<ClientRequestName> = new Set<ClientRequestName>([
  'help:request',
  'help:cancel',
  'session:end',
  'session:rate',
  'session:code',
  'session:join-by-code',
  'chat:send',
  'cobrowse:share',
  'cobrowse:control-request',
  'cobrowse:control-answer',
  'cobrowse:control-stop',
  'agent:status',
  'offer:accept',
  'session:escalate',
  'session:transfer',
  'session:cancel-handover',
  'session:leave',
  'session:wrap-up',
  'supervisor:reassign',
  'supervisor:agent-status',
]);
