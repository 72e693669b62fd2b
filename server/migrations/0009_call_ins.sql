-- Call-ins of back-office agents into the pool (docs/dispatcher.md, "Call-ins"; docs/reports.md,
-- "Call-ins"): one row per call-in made and one per its answer (accepted, declined, expired), from
-- the dispatcher's outbox entries (protocol/src/outbox.ts, OutboxCallIn), each carrying the call-in
-- as made: who or what triggered it, the queue, the gap and the longest wait then. event_id is the
-- outbox entry's id: archiving it twice writes it once. Append-only like agent_activity; rows
-- leave only by retention. Nothing of a taxpayer is in it.
CREATE TABLE call_in_events (
  event_id text PRIMARY KEY,
  call_in text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('made', 'accepted', 'declined', 'expired')),
  at timestamptz NOT NULL,
  made_at timestamptz NOT NULL,
  agent text NOT NULL,
  -- language:topic:tier; '' for a supervisor's call-in
  queue text NOT NULL,
  trigger text NOT NULL CHECK (trigger IN ('gap', 'wait', 'manual')),
  -- the supervisor of a manual call-in
  actor_id text,
  note text NOT NULL,
  gap integer NOT NULL,
  wait_s integer NOT NULL CHECK (wait_s >= 0),
  -- a decline's reason
  reason text NOT NULL
);
-- a report over a range of call-ins made; retention
CREATE INDEX call_in_events_made_at ON call_in_events (made_at);
-- a call-in's answer
CREATE INDEX call_in_events_call_in ON call_in_events (call_in);

CREATE TRIGGER call_in_events_append_only BEFORE UPDATE ON call_in_events
  FOR EACH ROW EXECUTE FUNCTION refuse_update();
