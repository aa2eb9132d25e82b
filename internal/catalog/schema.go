package catalog

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
)

// migrations are the schema steps, in order; the schema version (PRAGMA user_version) is the
// number applied. Steps are append-only: a released step must never be edited, since catalogs
// already past it will not run it again.
var migrations = []func(context.Context, *sql.Tx) error{
	m01Initial,
	m02LiveStatIndex,
	m03Feeds,
	m04Embargo,
	m05LanguageOffsetRejectTime,
	m06WebSub,
	m07FeedEntryUpdated,
	m08DropPublishedIndexes,
}

// migrate brings the schema to len(migrations), each step in its own transaction, and refuses
// a catalog written by a newer feedpub rather than misread it.
func (c *Catalog) migrate(ctx context.Context) error {
	var version int
	if err := c.db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	if version > len(migrations) {
		return fmt.Errorf("schema version %d is newer than this feedpub understands (%d)", version, len(migrations))
	}
	// A catalog an import left with indexes dropped (a crash, deferindex.go) is made whole at
	// its own version first: the steps after it, the backup and every reader expect them.
	if version > 0 {
		if err := c.restoreIndexes(ctx); err != nil {
			return fmt.Errorf("restore indexes: %w", err)
		}
	}
	// A catalog holds every id ever minted: before an upgrade changes it, keep a copy. A new,
	// empty catalog (version 0) has nothing to lose.
	if version > 0 && version < len(migrations) {
		if err := c.backupBeforeMigration(ctx, version, len(migrations)); err != nil {
			return err
		}
	}
	if version == 0 {
		if err := c.setPageSize(ctx); err != nil {
			return fmt.Errorf("page size: %w", err)
		}
	}
	for v := version + 1; v <= len(migrations); v++ {
		if err := c.migrateTo(ctx, v); err != nil {
			return fmt.Errorf("migration %d: %w", v, err)
		}
		if version == 0 {
			continue // a new catalog: one line below, not one per step
		}
		c.log.Info("catalog migrated", "version", v)
	}
	if version == 0 {
		c.log.Info("catalog created", "path", c.path, "schema", len(migrations))
	}
	return nil
}

// pageSize is a new catalog's page size. A news article's row (about 5 KB, mostly its
// content) then fits in one page; with SQLite's default of 4 KB, the columns stored after the
// content (authors, categories, seq, language, ...) sat in overflow pages, which every feed
// and archive query walked to read an entry without its content. Older catalogs keep theirs.
const pageSize = 16384

// setPageSize gives a new, empty catalog pageSize. A database in WAL mode cannot change its
// page size, so the change goes through rollback-journal mode, on one connection.
func (c *Catalog) setPageSize(ctx context.Context) error {
	conn, err := c.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	for _, q := range []string{"PRAGMA journal_mode=DELETE", "PRAGMA page_size=" + strconv.Itoa(pageSize), "VACUUM", "PRAGMA journal_mode=WAL"} {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("%s: %w", q, err)
		}
	}
	return nil
}

