-- Supervisor: hand an active session to a chosen agent (through an offer), or put a session back
-- at the head of its queue for whoever is free first.
function commands.reassign()
  local s = args.session
  local sh = get_session(s)
  if not sh then return nil, 'NOT_FOUND', 'No such session' end
  if sh.offer then return nil, 'CONFLICT', 'An offer for this session is pending' end
  local target = args.agent
  if target then
    local th = hgetall(key.agent(target))
    if not th.status then return nil, 'NOT_FOUND', 'Unknown agent' end
    if target == sh.agent then return nil, 'CONFLICT', 'The session is already with this agent' end
    if not routable(th) then return nil, 'CONFLICT', 'The agent is not available' end
    if not offerable(target, th) then return nil, 'CONFLICT', 'The agent is due a break' end
    if num(th.load) + cost_for(sh, target, th) > capacity(th) then return nil, 'CONFLICT', 'The agent has no free capacity' end
    local to, code, message = guard('reassignTo', sh)
    if not to then return nil, code, message end
    -- a waiting session gets a primary offer (and the agent may have declined it before)
    if next_state('offer', sh) then
      redis.call('SREM', key.declined(s), target)
      make_offer(s, target, 'primary')
    else
      make_offer(s, target, 'reassign')
    end
    log_event(s, { 'reassign', target, 'by', args.by })
    return { offeredTo = target, offer = redis.call('HGET', key.session(s), 'offer') }
  end
  local state, code, message = guard('reassignToQueue', sh)
  if not state then return nil, code, message end
  dequeue(s, sh)
  requeue_at_head(s, 'reassignToQueue', 'reassigned')
  log_event(s, { 'reassign', 'queue', 'by', args.by })
  return { state = state }
end

-- Supervisor joins (visible) or monitors (silent) a session; no agent capacity is used.
function commands.observe()
  local s = args.session
  local sh = get_session(s)
  if not sh then return nil, 'NOT_FOUND', 'No such session' end
  local allowed, code, message = guard('observe', sh)
  if not allowed then return nil, code, message end
  redis.call('SADD', key.participants(s), 'supervisor:' .. args.supervisor)
  -- joining after monitoring makes the supervisor visible (and able to speak)
  if args.mode == 'monitor' then redis.call('SADD', key.monitors(s), args.supervisor)
  else redis.call('SREM', key.monitors(s), args.supervisor) end
  log_event(s, { args.mode, args.supervisor })
  return { session = s, mode = args.mode }
end

-- The supervisor stops monitoring or leaves a joined session: no longer a participant.
function commands.unobserve()
  local s = args.session
  if not get_session(s) then return nil, 'NOT_FOUND', 'No such session' end
  local was = redis.call('SREM', key.participants(s), 'supervisor:' .. args.supervisor)
  redis.call('SREM', key.monitors(s), args.supervisor)
  if was == 1 then
    log_event(s, { 'unobserve', args.supervisor })
    emit({ t = 'access-ended', session = s, peer = 'supervisor:' .. args.supervisor })
  end
  return { session = s }
end
