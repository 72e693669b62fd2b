-- What each agent did, over time (docs/reports.md, "Per-agent figures"): one row per change of an
-- agent's status, wrap-up flag, load or capacity, from the dispatcher's outbox entry of that
-- change (protocol/src/outbox.ts, OutboxAgentActivity). A row holds from `at` until the agent's
-- next row. event_id is the outbox entry's id: archiving it twice writes it once. Append-only
-- like session_events; rows leave only by retention (SESSION_RETENTION_DAYS). Nothing of a
-- taxpayer is in it, so a taxpayer's erasure does not touch it.
CREATE TABLE agent_activity (
  event_id text PRIMARY KEY,
  agent text NOT NULL,
  at timestamptz NOT NULL,
  status text NOT NULL,
  wrap boolean NOT NULL,
  load integer NOT NULL CHECK (load >= 0),
  capacity integer NOT NULL CHECK (capacity >= 0),
  -- the supervisor who forced the change; none for the agent's own and the service's
  actor_id text
);
-- one agent over a range (and its state as the range begins: the row before it)
CREATE INDEX agent_activity_agent ON agent_activity (agent, at);
-- all agents over a range; retention
CREATE INDEX agent_activity_at ON agent_activity (at);

CREATE TRIGGER agent_activity_append_only BEFORE UPDATE ON agent_activity
  FOR EACH ROW EXECUTE FUNCTION refuse_update();