// migrateTo applies step v (1-based) and records it as the schema version.
func (c *Catalog) migrateTo(ctx context.Context, v int) error {
	tx, err := c.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := migrations[v-1](ctx, tx); err != nil {
		tx.Rollback()
		return err
	}
	// user_version lives in the database header, so it commits or rolls back with the step.
	if _, err := tx.ExecContext(ctx, "PRAGMA user_version = "+strconv.Itoa(v)); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

// m01Initial creates the tables: entries (every article ever published, live or removed),
// rejects (the stat of files that could not be published), state (internal counters) and meta.
func m01Initial(ctx context.Context, tx *sql.Tx) error {
	_, err := tx.ExecContext(ctx, `CREATE TABLE state (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
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
) WITHOUT ROWID;`)
	return err
}

// m02LiveStatIndex adds a covering index for the reconcile's stat scan: it lists live paths
// with their stat and hash without reading the table rows, which carry each article's
// content. Without it a no-change reconcile of 100,000 articles read the whole 450 MB table.
func m02LiveStatIndex(ctx context.Context, tx *sql.Tx) error {
	_, err := tx.ExecContext(ctx, `CREATE INDEX entries_live_stat ON entries(path, size, mtime, hash) WHERE removed = 0;`)
	return err
}

// m03Feeds adds the feeds an article belongs to besides the root: its sections, authors and
// tags. feeds holds each one's minted slug and change counter; feed_entries gives each member
// a permanent ordinal in its feed (the order it joined), which fixes the archive pages: page k
// holds ordinals k*N..k*N+N-1, so new members never move an old one to another page. Rows of
// entries that left a feed stay, marked gone, so their ordinals are never given again. The
// rows are filled by indexFeeds from the entries' change sequence, so an existing catalog is
// indexed on its first reconcile after this step.
func m03Feeds(ctx context.Context, tx *sql.Tx) error {
	_, err := tx.ExecContext(ctx, `CREATE TABLE feeds (
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
CREATE INDEX feed_entries_latest ON feed_entries(feed, published DESC, id) WHERE gone = 0;`)
	return err
}

// m04Embargo adds held_until: the time an entry dated in the future becomes visible, NULL once
// it is (every row before this step was published, so all stay visible). The listing index
// covers visible entries only, so feeds never step over held ones; entries_held finds the next
// due time without a scan.
func m04Embargo(ctx context.Context, tx *sql.Tx) error {
	_, err := tx.ExecContext(ctx, `ALTER TABLE entries ADD COLUMN held_until INTEGER;
DROP INDEX entries_live_published;
CREATE INDEX entries_visible_published ON entries(published DESC, id) WHERE removed = 0 AND held_until IS NULL;
CREATE INDEX entries_held ON entries(held_until) WHERE removed = 0 AND held_until IS NOT NULL;`)
	return err
}

// m05LanguageOffsetRejectTime stores what pages and inspect need beyond the feeds: an entry's
// language (declared or detected; ” for the site's) and the UTC offset its date was written
// with (NULL: shown in the site's zone), and when a file was rejected. Entries minted before
// this step keep ” and NULL, which render as before.
func m05LanguageOffsetRejectTime(ctx context.Context, tx *sql.Tx) error {
	_, err := tx.ExecContext(ctx, `ALTER TABLE entries ADD COLUMN language TEXT NOT NULL DEFAULT '';
ALTER TABLE entries ADD COLUMN published_offset INTEGER;
ALTER TABLE rejects ADD COLUMN rejected_at INTEGER;`)
	return err
}

// m06WebSub adds what WebSub must not forget across a restart: each topic's last announced
// body hash, the jobs owed (publish notifications to hubs, deliveries to subscribers; one per
// kind, target and topic) and the built-in hub's subscriptions. websub_counter hands out job
// versions that are never reused, even after a job is deleted.
func m06WebSub(ctx context.Context, tx *sql.Tx) error {
	_, err := tx.ExecContext(ctx, `CREATE TABLE websub_topics (
	topic TEXT PRIMARY KEY,
	hash  BLOB NOT NULL
) WITHOUT ROWID;
CREATE TABLE websub_jobs (
	kind     TEXT NOT NULL,
	target   TEXT NOT NULL,
	topic    TEXT NOT NULL,
	attempts INTEGER NOT NULL,
	next_at  INTEGER NOT NULL,
	version  INTEGER NOT NULL,
	PRIMARY KEY (kind, target, topic)
) WITHOUT ROWID;
CREATE INDEX websub_jobs_next ON websub_jobs(next_at, version);
CREATE TABLE websub_subscriptions (
	topic    TEXT NOT NULL,
	callback TEXT NOT NULL,
	secret   TEXT NOT NULL,
	expires  INTEGER NOT NULL,
	PRIMARY KEY (topic, callback)
) WITHOUT ROWID;
CREATE INDEX websub_subscriptions_expires ON websub_subscriptions(expires);
CREATE TABLE websub_counter (id INTEGER PRIMARY KEY CHECK (id = 1), n INTEGER NOT NULL);
INSERT INTO websub_counter(id, n) VALUES (1, 0);`)
	return err
}

// m07FeedEntryUpdated stores with each feed membership the Updated and content hash of the
// entry it was indexed with, so that indexing can tell a change readers see (an edit, a new
// date) from one they do not (a rename): only the first changes the feed, its Seq and its date.
func m07FeedEntryUpdated(ctx context.Context, tx *sql.Tx) error {
	_, err := tx.ExecContext(ctx, `ALTER TABLE feed_entries ADD COLUMN updated INTEGER NOT NULL DEFAULT 0;
ALTER TABLE feed_entries ADD COLUMN hash BLOB NOT NULL DEFAULT x'';
UPDATE feed_entries SET (updated, hash) = (SELECT e.updated, e.hash FROM entries e WHERE e.row = feed_entries.row);`)
	return err
}

// m08DropPublishedIndexes drops the two listings of entries by date: since step 3 the feeds
// list their members through feed_entries (the root feed included), so no query reads them,
// and each was one more index in random order that every new article was inserted into.
// Latest reads the root feed; Stats counts visible entries as live ones less held ones.
func m08DropPublishedIndexes(ctx context.Context, tx *sql.Tx) error {
	_, err := tx.ExecContext(ctx, `DROP INDEX entries_published;
DROP INDEX entries_visible_published;`)
	return err
}
