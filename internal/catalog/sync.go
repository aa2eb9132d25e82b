package catalog

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/feedpub/feedpub/internal/article"
)

// Change names one entry a reconcile added, updated, removed or moved.
type Change struct{ Path, ID, Slug string }

// Rejection is a file that could not be published, with the reason. Err wraps the article
// sentinel (or ErrDuplicateID) and names the file.
type Rejection struct {
	Path string
	Err  error
}

// Report says what one reconcile did.
type Report struct {
	Added, Updated, Removed, Moved []Change
	Rejected                       []Rejection
	Unchanged                      int
	Read                           int // article files opened and read (0 on a no-change reconcile)
	Duration                       time.Duration
}

// Changed reports whether the feed content changed (rejections alone change nothing).
func (r Report) Changed() bool {
	return len(r.Added)+len(r.Updated)+len(r.Removed)+len(r.Moved) > 0
}

// batchSize is the number of files applied per transaction: large enough that commits (each
// an fsync) cost little on a cold load, small enough that a crash loses little work.
const batchSize = 500

// liveRow is the part of a live entry needed to decide, without reading the file, whether the
// file changed. The full index of these is the only per-article memory a Sync holds.
type liveRow struct {
	row         int64
	size, mtime int64
	hash        [32]byte
	seen        bool
}

// rejRow remembers a rejected file's stat so that it is not read again until it changes.
type rejRow struct {
	size, mtime int64
	seen        bool
}

type vanished struct {
	row  int64
	path string
}

// job is a file that must be read: new, or its size or mtime differ from what is stored.
type job struct {
	rel         string
	size, mtime int64
	live        *liveRow // the live entry at this path; nil if none
	rejected    bool     // a rejects row exists for this path
}

// plan is what a reconcile has to do, decided from stat alone.
type plan struct {
	jobs        []job
	vanished    []vanished // live entries whose files are gone: removed unless a move claims them
	dropRejects []string   // rejects rows whose files are gone
	unchanged   int
	// reclaimable is false when no entry is removed or vanished, so no new file can be an old
	// article returning: the content and draft lookups are skipped (a cold load's fast path).
	reclaimable bool
	// gone reports whether the file of a live entry no longer exists (as an article); a new
	// file with that entry's content (or declared id) is then the same article, moved.
	gone func(rel string) bool
}

// task is a job in flight; the worker fills in the result fields before closing done.
type task struct {
	job
	done      chan struct{}
	read      bool
	missing   bool // the file disappeared between stat and read
	same      bool // bytes identical to the live entry's: only the stat changed
	transient bool // the error says nothing about the file's content: do not remember it
	hash      [32]byte
	art       *article.Article
	err       error
}

// Sync reconciles the whole article directory with the catalog.
func (c *Catalog) Sync(ctx context.Context) (Report, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	start := time.Now()
	p, err := c.planDir(ctx)
	if err != nil {
		return Report{}, err
	}
	rep, err := c.execute(ctx, p)
	rep.Duration = time.Since(start)
	c.logReport("sync", rep, err)
	return rep, err
}

// SyncPaths reconciles only the given slash-separated paths relative to Dir, as reported by a
// watcher. A path that no longer exists removes its entry and every entry under it (a removed
// directory); an existing directory is skipped, since the watcher reports its files.
func (c *Catalog) SyncPaths(ctx context.Context, rels []string) (Report, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	start := time.Now()
	p, err := c.planPaths(ctx, rels)
	if err != nil {
		return Report{}, err
	}
	rep, err := c.execute(ctx, p)
	rep.Duration = time.Since(start)
	c.logReport("sync-paths", rep, err)
	return rep, err
}

func (c *Catalog) logReport(kind string, rep Report, err error) {
	attrs := []any{"kind", kind, "added", len(rep.Added), "updated", len(rep.Updated),
		"removed", len(rep.Removed), "moved", len(rep.Moved), "rejected", len(rep.Rejected),
		"unchanged", rep.Unchanged, "read", rep.Read, "duration", rep.Duration}
	if err != nil {
		c.log.Error("catalog reconcile failed", append(attrs, "err", err)...)
		return
	}
	c.log.Info("catalog reconciled", attrs...)
}

