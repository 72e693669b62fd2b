-- The dispatcher's state machine, run atomically inside Redis so that several service instances
-- sharing one Redis can never over-fill an agent or assign a session twice.
--
-- Called as EVALSHA sha 0 <command> <json args> (the commands and their arguments, results and
-- effects are declared in protocol/src/dispatch-commands.ts and dispatch-effect.ts). Keys are
-- derived from the arguments (so the script needs a single Redis or a Sentinel-managed primary,
-- not Redis Cluster). The TypeScript side puts a prelude before this file (server/src/dispatcher/
-- script.ts): `key` (the key names of the key modules), `BAND` and `TRANSITIONS` (the session
-- lifecycle of protocol/src/lifecycle.ts, which every state change goes through: guard, next_state).
-- Every command validates everything before its first write (a Lua error does not roll back),
-- and returns JSON: { ok = true, result = ..., effects = [...] } or { ok = false, code, message }.
-- Effects tell the calling instance whom to notify; they are facts, already committed.
--
-- Cost model: an agent has CAP capacity units; a text session costs 1, voice/video costs CAP.
-- Routing reads the head of a handful of sorted sets (O(log n) each): agents are indexed by
-- skill ("lang:topic:tier", with '*' for any language/topic) in two sets, 'full' (nothing
-- assigned) and 'part' (some capacity left), scored by idleSince so the head is the agent idle
-- longest; queues are sorted sets per skill scored band * 1e13 + enqueuedAt.

local cmd = ARGV[1]
local args = cjson.decode(ARGV[2])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local effects = {}

local function hgetall(k)
  local flat = redis.call('HGETALL', k)
  local h = {}
  for i = 1, #flat, 2 do h[flat[i]] = flat[i + 1] end
  return h
end

local CFG = hgetall(key.config)
if not CFG.capacity then
  return fail('UNAVAILABLE', 'dispatcher configuration missing in Redis')
end
local CAP = tonumber(CFG.capacity)
local OFFER_MS = tonumber(CFG.offerMs)
local MAX_TIMEOUTS = tonumber(CFG.maxTimeouts)
local WRAP_MS = tonumber(CFG.wrapMs)
local RETENTION_S = tonumber(CFG.retentionS)
local HISTORY_LIMIT = tonumber(CFG.historyLimit)
local STATS_WINDOW_MS = tonumber(CFG.statsWindowMs)
local SL_MS = tonumber(CFG.serviceLevelMs)
-- How many queue entries an agent looks at per skill queue to skip sessions it cannot take
-- (declined before, too big for its free capacity): bounds the work of one decision.
local QUEUE_SCAN = 8

local function fail(code, message)
  return cjson.encode({ ok = false, code = code, message = message, effects = effects, now = now })
end

