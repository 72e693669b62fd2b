-- Taxpayer and offer commands: a request, its cancellation, accepting or declining an offer, the
-- taxpayer's presence.

function commands.request()
  local s = args.session
  -- The archive is behind (PostgreSQL away): a new session would add records that cannot be kept;
  -- sessions in progress go on (their growth is bounded by how many there are).
  if redis.call('XLEN', key.outbox) >= OUTBOX_MAX then
    return nil, 'UNAVAILABLE', 'Records cannot be kept right now, so no new help requests are taken; try again shortly', { reason = 'outbox-full' }
  end
  local state = NEXT_STATE['request new']
  local active_key = key.taxpayerActive(args.taxpayerSub)
  local existing = redis.call('GET', active_key)
  if existing then return nil, 'CONFLICT', 'You already have an open help request', { sessionId = existing } end
  redis.call('SET', active_key, s)
  redis.call('HSET', key.session(s),
    'id', s, 'state', state, 'createdAt', args.createdAt, 'taxpayerSub', args.taxpayerSub,
    'taxpayerName', args.taxpayerName, 'taxpayerId', args.taxpayerId, 'company', args.company,
    'language', args.language, 'topic', args.topic, 'channel', args.channel, 'priority', args.priority,
    'entry', args.entry, 'question', args.question, 'whole', args.wholeAgent and '1' or '0', 'band', fmt(args.band),
    'enqueuedAt', fmt(now), 'firstEnqueuedAt', fmt(now), 'want', 'primary',
    'cands', args.cands, 'minLevel', fmt(args.minLevel), 'steps', args.steps, 'nextStepAt', args.firstStepMs and fmt(now + args.firstStepMs) or '',
    'baseCands', args.cands, 'baseMinLevel', fmt(args.minLevel), 'baseSteps', args.steps, 'baseNextStepAt', args.firstStepMs and fmt(now + args.firstStepMs) or '',
    'queue', split(args.cands)[1], 'stateAt:' .. state, fmt(now))
  redis.call('SADD', key.participants(s), 'taxpayer:' .. args.taxpayerSub)
  log_event(s, { 'state', state, 'topic', args.topic, 'language', args.language, 'channel', args.channel })
  emit({ t = 'session', session = s, state = state })
  day_stat('requests', 1)
  enqueue(s, hgetall(key.session(s)))
  match_session(s)
  return { sessionId = s }
end

-- The taxpayer's rating, once the session is over (the latest counts): on the session and, as a
-- `rated` event, in its log and the records outbox in the same step, so that it reaches the record
-- also when the session was archived before it.
function commands.rate()
  local s = args.session
  local sh = get_session(s)
  if not sh or sh.taxpayerSub ~= args.taxpayerSub then return nil, 'NOT_FOUND', 'No such session' end
  if sh.state ~= 'wrap-up' and sh.state ~= 'ended' then return nil, 'CONFLICT', 'A session can be rated once it is over' end
  redis.call('HSET', key.session(s), 'rating', fmt(args.score), 'ratingComment', args.comment)
  log_event(s, { 'rated', fmt(args.score), 'comment', args.comment })
  return {}
end

function commands.cancel()
  local sh, state, message = session_of_taxpayer('cancel')
  if not sh then return nil, state, message end
  end_waiting(args.session, state)
  return { state = state }
end


function commands.accept()
  local s, sh, code, message = answered_offer()
  if code then return nil, code, message end
  local a = args.agent
  if sh.recallUntil then return nil, 'CONFLICT', 'The taxpayer has not come back yet' end
  if num(sh.offerExpires) <= now then
    timeout_offer(s, sh)
    return nil, 'OFFER_EXPIRED', 'The offer timed out before it was accepted'
  end
  local kind = sh.offerKind
  local transition = 'accept:' .. kind
  local state
  state, code, message = guard(transition, sh)
  if not state then return nil, code, message end
  local previous = sh.agent
  clear_offer(s, sh, 'accepted')
  redis.call('HINCRBY', key.agent(a), 'streak', 1)
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
      'topic', sh.wantTopic, 'tier', sh.wantTier, 'baseCands', sh.cands, 'baseMinLevel', sh.minLevel, 'baseSteps', sh.steps,
      'baseNextStepAt', '')
    day_stat(kind == 'escalation' and 'escalations' or 'transfers', 1)
  end
  redis.call('HSET', key.session(s), 'want', 'primary')
  set_state(s, state, { 'agent', a, 'via', kind })
  -- the agent a reassign took the session from has room for other work
  if kind == 'reassign' and previous and previous ~= '' then match_agent(previous) end
  return { session = s, kind = kind }
end

function commands.decline()
  local s, sh, code, message = answered_offer()
  if code then return nil, code, message end
  local kind = clear_offer(s, sh, 'declined')
  redis.call('SADD', key.declined(s), args.agent)
  redis.call('HSET', key.agent(args.agent), 'timeouts', '0')
  reroute(s, kind)
  match_agent(args.agent)
  return { session = s }
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