func (c *Catalog) abs(rel string) string {
	return filepath.Join(c.cfg.Dir, filepath.FromSlash(rel))
}

// planDir walks Dir and compares every file's stat with the index of live entries.
func (c *Catalog) planDir(ctx context.Context) (*plan, error) {
	root := c.cfg.Dir
	// A missing root must fail the reconcile, not empty the feed (think of an unmounted volume).
	if fi, err := os.Stat(root); err != nil {
		return nil, fmt.Errorf("article directory %s: %w", root, err)
	} else if !fi.IsDir() {
		return nil, fmt.Errorf("article directory %s: not a directory", root)
	}
	live, err := c.loadLive(ctx)
	if err != nil {
		return nil, err
	}
	rejects, err := c.loadRejects(ctx)
	if err != nil {
		return nil, err
	}
	p := &plan{}
	// Entries under a directory the walk could not read are kept: a permission slip or a flaky
	// mount must not remove articles from the feed.
	var unreadable []string
	err = filepath.WalkDir(root, func(abs string, d fs.DirEntry, err error) error {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		rel, rerr := filepath.Rel(root, abs)
		if rerr != nil {
			return rerr
		}
		rel = filepath.ToSlash(rel)
		if err != nil {
			if rel == "." {
				return err
			}
			c.log.Warn("catalog cannot read", "path", rel, "err", err)
			unreadable = append(unreadable, rel)
			if d != nil && d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			if rel != "." && article.IgnoredDir(rel) {
				return fs.SkipDir
			}
			return nil
		}
		if article.Ignored(rel) {
			return nil
		}
		var info fs.FileInfo
		switch {
		case d.Type()&fs.ModeSymlink != 0:
			// Symlinked files are read through; symlinked directories are not followed,
			// which also rules out cycles.
			info, err = os.Stat(abs)
			if err != nil || !info.Mode().IsRegular() {
				return nil
			}
		case d.Type().IsRegular():
			if info, err = d.Info(); err != nil {
				if errors.Is(err, fs.ErrNotExist) {
					return nil
				}
				c.log.Warn("catalog cannot stat", "path", rel, "err", err)
				unreadable = append(unreadable, rel)
				return nil
			}
		default:
			return nil
		}
		lr := live[rel]
		rj := rejects[rel]
		if rj != nil {
			rj.seen = true
		}
		p.consider(rel, info.Size(), info.ModTime().UnixNano(), lr, rj)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("walk %s: %w", root, err)
	}
	isUnreadable := func(rel string) bool {
		for _, u := range unreadable {
			if rel == u || strings.HasPrefix(rel, u+"/") {
				return true
			}
		}
		return false
	}
	for rel, lr := range live {
		if !lr.seen && !isUnreadable(rel) {
			p.vanished = append(p.vanished, vanished{lr.row, rel})
		}
	}
	sort.Slice(p.vanished, func(i, j int) bool { return p.vanished[i].path < p.vanished[j].path })
	for rel, rj := range rejects {
		if !rj.seen && !isUnreadable(rel) {
			p.dropRejects = append(p.dropRejects, rel)
		}
	}
	var removed int
	if err := c.db.QueryRowContext(ctx, `SELECT count(*) FROM entries WHERE removed = 1`).Scan(&removed); err != nil {
		return nil, fmt.Errorf("count removed entries: %w", err)
	}
	p.reclaimable = removed > 0 || len(p.vanished) > 0
	p.gone = func(rel string) bool {
		lr, ok := live[rel]
		return ok && !lr.seen && !isUnreadable(rel)
	}
	return p, nil
}

// consider queues a file for reading unless its stat says it is unchanged.
func (p *plan) consider(rel string, size, mtime int64, lr *liveRow, rj *rejRow) {
	if lr != nil {
		lr.seen = true
	}
	// Rejected before and untouched since: reading it again would only repeat the rejection.
	// This comes first so that a broken edit of a live entry is not re-read on every Sync.
	if rj != nil && rj.size == size && rj.mtime == mtime {
		return
	}
	if lr != nil && lr.size == size && lr.mtime == mtime {
		p.unchanged++
		return
	}
	p.jobs = append(p.jobs, job{rel: rel, size: size, mtime: mtime, live: lr, rejected: rj != nil})
}

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

// fileKind is what a relative path currently is, as far as the catalog is concerned.
type fileKind int

const (
	kindAbsent  fileKind = iota // missing, ignored, under a symlinked or ignored directory, or not a regular file
	kindFile                    // an article candidate
	kindDir                     // a directory to leave to the watcher
	kindUnknown                 // stat failed for another reason: decide nothing
)

// statRel classifies rel by the same rules the Sync walk applies, so that SyncPaths and Sync
// agree on which files exist.
func (c *Catalog) statRel(rel string) (fs.FileInfo, fileKind) {
	parts := strings.Split(rel, "/")
	for i := 1; i < len(parts); i++ {
		dir := strings.Join(parts[:i], "/")
		if article.IgnoredDir(dir) {
			return nil, kindAbsent
		}
		fi, err := os.Lstat(c.abs(dir))
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil, kindAbsent
			}
			return nil, kindUnknown
		}
		if fi.Mode()&fs.ModeSymlink != 0 || !fi.IsDir() {
			return nil, kindAbsent
		}
	}
	fi, err := os.Stat(c.abs(rel))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, kindAbsent
		}
		c.log.Warn("catalog cannot stat", "path", rel, "err", err)
		return nil, kindUnknown
	}
	if fi.IsDir() {
		if article.IgnoredDir(rel) {
			return nil, kindAbsent
		}
		return fi, kindDir
	}
	if !fi.Mode().IsRegular() || article.Ignored(rel) {
		return nil, kindAbsent
	}
	return fi, kindFile
}

