package catalog

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"time"
)

// DefaultFutureTolerance is how far ahead of now an article's date may lie, when PublishFuture
// is set, before it is logged as a warning.
const DefaultFutureTolerance = 10 * time.Minute

// HeldUntil is the one rule for embargoes: an article dated later than now is held until its
// date (in whole seconds, as the catalog stores it), unless publishFuture. Only an article
// readers have not seen can be held; the catalog applies that part itself.
func HeldUntil(published, now time.Time, publishFuture bool) (time.Time, bool) {
	p := sec(published)
	if publishFuture || published.IsZero() || !p.After(sec(now)) {
		return time.Time{}, false
	}
	return p, true
}

// Release makes visible every held entry whose time has come (all of them with PublishFuture)
// and reports them in Report.Released, each with a new Seq, exactly as if its file had just
// arrived. Each entry is released once: the state change and its Seq commit together.
func (c *Catalog) Release(ctx context.Context) (Report, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	start := time.Now()
	w := &writer{c: c, p: &plan{}, now: c.now().UTC().Truncate(time.Second), seqStart: c.seq}
	err := w.start(ctx)
	defer w.end(ctx)
	if err == nil {
		err = w.releaseDue(ctx)
	}
	if err == nil {
		err = w.commit(ctx)
	}
	w.logFeedsCreated()
	if err == nil {
		// Released entries join their sections, authors, tags and archives now, as new ones.
		err = c.indexFeeds(ctx)
	}
	w.rep.Duration = time.Since(start)
	if err != nil {
		c.log.Error("catalog release failed", "err", err)
		return w.rep, err
	}
	return w.rep, nil
}

// NextDue returns the time the first held entry is due, or the zero time when none is held.
func (c *Catalog) NextDue(ctx context.Context) (time.Time, error) {
	_, due, err := c.held(ctx)
	return due, err
}

// held counts the held live entries and finds the first due (entries_held answers both).
func (c *Catalog) held(ctx context.Context) (int, time.Time, error) {
	var n int
	var due sql.NullInt64
	if err := c.db.QueryRowContext(ctx,
		`SELECT count(*), min(held_until) FROM entries WHERE removed = 0 AND held_until IS NOT NULL`).Scan(&n, &due); err != nil {
		return 0, time.Time{}, fmt.Errorf("held entries: %w", err)
	}
	if !due.Valid {
		return n, time.Time{}, nil
	}
	return n, unix(due.Int64), nil
}

// zone is where log lines show embargo times: the configured zone readers of the logs think in.
func (c *Catalog) zone() *time.Location {
	if c.cfg.Article.Location != nil {
		return c.cfg.Article.Location
	}
	return time.UTC
}

// hold applies HeldUntil to an article at rel dated published and, when future dates are
// published at once, warns about one too far ahead to be meant.
func (w *writer) hold(rel string, published time.Time) bool {
	cfg := w.c.cfg
	_, held := HeldUntil(published, w.now, cfg.PublishFuture)
	if cfg.PublishFuture && published.Sub(w.now) > cfg.FutureTolerance {
		w.c.log.Warn("catalog publishes an article dated in the future", "path", rel,
			"published", published.In(w.c.zone()).Format(time.RFC3339), "ahead", published.Sub(w.now))
	}
	return held
}

// held reports ch as held until until. Like every per-entry line it is at debug in a bulk
// reconcile, whose summary counts the held entries.
func (w *writer) held(ctx context.Context, ch Change, until time.Time) {
	w.rep.Held = append(w.rep.Held, ch)
	w.logEntry(ctx, "catalog held", "path", ch.Path, "id", ch.ID, "slug", ch.Slug,
		"until", until.In(w.c.zone()).Format(time.RFC3339))
}

// released reports ch, held until due, as now visible.
func (w *writer) released(ctx context.Context, ch Change, due time.Time) {
	w.shown = true
	w.rep.Released = append(w.rep.Released, ch)
	w.logEntry(ctx, "catalog released", "path", ch.Path, "id", ch.ID, "slug", ch.Slug,
		"due", due.In(w.c.zone()).Format(time.RFC3339), "late", w.now.Sub(due))
}

// settled reports an edit of st by what it is now to readers: still (or again) held, released
// by an edit that moved its date into the past, or, for an entry readers have seen, what shown
// records.
func (w *writer) settled(ctx context.Context, st stored, held bool, t *task, shown func(Change)) {
	ch := Change{t.rel, st.id, st.slug}
	switch {
	case held:
		w.held(ctx, ch, sec(t.art.Published))
	case st.heldUntil.Valid:
		w.released(ctx, ch, unix(st.heldUntil.Int64))
	default:
		w.shown = true
		shown(ch)
	}
}

// releaseDue clears held_until on every live entry due by now, each with its own Seq.
func (w *writer) releaseDue(ctx context.Context) error {
	cutoff := w.now.Unix()
	if w.c.cfg.PublishFuture {
		cutoff = math.MaxInt64 // holding was turned off: nothing waits any more
	}
	type due struct {
		row   int64
		ch    Change
		until int64
	}
	var list []due
	rows, err := w.stmt.due.QueryContext(ctx, cutoff)
	if err != nil {
		return fmt.Errorf("due entries: %w", err)
	}
	for rows.Next() {
		var d due
		if err := rows.Scan(&d.row, &d.ch.ID, &d.ch.Slug, &d.ch.Path, &d.until); err != nil {
			rows.Close()
			return fmt.Errorf("due entries: %w", err)
		}
		list = append(list, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("due entries: %w", err)
	}
	for _, d := range list {
		if _, err := w.stmt.release.ExecContext(ctx, w.nextSeq(), d.row); err != nil {
			return fmt.Errorf("release %s: %w", d.ch.Path, err)
		}
		w.bumpSeq()
		if err := w.index(ctx, d.row, nil); err != nil {
			return err
		}
		w.released(ctx, d.ch, unix(d.until))
	}
	return nil
}
