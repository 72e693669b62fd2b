import { sessionIs } from '@etax-assist/protocol';

type RedisLike = {
  hGetAll(key: string): Promise<Record<string, string>>;
  sMembers(key: string): Promise<string[]>;
  zScore(key: string, member: string): Promise<number | null>;
  get(key: string): Promise<string | null>;
};

/** What a session takes of an agent's capacity: voice and video all of it, text one unit. */
const costFor = (session: Record<string, string>, agent: Record<string, string>): number => (session.whole === '1' ? Number(agent.cap) : 1);

/**
 * Whether the agent may be offered the session by routing now: one of its skills is a key the
 * session accepts (`cands`), either of the session's topic at a level of at least the session's
 * `minLevel`, or an any-topic key (no level: the session widened to agents of any topic).
 */
export function eligible(agent: Record<string, string>, session: Record<string, string>): boolean {
  const cands = new Set((session.cands ?? '').split(',').filter(Boolean));
  const minLevel = Number(session.minLevel ?? 1);
  return (agent.skills ?? '').split(',').some((entry) => {
    const [key = '', level] = entry.split('@');
    return cands.has(key) && (level === undefined || Number(level) >= minLevel);
  });
}

/**
 * The dispatcher's invariants, read back from Redis. Returns the violations found (empty = ok).
 * - an agent's load equals what the sessions it serves and the offers it holds reserved of it
 *   (`held:<agent>`: 1 for text, the agent's own capacity for voice/video), within its capacity;
 * - a session is served by at most one primary agent, and every agent's session list agrees;
 * - a waiting session is in its queues exactly when it has no pending offer;
 * - a pending offer goes to an agent eligible for the session at its current `minLevel` (which
 *   does not change while an offer is pending), except an offer a supervisor made to a named
 *   agent (`namedOffers`: a person's choice, which levels do not bind);
 * - an agent is in the routing index exactly when it can take work;
 * - an offer held for a callback's taxpayer (`recallUntil`) is the offer of a session in the
 *   callback state, and its deadline is the grace's end: the sweep frees the agent then;
 * - a taxpayer's open-session pointer matches the session's state.
 */
