-- Sessions: agents released, sessions re-queued, closed, wrapped up; looked up for a command.

local function release_agent(s, a)
  local sh = hgetall(key.session(s))
  local peer = participant_of(a)
  if sh.secondary == a then redis.call('HSET', key.session(s), 'secondary', '') end
  redis.call('SREM', key.agentSessions(a), s)
  redis.call('SREM', key.participants(s), peer)
  add_load(a, -held(sh, a))
  redis.call('HDEL', key.session(s), 'held:' .. a)
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
    'cands', sh.baseCands, 'minLevel', sh.baseMinLevel or '1', 'steps', sh.baseSteps, 'nextStepAt', sh.baseNextStepAt or '')
  redis.call('HDEL', key.session(s), 'agent', 'secondary', 'activeSince')
  redis.call('ZREM', key.active, s)
  set_state(s, next_state(transition, sh), { 'reason', reason })
  enqueue(s, hgetall(key.session(s)))
  match_session(s)
  if sh.offer then match_agent(sh.offerAgent) end
  -- the agents released (a reassign to the queue leaves them available) take other work
  for _, a in ipairs({ sh.agent, sh.secondary }) do
    if a and a ~= '' then match_agent(a) end
  end
end

-- The taxpayer is done with the session (they may ask for help again from now on).
local function release_taxpayer(s, sh)
  local active_key = key.taxpayerActive(sh.taxpayerSub)
  -- the taxpayer may have opened a new session since this one reached wrap-up
  if redis.call('GET', active_key) == s then redis.call('DEL', active_key) end
  redis.call('ZREM', key.taxpayerGraceDeadlines, s)
  redis.call('ZREM', key.callbackDeadlines, s)
end

local function close_session(s, state, fields)
  local sh = hgetall(key.session(s))
  release_taxpayer(s, sh)
  redis.call('ZREM', key.active, s)
  set_state(s, state, fields, true)
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

local function close_wrap_up(s, notes, outcome, auto)
  local sh = hgetall(key.session(s))
  local a = sh.agent
  redis.call('HSET', key.session(s), 'notes', notes, 'outcome', outcome)
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

-- The session an agent answers an offer of (`<session>:<n>`), and why the answer is refused, if it is.
local function answered_offer()
  local s = string.match(args.offer or '', '^(.*):%d+$')
  local sh = get_session(s)
  return s, sh, check_offer(sh, args.offer, args.agent)
end

-- The session and the state the transition leads it to, when `args.taxpayerSub` asked for it and
-- the transition may happen in its state; else nil and the refusal.
local function session_of_taxpayer(transition)
  local sh = get_session(args.session)
  if not sh or sh.taxpayerSub ~= args.taxpayerSub then return nil, 'NOT_FOUND', 'No such session' end
  local to, code, message = guard(transition, sh)
  if not to then return nil, code, message end
  return sh, to
end

-- The session, when `a` is its (primary) agent and the transition may happen in its state; else
-- nil and the refusal.
local function session_of_agent(s, a, action, transition)
  local sh = get_session(s)
  if not sh then return nil, 'NOT_FOUND', 'No such session' end
  if sh.agent ~= a then return nil, 'FORBIDDEN', 'Only the session\'s agent can ' .. action end
  local to, code, message = guard(transition, sh)
  if not to then return nil, code, message end
  return sh
end
