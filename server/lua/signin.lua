-- Sign-in throttling shared by every instance on this Redis. Called as EVALSHA sha 0 <command>
-- <json args>; returns JSON { ok = true, result = ... } or { ok = false, code, message }.
--
-- Keys (`key`, handed over from server/src/auth/signin-keys.ts): per account and per client address,
-- counters of the attempts that did not succeed in the current window (fixed windows, expiring with it).

local cmd = ARGV[1]
local args = cjson.decode(ARGV[2])

local function ok(result) return cjson.encode({ ok = true, result = result or {} }) end

local function counters()
  return {
    { key = key.account(args.account), max = args.maxPerAccount, limit = 'account' },
    { key = key.address(args.address), max = args.maxPerAddress, limit = 'address' },
  }
end

local commands = {}

-- Before the password is hashed: when either counter has used up its window, which one and how
-- long until it ends; else the attempt counts on both (in flight already, so that parallel guesses
-- cannot slip through) and the result is empty.
function commands.begin()
  for _, c in ipairs(counters()) do
    if (tonumber(redis.call('GET', c.key)) or 0) >= c.max then
      local ttl = redis.call('PTTL', c.key)
      if ttl < 0 then
        ttl = args.windowMs
        redis.call('PEXPIRE', c.key, ttl)
      end
      return ok({ limit = c.limit, retryAfterS = math.ceil(ttl / 1000) })
    end
  end
  for _, c in ipairs(counters()) do
    if redis.call('INCR', c.key) == 1 then redis.call('PEXPIRE', c.key, args.windowMs) end
  end
  return ok()
end

-- A right password: its attempt does not count against the account or the address.
function commands.succeeded()
  for _, c in ipairs(counters()) do
    -- only while the window lasts: a DECR on an expired key would leave a negative counter behind
    if (tonumber(redis.call('GET', c.key)) or 0) > 0 then redis.call('DECR', c.key) end
  end
  return ok()
end

local handler = commands[cmd]
if not handler then
  return cjson.encode({ ok = false, code = 'UNKNOWN_EVENT', message = 'unknown sign-in command ' .. tostring(cmd) })
end
return handler()
