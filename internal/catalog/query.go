package catalog

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"
)

const entryCols = `id, slug, path, title, summary, content_html, authors, categories,
	published, updated, first_seen, removed, seq, language, published_offset`

// visible is the one rule that keeps held entries out of every output: each lookup that feeds,
// pages, indexes or static files are made from has it in its WHERE clause, so a held entry is
// simply not there until Release (or a reconcile) clears held_until.
const visible = `held_until IS NULL`

func scanEntry(s interface{ Scan(...any) error }) (Entry, error) {
	return newEntryScanner(true).scan(s)
}

// entryScanner reads entryCols rows. Its destinations are made once for all the rows of a
// query rather than escaping to the heap for every row, and the zones of the offsets it has
// met are kept, as entries of a feed mostly share one or two.
type entryScanner struct {
	e                             Entry
	authors, categories           string
	published, updated, firstSeen int64
	offset                        sql.NullInt64
	dest                          []any
	zones                         []zone // each offset met
}

type zone struct {
	offset int
	loc    *time.Location
}

// newEntryScanner reads entryCols, or without content those columns but content_html
// (stubCols): every column read costs the driver three calls that each take the
// connection's mutex.
func newEntryScanner(content bool) *entryScanner {
	s := &entryScanner{}
	s.dest = []any{&s.e.ID, &s.e.Slug, &s.e.Path, &s.e.Title, &s.e.Summary, &s.e.ContentHTML, &s.authors,
		&s.categories, &s.published, &s.updated, &s.firstSeen, &s.e.Removed, &s.e.Seq, &s.e.Language, &s.offset}
	if !content {
		s.dest = slices.Delete(s.dest, 5, 6)
	}
	return s
}

// scan reads the row r is on.
func (s *entryScanner) scan(r interface{ Scan(...any) error }) (Entry, error) {
	s.e = Entry{}
	if err := r.Scan(s.dest...); err != nil {
		return Entry{}, err
	}
	e := s.e
	if s.offset.Valid {
		e.PublishedZone = s.zone(int(s.offset.Int64))
	}
	var err error
	if e.Authors, err = decodeAuthors(s.authors); err != nil {
		return Entry{}, fmt.Errorf("entry %s authors: %w", e.ID, err)
	}
	if e.Categories, err = decodeCategories(s.categories); err != nil {
		return Entry{}, fmt.Errorf("entry %s categories: %w", e.ID, err)
	}
	e.Published = unix(s.published)
	e.Updated = unix(s.updated)
	e.FirstSeen = unix(s.firstSeen)
	return e, nil
}

// zone is time.FixedZone("", offset), made once per offset: a Location is never modified
// after it is made, so entries may share one.
func (s *entryScanner) zone(offset int) *time.Location {
	for _, z := range s.zones {
		if z.offset == offset {
			return z.loc
		}
	}
	loc := time.FixedZone("", offset)
	s.zones = append(s.zones, zone{offset, loc})
	return loc
}

func unix(s int64) time.Time { return time.Unix(s, 0).UTC() }

// Latest returns the newest n visible entries by Published (ties broken by ID), live ones only
// unless KeepRemoved: the root feed's members (feeds.go), which feed_entries_latest lists in
// that order. Members indexed while KeepRemoved was set stay in the feed after it is unset
// (memberships are not indexed again for it), so they are left out here, as feed.Renderer
// leaves out entries marked Removed.
func (c *Catalog) Latest(ctx context.Context, n int) ([]Entry, error) {
	es, err := c.FeedLatest(ctx, RootKey, n, 0)
	if err != nil || c.cfg.KeepRemoved {
		return es, err
	}
	return slices.DeleteFunc(es, func(e Entry) bool { return e.Removed }), nil
}

// BySlug returns the entry with that slug; a held one never (ErrNotFound, as if the slug were
// unknown). A removed one is returned only when KeepRemoved; otherwise the error wraps
// ErrRemoved, so that its page can answer 410 Gone rather than 404.
func (c *Catalog) BySlug(ctx context.Context, slug string) (Entry, error) {
	e, err := scanEntry(c.db.QueryRowContext(ctx, `SELECT `+entryCols+` FROM entries WHERE slug = ? AND `+visible, slug))
	if errors.Is(err, sql.ErrNoRows) {
		return Entry{}, fmt.Errorf("slug %q: %w", slug, ErrNotFound)
	}
	if err == nil && e.Removed && !c.cfg.KeepRemoved {
		return Entry{}, fmt.Errorf("slug %q: %w", slug, ErrRemoved)
	}
	if err != nil {
		return Entry{}, fmt.Errorf("slug %q: %w", slug, err)
	}
	return e, nil
}