export async function checkInvariants(redis: RedisLike, agentIds: Iterable<string>, sessionIds: Iterable<string>, namedOffers: ReadonlySet<string> = new Set()): Promise<string[]> {
  const problems: string[] = [];
  const sessionCache = new Map<string, Record<string, string>>();
  const session = async (id: string) => {
    let fields = sessionCache.get(id);
    if (!fields) {
      fields = await redis.hGetAll(`sess:${id}`);
      sessionCache.set(id, fields);
    }
    return fields;
  };

  for (const a of agentIds) {
    const agent = await redis.hGetAll(`dp:agent:${a}`);
    if (!agent.status) continue;
    const load = Number(agent.load);
    const capacity = Number(agent.cap);
    if (load < 0 || load > capacity) problems.push(`agent ${a}: load ${load} outside 0..${capacity}`);
    let expected = 0;
    const holds = (s: string, f: Record<string, string>) => {
      const held = Number(f[`held:${a}`]);
      if (held !== costFor(f, agent)) problems.push(`agent ${a}: session ${s} (${f.channel}) holds ${held} of capacity ${capacity}`);
      expected += held;
    };
    for (const s of await redis.sMembers(`dp:agent:${a}:sessions`)) {
      const f = await session(s);
      if (f.agent !== a && f.secondary !== a) problems.push(`agent ${a}: lists session ${s} which names ${f.agent}/${f.secondary}`);
      if (!sessionIs(f.state ?? '', 'served')) problems.push(`agent ${a}: lists session ${s} in state ${f.state}`);
      holds(s, f);
    }
    for (const offer of await redis.sMembers(`dp:agent:${a}:offers`)) {
      const s = offer.slice(0, offer.lastIndexOf(':'));
      const f = await session(s);
      if (f.offer !== offer || f.offerAgent !== a) continue;
      holds(s, f);
      if (f.offerKind !== 'reassign' && !namedOffers.has(offer) && !eligible(agent, f)) {
        problems.push(`agent ${a}: offered ${s} (minLevel ${f.minLevel}, accepts ${f.cands}) with skills ${agent.skills}`);
      }
    }
    if (expected !== load) problems.push(`agent ${a}: load ${load} but sessions and offers cost ${expected}`);
    const skills = (agent.skills ?? '').split(',').filter(Boolean);
    const routable = agent.status === 'available' && agent.wrap !== '1' && load < capacity;
    for (const skill of skills.slice(0, 1).map((entry) => entry.split('@')[0]!)) {
      const full = await redis.zScore(`dp:idx:${skill}:full`, a);
      const part = await redis.zScore(`dp:idx:${skill}:part`, a);
      const indexed = full !== null || part !== null;
      if (indexed !== routable) problems.push(`agent ${a}: indexed=${indexed} but routable=${routable}`);
      if (full !== null && load !== 0) problems.push(`agent ${a}: in the full index with load ${load}`);
    }
  }

  for (const s of sessionIds) {
    const f = await session(s);
    if (!f.state) continue;
    if (sessionIs(f.state, 'served')) {
      if (!f.agent) problems.push(`session ${s}: ${f.state} without an agent`);
      else if (!(await redis.sMembers(`dp:agent:${f.agent}:sessions`)).includes(s)) problems.push(`session ${s}: agent ${f.agent} does not list it`);
      if (f.secondary && f.secondary === f.agent) problems.push(`session ${s}: same agent twice`);
    }
    const queued = (f.cands ?? '').split(',').filter(Boolean);
    const waitingForAgent = f.state === 'queued' || ((f.state === 'callback' || f.state === 'escalating' || f.state === 'transferring') && !f.offer);
    for (const skill of queued) {
      const inQueue = (await redis.zScore(`dp:q:${skill}`, s)) !== null;
      if (inQueue !== waitingForAgent) problems.push(`session ${s} (${f.state}, offer ${f.offer ?? '-'}): in queue ${skill}=${inQueue}`);
    }
    if (f.state === 'offered' && !f.offer) problems.push(`session ${s}: offered without an offer`);
    if ((sessionIs(f.state, 'final') || f.state === 'queued') && f.offer) problems.push(`session ${s}: ${f.state} with a pending offer`);
    if (f.recallUntil !== undefined) {
      if (f.state !== 'callback' || !f.offer) problems.push(`session ${s}: ${f.state} holding an offer (${f.offer ?? '-'}) for the taxpayer`);
      else if ((await redis.zScore('dp:offers', f.offer)) !== Number(f.recallUntil))
        problems.push(`session ${s}: the held offer's deadline is not the grace's end ${f.recallUntil}`);
    }
    const pointer = await redis.get(`taxpayer:${f.taxpayerSub}:active`);
    const open = sessionIs(f.state, 'waiting') || sessionIs(f.state, 'served');
    if (open && pointer !== s) problems.push(`session ${s}: ${f.state} but the taxpayer's open session is ${pointer}`);
    if (!open && pointer === s) problems.push(`session ${s}: ${f.state} but still the taxpayer's open session`);
  }
  return problems;
}

/**
 * No session waits while an eligible agent that is free for it idles. Precisely: a session that
 * was (re)queued during a batch (`requeued`: it had a `session` effect to a waiting state, so its
 * last routing decision ran in the batch) and still waits without an offer has no agent among
 * `unchanged` (agents no effect of the batch named: routable, skills and load the same all batch
 * long, so that decision saw them as they are) that is available, not wrapping up, eligible for
 * it, not excluded (its agent, its secondary, or declined it), with free capacity for its cost.
 * (An agent freed later reads at most 8 entries of each queue, docs/dispatcher.md "Limits", so a
 * session further back may wait for its next chance: those are not checked.)
 */
export async function checkNobodyIdles(redis: RedisLike, requeued: Iterable<string>, unchanged: Iterable<string>): Promise<string[]> {
  const problems: string[] = [];
  const agents: [string, Record<string, string>][] = [];
  for (const a of unchanged) {
    const agent = await redis.hGetAll(`dp:agent:${a}`);
    if (agent.status === 'available' && agent.wrap !== '1') agents.push([a, agent]);
  }
  for (const s of requeued) {
    const f = await redis.hGetAll(`sess:${s}`);
    const waiting = f.state === 'queued' || f.state === 'callback' || f.state === 'escalating' || f.state === 'transferring';
    if (!waiting || f.offer || !f.cands) continue;
    const declined = new Set(await redis.sMembers(`sess:${s}:declined`));
    for (const [a, agent] of agents) {
      if (a === f.agent || a === f.secondary || declined.has(a)) continue;
      const free = Number(agent.cap) - Number(agent.load);
      if (eligible(agent, f) && costFor(f, agent) <= free)
        problems.push(`session ${s} (${f.state}, minLevel ${f.minLevel}, ${f.cands}) waits while agent ${a} (${agent.skills}, load ${agent.load}/${agent.cap}) is free`);
    }
  }
  return problems;
}
