-- Queues: where sessions wait, and the choice of agent for a session and of session for an agent.

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

-- The eligible agent first (lowest score up to `max_score`) in the index sets of these skill keys.
local function first_indexed(s, sh, keys, kinds, skip, max_score)
  local best, best_score = nil, nil
  for _, sk in ipairs(keys) do
    for _, kind in ipairs(kinds) do
      local r = redis.call('ZRANGEBYSCORE', key.index(sk, kind), '-inf', max_score, 'WITHSCORES', 'LIMIT', 0, skip + 1)
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

-- The agent for a session: over the topic's keys it accepts, the highest level first, idle
-- longest within it (the index's order, index_score), down to the session's minLevel; then the
-- any-topic keys it gained by widening (no level: those agents may not serve the topic at all).
local function pick_agent(s, sh)
  -- a voice/video session takes a whole agent: only agents with nothing assigned
  local kinds = (sh.whole == '1') and { 'full' } or { 'full', 'part' }
  local skip = redis.call('SCARD', key.declined(s)) + 2
  local topical, general = {}, {}
  for _, sk in ipairs(split(sh.cands)) do
    -- "lang:*:tier": any topic
    if string.find(sk, ':*:', 1, true) then general[#general + 1] = sk else topical[#topical + 1] = sk end
  end
  -- below the band of the first level under minLevel
  local levels_up_to = '(' .. fmt((TOP_LEVEL - num(sh.minLevel or 1) + 1) * BAND)
  return first_indexed(s, sh, topical, kinds, skip, levels_up_to) or first_indexed(s, sh, general, kinds, skip, '+inf')
end

-- The best waiting session this agent can take: lowest band, then longest waiting; through a
-- topic's key only sessions that accept the agent's level by now.
local function pick_session(a, ah)
  local free = capacity(ah) - num(ah.load or 0)
  local best, best_score = nil, nil
  local skills = agent_skills(ah)
  for k = 1, #skills, 2 do
    local level = skills[k + 1]
    local r = redis.call('ZRANGE', key.queue(skills[k]), 0, QUEUE_SCAN - 1, 'WITHSCORES')
    for i = 1, #r, 2 do
      local score = tonumber(r[i + 1])
      if best_score ~= nil and score >= best_score then break end
      local s = r[i]
      local sh = hgetall(key.session(s))
      if cost_for(sh, a, ah) <= free and (level == 0 or level >= num(sh.minLevel or 1)) and not excluded(s, sh, a) then
        best, best_score = s, score
        break
      end
    end
  end
  return best
end
