-- The queue of sessions that are over and due to leave Redis (docs/records.md): their
-- attachments and recording are moved to PostgreSQL, then their keys expire. Leased, so that a
-- mover killed mid-move is replaced once its lease has run out, and the move (idempotent) is done
-- again. Called as EVALSHA sha 0 <command> <json args>; returns JSON { ok = true, result }.
--
-- Keys (`key`, handed over from server/src/records/keys.ts): moves (sorted set, session -> when due, ms).

local cmd = ARGV[1]
local args = cjson.decode(ARGV[2])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)

local function ok(result) return cjson.encode({ ok = true, result = result }) end

local commands = {}

function commands.take()
  local due = redis.call('ZRANGEBYSCORE', key.moves, '-inf', now, 'LIMIT', 0, args.limit)
  local lease = now + args.leaseMs
  local taken = {}
  for _, session in ipairs(due) do
    redis.call('ZADD', key.moves, lease, session)
    taken[#taken + 1] = { session = session, lease = lease }
  end
  return ok(taken)
end

-- A score other than the lease: something was added since the move read it (a late recording
-- chunk re-queued the session), so it stays queued and its keys stay until that is moved too.
function commands.done()
  if tonumber(redis.call('ZSCORE', key.moves, args.session)) ~= args.lease then return ok(false) end
  redis.call('ZREM', key.moves, args.session)
  -- LT: a key that expires sooner already (a session code) is not kept longer
  for _, k in ipairs(args.keys) do redis.call('EXPIRE', k, args.hotS, 'LT') end
  return ok(true)
end

local handler = commands[cmd]
if not handler then
  return cjson.encode({ ok = false, code = 'UNKNOWN_EVENT', message = 'unknown move command ' .. tostring(cmd) })
end
return handler()