// Each calls fn for every entry, removed ones included, with Seq > sinceSeq, in Seq order.
// Held entries are left out: their release gives them a new Seq, so a caller that remembers
// the last Seq it saw meets each one when it becomes visible. An error from fn stops the
// iteration and is returned as is.
func (c *Catalog) Each(ctx context.Context, sinceSeq int64, fn func(Entry) error) error {
	rows, err := c.db.QueryContext(ctx, `SELECT `+entryCols+` FROM entries WHERE seq > ? AND `+visible+` ORDER BY seq`, sinceSeq)
	if err != nil {
		return fmt.Errorf("entries since seq %d: %w", sinceSeq, err)
	}
	defer rows.Close()
	sc := newEntryScanner(true)
	for rows.Next() {
		e, err := sc.scan(rows)
		if err != nil {
			return fmt.Errorf("entries since seq %d: %w", sinceSeq, err)
		}
		if err := fn(e); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("entries since seq %d: %w", sinceSeq, err)
	}
	return nil
}

// Stats summarises the catalog. Live counts visible entries; Held those waiting for their
// date, the first of which is due at NextDue (zero when none is held).
type Stats struct {
	Live, Removed int
	Rejected      int // files that could not be published (drafts not counted)
	Held          int
	NextDue       time.Time
	Seq           int64
	LastChange    time.Time // zero if nothing was ever published
	LastSync      time.Time // zero before the first reconcile
	Created       time.Time
}

// Stats reports counts, the change counter and the catalog's times, all read from the database
// so that they are those of the last committed reconcile.
func (c *Catalog) Stats(ctx context.Context) (Stats, error) {
	var s Stats
	// Visible live entries are the live ones (entries_live_path answers) less the held ones
	// (entries_held): counting them directly would read every row of the table.
	var live int
	if err := c.db.QueryRowContext(ctx, `SELECT count(*) FROM entries WHERE removed = 0`).Scan(&live); err != nil {
		return Stats{}, fmt.Errorf("stats: %w", err)
	}
	var all int
	if err := c.db.QueryRowContext(ctx, `SELECT count(*) FROM entries`).Scan(&all); err != nil {
		return Stats{}, fmt.Errorf("stats: %w", err)
	}
	var err error
	if s.Held, s.NextDue, err = c.held(ctx); err != nil {
		return Stats{}, err
	}
	s.Live = live - s.Held
	s.Removed = all - live
	if err := c.db.QueryRowContext(ctx, `SELECT count(*) FROM rejects WHERE reason != 'draft'`).Scan(&s.Rejected); err != nil {
		return Stats{}, fmt.Errorf("stats: %w", err)
	}
	for _, f := range []struct {
		key string
		set func(int64)
	}{
		{stateSeq, func(v int64) { s.Seq = v }},
		{stateLastChange, func(v int64) { s.LastChange = unix(v) }},
		{stateLastSync, func(v int64) { s.LastSync = unix(v) }},
		{stateCreated, func(v int64) { s.Created = unix(v) }},
	} {
		v, err := c.state(ctx, f.key)
		if err != nil {
			return Stats{}, err
		}
		if v == "" {
			continue
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return Stats{}, fmt.Errorf("state %s: %w", f.key, err)
		}
		f.set(n)
	}
	return s, nil
}

// Meta returns the caller's value for key, "" if none was set.
func (c *Catalog) Meta(ctx context.Context, key string) (string, error) {
	var v string
	err := c.db.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = ?`, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("meta %q: %w", key, err)
	}
	return v, nil
}

// SetMeta stores value under key for the caller's own bookkeeping (e.g. the Seq up to which
// static output was written).
func (c *Catalog) SetMeta(ctx context.Context, key, value string) error {
	if key == "" {
		return errors.New("meta: empty key")
	}
	if _, err := c.db.ExecContext(ctx,
		`INSERT INTO meta(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`,
		key, value); err != nil {
		return fmt.Errorf("meta %q: %w", key, err)
	}
	return nil
}
