package catalog

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

const feedCols = `key, kind, slug, name, seq, changed, live, next_ord`

func scanFeed(s interface{ Scan(...any) error }) (Feed, error) {
	var f Feed
	var kind string
	var changed int64
	if err := s.Scan(&f.Key, &kind, &f.Slug, &f.Name, &f.Seq, &changed, &f.Live, &f.Ords); err != nil {
		return Feed{}, err
	}
	f.Kind = FeedKind(kind)
	f.Changed = unix(changed)
	return f, nil
}

func (c *Catalog) queryFeeds(ctx context.Context, what, q string, args ...any) ([]Feed, error) {
	rows, err := c.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	defer rows.Close()
	var out []Feed
	for rows.Next() {
		f, err := scanFeed(rows)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		out = append(out, f)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return out, nil
}

// Feeds returns every feed that has ever had a member, the root first, then sections, authors
// and tags, each by slug. Feeds whose members all left are included with Live 0: their
// archives still exist.
func (c *Catalog) Feeds(ctx context.Context) ([]Feed, error) {
	return c.queryFeeds(ctx, "feeds", `SELECT `+feedCols+` FROM feeds ORDER BY
	CASE kind WHEN 'root' THEN 0 WHEN 'section' THEN 1 WHEN 'author' THEN 2 ELSE 3 END, slug`)
}

// FeedsChanged returns the feeds whose members changed after Seq since.
func (c *Catalog) FeedsChanged(ctx context.Context, since int64) ([]Feed, error) {
	return c.queryFeeds(ctx, "changed feeds", `SELECT `+feedCols+` FROM feeds WHERE seq > ? ORDER BY key`, since)
}

// FeedBySlug returns the feed of that kind and slug, or an error wrapping ErrNotFound.
func (c *Catalog) FeedBySlug(ctx context.Context, kind FeedKind, slug string) (Feed, error) {
	f, err := scanFeed(c.db.QueryRowContext(ctx, `SELECT `+feedCols+` FROM feeds WHERE kind = ? AND slug = ?`, string(kind), slug))
	if errors.Is(err, sql.ErrNoRows) {
		if kind == KindRoot {
			// An empty catalog has not indexed its root yet; it is a feed all the same.
			return Feed{Key: RootKey, Kind: KindRoot}, nil
		}
		return Feed{}, fmt.Errorf("%s feed %q: %w", kind, slug, ErrNotFound)
	}
	if err != nil {
		return Feed{}, fmt.Errorf("%s feed %q: %w", kind, slug, err)
	}
	return f, nil
}

// memberCols are entryCols read through feed_entries (fe) joined with entries (e).
var memberCols = "e." + strings.ReplaceAll(strings.ReplaceAll(entryCols, "\n\t", " "), ", ", ", e.")

// FeedLatest returns the newest n members of feed key by Published (ties broken by ID), as
// Latest does for the whole catalog. Removed entries are members only when KeepRemoved.
// With textBytes > 0 the ContentHTML of the members after the newest whose texts add up to
// at most textBytes is left empty, unread: a feed's byte budget (feed.Site.FeedBytes, which
// judges what fits) could not carry it, and twenty 9 MB articles read whole took 360 MB.
func (c *Catalog) FeedLatest(ctx context.Context, key string, n, textBytes int) ([]Entry, error) {
	if n <= 0 {
		return nil, nil
	}
	what := fmt.Sprintf("feed %q latest %d", key, n)
	const from = `
	FROM feed_entries fe JOIN entries e ON e.row = fe.row
	WHERE fe.feed = ? AND fe.gone = 0 ORDER BY fe.published DESC, fe.id LIMIT ?`
	if textBytes <= 0 {
		return c.members(ctx, what, n, true, `SELECT `+memberCols+from, key, n)
	}
	// The sizes first (from the record headers: no text is read), then the texts that fit.
	rows, err := c.db.QueryContext(ctx, `SELECT e.row, octet_length(e.content_html)`+from, key, n)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	var fit []any
	total := 0
	for rows.Next() {
		var row int64
		var size int
		if err := rows.Scan(&row, &size); err != nil {
			rows.Close()
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		if total += size; total <= textBytes {
			fit = append(fit, row)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	text := "''"
	if len(fit) > 0 {
		text = "CASE WHEN e.row IN (" + strings.TrimSuffix(strings.Repeat("?,", len(fit)), ",") + ") THEN e.content_html ELSE '' END"
	}
	cols := strings.Replace(memberCols, "e.content_html", text+" AS content_html", 1)
	return c.members(ctx, what, n, true, `SELECT `+cols+from, append(fit, key, n)...)
}

// stubCols are memberCols without the content, which archive pages do not carry.
var stubCols = strings.Replace(memberCols, "e.content_html, ", "", 1)

// feedRangeQuery is FeedRange's statement, prepared once per connection (Catalog.stmt): a
// cold build runs it for every archive page of every feed.
var feedRangeQuery = `SELECT ` + stubCols + `
	FROM feed_entries fe JOIN entries e ON e.row = fe.row
	WHERE fe.feed = ? AND fe.ord >= ? AND fe.ord < ? AND fe.gone = 0 ORDER BY fe.ord DESC`

// FeedRange returns the members of feed key with ordinals in [lo, hi), newest ordinal first:
// one archive page. ContentHTML is left empty: archive pages do not carry it, and reading it
// would be most of the query's I/O.
func (c *Catalog) FeedRange(ctx context.Context, key string, lo, hi int64) ([]Entry, error) {
	what := fmt.Sprintf("feed %q ordinals %d-%d", key, lo, hi)
	st, err := c.stmts.get(ctx, c.db, feedRangeQuery)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	rows, err := st.QueryContext(ctx, key, lo, hi)
	return scanMembers(rows, err, what, int(max(hi-lo, 0)), false)
}

// members runs q and scans its rows, with their content or without (stubCols).
func (c *Catalog) members(ctx context.Context, what string, n int, content bool, q string, args ...any) ([]Entry, error) {
	rows, err := c.db.QueryContext(ctx, q, args...)
	return scanMembers(rows, err, what, n, content)
}

// scanMembers scans the rows of a query that returned err, at most n of them (which sizes the
// slice up front: an Entry is large, and growing to a hundred copied twice as many).
func scanMembers(rows *sql.Rows, err error, what string, n int, content bool) ([]Entry, error) {
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	defer rows.Close()
	var out []Entry
	if n > 0 {
		out = make([]Entry, 0, min(n, 1024))
	}
	sc := newEntryScanner(content)
	for rows.Next() {
		e, err := sc.scan(rows)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	if len(out) == 0 {
		return nil, nil // as before the slice was sized up front
	}
	return out, nil
}

// FeedPageSeqs returns, for each page of size members of feed key (page k holds ordinals
// k*size..k*size+size-1), the highest Seq of a change to a member on it, departures included:
// a page whose value is at most s has the same members and contents as at Seq s.
func (c *Catalog) FeedPageSeqs(ctx context.Context, key string, size int) ([]int64, error) {
	if size <= 0 {
		return nil, fmt.Errorf("feed %q pages: size %d", key, size)
	}
	rows, err := c.db.QueryContext(ctx, `SELECT ord / ?, max(seq) FROM feed_entries WHERE feed = ? GROUP BY 1 ORDER BY 1`, size, key)
	if err != nil {
		return nil, fmt.Errorf("feed %q pages: %w", key, err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var page, seq int64
		if err := rows.Scan(&page, &seq); err != nil {
			return nil, fmt.Errorf("feed %q pages: %w", key, err)
		}
		for int64(len(out)) < page {
			out = append(out, 0)
		}
		out = append(out, seq)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("feed %q pages: %w", key, err)
	}
	return out, nil
}

// Link is the part of an entry a sitemap lists.
type Link struct {
	Slug    string
	Updated time.Time
}

// FeedLinks returns slug and Updated of the members of feed key with ordinals in [lo, hi), in
// ordinal order, without reading their content.
func (c *Catalog) FeedLinks(ctx context.Context, key string, lo, hi int64) ([]Link, error) {
	rows, err := c.db.QueryContext(ctx, `SELECT e.slug, e.updated FROM feed_entries fe JOIN entries e ON e.row = fe.row
	WHERE fe.feed = ? AND fe.ord >= ? AND fe.ord < ? AND fe.gone = 0 ORDER BY fe.ord`, key, lo, hi)
	if err != nil {
		return nil, fmt.Errorf("feed %q links: %w", key, err)
	}
	defer rows.Close()
	var out []Link
	for rows.Next() {
		var l Link
		var updated int64
		if err := rows.Scan(&l.Slug, &updated); err != nil {
			return nil, fmt.Errorf("feed %q links: %w", key, err)
		}
		l.Updated = unix(updated)
		out = append(out, l)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("feed %q links: %w", key, err)
	}
	return out, nil
}
