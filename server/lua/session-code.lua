-- Phone-hotline session codes: one live code per session, changed atomically so that a new code
-- always revokes the previous one (the code space cannot be filled by one session). Called as
-- EVALSHA sha 0 <command> <json args>; returns JSON { ok = true, result = ... } or { ok = false, code, message }.
--
-- Keys (`key`, handed over from server/src/sessions/keys.ts): hotlineCode (the session id, with the
-- code's lifetime), code (the session's current code, same lifetime).

local cmd = ARGV[1]
local args = cjson.decode(ARGV[2])

local function ok(result) return cjson.encode({ ok = true, result = result or {} }) end

-- the session's current code goes, unless it lapsed and now belongs to another session
local function revoke()
  local old = redis.call('GET', key.code(args.session))
  if old and redis.call('GET', key.hotlineCode(old)) == args.session then redis.call('DEL', key.hotlineCode(old)) end
  redis.call('DEL', key.code(args.session))
end

local commands = {}

-- ARGV: session, code (a random candidate), ttlS. Result: { issued = true } or { issued = false } when the candidate is taken.
function commands.issue()
  if redis.call('EXISTS', key.hotlineCode(args.code)) == 1 then return ok({ issued = false }) end
  revoke()
  redis.call('SET', key.hotlineCode(args.code), args.session, 'EX', args.ttlS)
  redis.call('SET', key.code(args.session), args.code, 'EX', args.ttlS)
  return ok({ issued = true })
end

function commands.revoke()
  revoke()
  return ok({})
end

local handler = commands[cmd]
if not handler then return cjson.encode({ ok = false, code = 'UNKNOWN_EVENT', message = 'unknown session code command ' .. tostring(cmd) }) end
return handler()
