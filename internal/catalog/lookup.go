package catalog

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// loadLive reads the stat and hash of every live entry, by path: the index a full reconcile
// compares the walk with.
func (c *Catalog) loadLive(ctx context.Context) (map[string]*liveRow, error) {
	var n int
	if err := c.db.QueryRowContext(ctx, `SELECT count(*) FROM entries WHERE removed = 0`).Scan(&n); err != nil {
		return nil, fmt.Errorf("load entry index: %w", err)
	}
	rows, err := c.db.QueryContext(ctx, `SELECT row, path, size, mtime, hash FROM entries WHERE removed = 0`)
	if err != nil {
		return nil, fmt.Errorf("load entry index: %w", err)
	}
	defer rows.Close()
	m := make(map[string]*liveRow, n)
	for rows.Next() {
		lr := &liveRow{}
		var p string
		var h sql.RawBytes
		if err := rows.Scan(&lr.row, &p, &lr.size, &lr.mtime, &h); err != nil {
			return nil, fmt.Errorf("load entry index: %w", err)
		}
		copy(lr.hash[:], h)
		m[p] = lr
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("load entry index: %w", err)
	}
	return m, nil
}

// loadRejects reads the stat of every remembered rejected file, by path.
func (c *Catalog) loadRejects(ctx context.Context) (map[string]*rejRow, error) {
	rows, err := c.db.QueryContext(ctx, `SELECT path, size, mtime FROM rejects`)
	if err != nil {
		return nil, fmt.Errorf("load rejected files: %w", err)
	}
	defer rows.Close()
	m := map[string]*rejRow{}
	for rows.Next() {
		r := &rejRow{}
		var p string
		if err := rows.Scan(&p, &r.size, &r.mtime); err != nil {
			return nil, fmt.Errorf("load rejected files: %w", err)
		}
		m[p] = r
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("load rejected files: %w", err)
	}
	return m, nil
}

// liveAt returns the live entry at rel, or nil if there is none.
func (c *Catalog) liveAt(ctx context.Context, rel string) (*liveRow, error) {
	lr := &liveRow{}
	var h []byte
	err := c.db.QueryRowContext(ctx, `SELECT row, size, mtime, hash FROM entries WHERE removed = 0 AND path = ?`, rel).
		Scan(&lr.row, &lr.size, &lr.mtime, &h)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("look up %s: %w", rel, err)
	}
	copy(lr.hash[:], h)
	return lr, nil
}

// liveUnder returns the live entries at rel and below rel/ (the range '/'..'0' is exactly
// the paths with the prefix rel/, and it uses the live path index).
func (c *Catalog) liveUnder(ctx context.Context, rel string) ([]vanished, error) {
	rows, err := c.db.QueryContext(ctx,
		`SELECT row, path FROM entries WHERE removed = 0 AND (path = ? OR (path > ? AND path < ?)) ORDER BY path`,
		rel, rel+"/", rel+"0")
	if err != nil {
		return nil, fmt.Errorf("look up %s: %w", rel, err)
	}
	defer rows.Close()
	var out []vanished
	for rows.Next() {
		var v vanished
		if err := rows.Scan(&v.row, &v.path); err != nil {
			return nil, fmt.Errorf("look up %s: %w", rel, err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("look up %s: %w", rel, err)
	}
	return out, nil
}

// rejectAt returns the remembered rejection of rel, or nil if there is none.
func (c *Catalog) rejectAt(ctx context.Context, rel string) (*rejRow, error) {
	r := &rejRow{}
	err := c.db.QueryRowContext(ctx, `SELECT size, mtime FROM rejects WHERE path = ?`, rel).Scan(&r.size, &r.mtime)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("look up rejected %s: %w", rel, err)
	}
	return r, nil
}

// stored is an entry row as the writer needs it to decide identity and dates.
type stored struct {
	row                  int64
	id, slug, path       string
	hash                 []byte
	removed              bool
	firstSeen, published int64
	updated              int64
	contentChanged       sql.NullInt64
	heldUntil            sql.NullInt64 // set while the entry waits for its date
}

const storedCols = `row, id, slug, path, hash, removed, first_seen, published, updated, content_changed, held_until`

func scanStored(s interface{ Scan(...any) error }) (stored, error) {
	var st stored
	err := s.Scan(&st.row, &st.id, &st.slug, &st.path, &st.hash, &st.removed,
		&st.firstSeen, &st.published, &st.updated, &st.contentChanged, &st.heldUntil)
	return st, err
}
