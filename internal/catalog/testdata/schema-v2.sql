CREATE INDEX entries_live_stat ON entries(path, size, mtime, hash) WHERE removed = 0;
