import { randomBytes } from 'node:crypto';
import {
  ProtocolError,
  type HelpRequest,
  type Principal,
  type SessionSummary,
  type TaxpayerClaims,
} from '@etax-assist/protocol';
import type { RedisClient } from '../redis/client.js';
import { participantId, sessionKeys } from './keys.js';

/**
 * Opens the session unless the taxpayer already has one (returns that id instead), atomically,
 * so two clicks or two instances can never open two sessions for one taxpayer.
 * KEYS: taxpayerActive, session, participants, events. ARGV: id, participant, createdAt, then field/value pairs.
 */
const CREATE_SESSION = `
local existing = redis.call('GET', KEYS[1])
if existing then return {0, existing} end
redis.call('SET', KEYS[1], ARGV[1])
local fields = {}
for i = 4, #ARGV do fields[#fields + 1] = ARGV[i] end
redis.call('HSET', KEYS[2], unpack(fields))
redis.call('SADD', KEYS[3], ARGV[2])
redis.call('XADD', KEYS[4], '*', 'state', 'queued', 'at', ARGV[3])
return {1, ARGV[1]}
`;

export interface SessionCatalog {
  topics: readonly string[];
  languages: readonly string[];
}

function summaryOf(id: string, fields: Record<string, string>): SessionSummary {
  return {
    sessionId: id,
    state: fields.state as SessionSummary['state'],
    language: fields.language ?? '',
    topic: fields.topic ?? '',
    channel: fields.channel as SessionSummary['channel'],
    priority: fields.priority as SessionSummary['priority'],
    createdAt: fields.createdAt ?? '',
  };
}

/** Assistance sessions as kept in Redis (the source of truth shared by every instance). */
export class SessionStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly catalog: SessionCatalog,
  ) {}

  async open(taxpayer: TaxpayerClaims, request: HelpRequest): Promise<SessionSummary> {
    if (!this.catalog.topics.includes(request.topic)) {
      throw new ProtocolError('VALIDATION_FAILED', `Unknown topic "${request.topic}"`, { topics: this.catalog.topics });
    }
    if (!this.catalog.languages.includes(request.language)) {
      throw new ProtocolError('VALIDATION_FAILED', `Unsupported language "${request.language}"`, { languages: this.catalog.languages });
    }
    const id = randomBytes(12).toString('base64url');
    const createdAt = new Date().toISOString();
    const fields: Record<string, string> = {
      id,
      state: 'queued',
      taxpayerSub: taxpayer.sub,
      taxpayerName: taxpayer.name,
      taxpayerId: taxpayer.taxpayerId ?? '',
      company: taxpayer.company ?? '',
      language: request.language,
      topic: request.topic,
      channel: request.channel,
      priority: request.priority ?? 'normal',
      entry: JSON.stringify(request.entry),
      createdAt,
      'stateAt:queued': createdAt,
    };
    const reply = (await this.redis.eval(CREATE_SESSION, {
      keys: [
        sessionKeys.taxpayerActive(taxpayer.sub),
        sessionKeys.session(id),
        sessionKeys.participants(id),
        sessionKeys.events(id),
      ],
      arguments: [id, participantId('taxpayer', taxpayer.sub), createdAt, ...Object.entries(fields).flat()],
    })) as [number, string];
    const [created, sessionId] = reply;
    if (created === 0) {
      throw new ProtocolError('CONFLICT', 'You already have an open help request', { sessionId });
    }
    return summaryOf(id, fields);
  }

  async get(id: string): Promise<SessionSummary | undefined> {
    const fields = await this.redis.hGetAll(sessionKeys.session(id));
    if (!fields.id) return undefined;
    return summaryOf(id, fields);
  }

  /** The session, if the principal takes part in it; NOT_FOUND otherwise (no existence leak). */
  async requireParticipant(id: string, principal: Principal): Promise<SessionSummary> {
    const [summary, member] = await Promise.all([
      this.get(id),
      this.redis.sIsMember(sessionKeys.participants(id), participantId(principal.role, principal.sub)),
    ]);
    if (!summary || !member) throw new ProtocolError('NOT_FOUND', 'No such session');
    return summary;
  }
}
