-- Offers: made, closed, failed over to the next agent; an agent's status and its offers.

local function make_offer(s, a, kind)
  local sh = hgetall(key.session(s))
  dequeue(s, sh)
  local seq = redis.call('HINCRBY', key.session(s), 'offerSeq', 1)
  local offer = s .. ':' .. seq
  -- a callback's taxpayer is asked to come back first: the offer is held for them until then
  -- (`recallUntil`; the agent cannot accept it yet, callback.lua)
  local recalling = kind == 'primary' and next_state('recall', sh) ~= nil
  local expires = now + (recalling and CALLBACK_GRACE_MS or OFFER_MS)
  local cost = cost_for(sh, a)
  redis.call('HSET', key.session(s), 'offer', offer, 'offerAgent', a, 'offerExpires', fmt(expires), 'offerKind', kind, 'held:' .. a, fmt(cost))
  redis.call('ZADD', key.offerDeadlines, fmt(expires), offer)
  redis.call('SADD', key.agentOffers(a), offer)
  add_load(a, cost)
  reindex(a)
  if recalling then
    redis.call('HSET', key.session(s), 'recallUntil', fmt(expires))
    log_event(s, { 'recall', a })
    emit({ t = 'session', session = s, state = sh.state })
  elseif kind == 'primary' then
    set_state(s, next_state('offer', sh), { 'agent', a })
  else
    log_event(s, { 'offer', kind, 'agent', a })
  end
  emit({ t = 'offer', offer = offer, session = s, agent = a, kind = kind, expiresAt = expires, awaitingTaxpayer = recalling or nil })
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
  local ah = hgetall(key.agent(a))
  for _ = 1, capacity(ah) do
    if not offerable(a, ah) or num(ah.load or 0) >= capacity(ah) then return end
    local s = pick_session(a, ah)
    if not s then return end
    make_offer(s, a, hgetall(key.session(s)).want or 'primary')
    ah = hgetall(key.agent(a))
  end
end

-- Ends the session's pending offer and frees the capacity it reserved; returns the offer's kind.
local function clear_offer(s, sh, reason)
  local a = sh.offerAgent
  redis.call('HDEL', key.session(s), 'offer', 'offerAgent', 'offerExpires', 'offerKind', 'recallUntil')
  redis.call('ZREM', key.offerDeadlines, sh.offer)
  redis.call('SREM', key.agentOffers(a), sh.offer)
  if reason ~= 'accepted' then
    add_load(a, -held(sh, a))
    redis.call('HDEL', key.session(s), 'held:' .. a)
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
  local fields = rest_fields(hgetall(key.agent(a)), status)
  fields[#fields + 1] = 'status'
  fields[#fields + 1] = status
  if status == 'available' then
    fields[#fields + 1] = 'idleSince'
    fields[#fields + 1] = fmt(now)
    fields[#fields + 1] = 'timeouts'
    fields[#fields + 1] = '0'
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
