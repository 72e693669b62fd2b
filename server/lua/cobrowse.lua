-- Co-browsing state and buffers of one session, changed atomically so that several instances
-- agree on consent and control. Called as EVALSHA sha 0 <command> <json args>; returns JSON
-- { ok = true, result = ... } or { ok = false, code, message }.
--
-- Keys (`key`, handed over from server/src/cobrowse/keys.ts and server/src/records/keys.ts): the
-- session's state hash, its live stream (latest full snapshot + events since: what a joining agent
-- needs; its entry ids tell a watcher which relayed batches its mirror already holds), the control
-- requests by expiry, the records outbox. The recording is written in compressed chunks by the
-- service (recording.ts) after each accepted change.

local cmd = ARGV[1]
local args = cjson.decode(ARGV[2])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)

local function fmt(n) return string.format('%d', n) end
local function ok(result) return cjson.encode({ ok = true, result = result or {} }) end
local function fail(code, message, details)
  return cjson.encode({ ok = false, code = code, message = message, details = details })
end

local function state()
  local flat = redis.call('HGETALL', key.state(args.session))
  local h = {}
  for i = 1, #flat, 2 do h[flat[i]] = flat[i + 1] end
  local s = { sessionId = args.session, sharing = h.sharing or 'waiting', control = h.control or 'none' }
  if h.controller and h.controller ~= '' then s.controller = { id = h.controller, name = h.controllerName or h.controller } end
  if s.control == 'requested' and h.requestExpiresAt then s.requestExpiresAt = tonumber(h.requestExpiresAt) end
  return s
end

local function set_control(control, controller, controller_name, expires)
  redis.call('HSET', key.state(args.session), 'control', control, 'controller', controller or '', 'controllerName', controller_name or '',
    'requestExpiresAt', expires and fmt(expires) or '')
  if expires then redis.call('ZADD', key.controlRequests, fmt(expires), args.session)
  else redis.call('ZREM', key.controlRequests, args.session) end
end

-- A change of consent or control, into the records outbox in the same atomic step as the change
-- (protocol/src/outbox.ts, COBROWSE_EVENT_KINDS): by `by`, the person whose command it is; nobody
-- for the service's own steps.
local function audit(kind, details, by)
  redis.call('XADD', key.outbox, '*', 'entry',
    cjson.encode({ t = 'event', session = args.session, at = now, kind = kind, actor = by, details = details }))
end

-- The control someone held or asked for, as an audit entry's details.
local function control_details(s, extra)
  local details = { controller = s.controller and s.controller.id or '', was = s.control }
  for name, value in pairs(extra or {}) do details[name] = value end
  return details
end

local commands = {}

function commands.share()
  local s = state()
  if args.sharing then
    redis.call('HSET', key.state(args.session), 'sharing', 'sharing')
    if s.sharing ~= 'sharing' then audit('consent-given', {}, args.by) end
  else
    redis.call('HSET', key.state(args.session), 'sharing', 'stopped')
    if s.sharing == 'sharing' then audit('consent-withdrawn', {}, args.by) end
    if s.control ~= 'none' then
      set_control('none')
      audit('control-revoked', control_details(s), args.by)
    end
    redis.call('DEL', key.live(args.session))
  end
  return ok(state())
end

-- A batch of recorded events. Starts the live buffer afresh when it holds a full snapshot.
-- ARGV: events (JSON array text, relayed as is), fullFrom (index of the Meta event that opens the
-- last full snapshot, or -1), fullJson (the events from there on), count, seq, limits.
function commands.batch()
  local h = redis.call('HMGET', key.state(args.session), 'sharing', 'seq')
  if h[1] ~= 'sharing' then return fail('CONFLICT', 'The taxpayer is not sharing their screen') end
  local rate_key = key.rate(args.session, fmt(math.floor(now / 1000)))
  local rate = redis.call('INCRBY', rate_key, args.count)
  redis.call('EXPIRE', rate_key, 2)
  if rate > args.maxPerSecond then
    redis.call('DECRBY', rate_key, args.count)
    return fail('RATE_LIMITED', 'Too many events this second')
  end
  local last = tonumber(h[2] or '-1')
  local gap = args.seq ~= last + 1
  redis.call('HSET', key.state(args.session), 'seq', fmt(args.seq), 'lastEventAt', fmt(now))
  local full = false
  local live_id
  if args.fullJson then
    redis.call('DEL', key.live(args.session))
    live_id = redis.call('XADD', key.live(args.session), '*', 'e', args.fullJson)
  elseif redis.call('XLEN', key.live(args.session)) >= args.maxLive then
    -- Full: the buffer goes rather than its oldest increments (a mirror needs the snapshot and
    -- every increment since) or its newest (a late joiner would build a page that is no longer
    -- there). A late joiner waits for the fresh snapshot asked for here; watching agents go on.
    redis.call('DEL', key.live(args.session))
    full = true
  elseif redis.call('EXISTS', key.live(args.session)) == 1 then
    live_id = redis.call('XADD', key.live(args.session), '*', 'e', args.events)
  else
    -- nothing to build on (no snapshot yet, or the buffer was full): the taxpayer must send one
    gap = true
  end
  -- liveId: the entry the batch went into, so that a watcher who got it in `watch` skips it live
  return ok({ snapshotWanted = (gap and not args.fullJson) or full, liveId = live_id })
