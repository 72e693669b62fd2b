-- The dispatcher's state machine, run atomically inside Redis so that several service instances
-- sharing one Redis can never over-fill an agent or assign a session twice.
--
-- The files of server/lua/dispatch/ are joined into one script (one EVALSHA, atomic) in the order
-- of DISPATCH_FILES (server/src/dispatcher/script.ts): this base (helpers, configuration, the
-- lifecycle guard), agents, queues, offers, sessions, then the commands and the run.
--
-- Called as EVALSHA sha 0 <command> <json args> (the commands and their arguments, results and
-- effects are declared in protocol/src/dispatch-commands.ts and dispatch-effect.ts). Keys are
-- derived from the arguments (so the script needs a single Redis or a Sentinel-managed primary,
-- not Redis Cluster). The TypeScript side puts a prelude before the files (server/src/dispatcher/
-- script.ts): `key` (the key names of the key modules), `BAND`, and `NEXT_STATE` and `refusal_of`
-- (the session lifecycle of protocol/src/lifecycle.ts, which every state change goes through:
-- guard, next_state).
-- Every command validates everything before its first write (a Lua error does not roll back),
-- and returns JSON: { ok = true, result = ..., effects = [...] } or { ok = false, code, message }.
-- Effects tell the calling instance whom to notify; they are facts, already committed.
--
-- Cost model: each agent has its own capacity in units ('cap', from the staff directory); a text
-- session costs 1, voice/video the whole capacity of the agent it is offered to, so the session
-- remembers what it holds of each agent ('held:<agent>') and gives back exactly that.
-- Routing reads the head of a handful of sorted sets (O(log n) each): agents are indexed by
-- skill ("lang:topic:tier", with '*' for any language/topic) in two sets, 'full' (nothing
-- assigned) and 'part' (some capacity left), scored by idleSince so the head is the agent idle
-- longest — in a topic's key after (5 - level) * 1e13, so the highest level comes first; queues
-- are sorted sets per skill scored band * 1e13 + enqueuedAt.

local cmd = ARGV[1]
local args = cjson.decode(ARGV[2])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local effects = {}

local function hgetall(k)
  local flat = redis.call('HGETALL', k)
  local h = {}
  for i = 1, #flat, 2 do h[flat[i]] = flat[i + 1] end
  return h
end

local CFG = hgetall(key.config)
if not CFG.offerMs then
  return fail('UNAVAILABLE', 'dispatcher configuration missing in Redis')
end
local OFFER_MS = tonumber(CFG.offerMs)
local MAX_TIMEOUTS = tonumber(CFG.maxTimeouts)
local WRAP_MS = tonumber(CFG.wrapMs)
local RETENTION_S = tonumber(CFG.retentionS)
local STATS_WINDOW_MS = tonumber(CFG.statsWindowMs)
local SL_MS = tonumber(CFG.serviceLevelMs)
local OUTBOX_MAX = tonumber(CFG.outboxMaxLength)
local BREAK_MS = tonumber(CFG.breakMs or 0)
local MAX_STREAK = tonumber(CFG.maxConsecutiveSessions or 0)
-- How long a callback's offer is held for the taxpayer to come back (callback.lua).
local CALLBACK_GRACE_MS = tonumber(CFG.callbackGraceMs or 0)
-- How many queue entries an agent looks at per skill queue to skip sessions it cannot take
-- (declined before, too big for its free capacity): bounds the work of one decision.
local QUEUE_SCAN = 8

local function fail(code, message)
  return cjson.encode({ ok = false, code = code, message = message, effects = effects, now = now })
end

