-- A session's chat: a message goes into the session's chat stream and, in the same atomic step,
-- into the records outbox (protocol/src/outbox.ts), its id the chat stream's. Called as
-- EVALSHA sha 0 <command> <json args>; returns JSON { ok = true, result = ... }.
--
-- Keys (`key`, handed over from server/src/sessions/keys.ts and server/src/records/keys.ts):
-- chat (the session's stream), outbox.

local cmd = ARGV[1]
local args = cjson.decode(ARGV[2])

local commands = {}

function commands.post()
  local chat = key.chat(args.session)
  local fields = {}
  for name, value in pairs(args.fields) do
    fields[#fields + 1] = name
    fields[#fields + 1] = value
  end
  local id = redis.call('XADD', chat, 'MAXLEN', '~', args.historyLimit, '*', unpack(fields))
  redis.call('EXPIRE', chat, args.retentionS)
  local entry = args.entry
  entry.id = id
  redis.call('XADD', key.outbox, '*', 'entry', cjson.encode(entry))
  return { id = id }
end

local handler = commands[cmd]
if not handler then return cjson.encode({ ok = false, code = 'UNKNOWN_EVENT', message = 'unknown chat command ' .. tostring(cmd) }) end
return cjson.encode({ ok = true, result = handler() })
