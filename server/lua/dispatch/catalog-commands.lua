-- The published catalog's service-level target (server/src/catalog/): instances apply a
-- publication in any order, so a version older than the one applied changes nothing.
function commands.catalog()
  if (tonumber(CFG.catalogVersion) or 0) >= args.version then return { applied = false } end
  redis.call('HSET', key.config, 'catalogVersion', fmt(args.version), 'serviceLevelMs', fmt(args.serviceLevelMs))
  return { applied = true }
end