// cleanRel normalises a watcher path; ok is false for paths outside Dir.
func cleanRel(rel string) (string, bool) {
	rel = path.Clean(strings.TrimPrefix(rel, "./"))
	if rel == "." || rel == ".." || strings.HasPrefix(rel, "/") || strings.HasPrefix(rel, "../") {
		return "", false
	}
	return rel, true
}

// planPaths builds a plan for the given paths only, asking the database for their entries.
func (c *Catalog) planPaths(ctx context.Context, rels []string) (*plan, error) {
	// Any live entry's file may be gone without being listed, so every new file is checked.
	p := &plan{reclaimable: true}
	listed := map[string]bool{}
	goneSet := map[string]bool{}
	for _, raw := range rels {
		rel, ok := cleanRel(raw)
		if !ok {
			c.log.Warn("catalog ignores path outside the article directory", "path", raw)
			continue
		}
		if listed[rel] {
			continue
		}
		listed[rel] = true
		fi, kind := c.statRel(rel)
		switch kind {
		case kindUnknown, kindDir:
			continue
		case kindAbsent:
			// The path and, if it was a directory, everything under it are gone.
			under, err := c.liveUnder(ctx, rel)
			if err != nil {
				return nil, err
			}
			for _, v := range under {
				if !goneSet[v.path] {
					goneSet[v.path] = true
					p.vanished = append(p.vanished, v)
				}
			}
			goneSet[rel] = true
			p.dropRejects = append(p.dropRejects, rel)
			continue
		}
		lr, err := c.liveAt(ctx, rel)
		if err != nil {
			return nil, err
		}
		rj, err := c.rejectAt(ctx, rel)
		if err != nil {
			return nil, err
		}
		p.consider(rel, fi.Size(), fi.ModTime().UnixNano(), lr, rj)
	}
	p.gone = func(rel string) bool {
		if goneSet[rel] {
			return true
		}
		if listed[rel] {
			return false
		}
		// Not reported by the watcher (yet): ask the file system, so that a move is found
		// whichever of its two events arrives first.
		_, kind := c.statRel(rel)
		return kind == kindAbsent
	}
	return p, nil
}

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

