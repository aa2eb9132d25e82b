CREATE TABLE state (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE entries (
	row              INTEGER PRIMARY KEY,
	id               TEXT NOT NULL UNIQUE,
	slug             TEXT NOT NULL UNIQUE,
	path             TEXT NOT NULL,
	hash             BLOB NOT NULL,
	size             INTEGER NOT NULL,
	mtime            INTEGER NOT NULL,
	first_seen       INTEGER NOT NULL,
	published        INTEGER NOT NULL,
	updated          INTEGER NOT NULL,
	content_changed  INTEGER,
	declared_updated INTEGER,
	title            TEXT NOT NULL,
	summary          TEXT NOT NULL,
	content_html     TEXT NOT NULL,
	authors          TEXT NOT NULL,
	categories       TEXT NOT NULL,
	removed          INTEGER NOT NULL DEFAULT 0,
	removed_at       INTEGER,
	removed_why      TEXT,
	seq              INTEGER NOT NULL
);
CREATE UNIQUE INDEX entries_live_path ON entries(path) WHERE removed = 0;
CREATE INDEX entries_removed_path ON entries(path) WHERE removed = 1;
CREATE INDEX entries_live_published ON entries(published DESC, id) WHERE removed = 0;
CREATE INDEX entries_published ON entries(published DESC, id);
CREATE INDEX entries_seq ON entries(seq);
CREATE INDEX entries_hash ON entries(hash);
CREATE TABLE rejects (
	path   TEXT PRIMARY KEY,
	size   INTEGER NOT NULL,
	mtime  INTEGER NOT NULL,
	reason TEXT NOT NULL
) WITHOUT ROWID;
