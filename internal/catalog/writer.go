package catalog

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/feedpub/feedpub/internal/article"
)

// writer applies read results in transactions of batchSize files. Each transaction also stores
// the change counter, so a crash leaves entries and counter consistent.
type writer struct {
	c     *Catalog
	wc    *writeConn // the connection every transaction of the writer runs on
	p     *plan
	now   time.Time // one clock reading per reconcile, in whole seconds
	rep   Report
	tx    *sql.Tx
	stmt  statements // prepared on tx
	n     int        // files applied in the open transaction
	seq0  int64      // c.seq when the open transaction began, restored on rollback
	dirty bool       // the open transaction advanced seq
	shown bool       // the open transaction changed what readers see (not only held entries)

	// A bulk reconcile (a first import) logs per-entry lines at debug and only its first
	// rejections at warn: a summary line says the rest (logReport).
	bulk        bool
	rejectLines int
	applied     int // files applied so far, for Config.Progress

	claimed map[string]bool // paths of live entries a move took to another path

	// ix indexes feed memberships on the open transaction, as each entry is written, when the
	// index was up to date as it began (feeds_seq = seq); else indexFeeds catches up after.
	// Entries and their memberships then commit together.
	ix           *feedIndexer
	feedsCreated int   // feeds the committed transactions created
	seqStart     int64 // c.seq when the writer began, for the summary

	began bool // the writer's first transaction is open or done
	// deferIdx: a first import into an empty catalog, which drops deferredIndexes in its
	// first transaction and makes them again in its last (deferindex.go).
	deferIdx bool
}

// bulkThreshold is the most files a reconcile may touch and still log a line per entry: the
// steady state of edits and drops stays visible line by line, a first import does not flood.
const bulkThreshold = 20

// maxRejectLines is how many rejections a bulk reconcile logs one by one.
const maxRejectLines = 10

func (w *writer) logEntry(ctx context.Context, msg string, attrs ...any) {
	level := slog.LevelInfo
	if w.bulk {
		level = slog.LevelDebug
	}
	w.c.log.Log(ctx, level, msg, attrs...)
}

func (w *writer) logReject(ctx context.Context, msg string, attrs ...any) {
	level := slog.LevelWarn
	if w.bulk && w.rejectLines >= maxRejectLines {
		level = slog.LevelDebug
	}
	w.rejectLines++
	w.c.log.Log(ctx, level, msg, attrs...)
}

// start takes the writer's connection (writeConn) and begins its first transaction; end
// (always called after start) rolls back what is left and hands the connection back.
func (w *writer) start(ctx context.Context) error {
	wc, err := w.c.openWriteConn(ctx)
	if err != nil {
		return err
	}
	w.wc = wc
	w.deferIdx = w.p.empty && len(w.p.jobs) >= w.c.deferMin
	return w.begin(ctx)
}

func (w *writer) end(ctx context.Context) {
	w.rollback()
	if w.wc != nil {
		w.wc.release(ctx)
		w.wc = nil
	}
}

// begin opens the next transaction and prepares the statements on it. The first one makes
// again the indexes an unfinished import left dropped (which Open does too, for a crash),
// before anything is written, and a first import drops them there.
func (w *writer) begin(ctx context.Context) error {
	tx, err := w.wc.conn.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin catalog transaction: %w", err)
	}
	if !w.began {
		w.began = true
		if err := w.deferIndexes(ctx, tx); err != nil {
			tx.Rollback()
			return err
		}
	}
	if w.stmt, err = prepare(ctx, tx); err != nil {
		tx.Rollback()
		return fmt.Errorf("prepare catalog statement: %w", err)
	}
	if w.ix, err = w.inlineIndexer(ctx, tx); err != nil {
		tx.Rollback()
		return err
	}
	w.tx, w.n, w.seq0, w.dirty, w.shown = tx, 0, w.c.seq, false, false
	return nil
}

// logFeedsCreated logs the feeds the writer's committed transactions created.
func (w *writer) logFeedsCreated() {
	w.c.logFeedsCreated(w.seqStart, w.c.seq, w.feedsCreated)
}

