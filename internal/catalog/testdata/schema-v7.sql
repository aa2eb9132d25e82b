ALTER TABLE feed_entries ADD COLUMN updated INTEGER NOT NULL DEFAULT 0;
ALTER TABLE feed_entries ADD COLUMN hash BLOB NOT NULL DEFAULT x'';
UPDATE feed_entries SET (updated, hash) = (SELECT e.updated, e.hash FROM entries e WHERE e.row = feed_entries.row);
