-- Halls and kiosks (docs/devices.md): where a kiosk's requests come from is the registry's word,
-- not the page's.
CREATE TABLE halls (
  id text PRIMARY KEY,
  name_zh text NOT NULL,
  name_en text NOT NULL,
  address text NOT NULL DEFAULT '',
  region text NOT NULL DEFAULT '',
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- A kiosk keeps only the SHA-256 of its credential: the credential is 32 random bytes, so a hash
-- without a salt or a slow function is as strong as the credential itself.
CREATE TABLE kiosks (
  id text PRIMARY KEY,
  hall_id text NOT NULL REFERENCES halls (id),
  location text NOT NULL DEFAULT '',
  active boolean NOT NULL DEFAULT true,
  credential_sha256 text NOT NULL CHECK (credential_sha256 ~ '^[0-9a-f]{64}$'),
  created_at timestamptz NOT NULL DEFAULT now(),
  rotated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX kiosks_hall ON kiosks (hall_id);
