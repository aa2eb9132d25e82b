package catalog

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/feedpub/feedpub/internal/article"
)

// stateFeedsSeq is the state key of the entry Seq up to which feed memberships are indexed.
const stateFeedsSeq = "feeds_seq"

// feedBatch is the number of entries indexed per transaction.
const feedBatch = 1000

// indexFeeds brings feed memberships up to date with every entry changed since the last
// indexing, in Seq order and in batches that each commit with their progress, so a crash
// resumes where it stopped. It runs under mu, after each reconcile, and costs nothing when
// nothing changed.
func (c *Catalog) indexFeeds(ctx context.Context) error {
	v, err := c.state(ctx, stateFeedsSeq)
	if err != nil {
		return err
	}
	var since int64
	if v != "" {
		if since, err = strconv.ParseInt(v, 10, 64); err != nil {
			return fmt.Errorf("state %s: %w", stateFeedsSeq, err)
		}
	}
	start, created := since, 0
	for since < c.seq {
		next, n, err := c.indexFeedBatch(ctx, since)
		created += n
		if err != nil {
			return fmt.Errorf("index feeds after seq %d: %w", since, err)
		}
		if next == since {
			break
		}
		since = next
	}
	c.logFeedsCreated(start, since, created)
	return nil
}

// logFeedsCreated says how many feeds indexing entries from Seq from to Seq to created: one
// line for a bulk load; a feed created by a single new article is news on its own.
func (c *Catalog) logFeedsCreated(from, to int64, created int) {
	if created > 0 {
		c.log.Info("catalog feeds indexed", "from_seq", from, "to_seq", to, "feeds_created", created)
	}
}

type feedStub struct {
	row       int64
	id, path  string
	authors   []article.Author
	cats      []string
	published int64
	updated   int64
	hash      []byte
	removed   bool
	held      bool
	seq       int64
}

// feedState is one feed's counters while a batch runs, written back when it commits.
type feedState struct {
	ord, live int64
	dirty     bool
}