// execute reads the plan's files in parallel and applies the results, in plan order, through a
// single writer. At most a few dozen parsed articles are in memory at once, whatever the
// directory size, and applying in plan (walk) order makes slug suffixes deterministic.
func (c *Catalog) execute(ctx context.Context, p *plan) (Report, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	workers := runtime.GOMAXPROCS(0)
	work := make(chan *task)
	order := make(chan *task, 4*workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for t := range work {
				c.readFile(ctx, t)
				close(t.done)
			}
		}()
	}
	go func() {
		defer close(order)
		defer close(work)
		for _, j := range p.jobs {
			t := &task{job: j, done: make(chan struct{})}
			select {
			case work <- t:
			case <-ctx.Done():
				return
			}
			// A worker owns t now, so done will close; the writer drains order to the end.
			order <- t
		}
	}()

	w := &writer{c: c, p: p, now: c.now().UTC().Truncate(time.Second)}
	w.rep.Unchanged = p.unchanged
	err := w.begin(ctx)
	for t := range order {
		<-t.done
		if err != nil {
			continue
		}
		if err = ctx.Err(); err == nil {
			err = w.apply(ctx, t)
		}
		if err != nil {
			cancel()
		}
	}
	wg.Wait()
	if err == nil {
		err = w.finish(ctx)
	}
	if err != nil {
		w.rollback()
		return w.rep, err
	}
	return w.rep, nil
}

// readFile hashes the file and, unless the bytes are those already published, parses it.
// Hashing comes first so that a write racing the read leaves the stored hash describing older
// bytes than the parsed content, never newer: the next reconcile then sees the change.
func (c *Catalog) readFile(ctx context.Context, t *task) {
	if err := ctx.Err(); err != nil {
		t.err, t.transient = err, true
		return
	}
	limit := c.cfg.Article.MaxSize
	if limit <= 0 {
		limit = article.DefaultMaxSize // as the parser reads Options.MaxSize
	}
	if t.size > limit {
		// Not worth hashing a file the parser refuses anyway.
		t.err = fmt.Errorf("%s: %w (%d bytes, limit %d)", c.abs(t.rel), article.ErrTooLarge, t.size, limit)
		return
	}
	abs := c.abs(t.rel)
	f, err := os.Open(abs)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			t.missing = true
			return
		}
		t.err, t.transient = fmt.Errorf("read %s: %w", t.rel, err), true
		return
	}
	h := sha256.New()
	_, err = io.Copy(h, f)
	f.Close()
	t.read = true
	if err != nil {
		t.err, t.transient = fmt.Errorf("read %s: %w", t.rel, err), true
		return
	}
	h.Sum(t.hash[:0])
	if t.live != nil && t.hash == t.live.hash {
		t.same = true
		return
	}
	art, err := article.ParseFile(abs, c.cfg.Article)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			t.missing = true
			return
		}
		t.err = err
		return
	}
	t.art = art
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
}

const storedCols = `row, id, slug, path, hash, removed, first_seen, published, updated, content_changed`

func scanStored(s interface{ Scan(...any) error }) (stored, error) {
	var st stored
	err := s.Scan(&st.row, &st.id, &st.slug, &st.path, &st.hash, &st.removed,
		&st.firstSeen, &st.published, &st.updated, &st.contentChanged)
	return st, err
}