// inlineIndexer returns an indexer on tx if the feed index is up to date with the entries,
// else nil: memberships must be given in Seq order, so the entries not indexed yet go first
// (indexFeeds).
func (w *writer) inlineIndexer(ctx context.Context, tx *sql.Tx) (*feedIndexer, error) {
	if w.c.indexAfter {
		return nil, nil
	}
	var v string
	err := tx.QueryRowContext(ctx, `SELECT value FROM state WHERE key = ?`, stateFeedsSeq).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		v, err = "0", nil
	}
	if err != nil {
		return nil, fmt.Errorf("state %s: %w", stateFeedsSeq, err)
	}
	if v != strconv.FormatInt(w.c.seq, 10) {
		return nil, nil
	}
	return newFeedIndexer(ctx, w.c, tx, w.now.Unix())
}

// index brings the memberships of the entry at row up to date on the open transaction (when
// indexing inline); stub, if not nil, is the entry as just inserted, which saves reading it
// back.
func (w *writer) index(ctx context.Context, row int64, stub *feedStub) error {
	if w.ix == nil {
		return nil
	}
	if stub == nil {
		return w.ix.row(ctx, row)
	}
	if err := w.ix.entry(ctx, *stub, true); err != nil {
		return fmt.Errorf("index feeds of %s: %w", stub.path, err)
	}
	return nil
}

func (w *writer) commit(ctx context.Context) error {
	if w.dirty {
		if err := w.setState(ctx, stateSeq, fmt.Sprint(w.c.seq)); err != nil {
			return err
		}
		if w.ix != nil {
			if err := w.ix.flush(ctx, w.c.seq); err != nil {
				return fmt.Errorf("index feeds: %w", err)
			}
			if err := w.setState(ctx, stateFeedsSeq, strconv.FormatInt(w.c.seq, 10)); err != nil {
				return err
			}
		}
	}
	// The feeds' own updated date: a held entry arriving must not move it, or the feed would
	// tell readers that something happened.
	if w.shown {
		if err := w.setState(ctx, stateLastChange, fmt.Sprint(w.now.Unix())); err != nil {
			return err
		}
	}
	tx := w.tx
	w.tx = nil
	if err := tx.Commit(); err != nil {
		w.c.seq = w.seq0
		return fmt.Errorf("commit catalog transaction: %w", err)
	}
	if w.ix != nil {
		w.feedsCreated += w.ix.created
	}
	return nil
}

func (w *writer) rollback() {
	if w.tx != nil {
		w.tx.Rollback()
		w.tx = nil
		w.c.seq = w.seq0
	}
}

func (w *writer) setState(ctx context.Context, key, value string) error {
	if _, err := w.stmt.setState.ExecContext(ctx, key, value); err != nil {
		return fmt.Errorf("state %s: %w", key, err)
	}
	return nil
}

// nextSeq is the seq a write would take; bumpSeq makes it taken once the write succeeded,
// so a no-op write leaves no gap.
func (w *writer) nextSeq() int64 { return w.c.seq + 1 }
func (w *writer) bumpSeq()       { w.c.seq++; w.dirty = true }

