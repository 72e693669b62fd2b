-- Sessions past SESSION_RETENTION_DAYS stay for the reports until REPORT_RETENTION_DAYS, as
-- figures only: retention clears their personal fields and deletes their parts, and marks them
-- here. Records reads (search, a session's record, access checks) do not see them.
ALTER TABLE sessions ADD COLUMN anonymised_at timestamptz;
