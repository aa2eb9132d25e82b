ALTER TABLE entries ADD COLUMN held_until INTEGER;
DROP INDEX entries_live_published;
CREATE INDEX entries_visible_published ON entries(published DESC, id) WHERE removed = 0 AND held_until IS NULL;
CREATE INDEX entries_held ON entries(held_until) WHERE removed = 0 AND held_until IS NOT NULL;
