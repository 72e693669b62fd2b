-- Commands of the agent serving a session: hand-over, leaving, ending it, wrap-up.

-- Escalation to the expert tier or transfer to another language/topic: the session waits in the
-- target queue while the current agent keeps serving; accepted through the usual offers.
function commands.handover()
  local s, a = args.session, args.agent
  local transition = 'handover:' .. args.kind
  local sh, code, message = session_of_agent(s, a, 'hand it over', transition)
  if not sh then return nil, code, message end
  if sh.secondary and sh.secondary ~= '' then
    return nil, 'CONFLICT', 'A previous hand-over is still in progress: the other agent must leave first'
  end
  if sh.offer then return nil, 'CONFLICT', 'An offer for this session is pending' end
  local state = next_state(transition, sh)
  redis.call('HSET', key.session(s), 'want', args.kind, 'wantLanguage', args.language, 'wantTopic', args.topic,
    'wantTier', args.tier, 'cands', args.cands, 'minLevel', fmt(args.minLevel), 'steps', args.steps,
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
  local sh, code, message = session_of_agent(s, a, 'cancel its hand-over', 'cancelHandover')
  if not sh then return nil, code, message end
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
  local state, code, message = guard('finish', sh)
  if not state then return nil, code, message end
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
  add_load(a, -held(sh, a))
  redis.call('HDEL', key.session(s), 'held:' .. a)
  reindex(a)
  agent_effect(a)
  release_taxpayer(s, sh)
  set_state(s, state, { 'by', args.agent and 'agent' or 'taxpayer' })
  return { state = state, wrapUntil = until_ms }
end

function commands.wrapUp()
  local s, a = args.session, args.agent
  local sh, code, message = session_of_agent(s, a, 'wrap it up', 'wrapUp')
  if not sh then return nil, code, message end
  close_wrap_up(s, args.notes, args.outcome, false)
  return { state = next_state('wrapUp', sh) }
end
