-- Retention and the taxpayers' rights (docs/records.md "Retention, legal holds, erasure").

-- A legal hold keeps a session, with all its parts, past retention and refuses its erasure.
-- Released holds stay (who released it, when): the history of holds is part of the record.
CREATE TABLE legal_holds (
  id bigserial PRIMARY KEY,
  session_id text NOT NULL,
  reason text NOT NULL,
  placed_by text NOT NULL,
  placed_at timestamptz NOT NULL DEFAULT now(),
  released_by text,
  released_at timestamptz,
  CHECK ((released_by IS NULL) = (released_at IS NULL))
);
-- at most one hold in force per session; retention and erasure look sessions up by it
CREATE UNIQUE INDEX legal_holds_in_force ON legal_holds (session_id) WHERE released_at IS NULL;

-- The erasures done on request: the audit log that survives them. The taxpayer is kept only as
-- the SHA-256 of the identifier given (docs/records.md says why).
CREATE TABLE erasures (
  id bigserial PRIMARY KEY,
  at timestamptz NOT NULL DEFAULT now(),
  erased_by text NOT NULL,
  identifier_kind text NOT NULL CHECK (identifier_kind IN ('sub', 'taxpayerId')),
  identifier_sha256 text NOT NULL CHECK (identifier_sha256 ~ '^[0-9a-f]{64}$'),
  reason text NOT NULL,
  sessions integer NOT NULL CHECK (sessions >= 0),
  -- rows deleted per table and Redis keys deleted
  deleted jsonb NOT NULL,
  -- the held sessions left in place (the request asked for the unheld ones only)
  held_kept text[] NOT NULL DEFAULT '{}'
);
CREATE INDEX erasures_at ON erasures (at DESC);
CREATE INDEX erasures_identifier ON erasures (identifier_sha256);

-- The ids of erased sessions (random, no personal data). A record change still on its way
-- through the outbox when its session was erased must not bring it back: rows of these sessions
-- are skipped on insert. Retention removes the ids once nothing that old can still arrive.
CREATE TABLE erased_sessions (
  session_id text PRIMARY KEY,
  erased_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX erased_sessions_at ON erased_sessions (erased_at);

-- TG_ARGV[0]: the column holding the session's id
CREATE FUNCTION skip_erased_session() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM erased_sessions WHERE session_id = to_jsonb(NEW) ->> TG_ARGV[0]) THEN
    RETURN NULL;
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER sessions_skip_erased BEFORE INSERT ON sessions FOR EACH ROW EXECUTE FUNCTION skip_erased_session('id');
CREATE TRIGGER session_events_skip_erased BEFORE INSERT ON session_events FOR EACH ROW EXECUTE FUNCTION skip_erased_session('session_id');
CREATE TRIGGER chat_messages_skip_erased BEFORE INSERT ON chat_messages FOR EACH ROW EXECUTE FUNCTION skip_erased_session('session_id');
CREATE TRIGGER attachments_skip_erased BEFORE INSERT ON attachments FOR EACH ROW EXECUTE FUNCTION skip_erased_session('session_id');
CREATE TRIGGER recordings_skip_erased BEFORE INSERT ON recordings FOR EACH ROW EXECUTE FUNCTION skip_erased_session('session_id');

-- Retention deletes the parts of sessions whose row is gone (or never came) by their own time.
CREATE INDEX chat_messages_at ON chat_messages (at);
CREATE INDEX session_events_at ON session_events (at);
CREATE INDEX attachments_uploaded_at ON attachments (uploaded_at);
