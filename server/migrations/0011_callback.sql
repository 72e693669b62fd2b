-- Callbacks (docs/dispatcher.md, "Callback"): a request that kept its place while the taxpayer
-- was away enters the `callback` state, and one the taxpayer did not come back to ends as
-- `missed`, its own final state beside cancelled and abandoned (reports count it apart).
ALTER TABLE sessions ADD COLUMN callback_at timestamptz, ADD COLUMN missed_at timestamptz;
ALTER TABLE sessions DROP CONSTRAINT sessions_state_check;
ALTER TABLE sessions ADD CONSTRAINT sessions_state_check CHECK (state IN ('ended', 'cancelled', 'abandoned', 'missed'));