const (
	qInsert = `INSERT INTO entries(id, slug, path, hash, size, mtime, first_seen, published, updated,
	content_changed, declared_updated, title, summary, content_html, authors, categories, removed, seq)
	VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?, ?, ?, ?, 0, ?) ON CONFLICT DO NOTHING`
	qContent = `UPDATE entries SET path = ?, hash = ?, size = ?, mtime = ?, published = ?, updated = ?,
	content_changed = ?, declared_updated = ?, title = ?, summary = ?, content_html = ?, authors = ?,
	categories = ?, removed = 0, removed_at = NULL, removed_why = NULL, seq = ? WHERE row = ?`
	qStat       = `UPDATE entries SET size = ?, mtime = ? WHERE row = ?`
	qRemove     = `UPDATE entries SET removed = 1, removed_at = ?, removed_why = ?, seq = ? WHERE row = ? AND removed = 0 AND path = ? RETURNING id, slug`
	qRow        = `SELECT ` + storedCols + ` FROM entries WHERE row = ?`
	qByID       = `SELECT ` + storedCols + ` FROM entries WHERE id = ?`
	qByHash     = `SELECT ` + storedCols + ` FROM entries WHERE hash = ? ORDER BY removed, seq DESC`
	qDrafted    = `SELECT ` + storedCols + ` FROM entries WHERE path = ? AND removed = 1 AND removed_why = 'draft' ORDER BY seq DESC LIMIT 1`
	qPutReject  = `INSERT INTO rejects(path, size, mtime, reason) VALUES(?, ?, ?, ?) ON CONFLICT(path) DO UPDATE SET size = excluded.size, mtime = excluded.mtime, reason = excluded.reason`
	qDelReject  = `DELETE FROM rejects WHERE path = ?`
	qSetState   = `INSERT INTO state(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`
	numWriterSt = 11
)

var writerQueries = [numWriterSt]string{qInsert, qContent, qStat, qRemove, qRow, qByID, qByHash, qDrafted,
	qPutReject, qDelReject, qSetState}

const (
	stInsert = iota
	stContent
	stStat
	stRemove
	stRow
	stByID
	stByHash
	stDrafted
	stPutReject
	stDelReject
	stSetState
)

// writer applies read results in transactions of batchSize files. Each transaction also stores
// the change counter, so a crash leaves entries and counter consistent.
type writer struct {
	c     *Catalog
	p     *plan
	now   time.Time // one clock reading per reconcile, in whole seconds
	rep   Report
	tx    *sql.Tx
	st    [numWriterSt]*sql.Stmt
	n     int   // files applied in the open transaction
	seq0  int64 // c.seq when the open transaction began, restored on rollback
	dirty bool  // the open transaction advanced seq
}

func (w *writer) begin(ctx context.Context) error {
	tx, err := w.c.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin catalog transaction: %w", err)
	}
	for i, q := range writerQueries {
		if w.st[i], err = tx.PrepareContext(ctx, q); err != nil {
			tx.Rollback()
			return fmt.Errorf("prepare catalog statement: %w", err)
		}
	}
	w.tx, w.n, w.seq0, w.dirty = tx, 0, w.c.seq, false
	return nil
}

