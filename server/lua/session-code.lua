-- Phone-hotline session codes: one live code per session, changed atomically so that a new code
-- always revokes the previous one (the code space cannot be filled by one session). Called as
-- EVALSHA sha 0 <command> <json args>; returns JSON { ok = true, result = ... } or { ok = false, code, message }.
--
-- Keys: code:{code} string (the session id, with the code's lifetime), sess:{id}:code string (the
-- session's current code, same lifetime).

local cmd = ARGV[1]
local args = cjson.decode(ARGV[2])

local function ok(result) return cjson.encode({ ok = true, result = result or {} }) end
local function current_key() return 'sess:' .. args.session .. ':code' end

-- the session's current code goes, unless it lapsed and now belongs to another session
local function revoke()
  local old = redis.call('GET', current_key())
  if old and redis.call('GET', 'code:' .. old) == args.session then redis.call('DEL', 'code:' .. old) end
  redis.call('DEL', current_key())
end

local commands = {}

-- ARGV: session, code (a random candidate), ttlS. Result: { issued = true } or { issued = false } when the candidate is taken.
function commands.issue()
  if redis.call('EXISTS', 'code:' .. args.code) == 1 then return ok({ issued = false }) end
  revoke()
  redis.call('SET', 'code:' .. args.code, args.session, 'EX', args.ttlS)
  redis.call('SET', current_key(), args.code, 'EX', args.ttlS)
  return ok({ issued = true })
end

function commands.revoke()
  revoke()
  return ok({})
end

local handler = commands[cmd]
if not handler then return cjson.encode({ ok = false, code = 'UNKNOWN_EVENT', message = 'unknown session code command ' .. tostring(cmd) }) end
return handler()