func (w *writer) insert(ctx context.Context, t *task) error {
	art := t.art
	first := w.now
	published := first
	if !art.Published.IsZero() {
		published = sec(art.Published)
	}
	updated := published
	declared := sql.NullInt64{}
	if !art.Updated.IsZero() {
		declared = sql.NullInt64{Int64: sec(art.Updated).Unix(), Valid: true}
		if declared.Int64 > updated.Unix() {
			updated = time.Unix(declared.Int64, 0)
		}
	}
	authors, categories, err := encodeLists(art)
	if err != nil {
		return fmt.Errorf("encode %s: %w", t.rel, err)
	}
	// The slug is the first of base, base-2, base-3, ... that no row (live or removed) has.
	// Rather than ask first, the insert itself tries each: ON CONFLICT DO NOTHING turns a
	// taken slug (or a minted tag equal to some declared id) into zero rows affected, which
	// halves the statements per new article on a cold load.
	held := w.hold(t.rel, published)
	heldUntil := sql.NullInt64{Int64: published.Unix(), Valid: held}
	base := t.baseSlug
	offset := publishedOffset(art)
	seq := w.nextSeq()
	for n := 1; ; n++ {
		slug := base
		if n > 1 {
			slug = fmt.Sprintf("%s-%d", base, n)
		}
		id := art.ID // already checked to be free
		if id == "" {
			id = tagURI(w.c.authority, first, slug)
		}
		res, err := w.stmt.insert.ExecContext(ctx, id, slug, t.rel, t.hash[:], t.size, t.mtime,
			first.Unix(), published.Unix(), updated.Unix(), declared, art.Title, art.Summary,
			art.ContentHTML, authors, categories, seq, heldUntil, art.Language, offset)
		if err != nil {
			return fmt.Errorf("insert %s: %w", t.rel, err)
		}
		if k, err := res.RowsAffected(); err != nil {
			return fmt.Errorf("insert %s: %w", t.rel, err)
		} else if k == 1 {
			w.bumpSeq()
			row, err := res.LastInsertId()
			if err != nil {
				return fmt.Errorf("insert %s: %w", t.rel, err)
			}
			if err := w.index(ctx, row, &feedStub{row: row, id: id, path: t.rel, authors: art.Authors,
				cats: art.Categories, published: published.Unix(), updated: updated.Unix(), hash: t.hash[:],
				held: held, seq: seq}); err != nil {
				return err
			}
			ch := Change{t.rel, id, slug}
			if held {
				w.held(ctx, ch, published)
				return nil
			}
			w.shown = true
			w.rep.Added = append(w.rep.Added, ch)
			w.logEntry(ctx, "catalog added", "path", t.rel, "id", id, "slug", slug)
			return nil
		}
		if n >= maxSlugTries {
			return fmt.Errorf("insert %s: no free slug after %s-%d", t.rel, base, n)
		}
	}
}

// maxSlugTries bounds the collision suffixes tried; reaching it means something other than
// the slug conflicts, which must fail loudly rather than loop.
const maxSlugTries = 100_000

// setContent stores t's article, path and stat on the existing entry st. When the bytes
// changed, content_changed becomes now, but always after the previous change: with the clock
// set back an edit must still move updated forward, or readers would not see it. It reports
// whether the entry is held: only one held already can be, since readers have seen any other.
func (w *writer) setContent(ctx context.Context, st stored, t *task, changed bool) (held bool, err error) {
	art := t.art
	published := st.firstSeen
	if !art.Published.IsZero() {
		published = sec(art.Published).Unix()
	}
	held = st.heldUntil.Valid && w.hold(t.rel, time.Unix(published, 0))
	heldUntil := sql.NullInt64{Int64: published, Valid: held}
	cc := st.contentChanged
	if changed {
		floor := st.firstSeen
		if cc.Valid {
			floor = cc.Int64
		}
		n := w.now.Unix()
		if n <= floor {
			n = floor + 1
		}
		cc = sql.NullInt64{Int64: n, Valid: true}
	}
	declared := sql.NullInt64{}
	if !art.Updated.IsZero() {
		declared = sql.NullInt64{Int64: sec(art.Updated).Unix(), Valid: true}
	}
	updated := published
	if declared.Valid && declared.Int64 > updated {
		updated = declared.Int64
	}
	if cc.Valid && cc.Int64 > updated {
		updated = cc.Int64
	}
	authors, categories, err := encodeLists(art)
	if err != nil {
		return false, fmt.Errorf("encode %s: %w", t.rel, err)
	}
	seq := w.nextSeq()
	if _, err := w.stmt.setContent.ExecContext(ctx, t.rel, t.hash[:], t.size, t.mtime, published, updated,
		cc, declared, art.Title, art.Summary, art.ContentHTML, authors, categories, seq, heldUntil, art.Language,
		publishedOffset(art), st.row); err != nil {
		return false, fmt.Errorf("update %s: %w", t.rel, err)
	}
	w.bumpSeq()
	return held, w.index(ctx, st.row, nil)
}

// Why an entry was removed, stored so that a draft published again is recognised.
const (
	whyDeleted = "deleted"
	whyDraft   = "draft"
)

// remove marks the live entry row at rel removed; it does nothing if a move already took the
// row elsewhere in this reconcile.
func (w *writer) remove(ctx context.Context, row int64, rel, reason string) error {
	var id, slug string
	var held bool
	err := w.stmt.remove.QueryRowContext(ctx, w.now.Unix(), reason, w.nextSeq(), row, rel).Scan(&id, &slug, &held)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("remove %s: %w", rel, err)
	}
	w.bumpSeq()
	if err := w.index(ctx, row, nil); err != nil {
		return err
	}
	w.p.reclaimable = true
	w.rep.Removed = append(w.rep.Removed, Change{rel, id, slug})
	if held {
		// Never shown, so readers see no change; the report still names it.
		w.logEntry(ctx, "catalog removed", "path", rel, "id", id, "reason", reason, "held", true)
		return nil
	}
	w.shown = true
	w.logEntry(ctx, "catalog removed", "path", rel, "id", id, "reason", reason)
	return nil
}