func (w *writer) commit(ctx context.Context) error {
	if w.dirty {
		if err := w.setState(ctx, stateSeq, fmt.Sprint(w.c.seq)); err != nil {
			return err
		}
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
	if _, err := w.st[stSetState].ExecContext(ctx, key, value); err != nil {
		return fmt.Errorf("state %s: %w", key, err)
	}
	return nil
}

// nextSeq is the seq a write would take; bumpSeq makes it taken once the write succeeded,
// so a no-op write leaves no gap.
func (w *writer) nextSeq() int64 { return w.c.seq + 1 }
func (w *writer) bumpSeq()       { w.c.seq++; w.dirty = true }

func (w *writer) apply(ctx context.Context, t *task) error {
	if t.read {
		w.rep.Read++
	}
	if err := w.applyOne(ctx, t); err != nil {
		return err
	}
	w.n++
	if w.n >= batchSize {
		if err := w.commit(ctx); err != nil {
			return err
		}
		return w.begin(ctx)
	}
	return nil
}

func (w *writer) applyOne(ctx context.Context, t *task) error {
	log := w.c.log
	switch {
	case t.missing:
		if t.live != nil {
			if err := w.remove(ctx, t.live.row, t.rel, whyDeleted); err != nil {
				return err
			}
		}
		if t.rejected {
			return w.delReject(ctx, t.rel)
		}
		return nil
	case errors.Is(t.err, article.ErrDraft):
		if t.live != nil {
			if err := w.remove(ctx, t.live.row, t.rel, whyDraft); err != nil {
				return err
			}
		} else {
			log.Debug("catalog skips draft", "path", t.rel)
		}
		return w.putReject(ctx, t, "draft")
	case t.err != nil:
		return w.reject(ctx, t, t.err, t.live != nil)
	case t.same:
		// A touch: only the stat is new. Storing it keeps the next reconcile from reading again.
		if _, err := w.st[stStat].ExecContext(ctx, t.size, t.mtime, t.live.row); err != nil {
			return fmt.Errorf("update %s: %w", t.rel, err)
		}
		w.rep.Unchanged++
		if t.rejected {
			return w.delReject(ctx, t.rel)
		}
		return nil
	case t.live != nil:
		st, err := scanStored(w.st[stRow].QueryRowContext(ctx, t.live.row))
		if err != nil {
			return fmt.Errorf("look up %s: %w", t.rel, err)
		}
		if t.art.ID != "" && t.art.ID != st.id {
			// Readers already know the entry by its stored id; a new declaration cannot change it.
			log.Warn("catalog keeps the published id; the declared id is ignored",
				"path", t.rel, "id", st.id, "declared", t.art.ID)
		}
		if err := w.setContent(ctx, st, t, true); err != nil {
			return err
		}
		w.rep.Updated = append(w.rep.Updated, Change{t.rel, st.id, st.slug})
		log.Info("catalog updated", "path", t.rel, "id", st.id)
	default:
		if err := w.add(ctx, t); err != nil {
			return err
		}
	}
	// Published, but with something the author should know (e.g. decoded as Windows-1252).
	for _, warning := range t.art.Warnings {
		log.Warn("catalog article warning", "path", t.rel, "warning", warning)
	}
	if t.rejected {
		return w.delReject(ctx, t.rel)
	}
	return nil
}

// add publishes a file that has no live entry at its path: it is a returning or moved article
// if its declared id or its bytes match an entry whose file is gone, else a new one.
func (w *writer) add(ctx context.Context, t *task) error {
	if t.art.ID != "" {
		st, err := scanStored(w.st[stByID].QueryRowContext(ctx, t.art.ID))
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return w.insert(ctx, t)
		case err != nil:
			return fmt.Errorf("look up id %q for %s: %w", t.art.ID, t.rel, err)
		case st.removed || w.p.gone(st.path):
			return w.reclaim(ctx, st, t)
		default:
			return w.reject(ctx, t, fmt.Errorf("%s: id %q is already used by %s: %w",
				t.rel, t.art.ID, st.path, ErrDuplicateID), false)
		}
	}
	if !w.p.reclaimable {
		return w.insert(ctx, t)
	}
	rows, err := w.st[stByHash].QueryContext(ctx, t.hash[:])
	if err != nil {
		return fmt.Errorf("look up content of %s: %w", t.rel, err)
	}
	var cands []stored
	for rows.Next() {
		st, err := scanStored(rows)
		if err != nil {
			rows.Close()
			return fmt.Errorf("look up content of %s: %w", t.rel, err)
		}
		cands = append(cands, st)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("look up content of %s: %w", t.rel, err)
	}
	// A live entry whose file just vanished is preferred over a long-removed one: it is the
	// id readers currently see. A live entry whose file still exists makes this a copy.
	for _, st := range cands {
		if !st.removed && w.p.gone(st.path) {
			return w.reclaim(ctx, st, t)
		}
	}
	for _, st := range cands {
		if st.removed {
			return w.reclaim(ctx, st, t)
		}
	}
	// A draft published again: the file never left, it only changed, so it is the same article.
	st, err := scanStored(w.st[stDrafted].QueryRowContext(ctx, t.rel))
	switch {
	case err == nil:
		return w.reclaim(ctx, st, t)
	case !errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("look up draft %s: %w", t.rel, err)
	}
	return w.insert(ctx, t)
}

