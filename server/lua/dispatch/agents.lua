-- Agents: their place in the routing index, their load, what others are told of them.

local function routable(h)
  return h.status == 'available' and h.wrap ~= '1'
end

-- Wellbeing (docs/dispatcher.md, "Breaks"): 'streak' counts the sessions an agent took since its
-- last break and 'restedAt' is when that break ended (or the agent signed in); a break is being
-- away for BREAK_MS at least ('awayAt': since when). With MAX_STREAK set, an agent that has taken
-- (or holds offers of) that many is offered nothing more until it has had its break
-- (server/src/dispatcher/agent-wellbeing.ts says so to people).
local function offerable(a, h)
  if not routable(h) then return false end
  return MAX_STREAK == 0 or num(h.streak or 0) + redis.call('SCARD', key.agentOffers(a)) < MAX_STREAK
end

-- The break fields a change of the agent's status (in `h`) to `status` sets: the count starts again at
-- sign-in and after a break long enough.
local function rest_fields(h, status)
  if status == h.status then return {} end
  if status == 'away' then return { 'awayAt', fmt(now) } end
  if h.status == 'offline' or (h.status == 'away' and now - num(h.awayAt or now) >= BREAK_MS) then
    return { 'streak', '0', 'restedAt', fmt(now) }
  end
  return {}
end

-- One of an agent's skills: its key and, for a topic's key, the agent's level for the topic
-- ("zh:invoice:frontline@4").
local function skill_level(entry)
  local sk, level = string.match(entry, '^([^@]*)@?(%d?)$')
  return sk, tonumber(level)
end

-- An agent's skills parsed once, when it registers: a flat list of skill key, level (0 for an
-- any-topic key, which carries none), kept as JSON in 'skillIndex'. The reindex that follows every
-- offer and every end reads them, and parsing each entry there cost ~6 µs a reindex (15 entries).
local function parse_skills(list)
  local flat = {}
  for _, entry in ipairs(split(list)) do
    local sk, level = skill_level(entry)
    flat[#flat + 1] = sk
    flat[#flat + 1] = level or 0
  end
  return flat
end

-- The agent's parsed skills (`h`: its hash). A hash from before the parsed form was kept (it
-- outlives the service's restart) is parsed each time until the agent registers again, as every
-- agent does when it connects.
local function agent_skills(h)
  if h.skillIndex then return cjson.decode(h.skillIndex) end
  return parse_skills(h.skills)
end

-- An agent's capacity in units (0 for a profile registered before capacities: nothing routes to
-- it until it registers again).
local function capacity(h)
  return num(h.cap or 0)
end

-- An agent's score in the index of a skill key: the time it became idle, and for a topic's key
-- the levels below the top before it (a band per level, as wide as the queues' bands), so the
-- head of the set is the highest level, idle longest within it.
local function index_score(idle, idle_ms, level)
  if level == 0 then return idle end
  -- a number: Redis writes it out exactly (an integer below 2^53)
  return (TOP_LEVEL - level) * BAND + idle_ms
end

-- What a session holds of agent `a`'s capacity when offered to it: text 1, voice/video all of it
-- (`ah`: the agent's hash when it has been read).
local function cost_for(sh, a, ah)
  if sh.whole ~= '1' then return 1 end
  return ah and capacity(ah) or num(redis.call('HGET', key.agent(a), 'cap') or 0)
end

-- What the session holds of the agent (a session created before per-agent costs holds `cost`).
local function held(sh, a)
  return num(sh['held:' .. a] or sh.cost or 0)
end

-- Keeps the agent's place in the routing index (and the staffed sets) in line with its state.
-- The hash remembers where the agent is indexed ('idx' = full|part|'', 'staffed' = 1|0), so a
-- change touches only the sets that differ.
local function reindex(a)
  local agent_key = key.agent(a)
  local h = hgetall(agent_key)
  local skills = agent_skills(h)
  local load = num(h.load or 0)
  local kind = ''
  if offerable(a, h) and load < capacity(h) then kind = (load == 0) and 'full' or 'part' end
  local idle = h.idleSince or fmt(now)
  if kind ~= (h.idx or '') or (kind ~= '' and idle ~= h.idxScore) then
    local idle_ms = tonumber(idle)
    for i = 1, #skills, 2 do
      local sk = skills[i]
      if h.idx and h.idx ~= '' and h.idx ~= kind then redis.call('ZREM', key.index(sk, h.idx), a) end
      if kind ~= '' then redis.call('ZADD', key.index(sk, kind), index_score(idle, idle_ms, skills[i + 1]), a) end
    end
    redis.call('HSET', agent_key, 'idx', kind, 'idxScore', idle)
  end
  -- staffed = on duty: available (idle, busy or wrapping up); an away agent takes no work, so
  -- waits are not estimated from it (server/src/sessions/wait-estimate.ts)
  local staffed = (h.status == 'available') and '1' or '0'
  if staffed ~= (h.staffed or '0') then
    for i = 1, #skills, 2 do
      if staffed == '1' then redis.call('SADD', key.staff(skills[i]), a) else redis.call('SREM', key.staff(skills[i]), a) end
    end
    redis.call('HSET', agent_key, 'staffed', staffed)
  end
  -- in back office: where call-ins look for agents (call-in-commands.lua), longest there first
  local office = (h.status == 'back-office') and '1' or '0'
  if office ~= (h.office or '0') then
    for i = 1, #skills, 2 do
      if office == '1' then redis.call('ZADD', key.backOffice(skills[i]), fmt(now), a) else redis.call('ZREM', key.backOffice(skills[i]), a) end
    end
    redis.call('HSET', agent_key, 'office', office)
  end
  touch_agent(a, h)
  return h
end

local function agent_effect(a)
  local h = hgetall(key.agent(a))
  emit({ t = 'agent', agent = a, status = h.status, wrap = h.wrap == '1', load = num(h.load or 0), capacity = capacity(h),
    streak = num(h.streak or 0), restedAt = h.restedAt and num(h.restedAt) or nil, awayAt = h.awayAt and num(h.awayAt) or nil })
end

local function add_load(a, by)
  local load = redis.call('HINCRBY', key.agent(a), 'load', by)
  if load == 0 then redis.call('HSET', key.agent(a), 'idleSince', fmt(now)) end
  return load
end