// indexFeedBatch indexes up to feedBatch entries after Seq since and returns the last Seq
// indexed and the number of feeds it created.
func (c *Catalog) indexFeedBatch(ctx context.Context, since int64) (int64, int, error) {
	rows, err := c.db.QueryContext(ctx, `SELECT `+indexCols+` FROM entries WHERE seq > ? ORDER BY seq LIMIT ?`, since, feedBatch)
	if err != nil {
		return since, 0, err
	}
	var stubs []feedStub
	for rows.Next() {
		s, err := scanStub(rows)
		if err != nil {
			rows.Close()
			return since, 0, err
		}
		stubs = append(stubs, s)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return since, 0, err
	}
	if len(stubs) == 0 {
		return since, 0, nil
	}
	tx, err := c.db.BeginTx(ctx, nil)
	if err != nil {
		return since, 0, err
	}
	defer tx.Rollback()
	ix, err := newFeedIndexer(ctx, c, tx, c.now().UTC().Unix())
	if err != nil {
		return since, 0, err
	}
	for _, s := range stubs {
		if err := ix.entry(ctx, s, false); err != nil {
			return since, 0, fmt.Errorf("entry %s (%s): %w", s.id, s.path, err)
		}
	}
	last := stubs[len(stubs)-1].seq
	if err := ix.flush(ctx, last); err != nil {
		return since, 0, err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO state(key, value) VALUES(?, ?)
	ON CONFLICT(key) DO UPDATE SET value = excluded.value`, stateFeedsSeq, strconv.FormatInt(last, 10)); err != nil {
		return since, 0, err
	}
	if err := tx.Commit(); err != nil {
		return since, 0, err
	}
	return last, ix.created, nil
}

// indexCols are the entry columns indexing reads, in scanStub's order.
const indexCols = `row, id, path, authors, categories, published, updated, hash, removed, held_until IS NOT NULL, seq`

type rowScanner interface{ Scan(dest ...any) error }

func scanStub(r rowScanner) (feedStub, error) {
	var s feedStub
	var authors, cats string
	if err := r.Scan(&s.row, &s.id, &s.path, &authors, &cats, &s.published, &s.updated, &s.hash, &s.removed, &s.held, &s.seq); err != nil {
		return s, err
	}
	if err := json.Unmarshal([]byte(authors), &s.authors); err != nil {
		return s, fmt.Errorf("entry %s authors: %w", s.id, err)
	}
	if err := json.Unmarshal([]byte(cats), &s.cats); err != nil {
		return s, fmt.Errorf("entry %s categories: %w", s.id, err)
	}
	return s, nil
}

// feedIndexer indexes entries on one transaction, with its statements prepared once: a cold
// import indexes each of thousands of entries into several feeds.
type feedIndexer struct {
	c       *Catalog
	feeds   map[string]*feedState
	now     int64
	created int

	stub, members, refresh, join, leave, feed1, newFeed, setFeed *sql.Stmt
}

func newFeedIndexer(ctx context.Context, c *Catalog, tx *sql.Tx, now int64) (*feedIndexer, error) {
	ix := &feedIndexer{c: c, feeds: map[string]*feedState{}, now: now}
	for _, q := range []struct {
		dst **sql.Stmt
		sql string
	}{
		{&ix.stub, `SELECT ` + indexCols + ` FROM entries WHERE row = ?`},
		{&ix.members, `SELECT feed, gone, id, published, updated, hash FROM feed_entries WHERE row = ?`},
		{&ix.refresh, `UPDATE feed_entries SET seq = ?, published = ?, updated = ?, hash = ?, id = ?, gone = 0
	WHERE feed = ? AND row = ?`},
		{&ix.join, `INSERT INTO feed_entries(feed, ord, row, published, updated, hash, id, seq) VALUES(?, ?, ?, ?, ?, ?, ?, ?)`},
		{&ix.leave, `UPDATE feed_entries SET seq = ?, gone = 1 WHERE feed = ? AND row = ?`},
		{&ix.feed1, `SELECT next_ord, live FROM feeds WHERE key = ?`},
		{&ix.newFeed, `INSERT INTO feeds(key, kind, slug, name, seq, changed) VALUES(?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`},
		{&ix.setFeed, `UPDATE feeds SET next_ord = ?, live = ?, seq = ?, changed = ? WHERE key = ?`},
	} {
		st, err := tx.PrepareContext(ctx, q.sql)
		if err != nil {
			return nil, fmt.Errorf("prepare feed index statement: %w", err)
		}
		*q.dst = st
	}
	return ix, nil
}

// row indexes the entry stored at row as it is now in the transaction.
func (ix *feedIndexer) row(ctx context.Context, row int64) error {
	s, err := scanStub(ix.stub.QueryRowContext(ctx, row))
	if err != nil {
		return fmt.Errorf("index feeds of entry row %d: %w", row, err)
	}
	if err := ix.entry(ctx, s, false); err != nil {
		return fmt.Errorf("index feeds of %s: %w", s.path, err)
	}
	return nil
}

// entry moves one entry's memberships to what the rule says now: kept rows whose entry readers
// would see differently (another id or date, so an edit) are refreshed, new feeds get the next
// ordinal, left feeds mark the row gone. Each feed changed takes the batch's Seq; a change
// readers cannot see, such as a rename within the same folders, changes no feed. fresh says
// the row was inserted in this transaction: entries rows are never deleted, so no row number
// is reused and it has no memberships to look up.
func (ix *feedIndexer) entry(ctx context.Context, s feedStub, fresh bool) error {
	want := memberships(s.path, s.authors, s.cats, s.removed, s.held, ix.c.cfg.KeepRemoved)
	have := map[string]memberRow{} // feed key -> its row for this entry
	if !fresh {
		var err error
		if have, err = ix.memberRows(ctx, s.row); err != nil {
			return err
		}
	}
	for _, m := range want {
		r, ok := have[m.key]
		delete(have, m.key)
		if ok && !r.gone && r.id == s.id && r.published == s.published && r.updated == s.updated &&
			bytes.Equal(r.hash, s.hash) {
			continue // nothing a reader of this feed can see changed
		}
		f, err := ix.feed(ctx, m, s.seq)
		if err != nil {
			return err
		}
		f.dirty = true
		if ok {
			if r.gone {
				f.live++
			}
			if _, err := ix.refresh.ExecContext(ctx, s.seq, s.published, s.updated, s.hash, s.id, m.key, s.row); err != nil {
				return err
			}
			continue
		}
		if _, err := ix.join.ExecContext(ctx, m.key, f.ord, s.row, s.published, s.updated, s.hash, s.id, s.seq); err != nil {
			return err
		}
		f.ord++
		f.live++
	}
	for key, r := range have {
		if r.gone {
			continue
		}
		f, err := ix.feed(ctx, membership{key: key}, s.seq)
		if err != nil {
			return err
		}
		f.dirty = true
		f.live--
		if _, err := ix.leave.ExecContext(ctx, s.seq, key, s.row); err != nil {
			return err
		}
	}
	return nil
}

// memberRow is an entry's row in one feed, as indexed.
type memberRow struct {
	gone               bool
	id                 string
	published, updated int64
	hash               []byte
}

// memberRows returns the entry at row's rows in feed_entries, by feed key.
func (ix *feedIndexer) memberRows(ctx context.Context, row int64) (map[string]memberRow, error) {
	rows, err := ix.members.QueryContext(ctx, row)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	have := map[string]memberRow{}
	for rows.Next() {
		var key string
		var r memberRow
		if err := rows.Scan(&key, &r.gone, &r.id, &r.published, &r.updated, &r.hash); err != nil {
			return nil, err
		}
		have[key] = r
	}
	return have, rows.Err()
}

// feed returns the batch's state of m's feed, creating the feed (and minting its slug) when it
// is new. A key only found in feed_entries always has its feed row.
func (ix *feedIndexer) feed(ctx context.Context, m membership, seq int64) (*feedState, error) {
	if f, ok := ix.feeds[m.key]; ok {
		return f, nil
	}
	f := &feedState{}
	err := ix.feed1.QueryRowContext(ctx, m.key).Scan(&f.ord, &f.live)
	if errors.Is(err, sql.ErrNoRows) {
		err = ix.create(ctx, m, seq)
	}
	if err != nil {
		return nil, err
	}
	ix.feeds[m.key] = f
	return f, nil
}

// create inserts a new feed. A section's slug is its path, unique because keys are; an
// author's or tag's is the first of base, base-2, ... that no feed of its kind has.
func (ix *feedIndexer) create(ctx context.Context, m membership, seq int64) error {
	base := m.slug
	if m.kind == KindAuthor || m.kind == KindTag {
		if base = feedSlug(m.slug); base == "" {
			base = fallbackFeedSlug(m.kind)
		}
	}
	for n := 1; n <= maxSlugTries; n++ {
		slug := base
		if n > 1 {
			slug = fmt.Sprintf("%s-%d", base, n)
		}
		res, err := ix.newFeed.ExecContext(ctx, m.key, string(m.kind), slug, m.name, seq, ix.now)
		if err != nil {
			return err
		}
		if k, err := res.RowsAffected(); err != nil {
			return err
		} else if k == 1 {
			ix.created++
			ix.c.log.Debug("catalog feed created", "kind", m.kind, "slug", slug, "name", m.name)
			return nil
		}
	}
	return fmt.Errorf("feed %q: no free slug after %s-%d", m.name, base, maxSlugTries)
}

// flush writes the counters of every feed the batch touched, each with the batch's last Seq:
// the feed changed at or before it, and nothing after.
func (ix *feedIndexer) flush(ctx context.Context, seq int64) error {
	for key, f := range ix.feeds {
		if !f.dirty {
			continue
		}
		if _, err := ix.setFeed.ExecContext(ctx, f.ord, f.live, seq, ix.now, key); err != nil {
			return err
		}
	}
	return nil
}