// reclaim gives an existing entry (removed, or live with its file gone) the new file: the id
// and slug stay, only the path and whatever content differs change.
func (w *writer) reclaim(ctx context.Context, st stored, t *task) error {
	changed := !bytes.Equal(st.hash, t.hash[:])
	if err := w.setContent(ctx, st, t, changed); err != nil {
		return err
	}
	ch := Change{t.rel, st.id, st.slug}
	if st.path == t.rel {
		w.rep.Added = append(w.rep.Added, ch)
		w.c.log.Info("catalog restored", "path", t.rel, "id", st.id, "content_changed", changed)
	} else {
		w.rep.Moved = append(w.rep.Moved, ch)
		w.c.log.Info("catalog moved", "path", t.rel, "from", st.path, "id", st.id, "content_changed", changed)
	}
	return nil
}

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
	base := baseSlug(art.Title, t.rel)
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
		res, err := w.st[stInsert].ExecContext(ctx, id, slug, t.rel, t.hash[:], t.size, t.mtime,
			first.Unix(), published.Unix(), updated.Unix(), declared, art.Title, art.Summary,
			art.ContentHTML, authors, categories, seq)
		if err != nil {
			return fmt.Errorf("insert %s: %w", t.rel, err)
		}
		if k, err := res.RowsAffected(); err != nil {
			return fmt.Errorf("insert %s: %w", t.rel, err)
		} else if k == 1 {
			w.bumpSeq()
			w.rep.Added = append(w.rep.Added, Change{t.rel, id, slug})
			w.c.log.Info("catalog added", "path", t.rel, "id", id, "slug", slug)
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
// set back an edit must still move updated forward, or readers would not see it.
func (w *writer) setContent(ctx context.Context, st stored, t *task, changed bool) error {
	art := t.art
	published := st.firstSeen
	if !art.Published.IsZero() {
		published = sec(art.Published).Unix()
	}
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
		return fmt.Errorf("encode %s: %w", t.rel, err)
	}
	seq := w.nextSeq()
	if _, err := w.st[stContent].ExecContext(ctx, t.rel, t.hash[:], t.size, t.mtime, published, updated,
		cc, declared, art.Title, art.Summary, art.ContentHTML, authors, categories, seq, st.row); err != nil {
		return fmt.Errorf("update %s: %w", t.rel, err)
	}
	w.bumpSeq()
	return nil
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
	err := w.st[stRemove].QueryRowContext(ctx, w.now.Unix(), reason, w.nextSeq(), row, rel).Scan(&id, &slug)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("remove %s: %w", rel, err)
	}
	w.bumpSeq()
	w.p.reclaimable = true
	w.rep.Removed = append(w.rep.Removed, Change{rel, id, slug})
	w.c.log.Info("catalog removed", "path", rel, "id", id, "reason", reason)
	return nil
}

// reject reports a file that cannot be published. Unless the failure is transient (a read
// error, an id clash that another file's removal may resolve) the file's stat is remembered
// so the file is not read again until it changes.
func (w *writer) reject(ctx context.Context, t *task, err error, keptLive bool) error {
	w.rep.Rejected = append(w.rep.Rejected, Rejection{t.rel, err})
	if keptLive {
		w.c.log.Warn("catalog rejected; keeping the last good version", "path", t.rel, "reason", err)
	} else {
		w.c.log.Warn("catalog rejected", "path", t.rel, "reason", err)
	}
	if t.transient || errors.Is(err, ErrDuplicateID) {
		return nil
	}
	return w.putReject(ctx, t, err.Error())
}

func (w *writer) putReject(ctx context.Context, t *task, reason string) error {
	if _, err := w.st[stPutReject].ExecContext(ctx, t.rel, t.size, t.mtime, reason); err != nil {
		return fmt.Errorf("remember rejected %s: %w", t.rel, err)
	}
	return nil
}

func (w *writer) delReject(ctx context.Context, rel string) error {
	if _, err := w.st[stDelReject].ExecContext(ctx, rel); err != nil {
		return fmt.Errorf("forget rejected %s: %w", rel, err)
	}
	return nil
}

// finish removes the entries whose files vanished (after all moves had their chance to claim
// them, so a move is never reported as a removal too) and commits.
func (w *writer) finish(ctx context.Context) error {
	for _, v := range w.p.vanished {
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
	if err := w.setState(ctx, stateLastSync, fmt.Sprint(w.now.Unix())); err != nil {
		return err
	}
	return w.commit(ctx)
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