local function split(list)
  local out = {}
  if list == nil or list == '' then return out end
  for item in string.gmatch(list, '[^,]+') do out[#out + 1] = item end
  return out
end

local function num(v) return math.floor(tonumber(v)) end
local function fmt(n) return string.format('%d', n) end

local function emit(e) effects[#effects + 1] = e end

-- How an assigned agent appears among a session's participants: `role:sub`, as its token says
-- (experts sign in with the expert role).
local function participant_of(a)
  return (redis.call('HGET', key.agent(a), 'tier') == 'expert' and 'expert:' or 'agent:') .. a
end

-- Whose command this is, for the audit trail: the supervisor (a reassign names them `by`), else
-- the agent, else the taxpayer; nobody for the service's own steps (the sweep). The steps a
-- command causes (the next offer after a decline) are recorded under the same person.
local function command_actor()
  if args.by then return { role = 'supervisor', id = args.by } end
  if args.supervisor then return { role = 'supervisor', id = args.supervisor } end
  if args.agent then return { role = redis.call('HGET', key.agent(args.agent), 'tier') == 'expert' and 'expert' or 'agent', id = args.agent } end
  if args.taxpayerSub then return { role = 'taxpayer', id = args.taxpayerSub } end
  return nil
end
local actor = false

-- Everyone who served the session (accepted one of its offers), as `agent:sub` / `expert:sub`.
local function served_by(s)
  local served, seen = {}, {}
  for _, e in ipairs(redis.call('XRANGE', key.events(s), '-', '+')) do
    local f = e[2]
    local agent, via
    for i = 1, #f, 2 do
      if f[i] == 'agent' then agent = f[i + 1] elseif f[i] == 'via' then via = f[i + 1] end
    end
    if agent and via and not seen[agent] then
      seen[agent] = true
      served[#served + 1] = participant_of(agent)
    end
  end
  return served
end

-- One event of the session: into its event stream (read live) and, in the same atomic step, into
-- the records outbox for the archiver (protocol/src/outbox.ts). `closing`: the event ends the
-- session, so the outbox entry carries the session's record.
local function log_event(s, fields, closing)
  local entry = { 'at', fmt(now) }
  local details = {}
  for i, f in ipairs(fields) do
    entry[#entry + 1] = f
    if i % 2 == 0 then details[fields[i - 1]] = f end
  end
  redis.call('XADD', key.events(s), '*', unpack(entry))
  if actor == false then actor = command_actor() end
  local record = closing and { fields = hgetall(key.session(s)), served = served_by(s) } or nil
  redis.call('XADD', key.outbox, '*', 'entry', cjson.encode({ t = 'event', session = s, at = now, kind = fields[1], actor = actor, details = details, record = record }))
end

-- The agents whose status, wrap-up flag, load or capacity the command changed, in the order first
-- touched, with that state as the command leaves it (every such change is followed by a reindex,
-- which touches the agent with its hash as read then) and as last recorded ('rec' in the hash).
local touched_agents, touched_list = {}, {}
local function touch_agent(a, h)
  if not h.status then return end
  local state = (h.status or '') .. '|' .. (h.wrap or '0') .. '|' .. (h.load or '0') .. '|' .. (h.cap or '0')
  local seen = touched_agents[a]
  if seen then
    seen.state = state
    return
  end
  touched_agents[a] = { state = state, recorded = h.rec }
  touched_list[#touched_list + 1] = a
end

-- Into the records outbox, at the end of the command, each touched agent whose state differs
-- from what was last recorded of it (protocol/src/outbox.ts, OutboxAgentActivity): a reindex that
-- changed none of it writes nothing, and a state the command passed through is not recorded. Who
-- caused it is recorded only for a supervisor (an agent's load may change through a taxpayer,
-- whose id has no place in the agents' record).
local function record_agents()
  for _, a in ipairs(touched_list) do
    local t = touched_agents[a]
    if t.state ~= t.recorded then
      redis.call('HSET', key.agent(a), 'rec', t.state)
      if actor == false then actor = command_actor() end
      local by = (actor and actor.role == 'supervisor') and actor or nil
      local status, wrap, load, cap = string.match(t.state, '^([^|]*)|([^|]*)|([^|]*)|([^|]*)$')
      redis.call('XADD', key.outbox, '*', 'entry', cjson.encode({ t = 'agent', agent = a, at = now, status = status, wrap = wrap == '1', load = num(load), capacity = num(cap), actor = by }))
    end
  end
end

local TZ_MS = tonumber(CFG.tzOffsetMin) * 60000

-- Day totals, per local day (day number since the epoch in the configured time zone).
local function day_stat(field, by)
  local day = key.day(fmt(math.floor((now + TZ_MS) / 86400000)))
  redis.call('HINCRBYFLOAT', day, field, by)
  redis.call('EXPIRE', day, 8 * 86400)
end

local function window_stat(stats_key, member)
  redis.call('ZADD', stats_key, fmt(now), member)
  redis.call('ZREMRANGEBYSCORE', stats_key, '-inf', fmt(now - STATS_WINDOW_MS))
  redis.call('PEXPIRE', stats_key, STATS_WINDOW_MS)
end

local function set_state(s, state, fields, closing)
  redis.call('HSET', key.session(s), 'state', state, 'stateAt:' .. state, fmt(now))
  local entry = { 'state', state }
  for _, f in ipairs(fields or {}) do entry[#entry + 1] = f end
  log_event(s, entry, closing)
  emit({ t = 'session', session = s, state = state })
end

-- The state the named transition of the session lifecycle (NEXT_STATE, handed over from
-- protocol/src/lifecycle.ts) leads the session to, or nil when it does not happen in its state
-- (or the session is gone: the sweep reads sessions that may have expired).
local function next_state(transition, sh)
  return NEXT_STATE[transition .. ' ' .. (sh.state or '')]
end

-- The one check of a session's state: the state the transition leads to when it is allowed, else
-- nil and the refusal's code and message.
local function guard(transition, sh)
  local to = next_state(transition, sh)
  if to then return to end
  local refusal = refusal_of(transition)
  if refusal.naming == 'state' then return nil, refusal.code, refusal.message .. ' (state: ' .. sh.state .. ')' end
  return nil, refusal.code, refusal.message
end


-- The commands, by name; each file of commands adds its own.
local commands = {}
