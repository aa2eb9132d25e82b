CREATE TABLE feeds (
	key      TEXT PRIMARY KEY,
	kind     TEXT NOT NULL,
	slug     TEXT NOT NULL,
	name     TEXT NOT NULL,
	seq      INTEGER NOT NULL,
	changed  INTEGER NOT NULL,
	next_ord INTEGER NOT NULL DEFAULT 0,
	live     INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
CREATE UNIQUE INDEX feeds_kind_slug ON feeds(kind, slug);
CREATE INDEX feeds_seq ON feeds(seq);
CREATE TABLE feed_entries (
	feed      TEXT NOT NULL,
	ord       INTEGER NOT NULL,
	row       INTEGER NOT NULL,
	published INTEGER NOT NULL,
	id        TEXT NOT NULL,
	seq       INTEGER NOT NULL,
	gone      INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (feed, ord)
) WITHOUT ROWID;
CREATE INDEX feed_entries_row ON feed_entries(row);
CREATE INDEX feed_entries_latest ON feed_entries(feed, published DESC, id) WHERE gone = 0;
