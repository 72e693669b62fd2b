import { sessionIs, ProtocolError, type EntryPoint, type Principal, type SessionCard, type SessionSummary } from '@etax-assist/protocol';
import { dispatchKeys } from '../dispatcher/keys.js';
import type { RedisClient } from '../redis/client.js';
import { participantId, sessionKeys } from './keys.js';
import { averageHandlingS, estimateWaitS } from './wait-estimate.js';
import { callbackStatus } from '../dispatcher/callback-status.js';

export interface SessionStoreOptions {
  /** Agent capacity in units (= text sessions per agent). */
  capacity: number;
  defaultHandlingS: number;
}

type Fields = Record<string, string>;

/**
 * The read side of sessions: what participants see of a session, its queue position and
 * estimated wait, the agent's taxpayer card. The dispatcher writes.
 */
export class SessionStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly options: SessionStoreOptions,
  ) {}

  async fields(id: string): Promise<Fields | undefined> {
    const fields = await this.redis.hGetAll(sessionKeys.session(id));
    return fields.id ? fields : undefined;
  }

  /** The session's fields if the principal takes part in it; NOT_FOUND otherwise (no existence leak). */
  async requireParticipant(id: string, principal: Principal): Promise<Fields> {
    const [fields, member] = await Promise.all([this.fields(id), this.isParticipant(id, principal)]);
    if (!fields || !member) throw new ProtocolError('NOT_FOUND', 'No such session');
    return fields;
  }

  async isParticipant(id: string, who: Pick<Principal, 'role' | 'sub'>): Promise<boolean> {
    return (await this.redis.sIsMember(sessionKeys.participants(id), participantId(who.role, who.sub))) === 1;
  }

  async summary(id: string, known?: Fields): Promise<SessionSummary | undefined> {
    const f = known ?? (await this.fields(id));
    if (!f) return undefined;
    const summary: SessionSummary = {
      sessionId: id,
      state: f.state as SessionSummary['state'],
      language: f.language ?? '',
      topic: f.topic ?? '',
      channel: f.channel as SessionSummary['channel'],
      priority: f.priority as SessionSummary['priority'],
      createdAt: f.createdAt ?? '',
    };
    if (f.agent) summary.agent = { id: f.agent, name: await this.agentName(f.agent) };
    if (sessionIs(summary.state, 'waiting') && f.queue) Object.assign(summary, await this.#queueFigures(id, f));
    if (summary.state === 'callback') summary.callback = callbackStatus(f);
    if (summary.state === 'wrap-up' && f.wrapUntil) summary.wrapUpUntil = Number(f.wrapUntil);
    return summary;
  }

  async #queueFigures(id: string, f: Fields): Promise<Pick<SessionSummary, 'queuePosition' | 'estimatedWaitS' | 'agentOnDuty'>> {
    const queue = f.queue as string;
    // every skill the request accepts by now (its widening steps included) may bring its agent
    const skills = (f.cands || queue).split(',');
    const [rank, staffed, recent] = await Promise.all([
      this.redis.zRank(dispatchKeys.queue(queue), id),
      Promise.all(skills.map((skill) => this.redis.sCard(dispatchKeys.staff(skill)))),
      this.redis.lRange(dispatchKeys.handlingTimes(queue), 0, -1),
    ]);
    // A widening step's skills hold the earlier ones as a rule (any topic ⊇ this topic), so the
    // largest set stands for them all: exact for "anybody on duty", and never more agents than
    // there are (a wait is never promised shorter), without reading whole sets every second.
    const onDuty = Math.max(0, ...staffed);
    // An offered session is out of the queue: it is next.
    const position = rank === null ? 1 : rank + 1;
    // voice and video take a whole agent; text sessions as many as the usual capacity
    const perAgent = f.whole === '1' ? 1 : this.options.capacity;
    const estimate = estimateWaitS(position, onDuty, perAgent, averageHandlingS(recent, this.options.defaultHandlingS));
    const figures = { queuePosition: position, agentOnDuty: onDuty > 0 };
    return estimate === undefined ? figures : { ...figures, estimatedWaitS: estimate };
  }

  async agentName(agentId: string): Promise<string> {
    return (await this.redis.hGet(dispatchKeys.agent(agentId), 'name')) ?? agentId;
  }

  async card(id: string, known?: Fields): Promise<SessionCard> {
    const f = known ?? (await this.fields(id));
    if (!f) throw new ProtocolError('NOT_FOUND', 'No such session');
    const card: SessionCard = {
      sessionId: id,
      state: f.state as SessionCard['state'],
      taxpayer: { sub: f.taxpayerSub ?? '', name: f.taxpayerName ?? '', taxpayerId: f.taxpayerId ?? '', company: f.company ?? '' },
      entry: JSON.parse(f.entry ?? '{"kind":"portal","page":""}') as EntryPoint,
      language: f.language ?? '',
      topic: f.topic ?? '',
      channel: f.channel as SessionCard['channel'],
      priority: f.priority as SessionCard['priority'],
      createdAt: f.createdAt ?? '',
      waitedS: Math.max(0, Math.round((Date.now() - Number(f.firstEnqueuedAt ?? Date.now())) / 1000)),
    };
    if (f.question) card.question = f.question;
    // Whoever takes over an escalation or transfer gets the note written for them.
    if ((f.want && f.want !== 'primary') || f.secondary) {
      const events = await this.redis.xRevRange(sessionKeys.events(id), '+', '-', { COUNT: 20 });
      const note = events.find((e) => e.message.note !== undefined)?.message.note;
      if (note) card.handoverNote = note;
    }
    return card;
  }

  /** The sessions an agent serves, hands over or wraps up. */
  async openSessionsOfAgent(agentId: string): Promise<string[]> {
    const [active, wrapping] = await Promise.all([this.redis.sMembers(dispatchKeys.agentSessions(agentId)), this.redis.sMembers(dispatchKeys.agentWrapUps(agentId))]);
    return [...new Set([...active, ...wrapping])];
  }

  /** The taxpayer's open session, if any. */
  async openSessionOf(taxpayerSub: string): Promise<string | undefined> {
    return (await this.redis.get(sessionKeys.taxpayerActive(taxpayerSub))) ?? undefined;
  }
}
