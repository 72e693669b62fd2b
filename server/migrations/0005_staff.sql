-- The staff directory (docs/roles.md): one row per staff member, keyed by the identity
-- provider's subject, with the skills routing uses; and the history of every change to it.
CREATE TABLE staff (
  sub text PRIMARY KEY,
  name text NOT NULL,
  role text NOT NULL CHECK (role IN ('agent', 'expert', 'supervisor', 'admin')),
  tier text NOT NULL CHECK (tier IN ('frontline', 'expert')),
  languages text[] NOT NULL DEFAULT '{}',
  -- [{"topic": "invoice", "level": 1..5}, …]
  topics jsonb NOT NULL DEFAULT '[]',
  capacity integer NOT NULL CHECK (capacity BETWEEN 1 AND 20),
  halls text[] NOT NULL DEFAULT '{}',
  active boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL DEFAULT now(),
  created_by text NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  updated_by text NOT NULL
);
-- the search by topic (`topics @> '[{"topic": …}]'`)
CREATE INDEX staff_topics ON staff USING gin (topics jsonb_path_ops);

-- Who changed which member, when, and each changed field before and after. Append-only, like
-- the sessions' audit trail.
CREATE TABLE staff_events (
  id bigserial PRIMARY KEY,
  sub text NOT NULL REFERENCES staff (sub),
  kind text NOT NULL CHECK (kind IN ('created', 'updated', 'disabled', 'enabled')),
  by text NOT NULL,
  at timestamptz NOT NULL DEFAULT now(),
  changes jsonb NOT NULL
);
CREATE INDEX staff_events_member ON staff_events (sub, id DESC);

-- members are disabled, never deleted, so their history has no DELETE either
CREATE TRIGGER staff_events_append_only BEFORE UPDATE OR DELETE ON staff_events
  FOR EACH ROW EXECUTE FUNCTION refuse_update();
