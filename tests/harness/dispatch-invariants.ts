import { sessionIs } from '@etax-assist/protocol';

type RedisLike = {
  hGetAll(key: string): Promise<Record<string, string>>;
  sMembers(key: string): Promise<string[]>;
  zScore(key: string, member: string): Promise<number | null>;
  get(key: string): Promise<string | null>;
};

/**
 * The dispatcher's invariants, read back from Redis. Returns the violations found (empty = ok).
 * - an agent's load equals the cost of the sessions it serves plus the offers it holds, within capacity;
 * - a session is served by at most one primary agent, and every agent's session list agrees;
 * - a waiting session is in its queues exactly when it has no pending offer;
 * - an agent is in the routing index exactly when it can take work;
 * - a taxpayer's open-session pointer matches the session's state.
 */
export async function checkInvariants(redis: RedisLike, capacity: number, agentIds: Iterable<string>, sessionIds: Iterable<string>): Promise<string[]> {
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
    if (load < 0 || load > capacity) problems.push(`agent ${a}: load ${load} outside 0..${capacity}`);
    let expected = 0;
    for (const s of await redis.sMembers(`dp:agent:${a}:sessions`)) {
      const f = await session(s);
      if (f.agent !== a && f.secondary !== a) problems.push(`agent ${a}: lists session ${s} which names ${f.agent}/${f.secondary}`);
      if (!sessionIs(f.state ?? '', 'served')) problems.push(`agent ${a}: lists session ${s} in state ${f.state}`);
      expected += Number(f.cost);
    }
    for (const offer of await redis.sMembers(`dp:agent:${a}:offers`)) {
      const s = offer.slice(0, offer.lastIndexOf(':'));
      const f = await session(s);
      if (f.offer === offer && f.offerAgent === a) expected += Number(f.cost);
    }
    if (expected !== load) problems.push(`agent ${a}: load ${load} but sessions and offers cost ${expected}`);
    const skills = (agent.skills ?? '').split(',').filter(Boolean);
    const routable = agent.status === 'available' && agent.wrap !== '1' && load < capacity;
    for (const skill of skills.slice(0, 1)) {
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
    const waitingForAgent = f.state === 'queued' || ((f.state === 'escalating' || f.state === 'transferring') && !f.offer);
    for (const skill of queued) {
      const inQueue = (await redis.zScore(`dp:q:${skill}`, s)) !== null;
      if (inQueue !== waitingForAgent) problems.push(`session ${s} (${f.state}, offer ${f.offer ?? '-'}): in queue ${skill}=${inQueue}`);
    }
    if (f.state === 'offered' && !f.offer) problems.push(`session ${s}: offered without an offer`);
    if ((sessionIs(f.state, 'final') || f.state === 'queued') && f.offer) problems.push(`session ${s}: ${f.state} with a pending offer`);
    const pointer = await redis.get(`taxpayer:${f.taxpayerSub}:active`);
    const open = sessionIs(f.state, 'waiting') || sessionIs(f.state, 'served');
    if (open && pointer !== s) problems.push(`session ${s}: ${f.state} but the taxpayer's open session is ${pointer}`);
    if (!open && pointer === s) problems.push(`session ${s}: ${f.state} but still the taxpayer's open session`);
  }
  return problems;
}
