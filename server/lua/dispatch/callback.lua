-- Callbacks (docs/dispatcher.md, "Callback"): a queued request keeps its place — it stays in its
-- queues with its score, so its original wait counts — while the taxpayer is elsewhere in the
-- portal. An agent free for it gets the offer held (make_offer, `recallUntil`) for
-- CALLBACK_GRACE_MS while the taxpayer's pages ask them to come back.

function commands.callback()
  local s = args.session
  local sh, state, message = session_of_taxpayer('callback')
  if not sh then return nil, state, message end
  local hold_until = now + args.holdMs
  redis.call('HSET', key.session(s), 'callbackUntil', fmt(hold_until), 'callbackMisses', '0')
  redis.call('ZADD', key.callbackDeadlines, fmt(hold_until), s)
  -- leaving the page is no longer abandoning the request
  redis.call('ZREM', key.taxpayerGraceDeadlines, s)
  set_state(s, state, { 'holdUntil', fmt(hold_until) })
  return { state = state }
end

-- The taxpayer came back: the held offer goes to its agent as any offer, with the usual time to accept.
function commands.callbackAnswer()
  local s = args.session
  local sh, state, message = session_of_taxpayer('answerCallback')
  if not sh then return nil, state, message end
  if not sh.recallUntil then return nil, 'CONFLICT', 'No agent is ready for you yet; your place is kept' end
  local expires = now + OFFER_MS
  redis.call('HDEL', key.session(s), 'recallUntil')
  redis.call('HSET', key.session(s), 'offerExpires', fmt(expires))
  redis.call('ZADD', key.offerDeadlines, fmt(expires), sh.offer)
  redis.call('ZREM', key.callbackDeadlines, s)
  set_state(s, state, { 'agent', sh.offerAgent })
  emit({ t = 'offer', offer = sh.offer, session = s, agent = sh.offerAgent, kind = sh.offerKind, expiresAt = expires })
  return { state = state }
end

-- The grace ran out: the agent is free for other work at once (not its decline: no timeout is
-- counted against it); the request goes back to its place once, and the second time — or once
-- its place is no longer kept — it ends as missed.
local function miss_callback(s, sh)
  local a = sh.offerAgent
  clear_offer(s, sh, 'revoked')
  local misses = redis.call('HINCRBY', key.session(s), 'callbackMisses', 1)
  log_event(s, { 'callback', 'unanswered', 'agent', a })
  match_agent(a)
  if misses >= 2 or num(sh.callbackUntil) <= now then
    end_waiting(s, next_state('miss', sh))
    day_stat('missed', 1)
  else
    emit({ t = 'session', session = s, state = sh.state })
    enqueue(s, hgetall(key.session(s)))
    match_session(s)
  end
end

-- The place was kept as long as it may be. A held offer decides instead: the taxpayer may still
-- come back to it (miss_callback ends it otherwise). Returns whether the request ended.
local function expire_callback(s)
  redis.call('ZREM', key.callbackDeadlines, s)
  local sh = hgetall(key.session(s))
  local missed = next_state('miss', sh)
  if sh.recallUntil or not missed then return false end
  log_event(s, { 'callback', 'expired' })
  end_waiting(s, missed)
  day_stat('missed', 1)
  return true
end
