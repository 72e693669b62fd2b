-- Call-ins (docs/dispatcher.md, "Call-ins"): agents in back office (status 'back-office', indexed
-- by skill in key.backOffice by reindex) asked to join the pool. One atomic decision per call, so
-- instances sharing Redis never call an agent in twice: an agent has at most one open call-in
-- (key.agentCallIn), a queue at most `maxOpen`, and none while its cool-down runs.

-- Into the records outbox (protocol/src/outbox.ts, OutboxCallIn): the call-in as made, with
-- what happened to it now.
local function record_call_in(id, ch, kind, reason)
  local by = ch.by ~= '' and { role = 'supervisor', id = ch.by } or nil
  redis.call('XADD', key.outbox, '*', 'entry', cjson.encode({ t = 'call-in', callIn = id, kind = kind, at = now, madeAt = num(ch.at),
    agent = ch.agent, queue = ch.queue, trigger = ch.trigger, actor = by, note = ch.note, gap = num(ch.gap), waitS = num(ch.waitS), reason = reason or '' }))
end

local function open_call_in(a, trigger)
  local id = fmt(redis.call('INCR', key.callInSeq))
  local expires = now + args.expiresMs
  local ch = { agent = a, queue = args.queue, trigger = trigger, by = args.by or '', note = args.note, gap = fmt(args.gap), waitS = fmt(args.waitS), at = fmt(now) }
  redis.call('HSET', key.callIn(id), 'agent', ch.agent, 'queue', ch.queue, 'trigger', ch.trigger, 'by', ch.by, 'note', ch.note,
    'gap', ch.gap, 'waitS', ch.waitS, 'at', ch.at, 'expiresAt', fmt(expires))
  -- kept a day past its expiry, so that a late answer is told it is closed
  redis.call('PEXPIRE', key.callIn(id), args.expiresMs + 86400000)
  redis.call('SET', key.agentCallIn(a), id)
  redis.call('ZADD', key.callInDeadlines, fmt(expires), id)
  if ch.queue ~= '' then redis.call('SADD', key.queueCallIns(ch.queue), id) end
  record_call_in(id, ch, 'made')
  emit({ t = 'call-in', callIn = id, agent = a, queue = ch.queue, trigger = trigger, note = ch.note, expiresAt = expires })
  return { callIn = id, agent = a }
end

local function close_call_in(id, ch, answer, reason)
  if redis.call('GET', key.agentCallIn(ch.agent)) == id then redis.call('DEL', key.agentCallIn(ch.agent)) end
  redis.call('ZREM', key.callInDeadlines, id)
  if ch.queue ~= '' then redis.call('SREM', key.queueCallIns(ch.queue), id) end
  redis.call('HSET', key.callIn(id), 'answer', answer, 'answeredAt', fmt(now))
  record_call_in(id, ch, answer, reason)
  emit({ t = 'call-in-closed', callIn = id, agent = ch.agent, answer = answer })
end

-- An agent an automatic call-in may go to: no call-in open, fewer than the hourly limit in the last hour.
local function callable(a)
  if redis.call('EXISTS', key.agentCallIn(a)) == 1 then return false end
  redis.call('ZREMRANGEBYSCORE', key.agentCallInTimes(a), '-inf', fmt(now - 3600000))
  return redis.call('ZCARD', key.agentCallInTimes(a)) < args.agentMaxPerHour
end

function commands.callIn()
  if args.agent then
    local h = hgetall(key.agent(args.agent))
    if not h.status then return nil, 'NOT_FOUND', 'Unknown agent' end
    if h.status ~= 'back-office' then return nil, 'CONFLICT', 'The agent is not in back office' end
    if redis.call('EXISTS', key.agentCallIn(args.agent)) == 1 then return nil, 'CONFLICT', 'The agent has already been called in' end
    return { callIns = { open_call_in(args.agent, 'manual') } }
  end
  local q = args.queue
  if redis.call('EXISTS', key.queueCallInCooldown(q)) == 1 then return { callIns = {} } end
  local open = redis.call('SCARD', key.queueCallIns(q))
  local wanted = math.min(args.want, args.maxOpen) - open
  local made = {}
  if wanted > 0 then
    for _, a in ipairs(redis.call('ZRANGE', key.backOffice(q), 0, -1)) do
      if callable(a) then
        made[#made + 1] = open_call_in(a, args.trigger)
        redis.call('ZADD', key.agentCallInTimes(a), fmt(now), made[#made].callIn)
        redis.call('PEXPIRE', key.agentCallInTimes(a), 3600000)
        if #made >= wanted then break end
      end
    end
  end
  -- a round that called nobody in leaves the queue free to try again at once
  if #made > 0 and args.cooldownMs > 0 then redis.call('SET', key.queueCallInCooldown(q), '1', 'PX', args.cooldownMs) end
  return { callIns = made }
end

function commands.answerCallIn()
  local id, a = args.callIn, args.agent
  local ch = hgetall(key.callIn(id))
  if not ch.agent then return nil, 'NOT_FOUND', 'No such call-in' end
  if ch.agent ~= a then return nil, 'FORBIDDEN', 'This call-in was made to another agent' end
  if ch.answer then return nil, 'CALL_IN_CLOSED', 'This call-in is closed (' .. ch.answer .. ')' end
  if num(ch.expiresAt) <= now then
    -- due but not swept yet: it expires now, and the answer is refused
    close_call_in(id, ch, 'expired')
    return nil, 'CALL_IN_CLOSED', 'This call-in is closed (expired)'
  end
  if args.answer == 'decline' then
    close_call_in(id, ch, 'declined', args.reason)
    return { status = redis.call('HGET', key.agent(a), 'status') }
  end
  close_call_in(id, ch, 'accepted')
  set_status(a, 'available')
  match_agent(a)
  return { status = 'available' }
end

function commands.expireCallIns()
  local expired = 0
  for _, id in ipairs(redis.call('ZRANGEBYSCORE', key.callInDeadlines, '-inf', fmt(now), 'LIMIT', 0, args.limit)) do
    local ch = hgetall(key.callIn(id))
    if ch.agent and not ch.answer then
      close_call_in(id, ch, 'expired')
      expired = expired + 1
    else
      redis.call('ZREM', key.callInDeadlines, id)
    end
  end
  return { expired = expired }
end
