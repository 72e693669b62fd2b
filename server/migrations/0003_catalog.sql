-- The catalog (docs/catalog.md): topics, languages, outcomes, the service-level target and the
-- widening steps, one row per published version. A version is published and applied whole, so
-- it is kept whole (jsonb, checked against protocol/src/catalog.ts CatalogContent by the
-- service): the history is the rows, each with who published it, when and what changed.
CREATE TABLE catalog_versions (
  version integer PRIMARY KEY CHECK (version >= 1),
  content jsonb NOT NULL,
  -- the administrator's sub; 'seed' for the version made from CATALOG_FILE and the environment
  published_by text NOT NULL,
  published_at timestamptz NOT NULL DEFAULT now(),
  -- CatalogChange[] against the version before
  changes jsonb NOT NULL
);

-- versions are history: none is changed or removed (refuse_update of the records' migration)
CREATE TRIGGER catalog_versions_append_only BEFORE UPDATE OR DELETE ON catalog_versions
  FOR EACH ROW EXECUTE FUNCTION refuse_update();
