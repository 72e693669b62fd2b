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

-- The eligible agent idle longest, over every skill the session currently accepts.
local function pick_agent(s, sh)
  local cost = num(sh.cost)
  local kinds = (cost < CAP) and { 'full', 'part' } or { 'full' }
  local skip = redis.call('SCARD', key.declined(s)) + 2
  local best, best_score = nil, nil
  for _, sk in ipairs(split(sh.cands)) do
    for _, kind in ipairs(kinds) do
      local r = redis.call('ZRANGE', key.index(sk, kind), 0, skip, 'WITHSCORES')
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

-- The best waiting session this agent can take: lowest band, then longest waiting.
local function pick_session(a, ah)
  local free = CAP - num(ah.load or 0)
  local best, best_score = nil, nil
  for _, sk in ipairs(split(ah.skills)) do
    local r = redis.call('ZRANGE', key.queue(sk), 0, QUEUE_SCAN - 1, 'WITHSCORES')
    for i = 1, #r, 2 do
      local score = tonumber(r[i + 1])
      if best_score ~= nil and score >= best_score then break end
      local s = r[i]
      local sh = hgetall(key.session(s))
      if num(sh.cost) <= free and not excluded(s, sh, a) then
        best, best_score = s, score
        break
      end
    end
  end
  return best
end
