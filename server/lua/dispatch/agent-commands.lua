-- Agent commands: profile, status, presence.

-- Registers or updates an agent's profile (name, tier, skills and levels, capacity); the status
-- is left as it is, and an available agent is matched at once with what it can take now.
function commands.register()
  local a = args.agent
  local agent_key = key.agent(a)
  local old = hgetall(agent_key)
  if old.skills ~= args.skills then
    -- skills changed: leave every old set, reindex below puts the agent in the new ones
    local old_skills = agent_skills(old)
    for i = 1, #old_skills, 2 do
      local sk = old_skills[i]
      redis.call('ZREM', key.index(sk, 'full'), a)
      redis.call('ZREM', key.index(sk, 'part'), a)
      redis.call('SREM', key.staff(sk), a)
      redis.call('ZREM', key.backOffice(sk), a)
    end
    redis.call('HSET', agent_key, 'idx', '', 'staffed', '0', 'office', '0')
  end
  -- a lower capacity applies to new work: what the agent holds now it keeps until it ends
  redis.call('HSET', agent_key, 'name', args.name, 'tier', args.tier, 'skills', args.skills, 'skillIndex', cjson.encode(parse_skills(args.skills)),
    'languages', args.languages, 'topics', args.topics, 'cap', fmt(args.capacity))
  if not old.status then
    redis.call('HSET', agent_key, 'status', 'offline', 'load', '0', 'wrap', '0', 'timeouts', '0', 'idleSince', fmt(now))
  end
  redis.call('SADD', key.agents, a)
  reindex(a)
  match_agent(a)
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


-- Presence of agents on duty (going off duty removes them, so XX never brings one back).
function commands.heartbeat()
  for _, a in ipairs(args.agents) do redis.call('ZADD', key.presence, 'XX', fmt(now), a) end
  return {}
end
