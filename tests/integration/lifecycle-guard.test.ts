import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProtocolError, SESSION_STATES, SESSION_TRANSITIONS, type SessionState, type TransitionName, type TransitionRefusal } from '@etax-assist/protocol';
import { dispatchHarness, type DispatchHarness } from '../harness/dispatch.js';
import { startTestRedis, type TestRedis } from '../harness/redis.js';

type Refusable = { [N in TransitionName]: (typeof SESSION_TRANSITIONS)[N] extends { refusal: object } ? N : never }[TransitionName];

const AGENT = 'agent-1';
const TAXPAYER = 'tp-1';
const OFFER_KINDS = { 'accept:primary': 'primary', 'accept:escalation': 'escalation', 'accept:transfer': 'transfer', 'accept:reassign': 'reassign' } as const;

/**
 * How a caller asks for each transition that can be refused (a new one does not compile until it
 * is here): the session is `s`, served by AGENT, asked for by TAXPAYER, and holds an open offer to
 * AGENT of the kind its accept transition names.
 */
const ASK: Record<Refusable, (h: DispatchHarness, s: string) => Promise<unknown>> = {
  cancel: (h, s) => h.dispatcher.cancel(s, TAXPAYER),
  callback: (h, s) => h.dispatcher.callback(s, TAXPAYER),
  answerCallback: (h, s) => h.dispatcher.answerCallback(s, TAXPAYER),
  'accept:primary': (h, s) => h.dispatcher.accept(`${s}:1`, AGENT),
  'accept:escalation': (h, s) => h.dispatcher.accept(`${s}:1`, AGENT),
  'accept:transfer': (h, s) => h.dispatcher.accept(`${s}:1`, AGENT),
  'accept:reassign': (h, s) => h.dispatcher.accept(`${s}:1`, AGENT),
  'handover:escalation': (h, s) => h.dispatcher.handover('escalation', s, AGENT, { language: 'zh', topic: 'invoice', tier: 'expert', note: 'n' }),
  'handover:transfer': (h, s) => h.dispatcher.handover('transfer', s, AGENT, { language: 'zh', topic: 'invoice', tier: 'frontline', note: 'n' }),
  cancelHandover: (h, s) => h.dispatcher.cancelHandover(s, AGENT),
  finish: (h, s) => h.dispatcher.finish(s, { taxpayerSub: TAXPAYER }),
  wrapUp: (h, s) => h.dispatcher.wrapUp(s, AGENT, 'notes', h.dispatcher.catalog.current.outcomes[0]!.id),
  reassignTo: (h, s) => h.dispatcher.reassign(s, 'supervisor-1', 'agent-2'),
  reassignToQueue: (h, s) => h.dispatcher.reassign(s, 'supervisor-1'),
  observe: (h, s) => h.dispatcher.observe(s, 'supervisor-1', 'monitor'),
};

const refusalOf = async (work: Promise<unknown>): Promise<{ code: string; message: string } | undefined> => {
  try {
    await work;
    return undefined;
  } catch (error) {
    if (error instanceof ProtocolError) return { code: error.code, message: error.message };
    throw error;
  }
};

describe('the session lifecycle table and the dispatcher script agree', () => {
  let redis: TestRedis;
  let h: DispatchHarness;
  let sessions = 0;

  beforeAll(async () => {
    redis = await startTestRedis();
    h = await dispatchHarness(redis.url);
    await h.agent(AGENT);
    await h.agent('agent-2');
    await h.dispatcher.setStatus('agent-2', 'available');
  });
  afterAll(async () => {
    await h?.close();
    await redis?.stop();
  });

  /** A session in the given state, written as the script keeps one, served by AGENT with an offer open to it. */
  async function sessionIn(state: SessionState, transition: Refusable): Promise<string> {
    const s = `guard-session-${++sessions}`;
    const kind = transition in OFFER_KINDS ? OFFER_KINDS[transition as keyof typeof OFFER_KINDS] : undefined;
    await h.redis.hSet(`sess:${s}`, {
      id: s,
      state,
      taxpayerSub: TAXPAYER,
      agent: AGENT,
      cost: '1',
      queue: 'zh:invoice:frontline',
      ...(kind ? { offer: `${s}:1`, offerAgent: AGENT, offerExpires: String(Date.now() + 600_000), offerKind: kind } : {}),
    });
    return s;
  }

  const refusable = Object.keys(ASK) as Refusable[];
  for (const transition of refusable) {
    const { from } = SESSION_TRANSITIONS[transition];
    const refusal: TransitionRefusal = SESSION_TRANSITIONS[transition].refusal;
    const refused = SESSION_STATES.filter((state) => !(state in from));
    // the taxpayer hanging up a waiting session cancels it rather than being refused
    const asked = transition === 'finish' ? refused.filter((state) => !(state in SESSION_TRANSITIONS.cancel.from)) : refused;
    it(`refuses ${transition} from ${asked.join(', ')} as the table says`, async () => {
      for (const state of asked) {
        const message = refusal.naming === 'state' ? `${refusal.message} (state: ${state})` : refusal.message;
        await expect(refusalOf(ASK[transition](h, await sessionIn(state, transition))), state).resolves.toEqual({ code: refusal.code, message });
      }
    });
  }
});