local function split(list)
  local out = {}
  if list == nil or list == '' then return out end
  for item in string.gmatch(list, '[^,]+') do out[#out + 1] = item end
  return out
end

local function num(v) return math.floor(tonumber(v)) end
local function fmt(n) return string.format('%d', n) end

local function emit(e) effects[#effects + 1] = e end

-- How an assigned agent appears among a session's participants: `role:sub`, as its token says
-- (experts sign in with the expert role).
local function participant_of(a)
  return (redis.call('HGET', key.agent(a), 'tier') == 'expert' and 'expert:' or 'agent:') .. a
end

local function log_event(s, fields)
  local entry = { 'at', fmt(now) }
  for _, f in ipairs(fields) do entry[#entry + 1] = f end
  redis.call('XADD', key.events(s), '*', unpack(entry))
end

local TZ_MS = tonumber(CFG.tzOffsetMin) * 60000

-- Day totals, per local day (day number since the epoch in the configured time zone).
local function day_stat(field, by)
  local day = key.day(fmt(math.floor((now + TZ_MS) / 86400000)))
  redis.call('HINCRBYFLOAT', day, field, by)
  redis.call('EXPIRE', day, 8 * 86400)
end

local function window_stat(stats_key, member)
  redis.call('ZADD', stats_key, fmt(now), member)
  redis.call('ZREMRANGEBYSCORE', stats_key, '-inf', fmt(now - STATS_WINDOW_MS))
  redis.call('PEXPIRE', stats_key, STATS_WINDOW_MS)
end

local function set_state(s, state, fields)
  redis.call('HSET', key.session(s), 'state', state, 'stateAt:' .. state, fmt(now))
  local entry = { 'state', state }
  for _, f in ipairs(fields or {}) do entry[#entry + 1] = f end
  log_event(s, entry)
  emit({ t = 'session', session = s, state = state })
end

-- The state the named transition of the session lifecycle (TRANSITIONS, handed over from
-- protocol/src/lifecycle.ts) leads the session to, or nil when it does not happen in its state.
local function next_state(transition, sh)
  return TRANSITIONS[transition].from[sh.state]
end

-- The one check of a session's state: nil when the transition is allowed, else the refusal's
-- code and message.
local function guard(transition, sh)
  if next_state(transition, sh) then return nil end
  local refusal = TRANSITIONS[transition].refusal
  if refusal.naming == 'state' then return refusal.code, refusal.message .. ' (state: ' .. sh.state .. ')' end
  return refusal.code, refusal.message
end

-- Agents ---------------------------------------------------------------------------------------

local function routable(h)
  return h.status == 'available' and h.wrap ~= '1'
end

-- Keeps the agent's place in the routing index (and the staffed sets) in line with its state.
-- The hash remembers where the agent is indexed ('idx' = full|part|'', 'staffed' = 1|0), so a
-- change touches only the sets that differ.
local function reindex(a)
  local agent_key = key.agent(a)
  local h = hgetall(agent_key)
  local skills = split(h.skills)
  local load = num(h.load or 0)
  local kind = ''
  if routable(h) and load < CAP then kind = (load == 0) and 'full' or 'part' end
  local score = h.idleSince or fmt(now)
  if kind ~= (h.idx or '') or (kind ~= '' and score ~= h.idxScore) then
    for _, sk in ipairs(skills) do
      if h.idx and h.idx ~= '' and h.idx ~= kind then redis.call('ZREM', key.index(sk, h.idx), a) end
      if kind ~= '' then redis.call('ZADD', key.index(sk, kind), score, a) end
    end
    redis.call('HSET', agent_key, 'idx', kind, 'idxScore', score)
  end
  -- staffed = on duty: available (idle, busy or wrapping up); an away agent takes no work, so
  -- waits are not estimated from it (server/src/sessions/wait-estimate.ts)
  local staffed = (h.status == 'available') and '1' or '0'
  if staffed ~= (h.staffed or '0') then
    for _, sk in ipairs(skills) do
      if staffed == '1' then redis.call('SADD', key.staff(sk), a) else redis.call('SREM', key.staff(sk), a) end
    end
    redis.call('HSET', agent_key, 'staffed', staffed)
  end
  return h
end

local function agent_effect(a)
  local h = hgetall(key.agent(a))
  emit({ t = 'agent', agent = a, status = h.status, wrap = h.wrap == '1', load = num(h.load or 0) })
end

local function add_load(a, by)
  local load = redis.call('HINCRBY', key.agent(a), 'load', by)
  if load == 0 then redis.call('HSET', key.agent(a), 'idleSince', fmt(now)) end
  return load
end

-- Queues ---------------------------------------------------------------------------------------

local function enqueue(s, sh)
  local score = fmt(num(sh.band) * BAND + num(sh.enqueuedAt))
  for _, sk in ipairs(split(sh.cands)) do redis.call('ZADD', key.queue(sk), score, s) end
  if sh.nextStepAt and sh.nextStepAt ~= '' then redis.call('ZADD', key.wideningDeadlines, sh.nextStepAt, s) end
end

local function dequeue(s, sh)
  for _, sk in ipairs(split(sh.cands)) do redis.call('ZREM', key.queue(sk), s) end
  redis.call('ZREM', key.wideningDeadlines, s)
end

local function excluded(s, sh, a)
  return a == sh.agent or a == sh.secondary or redis.call('SISMEMBER', key.declined(s), a) == 1
end

-- The eligible agent idle longest, over every skill the session currently accepts.
local function pick_agent(s, sh)
  local cost = num(sh.cost)
  local kinds = (cost < CAP) and { 'full', 'part' } or { 'full' }
  local skip = redis.call('SCARD', key.declined(s)) + 2
  local best, best_score = nil, nil
  for _, sk in ipairs(split(sh.cands)) do
    for _, kind in ipairs(kinds) do
      local r = redis.call('ZRANGE', key.index(sk, kind), 0, skip, 'WITHSCORES')
      for i = 1, #r, 2 do
        local score = tonumber(r[i + 1])
        if best_score ~= nil and score >= best_score then break end
        if not excluded(s, sh, r[i]) then
          best, best_score = r[i], score
          break
        end
      end
    end
  end
  return best
end

-- The best waiting session this agent can take: lowest band, then longest waiting.
local function pick_session(a, ah)
  local free = CAP - num(ah.load or 0)
  local best, best_score = nil, nil
  for _, sk in ipairs(split(ah.skills)) do
    local r = redis.call('ZRANGE', key.queue(sk), 0, QUEUE_SCAN - 1, 'WITHSCORES')
    for i = 1, #r, 2 do
      local score = tonumber(r[i + 1])
      if best_score ~= nil and score >= best_score then break end
      local s = r[i]
      local sh = hgetall(key.session(s))
      if num(sh.cost) <= free and not excluded(s, sh, a) then
        best, best_score = s, score
        break
      end
    end
  end
  return best
end

-- Offers ---------------------------------------------------------------------------------------

local function make_offer(s, a, kind)
  local sh = hgetall(key.session(s))
  dequeue(s, sh)
  local seq = redis.call('HINCRBY', key.session(s), 'offerSeq', 1)
  local offer = s .. ':' .. seq
  local expires = now + OFFER_MS
  redis.call('HSET', key.session(s), 'offer', offer, 'offerAgent', a, 'offerExpires', fmt(expires), 'offerKind', kind)
  redis.call('ZADD', key.offerDeadlines, fmt(expires), offer)
  redis.call('SADD', key.agentOffers(a), offer)
  add_load(a, num(sh.cost))
  reindex(a)
  if kind == 'primary' then set_state(s, next_state('offer', sh), { 'agent', a }) else log_event(s, { 'offer', kind, 'agent', a }) end
  emit({ t = 'offer', offer = offer, session = s, agent = a, kind = kind, expiresAt = expires })
  day_stat('offers', 1)
end

local function match_session(s)
  local sh = hgetall(key.session(s))
  if sh.offer or sh.cands == nil or sh.cands == '' then return end
  local a = pick_agent(s, sh)
  if a then
    local kind = sh.want or 'primary'
    make_offer(s, a, kind)
  end
end

local function match_agent(a)
  for _ = 1, CAP do
    local ah = hgetall(key.agent(a))
    if not routable(ah) or num(ah.load or 0) >= CAP then return end
    local s = pick_session(a, ah)
    if not s then return end
    make_offer(s, a, hgetall(key.session(s)).want or 'primary')
  end
end

-- Ends the session's pending offer and frees the capacity it reserved; returns the offer's kind.
local function clear_offer(s, sh, reason)
  local a = sh.offerAgent
  redis.call('HDEL', key.session(s), 'offer', 'offerAgent', 'offerExpires', 'offerKind')
  redis.call('ZREM', key.offerDeadlines, sh.offer)
  redis.call('SREM', key.agentOffers(a), sh.offer)
  if reason ~= 'accepted' then
    add_load(a, -num(sh.cost))
    reindex(a)
  end
  emit({ t = 'offer-closed', offer = sh.offer, session = s, agent = a, reason = reason })
  day_stat('offers_' .. reason, 1)
  return sh.offerKind
end

-- Puts a session whose offer failed back where it waits: the queue (primary offers) or the
-- escalation/transfer queue; a failed reassign leaves the session with its agent.
-- An agent who declined or let an offer time out is not asked again for that session.
local function reroute(s, kind)
  if kind == 'reassign' then
    log_event(s, { 'reassign', 'failed' })
    return
  end
  local sh = hgetall(key.session(s))
  if kind == 'primary' then set_state(s, next_state('requeue', sh)) end
  enqueue(s, sh)
  match_session(s)
end

local function set_status(a, status)
  local fields = { 'status', status }
  if status == 'available' then
    fields = { 'status', status, 'idleSince', fmt(now), 'timeouts', '0' }
  end
  redis.call('HSET', key.agent(a), unpack(fields))
  -- an agent who is on duty is watched for heartbeats from now on, even before its first one
  if status ~= 'offline' then redis.call('ZADD', key.presence, 'NX', fmt(now), a) end
  reindex(a)
  agent_effect(a)
end

-- Revokes every pending offer to the agent; the sessions go on to the next agent.
local function revoke_offers(a)
  local touched = {}
  for _, offer in ipairs(redis.call('SMEMBERS', key.agentOffers(a))) do
    local s = string.match(offer, '^(.*):%d+$')
    local sh = hgetall(key.session(s))
    if sh.offer == offer then
      touched[#touched + 1] = { s, clear_offer(s, sh, 'revoked') }
    else
      redis.call('SREM', key.agentOffers(a), offer)
    end
  end
  for _, t in ipairs(touched) do reroute(t[1], t[2]) end
end

-- Sessions -------------------------------------------------------------------------------------

local function release_agent(s, a)
  local sh = hgetall(key.session(s))
  local peer = participant_of(a)
  if sh.secondary == a then redis.call('HSET', key.session(s), 'secondary', '') end
  redis.call('SREM', key.agentSessions(a), s)
  redis.call('SREM', key.participants(s), peer)
  add_load(a, -num(sh.cost))
  reindex(a)
  agent_effect(a)
  emit({ t = 'participant', session = s, agent = a, change = 'left' })
  emit({ t = 'access-ended', session = s, peer = peer })
end

-- A session that lost its agent goes back to the head of its queue, keeping its original wait.
local function requeue_at_head(s, transition, reason)
  local sh = hgetall(key.session(s))
  dequeue(s, sh)
  if sh.offer then clear_offer(s, sh, 'revoked') end
  for _, a in ipairs({ sh.agent, sh.secondary }) do
    if a and a ~= '' then release_agent(s, a) end
  end
  redis.call('HSET', key.session(s), 'band', '0', 'enqueuedAt', sh.firstEnqueuedAt, 'want', 'primary',
    'cands', sh.baseCands, 'steps', sh.baseSteps, 'nextStepAt', sh.baseNextStepAt or '')
  redis.call('HDEL', key.session(s), 'agent', 'secondary', 'activeSince')
  redis.call('ZREM', key.active, s)
  set_state(s, next_state(transition, sh), { 'reason', reason })
  enqueue(s, hgetall(key.session(s)))
  match_session(s)
  if sh.offer then match_agent(sh.offerAgent) end
end

-- The taxpayer is done with the session (they may ask for help again from now on).
local function release_taxpayer(s, sh)
  local active_key = key.taxpayerActive(sh.taxpayerSub)
  -- the taxpayer may have opened a new session since this one reached wrap-up
  if redis.call('GET', active_key) == s then redis.call('DEL', active_key) end
  redis.call('ZREM', key.taxpayerGraceDeadlines, s)
end

local function close_session(s, state, fields)
  local sh = hgetall(key.session(s))
  release_taxpayer(s, sh)
  redis.call('ZREM', key.active, s)
  set_state(s, state, fields)
  if state == 'ended' then
    -- the latest finished sessions, for supervisors to replay
    redis.call('ZADD', key.ended, fmt(now), s)
    redis.call('ZREMRANGEBYRANK', key.ended, 0, -1001)
  end
  for _, k in ipairs({ key.session(s), key.events(s), key.participants(s), key.declined(s) }) do
    redis.call('EXPIRE', k, RETENTION_S)
  end
end

local function end_waiting(s, state)
  local sh = hgetall(key.session(s))
  dequeue(s, sh)
  local offered_to = nil
  if sh.offer then
    offered_to = sh.offerAgent
    clear_offer(s, sh, 'revoked')
  end
  close_session(s, state)
  if state == 'abandoned' then
    window_stat(key.abandoned(sh.queue), s)
    day_stat('abandoned', 1)
  end
  if offered_to then match_agent(offered_to) end
end

local function history_entry(s, sh, notes, outcome)
  local agent_name = ''
  if sh.agent and sh.agent ~= '' then agent_name = redis.call('HGET', key.agent(sh.agent), 'name') or sh.agent end
  return cjson.encode({
    sessionId = s, at = sh.createdAt, endedAt = now, topic = sh.topic, language = sh.language,
    channel = sh.channel, agent = sh.agent or '', agentName = agent_name, notes = notes or '',
    outcome = outcome or '',
  })
end

local function close_wrap_up(s, notes, outcome, auto)
  local sh = hgetall(key.session(s))
  local a = sh.agent
  redis.call('HSET', key.session(s), 'notes', notes, 'outcome', outcome)
  local hist = key.history(sh.taxpayerSub)
  redis.call('LPUSH', hist, history_entry(s, sh, notes, outcome))
  redis.call('LTRIM', hist, 0, HISTORY_LIMIT - 1)
  redis.call('EXPIRE', hist, RETENTION_S)
  close_session(s, next_state(auto and 'autoWrapUp' or 'wrapUp', sh), { 'outcome', outcome, 'notes', notes, 'auto', auto and '1' or '0' })
  day_stat('outcome:' .. outcome, 1)
  redis.call('SREM', key.agentWrapUps(a), s)
  if redis.call('SCARD', key.agentWrapUps(a)) == 0 then
    redis.call('HSET', key.agent(a), 'wrap', '0', 'idleSince', fmt(now))
    redis.call('ZREM', key.wrapUpDeadlines, a)
    reindex(a)
    agent_effect(a)
    match_agent(a)
  end
end

local function get_session(s)
  if type(s) ~= 'string' then return nil end
  local sh = hgetall(key.session(s))
  if not sh.state then return nil end
  return sh
end

-- The session, when `a` is its (primary) agent; else nil and the refusal.
local function session_of_agent(s, a, action)
  local sh = get_session(s)
  if not sh then return nil, 'NOT_FOUND', 'No such session' end
  if sh.agent ~= a then return nil, 'FORBIDDEN', 'Only the session\'s agent can ' .. action end
  return sh
end

-- Commands -------------------------------------------------------------------------------------

local commands = {}

-- Registers or updates an agent's profile (name, tier, skills); the status is left as it is.
function commands.register()
  local a = args.agent
  local agent_key = key.agent(a)
  local old = hgetall(agent_key)
  if old.skills ~= args.skills then
    -- skills changed: leave every old set, reindex below puts the agent in the new ones
    for _, sk in ipairs(split(old.skills)) do
      redis.call('ZREM', key.index(sk, 'full'), a)
      redis.call('ZREM', key.index(sk, 'part'), a)
      redis.call('SREM', key.staff(sk), a)
    end
    redis.call('HSET', agent_key, 'idx', '', 'staffed', '0')
  end
  redis.call('HSET', agent_key, 'name', args.name, 'tier', args.tier, 'skills', args.skills,
    'languages', args.languages, 'topics', args.topics)
  if not old.status then
    redis.call('HSET', agent_key, 'status', 'offline', 'load', '0', 'wrap', '0', 'timeouts', '0', 'idleSince', fmt(now))
  end
  redis.call('SADD', key.agents, a)
  reindex(a)
  local h = hgetall(agent_key)
  return { status = h.status, wrap = h.wrap == '1', load = num(h.load) }
end

function commands.status()
  local a, status = args.agent, args.status
  local h = hgetall(key.agent(a))
  if not h.status then return nil, 'NOT_FOUND', 'Unknown agent' end
  local active = redis.call('SCARD', key.agentSessions(a))
  if status == 'offline' and active > 0 and not args.force then
    return nil, 'CONFLICT', 'End or hand over your active sessions before going offline'
  end
  -- the status first, so that nothing taken away from the agent below is offered back to it
  set_status(a, status)
  if status ~= 'available' then revoke_offers(a) end
  if status == 'offline' then
    redis.call('ZREM', key.presence, a)
    for _, s in ipairs(redis.call('SMEMBERS', key.agentSessions(a))) do
      local sh = hgetall(key.session(s))
      if sh.agent == a then requeue_at_head(s, 'agentLost', 'agent-offline') else release_agent(s, a) end
    end
  end
  if status == 'available' then match_agent(a) end
  return { status = status }
end

function commands.request()
  local s = args.session
  local state = TRANSITIONS.request.from.new
  local active_key = key.taxpayerActive(args.taxpayerSub)
  local existing = redis.call('GET', active_key)
  if existing then return nil, 'CONFLICT', 'You already have an open help request', { sessionId = existing } end
  redis.call('SET', active_key, s)
  redis.call('HSET', key.session(s),
    'id', s, 'state', state, 'createdAt', args.createdAt, 'taxpayerSub', args.taxpayerSub,
    'taxpayerName', args.taxpayerName, 'taxpayerId', args.taxpayerId, 'company', args.company,
    'language', args.language, 'topic', args.topic, 'channel', args.channel, 'priority', args.priority,
    'entry', args.entry, 'cost', fmt(args.cost), 'band', fmt(args.band),
    'enqueuedAt', fmt(now), 'firstEnqueuedAt', fmt(now), 'want', 'primary',
    'cands', args.cands, 'steps', args.steps, 'nextStepAt', args.firstStepMs and fmt(now + args.firstStepMs) or '',
    'baseCands', args.cands, 'baseSteps', args.steps, 'baseNextStepAt', args.firstStepMs and fmt(now + args.firstStepMs) or '',
    'queue', split(args.cands)[1], 'stateAt:' .. state, fmt(now))
  redis.call('SADD', key.participants(s), 'taxpayer:' .. args.taxpayerSub)
  log_event(s, { 'state', state, 'topic', args.topic, 'language', args.language, 'channel', args.channel })
  emit({ t = 'session', session = s, state = state })
  day_stat('requests', 1)
  enqueue(s, hgetall(key.session(s)))
  match_session(s)
  return { sessionId = s }
end

function commands.cancel()
  local s = args.session
  local sh = get_session(s)
  if not sh or sh.taxpayerSub ~= args.taxpayerSub then return nil, 'NOT_FOUND', 'No such session' end
  local code, message = guard('cancel', sh)
  if code then return nil, code, message end
  local state = next_state('cancel', sh)
  end_waiting(s, state)
  return { state = state }
end

local function check_offer(sh, offer, a)
  if not sh then return 'NOT_FOUND', 'No such offer' end
  if sh.offer ~= offer then return 'OFFER_EXPIRED', 'This offer is no longer open' end
  if sh.offerAgent ~= a then return 'FORBIDDEN', 'This offer was made to another agent' end
  return nil
end

local function timeout_offer(s, sh)
  local a = sh.offerAgent
  clear_offer(s, sh, 'timeout')
  redis.call('SADD', key.declined(s), a)
  local timeouts = redis.call('HINCRBY', key.agent(a), 'timeouts', 1)
  if timeouts >= MAX_TIMEOUTS and redis.call('HGET', key.agent(a), 'status') == 'available' then
    set_status(a, 'away')
    revoke_offers(a)
    emit({ t = 'agent-auto-away', agent = a, timeouts = timeouts })
  end
  reroute(s, sh.offerKind)
  match_agent(a)
end

function commands.accept()
  local s = string.match(args.offer or '', '^(.*):%d+$')
  local sh = get_session(s)
  local code, message = check_offer(sh, args.offer, args.agent)
  if code then return nil, code, message end
  local a = args.agent
  if num(sh.offerExpires) <= now then
    timeout_offer(s, sh)
    return nil, 'OFFER_EXPIRED', 'The offer timed out before it was accepted'
  end
  local kind = sh.offerKind
  local transition = 'accept:' .. kind
  code, message = guard(transition, sh)
  if code then return nil, code, message end
  local previous = sh.agent
  clear_offer(s, sh, 'accepted')
  redis.call('HSET', key.agent(a), 'timeouts', '0', 'idleSince', fmt(now))
  redis.call('SADD', key.agentSessions(a), s)
  redis.call('SADD', key.participants(s), participant_of(a))
  reindex(a)
  agent_effect(a)
  emit({ t = 'participant', session = s, agent = a, change = 'joined' })
  if kind == 'primary' then
    local wait = now - num(sh.firstEnqueuedAt)
    redis.call('HSET', key.session(s), 'agent', a, 'activeSince', fmt(now), 'waitMs', fmt(wait))
    redis.call('ZADD', key.active, fmt(now), s)
    window_stat(key.answered(sh.queue), s .. '|' .. fmt(wait))
    day_stat('answered', 1)
    if wait <= SL_MS then day_stat('answered_in_sl', 1) end
  elseif kind == 'reassign' then
    redis.call('HSET', key.session(s), 'agent', a)
    if previous and previous ~= '' then release_agent(s, previous) end
  else
    -- escalation / transfer: a warm hand-over; the previous agent stays until they leave, and
    -- from now on the session belongs to the target skill (also if it must be queued again)
    redis.call('HSET', key.session(s), 'agent', a, 'secondary', previous or '', 'language', sh.wantLanguage,
      'topic', sh.wantTopic, 'tier', sh.wantTier, 'baseCands', sh.cands, 'baseSteps', sh.steps,
      'baseNextStepAt', '')
    day_stat(kind == 'escalation' and 'escalations' or 'transfers', 1)
  end
  redis.call('HSET', key.session(s), 'want', 'primary')
  set_state(s, next_state(transition, sh), { 'agent', a, 'via', kind })
  return { session = s, kind = kind }
end

function commands.decline()
  local s = string.match(args.offer or '', '^(.*):%d+$')
  local sh = get_session(s)
  local code, message = check_offer(sh, args.offer, args.agent)
  if code then return nil, code, message end
  local kind = clear_offer(s, sh, 'declined')
  redis.call('SADD', key.declined(s), args.agent)
  redis.call('HSET', key.agent(args.agent), 'timeouts', '0')
  reroute(s, kind)
  match_agent(args.agent)
  return { session = s }
end

-- Escalation to the expert tier or transfer to another language/topic: the session waits in the
-- target queue while the current agent keeps serving; accepted through the usual offers.
function commands.handover()
  local s, a = args.session, args.agent
  local sh, code, message = session_of_agent(s, a, 'hand it over')
  if not sh then return nil, code, message end
  local transition = 'handover:' .. args.kind
  code, message = guard(transition, sh)
  if code then return nil, code, message end
  if sh.secondary and sh.secondary ~= '' then
    return nil, 'CONFLICT', 'A previous hand-over is still in progress: the other agent must leave first'
  end
  if sh.offer then return nil, 'CONFLICT', 'An offer for this session is pending' end
  local state = next_state(transition, sh)
  redis.call('HSET', key.session(s), 'want', args.kind, 'wantLanguage', args.language, 'wantTopic', args.topic,
    'wantTier', args.tier, 'cands', args.cands, 'steps', args.steps,
    'nextStepAt', args.firstStepMs and fmt(now + args.firstStepMs) or '', 'enqueuedAt', fmt(now),
    'queue', split(args.cands)[1])
  redis.call('DEL', key.declined(s))
  set_state(s, state, { 'note', args.note, 'targetLanguage', args.language, 'targetTopic', args.topic,
    'targetTier', args.tier, 'by', a })
  enqueue(s, hgetall(key.session(s)))
  match_session(s)
  return { state = state }
end

function commands.cancelHandover()
  local s, a = args.session, args.agent
  local sh, code, message = session_of_agent(s, a, 'cancel its hand-over')
  if not sh then return nil, code, message end
  code, message = guard('cancelHandover', sh)
  if code then return nil, code, message end
  local state = next_state('cancelHandover', sh)
  dequeue(s, sh)
  local offered_to = sh.offer and sh.offerAgent
  if sh.offer then clear_offer(s, sh, 'revoked') end
  redis.call('HSET', key.session(s), 'want', 'primary', 'cands', '', 'nextStepAt', '')
  set_state(s, state, { 'handover', 'cancelled' })
  if offered_to then match_agent(offered_to) end
  return { state = state }
end

-- The previous agent of a warm hand-over leaves once the new one is in.
function commands.leave()
  local s, a = args.session, args.agent
  local sh = get_session(s)
  if not sh then return nil, 'NOT_FOUND', 'No such session' end
  if sh.secondary ~= a then
    if sh.agent == a then return nil, 'CONFLICT', 'You are the session\'s agent: end it or hand it over' end
    return nil, 'FORBIDDEN', 'You are not in this session'
  end
  redis.call('HSET', key.session(s), 'secondary', '')
  release_agent(s, a)
  log_event(s, { 'left', a })
  match_agent(a)
  return { session = s }
end

-- The agent (or the taxpayer hanging up) ends the conversation: the agent goes to wrap-up.
function commands.finish()
  local s = args.session
  local sh = get_session(s)
  if not sh then return nil, 'NOT_FOUND', 'No such session' end
  if args.agent and sh.agent ~= args.agent then return nil, 'FORBIDDEN', 'Only the session\'s agent can end it' end
  if args.taxpayerSub and sh.taxpayerSub ~= args.taxpayerSub then return nil, 'NOT_FOUND', 'No such session' end
  -- hanging up before anybody took the session cancels it
  local cancelled = next_state('cancel', sh)
  if cancelled then
    if args.agent then return nil, 'CONFLICT', 'The session has not started' end
    end_waiting(s, cancelled)
    return { state = cancelled }
  end
  local code, message = guard('finish', sh)
  if code then return nil, code, message end
  local state = next_state('finish', sh)
  -- a pending hand-over or reassign offer ends with the session
  dequeue(s, sh)
  if sh.offer then
    local offered_to = sh.offerAgent
    clear_offer(s, sh, 'revoked')
    match_agent(offered_to)
  end
  local a = sh.agent
  if sh.secondary and sh.secondary ~= '' then
    redis.call('HSET', key.session(s), 'secondary', '')
    release_agent(s, sh.secondary)
    match_agent(sh.secondary)
  end
  local duration = now - num(sh.activeSince)
  local aht = key.handlingTimes(sh.queue)
  redis.call('LPUSH', aht, fmt(duration))
  redis.call('LTRIM', aht, 0, 49)
  day_stat('served', 1)
  day_stat('session_hours', duration / 3600000)
  redis.call('HSET', key.session(s), 'durationMs', fmt(duration), 'wrapUntil', fmt(now + WRAP_MS))
  redis.call('ZREM', key.active, s)
  -- capacity is freed now; the agent is held out of routing by the wrap flag until wrap-up ends
  redis.call('SREM', key.agentSessions(a), s)
  redis.call('SADD', key.agentWrapUps(a), s)
  redis.call('HSET', key.agent(a), 'wrap', '1')
  local until_ms = now + WRAP_MS
  local current = redis.call('ZSCORE', key.wrapUpDeadlines, a)
  if not current or tonumber(current) < until_ms then redis.call('ZADD', key.wrapUpDeadlines, fmt(until_ms), a) end
  add_load(a, -num(sh.cost))
  reindex(a)
  agent_effect(a)
  release_taxpayer(s, sh)
  set_state(s, state, { 'by', args.agent and 'agent' or 'taxpayer' })
  return { state = state, wrapUntil = until_ms }
end

function commands.wrapUp()
  local s, a = args.session, args.agent
  local sh, code, message = session_of_agent(s, a, 'wrap it up')
  if not sh then return nil, code, message end
  code, message = guard('wrapUp', sh)
  if code then return nil, code, message end
  close_wrap_up(s, args.notes, args.outcome, false)
  return { state = next_state('wrapUp', sh) }
end

-- Supervisor: hand an active session to a chosen agent (through an offer), or put a session back
-- at the head of its queue for whoever is free first.
function commands.reassign()
  local s = args.session
  local sh = get_session(s)
  if not sh then return nil, 'NOT_FOUND', 'No such session' end
  if sh.offer then return nil, 'CONFLICT', 'An offer for this session is pending' end
  local target = args.agent
  if target then
    local th = hgetall(key.agent(target))
    if not th.status then return nil, 'NOT_FOUND', 'Unknown agent' end
    if target == sh.agent then return nil, 'CONFLICT', 'The session is already with this agent' end
    if not routable(th) then return nil, 'CONFLICT', 'The agent is not available' end
    if num(th.load) + num(sh.cost) > CAP then return nil, 'CONFLICT', 'The agent has no free capacity' end
    local code, message = guard('reassignTo', sh)
    if code then return nil, code, message end
    -- a waiting session gets a primary offer (and the agent may have declined it before)
    if next_state('offer', sh) then
      redis.call('SREM', key.declined(s), target)
      make_offer(s, target, 'primary')
    else
      make_offer(s, target, 'reassign')
    end
    log_event(s, { 'reassign', target, 'by', args.by })
    return { offeredTo = target, offer = redis.call('HGET', key.session(s), 'offer') }
  end
  local code, message = guard('reassignToQueue', sh)
  if code then return nil, code, message end
  dequeue(s, sh)
  requeue_at_head(s, 'reassignToQueue', 'reassigned')
  log_event(s, { 'reassign', 'queue', 'by', args.by })
  return { state = next_state('reassignToQueue', sh) }
end

-- Supervisor joins (visible) or monitors (silent) a session; no agent capacity is used.
function commands.observe()
  local s = args.session
  local sh = get_session(s)
  if not sh then return nil, 'NOT_FOUND', 'No such session' end
  local code, message = guard('observe', sh)
  if code then return nil, code, message end
  redis.call('SADD', key.participants(s), 'supervisor:' .. args.supervisor)
  -- joining after monitoring makes the supervisor visible (and able to speak)
  if args.mode == 'monitor' then redis.call('SADD', key.monitors(s), args.supervisor)
  else redis.call('SREM', key.monitors(s), args.supervisor) end
  log_event(s, { args.mode, args.supervisor })
  return { session = s, mode = args.mode }
end

-- The supervisor stops monitoring or leaves a joined session: no longer a participant.
function commands.unobserve()
  local s = args.session
  if not get_session(s) then return nil, 'NOT_FOUND', 'No such session' end
  local was = redis.call('SREM', key.participants(s), 'supervisor:' .. args.supervisor)
  redis.call('SREM', key.monitors(s), args.supervisor)
  if was == 1 then
    log_event(s, { 'unobserve', args.supervisor })
    emit({ t = 'access-ended', session = s, peer = 'supervisor:' .. args.supervisor })
  end
  return { session = s }
end

-- Presence of agents on duty (going off duty removes them, so XX never brings one back).
function commands.heartbeat()
  for _, a in ipairs(args.agents) do redis.call('ZADD', key.presence, 'XX', fmt(now), a) end
  return {}
end

function commands.taxpayerGone()
  local sh = get_session(args.session)
  if not sh or sh.taxpayerSub ~= args.taxpayerSub then return nil, 'NOT_FOUND', 'No such session' end
  redis.call('ZADD', key.taxpayerGraceDeadlines, fmt(now + args.graceMs), args.session)
  return {}
end

function commands.taxpayerBack()
  local sh = get_session(args.session)
  if not sh or sh.taxpayerSub ~= args.taxpayerSub then return nil, 'NOT_FOUND', 'No such session' end
  redis.call('ZREM', key.taxpayerGraceDeadlines, args.session)
  return { state = sh.state }
end

-- Periodic work any instance may run (each step re-checks under the script's atomicity, so
-- two instances sweeping at once do each thing once).
function commands.sweep()
  local limit = args.limit or 200
  local counts = { offers = 0, agents = 0, abandoned = 0, wrapups = 0, widened = 0 }
  for _, offer in ipairs(redis.call('ZRANGEBYSCORE', key.offerDeadlines, '-inf', fmt(now), 'LIMIT', 0, limit)) do
    local s = string.match(offer, '^(.*):%d+$')
    local sh = hgetall(key.session(s))
    if sh.offer == offer then
      timeout_offer(s, sh)
      counts.offers = counts.offers + 1
    else
      redis.call('ZREM', key.offerDeadlines, offer)
    end
  end
  for _, a in ipairs(redis.call('ZRANGEBYSCORE', key.presence, '-inf', fmt(now - args.heartbeatMs), 'LIMIT', 0, limit)) do
    redis.call('ZREM', key.presence, a)
    local h = hgetall(key.agent(a))
    if h.status and h.status ~= 'offline' then
      set_status(a, 'offline')
      revoke_offers(a)
      for _, s in ipairs(redis.call('SMEMBERS', key.agentSessions(a))) do
        local sh = hgetall(key.session(s))
        if sh.agent == a then requeue_at_head(s, 'agentLost', 'agent-lost') else release_agent(s, a) end
      end
      emit({ t = 'agent-lost', agent = a })
      counts.agents = counts.agents + 1
    end
  end
  for _, s in ipairs(redis.call('ZRANGEBYSCORE', key.taxpayerGraceDeadlines, '-inf', fmt(now), 'LIMIT', 0, limit)) do
    redis.call('ZREM', key.taxpayerGraceDeadlines, s)
    local sh = hgetall(key.session(s))
    local abandoned = next_state('abandon', sh)
    if abandoned then
      end_waiting(s, abandoned)
      counts.abandoned = counts.abandoned + 1
    elseif sh.state then
      log_event(s, { 'taxpayer', 'gone' })
      emit({ t = 'taxpayer-gone', session = s })
    end
  end
  for _, a in ipairs(redis.call('ZRANGEBYSCORE', key.wrapUpDeadlines, '-inf', fmt(now), 'LIMIT', 0, limit)) do
    redis.call('ZREM', key.wrapUpDeadlines, a)
    for _, s in ipairs(redis.call('SMEMBERS', key.agentWrapUps(a))) do
      local sh = hgetall(key.session(s))
      local wrapping = next_state('autoWrapUp', sh)
      if wrapping and num(sh.wrapUntil) <= now then
        close_wrap_up(s, sh.notes or '', 'none', true)
        counts.wrapups = counts.wrapups + 1
      elseif not wrapping then
        redis.call('SREM', key.agentWrapUps(a), s)
      end
    end
    if redis.call('SCARD', key.agentWrapUps(a)) > 0 then
      -- a later wrap-up of this agent is still running: look again when it is due
      local latest = 0
      for _, s in ipairs(redis.call('SMEMBERS', key.agentWrapUps(a))) do
        latest = math.max(latest, num(redis.call('HGET', key.session(s), 'wrapUntil') or 0))
      end
      redis.call('ZADD', key.wrapUpDeadlines, fmt(latest), a)
    elseif redis.call('HGET', key.agent(a), 'wrap') == '1' then
      redis.call('HSET', key.agent(a), 'wrap', '0', 'idleSince', fmt(now))
      reindex(a)
      agent_effect(a)
      match_agent(a)
    end
  end
  for _, s in ipairs(redis.call('ZRANGEBYSCORE', key.wideningDeadlines, '-inf', fmt(now), 'LIMIT', 0, limit)) do
    redis.call('ZREM', key.wideningDeadlines, s)
    local sh = hgetall(key.session(s))
    local steps = cjson.decode(sh.steps or '[]')
    local nxt = steps[1]
    if nxt and next_state('widen', sh) and not sh.offer then
      table.remove(steps, 1)
      local cands = sh.cands .. ',' .. nxt.cands
      local following = steps[1] and fmt(num(sh.enqueuedAt) + steps[1].afterMs) or ''
      redis.call('HSET', key.session(s), 'cands', cands, 'steps', cjson.encode(steps), 'nextStepAt', following)
      if sh.want == 'primary' then
        redis.call('HSET', key.session(s), 'baseCands', cands, 'baseSteps', cjson.encode(steps), 'baseNextStepAt', following)
      end
      log_event(s, { 'widened', nxt.cands })
      enqueue(s, hgetall(key.session(s)))
      match_session(s)
      counts.widened = counts.widened + 1
    end
  end
  return counts
end

local handler = commands[cmd]
if not handler then return fail('UNKNOWN_EVENT', 'unknown dispatcher command ' .. tostring(cmd)) end
local result, code, message, details = handler()
-- a refused command may still have committed work (an accept too late times its offer out):
-- its effects go back with the refusal, so that everyone concerned is told
if code then return cjson.encode({ ok = false, code = code, message = message, details = details, effects = effects, now = now }) end
return cjson.encode({ ok = true, result = result or {}, effects = effects, now = now })
