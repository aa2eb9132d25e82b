package catalog

import (
	"context"
	"database/sql"
)

// statements are the writer's prepared statements, one per write or lookup it makes.
type statements struct {
	insert     *sql.Stmt // a new entry, unless its id or slug is taken
	setContent *sql.Stmt // an entry's file, content and dates; makes it live
	setStat    *sql.Stmt // an entry's size and mtime only (a touch)
	remove     *sql.Stmt // marks a live entry removed, returning its id and slug
	byRow      *sql.Stmt // the stored entry with a row number
	byID       *sql.Stmt // the stored entry with an id
	byHash     *sql.Stmt // the stored entries with a content hash, live first, newest first
	drafted    *sql.Stmt // the newest entry at a path removed as a draft
	putReject  *sql.Stmt // remembers a rejected file's stat
	delReject  *sql.Stmt // forgets a rejected file
	setState   *sql.Stmt // one key of the state table
	due        *sql.Stmt // the held entries due by a time, oldest due first
	release    *sql.Stmt // makes a held entry visible
}

// prepare prepares every statement on tx. Each field is paired with its SQL here and only
// here.
func prepare(ctx context.Context, tx *sql.Tx) (statements, error) {
	var s statements
	for _, q := range []struct {
		dst **sql.Stmt
		sql string
	}{
		{&s.insert, `INSERT INTO entries(id, slug, path, hash, size, mtime, first_seen, published, updated,
	content_changed, declared_updated, title, summary, content_html, authors, categories, removed, seq, held_until,
	language, published_offset)
	VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?) ON CONFLICT DO NOTHING`},
		{&s.setContent, `UPDATE entries SET path = ?, hash = ?, size = ?, mtime = ?, published = ?, updated = ?,
	content_changed = ?, declared_updated = ?, title = ?, summary = ?, content_html = ?, authors = ?,
	categories = ?, removed = 0, removed_at = NULL, removed_why = NULL, seq = ?, held_until = ?, language = ?,
	published_offset = ? WHERE row = ?`},
		{&s.setStat, `UPDATE entries SET size = ?, mtime = ? WHERE row = ?`},
		{&s.remove, `UPDATE entries SET removed = 1, removed_at = ?, removed_why = ?, seq = ? WHERE row = ? AND removed = 0 AND path = ? RETURNING id, slug, held_until IS NOT NULL`},
		{&s.byRow, `SELECT ` + storedCols + ` FROM entries WHERE row = ?`},
		{&s.byID, `SELECT ` + storedCols + ` FROM entries WHERE id = ?`},
		{&s.byHash, `SELECT ` + storedCols + ` FROM entries WHERE hash = ? ORDER BY removed, seq DESC`},
		{&s.drafted, `SELECT ` + storedCols + ` FROM entries WHERE path = ? AND removed = 1 AND removed_why = 'draft' ORDER BY seq DESC LIMIT 1`},
		{&s.putReject, `INSERT INTO rejects(path, size, mtime, reason, rejected_at) VALUES(?, ?, ?, ?, ?) ON CONFLICT(path) DO UPDATE SET size = excluded.size, mtime = excluded.mtime, reason = excluded.reason, rejected_at = excluded.rejected_at`},
		{&s.delReject, `DELETE FROM rejects WHERE path = ?`},
		{&s.setState, `INSERT INTO state(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`},
		{&s.due, `SELECT row, id, slug, path, held_until FROM entries WHERE removed = 0 AND held_until IS NOT NULL AND held_until <= ? ORDER BY held_until, row`},
		{&s.release, `UPDATE entries SET held_until = NULL, seq = ? WHERE row = ? AND held_until IS NOT NULL`},
	} {
		st, err := tx.PrepareContext(ctx, q.sql)
		if err != nil {
			return statements{}, err
		}
		*q.dst = st
	}
	return s, nil
}
