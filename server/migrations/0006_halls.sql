-- Halls out of service, sessions that name their hall by id, and the devices' audit trail
-- (docs/devices.md).
ALTER TABLE halls ADD COLUMN active boolean NOT NULL DEFAULT true;

-- A kiosk session names its hall by id (a renamed hall keeps its sessions); rows written before
-- keep the hall's zh name as it was then in `hall`, and `hall_id` empty.
ALTER TABLE sessions ADD COLUMN hall_id text;
ALTER TABLE sessions DROP CONSTRAINT sessions_check;
ALTER TABLE sessions ADD CONSTRAINT sessions_entry CHECK (
  (entry_kind = 'portal') = (entry_page IS NOT NULL)
  AND (entry_kind = 'kiosk') = (kiosk_id IS NOT NULL AND (hall_id IS NOT NULL OR hall IS NOT NULL))
);
CREATE INDEX sessions_hall_id ON sessions (hall_id, created_at) WHERE entry_kind = 'kiosk';

-- Who changed which hall or kiosk, when, and each changed field before and after (a credential
-- never: only that it was issued). Append-only, like the staff directory's history.
CREATE TABLE device_events (
  id bigserial PRIMARY KEY,
  kind text NOT NULL CHECK (kind IN ('hall-created', 'hall-updated', 'kiosk-registered', 'kiosk-updated', 'kiosk-rotated', 'kiosk-disabled')),
  device text NOT NULL,
  by text NOT NULL,
  at timestamptz NOT NULL DEFAULT now(),
  changes jsonb NOT NULL
);
CREATE INDEX device_events_device ON device_events (device, id DESC);

CREATE TRIGGER device_events_append_only BEFORE UPDATE OR DELETE ON device_events
  FOR EACH ROW EXECUTE FUNCTION refuse_update();
