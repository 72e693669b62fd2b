-- The catalog's proficiency steps (docs/catalog.md): versions published before routing by
-- proficiency get the step that asks anyone serving the topic from the start (higher levels
-- first), which is how they routed.
UPDATE catalog_versions
SET content = content || '{"proficiencySteps": [{"afterS": 0, "minLevel": 1}]}'::jsonb
WHERE NOT content ? 'proficiencySteps';
