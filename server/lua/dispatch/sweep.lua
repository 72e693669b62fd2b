-- Periodic work any instance may run (each step re-checks under the script's atomicity, so
-- two instances sweeping at once do each thing once).
function commands.sweep()
  local limit = args.limit or 200
  local counts = { offers = 0, agents = 0, abandoned = 0, wrapups = 0, widened = 0, relaxed = 0, callbacksMissed = 0 }
  for _, offer in ipairs(redis.call('ZRANGEBYSCORE', key.offerDeadlines, '-inf', fmt(now), 'LIMIT', 0, limit)) do
    local s = string.match(offer, '^(.*):%d+$')
    local sh = hgetall(key.session(s))
    if sh.offer == offer and sh.recallUntil then
      miss_callback(s, sh)
      counts.callbacksMissed = counts.callbacksMissed + 1
    elseif sh.offer == offer then
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
  for _, s in ipairs(redis.call('ZRANGEBYSCORE', key.callbackDeadlines, '-inf', fmt(now), 'LIMIT', 0, limit)) do
    if expire_callback(s) then counts.callbacksMissed = counts.callbacksMissed + 1 end
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
      -- a step widens (more skill keys), relaxes (a lower level for the topic), or both
      table.remove(steps, 1)
      local cands = nxt.cands and (sh.cands .. ',' .. nxt.cands) or sh.cands
      local min_level = nxt.minLevel and fmt(nxt.minLevel) or sh.minLevel
      local following = steps[1] and fmt(num(sh.enqueuedAt) + steps[1].afterMs) or ''
      redis.call('HSET', key.session(s), 'cands', cands, 'minLevel', min_level, 'steps', cjson.encode(steps), 'nextStepAt', following)
      if sh.want == 'primary' then
        redis.call('HSET', key.session(s), 'baseCands', cands, 'baseMinLevel', min_level, 'baseSteps', cjson.encode(steps), 'baseNextStepAt', following)
      end
      if nxt.cands then
        log_event(s, { 'widened', nxt.cands })
        counts.widened = counts.widened + 1
      end
      if nxt.minLevel then
        log_event(s, { 'relaxed', min_level })
        counts.relaxed = counts.relaxed + 1
      end
      enqueue(s, hgetall(key.session(s)))
      match_session(s)
    end
  end
  return counts
end