// reject reports a file that cannot be published for its content. Unless the clash is one
// that another file's removal may resolve (a duplicate id), the file's stat is remembered so
// the file is not read again until it changes. Transient failures never get here (applyOne).
func (w *writer) reject(ctx context.Context, t *task, err error, keptLive bool) error {
	w.rep.Rejected = append(w.rep.Rejected, Rejection{t.rel, err})
	msg := "catalog rejected"
	if keptLive {
		msg = "catalog rejected; keeping the last good version"
	}
	// The path is its own field; the reason leaves out the file name the error starts with.
	w.logReject(ctx, msg, "path", t.rel, "reason", article.Detail(err, w.c.abs(t.rel), t.rel))
	if errors.Is(err, ErrDuplicateID) {
		return nil
	}
	return w.putReject(ctx, t, err.Error())
}

func (w *writer) putReject(ctx context.Context, t *task, reason string) error {
	if _, err := w.stmt.putReject.ExecContext(ctx, t.rel, t.size, t.mtime, reason, w.now.Unix()); err != nil {
		return fmt.Errorf("remember rejected %s: %w", t.rel, err)
	}
	return nil
}

func (w *writer) delReject(ctx context.Context, rel string) error {
	if _, err := w.stmt.delReject.ExecContext(ctx, rel); err != nil {
		return fmt.Errorf("forget rejected %s: %w", rel, err)
	}
	return nil
}

// finish removes the entries whose files vanished (after all moves had their chance to claim
// them, so a move is never reported as a removal too) and commits.
func (w *writer) finish(ctx context.Context) error {
	vanished := w.p.vanished
	if w.p.full {
		var err error
		if vanished, err = w.guardRemovals(ctx, vanished); err != nil {
			return err
		}
	}
	for _, v := range vanished {
		if err := w.remove(ctx, v.row, v.path, whyDeleted); err != nil {
			return err
		}
		if w.n++; w.n >= batchSize {
			if err := w.commit(ctx); err != nil {
				return err
			}
			if err := w.begin(ctx); err != nil {
				return err
			}
		}
	}
	for _, rel := range w.p.dropRejects {
		if err := w.delReject(ctx, rel); err != nil {
			return err
		}
	}
	// A reconcile releases what is due, so a restart, a clock jump or a daemon that was down at
	// the due time publishes a held entry at the first reconcile after it.
	if err := w.releaseDue(ctx); err != nil {
		return err
	}
	if err := w.setState(ctx, stateLastSync, fmt.Sprint(w.now.Unix())); err != nil {
		return err
	}
	if w.p.reparse {
		if err := w.setState(ctx, stateParse, w.c.parseSettings()); err != nil {
			return err
		}
	}
	if err := w.buildDeferred(ctx); err != nil {
		return err
	}
	if err := w.commit(ctx); err != nil {
		return err
	}
	if w.p.reparse {
		w.c.reparse = false
	}
	return nil
}

// publishedOffset is the UTC offset, in seconds east, that the article wrote its date with,
// or NULL when it wrote none.
func publishedOffset(art *article.Article) sql.NullInt64 {
	if !art.OwnOffset || art.Published.IsZero() {
		return sql.NullInt64{}
	}
	_, off := art.Published.Zone()
	return sql.NullInt64{Int64: int64(off), Valid: true}
}

func encodeLists(art *article.Article) (authors, categories string, err error) {
	a := art.Authors
	if a == nil {
		a = []article.Author{}
	}
	b, err := json.Marshal(a)
	if err != nil {
		return "", "", err
	}
	cs := art.Categories
	if cs == nil {
		cs = []string{}
	}
	cb, err := json.Marshal(cs)
	if err != nil {
		return "", "", err
	}
	return string(b), string(cb), nil
}

// sec is t in UTC at the whole-second precision feeds use.
func sec(t time.Time) time.Time { return t.UTC().Truncate(time.Second) }
