-- The system of record (docs/records.md): one row per session, its audit trail, its chat, its
-- files and its co-browsing recording. Ids are the ones the service uses in Redis today, so an
-- archived row can be written again (idempotently) by whoever archives it.

-- One row per session, written when the session is over. The *_at columns are the last time the
-- session entered each state (as sess:{id} keeps them); session_events has every transition.
CREATE TABLE sessions (
  id text PRIMARY KEY,
  state text NOT NULL CHECK (state IN ('ended', 'cancelled', 'abandoned')),
  created_at timestamptz NOT NULL,
  queued_at timestamptz,
  offered_at timestamptz,
  active_at timestamptz,
  escalating_at timestamptz,
  transferring_at timestamptz,
  wrap_up_at timestamptz,
  ended_at timestamptz,
  cancelled_at timestamptz,
  abandoned_at timestamptz,
  -- the taxpayer as the portal's token named them
  taxpayer_sub text NOT NULL,
  taxpayer_name text NOT NULL DEFAULT '',
  taxpayer_id text NOT NULL DEFAULT '',
  company text NOT NULL DEFAULT '',
  -- where the request came from: a portal page, or a kiosk in a service hall
  entry_kind text NOT NULL CHECK (entry_kind IN ('portal', 'kiosk')),
  entry_page text,
  kiosk_id text,
  hall text,
  CHECK ((entry_kind = 'portal') = (entry_page IS NOT NULL) AND (entry_kind = 'kiosk') = (kiosk_id IS NOT NULL AND hall IS NOT NULL)),
  topic text NOT NULL,
  language text NOT NULL,
  channel text NOT NULL,
  priority text NOT NULL,
  tier text NOT NULL DEFAULT 'general',
  -- who served it: the last agent, and everyone who took part by role
  agent text,
  agents text[] NOT NULL DEFAULT '{}',
  experts text[] NOT NULL DEFAULT '{}',
  wait_ms integer CHECK (wait_ms >= 0),
  handling_ms integer CHECK (handling_ms >= 0),
  notes text NOT NULL DEFAULT '',
  outcome text,
  rating smallint CHECK (rating BETWEEN 1 AND 5),
  rating_comment text NOT NULL DEFAULT '',
  archived_at timestamptz NOT NULL DEFAULT now()
);

-- The supervisors' searches: a date range, alone or with one of taxpayer, agent, hall/kiosk,
-- topic, outcome; the agent's view of a taxpayer's earlier sessions, newest first.
CREATE INDEX sessions_created_at ON sessions (created_at);
CREATE INDEX sessions_taxpayer ON sessions (taxpayer_sub, created_at DESC);
CREATE INDEX sessions_taxpayer_id ON sessions (taxpayer_id, created_at DESC);
CREATE INDEX sessions_agents ON sessions USING gin (agents, experts);
CREATE INDEX sessions_hall ON sessions (hall, created_at) WHERE entry_kind = 'kiosk';
CREATE INDEX sessions_kiosk ON sessions (kiosk_id, created_at) WHERE entry_kind = 'kiosk';
CREATE INDEX sessions_topic ON sessions (topic, created_at);
CREATE INDEX sessions_outcome ON sessions (outcome, created_at);

-- The audit trail: who did what to which session, when. Append-only (no UPDATE; rows go only by
-- retention or erasure). event_id is the outbox entry's id: archiving it twice writes it once.
-- No foreign key to sessions: a session's events are archived while it is still going on.
CREATE TABLE session_events (
  event_id text PRIMARY KEY,
  session_id text NOT NULL,
  at timestamptz NOT NULL,
  kind text NOT NULL,
  -- the person who acted (role and id as their token says); none for the service's own steps
  actor_role text,
  actor_id text,
  details jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX session_events_session ON session_events (session_id, at);
CREATE INDEX session_events_actor ON session_events (actor_id, at) WHERE actor_id IS NOT NULL;

CREATE FUNCTION refuse_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only', TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER session_events_append_only BEFORE UPDATE ON session_events
  FOR EACH ROW EXECUTE FUNCTION refuse_update();

-- Chat messages; id is the message's id within its session (the chat stream's entry id).
CREATE TABLE chat_messages (
  session_id text NOT NULL,
  id text NOT NULL,
  at timestamptz NOT NULL,
  from_role text NOT NULL,
  from_id text NOT NULL,
  from_name text NOT NULL DEFAULT '',
  text text NOT NULL,
  attachment_id text,
  PRIMARY KEY (session_id, id)
);
CREATE INDEX chat_messages_session ON chat_messages (session_id, at);

-- Chat attachments, their bytes here (docs/records.md says why not files under DATA_DIR).
CREATE TABLE attachments (
  session_id text NOT NULL,
  id text NOT NULL,
  name text NOT NULL,
  type text NOT NULL,
  size integer NOT NULL CHECK (size > 0 AND size = octet_length(content)),
  uploaded_at timestamptz NOT NULL,
  uploader_role text NOT NULL,
  uploader_id text NOT NULL,
  content bytea NOT NULL,
  PRIMARY KEY (session_id, id)
);
-- PNG, JPEG and PDF are compressed already: stored out of line without a futile second compression.
ALTER TABLE attachments ALTER COLUMN content SET STORAGE EXTERNAL;

-- Co-browsing recordings: the deflated chunks as the recorder wrote them (seq: their order within
-- the session, n: the rrweb entries in a chunk). Partitioned by the month the session began, so
-- that a session's chunks share one partition and retention drops whole months.
CREATE TABLE recordings (
  session_id text NOT NULL,
  session_created_at timestamptz NOT NULL,
  seq integer NOT NULL CHECK (seq >= 0),
  n integer NOT NULL CHECK (n > 0),
  chunk bytea NOT NULL,
  PRIMARY KEY (session_id, seq, session_created_at)
) PARTITION BY RANGE (session_created_at);
ALTER TABLE recordings ALTER COLUMN chunk SET STORAGE EXTERNAL;

-- Creates the monthly partitions recordings_YYYY_MM from the month of `first` to that of `last`
-- (UTC months) that do not exist yet; returns how many it created.
CREATE FUNCTION ensure_recording_partitions(first timestamptz, last timestamptz) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
  -- months counted in UTC wall time, whatever the connection's TimeZone
  month timestamp := date_trunc('month', first AT TIME ZONE 'UTC');
  created integer := 0;
  partition text;
BEGIN
  WHILE month AT TIME ZONE 'UTC' <= last LOOP
    partition := 'recordings_' || to_char(month, 'YYYY_MM');
    IF to_regclass(partition) IS NULL THEN
      EXECUTE format('CREATE TABLE %I PARTITION OF recordings FOR VALUES FROM (%L) TO (%L)',
        partition, month AT TIME ZONE 'UTC', (month + interval '1 month') AT TIME ZONE 'UTC');
      created := created + 1;
    END IF;
    month := month + interval '1 month';
  END LOOP;
  RETURN created;
END $$;

-- the months around the first start; the coming ones are created ahead by whoever archives
-- recordings (docs/records.md: planned)
SELECT ensure_recording_partitions(now() - interval '1 month', now() + interval '2 months');
