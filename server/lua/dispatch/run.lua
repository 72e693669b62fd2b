-- Runs the command named by ARGV[1] and replies.

local handler = commands[cmd]
if not handler then return fail('UNKNOWN_EVENT', 'unknown dispatcher command ' .. tostring(cmd)) end
local result, code, message, details = handler()
record_agents()
-- a refused command may still have committed work (an accept too late times its offer out):
-- its effects go back with the refusal, so that everyone concerned is told
if code then return cjson.encode({ ok = false, code = code, message = message, details = details, effects = effects, now = now }) end
return cjson.encode({ ok = true, result = result or {}, effects = effects, now = now })