end

function commands.watch()
  local entries = redis.call('XRANGE', key.live(args.session), '-', '+')
  local batches = {}
  for _, entry in ipairs(entries) do batches[#batches + 1] = entry[2][2] end
  local last = entries[#entries]
  return ok({ state = state(), batches = batches, liveId = last and last[1] or nil })
end

-- One request at a time: the taxpayer is asked about one named agent, and a competing request
-- is refused rather than silently taking the place of the one on the taxpayer's screen.
function commands.request()
  local s = state()
  if s.sharing ~= 'sharing' then return fail('CONFLICT', 'The taxpayer is not sharing their screen') end
  if s.control ~= 'none' and s.controller and s.controller.id ~= args.agent then
    if s.control == 'granted' then
      return fail('CONFLICT', 'Another agent is in control', { reason = 'control-held', controller = s.controller })
    end
    return fail('CONFLICT', 'Another agent has asked for control and the taxpayer has not answered yet',
      { reason = 'control-pending', controller = s.controller })
  end
  if s.control == 'granted' then return ok(s) end
  set_control('requested', args.agent, args.agentName, now + args.timeoutMs)
  audit('control-requested', {}, args.by)
  return ok(state())
end

-- The taxpayer's answer names the agent it was asked about: it never applies to anyone else.
function commands.answer()
  local s = state()
  if s.control ~= 'requested' then return fail('CONFLICT', 'No control request is open') end
  if not s.controller or s.controller.id ~= args.requester then
    return fail('CONFLICT', 'The control request you answered is no longer open', { controller = s.controller })
  end
  if args.grant then
    set_control('granted', s.controller.id, s.controller.name)
    audit('control-granted', { requester = s.controller.id }, args.by)
  else
    set_control('none')
    audit('control-refused', { requester = s.controller.id }, args.by)
  end
  return ok(state())
end

-- A participant who leaves the session (or is removed from it) no longer holds or asks for
-- control; `changed` tells the caller whether to publish the new state.
function commands.release()
  local s = state()
  if s.control == 'none' or not s.controller or s.controller.id ~= args.agent then
    return ok({ changed = false, state = s })
  end
  set_control('none')
  audit('control-ended', control_details(s, { reason = 'left' }))
  return ok({ changed = true, state = state() })
end

function commands.stop()
  local s = state()
  if args.agent and (not s.controller or s.controller.id ~= args.agent) then
    return fail('FORBIDDEN', 'You do not hold or request control')
  end
  if s.control ~= 'none' then
    set_control('none')
    audit(args.agent and 'control-stopped' or 'control-revoked', control_details(s), args.by)
  end
  return ok(state())
end

-- Checked for every control input: the server, not the client, holds the consent.
function commands.input()
  local s = state()
  if s.control ~= 'granted' or not s.controller or s.controller.id ~= args.agent then
    return fail('FORBIDDEN', 'The taxpayer has not granted you control')
  end
  return ok({})
end

-- Control requests nobody answered in time lapse (any instance may run this).
function commands.expire()
  local lapsed = redis.call('ZRANGEBYSCORE', key.controlRequests, '-inf', fmt(now), 'LIMIT', 0, 100)
  local changed = {}
  for _, session in ipairs(lapsed) do
    args.session = session
    redis.call('ZREM', key.controlRequests, session)
    local s = state()
    if s.control == 'requested' then
      set_control('none')
      audit('control-ended', control_details(s, { reason = 'lapsed' }))
      changed[#changed + 1] = state()
    end
  end
  return ok(changed)
end

-- The session is over: sharing stops, control ends, the live buffer goes; the recording is kept
-- for the retention period, or less once it is in PostgreSQL (NX: the session's move may have set
-- its shorter expiry already).
function commands.close()
  local s = state()
  if s.control ~= 'none' then audit('control-ended', control_details(s, { reason = 'session-over' })) end
  redis.call('HSET', key.state(args.session), 'sharing', 'stopped', 'control', 'none', 'controller', '')
  redis.call('ZREM', key.controlRequests, args.session)
  redis.call('DEL', key.live(args.session))
  for _, k in ipairs({ key.state(args.session), key.recording(args.session) }) do redis.call('EXPIRE', k, args.retentionS, 'NX') end
  return ok(state())
end

local handler = commands[cmd]
if not handler then return fail('UNKNOWN_EVENT', 'unknown co-browsing command ' .. tostring(cmd)) end
return handler()
