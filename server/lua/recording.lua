-- Appends one compressed chunk to a session's recording within its byte allowance, atomically, so
-- that several instances writing the same recording agree on when it is full and only one of
-- them announces it. Called as EVALSHA sha 0 append <json args>; returns JSON { ok = true, result }.
--
-- Keys (`key`, handed over from server/src/cobrowse/keys.ts): the recording stream (the chunks: n
-- entries, z deflated base64), fields recBytes (stored chunk bytes) and recStopped of the session's
-- co-browsing hash (expired with it when the session closes); the session's hash (its TTL says
-- that the session is over) and the queue of moves (server/src/records/keys.ts).

local cmd = ARGV[1]
local args = cjson.decode(ARGV[2])
local hash = key.state(args.session)
local stream = key.recording(args.session)

local function ok(result) return cjson.encode({ ok = true, result = result }) end

local commands = {}

-- ARGV: session, n, z (the chunk), maxBytes. Result: 'written', 'reached' (this chunk did not fit: the
-- recording stops now; the caller writes its closing entry) or 'stopped' (it had stopped before).
function commands.append()
  if redis.call('HGET', hash, 'recStopped') == '1' then return ok('stopped') end
  local stored = tonumber(redis.call('HGET', hash, 'recBytes') or '0')
  if stored + #args.z > args.maxBytes then
    redis.call('HSET', hash, 'recStopped', '1')
    return ok('reached')
  end
  redis.call('HINCRBY', hash, 'recBytes', #args.z)
  redis.call('XADD', stream, '*', 'n', args.n, 'z', args.z)
  -- a chunk of a session that is over (the recorder's last flush, its retry buffer) may come
  -- after the recording was moved to PostgreSQL: the session is queued to be moved again, at once
  if redis.call('TTL', key.session(args.session)) >= 0 then redis.call('ZADD', key.moves, 0, args.session) end
  return ok('written')
end

local handler = commands[cmd]
if not handler then
  return cjson.encode({ ok = false, code = 'UNKNOWN_EVENT', message = 'unknown recording command ' .. tostring(cmd) })
end
return handler()
